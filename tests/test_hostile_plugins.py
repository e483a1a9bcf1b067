"""A plugin cannot break the run (issue 8, section 3): invalid checks and hooks are usage errors
naming the plugin and the line; results that do not serialize, text that is not UTF-8 and very long
names are made plain in every report, also under pytest-xdist.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.hardening import USAGE, no_traceback, strict_json

INVALID_CHECKS = {
    "empty name": ('name="", component="kafka"', "name must be a non-empty string (got '')"),
    "no name": ('name=None, component="kafka"', "name must be a non-empty string (got None)"),
    "no component": ('name="a", component=None', "component must be a non-empty string*"),
    "skip": ('name="a", component="skip"', "*component 'skip' is one of pytest's own markers*"),
    "xfail": ('name="a", component="xfail"', "*component 'xfail' is one of pytest's own*"),
    "usefixtures": ('name="a", component="usefixtures"', "*'usefixtures' is one of pytest's*"),
    "nan": ('name="a", component="kafka", timeout=float("nan")', "*timeout must be a positive*"),
    "zero": ('name="a", component="kafka", timeout=0', "*timeout must be a positive number*"),
    "bool": ('name="a", component="kafka", timeout=True', "*timeout must be a number*not bool"),
    "huge": ('name="a", component="kafka", timeout=1e10', "*timeout must be at most 3600 s*"),
}


@pytest.mark.parametrize("case", INVALID_CHECKS)
def test_invalid_checks_are_usage_errors_naming_the_line(
    pytester: pytest.Pytester, case: str
) -> None:
    arguments, message = INVALID_CHECKS[case]
    pytester.makeconftest(f"""
        import envcheck

        @envcheck.hookimpl
        def envcheck_checks(config):
            def failing(ctx):
                raise envcheck.CheckFailed("broken")
            yield envcheck.Check(run=failing, {arguments})
        """)
    result = pytester.runpytest_inprocess("-m", "envcheck")
    assert result.ret == USAGE
    result.stderr.fnmatch_lines(
        [f"*envcheck: the plugin */conftest.py made an invalid check at */conftest.py:7: {message}"]
    )
    no_traceback(result)


@pytest.mark.parametrize(
    "body, shown",
    [
        ("def envcheck_config_sections():\n    return ['kafka']", "['kafka'] from envcheck_config"),
        ("def envcheck_config_sections():\n    return {'kafka': 5}", "{'kafka': 5} from envcheck_"),
        ("def envcheck_checks(config):\n    raise SystemExit(3)", "failed in envcheck_checks: Sys"),
        ("def envcheck_checks(config):\n    return 5", "returned 5 from envcheck_checks"),
    ],
)
def test_hooks_returning_the_wrong_shape(pytester: pytest.Pytester, body: str, shown: str) -> None:
    pytester.makeconftest("import envcheck\n\n@envcheck.hookimpl\n" + body + "\n")
    result = pytester.runpytest_inprocess("-m", "envcheck")
    assert result.ret == USAGE
    result.stderr.fnmatch_lines(["*envcheck: the plugin */conftest.py *"])
    assert shown in result.stderr.str()
    no_traceback(result)


HOSTILE_RESULTS = """
import envcheck

class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no str for you")

@envcheck.hookimpl
def envcheck_checks(config):
    def unprintable(ctx):
        raise Unprintable()

    def number(ctx):
        raise envcheck.CheckFailed(12345)

    def odd_facts(ctx):
        ctx.fact("raw", b"\\xff\\x00bytes")
        ctx.fact("thing", object())
        return envcheck.ok("odd", tags={"b", "a"}, ratio=float("nan"), big=float("inf"))

    def odd_failure(ctx):
        raise envcheck.CheckFailed("odd", facts={"tags": {1, 2}, "why": float("nan")})

    def ok(ctx):
        return None

    yield envcheck.Check(name="unprintable", component="kafka", run=unprintable)
    yield envcheck.Check(name="number", component="kafka", run=number)
    yield envcheck.Check(name="odd-facts", component="kafka", run=odd_facts)
    yield envcheck.Check(name="odd-failure", component="kafka", run=odd_failure)
    yield envcheck.Check(name="after", component="kafka", run=ok, depends_on=["odd-facts"])
"""


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]])
def test_results_that_do_not_serialize_are_made_plain(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    pytester.makeconftest(HOSTILE_RESULTS)
    run = pytester.runpytest_subprocess if xdist else pytester.runpytest_inprocess
    result = run("-m", "kafka", "--envcheck-report", "-rA", *xdist)
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.no_fnmatch_line("*no result*")  # the runner thread did not die on the way
    result.stdout.fnmatch_lines_random(
        [
            "*kafka/unprintable: Unprintable: <Unprintable that cannot be shown>",
            "*kafka/number: 12345",
        ]
    )
    no_traceback(result)
    checks = {c["name"]: c for c in strict_json(pytester.path / "envcheck-report.json")["checks"]}
    facts = checks["odd-facts"]["facts"]
    assert facts["tags"] == ["a", "b"] and facts["ratio"] == "nan" and facts["big"] == "inf"
    assert facts["raw"] == "\\xff\\x00bytes" and facts["thing"].startswith("<object object")
    assert checks["odd-failure"]["facts"] == {"tags": [1, 2], "why": "nan"}
    assert checks["after"]["status"] == "pass"


SURROGATES = """
import os
import envcheck

@envcheck.hookimpl
def envcheck_checks(config):
    def where(ctx):
        seen = os.fsdecode(b"data-\\xff-dir")  # what a path with non-UTF-8 bytes decodes to
        return envcheck.ok(f"project in {ctx.rootdir}", rootdir=str(ctx.rootdir), data=seen)
    yield envcheck.Check(name="where", component="kafka", run=where)
    yield envcheck.Check(name="x" * 300, component="kafka", run=lambda ctx: None)
"""


@pytest.mark.parametrize("xdist", [False, True])
def test_text_that_is_not_utf8_and_very_long_names(pytester: pytest.Pytester, xdist: bool) -> None:
    """Lone surrogates (a project directory named with bytes that are not UTF-8) crashed the
    report, and under -n 2 gave INTERNALERROR with exit 0; a 300-character name broke the result
    files of pytest-xdist. pytest-xdist cannot start its workers in such a directory at all, so
    under -n 2 only the check's own text has them."""
    project = pytester.path / (os.fsdecode(b"app-\xff-dir") if not xdist else "app")
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.envcheck]\n")
    (project / "conftest.py").write_text(SURROGATES)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "kafka", "-rA"]
        + ["--envcheck-report", *(["-n", "2"] if xdist else [])],
        cwd=project,
        capture_output=True,
        timeout=120,
    )
    out = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
    assert done.returncode == 0, out
    assert "INTERNALERROR" not in out and "Traceback" not in out, out
    checks = {c["name"]: c for c in strict_json(project / "envcheck-report.json")["checks"]}
    facts = checks["where"]["facts"]
    assert facts["data"] == "data-\\udcff-dir"
    if not xdist:
        assert facts["rootdir"].endswith("app-\\udcff-dir")
    assert checks["x" * 300]["status"] == "pass"
