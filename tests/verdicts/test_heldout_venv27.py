"""Twenty-seventh held-out round for the venv verdicts (issue 23): what the application's own
``import`` does where a proxy (the metadata, ``pip check``, the lock, the installed ``.dist-info``)
says all is well. Poetry's editable install of a project whose package is declared with
``packages = [{ include = "svt", to = "vendor" }]`` (the wheel puts it at ``vendor/svt``; the
editable hook names the project's directory, where it is ``svt``), a module of one distribution
that a regular package of the same name from another distribution hides (the import system
takes a package directory before a module in the same directory), and a dependency whose
``__init__.py`` imports, at its top level, a module no installed distribution provides and its
``Requires-Dist`` does not name. Three breakages and two healthy neighbours, each a project
(p00..p04) beside the venv lab's shared environment, judged by one start of that environment's
interpreter (tests/verdicts/venv_lab.py ``Round``).

How the set was made (2026-12-07), from the sources, each tried by hand first (Poetry 2.5.1,
pip 23.2.1 and this machine's Python 3.11.7):

- Poetry's pyproject.md ``packages`` (``to``: "the package will be placed in the given directory
  when built") and python-poetry/poetry issue 10235 ("packages.to parameter breaks editable
  installs", open, "Workarounds: None known"): a project (package ``svt``) with ``packages =
  [{ include = "svt", to = "vendor" }]``, installed by ``poetry install``: ``poetry build``'s wheel
  holds ``vendor/svt/__init__.py``, but the editable install's ``svt.pth`` names the project's
  directory, so ``import vendor.svt`` fails (ModuleNotFoundError: No module named 'vendor') and
  ``import svt`` works; ``poetry check --lock``: "All set!" (breakage). Tried by hand: the
  package moved to ``vendor/svt/`` and declared ``{ include = "vendor/svt" }``, ``poetry install``
  makes ``import vendor.svt`` work, and the wheel is the same.
- CPython's import system (``importlib._bootstrap_external.FileFinder.find_spec``: a directory
  with an ``__init__`` is a package and is returned before a module file of the same name is
  looked for; a directory without one is a namespace portion only when no module is found), as
  python-magic (``magic/``) and file-magic (``magic.py``) meet in one site-packages: demo-magf
  installs ``mag.py`` (``detect_from_filename``), demo-magp (which nothing declares) installs
  ``mag/__init__.py``; both RECORDs intact, ``pip check`` content, ``from mag import
  detect_from_filename`` fails (ImportError) (breakage). Tried by hand: ``pip uninstall demo-magp``
  makes it work.
- Core metadata ``Requires-Dist`` (a distribution's requirements are what it declares) and pip's
  ``pip check`` (which reads only them): demo-rep's ``__init__.py`` says ``import demo_six`` at
  its top level and its METADATA has no ``Requires-Dist`` (as packages did with ``six`` or
  ``pkg_resources`` that something else used to bring); no installed distribution provides
  ``demo_six``: ``import demo_rep`` fails (ModuleNotFoundError: demo_six) while ``pip check``
  says "No broken requirements found" (breakage).
- Healthy: demo-fxm's module ``fx.py`` beside demo-fxd's data directory ``fx/`` (``schema.json``,
  no ``__init__.py``): the module is found first, ``from fx import go`` works (must pass).
- Healthy: demo-req's ``__init__.py`` imports ``demo_sev`` inside ``try: ... except
  ImportError:`` (an optional speed-up), which is not installed: ``import demo_req`` works (must
  pass).

Expectations (each the verdict, the words of its cause and fix that a fully right verdict has):
the ``to`` case fails ``venv/project`` naming ``vendor.svt`` and the hook ``svt.pth``, with a fix
that names ``vendor/svt`` (the package moved where its import name says) and ``poetry install``,
carried out as it says and judged again (passes), never ``pip install -e`` (poetry-core's
editable build writes the same hook); the shadowed module fails ``venv/package[demo-magf]``
naming ``mag/__init__.py`` and demo-magp, fixed by ``pip uninstall --yes demo-magp`` (run, then
judged again: passes), never a rename (no file of the project is involved) nor a reinstall of
demo-magf; the undeclared import fails ``venv/package[demo-rep]`` naming ``import demo_six``, the
file ``demo_rep/__init__.py`` and ``Requires-Dist``, with a fix that names ``demo_six``, never a
reinstall of demo-rep (it brings the same files) (not executed: which distribution provides
``demo_six`` is the person's to find); the neighbours pass ``venv/package[demo-fxm]`` /
``[demo-fxd]`` and ``venv/package[demo-req]`` and none of their checks fails or warns.

Proven with the real tools before a grade counts: Poetry's ``check --lock`` (exit 0) and
``build --format wheel`` (``vendor/svt/__init__.py`` in the wheel) in the Poetry process that
answers envcheck's questions, the hook's path line; one start of the environment's interpreter
importing each case's module as its application does (the outcome and the exception) and running
``pip check`` (exit 0: "No broken requirements found").

Checked against the table and the rounds before choosing (``grep -r -i`` over
docs/verdicts/venv.md, tests/verdicts/test_heldout_venv*.py, the four venv sweeps and
tests/verdicts/test_venv.py): ``to = "`` / ``"to"`` / ``packages.to`` / ``10235`` occur nowhere
(``packages`` rows have ``from``: venv-poetry-packages-from-gone, -from-lib, and
package-mode-false); ``shadow`` rows are the project's directory (venv-local-module-shadows,
venv-sourceless-pyc-shadows, venv-safe-path-local-module), ``PYTHONPATH``, the user site, a
``.pth`` inserting a directory first, and PEP 420 portions hidden by a regular package
(venv-namespace-portion-shadowed, venv-namespace-portions-shared); two distributions writing one
file is venv-two-dists-one-file; a module and a package of the same name from two distributions
in one directory (``FileFinder``, ``package beats``, ``module and a package``, ``python-magic``)
occur nowhere; ``SyntaxError`` / ``ModuleNotFoundError`` rows are a file cut short
(venv-record-file-not-python), a dangling link, an editable's source declaring a dependency
since (round fourteen's venv-editable-source-requires-more: its pyproject.toml names it), and
packages moved; ``undeclared`` is only round nine's Poetry source, ``pkg_resources`` and
``imports a`` module no distribution provides never. Not taken (rows have them): a ``.pth``
import line failing (venv-pth-import-fails), PEP 660 finder mappings, Requires-Python excluding
this Python (venv-requires-python-excludes), hidden ``.pth`` files (skipped only from Python
3.13's site.py; this machine's lab is 3.11), PEP 668 (venv-pep668-externally-managed). The
grading is round one's (``grade`` in tests/verdicts/test_heldout_servers.py) with round twelve's
addition for healthy neighbours. Caution on independence: the person who wrote these read
checks/venv/own_install.py and hooks.py's own-install checks in earlier rounds, and the table's
rows, not how ``venv/package`` looks at a distribution's imports.

Expectations committed before the first run: a4edd28.

First run (envcheck at a4edd28, before any change, through ``ENVCHECK_LAB_SRC``; 2026-12-07; every
proof held): **2 of 5 fully right** (the two healthy neighbours: ``venv/package[demo-fxm]``
"demo-fxm 1.0", ``[demo-fxd]`` "demo-fxd 1.0", ``[demo-req]`` "demo-req 1.0", and none of their
checks failed or warned; only their rows were missing), 3 wrong, each its check passing:
venv-poetry-packages-to-editable, ``venv/project`` "p00/pyproject.toml (pytest's rootdir)" (the
project's own install was judged by its path hook reaching ``svt``, never by the name ``to`` gives
it); venv-module-hidden-by-another-package, ``venv/package[demo-magf]`` "demo-magf 1.0" (a module
found elsewhere counted only outside the distribution's own site directory: "another distribution's
file there: not a shadow"); venv-dependency-imports-undeclared-module, ``venv/package[demo-rep]``
"demo-rep 1.0" (nothing read what the distribution's modules import). Corrected after the first
run, none of it an expectation's check, cause or fix: the round lends the environment this run's
``pip`` package through its own ``.pth`` (``with_pip``), since ``Lab.apply`` takes away the ``zz_``
path that lends it while a fix runs, and the shared environment of a round without the lab template
is made without pip (the first printed ``pip uninstall`` stopped: "No module named pip", which a
virtualenv with its pip never says).

After (2489951; verdicts from structure: the import system's answer for each name against RECORD's
files, the statements of a module's body, ``[tool.poetry] packages``' ``to`` against the path
hook): 5 of 5 fully right, each a row of docs/verdicts/venv.md (``ASSERTED``, registered in
tests/verdicts/test_venv.py) asserted on the run. checks/venv/own_install.py ``unplaced`` (with
``_path_hooks``, shared with ``unreached``): a ``packages`` entry with ``to`` (built for a wheel)
whose directory the install's path hook names while the dotted name ``to`` and ``include`` make is
found nowhere (``integrity._spec_without_import``, which imports nothing); hooks.py
``_own_written`` fails ``venv/project`` with it, fixed by the person's move of the package to
``<to>/<include>`` declared as ``{ include = "<to>/<include>" }`` (its ``from`` kept), then
``poetry install``. integrity.py ``hidden_in_site``: a top-level module of the distribution whose
``find_spec`` origin is another file of its own site directory that its RECORD does not list (a
package ``NAME/__init__`` before ``NAME.py``, an extension module before a source file);
packages.py ``_hidden_in_site`` names the owner RECORD gives and prints ``_clashing``'s fix (as for
a namespace portion another's package hides: pip uninstalls an owner the project does not lock).
integrity.py ``unprovided_imports``: the ``import`` / ``from ... import`` statements of the body of
a distribution's top-level modules (``ast``; nothing nested in ``try``, ``if`` or a function; a
file that changes ``sys.path``, ``sys.modules`` or ``sys.meta_path`` left out) whose top-level name
``find_spec`` finds nowhere; packages.py ``_unprovided_import`` fails ``venv/package`` with it when
every requirement of the distribution (and its extras') is met (else that requirement is the cause,
said by ``venv/consistency``), with a person's fix naming the module. The printed fixes of the
first two were run (the ``pip uninstall`` by envcheck's step runner; the move and the edit as the
fix says, then ``poetry install`` in the Poetry process of the second run) and the projects judged
again by a fresh start of the interpreter: the checks pass; the third's fix is a person's search
for the distribution that provides the module and is not executed. ``test_import_structure`` covers
what the cases do not reach (the statements left out, an extension module of another distribution,
a data directory, ``to`` with ``from``, an entry only for the sdist).

Cost: ``-n 0``, 12.4 user + 1.4 sys CPU-s with pytest's start and no lab template (24 s wall,
the machine loaded by the other helpers' runs: round twenty-six measured 13.4 user + 2.0 sys
there at the same time, against its own 7.3 + 1.3): one pip run for the six wheels, one Poetry
process for the project's install, one envcheck run for the five projects with one Poetry process
(envcheck's questions after ``poetry build``), one probe (the imports and ``pip check``), the
``pip uninstall``, one more envcheck run with one Poetry process (the edit's ``poetry install``).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from tests.throwaway import make_wheel
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_heldout_venv12 import pep621
from tests.verdicts.venv_lab import PIP_PROBE, Lab, Round

ROUND = Round(27, prove_found=True, template=False)
case = ROUND.case

#: the statements each case's application runs, by the case's distribution
IMPORTS = {
    "svt": "import vendor.svt",
    "svt-plain": "import svt",
    "demo-magf": "from mag import detect_from_filename",
    "demo-rep": "import demo_rep",
    "demo-fxm": "from fx import go",
    "demo-req": "import demo_req",
}

#: one start of the environment's interpreter: each statement of ``asked["imports"]`` run as
#: the application runs it (its outcome: ``ok`` or the exception's type and text), then
#: :data:`PIP_PROBE` (``pip check``)
PROBE = r"""
import json, sys
imported = {}
for key, statement in json.loads(open(sys.argv[1]).read())["imports"].items():
    try:
        exec(statement, {})
        imported[key] = "ok"
    except ImportError as exc:
        imported[key] = f"{type(exc).__name__}: {exc}"
""" + PIP_PROBE.replace('out = {"versions": {}}', 'out = {"versions": {}, "imports": imported}')


def probed(lab: Lab) -> dict[str, Any]:
    asked = {"names": [], "ask": {"check": ["--disable-pip-version-check", "check"]}}
    return ROUND.probed(lab, PROBE, {**asked, "cwd": {}, "imports": IMPORTS})


def outcome(lab: Lab, key: str) -> str:
    return str(probed(lab)["imports"][key])


def pip_content(lab: Lab) -> None:
    said = probed(lab)["check"]
    assert said.startswith("exit 0") and "No broken requirements found" in said, said


def site(lab: Lab) -> Path:
    return next((lab.app / ".venv").glob("lib/python3*/site-packages"))


def wheels(lab: Lab) -> Path:
    directory = lab.tmp / "wheels-27"
    directory.mkdir(exist_ok=True)
    return directory


def with_pip(lab: Lab) -> None:
    """The environment's own pip, as a virtualenv made with it has (the lab's borrows this
    run's packages only while envcheck runs): this run's pip package lent by a ``.pth``."""
    import pip

    lent = lab.tmp / "pip-27"
    if not lent.exists():
        lent.mkdir()
        (lent / "pip").symlink_to(Path(pip.__file__).parent)
        (site(lab) / "pip-27.pth").write_text(f"{lent}\n")


def installed(lab: Lab, name: str, files: dict[str, str]) -> None:
    """``name`` 1.0 (``files`` its content, no ``Requires-Dist``) among the round's pip
    installs; the same wheel where a printed pip fix may find it."""
    with_pip(lab)
    ROUND.wheels.append(make_wheel(wheels(lab), name, "1.0", files=files))
    make_wheel(ROUND.index(lab), name, "1.0", files=files)


# -- Poetry's packages ``to``: the editable hook names the directory, not the import path ------

PROJECT_TO = """[project]
name = "svt"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[tool.poetry]
packages = [{ include = "svt", to = "vendor" }]

[build-system]
requires = ["poetry-core>=2"]
build-backend = "poetry.core.masonry.api"
"""


def to_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    said = found["poetry"][str(root)]
    assert said["lock"]["returncode"] == 0, said["lock"]
    assert said["before0"]["returncode"] == 0, said["before0"]
    (wheel,) = (root / "dist").glob("svt-0.1.0-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert "vendor/svt/__init__.py" in archive.namelist(), archive.namelist()
    hook = (site(lab) / "svt.pth").read_text().strip()
    assert Path(hook).resolve() == root.resolve(), hook
    assert outcome(lab, "svt").startswith("ModuleNotFoundError"), outcome(lab, "svt")
    assert outcome(lab, "svt-plain") == "ok", outcome(lab, "svt-plain")


@case(
    "venv-poetry-packages-to-editable",
    Expect(
        "venv/project",
        "fail",
        ("vendor.svt", "svt.pth"),
        ("vendor/svt", "poetry install"),
        never=("pip install -e",),
        heals=True,
    ),
    to_proof,
    poetry=True,
)
def packages_to(lab: Lab, root: Path) -> dict[str, str | None]:
    """``packages = [{ include = "svt", to = "vendor" }]``, installed editable by Poetry."""
    ROUND.poetry_tree(lab, root, {"pyproject.toml": PROJECT_TO, "svt/__init__.py": "X = 1\n"})
    ROUND.before[root.name] = [["build", "--format", "wheel"]]
    return {}


def moved_under_to(root: Path, hint: str) -> list[list[str]]:
    """The person's edit as the fix says: the package moved to ``vendor/svt`` and declared
    there, then Poetry's install."""
    assert "vendor/svt" in hint and "poetry install" in hint, hint
    (root / "vendor").mkdir()
    shutil.move(str(root / "svt"), str(root / "vendor" / "svt"))
    pyproject = root / "pyproject.toml"
    old = 'packages = [{ include = "svt", to = "vendor" }]'
    assert old in pyproject.read_text(), pyproject.read_text()
    pyproject.write_text(
        pyproject.read_text().replace(old, 'packages = [{ include = "vendor/svt" }]')
    )
    return [["install"]]


# -- the import system: a package of another distribution before a module ---------------------


def shadow_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    assert (site(lab) / "mag.py").is_file() and (site(lab) / "mag" / "__init__.py").is_file()
    said = outcome(lab, "demo-magf")
    assert said.startswith("ImportError: cannot import name 'detect_from_filename'"), said
    pip_content(lab)


@case(
    "venv-module-hidden-by-another-package",
    Expect(
        "venv/package[demo-magf]",
        "fail",
        ("mag/__init__.py", "demo-magp"),
        ("pip uninstall --yes demo-magp",),
        never=("rename", "pip install demo-magf", "pip install 'demo-magf"),
        heals=True,
    ),
    shadow_proof,
)
def module_hidden(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-magf's ``mag.py`` hidden by demo-magp's ``mag/__init__.py`` (declared nowhere)."""
    installed(lab, "demo-magf", {"mag.py": "def detect_from_filename(path):\n    return 'x'\n"})
    installed(lab, "demo-magp", {"mag/__init__.py": "def from_file(path):\n    return 'x'\n"})
    pep621(root, lab, "demo-magf>=1")
    return {}


# -- Requires-Dist: a top-level import no distribution provides --------------------------------


def undeclared_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    said = outcome(lab, "demo-rep")
    assert said == "ModuleNotFoundError: No module named 'demo_six'", said
    metadata = (site(lab) / "demo_rep-1.0.dist-info" / "METADATA").read_text()
    assert "Requires-Dist" not in metadata, metadata
    pip_content(lab)


@case(
    "venv-dependency-imports-undeclared-module",
    Expect(
        "venv/package[demo-rep]",
        "fail",
        ("import demo_six", "demo_rep/__init__.py", "Requires-Dist"),
        ("demo_six",),
        never=("pip install demo-rep", "pip install 'demo-rep", "--force-reinstall"),
    ),
    undeclared_proof,
)
def undeclared_import(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-rep's ``__init__.py`` imports ``demo_six``, which it does not require."""
    installed(lab, "demo-rep", {"demo_rep/__init__.py": "import demo_six\n\nPY3 = demo_six.PY3\n"})
    pep621(root, lab, "demo-rep>=1")
    return {}


# -- healthy neighbours ---------------------------------------------------------------------------


def module_first_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    assert (site(lab) / "fx.py").is_file() and (site(lab) / "fx" / "schema.json").is_file()
    assert not (site(lab) / "fx" / "__init__.py").exists()
    assert outcome(lab, "demo-fxm") == "ok", outcome(lab, "demo-fxm")


@case(
    "venv-module-beside-a-data-directory",
    Expect("venv/package[demo-fxm]|venv/package[demo-fxd]", "pass"),
    module_first_proof,
    quiet=("demo-fxm", "demo-fxd"),
)
def module_beside_data(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: demo-fxm's ``fx.py`` beside demo-fxd's ``fx/`` data directory."""
    installed(lab, "demo-fxm", {"fx.py": "def go():\n    return 1\n"})
    installed(lab, "demo-fxd", {"fx/schema.json": json.dumps({"type": "object"}) + "\n"})
    pep621(root, lab, "demo-fxm>=1", "demo-fxd>=1")
    return {}


def guarded_proof(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    assert outcome(lab, "demo-req") == "ok", outcome(lab, "demo-req")
    assert not list(site(lab).glob("demo_sev*")), list(site(lab).glob("demo_sev*"))


@case(
    "venv-dependency-optional-import-guarded",
    Expect("venv/package[demo-req]", "pass"),
    guarded_proof,
    quiet=("demo-req",),
)
def guarded_import(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: demo-req imports ``demo_sev`` inside ``try``/``except
    ImportError``; demo_sev is not installed."""
    text = "try:\n    import demo_sev\nexcept ImportError:\n    demo_sev = None\n"
    installed(lab, "demo-req", {"demo_req/__init__.py": text})
    pep621(root, lab, "demo-req>=1")
    return {}


#: the case whose printed pip fix is run by envcheck's step runner, and the check that must pass
ROUND.healed["venv-module-hidden-by-another-package"] = "venv/package[demo-magf]"
#: the case whose fix is a person's edit, carried out as it says (then Poetry's install)
ROUND.edits["venv-poetry-packages-to-editable"] = ("venv/project", moved_under_to)

#: the rows of docs/verdicts/venv.md these cases assert (registered in tests/verdicts/test_venv.py)
ASSERTED = tuple(ROUND.cases)

world, test_venv = ROUND.tests()


def test_import_structure(tmp_path: Path, monkeypatch: Any) -> None:
    """What the cases do not reach: ``from x.y import z`` and the statements left out (``try``,
    ``if``, a function, relative, ``__future__``, a file that changes ``sys.path``); an
    extension module of another distribution before a module file, a data directory hiding
    nothing; ``to`` with ``from`` and a nested ``to``, and an entry only for the sdist."""
    import importlib

    from envcheck.checks.venv import integrity, own_install

    site = tmp_path / "site"

    def dist(name: str, files: dict[str, str]) -> Path:
        info = site / f"{name}-1.0.dist-info"
        info.mkdir(parents=True)
        for path, text in files.items():
            (site / path).parent.mkdir(parents=True, exist_ok=True)
            (site / path).write_text(text)
        (info / "RECORD").write_text("".join(f"{path},,\n" for path in files))
        return info

    body = (
        "from __future__ import annotations\nimport os\nimport demo_gone_a\n"
        "from demo_gone_b.sub import thing\ntry:\n    import demo_gone_c\nexcept ImportError:\n"
        "    pass\nif False:\n    import demo_gone_d\ndef f():\n    import demo_gone_e\n"
        "from . import sibling\n"
    )
    found = integrity.unprovided_imports(dist("demo_u", {"demo_u/__init__.py": body}))
    assert found == [
        ("demo_gone_a", "demo_u/__init__.py", 3),
        ("demo_gone_b", "demo_u/__init__.py", 4),
    ]
    moved = "import sys\nsys.path.insert(0, 'vendored')\nimport demo_gone_a\n"
    assert integrity.unprovided_imports(dist("demo_v", {"demo_v.py": moved})) == []

    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    hx = dist("demo_hx", {"hx.py": "X = 1\n"})
    dist("demo_hxc", {f"hx{suffix}": ""})
    fy = dist("demo_fy", {"fy.py": "X = 1\n"})
    dist("demo_fyd", {"fy/data.json": "{}\n"})
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    assert integrity.hidden_in_site(hx) == ("hx", "hx.py", str(site / f"hx{suffix}"))
    assert integrity.hidden_in_site(fy) is None

    root = tmp_path / "project"
    (root / "src" / "svu").mkdir(parents=True)
    info = dist("svu", {"svu.pth": f"{root / 'src'}\n"})
    packages = [{"include": "svu", "from": "src", "to": "vendor/lib"}]
    data: dict[str, Any] = {"tool": {"poetry": {"packages": packages}}}
    placed = own_install.unplaced(info, root, data)
    assert placed is not None and (placed.module, placed.plain) == ("vendor.lib.svu", "svu")
    assert placed.base == root / "src" and placed.to == "vendor/lib"
    packages[0]["format"] = "sdist"
    assert own_install.unplaced(info, root, data) is None
