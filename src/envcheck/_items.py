"""Checks as pytest items: one item per check, marked ``envcheck`` and its component."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from envcheck._engine import Engine
from envcheck._model import Check, CheckResult, Status
from envcheck.report._common import diagnosis

RESULT_KEY = pytest.StashKey[CheckResult]()


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
        result = self.engine.runner.result(self.check.id)
        self.stash[RESULT_KEY] = result
        if result.status is Status.FAIL:
            raise CheckFailure(result)
        if result.status is Status.SKIP:
            reason = result.summary + (f" ({result.hint})" if result.hint else "")
            pytest.skip(reason)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CheckFailure):
            return explain(excinfo.value.result)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.check.id


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
    from envcheck._registry import levels

    depth = levels(engine.checks)  # iterative: a chain of 10,000 checks is fine
    index = {check_id: n for n, check_id in enumerate(engine.checks)}
    return lambda check: (check.component, depth[check.id], index[check.id])
