"""The venv component against real throwaway virtualenvs with real installed packages."""

from __future__ import annotations

import shutil
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from tests.throwaway import install, make_venv, make_wheel


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


def run_in(pytester: pytest.Pytester, python: Path, *args: str) -> pytest.RunResult:
    return pytester.run(str(python), "-m", "pytest", "-p", "no:cacheprovider", *args)


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
    result.assert_outcomes(passed=2, failed=5)
    result.stdout.fnmatch_lines_random(
        [
            "  FAIL  python-version * Python 3.11.* does not satisfy >=3.12*",
            "        fix: poetry env use python3.1* (install it first, e.g. pyenv install 3.1*)",
            f"  PASS  virtualenv * in a virtualenv (venv) at {venv_python.parent.parent}*",
            "  FAIL  package[[]demo-alpha] * demo-alpha 1.0 is installed, "
            "but demo-alpha>=2 is required*",
            "  FAIL  package[[]demo-missing] * demo-missing is not installed*",
            '        fix: pip install "demo-missing>=1"',
            "  PASS  dev-package[[]pytest] * pytest *",
            "  FAIL  dev-package[[]demo-devtool] * demo-devtool is not installed*",
            "  FAIL  consistency * demo-beta 1.0 requires demo-gamma>=3, which is not installed*",
            "        fix: poetry install --sync*",
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
    result.assert_outcomes(passed=5)
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
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines(
        [
            "venv/lock-drift: demo-alpha 1.0 installed, lock says 1.1",
            "  why: the environment was changed after `poetry install`*",
            "  fix: poetry install --sync",
        ]
    )


def test_corrupt_lock_file_is_named(pytester: pytest.Pytester, venv_python: Path) -> None:
    configure(pytester, "[tool.envcheck.venv]\nconsistency = false\n", lock="[[package\n")
    result = run_in(pytester, venv_python, "-k", "lock-drift")
    result.assert_outcomes(failed=1, deselected=4)
    result.stdout.fnmatch_lines(
        ["venv/lock-drift: */poetry.lock is not valid TOML (*)", "  fix: poetry lock*"]
    )


def test_lock_file_out_of_step_with_pyproject(pytester: pytest.Pytester) -> None:
    poetry = shutil.which("poetry")
    if poetry is None:
        pytest.skip("poetry is not on PATH (scripts/test puts it there)")
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
    result.assert_outcomes(passed=1, deselected=3)

    configure(pytester, project.format(deps='"demo-alpha>=1"'))
    result = pytester.runpytest_subprocess("-k", "lock-file", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines(
        ["venv/lock-file: poetry.lock is not in step with pyproject.toml", "  fix: poetry lock*"]
    )


def test_outside_any_virtualenv(pytester: pytest.Pytester) -> None:
    base = (
        Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    )
    ours = sysconfig.get_paths()["purelib"]
    configure(pytester, "[tool.envcheck.venv]\npoetry = false\nconsistency = false\n")
    code = (
        f"import site, sys; site.addsitedir({ours!r}); import pytest; "
        "sys.exit(pytest.main(['-p', 'no:cacheprovider', '-m', 'venv']))"
    )
    result = pytester.run(str(base), "-c", code)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "venv/virtualenv: not running inside a virtualenv "
            f"(Python's prefix is {sys.base_prefix})",
            "  fix: poetry install && poetry run pytest",
        ]
    )
