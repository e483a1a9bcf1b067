"""An installed distribution as PEP 376 and PEP 627 describe it, read from its files: one
``NAME-VERSION.dist-info`` directory per project in a site directory, a ``METADATA`` file in it
(without one, importlib.metadata, pip and Poetry take the project as not installed), and a
``RECORD`` listing every file the installer wrote (the module files, a ``.pth`` path hook of an
editable install, scripts). What an interrupted install, upgrade or uninstall, or a hand edit,
leaves behind is told from that structure, without importing anything.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from envcheck.checks.venv import installed as _installed


@dataclass(frozen=True)
class Damage:
    """What is wrong with an installed distribution, and what to remove before reinstalling."""

    summary: str
    why: str
    #: ``.dist-info`` directories a reinstall must not find (stale or broken)
    remove: tuple[Path, ...]
    #: the version to reinstall ("" if unknown)
    version: str
    #: the distribution still works as far as its files show (a stale second record)
    usable: bool = False


def _version_of_dir(path: Path) -> str:
    """``1.0`` of ``demo_alpha-1.0.dist-info`` (PEP 427 escapes ``-`` in names, not versions)."""
    return path.name[: -len(".dist-info")].partition("-")[2]


def _version_key(version: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def unreadable(name: str) -> Damage | None:
    """A ``.dist-info`` of ``name`` (canonical) that no reader takes: no METADATA, or one without
    a ``Name``. ``None`` when there is none (the project is simply not installed)."""
    for info in _installed.dist_info_dirs(name):
        metadata = info / "METADATA"
        if _installed.readable(metadata):
            continue
        what = "has no METADATA" if not metadata.exists() else "has a METADATA without a Name"
        return Damage(
            f"{name} is installed but unreadable: {info.name} {what}",
            f"{info.parent} holds that record of {name}; importlib.metadata, pip and Poetry take "
            "a .dist-info without a readable METADATA (PEP 627) as nothing installed, while its "
            "files may still be there (an interrupted install or a hand edit)",
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
    return None


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
        if not row or not row[0] or row[0].endswith(".pyc") or "__pycache__" in row[0]:
            continue
        path = row[0]
        if not os.path.lexists(site / path):
            gone.append(path)
    return gone
