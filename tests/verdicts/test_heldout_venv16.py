"""Sixteenth held-out round for the venv verdicts (issue 23): PEP 440's local version labels and
arbitrary equality, PEP 660's ``build_editable`` hook, PEP 427's ``.data`` directory (a wheel
unpacked instead of installed), a per-requirement option this pip no longer has in a
requirements file, and PEP 751's rule that one entry per package may apply. Six breakages and
four healthy neighbours that no row of docs/verdicts/venv.md, no earlier round and no sweep
lists, all made beside one copy of the venv lab's Poetry project (its environment shared
through a ``.venv`` link) and judged by one start of that environment's interpreter
(tests/verdicts/venv_project_runner.py; no project here is Poetry's, so Poetry is asked
nothing).

How the set was made (2026-12-07), from the sources of truth and before running envcheck on any
of them:

- PEP 440, local versions: "If the specified version identifier is a local version, [the
  candidate] MUST match exactly, including the local label". The project requires
  ``demo-torch==2.0+cpu`` (the CPU build), and ``2.0+cu121`` is installed (the CUDA build of
  the same release, from another index): pip's ``--dry-run`` would install 2.0+cpu (breakage).
- PEP 440, arbitrary equality: ``===`` is "a simple string equality operation", with no
  normalization and no zero padding. The project requires ``demo-arb===1.0``, 1.0.0 is
  installed: pip would install 1.0 (breakage). Its healthy neighbour, PEP 440's zero padding of
  the release segment for ``==``: ``demo-pad==1.0`` with 1.0.0 installed (pip installs
  nothing; must pass).
- PEP 660 (``build_editable`` is the hook of an editable install; pip 26.3's
  ``editable_sanity_check``: "uses a build backend that is missing the 'build_editable' hook,
  so it cannot be installed in editable mode"): a PEP 621 project with an in-tree PEP 517
  backend (``backend-path``) that builds wheels and has no ``build_editable``: ``pip install
  -e .`` stops (breakage). Its healthy neighbour: the same backend with
  ``prepare_metadata_for_build_editable`` and ``build_editable`` (pip prepares its metadata
  offline; must pass).
- PEP 427 (installing a wheel: "each subdirectory of ``distribution-1.0.data/`` is moved onto
  its destination path", then the ``.data`` directory is gone): a wheel with
  ``Root-Is-Purelib: false`` whose package is in ``demo_unz-1.0.data/purelib/``, unpacked into
  site-packages with ``unzip`` (as a Dockerfile or a Lambda layer does) instead of installed:
  ``importlib.metadata`` and pip see demo-unz 1.0 (pip installs nothing), RECORD's files are
  all there, and ``import demo_unz`` fails (breakage). Its healthy neighbour: the same kind of
  wheel (demo-dat) installed by pip, which moves the package out of ``.data/purelib`` (must
  pass).
- pip's requirements-file format (``req_file.py``'s per-requirement options: pip 23.2 had
  ``--global-option``, ``--hash`` and ``--config-settings``; pip 26.3, this environment's, has
  the last two): requirements.txt's ``demo-alpha>=1 --global-option=--quiet`` (an old
  project's line): ``pip install -r requirements.txt``
  stops ("no such option: --global-option") and installs nothing, while the environment holds
  what the file names (breakage: nothing is missing, the file is what is broken).
- PEP 751 (an installer, for each package entry whose marker holds: "Check that no other
  conflicting instance of the package has been slated to be installed; an error about the
  ambiguity MUST be raised otherwise"; packaging 26's ``Pylock.select``): a pylock.toml merged
  by hand from two branches, with demo-alpha 1.0 and demo-alpha 1.1 entries and no marker on
  either: ``pip install -r pylock.toml`` refuses the lock ("Multiple packages with the name
  'demo-alpha' are selected"), whatever is installed (breakage: 1.0 is installed, and neither
  "lock says 1.1" nor "1.1 is not installed" is what is wrong). Its healthy neighbour: two
  entries of demo-plat, 1.0 for ``sys_platform != 'win32'`` and 2.0 for ``sys_platform ==
  'win32'``, 1.0 installed: pip installs nothing (must pass).

Proven with the real tools before a grade counts, by one start of the environment's interpreter
after envcheck's run (:func:`probed`): pip 26.3's own ``main`` (``install --dry-run``, offline
from the cases' wheel directories) for the specifiers, the two editable installs, the unpacked
wheel, the requirements file and the two pylock.toml files; ``importlib.metadata`` for what is
installed and an ``import`` of the two ``.data`` wheels' packages.

Checked against the table and the rounds before choosing (``grep -c -F`` over
docs/verdicts/venv.md, tests/verdicts/test_heldout_venv*.py and tests/verdicts/test_venv*.py,
the four sweeps among them): ``+cu``, ``1.0.0``, ``build_editable``, ``unzip``,
``global-option``, ``install-option``, ``no such option``, ``Multiple``, ``select(``, ``zero
pad``, ``padding`` occur nowhere; ``+cpu`` only as round 12's ``!=1.0`` against ``1.0+cpu``
(a local version of an excluded release, not a local label required); ``===`` only as the
healthy ``demo-alpha===1.0`` with 1.0 installed (round 2) and git's merge markers; ``PEP 660``
only as editable installs that are there or gone (the path hook, the finder, the sweeps), never
the backend's hook; ``.data/`` only as the installed-files sweep's ``.data/headers`` and
``.data/data`` of an installed wheel damaged afterwards; ``purelib`` only as sysconfig paths
and a sweep's ``Root-Is-Purelib`` mutation of an installed wheel; ``unpacked`` only as wheels
unpacked by the tests or setuptools; ``same name`` and ``twice`` only as a wheel built again
under the same name, two ``.dist-info`` directories and round 14's constraints. Not taken
(rows, rounds or sweeps exist, or the brief excludes them): pre-releases and prefix matching,
PEP 685 extras, hashes and ``-c``/``-r`` includes, setuptools' dynamic dependencies,
``[build-system]`` without ``requires``, pylock.toml's default groups, ``lock-version``
(poetry.lock's row), a requirement that is not PEP 508 (the project sweep); not taken for cost:
Poetry's sources and groups (one more Poetry process per lock). The grading is round one's
(``grade`` in tests/verdicts/test_heldout_servers.py) with round twelve's addition for the
healthy neighbours: no check about the names in ``quiet`` may fail or warn. Caution on
independence: the person who wrote these had read the earlier rounds, the runner and round
15's docstring (which names checks/venv/reqfiles.py and build_system.py), not those modules.

Expectations committed before the first run: c44d01a.

First run (envcheck at c44d01a, before any change, through ``ENVCHECK_LAB_SRC``; 2026-12-07):
**5 of 10 fully right** (venv-local-label-other: package[demo-torch] "demo-torch 2.0+cu121 is
installed, but demo-torch==2.0+cpu is required", its ``pip install demo-torch==2.0+cpu`` run
and the check passing after it; and the four healthy neighbours), 2 partly, 3 wrong. Partly:
venv-pylock-two-entries-apply (lock-drift "demo-alpha 1.0 installed, pylock.toml says 1.1",
the two entries unnamed, and its fix ``pip install -r pylock.toml`` is the command pip refuses:
the grading function says partly, the fix does not fix), venv-arbitrary-equality-padded (see
below). Wrong, each a false pass: venv-editable-hook-missing (project "pyproject.toml
(pytest's rootdir)"), venv-wheel-unpacked-data (package[demo-unz] "demo-unz 1.0"),
venv-requirements-option-removed (project "pyproject.toml (pytest's rootdir)").

A construction detail added after the first run (the grade above is unchanged by it: envcheck
at c44d01a reads neither): the two PEP 660 projects' requirements-dev.txt says ``-e .``, their
own workflow's editable install. Round 15's healthy neighbour venv-build-backend-in-tree is the
same kind of backend without ``build_editable``, proven with a plain (not editable) install,
and must keep passing: a backend without the hook is only wrong for a project something
installs editable.

One expectation corrected after the first run, by its proof and not by envcheck's answer:
venv-arbitrary-equality-padded was not proven as written. pip 26.3's resolver does take 1.0.0
as not ``===1.0`` and picks the 1.0 wheel, but its installer then finds the installed version
equal to the wheel's ("demo-arb is already installed with the same version as the provided
wheel. Use --force-reinstall") and installs nothing. The breakage stays (PEP 440 and the
project say 1.0.0 is not ``===1.0``; pip changes nothing), and the expectation now asks for the
fix that works, ``--force-reinstall``, run and the check passing after it. envcheck's first
answer (fail, "demo-arb 1.0.0 is installed, but demo-arb===1.0 is required", fix ``pip install
demo-arb===1.0``) was run by the heal: pip installed nothing and the check still failed, so it
is partly right against the expectation as committed and wrong against the corrected one.

After (verdicts from structure: each clause of the specifier against the installed version,
the in-tree backend module's top-level names with the project's ``-e .``, the ``.data``
directory beside a ``.dist-info``, each option of a requirements-file line against the options
pip takes there, pylock.toml's entries that apply here by normalized name): 10 of 10 fully
right, each a row of docs/verdicts/venv.md (``ASSERTED``) asserted on the run. A ``==`` local
version and a ``===`` naming the installed version written otherwise are named by their PEP 440
rule, the latter fixed with ``--force-reinstall`` (checks/venv/packages.py); venv/project
fails on an in-tree backend without ``build_editable`` in a project whose requirements file
says ``-e .`` (checks/venv/build_system.py) and on a requirements-file option the environment's
pip does not take, a removed one from the pip version that removed it (checks/venv/reqfiles.py);
a package whose wheel was unpacked, its ``<name>-<version>.data`` left with files, fails with a
pip uninstall and install (checks/venv/packages.py, integrity.py ``unpacked_data``); pylock.toml
with two entries of one package that apply here fails lock-drift naming them, with a person's
edit instead of the ``pip install -r`` pip refuses (checks/venv/pylock.py). Three printed fixes
are run (:func:`heal`) and their checks pass after them: the local label's ``pip install``, the
forced reinstall of ``===1.0``, the unpacked wheel's uninstall and install.

Cost: ``-n 0``, 4.6 to 7.4 user + 0.9 to 1.2 sys CPU-s over three runs (the template's build,
one pip install of the wheels, one runner start for the ten projects and one for the three
healed ones, one probe), 6 to 11 s wall beside other sessions' runs.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.throwaway import _digest, make_wheel
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_heldout_venv12 import pep621, plain
from tests.verdicts.venv_lab import Lab, Round, lab_wheel, sha256

#: what the probe is asked: {key: [pip's args]}
ASK: dict[str, list[str]] = {}

ROUND = Round(16, clear=(ASK,))
#: wheels pip installs into the shared environment (one pip run)
WHEELS = ROUND.wheels
case = ROUND.case
installed_wheels = ROUND.installed_wheels
index = ROUND.index
offline = ROUND.offline


def dry_run(key: str, *args: str) -> None:
    """pip's ``install --dry-run`` of ``args``, asked of the probe under ``key``."""
    ASK[key] = ["--disable-pip-version-check", "install", "--dry-run", *args]


def site_packages(lab: Lab) -> Path:
    found = sorted((lab.app / ".venv" / "lib").glob("python3*/site-packages"))
    assert found, f"no site-packages under {lab.app / '.venv'}"
    return found[0]


_PROBE = r"""
import contextlib, importlib, importlib.metadata, io, json, os, sys
ask = json.loads(open(sys.argv[1]).read())
out = {"versions": {}, "imports": {}}
for name in ("demo-torch", "demo-arb", "demo-pad", "demo-unz", "demo-dat", "demo-plat",
             "demo-alpha", "demo-gamma"):
    try:
        out["versions"][name] = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        out["versions"][name] = None
for module in ("demo_unz", "demo_dat"):
    try:
        importlib.import_module(module)
        out["imports"][module] = "ok"
    except ImportError as exc:
        out["imports"][module] = type(exc).__name__
from pip._internal.cli.main import main
for key, args in ask.items():
    said, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(err):
            code = main(args)
    except SystemExit as exc:
        code = exc.code
    out[key] = f"exit {code}\n{said.getvalue()}{err.getvalue()}"
print(json.dumps(out))
"""


def probed(lab: Lab) -> dict[str, Any]:
    """pip's dry runs, the installed versions and two imports, all by one start of the
    environment's interpreter (after envcheck's run)."""
    return ROUND.probed(lab, _PROBE, ASK)


def pip_would(key: str, name: str, version: str, install: str) -> Callable[[Lab, Path], None]:
    """The proof of a specifier case: ``version`` of ``name`` is installed, and pip's dry run
    under ``key`` would install ``install`` (nothing when empty)."""

    def prove(lab: Lab, root: Path) -> None:
        out = probed(lab)[key]
        assert probed(lab)["versions"][name] == version, probed(lab)["versions"]
        assert "exit 0" in out, out
        if install:
            assert f"Would install {install}" in out, out
        else:
            assert "Would install" not in out, out

    return prove


# -- PEP 440: a local label required; arbitrary equality and zero padding ------------------------


@case(
    "venv-local-label-other",
    Expect(
        "venv/package[demo-torch]",
        "fail",
        ("2.0+cu121", "+cpu"),
        ("demo-torch==2.0+cpu",),
    ),
    pip_would("torch", "demo-torch", "2.0+cu121", "demo-torch-2.0+cpu"),
)
def local_label_other(lab: Lab, root: Path) -> dict[str, str | None]:
    """``demo-torch==2.0+cpu``; ``2.0+cu121`` is installed (another local label)."""
    WHEELS.append(make_wheel(installed_wheels(lab), "demo-torch", "2.0+cu121"))
    make_wheel(index(lab), "demo-torch", "2.0+cpu")
    pep621(root, lab, "demo-torch==2.0+cpu")
    dry_run("torch", *offline(lab), "demo-torch==2.0+cpu")
    return {}


def arb_proof(lab: Lab, root: Path) -> None:
    """pip's resolver takes 1.0.0 as not ``===1.0`` and picks the 1.0 wheel; its installer then
    takes that wheel for the installed version and installs nothing."""
    out = probed(lab)["arb"]
    assert probed(lab)["versions"]["demo-arb"] == "1.0.0", probed(lab)["versions"]
    assert "exit 0" in out and "Would install" not in out, out
    assert "already installed with the same version as the provided wheel" in out, out


@case(
    "venv-arbitrary-equality-padded",
    Expect(
        "venv/package[demo-arb]",
        "fail|warn",
        ("1.0.0", "==="),
        ("--force-reinstall", "demo-arb===1.0"),
    ),
    arb_proof,
)
def arbitrary_equality_padded(lab: Lab, root: Path) -> dict[str, str | None]:
    """``demo-arb===1.0``; 1.0.0 is installed (``===`` compares strings)."""
    WHEELS.append(make_wheel(installed_wheels(lab), "demo-arb", "1.0.0"))
    make_wheel(index(lab), "demo-arb", "1.0")
    pep621(root, lab, "demo-arb===1.0")
    dry_run("arb", *offline(lab), "demo-arb===1.0")
    return {}


@case(
    "venv-release-zero-padding",
    Expect("venv/package[demo-pad]", "pass"),
    pip_would("pad", "demo-pad", "1.0.0", ""),
    quiet=("demo-pad",),
)
def release_zero_padding(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: ``demo-pad==1.0``; 1.0.0 is installed (``==`` pads with zeros)."""
    WHEELS.append(make_wheel(installed_wheels(lab), "demo-pad", "1.0.0"))
    pep621(root, lab, "demo-pad==1.0")
    dry_run("pad", *offline(lab), "demo-pad==1.0")
    return {}


# -- PEP 660: the build_editable hook of an in-tree backend --------------------------------------

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

EDITABLE = """

def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):
    return prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    raise NotImplementedError("a dry run builds no wheel")
"""


def in_tree(lab: Lab, root: Path, backend: str) -> None:
    plain(
        root,
        lab,
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["_build"]\n\n'
        '[project]\nname = "svc"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        'dependencies = ["demo-alpha>=1"]\n',
    )
    (root / "_build").mkdir()
    (root / "_build" / "backend.py").write_text(backend)
    (root / "svc").mkdir()
    (root / "svc" / "__init__.py").write_text("")
    dry_run(root.name, *offline(lab), "-e", str(root))


def editable_proof(code: int, words: str) -> Callable[[Lab, Path], None]:
    def prove(lab: Lab, root: Path) -> None:
        out = probed(lab)[root.name]
        assert f"exit {code}" in out and words in out, out

    return prove


@case(
    "venv-editable-hook-missing",
    Expect(
        "venv/project",
        "fail|warn",
        ("build_editable",),
        ("build_editable",),
    ),
    editable_proof(1, "missing the 'build_editable' hook"),
)
def editable_hook_missing(lab: Lab, root: Path) -> dict[str, str | None]:
    """An in-tree backend that builds wheels and has no ``build_editable``; the project's
    requirements-dev.txt installs it editable (``-e .``)."""
    in_tree(lab, root, BACKEND)
    (root / "requirements-dev.txt").write_text("-e .\n")
    return {}


@case(
    "venv-editable-hook-in-tree",
    Expect("venv/project", "pass"),
    editable_proof(0, "Would install svc-0.1"),
    quiet=("venv/project", "demo-alpha"),
)
def editable_hook_in_tree(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: the same backend with the two PEP 660 hooks, installed editable
    by the same ``-e .``."""
    in_tree(lab, root, BACKEND + EDITABLE)
    (root / "requirements-dev.txt").write_text("-e .\n")
    return {}


# -- PEP 427: a wheel's .data directory, unpacked or installed ----------------------------------


def data_wheel(directory: Path, name: str) -> Path:
    """A wheel (``Root-Is-Purelib: false``) whose package is in ``<name>-1.0.data/purelib``, as
    PEP 427 allows: an installer moves it to the purelib directory."""
    module = name.replace("-", "_")
    info = f"{module}-1.0.dist-info"
    content = {
        f"{module}-1.0.data/purelib/{module}/__init__.py": "__version__ = '1.0'\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: envcheck-tests\n"
        "Root-Is-Purelib: false\nTag: py3-none-any\n",
    }
    record = "".join(
        f"{path},{_digest(text)},{len(text.encode())}\n" for path, text in content.items()
    )
    wheel = directory / f"{module}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in content.items():
            archive.writestr(path, text)
        archive.writestr(f"{info}/RECORD", record + f"{info}/RECORD,,\n")
    return wheel


def data_proof(module: str, imports: str) -> Callable[[Lab, Path], None]:
    def prove(lab: Lab, root: Path) -> None:
        name = module.replace("_", "-")
        assert probed(lab)["versions"][name] == "1.0", probed(lab)["versions"]
        assert probed(lab)["imports"][module] == imports, probed(lab)["imports"]
        out = probed(lab)[module]
        assert "exit 0" in out and "Would install" not in out, out  # pip sees it installed

    return prove


@case(
    "venv-wheel-unpacked-data",
    Expect(
        "venv/package[demo-unz]",
        "fail",
        ("demo_unz-1.0.data",),
        ("demo-unz",),
    ),
    data_proof("demo_unz", "ModuleNotFoundError"),
)
def wheel_unpacked_data(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-unz's wheel (its package in ``.data/purelib``) unzipped into site-packages."""
    with zipfile.ZipFile(data_wheel(index(lab), "demo-unz")) as archive:
        archive.extractall(site_packages(lab))
    pep621(root, lab, "demo-unz>=1")
    dry_run("demo_unz", *offline(lab), "demo-unz>=1")
    return {}


@case(
    "venv-wheel-data-installed",
    Expect("venv/package[demo-dat]", "pass"),
    data_proof("demo_dat", "ok"),
    quiet=("demo-dat",),
)
def wheel_data_installed(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: the same kind of wheel (demo-dat) installed by pip."""
    WHEELS.append(data_wheel(installed_wheels(lab), "demo-dat"))
    pep621(root, lab, "demo-dat>=1")
    dry_run("demo_dat", *offline(lab), "demo-dat>=1")
    return {}


# -- pip's requirements files: a per-requirement option pip no longer has ------------------------

PYTEST_ONLY = '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'


def option_proof(lab: Lab, root: Path) -> None:
    out = probed(lab)[root.name]
    assert "exit 1" in out and "no such option: --global-option" in out, out
    versions = probed(lab)["versions"]
    assert versions["demo-alpha"] and versions["demo-gamma"], versions


@case(
    "venv-requirements-option-removed",
    Expect(
        "venv/project|venv/lock-drift|venv/package[demo-alpha]",
        "fail|warn",
        ("--global-option",),
        ("--global-option",),
        never=("is not installed",),
    ),
    option_proof,
)
def requirements_option_removed(lab: Lab, root: Path) -> dict[str, str | None]:
    """requirements.txt's ``demo-alpha>=1 --global-option=--quiet`` (pip 26.3 has no such
    per-requirement option)."""
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYTEST_ONLY)
    text = "demo-alpha>=1 --global-option=--quiet\ndemo-gamma>=1\n"
    (root / "requirements.txt").write_text(text)
    (root / ".venv").symlink_to(lab.app / ".venv")
    dry_run(root.name, *offline(lab), "-r", str(root / "requirements.txt"))
    return {}


# -- PEP 751: one entry per package may apply ----------------------------------------------------


def pylock(lab: Lab, root: Path, requirement: str, entries: list[tuple[str, Path, str]]) -> None:
    """A project declaring ``requirement``, its pylock.toml holding ``entries`` (name, wheel,
    marker; the version is the wheel's)."""
    import tomllib

    from packaging.pylock import Pylock

    pep621(root, lab, requirement)
    text = 'lock-version = "1.0"\ncreated-by = "pdm"\nrequires-python = ">=3.11"\n'
    for name, wheel, marker in entries:
        version = wheel.name.split("-")[1]
        text += f'\n[[packages]]\nname = "{name}"\nversion = "{version}"\n'
        if marker:
            text += f'marker = "{marker}"\n'
        hashes = f'{{ sha256 = "{sha256(wheel)}" }}'
        text += f'wheels = [{{ url = "{wheel.as_uri()}", hashes = {hashes} }}]\n'
    Pylock.from_dict(tomllib.loads(text))  # the spec's own reader: a valid lock file
    (root / "pylock.toml").write_text(text)
    dry_run(root.name, "--no-index", "-r", str(root / "pylock.toml"))


def two_entries_proof(lab: Lab, root: Path) -> None:
    out = probed(lab)[root.name]
    assert "exit 1" in out and "Multiple packages with the name 'demo-alpha'" in out, out
    assert probed(lab)["versions"]["demo-alpha"] == "1.0", probed(lab)["versions"]


@case(
    "venv-pylock-two-entries-apply",
    Expect(
        "venv/lock-drift",
        "fail",
        ("demo-alpha", "entries"),
        ("pylock.toml",),
        never=("lock says", "is locked but not installed"),
    ),
    two_entries_proof,
)
def pylock_two_entries_apply(lab: Lab, root: Path) -> dict[str, str | None]:
    """pylock.toml merged from two branches: demo-alpha 1.0 and 1.1, neither with a marker."""
    newer = make_wheel(index(lab), "demo-alpha", "1.1")
    pylock(
        lab,
        root,
        "demo-alpha>=1",
        [("demo-alpha", lab_wheel(lab, "demo-alpha"), ""), ("demo-alpha", newer, "")],
    )
    return {}


def exclusive_proof(lab: Lab, root: Path) -> None:
    out = probed(lab)[root.name]
    assert "exit 0" in out and "Would install" not in out, out
    assert probed(lab)["versions"]["demo-plat"] == "1.0", probed(lab)["versions"]


@case(
    "venv-pylock-exclusive-markers",
    Expect("venv/lock-drift", "pass"),
    exclusive_proof,
    quiet=("venv/lock-drift", "demo-plat"),
)
def pylock_exclusive_markers(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: demo-plat 1.0 for ``sys_platform != 'win32'`` and 2.0 for
    ``sys_platform == 'win32'``; 1.0 is installed."""
    here = make_wheel(installed_wheels(lab), "demo-plat", "1.0")
    WHEELS.append(here)
    there = make_wheel(index(lab), "demo-plat", "2.0")
    pylock(
        lab,
        root,
        "demo-plat>=1",
        [
            ("demo-plat", here, "sys_platform != 'win32'"),
            ("demo-plat", there, "sys_platform == 'win32'"),
        ],
    )
    return {}


#: the cases whose printed fix is run, and the check that must pass after it
ROUND.healed.update(
    {
        "venv-local-label-other": "venv/package[demo-torch]",
        "venv-arbitrary-equality-padded": "venv/package[demo-arb]",
        "venv-wheel-unpacked-data": "venv/package[demo-unz]",
    }
)

world, test_venv = ROUND.tests()


#: the rows of docs/verdicts/venv.md this module asserts
ASSERTED = tuple(ROUND.cases)
