"""The public plugin kit."""
