"""Every run is bounded (issue 8, section 4): long dependency chains and deep diamonds, and an
async check that overruns its timeout, do not hold the process.
"""

from __future__ import annotations

import time

import pytest

from tests.hardening import no_traceback


def test_long_chains_and_deep_diamonds(pytester: pytest.Pytester) -> None:
    """A 1,500-check chain (a RecursionError at 500 before) and a 30-level diamond (20 s)."""
    pytester.makeconftest("""
        import envcheck

        @envcheck.hookimpl
        def envcheck_checks(config):
            ok = lambda ctx: None
            yield envcheck.Check(name="link-0", component="chain", run=ok)
            for n in range(1, 1500):
                yield envcheck.Check(name=f"link-{n}", component="chain", run=ok,
                                     depends_on=[f"link-{n - 1}"])
            yield envcheck.Check(name="top", component="diamond", run=ok)
            below = ["top"]
            for level in range(30):
                here = [f"l{level}-{side}" for side in "ab"]
                for name in here:
                    yield envcheck.Check(name=name, component="diamond", run=ok, depends_on=below)
                below = here
        """)
    started = time.monotonic()
    result = pytester.runpytest_inprocess("-m", "envcheck", "-q", "-p", "no:cacheprovider")
    elapsed = time.monotonic() - started
    result.assert_outcomes(passed=1500 + 61)
    no_traceback(result)
    assert elapsed < 60, elapsed


def test_an_async_check_that_overruns_does_not_hold_the_process(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest("""
        import asyncio, time
        import envcheck

        @envcheck.hookimpl
        def envcheck_checks(config):
            async def blocked(ctx):
                await asyncio.to_thread(time.sleep, 45)
            yield envcheck.Check(name="blocked", component="kafka", run=blocked, timeout=1)
        """)
    started = time.monotonic()
    result = pytester.runpytest_subprocess("-m", "kafka", "-p", "no:cacheprovider")
    elapsed = time.monotonic() - started
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*kafka/blocked: did not finish within its 1 s timeout"])
    assert elapsed < 20, f"the process lived {elapsed:.1f} s after a 1 s timeout"
