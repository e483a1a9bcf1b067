"""``envcheck init``: write a ``[tool.envcheck]`` for this project into ``pyproject.toml``.

The file's formatting and comments are kept (tomlkit); an existing table is merged (only missing
sections and keys are added) unless ``--force``; the diff is shown and confirmed before anything is
written. Running it twice changes nothing.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from envcheck.core import dotenv as _dotenv
from envcheck.core import redact
from envcheck.core.config import ConfigError, validate
from envcheck.engine import registry as _registry
from envcheck.initkit.derive import Proposal, derive

USAGE_ERROR = 4


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="envcheck init",
        description="Write a [tool.envcheck] for this project into pyproject.toml, derived from "
        "the project file, its .env, the client MCP configs and what answers on this machine.",
    )
    parser.add_argument("--yes", "-y", action="store_true", help="write without asking")
    parser.add_argument("--dry-run", action="store_true", help="print the change, write nothing")
    parser.add_argument(
        "--force", action="store_true", help="replace existing sections instead of merging"
    )
    parser.add_argument(
        "--project", metavar="DIR", help="the project directory (default: the nearest one up)"
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
    path = project / "pyproject.toml"
    try:
        old_text = path.read_text(encoding="utf-8") if path.is_file() else ""
        new_text, proposal = propose(project, old_text, force=options.force)
    except (ConfigError, _dotenv.DotenvError) as exc:
        print(f"envcheck init: {exc}", file=sys.stderr)
        return USAGE_ERROR
    for note in proposal.notes:
        print(f"  {note}")
    if new_text == old_text:
        print(f"envcheck init: {path} already has everything; nothing to change")
        return 0
    diff = difflib.unified_diff(
        old_text.splitlines(keepends=True),
        new_text.splitlines(keepends=True),
        fromfile=str(path),
        tofile=f"{path} (envcheck init)",
    )
    # secrets already in the file (a DSN's password) are context lines of the diff: masked
    sys.stdout.writelines(redact.redact(line) for line in diff)
    if options.dry_run:
        print("envcheck init: --dry-run, nothing written")
        return 0
    if not options.yes:
        if not sys.stdin.isatty():
            print(
                "envcheck init: not asking without a terminal; pass --yes to write, "
                "--dry-run to only print",
                file=sys.stderr,
            )
            return USAGE_ERROR
        if input(f"Write {path}? [y/N] ").strip().lower() not in ("y", "yes"):
            print("envcheck init: nothing written")
            return 1
    path.write_text(new_text, encoding="utf-8")
    print(f"envcheck init: wrote [tool.envcheck] to {path}; next: pytest -m envcheck")
    return 0


def propose(project: Path, old_text: str, *, force: bool = False) -> tuple[str, Proposal]:
    """The new text of ``pyproject.toml`` and what was found. Raises ConfigError when the merged
    table would not be valid (the message names the key)."""
    import tomlkit

    try:
        document = tomlkit.parse(old_text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"pyproject.toml is not valid TOML ({exc}); fix it first") from None
    plain: dict[str, Any] = document.unwrap()
    existing = (plain.get("tool") or {}).get("envcheck") or {}
    environ, _ = _dotenv.environment(project, existing.get("env_files"), os.environ)
    pm = _registry.make_plugin_manager()
    defaults = _registry.default_config(pm, environ) or {}
    proposal = derive(project, plain, environ, defaults, _discovered(project))
    tool = document.get("tool")
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        document["tool"] = tool
    table = tool.get("envcheck")
    if table is None:
        table = tomlkit.table()
        table.comment("written by `envcheck init`; edit freely (README: Configuration)")
        tool["envcheck"] = table
    _merge(table, proposal.table, force=force)
    merged = document.unwrap()["tool"]["envcheck"]
    validate(merged, _registry.config_models(pm), source=str(project / "pyproject.toml"))
    return tomlkit.dumps(document), proposal


def _merge(table: Any, proposed: Mapping[str, Any], *, force: bool) -> None:
    """Add what ``table`` lacks; with ``force``, replace what it has."""
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


def _table(value: Mapping[str, Any]) -> Any:
    import tomlkit

    table = tomlkit.table()
    for key, item in value.items():
        if isinstance(item, Mapping):
            table[key] = _table(item)
        else:
            table[key] = _array(item) if isinstance(item, list) else item
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
