"""Planning and applying fixes without a terminal: what ``envcheck fix`` (which asks first) and
``envcheck mcp serve`` (whose ``plan_fixes`` and ``apply_fix`` tools an agent calls) share.

- :func:`run_checks` runs the checks in this process (their output kept, not printed) and hands
  back the results and the session's engine, whose configuration and plugins apply the steps;
- :func:`fix_id` names a planned fix by its steps, the same in every run that plans it;
- :func:`refusal` says why a fix is not applied without a person (manual, privileged);
- :func:`apply` applies one fix's steps in order, each with a timeout, and records what happened;
- :func:`recheck_command`, :func:`read_report`, :func:`settle` and :func:`write_report` re-check in
  a fresh process and put the fixes into its report.

``python -m envcheck.cli.fixrun apply ID --result FILE`` applies one planned fix the way the MCP
server's ``apply_fix`` needs it (no terminal, no questions): it runs the checks, finds the fix whose
:func:`fix_id` is ``ID`` in their plan, refuses what :func:`refusal` refuses, applies the rest, and
writes what happened to ``FILE`` as JSON (redacted). The caller runs the re-check.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from envcheck.core import redact

if TYPE_CHECKING:
    import pluggy

    from envcheck.core.config import EnvcheckConfig
    from envcheck.engine.fixer import PlannedFix

#: the options every in-process run of the checks gets (as the ``envcheck`` console script's)
PYTEST_ARGS = (
    "--envcheck-only",
    "--envcheck-defaults",
    "-p",
    "no:cacheprovider",
    "-q",
    "-W",
    "ignore::pytest.PytestAssertRewriteWarning",
)

#: why a fix is not applied without a person: a manual step; a step needing a privilege
MANUAL, PRIVILEGED = "manual", "privileged"
#: the variable that marks every process of the step in flight (whatever it starts inherits it),
#: so that an interruption stops them all, even those that left its process group or tree
STEP_MARK = "ENVCHECK_FIX_STEP"


class Stopped(BaseException):
    """SIGTERM while fixing: unwinds like Ctrl-C (the step in flight is killed on the way)."""


class Collect:
    """A pytest plugin that keeps the check results and the session's engine."""

    def __init__(self) -> None:
        self.results: list[dict[str, Any]] = []
        self.engine: Any = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        found = getattr(report, "envcheck", None)
        if isinstance(found, dict):
            self.results.append(found)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from envcheck.pytest_plugin.plugin import engine

        self.engine = engine(session.config)


def pytest_args(config: str | None, rest: Sequence[str]) -> list[str]:
    """The arguments of an in-process run of the checks (``rest`` are the user's pytest ones)."""
    args = list(PYTEST_ARGS)
    if config:
        args.append(f"--envcheck-config={config}")
    return [*args, *rest]


def run_checks(config: str | None, rest: Sequence[str]) -> tuple[int, Collect, str]:
    """Run the checks in this process: pytest's exit code, what was collected, and the output
    pytest printed (kept, not shown)."""
    collect = Collect()
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        code = int(pytest.main(pytest_args(config, rest), plugins=[collect]))
    return code, collect, shown.getvalue()


def fix_id(item: PlannedFix) -> str:
    """A planned fix's name: a hash of its steps (as the report shows them, redacted), so the run
    that plans a fix and a later run that applies it name it alike, and two checks that share a
    fix share its name. A fix whose steps change (another role, another path) gets another one."""
    steps = json.dumps(item.fix.to_dict()["steps"], sort_keys=True)
    return hashlib.sha256(redact.redact(steps).encode("utf-8")).hexdigest()[:12]


def refusal(item: PlannedFix, *, allow_privileged: bool) -> str | None:
    """Why ``item`` is not applied without a person: :data:`MANUAL` (never by a program) or
    :data:`PRIVILEGED` (``sudo``, a database superuser, a Redis admin; unless allowed)."""
    if item.manual:
        return MANUAL
    if item.privileged and not allow_privileged:
        return PRIVILEGED
    return None


def describe(item: PlannedFix, rootdir: Path | None = None) -> dict[str, Any]:
    """A planned fix as data (redacted): its id, the checks it answers and heals, its steps (with
    ``rootdir``, each file edit with the ``diff`` it makes)."""
    from envcheck.engine import fixer

    data = item.fix.to_dict()
    if rootdir is not None:
        for step, shown in zip(item.fix.steps, data["steps"]):
            diff = fixer.preview(step, rootdir)
            if diff is not None:
                shown["diff"] = diff
    described: dict[str, Any] = redact.redact_any(
        {
            "id": fix_id(item),
            "checks": list(item.checks),
            "heals": list(item.heals),
            "text": data["text"],
            "manual": item.manual,
            "privileged": item.privileged,
            "needs": sorted({need for step in item.fix.steps for need in step.needs}),
            "steps": data["steps"],
        }
    )
    return described


def new_record(item: PlannedFix) -> dict[str, Any]:
    """What the report's ``fixes`` says about one offered fix, before anything is done."""
    return {
        "checks": list(item.checks),
        "text": str(item.fix),
        "applied": False,
        "reason": None,
        "steps": [],
        "healed": [],
    }


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """While fixing, SIGTERM unwinds like Ctrl-C, so the step in flight is stopped."""

    def stop(signum: int, frame: Any) -> None:
        raise Stopped()

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def apply(
    item: PlannedFix,
    record: dict[str, Any],
    config: EnvcheckConfig,
    pm: pluggy.PluginManager,
    *,
    timeout: float,
    deadline: float | None = None,
    echo: Callable[[str], None] | None = None,
) -> bool:
    """Apply ``item``'s steps in order into ``record`` (marked applied), stopping at the first
    that fails or is refused. Each step gets at most ``timeout`` seconds, and none runs past
    ``deadline`` (a :func:`time.monotonic` time). ``echo`` is shown each step and how it went.
    Returns whether Ctrl-C or SIGTERM stopped it (the step in flight is recorded as stopped)."""
    from envcheck.engine import fixer
    from envcheck.mcpkit import _reaper

    say = echo or (lambda line: None)
    record["applied"] = True
    for step in item.fix.steps:
        limit = timeout
        if deadline is not None:
            limit = min(limit, deadline - time.monotonic())
            if limit <= 0:
                record["reason"] = "out of time before this step"
                break
        say(f"  {'$' if step.where == 'local' else '>'} {step.render()}")
        started = time.monotonic()
        mark = _reaper.new_mark()
        os.environ[STEP_MARK] = mark  # the step's processes inherit it
        try:
            result = fixer.apply_step(step, config, pm, timeout=limit)
        except fixer.StepRefused as exc:
            record["reason"] = redact.redact(str(exc))
            break
        except (KeyboardInterrupt, Stopped):
            ended = stop_step(mark)
            record["reason"] = "interrupted while this step ran"
            record["steps"].append(
                {
                    "kind": step.kind,
                    "text": step.render(),
                    "ok": False,
                    "exit_code": None,
                    "duration": round(time.monotonic() - started, 3),
                    # the step's process group was killed as the interruption left its wait
                    # (core.exec.run); ``ended``: its processes that had left that group
                    "output": f"stopped (its process group ended, and {ended} process(es) of "
                    "the step outside it)",
                }
            )
            return True
        finally:
            os.environ.pop(STEP_MARK, None)
        record["steps"].append(
            {
                "kind": step.kind,
                "text": step.render(),
                "ok": result.ok,
                "exit_code": result.exit_code,
                "duration": round(result.duration, 3),
                "output": result.output,
            }
        )
        status = "ok" if result.ok else f"failed (exit code {result.exit_code})"
        say(f"    {status} in {result.duration:.1f} s")
        if not result.ok:
            say("    " + result.output.strip().replace("\n", "\n    "))
            record["reason"] = "a step failed"
            break
    return False


def stop_step(mark: str) -> int:
    """End every process of the step marked ``mark`` (SIGTERM, then SIGKILL) and reap those that
    are this process's children; how many there were. Only an interrupted step's: a step that
    ended by itself may have started a server on purpose."""
    from envcheck.mcpkit import _reaper

    left = _reaper.marked(STEP_MARK, mark)
    _reaper.end_tree(left)
    return len(left)


def recheck_command(target: Path, rest: Sequence[str], config: str | None) -> list[str]:
    """The re-check: the ``envcheck`` console script in a fresh process (nothing cached from
    before the fixes), writing its report to ``target``.md/.json."""
    command = [sys.executable, "-m", "envcheck.cli.main", "--report", str(target), *rest]
    if config:
        command += ["--config", config]
    return command


def read_report(target: Path) -> dict[str, Any] | None:
    """The JSON report ``target``.json, or ``None`` when there is none."""
    try:
        document = json.loads(target.with_name(target.name + ".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def settle(offered: Sequence[tuple[PlannedFix, dict[str, Any]]], document: dict[str, Any]) -> None:
    """Fill each record's ``healed`` from the re-check's report: the fix's checks that pass."""
    status = {c.get("id"): c.get("status") for c in document.get("checks", [])}
    for item, record in offered:
        record["healed"] = [c for c in item.checks if status.get(c) == "pass"]


def is_healed(record: dict[str, Any]) -> bool:
    """Whether an applied fix healed every check it answers."""
    return bool(record["applied"]) and len(record["healed"]) == len(record["checks"])


def write_report(target: Path, document: dict[str, Any]) -> list[str]:
    """The re-check's report again (with its ``fixes``); the problems of files not written."""
    from envcheck.report import files

    problems = []
    for path, text in (
        (target.with_name(target.name + ".json"), files.dumps(document)),
        (target.with_name(target.name + ".md"), files.render_markdown(document)),
    ):
        problem = files.write_atomically(path, text)
        if problem:
            problems.append(f"could not write {path}: {problem}")
    return problems


# -- ``python -m envcheck.cli.fixrun apply ID``: one fix, no terminal -------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m envcheck.cli.fixrun")
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("apply", help="apply one planned fix, without asking")
    one.add_argument("id", help="the fix's id (fix_id)")
    one.add_argument("--result", required=True, metavar="FILE", help="write what happened here")
    one.add_argument("--allow-privileged", action="store_true")
    one.add_argument("--fix-timeout", type=float, default=300.0, metavar="SECONDS")
    one.add_argument("--config", metavar="FILE")
    return parser


def apply_one(
    wanted: str, *, config: str | None, rest: Sequence[str], allow_privileged: bool, budget: float
) -> dict[str, Any]:
    """Run the checks, find the planned fix ``wanted`` and apply it (within ``budget`` seconds in
    all) unless it is refused. The answer: ``outcome`` (``applied``, ``refused``, ``error``),
    ``refused`` (``manual``, ``privileged``, ``not_planned``), the fix, its record, the plan."""
    from envcheck.engine import fixer

    try:
        code, collect, shown = run_checks(config, rest)
    except KeyboardInterrupt:  # pragma: no cover - pytest turns Ctrl-C into exit code 2
        code, collect, shown = int(pytest.ExitCode.INTERRUPTED), Collect(), ""
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR) or (
        code == pytest.ExitCode.INTERRUPTED or collect.engine is None
    ):
        tail = "\n".join(shown.strip().splitlines()[-15:])
        return {"outcome": "error", "exit_code": code, "output": redact.clean(tail)}
    planned = fixer.plan(collect.results)
    root = collect.engine.config.rootdir
    plan = [describe(item, root) for item in planned]
    found = [item for item in planned if fix_id(item) == wanted]
    if not found:
        return {"outcome": "refused", "refused": "not_planned", "plan": plan}
    item = found[0]
    answer: dict[str, Any] = {"fix": describe(item, root), "plan": plan}
    refused = refusal(item, allow_privileged=allow_privileged)
    if refused:
        return {**answer, "outcome": "refused", "refused": refused}
    record = new_record(item)
    with sigterm_unwinds():
        interrupted = apply(
            item,
            record,
            collect.engine.config,
            collect.engine.plugins,
            timeout=budget,
            deadline=time.monotonic() + budget,
            echo=lambda line: print(line, file=sys.stderr, flush=True),
        )
    return {**answer, "outcome": "applied", "record": record, "interrupted": interrupted}


def main(argv: Sequence[str]) -> int:
    from envcheck.core import exec as _exec

    _exec.honour_sigint()  # the MCP server stops this process with SIGINT
    options, rest = _parser().parse_known_args(list(argv))
    if options.fix_timeout <= 0:
        _parser().error("--fix-timeout must be a positive number of seconds")
    answer = apply_one(
        options.id,
        config=options.config,
        rest=rest,
        allow_privileged=options.allow_privileged,
        budget=options.fix_timeout,
    )
    Path(options.result).write_text(json.dumps(redact.redact_any(answer)), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
