"""Twenty-second held-out round for the venv verdicts (issue 23): breakages inside the installed
environment rather than the project's files: a RECORD written with another hash than sha256 and
a file edited since, a ``Requires-Dist`` that is no PEP 508 requirement (installed by a pip
before 24.1), a wheel for another platform installed by force. Four breakages and three
healthy neighbours that no row of docs/verdicts/venv.md, no earlier round and no sweep lists,
each a PEP 621 project (p00..p06, so no path carries a case's words) beside the venv lab's
shared environment, judged by one start of that environment's interpreter
(tests/verdicts/venv_lab.py ``Round``).

How the set was made (2026-12-07), from the sources of truth and before running envcheck on any
of them:

- *Recording installed projects* (packaging.python.org, the RECORD file: "The hash is either an
  empty string or the name of a hash algorithm from ``hashlib.algorithms_guaranteed``, followed
  by the equals character ``=`` and the digest", sha256 only the usual one; the ``installer``
  library writes another with ``hash_algorithm="sha512"``): demo-sfv installed by pip, its
  RECORD as such an installer writes it (sha512), then its ``DEBUG = 0`` flipped to ``DEBUG =
  1`` in site-packages (same size; pip: "already satisfied", the edit stays) (breakage); its
  neighbour demo-sok with a sha512 RECORD and its files untouched (must pass);
- *Core metadata* (``Requires-Dist``: "The format of a requirement string contains from one to
  four parts" of PEP 508; pip 24.1 dropped the legacy forms: "Starting with pip 24.1, packages
  with invalid requirements can not be processed"): demo-inv 1.0 with ``Requires-Dist:
  demo-zed >=1.0.*`` (``.*`` after ``>=``), installed by pip 23.2.1 (the one ``ensurepip``
  bundles with this Python 3.11.7); pip 26.3's ``pip check`` only warns "Error parsing
  dependencies of demo-inv" and says nothing of demo-zed, which is not installed (breakage);
  its neighbour demo-par with the old but valid parenthesised form ``demo-gamma (>=1.0)``,
  demo-gamma installed (must pass);
- *Binary distribution format* (installing a wheel: "If a file in ``.data/scripts`` starts with
  exactly ``b'#!python'``, rewrite to point to the correct interpreter"; any other ``#!`` is
  copied as it is): demo-hcs's wheel carries a script starting ``#!/usr/bin/python3.9`` (its
  author's machine), which this machine does not have: execve ENOENT; reinstalling writes the
  same line, so the fix is the rewrite an installer does for ``#!python`` (breakage; the sweep's
  iw-script-interpreter-gone is a script the installer wrote for an environment that moved,
  which a reinstall mends);
- *Platform compatibility tags* / *Binary distribution format* (the ``WHEEL`` file's ``Tag``
  lines; an installer installs only wheels whose tags the environment supports): demo-wtag
  built for ``py3-none-win_amd64`` (its module imports ``winreg``) put into this Linux
  environment by ``pip install --target <site-packages> --platform win_amd64
  --only-binary=:all:`` (the way to force it): ``pip check`` exits 1 ("is not supported on this
  platform"), its import fails (breakage); round seven's venv-wheel-tag-other-python was the
  interpreter tag (cp312) of a compiled module, this one the platform tag alone of a
  pure-Python wheel; its neighbour demo-mnl, ``py3-none-manylinux_2_17_x86_64``, installed by
  pip on this glibc 2.36 x86_64 (must pass).

Proven with the real tools before a grade counts: the environment's pip (its ``check``) and the
RECORD digests recomputed in the test.

Checked against the table and the rounds before choosing (``grep -c -F`` over
docs/verdicts/venv.md, tests/verdicts/test_heldout_venv*.py and tests/verdicts/test_venv*.py,
the four sweeps among them, this file aside): ``sha512``, ``algorithms_guaranteed``,
``>=1.0.*``, ``manylinux``, ``.data/scripts``, ``#!python``, ``python3.9`` occur nowhere;
``invalid requirement`` only as the project sweep's (in pyproject.toml, not in an installed
METADATA); ``Requires-Dist`` only with valid requirements (venv-consistency,
venv-requires-dist-extra-not-installed, venv-requires-dist-marker-false-here,
venv-editable-source-requires-more); ``RECORD`` hashes only as sha256
(venv-record-hash-differs, the sweeps' cases); ``win_amd64`` only as round nineteen's locked
wheel (pylock.toml, nothing installed for it) and the venv sweep's ``Tag:
cp312-cp312-win_amd64`` (an interpreter tag too, graded by its ``cp312``); ``Tag`` otherwise
round seven's cp312 and abi3; ``.data`` only as round sixteen's ``.data/purelib``; ``#!`` lines
only as ones an installer wrote (venv-script-of-another-python, the sweep's script cases).
Not taken, because a row or sweep already has them: a dist-info without RECORD or METADATA, two
dist-infos of one project, ``Requires-Python`` excluding this Python, a console script's module
or attribute gone, a console script's ``#!`` interpreter deleted, a ``.pth`` import line
raising. Not taken either: ``Metadata-Version: 3.0`` (pip 26.3 lists, shows and checks it
without a word: nothing a user meets), ``INSTALLER``/``REQUESTED`` (informational only). The
grading is round one's (``grade`` in tests/verdicts/test_heldout_servers.py) with round twelve's
addition for the healthy neighbours: no check about the names in ``quiet`` may fail or warn.
Caution on independence: the person who wrote these read checks/venv/integrity.py's
``changed_files`` (it compares sizes, then sha256 only) before choosing the first case.

Expectations committed before the first run: f23e8a0.

First run (envcheck at f23e8a0, before any change; 2026-12-07): **4 of 7 fully right** (the
three healthy neighbours and venv-wheel-tag-other-platform, whose printed uninstall and install
were run and healed it), 0 partly, 3 wrong:
venv-record-hash-other-algorithm (a false pass: venv/package[demo-sfv] "demo-sfv 1.0", RECORD
rows other than ``sha256=`` were skipped); venv-requires-dist-invalid (venv/package[demo-inv]
passes; venv/consistency did name "Requires-Dist: demo-zed >=1.0.*, which is not a PEP 508
requirement", with a fix that reinstalls ``demo-inv==1.0``, the release pip 26.3 refuses:
"has invalid metadata"); venv-data-script-hardcoded-interpreter (cause "the Python ... it was
installed with was removed, upgraded or moved", fix ``pip uninstall`` + ``pip install
demo-hcs==1.0``, which writes the same ``#!`` line; venv/virtualenv also warned "another
interpreter's pip installed into this environment" with ``--force-reinstall``). This last case
is graded on the second build: the first one's wheel stored its script without ``S_IFREG`` in
the zip's mode, so pip set no execute bit and the proof failed (envcheck then said "not
executable"); the build was corrected, not the expectation.
Found while grading: the invalid ``Requires-Dist`` is a kind the venv sweep had already
(its mutation ``Requires-Dist: sw nowhere >> 1``, graded on venv/consistency); the grep above
looked for the words, not for ``PEP 508``. Kept for what the sweep did not have: a release with
no valid metadata at all, so the fix must not reinstall it, and the declared package's own
check.

After (verdicts from structure: RECORD's algorithm field, ``Requires-Dist`` parsed by
``packaging``, ``entry_points.txt``'s script names against RECORD's scripts): 7 of 7 fully
right, each a row of docs/verdicts/venv.md (``ASSERTED``, registered in
tests/verdicts/test_venv.py) asserted on the run. checks/venv/integrity.py: ``changed_files``
(and ``overwritten``) hash each file with the algorithm its RECORD row names (any of
``hashlib.algorithms_guaranteed``), no longer sha256 only. checks/venv/packages.py:
``_requires_unreadable`` fails the declared package's check on a ``Requires-Dist`` that is no
PEP 508 requirement, and ``_another_release`` (used there and by venv/consistency for the same
finding) removes it and installs another release (``'demo-inv>=1,!=1.0'``), not the refused
one; ``_wheel_scripts`` tells a wheel's own ``.data/scripts`` (no name in ``entry_points.txt``)
from the installer's console scripts, so a missing ``#!`` interpreter of one is mended by
rewriting the line for this environment's Python (``sed -i '1s|^#!.*|#!<python>|'``), not by a
reinstall. Every printed fix was run by envcheck's step runner (pip offline from the round's
find-links) and the projects judged again: the checks pass (``ROUND.healed``). Not changed:
venv/virtualenv still warns on demo-hcs as "another interpreter's pip" (foreign_scripts), a
story that does not fit a wheel's own ``#!`` line (its fix there, a forced reinstall, does
not mend it; the package check's does).

Cost: ``-n 0``, 7.4 user + 1.3 sys CPU-s with pytest's start (about 1) and the lab template's
build (1.4, shared with the other venv rounds in one session): one pip 23.2.1 run (unpacked
from ensurepip's wheel) for six wheels, one ``--target`` run, one envcheck run for the seven
projects, one probe, three fixes (six pip runs) and one more envcheck run; 9.7 s wall.
"""

from __future__ import annotations

import base64
import ensurepip
import hashlib
import os
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.throwaway import _digest, make_wheel
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_heldout_venv12 import pep621
from tests.verdicts.test_heldout_venv16 import site_packages
from tests.verdicts.venv_lab import Lab, Round

#: the pip runs made once for the round (by the first case that needs them)
DONE: dict[str, bool] = {}

ROUND = Round(22, clear=(DONE,))
case = ROUND.case
index = ROUND.index
installed_wheels = ROUND.installed_wheels
NAMES = (
    "demo-sfv",
    "demo-sok",
    "demo-inv",
    "demo-zed",
    "demo-par",
    "demo-wtag",
    "demo-mnl",
    "demo-hcs",
)


def wheel(
    directory: Path,
    name: str,
    version: str,
    tag: str,
    files: dict[str, str],
    requires: str = "",
    scripts: dict[str, str] | None = None,
) -> Path:
    """A wheel of ``name`` for ``tag`` with ``files`` and ``Requires-Dist`` lines as given
    (written as they are: make_wheel's requirements would be valid ones), and ``scripts`` in
    its ``.data/scripts`` with their execute bits (as a build backend stores them)."""
    module = name.replace("-", "_")
    info = f"{module}-{version}.dist-info"
    data = f"{module}-{version}.data/scripts/"
    content = {
        **files,
        **{data + script: text for script, text in (scripts or {}).items()},
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{requires}",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: envcheck-tests\n"
        f"Root-Is-Purelib: true\nTag: {tag}\n",
    }
    record = "".join(f"{p},{_digest(t)},{len(t.encode())}\n" for p, t in content.items())
    path = directory / f"{module}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name_in, text in content.items():
            entry = zipfile.ZipInfo(name_in)
            entry.external_attr = (0o100755 if name_in.startswith(data) else 0o100644) << 16
            archive.writestr(entry, text)
        archive.writestr(f"{info}/RECORD", record + f"{info}/RECORD,,\n")
    return path


def sha512_record(info: Path) -> None:
    """RECORD rewritten as an installer that hashes with sha512 writes it."""
    site = info.parent
    rows = []
    for line in (info / "RECORD").read_text().splitlines():
        path, digest, size = line.rsplit(",", 2)
        if digest.startswith("sha256="):
            value = hashlib.sha512((site / path).read_bytes()).digest()
            digest = "sha512=" + base64.urlsafe_b64encode(value).decode().rstrip("=")
        rows.append(f"{path},{digest},{size}")
    (info / "RECORD").write_text("\n".join(rows) + "\n")


def old_pip(lab: Lab) -> Path:
    """The pip wheel ensurepip bundles with this Python (23.2.1, before pip 24.1), unpacked
    (imported from its zip, it costs half again as much)."""
    found = sorted((Path(ensurepip.__file__).parent / "_bundled").glob("pip-*.whl"))
    assert found, "ensurepip bundles no pip"
    where = lab.tmp / "old-pip"
    if not where.exists():
        with zipfile.ZipFile(found[0]) as archive:
            archive.extractall(where)
    return where


def installed(lab: Lab) -> None:
    """The round's installs, once, after every case's wheels are made: all but demo-wtag by
    pip 23.2.1 in one run (pip 26.3 refuses demo-inv's metadata), demo-wtag by the
    environment's pip with ``--target --platform win_amd64``; then the RECORDs of demo-sfv and
    demo-sok rewritten with sha512 and demo-sfv's flag flipped."""
    if DONE:
        return
    DONE["yes"] = True
    site = site_packages(lab)
    python = str(lab.python())
    env = {**lab.env, "PYTHONPATH": str(old_pip(lab))}
    wheels = sorted(p.name.split("-")[0].replace("_", "-") for p in installed_wheels(lab).iterdir())
    for names, extra in (
        ([n for n in wheels if n != "demo-wtag"], []),
        (["demo-wtag"], [f"--target={site}", "--platform=win_amd64", "--only-binary=:all:"]),
    ):
        done = subprocess.run(
            [python, "-m", "pip", "--disable-pip-version-check", "install", "--no-deps"]
            + ["--no-index", "--find-links", str(installed_wheels(lab)), "--upgrade", *extra]
            + names,
            env=env if not extra else lab.env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for name in ("demo_sfv", "demo_sok"):
        sha512_record(site / f"{name}-1.0.dist-info")
    flag = site / "demo_sfv" / "__init__.py"
    flag.write_text(flag.read_text().replace("DEBUG = 0", "DEBUG = 1"))


def probed(lab: Lab) -> dict[str, Any]:
    """The installed versions and the environment's ``pip check`` (after envcheck's run)."""
    return ROUND.pip_probed(lab, NAMES, {"check": ["--disable-pip-version-check", "check"]})


def record_says(name: str, same: bool) -> Callable[[Lab, Path], None]:
    """RECORD's sha512 of ``name``'s ``__init__.py`` is (or is not) the file's."""

    def prove(lab: Lab, root: Path) -> None:
        module = name.replace("-", "_")
        info = site_packages(lab) / f"{module}-1.0.dist-info"
        path = f"{module}/__init__.py"
        row = next(r for r in (info / "RECORD").read_text().splitlines() if r.startswith(path))
        value = hashlib.sha512((site_packages(lab) / path).read_bytes()).digest()
        digest = "sha512=" + base64.urlsafe_b64encode(value).decode().rstrip("=")
        assert (row.split(",")[1] == digest) is same, row
        assert probed(lab)["versions"][name] == "1.0", probed(lab)["versions"]

    return prove


# -- Recording installed projects: a RECORD hashed with sha512 -----------------------------------


@case(
    "venv-record-hash-other-algorithm",
    Expect(
        "venv/package[demo-sfv]",
        "warn|fail",
        ("demo_sfv/__init__.py", "RECORD"),
        ("pip uninstall --yes demo-sfv",),
        heals=True,
    ),
    record_says("demo-sfv", False),
)
def record_hash_other_algorithm(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-sfv's RECORD in sha512, its flag flipped since."""
    files = {"demo_sfv/__init__.py": "DEBUG = 0\n"}
    wheel(installed_wheels(lab), "demo-sfv", "1.0", "py3-none-any", files)
    wheel(index(lab), "demo-sfv", "1.0", "py3-none-any", files)
    pep621(root, lab, "demo-sfv>=1")
    return {}


@case(
    "venv-record-hash-other-algorithm-intact",
    Expect("venv/package[demo-sok]", "pass"),
    record_says("demo-sok", True),
    quiet=("demo-sok",),
)
def record_hash_other_algorithm_intact(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: demo-sok's RECORD in sha512, its files as installed."""
    wheel(installed_wheels(lab), "demo-sok", "1.0", "py3-none-any", {"demo_sok/__init__.py": ""})
    pep621(root, lab, "demo-sok>=1")
    return {}


# -- Core metadata: Requires-Dist that is no PEP 508 requirement ---------------------------------


def invalid_proof(lab: Lab, root: Path) -> None:
    assert probed(lab)["versions"]["demo-inv"] == "1.0", probed(lab)["versions"]
    assert probed(lab)["versions"]["demo-zed"] is None, probed(lab)["versions"]
    out = probed(lab)["check"]
    assert "demo-inv" in out and "requires demo-zed" not in out, out  # pip check misses it


@case(
    "venv-requires-dist-invalid",
    Expect(
        "venv/package[demo-inv]",
        "fail",
        ("demo-zed >=1.0.*", "Requires-Dist"),
        ("pip uninstall --yes demo-inv",),
        heals=True,
    ),
    invalid_proof,
)
def requires_dist_invalid(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-inv 1.0 (``Requires-Dist: demo-zed >=1.0.*``) installed by pip 23.2.1; its 1.1
    (``demo-zed>=1.0``) and demo-zed on the find-links."""
    module = {"demo_inv/__init__.py": ""}
    wheel(
        installed_wheels(lab),
        "demo-inv",
        "1.0",
        "py3-none-any",
        module,
        "Requires-Dist: demo-zed >=1.0.*\n",
    )
    wheel(index(lab), "demo-inv", "1.1", "py3-none-any", module, "Requires-Dist: demo-zed>=1.0\n")
    make_wheel(index(lab), "demo-zed", "1.0")
    pep621(root, lab, "demo-inv>=1")
    return {}


@case(
    "venv-requires-dist-parenthesised",
    Expect("venv/package[demo-par]", "pass"),
    lambda lab, root: None,
    quiet=("demo-par",),
)
def requires_dist_parenthesised(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: ``Requires-Dist: demo-gamma (>=1.0)``, demo-gamma installed."""
    wheel(
        installed_wheels(lab),
        "demo-par",
        "1.0",
        "py3-none-any",
        {"demo_par/__init__.py": ""},
        "Requires-Dist: demo-gamma (>=1.0)\n",
    )
    pep621(root, lab, "demo-par>=1")
    return {}


# -- Platform tags: a wheel for Windows forced in, and a manylinux one ---------------------------


def platform_proof(lab: Lab, root: Path) -> None:
    out = probed(lab)["check"]
    assert "exit 1" in out and "demo-wtag 1.0 is not supported on this platform" in out, out
    assert "demo-mnl" not in out, out


@case(
    "venv-wheel-tag-other-platform",
    Expect(
        "venv/package[demo-wtag]",
        "fail",
        ("win_amd64",),
        ("pip uninstall --yes demo-wtag",),
        heals=True,
    ),
    platform_proof,
)
def wheel_tag_other_platform(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-wtag for ``py3-none-win_amd64`` (it imports ``winreg``) forced in by ``--target
    --platform``; a ``py3-none-any`` build of it on the find-links."""
    module = {"demo_wtag/__init__.py": "import winreg\n"}
    wheel(installed_wheels(lab), "demo-wtag", "1.0", "py3-none-win_amd64", module)
    wheel(index(lab), "demo-wtag", "1.0", "py3-none-any", {"demo_wtag/__init__.py": ""})
    pep621(root, lab, "demo-wtag>=1")
    return {}


@case(
    "venv-wheel-tag-manylinux",
    Expect("venv/package[demo-mnl]", "pass"),
    platform_proof,
    quiet=("demo-mnl",),
)
def wheel_tag_manylinux(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: demo-mnl for ``py3-none-manylinux_2_17_x86_64``, installed by pip."""
    assert os.uname().machine == "x86_64"
    wheel(
        installed_wheels(lab),
        "demo-mnl",
        "1.0",
        "py3-none-manylinux_2_17_x86_64",
        {"demo_mnl/__init__.py": ""},
    )
    pep621(root, lab, "demo-mnl>=1")
    return {}


# -- Binary distribution format: a .data/scripts #! line that is not ``#!python`` --------------

#: the interpreter demo-hcs's script names, which this machine does not have
GONE_PYTHON = "/usr/bin/python3.9"


def hardcoded_proof(lab: Lab, root: Path) -> None:
    script = lab.python().parent / "demo-hcs"
    assert script.read_text().startswith(f"#!{GONE_PYTHON}\n"), script.read_text()
    assert os.access(script, os.X_OK) and not os.path.exists(GONE_PYTHON)
    try:
        subprocess.run([str(script)], capture_output=True, check=False)
    except FileNotFoundError:
        return  # execve ENOENT: its interpreter does not exist
    raise AssertionError(f"{script} started")


@case(
    "venv-data-script-hardcoded-interpreter",
    Expect(
        "venv/package[demo-hcs]",
        "fail",
        (GONE_PYTHON, "#!python"),
        ("sed", "bin/demo-hcs"),
        never=("pip uninstall --yes demo-hcs",),
        heals=True,
    ),
    hardcoded_proof,
)
def data_script_hardcoded_interpreter(lab: Lab, root: Path) -> dict[str, str | None]:
    """demo-hcs's wheel carries ``.data/scripts/demo-hcs`` starting ``#!/usr/bin/python3.9``
    (its author's machine): installers rewrite only ``#!python``, so pip copies it as it is."""
    wheel(
        installed_wheels(lab),
        "demo-hcs",
        "1.0",
        "py3-none-any",
        {"demo_hcs/__init__.py": "def main() -> None:\n    print('ok')\n"},
        scripts={"demo-hcs": f"#!{GONE_PYTHON}\nimport demo_hcs\ndemo_hcs.main()\n"},
    )
    pep621(root, lab, "demo-hcs>=1")
    installed(lab)  # the last case: every wheel is made
    return {}


#: the cases whose printed fix is run, and the check that must pass after it
ROUND.healed.update(
    {
        "venv-record-hash-other-algorithm": "venv/package[demo-sfv]",
        "venv-requires-dist-invalid": "venv/package[demo-inv]",
        "venv-wheel-tag-other-platform": "venv/package[demo-wtag]",
        "venv-data-script-hardcoded-interpreter": "venv/package[demo-hcs]",
    }
)

#: the rows of docs/verdicts/venv.md these cases assert (registered in tests/verdicts/test_venv.py)
ASSERTED = tuple(ROUND.cases)

world, test_venv = ROUND.tests()
