"""MCP support: talking to MCP servers with the official SDK (:class:`Probe`), finding the servers
that clients declare (``discovery``). The ``mcp`` SDK is imported only inside the functions that
talk MCP; the ``envcheck mcp`` commands and envcheck's own MCP server are in :mod:`envcheck.cli`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from envcheck.core.lazy import exports

if TYPE_CHECKING:
    from envcheck.mcpkit.probe import Probe
    from envcheck.mcpkit.spec import STEPS, ServerSpec, SmokeCall

_EXPORTS = {
    "Probe": "envcheck.mcpkit.probe",
    "STEPS": "envcheck.mcpkit.spec",
    "ServerSpec": "envcheck.mcpkit.spec",
    "SmokeCall": "envcheck.mcpkit.spec",
}
__all__ = ["Probe", "STEPS", "ServerSpec", "SmokeCall"]
__getattr__ = exports(__name__, _EXPORTS)
