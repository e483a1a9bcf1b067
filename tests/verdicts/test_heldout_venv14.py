"""Fourteenth held-out round for the venv verdicts (issue 23): an editable install's metadata
against its source's pyproject.toml (PEP 660, PEP 621), extra names compared as PEP 685
normalizes them, pip's ``require-hashes`` meeting the ``pip install`` a fix prints, a
constraints file (``-c``) inside requirements.txt, a self-referencing extra (PEP 621 with pip's
recursive optional dependencies) in a Hatch environment's ``features``, and Poetry's
``packages`` ``from``. Six breakages and four healthy neighbours that no row of
docs/verdicts/venv.md, no earlier round and no sweep lists, all made beside one copy of the venv
lab's Poetry project (its environment shared through a ``.venv`` link) and judged by one start
of that environment's interpreter (tests/verdicts/venv_project_runner.py; one Poetry process
answering the two Poetry projects).

How the set was made (2026-12-07), from the sources of truth and before running envcheck on any
of them:

- PEP 660 / PEP 621, an editable install's metadata is written when it is installed
  (setuptools' development mode docs: a change of the dependencies in pyproject.toml needs the
  editable install run again): libx, installed editable (its path hook ``.pth`` and PEP 610's
  ``dir_info`` ``editable: true``) when it needed nothing, now declares
  ``dependencies = ["demo-new>=1"]`` and imports it; demo-new is not installed: ``import libx``
  fails with ModuleNotFoundError while ``pip check`` is content (its METADATA has no
  ``Requires-Dist``) (breakage). Its healthy neighbour: liby's pyproject.toml says ``"Demo_Alpha
  >= 1.0"``, its METADATA ``demo-alpha>=1.0`` (one requirement, spelled two ways; PEP 503
  names), installed: ``import liby`` works (must pass).
- PEP 685, extra names are normalized before they are compared: demo-ext provides
  ``fast-mode`` (``Requires-Dist: demo-fast; extra == "fast-mode"``), the project asks for
  ``demo-ext[Fast_Mode]``, demo-fast is installed (healthy: pip installs nothing and does not
  warn). demo-ext2's older METADATA spells its extra ``fast_mode`` (``Requires-Dist:
  demo-speedup; extra == "fast_mode"``, as setuptools' ``safe_extra`` wrote it), the project asks
  for ``demo-ext2[fast-mode]``, the same extra; demo-speedup is not installed: pip's ``--dry-run``
  would install it (breakage; "provides no extra" would be a wrong cause).
- pip's ``--require-hashes`` (the ``PIP_REQUIRE_HASHES`` variable, pip's configuration): every
  requirement must be pinned with ``==`` and carry ``--hash`` ("Hashes are required in
  --require-hashes mode, but they are missing from some requirements"): with it
  set in the shell of an offline CI (``PIP_NO_INDEX``, ``PIP_FIND_LINKS`` to its wheel
  directory), the project's demo-delta is missing and a plain ``pip install 'demo-delta>=1'`` is
  refused (breakage; the fix must undo it for its own command, and is run).
- pip's requirements-file format, ``-c``/``--constraint`` (pip's user guide, constraints files:
  they control which version is installed, they do not cause an install): requirements.txt has
  ``-c constraints.txt`` (a path relative to the file), and the team's constraints pin
  ``demo-alpha==1.1`` while 1.0 is installed: ``pip install -r requirements.txt`` would install
  1.1 (breakage). Its healthy neighbour: the constraints pin ``demo-unused==9.0``, which nothing
  requires and which is not installed: nothing to install (must pass, and demo-unused must not be
  asked for).
- PEP 621 with pip's recursive optional dependencies (pip 21.2: an extra may name the project
  itself): ``all = ["svc[rapid]"]``, ``rapid = ["demo-rapid"]``, and Hatch's default environment
  has ``features = ["all"]``; demo-rapid is not installed (breakage; ``svc`` itself is the
  project, not a package to ask for).
- Poetry's ``packages`` (``include`` with ``from``): ``{include = "svc_a", from = "lib"}``, the
  package moved to ``src/svc_a`` since its editable install (the path hook names ``lib``):
  ``poetry build`` and ``poetry install`` stop ("lib/svc_a does not contain any element") while
  ``poetry check`` says "All set!" (breakage; ``poetry install`` alone cannot be the fix, nor a
  reinstall of the editable). Its healthy neighbour: ``from = "lib"`` with ``lib/svc_b`` there,
  installed editable: Poetry builds it (must pass).

Proven with the real tools before a grade counts: pip's ``--dry-run`` (the constraint, the
extras, ``require-hashes``), ``pip check`` and the imports of the editable installs, and Poetry's
``build`` in the same batch that answers envcheck's questions. Hatch is not on this machine: the
self-referencing extra is proven by reading it as pip does (packaging's ``Requirement``).

Checked against the table and the rounds (``grep`` over docs/verdicts/venv.md,
tests/verdicts/test_heldout_venv*.py and test_venv*.py): ``Fast_Mode``, ``REQUIRE_HASHES``,
``constraints.txt`` and ``svc[`` occur nowhere; ``require-hashes`` only as round 13's proof of
hashed requirements that pass, ``-c`` only as ``PIP_CONSTRAINT`` against pylock.toml (round 11)
and pip-tools' layered ``.in`` files (the manager sweep); ``685`` only for an extra the
distribution does not declare at all (``venv-extra-not-provided``); the editable rows are
directories gone or moved, path hooks and import hooks, never the source's declared dependencies
against the installed METADATA; ``features`` only without a self-reference (round 13);
``from = "src"`` only as a healthy layout (round 5), and the package-mode row only by poetry-core's
rule for the name. Not taken (rows exist): markers false here, ``Requires-Python`` of an
installed distribution, a package installed twice, an optional Poetry group, ``in-project =
false`` with a stray ``.venv``, ``PIP_CONSTRAINT``, a dependency group's names equal once
normalized (the project sweep). The grading is round one's (``grade`` in
tests/verdicts/test_heldout_servers.py) with round twelve's addition for the healthy neighbours:
no check about the names in ``quiet`` may fail or warn. Caution on independence: the person who
wrote these had read the earlier rounds, the sweeps, the table, the runner and envcheck's
pylock.toml reader (so no pylock.toml case was taken), not how the other checks decide.

Expectations committed before the first run: e2297f9.

First run (envcheck at e2297f9, before any change; 2026-12-07): **5 of 10 fully right** (the
four healthy neighbours and venv-extra-legacy-spelling-missing: package[demo-ext2] "demo-ext2
1.0 is installed without its extra 'fast-mode': demo-speedup is not installed", fix ``pip
install 'demo-ext2[fast-mode]'``), none partly, 5 wrong; of the six breakages one fully right.
Wrong: venv-editable-source-requires-more (a false pass: package[libx] "libx 1.0", consistency
"all requirements met"; the grading function said partly only because it fell back to
local-installs, which failed for another case's project in the shared environment),
venv-pip-require-hashes (package[demo-delta] "demo-delta is not installed", right, but its fix
``pip install 'demo-delta>=1'``, run by envcheck's step runner in that shell, is refused: "In
--require-hashes mode, all requirements must have their versions pinned with ==": a fix that
does not fix; the grading function said partly), venv-requirements-constraint-pin (a false
pass: package[demo-alpha] "demo-alpha 1.0", the ``-c`` line not followed),
venv-hatch-self-extra (a false alarm and a false pass: dev-package[svc] "svc is not
installed", the project itself asked for, fix ``hatch run default:python -c pass``; no check
for demo-rapid), venv-poetry-packages-from-gone (a false pass: project "pyproject.toml
(pytest's rootdir)"; the only failure, local-installs' "its path hook demo_svc_a.pth names
.../lib, which no longer exists", prints ``pip install -e`` of the project, which fails on the
same ``packages`` entry: "lib/svc_a does not contain any element"). One construction detail
corrected after the first run, not an expectation: the require-hashes proof asked for pip's
"Hashes are required" while pip refuses an unpinned requirement first ("all requirements must
have their versions pinned with =="); both are the mode's refusal. Read while grading, not
counted: every project's local-installs fails for demo-svc-a, whose path hook the
packages-from-gone case leaves dangling in the shared environment (one environment judged by
all ten; in a real machine each project has its own); no healthy neighbour lists that check.

After (verdicts from structure: PEP 610's ``dir_info.editable`` and the project's own
pyproject.toml against the installed METADATA, PEP 685's normalized extra names, pip's settings
read with pip's own order, the requirements file's ``-c`` lines, Hatch's ``features`` and the
project's own name, poetry-core's ``packages`` entries against the files): 10 of 10 fully right,
each a row of docs/verdicts/venv.md (``ASSERTED``) asserted on the run. An editable install
whose source now declares a requirement the environment lacks fails its package check (the
install is to be repeated); ``PIP_REQUIRE_HASHES`` is undone for the printed ``pip install``
(``PIP_REQUIRE_HASHES=0``) and named, and the fix, run in that shell, installs; a requirements
file's constraints narrow the requirement they name (a constraint of nothing required is
ignored); an extra naming the project itself is followed to the extras it names; a Poetry
``packages`` entry that names nothing fails venv/project, with an Edit of ``from`` to where the
package is now, before the install that stops on it. The env built for the ten is probed by one
start of its interpreter (``probed``) instead of one per case.

One expectation narrowed later (eleventh session), disclosed here: venv-hatch-self-extra's
``never`` held any "pip install" (and any "poetry") in any check of the run. Since round 26
(packages.py ``_moved_inside``), the local-installs failure for demo-svc-a that this docstring
already calls not counted (the packages-from-gone case's path hook, dangling in the shared
environment) names where svc_a is now (in the project venv-poetry-packages-from-gone) and
prints pip's editable reinstall for that package; the ``never`` now holds the installs a wrong
verdict of this case would print (pip's of demo-rapid, svc or the project, Poetry's).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from tests.throwaway import make_wheel
from tests.verdicts.test_heldout_servers import Expect, fully_right_row
from tests.verdicts.test_heldout_venv12 import pep621, plain
from tests.verdicts.test_venv_project_sweep import copy_project
from tests.verdicts.venv_lab import Lab, claimed_world, run, run_jobs

Checks = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Held:
    expect: Expect
    #: makes the project under projects/<ident>; returns the variables its shell has
    make: Callable[[Lab, Path], dict[str, str | None]]
    #: proves it from the tools' answers after the run (Poetry's batch in ``said``)
    prove: Callable[[Lab, Path, dict[str, Any]], None] | None = None
    #: check ids (substrings) that must not fail or warn (the healthy neighbours)
    quiet: tuple[str, ...] = ()
    #: a project Poetry keeps (its questions go to the batch)
    poetry: bool = False


CASES: dict[str, Held] = {}
#: wheels pip installs into the shared environment (one pip run)
WHEELS: list[Path] = []
#: PEP 610 records written after that run: {dist-info directory name: direct_url.json data}
DIRECT: dict[str, dict[str, Any]] = {}
#: Poetry commands a project's job runs in the batch before envcheck's questions
BEFORE: dict[str, list[list[str]]] = {}


def case(
    ident: str,
    expect: Expect,
    prove: Callable[[Lab, Path, dict[str, Any]], None] | None = None,
    quiet: tuple[str, ...] = (),
    poetry: bool = False,
) -> Callable[
    [Callable[[Lab, Path], dict[str, str | None]]], Callable[[Lab, Path], dict[str, str | None]]
]:
    def register(
        make: Callable[[Lab, Path], dict[str, str | None]],
    ) -> Callable[[Lab, Path], dict[str, str | None]]:
        CASES[ident] = Held(expect, make, prove, quiet, poetry)
        return make

    return register


def root_of(lab: Lab, ident: str) -> Path:
    return lab.tmp / "projects" / ident


def installed_wheels(lab: Lab) -> Path:
    directory = lab.tmp / "wheels-14"
    directory.mkdir(exist_ok=True)
    return directory


def index(lab: Lab) -> Path:
    """Wheels pip may find (``--find-links``) and that are not installed."""
    directory = lab.tmp / "index-14"
    directory.mkdir(exist_ok=True)
    return directory


def site_packages(lab: Lab) -> Path:
    return next((lab.app / ".venv" / "lib").glob("python3*/site-packages"))


def pip_says(lab: Lab, *args: str, env: dict[str, str] | None = None) -> str:
    done = run(
        lab,
        [str(lab.python()), "-m", "pip", "--disable-pip-version-check", "install", *args],
        env or {},
    )
    return f"exit {done.returncode}\n{done.stdout}{done.stderr}"


#: what one start of the environment's interpreter found (:func:`probed`)
PROBE: dict[str, Any] = {}

_PROBE = """
import importlib, importlib.metadata, io, json, sys, contextlib
out = {}
for module in ("libx", "liby"):
    try:
        importlib.import_module(module)
        out[module] = ""
    except ImportError as exc:
        out[module] = f"{type(exc).__name__}: {exc}"
try:
    out["demo-rapid"] = importlib.metadata.version("demo-rapid")
except importlib.metadata.PackageNotFoundError:
    out["demo-rapid"] = None
from pip._internal.cli.main import main
said = io.StringIO()
with contextlib.redirect_stdout(said):
    out["pip check"] = main(["check"])
out["pip check said"] = said.getvalue()
print(json.dumps(out))
"""


def probed(lab: Lab) -> dict[str, Any]:
    """The editable installs imported, ``pip check`` (pip's own ``main``) and demo-rapid's
    metadata, all by one start of the environment's interpreter (after envcheck's run)."""
    if not PROBE:
        done = run(lab, [str(lab.python()), "-c", _PROBE], {})
        assert done.returncode == 0, done.stderr
        PROBE.update(json.loads(done.stdout.splitlines()[-1]))
    return PROBE


def record_direct_url(lab: Lab, info_name: str, data: dict[str, Any]) -> None:
    """The installed distribution's ``direct_url.json`` as the installer of an editable install
    writes it (and RECORD's line for it)."""
    info = site_packages(lab) / info_name
    text = json.dumps(data, sort_keys=True)
    (info / "direct_url.json").write_text(text)
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
    line = f"{info.name}/direct_url.json,sha256={digest.decode()},{len(text.encode())}"
    record = info / "RECORD"
    lines = [
        row
        for row in record.read_text().splitlines()
        if not row.startswith(f"{info.name}/direct_url.json,")
    ]
    record.write_text("\n".join([*lines, line]) + "\n")


def editable(lab: Lab, name: str, version: str, source: Path, path: Path, **kw: Any) -> None:
    """``name`` installed editable from ``source`` (its path hook naming ``path``)."""
    module = name.replace("-", "_")
    files = {f"__editable__.{module}-{version}.pth": f"{path}\n"}
    WHEELS.append(make_wheel(installed_wheels(lab), name, version, files=files, **kw))
    DIRECT[f"{module}-{version}.dist-info"] = {
        "url": source.as_uri(),
        "dir_info": {"editable": True},
    }


# -- PEP 660: an editable install's metadata against its source ---------------------------------


def library(lab: Lab, name: str, dependencies: list[str], imports: str) -> Path:
    source = lab.tmp / "sources" / name
    (source / "src" / name).mkdir(parents=True)
    listed = ", ".join(json.dumps(d) for d in dependencies)
    (source / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        f'[project]\nname = "{name}"\nversion = "1.0"\nrequires-python = ">=3.11"\n'
        f"dependencies = [{listed}]\n"
    )
    (source / "src" / name / "__init__.py").write_text(f"import {imports}\n")
    return source


def libx_proof(lab: Lab, root: Path, said: dict[str, Any]) -> None:
    found = probed(lab)
    assert "No module named 'demo_new'" in found["libx"], found
    assert "libx" not in found["pip check said"], found


@case(
    "venv-editable-source-requires-more",
    Expect(
        "venv/package[libx]|venv/consistency|venv/local-installs",
        "fail",
        ("demo-new", "pyproject.toml", "editable"),
        ("-e",),
    ),
    libx_proof,
)
def editable_requires_more(lab: Lab, root: Path) -> dict[str, str | None]:
    """libx installed editable when it needed nothing; its pyproject.toml now requires
    demo-new, not installed."""
    source = library(lab, "libx", ["demo-new>=1"], "demo_new")
    editable(lab, "libx", "1.0", source, source / "src")
    make_wheel(index(lab), "demo-new", "1.0")
    pep621(root, lab, "libx")
    return {}


def liby_proof(lab: Lab, root: Path, said: dict[str, Any]) -> None:
    found = probed(lab)
    assert found["liby"] == "", found


@case(
    "venv-editable-source-requires-same",
    Expect("venv/package[liby]", "pass"),
    liby_proof,
    quiet=("liby",),
)
def editable_requires_same(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: liby's ``"Demo_Alpha >= 1.0"`` is its METADATA's
    ``demo-alpha>=1.0``, installed."""
    source = library(lab, "liby", ["Demo_Alpha >= 1.0"], "demo_alpha")
    editable(lab, "liby", "1.0", source, source / "src", requires=("demo-alpha>=1.0",))
    pep621(root, lab, "liby")
    return {}


# -- PEP 685: extra names normalized --------------------------------------------------------------


def extra_proof(requirement: str, would: str) -> Callable[[Lab, Path, dict[str, Any]], None]:
    def prove(lab: Lab, root: Path, said: dict[str, Any]) -> None:
        out = pip_says(
            lab,
            "--dry-run",
            "--no-index",
            "--find-links",
            str(installed_wheels(lab)),
            "--find-links",
            str(index(lab)),
            "--find-links",
            str(lab.app / "wheels"),
            requirement,
        )
        assert "exit 0" in out and "does not provide the extra" not in out, out
        if would:
            assert f"Would install {would}" in out, out
        else:
            assert "Would install" not in out, out

    return prove


@case(
    "venv-extra-name-normalized",
    Expect("venv/package[demo-ext]", "pass"),
    extra_proof("demo-ext[Fast_Mode]", ""),
    quiet=("demo-ext", "demo-fast"),
)
def extra_normalized(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: ``demo-ext[Fast_Mode]``; demo-ext provides ``fast-mode``, whose
    demo-fast is installed."""
    WHEELS.append(
        make_wheel(
            installed_wheels(lab),
            "demo-ext",
            "1.0",
            requires=('demo-fast; extra == "fast-mode"',),
            extras=("fast-mode",),
        )
    )
    WHEELS.append(make_wheel(installed_wheels(lab), "demo-fast", "1.0"))
    pep621(root, lab, "demo-ext[Fast_Mode]")
    return {}


@case(
    "venv-extra-legacy-spelling-missing",
    Expect(
        "venv/package[demo-ext2]|venv/package[demo-speedup]|venv/consistency",
        "fail",
        ("demo-speedup", "fast"),
        ("pip install",),
        never=("provides no extra",),
    ),
    extra_proof("demo-ext2[fast-mode]", "demo-speedup-1.0"),
)
def extra_legacy_spelling(lab: Lab, root: Path) -> dict[str, str | None]:
    """``demo-ext2[fast-mode]``; its METADATA spells the extra ``fast_mode``; its
    demo-speedup is not installed."""
    WHEELS.append(
        make_wheel(
            installed_wheels(lab),
            "demo-ext2",
            "1.0",
            requires=('demo-speedup; extra == "fast_mode"',),
            extras=("fast_mode",),
        )
    )
    make_wheel(index(lab), "demo-speedup", "1.0")
    pep621(root, lab, "demo-ext2[fast-mode]")
    return {}


# -- pip: require-hashes, constraints files -------------------------------------------------------


def hashes_env(lab: Lab) -> dict[str, str]:
    return {
        "PIP_REQUIRE_HASHES": "1",
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(index(lab)),
    }


def hashes_proof(lab: Lab, root: Path, said: dict[str, Any]) -> None:
    out = pip_says(lab, "--dry-run", "demo-delta>=1", env=hashes_env(lab))
    # pip refuses before it looks for hashes: "In --require-hashes mode, all requirements must
    # have their versions pinned with ==" (a pinned one: "Hashes are required in
    # --require-hashes mode")
    assert "exit 1" in out and "--require-hashes mode" in out, out


@case(
    "venv-pip-require-hashes",
    Expect(
        "venv/package[demo-delta]",
        "fail",
        ("demo-delta", "not installed"),
        ("PIP_REQUIRE_HASHES",),
        heals=True,
    ),
    hashes_proof,
)
def require_hashes(lab: Lab, root: Path) -> dict[str, str | None]:
    """``PIP_REQUIRE_HASHES=1`` (offline: ``PIP_NO_INDEX``, ``PIP_FIND_LINKS``); demo-delta,
    required, not installed."""
    make_wheel(index(lab), "demo-delta", "1.0")
    pep621(root, lab, "demo-delta>=1")
    return dict(hashes_env(lab))


PYTEST_ONLY = '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'


def constrained(lab: Lab, root: Path, requirements: str, constraints: str) -> None:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYTEST_ONLY)
    (root / "requirements.txt").write_text(requirements)
    (root / "constraints.txt").write_text(constraints)
    (root / ".venv").symlink_to(lab.app / ".venv")


def constraint_proof(would: str) -> Callable[[Lab, Path, dict[str, Any]], None]:
    def prove(lab: Lab, root: Path, said: dict[str, Any]) -> None:
        out = pip_says(
            lab,
            "--dry-run",
            "--no-index",
            "--find-links",
            str(lab.app / "wheels"),
            "--find-links",
            str(index(lab)),
            "-r",
            str(root / "requirements.txt"),
        )
        assert "exit 0" in out, out
        if would:
            assert f"Would install {would}" in out, out
        else:
            assert "Would install" not in out, out

    return prove


@case(
    "venv-requirements-constraint-pin",
    Expect(
        "venv/package[demo-alpha]|venv/lock-drift",
        "fail",
        ("1.1", "constraints.txt"),
        ("requirements.txt",),
    ),
    constraint_proof("demo-alpha-1.1"),
)
def constraint_pin(lab: Lab, root: Path) -> dict[str, str | None]:
    """requirements.txt ``-c constraints.txt``, which pins ``demo-alpha==1.1``; 1.0 is
    installed."""
    make_wheel(index(lab), "demo-alpha", "1.1")
    constrained(
        lab,
        root,
        "-c constraints.txt\ndemo-alpha\ndemo-beta\n",
        "# the team's pins\ndemo-alpha==1.1\n",
    )
    return {}


@case(
    "venv-requirements-constraint-unrequired",
    Expect("venv/package[demo-alpha]", "pass"),
    constraint_proof(""),
    quiet=("demo-unused", "demo-alpha"),
)
def constraint_unrequired(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: the constraints pin demo-unused, which nothing requires."""
    constrained(
        lab,
        root,
        "--constraint constraints.txt\ndemo-alpha\n",
        "demo-unused==9.0\ndemo-alpha>=1\n",
    )
    return {}


# -- a self-referencing extra in Hatch's features ------------------------------------------------


def self_extra_proof(lab: Lab, root: Path, said: dict[str, Any]) -> None:
    import tomllib

    data = tomllib.loads((root / "pyproject.toml").read_text())
    (entry,) = data["project"]["optional-dependencies"]["all"]
    assert Requirement(entry).name == data["project"]["name"]
    assert Requirement(entry).extras == {"rapid"}
    assert probed(lab)["demo-rapid"] is None, probed(lab)


@case(
    "venv-hatch-self-extra",
    Expect(
        "venv/dev-package[demo-rapid]|venv/package[demo-rapid]",
        "fail",
        ("demo-rapid", "all"),
        ("hatch",),
        # (narrowed from any "pip install" and "poetry" after round 26: the docstring's end)
        never=(
            "pip install demo-rapid",
            "pip install svc",
            "pip install -e .",
            "poetry install",
            "poetry add",
            "svc is not installed",
        ),
    ),
    self_extra_proof,
)
def hatch_self_extra(lab: Lab, root: Path) -> dict[str, str | None]:
    """Hatch: ``features = ["all"]``, ``all = ["svc[rapid]"]``, ``rapid = ["demo-rapid"]``;
    demo-rapid not installed."""
    make_wheel(index(lab), "demo-rapid", "1.0")
    plain(
        root,
        lab,
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        '[project]\nname = "svc"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        'dependencies = ["demo-alpha>=1"]\n\n[project.optional-dependencies]\n'
        'all = ["svc[rapid]"]\nrapid = ["demo-rapid"]\n\n'
        '[tool.hatch.envs.default]\ntype = "virtual"\npath = ".venv"\nfeatures = ["all"]\n',
    )
    return {}


# -- Poetry's packages ``from`` -------------------------------------------------------------------

BUILD = ["build", "--format", "wheel"]


def packaged(lab: Lab, root: Path, name: str, module: str, at: str) -> None:
    """The lab's Poetry project as ``name`` with ``packages = [{include = module, from =
    "lib"}]`` (package-mode), its package in ``at``, installed editable from ``lib``."""
    copy_project(lab, root.name)
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text().replace("package-mode = false\n", "")
    text = text.replace('name = "demo-app"', f'name = "{name}"')
    text = text.replace(
        "[tool.poetry]\n", f'[tool.poetry]\npackages = [{{include = "{module}", from = "lib"}}]\n'
    )
    text += (
        '\n[build-system]\nrequires = ["poetry-core>=2.0"]\n'
        'build-backend = "poetry.core.masonry.api"\n'
    )
    pyproject.write_text(text)
    (root / at / module).mkdir(parents=True)
    # a move of lib/<module> leaves lib/ empty: the editable's path hook still names a directory
    (root / "lib").mkdir(exist_ok=True)
    (root / at / module / "__init__.py").write_text(f"NAME = {name!r}\n")
    # as `poetry install` installed the project when its package was in lib/
    dist = name.replace("-", "_")
    files = {f"{dist}.pth": f"{root / 'lib'}\n"}
    WHEELS.append(make_wheel(installed_wheels(lab), name, "0.1.0", files=files))
    DIRECT[f"{dist}-0.1.0.dist-info"] = {"url": root.as_uri(), "dir_info": {"editable": True}}
    BEFORE[str(root)] = [BUILD]


def built(ok: bool) -> Callable[[Lab, Path, dict[str, Any]], None]:
    def prove(lab: Lab, root: Path, said: dict[str, Any]) -> None:
        build = said[str(root)]["before0"]
        words = build["stdout"] + build["stderr"]
        if ok:
            assert build["returncode"] == 0, words
            assert said[str(root)]["lock"]["returncode"] == 0, said[str(root)]["lock"]
        else:
            assert build["returncode"] != 0 and "does not contain any element" in words, words

    return prove


@case(
    "venv-poetry-packages-from-gone",
    Expect(
        "venv/project",
        "fail|warn",
        ("lib", "svc_a"),
        ("src",),
        never=("pip install -e",),
    ),
    built(False),
    poetry=True,
)
def packages_from_gone(lab: Lab, root: Path) -> dict[str, str | None]:
    """Poetry: ``{include = "svc_a", from = "lib"}``; the package moved to ``src/svc_a``."""
    packaged(lab, root, "demo-svc-a", "svc_a", "src")
    return {}


@case(
    "venv-poetry-packages-from-lib",
    Expect("venv/project", "pass"),
    built(True),
    quiet=("venv/project", "venv/package", "venv/lock", "venv/poetry-env"),
    poetry=True,
)
def packages_from_lib(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: ``{include = "svc_b", from = "lib"}``, ``lib/svc_b`` there."""
    packaged(lab, root, "demo-svc-b", "svc_b", "lib")
    return {}


#: the world as this test process read it (built once per session: :func:`claimed_world`)
_BUILT: dict[str, dict[str, Any]] = {}


@pytest.fixture
def world(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Every case made beside one copy of the lab project, then one run judges them all."""
    return claimed_world(
        "venv14", "all", request, ("all",), dict.fromkeys(CASES, "all"), build, _BUILT, other=False
    )


def build(name: str, lab: Lab) -> dict[str, Any]:
    WHEELS.clear()
    DIRECT.clear()
    BEFORE.clear()
    PROBE.clear()
    lab.project()
    envs = {ident: held.make(lab, root_of(lab, ident)) for ident, held in CASES.items()}
    lab.pip(lab.python(), "install", "--no-deps", "--no-index", *map(str, WHEELS))
    for info, data in DIRECT.items():
        record_direct_url(lab, info, data)
    jobs = [
        {
            "ident": ident,
            "root": str(root_of(lab, ident)),
            "env": envs[ident],
            "poetry": held.poetry,
            "before": BEFORE.get(str(root_of(lab, ident))),
        }
        for ident, held in CASES.items()
    ]
    found = run_jobs(lab, jobs, "venv14", {"SWEEP_ASK_POETRY": "1"})
    assert "results" in found, found
    proofs = {}
    for ident, held in CASES.items():
        try:
            if held.prove is not None:
                held.prove(lab, root_of(lab, ident), found["poetry"])
        except (AssertionError, KeyError, ValueError) as exc:
            proofs[ident] = repr(exc)
    return {"found": found, "proofs": proofs, "healed": heal(lab, found, envs)}


HEALED = "venv-pip-require-hashes"
MOVED = "venv-poetry-packages-from-gone"


def heal(
    lab: Lab, found: dict[str, Any], envs: dict[str, dict[str, str | None]]
) -> dict[str, list[str]]:
    """Two printed fixes run by envcheck's step runner, then both projects judged again by one
    start of the interpreter (one Poetry process): the require-hashes case's ``pip install``
    in that shell (``PIP_REQUIRE_HASHES=1``, offline from its wheel directory), after which its
    package check passes; and the packages entry's Edit step (``from`` where the package is
    now), after which Poetry builds the project (``poetry build`` in the same batch) and the
    project check no longer names the entry. That fix's ``poetry install`` is not run (it would
    install the project into the environment all ten cases share)."""
    out: dict[str, list[str]] = {}
    jobs: list[dict[str, Any]] = []
    check = found["results"][HEALED].get("checks", {}).get("venv/package[demo-delta]")
    env = {k: v for k, v in envs[HEALED].items() if v is not None}
    if check is not None and check["status"] != "pass":
        try:
            lab.apply(check, rootdir=root_of(lab, HEALED), **env)
        except AssertionError as exc:
            out[HEALED] = [f"the fix did not apply: {exc}"]
        else:
            jobs.append({"ident": HEALED, "root": str(root_of(lab, HEALED)), "env": env})
            jobs[-1]["poetry"] = False
    check = found["results"][MOVED].get("checks", {}).get("venv/project")
    if check is not None and check["status"] != "pass":
        fix = check.get("fix") or {}
        edits = [s for s in fix.get("steps") or () if s["kind"] == "edit"]
        try:
            assert edits, "no Edit step to run"
            lab.apply({**check, "fix": {**fix, "steps": edits}}, rootdir=root_of(lab, MOVED))
        except AssertionError as exc:
            out[MOVED] = [f"the fix did not apply: {exc}"]
        else:
            root = str(root_of(lab, MOVED))
            jobs.append({"ident": MOVED, "root": root, "poetry": True, "before": [BUILD]})
    if not jobs:
        return out
    again = run_jobs(lab, jobs, "venv14-healed", {"SWEEP_ASK_POETRY": "1"})
    after = again.get("results", {})
    if HEALED in after:
        status = after[HEALED].get("checks", {}).get("venv/package[demo-delta]", {})
        out[HEALED] = [] if status.get("status") == "pass" else [f"after the fix: {status}"]
    if MOVED in after:
        built = again.get("poetry", {}).get(str(root_of(lab, MOVED)), {}).get("before0", {})
        project = after[MOVED].get("checks", {}).get("venv/project", {})
        out[MOVED] = []
        if built.get("returncode") != 0:
            out[MOVED].append(f"poetry build after the edit: {built}")
        if "names nothing" in f"{project.get('summary')}":
            out[MOVED].append(f"after the edit: {project.get('summary')}")
    return out


@pytest.mark.parametrize("ident", sorted(CASES))
def test_venv(ident: str, world: dict[str, Any]) -> None:
    held = CASES[ident]
    assert "found" in world, world
    assert ident not in world["proofs"], f"not proven: {world['proofs'][ident]}"
    result = world["found"]["results"][ident]
    assert "checks" in result, result
    checks: Checks = result["checks"]
    loud = [
        f"{c['id']}: {c['status']}: {c['summary']}"
        for c in checks.values()
        if c["status"] not in ("pass", "skip") and any(q in c["id"] for q in held.quiet)
    ]
    assert not loud, f"wrong (a false alarm): {loud}"
    healed = world["healed"].get(ident, [])
    if held.expect.heals and ident != HEALED:
        healed = [*healed, "no executed fix"]
    fully_right_row("venv", ident, held.expect, list(checks.values()), healed)


#: the rows of docs/verdicts/venv.md this module asserts
ASSERTED = tuple(CASES)
