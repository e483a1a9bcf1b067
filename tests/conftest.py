"""Shared helpers: every test drives a real pytest session on a small generated project."""

from __future__ import annotations

import textwrap

import pytest


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests decide for themselves whether they run "in CI" and which variables exist."""
    for name in ("CI", "GITHUB_STEP_SUMMARY", "DATABASE_URL", "REDIS_URL", "OLLAMA_HOST"):
        monkeypatch.delenv(name, raising=False)
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def write_config(pytester: pytest.Pytester):  # type: ignore[no-untyped-def]
    """Write ``[tool.envcheck]`` TOML (dedented) into the project's pyproject.toml."""

    def write(toml: str) -> None:
        pytester.makefile(".toml", pyproject=textwrap.dedent(toml))

    return write
