"""The venv manager sweep (issue 23): every way a project declares and installs its packages,
times every way its environment can fall behind that declaration, judged by envcheck; the
invariant: the fix speaks the project's own tool, and the verdict agrees with the project's
requirement semantics.

The space, from the tools' own rules (their documentation and sources):

- project kinds (:data:`KINDS`, 8): Poetry 1 (``[tool.poetry.dependencies]`` and
  ``[tool.poetry.group.<g>]``, poetry.lock; the venv lab's template), Poetry 2 (a static
  ``[project] dependencies`` enriched by ``[tool.poetry.dependencies]``, PEP 735 groups; Poetry
  2.2+), uv (``[project]``, ``[dependency-groups]`` (``dev`` is uv's default group), ``[tool.uv]``
  and ``uv.lock``: ``uv sync``, ``uv sync --group G``, ``uv lock``), PDM (``[tool.pdm]`` and
  ``pdm.lock``: ``pdm install`` / ``pdm sync``, ``pdm lock``), Hatch (``[tool.hatch.envs.default]``
  with ``path = ".venv"``: ``hatch run``/``hatch env`` sync the environment's dependencies, no
  lock), pip-tools (``requirements.in`` compiled to ``requirements.txt``, layered
  ``dev-requirements.in/.txt``: ``pip-sync`` with every layer, ``pip-compile``), plain PEP 621
  with pip (``pip install -e .``, ``pip install --group dev`` since pip 25.1) and a
  ``requirements.txt`` alone (``pip install -r requirements.txt``);
- breakages (:data:`BREAKAGES`, 6): a runtime dependency missing (``missing``), installed at a
  version the requirement excludes (``excluded``: ``demo-alpha>=2``, 1.0 installed), a group's
  (dev) dependency missing (``group``), an extra's dependency missing (``extra``:
  ``demo-ext[fast]``, demo-ext installed, demo-fast, which only its extra ``fast`` requires,
  not), the lock out of date with the declaration (``stale``: demo-new added, not locked), the
  environment in drift from the lock (``drift``: the lock has demo-gamma 1.1, which
  ``demo-beta``'s ``demo-gamma>=1`` accepts; 1.0 installed).

Pairs: Poetry 1, Poetry 2, uv, PDM and pip-tools meet all six (30; pip-tools' group is its
``dev-requirements`` layer, its lock is ``requirements.txt``), Hatch and plain PEP 621 have no lock
(4 each), a requirements.txt alone has neither groups nor extras (2): **40 breakages**, and the 8
kinds in step as healthy neighbours: 48 projects.

The invariants (:func:`judged`): a breakage is failed (or warned about) by a venv check that
names what (the package, or the lock file) and says why; its fix's commands (the structured
steps, else the fix's text) use the project's tool with a subcommand that does it (the table
:data:`FIXES`: Poetry ``install``/``sync`` (``lock`` first when the lock is stale), uv ``sync``
(``lock``), PDM ``install``/``sync`` (``lock``/``install``), Hatch ``run``/``env``/``shell``,
``pip-sync`` naming every layer (``pip-compile`` first), pip ``install`` naming the package, the
group (``--group dev``), the extra or the project); no check of the project prints another
manager's command (``poetry`` in a uv project, ``pip install`` into an environment Poetry, uv,
PDM or Hatch keeps), and no fix installs ``envcheck`` from the index. A healthy neighbour has no
check failing or warning. uv, PDM, Hatch and pip-tools are not installed on this machine (nor
dependencies of this repository): their lock files are written as their tools write them
(uv 0.13's ``uv.lock`` revision 3, PDM 2.2x's ``pdm.lock`` 4.5, pip-compile's header and
``# via`` lines) and their fixes are checked structurally; Poetry's are Poetry's own locks (one
Poetry process, envcheck's batch driver, relocks every Poetry project before envcheck asks it),
proven by the lock's contents.

The projects share one environment (``app/.venv``, made with ``venv`` and seeing pytest and
envcheck, as the lab's are; demo-alpha, demo-beta, demo-gamma, demo-dev and demo-ext unpacked
into it from their wheels as pip unpacks a wheel given by its path, ``direct_url.json`` and
``RECORD`` included), each project's ``.venv`` a link to it, so the packages a breakage needs
missing are ones no project installs. No lab template. Poetry's locks: where its resolution of
an extra or a group is what is judged (:data:`RELOCKED`: 4 projects) Poetry locks the project
in the runner's batch; the other 10 are written as Poetry 2.5 writes them (the wheels' real
hashes, the content-hash by Poetry's own rule, :func:`content_hash`, checked against Poetry's
locks when written), and Poetry's ``check --lock`` in the same batch must take the 8 in step as
current and the 2 stale ones as stale. The pip-tools and requirements.txt projects have a
pyproject.toml holding only pytest's settings (pytest needs a rootdir; without one the runner
would judge the project of the running virtualenv). Two printed fixes are run and the project
judged again: a Poetry project's ``poetry install`` (the runner's heal, by Poetry's batch:
"Updating demo-alpha (1.0 -> 2.0)", then lock-drift passes) and the requirements.txt project's
``pip install -r requirements.txt`` (envcheck's step runner, offline from the wheels, then its
package check passes); uv, PDM, Hatch and pip-tools are not on this machine.

First run (envcheck at 5422785, before any change; 2026-12-07): **23 of 40 breakages wrong**, the
8 healthy neighbours right. Right: the 12 Poetry pairs (package, lock-drift, lock-file: ``poetry
install``/``poetry lock``), uv's extra and drift (lock-drift, ``uv sync``), pip's missing,
excluded and group (``pip install demo-grp``). Wrong: uv's missing, excluded, group and stale
(lock-drift right, but package[demo-miss] beside it printed ``python -m pip install demo-miss``
into the environment uv keeps; the stale lock had no verdict but that pip fix), PDM's six (pdm.lock
not read: ``pip install demo-miss``/``'demo-alpha>=2'``/``demo-grp``/``demo-new``; extra and
drift false passes), Hatch's four (``pip install``; its environment's ``dependencies`` not read:
the group a false pass; the extra a false pass), pip-tools' six and requirements.txt's two (false
passes: requirements.in/.txt and requirements.txt not read at all), pip's extra (a false pass:
``demo-ext[fast]`` judged as demo-ext alone, demo-fast, which its extra requires, never looked
for). The world was rebuilt after it without the lab's template (the cost, below); run against
the same sources (``ENVCHECK_LAB_SRC``), it gives the same 23.

After the changes of the commit that records this: **none wrong** (40 of 40, the 8 neighbours
still quiet). From structure (``checks/venv/managers.py``): a project Poetry does not keep is
uv's (``uv.lock`` or ``[tool.uv]``), PDM's (``pdm.lock`` or ``[tool.pdm]``), Hatch's (a
``[tool.hatch.envs.<env>]``, the one whose ``path`` is ``.venv``), pip-tools' (a
``requirements.in``), a requirements.txt's (no ``[project] dependencies``) or pip's; a package
check's fix is that tool's (``uv sync``; ``uv lock && uv sync`` where uv.lock lacks it; ``uv add``
for what is not declared; ``pdm install``/``pdm lock``/``pdm add``; ``hatch run
<env>:python -c pass``, Hatch installing what an environment's dependencies lack before every
run; ``pip-sync`` with every compiled layer, ``pip-compile`` first where a layer lacks it;
``pip install -r requirements.txt``), its why naming the lock and what it has; a
``lock-drift`` check for PDM (pdm.lock's entries, markers evaluated) and pip-tools (the compiled
layers' ``==`` pins), which also fails a lock without a package the project declares (``pdm
lock``, ``pip-compile``); the zero-config derivation reads ``requirements.in``, else a
``requirements.txt``, when pyproject.toml declares no dependencies, the dev layers of pip-tools
(``dev-requirements.in``) and the dependencies of the Hatch environment at ``.venv``, and keeps a
requirement's extras; a package check whose requirement has extras finds the requirements the
extras add (``Requires-Dist`` with ``extra == ...``) and fails when one is not installed or not
met, its fix the tool's for that package. Not changed: lock-drift's guessed cause for Poetry
("the environment was changed after `poetry install`") where the lock gained a package since
(the package check beside it says it right; tests/test_venv.py asserts that wording).

Cost: 48 small project directories (4 locked by Poetry, in one Poetry process with every
Poetry question, ``check --lock`` included; the runner asks Poetry nothing about the 34 projects
that are not Poetry's, as envcheck does not), one start of the environment's interpreter judging
all 48, one Poetry process and one pip run for the two fixes, one more start for the re-run; no
template build. Measured as ``pytest -q -p no:cacheprovider <file>`` beside other sessions'
runs: 8.4 to 9.0 CPU-s (user + system), 8 to 15 s wall. With the lab's template, a pip install
and 11 relocks it was 11 to 13.2.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.throwaway import make_venv, make_wheel
from tests.verdicts.venv_lab import Lab, claimed_world, run_jobs

Checks = dict[str, dict[str, Any]]

KINDS = ("poetry1", "poetry2", "uv", "pdm", "hatch", "piptools", "pip", "requirements")
BREAKAGES = ("missing", "excluded", "group", "extra", "stale", "drift")
#: the breakages a kind can have (no lock: no stale or drift; requirements.txt: no groups, extras)
MEETS = {
    **dict.fromkeys(("poetry1", "poetry2", "uv", "pdm", "piptools"), BREAKAGES),
    "hatch": ("missing", "excluded", "group", "extra"),
    "pip": ("missing", "excluded", "group", "extra"),
    "requirements": ("missing", "excluded"),
}
#: the words a verdict names (one of each tuple), per breakage
WHAT = {
    "missing": (("demo-miss",),),
    "excluded": (("demo-alpha",), (">=2", "2.0")),
    "group": (("demo-grp",),),
    "extra": (("demo-fast",),),
    "stale": (("demo-new", "lock", "requirements.txt"),),
    "drift": (("demo-gamma",), ("1.1",)),
}
#: the checks a breakage's verdict may be on
CHECKS = {
    "missing": ("venv/package[demo-miss]", "venv/lock-drift"),
    "excluded": ("venv/package[demo-alpha]", "venv/lock-drift"),
    "group": ("venv/dev-package[demo-grp]", "venv/package[demo-grp]", "venv/lock-drift"),
    "extra": (
        "venv/package[demo-fast]",
        "venv/package[demo-ext]",
        "venv/consistency",
        "venv/lock-drift",
    ),
    "stale": ("venv/lock-file", "venv/lock-drift", "venv/project", "venv/package[demo-new]"),
    "drift": ("venv/lock-drift", "venv/package[demo-gamma]"),
}
#: each kind's tool: the programs its fixes may run
TOOL = {
    "poetry1": ("poetry",),
    "poetry2": ("poetry",),
    "uv": ("uv",),
    "pdm": ("pdm",),
    "hatch": ("hatch",),
    "piptools": ("pip-sync", "pip-compile"),
    "pip": ("pip",),
    "requirements": ("pip",),
}
MANAGERS = ("poetry", "uv", "pdm", "hatch", "pip-sync", "pip-compile", "pip")

Command = tuple[str, str, tuple[str, ...]]  # program, subcommand, the other arguments


def _poetry(breakage: str, commands: list[Command]) -> str:
    subs = [sub for program, sub, _ in commands if program == "poetry"]
    if breakage == "stale" and "lock" not in subs:
        return "the lock is stale: no `poetry lock`"
    if not {"install", "sync"} & set(subs):
        return "no `poetry install`/`poetry sync`"
    return ""


def _uv(breakage: str, commands: list[Command]) -> str:
    subs = {sub for program, sub, _ in commands if program == "uv"}
    return (
        ""
        if subs & {"sync", "lock"} and (breakage == "stale" or "sync" in subs)
        else "no `uv sync`"
    )


def _pdm(breakage: str, commands: list[Command]) -> str:
    subs = {sub for program, sub, _ in commands if program == "pdm"}
    if breakage == "stale":
        return (
            "" if subs & {"lock", "install"} else "the lock is stale: no `pdm lock`/`pdm install`"
        )
    return "" if subs & {"install", "sync"} else "no `pdm install`/`pdm sync`"


def _hatch(breakage: str, commands: list[Command]) -> str:
    subs = {sub for program, sub, _ in commands if program == "hatch"}
    return "" if subs & {"run", "env", "shell"} else "no `hatch run`/`hatch env`"


def _piptools(breakage: str, commands: list[Command]) -> str:
    programs = [program for program, _, _ in commands]
    if breakage == "stale" and "pip-compile" not in programs:
        return "requirements.txt is stale: no `pip-compile`"
    syncs = [(sub, *rest) for program, sub, rest in commands if program == "pip-sync"]
    if not syncs:
        return "no `pip-sync`"
    layers = {"requirements.txt"} | ({"dev-requirements.txt"} if breakage == "group" else set())
    named = {Path(arg).name for words in syncs for arg in words}
    return "" if layers <= named else f"`pip-sync` without {sorted(layers - named)}"


#: what a pip install must name, per breakage
PIP_NAMES = {
    "missing": ("demo-miss",),
    "excluded": ("demo-alpha>=2",),
    "group": ("--group", "demo-grp"),
    "extra": ("demo-ext[fast]", "demo-fast"),
}


def _pip(breakage: str, commands: list[Command]) -> str:
    installs = [(sub, *rest) for program, sub, rest in commands if program == "pip"]
    if not any(words[:1] == ("install",) for words in installs):
        return "no `pip install`"
    words = " ".join(" ".join(w) for w in installs)
    project = re.search(r"(^| )(-e )?\.(\[|$| )|-r \S*requirements\.txt", words)
    return "" if project or any(n in words for n in PIP_NAMES[breakage]) else "names nothing"


FIXES: dict[str, Callable[[str, list[Command]], str]] = {
    "poetry1": _poetry,
    "poetry2": _poetry,
    "uv": _uv,
    "pdm": _pdm,
    "hatch": _hatch,
    "piptools": _piptools,
    "pip": _pip,
    "requirements": _pip,
}


def commands_of(check: dict[str, Any]) -> list[Command]:
    """The commands a check's fix runs: its structured steps' argv (``env -u X``, ``python -m``
    and ``-C dir`` read through), else the commands its text shows in backticks."""
    fix = check.get("fix") or {}
    argvs = [list(s["argv"]) for s in fix.get("steps") or () if s.get("kind") == "command"]
    if not argvs:
        text = f"{fix.get('text') or ''} {check.get('hint') or ''}"
        for quoted in re.findall(r"`([^`]+)`", text):
            for part in re.split(r"&&|;", quoted):
                try:
                    argvs.append(shlex.split(part))
                except ValueError:
                    continue
    out: list[Command] = []
    for argv in argvs:
        while argv and (argv[0] == "env" or argv[0].startswith("-") and argv[0] != "-m"):
            argv = argv[2:] if argv[0] == "-u" else argv[1:]
        while argv and "=" in argv[0] and not argv[0].startswith("-"):
            argv = argv[1:]
        if not argv:
            continue
        program = Path(argv[0]).name
        rest = argv[1:]
        if program.startswith("python") and rest[:1] == ["-m"] and len(rest) > 1:
            program, rest = rest[1], rest[2:]
        if program in ("pip3", "pip3.11"):
            program = "pip"
        while rest and rest[0] in ("-C", "--directory", "-P", "--project", "-p"):
            rest = rest[2:]
        sub = next((r for r in rest if not r.startswith("-")), "")
        out.append((program, sub, tuple(rest)))
    return out


@dataclass(frozen=True)
class Project:
    kind: str
    breakage: str  # "" for the healthy neighbour

    @property
    def ident(self) -> str:
        return f"{self.kind}-{self.breakage or 'healthy'}"


PROJECTS = [Project(k, b) for k in KINDS for b in ("", *MEETS[k])]


# -- the projects -------------------------------------------------------------------------------

BASE = ["demo-alpha>=1", "demo-beta"]


def wanted(breakage: str) -> tuple[list[str], list[str]]:
    """The runtime requirements and the dev group's, as the project declares them."""
    runtime = list(BASE)
    if breakage == "missing":
        runtime.append("demo-miss")
    elif breakage == "excluded":
        runtime[0] = "demo-alpha>=2"
    elif breakage == "extra":
        runtime.append("demo-ext[fast]")
    elif breakage == "stale":
        runtime.append("demo-new")
    return runtime, (["demo-grp"] if breakage == "group" else [])


def locked(breakage: str) -> dict[str, str]:
    """Name -> version of what the lock has (a stale lock: the healthy project's)."""
    versions = {"demo-alpha": "1.0", "demo-beta": "1.0", "demo-gamma": "1.0"}
    if breakage == "missing":
        versions["demo-miss"] = "1.0"
    elif breakage == "excluded":
        versions["demo-alpha"] = "2.0"
    elif breakage == "extra":
        versions |= {"demo-ext": "1.0", "demo-fast": "1.0"}
    elif breakage == "group":
        versions["demo-grp"] = "1.0"
    elif breakage == "drift":
        versions["demo-gamma"] = "1.1"
    return versions


def _array(items: list[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def _project_table(runtime: list[str], group: list[str], extra: str = "") -> str:
    text = (
        f'[project]\nname = "svc"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        f"dependencies = {_array(runtime)}\n{extra}"
    )
    return text + (f"\n[dependency-groups]\ndev = {_array(group)}\n" if group else "")


def _wheel(name: str, version: str) -> str:
    return f"{name.replace('-', '_')}-{version}-py3-none-any.whl"


def uv_lock(breakage: str) -> str:
    """uv.lock (revision 3) as ``uv lock`` writes it for the uv project of ``breakage``."""
    versions = locked("" if breakage == "stale" else breakage)
    runtime, group = wanted("" if breakage == "stale" else breakage)
    deps = {"demo-beta": ["demo-gamma"]}
    entries = []
    for name, version in sorted(versions.items()):
        entry = (
            f'[[package]]\nname = "{name}"\nversion = "{version}"\n'
            f'source = {{ registry = "wheels" }}\n'
        )
        if deps.get(name):
            entry += "dependencies = [\n" + "".join(
                f'    {{ name = "{d}" }},\n' for d in deps[name]
            )
            entry += "]\n"
        entry += f'wheels = [\n    {{ path = "{_wheel(name, version)}" }},\n]\n'
        if name == "demo-ext":
            entry += '\n[package.optional-dependencies]\nfast = [\n    { name = "demo-fast" },\n]\n'
        entries.append(entry)
    own = (
        '[[package]]\nname = "svc"\nversion = "0.1"\nsource = { virtual = "." }\ndependencies = [\n'
    )
    requires = []
    for req in runtime:
        name = re.split(r"[\[<>=!~ ]", req)[0]
        extra = ', extra = ["fast"]' if "[fast]" in req else ""
        own += f'    {{ name = "{name}"{extra} }},\n'
        spec = req[len(name) :].replace("[fast]", "")
        requires.append(
            f'    {{ name = "{name}"'
            + (', extras = ["fast"]' if extra else "")
            + (f', specifier = "{spec}"' if spec else "")
            + " },\n"
        )
    own += "]\n"
    if group:
        own += '\n[package.dev-dependencies]\ndev = [\n    { name = "demo-grp" },\n]\n'
    own += "\n[package.metadata]\nrequires-dist = [\n" + "".join(requires) + "]\n"
    if group:
        own += '\n[package.metadata.requires-dev]\ndev = [{ name = "demo-grp" }]\n'
    entries.append(own)
    entries.sort(key=lambda e: e.split('name = "', 1)[1])
    return 'version = 1\nrevision = 3\nrequires-python = ">=3.11"\n\n' + "\n".join(entries)


def pdm_lock(breakage: str) -> str:
    """pdm.lock (lock_version 4.5) as ``pdm lock`` writes it for the PDM project of
    ``breakage`` (a stale lock: the healthy project's, its content_hash another pyproject's)."""
    of = "" if breakage == "stale" else breakage
    versions = locked(of)
    groups = ["default", "dev"] if of == "group" else ["default"]
    head = (
        "# This file is @generated by PDM.\n# It is not intended for manual editing.\n\n"
        f"[metadata]\ngroups = {_array(groups)}\n"
        'strategy = ["inherit_metadata"]\nlock_version = "4.5.0"\n'
        f'content_hash = "sha256:{(of or "healthy").encode().hex():0<64}"\n\n'
        '[[metadata.targets]]\nrequires_python = ">=3.11"\n'
    )
    entries = []
    for name, version in sorted(versions.items()):
        group = "dev" if name == "demo-grp" else "default"
        requires = {"demo-beta": ["demo-gamma>=1"]}.get(name, [])
        entry = (
            f'[[package]]\nname = "{name}"\nversion = "{version}"\nrequires_python = ">=3.11"\n'
            f'summary = ""\ngroups = ["{group}"]\n'
        )
        if requires:
            entry += f"dependencies = {_array(requires)}\n"
        files = f'[\n    {{file = "{_wheel(name, version)}", hash = "sha256:{"0" * 64}"}},\n]'
        entry += f"files = {files}\n"
        entries.append(entry)
        if name == "demo-ext":
            entries.append(
                f'[[package]]\nname = "demo-ext"\nversion = "1.0"\nextras = ["fast"]\n'
                f'requires_python = ">=3.11"\nsummary = ""\ngroups = ["default"]\n'
                f'dependencies = ["demo-ext==1.0", "demo-fast"]\n'
                f"files = {files}\n"
            )
    return head + "\n" + "\n".join(entries)


def compiled(requirements: list[str], source: str, via: dict[str, str]) -> str:
    """requirements.txt as pip-compile writes it from ``source``."""
    out = (
        "#\n# This file is autogenerated by pip-compile with Python 3.11\n"
        f"# by the following command:\n#\n#    pip-compile {source}\n#\n"
    )
    return out + "".join(
        f"{r}\n    # via {via.get(r.split('=')[0], '-r ' + source)}\n" for r in requirements
    )


PYTEST_ONLY = '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'


def make(lab: Lab, wheels: Path, project: Project) -> list[list[str]]:
    """Writes the project under ``projects/<ident>``; returns the Poetry commands its job runs
    in the batch before envcheck's questions (a relock)."""
    root = lab.tmp / "projects" / project.ident
    root.mkdir(parents=True)
    (root / ".venv").symlink_to(lab.app / ".venv")
    (root / "wheels").symlink_to(wheels)
    b = project.breakage
    runtime, group = wanted(b)

    def write(name: str, text: str) -> None:
        (root / name).write_text(text)

    if project.kind == "poetry1":
        versions = locked(b) | ({"demo-new": "1.0"} if b == "stale" else {})
        main = "".join(
            f'{name} = {{ path = "wheels/{_wheel(name, version)}"'
            + (', extras = ["fast"]' if name == "demo-ext" else "")
            + " }\n"
            for name, version in versions.items()
            if name not in ("demo-grp", "demo-fast")
        )
        groups = "[tool.poetry.group.dev.dependencies]\n" + "".join(
            f'{name} = {{ path = "wheels/{_wheel(name, "1.0")}" }}\n'
            for name in ("demo-dev", *group)
        )
        text = POETRY1.format(main=main, groups=groups)
        write("pyproject.toml", text)
        if b in RELOCKED:
            return [["lock"]]
        before = text
        if b == "stale":  # locked before demo-new was added
            before = text.replace(
                f'demo-new = {{ path = "wheels/{_wheel("demo-new", "1.0")}" }}\n', ""
            )
        mine = locked("" if b == "stale" else b) | {"demo-dev": "1.0"}
        write("poetry.lock", poetry_lock(root, wheels, mine, before))
        return []
    if project.kind == "poetry2":
        versions = locked(b) | ({"demo-new": "1.0"} if b == "stale" else {})
        enrich = "".join(
            f'{name} = {{ path = "wheels/{_wheel(name, version)}" }}\n'
            for name, version in versions.items()
            if name not in ("demo-grp", "demo-fast")
        )
        uri = (wheels / _wheel("demo-grp", "1.0")).as_uri()
        groups = f'\n[dependency-groups]\ndev = ["demo-grp @ {uri}"]\n' if group else ""
        deps = runtime + ["demo-gamma"]  # named, so that its path enriches it
        tail = "\n[tool.poetry]\npackage-mode = false\n\n[tool.poetry.dependencies]\n"
        write("pyproject.toml", _project_table(deps, []) + groups + tail + enrich)
        if b in RELOCKED:
            return [["lock"]]
        before = _project_table(deps, []) + groups + tail + enrich
        if b == "stale":  # locked before demo-new was added
            new_line = f'demo-new = {{ path = "wheels/{_wheel("demo-new", "1.0")}" }}\n'
            before = _project_table(BASE + ["demo-gamma"], []) + tail + enrich.replace(new_line, "")
        write("poetry.lock", poetry_lock(root, wheels, locked("" if b == "stale" else b), before))
        return []
    if project.kind == "uv":
        write(
            "pyproject.toml", _project_table(runtime, group, "") + "\n[tool.uv]\npackage = false\n"
        )
        write("uv.lock", uv_lock(b))
    elif project.kind == "pdm":
        write(
            "pyproject.toml",
            _project_table(runtime, group) + "\n[tool.pdm]\ndistribution = false\n",
        )
        write("pdm.lock", pdm_lock(b))
    elif project.kind == "hatch":
        env = ["demo-dev"] + group
        write(
            "pyproject.toml",
            '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
            + _project_table(runtime, [])
            + '\n[tool.hatch.envs.default]\ntype = "virtual"\npath = ".venv"\nskip-install = true\n'
            + f"dependencies = {_array(env)}\n",
        )
    elif project.kind == "pip":
        write("pyproject.toml", _project_table(runtime, group))
    elif project.kind == "requirements":
        write("pyproject.toml", PYTEST_ONLY)
        write("requirements.txt", "".join(f"{r}\n" for r in runtime))
    elif project.kind == "piptools":
        write("pyproject.toml", PYTEST_ONLY)
        write("requirements.in", "".join(f"{r}\n" for r in runtime))
        of = "" if b == "stale" else b
        pins = [f"{n}=={v}" for n, v in sorted(locked(of).items()) if n != "demo-grp"]
        via = {"demo-gamma": "demo-beta", "demo-fast": "demo-ext"}
        write("requirements.txt", compiled(pins, "requirements.in", via))
        if group:
            write("dev-requirements.in", "-c requirements.txt\ndemo-grp\n")
            write("dev-requirements.txt", compiled(["demo-grp==1.0"], "dev-requirements.in", {}))
    return []


POETRY1 = """[project]
name = "demo-app"
version = "0.1.0"
requires-python = ">=3.11"
dynamic = ["dependencies"]

[tool.poetry]
package-mode = false

[tool.poetry.dependencies]
{main}
{groups}"""


def content_hash(pyproject: str) -> str:
    """poetry.lock's ``content-hash`` of ``pyproject``, as Poetry 2's ``Locker`` computes it
    (``_get_content_hash``: the sha256 of the JSON of ``[project]``'s ``requires-python``,
    ``dependencies`` and ``optional-dependencies``, ``[tool.poetry]``'s ``dependencies``,
    ``group``, ``source`` and ``extras`` and ``[dependency-groups]``; without ``[project]``
    fields, the ``[tool.poetry]`` part alone)."""
    data = tomllib.loads(pyproject)
    meta = data.get("project", {})
    poetry = data.get("tool", {}).get("poetry", {})
    relevant = {
        k: meta[k]
        for k in ("requires-python", "dependencies", "optional-dependencies")
        if meta.get(k) is not None
    }
    legacy = ("dependencies", "source", "extras", "dev-dependencies")
    tool = {
        k: poetry.get(k)
        for k in ("dependencies", "group", "source", "extras")
        if poetry.get(k) is not None or (k in legacy and not relevant)
    }
    content: dict[str, Any] = tool
    if relevant:
        content = {"project": relevant, "tool": {"poetry": tool}}
        if data.get("dependency-groups"):
            content["dependency-groups"] = data["dependency-groups"]
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def poetry_lock(root: Path, wheels: Path, versions: dict[str, str], pyproject: str) -> str:
    """poetry.lock as Poetry 2.5 writes it for path dependencies on ``versions`` (demo-dev in
    the dev group; the linked wheels' directory resolved, as Poetry writes it) for
    ``pyproject``."""
    out = "# This file is automatically @generated by Poetry 2.5.1 and should not be changed by"
    out += " hand.\n"
    where = Path(os.path.relpath(wheels.resolve(), root.resolve()))
    for name, version in sorted(versions.items()):
        wheel = _wheel(name, version)
        digest = hashlib.sha256((wheels / wheel).read_bytes()).hexdigest()
        out += (
            f'\n[[package]]\nname = "{name}"\nversion = "{version}"\ndescription = ""\n'
            f'optional = false\npython-versions = "*"\n'
            f'groups = ["{"dev" if name == "demo-dev" else "main"}"]\n'
            f'files = [\n    {{file = "{wheel}", hash = "sha256:{digest}"}},\n]\n'
        )
        if name == "demo-beta":
            out += '\n[package.dependencies]\ndemo-gamma = ">=1"\n'
        out += f'\n[package.source]\ntype = "file"\nurl = "{(where / wheel).as_posix()}"\n'
    return out + (
        f'\n[metadata]\nlock-version = "2.1"\npython-versions = ">=3.11"\n'
        f'content-hash = "{content_hash(pyproject)}"\n'
    )


#: the Poetry pairs whose lock Poetry itself writes (a relock in the batch): those where its
#: resolution of an extra or a group is what the verdict is about; the others' locks are
#: written as Poetry writes them (:func:`poetry_lock`), ``poetry check --lock`` asked of each
RELOCKED = ("extra", "group")


#: what the shared environment has (as pip installs them: unpacked with their RECORD)
INSTALLED: tuple[tuple[str, str], ...] = (("demo-alpha", "1.0"), ("demo-beta", "1.0"))
INSTALLED += (("demo-gamma", "1.0"), ("demo-dev", "1.0"), ("demo-ext", "1.0"))


def build_wheels(lab: Lab) -> Path:
    wheels = lab.tmp / "wheels-managers"
    wheels.mkdir()
    for name, version in (
        ("demo-alpha", "1.0"),
        ("demo-alpha", "2.0"),
        ("demo-gamma", "1.0"),
        ("demo-gamma", "1.1"),
        ("demo-dev", "1.0"),
        ("demo-miss", "1.0"),
        ("demo-grp", "1.0"),
        ("demo-new", "1.0"),
        ("demo-fast", "1.0"),
    ):
        make_wheel(wheels, name, version)
    make_wheel(wheels, "demo-beta", "1.0", requires=("demo-gamma>=1",))
    fast = (wheels / _wheel("demo-fast", "1.0")).as_uri()
    make_wheel(
        wheels,
        "demo-ext",
        "1.0",
        requires=(f"demo-fast @ {fast} ; extra == 'fast'",),
        extras=("fast",),
    )
    return wheels


def environment(lab: Lab, wheels: Path) -> None:
    """The projects' shared environment (``app/.venv``, seeing pytest and envcheck), the
    packages of :data:`INSTALLED` unpacked into it as pip unpacks a wheel given by its path
    (PEP 610 ``direct_url.json`` with the file's URL and hash, which Poetry compares with a
    path dependency's before installing it again)."""
    python = make_venv(lab.app / ".venv")
    purelib = next((lab.app / ".venv" / "lib").glob("python3*/site-packages"))
    assert python.is_file()
    for name, version in INSTALLED:
        with zipfile.ZipFile(wheels / _wheel(name, version)) as archive:
            archive.extractall(purelib)
        info = purelib / f"{name.replace('-', '_')}-{version}.dist-info"
        (info / "INSTALLER").write_text("pip\n")
        wheel = (wheels / _wheel(name, version)).resolve()
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        direct = {"url": wheel.as_uri(), "archive_info": {"hashes": {"sha256": digest}}}
        (info / "direct_url.json").write_text(json.dumps(direct))
        with (info / "RECORD").open("a") as record:  # as pip records what it adds
            record.write(f"{info.name}/INSTALLER,,\n{info.name}/direct_url.json,,\n")


#: the world as this test process read it (built once per session: :func:`claimed_world`)
_BUILT: dict[str, dict[str, Any]] = {}


@pytest.fixture
def world(request: pytest.FixtureRequest) -> dict[str, Any]:
    return claimed_world(
        "managers",
        "all",
        request,
        ("all",),
        {p.ident: "all" for p in PROJECTS},
        build,
        _BUILT,
        other=False,
        template=False,
    )


def build(name: str, lab: Lab) -> dict[str, Any]:
    wheels = build_wheels(lab)
    environment(lab, wheels)
    jobs = []
    for project in PROJECTS:
        before = make(lab, wheels, project)
        jobs.append(
            {
                "ident": project.ident,
                "root": str(lab.tmp / "projects" / project.ident),
                "env": {},
                "before": before,
                "show": False,
                # Poetry is asked only about its own projects, as envcheck asks it
                "poetry": project.kind.startswith("poetry"),
                # the printed Poetry fix run by the runner (Poetry's batch), then judged again
                **({"heal": HEALED_POETRY[1]} if project.ident == HEALED_POETRY[0] else {}),
            }
        )
    found = run_jobs(lab, jobs, "managers", {"SWEEP_ASK_POETRY": "1"})
    assert "results" in found, found
    proofs = {}
    for project in PROJECTS:
        if project.kind.startswith("poetry"):
            problem = poetry_proof(lab, project, found["poetry"])
            if problem:
                proofs[project.ident] = problem
    healed = {**heal(lab, wheels, found), **poetry_healed(found)}
    return {"found": found, "proofs": proofs, "healed": healed}


HEALED = "requirements-missing"
#: a Poetry project's printed fix (``poetry install``) and the check it must make pass
HEALED_POETRY = ("poetry1-excluded", "venv/lock-drift")


def poetry_healed(found: dict[str, Any]) -> dict[str, list[str]]:
    """What the runner's run of the Poetry project's printed fix left wrong."""
    ident, check = HEALED_POETRY
    healed = found.get("healed", {}).get(ident)
    if not healed or not healed.get("usable"):
        return {ident: [f"its fix is no Poetry command on the project: {healed}"]}
    failed = [r for r in healed["ran"] if r["returncode"] != 0]
    after = healed.get("checks", {}).get(check, {})
    if failed or after.get("status") != "pass":
        return {ident: [f"after the fix ({failed}): {after}"]}
    return {}


def heal(lab: Lab, wheels: Path, found: dict[str, Any]) -> dict[str, list[str]]:
    """The printed fix of a requirements.txt project's missing package (``pip install -r``)
    run by envcheck's step runner, offline from the lab's wheels, and the project judged again:
    its package check passes. Run last: it installs into the shared environment."""
    check = found["results"][HEALED].get("checks", {}).get("venv/package[demo-miss]")
    if check is None or check["status"] == "pass":
        return {HEALED: [f"nothing to heal: {check}"]}
    try:
        # from the wheels' directory: the step runner leaves the environment's .pth (through
        # which this environment, made without pip, runs the suite's pip) only outside a project
        lab.apply(
            check,
            rootdir=wheels,
            PIP_NO_INDEX="1",
            PIP_FIND_LINKS=str(wheels),
        )
    except AssertionError as exc:
        return {HEALED: [f"the fix did not apply: {exc}"]}
    root = str(lab.tmp / "projects" / HEALED)
    again = run_jobs(lab, [{"ident": HEALED, "root": root}], "managers-healed")
    after = again.get("results", {}).get(HEALED, {}).get("checks", {})
    loud = [f"{c['id']}: {c['summary']}" for c in after.values() if c["status"] != "pass"]
    return {HEALED: [f"after the fix: {loud}"] if loud or not after else []}


def poetry_proof(lab: Lab, project: Project, said: dict[str, Any]) -> str:
    """Poetry's relock succeeded and its lock has what the breakage needs it to have."""
    root = lab.tmp / "projects" / project.ident
    answers = said.get(str(root), {})
    if answers.get("before0", {"returncode": 0})["returncode"] != 0:
        return f"poetry lock failed: {answers['before0']}"
    lock = (root / "poetry.lock").read_text()
    names = set(re.findall(r'^name = "([^"]+)"', lock, flags=re.M))
    want = set(locked(project.breakage))
    if project.breakage == "stale":
        lock_ok = "demo-new" not in names and answers.get("lock", {}).get("returncode", 1) != 0
        return "" if lock_ok else f"the stale lock is not stale: {answers.get('lock')}"
    written = project.breakage not in RELOCKED  # by hand: Poetry must take it as current
    if written and answers.get("lock", {}).get("returncode", 1) != 0:
        return f"poetry check --lock refuses it: {answers.get('lock')}"
    missing = want - names
    if missing:
        return f"poetry.lock lacks {sorted(missing)}"
    for name, version in locked(project.breakage).items():
        entry = lock[lock.index(f'name = "{name}"') :]
        if f'version = "{version}"' not in entry[: entry.find("[[package]]")]:
            return f"poetry.lock has not {name} {version}"
    return ""


def judged(project: Project, checks: Checks) -> list[str]:
    """What is wrong with the verdicts on ``project`` (empty: right)."""
    loud = {cid: c for cid, c in checks.items() if c["status"] in ("fail", "warn", "error")}
    wrong = []
    other = [m for m in MANAGERS if m not in TOOL[project.kind]]
    for cid, check in loud.items():
        for program, sub, rest in commands_of(check):
            if program in other and not (program == "pip" and sub != "install"):
                wrong.append(f"{cid} prints another tool's command: {program} {' '.join(rest)}")
            if (
                program == "pip"
                and sub == "install"
                and any(r.startswith("envcheck") for r in rest)
            ):
                wrong.append(f"{cid} installs envcheck from the index")
    if not project.breakage:
        return wrong + [
            f"a false alarm: {cid}: {c['status']}: {c['summary']}" for cid, c in loud.items()
        ]
    on = [loud[c] for c in CHECKS[project.breakage] if c in loud]
    if not on:
        return wrong + [f"no verdict on {CHECKS[project.breakage]}: {summaries(checks)}"]
    best = ""
    for check in on:
        text = f"{check['summary']} {check.get('why') or ''}"
        problems = [
            f"does not name {' or '.join(words)}"
            for words in WHAT[project.breakage]
            if not any(w in text for w in words)
        ]
        if not check.get("why"):
            problems.append("no why")
        fix = FIXES[project.kind](project.breakage, commands_of(check))
        if fix:
            problems.append(f"fix: {fix}: {fix_text(check)}")
        if not problems:
            return wrong
        best = best or f"{check['id']}: {check['summary']}: " + "; ".join(problems)
    return wrong + [best]


def fix_text(check: dict[str, Any]) -> str:
    fix = check.get("fix") or {}
    return str(fix.get("text") or check.get("hint") or "")


def summaries(checks: Checks) -> list[str]:
    return [f"{c['id']}: {c['status']}: {c['summary']}" for c in checks.values()]


@pytest.mark.parametrize("ident", [p.ident for p in PROJECTS])
def test_manager(ident: str, world: dict[str, Any]) -> None:
    project = next(p for p in PROJECTS if p.ident == ident)
    assert "found" in world, world
    assert ident not in world["proofs"], f"not proven: {world['proofs'][ident]}"
    result = world["found"]["results"][ident]
    assert "checks" in result, result
    problems = judged(project, result["checks"]) + world["healed"].get(ident, [])
    assert not problems, "\n".join(problems)


def test_the_space() -> None:
    """40 breakages and 8 healthy neighbours."""
    assert sum(1 for p in PROJECTS if p.breakage) == 40
    assert sum(1 for p in PROJECTS if not p.breakage) == len(KINDS) == 8
