"""The venv sweep's second half: the ways the specifications let the *project's* files, the
virtualenv's ``pyvenv.cfg``, the interpreter's start-up or the shell be wrong, each applied to one
real Poetry project and its environment (the venv lab's template), judged by envcheck against the
tools' own readers. tests/verdicts/test_venv_sweep.py sweeps one installed distribution's record;
the eighth held-out round showed the misses left were outside it.

The mutations (:data:`PROJECT`, :data:`SHELL`, :data:`STARTUP`: 52) come from the
specifications, each with its section: the pyproject.toml specification (PEP 621: ``name``
missing, not a valid name or ``dynamic``, ``version`` not PEP 440 or both static and
``dynamic``, ``dependencies`` both static and ``dynamic`` or not an array, a key it does not
define, a ``readme`` that is not there), ``requires-python`` (PEP 440: no operator, a wildcard
with an ordering operator, ``~=`` with one part, a range without this Python, ``!=`` this
Python; ``==3.11.*`` and two clauses as healthy neighbours), PEP 735 ``[dependency-groups]`` (a
self include, names equal once normalized, a group that is not a list, a requirement that is not
PEP 508, an include table with another key; an include by a non-normalized name as neighbour),
PEP 508 (a version operator, a marker operator and a marker variable the grammar has not, in
``dependencies`` and ``optional-dependencies``), Poetry's ``[tool.poetry]`` (``package-mode``
and a group's ``optional`` that are no booleans, a key its schema has not, a path dependency
whose file is gone, git and url dependencies added and not locked, a constraint Poetry cannot
parse), ``poetry.lock``'s ``[metadata]`` (``content-hash`` changed or missing, ``lock-version``
missing or 3.0, the table gone; the file not TOML or gone), pyproject.toml itself (not TOML, not
UTF-8, a BOM); the shell's ``VIRTUAL_ENV`` (gone, another environment) and ``POETRY_ACTIVE``
without it; PEP 405 ``pyvenv.cfg`` (``home`` gone while ``bin/python`` runs, ``version_info``
of another minor, the file gone) and site.py's start-up (a ``.pth`` file that is not UTF-8, a
``sitecustomize`` whose import raises, ``PYTHONPATH`` with an old copy of a locked package).
A mutation to a field poetry.lock's content-hash covers is followed by ``poetry lock``
(``relock``), so that the lock is fresh where Poetry can lock the project and stays behind where
it cannot: the field, not the stale lock, is what is judged.

Ground truth comes from the tools, never from envcheck (:func:`project_oracle`,
:func:`startup_oracle`): tomllib, packaging (``SpecifierSet``, ``Requirement``,
``packaging.dependency_groups``), Poetry (``lock``, ``check --lock`` and, for the lock files,
``show``, which reads the packages; all in one Poetry process, envcheck's own batch driver,
whose answers envcheck then reads as a cold run reads its own), and the interpreter's actual
start (``python -c`` importing the project's packages: its exit status, what site.py prints,
``sys.prefix``, where the package comes from). Each mutation says whether the tools refuse it
(``breaks``); the oracle must agree, so the lab's ground truth is asserted, not assumed (five
first written as errors are accepted and became neighbours: a static field also in ``dynamic``,
twice, and a key PEP 621 does not define, by Poetry; ``home`` gone and ``version_info``, by the
interpreter and Poetry). The
invariants: a mutation the tools refuse is failed or warned about by a venv check naming the
field, file or variable (a pyproject.toml pytest cannot read stops the run with envcheck's
configuration error naming it: accepted); one they accept makes no check worse than on the
untouched project; never envcheck's own error; a failing check has a fix; two printed fixes
are run (``HEALED``: Poetry commands, with the project as ``-C``) and the re-run passes. Two
mutations stop the interpreter before any check can run (the ``.pth`` that is not UTF-8 is a
fatal error of site.py in 3.11; without ``pyvenv.cfg`` the interpreter is the base one, which
has no pytest): counted as the tools' refusal, envcheck cannot be wrong there.

First run (envcheck at 84a957c, before any change; 2026-12-06): **9 of 52 broke an invariant**:
2 false passes (``requires-python = ">=3.11.*"`` and ``"~=3"``, which Poetry locks and
packaging, pip, uv and build refuse), 1 more after the start (``PYTHONPATH`` holding an old
checkout of demo_alpha without a ``.dist-info``: lock-drift compared metadata only), 2 false
alarms (``pyvenv.cfg`` ``home`` gone while ``bin/python`` starts and finds its library: "its
base interpreter is gone"; ``version_info = 3.10.2`` alone: "two Pythons"), 3 verdicts that
did not name the field (``requires-python = "3.11"``, a ``[dependency-groups]`` requirement
that is not PEP 508, a path dependency whose wheel is gone: each "poetry.lock is not in step",
whose fix ``poetry lock`` fails on that very field) and 1 fix that does not work (a lock file
without ``lock-version``, which Poetry refuses, got ``poetry self update``). Read while judging,
not counted: ``package-mode = "false"`` (a string) was warned about as a project with no
package, and envcheck's cache of Poetry's answers was keyed on a stale ``VIRTUAL_ENV`` it does
not pass to Poetry (and on ``POETRY_ACTIVE``), so each such shell asked Poetry again. After the
changes of the commit that adds this file: none. From structure: ``[project]``'s
``requires-python``, ``dependencies`` and ``optional-dependencies`` read with packaging and a
``[tool.poetry]`` path dependency whose path is gone (``project.field_errors``), each
``[dependency-groups]`` entry a PEP 508 string or an exact ``{include-group}`` table, group names
unique once normalized (``project.dependency_group_errors``); a locked package at its locked
version whose top-level module an import finds elsewhere (``integrity.shadowed``), named with the
PYTHONPATH entry it is under; ``home`` gone only when the interpreter does not start
(``diagnose._starts``); two Pythons only when the upgrade's ``bin/python<cfg minor>`` is there;
the environment's version from the interpreter that runs it (``diagnose.env_version``); a
``lock-version`` that is missing or no version regenerates the lock.

Cost (issue 20): the project and shell mutations are copies of two files each (the environment
shared through a ``.venv`` link) judged by one interpreter (``venv_project_runner.py``: every
project after the other, one Poetry process for all the questions, one more for the fixes);
each start-up mutation is one more start of the template's interpreter (applied in place and
put back), Poetry's answers read from the first run's cache. Measured with ``-p no:xdist`` beside
other sessions' runs: 9.4 to 12.1 s user + 1.5 to 1.8 s system CPU, 25 to 40 s wall, of which
the template's build (shared with the other venv modules) is 2.3 s; the first version, one
copy of the environment and a ``show`` of every project, was 20 s.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from packaging.dependency_groups import resolve_dependency_groups
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from tests.verdicts.venv_lab import Lab, run, run_jobs

Checks = dict[str, dict[str, Any]]
HERE = platform.python_version()


@pytest.fixture()
def lab(tmp_path: Path, template: Path, poetry_home: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    return Lab(tmp_path, template, poetry_home, monkeypatch)


@dataclass(frozen=True)
class Mutation:
    ident: str
    #: the specification and its section the rule comes from
    spec: str
    #: changes the project directory (a copy of pyproject.toml and poetry.lock) or, for a
    #: start-up mutation, the environment (returns the variables to set)
    apply: Callable[[Path], object]
    #: whether the spec makes it an error (the tools refuse it); asserted against the oracle
    breaks: bool
    #: words of which the failing verdict must name one (the field, file or variable)
    names: tuple[str, ...] = ()
    #: ``poetry lock`` is run after it (a field poetry.lock's content-hash covers): the lock is
    #: fresh where Poetry can lock it, and stays behind where it cannot
    relock: bool = False


def _edit(old: str, new: str, file: str = "pyproject.toml") -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / file
        text = path.read_text()
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, 1))

    return apply


def _append(text: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / "pyproject.toml"
        path.write_text(path.read_text() + text)

    return apply


def _project_line(line: str) -> Callable[[Path], None]:
    """A line added to ``[project]`` (after ``dynamic``)."""
    return _edit('dynamic = ["dependencies"]\n', f'dynamic = ["dependencies"]\n{line}\n')


def _groups(body: str) -> Callable[[Path], None]:
    return _append(f"\n[dependency-groups]\n{body}\n")


def _lock_edit(pattern: str, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / "poetry.lock"
        text, n = re.subn(pattern, new, path.read_text(), count=1, flags=re.M)
        assert n, f"{pattern!r} not in {path}"
        path.write_text(text)

    return apply


def _write(file: str, data: bytes | None) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / file
        if data is None:
            path.unlink()
        else:
            path.write_bytes(data)

    return apply


def _prefix_bytes(file: str, data: bytes) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / file
        path.write_bytes(data + path.read_bytes())

    return apply


PEP621 = "pyproject.toml specification ([project], PEP 621)"
PY = "requires-python (pyproject.toml spec; PEP 440 version specifiers)"
PEP735 = "PEP 735 [dependency-groups]"
PEP508 = "PEP 508 dependency specifiers (markers, extras)"
POETRY = "Poetry's pyproject.toml ([tool.poetry]) and its project schema"
LOCK = "Poetry's poetry.lock ([metadata] content-hash, lock-version)"
FILES = "TOML 1.0 (UTF-8 text) / the pyproject.toml specification"

#: mutations of the project's files: one copy of pyproject.toml + poetry.lock each
PROJECT = (
    Mutation("name-missing", PEP621, _edit('name = "demo-app"\n', ""), True, ("name",)),
    Mutation(
        "name-invalid", PEP621, _edit('name = "demo-app"', 'name = "demo app!"'), True, ("name",)
    ),
    Mutation(
        "version-not-pep440",
        PEP621,
        _edit('version = "0.1.0"', 'version = "one"'),
        True,
        ("version",),
    ),
    Mutation(
        "version-static-and-dynamic",
        PEP621,
        _edit('dynamic = ["dependencies"]', 'dynamic = ["dependencies", "version"]'),
        False,
        ("dynamic", "version"),
    ),
    Mutation(
        "name-dynamic",
        PEP621,
        _edit('dynamic = ["dependencies"]', 'dynamic = ["dependencies", "name"]'),
        True,
        ("dynamic", "name"),
    ),
    Mutation(
        "dependencies-static-and-dynamic",
        PEP621,
        _project_line('dependencies = ["demo-alpha"]'),
        False,
        ("dependencies", "dynamic"),
        relock=True,
    ),
    Mutation(
        "dependencies-not-array",
        PEP621,
        _edit('dynamic = ["dependencies"]\n', 'dependencies = "demo-alpha"\n'),
        True,
        ("dependencies",),
        relock=True,
    ),
    Mutation(
        "dependency-not-pep508",
        PEP508,
        _edit('dynamic = ["dependencies"]\n', 'dependencies = ["demo-alpha >> 1"]\n'),
        True,
        ("dependencies", "demo-alpha >> 1"),
        relock=True,
    ),
    Mutation(
        "dependency-marker-operator",
        PEP508,
        _edit(
            'dynamic = ["dependencies"]\n',
            "dependencies = [\"demo-alpha; python_version >> '3'\"]\n",
        ),
        True,
        ("dependencies", "python_version >> '3'"),
        relock=True,
    ),
    Mutation(
        "dependency-marker-variable",
        PEP508,
        _edit(
            'dynamic = ["dependencies"]\n', "dependencies = [\"demo-alpha; os_flavor == 'x'\"]\n"
        ),
        True,
        ("dependencies", "os_flavor"),
        relock=True,
    ),
    Mutation(
        "optional-dependency-not-pep508",
        PEP508,
        _append('\n[project.optional-dependencies]\nfast = ["demo-beta ="]\n'),
        True,
        ("optional-dependencies", "demo-beta ="),
        relock=True,
    ),
    Mutation(
        "project-unknown-key",
        PEP621,
        _project_line('homepage = "https://example.org"'),
        False,
        ("homepage",),
    ),
    Mutation(
        "readme-gone", PEP621, _project_line('readme = "README.md"'), True, ("readme", "README")
    ),
    Mutation(
        "requires-python-excludes-here",
        PY,
        _edit('">=3.11"', '">=3.12"'),
        True,
        ("requires-python", ">=3.12"),
        relock=True,
    ),
    Mutation(
        "requires-python-not-equal-here",
        PY,
        _edit('">=3.11"', f'">=3.11,!={HERE}"'),
        True,
        ("requires-python", f"!={HERE}"),
        relock=True,
    ),
    Mutation(
        "requires-python-no-operator",
        PY,
        _edit('">=3.11"', '"3.11"'),
        True,
        ("requires-python", "3.11"),
        relock=True,
    ),
    Mutation(
        "requires-python-ordered-wildcard",
        PY,
        _edit('">=3.11"', '">=3.11.*"'),
        True,
        ("requires-python", ">=3.11.*"),
        relock=True,
    ),
    Mutation(
        "requires-python-compatible-one-part",
        PY,
        _edit('">=3.11"', '"~=3"'),
        True,
        ("requires-python", "~=3"),
        relock=True,
    ),
    Mutation(
        "requires-python-equal-wildcard", PY, _edit('">=3.11"', '"==3.11.*"'), False, relock=True
    ),
    Mutation(
        "requires-python-two-clauses", PY, _edit('">=3.11"', '">=3.11, <4"'), False, relock=True
    ),
    Mutation(
        "groups-self-include",
        PEP735,
        _groups('dev = ["demo-dev", {include-group = "dev"}]'),
        True,
        ("dependency-groups", "include-group"),
        relock=True,
    ),
    Mutation(
        "groups-names-collide",
        PEP735,
        _groups('dev = ["demo-dev"]\nDev = ["demo-beta"]'),
        True,
        ("dependency-groups", "Dev"),
        relock=True,
    ),
    Mutation(
        "groups-not-a-list",
        PEP735,
        _groups('dev = "demo-dev"'),
        True,
        ("dependency-groups", "dev"),
        relock=True,
    ),
    Mutation(
        "groups-requirement-invalid",
        PEP735,
        _groups('dev = ["demo-dev >>"]'),
        True,
        ("dependency-groups", "demo-dev >>"),
        relock=True,
    ),
    Mutation(
        "groups-include-extra-key",
        PEP735,
        _groups('dev = [{include-group = "test", optional = true}]\ntest = ["demo-beta"]'),
        True,
        ("dependency-groups", "include-group"),
        relock=True,
    ),
    Mutation(
        "groups-include-normalized",
        PEP735,
        _groups('dev = [{include-group = "Test_Group"}]\ntest-group = ["demo-beta"]'),
        False,
        relock=True,
    ),
    Mutation(
        "package-mode-not-bool",
        POETRY,
        _edit("package-mode = false", 'package-mode = "false"'),
        True,
        ("package-mode",),
    ),
    Mutation(
        "poetry-unknown-key",
        POETRY,
        _edit("package-mode = false", "package-mode = false\nfrozen = true"),
        True,
        ("frozen",),
    ),
    Mutation(
        "group-optional-not-bool",
        POETRY,
        _edit("optional = true", 'optional = "yes"'),
        True,
        ("optional", "docs"),
    ),
    Mutation(
        "path-dependency-gone",
        POETRY,
        _edit("wheels/demo_alpha-1.0-py3-none-any.whl", "wheels/demo_alpha-9.9-py3-none-any.whl"),
        True,
        ("demo_alpha-9.9", "demo-alpha"),
        relock=True,
    ),
    Mutation(
        "git-dependency-added",
        POETRY,
        _edit(
            "[tool.poetry.dependencies]\n",
            '[tool.poetry.dependencies]\ndemo-git = {git = "https://example.invalid/demo.git"}\n',
        ),
        True,
        ("poetry.lock", "demo-git"),
    ),
    Mutation(
        "url-dependency-added",
        POETRY,
        _edit(
            "[tool.poetry.dependencies]\n",
            '[tool.poetry.dependencies]\ndemo-url = {url = "https://example.invalid/d.whl"}\n',
        ),
        True,
        ("poetry.lock", "demo-url"),
    ),
    Mutation(
        "dependency-constraint-invalid",
        POETRY,
        _edit(
            "[tool.poetry.group.dev.dependencies]\n",
            '[tool.poetry.group.dev.dependencies]\ndemo-gamma = "^^1"\n',
        ),
        True,
        ("demo-gamma", "^^1"),
        relock=True,
    ),
    Mutation(
        "content-hash-changed",
        LOCK,
        _lock_edit(r'^content-hash = "[0-9a-f]', 'content-hash = "0'),
        True,
        ("poetry.lock",),
    ),
    Mutation(
        "content-hash-missing",
        LOCK,
        _lock_edit(r"^content-hash = .*\n", ""),
        True,
        ("poetry.lock", "content-hash"),
    ),
    Mutation(
        "lock-version-missing",
        LOCK,
        _lock_edit(r"^lock-version = .*\n", ""),
        True,
        ("lock-version",),
    ),
    Mutation(
        "lock-version-newer",
        LOCK,
        _lock_edit(r'^lock-version = ".*"', 'lock-version = "3.0"'),
        True,
        ("lock-version", "3.0"),
    ),
    Mutation(
        "lock-metadata-gone",
        LOCK,
        _lock_edit(r"^\[metadata\]\n(.+\n)*", ""),
        True,
        ("metadata",),
    ),
    Mutation(
        "lock-not-toml", LOCK, _prefix_bytes("poetry.lock", b"[[package\n"), True, ("poetry.lock",)
    ),
    Mutation("lock-gone", LOCK, _write("poetry.lock", None), True, ("poetry.lock",)),
    Mutation(
        "pyproject-not-toml",
        FILES,
        _prefix_bytes("pyproject.toml", b"[project\n"),
        True,
        ("pyproject.toml",),
    ),
    Mutation(
        "pyproject-not-utf8",
        FILES,
        _prefix_bytes("pyproject.toml", b"# caf\xe9\n"),
        True,
        ("pyproject.toml", "UTF-8"),
    ),
    Mutation(
        "pyproject-bom",
        FILES,
        _prefix_bytes("pyproject.toml", "\ufeff".encode()),
        True,
        ("pyproject.toml",),
    ),
)

#: the shell's variables, judged in the same run as the project mutations
SHELL: dict[str, tuple[dict[str, str | None], bool, tuple[str, ...]]] = {
    "virtual-env-gone": ({"VIRTUAL_ENV": "/nonexistent/.venv"}, True, ("VIRTUAL_ENV",)),
    "virtual-env-elsewhere": ({"VIRTUAL_ENV": "{other}"}, True, ("VIRTUAL_ENV",)),
    "poetry-active-no-virtual-env": ({"POETRY_ACTIVE": "1", "VIRTUAL_ENV": None}, False, ()),
}


def _cfg(old: str, new: str) -> Callable[[Path], object]:
    """A pyvenv.cfg line replaced (a regular expression of one line)."""

    def apply(venv: Path) -> dict[str, str]:
        cfg = venv / "pyvenv.cfg"
        text, n = re.subn(old, new, cfg.read_text(), count=1, flags=re.M)
        assert n, f"{old!r} not in {cfg}"
        cfg.write_text(text)
        return {}

    return apply


def _site_file(name: str, data: bytes) -> Callable[[Path], object]:
    def apply(venv: Path) -> dict[str, str]:
        site = next(venv.glob("lib/python3*/site-packages"))
        (site / name).write_bytes(data)
        return {}

    return apply


def _shadow_path(venv: Path) -> dict[str, str]:
    """A directory holding an older demo_alpha, put on PYTHONPATH (before site-packages)."""
    old = venv.parent.parent / "old-checkout"
    (old / "demo_alpha").mkdir(parents=True, exist_ok=True)
    (old / "demo_alpha" / "__init__.py").write_text("__version__ = '0.9'\n")
    return {"PYTHONPATH": str(old)}


def _cfg_gone(venv: Path) -> dict[str, str]:
    (venv / "pyvenv.cfg").unlink()
    return {}


SITE = "site.py (sitecustomize, usercustomize, .pth files)"
PEP405 = "PEP 405 pyvenv.cfg"
ENV = "the interpreter's environment variables (PYTHONPATH, PYTHONHOME)"

#: mutations of the environment's start-up: one start of the interpreter each
STARTUP = (
    Mutation(
        "pth-not-utf8",
        SITE,
        _site_file("zz_broken.pth", b"# caf\xe9\nimport os\n"),
        True,
        ("zz_broken.pth",),
    ),
    Mutation(
        "sitecustomize-imports-missing",
        SITE,
        _site_file("sitecustomize.py", b"import demo_not_installed\n"),
        True,
        ("sitecustomize",),
    ),
    Mutation("pythonpath-shadows", ENV, _shadow_path, True, ("PYTHONPATH", "old-checkout")),
    Mutation(
        "cfg-home-gone", PEP405, _cfg(r"^home = .*$", "home = /nonexistent/bin"), False, ("home",)
    ),
    Mutation(
        "cfg-version-other",
        PEP405,
        _cfg(r"^version_info = .*$", "version_info = 3.10.2.final.0"),
        False,
    ),
    Mutation("cfg-gone", PEP405, _cfg_gone, True, ("pyvenv.cfg",)),
)


# -- the oracles ---------------------------------------------------------------------------


def project_oracle(root: Path, poetry: dict[str, Any]) -> list[str]:
    """What the tools refuse in the project at ``root`` ([] when they accept it)."""
    wrong = []
    try:
        text = (root / "pyproject.toml").read_bytes().decode("utf-8")
        data = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return [f"tomllib: {exc}"]
    project = data.get("project") or {}
    python = project.get("requires-python")
    if python is not None:
        try:
            if not SpecifierSet(python).contains(HERE, prereleases=True):
                wrong.append(f"requires-python {python!r} excludes Python {HERE}")
        except InvalidSpecifier as exc:
            wrong.append(f"packaging: {exc}")
    deps = project.get("dependencies", [])
    lists = [deps] + list((project.get("optional-dependencies") or {}).values())
    for listed in lists:
        for item in listed if isinstance(listed, list) else [listed]:
            try:
                Requirement(item)
            except (InvalidRequirement, TypeError) as exc:
                wrong.append(f"packaging: {exc}")
    groups = data.get("dependency-groups")
    if groups is not None:
        try:
            resolve_dependency_groups(groups, *groups)
        except (ValueError, TypeError, LookupError, NotImplementedError, ExceptionGroup) as exc:
            wrong.append(f"packaging.dependency_groups: {type(exc).__name__}: {exc}")
    for kind, what in (
        ("before0", "poetry lock"),
        ("lock", "poetry check --lock"),
        ("show", "poetry show"),
    ):
        said = poetry.get(kind)
        if kind == "lock" and said is None:
            wrong.append("poetry check --lock: no poetry.lock")
        elif said is not None and said["returncode"] != 0:
            wrong.append(f"{what}: {(said['stderr'] + said['stdout']).strip()[:300]}")
    return wrong


#: the interpreter's start, as ``pytest`` would begin: packages imported, where from
START = (
    "import sys, demo_alpha, demo_beta; "
    "print(sys.prefix, sys.base_prefix, demo_alpha.__file__, sep='\\n')"
)


def startup_oracle(lab: Lab, env: dict[str, str]) -> list[str]:
    """What the interpreter's actual start says is wrong ([] when it starts clean)."""
    venv = lab.app / ".venv"
    done = run(lab, [str(lab.python()), "-c", START], env)
    if done.returncode != 0:
        return [f"exit {done.returncode}: {done.stderr.strip()[-300:]}"]
    wrong = [f"stderr: {done.stderr.strip()[:300]}"] if done.stderr.strip() else []
    prefix, _, module = done.stdout.strip().splitlines()
    if Path(prefix).resolve() != venv.resolve():
        wrong.append(f"sys.prefix is {prefix}")
    if not Path(module).resolve().is_relative_to(venv.resolve()):
        wrong.append(f"demo_alpha from {module}")
    return wrong


# -- running envcheck ------------------------------------------------------------------------


def copy_project(lab: Lab, ident: str) -> Path:
    root = lab.tmp / "projects" / ident
    root.mkdir(parents=True)
    for name in ("pyproject.toml", "poetry.lock"):
        shutil.copy2(lab.app / name, root / name)
    (root / "wheels").symlink_to(lab.app / "wheels")
    (root / ".venv").symlink_to(lab.app / ".venv")
    return root


def _text(check: dict[str, Any]) -> str:
    return f"{check['summary']} | {check.get('why') or ''} | {json.dumps(check.get('facts') or {})}"


def judge(
    ident: str,
    wrong: list[str],
    expected: bool,
    names: tuple[str, ...],
    found: dict[str, Any],
    base: Checks,
) -> list[str]:
    """The invariants for one mutation: what violates them."""
    if "config_error" in found:
        # pytest stops on the configuration (a usage error, exit 4) with envcheck's words
        said = found["config_error"]
        named = any(n.lower() in said.lower() for n in names)
        if wrong and named:
            return []
        return [
            f"{ident}: configuration refused ({'tools agree' if wrong else 'tools accept'}): {said}"
        ]
    if "checks" not in found:
        if wrong and any("exit" in w for w in wrong):
            return []  # the interpreter itself does not start: no check can run in it
        return [f"{ident}: envcheck's own error: {found}"]
    checks: Checks = found["checks"]
    problems = []
    if bool(wrong) != expected:
        problems.append(f"{ident}: the tools now say {wrong or 'it is fine'} (lab changed?)")
    for check in checks.values():
        if check["status"] == "error" or "Traceback" in _text(check):
            problems.append(f"{ident}: {check['id']}: envcheck's own error: {_text(check)[:300]}")
    bad = [c for c in checks.values() if c["status"] in ("fail", "warn")]
    if wrong:
        if not bad:
            problems.append(f"{ident}: false pass: {wrong}")
        elif names and not any(n.lower() in _text(c).lower() for c in bad for n in names):
            shown = [f"{c['id']}: {c['summary'][:200]}" for c in bad]
            problems.append(f"{ident}: no failing check names any of {names}: {shown}")
        failing = [c for c in bad if c["status"] == "fail"]
        for c in failing:
            if not (c.get("fix") or {}).get("steps"):
                problems.append(f"{ident}: {c['id']} fails without a fix")
    else:
        worse = [
            f"{c['id']}: {c['status']}: {c['summary'][:200]}"
            for c in bad
            if base.get(c["id"], {}).get("status") != c["status"]
        ]
        if worse:
            problems.append(f"{ident}: false alarm, the tools accept it: {worse}")
    return problems


#: the lock files only Poetry's reading of the packages judges (``check --lock`` reads the
#: content-hash alone): ``poetry show`` asked of them
SHOWN = frozenset({"lock-version-missing", "lock-version-newer", "lock-metadata-gone"})

#: printed fixes run (Poetry commands, by the runner's Poetry batch with the project as ``-C``)
#: after the run that printed them, and the project judged again: mutation -> the check
HEALED = {
    "lock-metadata-gone": "venv/lock-file",
    "lock-version-missing": "venv/lock-file",
}


def test_every_project_and_startup_mutation(lab: Lab, template: Path) -> None:
    # the template is used in place (its files copied back at the end): a copy of its
    # environment costs more than this whole sweep's judging
    lab.app = template
    other = lab.tmp / "other-env"
    other.mkdir()
    (other / "pyvenv.cfg").write_text("home = /usr/bin\n")
    jobs: list[dict[str, Any]] = [
        {"ident": "untouched", "root": str(copy_project(lab, "untouched"))}
    ]
    for m in PROJECT:
        root = copy_project(lab, m.ident)
        m.apply(root)
        job = {"ident": m.ident, "root": str(root), "show": m.ident in SHOWN}
        job["heal"] = HEALED.get(m.ident, "")
        jobs.append({**job, "before": [["lock"]] if m.relock else []})
    for ident, (env, _, _) in SHELL.items():
        shown = {k: v.format(other=other) if v else v for k, v in env.items()}
        jobs.append({"ident": ident, "root": jobs[0]["root"], "env": shown})
    first = run_jobs(lab, jobs, "projects", {"SWEEP_ASK_POETRY": "1"})
    assert "results" in first, first
    results = first["results"]
    base = results["untouched"]["checks"]
    assert all(c["status"] == "pass" for c in base.values()), base
    problems = []
    for m in PROJECT:
        where = str(lab.tmp / "projects" / m.ident)
        wrong = project_oracle(Path(where), first["poetry"].get(where, {}))
        problems += judge(m.ident, wrong, m.breaks, m.names, results[m.ident], base)
    for ident, (_, breaks, names) in SHELL.items():
        wrong = ["VIRTUAL_ENV names another environment"] if breaks else []
        problems += judge(ident, wrong, breaks, names, results[ident], base)
    venv = template / ".venv"
    site = next(venv.glob("lib/python3*/site-packages"))
    kept = (venv / "pyvenv.cfg").read_bytes()
    try:
        for m in STARTUP:
            variables = cast(dict[str, str], m.apply(venv) or {})
            wrong = startup_oracle(lab, variables)
            found = run_jobs(lab, jobs[:1], m.ident, variables)
            said = found.get("results", {}).get("untouched", found)
            problems += judge(m.ident, wrong, m.breaks, m.names, said, base)
            (venv / "pyvenv.cfg").write_bytes(kept)
            for name in ("zz_broken.pth", "sitecustomize.py"):
                (site / name).unlink(missing_ok=True)
    finally:
        (venv / "pyvenv.cfg").write_bytes(kept)
        for name in ("zz_broken.pth", "sitecustomize.py"):
            (site / name).unlink(missing_ok=True)
    # a sample of the printed fixes, run, and the re-run passes
    for ident, check in HEALED.items():
        healed = first["healed"][ident]
        if not healed["usable"]:
            problems.append(f"{ident}: {check}'s fix is not Poetry commands: {healed}")
            continue
        failed = [r for r in healed["ran"] if r["returncode"] != 0]
        left = [
            f"{c['id']}: {c['summary'][:200]}"
            for c in healed.get("checks", {}).values()
            if c["status"] != "pass"
        ]
        if failed or left or "checks" not in healed:
            problems.append(f"{ident}: after its fix: {failed or left or healed}")
    assert not problems, "\n".join(problems)
