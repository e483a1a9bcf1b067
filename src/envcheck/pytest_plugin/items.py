"""Checks as pytest items: one item per check, marked ``envcheck`` and its component."""

from __future__ import annotations

import functools
import inspect
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from envcheck.core import redact
from envcheck.core.format import diagnosis
from envcheck.core.model import Check, CheckResult, Status
from envcheck.engine.engine import Engine

RESULT_KEY = pytest.StashKey[CheckResult]()
#: pytest-timeout's limit for the item (seconds, where it was set), when it has one
LIMIT_KEY = pytest.StashKey[tuple[float, str]]()
#: after this many seconds of waiting for a result, the terminal says which checks are running
WAIT_NOTICE = 2.0


class CheckFailure(Exception):
    """Raised by a failing check item; rendered without a traceback."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.summary)
        self.result = result


def explain(result: CheckResult) -> str:
    """What is wrong, why, and the fix, in the words every report uses."""
    lines = [f"  {line}" for line in diagnosis(result.to_dict())]
    return "\n".join([f"{result.id}: {result.summary}", *lines])


class EnvcheckCollector(pytest.Collector):
    """The ``envcheck`` node that holds one collector per component."""

    def collect(self) -> list[Any]:  # pragma: no cover - items are created by make_items
        return []


class CheckItem(pytest.Item):
    def __init__(self, *, check: Check, engine: Engine, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.engine = engine

    def runtest(self) -> None:
        with _Waiting(self.config, self.engine):
            result = self.engine.runner.result(self.check.id, self.stash.get(LIMIT_KEY, None))
        self.stash[RESULT_KEY] = result
        printed = self.engine.runner.printed.get(self.check.id)
        if printed:
            self.add_report_section("call", "stdout", redact.redact(printed))
        for name, value in result.to_dict().get("facts", {}).items():
            shown = (
                value
                if isinstance(value, str)
                else json.dumps(value, ensure_ascii=False, default=str)
            )
            self.user_properties.append((f"fact.{name}", redact.clean(shown)))
        self.user_properties.append(("status", result.status.value))
        if result.status is Status.FAIL:
            raise CheckFailure(result)
        if result.status is Status.SKIP:
            reason = result.summary + (f" ({result.hint})" if result.hint else "")
            # -rA names the check's own module, not this file
            raise pytest.skip.Exception(reason, _use_item_location=True)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CheckFailure):
            return explain(excinfo.value.result)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the check is defined: its function's module (a plugin, a conftest), else the
        configuration file that asked for it (also for envcheck's own components: their source
        is not where a user looks)."""
        found = _defined_at(self.check.run)
        if found is not None and _ENVCHECK not in found[0].resolve().parents:
            return found[0], found[1], self.check.id
        # line 0 (shown as 1): pytest needs a line for a skip located at the item
        return self.path, 0, self.check.id


#: envcheck's own package: its components' checks are located at the configuration file
_ENVCHECK = Path(__file__).resolve().parent.parent


def _defined_at(run: Any) -> tuple[Path, int] | None:
    while isinstance(run, functools.partial):
        run = run.func
    try:
        source = inspect.getsourcefile(run)
        code = getattr(inspect.unwrap(run), "__code__", None)
    except (TypeError, ValueError):
        return None
    if source is None or code is None:
        return None
    return Path(source), code.co_firstlineno - 1


class _Waiting:
    """While an item waits for its result longer than :data:`WAIT_NOTICE`, the terminal shows
    which checks are still running and for how long (not with ``-q``, not on xdist workers)."""

    def __init__(self, config: pytest.Config, engine: Engine) -> None:
        self.reporter: Any = config.pluginmanager.get_plugin("terminalreporter")
        self.capture: Any = config.pluginmanager.get_plugin("capturemanager")
        quiet = config.get_verbosity() < 0 or hasattr(config, "workerinput")
        self.runner = engine.runner if self.reporter is not None and not quiet else None
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> _Waiting:
        if self.runner is not None:
            self.thread = threading.Thread(target=self._watch, name="envcheck-waiting", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()

    def _watch(self) -> None:
        pause = WAIT_NOTICE
        while not self.done.wait(pause) and self.runner is not None:
            running = self.runner.in_flight()
            if running:
                shown = ", ".join(f"{cid} ({took:.1f} s)" for cid, took in running)
                self._say(f"waiting for: {shown}")
            pause = 5.0

    def _say(self, line: str) -> None:
        """Past pytest's output capture (which holds the test's output while it runs), on a line
        of its own; then the progress line pytest had begun is begun again, so its dots (or the
        item's name with -v) stay together."""
        if self.capture is None:
            self._write(line)
            return
        with self.capture.global_and_fixture_disabled():
            self._write(line)

    def _write(self, line: str) -> None:
        current = getattr(self.reporter, "currentfspath", None)  # write_line forgets it
        self.reporter.write_line(line)
        if isinstance(current, Path):
            start = getattr(self.reporter, "startpath", current.parent)
            self.reporter.write(f"{os.path.relpath(current, start)} ", flush=True)
        elif isinstance(current, str):
            self.reporter.write(current, flush=True)
        else:
            return
        self.reporter.currentfspath = current  # the progress goes on on this line


def make_items(session: pytest.Session, engine: Engine) -> list[CheckItem]:
    source = Path(engine.config.source)
    path = source if source.is_file() else session.config.rootpath
    root = EnvcheckCollector.from_parent(session, name="envcheck", path=path, nodeid="envcheck")
    components: dict[str, EnvcheckCollector] = {}
    items: list[CheckItem] = []
    for check in sorted(engine.checks.values(), key=_order(engine)):
        parent = components.get(check.component)
        if parent is None:
            parent = EnvcheckCollector.from_parent(root, name=check.component)
            components[check.component] = parent
        item = CheckItem.from_parent(parent, name=check.name, check=check, engine=engine)
        item.add_marker("envcheck")
        item.add_marker(check.component)
        items.append(item)
    return items


def _order(engine: Engine) -> Any:
    """Components in name order; inside one, dependencies before the checks that need them."""
    from envcheck.engine.registry import levels

    depth = levels(engine.checks)  # iterative: a chain of 10,000 checks is fine
    index = {check_id: n for n, check_id in enumerate(engine.checks)}
    return lambda check: (check.component, depth[check.id], index[check.id])
