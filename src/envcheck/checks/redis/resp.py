"""A minimal RESP2 client for the redis checks: one socket, one request at a time, bounded.

The checks need to know *which request* failed and the *class* of an error reply (its first word:
``NOAUTH``, ``WRONGPASS``, ``NOPERM``, ``READONLY``, ``OOM``, ``LOADING``, ``MASTERDOWN``, ``ERR``),
and they must share one connection per server; a few lines of protocol give exactly that.
"""

from __future__ import annotations

import socket
import time
from typing import Any


class ReplyError(Exception):
    """An error reply: ``kind`` is its first word, ``command`` the request it answered."""

    def __init__(self, command: str, text: str) -> None:
        super().__init__(text)
        self.command = command
        self.kind = text.split(" ", 1)[0]
        self.text = text


class ConnectionLost(Exception):
    """The server closed the connection, or did not answer in time. ``closed``: it hung up
    (no timeout); ``command``: the command whose answer was awaited."""

    closed = False
    command = ""


class Resp:
    """One RESP connection. ``initial`` holds bytes already read from the socket."""

    def __init__(self, sock: socket.socket, initial: bytes = b"") -> None:
        self.sock = sock
        self.buffer = bytearray(initial)
        self.deadline = time.monotonic() + 3600.0
        #: the connection was lost (closed, reset or timed out): no later answer can be trusted
        self.lost = False

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def call(self, *args: str | bytes | int, deadline: float | None = None) -> Any:
        """Send one command and read its reply; an error reply raises :class:`ReplyError`."""
        if deadline is not None:
            self.deadline = deadline
        parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        wire = b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)
        name = parts[0].decode(errors="replace").upper()
        try:
            self.sock.settimeout(max(0.05, self.deadline - time.monotonic()))
            self.sock.sendall(wire)
        except OSError as exc:
            self.lost = True
            raise ConnectionLost(f"sending {name} failed: {exc}") from None
        try:
            return self.read(name)
        except ConnectionLost as lost:
            lost.command = lost.command or name
            raise

    def read(self, command: str = "PING") -> Any:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode(errors="replace")
        if kind == b"-":
            raise ReplyError(command, rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else self._exactly(size + 2)[:-2]
        if kind == b"*":
            count = int(rest)
            return None if count < 0 else [self.read(command) for _ in range(count)]
        raise ConnectionLost(f"the answer to {command} is not RESP")

    def _fill(self) -> None:
        self.sock.settimeout(max(0.05, self.deadline - time.monotonic()))
        try:
            chunk = self.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            self.lost = True
            raise ConnectionLost("no answer in time") from None
        except OSError as exc:
            self.lost = True
            raise ConnectionLost(str(exc)) from None
        if not chunk:
            self.lost = True
            hung_up = ConnectionLost("the server closed the connection")
            hung_up.closed = True
            raise hung_up
        self.buffer += chunk

    def _line(self) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            self._fill()
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 2]
        return line

    def _exactly(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self._fill()
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data


def info(conn: Resp, section: str, deadline: float) -> dict[str, str]:
    """``INFO section`` as a mapping."""
    raw = conn.call("INFO", section, deadline=deadline)
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
    found: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and not key.startswith("#"):
            found[key.strip()] = value.strip()
    return found
