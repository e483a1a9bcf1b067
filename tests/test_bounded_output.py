"""Every program envcheck runs has its output bounded (issue 26 §1): the project's Pythons asked
for their version, Poetry (one process per command, and several commands in one Poetry process),
the steps ``envcheck fix`` applies, and the checks ``envcheck mcp serve`` runs. Each is a real
program written here that prints 100 MB; the run ends, and what the user is shown is short, with
its start, its end and a line that says what was cut. (Time and memory: bench/bounds.py.)"""

from __future__ import annotations

import fnmatch
import json
import os
import sys
import textwrap
import tracemalloc
from pathlib import Path

import anyio
import pytest
from packaging.specifiers import SpecifierSet

from tests.test_fix import envcheck as envcheck_fix
from tests.test_mcp_cli import Calls, _serve_session

#: prints a first line, 100 MB of noise in lines, and the real error last, to ``stream``
FLOOD = textwrap.dedent("""
    import sys
    def flood(stream, code=3):
        stream.write("first: the program started\\n")
        noise = "noise: nothing to see here\\n" * 40_000  # about 1 MB
        for _ in range(100):
            stream.write(noise)
        stream.write("fatal: the real error\\n")
        stream.flush()
        return code
    """)

NOTE = "[[]{stream}: 10?.? MiB printed; envcheck kept its first 1 MiB and its last 64 KiB[]]"


def script(path: Path, body: str, interpreter: str = sys.executable) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{interpreter}\n{FLOOD}\n{textwrap.dedent(body)}")
    path.chmod(0o755)
    return path


def test_a_python_that_floods_its_answer_is_passed_over_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fix of a python-version check names an installed Python of the right version, asked
    for its exact version. Before: a python3.N printing 100 MB was read whole (and decoded)."""
    from envcheck.checks.venv import pythons

    script(tmp_path / "first" / "python3.18", "sys.exit(flood(sys.stdout, 0))")  # asked first
    good = script(tmp_path / "then" / "python3.19", "print('3.19.2')")
    path = [str(tmp_path / "first"), str(tmp_path / "then"), os.environ["PATH"]]
    monkeypatch.setenv("PATH", os.pathsep.join(path))
    tracemalloc.start()
    try:
        found = pythons.find(SpecifierSet(">=3.18,<3.20"), timeout=30)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found == (good, "3.19.2")
    assert peak < 16 * 2**20, peak


def run_venv(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyprojecttoml(
        "[project]\nname = 'x'\nversion = '1'\n[tool.envcheck.venv]\npoetry = true\n"
    )
    return pytester.run(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", *args)


POETRY_MAIN = """
def main():
    args = sys.argv[1:]
    if args == ["--version"]:
        print("Poetry (version 2.1.3)")
        return 0
    if "env" in args:
        return flood(sys.stderr, 1)
    return 0
"""


def test_a_poetry_command_printing_100_mb_fails_with_its_last_words_and_what_was_cut(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One process per command (a `poetry` that is not Poetry's console script)."""
    bin_dir = pytester.path / "bin"
    script(bin_dir / "poetry", POETRY_MAIN + "sys.exit(main())\n")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = run_venv(pytester, "-k", "poetry")
    result.stdout.fnmatch_lines(
        [
            "  FAIL  venv/poetry-env: `poetry env info --path` exited with code 1: noise: nothing "
            "to see here / noise: nothing to see here / fatal: the real error "
            + NOTE.format(stream="stderr"),
        ]
    )
    assert len(result.stdout.str()) < 20_000


def test_a_poetry_command_printing_100_mb_in_a_batch_is_cut_in_poetrys_process(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several commands in one Poetry process (Poetry's console script: ``from
    poetry.console.application import main``): each command's output is cut where it is
    printed, so the answers envcheck reads stay small. Before: a 100 MB JSON line was read."""
    fake = pytester.path / "fake"
    package = fake / "poetry" / "console"
    package.mkdir(parents=True)
    (fake / "poetry" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "application.py").write_text(f"import sys\n{FLOOD}\n{POETRY_MAIN}")
    log = pytester.path / "starts.log"
    bin_dir = pytester.path / "bin"
    interpreter = bin_dir / "poetry-python"
    bin_dir.mkdir()
    interpreter.write_text(
        f'#!/bin/sh\necho start >> {log}\nPYTHONPATH={fake} exec {sys.executable} "$@"\n'
    )
    interpreter.chmod(0o755)
    console = bin_dir / "poetry"
    console.write_text(
        f"#!{interpreter}\nimport sys\nfrom poetry.console.application import main\n"
        'if __name__ == "__main__":\n    sys.exit(main())\n'
    )
    console.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = run_venv(pytester, "-k", "poetry")
    result.stdout.fnmatch_lines(
        [
            "  FAIL  venv/poetry-env: `poetry env info --path` exited with code 1: noise: nothing "
            "to see here / noise: nothing to see here / fatal: the real error "
            + NOTE.format(stream="stderr"),
        ]
    )
    assert log.read_text().splitlines() == ["start"]  # the commands were answered in one process
    assert len(result.stdout.str()) < 20_000


FIX_PLUGIN = textwrap.dedent("""
    import sys
    import envcheck
    from envcheck import kit

    @envcheck.hookimpl
    def envcheck_checks(config):
        demo = kit.Component("demo", timeout=5.0)

        def flooded(ctx):
            raise envcheck.CheckFailed(
                "not set up", fix=[kit.Command([sys.executable, "flood.py"])]
            )

        yield demo.check("flooded", flooded)
    """)


def test_a_fix_step_printing_100_mb_shows_its_start_its_end_and_what_was_cut(
    pytester: pytest.Pytester,
) -> None:
    """Before: both streams were read whole and only their last 4,000 characters shown."""
    pytester.makeconftest(FIX_PLUGIN)
    pytester.makepyprojecttoml("[tool.envcheck]\n")
    (pytester.path / "flood.py").write_text(f"{FLOOD}\nsys.exit(flood(sys.stdout))\n")
    done = envcheck_fix(pytester.path, "--yes", "-k", "flooded")
    assert done.returncode == 1, done.stdout + done.stderr
    said = done.stdout
    assert "failed (exit code 3)" in said
    assert "first: the program started" in said
    assert fnmatch.fnmatchcase(said, "*" + NOTE.format(stream="stdout") + "*")
    assert "fatal: the real error" in said
    assert len(said) < 10_000
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    [step] = [s for fix in report["fixes"] for s in fix["steps"]]
    assert len(step["output"]) <= 4000
    assert step["output"].startswith("first: the program started")
    assert step["output"].rstrip().endswith("fatal: the real error")


def test_checks_run_by_mcp_serve_printing_100_mb_come_back_short(tmp_path: Path) -> None:
    """``run_checks`` of ``envcheck mcp serve``, when the run writes no report: the end of its
    output and what was cut. Before: the whole output was read into the server's memory."""
    (tmp_path / "pyproject.toml").write_text("[tool.envcheck]\n")
    (tmp_path / "conftest.py").write_text(
        f"import os\n{FLOOD}\n"
        "def pytest_configure(config):\n"
        "    config.pluginmanager.getplugin('capturemanager').suspend_global_capture()\n"
        "    flood(sys.stdout)\n"
        "    os._exit(3)\n"
    )
    calls: Calls = [("run_checks", {})]
    [ran] = anyio.run(_serve_session, tmp_path, calls)
    assert ran["verdict"] == "error"
    assert ran["message"] == "envcheck ended with exit code 3 and wrote no report (see output)"
    lines = ran["output"].splitlines()
    assert lines[-2] == "fatal: the real error", lines[-3:]
    assert fnmatch.fnmatchcase(lines[-1], NOTE.format(stream="output")), lines[-3:]
    assert len(ran["output"]) < 10_000


def test_init_asking_a_git_that_floods_reads_nothing_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``envcheck init`` asks git whether the report files are ignored: only the exit code
    answers. Before: what git printed was read whole, for each report file."""
    from envcheck.cli import init
    from envcheck.initkit import ci

    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '1'\n")
    script(tmp_path / "bin" / "git", "sys.exit(flood(sys.stdout, 1))")  # 1: not ignored
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    tracemalloc.start()
    try:
        code = init.main(["--dry-run", "--project", str(project)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    said = capsys.readouterr().out
    assert code == 0, said
    assert all(f"+{name}\n" in said for name in ci.REPORT_FILES), said
    assert peak < 16 * 2**20, peak
