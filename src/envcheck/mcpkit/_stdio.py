"""A stdio transport for the MCP SDK's ``Client`` that keeps what a diagnosis needs.

The SDK's own ``stdio_client`` hides the child process: its exit code, its stderr and any line on
stdout that is not a JSON-RPC message are lost. This transport spawns the server the same way (its
own session, so the whole process tree can be killed), parses messages with the SDK's own model,
and records the rest. Every child is reaped when the connection closes; :mod:`._reaper` kills one
that is still alive when envcheck's process ends.
"""

from __future__ import annotations

import codecs
import json
import re
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import anyio.to_thread

from envcheck.core import redact
from envcheck.core.exec import OutputSink
from envcheck.mcpkit import _reaper
from envcheck.mcpkit._reaper import LATE_GRACE

if TYPE_CHECKING:
    from mcp.client._transport import TransportStreams

#: Seconds a server gets to exit by itself once its stdin is closed, then again after SIGTERM.
EXIT_GRACE = 0.5
#: Lines of stderr kept for a diagnosis.
STDERR_TAIL = 8
#: Bytes of the server's stderr kept (its start, and as much again of its end); the rest is read
#: and dropped, so a server that floods it neither blocks nor fills memory or disk.
STDERR_KEPT = 2**16
#: Lines of stdout that are not JSON-RPC kept (each one counted), and the longest line read
#: whole: a longer one is not a message envcheck will parse, and is dropped as it arrives.
GARBAGE_KEPT = 20
MAX_LINE = 16 * 2**20


@dataclass
class ChildState:
    """What the transport saw of the child: filled in while the connection lives."""

    pid: int | None = None
    returncode: int | None = None  # set only when the server exited by itself
    stopping: bool = False
    hung_up: bool = False  # stdout ended or stdin broke: the server is probably exiting
    garbage: list[str] = field(default_factory=list)
    #: lines of stdout that were not JSON-RPC (only the first :data:`GARBAGE_KEPT` are kept)
    garbage_count: int = 0
    stderr: OutputSink = field(default_factory=lambda: OutputSink(STDERR_KEPT, STDERR_KEPT))
    #: the mark in the environment of the server's process tree (see :mod:`._reaper`)
    mark: str = ""
    #: the TCP addresses the server's processes listened on when envcheck stopped it with a
    #: request unanswered (see :func:`envcheck.mcpkit._reaper.listening`)
    listening: list[tuple[str, int]] = field(default_factory=list)
    #: what the first line that was not a message is, when it is a message in a shape MCP's
    #: stdio transport does not take (see :func:`shape_of`): ``"utf-16"``, ``"not-utf-8"``,
    #: ``"batch"``, ``"jsonrpc"`` (its ``jsonrpc`` member is ``shape_detail``), ``"multiline"``
    #: (one message over ``shape_detail`` lines), ``"unreadable"`` (a response the SDK's model
    #: rejects: its id and why, as JSON), ``"error-code"`` (an error whose code is not an
    #: integer; its code and message are ``shape_detail``), ``"result-type"`` (a response whose
    #: result is not an object: its id and what it holds, as JSON, are ``shape_detail``),
    #: ``"content-length"`` (the LSP base protocol's header framing: the header is the detail)
    shape: str | None = None
    shape_detail: str = ""
    #: the id of each request the server answered with an error whose code is not an integer,
    #: and that error's code and message (see :func:`invalid_error_code`)
    invalid_errors: dict[str | int, str] = field(default_factory=dict)
    #: the id of each request whose answer held bytes that are not UTF-8, and where the first
    #: such byte was (see :func:`not_utf8_at`)
    not_utf8: dict[str | int, str] = field(default_factory=dict)
    #: the id of each request answered by a response carrying both ``result`` and ``error``
    #: (see :func:`both_members`), and what the two held
    both_members: dict[str | int, str] = field(default_factory=dict)
    #: lines that are not messages since the last message, while they may be one message
    #: written over several lines (the text of the first starts a JSON object or array)
    pending: list[str] = field(default_factory=list)
    #: what the server started that still ran once the server had exited by itself (a daemon's
    #: worker, re-parented away): each process's pid and command line
    left_running: list[tuple[int, str]] = field(default_factory=list)
    #: the ids of envcheck's requests the server has not answered (yet)
    outstanding: set[str | int] = field(default_factory=set)
    #: the ids of envcheck's requests whose answers came only once envcheck had stopped waiting
    #: and closed the server's stdin: the server held them (in a stdout buffer it flushes as it
    #: exits)
    late: list[str | int] = field(default_factory=list)
    #: of those, the ones answered with a JSON-RPC error: the id -> the error's code and message
    #: (a server failing what it still had as it shuts down, not a held buffer)
    late_errors: dict[str | int, tuple[int, str]] = field(default_factory=dict)
    #: the bytes of stdout after its last newline: a line not (yet) ended
    partial: bytearray = field(default_factory=bytearray)
    #: when stdout last gave bytes (``time.monotonic()``), and the notifications the server sent,
    #: by method: a server still writing when a wait ends is busy, not stuck
    last_output: float = 0.0
    stopped_at: float = 0.0
    notified: dict[str, int] = field(default_factory=dict)
    #: the ids of envcheck's requests the server answered (each response taken once)
    answered: set[str | int] = field(default_factory=set)
    #: the id of each request the server answered again after its first response (JSON-RPC
    #: 2.0, 5: one response per request), and how many more responses it sent; dropped unread,
    #: as the SDK's client drops a response to no request it waits for
    repeated: dict[str | int, int] = field(default_factory=dict)
    #: the ids of envcheck's requests the server itself declared cancelled
    #: (``notifications/cancelled``, which only a request's sender may send), and its reason
    cancelled: dict[str | int, str] = field(default_factory=dict)
    #: the requests the server sent with ``"id": null`` (see :func:`null_id_request`), each with
    #: the ids of envcheck's requests then waiting for their answer
    null_requests: list[tuple[str, tuple[str | int, ...]]] = field(default_factory=list)

    def writing_until(self, within: float) -> bool:
        """Whether stdout gave bytes less than ``within`` seconds before envcheck began to stop
        the server (or before now, while it runs)."""
        end = self.stopped_at or time.monotonic()
        return self.last_output > 0 and end - self.last_output < within

    def stderr_tail(self) -> str:
        lines = [line for line in self.stderr.text().strip().splitlines() if line.strip()]
        shown = [redact.clean(s.strip(), 240) for s in lines[-STDERR_TAIL:]]
        return redact.clean(" / ".join(shown), 2000, tail=True)


@asynccontextmanager
async def stdio_transport(
    argv: list[str], env: dict[str, str], cwd: str | None, state: ChildState
) -> AsyncIterator[TransportStreams]:
    """Spawn ``argv`` and exchange newline-delimited JSON-RPC with it over stdin/stdout."""
    import mcp_types
    from mcp.shared.message import SessionMessage

    state.stderr = OutputSink(STDERR_KEPT, STDERR_KEPT)
    state.mark = _reaper.new_mark()
    _reaper.hold_orphans()
    spawned = False
    try:
        process = await anyio.open_process(
            argv,
            env={**env, _reaper.MARK: state.mark},
            cwd=cwd,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        spawned = True
    finally:
        if not spawned:  # no server: no orphans to hold
            _reaper.release_orphans()
    state.pid = process.pid
    _reaper.track(process.pid, state.mark)
    read_writer, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_stream, write_reader = anyio.create_memory_object_stream[SessionMessage](0)

    stdout_done = anyio.Event()
    # the reader of stdout outlives a cancelled session (a step's timeout): what the server writes
    # as it exits, once envcheck has closed its stdin, is read too; ended after the server's
    reading = anyio.CancelScope(shield=True)

    async def read_stdout() -> None:
        assert process.stdout is not None
        buffer = state.partial  # kept in the state: a last line never ended is seen
        skipping = False  # inside a line longer than MAX_LINE: dropped up to its end
        with reading:
            await read_lines(buffer, skipping)

    async def read_lines(buffer: bytearray, skipping: bool) -> None:
        assert process.stdout is not None
        async with read_writer:
            try:
                async for chunk in process.stdout:
                    if not state.stopping:  # not what it writes as envcheck stops it
                        state.last_output = time.monotonic()
                    start = 0
                    while (end := chunk.find(b"\n", start)) != -1:
                        if not skipping:
                            buffer += chunk[start:end]
                            await take(bytes(buffer))
                        buffer.clear()
                        skipping = False
                        start = end + 1
                    if not skipping:
                        buffer += chunk[start:]
                        if len(buffer) > MAX_LINE:
                            note(f"a line of more than {MAX_LINE // 2**20} MiB (not read)")
                            buffer.clear()
                            skipping = True
            except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
                pass
            # stdout ended: the server exited (or closed it); note how, for the diagnosis (not
            # when envcheck closed its stdin: then the end is envcheck's doing)
            if not state.stopping:
                state.hung_up = True
            stdout_done.set()
            await _exited(process, EXIT_GRACE)
            if not state.stopping:
                state.returncode = process.returncode

    def note(line: str) -> None:
        state.garbage_count += 1
        if len(state.garbage) < GARBAGE_KEPT:
            state.garbage.append(redact.clean(line, 200))

    async def take(raw: bytes) -> None:
        line = raw.decode("utf-8", "replace").strip()
        if not line:
            return
        try:
            message = mcp_types.jsonrpc_message_adapter.validate_json(line, by_name=False)
        except ValueError:
            if state.stopping:  # nobody reads any more: what it is no longer matters
                return
            if state.shape is None:
                shape_of(raw, line, state)
            answered = _invalid_answer(line, state)
            if answered is None:
                note(line)
                return
            # an answer to a request (its id), not stray output: the request gets an answer the
            # session takes at once (the diagnosis tells it by the id), rather than waiting out
            # its timeout for one that was dropped
            await read_writer.send(SessionMessage(answered))
            return
        state.pending.clear()
        bad = not_utf8_at(raw)
        ident = getattr(message, "id", None)
        if ident is not None and getattr(message, "method", None) is None:
            if state.stopping and ident in state.outstanding:
                state.late.append(ident)  # the session is over: nobody takes it any more
                error = getattr(message, "error", None)
                if error is not None:
                    state.late_errors[ident] = (error.code, redact.clean(error.message, 200))
            if ident in state.answered and ident not in state.outstanding:
                # a second response to one request: nobody waits for it (the diagnosis tells)
                state.repeated[ident] = state.repeated.get(ident, 0) + 1
                return
            if ident in state.outstanding:
                state.answered.add(ident)
            state.outstanding.discard(ident)
        if state.stopping:
            return
        method = getattr(message, "method", None)
        if method is not None and ident is None:
            state.notified[method] = state.notified.get(method, 0) + 1
        if method == "notifications/cancelled":
            _cancelled(json.loads(line), state)
        request = null_id_request(message, line)
        if request is not None:  # a request no client can answer: the diagnosis tells
            state.null_requests.append((request, tuple(state.outstanding)))
        if ident is not None and getattr(message, "error", None) is not None:
            both = both_members(json.loads(line))
            if both is not None:  # the SDK takes the error; the diagnosis tells why
                state.both_members[ident] = both
        if bad is not None and getattr(message, "method", None) is None and ident is not None:
            # an answer a client cannot decode (the SDKs read stdout as strict UTF-8): its
            # request fails at once, as in a client, and the diagnosis tells it by the id
            state.not_utf8[ident] = bad
            error = mcp_types.ErrorData(
                code=mcp_types.INTERNAL_ERROR, message="answer not UTF-8 (undecodable bytes)"
            )
            await read_writer.send(
                SessionMessage(mcp_types.JSONRPCError(jsonrpc="2.0", id=ident, error=error))
            )
            return
        await read_writer.send(SessionMessage(message))

    stderr_done = anyio.Event()

    async def read_stderr() -> None:
        assert process.stderr is not None
        try:
            async for chunk in process.stderr:
                state.stderr.add(chunk)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            pass
        finally:
            stderr_done.set()

    async def write_stdin() -> None:
        assert process.stdin is not None
        try:
            async with write_reader:
                async for message in write_reader:
                    sent = message.message
                    data = sent.model_dump_json(by_alias=True, exclude_unset=True)
                    ident = getattr(sent, "id", None)
                    if ident is not None and getattr(sent, "method", None) is not None:
                        state.outstanding.add(ident)
                    await process.stdin.send((data + "\n").encode())
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            state.hung_up = True
            await read_writer.aclose()

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(read_stdout)
            group.start_soon(write_stdin)
            group.start_soon(read_stderr)
            try:
                yield read_stream, write_stream
            finally:
                with anyio.CancelScope(shield=True):
                    await _stop(process, state, stderr_done, stdout_done)
                reading.cancel()
                group.cancel_scope.cancel()
    finally:
        # a task cancelled before it ran never closed its end: every end is closed here
        for end in (read_writer, read_stream, write_stream, write_reader):
            end.close()


#: lines (and characters) of one message written over several lines that are looked at
PENDING_LINES = 1000
PENDING_CHARS = 2**20


def not_utf8_at(raw: bytes) -> str | None:
    """Where the line ``raw`` stops being UTF-8 (the byte and its offset), or ``None``."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"byte 0x{raw[exc.start]:02X} at offset {exc.start}"
    return None


def shape_of(raw: bytes, line: str, state: ChildState) -> None:
    """Note in ``state`` what the line ``raw`` (``line`` decoded), which is no JSON-RPC message,
    is when it is a message all the same in a shape the stdio transport does not take: UTF-16
    (a byte-order mark, NUL bytes) or bytes that are not UTF-8, a JSON array (a batch, removed
    from MCP in 2025-06-18), an object whose ``jsonrpc`` is not ``"2.0"``, or a message written
    over several lines (messages are newline-delimited, without embedded newlines)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in raw:
        state.shape = "utf-16"
        return
    if raw.startswith(codecs.BOM_UTF8):
        try:
            json.loads(raw[len(codecs.BOM_UTF8) :])
        except ValueError:
            pass
        else:  # a message after the mark: the mark alone makes it no JSON text to a client
            state.shape = "utf-8-bom"
            return
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        state.shape = "not-utf-8"
        return
    if state.pending:  # inside what may be one message over several lines
        state.pending.append(line)
        text = "\n".join(state.pending)
        if len(state.pending) > PENDING_LINES or len(text) > PENDING_CHARS:
            state.pending.clear()
            return
        try:
            json.loads(text)
        except ValueError:
            return
        state.shape, state.shape_detail = "multiline", str(len(state.pending))
        state.pending.clear()
        return
    try:
        value = json.loads(line)
    except ValueError:
        if CONTENT_LENGTH.fullmatch(line):
            # the Language Server Protocol's framing (a header, a blank line, the JSON without
            # a newline), not MCP's newline-delimited messages
            state.shape, state.shape_detail = "content-length", line
            return
        if python_literal(line):
            state.shape = "python-repr"
            return
        if line.startswith(("{", "[")):
            state.pending.append(line)
        return
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        state.shape = "batch"
    elif isinstance(value, dict) and ("method" in value or "id" in value):
        version = value.get("jsonrpc")
        if version != "2.0":
            state.shape, state.shape_detail = "jsonrpc", json.dumps(version)
        else:
            detail = invalid_error_code(value)
            if detail is not None:
                state.shape, state.shape_detail = "error-code", detail
            elif (held := result_not_object(value)) is not None:
                state.shape, state.shape_detail = "result-type", json.dumps([value["id"], held])
            elif (odd := odd_response_id(value)) is not None:
                state.shape, state.shape_detail = "odd-id", json.dumps([value["id"], odd])
            elif "id" in value and "method" not in value:
                # a response the SDK's model rejects although it is JSON (a lone surrogate
                # escaped in a string, a field of another type): its id and the first reason
                state.shape = "unreadable"
                state.shape_detail = json.dumps([value["id"], unreadable_reason(line)])


#: a header line of the LSP base protocol's framing (``Content-Length: 87``, then CRLF CRLF)
CONTENT_LENGTH = re.compile(r"Content-Length:[ \t]*[0-9]+", re.IGNORECASE)

#: the longest line read as a Python literal (a dict's repr) when it is not JSON
LITERAL_CHARS = 2**16


def python_literal(line: str) -> bool:
    """Whether ``line`` is Python's ``repr`` of a JSON-RPC message (``print(message)`` of a dict:
    single quotes, ``None``, ``True``), which is no JSON: a Python literal dict with ``jsonrpc``
    and ``id`` or ``method``."""
    import ast

    if not line.startswith("{") or len(line) > LITERAL_CHARS:
        return False
    try:
        value = ast.literal_eval(line)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return isinstance(value, dict) and "jsonrpc" in value and ("id" in value or "method" in value)


def _cancelled(message: object, state: ChildState) -> None:
    """Note a ``notifications/cancelled`` from the server that names one of envcheck's own
    outstanding requests (*Utilities > Cancellation*: only the sender of a request cancels it;
    a client ignores it and waits on)."""
    params = message.get("params") if isinstance(message, dict) else None
    ident = params.get("requestId") if isinstance(params, dict) else None
    if not isinstance(ident, (str, int)) or isinstance(ident, bool):
        return
    if ident in state.outstanding:
        reason = params.get("reason") if isinstance(params, dict) else None
        state.cancelled[ident] = redact.clean(reason, 160) if isinstance(reason, str) else ""


def null_id_request(message: Any, line: str) -> str | None:
    """The method of a request the server wrote with ``"id": null`` (MCP, *Basic › Messages*:
    "Unlike base JSON-RPC, the ID MUST NOT be null"; the response carries the id back, so none
    can be sent), which the SDK's model reads as a notification (``message``, parsed from
    ``line``) and drops; ``None`` for any other message. A method of the ``notifications/``
    namespace is a notification, whatever its id."""
    method = getattr(message, "method", None)
    if getattr(message, "id", None) is not None or not isinstance(method, str):
        return None
    if method.startswith("notifications/"):
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return null_id_method(value)


def null_id_method(value: Any) -> str | None:
    """The method of ``value`` (a JSON value) when it is a request with ``"id": null`` outside
    the ``notifications/`` namespace (see :func:`null_id_request`), else ``None``."""
    if not isinstance(value, dict) or "id" not in value or value["id"] is not None:
        return None
    method = value.get("method")
    if not isinstance(method, str) or method.startswith("notifications/"):
        return None
    return redact.clean(method, 80)


def jsonrpc_version(message: object) -> str | None:
    """For a message that is a JSON-RPC 2.0 message but for its ``jsonrpc`` member (missing,
    or not ``"2.0"``: the SDK's model refuses it): that member, shown (``missing``); else
    ``None``."""
    import mcp_types

    if not isinstance(message, dict) or message.get("jsonrpc") == "2.0":
        return None
    try:
        mcp_types.jsonrpc_message_adapter.validate_python({**message, "jsonrpc": "2.0"})
    except ValueError:
        return None
    if "jsonrpc" not in message:
        return "missing"
    return redact.clean(json.dumps(message["jsonrpc"]), 40)


def odd_response_id(message: object) -> str | None:
    """For a message that is a JSON-RPC 2.0 response but for its ``id``, which is neither a
    string nor an integer (*Basic › Messages*: "Requests MUST include a string or integer ID",
    and a response carries the same ID): a number with a fraction (``1.0``, as a library that
    reads every JSON number as a double writes it back), ``true``, an object or a list, which the
    SDK's message model refuses: that id, shown; else ``None``."""
    import mcp_types

    if not isinstance(message, dict) or "id" not in message or "method" in message:
        return None
    ident = message["id"]
    if ident is None or isinstance(ident, str) or _is_integer(ident):
        return None
    try:
        mcp_types.jsonrpc_message_adapter.validate_python({**message, "id": 0})
    except ValueError:
        return None
    return redact.clean(json.dumps(ident), 40)


def unreadable_reason(line: str) -> str:
    """The first reason the SDK's message model gives for rejecting ``line``, shown."""
    import mcp_types
    import pydantic

    try:
        mcp_types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except pydantic.ValidationError as exc:
        for first in exc.errors()[:1]:
            where = ".".join(str(p) for p in first["loc"])
            return redact.clean(f"{where}: {first['msg']}".strip(": "), 160)
    return "rejected"


def _invalid_answer(line: str, state: ChildState) -> Any:
    """For a line that answers a request (its ``id``) with a JSON-RPC error whose code is not an
    integer: the request's id noted in ``state``, and an internal error for that id that the
    session takes; else ``None``."""
    import mcp_types

    try:
        value = json.loads(line)
    except ValueError:
        return None
    detail = invalid_error_code(value)
    ident = value.get("id") if isinstance(value, dict) else None
    if detail is None or not isinstance(ident, (str, int)) or isinstance(ident, bool):
        return None
    state.invalid_errors[ident] = detail
    error = mcp_types.ErrorData(
        code=mcp_types.INTERNAL_ERROR, message=f"invalid JSON-RPC error ({error_flaw(detail)})"
    )
    return mcp_types.JSONRPCError(jsonrpc="2.0", id=ident, error=error)


#: how :func:`invalid_error_code` ends the detail of an error whose only flaw is its message
_NO_MESSAGE, _MESSAGE_NOT_TEXT = " without a message", " (not a string)"


def invalid_error_code(message: object) -> str | None:
    """For a JSON-RPC 2.0 error whose ``code`` is not an integer, or that has no ``message``
    string (JSON-RPC 2.0, 5.1: both members are required, an integer and a string; clients drop
    such an answer): its code and message, shown; else ``None``."""
    error = message.get("error") if isinstance(message, dict) else None
    if not isinstance(error, dict):
        return None
    words = error.get("message")
    if _is_integer(error.get("code")) and isinstance(words, str):
        return None
    detail = f"code {redact.clean(json.dumps(error.get('code')), 40)}"
    if isinstance(words, str):
        return detail + f", message {redact.clean(words, 160)!r}"
    if not _is_integer(error.get("code")):
        return detail
    if "message" not in error:
        return detail + _NO_MESSAGE
    return detail + f", message {redact.clean(json.dumps(words), 60)}" + _MESSAGE_NOT_TEXT


def error_flaw(detail: str) -> str:
    """What makes the error of :func:`invalid_error_code`'s ``detail`` invalid, as a verdict
    says it."""
    if detail.endswith(_NO_MESSAGE):
        return "no message"
    if detail.endswith(_MESSAGE_NOT_TEXT):
        return "message not a string"
    return "code not an integer"


#: what a JSON value is, as a verdict says it
_KINDS = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}


def both_members(message: object) -> str | None:
    """For a JSON-RPC 2.0 response that carries both ``result`` and ``error`` (JSON-RPC 2.0, 5:
    "Either the result member or error member MUST be included, but both members MUST NOT be
    included"; the SDKs take the error and drop the result): what each held, shown; else
    ``None``."""
    if not isinstance(message, dict) or "result" not in message or "error" not in message:
        return None
    error, result = message["error"], message["result"]
    code = error.get("code") if isinstance(error, dict) else None
    words = error.get("message") if isinstance(error, dict) else None
    said = f"error {json.dumps(code)}" + (
        f" {redact.clean(words, 80)!r}" if isinstance(words, str) else ""
    )
    held = (
        "a result with " + ", ".join(redact.clean(str(k), 40) for k in list(result)[:4])
        if isinstance(result, dict) and result
        else f"a result {redact.clean(json.dumps(result), 60)}"
    )
    return f"{held}, and {said}"


def result_not_object(message: object) -> str | None:
    """For a JSON-RPC 2.0 response (an ``id``, no ``method``) that carries no error and whose
    ``result`` is not an object, or that has neither ``result`` nor ``error`` (JSON-RPC 2.0, 5:
    exactly one of them; MCP's results are objects): what it holds instead; else ``None``."""
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        return None
    if "id" not in message or "method" in message or "error" in message:
        return None
    if "result" not in message:
        return "neither a result nor an error"
    result = message["result"]
    if isinstance(result, dict):
        return None
    return "a result that is " + (
        "null" if result is None else _KINDS.get(type(result), "not an object")
    )


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


async def _stop(
    process: anyio.abc.Process,
    state: ChildState,
    stderr_done: anyio.Event,
    stdout_done: anyio.Event,
) -> None:
    """Close stdin, give the server a moment (longer when it left a request unanswered: the
    answers it held come as it exits), then SIGTERM and SIGKILL its whole group."""
    held = bool(state.outstanding) and not state.hung_up
    if state.hung_up:  # it is exiting by itself: learn its exit code
        await _exited(process, EXIT_GRACE)
    if state.returncode is None and process.returncode is not None:
        state.returncode = process.returncode  # it had exited by itself
    state.stopping, state.stopped_at = True, time.monotonic()
    # what the server started, found while it still runs (its children may leave its group)
    descendants = _reaper.tree(process.pid, state.mark)
    if state.returncode is not None:
        state.left_running = _reaper.running(descendants - {process.pid})
    elif held:  # still running, a request unanswered: does it serve something else instead?
        state.listening = _reaper.listening(descendants | {process.pid})
    try:
        if process.stdin is not None:
            await process.stdin.aclose()
    except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
        pass
    if held:  # its exit, and what it wrote as it exited read to the end: one bound for both
        with anyio.move_on_after(LATE_GRACE):
            if await _exited(process, LATE_GRACE):
                await stdout_done.wait()
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None:
            _reaper.kill_group(process.pid, sig)
        if await _exited(process, EXIT_GRACE):
            break
    _reaper.kill_group(process.pid, signal.SIGKILL)  # children the server left behind
    # ... and those outside its group, now orphans re-parented to envcheck (the subreaper)
    leftovers = (descendants | _reaper.tree(process.pid, state.mark)) - {process.pid}
    if leftovers:
        await anyio.to_thread.run_sync(_reaper.end_tree, leftovers)
    _reaper.untrack(process.pid)
    _reaper.release_orphans()
    with anyio.move_on_after(EXIT_GRACE):  # its last words, still in the pipe
        await stderr_done.wait()
    _close_transport(process)


async def _exited(process: anyio.abc.Process, within: float) -> bool:
    """Whether the process has exited, waiting at most ``within`` seconds. (Not ``wait()``: on
    asyncio that also waits for the end of pipes a grandchild may hold open.)"""
    with anyio.move_on_after(within):
        while process.returncode is None:
            await anyio.sleep(0.01)
    return process.returncode is not None


def _close_transport(process: Any) -> None:
    transport = getattr(getattr(process, "_process", None), "_transport", None)
    close = getattr(transport, "close", None)
    if callable(close):
        try:
            close()
        except (OSError, RuntimeError):
            pass
