"""The zero-config run (the ``envcheck`` console script without ``[tool.envcheck]``) derives the
venv checks from the project, with the same derivation ``envcheck init`` writes; a ``why`` that
names a setting names where it really came from.

Each test runs the console script as a user does (``python -m envcheck.cli.main``) in a pytester
project, with a PATH that has no Poetry on it unless the test says otherwise.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.hardening import envcheck

PLAIN = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["pydantic>=2"]
"""
POETRY = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = []

[tool.poetry]
package-mode = false
"""
#: variables that would add other components' checks, or point them elsewhere
_OTHERS = ("DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY")


@pytest.fixture
def no_poetry(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """PATH without any ``poetry`` (this interpreter's directory first, as in an activated venv)."""
    keep = [str(Path(sys.executable).parent)]
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if entry and not (Path(entry) / "poetry").exists() and entry not in keep:
            keep.append(entry)
    monkeypatch.setenv("PATH", os.pathsep.join(keep))
    for name in _OTHERS:
        monkeypatch.delenv(name, raising=False)


def _envcheck(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(
        sys.executable, "-m", "envcheck.cli.main", "-p", "no:cacheprovider", "-m", "venv", *args
    )


def _checks(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    return {check["id"]: check for check in report["checks"] if check["component"] == "venv"}


@pytest.mark.usefixtures("no_poetry")
def test_a_plain_pep621_project_gets_no_poetry_and_no_undeclared_dev_tools(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "pyproject.toml").write_text(PLAIN)
    result = _envcheck(pytester, "-v")
    assert result.ret == 0, result.stdout.str()
    checks = _checks(pytester)
    assert not [cid for cid in checks if "poetry" in cid or "lock" in cid]
    assert not [cid for cid in checks if cid.startswith("venv/dev-package")]
    assert checks["venv/python-version"]["summary"].endswith("satisfies >=3.10")
    assert checks["venv/package[pydantic]"]["status"] == "pass"
    # Poetry's package-mode does not concern a project Poetry does not manage
    assert checks["venv/project"]["status"] == "pass"
    assert "[tool.envcheck.venv]" not in result.stdout.str()


@pytest.mark.usefixtures("no_poetry")
def test_a_poetry_project_without_poetry_says_the_setting_was_derived_from_the_project(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "pyproject.toml").write_text(POETRY)
    (pytester.path / "poetry.lock").write_text('[metadata]\nlock-version = "2.1"\n')
    result = _envcheck(pytester)
    assert result.ret == 1
    where = pytester.path / "pyproject.toml"
    result.stdout.fnmatch_lines(
        [
            "  FAIL  venv/poetry: poetry is not on PATH",
            f"        why: the project is managed with Poetry (derived from {where}: "
            "[tool.poetry] is present, poetry.lock is present)",
        ]
    )
    assert "[tool.envcheck.venv] poetry = true" not in result.stdout.str()


@pytest.mark.usefixtures("no_poetry")
@pytest.mark.parametrize(
    ("venv", "said"),
    [
        ("poetry = true\n", "[tool.envcheck.venv] poetry = true in {where}"),
        (
            'python = ">=3"\n',
            "poetry = true is the default of [tool.envcheck.venv] ({where} does not set it)",
        ),
    ],
    ids=["written", "default"],
)
def test_a_written_or_default_setting_is_named_as_such(
    pytester: pytest.Pytester, venv: str, said: str
) -> None:
    (pytester.path / "pyproject.toml").write_text(PLAIN + "\n[tool.envcheck.venv]\n" + venv)
    result = _envcheck(pytester, "-k", "poetry")
    where = pytester.path / "pyproject.toml"
    result.stdout.fnmatch_lines(
        [
            "  FAIL  venv/poetry: poetry is not on PATH",
            f"        why: the project is managed with Poetry ({said.format(where=where)})",
        ]
    )


@pytest.mark.usefixtures("no_poetry")
def test_the_dev_tools_checked_are_the_ones_the_project_declares(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "pyproject.toml").write_text(
        PLAIN + '\n[dependency-groups]\ndev = ["black>=20", "envcheck-demo-devtool>=1"]\n'
    )
    result = _envcheck(pytester)
    checks = _checks(pytester)
    tools = sorted(cid for cid in checks if cid.startswith("venv/dev-package"))
    assert tools == ["venv/dev-package[black]", "venv/dev-package[envcheck-demo-devtool]"]
    assert checks["venv/dev-package[black]"]["status"] == "pass"
    missing = "envcheck-demo-devtool is not installed"
    result.stdout.fnmatch_lines([f"  FAIL  venv/dev-package[[]envcheck-demo-devtool]: {missing}"])


@pytest.mark.usefixtures("no_poetry")
@pytest.mark.parametrize("project", [PLAIN, POETRY], ids=["pep621", "poetry"])
def test_zero_config_checks_what_init_writes(pytester: pytest.Pytester, project: str) -> None:
    """One derivation: the venv checks of the zero-config run are the ones init's section gives,
    with the same settings."""
    (pytester.path / "pyproject.toml").write_text(
        project + '\n[dependency-groups]\ndev = ["black", "isort"]\n'
    )
    _envcheck(pytester)
    before = _checks(pytester)
    done = envcheck(pytester.path, "init", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    _envcheck(pytester)
    after = _checks(pytester)
    assert sorted(before) == sorted(after)
    for cid in before:
        assert before[cid]["description"] == after[cid]["description"], cid
    assert before["venv/python-version"]["summary"] == after["venv/python-version"]["summary"]


@pytest.mark.usefixtures("no_poetry")
def test_a_dependency_for_another_platform_or_python_is_neither_checked_nor_written(
    pytester: pytest.Pytester,
) -> None:
    """Poetry's ``markers`` and ``python`` on a dependency say where it is installed: a package
    Poetry leaves out here is not reported missing, by the zero-config run or by init's table."""
    (pytester.path / "pyproject.toml").write_text(POETRY + textwrap.dedent("""
            [tool.poetry.dependencies]
            pydantic = {version = ">=2", python = ">=3.8"}
            envcheck-demo-win = {version = "1", markers = "sys_platform == 'win32'"}
            envcheck-demo-old = [{version = "1", python = "<3.8"}]

            [tool.poetry.group.dev.dependencies]
            black = "*"
            envcheck-demo-winlint = {version = "1", markers = "sys_platform == 'win32'"}
            """))
    _envcheck(pytester, "-k", "package")
    checks = _checks(pytester)
    packages = sorted(cid for cid in checks if "package[" in cid)
    assert packages == ["venv/dev-package[black]", "venv/package[pydantic]"]
    assert all(checks[cid]["status"] == "pass" for cid in packages), checks
    done = envcheck(pytester.path, "init", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    venv = tomllib.loads((pytester.path / "pyproject.toml").read_text())["tool"]["envcheck"]["venv"]
    assert (venv["packages"], venv["dev_packages"]) == (["pydantic>=2"], ["black"])


#: an installed third-party plugin (a dist-info with an ``envcheck`` entry point, as pip leaves
#: it) whose defaults hook has the signature of before ``rootdir`` (``environ`` only), next to
#: one that takes ``rootdir`` only
_PLUGIN = """
import pydantic
import envcheck

class Brokers(pydantic.BaseModel):
    brokers: list[str]

class Root(pydantic.BaseModel):
    path: str

@envcheck.hookimpl
def envcheck_config_sections():
    return {"kafka": Brokers, "rooted": Root}

@envcheck.hookimpl
def envcheck_default_config(environ):
    if environ.get("KAFKA_BROKERS"):
        return {"kafka": {"brokers": environ["KAFKA_BROKERS"].split(",")}}
    return None

@envcheck.hookimpl(specname="envcheck_default_config")
def rooted_default(rootdir):
    return {"rooted": {"path": str(rootdir)}}

@envcheck.hookimpl
def envcheck_checks(config):
    kafka, rooted = config.section("kafka"), config.section("rooted")
    if kafka is not None:
        yield envcheck.Check(
            name="brokers", component="kafka",
            run=lambda ctx: envcheck.ok(f"brokers {' '.join(kafka.brokers)}"),
        )
    if rooted is not None:
        yield envcheck.Check(
            name="root", component="rooted", run=lambda ctx: envcheck.ok(f"root {rooted.path}")
        )
"""


def test_a_plugin_whose_defaults_hook_takes_only_environ_still_adds_its_section(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``envcheck_default_config`` gained ``rootdir``: an implementation takes any subset of the
    arguments, so a plugin written for ``(environ)`` keeps working, and one may take ``rootdir``."""
    site = pytester.mkdir("site")
    (site / "envcheck_demo_kafka.py").write_text(_PLUGIN)
    info = site / "envcheck_demo_kafka-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: envcheck-demo-kafka\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text("[envcheck]\nkafka = envcheck_demo_kafka\n")
    (info / "RECORD").write_text("")
    monkeypatch.setenv("PYTHONPATH", str(site))
    monkeypatch.setenv("KAFKA_BROKERS", "a:9092,b:9092")
    (pytester.path / "pyproject.toml").write_text(PLAIN)
    result = pytester.run(
        sys.executable,
        "-m",
        "envcheck.cli.main",
        "-p",
        "no:cacheprovider",
        "-m",
        "kafka or rooted",
        "-v",
    )
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines_random(
        ["*PASS*brokers*brokers a:9092 b:9092*", f"*PASS*root*root {pytester.path}*"]
    )
