"""Which tool installs a project that Poetry does not, decided from the project's own files and
tables, and the commands of that tool that put a package into its environment.

- uv: ``uv.lock`` or ``[tool.uv]`` (``uv sync`` installs the lock's packages, the project's
  dependencies and its default groups (``dev``); ``uv lock`` first is implied by ``uv sync``,
  written out where the lock lacks the package; ``uv add`` for what is not declared);
- PDM: ``pdm.lock`` or ``[tool.pdm]`` (``pdm install``: the default group and the dev groups,
  re-locking a lock whose content no longer matches; ``pdm lock`` first where the lock lacks the
  package; ``pdm add``);
- Hatch: ``[tool.hatch.envs.<env>]`` whose ``path`` is the project's ``.venv`` (Hatch checks an
  environment's dependencies and installs what is missing before every ``hatch run``; there is
  no lock);
- pip-tools: a ``requirements.in`` beside its compiled ``requirements.txt`` (``pip-sync`` with
  every compiled layer: one layer alone uninstalls the others' packages; ``pip-compile`` first
  where a layer lacks the package);
- a ``requirements.txt`` alone: ``pip install -r requirements.txt``;
- otherwise pip (``pip install``, the caller's steps).
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from envcheck.checks.venv import fixes as _fixes
from envcheck.checks.venv import lockdiff as _lockdiff
from envcheck.checks.venv import project as _project
from envcheck.checks.venv.uvlock import _holds
from envcheck.core.fix import Command, Manual, Step
from envcheck.core.model import CheckFailed, CheckSkipped, Context, Outcome, ok
from envcheck.initkit import venv as _initkit

_PYTHON = ".".join(map(str, sys.version_info[:3]))
_NETWORK = frozenset({"network"})


@dataclass(frozen=True)
class Manager:
    #: "uv", "pdm", "hatch", "pip-tools", "requirements" or "pip"
    name: str
    root: Path
    #: what in the project says so ("uv.lock is present")
    evidence: str


def _tool(root: Path) -> dict[str, Any]:
    try:
        tool = _project.document(root).get("tool")
    except ValueError:
        return {}
    return tool if isinstance(tool, dict) else {}


def _hatch_env(root: Path) -> str | None:
    """The Hatch environment whose ``path`` is the project's ``.venv`` (else ``default`` when
    ``[tool.hatch.envs]`` declares environments at all)."""
    hatch = _tool(root).get("hatch")
    envs = hatch.get("envs") if isinstance(hatch, dict) else None
    if not isinstance(envs, dict) or not envs:
        return None
    for name, table in envs.items():
        if isinstance(table, dict) and str(table.get("path", "")).rstrip("/") in (
            ".venv",
            "./.venv",
        ):
            return str(name)
    return "default"


def of(root: Path) -> Manager:
    """The tool that installs the project at ``root`` (not Poetry: the caller asked that)."""
    tool = _tool(root)
    if (root / "uv.lock").is_file():
        return Manager("uv", root, "uv.lock is present")
    if isinstance(tool.get("uv"), dict):
        return Manager("uv", root, "[tool.uv] is present")
    if (root / "pdm.lock").is_file():
        return Manager("pdm", root, "pdm.lock is present")
    if isinstance(tool.get("pdm"), dict):
        return Manager("pdm", root, "[tool.pdm] is present")
    env = _hatch_env(root)
    if env is not None:
        return Manager("hatch", root, f"[tool.hatch.envs.{env}] keeps the environment")
    if (root / "requirements.in").is_file():
        return Manager("pip-tools", root, "requirements.in is compiled to requirements.txt")
    if (root / "requirements.txt").is_file() and not _declares(root):
        return Manager("requirements", root, "requirements.txt lists the packages")
    return Manager("pip", root, "no lock file and no installer's table")


def _declares(root: Path) -> bool:
    try:
        meta = _project.document(root).get("project")
    except ValueError:
        return False
    return isinstance(meta, dict) and bool(meta.get("dependencies"))


# -- what each lock has -----------------------------------------------------------------------


def _toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise ValueError(f"{path} is not valid TOML ({exc})") from None
    return data


def pdm_locked(root: Path) -> dict[str, str]:
    """The packages ``pdm install`` installs from ``pdm.lock`` here (name -> version): the
    entries of the lock's groups (the default group and the dev groups) whose ``marker`` holds;
    an entry with ``extras`` repeats its package's with the extra's requirements."""
    data = _toml(root / "pdm.lock")
    out: dict[str, str] = {}
    for entry in data.get("package") or ():
        if not isinstance(entry, dict) or "name" not in entry or entry.get("extras"):
            continue
        if _holds(entry.get("marker")):
            out[canonicalize_name(str(entry["name"]))] = str(entry.get("version") or "")
    return out


def uv_locked(root: Path) -> dict[str, str]:
    data = _toml(root / "uv.lock")
    return {
        canonicalize_name(str(e["name"])): str(e.get("version") or "")
        for e in data.get("package") or ()
        if isinstance(e, dict) and "name" in e
    }


_PIN = re.compile(
    r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;#\\]+)\s*(;[^#\\]*)?"
)


def layers(root: Path) -> list[Path]:
    """pip-tools' compiled layers: ``requirements.txt`` first, then every ``*.txt`` beside a
    ``*.in`` of the same name (``dev-requirements.txt``): what ``pip-sync`` is given."""
    found = [root / "requirements.txt"] if (root / "requirements.in").is_file() else []
    found += sorted(
        p.with_suffix(".txt")
        for p in root.glob("*.in")
        if p.name != "requirements.in" and "requirements" in p.name
    )
    return found


def pinned(path: Path) -> dict[str, str]:
    """``name==version`` lines of a compiled requirements file whose markers hold here."""
    out: dict[str, str] = {}
    for line in _initkit.requirement_file_lines(path):
        match = _PIN.match(line)
        if match and _holds((match.group(4) or ";").lstrip(";").strip()):
            out[canonicalize_name(match.group(1))] = match.group(3)
    return out


def requirements_in(path: Path) -> list[str]:
    """The requirement lines of a ``.in`` or ``requirements.txt`` file as pip reads them
    (continuations joined, ``${NAME}`` expanded; options, ``-r``/``-c`` includes and comments
    left out)."""
    out: list[str] = []
    for line in _initkit.requirement_file_lines(path):
        text = re.split(r"\s--", line, maxsplit=1)[0].strip()
        if not text or text.startswith(("#", "-")):
            continue
        try:
            Requirement(text)
        except InvalidRequirement:
            continue
        out.append(text)
    return out


def locked(manager: Manager) -> dict[str, str] | None:
    """What the project's lock pins (``None``: no lock)."""
    try:
        if manager.name == "uv" and (manager.root / "uv.lock").is_file():
            return uv_locked(manager.root)
        if manager.name == "pdm" and (manager.root / "pdm.lock").is_file():
            return pdm_locked(manager.root)
    except ValueError:
        return None
    if manager.name == "pip-tools":
        out: dict[str, str] = {}
        for layer in layers(manager.root):
            out.update(pinned(layer))
        return out
    return None


# -- the fix ---------------------------------------------------------------------------------


def _in(root: Path, rootdir: Path, *argv: str) -> Command:
    return Command(list(argv), cwd=None if root == rootdir else str(root), needs=_NETWORK)


def _declaring_layer(root: Path, name: str) -> Path:
    for layer in layers(root):
        source = layer.with_suffix(".in")
        if name in {canonicalize_name(Requirement(r).name) for r in requirements_in(source)}:
            return source
    return root / "requirements.in"


def steps(
    manager: Manager, rootdir: Path, req: Requirement, dev: bool, declared: bool
) -> tuple[list[Step], str]:
    """What installs ``req`` with the project's tool, and why (``declared``: the project
    declares it; the why says so when the tool is not on PATH here). The pip kinds are the
    caller's."""
    found, why = _steps(manager, rootdir, req, dev, declared)
    programs = {s.argv[0] for s in found if isinstance(s, Command)}
    missing = sorted(p for p in programs if shutil.which(p) is None)
    if missing:
        why += f"; {', '.join(missing)} is not on PATH here: install it first"
    return found, why


def _steps(
    manager: Manager, rootdir: Path, req: Requirement, dev: bool, declared: bool
) -> tuple[list[Step], str]:
    root = manager.root
    name = canonicalize_name(req.name)
    lock = locked(manager)

    def run(*argv: str) -> Command:
        return _in(root, rootdir, *argv)

    have = lock.get(name) if lock is not None else None
    extras = _only_in_extras(root, name) if declared else []
    if manager.name in ("uv", "pdm") and extras:
        flag = "--extra" if manager.name == "uv" else "-G"
        chosen = [arg for extra in extras[:1] for arg in (flag, extra)]
        sync = (
            run("uv", "sync", *chosen) if manager.name == "uv" else run("pdm", "install", *chosen)
        )
        how = (
            "`uv sync` installs the dependency groups"
            if manager.name == "uv"
            else ("`pdm install` installs the default group and the dev groups")
        )
        return [sync], (
            f"pyproject.toml declares {req.name} only in the extra {extras[0]} of "
            f"[project.optional-dependencies] ({manager.evidence}): {how}, and an extra "
            f"only when asked ({shlex.join(sync.argv[1:])})"
        )
    if manager.name == "uv":
        if not declared:
            return [run("uv", "add", *(("--dev",) if dev else ()), str(req))], (
                f"the project does not declare {req.name}: `uv add` adds it to pyproject.toml "
                "and uv.lock and installs it"
            )
        groups = _uv_groups(root) if dev else ""
        if have is None:
            since = (
                "uv.lock does not have it yet (locked before it was added)"
                if lock is not None
                else "there is no uv.lock yet (`uv lock` writes it, `uv sync` installs it)"
            )
            return [run("uv", "lock"), run("uv", "sync")], (
                f"pyproject.toml declares {req.name}, but {since}{groups}"
            )
        return [run("uv", "sync")], (
            f"uv.lock has {req.name} {have}, which `uv sync` installs ({manager.evidence})"
            f"{groups}"
        )
    if manager.name == "pdm":
        if not declared:
            return [run("pdm", "add", *(("-dG", "dev") if dev else ()), str(req))], (
                f"the project does not declare {req.name}: `pdm add` adds it and installs it"
            )
        if have is None:
            return [run("pdm", "lock"), run("pdm", "install")], (
                f"pyproject.toml declares {req.name}, but pdm.lock does not have it yet "
                "(locked before it was added)"
            )
        return [run("pdm", "install")], (
            f"pdm.lock has {req.name} {have}, which `pdm install` installs ({manager.evidence})"
        )
    if manager.name == "hatch":
        env = _hatch_env(root) or "default"
        where = "[project] dependencies" if not dev else f"[tool.hatch.envs.{env}] dependencies"
        if not declared:
            return [
                Manual(f"add {req} to {where} in pyproject.toml"),
                run("hatch", "run", f"{env}:python", "-c", "pass"),
            ], f"the project does not declare {req.name}"
        return [run("hatch", "run", f"{env}:python", "-c", "pass")], (
            f"Hatch keeps this environment ({manager.evidence}): it installs what the "
            "environment's dependencies and features (the project's optional dependencies it "
            "names) lack before every `hatch run`, which was not run since "
            f"{req.name} was declared (or it was removed by hand)"
        )
    if manager.name == "pip-tools":
        sync = run("pip-sync", *(str(p.relative_to(root)) for p in layers(root)))
        if have is None:
            source = _declaring_layer(root, name)
            return [run("pip-compile", source.name), sync], (
                f"{source.name} declares {req.name}, but {source.with_suffix('.txt').name} does "
                "not pin it yet (not compiled since)"
            )
        return [sync], (
            f"{', '.join(p.name for p in layers(root))} "
            f"{'pin' if len(layers(root)) > 1 else 'pins'} {req.name} {have}, which `pip-sync` "
            "installs (every layer at once: one alone uninstalls the others' packages)"
        )
    raise ValueError(manager.name)


def _only_in_extras(root: Path, name: str) -> list[str]:
    """The extras of ``[project.optional-dependencies]`` that name ``name`` (canonical), when
    neither ``[project] dependencies`` nor a PEP 735 group does (``[]`` otherwise)."""
    try:
        data = _project.document(root)
    except ValueError:
        return []
    meta = data.get("project")
    optional = meta.get("optional-dependencies") if isinstance(meta, dict) else None
    if not isinstance(optional, dict) or name in {
        canonicalize_name(n) for n in _names(_pdm_declared(root))
    }:
        return []
    return [
        str(extra)
        for extra, members in optional.items()
        if name in {canonicalize_name(n) for n in _names(members or ())}
    ]


def _names(texts: Any) -> list[str]:
    found = []
    for text in texts:
        try:
            found.append(Requirement(str(text)).name)
        except InvalidRequirement:
            continue
    return found


def _uv_groups(root: Path) -> str:
    """``; `uv sync` installs the groups ...`` for a group member's why."""
    try:
        data = _project.document(root)
    except ValueError:
        return ""
    tool = data.get("tool")
    table = tool.get("uv") if isinstance(tool, dict) else None
    said = "default-groups" in table if isinstance(table, dict) else False
    groups = ", ".join(_initkit.uv_default_groups(data)) or "none"
    where = "[tool.uv] default-groups" if said else "uv's default, [tool.uv] default-groups unset"
    return f"; `uv sync` installs the dependency groups {groups} ({where})"


# -- lock-drift of PDM and pip-tools projects --------------------------------------------------


def has_lock(rootdir: Path) -> Manager | None:
    """The PDM or pip-tools project the venv checks judge, if it has a lock to compare with."""
    root = _project.locate(rootdir, Path(sys.prefix).resolve()).root
    if root is None:
        return None
    manager = of(root)
    if manager.name == "pdm" and (root / "pdm.lock").is_file():
        return manager
    if manager.name == "pip-tools" and (root / "requirements.txt").is_file():
        return manager
    return None


def drift(ctx: Context) -> Outcome:
    """``lock-drift`` of a PDM or pip-tools project: the installed versions against the lock's
    (pdm.lock; the compiled requirements files), and the lock against what the project
    declares."""
    manager = has_lock(ctx.rootdir)
    if manager is None:
        raise CheckSkipped("no pdm.lock or compiled requirements.txt to compare with")
    root = manager.root
    if manager.name == "pdm":
        files = "pdm.lock"
        fix_sync: list[Step] = [_in(root, ctx.rootdir, "pdm", "install")]
        relock: list[Step] = [_in(root, ctx.rootdir, "pdm", "lock")]
        declared = _pdm_declared(root)
    else:
        files = ", ".join(p.name for p in layers(root))
        fix_sync = [_in(root, ctx.rootdir, "pip-sync", *(p.name for p in layers(root)))]
        relock = [
            _in(root, ctx.rootdir, "pip-compile", p.with_suffix(".in").name) for p in layers(root)
        ]
        declared = [r for p in layers(root) for r in requirements_in(p.with_suffix(".in"))]
    try:
        wanted = pdm_locked(root) if manager.name == "pdm" else (locked(manager) or {})
    except ValueError as exc:
        raise CheckFailed(
            str(exc),
            why="PDM cannot read it either",
            fix=_fixes.make(Manual(f"restore {root / files} (git) or write it again: pdm lock")),
        ) from None
    unlocked = []
    for text in declared:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if (req.marker is None or req.marker.evaluate({"extra": ""})) and canonicalize_name(
            req.name
        ) not in wanted:
            unlocked.append(req.name)
    facts: dict[str, Any] = {"lock": files, "locked": len(wanted)}
    if unlocked:
        raise CheckFailed(
            f"{files} does not have {', '.join(unlocked)}, which the project declares",
            why=f"the lock was made before {', '.join(unlocked)} was declared: the installer "
            "installs only what the lock has",
            fix=_fixes.make(*relock, *fix_sync),
            facts={**facts, "unlocked": unlocked},
        )
    found = _lockdiff.compare((_lockdiff.Pin(n, v) for n, v in sorted(wanted.items())), files)
    if found:
        tool = "pdm install" if manager.name == "pdm" else "pip-sync"
        raise CheckFailed(
            found.summary(),
            why=f"{root / files.split(',')[0]} is what `{tool}` installs (markers evaluated for "
            f"Python {_PYTHON} on {sys.platform}); the environment was installed from another "
            "version of it (it was locked again since) or changed after",
            fix=_fixes.make(*fix_sync),
            facts={**facts, **found.facts()},
        )
    return ok(f"{len(wanted)} installed packages match {files}", **facts)


def declared_names(root: Path) -> set[str]:
    """The names the project declares: ``[project]`` dependencies, optional dependencies and
    PEP 735 groups, Hatch environments' dependencies, requirements files."""
    names: set[str] = set()
    texts = _pdm_declared(root)
    try:
        data = _project.document(root)
    except ValueError:
        data = {}
    meta = data.get("project")
    optional = meta.get("optional-dependencies") if isinstance(meta, dict) else None
    for members in optional.values() if isinstance(optional, dict) else ():
        texts += [m for m in members or () if isinstance(m, str)]
    hatch = _tool(root).get("hatch")
    envs = hatch.get("envs") if isinstance(hatch, dict) else None
    for table in envs.values() if isinstance(envs, dict) else ():
        for key in ("dependencies", "extra-dependencies"):
            members = table.get(key) if isinstance(table, dict) else None
            texts += [m for m in members or () if isinstance(m, str)]
    for path in [*root.glob("*.in"), root / "requirements.txt"]:
        texts += requirements_in(path)
    for text in texts:
        try:
            names.add(canonicalize_name(Requirement(text).name))
        except InvalidRequirement:
            continue
    return names


def _pdm_declared(root: Path) -> list[str]:
    try:
        data = _project.document(root)
    except ValueError:
        return []
    meta = data.get("project")
    out = [str(d) for d in (meta.get("dependencies") or ())] if isinstance(meta, dict) else []
    groups = data.get("dependency-groups")
    for members in (groups.values() if isinstance(groups, dict) else ()):
        out += [m for m in members or () if isinstance(m, str)]
    return out
