"""A real MCP server on the official Python SDK (``MCPServer``), served over streamable HTTP or SSE
by uvicorn on 127.0.0.1, with the options the verdict tests need.

    python tests/mcp-servers/sdk_server.py PORT [--transport http|sse] [--token T:SCOPES]
        [--require-scope S] [--allowed-host H] [--stateless] [--json] [--tls CERT:KEY]

- ``--token T:SCOPES``: the server is an OAuth-protected resource (the SDK's bearer middleware and
  protected-resource metadata, RFC 9728): it accepts only the bearer token ``T``, which holds the
  comma-separated ``SCOPES``; its authorization server is ``https://auth.example.test``.
- ``--require-scope S``: the scope every request needs (403 ``insufficient_scope`` without it).
- ``--allowed-host H``: DNS-rebinding protection that accepts only the Host header ``H`` (421
  otherwise).
- ``--stateless``: no sessions; ``--json``: JSON answers instead of SSE streams.
- ``--tls CERT:KEY``: serve HTTPS with this certificate and key.
"""

from __future__ import annotations

import argparse

import uvicorn
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings

ISSUER = "https://auth.example.test"


class OneToken:
    """Accepts exactly one bearer token."""

    def __init__(self, token: str, scopes: list[str]) -> None:
        self.token, self.scopes = token, scopes

    async def verify_token(self, token: str) -> AccessToken | None:
        if token != self.token:
            return None
        return AccessToken(token=token, client_id="envcheck-tests", scopes=self.scopes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--transport", choices=["http", "sse"], default="http")
    parser.add_argument("--token")
    parser.add_argument("--require-scope", action="append", default=[])
    parser.add_argument("--allowed-host")
    parser.add_argument("--stateless", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--tls")
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    auth = verifier = None
    if args.token:
        token, _, scopes = args.token.partition(":")
        verifier = OneToken(token, [s for s in scopes.split(",") if s])
        auth = AuthSettings(
            issuer_url=ISSUER,  # type: ignore[arg-type]
            resource_server_url=f"{base}/mcp",  # type: ignore[arg-type]
            required_scopes=args.require_scope or None,
            validate_token_resource=False,
        )
    server: MCPServer = MCPServer(
        "sdk-test-server", version="1.0", token_verifier=verifier, auth=auth, log_level="WARNING"
    )

    @server.tool()
    def echo(message: str) -> str:
        """Echo the message back."""
        return f"Echo: {message}"

    security = None
    if args.allowed_host:
        security = TransportSecuritySettings(allowed_hosts=[args.allowed_host])
    if args.transport == "sse":
        app = server.sse_app(transport_security=security)
    else:
        app = server.streamable_http_app(
            transport_security=security, stateless_http=args.stateless, json_response=args.json
        )
    cert, _, key = (args.tls or "").partition(":")
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        ssl_certfile=cert or None,
        ssl_keyfile=key or None,
    )


if __name__ == "__main__":
    main()
