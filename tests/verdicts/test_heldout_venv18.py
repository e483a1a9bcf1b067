"""Eighteenth held-out round for the venv verdicts (issue 23): PEP 723's inline script metadata
(a project's script whose ``# /// script`` block is given twice, never closed, asks for another
Python, or names a dependency the environment lacks) and the entry points specification's
object reference in ``[project.scripts]`` (a module without the callable). Five breakages and
two healthy neighbours that no row of docs/verdicts/venv.md, no earlier round and no sweep
lists, all made beside one copy of the venv lab's Poetry project (its environment shared
through a ``.venv`` link, projects in p00..p06 so no path carries a case's words) and judged by
one start of that environment's interpreter (tests/verdicts/venv_project_runner.py; no project
here is Poetry's, so Poetry is asked nothing).

How the set was made (2026-12-07), from the sources of truth and before running envcheck on any
of them:

- Inline script metadata (PEP 723, packaging.python.org "Inline script metadata"): a block
  starts with ``# /// TYPE`` and ends with ``# ///``; "When there are multiple ``script`` blocks
  ... tools MUST produce an error"; ``requires-python`` and ``dependencies`` as in
  ``[project]``. pip 26.3 reads it (``pip install --requirements-from-script``,
  ``pip/_internal/req/pep723.py``: "Multiple 'script' blocks found", "File does not contain
  'script' metadata", and ``req_command.py``'s "requires a different Python"). A project keeps
  a task script ``scripts/report.py`` that is run with the project's environment:
  - its block given twice (a second one pasted further down, below code): pip stops
    (breakage);
  - its block never closed (no ``# ///`` line): no block at all, pip stops and uv or pipx
    would run it without its dependencies (breakage);
  - ``requires-python = ">=3.13"``, the environment's Python older: pip refuses (breakage);
  - ``dependencies = ["demo-zeta>=1"]``, demo-zeta not installed (1.0 on the find-links):
    pip's dry run would install it, the script's import fails here (breakage; its fix, ``pip
    install --requirements-from-script``, is run and the check must pass after it);
  - the healthy neighbour: one closed block, ``requires-python = ">=3.11"``, dependencies
    demo-alpha and demo-gamma installed: pip would install nothing (must pass).
- Entry points specification ("Use for scripts": the object reference of a ``console_scripts``
  entry must name a callable, ``importable.module:object.attr``) and the pyproject.toml
  specification's ``[project.scripts]`` (an entry point per command): ``svc-run =
  "svc.cli"`` (the ``:main`` lost), the project installed from its requirements-dev.txt's
  ``-e .``: pip 26.3 refuses the wheel ("Invalid script entry point ... A callable suffix is
  required"), so the project cannot be installed (breakage). Its healthy neighbour: ``svc-run =
  "svc.cli:app.main"`` (an attribute path after the colon): pip installs it and writes
  ``bin/svc-run`` (must pass).

Proven with the real tools before a grade counts, by one start of the environment's interpreter
after envcheck's run (:func:`probed`): pip 26.3's own ``main`` (``install --dry-run
--requirements-from-script`` offline from the cases' wheel directories, for the five scripts;
``install --no-deps --target`` of the wheel the two ``[project.scripts]`` tables make, built as
a backend writes ``entry_points.txt``); ``importlib.metadata`` for what is installed.

Checked against the table and the rounds before choosing (``grep -c -F`` over
docs/verdicts/venv.md, tests/verdicts/test_heldout_venv*.py and tests/verdicts/test_venv*.py,
the four sweeps among them): ``requirements-from-script``, ``callable suffix``,
``project.scripts``, ``pytest11`` occur nowhere; ``/// script`` only as a word round 15
grepped and did not take; ``entry point`` only as installed distributions' ``entry_points.txt``
(venv-entry-point-attr-missing: a module that binds no ``attr``; the installed sweep's
entry-points-gone, -target-gone, -not-ini), never a project's own ``[project.scripts]`` before
it is installed. Not taken (rows, rounds or sweeps exist, or the source does not make it a
breakage here): ``[project.entry-points.console_scripts]`` (the pyproject.toml specification
says back-ends MUST raise, but setuptools 84 installs it as ``console_scripts``: a verdict
would depend on the backend), a static field also in ``dynamic`` and a missing ``version``
(the project sweep), the installed root's stale metadata (venv-root-metadata-stale). The
grading is round one's (``grade`` in tests/verdicts/test_heldout_servers.py) with round
twelve's addition for the healthy neighbours: no check about the names in ``quiet`` may fail or
warn. Caution on independence: the person who wrote these had read the earlier rounds, the
runner and the docs table, not the modules of checks/venv/ that judge a project's files.

Expectations committed before the first run: 9dc7cc5.

One construction detail corrected before envcheck ran, in the lab and not in an expectation:
no case of this round installs a wheel into the shared environment, and ``Round.build`` ran
``pip install`` with no wheel at all (pip stops: "You must give at least one requirement");
it now installs only when there are wheels.

First run (envcheck at 9dc7cc5, before any change; 2026-12-07): **2 of 7 fully right** (the
two healthy neighbours, venv-inline-script-satisfied and venv-project-script-object-path:
venv/project passes), 0 partly, 5 wrong, each a false pass (venv/project "pyproject.toml
(pytest's rootdir)"): venv-inline-script-two-blocks, venv-inline-script-unclosed,
venv-inline-script-requires-python-excludes, venv-inline-script-dependency-missing (envcheck
read no script of the project) and venv-project-script-no-callable (nothing read
``[project.scripts]``).

After (verdicts from structure: the lines of a project script's ``# /// script`` block read with
PEP 723's own regular expression, the opening lines it does not close, the block's TOML
``requires-python`` against this Python and its ``dependencies`` against the installed
distributions, and the colon of each ``[project.scripts]`` / ``[project.gui-scripts]`` object
reference): 7 of 7 fully right, each a row of docs/verdicts/venv.md (``ASSERTED``) asserted on
the run. venv/project reads the project's top-level ``*.py`` and those of ``scripts/``,
``bin/`` and ``tools/`` that carry a ``# /// script`` line (checks/venv/inline.py): two blocks,
an unclosed one, a block that is not TOML or whose fields are not a specifier and PEP 508
requirements fail with a person's edit; a ``requires-python`` this Python is not in fails with
running the script with a Python it admits; requirements the environment does not meet warn
with ``pip install --requirements-from-script`` (pip 25.1 and later; else the requirements
listed), for the scripts of ``scripts/``, ``bin/`` and ``tools/`` only (40dbe0c: a top-level
script with a block, a ``noxfile.py`` listing nox, runs in an environment of its own). A
``[project.scripts]`` entry that names a module and no callable joins the ``[project]``
fields no installer accepts (checks/venv/hooks.py). The one runnable fix, the missing
dependency's ``pip install --requirements-from-script``, is run by envcheck's step
runner (:meth:`Round.heal`, pip offline from the round's find-links) and venv/project passes
after it.

Cost: ``-n 0``, 4.8 user + 1.0 sys CPU-s (the template's build, one runner start for the seven
projects and one for the healed one, one pip install, one probe), 6 s wall beside other
sessions' runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.throwaway import make_wheel
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_heldout_venv12 import pep621, plain
from tests.verdicts.venv_lab import Lab, Round, pip_says

#: what the probe is asked: {key: [pip's args]}
ASK: dict[str, list[str]] = {}

ROUND = Round(18, clear=(ASK,))
case = ROUND.case
index = ROUND.index
offline = ROUND.offline


def probed(lab: Lab) -> dict[str, Any]:
    """pip's runs and the installed versions, all by one start of the environment's interpreter
    (after envcheck's run)."""
    return ROUND.pip_probed(lab, ("demo-zeta", "demo-alpha", "demo-gamma"), ASK)


# -- PEP 723: a project's script with inline metadata --------------------------------------------

SCRIPT_CODE = 'import demo_alpha\n\n\ndef main() -> None:\n    print("report")\n'


def script_project(lab: Lab, root: Path, text: str) -> None:
    """A PEP 621 project (demo-alpha) whose ``scripts/report.py`` is ``text``; pip's dry run of
    the script's requirements is asked under the directory's name."""
    pep621(root, lab, "demo-alpha>=1")
    (root / "scripts").mkdir()
    (root / "scripts" / "report.py").write_text(text)
    ASK[root.name] = [
        "--disable-pip-version-check",
        "install",
        "--dry-run",
        *offline(lab),
        "--requirements-from-script",
        str(root / "scripts" / "report.py"),
    ]


def block(*lines: str) -> str:
    return "# /// script\n" + "".join(f"# {line}\n" for line in lines) + "# ///\n"


@case(
    "venv-inline-script-two-blocks",
    Expect(
        "venv/project",
        "fail|warn",
        ("scripts/report.py", "/// script"),
        ("scripts/report.py",),
    ),
    pip_says(probed, 1, "Multiple 'script' blocks found"),
)
def inline_script_two_blocks(lab: Lab, root: Path) -> dict[str, str | None]:
    """``scripts/report.py`` with a block at its top and a second one below its code."""
    text = (
        block('requires-python = ">=3.11"', 'dependencies = ["demo-alpha>=1"]')
        + SCRIPT_CODE
        + "\n\n"
        + block('dependencies = ["demo-gamma>=1"]')
        + "main()\n"
    )
    script_project(lab, root, text)
    return {}


@case(
    "venv-inline-script-unclosed",
    Expect(
        "venv/project",
        "fail|warn",
        ("scripts/report.py", "# ///"),
        ("# ///",),
    ),
    pip_says(probed, 1, "does not contain 'script' metadata"),
)
def inline_script_unclosed(lab: Lab, root: Path) -> dict[str, str | None]:
    """``scripts/report.py``'s block opened and never closed (no ``# ///`` line)."""
    text = (
        "# /// script\n"
        '# requires-python = ">=3.11"\n'
        '# dependencies = ["demo-alpha>=1"]\n'
        "\n" + SCRIPT_CODE + "main()\n"
    )
    script_project(lab, root, text)
    return {}


@case(
    "venv-inline-script-requires-python-excludes",
    Expect(
        "venv/project",
        "fail|warn",
        ("scripts/report.py", ">=3.13"),
        ("3.13",),
        never=("pip install",),
    ),
    pip_says(probed, 1, "requires a different Python"),
)
def inline_script_requires_python(lab: Lab, root: Path) -> dict[str, str | None]:
    """``requires-python = ">=3.13"`` in the script's block; the environment's Python older."""
    text = (
        block('requires-python = ">=3.13"', 'dependencies = ["demo-alpha>=1"]')
        + SCRIPT_CODE
        + "main()\n"
    )
    script_project(lab, root, text)
    return {}


def zeta_proof(lab: Lab, root: Path) -> None:
    out = probed(lab)[root.name]
    assert "exit 0" in out and "Would install demo-zeta-1.0" in out, out
    assert probed(lab)["versions"]["demo-zeta"] is None, probed(lab)["versions"]


@case(
    "venv-inline-script-dependency-missing",
    Expect(
        "venv/project|venv/package[demo-zeta]",
        "fail|warn",
        ("scripts/report.py", "demo-zeta"),
        ("--requirements-from-script",),
    ),
    zeta_proof,
)
def inline_script_dependency_missing(lab: Lab, root: Path) -> dict[str, str | None]:
    """The block's ``dependencies = ["demo-zeta>=1"]``; demo-zeta is not installed (1.0 is on
    the find-links)."""
    make_wheel(index(lab), "demo-zeta", "1.0")
    text = (
        block('requires-python = ">=3.11"', 'dependencies = ["demo-alpha>=1", "demo-zeta>=1"]')
        + "import demo_zeta\n"
        + SCRIPT_CODE
        + "main()\n"
    )
    script_project(lab, root, text)
    return {}


def satisfied_proof(lab: Lab, root: Path) -> None:
    out = probed(lab)[root.name]
    assert "exit 0" in out and "Would install" not in out, out


@case(
    "venv-inline-script-satisfied",
    Expect("venv/project", "pass"),
    satisfied_proof,
    quiet=("venv/project", "demo-alpha", "demo-gamma"),
)
def inline_script_satisfied(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: one closed block, ``requires-python = ">=3.11"``, its dependencies
    (demo-alpha, demo-gamma) installed."""
    text = (
        block('requires-python = ">=3.11"', 'dependencies = ["demo-alpha>=1", "demo-gamma"]')
        + SCRIPT_CODE
        + "main()\n"
    )
    script_project(lab, root, text)
    return {}


# -- entry points: [project.scripts]'s object reference ------------------------------------------


def scripts_project(lab: Lab, root: Path, reference: str) -> None:
    """A setuptools project whose ``[project.scripts]`` says ``svc-run = reference``, installed
    from requirements-dev.txt's ``-e .``; the wheel a backend makes of it (its
    ``entry_points.txt``) installed by pip into a target directory under the directory's name."""
    plain(
        root,
        lab,
        '[build-system]\nrequires = ["setuptools>=77"]\nbuild-backend = "setuptools.build_meta"'
        '\n\n[project]\nname = "svc"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        f'dependencies = []\n\n[project.scripts]\nsvc-run = "{reference}"\n',
    )
    (root / "svc").mkdir()
    (root / "svc" / "__init__.py").write_text("")
    (root / "svc" / "cli.py").write_text(
        "class app:\n    @staticmethod\n    def main() -> None:\n        print('svc')\n"
    )
    (root / "requirements-dev.txt").write_text("-e .\n")
    built = lab.tmp / "built-18" / root.name
    built.mkdir(parents=True)
    wheel = make_wheel(
        built,
        "svc",
        "0.1",
        files={
            "svc/__init__.py": "",
            "svc/cli.py": (root / "svc" / "cli.py").read_text(),
            "svc-0.1.dist-info/entry_points.txt": f"[console_scripts]\nsvc-run = {reference}\n",
        },
    )
    ASK[root.name] = [
        "--disable-pip-version-check",
        "install",
        "--no-deps",
        "--no-index",
        f"--target={lab.tmp / 'target-18' / root.name}",
        str(wheel),
    ]


def installed_script(lab: Lab, root: Path) -> None:
    out = probed(lab)[root.name]
    assert "exit 0" in out, out
    assert probed(lab)[f"{root.name}:bin"] == ["svc-run"], probed(lab)


@case(
    "venv-project-script-no-callable",
    Expect(
        "venv/project",
        "fail|warn",
        ("svc-run", "svc.cli"),
        ("[project.scripts]",),
    ),
    pip_says(probed, 1, "A callable suffix is required"),
)
def project_script_no_callable(lab: Lab, root: Path) -> dict[str, str | None]:
    """``[project.scripts] svc-run = "svc.cli"``: a module, no ``:callable``."""
    scripts_project(lab, root, "svc.cli")
    return {}


@case(
    "venv-project-script-object-path",
    Expect("venv/project", "pass"),
    installed_script,
    quiet=("venv/project",),
)
def project_script_object_path(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: ``svc-run = "svc.cli:app.main"`` (an attribute path)."""
    scripts_project(lab, root, "svc.cli:app.main")
    return {}


#: the cases whose printed fix is run (:meth:`Round.heal`), and the check that must pass after
#: it: the missing script dependency's ``pip install --requirements-from-script``; the other
#: breakages are fixed by a person's edit of a file (a Manual step)
ROUND.healed.update({"venv-inline-script-dependency-missing": "venv/project"})

world, test_venv = ROUND.tests()


#: the rows of docs/verdicts/venv.md this module asserts
ASSERTED = tuple(ROUND.cases)
