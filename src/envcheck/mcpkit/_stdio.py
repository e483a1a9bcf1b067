"""A stdio transport for the MCP SDK's ``Client`` that keeps what a diagnosis needs.

The SDK's own ``stdio_client`` hides the child process: its exit code, its stderr and any line on
stdout that is not a JSON-RPC message are lost. This transport spawns the server the same way (its
own session, so the whole process tree can be killed), parses messages with the SDK's own model,
and records the rest. Every child is reaped when the connection closes; :mod:`._reaper` kills one
that is still alive when envcheck's process ends.
"""

from __future__ import annotations

import signal
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

import anyio
import anyio.abc
import anyio.to_thread

from envcheck.core import redact
from envcheck.mcpkit import _reaper

if TYPE_CHECKING:
    from mcp.client._transport import TransportStreams

#: Seconds a server gets to exit by itself once its stdin is closed, then again after SIGTERM.
EXIT_GRACE = 0.5
#: Lines of stderr kept for a diagnosis.
STDERR_TAIL = 8


@dataclass
class ChildState:
    """What the transport saw of the child: filled in while the connection lives."""

    pid: int | None = None
    returncode: int | None = None  # set only when the server exited by itself
    stopping: bool = False
    hung_up: bool = False  # stdout ended or stdin broke: the server is probably exiting
    garbage: list[str] = field(default_factory=list)
    stderr: IO[bytes] | None = None
    stderr_text: str = ""
    #: the mark in the environment of the server's process tree (see :mod:`._reaper`)
    mark: str = ""

    def stderr_tail(self) -> str:
        if self.stderr is not None and not self.stderr.closed:
            self.stderr.seek(0)
            self.stderr_text = self.stderr.read().decode("utf-8", "replace")
        lines = [line for line in self.stderr_text.strip().splitlines() if line.strip()]
        return redact.clean(" / ".join(s.strip() for s in lines[-STDERR_TAIL:]), 2000, tail=True)


@asynccontextmanager
async def stdio_transport(
    argv: list[str], env: dict[str, str], cwd: str | None, state: ChildState
) -> AsyncIterator[TransportStreams]:
    """Spawn ``argv`` and exchange newline-delimited JSON-RPC with it over stdin/stdout."""
    import mcp_types
    from mcp.shared.message import SessionMessage

    state.stderr = tempfile.TemporaryFile()
    state.mark = _reaper.new_mark()
    _reaper.hold_orphans()
    spawned = False
    try:
        process = await anyio.open_process(
            argv,
            env={**env, _reaper.MARK: state.mark},
            cwd=cwd,
            stderr=state.stderr,
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

    async def read_stdout() -> None:
        assert process.stdout is not None
        buffer = b""
        async with read_writer:
            try:
                async for chunk in process.stdout:
                    buffer += chunk
                    *lines, buffer = buffer.split(b"\n")
                    for raw in lines:
                        line = raw.decode("utf-8", "replace").strip()
                        if not line:
                            continue
                        try:
                            message = mcp_types.jsonrpc_message_adapter.validate_json(
                                line, by_name=False
                            )
                        except ValueError:
                            state.garbage.append(redact.clean(line, 200))
                            continue
                        await read_writer.send(SessionMessage(message))
            except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
                pass
            # stdout ended: the server exited (or closed it); note how, for the diagnosis
            state.hung_up = True
            await _exited(process, EXIT_GRACE)
            if not state.stopping:
                state.returncode = process.returncode

    async def write_stdin() -> None:
        assert process.stdin is not None
        try:
            async with write_reader:
                async for message in write_reader:
                    data = message.message.model_dump_json(by_alias=True, exclude_unset=True)
                    await process.stdin.send((data + "\n").encode())
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            state.hung_up = True
            await read_writer.aclose()

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(read_stdout)
            group.start_soon(write_stdin)
            try:
                yield read_stream, write_stream
            finally:
                with anyio.CancelScope(shield=True):
                    await _stop(process, state)
                group.cancel_scope.cancel()
    finally:
        # a task cancelled before it ran never closed its end: every end is closed here
        for end in (read_writer, read_stream, write_stream, write_reader):
            end.close()


async def _stop(process: anyio.abc.Process, state: ChildState) -> None:
    """Close stdin, give the server a moment, then SIGTERM and SIGKILL its whole group."""
    if state.hung_up:  # it is exiting by itself: learn its exit code
        await _exited(process, EXIT_GRACE)
    if state.returncode is None and process.returncode is not None:
        state.returncode = process.returncode  # it had exited by itself
    state.stopping = True
    # what the server started, found while it still runs (its children may leave its group)
    descendants = _reaper.tree(process.pid, state.mark)
    try:
        if process.stdin is not None:
            await process.stdin.aclose()
    except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
        pass
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
    state.stderr_tail()
    if state.stderr is not None:
        state.stderr.close()
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
