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

from tests.hardening import envcheck

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
    return envcheck(project, "init", *args, env=environ)


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
    # the installed plugins' sections, with their defaults (this venv has all three)
    assert table["django"] == table["sourcegraph"] == table["langchain"] == {}
    assert "langgraph" not in table  # it needs a checkpointer named first: said, not added
    assert "langgraph: from the installed plugin pytest-envcheck-langchain" in done.stdout
    # the written configuration passes on this machine (the provider and Sourcegraph have no
    # network; this app is not a Django project: the plugin's section is the user's to remove)
    result = pytester.runpytest_subprocess(
        "-m",
        "envcheck and not providers and not sourcegraph and not django",
        "-p",
        "no:cacheprovider",
    )
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert "failed" not in outcomes and "errors" not in outcomes
    assert outcomes["passed"] >= 10


def test_new_dev_tools_join_an_existing_list_once(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        PEP621_PROJECT
        + '\n[tool.envcheck.venv]\ndev_packages = ["pytest>=8.1"]  # ours\n'
        + '\n[dependency-groups]\ndev = ["pytest>=8", "black>=24", "Black", "mypy"]\n'
    )
    assert _init(tmp_path, "--yes").returncode == 0
    # the list's own item (and its specifier) kept, each new tool once
    assert _table(tmp_path)["venv"]["dev_packages"] == ["pytest>=8.1", "black", "mypy"]
    after = (tmp_path / "pyproject.toml").read_text()
    second = _init(tmp_path, "--yes")
    assert "nothing to change" in second.stdout
    assert (tmp_path / "pyproject.toml").read_text() == after
    forced = _init(tmp_path, "--yes", "--force")
    assert forced.returncode == 0
    assert _table(tmp_path)["venv"]["dev_packages"] == ["pytest", "black", "mypy"]


def _headers_set_apart(text: str) -> list[str]:
    """The table headers not preceded by a blank line (the first line aside)."""
    lines = text.splitlines()
    return [
        line
        for before, line in zip(lines, lines[1:])
        if line.startswith("[") and before.strip() and not before.startswith("#")
    ]


def test_every_new_table_is_set_apart_by_a_blank_line(tmp_path: Path) -> None:
    original = PEP621_PROJECT + '\n[tool.envcheck.venv]\npython = ">=3.11"\n\n[tool.black]\nx = 1\n'
    (tmp_path / "pyproject.toml").write_text(original)
    keys = {"OPENAI_API_KEY": "sk-proj-" + "A" * 30, "ANTHROPIC_API_KEY": "sk-ant-" + "B" * 30}
    assert _init(tmp_path, "--yes", env=keys).returncode == 0
    text = (tmp_path / "pyproject.toml").read_text()
    assert "[tool.envcheck.providers.anthropic]" in text
    assert _headers_set_apart(text) == []
    assert not text.endswith("\n\n")
    # a new file too: tables apart, one newline at the end
    (tmp_path / "pyproject.toml").write_text(PEP621_PROJECT)
    assert _init(tmp_path, "--yes", env=keys).returncode == 0
    text = (tmp_path / "pyproject.toml").read_text()
    assert _headers_set_apart(text) == [] and not text.endswith("\n\n")


def test_each_exported_key_adds_its_provider_never_the_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        PEP621_PROJECT + '\n[tool.envcheck.providers.openai]\nmodel = "gpt-4o-mini"\n'
    )
    keys = {
        "OPENAI_API_KEY": "sk-proj-" + "C" * 30,
        "ANTHROPIC_API_KEY": "sk-ant-api03-" + "D" * 30,
        "GOOGLE_API_KEY": "AIza" + "E" * 35,
    }
    done = _init(tmp_path, "--yes", env=keys)
    assert done.returncode == 0, done.stderr
    providers = _table(tmp_path)["providers"]
    assert sorted(providers) == ["anthropic", "gemini", "openai"]  # GOOGLE_API_KEY: Gemini's
    assert providers["openai"] == {"model": "gpt-4o-mini"}  # ours, kept
    text = (tmp_path / "pyproject.toml").read_text()
    for key in keys.values():
        assert key not in text and key not in done.stdout


def _git(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(project), *args], capture_output=True, text=True, timeout=30
    )


def test_the_report_files_are_added_to_gitignore_once(tmp_path: Path) -> None:
    assert _git(tmp_path, "init", "-q").returncode == 0
    (tmp_path / "pyproject.toml").write_text(PEP621_PROJECT)
    (tmp_path / ".gitignore").write_text(".venv/\n")
    dry = _init(tmp_path, "--dry-run")
    assert dry.returncode == 0
    assert "+envcheck-report.md" in dry.stdout and "+envcheck-report.json" in dry.stdout
    assert "would write pyproject.toml, .gitignore" in dry.stdout
    assert (tmp_path / ".gitignore").read_text() == ".venv/\n"
    asked = _init(tmp_path)  # no terminal: asks nothing, writes nothing
    assert asked.returncode == 4 and (tmp_path / ".gitignore").read_text() == ".venv/\n"
    assert _init(tmp_path, "--yes").returncode == 0
    ignore = (tmp_path / ".gitignore").read_text()
    assert ignore.startswith(".venv/\n")
    for name in ("envcheck-report.md", "envcheck-report.json"):
        assert _git(tmp_path, "check-ignore", "-q", name).returncode == 0, name  # git agrees
    second = _init(tmp_path, "--yes")
    assert "nothing to change" in second.stdout
    assert (tmp_path / ".gitignore").read_text() == ignore


def test_reports_ignored_already_are_not_added_and_no_repository_gets_no_gitignore(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(PEP621_PROJECT)
    done = _init(tmp_path, "--yes")
    assert done.returncode == 0
    assert not (tmp_path / ".gitignore").exists()
    assert "gitignore: not a git repository and no .gitignore; not written" in done.stdout
    (tmp_path / ".gitignore").write_text("/envcheck-report.*\n")
    again = _init(tmp_path, "--yes")
    assert "nothing to change" in again.stdout
    assert (tmp_path / ".gitignore").read_text() == "/envcheck-report.*\n"


def _workflow(project: Path) -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load((project / ".github/workflows/envcheck.yml").read_text())
    return data


def _valid_workflow(project: Path) -> subprocess.CompletedProcess[str]:
    """GitHub's workflow schema (the copy check-jsonschema ships: no network)."""
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("check-jsonschema")),
            "--builtin-schema",
            "vendor.github-workflows",
            str(project / ".github/workflows/envcheck.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ci_github_writes_a_workflow_gating_on_envcheck_with_poetry_and_venv_cached(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(POETRY_PROJECT)
    dry = _init(tmp_path, "--dry-run", "--ci", "github")
    assert "+++ " + str(tmp_path / ".github/workflows/envcheck.yml") in dry.stdout
    assert not (tmp_path / ".github").exists()
    keys = {"OPENAI_API_KEY": "sk-proj-" + "F" * 30}
    done = _init(tmp_path, "--yes", "--ci", "github", env=keys)
    assert done.returncode == 0, done.stdout + done.stderr
    checked = _valid_workflow(tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    job = _workflow(tmp_path)["jobs"]["envcheck"]
    steps = job["steps"]
    runs = [step.get("run") for step in steps]
    assert "poetry run pytest -m envcheck --envcheck-only --envcheck-report" in runs
    cached = [s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/cache@")]
    assert cached == ["~/.poetry", ".venv"]  # Poetry, then the project's environment
    assert job["env"]["POETRY_VIRTUALENVS_IN_PROJECT"] == "true"  # so .venv is what is cached
    assert job["env"]["OPENAI_API_KEY"] == "${{ secrets.OPENAI_API_KEY }}"
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()"
    assert upload["with"]["path"].split() == ["envcheck-report.md", "envcheck-report.json"]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"]["python-version"] == f"{sys.version_info[0]}.{sys.version_info[1]}"
    text = (tmp_path / ".github/workflows/envcheck.yml").read_text()
    assert keys["OPENAI_API_KEY"] not in text
    second = _init(tmp_path, "--yes", "--ci", "github", env=keys)
    assert "nothing to change" in second.stdout
    assert (tmp_path / ".github/workflows/envcheck.yml").read_text() == text


def test_ci_github_for_a_pip_project_with_servers_starts_them_and_keeps_an_edited_workflow(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        PEP621_PROJECT + '\n[dependency-groups]\ndev = ["pytest-envcheck"]\n'
    )
    (tmp_path / ".env").write_text(f"DATABASE_URL={postgres_url}\nREDIS_URL={redis_url}\n")
    done = _init(tmp_path, "--yes", "--ci", "github")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _valid_workflow(tmp_path).returncode == 0
    job = _workflow(tmp_path)["jobs"]["envcheck"]
    assert sorted(job["services"]) == ["postgres", "redis"]
    # the sections read DATABASE_URL / REDIS_URL: CI points them at its service containers
    assert job["env"]["DATABASE_URL"].startswith("postgresql://postgres@127.0.0.1:5432/")
    assert job["env"]["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    runs = [step.get("run") or "" for step in job["steps"]]
    assert ".venv/bin/pytest -m envcheck --envcheck-only --envcheck-report" in runs
    assert any(".venv/bin/pip install -e . --group dev" in run for run in runs)
    assert "pytest-envcheck is not among" not in done.stdout  # declared in the dev group
    workflow = tmp_path / ".github/workflows/envcheck.yml"
    workflow.write_text(workflow.read_text() + "# ours\n")
    kept = _init(tmp_path, "--yes", "--ci", "github")
    assert f"ci: {workflow} exists; kept (--force rewrites it)" in kept.stdout
    assert workflow.read_text().endswith("# ours\n")
