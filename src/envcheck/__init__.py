"""envcheck: a plugin-based pytest harness that verifies a development environment.

The public surface: checks and their outcomes, and the pluggy markers plugins use. Names are
loaded on first use, so that merely having envcheck installed costs a pytest run nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from envcheck.core.context import Context
    from envcheck.core.model import (
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

_EXPORTS = {
    "Check": "envcheck.core.model",
    "CheckFailed": "envcheck.core.model",
    "CheckResult": "envcheck.core.model",
    "CheckSkipped": "envcheck.core.model",
    "Context": "envcheck.core.context",
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'envcheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
