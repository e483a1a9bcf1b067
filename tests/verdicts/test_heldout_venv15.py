"""Fifteenth held-out round for the venv verdicts (issue 23): PEP 440's exclusive ``<`` and its
prefix matching (``.*``), setuptools' dynamic ``dependencies`` read from a file (PEP 621
``dynamic``), pip's requirements files (an ``-r`` include that names nothing, the hash-checking
mode one ``--hash`` turns on), PEP 517/518's ``[build-system]`` table, and PEP 751's
``default-groups`` with the ``dependency_groups`` marker variable. Six breakages and four
healthy neighbours that no row of docs/verdicts/venv.md, no earlier round and no sweep lists,
all made beside one copy of the venv lab's Poetry project (its environment shared through a
``.venv`` link) and judged by one start of that environment's interpreter
(tests/verdicts/venv_project_runner.py; no project here is Poetry's, so Poetry is asked
nothing).

How the set was made (2026-12-07), from the sources of truth and before running envcheck on any
of them:

- PEP 440, exclusive ordered comparison: "``<V`` MUST NOT allow a pre-release of the specified
  version unless the specified version is itself a pre-release". The project requires
  ``demo-pre<2.0`` and 2.0rc1 is installed (someone's ``pip install --pre``); a plain
  comparison says 2.0rc1 < 2.0, PEP 440 says it is excluded: pip's ``--dry-run`` would install
  1.9 (breakage). Its healthy neighbour, PEP 440's prefix matching (``.*`` matches whole
  release segments): ``demo-wild!=1.1.*`` with 1.10 installed (1.10 is no 1.1.x, though its
  string begins with ``1.1``): pip installs nothing (must pass).
- setuptools' ``[tool.setuptools.dynamic] dependencies = {file = [...]}`` (PEP 621's
  ``dynamic = ["dependencies"]``; setuptools' pyproject.toml configuration docs): the project's
  requirements are in ``requirements/runtime.txt``, which names demo-filedep, not installed
  (breakage; setuptools' own ``read_configuration`` proves what it reads). Its healthy
  neighbour: the same mechanism naming demo-alpha and demo-gamma, both installed (must pass,
  with demo-alpha's package check there: a project whose requirements were not read at all is
  not judged healthy).
- pip's requirements-file format, ``-r``/``--requirement`` (a path relative to the file that
  holds it): requirements.txt says ``-r base.txt`` after base.txt was moved to
  ``requirements/base.txt``: ``pip install -r requirements.txt`` stops ("Could not open
  requirements file") and installs nothing, while the environment holds what both files name
  (breakage: nothing is missing, the file is what is broken; the fix names where base.txt is
  now).
- pip's hash-checking mode (pip's secure installs docs: it "is turned on automatically" when any
  requirement has a ``--hash``, and then every requirement must be pinned and hashed): a hashed
  requirements.txt (the lab wheels' own sha256) with ``demo-new==1.0`` appended by hand, without
  a hash; demo-new is not installed; pip refuses the whole file ("Hashes are required in
  --require-hashes mode") though ``PIP_REQUIRE_HASHES`` is set nowhere (breakage; undoing that
  variable is no fix here).
- PEP 518 (``requires`` is required when ``[build-system]`` is given: "tools should consider it
  an error") and PEP 517 (``build-backend``, ``backend-path`` for an in-tree backend): a
  PEP 621 project whose ``[build-system]`` says ``build-backend = "hatchling.build"`` and no
  ``requires``: pip stops before building (its error code
  ``invalid-pyproject-build-system-requires``), so ``pip install -e .`` of the project cannot
  work (breakage). Its healthy neighbour: ``requires = []``, ``build-backend = "backend"``,
  ``backend-path = ["_build"]`` with ``_build/backend.py`` there: pip builds its metadata
  offline (must pass).
- PEP 751 ``default-groups`` (the groups installed when none is asked for) and the marker
  variable ``dependency_groups`` (only in lock files): a pylock.toml whose demo-doc has
  ``marker = "'docs' in dependency_groups"`` and ``default-groups = ["dev", "docs"]``; demo-doc
  is not installed: ``pip install -r pylock.toml`` (pip 26.3) would install it (breakage). Its
  healthy neighbour: ``default-groups = ["dev"]``, demo-dev (``'dev' in dependency_groups``)
  installed, demo-doc of the ``docs`` group not: pip installs nothing (must pass).

Proven with the real tools before a grade counts, by one start of the environment's interpreter
after envcheck's run (:func:`probed`): pip 26.3's own ``main`` (``install --dry-run``, offline
from the cases' wheel directories) for the specifiers, the two requirements files, the
``[build-system]`` tables and the two pylock.toml files; setuptools' own ``read_configuration``
(the setuptools wheel virtualenv seeds environments with, from Poetry's installation) for the
dynamic dependencies; ``importlib.metadata`` for what is installed.

Checked against the table and the rounds before choosing (``grep -c -F`` over
docs/verdicts/venv.md, tests/verdicts/test_heldout_venv*.py and tests/verdicts/test_venv*.py,
the four sweeps among them): ``2.0rc``, ``<2``, ``tool.setuptools``, ``setuptools.dynamic``,
``Could not open``, ``base.txt``, ``hash-checking``, ``HashMissing``, ``backend-path``,
``BackendUnavailable``, ``in dependency_groups``, ``/// script``, ``UV_PROJECT_ENVIRONMENT``,
``allow-prereleases``, ``no-build-isolation`` occur nowhere; ``rc1`` only as an installed
pre-release that satisfies ``>=1.0`` (venv-prerelease-installed); ``.*`` only in
``requires-python`` (the project sweep's ``==3.11.*`` neighbour and ``>=3.11.*``);
``dynamic`` only as Poetry's ``dynamic = ["dependencies"]`` and the project sweep's PEP 621
field rules; ``-r`` only as an include that is there (round 14's constraints); ``--hash`` and
``Hashes are required`` only as pip-compile output that installs (round 13) and
``PIP_REQUIRE_HASHES`` (round 14); ``build-system``/``build-backend`` only in healthy
constructions; ``default-groups`` only as uv's ``[tool.uv] default-groups`` (round 13), and
pylock.toml's rows only as versions and a platform marker (rounds 10, 11). Not taken (rows or
sweeps exist): an invalid requirement or ``~=`` with one part (the project sweep), a
``requires-python`` that excludes this Python, PEP 735 group includes, PEP 685 extras, an
editable install's source, pip's environment variables; not taken for want of the tool here:
uv's ``UV_PROJECT_ENVIRONMENT`` and ``[tool.uv] dev-dependencies`` (no uv on this machine to
prove them), PEP 723 (round 12: a script's own environment, not the project's). The grading is
round one's (``grade`` in tests/verdicts/test_heldout_servers.py) with round twelve's addition
for the healthy neighbours: no check about the names in ``quiet`` may fail or warn. Caution on
independence: the person who wrote these had read the earlier rounds, the sweeps, the table,
the runner, the names of the zero-config derivation's functions (requirements.in before
requirements.txt, so the dynamic file is named neither) and, by a grep for
``dependency_groups``, three lines of envcheck's pylock.toml reader that read
``default-groups``: the pylock case was kept (no row, round or sweep has it), and is the one
least likely to be a miss.

Expectations committed before the first run: ee88a37.

First run (envcheck at ee88a37, before any change; 2026-12-07): **4 of 10 fully right** (the
three healthy neighbours venv-prefix-match-whole-segments, venv-build-backend-in-tree,
venv-pylock-other-group, and venv-pre-release-of-the-excluded: package[demo-pre] "demo-pre
2.0rc1 is installed, but demo-pre<2.0 is required", "PEP 440: <2.0 excludes the pre-releases of
2.0", fix ``pip install 'demo-pre<2.0'``), 1 partly, 5 wrong. Partly:
venv-pylock-default-group-missing (lock-drift "demo-doc 1.0 is locked but not installed", fix
``pip install -r pylock.toml``, right; the cause does not say demo-doc is there for the
``docs`` group that ``default-groups`` installs, and speaks of a relock instead). Wrong:
venv-setuptools-dynamic-file-missing and its neighbour venv-setuptools-dynamic-file-installed
(no package check at all: the zero-config derivation read no requirement from the file
setuptools reads, so demo-filedep's absence passes unseen and the healthy project is not
judged), venv-requirements-include-gone (a false pass: project "pyproject.toml (pytest's
rootdir)", package[demo-alpha] passes; the ``-r base.txt`` pip cannot open is not seen),
venv-requirements-hash-mode-unhashed (package[demo-new] "demo-new is not installed", right,
but its fix ``pip install -r requirements.txt`` is the command pip refuses in hash-checking
mode, and nothing names the unhashed line: a fix that does not fix; the grading function said
partly), venv-build-system-no-requires
(a false pass: project "pyproject.toml (pytest's rootdir)"). Two construction details corrected
after the first run, not expectations: the projects' directories were named after the cases,
so "hash" and "pre-release" were found in every path a verdict showed (the hash-mode case
graded fully right on its path alone; the grade above is of the verdicts with the paths
masked; the directories are now ``p00`` to ``p09``), and pip's code for a ``[build-system]``
without ``requires`` is ``missing-pyproject-build-system-requires``, not
``invalid-pyproject-build-system-requires`` (the proof asked for the other one).

After (verdicts from structure: setuptools' ``[tool.setuptools.dynamic]`` table and the files
it names, pip's requirements-file lines (``-r``/``-c`` targets against the files, ``--hash``
and ``==`` per requirement), PEP 517/518's ``[build-system]`` keys, PEP 751's markers evaluated
with each default group): 10 of 10 fully right, each a row of docs/verdicts/venv.md
(``ASSERTED``) asserted on the run. The zero-config derivation reads the requirements setuptools
reads from the files of a dynamic ``dependencies`` (initkit/venv.py ``setuptools_dynamic``), and
a package check names that file; venv/project fails on a requirements file pip refuses (an
include naming no file, with where a file of that name is now; a requirement without ``==`` or
``--hash`` in hash-checking mode: checks/venv/reqfiles.py), and a package fix of such a file
corrects the line before its ``pip install -r``; venv/project fails on a ``[build-system]``
PEP 517/518 forbid (checks/venv/build_system.py), with an Edit of ``requires`` to the backend's
distribution; pylock.toml's drift names the dependency group a missing package is there for.
Three printed fixes are run (:func:`heal`) and their checks pass after them: the ``pip install``
of the dynamic requirement, the Edit of ``[build-system] requires``, ``pip install -r
pylock.toml``.

Cost: ``-n 0``, 6.2 user + 1.8 sys CPU-s (the template's build, one pip install of the wheels,
one runner start for the ten projects and one for the three healed ones, one probe), 17 s wall
beside other sessions' runs.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.throwaway import make_wheel
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_heldout_venv12 import pep621, plain
from tests.verdicts.venv_lab import POETRY, Lab, Round, lab_wheel, sha256

#: what the probe is asked: {key: {"pip": [args], "env": {...}} | {"setuptools": path}}
ASK: dict[str, dict[str, Any]] = {}


def build_system_edited(lab: Lab, out: dict[str, list[str]]) -> None:
    """After the heal: the Edit wrote ``[build-system] requires = ["hatchling"]``."""
    if "venv-build-system-no-requires" in out and not out["venv-build-system-no-requires"]:
        import tomllib

        text = (root_of(lab, "venv-build-system-no-requires") / "pyproject.toml").read_text()
        requires = tomllib.loads(text)["build-system"].get("requires")
        if requires != ["hatchling"]:
            out["venv-build-system-no-requires"] = [f"requires after the edit: {requires}"]


#: the proofs read envcheck's answers too: ``prove(lab, root, found)``
ROUND = Round(15, clear=(ASK,), prove_found=True, after_heal=build_system_edited)
#: wheels pip installs into the shared environment (one pip run)
WHEELS = ROUND.wheels
case = ROUND.case
root_of = ROUND.root_of
installed_wheels = ROUND.installed_wheels
index = ROUND.index
offline = ROUND.offline


def dry_run(lab: Lab, key: str, *args: str) -> None:
    """pip's ``install --dry-run`` of ``args``, asked of the probe under ``key``."""
    ASK[key] = {"pip": ["--disable-pip-version-check", "install", "--dry-run", *args]}


def setuptools_dir(lab: Lab) -> Path:
    """setuptools, unpacked from the wheel virtualenv seeds environments with (Poetry's
    installation), for the probe to import."""
    target = lab.tmp / "setuptools-15"
    if not target.is_dir():
        home = Path(POETRY).resolve().parents[1]
        embed = "lib/python3*/site-packages/virtualenv/seed/wheels/embed/setuptools-*.whl"
        found = sorted(home.glob(embed))
        assert found, f"no setuptools wheel under {home}"
        with zipfile.ZipFile(found[-1]) as wheel:
            wheel.extractall(target)
    return target


_PROBE = r"""
import contextlib, importlib.metadata, io, json, os, sys
ask = json.loads(open(sys.argv[1]).read())
out = {"versions": {}}
for name in ("demo-pre", "demo-wild", "demo-filedep", "demo-new", "demo-doc", "demo-dev",
             "demo-alpha", "demo-gamma"):
    try:
        out["versions"][name] = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        out["versions"][name] = None
from pip._internal.cli.main import main
for key, task in ask.items():
    if "pip" not in task:
        continue
    before = dict(os.environ)
    os.environ.update(task.get("env") or {})
    said, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(err):
            code = main(task["pip"])
    except SystemExit as exc:
        code = exc.code
    finally:
        os.environ.clear()
        os.environ.update(before)
    out[key] = f"exit {code}\n{said.getvalue()}{err.getvalue()}"
for key, task in ask.items():
    if "setuptools" in task:
        sys.path.insert(0, task["path"])
        from setuptools.config.pyprojecttoml import read_configuration
        out[key] = read_configuration(task["setuptools"])["project"].get("dependencies")
print(json.dumps(out))
"""


def probed(lab: Lab) -> dict[str, Any]:
    """pip's dry runs, setuptools' reading and the installed versions, all by one start of the
    environment's interpreter (after envcheck's run)."""
    return ROUND.probed(lab, _PROBE, ASK)


# -- PEP 440: ``<V`` and the pre-releases of V; prefix matching ------------------------------------


def pre_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    out = probed(lab)["pre"]
    assert probed(lab)["versions"]["demo-pre"] == "2.0rc1", probed(lab)["versions"]
    assert "exit 0" in out and "Would install demo-pre-1.9" in out, out


@case(
    "venv-pre-release-of-the-excluded",
    Expect(
        "venv/package[demo-pre]",
        "fail",
        ("2.0rc1", "pre-release"),
        ("demo-pre<2.0",),
    ),
    pre_proof,
)
def pre_release_of_the_excluded(lab: Lab, root: Path) -> dict[str, str | None]:
    """``demo-pre<2.0``; 2.0rc1 is installed (a pre-release of the version ``<`` excludes)."""
    WHEELS.append(make_wheel(installed_wheels(lab), "demo-pre", "2.0rc1"))
    make_wheel(index(lab), "demo-pre", "1.9")
    pep621(root, lab, "demo-pre<2.0")
    dry_run(lab, "pre", *offline(lab), "demo-pre<2.0")
    return {}


def wild_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    out = probed(lab)["wild"]
    assert probed(lab)["versions"]["demo-wild"] == "1.10", probed(lab)["versions"]
    assert "exit 0" in out and "Would install" not in out, out


@case(
    "venv-prefix-match-whole-segments",
    Expect("venv/package[demo-wild]", "pass"),
    wild_proof,
    quiet=("demo-wild",),
)
def prefix_match_whole_segments(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: ``demo-wild!=1.1.*``; 1.10 is installed (no 1.1.x)."""
    WHEELS.append(make_wheel(installed_wheels(lab), "demo-wild", "1.10"))
    pep621(root, lab, "demo-wild!=1.1.*")
    dry_run(lab, "wild", *offline(lab), "demo-wild!=1.1.*")
    return {}


# -- setuptools: dynamic dependencies from a file ------------------------------------------------


def dynamic(lab: Lab, root: Path, lines: str) -> None:
    plain(
        root,
        lab,
        '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n'
        '\n[project]\nname = "svc"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        'dynamic = ["dependencies"]\n\n[tool.setuptools.dynamic]\n'
        'dependencies = {file = ["requirements/runtime.txt"]}\n',
    )
    (root / "requirements").mkdir()
    (root / "requirements" / "runtime.txt").write_text(lines)
    (root / "src" / "svc").mkdir(parents=True)
    (root / "src" / "svc" / "__init__.py").write_text("")
    ASK[f"setuptools {root.name}"] = {
        "setuptools": str(root / "pyproject.toml"),
        "path": str(setuptools_dir(lab)),
    }


def reads(names: list[str], missing: str | None) -> Callable[[Lab, Path, dict[str, Any]], None]:
    def prove(lab: Lab, root: Path, found: dict[str, Any]) -> None:
        read = probed(lab)[f"setuptools {root.name}"]
        assert read == names, read
        versions = probed(lab)["versions"]
        for name in (line.split(">")[0] for line in names):
            assert (versions[name] is None) == (name == missing), versions

    return prove


@case(
    "venv-setuptools-dynamic-file-missing",
    Expect(
        "venv/package[demo-filedep]",
        "fail",
        ("demo-filedep", "not installed", "runtime.txt"),
        ("pip install",),
    ),
    reads(["demo-filedep>=1"], "demo-filedep"),
)
def setuptools_dynamic_missing(lab: Lab, root: Path) -> dict[str, str | None]:
    """setuptools' ``dependencies = {file = ["requirements/runtime.txt"]}``, which names
    demo-filedep; not installed."""
    make_wheel(index(lab), "demo-filedep", "1.0")
    dynamic(lab, root, "# runtime requirements\ndemo-filedep>=1\n")
    return {}


@case(
    "venv-setuptools-dynamic-file-installed",
    Expect("venv/package[demo-alpha]", "pass"),
    reads(["demo-alpha>=1", "demo-gamma>=1"], None),
    quiet=("demo-alpha", "demo-gamma", "venv/project"),
)
def setuptools_dynamic_installed(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: the same mechanism naming demo-alpha and demo-gamma, installed."""
    dynamic(lab, root, "demo-alpha>=1\ndemo-gamma>=1\n")
    return {}


# -- pip's requirements files: an include gone, the hash-checking mode ---------------------------

PYTEST_ONLY = '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'


def requirements(lab: Lab, root: Path, text: str) -> None:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYTEST_ONLY)
    (root / "requirements.txt").write_text(text)
    (root / ".venv").symlink_to(lab.app / ".venv")
    dry_run(lab, root.name, *offline(lab), "-r", str(root / "requirements.txt"))


def include_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    out = probed(lab)[root.name]
    assert "exit 1" in out and "Could not open requirements file" in out, out
    versions = probed(lab)["versions"]
    assert versions["demo-alpha"] and versions["demo-gamma"], versions


@case(
    "venv-requirements-include-gone",
    Expect(
        "venv/project|venv/lock-drift|venv/package[demo-alpha]",
        "fail|warn",
        ("base.txt",),
        ("requirements/base.txt",),
        never=("is not installed",),
    ),
    include_proof,
)
def include_gone(lab: Lab, root: Path) -> dict[str, str | None]:
    """requirements.txt ``-r base.txt``; base.txt was moved to ``requirements/base.txt``."""
    requirements(lab, root, "-r base.txt\ndemo-alpha>=1\n")
    (root / "requirements").mkdir()
    (root / "requirements" / "base.txt").write_text("demo-gamma>=1\n")
    return {}


def hash_mode_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    out = probed(lab)[root.name]
    assert "exit 1" in out and "Hashes are required in --require-hashes mode" in out, out
    assert probed(lab)["versions"]["demo-new"] is None, probed(lab)["versions"]


@case(
    "venv-requirements-hash-mode-unhashed",
    Expect(
        "venv/package[demo-new]|venv/lock-drift",
        "fail",
        ("demo-new", "hash"),
        ("hash",),
        never=("PIP_REQUIRE_HASHES",),
    ),
    hash_mode_proof,
)
def hash_mode_unhashed(lab: Lab, root: Path) -> dict[str, str | None]:
    """A hashed requirements.txt (the lab wheels' sha256) with ``demo-new==1.0`` appended
    without a hash; demo-new is not installed."""
    make_wheel(index(lab), "demo-new", "1.0")
    body = "".join(
        f"{name}==1.0 \\\n    --hash=sha256:{sha256(lab_wheel(lab, name))}\n"
        for name in ("demo-alpha", "demo-beta", "demo-gamma")
    )
    requirements(lab, root, body + "demo-new==1.0\n")
    return {}


# -- PEP 517/518: the [build-system] table ------------------------------------------------------


def no_requires_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    out = probed(lab)["no-requires"]
    # pip's diagnostic: "The [build-system] table is missing the mandatory `requires` key"
    assert "exit 1" in out and "missing-pyproject-build-system-requires" in out, out


@case(
    "venv-build-system-no-requires",
    Expect(
        "venv/project",
        "fail|warn",
        ("build-system", "requires"),
        ("requires", "hatchling"),
    ),
    no_requires_proof,
)
def build_system_no_requires(lab: Lab, root: Path) -> dict[str, str | None]:
    """``[build-system] build-backend = "hatchling.build"`` without ``requires``."""
    plain(
        root,
        lab,
        '[build-system]\nbuild-backend = "hatchling.build"\n\n'
        '[project]\nname = "svc"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        'dependencies = ["demo-alpha>=1"]\n',
    )
    (root / "src" / "svc").mkdir(parents=True)
    (root / "src" / "svc" / "__init__.py").write_text("")
    dry_run(lab, "no-requires", "--no-index", "-e", str(root))
    return {}


BACKEND = '''"""An in-tree PEP 517 backend (metadata only: enough for pip's dry run)."""

import os

METADATA = "Metadata-Version: 2.1\\nName: svc\\nVersion: 0.1\\nRequires-Dist: demo-alpha>=1\\n"


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = os.path.join(metadata_directory, "svc-0.1.dist-info")
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "w") as out:
        out.write(METADATA)
    return "svc-0.1.dist-info"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise NotImplementedError("a dry run builds no wheel")
'''


def in_tree_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    out = probed(lab)["in-tree"]
    assert "exit 0" in out and "Would install svc-0.1" in out, out


@case(
    "venv-build-backend-in-tree",
    Expect("venv/project", "pass"),
    in_tree_proof,
    quiet=("venv/project", "demo-alpha"),
)
def build_backend_in_tree(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: ``requires = []``, ``backend-path = ["_build"]``, its backend
    there."""
    plain(
        root,
        lab,
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["_build"]\n\n'
        '[project]\nname = "svc"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        'dependencies = ["demo-alpha>=1"]\n',
    )
    (root / "_build").mkdir()
    (root / "_build" / "backend.py").write_text(BACKEND)
    dry_run(lab, "in-tree", *offline(lab), str(root))
    return {}


# -- PEP 751: default-groups and the dependency_groups marker -----------------------------------


def pylock(lab: Lab, root: Path, defaults: list[str]) -> None:
    """A project declaring demo-alpha, its pylock.toml (groups ``dev`` and ``docs``) pinning the
    lab's wheels: demo-alpha, demo-dev (``'dev' in dependency_groups``) and demo-doc (``'docs'
    in dependency_groups``)."""
    import tomllib

    from packaging.pylock import Pylock

    pep621(root, lab, "demo-alpha>=1")
    markers = {"demo-alpha": "", "demo-dev": "dev", "demo-doc": "docs"}
    text = (
        'lock-version = "1.0"\ncreated-by = "pdm"\nrequires-python = ">=3.11"\n'
        'dependency-groups = ["dev", "docs"]\n'
        f"default-groups = {json.dumps(defaults)}\n"
    )
    for name, group in markers.items():
        wheel = lab_wheel(lab, name)
        text += f'\n[[packages]]\nname = "{name}"\nversion = "1.0"\n'
        if group:
            text += f"marker = \"'{group}' in dependency_groups\"\n"
        hashes = f'{{ sha256 = "{sha256(wheel)}" }}'
        text += f'wheels = [{{ url = "{wheel.as_uri()}", hashes = {hashes} }}]\n'
    Pylock.from_dict(tomllib.loads(text))  # the spec's own reader
    (root / "pylock.toml").write_text(text)
    dry_run(lab, root.name, "--no-index", "-r", str(root / "pylock.toml"))


def pylock_proof(would: str) -> Callable[[Lab, Path, dict[str, Any]], None]:
    def prove(lab: Lab, root: Path, found: dict[str, Any]) -> None:
        out = probed(lab)[root.name]
        versions = probed(lab)["versions"]
        assert versions["demo-dev"] == "1.0" and versions["demo-doc"] is None, versions
        assert "exit 0" in out, out
        if would:
            assert f"Would install {would}" in out, out
        else:
            assert "Would install" not in out, out

    return prove


@case(
    "venv-pylock-default-group-missing",
    Expect(
        "venv/lock-drift|venv/package[demo-doc]",
        "fail",
        ("demo-doc", "docs"),
        ("pylock.toml",),
    ),
    pylock_proof("demo-doc-1.0"),
)
def pylock_default_group_missing(lab: Lab, root: Path) -> dict[str, str | None]:
    """pylock.toml's ``default-groups = ["dev", "docs"]``; demo-doc (docs) is not installed."""
    pylock(lab, root, ["dev", "docs"])
    return {}


@case(
    "venv-pylock-other-group",
    Expect("venv/lock-drift", "pass"),
    pylock_proof(""),
    quiet=("venv/lock-drift", "demo-doc", "demo-dev"),
)
def pylock_other_group(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: ``default-groups = ["dev"]``; demo-doc, of the docs group, is not
    installed and need not be."""
    pylock(lab, root, ["dev"])
    return {}


#: the cases whose printed fix is run, and the check that must pass after it
ROUND.healed.update(
    {
        "venv-setuptools-dynamic-file-missing": "venv/package[demo-filedep]",
        "venv-build-system-no-requires": "venv/project",
        "venv-pylock-default-group-missing": "venv/lock-drift",
    }
)

world, test_venv = ROUND.tests()


#: the rows of docs/verdicts/venv.md this module asserts
ASSERTED = tuple(ROUND.cases)
