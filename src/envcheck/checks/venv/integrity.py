"""An installed distribution as PEP 376 and PEP 627 describe it, read from its files: one
``NAME-VERSION.dist-info`` directory per project in a site directory, a ``METADATA`` file in it
(without one, importlib.metadata, pip and Poetry take the project as not installed), and a
``RECORD`` listing every file the installer wrote (the module files, a ``.pth`` path hook of an
editable install, scripts). What an interrupted install, upgrade or uninstall, or a hand edit,
leaves behind is told from that structure, without importing anything.
"""

from __future__ import annotations

import base64
import codecs
import csv
import functools
import hashlib
import os
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from envcheck.checks.venv import installed as _installed


@dataclass(frozen=True)
class Damage:
    """What is wrong with an installed distribution, and what to remove before reinstalling."""

    summary: str
    why: str
    #: ``.dist-info`` directories (or dangling links) a reinstall must not find
    remove: tuple[Path, ...]
    #: the version to reinstall ("" if unknown)
    version: str
    #: the distribution still works as far as its files show (a stale second record)
    usable: bool = False
    #: other distributions whose files replaced some of this one's (to remove first)
    overwritten_by: tuple[str, ...] = ()
    #: its files are not what it installed: uninstall it (its RECORD is good), then install it
    uninstall: bool = False


def _version_of_dir(path: Path) -> str:
    """``1.0`` of ``demo_alpha-1.0.dist-info`` (PEP 427 escapes ``-`` in names, not versions)."""
    return path.name[: -len(".dist-info")].partition("-")[2]


def _version_key(version: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def unreadable(name: str) -> Damage | None:
    """A ``.dist-info`` of ``name`` (canonical) that no reader takes: no METADATA, one that
    cannot be read or is not UTF-8, one without a ``Name``, or one whose ``Name`` is another
    project's. ``None`` when there is none (the project is simply not installed)."""
    for info in _installed.dist_info_dirs(name):
        metadata = info / "METADATA"
        if _installed.readable(metadata):
            other = _installed.named(metadata)
            if canonicalize_name(other) == name:
                continue
            return Damage(
                f"{name} is installed, but {info.name}/METADATA says Name: {other}",
                f"{info.parent} holds that record of {name} under its directory's name, while "
                f"its METADATA names {other} (Recording installed projects: the directory is "
                "named after the METADATA's project); Poetry and the installed set go by the "
                f"Name, so Poetry takes {name} for not installed and installs it again over it",
                (info,),
                _version_of_dir(info),
            )
        what = _installed.metadata_problem(metadata) or "a METADATA no reader takes"
        return Damage(
            f"{name} is installed but unreadable: {info.name} has {what}",
            f"{info.parent} holds that record of {name}; importlib.metadata, pip and Poetry take "
            "a .dist-info without a readable METADATA (PEP 627) as nothing installed, or stop "
            "on it, while its files may still be there (an interrupted install or a hand edit)",
            (info,),
            _version_of_dir(info),
        )
    return None


def damage(dist: _installed.Dist, wanted: str = "") -> Damage | None:
    """What the files of the installed ``dist`` show is wrong: a second ``.dist-info`` of the
    same project in its site directory, or files its RECORD lists that are gone. ``wanted`` is
    the version that should stay (poetry.lock's), else the newest stays."""
    if not dist.location:
        return None
    info = Path(dist.location)
    name = canonicalize_name(dist.name)
    same_dir = [d for d in _installed.dist_info_dirs(name) if d.parent == info.parent]
    if len(same_dir) > 1:
        versions = {d: _version_of_dir(d) for d in same_dir}
        keep = next(
            (d for d, v in versions.items() if wanted and _same(v, wanted)),
            max(same_dir, key=lambda d: _version_key(versions[d])),
        )
        stale = tuple(d for d in same_dir if d != keep)
        listed = " and ".join(f"{versions[d]} ({d.name})" for d in same_dir)
        return Damage(
            f"{dist.name} is installed twice in {info.parent}: {listed}",
            f"an interrupted upgrade or uninstall left a second record (PEP 376: one .dist-info "
            f"per project); which version importlib.metadata, pip and Poetry read depends on the "
            f"directory's order (here {dist.version}); {versions[keep]} is the one to keep",
            stale,
            versions[keep],
            usable=True,
        )
    head = info.name[: -len(".dist-info")].partition("-")[0]
    if info.name.endswith(".dist-info") and canonicalize_name(head) != name:
        return Damage(
            f"{dist.name} {dist.version} is installed, but its record's directory {info.name} "
            "does not name it",
            f"a .dist-info directory is named NAME-VERSION, '-' in the name escaped as '_' "
            f"(Recording installed projects; binary distribution format): importlib.metadata"
            f".version({dist.name!r}) looks the project up by that name and does not find it, "
            f"and pip reads {head!r} as the project and the rest as its version (and stops on "
            "it for the whole environment)",
            (info,),
            wanted or dist.version,
        )
    problem = _installed.metadata_problem(info / "METADATA")
    if problem:
        return Damage(
            f"{dist.name} {dist.version} is installed, but its {info.name} has {problem}",
            f"importlib.metadata, pip and Poetry read all of {info.name}/METADATA (Core "
            "metadata: UTF-8); `import importlib.metadata; version(...)` and `poetry install` "
            "stop on it",
            (info,),
            wanted or dist.version,
        )
    tags = bad_tags(info)
    if tags:
        return Damage(
            f"{dist.name} {dist.version} is installed, but its WHEEL says Tag: {tags[0]}, "
            "which is not a PEP 425 tag",
            f"{info.name}/WHEEL (binary distribution format) names each tag as "
            "python-abi-platform; `pip check` reads the tags of every installed distribution "
            "and stops on this one, for the whole environment",
            (info,),
            wanted or dist.version,
        )
    try:
        Version(dist.version)
    except InvalidVersion:
        return Damage(
            f"{dist.name} is installed with the version {dist.version!r}, which is not a PEP 440 "
            "version",
            f"{info.name}/METADATA says Version: {dist.version}; pip (24.1 and later) and Poetry "
            "read versions by PEP 440, so no version requirement can hold for it and neither can "
            "upgrade or compare it (a build that wrote a non-standard version, or a hand edit)",
            (info,),
            wanted,
        )
    taken = overwritten(info)
    if taken:
        path, other = taken[0]
        others = tuple(dict.fromkeys(o for _, o in taken))
        more = f" (+{len(taken) - 1} more)" if len(taken) > 1 else ""
        return Damage(
            f"{dist.name} {dist.version} is installed, but its file {path} is {other}'s{more}",
            f"{info.name}/RECORD and the RECORD of {', '.join(others)} (PEP 376) both list "
            f"{path}; the file there now is the one {', '.join(others)} wrote (its hash in "
            f"{info.name}/RECORD no longer matches): pip overwrites a file another "
            f"distribution installed without a word, so an import of {dist.name} runs "
            f"{other}'s code",
            (info,),
            dist.version,
            overwritten_by=others,
        )
    gone = _missing_files(info)
    if gone:
        shown = ", ".join(gone[:3]) + (f" (+{len(gone) - 3} more)" if len(gone) > 3 else "")
        return Damage(
            f"{dist.name} {dist.version} is installed, but files its RECORD lists are gone: "
            f"{shown}",
            f"{info.name}/RECORD (PEP 376) lists what the installer wrote; without those files "
            f"an import of {dist.name} fails or finds other code, while pip and Poetry still "
            "count it as installed",
            (info,),
            dist.version,
        )
    unusable = unusable_files(info)
    if unusable:
        first = unusable[0]
        more = f" (+{len(unusable) - 1} more)" if len(unusable) > 1 else ""
        return Damage(
            f"{dist.name} {dist.version} is installed, but its file {first.path} {first.what}"
            f"{more}",
            f"{info.name}/RECORD (PEP 376) lists {first.path} as a file the installer wrote; "
            f"{first.why}, so an import of {dist.name} (or whatever reads that file) fails "
            "while importlib.metadata, pip and Poetry count it as installed",
            # pip's uninstall leaves a link whose target is gone (it removes what exists),
            # and an installer then writes through it: removed by itself
            tuple(info.parent / p.path for p in unusable if p.kind == "dangling"),
            dist.version,
            uninstall=True,
        )
    edited = changed_files(info)
    sizes = {path: size for path, _, size in _record_rows(info)}
    broken = [(p, what) for p in edited if (what := cannot_load(info.parent / p, sizes.get(p)))]
    if broken:
        path, what = broken[0]
        more = f" (+{len(broken) - 1} more)" if len(broken) > 1 else ""
        return Damage(
            f"{dist.name} {dist.version} is installed, but its file {path} {what}{more}",
            f"{info.name}/RECORD (PEP 376) holds the size and hash of each file the installer "
            "wrote; this one changed since and cannot be loaded as it is (a full disk, an "
            "interrupted copy or sync), so what imports or reads it fails, while neither pip "
            "(already satisfied) nor `poetry install` (nothing to update) replaces a file of an "
            "installed version",
            (),
            dist.version,
            uninstall=True,
        )
    if edited:
        more = f" (+{len(edited) - 1} more)" if len(edited) > 1 else ""
        return Damage(
            f"{dist.name} {dist.version} is installed, but its file {edited[0]} is not the one "
            f"its RECORD lists{more}",
            f"{info.name}/RECORD (PEP 376) holds the size and hash of each file the installer "
            "wrote, and that file has changed since (edited in place): what imports is not "
            f"{dist.name} {dist.version} as it was built, and neither pip (already satisfied) "
            "nor `poetry install` (nothing to update) replaces a file of an installed version",
            (),
            dist.version,
            usable=True,
            uninstall=True,
        )
    return None


def cannot_load(path: Path, recorded_size: str | None) -> str:
    """Why a file that is not the one RECORD lists cannot be loaded as it is, read from its
    structure ("" when it may well load: an edit): empty where RECORD says it had bytes; an
    ELF file cut short (its header places the section headers past its end); a Python source
    that no longer parses."""
    import ast

    try:
        size = os.stat(path).st_size
        if size == 0:
            return (
                f"is empty (RECORD says {recorded_size} bytes)"
                if recorded_size and recorded_size.isdigit() and int(recorded_size) > 0
                else ""
            )
        with open(path, "rb") as handle:
            head = handle.read(64)
            if head.startswith(b"\x7fELF") and len(head) == 64:
                wide = head[4] == 2
                order: Literal["little", "big"] = "little" if head[5] == 1 else "big"
                at = (40, 58, 60) if wide else (32, 46, 48)
                offset = int.from_bytes(head[at[0] : at[0] + (8 if wide else 4)], order)
                entry = int.from_bytes(head[at[1] : at[1] + 2], order)
                count = int.from_bytes(head[at[2] : at[2] + 2], order)
                end = offset + entry * count
                return (
                    f"is cut short: its ELF header ends it at byte {end}, it has {size}"
                    if (end > size)
                    else ""
                )
            if path.suffix != ".py" or size > _SOURCE_READ:
                return ""
            source = head + handle.read()
    except OSError:
        return ""
    try:
        ast.parse(source)
    except SyntaxError as exc:
        return f"is no longer valid Python (SyntaxError at line {exc.lineno})"
    except ValueError:
        return ""
    return ""


#: at most this many bytes of one distribution's files are hashed (sizes are always compared)
_HASHED = 4 * 1024 * 1024


def changed_files(info: Path) -> list[str]:
    """Files of its site directory that RECORD lists with a hash and that differ from it: by
    size (a ``stat``), else, for files of equal size, by their hash (within :data:`_HASHED`
    bytes): *Recording installed projects* lets the installer name any algorithm of
    ``hashlib.algorithms_guaranteed`` (``sha256=`` is pip's, the ``installer`` library may
    write ``sha512=``). Byte code, the ``.dist-info`` itself and files outside the site
    directory (scripts, whose ``#!`` lines the scripts check reads) aside."""
    site = info.parent
    found, budget = [], _HASHED
    for path, digest, size in _record_rows(info):
        algorithm = digest.partition("=")[0]
        if algorithm not in _RECORD_HASHES or path.startswith(("../", "/")):
            continue
        try:
            actual = os.stat(site / path).st_size
        except OSError:
            continue  # gone: _missing_files says so
        if size.isdigit() and int(size) != actual:
            found.append(path)
        elif actual <= budget:
            budget -= actual
            if _digest(site / path, algorithm) not in (None, digest):
                found.append(path)
    return found


def _same(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _missing_files(info: Path) -> list[str]:
    """Files RECORD lists (byte code aside: it is rebuilt) that do not exist."""
    try:
        with open(info / "RECORD", encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return []
    site = info.parent
    gone = []
    for row in rows:
        if len(row) != 3 or not row[0] or row[0].endswith(".pyc") or "__pycache__" in row[0]:
            continue  # a row is path,hash,size: anything else is not a file it lists
        path = row[0]
        if _in_record_dir(path):
            continue  # the .dist-info's own files: METADATA is judged by itself, the rest optional
        if not os.path.lexists(site / path):
            gone.append(path)
    return gone


#: at most this many ``.dist-info`` directories of a site directory are read for shared files
_RECORDS_READ = 3000


def overwritten(info: Path) -> list[tuple[str, str]]:
    """Files the RECORD of ``info`` lists that another distribution of the same site directory
    also lists and wrote last: ``(path, other distribution's name)``, decided from the two
    RECORDs' hashes against the file (only files listed twice are read)."""
    mine = _record(info)
    shared = _shared_files(info.parent)
    found = []
    for path, digest in mine.items():
        owners = [o for o in shared.get(path, ()) if o[0] != info.name]
        algorithm = digest.partition("=")[0]
        if algorithm not in _RECORD_HASHES or not owners:
            continue
        now = _digest(info.parent / path, algorithm)
        if now is None or now == digest:
            continue
        # the owner whose digest is the file's; else one that recorded none (an installer may
        # omit it), since this file is no longer the one this distribution wrote
        other = next((name for _, name, d in owners if d == now), None) or next(
            (name for _, name, d in owners if not d), None
        )
        if other is not None:
            found.append((path, other))
    return found


def _record(info: Path) -> dict[str, str]:
    """RECORD of ``info``: path -> ``sha256=...`` digest ("" when none), byte code and the
    ``.dist-info`` directory itself aside."""
    return {path: digest for path, digest, _ in _record_rows(info)}


def _record_rows(info: Path) -> list[tuple[str, str, str]]:
    """RECORD of ``info`` as ``(path, digest, size)`` ("" for a field not given), byte code
    and the ``.dist-info`` directory itself aside."""
    try:
        with open(info / "RECORD", encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return []
    return [
        (row[0], row[1], row[2])
        for row in rows
        if len(row) == 3
        and row[0]
        and not row[0].endswith(".pyc")
        and "__pycache__" not in row[0]
        and not _in_record_dir(row[0])
    ]


def recorded(info: Path) -> list[str]:
    """The paths ``info``'s RECORD lists (relative to its site directory), byte code and the
    ``.dist-info`` directory's own files aside."""
    return [path for path, _, _ in _record_rows(info)]


@dataclass(frozen=True)
class FileProblem:
    """A file RECORD lists that is there by name but cannot be used."""

    #: as RECORD lists it (relative to the site directory), or the script's full path
    path: str
    #: what is wrong with it, as the end of a sentence naming it
    what: str
    #: why that stops what uses it
    why: str
    #: ``dangling``, ``unreadable``, ``not-executable``, ``interpreter``, ``not-a-program``
    kind: str


def _scripts_dir() -> str:
    import sysconfig

    return os.path.normpath(sysconfig.get_path("scripts"))


def _dangling(full: str) -> FileProblem | None:
    """``full`` is a symbolic link whose target does not exist."""
    if not os.path.islink(full) or os.path.exists(full):
        return None
    try:
        target = os.readlink(full)
    except OSError:
        target = "?"
    return FileProblem(
        full,
        f"is a symbolic link to {target}, which does not exist",
        "opening it fails (ENOENT): what it pointed to was removed, or lives on a volume "
        "that is not there",
        "dangling",
    )


def unusable_files(info: Path) -> list[FileProblem]:
    """Files of ``info``'s RECORD outside the scripts directory (the scripts are
    :func:`script_problems`') that exist by name and cannot be opened: a symbolic link whose
    target is gone, a file this user may not read (its mode, after a restore as another
    user). One ``lstat`` and one ``access`` per file; byte code and the ``.dist-info`` aside."""
    site, scripts, found = info.parent, _scripts_dir(), []
    for path, _, _ in _record_rows(info):
        full = os.path.normpath(os.path.join(site, path))
        if os.path.dirname(full) == scripts:
            continue
        dangling = _dangling(full)
        if dangling is not None:
            found.append(FileProblem(path, dangling.what, dangling.why, "dangling"))
        elif os.path.isfile(full) and not os.access(full, os.R_OK):
            mode = f"{os.stat(full).st_mode & 0o777:03o}"
            found.append(
                FileProblem(
                    path,
                    f"cannot be read by this user (mode {mode})",
                    "opening it fails (EACCES: Permission denied)",
                    "unreadable",
                )
            )
    return found


def script_problems(info: Path) -> list[FileProblem]:
    """The scripts of ``info``'s distribution (RECORD's files in the environment's scripts
    directory: the console and GUI scripts an installer writes from ``entry_points.txt``, a
    wheel's ``.data/scripts``) that are there by name and cannot be started, read from the
    file (nothing is run): a symbolic link to nothing, no execute bit (EACCES), not readable
    (the interpreter cannot open it), a ``#!`` interpreter (or the one distlib's ``/bin/sh``
    trampoline ``exec``s) that does not exist (ENOENT), no ``#!`` and no ELF header
    (ENOEXEC)."""
    from envcheck.checks.venv import diagnose as _diagnose
    from envcheck.core import exec as _exec

    scripts, found = _scripts_dir(), []
    for path in recorded(info):
        full = os.path.normpath(os.path.join(info.parent, path))
        if os.path.dirname(full) != scripts or not os.path.lexists(full):
            continue
        dangling = _dangling(full)
        if dangling is not None:
            found.append(dangling)
            continue
        if not os.path.isfile(full):
            continue
        if not os.access(full, os.X_OK):
            found.append(
                FileProblem(
                    full,
                    "not executable (no execute bit)",
                    "exec refuses it (EACCES: Permission denied); its mode was lost after the "
                    "install (an environment copied from an archive or a CI artifact, which "
                    "keep no file modes; `python -m` of the module still works)",
                    "not-executable",
                )
            )
            continue
        if not os.access(full, os.R_OK):
            mode = f"{os.stat(full).st_mode & 0o777:03o}"
            found.append(
                FileProblem(
                    full,
                    f"cannot be read by this user (mode {mode})",
                    "the kernel starts its #! interpreter, which then cannot open the script "
                    "(EACCES: Permission denied)",
                    "unreadable",
                )
            )
            continue
        shebang = _exec.read_shebang(full)
        target = _diagnose._trampoline(Path(full), shebang) if shebang is not None else None
        if target is not None and not os.path.exists(target.interpreter):
            found.append(
                FileProblem(
                    full,
                    f"starts {target.interpreter} (its /bin/sh trampoline's exec), which does "
                    "not exist",
                    "the shell's exec of a missing program fails (127): the environment was "
                    "moved or its Python removed since the install",
                    "interpreter",
                )
            )
            continue
        problem = _exec.inspect(full)
        if problem is not None:
            kind = {"ENOENT": "interpreter", "ENOEXEC": "not-a-program"}.get(problem.code, "")
            found.append(FileProblem(full, problem.summary, problem.why, kind))
    return found


def unexecutable(info: Path) -> list[str]:
    """The scripts of ``info``'s distribution that lost their execute bit (EACCES)."""
    return [p.path for p in script_problems(info) if p.kind == "not-executable"]


def _in_record_dir(path: str) -> bool:
    """A RECORD row of a ``.dist-info`` directory's own files (under whatever name the
    directory had when RECORD was written)."""
    return path.split("/", 1)[0].endswith(".dist-info")


#: site directory -> (its mtime, path -> [(dist-info name, distribution name, digest)] of the
#: paths more than one RECORD lists)
_SHARED: dict[Path, tuple[int, dict[str, list[tuple[str, str, str]]]]] = {}
#: one reader at a time: the package checks run at once, and each would otherwise read every
#: RECORD of the directory itself (CPU that starved the server checks' threads of the GIL)
_SHARED_LOCK = threading.Lock()


def _shared_files(site: Path) -> dict[str, list[tuple[str, str, str]]]:
    """The paths of ``site`` that more than one ``.dist-info``'s RECORD lists (read once per
    state of the directory: an install or uninstall changes its mtime)."""
    with _SHARED_LOCK:
        try:
            stamp = site.stat().st_mtime_ns
        except OSError:
            return {}
        known = _SHARED.get(site)
        if known is not None and known[0] == stamp:
            return known[1]
        listed: dict[str, list[tuple[str, str, str]]] = {}
        for n, info in enumerate(sorted(site.glob("*.dist-info"))):
            if n >= _RECORDS_READ:
                break
            name = info.name[: -len(".dist-info")].partition("-")[0]
            for path, digest in _record(info).items():
                listed.setdefault(path, []).append((info.name, canonicalize_name(name), digest))
        shared = {path: owners for path, owners in listed.items() if len(owners) > 1}
        _SHARED[site] = (stamp, shared)
        return shared


#: the hashes a RECORD row may name (*Recording installed projects*: an algorithm of
#: ``hashlib.algorithms_guaranteed``; the variable-length shake digests aside)
_RECORD_HASHES = frozenset(hashlib.algorithms_guaranteed) - {"shake_128", "shake_256"}


def _digest(path: Path, algorithm: str = "sha256") -> str | None:
    """``<algorithm>=`` and the URL-safe base64 of the file's digest, as RECORD writes it."""
    try:
        with open(path, "rb") as handle:
            value = hashlib.file_digest(handle, algorithm).digest()
    except OSError:
        return None
    return f"{algorithm}=" + base64.urlsafe_b64encode(value).decode().rstrip("=")


#: top-level names some distributions install by mistake and no user imports from them
_NOT_IMPORTED = frozenset({"tests", "test", "testing", "docs", "doc", "examples", "benchmarks"})


def shadowed(info: Path) -> tuple[str, str] | None:
    """A top-level module of the distribution at ``info`` that an import finds elsewhere first
    (a file or package of the project earlier on ``sys.path``): ``(module, where it is found)``.
    Asked of the import system itself (``importlib.util.find_spec``, which loads nothing for a
    top-level name); only modules whose file the distribution installed in its site directory,
    so an editable install (its code elsewhere by design) is never taken for one."""
    import importlib.util

    site = info.parent
    for top, installed in _top_level(info).items():
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            continue
        origin = spec.origin if spec is not None else None
        if not origin or not os.path.isabs(origin) or not (site / installed).is_file():
            continue
        # found in the distribution's own site directory (its compiled __init__ beside the
        # .py of a mypyc build, or another distribution's file there): not a shadow
        if not os.path.exists(origin) or _within(Path(origin), site):
            continue
        return top, origin
    return None


def hidden_in_site(info: Path) -> tuple[str, str, str] | None:
    """A top-level module of the distribution at ``info`` that an import finds as another file
    of its own site directory, one its RECORD does not list: ``(module, its file, the file
    found)``. The import system's path finder looks in one directory in a fixed order (a
    directory with an ``__init__`` is a package before a module file of that name is looked
    for; extension modules before source files), so another distribution's ``NAME/__init__.py``
    hides this one's ``NAME.py``. A directory without ``__init__`` (a namespace portion, data)
    is taken only when no module is found, and hides nothing."""
    import importlib.util

    site = info.parent
    listed = {os.path.realpath(site / path) for path in _record(info)}
    for top, installed in _top_level(info).items():
        if not (site / installed).is_file():
            continue
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            continue
        origin = spec.origin if spec is not None else None
        if not origin or not os.path.isabs(origin) or not os.path.exists(origin):
            continue
        if _same_dir(Path(origin).parent, site) or (
            _same_dir(Path(origin).parent.parent, site) and Path(origin).parent.name == top
        ):
            if os.path.realpath(origin) not in listed:
                return top, installed, origin
    return None


def unprovided_imports(info: Path) -> list[tuple[str, str, int]]:
    """The modules the distribution at ``info`` imports unconditionally at the top level of its
    top-level modules (a statement of the module's body, not inside ``try``, ``if`` or a
    function) that the import system finds nowhere: ``(module, file, line)``; read with
    ``ast``, nothing is run. A file that changes ``sys.path``, ``sys.modules`` or
    ``sys.meta_path`` itself is left out (its imports may be found through them)."""
    import ast
    import importlib.util

    site = info.parent
    tops = _top_level(info)
    found: list[tuple[str, str, int]] = []
    for file in tops.values():
        try:
            source = (site / file).read_bytes()
            tree = ast.parse(source)
        except (OSError, SyntaxError, ValueError):
            continue
        if any(
            word in source for word in (b"sys.path", b"addsitedir", b"sys.modules", b"meta_path")
        ):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in tops or top == "__future__" or top in sys.builtin_module_names:
                    continue
                try:
                    if importlib.util.find_spec(top) is not None:
                        continue
                except (ImportError, ValueError):
                    continue
                found.append((top, file, node.lineno))
    return found


def stale_bytecode(info: Path) -> tuple[str, str] | None:
    """A top-level module of the distribution at ``info`` whose cached bytecode is a hash-based
    ``.pyc`` with the check flag off (PEP 552 *unchecked*) compiled from another source than the
    file now there: the import system loads it without reading the source, so the module runs
    that other code. ``(source, pyc)``; the header's flags and hash decide, nothing is run."""
    import _imp
    import importlib.util

    if _imp.check_hash_based_pycs == "always":  # --check-hash-based-pycs always: all checked
        return None
    site = info.parent
    for file in _top_level(info).values():
        source = site / file
        try:
            pyc = Path(importlib.util.cache_from_source(str(source)))
            with open(pyc, "rb") as handle:
                header = handle.read(16)
            flags = int.from_bytes(header[4:8], "little")
            if header[:4] != importlib.util.MAGIC_NUMBER or flags & 0b11 != 0b01:
                continue
            if header[8:16] != importlib.util.source_hash(source.read_bytes()):
                return str(source), str(pyc)
        except (OSError, ValueError, NotImplementedError):
            continue
    return None


def _top_level(info: Path) -> dict[str, str]:
    """The top-level modules RECORD says the distribution installed: module -> its file
    (``name.py`` or ``name/__init__.py``) relative to the site directory."""
    found: dict[str, str] = {}
    for path in _record(info):
        parts = path.split("/")
        if len(parts) == 1 and parts[0].endswith(".py"):
            name, file = parts[0][:-3], parts[0]
        elif len(parts) == 2 and parts[1] == "__init__.py":
            name, file = parts[0], path
        else:
            continue
        if name.isidentifier() and name not in _NOT_IMPORTED:
            found.setdefault(name, file)
    return found


def unmapped(info: Path) -> tuple[str, str, str] | None:
    """A name the import hook of an editable install (PEP 660, setuptools' ``__editable___*
    _finder.py`` that its RECORD lists) maps to a path that does not exist: ``(module, path,
    finder file)``. The mapping is read as the literal it is (``MAPPING = {...}``), never run."""
    import ast

    site = info.parent
    for path in _record(info):
        if "/" in path or not (path.startswith("__editable___") and path.endswith("_finder.py")):
            continue
        try:
            tree = ast.parse((site / path).read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if not isinstance(target, ast.Name) or target.id != "MAPPING":
                continue
            try:
                mapping = ast.literal_eval(value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                continue
            if not isinstance(mapping, dict):
                continue
            for module, where in sorted(mapping.items()):
                if isinstance(where, str) and not os.path.exists(where):
                    return str(module), where, path
    return None


def foreign_build(info: Path) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The distribution at ``info`` was built for another interpreter or platform: none of the
    ``Tag`` lines of its ``WHEEL`` (PEP 427; compressed tag sets expanded, PEP 425) is a tag this
    interpreter supports (``packaging.tags.sys_tags``, what pip installs by and ``pip check``
    compares with). Returns (its tags, its compiled modules whose file suffix this Python does
    not import) or None."""
    import importlib.machinery

    from packaging.tags import parse_tag

    tags = _wheel_tags(info)
    if not tags:
        return None
    supported = _supported_tags()
    for tag in tags:
        try:
            if parse_tag(tag) & supported:
                return None
        except ValueError:
            return None  # not a tag: not for this check to judge
    # an extension module's file suffix carries its ABI (``.cpython-312-x86_64-linux-gnu.so``,
    # ``.abi3.so``): one this Python does not list is never loaded
    suffixes = set(importlib.machinery.EXTENSION_SUFFIXES)
    compiled = tuple(
        path
        for path in _record(info)
        if path.endswith((".so", ".pyd"))
        and "." + path.rsplit("/", 1)[-1].partition(".")[2] not in suffixes
    )
    return tuple(tags), compiled


def _wheel_tags(info: Path) -> list[str]:
    """The ``Tag`` lines of ``info``'s WHEEL ([] without one)."""
    try:
        text = (info / "WHEEL").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    tags = []
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == "tag" and value.strip():
            tags.append(value.strip())
    return tags


def unpacked_data(info: Path) -> tuple[Path, list[str]] | None:
    """A wheel's ``<name>-<version>.data`` directory beside the ``.dist-info`` directory
    ``info``, with files in it, and its subdirectories that hold them: the wheel was unpacked,
    not installed (PEP 427: an installer moves them to their places)."""
    if not info.name.endswith(".dist-info"):
        return None
    data = info.with_name(f"{info.name[: -len('.dist-info')]}.data")
    if not data.is_dir():
        return None
    try:
        kinds = sorted(
            p.name for p in data.iterdir() if p.is_dir() and any(f.is_file() for f in p.rglob("*"))
        )
    except OSError:
        return None
    return (data, kinds) if kinds else None


def bad_tags(info: Path) -> list[str]:
    """``Tag`` lines of ``info``'s WHEEL that are not PEP 425 tags (``pip check`` stops on
    them)."""
    from packaging.tags import parse_tag

    bad = []
    for tag in _wheel_tags(info):
        try:
            parse_tag(tag)
        except ValueError:
            bad.append(tag)
    return bad


@functools.cache
def _supported_tags() -> frozenset[Any]:
    from packaging.tags import sys_tags

    return frozenset(sys_tags())


def stale_egg_link(name: str, sites: list[Path]) -> tuple[Path, Path] | None:
    """A legacy development install of ``name`` (setuptools' ``setup.py develop``, ``pip install
    -e`` before PEP 660) whose project is gone: its ``NAME.egg-link`` in a site directory names
    the project's directory (first line), which holds the only metadata (``NAME.egg-info``) and
    is gone. Returns (the egg-link, the directory it names)."""
    for site in sites:
        try:
            links = sorted(site.glob("*.egg-link"))
        except OSError:
            continue
        for link in links:
            if canonicalize_name(link.stem) != name:
                continue
            try:
                first = link.read_text(encoding="utf-8", errors="replace").splitlines()[:1]
            except OSError:
                continue
            if first and first[0].strip() and not os.path.exists(first[0].strip()):
                return link, Path(first[0].strip())
    return None


def portion_shadowed(info: Path) -> tuple[str, Path, str] | None:
    """A top-level package directory of the distribution at ``info`` that ``import NAME`` does
    not reach: the import system finds a package NAME whose ``__path__`` does not hold it (a
    regular package ``NAME/__init__.py`` elsewhere ends the namespace package, PEP 420, that
    this directory was a portion of; or a package earlier on sys.path). Its directories are
    read from RECORD (in its site directory) and from the path lines of the ``.pth`` files RECORD
    lists (an editable install). Asked of ``importlib.util.find_spec``, which runs nothing for a
    top-level name. Returns (NAME, the distribution's directory, what imports as NAME)."""
    import importlib.util

    site = info.parent
    record = _record(info)
    candidates: dict[str, Path] = {}
    for path in record:
        parts = path.split("/")
        top = parts[0]
        if len(parts) >= 2 and top.isidentifier() and top not in _NOT_IMPORTED:
            candidates.setdefault(top, site / top)
    for path in record:
        if "/" in path or not path.endswith(".pth"):
            continue
        for directory in _pth_directories(site / path):
            for child in _package_dirs(directory):
                candidates.setdefault(child.name, child)
    for top, directory in sorted(candidates.items()):
        if not directory.is_dir():
            continue
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            continue
        if spec is None or spec.submodule_search_locations is None:
            continue
        locations = [Path(p) for p in spec.submodule_search_locations]
        if any(_same_dir(p, directory) for p in locations):
            continue
        origin = spec.origin if spec.origin and os.path.isabs(spec.origin) else ""
        return top, directory, origin or str(locations[0] if locations else "")
    return None


def _pth_directories(pth: Path) -> list[Path]:
    """The directories the path lines of ``pth`` add to sys.path (site.py skips the others)."""
    try:
        text = pth.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found = []
    for line in text.splitlines()[:20]:
        line = line.strip()
        if not line or line.startswith(("#", "import ", "import\t")):
            continue
        path = Path(line) if os.path.isabs(line) else pth.parent / line
        if path.is_dir():
            found.append(path)
    return found


def _package_dirs(directory: Path) -> list[Path]:
    """The import packages directly in ``directory``: directories named as identifiers that
    hold Python files (an ``__init__.py``, or modules or packages of a namespace portion)."""
    found = []
    try:
        children = sorted(directory.iterdir())[:_CHILDREN_READ]
    except OSError:
        return []
    for child in children:
        if not child.name.isidentifier() or child.name in _NOT_IMPORTED or not child.is_dir():
            continue
        if (child / "__init__.py").is_file() or any(child.glob("*.py")):
            found.append(child)
        elif any(child.glob("*/__init__.py")):
            found.append(child)
    return found


#: entries of a directory an editable install adds that are looked at
_CHILDREN_READ = 100


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _within(path: Path, directory: Path) -> bool:
    try:
        return path.resolve().is_relative_to(directory.resolve())
    except OSError:
        return False


def owner_of(path: Path, sites: list[Path]) -> str | None:
    """The distribution whose RECORD lists ``path`` (a script of ``bin/``, listed as
    ``../../../bin/NAME``), among those of ``sites``."""
    wanted = os.path.normpath(path)
    for site in sites:
        for n, info in enumerate(sorted(site.glob("*.dist-info"))):
            if n >= _RECORDS_READ:
                break
            if any(os.path.normpath(site / p) == wanted for p in _record(info)):
                return canonicalize_name(info.name[: -len(".dist-info")].partition("-")[0])
    return None


@dataclass(frozen=True)
class PathHook:
    """A ``.pth`` file a distribution's RECORD lists (an editable install's path hook)."""

    file: Path
    #: the directories its path lines name (absolute), whether they exist or not
    directories: tuple[Path, ...]
    #: it has ``import`` lines (an import hook: site.py runs them)
    imports: bool
    #: the directory its first line names, which a UTF-8 byte-order mark before it hides: this
    #: Python's site.py keeps the mark (before 3.13 it reads ``.pth`` files as UTF-8, not
    #: ``utf-8-sig``), so that line names nothing and is skipped (not in ``directories``)
    hidden: Path | None = None
    #: the directory a path line names once its leading blanks are gone, where the line with
    #: them names nothing: site.py strips only a line's end (``rstrip``), so ``"  /abs/dir"``
    #: joined to the site directory is a path that is not there, and is skipped
    indented: Path | None = None
    #: an import line with leading blanks (site.py runs a line only when ``import`` is its
    #: first word at its first character; indented, it is a path line naming nothing)
    indented_import: str | None = None


def path_hooks(info: Path) -> list[PathHook]:
    """The ``.pth`` files in its site directory that the RECORD of ``info`` lists."""
    site = info.parent
    hooks = []
    for path in _record(info):
        if "/" in path or not path.endswith(".pth"):
            continue
        try:
            data = (site / path).read_bytes()
        except OSError:
            continue
        bom = data.startswith(codecs.BOM_UTF8) and sys.version_info < (3, 13)
        text = data.decode("utf-8-sig", errors="replace")
        directories, imports, hidden, indented = [], False, None, None
        indented_import: str | None = None
        for number, raw in enumerate(text.splitlines()[:20]):
            if bom and number == 0:  # site.py reads "\ufeff" + line: a path that is not there
                line = raw.strip()
                if line:
                    hidden = None if line.startswith(("import ", "import\t", "#")) else Path(line)
                continue
            # as site.py's addpackage reads a line: a comment or an import line only from its
            # first character, a path line stripped of its end only
            if raw.startswith("#") or not raw.strip():
                continue
            if raw.startswith(("import ", "import\t")):
                imports = True
                continue
            line = raw.rstrip()
            bare = line.lstrip()
            if bare.startswith(("import ", "import\t")) and indented_import is None:
                indented_import = bare  # not run: a path no directory has
            if bare.startswith(("#", "import ", "import\t")):
                continue  # indented: a path no directory has (an import line not run: not read)
            named = site / line  # an absolute line replaces the site directory
            if bare != line and indented is None and not named.is_dir() and (site / bare).is_dir():
                indented = site / bare
            directories.append(named)
        if hidden is not None and not hidden.is_absolute():
            hidden = site / hidden
        hooks.append(
            PathHook(site / path, tuple(directories), imports, hidden, indented, indented_import)
        )
    return hooks


#: at most this many entry points of one distribution are looked up
_ENTRY_POINTS_READ = 100


def unresolved_entry_point(info: Path) -> tuple[str, str, str, str] | None:
    """An entry point of ``info``'s ``entry_points.txt`` (the entry points specification: an
    INI file, ``name = module:attr``) whose module the import system does not find: ``(group,
    name, its value, the module part not found)``. Looked up as an import would, without
    running anything: ``find_spec`` of the top-level name, then each submodule in its parent's
    ``submodule_search_locations``."""
    import importlib.machinery
    import importlib.util

    try:
        text = (info / "entry_points.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    group, seen = "", 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            continue
        name, sep, value = line.partition("=")
        if not sep or not group:
            continue
        seen += 1
        if seen > _ENTRY_POINTS_READ:
            break
        module = value.partition(":")[0].partition("[")[0].strip()
        parts = module.split(".")
        if not module or not all(p.isidentifier() for p in parts):
            continue
        try:
            spec = importlib.util.find_spec(parts[0])
        except (ImportError, ValueError):
            continue
        done = parts[0]
        for part in parts[1:]:
            if spec is None or spec.submodule_search_locations is None:
                break
            locations = list(spec.submodule_search_locations)
            try:
                spec = importlib.machinery.PathFinder.find_spec(f"{done}.{part}", locations)
            except (ImportError, ValueError, KeyError, AttributeError):
                break  # a namespace portion the path finder wants its parent imported for
            done = f"{done}.{part}"
        if spec is None:
            return group, name.strip(), value.strip(), done
    return None


#: module sources larger than this are not parsed for an entry point's attribute
_SOURCE_READ = 256 * 1024
#: the entry point groups an installer writes scripts for
_SCRIPT_GROUPS = ("console_scripts", "gui_scripts")


def _spec_without_import(module: str) -> Any:
    """The spec of ``module`` as an import would find it, importing nothing: ``find_spec`` of
    the top-level name (which runs nothing), then each submodule in its parent's
    ``submodule_search_locations`` (``find_spec`` of a dotted name would import the parent).
    ``None`` when not found or not decidable."""
    import importlib.machinery
    import importlib.util

    parts = module.split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    try:
        spec = importlib.util.find_spec(parts[0])
        done = parts[0]
        for part in parts[1:]:
            if spec is None or spec.submodule_search_locations is None:
                return None
            locations = list(spec.submodule_search_locations)
            spec = importlib.machinery.PathFinder.find_spec(f"{done}.{part}", locations)
            done = f"{done}.{part}"
    except (ImportError, ValueError, KeyError, AttributeError):
        return None
    return spec


def undefined_entry_attr(info: Path) -> tuple[str, str, str, str, str] | None:
    """A script entry point of ``info``'s ``entry_points.txt`` (``[console_scripts]``,
    ``[gui_scripts]``: ``name = module:attr``) whose module is found but does not bind
    ``attr``: ``(group, name, value, attr, the module's file)``. Read from the module's source
    (``ast``: any ``def``, ``class``, assignment or import of that name), never run; a module
    that could bind names otherwise (``from x import *``, ``__getattr__``, ``globals()``,
    ``setattr``), a compiled module or a source over :data:`_SOURCE_READ` is taken to bind
    it."""
    try:
        text = (info / "entry_points.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    group, seen = "", 0
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            continue
        name, sep, value = line.partition("=")
        if not sep or not group or line.startswith(("#", ";")):
            continue
        seen += 1
        if seen > _ENTRY_POINTS_READ:
            break
        module, colon, attr = value.partition("[")[0].strip().partition(":")
        first = attr.strip().split(".")[0]
        if not colon or not first.isidentifier() or group not in _SCRIPT_GROUPS:
            continue
        spec = _spec_without_import(module.strip())
        origin = spec.origin if spec is not None else None
        if not origin or not origin.endswith(".py"):
            continue
        try:
            if os.path.getsize(origin) > _SOURCE_READ:
                continue
            source = Path(origin).read_bytes()
        except OSError:
            continue
        if _bound(source, first) is False:
            return group, name.strip(), value.strip(), first, origin
    return None


def _bound(source: bytes, name: str) -> bool | None:
    """Whether the module ``source`` binds ``name`` at its top level: a ``def``/``class``
    line or an assignment at the start of a line decides at once (most entry points); a
    name that is nowhere in the text, in a module with no way to bind it otherwise, is not
    bound; else the parsed module decides (:func:`_defines`)."""
    import ast

    head = re.compile(
        rb"^(?:(?:async\s+)?def|class)\s+"
        + re.escape(name.encode())
        + rb"\b|^"
        + re.escape(name.encode())
        + rb"\s*(?::|=(?!=))",
        re.M,
    )
    if head.search(source):
        return True
    cannot_tell = (b"import *", b"__getattr__", b"globals(", b"setattr(", b"sys.modules[")
    if any(word in source for word in cannot_tell):
        return None
    if name.encode() not in source:
        return False
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    return _defines(tree.body, name)


def _defines(body: list[Any], name: str) -> bool | None:
    """Whether the statements ``body`` bind ``name`` at module level (in any branch of an
    ``if``, ``try``, ``with`` or loop; function and class bodies are not looked into): True,
    False, or None when the source cannot tell (``from x import *``, ``__getattr__``)."""
    import ast

    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name in (name, "__getattr__"):
                return True
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    return None
                if (alias.asname or alias.name.split(".")[0]) == name:
                    return True
        elif isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            return True
        elif isinstance(node, ast.Global) and name in node.names:
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def installs_modules(info: Path) -> bool:
    """Whether ``info``'s RECORD lists a module or package of its own in its site directory
    (a ``.py``, a compiled module, a package's files), beside any ``.pth`` hook."""
    import importlib.machinery

    suffixes = tuple(importlib.machinery.all_suffixes())
    for path in recorded(info):
        if path.startswith(("../", "/")) or path.endswith(".pth"):
            continue
        if "/" in path or path.endswith(suffixes):
            if not path.split("/", 1)[0].startswith("__editable__"):
                return True
    return False
