"""Just enough of PostgreSQL's startup protocol to learn why a login fails.

libpq reports connection errors as text, and with ``sslmode=prefer`` one text for two attempts.
Speaking the protocol ourselves gives, for each attempt (over SSL or not), the server's SQLSTATE
and whether the error came before authentication finished (pg_hba.conf, server state, slots) or
after (role, database, CONNECT). Authentication is done for real (cleartext, md5, SCRAM-SHA-256),
so a wrong password is the server's 28P01, not a guess. Used only after a login failed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import socket
import ssl
import struct
import time
from dataclasses import dataclass, field

SSL_REQUEST = struct.pack("!ii", 8, 80877103)
_PROTOCOL_3 = 196608
#: stages of a login, in order: failed before authentication finished (pg_hba.conf, the server's
#: state, slots), after it (role, database, CONNECT), or got in
BEFORE_AUTH = "startup"
AUTHENTICATED = "authenticated"
READY = "ready"


@dataclass
class Attempt:
    """One login attempt as the server answered it."""

    ssl: bool
    #: ``startup`` (failed before authentication finished), ``authenticated`` or ``ready``
    stage: str
    sqlstate: str | None = None
    message: str = ""
    #: the server asked for a password and there was none
    needs_password: bool = False
    #: the server routine that reported the error (field ``R``: ``InitializeSessionUserId``,
    #: ``CheckMyDatabase``, ``ClientAuthentication``, ``auth_failed`` ...), never translated
    routine: str = ""
    #: the error's detail (field ``D``), shown only
    detail: str = ""
    #: the authentication the server asked for (3 cleartext, 5 md5, 10 SASL, 7 GSS ...; ``None``:
    #: none, as with trust)
    asked: int | None = None
    #: the ParameterStatus values the server reported (``in_hot_standby``,
    #: ``default_transaction_read_only``, ``server_version`` ...)
    status: dict[str, str] = field(default_factory=dict)
    #: the error carries field ``V`` or ``R``, as every error of PostgreSQL's own backend does
    #: (9.6 and later); a pooler's own (PgBouncer's ``send_pooler_error``: S, C and M only) does not
    backend: bool = True


class ProbeError(Exception):
    """The probe could not finish (silence, a closed connection, a foreign answer)."""


def connect(host: str, port: int, deadline: float) -> socket.socket:
    left = max(0.05, deadline - time.monotonic())
    if host.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(left)
        try:
            sock.connect(os.path.join(host, f".s.PGSQL.{port}"))
        except OSError:
            sock.close()
            raise
        return sock
    return socket.create_connection((host, port), timeout=left)


def ask_ssl(sock: socket.socket, deadline: float) -> bytes:
    """Send SSLRequest; the server's one-byte answer (``S``, ``N``), or another protocol's."""
    sock.settimeout(max(0.05, deadline - time.monotonic()))
    sock.sendall(SSL_REQUEST)
    return sock.recv(64)


def login_attempt(
    host: str,
    port: int,
    *,
    user: str,
    dbname: str,
    password: str | None,
    tls: ssl.SSLContext | None,
    deadline: float,
    server_hostname: str | None = None,
    startup: tuple[tuple[str, str], ...] = (),
) -> Attempt | None:
    """One login, over TLS with ``tls`` (``None``: plain). ``None`` when the server offers no SSL.
    An empty ``user`` is the OS user and an empty ``dbname`` the user, as libpq sends them;
    ``server_hostname`` is the name the certificate must list (libpq's ``host`` when it connects to
    ``hostaddr``; default: ``host``). ``startup``: the other parameters libpq puts in its startup
    packet (``options``, ``client_encoding``), so that the server judges them as it does libpq's.

    Raises :class:`ssl.SSLError` for a failed handshake, :class:`ProbeError` or :class:`OSError`
    for a conversation that did not happen."""
    if not user:
        from envcheck.checks.postgres.target import os_user

        user = os_user()
    dbname = dbname or user
    with connect(host, port, deadline) as raw:
        sock: socket.socket = raw
        if tls is not None:
            answer = ask_ssl(raw, deadline)
            if answer[:1] != b"S":
                return None
            try:
                sock = tls.wrap_socket(raw, server_hostname=server_hostname or host)
            except ssl.SSLError:
                raise
            except OSError as exc:  # a reset or EOF during the handshake is a TLS failure
                raise ssl.SSLError(
                    f"the connection ended during the TLS handshake ({exc})"
                ) from exc
        try:
            return _login(sock, user, dbname, password, tls is not None, deadline, startup)
        finally:
            if sock is not raw:
                sock.close()


def _login(
    sock: socket.socket,
    user: str,
    dbname: str,
    password: str | None,
    over_ssl: bool,
    deadline: float,
    startup: tuple[tuple[str, str], ...] = (),
) -> Attempt:
    params = b"".join(
        key.encode() + b"\0" + value.encode() + b"\0"
        for key, value in (
            ("user", user),
            ("database", dbname),
            ("application_name", "envcheck diagnosis"),
            *startup,
        )
    )
    body = struct.pack("!i", _PROTOCOL_3) + params + b"\0"
    reader = _Reader(sock, deadline)
    sock.sendall(struct.pack("!i", len(body) + 4) + body)
    stage = BEFORE_AUTH
    scram: _Scram | None = None
    asked: int | None = None
    status: dict[str, str] = {}
    while True:
        kind, payload = reader.message()
        if kind == b"E":
            fields = _fields(payload)
            return Attempt(
                over_ssl,
                stage,
                fields.get("C"),
                fields.get("M", ""),
                routine=fields.get("R", ""),
                detail=fields.get("D", ""),
                asked=asked,
                status=status,
                backend="V" in fields or "R" in fields,
            )
        if kind == b"Z":
            _terminate(sock)
            return Attempt(over_ssl, READY, asked=asked, status=status)
        if kind == b"S":
            name, _, value = payload.partition(b"\0")
            status[name.decode("utf-8", "replace")] = value.rstrip(b"\0").decode("utf-8", "replace")
            continue
        if kind != b"R":
            continue  # BackendKeyData, NoticeResponse, NegotiateProtocolVersion
        (code,) = struct.unpack("!i", payload[:4])
        if code == 0:
            stage = AUTHENTICATED
            continue
        if code not in (11, 12):
            asked = code
        if code in (3, 5, 10) and not password:
            return Attempt(over_ssl, stage, needs_password=True, asked=asked, status=status)
        assert password is not None
        if code == 3:
            _send(sock, b"p", password.encode() + b"\0")
        elif code == 5:
            # the md5 method's own hashing, not a use of md5 for security
            inner = hashlib.md5((password + user).encode(), usedforsecurity=False).hexdigest()
            digest = hashlib.md5(inner.encode() + payload[4:8], usedforsecurity=False).hexdigest()
            _send(sock, b"p", b"md5" + digest.encode() + b"\0")
        elif code == 10:
            mechanisms = payload[4:].split(b"\0")
            if b"SCRAM-SHA-256" not in mechanisms:
                raise ProbeError("the server offers no SASL mechanism this probe speaks")
            scram = _Scram(password)
            first = scram.client_first()
            _send(sock, b"p", b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first)
        elif code == 11 and scram is not None:
            _send(sock, b"p", scram.client_final(payload[4:]))
        elif code == 12:
            continue
        else:
            raise ProbeError(f"authentication method {code} is not one this probe speaks")


def _send(sock: socket.socket, kind: bytes, payload: bytes) -> None:
    sock.sendall(kind + struct.pack("!i", len(payload) + 4) + payload)


def _terminate(sock: socket.socket) -> None:
    try:
        _send(sock, b"X", b"")
    except OSError:
        pass


def _fields(payload: bytes) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in payload.split(b"\0"):
        if part:
            found[chr(part[0])] = part[1:].decode("utf-8", "replace")
    return found


class _Reader:
    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.buffer = b""

    def _exactly(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self.sock.settimeout(max(0.05, self.deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                raise ProbeError("the server did not answer the login") from None
            if not chunk:
                raise ProbeError("the server closed the connection during the login")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def message(self) -> tuple[bytes, bytes]:
        head = self._exactly(5)
        kind, length = head[:1], struct.unpack("!i", head[1:])[0]
        if kind not in b"RESKZNV" or not 4 <= length <= 1 << 20:
            raise ProbeError("the answer is not PostgreSQL's protocol")
        return kind, self._exactly(length - 4)


class _Scram:
    """The client side of SCRAM-SHA-256 without channel binding (RFC 5802, RFC 7677)."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.nonce = base64.b64encode(secrets.token_bytes(18)).decode()
        self.first_bare = f"n=,r={self.nonce}"

    def client_first(self) -> bytes:
        return f"n,,{self.first_bare}".encode()

    def client_final(self, server_first: bytes) -> bytes:
        text = server_first.decode()
        attrs = dict(item.split("=", 1) for item in text.split(","))
        salted = hashlib.pbkdf2_hmac(
            "sha256", self.password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"])
        )
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        stored_key = hashlib.sha256(client_key).digest()
        without_proof = f"c=biws,r={attrs['r']}"
        message = f"{self.first_bare},{text},{without_proof}".encode()
        signature = hmac.new(stored_key, message, "sha256").digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()
