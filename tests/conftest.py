"""Shared helpers: every test drives a real pytest session on a small generated project."""

from __future__ import annotations

import ast
import functools
import importlib
import os
import pkgutil
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.children import (  # noqa: F401 - fixtures: the pytests the suite starts
    _children_without_unused_plugins,
    _pytester_without_unused_plugins,
)
from tests.servers import (  # noqa: F401 - fixtures: this process's own servers
    left_on_postgres,
    left_on_redis,
    postgres_server,
    postgres_url,
    redis_port,
    redis_url,
)
from tests.venv_template import (  # noqa: F401 - fixtures: the venv lab's template project
    other_venv,
    poetry_home,
    template,
)

#: the machine's servers at their default addresses (scripts/services starts them): the suite
#: starts its own (tests/servers.py); only checks of envcheck's defaults may reach these
MACHINE_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
MACHINE_REDIS = 6379


def pytest_sessionfinish(session: pytest.Session) -> None:
    """After the whole suite (in pytest-xdist's controller, once every worker is done): nothing
    envcheck or the tests created remains on the machine's PostgreSQL (databases and roles named
    envcheck*, connections whose application_name starts with envcheck) or Redis (an
    envcheck:* key in any database). Each test process's own servers are checked when it stops
    them (tests/servers.py); a server that does not answer has nothing left on it."""
    if os.environ.get("PYTEST_XDIST_WORKER") or session.config.option.collectonly:
        return
    left = left_on_postgres(MACHINE_POSTGRES) + left_on_redis(MACHINE_REDIS)
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "the test suite left behind on the machine:\n  " + "\n  ".join(left)
        if reporter is not None:
            reporter.write_line(message, red=True, bold=True)
        else:
            print(message, file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Every envcheck-report JSON a passing test wrote (in its pytester project or tmp_path)
    follows the published schema (src/envcheck/report/envcheck-report.schema.json)."""
    result = yield
    funcargs = getattr(item, "funcargs", {})
    roots = [funcargs["pytester"].path] if "pytester" in funcargs else []
    roots += [funcargs["tmp_path"]] if "tmp_path" in funcargs else []
    for root in roots:
        for path, problems in reports_against_schema(root):
            assert not problems, f"{path} does not follow the report schema:\n  " + "\n  ".join(
                problems
            )
    return result


def reports_against_schema(root: Path) -> list[tuple[Path, list[str]]]:
    """(path, schema violations) of every envcheck-report JSON file under ``root``."""
    import json

    import jsonschema

    from envcheck.report import files

    validator = jsonschema.Draft202012Validator(files.schema())
    found = []
    for path in sorted(root.rglob("*.json")):
        if not path.is_file() or path.stat().st_size > 20_000_000:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if '"schema": "envcheck-report"' not in text[:200]:
            continue
        document = json.loads(text)
        problems = [
            f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in validator.iter_errors(document)
        ]
        found.append((path, problems))
    return found


@pytest.fixture(autouse=True)
def _envcheck_imported(request: pytest.FixtureRequest) -> None:
    """Before a test's first pytester session in this process: every envcheck module and every
    library envcheck imports, imported here once. A session run in-process
    (``pytester.runpytest_inprocess``) forgets the modules it imported, and a module imported
    again is a second copy whose classes and state are not the first's (an httpx error that
    httpx no longer recognizes); imported up front, every session uses the same ones (and
    none pays for importing them). Autouse fixtures come first: this runs before pytester
    notes which modules to keep."""
    if "pytester" in request.fixturenames:
        _import_everything_envcheck_uses()


@functools.cache
def _import_everything_envcheck_uses() -> None:
    import envcheck

    names = {module.name for module in pkgutil.walk_packages(envcheck.__path__, "envcheck.")}
    for path in Path(envcheck.__file__).parent.rglob("*.py"):  # libraries, also lazy imports
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    # what those libraries import lazily and remember: httpx2 loads httpcore2 on its first
    # request and keeps a map from httpcore2's exception classes to its own
    # (``HTTPCORE_EXC_MAP``); with httpcore2 forgotten after a test, every later connect
    # failure escaped as a raw ``httpcore2.ConnectError`` (the MCP HTTP sweeps' OAuth metadata
    # fetch failed so in two CI rehearsals; tests/test_suite_isolation.py)
    names.add("httpcore2")
    for name in sorted(names):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: B902 - missing or broken: the tests that need it say so
            pass


@pytest.fixture(autouse=True)
def _clean_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Tests decide for themselves whether they run "in CI" and which variables exist."""
    # each test's own rate-limit budget (shared by the processes it starts): the budget of a
    # replay's base_url is otherwise shared with every other test, worker and run on the machine
    monkeypatch.setenv("ENVCHECK_RATELIMIT_DIR", str(tmp_path_factory.mktemp("ratelimit")))
    for name in ("CI", "GITHUB_STEP_SUMMARY", "DATABASE_URL", "REDIS_URL", "OLLAMA_HOST"):
        monkeypatch.delenv(name, raising=False)
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    # libpq's variables (the postgres defaults read them), plugins' variables
    for name in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGPASSFILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("PGSERVICE", "PGSSLMODE", "SRC_ENDPOINT", "SRC_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    # `poetry run pytest` (scripts/test) activates the suite's own env: a Poetry command a test
    # runs in a sample project must not take it for that project's env
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.delenv("POETRY_ACTIVE", raising=False)


@pytest.fixture
def write_config(pytester: pytest.Pytester) -> Callable[[str], None]:
    """Write ``[tool.envcheck]`` TOML (dedented) into the project's pyproject.toml."""

    def write(toml: str) -> None:
        pytester.makefile(".toml", pyproject=textwrap.dedent(toml))

    return write
