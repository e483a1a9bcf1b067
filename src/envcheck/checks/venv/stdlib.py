"""The interpreter's optional standard-library modules (ssl, zlib, ctypes, sqlite3...): each
imported here, in the interpreter under test, where a missing one is told apart from one whose
C library is gone (core/stdlib.py)."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from envcheck.checks.venv import native as _native
from envcheck.core import stdlib as _stdlib
from envcheck.core.model import CheckFailed, Context, FactValue, Outcome, ok, warn


def _broken() -> dict[str, str]:
    """The modules of :data:`core.stdlib.OPTIONAL` that do not import, each with what is wrong:
    not built (no file), or the file there and a library it needs gone (named)."""
    found: dict[str, str] = {}
    for module in _stdlib.OPTIONAL:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            spec = importlib.util.find_spec(module)
            if spec is None or not spec.origin or not Path(spec.origin).is_file():
                found[module] = "not built: this interpreter has no such module"
                continue
            lost = _native.missing_libraries(Path(spec.origin))
            if lost:
                names = ", ".join(
                    lib + (f" (found: {', '.join(others)})" if others else "")
                    for lib, others in lost
                )
                found[module] = f"{spec.origin} is there, but {names} it needs is found nowhere"
            else:
                found[module] = f"{spec.origin} does not load: {type(exc).__name__}: {exc}"
    return found


def stdlib(ctx: Context) -> Outcome:
    broken = _broken()
    facts: dict[str, FactValue] = {"interpreter": _stdlib.interpreter()}
    if not broken:
        shown = ", ".join(e.public for e in _stdlib.OPTIONAL.values())
        return ok(f"the standard library's optional modules import ({shown})", **facts)
    essential = [m for m in broken if _stdlib.OPTIONAL[m].essential]
    lines = "; ".join(f"{_stdlib.describe(m)}: {broken[m]}" for m in broken)
    needs = "; ".join(
        f"{_stdlib.OPTIONAL[m].public}: {_stdlib.OPTIONAL[m].needed_by}" for m in broken
    )
    unloadable = all(not broken[m].startswith("not built") for m in broken)
    summary = (
        f"this Python cannot import {', '.join(_stdlib.OPTIONAL[m].public for m in broken)}: "
        f"{lines}"
    )
    why = (
        f"CPython builds these modules only when the C library's headers are there at build "
        f"time, and loads them only while that library is installed; the base interpreter is "
        f"{_stdlib.interpreter()}. What needs them: {needs}"
    )
    fix = _stdlib.rebuild_fix(list(broken), unloadable=unloadable)
    if essential:
        raise CheckFailed(summary, why=why, fix=fix, facts=facts)
    ctx.fact(**facts)
    return warn(summary, why=why, fix=fix)
