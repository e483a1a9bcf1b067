"""``envcheck init``: write a ``[tool.envcheck]`` for this project into ``pyproject.toml``.

The file's formatting and comments are kept (tomlkit); an existing table is merged (only missing
sections, keys and requirement list items are added) unless ``--force``; the report files are
added to ``.gitignore``; ``--ci github`` also writes a workflow that runs envcheck as the gate.
Every change is shown as a diff and confirmed before anything is written. Running it twice
changes nothing.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pluggy

from envcheck.core import dotenv as _dotenv
from envcheck.core import redact
from envcheck.core.config import ConfigError, validate
from envcheck.engine import registry as _registry
from envcheck.initkit import ci as _ci
from envcheck.initkit.derive import PluginSection, Proposal, derive
from envcheck.initkit.venv import requirement_names

USAGE_ERROR = 4
#: requirement lists whose new items are merged into an existing list (by package name)
_REQUIREMENT_LISTS = ("packages", "dev_packages")
_GIT_SECONDS = 5.0


@dataclass(frozen=True)
class Change:
    """One file init writes: its text before (``None``: it does not exist yet) and after."""

    path: Path
    old: str | None
    new: str

    @property
    def changed(self) -> bool:
        return self.new != (self.old or "") or (self.old is None and bool(self.new))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="envcheck init",
        description="Write a [tool.envcheck] for this project into pyproject.toml, derived from "
        "the project file, its .env, the client MCP configs, the installed plugins and what "
        "answers on this machine; add the report files to .gitignore.",
    )
    parser.add_argument("--yes", "-y", action="store_true", help="write without asking")
    parser.add_argument("--dry-run", action="store_true", help="print the change, write nothing")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace existing sections (and an existing CI workflow) instead of merging",
    )
    parser.add_argument(
        "--project", metavar="DIR", help="the project directory (default: the nearest one up)"
    )
    parser.add_argument(
        "--ci",
        choices=["github"],
        help=f"also write a CI workflow running envcheck as the gate ({_ci.WORKFLOW})",
    )
    return parser


def find_project(start: Path) -> Path:
    """The nearest directory at or above ``start`` with a ``pyproject.toml`` (else ``start``)."""
    for directory in (start, *start.parents):
        if (directory / "pyproject.toml").is_file():
            return directory
    return start


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(list(argv or []))
    project = Path(options.project).resolve() if options.project else find_project(Path.cwd())
    try:
        changes, proposal = plan(project, force=options.force, ci=options.ci)
    except (ConfigError, _dotenv.DotenvError) as exc:
        print(f"envcheck init: {exc}", file=sys.stderr)
        return USAGE_ERROR
    for note in proposal.notes:
        print(f"  {note}")
    pending = [change for change in changes if change.changed]
    if not pending:
        print(f"envcheck init: {project} already has everything; nothing to change")
        return 0
    for change in pending:
        diff = difflib.unified_diff(
            (change.old or "").splitlines(keepends=True),
            change.new.splitlines(keepends=True),
            fromfile=str(change.path) if change.old is not None else "/dev/null",
            tofile=f"{change.path} (envcheck init)",
        )
        # secrets already in the file (a DSN's password) are context lines of the diff: masked
        sys.stdout.writelines(redact.redact(line) for line in diff)
    names = ", ".join(_shown(project, change.path) for change in pending)
    if options.dry_run:
        print(f"envcheck init: --dry-run, nothing written (would write {names})")
        return 0
    if not options.yes:
        if not sys.stdin.isatty():
            print(
                "envcheck init: not asking without a terminal; pass --yes to write, "
                "--dry-run to only print",
                file=sys.stderr,
            )
            return USAGE_ERROR
        if input(f"Write {names}? [y/N] ").strip().lower() not in ("y", "yes"):
            print("envcheck init: nothing written")
            return 1
    for change in pending:
        change.path.parent.mkdir(parents=True, exist_ok=True)
        change.path.write_text(change.new, encoding="utf-8")
    print(f"envcheck init: wrote {names}; next: pytest -m envcheck")
    return 0


def _shown(project: Path, path: Path) -> str:
    try:
        return str(path.relative_to(project))
    except ValueError:
        return str(path)


def plan(
    project: Path, *, force: bool = False, ci: str | None = None
) -> tuple[list[Change], Proposal]:
    """Every file init would write, and what was found. Raises ConfigError when the merged table
    would not be valid (the message names the key)."""
    path = project / "pyproject.toml"
    old_text = path.read_text(encoding="utf-8") if path.is_file() else None
    new_text, proposal, merged, plain = _propose(project, old_text or "", force=force)
    changes = [Change(path, old_text, new_text)]
    ignore = _gitignore(project, proposal.notes)
    if ignore is not None:
        changes.append(ignore)
    if ci == "github":
        text = _ci.github_workflow(merged, plain, notes=proposal.notes)
        workflow = project / _ci.WORKFLOW
        existing = workflow.read_text(encoding="utf-8") if workflow.is_file() else None
        if existing is not None and existing != text and not force:
            proposal.notes.append(f"ci: {workflow} exists; kept (--force rewrites it)")
        else:
            changes.append(Change(workflow, existing, text))
    return changes, proposal


def propose(project: Path, old_text: str, *, force: bool = False) -> tuple[str, Proposal]:
    """The new text of ``pyproject.toml`` and what was found."""
    new_text, proposal, _, _ = _propose(project, old_text, force=force)
    return new_text, proposal


def _propose(
    project: Path, old_text: str, *, force: bool
) -> tuple[str, Proposal, dict[str, Any], dict[str, Any]]:
    import tomlkit

    try:
        document = tomlkit.parse(old_text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"pyproject.toml is not valid TOML ({exc}); fix it first") from None
    plain: dict[str, Any] = document.unwrap()
    existing = (plain.get("tool") or {}).get("envcheck") or {}
    environ, _ = _dotenv.environment(project, existing.get("env_files"), os.environ)
    pm = _registry.make_plugin_manager()
    defaults = _registry.default_config(pm, environ, project) or {}
    proposal = derive(
        project, plain, environ, defaults, _discovered(project), plugins=_plugin_sections(pm)
    )
    tool = document.get("tool")
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        document["tool"] = tool
    table = tool.get("envcheck")
    if table is None:
        table = tomlkit.table(is_super_table=True)
        tool["envcheck"] = table
    _merge(table, proposal.table, force=force)
    merged: dict[str, Any] = document.unwrap()["tool"]["envcheck"]
    validate(merged, _registry.config_models(pm), source=str(project / "pyproject.toml"))
    new_text = tomlkit.dumps(document)
    if new_text.endswith("\n\n") and not old_text.endswith("\n\n"):
        new_text = new_text.rstrip("\n") + "\n"  # the blank line after the last new table
    return new_text, proposal, merged, plain


def _plugin_sections(pm: pluggy.PluginManager) -> list[PluginSection]:
    """The sections of the installed plugins (not the built-in components), with the
    distribution each comes from."""
    distributions = {
        id(plugin): f"{dist.metadata['name']} {dist.version}"
        for plugin, dist in _registry.plugin_distributions(pm)
    }
    found: list[PluginSection] = []
    for impl in pm.hook.envcheck_config_sections.get_hookimpls():
        if impl.plugin_name in _registry.BUILTIN_PLUGINS:
            continue
        try:
            sections = impl.function()
        except Exception:  # noqa: BLE001 - a broken plugin is reported by the validation below
            continue
        if not isinstance(sections, Mapping):
            continue
        label = distributions.get(id(impl.plugin), impl.plugin_name)
        found += [PluginSection(str(name), model, label) for name, model in sections.items()]
    return found


def _merge(table: Any, proposed: Mapping[str, Any], *, force: bool) -> None:
    """Add what ``table`` lacks (new items of a requirement list too); with ``force``, replace
    what it has."""
    for key, value in proposed.items():
        present = key in table
        if isinstance(value, Mapping):
            if not present or (force and not isinstance(table[key], Mapping)):
                table[key] = _table(value)
            elif isinstance(table[key], Mapping):
                _merge(table[key], value, force=force)
            continue
        if not present or force:
            table[key] = _array(value) if isinstance(value, list) else value
        elif key in _REQUIREMENT_LISTS and isinstance(value, list):
            _merge_requirements(table[key], value)


def _merge_requirements(existing: Any, proposed: list[Any]) -> None:
    """New requirements into an existing list: one per package name, the list's own kept."""
    if not isinstance(existing, list):
        return
    have = requirement_names([str(item) for item in existing])
    for item in proposed:
        names = requirement_names([str(item)])
        if names and not names & have:
            existing.append(item)
            have |= names


def _table(value: Mapping[str, Any]) -> Any:
    """A new table; one with keys of its own (or none at all) ends with a blank line, so the
    table after it is set apart."""
    import tomlkit

    table = tomlkit.table()
    for key, item in value.items():
        if isinstance(item, Mapping):
            table[key] = _table(item)
        else:
            table[key] = _array(item) if isinstance(item, list) else item
    if not value or any(not isinstance(item, Mapping) for item in value.values()):
        table.add(tomlkit.nl())
    return table


def _array(values: list[Any]) -> Any:
    import tomlkit

    array = tomlkit.array()
    array.extend(values)
    if len(values) > 3:
        array.multiline(True)
    return array


def _discovered(project: Path) -> list[str]:
    from envcheck.mcpkit.discovery import discover

    servers, _broken = discover(project)
    return sorted({server.check_name for server in servers})


# --- .gitignore ----------------------------------------------------------------------------------


def _gitignore(project: Path, notes: list[str]) -> Change | None:
    """The report files added to the project's ``.gitignore`` (made in a git repository that has
    none), unless git ignores them already."""
    path = project / ".gitignore"
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    if old is None and _git_root(project) is None:
        notes.append("gitignore: not a git repository and no .gitignore; not written")
        return None
    missing = [name for name in _ci.REPORT_FILES if not _ignored(project, name)]
    if not missing:
        return None
    notes.append(f"gitignore: {', '.join(missing)} (the reports envcheck writes)")
    text = old or ""
    if text and not text.endswith("\n"):
        text += "\n"
    if text.strip():
        text += "\n"
    text += "# envcheck's reports (envcheck, pytest --envcheck-report)\n"
    return Change(path, old, text + "".join(f"{name}\n" for name in missing))


def _git_root(project: Path) -> Path | None:
    for directory in (project, *project.parents):
        if (directory / ".git").exists():
            return directory
    return None


def _ignored(project: Path, name: str) -> bool:
    """Does git ignore ``project/name``? Asked of git where it can answer; else the patterns of
    the ``.gitignore`` files from the project up to the repository's root."""
    root = _git_root(project)
    git = shutil.which("git")
    if root is not None and git is not None:
        try:
            done = subprocess.run(  # only its exit code answers: what it prints is dropped
                [git, "-C", str(project), "check-ignore", "-q", "--no-index", "--", name],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=_GIT_SECONDS,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired):
            done = None
        if done is not None and done.returncode in (0, 1):
            return done.returncode == 0
    ignored = False
    top = root or project
    for directory in reversed([project, *[p for p in project.parents if top in (p, *p.parents)]]):
        ignored = _patterns_ignore(directory / ".gitignore", project / name, directory, ignored)
    return ignored


def _patterns_ignore(gitignore: Path, target: Path, base: Path, ignored: bool) -> bool:
    try:
        lines = gitignore.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ignored
    relative = target.relative_to(base).as_posix()
    for line in lines:
        pattern = line.strip()
        if not pattern or pattern.startswith("#") or pattern.endswith("/"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!")
        anchored = "/" in pattern.rstrip("/")
        pattern = pattern.lstrip("/").removeprefix("**/")
        subject = relative if anchored else target.name
        if fnmatch(subject, pattern):
            ignored = not negated
    return ignored
