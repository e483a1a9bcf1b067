"""The first hour in a project: plain ``pytest`` untouched, a quiet green run, a failure said once,
and a marker that selects nothing says why."""

from __future__ import annotations

import re
import textwrap

import pytest

PLUGIN = textwrap.dedent("""
    import os, time
    import envcheck
    from envcheck import kit

    @envcheck.hookimpl
    def envcheck_checks(config):
        for component in ("alpha", "beta", "gamma"):
            made = kit.Component(component, timeout=10.0)
            for n in range(12):
                yield made.check(f"fine-{n}", lambda ctx: envcheck.ok("all good"))
        if os.environ.get("DEMO_BROKEN"):
            def broken(ctx):
                raise envcheck.CheckFailed("the widget is gone", why="nobody made it",
                                           fix="make-widget --now")
            yield kit.Component("alpha").check("widget", broken)
        if os.environ.get("DEMO_SLOW"):
            def slow(ctx):
                # past the 2 s notice by more than a loaded machine takes to reach this item
                time.sleep(6)
            yield kit.Component("gamma", timeout=10.0).check("slow", slow)
    """)
UNIT_TEST = "def test_unit():\n    assert 1 + 1 == 2\n"


def project(pytester: pytest.Pytester, table: str = "[tool.envcheck]\n") -> None:
    pytester.makeconftest(PLUGIN)
    pytester.makepyprojecttoml(table)
    pytester.makepyfile(test_unit=UNIT_TEST)


def test_plain_pytest_is_the_projects_test_run(pytester: pytest.Pytester) -> None:
    project(pytester)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    assert "envcheck" not in result.stdout.str().replace("plugins: ", "").split("collected")[1]


def test_with_tests_puts_the_checks_in_every_run(pytester: pytest.Pytester) -> None:
    project(pytester, "[tool.envcheck]\nwith_tests = true\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=37)


def test_a_green_run_is_one_line_per_component(pytester: pytest.Pytester) -> None:
    project(pytester)
    result = pytester.runpytest_subprocess("-m", "envcheck")
    result.assert_outcomes(passed=36)
    section = result.stdout.str().split("envcheck: environment checks")[1].splitlines()[1:-1]
    assert [line.split()[:2] for line in section] == [
        ["PASS", "alpha"],
        ["PASS", "beta"],
        ["PASS", "gamma"],
    ]
    assert len(result.outlines) <= 15, "\n".join(result.outlines)
    verbose = pytester.runpytest_subprocess("-m", "envcheck", "-v")
    verbose.stdout.fnmatch_lines(["*PASS  fine-11  all good*"])


def test_a_failure_is_said_once(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    project(pytester)
    monkeypatch.setenv("DEMO_BROKEN", "1")
    result = pytester.runpytest_subprocess("-m", "envcheck")
    assert result.ret == 1
    out = result.stdout.str()
    assert out.count("the widget is gone") == 1, out
    assert out.count("make-widget --now") == 1
    assert out.count("nobody made it") == 1
    result.stdout.fnmatch_lines(["*FAILED envcheck::alpha::widget*"])
    junit = pytester.runpytest_subprocess("-m", "envcheck", "--junitxml=j.xml")
    assert junit.ret == 1
    assert "make-widget --now" in (pytester.path / "j.xml").read_text()


def test_the_waiting_notice_keeps_the_progress_line_together(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(pytester)
    monkeypatch.setenv("DEMO_SLOW", "1")
    result = pytester.runpytest_subprocess("-m", "envcheck", "-p", "no:randomly")
    result.assert_outcomes(passed=37)
    lines = result.stdout.str().splitlines()
    assert any(line.startswith("waiting for: gamma/slow") for line in lines)
    # every line of progress dots starts with the file it belongs to
    assert not [line for line in lines if re.fullmatch(r"[.sF]+\s*(\[\s*\d+%\])?", line)]


def test_a_marker_that_selects_no_check_says_why(pytester: pytest.Pytester) -> None:
    project(pytester)
    result = pytester.runpytest_subprocess("-m", "providers")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.stdout.fnmatch_lines(
        [
            "envcheck: -m 'providers' selects no providers check: "
            "[[]tool.envcheck.providers] is not "
            "configured*"
        ]
    )
