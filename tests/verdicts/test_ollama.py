"""The verdict table of docs/verdicts/ollama.md, one scenario per row.

Each scenario serves Ollama's answers from a local HTTP server (:mod:`.replay`: the healthy ones
as Ollama's API documentation gives them, the failures as users published them), or makes a
socket broken for real, runs envcheck's ollama checks against it in a real pytest session, and
returns the JSON report's checks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from tests.servers import free_port, silent_listener
from tests.verdicts.fixes import apply_fix
from tests.verdicts.replay import Answer, Replay, published
from tests.verdicts.table import Row, Scenarios, ids, verdict_problems

SCENARIOS = Scenarios("ollama")
STRICT = ("-W", "error", "-p", "no:cacheprovider")
MODEL = "llama3.2:latest"  # pulled, as the documentation's /api/tags example lists it


def healthy() -> dict[str, Answer | Sequence[Answer]]:
    return {
        "GET /api/version": published("ollama--version"),
        "GET /api/tags": published("ollama--tags"),
        "GET /api/ps": published("ollama--ps"),
        "POST /api/show": published("ollama--show-model-info"),
    }


@dataclass
class Ran:
    checks: list[dict[str, Any]]
    replay: Replay | None
    output: str


def run(
    pytester: pytest.Pytester,
    host: str,
    models: list[str],
    *,
    smoke: bool = False,
    timeout: float = 15.0,
) -> tuple[list[dict[str, Any]], str]:
    """The Ollama checks against ``host``. ``timeout``: every replayed answer comes at once, so
    only a row about silence waits for it; the rest only need room on a loaded machine (a CI
    run beside other work saw a replay answer after the 4 s this was)."""
    toml = (
        f'[tool.envcheck.ollama]\nhost = "{host}"\nmodels = {json.dumps(models)}\n'
        f"smoke = {'true' if smoke else 'false'}\ncassettes = false\ntimeout = {timeout}\n"
        f"smoke_timeout = {timeout}\n"
    )
    pytester.makefile(".toml", pyproject=toml)
    result = pytester.runpytest_subprocess("-m", "ollama", "--envcheck-report", *STRICT)
    output = result.stdout.str() + result.stderr.str()
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    return checks, output


def replayed(
    pytester: pytest.Pytester,
    routes: Mapping[str, Answer | Sequence[Answer]],
    models: list[str],
    *,
    smoke: bool = False,
    met: str | None = None,
) -> Ran:
    with Replay({**healthy(), **routes}) as replay:
        checks, output = run(pytester, replay.url, models, smoke=smoke)
    if met is not None:
        method, path = met.split(" ", 1)
        assert replay.calls_to(method, path), f"{met} was never asked:\n{output}"
    return Ran(checks, replay, output)


def generate_answers(answer: str) -> Any:
    def scenario(pytester: pytest.Pytester) -> Ran:
        routes = {"POST /api/generate": published(answer)}
        return replayed(pytester, routes, [MODEL], smoke=True, met="POST /api/generate")

    return scenario


@SCENARIOS.row("ollama-version-not-ollama")
def _not_ollama(pytester: pytest.Pytester) -> Ran:
    routes = {"GET /api/version": published("proxy--404-page-not-found")}
    return replayed(pytester, routes, [MODEL], met="GET /api/version")


@SCENARIOS.row("ollama-show-404-not-pulled")
def _not_pulled(pytester: pytest.Pytester) -> Ran:
    routes = {"POST /api/show": published("ollama--404-model-not-found")}
    return replayed(pytester, routes, ["llama9:70b"], met="POST /api/show")


@SCENARIOS.row("ollama-show-404-tag-typo")
def _tag_typo(pytester: pytest.Pytester) -> Ran:
    routes = {"POST /api/show": published("ollama--404-model-not-found")}
    return replayed(pytester, routes, ["deepseek-r1:8"], met="GET /api/tags")


@SCENARIOS.row("ollama-show-404-not-routed")
def _not_routed(pytester: pytest.Pytester) -> Ran:
    routes = {"POST /api/show": published("proxy--404-page-not-found")}
    return replayed(pytester, routes, [MODEL], met="GET /api/tags")


@SCENARIOS.row("ollama-show-400-invalid-name")
def _invalid_name(pytester: pytest.Pytester) -> Ran:
    routes = {"POST /api/show": published("heldout3--ollama-show-400-invalid-model-name")}
    return replayed(pytester, routes, ["llama3.2@latest"], met="GET /api/tags")


for ident, answer in [
    ("ollama-generate-500-memory", "ollama--500-requires-more-memory"),
    ("ollama-generate-500-unknown-architecture", "ollama--500-unknown-architecture"),
    ("ollama-generate-500-unknown-architecture-runner", "ollama--500-unknown-architecture-runner"),
    ("ollama-generate-500-runner-terminated", "ollama--500-runner-terminated"),
    ("ollama-generate-500-gpu-memory", "heldout2--ollama-500-cuda-oom"),
    ("ollama-generate-500-unable-to-load", "ollama--500-unable-to-load"),
    ("ollama-generate-500-load-timeout", "ollama--500-load-timeout"),
    ("ollama-generate-500-no-longer-running", "ollama--500-runner-no-longer-running"),
    ("ollama-generate-400-does-not-support-generate", "ollama--400-does-not-support-generate"),
    ("ollama-generate-503-busy", "ollama--503-server-busy"),
    ("ollama-generate-503-unavailable", "heldout2--ollama-503-cloud-overloaded"),
    ("ollama-generate-500-too-new", "heldout3--ollama-500-not-supported-version"),
    ("ollama-generate-500-unknown-pre-tokenizer", "heldout4--ollama-500-unknown-pre-tokenizer"),
    ("ollama-generate-500-wrong-number-of-tensors", "heldout5--ollama-500-wrong-number-of-tensors"),
    ("ollama-generate-500-cuda-driver", "heldout5--ollama-500-cuda-ptx-toolchain"),
    ("ollama-generate-500-undefined-symbol", "heldout5--ollama-500-undefined-symbol"),
    ("ollama-generate-500-missing-tensor", "heldout6--ollama-500-missing-tensor"),
    ("ollama-generate-500-entrypoint-not-found", "heldout6--ollama-500-exit-0xc0000139"),
    ("ollama-generate-500-killed", "heldout6--ollama-500-signal-killed"),
    ("ollama-generate-500-access-denied", "heldout7--ollama-500-exit-0xc0000022"),
    ("ollama-generate-500-gpu-buffer", "heldout3--ollama-500-cuda0-buffer"),
    ("ollama-generate-500-runner-stopped", "heldout3--ollama-500-runner-stopped"),
    ("ollama-generate-401-unauthorized", "heldout3--ollama-401-cloud-unauthorized"),
]:
    SCENARIOS.row(ident)(generate_answers(answer))


@SCENARIOS.row("ollama-refused")
def _refused(pytester: pytest.Pytester) -> Ran:
    checks, output = run(pytester, f"http://127.0.0.1:{free_port()}", [MODEL])
    return Ran(checks, None, output)


@SCENARIOS.row("ollama-hung")
def _hung(pytester: pytest.Pytester) -> Ran:
    with silent_listener() as port:
        checks, output = run(pytester, f"http://127.0.0.1:{port}", [MODEL], timeout=1.5)
    return Ran(checks, None, output)


@SCENARIOS.row("ollama-dns")
def _dns(pytester: pytest.Pytester) -> Ran:
    checks, output = run(pytester, "http://nowhere.invalid:11434", [MODEL])
    return Ran(checks, None, output)


def test_every_row_has_a_scenario_and_every_scenario_a_row() -> None:
    from tests.verdicts.test_heldout import OLLAMA_ROWS_8  # their rows are run there
    from tests.verdicts.test_heldout_providers9 import OLLAMA_ROWS_9
    from tests.verdicts.test_heldout_providers10 import OLLAMA_ROWS_10
    from tests.verdicts.test_heldout_providers11 import OLLAMA_ROWS_11
    from tests.verdicts.test_heldout_providers12 import OLLAMA_ROWS_12
    from tests.verdicts.test_heldout_providers13 import OLLAMA_ROWS_13
    from tests.verdicts.test_heldout_providers14 import OLLAMA_ROWS_14
    from tests.verdicts.test_heldout_providers16 import OLLAMA_ROWS_16
    from tests.verdicts.test_heldout_providers18 import OLLAMA_ROWS_18
    from tests.verdicts.test_heldout_providers19 import OLLAMA_ROWS_19
    from tests.verdicts.test_heldout_providers20 import OLLAMA_ROWS_20
    from tests.verdicts.test_heldout_providers25 import OLLAMA_ROWS_25
    from tests.verdicts.test_heldout_providers30 import OLLAMA_ROWS_30
    from tests.verdicts.test_ollama_structure_audit import OLLAMA_ROWS_AUDIT
    from tests.verdicts.test_ollama_structure_audit2 import OLLAMA_ROWS_AUDIT2
    from tests.verdicts.test_providers_capability_sweep import OLLAMA_ROWS_CAPABILITY

    held_out = [*OLLAMA_ROWS_8.values(), *OLLAMA_ROWS_9.values(), *OLLAMA_ROWS_10.values()]
    held_out += [*OLLAMA_ROWS_11.values(), *OLLAMA_ROWS_12.values()]
    held_out += [*OLLAMA_ROWS_13.values(), *OLLAMA_ROWS_CAPABILITY.values()]
    held_out += [*OLLAMA_ROWS_14.values(), *OLLAMA_ROWS_16.values(), *OLLAMA_ROWS_18.values()]
    held_out += [*OLLAMA_ROWS_19.values(), *OLLAMA_ROWS_20.values()]
    held_out += [*OLLAMA_ROWS_25.values(), *OLLAMA_ROWS_30.values()]
    held_out += [*OLLAMA_ROWS_AUDIT.values(), *OLLAMA_ROWS_AUDIT2.values()]
    assert not SCENARIOS.mismatches(elsewhere=held_out)


@pytest.mark.parametrize("row", SCENARIOS.runnable(), ids=ids(SCENARIOS.runnable()))
def test_verdict(row: Row, pytester: pytest.Pytester) -> None:
    ran = SCENARIOS.by_id[row.id](pytester)
    problems = verdict_problems(row, ran.checks)
    assert not problems, "\n".join(problems) + "\n\n" + ran.output
    found = {c["id"]: c for c in ran.checks}[row.check]
    if row.status == "fail":  # every failure carries a structured fix: steps, not only prose
        assert found["fix"] and found["fix"]["steps"], found


def test_outside_the_table_the_server_is_quoted_and_its_log_named(
    pytester: pytest.Pytester,
) -> None:
    """An answer no row covers (the error Ollama documents for a failure mid-generation, here
    as the whole answer of a 500): the status and the server's words, the log; no cause."""
    answer = Answer(500, b'{"error":"the model failed to generate a response"}')
    ran = replayed(pytester, {"POST /api/generate": answer}, [MODEL], smoke=True)
    smoke = {c["id"]: c for c in ran.checks}[f"ollama/smoke[{MODEL}]"]
    assert smoke["status"] == "fail", ran.output
    assert smoke["summary"] == (
        f"{MODEL} could not generate on {ran.replay.url if ran.replay else ''}: HTTP 500: "
        "the model failed to generate a response"
    )
    assert "no cause is guessed" in smoke["why"]
    assert "journalctl -u ollama" in smoke["hint"]
    # the server's log says why; `ollama run` would only repeat the same error
    assert "ollama run" not in smoke["hint"]
    assert [s["kind"] for s in smoke["fix"]["steps"]] == ["command"]


def test_the_tag_typo_fix_is_applied_and_the_check_then_passes(pytester: pytest.Pytester) -> None:
    """``deepseek-r1:8`` is not pulled; the fix edits models to the closest pulled tag (an
    ``ollama pull deepseek-r1:8`` would fail: the registry has no such tag), and the re-run
    passes."""
    show = [published("ollama--404-model-not-found"), published("ollama--show-model-info")]
    with Replay({**healthy(), "POST /api/show": show}) as replay:
        before, output = run(pytester, replay.url, ["deepseek-r1:8"])
        failed = {c["id"]: c for c in before}["ollama/model[deepseek-r1:8]"]
        assert failed["status"] == "fail", output
        assert [s["kind"] for s in failed["fix"]["steps"]] == ["edit"], failed["fix"]
        apply_fix(pytester.path, failed)
        pyproject = (pytester.path / "pyproject.toml").read_text()
        assert 'models = ["deepseek-r1:latest"]' in pyproject, pyproject
        result = pytester.runpytest_subprocess("-m", "ollama", "--envcheck-report", *STRICT)
        after = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    found = {c["id"]: c for c in after}
    assert found["ollama/model[deepseek-r1:latest]"]["status"] == "pass", result.stdout.str()
