"""A set key is checked live, a recording answers only for the key that made it, and the settings
are read where the official clients read them (issue 25 §3 and §4)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from envcheck import cassettes
from envcheck.mock import MockLLM
from tests.hardening import envcheck
from tests.test_providers import STRICT, openai_toml

KEY_A = "sk-proj-FirstKeyAlpha7Qz0000000000001"
KEY_B = "sk-proj-SecondKeyBravo8Wy000000000002"
RECORD = ("-v", "-m", "providers", "--envcheck-record=new")
#: the variables the clients read: none leaks in from the machine running the tests
CLIENT_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_GEMINI_BASE_URL",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "OLLAMA_HOST",
    "CI",
)


@pytest.fixture
def mock() -> Iterator[MockLLM]:
    with MockLLM() as server:
        yield server


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CLIENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _recorded(pytester: pytest.Pytester) -> dict[Path, str]:
    return {p: p.read_text() for p in sorted((pytester.path / "cassettes").rglob("*.yaml"))}


def _report(pytester: pytest.Pytester) -> dict[str, dict[str, object]]:
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    return {c["name"]: c for c in checks}


# -- §3: a set key is checked live; recording only when asked -------------------------------------


def test_a_run_with_a_key_asks_live_and_records_nothing(
    pytester: pytest.Pytester, mock: MockLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY_A)
    pytester.makefile(".toml", pyproject=openai_toml(mock))
    result = pytester.runpytest_inprocess("-v", "-m", "providers", "--envcheck-report", *STRICT)
    result.assert_outcomes(passed=4)
    assert not (pytester.path / "cassettes").exists()
    assert mock.calls_to("openai")
    evidence = {name: c["evidence"] for name, c in _report(pytester).items()}
    assert evidence["openai.auth"] == evidence["openai.model"] == "mocked"
    assert "replayed" not in result.stdout.str()


def test_an_invalid_key_fails_live_though_another_key_was_recorded(
    pytester: pytest.Pytester, mock: MockLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY_A)
    pytester.makefile(".toml", pyproject=openai_toml(mock))
    pytester.runpytest_inprocess(*RECORD).assert_outcomes(passed=4)
    recorded = _recorded(pytester)
    assert len(recorded) == 3
    mock.invalid_keys.add(KEY_B)
    mock.reset()
    monkeypatch.setenv("OPENAI_API_KEY", KEY_B)
    result = pytester.runpytest_inprocess("-v", "-m", "providers", "--envcheck-report")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["  FAIL  providers/openai.auth: *"])
    assert [c.status for c in mock.calls_to("openai")] == [401]  # asked live, and refused
    report = _report(pytester)
    assert report["openai.auth"]["status"] == "fail"
    assert "replayed" not in {c["evidence"] for c in report.values()}
    assert "replayed" not in result.stdout.str()
    assert _recorded(pytester) == recorded  # and nothing recorded
    # with --envcheck-record=none the recording of key A is not replayed for key B either
    result = pytester.runpytest_inprocess("-v", "-m", "providers", "--envcheck-record=none")
    result.stdout.fnmatch_lines(
        [
            "  FAIL  providers/openai.auth: */cassettes/openai/auth.yaml recorded GET "
            "http://127.0.0.1:*/openai/v1/models with another key than the one set now; *",
        ]
    )
    assert "PASS  openai.auth" not in result.stdout.str()


def test_a_recorded_401_does_not_fail_a_valid_key(
    pytester: pytest.Pytester, mock: MockLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Key A was refused while recording: key B, valid, is checked live and passes."""
    mock.invalid_keys.add(KEY_A)
    monkeypatch.setenv("OPENAI_API_KEY", KEY_A)
    pytester.makefile(".toml", pyproject=openai_toml(mock))
    failed = pytester.runpytest_inprocess(*RECORD)
    failed.assert_outcomes(passed=1, failed=1, skipped=2)
    auth = (pytester.path / "cassettes" / "openai" / "auth.yaml").read_text()
    assert "code: 401" in auth  # the refusal is in the recording
    monkeypatch.setenv("OPENAI_API_KEY", KEY_B)
    mock.reset()
    result = pytester.runpytest_inprocess("-v", "-m", "providers", *STRICT)
    result.assert_outcomes(passed=4)
    assert "set a valid key" not in result.stdout.str()
    assert mock.calls_to("openai")


def test_a_cassette_keeps_a_salted_fingerprint_of_the_key_never_the_key(
    pytester: pytest.Pytester, mock: MockLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY_A)
    pytester.makefile(".toml", pyproject=openai_toml(mock))
    pytester.runpytest_inprocess(*RECORD).assert_outcomes(passed=4)
    recorded = _recorded(pytester)
    assert len(recorded) == 3
    vendor = len("sk-proj-")
    for path, text in recorded.items():
        marks = re.findall(r"key_fingerprint: (\S+)", text)
        assert marks, path
        for mark in marks:
            assert re.fullmatch(r"pbkdf2-sha256\$600000\$[0-9a-f]{32}\$[0-9a-f]{64}", mark), mark
            assert cassettes.same_key(mark, KEY_A) and not cassettes.same_key(mark, KEY_B)
        # not the key, nor any prefix of it longer than the vendor's
        leaked = [n for n in range(vendor + 1, len(KEY_A) + 1) if KEY_A[:n] in text]
        assert leaked == [], path
    # two recordings of the same key do not share a salt: equal fingerprints would say so
    assert cassettes.fingerprint(KEY_A, b"0" * 16) != cassettes.fingerprint(KEY_A, b"1" * 16)


def test_without_a_key_a_recording_is_replayed_and_counted_as_such(
    pytester: pytest.Pytester, mock: MockLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY_A)
    pytester.makefile(".toml", pyproject=openai_toml(mock))
    pytester.runpytest_inprocess(*RECORD).assert_outcomes(passed=4)
    monkeypatch.delenv("OPENAI_API_KEY")
    mock.reset()
    result = pytester.runpytest_inprocess("-m", "providers", "--envcheck-report", *STRICT)
    result.assert_outcomes(passed=4)
    assert mock.calls == []
    result.stdout.fnmatch_lines(["PASS  providers  4 pass (4 replayed)*"])
    report = _report(pytester)
    assert [c["evidence"] for c in report.values()] == ["replayed"] * 4
    document = json.loads((pytester.path / "envcheck-report.json").read_text())
    assert document["summary"] == {
        "pass": 4,
        "fail": 0,
        "warn": 0,
        "skip": 0,
        "total": 4,
        "replayed": 4,
    }
    markdown = (pytester.path / "envcheck-report.md").read_text().splitlines()
    overview = next(line for line in markdown if line.startswith("- ") and "providers" in line)
    assert ": 4 passed (4 replayed)" in overview
    assert _recorded(pytester)  # still there: replaying writes nothing


# -- §4: the settings the clients read -----------------------------------------------------------


def test_openai_base_url_organization_and_project_are_read_as_the_client_reads_them(
    pytester: pytest.Pytester, mock: MockLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY_A)
    monkeypatch.setenv("OPENAI_BASE_URL", mock.base_url("openai"))
    monkeypatch.setenv("OPENAI_ORG_ID", "org-Envcheck01")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_Envcheck02")
    pytester.makefile(".toml", pyproject='[tool.envcheck.providers.openai]\nmodel = "gpt-4o-mini"')
    result = pytester.runpytest_inprocess("-v", "-m", "providers", "--envcheck-report", *STRICT)
    result.assert_outcomes(passed=4)
    calls = mock.calls_to("openai")
    assert calls
    assert {c.headers.get("openai-organization") for c in calls} == {"org-Envcheck01"}
    assert {c.headers.get("openai-project") for c in calls} == {"proj_Envcheck02"}
    settings = str(_report(pytester)["openai.key"]["facts"]["settings_from"])  # type: ignore[index]
    assert settings.startswith("pyproject.toml: ")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        assert name in settings
    result.stdout.fnmatch_lines(["*settings_from=*OPENAI_BASE_URL*"])
    result.stdout.fnmatch_lines([f"*authenticated at {mock.base_url('openai')}*"])


def test_a_wrong_openai_base_url_is_fixed_where_it_was_set(
    pytester: pytest.Pytester, mock: MockLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY_A)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{mock.url}/openai")  # without /v1
    pytester.makefile(".toml", pyproject="[tool.envcheck.providers.openai]\ncassettes = false\n")
    result = pytester.runpytest_inprocess("-v", "-k", "openai.auth", *STRICT)
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  providers/openai.auth: openai: wrong base_url: *",
            f"        fix: export OPENAI_BASE_URL={mock.url}/openai/v1  (the app's client reads "
            "it too)",
        ]
    )
    assert "in [tool.envcheck.providers.openai]" not in result.stdout.str()


def _zero_config_settings(
    pytester: pytest.Pytester, mock: MockLLM, provider: str, section: str
) -> str:
    """Run the providers' zero-config checks (all 4 of ``section`` pass, talking to the mock's
    ``provider`` API) and return the key check's ``settings_from`` fact."""
    result = pytester.runpytest_inprocess(
        "-v", "--envcheck-defaults", "-m", "providers", "--envcheck-report", *STRICT
    )
    result.assert_outcomes(passed=4)
    assert mock.calls_to(provider)
    return str(_report(pytester)[f"{section}.key"]["facts"]["settings_from"])  # type: ignore[index]


def test_anthropic_base_url_is_read_and_named(
    pytester: pytest.Pytester, mock: MockLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-EnvcheckAnthropicKey0000000003")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", mock.base_url("anthropic"))
    settings = _zero_config_settings(pytester, mock, "anthropic", "anthropic")
    assert settings == "the environment (no [tool.envcheck]): ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL"
    # where nothing answers, the fix names the variable to check
    with MockLLM() as gone:
        unreachable = gone.base_url("anthropic")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", unreachable)
    result = pytester.runpytest_inprocess(
        "-v", "--envcheck-defaults", "-k", "anthropic.auth", *STRICT
    )
    result.stdout.fnmatch_lines(["        fix: check ANTHROPIC_BASE_URL*"])


def test_google_api_key_alone_configures_gemini_and_wins_over_gemini_api_key(
    pytester: pytest.Pytester, mock: MockLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    google, gemini = "AIzaEnvcheckGoogleKey000000000000004", "AIzaEnvcheckGeminiKey000000000000005"
    monkeypatch.setenv("GOOGLE_API_KEY", google)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", mock.base_url("gemini"))
    result = pytester.runpytest_inprocess("-v", "--envcheck-defaults", "-m", "providers", *STRICT)
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["  PASS  gemini.key * GOOGLE_API_KEY is set (36 characters)*"])
    assert mock.calls_to("gemini")
    # both set: google-genai uses GOOGLE_API_KEY (the mock refuses the other one)
    mock.invalid_keys.add(gemini)
    monkeypatch.setenv("GEMINI_API_KEY", gemini)
    result = pytester.runpytest_inprocess("-v", "--envcheck-defaults", "-m", "providers", *STRICT)
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "  PASS  gemini.key * GOOGLE_API_KEY is set (36 characters); GEMINI_API_KEY is set "
            "too, and the official client uses GOOGLE_API_KEY*"
        ]
    )


def test_an_exported_key_is_checked_after_init_wrote_no_provider(
    pytester: pytest.Pytester, mock: MockLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    (pytester.path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
    )
    done = envcheck(pytester.path, "init", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    written = (pytester.path / "pyproject.toml").read_text()
    assert "[tool.envcheck" in written and "providers" not in written
    monkeypatch.setenv("OPENAI_API_KEY", KEY_A)
    monkeypatch.setenv("OPENAI_BASE_URL", mock.base_url("openai"))
    result = pytester.runpytest_inprocess("-v", "-m", "providers", "--envcheck-report")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*collected * deselected / 4 selected"])  # the 4 of openai
    settings = _report(pytester)["openai.key"]["facts"]["settings_from"]  # type: ignore[index]
    assert settings == (
        "the environment (no [tool.envcheck.providers] in pyproject.toml): OPENAI_API_KEY, "
        "OPENAI_BASE_URL"
    )
    assert mock.calls_to("openai")


# -- OLLAMA_HOST as the ollama client reads it ---------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:9/ollama", "example.com", ":8080", "[::1]", "http://h", "https://h", "0.0.0.0"]
    + ["host:1234", "http://[::1]:5/x/", ""],
)
def test_ollama_host_means_what_it_means_to_the_ollama_client(host: str) -> None:
    client = pytest.importorskip("ollama._client")
    from envcheck.checks.ollama.address import client_url

    assert client_url(host) == client._parse_host(host)


def test_ollama_host_in_host_port_form(
    pytester: pytest.Pytester, mock: MockLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``OLLAMA_HOST=127.0.0.1:PORT/ollama``, no scheme, as ``ollama serve`` users write it."""
    monkeypatch.setenv("OLLAMA_HOST", mock.base_url("ollama").removeprefix("http://"))
    result = pytester.runpytest_inprocess("-v", "--envcheck-defaults", "-m", "ollama", *STRICT)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([f"  PASS  server * Ollama * at {mock.base_url('ollama')}*"])
    assert mock.calls_to("ollama")


def test_azure_openai_is_checked_from_its_clients_variables(
    pytester: pytest.Pytester, mock: MockLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "0123456789abcdef0123456789abcdef")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", mock.base_url("openai"))
    settings = _zero_config_settings(pytester, mock, "openai", "azure")
    assert settings == (
        "the environment (no [tool.envcheck]): AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT"
    )


@pytest.mark.parametrize(
    ("endpoint", "base_url"),
    [
        ("https://team.openai.azure.com/", "https://team.openai.azure.com/openai/v1"),
        ("https://team.openai.azure.com/openai", "https://team.openai.azure.com/openai/v1"),
        ("https://team.openai.azure.com/openai/v1", "https://team.openai.azure.com/openai/v1"),
        ("http://127.0.0.1:8080/openai", "http://127.0.0.1:8080/openai"),
    ],
)
def test_an_azure_endpoint_means_its_v1_api(endpoint: str, base_url: str) -> None:
    from envcheck.checks.providers.config import azure_v1

    assert azure_v1(endpoint.rstrip("/")) == base_url
