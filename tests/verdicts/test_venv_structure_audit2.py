"""A second structural audit of the venv verdicts (issue 23), the lock files' fields and a
``.pth`` import line: for each decision point (uvlock.py ``drift``, hooks.py's lock-file check
after its ``lock-version`` range, integrity.py ``path_hooks`` with packages.py ``_hook_gone``),
two different states that reach the same branch and get the same verdict. Three breakages and
two healthy neighbours, each a project (p00..p04) beside one shared environment, judged by one
start of that environment's interpreter (tests/verdicts/venv_lab.py ``Round``).

The predicted mis-tellings (2026-12-08, from reading the code, before any envcheck run):

1. uv.lock's top-level ``requires-python`` (``>=3.12``, written before pyproject.toml's
   ``requires-python`` was relaxed to ``>=3.11``) excludes the running Python: uvlock.py
   ``expected`` never reads it, and ``drift`` compares only the packages' versions, which
   match, so ``venv/lock-drift`` passes; ``uv sync`` and ``uv run`` re-resolve (``uv sync
   --locked`` refuses the lock). Expected: FAIL ``venv/lock-drift`` naming ``requires-python``
   ``>=3.12`` and this Python, fixed by ``uv lock``, never "match".
2. poetry.lock's ``[metadata] lock-version`` ``2.5``: inside the range Poetry 2 reads
   (``>=1,<3``), newer than the format this Poetry writes (its ``Locker._VERSION``, ``2.1``);
   Poetry reads it with a warning that it "might not be compatible" and exits 0 from ``check
   --lock``, and hooks.py passes it as "poetry.lock matches pyproject.toml". Expected: WARN
   ``venv/lock-file`` naming lock-version 2.5 and 2.1, fixed by ``poetry self update`` (or
   ``poetry lock``).
3. A ``.pth`` *import* line with leading blanks (``   import sys; sys.path.insert(...)``, the
   distribution's only way to its code): site.py runs a line as code only when it starts with
   ``import``; indented, it is a path line naming nothing and is skipped. integrity.py
   ``path_hooks`` drops it as "not read", so the hook names nothing and imports nothing, and
   ``_hook_gone`` returns None: ``venv/package`` passes while ``import demo_imi`` fails.
   Expected: FAIL ``venv/package[demo-imi]`` naming ``demo_imi.pth`` and its leading blanks,
   fixed by the command that strips them (run, then judged again: passes), never "no longer
   exists".

4. (outside the shared interpreter: a test of its own) a virtualenv made with
   ``--system-site-packages`` at one place, activated there, then moved with ``mv`` into the
   project as its ``.venv``; the shell still has ``VIRTUAL_ENV`` naming the old place, and
   pytest runs with the moved interpreter: hooks.py ``virtualenv`` reaches the branch for a
   stale ``VIRTUAL_ENV`` naming a removed environment before ``moved_from`` and says "a
   virtualenv activated that was removed", fixed by ``unset VIRTUAL_ENV`` alone; the
   environment was not removed, it is the running one, moved (its ``bin/activate`` and
   pyvenv.cfg name the old place), and its scripts start a Python that is not there.
   Expected: WARN or FAIL ``venv/virtualenv`` naming the old place and the move, fixed by
   making the environment again where it is (``-m venv``) and by the variable, never "was
   removed".

Healthy neighbours (must pass): uv.lock's ``requires-python`` ``>=3.11`` with the same package
installed (``venv/lock-drift`` passes), and a Poetry project whose ``[project] description``
changed after ``poetry lock`` (Poetry's ``content-hash`` covers the declarations, not the
description: ``poetry check --lock`` exits 0, ``venv/lock-file`` passes).

The first audit's leftovers a moved virtualenv made with ``include-system-site-packages`` and a
stale ``VIRTUAL_ENV`` naming the running environment's old place are one state, case 4.

Checked against the table and the rounds before choosing (``grep -r -i`` over
docs/verdicts/venv.md, tests/verdicts/test_heldout_venv*.py and test_venv*.py):
venv-lock-version-new (outside ``>=1,<3``: Poetry refuses), venv-lock-fresh-after-a-comment (a
comment; never a description), venv-uv-lock-drift (versions; never ``requires-python``),
venv-pylock-environments-elsewhere and pylock.py's ``requires-python`` (PEP 751, not uv.lock),
venv-requires-python-excludes (METADATA), venv-two-dists-one-file and
venv-namespace-portions-shared (RECORD), venv-pth-path-line-indented (a path line; an indented
import line only in a unit).

Proven before a grade counts: the environment's interpreter importing each case's module as its
application does, the files' fields, and Poetry's answers (``check --lock``; ``install
--dry-run`` for the lock-version, since ``check --lock`` of a lock without packages reads none
and says nothing: the proof was changed to it after the first run, the expectation was not).

Expectations committed before the first run: 47716af (cases 1 to 3 and the neighbours), dc5d26d
(case 4).

First run (envcheck at 47716af, before any change; the grading is round one's, ``grade`` in
tests/verdicts/test_heldout_servers.py): **2 of 6 fully right** (the two healthy neighbours:
``venv/lock-drift`` "1 installed packages match .../uv.lock", ``venv/lock-file`` "poetry.lock
matches pyproject.toml"; only their rows were missing), 0 partly, 4 wrong, every prediction
held: venv-uv-lock-requires-python-excludes (``venv/lock-drift`` passed "1 installed packages
match"), venv-lock-version-newer-than-poetry (``venv/lock-file`` passed "poetry.lock matches
pyproject.toml"; graded again with 47716af's sources, ``ENVCHECK_LAB_SRC``, once its proof
held), venv-pth-import-line-indented (``venv/package[demo-imi]`` passed "demo-imi 1.0"),
venv-moved-with-stale-virtual-env (FAIL "VIRTUAL_ENV names .../old-place/env, which does not
exist", "a virtualenv activated that was removed", fix ``unset VIRTUAL_ENV`` alone).

After (0494ecb for cases 1 to 3; case 4's fix in the commit after dc5d26d): 6 of 6 fully right,
each a row of docs/verdicts/venv.md in its own section, ``ASSERTED``, registered in
tests/verdicts/test_venv.py. uvlock.py ``_python_excluded``: uv.lock's top-level
``requires-python`` against the running Python; excluded while pyproject.toml's admits it: FAIL
with ``uv lock`` then ``uv sync`` (the lock is older than the declaration), else a person's fix.
hooks.py's lock-file check: ``lock-version`` against the ``Locker._VERSION`` of the Poetry on
PATH (poetry.py ``lock_format``: the ``poetry`` package of the environment its ``#!`` line
names, read with ``ast``, never run); newer: WARN with ``poetry self update`` (or ``poetry
lock``). integrity.py ``path_hooks`` records an indented import line (``indented_import``) and
packages.py ``_indented_hook`` fails the distribution with the command that strips the blanks
and writes RECORD's row. hooks.py ``virtualenv``: ``VIRTUAL_ENV`` naming a missing place that is
where the running environment was made (``diagnose.moved_from``: pyvenv.cfg ``command``,
``bin/activate``) is the move, told before the removed-environment branch: WARN, fixed by
``_fixes.remake`` (``rm -rf`` and ``-m venv`` where it is) and the shell's variable (a person's).
Fixes run: the ``.pth`` command by envcheck's step runner (judged again: passes); the move's
commands by the step runner, then the new interpreter judged without the variable:
``venv/virtualenv`` passes. Not executed: ``uv lock``/``uv sync`` (no uv here, needs an index),
``poetry self update`` (needs the index), the shell's ``deactivate``.

Cost: ``-n 0``, about 8.2 user + 1.1 sys CPU-s with pytest's start (13 to 15 s wall): one pip
run for the wheels, the round's one envcheck run with one Poetry process, one ``poetry install
--dry-run`` (the lock-version's proof), the ``.pth`` command and its re-run; case 4: one ``-m
venv --without-pip``, two envcheck runs of the moved interpreter and the executed remake (``-m
venv`` with ensurepip, the dearest step).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from packaging.specifiers import SpecifierSet

from envcheck.core.config import EnvcheckConfig, Settings
from envcheck.core.fix import Command, Manual
from envcheck.engine.fixer import apply_step
from envcheck.engine.registry import make_plugin_manager
from tests.throwaway import make_wheel
from tests.verdicts.test_heldout_servers import Expect, fully_right_row
from tests.verdicts.test_heldout_venv12 import plain
from tests.verdicts.test_venv_structure_audit import code_dir, site
from tests.verdicts.venv_lab import RUNNER, Lab, Round, see_our_packages, step_from

ROUND = Round(91, prove_found=True, template=False)
case = ROUND.case

PYTHON = ".".join(map(str, sys.version_info[:3]))

#: one start of the environment's interpreter: each statement run as the application runs it
PROBE = r"""
import json, sys
asked = json.loads(open(sys.argv[1]).read())
out = {}
for key, statement in asked.items():
    try:
        exec(statement, {})
        out[key] = "ok"
    except ImportError as exc:
        out[key] = f"{type(exc).__name__}: {exc}"
print(json.dumps(out))
"""


def outcome(lab: Lab, key: str) -> str:
    return str(ROUND.probed(lab, PROBE, {"demo-imi": "import demo_imi"})[key])


def installed(lab: Lab, name: str, files: dict[str, str]) -> None:
    ROUND.wheels.append(make_wheel(ROUND.installed_wheels(lab), name, "1.0", files=files))


# -- uv.lock's requires-python -------------------------------------------------------------------

UV_PROJECT = """[project]
name = "svc"
version = "0.1"
requires-python = ">=3.11"
dependencies = ["demo-uvr>=1"]

[tool.uv]
package = false
"""

UV_LOCK = """version = 1
revision = 3
requires-python = "{python}"

[[package]]
name = "demo-uvr"
version = "1.0"
source = {{ registry = "wheels" }}
wheels = [
    {{ path = "demo_uvr-1.0-py3-none-any.whl" }},
]

[[package]]
name = "svc"
version = "0.1"
source = {{ virtual = "." }}
dependencies = [
    {{ name = "demo-uvr" }},
]

[package.metadata]
requires-dist = [{{ name = "demo-uvr", specifier = ">=1" }}]
"""


def uv_project(lab: Lab, root: Path, python: str) -> None:
    if not ROUND.wheels or not any("demo_uvr" in str(w) for w in ROUND.wheels):
        installed(lab, "demo-uvr", {"demo_uvr/__init__.py": "X = 1\n"})
    plain(root, lab, UV_PROJECT)
    (root / "uv.lock").write_text(UV_LOCK.format(python=python))


def uv_excludes_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    text = (root / "uv.lock").read_text()
    assert 'requires-python = ">=3.12"' in text
    assert not SpecifierSet(">=3.12").contains(PYTHON) and SpecifierSet(">=3.11").contains(PYTHON)


@case(
    "venv-uv-lock-requires-python-excludes",
    Expect(
        "venv/lock-drift",
        "fail",
        ("requires-python", ">=3.12", PYTHON),
        ("uv lock",),
        never=("match",),
    ),
    uv_excludes_proof,
)
def uv_lock_excludes(lab: Lab, root: Path) -> dict[str, str | None]:
    """uv.lock's requires-python >=3.12 (pyproject.toml's is >=3.11 now); demo-uvr 1.0
    installed as it pins."""
    uv_project(lab, root, ">=3.12")
    return {}


def uv_here_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    assert SpecifierSet(">=3.11").contains(PYTHON)


@case(
    "venv-uv-lock-requires-python-here",
    Expect("venv/lock-drift", "pass"),
    uv_here_proof,
    quiet=("venv/lock-drift",),
)
def uv_lock_here(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: uv.lock's requires-python >=3.11 admits this Python."""
    uv_project(lab, root, ">=3.11")
    return {}


# -- poetry.lock: lock-version and content-hash ------------------------------------------------

POETRY_PROJECT = """[project]
name = "svc"
version = "0.1.0"
description = "the first words"
requires-python = ">=3.11"
dependencies = []

[tool.poetry]
package-mode = false
"""


def lock_newer_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    said = found["poetry"][str(root)]["lock"]
    assert said["returncode"] == 0, said  # check --lock reads no package: no warning there
    assert 'lock-version = "2.5"' in (root / "poetry.lock").read_text()
    installs = lab.poetry("install", "--dry-run", cwd=root)  # reads the lock's packages
    assert "might not be compatible" in installs, installs


@case(
    "venv-lock-version-newer-than-poetry",
    Expect(
        "venv/lock-file",
        "warn",
        ("lock-version 2.5", "2.1"),
        ("poetry self update",),
    ),
    lock_newer_proof,
    poetry=True,
)
def lock_newer(lab: Lab, root: Path) -> dict[str, str | None]:
    """poetry.lock's lock-version made 2.5 after ``poetry install`` (this Poetry writes 2.1)."""

    def newer() -> None:
        lock = root / "poetry.lock"
        lock.write_text(lock.read_text().replace('lock-version = "2.1"', 'lock-version = "2.5"'))

    ROUND.poetry_tree(lab, root, {"pyproject.toml": POETRY_PROJECT}, then=newer)
    return {}


def described_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    said = found["poetry"][str(root)]["lock"]
    assert said["returncode"] == 0, said
    assert 'description = "other words"' in (root / "pyproject.toml").read_text()


@case(
    "venv-lock-fresh-after-a-description",
    Expect("venv/lock-file", "pass"),
    described_proof,
    quiet=("venv/lock-file",),
    poetry=True,
)
def described(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: the description changed after ``poetry lock``."""

    def describe() -> None:
        pyproject = root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace("the first words", "other words"))

    ROUND.poetry_tree(lab, root, {"pyproject.toml": POETRY_PROJECT}, then=describe)
    return {}


# -- a .pth import line with leading blanks ------------------------------------------------------


def indented_import_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    line = (site(lab) / "demo_imi.pth").read_text().splitlines()[0]
    assert line.startswith("   import sys;"), line
    assert outcome(lab, "demo-imi") == "ModuleNotFoundError: No module named 'demo_imi'"


@case(
    "venv-pth-import-line-indented",
    Expect(
        "venv/package[demo-imi]",
        "fail",
        ("demo_imi.pth", "leading"),
        ("demo_imi.pth",),
        never=("no longer exists",),
        heals=True,
    ),
    indented_import_proof,
)
def pth_import_indented(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-imi's only way to its code is demo_imi.pth's import line, which starts with
    blanks."""
    directory = code_dir(lab, "demo_imi")
    line = f"   import sys; sys.path.insert(0, {str(directory)!r})\n"
    installed(lab, "demo-imi", {"demo_imi.pth": line})
    plain(
        root,
        lab,
        '[project]\nname = "svc"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        'dependencies = ["demo-imi>=1"]\n',
    )
    return {}


#: the case whose printed fix (a command) is run by envcheck's step runner
ROUND.healed["venv-pth-import-line-indented"] = "venv/package[demo-imi]"

#: the rows of docs/verdicts/venv.md these cases assert (registered in tests/verdicts/test_venv.py)
ASSERTED = (*ROUND.cases, "venv-moved-with-stale-virtual-env")

world, test_venv = ROUND.tests()


# -- the running environment moved, VIRTUAL_ENV naming its old place ----------------------------

MOVED = Expect(
    "venv/virtualenv",
    "warn|fail",
    ("old-place/env", "moved"),
    ("-m venv", "VIRTUAL_ENV"),
    never=("was removed",),
)


def test_moved_with_stale_virtual_env(tmp_path: Path) -> None:
    """Case 4: a virtualenv made with ``--system-site-packages`` at ``old-place/env``,
    activated there, moved with ``mv`` to the project's ``.venv``; ``VIRTUAL_ENV`` still names
    the old place, and the moved interpreter runs the venv checks (one start)."""
    old = tmp_path / "old-place" / "env"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(old)],
        check=True,
    )
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        "dependencies = []\n"
    )
    os.rename(old, root / ".venv")  # mv
    python = root / ".venv" / "bin" / "python"
    see_our_packages(python)
    # proven: the moved environment runs, records the old place, sees the base's site-packages
    said = subprocess.run(
        [str(python), "-c", "import json, sys; print(json.dumps([sys.prefix, sys.path]))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    prefix, path = json.loads(said)
    assert Path(prefix) == root / ".venv" and not old.exists()
    assert str(old) in (root / ".venv" / "bin" / "activate").read_text()
    assert "include-system-site-packages = true" in (root / ".venv" / "pyvenv.cfg").read_text()
    assert any("site-packages" in p and not p.startswith(str(root)) for p in path), path
    checks = judge_moved(tmp_path, root, {"VIRTUAL_ENV": str(old)})  # activated before the move
    fully_right_row("venv", "venv-moved-with-stale-virtual-env", MOVED, checks, [])

    # the printed fix: its commands through envcheck's step runner, the shell's variable by the
    # person (the runner is started without it), then judged again by the new interpreter
    (check,) = [c for c in checks if c["id"] == "venv/virtualenv"]
    config = EnvcheckConfig({}, Settings(), root, "test")
    pm = make_plugin_manager()
    steps = [step_from(s) for s in check["fix"]["steps"]]
    for step in steps:
        if isinstance(step, Command):
            result = apply_step(step, config, pm)
            assert result.ok, f"{step.render()}: {result.output}"
    assert [s.text for s in steps if isinstance(s, Manual)], steps  # the variable: a person's
    see_our_packages(python)
    again = {c["id"]: c for c in judge_moved(tmp_path, root, {})}
    assert again["venv/virtualenv"]["status"] == "pass", again["venv/virtualenv"]


def judge_moved(tmp_path: Path, root: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    """The venv checks of ``root`` by one start of its ``.venv``'s interpreter."""
    jobs = tmp_path / "jobs.json"
    out = tmp_path / "out.json"
    out.unlink(missing_ok=True)
    jobs.write_text(json.dumps([{"ident": "moved", "root": str(root), "env": {}}]))
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "POETRY_ACTIVE")}
    done = subprocess.run(
        [str(root / ".venv" / "bin" / "python"), str(RUNNER), str(jobs), str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**environ, **env},
        timeout=300,
    )
    assert out.is_file(), done.stderr[-2000:]
    return list(json.loads(out.read_text())["results"]["moved"]["checks"].values())
