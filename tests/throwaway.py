"""Real throwaway virtualenvs and real wheels for the venv component's tests."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    requires: tuple[str, ...] = (),
    files: dict[str, str] | None = None,
    extras: tuple[str, ...] = (),
) -> Path:
    """Build a minimal, valid pure-Python wheel (what any build backend would produce): its
    package ``name`` with ``-`` as ``_``, or the ``files`` given (path in the wheel -> text);
    ``extras`` its ``Provides-Extra`` (their requirements in ``requires``, with ``extra ==``)."""
    module = name.replace("-", "_")
    info = f"{module}-{version}.dist-info"
    wheel = directory / f"{module}-{version}-py3-none-any.whl"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Provides-Extra: {extra}\n" for extra in extras)
    metadata += "".join(f"Requires-Dist: {req}\n" for req in requires)
    content = {
        **(files or {f"{module}/__init__.py": f"__version__ = {version!r}\n"}),
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: envcheck-tests\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(
        f"{path},{_digest(text)},{len(text.encode())}\n" for path, text in content.items()
    )
    record += f"{info}/RECORD,,\n"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in content.items():
            archive.writestr(path, text)
        archive.writestr(f"{info}/RECORD", record)
    return wheel


def _digest(text: str) -> str:
    """A RECORD hash (PEP 376/427): ``sha256=`` and the URL-safe base64 digest, unpadded."""
    value = hashlib.sha256(text.encode()).digest()
    return "sha256=" + base64.urlsafe_b64encode(value).decode().rstrip("=")


def make_venv(directory: Path) -> Path:
    """A new virtualenv that also sees this test run's packages (pytest, envcheck) behind its own.

    Returns its Python. Its own site-packages comes first, so what a test installs there is what
    envcheck sees.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(directory)], check=True)
    python = directory / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    Path(purelib, "zz_envcheck_tests.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    return python


def install(python: Path, *wheels: Path) -> None:
    """Install wheels into the virtualenv of ``python`` with pip, offline."""
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps"]
        + [str(wheel) for wheel in wheels],
        check=True,
    )


def relocate_venv(venv: Path, made_at: Path) -> None:
    """Make ``venv``, a copy of the virtualenv made at ``made_at``, what making it in place
    gives: pyvenv.cfg and the scripts of ``bin/`` name ``venv`` (a copy names the original, so
    its scripts would start the original's Python)."""
    for path in [venv / "pyvenv.cfg", *(venv / "bin").iterdir()]:
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        if str(made_at).encode() in data:
            path.write_bytes(data.replace(str(made_at).encode(), str(venv).encode()))
