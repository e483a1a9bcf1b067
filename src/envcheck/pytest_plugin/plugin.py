"""The pytest plugin: options, markers, items, fixtures and reports are wired here.

Importing this module must stay cheap: it is loaded by every pytest run in a project that has
envcheck installed. Everything heavier is imported only once envcheck has something to do.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from envcheck.core.session import GATE_KEY, hook_plugins, nothing_to_check, project_root
from envcheck.core.toml import has_tool_table, tool_value
from envcheck.report.log import ResultLog

if TYPE_CHECKING:
    from envcheck.engine.engine import Engine

#: Components that ship with envcheck; plugins' components get markers when they are loaded.
BUILTIN_COMPONENTS = {
    "venv": "the Python virtualenv, Poetry, packages and dev tools",
    "postgres": "PostgreSQL servers",
    "redis": "Redis servers",
    "providers": "LLM providers (OpenAI, Anthropic, Gemini, OpenAI-compatible)",
    "ollama": "a local Ollama server and its models",
    "mcp": "MCP (Model Context Protocol) servers",
}
RECORD_MODES = ("none", "once", "new", "all")

ENGINE_KEY = pytest.StashKey["Engine | None"]()
DRAIN_KEY = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("envcheck", "environment checks (envcheck)")
    group.addoption(
        "--envcheck-report",
        nargs="?",
        const="envcheck-report",
        default=None,
        metavar="PATH",
        help="write the environment report to PATH.md and PATH.json (default: envcheck-report)",
    )
    group.addoption(
        "--envcheck-config",
        default=None,
        metavar="FILE",
        help="read [tool.envcheck] from FILE instead of pyproject.toml",
    )
    group.addoption(
        "--envcheck",
        action="store_true",
        default=False,
        help="run the environment checks even when test paths are given",
    )
    group.addoption(
        "--envcheck-only",
        action="store_true",
        default=False,
        help="run only the environment checks; collect no test files",
    )
    group.addoption(
        "--envcheck-defaults",
        action="store_true",
        default=False,
        help="without [tool.envcheck], check the default stack from standard variables",
    )
    group.addoption(
        "--envcheck-record",
        default=None,
        choices=RECORD_MODES,
        help="cassette record mode for provider checks "
        "(default: none when CI is set, otherwise replay what exists and record what does not)",
    )


def pytest_configure(config: pytest.Config) -> None:
    _check_report_target(config)
    config.addinivalue_line("markers", "envcheck: an environment check made by envcheck")
    for name, what in BUILTIN_COMPONENTS.items():
        config.addinivalue_line("markers", f"{name}: envcheck checks of {what}")
    config.pluginmanager.register(ResultLog(config), "envcheck-results")
    if config.getoption("envcheck_only"):
        config.pluginmanager.register(_OnlyChecks(), "envcheck-only")
    config.pluginmanager.import_plugin("envcheck.pytest_plugin.fixtures")
    from envcheck.pytest_plugin.fixtures import SessionGate

    config.stash[GATE_KEY] = SessionGate(config, engine)


def _check_report_target(config: pytest.Config) -> None:
    """Before anything runs: ``--envcheck-report=PATH`` must be somewhere a file can be written."""
    target = config.getoption("envcheck_report")
    if not target or hasattr(config, "workerinput"):
        return
    base = Path(target)
    base = base if base.is_absolute() else config.invocation_params.dir / base
    existing = base.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        problem = f"{existing} is not a directory"
    elif not os.access(existing, os.W_OK | os.X_OK):
        problem = f"the directory {existing} is not writable"
    else:
        stem = base.stem if base.suffix in (".md", ".json") else base.name
        names = (f"{stem}.md", f"{stem}.json")
        taken = [base.parent / n for n in names if (base.parent / n).is_dir()]
        problem = f"{taken[0]} is a directory" if taken else ""
    if problem:
        raise pytest.UsageError(
            f"--envcheck-report={target}: cannot write the report there: {problem}; "
            "pass a path in a writable directory (e.g. --envcheck-report=build/envcheck-report)"
        )


def _wants_envcheck(config: pytest.Config) -> bool:
    """Cheap test, before anything heavy is imported: has this session anything to check?"""
    opt = config.getoption
    if opt("envcheck_report") or opt("envcheck_config") or opt("envcheck_only"):
        return True
    if opt("envcheck_defaults") or opt("envcheck"):
        return True
    if has_tool_table(project_root(config) / "pyproject.toml", "envcheck"):
        return True
    return bool(hook_plugins(config))


def _explicit_paths_only(config: pytest.Config) -> bool:
    """Whether the checks stay out of this run: a plain ``pytest`` (or ``pytest tests/x.py``) is
    the project's test run, unchanged. The checks join when asked for: ``-m`` or ``-k`` (they
    select among the checks too), ``--envcheck``, ``--envcheck-only``, ``--envcheck-report``, or
    ``with_tests = true`` under ``[tool.envcheck]``."""
    opt = config.getoption
    if opt("envcheck") or opt("envcheck_only") or opt("envcheck_report"):
        return False
    if opt("envcheck_config") or opt("envcheck_defaults") or opt("envcheck_record"):
        return False
    if opt("markexpr") or opt("keyword") or opt("lf", False):
        return False
    if config.args_source is pytest.Config.ArgsSource.ARGS:
        return True
    path = Path(opt("envcheck_config") or project_root(config) / "pyproject.toml")
    return tool_value(path, "envcheck", "with_tests") is not True


def engine(config: pytest.Config) -> Engine | None:
    """The session's engine, built on first use; a bad configuration is a usage error."""
    if ENGINE_KEY not in config.stash:
        config.stash[ENGINE_KEY] = None
        if _wants_envcheck(config):
            from envcheck.core.config import ConfigError
            from envcheck.engine import engine as _engine

            try:
                built = _engine.build(config, force=bool(config.getoption("envcheck_only")))
            except ConfigError as exc:
                raise pytest.UsageError(str(exc)) from None
            if built is not None:
                for component in built.components:
                    if component not in BUILTIN_COMPONENTS:
                        config.addinivalue_line("markers", f"{component}: envcheck checks")
            config.stash[ENGINE_KEY] = built
    return config.stash[ENGINE_KEY]


class _OnlyChecks:
    """With ``--envcheck-only``: collect no test files at all."""

    def pytest_ignore_collect(self) -> bool:
        return True


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if _explicit_paths_only(config):
        return
    built = engine(config)
    if built is None:
        return
    from envcheck.pytest_plugin.items import make_items

    made = make_items(session, built)
    for item in made:
        config.hook.pytest_itemcollected(item=item)
    report = pytest.CollectReport("envcheck", "passed", None, list(made))
    config.hook.pytest_collectreport(report=report)
    items[:0] = made


def pytest_collection_finish(session: pytest.Session) -> None:
    built = session.config.stash.get(ENGINE_KEY, None)
    _notice_empty_markers(session, built)
    if built is None or session.config.getoption("collectonly"):
        return
    from envcheck.pytest_plugin.items import LIMIT_KEY, CheckItem
    from envcheck.pytest_plugin.timeouts import item_limit

    items = [item for item in session.items if isinstance(item, CheckItem)]
    limits = {}
    for item in items:
        limit = item_limit(item)
        if limit is not None:
            item.stash[LIMIT_KEY] = limit
            limits[item.check.id] = limit
    if limits:
        built.runner.limit(limits)
    from envcheck.engine.runner import SignalDrain

    # before any check starts: a SIGTERM that comes while the checks are being started still
    # drains them and writes the report
    drain = SignalDrain(built.runner, lambda signum: _report_interrupted(session, items, signum))
    drain.install()
    session.config.stash[DRAIN_KEY] = drain
    built.runner.start(item.check.id for item in items)


def _report_interrupted(session: pytest.Session, items: list[Any], signum: int) -> None:
    """SIGTERM or SIGHUP (a cancelled CI job): write what is known before the process ends; the
    checks that had not finished are marked as interrupted."""
    config = session.config
    built = config.stash.get(ENGINE_KEY, None)
    if built is None or hasattr(config, "workerinput"):
        return
    target = config.getoption("envcheck_report")
    if not target and not os.environ.get("GITHUB_STEP_SUMMARY"):
        return
    import signal as _signal

    from envcheck.core.model import Status
    from envcheck.engine import results as _results
    from envcheck.report import files

    name = _signal.Signals(signum).name
    known = built.runner.finished()
    shown = []
    for item in items:
        result = known.get(item.check.id)
        if result is None:
            result = _results.make(
                item.check,
                Status.FAIL,
                f"interrupted: the run received {name} before this check finished",
                why="the job was cancelled or the terminal closed while the check ran",
                hint="run the checks again: pytest -m envcheck",
            )
        shown.append(result.to_dict())
    files.write_all(config, shown, target)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Also after -x or Ctrl-C: checks still running finish their clean-up (bounded)."""
    built = session.config.stash.get(ENGINE_KEY, None)
    if built is not None:
        try:
            built.runner.drain()
        except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
            pass
    drain = session.config.stash.get(DRAIN_KEY, None)
    if drain is not None:
        drain.restore()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> None:
    from envcheck.pytest_plugin.timeouts import STARTED_KEY

    item.stash[STARTED_KEY] = time.monotonic()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if hasattr(item, "check") and report.sections:
        from envcheck.core import redact

        # what a check printed (pytest's "Captured stdout call"): masked like every output
        report.sections = [(title, redact.redact(text)) for title, text in report.sections]
    if call.when == "call" and hasattr(item, "check"):
        from envcheck.pytest_plugin.items import RESULT_KEY

        result = item.stash.get(RESULT_KEY, None)
        if result is not None:
            report.envcheck = result.to_dict()
            # the check ran in a background thread: its own time, not the wait for its result
            report.duration = result.duration
    return report


NOTICES_KEY = pytest.StashKey[list[str]]()


def _notice_empty_markers(session: pytest.Session, built: Engine | None) -> None:
    """``-m providers`` that selects no check says why (instead of a bare "34 deselected")."""
    expression = session.config.getoption("markexpr") or ""
    named = [c for c in BUILTIN_COMPONENTS if c in expression.replace("(", " ").split()]
    if not named or "not" in expression.split():
        return
    from envcheck.pytest_plugin.items import CheckItem

    selected = {item.check.component for item in session.items if isinstance(item, CheckItem)}
    notices = []
    for component in named:
        if component in selected:
            continue
        if built is None:
            why = nothing_to_check(session.config)
        elif component not in built.components:
            why = (
                f"[tool.envcheck.{component}] is not configured (envcheck init adds what it "
                "finds; see the README's Configuration)"
            )
        else:
            why = "the other options deselected them"
        notices.append(f"-m {expression!r} selects no {component} check: {why}")
    session.config.stash[NOTICES_KEY] = notices


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    for notice in config.stash.get(NOTICES_KEY, []):
        terminalreporter.write_line(f"envcheck: {notice}", yellow=True)


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A failed check is said once in the terminal, in the envcheck section's "How to fix": once
    the other plugins (JUnit XML: what, why and the fix) have read the report, its FAILURES entry
    and short summary line point there."""
    found = getattr(report, "envcheck", None)
    if report.failed and isinstance(found, dict) and found.get("status") == "fail":
        report.longrepr = "see 'How to fix' in the envcheck section below"
