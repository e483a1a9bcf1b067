"""The envcheck section of pytest's terminal summary.

Read top to bottom: one line per component (status, counts, slowest check), then what to fix
(failures first, then warnings, each with its why and fix), then every check of the components
that need attention. Components whose checks all passed stay on their one line unless ``-v``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from envcheck.core.format import (
    LABEL,
    by_component,
    component_status,
    counts,
    diagnosis,
    duration,
    evidence,
    facts_line,
    needs_fixing,
    slowest,
)

_MARKUP = {"pass": {"green": True}, "fail": {"red": True}, "warn": {"yellow": True}, "skip": {}}


def write(
    reporter: Any,
    results: Sequence[Mapping[str, Any]],
    written: Sequence[Path] = (),
    *,
    verbose: bool = True,
    overview: bool = False,
) -> None:
    """The section. ``overview``: open with one line per component and the fixes (pytest's
    section; ``envcheck mcp check`` shows one server's checks only). ``verbose=False`` and
    something to fix: components whose checks all passed stay on their overview line."""
    reporter.write_sep("=", "envcheck: environment checks")
    if not results:
        reporter.write_line("no check finished (the run was interrupted before any did)")
    grouped = by_component(results)
    if overview:
        _overview(reporter, grouped)
    fixes = needs_fixing(results)
    if fixes and overview:
        reporter.write_line("How to fix (failures first, then warnings):", bold=True)
        for result in fixes:
            status = result["status"]
            reporter.write(f"  {LABEL[status]}", **_MARKUP[status])
            reporter.write_line(f"  {result['id']}: {result['summary']}")
            for line in diagnosis(result):
                reporter.write_line(f"        {line}", bold=line.startswith("fix:"))
    # the overview and the fixes say it all: each check's line comes with -v (a green run is
    # one line per component; a failure is said once, in "How to fix")
    if not overview or verbose:
        for component, group in grouped.items():
            _component(reporter, component, group)
    elif any(r["status"] != "pass" for r in results):
        reporter.write_line("(every check's result: -v, or the report with --envcheck-report)")
    for path in written:
        reporter.write_line(f"envcheck report written to {path}")


def _overview(reporter: Any, grouped: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    width = max((len(component) for component in grouped), default=0)
    for component, group in grouped.items():
        status = component_status(group)
        tally = ", ".join(f"{n} {state}" for state, n in counts(group).items() if n)
        seen = [r.get("evidence") for r in group if r["status"] in ("pass", "warn")]
        # a pass from a recording or the mock is not a live one: the overview says how many
        other = ", ".join(
            f"{seen.count(kind)} {kind}" for kind in ("replayed", "mocked") if kind in seen
        )
        tally += f" ({other})" if other else ""
        slow = slowest(group)
        took = f"; slowest {slow['name']} {duration(slow['duration'])}" if slow else ""
        reporter.write(f"{LABEL[status]}  ", **_MARKUP[status])
        reporter.write_line(f"{component:<{width}}  {tally}{took}")


def _component(reporter: Any, component: str, group: Sequence[Mapping[str, Any]]) -> None:
    tally = counts(group)
    summary = ", ".join(f"{n} {status}" for status, n in tally.items() if n)
    reporter.write_line(f"{component} ({summary})", bold=True)
    width = max(len(r["name"]) for r in group)
    for result in group:
        status = result["status"]
        reporter.write(f"  {LABEL[status]}", **_MARKUP[status])
        shown = evidence(result)
        seen = f", {shown}" if shown not in ("live", "—") else ""  # replayed or mocked
        reporter.write_line(
            f"  {result['name']:<{width}}  {result['summary']}"
            f"  [{duration(result['duration'])}{seen}]"
        )
        if result.get("facts"):
            reporter.write_line(f"        {facts_line(result['facts'])}")
        if status in ("fail", "warn"):
            for line in diagnosis(result):
                reporter.write_line(f"        {line}", bold=line.startswith("fix:"))
