"""The providers component against envcheck's mock LLM API, and replayed from real recordings."""

from __future__ import annotations

import json
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from envcheck.mock import MockLLM
from tests.servers import free_port

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "envcheck" / "mock" / "data"
#: warnings are errors in these runs, as in a team's suite: an unclosed socket fails them
STRICT = ("-W", "error", "-p", "no:cacheprovider")

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


class EditedMock(MockLLM):
    """The mock LLM API, each answer passed through ``edit`` (headers a test needs to vary)."""

    def __init__(self, edit: Callable[[Any], None]) -> None:
        super().__init__()
        self.edit = edit

    def answer(self, req: Any) -> Any:
        reply, fault = super().answer(req)
        self.edit(reply)
        return reply, fault


def openai_toml(mock: MockLLM, extra: str = "") -> str:
    return f'[tool.envcheck.providers.openai]\nbase_url = "{mock.base_url("openai")}"\n{extra}\n'


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
    result = pytester.runpytest_inprocess("-v", "-m", "providers", "--envcheck-report")
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
    pytester: pytest.Pytester,
    kind: str,
    fault: dict[str, object],
    extra: str = "",
    select: str | None = None,
) -> tuple[pytest.RunResult, MockLLM]:
    mock = MockLLM().start()
    try:
        mock.fault(kind, **fault)  # type: ignore[arg-type]
        toml = (
            f'[tool.envcheck.providers.{kind}]\napi_key = "${{{kind.upper()}_API_KEY}}"\n'
            f'base_url = "{mock.base_url(kind)}"\ncassettes = false\n{extra}\n'
        )
        pytester.makefile(".toml", pyproject=toml)
        return pytester.runpytest_inprocess("-v", "-k", select or f"{kind}.auth"), mock
    finally:
        mock.stop()


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize(
    ("kind", "fault", "line", "fix"),
    [
        (
            "openai",
            {"status": 401},
            "  FAIL  providers/openai.auth: openai: authentication failed: Incorrect API key "
            "provided*",
            "        fix: set a valid key: export OPENAI_API_KEY=...  "
            "(https://platform.openai.com/*",
        ),
        (
            "gemini",
            {"status": 403},
            "  FAIL  providers/gemini.auth: gemini: permission denied: *",
            "        fix: do what the answer says; if AI Studio (https://aistudio.google.com/"
            "apikey) shows the key as leaked or blocked, create a new key there; about the "
            "project itself, ask Google's support",
        ),
        (  # the listing sends no model: a 400 to it is about the key or base_url, never a model
            "anthropic",
            {"status": 400},
            "  FAIL  providers/anthropic.auth: anthropic: bad request: *",
            "        fix: check the key (ANTHROPIC_API_KEY): "
            "https://console.anthropic.com/settings/keys;"
            " then check base_url in [[]tool.envcheck.providers.anthropic] (now http://*",
        ),
        (
            "openai",
            {"kind": "malformed"},
            "  FAIL  providers/openai.auth: openai answered http://127.0.0.1:*/openai/v1/models "
            "with "
            "something that is not JSON*",
            "        fix: check base_url of [[]tool.envcheck.providers.openai]",
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
    assert "model name" not in result.stdout.str()


@pytest.mark.usefixtures("keys")
def test_an_empty_account_passes_auth_and_fails_headroom_once(pytester: pytest.Pytester) -> None:
    """A 429 insufficient_quota proves the key was accepted: auth passes, model cannot tell, and
    headroom carries the failure; none of them retries it."""
    result, mock = _run_with_fault(pytester, "openai", {"kind": "quota", "times": 10}, "", "openai")
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    result.stdout.fnmatch_lines_random(
        [
            "  PASS  openai.auth * key accepted by openai: it answered quota exhausted (HTTP 429, "
            "error.type=insufficient_quota, error.code=insufficient_quota), which only an "
            "accepted key gets; openai.headroom reports the limit*",
            "  SKIP  openai.model * cannot list the models now: quota exhausted (HTTP 429, *); "
            "openai.headroom reports it*",
            "  FAIL  providers/openai.headroom: openai: quota exhausted: You exceeded your "
            "current quota.",
            "        fix: add credits or raise the spending limit "
            "(https://platform.openai.com/settings/organization/billing)",
        ]
    )
    assert len(mock.calls) == 3  # auth, model, headroom: one request each


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize(
    ("kind", "fault", "line"),
    [
        (
            "anthropic",
            {"status": 529, "times": 10},
            "  FAIL  providers/anthropic.auth: anthropic: overloaded (after 2 retries): Overloaded",
        ),
        (
            "openai",
            {"status": 500, "times": 10},
            "  FAIL  providers/openai.auth: openai: server error (after 2 retries): *",
        ),
        (
            "gemini",
            {"status": 503, "times": 10},
            "  FAIL  providers/gemini.auth: gemini: overloaded (after 2 retries): Unavailable*",
        ),
        (
            "openai",
            {"kind": "slow", "delay": 3.0, "times": 10},
            "  FAIL  providers/openai.auth: openai: timeout (after * retr*): no answer from *",
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
    # every attempt that went out is counted, also those that timed out
    out = result.stdout.str()
    retried = re.search(r"\(after (\d+) retr", out)
    sent = re.search(r"requests_sent=(\d+)", out)
    assert retried and sent, out
    assert int(sent.group(1)) == int(retried.group(1)) + 1 == len(mock.calls)


@pytest.mark.usefixtures("keys")
def test_retry_honours_retry_after_and_reports_the_wait(pytester: pytest.Pytester) -> None:
    result, mock = _run_with_fault(pytester, "openai", {"status": 429, "retry_after": 1.5})
    result.assert_outcomes(passed=1, deselected=3)
    assert [c.status for c in mock.calls] == [429, 200]
    result.stdout.fnmatch_lines(["*requests_sent=2*"])  # both attempts, not 1
    assert mock.calls[1].time - mock.calls[0].time >= 1.45
    result.stdout.fnmatch_lines(["*retries=1*"])
    assert "waited_s=1.5" in result.stdout.str() or "waited_s=1.6" in result.stdout.str()


def test_missing_key_without_cassettes(pytester: pytest.Pytester, mock: MockLLM) -> None:
    pytester.makefile(".toml", pyproject=providers_toml(mock))
    result = pytester.runpytest_inprocess("-v", "-k", "openai.key")
    result.assert_outcomes(failed=1, deselected=11)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  providers/openai.key: OPENAI_API_KEY is not set",
            "        fix: export OPENAI_API_KEY=...  (https://platform.openai.com/api-keys)",
        ]
    )


def test_rpm_is_never_exceeded(
    pytester: pytest.Pytester,
    mock: MockLLM,
    keys: object,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # the limiter's state lives under the temporary directory, by base_url: a test elsewhere
    # (another pytest-xdist worker) whose mock had this port a minute ago must not count here
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    toml = providers_toml(mock, openai="rpm = 2\ntimeout = 2.0\ncassettes = false")
    pytester.makefile(".toml", pyproject=toml)
    result = pytester.runpytest_inprocess("-v", "-k", "openai")
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
    result = pytester.runpytest_inprocess("-v", "-m", "providers", "--envcheck-report")
    result.assert_outcomes(passed=12)
    result.stdout.fnmatch_lines_random(
        [
            "  PASS  openai.key * no key (OPENAI_API_KEY not set): replaying cassettes/openai/*",
            "  PASS  openai.auth * authenticated at https://api.openai.com/v1; * models visible  "
            "[[]* ms, replayed (recorded 2026-05-06)]",
            "  PASS  anthropic.model * claude-sonnet-4-5 is available (as claude-sonnet-4-5-*",
            "  PASS  gemini.model * gemini-2.5-flash is available*",
        ]
    )
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    replayed = {c["name"]: c for c in report["checks"]}
    assert replayed["openai.auth"]["evidence"] == "replayed"
    assert replayed["openai.auth"]["facts"]["recorded_at"] == "Wed, 06 May 2026 17:37:49 GMT"
    markdown = (pytester.path / "envcheck-report.md").read_text()
    assert "| replayed (recorded 2026-05-06) |" in markdown


def test_stale_and_corrupt_cassettes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    install_cassettes(pytester.path)
    (pytester.path / "cassettes" / "gemini" / "auth.yaml").write_text("interactions: [oops\n")
    stale = REAL.replace('model = "gpt-4o-mini"', 'base_url = "https://proxy.example.com/v1"')
    pytester.makefile(".toml", pyproject=stale)
    result = pytester.runpytest_inprocess("-v", "-k", "auth")
    result.stdout.fnmatch_lines_random(
        [
            "  FAIL  providers/openai.auth: stale cassette: */cassettes/openai/auth.yaml has no "
            "recording "
            "of GET https://proxy.example.com/v1/models (it recorded GET /v1/models); re-record "
            "with: OPENAI_API_KEY=... pytest -m providers -k openai --envcheck-record=all",
            "  FAIL  providers/gemini.auth: corrupt cassette */cassettes/gemini/auth.yaml: *",
            "        fix: delete it and re-record: GEMINI_API_KEY=... pytest -m providers -k "
            "gemini "
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
    result = pytester.runpytest_inprocess(
        "-v",
        "-m",
        "providers",
        "--envcheck-record=all",
        "--envcheck-report",
        "--junitxml=junit.xml",
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


# -- cassettes: staleness, corruption, record modes, scrubbing -------------------------------------

RERECORD = "OPENAI_API_KEY=... pytest -m providers -k openai --envcheck-record=all"


def test_stale_cassette_without_a_key_is_not_sent_live_nor_recorded(
    pytester: pytest.Pytester, mock: MockLLM, keys: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a key, a request the cassette lacks is reported stale (whatever the record mode):
    it is never sent with the placeholder key, and no 401 is ever recorded."""
    pytester.makefile(".toml", pyproject=openai_toml(mock))
    record = ("-v", "-m", "providers", "--envcheck-record=new")
    pytester.runpytest_inprocess(*record).assert_outcomes(passed=4)
    recorded = {p: p.read_bytes() for p in (pytester.path / "cassettes").rglob("*.yaml")}
    assert len(recorded) == 3
    monkeypatch.delenv("OPENAI_API_KEY")
    with MockLLM() as moved:  # base_url changed since the recording
        pytester.makefile(".toml", pyproject=openai_toml(moved))
        result = pytester.runpytest_inprocess(*record)
        assert moved.calls == []
    result.assert_outcomes(passed=1, failed=1, skipped=2)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  providers/openai.auth: stale cassette: */cassettes/openai/auth.yaml has no "
            "recording "
            "of GET http://127.0.0.1:*/openai/v1/models (it recorded GET /openai/v1/models); "
            f"re-record with: {RERECORD}",
            "        why: the configuration changed since the cassette was recorded (model, "
            "base_url, "
            "or what the check sends), and without an API key envcheck does not send it live",
            f"        fix: {RERECORD}",
        ]
    )
    assert "authentication failed" not in result.stdout.str()
    assert {p: p.read_bytes() for p in (pytester.path / "cassettes").rglob("*.yaml")} == recorded


def test_missing_cassette_without_a_key_is_not_sent_live(
    pytester: pytest.Pytester, mock: MockLLM, keys: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new check (smoke) has no cassette yet: without a key it says so instead of calling."""
    pytester.makefile(".toml", pyproject=openai_toml(mock))
    record = ("-v", "-m", "providers", "--envcheck-record=new")
    pytester.runpytest_inprocess(*record).assert_outcomes(passed=4)
    monkeypatch.delenv("OPENAI_API_KEY")
    mock.reset()
    pytester.makefile(".toml", pyproject=openai_toml(mock, "smoke = true"))
    result = pytester.runpytest_inprocess("-v", "-k", "openai.smoke")
    result.assert_outcomes(failed=1, deselected=4)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  providers/openai.smoke: no cassette to replay for POST "
            "http://127.0.0.1:*/openai/v1/"
            "chat/completions (*/cassettes/openai/smoke.yaml)",
            "        why: no API key is set to send it live, and nothing is recorded for it",
            "        fix: record it once (with the API key, where one is needed) and commit "
            "*/cassettes/openai/smoke.yaml: " + RERECORD,
        ]
    )
    assert mock.calls == []
    assert not (pytester.path / "cassettes" / "openai" / "smoke.yaml").exists()


def test_model_missing_from_a_replayed_list_says_the_cassette_may_be_stale(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    install_cassettes(pytester.path)
    pytester.makefile(".toml", pyproject=REAL.replace("gpt-4o-mini", "gpt-9-turbo"))
    result = pytester.runpytest_inprocess("-v", "-k", "openai.model")
    result.assert_outcomes(failed=1, deselected=11)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  providers/openai.model: model 'gpt-9-turbo' is missing from the openai "
            "models list "
            "recorded on 2026-05-06 in cassettes/openai/model.yaml (closest: gpt-4-turbo*); "
            f"the cassette may be stale: re-record with: {RERECORD}",
            "        why: the list of * models was replayed from the cassette, not asked live: a "
            "model "
            "configured (or made available to the key) after the recording is not in it",
            f"        fix: re-record with: {RERECORD}  (or, if the name is wrong, "
            'set model = "gpt-4-turbo" in [[]tool.envcheck.providers.openai])',
        ]
    )


CORRUPT = {
    "empty": ("", "the file is empty"),
    "not-yaml": ("interactions: [oops\n", "not YAML: *expected ',' or ']'* at line *"),
    "text": (
        "merge conflict left this\n",
        "its top level is text; a vcrpy cassette is a " "mapping with 'version' and 'interactions'",
    ),
    "list": ("- request: {}\n", "its top level is a list; a vcrpy cassette is a mapping *"),
    "no-method": ("interactions:\n- request: {}\n", "interaction 1 has no request.method"),
    "no-status": (
        "interactions:\n- request: {method: GET, uri: 'https://x/v1/models', body: null, "
        "headers: {}}\n  response: {status: {message: OK}, headers: {}, body: {string: ''}}\n",
        "interaction 1 has no response.status.code",
    ),
    "version": ("version: 2\ninteractions: []\n", "format version 2; vcrpy reads version 1"),
}


@pytest.mark.parametrize("case", list(CORRUPT))
def test_corrupt_cassette_says_what_is_wrong_with_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    monkeypatch.setenv("CI", "true")
    install_cassettes(pytester.path)
    text, problem = CORRUPT[case]
    (pytester.path / "cassettes" / "openai" / "auth.yaml").write_text(text)
    pytester.makefile(".toml", pyproject=REAL)
    result = pytester.runpytest_inprocess("-v", "-k", "openai.auth")
    result.assert_outcomes(failed=1, deselected=11)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  providers/openai.auth: corrupt cassette */cassettes/openai/auth.yaml: "
            f"{problem}",
            "        why: the file is not a vcrpy cassette any more *",
            f"        fix: delete it and re-record: {RERECORD}",
        ]
    )
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output and "TypeError" not in output and "NoneType" not in output


def test_record_modes_once_and_new(pytester: pytest.Pytester, mock: MockLLM, keys: object) -> None:
    folder = pytester.path / "cassettes" / "openai"
    pytester.makefile(".toml", pyproject=openai_toml(mock))
    record = ("-v", "-m", "providers", "--envcheck-record=new")
    pytester.runpytest_inprocess(*record).assert_outcomes(passed=4)
    headroom = (folder / "headroom.yaml").read_text()
    pytester.makefile(".toml", pyproject=openai_toml(mock, "smoke = true"))

    mock.reset()  # once: a cassette that exists is replay-only, a missing one is recorded live
    once = pytester.runpytest_inprocess("-v", "-m", "providers", "--envcheck-record=once")
    once.assert_outcomes(passed=4, failed=1)
    once.stdout.fnmatch_lines(
        [
            "  FAIL  providers/openai.headroom: stale cassette: */cassettes/openai/headroom.yaml "
            "has no "
            "recording of POST http://127.0.0.1:*/openai/v1/chat/completions (it recorded GET "
            f"/openai/v1/models); re-record with: {RERECORD}",
        ]
    )
    assert [c.path for c in mock.calls] == ["/chat/completions"]  # smoke, recorded
    assert (folder / "headroom.yaml").read_text() == headroom
    assert (folder / "smoke.yaml").read_text().count("uri:") == 1

    mock.reset()  # new: replay what matches, record the rest live and add it to the cassette
    new = pytester.runpytest_inprocess(
        "-v", "-m", "providers", "--envcheck-record=new", "--envcheck-report"
    )
    new.assert_outcomes(passed=5)
    assert [c.path for c in mock.calls] == ["/chat/completions"]  # headroom's, added
    assert (folder / "headroom.yaml").read_text().count("uri:") == 2
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    evidence = {c["name"]: c["evidence"] for c in report["checks"]}
    assert evidence["openai.smoke"] == "replayed" and evidence["openai.headroom"] == "mocked"


ORG = "org-Q1w2E3r4T5y6U7i8O9p0AsDf"  # the shapes of OpenAI organization and project ids
PROJECT = "proj_Zx9Cv8Bn7Mm6Ll5Kk4Jj3Hh2"
COOKIE = "CookieValue0123456789abcdef"
AZURE_KEY = "azure0123456789abcdef0123456789ab"
CONFIGURED = "MyConfiguredSecret123"
PROXY_TOKEN = "proxy-token-0123456789abcdef"
RECORD_EVERY_KIND = f"""
import os
from pathlib import Path

import httpx

from envcheck.cassettes import Cassette


def test_record_every_secret_kind():
    mock = os.environ["MOCK_URL"]
    cassette = Cassette.open(Path("cassettes/custom/every-kind.yaml"), "all", ["{CONFIGURED}"], "")
    client = httpx.Client(transport=cassette.transport(httpx.HTTPTransport()))
    client.get(
        mock + "/openai/v1/models",
        headers={{
            "authorization": "Bearer " + os.environ["OPENAI_API_KEY"],
            "openai-organization": "{ORG}",
            "openai-project": "{PROJECT}",
            "cookie": "session={COOKIE}",
            "api-key": "{AZURE_KEY}",
            "x-forwarded-for-user": "{CONFIGURED}",
        }},
    )
    client.get(mock + "/gemini/v1beta/models?key=" + os.environ["GEMINI_API_KEY"])
    client.get(mock + "/anthropic/v1/models", headers={{"x-api-key": "{KEYS['anthropic']}"}})
    cassette.save()
"""


def test_cassettes_keep_no_secret_of_any_kind(
    pytester: pytest.Pytester, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Record through the mock (envcheck's checks and a direct use of a cassette) with every kind
    of secret in requests and answers, then look for each of them in the cassette files."""

    def leak(reply: Any) -> None:  # what real providers send back about the account
        reply.headers["set-cookie"] = f"__cf_bm={COOKIE}; path=/; HttpOnly"
        reply.headers["openai-organization"] = ORG
        reply.headers["openai-project"] = PROJECT

    monkeypatch.setenv("CUSTOM_PROXY_TOKEN", PROXY_TOKEN)  # a secret by its name
    with EditedMock(leak) as mock:
        monkeypatch.setenv("MOCK_URL", mock.url)
        mock.fault(  # twice: smoke and headroom (which does not wait for smoke) both call it
            "openai",
            403,
            times=2,
            path="/chat/completions",
            message=f"Project `{PROJECT}` does not have access to model `gpt-4o-mini` "
            f"(organization {ORG})",
        )
        mock.fault(
            "gemini", 400, times=2, path=":generateContent", message=f"bad proxy {PROXY_TOKEN}"
        )
        smoke = "smoke = true"
        toml = providers_toml(mock, openai=smoke, anthropic=smoke, gemini=smoke)
        pytester.makefile(".toml", pyproject=toml)
        pytester.makepyfile(test_record=RECORD_EVERY_KIND)
        # its own process: the keys come from the environment, which envcheck reads for
        # secrets once per process
        result = pytester.runpytest_subprocess("-v", "--envcheck", "--envcheck-record=all")
    result.stdout.fnmatch_lines_random(
        [
            "*test_record.py::test_record_every_secret_kind PASSED*",
            "  FAIL  providers/openai.smoke: openai: permission denied: Project *",
        ]
    )
    files = sorted((pytester.path / "cassettes").rglob("*.yaml"))
    loaded = {str(p.relative_to(pytester.path)): yaml.safe_load(p.read_text()) for p in files}
    assert "cassettes/custom/every-kind.yaml" in loaded and len(files) == 13
    # each file as written and as read back (a long YAML string may be folded across lines)
    texts = {name: p.read_text() + json.dumps(loaded[name]) for name, p in zip(loaded, files)}
    secrets = [*keys.values(), ORG, PROJECT, COOKIE, AZURE_KEY, CONFIGURED, PROXY_TOKEN]
    for secret in secrets:
        assert [name for name, text in texts.items() if secret in text] == [], secret

    def answer(name: str, index: int = 0) -> dict[str, Any]:
        response: dict[str, Any] = loaded[name]["interactions"][index]["response"]
        return response

    forbidden = answer("cassettes/openai/smoke.yaml")
    assert forbidden["status"]["code"] == 403  # the body still says why, without the ids
    assert (
        "Project `REDACTED` does not have access to model `gpt-4o-mini` (organization "
        "REDACTED)" in forbidden["body"]["string"]
    )
    assert "bad proxy REDACTED" in answer("cassettes/gemini/smoke.yaml")["body"]["string"]
    every = loaded["cassettes/custom/every-kind.yaml"]["interactions"]
    sent = [i["request"] for i in every]
    dropped = {"authorization", "x-api-key", "api-key", "cookie"}
    dropped |= {"openai-organization", "openai-project"}
    assert not [set(r["headers"]) & dropped for r in sent if set(r["headers"]) & dropped]
    assert sent[0]["headers"]["x-forwarded-for-user"] == ["REDACTED"]
    assert sent[1]["uri"].endswith("/gemini/v1beta/models?key=REDACTED")
    headers = every[0]["response"]["headers"]
    assert "set-cookie" not in headers
    assert headers["openai-organization"] == headers["openai-project"] == ["REDACTED"]


def test_mistyped_provider_name_is_one_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        pyproject='[tool.envcheck.providers.opneai]\nmodel = "gpt-4o-mini"\n'
        "[tool.envcheck.providers.anthropic]\nrpm = 0\n",
    )
    result = pytester.runpytest_inprocess("--envcheck")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: envcheck: invalid configuration in *pyproject.toml:",
            "  tool.envcheck.providers.opneai: unknown provider; did you mean 'openai'? "
            '(or set kind = "openai" for an OpenAI-compatible service)',
            "  tool.envcheck.providers.anthropic.rpm: input should be greater than 0 (got 0)",
        ]
    )
    output = result.stdout.str() + result.stderr.str()
    assert output.count("invalid configuration") == 1 and "Traceback" not in output


# -- the checks' own judgement: key plausibility, headroom -----------------------------------------


def test_key_plausibility(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    given = {
        "OPENAI_API_KEY": '"sk-proj-QuotedFromADotEnvFile0000"',
        "ANTHROPIC_API_KEY": "sk-proj-AnOpenAIKeyGivenToAnthropic",
        "GEMINI_API_KEY": "AIzaCopiedWithItsNewline000000000000\n",
        "GROQ_API_KEY": "gsk_NotAnOpenAIPrefixButNotTheDefaultURL",
    }
    for name, value in given.items():
        monkeypatch.setenv(name, value)
    groq = (
        '[tool.envcheck.providers.groq]\nkind = "openai"\napi_key = "${GROQ_API_KEY}"\n'
        'base_url = "https://api.groq.com/openai/v1"\n'
    )
    pytester.makefile(".toml", pyproject=REAL + groq)
    result = pytester.runpytest_inprocess("-v", "-k", "key")
    result.assert_outcomes(passed=2, failed=2, deselected=12)
    result.stdout.fnmatch_lines_random(
        [
            "  FAIL  openai.key * the openai key has surrounding whitespace or quotes: a double "
            "quote  *",
            "  FAIL  gemini.key * the gemini key has surrounding whitespace or quotes: a line "
            "feed  *",
            "  WARN  anthropic.key * the anthropic key looks like an OpenAI key (sk-…), not an "
            "Anthropic key (sk-ant-…)  *",
            "        why: https://api.anthropic.com refuses any other provider's key",
            "        fix: check that ANTHROPIC_API_KEY holds the Anthropic key, not another "
            "provider's (https://console.anthropic.com/*",
            "  PASS  groq.key * GROQ_API_KEY is set (40 characters)  *",
            "        why: copied with its quotes or a newline from a .env file: the provider would "
            "reject it as an invalid key",
            "        fix: export OPENAI_API_KEY=<the key itself, without quotes>",
        ]
    )
    output = result.stdout.str() + result.stderr.str()
    assert not [v for v in given.values() if v.strip().strip('"') in output]


def test_headroom_warns_below_its_threshold(pytester: pytest.Pytester, keys: object) -> None:
    def scarce(reply: Any) -> None:  # OpenAI's rate-limit headers, nearly used up
        if "x-ratelimit-remaining-requests" in reply.headers:
            reply.headers["x-ratelimit-remaining-requests"] = "5"

    with EditedMock(scarce) as mock:
        toml = providers_toml(mock, openai="smoke = true", anthropic="smoke = true")
        pytester.makefile(".toml", pyproject=toml.replace("\n\n", "\ncassettes = false\n\n"))
        result = pytester.runpytest_inprocess("-v", "-k", "openai.headroom or anthropic.headroom")
    result.assert_outcomes(passed=2, deselected=12)
    result.stdout.fnmatch_lines(
        [
            "  WARN  openai.headroom * 0.05% of the requests limit left (5 of 10000)  *",
            "        requests_remaining=5, requests_limit=10000, *",
            "        why: below headroom_warn = 0.1: the next calls of this key (yours, your "
            "team's, CI's) may be refused with 429",
            "        fix: wait for the window to reset, or raise the limit in the provider console",
        ]
    )
    result.stdout.fnmatch_lines(
        ["  PASS  anthropic.headroom * 99.99% of the requests limit left (9999 of 10000)  *"]
    )


def test_an_openai_compatible_service_never_gets_the_vendor_key_by_default(
    pytester: pytest.Pytester, mock: MockLLM, keys: dict[str, str]
) -> None:
    pytester.makefile(
        ".toml",
        pyproject='[tool.envcheck.providers.groq]\nkind = "openai"\n'
        f'base_url = "{mock.base_url("openai")}"\ncassettes = false\n',
    )
    result = pytester.runpytest_inprocess("-v", "-m", "providers")
    result.stdout.fnmatch_lines(
        [
            "  FAIL  providers/groq.key: GROQ_API_KEY is not set",
            "        fix: export GROQ_API_KEY=...  (a key of the service at http://127.0.0.1:*)",
        ]
    )
    assert mock.calls == []  # OPENAI_API_KEY is set, and was not sent to this service


def _replace_listing(sample: str) -> Callable[[Any], None]:
    """An edit for EditedMock: answer the model listing with a real recorded error."""
    recorded = json.loads((SAMPLES / f"{sample}.json").read_text())["response"]

    def edit(reply: Any) -> None:
        if reply.status == 200 and b'"data"' in (reply.body or b""):
            reply.status = recorded["status"]
            body = recorded["body"]
            reply.body = (body if isinstance(body, str) else json.dumps(body)).encode()
            reply.headers = {}

    return edit


@pytest.mark.usefixtures("keys")
def test_a_404_on_the_model_listing_is_a_wrong_base_url_and_the_fix_works(
    pytester: pytest.Pytester, mock: MockLLM
) -> None:
    without_v1 = mock.url + "/openai"
    toml = f'[tool.envcheck.providers.openai]\nbase_url = "{without_v1}"\ncassettes = false\n'
    pytester.makefile(".toml", pyproject=toml)
    result = pytester.runpytest_inprocess("-v", "-k", "openai.auth", *STRICT)
    result.assert_outcomes(failed=1, deselected=3)
    fix = f'set base_url = "{mock.url}/openai/v1" in [tool.envcheck.providers.openai]'
    result.stdout.fnmatch_lines(
        [
            "  FAIL  providers/openai.auth: openai: wrong base_url: *",
            "        why: openai answered HTTP 404 to GET /openai/models: the model listing "
            "answered "
            "404: base_url is wrong (a missing /v1?) or points at something that is not this "
            "API*",
            f"        fix: {fix}",
        ]
    )
    assert "model not found" not in result.stdout.str()
    pytester.makefile(".toml", pyproject=toml.replace(without_v1, f"{mock.url}/openai/v1"))
    result = pytester.runpytest_inprocess("-v", "-k", "openai.auth", *STRICT)
    result.assert_outcomes(passed=1, deselected=3)


def test_another_service_is_named_with_its_host_and_its_own_message(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCALEWAY_API_KEY", "scw-secret-0123456789abcdef")
    with EditedMock(_replace_listing("scaleway--429-concurrent-requests")) as mock:
        pytester.makefile(
            ".toml",
            pyproject='[tool.envcheck.providers.scaleway]\nkind = "openai"\n'
            f'base_url = "{mock.base_url("openai")}"\nretries = 0\ncassettes = false\n',
        )
        result = pytester.runpytest_inprocess("-v", "-k", "scaleway", *STRICT)
    # a 429 proves the key was accepted: auth passes, headroom carries the limit
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    result.stdout.fnmatch_lines_random(
        [
            "  PASS  scaleway.auth * key accepted by scaleway at 127.0.0.1:*: it answered rate "
            "limited (HTTP 429), which only an accepted key gets; scaleway.headroom reports the "
            "limit*",
            "  FAIL  providers/scaleway.headroom: scaleway: rate limited: You exceeded your "
            "current "
            "threshold of concurrent requests",
            "        why: scaleway at 127.0.0.1:* answered HTTP 429 to GET /openai/v1/models: "
            "HTTP 429 "
            "without a structured reason (no field says whether a rate or the account's credit "
            "ran out: its words above say which), retried",
            "        fix: lower `rpm` for scaleway in [[]tool.envcheck.providers], or wait; if it "
            "persists, look at the account's limits and credits (in scaleway's console)",
        ]
    )
    assert "openai.com" not in result.stdout.str()
    assert "openai answered" not in result.stdout.str()


@pytest.mark.usefixtures("keys")
def test_a_key_that_does_not_reach_the_server_is_not_called_invalid(
    pytester: pytest.Pytester,
) -> None:
    with EditedMock(_replace_listing("openai--401-no-api-key")) as mock:
        pytester.makefile(".toml", pyproject=openai_toml(mock, "cassettes = false"))
        result = pytester.runpytest_inprocess("-v", "-k", "openai.auth", *STRICT)
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  providers/openai.auth: openai: key not received: You didn't provide an API "
            "key.*",
            "        why: openai answered HTTP 401 to GET /openai/v1/models: the request carried "
            "the "
            "key, but the server says it got none: a proxy or gateway in between drops the "
            "Authorization header*",
            '        fix: compare by hand: curl -sS -H "Authorization: Bearer $OPENAI_API_KEY" '
            "http://127.0.0.1:*/openai/v1/models; set NO_PROXY=127.0.0.1 or fix the proxy that "
            "drops the header",
        ]
    )
    assert "set a valid key" not in result.stdout.str()


@pytest.mark.usefixtures("keys")
def test_transport_failures_say_why(
    pytester: pytest.Pytester, mock: MockLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_API_KEY", "local-key-0123456789")
    https = mock.base_url("openai").replace("http://", "https://")
    nothing = f"http://127.0.0.1:{free_port()}/v1"
    pytester.makefile(
        ".toml",
        pyproject=f'[tool.envcheck.providers.openai]\nbase_url = "{https}"\nretries = 0\n'
        "cassettes = false\n"
        f'[tool.envcheck.providers.local]\nkind = "openai"\nbase_url = "{nothing}"\n'
        "retries = 0\ncassettes = false\n",
    )
    result = pytester.runpytest_inprocess("-v", "-k", "auth", *STRICT)
    result.assert_outcomes(failed=2, deselected=6)
    port = mock.url.rsplit(":", 1)[1]
    result.stdout.fnmatch_lines_random(
        [
            "  FAIL  providers/openai.auth: openai: connection failed: cannot reach "
            f"{https}/models",
            f"        why: base_url says https, but 127.0.0.1:{port} answers in plain HTTP (not "
            "TLS)",
            f'        fix: set base_url = "{mock.base_url("openai")}" (http), or point it at the '
            "TLS "
            "port",
            "  FAIL  providers/local.auth: local: connection failed: cannot reach "
            f"{nothing}/models",
            "        why: nothing listens on 127.0.0.1:* (connection refused)",
            "        fix: check base_url in [tool.envcheck.providers.local], or start the server",
        ]
    )
    assert mock.calls == []


@pytest.mark.usefixtures("keys")
def test_anthropic_aliases_are_the_apis_own_never_a_prefix(
    pytester: pytest.Pytester, mock: MockLLM
) -> None:
    names = [
        "claude",
        "claude-3",
        "claude-3-5-sonnet",
        "claude-sonnet-4-0",
        "claude-3-7-sonnet-latest",
    ]
    tables = "".join(
        f'[tool.envcheck.providers.a{i}]\nkind = "anthropic"\napi_key = "${{ANTHROPIC_API_KEY}}"\n'
        f'base_url = "{mock.base_url("anthropic")}"\nmodel = "{name}"\ncassettes = false\n'
        for i, name in enumerate(names)
    )
    pytester.makefile(".toml", pyproject=tables)
    result = pytester.runpytest_inprocess("-v", "-k", "model", *STRICT)
    result.assert_outcomes(passed=2, failed=3, deselected=15)
    result.stdout.fnmatch_lines_random(
        [
            "  FAIL  providers/a0.model: model 'claude' is not available to this anthropic key*",
            "  FAIL  providers/a1.model: model 'claude-3' is not available to this anthropic key*",
            "  FAIL  providers/a2.model: model 'claude-3-5-sonnet' is not available to this "
            "anthropic "
            "key*",
            "  PASS  a3.model * claude-sonnet-4-0 is available (as claude-sonnet-4-20250514)*",
            "  PASS  a4.model * claude-3-7-sonnet-latest is available (as "
            "claude-3-7-sonnet-20250219)*",
        ]
    )


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize(
    ("sample", "line", "fix"),
    [
        (
            "gemini--403-service-disabled",
            "  FAIL  providers/gemini.auth: gemini: permission denied: Gemini for Google Cloud "
            "API has "
            "not been used in project *",
            "        fix: enable it: https://console.developers.google.com/apis/api/"
            "cloudaicompanion.googleapis.com/overview?project=sciortino-test-sandbox-395446  "
            "(then wait a few minutes)",
        ),
        (
            "gemini--400-location-not-supported",
            "  FAIL  providers/gemini.auth: gemini: region not supported: User location is not "
            "supported "
            "for the API use.",
            "        fix: run from a supported region (https://ai.google.dev/gemini-api/docs/"
            "available-regions) or enable billing on the project",
        ),
    ],
)
def test_gemini_says_what_to_enable_or_where_from(
    pytester: pytest.Pytester, sample: str, line: str, fix: str
) -> None:
    with EditedMock(_replace_listing_gemini(sample)) as mock:
        toml = f'[tool.envcheck.providers.gemini]\nbase_url = "{mock.base_url("gemini")}"\n'
        pytester.makefile(".toml", pyproject=toml + "cassettes = false\n")
        result = pytester.runpytest_inprocess("-v", "-k", "gemini.auth", *STRICT)
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines([line, "        why: gemini answered HTTP 4*", fix])
    assert "bad request, check the model" not in result.stdout.str()


def _replace_listing_gemini(sample: str) -> Callable[[Any], None]:
    recorded = json.loads((SAMPLES / f"{sample}.json").read_text())["response"]

    def edit(reply: Any) -> None:
        if reply.status == 200 and b'"models"' in (reply.body or b""):
            reply.status = recorded["status"]
            reply.body = json.dumps(recorded["body"]).encode()
            reply.headers = {}

    return edit


def test_a_plain_http_servers_client_trusts_no_tls_server(tmp_path: Path) -> None:
    """The shared client of an ``http://`` server is made without reading the CA bundle: what
    goes to ``https://`` through it is refused, never sent unverified."""
    import http.server
    import ssl

    import httpx

    from envcheck.llm import _pool
    from tests.servers import self_signed_certificate

    certificate = self_signed_certificate(tmp_path)

    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"hi")

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(certificate.cert, certificate.key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    url = f"https://127.0.0.1:{server.server_address[1]}/"
    try:
        trusting = ssl.create_default_context(cafile=str(certificate.cert))
        with httpx.Client(
            verify=trusting
        ) as client:  # the server works for a client that trusts it
            assert client.get(url).text == "hi"
        plain = _pool.shared(f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            plain.get(url)
    finally:
        _pool.close_all()
        server.shutdown()
        server.server_close()
        thread.join(5)
