"""The installed distributions, read once per run (and again only when sys.path changes).

What ``importlib.metadata.distributions()`` finds, in the same order (the first of a name on
``sys.path`` wins), but each ``METADATA`` is read once and only its header is parsed: name,
version and ``Requires-Dist`` for every check that needs them.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class Dist:
    name: str
    version: str
    requires: tuple[str, ...]
    #: its ``.dist-info`` directory ("" for a zip or egg)
    location: str = ""
    #: its extras: ``Provides-Extra``, and those its requirements' markers name
    extras: tuple[str, ...] = ()
    #: its ``Requires-Python`` ("" for none)
    requires_python: str = ""


_lock = threading.Lock()
_found: tuple[tuple[str, ...], dict[str, Dist]] | None = None


def installed() -> dict[str, Dist]:
    """Installed distributions by canonical name."""
    global _found
    with _lock:
        key = _key()
        if _found is None or _found[0] != key:
            _found = (key, _scan())
        return _found[1]


_index_lock = threading.Lock()
_index: tuple[tuple[str, ...], dict[str, list[Path]], dict[str, Dist | None]] | None = None


def find(name: str) -> Dist | None:
    """The installed distribution ``name`` (canonical), as :func:`installed` would say, reading
    only its own METADATA: distributions are located by their directory names, as
    ``importlib.metadata.distribution`` does, and a miss falls back to the full scan."""
    global _index
    with _index_lock:  # not the scan's lock: a package check never waits for the full scan
        key = _key()
        if _index is None or _index[0] != key:
            _index = (key, _locate(), {})
        places, answers = _index[1].get(name, []), _index[2]
        if name in answers:
            return answers[name]
    for place in places:
        dist = _from_header(place / "METADATA")
        if dist is not None and canonicalize_name(dist.name) == name:
            break
    else:
        dist = installed().get(name)
    with _index_lock:
        answers[name] = dist
    return dist


def dist_info_dirs(name: str) -> list[Path]:
    """Every ``.dist-info`` directory of ``name`` (canonical, by its directory name) on
    sys.path, in sys.path order: more than one in a directory is a stale record."""
    global _index
    with _index_lock:
        key = _key()
        if _index is None or _index[0] != key:
            _index = (key, _locate(), {})
        return list(_index[1].get(name, []))


def readable(metadata: Path) -> bool:
    """Does this METADATA file name a project (as every reader needs)?"""
    return _from_header(metadata) is not None


def named(metadata: Path) -> str:
    """The ``Name`` of a readable METADATA ("" when it is not readable)."""
    found = _from_header(metadata)
    return found.name if found is not None else ""


def metadata_problem(metadata: Path) -> str:
    """Why no reader takes this METADATA file: what its ``.dist-info`` "has" ("" when it is
    readable)."""
    if not os.path.lexists(metadata):
        return "no METADATA"
    try:
        data = metadata.read_bytes()
    except OSError as exc:
        return f"a METADATA that cannot be read ({exc.strerror or type(exc).__name__})"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            f"a METADATA that is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}), "
            "which importlib.metadata raises UnicodeDecodeError on"
        )
    return "" if readable(metadata) else "a METADATA without a Name"


def _locate() -> dict[str, list[Path]]:
    """dist-info directories by the canonical name in their directory name, in sys.path order."""
    found: dict[str, list[Path]] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in sorted(names):
            if name.endswith(".dist-info"):
                project = canonicalize_name(name.partition("-")[0])
                found.setdefault(project, []).append(Path(entry or ".", name))
    return found


def prefetch(names: Sequence[str] = ()) -> None:
    """Read them now on a background thread, so that the checks find them ready: first the
    distributions ``names`` (canonical), then every one."""

    def read() -> None:
        for name in names:
            find(name)
        installed()

    threading.Thread(target=read, name="envcheck:installed", daemon=True).start()


def _key() -> tuple[str, ...]:
    stamps = []
    for entry in sys.path:
        try:
            stamps.append(f"{entry}:{os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            stamps.append(f"{entry}:-")
    return tuple(stamps)


def _scan() -> dict[str, Dist]:
    found: dict[str, Dist] = {}
    for entry in sys.path:
        directory = Path(entry or ".")
        if not directory.is_dir():
            # a zip or egg on sys.path: importlib.metadata knows how to read it
            for dist in metadata.distributions(path=[entry]):
                _add(found, _from_importlib(dist))
            continue
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                _add(found, _from_header(directory / name / "METADATA"))
            elif name.endswith(".egg-info"):
                _add(found, _from_importlib(metadata.PathDistribution(directory / name)))
    return found


def _add(found: dict[str, Dist], dist: Dist | None) -> None:
    if dist is not None and dist.name and canonicalize_name(dist.name) not in found:
        found[canonicalize_name(dist.name)] = dist


def _from_header(path: Path) -> Dist | None:
    """Name, version and requirements from the header of a METADATA file."""
    try:
        with open(path, "rb") as handle:  # the header ends at the first blank line
            data = handle.read(8192)
            while b"\n\n" not in data and (more := handle.read(65536)):
                data += more
    except OSError:
        return None
    name = version = python = ""
    requires: list[str] = []
    extras: list[str] = []
    try:  # importlib.metadata reads METADATA as UTF-8 and raises on any other byte
        header = data.partition(b"\n\n")[0].decode("utf-8")
    except UnicodeDecodeError:
        return None
    for line in header.splitlines():
        key, _, value = line.partition(":")
        key = key.lower()
        if key == "name" and not name:
            name = value.strip()
        elif key == "version" and not version:
            version = value.strip()
        elif key == "requires-dist":
            requires.append(value.strip())
        elif key == "provides-extra":
            extras.append(value.strip())
        elif key == "requires-python" and not python:
            python = value.strip()
    if not name:
        return None
    extras += [e for r in requires for e in _MARKER_EXTRA.findall(r) if e not in extras]
    return Dist(name, version, tuple(requires), str(path.parent), tuple(extras), python)


#: ``extra == "name"`` in a requirement's marker (metadata before 2.1 may not list the extra)
_MARKER_EXTRA = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


def _from_importlib(dist: metadata.Distribution) -> Dist | None:
    name = dist.metadata["Name"]
    if not name:
        return None
    return Dist(name, dist.version, tuple(dist.requires or ()))


def installed_in(prefix: Path) -> dict[str, Dist]:
    """The distributions of another environment (its site-packages), by canonical name."""
    found: dict[str, Dist] = {}
    for site in sorted(prefix.glob("lib/python3*/site-packages")):
        for name in sorted(os.listdir(site)):
            if name.endswith(".dist-info"):
                _add(found, _from_header(site / name / "METADATA"))
    return found
