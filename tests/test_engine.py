"""The engine as users meet it: checks become items that pass, fail, skip and report."""

from __future__ import annotations


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
