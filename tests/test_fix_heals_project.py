"""``envcheck fix --yes`` heals broken projects in one command: a package of the lock missing from
the virtualenv, a poetry.lock out of step with pyproject.toml, a model not pulled on a replayed
Ollama, and an MCP server started without the variable it needs. Each runs the console script in
the project, and asserts its exit code, the re-check and the report's ``fixes``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.throwaway import make_venv, relocate_venv
from tests.verdicts.replay import Answer, Replay, Route, published
from tests.verdicts.venv_lab import POETRY, base_env

FAULTY = str(Path(__file__).resolve().parent / "mcp-servers" / "faulty.py")


def fix(
    root: Path, *args: str, python: Path | str = sys.executable, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """``envcheck fix --yes ARGS`` run by ``python`` in ``root``."""
    done: subprocess.CompletedProcess[str] = subprocess.run(
        [str(python), "-m", "envcheck.cli.main", "fix", "--yes", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(env),
    )
    return done


def report(root: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((root / "envcheck-report.json").read_text())
    return found


def statuses(root: Path) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report(root)["checks"]}


def applied(root: Path) -> list[dict[str, Any]]:
    """The report's fixes that were applied."""
    return [f for f in report(root)["fixes"] if f["applied"]]


# -- the virtualenv and poetry.lock ---------------------------------------------------------------


@pytest.fixture()
def poetry_project(
    tmp_path: Path, template: Path, poetry_home: Path
) -> tuple[Path, dict[str, str]]:
    """A copy of the venv lab's locked, installed Poetry project (``.venv`` in it, which sees
    pytest and envcheck) and the environment to run Poetry and envcheck in (never the suite's
    own VIRTUAL_ENV)."""
    app = tmp_path / "app"
    shutil.copytree(template, app, symlinks=True)
    relocate_venv(app / ".venv", template / ".venv")
    return app, base_env(poetry_home)


def test_a_locked_dev_package_missing_from_the_venv_is_installed(
    poetry_project: tuple[Path, dict[str, str]],
) -> None:
    app, env = poetry_project
    text = (app / "pyproject.toml").read_text()
    (app / "pyproject.toml").write_text(text + 'dev_packages = ["demo-dev"]\n')
    python = app / ".venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "uninstall", "--yes", "-q", "demo-dev"],
        check=True,
        env=env,
        capture_output=True,
    )
    done = fix(app, python=python, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 healed, 0 still failing, 0 not applied" in done.stdout
    [record] = applied(app)
    assert set(record["checks"]) == {"venv/dev-package[demo-dev]", "venv/lock-drift"}
    assert record["healed"] == record["checks"]
    [step] = record["steps"]
    assert (step["kind"], step["text"], step["ok"], step["exit_code"]) == (
        "command",
        "poetry install",
        True,
        0,
    )
    assert "Installing demo-dev (1.0" in step["output"]
    assert set(statuses(app).values()) == {"pass"}, statuses(app)
    subprocess.run([str(python), "-c", "import demo_dev"], check=True)


def test_a_stale_lock_file_is_locked_again_and_synced(
    poetry_project: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    app, env = poetry_project
    # envcheck runs from a virtualenv outside the project: `poetry sync` in the project's .venv
    # would otherwise try to remove every package this suite lends it (pytest, envcheck, ...)
    for lent in app.glob(".venv/lib/python3*/site-packages/zz_*.pth"):
        lent.unlink()
    runner = make_venv(tmp_path / "runner")
    pyproject = app / "pyproject.toml"
    pyproject.write_text(
        "".join(line for line in pyproject.read_text().splitlines(True) if "demo-gamma" not in line)
    )
    locked = (app / "poetry.lock").read_text()
    # only the lock's check: the others judge the interpreter envcheck runs in
    done = fix(app, "-k", "lock-file", python=runner, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 healed, 0 still failing, 0 not applied" in done.stdout
    [record] = applied(app)
    assert record["checks"] == record["healed"] == ["venv/lock-file"]
    assert [(s["text"], s["ok"], s["exit_code"]) for s in record["steps"]] == [
        ("poetry lock", True, 0),
        ("poetry sync", True, 0),
    ]
    assert statuses(app) == {"venv/lock-file": "pass"}
    assert (app / "poetry.lock").read_text() != locked
    check = subprocess.run(
        [POETRY, "check", "--lock"], cwd=app, env=env, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


# -- Ollama ---------------------------------------------------------------------------------------

#: what POST /api/pull answers with "stream": false (Ollama's API reference, "Pull a Model")
PULLED = Answer(200, b'{"status":"success"}', {"content-type": "application/json; charset=utf-8"})
#: an ``ollama`` on PATH that does what ``ollama pull MODEL`` does: POST /api/pull to OLLAMA_HOST
#: (through Ollama's own Python client)
OLLAMA = """#!{python}
import sys

import ollama

if sys.argv[1:2] != ["pull"] or len(sys.argv) != 3:
    sys.exit("usage: ollama pull MODEL")
print(ollama.Client().pull(sys.argv[2], stream=False).status)
"""


def pulling_ollama() -> tuple[dict[str, Route], set[str]]:
    """A replayed Ollama (its published answers) that knows a model once it was pulled; the set
    holds what was pulled."""
    pulled: set[str] = set()

    def pull(body: Any) -> Answer:
        pulled.add(str(body.get("model") or body.get("name")))
        return PULLED

    def show(body: Any) -> Answer:
        if str(body.get("model") or body.get("name")) in pulled:
            return published("ollama--show-model-info")
        return published("ollama--404-model-not-found")

    routes: dict[str, Route] = {
        "GET /api/version": published("ollama--version"),
        "GET /api/tags": published("ollama--tags"),
        "GET /api/ps": published("ollama--ps"),
        "POST /api/show": show,
        "POST /api/pull": pull,
    }
    return routes, pulled


def install_ollama(bin_dir: Path) -> None:
    """The :data:`OLLAMA` program as ``bin_dir/ollama`` (``bin_dir`` made)."""
    bin_dir.mkdir()
    program = bin_dir / "ollama"
    program.write_text(OLLAMA.format(python=sys.executable))
    program.chmod(0o755)


@pytest.mark.parametrize("configured", ["OLLAMA_HOST", "pyproject"])
def test_a_model_not_pulled_on_a_replayed_ollama_is_pulled(
    pytester: pytest.Pytester, tmp_path: Path, configured: str
) -> None:
    """The Ollama is named by OLLAMA_HOST, or by ``host`` in pyproject.toml with OLLAMA_HOST
    unset: there the pull must name the host too (the ``ollama`` client pulls onto
    127.0.0.1:11434 when OLLAMA_HOST is unset)."""
    model = "llama9:70b"
    routes, pulled = pulling_ollama()
    bin_dir = tmp_path / "bin"
    install_ollama(bin_dir)
    with Replay(routes) as replay:
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
        env.pop("OLLAMA_HOST", None)
        host = ""
        if configured == "OLLAMA_HOST":
            env["OLLAMA_HOST"] = replay.url
        else:
            host = f'host = "{replay.url}"'
        pytester.makepyprojecttoml(textwrap.dedent(f"""
                [tool.envcheck.ollama]
                {host}
                models = ["{model}"]
                smoke = false
                cassettes = false
                timeout = 4.0
                """))
        done = fix(pytester.path, "-m", "ollama", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert replay.calls_to("POST", "/api/pull")
    assert pulled == {model}
    assert "1 healed, 0 still failing, 0 not applied" in done.stdout
    [record] = applied(pytester.path)
    assert record["checks"] == record["healed"] == [f"ollama/model[{model}]"]
    command = f"ollama pull {model}"
    if configured == "pyproject":
        command = f"env OLLAMA_HOST={replay.url} {command}"
    assert [(s["text"], s["ok"], s["exit_code"]) for s in record["steps"]] == [(command, True, 0)]
    assert statuses(pytester.path)[f"ollama/model[{model}]"] == "pass"
    assert "fail" not in statuses(pytester.path).values(), statuses(pytester.path)


# -- MCP ------------------------------------------------------------------------------------------


def test_an_mcp_server_not_passed_its_variable_gets_it_in_mcp_json(
    pytester: pytest.Pytester,
) -> None:
    """``.mcp.json`` starts a server that needs ``FX_API_URL``, set in the shell but not passed
    (a stdio server gets only the SDK's default variables): the fix adds the entry's ``env``."""
    entry = {"command": sys.executable, "args": [FAULTY, "need-env=FX_API_URL"]}
    (pytester.path / ".mcp.json").write_text(json.dumps({"mcpServers": {"needsenv": entry}}))
    pytester.makepyprojecttoml("[tool.envcheck.mcp]\ntimeout = 8.0\n")
    env = {**os.environ, "FX_API_URL": "http://127.0.0.1:9/api"}
    done = fix(pytester.path, "-m", "mcp", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 healed, 0 still failing, 0 not applied" in done.stdout
    [record] = applied(pytester.path)
    assert record["checks"] == record["healed"] == ["mcp/needsenv@mcp.json.start"]
    [step] = record["steps"]
    assert (step["kind"], step["ok"]) == ("edit", True)
    assert step["text"] == 'set mcpServers.needsenv.env.FX_API_URL = "${FX_API_URL}" in .mcp.json'
    written = json.loads((pytester.path / ".mcp.json").read_text())
    assert written["mcpServers"]["needsenv"]["env"] == {"FX_API_URL": "${FX_API_URL}"}
    found = statuses(pytester.path)
    assert found["mcp/needsenv@mcp.json.initialize"] == "pass", found
    assert "fail" not in found.values(), found


def test_an_mcp_server_whose_variable_is_unset_gets_the_default_the_template_offers(
    pytester: pytest.Pytester,
) -> None:
    """``.mcp.json`` passes ``${FX_API_URL}``, unset in the shell; the project's ``.env.example``
    offers a value: the fix writes it as a default Claude Code itself expands
    (``${FX_API_URL:-value}``), so the server starts in the client as in the re-check, and the
    variable still wins once it is set."""
    entry = {
        "command": sys.executable,
        "args": [FAULTY, "need-env=FX_API_URL"],
        "env": {"FX_API_URL": "${FX_API_URL}"},
    }
    (pytester.path / ".mcp.json").write_text(json.dumps({"mcpServers": {"offered": entry}}))
    (pytester.path / ".env.example").write_text(
        "# copy to .env\nFX_API_URL=http://127.0.0.1:9/api\nFX_API_KEY=sk-from-the-template\n"
    )
    pytester.makepyprojecttoml("[tool.envcheck.mcp]\ntimeout = 8.0\n")
    env = {k: v for k, v in os.environ.items() if k != "FX_API_URL"}
    plan = subprocess.run(
        [sys.executable, "-m", "envcheck.cli.main", "fix", "--dry-run", "-m", "mcp"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    # the plan shows the edit as the diff it makes
    assert (
        '+        "FX_API_URL": "${FX_API_URL:-http://127.0.0.1:9/api}"' in plan.stdout
    ), plan.stdout
    assert json.loads((pytester.path / ".mcp.json").read_text())["mcpServers"]["offered"] == entry
    done = fix(pytester.path, "-m", "mcp", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 healed, 0 still failing, 0 not applied" in done.stdout
    [record] = applied(pytester.path)
    assert record["checks"] == record["healed"] == ["mcp/offered@mcp.json.start"]
    [step] = record["steps"]
    assert (step["kind"], step["ok"]) == ("edit", True)
    assert step["text"] == (
        'set mcpServers.offered.env.FX_API_URL = "${FX_API_URL:-http://127.0.0.1:9/api}" '
        "in .mcp.json"
    )
    written = json.loads((pytester.path / ".mcp.json").read_text())["mcpServers"]["offered"]
    assert written["env"] == {"FX_API_URL": "${FX_API_URL:-http://127.0.0.1:9/api}"}
    found = statuses(pytester.path)
    assert found["mcp/offered@mcp.json.initialize"] == "pass", found
    assert "fail" not in found.values(), found
    assert "sk-from-the-template" not in (pytester.path / "envcheck-report.json").read_text()
