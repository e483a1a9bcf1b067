"""Fixtures that hand verified clients to a team's own tests.

Each fixture first requires its component's checks: when one failed, a test that uses the fixture
is skipped with the check's diagnosis (locally) or failed with it (when ``CI`` is set, or as set by
``fixtures_on_failure`` in ``[tool.envcheck]``). Component modules are imported only when a fixture
is used.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from envcheck._model import CheckResult


def require_checks(request: pytest.FixtureRequest, check_ids: Sequence[str]) -> list[CheckResult]:
    """Wait for the given checks and stop the test (skip or fail) unless all of them passed."""
    from envcheck import plugin
    from envcheck._items import explain
    from envcheck._model import Status
    from envcheck.config import in_ci

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


def _default_instance(request: pytest.FixtureRequest, component: str) -> Any:
    from envcheck import plugin

    gate = {"postgres": "connect", "redis": "auth"}[component]
    require_checks(request, [f"{component}/{gate}"])
    engine = plugin.engine(request.config)
    assert engine is not None  # require_checks skipped otherwise
    return engine.config.section(component)["default"]


@pytest.fixture
def envcheck_postgres(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A psycopg connection to the default ``[tool.envcheck.postgres]`` database, once its checks
    passed (otherwise the test is skipped, or failed in CI, with the check's diagnosis)."""
    from envcheck.checks import postgres

    conn = postgres.open_connection(_default_instance(request, "postgres"))
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def envcheck_redis(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A redis client for the default ``[tool.envcheck.redis]`` server, once its checks passed."""
    from envcheck import plugin
    from envcheck.checks import redis

    section = _default_instance(request, "redis")
    engine = plugin.engine(request.config)
    client = redis.open_client(section, engine.config.rootdir if engine else None)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def mock_llm() -> Iterator[Any]:
    """A started :class:`envcheck.mock.MockLLM`: point your code at ``mock_llm.base_url("openai")``
    (or anthropic, gemini, ollama) and script faults with ``mock_llm.fault(...)``."""
    from envcheck.mock import MockLLM

    with MockLLM() as mock:
        yield mock
