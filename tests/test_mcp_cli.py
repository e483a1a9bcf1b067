"""``envcheck mcp list|check|tools|serve``, driven through the real console script in generated
projects, against the real ``mcp-server-time`` and servers that are broken on purpose."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

BIN = Path(sys.executable).parent
ENVCHECK = str(BIN / "envcheck")
TIME_SERVER = str(BIN / "mcp-server-time")
DIES = "import sys; print('boom: API_URL is not set', file=sys.stderr); sys.exit(3)"

Run = Callable[..., subprocess.CompletedProcess[str]]


def _toml(value: str | list[str]) -> str:
    return json.dumps(value)  # a JSON string or array of strings is valid TOML


def project(tmp_path: Path, servers: str = "", *, discover: bool = False) -> Path:
    """A project whose pyproject.toml configures ``servers`` (TOML tables); the timeout leaves
    room for a Python server's start-up on a busy machine (a dead one fails at once anyway)."""
    head = f"[tool.envcheck.mcp]\ndiscover = {str(discover).lower()}\ntimeout = 15\n"
    (tmp_path / "pyproject.toml").write_text(head + textwrap.dedent(servers), encoding="utf-8")
    return tmp_path


def time_server(name: str = "time") -> str:
    return f"[tool.envcheck.mcp.servers.{name}]\ncommand = {_toml(TIME_SERVER)}\n"


def dying_server(name: str = "dies") -> str:
    return (
        f"[tool.envcheck.mcp.servers.{name}]\ncommand = {_toml(sys.executable)}\n"
        f"args = {_toml(['-c', DIES])}\n"
    )


@pytest.fixture
def envcheck_mcp(tmp_path: Path) -> Run:
    """Run ``envcheck mcp ARGS`` in ``tmp_path`` with HOME there (no real Claude Desktop config)."""

    def run(
        *args: str, timeout: float = 30, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HOME": str(tmp_path), "NO_COLOR": "1"}
        env.pop("XDG_CONFIG_HOME", None)
        return subprocess.run(
            [ENVCHECK, "mcp", *args],
            cwd=cwd or tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


def line_of(output: str, start: str) -> str:
    found = [line for line in output.splitlines() if line.startswith(start)]
    assert found, f"no line starts with {start!r} in:\n{output}"
    return " ".join(found[0].split())  # columns collapsed to single spaces


def test_list_checks_configured_and_discovered_servers(tmp_path: Path, envcheck_mcp: Run) -> None:
    project(tmp_path, time_server(), discover=True)
    clock = {"command": TIME_SERVER, "args": ["--local-timezone", "UTC"]}
    (tmp_path / ".cursor").mkdir()
    (tmp_path / ".cursor" / "mcp.json").write_text(json.dumps({"mcpServers": {"clock": clock}}))
    result = envcheck_mcp("list")
    assert result.returncode == 0, result.stdout + result.stderr
    assert line_of(result.stdout, "NAME") == "NAME SOURCE TRANSPORT WHERE STATUS"
    assert line_of(result.stdout, "time ").startswith(
        f"time pyproject.toml stdio {TIME_SERVER} ok: mcp-time "
    )
    clock_line = line_of(result.stdout, "clock@cursor")
    assert clock_line.startswith(
        f"clock@cursor .cursor/mcp.json stdio {TIME_SERVER} --local-timezone UTC ok: mcp-time "
    )
    assert ", protocol " in clock_line and clock_line.endswith(", 2 tools")
    assert result.stdout.splitlines()[-1] == "2 MCP server(s): 2 ok"


def test_list_shows_broken_servers_with_their_diagnosis(tmp_path: Path, envcheck_mcp: Run) -> None:
    project(
        tmp_path, '[tool.envcheck.mcp.servers.gone]\ncommand = "mcp-server-gone"\n', discover=True
    )
    dies = {"command": sys.executable, "args": ["-c", DIES]}
    (tmp_path / ".cursor").mkdir()
    (tmp_path / ".cursor" / "mcp.json").write_text(json.dumps({"mcpServers": {"dies": dies}}))
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode" / "mcp.json").write_text("{not json")
    result = envcheck_mcp("list")
    assert result.returncode == 1
    out = result.stdout
    assert line_of(out, "gone").endswith("FAIL: gone: command not found: mcp-server-gone")
    assert "    fix: install it: pip install mcp-server-gone" in out
    assert line_of(out, "dies@cursor").endswith("exited with code 3 before answering")
    assert "    why: the server stopped during start-up; its stderr ends: boom: API_URL" in out
    vscode = line_of(out, "discovery[vscode]")
    assert vscode.startswith("discovery[vscode] .vscode/mcp.json - - broken: ")
    assert "not valid JSON" in vscode
    assert out.splitlines()[-1] == "3 MCP server(s): 2 fail, 1 broken"


def test_list_fails_a_server_that_dies_after_the_handshake(
    tmp_path: Path, envcheck_mcp: Run
) -> None:
    """It answers initialize, then exits on its first request: not "ok" (issue 23)."""
    faulty = str(Path(__file__).parent / "mcp-servers" / "faulty.py")
    project(
        tmp_path,
        "[tool.envcheck.mcp.servers.crashes]\n"
        f"command = {_toml(sys.executable)}\nargs = {_toml([faulty, 'exit=tools/list:3'])}\n",
    )
    result = envcheck_mcp("list")
    assert result.returncode == 1, result.stdout + result.stderr
    line = line_of(result.stdout, "crashes")
    assert line.endswith("exited with code 3 during tools"), line
    assert "    why: the server stopped after the handshake; its stderr ends: " in result.stdout
    assert result.stdout.splitlines()[-1] == "1 MCP server(s): 1 fail"


def test_list_finds_the_project_from_a_subdirectory(tmp_path: Path, envcheck_mcp: Run) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n[tool.envcheck]\n')
    (tmp_path / "server").mkdir()
    run = tmp_path / "server" / "run.sh"
    run.write_text(f'#!/bin/sh\nexec {TIME_SERVER} "$@"\n')
    run.chmod(0o755)
    clock = {"command": "./server/run.sh", "args": ["--local-timezone", "UTC"]}
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {"clock": clock}}))
    (tmp_path / ".vscode").mkdir()
    prompted = {"command": TIME_SERVER, "env": {"TZ_TOKEN": "${input:tz}"}}
    tz = {"type": "promptString", "id": "tz", "description": "time zone token"}
    vscode = {"inputs": [tz], "servers": {"tz": prompted}}
    (tmp_path / ".vscode" / "mcp.json").write_text(json.dumps(vscode))
    sub = tmp_path / "src" / "app"
    sub.mkdir(parents=True)
    for args in (("list",), ("list", "--config", "../../pyproject.toml")):
        result = envcheck_mcp(*args, cwd=sub)
        assert result.returncode == 0, result.stdout + result.stderr
        clock_line = line_of(result.stdout, "clock@mcp.json")
        assert clock_line.startswith(
            "clock@mcp.json .mcp.json stdio ./server/run.sh --local-timezone UTC ok: mcp-time "
        ), clock_line
        tz_line = line_of(result.stdout, "tz@vscode")
        assert tz_line.startswith("tz@vscode .vscode/mcp.json - - skipped: "), tz_line
        assert "needs VS Code's prompt for tz" in tz_line
        assert result.stdout.splitlines()[-1] == "2 MCP server(s): 1 ok, 1 skipped"


def test_list_without_checking_starts_nothing(tmp_path: Path, envcheck_mcp: Run) -> None:
    marker = tmp_path / "started"
    touch = f"open({str(marker)!r}, 'w')"
    project(
        tmp_path,
        f"[tool.envcheck.mcp.servers.touchy]\ncommand = {_toml(sys.executable)}\n"
        f"args = {_toml(['-c', touch])}\n"
        '[tool.envcheck.mcp.servers.remote]\nurl = "http://127.0.0.1:9/mcp"\n',
    )
    result = envcheck_mcp("list", "--no-check")
    assert result.returncode == 0, result.stdout + result.stderr
    touchy = line_of(result.stdout, "touchy")
    assert touchy == f"touchy pyproject.toml stdio {shlex.join([sys.executable, '-c', touch])} " + (
        "not checked"
    )
    assert line_of(result.stdout, "remote") == (
        "remote pyproject.toml http http://127.0.0.1:9/mcp not checked"
    )
    assert not marker.exists()


def test_check_runs_every_check_of_a_working_server(tmp_path: Path, envcheck_mcp: Run) -> None:
    project(tmp_path, time_server())
    result = envcheck_mcp("check", "time")
    assert result.returncode == 0, result.stdout + result.stderr
    for step in ("start", "initialize", "tools", "resources", "prompts", "ping"):
        assert line_of(result.stdout, f"  PASS  time.{step} ")
    assert "2 tools, input schemas valid" in line_of(result.stdout, "  PASS  time.tools")
    assert result.stdout.splitlines()[-1] == "time: 6 passed"


def test_check_of_a_broken_server_explains_and_exits_1(tmp_path: Path, envcheck_mcp: Run) -> None:
    project(tmp_path, dying_server())
    result = envcheck_mcp("check", "dies")
    assert result.returncode == 1
    assert "exited with code 3 before answering" in line_of(result.stdout, "  FAIL  dies.start")
    assert "        why: the server stopped during start-up; its stderr ends: boom:" in (
        result.stdout
    )
    assert "        fix: run `" in result.stdout
    assert "blocked by mcp/dies.start" in line_of(result.stdout, "  SKIP  dies.initialize")
    assert result.stdout.splitlines()[-1] == "dies: 1 failed, 5 skipped"


def test_unknown_server_is_a_usage_error(tmp_path: Path, envcheck_mcp: Run) -> None:
    project(tmp_path, time_server() + dying_server())
    result = envcheck_mcp("check", "tiem")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "envcheck mcp: no MCP server named 'tiem' here; known: time, dies"
    )
    assert envcheck_mcp("tools", "tiem").returncode == 2


def test_a_configuration_error_is_one_message(tmp_path: Path, envcheck_mcp: Run) -> None:
    project(tmp_path, '[tool.envcheck.mcp.servers.time]\ncomand = "mcp-server-time"\n')
    result = envcheck_mcp("list")
    assert result.returncode == 4
    assert "tool.envcheck.mcp.servers.time.comand: unknown key; did you mean 'command'?" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_tools_lists_names_and_descriptions(tmp_path: Path, envcheck_mcp: Run) -> None:
    project(tmp_path, time_server())
    result = envcheck_mcp("tools", "time")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert "get_current_time Get current time in a specific timezone" in lines
    assert any(line.startswith("convert_time ") for line in lines)
    assert len(lines) == 2


def test_tools_of_a_broken_server_prints_the_diagnosis(tmp_path: Path, envcheck_mcp: Run) -> None:
    project(tmp_path, '[tool.envcheck.mcp.servers.gone]\ncommand = "mcp-server-gone"\n')
    result = envcheck_mcp("tools", "gone")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "FAIL  gone.start: gone: command not found: mcp-server-gone"
    )
    assert "      fix: install it: pip install mcp-server-gone" in result.stdout


def test_config_file_and_no_servers(tmp_path: Path, envcheck_mcp: Run) -> None:
    bare = f"[mcp]\ndiscover = false\n[mcp.servers.time]\ncommand = {_toml(TIME_SERVER)}\n"
    (tmp_path / "envcheck.toml").write_text(bare)  # a bare table of sections
    result = envcheck_mcp("list", "--no-check", "--config", "envcheck.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert line_of(result.stdout, "time") == f"time envcheck.toml stdio {TIME_SERVER} not checked"
    missing = envcheck_mcp("list", "--config", "nowhere.toml")
    assert missing.returncode == 4
    assert missing.stderr.strip() == "envcheck mcp: --config nowhere.toml: no such file"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    nothing = envcheck_mcp("list")
    assert nothing.returncode == 0, nothing.stdout + nothing.stderr
    said = nothing.stdout.splitlines()
    assert "no MCP servers in [tool.envcheck.mcp.servers] nor in .mcp.json" in said[0]
    assert said[1].startswith("    fix: ") and "[tool.envcheck.mcp.servers.NAME]" in said[1]


Calls = list[tuple[str, dict[str, Any]]]


#: the tools of `envcheck mcp serve`; with --allow-fix also apply_fix
TOOLS = {"run_checks", "last_report", "list_components", "plan_fixes"}


async def _serve_session(tmp_path: Path, calls: Calls, *flags: str) -> list[dict[str, Any]]:
    """Make ``calls`` to `envcheck mcp serve FLAGS` through the SDK's own client; their
    answers."""
    from mcp import Client, StdioServerParameters
    from mcp_types import TextContent

    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "envcheck.cli.main", "mcp", "serve", "--timeout", "60", *flags],
        cwd=tmp_path,
        env={"HOME": str(tmp_path), "PATH": os.environ.get("PATH", "")},
    )
    answers = []
    with anyio.fail_after(60):
        async with Client(server) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert names == (TOOLS | {"apply_fix"} if "--allow-fix" in flags else TOOLS)
            for tool, arguments in calls:
                result = await client.call_tool(tool, arguments)
                assert not result.is_error, result.content
                assert isinstance(result.structured_content, dict)
                first = result.content[0]
                assert isinstance(first, TextContent), first
                assert json.loads(first.text) == result.structured_content
                answers.append(result.structured_content)
    return answers


def test_serve_runs_the_checks_for_an_mcp_client(tmp_path: Path) -> None:
    project(tmp_path, time_server())
    calls: Calls = [("last_report", {}), ("run_checks", {"component": "mcp"}), ("last_report", {})]
    before, ran, after = anyio.run(_serve_session, tmp_path, calls)
    assert before["report"] is None
    assert "call run_checks" in before["message"]
    assert ran["verdict"] == "passed"
    assert ran["summary"] == "6 checks: 6 passed, 0 failed, 0 warned, 0 skipped"
    assert ran["problems"] == []
    assert ran["report"] == str(tmp_path / "envcheck-report.json")
    assert after == ran


def test_serve_reports_what_to_fix(tmp_path: Path) -> None:
    project(tmp_path, dying_server())
    calls: Calls = [
        ("list_components", {}),
        ("run_checks", {"component": "mpc"}),
        ("run_checks", {}),
        ("plan_fixes", {"component": "mcp"}),
    ]
    components, typo, ran, plan = anyio.run(_serve_session, tmp_path, calls, "--allow-fix")
    assert typo["verdict"] == "error"
    assert typo["message"].startswith("unknown component 'mpc'; known: ")
    assert "mcp" in typo["message"].split("known: ")[1].split(", ")
    assert "mcp" in components["components"] and components["configured"] == ["mcp"]
    assert ran["verdict"] == "failed"
    assert ran["counts"] == {"pass": 0, "fail": 1, "warn": 0, "skip": 5, "total": 6}
    [problem] = ran["problems"]
    assert problem["id"] == "mcp/dies.start"
    assert problem["status"] == "fail"
    assert problem["summary"].endswith("exited with code 3 before answering")
    assert "its stderr ends: boom: API_URL is not set; only " in problem["why"]
    assert problem["why"].endswith(" reach the server, not the rest of your shell's environment")
    assert problem["hint"].startswith("run `")
    # its fix is a person's: planned, and apply_fix (offered with --allow-fix) would refuse it
    assert plan["verdict"] == "fixes planned"
    [fix] = plan["fixes"]
    assert fix["checks"] == ["mcp/dies.start"] and fix["text"] == problem["hint"]
    assert [step["kind"] for step in fix["steps"]] == ["manual"]
    assert (fix["manual"], fix["refused"]) == (True, "manual")
