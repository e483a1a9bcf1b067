"""Nineteenth held-out round for the venv verdicts (issue 23): PEP 751 lock files whose
packages' sources no longer install: a wheel whose file no longer has the locked hash, a
locked wheel file gone, a locked local directory gone, and a package locked with wheels for
other platforms only. Four breakages and two healthy neighbours that no row of
docs/verdicts/venv.md, no earlier round and no sweep lists, all made beside one copy of the
venv lab's Poetry project (its environment shared through a ``.venv`` link, projects in
p00..p05 so no path carries a case's words) and judged by one start of that environment's
interpreter (tests/verdicts/venv_project_runner.py; no project here is Poetry's, so Poetry is
asked nothing).

In each breakage what is installed is what the lock names (the same versions): the
environment works today, and every install from the lock (a fresh clone, CI, ``pip install
-r pylock.toml --ignore-installed``, a rebuilt environment) stops. A verdict "the installed
packages match the lock" is a false pass, and a fix that is ``pip install -r pylock.toml`` is
one that fails.

How the set was made (2026-12-07), from the sources of truth and before running envcheck on any
of them:

- PEP 751 ``[[packages.wheels]]`` ``hashes`` ("installers MUST verify the file's hash"; pip
  26.3: "THESE PACKAGES DO NOT MATCH THE HASHES"): demo-hsh 1.0 installed; the lock's wheel
  URL names a file rebuilt since it was locked (its sha256 is another) (breakage). Its healthy
  neighbour: demo-hsm 1.0 installed, its locked wheel file unchanged (must pass).
- PEP 751 ``url``/``path`` of a wheel (the file the installer fetches): demo-gon 1.0
  installed, its locked wheel file ``file:///.../gone/demo_gon-1.0-py3-none-any.whl`` removed
  (pip: ``OSError`` "No such file or directory") (breakage).
- PEP 751 ``[packages.directory]`` (``path`` "relative to the lock file", ``editable``): the
  lock installs ``libs/core-a`` editable, and ``libs/core-a`` is gone (moved in a refactor);
  core-a is not installed (pip: "does not appear to be a Python project"): ``pip install -r
  pylock.toml`` is no fix (breakage). Its healthy neighbour: ``libs/core``, a PEP 621 project
  with an in-tree backend (round 17's), core 0.1 installed (must pass).
- PEP 751 ``wheels`` and the installer's choice ("installers MUST ... select a compatible
  wheel ... or an sdist", else error; pip 26.3: "No wheel found matching the provided tags for
  package ..., and no sdist available as a fallback"): demo-tag 1.0 installed (a pure wheel),
  the lock lists only ``demo_tag-1.0-cp39-cp39-win_amd64.whl`` and no marker, no sdist
  (breakage).

Proven with the real tools before a grade counts, by one start of the environment's interpreter
after envcheck's run (:meth:`Round.pip_probed`): pip 26.3's own ``main`` (``install --dry-run
--ignore-installed --no-index -r pylock.toml`` in the project's directory, as a fresh install
reads the lock); ``importlib.metadata`` for what is installed; ``packaging.pylock`` (the
specification's reader) accepts every lock file as written.

Checked against the table and the rounds before choosing (``grep -c -F`` over
docs/verdicts/venv.md, tests/verdicts/test_heldout_venv*.py and tests/verdicts/test_venv*.py,
the four sweeps among them): ``directory = {``, ``archive = {``, ``HashMismatch``, ``THESE
PACKAGES DO NOT MATCH``, ``packages.directory`` occur nowhere; ``pylock`` only as rows of
versions, markers, ``environments``, ``default-groups`` and two entries (rounds 10, 15, 16,
17), each judged by name and version, never by the file a package is installed from. Not
taken (rows or code exist): pylock ``requires-python`` and a ``lock-version`` 2
(checks/venv/pylock.py reads both; the table's introduction names them), Poetry's path
dependency whose file is gone or changed (``venv-lock-path-file-gone``,
``venv-lock-path-file-changed``), an installed distribution's ``Requires-Dist`` that is not
PEP 508 (checks/venv/packages.py). The grading is round one's (``grade`` in
tests/verdicts/test_heldout_servers.py) with round twelve's addition for the healthy
neighbours: no check about the names in ``quiet`` may fail or warn. Caution on independence:
the person who wrote these had read the earlier rounds, the runner and the docs table (whose
pylock rows name checks/venv/pylock.py), and grepped pylock.py for the two keys above, not read
how it judges a package.

Expectations committed before the first run: c0627fd.

First run (envcheck at c0627fd, before any change; 2026-12-07): **2 of 6 fully right** (the two
healthy neighbours, venv-pylock-wheel-hash-matches and venv-pylock-directory-there: lock-drift
passes), 0 partly, 4 wrong. Wrong, three a false pass (lock-drift "1 installed packages match
.../pylock.toml"): venv-pylock-wheel-hash-differs, venv-pylock-wheel-file-gone,
venv-pylock-no-wheel-for-here; and venv-pylock-directory-gone: lock-drift "core-a is locked but
not installed" with the fix ``pip install -r pylock.toml``, the install that stops on the
missing directory.

After (verdicts from structure: each applying entry's source table, its local file or
directory (``path`` relative to the lock file, or a ``file:`` URL), the file's hash with the
lock's algorithm, pyproject.toml or setup.py in the directory, and the wheel file names' tags
against ``packaging.tags.sys_tags()``): 6 of 6 fully right, each a row of
docs/verdicts/venv.md (``ASSERTED``) asserted on the run. lock-drift of a pylock.toml fails,
before it compares versions, on a package whose local source no installer can install: a
locked file gone or with another hash, a locked directory gone or holding no project, wheels
whose tags all belong to other platforms with no sdist, archive or VCS source; its fix is a
person's (put the file or project back, or lock again with the tool that made the lock), never
the ``pip install -r`` that stops there (checks/venv/pylock.py ``_unusable``). A remote source
is not fetched. No fix of this round is runnable, so none is executed.

Cost: ``-n 0``, 5.6 user + 1.0 to 1.4 sys CPU-s over three runs (the template's build, one pip
install of five wheels, one runner start for the six projects, one probe), 10 to 20 s wall
beside other sessions' runs.
"""

from __future__ import annotations

import hashlib
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from packaging.pylock import Pylock

from tests.throwaway import make_wheel
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_heldout_venv12 import pep621
from tests.verdicts.test_heldout_venv17 import CORE_BACKEND
from tests.verdicts.venv_lab import Lab, Round, sha256

#: what the probe is asked: {key: [pip's args]}, and the directory each runs in
ASK: dict[str, list[str]] = {}
CWD: dict[str, str] = {}

ROUND = Round(19, clear=(ASK, CWD))
#: wheels pip installs into the shared environment (one pip run)
WHEELS = ROUND.wheels
case = ROUND.case
installed_wheels = ROUND.installed_wheels
index = ROUND.index

NAMES = ("demo-hsh", "demo-hsm", "demo-gon", "demo-tag", "core-a", "core")


def probed(lab: Lab) -> dict[str, Any]:
    """pip's runs and the installed versions, all by one start of the environment's interpreter
    (after envcheck's run)."""
    return ROUND.pip_probed(lab, NAMES, ASK, CWD)


def locked(lab: Lab, root: Path, requirement: str, packages: str) -> None:
    """A project declaring ``requirement``, its pylock.toml holding ``packages`` (the
    ``[[packages]]`` tables' text), read by the specification's reader first; a fresh install
    of the lock is asked of the probe under the directory's name."""
    pep621(root, lab, requirement)
    text = 'lock-version = "1.0"\ncreated-by = "pdm"\nrequires-python = ">=3.11"\n\n' + packages
    Pylock.from_dict(tomllib.loads(text))
    (root / "pylock.toml").write_text(text)
    ASK[root.name] = [
        "--disable-pip-version-check",
        "install",
        "--dry-run",
        "--ignore-installed",
        "--no-index",
        "-r",
        "pylock.toml",
    ]
    CWD[root.name] = str(root)


def wheel_entry(name: str, wheel: Path, digest: str) -> str:
    return (
        f'[[packages]]\nname = "{name}"\nversion = "1.0"\n'
        f'wheels = [{{ url = "{wheel.as_uri()}", hashes = {{ sha256 = "{digest}" }} }}]\n'
    )


def pip_says(code: int, words: str, name: str, version: str | None) -> Callable[[Lab, Path], None]:
    """The proof: the fresh install's exit code and ``words`` in what pip printed; ``name``'s
    installed version."""

    def prove(lab: Lab, root: Path) -> None:
        out = probed(lab)[root.name]
        assert f"exit {code}" in out and words in out, out
        assert probed(lab)["versions"][name] == version, probed(lab)["versions"]

    return prove


# -- a locked wheel's file ------------------------------------------------------------------------


@case(
    "venv-pylock-wheel-hash-differs",
    Expect(
        "venv/lock-drift",
        "fail|warn",
        ("demo-hsh", "sha256"),
        ("pylock.toml",),
        never=("pip install -r",),
    ),
    pip_says(1, "DO NOT MATCH THE HASHES", "demo-hsh", "1.0"),
)
def pylock_wheel_hash_differs(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-hsh 1.0 installed; the locked wheel file was rebuilt since (another sha256)."""
    built = make_wheel(installed_wheels(lab), "demo-hsh", "1.0")
    WHEELS.append(built)
    rebuilt = make_wheel(index(lab), "demo-hsh", "1.0", files={"demo_hsh/__init__.py": "X = 2\n"})
    locked(lab, root, "demo-hsh>=1", wheel_entry("demo-hsh", rebuilt, sha256(built)))
    return {}


@case(
    "venv-pylock-wheel-hash-matches",
    Expect("venv/lock-drift", "pass"),
    pip_says(0, "Would install demo-hsm-1.0", "demo-hsm", "1.0"),
    quiet=("venv/lock-drift", "demo-hsm"),
)
def pylock_wheel_hash_matches(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: demo-hsm 1.0 installed, its locked wheel file unchanged."""
    built = make_wheel(installed_wheels(lab), "demo-hsm", "1.0")
    WHEELS.append(built)
    locked(lab, root, "demo-hsm>=1", wheel_entry("demo-hsm", built, sha256(built)))
    return {}


@case(
    "venv-pylock-wheel-file-gone",
    Expect(
        "venv/lock-drift",
        "fail|warn",
        ("demo-gon", "demo_gon-1.0-py3-none-any.whl"),
        ("pylock.toml",),
        never=("pip install -r",),
    ),
    pip_says(1, "No such file or directory", "demo-gon", "1.0"),
)
def pylock_wheel_file_gone(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-gon 1.0 installed; the locked wheel file (``.../gone/...``) was removed."""
    built = make_wheel(installed_wheels(lab), "demo-gon", "1.0")
    WHEELS.append(built)
    gone = index(lab) / "gone" / built.name
    locked(lab, root, "demo-gon>=1", wheel_entry("demo-gon", gone, sha256(built)))
    return {}


# -- a locked local directory ---------------------------------------------------------------------


@case(
    "venv-pylock-directory-gone",
    Expect(
        "venv/lock-drift",
        "fail|warn",
        ("core-a", "libs/core-a"),
        ("libs/core-a",),
        never=("pip install -r",),
    ),
    pip_says(1, "does not appear to be a Python project", "core-a", None),
)
def pylock_directory_gone(lab: Lab, root: Path) -> dict[str, str | None]:
    """The lock installs ``libs/core-a`` editable; the directory is gone, core-a not
    installed."""
    locked(
        lab,
        root,
        "core-a",
        '[[packages]]\nname = "core-a"\ndirectory = { path = "libs/core-a", editable = true }\n',
    )
    return {}


@case(
    "venv-pylock-directory-there",
    Expect("venv/lock-drift", "pass"),
    pip_says(0, "Would install core-0.1", "core", "0.1"),
    quiet=("venv/lock-drift", "core"),
)
def pylock_directory_there(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: ``libs/core`` a PEP 621 project with its in-tree backend, core 0.1
    installed."""
    WHEELS.append(make_wheel(installed_wheels(lab), "core", "0.1"))
    locked(
        lab,
        root,
        "core",
        '[[packages]]\nname = "core"\ndirectory = { path = "libs/core", editable = true }\n',
    )
    core = root / "libs" / "core"
    (core / "src" / "core").mkdir(parents=True)
    (core / "src" / "core" / "__init__.py").write_text("")
    (core / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["_build"]'
        '\n\n[project]\nname = "core"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
    )
    (core / "_build").mkdir()
    (core / "_build" / "backend.py").write_text(CORE_BACKEND)
    return {}


# -- wheels for other platforms only --------------------------------------------------------------


@case(
    "venv-pylock-no-wheel-for-here",
    Expect(
        "venv/lock-drift",
        "fail|warn",
        ("demo-tag", "win_amd64"),
        ("pylock.toml",),
        never=("pip install -r",),
    ),
    pip_says(1, "No wheel found matching the provided tags", "demo-tag", "1.0"),
)
def pylock_no_wheel_for_here(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-tag 1.0 installed (a pure wheel); the lock lists only a cp39 win_amd64 wheel."""
    built = make_wheel(installed_wheels(lab), "demo-tag", "1.0")
    WHEELS.append(built)
    windows = index(lab) / "demo_tag-1.0-cp39-cp39-win_amd64.whl"
    shutil.copy(built, windows)
    digest = hashlib.sha256(windows.read_bytes()).hexdigest()
    locked(lab, root, "demo-tag>=1", wheel_entry("demo-tag", windows, digest))
    return {}


#: the cases whose printed fix is run (:meth:`Round.heal`), and the check that must pass after
#: it: each breakage is fixed by a person (restore the file or directory, or lock again with
#: the tool that made the lock), so none is listed before the first run

world, test_venv = ROUND.tests()


#: the rows of docs/verdicts/venv.md this module asserts
ASSERTED = tuple(ROUND.cases)
