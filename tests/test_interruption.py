"""Interruption leaves nothing behind (issue 8, section 5): SIGINT, SIGTERM and -x during a
Redis round-trip leave no probe key on the server.
"""

from __future__ import annotations

import _thread
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.servers import popen_with_signals

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


# -- a program a check runs does not outlive an interrupted run (issue 26) ---------------------


def _alive_with(mark: str) -> list[int]:
    """The live processes (zombies aside) whose environment holds ``mark``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if mark.encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


def _gone(mark: str, within: float = 10.0) -> list[int]:
    """The processes still marked ``mark`` once they had ``within`` seconds to end."""
    deadline = time.monotonic() + within
    while (left := _alive_with(mark)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


#: a program and the one it starts, both marked by the environment they inherit
_TWO_SLEEPS = ["sh", "-c", "sleep 300 & sleep 300; wait"]


class _Unwound(BaseException):
    """What a SIGTERM handler raises to unwind the caller (as ``envcheck fix`` does)."""


@pytest.mark.parametrize("how", ["KeyboardInterrupt", "SIGTERM handler"])
def test_an_interrupted_wait_kills_the_program_and_what_it_started(how: str) -> None:
    """Before: ``exec.run`` let the exception through and the program (and its child) ran on."""
    from envcheck.core import exec as _exec

    mark = f"envcheck-orphan-{uuid.uuid4().hex}"
    env = {**os.environ, "ENVCHECK_TEST_MARK": mark}
    raised: type[BaseException] = KeyboardInterrupt
    if how == "KeyboardInterrupt":
        timer = threading.Timer(0.5, _thread.interrupt_main)
        # interrupt_main does nothing while SIGINT is ignored, as it is in a run started as a
        # background job of a script (what failed this test in such CI rehearsals)
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        restored = signal.SIGINT
    else:
        raised = _Unwound

        def unwind(signum: int, frame: object) -> None:
            raise _Unwound()

        previous = signal.signal(signal.SIGTERM, unwind)
        restored = signal.SIGTERM
        timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    try:
        timer.start()
        started = time.monotonic()
        with pytest.raises(raised):
            _exec.run(_TWO_SLEEPS, timeout=60, env=env)
        assert time.monotonic() - started < 10
    finally:
        timer.cancel()
        signal.signal(restored, previous)
    assert not _gone(mark), "the program or its child outlived the interrupted run"


SLEEPER = """
import os
import envcheck
from envcheck import kit

@envcheck.hookimpl
def envcheck_checks(config):
    def sleeper(ctx):
        kit.run_command(["sh", "-c", "touch started; sleep 300 & sleep 300; wait"],
                        timeout=280, what="the sleeper", fix="none")
    yield envcheck.Check(name="sleeper", component="zzz", run=sleeper, timeout=290)
"""


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_a_check_program_does_not_outlive_an_interrupted_session(
    pytester: pytest.Pytester, how: str
) -> None:
    """Before: the check's thread waited for ``sleep 300`` while pytest ended; the program (which
    SIGINT or SIGTERM to pytest alone never reaches) ran on, re-parented."""
    pytester.makeconftest(SLEEPER)
    pytester.makepyprojecttoml("[tool.envcheck]\n")
    mark = f"envcheck-orphan-{uuid.uuid4().hex}"
    proc = popen_with_signals(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "zzz"],
        cwd=pytester.path,
        env={**os.environ, "ENVCHECK_TEST_MARK": mark},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (pytester.path / "started").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert (pytester.path / "started").exists(), "the check never started its program"
        # pytest, the shell and its two sleeps ('started' is touched before the sleeps start)
        while len(_alive_with(mark)) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(_alive_with(mark)) >= 4, "the check's program never started its two sleeps"
        proc.send_signal(getattr(signal, how))
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode in (2, -signal.SIGTERM), out
    assert not _gone(mark), f"the check's program outlived the {how}ed run:\n{out}"
