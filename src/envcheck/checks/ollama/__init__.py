"""The ``ollama`` component."""
