"""The fixtures envcheck ships, made with the same :func:`envcheck.kit.require_checks` a plugin
uses, and the gate they ask.

Each fixture first requires its component's checks: when one failed, a test that uses the fixture
is skipped with the check's diagnosis (locally) or failed with it (when ``CI`` is set, or as set by
``fixtures_on_failure`` in ``[tool.envcheck]``). Component modules are imported only when a fixture
is used.

Credentials never reach a traceback: envcheck's frames are hidden (``__tracebackhide__``), a client
that cannot connect is reported as a redacted ``EnvcheckFixtureError`` raised ``from None``, and
the Redis password is held in a :class:`envcheck.kit.Secret` (its ``repr`` is masked).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from envcheck.core.model import CheckResult, Status
from envcheck.kit._fixtures import FixtureTarget, require_checks

#: loaded with this module: known secrets masked in every log record while pytest runs
pytest_plugins = ["envcheck.pytest_plugin.logs"]


class SessionGate:
    """The :class:`envcheck.core.session.Gate` of a pytest session: results from its engine."""

    def __init__(self, config: pytest.Config, engine: Callable[[pytest.Config], Any]) -> None:
        self._config = config
        self._get_engine = engine

    def _engine(self) -> Any:
        return self._get_engine(self._config)

    @property
    def rootdir(self) -> Path:
        engine = self._engine()
        return Path(engine.config.rootdir) if engine is not None else self._config.rootpath

    def section(self, component: str) -> Any:
        engine = self._engine()
        section = engine.config.section(component) if engine is not None else None
        if isinstance(section, dict):  # a component with named instances: {name: model}
            return section.get("default")
        return section

    def require(self, request: pytest.FixtureRequest, check_ids: Sequence[str]) -> list[Any]:
        """Wait for the given checks and stop the test (skip or fail) unless all of them
        passed."""
        __tracebackhide__ = True
        from envcheck.core.config import in_ci
        from envcheck.pytest_plugin.items import explain

        engine = self._engine()
        if engine is None:
            pytest.skip("envcheck is not configured here: add [tool.envcheck] to pyproject.toml")
        missing = [cid for cid in check_ids if cid not in engine.checks]
        if missing:
            component = missing[0].split("/", 1)[0]
            pytest.skip(f"{missing[0]} is not configured: add [tool.envcheck.{component}]")
        from envcheck.pytest_plugin.timeouts import dependencies, item_limit, left

        item = request.node if isinstance(request.node, pytest.Item) else None
        limit = item_limit(item) if item is not None else None
        if (
            item is not None and limit is not None
        ):  # the test's pytest-timeout limit bounds the wait
            engine.runner.limit({c: limit for c in dependencies(engine.checks, list(check_ids))})
            limit = left(item, limit)
        results: list[CheckResult] = [engine.runner.result(cid, limit) for cid in check_ids]
        bad = [r for r in results if r.status in (Status.FAIL, Status.SKIP)]
        if bad:
            mode = engine.config.settings.fixtures_on_failure
            fail = mode == "fail" or (mode == "auto" and in_ci())
            message = "environment not ready: " + explain(bad[0])
            if fail:
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        return results


def _postgres(target: FixtureTarget) -> Any:
    from envcheck.checks.postgres import hooks

    return hooks.open_connection(target.section)


def _redis(target: FixtureTarget) -> Any:
    from envcheck.checks.redis import hooks
    from envcheck.core import redact

    client = hooks.open_client(target.section, target.rootdir)
    # the password as a str whose repr is masked: redis-py keeps it in local variables
    # (auth_args) that pytest -l would print when a command fails later in the test
    kwargs = client.connection_pool.connection_kwargs
    if kwargs.get("password"):
        kwargs["password"] = redact.Secret(kwargs["password"])
    try:
        client.ping()  # connect now: a failure here is reported without redis-py's frames
    except BaseException:  # noqa: B902 - closed, then raised again
        client.close()
        raise
    return client


envcheck_postgres = require_checks("postgres/connect", client=_postgres, name="envcheck_postgres")
envcheck_postgres.__doc__ = (
    "A psycopg connection to the default ``[tool.envcheck.postgres]`` database, once its checks "
    "passed (otherwise the test is skipped, or failed in CI, with the check's diagnosis)."
)
envcheck_redis = require_checks("redis/auth", client=_redis, name="envcheck_redis")


@pytest.fixture
def mock_llm() -> Iterator[Any]:
    """A started :class:`envcheck.mock.MockLLM`: point your code at ``mock_llm.base_url("openai")``
    (or anthropic, gemini, ollama) and script faults with ``mock_llm.fault(...)``."""
    from envcheck.mock import MockLLM

    with MockLLM() as mock:
        yield mock
