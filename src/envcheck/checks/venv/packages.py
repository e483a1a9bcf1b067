"""The venv checks of what is installed: ``lock-drift``, ``package[...]`` and ``consistency``.

Each fix targets the environment the fix can change: when pytest runs from another environment
than the project's Poetry environment, ``poetry install`` or ``poetry add`` change that other one,
so the fix says to run pytest there (``poetry run pytest``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.machinery
import os
import re
import shlex
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from envcheck.checks.venv import diagnose as _diagnose
from envcheck.checks.venv import fixes as _fixes
from envcheck.checks.venv import installed as _installed
from envcheck.checks.venv import integrity as _integrity
from envcheck.checks.venv import managers as _managers
from envcheck.checks.venv import own_install as _own
from envcheck.checks.venv import pipconf as _pipconf
from envcheck.checks.venv import poetry as _poetry
from envcheck.checks.venv import project as _project
from envcheck.checks.venv import reqfiles as _reqfiles
from envcheck.core.fix import Command, Fix, Manual, Step
from envcheck.core.format import listed
from envcheck.core.model import CheckFailed, CheckSkipped, Context, FactValue, Outcome, ok, warn
from envcheck.initkit import venv as _initkit

_PYTHON = ".".join(map(str, sys.version_info[:3]))
_CHANGED = "the environment was changed after `poetry install` (pip install/uninstall, an old env)"
_T = TypeVar("_T")


@dataclass
class _Once:
    """One piece of work the checks of a session share (Poetry's answer, another env's
    packages): the first check that needs it does it, the others wait for its result."""

    config: object  # the session's config: a later session asks again
    done: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None


_once_lock = threading.Lock()
_once: dict[tuple[int, str], _Once] = {}
_ONCE_KEPT = 64


class _OutOfTime(Exception):
    """Another check's share of the work did not finish before this check's deadline."""


def _shared(ctx: Context, key: str, work: Callable[[], _T]) -> _T:
    """``work()``, done once per session for every check that asks with ``key``; a check that
    waits for another's does so only until its own deadline (:class:`_OutOfTime`), so no check
    outlives its timeout because 2,000 others need the same answer."""
    slot = (id(ctx.config), key)
    with _once_lock:
        found = _once.get(slot)
        if found is not None and found.config is not ctx.config:
            found = None  # a config of an ended session whose id was reused
        mine = found is None
        if found is None:
            found = _once[slot] = _Once(ctx.config)
            while len(_once) > _ONCE_KEPT:
                del _once[next(iter(_once))]
    if mine:
        try:
            found.value = work()
        except BaseException as exc:  # noqa: B036 - handed to every check that waits
            found.error = exc
            raise
        finally:
            found.done.set()
        return found.value  # type: ignore[no-any-return]
    if not found.done.wait(max(0.0, ctx.remaining() - 0.25)):
        raise _OutOfTime()
    error = found.error
    if isinstance(error, CheckFailed):  # each check its own exception (raised on its thread)
        raise CheckFailed(error.summary, why=error.why, fix=error.fix, facts=error.facts)
    if error is not None:
        raise error
    return found.value  # type: ignore[no-any-return]


def _env_path(ctx: Context, root: Path) -> Path | None:
    """The project's Poetry environment, asked once per session (:func:`_shared`)."""
    return _shared(ctx, f"env_path:{root}", lambda: _poetry.env_path(ctx, root)[0])


def _env_or_none(ctx: Context, root: Path) -> Path | None:
    try:
        return _env_path(ctx, root)
    except (CheckFailed, _OutOfTime):
        return None


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _satisfies(requirement: Requirement, version: str) -> bool:
    return not requirement.specifier or requirement.specifier.contains(version, prereleases=True)


def in_the_right_env(
    ctx: Context, root: Path, steps: Sequence[Step], text: str = ""
) -> tuple[Fix, str | None]:
    """``steps`` if pytest runs in the project's Poetry environment; else what makes it do so.

    Returns the fix and a why-line about the environment (``None`` when it is the right one).
    """
    shown = text or str(_fixes.make(*steps))
    try:
        expected = _env_path(ctx, root)
    except CheckFailed:
        return _fixes.make(*steps, text=shown), None  # Poetry is missing or broken: its check says
    except _OutOfTime:
        return _fixes.make(*steps, text=shown), (
            "which environment is the project's is not known: Poetry had not answered another "
            "check's `poetry env info --path` when this check's time ran out"
        )
    here = _poetry.running_env()
    if expected is None:
        adds = [s for s in steps if isinstance(s, Command) and "add" in s.argv]
        first = adds or [_fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root))]
        line = " && ".join(shlex.join(s.argv) for s in first)
        return (
            _fixes.make(*first, text=f"cd {shlex.quote(str(root))} && {line} && poetry run pytest"),
            f"Poetry has no environment for this project yet; pytest runs from {here}",
        )
    broken = _diagnose.broken_base(expected)
    if broken is not None:
        failure = _fixes.broken_env(ctx, root, broken, {})
        assert failure.fix is not None
        return failure.fix, failure.summary
    if expected == here:
        return _fixes.make(*steps, text=shown), None
    return (
        _fixes.make(
            *steps, text=text + " && poetry run pytest" if text else None, then="poetry run pytest"
        ),
        f"pytest runs from {here}, not from the project's Poetry environment {expected}",
    )


def lock_drift(ctx: Context) -> Outcome:
    root = _project.where(ctx).root
    lock = (root or ctx.rootdir) / "poetry.lock"
    if root is None or not lock.is_file():
        raise CheckSkipped(f"no poetry.lock in {root or ctx.rootdir} to compare with")
    cache = ctx.config.extra.get("pytest_cache")
    parsed, project = _project.read_lock(lock, cache, ctx), _project.read_project(root)
    installed = _installed.installed()
    groups = project.default_groups
    drift = [
        f"{name} {installed[name].version} installed, lock says {p.version}"
        + _unrecorded(installed[name])[1]
        for name, p in sorted(parsed.packages.items())
        if name in installed and not _same_version(installed[name].version, p.version)
    ]
    # what pip cannot uninstall (Poetry updates with pip), and builds the lock no longer has
    removes: list[Step] = [
        Command(["rm", "-rf", str(info)])
        for name, p in sorted(parsed.packages.items())
        if name in installed
        and not _same_version(installed[name].version, p.version)
        and (info := _unrecorded(installed[name])[0]) is not None
    ]
    stale = _stale_builds(parsed, installed)
    removes += [
        Command([sys.executable, "-m", "pip", "uninstall", "--yes", name]) for name, _ in stale
    ]
    shadowed = [
        (name, entry)
        for name, p in sorted(parsed.packages.items())
        if name in installed
        and not _same_version(installed[name].version, p.version)
        and (entry := _diagnose.on_pythonpath(installed[name].location))
    ]
    if shadowed:
        name, entry = shadowed[0]
        raise CheckFailed(
            f"{installed[name].name} {installed[name].version} is imported from {entry}, a "
            f"directory on PYTHONPATH, not the environment's (poetry.lock says "
            f"{parsed.packages[name].version})",
            why="PYTHONPATH comes before site-packages on sys.path: the application imports "
            "that copy whatever the environment has, and `poetry install` does not change it",
            fix=_fixes.make(
                Manual(f"unset PYTHONPATH (or remove {entry} from it) in this shell"),
                text=f"unset PYTHONPATH   (or remove {entry} from it)",
            ),
            facts={**dict(shadowed)},
        )
    first = [
        (name, found)
        for name, p in sorted(parsed.packages.items())
        if name in installed
        and not _same_version(installed[name].version, p.version)
        and (found := _diagnose.put_first(installed[name].location))
    ]
    if first:
        name, (directory, pth) = first[0]
        dist = installed[name]
        by = (
            f"{pth} runs code at every start that puts {directory} first (site.py runs a .pth "
            "line that starts with `import`; a path line would only be appended)"
            if pth
            else f"something run at start-up (sitecustomize, a .pth import line) put {directory} "
            "there"
        )
        remedy = (
            f"remove the line of {pth} that puts {directory} on sys.path (or the file, if it "
            "holds nothing else)"
            if pth
            else f"find what puts {directory} on sys.path at start-up and remove it"
        )
        raise CheckFailed(
            f"{dist.name} {dist.version} is imported from {directory}, which comes before the "
            f"environment's site-packages on sys.path (poetry.lock says "
            f"{parsed.packages[name].version})",
            why=f"{by}: the application imports that copy whatever the environment has, and "
            "`poetry install` does not change it",
            fix=_fixes.make(Manual(remedy)),
            facts={name: str(directory), "pth": str(pth or "")},
        )
    # the locked version is installed, but an import finds another copy of its code first
    hidden = [
        hiding
        for name, p in sorted(parsed.packages.items())
        if name in installed
        and _same_version(installed[name].version, p.version)
        and (hiding := _shadowed(installed[name]) or _stale_bytecode(installed[name])) is not None
    ]
    if hidden:
        raise hidden[0]
    user = [
        (name, entry)
        for name, p in sorted(parsed.packages.items())
        if name in installed
        and not _same_version(installed[name].version, p.version)
        and (entry := _diagnose.in_user_site(installed[name].location))
    ]
    if user:
        name, entry = user[0]
        install = _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root), *_with(ctx, root))
        fix, where = in_the_right_env(ctx, root, [install])
        why = (
            "the environment's pyvenv.cfg says include-system-site-packages = true, which keeps "
            "the user site (PEP 370) on sys.path after the environment's own site-packages: the "
            f"environment has no {installed[name].name}, so that copy is what imports"
        )
        raise CheckFailed(
            f"{installed[name].name} {installed[name].version} is imported from the user site "
            f"{entry}, not the environment (poetry.lock says {parsed.packages[name].version})",
            why=f"{where}; {why}" if where else why,
            fix=_fixes.make(
                *fix.steps,
                note=f"installs {installed[name].name} {parsed.packages[name].version} into the "
                "environment, which comes before the user site",
            ),
            facts={**dict(user)},
        )
    drift += _vcs_drift(parsed, installed) + [text for _, text in stale]
    absent = [p for name, p in sorted(parsed.packages.items()) if name not in installed]
    missing = [
        f"{p.name} {p.version} ({', '.join(g for g in p.groups if g in groups)})"
        for p in absent
        if p.wanted(groups)
    ]
    unknown = [f"{p.name} {p.version}" for p in absent if p.wanted(groups) is None]
    expected = sum(1 for p in parsed.packages.values() if p.wanted(groups) is not False)
    facts: dict[str, FactValue] = {
        "locked": len(parsed.packages),
        "expected_here": expected,
        "installed_and_locked": len(set(parsed.packages) & set(installed)),
        "groups": sorted(groups),
    }
    counted = f"groups {', '.join(sorted(groups))}"
    if project.optional_groups:
        counted += f"; optional groups not counted: {', '.join(sorted(project.optional_groups))}"
    gone = [p for p in absent if p.wanted(groups) and p.path and not (root / p.path).exists()]
    if gone:
        raise _source_gone(ctx, root, gone, facts)
    changed = [p for p in absent if p.wanted(groups) and _rebuilt(root, p)]
    if changed:
        raise _source_changed(ctx, root, changed, facts)
    if drift or missing:
        problems = drift + [f"{m} is locked but not installed" for m in missing]
        more = f" (+{len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        install = _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root), *_with(ctx, root))
        fix, where = in_the_right_env(ctx, root, [*removes, install])
        why = f"{_whole_groups(parsed, installed, groups, drift, absent) or _CHANGED}; counted: "
        why += f"{counted}, packages whose markers fit this platform"
        raise CheckFailed(
            "; ".join(problems[:_SHOWN]) + more,
            why=f"{where}; {why}" if where else why,
            fix=fix,
            facts={**facts, "drift": drift, "missing": missing},
        )
    if unknown:
        ctx.fact(**facts, not_installed=unknown, lock_version=parsed.version)
        return warn(
            f"{len(unknown)} locked packages are not installed: {listed(unknown, 5)}",
            fix=_fixes.make(
                _fixes.poetry(root, ctx.rootdir, "lock"),
                _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root)),
                note="a current lock file records each package's groups and platform markers",
            ),
        )
    return ok(
        f"{facts['installed_and_locked']} installed packages match poetry.lock "
        f"({expected} expected here: {counted})",
        **facts,
    )


#: the problems a summary names (the facts have every one)
_SHOWN = 5


def _whole_groups(
    parsed: _project.Lock,
    installed: Mapping[str, object],
    groups: Any,
    drift: list[str],
    absent: list[_project.Locked],
) -> str:
    """When nothing drifted and the packages missing are whole groups of the lock (no package
    only in such a group is installed), that is the cause: the environment was installed
    without them, or before poetry.lock had them. "" otherwise."""
    missing = [p for p in absent if p.wanted(groups)]
    if drift or not missing:
        return ""
    whole = sorted({g for p in missing for g in p.groups if g in groups})
    for group in whole:
        if any(
            name in installed
            for name, p in parsed.packages.items()
            if group in p.groups and p.wanted(groups)
        ):
            return ""
    return (
        f"no package of group {', '.join(whole)} is installed: `poetry install` last ran before "
        "poetry.lock had it (a relock since), or without it (--only, --without)"
    )


def _unrecorded(dist: _installed.Dist) -> tuple[Path | None, str]:
    """A ``.dist-info`` without RECORD (PEP 627: an installer that keeps none names itself in
    INSTALLER): pip refuses to uninstall it, so neither pip nor Poetry can update it. Returns
    the directory and what to add to its drift ((None, "") when it has a RECORD)."""
    info = Path(dist.location) if dist.location else None
    if info is None or not info.name.endswith(".dist-info") or (info / "RECORD").exists():
        return None, ""
    try:
        by = (info / "INSTALLER").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        by = ""
    who = f"installed by {by}" if by else "its installer kept no record"
    return info, (
        f" ({info.name} has no RECORD, {who}: pip cannot uninstall it, so `poetry install` "
        "fails on it)"
    )


def _stale_builds(
    parsed: _project.Lock, installed: Mapping[str, _installed.Dist]
) -> list[tuple[str, str]]:
    """Distributions installed from an archive (PEP 610 ``archive_info.hashes``) whose hash is
    none of those poetry.lock records for the same version: the file was built again and
    locked since, and Poetry, seeing the version installed, does not reinstall it."""
    found = []
    for name, locked in sorted(parsed.packages.items()):
        dist = installed.get(name)
        if not locked.hashes or dist is None or not dist.location:
            continue
        if not _same_version(dist.version, locked.version):
            continue  # a drift of its own
        url = _diagnose.direct_url(dist.name, Path(dist.location))
        if url is None or url.kind != "archive" or not url.hashes:
            continue
        kinds = {h.partition(":")[0] for h in locked.hashes}
        if set(url.hashes) & set(locked.hashes) or not any(
            h.partition(":")[0] in kinds for h in url.hashes
        ):
            continue
        file = url.path.name if url.path is not None else url.url
        found.append(
            (
                name,
                f"{name} {dist.version} was installed from a build of {file} whose hash is not "
                "one poetry.lock records for it (built again and locked since: `poetry install` "
                "sees the version installed and keeps the old build)",
            )
        )
    return found


def _source_gone(
    ctx: Context, root: Path, gone: list[_project.Locked], facts: dict[str, FactValue]
) -> CheckFailed:
    """Locked path dependencies that are not installed and whose file or directory is gone:
    ``poetry install`` fails on them, so the fix starts with the path."""
    first = gone[0]
    where = root / first.path
    more = f" (+{len(gone) - 1} more)" if len(gone) > 1 else ""
    install = _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root))
    return CheckFailed(
        f"{first.name} {first.version} is locked but not installed, and poetry.lock installs it "
        f"from {first.path}, which does not exist{more}",
        why=f"poetry.lock's [package.source] for {first.name} is the path {where}; `poetry "
        "install` reads it and fails while it is gone (moved, deleted, or a path of another "
        "machine)",
        fix=_fixes.make(
            Manual(
                f"put {Path(first.path).name} back at {where}, or point {first.name}'s path in "
                "pyproject.toml at where it is now and run `poetry lock`"
            ),
            install,
        ),
        facts={**facts, "source_gone": [p.path for p in gone]},
    )


def _rebuilt(root: Path, locked: _project.Locked) -> bool:
    """A locked path dependency's file whose hash is none poetry.lock records for it (a wheel
    or archive built again under the same name): Poetry refuses to install it."""
    where = root / locked.path
    if not locked.path or not locked.hashes or not where.is_file():
        return False
    try:
        with open(where, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return False
    return f"sha256:{digest}" not in locked.hashes


def _source_changed(
    ctx: Context, root: Path, changed: list[_project.Locked], facts: dict[str, FactValue]
) -> CheckFailed:
    first = changed[0]
    more = f" (+{len(changed) - 1} more)" if len(changed) > 1 else ""
    return CheckFailed(
        f"{first.name} {first.version} is locked but not installed, and the hash of "
        f"{first.path} is not the one poetry.lock records for it{more}",
        why=f"the file was built again under the same name after `poetry lock`; `poetry install` "
        f"checks {Path(first.path).name} against poetry.lock's files and refuses it",
        fix=_fixes.make(
            _fixes.poetry(root, ctx.rootdir, "update", "--lock", *(p.name for p in changed)),
            _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root)),
            # a plain `poetry lock` keeps the hashes it recorded for an unchanged declaration
            note="`poetry update --lock` records the file's new hash",
        ),
        facts={**facts, "source_changed": [p.path for p in changed]},
    )


def _vcs_drift(parsed: _project.Lock, installed: Mapping[str, _installed.Dist]) -> list[str]:
    """A VCS dependency installed at another commit than poetry.lock's ``resolved_reference``
    (PEP 610 ``vcs_info.commit_id``): same version number, other code."""
    found = []
    for name, locked in sorted(parsed.packages.items()):
        dist = installed.get(name)
        if not locked.commit or dist is None or not dist.location:
            continue
        url = _diagnose.direct_url(dist.name, Path(dist.location))
        if url is not None and url.kind == "vcs" and url.commit and url.commit != locked.commit:
            found.append(
                f"{dist.name} {dist.version} installed from commit {url.commit[:12]}, lock says "
                f"{locked.commit[:12]}"
            )
    return found


def _with(ctx: Context, root: Path) -> tuple[str, ...]:
    groups = with_groups(ctx, _installed.installed(), root)
    return ("--with", groups) if groups else ()


def with_groups(ctx: Context, installed: Mapping[str, object], root: Path) -> str:
    """``docs`` for optional groups whose locked packages are installed here (a plain ``poetry
    install``/``sync`` would leave them out or remove them); ``""`` for none."""
    lock = root / "poetry.lock"
    if not lock.is_file():
        return ""
    cache = ctx.config.extra.get("pytest_cache")
    project, parsed = _project.read_project(root), _project.read_lock(lock, cache, ctx)
    groups = {
        g
        for p in parsed.packages.values()
        if p.name in installed
        for g in p.groups
        if g in project.optional_groups
    }
    return ",".join(sorted(groups))


def _moved_away(ctx: Context, root: Path | None, dist: _installed.Dist) -> CheckFailed | None:
    """An editable (or path) install whose directory is gone: the metadata is still there, the
    code is not (``import`` fails)."""
    if not dist.location:
        return None
    url = _diagnose.direct_url(dist.name, Path(dist.location))
    if url is None or url.kind != "dir" or not url.editable or url.path is None:
        return _hook_gone(dist)
    hooks = _integrity.path_hooks(Path(dist.location))
    reached = [d for h in hooks for d in h.directories if d.is_dir()]
    if not reached and not any(h.imports for h in hooks):
        indented = _indented_hook(dist, hooks)
        if indented is not None:
            return indented
    hidden = [h for h in hooks if h.hidden is not None and h.hidden.is_dir()]
    if url.path.is_dir() and hidden and not reached and not any(h.imports for h in hooks):
        hook = hidden[0]
        strip = "import pathlib, sys; p = pathlib.Path(sys.argv[1]); "
        strip += "p.write_bytes(p.read_bytes().removeprefix(b'\\xef\\xbb\\xbf'))"
        return CheckFailed(
            f"{dist.name} {dist.version} is installed editable from {url.path}, but its path "
            f"hook {hook.file.name} starts with a UTF-8 byte-order mark (BOM), so site.py skips "
            f"its line naming {hook.hidden}",
            why=f"site.py of Python {sys.version_info[0]}.{sys.version_info[1]} reads {hook.file} "
            "as UTF-8 and keeps the BOM (3.13 and later remove it): the line is read as "
            f"'\\ufeff{hook.hidden}', a path that is not there, and skipped without a word; "
            f"the directory exists, but `import` of {dist.name}'s modules fails (an editor "
            "that saved the file with a BOM)",
            fix=_fixes.make(
                Command([sys.executable, "-c", strip, str(hook.file)]),
                note="removes the BOM; the next start of Python adds the directory",
            ),
            facts={"version": dist.version, "url": url.url, "pth": str(hook.file)},
        )
    if url.path.is_dir() and hooks and not reached and not any(h.imports for h in hooks):
        hook = hooks[0]
        named = ", ".join(str(d) for d in hook.directories)
        what = f"names {named}, which no longer exists" if named else "names no directory"
        return CheckFailed(
            f"{dist.name} {dist.version} is installed editable from {url.path}, but its path "
            f"hook {hook.file.name} {what}",
            why=f"{hook.file} (PEP 660, listed in its RECORD) is what puts the project's code on "
            "sys.path (site.py adds each existing directory a .pth line names and skips the "
            f"others without a word), so `import` of {dist.name}'s modules fails: the project's "
            "layout changed since the editable install, or the file was edited",
            fix=_editable_again(ctx, root, dist.name, url.path),
            facts={"version": dist.version, "url": url.url, "pth": str(hook.file)},
        )
    if not url.path.is_dir() and reached:
        return None  # the path hook still reaches the code: local-installs notes the record
    if url.path.is_dir() and reached:
        inside = _moved_inside(ctx, root, dist, url.path)
        if inside is not None:
            return inside
    if url.path.is_dir():
        unmapped = _integrity.unmapped(Path(dist.location))
        if unmapped is None:
            return None
        module, mapped, finder = unmapped
        return CheckFailed(
            f"{dist.name} {dist.version} is installed editable from {url.path}, but its import "
            f"hook maps {module} to {mapped}, which no longer exists",
            why=f"{finder} (PEP 660, listed in its RECORD) finds {module} only there, so `import "
            f"{module}` fails: the project's layout changed since the editable install",
            fix=_fixes.make(
                Command([sys.executable, "-m", "pip", "install", "-e", str(url.path)]),
                note="the editable install is made again for the project's layout",
            ),
            facts={"version": dist.version, "url": url.url, "mapped": mapped},
        )
    return CheckFailed(
        f"{dist.name} {dist.version} is installed editable from {url.path}, which no longer "
        "exists",
        why=f"its direct_url.json (PEP 610) points there: the metadata is installed, the code "
        f"is not, so `import {dist.name.replace('-', '_')}` fails",
        fix=_path_fix(ctx, root, dist.name, url.path),
        facts={"version": dist.version, "url": url.url},
    )


def _moved_inside(
    ctx: Context, root: Path | None, dist: _installed.Dist, source: Path
) -> CheckFailed | None:
    """An editable install whose path hook still names its project's directory, where its
    package no longer is: moved inside the project since (to ``src/``, which poetry-core finds
    by itself, so neither the project's pyproject.toml nor poetry.lock changed)."""
    if root is not None and source.resolve() == root.resolve():
        return None  # the project itself: venv/project judges its own install
    try:
        data = _project.document(source)
    except ValueError:
        return None
    info = Path(dist.location)
    modules = _project.root_modules(data, canonicalize_name(dist.name))
    away = _own.unreached(info, source, modules, data)
    if away is None:
        return None
    names = ", ".join(str(d) for d in away.names)
    remove = Command(["rm", "-rf", str(info), str(away.hook)])
    if root is not None and ctx.section.poetry and _locked_version(ctx, root, dist.name):
        install = _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root))
        right, _ = in_the_right_env(ctx, root, [remove, install])
        fix = _fixes.make(
            *right.steps,
            note=f"Poetry keeps an installed {dist.name} of the locked version ('Already "
            "installed'): with its record removed it installs it again, editable, and its path "
            f"hook then names the directory {away.module} is in",
        )
    else:
        fix = _editable_again(ctx, root, dist.name, source)
    return CheckFailed(
        f"{dist.name} {dist.version} is installed editable from {source}, but `import "
        f"{away.module}` fails: its path hook {away.hook.name} names {names}, which holds no "
        f"{away.module}",
        why=f"{away.module} is at {away.now} now; the editable install (PEP 660) wrote "
        f"{away.hook} naming the directory its package was in then, and only a new install of "
        f"{dist.name} writes it again (its layout is no part of its metadata or of a lock, so "
        "an install that finds the same version installed leaves it)",
        fix=fix,
        facts={"version": dist.version, "hook": str(away.hook), "now": str(away.now)},
    )


def _source_requires_more(
    ctx: Context, root: Path | None, dist: _installed.Dist
) -> CheckFailed | None:
    """An editable install (PEP 610 ``dir_info.editable``, PEP 660) whose project's
    pyproject.toml now requires what its installed METADATA does not list and what is not
    installed (or not at a version it allows): the metadata was written when it was installed,
    so nothing installed the new requirement and ``pip check`` cannot see it; the code, read
    from the project's directory, imports it."""
    if not dist.location:
        return None
    url = _diagnose.direct_url(dist.name, Path(dist.location))
    if url is None or url.kind != "dir" or not url.editable or url.path is None:
        return None
    if root is not None and url.path.resolve() == root.resolve():
        return None  # the project itself: its own requirements are checked one by one
    try:
        project = _project.document(url.path).get("project") or {}
    except ValueError:
        return None
    texts = project.get("dependencies") if isinstance(project, dict) else None
    if not isinstance(texts, list) or "dependencies" in (project.get("dynamic") or ()):
        return None
    listed = set()
    for text in dist.requires:
        try:
            listed.add(canonicalize_name(Requirement(text).name))
        except InvalidRequirement:
            continue
    unmet: list[tuple[Requirement, str]] = []
    for text in texts:
        try:
            needed = Requirement(str(text))
        except InvalidRequirement:
            continue  # the project's own error: pip says it when installing it
        name = canonicalize_name(needed.name)
        if name in listed or name == canonicalize_name(dist.name):
            continue
        if needed.marker is not None and not needed.marker.evaluate({"extra": ""}):
            continue
        there = _installed.find(name)
        if there is None:
            unmet.append((needed, "which is not installed"))
        elif not _satisfies(needed, there.version):
            unmet.append((needed, f"while {there.version} is installed"))
    if not unmet:
        return None
    pyproject = url.path / "pyproject.toml"
    shown = "; ".join(f"{req} ({what})" for req, what in unmet)
    module = dist.name.replace("-", "_")
    if root is not None and ctx.section.poetry and _locked_version(ctx, root, dist.name):
        steps = [
            _fixes.poetry(root, ctx.rootdir, "lock"),
            _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root)),
        ]
        fix, _ = in_the_right_env(ctx, root, steps)
        fix = _fixes.make(
            *fix.steps, note=f"Poetry locks what {dist.name}'s pyproject.toml requires now"
        )
    else:
        env, said = _pipconf.overrides()
        again = _fixes.pip_install("-e", str(url.path), env=env)
        fix = _fixes.make(
            again,
            note="installs it editable again: pip reads its pyproject.toml and installs what "
            "it requires now" + (f"; {said}" if said else ""),
        )
    return CheckFailed(
        f"{dist.name} {dist.version} is installed editable from {url.path}, whose "
        f"pyproject.toml now requires {shown}; its installed metadata does not list "
        f"{'it' if len(unmet) == 1 else 'them'}",
        why=f"an editable install's metadata (METADATA Requires-Dist, PEP 660) is written when "
        f"it is installed: what {pyproject} declares since was installed by nothing, and `pip "
        f"check` compares only that metadata; the code runs from {url.path}, so `import "
        f"{module}` fails where it imports {unmet[0][0].name}",
        fix=fix,
        facts={"version": dist.version, "url": url.url, "unmet": [str(r) for r, _ in unmet]},
    )


def _hook_gone(dist: _installed.Dist) -> CheckFailed | None:
    """A distribution whose code only a hook reaches (an editable wheel, PEP 660, however it
    was installed: no ``direct_url.json`` saying so is needed) where that hook names nothing:
    a finder whose ``MAPPING`` names a path that does not exist, or ``.pth`` path lines none
    of whose directories exist while RECORD installed no module of its own."""
    info = Path(dist.location)
    unmapped = _integrity.unmapped(info)
    python = shlex.quote(sys.executable)
    if unmapped is not None:
        module, mapped, finder = unmapped
        return CheckFailed(
            f"{dist.name} {dist.version} is installed, but its import hook {finder} maps "
            f"{module} to {mapped}, which no longer exists",
            why=f"{info.parent / finder} (an editable install's finder, PEP 660, listed in "
            f"{info.name}/RECORD) finds {module} only there, so `import {module}` fails: the "
            "project was moved or its layout changed since the editable install",
            fix=_fixes.make(
                Manual(
                    f"move the project back so that {mapped} exists, or install {dist.name} "
                    f"again from where it is now: {python} -m pip install -e <its directory>"
                )
            ),
            facts={"version": dist.version, "mapped": mapped, "finder": finder},
        )
    hooks = _integrity.path_hooks(info)
    named = [d for h in hooks for d in h.directories]
    if not any(d.is_dir() for d in named) and not any(h.imports for h in hooks):
        if not _integrity.installs_modules(info):
            indented = _indented_hook(dist, hooks)
            if indented is not None:
                return indented
    if (
        not named
        or any(h.imports for h in hooks)
        or any(d.is_dir() for d in named)
        or _integrity.installs_modules(info)
    ):
        return None
    hook = next(h for h in hooks if h.directories)
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but its path hook {hook.file.name} names "
        f"{hook.directories[0]}, which no longer exists",
        why=f"{hook.file} (listed in {info.name}/RECORD) is what puts {dist.name}'s code on "
        "sys.path (an editable install, PEP 660): site.py adds each existing directory a .pth "
        "line names and skips the others without a word, and RECORD installed no module of "
        f"its own, so `import` of {dist.name}'s modules fails: the project was moved",
        fix=_fixes.make(
            Manual(
                f"move the project back so that {hook.directories[0]} exists, or install "
                f"{dist.name} again from where it is now: {python} -m pip install -e "
                "<its directory>"
            )
        ),
        facts={"version": dist.version, "pth": str(hook.file)},
    )


def _indented_hook(dist: _installed.Dist, hooks: list[_integrity.PathHook]) -> CheckFailed | None:
    """A path hook (``.pth``, listed in RECORD) whose path line starts with blanks, and names
    an existing directory only without them: site.py skips it."""
    hook = next((h for h in hooks if h.indented is not None), None)
    record = Path(dist.location) / "RECORD"
    if hook is None:
        line = next((h for h in hooks if h.indented_import is not None), None)
        if line is None or line.indented_import is None:
            return None
        return CheckFailed(
            f"{dist.name} {dist.version} is installed, but the import line of its hook "
            f"{line.file.name} starts with leading blanks, so site.py never runs it and "
            f"`import` of {dist.name}'s modules fails",
            why=f"site.py runs a .pth line as code only when `import` is its first word at its "
            "first character; with blanks before it the line is a path, joined to the site "
            f"directory ({line.file.parent}), that is not there, and is skipped without a "
            f"word; {line.file} (listed in {Path(dist.location).name}/RECORD) is the "
            f"distribution's only way to its code (`{line.indented_import[:60]}`)",
            fix=_fixes.make(
                Command([sys.executable, "-c", _UNINDENT, str(line.file), str(record)]),
                note=f"removes the leading blanks of {line.file.name}'s lines and writes its "
                "new hash and size in RECORD (pip uninstalls it as it is then); the next start "
                "of Python runs the line",
            ),
            facts={"version": dist.version, "pth": str(line.file)},
        )
    if hook.indented is None:
        return None
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but its path hook {hook.file.name} names "
        f"{hook.indented} with leading blanks, so site.py skips the line and `import` of "
        f"{dist.name}'s modules fails",
        why=f"site.py strips only the end of a .pth path line and joins the rest to the site "
        f"directory ({hook.file.parent}): the blanks make it a relative path that is not "
        f"there, which is skipped without a word; {hook.indented} exists, and {hook.file} "
        f"(listed in {Path(dist.location).name}/RECORD) is what puts it on sys.path",
        fix=_fixes.make(
            Command([sys.executable, "-c", _UNINDENT, str(hook.file), str(record)]),
            note=f"removes the leading blanks of {hook.file.name}'s lines and writes its new "
            "hash and size in RECORD (pip uninstalls it as it is then); the next start of "
            "Python adds the directory",
        ),
        facts={"version": dist.version, "pth": str(hook.file), "names": str(hook.indented)},
    )


#: ``python -c`` with a ``.pth`` file and its distribution's RECORD: the file's lines without
#: their leading blanks, and its RECORD row with the new ``sha256`` and size (PEP 376)
_UNINDENT = (
    "import base64, csv, hashlib, io, pathlib, sys; p, r = map(pathlib.Path, sys.argv[1:3]); "
    "d = ''.join(l.lstrip(' \\t') for l in p.read_text().splitlines(True)).encode(); "
    "p.write_bytes(d); h = 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(d).digest())"
    ".rstrip(b'=').decode(); rows = [[w[0], h, str(len(d))] if w and w[0] == p.name else w "
    "for w in csv.reader(io.StringIO(r.read_text()))]; o = io.StringIO(); "
    "csv.writer(o, lineterminator='\\n').writerows(rows); r.write_text(o.getvalue())"
)


def _editable_again(ctx: Context, root: Path | None, name: str, source: Path) -> Fix:
    """Make the editable install of ``name`` from ``source`` again: Poetry sees the version
    installed and keeps it, so pip removes it first."""
    uninstall = Command([sys.executable, "-m", "pip", "uninstall", "--yes", name])
    if root is not None and ctx.section.poetry and _locked_version(ctx, root, name):
        install = _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root))
        fix, _ = in_the_right_env(ctx, root, [uninstall, install])
        return _fixes.make(*fix.steps, note=f"Poetry then installs {name} editable again")
    again = Command([sys.executable, "-m", "pip", "install", "-e", str(source)])
    return _fixes.make(uninstall, again)


def _reinstalled(ctx: Context, root: Path | None, dist: _installed.Dist) -> Fix:
    """Remove ``dist`` with pip and install it again (from poetry.lock in a Poetry project that
    locks it, else this interpreter's pip)."""
    uninstall = Command([sys.executable, "-m", "pip", "uninstall", "--yes", dist.name])
    if root is not None and ctx.section.poetry and _locked_version(ctx, root, dist.name):
        install = _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root))
        fix, _ = in_the_right_env(ctx, root, [uninstall, install])
        return _fixes.make(*fix.steps, note=f"Poetry then installs {dist.name} again")
    steps, note = _fixes.pip_steps(f"{dist.name}=={dist.version}", root or ctx.rootdir)
    return _fixes.make(uninstall, *steps, note=note)


def _another_release(
    ctx: Context, root: Path | None, dist: _installed.Dist, wanted: Requirement | None = None
) -> Fix:
    """Remove ``dist`` and install a release other than the installed one (which pip 24.1 and
    later refuse: its metadata is not valid), within ``wanted``'s specifier; in a Poetry project
    that locks it, Poetry's install (its lock names the release)."""
    if root is not None and ctx.section.poetry and _locked_version(ctx, root, dist.name):
        return _reinstalled(ctx, root, dist)
    uninstall = Command([sys.executable, "-m", "pip", "uninstall", "--yes", dist.name])
    spec = ",".join(filter(None, [str(wanted.specifier) if wanted else "", f"!={dist.version}"]))
    steps, note = _fixes.pip_steps(f"{dist.name}{spec}", root or ctx.rootdir)
    return _fixes.make(uninstall, *steps, note=note)


def _requires_unreadable(
    ctx: Context, root: Path | None, dist: _installed.Dist, req: Requirement
) -> CheckFailed | None:
    """A ``Requires-Dist`` of ``dist`` that is no PEP 508 requirement (core metadata), as pip
    before 24.1 installed it: pip 24.1 and later cannot process the distribution (``pip
    check`` only warns, an upgrade stops), and nothing knows what it needs."""
    bad = next((line for line in dist.requires if _invalid(line)), None)
    if bad is None:
        return None
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but its METADATA says Requires-Dist: {bad}, "
        "which is not a PEP 508 requirement",
        why="core metadata's Requires-Dist is a PEP 508 requirement; pip before 24.1 installed "
        "this one, pip 24.1 and later refuse to process it (`pip check` warns and skips it, an "
        "upgrade or reinstall of this release stops: invalid metadata), so what it needs is "
        "checked by no tool; another release, whose metadata is valid, is installed instead",
        fix=_another_release(ctx, root, dist, req),
        facts={"version": dist.version, "requires_dist": bad},
    )


def _bad_direct_url(ctx: Context, root: Path | None, dist: _installed.Dist) -> CheckFailed | None:
    """A ``direct_url.json`` (PEP 610) without a field it requires, or no JSON object: Poetry
    reads every installed distribution's when it compares the environment with poetry.lock."""
    if not dist.location:
        return None
    url = _diagnose.direct_url(dist.name, Path(dist.location))
    if url is None or url.kind != "invalid" or not url.fatal:
        return None
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but its direct_url.json is not what PEP 610 "
        f"describes: {url.problem}",
        why="PEP 610 records where a distribution came from (url and one of dir_info, "
        "archive_info, vcs_info with its vcs and commit_id); Poetry reads every installed "
        "distribution's when it compares the environment with poetry.lock, and `poetry install` "
        "stops on this one, for every package",
        fix=_reinstalled(ctx, root, dist),
        facts={"version": dist.version},
    )


def _entry_point_gone(ctx: Context, root: Path | None, dist: _installed.Dist) -> CheckFailed | None:
    """An entry point (``entry_points.txt``) whose module the import system does not find: its
    console script or plugin fails when it is loaded."""
    found = _integrity.unresolved_entry_point(Path(dist.location)) if dist.location else None
    if found is None:
        return None
    group, name, value, module = found
    url = _diagnose.direct_url(dist.name, Path(dist.location))
    editable = url is not None and url.kind == "dir" and url.editable and url.path is not None
    if editable and url is not None and url.path is not None:
        fix = _fixes.make(
            Manual(
                f"put {module} back in {url.path} (or correct {name}'s entry point in its "
                "pyproject.toml and install it again)"
            )
        )
    else:
        fix = _reinstalled(ctx, root, dist)
    info = Path(dist.location).name
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but its entry point {name} ({group}) names "
        f"{module}, which import does not find",
        why=f"{info}/entry_points.txt says {name} = {value} (the entry points specification); "
        f"its console script and whatever loads the {group} group import {module} and fail",
        fix=fix,
        facts={"version": dist.version, "entry_point": f"{name} = {value}"},
    )


def _entry_attr_undefined(
    ctx: Context, root: Path | None, dist: _installed.Dist
) -> CheckFailed | None:
    """An entry point (``entry_points.txt``) whose module is there but does not define the
    attribute it names: its console script or plugin fails when it is loaded."""
    found = _integrity.undefined_entry_attr(Path(dist.location)) if dist.location else None
    if found is None:
        return None
    group, name, value, attr, origin = found
    info = Path(dist.location).name
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but its entry point {name} ({group}) names "
        f"{attr}, which {origin} does not define",
        why=f"{info}/entry_points.txt says {name} = {value} (the entry points specification: "
        f"module:attr); the module is there and defines no {attr} at its top level, so the "
        f"console script an installer writes from it, and whatever loads the {group} group, "
        "fail with ImportError or AttributeError",
        fix=_reinstalled(ctx, root, dist),
        facts={"version": dist.version, "entry_point": f"{name} = {value}", "module": origin},
    )


def _script_broken(ctx: Context, root: Path | None, dist: _installed.Dist) -> CheckFailed | None:
    """Scripts of ``dist`` that are there and cannot be started (read from the files: their
    mode, their ``#!`` line, where their link leads). Only the execute bit lost is fixed with
    ``chmod``; any other damage by installing the distribution again, which writes its scripts
    for this environment's Python."""
    found = _integrity.script_problems(Path(dist.location)) if dist.location else []
    if not found:
        return None
    first = found[0]
    paths = [p.path for p in found]
    if all(p.kind == "not-executable" for p in found):
        return CheckFailed(
            f"{dist.name} {dist.version} is installed, but its script {listed(paths, 3)} cannot "
            "be started: not executable (no execute bit)",
            why="the file pip wrote is there, but " + first.why,
            fix=_fixes.make(Command(["chmod", "+x", *paths])),
            facts={"version": dist.version, "not_executable": paths},
        )
    more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
    own = _wheel_scripts(dist, [p.path for p in found if p.kind == "interpreter"])
    if own and first.path in own:
        python = sys.executable
        return CheckFailed(
            f"{dist.name} {dist.version} is installed, but its script {first.path} cannot be "
            f"started: {first.what}{more}",
            why="exec fails (ENOENT: its #! interpreter does not exist); it is one of the "
            "wheel's own scripts (its .data/scripts: "
            "RECORD lists it, entry_points.txt names no such script), and an installer "
            "rewrites such a script's #! line only when it says exactly #!python, else copies "
            "it as it is (Binary distribution format), so installing it again may write the "
            "same line; rewriting the line for this environment's Python mends it either way",
            fix=_fixes.make(
                *(Command(["sed", "-i", f"1s|^#!.*|#!{python}|", path]) for path in own)
            ),
            facts={"version": dist.version, "script": first.path, "problem": "wheel-shebang"},
        )
    fix = _reinstalled(ctx, root, dist)
    # pip's uninstall leaves a link whose target is gone, and the installer writes through it
    dangling = [p.path for p in found if p.kind == "dangling"]
    links = [Command(["rm", "-f", *dangling])] if dangling else []
    made = _diagnose.made_at(Path(sys.prefix)) if first.kind == "interpreter" else None
    moved = (
        f"; this environment was made at {made} and moved since, so every script it holds "
        "names that place's Python (venv/virtualenv shows how to make it again)"
        if made is not None and not made.exists() and str(made) in first.what
        else ""
    )
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but its script {first.path} cannot be "
        f"started: {first.what}{more}",
        why=f"{first.why}; {Path(dist.location).name}/RECORD lists it as a script the "
        "installer wrote (from entry_points.txt or the wheel's scripts), which only writing "
        f"it again for this environment's Python mends{moved}",
        fix=_fixes.make(*links, *_reinstalled(ctx, root, dist).steps) if links else fix,
        facts={"version": dist.version, "script": first.path, "problem": first.kind},
    )


def _wheel_scripts(dist: _installed.Dist, paths: list[str]) -> list[str]:
    """Those of ``paths`` (scripts of ``dist`` whose ``#!`` interpreter does not exist, not
    behind a ``/bin/sh`` trampoline, which only an installer writes) that are no console or GUI
    script of its ``entry_points.txt``: the wheel's own ``.data/scripts``."""
    import importlib.metadata

    from envcheck.core import exec as _exec

    if not paths or not dist.location:
        return []
    try:
        points = importlib.metadata.PathDistribution(Path(dist.location)).entry_points
        named = {e.name for e in points if e.group in ("console_scripts", "gui_scripts")}
    except (OSError, ValueError):
        return []
    own = []
    for path in paths:
        shebang = _exec.read_shebang(path)
        if shebang is None or _diagnose._trampoline(Path(path), shebang) is not None:
            continue
        if Path(path).name not in named:
            own.append(path)
    return own


def _library_missing(dist: _installed.Dist) -> CheckFailed | None:
    """A compiled module of ``dist`` that does not load: a shared library it needs is found in
    none of the places the dynamic loader looks (removed or upgraded, or never installed on
    this machine: a build made elsewhere, a container's runtime stage)."""
    from envcheck.checks.venv import native as _native

    found = _native.unresolved(Path(dist.location)) if dist.location else None
    if found is None:
        return None
    others = f"; there now: {', '.join(found.others)}" if found.others else ""
    why = (
        f"{found.file} needs {found.library} (its ELF DT_NEEDED), which the dynamic loader "
        f"finds in none of {listed(list(found.searched), 4)}, LD_LIBRARY_PATH or "
        f"/etc/ld.so.cache{others}: `import` of that module fails (ImportError), while "
        f"{dist.name}'s metadata and files are intact, so reinstalling the same build changes "
        "nothing"
    )
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but its compiled module needs "
        f"{found.library}, which is not on this machine",
        why=why,
        fix=_fixes.make(
            Manual(
                f"install the system package that provides {found.library} (apt-file search "
                f"{found.library}; dnf provides '*/{found.library}'), or build {dist.name} "
                f"against the library there is: {sys.executable} -m pip install "
                f"--force-reinstall --no-binary {dist.name} {dist.name}=={dist.version}"
            )
        ),
        facts={"version": dist.version, "library": found.library, "file": found.file},
    )


def _path_fix(ctx: Context, root: Path | None, name: str, gone: Path) -> Fix:
    """Put the path dependency ``name`` back: reinstall from where pyproject.toml now says it
    is, or (it says the old place too) move it back or name the new place first."""
    canonical = canonicalize_name(name)
    declared = _project.declared_path(root, canonical) if root is not None else None
    if root is None or not ctx.section.poetry:
        return _fixes.make(
            Manual(f"move {name} back to {gone}, or reinstall it from where it is now"),
            text=f"move {name} back to {gone}, or: {shlex.quote(sys.executable)} -m pip install "
            f"-e /new/path/to/{name}",
        )
    lock = _fixes.poetry(root, ctx.rootdir, "lock")
    install = _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root))
    if declared is not None and declared[1].exists() and declared[1] != gone:
        return _fixes.make(lock, install)
    key = declared[0] if declared else f"tool.poetry.dependencies.{name}.path"
    manual = Manual(f"move {name} back to {gone}, or set {key} in pyproject.toml to where it is")
    return _fixes.make(
        manual,
        lock,
        install,
        text=f"move {name} back to {gone}, or set {key} in pyproject.toml to where it is now, "
        "then: poetry lock && poetry install",
    )


def _python_excluded(dist: _installed.Dist) -> CheckFailed | None:
    """An installed distribution whose ``Requires-Python`` (METADATA) excludes this Python: pip
    installs it here only with ``--ignore-requires-python`` (or it was copied from elsewhere)."""
    if not dist.requires_python:
        return None
    try:
        allowed = SpecifierSet(dist.requires_python)
    except InvalidSpecifier:
        return None
    if allowed.contains(_PYTHON, prereleases=True):
        return None
    info = Path(dist.location).name if dist.location else dist.name
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but it requires Python "
        f"{dist.requires_python}: this is Python {_PYTHON}",
        why=f"{info}/METADATA says Requires-Python: {dist.requires_python}; pip refuses to "
        "install it for this Python unless told --ignore-requires-python (or it came with "
        "another environment's files), and it may use what this Python lacks",
        fix=_fixes.make(
            Manual(
                f"install a version of {dist.name} whose Requires-Python allows Python "
                f"{_PYTHON}, or run on a Python that {dist.requires_python} allows"
            )
        ),
        facts={"version": dist.version, "requires_python": dist.requires_python},
    )


def _not_editable(ctx: Context, root: Path | None, dist: _installed.Dist) -> CheckFailed | None:
    """A path dependency Poetry installs editable (``develop = true``) that is installed as a
    copy (PEP 610: no ``dir_info`` with ``editable: true``): edits to its source are not seen."""
    if root is None or not ctx.section.poetry:
        return None
    source = _project.declared_develop(root, canonicalize_name(dist.name))
    if source is None or not source.is_dir():
        return None
    url = _diagnose.direct_url(dist.name, Path(dist.location)) if dist.location else None
    if url is None or url.kind == "invalid" or (url.kind == "dir" and url.editable):
        return None  # no PEP 610 record (an installer before it): not known to be a copy
    how = f"from {url.url}" if url.url else "without a direct_url.json"
    uninstall = Command([sys.executable, "-m", "pip", "uninstall", "--yes", dist.name])
    install = _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root))
    fix, where = in_the_right_env(ctx, root, [uninstall, install])
    why = (
        f"pyproject.toml declares {dist.name} with develop = true, so Poetry installs it "
        f"editable (PEP 610 dir_info editable) and {source} is what imports; this copy ({how}: "
        "a pip install or a wheel replaced the editable install) does not see edits there"
    )
    return CheckFailed(
        f"{dist.name} {dist.version} is installed as a copy, not editable from {source}",
        why=f"{where}; {why}" if where else why,
        fix=_fixes.make(*fix.steps, note=f"Poetry then installs {dist.name} editable again"),
        facts={"version": dist.version},
    )


def _candidates(specifiers: SpecifierSet) -> list[Version]:
    """Versions that together meet every interval a set of comparisons allows: each version
    the clauses name, one just above it and one just below it (PEP 440's release segments:
    ``V.0.0.0.1``; the last nonzero segment less one, then ``.999999``), and the extremes."""
    out = [Version("0"), Version("999999")]
    for clause in specifiers:
        try:
            named = Version(clause.version.removesuffix(".*"))
        except InvalidVersion:
            continue
        release = named.release
        out += [named, Version(".".join(map(str, (*release, 0, 0, 0, 1))))]
        lowered = list(release)
        while lowered and lowered[-1] == 0:
            lowered.pop()
        if lowered:
            lowered[-1] -= 1
            out.append(Version(".".join(map(str, (*lowered, 999999)))))
    return out


def _requirements_clash(root: Path | None, name: str, dist: Any) -> CheckFailed | None:
    """The project's own ``[project] dependencies`` on ``name`` that apply here and that no
    version meets together (pip: ``ResolutionImpossible`` whatever is installed; a merge that
    kept two lines): an edit of pyproject.toml, never a ``pip install`` of one of them."""
    if root is None:
        return None
    try:
        data = _project.document(root)
    except ValueError:
        return None
    listed_ = (data.get("project") or {}).get("dependencies")
    if not isinstance(listed_, list):
        return None
    mine: list[Requirement] = []
    for text in listed_:
        try:
            requirement = Requirement(str(text))
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) != name or requirement.url:
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        mine.append(requirement)
    if len(mine) < 2 or not all(r.specifier for r in mine):
        return None
    together = SpecifierSet(",".join(str(r.specifier) for r in mine))
    if any(together.contains(v, prereleases=True) for v in _candidates(together)):
        return None
    pyproject = root / "pyproject.toml"
    said = " and ".join(str(r) for r in mine)
    return CheckFailed(
        f"{pyproject} requires {said} in [project] dependencies: no version of {mine[0].name} "
        "meets them together"
        + (f" ({mine[0].name} {dist.version} is installed)" if dist is not None else ""),
        why="all of a project's requirements on one name apply together (PEP 508 and PEP 440; "
        "pip's resolver: ResolutionImpossible), so installing the project fails whatever the "
        "environment has, and installing one of them breaks the other (a merge that kept both "
        "lines, or a bound raised in one place only)",
        fix=_fixes.make(
            Manual(
                f"keep one requirement on {mine[0].name} in [project] dependencies of "
                f"{pyproject} (the range the project works with), then install the project again"
            )
        ),
        facts={"requirements": said},
    )


def package(requirement: str, dev: bool, ctx: Context) -> Outcome:
    req = Requirement(requirement)
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        return ok(
            f"{req.name} is not needed here: its marker {req.marker} is false (Python "
            f"{_PYTHON} on {sys.platform})",
            marker=str(req.marker),
        )
    name = canonicalize_name(req.name)
    dist = _installed.find(name)
    root = _project.where(ctx).root
    clash = _requirements_clash(root, name, dist)
    if clash is not None:
        raise clash
    hurt = (
        _integrity.unreadable(name)
        if dist is None
        else _integrity.damage(dist, _locked_version(ctx, root, name))
    )
    works = dist is not None and _satisfies(req, dist.version)
    if hurt is not None and not (hurt.usable and works):
        raise CheckFailed(hurt.summary, why=hurt.why, fix=_reinstall(ctx, root, name, hurt))
    if dist is not None and _satisfies(req, dist.version):
        gone = _moved_away(ctx, root, dist) or _python_excluded(dist)
        gone = gone or _requires_unreadable(ctx, root, dist, req)
        gone = gone or _source_requires_more(ctx, root, dist)
        gone = gone or _foreign_build(ctx, root, dist) or _not_editable(ctx, root, dist)
        gone = gone or _shadowed(dist) or _hidden_in_site(ctx, root, dist)
        gone = gone or _stale_bytecode(dist) or _unprovided_import(dist)
        gone = gone or _portion_shadowed(ctx, root, dist) or _unpacked(ctx, root, dist)
        gone = (
            gone or _bad_direct_url(ctx, root, dist) or _other_reference(ctx, root, req, dev, dist)
        )
        gone = gone or _entry_point_gone(ctx, root, dist)
        gone = gone or _entry_attr_undefined(ctx, root, dist)
        gone = gone or _script_broken(ctx, root, dist) or _library_missing(dist)
        if gone is not None:
            raise gone
        if hurt is not None:
            ctx.fact(version=dist.version)
            return warn(hurt.summary, why=hurt.why, fix=_reinstall(ctx, root, name, hurt))
        unknown = _unknown_extras(req, dist)
        if unknown:
            ctx.fact(version=dist.version)
            return warn(unknown[0], why=unknown[1], fix=unknown[2])
        lacking = _extras_unmet(req, dist)
        if lacking:
            ctx.fact(version=dist.version)
            raise _extras_failed(ctx, root, req, dev, dist, lacking)
        return ok(f"{req.name} {dist.version}", version=dist.version)
    if dist is None and root is not None:
        where = _project.read_project(root).elsewhere.get(name)
        if where:
            return warn(
                f"{req.name} is not installed: {root / 'pyproject.toml'} declares it only with "
                f"{where}",
                why=f"that does not hold here (Python {_PYTHON} on {sys.platform}), so Poetry "
                "neither locks nor installs it for this environment",
                fix=_fixes.make(
                    Manual(
                        f"if {req.name} is needed here, change that condition in pyproject.toml; "
                        "else remove it from the packages of [tool.envcheck.venv]"
                    )
                ),
            )
    if dist is None:
        linked = _egg_link_gone(ctx, root, req.name)
        if linked is not None:
            raise linked
        summary, facts = f"{req.name} is not installed", {}
    else:
        summary = f"{req.name} {dist.version} is installed, but {requirement} is required"
        facts = {"version": dist.version}
    rule = _pep440_rule(req, dist.version) if dist is not None else ""
    if not ctx.section.poetry or root is None:
        origin = _main_origin(root, req.name)
        why = f"the project requires {requirement}" + (f" ({origin})" if origin else "")
        why += f"; {rule}" if rule else ""
        if ctx.section.poetry:
            why += f" (no Poetry project: {_project.where(ctx).how})"
        steps, note = _tool_steps(ctx, root, req, dev)
        if steps:
            why += f"; {note}"
            note = ""
        else:
            steps, note = _fixes.pip_steps(requirement, root or ctx.rootdir)
            why += f"; {note}" if note else ""
            if dist is not None and _same_but_written(req, dist.version):
                # pip's installer takes the wheel of the version as written for the installed
                # one ("already installed with the same version"): only a forced one replaces it
                steps = [_forced(step) for step in steps]
                why += (
                    f"; pip takes {dist.version} and "
                    + ", ".join(s.version for s in req.specifier if s.operator == "===")
                    + " for one version and installs nothing without --force-reinstall"
                )
        raise CheckFailed(summary, why=why, fix=_fixes.make(*steps, note=note), facts=facts)
    if dist is None:
        dropped = _dropped_by_poetry(ctx, root, req)
        if dropped is not None:
            raise dropped
    steps, why = _poetry_fix(ctx, root, req, dev)
    why += f"; {rule}" if rule else ""
    fix, where = in_the_right_env(ctx, root, steps)
    expected = _env_or_none(ctx, root) if where is not None else None
    if expected is not None:
        name = canonicalize_name(req.name)
        try:
            others = _shared(ctx, f"in:{expected}", lambda: _installed.installed_in(expected))
        except _OutOfTime:
            others = {}
        there = others.get(name)
        if there is not None and _satisfies(req, there.version):
            fix = _fixes.make(
                Manual("run pytest in the project's Poetry environment: poetry run pytest"),
                text="poetry run pytest",
            )
            why = f"the Poetry environment has {req.name} {there.version}"
    raise CheckFailed(summary, why=f"{where}; {why}" if where else why, fix=fix, facts=facts)


def _main_origin(root: Path | None, name: str) -> str | None:
    """Where the project names ``name`` outside ``[project] dependencies`` (setuptools' dynamic
    dependencies files), if it does."""
    if root is None:
        return None
    try:
        data = _project.document(root)
    except ValueError:
        return None
    return _initkit.main_origin(root, data, name)


def _tool_steps(
    ctx: Context, root: Path | None, req: Requirement, dev: bool, declared: bool = False
) -> tuple[list[Step], str]:
    """The fix in the project's own tool when Poetry is not it (uv, PDM, Hatch, pip-tools, a
    requirements.txt), decided from the project's files and tables; ``([], "")``: pip's.
    ``declared``: the project declares ``req`` (else its files are read for it)."""
    if root is None:
        return [], ""
    manager = _managers.of(root)
    name = canonicalize_name(req.name)
    if manager.name == "requirements":
        env, said = _pipconf.overrides()
        listing = root / "requirements.txt"
        install = _fixes.pip_install("-r", str(listing), env=env)
        why = f"{listing} lists it"
        pinned = _initkit.requirement_file_constraints(listing).get(name)
        if pinned is not None:
            why += (
                f", and its constraints file {pinned[1]} (-c) pins {pinned[0]}: pip installs "
                "only a version both allow"
            )
        refused = _reqfiles.refused(root)
        if refused:
            # `pip install -r` stops on these lines: they are corrected first
            own = [r for r in refused if r.name == name] or refused
            why += f"; but {own[0].what}"
            return [*_reqfiles.corrections(refused), install], why + (f" ({said})" if said else "")
        return [install], why + (f" ({said})" if said else "")
    if manager.name == "pip":
        return [], ""
    declared = declared or name in _managers.declared_names(root)
    steps, why = _managers.steps(manager, ctx.rootdir, req, dev, declared)
    where = _initkit.dev_origin(root, req.name) if dev and declared else None
    return steps, f"{why}; pyproject.toml names it in {where}" if where else why


def _extras_unmet(req: Requirement, dist: _installed.Dist) -> list[tuple[str, str, Requirement]]:
    """The requirements ``req``'s extras add (PEP 508) that are not installed or not met:
    (extra, what is wrong, the requirement)."""
    out = []
    for extra, needed in _for_extras(req, dist):
        there = _installed.find(canonicalize_name(needed.name))
        if there is None:
            out.append((extra, f"{needed.name} is not installed", needed))
        elif not _satisfies(needed, there.version):
            out.append(
                (extra, f"{needed.name} {there.version} is installed, {needed} is needed", needed)
            )
    return out


def _extras_failed(
    ctx: Context,
    root: Path | None,
    req: Requirement,
    dev: bool,
    dist: _installed.Dist,
    lacking: list[tuple[str, str, Requirement]],
) -> CheckFailed:
    extras = sorted({extra for extra, _, _ in lacking})
    summary = (
        f"{dist.name} {dist.version} is installed without its extra "
        + ", ".join(repr(e) for e in extras)
        + ": "
        + "; ".join(what for _, what, _ in lacking)
    )
    why = (
        f"the project requires {req}: PEP 508 installs the requirements {dist.name} declares "
        f"for the extra ({', '.join(extras)}) with it, and a plain {dist.name} does not have them"
    )
    # the first package the extra lacks, as the project's tool installs it: the lock has it
    # through the declared requirement's extra
    needed = Requirement(f"{lacking[0][2].name}{lacking[0][2].specifier}")
    if ctx.section.poetry and root is not None:
        steps, said = _poetry_fix(ctx, root, needed, dev)
        return CheckFailed(summary, why=f"{why}; {said}", fix=_fixes.make(*steps))
    steps, note = _tool_steps(ctx, root, needed, dev, declared=True)
    if steps:
        return CheckFailed(summary, why=f"{why}; {note}", fix=_fixes.make(*steps))
    steps, note = _fixes.pip_steps(str(req), root or ctx.rootdir)
    return CheckFailed(summary, why=why, fix=_fixes.make(*steps, note=note))


def _reference(url: str) -> tuple[str, str, str]:
    """A PEP 508 direct reference as (vcs, url, revision): ``git+https://h/r.git@v1#egg=x`` is
    ("git", "https://h/r.git", "v1"); a file or archive URL has no vcs nor revision."""
    url = url.split("#", 1)[0]
    scheme, sep, rest = url.partition(":")
    vcs = ""
    if sep and "+" in scheme:
        vcs, _, scheme = scheme.partition("+")
        parts = urlsplit(f"{scheme}:{rest}")
        path, at, revision = parts.path.rpartition("@")
        if at:
            return vcs, urlunsplit(parts._replace(path=path)), revision
        return vcs, f"{scheme}:{rest}", ""
    return "", url, ""


def _same_place(a: str, b: str) -> bool:
    """Two URLs of one source: equal, or ``file:`` URLs of one path (symbolic links followed);
    credentials, a repository's trailing ``/`` and ``.git`` do not count."""

    def plain(url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme == "file":
            return "file:" + os.path.realpath(unquote(parts.path))
        # PEP 610 records a URL without its credentials (pip keeps ssh's ``git@``)
        host = parts.netloc.rpartition("@")[2]
        return f"{parts.scheme}://{host}{parts.path}".rstrip("/").removesuffix(".git")

    return plain(a) == plain(b)


def _other_reference(
    ctx: Context, root: Path | None, req: Requirement, dev: bool, dist: _installed.Dist
) -> CheckFailed | None:
    """A PEP 508 direct reference (``name @ url``) that the installed copy was not installed
    from, by its PEP 610 ``direct_url.json``: another file or archive, another repository, or
    (a full commit hash after ``@``) another commit of it."""
    if not req.url or not dist.location or "{" in req.url or "$" in req.url:
        return None  # none, or a tool's template (Hatch's {root:uri}, PDM's ${PROJECT_ROOT})
    vcs, url, revision = _reference(req.url)
    if urlsplit(url).scheme not in ("file", "http", "https", "ssh"):
        return None
    record = _diagnose.direct_url(dist.name, Path(dist.location))
    if record is not None and record.kind == "invalid":
        return None  # _bad_direct_url's
    wanted = f"{req.name} @ {req.url}"
    if record is None:
        came = "an index (no direct_url.json: PEP 610 records a direct URL's installs)"
    elif not _same_place(record.url, url) or (vcs and record.kind != "vcs"):
        came = f"{record.url}" + (f" (commit {record.commit[:12]})" if record.commit else "")
    elif vcs and re.fullmatch(r"[0-9a-f]{40}", revision) and record.commit != revision:
        came = f"commit {record.commit[:12]} of {record.url}"
        why = (
            f"PEP 610: its direct_url.json records vcs_info.commit_id {record.commit}, and the "
            f"project's PEP 508 direct reference pins commit {revision}: the same version "
            "number, other code"
        )
        return _reference_failed(ctx, root, req, dev, dist, came, wanted, why)
    else:
        return None
    why = (
        f"the project's PEP 508 direct reference names {req.url}, and PEP 610's record of the "
        f"installed copy (direct_url.json) says it came from {came}: another source, whatever "
        "its version says"
    )
    return _reference_failed(ctx, root, req, dev, dist, came, wanted, why)


def _reference_failed(
    ctx: Context,
    root: Path | None,
    req: Requirement,
    dev: bool,
    dist: _installed.Dist,
    came: str,
    wanted: str,
    why: str,
) -> CheckFailed:
    summary = f"{dist.name} {dist.version} was installed from {came}, but {wanted} is required"
    if ctx.section.poetry and root is not None:
        # Poetry installs a package again whose source (url, commit) is not the lock's
        steps, said = _poetry_fix(ctx, root, req, dev)
        return CheckFailed(summary, why=f"{why}; {said}", fix=_fixes.make(*steps))
    steps, note = _tool_steps(ctx, root, req, dev, declared=True)
    if steps and _managers.of(root or ctx.rootdir).name != "requirements":
        return CheckFailed(summary, why=f"{why}; {note}", fix=_fixes.make(*steps))
    env, said = _pipconf.overrides()
    # pip keeps an installed copy of the same version: the reference is installed again
    install = _fixes.pip_install("--force-reinstall", "--no-deps", wanted, env=env)
    return CheckFailed(
        summary, why=why, fix=_fixes.make(install, note=said), facts={"version": dist.version}
    )


def _same_but_written(req: Requirement, installed: str) -> bool:
    """Every clause of ``req`` that excludes ``installed`` is ``===`` naming the same version
    written otherwise (``===1.0`` and 1.0.0): PEP 440 compares the strings, pip's installer
    the versions."""
    try:
        version = Version(installed)
        excluding = [s for s in req.specifier if not s.contains(version, prereleases=True)]
        return bool(excluding) and all(
            s.operator == "===" and Version(s.version) == version for s in excluding
        )
    except InvalidVersion:
        return False


def _forced(step: Step) -> Step:
    """``step``, a ``pip install``, made to replace the installed copy."""
    if isinstance(step, Command) and step.argv[-2:-1] == ("install",) and "pip" in step.argv:
        argv = [*step.argv[:-1], "--force-reinstall", "--no-deps", step.argv[-1]]
        return replace(step, argv=argv)
    return step


def _pep440_rule(req: Requirement, installed: str) -> str:
    """The PEP 440 rule by which ``req``'s specifier excludes ``installed`` where a plain
    comparison of the numbers would not: an exclusive ``>V`` and the post-releases (and local
    versions) of V, ``<V`` and its pre-releases, ``!=V``/``==V`` and the local versions of V;
    "" for any other exclusion."""
    try:
        version = Version(installed)
    except InvalidVersion:
        return ""
    for spec in req.specifier:
        if spec.contains(version, prereleases=True) or spec.version.endswith(".*"):
            continue
        if spec.operator == "===":
            return (
                f"PEP 440: {spec} is arbitrary equality, a comparison of the strings as written "
                f"(no normalization, no zero padding): {installed!r} is not {spec.version!r}, "
                "though == would take them for one version"
            )
        try:
            target = Version(spec.version)
        except InvalidVersion:
            continue
        if version.epoch != target.epoch:
            return (
                f"PEP 440: {installed} is of epoch {version.epoch} and {spec} names epoch "
                f"{target.epoch} ({target}): every version of a higher epoch sorts after every "
                "version of a lower one, whatever its numbers"
            )
        same = Version(version.base_version) == Version(target.base_version)
        if spec.operator == ">" and same and version.is_postrelease and not target.is_postrelease:
            return (
                f"PEP 440: {spec} excludes the post-releases of {target} ({installed} is one), "
                f"though {installed} sorts after {target}"
            )
        if spec.operator == "<" and same and version.is_prerelease and not target.is_prerelease:
            return (
                f"PEP 440: {spec} excludes the pre-releases of {target} ({installed} is one), "
                f"though {installed} sorts before {target}"
            )
        if spec.operator == "==" and target.local and version.public == target.public:
            return (
                f"PEP 440: {spec} names a local version, which only the same local label "
                f"matches: {installed} is another build of {target.public} (+"
                f"{version.local or '(none)'}, not +{target.local})"
            )
        if version.local and not target.local and Version(version.public) == target:
            return (
                f"PEP 440: {installed} is a local version of {target}, and {spec} compares "
                f"without the local label (+{version.local}): it excludes {installed} as it "
                f"excludes {target}"
                if spec.operator in ("!=", ">", "<")
                else ""
            )
    return ""


def _dropped_by_poetry(ctx: Context, root: Path, req: Requirement) -> CheckFailed | None:
    """poetry-core 2: with a static ``[project] dependencies``, ``[tool.poetry.dependencies]``
    only enriches the requirements ``[project]`` names (their source, a develop flag); one it
    does not name is dropped without a word: never locked, never installed."""
    try:
        data = _project.document(root)
    except ValueError:
        return None
    project = data.get("project")
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    declared = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if not isinstance(project, dict) or not isinstance(declared, dict):
        return None
    dynamic = project.get("dynamic") or []
    listed_here = project.get("dependencies")
    if not isinstance(listed_here, list) or {"dependencies", "optional-dependencies"} & set(
        dynamic if isinstance(dynamic, list) else []
    ):
        return None
    name = canonicalize_name(req.name)
    if name not in {canonicalize_name(str(k)) for k in declared if k != "python"}:
        return None
    optional = project.get("optional-dependencies") or {}
    named: set[str] = set()
    for line in [*listed_here, *(x for v in optional.values() for x in v or ())]:
        try:
            named.add(canonicalize_name(Requirement(str(line)).name))
        except InvalidRequirement:
            continue
    if name in named:
        return None
    pyproject = root / "pyproject.toml"
    return CheckFailed(
        f"{req.name} is not installed: {pyproject} declares it in [tool.poetry.dependencies], "
        "which Poetry 2 ignores for it, since [project] dependencies does not name it",
        why="poetry-core 2: with a static [project] dependencies, [tool.poetry.dependencies] "
        "only adds a source or constraint to the requirements [project] names; "
        f"{req.name} is dropped without a warning, so `poetry lock` and `poetry install` "
        "leave it out",
        fix=_fixes.make(
            Manual(
                f'add "{req.name}" to [project] dependencies in {pyproject} (its '
                "[tool.poetry.dependencies] entry then gives its source)"
            ),
            _fixes.poetry(root, ctx.rootdir, "lock"),
            _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root)),
        ),
    )


def _locked_version(ctx: Context, root: Path | None, name: str) -> str:
    """The version poetry.lock has for ``name`` ("" without a lock or the package in it)."""
    lock = (root or ctx.rootdir) / "poetry.lock"
    if root is None or not ctx.section.poetry or not lock.is_file():
        return ""
    try:
        locked = _project.read_lock(lock, ctx.config.extra.get("pytest_cache"), ctx)
    except CheckFailed:
        return ""  # the lock-file check says what is wrong with it
    found = locked.packages.get(name)
    return found.version if found else ""


def _reinstall(ctx: Context, root: Path | None, name: str, hurt: _integrity.Damage) -> Fix:
    """Remove the records ``hurt`` names; then (unless another, good record stays) install
    ``name`` again: from poetry.lock in a Poetry project, else with this interpreter's pip."""
    removes: list[Step] = [Command(["rm", "-rf", str(info)]) for info in hurt.remove]
    if hurt.overwritten_by:
        removes = [*_clashing(ctx, root, name, hurt.overwritten_by), *removes]
    if hurt.uninstall:
        removes = [Command([sys.executable, "-m", "pip", "uninstall", "--yes", name]), *removes]
    elif hurt.usable:
        return _fixes.make(*removes, note=f"{name} {hurt.version} stays installed")
    if root is not None and ctx.section.poetry:
        install = _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root))
        fix, _ = in_the_right_env(ctx, root, [*removes, install])
        return _fixes.make(
            *fix.steps, note=f"Poetry then installs {name} {hurt.version} again from poetry.lock"
        )
    pinned = f"{name}=={hurt.version}" if hurt.version else name
    steps, note = _fixes.pip_steps(pinned, root or ctx.rootdir)
    return _fixes.make(*removes, *steps, note=note)


def _shadowed(dist: _installed.Dist) -> CheckFailed | None:
    """A module of ``dist`` that imports from elsewhere: a file or package earlier on sys.path
    (the project's directory, under ``python -m pytest`` or pytest's rootdir insertion)."""
    found = _integrity.shadowed(Path(dist.location)) if dist.location else None
    if found is None:
        return None
    module, origin = found
    # compiled code with no source beside it (the sourceless loader's): residue, removed
    sourceless = Path(origin).suffix in importlib.machinery.BYTECODE_SUFFIXES and not any(
        Path(origin).with_suffix(suffix).exists() for suffix in importlib.machinery.SOURCE_SUFFIXES
    )
    entry = _diagnose.pythonpath_entry(origin)
    if entry is not None:
        return CheckFailed(
            f"{dist.name} {dist.version} is installed, but `import {module}` finds {origin}, "
            f"under {entry}, a directory on PYTHONPATH",
            why="PYTHONPATH comes before site-packages on sys.path: the tests and the "
            f"application import that copy of {module} whatever the environment has, and "
            "`poetry install` does not change it",
            fix=_fixes.make(
                Manual(f"unset PYTHONPATH (or remove {entry} from it) in this shell"),
                text=f"unset PYTHONPATH   (or remove {entry} from it)",
            ),
            facts={"version": dist.version, "shadowed_by": origin, "pythonpath": entry},
        )
    fix = (
        _fixes.make(
            Command(["rm", "-f", origin]),
            note=f"compiled code whose source is gone; then `import {module}` finds {dist.name}",
        )
        if sourceless
        else _fixes.make(
            Manual(
                f"rename {origin} (and what imports it), so that `import {module}` finds "
                f"{dist.name}"
            )
        )
    )
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but `import {module}` finds {origin}, not "
        f"{dist.name}'s {module}",
        why=f"{Path(origin).parent} comes before {Path(dist.location).parent} on sys.path (the "
        "project's own directory is first under `python -m pytest` and pytest's rootdir "
        f"insertion), so its {Path(origin).name} shadows the installed package for the tests and "
        "the application"
        + (
            " (compiled bytecode without its source, which Python still imports)"
            if sourceless
            else ""
        ),
        fix=fix,
        facts={"version": dist.version, "shadowed_by": origin},
    )


def _hidden_in_site(ctx: Context, root: Path | None, dist: _installed.Dist) -> CheckFailed | None:
    """A module of ``dist`` that ``import`` finds as another file of its own site directory
    (another distribution's package of the same name, found before a module file)."""
    found = _integrity.hidden_in_site(Path(dist.location)) if dist.location else None
    if found is None:
        return None
    module, installed, origin = found
    site = Path(dist.location).parent
    owner = _integrity.owner_of(Path(origin), [site])
    by = f", {owner}'s" if owner else ""
    package = Path(origin).name.startswith("__init__.")
    why = (
        f"the import system looks in {site} for {module} in a fixed order: a directory with an "
        f"__init__ is a package, taken before a module file of that name is looked for"
        if package
        else f"the import system looks in {site} for {module} in a fixed order: an extension "
        "module before a source file"
    )
    why += f", so {dist.name}'s {installed} is never imported (both are installed: pip check "
    why += "and the metadata see no conflict)"
    needed = _needed(ctx, root, owner) if owner and owner != canonicalize_name(dist.name) else None
    if needed is not None and needed[1]:
        why += f"; {owner} is a requirement of {listed(needed[1], 3)} (Requires-Dist)"
    elif needed is not None:
        why += f"; {needed[0]}"
    if owner and owner != canonicalize_name(dist.name):
        fix = _fixes.make(
            *_clashing(ctx, root, dist.name, (owner,)),
            note=f"then `import {module}` finds {dist.name}'s {installed} again",
        )
    else:
        fix = _fixes.make(
            Manual(f"remove {origin}, so that `import {module}` finds {dist.name}'s {installed}")
        )
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but `import {module}` finds {origin}{by}, "
        f"not {dist.name}'s {installed}",
        why=why,
        fix=fix,
        facts={"version": dist.version, "shadowed_by": origin, "owner": owner or ""},
    )


def _unprovided_import(dist: _installed.Dist) -> CheckFailed | None:
    """A module ``dist`` imports at the top level of its own modules that nothing installed
    provides: ``import`` of ``dist`` fails although its metadata is satisfied."""
    found = _integrity.unprovided_imports(Path(dist.location)) if dist.location else []
    if not found or not _requirements_met(dist):
        return None  # a requirement of its own missing: that is the cause, said elsewhere
    module, file, line = found[0]
    declared = list(dist.requires)
    listed = (
        f"its Requires-Dist ({', '.join(declared)}) is satisfied and provides no {module}"
        if declared
        else "its METADATA has no Requires-Dist"
    )
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but `import` of it fails: {file} (line "
        f"{line}) says `import {module}`, and no installed distribution provides {module}",
        why=f"{dist.name} does not require what provides {module}: {listed}, so neither pip "
        "(pip check sees nothing missing) nor a lock installs it for it",
        fix=_fixes.make(
            Manual(
                f"add the distribution that provides the module {module} to the project's "
                f"dependencies and install it ({dist.name} imports it without requiring it), or "
                f"take a release of {dist.name} that requires it"
            )
        ),
        facts={"version": dist.version, "module": module, "file": file},
    )


def _requirements_met(dist: _installed.Dist) -> bool:
    """Every ``Requires-Dist`` of ``dist`` that holds here is installed at a version it allows,
    and so is what its extras add."""
    installed = _installed.installed()
    for line in dist.requires:
        req = _requirement_here(line)
        if req is None:
            continue
        have = installed.get(canonicalize_name(req.name))
        if have is None or not _satisfies(req, have.version):
            return False
        for _, needed in _for_extras(req, have):
            there = installed.get(canonicalize_name(needed.name))
            if there is None or not _satisfies(needed, there.version):
                return False
    return True


def _stale_bytecode(dist: _installed.Dist) -> CheckFailed | None:
    """A module of ``dist`` whose cached bytecode (PEP 552, unchecked) is of other code."""
    found = _integrity.stale_bytecode(Path(dist.location)) if dist.location else None
    if found is None:
        return None
    source, pyc = found
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but `import` runs {pyc}, bytecode of "
        f"another {Path(source).name} than the one there",
        why=f"{Path(pyc).name} is a hash-based .pyc with the check flag off (PEP 552, unchecked: "
        "`py_compile --invalidation-mode unchecked-hash`, as reproducible builds write it), "
        f"whose source hash is not {source}'s: the import system loads it without reading the "
        "source, so the module runs older code than the installed file (edited or reinstalled "
        "after the bytecode was written)",
        fix=_fixes.make(
            Command(["rm", "-f", pyc]),
            note="Python compiles the source again at the next import",
        ),
        facts={"version": dist.version, "source": source, "pyc": pyc},
    )


def _unpacked(ctx: Context, root: Path | None, dist: _installed.Dist) -> CheckFailed | None:
    """``dist``'s wheel unpacked (``unzip``) instead of installed: its ``.data`` directory is
    still beside its ``.dist-info`` (PEP 427: an installer moves each of its subdirectories to
    its place and leaves none)."""
    found = _integrity.unpacked_data(Path(dist.location)) if dist.location else None
    if found is None:
        return None
    data, kinds = found
    why = (
        f"PEP 427: installing a wheel moves each subdirectory of its {data.name} directory "
        f"({', '.join(kinds)}) to its place (purelib and platlib into site-packages, scripts "
        "into the environment's bin, headers and data under its prefix) and removes it; an "
        "unzipped wheel (a Dockerfile's or a Lambda layer's unzip) leaves them where no import "
        f"or PATH looks, while importlib.metadata and pip see {dist.name} installed"
    )
    uninstall = Command([sys.executable, "-m", "pip", "uninstall", "--yes", dist.name])
    if root is not None and ctx.section.poetry and _locked_version(ctx, root, dist.name):
        install = _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root))
        fix, where = in_the_right_env(ctx, root, [uninstall, install])
        why = f"{where}; {why}" if where else why
    else:
        steps, note = _fixes.pip_steps(f"{dist.name}=={dist.version}", root or ctx.rootdir)
        fix = _fixes.make(uninstall, *steps, note=note or "pip installs the wheel as PEP 427 says")
    return CheckFailed(
        f"{dist.name} {dist.version} was unpacked, not installed: {data} is still there",
        why=why,
        fix=fix,
        facts={"version": dist.version, "data": str(data)},
    )


def _foreign_build(ctx: Context, root: Path | None, dist: _installed.Dist) -> CheckFailed | None:
    """``dist`` was built for another interpreter or platform (its WHEEL tags): installed by
    another Python's pip (``--target``, ``--python-version``, a copied site-packages)."""
    found = _integrity.foreign_build(Path(dist.location)) if dist.location else None
    if found is None:
        return None
    tags, compiled = found
    here = f"{sys.implementation.name} {_PYTHON} on {sys.platform}"
    why = (
        "its WHEEL (PEP 427) names no tag this interpreter supports (what pip installs by; "
        "`pip check` reports it as not supported on this platform): another Python's pip put it "
        "here (`pip install --target` or `--python-version`, a copied site-packages)"
    )
    if compiled:
        shown = ", ".join(Path(c).name for c in compiled[:3])
        why += f", and Python {sys.version_info[0]}.{sys.version_info[1]} does not load its "
        why += f"compiled modules ({shown}), so importing them fails"
    uninstall = Command([sys.executable, "-m", "pip", "uninstall", "--yes", dist.name])
    if root is not None and ctx.section.poetry and _locked_version(ctx, root, dist.name):
        install = _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root))
        fix, where = in_the_right_env(ctx, root, [uninstall, install])
        fix = _fixes.make(*fix.steps, note=f"Poetry then installs the build of {dist.name} for it")
        why = f"{where}; {why}" if where else why
    else:
        steps, note = _fixes.pip_steps(f"{dist.name}=={dist.version}", root or ctx.rootdir)
        fix = _fixes.make(uninstall, *steps, note=note or f"pip picks the build for {here}")
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but it was built for {', '.join(tags[:3])}, "
        f"not for this Python ({here})",
        why=why,
        fix=fix,
        facts={"version": dist.version, "tags": list(tags)},
    )


def _portion_shadowed(ctx: Context, root: Path | None, dist: _installed.Dist) -> CheckFailed | None:
    """A package directory of ``dist`` that ``import`` does not reach: another package of that
    name found first, typically a regular package whose ``__init__.py`` ends the namespace
    package (PEP 420) that ``dist``'s directory is a portion of."""
    import site

    found = _integrity.portion_shadowed(Path(dist.location)) if dist.location else None
    if found is None:
        return None
    module, directory, origin = found
    sites = [Path(d) for d in site.getsitepackages()]
    owner = _integrity.owner_of(Path(origin), sites) if origin else None
    regular = origin.endswith("__init__.py")
    by = f" ({owner}'s)" if owner else ""
    why = (
        f"{origin}{by} is a regular package, and its __init__.py ends the namespace package "
        f"(PEP 420) that {directory} is a portion of: only its own directory is searched for "
        f"{module}'s submodules"
        if regular and not (directory / "__init__.py").exists()
        else f"{Path(origin).parent if regular else origin} comes first on sys.path"
    )
    if owner:
        steps = _clashing(ctx, root, dist.name, (owner,))
        note = f"then `import {module}` reaches {dist.name}'s {module} again"
        fix = _fixes.make(*steps, note=note)
    else:
        fix = _fixes.make(
            Manual(f"remove or rename {origin}, so that `import {module}` reaches " f"{directory}")
        )
    return CheckFailed(
        f"{dist.name} {dist.version} is installed, but `import {module}` finds {origin}, not "
        f"{dist.name}'s {directory}",
        why=why,
        fix=fix,
        facts={"version": dist.version, "shadowed_by": origin},
    )


def _egg_link_gone(ctx: Context, root: Path | None, name: str) -> CheckFailed | None:
    """``name`` is not installed, and a legacy development install of it is left: its
    ``.egg-link`` names a project directory that no longer exists."""
    import site

    sites = [Path(d) for d in site.getsitepackages()]
    if site.ENABLE_USER_SITE and site.getusersitepackages():
        sites.append(Path(site.getusersitepackages()))
    found = _integrity.stale_egg_link(canonicalize_name(name), sites)
    if found is None:
        return None
    link, gone = found
    python = sys.executable
    return CheckFailed(
        f"{name} is not installed: {link.name} (a `setup.py develop` install) names {gone}, "
        "which no longer exists",
        why=f"a legacy development install keeps {name}'s metadata ({name}.egg-info) and code in "
        f"the project's directory and only points there ({link}, and a line of "
        "easy-install.pth): with the directory moved or deleted, neither importlib.metadata, "
        f"pip nor `import` finds {name}",
        fix=_fixes.make(
            Manual(
                f"move the project back to {gone}; or, where it lives now: rm -f "
                f"{shlex.quote(str(link))} && {python} -m pip install -e <its directory>"
            )
        ),
        facts={"egg_link": str(link), "gone": str(gone)},
    )


def _clashing(ctx: Context, root: Path | None, name: str, others: tuple[str, ...]) -> list[Step]:
    """What removes the distributions that wrote over ``name``'s files: pip uninstalls one the
    project neither locks nor declares and no installed distribution requires; one it locks or
    declares is a conflict of the project's own dependencies, and one another distribution
    requires (its ``Requires-Dist``) would break that one: a person settles either."""
    steps: list[Step] = []
    for other in others:
        needed = _needed(ctx, root, other)
        if _locked_version(ctx, root, other):
            steps.append(
                Manual(
                    f"{name} and {other} are both in poetry.lock and install the same files: "
                    f"keep one of them in pyproject.toml"
                )
            )
        elif needed is not None and not needed[1]:
            steps.append(
                Manual(
                    f"{name} and {other} are both dependencies of the project ({needed[0]}) "
                    f"and cannot both be installed here: keep one of them in pyproject.toml"
                )
            )
        elif needed is not None:
            by = listed(needed[1], 3)
            steps.append(
                Manual(
                    f"{other} is a requirement of {by} (Requires-Dist), so uninstalling it "
                    f"breaks {by}: {name} and {by} cannot both be installed here; keep one of "
                    f"them in pyproject.toml"
                )
            )
        else:
            steps.append(Command([sys.executable, "-m", "pip", "uninstall", "--yes", other]))
    return steps


def _needed(ctx: Context, root: Path | None, other: str) -> tuple[str, list[str]] | None:
    """Why ``other`` (a distribution name) stays installed: the project declares it (where,
    ``[]``), or installed distributions require it (their ``Requires-Dist``: ``("",
    names)``); ``None`` when neither (a stray)."""
    name = canonicalize_name(other)
    if root is not None:
        groups = _project.read_project(root).declared.get(name)
        if groups:
            return f"pyproject.toml declares {other} ({', '.join(sorted(groups))})", []
    requirers = []
    for dist in _installed.installed().values():
        for line in dist.requires:
            req = _requirement_here(line)
            if req is not None and canonicalize_name(req.name) == name:
                requirers.append(dist.name)
                break
    return ("", sorted(requirers)) if requirers else None


def _unknown_extras(req: Requirement, dist: _installed.Dist) -> tuple[str, str, Fix] | None:
    """Extras ``req`` asks for that ``dist`` does not provide (PEP 685 compares them
    normalized): pip installs nothing for them and only warns. (summary, why, fix)"""
    provided = {canonicalize_name(e) for e in dist.extras}
    unknown = sorted(e for e in req.extras if canonicalize_name(e) not in provided)
    if not unknown:
        return None
    offered = ", ".join(sorted(dist.extras)) or "none"
    what = " and ".join(repr(e) for e in unknown)
    return (
        f"{dist.name} {dist.version} provides no extra {what} (its extras: {offered})",
        f"{req} asks for it; an extra names optional requirements the distribution declares "
        "(Provides-Extra, PEP 508/685), and an unknown one installs nothing: pip only warns",
        _fixes.make(
            Manual(f"correct {req} in [tool.envcheck.venv]: {dist.name} provides {offered}"),
        ),
    )


def _poetry_fix(ctx: Context, root: Path, req: Requirement, dev: bool) -> tuple[list[Step], str]:
    """What puts ``req`` into the project's Poetry environment, and why that is the fix."""
    name = canonicalize_name(req.name)
    project = _project.read_project(root)
    lock = root / "poetry.lock"
    cache = ctx.config.extra.get("pytest_cache")
    locked = _project.read_lock(lock, cache, ctx).packages.get(name) if lock.is_file() else None
    poetry = functools.partial(_fixes.poetry, root, ctx.rootdir)
    add = poetry("add", *(("--group", "dev") if dev else ()), str(req))
    install = poetry(*_fixes.install_args(root))
    if locked is not None and _satisfies(req, locked.version):
        wanted = locked.wanted(project.default_groups)
        optional = sorted(set(locked.groups) & project.optional_groups)
        if wanted is False and locked.extra_only:
            return (
                [poetry(*_fixes.install_args(root), "--all-extras")],
                f"poetry.lock has {req.name} {locked.version} only for an extra of the project",
            )
        if wanted is False and optional:
            return (
                [poetry(*_fixes.install_args(root), "--with", ",".join(optional))],
                f"poetry.lock has {req.name} {locked.version} in the optional group "
                f"{', '.join(optional)}, which a plain `poetry install` leaves out",
            )
        if wanted is False and any(locked.markers.values()):
            return (
                [
                    Manual(f"edit the marker of {req.name} in pyproject.toml"),
                    poetry("lock"),
                    install,
                ],
                f"poetry.lock installs {req.name} only where its markers hold "
                f"({'; '.join(sorted(set(locked.markers.values())))}), not on this platform",
            )
        if wanted is False:  # a group the lock has and pyproject.toml no longer declares
            return (
                [poetry("lock"), install],
                f"poetry.lock has {req.name} {locked.version} only in group(s) "
                f"{', '.join(locked.groups)}, which pyproject.toml does not install",
            )
        return (
            [install],
            f"poetry.lock has {req.name} {locked.version}, which is not installed here ("
            "`poetry install` not run since the lock changed, or removed by hand)",
        )
    if name in project.declared and locked is None:
        return (
            [poetry("lock"), install],
            f"{root / 'pyproject.toml'} declares {req.name}, but poetry.lock does not have it yet",
        )
    if name in project.declared:
        return [add], f"poetry.lock has {req.name} {locked.version if locked else '?'}; " + (
            f"`poetry add` with the constraint updates pyproject.toml and the lock to {req}"
        )
    return [add], f"the project requires {req}, and {root / 'pyproject.toml'} does not declare it"


#: a marker that is a conjunction (no ``or``) with ``extra == "x"`` is false without an extra
_EXTRA_ONLY = re.compile(r"""extra\s*==\s*(["'])[^"']+\1""")
_OR = re.compile(r"\bor\b")


@functools.lru_cache(maxsize=4096)
def _requirement_here(line: str) -> Requirement | None:
    """The requirement of ``line`` if it applies without extras here (parsing is the slow part:
    requirements that only an extra asks for are recognised before it)."""
    marker = line.partition(";")[2]
    if _EXTRA_ONLY.search(marker) and not _OR.search(marker):
        return None
    try:
        req = Requirement(line)
    except InvalidRequirement:
        return None
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        return None
    return req


def _broken_requirements() -> Iterator[tuple[str, Requirement, bool]]:
    """Each requirement of an installed distribution that is not met: what to say, the
    requirement, and whether only a requirement's extra asks for it (pip check misses those)."""
    installed = _installed.installed()
    for dist in installed.values():
        for line in dist.requires:
            req = _requirement_here(line)
            if req is None:
                continue
            have = installed.get(canonicalize_name(req.name))
            head = f"{dist.name} {dist.version} requires {req}"
            if have is None:
                yield f"{head}, which is not installed", req, False
            elif not _satisfies(req, have.version):
                yield f"{head}, but {req.name} {have.version} is installed", req, False
            else:
                for extra, needed in _for_extras(req, have):
                    there = installed.get(canonicalize_name(needed.name))
                    if there is None or not _satisfies(needed, there.version):
                        now = "not installed" if there is None else f"{there.version} installed"
                        yield (
                            f"{head}, but {needed.name}, which {have.name}'s extra {extra!r} "
                            f"requires ({needed}), is {now}",
                            needed,
                            True,
                        )


def _for_extras(req: Requirement, dist: _installed.Dist) -> Iterator[tuple[str, Requirement]]:
    """What ``req``'s extras add (PEP 508: ``dist``'s ``Requires-Dist`` whose marker holds with
    ``extra`` set to one of them, and not without it), each without its marker. pip check does
    not follow them."""
    for extra in sorted(req.extras):
        for line in dist.requires:
            if "extra" not in line.partition(";")[2]:
                continue
            try:
                needed = Requirement(line)
            except InvalidRequirement:
                continue
            marker = needed.marker
            if marker is None or marker.evaluate({"extra": ""}):
                continue  # needed anyway: checked as the distribution's own requirement
            if marker.evaluate({"extra": canonicalize_name(extra)}) or marker.evaluate(
                {"extra": extra}
            ):
                needed.marker = None
                yield extra, needed


@functools.lru_cache(maxsize=4096)
def _invalid(line: str) -> bool:
    try:
        Requirement(line)
    except InvalidRequirement:
        return True
    return False


def _unreadable_records() -> Iterator[tuple[_installed.Dist, str, str]]:
    """Installed distributions whose records ``pip check`` cannot read: a ``Requires-Dist``
    that is not a PEP 508 requirement (pip: "Error parsing dependencies", exit 1), a WHEEL
    ``Tag`` that is not a PEP 425 tag (pip check stops). (distribution, what, why)"""
    for dist in _installed.installed().values():
        for line in dist.requires:
            if _invalid(line):
                yield (
                    dist,
                    f"{dist.name} {dist.version} declares Requires-Dist: {line}, which is not a "
                    "PEP 508 requirement",
                    "its METADATA (core metadata) lists each requirement as PEP 508 says; pip "
                    "check reports that it cannot parse it (and exits 1), and no tool knows "
                    "what it needs",
                )
                break
        tags = _integrity.bad_tags(Path(dist.location)) if dist.location else []
        if tags:
            yield (
                dist,
                f"{dist.name} {dist.version} has a WHEEL that says Tag: {tags[0]}, which is not "
                "a PEP 425 tag",
                "pip check reads the tags of every installed distribution and stops on this "
                "one, for the whole environment",
            )


def consistency(ctx: Context) -> Outcome:
    unreadable = sorted(_unreadable_records(), key=lambda u: u[1])
    found = sorted(_broken_requirements(), key=lambda b: b[0])
    broken = [text for text, _, _ in found]
    if unreadable:
        dist, what, why = unreadable[0]
        root = _project.where(ctx).root
        # every one, none hidden: the requirements not met too
        more = "".join(f"; {text}" for text in [u[1] for u in unreadable[1:]] + broken)
        requires = any(_invalid(line) for line in dist.requires)
        raise CheckFailed(
            f"{what}{more}",
            why=why,
            fix=_another_release(ctx, root, dist) if requires else _reinstalled(ctx, root, dist),
            facts={"unreadable": [text for _, text, _ in unreadable], "broken": broken},
        )
    total = len(_installed.installed())
    if not broken:
        _foreign_builds(ctx)
    if broken:
        more = "".join(f"; {text}" for text in broken[1:])  # every one, none hidden
        why = "the installed set is inconsistent (what `pip check` reports"
        why += (
            "; it does not follow a requirement's extras, and misses some of these)"
            if any(extra for _, _, extra in found)
            else ")"
        )
        wanted = ", ".join(dict.fromkeys(str(req) for _, req, _ in found))
        root = _project.where(ctx).root
        if ctx.section.poetry and root is not None:
            excluded = _excluded_by_lock(ctx, root, [req for _, req, _ in found])
            if excluded:
                why = f"{why}; {excluded}"
                steps = [_fixes.poetry(root, ctx.rootdir, "lock")]
                steps.append(
                    _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root), *_with(ctx, root))
                )
                fix, where = in_the_right_env(ctx, root, steps)
            else:
                sync = _fixes.poetry(root, ctx.rootdir, "sync", *_with(ctx, root))
                fix, where = in_the_right_env(ctx, root, [sync])
                fix = _fixes.make(*fix.steps, text=f"{fix}   (or install {wanted})")
            why = f"{where}; {why}" if where else why
        else:
            installs, note = _fixes.pip_steps(str(found[0][1]), root or ctx.rootdir)
            fix = _fixes.make(*installs, note=note)
        raise CheckFailed(
            f"{broken[0]}{more}",
            why=why,
            fix=fix,
            facts={"packages": total, "broken": broken},
        )
    return ok(f"{total} installed packages, all requirements met", packages=total)


def _foreign_builds(ctx: Context) -> None:
    """Fail on installed distributions built for another interpreter or platform (their WHEEL
    tags), which ``pip check`` reports as not supported here: a dependency nobody lists among
    the packages to check is found too."""
    root = _project.where(ctx).root
    foreign = [
        dist
        for _, dist in sorted(_installed.installed().items())
        if dist.location and _integrity.foreign_build(Path(dist.location)) is not None
    ]
    if not foreign:
        return
    first = _foreign_build(ctx, root, foreign[0])
    if first is None:
        return
    others = [f"{d.name} {d.version}" for d in foreign[1:]]
    also = f" (also: {listed(others, 5)})" if others else ""
    raise CheckFailed(
        f"{first.summary}{also}",
        why=first.why,
        fix=first.fix,
        facts={"foreign_builds": [f"{d.name} {d.version}" for d in foreign]},
    )


def _excluded_by_lock(ctx: Context, root: Path, unmet: list[Requirement]) -> str:
    """Unmet requirements that poetry.lock has only where its markers hold, which is not here
    (poetry.lock 2.x per-package ``markers``): Poetry leaves them out, ``poetry sync`` too,
    while an installed package needs them here; "" for none."""
    lock = root / "poetry.lock"
    if not lock.is_file():
        return ""
    try:
        parsed = _project.read_lock(lock, ctx.config.extra.get("pytest_cache"), ctx)
    except CheckFailed:
        return ""  # the lock-file check says what is wrong with it
    groups = _project.read_project(root).default_groups
    said = []
    for req in unmet:
        locked = parsed.packages.get(canonicalize_name(req.name))
        markers = sorted({m for m in locked.markers.values() if m}) if locked else []
        if locked is None or not markers or locked.wanted(groups) is not False:
            continue
        if locked.extra_only or not set(locked.groups) & groups:
            continue  # left out for its group or an extra, not for its markers
        said.append(
            f"poetry.lock installs {locked.name} {locked.version} only where "
            f"{' or '.join(markers)} holds, which is not here (Python {_PYTHON} on "
            f"{sys.platform}), so Poetry leaves it out (`poetry sync` too): the lock's markers "
            "are not what the requirements say (an edited or hand-merged lock); `poetry lock` "
            "resolves them again"
        )
    return "; ".join(said)


def local_installs(ctx: Context) -> Outcome:
    """Every distribution installed from a local path (PEP 610 ``dir_info``/``archive_info``
    with a ``file:`` URL) still has its source: an editable one is imported from there."""
    root = _project.where(ctx).root
    failures: list[CheckFailed] = []
    notes: list[str] = []
    local = 0
    for dist in _installed.installed().values():
        if not dist.location:
            continue
        url = _diagnose.direct_url(dist.name, Path(dist.location))
        if url is None:
            continue
        if url.kind == "invalid":
            notes.append(url.problem)
            continue
        if url.kind == "vcs" or url.path is None:
            continue  # a commit: lock-drift compares it with the lock's
        local += 1
        gone = _moved_away(ctx, root, dist)
        if gone is not None:
            failures.append(gone)
        elif not url.path.exists():
            notes.append(
                f"{dist.name} {dist.version} was installed from {url.path}, which no longer "
                "exists (it is installed; reinstalling it fails)"
            )
    if failures:
        first = failures[0]
        more = "".join(f"; {f.summary}" for f in failures[1:])
        raise CheckFailed(
            first.summary + more, why=first.why, fix=first.fix, facts={"local": local}
        )
    if notes:
        ctx.fact(local=local, problems=notes)
        fix = (
            _fixes.make(
                _fixes.poetry(root, ctx.rootdir, "lock"),
                _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root)),
                note="after pointing pyproject.toml at where the sources are now",
            )
            if root is not None and ctx.section.poetry
            else _fixes.make(Manual("reinstall each from where its source is now"))
        )
        return warn(
            notes[0] + (f" (+{len(notes) - 1} more)" if len(notes) > 1 else ""),
            why="PEP 610 direct_url.json records where each was installed from",
            fix=fix,
        )
    return ok(f"{local} installed from local paths, every source present", local=local)
