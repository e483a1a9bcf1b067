"""The ollama component against envcheck's mock Ollama API, and replayed from its cassettes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from envcheck.mock import MockLLM
from tests.servers import free_port


@pytest.fixture
def mock() -> Iterator[MockLLM]:
    with MockLLM() as server:
        yield server


def configure(pytester: pytest.Pytester, body: str) -> None:
    pytester.makefile(".toml", pyproject=f"[tool.envcheck.ollama]\n{body}\n")


def test_healthy_server_with_a_reasoning_model(pytester: pytest.Pytester, mock: MockLLM) -> None:
    configure(
        pytester,
        f'host = "{mock.base_url("ollama")}"\nmin_version = "0.5"\nsmoke = true\n'
        "cassettes = false",
    )
    result = pytester.runpytest_subprocess("-m", "ollama", "--envcheck-report")
    result.assert_outcomes(passed=4)
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    assert {c["evidence"] for c in report["checks"]} == {"mocked"}
    result.stdout.fnmatch_lines_random(
        [
            "  PASS  server * Ollama 0.12.6 at http://127.0.0.1:*/ollama*",
            "  PASS  model[[]deepseek-r1:8b] * deepseek-r1:8b pulled "
            "(8.2B, Q4_K_M, qwen3, 131072)*",
            "  PASS  smoke[[]deepseek-r1:8b] * deepseek-r1:8b reasoned, then answered in * ms*",
            "  PASS  gpu * deepseek-r1:8b on GPU*",
        ]
    )


def test_missing_model_cpu_placement_and_old_server(
    pytester: pytest.Pytester, mock: MockLLM
) -> None:
    mock.ollama_loaded = {"deepseek-r1:8b": False}
    configure(
        pytester,
        f'host = "{mock.base_url("ollama")}"\nmodels = ["deepseek-r1:8b", "llama9:70b"]\n'
        "cassettes = false",
    )
    result = pytester.runpytest_subprocess("-m", "ollama")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines_random(
        [
            "ollama/model[[]llama9:70b]: model llama9:70b is not pulled on http://127.0.0.1:*",
            "  fix: ollama pull llama9:70b",
            "  WARN  gpu * deepseek-r1:8b on CPU*",
            "        fix: CPU inference is slow*",
        ]
    )
    configure(
        pytester, f'host = "{mock.base_url("ollama")}"\nmin_version = "99.1"\ncassettes = false'
    )
    result = pytester.runpytest_subprocess("-m", "ollama")
    result.stdout.fnmatch_lines(["ollama/server: Ollama 0.12.6 is older than the required 99.1"])


def test_no_server_and_a_wrong_host(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(pytester, f'host = "http://127.0.0.1:{free_port()}"\ncassettes = false')
    result = pytester.runpytest_subprocess("-m", "ollama")
    result.assert_outcomes(failed=1, skipped=2)
    result.stdout.fnmatch_lines(
        [
            "ollama/server: no Ollama server answers at http://127.0.0.1:*",
            "  fix: start it: ollama serve  (or: sudo systemctl start ollama)",
        ]
    )
    monkeypatch.setenv("OLLAMA_HOST", "http://gpu-box.invalid:11434")
    configure(pytester, "cassettes = false")
    result = pytester.runpytest_subprocess("-m", "ollama")
    result.stdout.fnmatch_lines(
        [
            "ollama/server: no Ollama server answers at http://gpu-box.invalid:11434",
            "  fix: start it: ollama serve * or fix OLLAMA_HOST (now http://gpu-box.invalid:11434;"
            " the default is http://localhost:11434)",
        ]
    )


def test_recorded_once_then_replayed_in_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with MockLLM() as mock:
        configure(pytester, f'host = "{mock.base_url("ollama")}"')
        pytester.runpytest_subprocess("-m", "ollama", "--envcheck-record=all").assert_outcomes(
            passed=3
        )
    monkeypatch.setenv("CI", "1")  # the mock is gone: only the cassettes can answer now
    result = pytester.runpytest_subprocess("-m", "ollama", "--envcheck-report")
    result.assert_outcomes(passed=3)
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    assert {c["evidence"] for c in report["checks"]} == {"replayed"}
    assert (pytester.path / "cassettes" / "ollama" / "server.yaml").is_file()
