"""A stand-in Sourcegraph for the plugin's tests: ``python fake_sourcegraph.py PORT STATE``.

It answers with the shapes of Sourcegraph's public API, as documented (no Sourcegraph code here):

- ``POST /.api/graphql``: ``{"data": {"site": {"productVersion": ...}}}`` and
  ``{"data": {"currentUser": {"username": ...}}}`` (``currentUser`` is ``null`` for an anonymous
  visitor) -- Sourcegraph's GraphQL schema, types ``Site.productVersion`` and ``Query.currentUser``
  (sourcegraph/sourcegraph-public-snapshot ``cmd/frontend/graphqlbackend/schema.graphql``; its
  generated typings ``client/shared/src/graphql/schema.ts`` have ``currentUser: IUser | null``);
  the site query is the one src-cli sends (sourcegraph/src-cli ``cmd/src/version.go``).
- A refused token: HTTP 401 with the text ``Invalid access token.`` -- "If the token has been
  revoked, you will receive a response containing 'Invalid access token'"
  (https://sourcegraph.com/docs/cli/how-tos/revoking_an_access_token). Expired and mistyped tokens
  get the same answer here: Sourcegraph does not tell them apart in its answer.
- A private instance without a token: HTTP 401 (``auth.public`` off).
- ``GET /.api/src-cli/version``: ``{"version": "X.Y.Z"}``, 404 where the instance does not say
  (src-cli ``cmd/src/version.go`` treats 404 as "does not support this feature").
- ``/.api/mcp/v1`` (the path in src-cli ``internal/mcp``): MCP over streamable HTTP with
  ``Authorization: token ...``; 401 for a refused token, 403 without the ``MCP#ACCESS``
  permission, 404 ``no route`` when ``mcp.enabled`` is false -- Sourcegraph's MCP docs
  (sourcegraph/docs ``docs/api/mcp/index.mdx``). Its tools carry the documented names and
  parameters (``keyword_search``, ``nls_search``, ``read_file``, ``list_files``, ``list_repos``).
- Assumed, not documented: a token whose scopes do not cover the GraphQL API answered with 403
  (modelled on the MCP endpoint's documented 403).

The state file (JSON) is read on every request, so a test changes the instance by rewriting it.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

PORT, STATE = int(sys.argv[1]), Path(sys.argv[2])


def state() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(STATE.read_text())
    return loaded


def token_of(headers: Any) -> str | None:
    value = headers.get("authorization") or ""
    return value[len("token ") :] if value.startswith("token ") else None


async def graphql(request: Request) -> Response:
    s = state()
    mode = s.get("graphql", "ok")
    if mode == "hang":
        await asyncio.sleep(30)
    if mode == "html":
        return Response("<!doctype html><title>Intranet</title>", media_type="text/html")
    if mode == "login":
        return RedirectResponse("/oauth2/sign_in?rd=%2F.api%2Fgraphql", status_code=302)
    if mode == "error":
        return PlainTextResponse("upstream connect error", status_code=502)
    query = (await request.json())["query"]
    if mode == "user-errors" and "currentUser" in query:
        # the GraphQL spec's error shape (message, path, extensions); the code is made up
        error: dict[str, Any] = {"message": "not authorized", "path": ["currentUser"]}
        error["extensions"] = {"code": "ErrNotAuthenticated"}
        return JSONResponse({"errors": [error], "data": None})
    token = None if s.get("strip_auth") else token_of(request.headers)
    user = s["tokens"].get(token) if token else None
    if token and user is None:
        return PlainTextResponse("Invalid access token.\n", status_code=401)
    if user is not None and "user:all" not in user.get("scopes", ["user:all"]):
        return PlainTextResponse("Forbidden\n", status_code=403)
    if s.get("private") and user is None:
        return PlainTextResponse("Private mode requires authentication.\n", status_code=401)
    if "currentUser" in query:
        found = {"username": user["username"]} if user else None
        return JSONResponse({"data": {"currentUser": found}})
    return JSONResponse({"data": {"site": {"productVersion": s["version"]}}})


async def src_cli_version(request: Request) -> Response:
    version = state().get("src_cli")
    if version is None:
        return PlainTextResponse("404 page not found\n", status_code=404)
    return JSONResponse({"version": version})


server = MCPServer("Sourcegraph", version="6.4.0")


@server.tool(description="Exact keyword search over code, with repo:, file:, rev: filters.")
def keyword_search(query: str) -> str:
    return f"0 results for {query}"


@server.tool(description="Semantic search with flexible linguistic matching.")
def nls_search(query: str) -> str:
    return f"0 results for {query}"


@server.tool(description="Read a file with line numbers.")
def read_file(
    repo: str,
    path: str,
    startLine: int | None = None,  # noqa: N803 - Sourcegraph's parameter names
    endLine: int | None = None,  # noqa: N803
    revision: str | None = None,
) -> str:
    return ""


@server.tool(description="List files and directories in a repository path.")
def list_files(repo: str, path: str = "", revision: str | None = None) -> str:
    return ""


@server.tool(description="Search and list repositories by name patterns.")
def list_repos(query: str, limit: int = 50) -> str:
    return ""


security = TransportSecuritySettings(
    allowed_hosts=["127.0.0.1:*", "localhost:*"], allowed_origins=["http://127.0.0.1:*"]
)
app = server.streamable_http_app(
    streamable_http_path="/.api/mcp/v1", stateless_http=True, transport_security=security
)
app.router.routes.append(Route("/.api/graphql", graphql, methods=["POST"]))
app.router.routes.append(Route("/.api/src-cli/version", src_cli_version, methods=["GET"]))


async def guarded(scope: Any, receive: Any, send: Any) -> None:
    """Token auth in front of the MCP endpoint, as the instance has it."""
    if scope["type"] == "http" and scope["path"].startswith("/.api/mcp"):
        s = state()
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        user = s["tokens"].get(token_of(headers) or "")
        answer: Response | None = None
        if not s.get("mcp", True):
            answer = PlainTextResponse("no route\n", status_code=404)
        elif user is None:
            answer = PlainTextResponse("Invalid access token.\n", status_code=401)
        elif not user.get("mcp_access", True):
            answer = PlainTextResponse("forbidden\n", status_code=403)
        if answer is not None:
            await answer(scope, receive, send)
            return
    await app(scope, receive, send)


if __name__ == "__main__":
    uvicorn.run(
        guarded,
        host="127.0.0.1",
        port=PORT,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=1,
    )
