"""Twenty-sixth held-out round for the venv verdicts (issue 23): what Poetry wrote at install
time that pyproject.toml or a path dependency's tree has moved past since, where
``poetry check --lock`` stays content. Poetry installs the project itself (package-mode) with
the metadata it reads then: its version (``[tool.poetry] version`` when ``[project]`` lists
``version`` in ``dynamic``), its entry points (``[project.entry-points.<group>]``, which pytest
reads for its ``pytest11`` plugins); and a path dependency with ``develop = true`` as an
editable install whose path hook names the directory its package was found in. Three breakages
and two healthy neighbours, each a Poetry project (p00..p04) beside the venv lab's shared
environment, judged by one start of that environment's interpreter (tests/verdicts/venv_lab.py
``Round``).

How the set was made (2026-12-07), from Poetry's documentation (pyproject.md ``version``: with
``dynamic = ["version"]`` in ``[project]`` Poetry takes ``[tool.poetry] version``;
``entry-points`` / ``plugins``: "Poetry supports arbitrary plugins, which are exposed as the
ecosystem-standard entry points"; dependency-specification.md "path dependencies": ``develop =
true`` installs the directory in editable mode), PEP 621 (``[project.entry-points]``, ``dynamic``)
and PEP 660 / PEP 610 (an editable's path hook, ``dir_info.editable``), each tried with Poetry
2.5.1 by hand first:

- a project (package ``svp``) installed by ``poetry install``; then ``[project.entry-points.
  pytest11] svp = "svp.plugin"`` declared: ``poetry check --lock`` says "All set!" (entry points
  are no part of the lock's ``content-hash``), the installed ``entry_points.txt`` has no
  ``pytest11`` group, so pytest never loads the plugin; after ``poetry install`` it has it
  (breakage);
- a project (package ``svv``) with ``dynamic = ["version"]`` and ``[tool.poetry] version =
  "0.1.0"``, installed; then that version bumped to 0.2.0: ``check --lock`` content,
  ``importlib.metadata.version("svv")`` still 0.1.0; ``poetry install`` writes 0.2.0 (breakage);
- a project of dependencies only with ``demo-lib = { path = "lib", develop = true }``, installed
  (``demo_lib.pth`` names ``lib``); then ``lib/demo_lib/`` moved to ``lib/src/demo_lib/``
  (poetry-core finds ``src/NAME/`` by itself: lib's pyproject.toml untouched, the lock fresh):
  ``import demo_lib`` fails (ModuleNotFoundError), and ``poetry install`` does not help: it skips
  demo-lib, "Already installed" (breakage; only a new install of demo-lib rewrites its hook);
- a project (package ``svq``) with ``[project.entry-points."svq.handlers"]`` declared before its
  install (healthy neighbour: the entry point is written);
- a project of dependencies only with ``demo-lin = { path = "lin", develop = true }`` whose
  package was in ``lin/src/demo_lin/`` when it was installed (healthy neighbour: its hook names
  ``lin/src``).

Expectations (each the verdict, the words of its cause and fix that a fully right verdict has):
the entry-point case fails ``venv/project`` naming ``svp``, ``pytest11`` and
``[project.entry-points``, fixed by ``poetry install`` (run, then judged again: passes), never a
``pip install``; the dynamic-version case warns on ``venv/project`` naming the installed 0.1.0,
the declared 0.2.0 and where it is declared (``[tool.poetry] version``), fixed by ``poetry
install`` (run and judged again); the path dependency fails ``venv/package[demo-lib]`` naming
its hook ``demo_lib.pth`` and ``src/demo_lib``, with a fix that names ``poetry install`` and,
run as printed, makes the check pass (a plain ``poetry install`` alone does not), never "no
longer exists" (the directory is there) nor a ``pip install``; the two neighbours pass
``venv/project`` or ``venv/package[demo-lin]`` / ``venv/lock-drift`` and no check about Poetry's
answers, the project, the lock or their package fails or warns.

Proven with the real tools before a grade counts: Poetry's ``check --lock`` exit 0 for every
project, its ``install --dry-run`` skipping demo-lib as "Already installed"; the installed
``entry_points.txt`` without ``pytest11`` (and with ``svq.handlers`` for the neighbour); svv's
installed ``.dist-info`` at 0.1.0; ``import demo_lib`` failing and ``import demo_lin`` working
in the environment.

Checked against the table and the rounds before choosing (``grep -r -i`` over
docs/verdicts/venv.md, tests/verdicts/test_heldout_venv*.py, the four venv sweeps,
tests/verdicts/test_venv.py and src/envcheck/checks/venv/): ``entry-points`` / ``entry_points``
occur for scripts (``console_scripts``, ``gui_scripts``: round twenty-five's
venv-poetry-script-added-after-install, venv-project-script-*, venv-entry-point-attr-missing for
a script whose object is gone) and never for another group of the project's own install;
venv-root-metadata-stale compares ``[project] version`` and is silent when ``version`` is
``dynamic`` (hooks ``_root_install``: ``not dynamic``), so ``[tool.poetry] version`` behind it
is in no row; a package moved to ``src/`` after its install is round twenty-five's for the
project itself only (``own_install.unreached`` is asked for the root), and the editable rows of
path dependencies have the directory gone or moved (venv-pep610-editable-gone,
-moved-declared, venv-editable-wheel-pth-moved, venv-editable-path-hook-gone), or its
dependencies changed (venv-editable-source-requires-more), never the directory there with its
package moved inside it. Not taken (rows have them): PEP 685 extra names
(venv-extra-name-normalized, venv-extra-legacy-spelling-missing), a marker false here
(venv-markers-exclude-here, venv-marker-elsewhere), ``virtualenvs.options.system-site-packages``
(venv-poetry-system-site-option-existing-env), ``virtualenvs.in-project = false`` beside a stale
``.venv`` (venv-in-project-false-stale, -from-the-environment), ``package-mode = false`` with
``packages`` (venv-package-mode-false-packages), a ``.python-version`` pyenv has not installed
(venv-pyenv-version-not-installed), ``[build-system]`` without ``requires``
(venv-build-system-no-requires). The grading is round one's (``grade`` in
tests/verdicts/test_heldout_servers.py) with round twelve's addition for healthy neighbours.
Caution on independence: the person who wrote these read checks/venv/hooks.py ``_root_install``
and own_install.py (round twenty-five's) before choosing, not how ``venv/package`` judges an
editable path dependency.

Expectations committed before the first run: ac1a515.

First run (envcheck at ac1a515, before any change, through ``ENVCHECK_LAB_SRC``; 2026-12-07;
every proof held): **2 of 5 fully right** (the two healthy neighbours: ``venv/project`` passed
for svq, ``venv/package[demo-lin]`` passed "demo-lin 0.1.0", and no check about Poetry's
answers, the project, the lock or their package failed or warned; only their rows were missing),
3 wrong, each its check passing: venv-poetry-entry-point-added-after-install and
venv-poetry-dynamic-version-bumped, ``venv/project`` "p0N/pyproject.toml (pytest's rootdir)"
(only the scripts' groups of the install's entry points were compared, and a version in
``dynamic`` was never compared); venv-poetry-path-dependency-moved-to-src,
``venv/package[demo-lib]`` "demo-lib 0.1.0" (an editable's path hook was judged only when the
directories it names are gone). Corrected after the first run, none of it an expectation's
check, cause or fix: the two own-install cases' ``never`` narrowed from any "pip install" to a
pip fix for their own project (``pip install svp``, ``pip install -e .``): once demo-lib's
broken hook was seen, ``venv/local-installs`` of every project in the shared environment named
it, with pip's fix where the project does not lock demo-lib (the environment really has it;
round twenty-five narrowed its ``never`` for the same kind of reason).

After (verdicts from structure: the install's ``entry_points.txt`` against every
entry-point table, the version field Poetry reads, the path lines of the ``.pth`` files an
editable's RECORD lists against poetry-core's places for its package): 5 of 5 fully right, each a
row of docs/verdicts/venv.md (``ASSERTED``, registered in tests/verdicts/test_venv.py) asserted
on the run. checks/venv/own_install.py ``declared_scripts``: also each group of
``[project.entry-points]`` and ``[tool.poetry.plugins]`` (``Script.script`` tells a script from
another entry point); hooks.py ``_own_written`` names an entry point as one (with its table, and
for ``pytest11`` that pytest loads its plugins from the installed ``entry_points.txt``); hooks.py
``_declared_version``: ``[project] version``, else ``[tool.poetry] version`` when ``dynamic``
lists ``version`` (or there is no ``[project]``), the field named in the warning; packages.py
``_moved_inside`` (from ``_moved_away``, so ``venv/package`` and ``venv/local-installs``): an
editable install whose hook still names its project's directory while its package is in another
of poetry-core's places there and does not import (``own_install.unreached``, round
twenty-five's, asked for the dependency's own pyproject.toml), fixed in a Poetry project that
locks it by ``rm -rf`` of its ``.dist-info`` and hook, then ``poetry install`` (Poetry skips an
installed dependency of the locked version), else pip's editable install again. Each of the
three printed fixes was run as printed (the ``rm`` as it is, the Poetry commands in one Poetry
process: venv_lab ``Round.poetry_fixed`` now takes commands before a fix's first Poetry
command) and the projects judged again by a fresh start of the interpreter: the checks pass.
``test_entry_points_declared_since`` covers what the cases do not reach (a
``[tool.poetry.plugins]`` group, a quoted group, an entry point written for another object).

Cost: ``-n 0``, 7.3 user + 1.3 sys CPU-s with pytest's start and no lab template (9.3 s wall):
one Poetry process for the five installs before the run, one envcheck run for the five projects
with one Poetry process (a dry run, envcheck's questions), the ``rm`` and one Poetry process for
the three fixes, one more envcheck run with one Poetry process. About the brief's 8 CPU-s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.venv_lab import POETRY_QUIET, Lab, Round, run

ROUND = Round(26, prove_found=True, template=False)
case = ROUND.case

#: poetry-core as the build backend (a project or a path dependency)
BACKEND = """
[build-system]
requires = ["poetry-core>=2"]
build-backend = "poetry.core.masonry.api"
"""

#: a Poetry project whose own package is ``{name}``; ``{version}`` a ``[project]`` line (or
#: ``dynamic``), ``{more}`` tables after ``[project]``
OWN = """[project]
name = "{name}"
{version}
requires-python = ">=3.11"
dependencies = []
{more}""" + BACKEND

#: a Poetry project of dependencies only (package-mode off) with one path dependency
DEPENDS = """[project]
name = "demo-app"
version = "0.1.0"
requires-python = ">=3.11"
dynamic = ["dependencies"]

[tool.poetry]
package-mode = false

[tool.poetry.dependencies]
{name} = {{ path = "{path}", develop = true }}
"""


def site(lab: Lab) -> Path:
    return next((lab.app / ".venv").glob("lib/python3*/site-packages"))


def said(found: dict[str, Any], root: Path) -> dict[str, Any]:
    return dict(found["poetry"][str(root)])


def fresh_lock(found: dict[str, Any], root: Path) -> None:
    """Poetry's ``check --lock`` passes: the lock is not what is wrong."""
    assert said(found, root)["lock"]["returncode"] == 0, said(found, root)["lock"]


def entry_points(lab: Lab, dist: str) -> str:
    (info,) = site(lab).glob(f"{dist}-*.dist-info")
    path = info / "entry_points.txt"
    return path.read_text() if path.is_file() else ""


def entry_point_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    fresh_lock(found, root)
    assert "pytest11" not in entry_points(lab, "svp"), entry_points(lab, "svp")


@case(
    "venv-poetry-entry-point-added-after-install",
    Expect(
        "venv/project",
        "fail",
        ("svp", "pytest11", "[project.entry-points"),
        ("poetry install",),
        never=("pip install svp", "pip install 'svp", "pip install -e ."),
        heals=True,
    ),
    entry_point_proof,
    poetry=True,
)
def entry_point_added(lab: Lab, root: Path) -> dict[str, str | None]:
    """``[project.entry-points.pytest11] svp`` declared after the project's install."""

    def declare() -> None:
        pyproject = root / "pyproject.toml"
        table = '[project.entry-points.pytest11]\nsvp = "svp.plugin"\n'
        pyproject.write_text(
            pyproject.read_text().replace("[build-system]", table + "\n[build-system]")
        )

    ROUND.poetry_tree(
        lab,
        root,
        {
            "pyproject.toml": OWN.format(name="svp", version='version = "0.1.0"', more=""),
            "svp/__init__.py": "",
            "svp/plugin.py": "def pytest_configure(config):\n    pass\n",
        },
        then=declare,
    )
    return {}


def version_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    fresh_lock(found, root)
    assert [p.name for p in site(lab).glob("svv-*.dist-info")] == ["svv-0.1.0.dist-info"]
    assert 'version = "0.2.0"' in (root / "pyproject.toml").read_text()


@case(
    "venv-poetry-dynamic-version-bumped",
    Expect(
        "venv/project",
        "warn",
        ("installed at 0.1.0", "0.2.0", "[tool.poetry] version"),
        ("poetry install",),
        never=("pip install svv", "pip install 'svv", "pip install -e ."),
        heals=True,
    ),
    version_proof,
    poetry=True,
)
def dynamic_version(lab: Lab, root: Path) -> dict[str, str | None]:
    """``[tool.poetry] version`` (``[project]``'s ``dynamic``) bumped after the install."""

    def bump() -> None:
        pyproject = root / "pyproject.toml"
        text = pyproject.read_text()
        pyproject.write_text(text.replace('version = "0.1.0"', 'version = "0.2.0"'))

    more = '\n[tool.poetry]\nversion = "0.1.0"\n'
    ROUND.poetry_tree(
        lab,
        root,
        {
            "pyproject.toml": OWN.format(name="svv", version='dynamic = ["version"]', more=more),
            "svv/__init__.py": "",
        },
        then=bump,
    )
    return {}


def path_dependency(lab: Lab, root: Path, name: str, src: bool, then: Any = None) -> None:
    """A project of dependencies only whose path dependency ``name`` (``develop = true``) is
    the project ``<root>/<dir>`` with its package at its top (``src``: in ``src/``)."""
    module = name.replace("-", "_")
    directory = name.removeprefix("demo-")
    package = f"{directory}/src/{module}" if src else f"{directory}/{module}"
    lib = OWN.format(name=name, version='version = "0.1.0"', more="")
    ROUND.poetry_tree(
        lab,
        root,
        {
            "pyproject.toml": DEPENDS.format(name=name, path=directory),
            f"{directory}/pyproject.toml": lib,
            f"{package}/__init__.py": "",
        },
        then=then,
    )


def imports(lab: Lab, module: str) -> bool:
    done = run(lab, [str(lab.python()), "-c", f"import {module}"], {})
    assert done.returncode == 0 or "ModuleNotFoundError" in done.stderr, done.stderr
    return done.returncode == 0


def moved_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    fresh_lock(found, root)
    dry = said(found, root)["before0"]
    lines = [line for line in dry["stdout"].splitlines() if "demo-lib" in line]
    assert dry["returncode"] == 0 and lines, dry
    assert all("Already installed" in line for line in lines), lines
    pth = site(lab) / "demo_lib.pth"
    assert Path(pth.read_text().strip()).resolve() == (root / "lib").resolve(), pth.read_text()
    assert not imports(lab, "demo_lib")


@case(
    "venv-poetry-path-dependency-moved-to-src",
    Expect(
        "venv/package[demo-lib]",
        "fail",
        ("demo_lib.pth", "src/demo_lib"),
        ("poetry install",),
        never=("pip install", "no longer exists"),
        heals=True,
    ),
    moved_proof,
    poetry=True,
)
def path_dependency_moved(lab: Lab, root: Path) -> dict[str, str | None]:
    """The path dependency demo-lib's package moved to ``lib/src/`` after its install."""

    def move() -> None:
        (root / "lib" / "src").mkdir()
        (root / "lib" / "demo_lib").rename(root / "lib" / "src" / "demo_lib")

    path_dependency(lab, root, "demo-lib", src=False, then=move)
    ROUND.before[root.name] = [["install", "--dry-run"]]
    return {}


def handlers_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    fresh_lock(found, root)
    assert "[svq.handlers]" in entry_points(lab, "svq"), entry_points(lab, "svq")


@case(
    "venv-poetry-entry-point-installed",
    Expect("venv/project", "pass"),
    handlers_proof,
    quiet=POETRY_QUIET,
    poetry=True,
)
def entry_point_installed(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: ``[project.entry-points."svq.handlers"]`` declared before the
    install."""
    more = '\n[project.entry-points."svq.handlers"]\njson = "svq:handle"\n'
    ROUND.poetry_tree(
        lab,
        root,
        {
            "pyproject.toml": OWN.format(name="svq", version='version = "0.1.0"', more=more),
            "svq/__init__.py": "def handle() -> None:\n    pass\n",
        },
    )
    return {}


def src_layout_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    fresh_lock(found, root)
    pth = site(lab) / "demo_lin.pth"
    assert Path(pth.read_text().strip()).resolve() == (root / "lin" / "src").resolve()
    assert imports(lab, "demo_lin")


@case(
    "venv-poetry-path-dependency-src-layout",
    Expect("venv/package[demo-lin]|venv/lock-drift", "pass"),
    src_layout_proof,
    quiet=(*POETRY_QUIET, "demo-lin"),
    poetry=True,
)
def path_dependency_src(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: the path dependency demo-lin installed from its src layout."""
    path_dependency(lab, root, "demo-lin", src=True)
    return {}


#: the cases whose printed fix is run (its record removed, then Poetry's commands in one Poetry
#: process), and the check that must pass after it
ROUND.poetry_fixed.update(
    {
        "venv-poetry-entry-point-added-after-install": "venv/project",
        "venv-poetry-dynamic-version-bumped": "venv/project",
        "venv-poetry-path-dependency-moved-to-src": "venv/package[demo-lib]",
    }
)

#: the rows of docs/verdicts/venv.md these cases assert (registered in tests/verdicts/test_venv.py)
ASSERTED = tuple(ROUND.cases)

world, test_venv = ROUND.tests()


def test_entry_points_declared_since(tmp_path: Path) -> None:
    """What the round's entry-point cases do not reach: a ``[tool.poetry.plugins]`` group and a
    quoted ``[project.entry-points]`` group, one entry point written for another object (named
    with both), one not written; scripts keep their own word."""
    from envcheck.checks.venv import hooks, own_install
    from envcheck.core.fix import Command
    from envcheck.core.model import CheckFailed

    info = tmp_path / "svp-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: svp\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[svp.handlers]\njson=svp:old\n")
    data: dict[str, Any] = {
        "project": {"name": "svp", "entry-points": {"svp.handlers": {"json": "svp:handle"}}},
        "tool": {"poetry": {"plugins": {"pytest11": {"svp": "svp.plugin"}}}},
    }
    found = own_install.unwritten_scripts(info, data)
    assert [(u.script.table, u.script.name, u.installed) for u in found] == [
        ('[project.entry-points."svp.handlers"]', "json", "svp:old"),
        ("[tool.poetry.plugins.pytest11]", "svp", None),
    ]
    try:
        hooks._own_written(info, tmp_path, data, "svp", "svp", Command(["poetry", "install"]))
    except CheckFailed as failed:
        assert failed.summary.endswith(
            "without its entry point svp ([tool.poetry.plugins.pytest11] in pyproject.toml); "
            'its entry point (svp.handlers) json runs svp:old, but [project.entry-points."svp.'
            'handlers"] says svp:handle'
        ), failed.summary
        assert "pytest loads its plugins from pytest11" in (failed.why or ""), failed.why
    else:
        raise AssertionError("no failure")
