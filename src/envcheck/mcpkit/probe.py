"""One connection to one MCP server, shared by that server's checks.

A :class:`Probe` connects once (stdio, streamable HTTP or SSE, through the official SDK's
``Client``) and walks the steps the checks report on: ``start`` → ``initialize`` → ``tools`` →
``resources`` → ``prompts`` → ``ping`` → ``call``. Each step is bounded by the server's timeout and
its outcome (an :class:`~envcheck.Outcome` or the exception a check raises) is kept for the check
that asks. The connection is closed, and a stdio server's process tree reaped, as soon as the last
step is done. What a failure means is decided in :mod:`envcheck.mcpkit.diagnose`.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envcheck.core import redact
from envcheck.core.fix import Fix, Manual
from envcheck.core.limits import MAX_MCP_HTTP_ANSWER
from envcheck.core.model import CheckFailed, CheckSkipped, Outcome, Status, ok, warn
from envcheck.mcpkit import command, diagnose, fixes
from envcheck.mcpkit import steps as steps_
from envcheck.mcpkit._stdio import (
    EXIT_GRACE,
    ChildState,
    both_members,
    invalid_error_code,
    jsonrpc_version,
    null_id_method,
    odd_response_id,
    result_not_object,
    stdio_transport,
)
from envcheck.mcpkit._wire import Wire, observed
from envcheck.mcpkit.spec import OTHER, STEPS, Attempt, ServerSpec
from envcheck.mcpkit.steps import DISCOVER, HANDSHAKE

if TYPE_CHECKING:
    from mcp import Client

StepResult = Outcome | CheckFailed | CheckSkipped
#: how long a stdio server that answered a request with a JSON-RPC error is watched for the end
#: of its stdout (a server that fails and exits writes its error, then exits)
ERROR_EXIT_GRACE = 0.3


def _root_cause(exc: BaseException) -> BaseException:
    """The SDK reports through anyio task groups: unwrap ``ExceptionGroup`` to the first leaf."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _json_of(response: Any) -> Any:
    """The JSON value of an HTTP answer's body, or ``None`` when it is no JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def _unreadable(exc: BaseException) -> bool:
    """Whether ``exc`` only says an answer could not be had or read (the connection, HTTP, a
    body too large or not JSON), also when anyio's task groups wrapped it (a connect failing
    as its deadline passes): evidence that is missing, not an error of the probe."""
    import httpx2

    from envcheck.mcpkit import _capped

    if isinstance(exc, BaseExceptionGroup):
        return all(_unreadable(leaf) for leaf in exc.exceptions)
    return isinstance(exc, (httpx2.HTTPError, ValueError, OSError, _capped.AnswerTooLarge))


_ENDPOINT_EVENT = re.compile(rb"(?:^|\n)event:[ \t]*endpoint\r?\ndata:[ \t]?([^\r\n]*)\r?\n")


#: an SSE event's ``id`` field (a line of its own): what a client resumes a stream from
_EVENT_ID = re.compile(rb"(?:^|\n)id:")
#: an SSE event's type field (``event:``)
_EVENT_TYPE = re.compile(rb"(?:^|\n)event:[ ]?([^\r\n]*)")


#: the bytes of an SSE answer to a POST read for the JSON-RPC errors its events carry
SSE_KEPT = 2**18


def sse_events(stream: bytes) -> list[tuple[str, str]]:
    """The complete events at the start of an SSE stream, as (type, data), by the WHATWG
    parsing rules (HTML, *Server-sent events*: one leading BOM dropped; lines end in CRLF, LF or
    CR; ``:`` starts a comment; one space after the colon dropped; ``data`` lines joined with
    LF; an event is dispatched at a blank line, only when it has data; type ``message`` by
    default)."""
    text = stream.decode("utf-8", "replace").removeprefix("\ufeff")
    lines = re.split(r"\r\n|\r|\n", text)[:-1]  # the last is not ended yet
    events: list[tuple[str, str]] = []
    kind, data = "", list[str]()
    for line in lines:
        if not line:
            if data:
                events.append((kind or "message", "\n".join(data)))
            kind, data = "", list[str]()
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            kind = value
        elif name == "data":
            data.append(value)
    return events


def _endpoint_event(stream: bytes) -> str | None:
    """The ``data`` of the first ``endpoint`` event in the start of an SSE stream (HTTP+SSE: the
    URL the client must POST its messages to), once a whole one has arrived."""
    found = _ENDPOINT_EVENT.search(stream)
    return found.group(1).decode("utf-8", "replace").strip() if found else None


def _request_method(request: Any) -> str | None:
    """The method of the JSON-RPC request a POST carried (``None`` for a notification or a
    response, which have no answer to wait for)."""
    import json

    try:
        message = json.loads(request.content or b"null")
    except (ValueError, RuntimeError):  # RuntimeError: a streamed body, not read here
        return None
    if isinstance(message, dict) and "id" in message and isinstance(message.get("method"), str):
        return str(message["method"])
    return None


def _request_id(request: Any) -> str | int | None:
    """The id of the JSON-RPC request a POST carried (a string or an integer), else ``None``."""
    import json

    try:
        message = json.loads(request.content or b"null")
    except (ValueError, RuntimeError):
        return None
    ident = message.get("id") if isinstance(message, dict) else None
    return ident if isinstance(ident, (str, int)) and not isinstance(ident, bool) else None


def _notification_method(request: Any) -> str | None:
    """The method of the JSON-RPC notification a POST carried (no id), else ``None``."""
    import json

    try:
        message = json.loads(request.content or b"null")
    except (ValueError, RuntimeError):
        return None
    if isinstance(message, dict) and "id" not in message and isinstance(message.get("method"), str):
        return str(message["method"])
    return None


async def _note_mislabeled(response: Any, attempt: Attempt, kind: str) -> None:
    """Keep ``kind`` when a 2xx answer of a type MCP does not use is a JSON-RPC message all the
    same: a server (or a proxy) that labels its answers wrongly, not another endpoint."""
    import mcp_types

    from envcheck.mcpkit._capped import AnswerTooLarge

    try:
        body = await response.aread()
        mcp_types.jsonrpc_message_adapter.validate_json(body, by_name=False)
    except (AnswerTooLarge, ValueError):
        return
    attempt.mislabeled = attempt.mislabeled or kind


async def _note_json(response: Any, attempt: Attempt) -> None:
    """Keep a JSON answer that is not a JSON-RPC message (the body is read here, and kept by the
    client for the SDK): the evidence that the endpoint is not an MCP server; a JSON-RPC error
    whose code is not an integer, and an empty answer to a request, by the request's method."""
    import json

    import mcp_types

    from envcheck.mcpkit._capped import AnswerTooLarge

    try:
        body = await response.aread()
    except AnswerTooLarge:
        return  # the attempt holds it; the SDK, reading on, meets the same end
    method = _request_method(response.request)
    if not body.strip():
        if method is not None and response.status_code != 202:
            attempt.empty_answers[method] = response.status_code
        return
    try:
        message = json.loads(body)
    except ValueError:
        message = None
    try:
        mcp_types.jsonrpc_message_adapter.validate_json(body, by_name=False)
    except ValueError:
        detail = invalid_error_code(message)
        if detail is not None and method is not None:
            attempt.invalid_errors.setdefault(method, detail)
        held = result_not_object(message)
        if held is not None and method is not None:
            attempt.bad_results.setdefault(method, held)
        version = jsonrpc_version(message)
        if version is not None and method is not None:
            attempt.jsonrpc_versions.setdefault(method, version)
        odd = odd_response_id(message)
        if odd is not None and method is not None:
            attempt.odd_ids.setdefault(method, odd)
        attempt.not_jsonrpc.append(redact.clean(body.decode("utf-8", "replace"), 120))
        if message is None and _events_of_messages(body):
            attempt.events_as_json = attempt.events_as_json or (method or "a request")
        several = _messages_in(body) if message is None else []
        if several and method is not None:
            attempt.messages_in_json.setdefault(method, several)
        return
    error = message.get("error") if isinstance(message, dict) else None
    if method is not None and isinstance(error, dict) and isinstance(error.get("code"), int):
        attempt.rpc_errors[method] = error["code"]
    both = both_members(message)
    if method is not None and both is not None:
        attempt.both_members.setdefault(method, both)


def _events_of_messages(body: bytes) -> bool:
    """Whether ``body`` is an SSE stream (not JSON) whose ``message`` events carry JSON-RPC
    messages: a server that writes its event stream under another Content-Type."""
    import mcp_types

    events = [data for kind, data in sse_events(body[:SSE_KEPT]) if kind == "message"]
    try:
        for data in events:
            mcp_types.jsonrpc_message_adapter.validate_json(data, by_name=False)
    except ValueError:
        return False
    return bool(events)


def _messages_in(body: bytes) -> list[str]:
    """What ``body`` holds when it is several JSON-RPC messages one after another (JSON texts
    separated by whitespace: a stdio server's lines): each message's method, or "the
    response"; else (one message, or anything that is not a message) an empty list."""
    import json

    import mcp_types

    text = body.decode("utf-8", "replace")
    decoder = json.JSONDecoder()
    found: list[str] = []
    at = 0
    while True:
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        if at == len(text) or len(found) > 100:
            break
        try:
            value, at = decoder.raw_decode(text, at)
            mcp_types.jsonrpc_message_adapter.validate_json(json.dumps(value), by_name=False)
        except ValueError:
            return []
        method = value.get("method") if isinstance(value, dict) else None
        found.append(redact.clean(method, 60) if isinstance(method, str) else "the response")
    return found if len(found) > 1 else []


async def _note_refused(response: Any, attempt: Attempt, notice: str | None = None) -> None:
    """Keep the HTTP error status a POST of a JSON-RPC request was answered with, by the
    request's method: its media type and the start of its body (a JSON-RPC error's code and
    message, a gateway's page, a line of text), shown. ``notice``: the POST carried that
    notification (kept in ``refused_notice_words``)."""
    import json

    from envcheck.mcpkit._capped import AnswerTooLarge

    method = notice or _request_method(response.request)
    if method is None or method in attempt.refused_requests:
        return
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        body = await response.aread()
    except AnswerTooLarge:
        body = b""
    shown = redact.clean(" ".join(body.decode("utf-8", "replace").split()), 160)
    try:
        message = json.loads(body)
    except ValueError:
        message = None
    error = message.get("error") if isinstance(message, dict) else None
    if isinstance(error, dict) and "code" in error:
        code, words = json.dumps(error.get("code")), error.get("message")
        shown = f"JSON-RPC error {redact.clean(code, 40)}" + (
            f": {redact.clean(words, 160)}" if isinstance(words, str) else ""
        )
        attempt.refused_rpc.add(method)
    if notice is not None:
        attempt.refused_notice_words[notice] = shown
        return
    attempt.refused_requests[method] = (response.status_code, media, shown)


#: requests that change nothing on the server: the ones sent again to learn what a 400 refused
_READ_ONLY = frozenset(
    {"tools/list", "resources/list", "resources/templates/list", "prompts/list", "ping"}
)


async def _without_version(request: Any, attempt: Attempt, timeout: float) -> None:
    """A POST carrying ``MCP-Protocol-Version`` was answered 400: send the same read-only request
    once more without that header (the Streamable HTTP transport: a server that gets none assumes
    2025-03-26). A 2xx answer then means the 400 refused the header, whatever the body says."""
    import httpx2

    from envcheck.mcpkit import _capped

    method = _request_method(request)
    if method not in _READ_ONLY:
        return
    version = request.headers["mcp-protocol-version"]
    skipped = ("mcp-protocol-version", "content-length", "host", "transfer-encoding")
    headers = {k: v for k, v in request.headers.items() if k.lower() not in skipped}
    capped = _capped.client(
        MAX_MCP_HTTP_ANSWER, lambda url: None, timeout=httpx2.Timeout(min(timeout, 3.0))
    )
    try:
        async with capped as client:
            answer = await client.post(str(request.url), content=request.content, headers=headers)
            await answer.aread()
    except Exception as exc:  # noqa: B902 - only what says no answer could be read
        if not _unreadable(exc):
            raise
        return
    if 200 <= answer.status_code < 300:
        attempt.version_refused = (redact.clean(version, 40), method)


async def _renew_session(request: Any, attempt: Attempt, timeout: float) -> None:
    """A POST carrying the session's ``Mcp-Session-Id`` was answered 404: start a new session
    as the Streamable HTTP transport tells a client to (a new ``initialize`` without the id, the
    ``initialized`` notification, then a ``ping`` with the new id; the new session ended with a
    DELETE). A 2xx to the ping means the server ended the first session, not that the request
    reached another instance that never knew it. Bounded: 3 s a request."""
    import httpx2

    from envcheck.mcpkit import _capped

    skipped = ("mcp-session-id", "content-length", "host", "transfer-encoding")
    headers = {k: v for k, v in request.headers.items() if k.lower() not in skipped}
    version = request.headers.get("mcp-protocol-version") or "2025-03-26"
    hello = {
        "jsonrpc": "2.0",
        "id": "envcheck-new-session",
        "method": "initialize",
        "params": {
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "envcheck", "version": "0"},
        },
    }
    first = {k: v for k, v in headers.items() if k.lower() != "mcp-protocol-version"}
    capped = _capped.client(
        MAX_MCP_HTTP_ANSWER, lambda url: None, timeout=httpx2.Timeout(min(timeout, 3.0))
    )
    url = str(request.url)
    try:
        async with capped as client:
            answer = await client.post(url, json=hello, headers=first)
            await answer.aread()
            session = answer.headers.get("mcp-session-id")
            if not 200 <= answer.status_code < 300 or not session:
                return
            again = {**headers, "mcp-session-id": session, "mcp-protocol-version": version}
            notice = {"jsonrpc": "2.0", "method": "notifications/initialized"}
            await (await client.post(url, json=notice, headers=again)).aread()
            ping = {"jsonrpc": "2.0", "id": "envcheck-new-session-ping", "method": "ping"}
            answered = await client.post(url, json=ping, headers=again)
            await answered.aread()
            attempt.session_renewed = 200 <= answered.status_code < 300
            await (await client.delete(url, headers=again)).aread()
    except Exception as exc:  # noqa: B902 - only what says no answer could be read
        if not _unreadable(exc):
            raise


@asynccontextmanager
async def _streamable_http(url: str, http: Any) -> AsyncIterator[Any]:
    """The SDK's streamable HTTP transport over ``http``, closed with it (the SDK leaves a
    client it was given open, and its connections with it)."""
    from mcp.client.streamable_http import streamable_http_client

    async with http, streamable_http_client(url, http_client=http) as streams:
        yield streams


class Probe:
    """Runs the steps once in its own thread and event loop; checks wait for their step."""

    def __init__(self, spec: ServerSpec) -> None:
        self.spec = spec
        self._results: dict[str, StepResult] = {}
        self._events = {step: threading.Event() for step in STEPS}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.child = ChildState()
        self.wire = Wire()  # what went over the wire, raw (for the diagnosis)
        first = "http" if spec.transport == "auto" else spec.transport
        self.attempts = [Attempt(first)]
        self.statuses = self.attempts[0].statuses  # HTTP statuses of the configured transport
        self.other_transport: str | None = None  # the one that answers where this one is refused
        self.program: str | None = None  # the stdio server's program, as found
        self.era: str | None = None
        self.tools: list[Any] = []  # what tools/list returned (for `envcheck mcp tools`)
        #: the passing handshake held until the later requests were answered (:meth:`_settle`)
        self._held: Outcome | None = None

    # -- what checks call ----------------------------------------------------------------------
    def result(self, step: str, timeout: float) -> Outcome:
        """The outcome of ``step``, raising what the check must raise; waits at most ``timeout``."""
        self.start()
        deadline = time.monotonic() + timeout
        if not self._events[step].wait(max(0.0, timeout)):
            held = self._held if step == "initialize" else None
            if held is not None:  # a handshake that passed, its later requests still going
                return held
            text, raise_step = fixes.raise_timeout(self.spec)
            raise CheckFailed(
                f"{self.spec.name}: no result for {step} within {timeout:.1f} s",
                why="the server stopped answering part-way",
                fix=Fix([Manual(self.spec.look), raise_step], text=f"{self.spec.look}, or {text}"),
            )
        self._await_stop(deadline - time.monotonic())
        found = self._results[step]
        if isinstance(found, (CheckFailed, CheckSkipped)):
            raise found
        return found

    def _await_stop(self, timeout: float) -> None:
        """Once every step a check reads is settled, wait (within ``timeout``, at most 5 s) for
        the walk's end: the server stopped and reaped, the connection closed. The last check of
        a server thus returns after its process is gone, and the run never ends with a server
        still running (a stdio server that ignores SIGTERM is SIGKILLed 1 s after its stdin
        closed: found by the sixteenth held-out round, where such a server outlived the run)."""
        read = [s for s in STEPS if s != "call" or self.spec.call is not None]
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return
        if all(self._events[s].is_set() for s in read):
            thread.join(max(0.0, min(timeout, 5.0)))

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
            look = f"{self.spec.look} to see what it does"
            failed = CheckFailed(
                f"{self.spec.name}: the MCP connection failed: {diagnose.describe(cause)}",
                why="the SDK raised an error envcheck does not know how to explain",
                fix=Fix([Manual(look)], text=look),
            )
            for step in STEPS:
                self._set(step, failed)
        finally:
            ended = CheckSkipped(f"{self.spec.name}: the connection ended before this step")
            for step in STEPS:
                self._set(step, ended)

    async def _walk(self) -> None:
        spec = self.spec
        try:
            if spec.transport != "stdio":
                self._reach()
        except (CheckFailed, CheckSkipped) as exc:
            self._set("start", exc)
            return
        first = self.attempts[0]
        if await self._session(first) or spec.transport == "stdio":
            return
        fallback: Attempt | None = None
        if any(code in diagnose.WRONG_TRANSPORT for code in first.statuses):
            other = OTHER[first.transport]
            if spec.transport == "auto":  # what the clients do: SSE after a refused POST
                fallback = Attempt(other)
                self.attempts.append(fallback)
                if await self._session(fallback):
                    return
            elif await self._answers_over(other):
                self.other_transport = other
        if 401 in first.statuses or 403 in first.statuses:
            await self._read_resource_metadata(first)
            await self._read_issuer_metadata(first)
            if diagnose.metadata_url_ignored(first):
                await self._read_well_known(first)
        self._set_failed_start(diagnose.http_failure(self, first, fallback))

    async def _session(self, attempt: Attempt) -> bool:
        """Connect over ``attempt``'s transport and walk the steps; ``False`` when the handshake
        failed (``attempt`` then holds why), with ``start`` and ``initialize`` still unset."""
        import anyio
        from mcp import Client

        spec = self.spec
        try:
            transport = self._transport(attempt)
        except (CheckFailed, CheckSkipped) as exc:
            self._set("start", exc)
            return True
        steps: list[tuple[str, Callable[[Probe, Client], Awaitable[Outcome]]]] = [
            ("tools", steps_.tools),
            ("resources", steps_.resources),
            ("prompts", steps_.prompts),
            ("ping", steps_.ping),
            ("call", steps_.call),
        ]
        step, started = "initialize", time.monotonic()
        held: Outcome | None = None  # a handshake whose initialized notification was refused
        # one cancel scope around the whole connection (the SDK's task groups must nest inside
        # it); its deadline moves on with every step, so each step gets the full timeout
        try:
            with anyio.CancelScope(deadline=anyio.current_time() + spec.timeout) as scope:
                async with Client(
                    observed(transport, self.wire), read_timeout_seconds=spec.timeout
                ) as client:
                    latency = round((time.monotonic() - started) * 1000)
                    self._set("start", self.started())
                    outcome = self._initialized(client, latency)
                    if spec.transport != "stdio":
                        outcome = await self._notice_refused(attempt, outcome)
                    if outcome.status is Status.PASS:
                        # settled once the later requests were answered (_settle): a refused
                        # notification, a second answer to initialize (read before theirs),
                        # notifications with an id (over HTTP too, inside a POST's SSE stream)
                        held = self._held = outcome
                    if attempt.session_not_visible is not None:
                        # the session the handshake gave cannot be sent back: no later request
                        # of any client reaches the server
                        self._set(
                            "initialize",
                            diagnose.session_not_visible(
                                self, "initialize", attempt.session_not_visible
                            ),
                        )
                        for later, _ in steps:
                            self._set(later, diagnose.blocked(spec, "initialize"))
                        steps = []
                    if held is None:
                        self._set("initialize", outcome)
                    for index, (step, run) in enumerate(steps):
                        started = time.monotonic()
                        scope.deadline = anyio.current_time() + spec.timeout
                        try:
                            self._set(step, await run(self, client))
                        except (CheckFailed, CheckSkipped) as exc:
                            self._set(step, exc)
                        except Exception as exc:  # noqa: B902 - each SDK error is diagnosed
                            await self._learn_exit(step, _root_cause(exc))
                            self._set(step, diagnose.step_failed(self, step, _root_cause(exc)))
                            if self.child.returncode is not None:  # nothing left to ask
                                code = self.child.returncode
                                gone = diagnose.blocked(spec, step, f"it exited with code {code}")
                                for later, _ in steps[index + 1 :]:
                                    self._set(later, gone)
                                break
                # leaving the client closes the session and reaps a stdio server right away
        except Exception as exc:  # noqa: B902 - the handshake failed: diagnosed below
            if held is not None:
                self._set("initialize", self._settle(attempt, held))
            if "initialize" in self._results:
                # the transport failed under a later step (its task group ended the session):
                # that step failed, the ones after it are blocked; or closing failed after
                # every step was settled
                if step not in self._results:
                    self._set(step, diagnose.step_failed(self, step, _root_cause(exc)))
                for later, _ in steps:
                    self._set(later, diagnose.blocked(spec, step))
                return True
            attempt.cause = _root_cause(exc)
            attempt.elapsed = time.monotonic() - started
            return self._handshake_failed(attempt)
        if scope.cancelled_caught:
            if step == "initialize":
                attempt.elapsed = time.monotonic() - started
                return self._handshake_failed(attempt)
            self._set(step, diagnose.no_answer(self, step, time.monotonic() - started))
        if held is not None:
            self._set("initialize", self._settle(attempt, held))
        return True

    async def _notice_refused(self, attempt: Attempt, outcome: Outcome) -> Outcome:
        """A warning when the POST of the ``initialized`` notification was answered with an HTTP
        error status (the server did not accept it), or the GET of the server's SSE stream with
        neither a stream nor 405: waits briefly for those answers (the SDK sends both after the
        handshake returns; the GET only when the server gave a session id): up to 5 s, or half
        the server's timeout when that is longer (a loaded machine needs it, the timeout raised
        for such a machine says so, and a healthy server never costs it). A handshake by
        ``server/discover`` (2026-07-28) has no ``initialized`` notification: nothing is waited
        for it (the wait took 5 s of every such server, and the whole of a timeout of 5 s or
        less: found over SSE by the tenth held-out round)."""
        import anyio

        notified = self.era == HANDSHAKE
        with anyio.move_on_after(min(self.spec.timeout, max(5.0, self.spec.timeout / 2))):
            while (notified and not attempt.notices_answered) or (
                attempt.session_given
                and (attempt.stream_answer is None or 300 <= attempt.stream_answer[0] < 400)
            ):
                await anyio.sleep(0.01)
        if outcome.status is not Status.PASS:
            return outcome
        if attempt.refused_notices:
            return outcome  # settled after the later requests (_settle_notice)
        if attempt.session_spaced is not None:
            return diagnose.session_spaced(self, outcome, attempt.session_spaced)
        stream = attempt.stream_answer
        if (
            stream is None
            or stream[0] == 405
            or (200 <= stream[0] < 300 and stream[1] == "text/event-stream")
        ):
            return outcome
        status, media = stream
        meaning = diagnose.HTTP_MEANINGS.get(status, "refused" if status >= 400 else "no stream")
        text = (
            "report it to the server's authors (or whoever runs the proxy in front of it): the "
            "GET of its MCP endpoint must answer an SSE stream (text/event-stream) or 405"
        )
        why = (
            "after the handshake a client opens the server's SSE stream with a GET of the "
            "endpoint, for the notifications and requests the server sends on its own; by the "
            "Streamable HTTP transport the server answers it with text/event-stream, or 405 "
            f"when it offers none; it answered {status} ({meaning}"
            + (f", {media}" if media else "")
            + "), so those messages never arrive (tools/list_changed, progress, its requests); "
            "the requests themselves were answered"
        )
        return Outcome(
            Status.WARN,
            f"{outcome.summary}, but it answered the GET of its SSE stream with HTTP {status}",
            outcome.facts,
            why=why,
            fix=fixes.ask(text, "the server's authors"),
        )

    def _settle(self, attempt: Attempt, outcome: Outcome) -> Outcome:
        """The handshake's passing verdict held until the later requests were answered: a
        refused ``initialized`` notification (:meth:`_settle_notice`), a stdio server that
        answered ``initialize`` more than once (:meth:`_answered_twice`) or sent notifications
        with an id (:meth:`_notified_with_id`)."""
        if attempt.refused_notices:
            return self._settle_notice(attempt, outcome)
        return self._notified_with_id(self._answered_twice(outcome))

    def _answered_twice(self, outcome: Outcome) -> Outcome:
        """A warning when a stdio server wrote more than one response with the id of
        envcheck's ``initialize`` request (JSON-RPC 2.0, section 5: one Response per Request;
        MCP, *Basic*: a response carries the id of its request). The SDK's client takes the
        first and drops the rest as answers to no request it waits for; a client that reuses
        ids, or checks them strictly, may take it as the answer to a later request."""
        import json

        ids = [i for i, method in self.wire.sent.items() if method == HANDSHAKE]
        more = sum(self.child.repeated.get(i, 0) for i in ids)
        if not more:
            return outcome
        shown = redact.clean(json.dumps(ids[0]), 40)
        text = (
            "report it to the server's authors: it must write one response to initialize (it "
            f"wrote {more + 1} with the id {shown})"
        )
        return Outcome(
            Status.WARN,
            f"{outcome.summary}, but it answered initialize twice: {more + 1} responses with "
            f"the id {shown}",
            {**outcome.facts, "initialize_responses": more + 1},
            why="JSON-RPC 2.0 (section 5) has one response per request, with the request's "
            "id; the SDK's client takes the first and drops the rest as answers to no request "
            "it waits for (envcheck did the same), but a stricter client may log an error or "
            "take a stray response as the answer to another request",
            fix=fixes.ask(text, "the server's authors"),
        )

    def _notified_with_id(self, outcome: Outcome) -> Outcome:
        """A warning when the server sent notifications (a method of the ``notifications/``
        namespace) with an ``id`` (MCP, *Basic › Messages*: "Notifications MUST NOT include an
        ID"): by JSON-RPC 2.0 each is a request, which the client answers (the SDK's client
        with -32601) instead of taking the notification; the requests themselves work."""
        if outcome.status is not Status.PASS:
            return outcome
        wire = self.wire
        sent = [i for i, (method, _) in wire.asked.items() if method.startswith("notifications/")]
        if not sent:
            return outcome
        methods = list(dict.fromkeys(redact.clean(wire.asked[i][0], 60) for i in sent))
        codes = sorted({wire.refused[i] for i in sent if i in wire.refused})
        answered = (
            f"with error {', '.join(map(str, codes))}" if codes else "as requests it did not know"
        )
        logs = (
            ": the server's log messages never reach a client as logs"
            if "notifications/message" in methods
            else ""
        )
        text = (
            f"report it to the server's authors: it must send {methods[0]} without an id (a "
            "notification has no id member)"
        )
        return Outcome(
            Status.WARN,
            f"{outcome.summary}, but it sent {len(sent)} notification(s) with an id "
            f"({', '.join(methods[:3])})",
            {**outcome.facts, "notifications_with_id": len(sent)},
            why="MCP (Basic › Messages): a notification must not include an id; by JSON-RPC 2.0 "
            f"a message with an id is a request, so the client answered each {answered} "
            f"instead of taking the notification{logs}",
            fix=fixes.ask(text, "the server's authors"),
        )

    def _settle_notice(self, attempt: Attempt, outcome: Outcome) -> Outcome:
        """The handshake's verdict where the ``initialized`` notification was refused, once the
        later requests were answered: a failure where they were served (the refusal alone stops
        the TypeScript SDK's clients), a warning beside the later failures, which name their
        cause (a lost session, a session never given), where one was not."""
        served = True
        for step in STEPS:
            found = self._results.get(step)
            if step in ("start", "initialize") or found is None:
                continue
            if isinstance(found, CheckFailed) or (
                isinstance(found, Outcome) and found.status is Status.FAIL
            ):
                served = False
        return self._notice_warning(attempt, outcome, served)

    def _notice_warning(self, attempt: Attempt, outcome: Outcome, served: bool) -> Outcome:
        """The POST of the ``initialized`` notification answered with an HTTP error status: the
        TypeScript SDK's client (Claude Code's, VS Code's, Cursor's) awaits that POST in
        ``connect`` (client.ts: ``await this.notification(...)``) and its transport throws on
        any status that is not ok (streamableHttp.ts: ``Error POSTing to endpoint``), so those
        clients never connect, though the Python SDK's goes on: a failure, with the server's
        own words (found by the HTTP sweep, tests/verdicts/test_mcp_http_sweep.py)."""
        method, status = next(iter(attempt.refused_notices.items()))
        meaning = diagnose.HTTP_MEANINGS.get(status, "refused")
        if status == 404 and (attempt.session_lost or attempt.session_given):
            meaning = (
                "to the Mcp-Session-Id it gave: by the transport, its session no longer exists"
            )
        words = attempt.refused_notice_words.get(method)
        said = f"; its answer: {words!r}" if words else ""
        if status in (429, 503) and attempt.retry_after:
            said += f"; Retry-After: {redact.clean(attempt.retry_after, 40)}"
        challenge = " ".join(attempt.challenges) if status in (401, 403) else ""
        if challenge:
            said += f"; WWW-Authenticate: {redact.clean(challenge, 160)}"
        text = (
            f"report it to the server's authors: the POST of {method} must be answered 202 "
            "Accepted (read the server's log for why it refused it)"
        )
        why = (
            "by the Streamable HTTP transport a server answers a notification it accepts with "
            "202 Accepted and one it does not accept with an error status: it refused "
            f"{method} ({status}: {meaning}){said}, the notification that completes the "
            "handshake; clients on the TypeScript SDK (Claude Code, VS Code, Cursor) stop at "
            "the refusal and never connect (the Python SDK's client goes on"
            + (
                ", and the later requests were served)"
                if served
                else "; the later requests failed too: their checks name the cause)"
            )
        )
        return Outcome(
            Status.FAIL if served else Status.WARN,
            f"{outcome.summary}, but it refused the {method} notification with HTTP {status}",
            outcome.facts,
            why=why,
            fix=fixes.ask(text, "the server's authors"),
        )

    def _handshake_failed(self, attempt: Attempt) -> bool:
        if self.spec.transport == "stdio":
            self._set_failed_start(diagnose.stdio_failure(self, attempt.cause, attempt.elapsed))
            return True
        return False

    def _set_failed_start(self, results: tuple[StepResult, StepResult]) -> None:
        self._set("start", results[0])
        self._set("initialize", results[1])

    async def _learn_exit(self, step: str, cause: BaseException) -> None:
        """A stdio server whose stdout ended is exiting: wait (briefly) for its exit status. One
        that answered the step's request with a JSON-RPC error gets a moment to end its stdout
        first: a server that fails and exits writes its error, then exits (the verdict then says
        both, whichever came first to be read)."""
        import anyio

        if self.spec.transport != "stdio":
            return
        if not self.child.hung_up and diagnose.answered_error(self, step, cause):
            with anyio.move_on_after(ERROR_EXIT_GRACE):
                while not self.child.hung_up:
                    await anyio.sleep(0.01)
        if not self.child.hung_up:
            return
        with anyio.move_on_after(EXIT_GRACE + 0.2):
            while self.child.returncode is None:
                await anyio.sleep(0.01)

    async def _answers_over(self, transport: str) -> bool:
        """Whether the server completes a handshake over ``transport`` (the connection is closed
        right after): evidence for "configured for the wrong transport"."""
        import anyio
        from mcp import Client

        attempt = Attempt(transport)
        answered = False  # the handshake is the evidence; closing the stream may still fail
        try:
            with anyio.move_on_after(min(self.spec.timeout, 5.0)):
                async with Client(
                    self._http_transport(attempt), read_timeout_seconds=self.spec.timeout
                ):
                    answered = True
        except Exception:  # noqa: B902 - any failure means: it does not answer that way
            pass
        return answered

    def _transport(self, attempt: Attempt) -> Any:
        spec = self.spec
        if spec.transport != "stdio":
            return self._http_transport(attempt)
        self.program = command.find_command(spec)
        argv = [self.program, *spec.args]
        from mcp.client.stdio import get_default_environment

        env = {**get_default_environment(), **spec.env}
        if spec.cwd and Path(spec.cwd).exists() and not Path(spec.cwd).is_dir():
            text = f"fix cwd in {spec.settings}: the directory the server runs in"
            raise CheckFailed(
                f"{spec.name}: working directory {spec.cwd} is a file, not a directory",
                why="cwd names where the server runs; a file cannot be one",
                fix=Fix([Manual(text)], text=text),
            )
        if spec.cwd and not Path(spec.cwd).is_dir():
            text = f"fix cwd in {spec.settings}, or create {spec.cwd}"
            raise CheckFailed(
                f"{spec.name}: working directory {spec.cwd} does not exist",
                why="a relative cwd is taken from the project root (the directory of the file "
                "that declares the server)",
                fix=Fix([Manual(text)], text=text),
            )
        return stdio_transport(argv, env, spec.cwd, self.child)

    def _reach(self) -> None:
        from envcheck.kit import _net

        url = urllib.parse.urlsplit(self.spec.url or "")
        try:
            url.port
        except ValueError:  # a port out of range, or not a number
            text = f"fix the port of url in {self.spec.settings} (1 to 65535)"
            raise CheckFailed(
                f"{self.spec.name}: {self.spec.url!r} has no valid port",
                why="a port is a number from 1 to 65535",
                fix=Fix([Manual(text)], text=text),
            ) from None
        if url.scheme not in ("http", "https") or not url.hostname:
            text = (
                f"set url in {self.spec.settings} to the server's endpoint, e.g. "
                "http://127.0.0.1:8000/mcp"
            )
            raise CheckFailed(
                f"{self.spec.name}: {self.spec.url!r} is not an http(s) URL",
                fix=Fix([Manual(text)], text=text),
            )
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            _net.probe(
                url.hostname,
                port,
                timeout=self.spec.timeout,
                what=f"the MCP server {self.spec.name}",
                start_hint=f"start the MCP server {self.spec.name} so that it listens on "
                f"{url.hostname}:{port}, or fix url in {self.spec.settings}",
            )
        except CheckFailed as exc:
            if exc.fix is None or exc.fix.steps:
                raise
            text = str(exc.fix)  # the kit's fix, as prose: the one step a person takes
            raise CheckFailed(
                exc.summary, why=exc.why, fix=Fix([Manual(text)], text=text), facts=exc.facts
            ) from None

    def _http_transport(self, attempt: Attempt) -> Any:
        import httpx2

        from envcheck.mcpkit import _capped

        spec = self.spec
        served: dict[str, int] = {}  # the requests each session id was answered 2xx on

        async def record(response: httpx2.Response) -> None:
            code = response.status_code
            request = response.request
            if response.headers.get("mcp-session-id"):
                attempt.session_given = True
            for name, value in response.headers.raw:
                if name.lower() != b"mcp-session-id" or all(0x21 <= b <= 0x7E for b in value):
                    continue
                # a field value may hold spaces and tabs, which a client sends back as they came;
                # other bytes outside visible ASCII it cannot send (the SDKs fail to encode them)
                if all(0x20 <= b <= 0x7E or b == 0x09 for b in value):
                    attempt.session_spaced = repr(value)[1:]
                else:
                    attempt.session_not_visible = repr(value)[1:]
            if (
                code == 400
                and request.method == "POST"
                and not request.headers.get("mcp-session-id")
                and any(200 <= c < 300 for c in attempt.statuses)
            ):
                attempt.sessionless_400 = True
            attempt.statuses.append(code)
            if (
                code == 400
                and request.method == "POST"
                and request.headers.get("mcp-protocol-version")
                and attempt.version_refused is None
            ):
                await _without_version(request, attempt, spec.timeout)
            if request.method == "GET" and request.headers.get("last-event-id"):
                resumed = redact.clean(request.headers["last-event-id"], 60)
                attempt.resumptions.append((resumed, code))
            if request.method == "GET" and attempt.transport == "http":
                media = response.headers.get("content-type", "").split(";")[0].strip().lower()
                held = attempt.stream_answer
                if held is None or 300 <= held[0] < 400:  # a redirect the client follows
                    attempt.stream_answer = (code, media)
            notice = _notification_method(request) if request.method == "POST" else None
            if notice is not None:
                if code >= 400 and notice not in attempt.refused_notices:
                    attempt.refused_notices[notice] = code
                    await _note_refused(response, attempt, notice)
                attempt.notices_answered += 1  # after its words were read: the check waits
            if 300 <= code < 400 and request.method == "POST":
                redirected = _request_method(request)
                if redirected is not None and response.headers.get("location"):
                    target = urllib.parse.urljoin(str(request.url), response.headers["location"])
                    here = urllib.parse.urlsplit(str(request.url))[:2]
                    # a 307 or 308 within the origin is followed (the SDK's client does)
                    if code not in (307, 308) or urllib.parse.urlsplit(target)[:2] != here:
                        attempt.redirected_requests.setdefault(redirected, (code, target))
            elif code >= 400 and request.method == "POST":
                await _note_refused(response, attempt)
            if code == 202 and request.method == "POST":
                attempt.accepted_request = attempt.accepted_request or _request_method(request)
            if 200 <= code < 300:
                kind = response.headers.get("content-type", "")
                attempt.content_types.append(kind)
                media = kind.split(";")[0].strip().lower()
                method = _request_method(request) if request.method == "POST" else None
                coding = response.extensions.get(_capped.CODING)
                if method is not None and coding:
                    attempt.encodings[method] = redact.clean(coding, 40)
                if media == "text/event-stream" and method is not None:
                    attempt.streamed.append(method)
                if media == "application/json":
                    await _note_json(response, attempt)
                elif media not in ("text/event-stream", ""):
                    await _note_mislabeled(response, attempt, media)
            if code in (401, 403):
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                attempt.refused_media.setdefault(code, kind)
                values = response.headers.get_list("www-authenticate")
                attempt.challenge_values += values
                attempt.challenges += [c for v in values for c in diagnose.split_challenges(v)]
            if 300 <= code < 400 and response.headers.get("location"):
                attempt.locations.append(response.headers["location"])
            session = request.headers.get("mcp-session-id")
            if session and request.method == "POST" and 200 <= code < 300:
                if _request_method(request) is not None:
                    served[session] = served.get(session, 0) + 1
            if code == 404 and request.method == "POST" and session:
                if not attempt.session_lost:
                    attempt.session_served = served.get(session, 0)
                    await _renew_session(request, attempt, spec.timeout)
                attempt.session_lost = True
            if code in (429, 503) and response.headers.get("retry-after"):
                attempt.retry_after = response.headers["retry-after"]

        def too_large(url: str) -> None:
            attempt.too_large = attempt.too_large or url

        stream = bytearray()  # the start of the SSE stream, for its endpoint event
        answers: dict[int, bytearray] = {}  # the start of each SSE answer to a POST

        def errors_in(response: httpx2.Response, chunk: bytes) -> None:
            # a JSON-RPC error the stream carried, kept by the request's method as the JSON
            # answer's is: the server's -32000 or -32001 told from the SDK's own
            import json

            method = _request_method(response.request)
            kept = answers.setdefault(id(response), bytearray())
            if method is None or len(kept) >= SSE_KEPT:
                return
            kept.extend(chunk[: SSE_KEPT - len(kept)])
            for kind, data in sse_events(bytes(kept)):
                try:
                    message = json.loads(data) if kind == "message" else None
                except ValueError:
                    continue
                error = message.get("error") if isinstance(message, dict) else None
                if isinstance(error, dict) and isinstance(error.get("code"), int):
                    attempt.rpc_errors.setdefault(method, error["code"])
                response_of = isinstance(message, dict) and "method" not in message
                version = jsonrpc_version(message) if response_of else None
                if version is not None:
                    attempt.jsonrpc_versions.setdefault(method, version)
                odd = odd_response_id(message) if response_of else None
                if odd is not None:
                    attempt.odd_ids.setdefault(method, odd)
                request = null_id_method(message)
                if request is None:
                    continue
                ident = _request_id(response.request)
                noted = (request, () if ident is None else (ident,))
                if noted not in attempt.null_requests:  # the kept start is read again
                    attempt.null_requests.append(noted)

        def seen(response: httpx2.Response, chunk: bytes) -> None:
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind == "text/event-stream" and response.request.method == "POST":
                errors_in(response, chunk)
            if kind == "text/event-stream" and _EVENT_ID.search(chunk):
                attempt.event_ids = True
            if kind == "text/event-stream" and response.request.method == "POST":
                for found in _EVENT_TYPE.findall(chunk):
                    name = found.decode("utf-8", "replace").strip()
                    if name not in ("", "message") and name not in attempt.other_events:
                        attempt.other_events.append(redact.clean(name, 40))
            if attempt.transport != "sse" or attempt.endpoint or kind != "text/event-stream":
                return
            stream.extend(chunk[: max(0, 65536 - len(stream))])
            attempt.endpoint = _endpoint_event(bytes(stream))

        def make_client(
            headers: dict[str, str] | None = None,
            timeout: httpx2.Timeout | None = None,
            auth: httpx2.Auth | None = None,
        ) -> httpx2.AsyncClient:
            return _capped.client(
                MAX_MCP_HTTP_ANSWER,
                too_large,
                headers={**(headers or {}), **spec.headers},
                timeout=httpx2.Timeout(spec.timeout),
                auth=auth,
                hooks=[record],
                seen=seen,
            )

        if attempt.transport == "sse":
            from mcp.client.sse import sse_client

            return sse_client(
                spec.url or "",
                timeout=spec.timeout,
                sse_read_timeout=spec.timeout,
                httpx_client_factory=make_client,
            )
        return _streamable_http(spec.url or "", make_client())

    async def _read_resource_metadata(self, attempt: Attempt) -> None:
        """The protected-resource metadata (RFC 9728) of an HTTP server that answered 401/403:
        at the URL its ``WWW-Authenticate`` names (``resource_metadata``), else at the well-known
        URLs, in the order the MCP authorization specification tells clients to try them."""
        import anyio
        import httpx2

        from envcheck.mcpkit import _capped

        url = urllib.parse.urlsplit(self.spec.url or "")
        named = [
            urllib.parse.urljoin(self.spec.url or "", params["resource_metadata"])
            for scheme, params in map(diagnose.challenge, attempt.challenges)
            if scheme == "bearer" and params.get("resource_metadata")
        ]
        candidates = named
        if not named and 401 in attempt.statuses:
            root = f"{url.scheme}://{url.netloc}/.well-known/oauth-protected-resource"
            path = url.path.rstrip("/")
            candidates = [root + path, root] if path else [root]
        attempt.metadata_url = named[0] if named else None
        with anyio.move_on_after(min(self.spec.timeout, 3.0)):
            # what it sends is read up to the same bound; past it, the candidate is passed over
            capped = _capped.client(
                MAX_MCP_HTTP_ANSWER, lambda url: None, timeout=httpx2.Timeout(self.spec.timeout)
            )
            async with capped as client:
                for candidate in candidates:
                    try:
                        response = await client.get(candidate)
                        if response.status_code != 200:
                            attempt.metadata_refused[candidate] = response.status_code
                        document = _json_of(response) if response.status_code == 200 else None
                    except Exception as exc:  # noqa: B902 - only what says none was read
                        if not _unreadable(exc):
                            raise
                        continue
                    if response.status_code == 200 and not isinstance(document, dict):
                        # a 200 that is no JSON document: a web page (an app's fallback route)
                        media = response.headers.get("content-type") or "no Content-Type"
                        attempt.metadata_not_json[candidate] = media.split(";")[0].strip()
                    if isinstance(document, dict) and (
                        "authorization_servers" in document or candidate in named
                    ):
                        # a document at the URL the challenge names is the server's metadata,
                        # whatever it lacks; at a well-known URL, only one that names servers
                        attempt.metadata_url, attempt.metadata = candidate, document
                        return

    async def _read_well_known(self, attempt: Attempt) -> None:
        """The statuses of the well-known protected-resource metadata URLs (RFC 9728 §3, the
        path-aware one first), where a client that ignores the URL the challenge names looks:
        200 only for a JSON object naming ``authorization_servers``."""
        import anyio
        import httpx2

        from envcheck.mcpkit import _capped

        url = urllib.parse.urlsplit(self.spec.url or "")
        root = f"{url.scheme}://{url.netloc}/.well-known/oauth-protected-resource"
        path = url.path.rstrip("/")
        with anyio.move_on_after(min(self.spec.timeout, 3.0)):
            capped = _capped.client(
                MAX_MCP_HTTP_ANSWER, lambda url: None, timeout=httpx2.Timeout(self.spec.timeout)
            )
            async with capped as client:
                for candidate in [root + path, root] if path else [root]:
                    try:
                        response = await client.get(candidate)
                    except Exception as exc:  # noqa: B902 - only what says none was read
                        if not _unreadable(exc):
                            raise
                        continue
                    document = _json_of(response) if response.status_code == 200 else None
                    found = isinstance(document, dict) and "authorization_servers" in document
                    status = response.status_code if found or response.status_code != 200 else 0
                    attempt.well_known_metadata[candidate] = status

    async def _read_issuer_metadata(self, attempt: Attempt) -> None:
        """The metadata of the first authorization server the resource's metadata names, at the
        URLs the MCP authorization specification tells clients to try: RFC 8414's
        ``oauth-authorization-server``, then OpenID Connect Discovery's ``openid-configuration``
        (inserted after the host, then appended to the issuer's path). Only an http(s) issuer
        is read, redirects are not followed, each answer is read up to the same bound."""
        import anyio
        import httpx2

        from envcheck.mcpkit import _capped

        servers = (attempt.metadata or {}).get("authorization_servers")
        issuer = servers[0] if isinstance(servers, list) and servers else None
        if not isinstance(issuer, str):
            return
        parts = urllib.parse.urlsplit(issuer)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return
        origin, path = f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")
        candidates = [
            f"{origin}/.well-known/oauth-authorization-server{path}",
            f"{origin}/.well-known/openid-configuration{path}",
        ]
        if path:
            candidates.append(f"{origin}{path}/.well-known/openid-configuration")
        with anyio.move_on_after(min(self.spec.timeout, 3.0)):
            capped = _capped.client(
                MAX_MCP_HTTP_ANSWER, lambda url: None, timeout=httpx2.Timeout(self.spec.timeout)
            )
            async with capped as client:
                for candidate in candidates:
                    try:
                        response = await client.get(candidate)
                        document = response.json() if response.status_code == 200 else None
                    except Exception as exc:  # noqa: B902 - only what says none was read
                        if not _unreadable(exc):
                            raise
                        continue
                    if isinstance(document, dict):
                        attempt.issuer_metadata_url, attempt.issuer_metadata = candidate, document
                        return
                    attempt.issuer_refused[candidate] = response.status_code

    # -- what the handshake showed -------------------------------------------------------------
    def started(self) -> Outcome:
        spec = self.spec
        if spec.transport == "stdio":
            facts: dict[str, Any] = {"command": spec.where, "pid": self.child.pid}
            return ok(f"`{spec.where}` started (pid {self.child.pid})", **facts)
        used = self.attempts[-1].transport
        summary = f"{spec.url} answers ({used})"
        if len(self.attempts) > 1:
            refused = self.attempts[0].statuses
            code = next((c for c in refused if c in diagnose.WRONG_TRANSPORT), None)
            summary = (
                f"{spec.url} answers over SSE (streamable HTTP got HTTP {code}; MCP clients "
                "fall back to SSE, as envcheck did)"
            )
        return ok(summary, url=spec.url, transport=used)

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
                f"{summary}, but it printed {self.child.garbage_count} non-protocol line(s) on "
                f"stdout: {redact.clean(self.child.garbage[0], 60)!r}",
                fix=Fix(
                    [Manual("make the server log to stderr, not stdout")],
                    text="make the server log to stderr: stricter clients drop servers that do "
                    "this",
                ),
                **facts,
            )
        return ok(summary, **facts)
