"""What the built-in components share."""
