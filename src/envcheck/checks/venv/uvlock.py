"""uv's lock file (``uv.lock``, written by ``uv lock``, ``uv sync``, ``uv add``): the
``lock-drift`` check of a uv project (no Poetry). The file is universal: it holds every package
any platform needs, each ``[[package]]`` with its ``version`` and ``source`` and the
``dependencies`` (each with the ``marker`` under which it is needed, and the ``version`` that
tells two forks apart), ``optional-dependencies`` per extra and ``dev-dependencies`` per PEP 735
group. What ``uv sync`` installs here is what is reached from the project's own entry (``source
= { virtual = "." }`` or ``{ editable = "." }``) through its dependencies and its default groups
(``[tool.uv] default-groups``, else ``dev``), each marker evaluated for this interpreter."""

from __future__ import annotations

import shutil
import sys
import tomllib
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from envcheck.checks.venv import fixes as _fixes
from envcheck.checks.venv import lockdiff as _lockdiff
from envcheck.checks.venv import project as _project
from envcheck.core.fix import Command, Manual
from envcheck.core.model import CheckFailed, CheckSkipped, Context, Outcome, ok

NAME = "uv.lock"
_PYTHON = ".".join(map(str, sys.version_info[:3]))


@dataclass(frozen=True)
class Locked:
    name: str
    version: str
    #: the source table's kind: registry, path, directory, editable, virtual, git, url
    source: str
    entry: dict[str, Any]


def locate(rootdir: Path) -> Path | None:
    """The ``uv.lock`` of the project the venv checks judge, if it has one."""
    root = _project.locate(rootdir, Path(sys.prefix).resolve()).root
    path = root / NAME if root is not None else None
    return path if path is not None and path.is_file() else None


def uv_project(root: Path) -> bool:
    """Is the project at ``root`` uv's: a ``uv.lock`` or a ``[tool.uv]`` table."""
    if (root / NAME).is_file():
        return True
    try:
        data = _project.document(root)
    except ValueError:
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and isinstance(tool.get("uv"), dict)


def _holds(marker: object) -> bool:
    if not isinstance(marker, str) or not marker:
        return True
    try:
        return Marker(marker).evaluate({"extra": ""})
    except (InvalidMarker, UndefinedEnvironmentName):
        return True  # a marker envcheck cannot read: counted, as uv would install it


def _default_groups(root: Path) -> set[str] | None:
    """``[tool.uv] default-groups`` (None: every group, ``"all"``); uv's default is ``dev``."""
    try:
        data = _project.document(root)
    except ValueError:
        return {"dev"}
    tool = data.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    groups = uv.get("default-groups") if isinstance(uv, dict) else None
    if groups == "all":
        return None
    if isinstance(groups, list):
        return {canonicalize_name(str(g)) for g in groups}
    return {"dev"}


def expected(path: Path, root: Path) -> tuple[dict[str, Locked], int]:
    """The packages ``uv sync`` installs here (by normalized name), and how many the lock has
    (``ValueError``: not a lock uv can read)."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise ValueError(f"{path} is not valid TOML ({exc})") from None
    entries = [e for e in data.get("package") or () if isinstance(e, dict) and "name" in e]
    by_name: dict[str, list[Locked]] = {}
    for entry in entries:
        source = entry.get("source")
        kind = next(iter(source), "") if isinstance(source, dict) else ""
        locked = Locked(str(entry["name"]), str(entry.get("version") or ""), kind, entry)
        by_name.setdefault(canonicalize_name(locked.name), []).append(locked)
    roots = [
        locked
        for found in by_name.values()
        for locked in found
        if locked.source in ("virtual", "editable")
        and str(locked.entry["source"].get(locked.source)) == "."
    ]
    groups = _default_groups(root)
    wanted: dict[str, Locked] = {}
    queue: deque[tuple[Locked, tuple[str, ...], bool]] = deque((r, (), True) for r in roots)
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    while queue:
        locked, extras, is_root = queue.popleft()
        key = (canonicalize_name(locked.name), locked.version, extras)
        if key in seen:
            continue
        seen.add(key)
        if not is_root:
            wanted.setdefault(key[0], locked)
        entry = locked.entry
        deps = list(entry.get("dependencies") or ())
        optional = entry.get("optional-dependencies") or {}
        for extra in extras:
            deps += list(optional.get(extra) or ())
        if is_root:
            for group, members in (entry.get("dev-dependencies") or {}).items():
                if groups is None or canonicalize_name(group) in groups:
                    deps += list(members or ())
        for dep in deps:
            if not isinstance(dep, dict) or not _holds(dep.get("marker")):
                continue
            candidates = by_name.get(canonicalize_name(str(dep.get("name", ""))), [])
            if "version" in dep:
                candidates = [c for c in candidates if c.version == str(dep["version"])]
            if len(candidates) != 1:
                continue  # forks envcheck cannot tell apart: uv's own resolution decides
            more = tuple(sorted(str(e) for e in dep.get("extra") or ()))
            queue.append((candidates[0], more, False))
    return wanted, len(entries)


def _specifier(text: object) -> SpecifierSet | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


def _python_excluded(path: Path, root: Path) -> None:
    """uv.lock's top-level ``requires-python`` (the range it was resolved for) excluding the
    running Python: raised, with ``uv lock`` when pyproject.toml's ``requires-python`` admits
    it (the lock is older than that declaration), else a person's fix."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return
    locked = _specifier(data.get("requires-python"))
    if locked is None or locked.contains(_PYTHON, prereleases=True):
        return
    try:
        project = _project.document(root).get("project")
    except ValueError:
        project = None
    declared = _specifier(project.get("requires-python") if isinstance(project, dict) else None)
    why = (
        f"uv.lock was resolved for Python {locked}; uv re-resolves a lock whose requires-python "
        "is not pyproject.toml's before `uv sync` or `uv run` (`uv sync --locked` refuses it), "
        "so what is installed here was never locked for this Python"
    )
    if declared is not None and declared.contains(_PYTHON, prereleases=True):
        raise CheckFailed(
            f"{path} has requires-python {locked}, which excludes Python {_PYTHON}; "
            f"pyproject.toml's requires-python {declared} admits it",
            why=why + f": the lock is older than pyproject.toml's requires-python ({declared})",
            fix=_fixes.make(
                Command(["uv", "lock"], cwd=str(root), needs=frozenset({"network"})),
                Command(["uv", "sync"], cwd=str(root), needs=frozenset({"network"})),
                note="resolves the lock again for pyproject.toml's requires-python",
            ),
            facts={"lock": str(path), "requires_python": str(locked)},
        )
    raise CheckFailed(
        f"{path} has requires-python {locked}, which excludes Python {_PYTHON}",
        why=why,
        fix=_fixes.make(
            Manual(
                f"run the project with a Python that {locked} admits (uv python pin), or widen "
                "requires-python in pyproject.toml and run: uv lock"
            )
        ),
        facts={"lock": str(path), "requires_python": str(locked)},
    )


def drift(ctx: Context) -> Outcome:
    """The ``lock-drift`` check of a uv project: the installed versions against uv.lock's."""
    path = locate(ctx.rootdir)
    if path is None:
        raise CheckSkipped(f"no {NAME} in the project to compare with")
    root = path.parent
    sync = Command(["uv", "sync"], cwd=str(root), needs=frozenset({"network"}))
    try:
        wanted, total = expected(path, root)
    except ValueError as exc:
        raise CheckFailed(
            str(exc),
            why="uv cannot read it either: `uv sync` and `uv run` stop",
            fix=_fixes.make(Manual(f"restore {path} (git) or write it again: uv lock")),
        ) from None
    _python_excluded(path, root)
    found = _lockdiff.compare(
        (
            _lockdiff.Pin(
                p.name,
                p.version,
                exact=p.source not in ("editable", "virtual", "directory"),
                required=p.source != "virtual",
            )
            for _, p in sorted(wanted.items())
        ),
        NAME,
    )
    facts: dict[str, Any] = {"lock": str(path), "locked": total, "expected_here": len(wanted)}
    if found:
        note = f"installs the versions {NAME} pins (add --inexact to keep what it does not list)"
        if shutil.which("uv") is None:
            note += "; uv is not on PATH here: install it first (pipx install uv)"
        raise CheckFailed(
            found.summary(),
            why=f"{path} is what `uv sync` and `uv run` install (its markers evaluated for "
            f"Python {_PYTHON} on {sys.platform}); the environment was synced from another "
            "version of it (it was locked again since) or changed after",
            fix=_fixes.make(sync, note=note),
            facts={**facts, **found.facts()},
        )
    return ok(f"{len(wanted)} installed packages match {path}", **facts)
