"""envcheck plugin (work in progress)."""
