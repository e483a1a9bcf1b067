"""Python interpreters on this machine, for a fix that names a real one (never a pyenv shim)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from envcheck.core import exec as _exec

_NAME = re.compile(r"^python3\.(\d+)$")
#: bytes of an interpreter's answer kept (a version number: a few bytes)
_VERSION_BYTES = 4096


def minors(spec: SpecifierSet) -> list[str]:
    """The ``3.N`` releases with some version in ``spec``, nearest to this interpreter first."""
    found = []
    for minor in range(8, 21):
        if any(Version(f"3.{minor}.{patch}") in spec for patch in (0, 5, 10, 20, 99)):
            found.append(minor)
    found.sort(key=lambda m: abs(m - sys.version_info.minor))
    return [f"3.{m}" for m in found]


def _candidates() -> list[Path]:
    """Interpreters named python3.N: on PATH (but not pyenv's shims nor virtualenvs), pyenv's
    and uv's."""
    seen: list[Path] = []
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory or Path(directory).name == "shims":
            continue
        if (Path(directory).parent / "pyvenv.cfg").is_file():
            continue  # a virtualenv's python (Poetry's own, say): not a base interpreter
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        seen += [Path(directory, n) for n in names if _NAME.match(n)]
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    uv = Path.home() / ".local" / "share" / "uv" / "python"
    for root in (pyenv, uv):
        if root.is_dir():
            seen += sorted(p for p in root.glob("*/bin/python3.*") if _NAME.match(p.name))
    unique: dict[str, Path] = {}
    for path in seen:
        if os.access(path, os.X_OK):
            unique.setdefault(os.path.realpath(path), path)
    return list(unique.values())


def find(spec: SpecifierSet, timeout: float = 2.0) -> tuple[Path, str] | None:
    """An interpreter whose exact version satisfies ``spec``, and that version."""
    wanted = set(minors(spec))
    fitting = [p for p in _candidates() if (m := _NAME.match(p.name)) and f"3.{m[1]}" in wanted]
    for path in fitting[:6]:  # each is asked for its exact version: a bounded few
        try:
            done = _exec.run(
                [str(path), "-c", "import platform; print(platform.python_version())"],
                timeout=timeout,
                limit=_VERSION_BYTES,
            )
            version = done.stdout.strip()
            if done.returncode == 0 and not done.cut and Version(version) in spec:
                return path, version
        except (OSError, subprocess.TimeoutExpired, InvalidVersion):
            continue
    return None


def install_hint(minor: str) -> str:
    """How to get a Python ``minor`` where none is installed."""
    if shutil.which("pyenv"):
        return f"pyenv install {minor}"
    if shutil.which("uv"):
        return f"uv python install {minor}"
    return f"install Python {minor} (pyenv install {minor}, uv python install {minor}, or apt)"


def where_installed(minor: str) -> str:
    """The path the interpreter will have after :func:`install_hint`."""
    if shutil.which("pyenv"):
        return f'"$(pyenv root)/versions/$(pyenv latest {minor})/bin/python{minor}"'
    if shutil.which("uv"):
        return f'"$(uv python find {minor})"'
    return f"/path/to/python{minor}"


def quoted(path: Path) -> str:
    return shlex.quote(str(path))
