"""A rate limiter shared by every thread and process on this machine (pytest-xdist workers too)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path


class RateLimitDirUnusable(OSError):
    """The directory that holds the budgets cannot be made or is not a directory. ``origin``
    says who chose it (``ENVCHECK_RATELIMIT_DIR``, the temporary directory, the caller)."""

    def __init__(self, directory: Path, origin: str, reason: str) -> None:
        super().__init__(f"the rate limiter's directory {directory} ({origin}) {reason}")
        self.directory, self.origin, self.reason = directory, origin, reason


class RateLimiter:
    """At most ``limit`` acquisitions in any ``period`` seconds, for everyone using ``name``.

    The state (the times of the last ``limit`` acquisitions) lives in a small file guarded by an
    exclusive ``flock``, so threads, pytest-xdist workers and separate runs on the same machine
    share one budget (in ``$TMPDIR/envcheck-ratelimit``, or the directory
    ``ENVCHECK_RATELIMIT_DIR`` names: processes that name another one keep their own budget).
    This is stricter than a plain token bucket: no sliding window of
    ``period`` seconds ever holds more than ``limit`` requests.
    """

    def __init__(
        self, name: str, limit: int, period: float = 60.0, directory: Path | None = None
    ) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("a rate limit needs limit >= 1 and period > 0")
        self.name, self.limit, self.period = name, limit, period
        chosen = os.environ.get("ENVCHECK_RATELIMIT_DIR", "").strip()
        base = directory or (
            Path(chosen) if chosen else Path(tempfile.gettempdir()) / "envcheck-ratelimit"
        )
        origin = (
            "given by the caller"
            if directory
            else "ENVCHECK_RATELIMIT_DIR" if chosen else "the temporary directory's"
        )
        try:
            base.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise RateLimitDirUnusable(base, origin, "is a file, not a directory") from None
        except OSError as exc:
            reason = f"cannot be made: {exc.strerror or exc}"
            raise RateLimitDirUnusable(base, origin, reason) from None
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:40]
        digest = hashlib.sha256(name.encode()).hexdigest()[:12]
        self.path = base / f"{safe}-{digest}.json"

    def acquire(self, deadline: float | None = None) -> float:
        """Wait for a slot and take it; return the seconds waited.

        Raises :class:`TimeoutError` when the slot would come after ``deadline``
        (a ``time.monotonic()`` value).
        """
        waited = 0.0  # time asleep for a slot (not the file's lock and I/O)
        while True:
            wait = self._try()
            if wait <= 0:
                return waited
            if deadline is not None and time.monotonic() + wait > deadline:
                raise TimeoutError(
                    f"rate limit {self.limit}/{self.period:g}s for {self.name}: the next slot "
                    f"is {wait:.1f} s away, after the deadline"
                )
            nap = min(wait, 1.0)
            time.sleep(nap)
            waited += nap

    def _try(self) -> float:
        """Take a slot now (0.0) or say how long until one frees up."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = os.read(fd, 1 << 20)
            try:
                stamps = [float(t) for t in json.loads(raw or b"[]")]
            except (ValueError, TypeError):
                stamps = []  # a damaged state file only costs its history
            now = time.time()
            stamps = sorted(t for t in stamps if now - t < self.period)
            if len(stamps) >= self.limit:
                return stamps[len(stamps) - self.limit] + self.period - now
            stamps.append(now)
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps(stamps[-self.limit :]).encode())
            return 0.0
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
