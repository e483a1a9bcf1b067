"""Words and numbers every report uses (terminal, Markdown, pytest items, CLIs)."""

from __future__ import annotations

import email.utils
from collections.abc import Iterable, Mapping
from typing import Any

ORDER = ("fail", "warn", "pass", "skip")
LABEL = {"pass": "PASS", "fail": "FAIL", "warn": "WARN", "skip": "SKIP"}


def by_component(results: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for result in results:
        grouped.setdefault(result["component"], []).append(result)
    return dict(sorted(grouped.items()))


def counts(results: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    tally = {status: 0 for status in ORDER}
    for result in results:
        tally[result["status"]] = tally.get(result["status"], 0) + 1
    return tally


def component_status(results: Iterable[Mapping[str, Any]]) -> str:
    """The worst status of a component's checks: fail, then warn, then pass; skip when all were
    skipped."""
    found = {result["status"] for result in results}
    for status in ("fail", "warn", "pass"):
        if status in found:
            return status
    return "skip"


def needs_fixing(results: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Failures, then warnings (each in the order given), that have a why or a fix to show."""
    wanted = [r for r in results if r["status"] in ("fail", "warn")]
    return sorted(wanted, key=lambda r: r["status"] != "fail")


def slowest(results: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The check that took longest (skipped checks did not run)."""
    ran = [r for r in results if r["status"] != "skip"]
    return max(ran, key=lambda r: r["duration"]) if ran else None


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def diagnosis(result: Mapping[str, Any]) -> list[str]:
    """The ``why:`` and ``fix:`` lines of a result (each only when it has one)."""
    lines = []
    if result.get("why"):
        lines.append(f"why: {result['why']}")
    if result.get("hint"):
        lines.append(f"fix: {result['hint']}")
    return lines


def listed(items: Iterable[Any], limit: int) -> str:
    """``a, b, c`` — or, past ``limit`` items, the first ones and ``… and N more``."""
    every = [str(item) for item in items]
    if len(every) <= limit:
        return ", ".join(every)
    return ", ".join(every[:limit]) + f", … and {len(every) - limit} more"


def facts_line(facts: Mapping[str, Any], limit: int = 6) -> str:
    shown = [f"{key}={_short(value)}" for key, value in list(facts.items())[:limit]]
    if len(facts) > limit:
        shown.append(f"… and {len(facts) - limit} more")
    return ", ".join(shown)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def evidence(result: Mapping[str, Any]) -> str:
    """How the result was observed: ``live``, ``mocked``, ``replayed (recorded 2026-05-06)``."""
    found = result.get("evidence")
    if not found:
        return "—"
    recorded = (result.get("facts") or {}).get("recorded_at")
    if found == "replayed" and isinstance(recorded, str) and recorded:
        return f"replayed (recorded {_day(recorded)})"
    return str(found)


def _day(http_date: str) -> str:
    try:
        return email.utils.parsedate_to_datetime(http_date).date().isoformat()
    except (TypeError, ValueError):
        return http_date
