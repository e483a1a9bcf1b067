"""pip's own configuration, as this interpreter's pip reads it, meeting a ``pip install`` that
envcheck prints as a fix.

pip reads its files (``/etc/xdg/pip/pip.conf``, ``/etc/pip.conf``, ``~/.pip/pip.conf``,
``$XDG_CONFIG_HOME/pip/pip.conf``, ``<prefix>/pip.conf``, ``PIP_CONFIG_FILE``), later files
winning, and for ``pip install`` takes a key from ``[install]`` over ``[global]`` and a
``PIP_<OPTION>`` variable over both (``ConfigOptionParser``). A few settings turn the install
into one that fails or lands elsewhere (pip's ``commands/install.py``; its general option
``python``, ``--python``, runs pip under another interpreter, and in ``[install]`` pip refuses
it, ``cli/main.py``): ``user`` (refused in a
virtualenv; outside one, the user site), ``target``, ``prefix`` and ``root`` (another directory:
with ``prefix``, pip first removes this environment's copy), and a ``constraint`` file pinning a
package to another version than the one to install (``ResolutionImpossible``); ``require-hashes``
refuses every requirement not pinned with ``==`` and given its ``--hash`` ("In --require-hashes
mode, all requirements must have their versions pinned with =="), which no printed requirement
is. Each is undone for the one command (``PIP_USER=0``, ``PIP_REQUIRE_HASHES=0``: pip reads a
boolean variable with ``strtobool``; an option without a negation: its variable emptied, which
pip ignores, and ``PIP_CONFIG_FILE=/dev/null`` when a file sets it, which makes pip load no
file), and named with where it was set, so the person can remove it for good (or, where hashes
are the policy, install from a hashed requirements file instead). Where pip looks is read too
(:func:`_nowhere`): ``only-binary`` with ``:all:`` (no source distribution is taken), and
``no-index`` with no ``find-links`` location that exists (pip finds nothing).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

#: the settings that send ``pip install`` elsewhere
_ELSEWHERE = ("user", "target", "prefix", "root")
_TRUE = ("1", "true", "yes", "on", "y", "t")
#: the settings above that are pip's booleans (``store_true``): a variable of 0 turns them off
_BOOLEAN = ("user", "require-hashes", "no-index")


@dataclass(frozen=True)
class Setting:
    """One of pip's settings for ``pip install``: its option, value and where it was set."""

    option: str
    value: str
    #: ``PIP_USER`` (a variable) or ``<file> [install] target`` (a configuration file's key)
    source: str

    @property
    def variable(self) -> str:
        return "PIP_" + self.option.upper().replace("-", "_")


def settings() -> dict[str, list[Setting]]:
    """pip's settings for ``pip install``: option -> where it is set, the winning one last
    (``[global]``, then ``[install]``, then the variable); empty when this interpreter has no
    pip or its configuration cannot be read (pip then says so itself)."""
    try:
        from pip._internal.configuration import Configuration
    except ImportError:
        return {}
    try:
        loaded = Configuration(isolated=False)
        loaded.load()
        files = _files(loaded)
    except Exception:  # noqa: B902 - pip's own error (its run reports it), or another pip
        return {}
    found: dict[str, dict[str, Setting]] = {"global": {}, "install": {}, ":env:": {}}
    for origin, values in files:
        for key, value in values.items():
            section, _, option = str(key).partition(".")
            option = option.replace("_", "-")
            if section not in found or not str(value):  # pip ignores an empty value
                continue
            source = (
                f"PIP_{option.upper().replace('-', '_')}"
                if section == ":env:"
                else f"{origin} [{section}] {option}"
            )
            found[section][option] = Setting(option, str(value), source)
    out: dict[str, list[Setting]] = {}
    for section in ("global", "install", ":env:"):
        for option, setting in found[section].items():
            out.setdefault(option, []).append(setting)
    return out


def _files(loaded: Any) -> list[tuple[str, dict[str, Any]]]:
    """Each file's (and the variables') settings in pip's order of loading, from its
    ``_config``: kind -> file -> settings (pip 26), or kind -> settings with the file found
    from the kind's parsers (pip 23); anything else raises, and pip's settings are not read."""
    out: list[tuple[str, dict[str, Any]]] = []
    for kind, per_kind in dict(loaded._config).items():
        per_kind = dict(per_kind)
        if all(isinstance(v, dict) for v in per_kind.values()):
            out += [(str(origin), dict(values)) for origin, values in per_kind.items()]
            continue
        parsers = list(loaded._parsers.get(kind, ()))
        for key, value in per_kind.items():
            section, _, option = str(key).partition(".")
            origin = next(
                (str(f) for f, parser in reversed(parsers) if parser.has_option(section, option)),
                str(kind),
            )
            out.append((origin, {key: value}))
    return out


def _undo(option: str, where: list[Setting], env: dict[str, str]) -> None:
    """The variables that undo ``option`` for one command: ``PIP_USER=0`` or
    ``PIP_REQUIRE_HASHES=0`` for a boolean (a value wins over every file); for an option
    without a negation, its variable emptied (pip then ignores it) and, when a file sets it
    too, ``PIP_CONFIG_FILE=/dev/null`` (pip loads no file at all)."""
    if option in _BOOLEAN:
        env[where[-1].variable] = "0"
        return
    if any(s.source.startswith("PIP_") for s in where):
        env[where[-1].variable] = ""
    if any(not s.source.startswith("PIP_") for s in where):
        env["PIP_CONFIG_FILE"] = os.devnull


def _constraints(path: str, seen: set[str]) -> dict[str, Requirement]:
    """The requirements a pip constraints file lists (``-c``/``-r`` lines followed)."""
    if path in seen:
        return {}
    seen.add(path)
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    out: dict[str, Requirement] = {}
    for raw in lines:
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-c", "-r", "--constraint", "--requirement")):
            nested = line.split(None, 1)[1] if " " in line else line[2:]
            out.update(_constraints(str(Path(path).parent / nested.strip()), seen))
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        out[canonicalize_name(req.name)] = req
    return out


def overrides(
    locked: Mapping[str, str] | None = None, *, venv: bool | None = None
) -> tuple[dict[str, str], str]:
    """The variables that let ``pip install`` (of ``locked``: name -> the version it installs,
    when known) install into the environment it is for (``venv``: a virtualenv, by default
    whether this interpreter runs in one: outside one a user install is where it belongs and
    stays), and a note naming what they undo and where it was set. ``({}, "")`` when pip's
    configuration sends the install nowhere else."""
    venv = _in_venv() if venv is None else venv
    found = settings()
    env: dict[str, str] = {}
    said: list[str] = []
    for option in _ELSEWHERE:
        where = found.get(option)
        if not where:
            continue
        setting = where[-1]
        if option == "user" and (not venv or setting.value.strip().lower() not in _TRUE):
            continue
        _undo(option, where, env)
        goes = "are refused in a virtualenv" if option == "user" else "go elsewhere"
        said.append(f"with {setting.source}={setting.value} pip's installs {goes}")
    where = found.get("python")
    other = _other_python(where[-1]) if where else None
    if where and other is not None:
        _undo("python", where, env)
        said.append(other)
    where = found.get("require-hashes")
    if where and where[-1].value.strip().lower() in _TRUE:
        setting = where[-1]
        _undo("require-hashes", where, env)
        said.append(
            f"with {setting.source}={setting.value} pip refuses every requirement not pinned "
            "with == and given its --hash"
        )
    said += _nowhere(found, env)
    where = found.get("constraint")
    if where and locked:
        setting = where[-1]
        pins: dict[str, Requirement] = {}
        for path in setting.value.split():
            pins.update(_constraints(os.path.expanduser(path), set()))
        against = [
            f"{pins[canonicalize_name(name)]} (to install {version})"
            for name, version in locked.items()
            if canonicalize_name(name) in pins
            and not pins[canonicalize_name(name)].specifier.contains(version, prereleases=True)
        ]
        if against:
            _undo("constraint", where, env)
            said.append(
                f"{setting.source}={setting.value} pins {', '.join(against)}: pip refuses "
                "(ResolutionImpossible)"
            )
    if not env:
        return {}, ""
    note = (
        "; ".join(said)
        + ": the command sets "
        + " ".join(f"{name}={value}" for name, value in env.items())
        + " for itself; remove the setting where it is made to install with pip as usual"
    )
    return env, note


def _missing_links(value: str) -> list[str]:
    """The ``find-links`` locations of ``value`` that name a local path that does not exist
    (pip: "Location ... is ignored: it is either a non-existing path or lacks a specific
    scheme"); a URL is not looked at."""
    out = []
    for location in value.split():
        if "://" in location and not location.startswith("file://"):
            continue
        path = Path(os.path.expanduser(location.removeprefix("file://")))
        if not path.exists():
            out.append(location)
    return out


def _nowhere(found: dict[str, list[Setting]], env: dict[str, str]) -> list[str]:
    """Where pip looks for what it installs (``commands/install.py``, ``cmdoptions``):
    ``only-binary`` with ``:all:`` takes no source distribution, so a release published only
    as one is not found (undone for the command); ``no-index`` leaves only the ``find-links``
    locations, and when none of them exists pip finds no distribution at all (``no-index``
    undone for the command, which then needs the index; where the wheels are now only the
    person knows). The notes, each naming the setting and where it is set."""
    said: list[str] = []
    where = found.get("only-binary")
    if where and ":all:" in where[-1].value.replace(",", " ").split():
        setting = where[-1]
        _undo("only-binary", where, env)
        said.append(
            f"with {setting.source}={setting.value} pip installs no source distribution: a "
            "release published only as one is not found (No matching distribution)"
        )
    where = found.get("no-index")
    if not where or where[-1].value.strip().lower() not in _TRUE:
        return said
    setting = where[-1]
    links = found.get("find-links")
    value = links[-1].value if links else ""
    missing = _missing_links(value)
    if value.split() and len(missing) < len(value.split()):
        return said
    _undo("no-index", where, env)
    if links:
        said.append(
            f"with {setting.source}={setting.value} pip looks only in {links[-1].source}="
            f"{value}, and {' '.join(missing)} does not exist: pip finds no distribution; "
            f"point {links[-1].variable} at the directory that holds the wheels now"
        )
    else:
        said.append(
            f"with {setting.source}={setting.value} pip looks in no package index, and no "
            "find-links location is set (PIP_FIND_LINKS): pip finds no distribution"
        )
    return said


def _environment_of(interpreter: Path) -> Path:
    """The environment an interpreter path starts (PEP 405: a ``pyvenv.cfg`` beside its
    directory or one up makes it a virtualenv's, through its links as they are; else the
    prefix of the executable it leads to)."""
    for directory in (interpreter.parent, interpreter.parent.parent):
        if (directory / "pyvenv.cfg").is_file():
            return directory.resolve()
    return interpreter.resolve().parent.parent


def _other_python(setting: Setting) -> str | None:
    """What pip's general option ``--python`` (``PIP_PYTHON``, ``python`` in a file; pip 22.3:
    "Run pip with the specified Python interpreter") does to a ``pip install`` of this
    environment: None when it names this environment's own interpreter (or a directory
    holding it), else the note saying where the install goes or why pip stops."""
    import shutil
    import sys

    if setting.source.endswith("[install] python"):
        return (
            f"{setting.source}={setting.value}: pip refuses the option after its subcommand "
            '("The --python option must be placed before the pip subcommand name"), so every '
            "pip install stops"
        )
    value = os.path.expanduser(setting.value.strip())
    path = Path(value)
    if path.is_dir():
        path = path / "bin" / "python"
    elif os.sep not in value:
        path = Path(shutil.which(value) or value)
    if not (path.is_file() and os.access(path, os.X_OK)):
        return (
            f"{setting.source}={setting.value} names no Python interpreter that exists: every "
            'pip command stops ("Could not locate Python interpreter")'
        )
    if _environment_of(path) == Path(sys.prefix).resolve():
        return None
    return (
        f"with {setting.source}={setting.value} pip runs under that interpreter and installs "
        f"into its environment ({_environment_of(path)}), not this one ({sys.prefix})"
    )


def _in_venv() -> bool:
    import sys

    return sys.prefix != sys.base_prefix
