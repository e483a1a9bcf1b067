"""The public surface and the promise that an installed-but-unused envcheck stays out of the way."""

from __future__ import annotations

import subprocess
import sys

import pytest

import envcheck

HEAVY = (
    "pydantic",
    "psycopg",
    "redis",
    "httpx",
    "anyio",
    "vcr",
    "ollama",
    "mcp",
    "openai",
    "anthropic",
)


def test_every_public_name_resolves() -> None:
    for name in envcheck.__all__:
        assert getattr(envcheck, name) is not None
    assert envcheck.Check(name="n", component="c", run=lambda ctx: None).id == "c/n"


def test_importing_the_plugin_imports_no_heavy_client() -> None:
    probe = (
        "import sys, envcheck.pytest_plugin.plugin, envcheck.pytest_plugin.fixtures; "
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_registering_the_built_in_components_imports_no_client() -> None:
    """What a configured project's session imports before any check runs: every built-in
    component's hooks. A client imported there (anyio, once, through a constant) fails every
    session of a project installed without that component's extra, with INTERNALERROR."""
    from envcheck.engine.registry import BUILTIN_PLUGINS

    clients = [m for m in HEAVY if m != "pydantic"]  # pydantic: the configuration's, always there
    probe = (
        "import importlib, sys\n"
        f"for name in {BUILTIN_PLUGINS!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(' '.join(m for m in {clients!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_project_without_envcheck_config_gets_no_checks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app="def test_app():\n    pass\n")
    pytester.makefile(".toml", pyproject='[project]\nname = "app"\nversion = "0"\n')
    result = pytester.runpytest_inprocess("-v")
    result.assert_outcomes(passed=1)
    assert "envcheck" not in result.stdout.str().split("plugins:")[1].split("\n", 1)[1]
