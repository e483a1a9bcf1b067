"""``envcheck init`` on real sample projects: what it writes, that it merges and is idempotent, and
that the checks it writes pass on this machine."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import pytest

ENVCHECK = str(Path(sys.executable).with_name("envcheck"))
POETRY_PROJECT = """\
# the app's own comment, kept by init
[tool.poetry]
name = "app"
version = "0.1.0"
description = ""
authors = []

[tool.poetry.dependencies]
python = "^3.11"
pydantic = "^2.6"
packaging = ">=23"

[tool.poetry.group.dev.dependencies]
pytest = "^8.0"
black = "*"

[tool.black]
line-length = 100  # kept too
"""
PEP621_PROJECT = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["pydantic>=2", "pytest>=8", "tomli>=1 ; python_version < '3.11'"]
"""


def _init(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "REDIS", "DATABASE"))}
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "OLLAMA_HOST", "CI"):
        environ.pop(name, None)
    environ.update(env or {})
    return subprocess.run(
        [ENVCHECK, "init", *args],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def _table(project: Path) -> dict[str, Any]:
    data = tomllib.loads((project / "pyproject.toml").read_text())
    table: dict[str, Any] = data["tool"]["envcheck"]
    return table


def test_init_derives_the_venv_from_a_poetry_project_and_keeps_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(POETRY_PROJECT)
    done = _init(tmp_path, "--yes")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.startswith(POETRY_PROJECT)  # formatting and comments untouched
    venv = _table(tmp_path)["venv"]
    assert venv == {
        "python": ">=3.11,<4",
        "require_venv": True,
        "poetry": True,
        "packages": ["pydantic>=2.6,<3", "packaging>=23"],
        "dev_packages": ["pytest", "black"],
    }
    assert "--- " in done.stdout and "+[tool.envcheck.venv]" in done.stdout  # the diff shown


def test_init_twice_changes_nothing_and_merges_without_overwriting(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        PEP621_PROJECT + '\n[tool.envcheck.venv]\npython = ">=3.11,<3.12"  # ours\n'
    )
    assert _init(tmp_path, "--yes").returncode == 0
    after_first = (tmp_path / "pyproject.toml").read_text()
    assert 'python = ">=3.11,<3.12"  # ours' in after_first  # merged, not overwritten
    assert _table(tmp_path)["venv"]["packages"] == ["pydantic>=2", "pytest>=8"]
    second = _init(tmp_path, "--yes")
    assert second.returncode == 0
    assert "nothing to change" in second.stdout
    assert (tmp_path / "pyproject.toml").read_text() == after_first
    forced = _init(tmp_path, "--yes", "--force")
    assert forced.returncode == 0
    assert _table(tmp_path)["venv"]["python"] == ">=3.11"


def test_dry_run_and_no_terminal_write_nothing(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PEP621_PROJECT)
    dry = _init(tmp_path, "--dry-run")
    assert dry.returncode == 0 and "+[tool.envcheck.venv]" in dry.stdout
    asked = _init(tmp_path)
    assert asked.returncode == 4
    assert "pass --yes to write" in asked.stderr
    assert (tmp_path / "pyproject.toml").read_text() == PEP621_PROJECT


def test_a_broken_env_file_is_one_message_naming_the_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PEP621_PROJECT)
    (tmp_path / ".env").write_text("GOOD=1\nthis is not a line\n")
    done = _init(tmp_path, "--yes")
    assert done.returncode == 4
    assert f"{tmp_path / '.env'}:2: not a KEY=value line" in done.stderr
    assert "Traceback" not in done.stderr


def test_init_on_an_ai_app_finds_its_servers_keys_and_mcp_servers_and_its_checks_pass(
    pytester: pytest.Pytester, postgres_url: str, redis_url: str
) -> None:
    project = pytester.path
    (project / "pyproject.toml").write_text(PEP621_PROJECT)
    key = "sk-proj-" + "Q" * 20 + "canaryinit"
    (project / ".env").write_text(textwrap.dedent(f"""\
            # the app's settings
            DATABASE_URL={postgres_url}
            REDIS_URL={redis_url}
            OPENAI_API_KEY={key}
            """))
    (project / "app").mkdir()
    (project / "app" / "settings.py").write_text('OPENAI_MODEL = "gpt-4o-mini"\n')
    (project / ".mcp.json").write_text('{"mcpServers": {"time": {"command": "mcp-server-time"}}}')
    done = _init(project, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    text = (project / "pyproject.toml").read_text()
    assert key not in text and key not in done.stdout  # a reference, never the secret
    table = _table(project)
    assert table["postgres"] == {"dsn": f"${{DATABASE_URL:-{postgres_url}}}"}
    assert table["redis"] == {"url": f"${{REDIS_URL:-{redis_url}}}"}
    assert table["providers"] == {"openai": {"model": "gpt-4o-mini"}}
    assert table["mcp"] == {"discover": True}
    assert "ollama" not in table  # nothing answers on 127.0.0.1:11434 here
    assert "ollama: nothing answers at http://127.0.0.1:11434" in done.stdout
    # the written configuration passes on this machine (the provider has no network: skip it)
    result = pytester.runpytest_subprocess(
        "-m", "envcheck and not providers", "-p", "no:cacheprovider"
    )
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert "failed" not in outcomes and "errors" not in outcomes
    assert outcomes["passed"] >= 10
