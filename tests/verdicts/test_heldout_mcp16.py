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

First run (envcheck at e507d2b, the commit that added this file, before any change; graded by
the rules above, 2026-12-07; the run's JSON report read in full): 7 cases, 2 fully right (the
neighbours auth-challenge-combined-token-accepted and auth-resource-metadata-unquoted), 1
partly, 4 wrong; of the four breakages, none. (That run's proof of the unquoted neighbour failed
on the proof itself: the Python SDK's client stops at the sign-in for want of a callback
handler, not a redirect handler; the proof now counts either as reaching the sign-in.)

- auth-challenge-bearer-not-first, wrong: no check of ``combined@mcp.json`` at all: the entry
  has the URL of the pyproject.toml entry ``combinedok`` (which sends a token), and envcheck
  checks one URL once whatever each entry's headers, so Claude Code's entry, which meets the 401,
  went unchecked;
- auth-resource-metadata-relative, wrong: a skip, "needs an OAuth sign-in, which Claude Code
  runs itself", naming the metadata at the URL envcheck resolved itself (neither SDK does);
- auth-as-metadata-no-token-endpoint, wrong: the same skip (the metadata's missing member not
  read);
- auth-as-no-code-response-type, wrong: the same skip (``response_types_supported`` not read);
- stdio-ignores-sigterm, partly: every check passed, but the server outlived the run (the
  probe's thread was still stopping it, SIGTERM ignored, when the last check returned; it was
  SIGKILLed a second later).

After (verdicts from structure: the challenges of the ``WWW-Authenticate`` value and their
order, the URL's scheme, the statuses of the well-known URLs, the authorization server's
metadata members; none from a message's words): 7 of 7 fully right, each a row of
docs/verdicts/mcp.md (section 23, ``ROWS``) asserted on the run.

- A ``WWW-Authenticate`` value is split into its challenges (RFC 9110 §11.6.1,
  ``diagnose.split_challenges``; a comma followed by ``name=`` continues a challenge) where the
  probe records them; the values as written are kept beside (``Attempt.challenge_values``).
- When a client may ignore the metadata URL the challenge names (it is relative, or the Bearer
  challenge does not begin its value), the well-known URLs are read (``Probe._read_well_known``):
  a relative URL fails the handshake for any entry (the Python SDK's client stops at it, the
  TypeScript SDK's looks only at the well-known URLs), unless Claude Code finds the metadata
  there; a Bearer challenge after another fails a ``.mcp.json`` entry (Claude Code) when the
  metadata is at no well-known URL. Each with the administrators' fix and, meanwhile, the
  entry's ``Authorization`` header (an Edit) with a token got another way.
- The authorization server's metadata without ``authorization_endpoint``, ``token_endpoint`` or
  ``response_types_supported`` (RFC 8414 §2), or whose ``response_types_supported`` lacks
  ``code``, fails the sign-in of every client (``diagnose._unusable_issuer``).
- One URL declared with different headers in two files is two servers (``target._identity``).
- The last check of a server waits (at most 5 s) for its probe's walk to end: the server stopped
  and reaped before the run ends (``Probe._await_stop``).

The printed fixes' runnable step (the entry's header, an Edit of .mcp.json) is executed for
the four breakages with the token exported: each entry is then served (``test_the_printed_
fixes_work``); the administrators' part is a person's.

Cost (measured after the fixes, ``-p no:xdist``, pytest's start included): 4.6 CPU-s, 12 s of
wall time (the SDKs' OAuth clients five times, Node once, two envcheck runs in process).
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

from envcheck.core.config import EnvcheckConfig, Settings
from envcheck.engine import registry
from envcheck.engine.fixer import apply_step
from tests.mcp_servers import HERE, node
from tests.servers import QuietHandler, serving
from tests.verdicts.fixes import step_of
from tests.verdicts.mcp_world import (
    ECHO_SERVER,
    jsonrpc_reply,
    neighbour_servers,
    oauth_outcome,
    processes_of,
    round_tests,
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
      combined"`` (one header value);
    - ``/relative/mcp``: 401 ``Bearer resource_metadata="/meta/relative"``;
    - ``/notoken/mcp``: 401 naming ``<base>/meta/notoken``, whose authorization server ``stub``
      has metadata without ``token_endpoint``;
    - ``/implicit/mcp``: 401 naming ``<base>/meta/implicit``, whose authorization server
      ``implicit`` lists ``response_types_supported: ["token"]``;
    - ``/bare/mcp``: 401 ``Bearer resource_metadata=<base>/meta/bare`` (no quotes);
    - the metadata: only at ``/meta/<name>`` (none at the well-known URLs), each naming the
      authorization server ``login`` (complete, registration at ``/login/register``) but for
      notoken and implicit; ``/register`` on the origin is 404;
    - with the judge's token (``Authorization: Bearer <TOKEN>``) each resource is a healthy MCP
      server (JSON answers): a token got another way, which each printed fix puts in the entry.

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
            if not token:  # the judge's token is good for every resource (a gateway's)
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
ROWS = tuple(sorted(CASES))

#: the breakages whose printed fix has a step a program runs: the token's header in the entry
FIXED = {
    "combined": "mcp/combined@mcp.json.initialize",
    "relative": "mcp/relative@mcp.json.initialize",
    "notoken": "mcp/notoken@mcp.json.initialize",
    "implicit": "mcp/implicit@mcp.json.initialize",
}


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
        # the Python SDK's OAuth client: how far it got (it reaches the sign-in when it asks
        # for a redirect, or stops for want of the callback a person's browser would call)
        python = {name: oauth_outcome(f"{base}/{name}/mcp") for name in Handler.ISSUERS}
        signs_in = {
            name: redirected or outcome.startswith("OAuthFlowError: No callback handler")
            for name, (outcome, redirected) in python.items()
        }
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
                ts["combined"] is None
                and well_known["combined"] == [404, 404]
                and signs_in["combined"]
            )
            or None,
            # neither SDK's client gets to a sign-in from a relative URL
            "auth-resource-metadata-relative": (
                ts["relative"] is None
                and well_known["relative"] == [404, 404]
                and not signs_in["relative"]
            )
            or None,
            # the TypeScript SDK rejects the document; the Python SDK does not sign in either
            "auth-as-metadata-no-token-endpoint": (
                ts["stub"] != "sign-in" and not signs_in["notoken"]
            )
            or None,
            # the TypeScript SDK stops before the sign-in
            "auth-as-no-code-response-type": (
                "response type code" in ts["implicit"] and ts["login"] == "sign-in"
            )
            or None,
            # both SDKs read the unquoted URL; the Python SDK's client gets to the sign-in
            "auth-resource-metadata-unquoted": (
                ts["bare"] == f"{base}/meta/bare" and signs_in["bare"]
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
        patient = neighbour_servers(CASES, NEIGHBOURS)
        checks = run_in_process(root, servers_toml(servers, patient), SECRET)
    yield {
        "base": base,
        "sdk": sdk,
        "proofs": proofs,
        "checks": checks,
        "root": root,
        "servers": servers,
        "left": processes_of(root) - before,
    }


test_heldout, test_no_process_outlives_the_run = round_tests("round16", CASES, ROWS, NEIGHBOURS)


def test_the_printed_fixes_work(round16: dict[str, Any]) -> None:
    """The four breakages' fixes carried out as printed: the administrators' part is theirs; the
    rest (a token got another way, exported as TOKEN; the entry's Authorization header, an Edit
    of .mcp.json applied by envcheck's fixer): envcheck run again over those entries alone, the
    server still up: each is served. Only the fix's runnable steps are applied, and TOKEN is
    the person's export."""
    by_id = {c["id"]: c for c in round16["checks"]}
    root: Path = round16["root"]
    claude = json.loads((root / ".mcp.json").read_text())["mcpServers"]
    kept = {name: claude[name] for name in FIXED}
    (root / ".mcp.json").write_text(json.dumps({"mcpServers": kept}, indent=2))
    with pytest.MonkeyPatch.context() as mp, serving(Handler) as port:
        mp.chdir(root)
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mp.setenv("TOKEN", TOKEN)
        # the same server on a new port: the entries' URLs follow it
        moved = (
            (root / ".mcp.json").read_text().replace(round16["base"], f"http://127.0.0.1:{port}")
        )
        (root / ".mcp.json").write_text(moved)
        for name, ident in FIXED.items():
            check = by_id[ident]
            assert check["status"] == "fail", check
            edits = [s for s in check["fix"]["steps"] if s["kind"] == "edit"]
            assert [e["key"] for e in edits] == [f"mcpServers.{name}.headers.Authorization"]
            config = EnvcheckConfig(
                sections={}, settings=Settings(), rootdir=root, source=str(root / "pyproject.toml")
            )
            pm = registry.make_plugin_manager()
            results = [apply_step(step_of(e), config, pm) for e in edits]
            assert all(r.ok for r in results), results
        after = run_in_process(root, "[tool.envcheck.mcp]\ntimeout = 5.0\n", SECRET)
    failing = [f"{c['id']} {c['status']}" for c in after if c["status"] not in ("pass", "skip")]
    passed = {c["id"] for c in after if c["status"] == "pass"}
    wanted = {f"mcp/{name}@mcp.json.tools" for name in FIXED}
    assert not failing and wanted <= passed, (failing, sorted(passed))
