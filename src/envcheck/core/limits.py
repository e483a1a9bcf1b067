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
