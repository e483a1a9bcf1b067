"""Bad input, hostile plugins, unbounded runs and interruption (issue 8, sections 2 to 5).

Every test drives a real pytest session (or the console script) on a small generated project and
asserts what the user sees: one clear message and the exit code, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.servers import popen_with_signals

USAGE = pytest.ExitCode.USAGE_ERROR
ENVCHECK = [sys.executable, "-m", "envcheck.cli.main"]


def no_traceback(result: pytest.RunResult) -> None:
    text = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in text and "INTERNALERROR" not in text, text


def strict_json(path: Path) -> dict:  # type: ignore[type-arg]
    """Parse a report the way a strict JSON reader does (NaN and Infinity are not JSON)."""

    def reject(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    text = path.read_text(encoding="utf-8")
    data: dict = json.loads(text, parse_constant=reject)  # type: ignore[type-arg]
    return data


# -- 2. bad input is one clear message -----------------------------------------------------------


def test_tool_that_is_not_a_table_in_a_config_file(pytester: pytest.Pytester) -> None:
    path = pytester.path / "envcheck.toml"
    path.write_text('tool = "x"\n')
    result = pytester.runpytest_subprocess("--envcheck-config", str(path))
    assert result.ret == USAGE
    assert "envcheck.toml: 'tool' must be a table holding [tool.envcheck]" in result.stderr.str()
    no_traceback(result)


@pytest.mark.parametrize("value", ["inf", "nan", "1e10", "true", "-1"])
def test_timeouts_are_positive_finite_and_sane(pytester: pytest.Pytester, value: str) -> None:
    pytester.makefile(
        ".toml",
        pyproject=f"[tool.envcheck]\ntimeout = {value}\n[tool.envcheck.redis]\ntimeout = {value}\n",
    )
    result = pytester.runpytest_subprocess("-m", "envcheck")
    assert result.ret == USAGE
    result.stderr.fnmatch_lines(
        [
            "*invalid configuration in*",
            "*tool.envcheck.timeout: timeout must be *",
            "*tool.envcheck.redis.timeout: timeout must be *",
        ]
    )
    no_traceback(result)


def test_secret_bearing_values_are_not_echoed(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        pyproject="""
        [tool.envcheck.mcp.servers.web]
        url = "http://127.0.0.1:9/mcp"
        headers = "Authorization: Bearer Tok3nNeverShown"
        [tool.envcheck.postgres]
        dsn = 42
        """,
    )
    result = pytester.runpytest_subprocess("-m", "envcheck")
    assert result.ret == USAGE
    result.stderr.fnmatch_lines(
        ["*tool.envcheck.mcp.servers.web.headers: *(the value is not shown: *secret*"]
    )
    assert "Tok3nNeverShown" not in result.stdout.str() + result.stderr.str()
    no_traceback(result)


def test_report_target_that_cannot_be_written_fails_before_the_run(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest("""
        import pathlib
        import envcheck

        @envcheck.hookimpl
        def envcheck_checks(config):
            def run(ctx):
                pathlib.Path(__file__).with_name("ran").write_text("yes")
            yield envcheck.Check(name="probe", component="kafka", run=run)
        """)
    result = pytester.runpytest_subprocess("-m", "kafka", "--envcheck-report=/dev/null/sub/r")
    assert result.ret == USAGE
    result.stderr.fnmatch_lines(
        [
            "*--envcheck-report=/dev/null/sub/r: cannot write the report there: /dev/null is not a "
            "directory*"
        ]
    )
    assert not (pytester.path / "ran").exists()
    no_traceback(result)


def test_mock_serve_with_a_port_out_of_range() -> None:
    done = subprocess.run(
        [*ENVCHECK, "mock", "serve", "--port", "99999"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "argument --port: 99999 is not a port number: use 0-65535" in done.stderr
    assert "Traceback" not in done.stderr


def test_console_script_with_an_invalid_config_writes_no_report(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject="[tool.envcheck]\ntimeout = true\n")
    done = subprocess.run(ENVCHECK, cwd=pytester.path, capture_output=True, text=True, timeout=120)
    assert done.returncode == USAGE
    assert "tool.envcheck.timeout: timeout must be a number of seconds, not bool" in done.stderr
    assert not (pytester.path / "envcheck-report.json").exists()
    assert not (pytester.path / "envcheck-report.md").exists()


def test_nested_references_and_unvalidated_versions(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        pyproject="""
        [tool.envcheck.redis]
        url = "${REDIS_URL:-${FALLBACK}}"
        [tool.envcheck.ollama]
        min_version = "ten"
        [tool.envcheck.venv]
        python = "${PYTHON_RANGE}"
        """,
    )
    result = pytester.runpytest_subprocess("-m", "envcheck")
    assert result.ret == USAGE
    result.stderr.fnmatch_lines_random(
        [
            "*tool.envcheck.redis.url: nested environment reference '${REDIS_URL:-${FALLBACK}}': "
            "a default cannot hold another reference*",
            "*tool.envcheck.ollama.min_version: 'ten' is not a version like '0.5.0'*",
            "*tool.envcheck.venv.python: *references are resolved only in connection settings*",
        ]
    )
    assert "allowed only in strings" not in result.stderr.str()
    no_traceback(result)


def test_console_script_whose_reader_went_away(pytester: pytest.Pytester) -> None:
    """``envcheck mcp ... | head``: the pipe closes early; no BrokenPipeError traceback."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [*ENVCHECK, "mcp", "list"],
            cwd=pytester.path,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write)
    assert "BrokenPipeError" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 128 + signal.SIGPIPE


def test_config_elsewhere_does_not_move_the_project(
    pytester: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``--envcheck-config /abs/elsewhere.toml`` (space-separated) made pytest's rootdir the common
    ancestor, so the venv checks looked for pyproject.toml in / or /tmp."""
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "envcheck.toml"
    elsewhere.write_text("[tool.envcheck]\n")
    pytester.makefile(".toml", pyproject='[project]\nname = "app"\nversion = "0"\n')
    pytester.makeconftest("""
        import envcheck

        @envcheck.hookimpl
        def envcheck_checks(config):
            def where(ctx):
                return envcheck.ok(str(ctx.rootdir), rootdir=str(ctx.rootdir))
            yield envcheck.Check(name="where", component="kafka", run=where)
        """)
    result = pytester.runpytest_subprocess(
        "-m", "kafka", "--envcheck-config", str(elsewhere), "--envcheck-report"
    )
    result.assert_outcomes(passed=1)
    checks = strict_json(pytester.path / "envcheck-report.json")["checks"]
    assert checks[0]["facts"]["rootdir"] == str(pytester.path)


# -- 3. a plugin cannot break the run ------------------------------------------------------------

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
    result = pytester.runpytest_subprocess("-m", "envcheck")
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
    result = pytester.runpytest_subprocess("-m", "envcheck")
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
    result = pytester.runpytest_subprocess("-m", "kafka", "--envcheck-report", "-rA", *xdist)
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


# -- 4. every run is bounded ---------------------------------------------------------------------


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
    result = pytester.runpytest_subprocess("-m", "envcheck", "-q", "-p", "no:cacheprovider")
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


# -- 5. interruption leaves nothing behind -------------------------------------------------------

_PROBE_KEY = re.compile(rb"envcheck:probe:[0-9a-f]{32}")


class SlowProxy:
    """A TCP proxy to the real Redis that delays every answer, and notes the probe keys sent."""

    def __init__(self, target: tuple[str, int], delay: float) -> None:
        self.target = target
        self.delay = delay
        self.keys: set[bytes] = set()
        self.key_written = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = [self._listener]
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._spawn(self._accept)

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, server]
            self._spawn(self._pump, client, server, 0.0)
            self._spawn(self._pump, server, client, self.delay)

    def _pump(self, source: socket.socket, sink: socket.socket, delay: float) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                try:
                    sink.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            found = set(_PROBE_KEY.findall(data))
            time.sleep(delay)
            try:
                sink.sendall(data)
            except OSError:
                return
            if found:
                self.keys |= found
                self.key_written.set()

    def close(self) -> None:
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        for thread in threads:
            thread.join(5)


@contextmanager
def slow_redis(port: int, delay: float) -> Iterator[SlowProxy]:
    proxy = SlowProxy(("127.0.0.1", port), delay)
    try:
        yield proxy
    finally:
        proxy.close()


GATE = """
import pathlib, time
import envcheck

@envcheck.hookimpl
def envcheck_checks(config):
    def gate(ctx):
        flag = pathlib.Path(__file__).with_name("key-written")
        while not flag.exists():
            time.sleep(0.02)
        raise envcheck.CheckFailed("stop here")
    yield envcheck.Check(name="gate", component="aaa", run=gate, timeout=60)
"""


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "-x"])
def test_an_interrupted_run_leaves_no_probe_key(
    pytester: pytest.Pytester, how: str, redis_port: int
) -> None:
    with slow_redis(redis_port, 0.3) as proxy:
        pytester.makefile(
            ".toml",
            pyproject=f'[tool.envcheck.redis]\nurl = "redis://127.0.0.1:{proxy.port}/0"\n'
            "timeout = 8.0\n",
        )
        args = ["-m", "redis"]
        if how == "-x":
            pytester.makeconftest(GATE)
            args = ["-x", "-m", "redis or aaa"]
        proc = popen_with_signals(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
            cwd=pytester.path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert proxy.key_written.wait(60), "the round-trip never sent its SET"
            if how == "-x":
                (pytester.path / "key-written").write_text("")
            else:
                proc.send_signal(getattr(signal, how))
            out, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        if how == "SIGTERM":
            assert proc.returncode == -signal.SIGTERM, out
        elif how == "SIGINT":
            assert "KeyboardInterrupt" in out, out
        else:
            assert "aaa/gate: stop here" in out and "stopping after 1 failures" in out, out
        assert proxy.keys
    with redis.Redis("127.0.0.1", redis_port) as client:
        left = [key for key in proxy.keys if client.exists(key)]
    assert not left, f"the interrupted run left {left} on Redis"
