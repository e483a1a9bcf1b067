"""``[tool.envcheck.venv]`` derived from the project: the one derivation ``envcheck init`` writes
and the ``envcheck`` console script checks without any ``[tool.envcheck]``.

Every key says what in the project decided it (:attr:`VenvDerivation.origins`), so a check that
fails on a derived setting names the project file, not a table nobody wrote.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker, default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

#: the build backend of Poetry projects that declare everything in ``[project]`` (Poetry 2)
_POETRY_BACKEND = "poetry.core.masonry.api"


@dataclass(frozen=True)
class VenvDerivation:
    """The derived ``[tool.envcheck.venv]`` keys and, per key, what in the project decided it."""

    #: the project's directory (``None``: no project was found)
    project: Path | None
    section: dict[str, Any] = field(default_factory=dict)
    #: key -> what decided it ("no [tool.poetry], no poetry.lock"); also for keys left out
    origins: dict[str, str] = field(default_factory=dict)

    @property
    def source(self) -> str:
        if self.project is None:
            return "the project (none found)"
        return str(self.project / "pyproject.toml")

    def why(self, key: str) -> str:
        """``derived from /app/pyproject.toml: no [tool.poetry], no poetry.lock``."""
        return f"derived from {self.source}: {self.origins.get(key, 'not declared there')}"


def read_pyproject(project: Path | None) -> dict[str, Any]:
    """The parsed ``pyproject.toml`` of ``project`` (``{}`` when absent or unreadable: the venv
    ``project`` check reports what is wrong with it)."""
    if project is None:
        return {}
    try:
        data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def derive_venv(
    project: Path | None,
    pyproject: Mapping[str, Any] | None = None,
    *,
    in_virtualenv: bool | None = None,
) -> VenvDerivation:
    """What ``[tool.envcheck.venv]`` the project declares, from its ``pyproject.toml``
    (``pyproject`` when already parsed), its ``poetry.lock`` and ``.venv``, and whether this
    interpreter runs in a virtualenv (``in_virtualenv``; default: ``sys.prefix !=
    sys.base_prefix``)."""
    if in_virtualenv is None:
        in_virtualenv = sys.prefix != sys.base_prefix
    data: Mapping[str, Any] = read_pyproject(project) if pyproject is None else pyproject
    meta = _table(data.get("project"))
    tool = _table(data.get("tool"))
    poetry = _table(tool.get("poetry"))
    section: dict[str, Any] = {}
    origins: dict[str, str] = {}

    python, python_from = _python(meta, poetry)
    if python:
        section["python"] = python
    origins["python"] = python_from

    uses_poetry, poetry_from = _uses_poetry(project, data, poetry)
    venv_dir = project / ".venv" if project is not None else None
    has_venv = venv_dir is not None and venv_dir.is_dir()
    require = in_virtualenv or uses_poetry or has_venv
    if in_virtualenv:
        origins["require_venv"] = "this interpreter runs in a virtualenv"
    elif uses_poetry:
        origins["require_venv"] = "Poetry installs the project into a virtualenv"
    elif has_venv:
        origins["require_venv"] = f"{venv_dir} exists"
    else:
        origins["require_venv"] = "no Poetry, no .venv, and this interpreter runs in none"
    section["require_venv"] = require
    section["poetry"] = uses_poetry
    origins["poetry"] = poetry_from

    packages, packages_from = _main_packages(meta, poetry)
    if not packages and project is not None:
        packages, packages_from = setuptools_dynamic(project, data)
    if not packages and project is not None:
        packages, packages_from = _requirements_files(project)
    if packages:
        section["packages"] = packages
    origins["packages"] = packages_from or "no dependencies declared"
    dev, dev_from = _dev_packages(data, poetry, tool, project)
    if dev:
        section["dev_packages"] = dev
    origins["dev_packages"] = dev_from or "no dev group declared"
    return VenvDerivation(project, section, origins)


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _python(meta: Mapping[str, Any], poetry: Mapping[str, Any]) -> tuple[str | None, str]:
    declared = meta.get("requires-python")
    if isinstance(declared, str) and declared.strip():
        return declared.strip(), f"[project] requires-python = {declared.strip()!r}"
    constraint = _table(poetry.get("dependencies")).get("python")
    converted = poetry_constraint(constraint)
    if converted:
        return converted, f"[tool.poetry.dependencies] python = {constraint!r}"
    return None, "no requires-python"


def _uses_poetry(
    project: Path | None, data: Mapping[str, Any], poetry: Mapping[str, Any]
) -> tuple[bool, str]:
    found: list[str] = []
    if poetry:
        found.append("[tool.poetry] is present")
    if project is not None and (project / "poetry.lock").is_file():
        found.append("poetry.lock is present")
    backend = _table(data.get("build-system")).get("build-backend")
    if backend == _POETRY_BACKEND:
        found.append(f"the build backend is {_POETRY_BACKEND}")
    if found:
        return True, ", ".join(found)
    if project is None:
        return False, "no project, so no Poetry project"
    return False, "no [tool.poetry], no poetry.lock"


def _main_packages(
    meta: Mapping[str, Any], poetry: Mapping[str, Any]
) -> tuple[list[str], str | None]:
    seen: set[str] = set()
    out: list[str] = []
    places: list[str] = []
    dependencies = meta.get("dependencies")
    for text in dependencies if isinstance(dependencies, list) else []:
        requirement = _requirement(str(text))
        if requirement is None or canonicalize_name(requirement.name) in seen:
            continue
        seen.add(canonicalize_name(requirement.name))
        out.append(_kept(requirement))
        places.append("[project] dependencies")
    for name, value in _table(poetry.get("dependencies")).items():
        if name.lower() == "python" or canonicalize_name(name) in seen:
            continue
        applies = _poetry_applies(value)
        if applies is None or (isinstance(applies, Mapping) and applies.get("optional")):
            continue
        seen.add(canonicalize_name(name))
        version = applies.get("version") if isinstance(applies, Mapping) else applies
        wanted = applies.get("extras") if isinstance(applies, Mapping) else None
        extras = (
            f"[{','.join(sorted(map(str, wanted)))}]"
            if isinstance(wanted, list) and wanted and all(map(_valid_name, map(str, wanted)))
            else ""
        )
        out.append(f"{name}{extras}{poetry_constraint(version) or ''}")
        places.append("[tool.poetry.dependencies]")
    return out, " and ".join(dict.fromkeys(places)) or None


def setuptools_dynamic(project: Path, data: Mapping[str, Any]) -> tuple[list[str], str | None]:
    """The requirements setuptools reads for a project whose ``[project] dynamic`` lists
    ``dependencies`` (PEP 621) from the files ``[tool.setuptools.dynamic] dependencies = {file =
    [...]}`` names (paths relative to the project): a requirement a line, blank lines and ``#``
    comment lines left out, as setuptools' ``_parse_requirements_list`` reads them; and where
    they come from."""
    dynamic = _table(data.get("project")).get("dynamic")
    if not isinstance(dynamic, list) or "dependencies" not in dynamic:
        return [], None
    setuptools = _table(_table(data.get("tool")).get("setuptools"))
    files = _table(_table(setuptools.get("dynamic")).get("dependencies")).get("file")
    names = [files] if isinstance(files, str) else files if isinstance(files, list) else []
    out: list[str] = []
    seen: set[str] = set()
    for name in map(str, names):
        try:
            lines = (project / name).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            if not line.strip() or line.strip().startswith("#"):
                continue
            requirement = _requirement(line.strip())
            if requirement is None or canonicalize_name(requirement.name) in seen:
                continue
            seen.add(canonicalize_name(requirement.name))
            out.append(_kept(requirement))
    if not out:
        return [], None
    return out, f"[tool.setuptools.dynamic] dependencies, read from {', '.join(map(str, names))}"


def main_origin(project: Path, data: Mapping[str, Any], name: str) -> str | None:
    """Where the project (``data``: its parsed pyproject.toml) names the requirement ``name``
    when ``[project] dependencies`` does not list it: the files setuptools' dynamic
    ``dependencies`` reads (``None`` otherwise)."""
    if "dependencies" not in (_table(data.get("project")).get("dynamic") or ()):
        return None
    packages, origin = _dynamic_names(project, _stamp(project, data))
    return origin if canonicalize_name(name) in packages else None


def _stamp(project: Path, data: Mapping[str, Any]) -> tuple[Any, ...]:
    """What setuptools' dynamic dependencies of ``project`` are read from: pyproject.toml and
    the files it names, by size and time (a package check asks once per package; the files
    are read once)."""
    setuptools = _table(_table(data.get("tool")).get("setuptools"))
    files = _table(_table(setuptools.get("dynamic")).get("dependencies")).get("file")
    names = [files] if isinstance(files, str) else files if isinstance(files, list) else []
    stamp: list[Any] = []
    for path in [project / "pyproject.toml", *(project / str(n) for n in names)]:
        try:
            info = path.stat()
        except OSError:
            continue
        stamp.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(stamp)


@functools.lru_cache(maxsize=8)
def _dynamic_names(project: Path, stamp: tuple[Any, ...]) -> tuple[frozenset[str], str | None]:
    packages, origin = setuptools_dynamic(project, read_pyproject(project))
    return frozenset(canonicalize_name(Requirement(p).name) for p in packages), origin


def _requirements_files(project: Path) -> tuple[list[str], str | None]:
    """Without a declaration in pyproject.toml: pip-tools' ``requirements.in`` (what
    ``pip-compile`` compiles), else a ``requirements.txt`` (what ``pip install -r`` installs).
    A requirement a constraints file of it (``-c``) also names carries the constraint's
    specifier too: pip installs only a version both allow (constraints alone install
    nothing)."""
    for name in ("requirements.in", "requirements.txt"):
        texts = _requirement_lines(project / name)
        if texts:
            pins = requirement_file_constraints(project / name)
            out: list[str] = []
            seen: set[str] = set()
            for text in texts:
                requirement = _requirement(text)
                if requirement is None or canonicalize_name(requirement.name) in seen:
                    continue
                seen.add(canonicalize_name(requirement.name))
                pinned = pins.get(canonicalize_name(requirement.name))
                if pinned is not None and not requirement.url:
                    requirement.specifier &= pinned[0].specifier
                out.append(_kept(requirement))
            return out, name
    return [], None


def requirement_file_constraints(
    path: Path, seen: frozenset[Path] = frozenset(), constraining: bool = False
) -> dict[str, tuple[Requirement, str]]:
    """The constraints pip applies with the requirements file ``path``: each requirement of
    the files its ``-c``/``--constraint`` lines name (and of the ``-r`` files they and it
    include), by canonical name, with the constraints file's name; a constraint whose marker
    is false here, or that is a URL, is left out. A nested path is relative to the file that
    names it (pip's ``req_file``)."""
    if path in seen:
        return {}
    seen = seen | {path}
    out: dict[str, tuple[Requirement, str]] = {}
    for line in requirement_file_lines(path):
        option = re.match(r"(-c|--constraint|-r|--requirement)(?:\s*=\s*|\s+|(?=\S))(\S+)", line)
        if option is not None:
            nested = path.parent / option.group(2)
            constraint = constraining or option.group(1) in ("-c", "--constraint")
            for name, pinned in requirement_file_constraints(nested, seen, constraint).items():
                out.setdefault(name, pinned)
            continue
        if not constraining:
            continue
        text = re.split(r"\s--", line, maxsplit=1)[0].strip()
        if not text or text.startswith("-"):
            continue
        requirement = _requirement(text)
        if requirement is None or requirement.url:
            continue
        out.setdefault(canonicalize_name(requirement.name), (requirement, path.name))
    return out


def _kept(requirement: Requirement) -> str:
    """``name[extras]specifier``, or ``name[extras] @ url`` for a PEP 508 direct reference (the
    package check compares it with PEP 610's record of where the installed copy came from)."""
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    if requirement.url:
        return f"{requirement.name}{extras} @ {requirement.url}"
    return f"{requirement.name}{extras}{requirement.specifier}"


#: pip's requirements files: ``${NAME}`` is the environment variable NAME (upper-case letters,
#: digits, ``_``; pip's ``expand_env_variables``), left as it is when unset
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


def expand_variables(text: str, environ: Mapping[str, str] | None = None) -> str:
    """A requirements-file line with its ``${NAME}`` variables replaced, as pip reads it."""
    env = os.environ if environ is None else environ
    return _ENV_VAR.sub(lambda m: env.get(m.group(1), m.group(0)), text)


def requirement_file_lines(path: Path) -> list[str]:
    """The logical lines of a requirements file as pip reads them: a line ending in ``\\``
    joined with the next (pip-compile's ``--hash`` continuations), comments dropped, ``${NAME}``
    expanded."""
    try:
        raw = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    out: list[str] = []
    pending = ""
    for line in raw:
        text = line.split(" #", 1)[0] if not line.lstrip().startswith("#") else ""
        if text.rstrip().endswith("\\"):
            pending += text.rstrip()[:-1] + " "
            continue
        out.append(expand_variables((pending + text).strip()))
        pending = ""
    if pending:
        out.append(expand_variables(pending.strip()))
    return out


def _requirement_lines(path: Path) -> list[str]:
    """The requirement lines of a requirements file (options, includes, comments left out;
    a requirement's own ``--hash`` options dropped)."""
    texts = [re.split(r"\s--", t, maxsplit=1)[0].strip() for t in requirement_file_lines(path)]
    return [t for t in texts if t and not t.startswith(("#", "-"))]


def uv_project(project: Path | None, data: Mapping[str, Any]) -> bool:
    """uv keeps the project: ``[tool.uv]`` or a ``uv.lock``."""
    if isinstance(_table(data.get("tool")).get("uv"), Mapping):
        return True
    return project is not None and (project / "uv.lock").is_file()


def uv_default_groups(data: Mapping[str, Any]) -> list[str]:
    """The PEP 735 groups ``uv sync`` installs: ``[tool.uv] default-groups`` (a list, or
    ``"all"``: every group), ``["dev"]`` when it is not set."""
    chosen = _table(_table(data.get("tool")).get("uv")).get("default-groups", ["dev"])
    groups = _table(data.get("dependency-groups"))
    if chosen == "all":
        return [str(g) for g in groups]
    return [str(g) for g in chosen] if isinstance(chosen, list) else ["dev"]


def dev_origin(project: Path, name: str) -> str | None:
    """Where the project's pyproject.toml names the dev package ``name`` (a group, a Hatch
    environment's dependencies or features, ...), as the derivation found it."""
    data = read_pyproject(project)
    poetry = _table(_table(data.get("tool")).get("poetry"))
    wanted = canonicalize_name(name)
    found = _dev_named(data, poetry, _table(data.get("tool")), project)
    return next((where for n, where in found if canonicalize_name(n) == wanted), None)


def _dev_packages(
    data: Mapping[str, Any],
    poetry: Mapping[str, Any],
    tool: Mapping[str, Any] | None = None,
    project: Path | None = None,
) -> tuple[list[str], str | None]:
    seen: set[str] = set()
    out: list[str] = []
    places: list[str] = []
    for name, where in _dev_named(data, poetry, tool, project):
        if canonicalize_name(name) not in seen and _valid_name(name):
            seen.add(canonicalize_name(name))
            out.append(name)
            places.append(where)
    return out, " and ".join(dict.fromkeys(places)) or None


def _dev_named(
    data: Mapping[str, Any],
    poetry: Mapping[str, Any],
    tool: Mapping[str, Any] | None = None,
    project: Path | None = None,
) -> list[tuple[str, str]]:
    """Every dev package the project names, with where (in the order they are found)."""
    named: list[tuple[str, str]] = []
    group = _table(_table(_table(poetry.get("group")).get("dev")).get("dependencies"))
    named += [
        (name, "[tool.poetry.group.dev.dependencies]")
        for name, value in group.items()
        if _poetry_applies(value) is not None
    ]
    old = _table(poetry.get("dev-dependencies"))
    named += [
        (name, "[tool.poetry.dev-dependencies]")
        for name, value in old.items()
        if _poetry_applies(value) is not None
    ]
    pep735 = _table(data.get("dependency-groups"))
    chosen: list[tuple[str, Any]] = [("[dependency-groups] dev", _group_lines(pep735, "dev"))]
    if uv_project(project, data):
        chosen = [
            (f"[dependency-groups] {g} (uv's [tool.uv] default-groups)", _group_lines(pep735, g))
            for g in uv_default_groups(data)
        ]
    optional = _table(_table(data.get("project")).get("optional-dependencies"))
    own = _table(data.get("project")).get("name")
    for where, texts in (
        *chosen,
        ("[project.optional-dependencies] dev", optional.get("dev")),
    ):
        for text in texts if isinstance(texts, list) else []:
            for requirement, via in _own_extras(text, own, optional):
                named.append((requirement.name, where + via))
    hatch = _table(_table(_table(tool).get("hatch")).get("envs"))
    for env, table in hatch.items():
        if str(_table(table).get("path", "")).rstrip("/") not in (".venv", "./.venv"):
            continue  # another environment than the project's .venv
        for key in ("dependencies", "extra-dependencies"):
            texts = _table(table).get(key)
            for text in texts if isinstance(texts, list) else []:
                if isinstance(text, str) and (declared := _requirement(text)) is not None:
                    named.append((declared.name, f"[tool.hatch.envs.{env}] {key}"))
        features = _table(table).get("features")
        if _table(table).get("skip-install") is True or not isinstance(features, list):
            continue  # Hatch installs the features with the project only
        extras = {canonicalize_name(str(k)): v for k, v in optional.items()}
        for feature in features:
            for text in extras.get(canonicalize_name(str(feature))) or ():
                for requirement, via in _own_extras(text, own, optional):
                    where = f"[tool.hatch.envs.{env}] features ({feature!r}, an extra{via})"
                    named.append((requirement.name, where))
    if project is not None and (project / "requirements.in").is_file():
        for layer in sorted(project.glob("*requirements*.in")):
            if layer.name == "requirements.in":
                continue
            for text in _requirement_lines(layer):
                if (layered := _requirement(text)) is not None:
                    named.append((layered.name, layer.name))
    return named


def _own_extras(
    text: Any, own: Any, optional: Mapping[str, Any], seen: frozenset[str] = frozenset()
) -> Iterator[tuple[Requirement, str]]:
    """The requirement ``text`` (one that holds here), or, when it names the project itself
    with extras (``svc[rapid]`` in the project svc: pip's recursive optional dependencies),
    the requirements of those extras of ``[project.optional-dependencies]``, followed again:
    (requirement, how it was reached: ``""`` or ``", through svc[rapid]"``)."""
    if not isinstance(text, str) or (requirement := _requirement(text)) is None:
        return
    if not isinstance(own, str) or canonicalize_name(requirement.name) != canonicalize_name(own):
        yield requirement, ""
        return
    extras = {canonicalize_name(e) for e in requirement.extras}
    for extra, texts in optional.items():
        name = canonicalize_name(str(extra))
        if name not in extras or name in seen:
            continue
        for nested in texts if isinstance(texts, list) else []:
            for found, via in _own_extras(nested, own, optional, seen | {name}):
                yield found, via or f", through {requirement.name}[{extra}]"


def _group_lines(groups: Mapping[str, Any], name: str, seen: frozenset[str] = frozenset()) -> Any:
    """The requirement strings of the PEP 735 group ``name``, its ``{include-group = "..."}``
    entries replaced by the lines of the group they name (a cycle is not followed)."""
    lines = groups.get(name)
    if not isinstance(lines, list):
        return lines
    out: list[Any] = []
    for line in lines:
        included = line.get("include-group") if isinstance(line, Mapping) else None
        if isinstance(included, str):
            if included not in seen and included != name:
                more = _group_lines(groups, included, seen | {name})
                out += more if isinstance(more, list) else []
        else:
            out.append(line)
    return out


def _poetry_applies(value: Any) -> Any:
    """The Poetry dependency ``value`` as it applies on this platform: the constraint string,
    the first table (of a multiple-constraints list) whose ``markers`` and ``python`` hold here, or
    ``None`` when none does (``demo-win = {path = ..., markers = "sys_platform == 'win32'"}``
    is not installed on Linux, so it is not checked there)."""
    for candidate in value if isinstance(value, list) else [value]:
        if not isinstance(candidate, Mapping):
            return candidate
        markers = candidate.get("markers")
        if isinstance(markers, str) and markers.strip() and not _marker_holds(markers):
            continue
        python = poetry_constraint(candidate.get("python"))
        if python and not _python_in(python):
            continue
        return candidate
    return None


def _marker_holds(text: str) -> bool:
    try:
        marker = Marker(text)
    except InvalidMarker:
        return True  # Poetry reports it; the package check still says what is installed
    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    return marker.evaluate({**env, "extra": ""})


def _python_in(spec: str) -> bool:
    try:
        return SpecifierSet(spec).contains(platform.python_version(), prereleases=True)
    except InvalidSpecifier:
        return True


def _valid_name(name: str) -> bool:
    return _requirement(name) is not None


def _requirement(text: str) -> Requirement | None:
    """The requirement, or ``None`` when it is not one or its marker excludes this platform."""
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return None
    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    if requirement.marker is not None and not requirement.marker.evaluate({**env, "extra": ""}):
        return None
    return requirement


def poetry_constraint(value: Any) -> str | None:
    """Poetry's ``^3.11`` / ``~3.11`` / ``3.11.*`` / ``>=3.11,<3.13`` as a PEP 440 specifier
    (``None`` for none, ``*`` or an ``||`` alternative, which PEP 440 cannot say)."""
    if not isinstance(value, str) or not value.strip() or value.strip() == "*":
        return None
    if "||" in value or "|" in value:
        return None
    parts = []
    for piece in re.split(r"\s*,\s*|\s+", value.strip()):
        if piece.startswith(("^", "~")) and not piece.startswith("~="):
            numbers = [int(n) for n in re.findall(r"\d+", piece)]
            if not numbers:
                return None
            low = ".".join(map(str, numbers))
            if piece.startswith("^"):
                index = next((i for i, n in enumerate(numbers) if n), len(numbers) - 1)
            else:
                index = min(1, len(numbers) - 1) if len(numbers) > 1 else 0
            upper = numbers[: index + 1]
            upper[-1] += 1
            parts.append(f">={low},<{'.'.join(map(str, upper))}")
        elif re.fullmatch(r"\d+(\.\d+)*(\.\*)?", piece):
            parts.append(f"=={piece}")
        else:
            parts.append(piece)
    return ",".join(parts)


def requirement_names(values: Iterator[str] | list[str]) -> set[str]:
    """The canonical names of requirement strings (invalid ones are left out)."""
    names: set[str] = set()
    for value in values:
        try:
            names.add(canonicalize_name(Requirement(str(value)).name))
        except InvalidRequirement:
            continue
    return names
