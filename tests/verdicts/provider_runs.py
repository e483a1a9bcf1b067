"""What the provider and Ollama held-out sets share: a shell without the settings that would
point the clients elsewhere, the fake keys set, and one in-process envcheck session whose output
and report must hold none of those keys."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.verdicts.test_providers import KEYS, STRICT

#: what would send a client somewhere else than the replay (a proxy, a base URL, a project)
REDIRECTING = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "ANTHROPIC_BASE_URL",
    "GOOGLE_API_KEY",
    "GOOGLE_GEMINI_BASE_URL",
    "OLLAMA_HOST",
)


def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in REDIRECTING:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for variable in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.setenv(variable, KEYS[variable])


def run(pytester: pytest.Pytester, marker: str, toml: str) -> dict[str, dict[str, Any]]:
    """One in-process envcheck session; its checks by id. No key may be in what it shows."""
    from envcheck.llm import _pool

    _pool.close_all()
    pytester.makefile(".toml", pyproject=toml)
    try:
        result = pytester.runpytest_inprocess("-m", marker, "--envcheck-report", *STRICT)
    finally:
        _pool.close_all()
    output = result.stdout.str() + result.stderr.str()
    written = (pytester.path / "envcheck-report.json").read_text()
    leaked = [k for k in KEYS.values() if k in output or k in written]
    assert not leaked, f"a key is in the output: {leaked}"
    return {c["id"]: c for c in json.loads(written)["checks"]}
