"""Fixtures that hand a verified client to a team's own tests: :func:`require_checks`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from envcheck.core import redact
from envcheck.core.session import GATE_KEY, Gate


class EnvcheckFixtureError(Exception):
    """A client fixture could not hand out its client although the component's checks passed
    (the server went away, a password changed meanwhile). The message is redacted, and raised
    without the client library's traceback, whose local variables hold the credentials."""


@dataclass(frozen=True)
class FixtureTarget:
    """What a client factory gets: the component's validated ``section`` (its default instance)
    and the project's ``rootdir``."""

    component: str
    section: Any
    rootdir: Path


def gate(request: pytest.FixtureRequest) -> Gate:
    __tracebackhide__ = True
    found = request.config.stash.get(GATE_KEY, None)
    if found is None:
        pytest.skip("envcheck is not active in this run (-p no:envcheck)")
    return found


def require_checks(
    *check_ids: str,
    client: Callable[[FixtureTarget], Any] | None = None,
    name: str | None = None,
    scope: str = "function",
) -> Any:
    """A pytest fixture for a team's tests: it waits for ``check_ids`` (``component/check``) and
    stops the test with the failing check's diagnosis unless all of them passed (skipped locally,
    failed in CI, as ``fixtures_on_failure`` says). It returns the checks' results, or, with
    ``client``, yields ``client(target)`` and closes it afterwards (when it has ``close()``)::

        envcheck_kafka = kit.require_checks(
            "kafka/reachable", client=lambda t: Producer(t.section.bootstrap), name="envcheck_kafka"
        )

    A client that cannot be made is reported as a redacted :class:`EnvcheckFixtureError`, without
    the client library's frames (their local variables hold credentials)."""
    if not check_ids or not all(isinstance(c, str) and "/" in c for c in check_ids):
        raise ValueError("require_checks() takes check ids like 'kafka/reachable'")
    component = check_ids[0].split("/", 1)[0]
    label = name or f"envcheck_{component}"

    def fixture(request: pytest.FixtureRequest) -> Iterator[Any]:
        __tracebackhide__ = True
        found = gate(request)
        results = found.require(request, check_ids)
        if client is None:
            yield results
            return
        target = FixtureTarget(component, found.section(component), found.rootdir)
        try:
            made = client(target)
        except Exception as exc:  # noqa: B902 - the client library's frames hold credentials
            raise failed(label, "connecting", exc) from None
        try:
            yield made
        finally:
            close = getattr(made, "close", None)
            if callable(close):
                try:
                    close()
                except Exception as exc:  # noqa: B902
                    raise failed(label, "closing the client", exc) from None

    fixture.__name__ = label
    fixture.__doc__ = (
        f"envcheck: {'a client' if client else 'the results'} once "
        f"{', '.join(check_ids)} passed (else the test is skipped, or failed in CI)."
    )
    return pytest.fixture(name=label, scope=scope)(fixture)  # type: ignore[call-overload]


def failed(fixture: str, action: str, exc: BaseException) -> EnvcheckFixtureError:
    return EnvcheckFixtureError(
        f"{fixture}: {action} failed although its checks passed: {type(exc).__name__}: "
        f"{redact.clean(exc, 500)}"
    )
