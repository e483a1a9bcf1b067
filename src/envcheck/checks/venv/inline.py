"""A project's scripts with inline script metadata (PEP 723, packaging.python.org "Inline script
metadata"), and its ``[project.scripts]`` entry points (the entry points specification).

PEP 723: a block starts with a line ``# /// script`` and ends with ``# ///``; every line between
is a comment (``#`` or ``# ...``), and what follows the ``# `` is TOML with ``requires-python``
and ``dependencies`` as in ``[project]``. "When there are multiple ``script`` blocks ... tools
MUST produce an error." pip (``install --requirements-from-script``, pip 25.1 and later) reads
the block with the specification's own regular expression; an opening line the expression does
not close is no block at all (pip: "File does not contain 'script' metadata"; uv and pipx run
the script without its dependencies).

Entry points specification, "Use for scripts": a ``console_scripts`` / ``gui_scripts`` entry's
object reference names a callable (``importable.module:object.attr``); pip refuses a wheel
whose script entry names a module only ("A callable suffix is required").

The scripts read are the project's top-level ``*.py`` files and those of ``scripts/``,
``bin/`` and ``tools/`` (the files a project runs as tasks). Only the latter are held to the
project's environment (their dependencies installed there): a top-level script with a block,
such as a ``noxfile.py`` that lists ``nox``, is run by uv, pipx or nox in an environment of its
own.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

#: the specification's reference expression (and pip's)
BLOCK = re.compile(r"(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$")
OPENING = re.compile(r"(?m)^# /// script[ \t]*$")
#: the directories whose scripts are read, besides the project's own directory
SCRIPT_DIRS = ("scripts", "bin", "tools")
#: a script entry's object reference: ``module(.module)*:attr(.attr)*`` (the entry points
#: specification's grammar, extras aside)
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
REFERENCE = re.compile(rf"{_NAME}(\.{_NAME})*\s*:\s*{_NAME}(\.{_NAME})*(\s*\[[^\]]*\])?")


@dataclass(frozen=True)
class Script:
    """A script's readable block: where, its ``requires-python`` and its requirements."""

    path: Path
    requires_python: SpecifierSet | None
    dependencies: tuple[Requirement, ...]


@dataclass(frozen=True)
class Broken:
    """A script whose block no tool reads: what is wrong, in a sentence, and what to change."""

    path: Path
    what: str
    change: str


def scripts(root: Path) -> list[Path]:
    """The project's scripts that carry a ``# /// script`` line (read at most 1 MB each)."""
    found = []
    for directory in (root, *(root / d for d in SCRIPT_DIRS)):
        try:
            candidates = sorted(directory.glob("*.py"))
        except OSError:
            continue
        for path in candidates:
            try:
                if path.is_file() and path.stat().st_size < 1_000_000:
                    if "# /// script" in path.read_text(encoding="utf-8", errors="replace"):
                        found.append(path)
            except OSError:
                continue
    return found


def read(path: Path, root: Path) -> Script | Broken | None:
    """The block of ``path`` as PEP 723 reads it (``None``: no ``# /// script`` line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Broken(path, f"{_shown(path, root)} cannot be read as UTF-8 ({exc})", "")
    shown = _shown(path, root)
    matches = [m for m in BLOCK.finditer(text) if m.group("type") == "script"]
    openings = [text.count("\n", 0, m.start()) + 1 for m in OPENING.finditer(text)]
    if not openings:
        return None
    if len(matches) > 1:
        lines = [text.count("\n", 0, m.start()) + 1 for m in matches]
        return Broken(
            path,
            f"{shown} has {len(matches)} `# /// script` blocks (lines "
            + ", ".join(map(str, lines))
            + "): PEP 723 says tools MUST refuse a script with more than one, and pip "
            "(--requirements-from-script), uv and pipx stop on it",
            f"merge the blocks of {shown} into one `# /// script` block (one requires-python, "
            "one dependencies list)",
        )
    if not matches:
        return Broken(
            path,
            f"{shown} opens a `# /// script` block at line {openings[0]} and never closes it "
            "with a `# ///` line: PEP 723 reads no metadata from it (pip: no 'script' "
            "metadata; uv and pipx run it without its dependencies)",
            f"end the block in {shown} with a line `# ///` after its last metadata line",
        )
    content = "".join(
        line[2:] if line.startswith("# ") else line[1:]
        for line in matches[0].group("content").splitlines(keepends=True)
    )
    try:
        data: dict[str, Any] = tomllib.loads(content)
    except tomllib.TOMLDecodeError as exc:
        return Broken(
            path,
            f"{shown}'s `# /// script` block is not TOML ({exc}): pip, uv and pipx stop on it",
            f"correct the TOML of the `# /// script` block in {shown}",
        )
    python = data.get("requires-python")
    spec: SpecifierSet | None = None
    if python is not None:
        try:
            spec = SpecifierSet(str(python))
        except InvalidSpecifier:
            return Broken(
                path,
                f"{shown}'s `# /// script` requires-python = {python!r} is not a PEP 440 "
                "specifier",
                f"correct requires-python in {shown}'s `# /// script` block",
            )
    listed = data.get("dependencies", [])
    if not isinstance(listed, list):
        return Broken(
            path,
            f"{shown}'s `# /// script` dependencies = {listed!r} is not a list",
            f"make dependencies a list of requirements in {shown}",
        )
    requirements = []
    for item in listed:
        try:
            requirements.append(Requirement(str(item)))
        except InvalidRequirement as exc:
            return Broken(
                path,
                f"{shown}'s `# /// script` dependency {item!r} is not a PEP 508 requirement "
                f"({str(exc).splitlines()[0]})",
                f"correct the dependency in {shown}'s `# /// script` block",
            )
    return Script(path, spec, tuple(requirements))


def bad_script_entries(data: dict[str, Any]) -> list[str]:
    """``[project.scripts]`` / ``[project.gui-scripts]`` entries whose object reference names no
    callable (pip refuses the project's wheel), each in a sentence."""
    project = data.get("project")
    if not isinstance(project, dict):
        return []
    out = []
    for table in ("scripts", "gui-scripts"):
        entries = project.get(table)
        if not isinstance(entries, dict):
            continue
        for name, reference in entries.items():
            if not isinstance(reference, str):
                out.append(f"[project.{table}] {name} = {reference!r} is not a string")
            elif ":" not in reference:
                out.append(
                    f'[project.{table}] {name} = "{reference}" names the module {reference}, '
                    "not a callable in it (entry points specification: a script's object "
                    "reference is module:function; pip refuses the wheel: a callable suffix is "
                    f'required); write "{reference}:<function>"'
                )
            elif not REFERENCE.fullmatch(reference.strip()):
                out.append(
                    f'[project.{table}] {name} = "{reference}" is not an object reference '
                    "(module.path:object.attr)"
                )
    return out


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
