"""The process environment read whole, from any thread.

pytest sets ``PYTEST_CURRENT_TEST`` before each phase of a test and removes it afterwards, on its
main thread, while envcheck's checks run on others. Reading the environment whole
(``os.environ.items()``, ``dict(os.environ)``, urllib's ``getproxies`` behind httpx's proxy
settings) lists the names first and then reads each one: a name removed in between raises
``KeyError`` in the reading thread. Such a read is simply done again; the names a check cares
about do not change under it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: reads tried before the last one, whose error is raised
_ATTEMPTS = 20


def consistent(read: Callable[[], T]) -> T:
    """``read()``, done again while a variable vanishes under it (``KeyError``)."""
    for _ in range(_ATTEMPTS):
        try:
            return read()
        except KeyError:
            continue
    return read()


def snapshot() -> dict[str, str]:
    """A copy of ``os.environ``, taken whole."""
    return consistent(lambda: dict(os.environ))
