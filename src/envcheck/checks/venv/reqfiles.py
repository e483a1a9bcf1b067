"""The lines of the project's requirements files that pip refuses, so that ``pip install -r``
installs nothing (pip's requirements-file format and its secure installs):

- an ``-r``/``--requirement`` or ``-c``/``--constraint`` line naming no file (a nested path is
  relative to the file that names it): "Could not open requirements file";
- in hash-checking mode, which one ``--hash`` option turns on for the whole file, a requirement
  that is not pinned with ``==`` or has no ``--hash``: "Hashes are required in
  --require-hashes mode" (pip refuses every requirement of the file);
- an option pip does not take on a requirements-file line (``req_file.py``: the file's own
  options, and a requirement's ``--hash`` and ``--config-settings``), such as one this pip
  removed (``--install-option`` in 23.1, ``--global-option`` and ``--build-option`` in 25.3):
  "no such option";
- an editable requirement (``-e``/``--editable``) of a local directory that holds neither
  pyproject.toml nor setup.py ("does not appear to be a Python project"), or that does not
  exist (pip takes it for neither a local project nor a VCS URL), in any of the project's
  requirements files (requirements-dev.txt too: pip resolves such a path from the directory
  it runs in, the project's).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from envcheck.checks.venv import installed as _installed
from envcheck.core.fix import Manual, Step
from envcheck.initkit import venv as _initkit

#: the project's requirements files the venv checks read (pip-tools' input, pip's list)
ROOTS = ("requirements.in", "requirements.txt")
_OPTION = re.compile(r"(-c|--constraint|-r|--requirement)(?:\s*=\s*|\s+|(?=\S))(\S+)")
#: the options pip 26 takes on a requirements-file line (the file's and a requirement's)
_TAKEN = frozenset(
    {"-i", "--index-url", "--extra-index-url", "--no-index", "-c", "--constraint", "-r"}
    | {"--requirement", "-e", "--editable", "-f", "--find-links", "--no-binary"}
    | {"--only-binary", "--prefer-binary", "--require-hashes", "--no-require-hashes", "--pre"}
    | {"--all-releases", "--only-final", "--trusted-host", "--use-feature", "--hash", "-C"}
    | {"--config-settings"}
)
#: the options pip took on a requirement's line and removed, with the version that removed them
_REMOVED = {"--install-option": "23.1", "--global-option": "25.3", "--build-option": "25.3"}
#: the project's requirements files read for editable installs of a local directory
EDITABLE_FILES = (*ROOTS, "requirements-dev.txt", "dev-requirements.txt", "requirements-dev.in")
_EDITABLE = re.compile(r"(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)")
#: directories not searched for a moved file
_SKIPPED = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox"})


@dataclass(frozen=True)
class Refused:
    """A line of ``holder`` that pip refuses."""

    holder: Path
    line: str
    #: why, in a sentence
    what: str
    #: the line as it should be (``None``: nothing found to put there)
    instead: str | None = None
    #: the canonical name of the requirement (hash-checking mode), else ""
    name: str = ""


def refused(root: Path) -> list[Refused]:
    """The refused lines of the project's requirements files and of every file they include
    (read once while the files stay as they are: a package check asks once per package)."""
    stamp = []
    for name in EDITABLE_FILES:
        try:
            info = (root / name).stat()
        except OSError:
            continue
        stamp.append((name, info.st_mtime_ns, info.st_size))
    return list(_refused(root, tuple(stamp))) if stamp else []


def _not_a_project(root: Path, path: Path, line: str) -> Refused | None:
    """``line`` of ``path`` when it installs editable a local directory that pip refuses."""
    match = _EDITABLE.fullmatch(line.split(" #", 1)[0].strip())
    if match is None:
        return None
    target = match.group(1).split("#", 1)[0]
    if "://" in target or re.match(r"[a-z]+\+", target):
        return None  # a URL or a VCS reference
    target = target.removeprefix("file:")
    bare = re.sub(r"\[[^\]]*\]$", "", target)  # its extras
    directory = (root / bare) if not Path(bare).is_absolute() else Path(bare)
    if not directory.exists():
        return Refused(
            path,
            line,
            f"{line!r} installs {bare} editable, and {directory} does not exist: pip stops "
            "(it is neither a local project nor a VCS URL) and installs nothing from "
            f"{path.name}",
        )
    if not directory.is_dir():
        return None  # a file (an archive): pip's own words, no guess here
    if (directory / "pyproject.toml").is_file() or (directory / "setup.py").is_file():
        return None
    below = sorted(
        p.parent
        for pattern in ("*/pyproject.toml", "*/setup.py")
        for p in directory.glob(pattern)
        if p.parent.name not in _SKIPPED and not p.parent.name.startswith(".")
    )
    instead = None
    if len(set(below)) == 1:
        moved = os.path.relpath(below[0], root)
        instead = line.replace(target, moved if moved.startswith(".") else f"./{moved}")
    return Refused(
        path,
        line,
        f"{line!r} installs {bare} editable, and {directory} holds neither pyproject.toml nor "
        'setup.py: pip stops ("does not appear to be a Python project") and installs nothing '
        f"from {path.name}" + (f"; a project is at {below[0]}" if instead else ""),
        instead,
    )


@functools.lru_cache(maxsize=8)
def _refused(root: Path, stamp: tuple[tuple[str, int, int], ...]) -> tuple[Refused, ...]:
    out: list[Refused] = []
    seen: set[Path] = set()
    todo = [root / name for name in ROOTS if (root / name).is_file()]
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        lines = _initkit.requirement_file_lines(path)
        hashing = any(re.search(r"(^|\s)--hash[=\s]", line) for line in lines)
        for line in lines:
            option = _OPTION.match(line)
            if option is not None:
                target = option.group(2)
                nested = path.parent / target
                if "://" in target or nested.is_file():
                    todo += [] if "://" in target else [nested]
                    continue
                moved = _elsewhere(root, nested)
                instead = (
                    f"{option.group(1)} {os.path.relpath(moved, path.parent)}" if moved else None
                )
                out.append(
                    Refused(
                        path,
                        line,
                        f'{line!r} names {nested}, which does not exist: pip stops ("Could not '
                        'open requirements file") and installs nothing from '
                        f"{path.name}" + (f"; a file of that name is at {moved}" if moved else ""),
                        instead,
                    )
                )
                continue
            editable = _not_a_project(root, path, line)
            if editable is not None:
                out.append(editable)
                continue
            unknown = _unknown_option(line)
            if unknown is not None:
                out.append(Refused(path, line, *unknown))
                continue
            if hashing and line and not line.startswith("-"):
                problem = _unhashed(line)
                if problem:
                    out.append(Refused(path, line, *problem))
    for name in EDITABLE_FILES[len(ROOTS) :]:
        path = root / name
        if path.is_file() and path not in seen:
            for line in _initkit.requirement_file_lines(path):
                editable = _not_a_project(root, path, line)
                if editable is not None:
                    out.append(editable)
    return tuple(out)


def corrections(lines: list[Refused]) -> list[Step]:
    """A person's correction of each refused line (a file of requirements is edited by hand,
    or compiled again by the tool that wrote it)."""
    steps: list[Step] = []
    for line in lines:
        if line.instead is not None and line.name:
            steps.append(
                Manual(
                    f"pin and hash {line.line!r} in {line.holder}: {line.instead} (`pip hash` "
                    "of its file; or add it to the .in file and run `pip-compile "
                    "--generate-hashes`)"
                )
            )
        elif line.instead is not None:
            steps.append(Manual(f"change {line.line!r} to {line.instead!r} in {line.holder}"))
        else:
            steps.append(Manual(f"correct or remove {line.line!r} in {line.holder}"))
    return steps


def _unhashed(line: str) -> tuple[str, str | None, str] | None:
    """In hash-checking mode: why the requirement ``line`` is refused (its ``==`` pin or its
    ``--hash`` missing), the line as it should be, its canonical name."""
    text = re.split(r"\s--", line, maxsplit=1)[0].strip()
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return None
    if requirement.url:
        return None
    pinned = [s for s in requirement.specifier if s.operator in ("==", "===")]
    hashed = re.search(r"(^|\s)--hash[=\s]", line) is not None
    lacking = [w for w, missing in (("an == pin", not pinned), ("a --hash", not hashed)) if missing]
    if not lacking:
        return None
    version = pinned[0].version if pinned else "VERSION"
    return (
        f"{text!r} has no {' and no '.join(w.split(' ', 1)[1] for w in lacking)}, in a file in "
        "pip's hash-checking mode (its other requirements carry --hash): pip refuses every "
        'requirement of the file ("Hashes are required in --require-hashes mode")',
        f"{requirement.name}=={version} --hash=sha256:<its sha256>",
        canonicalize_name(requirement.name),
    )


def _unknown_option(line: str) -> tuple[str, str | None] | None:
    """The first option of ``line`` that the environment's pip does not take on a
    requirements-file line (pip parses a line's options with optparse, which also takes an
    unambiguous prefix of a long option), and the line without it."""
    tokens = line.split(" ")
    start = next((i for i, t in enumerate(tokens) if t.startswith("-")), None)
    if start is None:
        return None
    pip = _installed.find("pip")
    try:
        here = Version(pip.version) if pip is not None else None
    except InvalidVersion:
        here = None
    for i, token in enumerate(tokens[start:], start):
        name = token.split("=", 1)[0]
        if not re.fullmatch(r"-[A-Za-z]|--[A-Za-z][\w-]*", name):
            continue
        removed = _REMOVED.get(name)
        if removed is not None and here is not None and here < Version(removed):
            continue
        if name in _TAKEN or (
            name.startswith("--") and len([t for t in _TAKEN if t.startswith(name)]) == 1
        ):
            continue
        # the option's value, when it is the next word, goes with it
        value = 1 if "=" not in token and i + 1 < len(tokens) and tokens[i + 1] else 0
        rest = tokens[:i] + tokens[i + 1 + value :]
        instead = " ".join(t for t in rest if t).strip()
        gone = f"pip {removed} removed it" if removed else "pip has no such option"
        return (
            f"{line!r} carries {name}, which pip {pip.version if pip else ''} does not take on "
            f"a requirements-file line ({gone}; a requirement's line takes --hash and "
            f'--config-settings): pip stops ("no such option: {name}") and installs nothing',
            instead or None,
        )
    return None


def _elsewhere(root: Path, missing: Path) -> Path | None:
    """A file named as ``missing`` in the project (its directory and two levels below it,
    environments and hidden directories aside)."""
    found = []
    for directory, subdirs, files in os.walk(root):
        depth = Path(directory).relative_to(root).parts
        subdirs[:] = (
            [d for d in sorted(subdirs) if d not in _SKIPPED and not d.startswith(".")]
            if len(depth) < 2
            else []
        )
        if missing.name in files:
            found.append(Path(directory) / missing.name)
    return found[0] if len(found) == 1 else None
