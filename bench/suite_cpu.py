"""A pytest plugin for ``bench/suite.py``: the CPU each test costs, written per worker.

Per test (setup, call and teardown): the user + system CPU of the worker process and of the
child processes it waited for in that time (``RUSAGE_CHILDREN`` grows when a child is reaped),
and its wall time. Each worker writes ``$SUITE_CPU_OUT.<worker>.json`` at the end of its session.
A child a test leaves running, or one reaped during a later test, is counted where it is reaped.
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Generator
from typing import Any

import pytest

_rows: list[dict[str, Any]] = []


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    before, started = _cpu(), time.monotonic()
    try:
        return (yield)
    finally:
        after = _cpu()
        _rows.append(
            {
                "id": item.nodeid,
                "self": after[0] - before[0],
                "children": after[1] - before[1],
                "wall": time.monotonic() - started,
            }
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = os.environ.get("SUITE_CPU_OUT")
    if not out:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(f"{out}.{worker}.json", "w", encoding="utf-8") as handle:
        json.dump(_rows, handle)
