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


class ProtocolViolation(ConnectionLost):
    """The reply's bytes broke RESP (the type byte, a length, a reply cut short, the wrong type
    for the command): ``what`` says how, ``seen`` the reply's first bytes as read. The
    connection cannot be trusted after it."""

    def __init__(self, command: str, what: str, seen: bytes) -> None:
        super().__init__(f"the reply to {command} breaks RESP: {what}")
        self.command = command
        self.what = what
        self.seen = seen

    @property
    def shown(self) -> str:
        """The reply's first bytes, escaped (at most 60)."""
        return repr(self.seen[:60])[1:]


#: RESP3's type bytes (redis.io protocol spec), which a RESP2 connection (no HELLO 3) never gets
RESP3_TYPES = {
    b"_": "null",
    b",": "double",
    b"#": "boolean",
    b"!": "blob error",
    b"=": "verbatim string",
    b"(": "big number",
    b"%": "map",
    b"~": "set",
    b">": "push",
    b"|": "attribute",
}
#: the longest bulk string Redis sends (proto-max-bulk-len's default, 512 MB)
MAX_BULK = 512 * 1024 * 1024


class Resp:
    """One RESP connection. ``initial`` holds bytes already read from the socket."""

    def __init__(self, sock: socket.socket, initial: bytes = b"") -> None:
        self.sock = sock
        self.buffer = bytearray(initial)
        self.deadline = time.monotonic() + 3600.0
        #: the connection was lost (closed, reset or timed out): no later answer can be trusted
        self.lost = False
        #: the bytes of the reply being read (its first 64), and the command it answers
        self.seen = b""
        self.command = ""
        self._depth = 0

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
        if self._depth == 0:
            self.seen, self.command = b"", command
        self._depth += 1
        try:
            return self._reply(command)
        finally:
            self._depth -= 1

    def broken(self, what: str) -> ProtocolViolation:
        self.lost = True
        return ProtocolViolation(self.command, what, self.seen)

    def _number(self, rest: bytes, what: str) -> int:
        try:
            return int(rest)
        except ValueError:
            raise self.broken(f"{what} {rest[:20]!r} is not a number") from None

    def _reply(self, command: str) -> Any:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode(errors="replace")
        if kind == b"-":
            raise ReplyError(command, rest.decode(errors="replace"))
        if kind == b":":
            return self._number(rest, "the integer")
        if kind == b"$":
            size = self._number(rest, "the bulk length")
            if size == -1:
                return None
            if size < 0:
                raise self.broken(
                    f"a bulk length of {size} (-1, the null, is the only one below 0)"
                )
            if size > MAX_BULK:
                raise self.broken(f"a bulk length of {size} bytes, above the 512 MB Redis sends")
            data = self._exactly(size + 2)
            if data[-2:] != b"\r\n":
                raise self.broken(f"the bulk string of {size} bytes is not followed by CRLF")
            return data[:-2]
        if kind == b"*":
            count = self._number(rest, "the array length")
            if count == -1:
                return None
            if count < 0:
                raise self.broken(f"an array length of {count}")
            return [self._reply(command) for _ in range(count)]
        if kind in RESP3_TYPES:
            raise self.broken(
                f"a RESP3 {RESP3_TYPES[kind]} ({kind.decode()}), which a RESP2 connection (no "
                "HELLO 3) never gets"
            )
        raise self.broken(f"the type byte {kind!r} is none of RESP's")

    def _fill(self) -> None:
        self.sock.settimeout(max(0.05, self.deadline - time.monotonic()))
        try:
            chunk = self.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            self.lost = True
            if self._depth and (self.seen or self.buffer):
                raise self.broken("the reply began and did not end in time") from None
            raise ConnectionLost("no answer in time") from None
        except OSError as exc:
            self.lost = True
            raise ConnectionLost(str(exc)) from None
        if not chunk:
            self.lost = True
            if self._depth and (self.seen or self.buffer):
                raise self.broken("the connection closed in the middle of the reply")
            hung_up = ConnectionLost("the server closed the connection")
            hung_up.closed = True
            raise hung_up
        self.buffer += chunk

    def _line(self) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            self._fill()
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 2]
        self.seen = (self.seen + line + b"\r\n")[:64]
        return line

    def _exactly(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self._fill()
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        self.seen = (self.seen + data)[:64]
        return data


def shaped(conn: Resp, reply: Any, *kinds: type | None) -> Any:
    """``reply`` when it is of one of ``kinds`` (None: a null), else the protocol broken: a
    reply of the wrong type for its command (an extra reply ahead of it, a proxy's answer)."""
    if any(reply is None if k is None else isinstance(reply, k) for k in kinds):
        return reply
    names = {str: "a simple string", bytes: "a bulk string", int: "an integer", list: "an array"}
    got = "a null" if reply is None else names.get(type(reply), type(reply).__name__)
    raise conn.broken(f"{got} ({repr(reply)[:40]}) where it answers with another type")


def info(conn: Resp, section: str, deadline: float) -> dict[str, str]:
    """``INFO section`` as a mapping."""
    raw = shaped(conn, conn.call("INFO", section, deadline=deadline), bytes)
    text = raw.decode(errors="replace")
    found: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and not key.startswith("#"):
            found[key.strip()] = value.strip()
    return found
