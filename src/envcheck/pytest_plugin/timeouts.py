"""pytest-timeout and envcheck's own timeouts: whichever is shorter, the verdict is envcheck's.

With pytest-timeout active (``-p timeout``, ``--timeout``, ``timeout`` in the pytest
configuration, ``PYTEST_TIMEOUT``, ``@pytest.mark.timeout``), an envcheck item whose limit is
shorter than its check's timeout gets its check run with a timeout below that limit, and waits
for a result no longer than the limit allows: a hung server is reported by envcheck ("did not
finish within ..., lowered to fit pytest-timeout's 1 s limit"), never by pytest-timeout's stack
dump or a killed process. The settings are read where pytest-timeout reads them, in its order:
the item's marker, then ``--timeout``, then ``PYTEST_TIMEOUT``, then the ini value.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

import pytest

#: when pytest began the item's protocol (pytest-timeout's timer starts there too): what the
#: item's setup spent before a fixture waits for checks comes off that fixture's wait
STARTED_KEY = pytest.StashKey[float]()


def _seconds(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def item_limit(item: pytest.Item) -> tuple[float, str] | None:
    """pytest-timeout's limit for ``item`` in seconds and where it was set, or ``None``."""
    config = item.config
    if not config.pluginmanager.hasplugin("timeout"):
        return None
    marker = item.get_closest_marker("timeout")
    if marker is not None:
        seconds = _seconds(marker.kwargs.get("timeout", marker.args[0] if marker.args else None))
        if seconds is None:
            return None  # timeout(0) or None: no limit for this item
        return seconds, f"pytest-timeout's {seconds:g} s limit (@pytest.mark.timeout)"
    value: Any = config.getoption("timeout", None)
    source = "--timeout"
    if value is None and os.environ.get("PYTEST_TIMEOUT"):
        value, source = os.environ["PYTEST_TIMEOUT"], "PYTEST_TIMEOUT"
    if value is None:
        try:
            value, source = config.getini("timeout"), "timeout in the pytest configuration"
        except ValueError:
            return None
    seconds = _seconds(value)
    if seconds is None:
        return None
    return seconds, f"pytest-timeout's {seconds:g} s limit ({source})"


def left(item: pytest.Item, limit: tuple[float, str]) -> tuple[float, str]:
    """``limit`` less what the item has spent since its protocol began (its earlier fixtures, a
    slow machine): pytest-timeout counts from there, not from the fixture's own start."""
    started = item.stash.get(STARTED_KEY, None)
    if started is None:
        return limit
    return max(0.0, limit[0] - (time.monotonic() - started)), limit[1]


def dependencies(checks: Any, check_ids: list[str]) -> set[str]:
    """``check_ids`` and everything they depend on, transitively."""
    found: set[str] = set()
    pending = list(check_ids)
    while pending:
        cid = pending.pop()
        if cid in found or cid not in checks:
            continue
        found.add(cid)
        pending.extend(checks[cid].depends_on)
    return found
