"""The ``postgres`` component."""
