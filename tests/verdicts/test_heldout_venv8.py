"""Eighth held-out round for the venv verdicts (issue 23), the first after the venv sweep
(tests/verdicts/test_venv_sweep.py): five breakages of a Python environment that no row of
docs/verdicts/venv.md, no earlier round and no sweep mutation lists, and four healthy neighbours
that must pass, made in five copies ("worlds") of the venv lab's Poetry project, each judged by
one envcheck run.

How the set was made (2026-12-06), from the sources of truth and before running envcheck on any
of them: PEP 735 (``[dependency-groups]``: an ``{include-group = ...}`` naming a group that does
not exist is an error, and so is a cycle of includes; a group included twice along two paths, a
diamond, is not; ``pip install --group`` 25.1+ reports both errors and installs nothing), the
import system's sourceless loader (a ``demo_alpha.pyc`` with no ``.py`` beside it, as a deleted
module compiled with ``compileall -b`` leaves it, is imported from ``sys.path[0]`` before
site-packages), distlib's script maker as pip uses it (an interpreter path with a space or longer
than 127 bytes gets a ``/bin/sh`` trampoline, ``'''exec' "<python>" "$0" "$@"``, instead of a
``#!<python>`` line), site.py (``usercustomize`` is imported at start-up when the user site is
enabled, which pyvenv.cfg ``include-system-site-packages = true`` does, and what it raises is only
printed: ``Error in usercustomize``; with ``include-system-site-packages = false`` the user site,
and a ``pip install --user`` in it, is not on ``sys.path``), ``PYTHONSAFEPATH`` (3.11: ``python
-m`` and ``-c`` put no directory before the others, so a module in the project's directory no
longer shadows the installed one) and Poetry's optional groups (``[tool.poetry.group.docs]
optional = true`` installed with ``poetry install --with docs`` is installed, as the lock says).
Each breakage is proven with the real interpreter, pip or Poetry before envcheck grades it. Every
id was checked against the table (``grep '^| venv-'``), the earlier rounds and the sweep's
mutation names first: none is a row or a mutation. The grading is round one's (``grade`` in
tests/verdicts/test_heldout_servers.py). Caution on independence: the person who wrote these had
read the venv component's table and the earlier rounds, and of envcheck's code only the loop of
``src/envcheck/checks/venv/project.py`` that reads ``[dependency-groups]`` (seen while looking
for where include-group is followed).

First run (envcheck at 9065436, the commit that added this file, before any change;
2026-12-06): **6 of 9 fully right**, none partly, 3 wrong; of the five breakages two fully right
(round 7, before the sweep: none of seven). Fully right: venv-sourceless-pyc-shadows (FAIL
"``import demo_alpha`` finds .../app/demo_alpha.pyc", the project's directory first on
``sys.path`` named), venv-usercustomize-raises (WARN "usercustomize.py fails at every start"),
and the four healthy neighbours. Wrong (a broken project passed): venv-include-group-cycle and
venv-include-group-unknown (venv/project "pyproject.toml (pytest's rootdir)": the includes that
pip refuses to resolve not read), venv-script-sh-trampoline-other-python (venv/virtualenv "in a
virtualenv": the ``#!`` line of each script is read, and a ``/bin/sh`` trampoline's ``exec``
line names the other Python). One proof was corrected after the first run, not its expectation:
venv-user-install-not-seen wrote its wheel into a directory it had not made yet.

After the changes of d8a0a61: **9 of 9 fully right**, none wrong. Two printed fixes are applied
in their lab and re-checked (``heals``, added after the first run): venv-sourceless-pyc-shadows
(``rm -f .../demo_alpha.pyc``, a Command now: compiled code whose source is gone, where a ``.py``
keeps the Manual "rename") and venv-script-sh-trampoline-other-python (this environment's ``pip
install --force-reinstall --no-deps demo-tool`` from a package index that has it:
``PIP_FIND_LINKS``), both in one more run of the installed world. The verdicts, from structure:
``[dependency-groups]``' include-group tables followed from each group, names normalized (PEP
503), an unknown target and a path that comes back to a group on it are PEP 735 errors
(``project.dependency_group_errors``); a script whose ``#!`` is ``/bin/sh`` is read for the
trampoline's line 2, whose shell words are ``exec``, an absolute interpreter, ``$0``, ``$@``,
followed by ``' '''`` (``diagnose._trampoline``); a shadowing module whose suffix is a bytecode
suffix with no source file beside it. The groups' fix is Manual (which group to change is the
project's call).

Cost: five worlds, each one envcheck run, plus one run again after the two fixes, one ``poetry
install --with docs`` and two pip installs by the base Python: on ``-n 2`` beside other sessions'
runs, first run 14 to 22 s wall, 12.3 s user + 2.7 s system CPU; now 36 s wall, 19.3 s user +
4.5 s system CPU.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.throwaway import make_wheel
from tests.verdicts.test_heldout_servers import Expect, fully_right_row
from tests.verdicts.test_heldout_venv6 import HeldCases, outcomes
from tests.verdicts.test_heldout_venv7 import World, judge_world
from tests.verdicts.venv_lab import Lab, base_python, claimed_world

Checks = dict[str, dict[str, Any]]

CASES = HeldCases()
case = CASES.case

BASE_PYTHON = base_python()


#: what a case's fix is applied with
HEAL_ENV: dict[str, Callable[[Lab], dict[str, str]]] = {}


def user_base(lab: Lab) -> Path:
    """The user base (``PYTHONUSERBASE``) of the worlds that use one: the lab's own, never
    ~/.local."""
    return lab.tmp / "userbase"


def user_site(lab: Lab) -> Path:
    done = lab.runs([str(lab.python()), "-c", "import site; print(site.getusersitepackages())"])
    return Path(done.stdout.strip())


def with_user_base(lab: Lab, **more: str) -> dict[str, str]:
    return {"PYTHONUSERBASE": str(user_base(lab)), **more}


# -- world "groups": PEP 735 includes that no installer resolves --------------------------------

GROUPS_BROKEN = """[project]
name = "svc"
version = "0.1"
requires-python = ">=3.11"
dependencies = ["demo-alpha"]

[dependency-groups]
dev = ["demo-dev", {include-group = "test"}]
test = ["demo-beta", {include-group = "dev"}]
lint = ["demo-gamma", {include-group = "typing"}]
"""

GROUPS_DIAMOND = """[project]
name = "svc"
version = "0.1"
requires-python = ">=3.11"
dependencies = ["demo-alpha"]

[dependency-groups]
dev = [{include-group = "test"}, {include-group = "lint"}]
test = ["demo-beta", {include-group = "lint"}]
lint = ["demo-dev"]
"""


def service(lab: Lab, text: str) -> Path:
    """A project without Poetry (``svc``) whose ``.venv`` is the lab project's environment."""
    svc = lab.tmp / "svc"
    svc.mkdir(exist_ok=True)
    (svc / "pyproject.toml").write_text(text)
    if not (svc / ".venv").exists():
        (svc / ".venv").symlink_to(lab.app / ".venv")
    return svc


def pip_group(lab: Lab, svc: Path, group: str) -> subprocess.CompletedProcess[str]:
    return lab.runs(
        [str(lab.python()), "-m", "pip", "install", "--dry-run", "--no-index", "--group", group],
        cwd=svc,
    )


def run_service(lab: Lab) -> Checks:
    svc = lab.tmp / "svc"
    return lab.run(svc / ".venv" / "bin" / "python", "--envcheck-defaults", cwd=svc)


@case(
    "venv-include-group-cycle",
    "groups",
    Expect("venv/project", "warn|fail", ("dev", "test", "include-group"), ("dependency-groups",)),
)
def include_group_cycle(lab: Lab) -> None:
    """PEP 735: "Tools SHOULD report an error if ... include-group ... cycles": ``dev``
    includes ``test``, which includes ``dev``. ``pip install --group dev`` stops with "Cyclic
    dependency group include" and installs nothing (uv refuses it too)."""
    svc = service(lab, GROUPS_BROKEN)
    done = pip_group(lab, svc, "dev")
    assert done.returncode != 0 and "dev -> test" in done.stderr, done.stderr


@case(
    "venv-include-group-unknown",
    "groups",
    Expect(
        "venv/project", "warn|fail", ("lint", "typing", "include-group"), ("dependency-groups",)
    ),
)
def include_group_unknown(lab: Lab) -> None:
    """PEP 735: an ``{include-group = "typing"}`` where no group ``typing`` exists is an error:
    ``pip install --group lint`` stops ("Dependency group 'typing' not found")."""
    svc = service(lab, GROUPS_BROKEN)
    done = pip_group(lab, svc, "lint")
    assert done.returncode != 0 and "'typing' not found" in done.stderr, done.stderr


# -- world "groups-ok": the healthy neighbour of those two ---------------------------------------


@case("venv-include-group-diamond", "groups-ok", Expect("venv/project", "pass"))
def include_group_diamond(lab: Lab) -> None:
    """A healthy neighbour (PEP 735): ``dev`` includes ``test`` and ``lint``, ``test`` includes
    ``lint`` too: lint reached along two paths is no cycle; pip resolves it and every member
    (demo-beta, demo-dev) is installed."""
    svc = service(lab, GROUPS_DIAMOND)
    done = pip_group(lab, svc, "dev")
    assert done.returncode == 0, done.stderr
    assert outcomes(lab, "demo_beta", "demo_dev") == {"demo_beta": "ok", "demo_dev": "ok"}


# -- world "installed": what the environment starts or imports is not what it installed -----------


@case(
    "venv-sourceless-pyc-shadows",
    "installed",
    Expect(
        "venv/package[demo-alpha]",
        "fail|warn",
        ("demo_alpha.pyc",),
        ("demo_alpha.pyc",),
        heals=True,
    ),
)
def sourceless_pyc_shadows(lab: Lab) -> None:
    """The import system's sourceless loader: ``demo_alpha.pyc`` (no ``.py`` beside it: a
    module of the project compiled with ``compileall -b`` and deleted since) in the project's
    directory, which ``python -m pytest`` puts first on ``sys.path``: ``import demo_alpha``
    loads it instead of the installed package."""
    source = lab.tmp / "demo_alpha.py"
    source.write_text("__version__ = 'stale'\n")
    compiled = lab.app / "demo_alpha.pyc"
    done = lab.runs(
        [
            str(lab.python()),
            "-c",
            f"import py_compile; py_compile.compile({str(source)!r}, cfile={str(compiled)!r})",
        ]
    )
    assert done.returncode == 0, done.stderr
    source.unlink()
    said = lab.python_says("import demo_alpha; print(demo_alpha.__file__)", lab.app)
    assert said.stdout.strip() == str(compiled), said


@case(
    "venv-script-sh-trampoline-other-python",
    "installed",
    Expect(
        "venv/virtualenv|venv/consistency|venv/local-installs",
        "warn|fail",
        ("demo-tool", "py home"),
        ("demo-tool",),
    ),
)
def script_sh_trampoline(lab: Lab) -> None:
    """distlib's script maker (pip): an interpreter path with a space gets no ``#!`` line but a
    ``/bin/sh`` trampoline, ``'''exec' "<python>" "$0" "$@"``. Another Python's pip, started as
    ``py home/python3.11``, installs demo-tool into this environment (``--prefix``): its script
    starts that Python, which has no demo_tool."""
    assert BASE_PYTHON.is_file(), f"no base Python {BASE_PYTHON}"
    home = lab.tmp / "py home"
    home.mkdir()
    python = home / BASE_PYTHON.name
    python.symlink_to(BASE_PYTHON)
    tool = make_wheel(
        lab.tmp,
        "demo-tool",
        "1.0",
        files={
            "demo_tool/__init__.py": "def main() -> None:\n    print('ok')\n",
            "demo_tool-1.0.dist-info/entry_points.txt": "[console_scripts]\n"
            "demo-tool = demo_tool:main\n",
        },
    )
    done = lab.runs(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--prefix",
            str(lab.app / ".venv"),
            "--no-deps",
            "--no-index",
            "--no-warn-script-location",
            str(tool),
        ]
    )
    assert done.returncode == 0, done.stderr
    script = lab.app / ".venv" / "bin" / "demo-tool"
    lines = script.read_text().splitlines()
    assert lines[0] == "#!/bin/sh" and lines[1] == f'\'\'\'exec\' "{python}" "$0" "$@"', lines
    started = lab.runs([str(script)])
    assert started.returncode != 0 and "demo_tool" in started.stderr, started


# -- world "usersite": the user site enabled, its usercustomize raises ----------------------------


@case(
    "venv-usercustomize-raises",
    "usersite",
    Expect("venv/virtualenv", "warn|fail", ("usercustomize",), ("usercustomize.py",)),
)
def usercustomize_raises(lab: Lab) -> None:
    """site.py: with pyvenv.cfg ``include-system-site-packages = true`` the user site is
    enabled and its ``usercustomize`` imported at every start; this one raises KeyError (a
    variable it reads is unset): site.py prints "Error in usercustomize" and goes on, the
    module's work undone."""
    cfg = lab.app / ".venv" / "pyvenv.cfg"
    cfg.write_text(
        cfg.read_text().replace(
            "include-system-site-packages = false", "include-system-site-packages = true"
        )
    )
    lab.env.update(with_user_base(lab))
    site = user_site(lab)
    assert str(user_base(lab)) in str(site), site
    site.mkdir(parents=True)
    (site / "usercustomize.py").write_text(
        'import os\n\nos.environ["DEMO_HOME"] = os.environ["DEMO_CONFIG"]\n'
    )
    said = lab.python_says("import sys; print('usercustomize' in sys.modules)")
    assert said.stdout.strip() == "False", said
    assert "Error in usercustomize" in said.stderr and "KeyError" in said.stderr, said.stderr


# -- world "healthy": neighbours that must pass ---------------------------------------------------


@case("venv-user-install-not-seen", "healthy", Expect("venv/lock-drift", "pass"))
def user_install_not_seen(lab: Lab) -> None:
    """A healthy neighbour (PEP 370/405): ``pip install --user demo-alpha==2.0`` by the base
    Python (its user site in ``PYTHONUSERBASE``) while the environment says
    ``include-system-site-packages = false``: the user site is not on its ``sys.path``, the
    locked 1.0 imports."""
    lab.env.update(with_user_base(lab))
    (lab.tmp / "v2").mkdir()
    wheel = make_wheel(lab.tmp / "v2", "demo-alpha", "2.0")
    done = lab.runs(
        [str(BASE_PYTHON), "-m", "pip", "install", "--user", "--no-deps", "--no-index", str(wheel)]
    )
    assert done.returncode == 0, done.stderr
    assert list(user_base(lab).glob("lib/python3*/site-packages/demo_alpha-2.0.dist-info"))
    code = "import demo_alpha, importlib.metadata as m; print(m.version('demo-alpha'))"
    assert lab.runs([str(BASE_PYTHON), "-c", code]).stdout.strip() == "2.0"
    assert lab.python_says(code).stdout.strip() == "1.0"


@case("venv-safe-path-local-module", "healthy", Expect("venv/package[demo-alpha]", "pass"))
def safe_path_local_module(lab: Lab) -> None:
    """A healthy neighbour (``PYTHONSAFEPATH``, 3.11): a ``demo_alpha.py`` in the project's
    directory, which ``python -m`` would put first on ``sys.path``, with ``PYTHONSAFEPATH=1``
    set: no such directory is added, the installed package imports."""
    (lab.app / "demo_alpha.py").write_text("__version__ = 'local'\n")
    lab.env.update({"PYTHONSAFEPATH": "1"})
    said = lab.python_says("import demo_alpha; print(demo_alpha.__file__)", lab.app)
    assert "site-packages" in said.stdout, said


@case("venv-optional-group-installed", "healthy", Expect("venv/package[demo-doc]", "pass"))
def optional_group_installed(lab: Lab) -> None:
    """A healthy neighbour (Poetry): the optional group ``docs`` installed on request
    (``poetry install --with docs``): demo-doc is there at the locked version."""
    lab.poetry("install", "--with", "docs")
    code = "import importlib.metadata as m; print(m.version('demo-doc'))"
    assert lab.python_says(code).stdout.strip() == "1.0"


#: the worlds; the order of their cases is the order they are made in
WORLDS = {
    "groups": World("", run=run_service),
    "groups-ok": World("", run=run_service),
    "installed": World('packages = ["demo-alpha", "demo-tool"]'),
    "usersite": World('packages = ["demo-alpha"]'),
    "healthy": World('packages = ["demo-alpha", "demo-doc"]'),
}


def build_world(name: str, lab: Lab) -> dict[str, Any]:
    members = {ident: held for ident, held in CASES.items() if held.world == name}
    return judge_world(WORLDS[name], members, lab, HEAL_ENV)


_BUILT: dict[str, dict[str, Any]] = {}


def world(name: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    """World ``name``'s result (venv_lab.claimed_world: built once per session)."""
    world_of = {ident: held.world for ident, held in CASES.items()}
    return claimed_world("venv8", name, request, WORLDS, world_of, build_world, _BUILT)


@pytest.mark.parametrize("ident", sorted(CASES))
def test_venv(ident: str, request: pytest.FixtureRequest) -> None:
    held = CASES[ident]
    result = world(held.world, request)
    assert "error" not in result, f"world {held.world} was not made:\n{result.get('error')}"
    checks: Checks = result["checks"][ident]
    healed = result["healed"].get(ident, [])
    fully_right_row("venv", ident, held.expect, list(checks.values()), healed)


#: the rows of docs/verdicts/venv.md this module asserts
ASSERTED = tuple(CASES)
