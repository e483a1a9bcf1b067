"""What every pytest the suite starts shares: the third-party pytest plugins of the development
environment that none of those sessions uses are blocked in them.

langsmith's plugin (it imports langsmith's client and its pydantic schemas) and hypothesis's
(it imports hypothesis) cost a pytest start ~0.75 s of CPU together, against ~0.35 s for the
rest (bench/README.md, "Test suite time"); anyio's (no test marks anything ``anyio``) ~0.05 s
of the 0.27 s left. The suite starts hundreds of pytest processes. The suite's own processes
keep them (tests/test_redact.py uses hypothesis).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

#: ``-p no:NAME`` for each plugin no pytest started by the suite needs (entry-point names)
UNUSED_PLUGINS = "-p no:langsmith_plugin -p no:hypothesispytest -p no:anyio"


@pytest.fixture(scope="session", autouse=True)
def _children_without_unused_plugins() -> Iterator[None]:
    """Every process the suite starts inherits this (the suite's own options are parsed)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTEST_ADDOPTS", _with(os.environ.get("PYTEST_ADDOPTS", "")))
        yield


@pytest.fixture(name="pytester")
def _pytester_without_unused_plugins(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """pytest's own, after it has removed ``PYTEST_ADDOPTS``: its sessions, in process and in a
    subprocess, block the unused plugins too."""
    monkeypatch.setenv("PYTEST_ADDOPTS", UNUSED_PLUGINS)
    return pytester


def _with(addopts: str) -> str:
    return f"{addopts} {UNUSED_PLUGINS}".strip() if UNUSED_PLUGINS not in addopts else addopts
