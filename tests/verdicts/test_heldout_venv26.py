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
        never=("pip install",),
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
        never=("pip install",),
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


#: the cases whose printed fix (Poetry's commands) is run, and the check that must pass after it
ROUND.poetry_fixed.update(
    {
        "venv-poetry-entry-point-added-after-install": "venv/project",
        "venv-poetry-dynamic-version-bumped": "venv/project",
    }
)
#: the case whose printed fix is run by envcheck's step runner (its steps need not all be Poetry's)
ROUND.healed["venv-poetry-path-dependency-moved-to-src"] = "venv/package[demo-lib]"

#: the rows of docs/verdicts/venv.md these cases assert (registered in tests/verdicts/test_venv.py)
ASSERTED = tuple(ROUND.cases)

world, test_venv = ROUND.tests()
