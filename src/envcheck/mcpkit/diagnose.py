"""Why an MCP server did not answer: diagnoses from structure, never from words.

The evidence is what the protocol and the system say: for stdio the exec ``errno``, the child's
exit status and its stderr tail; for HTTP the statuses and content types of the responses, whether
the other transport answers at the same URL, and whether the port speaks TLS; for both, the
JSON-RPC error code. :mod:`envcheck.mcpkit.probe` collects it and asks here what it means.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
import urllib.parse
from typing import TYPE_CHECKING

from envcheck.core import exec as _exec
from envcheck.core import redact
from envcheck.core.model import CheckFailed, CheckSkipped, Outcome, ok
from envcheck.mcpkit import command

if TYPE_CHECKING:
    from envcheck.mcpkit.spec import Attempt
    from envcheck.mcpkit.spec import Probing as Probe
    from envcheck.mcpkit.spec import ServerSpec

StepResult = Outcome | CheckFailed | CheckSkipped
#: statuses with which a server refuses one HTTP transport but may speak the other (the MCP
#: specification's fallback rule: a 4xx to the streamable HTTP POST means "try SSE")
WRONG_TRANSPORT = (404, 405, 400)
TRANSPORT_NAMES = {"http": "streamable HTTP", "sse": "SSE", "auto": "streamable HTTP or SSE"}


def describe(exc: BaseException) -> str:
    text = redact.clean(str(exc).strip(), 200)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def blocked(spec: ServerSpec, step: str, why: str = "") -> CheckSkipped:
    return CheckSkipped(f"blocked by {spec.name}.{step}" + (f": {why}" if why else ""))


def setting(spec: ServerSpec, key: str, value: object) -> str:
    """How to set ``key`` where the server is declared, in that file's own syntax."""
    if spec.origin == "pyproject":
        return f"set {key} = {json.dumps(value)} in {spec.settings}"
    key = {"transport": "type"}.get(key, key)
    return f'set "{key}": {json.dumps(value)} in {spec.settings}'


# -- stdio -------------------------------------------------------------------------------------
def inherited_environment() -> list[str]:
    """The variables of this process a stdio server gets (the SDK's rule, which clients share)."""
    from mcp.client.stdio import get_default_environment

    return sorted(get_default_environment())


def environment(spec: ServerSpec, stderr: str) -> tuple[str, str]:
    """Which variables reached the server, and how to pass one more (``why``, ``hint``)."""
    inherited = inherited_environment()
    reached = ", ".join(inherited) + (
        f" and its env ({', '.join(sorted(spec.env))})" if spec.env else ""
    )
    why = f"only {reached} reach the server, not the rest of your shell's environment"
    # a variable of this shell that did not reach the server and that the server names
    named = [
        name
        for name in sorted(os.environ)
        if len(name) > 2
        and name not in inherited
        and name not in spec.env
        and re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", stderr)
    ]
    name = named[0] if named else "NAME"
    if named:
        why += f"; {name} is set in your shell but was not passed"
    return why, "to pass a variable of your shell: " + _pass_variable(spec, name)


def _pass_variable(spec: ServerSpec, name: str) -> str:
    if spec.origin == "pyproject":
        return f'env = {{ {name} = "${{{name}}}" }} in {spec.settings}'
    return f'"env": {{"{name}": "{reference(spec, name)}"}} in {spec.settings}'


def reference(spec: ServerSpec, name: str) -> str:
    """How the file that declares the server refers to the variable ``name``."""
    if spec.origin in ("pyproject", "mcp.json"):
        return f"${{{name}}}"
    if spec.origin == "claude-desktop":  # Claude Desktop expands no variables
        return f"<the value of {name}>"
    return f"${{env:{name}}}"  # Cursor, VS Code


def raise_timeout(spec: ServerSpec) -> str:
    if spec.origin == "pyproject":
        return f"raise timeout in {spec.settings} (now {spec.timeout:g} s)"
    # client config files have no timeout: the section's applies to their servers
    return f"raise timeout in [tool.envcheck.mcp] of pyproject.toml (now {spec.timeout:g} s)"


def credentials(spec: ServerSpec) -> str:
    """Where the token goes, in the syntax of the file that declares the server."""
    if spec.origin == "pyproject":
        return (
            f'set headers = {{ Authorization = "Bearer ${{TOKEN}}" }} in {spec.settings} '
            "(and export TOKEN)"
        )
    token = reference(spec, "TOKEN")
    export = "" if token.startswith("<") else " (and export TOKEN)"
    return f'set "headers": {{"Authorization": "Bearer {token}"}} in {spec.settings}{export}'


def exited(probe: Probe, during: str) -> CheckFailed:
    """The server process ended by itself (``during`` start-up, or a step after the handshake)."""
    spec, child = probe.spec, probe.child
    code = child.returncode if child.returncode is not None else 0
    how = f"signal {-code}" if code < 0 else f"code {code}"
    tail = child.stderr_tail()
    stderr = f"; its stderr ends: {tail}" if tail else "; it wrote nothing to stderr"
    if code == 127 and spec.command:  # env's (and a shell's) "command not found"
        problem = _exec.inspect(spec.command, path=spec.env.get("PATH") or os.environ.get("PATH"))
        if problem is not None:
            return command.exec_problem(spec, problem)
    env_why, env_hint = environment(spec, tail)
    when = "before answering" if during == "start" else f"during {during}"
    stage = "during start-up" if during == "start" else "after the handshake"
    return CheckFailed(
        f"{spec.name}: `{spec.where}` exited with {how} {when}",
        why=f"the server stopped {stage}{stderr}; {env_why}",
        hint=f"{spec.look} to see the error, and fix its arguments or environment; {env_hint}",
        facts={"exit_code": code},
    )


def stdio_failure(
    probe: Probe, cause: BaseException | None, elapsed: float
) -> tuple[StepResult, StepResult]:
    spec, child = probe.spec, probe.child
    if isinstance(cause, OSError) and child.pid is None:
        program = probe.program or spec.command or ""
        return command.exec_problem(spec, _exec.diagnose(program, cause)), blocked(spec, "start")
    if child.garbage:
        tail = child.stderr_tail()
        stderr = f"; its stderr ends: {tail}" if tail else ""
        shown = redact.clean(child.garbage[0], 80)
        failed = CheckFailed(
            f"{spec.name}: printed non-protocol output on stdout: {shown!r}",
            why="stdout of a stdio MCP server carries only JSON-RPC messages; this server "
            f"wrote {len(child.garbage)} other line(s) there, so no client can talk to it" + stderr,
            hint="make the server log to stderr, not stdout (in Python: "
            "logging.basicConfig(stream=sys.stderr); in Node: console.error), or run it "
            "with its quiet option",
        )
        return probe.started(), failed
    if child.returncode is not None:
        return exited(probe, "start"), blocked(spec, "start")
    if cause is None:
        return probe.started(), no_answer(probe, "initialize", elapsed)
    return probe.started(), step_failed(probe, "initialize", cause)


# -- HTTP --------------------------------------------------------------------------------------
def http_failure(
    probe: Probe, attempt: Attempt, fallback: Attempt | None
) -> tuple[StepResult, StepResult]:
    spec = probe.spec
    statuses = attempt.statuses
    if not statuses:
        accepted = ok(f"{_hostport(spec)} accepts connections (no HTTP answer)", url=spec.url)
        if attempt.cause is None:  # silence: neither a TLS nor a plain-HTTP server does that
            return accepted, no_answer(probe, "initialize", attempt.elapsed)
        # the connection failed at once: is it TLS against plain HTTP, or the reverse?
        mismatch = tls_mismatch(spec)
        if mismatch is not None:
            return mismatch, blocked(spec, "start")
        return accepted, step_failed(probe, "initialize", attempt.cause)
    shown = ", ".join(str(s) for s in dict.fromkeys(statuses))
    answered = ok(f"{spec.url} answers HTTP ({shown})", statuses=list(statuses))
    over = TRANSPORT_NAMES[attempt.transport]
    if 401 in statuses or 403 in statuses:
        code = 401 if 401 in statuses else 403
        return answered, CheckFailed(
            f"{spec.name}: HTTP {code} from {spec.url}: the server refused the credentials",
            why=(
                "no Authorization header was sent, or its token is wrong or expired"
                if code == 401
                else "the token is valid but not allowed to use this server"
            ),
            hint=credentials(spec),
        )
    wrong = [code for code in statuses if code in WRONG_TRANSPORT]
    if wrong:
        code = wrong[0]
        if probe.other_transport is not None:
            other = probe.other_transport
            return answered, CheckFailed(
                f"{spec.name}: HTTP {code} from {spec.url} over {over}; the server answers "
                f"{TRANSPORT_NAMES[other]} at this URL",
                why=f"it is configured for {over}, but the server speaks {TRANSPORT_NAMES[other]}"
                " here (envcheck tried: the handshake succeeded)",
                hint=setting(spec, "transport", other),
            )
        answers = f"HTTP {code} over {over}"
        if fallback is not None and fallback.statuses:
            answers += f", HTTP {fallback.statuses[0]} over SSE"
        if code == 400:  # a bad request, not a missing path: the server rejected what it got
            return answered, CheckFailed(
                f"{spec.name}: HTTP 400 from {spec.url}: the server rejected the MCP handshake",
                why=f"neither streamable HTTP nor SSE is accepted here ({answers}): the endpoint "
                "wants other headers (a token, an API version) or is not an MCP endpoint",
                hint=f"check url and headers in {spec.settings}; {spec.look} to see why",
            )
        return answered, CheckFailed(
            f"{spec.name}: HTTP {code} from {spec.url}: no MCP endpoint at this path",
            why=f"the server answers, but neither streamable HTTP nor SSE works at this URL "
            f"({answers}): streamable HTTP servers usually serve /mcp, SSE servers /sse",
            hint=f"fix url in {spec.settings} (the path the server's documentation or log gives)",
        )
    refused = [code for code in statuses if code >= 400]
    if refused:
        return answered, CheckFailed(
            f"{spec.name}: HTTP {refused[0]} from {spec.url} to the MCP handshake",
            why="whatever serves this URL rejected an MCP request: it is not an MCP endpoint, "
            "or it failed",
            hint=f"check that {spec.url} is the server's MCP endpoint; {spec.look} to see why",
        )
    foreign = [kind for kind in attempt.content_types if not _is_mcp_content(kind)]
    if foreign:
        kind = redact.clean(foreign[0].split(";")[0].strip() or "no content type", 60)
        return answered, CheckFailed(
            f"{spec.name}: {spec.url} is not an MCP endpoint: it answered {kind}",
            why="an MCP server answers with application/json or text/event-stream",
            hint=f"fix url in {spec.settings}: the server's MCP endpoint (often /mcp)",
        )
    if attempt.cause is None:
        return answered, no_answer(probe, "initialize", attempt.elapsed)
    return answered, step_failed(probe, "initialize", attempt.cause)


def _is_mcp_content(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind in ("application/json", "text/event-stream", "")


def _hostport(spec: ServerSpec) -> str:
    url = urllib.parse.urlsplit(spec.url or "")
    return f"{url.hostname}:{url.port or (443 if url.scheme == 'https' else 80)}"


def tls_mismatch(spec: ServerSpec) -> CheckFailed | None:
    """``https://`` at a port that speaks plain HTTP, or ``http://`` at a TLS port, told from
    what the port answers to a TLS handshake and to a plain ``HEAD`` (its status line)."""
    from envcheck.kit import _net

    url = urllib.parse.urlsplit(spec.url or "")
    host = url.hostname or ""
    port = url.port or (443 if url.scheme == "https" else 80)
    deadline = time.monotonic() + min(spec.timeout, 2.0)  # within the checks' grace period
    if url.scheme == "https":
        if _net.speaks_tls(host, port, deadline) or not _answers_http(host, port, deadline):
            return None
        fixed = urllib.parse.urlunsplit(("http", *url[1:]))
        return CheckFailed(
            f"{spec.name}: TLS to a plain-HTTP port: {host}:{port} answers plain HTTP, not TLS",
            why="the URL says https://, but the server on this port does not answer a TLS "
            "handshake and does answer a plain HTTP request",
            hint=f"use http://: {setting(spec, 'url', fixed)}",
        )
    if url.scheme == "http" and _net.speaks_tls(host, port, deadline):
        fixed = urllib.parse.urlunsplit(("https", *url[1:]))
        return CheckFailed(
            f"{spec.name}: plain HTTP to a TLS port: {host}:{port} speaks TLS",
            why="the URL says http://, but the server on this port completes a TLS handshake",
            hint=f"use https://: {setting(spec, 'url', fixed)}",
        )
    return None


def _answers_http(host: str, port: int, deadline: float) -> bool:
    try:
        with socket.create_connection(
            (host, port), timeout=max(0.05, deadline - time.monotonic())
        ) as sock:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            sock.sendall(f"HEAD / HTTP/1.0\r\nHost: {host}\r\n\r\n".encode("ascii", "replace"))
            return sock.recv(16).startswith(b"HTTP/")
    except OSError:
        return False


# -- any transport -----------------------------------------------------------------------------
def no_answer(probe: Probe, step: str, elapsed: float) -> CheckFailed:
    spec = probe.spec
    what = {"initialize": f"{probe.era or 'initialize'} (the handshake)"}.get(step, step)
    if spec.transport == "stdio":
        why = (
            f"the server is running (pid {probe.child.pid}) but sent no answer: it may wait "
            "for input it never gets, or speak another protocol"
        )
    else:
        why = "the connection was accepted but nothing came back: a hung server or a proxy"
    return CheckFailed(
        f"{spec.name}: no answer to {what} within {spec.timeout:g} s",
        why=why,
        hint=f"{spec.look} to see whether it speaks MCP, or {raise_timeout(spec)}",
        facts={"waited_s": round(elapsed, 2)},
    )


def step_failed(probe: Probe, step: str, cause: BaseException) -> CheckFailed:
    from mcp import MCPError
    from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT

    spec = probe.spec
    if spec.transport == "stdio" and probe.child.returncode is not None:
        return exited(probe, step)
    if isinstance(cause, MCPError) and cause.code == REQUEST_TIMEOUT:
        return no_answer(probe, step, spec.timeout)
    if isinstance(cause, MCPError) and cause.code == CONNECTION_CLOSED:
        what = "closed its stdout" if spec.transport == "stdio" else "closed the connection"
        return CheckFailed(
            f"{spec.name}: {step} failed: the server {what} without answering",
            why="it is still running but stopped talking MCP: it crashed inside, or it closed "
            "the stream on purpose",
            hint=f"{spec.look} to see why",
        )
    if isinstance(cause, MCPError):
        why = f"the server answered with a JSON-RPC error ({_rpc_meaning(cause.code)})"
        hint = f"{spec.look} to see why"
        if spec.transport == "stdio":
            env_why, env_hint = environment(spec, probe.child.stderr_tail())
            why, hint = f"{why}; {env_why}", f"{hint} ({env_hint})"
        return CheckFailed(
            f"{spec.name}: {step} failed: MCP error {cause.code}: "
            f"{redact.clean(cause.message, 200)}",
            why=why,
            hint=hint,
        )
    if spec.transport != "stdio" and _is_transport_error(cause):
        return CheckFailed(
            f"{spec.name}: {step} failed: the HTTP connection broke ({describe(cause)})",
            why="the server closed the connection in the middle of an answer: it is not an "
            "MCP endpoint, or it crashed",
            hint=f"check that {spec.url} is the server's MCP endpoint; {spec.look} to see why",
        )
    return CheckFailed(
        f"{spec.name}: {step} failed: {describe(cause)}",
        why="the server's answer could not be used",
        hint=f"{spec.look} to see what it does",
    )


def _rpc_meaning(code: int) -> str:
    meanings = {
        -32700: "parse error: it could not read the request",
        -32600: "invalid request",
        -32601: "method not found: it does not implement this",
        -32602: "invalid params",
        -32603: "internal error: it failed while handling the request",
    }
    return meanings.get(code, "a server-defined error")


def _is_transport_error(exc: BaseException) -> bool:
    import httpx2

    return isinstance(exc, (OSError, httpx2.TransportError))
