"""Reports: the terminal section, Markdown and JSON files, GitHub's step summary; no secrets."""

from __future__ import annotations

import email.utils
import json
import os
import re
import subprocess
import sys
from xml.etree import ElementTree

import pytest
from markdown_it import MarkdownIt

from envcheck.core.format import facts_line, listed
from envcheck.engine import results as _results
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

ZOO = """
import time
import envcheck

@envcheck.hookimpl
def envcheck_checks(config):
    def slow(ctx):
        time.sleep(0.3)
        ctx.fact("nodes", 3)
        return envcheck.ok("3 nodes answer")

    yield envcheck.Check(name="ensemble", component="zookeeper", run=slow)
    yield envcheck.Check(name="ping", component="zookeeper", run=lambda ctx: None)
"""

API = """
import envcheck

@envcheck.hookimpl
def envcheck_checks(config):
    def gateway(ctx):
        raise envcheck.CheckFailed(
            "answered 502: <html><body><h1>Bad Gateway</h1>"
            "<img src=x onerror=alert(1)></body></html>",
            why="the proxy answered instead of the API: "
            "<b>upstream</b> is *down* | [see](http://x)",
            hint="restart it with `docker compose restart api` and retry",
        )

    yield envcheck.Check(name="gateway", component="api", run=gateway)
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest(PLUGIN)
    monkeypatch.setenv("KAFKA_PASSWORD", PASSWORD)
    return pytester


def test_terminal_section_opens_with_components_and_fixes(project: pytest.Pytester) -> None:
    """One line per component, then the fixes (failures first), and nothing more without -v:
    each failure is said once; -v lists every check of every component."""
    project.makepyfile(zoo_plugin=ZOO)
    result = project.runpytest_subprocess("-p", "zoo_plugin", "-m", "kafka or zookeeper")
    result.assert_outcomes(passed=4, failed=1, skipped=1)
    lines = result.stdout.lines
    start = lines.index(next(line for line in lines if "envcheck: environment checks" in line))
    section = lines[start + 1 :]
    assert section[:9] == [
        section[0],
        section[1],
        "How to fix (failures first, then warnings):",
        "  FAIL  kafka/topics: topic 'orders' missing on kafka://app:***@broker:9092",
        "        why: auth as app (password ***) worked, but the topic was never created",
        "        fix: kafka-topics.sh --create --topic orders",
        "  WARN  kafka/lag: consumer lag 1200 messages",
        "        fix: scale the consumers",
        "(every check's result: -v, or the report with --envcheck-report)",
    ]
    assert re.fullmatch(
        r"FAIL  kafka      1 fail, 1 warn, 1 pass, 1 skip; slowest \S+ \d+ ms", section[0]
    )
    assert re.fullmatch(r"PASS  zookeeper  2 pass; slowest ensemble \d+ ms", section[1])
    assert int(section[1].split()[-2]) >= 300  # the check's own time
    out = result.stdout.str()
    assert out.count("topic 'orders' missing") == 1  # said once: not in FAILURES, not repeated
    assert "kafka (1 fail" not in out and "zookeeper (2 pass)" not in out
    assert PASSWORD not in result.stdout.str() + result.stderr.str()

    verbose = project.runpytest_subprocess("-p", "zoo_plugin", "-m", "kafka or zookeeper", "-v")
    verbose.stdout.fnmatch_lines(
        [
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
    verbose.stdout.fnmatch_lines(
        ["zookeeper (2 pass)", "  PASS  ensemble  3 nodes answer  [[]* ms]"]
    )


def test_short_summary_points_at_the_check(project: pytest.Pytester) -> None:
    """``-rA`` names the module that defines the check, not envcheck's item class."""
    result = project.runpytest_subprocess("-m", "kafka", "-rA")
    result.stdout.fnmatch_lines_random(
        [
            "PASSED envcheck::kafka::connect",
            "SKIPPED [[]1] conftest.py:*: blocked by kafka/topics*",
            "FAILED envcheck::kafka::topics - see 'How to fix' in the envcheck section below",
        ]
    )
    assert "_items.py" not in result.stdout.str()
    skipped = next(x for x in result.stdout.lines if x.startswith("SKIPPED [1] conftest.py:"))
    source = (project.path / "conftest.py").read_text().splitlines()
    defined = 1 + next(n for n, text in enumerate(source) if 'name="schema"' in text)
    assert skipped.split(":")[1] == str(defined)  # the line of the check's run (a lambda)


def test_junit_has_the_checks_time_why_fix_and_facts(project: pytest.Pytester) -> None:
    project.makepyfile(zoo_plugin=ZOO)
    project.runpytest_subprocess("-p", "zoo_plugin", "-m", "kafka or zookeeper", "--junitxml=j.xml")
    cases = {
        case.get("name"): case
        for case in ElementTree.parse(project.path / "j.xml").iter("testcase")
    }
    assert float(cases["ensemble"].get("time") or 0) >= 0.3  # ran in a background thread
    properties = {p.get("name"): p.get("value") for p in cases["connect"].iter("property")}
    assert properties == {
        "fact.latency_ms": "3.2",
        "fact.server_version": "3.7.0",
        "status": "pass",
    }
    failure = cases["topics"].find("failure")
    assert failure is not None
    message = failure.get("message") or ""
    assert "why: auth as app (password ***) worked" in message
    assert "fix: kafka-topics.sh --create --topic orders" in message
    assert PASSWORD not in (project.path / "j.xml").read_text()


#: a check that runs until the test has seen what the terminal shows meanwhile
UNTIL_RELEASED = """
import pathlib, time
import envcheck

@envcheck.hookimpl
def envcheck_checks(config):
    def start(ctx):
        release = pathlib.Path(__file__).with_name("release")
        while not release.exists():
            time.sleep(0.02)
    yield envcheck.Check(name="start", component="slow", run=start, timeout=60)
"""


def test_waiting_for_slow_checks_is_shown(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(UNTIL_RELEASED)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "slow"],
        cwd=pytester.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},  # each line as it is written
    )
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:  # the check runs until the notice is shown
            seen.append(line.rstrip("\n"))
            if line.startswith("waiting for: "):
                break
        (pytester.path / "release").touch()
        out = proc.communicate(timeout=60)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    result = pytest.RunResult(proc.returncode, seen + out.splitlines(), [], 0)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["waiting for: slow/start (2.* s)"])
    # -q: a check slower than the notice's 2 s shows none
    pytester.makeconftest("""
import time
import envcheck

@envcheck.hookimpl
def envcheck_checks(config):
    yield envcheck.Check(name="start", component="slow", run=lambda ctx: time.sleep(2.6))
""")
    quiet = pytester.runpytest_subprocess("-m", "slow", "-q")
    quiet.assert_outcomes(passed=1)
    assert "waiting for" not in quiet.stdout.str()


def test_fast_runs_stay_quiet(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("-m", "kafka")
    assert "waiting for" not in result.stdout.str()


def test_report_files(project: pytest.Pytester) -> None:
    project.makepyfile(zoo_plugin=ZOO, api_plugin=API)
    result = project.runpytest_subprocess(
        "-p", "zoo_plugin", "-p", "api_plugin", "--envcheck-report=out/env", "--junitxml=junit.xml"
    )
    result.stdout.fnmatch_lines(["envcheck report written to *out/env.md", "*out/env.json"])
    document = json.loads((project.path / "out" / "env.json").read_text())
    assert document["schema"] == "envcheck-report"
    assert document["schema_version"] == 1
    assert document["python"]["version"].startswith("3.")
    assert {"hostname", "system", "machine"} <= set(document["machine"])
    assert document["summary"] == {"fail": 2, "warn": 1, "pass": 3, "skip": 1, "total": 7}
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
    lines = markdown.splitlines()
    # one line per component first (worst first within the run's order: by name), then fixes
    overview = [line for line in lines if line.startswith("- ") and "**" in line][:3]
    assert overview[0].startswith("- ❌ **api** FAIL: 1 failed; slowest `gateway` (")
    assert overview[1].startswith("- ❌ **kafka** FAIL: 1 failed, 1 warned, 1 passed, 1 skipped")
    assert overview[2].startswith("- ✅ **zookeeper** PASS: 2 passed; slowest `ensemble` (")
    assert lines.index("## How to fix") < lines.index("## api") < lines.index("## kafka")
    assert lines.index("## kafka") < lines.index("## Graph") and "## zookeeper" not in lines
    fixes = lines[lines.index("## How to fix") + 2 :]
    assert [line.split("**")[1] for line in fixes if line.startswith("- ")][:3] == [
        "api/gateway",
        "kafka/topics",
        "kafka/lag",
    ]  # failures first, then warnings
    assert "  - fix: `kafka-topics.sh --create --topic orders`" in fixes
    assert "  - fix: restart it with `docker compose restart api` and retry" in fixes
    assert (
        "| ❌ FAIL | `topics` | topic 'orders' missing on kafka://app:\\*\\*\\*@broker:9092 |"
        in markdown
    )
    assert "<details><summary>✅ zookeeper: 2 passed</summary>" in lines
    assert markdown.rstrip().endswith("```") and '["topics"]:::fail' in markdown
    assert " --> " in markdown

    everything = markdown + json.dumps(document) + (project.path / "junit.xml").read_text()
    assert PASSWORD not in everything + result.stdout.str()


def test_markdown_renders_as_commonmark_with_tables(project: pytest.Pytester) -> None:
    """Parsed the way GitHub reads it: the tables, the collapsed section and the mermaid block
    survive; the server's HTML and Markdown are text; hints' backtick spans are code."""
    project.makepyfile(zoo_plugin=ZOO, api_plugin=API)
    project.runpytest_subprocess("-p", "zoo_plugin", "-p", "api_plugin", "--envcheck-report")
    markdown = (project.path / "envcheck-report.md").read_text()
    parser = MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(markdown)
    blocks = [t for t in tokens if t.level == 0 and not t.type.endswith("_close")]
    kinds = [t.type for t in blocks]
    assert kinds[:4] == ["heading_open", "paragraph_open", "paragraph_open", "bullet_list_open"]
    headings = [tokens[n + 1].content for n, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["envcheck report", "How to fix", "api", "kafka", "Graph"]
    assert kinds.count("table_open") == 3  # api, kafka and the collapsed zookeeper
    html_blocks = [t.content.strip() for t in tokens if t.type == "html_block"]
    assert html_blocks == ["<details><summary>✅ zookeeper: 2 passed</summary>", "</details>"]
    assert not [
        t
        for t in tokens
        if t.type == "inline" and any(c.type == "html_inline" for c in t.children or [])
    ]
    assert blocks[-1].type == "fence" and blocks[-1].info == "mermaid"
    assert "flowchart LR" in blocks[-1].content
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) == 3 + 7  # a header per table and one row per check
    codes = [
        c.content
        for t in tokens
        if t.type == "inline"
        for c in t.children or []
        if c.type == "code_inline"
    ]
    assert "docker compose restart api" in codes
    assert "kafka-topics.sh --create --topic orders" in codes
    rendered = parser.render(markdown)
    assert "<h1>Bad Gateway" not in rendered and "<img" not in rendered
    assert "&lt;h1&gt;Bad Gateway&lt;/h1&gt;" in rendered
    assert "<b>upstream" not in rendered and "<em>down</em>" not in rendered
    assert "is *down* | [see](http://x)" in rendered
    assert rendered.count("<td>❌ FAIL</td>") == 2


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
    """Record against the mock with a key (--envcheck-record), then replay in CI without one: the
    headroom check has more facts than the Facts column shows, and the Evidence column still gives
    the date."""
    with MockLLM() as mock:
        pytester.makefile(
            ".toml",
            pyproject=f'[tool.envcheck.providers.openai]\nbase_url = "{mock.base_url("openai")}"'
            "\nsmoke = true\n",
        )
        monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-ReportDateCanary0000000000")
        record = ("-m", "providers", "--envcheck-record=new")  # a run with a key records nothing
        pytester.runpytest_subprocess(*record).assert_outcomes(passed=5)
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
    assert "… and 1 more |" in row  # the Facts column says it is shortened


def test_shortened_lists_say_so() -> None:
    """A list cut for the report ends with how many were left out, never silently."""
    assert listed([f"tool{n}" for n in range(13)], 12).endswith("tool11, … and 1 more")
    assert listed(["a", "b"], 12) == "a, b"
    line = facts_line({f"k{n}": n for n in range(8)})
    assert line.endswith("k5=5, … and 2 more")
    long = _results.plain(list(range(_results.MAX_ITEMS + 5)))
    assert isinstance(long, list) and long[-1] == "… and 5 more"
    table = _results.plain({str(n): n for n in range(_results.MAX_ITEMS + 2)})
    assert isinstance(table, dict) and table["…"] == "and 2 more"
