"""envcheck.llm: error mapping on real recorded errors, retry waits, the shared limiter."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from envcheck import llm
from envcheck.mock import MockLLM

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "envcheck" / "mock" / "data"


@pytest.mark.parametrize(
    ("sample", "error", "retryable"),
    [
        ("openai--401-invalid-api-key", llm.AuthenticationFailed, False),
        ("openai--404-model-not-found", llm.ModelNotFound, False),
        ("openai--400-unsupported-parameter", llm.BadRequest, False),
        ("openai--503-upstream-connect-error", llm.ServerError, True),
        ("anthropic--401-invalid-api-key", llm.AuthenticationFailed, False),
        ("anthropic--404-model-not-found", llm.ModelNotFound, False),
        ("anthropic--529-overloaded", llm.Overloaded, True),
        ("anthropic--400-invalid-request", llm.BadRequest, False),
        ("gemini--400-api-key-invalid", llm.AuthenticationFailed, False),
        ("gemini--403-permission-denied-no-key", llm.PermissionDenied, False),
        ("gemini--404-model-not-found", llm.ModelNotFound, False),
        ("gemini--429-resource-exhausted", llm.RateLimited, True),
        ("ollama--404-model-not-found", llm.ModelNotFound, False),
    ],
)
def test_real_error_answers_map_to_typed_errors(
    sample: str, error: type[llm.ProviderError], retryable: bool
) -> None:
    data = json.loads((SAMPLES / f"{sample}.json").read_text())
    response = data["response"]
    provider = sample.split("--")[0]
    found = llm.classify(provider, response["status"], response["headers"], response["body"])
    assert type(found) is error
    assert found.retryable is retryable
    assert found.hint


def _answer(sample: str) -> dict[str, Any]:
    response: dict[str, Any] = json.loads((SAMPLES / f"{sample}.json").read_text())["response"]
    return response


# Each row: a real answer (mock/data, SOURCES.md names where it was published), how it is asked
# (which API, the model listing or not, with a key), and the verdict: the error class, whether it
# is retried and after how long, and words the why / the fix must contain.
@pytest.mark.parametrize(
    ("sample", "ask", "error", "wait", "why", "fix"),
    [
        # a 404 on the model listing is the URL, never a model
        (
            "openai--404-invalid-url",
            {"listing": True},
            llm.EndpointNotFound,
            None,
            "/v1",
            "base_url",
        ),
        (
            "proxy--404-page-not-found",
            {"kind": "openai", "listing": True},
            llm.EndpointNotFound,
            None,
            "plain text",
            "base_url",
        ),
        (
            "proxy--404-page-not-found",
            {"kind": "openai"},
            llm.EndpointNotFound,
            None,
            "not this API",
            "base_url",
        ),
        (
            "openai--404-unknown-url",
            {},
            llm.EndpointNotFound,
            None,
            "error.code=unknown_url",
            "base_url",
        ),
        ("openai--404-model-not-found", {}, llm.ModelNotFound, None, "model_not_found", "model"),
        (
            "groq--404-model-not-found",
            {"kind": "openai"},
            llm.ModelNotFound,
            None,
            "model_not_found",
            "model",
        ),
        # 'billing' in a rate limit's message is not an empty account
        ("openai--429-rate-limit-free-tier", {}, llm.RateLimited, 20.0, "per-minute", "rpm"),
        (
            "together--429-rate-limited",
            {"kind": "openai"},
            llm.RateLimited,
            None,
            "per-minute",
            "rpm",
        ),
        (
            "openai--429-insufficient-quota",
            {},
            llm.QuotaExhausted,
            None,
            "insufficient_quota",
            "platform.openai.com/settings/organization/billing",
        ),
        # Gemini: which quota, and how long to wait, are in details[]
        (
            "gemini--429-per-minute-retry-info",
            {},
            llm.RateLimited,
            26.0,
            "PerModelPerMinute",
            "rpm",
        ),
        ("gemini--429-per-day", {}, llm.QuotaExhausted, None, "PerDay", "daily reset"),
        ("gemini--429-resource-exhausted", {}, llm.RateLimited, None, "daily quota", "rpm"),
        (
            "scaleway--429-concurrent-requests",
            {"kind": "openai"},
            llm.RateLimited,
            None,
            "without a structured reason",
            "rpm",
        ),
        ("openrouter--429-rate-limit", {"kind": "openai"}, llm.RateLimited, None, "429", "rpm"),
        ("github-models--429-rate-limit", {"kind": "openai"}, llm.RateLimited, 44.0, "429", "44 s"),
        ("anthropic--429-rate-limit", {}, llm.RateLimited, 12.0, "rate_limit_error", "wait 12 s"),
        # Gemini's preconditions and disabled services say what to do in their details
        (
            "gemini--400-location-not-supported",
            {},
            llm.RegionNotSupported,
            None,
            "FAILED_PRECONDITION",
            "available-regions",
        ),
        (
            "gemini--403-service-disabled",
            {},
            llm.PermissionDenied,
            None,
            "SERVICE_DISABLED",
            "https://console.developers.google.com/apis/api/"
            "cloudaicompanion.googleapis.com/overview?project=sciortino-test-sandbox-395446",
        ),
        # a key that was sent but did not arrive is not a wrong key
        ("openai--401-no-api-key", {"key_sent": True}, llm.KeyNotReceived, None, "proxy", "curl"),
        ("openai--401-no-api-key", {}, llm.AuthenticationFailed, None, None, "api-keys"),
        (
            "openrouter--401-no-auth",
            {"kind": "openai", "key_sent": True},
            llm.KeyNotReceived,
            None,
            "Authorization",
            "curl",
        ),
        (
            "openai--401-invalid-api-key",
            {"key_sent": True},
            llm.AuthenticationFailed,
            None,
            "invalid_api_key",
            "api-keys",
        ),
        ("anthropic--500-api-error", {}, llm.ServerError, None, "api_error", "status page"),
    ],
)
def test_verdicts_come_from_the_answers_structure(
    sample: str,
    ask: dict[str, Any],
    error: type[llm.ProviderError],
    wait: float | None,
    why: str | None,
    fix: str,
) -> None:
    response = _answer(sample)
    provider = sample.split("--")[0]
    found = llm.classify(provider, response["status"], response["headers"], response["body"], **ask)
    assert type(found) is error, (found, found.why)
    assert found.retryable is error.retryable
    if wait is None:
        assert found.retry_after is None or found.retryable
    else:
        assert found.retry_after == pytest.approx(wait, abs=1.0)
    if why is not None:
        assert why in (found.why or ""), found.why
    assert fix in (found.hint or ""), found.hint


@pytest.mark.parametrize(
    "reason,what",
    [
        ("API_KEY_HTTP_REFERRER_BLOCKED", "websites"),
        ("API_KEY_IP_ADDRESS_BLOCKED", "IP addresses"),
        ("API_KEY_ANDROID_APP_BLOCKED", "Android apps"),
        ("API_KEY_IOS_APP_BLOCKED", "iOS apps"),
    ],
)
def test_a_gemini_key_with_an_application_restriction_is_named(reason: str, what: str) -> None:
    """The shape of Google's ErrorInfo (the replayed answer of the table's row has the referrer
    reason); each reason names the restriction and the Credentials page."""
    info = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}
    body = {"error": {"code": 403, "status": "PERMISSION_DENIED", "details": [info]}}
    found = llm.classify("gemini", 403, {}, body)
    assert type(found) is llm.PermissionDenied
    assert what in (found.why or "") and reason in (found.why or ""), found.why
    assert "console.cloud.google.com/apis/credentials" in (found.hint or ""), found.hint


def test_another_service_gets_no_vendor_pages() -> None:
    response = _answer("together--429-rate-limited")
    found = llm.classify("together", 402, {}, response["body"], kind="openai")
    assert type(found) is llm.QuotaExhausted
    assert "openai.com" not in (found.hint or "") and "together's console" in (found.hint or "")
    assert found.message.startswith("You have been rate limited")
    scaleway = _answer("scaleway--429-concurrent-requests")
    shown = llm.classify("scaleway", 429, {}, scaleway["body"], kind="openai")
    assert shown.message == "You exceeded your current threshold of concurrent requests"


def test_retry_after_in_every_form() -> None:
    assert llm.retry_after({"retry-after": "7"}) == 7.0
    assert llm.retry_after({"Retry-After-Ms": "1500"}) == 1.5
    assert llm.retry_after({"x-ratelimit-reset-requests": "6m0s"}) == 360.0
    assert llm.retry_after({"x-ratelimit-reset-tokens": "20ms"}) == pytest.approx(0.02)
    past = {"anthropic-ratelimit-requests-reset": "2020-01-01T00:00:00Z"}
    assert llm.retry_after(past) == 0.0
    assert llm.retry_after({"content-type": "application/json"}) is None
    assert llm.retry_after({"x-ratelimit-reset": "7"}) == 7.0  # seconds
    soon = {"x-ratelimit-reset": str(int((time.time() + 30) * 1000))}  # OpenRouter: epoch ms
    assert llm.retry_after(soon) == pytest.approx(30, abs=2)


def test_call_with_retry_never_retries_client_errors() -> None:
    calls: list[int] = []

    def unauthorized() -> None:
        calls.append(1)
        raise llm.classify("openai", 401, {}, {"error": {"message": "bad key"}})

    with pytest.raises(llm.AuthenticationFailed):
        llm.call_with_retry(unauthorized, policy=llm.RetryPolicy(attempts=5))
    assert len(calls) == 1


def test_call_with_retry_honours_retry_after_and_gives_up_at_the_deadline() -> None:
    waits: list[float] = []

    def limited() -> None:
        raise llm.classify("openai", 429, {"retry-after": "0.2"}, {"error": {"message": "slow"}})

    with pytest.raises(llm.RateLimited):
        llm.call_with_retry(
            limited,
            policy=llm.RetryPolicy(attempts=3, base=0.01),
            on_retry=lambda error, wait: waits.append(wait),
        )
    assert len(waits) == 2 and all(w >= 0.2 for w in waits)


LIMITED = """
import json, os, time
from pathlib import Path
from envcheck.llm import RateLimiter

def test_burst_{n}(tmp_path_factory):
    shared = Path(os.environ["LIMITER_DIR"])
    limiter = RateLimiter("shared-budget", limit=4, period=1.0, directory=shared)
    for _ in range(3):
        limiter.acquire()
        with open(shared / "sent.log", "a") as log:
            log.write(f"{{time.time()}}\\n")
"""


def test_limiter_holds_across_xdist_workers(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIMITER_DIR", str(tmp_path))
    pytester.makepyfile(**{f"test_burst{n}": LIMITED.format(n=n) for n in range(4)})
    pytester.runpytest_subprocess("-v", "-n", "4", "-p", "no:cacheprovider").assert_outcomes(
        passed=4
    )
    sent = sorted(float(t) for t in (tmp_path / "sent.log").read_text().split())
    assert len(sent) == 12
    # No window of one second ever held more than 4 grants: any 5 grants span a second. A grant
    # is logged when acquire() has returned, up to a scheduling delay later on a loaded machine,
    # so the logged span of 5 may be shorter by that delay (allowed: 0.25 s; without the limiter
    # all 12 come within a few milliseconds).
    spans = [sent[i + 4] - sent[i] for i in range(len(sent) - 4)]
    assert min(spans) >= 1.0 - 0.25, spans


class MillisecondsOnly(MockLLM):
    """The mock LLM API, saying how long to wait with ``retry-after-ms`` alone."""

    def answer(self, req: Any) -> Any:
        reply, fault = super().answer(req)
        reply.headers.pop("retry-after", None)
        return reply, fault


def test_retry_after_ms_end_to_end(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provider check retries a 429 after exactly what ``retry-after-ms`` asked (longer than
    its own backoff) and reports the wait."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-RetryAfterMsCanary00000000")
    with MillisecondsOnly() as mock:
        mock.fault("openai", 429, retry_after=1.3)
        pytester.makefile(
            ".toml",
            pyproject=f'[tool.envcheck.providers.openai]\nbase_url = "{mock.base_url("openai")}"'
            "\ncassettes = false\n",
        )
        result = pytester.runpytest_subprocess("-v", "-k", "openai.auth")
    result.assert_outcomes(passed=1, deselected=3)
    assert [c.status for c in mock.calls] == [429, 200]
    assert mock.calls[1].time - mock.calls[0].time >= 1.25
    result.stdout.fnmatch_lines(
        ["  PASS  openai.auth  authenticated at *", "*waited_s=1.3, retries=1*"]
    )


def test_limiter_budget_lives_where_envcheck_ratelimit_dir_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs that name the same directory share a budget; one that names another keeps its own."""
    monkeypatch.setenv("ENVCHECK_RATELIMIT_DIR", str(tmp_path / "a"))
    first = llm.RateLimiter("openai@https://api.openai.com/v1", limit=1, period=60.0)
    assert first.acquire() == 0.0
    assert first.path.parent == tmp_path / "a"
    again = llm.RateLimiter("openai@https://api.openai.com/v1", limit=1, period=60.0)
    with pytest.raises(TimeoutError, match="after the deadline"):
        again.acquire(deadline=time.monotonic() + 1.0)
    monkeypatch.setenv("ENVCHECK_RATELIMIT_DIR", str(tmp_path / "b"))
    other = llm.RateLimiter("openai@https://api.openai.com/v1", limit=1, period=60.0)
    assert other.acquire(deadline=time.monotonic() + 1.0) == 0.0


def test_a_ratelimit_dir_that_is_a_file_stops_live_requests_with_the_fix(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ENVCHECK_RATELIMIT_DIR`` naming a file: no traceback, no request sent; the verdict names
    the directory, who chose it and the fix."""
    occupied = tmp_path / "not-a-directory"
    occupied.write_text("")
    monkeypatch.setenv("ENVCHECK_RATELIMIT_DIR", str(occupied))
    with pytest.raises(llm.RateLimitDirUnusable, match="ENVCHECK_RATELIMIT_DIR.*is a file"):
        llm.RateLimiter("openai@https://api.openai.com/v1", limit=1)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-RateLimitDirCanary000000000")
    with MockLLM() as mock:
        pytester.makefile(
            ".toml",
            pyproject=f'[tool.envcheck.providers.openai]\nbase_url = "{mock.base_url("openai")}"'
            "\ncassettes = false\n",
        )
        result = pytester.runpytest_inprocess(
            "-k", "openai.auth", "--envcheck-report", "-p", "no:cacheprovider"
        )
        assert mock.calls == []
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    auth = next(c for c in checks if c["id"] == "providers/openai.auth")
    assert auth["status"] == "fail", auth
    assert auth["summary"].startswith("openai: no request sent: the rate limiter's directory")
    assert f"{occupied} (ENVCHECK_RATELIMIT_DIR) is a file" in auth["summary"]
    assert (
        "export ENVCHECK_RATELIMIT_DIR=" in auth["hint"] and "Traceback" not in result.stdout.str()
    )
