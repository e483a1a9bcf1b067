"""envcheck.core.exec: a failed exec diagnosed from its errno and the file, against real execs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from envcheck.core import exec as _exec


def start(program: Path) -> _exec.ExecProblem | None:
    """Run ``program`` for real; its diagnosis when the exec fails, else :func:`_exec.inspect`."""
    try:
        subprocess.run([str(program)], capture_output=True, timeout=10, check=False)
    except OSError as exc:
        return _exec.diagnose(str(program), exc)
    return _exec.inspect(str(program))


def script(path: Path, text: str, mode: int = 0o755) -> Path:
    path.write_bytes(text.encode())
    path.chmod(mode)
    return path


def test_a_missing_interpreter_is_not_a_missing_file(tmp_path: Path) -> None:
    program = script(tmp_path / "tool", f"#!{tmp_path}/gone/bin/python\nprint(1)\n")
    problem = start(program)
    assert problem is not None and problem.code == "ENOENT"
    assert problem.summary == (
        f"the interpreter of {program} is missing: its #! line names {tmp_path}/gone/bin/python, "
        "which does not exist"
    )


def test_a_console_script_of_a_venv_that_lost_its_python(tmp_path: Path) -> None:
    venv = tmp_path / "env"
    (venv / "bin").mkdir(parents=True)
    program = script(venv / "bin" / "mytool", f"#!{venv}/bin/python\n")
    problem = start(program)
    assert problem is not None
    assert problem.hint == (
        f"recreate the virtualenv {venv} with an existing Python and reinstall mytool: "
        f"python3 -m venv --clear {venv} && {venv}/bin/pip install mytool"
    )
    # an exact reinstall command given by the caller wins
    assert _exec.inspect(str(program), reinstall="pipx reinstall mytool") == _exec.ExecProblem(
        problem.summary, problem.why, "pipx reinstall mytool", "ENOENT"
    )


def test_windows_line_endings_in_the_shebang(tmp_path: Path) -> None:
    program = script(tmp_path / "run.sh", "#!/bin/sh\r\necho hi\r\n")
    problem = start(program)
    assert problem is not None and problem.code == "ENOENT"
    assert problem.summary == f"the #! line of {program} ends with a carriage return"
    subprocess.run(["bash", "-c", problem.hint], check=True)  # the printed fix works
    assert start(program) is None


def test_no_execute_bit(tmp_path: Path) -> None:
    program = script(tmp_path / "server.py", "#!/usr/bin/env python3\n", mode=0o644)
    problem = start(program)
    assert problem is not None and (problem.code, problem.hint) == ("EACCES", f"chmod +x {program}")
    subprocess.run(["bash", "-c", problem.hint], check=True)
    assert start(program) is None


def test_not_a_program(tmp_path: Path) -> None:
    program = script(tmp_path / "notes", "echo this has no shebang\n")
    problem = start(program)
    assert problem is not None and problem.code == "ENOEXEC"
    assert problem.summary.endswith("has no #! line and is not an executable binary")


def test_a_directory(tmp_path: Path) -> None:
    problem = start(tmp_path)
    assert problem is not None and problem.code == "EACCES"
    assert problem.summary == f"{tmp_path} is a directory, not a program"


def test_env_with_a_name_not_on_path(tmp_path: Path) -> None:
    program = script(tmp_path / "srv", "#!/usr/bin/env envcheck-no-such-python\n")
    done = subprocess.run([str(program)], capture_output=True)
    assert done.returncode == 127  # env starts, then fails: only the file tells why
    problem = _exec.inspect(str(program))
    assert problem is not None and "runs `envcheck-no-such-python` through env" in problem.summary


def test_a_broken_symlink(tmp_path: Path) -> None:
    link = tmp_path / "poetry"
    link.symlink_to(tmp_path / "removed" / "poetry")
    problem = start(link)
    assert problem is not None and problem.summary.startswith(f"{link} is a broken symlink")


@pytest.mark.parametrize("program", [sys.executable, "/bin/sh"])
def test_healthy_programs_have_no_problem(program: str) -> None:
    assert _exec.inspect(os.path.realpath(program)) is None
