"""One connection to one MCP server, shared by that server's checks.

A :class:`Probe` connects once (stdio, streamable HTTP or SSE, through the official SDK's
``Client``) and walks the steps the checks report on: ``start`` → ``initialize`` → ``tools`` →
``resources`` → ``prompts`` → ``ping`` → ``call``. Each step is bounded by the server's timeout and
its outcome (an :class:`~envcheck.Outcome` or the exception a check raises) is kept for the check
that asks. The connection is closed, and a stdio server's process tree reaped, as soon as the last
step is done.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import threading
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envcheck import redact
from envcheck._model import CheckFailed, CheckSkipped, Outcome, ok, skip, warn
from envcheck.mcpkit._stdio import ChildState, stdio_transport

if TYPE_CHECKING:
    from mcp import Client

STEPS = ("start", "initialize", "tools", "resources", "prompts", "ping", "call")
#: The newest protocol era has no initialize handshake and no ping (``server/discover`` instead).
HANDSHAKE = "initialize"
DISCOVER = "server/discover"

StepResult = Outcome | CheckFailed | CheckSkipped


@dataclass(frozen=True)
class SmokeCall:
    tool: str
    arguments: dict[str, Any]
    expect: str | None = None


@dataclass(frozen=True)
class ServerSpec:
    """A server with every ``${VAR}`` already resolved (values of ``env`` and ``headers`` are
    registered as secrets by whoever resolved them)."""

    name: str
    settings: str  # where it is declared, for hints: "[tool.envcheck.mcp.servers.x]" or a file
    transport: str  # stdio | http | sse
    command: str | None = None
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect_tools: tuple[str, ...] = ()
    call: SmokeCall | None = None
    timeout: float = 10.0

    @property
    def where(self) -> str:
        """How a person would start or reach it."""
        if self.transport == "stdio":
            return shlex.join([self.command or "", *self.args])
        return str(self.url)

    @property
    def look(self) -> str:
        """How a person sees for themselves what the server does."""
        if self.transport == "stdio":
            return f"run `{self.where}` by hand"
        return f"read the server's log (or: curl -i {self.url})"


def _root_cause(exc: BaseException) -> BaseException:
    """The SDK reports through anyio task groups: unwrap ``ExceptionGroup`` to the first leaf."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Probe:
    """Runs the steps once in its own thread and event loop; checks wait for their step."""

    def __init__(self, spec: ServerSpec) -> None:
        self.spec = spec
        self._results: dict[str, StepResult] = {}
        self._events = {step: threading.Event() for step in STEPS}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.child = ChildState()
        self.statuses: list[int] = []  # HTTP statuses seen, for 401/404 diagnoses
        self.era: str | None = None
        self.tools: list[Any] = []  # what tools/list returned (for `envcheck mcp tools`)

    # -- what checks call ----------------------------------------------------------------------
    def result(self, step: str, timeout: float) -> Outcome:
        """The outcome of ``step``, raising what the check must raise; waits at most ``timeout``."""
        self.start()
        if not self._events[step].wait(max(0.0, timeout)):
            raise CheckFailed(
                f"{self.spec.name}: no result for {step} within {timeout:.1f} s",
                why="the server stopped answering part-way",
                hint=f"{self.spec.look}, or raise timeout in {self.spec.settings}",
            )
        found = self._results[step]
        if isinstance(found, (CheckFailed, CheckSkipped)):
            raise found
        return found

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"envcheck-mcp:{self.spec.name}", daemon=True
                )
                self._thread.start()

    # -- the walk ------------------------------------------------------------------------------
    def _set(self, step: str, outcome: StepResult) -> None:
        if step not in self._results:
            self._results[step] = outcome
            self._events[step].set()

    def _run(self) -> None:
        import anyio

        try:
            anyio.run(self._walk)
        except BaseException as exc:  # noqa: B036 - a probe must always settle every step
            cause = _root_cause(exc)
            failed = CheckFailed(
                f"{self.spec.name}: the MCP connection failed: {_describe(cause)}",
                why="the SDK raised an error envcheck does not know how to explain",
                hint=f"{self.spec.look} to see what it does",
            )
            for step in STEPS:
                self._set(step, failed)
        finally:
            ended = CheckSkipped(f"{self.spec.name}: the connection ended before this step")
            for step in STEPS:
                self._set(step, ended)

    async def _walk(self) -> None:
        import anyio
        from mcp import Client

        spec = self.spec
        try:
            transport = self._transport()
        except (CheckFailed, CheckSkipped) as exc:
            self._set("start", exc)
            return
        steps: list[tuple[str, Callable[[Client], Awaitable[Outcome]]]] = [
            ("tools", self._tools),
            ("resources", self._resources),
            ("prompts", self._prompts),
            ("ping", self._ping),
            ("call", self._call),
        ]
        step, started = "initialize", time.monotonic()
        # one cancel scope around the whole connection (the SDK's task groups must nest inside
        # it); its deadline moves on with every step, so each step gets the full timeout
        try:
            with anyio.CancelScope(deadline=anyio.current_time() + spec.timeout) as scope:
                async with Client(transport, read_timeout_seconds=spec.timeout) as client:
                    latency = round((time.monotonic() - started) * 1000)
                    self._set("start", self._started())
                    self._set("initialize", self._initialized(client, latency))
                    for step, run in steps:
                        started = time.monotonic()
                        scope.deadline = anyio.current_time() + spec.timeout
                        try:
                            self._set(step, await run(client))
                        except (CheckFailed, CheckSkipped) as exc:
                            self._set(step, exc)
                        except Exception as exc:  # noqa: BLE001 - each SDK error is diagnosed
                            self._set(step, self._failed(step, _root_cause(exc)))
                # leaving the client closes the session and reaps a stdio server right away
        except Exception as exc:  # noqa: BLE001 - the handshake failed: diagnosed below
            self._settle_failed_start(_root_cause(exc), time.monotonic() - started)
            return
        if scope.cancelled_caught:
            if step == "initialize":
                self._settle_failed_start(None, time.monotonic() - started)
            else:
                self._set(step, self._no_answer(step, time.monotonic() - started))

    def _transport(self) -> Any:
        spec = self.spec
        if spec.transport == "stdio":
            argv = [_find_command(spec), *spec.args]
            from mcp.client.stdio import get_default_environment

            env = {**get_default_environment(), **spec.env}
            if spec.cwd and not Path(spec.cwd).is_dir():
                raise CheckFailed(
                    f"{spec.name}: working directory {spec.cwd} does not exist",
                    hint=f"fix cwd in {spec.settings}",
                )
            return stdio_transport(argv, env, spec.cwd, self.child)
        self._reach()
        return self._http_transport()

    def _reach(self) -> None:
        from envcheck.checks import _net

        url = urllib.parse.urlsplit(self.spec.url or "")
        if url.scheme not in ("http", "https") or not url.hostname:
            raise CheckFailed(
                f"{self.spec.name}: {self.spec.url!r} is not an http(s) URL",
                hint=f"set url in {self.spec.settings} to the server's endpoint, e.g. "
                "http://127.0.0.1:8000/mcp",
            )
        port = url.port or (443 if url.scheme == "https" else 80)
        _net.probe(
            url.hostname,
            port,
            timeout=self.spec.timeout,
            what=f"the MCP server {self.spec.name}",
            start_hint=f"start the MCP server {self.spec.name} so that it listens on "
            f"{url.hostname}:{port}, or fix url in {self.spec.settings}",
        )

    def _http_transport(self) -> Any:
        import httpx2

        spec = self.spec

        async def record(response: httpx2.Response) -> None:
            self.statuses.append(response.status_code)

        def make_client(
            headers: dict[str, str] | None = None,
            timeout: httpx2.Timeout | None = None,
            auth: httpx2.Auth | None = None,
        ) -> httpx2.AsyncClient:
            return httpx2.AsyncClient(
                headers={**(headers or {}), **spec.headers},
                timeout=httpx2.Timeout(spec.timeout),
                auth=auth,
                event_hooks={"response": [record]},
            )

        if spec.transport == "sse":
            from mcp.client.sse import sse_client

            return sse_client(
                spec.url or "",
                timeout=spec.timeout,
                sse_read_timeout=spec.timeout,
                httpx_client_factory=make_client,
            )
        from mcp.client.streamable_http import streamable_http_client

        return streamable_http_client(spec.url or "", http_client=make_client())

    # -- diagnosing the handshake --------------------------------------------------------------
    def _settle_failed_start(self, cause: BaseException | None, elapsed: float) -> None:
        if self.spec.transport == "stdio":
            start, initialize = self._stdio_failure(cause, elapsed)
        else:
            start, initialize = self._http_failure(cause, elapsed)
        self._set("start", start)
        self._set("initialize", initialize)

    def _stdio_failure(
        self, cause: BaseException | None, elapsed: float
    ) -> tuple[StepResult, StepResult]:
        spec, child = self.spec, self.child
        tail = child.stderr_tail()
        stderr = f"; its stderr ends: {tail}" if tail else "; it wrote nothing to stderr"
        if isinstance(cause, OSError) and child.pid is None:
            failed = CheckFailed(
                f"{spec.name}: cannot start `{spec.where}`: {cause.strerror or cause}",
                hint=f"check command in {spec.settings}",
            )
            return failed, _blocked(spec, "start")
        if child.garbage:
            shown = redact.clean(child.garbage[0], 80)
            failed = CheckFailed(
                f"{spec.name}: printed non-protocol output on stdout: {shown!r}",
                why="stdout of a stdio MCP server carries only JSON-RPC messages; this server "
                f"wrote {len(child.garbage)} other line(s) there, so no client can talk to it"
                + stderr,
                hint="make the server log to stderr, not stdout (in Python: "
                "logging.basicConfig(stream=sys.stderr); in Node: console.error), or run it "
                "with its quiet option",
            )
            return self._started(), failed
        if child.returncode is not None:
            how = f"code {child.returncode}"
            if child.returncode < 0:
                how = f"signal {-child.returncode}"
            failed = CheckFailed(
                f"{spec.name}: `{spec.where}` exited with {how} before answering",
                why=f"the server stopped during start-up{stderr}",
                hint=f"run `{spec.where}` by hand to see the error; fix its arguments or "
                f"environment in {spec.settings}",
                facts={"exit_code": child.returncode},
            )
            return failed, _blocked(spec, "start")
        if cause is None:
            return self._started(), self._no_answer("initialize", elapsed)
        return self._started(), self._failed("initialize", cause)

    def _http_failure(
        self, cause: BaseException | None, elapsed: float
    ) -> tuple[StepResult, StepResult]:
        spec = self.spec
        answered = ok(f"{spec.url} answers HTTP", statuses=list(self.statuses))
        if 401 in self.statuses or 403 in self.statuses:
            code = 401 if 401 in self.statuses else 403
            return answered, CheckFailed(
                f"{spec.name}: HTTP {code} from {spec.url}: the server refused the credentials",
                why=(
                    "no Authorization header was sent, or its token is wrong or expired"
                    if code == 401
                    else "the token is valid but not allowed to use this server"
                ),
                hint=f'set headers = {{ Authorization = "Bearer ${{TOKEN}}" }} in '
                f"{spec.settings} (and export TOKEN)",
            )
        if 404 in self.statuses or 405 in self.statuses:
            code = 404 if 404 in self.statuses else 405
            other = "sse" if spec.transport == "http" else "http"
            return answered, CheckFailed(
                f"{spec.name}: HTTP {code} from {spec.url}: no MCP endpoint at this path",
                why="the server answers, but not at this URL: streamable HTTP servers usually "
                "serve /mcp, SSE servers /sse",
                hint=f'fix url in {spec.settings} (or set transport = "{other}" if the server '
                f"speaks {other.upper()})",
            )
        refused = [code for code in self.statuses if code >= 400]
        if refused:
            return answered, CheckFailed(
                f"{spec.name}: HTTP {refused[0]} from {spec.url} to the MCP handshake",
                why="whatever serves this URL rejected an MCP request: it is not an MCP endpoint, "
                "or it failed",
                hint=f"check that {spec.url} is the server's MCP endpoint; {spec.look} to see why",
            )
        if cause is None:
            return answered, self._no_answer("initialize", elapsed)
        return answered, self._failed("initialize", cause)

    def _started(self) -> Outcome:
        spec = self.spec
        if spec.transport == "stdio":
            facts: dict[str, Any] = {"command": spec.where, "pid": self.child.pid}
            return ok(f"`{spec.where}` started (pid {self.child.pid})", **facts)
        return ok(f"{spec.url} answers ({spec.transport})", url=spec.url, transport=spec.transport)

    def _initialized(self, client: Client, latency: int) -> Outcome:
        session = client.session
        self.era = HANDSHAKE if session.initialize_result is not None else DISCOVER
        info = client.server_info
        server = f"{info.name} {info.version}".strip() if info else "an anonymous server"
        caps = client.server_capabilities
        advertised = [
            name
            for name in ("tools", "resources", "prompts", "logging", "completions")
            if getattr(caps, name, None) is not None
        ]
        summary = (
            f"{server}, protocol {client.protocol_version} via {self.era} in {latency} ms"
            f" ({', '.join(advertised) or 'no capabilities'})"
        )
        facts: dict[str, Any] = {
            "protocol_version": client.protocol_version,
            "handshake": self.era,
            "server_name": info.name if info else None,
            "server_version": info.version if info else None,
            "capabilities": advertised,
            "latency_ms": latency,
        }
        if self.child.garbage:
            return warn(
                f"{summary}, but it printed {len(self.child.garbage)} non-protocol line(s) on "
                f"stdout: {redact.clean(self.child.garbage[0], 60)!r}",
                hint="make the server log to stderr: stricter clients drop servers that do this",
                **facts,
            )
        return ok(summary, **facts)

    def _no_answer(self, step: str, elapsed: float) -> CheckFailed:
        spec = self.spec
        what = {"initialize": f"{self.era or HANDSHAKE} (the handshake)"}.get(step, step)
        if spec.transport == "stdio":
            why = (
                f"the server is running (pid {self.child.pid}) but sent no answer: it may wait "
                "for input it never gets, or speak another protocol"
            )
        else:
            why = "the connection was accepted but nothing came back: a hung server or a proxy"
        return CheckFailed(
            f"{spec.name}: no answer to {what} within {spec.timeout:g} s",
            why=why,
            hint=f"{spec.look} to see whether it speaks MCP, or raise timeout in "
            f"{spec.settings}",
            facts={"waited_s": round(elapsed, 2)},
        )

    def _failed(self, step: str, cause: BaseException) -> CheckFailed:
        from mcp import MCPError

        spec = self.spec
        if isinstance(cause, MCPError) and cause.message.startswith("Unexpected content type"):
            kind = cause.message.split(":", 1)[-1].strip()
            return CheckFailed(
                f"{spec.name}: {spec.url} is not an MCP endpoint: it answered {kind}",
                why="an MCP server answers with application/json or text/event-stream",
                hint=f"fix url in {spec.settings}: the server's MCP endpoint (often /mcp)",
            )
        if isinstance(cause, MCPError):
            return CheckFailed(
                f"{spec.name}: {step} failed: MCP error {cause.code}: {cause.message}",
                why="the server answered with a JSON-RPC error",
                hint=f"{spec.look} to see why",
            )
        if spec.transport != "stdio" and _is_transport_error(cause):
            return CheckFailed(
                f"{spec.name}: {step} failed: the HTTP connection broke ({_describe(cause)})",
                why="the server closed the connection in the middle of an answer: it is not an "
                "MCP endpoint, or it crashed",
                hint=f"check that {spec.url} is the server's MCP endpoint; {spec.look} to see why",
            )
        return CheckFailed(
            f"{spec.name}: {step} failed: {_describe(cause)}",
            why="the server's answer could not be used",
            hint=f"{spec.look} to see what it does",
        )

    # -- the steps after the handshake ---------------------------------------------------------
    async def _tools(self, client: Client) -> Outcome:
        import jsonschema

        spec = self.spec
        if client.server_capabilities.tools is None:
            if spec.expect_tools:
                raise CheckFailed(
                    f"{spec.name}: advertises no tools, but {', '.join(spec.expect_tools)} "
                    "are expected",
                    hint=f"check that {spec.where} is the right server, or fix expect_tools in "
                    f"{spec.settings}",
                )
            return skip(f"{spec.name} advertises no tools")
        tools = []
        cursor: str | None = None
        for _ in range(50):  # a paginator that never ends cannot hang the check
            page = await client.list_tools(cursor=cursor)
            tools.extend(page.tools)
            cursor = page.next_cursor
            if not cursor:
                break
        self.tools = tools
        names = [tool.name for tool in tools]
        missing = [name for name in spec.expect_tools if name not in names]
        if missing:
            raise CheckFailed(
                f"{spec.name}: expected tool(s) missing: {', '.join(missing)}",
                why=f"the server offers {len(names)} tool(s): {', '.join(names[:12]) or 'none'}",
                hint=f"upgrade or reconfigure the server, or fix expect_tools in {spec.settings}",
                facts={"tools": len(names)},
            )
        invalid = []
        for tool in tools:
            schema = tool.input_schema
            try:
                jsonschema.validators.validator_for(schema).check_schema(schema)
                if schema.get("type") != "object":
                    raise jsonschema.SchemaError(f'type is {schema.get("type")!r}, not "object"')
            except jsonschema.SchemaError as exc:
                invalid.append(f"{tool.name}: {exc.message}")
        if invalid:
            raise CheckFailed(
                f"{spec.name}: {len(invalid)} tool input schema(s) are not valid JSON Schema: "
                f"{invalid[0]}",
                why="clients reject or mis-call tools whose inputSchema is not a JSON Schema "
                "object",
                hint="fix the tool definitions in the server (or report it to its authors)",
                facts={"invalid": invalid},
            )
        return ok(
            f"{len(names)} tools, input schemas valid"
            + (f"; expected present: {', '.join(spec.expect_tools)}" if spec.expect_tools else ""),
            tools=len(names),
            tool_names=names[:50],
        )

    async def _resources(self, client: Client) -> Outcome:
        if client.server_capabilities.resources is None:
            return skip(f"{self.spec.name} advertises no resources")
        listed = await client.list_resources()
        templates = await client.list_resource_templates()
        count, shapes = len(listed.resources), len(templates.resource_templates)
        return ok(
            f"{count} resources, {shapes} templates", resources=count, resource_templates=shapes
        )

    async def _prompts(self, client: Client) -> Outcome:
        if client.server_capabilities.prompts is None:
            return skip(f"{self.spec.name} advertises no prompts")
        listed = await client.list_prompts()
        return ok(f"{len(listed.prompts)} prompts", prompts=len(listed.prompts))

    async def _ping(self, client: Client) -> Outcome:
        started = time.monotonic()
        if self.era == HANDSHAKE:
            await client.session.send_ping()
            latency = round((time.monotonic() - started) * 1000, 1)
            return ok(f"ping answered in {latency} ms", latency_ms=latency, method="ping")
        # protocol 2026-07-28 removed ping; server/discover is the cheapest round-trip left
        await client.session.send_discover(client.protocol_version)
        latency = round((time.monotonic() - started) * 1000, 1)
        return ok(
            f"server/discover answered in {latency} ms (protocol {client.protocol_version} "
            "has no ping)",
            latency_ms=latency,
            method=DISCOVER,
        )

    async def _call(self, client: Client) -> Outcome:
        call = self.spec.call
        if call is None:
            return skip("no smoke call configured")
        started = time.monotonic()
        result = await client.call_tool(call.tool, call.arguments)
        latency = round((time.monotonic() - started) * 1000)
        texts = [getattr(block, "text", "") for block in result.content]
        if result.structured_content is not None:
            texts.append(json.dumps(result.structured_content))
        answer = " ".join(t for t in texts if t)
        if result.is_error:
            raise CheckFailed(
                f"{self.spec.name}: tool {call.tool} returned an error: "
                f"{redact.clean(answer, 200)}",
                hint=f"check the arguments of call in {self.spec.settings}",
            )
        if call.expect is not None and call.expect not in answer:
            raise CheckFailed(
                f"{self.spec.name}: tool {call.tool} answered without {call.expect!r}: "
                f"{redact.clean(answer, 120)!r}",
                hint=f"fix call.expect in {self.spec.settings}, or the server",
            )
        return ok(f"{call.tool} answered in {latency} ms", latency_ms=latency)


def _is_transport_error(exc: BaseException) -> bool:
    import httpx2

    return isinstance(exc, (OSError, httpx2.TransportError))


def _blocked(spec: ServerSpec, step: str) -> CheckSkipped:
    return CheckSkipped(f"blocked by {spec.name}.{step}")


def _find_command(spec: ServerSpec) -> str:
    """The program to run: on PATH, or next to this interpreter (a virtualenv's bin)."""
    command = spec.command or ""
    path = spec.env.get("PATH") or os.environ.get("PATH", "")
    found = shutil.which(command, path=path)
    if found is None and os.sep not in command:
        found = shutil.which(command, path=str(Path(sys.executable).parent))
    if found is not None:
        return found
    raise CheckFailed(
        f"{spec.name}: command not found: {command}",
        why=f"`{command}` is not on PATH" + (" and is not a file" if os.sep in command else ""),
        hint=_install_hint(command) + f", or fix command in {spec.settings}",
    )


def _install_hint(command: str) -> str:
    name = Path(command).name
    if name in ("npx", "node", "npm"):
        return "install Node.js (https://nodejs.org, or: sudo apt install nodejs npm)"
    if name in ("uvx", "uv"):
        return "install uv: pipx install uv (or: curl -LsSf https://astral.sh/uv/install.sh | sh)"
    if name == "docker":
        return "install Docker and start its engine"
    if name.startswith("mcp-server-"):
        return f"install it: pip install {name} (or: poetry add --group dev {name})"
    return f"install {name} or put it on PATH"
