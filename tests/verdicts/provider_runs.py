"""What the provider and Ollama held-out sets share: a shell without the settings that would
point the clients elsewhere, the fake keys set, and one in-process envcheck session whose output
and report must hold none of those keys."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pytest

from tests.verdicts.replay import REPLAYS, Replay, Route, published
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


def session(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    marker: str,
    toml: str,
    own_keys: Mapping[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """:func:`run` in a clean environment with a held-out set's own (fake) keys set, each in
    the variable its instance reads; none of them may be shown."""
    clean_environment(monkeypatch)
    for variable, key in (own_keys or {}).items():
        monkeypatch.setenv(variable, key)
    return run(pytester, marker, toml, (own_keys or {}).values())


OLLAMA_TOML = """\
[tool.envcheck.ollama]
models = [{models}]
smoke = true
cassettes = false
timeout = 20.0
"""


def resolve_to_loopback(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """``name`` resolves to 127.0.0.1 in this process, as a hosts-file line would make it (the
    in-process session's clients resolve through socket.getaddrinfo); other names as before."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == name else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def ollama_session(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    models: Sequence[str],
    routes: Mapping[str, Route],
    secrets: Iterable[str] = (),
    name: str | None = None,
) -> dict[str, dict[str, Any]]:
    """One envcheck session against one replayed Ollama (``OLLAMA_HOST``) checking ``models``;
    ``routes`` are its answers (see :func:`ollama_routes`). ``name``: the host is that name
    (resolved to the replay, :func:`resolve_to_loopback`), not its address."""
    return ollama_replayed(pytester, monkeypatch, models, Replay(routes), secrets, name)[1]


def ollama_replayed(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    models: Sequence[str],
    replay: Replay,
    secrets: Iterable[str] = (),
    name: str | None = None,
) -> tuple[Replay, dict[str, dict[str, Any]]]:
    """:func:`ollama_session` on ``replay`` (not yet started), which is returned too (its log of
    requests: the headers they carried)."""
    clean_environment(monkeypatch)
    listed = ", ".join(f'"{m}"' for m in models)
    with replay:
        url = replay.url
        if name is not None:
            resolve_to_loopback(monkeypatch, name)
            url = url.replace("127.0.0.1", name)
        monkeypatch.setenv("OLLAMA_HOST", url)
        return replay, run(pytester, "ollama", OLLAMA_TOML.format(models=listed), secrets)


def ollama_routes(version: str, generate: Route) -> dict[str, Route]:
    """An Ollama of ``version`` (a replay's name) whose ``/api/generate`` answers ``generate``,
    with the recorded ``/api/show`` and ``/api/ps``."""
    return {
        "GET /api/version": published(version),
        "POST /api/show": published("ollama--show-model-info"),
        "POST /api/generate": generate,
        "GET /api/ps": published("ollama--ps"),
    }


PROVIDER_SECTION = """\
[tool.envcheck.providers.{name}]
{kind}base_url = "{base}"
model = "{model}"
smoke = true
cassettes = false
retries = 0
timeout = 20.0
{extra}
"""


def provider_section(
    name: str, base: str, model: str = "gpt-4o-mini", kind: str = "", extra: str = ""
) -> str:
    """A provider instance as the held-out sets write it: ``kind`` its kind and key lines (none:
    the table's own vendor and key), no cassettes, no retries."""
    return PROVIDER_SECTION.format(name=name, kind=kind, base=base, model=model, extra=extra)


#: a held-out set's provider instance: its kind and key lines (none: the table's own vendor and
#: key), the path of its base_url on the replay, its model
Instance = tuple[str, str, str]


def instances_toml(
    url: str, instances: Mapping[str, Instance], hosts: Mapping[str, str] | None = None
) -> str:
    """The sections of ``instances``, each base_url under the replay at ``url``; an instance
    that ``hosts`` names reaches it by that host name instead of its address."""
    hosts = hosts or {}
    return "".join(
        provider_section(
            name, f"{url.replace('127.0.0.1', hosts.get(name, '127.0.0.1'))}{path}", model, kind
        )
        for name, (kind, path, model) in instances.items()
    )


def serve(routes: Mapping[str, Route]) -> Iterator[Replay]:
    """A fixture's body: the replay of ``routes``, served while the fixture lives."""
    with Replay(routes) as replay:
        yield replay


def chat_routes(answers: Mapping[str, Mapping[str, Route]]) -> dict[str, Route]:
    """OpenAI-compatible services on one server: base_url's path -> its ``"models"`` (listing)
    and, if it gets that far, ``"chat"`` (chat completion) answers."""
    found: dict[str, Route] = {}
    for base, answer in answers.items():
        found[f"GET {base}/models"] = answer["models"]
        if "chat" in answer:
            found[f"POST {base}/chat/completions"] = answer["chat"]
    return found


class Case(Protocol):
    """A held-out case as the provider/Ollama sets write it (each its own dataclass)."""

    @property
    def name(self) -> str: ...
    @property
    def source(self) -> str: ...  # where the answer was published
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


@dataclass(frozen=True)
class HeldOutCase:
    """A held-out case (a round's ``Case`` subclasses it for its own default of ``never``)."""

    name: str
    source: str
    check: str  # the check's id in the report
    status: str  # "fail", or "fail|skip" for either
    says: tuple[str, ...] = ()  # words the cause (summary + why) must hold
    fix: tuple[str, ...] = ()  # words the hint / fix must hold
    never: tuple[str, ...] = ()
    #: other checks of the same case, with the statuses they may have
    also: tuple[tuple[str, str], ...] = ()


def listed_then(name: str, *more: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """A case's ``also``: the listing's checks of instance ``name`` passed (it answered, the
    key was accepted), and ``more``."""
    return ((f"providers/{name}.auth", "pass"), (f"providers/{name}.model", "pass"), *more)


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


def assert_graded(
    component: str, names: dict[str, str], cases: Sequence[Case], checks: dict[str, Any]
) -> None:
    """Every case graded fully right, and its row of docs/verdicts/<component>.md met."""
    problems = [p for case in cases for p in grade(case, checks)]
    problems += row_problems(component, names, cases, checks)
    assert not problems, "\n".join(problems)


def assert_set_is_what_it_says(
    prefix: str, replays: int, cases: Sequence[Case], count: int, failing: int
) -> None:
    """A round's replays (``replays/<prefix>--*.json``) are ``replays`` files, each listed in
    replays/SOURCES.md; it has ``count`` cases, ``failing`` of which do not pass, each with a
    public source."""
    files = sorted(p.name for p in REPLAYS.glob(f"{prefix}--*.json"))
    assert len(files) == replays
    listed = (REPLAYS / "SOURCES.md").read_text()
    assert all(f"`{name}`" in listed for name in files)
    assert len(cases) == count and sum(c.status != "pass" for c in cases) == failing
    assert all(c.source.startswith("https://") for c in cases)


def assert_providers_round(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    instances: Mapping[str, Instance],
    own_keys: Mapping[str, str],
    names: dict[str, str],
    cases: Sequence[Case],
    host: str | None = None,
    hosts: Mapping[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """A held-out set's provider session on the replay at ``url`` (:func:`session` of
    :func:`instances_toml`), every case graded and its row met; its checks, by id. ``host``: the
    replay is reached by that name (resolved to it, :func:`resolve_to_loopback`), as a hosted
    service's base_url names it, not by a loopback address (a server on this machine);
    ``hosts``: instance -> the name that instance reaches it by (several services' hosts)."""
    if host is not None:
        resolve_to_loopback(monkeypatch, host)
        url = url.replace("127.0.0.1", host)
    for name in sorted(set((hosts or {}).values())):
        resolve_to_loopback(monkeypatch, name)
    toml = instances_toml(url, instances, hosts)
    checks = session(pytester, monkeypatch, "providers", toml, own_keys)
    assert_graded("providers", names, cases, checks)
    return checks


def kind_and_key(kind: str, variable: str) -> str:
    """An instance's kind and key lines (:data:`Instance`), its key read from ``variable``."""
    return f'kind = "{kind}"\napi_key = "${{{variable}}}"\n'


def providers_round_test(
    routes: Callable[[], Mapping[str, Route]],
    instances: Mapping[str, Instance],
    own_keys: Mapping[str, str],
    names: dict[str, str],
    cases: Sequence[Case],
    hosts: Mapping[str, str] | None = None,
) -> Callable[[pytest.Pytester, pytest.MonkeyPatch], None]:
    """A set's one test: the replay of ``routes()`` served while it runs, and
    :func:`assert_providers_round` on it (every case graded fully right, its row met)."""

    def test(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
        with Replay(routes()) as replay:
            args = (replay.url, instances, own_keys, names, cases)
            assert_providers_round(pytester, monkeypatch, *args, hosts=hosts)

    return test
