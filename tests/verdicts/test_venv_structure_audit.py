"""A structural audit of the venv verdicts (issue 23), the packaging-files layer: for each
decision point of checks/venv (hooks.py ``virtualenv``, packages.py ``_hook_gone`` /
``_hidden_in_site`` / ``_clashing``, hooks.py ``_root_install``, managers.py ``_steps``), two
different states of a project that reach the same branch and get the same verdict or fix. Each
state below is the one the branch was not written for; seven breakages and two healthy
neighbours, each a project (p00..p08) beside one shared environment, judged by one start of
that environment's interpreter (tests/verdicts/venv_lab.py ``Round``).

The predicted mis-tellings (2026-12-08, from reading the code, before any envcheck run):

1. ``VIRTUAL_ENV`` names the project's own ``.venv`` (activated) while pytest runs from another
   environment (a pipx/global pytest): hooks.py ``virtualenv`` reaches the branch written for a
   stale ``VIRTUAL_ENV`` naming *another* environment (``stale_virtual_env`` kind ``other``)
   and says ``unset VIRTUAL_ENV``; here VIRTUAL_ENV is right and the interpreter is wrong.
   Expected: WARN ``venv/virtualenv`` naming ``p00/.venv`` as the project's environment, fixed by
   running pytest with ``p00/.venv/bin/python -m pytest``, never ``unset VIRTUAL_ENV``.
2. The same without ``VIRTUAL_ENV`` (a project that is not Poetry's keeps its environment in
   ``.venv``, as uv and PDM do; pytest runs from elsewhere): nothing compares the running
   environment with the project's ``.venv`` outside Poetry, and ``venv/virtualenv`` passes ("in
   a virtualenv"). Expected: WARN naming ``p01/.venv``, fixed by ``p01/.venv/bin/python -m
   pytest``.
3. A ``.pth`` path hook (listed in RECORD, the distribution's only way to its code) whose line
   starts with blanks: site.py (``addpackage``) strips only the line's end (``rstrip``), so
   ``"   /abs/dir"`` joined to the site directory is a path that is not there and is skipped;
   integrity.py ``path_hooks`` strips both ends and finds the directory, so ``venv/package``
   passes while ``import demo_ind`` fails. Expected: FAIL ``venv/package[demo-ind]`` naming
   ``demo_ind.pth`` and its leading blanks, fixed by a command that rewrites that line (run,
   then judged again: passes), never "no longer exists" (the directory is there).
4. A Poetry project renamed (``[project] name`` svc-old -> svc-new) after ``poetry install``:
   hooks.py ``_root_install`` finds no svc-new, finds ``svc`` importable (the old editable
   install's ``svc_old.pth`` still names the project) and says "an install of the dependencies
   only leaves it out" (``poetry install --no-root``), a cause nothing established; the old
   distribution, installed editable from this very directory (PEP 610 ``dir_info``), is not
   named. Expected: WARN or FAIL ``venv/project`` naming svc-old, fixed by ``pip uninstall
   --yes svc-old`` then ``poetry install`` (run, then judged again: passes), never "dependencies
   only".
5. A uv project whose dev tools are the extra ``dev`` (``[project.optional-dependencies]``):
   initkit's derivation counts that extra as dev packages for every tool, and managers.py
   ``_steps`` prints ``uv sync`` for a uv project, which installs dependency groups, never an
   extra without ``--extra``. Expected: FAIL ``venv/dev-package[demo-xdev]`` saying it is the
   extra ``dev`` of ``[project.optional-dependencies]``, fixed by ``uv sync --extra dev``.
6. A module hidden by another distribution's package of the same name (round 27's
   ``_hidden_in_site``) where that other distribution is *declared* by the project
   (``[project] dependencies`` of a pip project): ``_clashing`` knows only poetry.lock, so it
   prints ``pip uninstall --yes demo-m5p``, which removes a dependency the project declares (its
   next install brings it back). Expected: FAIL ``venv/package[demo-m5f]`` naming
   ``m5/__init__.py`` and demo-m5p, a person's fix in pyproject.toml (keep one), never the
   uninstall.
7. The same where the hiding distribution is declared by nobody but *required* by a declared
   one (demo-m6h's ``Requires-Dist: demo-m6p``): the uninstall breaks demo-m6h. Expected: FAIL
   ``venv/package[demo-m6f]`` naming ``m6/__init__.py``, demo-m6p and demo-m6h, a fix that names
   demo-m6h, never the uninstall.

Healthy neighbours (must pass): ``VIRTUAL_ENV`` naming the running environment through the
project's ``.venv`` link (``venv/virtualenv`` passes), and a ``.pth`` path line with trailing
blanks and a tab (site.py strips them: ``import demo_trl`` works; ``venv/package[demo-trl]``
passes).

Checked against the table and the rounds before choosing (``grep -r -i`` over
docs/verdicts/venv.md, tests/verdicts/test_heldout_venv*.py and test_venv*.py):
venv-virtual-env-other (VIRTUAL_ENV naming another environment: "unset"), venv-env-other
(Poetry's environment elsewhere: Poetry projects only), venv-pth-bom-path-skipped and
venv-pth-crlf-path (a BOM, a CR; never leading blanks), venv-root-not-installed (``--no-root``;
no rename), venv-uv-default-groups(-none) (groups; no extra), venv-module-hidden-by-another-package
(an undeclared stray: the uninstall is right there).

Proven with the real tools before a grade counts: one start of the environment's interpreter
importing each case's module as its application does, reading the distributions' files, and
Poetry's answers (``check --lock`` content after the rename).

Expectations committed before the first run: 464080a.

First run (envcheck at 464080a, before any change; 2026-12-08; every proof held; the grading is
round one's, ``grade`` in tests/verdicts/test_heldout_servers.py, with round twelve's addition for
healthy neighbours): **2 of 9 fully right** (the two healthy neighbours: ``venv/virtualenv``
"in a virtualenv (venv) at ...", ``venv/package[demo-trl]`` "demo-trl 1.0"; only their rows were
missing), 1 partly, 6 wrong. Partly: venv-uv-extra-named-dev, ``venv/dev-package[demo-xdev]``
failed "not installed" with ``uv lock`` / ``uv sync`` and "`uv sync` installs the dependency
groups dev", never the extra (the fix installs nothing). Wrong:
venv-virtual-env-names-the-projects-venv (WARN "VIRTUAL_ENV names .../p00/.venv, another
environment than the one pytest runs in", fix ``unset VIRTUAL_ENV``: the one variable that was
right); venv-project-venv-not-the-running-one (``venv/virtualenv`` passed "in a virtualenv
(venv)"); venv-pth-path-line-indented (``venv/package[demo-ind]`` passed "demo-ind 1.0");
venv-poetry-project-renamed-after-install (WARN "the project svc-new itself is not installed
... an install of the dependencies only leaves it out", svc-old not named);
venv-module-hidden-by-a-declared-package and venv-module-hidden-by-a-required-package (cause
right, fix ``pip uninstall --yes demo-m5p`` / ``demo-m6p``: a declared dependency, a
requirement of demo-m6h).

After (db0f515; verdicts from structure, each a row of docs/verdicts/venv.md in its own section,
``ASSERTED``, registered in tests/verdicts/test_venv.py): 9 of 9 fully right. hooks.py
``_own_venv_elsewhere`` (before the stale-``VIRTUAL_ENV`` branches): the project's ``.venv`` (a
``pyvenv.cfg``) that is not the running environment (``os.path.samefile``), named by
``VIRTUAL_ENV`` (any project) or by nothing (a project Poetry does not keep; Poetry's own is
``venv/poetry-env``'s), an environment inside the project (tox, nox) left alone, and so is one a
tool chose (``_env_chosen_elsewhere``: tox's, nox's or Hatch's variables, uv's
``UV_PROJECT_ENVIRONMENT`` naming another place, Hatch environments none at ``.venv``; added
after the fixes' commit): WARN, fixed by
``<root>/.venv/bin/python -m pytest`` (``poetry run pytest`` first in a Poetry project), never
``unset VIRTUAL_ENV``. integrity.py ``path_hooks`` reads a ``.pth`` line as site.py's
``addpackage`` does (a comment or an import line only from its first character, a path line
``rstrip``ped and joined to the site directory) and records ``indented``; packages.py
``_indented_hook`` (in ``_moved_away`` and ``_hook_gone``) fails the distribution with a command
that strips the blanks and writes the file's new hash and size in its RECORD row (stripping
alone left "not the one its RECORD lists", seen on the second run). hooks.py
``_installed_as_another``: no distribution of the project's name, another installed editable
from its directory (PEP 610 ``dir_info``, ``url`` samefile the project): named, fixed by ``pip
uninstall --yes <old>`` then ``poetry install``. managers.py ``_only_in_extras``: a declared
name only in extras of ``[project.optional-dependencies]`` gets ``uv sync --extra <extra>``
(``pdm install -G <extra>``). packages.py ``_needed``: the owner of the hiding package is
declared by the project (``project.read_project``) or required by installed distributions
(``Requires-Dist``); ``_clashing`` then gives a person's fix (keep one in pyproject.toml, naming
the requirer) instead of the uninstall, and ``_hidden_in_site``'s why says which. Fixes run:
the ``.pth`` command by envcheck's step runner, the rename's ``pip uninstall`` and ``poetry
install`` (one Poetry process), each project judged again by a fresh start of the interpreter:
the checks pass. Not executed: the re-runs with the project's interpreter (a person's next
``pytest``), ``uv sync --extra dev`` (no uv on this machine, and it needs an index), the
persons' edits of pyproject.toml for the two clashes. ``test_structure_units`` covers what the
cases do not reach (an indented comment or import line, CRLF, a BOM, an indented line naming
nothing either way; a name both in an extra and in ``[project] dependencies``; PDM's ``-G``; a
uv dependency group).

Cost: ``-n 0``, 6.5 user + 1.0 sys CPU-s with pytest's start (13 to 18 s wall): one pip run for the
wheels, two ``python -m venv --without-pip``, one Poetry process for the install, one envcheck
run for the nine projects with one Poetry process, one probe, the ``.pth`` command, one more
envcheck run with one Poetry process (the rename's fix).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

from envcheck.core.fix import Command
from tests.throwaway import make_wheel
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_heldout_venv12 import pep621, plain
from tests.verdicts.venv_lab import Lab, Round

ROUND = Round(90, prove_found=True, template=False)
case = ROUND.case

#: the statements each case's application runs, by key
IMPORTS = {
    "demo-ind": "import demo_ind",
    "demo-trl": "import demo_trl",
    "demo-m5f": "from m5 import go",
    "demo-m6f": "from m6 import go",
}

#: one start of the environment's interpreter: each statement run as the application runs it
#: (``ok`` or the exception's type and text), and the distributions' versions asked for
PROBE = r"""
import importlib.metadata, json, sys
asked = json.loads(open(sys.argv[1]).read())
out = {"imports": {}, "versions": {}}
for key, statement in asked["imports"].items():
    try:
        exec(statement, {})
        out["imports"][key] = "ok"
    except ImportError as exc:
        out["imports"][key] = f"{type(exc).__name__}: {exc}"
for name in asked["names"]:
    try:
        out["versions"][name] = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        out["versions"][name] = None
print(json.dumps(out))
"""

NAMES = ("svc-old", "svc-new", "demo-xdev", "demo-m5p", "demo-m6p", "demo-m6h")


def probed(lab: Lab) -> dict[str, Any]:
    return ROUND.probed(lab, PROBE, {"imports": IMPORTS, "names": list(NAMES)})


def outcome(lab: Lab, key: str) -> str:
    return str(probed(lab)["imports"][key])


def site(lab: Lab) -> Path:
    return next((lab.app / ".venv").glob("lib/python3*/site-packages"))


def installed(lab: Lab, name: str, files: dict[str, str], requires: tuple[str, ...] = ()) -> None:
    """``name`` 1.0 among the round's pip installs (``files`` its content)."""
    ROUND.wheels.append(
        make_wheel(ROUND.installed_wheels(lab), name, "1.0", requires=requires, files=files)
    )


def own_venv(root: Path, dependencies: str = "") -> Path:
    """A project that is not Poetry's with its own virtualenv in ``.venv`` (``python -m
    venv``), which is not the environment the round runs in."""
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "svc"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        f"dependencies = [{dependencies}]\n"
    )
    venv = root / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return venv


# -- which environment: VIRTUAL_ENV and the project's .venv ----------------------------------


def other_env_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    assert (root / ".venv" / "pyvenv.cfg").is_file()
    running = Path(found["prefix"]).resolve()
    assert running != (root / ".venv").resolve() and running == (lab.app / ".venv").resolve()


@case(
    "venv-virtual-env-names-the-projects-venv",
    Expect(
        "venv/virtualenv",
        "warn",
        ("p00/.venv", "project's environment"),
        ("p00/.venv/bin/python -m pytest",),
        never=("unset VIRTUAL_ENV",),
    ),
    other_env_proof,
)
def virtual_env_is_the_project(lab: Lab, root: Path) -> dict[str, str | None]:
    """VIRTUAL_ENV names the project's own .venv; pytest runs from another environment."""
    return {"VIRTUAL_ENV": str(own_venv(root))}


@case(
    "venv-project-venv-not-the-running-one",
    Expect(
        "venv/virtualenv",
        "warn",
        ("p01/.venv", "project's environment"),
        ("p01/.venv/bin/python -m pytest",),
    ),
    other_env_proof,
)
def project_venv_elsewhere(lab: Lab, root: Path) -> dict[str, str | None]:
    """The project keeps its environment in .venv; pytest runs from another one, no
    VIRTUAL_ENV."""
    own_venv(root)
    return {}


def link_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    assert (root / ".venv").is_symlink()
    assert (root / ".venv").resolve() == Path(found["prefix"]).resolve()


@case(
    "venv-virtual-env-through-the-projects-link",
    Expect("venv/virtualenv", "pass"),
    link_proof,
    quiet=("venv/virtualenv",),
)
def virtual_env_through_link(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: VIRTUAL_ENV names the project's .venv, a link to the running
    environment."""
    pep621(root, lab)
    return {"VIRTUAL_ENV": str(root / ".venv")}


# -- site.py's .pth lines: rstrip, not strip -----------------------------------------------------


def code_dir(lab: Lab, name: str) -> Path:
    """A directory holding the package ``name`` (what a path hook names)."""
    directory = lab.tmp / f"code-{name}"
    (directory / name).mkdir(parents=True, exist_ok=True)
    (directory / name / "__init__.py").write_text("X = 1\n")
    return directory


def indented_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    line = (site(lab) / "demo_ind.pth").read_text().splitlines()[0]
    assert line.startswith("   ") and Path(line.strip(), "demo_ind", "__init__.py").is_file()
    assert outcome(lab, "demo-ind") == "ModuleNotFoundError: No module named 'demo_ind'"


@case(
    "venv-pth-path-line-indented",
    Expect(
        "venv/package[demo-ind]",
        "fail",
        ("demo_ind.pth", "leading"),
        ("demo_ind.pth",),
        never=("no longer exists",),
        heals=True,
    ),
    indented_proof,
)
def pth_indented(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-ind's only way to its code is demo_ind.pth, whose path line starts with blanks."""
    installed(lab, "demo-ind", {"demo_ind.pth": f"   {code_dir(lab, 'demo_ind')}\n"})
    pep621(root, lab, "demo-ind>=1")
    return {}


def trailing_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    assert (site(lab) / "demo_trl.pth").read_text().endswith(" \t\n")
    assert outcome(lab, "demo-trl") == "ok", outcome(lab, "demo-trl")


@case(
    "venv-pth-path-line-trailing-blanks",
    Expect("venv/package[demo-trl]", "pass"),
    trailing_proof,
    quiet=("demo-trl",),
)
def pth_trailing(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: demo_trl.pth's path line ends with blanks and a tab."""
    installed(lab, "demo-trl", {"demo_trl.pth": f"{code_dir(lab, 'demo_trl')} \t\n"})
    pep621(root, lab, "demo-trl>=1")
    return {}


# -- the project renamed after Poetry installed it ------------------------------------------------

RENAMED = """[project]
name = "svc-old"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[tool.poetry]
packages = [{ include = "svc" }]

[build-system]
requires = ["poetry-core>=2"]
build-backend = "poetry.core.masonry.api"
"""


def renamed_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    said = found["poetry"][str(root)]
    assert said["lock"]["returncode"] == 0, said["lock"]
    info = site(lab) / "svc_old-0.1.0.dist-info"
    url = json.loads((info / "direct_url.json").read_text())
    assert url["dir_info"] == {"editable": True} and url["url"].endswith(f"/{root.name}"), url
    assert probed(lab)["versions"]["svc-old"] == "0.1.0"
    assert probed(lab)["versions"]["svc-new"] is None


@case(
    "venv-poetry-project-renamed-after-install",
    Expect(
        "venv/project",
        "warn|fail",
        ("svc-old",),
        ("pip uninstall --yes svc-old", "poetry install"),
        never=("dependencies only",),
        heals=True,
    ),
    renamed_proof,
    poetry=True,
)
def renamed(lab: Lab, root: Path) -> dict[str, str | None]:
    """svc-old installed by ``poetry install``, then its ``[project] name`` became svc-new."""

    def rename() -> None:
        pyproject = root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace('"svc-old"', '"svc-new"'))

    ROUND.poetry_tree(
        lab, root, {"pyproject.toml": RENAMED, "svc/__init__.py": "X = 1\n"}, then=rename
    )
    return {}


# -- uv: an extra named dev ----------------------------------------------------------------------

UV_EXTRA = """[project]
name = "svc"
version = "0.1"
requires-python = ">=3.11"
dependencies = []

[project.optional-dependencies]
dev = ["demo-xdev>=1"]

[tool.uv]
package = false
"""


def uv_extra_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    assert probed(lab)["versions"]["demo-xdev"] is None


@case(
    "venv-uv-extra-named-dev",
    Expect(
        "venv/dev-package[demo-xdev]",
        "fail",
        ("[project.optional-dependencies] dev", "extra"),
        ("uv sync --extra dev",),
    ),
    uv_extra_proof,
)
def uv_extra(lab: Lab, root: Path) -> dict[str, str | None]:
    """A uv project whose dev tool demo-xdev is its extra ``dev``; not installed."""
    plain(root, lab, UV_EXTRA)
    return {}


# -- a module hidden by a package the project needs ---------------------------------------------


def declared_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    assert (site(lab) / "m5.py").is_file() and (site(lab) / "m5" / "__init__.py").is_file()
    said = outcome(lab, "demo-m5f")
    assert said.startswith("ImportError: cannot import name 'go'"), said
    assert '"demo-m5p>=1"' in (root / "pyproject.toml").read_text()


@case(
    "venv-module-hidden-by-a-declared-package",
    Expect(
        "venv/package[demo-m5f]",
        "fail",
        ("m5/__init__.py", "demo-m5p"),
        ("demo-m5p", "pyproject.toml"),
        never=("pip uninstall --yes demo-m5p",),
    ),
    declared_proof,
)
def hidden_by_declared(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-m5f's m5.py hidden by demo-m5p's m5/__init__.py; the project declares both."""
    installed(lab, "demo-m5f", {"m5.py": "def go():\n    return 1\n"})
    installed(lab, "demo-m5p", {"m5/__init__.py": "def stop():\n    return 1\n"})
    pep621(root, lab, "demo-m5f>=1", "demo-m5p>=1")
    return {}


def required_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    said = outcome(lab, "demo-m6f")
    assert said.startswith("ImportError: cannot import name 'go'"), said
    metadata = (site(lab) / "demo_m6h-1.0.dist-info" / "METADATA").read_text()
    assert "Requires-Dist: demo-m6p>=1" in metadata, metadata


@case(
    "venv-module-hidden-by-a-required-package",
    Expect(
        "venv/package[demo-m6f]",
        "fail",
        ("m6/__init__.py", "demo-m6p", "demo-m6h"),
        ("demo-m6h",),
        never=("pip uninstall --yes demo-m6p",),
    ),
    required_proof,
)
def hidden_by_required(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-m6f's m6.py hidden by demo-m6p's m6/__init__.py; demo-m6p is demo-m6h's
    requirement, and the project declares demo-m6f and demo-m6h."""
    installed(lab, "demo-m6f", {"m6.py": "def go():\n    return 1\n"})
    installed(lab, "demo-m6p", {"m6/__init__.py": "def stop():\n    return 1\n"})
    installed(lab, "demo-m6h", {"m6h/__init__.py": "import m6\n"}, requires=("demo-m6p>=1",))
    pep621(root, lab, "demo-m6f>=1", "demo-m6h>=1")
    return {}


#: the case whose printed fix (a command) is run by envcheck's step runner
ROUND.healed["venv-pth-path-line-indented"] = "venv/package[demo-ind]"
#: the case whose printed fix is commands then Poetry's (run, then judged again)
ROUND.poetry_fixed["venv-poetry-project-renamed-after-install"] = "venv/project"

#: the rows of docs/verdicts/venv.md these cases assert (registered in tests/verdicts/test_venv.py)
ASSERTED = tuple(ROUND.cases)

world, test_venv = ROUND.tests()


def test_structure_units(tmp_path: Path, monkeypatch: Any) -> None:
    """What the cases do not reach: a ``.pth`` read line by line as site.py reads it (an
    indented comment or import line is neither; CRLF and trailing blanks are stripped; a BOM
    hides the first line), an indented line that names nothing either way; a name declared
    in an extra and in ``[project] dependencies``; PDM's fix for an extra; a uv project's
    dependency group (``uv sync`` alone); the environments a tool chose (tox, nox, Hatch, uv's
    ``UV_PROJECT_ENVIRONMENT``), where the project's ``.venv`` is not compared."""
    from envcheck.checks.venv import hooks, integrity, managers

    site = tmp_path / "site"
    (site / "demo_p-1.0.dist-info").mkdir(parents=True)
    there = tmp_path / "there"
    there.mkdir()
    lines = [
        "  # an indented comment",
        "  import demo_gone",
        f"   {there}",
        f"{there}\r",
        f"{there} \t",
        "   /nowhere/at/all",
    ]
    (site / "demo_p.pth").write_text("\n".join(lines) + "\n")
    (site / "demo_p-1.0.dist-info" / "RECORD").write_text("demo_p.pth,,\n")
    (hook,) = integrity.path_hooks(site / "demo_p-1.0.dist-info")
    assert not hook.imports and hook.indented == there
    assert [d.is_dir() for d in hook.directories] == [False, True, True, False]

    (site / "demo_p.pth").write_text("   /nowhere/at/all\n")
    (hook,) = integrity.path_hooks(site / "demo_p-1.0.dist-info")
    assert hook.indented is None and hook.directories == (site / "   /nowhere/at/all",)

    (site / "demo_p.pth").write_bytes(b"\xef\xbb\xbf" + f"{there}\n".encode())
    (hook,) = integrity.path_hooks(site / "demo_p-1.0.dist-info")
    assert hook.hidden == there and hook.directories == () and hook.indented is None

    root = tmp_path / "project"
    root.mkdir()
    both = '[project]\nname = "svc"\nversion = "0.1"\ndependencies = ["demo-x"]\n'
    extra = '\n[project.optional-dependencies]\ndev = ["demo-x", "demo-y"]\nlint = ["demo-y"]\n'
    (root / "pyproject.toml").write_text(both + extra + "\n[tool.pdm]\n")
    assert managers._only_in_extras(root, "demo-x") == []
    assert managers._only_in_extras(root, "demo-y") == ["dev", "lint"]
    pdm = managers.of(root)
    steps, why = managers._steps(pdm, root, Requirement("demo-y"), True, True)
    assert [list(s.argv) for s in steps if isinstance(s, Command)] == [
        ["pdm", "install", "-G", "dev"]
    ]
    assert "only in the extra dev" in why

    group = '[project]\nname = "svc"\nversion = "0.1"\ndependencies = []\n'
    group += '\n[dependency-groups]\ndev = ["demo-z"]\n\n[project.optional-dependencies]\n'
    group += 'dev = ["demo-z"]\n\n[tool.uv]\n'
    (root / "pyproject.toml").write_text(group)
    steps, _ = managers._steps(managers.of(root), root, Requirement("demo-z"), True, True)
    assert [list(s.argv) for s in steps if isinstance(s, Command)] == [
        ["uv", "lock"],
        ["uv", "sync"],
    ]

    for name in (
        "TOX_ENV_NAME",
        "NOX_CURRENT_SESSION",
        "HATCH_ENV_ACTIVE",
        "UV_PROJECT_ENVIRONMENT",
    ):
        monkeypatch.delenv(name, raising=False)
    assert not hooks._env_chosen_elsewhere(root)
    monkeypatch.setenv("UV_PROJECT_ENVIRONMENT", ".venv")
    assert not hooks._env_chosen_elsewhere(root)
    monkeypatch.setenv("UV_PROJECT_ENVIRONMENT", str(tmp_path / "elsewhere"))
    assert hooks._env_chosen_elsewhere(root)
    monkeypatch.delenv("UV_PROJECT_ENVIRONMENT")
    monkeypatch.setenv("TOX_ENV_NAME", "py311")
    assert hooks._env_chosen_elsewhere(root)
    monkeypatch.delenv("TOX_ENV_NAME")
    (root / "pyproject.toml").write_text(group + '\n[tool.hatch.envs.default]\ntype = "virtual"\n')
    assert hooks._env_chosen_elsewhere(root)
    (root / "pyproject.toml").write_text(group + '\n[tool.hatch.envs.default]\npath = ".venv"\n')
    assert not hooks._env_chosen_elsewhere(root)
