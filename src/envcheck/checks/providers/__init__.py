"""The ``providers`` component."""
