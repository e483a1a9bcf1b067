"""Runs checks concurrently, each bounded by its timeout, in dependency order."""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from typing import Any

from envcheck import redact
from envcheck._context import Context
from envcheck._extras import missing_extra
from envcheck._model import Check, CheckFailed, CheckResult, CheckSkipped, Outcome, Status
from envcheck._store import Store
from envcheck.config import EnvcheckConfig

#: Extra time a check gets beyond its timeout to finish cleaning up after cancellation.
GRACE_FRACTION = 0.08
#: Waiting for a result computed by another process allows this much beyond the chain's timeouts.
REMOTE_SLACK = 10.0


class Runner:
    """Starts checks on daemon threads (never blocking interpreter exit) and hands out results."""

    def __init__(self, checks: Mapping[str, Check], config: EnvcheckConfig, store: Store) -> None:
        self.checks = checks
        self.config = config
        self._store = store
        self._started: set[str] = set()
        self._lock = threading.Lock()
        self._results: dict[str, CheckResult] = {}

    def start(self, check_ids: Iterable[str]) -> None:
        """Start the given checks and everything they depend on."""
        for check_id in check_ids:
            self._start(check_id)

    def _start(self, check_id: str) -> None:
        with self._lock:
            if check_id in self._started:
                return
            self._started.add(check_id)
        check = self.checks[check_id]
        for dep in check.depends_on:
            self._start(dep)
        if self._store.claim(check_id):
            threading.Thread(
                target=self._drive, args=(check,), name=f"envcheck:{check_id}", daemon=True
            ).start()

    def result(self, check_id: str) -> CheckResult:
        """The result of ``check_id``, starting it if nobody has; never waits without bound."""
        self._start(check_id)
        found = self._store.get(check_id, time.monotonic() + self._chain_timeout(check_id))
        if found is None:
            check = self.checks[check_id]
            return _result(
                check,
                Status.FAIL,
                "no result: the process that ran this check did not report back",
                hint="re-run without -n (pytest-xdist) to see the check's own error",
            )
        self._results[check_id] = found
        return found

    def _chain_timeout(self, check_id: str) -> float:
        check = self.checks[check_id]
        deps = [self._chain_timeout(d) for d in check.depends_on]
        return check.seconds * (1 + GRACE_FRACTION) + max(deps, default=0.0) + REMOTE_SLACK

    def _drive(self, check: Check) -> None:
        deps: dict[str, CheckResult] = {}
        for dep in check.depends_on:
            deps[dep] = self.result(dep)
        blocker = next((r for r in deps.values() if r.status in (Status.FAIL, Status.SKIP)), None)
        if blocker is not None:
            # name the root cause, not the chain of checks it blocked on the way
            root = blocker.blocked_by or blocker.id
            summary = (
                blocker.summary if blocker.blocked_by else f"blocked by {root}: {blocker.summary}"
            )
            outcome = _result(check, Status.SKIP, summary, hint=blocker.hint, why=blocker.why)
            outcome.blocked_by = root
            self._store.put(outcome)
            return
        self._store.put(execute(check, self.config, deps))


def execute(check: Check, config: EnvcheckConfig, deps: Mapping[str, CheckResult]) -> CheckResult:
    """Run one check in a daemon thread and wait at most its timeout (plus a short grace)."""
    started = time.monotonic()
    ctx = Context(check, config, deps, started + check.seconds)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            produced = check.run(ctx)
            if inspect.isawaitable(produced):
                produced = asyncio.run(_bounded(produced, check.seconds))
            box["outcome"] = produced
        except BaseException as exc:  # noqa: B036 - everything a check raises becomes a result
            box["error"] = exc

    worker = threading.Thread(target=target, name=f"envcheck-run:{check.id}", daemon=True)
    worker.start()
    worker.join(check.seconds * (1 + GRACE_FRACTION))
    duration = time.monotonic() - started
    # a TimeoutError counts as the check's own timeout only when it came at the deadline (the
    # runner's wait_for); an earlier one (a socket timeout, say) is the check's own diagnosis
    cancelled = isinstance(box.get("error"), TimeoutError) and duration >= check.seconds * 0.9
    if worker.is_alive() or cancelled:
        result = _timed_out(check)
    elif "error" in box:
        result = _from_exception(check, box["error"])
    else:
        result = _from_outcome(check, box.get("outcome"))
    for key, value in ctx.facts.items():
        result.facts.setdefault(key, value)
    result.duration = duration
    if result.status is not Status.SKIP:
        # what a check observed is live unless it says it replayed a cassette or asked a mock
        result.evidence = result.evidence or ctx.evidence or "live"
    return _redacted(result)


async def _bounded(awaitable: Any, timeout: float) -> Any:
    return await asyncio.wait_for(awaitable, timeout)


def _result(check: Check, status: Status, summary: str, **kw: Any) -> CheckResult:
    return CheckResult(
        id=check.id,
        component=check.component,
        name=check.name,
        status=status,
        summary=summary,
        description=check.description,
        depends_on=list(check.depends_on),
        **kw,
    )


def _timed_out(check: Check) -> CheckResult:
    return _result(
        check,
        Status.FAIL,
        f"did not finish within its {check.seconds:g} s timeout",
        why="whatever it waits on is not answering (a stopped service, a firewall, a wrong host)",
        hint=f"check that {check.component} is up and reachable, or raise its timeout",
    )


def _from_outcome(check: Check, produced: Any) -> CheckResult:
    if produced is None:
        return _result(check, Status.PASS, "ok")
    if isinstance(produced, Outcome):
        return _result(
            check,
            produced.status,
            produced.summary or produced.status.value,
            facts=dict(produced.facts),
            hint=produced.hint,
            why=produced.why,
        )
    return _result(
        check,
        Status.FAIL,
        f"returned {type(produced).__name__}; a check returns None or envcheck.ok/warn/skip(...)",
        hint=f"fix the run function of {check.id}",
    )


def _from_exception(check: Check, exc: BaseException) -> CheckResult:
    if isinstance(exc, CheckFailed):
        return _result(
            check, Status.FAIL, exc.summary, hint=exc.hint, why=exc.why, facts=dict(exc.facts)
        )
    if isinstance(exc, CheckSkipped):
        return _result(check, Status.SKIP, exc.reason, hint=exc.hint)
    missing = missing_extra(exc)
    if missing is not None:
        module, extra = missing
        return _result(
            check,
            Status.FAIL,
            f"the {check.component} checks need the Python package {module}, which is not "
            "installed",
            why=f"it comes with envcheck's '{extra}' extra",
            hint=f"pip install 'envcheck[{extra}]'  (Poetry: poetry add --group dev "
            f"'envcheck[{extra}]')",
        )
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "unknown"
    return _result(
        check,
        Status.FAIL,
        f"{type(exc).__name__}: {exc}",
        why=f"the check raised an unexpected error at {where}",
        hint=f"fix the cause above, or report a bug in the plugin that provides {check.id}",
    )


def _redacted(result: CheckResult) -> CheckResult:
    result.summary = redact.redact(result.summary)
    result.hint = redact.redact(result.hint) if result.hint else result.hint
    result.why = redact.redact(result.why) if result.why else result.why
    result.facts = redact.redact_any(result.facts)
    return result
