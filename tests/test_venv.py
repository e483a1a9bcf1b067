"""The venv component against real throwaway virtualenvs with real installed packages."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import time
from pathlib import Path

import pytest

from envcheck.core import exec as _exec
from tests.throwaway import install, make_venv, make_wheel, relocate_venv

REPO = Path(__file__).resolve().parents[1]
POETRY = shutil.which("poetry") or str(REPO / ".tools" / "poetry" / "bin" / "poetry")
POETRY_PROJECT = """
[project]
name = "demo-app"
version = "0.1.0"
requires-python = ">=3.11"
dynamic = ["dependencies"]

[tool.poetry]
package-mode = false

[tool.poetry.dependencies]
demo-alpha = {{ path = "wheels/demo_alpha-1.0-py3-none-any.whl" }}
demo-beta = {{ path = "wheels/demo_beta-1.0-py3-none-any.whl" }}
demo-gamma = {{ path = "wheels/demo_gamma-1.0-py3-none-any.whl" }}
demo-win = {{ path = "wheels/demo_win-1.0-py3-none-any.whl", markers = "sys_platform == 'win32'" }}

[tool.poetry.group.dev.dependencies]
demo-dev = {{ path = "wheels/demo_dev-1.0-py3-none-any.whl" }}

[tool.poetry.group.docs]
optional = true

[tool.poetry.group.docs.dependencies]
demo-doc = {{ path = "wheels/demo_doc-1.0-py3-none-any.whl" }}

[tool.envcheck.venv]
{envcheck}
"""


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One virtualenv: demo-alpha 1.0, and demo-beta 1.0 whose requirement demo-gamma is absent."""
    root = tmp_path_factory.mktemp("venv")
    wheels = root / "wheels"
    wheels.mkdir()
    python = make_venv(root / "env")
    install(
        python,
        make_wheel(wheels, "demo-alpha", "1.0"),
        make_wheel(wheels, "demo-beta", "1.0", requires=("demo-gamma>=3",)),
    )
    return python


@pytest.fixture(scope="module")
def poetry_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Poetry's cache and envs for this module only: the machine's stay untouched."""
    if not os.access(POETRY, os.X_OK):
        pytest.skip(f"no Poetry at {POETRY} (scripts/bootstrap installs it)")
    return tmp_path_factory.mktemp("poetry-home")


@pytest.fixture()
def poetry_path(monkeypatch: pytest.MonkeyPatch, poetry_cache: Path) -> None:
    monkeypatch.setenv("PATH", f"{Path(POETRY).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("POETRY_CACHE_DIR", str(poetry_cache))
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.delenv("POETRY_ACTIVE", raising=False)


@pytest.fixture(scope="module")
def poetry_template(tmp_path_factory: pytest.TempPathFactory, template: Path) -> Path:
    """A real Poetry project (local wheels only, so no network) with its env in ``.venv``:
    main demo-alpha, demo-beta -> demo-gamma, demo-win only on Windows; dev group demo-dev;
    optional group docs demo-doc. The env also sees this test run's pytest and envcheck.
    A copy of the venv lab's template (tests/venv_template.py), the same declarations locked
    and installed by the real Poetry: its lock holds for :data:`POETRY_PROJECT`."""
    root = tmp_path_factory.mktemp("poetry-project")
    shutil.copytree(template, root, symlinks=True, dirs_exist_ok=True)
    relocate_venv(root / ".venv", template / ".venv")
    (root / "pyproject.toml").write_text(POETRY_PROJECT.format(envcheck="consistency = true"))
    # pytest is a dev dependency of a real project: `poetry run pytest` finds it in the env
    script = root / ".venv" / "bin" / "pytest"
    script.write_text('#!/bin/sh\nexec "$(dirname "$0")/python" -m pytest "$@"\n')
    script.chmod(0o755)
    return root


def poetry_project(
    pytester: pytest.Pytester, template: Path, envcheck: str, *, env: bool = True
) -> Path:
    """A copy of the template project in pytester's directory; returns its env's Python."""
    ignore = None if env else shutil.ignore_patterns(".venv")
    shutil.copytree(template, pytester.path, symlinks=True, dirs_exist_ok=True, ignore=ignore)
    if env:
        relocate_venv(pytester.path / ".venv", template / ".venv")
    (pytester.path / "pyproject.toml").write_text(
        POETRY_PROJECT.format(envcheck=textwrap.dedent(envcheck))
    )
    return pytester.path / ".venv" / "bin" / "python"


def apply(pytester: pytest.Pytester, hint: str) -> None:
    """Run a printed fix as the user would paste it (what follows two spaces is commentary)."""
    command = hint.split("   (")[0]
    done = subprocess.run(
        ["bash", "-c", command], cwd=pytester.path, capture_output=True, text=True
    )
    assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"


def report(pytester: pytest.Pytester) -> dict[str, dict[str, object]]:
    data = json.loads((pytester.path / "envcheck-report.json").read_text())
    return {check["name"]: check for check in data["checks"]}


def run_in(pytester: pytest.Pytester, python: Path, *args: str) -> pytest.RunResult:
    # -v: every check's line in the envcheck section (failures are also under How to fix)
    return pytester.run(str(python), "-m", "pytest", "-p", "no:cacheprovider", "-v", *args)


def configure(pytester: pytest.Pytester, toml: str, lock: str | None = None) -> None:
    pytester.makefile(".toml", pyproject=textwrap.dedent(toml))
    if lock is not None:
        (pytester.path / "poetry.lock").write_text(textwrap.dedent(lock))


def test_packages_missing_wrong_version_and_broken_requirements(
    pytester: pytest.Pytester, venv_python: Path
) -> None:
    configure(
        pytester,
        """
        [tool.envcheck.venv]
        python = ">=3.12"
        poetry = false
        packages = ["demo-alpha>=2", "demo-missing>=1"]
        dev_packages = ["pytest", "demo-devtool"]
        """,
    )
    result = run_in(pytester, venv_python, "-m", "venv")
    result.assert_outcomes(passed=5, failed=5)
    result.stdout.fnmatch_lines_random(
        [
            "  FAIL  python-version * Python 3.11.* does not satisfy >=3.12*",
            "        fix: * -m venv */.venv*",
            f"  PASS  virtualenv * in a virtualenv (venv) at {venv_python.parent.parent}*",
            "  FAIL  package[[]demo-alpha] * demo-alpha 1.0 is installed, "
            "but demo-alpha>=2 is required*",
            "  FAIL  package[[]demo-missing] * demo-missing is not installed*",
            f"        fix: {venv_python} -m pip install 'demo-missing>=1'",
            "  PASS  dev-package[[]pytest] * pytest *",
            "  FAIL  dev-package[[]demo-devtool] * demo-devtool is not installed*",
            "  FAIL  consistency * demo-beta 1.0 requires demo-gamma>=3, which is not installed*",
            f"        fix: {venv_python} -m pip install 'demo-gamma>=3'",
        ]
    )


def test_a_healthy_environment_passes(pytester: pytest.Pytester, venv_python: Path) -> None:
    configure(
        pytester,
        """
        [tool.envcheck.venv]
        python = ">=3.11,<3.12"
        poetry = false
        consistency = false
        packages = ["demo-alpha>=1,<2", "demo-beta"]
        dev_packages = ["pytest"]
        """,
    )
    result = run_in(pytester, venv_python, "-m", "venv", "--envcheck-report")
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["*PASS  package[[]demo-alpha]  demo-alpha 1.0*"])


def test_installed_versions_drifting_from_the_lock(
    pytester: pytest.Pytester, venv_python: Path
) -> None:
    configure(
        pytester,
        """
        [tool.envcheck.venv]
        require_venv = false
        consistency = false
        """,
        lock="""
        [[package]]
        name = "demo-alpha"
        version = "1.1"

        [[package]]
        name = "demo-beta"
        version = "1.0"
        """,
    )
    result = run_in(pytester, venv_python, "-k", "lock-drift", "-v")
    result.assert_outcomes(failed=1, deselected=6)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  venv/lock-drift: demo-alpha 1.0 installed, lock says 1.1",
            "        why: the environment was changed after `poetry install`*",
            "        fix: poetry install",
        ]
    )


def test_corrupt_lock_file_is_named(pytester: pytest.Pytester, venv_python: Path) -> None:
    configure(pytester, "[tool.envcheck.venv]\nconsistency = false\n", lock="[[package\n")
    result = run_in(pytester, venv_python, "-k", "lock-drift")
    result.assert_outcomes(failed=1, deselected=7)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  venv/lock-drift: */poetry.lock is not valid TOML (*)",
            "        fix: poetry lock --regenerate*",
        ]
    )


@pytest.mark.usefixtures("poetry_path")
def test_lock_file_out_of_step_with_pyproject(pytester: pytest.Pytester) -> None:
    poetry = POETRY
    project = """
        [project]
        name = "demo-app"
        version = "0.1.0"
        requires-python = ">=3.11"
        dependencies = [{deps}]

        [tool.envcheck.venv]
        require_venv = false
        consistency = false
        """
    configure(pytester, project.format(deps=""))
    pytester.run(poetry, "lock", "--no-interaction").stdout.str()
    assert (pytester.path / "poetry.lock").is_file()
    result = pytester.runpytest_subprocess("-k", "lock-file", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, deselected=6)

    configure(pytester, project.format(deps='"demo-alpha>=1"'))
    result = pytester.runpytest_subprocess("-k", "lock-file", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, deselected=6)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  venv/lock-file: poetry.lock is not in step with pyproject.toml",
            "        why: `poetry check --lock` exited with code 1: *",
            "        fix: poetry lock && poetry sync",
        ]
    )


def test_outside_any_virtualenv(pytester: pytest.Pytester) -> None:
    base = (
        Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    )
    ours = sysconfig.get_paths()["purelib"]
    configure(pytester, "[tool.envcheck.venv]\npoetry = false\n")
    code = (
        f"import site, sys; site.addsitedir({ours!r}); import pytest; "
        "sys.exit(pytest.main(['-p', 'no:cacheprovider', '-m', 'venv', '-v']))"
    )
    result = pytester.run(str(base), "-c", code)
    # consistency would judge the system's packages: it waits for the virtualenv
    result.assert_outcomes(passed=2, failed=1, skipped=2)
    result.stdout.fnmatch_lines_random(
        ["*SKIP  consistency * blocked by venv/virtualenv: not run*"]
    )
    result.stdout.fnmatch_lines(
        [
            "  FAIL  venv/virtualenv: not running inside a virtualenv "
            f"(Python's prefix is {sys.base_prefix})",
            f"        fix: {base} -m venv {pytester.path}/.venv   (install the project's packages "
            f"into it, then run {pytester.path}/.venv/bin/python -m pytest)",
        ]
    )


HEALTHY = """
python = ">=3.11"
packages = ["demo-alpha>=1", "demo-beta"]
dev_packages = ["demo-dev"]
"""


@pytest.mark.usefixtures("poetry_path")
def test_poetry_answers_are_cached_until_something_changes(
    pytester: pytest.Pytester, poetry_template: Path
) -> None:
    python = poetry_project(pytester, poetry_template, HEALTHY)
    poetry_checks = ("poetry", "poetry-env", "lock-file")

    def run(*args: str) -> dict[str, dict[str, object]]:
        result = pytester.run(str(python), "-m", "pytest", "-m", "venv", "--envcheck-report", *args)
        result.assert_outcomes(passed=13)
        return report(pytester)

    first = run()
    assert all("cached" not in first[name]["facts"] for name in poetry_checks)  # type: ignore
    second = run()
    for name in poetry_checks:
        facts = second[name]["facts"]
        assert isinstance(facts, dict) and re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", facts["cached"]
        )
        day = facts["cached"][:10]
        assert f"(cached {day} " in str(second[name]["summary"])
    assert "cached" not in run("--cache-clear")["lock-file"]["facts"]  # type: ignore[operator]
    lock = pytester.path / "poetry.lock"
    lock.write_text(lock.read_text() + "\n")  # a changed lock file is checked again
    changed = run()
    assert "cached" not in changed["lock-file"]["facts"]  # type: ignore[operator]
    assert "cached" in changed["poetry"]["facts"]  # type: ignore[operator]


@pytest.mark.usefixtures("poetry_path")
def test_an_uninstalled_locked_dependency_is_drift(
    pytester: pytest.Pytester, poetry_template: Path
) -> None:
    python = poetry_project(pytester, poetry_template, HEALTHY)
    subprocess.run(
        [str(python), "-m", "pip", "uninstall", "--yes", "--quiet", "demo-gamma"], check=True
    )
    result = run_in(pytester, python, "-k", "lock-drift or consistency", "--envcheck-report")
    result.assert_outcomes(failed=2, deselected=11)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  venv/lock-drift: demo-gamma 1.0 (main) is locked but not installed",
            # demo-win (Windows only) and demo-doc (optional group) are not expected here
            "        why: the environment was changed after `poetry install`*; counted: "
            "groups dev, "
            "main; optional groups not counted: docs, packages whose markers fit this platform",
            "        fix: poetry install",
        ]
    )
    drift = report(pytester)["lock-drift"]
    assert drift["facts"]["missing"] == ["demo-gamma 1.0 (main)"]  # type: ignore[index]
    apply(pytester, str(drift["hint"]))
    run_in(pytester, python, "-k", "lock-drift or consistency").assert_outcomes(
        passed=2, deselected=11
    )


@pytest.mark.usefixtures("poetry_path")
def test_packages_checked_from_another_venv_point_at_poetry_run(
    pytester: pytest.Pytester, poetry_template: Path, venv_python: Path
) -> None:
    poetry_project(pytester, poetry_template, 'packages = ["demo-alpha", "demo-gamma>=1"]')
    result = run_in(pytester, venv_python, "-k", "package or poetry-env", "--envcheck-report")
    result.assert_outcomes(passed=2, failed=1, deselected=8)
    here, env = venv_python.parent.parent, pytester.path / ".venv"
    result.stdout.fnmatch_lines_random(
        [
            f"  WARN  poetry-env * running in {here}, but the project's Poetry environment is "
            f"{env}*",
            "  FAIL  venv/package[[]demo-gamma]: demo-gamma is not installed",
            f"        why: pytest runs from {here}, not from the project's Poetry environment "
            f"{env}; "
            "the Poetry environment has demo-gamma 1.0",
            "        fix: poetry run pytest",
        ]
    )
    done = subprocess.run(
        [POETRY, "run", "pytest", "-p", "no:cacheprovider", "-k", "package"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout


@pytest.mark.usefixtures("poetry_path")
def test_a_package_missing_from_the_poetry_env(
    pytester: pytest.Pytester, poetry_template: Path
) -> None:
    python = poetry_project(
        pytester, poetry_template, 'packages = ["demo-doc", "demo-gamma>=2", "demo-new"]'
    )
    result = run_in(pytester, python, "-k", "package")
    result.assert_outcomes(failed=3, deselected=9)
    result.stdout.fnmatch_lines_random(
        [
            "  FAIL  venv/package[[]demo-doc]: demo-doc is not installed",
            "        why: poetry.lock has demo-doc 1.0 in the optional group docs, which a plain "
            "`poetry install` leaves out",
            "        fix: poetry install --with docs",
            "        why: poetry.lock has demo-gamma 1.0; `poetry add` with the constraint updates "
            "pyproject.toml and the lock to demo-gamma>=2",
            "        fix: poetry add 'demo-gamma>=2'",
            f"        why: the project requires demo-new, and {pytester.path}/pyproject.toml "
            "does not "
            "declare it",
            "        fix: poetry add demo-new",
        ]
    )
    apply(pytester, "poetry install --with docs")
    run_in(pytester, python, "-k", "demo-doc").assert_outcomes(passed=1, deselected=11)


@pytest.mark.usefixtures("poetry_path")
def test_a_fresh_clone_without_a_poetry_env(
    pytester: pytest.Pytester, poetry_template: Path, venv_python: Path
) -> None:
    poetry_project(pytester, poetry_template, "", env=False)
    result = run_in(pytester, venv_python, "-k", "poetry-env")
    result.assert_outcomes(failed=1, deselected=8)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  venv/poetry-env: Poetry has no environment for this project yet",
            f"        why: `poetry env info --path` finds none for {pytester.path} "
            "(a fresh clone, or "
            f"the environment was removed); pytest runs from {venv_python.parent.parent}",
            f"        fix: cd {pytester.path} && poetry install && poetry run pytest",
        ]
    )
    apply(pytester, f"cd {pytester.path} && poetry install")
    after = run_in(pytester, venv_python, "-k", "poetry-env")  # "no env" is never cached
    after.assert_outcomes(passed=1, deselected=8)
    after.stdout.fnmatch_lines(["*WARN  poetry-env * the project's Poetry environment is *"])


def fake_poetry(directory: Path, version: str = "2.5.1") -> Path:
    """A Poetry installed into a virtualenv whose Python has since been removed."""
    venv = directory / "poetry-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /nowhere\n")
    info = venv / "lib" / "python3.11" / "site-packages" / f"poetry-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: poetry\nVersion: {version}\n")
    script = venv / "bin" / "poetry"
    script.write_text(f"#!{venv}/bin/python\nfrom poetry.console.application import main\n")
    script.chmod(0o755)
    return script


def test_a_poetry_whose_interpreter_is_gone(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, venv_python: Path
) -> None:
    script = fake_poetry(pytester.path)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    configure(pytester, "[project]\nname = 'x'\nversion = '1'\n[tool.envcheck.venv]\n")
    result = run_in(pytester, venv_python, "-k", "poetry")
    result.assert_outcomes(failed=1, skipped=1, deselected=7)
    venv = script.parent.parent
    result.stdout.fnmatch_lines(
        [
            f"  FAIL  venv/poetry: the interpreter of {script} is missing: its #! line names "
            f"{venv}/bin/python, which does not exist",
            "        why: the Python (or other interpreter) it was installed with was removed, "
            "upgraded or moved",
            f"        fix: */python3 -m venv --clear {venv} && {venv}/bin/python -m pip install "
            "poetry==2.5.1",
        ]
    )
    assert "report a bug" not in result.stdout.str()


@pytest.mark.usefixtures("poetry_path")
def test_python_specifier_not_met_names_a_python_poetry_accepts(
    pytester: pytest.Pytester, poetry_template: Path
) -> None:
    python = poetry_project(pytester, poetry_template, 'python = ">=3.12"\nconsistency = false')
    result = run_in(pytester, python, "-k", "python-version", "--envcheck-report")
    result.assert_outcomes(failed=1, deselected=8)
    check = report(pytester)["python-version"]
    assert "the project itself requires Python >=3.11 ([project].requires-python)" in str(
        check["why"]
    )
    hint = str(check["hint"])
    found = re.fullmatch(r"poetry env use (\S+) && poetry install && poetry run pytest", hint)
    if found is None:  # no Python 3.12+ on this machine: the install step comes first
        assert re.fullmatch(r"(pyenv|uv python) install 3\.\d+ && poetry env use .+", hint), hint
        return
    assert "/shims/" not in found.group(1)
    use = subprocess.run(
        [POETRY, "env", "use", found.group(1)], cwd=pytester.path, capture_output=True, text=True
    )
    assert use.returncode == 0, use.stdout + use.stderr  # Poetry accepts it


def test_python_ranges_that_do_not_overlap(pytester: pytest.Pytester, venv_python: Path) -> None:
    configure(
        pytester,
        """
        [project]
        name = "x"
        version = "1"
        requires-python = "<3.11"

        [tool.envcheck.venv]
        python = ">=3.12"
        """,
    )
    result = run_in(pytester, venv_python, "-k", "python-version")
    result.assert_outcomes(failed=1, deselected=9)
    result.stdout.fnmatch_lines(
        [
            "  FAIL  venv/python-version: Python 3.* does not satisfy >=3.12, and no Python "
            "satisfies "
            "both it and [[]project].requires-python = '<3.11'",
            f"        fix: make the two ranges agree in {pytester.path}/pyproject.toml",
        ]
    )


@pytest.mark.usefixtures("poetry_path")
def test_never_two_poetry_processes_at_once(
    pytester: pytest.Pytester, poetry_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = poetry_project(pytester, poetry_template, HEALTHY)
    log = pytester.path / "poetry-calls.log"
    wrapper = pytester.path / "bin" / "poetry"
    wrapper.parent.mkdir()
    wrapper.write_text(
        f'#!/bin/sh\necho "start $(date +%s%N)" >> {log}\n{POETRY} "$@"\ncode=$?\n'
        f'echo "end $(date +%s%N)" >> {log}\nexit $code\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    run_in(pytester, python, "-m", "venv").assert_outcomes(passed=13)
    events = [line.split()[0] for line in log.read_text().splitlines()]
    assert events == ["start", "end"] * 3  # --version, env info, check --lock: one after another


def _poetry_through(pytester: pytest.Pytester, interpreter_body: str) -> Path:
    """``bin/poetry``: this Poetry's console script, its ``#!`` leading to ``bin/poetry-python``
    (a shell script with ``interpreter_body``) instead of Poetry's interpreter."""
    real = Path(POETRY).read_text().splitlines(keepends=True)
    interpreter = pytester.path / "bin" / "poetry-python"
    interpreter.parent.mkdir()
    interpreter.write_text(f"#!/bin/sh\n{interpreter_body}\n")
    interpreter.chmod(0o755)
    script = interpreter.parent / "poetry"
    script.write_text(f"#!{interpreter}\n" + "".join(real[1:]))
    script.chmod(0o755)
    return interpreter.parent


@pytest.mark.usefixtures("poetry_path")
def test_a_cold_run_starts_poetry_once_for_all_three_answers(
    pytester: pytest.Pytester, poetry_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = poetry_project(pytester, poetry_template, HEALTHY)
    log = pytester.path / "poetry-starts.log"
    real = _exec.read_shebang(POETRY)
    assert real is not None
    bin_dir = _poetry_through(pytester, f'echo start >> {log}\nexec {real.interpreter} "$@"')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = run_in(pytester, python, "-m", "venv", "-rA")  # no cache: a cold run
    result.assert_outcomes(passed=13)
    assert log.read_text().splitlines() == ["start"]
    version = subprocess.run([POETRY, "--version"], capture_output=True, text=True, check=True)
    result.stdout.fnmatch_lines_random(
        [
            f"*PASS*poetry *Poetry {version.stdout.split()[-1].rstrip(')')}*",
            f"*PASS*poetry-env*running in the project's Poetry environment {python.parent.parent}*",
            "*PASS*lock-file*poetry.lock matches pyproject.toml*",
        ]
    )
    # the same answers as three processes: a lock file out of step still fails lock-file
    pyproject = pytester.path / "pyproject.toml"
    pyproject.write_text(
        "".join(line for line in pyproject.read_text().splitlines(True) if "demo-gamma" not in line)
    )
    stale = run_in(pytester, python, "-m", "venv")
    stale.stdout.fnmatch_lines(
        ["  FAIL  venv/lock-file: poetry.lock is not in step with pyproject.toml"]
    )
    assert log.read_text().splitlines() == ["start", "start"]


@pytest.mark.usefixtures("poetry_path")
def test_a_poetry_that_hangs_is_stopped_at_the_timeout(
    pytester: pytest.Pytester, poetry_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = poetry_project(pytester, poetry_template, HEALTHY + "timeout = 2\n")
    bin_dir = _poetry_through(pytester, "exec sleep 60")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    started = time.monotonic()
    result = run_in(pytester, python, "-m", "venv", "-k", "poetry")
    assert time.monotonic() - started < 30
    result.stdout.fnmatch_lines(
        [
            "  FAIL  venv/poetry: `poetry --version` did not finish within 2 s",
            "        why: Poetry hangs (a network lookup, or a lock held by another Poetry "
            "process)",
        ]
    )


@pytest.mark.parametrize(
    ("poetry", "pep440"),
    [
        ("^3.11", ">=3.11,<4"),
        ("~3.11", ">=3.11,<3.12"),
        ("^0.2.3", ">=0.2.3,<0.3"),
        (">=3.9,<3.13", ">=3.9,<3.13"),
        ("~=3.11", "~=3.11"),
        ("3.11.*", "==3.11.*"),
        (">=3.8 || ^4", None),
    ],
)
def test_poetry_python_constraints_as_specifiers(poetry: str, pep440: str | None) -> None:
    from envcheck.checks.venv.project import poetry_constraint

    assert poetry_constraint(poetry) == pep440


def test_which_locked_packages_belong_here(tmp_path: Path) -> None:
    from envcheck.checks.venv.project import read_lock, read_project

    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
            [tool.poetry.dependencies]
            python = "^3.11"
            [tool.poetry.group.docs]
            optional = true
            [dependency-groups]
            lint = ["ruff>=0.5"]
            """))
    (tmp_path / "poetry.lock").write_text(textwrap.dedent("""
            [[package]]
            name = "Here"
            version = "1"
            groups = ["main"]
            [[package]]
            name = "windows-only"
            version = "1"
            groups = ["main"]
            markers = "sys_platform == 'win32'"
            [[package]]
            name = "per-group"
            version = "1"
            groups = ["main", "lint"]
            markers = {main = "sys_platform == 'win32'", lint = "python_version >= '3'"}
            [[package]]
            name = "docs-tool"
            version = "1"
            groups = ["docs"]
            [[package]]
            name = "extra-only"
            version = "1"
            optional = true
            groups = ["main"]
            """))
    project = read_project(tmp_path)
    assert (project.default_groups, project.optional_groups) == ({"main", "lint"}, {"docs"})
    assert (project.python, project.python_from) == (
        ">=3.11,<4",
        "[tool.poetry.dependencies].python",
    )
    packages = read_lock(tmp_path / "poetry.lock").packages
    wanted = {name: p.wanted(project.default_groups) for name, p in packages.items()}
    assert wanted == {
        "here": True,
        "windows-only": sys.platform == "win32",
        "per-group": True,
        "docs-tool": False,
        "extra-only": False,
    }


def test_a_package_locked_twice_for_different_pythons_is_judged_by_the_entry_for_here(
    tmp_path: Path,
) -> None:
    """poetry.lock keeps one entry per platform range (django 5.2 below Python 3.13, 6.1 from
    3.13): the entry whose marker holds here is the one installed here, whatever the order."""
    from envcheck.checks.venv.project import read_lock

    entry = '[[package]]\nname = "demo"\nversion = "{v}"\ngroups = ["main"]\nmarkers = "{m}"\n\n'
    here, elsewhere = 'python_version >= \\"3.0\\"', 'python_version < \\"3.0\\"'
    for first, second in ((here, elsewhere), (elsewhere, here)):
        lock = tmp_path / f"poetry-{len(first)}.lock"
        versions = {here: "1.0", elsewhere: "2.0"}
        lock.write_text(
            entry.format(v=versions[first], m=first) + entry.format(v=versions[second], m=second)
        )
        assert read_lock(lock).packages["demo"].version == "1.0"


class _JsonCache:
    """pytest's cache as the checks see it: JSON values under string keys."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, key: str, default: object) -> object:
        return json.loads(self.values[key]) if key in self.values else default

    def set(self, key: str, value: object) -> None:
        self.values[key] = json.dumps(value)


def test_the_parsed_lock_is_kept_in_pytests_cache_for_exactly_these_bytes(tmp_path: Path) -> None:
    from envcheck.checks.venv import project as _project
    from envcheck.core.model import CheckFailed

    lock = tmp_path / "poetry.lock"
    lock.write_text('[[package]]\nname = "Demo"\nversion = "1.0"\ngroups = ["main"]\n')
    cache = _JsonCache()
    assert _project.read_lock(lock, cache).packages["demo"].version == "1.0"
    (key,) = cache.values
    stored = json.loads(cache.values[key])
    assert stored["sha256"] == hashlib.sha256(lock.read_bytes()).hexdigest()
    # a later session takes the summary from the cache, without parsing
    stored["packages"][0][1] = "7.0"
    cache.set(key, stored)
    _project._memo.clear()
    assert _project.read_lock(lock, cache).packages["demo"].version == "7.0"
    # same size and mtime, other bytes: parsed again
    info = lock.stat()
    lock.write_text(lock.read_text().replace("1.0", "2.0"))
    os.utime(lock, ns=(info.st_atime_ns, info.st_mtime_ns))
    _project._memo.clear()
    assert _project.read_lock(lock, cache).packages["demo"].version == "2.0"
    # invalid TOML is reported on every run, never kept
    lock.write_text("[[package\n")
    for _ in range(2):
        _project._memo.clear()
        with pytest.raises(CheckFailed, match="is not valid TOML"):
            _project.read_lock(lock, cache)
