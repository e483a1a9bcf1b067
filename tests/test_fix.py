"""``envcheck fix``: the plan, asking, ``--yes`` and privilege, a failing step, secrets kept out
of argv and output, an interrupted step, and the report's ``fixes`` — through the console script
on small projects whose plugin checks carry structured fixes."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import jsonschema
import pytest

from envcheck.report import files
from tests.servers import popen_with_signals

SECRET = "fix-secret-Zq81xw"

PLUGIN = textwrap.dedent("""
    import os, tomllib
    import envcheck
    from envcheck import kit

    @envcheck.hookimpl
    def envcheck_checks(config):
        demo = kit.Component("demo", timeout=5.0)

        def marker(ctx):
            if not (ctx.rootdir / "made.txt").exists():
                raise envcheck.CheckFailed(
                    "made.txt is missing", fix=[kit.Command(["touch", "made.txt"])]
                )

        def setting(ctx):
            data = tomllib.loads((ctx.rootdir / "pyproject.toml").read_text())
            if data.get("tool", {}).get("demo", {}).get("on") is not True:
                raise envcheck.CheckFailed(
                    "demo is off", fix=[kit.Edit("pyproject.toml", "toml", "tool.demo.on", True)]
                )

        def privileged(ctx):
            if not (ctx.rootdir / "root.txt").exists():
                raise envcheck.CheckFailed(
                    "needs root",
                    fix=[kit.Command(["touch", "root.txt"], needs=frozenset({"sudo"}))],
                )

        def manual(ctx):
            raise envcheck.CheckFailed("no access", fix="ask your admin for access")

        yield demo.check("marker", marker)
        yield demo.check("setting", setting, "", "marker")
        yield demo.check("privileged", privileged)
        yield demo.check("manual", manual)
        if os.environ.get("DEMO_EXTRA") == "failing":
            yield demo.check("broken", lambda ctx: (_ for _ in ()).throw(envcheck.CheckFailed(
                "broken", fix=[kit.Command(["sh", "-c", "echo token=$TOKEN; exit 3"],
                                           env={"TOKEN": "${DEMO_SECRET}"})])))
        if os.environ.get("DEMO_EXTRA") == "slow":
            def slow(ctx):
                with open(ctx.rootdir / "slow.runs", "a") as runs:  # one line per run
                    runs.write("ran\\n")
                raise envcheck.CheckFailed("slow", fix=[
                    kit.Command(["sh", "-c", "sleep 30 & echo $$ $! > slow.pids; "
                                             "touch slow-started; wait"]),
                    kit.Command(["touch", "after.txt"])])

            yield demo.check("slow", slow)
    """)


def project(pytester: pytest.Pytester) -> Path:
    pytester.makeconftest(PLUGIN)
    pytester.makepyprojecttoml("[tool.envcheck]\n")
    return pytester.path


def envcheck(
    root: Path, *args: str, extra: str = "", stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEMO_EXTRA": extra, "DEMO_SECRET": SECRET}
    done: subprocess.CompletedProcess[str] = subprocess.run(
        [sys.executable, "-m", "envcheck.cli.main", "fix", *args],
        cwd=root,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done


def fixes(root: Path) -> dict[str, dict[str, object]]:
    report = json.loads((root / "envcheck-report.json").read_text())
    return {check: fix for fix in report["fixes"] for check in fix["checks"]}


def test_dry_run_prints_the_plan_in_dependency_order_and_changes_nothing(
    pytester: pytest.Pytester,
) -> None:
    root = project(pytester)
    before = (root / "pyproject.toml").read_text()
    done = envcheck(root, "--dry-run")
    assert done.returncode == 1
    out = done.stdout
    # demo/setting depends on demo/marker: blocked, so not in the plan before marker is fixed
    assert "envcheck fix: 4 checks ran, 3 failed" in out
    assert "$ touch made.txt" in out and "for demo/setting" not in out
    assert "for demo/privileged  [needs sudo]" in out
    assert "for demo/manual  [manual: never run by envcheck]" in out
    assert "--dry-run, nothing changed" in out
    assert not (root / "made.txt").exists()
    assert (root / "pyproject.toml").read_text() == before


def test_yes_applies_the_unprivileged_fixes_and_rechecks(pytester: pytest.Pytester) -> None:
    root = project(pytester)
    done = envcheck(root, "--yes")
    assert done.returncode == 1  # the privileged and the manual check still fail
    # round 1 fixes marker; the re-check runs setting, which fails; round 2 fixes it
    assert "checks that could not run before now fail:" in done.stdout
    assert "$ set tool.demo.on = true in pyproject.toml" in done.stdout
    assert "envcheck fix: 2 healed, 0 still failing, 2 not applied" in done.stdout
    assert (root / "made.txt").exists() and not (root / "root.txt").exists()
    assert "on = true" in (root / "pyproject.toml").read_text()
    found = fixes(root)
    assert found["demo/marker"]["healed"] == ["demo/marker"]
    assert found["demo/setting"]["applied"] is True
    assert found["demo/privileged"]["reason"] == (
        "privileged: run with --allow-privileged, or by hand"
    )
    assert found["demo/manual"]["reason"] == "manual: a person does it"
    steps = found["demo/marker"]["steps"]
    assert isinstance(steps, list) and steps[0]["exit_code"] == 0
    # and again: nothing left that envcheck may do by itself
    again = envcheck(root, "--yes", "--allow-privileged")
    assert "1 healed, 0 still failing, 1 not applied" in again.stdout
    assert (root / "root.txt").exists()


def test_a_failing_step_is_not_healed_and_keeps_secrets_out(pytester: pytest.Pytester) -> None:
    root = project(pytester)
    done = envcheck(root, "--yes", "-k", "broken", extra="failing")
    assert done.returncode == 1
    assert "failed (exit code 3)" in done.stdout
    assert "token=***" in done.stdout
    assert SECRET not in done.stdout + done.stderr
    found = fixes(root)["demo/broken"]
    assert found["reason"] == "a step failed" and found["healed"] == []
    report = (root / "envcheck-report.json").read_text()
    assert SECRET not in report and "${DEMO_SECRET}" in report  # the reference, not the value


def test_without_a_terminal_it_does_not_ask(pytester: pytest.Pytester) -> None:
    root = project(pytester)
    done = envcheck(root, stdin="y\n")
    assert done.returncode == 2
    assert "not asking without a terminal" in done.stderr
    assert not (root / "made.txt").exists()


def test_asks_once_per_fix_at_a_terminal(pytester: pytest.Pytester) -> None:
    root = project(pytester)
    pid, fd = pty.fork()
    if pid == 0:  # the child: envcheck fix on a terminal
        os.chdir(root)
        os.environ.update({"DEMO_EXTRA": "", "DEMO_SECRET": SECRET})
        os.execv(sys.executable, [sys.executable, "-m", "envcheck.cli.main", "fix"])
    output = b""
    answers = iter([b"y\n", b"n\n", b"q\n"])
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if output.count(b"Apply fix") > output.count(b"\n[answered]"):
            answer = next(answers, b"q\n")
            os.write(fd, answer)
            output += b"\n[answered]"
    _, status = os.waitpid(pid, 0)
    text = output.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 2, text  # quit
    # plan order: manual (never asked), marker (y), privileged (n); then round 2: setting (q)
    assert text.count("Apply fix") == 3
    assert (root / "made.txt").exists()
    assert not (root / "root.txt").exists()
    found = fixes(root)
    assert found["demo/privileged"]["reason"] == "declined"
    assert found["demo/setting"]["reason"] == "not applied: you stopped"


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_an_interruption_stops_the_step_in_flight_and_runs_nothing_else(
    pytester: pytest.Pytester, how: str
) -> None:
    """SIGTERM (a cancelled job) or SIGINT (Ctrl-C) while a step runs: that step is stopped, no
    other step and no re-check runs (before: the checks ran again), and the report says what was
    applied."""
    root = project(pytester)
    proc = popen_with_signals(
        [sys.executable, "-m", "envcheck.cli.main", "fix", "--yes", "-k", "slow"],
        cwd=root,
        env={**os.environ, "DEMO_EXTRA": "slow"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (root / "slow-started").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert (root / "slow-started").exists()
        proc.send_signal(getattr(signal, how))
        out, _ = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 2, out
    assert (root / "slow.runs").read_text() == "ran\n", out  # the checks ran once: no re-check
    assert "checking again" not in out
    assert "interrupted; nothing else was run (no re-check)" in out
    assert not (root / "after.txt").exists()
    assert "envcheck fix: 1 applied (not checked again), stopped by the interruption" in out
    report = json.loads((root / "envcheck-report.json").read_text())
    assert [c["id"] for c in report["checks"]] == ["demo/slow"]
    jsonschema.validate(report, files.schema())
    found = fixes(root)["demo/slow"]
    assert found["applied"] is True and found["healed"] == []
    assert found["reason"] == "interrupted while this step ran"
    steps = found["steps"]
    assert isinstance(steps, list) and len(steps) == 1 and steps[0]["exit_code"] is None
    assert str(steps[0]["output"]).startswith("stopped (")
    for pid in (root / "slow.pids").read_text().split():  # the step's shell and its sleep
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z", pid
