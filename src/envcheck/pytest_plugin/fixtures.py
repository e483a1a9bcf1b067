"""Fixtures that hand verified clients to a team's own tests.

Each fixture first requires its component's checks: when one failed, a test that uses the fixture
is skipped with the check's diagnosis (locally) or failed with it (when ``CI`` is set, or as set by
``fixtures_on_failure`` in ``[tool.envcheck]``). Component modules are imported only when a fixture
is used.

Credentials never reach a traceback: envcheck's frames are hidden (``__tracebackhide__``), a client
that cannot connect is reported as a redacted :class:`EnvcheckFixtureError` raised ``from None``,
and the Redis password is held in a :class:`envcheck.core.redact.Secret` (its ``repr`` is masked).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from envcheck.core.model import CheckResult

#: loaded with this module: known secrets masked in every log record while pytest runs
pytest_plugins = ["envcheck.pytest_plugin.logs"]


def require_checks(request: pytest.FixtureRequest, check_ids: Sequence[str]) -> list[CheckResult]:
    """Wait for the given checks and stop the test (skip or fail) unless all of them passed."""
    __tracebackhide__ = True
    from envcheck.core.config import in_ci
    from envcheck.core.model import Status
    from envcheck.pytest_plugin import plugin
    from envcheck.pytest_plugin.items import explain

    engine = plugin.engine(request.config)
    if engine is None:
        pytest.skip("envcheck is not configured here: add [tool.envcheck] to pyproject.toml")
    missing = [cid for cid in check_ids if cid not in engine.checks]
    if missing:
        component = missing[0].split("/", 1)[0]
        pytest.skip(f"{missing[0]} is not configured: add [tool.envcheck.{component}]")
    results = [engine.runner.result(cid) for cid in check_ids]
    bad = [r for r in results if r.status in (Status.FAIL, Status.SKIP)]
    if bad:
        mode = engine.config.settings.fixtures_on_failure
        fail = mode == "fail" or (mode == "auto" and in_ci())
        message = "environment not ready: " + explain(bad[0])
        if fail:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return results


class EnvcheckFixtureError(Exception):
    """A client fixture could not hand out its client although the component's checks passed
    (the server went away, a password changed meanwhile). The message is redacted, and raised
    without the client library's traceback, whose local variables hold the credentials."""


def _default_instance(request: pytest.FixtureRequest, component: str) -> Any:
    __tracebackhide__ = True
    from envcheck.pytest_plugin import plugin

    gate = {"postgres": "connect", "redis": "auth"}[component]
    require_checks(request, [f"{component}/{gate}"])
    engine = plugin.engine(request.config)
    assert engine is not None  # require_checks skipped otherwise
    return engine.config.section(component)["default"]


def _failed(fixture: str, action: str, exc: BaseException) -> EnvcheckFixtureError:
    from envcheck.core import redact

    return EnvcheckFixtureError(
        f"{fixture}: {action} failed although its checks passed: {type(exc).__name__}: "
        f"{redact.clean(exc, 500)}"
    )


@pytest.fixture
def envcheck_postgres(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A psycopg connection to the default ``[tool.envcheck.postgres]`` database, once its checks
    passed (otherwise the test is skipped, or failed in CI, with the check's diagnosis)."""
    __tracebackhide__ = True
    from envcheck.checks.postgres import hooks as postgres

    section = _default_instance(request, "postgres")
    try:
        conn = postgres.open_connection(section)
    except Exception as exc:  # noqa: B902 - psycopg's frames hold the DSN: none of them shown
        raise _failed("envcheck_postgres", "connecting", exc) from None
    try:
        yield conn
    finally:
        try:
            conn.close()
        except Exception as exc:  # noqa: B902
            raise _failed("envcheck_postgres", "closing the connection", exc) from None


@pytest.fixture
def envcheck_redis(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A redis client for the default ``[tool.envcheck.redis]`` server, once its checks passed."""
    __tracebackhide__ = True
    from envcheck.checks.redis import hooks as redis
    from envcheck.core import redact
    from envcheck.pytest_plugin import plugin

    section = _default_instance(request, "redis")
    engine = plugin.engine(request.config)
    try:
        client = redis.open_client(section, engine.config.rootdir if engine else None)
        # the password as a str whose repr is masked: redis-py keeps it in local variables
        # (auth_args) that pytest -l would print when a command fails later in the test
        kwargs = client.connection_pool.connection_kwargs
        if kwargs.get("password"):
            kwargs["password"] = redact.Secret(kwargs["password"])
        client.ping()  # connect now: a failure here is reported without redis-py's frames
    except Exception as exc:  # noqa: B902 - redis-py's frames hold the password
        raise _failed("envcheck_redis", "connecting", exc) from None
    try:
        yield client
    finally:
        try:
            client.close()
        except Exception as exc:  # noqa: B902
            raise _failed("envcheck_redis", "closing the client", exc) from None


@pytest.fixture
def mock_llm() -> Iterator[Any]:
    """A started :class:`envcheck.mock.MockLLM`: point your code at ``mock_llm.base_url("openai")``
    (or anthropic, gemini, ollama) and script faults with ``mock_llm.fault(...)``."""
    from envcheck.mock import MockLLM

    with MockLLM() as mock:
        yield mock
