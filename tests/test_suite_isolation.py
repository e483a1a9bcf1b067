"""The suite's own processes run many pytest sessions in one interpreter: what pytester forgets
between them must not change what envcheck sees (tests/conftest.py imports what envcheck uses,
httpcore2 with httpx2, before pytester's snapshot)."""

from __future__ import annotations

import socket

import pytest
from _pytest.pytester import SysModulesSnapshot

from envcheck.mcpkit import probe


def closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port: int = listener.getsockname()[1]
    return port


def connect_failure(port: int) -> BaseException:
    import httpx2

    with httpx2.Client() as client:
        with pytest.raises(Exception) as failure:
            client.get(f"http://127.0.0.1:{port}/.well-known/oauth-protected-resource")
    return failure.value


def test_a_refused_connection_is_unreadable_after_pytester_forgot_a_sessions_modules(
    pytester: pytest.Pytester,
) -> None:
    """A test with pytester sessions (``pytester``: the modules envcheck uses are imported
    first, tests/conftest.py) whose session makes the worker's first HTTP request."""
    port = closed_port()
    snapshot = SysModulesSnapshot()  # what pytester takes when a test starts
    try:
        first = connect_failure(port)  # a session's first request: httpcore2 is loaded here
    finally:
        snapshot.restore()  # what pytester does when that test ends
    second = connect_failure(port)  # the next test's session
    assert type(second) is type(first)
    assert probe._unreadable(second), f"{type(second).__module__}.{type(second).__name__}"
