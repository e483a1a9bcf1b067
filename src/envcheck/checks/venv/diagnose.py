"""What the packaging specifications say is wrong with an environment, read from its files.

- PEP 405 ``pyvenv.cfg``: ``home`` is the directory of the base interpreter a virtualenv runs on;
  when it is gone (the Python was uninstalled or upgraded), nothing in the environment starts.
- ``VIRTUAL_ENV`` (set by ``activate``, by ``poetry run``/``poetry shell``): Poetry takes it as the
  environment to use; one that names a removed directory or another environment than the one
  pytest runs in sends every ``poetry`` command of this shell elsewhere.
- PEP 610 ``direct_url.json``: how a distribution was installed from a URL: ``dir_info`` (a local
  directory, ``editable`` or not), ``archive_info`` (a wheel or sdist), ``vcs_info`` (a commit).
- Poetry's ``check`` command: one ``Error: ...`` line per error, then one ``Warning: ...`` line
  per warning (``poetry/console/commands/check.py``); a lock file Poetry cannot read is an
  exception whose message comes first.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from envcheck.core import environ
from envcheck.core import exec as _exec


def pyvenv_cfg(prefix: Path) -> dict[str, str]:
    """The ``key = value`` lines of ``prefix/pyvenv.cfg`` (``{}`` when there is none)."""
    try:
        text = (prefix / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    found = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            found[key.strip().lower()] = value.strip()
    return found


@dataclass(frozen=True)
class BrokenBase:
    """A virtualenv whose base interpreter is gone."""

    env: Path
    home: str
    #: the Python version it was made with (``3.12.1``), from pyvenv.cfg
    version: str
    #: the interpreter pyvenv.cfg names (``executable``/``base-executable``), if any
    executable: str
    #: there is no pyvenv.cfg at all: the directory is not a virtualenv (PEP 405)
    missing_cfg: bool = False
    #: made on Windows (``Scripts\\python.exe``, a drive letter in ``home``): it runs nowhere else
    windows: bool = False
    #: pyvenv.cfg is not UTF-8 (site.py reads it so at every start): the environment cannot start
    undecodable: bool = False
    #: the minor version ``bin/python`` is (``3.11``) where pyvenv.cfg names another one
    runs: str = ""
    #: the file ``bin/python`` leads to, which is gone while ``home`` stays (the interpreter
    #: removed from a directory that is still there, as ``/usr/bin``)
    target: str = ""
    #: with ``runs``: the link outside the environment that now leads to that other minor (an
    #: unversioned ``python3`` a system upgrade moved), where no ``venv --upgrade`` took place
    link: str = ""

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])


def broken_base(env: Path) -> BrokenBase | None:
    """The environment at ``env`` cannot start: its ``bin/python`` leads nowhere, or the ``home``
    of its pyvenv.cfg (PEP 405) no longer exists."""
    try:
        (env / "pyvenv.cfg").read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return BrokenBase(env, "", "", "", undecodable=True)
    except OSError:
        pass
    cfg = pyvenv_cfg(env)
    if not cfg:
        if (env / "pyvenv.cfg").exists() or not (env / "bin").is_dir():
            return None  # unreadable, or not laid out as a virtualenv: Poetry's answer stands
        return BrokenBase(env, "", "", "", missing_cfg=True)
    home = cfg.get("home", "")
    python = env / "bin" / "python"
    home_gone = bool(home) and not Path(home).is_dir()
    raw = cfg.get("version_info") or cfg.get("version") or cfg.get("python-version") or ""
    version = ".".join(part for part in raw.split(".")[:3] if part.isdigit())
    executable = cfg.get("base-executable") or cfg.get("executable") or ""
    if home_gone and python.exists() and _starts(env, python):
        # PEP 405 gives `home` to find the standard library by; an interpreter that finds it
        # anyway (its build prefix) runs, and Poetry and pip with it
        home_gone = False
    if not home_gone and python.exists():
        # bin/python leads to pythonX.Y of another minor than pyvenv.cfg's version: upgraded in
        # place (`python3.Z -m venv --upgrade` rewrites pyvenv.cfg, adds bin/python3.Z and keeps
        # the links); a version in pyvenv.cfg alone is only text no interpreter reads
        runs = re.fullmatch(r"python(\d+\.\d+)", Path(os.path.realpath(python)).name)
        said = ".".join(version.split(".")[:2])
        if runs is None or not said or runs.group(1) == said:
            return None
        if not (env / "bin" / f"python{said}").exists():
            return None
        # `python3.Z -m venv --upgrade` links bin/python3.Z to a python3.Z; when that link also
        # ends in the other minor, the link bin/python goes through was moved instead
        upgraded = Path(os.path.realpath(env / "bin" / f"python{said}")).name == f"python{said}"
        link = "" if upgraded else _moved_link(env / "bin" / "python", env)
        return BrokenBase(env, home, version, executable, runs=runs.group(1), link=link)
    windows = (env / "Scripts").is_dir() and not (env / "bin").is_dir()
    windows = windows or bool(re.match(r"[A-Za-z]:[\\/]", home))
    target = ""
    if not home_gone and not windows and python.is_symlink():
        target = os.path.realpath(python)
    return BrokenBase(
        env, home, version, "" if windows else executable, windows=windows, target=target
    )


def _moved_link(python: Path, env: Path) -> str:
    """The last link on the way from ``python`` to the interpreter it starts: outside ``env``,
    the one whose target is that interpreter (``base/bin/python3`` -> ``python3.12``)."""
    path, last = python, ""
    for _ in range(20):
        if not path.is_symlink():
            break
        if not _within_env(path, env):
            last = str(path)
        path = Path(os.path.normpath(os.path.join(path.parent, os.readlink(path))))
    return last


def _within_env(path: Path, env: Path) -> bool:
    return Path(os.path.normpath(path)).is_relative_to(Path(os.path.normpath(env)))


def _starts(env: Path, python: Path) -> bool:
    """Whether ``python`` starts and finds its standard library (the running interpreter, or
    one started to see)."""
    import subprocess

    if Path(sys.prefix).resolve() == env.resolve():
        return True
    try:
        done = subprocess.run(
            [str(python), "-I", "-c", "import encodings"], capture_output=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def env_version(env: Path) -> str:
    """The Python version the environment at ``env`` runs: this interpreter's when it is the
    running one; else pyvenv.cfg's ``version_info``/``version``, unless the interpreter
    ``bin/python`` leads to (``pythonX.Y``) is another minor, which is then the answer."""
    import platform

    if Path(sys.prefix).resolve() == env.resolve():
        return platform.python_version()
    cfg = pyvenv_cfg(env)
    raw = cfg.get("version_info") or cfg.get("version") or ""
    version = ".".join(part for part in raw.split(".")[:3] if part.isdigit())
    runs = re.fullmatch(r"python(\d+\.\d+)", Path(os.path.realpath(env / "bin" / "python")).name)
    if runs is not None and not f"{version}.".startswith(f"{runs.group(1)}."):
        return runs.group(1)
    return version


def made_at(prefix: Path) -> Path | None:
    """Where the virtualenv at ``prefix`` was made, as it recorded it: the path of pyvenv.cfg's
    ``command`` (``python -m venv PATH``, ``-m virtualenv PATH``), else ``VIRTUAL_ENV`` in
    ``bin/activate``. Its scripts' ``#!`` lines name that place."""
    command = pyvenv_cfg(prefix).get("command", "")
    try:
        words = shlex.split(command)
    except ValueError:
        words = []
    if words and os.path.isabs(words[-1]):
        return Path(words[-1])
    try:
        activate = (prefix / "bin" / "activate").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in activate.splitlines():
        key, sep, value = line.strip().partition("=")
        if key in ("VIRTUAL_ENV", "export VIRTUAL_ENV") and sep:
            value = value.strip().strip("'\"")
            if os.path.isabs(value):
                return Path(value)
    return None


def moved_from(prefix: Path) -> Path | None:
    """The place the virtualenv at ``prefix`` was made and since moved from (gone now)."""
    made = made_at(prefix)
    if made is None or made.exists() or Path(os.path.normpath(made)) == prefix:
        return None
    return made


@dataclass(frozen=True)
class Copied:
    """A virtualenv copied from another that still exists: the scripts whose ``#!`` line starts
    that other environment's Python."""

    made: Path
    scripts: tuple[str, ...]


def copied_from(prefix: Path) -> Copied | None:
    """The virtualenv at ``prefix`` as a copy (``cp -r``) of the one it was made as, which still
    exists elsewhere: its scripts' ``#!`` lines start that other environment's Python. A
    recorded place that is this directory by another path (a link) is no copy, and neither is
    one no script of ``bin/`` names."""
    made = made_at(prefix)
    if made is None or not made.exists():
        return None
    try:
        if os.path.samefile(made, prefix):
            return None
    except OSError:
        return None
    scripts = [
        entry.name
        for entry, shebang in _scripts(prefix)
        if _inside(Path(shebang.interpreter), made)
    ]
    return Copied(made, tuple(scripts)) if scripts else None


def _scripts(prefix: Path) -> Iterator[tuple[Path, _exec.Shebang]]:
    """The files of ``prefix/bin`` (links aside) that start with a ``#!`` line, and that line."""
    try:
        entries = sorted((prefix / "bin").iterdir())
    except OSError:
        return
    for entry in entries[:_SCRIPTS_READ]:
        if entry.is_symlink() or not entry.is_file():
            continue
        shebang = _exec.read_shebang(entry)
        if shebang is not None:
            yield entry, _trampoline(entry, shebang) or shebang


def _trampoline(entry: Path, shebang: _exec.Shebang) -> _exec.Shebang | None:
    """The Python a ``/bin/sh`` trampoline starts, as distlib (pip) and uv write a script whose
    interpreter's path has a blank or is longer than a ``#!`` line allows: line 2 is ``'''exec'
    "<python>" "$0" "$@"`` (shell words ``exec``, the interpreter, ``$0``, ``$@``), line 3 ``'
    '''``, which make the rest Python."""
    if Path(shebang.interpreter).name != "sh" or shebang.argument:
        return None
    try:
        with open(entry, "rb") as handle:
            lines = handle.read(4096).decode("utf-8", errors="replace").split("\n")[1:3]
        words = shlex.split(lines[0]) if len(lines) == 2 else []
    except (OSError, ValueError):
        return None
    if len(words) == 4 and words[0] == "exec" and words[2:] == ["$0", "$@"]:
        if lines[1].strip() == "' '''" and Path(words[1]).is_absolute():
            return _exec.Shebang(shebang.line, words[1], "")
    return None


#: the entries of ``bin/`` read for their ``#!`` line (a virtualenv has tens)
_SCRIPTS_READ = 500
_PYTHON_NAME = re.compile(r"(python|pypy)[0-9.]*[dmt]?")


@dataclass(frozen=True)
class ForeignScripts:
    """Scripts of a virtualenv's ``bin/`` whose ``#!`` starts a Python outside it (written by
    another interpreter's pip, e.g. ``python3 -m pip install --prefix .venv``)."""

    interpreter: str
    scripts: tuple[Path, ...]


def foreign_scripts(prefix: Path) -> ForeignScripts | None:
    """The first Python outside ``prefix`` that scripts of ``prefix/bin`` start, with those
    scripts; ``#!/usr/bin/env python`` (whichever Python is first on PATH) and shell wrappers
    are not counted."""
    found: dict[str, list[Path]] = {}
    for entry, shebang in _scripts(prefix):
        if shebang.env_name is not None:
            continue
        interpreter = Path(shebang.interpreter)
        if _PYTHON_NAME.fullmatch(interpreter.name) and not _inside(interpreter, prefix):
            found.setdefault(shebang.interpreter, []).append(entry)
    if not found:
        return None
    first, scripts = next(iter(found.items()))
    return ForeignScripts(first, tuple(scripts))


def _inside(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


@dataclass(frozen=True)
class StartupHook:
    """A file Python runs at every start of this environment (a ``.pth`` line that imports,
    ``sitecustomize``) that failed or will fail there."""

    path: Path
    what: str
    pth: bool
    #: the class of the exception its ``import`` line raised ("" when a module is missing)
    raised: str = ""


def failing_startup_hooks() -> list[StartupHook]:
    """What site.py runs at start-up and fails: a ``.pth`` ``import`` line naming a module that
    does not exist (site.py prints the error and skips the rest of that file), a
    ``sitecustomize``/``usercustomize`` of a start-up directory that is not in ``sys.modules``
    (site.py imported it and it raised). Read from the files and the import system; nothing of
    them is run."""
    import importlib.util
    import site
    import sysconfig

    if sys.flags.no_site:
        return []
    dirs = [Path(d) for d in site.getsitepackages()]
    user = site.getusersitepackages() if site.ENABLE_USER_SITE else ""
    if user:
        dirs.append(Path(user))
    found = [hook for d in dirs for hook in _failing_pth(d, importlib.util.find_spec)]
    found += _raising_pth(dirs, {hook.path for hook in found})
    starts = {*dirs, *(Path(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)}
    starts |= {Path(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")}
    for name in ("sitecustomize", "usercustomize"):
        if name == "usercustomize" and not user:
            continue
        spec = importlib.util.find_spec(name) if name not in sys.modules else None
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        if origin is not None and origin.parent in starts:
            found.append(StartupHook(origin, f"{name} raised when this Python started", False))
    return found


#: ``.pth`` files read per site directory, and bytes read of each
_PTH_READ, _PTH_BYTES = 200, 65536


def _failing_pth(directory: Path, find_spec: Any) -> list[StartupHook]:
    found = []
    try:
        files = sorted(directory.glob("*.pth"))[:_PTH_READ]
    except OSError:
        return []
    for pth in files:
        try:
            with open(pth, "rb") as handle:
                text = handle.read(_PTH_BYTES).decode("utf-8", errors="replace")
        except OSError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if not line.startswith(("import ", "import\t")):
                continue
            missing = _missing_imports(line, find_spec)
            if missing:
                what = f"line {number} imports {missing}, which is not installed"
                found.append(StartupHook(pth, what, True))
                break  # site.py stops reading the file at its first failing line
    return found


#: site.py's handling of a .pth file's ``import`` lines, run in a fresh interpreter without
#: site (``-S``) on this one's sys.path: each line executed in order, a file left at its first
#: line that raises (site.py catches ``Exception``); prints [[file, line number, class], ...]
_RUN_PTH = """
import json, sys
sys.path[:] = json.loads(sys.argv[2])
out = []
for pth in json.loads(sys.argv[1]):
    try:
        with open(pth, "rb") as handle:
            text = handle.read(%d).decode("utf-8", "replace")
    except OSError:
        continue
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(("import ", "import\\t")):
            try:
                exec(line)
            except Exception as exc:  # noqa: B902 (what site.py catches)
                out.append([pth, number, type(exc).__name__])
                break
sys.stdout.write("\\n" + json.dumps(out))
""" % (_PTH_BYTES)


def _raising_pth(dirs: list[Path], failing: set[Path]) -> list[StartupHook]:
    """The ``.pth`` files of ``dirs`` whose ``import`` lines name modules that exist, but raise
    when run: Python runs them at every start anyway, so they are run once more here, as
    site.py runs them, in a child interpreter (its exit status and the classes it prints are
    the answer; the text of what they raise is not read)."""
    import json
    import subprocess

    files = []
    for directory in dirs:
        try:
            pths = sorted(directory.glob("*.pth"))[:_PTH_READ]
        except OSError:
            continue
        for pth in pths:
            if pth in failing:
                continue
            try:
                with open(pth, "rb") as handle:
                    head = handle.read(_PTH_BYTES)
            except OSError:
                continue
            if any(line.startswith((b"import ", b"import\t")) for line in head.splitlines()):
                files.append(str(pth))
    if not files:
        return []
    try:
        done = subprocess.run(
            [sys.executable, "-S", "-c", _RUN_PTH, json.dumps(files), json.dumps(sys.path)],
            capture_output=True,
            timeout=_PTH_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    try:
        raised = json.loads(done.stdout.rsplit(b"\n", 1)[-1]) if done.returncode == 0 else []
    except ValueError:
        return []
    return [
        StartupHook(Path(path), f"line {number} raises {name}", True, raised=str(name))
        for path, number, name in raised
        if isinstance(path, str) and isinstance(number, int) and isinstance(name, str)
    ]


#: how long the child interpreter running the .pth files' import lines may take
_PTH_TIMEOUT = 10.0


def _missing_imports(line: str, find_spec: Any) -> str:
    """The first top-level module an ``import`` line of a ``.pth`` names that the import system
    cannot find ("" if every one is found, or the line is not Python)."""
    import ast

    try:
        tree = ast.parse(line)
    except SyntaxError:
        return ""
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            try:
                if find_spec(top) is None:
                    return top
            except (ImportError, ValueError):
                return top
    return ""


def externally_managed() -> Path | None:
    """The ``EXTERNALLY-MANAGED`` file (PEP 668) of this interpreter's stdlib directory when it
    runs outside a virtualenv (pip ignores the file inside one): pip then refuses to install."""
    import sysconfig

    if sys.prefix != sys.base_prefix:
        return None
    try:
        marker = Path(sysconfig.get_path("stdlib")) / "EXTERNALLY-MANAGED"
    except (KeyError, TypeError):
        return None
    return marker if marker.is_file() else None


def on_pythonpath(location: str) -> str | None:
    """The ``PYTHONPATH`` entry a distribution's ``.dist-info`` directory (``location``) is in:
    such entries come before site-packages on sys.path, so what is there is what imports."""
    if not location:
        return None
    where = Path(location).parent.resolve()
    for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        if entry and Path(entry).resolve() == where:
            return entry
    return None


def pythonpath_entry(origin: str) -> str | None:
    """The ``PYTHONPATH`` entry a module's file (``origin``) was found under: its directory, or
    the package directory's parent, is that entry."""
    path = Path(origin).resolve()
    for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        if entry and Path(entry).resolve() in (path.parent, path.parent.parent):
            return entry
    return None


def put_first(location: str) -> tuple[Path, Path | None] | None:
    """A distribution's ``.dist-info`` (``location``) in a directory outside this environment
    that comes before its site-packages on sys.path, not through PYTHONPATH: code put it there
    (site.py appends a ``.pth`` path line's directory, but an ``import`` line can insert one
    first). Returns the directory and the ``.pth`` file of a site directory whose text names
    it (None when none does)."""
    import site

    if not location:
        return None
    where = Path(location).parent
    sites = [Path(d) for d in site.getsitepackages()]
    try:
        resolved = [Path(p).resolve() for p in sys.path if p]
        here = where.resolve()
        first_site = min(resolved.index(s.resolve()) for s in sites if s.resolve() in resolved)
    except (OSError, ValueError):
        return None
    prefix = Path(sys.prefix).resolve()
    if here not in resolved or here == prefix or prefix in here.parents:
        return None
    if resolved.index(here) > first_site:
        return None
    for directory in sites:
        try:
            pths = sorted(directory.glob("*.pth"))[:_PTH_READ]
        except OSError:
            continue
        for pth in pths:
            try:
                with open(pth, "rb") as handle:
                    text = handle.read(_PTH_BYTES).decode("utf-8", errors="replace")
            except OSError:
                continue
            if str(where) in text or str(here) in text:
                return where, pth
    return where, None


def in_user_site(location: str) -> str | None:
    """The user site directory (PEP 370) a distribution's ``.dist-info`` (``location``) is in,
    when it is on sys.path: a virtualenv has it there only with ``include-system-site-packages =
    true``, after its own site-packages."""
    import site

    if not location or not site.ENABLE_USER_SITE:
        return None
    user = site.getusersitepackages()
    if user and Path(location).parent.resolve() == Path(user).resolve():
        return user
    return None


def running_env() -> Path:
    return Path(sys.prefix).resolve()


@dataclass(frozen=True)
class StaleVirtualEnv:
    """``VIRTUAL_ENV`` names a directory that is not the environment pytest runs in."""

    value: str
    #: ``missing``: no such directory; ``not a directory``; ``other``: another environment
    kind: str


def stale_virtual_env(environ: dict[str, str] | None = None) -> StaleVirtualEnv | None:
    value = (os.environ if environ is None else environ).get("VIRTUAL_ENV", "")
    if not value:
        return None
    path = Path(value)
    if not path.exists():
        return StaleVirtualEnv(value, "missing")
    if not path.is_dir():
        return StaleVirtualEnv(value, "not a directory")
    if path.resolve() != running_env():
        return StaleVirtualEnv(value, "other")
    return None


def poetry_environ() -> dict[str, str]:
    """The environment Poetry runs in: this one, without a ``VIRTUAL_ENV`` that names another
    environment than pytest's (Poetry would answer for, or install into, that one)."""
    env = {**environ.snapshot(), "NO_COLOR": "1"}
    if stale_virtual_env() is not None:
        env.pop("VIRTUAL_ENV", None)
    return env


@dataclass(frozen=True)
class DirectUrl:
    """A distribution's PEP 610 ``direct_url.json``."""

    dist: str
    url: str
    #: ``dir``, ``archive``, ``vcs``, or ``invalid`` (the file is not what PEP 610 describes)
    kind: str
    editable: bool = False
    commit: str = ""
    problem: str = ""
    #: ``archive_info`` hashes of the archive it was installed from, as ``sha256:<hex>``
    hashes: tuple[str, ...] = ()
    #: a field PEP 610 requires is missing, or the file is no JSON object: readers that index
    #: it (Poetry's installed repository: ``url``, ``vcs_info``'s ``vcs`` and ``commit_id``) stop
    fatal: bool = False

    @property
    def path(self) -> Path | None:
        """The local path of a ``file:`` URL."""
        parts = urlsplit(self.url)
        if parts.scheme != "file":
            return None
        return Path(unquote(parts.path))


def direct_url(dist: str, dist_info: Path) -> DirectUrl | None:
    """``dist_info/direct_url.json`` read as PEP 610 says; ``None`` when there is none (an
    installation from an index)."""
    file = dist_info / "direct_url.json"
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        return DirectUrl(dist, "", "invalid", problem=f"{file} cannot be read ({exc})", fatal=True)
    try:
        data = json.loads(text)
    except ValueError as exc:
        problem = f"{file} is not valid JSON ({exc})"
        return DirectUrl(dist, "", "invalid", problem=problem, fatal=True)
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        problem = f"{file} has no 'url' (PEP 610)"
        return DirectUrl(dist, "", "invalid", problem=problem, fatal=True)
    url = data["url"]
    for key, kind in (("dir_info", "dir"), ("archive_info", "archive"), ("vcs_info", "vcs")):
        info = data.get(key)
        if isinstance(info, dict) and kind == "vcs":
            lacking = [k for k in ("vcs", "commit_id") if not isinstance(info.get(k), str)]
            if lacking:
                problem = f"{file} has a vcs_info without {' and '.join(lacking)} (PEP 610)"
                return DirectUrl(dist, url, "invalid", problem=problem, fatal=True)
        if isinstance(info, dict):
            return DirectUrl(
                dist,
                url,
                kind,
                editable=bool(info.get("editable", False)),
                commit=str(info.get("commit_id", "")),
                hashes=_archive_hashes(info),
            )
    return DirectUrl(
        dist, url, "invalid", problem=f"{file} has none of dir_info, archive_info, vcs_info"
    )


def _archive_hashes(info: dict[str, Any]) -> tuple[str, ...]:
    """PEP 610 ``archive_info``: ``hashes`` (``{"sha256": hex}``), or the older ``hash``
    (``sha256=hex``), as ``sha256:hex`` (poetry.lock's form)."""
    found = info.get("hashes")
    hashes = (
        [f"{k}:{v}" for k, v in found.items() if isinstance(v, str)]
        if isinstance(found, dict)
        else []
    )
    legacy = info.get("hash")
    if isinstance(legacy, str) and "=" in legacy:
        hashes.append(legacy.replace("=", ":", 1))
    return tuple(dict.fromkeys(hashes))


def poetry_errors(output: str) -> tuple[list[str], list[str]]:
    """Poetry's ``Error: ...`` and ``Warning: ...`` lines, each without its prefix."""
    errors, warnings = [], []
    for line in output.splitlines():
        text = line.strip()
        if text.startswith("Error: "):
            errors.append(text.removeprefix("Error: "))
        elif text.startswith("Warning: "):
            warnings.append(text.removeprefix("Warning: "))
    return errors, warnings


#: the one error of ``poetry check --lock`` that says the lock's content-hash is stale
#: (``Locker.is_fresh()`` false), as ``check.py`` words it
STALE_LOCK = "changed significantly since poetry.lock was last generated"


def poetry_exception(output: str) -> str:
    """The message of an exception Poetry printed (cleo: a blank line, the class name, a blank
    line, the message), or the last non-blank lines when there is none."""
    lines = [line.rstrip() for line in output.splitlines()]
    for index, line in enumerate(lines):
        name = line.strip()
        if name.endswith(("Error", "Exception")) and " " not in name:
            message: list[str] = []
            for after in lines[index + 1 :]:
                if after.strip().startswith("at ") or (message and not after.strip()):
                    break
                if after.strip():
                    message.append(after.strip())
            if message:
                return " ".join(message)
    shown = [line.strip() for line in lines if line.strip()]
    return " / ".join(shown[-3:])
