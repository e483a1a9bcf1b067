"""envcheck: a plugin-based pytest harness that verifies a development environment.

The public surface: checks and their outcomes, and the pluggy markers plugins use. Names are
loaded on first use, so that merely having envcheck installed costs a pytest run nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envcheck.core.lazy import exports

if TYPE_CHECKING:
    from envcheck.core.model import (
        Check,
        CheckFailed,
        CheckResult,
        CheckSkipped,
        Context,
        Evidence,
        Outcome,
        Status,
        ok,
        skip,
        warn,
    )
    from envcheck.hookspecs import hookimpl, hookspec

_EXPORTS = {
    "Check": "envcheck.core.model",
    "CheckFailed": "envcheck.core.model",
    "CheckResult": "envcheck.core.model",
    "CheckSkipped": "envcheck.core.model",
    "Context": "envcheck.core.model",
    "Evidence": "envcheck.core.model",
    "Outcome": "envcheck.core.model",
    "Status": "envcheck.core.model",
    "hookimpl": "envcheck.hookspecs",
    "hookspec": "envcheck.hookspecs",
    "ok": "envcheck.core.model",
    "skip": "envcheck.core.model",
    "warn": "envcheck.core.model",
}

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

__getattr__ = exports(__name__, _EXPORTS)
