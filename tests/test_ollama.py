"""The ollama component against envcheck's mock Ollama API, and replayed from its cassettes."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from envcheck.mock import MockLLM
from envcheck.mock._providers import Reply
from tests.servers import free_port, silent_listener

#: every run here treats a warning (an unclosed socket) as an error, as a team's suite would
STRICT = ("-W", "error", "-p", "no:cacheprovider")


class EditedMock(MockLLM):
    """The mock, with the answers to one path replaced by ``replace(reply)``."""

    def __init__(self, path: str, replace: Callable[[Any], Any]) -> None:
        super().__init__()
        self.path, self.replace = path, replace

    def answer(self, req: Any) -> Any:
        reply, fault = super().answer(req)
        return (self.replace(reply) if req.path == self.path else reply), fault


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
    result = pytester.runpytest_inprocess("-v", "-m", "ollama", "--envcheck-report", *STRICT)
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
    result = pytester.runpytest_inprocess("-v", "-m", "ollama", *STRICT)
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines_random(
        [
            "  FAIL  ollama/model[[]llama9:70b]: model llama9:70b is not pulled on "
            "http://127.0.0.1:*",
            "        fix: OLLAMA_HOST=http://127.0.0.1:* ollama pull llama9:70b",
            "  WARN  gpu * deepseek-r1:8b on CPU*",
            "        fix: CPU inference is slow*",
        ]
    )
    configure(
        pytester, f'host = "{mock.base_url("ollama")}"\nmin_version = "99.1"\ncassettes = false'
    )
    result = pytester.runpytest_inprocess("-v", "-m", "ollama")
    result.stdout.fnmatch_lines(
        ["  FAIL  ollama/server: Ollama 0.12.6 is older than the required 99.1"]
    )


def test_no_server_and_a_wrong_host(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(pytester, f'host = "http://127.0.0.1:{free_port()}"\ncassettes = false')
    result = pytester.runpytest_inprocess("-v", "-m", "ollama")
    result.assert_outcomes(failed=1, skipped=2)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  ollama/server: no Ollama server answers at http://127.0.0.1:*",
            "        fix: start it: ollama serve  (or: sudo systemctl start ollama)",
        ]
    )
    monkeypatch.setenv("OLLAMA_HOST", "http://gpu-box.invalid:11434")
    configure(pytester, "cassettes = false")
    result = pytester.runpytest_inprocess("-v", "-m", "ollama", *STRICT)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  ollama/server: the host of http://gpu-box.invalid:11434 does not resolve",
            "        why: DNS has no address for 'gpu-box.invalid': a typo, or a name known only "
            "inside"
            " a VPN or a container network",
            "        fix: fix OLLAMA_HOST (now http://gpu-box.invalid:11434; the default is "
            "http://127.0.0.1:11434)",
        ]
    )


def test_a_hung_server_is_told_to_restart_not_to_start(pytester: pytest.Pytester) -> None:
    with silent_listener() as port:
        configure(pytester, f'host = "http://127.0.0.1:{port}"\ntimeout = 3\ncassettes = false')
        result = pytester.runpytest_inprocess("-v", "-m", "ollama", "-k", "server", *STRICT)
    result.assert_outcomes(failed=1, deselected=2)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  ollama/server: Ollama at http://127.0.0.1:* accepted the connection but did "
            "not answer GET /api/version within 3 s",
            "        why: the connection opened, and no answer to GET /api/version came within the "
            "timeout: the server (or a proxy in front of it) is hung; its log says what it was "
            "doing",
            "        fix: restart it: sudo systemctl restart ollama *journalctl -u ollama",
        ]
    )
    assert "ollama serve  (or: sudo systemctl start" not in result.stdout.str()


def _local_ollama_answers() -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", 11434)) == 0


def test_defaults_look_where_the_client_looks(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    if _local_ollama_answers():
        pytest.skip("an Ollama listens on 127.0.0.1:11434 here: the default would find it")
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    result = pytester.runpytest_inprocess(
        "-v", "--envcheck-defaults", "-m", "ollama", "-rs", "--envcheck-report", *STRICT
    )
    assert result.ret == 0  # not found is no failure
    result.stdout.fnmatch_lines(
        [
            "  SKIP  server * not found: no Ollama at http://127.0.0.1:11434 (the client's "
            "default address; nothing listens there)*",
        ]
    )
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    server = next(c for c in checks if c["name"] == "server")
    assert server["facts"]["settings_from"] == "ollama default (127.0.0.1:11434)"
    assert server["hint"] == (
        "set OLLAMA_HOST=host:port, or add [tool.envcheck.ollama] host = ... to pyproject.toml"
    )
    with MockLLM() as mock:
        monkeypatch.setenv("OLLAMA_HOST", mock.base_url("ollama"))
        result = pytester.runpytest_inprocess(
            "-v", "--envcheck-defaults", "-m", "ollama", "--envcheck-report", *STRICT
        )
    result.assert_outcomes(passed=3)
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    server = next(c for c in checks if c["name"] == "server")
    assert server["facts"]["settings_from"] == "OLLAMA_HOST"


def test_a_source_build_is_not_told_to_upgrade(pytester: pytest.Pytester) -> None:
    def source_build(reply: Reply) -> Reply:
        return Reply(200, b'{"version":"0.0.0"}')

    with EditedMock("/api/version", source_build) as mock:
        configure(
            pytester,
            f'host = "{mock.base_url("ollama")}"\nmin_version = "0.5"\ncassettes = false',
        )
        result = pytester.runpytest_inprocess("-v", "-m", "ollama", "-k", "server", *STRICT)
    result.assert_outcomes(passed=1, deselected=2)
    result.stdout.fnmatch_lines(
        [
            "  WARN  server * reports version 0.0.0: a build from source, whose release is "
            "unknown (min_version 0.5 not checked)*",
            "        fix: run a release build (https://ollama.com/download)*",
        ]
    )
    assert "upgrade: curl" not in result.stdout.str()


def test_a_text_404_on_show_for_a_listed_model_is_not_a_missing_model(
    pytester: pytest.Pytester,
) -> None:
    def proxy_404(reply: Reply) -> Reply:  # what a Go reverse proxy answers for a path it lacks
        return Reply(404, b"404 page not found\n", content_type="text/plain; charset=utf-8")

    with EditedMock("/api/show", proxy_404) as mock:
        mock.models["ollama"] = ["deepseek-r1:8b"]
        configure(
            pytester,
            f'host = "{mock.base_url("ollama")}"\nmodels = ["deepseek-r1:8b", "qwen3:4b"]\n'
            "cassettes = false",
        )
        result = pytester.runpytest_inprocess("-v", "-m", "ollama", "-k", "model", *STRICT)
    result.assert_outcomes(failed=2, deselected=2)
    result.stdout.fnmatch_lines_random(
        [
            "  FAIL  ollama/model[[]deepseek-r1:8b]: http://127.0.0.1:*/ollama lists "
            "deepseek-r1:8b "
            "(/api/tags) but answers /api/show with a plain-text 404 ('404 page not found')",
            "        why: whatever answers there does not route /api/show: a proxy in front of "
            "Ollama*",
            "  FAIL  ollama/model[[]qwen3:4b]: model qwen3:4b is not pulled on http://127.0.0.1:*",
            "        fix: OLLAMA_HOST=http://127.0.0.1:*/ollama ollama pull qwen3:4b",
        ]
    )
    assert "ollama pull deepseek-r1:8b" not in result.stdout.str()


def test_a_model_too_large_for_memory_says_how_much(
    pytester: pytest.Pytester, mock: MockLLM
) -> None:
    mock.fault("ollama", 500, path="/api/generate")  # the real answer, from a public report
    configure(pytester, f'host = "{mock.base_url("ollama")}"\nsmoke = true\ncassettes = false')
    result = pytester.runpytest_inprocess("-v", "-m", "ollama", *STRICT)
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  ollama/smoke[[]deepseek-r1:8b]: deepseek-r1:8b does not fit in memory on "
            "http://127.0.0.1:*/ollama: it needs 7.5 GiB, 5.2 GiB is available",
            "        why: Ollama refuses to load a model larger than the free RAM (and VRAM)",
            "        fix: free memory (ollama ps; ollama stop MODEL), or use a smaller "
            "quantization of "
            "deepseek-r1 (a q4 tag) or a smaller context *num_ctx*",
        ]
    )


def test_recorded_once_then_replayed_in_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with MockLLM() as mock:
        configure(pytester, f'host = "{mock.base_url("ollama")}"')
        recorded = pytester.runpytest_inprocess(
            "-v", "-m", "ollama", "--envcheck-record=all", *STRICT
        )
        recorded.assert_outcomes(passed=3)
    monkeypatch.setenv("CI", "1")  # the mock is gone: only the cassettes can answer now
    result = pytester.runpytest_inprocess("-v", "-m", "ollama", "--envcheck-report")
    result.assert_outcomes(passed=3)
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    assert {c["evidence"] for c in report["checks"]} == {"replayed"}
    assert (pytester.path / "cassettes" / "ollama" / "server.yaml").is_file()
