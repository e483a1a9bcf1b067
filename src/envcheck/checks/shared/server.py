"""What the server components (``postgres``, ``redis``) share: the config keys every instance has,
version comparison, the hook trio, one connection per instance, and *not found* for defaults.

A component module declares a :class:`ServerComponent` and takes its three hooks from it::

    SERVER = ServerComponent("redis", RedisConfig, ["REDIS_URL"], _defaults, _instance_checks)
    envcheck_config_sections, envcheck_default_config, envcheck_checks = SERVER.hooks()
"""

from __future__ import annotations

import atexit
import threading
import time
from collections import ChainMap
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from envcheck import hookimpl
from envcheck.checks.shared.config import ComponentConfig
from envcheck.core import redact
from envcheck.core.config import EnvcheckConfig, Instances
from envcheck.core.fix import Step, StepResult
from envcheck.core.model import Check, CheckFailed, CheckSkipped, Context
from envcheck.kit import Component, not_configured

#: ``source`` of an instance configured in pyproject.toml (or the --envcheck-config file)
FROM_FILE = "pyproject"


class ServerConfig(ComponentConfig):
    """Keys every server instance has, whatever the component."""

    write_check: bool = True


def section_name(component: str, instance: str) -> str:
    return f"tool.envcheck.{component}" + ("" if instance == "default" else f".{instance}")


def settings_from(ctx: Context, cfg: ServerConfig) -> str:
    """Where this instance's settings came from, for the ``settings_from`` fact."""
    if cfg.source:
        return cfg.source
    return Path(ctx.config.source).name if ctx.config.source.endswith(".toml") else FROM_FILE


def origin(name: str, environ: Mapping[str, str]) -> str:
    """``name``, marked when its value comes from a ``.env`` file rather than the environment
    (the mapping handed to ``envcheck_default_config`` is then a ChainMap: environment first)."""
    if isinstance(environ, ChainMap) and name not in environ.maps[0]:
        return f"{name} (.env)"
    return name


def not_found(what: str, tried: str, how: str) -> CheckSkipped:
    """Nothing answers at a default address: *not found*, with what was tried and how to
    configure the component."""
    return CheckSkipped(f"not found: no {what} at {tried}", hint=how)


@dataclass(frozen=True)
class ServerComponent:
    """A server component's wiring: its config model, its defaults and its checks per instance."""

    name: str
    model: type[ServerConfig]
    variables: Sequence[str]
    defaults: Callable[[Mapping[str, str]], dict[str, Any] | None]
    #: the checks of one instance, made with the :class:`~envcheck.kit.Component` it is given
    #: (its names prefixed ``NAME.`` for instances other than ``default``)
    instance_checks: Callable[[Component, Any], Iterator[Check]]

    def hooks(self) -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
        """``envcheck_config_sections``, ``envcheck_default_config``, ``envcheck_checks``."""

        @hookimpl
        def envcheck_config_sections() -> dict[str, Any]:
            return {self.name: Instances(self.model)}

        @hookimpl
        def envcheck_default_config(environ: Mapping[str, str]) -> dict[str, Any] | None:
            found = self.defaults(environ)
            return None if found is None else {self.name: found}

        @hookimpl
        def envcheck_checks(config: EnvcheckConfig) -> Iterator[Check]:
            instances: dict[str, Any] | None = config.section(self.name)
            if instances is None:
                if config.from_environment:
                    yield not_configured(self.name, list(self.variables))
                return
            for name, instance in instances.items():
                prefix = "" if name == "default" else f"{name}."
                make = Component(
                    self.name,
                    section=instance,
                    timeout=instance.timeout,
                    prefix=prefix,
                    instance=name,
                )
                yield from self.instance_checks(make, instance)

        return envcheck_config_sections, envcheck_default_config, envcheck_checks


T = TypeVar("T")

#: a shared connection nobody used for this long is closed (checks of one instance follow each
#: other within milliseconds; this closes the connection of checks deselected with -k)
IDLE_SECONDS = 1.0


class Shared(Generic[T]):
    """One connection to one server instance, used by its checks one after the other.

    envcheck must not cause what it reports: a server with one free connection slot passes, so
    the checks of an instance never hold two connections. The connection is opened by the first
    check that needs it, closed when a check fails in a way that leaves it unusable, when nobody
    used it for :data:`IDLE_SECONDS`, and at exit.
    """

    def __init__(self, closer: Callable[[T], None]) -> None:
        self._closer = closer
        self._lock = threading.Lock()
        self._conn: T | None = None
        self._timer: threading.Timer | None = None

    @contextmanager
    def use(
        self, ctx: Context, opener: Callable[[], T], alive: Callable[[T], bool] | None = None
    ) -> Iterator[T]:
        """The connection (opened with ``opener`` if there is none, or if ``alive`` says the one
        held is not: a diagnosis may have swallowed its loss), exclusively, for as long as the
        ``with`` block runs. An exception other than a diagnosis closes it; a check that waited
        for it past its deadline fails saying so."""
        if not self._lock.acquire(timeout=max(0.0, ctx.remaining() - 0.05)):
            raise CheckFailed(
                "another check of this server held envcheck's connection until this check's "
                "timeout",
                why="envcheck uses one connection per server, one check after the other; the "
                "check before this one hung on it",
                hint=f"look at the other failures of {ctx.check.component}; raise the timeout "
                "if the server is just slow",
            )
        try:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._conn is not None and alive is not None and not alive(self._conn):
                self._close_locked()
            if self._conn is None:
                self._conn = opener()
            try:
                yield self._conn
            except (CheckFailed, CheckSkipped):
                raise  # a diagnosis: the connection is fine
            except BaseException:  # noqa: B902 - closed, then re-raised
                self._close_locked()  # a connection error, or in an unknown state
                raise
        finally:
            if self._conn is not None:
                self._timer = threading.Timer(IDLE_SECONDS, self._idle)
                self._timer.daemon = True
                self._timer.start()
            self._lock.release()

    def close(self) -> None:
        """Close the connection now (waits, bounded, for the check using it)."""
        got = self._lock.acquire(timeout=2.0)
        try:
            self._close_locked()
        finally:
            if got:
                self._lock.release()

    def _idle(self) -> None:
        if self._lock.acquire(blocking=False):
            try:
                self._close_locked()
            finally:
                self._lock.release()

    def _close_locked(self) -> None:
        conn, self._conn = self._conn, None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if conn is not None:
            try:
                self._closer(conn)
            except Exception:  # noqa: B902 - closing a broken connection may fail: it is gone
                pass


_registry: dict[tuple[str, ...], Shared[Any]] = {}
_registry_lock = threading.Lock()


def shared(key: tuple[str, ...], closer: Callable[[Any], None]) -> Shared[Any]:
    """The :class:`Shared` connection of one instance, by a key that identifies its target
    (component, instance and the resolved address, so two sessions in one process never mix)."""
    with _registry_lock:
        found = _registry.get(key)
        if found is None:
            found = _registry[key] = Shared(closer)
        return found


def close_all(prefix: tuple[str, ...] = ()) -> None:
    """Close every shared connection whose key starts with ``prefix``."""
    with _registry_lock:
        holders = [h for k, h in _registry.items() if k[: len(prefix)] == prefix]
    for holder in holders:
        holder.close()


atexit.register(close_all)


def deadline_of(ctx: Context) -> float:
    """The monotonic time at which ``ctx``'s check times out."""
    return time.monotonic() + ctx.remaining()


def step_applier(
    component: str,
    kind: type[Step],
    apply: Callable[[Any, Any, EnvcheckConfig], StepResult],
) -> Callable[..., StepResult | None]:
    """The ``envcheck_apply_step`` hook of a server component: a step of ``kind`` is applied to
    the instance it names with ``apply(instance_config, step, config)``; a failure is the step's
    result (redacted), never an exception."""

    @hookimpl
    def envcheck_apply_step(step: Step, config: EnvcheckConfig) -> StepResult | None:
        if not isinstance(step, kind):
            return None
        instances: dict[str, Any] = config.section(component) or {}
        instance = getattr(step, "instance", "default")
        cfg = instances.get(instance)
        if cfg is None:
            return StepResult(False, f"[{section_name(component, instance)}] is not configured")
        try:
            return apply(cfg, step, config)
        except Exception as exc:  # noqa: B902 - the step failed: say how, keep going
            return StepResult(False, f"{type(exc).__name__}: {redact.clean(exc, 1000)}")

    return envcheck_apply_step
