"""The envcheck section of pytest's terminal summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from envcheck.report._common import (
    LABEL,
    by_component,
    counts,
    diagnosis,
    duration,
    evidence,
    facts_line,
)

_MARKUP = {"pass": {"green": True}, "fail": {"red": True}, "warn": {"yellow": True}, "skip": {}}


def write(
    reporter: Any, results: Sequence[Mapping[str, Any]], written: Sequence[Path] = ()
) -> None:
    reporter.write_sep("=", "envcheck: environment checks")
    for component, group in by_component(results).items():
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
    for path in written:
        reporter.write_line(f"envcheck report written to {path}")
