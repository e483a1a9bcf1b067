"""The venv verdict table (``docs/verdicts/venv.md``): one scenario per row, each against a real
Poetry project and real virtualenvs made here; runnable fixes applied through envcheck's own step
runner and the check run again."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.throwaway import make_wheel
from tests.verdicts import table
from tests.verdicts.venv_lab import POETRY, Lab, base_python, copied_python

SCENARIOS = table.Scenarios("venv")
row = SCENARIOS.row
Checks = dict[str, dict[str, Any]]


@pytest.fixture()
def lab(
    tmp_path: Path,
    template: Path,
    poetry_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    other_venv: Path,
) -> Lab:
    return Lab(tmp_path, template, poetry_home, monkeypatch, other_venv)


def expect(found: Checks, *ids: str) -> None:
    """The report's checks against the rows ``ids``: status, cause and fix."""
    rows = {r.id: r for r in SCENARIOS.table()}
    problems = [p for i in ids for p in table.verdict_problems(rows[i], found.values())]
    assert not problems, "\n".join(problems)


def status(found: Checks, check: str) -> str:
    return str(found[f"venv/{check}"]["status"])


# -- PEP 405: the virtualenv, its pyvenv.cfg and VIRTUAL_ENV ---------------------------------


@row("venv-pep405-no-venv")
def no_venv(lab: Lab) -> None:
    lab.tmp.joinpath("app").mkdir()
    (lab.app / "pyproject.toml").write_text(
        "[project]\nname = 'x'\nversion = '1'\n[tool.envcheck.venv]\npoetry = false\n"
    )
    ours = sysconfig_purelib()
    code = (
        f"import site, sys; site.addsitedir({ours!r}); import pytest; "
        "sys.exit(pytest.main(sys.argv[1:]))"
    )
    found = lab.run(argv=[str(base_python()), "-c", code])
    expect(found, "venv-pep405-no-venv")
    lab.apply(found["venv/virtualenv"])  # python -m venv ROOT/.venv
    made = lab.app / ".venv" / "bin" / "python"
    from tests.verdicts.venv_lab import see_our_packages

    see_our_packages(made)
    assert status(lab.run(made), "virtualenv") == "pass"


def sysconfig_purelib() -> str:
    import sysconfig

    return sysconfig.get_paths()["purelib"]


@row("venv-pep405-home-gone")
def base_interpreter_gone(lab: Lab) -> None:
    base = copied_python("3.12", lab.tmp / "base")
    if base is None:
        pytest.skip("no Python 3.12 under ~/.pyenv to copy as a removable base interpreter")
    lab.project("", env=False)
    lab.poetry("env", "use", str(base))
    lab.poetry("install")
    shutil.rmtree(lab.tmp / "base")  # the Python the environment was made with is gone
    found = lab.run(lab.other_venv())
    expect(found, "venv-pep405-home-gone")
    # the fix makes it again with a Python 3.12, never with whichever Python Poetry finds first
    lab.apply(found["venv/poetry-env"])
    cfg = (lab.app / ".venv" / "pyvenv.cfg").read_text()
    assert "version_info = 3.12." in cfg, cfg
    assert status(lab.run(lab.other_venv()), "poetry-env") == "warn"  # runs from elsewhere


@row("venv-virtual-env-missing")
def virtual_env_missing(lab: Lab) -> None:
    lab.project("")
    gone = str(lab.tmp / "deleted-venv")
    found = lab.run(env={"VIRTUAL_ENV": gone})
    expect(found, "venv-virtual-env-missing")
    # Poetry is asked without it: the project's environment is still the one found
    assert status(found, "poetry-env") == "pass", found["venv/poetry-env"]
    before = (lab.app / ".venv" / "pyvenv.cfg").stat().st_ino
    assert (lab.app / ".venv" / "pyvenv.cfg").stat().st_ino == before
    assert status(lab.run(), "virtualenv") == "pass"  # after `unset VIRTUAL_ENV`


@row("venv-virtual-env-file")
def virtual_env_file(lab: Lab) -> None:
    lab.project("")
    found = lab.run(env={"VIRTUAL_ENV": str(lab.app / "pyproject.toml")})
    expect(found, "venv-virtual-env-file")


@row("venv-copied-venv")
def copied_venv(lab: Lab) -> None:
    original = lab.project("", at=lab.tmp / "orig-app")
    shutil.copytree(original, lab.app, symlinks=True)  # `cp -r orig-app app`: the original stays
    assert str(original / ".venv") in pip_version(lab)  # the copy's pip is the original's
    found = lab.run()
    expect(found, "venv-copied-venv")
    lab.apply(found["venv/virtualenv"])
    assert status(lab.run(), "virtualenv") == "pass"
    assert str(lab.app / ".venv") in pip_version(lab)


def pip_version(lab: Lab) -> str:
    """What the project's ``.venv/bin/pip --version`` says (the site-packages it works on)."""
    pip = lab.app / ".venv" / "bin" / "pip"
    return subprocess.run(
        [str(pip), "--version"], capture_output=True, text=True, env=lab.env, check=True
    ).stdout


@row("venv-pep405-no-cfg")
def no_pyvenv_cfg(lab: Lab) -> None:
    lab.project("")
    (lab.app / ".venv" / "pyvenv.cfg").unlink()
    found = lab.run(lab.other_venv())
    expect(found, "venv-pep405-no-cfg")


@row("venv-virtual-env-other")
def virtual_env_other(lab: Lab) -> None:
    lab.project("")
    found = lab.run(env={"VIRTUAL_ENV": str(lab.other_venv().parent.parent)})
    expect(found, "venv-virtual-env-other")
    assert status(found, "poetry-env") == "pass", found["venv/poetry-env"]


# -- the project: PEP 621, Poetry's package-mode, monorepos ---------------------------------


@row("venv-project-none")
def no_project(lab: Lab) -> None:
    empty = lab.tmp / "empty"
    empty.mkdir()
    found = lab.run(lab.other_venv(), "--envcheck-defaults", cwd=empty)
    expect(found, "venv-project-none")
    # zero-config derives the section from the project, and there is none: no Poetry, no
    # packages, so no check fails for a Poetry project that is not there
    assert not [c for c in found if "poetry" in c or "lock" in c or "package[" in c], sorted(found)
    assert status(found, "virtualenv") == "pass"
    assert not [c for c, v in found.items() if v["status"] == "fail"], found


def monorepo(lab: Lab, envcheck: str = "") -> tuple[Path, Path]:
    repo = lab.tmp / "repo"
    api = repo / "services" / "api"
    api.parent.mkdir(parents=True)
    (repo / "README.md").write_text("a monorepo\n")
    lab.project(envcheck, at=api)
    return repo, api


@row("venv-project-monorepo")
def monorepo_root(lab: Lab) -> None:
    repo, api = monorepo(lab)
    found = lab.run(lab.python(api), "--envcheck-defaults", cwd=repo)
    expect(found, "venv-project-monorepo")
    for check in ("poetry-env", "lock-file", "lock-drift"):
        assert status(found, check) == "pass", found[f"venv/{check}"]
    # zero-config derives the section from services/api/pyproject.toml, as `envcheck init` there
    # would: its dependencies and dev group, not a fixed list of dev tools; demo-win is declared
    # for Windows only (a Poetry `markers`), so it is not checked here
    packages = sorted(c for c in found if "package[" in c)
    assert packages == [
        "venv/dev-package[demo-dev]",
        "venv/package[demo-alpha]",
        "venv/package[demo-beta]",
        "venv/package[demo-gamma]",
    ], packages
    assert all(status(found, c.removeprefix("venv/")) == "pass" for c in packages), found


def test_pytest_m_venv_at_a_monorepo_root_says_why_it_runs_nothing(lab: Lab) -> None:
    repo, api = monorepo(lab)
    done = subprocess.run(
        [str(lab.python(api)), "-m", "pytest", "-p", "no:cacheprovider", "-m", "venv"],
        cwd=repo,
        env=lab.run_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 5, done.stdout  # no tests ran, as pytest says
    assert (
        f"envcheck: -m 'venv' selects no venv check: envcheck has nothing to check here ({repo} "
        f"has no pyproject.toml); the running virtualenv {api / '.venv'} belongs to the project "
        f"{api}: run it there (cd {api})"
    ) in " ".join(done.stdout.split()), done.stdout


@row("venv-monorepo-package")
def monorepo_package(lab: Lab) -> None:
    repo, api = monorepo(lab, 'packages = ["demo-alpha"]')
    lab.pip(lab.python(api), "uninstall", "--yes", "demo-alpha")
    config = str(api / "pyproject.toml")
    found = lab.run(lab.python(api), f"--envcheck-config={config}", cwd=repo)
    expect(found, "venv-monorepo-package")
    lab.apply(found["venv/package[demo-alpha]"], rootdir=repo)
    again = lab.run(lab.python(api), f"--envcheck-config={config}", cwd=repo)
    assert status(again, "package[demo-alpha]") == "pass"


@row("venv-pyproject-invalid")
def pyproject_invalid(lab: Lab) -> None:
    repo, api = monorepo(lab)
    (api / "pyproject.toml").write_text("[project\nname = 'api'\n")
    found = lab.run(lab.python(api), "--envcheck-defaults", cwd=repo)
    expect(found, "venv-pyproject-invalid")


NO_PACKAGE = """
[project]
name = "demo-svc"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[tool.envcheck.venv]
consistency = false
"""


@row("venv-package-mode-no-package", "venv-env-none-no-package")
def no_package(lab: Lab) -> None:
    lab.app.mkdir()
    (lab.app / "pyproject.toml").write_text(NO_PACKAGE)
    lab.poetry("lock")
    shutil.rmtree(lab.app / ".venv", ignore_errors=True)  # `poetry lock` made an empty one
    found = lab.run(lab.other_venv())
    expect(found, "venv-package-mode-no-package", "venv-env-none-no-package")
    # `poetry install --no-root` (the printed fix) succeeds where `poetry install` fails
    assert "--no-root" in found["venv/poetry-env"]["fix"]["steps"][0]["argv"]
    lab.apply(found["venv/poetry-env"])
    assert status(lab.run(lab.other_venv()), "poetry-env") == "warn"
    lab.apply(found["venv/project"])  # package-mode = false, then poetry install
    again = lab.run(lab.other_venv())
    assert status(again, "project") == "pass", again["venv/project"]


# -- the poetry program -----------------------------------------------------------------------


def poetry_copy(lab: Lab, *, first_line: str | None = None, crlf: bool = False) -> Path:
    """``bin/poetry``: this machine's Poetry console script, changed as the scenario says."""
    text = Path(POETRY).read_text()
    if first_line is not None:
        text = first_line + "\n" + text.split("\n", 1)[1]
    if crlf:
        text = text.replace("\n", "\r\n")
    script = lab.tmp / "bin" / "poetry"
    script.parent.mkdir(exist_ok=True)
    script.write_bytes(text.encode())
    script.chmod(0o755)
    return script


def without_poetry_path(lab: Lab, *first: Path) -> dict[str, str]:
    """PATH without Poetry's own directory (nor pipx): ``first`` directories before the rest."""
    keep = [
        d
        for d in lab.env["PATH"].split(os.pathsep)
        if d
        and not (Path(d) / "poetry").exists()
        and not (Path(d) / "pipx").exists()
        and Path(d).name != "shims"
    ]
    return {"PATH": os.pathsep.join([*(str(p) for p in first), *keep])}


def uses_pipx(check: dict[str, Any]) -> bool:
    return any("pipx" in s.get("argv", ())[:1] for s in check["fix"]["steps"])


@row("venv-poetry-not-on-path")
def poetry_not_on_path(lab: Lab) -> None:
    lab.project("")
    found = lab.run(env=without_poetry_path(lab))
    expect(found, "venv-poetry-not-on-path")
    assert not uses_pipx(found["venv/poetry"])  # not installed here: never offered


@row("venv-poetry-interpreter-gone-venv")
def poetry_interpreter_gone_in_venv(lab: Lab) -> None:
    lab.project("")
    venv = lab.tmp / "poetry-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /nowhere\n")
    info = venv / "lib" / "python3.11" / "site-packages" / "poetry-2.5.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: poetry\nVersion: 2.5.1\n")
    script = venv / "bin" / "poetry"
    script.write_text(f"#!{venv}/bin/python\nfrom poetry.console.application import main\n")
    script.chmod(0o755)
    found = lab.run(env=without_poetry_path(lab, script.parent))
    expect(found, "venv-poetry-interpreter-gone-venv")


@row("venv-poetry-interpreter-gone")
def poetry_interpreter_gone(lab: Lab) -> None:
    lab.project("")
    script = poetry_copy(lab, first_line=f"#!{lab.tmp / 'removed-python' / 'bin' / 'python'}")
    found = lab.run(env=without_poetry_path(lab, script.parent))
    expect(found, "venv-poetry-interpreter-gone")
    assert not uses_pipx(found["venv/poetry"])  # pipx is not installed here


@row("venv-poetry-not-executable")
def poetry_not_executable(lab: Lab) -> None:
    lab.project("")
    script = poetry_copy(lab)
    script.chmod(0o644)
    path = without_poetry_path(lab, script.parent)
    found = lab.run(env=path)
    expect(found, "venv-poetry-not-executable")
    lab.apply(found["venv/poetry"])
    assert status(lab.run(env=path), "poetry") == "pass"


@row("venv-poetry-crlf")
def poetry_crlf(lab: Lab) -> None:
    lab.project("")
    script = poetry_copy(lab, crlf=True)
    path = without_poetry_path(lab, script.parent)
    found = lab.run(env=path)
    expect(found, "venv-poetry-crlf")
    lab.apply(found["venv/poetry"])
    assert status(lab.run(env=path), "poetry") == "pass"


@row("venv-poetry-fails")
def poetry_fails(lab: Lab) -> None:
    lab.project("")
    script = lab.tmp / "bin" / "poetry"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\necho 'ModuleNotFoundError: No module named cleo' >&2\nexit 3\n")
    script.chmod(0o755)
    found = lab.run(env=without_poetry_path(lab, script.parent))
    expect(found, "venv-poetry-fails")


@row("venv-poetry-hangs")
def poetry_hangs(lab: Lab) -> None:
    lab.project("timeout = 2")
    script = lab.tmp / "bin" / "poetry"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\nexec sleep 30\n")
    script.chmod(0o755)
    found = lab.run(env=without_poetry_path(lab, script.parent))
    expect(found, "venv-poetry-hangs")


# -- poetry env info ----------------------------------------------------------------------------


@row("venv-env-none")
def env_none(lab: Lab) -> None:
    lab.project("", env=False)
    found = lab.run(lab.other_venv())
    expect(found, "venv-env-none")
    lab.apply(found["venv/poetry-env"])
    assert status(lab.run(lab.other_venv()), "poetry-env") == "warn"


@row("venv-env-python-outside")
def env_python_outside(lab: Lab) -> None:
    if copied_python("3.10", lab.tmp / "probe") is None:
        pytest.skip("no Python 3.10 under ~/.pyenv for the project's new range")
    lab.project("")
    pyproject = lab.app / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('requires-python = ">=3.11"', 'requires-python = "<3.11"')
    )
    found = lab.run(lab.other_venv())
    expect(found, "venv-env-python-outside")
    lab.apply(found["venv/poetry-env"])
    assert "version_info = 3.10." in (lab.app / ".venv" / "pyvenv.cfg").read_text()
    assert status(lab.run(lab.other_venv()), "poetry-env") == "warn"


@row("venv-env-create-false")
def env_create_false(lab: Lab) -> None:
    lab.project("", env=False)
    (lab.app / "poetry.toml").write_text("[virtualenvs]\ncreate = false\n")
    found = lab.run(lab.other_venv())
    expect(found, "venv-env-create-false")


@row("venv-env-other")
def env_other(lab: Lab) -> None:
    lab.project("")
    found = lab.run(lab.other_venv())
    expect(found, "venv-env-other")


@row("venv-env-error")
def env_error(lab: Lab) -> None:
    lab.project("")
    pyproject = lab.app / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("package-mode = false", "package-mode = 'sometimes'")
    )
    found = lab.run(lab.other_venv())
    expect(found, "venv-env-error")


# -- poetry.lock: its format, and `poetry check --lock` ---------------------------------------


@row("venv-lock-missing")
def lock_missing(lab: Lab) -> None:
    lab.project("")
    (lab.app / "poetry.lock").unlink()
    found = lab.run()
    expect(found, "venv-lock-missing")
    lab.apply(found["venv/lock-file"])
    assert status(lab.run(), "lock-file") == "pass"


@row("venv-lock-stale")
def lock_stale(lab: Lab) -> None:
    lab.project("")
    pyproject = lab.app / "pyproject.toml"
    # deprecated [tool.poetry] fields: Poetry warns about each, after its error
    text = pyproject.read_text().replace(
        "[tool.poetry]\n",
        '[tool.poetry]\nname = "demo-app"\nversion = "0.1.0"\ndescription = "x"\n'
        'authors = ["A <a@example.org>"]\n',
    )
    text = "".join(line for line in text.splitlines(True) if "demo-gamma" not in line)
    pyproject.write_text(text)
    found = lab.run()
    expect(found, "venv-lock-stale")
    assert "Warning" not in str(found["venv/lock-file"]["why"])
    lab.apply(found["venv/lock-file"])
    assert status(lab.run(), "lock-file") == "pass"


@row("venv-lock-pyproject-error")
def lock_pyproject_error(lab: Lab) -> None:
    lab.project("")
    pyproject = lab.app / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'requires-python = ">=3.11"', 'requires-python = ">=3.11"\nreadme = "README.md"'
        )
    )
    found = lab.run()
    expect(found, "venv-lock-pyproject-error")


def edit_lock(lab: Lab, old: str, new: str) -> None:
    lock = lab.app / "poetry.lock"
    text = lock.read_text()
    assert old in text
    lock.write_text(text.replace(old, new))


@row("venv-lock-version-new")
def lock_version_new(lab: Lab) -> None:
    lab.project("")
    edit_lock(lab, 'lock-version = "2.1"', 'lock-version = "3.0"')
    found = lab.run()
    expect(found, "venv-lock-version-new")
    # the Poetry here cannot install from it either: the verdict is Poetry's own
    out = lab.poetry("install", "--dry-run", check=False)
    assert "not compatible" in out, out


@row("venv-lock-no-metadata")
def lock_no_metadata(lab: Lab) -> None:
    lab.project("")
    lock = lab.app / "poetry.lock"
    lock.write_text(lock.read_text().split("[metadata]")[0])
    found = lab.run()
    expect(found, "venv-lock-no-metadata")
    lab.apply(found["venv/lock-file"])
    assert status(lab.run(), "lock-file") == "pass"


@row("venv-lock-invalid-toml", "venv-lock-invalid-toml-drift")
def lock_invalid(lab: Lab) -> None:
    lab.project("")
    (lab.app / "poetry.lock").write_text("[[package\n")
    found = lab.run()
    expect(found, "venv-lock-invalid-toml", "venv-lock-invalid-toml-drift")
    lab.apply(found["venv/lock-file"])
    again = lab.run()
    assert status(again, "lock-file") == status(again, "lock-drift") == "pass"


@row("venv-lock-old-format")
def lock_old_format(lab: Lab) -> None:
    lab.project("")
    lock = lab.app / "poetry.lock"
    lines = [
        line
        for line in lock.read_text().splitlines(True)
        if not line.startswith(("groups = ", "markers = "))
    ]
    lock.write_text("".join(lines).replace('lock-version = "2.1"', 'lock-version = "1.1"'))
    found = lab.run()
    expect(found, "venv-lock-old-format")
    lab.apply(found["venv/lock-drift"])
    assert status(lab.run(), "lock-drift") == "pass"


# -- installed versus locked: groups, markers, versions ------------------------------------------


@row("venv-drift-missing")
def drift_missing(lab: Lab) -> None:
    lab.project("")
    lab.pip(lab.python(), "uninstall", "--yes", "demo-gamma")
    found = lab.run()
    expect(found, "venv-drift-missing")
    lab.apply(found["venv/lock-drift"])
    assert status(lab.run(), "lock-drift") == "pass"


@row("venv-drift-version")
def drift_version(lab: Lab) -> None:
    lab.project("")
    newer = make_wheel(lab.tmp, "demo-alpha", "2.0")
    lab.pip(lab.python(), "install", "--no-index", "--no-deps", str(newer))
    found = lab.run()
    expect(found, "venv-drift-version")
    lab.apply(found["venv/lock-drift"])
    assert status(lab.run(), "lock-drift") == "pass"


@row("venv-group-optional")
def group_optional(lab: Lab) -> None:
    lab.project('packages = ["demo-doc"]')
    found = lab.run()
    expect(found, "venv-group-optional")
    lab.apply(found["venv/package[demo-doc]"])
    assert status(lab.run(), "package[demo-doc]") == "pass"


@row("venv-marker-elsewhere")
def marker_elsewhere(lab: Lab) -> None:
    lab.project('packages = ["demo-win"]')
    found = lab.run()
    expect(found, "venv-marker-elsewhere")


@row("venv-not-declared")
def not_declared(lab: Lab) -> None:
    lab.project('dev_packages = ["demo-new"]')
    found = lab.run()
    expect(found, "venv-not-declared")


@row("venv-consistency")
def consistency(lab: Lab) -> None:
    lab.project("")
    lab.pip(lab.python(), "uninstall", "--yes", "demo-gamma")
    found = lab.run()
    expect(found, "venv-consistency")
    lab.apply(found["venv/consistency"])
    assert status(lab.run(), "consistency") == "pass"


@row("venv-no-poetry-package")
def no_poetry_package(lab: Lab) -> None:
    lab.project('poetry = false\npackages = ["demo-missing>=1"]')
    found = lab.run()
    expect(found, "venv-no-poetry-package")


# -- PEP 610 direct_url.json --------------------------------------------------------------------

LIBX = """
[project]
name = "demo-app"
version = "0.1.0"
requires-python = ">=3.11"
dynamic = ["dependencies"]

[tool.poetry]
package-mode = false

[tool.poetry.dependencies]
libx = {{ path = "{path}", develop = {develop} }}

[tool.envcheck.venv]
packages = ["libx"]
"""


def libx_project(lab: Lab, *, develop: bool) -> Path:
    libx = lab.tmp / "libx"
    (libx / "libx").mkdir(parents=True)
    (libx / "libx" / "__init__.py").write_text("X = 1\n")
    (libx / "pyproject.toml").write_text(
        '[project]\nname = "libx"\nversion = "0.1.0"\n[build-system]\n'
        'requires = ["poetry-core>=2"]\nbuild-backend = "poetry.core.masonry.api"\n'
    )
    lab.app.mkdir()
    text = LIBX.format(path="../libx", develop=str(develop).lower())
    (lab.app / "pyproject.toml").write_text(text)
    lab.poetry("lock")
    lab.poetry("install")
    from tests.verdicts.venv_lab import see_our_packages

    see_our_packages(lab.python())
    return libx


def imports_libx(lab: Lab) -> bool:
    done = subprocess.run([str(lab.python()), "-c", "import libx"], capture_output=True)
    return done.returncode == 0


@row("venv-pep610-editable-gone", "venv-pep610-editable-gone-package")
def editable_gone(lab: Lab) -> None:
    libx = libx_project(lab, develop=True)
    libx.rename(lab.tmp / "libx-moved")
    assert not imports_libx(lab)
    found = lab.run()
    expect(found, "venv-pep610-editable-gone", "venv-pep610-editable-gone-package")


@row("venv-pep610-editable-moved-declared")
def editable_moved_and_declared(lab: Lab) -> None:
    libx = libx_project(lab, develop=True)
    libx.rename(lab.tmp / "libx-moved")
    pyproject = lab.app / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("../libx", "../libx-moved"))
    found = lab.run()
    expect(found, "venv-pep610-editable-moved-declared")
    lab.apply(found["venv/package[libx]"])
    assert imports_libx(lab)
    again = lab.run()
    assert status(again, "package[libx]") == status(again, "local-installs") == "pass"


@row("venv-pep610-dir-gone")
def dir_gone(lab: Lab) -> None:
    libx = libx_project(lab, develop=False)
    libx.rename(lab.tmp / "libx-moved")
    assert imports_libx(lab)  # installed as a copy: it still imports
    found = lab.run()
    expect(found, "venv-pep610-dir-gone")
    assert status(found, "package[libx]") == "pass"


@row("venv-pep610-archive-gone")
def archive_gone(lab: Lab) -> None:
    lab.project("")
    wheels = lab.tmp / "wheels"
    shutil.copytree(lab.wheels, wheels)
    for name in ("demo-alpha", "demo-beta", "demo-gamma", "demo-dev"):
        module = name.replace("-", "_")
        lab.pip(
            lab.python(),
            "install",
            "--no-index",
            "--no-deps",
            "--force-reinstall",
            str(wheels / f"{module}-1.0-py3-none-any.whl"),
        )
    shutil.rmtree(wheels)
    found = lab.run()
    expect(found, "venv-pep610-archive-gone")


@row("venv-pep610-invalid")
def direct_url_invalid(lab: Lab) -> None:
    lab.project("")
    site = next((lab.app / ".venv" / "lib").glob("python3*/site-packages"))
    info = next(site.glob("demo_alpha-*.dist-info"))
    (info / "direct_url.json").write_text("{not json")
    found = lab.run()
    expect(found, "venv-pep610-invalid")


@row("venv-pep610-vcs")
def vcs_other_commit(lab: Lab) -> None:
    repo = lab.tmp / "gitlib"
    (repo / "gitlib").mkdir(parents=True)
    (repo / "gitlib" / "__init__.py").write_text("X = 1\n")
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "gitlib"\nversion = "0.1.0"\n[build-system]\n'
        'requires = ["poetry-core>=2"]\nbuild-backend = "poetry.core.masonry.api"\n'
    )
    git = ["git", "-c", "user.email=t@example.org", "-c", "user.name=t"]

    def commit(message: str) -> None:
        subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
        subprocess.run([*git, "commit", "-qm", message], cwd=repo, check=True)

    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    commit("one")
    lab.app.mkdir()
    (lab.app / "pyproject.toml").write_text(
        '[project]\nname = "demo-app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dynamic = ["dependencies"]\n[tool.poetry]\npackage-mode = false\n'
        f'[tool.poetry.dependencies]\ngitlib = {{ git = "file://{repo}" }}\n'
        "[tool.envcheck.venv]\n"
    )
    lab.poetry("lock")
    lab.poetry("install")
    from tests.verdicts.venv_lab import see_our_packages

    see_our_packages(lab.python())
    (repo / "gitlib" / "__init__.py").write_text("X = 2\n")
    commit("two")
    lab.poetry("update", "--lock", "gitlib")  # the lock moves on; the environment does not
    found = lab.run()
    expect(found, "venv-pep610-vcs")
    lab.apply(found["venv/lock-drift"])
    assert status(lab.run(), "lock-drift") == "pass"


# -- the Python version -----------------------------------------------------------------------


@row("venv-python-mismatch")
def python_mismatch(lab: Lab) -> None:
    lab.project('python = ">=3.12"')
    found = lab.run()
    expect(found, "venv-python-mismatch")
    check = found["venv/python-version"]
    if any(s["kind"] == "manual" for s in check["fix"]["steps"]):
        return  # no Python 3.12 on this machine: installing one is the user's step
    lab.apply(check)
    cfg = (lab.app / ".venv" / "pyvenv.cfg").read_text()
    assert "version_info = 3.1" in cfg and "version_info = 3.11" not in cfg, cfg


@row("venv-python-no-overlap")
def python_no_overlap(lab: Lab) -> None:
    lab.project('python = ">=3.12"')
    pyproject = lab.app / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('requires-python = ">=3.11"', 'requires-python = "<3.11"')
    )
    found = lab.run()
    expect(found, "venv-python-no-overlap")


# -- the table ----------------------------------------------------------------------------------


def test_every_row_has_a_scenario_and_every_scenario_a_row() -> None:
    from tests.verdicts.test_heldout_venv import CASES  # its rows are run there
    from tests.verdicts.test_heldout_venv2 import CASES as CASES2
    from tests.verdicts.test_heldout_venv3 import CASES as CASES3
    from tests.verdicts.test_heldout_venv4 import CASES as CASES4
    from tests.verdicts.test_heldout_venv5 import CASES as CASES5
    from tests.verdicts.test_heldout_venv6 import CASES as CASES6
    from tests.verdicts.test_heldout_venv7 import ASSERTED as CASES7
    from tests.verdicts.test_heldout_venv8 import ASSERTED as CASES8
    from tests.verdicts.test_heldout_venv9 import ASSERTED as CASES9
    from tests.verdicts.test_heldout_venv10 import ASSERTED as CASES10
    from tests.verdicts.test_heldout_venv11 import ASSERTED as CASES11
    from tests.verdicts.test_heldout_venv12 import ASSERTED as CASES12
    from tests.verdicts.test_heldout_venv13 import ASSERTED as CASES13
    from tests.verdicts.test_heldout_venv14 import ASSERTED as CASES14
    from tests.verdicts.test_heldout_venv15 import ASSERTED as CASES15
    from tests.verdicts.test_heldout_venv16 import ASSERTED as CASES16
    from tests.verdicts.test_heldout_venv17 import ASSERTED as CASES17
    from tests.verdicts.test_heldout_venv18 import ASSERTED as CASES18
    from tests.verdicts.test_heldout_venv19 import ASSERTED as CASES19
    from tests.verdicts.test_heldout_venv20 import ASSERTED as CASES20
    from tests.verdicts.test_heldout_venv21 import ASSERTED as CASES21
    from tests.verdicts.test_heldout_venv22 import ASSERTED as CASES22
    from tests.verdicts.test_heldout_venv23 import ASSERTED as CASES23
    from tests.verdicts.test_heldout_venv24 import ASSERTED as CASES24
    from tests.verdicts.test_heldout_venv25 import ASSERTED as CASES25
    from tests.verdicts.test_heldout_venv26 import ASSERTED as CASES26
    from tests.verdicts.test_heldout_venv27 import ASSERTED as CASES27
    from tests.verdicts.test_venv_installed_sweep import ASSERTED as SWEPT
    from tests.verdicts.test_venv_structure_audit import ASSERTED as AUDITED
    from tests.verdicts.test_venv_structure_audit2 import ASSERTED as AUDITED2

    held = [*CASES, *CASES2, *CASES3, *CASES4, *CASES5, *CASES6, *CASES7, *CASES8, *CASES9]
    problems = SCENARIOS.mismatches(
        elsewhere=[*held, *CASES10, *CASES11, *CASES12, *CASES13, *CASES14, *CASES15]
        + [*CASES16, *CASES17, *CASES18, *CASES19, *CASES20, *CASES21, *CASES22, *CASES23, *CASES24]
        + [*CASES25, *CASES26, *CASES27, *SWEPT, *AUDITED, *AUDITED2]
    )
    assert not problems, "\n".join(problems)


def _scenarios() -> list[tuple[str, Callable[[Lab], None]]]:
    """Each scenario once (one may check several rows), named by its first row."""
    seen: dict[Callable[[Lab], None], str] = {}
    for ident, func in SCENARIOS.by_id.items():
        seen.setdefault(func, ident)
    return [(ident, func) for func, ident in seen.items()]


@pytest.mark.parametrize(("ident", "scenario"), _scenarios(), ids=[i for i, _ in _scenarios()])
def test_row(ident: str, scenario: Callable[[Lab], None], lab: Lab) -> None:
    scenario(lab)
