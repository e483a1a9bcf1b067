"""envcheck: a plugin-based pytest harness that verifies a development environment.

The public surface: checks and their outcomes, and the pluggy markers plugins use.
"""

from envcheck._context import Context
from envcheck._model import (
    Check,
    CheckFailed,
    CheckResult,
    CheckSkipped,
    Evidence,
    Outcome,
    Status,
    ok,
    skip,
    warn,
)
from envcheck.hookspecs import hookimpl, hookspec

__all__ = [
    "Check",
    "CheckFailed",
    "CheckResult",
    "CheckSkipped",
    "Context",
    "Evidence",
    "Outcome",
    "Status",
    "hookimpl",
    "hookspec",
    "ok",
    "skip",
    "warn",
]
