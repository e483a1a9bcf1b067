"""The standard library's optional extension modules: what each needs to be built, and how an
interpreter that lacks one is rebuilt.

CPython builds an extension module such as ``_ssl`` only when the C library's headers are there
at build time (``configure`` then lists it among the modules it could not build, and the build
still succeeds); a module that was built loads only while the library it links against is there
(``libssl.so.3``, ``libsqlite3.so.0``, after an operating-system upgrade or a Homebrew cleanup).
Either way ``import ssl`` fails at run time, and everything above it with it: every HTTPS client,
pip, psycopg's and redis-py's TLS. What is read here is structure: the module's name on the
``ImportError`` (``exc.name``), ``sys.stdlib_module_names``, and where the base interpreter lives.
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

from envcheck.core.fix import Command, Fix, Manual, Step

SUDO = frozenset({"sudo"})


@dataclass(frozen=True)
class Extension:
    """An optional extension module: the module people import, the C library it is built
    against, Debian's package with its headers, and what stops working without it."""

    public: str
    library: str
    headers: str
    needed_by: str
    #: whether the stack cannot work without it (a failure) or only some uses (a warning)
    essential: bool


#: CPython's extension modules built against a third-party C library (Modules/Setup.stdlib.in;
#: Debian's build-dependency names from the devguide's "Install dependencies"), by the
#: extension module's own name (the name an ``ImportError`` carries)
OPTIONAL: dict[str, Extension] = {
    "_ssl": Extension(
        "ssl",
        "OpenSSL",
        "libssl-dev",
        "HTTPS (every LLM provider's SDK, httpx, pip) and TLS to PostgreSQL and Redis",
        True,
    ),
    "_hashlib": Extension(
        "hashlib", "OpenSSL", "libssl-dev", "hashlib's OpenSSL algorithms, pip's hashes", True
    ),
    "zlib": Extension(
        "zlib", "zlib", "zlib1g-dev", "pip (wheels are zip files), gzip answers, tarfile", True
    ),
    "_ctypes": Extension(
        "ctypes", "libffi", "libffi-dev", "ctypes (psycopg's pure-Python libpq binding)", True
    ),
    "_sqlite3": Extension(
        "sqlite3",
        "SQLite",
        "libsqlite3-dev",
        "sqlite3 (Django's default database, LangGraph's SQLite checkpointer)",
        False,
    ),
    "_lzma": Extension("lzma", "liblzma", "liblzma-dev", "lzma and .tar.xz archives", False),
    "_bz2": Extension("bz2", "libbz2", "libbz2-dev", "bz2 and .tar.bz2 archives", False),
    "_uuid": Extension("uuid", "libuuid", "uuid-dev", "uuid's fast uuid1 (it falls back)", False),
    "pyexpat": Extension(
        "xml.parsers.expat", "Expat", "libexpat1-dev", "XML parsing (xml.etree, plistlib)", False
    ),
}


def missing_stdlib(exc: BaseException) -> str | None:
    """The standard-library module whose import failed in ``exc`` or the errors it chains to
    (``ImportError.name``), or ``None`` when no standard-library module is missing (a
    third-party package missing is another matter)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = getattr(current, "name", None) if isinstance(current, ImportError) else None
        if isinstance(name, str) and name.split(".")[0] in sys.stdlib_module_names:
            return name
        current = current.__cause__ or current.__context__
    return None


def describe(module: str) -> str:
    """``ssl (_ssl, built against OpenSSL)`` for a module of :data:`OPTIONAL`."""
    known = OPTIONAL.get(module)
    if known is None:
        return module
    return f"{known.public} ({module}, built against {known.library})"


def interpreter() -> str:
    """The base interpreter (the one a virtualenv was made from), as a path."""
    return str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}")


def rebuild_fix(modules: list[str], *, unloadable: bool = False) -> Fix:
    """How this interpreter gets ``modules`` back: the library's headers installed and the
    Python rebuilt in place the way it was installed (pyenv, uv; the virtualenvs made from it
    then find the module), else by hand. ``unloadable``: the modules are there but the library
    they link against is not: installing that library is the fix."""
    version = platform.python_version()
    base = Path(sys.base_prefix)
    headers = sorted({OPTIONAL[m].headers for m in modules if m in OPTIONAL})
    libraries = ", ".join(sorted({OPTIONAL[m].library for m in modules if m in OPTIONAL}))
    libraries = libraries or "the library"
    if unloadable:
        text = (
            f"install {libraries} in the version the module was built against, or rebuild the "
            f"Python at {base} against the one installed now"
        )
        return Fix([Manual(text)], text=text)
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    if base.parent == pyenv:
        steps: list[Step] = []
        apt = ""
        if headers:
            steps.append(Command(["sudo", "apt-get", "install", "-y", *headers], needs=SUDO))
            apt = f"sudo apt-get install -y {' '.join(headers)} (macOS: brew install it), then "
        steps.append(Command(["pyenv", "install", "--force", version]))
        return Fix(steps, text=f"{apt}pyenv install --force {version} (rebuilt in place)")
    if base.parent.name == "python" and base.parent.parent.name == "uv":
        return Fix([Command(["uv", "python", "install", "--reinstall", version])])
    text = (
        f"rebuild or reinstall the Python at {base} with the headers of {libraries} installed "
        f"({', '.join(headers) or 'its -dev package'} on Debian and Ubuntu: CPython's "
        "configure lists the modules it could not build), then make the project's virtualenv "
        "again (poetry env remove --all && poetry install)"
    )
    return Fix([Manual(text)], text=text)
