"""The mock LLM API: the official SDKs work against it, and every fault surfaces as they expect."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest

from envcheck import llm
from envcheck.mock import MockLLM

#: typed loosely: each SDK has its own message TypedDicts
HI: Any = [{"role": "user", "content": "hi"}]


@pytest.fixture
def mock() -> Iterator[MockLLM]:
    with MockLLM() as server:
        yield server


@pytest.fixture
def oai(mock: MockLLM) -> openai.OpenAI:
    return openai.OpenAI(base_url=mock.base_url("openai"), api_key="mock-key", max_retries=0)


@pytest.fixture
def claude(mock: MockLLM) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=mock.base_url("anthropic"), api_key="mock", max_retries=0)


def test_openai_sdk_models_chat_and_stream(mock: MockLLM, oai: openai.OpenAI) -> None:
    assert "gpt-4o-mini" in {m.id for m in oai.models.list().data}
    reply = oai.chat.completions.create(model="gpt-4o-mini", messages=HI)
    assert reply.model == "gpt-4o-mini" and reply.choices[0].message.content
    stream = oai.chat.completions.create(model="gpt-4o-mini", messages=HI, stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text.strip()
    assert [c.path for c in mock.calls] == ["/models", "/chat/completions", "/chat/completions"]
    assert all(c.headers["authorization"] == "***" for c in mock.calls)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_anthropic_sdk_messages_and_stream(claude: anthropic.Anthropic) -> None:
    message = claude.messages.create(model="claude-sonnet-4-5", max_tokens=8, messages=HI)
    assert message.model == "claude-sonnet-4-5" and message.content[0].type == "text"
    with claude.messages.stream(model="claude-sonnet-4-5", max_tokens=8, messages=HI) as stream:
        assert stream.get_final_text()
    assert any(m.id.startswith("claude-") for m in claude.models.list().data)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, openai.AuthenticationError),
        (403, openai.PermissionDeniedError),
        (404, openai.NotFoundError),
        (429, openai.RateLimitError),
        (500, openai.InternalServerError),
        (503, openai.InternalServerError),
    ],
)
def test_openai_faults_are_the_sdks_typed_errors(
    mock: MockLLM, oai: openai.OpenAI, status: int, error: type[Exception]
) -> None:
    mock.fault("openai", status)
    with pytest.raises(error):
        oai.chat.completions.create(model="gpt-4o-mini", messages=HI)
    assert oai.chat.completions.create(model="gpt-4o-mini", messages=HI).choices  # fault used up


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, anthropic.AuthenticationError),
        (404, anthropic.NotFoundError),
        (429, anthropic.RateLimitError),
        (500, anthropic.InternalServerError),
        (529, anthropic.OverloadedError),
    ],
)
def test_anthropic_faults_are_the_sdks_typed_errors(
    mock: MockLLM, claude: anthropic.Anthropic, status: int, error: type[Exception]
) -> None:
    mock.fault("anthropic", status)
    with pytest.raises(error):
        claude.messages.create(model="claude-sonnet-4-5", max_tokens=8, messages=HI)


def test_sdk_retries_honour_retry_after(mock: MockLLM) -> None:
    client = openai.OpenAI(base_url=mock.base_url("openai"), api_key="k", max_retries=2)
    mock.fault("openai", 429, retry_after=0.5, times=2)
    assert client.models.list().data
    times = [c.time for c in mock.calls]
    assert [c.status for c in mock.calls] == [429, 429, 200]
    assert times[1] - times[0] >= 0.45 and times[2] - times[1] >= 0.45


def test_quota_slow_truncated_and_malformed(mock: MockLLM, oai: openai.OpenAI) -> None:
    mock.fault("openai", kind="quota")
    with pytest.raises(openai.RateLimitError) as quota:
        oai.models.list()
    assert quota.value.code == "insufficient_quota"

    mock.fault("openai", kind="slow", delay=1.0)
    with pytest.raises(openai.APITimeoutError):
        oai.with_options(timeout=0.3).models.list()

    complete = list(oai.chat.completions.create(model="gpt-4o-mini", messages=HI, stream=True))
    mock.fault("openai", kind="truncate", path="/chat/completions")
    cut = list(oai.chat.completions.create(model="gpt-4o-mini", messages=HI, stream=True))
    assert 0 < len(cut) < len(complete)
    assert any(c.choices and c.choices[0].finish_reason == "stop" for c in complete)
    assert not any(c.choices and c.choices[0].finish_reason for c in cut)  # it never finished

    mock.fault("openai", kind="malformed")
    with pytest.raises((openai.APIError, ValueError)):
        oai.chat.completions.create(model="gpt-4o-mini", messages=HI)


def test_gemini_and_ollama_shapes(mock: MockLLM) -> None:
    gemini = mock.base_url("gemini")
    assert httpx.get(f"{gemini}/v1beta/models").status_code == 403  # no key
    bad = httpx.get(f"{gemini}/v1beta/models", headers={"x-goog-api-key": "invalid-key"})
    assert bad.status_code == 400 and "API_KEY_INVALID" in bad.text
    listing = httpx.get(f"{gemini}/v1beta/models", params={"key": "k"}).json()
    assert "models/gemini-2.5-flash" in {m["name"] for m in listing["models"]}
    sse = httpx.post(
        f"{gemini}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        headers={"x-goog-api-key": "k"},
        json={},
    )
    assert sse.text.startswith("data: ")
    mock.fault("gemini", 429)
    limited = httpx.get(f"{gemini}/v1beta/models", headers={"x-goog-api-key": "k"})
    assert limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"

    ollama = mock.base_url("ollama")
    assert httpx.get(f"{ollama}/api/version").json()["version"]
    chat = httpx.post(
        f"{ollama}/api/chat", json={"model": "deepseek-r1:8b", "messages": HI, "stream": False}
    ).json()
    assert chat["message"]["thinking"] and chat["done"] is True
    missing = httpx.post(f"{ollama}/api/show", json={"model": "llama9"})
    assert missing.status_code == 404 and missing.json() == {"error": "model 'llama9' not found"}
    mock.fault("ollama", kind="malformed")
    broken = httpx.post(f"{ollama}/api/show", json={"model": "deepseek-r1:8b"})
    assert broken.status_code == 200
    with pytest.raises(ValueError):
        broken.json()


def test_anthropic_quota_is_the_credit_balance_answer(
    mock: MockLLM, claude: anthropic.Anthropic
) -> None:
    mock.fault("anthropic", kind="quota")
    with pytest.raises(anthropic.BadRequestError) as refused:
        claude.models.list()
    assert "credit balance is too low" in str(refused.value)
    error = llm.classify("anthropic", 400, {}, json.dumps(refused.value.body))
    assert isinstance(error, llm.QuotaExhausted)
    assert "console.anthropic.com/settings/billing" in (error.hint or "")


def test_mock_llm_fixture_for_teams(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_team="""
        import openai, pytest

        def test_my_retry_code(mock_llm):
            mock_llm.fault("openai", 429, retry_after=0.1)
            client = openai.OpenAI(base_url=mock_llm.base_url("openai"), api_key="k", max_retries=1)
            assert client.models.list().data
            assert [c.status for c in mock_llm.calls] == [429, 200]
        """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    result.stdout.str()
    result.assert_outcomes(passed=1)


def test_envcheck_mock_serve(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("envcheck")), "mock", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = first.strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(f"{url}/ollama/api/version")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer.status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_anthropic_429_and_500_are_real_answers(mock: MockLLM, claude: anthropic.Anthropic) -> None:
    mock.fault("anthropic", 429, retry_after=2)
    with pytest.raises(anthropic.RateLimitError) as limited:
        claude.models.list()
    assert "This request would exceed the rate limit for your organization" in str(limited.value)
    headers = limited.value.response.headers
    assert headers["retry-after"] == "2"
    assert headers["anthropic-ratelimit-input-tokens-remaining"] == "0"
    wait = llm.retry_after(headers)  # the resets are "now + 2 s", not hours ago
    assert wait is not None and 0.5 <= wait <= 2.5
    mock.fault("anthropic", 500)
    with pytest.raises(anthropic.InternalServerError) as failed:
        claude.models.list()
    assert failed.value.body == {
        "type": "error",
        "error": {"type": "api_error", "message": "Internal server error"},
        "request_id": "req_011CZ9DnGcb9TsSUXqRaTW8a",
    }


def _serve(*args: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    """``envcheck mock serve`` in a subprocess: its URL and its banner (read to its last line)."""
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("envcheck")), "mock", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    banner = [proc.stdout.readline().rstrip("\n")]
    while not banner[-1].startswith("any non-empty API key"):
        banner.append(proc.stdout.readline().rstrip("\n"))
        assert banner[-1] or proc.poll() is None, banner
    return proc, banner[0].rsplit(" ", 1)[-1], banner


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.communicate(timeout=10)


def _curl(*args: str) -> tuple[int, str]:
    """curl, as a Node or Go app's test script would call the mock: plain HTTP, no Python."""
    done = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "-w", "\\n%{http_code}", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    body, _, code = done.stdout.rpartition("\n")
    return int(code), body


def test_a_non_python_client_scripts_faults_through_the_served_mock() -> None:
    proc, url, banner = _serve("--fault", "openai:429:times=2:retry-after=1")
    assert "  fault      openai: kind=status, status=429, times=2, retry_after=1.0" in banner
    assert f"  admin      {url}/_envcheck/faults, /calls, /reset (JSON)" in banner
    try:
        code, body = _curl(f"{url}/_envcheck/faults")
        assert code == 200
        assert json.loads(body)["faults"] == [
            {
                "provider": "openai",
                "kind": "status",
                "status": 429,
                "times": 2,
                "retry_after": 1.0,
                "delay": 0.0,
                "path": None,
                "message": None,
            }
        ]
        key = ["-H", "Authorization: Bearer sk-from-curl"]
        for _ in range(2):
            code, body = _curl(*key, "-D", "-", f"{url}/openai/v1/models")
            assert code == 429 and "retry-after: 1" in body.lower()
        code, body = _curl(*key, f"{url}/openai/v1/models")
        assert code == 200 and json.loads(body)["data"]
        # a fault added over HTTP while it runs: the real Anthropic 500
        fault = json.dumps({"provider": "anthropic", "status": 500, "path": "/v1/messages"})
        code, body = _curl("-X", "POST", "-d", fault, f"{url}/_envcheck/faults")
        assert code == 201 and json.loads(body)["status"] == 500
        message = json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 5, "messages": []})
        code, body = _curl("-H", "x-api-key: k", "-d", message, f"{url}/anthropic/v1/messages")
        assert code == 500 and json.loads(body)["error"]["type"] == "api_error"
        code, body = _curl("-X", "POST", "-d", '{"provider": "nope"}', f"{url}/_envcheck/faults")
        assert code == 400 and "unknown provider 'nope'" in json.loads(body)["error"]
        code, body = _curl(f"{url}/_envcheck/calls")
        calls = json.loads(body)["calls"]
        assert [(c["provider"], c["status"], c["fault"]) for c in calls] == [
            ("openai", 429, "status"),
            ("openai", 429, "status"),
            ("openai", 200, None),
            ("anthropic", 500, "status"),
        ]
        assert calls[0]["headers"]["authorization"] == "***"  # the key is never logged
        code, _ = _curl("-X", "POST", f"{url}/_envcheck/reset")
        assert code == 200
        assert json.loads(_curl(f"{url}/_envcheck/calls")[1])["calls"] == []
    finally:
        _stop(proc)


def test_a_bad_fault_spec_is_one_usage_line() -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("envcheck")),
            "mock",
            "serve",
            "--port",
            "0",
            "--fault",
            "openai:429:tiems=2",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        "envcheck mock serve: error: argument --fault: fault 'openai:429:tiems=2': unknown fault "
        "field 'tiems' (known: provider, delay, kind, message, path, retry-after, status, times)"
    )
    assert "Traceback" not in done.stderr
