"""The ``mcp`` component."""
