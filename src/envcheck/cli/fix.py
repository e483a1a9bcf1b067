"""``envcheck fix``: run the checks, show the plan of fixes, apply what the user agrees to (with a
timeout per step), then re-check and say what healed.

``--dry-run`` prints the plan only. ``--yes`` applies without asking, but only fixes whose steps
need no privilege (``sudo``, a database superuser, a Redis admin) unless ``--allow-privileged``
is given; manual steps are listed, never run. Secrets reach a step only through its environment,
never its argv or the output. Ctrl-C or SIGTERM while a step runs stops that step and nothing else
runs; the report (``fixes`` in the JSON) says what was applied.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

#: the exit code when the user stops the fixes (Ctrl-C, q): pytest's "interrupted"
INTERRUPTED = 2


class _Stopped(BaseException):
    """SIGTERM while fixing: unwinds like Ctrl-C (the step in flight is killed on the way)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="envcheck fix",
        description="Run the checks, then apply the fixes of what failed (asking first) and "
        "check again.",
        epilog="Any other arguments are passed to pytest (e.g. -m postgres).",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    what.add_argument(
        "--yes", "-y", action="store_true", help="apply without asking (unprivileged steps only)"
    )
    parser.add_argument(
        "--allow-privileged",
        action="store_true",
        help="with --yes: also steps that need sudo, a database superuser or a Redis admin",
    )
    parser.add_argument(
        "--step-timeout", type=float, default=300.0, metavar="SECONDS", help="default: 300"
    )
    parser.add_argument(
        "--report", default="envcheck-report", metavar="PATH", help="PATH.md and PATH.json"
    )
    parser.add_argument("--config", metavar="FILE", help="read [tool.envcheck] from FILE")
    return parser


class _Collect:
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


def _pytest_args(options: argparse.Namespace, rest: Sequence[str]) -> list[str]:
    args = ["--envcheck-only", "--envcheck-defaults", "-p", "no:cacheprovider", "-q"]
    args += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    if options.config:
        args.append(f"--envcheck-config={options.config}")
    return [*args, *rest]


def main(argv: Sequence[str]) -> int:
    parser = _parser()
    options, rest = parser.parse_known_args(list(argv))
    if options.allow_privileged and not options.yes:
        parser.error("--allow-privileged goes with --yes (when asked, you decide per fix)")
    if options.step_timeout <= 0:
        parser.error("--step-timeout must be a positive number of seconds")
    collect = _Collect()
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        code = int(pytest.main(_pytest_args(options, rest), plugins=[collect]))
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        sys.stdout.write(shown.getvalue())
        return code
    from envcheck.engine import fixer

    failed = [r for r in collect.results if r["status"] == "fail"]
    print(f"envcheck fix: {len(collect.results)} checks ran, {len(failed)} failed")
    planned = fixer.plan(collect.results)
    if not planned:
        print("envcheck fix: nothing to fix" if not failed else "envcheck fix: no fix is known")
        return code
    _show_plan(planned)
    if options.dry_run:
        print("envcheck fix: --dry-run, nothing changed")
        return code
    if not options.yes and not sys.stdin.isatty():
        print(
            "envcheck fix: not asking without a terminal; pass --yes to apply the unprivileged "
            "fixes, --dry-run to only print",
            file=sys.stderr,
        )
        return INTERRUPTED
    offered: list[tuple[Any, dict[str, Any]]] = []
    keys: set[str] = set()
    results: list[dict[str, Any]] = collect.results
    document: dict[str, Any] | None = None
    done = code
    for round_ in range(ROUNDS):
        if round_:  # checks that were blocked by what the last round fixed may now fail
            planned = [p for p in fixer.plan(results) if _key(p) not in keys]
            if not planned:
                break
            print("envcheck fix: checks that could not run before now fail:")
            _show_plan(planned)
        records, interrupted = _apply(planned, options, collect.engine)
        offered += list(zip(planned, records))
        keys |= {_key(p) for p in planned}
        if interrupted:
            print("envcheck fix: interrupted; nothing else was run")
        done, results, document = _recheck(options, rest)
        if document is None:
            return done or 1
        if interrupted or not any(r["applied"] for r in records):
            break
    if document is None:
        return code
    return _summary(options, offered, document, done, interrupted)


#: plan, apply, re-check at most this many times (each round can unblock the next checks)
ROUNDS = 3


def _key(item: Any) -> str:
    return json.dumps(item.fix.to_dict()["steps"], sort_keys=True)


def _show_plan(planned: list[Any]) -> None:
    print("Plan (in dependency order):")
    for number, item in enumerate(planned, 1):
        tags = []
        if item.manual:
            tags.append("manual: never run by envcheck")
        elif item.privileged:
            needs = sorted({n for s in item.fix.steps for n in s.needs})
            tags.append(f"needs {', '.join(needs)}")
        label = f"  [{', '.join(tags)}]" if tags else ""
        print(f"  {number}. for {', '.join(item.checks)}{label}")
        for step in item.fix.steps:
            print(f"       {'$' if step.where == 'local' else '>'} {step.render()}")


def _ask(number: int) -> str:
    while True:
        try:
            answer = input(f"Apply fix {number}? [y]es, [n]o, [a]ll the rest, [q]uit: ")
        except EOFError:
            return "q"
        answer = answer.strip().lower()[:1]
        if answer in ("y", "n", "a", "q"):
            return answer


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """While fixing, SIGTERM unwinds like Ctrl-C, so the step in flight is stopped."""

    def stop(signum: int, frame: Any) -> None:
        raise _Stopped()

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _apply(
    planned: list[Any], options: argparse.Namespace, engine: Any
) -> tuple[list[dict[str, Any]], bool]:
    from envcheck.engine import fixer

    records: list[dict[str, Any]] = []
    everything = options.yes
    interrupted = False
    with _sigterm_unwinds():
        for number, item in enumerate(planned, 1):
            record: dict[str, Any] = {
                "checks": list(item.checks),
                "text": str(item.fix),
                "applied": False,
                "reason": None,
                "steps": [],
                "healed": [],
            }
            records.append(record)
            if interrupted:
                record["reason"] = "interrupted before it was offered"
                continue
            if item.manual:
                record["reason"] = "manual: a person does it"
                continue
            if options.yes and item.privileged and not options.allow_privileged:
                record["reason"] = "privileged: run with --allow-privileged, or by hand"
                print(f"envcheck fix: skipping fix {number} ({record['reason']})")
                continue
            if not everything:
                try:
                    answer = _ask(number)
                except (KeyboardInterrupt, _Stopped):
                    record["reason"], interrupted = "interrupted", True
                    continue
                if answer == "q":
                    record["reason"], interrupted = "not applied: you stopped", True
                    continue
                if answer == "n":
                    record["reason"] = "declined"
                    continue
                everything = answer == "a"
            record["applied"] = True
            for step in item.fix.steps:
                print(f"  {'$' if step.where == 'local' else '>'} {step.render()}", flush=True)
                try:
                    result = fixer.apply_step(
                        step, engine.config, engine.plugins, timeout=options.step_timeout
                    )
                except fixer.StepRefused as exc:
                    record["reason"] = str(exc)
                    break
                except (KeyboardInterrupt, _Stopped):
                    record["reason"], interrupted = "interrupted while this step ran", True
                    record["steps"].append(
                        {
                            "kind": step.kind,
                            "text": step.render(),
                            "ok": False,
                            "exit_code": None,
                            "duration": 0.0,
                            "output": "stopped",
                        }
                    )
                    break
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
                print(f"    {status} in {result.duration:.1f} s")
                if not result.ok:
                    print("    " + result.output.strip().replace("\n", "\n    "))
                    record["reason"] = "a step failed"
                    break
            if interrupted:
                continue
    return records, interrupted


def _recheck(
    options: argparse.Namespace, rest: Sequence[str]
) -> tuple[int, list[dict[str, Any]], dict[str, Any] | None]:
    """The checks again, in a fresh process (nothing cached from before the fixes): its exit
    code, results and report."""
    target = _target(options)
    command = [sys.executable, "-m", "envcheck.cli.main", "--report", str(target), *rest]
    if options.config:
        command += ["--config", options.config]
    print("envcheck fix: checking again")
    done = subprocess.run(command)
    try:
        document = json.loads(target.with_name(target.name + ".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        print("envcheck fix: the re-check wrote no report", file=sys.stderr)
        return done.returncode, [], None
    return done.returncode, list(document.get("checks", [])), document


def _target(options: argparse.Namespace) -> Path:
    target = Path(options.report)
    return target if target.is_absolute() else Path.cwd() / target


def _summary(
    options: argparse.Namespace,
    offered: list[tuple[Any, dict[str, Any]]],
    document: dict[str, Any],
    code: int,
    interrupted: bool,
) -> int:
    """Healed, still failing, not applied; the report gets the fixes."""
    status = {c["id"]: c["status"] for c in document.get("checks", [])}
    healed: list[dict[str, Any]] = []
    failing: list[dict[str, Any]] = []
    for item, record in offered:
        record["healed"] = [c for c in item.checks if status.get(c) == "pass"]
        if record["applied"]:
            (healed if len(record["healed"]) == len(item.checks) else failing).append(record)
    records = [record for _, record in offered]
    skipped = [r for r in records if not r["applied"]]
    document["fixes"] = records
    _write(_target(options), document)
    print(
        f"envcheck fix: {len(healed)} healed, {len(failing)} still failing, "
        f"{len(skipped)} not applied"
    )
    for record in failing:
        print(
            f"  still failing: {', '.join(record['checks'])} ({record['reason'] or 'not healed'})"
        )
    for record in skipped:
        print(f"  not applied: {', '.join(record['checks'])} ({record['reason']})")
    return INTERRUPTED if interrupted else code


def _write(target: Path, document: dict[str, Any]) -> None:
    """The re-check's report again, with the fixes."""
    from envcheck.report import files

    for path, text in (
        (target.with_name(target.name + ".json"), files.dumps(document)),
        (target.with_name(target.name + ".md"), files.render_markdown(document)),
    ):
        problem = files.write_atomically(path, text)
        if problem:
            print(f"envcheck fix: warning: could not write {path}: {problem}", file=sys.stderr)
