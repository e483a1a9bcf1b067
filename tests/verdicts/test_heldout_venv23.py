"""Twenty-third held-out round for the venv verdicts (issue 23): the interpreter a ``pip`` command
acts on. pip's general option ``--python`` ("Run pip with the specified Python interpreter",
pip 22.3; its ``cli/main.py`` runs pip again under that interpreter), set as ``PIP_PYTHON`` or as
``python`` in a pip.conf, sends every ``pip install`` / ``pip uninstall`` that envcheck prints
for this environment to another Python. Four breakages and two healthy neighbours that no row of
docs/verdicts/venv.md, no earlier round and no sweep lists, each a project (p00..p05, so no path
carries a case's words) beside the venv lab's shared environment, judged by one start of that
environment's interpreter (tests/verdicts/venv_lab.py ``Round``).

How the set was made (2026-12-07), from the sources of truth (pip's user guide, "Configuration":
every option has a ``PIP_<NAME>`` variable and a config-file key, ``[global]`` for all commands,
``[install]`` for one; ``pip --python``: "Run pip with the specified Python interpreter"; PEP 405
and Poetry's ``virtualenvs.options.system-site-packages``), each tried with pip 26.3 by hand
first (``PIP_PYTHON=<other>/bin/python .venv/bin/python -m pip install six.whl`` put six in the
other environment; ``PIP_CONFIG_FILE`` with ``[global] python = <other>`` made ``pip uninstall``
remove it there and leave this environment's copy; ``PIP_PYTHON=<gone>``: exit 1, "Could not
locate Python interpreter <gone>"; an empty ``PIP_PYTHON`` is ignored):

- ``PIP_PYTHON`` exported by the shell naming another virtualenv's interpreter (left from
  working in another project); demo-ppa declared ``>=2``, 1.0 installed: the printed ``pip
  install`` would put 2.0 into the other environment (breakage);
- ``PIP_CONFIG_FILE`` naming a pip.conf with ``[global] python = <other>`` (a team's file for
  a build interpreter); demo-ppb declared ``>=2``, 1.0 installed (breakage);
- ``PIP_PYTHON`` naming an interpreter that no longer exists (that virtualenv deleted); every
  pip command fails before it starts; demo-ppc declared ``>=2``, 1.0 installed (breakage);
- the user's pip.conf (``$XDG_CONFIG_HOME/pip/pip.conf``) with ``[install] python = <other>``
  only: every ``pip install`` stops, "ERROR: The --python option must be placed before the pip
  subcommand name" (exit 1; first written as "install acts there", which the first build's
  proof refuted: the proof was corrected, not the expectation); demo-ppf declared ``>=2``, 1.0
  installed (breakage);
- ``PIP_PYTHON`` naming this environment's own interpreter; demo-ppd ``>=1`` with 1.0
  installed (healthy neighbour: must pass, nothing said of PIP_PYTHON);
- a Poetry project whose ``poetry.toml`` sets ``[virtualenvs.options] system-site-packages =
  true`` while its existing ``.venv``'s pyvenv.cfg says ``include-system-site-packages =
  false``: Poetry keeps that environment (``env info --path`` is the ``.venv``) and the option
  only matters when Poetry creates one (healthy neighbour).

Proven with the real tools before a grade counts: the environment's pip with the case's
variables (``pip list --format=freeze`` without the installed release when pip acts on another
interpreter, with it here; "Could not locate Python interpreter" for the gone one; ``pip
install`` stopping on ``[install] python``), Poetry's own answers for the neighbour. (The first
two builds proved it with ``pip install --dry-run`` of the installed release, "Would install"
there and "already satisfied" here; ``pip list`` costs less and shows the same.)

Checked against the table and the rounds before choosing (``grep -r -i`` over
docs/verdicts/venv.md, tests/verdicts/test_heldout_venv*.py, the four venv sweeps and
src/envcheck/checks/venv/): ``PIP_PYTHON`` and pip's ``--python`` occur nowhere (``--python``
only as pipx's in a Poetry fix and pip's ``--python-version`` of round seven); pip's settings that
send an install elsewhere are round eleven's ``PIP_USER``, ``PIP_TARGET``/``target``,
``PIP_PREFIX``, ``PIP_CONSTRAINT`` (checks/venv/pipconf.py ``_ELSEWHERE``: user, target, prefix,
root), which does not list ``python``; ``system-site-packages`` only as pyvenv.cfg's
``include-system-site-packages`` (venv-system-site-packages-on, the user-site rows), never as
Poetry's option disagreeing with an existing environment. Not taken, because rows or sweeps
already have them (the brief's list): ``include-system-site-packages = true`` shadowing,
``lib/python3.X`` of another minor (venv-upgraded-other-minor, venv-copied-venv), a ``python3``
link to another minor (venv-base-python3-now-other-minor), ``PYTHONPATH`` first
(venv-pythonpath-shadows), the user site and ``PYTHONNOUSERSITE`` (venv-user-site-*,
venv-usercustomize-nousersite), ``prefer-active-python`` (round twenty: Poetry 2.5.1 ignores it);
``requires-python`` spellings (the project sweep). The grading is round one's (``grade`` in
tests/verdicts/test_heldout_servers.py) with round twelve's addition for the healthy
neighbours: no check about the names in ``quiet`` may fail or warn. Caution on independence: the
person who wrote these read checks/venv/pipconf.py's docstring and ``_ELSEWHERE`` (not how a
verdict uses them) before choosing.

Expectations committed before the first run: 63bf517.

First run (envcheck at 63bf517, before any change; 2026-12-07): **2 of 6 fully right** (the two
healthy neighbours: no check about demo-ppd or Poetry's answers failed or warned; only their
rows were missing), 4 partly: venv-pip-python-env, venv-pip-python-conf (the right check fails
on the drift, "demo-ppa 1.0 is installed, but demo-ppa>=2 is required", but neither
``PIP_PYTHON`` nor the pip.conf ``python`` is named, and the printed ``python -m pip install
'demo-ppa>=2'``, run with the shell's variables, installed into the other interpreter: the
check still fails after it); venv-pip-python-gone (same cause, nothing of the interpreter that
is gone; its fix fails as every pip command does); venv-pip-python-install-section (same cause
and fix, which pip refuses; graded on the second build, whose proof says what pip does with
``[install] python``).

After (verdicts from structure: pip's own settings as this interpreter's pip reads them, the
environment the named interpreter starts): 6 of 6 fully right, each a row of
docs/verdicts/venv.md (``ASSERTED``, registered in tests/verdicts/test_venv.py) asserted on the
run. checks/venv/pipconf.py: ``overrides`` reads pip's ``python`` option (``_other_python``):
set in ``[install]`` pip refuses it; naming no interpreter that exists every pip command stops;
naming an interpreter whose environment (PEP 405: its ``pyvenv.cfg``, through the links as they
are) is not this one, pip installs there; each is undone for the printed command
(``PIP_PYTHON=`` emptied, ``PIP_CONFIG_FILE=/dev/null`` where a file sets it) and named with
where it is set; this environment's own interpreter is left alone. checks/venv/packages.py: a
declared package's pip fix puts that note in the cause too (it was only in the fix). Every
printed fix was run by envcheck's step runner with the case's variables still set
(``Round.heal_env``) and the projects judged again: the checks pass.

Cost: ``-n 0``, 7.4 user + 1.7 sys CPU-s with pytest's start (about 1) and the lab template's
build (1.4): four throwaway virtualenvs without pip (0.05 each), one envcheck run for the six
projects with one Poetry process for the Poetry neighbour, five pip runs as proofs (two run pip
again under another interpreter), four fixes (pip runs) and one more envcheck run; 14.8 s wall.
Over the brief's 7 CPU-s (under the 10 of the helpers' rule): the Poetry neighbour's Poetry
process and the second envcheck run are most of the rest.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from tests.throwaway import make_wheel
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_heldout_venv12 import pep621
from tests.verdicts.venv_lab import (
    POETRY_QUIET,
    Lab,
    Round,
    base_python,
    poetry_content,
    poetry_project,
)

ROUND = Round(23, prove_found=True)
case = ROUND.case
index = ROUND.index
installed_wheels = ROUND.installed_wheels


def other_python(root: Path) -> Path:
    """Another virtualenv's interpreter (no pip in it), beside the case's project."""
    where = root.parent / f"{root.name}-env"
    subprocess.run(
        [str(base_python()), "-m", "venv", "--without-pip", str(where)],
        check=True,
        capture_output=True,
    )
    return where / "bin" / "python"


def drifted(lab: Lab, root: Path, name: str) -> None:
    """``name`` declared ``>=2``, its 1.0 installed in the shared environment, 2.0 on the
    find-links the printed fixes use."""
    ROUND.wheels.append(make_wheel(installed_wheels(lab), name, "1.0"))
    make_wheel(index(lab), name, "2.0")
    pep621(root, lab, f"{name}>=2")


def pip_lists(name: str, listed: bool, says: str = "", code: int = 0, *args: str) -> Any:
    """The proof: the environment's pip, with the case's variables, run as ``pip list
    --format=freeze`` (or ``args``) exits ``code`` with ``says`` in its output, and lists
    ``name`` 1.0 (installed in this environment) or not (it acts on another one)."""

    def prove(lab: Lab, root: Path, found: dict[str, Any]) -> None:
        env = {**lab.env, **ROUND.heal_env[root_ident(root)]}
        done = subprocess.run(
            [str(lab.python()), "-m", "pip", "--disable-pip-version-check"]
            + list(args or ("list", "--format=freeze")),
            env=env,
            capture_output=True,
            text=True,
            cwd=root,
        )
        out = done.stdout + done.stderr
        assert done.returncode == code and says in out, (done.returncode, out[-2000:])
        assert (f"{name}==1.0" in done.stdout) is listed, done.stdout[-2000:]

    return prove


def root_ident(root: Path) -> str:
    return list(ROUND.cases)[int(root.name[1:])]


@case(
    "venv-pip-python-env",
    Expect(
        "venv/package[demo-ppa]", "fail", ("demo-ppa", "PIP_PYTHON"), ("PIP_PYTHON",), heals=True
    ),
    pip_lists("demo-ppa", False),
)
def pip_python_env(lab: Lab, root: Path) -> dict[str, str | None]:
    """``PIP_PYTHON`` names another virtualenv's interpreter; demo-ppa 1.0 installed, ``>=2``."""
    drifted(lab, root, "demo-ppa")
    env = {"PIP_PYTHON": str(other_python(root))}
    ROUND.heal_env["venv-pip-python-env"] = env
    return dict(env)


@case(
    "venv-pip-python-conf",
    Expect("venv/package[demo-ppb]", "fail", ("demo-ppb", "pip.conf", "python"), heals=True),
    pip_lists("demo-ppb", False),
)
def pip_python_conf(lab: Lab, root: Path) -> dict[str, str | None]:
    """``PIP_CONFIG_FILE`` names a pip.conf with ``[global] python = <other>``."""
    drifted(lab, root, "demo-ppb")
    conf = root.parent / f"{root.name}-pip.conf"
    conf.write_text(f"[global]\npython = {other_python(root)}\n")
    env = {"PIP_CONFIG_FILE": str(conf)}
    ROUND.heal_env["venv-pip-python-conf"] = env
    return dict(env)


@case(
    "venv-pip-python-gone",
    Expect(
        "venv/package[demo-ppc]",
        "fail",
        ("demo-ppc", "PIP_PYTHON", "gone/bin/python"),
        ("PIP_PYTHON",),
        heals=True,
    ),
    pip_lists("demo-ppc", False, "Could not locate Python interpreter", 1),
)
def pip_python_gone(lab: Lab, root: Path) -> dict[str, str | None]:
    """``PIP_PYTHON`` names an interpreter that no longer exists."""
    drifted(lab, root, "demo-ppc")
    env = {"PIP_PYTHON": str(root.parent / "gone" / "bin" / "python")}
    ROUND.heal_env["venv-pip-python-gone"] = env
    return dict(env)


@case(
    "venv-pip-python-install-section",
    Expect("venv/package[demo-ppf]", "fail", ("demo-ppf", "pip.conf", "python"), heals=True),
    pip_lists(
        "demo-ppf",
        False,
        "The --python option must be placed before the pip subcommand",
        1,
        "install",
        "demo-ppf==2.0",
    ),
)
def pip_python_install_section(lab: Lab, root: Path) -> dict[str, str | None]:
    """The user's pip.conf has ``[install] python = <other>`` (pip install refuses it)."""
    drifted(lab, root, "demo-ppf")
    config = root.parent / f"{root.name}-config"
    (config / "pip").mkdir(parents=True)
    (config / "pip" / "pip.conf").write_text(f"[install]\npython = {other_python(root)}\n")
    env = {"XDG_CONFIG_HOME": str(config)}
    ROUND.heal_env["venv-pip-python-install-section"] = env
    return dict(env)


@case(
    "venv-pip-python-this-env",
    Expect("venv/package[demo-ppd]", "pass"),
    pip_lists("demo-ppd", True),
    quiet=("demo-ppd",),
)
def pip_python_this_env(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: ``PIP_PYTHON`` names this environment's own interpreter."""
    ROUND.wheels.append(make_wheel(installed_wheels(lab), "demo-ppd", "1.0"))
    pep621(root, lab, "demo-ppd>=1")
    env = {"PIP_PYTHON": str(root / ".venv" / "bin" / "python")}
    ROUND.heal_env["venv-pip-python-this-env"] = env
    return dict(env)


def system_site_option(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    poetry_content(lab, root, found)
    cfg = (root / ".venv" / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in cfg, cfg


@case(
    "venv-poetry-system-site-option-existing-env",
    Expect("venv/poetry-env", "pass"),
    system_site_option,
    quiet=POETRY_QUIET,
    poetry=True,
)
def poetry_system_site_option(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: poetry.toml ``[virtualenvs.options] system-site-packages = true``
    beside an existing ``.venv`` made without it."""
    poetry_project(lab, root, local="[virtualenvs.options]\nsystem-site-packages = true\n")
    ROUND.heal_env["venv-poetry-system-site-option-existing-env"] = {}
    return {}


#: the cases whose printed fix is run (with the case's variables still set), and the check
#: that must pass after it
ROUND.healed.update(
    {
        "venv-pip-python-env": "venv/package[demo-ppa]",
        "venv-pip-python-conf": "venv/package[demo-ppb]",
        "venv-pip-python-gone": "venv/package[demo-ppc]",
        "venv-pip-python-install-section": "venv/package[demo-ppf]",
    }
)

#: the rows of docs/verdicts/venv.md these cases assert (registered in tests/verdicts/test_venv.py)
ASSERTED = tuple(ROUND.cases)

world, test_venv = ROUND.tests()
