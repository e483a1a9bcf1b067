"""Anthropic's model aliases: which short names the API itself resolves to a dated model id."""

from __future__ import annotations

import re
from collections.abc import Iterable

_DATED = re.compile(r"^(?P<base>claude-.+)-(?P<date>\d{8})$")


def aliases(model_id: str) -> list[str]:
    """The aliases Anthropic gives a dated id (docs.claude.com, "Model aliases"):
    ``claude-3-7-sonnet-latest`` for the Claude 3 generation, ``claude-sonnet-4-5`` (the id
    without its date) from Claude 4 on, and ``claude-sonnet-4-0`` where the id has no minor
    version (``claude-sonnet-4-20250514``). Prefixes such as ``claude`` or ``claude-3`` are none."""
    found = _DATED.match(model_id)
    if found is None:
        return []
    base = found["base"]
    if base.startswith("claude-3"):
        return [f"{base}-latest"]
    if re.search(r"-\d+-\d+$", base):
        return [base]
    return [f"{base}-0"]


def resolve(want: str, ids: Iterable[str]) -> str | None:
    """The listed id that ``want`` names: itself, or the dated id it is an alias of."""
    listed = list(ids)
    if want in listed:
        return want
    return next((i for i in listed if want in aliases(i)), None)
