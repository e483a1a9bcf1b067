"""What went over the wire of one MCP connection, for the diagnosis.

The SDK validates a server's answers into typed models and, when one does not fit, raises an
error that no longer says which request it answered or what the server sent (a pydantic dump
naming ``tools.1``, a ``RuntimeError`` for an unknown protocol version). :func:`observed` sits
between any transport and the SDK's session and keeps, by method, the raw result or the JSON-RPC
error of each request, and every error that answers no request (``"id": null``: the server could
not read a request at all). Nothing is changed on the way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from mcp.client._transport import TransportStreams


#: the log levels of RFC 5424 that report an error (*Server › Utilities › Logging*)
ERROR_LEVELS = ("error", "critical", "alert", "emergency")


@dataclass
class Wire:
    """The requests envcheck sent and what came back, raw."""

    #: request id -> method
    sent: dict[Any, str] = field(default_factory=dict)
    #: method -> the params of its last request
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: method -> the raw ``result`` of its last answer
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: method -> the raw ``error`` (code, message, data) of its last answer
    errors: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: errors that answer no request (``"id": null``: the server could not read one)
    stray: list[dict[str, Any]] = field(default_factory=list)
    #: ids of answers (results or errors) that match no request envcheck sent
    unmatched: list[Any] = field(default_factory=list)
    #: the requests the server sent the client: the server's id -> its method, and the methods
    #: of envcheck's requests then waiting for their answer
    asked: dict[Any, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    #: the server's request id -> the code of the error the client answered it with
    refused: dict[Any, int] = field(default_factory=dict)
    #: ids of envcheck's requests that got their answer
    answered: set[Any] = field(default_factory=set)
    #: the ``level`` of each ``notifications/message`` (the server's log messages), raw
    log_levels: list[Any] = field(default_factory=list)
    #: the log messages of level error or worse (RFC 5424's error, critical, alert, emergency:
    #: *Server › Utilities › Logging*), raw: their level, logger and data, and the methods of
    #: envcheck's requests then waiting for their answer
    logged_errors: list[tuple[str, Any, Any, tuple[str, ...]]] = field(default_factory=list)
    #: the notifications the server sent while each of envcheck's requests waited for its
    #: answer: the request's method -> the notification's method -> how many came (what came
    #: through the transport while the answer did not)
    noted: dict[str, dict[str, int]] = field(default_factory=dict)

    def saw_sent(self, message: Any) -> None:
        method, ident = getattr(message, "method", None), getattr(message, "id", None)
        if method is not None and ident is not None:
            self.sent[ident] = method
            params = getattr(message, "params", None)
            self.params[method] = params if isinstance(params, dict) else {}
        error = getattr(message, "error", None)
        if method is None and error is not None and ident in self.asked:
            self.refused[ident] = getattr(error, "code", 0)

    def waiting(self) -> tuple[str, ...]:
        """The methods of envcheck's requests still waiting for their answer."""
        return tuple(m for i, m in self.sent.items() if i not in self.answered)

    def saw_received(self, message: Any) -> None:
        ident = getattr(message, "id", None)
        error = getattr(message, "error", None)
        result = getattr(message, "result", None)
        asked = getattr(message, "method", None)
        if isinstance(asked, str) and ident is None:
            for waiting in self.waiting():
                counts = self.noted.setdefault(waiting, {})
                counts[asked] = counts.get(asked, 0) + 1
        if asked == "notifications/message" and ident is None:  # a log message
            params = getattr(message, "params", None)
            level = params.get("level") if isinstance(params, dict) else None
            self.log_levels.append(level)
            if isinstance(params, dict) and level in ERROR_LEVELS:
                self.logged_errors.append(
                    (level, params.get("logger"), params.get("data"), self.waiting())
                )
            return
        if isinstance(asked, str) and ident is not None:  # a request of the server's
            self.asked[ident] = (asked, self.waiting())
            return
        method = self.sent.get(ident) if ident is not None else None
        if method is not None:
            self.answered.add(ident)
        if error is not None:
            body = error.model_dump(mode="json", exclude_none=True)
            if method is not None:
                self.errors[method] = body
            elif ident is None:
                self.stray.append(body)
            else:
                self.unmatched.append(ident)
        elif method is not None and isinstance(result, dict):
            self.results[method] = result
        elif result is not None:
            self.unmatched.append(ident)


@asynccontextmanager
async def observed(
    transport: AbstractAsyncContextManager[TransportStreams], wire: Wire
) -> AsyncIterator[TransportStreams]:
    """``transport``, with every message in either direction noted in ``wire``."""
    import anyio
    from mcp.shared.message import SessionMessage

    async with transport as (read_stream, write_stream):
        to_session, from_server = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        to_server, from_session = anyio.create_memory_object_stream[SessionMessage](0)

        async def inbound() -> None:
            async with to_session:
                try:
                    async for item in read_stream:
                        if isinstance(item, SessionMessage):
                            wire.saw_received(item.message)
                        await to_session.send(item)
                except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                    pass

        async def outbound() -> None:
            async with from_session:
                try:
                    async for item in from_session:
                        wire.saw_sent(item.message)
                        await write_stream.send(item)
                except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                    pass

        try:
            async with anyio.create_task_group() as group:
                group.start_soon(inbound)
                group.start_soon(outbound)
                try:
                    yield from_server, to_server
                finally:
                    group.cancel_scope.cancel()
        finally:
            # a task cancelled before it ran never closed its end: every end is closed here
            for end in (to_session, from_server, to_server, from_session):
                end.close()
