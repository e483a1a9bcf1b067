"""``.python-version``: the Python a project pins for the tools that read the file. pyenv
(``pyenv-version-file``: the working directory and each parent) starts, through its shims,
the version the file names, or stops with "pyenv: version `X' is not installed" (since 2.4 it
falls back to the next command of that name on PATH instead, where there is one); uv (``uv
python pin``) takes the file's request as the project's Python and replaces a ``.venv`` whose
interpreter does not satisfy it at the next ``uv sync`` or ``uv run``."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

NAME = ".python-version"
_IMPLEMENTATIONS = {"cpython": "cpython", "cp": "cpython", "python": "cpython", "pypy": "pypy"}


@dataclass(frozen=True)
class Pin:
    path: Path
    #: the file's requests, in order (pyenv accepts several)
    requests: tuple[str, ...]


def find(root: Path) -> Pin | None:
    """The ``.python-version`` that applies in ``root`` (there or in a parent directory)."""
    for directory in (root, *root.parents):
        path = directory / NAME
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                return None
            requests = tuple(
                word for line in text.splitlines() for word in line.split("#", 1)[0].split() if word
            )
            return Pin(path, requests) if requests else None
    return None


def satisfied(request: str) -> bool | None:
    """Does this interpreter satisfy uv's Python ``request`` (``3.12``, ``3.12.4``,
    ``cpython@3.12``, ``cpython-3.12``, ``pypy3.10``, ``>=3.11``)? None: cannot be told."""
    text = request.strip().lower()
    implementation = ""
    for name in sorted(_IMPLEMENTATIONS, key=len, reverse=True):
        rest = text[len(name) :][:1]
        if text.startswith(name) and (rest in ("@", "-", "") or (rest.isdigit() and name != "cp")):
            implementation = _IMPLEMENTATIONS[name]
            text = text[len(name) :].lstrip("@-")
            break
    if implementation and implementation != sys.implementation.name:
        return False
    if not text:
        return True
    if text[0] in "<>=!~":
        try:
            return SpecifierSet(text).contains(Version(_current()), prereleases=True)
        except (InvalidSpecifier, InvalidVersion):
            return None
    try:
        wanted = Version(text)
    except InvalidVersion:
        return None
    if wanted.local or wanted.dev is not None or wanted.post is not None or wanted.epoch:
        return None
    release = wanted.release
    return tuple(sys.version_info[: len(release)]) == release


def _current() -> str:
    return ".".join(map(str, sys.version_info[:3]))


def _order(name: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(name))
    except InvalidVersion:
        return (1, name)


def pyenv_root() -> Path | None:
    """pyenv's root when its shims are on PATH (pyenv is then what starts ``python``)."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    shims = str(root / "shims")
    on_path = any(
        entry.rstrip("/") == shims for entry in os.environ.get("PATH", "").split(os.pathsep)
    )
    return root if on_path and (root / "versions").is_dir() else None


def pyenv_missing(pin: Pin) -> tuple[list[str], list[str]] | None:
    """The requests of ``pin`` that pyenv has not installed (neither a version directory nor a
    prefix ``pyenv latest`` resolves), and the versions it has; None when pyenv does not read
    the file here (its shims not on PATH, or ``PYENV_VERSION`` set over it)."""
    root = pyenv_root()
    if root is None or os.environ.get("PYENV_VERSION"):
        return None
    try:
        have = sorted((p.name for p in (root / "versions").iterdir() if p.is_dir()), key=_order)
    except OSError:
        return None
    missing = [
        request
        for request in pin.requests
        if request != "system"
        and request not in have
        and not any(name.startswith(f"{request}.") for name in have)
    ]
    return missing, have
