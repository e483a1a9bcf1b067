"""Interruption leaves nothing behind (issue 8, section 5): SIGINT, SIGTERM and -x during a
Redis round-trip leave no probe key on the server.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

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
