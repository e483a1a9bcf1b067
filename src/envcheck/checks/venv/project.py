"""What a Poetry project declares: its dependencies and Python range (pyproject.toml) and what
poetry.lock pins, with the groups and markers that decide whether a package belongs here."""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from envcheck.core.fix import Command, Edit, Fix, Manual
from envcheck.core.model import CheckFailed, CheckSkipped, Context

MAIN = "main"
_LOCK_CACHE = "envcheck/venv/lock/"
_MEMO_KEPT = 4
_memo_lock = threading.Lock()
_memo: dict[tuple[Path, int, int], Lock] = {}
#: the reads of poetry.lock under way: every other check that needs the same file waits for it
_reading: dict[tuple[Path, int, int], _Reading] = {}
_documents: dict[tuple[Path, int, int], dict[str, Any]] = {}
#: id of a parsed document -> (that document, what it declares)
_projects: dict[int, tuple[dict[str, Any], Project]] = {}


@dataclass(frozen=True)
class Locked:
    """One ``[[package]]`` of poetry.lock."""

    name: str
    version: str
    groups: tuple[str, ...]
    #: marker per group ("" when it applies everywhere)
    markers: dict[str, str]
    #: installed only with an extra (``optional = true``)
    extra_only: bool
    #: a VCS dependency's locked commit (``[package.source] resolved_reference``), else ""
    commit: str = ""
    #: a path dependency's file or directory (``[package.source] url`` of type ``file`` or
    #: ``directory``, relative to the project), else ""
    path: str = ""
    #: the ``hash`` of each of its ``files`` (``sha256:...``)
    hashes: tuple[str, ...] = ()

    def wanted(self, groups: set[str]) -> bool | None:
        """Does ``poetry install`` put it in this environment with ``groups``? ``None``: the lock
        does not say (an old lock format without groups and markers)."""
        if self.extra_only:
            return False
        if not self.groups:
            return None
        return any(g in groups and _applies(self.markers.get(g, "")) for g in self.groups)


@dataclass(frozen=True)
class Lock:
    path: Path
    version: str
    packages: dict[str, Locked]

    @property
    def knows_groups(self) -> bool:
        return any(p.groups for p in self.packages.values())


@dataclass(frozen=True)
class Project:
    """pyproject.toml as far as the venv checks need it."""

    #: canonical name -> the groups that declare it
    declared: dict[str, set[str]]
    #: groups installed by a plain ``poetry install`` (main and every non-optional group)
    default_groups: set[str]
    optional_groups: set[str]
    #: the project's Python range as a PEP 440 specifier, and where it is written
    python: str | None
    python_from: str | None
    #: canonical name -> its declarations' conditions, where none of them holds here (a Poetry
    #: ``python``/``markers``/``platform``, a PEP 508 marker): never locked or installed here
    elsewhere: dict[str, str] = field(default_factory=dict)


@dataclass
class _Reading:
    """One read of poetry.lock under way; the checks that need it too wait for it."""

    done: threading.Event = field(default_factory=threading.Event)
    lock: Lock | None = None
    error: CheckFailed | None = None


@functools.lru_cache(maxsize=4096)
def _applies(marker: str) -> bool:
    if not marker:
        return True
    try:
        return Marker(marker).evaluate({"extra": ""})
    except InvalidMarker:
        return True


def _here(locked: Locked) -> bool:
    """Does any of its markers hold on this platform?"""
    return not locked.markers or any(_applies(m) for m in locked.markers.values())


def read_lock(path: Path, cache: Any = None, ctx: Context | None = None) -> Lock:
    """poetry.lock, parsed once per change of the file, for every check of the run.

    ``cache`` (pytest's, ``None`` under ``-p no:cacheprovider``) keeps the parsed summary across
    sessions, keyed by the file's path, size, mtime and sha256: a cold run skips the TOML parse.
    Invalid TOML is never kept, so it is reported on every run.

    Shared work is done once: when checks ask at the same time, one reads and parses the file
    and the others wait for its result, each at most until its own deadline (``ctx``): a check
    whose time runs out first fails saying so, instead of outliving its timeout.
    """
    info = path.stat()
    memo_key = (path, info.st_mtime_ns, info.st_size)
    with _memo_lock:
        found = _memo.get(memo_key)
        reading = _reading.get(memo_key) if found is None else None
        mine = found is None and reading is None
        if mine:
            reading = _reading[memo_key] = _Reading()
    if found is not None:
        return found
    assert reading is not None
    if not mine:
        return _wait_for(reading, path, info.st_size, ctx)
    try:
        lock = _read_lock(path, info, cache)
    except CheckFailed as exc:
        reading.error = exc
        raise
    else:
        reading.lock = lock
    finally:  # the waiting checks get the lock or the error, never a wait without end
        with _memo_lock:
            _reading.pop(memo_key, None)
            if reading.lock is not None:
                _memo[memo_key] = reading.lock
                while len(_memo) > _MEMO_KEPT:
                    del _memo[next(iter(_memo))]
        reading.done.set()
    return lock


def _wait_for(reading: _Reading, path: Path, size: int, ctx: Context | None) -> Lock:
    """The result of another check's read of ``path``, waited for until this check's deadline."""
    within = None if ctx is None else max(0.0, ctx.remaining() - 0.25)
    if not reading.done.wait(within):
        seconds = ctx.check.seconds if ctx is not None else 0.0
        raise CheckFailed(
            f"{path} ({size / 2**20:.1f} MiB) was still being read by another check when this "
            f"check's {seconds:g} s ran out",
            why="every venv check reads poetry.lock once, shared; reading this one takes longer "
            "than the time this check had left",
            fix=Fix(
                (
                    Edit(
                        "pyproject.toml",
                        "toml",
                        "tool.envcheck.venv.timeout",
                        max(60.0, seconds * 2),
                    ),
                ),
                text="raise [tool.envcheck.venv] timeout",
            ),
        )
    if reading.error is not None:
        raise CheckFailed(
            reading.error.summary, why=reading.error.why, fix=reading.error.fix
        ) from None
    if reading.lock is None:  # the first reader met another error (OSError): meet it here
        return read_lock(path, None, ctx)
    return reading.lock


def _read_lock(path: Path, info: Any, cache: Any) -> Lock:
    data = path.read_bytes()
    key = {
        "path": str(path),
        "size": len(data),
        "mtime_ns": info.st_mtime_ns,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    name = _LOCK_CACHE + hashlib.sha256(str(path).encode()).hexdigest()[:16]
    lock = _from_cache(path, cache.get(name, None), key) if cache is not None else None
    if lock is None:
        lock = _parse_lock(path, data)
        if cache is not None:
            cache.set(name, {**key, **_to_cache(lock)})
    return lock


def _to_cache(lock: Lock) -> dict[str, Any]:
    return {
        "version": lock.version,
        "packages": [
            [
                p.name,
                p.version,
                list(p.groups),
                p.markers,
                p.extra_only,
                p.commit,
                p.path,
                list(p.hashes),
            ]
            for p in lock.packages.values()
        ],
    }


def _from_cache(path: Path, stored: object, key: dict[str, Any]) -> Lock | None:
    """The summary kept for exactly these bytes, or ``None`` (absent, stale or malformed)."""
    if not isinstance(stored, dict) or any(stored.get(k) != v for k, v in key.items()):
        return None
    packages: dict[str, Locked] = {}
    try:
        # an entry of an older envcheck (fewer fields) fails to unpack: the lock is read again
        for name, version, groups, markers, extra_only, commit, where, hashes in stored["packages"]:
            if not (
                isinstance(name, str)
                and isinstance(version, str)
                and isinstance(groups, list)
                and all(isinstance(g, str) for g in groups)
                and isinstance(markers, dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in markers.items())
                and isinstance(extra_only, bool)
                and isinstance(commit, str)
                and isinstance(where, str)
                and isinstance(hashes, list)
                and all(isinstance(h, str) for h in hashes)
            ):
                return None
            entry = (name, version, tuple(groups), dict(markers), extra_only, commit, where)
            packages[name] = Locked(*entry, tuple(hashes))
        version = stored["version"]
    except (KeyError, TypeError, ValueError):
        return None
    return Lock(path, version, packages) if isinstance(version, str) else None


#: git's conflict markers (git-merge(1), "How conflicts are presented"): seven ``<``, ``|``, ``=``
#: or ``>`` that start a line, then a space (and the side's name) or the line's end
_CONFLICT = re.compile(rb"^(<{7}|\|{7}|={7}|>{7})(?:[ \t]|\r?$)", re.M)


def conflict_lines(data: bytes) -> list[int]:
    """The line numbers (from 1) of git's conflict markers in ``data``, when it has both an
    opening ``<<<<<<<`` and a closing ``>>>>>>>``; else none."""
    found = [
        (m.group(1)[:1], data.count(b"\n", 0, m.start()) + 1) for m in _CONFLICT.finditer(data)
    ]
    kinds = {kind for kind, _ in found}
    return [line for _, line in found] if {b"<", b">"} <= kinds else []


def _unmerged(path: Path) -> bool:
    """git's index holds ``path`` unmerged with both sides (stages 2 and 3): a merge, rebase or
    cherry-pick stopped on it and ``git checkout --theirs/--ours`` can take either side."""
    import subprocess

    try:
        done = subprocess.run(
            ["git", "ls-files", "--unmerged", "-z", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    stages = {entry.split(b"\t")[0].split(b" ")[-1] for entry in done.stdout.split(b"\0") if entry}
    return done.returncode == 0 and {b"2", b"3"} <= stages


def lock_conflict(path: Path, data: bytes) -> CheckFailed | None:
    """poetry.lock left with git's conflict markers: what went wrong and the fix that keeps the
    locked versions (one side's whole lock, then ``poetry lock``, which re-resolves only what
    pyproject.toml changed); ``None`` when the file has no markers."""
    lines = conflict_lines(data)
    if not lines:
        return None
    where = ", ".join(map(str, lines[:6])) + (" ..." if len(lines) > 6 else "")
    relock = Command(
        ["poetry", "lock"], cwd=str(path.parent), timeout=600.0, needs=frozenset({"network"})
    )
    why = (
        "git merged two versions of the lock file and stopped where both changed it (a "
        "content-hash at least): TOML cannot read the markers, so Poetry cannot read the lock "
        "(`poetry install` and `poetry lock` fail). Each side is a whole lock of its branch; "
        "merging the lines by hand makes a lock Poetry never wrote"
    )
    if _unmerged(path):
        fix = Fix(
            (
                Command(["git", "checkout", "--theirs", "--", path.name], cwd=str(path.parent)),
                relock,
            ),
            text=f"cd {path.parent} && git checkout --theirs -- {path.name} && poetry lock   "
            "(the merged branch's lock; Poetry then locks what the merged pyproject.toml adds, "
            f"keeping every other locked version; then git add {path.name})",
        )
    else:
        fix = Fix(
            (
                Manual(
                    f"take one side's whole {path.name} (git checkout <commit> -- {path.name}, "
                    "or keep one side of every conflict), then run `poetry lock` in "
                    f"{path.parent}: it keeps the locked versions"
                ),
            ),
        )
    return CheckFailed(
        f"{path} holds git's merge conflict markers (lines {where}): a merge left it unresolved",
        why=why,
        fix=fix,
        facts={"conflict_lines": lines[:20]},
    )


def _parse_lock(path: Path, data: bytes) -> Lock:
    try:
        # universal newlines, as Path.read_text reads it
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        document = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        conflict = lock_conflict(path, data)
        if conflict is not None:
            raise conflict from None
        raise CheckFailed(
            f"{path} is not valid TOML ({exc})",
            fix=Fix(
                (Command(["poetry", "lock", "--regenerate"], cwd=str(path.parent)),),
                text="poetry lock --regenerate   (writes it anew: Poetry cannot read this one)",
            ),
        ) from None
    packages: dict[str, Locked] = {}
    for entry in document.get("package", []):
        if not (isinstance(entry, dict) and "name" in entry and "version" in entry):
            continue
        groups = tuple(str(g) for g in entry.get("groups", ()) or ())
        raw = entry.get("markers", "")
        markers = {g: str(raw) for g in groups} if isinstance(raw, str) else {}
        if isinstance(raw, dict):
            markers = {str(g): str(m) for g, m in raw.items()}
        name = canonicalize_name(str(entry["name"]))
        source = entry.get("source")
        commit = at = ""
        if isinstance(source, dict) and source.get("type") == "git":
            commit = str(source.get("resolved_reference") or "")
        if isinstance(source, dict) and source.get("type") in ("file", "directory"):
            at = str(source.get("url") or "")
        files = entry.get("files", ())
        hashes = tuple(
            str(f["hash"]) for f in files if isinstance(f, dict) and isinstance(f.get("hash"), str)
        )
        locked = Locked(
            name,
            str(entry["version"]),
            groups,
            markers,
            bool(entry.get("optional", False)),
            commit,
            at,
            hashes,
        )
        # one name may be locked twice, at versions for different platforms/Pythons
        # (django 5.2 where python_version < "3.13", 6.1 elsewhere): keep the one for here
        if name not in packages or (_here(locked) and not _here(packages[name])):
            packages[name] = locked
    version = str(document.get("metadata", {}).get("lock-version", "?"))
    return Lock(path, version, packages)


def read_project(root: Path) -> Project:
    """What pyproject.toml declares; read once per change of the file (do not change it)."""
    try:
        data = document(root)
    except ValueError:
        return _read_project({})
    with _memo_lock:
        found = _projects.get(id(data))
    if found is not None and found[0] is data:
        return found[1]
    made = _read_project(data)
    with _memo_lock:
        _projects[id(data)] = (data, made)
        while len(_projects) > _MEMO_KEPT:
            del _projects[next(iter(_projects))]
    return made


def _read_project(document: dict[str, Any]) -> Project:
    project = document.get("project", {}) or {}
    poetry = document.get("tool", {}).get("poetry", {}) or {}
    declared: dict[str, set[str]] = {}
    #: canonical name -> (condition, holds here) of each declaration; "" for none
    conditions: dict[str, list[tuple[str, bool]]] = {}

    def add(name: str, group: str, condition: tuple[str, bool] = ("", True)) -> None:
        if canonicalize_name(name) != "python":
            declared.setdefault(canonicalize_name(name), set()).add(group)
            conditions.setdefault(canonicalize_name(name), []).append(condition)

    def add_poetry(table: Any, group: str) -> None:
        for name, spec in (table or {}).items():
            for one in spec if isinstance(spec, list) else [spec]:
                add(str(name), group, _poetry_condition(one))

    for line in project.get("dependencies", []) or []:
        try:
            req = Requirement(str(line))
        except InvalidRequirement:
            continue
        marker = req.marker
        add(req.name, MAIN, (f"marker {marker}", _applies(str(marker))) if marker else ("", True))
    add_poetry(poetry.get("dependencies", {}), MAIN)
    add_poetry(poetry.get("dev-dependencies", {}), "dev")
    optional: set[str] = set()
    groups = {MAIN}
    for group, table in (poetry.get("group", {}) or {}).items():
        if not isinstance(table, dict):
            continue
        (optional if table.get("optional") else groups).add(str(group))
        add_poetry(table.get("dependencies", {}), str(group))
    if poetry.get("dev-dependencies"):
        groups.add("dev")
    # PEP 735 groups (Poetry >= 2.2): installed by default unless [tool.poetry.group.X] says
    for group, lines in (document.get("dependency-groups", {}) or {}).items():
        if str(group) not in optional:
            groups.add(str(group))
        for line in lines if isinstance(lines, list) else []:
            try:
                add(Requirement(str(line)).name, str(group))
            except InvalidRequirement:
                continue  # {include-group = "..."} tables and typos
    python, where = project.get("requires-python"), "[project].requires-python"
    if python is None and "python" in (poetry.get("dependencies") or {}):
        python, where = poetry_constraint(str(poetry["dependencies"]["python"])), (
            "[tool.poetry.dependencies].python"
        )
    if python is not None:
        try:
            SpecifierSet(str(python))
        except InvalidSpecifier:
            python = None
    elsewhere = {
        name: "; ".join(text for text, _ in found)
        for name, found in conditions.items()
        if all(text and not holds for text, holds in found)
    }
    return Project(
        declared,
        groups,
        optional,
        str(python) if python else None,
        where if python else None,
        elsewhere,
    )


def _poetry_condition(spec: Any) -> tuple[str, bool]:
    """A Poetry dependency's conditions as written (``python = "<3.11"``, ``markers``,
    ``platform``) and whether they hold here; ``("", True)`` for none."""
    if not isinstance(spec, dict):
        return ("", True)
    parts, holds = [], True
    python = spec.get("python")
    if python is not None:
        parts.append(f'python = "{python}"')
        pep = poetry_constraint(str(python))
        try:
            if pep and not SpecifierSet(pep).contains(_PYTHON, prereleases=True):
                holds = False
        except InvalidSpecifier:
            pass
    if spec.get("markers"):
        parts.append(f'markers = "{spec["markers"]}"')
        holds = holds and _applies(str(spec["markers"]))
    if spec.get("platform"):
        parts.append(f'platform = "{spec["platform"]}"')
        holds = holds and str(spec["platform"]) == sys.platform
    return (", ".join(parts), holds)


_PYTHON = ".".join(map(str, sys.version_info[:3]))


def poetry_constraint(text: str) -> str | None:
    """Poetry's ``^3.11`` / ``~3.11`` / ``3.11.*`` / ``>=3.9,<3.13`` as a PEP 440 specifier
    (``None`` for alternatives with ``||``, which one specifier cannot express)."""
    if "||" in text or "|" in text:
        return None
    parts = []
    for piece in re.split(r"[,\s]+", text.strip()):
        if not piece or piece == "*":
            continue
        if piece[0] in "^~" and piece[1:2] != "=":
            numbers = [int(n) for n in re.findall(r"\d+", piece)]
            if not numbers:
                return None
            if piece[0] == "^":
                index = next((i for i, n in enumerate(numbers) if n != 0), len(numbers) - 1)
            else:
                index = min(1, len(numbers) - 1) if len(numbers) > 1 else 0
            upper = numbers[: index + 1]
            upper[-1] += 1
            parts += [f">={'.'.join(map(str, numbers))}", f"<{'.'.join(map(str, upper))}"]
        elif piece[0].isdigit():
            parts.append(f"=={piece}")
        else:
            parts.append(piece)
    return ",".join(parts) or None


@dataclass(frozen=True)
class Where:
    """The project the venv checks judge, and how it was found (said in every report)."""

    #: the directory of its pyproject.toml; ``None``: no project was found
    root: Path | None
    how: str


def locate(rootdir: Path, prefix: Path) -> Where:
    """The project: pytest's rootdir when it has a ``pyproject.toml``; else the project the
    running virtualenv belongs to (``services/api/.venv`` -> ``services/api``: a monorepo run
    from its root with a service's ``envcheck`` or ``pytest``)."""
    if (rootdir / "pyproject.toml").is_file():
        return Where(rootdir, "pytest's rootdir")
    owner = prefix.parent
    if prefix != Path(sys.base_prefix).resolve() and (owner / "pyproject.toml").is_file():
        return Where(
            owner,
            f"the project of the running virtualenv {prefix} ({rootdir} has no pyproject.toml)",
        )
    return Where(
        None,
        f"no pyproject.toml in {rootdir}, and the running environment {prefix} belongs to no "
        "project",
    )


def document(root: Path) -> dict[str, Any]:
    """``pyproject.toml`` as TOML; raises :class:`ValueError` naming the problem.

    Parsed once per change of the file (the checks of one run ask for it thousands of times
    when ``packages`` lists thousands); do not change what it returns."""
    path = root / "pyproject.toml"
    try:
        info = path.stat()
        key = (path, info.st_mtime_ns, info.st_size)
        with _memo_lock:
            found = _documents.get(key)
        if found is not None:
            return found
        parsed = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} cannot be read ({exc})") from None
    with _memo_lock:
        _documents[key] = parsed
        while len(_documents) > _MEMO_KEPT:
            del _documents[next(iter(_documents))]
    return parsed


def dependency_group_errors(data: dict[str, Any]) -> list[str]:
    """What PEP 735 makes an error in ``[dependency-groups]``, which installers refuse (``pip
    install --group``, ``uv sync``, Poetry): an ``{include-group = ...}`` naming no group of the
    table, and includes that lead back to the group they start from. Group names compare
    normalized (PEP 503). A group reached along two paths (a diamond) is no error."""
    groups = data.get("dependency-groups")
    if not isinstance(groups, dict):
        return []
    names: dict[str, str] = {}
    includes: dict[str, list[str]] = {}
    errors: list[str] = [
        f"groups {first} and {second} are one name once normalized (PEP 503): duplicate "
        "group names"
        for first, second in duplicate_groups(data)
    ]
    for name in groups:
        names.setdefault(canonicalize_name(str(name)), str(name))
    for name, lines in groups.items():
        own = canonicalize_name(str(name))
        includes[own] = []
        if not isinstance(lines, list):
            errors.append(f"group {name} is a {type(lines).__name__}, not a list")
            continue
        for line in lines:
            if isinstance(line, str):
                problem = requirement_error(line)
                if problem:
                    errors.append(f"group {name}: {problem}")
                continue
            target = line.get("include-group") if isinstance(line, dict) else None
            if not isinstance(target, str) or set(line) != {"include-group"}:
                errors.append(
                    f"group {name} has {line!r}: an entry is a PEP 508 string or a table "
                    "with exactly one key, include-group, whose value is a group's name"
                )
                continue
            if canonicalize_name(target) not in names:
                errors.append(
                    f'group {name} has {{include-group = "{target}"}}, but [dependency-groups] '
                    f"has no group {target}"
                )
            else:
                includes[own].append(canonicalize_name(target))
    state: dict[str, int] = {}  # 1: on the path being followed, 2: done
    cycles: list[str] = []

    def follow(group: str, path: list[str]) -> None:
        state[group] = 1
        for target in includes.get(group, []):
            if state.get(target) == 1:
                loop = path[path.index(target) :] + [target]
                cycles.append(" -> ".join(names[g] for g in loop))
            elif target not in state:
                follow(target, [*path, target])
        state[group] = 2

    for group in includes:
        if group not in state:
            follow(group, [group])
    errors += [f"include-group cycle: {cycle}" for cycle in cycles]
    return errors


def duplicate_groups(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The pairs of ``[dependency-groups]`` names that are one name once normalized (PEP 735:
    "Tools SHOULD error" on them; pip's ``dependency_groups``: "Duplicate dependency group
    names"), the first spelling with each later one."""
    groups = data.get("dependency-groups")
    if not isinstance(groups, dict):
        return []
    first: dict[str, str] = {}
    out = []
    for name in groups:
        own = canonicalize_name(str(name))
        if own in first:
            out.append((first[own], str(name)))
        first.setdefault(own, str(name))
    return out


def requirement_error(text: str) -> str | None:
    """Why ``text`` is no PEP 508 requirement (packaging's own words), or ``None``."""
    try:
        Requirement(text)
    except InvalidRequirement as exc:
        first = str(exc).splitlines()[0]
        return f"{text!r} is not a PEP 508 requirement ({first})"
    return None


def field_errors(data: dict[str, Any], root: Path) -> list[str]:
    """The fields of ``[project]`` that installers and build front-ends read with packaging and
    refuse (pip, uv, build; PEP 621 with PEP 440 and PEP 508), and the path dependencies of
    ``[tool.poetry]`` that name nothing (Poetry cannot lock or install them) and the package
    sources Poetry 2 stops on (:func:`source_errors`). Poetry's other fields are left to
    ``poetry check``, which reads them with Poetry's grammar."""
    errors: list[str] = []
    project = data.get("project")
    if isinstance(project, dict):
        python = project.get("requires-python")
        if python is not None:
            try:
                SpecifierSet(str(python))
                if not isinstance(python, str):
                    raise InvalidSpecifier(repr(python))
            except InvalidSpecifier:
                errors.append(
                    f"[project] requires-python = {python!r} is not a PEP 440 version "
                    "specifier (an operator and a version: >=3.11, ==3.11.*, ~=3.11)"
                )
        lists: list[tuple[str, Any]] = []
        if "dependencies" in project:
            lists.append(("[project] dependencies", project["dependencies"]))
        extras = project.get("optional-dependencies")
        if isinstance(extras, dict):
            lists += [(f"[project.optional-dependencies] {k}", v) for k, v in extras.items()]
        for where, listed in lists:
            if not isinstance(listed, list):
                errors.append(f"{where} is a {type(listed).__name__}, not a list of requirements")
                continue
            for item in listed:
                problem = requirement_error(item) if isinstance(item, str) else f"{item!r}"
                if problem:
                    errors.append(f"{where}: {problem}")
    errors += _missing_paths(data, root)
    errors += source_errors(data)
    errors += _extras_errors(data)
    errors += _self_dependency(data)
    errors += _python_not_within(data)
    return errors


#: the source priorities Poetry 2 accepts, and the successors of those Poetry 2.0 removed
#: (docs/repositories.md, "Package Sources"; poetry-core's schema: an enum of the three)
SOURCE_PRIORITIES = ("primary", "supplemental", "explicit")
#: the ``uri`` format of Poetry's schema (fastjsonschema's): a scheme, a colon, no white space
_URI = re.compile(r"^\w+:(/?/?)[^\s]+$")
_REMOVED_PRIORITY = {"default": "primary", "secondary": "supplemental"}


def source_errors(data: dict[str, Any]) -> list[str]:
    """The ``[[tool.poetry.source]]`` tables Poetry 2 stops on (every command of the project,
    ``poetry check`` too): a ``priority`` out of its schema's enum (Poetry 1.x's ``"secondary"``
    and ``"default"``), the key ``default`` that Poetry 2.0 removed, a source other than PyPI
    without a url or with one that is no URI (the schema's ``format: uri``), PyPI (by its name,
    any case) given a url, and two sources whose names differ only in case (Poetry's pool keys
    them lower-cased)."""
    poetry = (data.get("tool") or {}).get("poetry")
    sources = poetry.get("source") if isinstance(poetry, dict) else None
    if not isinstance(sources, list):
        return []
    errors: list[str] = []
    seen: dict[str, str] = {}
    for index, source in enumerate(sources):
        if not isinstance(source, dict):
            continue
        name = str(source.get("name", f"#{index + 1}"))
        where = f'[[tool.poetry.source]] name = "{name}"'
        priority = source.get("priority")
        if priority is not None and priority not in SOURCE_PRIORITIES:
            successor = _REMOVED_PRIORITY.get(str(priority))
            errors.append(
                f'{where}: priority = "{priority}" '
                + (
                    f'was removed in Poetry 2.0 (use priority = "{successor}")'
                    if successor
                    else "is none of " + ", ".join(SOURCE_PRIORITIES)
                )
            )
        if "default" in source:
            errors.append(
                f"{where}: default = {str(source['default']).lower()} was removed in Poetry 2.0 "
                '(replace it with priority = "primary": a primary source replaces PyPI)'
            )
        url = source.get("url")
        if name.lower() != "pypi" and url is None:
            errors.append(
                f'{where}: no url (give it the index\'s url = "https://..."): Poetry takes a '
                "source's url from pyproject.toml only"
            )
        elif isinstance(url, str) and name.lower() != "pypi" and not _URI.match(url):
            errors.append(
                f'{where}: url = "{url}" is no URI (give its scheme: url = "https://{url}")'
            )
        if name.lower() == "pypi" and "url" in source:
            errors.append(
                f'{where}: PyPI takes no url (remove url = "{source["url"]}"; keep its name and '
                "priority, or give the index another name)"
            )
        if name.lower() in seen:
            errors.append(
                f'{where}: source "{seen[name.lower()]}" has that name already (Poetry compares '
                "source names ignoring case): rename one of them, or remove the duplicate"
            )
        else:
            seen[name.lower()] = name
    return errors


def _poetry_table(data: dict[str, Any]) -> dict[str, Any]:
    poetry = (data.get("tool") or {}).get("poetry")
    return poetry if isinstance(poetry, dict) else {}


def _extras_errors(data: dict[str, Any]) -> list[str]:
    """poetry-core's validation of ``[tool.poetry.extras]`` (``poetry check`` exits 1): each
    package an extra lists must be a dependency in ``[tool.poetry.dependencies]`` ("Cannot find
    dependency ... for extra ... in main dependencies")."""
    poetry = _poetry_table(data)
    extras = poetry.get("extras")
    main = poetry.get("dependencies")
    if not isinstance(extras, dict):
        return []
    names = {canonicalize_name(str(d)) for d in main} if isinstance(main, dict) else set()
    errors = []
    for extra, listed in extras.items():
        for req in listed if isinstance(listed, list) else []:
            if canonicalize_name(str(req)) not in names:
                errors.append(
                    f'[tool.poetry.extras] {extra} lists "{req}", which is no dependency in '
                    f"[tool.poetry.dependencies] (add {req} there with optional = true, or "
                    f"remove it from the extra {extra})"
                )
    return errors


def _self_dependency(data: dict[str, Any]) -> list[str]:
    """poetry-core's validation: the project's own name among its dependencies (main or a
    group's) stops every Poetry command ("Project name (...) is same as one of its
    dependencies")."""
    poetry = _poetry_table(data)
    project = data.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    name = name if isinstance(name, str) else poetry.get("name")
    if not isinstance(name, str) or not name:
        return []
    tables = [("tool.poetry.dependencies", poetry.get("dependencies"))]
    groups = poetry.get("group")
    for group, body in groups.items() if isinstance(groups, dict) else ():
        if isinstance(body, dict):
            tables.append((f"tool.poetry.group.{group}.dependencies", body.get("dependencies")))
    return [
        f"{where}.{dep}: the project {name} itself (remove {dep} from it: a project cannot "
        "depend on itself; in package mode Poetry installs the project itself, editable)"
        for where, table in tables
        if isinstance(table, dict)
        for dep in table
        if canonicalize_name(str(dep)) == canonicalize_name(name)
    ]


#: the Pythons a range is tried at (what its bounds can separate): every 2.x/3.x/4.x minor at
#: the patch releases 0, 1 and a late one, and each version the ranges name, with its neighbours
_TRIED = [
    f"{major}.{minor}.{patch}" for major in (2, 3, 4) for minor in range(31) for patch in (0, 1, 99)
]


def _allowed(constraint: str, tried: list[str]) -> set[str] | None:
    """The versions of ``tried`` that Poetry's ``constraint`` allows (its ``||`` alternatives
    each a specifier); ``None`` when a part cannot be read."""
    allowed: set[str] = set()
    for part in re.split(r"\s*\|\|?\s*", constraint):
        pep = poetry_constraint(part) if part.strip() not in ("", "*") else ""
        if pep is None:
            return None
        try:
            spec = SpecifierSet(pep)
        except InvalidSpecifier:
            return None
        allowed |= {v for v in tried if spec.contains(v, prereleases=True)}
    return allowed


def _python_not_within(data: dict[str, Any]) -> list[str]:
    """poetry-core 2: with ``[project] requires-python``, ``python`` in
    ``[tool.poetry.dependencies]`` may only narrow it (a range for locking); a Python it allows
    that requires-python does not makes every Poetry command of the project stop."""
    project = data.get("project")
    poetry = (data.get("tool") or {}).get("poetry")
    dependencies = poetry.get("dependencies") if isinstance(poetry, dict) else None
    python = dependencies.get("python") if isinstance(dependencies, dict) else None
    requires = project.get("requires-python") if isinstance(project, dict) else None
    if not isinstance(python, str) or not isinstance(requires, str):
        return []
    named = re.findall(r"\d+(?:\.\d+)*", f"{python} {requires}")
    tried = list(_TRIED)
    for version in named:
        numbers = [int(n) for n in version.split(".")][:3] + [0] * (3 - len(version.split(".")))
        major, minor, patch = numbers[:3]
        tried += [f"{major}.{minor}.{patch}", f"{major}.{minor}.{patch + 1}"]
        tried += [f"{major}.{minor - 1}.99"] if minor else []
    try:
        wanted = {v for v in tried if SpecifierSet(requires).contains(v, prereleases=True)}
    except InvalidSpecifier:
        return []  # field_errors names requires-python itself
    allowed = _allowed(python, tried)
    if allowed is None or allowed <= wanted:
        return []
    outside = sorted(allowed - wanted, key=lambda v: tuple(int(n) for n in v.split(".")))
    return [
        f'[tool.poetry.dependencies] python = "{python}" allows Pythons that [project] '
        f'requires-python = "{requires}" excludes ({outside[0]}, ...): Poetry 2 takes it as a '
        "narrower range for locking only and stops on it (make it a subset of requires-python, "
        "or remove it)"
    ]


def _missing_paths(data: dict[str, Any], root: Path) -> list[str]:
    """Poetry's references that name nothing: a path dependency's path, a dependency's
    ``source`` no ``[[tool.poetry.source]]`` declares, a group's ``include-groups`` naming no
    group (Poetry cannot lock or install the project; ``poetry lock`` fails too)."""
    poetry = (data.get("tool") or {}).get("poetry") or {}
    if not isinstance(poetry, dict):
        return []
    groups: dict[str, Any] = poetry["group"] if isinstance(poetry.get("group"), dict) else {}
    tables = [("tool.poetry.dependencies", poetry.get("dependencies"))]
    for group, body in groups.items():
        if isinstance(body, dict):
            tables.append((f"tool.poetry.group.{group}.dependencies", body.get("dependencies")))
    sources: list[Any] = poetry["source"] if isinstance(poetry.get("source"), list) else []
    declared = {s.get("name") for s in sources if isinstance(s, dict)} | {"pypi", "PyPI"}
    errors = []
    for where, table in tables:
        for name, spec in table.items() if isinstance(table, dict) else ():
            for one in spec if isinstance(spec, list) else [spec]:
                path = one.get("path") if isinstance(one, dict) else None
                if isinstance(path, str) and not (root / path).exists():
                    errors.append(
                        f"{where}.{name}: path {path} does not exist (in {root}): Poetry cannot "
                        "lock or install it"
                    )
                source = one.get("source") if isinstance(one, dict) else None
                if isinstance(source, str) and source not in declared:
                    errors.append(
                        f'{where}.{name}: source = "{source}", but no [[tool.poetry.source]] '
                        f'has name = "{source}" (declare it with its url, or drop source)'
                    )
    known = {canonicalize_name(str(g)) for g in groups} | {"main"}
    pep735 = data.get("dependency-groups")
    if isinstance(pep735, dict):
        known |= {canonicalize_name(str(g)) for g in pep735}
    for group, body in groups.items():
        included = body.get("include-groups") if isinstance(body, dict) else None
        for target in included if isinstance(included, list) else []:
            if canonicalize_name(str(target)) not in known:
                errors.append(
                    f"tool.poetry.group.{group}.include-groups: group {target} is not defined "
                    "(define it, or remove it from include-groups)"
                )
    return errors


def missing_package(root: Path) -> str | None:
    """The module Poetry would install as the project itself when no file or folder of that name
    exists (``poetry install`` then fails on the root); ``None`` when the root installs, or when
    ``package-mode = false`` / ``packages = [...]`` say otherwise. As poetry-core looks: ``NAME``,
    ``NAME.py``, ``src/NAME``, ``src/NAME.py`` with NAME the canonical name with underscores."""
    try:
        data = document(root)
    except ValueError:
        return None
    poetry = data.get("tool", {}).get("poetry", {}) or {}
    # a package-mode that is no boolean is Poetry's schema error, which `poetry check` names
    if poetry.get("package-mode", True) is not True or poetry.get("packages"):
        return None
    name = (data.get("project", {}) or {}).get("name") or poetry.get("name")
    if not isinstance(name, str) or not name:
        return None
    module = canonicalize_name(name).replace("-", "_")
    places = (
        root / module,
        root / f"{module}.py",
        root / "src" / module,
        root / "src" / f"{module}.py",
    )
    return None if any(p.exists() for p in places) else module


@dataclass(frozen=True)
class EmptyInclude:
    """A ``[tool.poetry] packages`` entry that names nothing (poetry-core's ``PackageInclude``:
    "<from>/<include> does not contain any element"): ``poetry install``, ``poetry build`` and
    ``pip install -e`` of the project stop on it."""

    index: int
    include: str
    #: the directory the entry's ``from`` names (the project's, without one)
    base: Path
    #: where a file or folder of that name is now (relative to the project: ``src``, ``.``)
    elsewhere: str | None
    #: the ``packages`` array with ``from`` pointing there (``None``: nowhere found)
    corrected: list[Any] | None


def empty_include(root: Path) -> EmptyInclude | None:
    """The first ``packages`` entry of a Poetry project in package mode whose ``include``
    (a path or glob under its ``from``) matches no file or folder, and where a folder or module
    of that name is now (the project's directory, ``src``, or another directory beside them)."""
    try:
        data = document(root)
    except ValueError:
        return None
    poetry = data.get("tool", {}).get("poetry", {}) or {}
    packages = poetry.get("packages")
    if poetry.get("package-mode", True) is not True or not isinstance(packages, list):
        return None
    for index, entry in enumerate(packages):
        include = entry.get("include") if isinstance(entry, dict) else None
        source = entry.get("from") if isinstance(entry, dict) else None
        if not isinstance(include, str) or not include or not isinstance(source, (str, type(None))):
            continue
        base = root / source if source else root
        try:
            if any(base.glob(include)):
                continue
        except (ValueError, OSError):
            continue
        elsewhere = _include_elsewhere(root, include, base)
        corrected = None
        if elsewhere is not None:
            moved = {k: v for k, v in entry.items() if k != "from"}
            if elsewhere != ".":
                moved["from"] = elsewhere
            corrected = [*packages[:index], moved, *packages[index + 1 :]]
        return EmptyInclude(index, include, base, elsewhere, corrected)
    return None


def _include_elsewhere(root: Path, include: str, base: Path) -> str | None:
    """The directory (relative to ``root``) under which ``include`` matches now: the project's
    own, ``src``, then its other top-level directories (not hidden, not an environment)."""
    if any(c in include for c in "*?["):
        return None
    places = [root, root / "src"]
    try:
        places += sorted(
            d
            for d in root.iterdir()
            if d.is_dir() and not d.name.startswith((".", "_")) and d.name not in ("src", "venv")
        )
    except OSError:
        return None
    for place in places:
        if place.resolve() == base.resolve():
            continue
        if (place / include).exists():
            return "." if place == root else place.relative_to(root).as_posix()
    return None


def root_modules(data: dict[str, Any], canonical: str) -> list[str]:
    """The top-level modules Poetry installs as the project: ``packages``' ``include`` names
    (``a/b`` is ``a``; globs and files aside), else the canonical name with underscores."""
    poetry = data.get("tool", {}).get("poetry", {}) or {}
    found = []
    for entry in poetry.get("packages") or ():
        include = entry.get("include") if isinstance(entry, dict) else None
        if isinstance(include, str) and include and not any(c in include for c in "*?["):
            top = include.split("/")[0].removesuffix(".py")
            if top.isidentifier() and top not in found:
                found.append(top)
    return found or [canonical.replace("-", "_")]


def declared_path(root: Path, name: str) -> tuple[str, Path] | None:
    """Where pyproject.toml says the path dependency ``name`` (canonical) is: the TOML key that
    holds it and the directory or file it names (resolved against the project)."""
    try:
        data = document(root)
    except ValueError:
        return None
    poetry = data.get("tool", {}).get("poetry", {}) or {}
    tables = [("tool.poetry.dependencies", poetry.get("dependencies", {}) or {})]
    for group, table in (poetry.get("group", {}) or {}).items():
        if isinstance(table, dict):
            tables.append(
                (f"tool.poetry.group.{group}.dependencies", table.get("dependencies", {}) or {})
            )
    for prefix, table in tables:
        for key, value in table.items():
            if canonicalize_name(str(key)) == name and isinstance(value, dict) and "path" in value:
                return f"{prefix}.{key}.path", (root / str(value["path"])).resolve()
    for line in (data.get("project", {}) or {}).get("dependencies", []) or []:
        try:
            req = Requirement(str(line))
        except InvalidRequirement:
            continue
        if canonicalize_name(req.name) == name and req.url and req.url.startswith("file:"):
            from urllib.parse import unquote, urlsplit

            return "project.dependencies", Path(unquote(urlsplit(req.url).path))
    return None


def declared_develop(root: Path, name: str) -> Path | None:
    """The directory of the path dependency ``name`` (canonical) that pyproject.toml declares
    with ``develop = true`` (Poetry installs it editable), else ``None``."""
    try:
        data = document(root)
    except ValueError:
        return None
    poetry = data.get("tool", {}).get("poetry", {}) or {}
    tables = [poetry.get("dependencies", {}) or {}]
    for table in (poetry.get("group", {}) or {}).values():
        if isinstance(table, dict):
            tables.append(table.get("dependencies", {}) or {})
    for table in tables:
        for key, value in table.items():
            if (
                canonicalize_name(str(key)) == name
                and isinstance(value, dict)
                and "path" in value
                and value.get("develop") is True
            ):
                return (root / str(value["path"])).resolve()
    return None


def where(ctx: Context) -> Where:
    """The project of this run (:func:`locate` from pytest's rootdir and the running env)."""
    return locate(ctx.rootdir, Path(sys.prefix).resolve())


def root(ctx: Context) -> Path:
    """The project's directory; a check that needs one is skipped, saying why, without it."""
    found = where(ctx)
    if found.root is None:
        raise CheckSkipped(
            f"no project: {found.how}",
            fix=Fix((Manual("run it from the project's directory (where its pyproject.toml is)"),)),
        )
    return found.root


def relative(ctx: Context, path: Path) -> str:
    """``path`` as an Edit step names it: relative to pytest's rootdir when inside it."""
    try:
        return str(path.relative_to(ctx.rootdir))
    except ValueError:
        return str(path)
