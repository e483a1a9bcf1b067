"""``envcheck fix``: run the checks, show the plan of fixes, apply what the user agrees to (with a
timeout per step), then re-check and say what healed.

``--dry-run`` prints the plan only. ``--yes`` applies without asking, but only fixes whose steps
need no privilege (``sudo``, a database superuser, a Redis admin) unless ``--allow-privileged``
is given; manual steps are listed, never run. Secrets reach a step only through its environment,
never its argv or the output. Ctrl-C or SIGTERM while a step runs stops that step and nothing else
runs, not even the re-check; the report (``fixes`` in the JSON, added to the report of the last
run of the checks) says what was applied, and the exit code is 2 (pytest's "interrupted").
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from envcheck.cli import fixrun

#: the exit code when the user stops the fixes (Ctrl-C, q): pytest's "interrupted"
INTERRUPTED = 2


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
        "--warnings",
        action="store_true",
        help="also the fixes of warnings (an extension the role may create, a short timeout...), "
        "after the failures'",
    )
    parser.add_argument(
        "--step-timeout", type=float, default=300.0, metavar="SECONDS", help="default: 300"
    )
    parser.add_argument(
        "--report", default="envcheck-report", metavar="PATH", help="PATH.md and PATH.json"
    )
    parser.add_argument("--config", metavar="FILE", help="read [tool.envcheck] from FILE")
    return parser


def main(argv: Sequence[str]) -> int:
    parser = _parser()
    options, rest = parser.parse_known_args(list(argv))
    if options.allow_privileged and not options.yes:
        parser.error("--allow-privileged goes with --yes (when asked, you decide per fix)")
    if options.step_timeout <= 0:
        parser.error("--step-timeout must be a positive number of seconds")
    code, collect, shown = fixrun.run_checks(options.config, rest)
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        sys.stdout.write(shown)
        return code
    from envcheck.engine import fixer

    failed = [r for r in collect.results if r["status"] == "fail"]
    print(f"envcheck fix: {len(collect.results)} checks ran, {len(failed)} failed")
    planned = fixer.plan(collect.results, warnings=options.warnings)
    if not options.warnings:
        warned = len(fixer.plan(collect.results, warnings=True)) - len(planned)
        if warned:
            print(f"envcheck fix: {warned} fix(es) of warnings not planned: add --warnings")
    if not planned:
        print("envcheck fix: nothing to fix" if not failed else "envcheck fix: no fix is known")
        return code
    root = collect.engine.config.rootdir if collect.engine is not None else None
    _show_plan(planned, root)
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
            again = fixer.plan(results, warnings=options.warnings)
            planned = [p for p in again if fixrun.fix_id(p) not in keys]
            if not planned:
                break
            print("envcheck fix: checks that could not run before now fail:")
            _show_plan(planned, root)
        records, interrupted = _apply(planned, options, collect.engine)
        offered += list(zip(planned, records))
        keys |= {fixrun.fix_id(p) for p in planned}
        if interrupted:
            print("envcheck fix: interrupted; nothing else was run (no re-check)")
            return _interrupted(options, offered, document or _first_report(collect.results))
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


def _show_plan(planned: list[Any], rootdir: Path | None) -> None:
    """The plan: each fix, its steps, and each file edit as the diff it makes."""
    from envcheck.engine import fixer

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
            diff = fixer.preview(step, rootdir) if rootdir is not None else None
            for line in (diff or "").splitlines():
                print(f"         {line}")


def _ask(number: int) -> str:
    while True:
        try:
            answer = input(f"Apply fix {number}? [y]es, [n]o, [a]ll the rest, [q]uit: ")
        except EOFError:
            return "q"
        answer = answer.strip().lower()[:1]
        if answer in ("y", "n", "a", "q"):
            return answer


def _apply(
    planned: list[Any], options: argparse.Namespace, engine: Any
) -> tuple[list[dict[str, Any]], bool]:
    records: list[dict[str, Any]] = []
    everything = options.yes
    interrupted = False
    with fixrun.sigterm_unwinds():
        for number, item in enumerate(planned, 1):
            record = fixrun.new_record(item)
            records.append(record)
            if interrupted:
                record["reason"] = "interrupted before it was offered"
                continue
            refused = fixrun.refusal(
                item, allow_privileged=not options.yes or options.allow_privileged
            )
            if refused == fixrun.MANUAL:
                record["reason"] = "manual: a person does it"
                continue
            if refused == fixrun.PRIVILEGED:
                record["reason"] = "privileged: run with --allow-privileged, or by hand"
                print(f"envcheck fix: skipping fix {number} ({record['reason']})")
                continue
            if not everything:
                try:
                    answer = _ask(number)
                except (KeyboardInterrupt, fixrun.Stopped):
                    record["reason"], interrupted = "interrupted", True
                    continue
                if answer == "q":
                    record["reason"], interrupted = "not applied: you stopped", True
                    continue
                if answer == "n":
                    record["reason"] = "declined"
                    continue
                everything = answer == "a"
            interrupted = fixrun.apply(
                item,
                record,
                engine.config,
                engine.plugins,
                timeout=options.step_timeout,
                echo=lambda line: print(line, flush=True),
            )
    return records, interrupted


def _recheck(
    options: argparse.Namespace, rest: Sequence[str]
) -> tuple[int, list[dict[str, Any]], dict[str, Any] | None]:
    """The checks again, in a fresh process (nothing cached from before the fixes): its exit
    code, results and report."""
    target = _target(options)
    print("envcheck fix: checking again")
    done = subprocess.run(fixrun.recheck_command(target, rest, options.config))
    document = fixrun.read_report(target)
    if document is None:
        print("envcheck fix: the re-check wrote no report", file=sys.stderr)
        return done.returncode, [], None
    return done.returncode, list(document.get("checks", [])), document


def _target(options: argparse.Namespace) -> Path:
    target = Path(options.report)
    return target if target.is_absolute() else Path.cwd() / target


def _first_report(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The report of the checks run before any fix (the in-process run writes none itself)."""
    from envcheck.report import files

    return files.build_document(results)


def _interrupted(
    options: argparse.Namespace,
    offered: list[tuple[Any, dict[str, Any]]],
    document: dict[str, Any],
) -> int:
    """Stopped while fixing: the report of the last run of the checks, with the fixes as far as
    they went (what a re-check of earlier rounds healed; the rest is not re-checked)."""
    fixrun.settle(offered, document)
    records = [record for _, record in offered]
    document["fixes"] = records
    for problem in fixrun.write_report(_target(options), document):
        print(f"envcheck fix: warning: {problem}", file=sys.stderr)
    applied = [r for r in records if r["applied"]]
    print(f"envcheck fix: {len(applied)} applied (not checked again), stopped by the interruption")
    for record in applied:
        print(f"  applied: {', '.join(record['checks'])} ({record['reason'] or 'done'})")
    return INTERRUPTED


def _summary(
    options: argparse.Namespace,
    offered: list[tuple[Any, dict[str, Any]]],
    document: dict[str, Any],
    code: int,
    interrupted: bool,
) -> int:
    """Healed, still failing, not applied; the report gets the fixes."""
    fixrun.settle(offered, document)
    records = [record for _, record in offered]
    healed = [r for r in records if fixrun.is_healed(r)]
    failing = [r for r in records if r["applied"] and not fixrun.is_healed(r)]
    skipped = [r for r in records if not r["applied"]]
    document["fixes"] = records
    for problem in fixrun.write_report(_target(options), document):
        print(f"envcheck fix: warning: {problem}", file=sys.stderr)
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
