"""The seventeenth held-out round of MCP breakages (issue 23), after sixteen rounds and the four
sweeps: four breakages that no row of docs/verdicts/mcp.md, no earlier round and no sweep pair
lists, and three neighbours, each made for real (streamable HTTP servers behind TLS on 127.0.0.1
with certificates of a private CA made here, Claude Code's ``.mcp.json`` with stdio servers in
Python and Node, a stdio server of this file).

Grepped first (docs/verdicts/mcp.md, docs/verdicts/README.md, tests/verdicts/test_mcp*.py, every
tests/verdicts/test_heldout_mcp*.py, src/envcheck/mcpkit) for "expired", "hostname",
"mismatch" (only JSON-RPC's -32020 header mismatch and RFC 8414's issuer mismatch),
``PYTHONHOME``, ``NODE_OPTIONS``, ``2028`` and "line separator": none is a row or a pair. The
one TLS row, http-tls-untrusted, is a self-signed certificate; its verdict guesses among
"self-signed, from a private CA, expired or for another host name" and always fixes the trust
(``SSL_CERT_FILE``). Left out as covered: a ``#!`` line ending in CR (core/exec.py
``_interpreter_problem``, tests/test_exec.py), an interpreter's missing module
(stdio-python-module-missing), ``PATH`` replaced by an entry's ``env`` (cfg-env-path-replaced),
raw UTF-8 beyond ASCII on stdout (the wire sweep's (a)).

How the set was made (2026-12-07), from RFC 9110 §4.3.4 and RFC 6125 (a certificate must name
the host the client connects to), RFC 5280 §4.1.2.5 (validity), OpenSSL's verify codes as
Python's ``ssl.SSLCertVerificationError.verify_code`` gives them (62
``X509_V_ERR_HOSTNAME_MISMATCH``, 10 ``X509_V_ERR_CERT_HAS_EXPIRED``), Python's initialization
(``PYTHONHOME``: the standard library is looked up there; without ``encodings`` the
interpreter stops before running any code, "Fatal Python error: init_fs_encoding", exit 1),
Node's command line (``NODE_OPTIONS`` is parsed before any script; a value V8 refuses exits 9,
Node's "Invalid Argument"), the MCP specification (*Transports* › stdio: newline-delimited
UTF-8 JSON; JSON strings may hold U+2028, U+2029 and U+0085 raw, RFC 8259 §7), and the SDK's
client (the wire sweep's judge) on every server:

- http-tls-hostname-mismatch: the server's certificate, from a CA the client trusts
  (``SSL_CERT_FILE``), names ``api.other.test``; the URL is ``https://127.0.0.1:<port>/mcp``;
- http-tls-expired: the certificate, of the same CA, for 127.0.0.1, expired 30 days ago;
- stdio-env-pythonhome: a ``.mcp.json`` entry whose ``env`` sets ``PYTHONHOME`` to a directory
  that does not exist (copied from another machine): the interpreter exits before the server;
- stdio-env-node-options: a ``.mcp.json`` entry whose ``env`` sets ``NODE_OPTIONS`` to
  ``--max-old-space-size 4096`` (a blank where ``=`` belongs): Node exits 9 before the server;
- neighbours: the same CA's certificate for 127.0.0.1 (http-tls-private-ca-trusted, a pass);
  ``NODE_OPTIONS=--max-old-space-size=4096`` (stdio-env-node-options-valid, a pass); a tool
  whose description holds U+2028, U+2029 and U+0085 raw in the line (Python's
  ``str.splitlines`` splits there, JSON and the transport do not: stdio-unicode-line-separators,
  a pass).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks); the SDK's client proves each. All seven are
checked in one envcheck run, in process.

First run (envcheck at ab0e47c, the commit that added this file, before any change; graded by
the rules above, 2026-12-07): 7 cases, 3 fully right (the three neighbours), 2 partly, 2
wrong; of the four breakages, none. No process outlived the run. (The URL names an IP address,
so OpenSSL's code is 64, ``X509_V_ERR_IP_ADDRESS_MISMATCH``, not the 62 written above for a
host name; the expectation names neither.)

- http-tls-hostname-mismatch, wrong: "the TLS certificate of 127.0.0.1:<port> is not trusted:
  IP address mismatch, certificate is not valid for '127.0.0.1'", why "the certificate is
  self-signed, from a private CA, expired or for another host name", fix "give envcheck (and the
  clients) the CA that signed it (export SSL_CERT_FILE=...)": the CA was trusted; the names
  the certificate is for not read;
- http-tls-expired, wrong: the same verdict with "certificate has expired" and the same fix
  (trusting a CA renews nothing);
- stdio-env-pythonhome, partly: "exited with code 1 before answering", the stderr's last lines
  ("Fatal Python error: init_fs_encoding ...") and "its env (PYTHONHOME)" reaching the server,
  fix "run ... by hand to see the error, and fix its arguments or environment": the variable
  that stopped it not named as the cause, no fix of it;
- stdio-env-node-options, partly: the same with exit code 9 and V8's "illegal value for flag
  --max-old-space-size".

After (verdicts from structure: OpenSSL's verify code, the certificate's subjectAltName read in
a handshake that checks the chain and not the name, the exit status with the entry's own env
and the PYTHONHOME directory's contents; none from a message's words): 7 of 7 fully right, each
a row of docs/verdicts/mcp.md (section 24, ``ROWS``) asserted on the run.

- A certificate of a trusted CA that fails on its name (verify code 62 or 64) names the names it
  is for and the host the URL connects to; one expired (10) or not yet valid (9) says so and is
  renewed by its administrators (``diagnose._certificate_verdict``); the trust fix is left to
  the other codes (self-signed, an unknown CA).
- A stdio server that exits 1 before answering while its entry's env sets PYTHONHOME to a
  directory without ``lib/python3.*/encodings``, or 9 while it sets NODE_OPTIONS, fails start
  with that variable as the cause, the fix an Edit of the entry's env (PYTHONHOME removed;
  NODE_OPTIONS' values joined to their options, else the person's) (``diagnose.
  runtime_env_refused``).

Both Edits were executed by envcheck's fixer and the entries checked again: they pass
(``test_the_printed_fixes_work``); the certificates are their administrators'.

Cost (measured after the fixes, ``-p no:xdist``, pytest's start included): 3.9 CPU-s, 6 s of
wall time (four certificates made, two envcheck runs in process, Node three times).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.mcp_servers import node
from tests.servers import QuietHandler
from tests.verdicts.fixes import apply_fix
from tests.verdicts.http_lab import make_certs
from tests.verdicts.mcp_world import (
    ECHO_SERVER,
    NODE_ECHO_SERVER,
    jsonrpc_reply,
    neighbour_servers,
    processes_of,
    round_tests,
    run_in_process,
    servers_toml,
    serving_tls,
    write_script,
)
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_mcp_wire_sweep import judge

#: nothing of this round is a secret; the report must not hold this either
SECRET = "Heldout17-never-shown-5521"

#: the description with the three characters Python's splitlines splits at, JSON does not
DESCRIPTION = "Echo it.\u2028Second line.\u2029Third\u0085end."

#: the echo server whose tool's description holds them raw (UTF-8, not escaped)
for _part in (
    'sys.stdout.write(json.dumps(message) + "\\n")',
    '[{"name": "echo", "inputSchema": {"type": "object"}}]',
):
    assert ECHO_SERVER.count(_part) == 1, _part
SEPARATORS_SERVER = ECHO_SERVER.replace(
    'sys.stdout.write(json.dumps(message) + "\\n")',
    'sys.stdout.buffer.write((json.dumps(message, ensure_ascii=False) + "\\n").encode())',
).replace(
    '[{"name": "echo", "inputSchema": {"type": "object"}}]',
    '[{"name": "echo", "description": ' + json.dumps(DESCRIPTION) + ', "inputSchema": '
    '{"type": "object"}}]',
)


class Handler(QuietHandler):
    """A healthy streamable HTTP MCP server (JSON answers), served over TLS."""

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        message = json.loads(self.body())
        if "id" not in message or "method" not in message:
            self.respond(202)
            return
        data = json.dumps(jsonrpc_reply(message)).encode()
        self.respond(200, data, {"content-type": "application/json"})

    def do_GET(self) -> None:  # noqa: N802
        self.respond(405, headers={"allow": "POST"})

    def do_DELETE(self) -> None:  # noqa: N802
        self.respond(200)


#: case name -> (server name, where it is declared, certificate or env, the request the SDK's
#: client fails on or None, the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "http-tls-hostname-mismatch": (
        "tlshost",
        "http",
        "host",
        "initialize",
        Expect(
            "mcp/tlshost.start|mcp/tlshost.initialize",
            "fail",
            says=("api.other.test",),
            fix=("api.other.test",),
            never=("SSL_CERT_FILE", "self-signed", "raise timeout"),
        ),
    ),
    "http-tls-expired": (
        "tlsold",
        "http",
        "old",
        "initialize",
        Expect(
            "mcp/tlsold.start|mcp/tlsold.initialize",
            "fail",
            says=("expired",),
            fix=("renew",),
            never=("SSL_CERT_FILE", "self-signed", "raise timeout"),
        ),
    ),
    "stdio-env-pythonhome": (
        "pyhome",
        "stdio",
        "PYTHONHOME",
        "initialize",
        Expect(
            "mcp/pyhome@mcp.json.start|mcp/pyhome@mcp.json.initialize",
            "fail",
            says=("PYTHONHOME",),
            fix=("PYTHONHOME",),
            never=("raise timeout", "pip install"),
        ),
    ),
    "stdio-env-node-options": (
        "nodeopts",
        "stdio",
        "NODE_OPTIONS",
        "initialize",
        Expect(
            "mcp/nodeopts@mcp.json.start|mcp/nodeopts@mcp.json.initialize",
            "fail",
            says=("NODE_OPTIONS",),
            fix=("NODE_OPTIONS",),
            never=("raise timeout", "npm install"),
        ),
    ),
    "http-tls-private-ca-trusted": (
        "tlsgood",
        "http",
        "good",
        None,
        Expect("mcp/tlsgood.call", "pass"),
    ),
    "stdio-env-node-options-valid": (
        "nodeok",
        "stdio",
        "NODE_OPTIONS",
        None,
        Expect("mcp/nodeok@mcp.json.tools", "pass"),
    ),
    "stdio-unicode-line-separators": (
        "seps",
        "stdio",
        "separators",
        None,
        Expect("mcp/seps.call", "pass"),
    ),
}

#: the neighbours: the client accepts them, envcheck must not fail or warn about them
NEIGHBOURS = (
    "http-tls-private-ca-trusted",
    "stdio-env-node-options-valid",
    "stdio-unicode-line-separators",
)

#: the cases that are rows of docs/verdicts/mcp.md (section 24)
ROWS = tuple(sorted(CASES))

#: the breakages whose printed fix is an Edit of the entry (the entry's env)
FIXED = {"pyhome": "mcp/pyhome@mcp.json.start", "nodeopts": "mcp/nodeopts@mcp.json.start"}


def _raw_separators(script: str) -> bool:
    """Whether the server writes the description's separators raw (not ``\\u`` escapes)."""
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    ]
    done = subprocess.run(
        [sys.executable, "-S", script],
        input="".join(json.dumps(r) + "\n" for r in requests).encode(),
        capture_output=True,
        timeout=30,
    )
    return all(c.encode() in done.stdout for c in ("\u2028", "\u2029", "\u0085"))


@pytest.fixture(scope="module")
def round17(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The seven servers proven (the SDK's client, started or reached as each entry says), then
    checked in one envcheck run: the proofs, the checks, the processes left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout17")
    certs = make_certs(root)
    echo = write_script(root / "servers" / "echo.py", ECHO_SERVER)
    seps = write_script(root / "servers" / "seps.py", SEPARATORS_SERVER)
    node_echo = write_script(root / "servers" / "echo.js", NODE_ECHO_SERVER)
    before = processes_of(root)
    with (
        pytest.MonkeyPatch.context() as mp,
        serving_tls(Handler, certs["host"], certs["host-key"]) as host_port,
        serving_tls(Handler, certs["old"], certs["old-key"]) as old_port,
        serving_tls(Handler, certs["good"], certs["good-key"]) as good_port,
    ):
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mp.setenv("SSL_CERT_FILE", certs["ca"])  # the private CA is trusted, as by its clients
        mp.delenv("SSL_CERT_DIR", raising=False)
        mp.chdir(root)
        ports = {"tlshost": host_port, "tlsold": old_port, "tlsgood": good_port}
        servers: dict[str, dict[str, Any]] = {
            name: {
                "url": f"https://127.0.0.1:{port}/mcp",
                "transport": "http",
                **({"call": {"tool": "echo", "arguments": {}}} if name == "tlsgood" else {}),
            }
            for name, port in ports.items()
        }
        servers["seps"] = {
            "command": sys.executable,
            "args": ["-S", seps],
            "call": {"tool": "echo", "arguments": {}},
        }
        claude: dict[str, dict[str, Any]] = {
            "pyhome": {
                "command": sys.executable,
                "args": ["-S", echo],
                "env": {"PYTHONHOME": str(root / "opt" / "python3.11")},
            },
            "nodeopts": {
                "command": node(),
                "args": [node_echo],
                "env": {"NODE_OPTIONS": "--max-old-space-size 4096"},
            },
            "nodeok": {
                "command": node(),
                "args": [node_echo],
                "env": {"NODE_OPTIONS": "--max-old-space-size=4096"},
            },
        }
        targets: list[Any] = []
        for name in sorted(CASES):
            server = CASES[name][0]
            if server in ports:
                targets.append(servers[server]["url"])
            else:
                entry = servers.get(server) or claude[server]
                targets.append(
                    StdioServerParameters(
                        command=entry["command"], args=entry["args"], env=entry.get("env")
                    )
                )
        sdk: dict[str, Any] = dict(zip(sorted(CASES), judge(targets)))
        proofs: dict[str, Any] = {"separators raw": _raw_separators(seps)}
        (root / ".mcp.json").write_text(json.dumps({"mcpServers": claude}, indent=2))
        patient = neighbour_servers(CASES, NEIGHBOURS)
        checks = run_in_process(root, servers_toml(servers, patient), SECRET)
    yield {
        "sdk": sdk,
        "proofs": proofs,
        "checks": checks,
        "root": root,
        "servers": servers,
        "claude": claude,
        "left": processes_of(root) - before,
    }


test_heldout, test_no_process_outlives_the_run = round_tests("round17", CASES, ROWS, NEIGHBOURS)


def test_the_printed_fixes_work(round17: dict[str, Any]) -> None:
    """The two env cases' fixes (an Edit of the entry's env in .mcp.json: PYTHONHOME removed,
    NODE_OPTIONS' value joined to its option), applied by envcheck's fixer as printed; envcheck
    run again over those entries alone: they pass. (The certificates are their servers'
    administrators' to reissue or renew.)"""
    by_id = {c["id"]: c for c in round17["checks"]}
    root: Path = round17["root"]
    claude = round17["claude"]
    kept = {name: claude[name] for name in FIXED}
    (root / ".mcp.json").write_text(json.dumps({"mcpServers": kept}, indent=2))
    (root / "pyproject.toml").write_text("[tool.envcheck.mcp]\ntimeout = 5.0\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        for ident in FIXED.values():
            assert by_id[ident]["status"] == "fail", by_id[ident]
            apply_fix(root, by_id[ident])
        after = run_in_process(root, (root / "pyproject.toml").read_text(), SECRET)
    fixed = json.loads((root / ".mcp.json").read_text())["mcpServers"]
    assert "PYTHONHOME" not in fixed["pyhome"].get("env", {}), fixed
    assert fixed["nodeopts"]["env"]["NODE_OPTIONS"] == "--max-old-space-size=4096", fixed
    failing = [f"{c['id']} {c['status']}" for c in after if c["status"] not in ("pass", "skip")]
    passed = {c["id"] for c in after if c["status"] == "pass"}
    wanted = {f"mcp/{name}@mcp.json.tools" for name in FIXED}
    assert not failing and wanted <= passed, (failing, sorted(passed))


def test_the_separators_are_raw(round17: dict[str, Any]) -> None:
    """The neighbour writes U+2028, U+2029 and U+0085 as UTF-8 bytes, not as escapes."""
    assert round17["proofs"]["separators raw"]
