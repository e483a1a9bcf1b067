"""The mcp component against real MCP servers (mcp-server-time from PyPI, server-everything from
npm) over stdio, streamable HTTP and SSE, and against broken servers the tests make."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from mcp.client.stdio import get_default_environment

from tests.mcp_servers import (
    EVERYTHING,
    HEARS_THE_CLIENT,
    LOCALHOST_ONLY,
    TIME,
    alive,
    everything_http,
    heard,
    http_status_server,
    node,
    pid_of,
    script,
)
from tests.servers import free_port, garbage_server, popen_with_signals


def q(value: Any) -> str:
    """A TOML value: tables inline, the rest as JSON (JSON strings and lists are valid TOML)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {q(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def configure(pytester: pytest.Pytester, servers: dict[str, dict[str, Any]], **mcp: Any) -> None:
    lines = ["[tool.envcheck.mcp]", f"discover = {q(mcp.pop('discover', False))}"]
    lines += [f"{key} = {q(value)}" for key, value in mcp.items()]
    for name, table in servers.items():
        lines.append(f"[tool.envcheck.mcp.servers.{name}]")
        lines += [f"{key} = {q(value)}" for key, value in table.items()]
    pytester.makefile(".toml", pyproject="\n".join(lines) + "\n")


def report(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    data = json.loads((pytester.path / "envcheck-report.json").read_text())
    return {check["name"]: check for check in data["checks"]}


@pytest.fixture(autouse=True)
def _no_real_client_configs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Claude Desktop's config is looked up under HOME: never read the real one."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)


def test_real_servers_over_stdio_in_both_protocol_eras(pytester: pytest.Pytester) -> None:
    configure(
        pytester,
        {
            "time": {
                "command": TIME,
                "expect_tools": ["get_current_time", "convert_time"],
                "call": {"tool": "get_current_time", "arguments": {"timezone": "UTC"}},
            },
            "everything": {"command": node(), "args": [EVERYTHING, "stdio"]},
        },
        timeout=20.0,
    )
    result = pytester.runpytest_subprocess("-v", "-m", "mcp", "--envcheck-report")
    result.assert_outcomes(passed=13)
    result.stdout.fnmatch_lines_random(
        [
            "  PASS  time.initialize * mcp-time *, protocol 2026-07-28 via server/discover in * ms "
            "(tools, resources, prompts)*",
            "  PASS  time.tools * 2 tools, input schemas valid; expected present: "
            "get_current_time, convert_time*",
            "  PASS  time.ping * server/discover answered in * ms (protocol 2026-07-28 has no "
            "ping)*",
            "  PASS  time.call * get_current_time answered in * ms*",
            "  PASS  everything.initialize * mcp-servers/everything *, protocol 2025-11-25 via "
            "initialize in * ms (tools, resources, prompts, logging, completions)*",
            "  PASS  everything.resources * resources, * templates*",
            "  PASS  everything.prompts * prompts*",
            "  PASS  everything.ping * ping answered in * ms*",
        ]
    )
    checks = report(pytester)
    assert checks["everything.initialize"]["facts"]["handshake"] == "initialize"
    assert checks["time.initialize"]["facts"]["protocol_version"] == "2026-07-28"
    assert checks["everything.tools"]["facts"]["tools"] >= 10
    for name in ("time.start", "everything.start"):  # no server outlives the run
        assert not alive(checks[name]["facts"]["pid"])


def test_server_everything_over_streamable_http_and_sse(pytester: pytest.Pytester) -> None:
    with everything_http("streamableHttp") as http_port, everything_http("sse") as sse_port:
        http_url, sse_url = f"http://127.0.0.1:{http_port}/mcp", f"http://127.0.0.1:{sse_port}/sse"
        # a client config without "type": the client's rule (streamable HTTP, then SSE)
        (pytester.path / ".cursor").mkdir()
        (pytester.path / ".cursor" / "mcp.json").write_text(
            json.dumps({"mcpServers": {"legacy": {"url": sse_url + "?via=cursor"}}})
        )
        servers: dict[str, dict[str, Any]] = {
            "http": {"url": http_url, "expect_tools": ["echo"]},
            "sse": {"url": sse_url, "expect_tools": ["echo"]},
            "wrongpath": {"url": f"http://127.0.0.1:{http_port}/api"},
            "echo": {
                "url": http_url,
                "call": {"tool": "echo", "arguments": {"message": "hi"}, "expect": "Echo: hi"},
            },
            "sse_as_http": {"url": sse_url, "transport": "http"},
            "http_as_sse": {"url": http_url, "transport": "sse"},
            "tls": {"url": http_url.replace("http://", "https://")},
        }
        configure(pytester, servers, timeout=10.0, discover=True)
        result = pytester.runpytest_subprocess("-v", "-m", "mcp", "--envcheck-report")
        checks = report(pytester)
        for name in ("http", "sse", "echo", "legacy@cursor"):
            assert checks[f"{name}.initialize"]["status"] == "pass", checks[f"{name}.initialize"]
            assert checks[f"{name}.ping"]["status"] == "pass"
        assert checks["sse.start"]["facts"]["transport"] == "sse"
        assert checks["legacy@cursor.start"]["facts"]["transport"] == "sse"
        assert checks["echo.call"]["status"] == "pass"
        result.stdout.fnmatch_lines_random(
            [
                "  PASS  legacy@cursor.start * answers over SSE (streamable HTTP got HTTP 4*; MCP "
                "clients fall back to SSE, as envcheck did)*",
                "*mcp/wrongpath.initialize: wrongpath: HTTP 404 from http://127.0.0.1:*/api: no "
                "MCP endpoint at this path",
                "*why: the server answers, but neither streamable HTTP nor SSE works at this URL "
                "(HTTP 404 over streamable HTTP): streamable HTTP servers usually serve /mcp, SSE "
                "servers /sse",
                "*fix: fix url in [[]tool.envcheck.mcp.servers.wrongpath] *",
                "*mcp/sse_as_http.initialize: sse_as_http: HTTP 4* from * over streamable HTTP; "
                "the server answers SSE at this URL",
                '*fix: set transport = "sse" in [[]tool.envcheck.mcp.servers.sse_as_http]',
                "*mcp/http_as_sse.initialize: http_as_sse: HTTP 4* from * over SSE; the server "
                "answers streamable HTTP at this URL",
                '*fix: set transport = "http" in [[]tool.envcheck.mcp.servers.http_as_sse]',
                "*mcp/tls.start: tls: TLS to a plain-HTTP port: 127.0.0.1:* answers plain HTTP, "
                "not TLS",
                f'*fix: use http://: set url = "{http_url}" in [[]tool.envcheck.mcp.servers.tls]',
            ]
        )
        assert checks["tls.initialize"]["status"] == "skip"
        # the printed fixes, applied: both servers pass
        servers["sse_as_http"]["transport"] = "sse"
        servers["http_as_sse"]["transport"] = "http"
        servers["tls"]["url"] = http_url
        configure(pytester, servers, timeout=10.0)
        again = pytester.runpytest_subprocess(
            "-m", "mcp", "-k", "sse_as_http or http_as_sse or tls"
        )
        again.assert_outcomes(passed=18)


def test_http_failures(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCS_TOKEN", "tok-9f8e7d6c5b4a")
    # an answer cut off in the middle (it promises 100 bytes, sends one, hangs up)
    cut = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"
    with (
        http_status_server(401) as port,
        http_status_server(401) as cursor_port,
        http_status_server(500) as failing,
        http_status_server(400) as rejects,
        http_status_server(200, "text/html", b"<html>docs</html>") as web_page,
        garbage_server(cut) as breaks,
    ):
        configure(
            pytester,
            {
                "docs": {
                    "url": f"http://127.0.0.1:{port}/mcp",
                    "headers": {"Authorization": "Bearer ${DOCS_TOKEN}"},
                },
                "down": {"url": f"http://127.0.0.1:{free_port()}/mcp"},
                "web": {"url": f"http://127.0.0.1:{failing}/mcp"},
                "rejects": {"url": f"http://127.0.0.1:{rejects}/mcp"},
                "garbage": {"url": f"http://127.0.0.1:{web_page}/mcp"},
                "broken": {"url": f"http://127.0.0.1:{breaks}/mcp"},
            },
            timeout=3.0,
            discover=True,
        )
        cursor = pytester.path / ".cursor" / "mcp.json"
        cursor.parent.mkdir()
        private = {"url": f"http://127.0.0.1:{cursor_port}/mcp"}
        cursor.write_text(json.dumps({"mcpServers": {"private": private}}))
        result = pytester.runpytest_subprocess("-v", "-m", "mcp", "--envcheck-report")
    result.stdout.fnmatch_lines_random(
        [
            # the fix in the syntax of the file that declares the server
            "*mcp/private@cursor.initialize: private@cursor: HTTP 401 from *: the server refused "
            "the credentials",
            f'*fix: set "headers": {{"Authorization": "Bearer ${{env:TOKEN}}"}} in {cursor} '
            "(server 'private') (and export TOKEN)",
            # the header was sent: the token is refused, the fix is not the header again
            "*mcp/docs.initialize: docs: HTTP 401 from http://127.0.0.1:*/mcp: the server "
            "refused the credentials",
            "*why: the Authorization header was sent, and the server refused it: a wrong, "
            "expired or revoked token",
            "*fix: get a new token for http://127.0.0.1:*/mcp from whoever issued it and put it "
            "where the Authorization header takes it from (a variable, or "
            "[[]tool.envcheck.mcp.servers.docs])",
            "*mcp/down.start: connection refused at 127.0.0.1:*",
            "*fix: start the MCP server down so that it listens on 127.0.0.1:*",
            "*mcp/web.initialize: web: HTTP 500 from http://127.0.0.1:*/mcp to the MCP handshake",
            "*mcp/rejects.initialize: rejects: HTTP 400 from http://127.0.0.1:*/mcp: the server "
            "rejected the MCP handshake",
            "*why: neither streamable HTTP nor SSE is accepted here (HTTP 400 over streamable "
            "HTTP): the endpoint wants other headers*",
            "*mcp/garbage.initialize: garbage: http://127.0.0.1:*/mcp is not an MCP endpoint: it "
            "answered text/html",
            "*mcp/broken.initialize: broken: initialize failed: the HTTP connection broke *",
            "*why: the connection broke while envcheck waited for the answer to initialize: the "
            "server, or a proxy in front of it, ended it; the transport says no more, so no cause "
            "is guessed: the server's log says why",
        ]
    )
    written = result.stdout.str() + (pytester.path / "envcheck-report.json").read_text()
    assert "tok-9f8e7d6c5b4a" not in written


def test_broken_stdio_servers_are_diagnosed_and_reaped(pytester: pytest.Pytester) -> None:
    here = pytester.path
    exits = script(
        here,
        "exits",
        "print('config file missing: /etc/app.toml', file=sys.stderr)\n" "sys.exit(3)\n",
    )
    silent = script(here, "silent", "time.sleep(60)\n")
    garbage = script(
        here, "garbage", "print('Server ready on stdio!', flush=True)\n" "time.sleep(60)\n"
    )
    configure(
        pytester,
        {
            "missing": {"command": "mcp-server-nonexistent"},
            "exits": {"command": exits[0], "args": exits[1:]},
            "silent": {"command": silent[0], "args": silent[1:], "timeout": 2.0},
            "garbage": {"command": garbage[0], "args": garbage[1:], "timeout": 2.0},
        },
    )
    started = time.monotonic()
    result = pytester.runpytest_subprocess("-v", "-m", "mcp", "--envcheck-report")
    elapsed = time.monotonic() - started
    result.stdout.fnmatch_lines_random(
        [
            "*mcp/missing.start: missing: command not found: mcp-server-nonexistent",
            "*fix: install it: pip install mcp-server-nonexistent (or: poetry add --group dev "
            "mcp-server-nonexistent), or fix command in [[]tool.envcheck.mcp.servers.missing]",
            "*mcp/exits.start: exits: `* */exits.py` exited with code 3 before answering",
            "*why: the server stopped during start-up; its stderr ends: config file missing: "
            "/etc/app.toml; only * reach the server, not the rest of your shell's environment",
            "*mcp/silent.initialize: silent: no answer to initialize (the handshake) within 2 s",
            "*why: the server is running (pid *) but sent no answer*",
            "*mcp/garbage.initialize: garbage: printed non-protocol output on stdout: "
            "'Server ready on stdio!'",
            "*fix: make the server log to stderr, not stdout*",
        ]
    )
    checks = report(pytester)
    assert checks["silent.start"]["status"] == "pass"  # it did start; it just never answered
    assert checks["silent.initialize"]["duration"] < 2.0 + 3.0
    assert elapsed < 30
    for name in ("exits", "silent", "garbage"):
        assert not alive(pid_of(here, name)), f"{name} outlived the run"


def test_no_server_outlives_ctrl_c(pytester: pytest.Pytester) -> None:
    silent = script(pytester.path, "silent", HEARS_THE_CLIENT + "time.sleep(120)\n")
    configure(pytester, {"silent": {"command": silent[0], "args": silent[1:], "timeout": 60.0}})
    proc = popen_with_signals(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "mcp"],
        cwd=pytester.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    pid = pid_of(pytester.path, "silent")
    assert alive(pid)
    heard(pytester.path, "silent")  # envcheck holds the server: it wrote to its stdin
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground pytest
    out, _ = proc.communicate(timeout=30)
    assert "KeyboardInterrupt" in out
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid), "the MCP server outlived an interrupted pytest run"


def test_servers_declared_in_client_config_files(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = pytester.path
    (root / ".mcp.json").write_text(
        json.dumps(
            {"mcpServers": {"time": {"command": TIME, "env": {"TIME_API_KEY": "sekret-4242-x"}}}}
        )
    )
    (root / ".cursor").mkdir()
    port = free_port()
    (root / ".cursor" / "mcp.json").write_text(
        json.dumps({"mcpServers": {"remote": {"url": f"http://127.0.0.1:{port}/mcp"}}})
    )
    (root / ".vscode").mkdir()
    (root / ".vscode" / "mcp.json").write_text(
        json.dumps(
            {
                "inputs": [{"id": "clock-token", "type": "promptString", "password": True}],
                "servers": {
                    "clock": {
                        "type": "stdio",
                        "command": TIME,
                        "args": ["--local-timezone", "UTC"],
                        "env": {"CLOCK_TOKEN": "${input:clock-token}"},
                    },
                    "time": {"type": "stdio", "command": TIME},  # the same as .mcp.json's
                },
            }
        )
    )
    desktop = root / ".config" / "Claude"  # pytester's HOME is the project directory
    desktop.mkdir(parents=True)
    (desktop / "claude_desktop_config.json").write_text('{"mcpServers": {"broken": ')
    # [tool.envcheck] without an mcp table: the client config files are checked all the same
    pytester.makefile(".toml", pyproject="[tool.envcheck]\ntimeout = 15.0\n")
    result = pytester.runpytest_subprocess("-v", "-m", "mcp", "-rs", "--envcheck-report")
    checks = report(pytester)
    assert checks["time@mcp.json.initialize"]["status"] == "pass"
    assert checks["time@mcp.json.initialize"]["facts"]["source"] == (
        f"{root / '.mcp.json'} (server 'time')"
    )
    assert not any(name.startswith("time@vscode") for name in checks)  # the same server once
    assert checks["clock@vscode.start"]["status"] == "skip"  # the file is valid: not a failure
    result.stdout.fnmatch_lines_random(
        [
            "*mcp/remote@cursor.start: connection refused at 127.0.0.1:*",
            "*fix: start the MCP server remote@cursor so that it listens on 127.0.0.1:*, or fix "
            f"url in {root / '.cursor' / 'mcp.json'} (server 'remote')",
            f"*mcp/discovery[[]claude-desktop]: {desktop / 'claude_desktop_config.json'} not "
            "valid JSON: Expecting value (line 1)",
        ]
    )
    clock = checks["clock@vscode.start"]
    assert clock["summary"] == (
        f"{root / '.vscode' / 'mcp.json'} (server 'clock'): needs VS Code's prompt for clock-token"
    )
    entry = (
        f'clock = {{ command = "{TIME}", args = ["--local-timezone", "UTC"], '
        'env = { CLOCK_TOKEN = "${CLOCK_TOKEN}" } }'
    )
    assert clock["hint"] == (
        f"set it in pyproject.toml, under [tool.envcheck.mcp.servers]: {entry}, and export "
        "CLOCK_TOKEN"
    )
    written = result.stdout.str() + (root / "envcheck-report.json").read_text()
    written += (root / "envcheck-report.md").read_text()
    assert "sekret-4242-x" not in written

    # the printed fix, applied: the server is checked (once, from pyproject.toml) and passes
    monkeypatch.setenv("CLOCK_TOKEN", "tok-for-the-clock")
    pytester.makefile(".toml", pyproject=f"[tool.envcheck.mcp.servers]\n{entry}\n")
    result = pytester.runpytest_subprocess("-v", "-m", "mcp", "-k", "clock")
    result.assert_outcomes(passed=6)

    pytester.makefile(".toml", pyproject="[tool.envcheck.mcp]\ndiscover = false\n")
    result = pytester.runpytest_subprocess("-v", "-m", "mcp")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*not configured: no MCP servers in * nor in .mcp.json, *"])

    for name in (".mcp.json", ".cursor/mcp.json", ".vscode/mcp.json"):
        (root / name).unlink()
    (desktop / "claude_desktop_config.json").unlink()
    pytester.makefile(".toml", pyproject="[tool.envcheck]\ntimeout = 15.0\n")
    result = pytester.runpytest_subprocess("-v", "-m", "mcp")  # no mcp table, no client files
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED, result.stdout.str()


def test_environment_given_to_a_server_is_never_printed(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEMO_API_TOKEN", "value-not-to-print-42")
    leaky = script(
        pytester.path,
        "leaky",
        "print('starting with ' + os.environ['SERVICE_API_KEY'], file=sys.stderr)\nsys.exit(2)\n",
    )
    configure(
        pytester,
        {
            "everything": {
                "command": node(),
                "args": [EVERYTHING, "stdio"],
                # get-env answers with the server's environment, HOME first
                "env": {"HOME": "${DEMO_API_TOKEN}"},
                "call": {"tool": "get-env", "arguments": {}, "expect": "NOT-THERE"},
            },
            # a literal value of a key that names a secret, echoed on stderr
            "leaky": {
                "command": leaky[0],
                "args": leaky[1:],
                "env": {"SERVICE_API_KEY": "literal-not-to-print-43"},
            },
        },
        timeout=20.0,
    )
    result = pytester.runpytest_subprocess(
        "-m", "mcp", "-k", "call or leaky.start", "--envcheck-report"
    )
    result.stdout.fnmatch_lines_random(
        [
            "*mcp/everything.call: everything: tool get-env answered without*",
            "*why: the server stopped during start-up; its stderr ends: starting with ***;*",
        ]
    )
    written = result.stdout.str() + (pytester.path / "envcheck-report.json").read_text()
    assert '"HOME": "***"' in written  # the server did echo its environment back...
    assert "value-not-to-print-42" not in written  # ...and envcheck masked the value
    assert "literal-not-to-print-43" not in written


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'command = "x"\nurl = "http://127.0.0.1:1/mcp"',
            "tool.envcheck.mcp.servers.bad: give either command = * or url = *",
        ),
        (
            'command = "x"\nexpect_tool = ["a"]',
            "tool.envcheck.mcp.servers.bad.expect_tool: unknown key; did you mean 'expect_tools'?",
        ),
        ('url = "http://x/mcp"\ntimeout = -1', "tool.envcheck.mcp.servers.bad.timeout: *"),
    ],
)
def test_configuration_mistakes_are_usage_errors(
    pytester: pytest.Pytester, table: str, message: str
) -> None:
    pytester.makefile(".toml", pyproject=f"[tool.envcheck.mcp.servers.bad]\n{table}\n")
    result = pytester.runpytest_subprocess("-v", "-m", "mcp")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}"])
    assert "Traceback" not in result.stderr.str()


def test_everything_http_listens_on_localhost_only() -> None:
    with everything_http("streamableHttp") as port:
        out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True)
    if out.returncode != 0:  # pragma: no cover - ss missing
        pytest.skip("ss is not installed")
    assert "127.0.0.1:" in out.stdout and "*:" not in out.stdout, out.stdout
    assert os.path.isfile(LOCALHOST_ONLY)


def test_under_xdist_each_check_runs_once(pytester: pytest.Pytester) -> None:
    configure(
        pytester,
        {
            "time": {"command": TIME, "expect_tools": ["get_current_time"]},
            "everything": {"command": node(), "args": [EVERYTHING, "stdio"]},
        },
        timeout=20.0,
    )
    result = pytester.runpytest_subprocess("-v", "-m", "mcp", "-n", "2", "--envcheck-report")
    result.assert_outcomes(passed=12)
    data = json.loads((pytester.path / "envcheck-report.json").read_text())
    ids = [check["id"] for check in data["checks"]]
    assert len(ids) == len(set(ids)) == 12


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_no_server_outlives_a_terminated_run(pytester: pytest.Pytester, sig: int) -> None:
    silent = script(pytester.path, "silent", HEARS_THE_CLIENT + "time.sleep(120)\n")
    configure(pytester, {"silent": {"command": silent[0], "args": silent[1:], "timeout": 60.0}})
    proc = popen_with_signals(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "mcp"],
        cwd=pytester.path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pid = pid_of(pytester.path, "silent")
    heard(pytester.path, "silent")  # envcheck holds the server: it wrote to its stdin
    proc.send_signal(sig)  # a cancelled CI job, a closed terminal
    assert proc.wait(30) == -sig  # pytest still ends the way the signal ends it
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid), f"the MCP server outlived a pytest run ended by signal {sig}"


FLAKY = """
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if "id" not in message:
        continue
    if message["method"] != "initialize":
        if message["method"] == "server/discover":
            error = {"code": -32601, "message": "no such method"}
            print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "error": error}), flush=True)
            continue
        print("Traceback (most recent call last):", file=sys.stderr)
        print("KeyError: 'tools'", file=sys.stderr)
        sys.exit(3)
    result = {
        "protocolVersion": message["params"]["protocolVersion"],
        "capabilities": {"tools": {}},
        "serverInfo": {"name": "flaky", "version": "1.0"},
    }
    print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}), flush=True)
"""


def test_stdio_failures_are_diagnosed_from_structure(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = pytester.path
    (root / "server").mkdir()
    (root / "tests").mkdir()
    run = root / "server" / "run.sh"
    run.write_text(f'#!/bin/sh\nexec {TIME} "$@"\n')
    run.chmod(0o755)
    (root / "server" / "srv.py").write_text(f"import os\nos.execv({TIME!r}, [{TIME!r}])\n")
    noexec = root / "server" / "noexec.sh"
    noexec.write_text(run.read_text())
    noexec.chmod(0o644)
    shebang = root / "server" / "shebang.sh"
    shebang.write_text("#!/nonexistent/bin/python3\nprint('hi')\n")
    shebang.chmod(0o755)
    (root / "flaky.py").write_text(FLAKY)
    (root / "needsenv.py").write_text(
        "import os\n"
        "url = os.environ['ENVCHECK_TEST_API_URL']\n"
        f"os.execv({TIME!r}, [{TIME!r}])\n"
    )
    servers: dict[str, dict[str, Any]] = {
        "relcmd": {"command": "./server/run.sh"},
        "relarg": {"command": sys.executable, "args": ["server/srv.py"]},
        "noexec": {"command": "server/noexec.sh"},
        "shebang": {"command": "server/shebang.sh"},
        "flaky": {"command": sys.executable, "args": ["flaky.py"]},
        "needsenv": {"command": sys.executable, "args": ["needsenv.py"]},
    }
    configure(pytester, servers, timeout=15.0)
    monkeypatch.setenv("ENVCHECK_TEST_API_URL", "http://127.0.0.1:9/api")  # in the shell only
    monkeypatch.chdir(root / "tests")  # paths are the project's, not pytest's directory's
    result = pytester.runpytest_subprocess("-v", "-m", "mcp", "--envcheck-report")
    reached = ", ".join(sorted(get_default_environment()))  # the SDK's rule, as on this machine
    checks = {c["name"]: c for c in json.loads(Path("envcheck-report.json").read_text())["checks"]}
    for name in ("relcmd", "relarg"):
        assert checks[f"{name}.initialize"]["status"] == "pass", checks[f"{name}.initialize"]
    assert checks["flaky.initialize"]["status"] == "pass"  # it answered the handshake
    assert checks["flaky.tools"]["facts"]["exit_code"] == 3
    result.stdout.fnmatch_lines_random(
        [
            f"*mcp/noexec.start: noexec: cannot start `{noexec}`: {noexec} is not executable (no "
            "execute bit)",
            f"*fix: chmod +x {noexec}",
            f"*mcp/shebang.start: shebang: cannot start `{shebang}`: the interpreter of {shebang} "
            "is missing: its #! line names /nonexistent/bin/python3, which does not exist",
            "*mcp/flaky.tools: flaky: `* flaky.py` exited with code 3 during tools",
            "*why: the server stopped after the handshake; its stderr ends: Traceback (most "
            f"recent call last): / KeyError: 'tools'; only {reached} reach the server, not the "
            "rest of your shell's environment",
            "  SKIP  flaky.ping * blocked by flaky.tools: it exited with code 3*",
            "*mcp/needsenv.start: needsenv: `* needsenv.py` exited with code 1 before answering",
            "*why: the server stopped during start-up; its stderr ends: * KeyError: "
            f"'ENVCHECK_TEST_API_URL'; only {reached} reach the server, not the rest of your "
            "shell's environment; ENVCHECK_TEST_API_URL is set in your shell but was not passed",
            f"*fix: run `cd {root} && * needsenv.py` by hand to see the error, and fix its "
            "arguments or environment; to pass a variable of your shell: env = { "
            'ENVCHECK_TEST_API_URL = "${ENVCHECK_TEST_API_URL}" } in '
            "[[]tool.envcheck.mcp.servers.needsenv]",
        ]
    )
    # the printed fixes, applied as printed: both servers pass
    subprocess.run(["chmod", "+x", str(noexec)], check=True)
    servers["needsenv"]["env"] = {"ENVCHECK_TEST_API_URL": "${ENVCHECK_TEST_API_URL}"}
    configure(pytester, servers, timeout=15.0)
    again = pytester.runpytest_subprocess("-v", "-m", "mcp", "-k", "noexec or needsenv")
    again.assert_outcomes(passed=12)


def test_mcpkit_imports_no_component() -> None:
    """mcpkit is support code: the ``mcp`` component imports it, never the reverse (no module of
    mcpkit imports ``envcheck.checks``, at the top or inside a function)."""
    import ast

    import envcheck.mcpkit

    package = Path(envcheck.mcpkit.__file__).parent
    found = []
    for path in sorted(package.glob("*.py")):
        for item in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(item, ast.Import):
                names = [alias.name for alias in item.names]
            elif isinstance(item, ast.ImportFrom) and item.module:
                names = [item.module] + [f"{item.module}.{a.name}" for a in item.names]
            found += [f"{path.name}: {n}" for n in names if n.startswith("envcheck.checks")]
    assert len(list(package.glob("*.py"))) >= 8
    assert found == []
