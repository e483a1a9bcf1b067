"""The ``redis`` component."""
