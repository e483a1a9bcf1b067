"""The providers component against envcheck's mock LLM API, and replayed from real recordings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from envcheck.mock import MockLLM

KEYS = {
    "openai": "sk-proj-CanaryOpenAIkey0000000000001",
    "anthropic": "sk-ant-CanaryAnthropicKey000000000002",
    "gemini": "AIzaCanaryGeminiKey00000000000000003",
}


@pytest.fixture
def mock() -> Iterator[MockLLM]:
    with MockLLM() as server:
        yield server


def providers_toml(mock: MockLLM, **extra: str) -> str:
    blocks = []
    for kind in ("openai", "anthropic", "gemini"):
        more = extra.get(kind, "")
        blocks.append(
            f'[tool.envcheck.providers.{kind}]\napi_key = "${{{kind.upper()}_API_KEY}}"\n'
            f'base_url = "{mock.base_url(kind)}"\n{more}\n'
        )
    return "\n".join(blocks)


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for kind, key in KEYS.items():
        monkeypatch.setenv(f"{kind.upper()}_API_KEY", key)
    return KEYS


def test_every_provider_passes_against_the_mock(
    pytester: pytest.Pytester, mock: MockLLM, keys: dict[str, str]
) -> None:
    smoke = "smoke = true\ncassettes = false"
    toml = providers_toml(mock, openai=smoke, anthropic=smoke, gemini=smoke)
    pytester.makefile(".toml", pyproject=toml)
    result = pytester.runpytest_subprocess("-m", "providers", "--envcheck-report")
    result.assert_outcomes(passed=15)
    result.stdout.fnmatch_lines_random(
        [
            "  PASS  openai.model * gpt-4o-mini is available*",
            "  PASS  anthropic.model * claude-sonnet-4-5 is available (as claude-sonnet-4-5-2025*",
            "  PASS  gemini.smoke * gemini-2.5-flash answered in * ms*",
            "  PASS  openai.headroom * of the requests limit left*",
            "  PASS  anthropic.headroom * of the * limit left*",
            "  PASS  gemini.headroom * rate limits not reported by gemini on this endpoint*",
        ]
    )
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    live = [c for c in report["checks"] if not c["name"].endswith(".key")]
    assert {c["evidence"] for c in live} == {"mocked"}


def _run_with_fault(
    pytester: pytest.Pytester, kind: str, fault: dict[str, object], extra: str = ""
) -> tuple[pytest.RunResult, MockLLM]:
    mock = MockLLM().start()
    try:
        mock.fault(kind, **fault)  # type: ignore[arg-type]
        toml = (
            f'[tool.envcheck.providers.{kind}]\napi_key = "${{{kind.upper()}_API_KEY}}"\n'
            f'base_url = "{mock.base_url(kind)}"\ncassettes = false\n{extra}\n'
        )
        pytester.makefile(".toml", pyproject=toml)
        return pytester.runpytest_subprocess("-k", f"{kind}.auth"), mock
    finally:
        mock.stop()


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize(
    ("kind", "fault", "line", "fix"),
    [
        (
            "openai",
            {"status": 401},
            "providers/openai.auth: openai: authentication failed: Incorrect API key provided*",
            "  fix: set a valid key: export OPENAI_API_KEY=...  (https://platform.openai.com/*",
        ),
        (
            "gemini",
            {"status": 403},
            "providers/gemini.auth: gemini: permission denied: *",
            "  fix: the key's project or organization has no access to this API or model*",
        ),
        (
            "openai",
            {"kind": "quota"},
            "providers/openai.auth: openai: quota exhausted: You exceeded your current quota.",
            "  fix: add credits or raise the spending limit (https://platform.openai.com/*",
        ),
        (
            "anthropic",
            {"status": 400},
            "providers/anthropic.auth: anthropic: bad request: *",
            "  fix: the request was refused as invalid: check the model name and base_url",
        ),
        (
            "openai",
            {"kind": "malformed"},
            "providers/openai.auth: openai answered http://127.0.0.1:*/openai/v1/models with "
            "something that is not JSON*",
            "  fix: check base_url of [[]tool.envcheck.providers.openai]",
        ),
    ],
)
def test_errors_that_are_never_retried(
    pytester: pytest.Pytester, kind: str, fault: dict[str, object], line: str, fix: str
) -> None:
    result, mock = _run_with_fault(pytester, kind, fault)
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines([line, fix])
    assert len(mock.calls) == 1  # 400/401/403 and quota are not retried


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize(
    ("kind", "fault", "line"),
    [
        (
            "anthropic",
            {"status": 529, "times": 10},
            "providers/anthropic.auth: anthropic: overloaded (after 2 retries): Overloaded",
        ),
        (
            "openai",
            {"status": 500, "times": 10},
            "providers/openai.auth: openai: server error (after 2 retries): *",
        ),
        (
            "gemini",
            {"status": 429, "times": 10},
            "providers/gemini.auth: gemini: rate limited (after 2 retries): Resource exhausted*",
        ),
        (
            "openai",
            {"kind": "slow", "delay": 3.0, "times": 10},
            "providers/openai.auth: openai: timeout (after * retr*): no answer from *",
        ),
    ],
)
def test_transient_errors_are_retried_then_explained(
    pytester: pytest.Pytester, kind: str, fault: dict[str, object], line: str
) -> None:
    result, mock = _run_with_fault(pytester, kind, fault, "retries = 2\ntimeout = 6.0")
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines([line])
    assert len(mock.calls) >= 2


@pytest.mark.usefixtures("keys")
def test_retry_honours_retry_after_and_reports_the_wait(pytester: pytest.Pytester) -> None:
    result, mock = _run_with_fault(pytester, "openai", {"status": 429, "retry_after": 1.5})
    result.assert_outcomes(passed=1, deselected=3)
    assert [c.status for c in mock.calls] == [429, 200]
    assert mock.calls[1].time - mock.calls[0].time >= 1.45
    result.stdout.fnmatch_lines(["*retries=1*"])
    assert "waited_s=1.5" in result.stdout.str() or "waited_s=1.6" in result.stdout.str()


def test_missing_key_without_cassettes(pytester: pytest.Pytester, mock: MockLLM) -> None:
    pytester.makefile(".toml", pyproject=providers_toml(mock))
    result = pytester.runpytest_subprocess("-k", "openai.key")
    result.assert_outcomes(failed=1, deselected=11)
    result.stdout.fnmatch_lines(
        [
            "providers/openai.key: OPENAI_API_KEY is not set",
            "  fix: export OPENAI_API_KEY=...  (https://platform.openai.com/api-keys)",
        ]
    )


def test_rpm_is_never_exceeded(pytester: pytest.Pytester, mock: MockLLM, keys: object) -> None:
    toml = providers_toml(mock, openai="rpm = 2\ntimeout = 2.0\ncassettes = false")
    pytester.makefile(".toml", pyproject=toml)
    result = pytester.runpytest_subprocess("-k", "openai")
    result.stdout.fnmatch_lines(["*rate limit 2/60s for openai@http://127.0.0.1:*"])
    assert len(mock.calls_to("openai")) == 2


# -- cassettes -----------------------------------------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "envcheck" / "mock" / "data"


def cassette_from_sample(sample: str) -> str:
    """A vcrpy cassette (format version 1) holding one real recorded interaction."""
    import yaml

    data = json.loads((SAMPLES / f"{sample}.json").read_text())
    req, resp = data["request"], data["response"]
    body = resp["body"] if isinstance(resp["body"], str) else json.dumps(resp["body"])
    interaction = {
        "request": {
            "method": req["method"],
            "uri": req["url"],
            "body": None,
            "headers": {k: [v] for k, v in req["headers"].items()},
        },
        "response": {
            "status": {"code": resp["status"], "message": "OK"},
            "headers": {k: [v] for k, v in resp["headers"].items()},
            "body": {"string": body},
        },
    }
    return str(yaml.safe_dump({"version": 1, "interactions": [interaction]}))


def install_cassettes(root: Path) -> None:
    for kind in ("openai", "anthropic", "gemini"):
        text = cassette_from_sample(f"{kind}--models-list")
        folder = root / "cassettes" / kind
        folder.mkdir(parents=True)
        for check in ("auth", "model", "headroom"):
            (folder / f"{check}.yaml").write_text(text)


REAL = """
[tool.envcheck.providers.openai]
model = "gpt-4o-mini"
[tool.envcheck.providers.anthropic]
model = "claude-sonnet-4-5"
[tool.envcheck.providers.gemini]
model = "gemini-2.5-flash"
"""


def test_ci_replays_real_recordings_without_keys(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    install_cassettes(pytester.path)
    pytester.makefile(".toml", pyproject=REAL)
    result = pytester.runpytest_subprocess("-m", "providers", "--envcheck-report")
    result.assert_outcomes(passed=12)
    result.stdout.fnmatch_lines_random(
        [
            "  PASS  openai.key * no key (OPENAI_API_KEY not set): replaying cassettes/openai/*",
            "  PASS  openai.auth * authenticated at https://api.openai.com/v1; * models visible*",
            "  PASS  anthropic.model * claude-sonnet-4-5 is available (as claude-sonnet-4-5-*",
            "  PASS  gemini.model * gemini-2.5-flash is available*",
        ]
    )
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    replayed = {c["name"]: c for c in report["checks"]}
    assert replayed["openai.auth"]["evidence"] == "replayed"
    assert replayed["openai.auth"]["facts"]["recorded_at"] == "Wed, 06 May 2026 17:37:49 GMT"
    markdown = (pytester.path / "envcheck-report.md").read_text()
    assert "| replayed |" in markdown


def test_stale_and_corrupt_cassettes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    install_cassettes(pytester.path)
    (pytester.path / "cassettes" / "gemini" / "auth.yaml").write_text("interactions: [oops\n")
    stale = REAL.replace('model = "gpt-4o-mini"', 'base_url = "https://proxy.example.com/v1"')
    pytester.makefile(".toml", pyproject=stale)
    result = pytester.runpytest_subprocess("-k", "auth")
    result.stdout.fnmatch_lines_random(
        [
            "providers/openai.auth: stale cassette: */cassettes/openai/auth.yaml has no recording "
            "of GET https://proxy.example.com/v1/models (it recorded GET /v1/models); re-record "
            "with: OPENAI_API_KEY=... pytest -m providers -k openai --envcheck-record=all",
            "providers/gemini.auth: corrupt cassette */cassettes/gemini/auth.yaml: *",
            "  fix: delete it and re-record: GEMINI_API_KEY=... pytest -m providers -k gemini "
            "--envcheck-record=all",
            "  PASS  anthropic.auth *",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_canary_no_key_anywhere(
    pytester: pytest.Pytester, mock: MockLLM, keys: dict[str, str]
) -> None:
    """Record every provider live (against the mock) with fake keys, then look for the keys."""
    smoke = "smoke = true"
    pytester.makefile(
        ".toml", pyproject=providers_toml(mock, openai=smoke, anthropic=smoke, gemini=smoke)
    )
    mock.fault("openai", 401, path="/chat/completions")  # an error path is recorded too
    result = pytester.runpytest_subprocess(
        "-m", "providers", "--envcheck-record=all", "--envcheck-report", "--junitxml=junit.xml"
    )
    recorded = sorted((pytester.path / "cassettes").rglob("*.yaml"))
    assert len(recorded) >= 11  # openai.headroom is blocked by the scripted 401
    texts = [result.stdout.str(), result.stderr.str()]
    texts += [p.read_text() for p in recorded]
    texts += [(pytester.path / n).read_text() for n in ("junit.xml", "envcheck-report.md")]
    texts.append((pytester.path / "envcheck-report.json").read_text())
    for key in keys.values():
        assert not [t for t in texts if key in t], key
    assert any(
        "REDACTED" in p.read_text() or "authorization" not in p.read_text() for p in recorded
    )
    assert all("x-api-key" not in p.read_text().lower() for p in recorded)
