"""The protocol sweep's fault-placing servers (tests/verdicts/test_protocol_sweep.py): a
PostgreSQL server that speaks the real protocol up to one fault (the authentication and SCRAM
itself, everything after it relayed from a real server), and a Redis proxy in front of a real
redis-server that answers one command with one fault's bytes. Each plan gets a port of its own;
all of them are served by threads of the test process until the ``with`` block ends."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import selectors
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

SSL_CODES = (80877103, 80877104)  # SSLRequest, GSSENCRequest
#: SCRAM iteration count: few, to keep the sweep cheap (libpq takes any count above 0)
ITERATIONS = 16
#: what a fault leaves after it: ``close`` the connection, ``hold`` it open and silent (the
#: client waits for the rest; its own timeout ends it), or ``go`` on relaying
CLOSE, HOLD, GO = "close", "hold", "go"


def message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def auth(code: int, data: bytes = b"") -> bytes:
    return message(b"R", struct.pack("!i", code) + data)


def notice(i: int) -> bytes:
    fields = [b"SNOTICE", b"VNOTICE", b"C00000", b"Mnotice %d of a flood" % i]
    return message(b"N", b"\0".join(fields) + b"\0\0")


@dataclass(frozen=True)
class PgPlan:
    """One fault: ``phase`` (``ssl``, ``auth``, ``scram-first``, ``scram-final``, ``auth-ok``,
    ``param``, ``key``, ``ready``, ``query``), ``fault`` and, for ``param`` its parameter's name
    (a value fault: ``value``), for ``query`` a piece of the statement's text."""

    phase: str
    fault: str
    name: str = ""
    value: str = ""


def _recv_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _hang_up(sock: socket.socket) -> None:
    """Close at once, also while another thread waits in recv on it."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _read_message(sock: socket.socket) -> tuple[bytes, bytes]:
    head = _recv_exactly(sock, 5)
    return head[:1], _recv_exactly(sock, struct.unpack("!i", head[1:])[0] - 4)


def faulted(plan: PgPlan, kind: bytes, body: bytes, wrong: bytes) -> tuple[bytes, str]:
    """The bytes sent instead of message ``kind``/``body`` and what follows them."""
    whole = message(kind, body)
    if plan.fault == "unknown":  # a type byte the protocol does not define
        return message(b"j", body), HOLD
    if plan.fault == "length":  # a length one short of the contents
        return kind + struct.pack("!i", len(body) + 3) + body, HOLD
    if plan.fault == "truncated":
        return whole[: 5 + len(body) // 2], CLOSE
    if plan.fault == "close":
        return b"", CLOSE
    if plan.fault == "huge":
        return kind + struct.pack("!i", 0x7FFFFFF0) + body[:8], HOLD
    if plan.fault == "wrong-phase":
        return wrong, HOLD
    if plan.fault == "flood":  # legal: notices before the message
        return b"".join(notice(i) for i in range(2000)) + whole, GO
    raise AssertionError(plan)


class _PgConnection:
    def __init__(self, client: socket.socket, plan: PgPlan, upstream: int, password: str) -> None:
        self.client, self.plan, self.upstream_port, self.password = client, plan, upstream, password
        self.upstream: socket.socket | None = None
        self.armed = False
        self.done = False

    def at(self, phase: str) -> bool:
        return self.plan.phase == phase and not self.done

    def send(self, data: bytes) -> None:
        self.client.sendall(data)

    def fault(self, kind: bytes, body: bytes, wrong: bytes) -> bool:
        """Send the fault in place of the message; True when the conversation goes on."""
        self.done = True
        data, then = faulted(self.plan, kind, body, wrong)
        if data:
            self.send(data)
        if then != GO and self.upstream is not None:
            self.upstream.close()  # the real server's session ends with the fault
        if then == HOLD:
            self.client.settimeout(60)
            try:
                while self.client.recv(65536):
                    pass
            except OSError:
                pass
        return then == GO

    def run(self) -> None:
        try:
            self._run()
        except (OSError, ValueError, KeyError, IndexError):
            pass
        finally:
            _hang_up(self.client)
            if self.upstream is not None:
                _hang_up(self.upstream)

    def _run(self) -> None:
        sock = self.client
        sock.settimeout(60)
        while True:
            length = struct.unpack("!i", _recv_exactly(sock, 4))[0]
            body = _recv_exactly(sock, length - 4)
            if struct.unpack("!i", body[:4])[0] not in SSL_CODES:
                break
            if self.at("ssl"):
                wrong = auth(0)
                if not self.fault(b"N", b"", wrong):
                    return
                continue
            self.send(b"N")
        params = body[4:].split(b"\0")
        sent = {params[i]: params[i + 1] for i in range(0, len(params) - 1, 2) if params[i]}
        if not self._authenticate():
            return
        up = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60)
        self.upstream = up
        sent[b"user"], sent[b"database"] = b"postgres", b"postgres"
        startup = struct.pack("!i", 196608) + b"".join(
            k + b"\0" + v + b"\0" for k, v in sent.items()
        )
        up.sendall(struct.pack("!i", len(startup) + 5) + startup + b"\0")
        threading.Thread(target=self._forward, daemon=True).start()
        self._relay(up)

    def _authenticate(self) -> bool:
        """SCRAM-SHA-256 as the server, faults placed; False when the conversation ends here."""
        sasl = auth(10, b"SCRAM-SHA-256\0\0")
        if self.at("auth"):
            if not self.fault(b"R", sasl[5:], message(b"D", b"\0\0")):
                return False
        else:
            self.send(sasl)
        kind, body = _read_message(self.client)
        if kind != b"p":
            return False
        size = struct.unpack("!i", body[14:18])[0]
        first = body[18 : 18 + size].decode()
        first_bare = first.split(",", 2)[2]
        nonce = dict(a.split("=", 1) for a in first_bare.split(","))["r"]
        salt = secrets.token_bytes(16)
        server_nonce = nonce + base64.b64encode(secrets.token_bytes(18)).decode()
        if self.at("scram-first") and self.plan.fault == "nonce":
            server_nonce = base64.b64encode(secrets.token_bytes(24)).decode()
        server_first = f"r={server_nonce},s={base64.b64encode(salt).decode()},i={ITERATIONS}"
        if self.at("scram-first") and self.plan.fault == "malformed":
            server_first = f"r={server_nonce},i={ITERATIONS}"  # no salt
        cont = auth(11, server_first.encode())
        if self.at("scram-first") and self.plan.fault not in ("nonce", "malformed"):
            if not self.fault(b"R", cont[5:], message(b"D", b"\0\0")):
                return False
        else:
            self.send(cont)
        kind, body = _read_message(self.client)
        if kind != b"p":
            return False
        final = body.decode()
        without_proof = final.rsplit(",p=", 1)[0]
        salted = hashlib.pbkdf2_hmac("sha256", self.password.encode(), salt, ITERATIONS)
        server_key = hmac.new(salted, b"Server Key", "sha256").digest()
        signed = f"{first_bare},{server_first},{without_proof}".encode()
        signature = hmac.new(server_key, signed, "sha256").digest()
        if self.at("scram-final") and self.plan.fault == "signature":
            signature = bytes(b ^ 0x5A for b in signature)
        server_final = f"v={base64.b64encode(signature).decode()}"
        if self.at("scram-final") and self.plan.fault == "server-error":
            server_final = "e=other-error"
        fin = auth(12, server_final.encode())
        if self.at("scram-final") and self.plan.fault not in ("signature", "server-error"):
            return self.fault(b"R", fin[5:], message(b"D", b"\0\0"))
        self.send(fin)
        return True

    def _forward(self) -> None:
        """Client -> server, arming the query fault when its statement goes by."""
        assert self.upstream is not None
        try:
            while True:
                kind, body = _read_message(self.client)
                if kind in (b"Q", b"P") and self.plan.phase == "query":
                    if self.plan.name.encode() in body and not self.done:
                        self.armed = True
                self.upstream.sendall(message(kind, body))
                if kind == b"X":
                    return
        except OSError:
            pass
        try:
            self.upstream.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _relay(self, up: socket.socket) -> None:
        """Server -> client, the fault in place of the message its phase names."""
        seen_param = False
        while True:
            kind, body = _read_message(up)
            here = False
            wrong = auth(0)
            if kind == b"R" and self.at("auth-ok"):
                here, wrong = True, message(b"D", b"\0\0")
            elif kind == b"S" and self.at("param"):
                name = body.split(b"\0", 1)[0].decode()
                if self.plan.fault == "value":
                    if name == self.plan.name:
                        body = name.encode() + b"\0" + self.plan.value.encode() + b"\0"
                        self.done = True
                elif not seen_param:
                    here = True
                seen_param = True
            elif kind == b"K" and self.at("key"):
                here = True
            elif kind == b"Z" and self.at("ready"):
                here = True
                if self.plan.fault == "status":  # a transaction status byte not I, T or E
                    self.done = True
                    body = b"X"
                    here = False
            elif self.armed and kind in (b"T", b"C", b"1", b"n") and not self.done:
                here = kind == b"T" or kind == b"C"
                if kind == b"T" and self.plan.fault == "wrong-phase":  # data, no description
                    self.done = True
                    self.armed = False
                    continue
                if kind == b"C" and self.plan.fault == "wrong-phase":
                    wrong = message(b"D", b"\0\0") + message(kind, body)
            if here:
                if not self.fault(kind, body, wrong):
                    return
                continue
            self.send(message(kind, body))


@contextmanager
def pg_faults(plans: list[PgPlan], upstream: int, password: str) -> Iterator[list[int]]:
    """One listening port per plan on 127.0.0.1, served until the block ends."""

    def handler(plan: PgPlan) -> Callable[[socket.socket], None]:
        return lambda conn: _PgConnection(conn, plan, upstream, password).run()

    with _listening([handler(p) for p in plans]) as ports:
        yield ports


@contextmanager
def _listening(handlers: list[Callable[[socket.socket], None]]) -> Iterator[list[int]]:
    selector = selectors.DefaultSelector()
    listeners = []
    for handle in handlers:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, handle)
        listeners.append(sock)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            for key, _ in selector.select(0.1):
                try:
                    conn, _ = key.fileobj.accept()  # type: ignore[union-attr]
                except OSError:
                    continue
                conn.setblocking(True)
                threading.Thread(target=key.data, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield [s.getsockname()[1] for s in listeners]
    finally:
        stop.set()
        thread.join(5)
        selector.close()
        for sock in listeners:
            sock.close()


# -- Redis ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RedisPlan:
    """``command`` (its first word, upper case) is answered with ``reply``; then ``then``."""

    command: str
    fault: str
    reply: bytes
    then: str


def _resp_command(reader: socket.socket, buffer: bytearray) -> tuple[list[bytes], bytes] | None:
    def line() -> bytes | None:
        while (end := buffer.find(b"\r\n")) < 0:
            chunk = reader.recv(65536)
            if not chunk:
                return None
            buffer.extend(chunk)
        data = bytes(buffer[: end + 2])
        del buffer[: end + 2]
        return data

    first = line()
    if first is None:
        return None
    if first[:1] != b"*":
        return first.split(), first
    raw, args = first, []
    for _ in range(int(first[1:])):
        head = line()
        if head is None:
            return None
        size = int(head[1:]) + 2
        while len(buffer) < size:
            chunk = reader.recv(65536)
            if not chunk:
                return None
            buffer.extend(chunk)
        data = bytes(buffer[:size])
        del buffer[:size]
        raw += head + data
        args.append(data[:-2])
    return args, raw


def _redis_connection(client: socket.socket, plan: RedisPlan, upstream: int) -> None:
    up = socket.create_connection(("127.0.0.1", upstream), timeout=60)
    client.settimeout(60)

    def back() -> None:
        try:
            while data := up.recv(65536):
                client.sendall(data)
        except OSError:
            pass

    relay = threading.Thread(target=back, daemon=True)
    relay.start()
    buffer = bytearray()
    try:
        while (found := _resp_command(client, buffer)) is not None:
            args, raw = found
            name = args[0].decode(errors="replace").upper() if args else ""
            if name != plan.command:
                up.sendall(raw)
                continue
            if plan.then == GO:  # an extra reply first, then the server's own
                client.sendall(plan.reply)
                up.sendall(raw)
                continue
            client.sendall(plan.reply)
            if plan.then == CLOSE:
                break
            while client.recv(65536):  # hold: silent until the client goes
                pass
            break
    except (OSError, ValueError):
        pass
    finally:
        try:
            up.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        _hang_up(up)
        _hang_up(client)
        relay.join(5)


@contextmanager
def redis_faults(plans: list[RedisPlan], upstream: int) -> Iterator[list[int]]:
    def handler(plan: RedisPlan) -> Callable[[socket.socket], None]:
        return lambda conn: _redis_connection(conn, plan, upstream)

    with _listening([handler(p) for p in plans]) as ports:
        yield ports


def wait_port(port: int, limit: float = 5.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.02)
