"""Ninth held-out round for the venv verdicts (issue 23), the first after the project sweep
(tests/verdicts/test_venv_project_sweep.py): six breakages of a Python project or environment
that no row of docs/verdicts/venv.md, no earlier round and neither sweep lists, and four healthy
neighbours that must pass, all made in one copy of the venv lab's Poetry project (its
environment, and four more project directories beside it) and judged by one start of that
environment's interpreter (tests/verdicts/venv_project_runner.py: envcheck's venv checks for
each project, one Poetry process answering all of them).

How the set was made (2026-12-06), from the sources of truth and before running envcheck on any
of them: site.py as of 3.11 (a ``.pth`` file is read with the locale's encoding, UTF-8 here, so a
byte-order mark stays in its first line: a path line ``\\ufeff/abs/src`` names nothing and is
skipped in silence, the editable install it belongs to does not import; 3.13 reads ``.pth``
files as ``utf-8-sig``; a line's trailing ``\\r`` is stripped, so a ``.pth`` written with CRLF
works; ``usercustomize`` is not imported under ``PYTHONNOUSERSITE``, even with
``include-system-site-packages = true``, and pyvenv.cfg's values are stripped, CRLF too), PEP 552
(a hash-based ``.pyc`` with the *unchecked* flag is loaded without comparing it to its source: a
module edited or reinstalled after such a ``.pyc`` was written runs the old code), PEP 405 and
the venv module (``python3 -m venv`` links ``bin/python`` to the executable it was started as:
when that is an unversioned ``python3`` that a system upgrade points at 3.12, the environment
starts 3.12, whose ``lib/python3.12/site-packages`` does not exist), Poetry's pyproject.toml
(a dependency's ``source = "internal"`` must name a ``[[tool.poetry.source]]``: ``poetry check``
reports "Invalid source", ``poetry lock`` "Repository "internal" does not exist"; a group's
``include-groups`` must name groups that exist; ``requires-poetry`` stops every Poetry command
of another version), and PEP 639 (``license`` as an SPDX expression with ``license-files``, which
Poetry 2 accepts). Each is proven with the real interpreter or Poetry (Poetry's answers in the
same run's batch) before its grade counts. Every id was checked against the table (``grep '^|
venv-'``), the earlier rounds and both sweeps' mutation names first: none is one. The grading is
round one's (``grade`` in tests/verdicts/test_heldout_servers.py). Caution on independence: the
person who wrote these had just written the project sweep and the changes after it, so knew
envcheck's reading of ``[project]``, ``[dependency-groups]``, ``pyvenv.cfg`` and ``.pth`` files.

First run (envcheck at c5f055e, the project sweep's commit, before any change; 2026-12-06):
**5 of 10 fully right** (the four healthy neighbours and venv-requires-poetry-newer, Poetry's
own words with the constraint), 2 partly, 3 wrong; of the six breakages one fully right (round 8,
after the record sweep: 2 of 5). Partly: venv-poetry-source-undeclared (lock-file "poetry.lock
is not in step with pyproject.toml", fix ``poetry lock && poetry sync``, which fails on the
undeclared source: the stale lock was taken for the whole answer while Poetry also named the
invalid source), venv-poetry-include-groups-unknown (Poetry's words named, the fix only "correct
what Poetry names"). Wrong: venv-pth-bom-path-skipped (local-installs "its path hook names
.../site-packages/\ufeff/...-src, which no longer exists": the byte-order mark read as part of
the path, the directory said to be gone while it is there), venv-unchecked-pyc-stale (a false
pass: package[demo-alpha] "demo-alpha 1.0" while its import runs 0.9's bytecode),
venv-base-python3-now-other-minor ("it was upgraded in place to 3.11 (``python3.11 -m venv
--upgrade``)": the story of the other two-Pythons case, told backwards for a base link that now
leads to 3.12).

After the changes of the commit that records this: **10 of 10 fully right**, none wrong. Two
printed fixes are applied in the world and re-checked by one more run (``heals``, added after
the first run): venv-pth-bom-path-skipped (this interpreter strips the BOM from the ``.pth``)
and venv-unchecked-pyc-stale (``rm -f`` the ``.pyc``). The verdicts, from structure: a RECORD
``.pth`` read as bytes, a UTF-8 BOM before its first line on a Python before 3.13 hiding the
directory that line names (``integrity.PathHook.hidden``); the ``__pycache__`` header of a
distribution's top-level modules, flags ``0b01`` (hash-based, unchecked) and a source hash that
is not ``importlib.util.source_hash`` of the file there (``integrity.stale_bytecode``), in the
package check and lock-drift; the links ``bin/python`` goes through, the last one outside the
environment named when ``bin/python<pyvenv.cfg's minor>`` leads to another minor too (no
``venv --upgrade`` made it), the rebuild with the made-with minor (``diagnose._moved_link``);
a dependency's ``source`` against the ``[[tool.poetry.source]]`` names and a group's
``include-groups`` against the groups defined (``project._missing_paths``), which the
lock-file check's fix now names instead of "run poetry lock" (a stale lock is the verdict only
when it is all Poetry and envcheck find).

Cost: one copy of the template project, four project directories of two files, one start of
the environment's interpreter for all ten (one Poetry process), one more after the two fixes:
on ``-p no:xdist`` beside other sessions' runs, 6.9 s user + 1.6 s system CPU (the template's
build, shared with the other venv modules, included), 46 to 54 s wall.
"""

from __future__ import annotations

import importlib.util
import json
import py_compile
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.verdicts.test_heldout_servers import Expect, fully_right_row, grade
from tests.verdicts.test_venv_project_sweep import copy_project
from tests.verdicts.venv_lab import Lab, run, run_jobs

Checks = dict[str, dict[str, Any]]
PY311 = Path.home() / ".pyenv" / "versions" / "3.11.7" / "bin" / "python3.11"
PY312 = Path.home() / ".pyenv" / "versions" / "3.12.1" / "bin" / "python3.12"


@dataclass(frozen=True)
class Held:
    expect: Expect
    #: the project whose run judges it: "env" (the lab project itself) or its own directory
    project: str
    #: makes the breakage (in the lab), before the run
    make: Callable[[Lab], None]
    #: proves it from the tools' answers after the run (Poetry's, in ``said``)
    prove: Callable[[Lab, dict[str, Any]], None] | None = None


CASES: dict[str, Held] = {}


def case(
    ident: str,
    project: str,
    expect: Expect,
    prove: Callable[[Lab, dict[str, Any]], None] | None = None,
) -> Callable[[Callable[[Lab], None]], Callable[[Lab], None]]:
    def register(make: Callable[[Lab], None]) -> Callable[[Lab], None]:
        CASES[ident] = Held(expect, project, make, prove)
        return make

    return register


#: the variables the run starts with (the interpreter's start reads them)
START_ENV: dict[str, str] = {}


def site(lab: Lab) -> Path:
    return next((lab.app / ".venv").glob("lib/python3*/site-packages"))


def imports(lab: Lab, module: str, env: dict[str, str] | None = None) -> str:
    """``import module`` in the environment: its ``__file__``, or the error's class."""
    code = (
        f"try:\n    import {module} as m; print(m.__file__)\n"
        "except ImportError as e:\n    print(type(e).__name__)"
    )
    done = run(lab, [str(lab.python()), "-c", code], {**START_ENV, **(env or {})})
    return done.stdout.strip()


def editable(lab: Lab, name: str, pth: bytes) -> Path:
    """An editable install of ``name`` as a PEP 660 path hook makes it: its code in
    ``<tmp>/<name>-src``, a ``.dist-info`` (METADATA, RECORD, INSTALLER, direct_url.json with
    ``dir_info.editable``) and ``__editable__.<module>-1.0.pth`` holding ``pth`` (the bytes of
    its path line, with the source directory as ``{src}``)."""
    module = name.replace("-", "_")
    src = lab.tmp / f"{name}-src"
    (src / module).mkdir(parents=True)
    (src / module / "__init__.py").write_text("__version__ = '1.0'\n")
    (src / "pyproject.toml").write_text(f'[project]\nname = "{name}"\nversion = "1.0"\n')
    info = site(lab) / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "INSTALLER").write_text("pip\n")
    url = {"url": src.as_uri(), "dir_info": {"editable": True}}
    (info / "direct_url.json").write_text(json.dumps(url))
    hook = site(lab) / f"__editable__.{module}-1.0.pth"
    hook.write_bytes(pth.replace(b"{src}", str(src).encode()))
    rows = [f"{hook.name},,", *(f"{info.name}/{f}" + ",," for f in ("METADATA", "INSTALLER"))]
    rows += [f"{info.name}/direct_url.json,,", f"{info.name}/RECORD,,"]
    (info / "RECORD").write_text("\n".join(rows) + "\n")
    return src


# -- the environment itself ("env"): start-up files and bytecode ---------------------------------


@case(
    "venv-pth-bom-path-skipped",
    "env",
    Expect(
        "venv/package[demo-local-a]|venv/local-installs",
        "fail|warn",
        ("BOM", "__editable__.demo_local_a-1.0.pth"),
        (".pth",),
        never=("moved", "no longer exists"),
        heals=True,
    ),
)
def pth_bom(lab: Lab) -> None:
    """site.py (3.11): the editable install's ``.pth`` starts with a UTF-8 byte-order mark (an
    editor on Windows saved it): its one path line is read as ``\\ufeff/.../demo-local-a-src``,
    which names nothing, and is skipped without a word; ``import demo_local_a`` fails although
    the directory is there."""
    src = editable(lab, "demo-local-a", b"\xef\xbb\xbf{src}\n")
    assert (src / "demo_local_a").is_dir()
    assert imports(lab, "demo_local_a") == "ModuleNotFoundError"


@case("venv-pth-crlf-path", "env", Expect("venv/package[demo-local-b]", "pass"))
def pth_crlf(lab: Lab) -> None:
    """A healthy neighbour (site.py strips each line): the same editable install whose ``.pth``
    ends its path line with CRLF imports."""
    src = editable(lab, "demo-local-b", b"{src}\r\n")
    assert imports(lab, "demo_local_b") == str(src / "demo_local_b" / "__init__.py")


@case(
    "venv-unchecked-pyc-stale",
    "env",
    Expect(
        "venv/package[demo-alpha]|venv/lock-drift",
        "fail|warn",
        ("unchecked", "demo_alpha"),
        (".pyc",),
        heals=True,
    ),
)
def unchecked_pyc(lab: Lab) -> None:
    """PEP 552: ``demo_alpha/__pycache__/__init__.cpython-311.pyc`` is a hash-based ``.pyc``
    with the check flag off (``py_compile --invalidation-mode unchecked-hash``, as reproducible
    builds and some distributions write them), compiled from an older ``__init__.py``; the
    import system loads it without looking at the source: ``demo_alpha.__version__`` is the old
    one while the file on disk, and RECORD, say 1.0."""
    init = site(lab) / "demo_alpha" / "__init__.py"
    old = lab.tmp / "old_init.py"
    old.write_text("__version__ = '0.9'\n")
    cached = Path(importlib.util.cache_from_source(str(init)))
    py_compile.compile(
        str(old),
        cfile=str(cached),
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    code = "import demo_alpha; print(demo_alpha.__version__)"
    said = run(lab, [str(lab.python()), "-c", code], START_ENV).stdout.strip()
    assert said == "0.9" and "1.0" in init.read_text(), said


@case("venv-usercustomize-nousersite", "env", Expect("venv/virtualenv", "pass"))
def usercustomize_nousersite(lab: Lab) -> None:
    """A healthy neighbour (site.py, PEP 370): pyvenv.cfg says include-system-site-packages =
    true, a ``usercustomize`` that raises is in the user site, and ``PYTHONNOUSERSITE=1`` is
    set: the user site is off, usercustomize is never imported, Python starts clean."""
    cfg = lab.app / ".venv" / "pyvenv.cfg"
    cfg.write_text(
        cfg.read_text().replace(
            "include-system-site-packages = false", "include-system-site-packages = true"
        )
    )
    base = lab.tmp / "userbase"
    user = base / "lib" / "python3.11" / "site-packages"
    user.mkdir(parents=True)
    (user / "usercustomize.py").write_text("raise KeyError('DEMO_CONFIG')\n")
    START_ENV.update({"PYTHONUSERBASE": str(base), "PYTHONNOUSERSITE": "1"})
    done = run(
        lab, [str(lab.python()), "-c", "import sys; print(sys.flags.no_user_site)"], START_ENV
    )
    assert done.stdout.strip() == "1" and not done.stderr, done


@case("venv-pyvenv-cfg-crlf", "env", Expect("venv/poetry-env", "pass"))
def pyvenv_cfg_crlf(lab: Lab) -> None:
    """A healthy neighbour (site.py strips keys and values; Poetry reads the environment by
    running it): pyvenv.cfg saved with CRLF line ends; the environment starts as before."""
    cfg = lab.app / ".venv" / "pyvenv.cfg"
    cfg.write_bytes(cfg.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    code = "import sys, demo_beta; print(sys.prefix != sys.base_prefix)"
    done = run(lab, [str(lab.python()), "-c", code], START_ENV)
    assert done.stdout.strip() == "True" and not done.stderr, done


# -- projects beside it --------------------------------------------------------------------------


def edit(root: Path, old: str, new: str) -> None:
    path = root / "pyproject.toml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def poetry_refuses(ident: str, words: str) -> Callable[[Lab, dict[str, Any]], None]:
    """Proof from the run's Poetry batch: ``check --lock`` of the project fails with ``words``."""

    def prove(lab: Lab, poetry: dict[str, Any]) -> None:
        said = poetry[str(lab.tmp / "projects" / ident)]["lock"]
        assert said["returncode"] != 0 and words in said["stdout"] + said["stderr"], said

    return prove


@case(
    "venv-poetry-source-undeclared",
    "venv-poetry-source-undeclared",
    Expect(
        "venv/lock-file",
        "fail",
        ("internal", "source"),
        ("tool.poetry.source",),
    ),
    poetry_refuses("venv-poetry-source-undeclared", 'Invalid source "internal"'),
)
def source_undeclared(lab: Lab) -> None:
    """Poetry: a dependency ``{version = "*", source = "internal"}`` while pyproject.toml
    declares no ``[[tool.poetry.source]]`` named internal: ``poetry check`` reports "Invalid
    source "internal" referenced in dependencies" (and the lock as stale), and ``poetry lock``,
    the usual cure for a stale lock, fails: "Repository "internal" does not exist"."""
    root = copy_project(lab, "venv-poetry-source-undeclared")
    edit(
        root,
        "[tool.poetry.dependencies]\n",
        '[tool.poetry.dependencies]\ndemo-extra = {version = "*", source = "internal"}\n',
    )


@case(
    "venv-poetry-include-groups-unknown",
    "venv-poetry-include-groups-unknown",
    Expect(
        "venv/lock-file|venv/poetry-env",
        "fail",
        ("typing", "include"),
        ("include-groups",),
    ),
    poetry_refuses("venv-poetry-include-groups-unknown", "'typing' which is not defined"),
)
def include_groups_unknown(lab: Lab) -> None:
    """Poetry 2.2+: ``[tool.poetry.group.docs] include-groups = ["typing"]`` with no group
    typing: every Poetry command that reads the project stops ("Group 'docs' includes group
    'typing' which is not defined")."""
    root = copy_project(lab, "venv-poetry-include-groups-unknown")
    edit(
        root,
        "[tool.poetry.group.docs]\n",
        '[tool.poetry.group.docs]\ninclude-groups = ["typing"]\n',
    )


@case(
    "venv-requires-poetry-newer",
    "venv-requires-poetry-newer",
    Expect(
        "venv/poetry-env|venv/lock-file",
        "fail",
        ("requires-poetry", ">=3.0"),
        ("poetry",),
    ),
    poetry_refuses("venv-requires-poetry-newer", "requires Poetry >=3.0"),
)
def requires_poetry_newer(lab: Lab) -> None:
    """Poetry 2: ``[tool.poetry] requires-poetry = ">=3.0"``: every Poetry command of this
    project stops ("This project requires Poetry >=3.0, but you are using Poetry 2.5.1")."""
    root = copy_project(lab, "venv-requires-poetry-newer")
    edit(root, "package-mode = false\n", 'package-mode = false\nrequires-poetry = ">=3.0"\n')


@case(
    "venv-pep639-license-expression",
    "venv-pep639-license-expression",
    Expect("venv/lock-file", "pass"),
)
def pep639_license(lab: Lab) -> None:
    """A healthy neighbour (PEP 639): ``license = "MIT OR Apache-2.0"`` as an SPDX expression
    and ``license-files``; Poetry 2 accepts both and they are not part of the lock's hash."""
    root = copy_project(lab, "venv-pep639-license-expression")
    (root / "LICENSE").write_text("MIT\n")
    edit(
        root,
        'version = "0.1.0"\n',
        'version = "0.1.0"\nlicense = "MIT OR Apache-2.0"\nlicense-files = ["LICEN[CS]E*"]\n',
    )


@case(
    "venv-base-python3-now-other-minor",
    "venv-base-python3-now-other-minor",
    Expect(
        "venv/poetry-env",
        "fail",
        ("3.12", "python3"),
        ("3.11",),
        never=("venv --upgrade",),
    ),
)
def base_python3_other_minor(lab: Lab) -> None:
    """PEP 405 / venv: the project's environment was made by ``python3 -m venv`` with
    ``python3`` a link in ``base/bin`` to Python 3.11 (``home = base/bin``); a system upgrade
    points that ``python3`` at 3.12. ``bin/python`` -> ``python3`` -> the base's ``python3``
    now starts 3.12, which looks for ``lib/python3.12/site-packages``: none of the project's
    packages import."""
    assert PY311.is_file() and PY312.is_file(), "needs Python 3.11 and 3.12 under ~/.pyenv"
    root = copy_project(lab, "venv-base-python3-now-other-minor")
    (root / ".venv").unlink()
    base = lab.tmp / "base" / "bin"
    base.mkdir(parents=True)
    (base / "python3").symlink_to(PY311)
    subprocess.run(
        [str(base / "python3"), "-m", "venv", "--without-pip", str(root / ".venv")], check=True
    )
    packages = root / ".venv" / "lib" / "python3.11" / "site-packages"
    shutil.rmtree(packages)
    packages.symlink_to(site(lab))
    code = "import demo_alpha, sys; print(sys.version_info[:2])"
    assert run(lab, [str(root / ".venv" / "bin" / "python"), "-c", code], {}).returncode == 0
    (base / "python3").unlink()
    (base / "python3").symlink_to(PY312)  # the upgrade
    done = run(lab, [str(root / ".venv" / "bin" / "python"), "-c", code], {})
    assert done.returncode != 0 and "demo_alpha" in done.stderr, done


ENVCHECK = 'packages = ["demo-alpha", "demo-local-a", "demo-local-b"]'


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, template: Path, poetry_home: Path
) -> dict[str, Any]:
    """Every case made in one copy of the lab project, then one run judges them all."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        lab = Lab(tmp_path_factory.mktemp("venv9"), template, poetry_home, monkeypatch)
        lab.project(ENVCHECK)
        for held in CASES.values():
            held.make(lab)
        jobs = [{"ident": "env", "root": str(lab.app)}]
        for held in CASES.values():
            if held.project != "env":
                root = str(lab.tmp / "projects" / held.project)
                jobs.append({"ident": held.project, "root": root})
        found = run_jobs(lab, jobs, "venv9", {**START_ENV, "SWEEP_ASK_POETRY": "1"})
        assert "results" in found, found
        proofs = {}
        for ident, held in CASES.items():
            try:
                if held.prove is not None:
                    held.prove(lab, found["poetry"])
            except AssertionError as exc:
                proofs[ident] = str(exc)
        return {"found": found, "proofs": proofs, "healed": heal(lab, found)}


def heal(lab: Lab, found: dict[str, Any]) -> dict[str, list[str]]:
    """The fixes of the cases marked ``heals`` that are fully right, applied in turn (envcheck's
    step runner), then one more run of the environment's project: each of their checks passes."""
    applied: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    for ident, held in CASES.items():
        checks: Checks = found["results"][held.project]["checks"]
        if (
            not held.expect.heals
            or grade(held.expect, list(checks.values())).grade != "fully right"
        ):
            continue
        names = held.expect.check.split("|")
        check = next(checks[n] for n in names if n in checks and checks[n]["status"] != "pass")
        try:
            lab.apply(check)
        except AssertionError as exc:
            problems[ident] = [f"the fix did not apply: {exc}"]
        else:
            applied[ident] = check["id"]
    if applied:
        again = run_jobs(lab, [{"ident": "env", "root": str(lab.app)}], "venv9-healed", START_ENV)
        checks = again.get("results", {}).get("env", {}).get("checks", {})
        for ident, check_id in applied.items():
            status = checks.get(check_id, {}).get("status")
            problems[ident] = [] if status == "pass" else [f"after the fix: {checks.get(check_id)}"]
    return problems


@pytest.mark.parametrize("ident", sorted(CASES))
def test_venv(ident: str, world: dict[str, Any]) -> None:
    held = CASES[ident]
    assert ident not in world["proofs"], f"not proven: {world['proofs'][ident]}"
    result = world["found"]["results"][held.project]
    assert "checks" in result, result
    checks: Checks = result["checks"]
    healed = world["healed"].get(ident, [])
    fully_right_row("venv", ident, held.expect, list(checks.values()), healed)


#: the rows of docs/verdicts/venv.md this module asserts
ASSERTED = tuple(CASES)
