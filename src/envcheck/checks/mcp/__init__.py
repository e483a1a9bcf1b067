"""The ``mcp`` component: MCP servers configured in ``[tool.envcheck.mcp]`` or declared in the
clients' config files. ``config`` holds the table's models, ``target`` what is checked (and how each
server is resolved for a probe), ``hooks`` the pluggy hooks and the checks; the MCP client itself is
the support package :mod:`envcheck.mcpkit`."""

from envcheck.checks.mcp.config import (
    COMPONENT,
    McpConfig,
    McpServerConfig,
    Server,
    SmokeCallConfig,
)

__all__ = ["COMPONENT", "McpConfig", "McpServerConfig", "Server", "SmokeCallConfig"]
