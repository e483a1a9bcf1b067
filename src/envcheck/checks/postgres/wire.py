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
from typing import NoReturn

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


class ProtocolViolation(ProbeError):
    """The server's bytes broke the protocol (protocol-message-formats, RFC 5802 for SCRAM) at
    ``phase`` of the login (the message expected there, by the protocol's names); ``scram`` is
    the SCRAM check that failed (``nonce``, ``signature``, ``server-error``, ``malformed``) or
    empty."""

    def __init__(self, phase: str, what: str, scram: str = "") -> None:
        super().__init__(f"{what} (at {phase})")
        self.phase = phase
        self.what = what
        self.scram = scram


#: a close before any byte of a message (nothing of the protocol's came)
CLOSED_SILENT = "the server closed the connection without a message"
#: where a login is, by what the protocol expects next (protocol-flow, "Start-up")
EXPECT_AUTH = "the authentication request (the first answer to the startup packet)"
EXPECT_SCRAM_FIRST = "SCRAM's server-first-message (AuthenticationSASLContinue)"
EXPECT_SCRAM_FINAL = "SCRAM's server-final-message (AuthenticationSASLFinal)"
EXPECT_OK = "AuthenticationOk (after SCRAM's server-final-message)"
EXPECT_PARAMS = "the first ParameterStatus (right after AuthenticationOk)"
EXPECT_KEY = "ParameterStatus or BackendKeyData (after {} ParameterStatus messages)"
EXPECT_READY = "ReadyForQuery (after BackendKeyData)"
#: the message each type byte is, for a malformed one
MESSAGES = {
    b"R": "an authentication message",
    b"S": "ParameterStatus",
    b"K": "BackendKeyData",
    b"Z": "ReadyForQuery",
    b"E": "ErrorResponse",
    b"N": "NoticeResponse",
    b"v": "NegotiateProtocolVersion",
}
#: what a backend may send before authentication is done: libpq takes nothing else
#: (fe-connect.c: "expected authentication request from server, but received %c")
_BEFORE_OK = b"REv"
#: ReadyForQuery's transaction status: idle, in a transaction, in a failed one
_STATUSES = (b"I", b"T", b"E")


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


def tls_refusal(
    host: str,
    port: int,
    tls: ssl.SSLContext,
    deadline: float,
    server_hostname: str | None = None,
) -> str | None:
    """The reason of the TLS alert with which the server ends a handshake with ``tls`` (its
    client certificate refused: ``TLSV1_ALERT_UNKNOWN_CA``...), read before anything is sent
    after the handshake; ``None`` when the server waits for the startup packet (a second at
    most) or the conversation fails otherwise. Under TLS 1.3 the server judges the client's
    certificate after the client has finished its handshake: a startup packet sent then can
    meet the server's close as unread data, and the reset discards the alert before it is read
    (a race that decided a verdict under load)."""
    try:
        with connect(host, port, deadline) as raw:
            if ask_ssl(raw, deadline)[:1] != b"S":
                return None
            with tls.wrap_socket(raw, server_hostname=server_hostname or host) as sock:
                sock.settimeout(min(1.0, max(0.05, (deadline - time.monotonic()) / 2)))
                sock.recv(1)
    except ssl.SSLError as exc:
        return str(exc.reason or "") or None
    except OSError:  # a timeout (the server waits: it took the certificate), a reset, an EOF
        return None
    return None


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

        user = os_user() or ""
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
    reader.phase = EXPECT_AUTH
    key = False
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
        if stage == BEFORE_AUTH and kind not in _BEFORE_OK:
            reader.violation(f"a {MESSAGES.get(kind, f'message of type {kind!r}')} came")
        if kind == b"Z":
            if payload not in _STATUSES:
                reader.violation(f"ReadyForQuery's transaction status is {payload!r}", kind)
            _terminate(sock)
            return Attempt(over_ssl, READY, asked=asked, status=status)
        if kind == b"S":
            parts = payload.split(b"\0")
            if len(parts) != 3 or parts[2]:
                reader.violation(_DISAGREE, kind)
            status[parts[0].decode("utf-8", "replace")] = parts[1].decode("utf-8", "replace")
            reader.phase = EXPECT_KEY.format(len(status))
            continue
        if kind == b"K":
            if len(payload) < 8:
                reader.violation(_DISAGREE, kind)
            key = True
            reader.phase = EXPECT_READY
            continue
        if kind != b"R":
            continue  # NoticeResponse, NegotiateProtocolVersion
        if len(payload) < 4 or key or stage != BEFORE_AUTH:
            reader.violation(_DISAGREE if len(payload) < 4 else "an authentication message came")
        (code,) = struct.unpack("!i", payload[:4])
        if code == 0:
            stage = AUTHENTICATED
            reader.phase = EXPECT_PARAMS
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
            if not payload.endswith(b"\0\0"):
                reader.violation(_DISAGREE, kind)
            mechanisms = payload[4:].split(b"\0")
            if b"SCRAM-SHA-256" not in mechanisms:
                raise ProbeError("the server offers no SASL mechanism this probe speaks")
            scram = _Scram(password)
            first = scram.client_first()
            _send(sock, b"p", b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first)
            reader.phase = EXPECT_SCRAM_FIRST
        elif code == 11 and scram is not None and reader.phase == EXPECT_SCRAM_FIRST:
            _send(sock, b"p", scram.client_final(payload[4:], reader))
            reader.phase = EXPECT_SCRAM_FINAL
        elif code == 12 and scram is not None and reader.phase == EXPECT_SCRAM_FINAL:
            scram.verify_final(payload[4:], reader)
            reader.phase = EXPECT_OK
        elif code in (11, 12):
            reader.violation(f"a SASL message ({code}) came outside its exchange")
        else:
            raise ProbeError(f"authentication method {code} is not one this probe speaks")


#: libpq's words for a message its own length does not fit (fe-protocol3.c)
_DISAGREE = "its contents do not agree with its length"


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
        #: the message the login expects next (:data:`EXPECT_AUTH` ...)
        self.phase = EXPECT_AUTH
        #: bytes of the message being read have come (a close now cuts it)
        self.partial = False

    def violation(self, what: str, kind: bytes = b"", scram: str = "") -> NoReturn:
        named = f"{MESSAGES.get(kind, 'a message')}: " if kind else ""
        raise ProtocolViolation(self.phase, named + what, scram)

    def _exactly(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self.sock.settimeout(max(0.05, self.deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                if self.partial or self.buffer:
                    self.violation("a message began and did not complete in time")
                raise ProbeError("the server did not answer the login") from None
            if not chunk:
                if self.partial or self.buffer:
                    self.violation("the server closed the connection in the middle of a message")
                self.violation(CLOSED_SILENT)
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def message(self) -> tuple[bytes, bytes]:
        self.partial = False
        head = self._exactly(5)
        self.partial = True
        kind, length = head[:1], struct.unpack("!i", head[1:])[0]
        if kind not in MESSAGES:
            self.violation(f"a message of type {kind!r}, which the protocol does not have, came")
        if not 4 <= length <= 1 << 20:
            self.violation(f"a length of {length} bytes", kind)
        body = self._exactly(length - 4)
        self.partial = False
        return kind, body


def saslprep(password: str) -> str:
    """The password as SCRAM hashes it: RFC 4013's SASLprep, as PostgreSQL's ``pg_saslprep``
    (src/common/saslprep.c) applies it on both sides (libpq's fe-auth-scram.c, and the server
    when it builds the secret): ASCII as it is; otherwise non-ASCII spaces mapped to a space,
    characters "commonly mapped to nothing" dropped, then NFKC; a result with a prohibited or
    unassigned character or broken bidirectional rules is not used, and the password is hashed
    as it is (what libpq and the server do then)."""
    import stringprep
    import unicodedata

    if password.isascii():
        return password
    mapped = "".join(
        " " if stringprep.in_table_c12(c) else c for c in password if not stringprep.in_table_b1(c)
    )
    normal = unicodedata.normalize("NFKC", mapped)
    prohibited = (
        stringprep.in_table_a1,
        stringprep.in_table_c12,
        stringprep.in_table_c21_c22,
        stringprep.in_table_c3,
        stringprep.in_table_c4,
        stringprep.in_table_c5,
        stringprep.in_table_c6,
        stringprep.in_table_c7,
        stringprep.in_table_c8,
        stringprep.in_table_c9,
    )
    if not normal or any(test(c) for c in normal for test in prohibited):
        return password
    right_to_left = [stringprep.in_table_d1(c) for c in normal]
    if any(right_to_left):
        if any(stringprep.in_table_d2(c) for c in normal):
            return password
        if not (right_to_left[0] and right_to_left[-1]):
            return password
    return normal


class _Scram:
    """The client side of SCRAM-SHA-256 without channel binding (RFC 5802, RFC 7677)."""

    def __init__(self, password: str) -> None:
        self.password = saslprep(password)
        self.nonce = base64.b64encode(secrets.token_bytes(18)).decode()
        self.first_bare = f"n=,r={self.nonce}"
        self.expected = b""

    def client_first(self) -> bytes:
        return f"n,,{self.first_bare}".encode()

    def client_final(self, server_first: bytes, reader: _Reader) -> bytes:
        text = server_first.decode(errors="replace")
        attrs = dict(item.split("=", 1) for item in text.split(",") if "=" in item)
        if not attrs.get("r", "").startswith(self.nonce):
            # fe-auth-scram.c: "invalid SCRAM response (nonce mismatch)"
            reader.violation("its nonce does not begin with the client's", scram="nonce")
        try:
            salt = base64.b64decode(attrs["s"], validate=True)
            iterations = int(attrs["i"])
        except (KeyError, ValueError):
            reader.violation(
                "it lacks a readable salt (s=) or iteration count (i=)", scram="malformed"
            )
        if not 0 < iterations <= 10_000_000:
            reader.violation(f"an iteration count of {iterations}", scram="malformed")
        salted = hashlib.pbkdf2_hmac("sha256", self.password.encode(), salt, iterations)
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        stored_key = hashlib.sha256(client_key).digest()
        without_proof = f"c=biws,r={attrs['r']}"
        message = f"{self.first_bare},{text},{without_proof}".encode()
        signature = hmac.new(stored_key, message, "sha256").digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        server_key = hmac.new(salted, b"Server Key", "sha256").digest()
        self.expected = hmac.new(server_key, message, "sha256").digest()
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()

    def verify_final(self, server_final: bytes, reader: _Reader) -> None:
        """RFC 5802 3: the server proves it knows the password with ``v=`` (its signature);
        ``e=`` is the server's error."""
        text = server_final.decode(errors="replace")
        if text.startswith("e="):
            reader.violation(f"the server's SCRAM error {text[2:]!r}", scram="server-error")
        try:
            sent = base64.b64decode(text[2:], validate=True) if text.startswith("v=") else None
        except ValueError:
            sent = None
        if sent is None:
            reader.violation("it holds no readable server signature (v=)", scram="malformed")
        if not hmac.compare_digest(sent, self.expected):
            reader.violation("the server's signature does not verify", scram="signature")
