"""Turning whatever a check returned or raised into a :class:`CheckResult` that always serializes.

A result is built in a check's own thread from values a plugin chose; nothing here may raise, and
everything a result holds afterwards is plain JSON (finite numbers, valid Unicode, string keys).
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Mapping
from typing import Any

from envcheck.core import redact
from envcheck.core.extras import install_command, missing_extra
from envcheck.core.fix import Fix
from envcheck.core.model import (
    Check,
    CheckFailed,
    CheckResult,
    CheckSkipped,
    FactValue,
    Outcome,
    Status,
)

#: Facts nest at most this deep, and a fact's lists and tables keep at most this many items.
MAX_DEPTH = 8
MAX_ITEMS = 1000


def text(value: Any) -> str:
    """``value`` as valid Unicode text, even when its ``str()`` raises or holds lone surrogates."""
    if not isinstance(value, str):
        try:
            value = str(value)
        except Exception:  # noqa: B902 - a plugin's broken __str__ must not end the run
            try:
                value = f"<{type(value).__name__} that cannot be shown>"
            except Exception:  # noqa: B902
                value = "<a value that cannot be shown>"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # e.g. a path with bytes that are not UTF-8: show them escaped, as Python would
        value = value.encode("utf-8", "backslashreplace").decode("utf-8")
    return str.__str__(value)


def optional_text(value: Any) -> str | None:
    return None if value is None else text(value)


def plain(value: Any, depth: int = 0) -> FactValue:
    """``value`` as JSON: non-finite floats, bytes, sets and objects become text or lists."""
    if value is None or type(value) in (bool, int):
        return value  # type: ignore[no-any-return]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else text(value)
    if isinstance(value, str):
        return text(value)
    if isinstance(value, (bytes, bytearray)):
        return text(bytes(value).decode("utf-8", "backslashreplace"))
    if depth >= MAX_DEPTH:
        return text(_shown(value))
    if isinstance(value, Mapping):
        items = list(value.items())[:MAX_ITEMS]
        shortened = {text(k): plain(v, depth + 1) for k, v in items}
        if len(value) > MAX_ITEMS:  # a shortened list says so
            shortened["…"] = f"and {len(value) - MAX_ITEMS} more"
        return shortened
    if isinstance(value, (list, tuple)):
        return [plain(item, depth + 1) for item in value[:MAX_ITEMS]] + _more(len(value))
    if isinstance(value, (set, frozenset)):
        shown = sorted((plain(item, depth + 1) for item in value), key=repr)
        return shown[:MAX_ITEMS] + _more(len(shown))
    return text(_shown(value))


def _more(count: int) -> list[Any]:
    return [f"… and {count - MAX_ITEMS} more"] if count > MAX_ITEMS else []


def _shown(value: Any) -> str:
    try:
        return repr(value)
    except Exception:  # noqa: B902
        return f"<{type(value).__name__}>"


def facts(values: Any) -> dict[str, FactValue]:
    if not isinstance(values, Mapping):
        return {} if values is None else {"facts": plain(values)}
    converted = plain(values)
    return converted if isinstance(converted, dict) else {}


def make(check: Check, status: Status, summary: Any, **kw: Any) -> CheckResult:
    """A result of ``check``; text and facts are made plain here, where results are created."""
    return CheckResult(
        id=check.id,
        component=check.component,
        name=check.name,
        status=status,
        summary=text(summary),
        description=text(check.description),
        depends_on=list(check.depends_on),
        facts=facts(kw.pop("facts", None)),
        hint=optional_text(kw.pop("hint", None)),
        why=optional_text(kw.pop("why", None)),
        fix=_fix_data(kw.pop("fix", None)),
        **kw,
    )


def _fix_data(fix: Any) -> dict[str, Any] | None:
    """The structured fix as plain data; ``None`` for a prose-only fix (``hint`` says it)."""
    if not isinstance(fix, Fix) or not fix.steps:
        return None
    try:
        data = plain(fix.to_dict())
    except Exception:  # noqa: B902 - a step that cannot describe itself still leaves the text
        return None
    return data if isinstance(data, dict) else None


def timed_out(check: Check, lowered: str | None = None) -> CheckResult:
    """No answer within the check's timeout; ``lowered`` says why that timeout is lower than
    the check's own (another limit applied)."""
    why = "whatever it waits on is not answering (a stopped service, a firewall, a wrong host)"
    return make(
        check,
        Status.FAIL,
        f"did not finish within its {check.seconds:g} s timeout",
        why=f"{why}; {lowered}" if lowered else why,
        hint=f"check that {check.component} is up and reachable, or raise its timeout",
    )


def from_outcome(check: Check, produced: Any) -> CheckResult:
    if produced is None:
        return make(check, Status.PASS, "ok")
    if isinstance(produced, Outcome) and isinstance(produced.status, Status):
        return make(
            check,
            produced.status,
            produced.summary or produced.status.value,
            facts=produced.facts,
            hint=produced.hint,
            why=produced.why,
            fix=produced.fix,
        )
    return make(
        check,
        Status.FAIL,
        f"returned {type(produced).__name__}; a check returns None or envcheck.ok/warn/skip(...)",
        hint=f"fix the run function of {check.id}",
    )


def from_exception(check: Check, exc: BaseException) -> CheckResult:
    if isinstance(exc, CheckFailed):
        summary = getattr(exc, "summary", None)
        return make(
            check,
            Status.FAIL,
            summary if summary not in (None, "") else type(exc).__name__,
            hint=getattr(exc, "hint", None),
            why=getattr(exc, "why", None),
            fix=getattr(exc, "fix", None),
            facts=getattr(exc, "facts", None),
        )
    if isinstance(exc, CheckSkipped):
        return make(
            check,
            Status.SKIP,
            getattr(exc, "reason", ""),
            hint=getattr(exc, "hint", None),
            why=getattr(exc, "why", None),
            fix=getattr(exc, "fix", None),
        )
    missing = missing_extra(exc) if isinstance(exc, Exception) else None
    if missing is not None:
        module, extra = missing
        # a component nobody asked for (found by the defaults at an address nobody chose) is
        # not checked rather than broken: the user only learns which extra would check it
        asked = getattr(check.section, "required", True) is not False
        return make(
            check,
            Status.FAIL if asked else Status.SKIP,
            f"the {check.component} checks need the Python package {module}, which is not "
            "installed" + ("" if asked else f": {check.component} not checked"),
            why=f"it comes with envcheck's '{extra}' extra",
            hint=install_command(extra),
        )
    try:
        frames = traceback.extract_tb(exc.__traceback__)
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "unknown"
    except Exception:  # noqa: B902
        where = "unknown"
    return make(
        check,
        Status.FAIL,
        f"{type(exc).__name__}: {text(exc)}",
        why=f"the check raised an unexpected error at {where}",
        hint=f"fix the cause above, or report a bug in the plugin that provides {check.id}",
    )


def broken(check: Check, exc: BaseException) -> CheckResult:
    """The last resort: building the result itself failed (never raises)."""
    return CheckResult(
        id=check.id,
        component=check.component,
        name=check.name,
        status=Status.FAIL,
        summary=f"envcheck could not build this check's result: {type(exc).__name__}",
        hint="report a bug in envcheck, with the plugin that provides this check",
        depends_on=list(check.depends_on),
    )


def redacted(result: CheckResult) -> CheckResult:
    # secrets masked, then terminal control characters removed (redact.clean), in every text
    result.summary = redact.clean(result.summary)
    result.hint = redact.clean(result.hint) if result.hint else result.hint
    result.why = redact.clean(result.why) if result.why else result.why
    result.fix = redact.clean_any(result.fix) if result.fix else result.fix
    result.facts = redact.clean_any(result.facts)
    return result
