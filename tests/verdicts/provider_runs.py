"""What the provider and Ollama held-out sets share: a shell without the settings that would
point the clients elsewhere, the fake keys set, and one in-process envcheck session whose output
and report must hold none of those keys."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import pytest

from tests.verdicts.table import rows, verdict_problems
from tests.verdicts.test_providers import KEYS, STRICT
from tests.verdicts.test_providers_sweep import own_error, text

#: what would send a client somewhere else than the replay (a proxy, a base URL, a project)
REDIRECTING = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "ANTHROPIC_BASE_URL",
    "GOOGLE_API_KEY",
    "GOOGLE_GEMINI_BASE_URL",
    "OLLAMA_HOST",
)


def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in REDIRECTING:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for variable in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.setenv(variable, KEYS[variable])


def run(
    pytester: pytest.Pytester, marker: str, toml: str, secrets: Iterable[str] = ()
) -> dict[str, dict[str, Any]]:
    """One in-process envcheck session; its checks by id. No key (the table test's, and a held-out
    set's own ``secrets``) may be in what it shows."""
    from envcheck.llm import _pool

    _pool.close_all()
    pytester.makefile(".toml", pyproject=toml)
    try:
        result = pytester.runpytest_inprocess("-m", marker, "--envcheck-report", *STRICT)
    finally:
        _pool.close_all()
    output = result.stdout.str() + result.stderr.str()
    written = (pytester.path / "envcheck-report.json").read_text()
    leaked = [k for k in [*KEYS.values(), *secrets] if k in output or k in written]
    assert not leaked, f"a key is in the output: {leaked}"
    return {c["id"]: c for c in json.loads(written)["checks"]}


class Case(Protocol):
    """A held-out case as the provider/Ollama sets write it (each its own dataclass)."""

    @property
    def name(self) -> str: ...
    @property
    def check(self) -> str: ...  # the check's id in the report
    @property
    def status(self) -> str: ...  # "fail", or "fail|skip" for either
    @property
    def says(self) -> tuple[str, ...]: ...  # words the cause (summary + why) must hold
    @property
    def fix(self) -> tuple[str, ...]: ...  # words the hint / fix must hold
    @property
    def never(self) -> tuple[str, ...]: ...  # words nothing it shows may hold


def grade(case: Case, checks: dict[str, dict[str, Any]]) -> list[str]:
    """What the case's check shows against what the case expects; ``also`` (when the case has
    it): other checks of the same case, with the statuses they may have."""
    check = checks.get(case.check)
    if check is None:
        return [f"{case.name}: no {case.check} check"]
    shown = text(check)
    cause = " ".join(str(check.get(k) or "") for k in ("summary", "why"))
    fix = " | ".join(shown.split(" | ")[2:])  # the hint and the fix
    problems = []
    if own_error(shown):
        problems.append("envcheck's own error")
    if check["status"] not in case.status.split("|"):
        problems.append(f"{case.check} is {check['status']}, not {case.status}")
    problems += [f"the cause does not say {w!r}" for w in case.says if w not in cause]
    problems += [f"the fix does not hold {w!r}" for w in case.fix if w not in fix]
    problems += [f"says {w!r}" for w in case.never if w.lower() in shown.lower()]
    also: tuple[tuple[str, str], ...] = getattr(case, "also", ())
    for other, allowed in also:
        got = checks.get(other)
        if got is None or got["status"] not in allowed.split("|") or own_error(text(got)):
            shown_other = (got or {}).get("status")
            problems.append(f"{other} is {shown_other}, not {allowed}: {text(got or {})}")
    return [f"{case.name}: {p}: {shown}" for p in problems]


def row_problems(
    component: str, names: dict[str, str], cases: Sequence[Case], checks: dict[str, Any]
) -> list[str]:
    """The cases' rows of docs/verdicts/<component>.md (``names``: case -> row), against the
    session's report."""
    table = {r.id: r for r in rows(component)}
    report = list(checks.values())
    return [
        f"{case.name}: {problem}"
        for case in cases
        if case.name in names
        for problem in verdict_problems(table[names[case.name]], report)
    ]
