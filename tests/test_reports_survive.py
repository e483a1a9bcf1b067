"""Reports survive the machine: a full disk, a file size limit, an unwritable step summary, a
cancelled job (SIGTERM), an early Ctrl-C, and report options that contradict each other."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import popen_with_signals

CHECKS = textwrap.dedent("""
    import os, time
    import envcheck
    from envcheck import kit

    @envcheck.hookimpl
    def envcheck_checks(config):
        demo = kit.Component("demo", timeout=30.0)
        for n in range(40):
            yield demo.check(f"fine-{n}", lambda ctx: envcheck.ok("x" * 200))
        if os.environ.get("DEMO_SLOW"):
            def slow(ctx):
                open(os.environ["DEMO_SLOW"], "w").close()
                time.sleep(20)
            yield demo.check("slow", slow, "takes its time")
    """)


def project(pytester: pytest.Pytester) -> Path:
    pytester.makeconftest(CHECKS)
    pytester.makepyprojecttoml("[tool.envcheck]\n")
    return pytester.path


def run(
    pytester: pytest.Pytester, *args: str, env: dict[str, str] | None = None, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    done: subprocess.CompletedProcess[str] = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "envcheck", *args],
        cwd=pytester.path,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,  # type: ignore[call-overload]
    )
    return done


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(("r.", ".r.")))


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, almost full."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        (mount / "filler").write_bytes(b"\0" * (60 * 1024))
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_leaves_no_partial_report_and_keeps_the_exit_code(
    pytester: pytest.Pytester, tiny_disk: Path
) -> None:
    project(pytester)
    done = run(pytester, f"--envcheck-report={tiny_disk / 'r'}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert f"envcheck: warning: could not write the report {tiny_disk / 'r.md'}: [Errno 28]" in (
        done.stdout
    )
    assert leftovers(tiny_disk) == []


def test_a_file_size_limit_is_said_per_file(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(pytester)
    # under .ci/run's coverage the session would also write its coverage data, over the limit
    monkeypatch.delenv("COVERAGE_PROCESS_CONFIG", raising=False)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = run(pytester, "--envcheck-report=r", preexec_fn=limit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "could not write the report" in done.stdout and "[Errno 27] File too large" in (
        done.stdout
    )
    assert "Traceback" not in done.stdout + done.stderr
    assert all(not name.startswith(".r.") for name in leftovers(pytester.path))


def test_an_unwritable_step_summary_warns_and_the_gate_stays_green(
    pytester: pytest.Pytester,
) -> None:
    project(pytester)
    summary = pytester.mkdir("summary-is-a-directory")
    done = run(pytester, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "envcheck: warning: could not append to GITHUB_STEP_SUMMARY" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_cancelled_job_still_writes_what_is_known(
    pytester: pytest.Pytester, signum: signal.Signals
) -> None:
    project(pytester)
    started = pytester.path / "slow-started"
    proc = popen_with_signals(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "envcheck"]
        + ["--envcheck-report=r"],
        cwd=pytester.path,
        env={**os.environ, "DEMO_SLOW": str(started)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert started.exists(), "the slow check never started"
    proc.send_signal(signum)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == -signum, out
    report = json.loads((pytester.path / "r.json").read_text())
    by_id = {c["id"]: c for c in report["checks"]}
    assert by_id["demo/slow"]["status"] == "fail"
    assert by_id["demo/slow"]["summary"] == (
        f"interrupted: the run received {signum.name} before this check finished"
    )
    assert by_id["demo/fine-0"]["status"] == "pass"
    assert (pytester.path / "r.md").is_file()


def test_ctrl_c_before_any_check_finished_exits_2_without_a_crash(
    pytester: pytest.Pytester,
) -> None:
    project(pytester)
    started = pytester.path / "slow-started"
    pytester.makeconftest(
        CHECKS.replace("for n in range(40)", "for n in range(0)")  # only the slow check
    )
    proc = popen_with_signals(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "envcheck"]
        + ["--envcheck-report=r"],
        cwd=pytester.path,
        env={**os.environ, "DEMO_SLOW": str(started)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2, out
    assert "max() arg is an empty sequence" not in out
    assert "INTERNALERROR" not in out


@pytest.mark.parametrize(
    "args, said",
    [
        (["--report", ""], "--report needs a path"),
        (["--no-report", "--report", "x"], "--no-report and --report contradict each other"),
    ],
)
def test_report_options_that_make_no_sense_are_usage_errors(
    pytester: pytest.Pytester, args: list[str], said: str
) -> None:
    project(pytester)
    done = subprocess.run(
        [sys.executable, "-m", "envcheck.cli.main", *args],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert said in done.stderr
    assert not (pytester.path / "x.json").exists()
