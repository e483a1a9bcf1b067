"""The sixteenth held-out round of MCP breakages (issue 23), after fifteen rounds and the four
sweeps: four breakages of the authorization chain that no row of docs/verdicts/mcp.md, no
earlier round and no sweep pair lists, and three neighbours, each made for real (an HTTP server
on 127.0.0.1 that is an OAuth-protected resource and its authorization servers, Claude Code's
``.mcp.json``, a stdio server of this file).

Grepped first (docs/verdicts/mcp.md, docs/verdicts/README.md, tests/verdicts/test_mcp*.py, every
tests/verdicts/test_heldout_mcp*.py) for ``, Bearer `` (two challenges in one header value),
``resource_metadata="/`` (a relative URL), ``resource_metadata=http`` and "unquoted",
``token_endpoint`` and ``response_types_supported`` (present only in rounds 3, 8 and 10's
complete metadata documents, never missing or narrowed), ``SIGTERM``/``SIG_IGN`` (no server
ignores the shutdown): none is a row or a pair. Left out as covered: the issuer mismatch
(auth-as-issuer-mismatch), PKCE without S256 (auth-pkce-no-s256), no registration endpoint
(auth-as-no-registration), metadata 404/HTML/other resource/no servers (rows of sections 6-9,
21), a resource that is a parent path of the URL (``diagnose._covers``), the SDK middleware's
challenges (the HTTP sweep).

How the set was made (2026-12-07), from RFC 9110 §11.6.1 (``WWW-Authenticate``), RFC 9728
(§5.1, ``resource_metadata``: "The URL of the protected resource metadata"), RFC 8414 §2,
the MCP specification (2025-06-18 and 2025-11-25, *Authorization*; *Lifecycle* › Shutdown),
and the two SDKs' clients as installed here: the TypeScript SDK 1.32.2
(tests/mcp-servers/node_modules/@modelcontextprotocol/sdk, ``client/auth.js``, which Claude Code
builds on) and the Python SDK 2.3.0 (``mcp/client/auth``):

- RFC 9110 §11.6.1: a ``WWW-Authenticate`` value may carry several challenges, comma-separated;
  a gateway in front of the server writes ``Basic realm="gateway", Bearer resource_metadata=...``.
  The TypeScript SDK's ``extractWWWAuthenticateParams`` reads parameters only when the value
  starts with ``Bearer`` (``authenticateHeader.split(' ')[0]``), so the metadata the challenge
  names is never read, and none is at the well-known URLs: Claude Code's sign-in cannot find the
  authorization server (auth-challenge-bearer-not-first). The Python SDK finds the parameter
  anywhere in the value.
- RFC 9728 §5.1: ``resource_metadata`` is a URL; here the relative ``/meta/relative``. The
  TypeScript SDK's ``new URL(value)`` throws and the value is ignored; the Python SDK's client
  sends a request to it and stops (a URL without a scheme): no client signs in
  (auth-resource-metadata-relative).
- RFC 8414 §2: ``token_endpoint`` is REQUIRED (unless only the implicit grant is supported);
  here the authorization server's metadata has none: the TypeScript SDK's
  ``OAuthMetadataSchema`` rejects the document, the Python SDK's ``OAuthMetadata`` too (it then
  guesses ``/register`` on the origin, 404): auth-as-metadata-no-token-endpoint.
- RFC 8414 §2 / OAuth 2.1 and *Authorization* (clients use the authorization code grant): here
  ``response_types_supported: ["token"]``; the TypeScript SDK's ``startAuthorization`` throws
  "does not support response type code" before any sign-in: auth-as-no-code-response-type.
- Neighbours: the first server with its token sent (Bearer accepted: every request served,
  auth-challenge-combined-token-accepted); ``resource_metadata=<url>`` without quotes, which RFC
  9110's grammar does not allow for a URL but both SDKs read (a token of the regex
  ``[^\\s,]+``): Claude Code signs in as for any OAuth server (auth-resource-metadata-unquoted, a
  skip naming the sign-in Claude Code runs); a stdio server that ignores SIGTERM and stays after
  its stdin closes (*Lifecycle* › Shutdown: the client closes stdin, then SIGTERM, then SIGKILL):
  served, and killed (stdio-ignores-sigterm; no process may outlive the run).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks); the SDKs' clients prove each (``proofs``): the
TypeScript SDK's functions run by Node on the same answers, the Python SDK's OAuth client
(``oauth_outcome``), the wire sweep's judge for the pyproject.toml servers. All seven are checked
in one envcheck run, in process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.mcp_servers import HERE, node
from tests.servers import QuietHandler, serving
from tests.verdicts.mcp_world import (
    ECHO_SERVER,
    jsonrpc_reply,
    judge_round_case,
    oauth_outcome,
    processes_of,
    run_in_process,
    servers_toml,
    write_script,
)
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_mcp_wire_sweep import TOKEN, judge

#: the bearer token the judge sends and the combined server accepts; no check may show it
SECRET = TOKEN

#: the TypeScript SDK's OAuth client functions (ESM), as Claude Code bundles them
TS_AUTH = HERE / "node_modules" / "@modelcontextprotocol" / "sdk" / "dist" / "esm" / "client"
TS_AUTH = TS_AUTH / "auth.js"

#: what the TypeScript SDK makes of each challenge (the metadata URL it reads, or null) and of
#: each authorization server (how far its sign-in gets: "sign-in", or the error that stops it)
TS_PROOF = """
import { pathToFileURL } from "node:url";
const auth = await import(pathToFileURL(process.argv[2]).href);
const { challenges, issuers } = JSON.parse(process.argv[3]);
const out = {};
for (const [name, value] of Object.entries(challenges)) {
  const res = new Response(null, { status: 401, headers: { "www-authenticate": value } });
  const found = auth.extractWWWAuthenticateParams(res).resourceMetadataUrl;
  out[name] = found ? found.href : null;
}
for (const [name, issuer] of Object.entries(issuers)) {
  try {
    const metadata = await auth.discoverAuthorizationServerMetadata(issuer);
    if (!metadata) { out[name] = "no metadata"; continue; }
    await auth.startAuthorization(issuer, {
      metadata, clientInformation: { client_id: "heldout16" },
      redirectUrl: "http://127.0.0.1:9/callback",
    });
    out[name] = "sign-in";
  } catch (e) { out[name] = `${e.name}: ${e.message}`.slice(0, 300); }
}
console.log(JSON.stringify(out));
"""

#: a stdio server that serves well and ignores the shutdown: SIGTERM ignored, and it stays after
#: its stdin closes (until SIGKILL)
STUBBORN_SERVER = (
    "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    + ECHO_SERVER
    + "\nwhile True:\n    time.sleep(1)\n"
)


def challenge_of(name: str, base: str) -> str:
    """The ``WWW-Authenticate`` value the resource ``/<name>/mcp`` of ``base`` answers 401 with."""
    metadata = f"{base}/meta/{name}"
    if name == "combined":
        return f'Basic realm="gateway", Bearer resource_metadata="{metadata}"'
    if name == "relative":
        return f'Bearer resource_metadata="/meta/{name}"'
    if name == "bare":
        return f"Bearer resource_metadata={metadata}"
    return f'Bearer resource_metadata="{metadata}"'


class Handler(QuietHandler):
    """The round's resource and authorization servers, by path:

    - ``/combined/mcp``: 401 ``Basic realm="gateway", Bearer resource_metadata="<base>/meta/
      combined"`` (one header value) unless the judge's token is sent; then a healthy MCP
      server (JSON answers);
    - ``/relative/mcp``: 401 ``Bearer resource_metadata="/meta/relative"``;
    - ``/notoken/mcp``: 401 naming ``<base>/meta/notoken``, whose authorization server ``stub``
      has metadata without ``token_endpoint``;
    - ``/implicit/mcp``: 401 naming ``<base>/meta/implicit``, whose authorization server
      ``implicit`` lists ``response_types_supported: ["token"]``;
    - ``/bare/mcp``: 401 ``Bearer resource_metadata=<base>/meta/bare`` (no quotes);
    - the metadata: only at ``/meta/<name>`` (none at the well-known URLs), each naming the
      authorization server ``login`` (complete, registration at ``/login/register``) but for
      notoken and implicit; ``/register`` on the origin is 404.

    Every request is kept in ``SEEN`` as (method, path)."""

    SEEN: list[tuple[str, str]] = []
    LOCK = threading.Lock()

    ISSUERS = {"combined": "login", "relative": "login", "bare": "login"}
    ISSUERS.update({"notoken": "stub", "implicit": "implicit"})

    def _base(self) -> str:
        return f"http://{self.headers.get('host')}"

    def _json(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(document).encode()
        self.respond(status, data, {"content-type": "application/json", **(headers or {})})

    def _issuer(self, name: str) -> dict[str, Any]:
        base = f"{self._base()}/{name}"
        document: dict[str, Any] = {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "registration_endpoint": f"{base}/register",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
        }
        if name == "stub":
            del document["token_endpoint"]
        if name == "implicit":
            document["response_types_supported"] = ["token"]
            document["grant_types_supported"] = ["implicit"]
        return document

    def _route(self, method: str) -> None:
        with self.LOCK:
            self.SEEN.append((method, self.path))
        body = self.body() if method == "POST" else b""
        path = self.path.split("?")[0]
        parts = path.strip("/").split("/")
        base = self._base()
        if len(parts) == 2 and parts[0] == "meta" and parts[1] in self.ISSUERS:
            self._json(
                200,
                {
                    "resource": f"{base}/{parts[1]}/mcp",
                    "authorization_servers": [f"{base}/{self.ISSUERS[parts[1]]}"],
                    "bearer_methods_supported": ["header"],
                },
            )
        elif path.startswith("/.well-known/oauth-authorization-server/") and parts[-1] in (
            "login",
            "stub",
            "implicit",
        ):
            self._json(200, self._issuer(parts[-1]))
        elif path == "/login/register" and method == "POST":
            self._json(201, {**json.loads(body), "client_id": "heldout16-client"})
        elif len(parts) == 2 and parts[1] == "mcp" and parts[0] in self.ISSUERS:
            token = self.headers.get("authorization") == f"Bearer {TOKEN}"
            if not (parts[0] == "combined" and token):
                challenge = challenge_of(parts[0], base)
                self._json(401, {"error": "unauthorized"}, {"www-authenticate": challenge})
            elif method == "GET":
                self.respond(405, headers={"allow": "POST, DELETE"})
            elif method == "DELETE":
                self.respond(200)
            else:
                message = json.loads(body)
                if "id" not in message or "method" not in message:
                    self.respond(202)
                else:
                    self._json(200, jsonrpc_reply(message))
        else:
            self.respond(404, b"not found", {"content-type": "text/plain"})

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._route("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._route("DELETE")


#: case name -> (server name, where it is declared, path or mode, the request the SDK's client
#: fails on or None (the stdio and http cases; the others are proven by ``proofs``), the
#: expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "auth-challenge-bearer-not-first": (
        "combined",
        "claude",
        "combined",
        None,
        Expect(
            "mcp/combined@mcp.json.initialize",
            "fail",
            says=("OAuth", "Basic"),
            fix=("WWW-Authenticate",),
            never=(
                "which Claude Code runs itself",
                "wants Basic (a user",
                "not a bearer token",
                "raise timeout",
            ),
        ),
    ),
    "auth-resource-metadata-relative": (
        "relative",
        "claude",
        "relative",
        None,
        Expect(
            "mcp/relative@mcp.json.initialize",
            "fail",
            says=("resource_metadata", "absolute"),
            fix=("absolute",),
            never=("which Claude Code runs itself", "raise timeout", "not an MCP endpoint"),
        ),
    ),
    "auth-as-metadata-no-token-endpoint": (
        "notoken",
        "claude",
        "notoken",
        None,
        Expect(
            "mcp/notoken@mcp.json.initialize",
            "fail",
            says=("token_endpoint",),
            fix=("token_endpoint",),
            never=("which Claude Code runs itself", "raise timeout", "no client registration"),
        ),
    ),
    "auth-as-no-code-response-type": (
        "implicit",
        "claude",
        "implicit",
        None,
        Expect(
            "mcp/implicit@mcp.json.initialize",
            "fail",
            says=("response_types_supported",),
            fix=("response_types_supported",),
            never=("which Claude Code runs itself", "raise timeout", "no client registration"),
        ),
    ),
    "auth-challenge-combined-token-accepted": (
        "combinedok",
        "http",
        "combined",
        None,
        Expect("mcp/combinedok.call", "pass"),
    ),
    "auth-resource-metadata-unquoted": (
        "bare",
        "claude",
        "bare",
        None,
        Expect("mcp/bare@mcp.json.initialize", "skip", says=("OAuth", "login")),
    ),
    "stdio-ignores-sigterm": (
        "stubborn",
        "stdio",
        "stubborn",
        None,
        Expect("mcp/stubborn.call", "pass"),
    ),
}

#: the neighbours: the client accepts them, envcheck must not fail or warn about them
NEIGHBOURS = (
    "auth-challenge-combined-token-accepted",
    "auth-resource-metadata-unquoted",
    "stdio-ignores-sigterm",
)

#: the cases that are rows of docs/verdicts/mcp.md (section 23)
ROWS: tuple[str, ...] = ()


def _ts_proof(root: Path, base: str) -> dict[str, Any]:
    """What the TypeScript SDK makes of the challenges and the authorization servers."""
    script = root / "ts_proof.mjs"
    script.write_text(TS_PROOF)
    challenges = {name: challenge_of(name, base) for name in ("combined", "relative", "bare")}
    issuers = {name: f"{base}/{name}" for name in ("login", "stub", "implicit")}
    done = subprocess.run(
        [
            node(),
            str(script),
            str(TS_AUTH),
            json.dumps({"challenges": challenges, "issuers": issuers}),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-500:]
    proof: dict[str, Any] = json.loads(done.stdout)
    return proof


def _status(url: str) -> int:
    import httpx2

    with httpx2.Client(timeout=5.0) as http:
        return int(http.get(url).status_code)


@pytest.fixture(scope="module")
def round16(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The seven servers proven (the SDKs' clients), then checked in one envcheck run: the
    proofs per case, the checks, the processes left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout16")
    stubborn = write_script(root / "servers" / "stubborn.py", STUBBORN_SERVER)
    before = processes_of(root)
    with pytest.MonkeyPatch.context() as mp, serving(Handler) as port:
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        base = f"http://127.0.0.1:{port}"
        servers: dict[str, dict[str, Any]] = {
            "combinedok": {
                "url": f"{base}/combined/mcp",
                "transport": "http",
                "headers": {"Authorization": f"Bearer {TOKEN}"},
                "call": {"tool": "echo", "arguments": {}},
            },
            "stubborn": {
                "command": sys.executable,
                "args": ["-S", stubborn],
                "call": {"tool": "echo", "arguments": {}},
            },
        }
        sdk: dict[str, Any] = dict(
            zip(
                ["auth-challenge-combined-token-accepted", "stdio-ignores-sigterm"],
                judge(
                    [
                        f"{base}/combined/mcp",
                        StdioServerParameters(command=sys.executable, args=["-S", stubborn]),
                    ]
                ),
            )
        )
        ts = _ts_proof(root, base)
        python = {name: oauth_outcome(f"{base}/{name}/mcp") for name in Handler.ISSUERS}
        well_known = {
            name: [
                _status(f"{base}/.well-known/oauth-protected-resource/{name}/mcp"),
                _status(f"{base}/.well-known/oauth-protected-resource"),
            ]
            for name in ("combined", "relative")
        }
        proofs: dict[str, Any] = {
            # the TypeScript SDK reads no metadata URL from a value starting with Basic, and
            # none is at the well-known URLs (the Python SDK finds it and reaches the sign-in)
            "auth-challenge-bearer-not-first": (
                ts["combined"] is None and well_known["combined"] == [404, 404]
            )
            or None,
            # neither SDK's client gets to a sign-in from a relative URL
            "auth-resource-metadata-relative": (
                ts["relative"] is None
                and well_known["relative"] == [404, 404]
                and not python["relative"][1]
            )
            or None,
            # the TypeScript SDK rejects the document; the Python SDK does not sign in either
            "auth-as-metadata-no-token-endpoint": (
                ts["stub"] != "sign-in" and not python["notoken"][1]
            )
            or None,
            # the TypeScript SDK stops before the sign-in
            "auth-as-no-code-response-type": (
                "response type code" in ts["implicit"] and ts["login"] == "sign-in"
            )
            or None,
            # both SDKs read the unquoted URL; the Python SDK's client gets to the sign-in
            "auth-resource-metadata-unquoted": (
                ts["bare"] == f"{base}/meta/bare" and python["bare"][1]
            )
            or None,
            "ts": ts,
            "python": python,
            "well-known": well_known,
        }
        claude = {
            name: {"type": "http", "url": f"{base}/{name}/mcp"}
            for name in ("combined", "relative", "notoken", "implicit", "bare")
        }
        (root / ".mcp.json").write_text(json.dumps({"mcpServers": claude}, indent=2))
        checks = run_in_process(root, servers_toml(servers), SECRET)
    yield {
        "sdk": sdk,
        "proofs": proofs,
        "checks": checks,
        "root": root,
        "servers": servers,
        "left": processes_of(root) - before,
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_heldout(round16: dict[str, Any], name: str) -> None:
    judge_round_case(round16, name, CASES, ROWS, NEIGHBOURS)


def test_no_process_outlives_the_run(round16: dict[str, Any]) -> None:
    """No server process outlives the run: the stdio server that ignores SIGTERM is killed
    (the SDK's client's and envcheck's)."""
    assert not round16["left"], f"processes outlived the run: {sorted(round16['left'])}"
