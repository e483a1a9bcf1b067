"""Checks read the environment whole on their own threads while pytest's main thread sets and
removes ``PYTEST_CURRENT_TEST`` (a providers sweep once failed with ``KeyError:
'PYTEST_CURRENT_TEST'`` from httpx's proxy settings): such a read never fails."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from envcheck.core import environ
from envcheck.llm import _between


@pytest.fixture
def flickering() -> Iterator[None]:
    """A variable set and removed as fast as a thread can, as pytest does between phases."""
    stop = threading.Event()

    def flicker() -> None:
        while not stop.is_set():
            os.environ["ENVCHECK_FLICKER"] = "1"
            os.environ.pop("ENVCHECK_FLICKER", None)

    thread = threading.Thread(target=flicker)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def vanishing(read: Callable[[], object]) -> int:
    """How many of 3,000 whole reads met a variable that vanished under them."""
    failed = 0
    for _ in range(3000):
        try:
            read()
        except KeyError:
            failed += 1
    return failed


def test_the_environment_read_whole_while_a_variable_flickers(
    flickering: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    # (a plain dict(os.environ) fails a few of 3,000 reads here)
    assert vanishing(environ.snapshot) == 0
    assert vanishing(lambda: environ.consistent(httpx._utils.get_environment_proxies)) == 0
    for _ in range(30):  # what the provider checks build: a client, the route to the service
        environ.consistent(lambda: httpx.Client()).close()
        assert _between.route("https://api.openai.com/v1/models") is None


def test_a_read_is_done_again_only_while_a_variable_vanishes() -> None:
    calls = []

    def read() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise KeyError("PYTEST_CURRENT_TEST")
        return "read"

    assert environ.consistent(read) == "read" and len(calls) == 3

    def always() -> str:
        raise KeyError("gone")

    with pytest.raises(KeyError):  # never forever: a KeyError that stays is raised
        environ.consistent(always)
