"""The bounds every check and configuration shares: timeouts in seconds."""

from __future__ import annotations

import math

DEFAULT_TIMEOUT = 10.0
#: The longest timeout a check or ``[tool.envcheck]`` may set, in seconds (one hour).
MAX_TIMEOUT = 3600.0


def timeout_problem(value: object) -> str | None:
    """Why ``value`` is not a usable timeout in seconds, or ``None`` when it is one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"must be a number of seconds, not {type(value).__name__}"
    if not math.isfinite(value) or value <= 0:
        return f"must be a positive number of seconds (got {value!r})"
    if value > MAX_TIMEOUT:
        return f"must be at most {MAX_TIMEOUT:g} s (got {value!r})"
    return None


#: The most envcheck reads of one HTTP answer of an MCP server, in bytes (16 MiB): a response
#: body, or an event stream over its whole life (MCP messages are far smaller; a server's list of
#: tools is rarely over 1 MiB). Past it envcheck stops reading and says so (``mcp/NAME``: answer
#: too large), so that an endless or huge answer cannot hold a check or exhaust memory.
MAX_MCP_HTTP_ANSWER = 16 * 2**20
