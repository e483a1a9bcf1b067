"""The shared libraries an installed distribution's compiled files need, found as the dynamic
loader finds them (ld.so(8)): each ELF file its RECORD lists names its libraries (``DT_NEEDED``)
and where to look (``DT_RPATH``, or ``DT_RUNPATH`` with ``$ORIGIN`` its own directory, as
auditwheel's ``<name>.libs`` are found), then ``LD_LIBRARY_PATH``, ``/etc/ld.so.cache`` and the
default directories. A library found nowhere is confirmed by loading the file that needs it in
another process (``dlopen``, what ``import`` does): only a load that fails is a verdict."""

from __future__ import annotations

import functools
import os
import re
import struct
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from envcheck.checks.venv import integrity as _integrity

_DT_NEEDED, _DT_STRTAB, _DT_RPATH, _DT_RUNPATH = 1, 5, 15, 29
_PT_LOAD, _PT_DYNAMIC = 1, 2
#: the compiled files of one distribution read at most (a distribution of hundreds of
#: extension modules is read in part; the first missing library is the verdict)
_FILES_READ = 400


@dataclass(frozen=True)
class Unresolved:
    """A compiled file of the distribution that does not load: a library it needs is found in
    none of the places the loader looks."""

    file: str
    library: str
    #: the directories the loader would look in, in order
    searched: tuple[str, ...]
    #: files of the same library with another version there (``libx.so.2`` for ``libx.so.1``)
    others: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Dynamic:
    needed: tuple[str, ...]
    rpath: tuple[str, ...]
    runpath: tuple[str, ...]


def _dynamic(path: Path) -> _Dynamic | None:
    """What the ELF file at ``path`` asks of the loader; ``None`` for anything else."""
    try:
        with open(path, "rb") as handle:
            ident = handle.read(64)
            if len(ident) < 52 or ident[:4] != b"\x7fELF" or ident[4] not in (1, 2):
                return None
            wide, order = ident[4] == 2, "<" if ident[5] == 1 else ">"
            if wide:
                phoff, phentsize, phnum = struct.unpack_from(f"{order}Q", ident, 0x20)[0], *(
                    struct.unpack_from(f"{order}HH", ident, 0x36)
                )
            else:
                phoff, phentsize, phnum = struct.unpack_from(f"{order}I", ident, 0x1C)[0], *(
                    struct.unpack_from(f"{order}HH", ident, 0x2A)
                )
            handle.seek(phoff)
            table = handle.read(phentsize * phnum)
            loads, dynamic = [], None
            for i in range(phnum):
                at = i * phentsize
                if wide:
                    kind, _, offset, vaddr, _, filesz = struct.unpack_from(
                        f"{order}IIQQQQ", table, at
                    )
                else:
                    kind, offset, vaddr, _, filesz = struct.unpack_from(f"{order}IIIII", table, at)
                if kind == _PT_LOAD:
                    loads.append((vaddr, offset, filesz))
                elif kind == _PT_DYNAMIC:
                    dynamic = (offset, filesz)
            if dynamic is None:
                return _Dynamic((), (), ())
            handle.seek(dynamic[0])
            raw = handle.read(dynamic[1])
            entry = struct.Struct(f"{order}qQ" if wide else f"{order}iI")
            tags: list[tuple[int, int]] = []
            for at in range(0, len(raw) - entry.size + 1, entry.size):
                tag, value = entry.unpack_from(raw, at)
                if tag == 0:
                    break
                tags.append((tag, value))
            strtab = next((v for t, v in tags if t == _DT_STRTAB), None)
            if strtab is None:
                return None
            base = next((o + strtab - v for v, o, size in loads if v <= strtab < v + size), None)
            if base is None:
                return None

            def string(offset: int) -> str:
                handle.seek(base + offset)
                data = handle.read(4096)
                return data.split(b"\0", 1)[0].decode("utf-8", "replace")

            def listed(kind: int) -> tuple[str, ...]:
                return tuple(
                    part for t, v in tags if t == kind for part in string(v).split(":") if part
                )

            needed = tuple(string(v) for t, v in tags if t == _DT_NEEDED)
            return _Dynamic(needed, listed(_DT_RPATH), listed(_DT_RUNPATH))
    except (OSError, struct.error):
        return None


@functools.cache
def _cached_libraries() -> frozenset[str]:
    """The sonames ``/etc/ld.so.cache`` lists (glibc's format ``glibc-ld.so.cache1.1``: a
    header, then entries whose key is the offset of the name from the header's start)."""
    try:
        data = Path("/etc/ld.so.cache").read_bytes()
    except OSError:
        return frozenset()
    start = data.find(b"glibc-ld.so.cache1.1")
    if start < 0:
        return frozenset()
    try:
        (count,) = struct.unpack_from("=I", data, start + 20)
        names = set()
        for i in range(count):
            (key,) = struct.unpack_from("=I", data, start + 48 + i * 24 + 4)
            end = data.index(b"\0", start + key)
            names.add(data[start + key : end].decode("utf-8", "replace"))
    except (struct.error, ValueError):
        return frozenset()
    return frozenset(names)


def _default_directories() -> tuple[str, ...]:
    arch = sysconfig.get_config_var("MULTIARCH") or ""
    found = [f"/lib/{arch}", f"/usr/lib/{arch}"] if arch else []
    return (*found, "/lib64", "/usr/lib64", "/lib", "/usr/lib")


def _expanded(entry: str, origin: str) -> str | None:
    """A search path entry with ``$ORIGIN`` replaced; ``None`` for tokens this reading does not
    know (``$LIB``, ``$PLATFORM``)."""
    entry = entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
    return None if "$" in entry else entry


def _unresolved(path: Path, dynamic: _Dynamic) -> list[tuple[str, tuple[str, ...]]]:
    """The libraries of ``dynamic`` found nowhere, each with the directories looked in."""
    origin = os.path.dirname(os.path.realpath(path))
    library_path = [p for p in os.environ.get("LD_LIBRARY_PATH", "").replace(";", ":").split(":")]
    first = () if dynamic.runpath else dynamic.rpath
    order = [*first, *[p for p in library_path if p], *dynamic.runpath]
    searched = [_expanded(e, origin) for e in order]
    if any(e is None for e in searched):
        return []  # a token not known here: where it looks is not known
    directories = tuple(dict.fromkeys([*(e for e in searched if e), *_default_directories()]))
    cached = _cached_libraries()
    lost: list[tuple[str, tuple[str, ...]]] = []
    for library in dynamic.needed:
        if "/" in library:
            if not os.path.exists(os.path.join(origin, library)):
                lost.append((library, (origin,)))
            continue
        if library in cached or any(os.path.exists(os.path.join(d, library)) for d in directories):
            continue
        lost.append((library, directories))
    return lost


def _loads(path: Path) -> bool:
    """Does the loader load ``path`` (with everything it needs) in another process?"""
    code = "import ctypes, sys\nctypes.CDLL(sys.argv[1])"
    try:
        done = subprocess.run(
            [sys.executable, "-S", "-c", code, str(path)], capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return True  # not known: never a verdict
    return done.returncode == 0


def _other_versions(library: str, directories: tuple[str, ...]) -> tuple[str, ...]:
    """``libx.so.2`` beside a missing ``libx.so.1``: the library's other versions there."""
    stem = library.split(".so", 1)[0] + ".so"
    versioned = re.compile(re.escape(stem) + r"(\.\d+)*")
    found = []
    for directory in directories:
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        found += [
            os.path.join(directory, n)
            for n in sorted(names)
            if n != library and versioned.fullmatch(n)
        ]
    return tuple(found[:3])


def unresolved(info: Path) -> Unresolved | None:
    """The first compiled file of the distribution at ``info`` (a ``.dist-info``) that does
    not load because a library it needs is found nowhere."""
    if not sys.platform.startswith("linux"):
        return None
    site = info.parent
    files = [
        site / row
        for row in _integrity.recorded(info)
        if row.endswith(".so") or ".so." in row.rsplit("/", 1)[-1]
    ][:_FILES_READ]
    for path in files:
        dynamic = _dynamic(path)
        if dynamic is None or not dynamic.needed:
            continue
        lost = _unresolved(path, dynamic)
        if lost and not _loads(path):
            library, searched = lost[0]
            return Unresolved(str(path), library, searched, _other_versions(library, searched))
    return None


def missing_libraries(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """The libraries the compiled file at ``path`` needs that are found nowhere the loader
    looks, each with the other versions of it there (``[]``: none missing, or not known)."""
    dynamic = _dynamic(path)
    if dynamic is None:
        return []
    return [(lib, _other_versions(lib, where)) for lib, where in _unresolved(path, dynamic)]
