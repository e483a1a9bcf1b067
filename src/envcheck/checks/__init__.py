"""The built-in components. Each module is a plain envcheck plugin."""
