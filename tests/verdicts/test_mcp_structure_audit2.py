"""The MCP structural audit, second round (issue 23): the layers the first round
(tests/verdicts/test_mcp_structure_audit.py) did not reach, the authorization specification
(*Basic › Authorization*, 2025-06-18 / 2025-11-25) and the client config files envcheck reads.
Same method: for a decision point of src/envcheck/mcpkit/ (diagnose.unauthorized, _oauth,
forbidden; the readers of discovery.py), which two server behaviours or configurations reach the
same branch and are told the same cause or fix, though the structure (whether a header was
sent and what it carried, what the protected-resource metadata answered, whether a 403 carries
a challenge, whether a variable is unset or set to nothing) tells them apart.

Grepped first (docs/verdicts/mcp.md's 33 sections, tests/verdicts/test_mcp*.py, every
test_heldout_mcp*.py, test_fallback_audit.py) and skipped as listed: a 401 with OAuth metadata
and no token (auth-401-oauth) or a token (auth-401-oauth-refused), an editor's entry
(auth-401-oauth-editor), a 401 without metadata (auth-401-token, auth-401-token-sent,
auth-401-no-challenge), the metadata answering 404 (auth-metadata-404), HTML
(auth-metadata-html) or for another resource (auth-metadata-other-resource), all with no token
sent; 403 insufficient_scope (auth-403-scope, auth-403-scope-at-call), invalid_token, a 403
with a Bearer challenge (auth-403) and a 403 without a challenge and without credentials
(http-403-no-challenge); an unset variable (cfg-var-unset), its default (cfg-var-default-*),
envFile missing or a directory, an undeclared input (cfg-input-undeclared), a duplicate key.

The predicted mis-tellings (the branch, and the other behaviour that reaches it):

- auth-sent-metadata-other-resource (``_oauth``: every check of the metadata runs only when no
  header was sent): a token sent to a server whose RFC 9728 metadata is for another resource
  is told as auth-401-oauth-refused, "the OAuth access token was refused ... expired, revoked",
  fixed by "get a new access token from https://auth.example.test": no client may use that
  metadata (RFC 9728 §3.3), so no new token from there will do. Fully right: the metadata for
  another resource named, the administrators asked, never "get a new access token".
- auth-sent-metadata-404: the same branch, the metadata URL answering 404: told "get a new
  access token from the authorization server", which no client can find. Fully right: the 404
  of the metadata named, the administrators asked, never "get a new access token".
- auth-empty-token-sent (``_sent_credentials``: the header's name, not its value): pyproject's
  ``headers = { Authorization = "Bearer ${FX_A2_EMPTY}" }`` with FX_A2_EMPTY set to nothing
  sends ``Bearer`` and no token, told as a token refused ("expired, revoked"), fixed by a new
  token: the token was never there. Fully right: FX_A2_EMPTY named as empty, its export the
  fix, never "expired" nor "revoked".
- auth-403-waf-html (``forbidden``'s credentials-sent branch): a 403 ``text/html`` without
  ``WWW-Authenticate`` (a web application firewall's block page in front of the server), a good
  token sent, is told as auth-403 (a Bearer challenge: the MCP server refused this token's
  user), fixed by "give this token's user access": no challenge and a page are not the MCP
  server's refusal. Fully right: the 403 and its text/html page without a challenge named,
  never "this token's user".
- cfg-var-empty-mcp-json (``.mcp.json`` ``${VAR}``: Claude Code passes a variable that is set,
  empty or not): ``"env": {"NOTES_KEY": "${FX_A2_KEY}"}`` with FX_A2_KEY set to nothing; the
  server exits 1 on an empty key. Predicted: told as cfg-var-unset ("which is not set") or as a
  bare exit. Fully right: FX_A2_KEY named as set but empty, its export the fix, never "which is
  not set".
- neighbour auth-sent-token-good: the OAuth server of the cases with a good token sent from
  pyproject's header: every check passes.
- neighbour cfg-var-set-mcp-json: the empty-key server in ``.mcp.json`` with its variable set
  to a value: every check passes.

First run (envcheck at a12303e, the commit that added this file, before any change of envcheck;
graded by the rules above, 2026-12-08; the proof's POST first sent "Bearer " with its trailing
blank, which httpx refuses, and was made to send what Node's fetch sends, "Bearer", before
envcheck ran): 7 cases, 2 fully right (the two neighbours: every check passes; only their rows
were missing), 1 partly and 4 wrong (of 5 breakages). No process outlived the run.

- auth-sent-metadata-other-resource, wrong: "the OAuth access token was refused ... its token is
  expired, revoked or for another resource", fix "get a new access token from
  https://auth.example.test": the metadata naming https://elsewhere.example.test/mcp unsaid.
- auth-sent-metadata-404, wrong: the same verdict, "get a new access token from the
  authorization server", which no client can find (the metadata's 404 unsaid).
- auth-empty-token-sent, wrong: the same verdict, "expired, revoked", fix a new access token:
  the header carried no token, FX_A2_EMPTY (set, empty) unsaid.
- auth-403-waf-html, wrong: "the server refused access ... the credentials are not allowed to
  use this server", fix "ask the administrators ... to give this token's user access".
- cfg-var-empty-mcp-json, partly: "exited with code 1 before answering", its stderr, "only HOME,
  PATH, SHELL, TERM and its env (NOTES_KEY) reach the server", fix "run ... by hand ... fix its
  arguments or environment": the exit right, FX_A2_KEY set but empty (the cause) unsaid.

After (verdicts from structure: the references a value was resolved from and the environment's
empty variables, which checks of the metadata stop a sign-in, the 403's media type and its
challenges; none from a message's words): 7 of 7 fully right, each a row of docs/verdicts/mcp.md
(section 34, ``ROWS``) asserted on the run.

- ``ServerSpec.empty_refs`` (``target.resolve``, ``interpolate.empty_references``): each value
  written with a ``${VAR}`` without default whose variable is set but empty (the client resolves
  it to nothing). A stdio server exiting during start-up with one in its env or args, before the
  generic exit verdict, names it, fixed by its export (``diagnose.empty_values``); a 401 or 403
  to a request whose header holds one is "the header carried no credential", before any OAuth
  or token verdict (``diagnose._empty_credentials``).
- ``diagnose._oauth``: what keeps every client from a sign-in (the metadata unread, refused,
  not JSON, for another resource or naming no authorization server, an unusable authorization
  server) is now checked with a token sent too; a refused token there is told with it, fixed by
  the administrators, never by a new access token (``blocked``).
- ``Attempt.refused_media``: the media type of the 401 and 403 answers; ``forbidden``: a token
  sent and a 403 ``text/html`` with no challenge at all is what stands in front of the server
  (a firewall, a proxy), asked of whoever runs it.
- The neighbours needed no change.
- (The fixes above are a1147f5; with them all 391 MCP tests pass: test_heldout_mcp*.py,
  test_mcp*.py, test_stdio_wait_end.py, test_fallback_audit.py, tests/test_mcp*.py,
  test_secrets_canary.py.)

Cost (7 cases, ``-n 0``, pytest's start included, load 4.9 on 2 cores): 3.7 CPU-s, 7.6 s of wall
time.

Proofs: the SDK's client (no header) fails each HTTP case on ``initialize`` (401 or 403); the
header envcheck is given is shown to get the same status from the server (an httpx POST of
``initialize``), the good token 200; the stdio server fails with the SDK's client given the
empty value and works given a value.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from typing import Any, cast

import anyio
import httpx
import pytest
from mcp import StdioServerParameters

from tests.verdicts.mcp_world import (
    ECHO_SERVER,
    StreamHandler,
    processes_of,
    round_tests,
    round_world,
    run_in_process,
    servers_toml,
    write_script,
)
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_mcp_structure_audit import judge

#: the good token (never in the report) and the variables of the header and the env entry
SECRET = "Structure-audit2-never-shown-3434"
ISSUER = "https://auth.example.test"
ELSEWHERE = "https://elsewhere.example.test/mcp"

#: a stdio server that exits 1 when NOTES_KEY is empty (an empty key is no key to it), else
#: mcp_world's healthy echo server
KEYED = textwrap.dedent("""
    import os, sys

    if not os.environ.get("NOTES_KEY"):
        sys.stderr.write("notes: refusing to start: invalid key ''\\n")
        sys.exit(1)
    """) + ECHO_SERVER


class Handler(StreamHandler):
    """An OAuth-protected streamable HTTP server at ``/<mode>/mcp``: a POST without
    ``Authorization: Bearer`` :data:`SECRET` is answered 401 naming its RFC 9728 metadata at
    ``/.well-known/oauth-protected-resource/<mode>/mcp``; ``waf``: every request answered 403
    ``text/html`` without a challenge (a firewall's block page). The metadata: for this URL
    (``good``, ``empty``), for :data:`ELSEWHERE` (``other``), or 404 (``meta404``)."""

    @property
    def port(self) -> int:
        return int(cast("tuple[str, int]", self.server.server_address)[1])

    def _url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.port}/{mode}/mcp"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        prefix = "/.well-known/oauth-protected-resource/"
        if not self.path.startswith(prefix):
            super().do_GET()
            return
        mode = self.path[len(prefix) :].split("/")[0]
        if mode == "meta404":
            self.respond(404, b'{"error": "not found"}', {"content-type": "application/json"})
            return
        resource = ELSEWHERE if mode == "other" else self._url(mode)
        body = json.dumps({"resource": resource, "authorization_servers": [ISSUER]}).encode()
        self.respond(200, body, {"content-type": "application/json"})

    def do_POST(self) -> None:  # noqa: N802
        if self.mode == "waf":
            self.body()
            page = b"<html><body><h1>Request blocked</h1><p>Incident 4412</p></body></html>"
            self.respond(403, page, {"content-type": "text/html"})
            return
        if self.headers.get("authorization") != f"Bearer {SECRET}":
            self.body()
            port = self.port
            metadata = (
                f"http://127.0.0.1:{port}/.well-known/oauth-protected-resource/{self.mode}/mcp"
            )
            challenge = f'Bearer resource_metadata="{metadata}"'
            self.respond(401, b'{"error": "unauthorized"}', {"www-authenticate": challenge})
            return
        super().do_POST()


#: case name -> (server name, "http" or "mcp.json", its mode, the request the SDK's client fails
#: on or None, the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "auth-sent-metadata-other-resource": (
        "a2other",
        "http",
        "other",
        "initialize",
        Expect(
            "mcp/a2other.initialize",
            "fail",
            says=("another resource", ELSEWHERE),
            fix=("administrators",),
            never=("get a new access token", "expired", SECRET),
        ),
    ),
    "auth-sent-metadata-404": (
        "a2meta",
        "http",
        "meta404",
        "initialize",
        Expect(
            "mcp/a2meta.initialize",
            "fail",
            says=("metadata", "404"),
            fix=("administrators",),
            never=("get a new access token", "expired", SECRET),
        ),
    ),
    "auth-empty-token-sent": (
        "a2empty",
        "http",
        "empty",
        "initialize",
        Expect(
            "mcp/a2empty.start|mcp/a2empty.initialize",
            "fail",
            says=("FX_A2_EMPTY", "empty"),
            fix=("FX_A2_EMPTY",),
            never=("expired", "revoked", SECRET),
        ),
    ),
    "auth-403-waf-html": (
        "a2waf",
        "http",
        "waf",
        "initialize",
        Expect(
            "mcp/a2waf.initialize",
            "fail",
            says=("403", "text/html"),
            never=("this token's user", SECRET),
        ),
    ),
    "cfg-var-empty-mcp-json": (
        "a2key@mcp.json",
        "mcp.json",
        "FX_A2_KEY",
        "initialize",
        Expect(
            "mcp/a2key@mcp.json.start|mcp/a2key@mcp.json.initialize",
            "fail",
            says=("FX_A2_KEY", "empty"),
            fix=("FX_A2_KEY",),
            never=("which is not set", SECRET),
        ),
    ),
    "auth-sent-token-good": (
        "a2good",
        "http",
        "good",
        None,
        Expect("mcp/a2good.tools", "pass"),
    ),
    "cfg-var-set-mcp-json": (
        "a2keyset@mcp.json",
        "mcp.json",
        "FX_A2_SET",
        None,
        Expect("mcp/a2keyset@mcp.json.tools", "pass"),
    ),
}

#: the neighbours: their clients work with them, envcheck must not fail or warn about them
NEIGHBOURS = ("auth-sent-token-good", "cfg-var-set-mcp-json")

#: the cases that are rows of docs/verdicts/mcp.md (section 34)
ROWS = tuple(sorted(CASES))

#: the variables of the run: the header's (empty, the good token) and the env entries'
VARIABLES = {"FX_A2_EMPTY": "", "FX_A2_GOOD": SECRET, "FX_A2_KEY": "", "FX_A2_SET": SECRET}
#: the header each HTTP case's entry sends (pyproject.toml), by mode
HEADERS = {
    "other": "${FX_A2_GOOD}x",
    "meta404": "${FX_A2_GOOD}x",
    "empty": "${FX_A2_EMPTY}",
    "waf": "${FX_A2_GOOD}",
    "good": "${FX_A2_GOOD}",
}


def _expanded(mode: str) -> str:
    value = HEADERS[mode]
    for name, actual in VARIABLES.items():
        value = value.replace("${" + name + "}", actual)
    return f"Bearer {value}"


def _project(root: Any, port: int, script: str) -> str:
    servers: dict[str, dict[str, Any]] = {}
    entries: dict[str, Any] = {}
    for server, where, mode, *_ in CASES.values():
        if where == "http":
            servers[server] = {
                "url": f"http://127.0.0.1:{port}/{mode}/mcp",
                "transport": "http",
                "headers": {"Authorization": f"Bearer {HEADERS[mode]}"},
            }
        else:
            entries[server.split("@")[0]] = {
                "command": sys.executable,
                "args": ["-S", script],
                "env": {"NOTES_KEY": "${" + mode + "}"},
            }
    (root / ".mcp.json").write_text(json.dumps({"mcpServers": entries}, indent=2))
    patient = {CASES[name][0] for name in NEIGHBOURS}
    return servers_toml(servers, patient)


async def with_header(url: str, authorization: str) -> tuple[str, str] | None:
    """The SDK's client sending ``Authorization: authorization``: ``None`` when initialize,
    tools/list and ping worked, else the request it failed on and why."""
    import httpx2
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    method = "initialize"
    try:
        with anyio.fail_after(15):
            async with httpx2.AsyncClient(headers={"authorization": authorization}) as http:
                async with streamable_http_client(url, http_client=http) as streams:
                    async with ClientSession(streams[0], streams[1]) as session:
                        await session.initialize()
                        method = "tools/list"
                        await session.list_tools()
                        method = "ping"
                        await session.send_ping()
    except BaseException as exc:  # noqa: B902 - an ExceptionGroup, a timeout, an McpError
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return method, f"{type(exc).__name__}: {exc}"[:300]
    return None


def _status(url: str, authorization: str | None) -> int:
    """The HTTP status the server answers ``initialize`` POSTed with ``authorization``."""
    headers = {"accept": "application/json, text/event-stream"}
    if authorization is not None:
        # an empty variable leaves "Bearer " whose trailing blank h11 refuses; Node's fetch (the
        # clients') trims a header value (Fetch: normalize), and sends "Bearer"
        headers["authorization"] = authorization.strip()
    message = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "proof", "version": "1"},
        },
    }
    return httpx.post(url, json=message, headers=headers, timeout=5.0).status_code


@pytest.fixture(scope="module")
def audit2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The servers proven (the SDK's client on each; the header envcheck sends, POSTed), then
    checked in one envcheck run: the checks, the processes left."""
    root = tmp_path_factory.mktemp("structure-audit2")
    script = write_script(root / "servers" / "keyed.py", KEYED)
    before = processes_of(root)
    with round_world(root, Handler, VARIABLES) as port:
        names = sorted(CASES)
        targets: list[Any] = []
        statuses: dict[str, tuple[int, int]] = {}
        for n in names:
            _, where, mode = CASES[n][:3]
            if where == "http":
                url = f"http://127.0.0.1:{port}/{mode}/mcp"
                targets.append(url)
                statuses[n] = (_status(url, None), _status(url, _expanded(mode)))
            else:
                env = {"NOTES_KEY": VARIABLES[mode]}
                targets.append(
                    StdioServerParameters(command=sys.executable, args=["-S", script], env=env)
                )
        verdicts = dict(zip(names, judge(targets)))
        good = f"http://127.0.0.1:{port}/good/mcp"
        verdicts["auth-sent-token-good"] = anyio.run(with_header, good, _expanded("good"))
        sdk = {n: v for n, v in verdicts.items() if CASES[n][1] == "http"}
        # a client file's case: the SDK's client fails on initialize given the value the
        # client passes (empty), works given a value
        proofs = {
            n: (v is not None and v[0] == CASES[n][3]) if CASES[n][3] else v is None
            for n, v in verdicts.items()
            if CASES[n][1] == "mcp.json"
        }
        checks = run_in_process(root, _project(root, port, script), SECRET)
        left = processes_of(root) - before
    yield {
        "sdk": sdk,
        "statuses": statuses,
        "proofs": proofs,
        "checks": checks,
        "root": root,
        "left": left,
    }


test_structure, test_no_process_outlives_the_run = round_tests("audit2", CASES, ROWS, NEIGHBOURS)


def test_proofs(audit2: dict[str, Any]) -> None:
    """Each HTTP case refuses the SDK's client on initialize and the header envcheck sends with
    the status the case names; the good token gets 200; the keyed server fails with the SDK's
    client given an empty key and works given a value."""
    statuses = audit2["statuses"]
    wanted = {
        "auth-sent-metadata-other-resource": (401, 401),
        "auth-sent-metadata-404": (401, 401),
        "auth-empty-token-sent": (401, 401),
        "auth-403-waf-html": (403, 403),
        "auth-sent-token-good": (401, 200),
    }
    assert statuses == wanted, statuses
    assert all(audit2["proofs"].values()), audit2["proofs"]


def test_the_token_is_never_shown(audit2: dict[str, Any]) -> None:
    assert SECRET not in json.dumps(audit2["checks"])
