"""The engine as users meet it: checks become items that pass, fail, skip and report."""

from __future__ import annotations

import json
import threading
import types

import pytest

PLUGIN = """
import time
import envcheck

@envcheck.hookimpl
def envcheck_checks(config):
    def good(ctx):
        ctx.fact("answer", 42)
        return envcheck.ok("all fine")

    def broken(ctx):
        raise envcheck.CheckFailed("broker down", why="nothing listens", hint="docker start kafka")

    def crashes(ctx):
        raise KeyError("partition")

    def hangs(ctx):
        time.sleep(60)

    yield envcheck.Check(name="good", component="kafka", run=good)
    yield envcheck.Check(name="broken", component="kafka", run=broken)
    yield envcheck.Check(name="after-broken", component="kafka", run=good, depends_on=["broken"])
    yield envcheck.Check(name="crashes", component="kafka", run=crashes)
    yield envcheck.Check(name="hangs", component="kafka", run=hangs, timeout=0.5)
"""


def test_outcomes_are_reported_with_what_why_and_fix(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PLUGIN)
    result = pytester.runpytest_subprocess("-m", "kafka", "-rA")
    result.assert_outcomes(passed=1, failed=3, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*kafka/broken: broker down",
            "*why: nothing listens",
            "*fix: docker start kafka",
            "*kafka/crashes: KeyError: 'partition'",
            "*kafka/hangs: did not finish within its 0.5 s timeout",
            "*SKIPPED*blocked by kafka/broken: broker down*",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


TRACED = """
import os, time
import envcheck

LOG = os.path.join(os.path.dirname(__file__), "runs.log")

def traced(name, seconds=0.0, fail=False):
    def run(ctx):
        start = time.time()
        time.sleep(seconds)
        with open(LOG, "a") as log:
            log.write(f"{name} {os.getpid()} {start} {time.time()}\\n")
        if fail:
            raise envcheck.CheckFailed(f"{name} is broken", hint=f"repair {name}")
    return run

@envcheck.hookimpl
def envcheck_checks(config):
    for n in range(6):
        yield envcheck.Check(name=f"slow-{n}", component="kafka", run=traced(f"slow-{n}", 0.6))
    yield envcheck.Check(name="broken", component="kafka", run=traced("broken", fail=True))
    yield envcheck.Check(name="fine", component="zookeeper", run=traced("fine"))
"""


def _runs(pytester: pytest.Pytester) -> list[list[str]]:
    log = pytester.path / "runs.log"
    return [line.split() for line in log.read_text().splitlines()] if log.exists() else []


def test_checks_run_concurrently(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(TRACED)
    result = pytester.runpytest_inprocess("-m", "kafka")
    result.assert_outcomes(passed=6, failed=1)
    slow = [(float(start), float(end)) for name, _, start, end in _runs(pytester) if "slow" in name]
    assert len(slow) == 6
    # every slow check was running at the same moment: the latest start precedes the first end
    assert max(start for start, _ in slow) < min(end for _, end in slow)


def test_marker_keyword_and_exitfirst_behave_as_in_pytest(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(TRACED)
    pytester.makepyfile(test_app="def test_app():\n    pass\n")
    result = pytester.runpytest_inprocess("-m", "zookeeper")
    result.assert_outcomes(passed=1, deselected=8)
    result = pytester.runpytest_inprocess("-k", "slow-3 or broken")
    result.assert_outcomes(passed=1, failed=1, deselected=7)
    result = pytester.runpytest_inprocess("-m", "envcheck", "-x")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*stopping after 1 failures*"])
    result = pytester.runpytest_inprocess("-m", "not envcheck")
    result.assert_outcomes(passed=1, deselected=8)


def test_last_failed_reruns_only_the_failing_check(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(TRACED)
    pytester.runpytest_inprocess("-m", "envcheck").assert_outcomes(passed=7, failed=1)
    result = pytester.runpytest_inprocess("--lf", "-v")
    result.assert_outcomes(failed=1, deselected=7)
    result.stdout.fnmatch_lines(["envcheck::kafka::broken FAILED*"])


def test_junitxml_carries_the_diagnosis(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(TRACED)
    pytester.runpytest_inprocess("-m", "kafka", "--junitxml=junit.xml")
    xml = (pytester.path / "junit.xml").read_text()
    assert 'classname="envcheck.kafka" name="broken"' in xml
    assert "kafka/broken: broken is broken" in xml
    assert "fix: repair broken" in xml


def test_disabling_the_plugin_removes_every_check(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(TRACED)
    pytester.makepyfile(test_app="def test_app():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:envcheck")
    result.assert_outcomes(passed=1)
    assert _runs(pytester) == []


def test_explicit_test_paths_do_not_run_checks_unless_asked(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(TRACED)
    pytester.makepyfile(test_app="def test_app():\n    pass\n")
    pytester.runpytest_inprocess("test_app.py").assert_outcomes(passed=1)
    assert _runs(pytester) == []
    result = pytester.runpytest_inprocess(
        "test_app.py", "--envcheck", "-m", "zookeeper or not envcheck"
    )
    result.assert_outcomes(passed=2, deselected=7)


def test_under_xdist_every_check_runs_once_and_reports_once(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(TRACED)
    # -v: every check listed (without it, a passing component stays on its overview line)
    result = pytester.runpytest_subprocess("-n", "4", "-v", "-m", "envcheck", "--envcheck-report")
    result.assert_outcomes(passed=7, failed=1)
    names = sorted(name for name, *_ in _runs(pytester))
    assert names == sorted([f"slow-{n}" for n in range(6)] + ["broken", "fine"])
    section = result.stdout.str().split("envcheck: environment checks")[1]
    for name in names:
        assert section.count(f"  {name}  ") == 1, name
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    assert sorted(check["name"] for check in report["checks"]) == names


def test_async_checks_are_awaited_and_cancelled_at_their_timeout(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import asyncio
        import envcheck

        @envcheck.hookimpl
        def envcheck_checks(config):
            async def answers(ctx):
                await asyncio.sleep(0.01)
                return envcheck.ok("answered", latency_ms=10)

            async def silent(ctx):
                await asyncio.sleep(60)

            def own_timeout(ctx):
                raise TimeoutError("read timed out after 0.1 s")

            yield envcheck.Check(name="answers", component="mcp2", run=answers)
            yield envcheck.Check(name="silent", component="mcp2", run=silent, timeout=0.5)
            yield envcheck.Check(name="own-timeout", component="mcp2", run=own_timeout)
        """)
    result = pytester.runpytest_subprocess("-m", "mcp2", "-v")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines_random(
        [
            "*PASS  answers * answered*",
            "*mcp2/silent: did not finish within its 0.5 s timeout",
            "*mcp2/own-timeout: TimeoutError: read timed out after 0.1 s",
        ]
    )


def test_a_missing_client_library_names_the_extra_to_install(
    pytester: pytest.Pytester, postgres_url: str
) -> None:
    # None in sys.modules makes `import redis` fail as if the package were not installed
    # (the redis checks speak RESP themselves now; the postgres ones still need psycopg)
    pytester.makeconftest("import sys\nsys.modules['psycopg'] = None\n")
    pytester.makefile(
        ".toml",
        pyproject=f'[tool.envcheck.postgres]\ndsn = "{postgres_url}"\n',
    )
    result = pytester.runpytest_subprocess("-m", "postgres")
    from envcheck.core.extras import install_command

    fix = install_command("postgres")
    assert "'envcheck[" not in fix  # never the unrelated project of that name on the index
    result.stdout.fnmatch_lines(
        [
            "*postgres/*: the postgres checks need the Python package psycopg, which is not "
            "installed",
            "*why: it comes with envcheck's 'postgres' extra",
            "*fix: " + fix.replace("[", "[[]"),
        ]
    )
    assert result.ret == 1


def test_a_missing_client_library_of_a_component_nobody_asked_for_is_a_skip(
    pytester: pytest.Pytester,
) -> None:
    """Zero-config: Ollama at the client's default address, which nobody chose, and its client
    library missing: not checked, with the extra that would check it; the run stays green."""
    pytester.makeconftest("import sys\nsys.modules['vcr'] = None\nsys.modules['ollama'] = None\n")
    result = pytester.runpytest_subprocess(
        "--envcheck-only", "--envcheck-defaults", "-m", "ollama", "-rs"
    )
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        ["*SKIPPED*the ollama checks need the Python package *ollama not checked*"]
    )


def test_the_configured_timeout_applies_to_checks_that_set_none(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import time
        import envcheck

        @envcheck.hookimpl
        def envcheck_checks(config):
            yield envcheck.Check(name="slow", component="kafka", run=lambda ctx: time.sleep(5))
            yield envcheck.Check(
                name="patient", component="kafka", run=lambda ctx: time.sleep(1.5), timeout=4.0
            )
        """)
    pytester.makefile(".toml", pyproject="[tool.envcheck]\ntimeout = 0.5\n")
    result = pytester.runpytest_subprocess("-m", "kafka")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*kafka/slow: did not finish within its 0.5 s timeout"])


def test_a_tracer_set_for_new_threads_runs_in_the_checks_threads(pytester: pytest.Pytester) -> None:
    """Coverage and debuggers install their tracer with ``threading.settrace``: each check's
    thread gets it as a ``threading.Thread`` would, so a plugin's check code is measured (and a
    breakpoint in it stops)."""
    pytester.makeconftest(PLUGIN)
    seen: set[str] = set()

    def tracer(frame: types.FrameType, event: str, arg: object) -> None:
        seen.add(frame.f_code.co_name)

    previous = threading.gettrace()  # coverage's own, when the suite runs under it
    threading.settrace(tracer)
    try:
        result = pytester.runpytest_inprocess("-m", "kafka", "-k", "good or broken")
    finally:
        threading.settrace(previous)
    result.assert_outcomes(passed=1, failed=1, skipped=1, deselected=2)  # after-broken: blocked
    assert {"good", "broken"} <= seen, sorted(seen)
