"""What checks print: kept per check, never written straight to the terminal.

Checks run on background threads while pytest's output capture comes and goes, so a ``print()``
in a check could reach the terminal unmasked. While a check runs, ``print`` to stdout or stderr
from its thread (and from its event loop, which runs on that thread) goes to the check's own
buffer instead; the item shows it, masked, as pytest's "Captured stdout call". Other threads print
as before.
"""

from __future__ import annotations

import builtins
import io
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: characters of a check's output kept (the end, where the error is)
LIMIT = 64 * 1024

_local = threading.local()
_lock = threading.Lock()
_original_print = builtins.print


def _print(*args: Any, **kwargs: Any) -> None:
    buffer = getattr(_local, "buffer", None)
    target = kwargs.get("file")
    if buffer is not None and (target is None or target in (sys.stdout, sys.stderr)):
        kwargs["file"] = buffer
    _original_print(*args, **kwargs)


def _install() -> None:
    with _lock:
        if builtins.print is not _print:
            builtins.print = _print


@contextmanager
def captured() -> Iterator[io.StringIO]:
    """While the block runs, what this thread prints goes to the buffer yielded."""
    _install()
    buffer = io.StringIO()
    _local.buffer = buffer
    try:
        yield buffer
    finally:
        _local.buffer = None


def tail(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    return text if len(text) <= LIMIT else "…" + text[-LIMIT:]
