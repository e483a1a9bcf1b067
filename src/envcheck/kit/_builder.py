"""Making a component's checks: :class:`Component` and the *not configured* check."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from envcheck.core.model import Check, Context, Outcome, skip


def not_configured_fix(component: str, variables: Sequence[str]) -> str:
    names = " or ".join(variables)
    return f"set {names}, or add [tool.envcheck.{component}] to pyproject.toml"


def not_configured(component: str, variables: Sequence[str]) -> Check:
    """The single check a component yields when nothing tells it what to check (no section, none
    of ``variables`` set): reported as *not configured* (skipped), never as broken."""
    fix = not_configured_fix(component, variables)

    def run(ctx: Context) -> Outcome:
        return skip(f"not configured: {' / '.join(variables)} not set", fix=fix)

    return Check(name="configured", component=component, run=run, description="is it set up?")


@dataclass(frozen=True)
class Component:
    """Makes the checks of one component (or one instance of it): each gets the component,
    its config ``section``, the ``timeout``, and its name and dependencies between ``prefix`` and
    ``suffix`` (``"replica."``, ``"[openai]"``)::

        kafka = kit.Component("kafka", section=cfg, timeout=5.0)
        yield kafka.check("reachable", reachable, "the broker answers")
        yield kafka.check("topics", topics, "the topics exist", "reachable")

    With ``instance`` set, ``run`` is called as ``run(instance, ctx)``.
    """

    name: str
    section: Any = None
    timeout: float | None = None
    prefix: str = ""
    suffix: str = ""
    instance: str | None = None

    def check(
        self,
        name: str,
        run: Callable[..., Any],
        description: str = "",
        *depends_on: str,
        timeout: float | None = None,
    ) -> Check:
        """A check ``<prefix><name>`` of this component that runs after ``depends_on``."""
        return Check(
            name=self.prefix + name + self.suffix,
            component=self.name,
            run=functools.partial(run, self.instance) if self.instance is not None else run,
            description=description,
            depends_on=tuple(self.prefix + dep + self.suffix for dep in depends_on),
            timeout=timeout or self.timeout,
            section=self.section,
        )
