"""pytest-timeout and envcheck together: whichever limit is shorter, the verdict is envcheck's.

A silent PostgreSQL, Redis, provider and MCP server (listeners that accept and never answer, a
stdio server that never speaks), checked under ``-p timeout --timeout=1`` with both of
pytest-timeout's methods and under ``-n 2``: envcheck's verdict, exit code 1, no pytest-timeout
stack dump, and no process left behind.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from tests.servers import silent_listener

pytest.importorskip("pytest_timeout")

#: what pytest-timeout prints when its limit fires (both methods)
TIMEOUT_DUMP = ("+++++ Timeout +++++", "Failed: Timeout")


@contextmanager
def silent_stack() -> Iterator[tuple[str, str]]:
    """The ``[tool.envcheck]`` of four silent servers, and the marker of the stdio server's
    process (to look for it afterwards)."""
    marker = f"envcheck-silent-{uuid.uuid4().hex[:8]}"
    with ExitStack() as stack:
        pg, rd, http = (stack.enter_context(silent_listener()) for _ in range(3))
        toml = textwrap.dedent(f"""
            [tool.envcheck.postgres]
            dsn = "postgresql://app@127.0.0.1:{pg}/app"
            timeout = 5

            [tool.envcheck.redis]
            url = "redis://127.0.0.1:{rd}/0"
            timeout = 5

            [tool.envcheck.providers.openai]
            api_key = "sk-test-not-a-real-key-0000"
            base_url = "http://127.0.0.1:{http}/v1"
            timeout = 5

            [tool.envcheck.mcp]
            discover = false

            [tool.envcheck.mcp.servers.silent]
            command = "{sys.executable}"
            args = ["-c", "import sys, time; time.sleep(30)", "{marker}"]
            timeout = 5
            """)
        yield toml, marker


def processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if marker.encode() in handle.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def assert_nothing_left(marker: str) -> None:
    deadline = time.monotonic() + 5
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = processes_with(marker)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes outlived the run: {left}"


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(["--timeout-method=signal"], id="signal"),
        pytest.param(["--timeout-method=thread"], id="thread"),
        pytest.param(["-n", "2"], id="xdist"),
    ],
)
def test_a_silent_stack_under_a_one_second_limit_gets_envchecks_verdicts(
    pytester: pytest.Pytester, options: list[str]
) -> None:
    with silent_stack() as (toml, marker):
        pytester.makepyprojecttoml(toml)
        result = pytester.runpytest_subprocess(
            "-p", "timeout", "--timeout=1", "-m", "envcheck", "-rA", *options
        )
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 1, out
    for dump in TIMEOUT_DUMP:
        assert dump not in out
    # envcheck's verdict: the component's own ("did not answer") or, on a loaded machine where
    # the probe overran its lowered budget, the runner's ("did not finish within its ... timeout")
    for component in ("postgres", "redis"):
        assert re.search(
            rf"FAIL  {component}/reachable: .*(did not answer|did not finish within its [\d.]+ s)",
            out,
        ), out
    result.stdout.fnmatch_lines_random(
        ["*lowered to * s to fit pytest-timeout's 1 s limit (--timeout)*"]
    )
    assert "FAILED envcheck::providers::" in out
    assert "FAILED envcheck::mcp::" in out
    assert_nothing_left(marker)


def test_the_ini_limit_is_named_and_own_shorter_timeouts_are_kept(
    pytester: pytest.Pytester,
) -> None:
    with silent_listener() as port:
        pytester.makepyprojecttoml(textwrap.dedent(f"""
                [tool.pytest.ini_options]
                timeout = 2

                [tool.envcheck.redis]
                url = "redis://127.0.0.1:{port}/0"
                timeout = 0.5
                [tool.envcheck.redis.slow]
                url = "redis://127.0.0.1:{port}/1"
                timeout = 9
                """))
        result = pytester.runpytest_subprocess("-p", "timeout", "-m", "redis", "-rA")
    assert result.ret == 1
    out = result.stdout.str()
    assert "Timeout" not in out.replace("timeout", "")
    result.stdout.fnmatch_lines(
        [
            "*FAIL  redis/slow.reachable: *",
            "*why: *; envcheck's 9 s timeout of this check was lowered to * s to fit "
            "pytest-timeout's 2 s limit (timeout in the pytest configuration)",
        ]
    )
    # the default instance's own 0.5 s is shorter than the limit: nothing to say about it
    default = out[out.index("FAIL  redis/reachable:") : out.index("FAIL  redis/slow.reachable")]
    assert "lowered" not in default


def test_time_a_test_spent_before_the_fixture_comes_off_its_wait(
    pytester: pytest.Pytester,
) -> None:
    """pytest-timeout counts from the start of the test's setup: a fixture set up before
    envcheck's (here one that takes 1.5 s of a 6 s limit) leaves envcheck less time to wait, and
    the verdict is still envcheck's skip, not pytest-timeout's stack dump. (The limits leave
    room for building envcheck's engine, which the first fixture that needs it does: with
    coverage on a loaded 2-core CI machine that alone took over 3 s. Without the time already
    spent taken off, envcheck would wait 4.8 s from at least 1.5 s: past the limit.)"""
    with silent_listener() as port:
        pytester.makepyprojecttoml(
            f'[tool.envcheck.postgres]\ndsn = "postgresql://app@127.0.0.1:{port}/app"\n'
            "timeout = 10\n"
        )
        pytester.makepyfile(test_app=textwrap.dedent("""
                import time

                import pytest

                @pytest.fixture
                def slow_first():
                    time.sleep(1.5)

                @pytest.mark.timeout(6)
                def test_uses_the_database(slow_first, envcheck_postgres):
                    envcheck_postgres.execute("SELECT 1")
                """))
        result = pytester.runpytest_subprocess("-p", "timeout", "test_app.py", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*SKIPPED*environment not ready: postgres/*"])
    assert "Timeout" not in result.stdout.str().replace("timeout", "")


def test_a_tests_own_timeout_marker_bounds_the_client_fixture(pytester: pytest.Pytester) -> None:
    with silent_listener() as port:
        pytester.makepyprojecttoml(
            f'[tool.envcheck.postgres]\ndsn = "postgresql://app@127.0.0.1:{port}/app"\n'
            "timeout = 10\n"
        )
        pytester.makepyfile(test_app=textwrap.dedent("""
                import pytest

                @pytest.mark.timeout(4)
                def test_uses_the_database(envcheck_postgres):
                    envcheck_postgres.execute("SELECT 1")
                """))
        result = pytester.runpytest_subprocess("-p", "timeout", "test_app.py", "-rs")
    result.assert_outcomes(skipped=1)
    # the check's timeout lowered to fit (or, on a loaded machine, the wait cut at the limit):
    # either way envcheck's words, naming the limit
    result.stdout.fnmatch_lines(["*SKIPPED*environment not ready: postgres/*"])
    assert "pytest-timeout's 4 s limit (@pytest.mark.timeout)" in result.stdout.str()
    # (no wall-clock bound: the limit named above is the proof; a "took < 10" flaked on a
    # loaded runner's start-up)
    assert "Timeout" not in result.stdout.str().replace("timeout", "")


@pytest.mark.parametrize(
    "component, section",
    [
        pytest.param("postgres", 'dsn = "postgresql://app@127.0.0.1:{port}/app"', id="postgres"),
        pytest.param("redis", 'url = "redis://127.0.0.1:{port}/0"', id="redis"),
    ],
)
def test_a_hang_up_then_silence_is_diagnosed_within_the_checks_own_timeout(
    pytester: pytest.Pytester, component: str, section: str
) -> None:
    """After a hang-up the diagnosis asks the port what else it speaks (a TLS handshake, other
    protocols' hellos) on new connections; a port that holds each of them silent must still
    leave the check time to give its own verdict: each probe waits a share of the time left
    (kit/_net.py PROBE_SHARE), so the verdict is the check's, within its timeout, not the
    runner's "did not finish within its timeout" (before: 8.2 s of an 8 s timeout)."""
    from tests.servers import hangs_up_then_holds

    timeout = 3.0
    with hangs_up_then_holds() as port:
        pytester.makepyprojecttoml(
            f"[tool.envcheck.{component}]\n{section.format(port=port)}\n"
            f"timeout = {timeout}\nrequired = true\n"
        )
        pytester.runpytest_inprocess("-m", component, "--envcheck-report", "-p", "no:cacheprovider")
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    reachable = next(c for c in checks if c["id"] == f"{component}/reachable")
    assert reachable["status"] == "fail", reachable
    assert "did not finish within" not in reachable["summary"], reachable
    assert reachable["duration"] < timeout, reachable
