"""Runs checks concurrently, each bounded by its timeout, in dependency order.

A check starts as soon as its dependencies have results, on a thread of its own (a check may
block) that never holds the interpreter at exit. Those threads are started with
:func:`_thread.start_new_thread`, which returns at once: ``threading.Thread.start()`` waits until
the new thread has run, i.e. has taken the GIL, which costs ~20 ms a thread while other threads
are busy (imports, the installed-packages scan), and the checks are started when they are. (A check
that asks ``threading.current_thread()`` gets a ``Dummy-N`` thread object, as in any thread
threading did not start; a tracer or profiler set with ``threading.settrace``/``setprofile``, as
coverage and debuggers do, is set in the check's thread as ``threading.Thread`` sets it.) One
watchdog thread ends the checks that overrun their timeout; nothing else waits in a thread.
Dependencies are handled iteratively and in linear time, so a chain of ten thousand checks is as
good as a chain of two.

At session end (also after ``-x``, Ctrl-C or SIGTERM) :meth:`Runner.drain` starts nothing new,
kills the programs that checks still running wait for, cancels the async checks still running and
waits, bounded by their own deadlines, for the checks still running to finish their clean-up (a
probe key deleted, a connection closed).
"""

from __future__ import annotations

import _thread
import dataclasses
import heapq
import inspect
import itertools
import math
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from envcheck.core import exec as _exec
from envcheck.core.config import EnvcheckConfig
from envcheck.core.model import Check, CheckResult, Context, Status
from envcheck.engine import output
from envcheck.engine import registry as _registry
from envcheck.engine import results as _results
from envcheck.engine.asyncrun import run_async
from envcheck.engine.store import Store

#: Extra time a check gets beyond its timeout to finish cleaning up after cancellation, and to
#: turn its own client's timeout (set to what is left of the check's) into its diagnosis: a share
#: of the timeout, and at least GRACE_MIN seconds or GRACE_SHARE of a shorter one (on a loaded
#: machine a thread is late to run, and the check's verdict is better than the runner's).
GRACE_FRACTION = 0.08
GRACE_MIN = 1.0
GRACE_SHARE = 0.5


def grace(seconds: float) -> float:
    """The grace a check of timeout ``seconds`` gets past it."""
    return max(seconds * GRACE_FRACTION, min(GRACE_MIN, seconds * GRACE_SHARE))


def fitting(room: float) -> float:
    """The largest timeout whose check, grace included, ends within ``room`` seconds."""
    return min(room / (1 + GRACE_FRACTION), max(room - GRACE_MIN, room / (1 + GRACE_SHARE)))


#: Waiting for a result computed by another process allows this much beyond the chain's timeouts.
REMOTE_SLACK = 10.0
#: A failure that came after this share of a lowered timeout was shaped by it (a silence waited
#: out, then side probes that each take half the time left: kit/_net.py PROBE_SHARE), and says so.
LOWERED_SHARE = 0.75
#: At session end, wait at most this long for the checks still running to clean up.
DRAIN_LIMIT = 5.0


def chain_timeouts(checks: Mapping[str, Check]) -> dict[str, float]:
    """How long a result may take, dependencies included: computed once, iteratively."""
    return _registry.fold(
        checks,
        lambda check, deps: check.seconds
        + grace(check.seconds)
        + max(deps, default=0.0)
        + REMOTE_SLACK,
    )


class _Run:
    """One check while it runs."""

    def __init__(self, check: Check, ctx: Context, started: float) -> None:
        self.check = check
        self.ctx = ctx
        self.started = started
        self.ends = started + check.seconds + grace(check.seconds)
        self.settled = False
        #: set when the check's thread is done with it (clean-up included)
        self.finished = threading.Event()
        self.cancel: Callable[[], None] | None = None

    def on_cancel(self, cancel: Callable[[], None] | None) -> None:
        self.cancel = cancel


class Runner:
    """Hands out check results, starting each check (and what it depends on) at most once."""

    def __init__(self, checks: Mapping[str, Check], config: EnvcheckConfig, store: Store) -> None:
        self.checks = checks
        self.config = config
        self._store = store
        self._lock = threading.Lock()
        self._started: set[str] = set()
        self._local: set[str] = set()
        self._remote: set[str] = set()
        self._watched: set[str] = set()
        self._results: dict[str, CheckResult] = {}
        self._waiting: dict[str, set[str]] = {}
        self._dependents: dict[str, list[str]] = {}
        self._running: dict[int, _Run] = {}
        self._closed = False
        self._chain = chain_timeouts(checks)
        self._watchdog = _Watchdog(self._overran)
        #: check id -> why its timeout is lower than its own (another limit applies)
        self.lowered: dict[str, str] = {}
        #: check id -> what the check printed (not masked yet: whoever shows it masks it)
        self.printed: dict[str, str] = {}

    def limit(self, limits: Mapping[str, tuple[float, str]]) -> None:
        """Before :meth:`start`: a check whose result must come within ``limits[id]`` seconds
        (another plugin's limit, e.g. pytest-timeout's, named by the text) runs with a timeout
        below it, so that envcheck gives the verdict; the change is said in the result."""
        changed = False
        for check_id, (limit, source) in limits.items():
            check = self.checks.get(check_id)
            if check is None:
                continue
            budget = max(0.1, math.floor(fitting(limit - max(0.25, 0.2 * limit)) * 100) / 100)
            if budget >= check.seconds:
                continue
            self.lowered[check_id] = (
                f"envcheck's {check.seconds:g} s timeout of this check was lowered to {budget:g} s "
                f"to fit {source}"
            )
            if isinstance(self.checks, dict):
                self.checks[check_id] = dataclasses.replace(check, timeout=budget)
            changed = True
        if changed:
            self._chain = chain_timeouts(self.checks)

    def start(self, check_ids: Iterable[str]) -> None:
        """Start the given checks and everything they depend on."""
        ready: list[str] = []
        remote_deps: list[str] = []
        with self._lock:
            for cid in self._new_in_dependency_order(check_ids):
                if not self._store.claim(cid):
                    self._remote.add(cid)
                    continue
                self._local.add(cid)
                missing = {d for d in self.checks[cid].depends_on if d not in self._results}
                if not missing:
                    ready.append(cid)
                    continue
                self._waiting[cid] = missing
                for dep in missing:
                    self._dependents.setdefault(dep, []).append(cid)
                    if dep in self._remote and dep not in self._watched:
                        self._watched.add(dep)
                        remote_deps.append(dep)
        for dep in remote_deps:
            threading.Thread(
                target=self._fetch_remote,
                args=(dep,),
                name=f"envcheck-wait:{dep}",
                daemon=True,
            ).start()
        self._proceed(ready, [])

    def result(self, check_id: str, within: tuple[float, str] | None = None) -> CheckResult:
        """The result of ``check_id``, starting it if nobody has; never waits without bound, and
        with ``within`` (seconds, and whose limit that is) not longer than that."""
        self.start([check_id])
        wait = self._chain[check_id]
        if within is not None:
            # the margin left to the limit's owner is the one limit() leaves a check: the
            # verdict is made and reported before pytest-timeout fires, on a loaded machine too;
            # when earlier fixtures left less than that margin, the verdict is given at once
            wait = min(wait, max(0.0, within[0] - max(0.25, 0.2 * within[0])))
        found = self._store.get(check_id, time.monotonic() + wait)
        if found is not None:
            return found
        if within is not None and wait < self._chain[check_id]:
            return _results.make(
                self.checks[check_id],
                Status.FAIL,
                f"no result within {within[1]}: it was still waiting for this check or what it "
                "depends on",
                why="the checks this one depends on took longer than that limit allows (they "
                "were deselected, or run by another pytest-xdist worker)",
                hint=f"raise {within[1]} for the envcheck items, or run the checks alone: "
                "pytest -m envcheck",
            )
        if check_id in self._local:
            return _results.make(
                self.checks[check_id],
                Status.FAIL,
                "no result: envcheck lost track of this check",
                hint="report a bug in envcheck, with the plugin that provides this check",
            )
        return _results.make(
            self.checks[check_id],
            Status.FAIL,
            "no result: the process that ran this check did not report back",
            hint="re-run without -n (pytest-xdist) to see the check's own error",
        )

    def finished(self) -> dict[str, CheckResult]:
        """The results this process has so far."""
        with self._lock:
            return dict(self._results)

    def in_flight(self) -> list[tuple[str, float]]:
        """The checks running in this process and for how many seconds, longest first."""
        now = time.monotonic()
        with self._lock:
            runs = [(run.check.id, now - run.started) for run in self._running.values()]
        return sorted(runs, key=lambda run: -run[1])

    def drain(self, limit: float = DRAIN_LIMIT) -> None:
        """Start nothing more; let the checks still running finish their clean-up (bounded).

        The programs they run (through :func:`envcheck.core.exec.run`) are killed first: a check's
        thread cannot be interrupted, and a program waited for there would outlive the run."""
        with self._lock:
            self._closed = True
            runs = list(self._running.values())
        if runs:
            _exec.stop_all()
        for run in runs:
            if run.cancel is not None:
                run.cancel()
        end = time.monotonic() + limit
        for run in runs:
            left = min(end, run.ends) - time.monotonic()
            if left > 0:
                run.finished.wait(left)

    def _new_in_dependency_order(self, check_ids: Iterable[str]) -> list[str]:
        """Checks not started yet among ``check_ids`` and their dependencies, dependencies first."""
        order: list[str] = []
        for root in check_ids:
            stack = [(root, False)]
            while stack:
                cid, expanded = stack.pop()
                if expanded:
                    order.append(cid)
                    continue
                if cid in self._started:
                    continue
                self._started.add(cid)
                stack.append((cid, True))
                deps = self.checks[cid].depends_on
                stack.extend((d, False) for d in reversed(deps) if d not in self._started)
        return order

    def _fetch_remote(self, check_id: str) -> None:
        found = self._store.get(check_id, time.monotonic() + self._chain[check_id])
        if found is None:
            found = _results.make(
                self.checks[check_id],
                Status.FAIL,
                "no result: the process that ran this check did not report back",
                hint="re-run without -n (pytest-xdist) to see the check's own error",
            )
        self._proceed([], [(found, False)])

    def _proceed(self, ready: list[str], finished: list[tuple[CheckResult, bool]]) -> None:
        """Record results and start what they unblock, iteratively (no recursion along chains)."""
        done = deque(finished)
        todo = deque(ready)
        while done or todo:
            while todo:
                produced = self._begin(todo.popleft())
                if produced is not None:
                    done.append((produced, True))
            if not done:
                break
            result, local = done.popleft()
            if local:
                self._store.put(result)
            with self._lock:
                self._results[result.id] = result
                for dependent in self._dependents.pop(result.id, ()):
                    missing = self._waiting[dependent]
                    missing.discard(result.id)
                    if not missing:
                        del self._waiting[dependent]
                        todo.append(dependent)

    def _begin(self, check_id: str) -> CheckResult | None:
        """Launch a check whose dependencies have results, or return the result it gets instead."""
        check = self.checks[check_id]
        deps = {d: self._results[d] for d in check.depends_on}
        blocker = next((r for r in deps.values() if r.status in (Status.FAIL, Status.SKIP)), None)
        if blocker is not None:
            # name the root cause, not the chain of checks it blocked on the way
            root = blocker.blocked_by or blocker.id
            summary = (
                blocker.summary if blocker.blocked_by else f"blocked by {root}: {blocker.summary}"
            )
            skipped = _results.make(check, Status.SKIP, summary, hint=blocker.hint, why=blocker.why)
            skipped.blocked_by = root
            return skipped
        started = time.monotonic()
        run = _Run(check, Context(check, self.config, deps, started + check.seconds), started)
        with self._lock:
            if self._closed:
                return _results.make(check, Status.SKIP, "not run: the session ended first")
            self._running[id(run)] = run
        try:
            start_thread(self._work, run)
        except RuntimeError as exc:  # the system refuses more threads
            run.finished.set()
            with self._lock:
                self._running.pop(id(run), None)
            return _results.make(
                check, Status.FAIL, f"could not start a thread for this check: {exc}"
            )
        self._watchdog.watch(run)
        return None

    def _work(self, run: _Run) -> None:
        try:
            with output.captured() as printed:
                try:
                    produced = run.check.run(run.ctx)
                    if inspect.isawaitable(produced):
                        seconds = run.check.seconds
                        produced = run_async(produced, seconds, grace(seconds), run.on_cancel)
                except BaseException as exc:  # noqa: B036 - everything a check raises is a result
                    self.printed[run.check.id] = output.tail(printed)
                    self._settle(run, "error", exc)
                else:
                    self.printed[run.check.id] = output.tail(printed)
                    self._settle(run, "outcome", produced)
        finally:
            with self._lock:
                self._running.pop(id(run), None)
            run.finished.set()

    def _overran(self, run: _Run) -> None:
        self._settle(run, "timeout", None)

    def _settle(self, run: _Run, kind: str, value: Any) -> None:
        with self._lock:
            if run.settled:
                return
            run.settled = True
        check = run.check
        duration = time.monotonic() - run.started
        # a TimeoutError counts as the check's own timeout only when it came at the deadline (the
        # runner's wait_for); an earlier one (a socket timeout, say) is the check's own diagnosis
        if kind == "error" and isinstance(value, TimeoutError):
            kind = "timeout" if duration >= check.seconds * 0.9 else kind
        try:
            if kind == "timeout":
                result = _results.timed_out(check, self.lowered.get(check.id))
            elif kind == "error":
                result = _results.from_exception(check, value)
            else:
                result = _results.from_outcome(check, value)
            for key, fact in _snapshot(run.ctx.facts):
                result.facts.setdefault(_results.text(key), _results.plain(fact))
            result.duration = duration
            lowered = self.lowered.get(check.id)
            if lowered and kind != "timeout" and result.status is Status.FAIL:
                if duration >= check.seconds * LOWERED_SHARE:  # it ran into the lowered limit
                    result.why = f"{result.why}; {lowered}" if result.why else lowered
            if result.status is not Status.SKIP:
                # what a check observed is live unless it replayed a cassette or asked a mock
                evidence = run.ctx.evidence
                result.evidence = _results.text(evidence) if evidence else "live"
            result = _results.redacted(result)
        except BaseException as exc:  # noqa: B036 - a result is always produced
            result = _results.broken(check, exc)
            result.duration = duration
        self._proceed([], [(result, True)])


class SignalDrain:
    """While a session runs: SIGTERM and SIGHUP (a cancelled CI job, a closed terminal) first let
    the checks still running clean up (:meth:`Runner.drain`), then do what they would have done.

    Installed from the main thread only, over whatever handler was there (which is called after).
    """

    SIGNALS = (signal.SIGTERM, signal.SIGHUP)

    def __init__(self, runner: Runner, on_signal: Callable[[int], None] | None = None) -> None:
        self._runner = runner
        self._previous: dict[int, Any] = {}
        #: called after the drain, before the signal does what it would have done (the report)
        self._on_signal = on_signal

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in self.SIGNALS:
            previous = signal.getsignal(sig)
            if previous is signal.SIG_IGN or previous is None:
                continue
            self._previous[sig] = previous
            signal.signal(sig, self._handle)

    def restore(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig, previous in self._previous.items():
            if signal.getsignal(sig) == self._handle:
                signal.signal(sig, previous)
        self._previous.clear()

    def _handle(self, signum: int, frame: Any) -> None:
        self._runner.drain()
        if self._on_signal is not None:
            try:
                self._on_signal(signum)
            except Exception:  # noqa: B902 - the signal must still do what it would have done
                pass
        previous = self._previous.get(signum, signal.SIG_DFL)
        if callable(previous):
            previous(signum, frame)
            return
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def _snapshot(facts: Mapping[str, Any]) -> list[tuple[str, Any]]:
    for _ in range(3):
        try:
            return list(facts.items())
        except RuntimeError:  # the check's thread, still running, added a fact meanwhile
            continue
    return []


class _Watchdog:
    """One thread that ends every check still running at its deadline (plus grace)."""

    def __init__(self, expire: Callable[[_Run], None]) -> None:
        self._expire = expire
        self._heap: list[tuple[float, int, _Run]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, run: _Run) -> None:
        with self._cv:
            heapq.heappush(self._heap, (run.ends, next(self._seq), run))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="envcheck-watchdog", daemon=True
                )
                self._thread.start()
            if self._heap[0][2] is run:
                self._cv.notify()

    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._cv.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                _, _, run = heapq.heappop(self._heap)
            if not run.settled:
                self._expire(run)


def start_thread(target: Callable[[Any], None], arg: Any) -> None:
    """``target(arg)`` on a new thread, started without waiting for it to run; the tracer and
    profiler ``threading.settrace``/``setprofile`` installed (coverage, a debugger) are set in it
    first, as ``threading.Thread`` does for the threads it starts."""
    trace, profile = threading.gettrace(), threading.getprofile()
    if trace is None and profile is None:
        _thread.start_new_thread(target, (arg,))
    else:
        _thread.start_new_thread(_hooked, (trace, profile, target, arg))


def _hooked(trace: Any, profile: Any, target: Callable[[Any], None], arg: Any) -> None:
    if trace is not None:
        sys.settrace(trace)
    if profile is not None:
        sys.setprofile(profile)
    target(arg)
