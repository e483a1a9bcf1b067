"""The stand-in Sourcegraph instance as the tests see it (helpers shared by the test modules).

Test modules import from here, never from ``conftest``: several ``conftest.py`` files of the
repository share that module name.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
GOOD = "sgp_CanaryGoodSourcegraphToken0000001"
VERSION = "6.4.2817"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"the stand-in Sourcegraph does not listen on 127.0.0.1:{port}")


class Instance:
    """The stand-in instance; ``set(...)`` changes how it answers from the next request on."""

    def __init__(self, port: int, state: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.state = state
        self.reset()

    def reset(self) -> None:
        self.data: dict[str, Any] = {
            "version": VERSION,
            "tokens": {GOOD: {"username": "alice", "scopes": ["user:all"]}},
            "src_cli": "6.4.0",
        }
        self._write()

    def set(self, **changes: Any) -> None:
        self.data.update(changes)
        self._write()

    def _write(self) -> None:
        partial = self.state.with_suffix(".partial")
        partial.write_text(json.dumps(self.data))
        partial.replace(self.state)
