"""The real recordings the mock answers with (copied from provider-samples; see SOURCES.md)."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

_DROP = {"content-length", "transfer-encoding", "connection", "content-encoding", "set-cookie"}
_DROP |= {"server", "date", "content-type"}  # the mock's server sets its own


@functools.cache
def sample(name: str) -> dict[str, Any]:
    """``name`` is a file stem such as ``openai--chat-ok``."""
    text = resources.files("envcheck.mock").joinpath("data", f"{name}.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def body(name: str) -> Any:
    return sample(name)["response"]["body"]


def headers(name: str) -> dict[str, str]:
    recorded = sample(name)["response"]["headers"]
    return {k: v for k, v in recorded.items() if k.lower() not in _DROP}
