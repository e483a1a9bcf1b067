"""The ``venv`` component."""
