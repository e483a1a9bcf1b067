"""Where check results live while a session runs.

In one process results are kept in memory. Under pytest-xdist every worker collects every check,
so workers share a directory: the first worker to claim a check runs it and writes its result; the
others read it. Each check therefore runs exactly once per session.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Protocol

from envcheck.core.model import CheckResult

_POLL = 0.02


class Store(Protocol):
    def claim(self, check_id: str) -> bool:
        """True when the caller is the one that must run ``check_id``."""

    def put(self, result: CheckResult) -> None: ...

    def get(self, check_id: str, until: float) -> CheckResult | None:
        """Wait (up to the monotonic time ``until``) for the result of ``check_id``."""


class MemoryStore:
    def __init__(self) -> None:
        self._claimed: set[str] = set()
        self._results: dict[str, CheckResult] = {}
        self._done = threading.Condition()

    def claim(self, check_id: str) -> bool:
        with self._done:
            if check_id in self._claimed:
                return False
            self._claimed.add(check_id)
            return True

    def put(self, result: CheckResult) -> None:
        with self._done:
            self._results[result.id] = result
            self._done.notify_all()

    def get(self, check_id: str, until: float) -> CheckResult | None:
        with self._done:
            while check_id not in self._results:
                left = until - time.monotonic()
                if left <= 0:
                    return None
                self._done.wait(left)
            return self._results[check_id]


def _filename(check_id: str) -> str:
    """A short, safe file name for any check id (ids may be long or hold any character)."""
    digest = hashlib.sha256(check_id.encode("utf-8", "backslashreplace")).hexdigest()[:20]
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", check_id)[:60]
    return f"{readable}-{digest}"


class FileStore:
    """Results shared through a directory by the processes of one test run."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._dir = directory
        self._local = MemoryStore()

    def claim(self, check_id: str) -> bool:
        try:
            fd = os.open(self._dir / f"{_filename(check_id)}.claim", os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            return False
        os.close(fd)
        return True

    def put(self, result: CheckResult) -> None:
        final = self._dir / f"{_filename(result.id)}.json"
        partial = final.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(result.to_dict(), allow_nan=False), encoding="utf-8")
        os.replace(partial, final)
        self._local.put(result)

    def get(self, check_id: str, until: float) -> CheckResult | None:
        path = self._dir / f"{_filename(check_id)}.json"
        while True:
            found = self._local.get(check_id, time.monotonic())
            if found is not None:
                return found
            if path.exists():
                return CheckResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
            if time.monotonic() >= until:
                return None
            time.sleep(_POLL)
