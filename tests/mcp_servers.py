"""MCP servers for the tests: real ones nobody here wrote, and broken ones the tests make."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.servers import QuietHandler, free_port, serving

HERE = Path(__file__).parent / "mcp-servers"
#: mcp-server-time (PyPI), installed in this virtualenv by Poetry
TIME = str(Path(sys.executable).parent / "mcp-server-time")
#: @modelcontextprotocol/server-everything (npm), installed by scripts/services
EVERYTHING = str(
    HERE / "node_modules" / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
)
LOCALHOST_ONLY = str(HERE / "localhost-only.cjs")


def node() -> str:
    found = shutil.which("node")
    assert found, "node is not installed (scripts/services installs it)"
    assert Path(EVERYTHING).is_file(), "server-everything is missing: run scripts/services"
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    try:  # a zombie is dead for our purposes
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@contextmanager
def everything_http(transport: str) -> Iterator[int]:
    """server-everything over ``streamableHttp`` or ``sse`` on a free port of 127.0.0.1 only."""
    port = free_port()
    proc = subprocess.Popen(
        [node(), "--require", LOCALHOST_ONLY, EVERYTHING, transport],
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_port(port)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def http_status_server(
    status: int, content_type: str = "application/json", body: bytes = b'{"error": "unauthorized"}'
) -> Iterator[int]:
    """An HTTP server that answers every request with ``status`` (401: wants credentials), the
    ``content_type`` and ``body`` given (a web page: ``200, "text/html"``)."""

    headers = {"content-type": content_type, "www-authenticate": 'Bearer realm="mcp"'}

    class Handler(QuietHandler):
        def _answer(self) -> None:
            self.body()
            self.respond(status, body, headers)

        do_GET = do_POST = do_DELETE = _answer

    with serving(Handler) as port:
        yield port


def script(directory: Path, name: str, body: str) -> list[str]:
    """A Python "server" written by the test; it records its pid in ``<name>.pid``."""
    path = directory / f"{name}.py"
    path.write_text(
        "import os, sys, time\n"
        f"open({str(directory / (name + '.pid'))!r}, 'w').write(str(os.getpid()))\n" + body
    )
    return [sys.executable, str(path)]


def pid_of(directory: Path, name: str, timeout: float = 30.0) -> int:
    path = directory / f"{name}.pid"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file() and path.read_text():
            return int(path.read_text())
        time.sleep(0.02)
    raise AssertionError(f"{name} never started")


#: a :func:`script` body that waits for the client's first message, then notes it in
#: ``<name>.heard``: the client had the process in hand (envcheck records the process it starts
#: before it writes to it), so from then on it is the client's to stop
HEARS_THE_CLIENT = (
    "sys.stdin.readline()\n" "open(__file__.removesuffix('.py') + '.heard', 'w').close()\n"
)


def heard(directory: Path, name: str, timeout: float = 30.0) -> None:
    """Wait until the :data:`HEARS_THE_CLIENT` script ``name`` got the client's first message."""
    path = directory / f"{name}.heard"
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{name} heard nothing from the client in {timeout} s"
        time.sleep(0.02)
