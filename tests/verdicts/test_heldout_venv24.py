"""Twenty-fourth held-out round for the venv verdicts (issue 23): where pip looks for what a
printed ``pip install`` asks for. pip's *Configuration* (every option a ``PIP_<NAME>``
variable) has three settings that leave the install with nothing to install while the
environment and the package are fine: ``--only-binary :all:`` (``PIP_ONLY_BINARY``: pip takes no
source distribution), ``--no-index`` (``PIP_NO_INDEX``: only ``--find-links`` locations) and a
``--find-links`` location that does not exist (pip: "Location '<dir>' is ignored: it is either a
non-existing path or lacks a specific scheme"). Three breakages and one healthy neighbour, each a
project (p00..p03) beside the venv lab's shared environment, judged by one start of that
environment's interpreter (tests/verdicts/venv_lab.py ``Round``).

How the set was made (2026-12-07), from pip's documentation (user guide "Configuration",
"Environment Variables"; ``pip install`` options ``--only-binary``, ``--no-index``,
``--find-links``), each tried with pip 26.3 as the proofs below do:

- ``PIP_ONLY_BINARY=:all:`` (a CI's policy left in the shell); demo-pqa declared ``>=2``, 1.0
  installed, 2.0 only as a source distribution (an in-tree build backend, no build
  requirements): pip says "No matching distribution found" (breakage; the command undoes it for
  itself, then pip builds 2.0);
- ``PIP_NO_INDEX=1`` with ``PIP_FIND_LINKS`` naming a wheelhouse that was removed; demo-pqb
  declared ``>=2``, 1.0 installed: pip ignores the location and finds nothing (breakage; the
  setting and the missing directory named: only the person knows where the wheels are now);
- ``PIP_NO_INDEX=1`` alone (no find-links at all); demo-pqc declared ``>=2``, 1.0 installed: pip
  finds nothing (breakage; the setting named, undone for the command with ``PIP_NO_INDEX=0``,
  which needs the index, so not executed offline here);
- ``PIP_NO_INDEX=1`` with ``PIP_FIND_LINKS`` naming a wheelhouse that holds demo-pqd 2.0;
  demo-pqd declared ``>=2``, 1.0 installed (healthy neighbour: the drift is the failure, the
  plain printed fix installs 2.0 from there, nothing is said of the two settings).

Proven with the real tool before a grade counts: the environment's pip with the case's variables
(``pip install --dry-run --no-deps '<name>>=2'``): "No matching distribution found" (exit 1) for
the three breakages, with pip's "is ignored" warning for the removed wheelhouse; "Would install
demo-pqd-2.0" for the neighbour.

Checked against the table and the rounds before choosing (``grep -r -i`` for ``only.binary``,
``no.index``, ``find.links``, ``ONLY_BINARY``, ``NO_INDEX``, ``FIND_LINKS`` over
docs/verdicts/venv.md, tests/verdicts/test_heldout_venv*.py, tests/verdicts/test_venv*.py, the
four venv sweeps and src/envcheck/checks/venv/): ``--only-binary``/``--no-index``/``--find-links``
occur only as the tests' own offline pip options (the lab, rounds one, ten, twelve, the manager
sweep's ``PIP_NO_INDEX``/``PIP_FIND_LINKS`` for a pip-tools fix), as a uv ``[tool.uv]`` setting
(round twelve), in reqfiles.py's list of requirement-file options, and in round twenty-two's
proof (``--only-binary=:all:`` to force a wheel in); checks/venv/pipconf.py reads ``user``,
``target``, ``prefix``, ``root``, ``python``, ``require-hashes``, ``constraint`` and none of the
three. Not taken (rows have them): ``PIP_USER``, ``target``, ``PIP_PREFIX``, ``PIP_CONSTRAINT``,
``PIP_REQUIRE_HASHES``, ``PIP_PYTHON``, ``require-virtualenv`` in a pip.conf (round eleven's
healthy neighbour). The grading is round one's (``grade`` in tests/verdicts/test_heldout_servers.py)
with round twelve's addition for healthy neighbours. Caution on independence: the person who wrote
these read checks/venv/pipconf.py before choosing.

Expectations committed before the first run: 9cafe2b (b0bb836 only wrapped the backend's lines).

First run (envcheck at b0bb836, before any change; 2026-12-07; every proof held): **1 of 4 fully
right** (the healthy neighbour venv-pip-no-index-wheelhouse: the drift failed, its plain fix ran
and the check passed, none of the settings named; only its row was missing), 3 partly:
venv-pip-only-binary-sdist (the right check fails on the drift, "demo-pqa 1.0 is installed, but
demo-pqa>=2 is required", but ``PIP_ONLY_BINARY`` is not named and the printed ``pip install
'demo-pqa>=2'``, run with the shell's variables, found no distribution: the check still fails);
venv-pip-find-links-missing (same cause, nothing of ``PIP_FIND_LINKS`` or the removed
wheelhouse; the printed pip install finds nothing); venv-pip-no-index-alone (same, nothing of
``PIP_NO_INDEX``). The first build of venv-pip-no-index-alone left this machine's own
``PIP_FIND_LINKS=/opt/wheels`` and its user pip.conf's ``find-links = /opt/wheels`` in force (an
existing directory without demo-pqc, so pip still found nothing and the proof held); its make was
corrected to what the case says (``PIP_FIND_LINKS`` emptied, which pip ignores, and
``PIP_CONFIG_FILE=/dev/null``, so pip loads no file), not its expectation; on envcheck at b0bb836
it grades the same (nothing there reads ``no-index``).

After (verdicts from structure: pip's own settings as this interpreter's pip reads them, and
whether each local find-links location exists): 4 of 4 fully right, each a row of
docs/verdicts/venv.md (``ASSERTED``, registered in tests/verdicts/test_venv.py) asserted on the
run. checks/venv/pipconf.py ``_nowhere``: ``only-binary`` holding ``:all:`` is named and undone
for the printed command (``PIP_ONLY_BINARY=`` emptied, ``PIP_CONFIG_FILE=/dev/null`` where a file
sets it); ``no-index`` true with no find-links location that exists is named with the missing
locations (or that none is set) and undone with ``PIP_NO_INDEX=0`` (pip's boolean); a
wheelhouse that exists is left alone (the neighbour). The only-binary case's printed fix was run
by envcheck's step runner with the case's variables still set (pip built the sdist through its
in-tree backend) and the project judged again: the check passes; so did the neighbour's plain
fix. The two no-index breakages' commands need the index (or a wheelhouse only the person
knows) and are not executed here.

Cost: ``-n 0``, 6.3 user + 1.2 sys CPU-s with pytest's start (1.6 on its own) and the lab
template's build: one envcheck run for the four projects, four pip dry runs as proofs, two fixes
(pip runs, one building the sdist) and one more envcheck run; 7.6 s wall.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from tests.throwaway import make_wheel
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_heldout_venv12 import pep621
from tests.verdicts.venv_lab import Lab, Round

ROUND = Round(24, prove_found=True)
case = ROUND.case
index = ROUND.index
installed_wheels = ROUND.installed_wheels

#: an in-tree PEP 517 backend with no build requirements: its wheel is the package's
#: ``__init__.py`` and metadata (so pip builds it offline)
BACKEND = """
import base64, hashlib, zipfile

NAME, VERSION = {name!r}, {version!r}


def _digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    module = NAME.replace("-", "_")
    info = f"{{module}}-{{VERSION}}.dist-info"
    files = {{
        f"{{module}}/__init__.py": f"__version__ = {{VERSION!r}}\\n".encode(),
        f"{{info}}/METADATA": (
            f"Metadata-Version: 2.1\\nName: {{NAME}}\\nVersion: {{VERSION}}\\n".encode()
        ),
        f"{{info}}/WHEEL": (
            b"Wheel-Version: 1.0\\nGenerator: demo\\nRoot-Is-Purelib: true\\n"
            b"Tag: py3-none-any\\n"
        ),
    }}
    record = "".join(f"{{p}},{{_digest(d)}},{{len(d)}}\\n" for p, d in files.items())
    name = f"{{module}}-{{VERSION}}-py3-none-any.whl"
    with zipfile.ZipFile(f"{{wheel_directory}}/{{name}}", "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr(f"{{info}}/RECORD", record + f"{{info}}/RECORD,,\\n")
    return name
"""


def make_sdist(directory: Path, name: str, version: str) -> Path:
    """A source distribution of ``name`` ``version`` (PEP 517, ``backend-path``)."""
    base = f"{name.replace('-', '_')}-{version}"
    files = {
        "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "backend"\n'
        'backend-path = ["."]\n',
        "backend.py": BACKEND.format(name=name, version=version),
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    }
    sdist = directory / f"{base}.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{base}/{path}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return sdist


def drifted(lab: Lab, root: Path, name: str, wheel: bool = True) -> None:
    """``name`` declared ``>=2``, its 1.0 installed in the shared environment, 2.0 on the
    find-links the printed fixes use (a wheel, or only a source distribution)."""
    ROUND.wheels.append(make_wheel(installed_wheels(lab), name, "1.0"))
    (make_wheel if wheel else make_sdist)(index(lab), name, "2.0")
    pep621(root, lab, f"{name}>=2")


def pip_finds(name: str, says: str, code: int, also: str = "") -> Any:
    """The proof: the environment's pip with the case's variables, ``pip install --dry-run
    --no-deps '<name>>=2'``, exits ``code`` saying ``says`` (and ``also``)."""

    def prove(lab: Lab, root: Path, found: dict[str, Any]) -> None:
        env = {**lab.env, **ROUND.heal_env[root_ident(root)]}
        done = subprocess.run(
            [str(lab.python()), "-m", "pip", "--disable-pip-version-check", "install"]
            + ["--dry-run", "--no-deps", f"{name}>=2"],
            env=env,
            capture_output=True,
            text=True,
            cwd=root,
        )
        out = done.stdout + done.stderr
        assert done.returncode == code and says in out and also in out, (
            done.returncode,
            out[-2000:],
        )

    return prove


def root_ident(root: Path) -> str:
    return list(ROUND.cases)[int(root.name[1:])]


@case(
    "venv-pip-only-binary-sdist",
    Expect(
        "venv/package[demo-pqa]",
        "fail",
        ("demo-pqa", "PIP_ONLY_BINARY"),
        ("PIP_ONLY_BINARY",),
        heals=True,
    ),
    pip_finds("demo-pqa", "No matching distribution found", 1),
)
def only_binary(lab: Lab, root: Path) -> dict[str, str | None]:
    """``PIP_ONLY_BINARY=:all:``; demo-pqa 2.0 only as a source distribution."""
    drifted(lab, root, "demo-pqa", wheel=False)
    env = {"PIP_ONLY_BINARY": ":all:", "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(index(lab))}
    ROUND.heal_env["venv-pip-only-binary-sdist"] = env
    return dict(env)


@case(
    "venv-pip-find-links-missing",
    Expect(
        "venv/package[demo-pqb]",
        "fail",
        ("demo-pqb", "PIP_FIND_LINKS", "p01-wheelhouse"),
        ("PIP_FIND_LINKS",),
    ),
    pip_finds("demo-pqb", "No matching distribution found", 1, "is ignored"),
)
def find_links_missing(lab: Lab, root: Path) -> dict[str, str | None]:
    """``PIP_NO_INDEX=1`` and ``PIP_FIND_LINKS`` naming a removed wheelhouse."""
    drifted(lab, root, "demo-pqb")
    env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(root.parent / "p01-wheelhouse")}
    ROUND.heal_env["venv-pip-find-links-missing"] = env
    return dict(env)


@case(
    "venv-pip-no-index-alone",
    Expect("venv/package[demo-pqc]", "fail", ("demo-pqc", "PIP_NO_INDEX"), ("PIP_NO_INDEX=0",)),
    pip_finds("demo-pqc", "No matching distribution found", 1),
)
def no_index_alone(lab: Lab, root: Path) -> dict[str, str | None]:
    """``PIP_NO_INDEX=1`` and no find-links at all (the machine's own ``PIP_FIND_LINKS``
    emptied, which pip ignores, and its pip.conf files not loaded: ``PIP_CONFIG_FILE``)."""
    drifted(lab, root, "demo-pqc")
    env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "", "PIP_CONFIG_FILE": "/dev/null"}
    ROUND.heal_env["venv-pip-no-index-alone"] = env
    return dict(env)


@case(
    "venv-pip-no-index-wheelhouse",
    Expect(
        "venv/package[demo-pqd]",
        "fail",
        ("demo-pqd",),
        (),
        ("PIP_NO_INDEX", "PIP_FIND_LINKS", "PIP_ONLY_BINARY"),
        heals=True,
    ),
    pip_finds("demo-pqd", "Would install demo-pqd-2.0", 0),
)
def no_index_wheelhouse(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: ``PIP_NO_INDEX=1`` with a wheelhouse that holds demo-pqd 2.0."""
    drifted(lab, root, "demo-pqd")
    env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(index(lab))}
    ROUND.heal_env["venv-pip-no-index-wheelhouse"] = env
    return dict(env)


#: the cases whose printed fix is run (with the case's variables still set), and the check
#: that must pass after it
ROUND.healed.update(
    {
        "venv-pip-only-binary-sdist": "venv/package[demo-pqa]",
        "venv-pip-no-index-wheelhouse": "venv/package[demo-pqd]",
    }
)

#: the rows of docs/verdicts/venv.md these cases assert (registered in tests/verdicts/test_venv.py)
ASSERTED = tuple(ROUND.cases)

world, test_venv = ROUND.tests()
