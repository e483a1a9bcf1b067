"""No MCP server outlives envcheck.

Every stdio server runs in its own process group, recorded here while it lives. The groups still
alive when the interpreter exits (a check cut short, ``-x``, Ctrl-C) are killed by an
``atexit`` handler; SIGTERM and SIGHUP (a CI job cancelled, a terminal closed), which skip
``atexit``, kill them first and then end the process as the signal would have.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
from types import FrameType
from typing import Any

_lock = threading.Lock()
_live: set[int] = set()
_installed = False


def track(pgid: int) -> None:
    with _lock:
        _live.add(pgid)


def untrack(pgid: int) -> None:
    with _lock:
        _live.discard(pgid)


def kill_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@atexit.register
def kill_leftovers() -> None:
    """Kill every server process group this process started and has not reaped yet."""
    with _lock:
        groups = list(_live)
        _live.clear()
    for pgid in groups:
        kill_group(pgid, signal.SIGKILL)


def install_signal_handlers() -> None:
    """On SIGTERM / SIGHUP: kill the servers, then do what the signal was going to do.

    Only from the main thread (Python's rule), once, and only over the default handlers: a handler
    someone else installed is called after the servers are killed."""
    global _installed
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    _installed = True
    for sig in (signal.SIGTERM, signal.SIGHUP):
        previous = signal.getsignal(sig)
        if previous is signal.SIG_IGN:
            continue
        signal.signal(sig, _handler(previous))


def _handler(previous: Any) -> Any:
    def handle(signum: int, frame: FrameType | None) -> None:
        kill_leftovers()
        if callable(previous):
            previous(signum, frame)
            return
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    return handle
