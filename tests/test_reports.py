"""Reports: the terminal section, Markdown and JSON files, GitHub's step summary; no secrets."""

from __future__ import annotations

import email.utils
import json

import pytest

from envcheck.mock import MockLLM

PLUGIN = """
import os
import envcheck

@envcheck.hookimpl
def envcheck_checks(config):
    def connect(ctx):
        ctx.fact("latency_ms", 3.2)
        ctx.fact("server_version", "3.7.0")
        return envcheck.ok("connected to broker")

    def topics(ctx):
        password = os.environ["KAFKA_PASSWORD"]
        raise envcheck.CheckFailed(
            f"topic 'orders' missing on kafka://app:{password}@broker:9092",
            why=f"auth as app (password {password}) worked, but the topic was never created",
            hint="kafka-topics.sh --create --topic orders",
        )

    def lag(ctx):
        return envcheck.warn("consumer lag 1200 messages", hint="scale the consumers")

    yield envcheck.Check(name="connect", component="kafka", run=connect)
    yield envcheck.Check(name="topics", component="kafka", run=topics, depends_on=["connect"])
    yield envcheck.Check(name="lag", component="kafka", run=lag, depends_on=["connect"])
    yield envcheck.Check(name="schema", component="kafka", run=lambda ctx: None,
                         depends_on=["topics"])
"""
PASSWORD = "Pa55-w0rd-never-shown"


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest(PLUGIN)
    monkeypatch.setenv("KAFKA_PASSWORD", PASSWORD)
    return pytester


def test_terminal_section_groups_by_component(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("-m", "kafka")
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*= envcheck: environment checks =*",
            "kafka (1 fail, 1 warn, 1 pass, 1 skip)",
            "  PASS  connect  connected to broker  [[]* ms]",
            "        latency_ms=3.2, server_version=3.7.0",
            "  FAIL  topics   topic 'orders' missing on kafka://app:***@broker:9092  [[]* ms]",
            "        why: auth as app (password ***) worked, but the topic was never created",
            "        fix: kafka-topics.sh --create --topic orders",
            "  WARN  lag      consumer lag 1200 messages  [[]* ms]",
            "        fix: scale the consumers",
            "  SKIP  schema   blocked by kafka/topics: topic 'orders' missing*",
        ]
    )
    assert PASSWORD not in result.stdout.str() + result.stderr.str()


def test_report_files(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--envcheck-report=out/env", "--junitxml=junit.xml")
    result.stdout.fnmatch_lines(["envcheck report written to *out/env.md", "*out/env.json"])
    document = json.loads((project.path / "out" / "env.json").read_text())
    assert document["schema"] == "envcheck-report"
    assert document["schema_version"] == 1
    assert document["python"]["version"].startswith("3.")
    assert {"hostname", "system", "machine"} <= set(document["machine"])
    assert document["summary"] == {"fail": 1, "warn": 1, "pass": 1, "skip": 1, "total": 4}
    checks = {check["name"]: check for check in document["checks"]}
    assert checks["connect"]["facts"] == {"latency_ms": 3.2, "server_version": "3.7.0"}
    assert checks["connect"]["evidence"] == "live"
    assert checks["schema"]["evidence"] is None
    assert checks["topics"]["status"] == "fail"
    assert checks["topics"]["hint"] == "kafka-topics.sh --create --topic orders"
    assert checks["schema"]["blocked_by"] == "kafka/topics"
    assert checks["lag"]["depends_on"] == ["kafka/connect"]
    assert all(check["duration"] >= 0 for check in checks.values())

    markdown = (project.path / "out" / "env.md").read_text()
    assert "## kafka" in markdown
    assert (
        "| ❌ FAIL | `topics` | topic 'orders' missing on kafka://app:***@broker:9092 |" in markdown
    )
    assert "## How to fix" in markdown
    assert "fix: `kafka-topics.sh --create --topic orders`" in markdown
    assert "```mermaid" in markdown and "classDef fail" in markdown
    assert '["topics"]:::fail' in markdown
    assert " --> " in markdown

    everything = markdown + json.dumps(document) + (project.path / "junit.xml").read_text()
    assert PASSWORD not in everything + result.stdout.str()


def test_github_step_summary_is_appended(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = project.path / "summary.md"
    summary.write_text("# earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    project.runpytest_subprocess("-m", "kafka")
    text = summary.read_text()
    assert text.startswith("# earlier step\n")
    assert "# envcheck report" in text and "## kafka" in text
    assert PASSWORD not in text


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("false", False)])
def test_json_ci_field_follows_the_ci_variable(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("CI", value)
    project.runpytest_subprocess("-m", "kafka", "--envcheck-report")
    assert json.loads((project.path / "envcheck-report.json").read_text())["ci"] is expected


def test_markdown_evidence_shows_the_recording_date_of_a_replay(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Record against the mock with a key, then replay in CI without one: the headroom check has
    more facts than the Facts column shows, and the Evidence column still gives the date."""
    with MockLLM() as mock:
        pytester.makefile(
            ".toml",
            pyproject=f'[tool.envcheck.providers.openai]\nbase_url = "{mock.base_url("openai")}"'
            "\nsmoke = true\n",
        )
        monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-ReportDateCanary0000000000")
        pytester.runpytest_subprocess("-m", "providers").assert_outcomes(passed=5)
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest_subprocess("-m", "providers", "--envcheck-report")
    result.assert_outcomes(passed=5)
    checks = {
        c["name"]: c
        for c in json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    }
    headroom = checks["openai.headroom"]
    assert headroom["evidence"] == "replayed" and len(headroom["facts"]) > 6
    day = email.utils.parsedate_to_datetime(headroom["facts"]["recorded_at"]).date().isoformat()
    row = next(
        line
        for line in (pytester.path / "envcheck-report.md").read_text().splitlines()
        if "`openai.headroom`" in line
    )
    assert row.endswith(f"| replayed (recorded {day}) |")
    assert "(+1 more)" in row
