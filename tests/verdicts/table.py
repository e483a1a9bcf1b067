"""The verdict tables of ``docs/verdicts/<component>.md``, read as the tests' expectations.

Each table row is one failure the component's source of truth can produce. Its columns::

    | id | source entry | request or step | check | cause shown | fix (who runs it) | tested by |

- ``check``: ``STATUS component/check`` (``FAIL postgres/connect``): the check that must end so;
- ``cause shown``: every `` `fragment` `` must appear (case-insensitive) in that check's summary or
  why;
- ``fix``: every `` `fragment` `` must appear in its fix text;
- ``tested by``: ``real server``, ``replay: <source>`` (a recorded, published answer),
  ``held-out case (<test file>)`` (a case of a held-out set, run by that file, which asserts the
  row on the case's own run), or ``not reachable: <reason>`` (listed so the next reader sees it
  was considered; not run).

A component's table test registers one scenario per row (:class:`Scenarios`); the test fails on a
row without a scenario and on a scenario without a row, so a row without a test is not a verdict.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[2] / "docs" / "verdicts"
HEADER = ["id", "source entry", "request or step", "check", "cause shown", "fix", "tested by"]
_TICKED = re.compile(r"`([^`]+)`")
_CHECK = re.compile(r"(PASS|FAIL|WARN|SKIP)\s+(\S+/\S+)")


@dataclass(frozen=True)
class Row:
    id: str
    source: str
    step: str
    status: str
    check: str
    cause: tuple[str, ...]
    fix: tuple[str, ...]
    tested_by: str
    line: int

    @property
    def runs(self) -> bool:
        return not self.tested_by.lower().startswith("not reachable")

    @property
    def held_out(self) -> bool:
        """Run by a held-out set's case or a sweep, not by the component's table test."""
        return self.tested_by.lower().startswith(("held-out case", "sweep"))


def _cells(line: str) -> list[str]:
    cells, current, ticked = [], "", False
    for char in line.strip().strip("|"):
        if char == "`":
            ticked = not ticked
        if char == "|" and not ticked:
            cells.append(current.strip())
            current = ""
        else:
            current += char
    cells.append(current.strip())
    return cells


def rows(component: str, docs: Path = DOCS) -> list[Row]:
    """Every row of every verdict table in ``docs/verdicts/<component>.md``."""
    path = docs / f"{component}.md"
    found: list[Row] = []
    in_table = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.startswith("|"):
            in_table = False
            continue
        cells = _cells(line)
        if [c.lower().split(" (")[0] for c in cells] == HEADER:
            in_table = True
            continue
        if not in_table or set(line) <= set("|-: "):
            continue
        if len(cells) != len(HEADER):
            raise AssertionError(
                f"{path}:{number}: {len(cells)} cells, the table has {len(HEADER)}"
            )
        ident, source, step, check, cause, fix, tested = cells
        match = _CHECK.search(check)
        if match is None and not tested.lower().startswith("not reachable"):
            raise AssertionError(
                f"{path}:{number}: check {check!r} is not 'STATUS component/check'"
            )
        found.append(
            Row(
                id=ident,
                source=source,
                step=step,
                status=match.group(1).lower() if match else "",
                check=match.group(2) if match else "",
                cause=tuple(_TICKED.findall(cause)),
                fix=tuple(_TICKED.findall(fix)),
                tested_by=tested,
                line=number,
            )
        )
    ids = [r.id for r in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"{path}: row ids used twice: {duplicates}"
    return found


def verdict_problems(row: Row, checks: Iterable[Mapping[str, Any]]) -> list[str]:
    """What the report's checks (the JSON report's ``checks``) get wrong against ``row``."""
    by_id = {c["id"]: c for c in checks}
    found = by_id.get(row.check)
    if found is None:
        return [f"{row.id}: no check {row.check} in the report (have: {sorted(by_id)})"]
    problems = []
    if found["status"] != row.status:
        problems.append(
            f"{row.id}: {row.check} is {found['status']}, the table says {row.status}: "
            f"{found['summary']!r}"
        )
    said = f"{found['summary']} {found.get('why') or ''}".lower()
    problems += [
        f"{row.id}: the cause {c!r} is not in {found['summary']!r} / why {found.get('why')!r}"
        for c in row.cause
        if c.lower() not in said
    ]
    if found["status"] in ("fail", "warn") and not (found.get("fix") or {}).get("steps"):
        problems.append(f"{row.id}: {row.check} gives its fix as text only, not as steps")
    fix = (found.get("hint") or "").lower()
    problems += [
        f"{row.id}: the fix {f!r} is not in {found.get('hint')!r}"
        for f in row.fix
        if f.lower() not in fix
    ]
    return problems


Scenario = Callable[..., Any]


class Scenarios:
    """The scenarios of one component's table, by row id."""

    def __init__(self, component: str) -> None:
        self.component = component
        self.by_id: dict[str, Scenario] = {}

    def row(self, *ids: str) -> Callable[[Scenario], Scenario]:
        def register(func: Scenario) -> Scenario:
            for ident in ids:
                assert ident not in self.by_id, f"scenario for {ident} registered twice"
                self.by_id[ident] = func
            return func

        return register

    def table(self) -> list[Row]:
        return rows(self.component)

    def runnable(self) -> list[Row]:
        """The rows this table's test runs (a held-out case runs its own row)."""
        return [r for r in self.table() if r.runs and not r.held_out]

    def mismatches(self, elsewhere: Iterable[str] = ()) -> list[str]:
        """Rows without a scenario and scenarios without a row (or for a row marked not
        reachable). ``elsewhere``: rows whose scenario is in another test (a held-out set)."""
        table = {r.id: r for r in self.table()}
        other = set(elsewhere)
        problems = [
            f"docs/verdicts/{self.component}.md:{r.line}: row {r.id} has no scenario"
            for r in table.values()
            if r.runs and r.id not in self.by_id and r.id not in other
        ]
        problems += [
            f"held-out case {ident} has no runnable row in docs/verdicts/{self.component}.md"
            for ident in sorted(other)
            if ident not in table or not table[ident].runs or ident in self.by_id
        ]
        problems += [
            f"scenario {ident} has no runnable row in docs/verdicts/{self.component}.md"
            for ident in self.by_id
            if ident not in table or not table[ident].runs
        ]
        return problems


def ids(rows_: Sequence[Row]) -> list[str]:
    return [r.id for r in rows_]
