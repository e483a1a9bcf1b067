"""Reading ``pyproject.toml`` (or ``--envcheck-config``): one small stdlib-only reader.

Used by the plugin's cheap "anything to check?" test and by :mod:`envcheck.core.config`, so both
agree on what a file holds and on how a broken one is reported.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


class TomlError(ValueError):
    """The file cannot be read or is not valid TOML; the message names the file and the fix."""


def load(path: Path) -> dict[str, Any]:
    """The parsed document at ``path``; :class:`TomlError` when it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TomlError(f"{path}: not valid TOML ({exc}); fix the syntax there") from None
    except OSError as exc:
        raise TomlError(
            f"{path}: cannot be read ({exc.strerror or exc}); make it readable"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlError(f"{path}: not valid TOML ({exc}); fix the syntax there") from None


def has_tool_table(path: Path, name: str) -> bool:
    """Whether ``path`` has a ``[tool.<name>]`` table. A file that cannot be read counts as
    having one, so the full loader runs and explains the problem instead of staying silent."""
    if not path.is_file():
        return False
    try:
        document = load(path)
    except TomlError:
        return True
    tool = document.get("tool", {})
    return not isinstance(tool, dict) or name in tool


def tool_value(path: Path, name: str, key: str) -> object:
    """``[tool.<name>] <key>`` of ``path``, or ``None`` (a file that cannot be read: ``None``;
    the full loader reports it)."""
    if not path.is_file():
        return None
    try:
        tool = load(path).get("tool", {})
    except TomlError:
        return None
    table = tool.get(name) if isinstance(tool, dict) else None
    return table.get(key) if isinstance(table, dict) else None
