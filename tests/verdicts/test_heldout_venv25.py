"""Twenty-fifth held-out round for the venv verdicts (issue 23): what Poetry installed for the
project itself, and a dependency Poetry locks once per Python. Poetry installs the project's own
package (``package-mode``, on by default) as an editable install whose path hook (``<name>.pth``)
names the directory the package was found in, and writes its scripts (``[project.scripts]``) only
then; a dependency declared as a list of constraints (Poetry's "Multiple constraints
dependencies") is locked as one ``[[package]]`` entry per constraint, each with its ``markers``.
Three breakages and two healthy neighbours, each a Poetry project (p00..p04) beside the venv lab's
shared environment, judged by one start of that environment's interpreter
(tests/verdicts/venv_lab.py ``Round``).

How the set was made (2026-12-07), from Poetry's documentation (pyproject.md ``scripts``: "When
a script is added or updated, run ``poetry install`` to make them available in the project's
virtualenv"; ``packages`` and poetry-core's rule for finding the project's package: ``NAME/``,
``src/NAME/``; dependency-specification.md "Multiple constraints dependencies"; managing-
dependencies.md: Poetry 2.2 reads PEP 735 ``[dependency-groups]`` as its groups and
``[tool.poetry.group.<name>]`` adds ``optional`` to them), PEP 660 (an editable install's path
hook) and PEP 735, each tried with Poetry 2.5.1 by hand first:

- a project (package ``svc``) installed by ``poetry install``; then ``[project.scripts] svc-run =
  "svc:main"`` added: ``poetry check --lock`` still says "All set!" (scripts are no part of the
  lock's ``content-hash``), ``poetry run svc-run`` exits 1, "Command not found: svc-run", and
  ``.venv/bin`` has no ``svc-run``; after ``poetry install`` it runs (breakage);
- a project (package ``svd``) installed by ``poetry install`` with ``svd/`` at the project's top;
  then ``svd/`` moved to ``src/svd/`` (poetry-core finds ``src/NAME/`` by itself, so pyproject.toml
  is not touched and the lock stays fresh): ``svd.pth`` still names the project's directory,
  where no ``svd`` is, so ``import svd`` fails (ModuleNotFoundError); after ``poetry install``
  ``svd.pth`` names ``src`` and it imports (breakage);
- ``demo-mc`` declared twice, ``[[tool.poetry.dependencies.demo-mc]]`` (TOML's form of the docs'
  inline list) with ``path`` to its 1.0 wheel and ``python = "<3.11"``, and to its 2.0 wheel with
  ``python = ">=3.11"`` (``requires-python = ">=3.10"``); relocked, poetry.lock has two
  ``demo-mc`` entries, 1.0 with ``markers = "python_version == \\"3.10\\""`` and 2.0 with
  ``markers = "python_version >= \\"3.11\\""``; 1.0 is installed (from before the split) in a
  Python 3.11 environment: ``poetry install --dry-run`` updates it to 2.0 (breakage);
- the same for ``demo-mn`` with 2.0 installed (healthy neighbour: nothing to install);
- the lab's project with ``[dependency-groups] test = ["demo-opt @ file:///..."]`` and
  ``[tool.poetry.group.test] optional = true``, relocked (``groups = ["test"]``), demo-opt not
  installed: ``poetry install --dry-run`` installs nothing, ``--with test`` would install it
  (healthy neighbour).

Expectations (each the verdict, the words of its cause and fix that a fully right verdict has):
the script case fails ``venv/project`` naming ``svc-run`` and ``[project.scripts]``, fixed by
``poetry install`` (run, then the project judged again: passes), never a ``pip install``; the
moved package fails ``venv/project`` naming ``svd.pth`` and ``src/svd``, fixed by ``poetry
install`` (run and judged again), never "itself is not installed" (it is installed) nor a ``pip
install``; the constraints case fails ``venv/lock-drift`` naming ``demo-mc 1.0`` and ``2.0``,
fixed by ``poetry install`` (run and judged again), never a ``pip install``; the two neighbours
pass ``venv/lock-drift`` and no check about Poetry's answers, the project, the lock or their
package fails or warns.

Proven with the real tools before a grade counts: Poetry's own answers in the round's Poetry
process (``poetry run svc-run`` exit 1; ``poetry check --lock`` exit 0 for the two own-package
projects; the relocked lock's two ``demo-mc`` entries and ``install --dry-run``'s update of it;
nothing for ``demo-mn``; ``demo-opt`` only with ``--with test``), and ``import svd`` failing in
the environment.

Checked against the table and the rounds before choosing (``grep -r -i`` over
docs/verdicts/venv.md, tests/verdicts/test_heldout_venv*.py, the four venv sweeps and
tests/verdicts/test_venv.py): ``[project.scripts]`` occurs only for pip-installed projects
(venv-project-script-no-callable, -object-path: a wheel pip refuses or installs) and the venv
sweep's editable path dependencies (installed with their scripts); no row has a script declared
after the project's install. The project's own install: venv-root-not-installed (not installed
at all, ``--no-root``), venv-root-metadata-stale (a version bumped), venv-package-mode-no-package;
an editable's path hook gone or its directory moved (venv-editable-path-hook-gone,
venv-editable-wheel-pth-moved, venv-pep610-editable-gone): never the directory still there with
the package moved inside it. Multiple constraints dependencies: in no test or row (grep
``[{``, ``multiple constraints``; pylock.toml's exclusive markers are round sixteen's, PEP 751).
PEP 735 groups in Poetry: venv-poetry-dependency-group-missing (a non-optional group), never
``optional``. Not taken (rows have them): a raising ``.pth`` (venv-pth-import-raises), a PEP 660
finder module gone (venv-pth-import-fails), ``include-system-site-packages`` shadowing, a stale
``content-hash`` (venv-lock-stale), an optional Poetry group (venv-group-optional),
``requires-python`` the environment's Python is outside of (venv-env-python-outside),
``requires-plugins``, ``priority = "explicit"``, split namespace packages. The grading is round
one's (``grade`` in tests/verdicts/test_heldout_servers.py) with round twelve's addition for
healthy neighbours. Caution on independence: the person who wrote these read
checks/venv/packages.py's ``lock_drift`` (its ``parsed.packages`` by name) and project.py's
``Locked`` before choosing, not how the project check reads the root's install.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.throwaway import make_wheel
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.venv_lab import POETRY_QUIET, Lab, Round, poetry_project, run

ROUND = Round(25, prove_found=True)
case = ROUND.case
index = ROUND.index
installed_wheels = ROUND.installed_wheels

#: a Poetry project whose own package is ``{name}`` (package-mode, poetry-core's backend)
OWN = """[project]
name = "{name}"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[build-system]
requires = ["poetry-core>=2"]
build-backend = "poetry.core.masonry.api"
"""


def own_package(lab: Lab, root: Path, name: str, code: str, then: Any) -> None:
    """A project with its package ``name`` at its top (``code`` its ``__init__.py``), its
    ``.venv`` the lab's environment, installed by ``poetry install`` (which locks it first);
    then ``then()``."""
    (root / name).mkdir(parents=True)
    (root / name / "__init__.py").write_text(code)
    (root / "pyproject.toml").write_text(OWN.format(name=name))
    (root / ".venv").symlink_to(lab.app / ".venv")
    ROUND.poetry_first(root, "install", then=then)


def said(found: dict[str, Any], root: Path) -> dict[str, Any]:
    return dict(found["poetry"][str(root)])


def fresh_lock(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    """Poetry's ``check --lock`` passes: the lock is not what is wrong."""
    assert said(found, root)["lock"]["returncode"] == 0, said(found, root)["lock"]


def script_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    fresh_lock(lab, root, found)
    ran = said(found, root)["before0"]
    assert ran["returncode"] == 1 and "svc-run" in ran["stdout"] + ran["stderr"], ran
    assert not (lab.app / ".venv" / "bin" / "svc-run").exists()


@case(
    "venv-poetry-script-added-after-install",
    Expect(
        "venv/project",
        "fail",
        ("svc-run", "[project.scripts]"),
        ("poetry install",),
        never=("pip install",),
        heals=True,
    ),
    script_proof,
    poetry=True,
)
def script_added(lab: Lab, root: Path) -> dict[str, str | None]:
    """``[project.scripts] svc-run`` declared after the project's install."""

    def declare() -> None:
        pyproject = root / "pyproject.toml"
        text = pyproject.read_text().replace(
            "[build-system]", '[project.scripts]\nsvc-run = "svc:main"\n\n[build-system]'
        )
        pyproject.write_text(text)

    own_package(lab, root, "svc", 'def main() -> None:\n    print("svc")\n', declare)
    ROUND.before[root.name] = [["run", "svc-run"]]
    return {}


def moved_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    fresh_lock(lab, root, found)
    (pth,) = (lab.app / ".venv").glob("lib/python3*/site-packages/svd.pth")
    assert Path(pth.read_text().strip()).resolve() == root.resolve(), pth.read_text()
    done = run(lab, [str(lab.python()), "-c", "import svd"], {})
    assert done.returncode == 1 and "ModuleNotFoundError" in done.stderr, done.stderr


@case(
    "venv-poetry-root-moved-to-src",
    Expect(
        "venv/project",
        "fail",
        ("svd.pth", "src/svd"),
        ("poetry install",),
        never=("pip install", "itself is not installed"),
        heals=True,
    ),
    moved_proof,
    poetry=True,
)
def moved_to_src(lab: Lab, root: Path) -> dict[str, str | None]:
    """The project's package moved from ``svd/`` to ``src/svd/`` after its install."""

    def move() -> None:
        (root / "src").mkdir()
        (root / "svd").rename(root / "src" / "svd")

    own_package(lab, root, "svd", "", move)
    return {}


def constraints(lab: Lab, root: Path, name: str, installed: str) -> None:
    """The lab's project with ``name`` declared per Python (1.0 for ``<3.11``, 2.0 for
    ``>=3.11``, ``requires-python = ">=3.10"``), relocked; ``installed`` in the environment."""
    wheels = {v: make_wheel(index(lab), name, v) for v in ("1.0", "2.0")}
    ROUND.wheels.append(wheels[installed])
    declared = "".join(
        f'[[tool.poetry.dependencies.{name}]]\npath = "{wheels[v]}"\npython = "{python}"\n\n'
        for v, python in (("1.0", "<3.11"), ("2.0", ">=3.11"))
    )
    poetry_project(lab, root, declared)
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    assert 'requires-python = ">=3.11"' in text
    pyproject.write_text(text.replace('requires-python = ">=3.11"', 'requires-python = ">=3.10"'))
    ROUND.before[root.name] = [["lock"], ["install", "--dry-run"]]


def constraints_proof(name: str, updated: bool) -> Any:
    """Poetry relocked two entries of ``name``; its dry run updates it (or says nothing of it)."""

    def prove(lab: Lab, root: Path, found: dict[str, Any]) -> None:
        answers = said(found, root)
        assert answers["before0"]["returncode"] == 0, answers["before0"]
        lock = (root / "poetry.lock").read_text()
        assert lock.count(f'name = "{name}"') == 2, lock
        dry = answers["before1"]
        assert dry["returncode"] == 0, dry
        if updated:
            assert f"{name} (1.0" in dry["stdout"] and "-> 2.0" in dry["stdout"], dry
        else:
            assert name not in dry["stdout"], dry

    return prove


@case(
    "venv-poetry-constraints-other-python",
    Expect(
        "venv/lock-drift",
        "fail",
        ("demo-mc 1.0", "2.0"),
        ("poetry install",),
        never=("pip install",),
        heals=True,
    ),
    constraints_proof("demo-mc", updated=True),
    poetry=True,
)
def constraints_other(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-mc 1.0 (the entry for Python <3.11) installed in a 3.11 environment."""
    constraints(lab, root, "demo-mc", "1.0")
    return {}


@case(
    "venv-poetry-constraints-this-python",
    Expect("venv/lock-drift", "pass"),
    constraints_proof("demo-mn", updated=False),
    quiet=(*POETRY_QUIET, "demo-mn"),
    poetry=True,
)
def constraints_this(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: demo-mn 2.0, the entry for Python >=3.11, installed."""
    constraints(lab, root, "demo-mn", "2.0")
    return {}


def optional_group_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    answers = said(found, root)
    assert all(answers[f"before{i}"]["returncode"] == 0 for i in range(3)), answers
    lock = (root / "poetry.lock").read_text()
    entry = lock[lock.index('name = "demo-opt"') :]
    assert 'groups = ["test"]' in entry[: entry.find("[[package]]")], entry
    assert "demo-opt" not in answers["before1"]["stdout"], answers["before1"]
    assert "Installing demo-opt (1.0" in answers["before2"]["stdout"], answers["before2"]


@case(
    "venv-poetry-dependency-group-optional",
    Expect("venv/lock-drift", "pass"),
    optional_group_proof,
    quiet=(*POETRY_QUIET, "demo-opt"),
    poetry=True,
)
def dependency_group_optional(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: a PEP 735 group ``test`` made optional by
    ``[tool.poetry.group.test]``, relocked, not installed."""
    wheel = make_wheel(index(lab), "demo-opt", "1.0")
    poetry_project(
        lab,
        root,
        f'[dependency-groups]\ntest = ["demo-opt @ {wheel.as_uri()}"]\n\n'
        "[tool.poetry.group.test]\noptional = true\n",
    )
    ROUND.before[root.name] = [
        ["lock"],
        ["install", "--dry-run"],
        ["install", "--dry-run", "--with", "test"],
    ]
    return {}


#: the cases whose printed fix (Poetry's commands) is run, and the check that must pass after it
ROUND.poetry_fixed.update(
    {
        "venv-poetry-script-added-after-install": "venv/project",
        "venv-poetry-root-moved-to-src": "venv/project",
        "venv-poetry-constraints-other-python": "venv/lock-drift",
    }
)

#: the rows of docs/verdicts/venv.md these cases assert (registered in tests/verdicts/test_venv.py)
ASSERTED = tuple(ROUND.cases)

world, test_venv = ROUND.tests()
