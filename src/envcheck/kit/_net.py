"""Reaching a server over TCP (and TLS), with a diagnosis a person can act on.

Neutral ground: components (``checks/``) and support packages (``mcpkit``) both use it, so it lives
outside ``checks/`` (``envcheck.kit._net`` re-exports it for the components).
"""

from __future__ import annotations

import os
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

from envcheck.core.model import CheckFailed

#: The share of the remaining time a TLS handshake may use, so that a caller still has time to
#: find out what the port speaks instead (a plain-text server waits silently for a line).
HANDSHAKE_SHARE = 0.5
#: The share of the remaining time one side probe (what else does the port speak, does a new
#: connection answer) may wait: a diagnosis asks several in turn, and a port that holds each one
#: silently (a plain-text server given TLS bytes waits for a line) must still leave the check
#: time to give its verdict before its own timeout; n probes in turn use at most 1 - 0.5**n of it.
PROBE_SHARE = 0.5


def probe_limit(deadline: float) -> float:
    """The monotonic time by which one side probe (see :data:`PROBE_SHARE`) gives up."""
    now = time.monotonic()
    return now + max(0.05, (deadline - now) * PROBE_SHARE)


def _left(limit: float) -> float:
    return max(0.05, limit - time.monotonic())


#: PostgreSQL's SSLRequest: a server answers it with one byte, ``S`` or ``N``
PG_SSL_REQUEST = b"\x00\x00\x00\x08\x04\xd2\x16\x2f"
_NO_SUCH_NAME = {getattr(socket, n, None) for n in ("EAI_NONAME", "EAI_NODATA")} - {None}
_RESOLVER_FAILED = {getattr(socket, n, None) for n in ("EAI_AGAIN", "EAI_FAIL")} - {None}


class Refused(CheckFailed):
    """Nothing listens at the address (the connection was refused)."""


class Unresolved(CheckFailed):
    """The host name has no address, or the resolver could not say."""


def blank_file(path: str) -> int | None:
    """The size of ``path`` when it is a regular file holding nothing but white space (0 bytes:
    what ``printf '%s' "$CA" > ca.pem`` leaves when the variable is unset, or a secret mounted
    without its key; a newline: ``echo "$CA" > ca.pem``), in which the PEM readers (libpq's,
    Python's ``cafile=``) find no certificate; None otherwise."""
    try:
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as handle:
            data = handle.read(4097)
    except OSError:
        return None
    return len(data) if len(data) <= 4096 and not data.strip() else None


def der_certificate(path: str) -> bool:
    """``path`` holds one certificate in DER form (an ASN.1 SEQUENCE that OpenSSL parses as
    ``cadata``), which the PEM readers (libpq's, Python's ``cafile=`` and ``load_cert_chain``)
    do not read."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(1 << 20)
        if not data.startswith(b"\x30"):
            return False
        ssl.create_default_context().load_verify_locations(cadata=data)
    except (OSError, ssl.SSLError, ValueError, TypeError):
        return False
    return True


def der_to_pem(path: str) -> tuple[list[str], str]:
    """The command that writes ``path``'s DER certificate as PEM, and the PEM file it writes."""
    stem, dot, suffix = path.rpartition(".")
    pem = f"{stem}.pem" if dot and "/" not in suffix and suffix.lower() != "pem" else f"{path}.pem"
    return ["openssl", "x509", "-inform", "der", "-in", path, "-out", pem], pem


def unresolved(host: str, exc: socket.gaierror, what: str) -> Unresolved:
    """A failed name lookup: "no such name" and "the resolver failed" are different problems."""
    if exc.errno in _RESOLVER_FAILED:
        return Unresolved(
            f"cannot resolve host {host!r}: the DNS resolver failed ({exc.strerror})",
            why="the name server did not answer, or answered with an error (SERVFAIL); this says "
            "nothing about whether the name exists",
            hint=f"check this machine's resolver (/etc/resolv.conf, VPN, network); retry "
            f"`getent hosts {host}`; if it keeps failing, use the {what} server's IP address",
        )
    if exc.errno in _NO_SUCH_NAME:
        return Unresolved(
            f"cannot resolve host {host!r}: no such name ({exc.strerror})",
            why="DNS answered that this name has no address: a typo, or a name only known inside "
            "a VPN or a docker network",
            hint=f"check the host in the {what} address; `getent hosts {host}` must print an "
            "address",
        )
    return Unresolved(
        f"cannot resolve host {host!r} ({exc.strerror})",
        why="the name lookup failed",
        hint=f"check the host in the {what} address; `getent hosts {host}` must print an address",
    )


def nothing_listens(exc: BaseException) -> bool:
    """Whether a :func:`probe` failure means that nothing listens at the address."""
    return isinstance(exc, Refused)


def looks_like(reply: bytes) -> str | None:
    """Which protocol a first answer is, from its bytes: ``PostgreSQL``, ``SSH``, ``TLS``,
    ``HTTP``, ``Redis`` or ``MySQL`` (``None``: none of them). The one place both the postgres
    and the redis components (and plugins) recognise what answered.

    - PostgreSQL answers its SSLRequest with exactly one byte, ``S`` or ``N``, and then waits for
      the client (or, to a startup packet, with a framed ErrorResponse ``E`` + length + fields);
      an SSH server's banner also starts with ``S``, so one byte alone decides;
    - SSH servers send their banner first: ``SSH-2.0-...`` (RFC 4253, 4.2);
    - a TLS server answers bytes that are no ClientHello with a TLS record: an alert (content
      type 21) or a handshake (22), followed by the record version ``3.x`` (RFC 8446, 5.1);
    - an HTTP server answers with a status line ``HTTP/1.x``, or (to an HTTP/0.9-style request)
      an HTML page;
    - Redis answers in RESP: a simple string ``+``, an error ``-`` (``-ERR``, ``-NOAUTH``,
      ``-DENIED``), a bulk string ``$``, an array ``*`` or an integer ``:``, each line ending in
      CRLF;
    - MySQL and MariaDB greet first with a handshake packet: a 3-byte little-endian length, the
      sequence number 0, protocol version 10, then the server's version, NUL-terminated
      (MySQL's client/server protocol, Protocol::Handshake);
    - memcached reads its text protocol line by line and answers a command name it does not
      know (every line of a RESP command, a ``PING``) with ``ERROR`` CRLF, one per line, and a
      malformed one with ``CLIENT_ERROR`` + text (doc/protocol.txt, "Error strings").
    """
    if reply in (b"S", b"N") or _pg_error(reply):
        return "PostgreSQL"
    if reply.startswith(b"SSH-"):
        return "SSH"
    if reply[:1] in (b"\x15", b"\x16") and reply[1:2] == b"\x03":
        return "TLS"
    if reply.startswith(b"HTTP/") or reply.lstrip()[:9].lower() in (b"<!doctype", b"<html>"):
        return "HTTP"  # a status line, or (to an HTTP/0.9-style request) an HTML page
    if reply[:1] in (b"+", b"-", b"$", b"*", b":") and reply.endswith(b"\r\n"):
        return "Redis"
    if len(reply) > 5 and reply[3] == 0 and reply[4] == 10 and int.from_bytes(reply[:3], "little"):
        return "MySQL"
    if _MEMCACHED_ERRORS.fullmatch(reply) or reply.startswith(b"CLIENT_ERROR "):
        return "memcached"
    return None


#: memcached's answer to lines that are no command of its own (the last one may be cut off by
#: the size of the read)
_MEMCACHED_ERRORS = re.compile(rb"(?:ERROR\r\n)+(?:E(?:R(?:R(?:O(?:R\r?)?)?)?)?)?")


def _pg_error(reply: bytes) -> bool:
    """An ErrorResponse frame: ``E``, a length, then fields such as ``SFATAL`` (severity)."""
    if len(reply) < 7 or reply[:1] != b"E":
        return False
    length = int.from_bytes(reply[1:5], "big")
    return 4 < length < 65536 and reply[5:6] in (b"S", b"V", b"C", b"M")


def not_the_protocol(
    exc: "ConversationFailed", host: str, port: int, what: str, deadline: float
) -> CheckFailed:
    """Name what answers instead of ``what``: a silent port is asked once more in plain text
    (``PING``), which HTTP servers reject at once and Redis answers; a port that hung up is
    asked for a TLS handshake (a TLS-only listener closes on plain bytes)."""
    reply = exc.reply
    if exc.kind == "silent":
        try:
            reply = _first_reply(host, port, b"PING\r\n", probe_limit(deadline))
        except OSError:
            return exc
    kind = looks_like(reply)
    if kind is None and exc.kind == "closed" and speaks_tls(host, port, deadline):
        kind = "TLS"
    if kind is None and exc.kind == "closed" and what != "PostgreSQL":
        # PostgreSQL reads any other client's first bytes as a startup packet's length and
        # closes without a word; it answers its own SSLRequest with one byte
        asked = reply_to(host, port, PG_SSL_REQUEST, deadline)
        if looks_like(asked) == "PostgreSQL":
            kind, reply = "PostgreSQL", asked
    if kind is None or kind == what:
        return exc
    if kind == "TLS":
        return CheckFailed(
            f"{host}:{port} is not {what}: it speaks TLS only (a TLS-only listener)",
            why=f"the port expects a TLS handshake first: a TLS proxy or terminator, or a "
            f"TLS-only service, not {what}'s plain protocol",
            hint=f"point the configuration at the {what} port, or use the client's TLS setting "
            "for this port"
            + (
                " (PostgreSQL behind a TLS terminator: sslmode=require and sslnegotiation=direct, "
                "libpq 17+)"
                if what == "PostgreSQL"
                else ""
            ),
        )
    shown = reply[:24].decode("ascii", "backslashreplace")
    if kind == "memcached":
        # memcached answers its own ``version`` command with VERSION and its version
        said = reply_to(host, port, b"version\r\n", deadline)
        if said.startswith(b"VERSION "):
            shown = said.strip()[:40].decode("ascii", "backslashreplace")
    return CheckFailed(
        f"{host}:{port} is not {what}: it answered like {kind} ({shown!r})",
        why=f"another service listens on this port: a {kind} server, not {what}",
        hint=f"point the configuration at the {what} port (or move the {kind} service)",
    )


def _hung_up(where: str, what: str, detail: str) -> "ConversationFailed":
    """The server closed the connection (or reset it) before answering: the same verdict
    whichever the kernel reported, which depends only on timing."""
    return ConversationFailed(
        "closed",
        f"{where} does not speak the {what} protocol: it closed the connection without "
        f"answering{detail}",
        why=f"whatever listens there is not {what} (or is {what} refusing all clients, e.g. "
        "overloaded)",
        hint=f"point the configuration at the {what} port; check that {where} really is {what}",
    )


class ConversationFailed(CheckFailed):
    """TCP connected, but the exchange did not happen the way the protocol says.

    ``kind`` is one of ``silent`` (no answer), ``closed`` (the server hung up or reset),
    ``foreign`` (an answer in another protocol), ``tls`` (the TLS handshake failed or did not
    finish) and ``untrusted`` (the server's certificate did not verify). A caller may refine the
    diagnosis, e.g. by asking whether the port speaks TLS or plain text instead.
    """

    def __init__(
        self,
        kind: str,
        summary: str,
        *,
        why: str,
        hint: str,
        detail: str = "",
        reply: bytes = b"",
        verify_code: int | None = None,
    ) -> None:
        super().__init__(summary, why=why, hint=hint)
        self.kind = kind
        self.detail = detail
        self.reply = reply
        #: ``untrusted``: OpenSSL's verify result (X509_V_ERR_*: 10 expired, 9 not yet valid...)
        self.verify_code = verify_code


def probe(
    host: str,
    port: int,
    *,
    timeout: float,
    what: str,
    start_hint: str,
    hello: bytes | None = None,
    understands: Callable[[bytes], bool] | None = None,
    budget: float | None = None,
    tls: ssl.SSLContext | None = None,
) -> float:
    """Open a TCP connection (and optionally say ``hello`` and read the first reply bytes).

    ``timeout`` is the configured timeout, the one messages name; ``budget`` (default:
    ``timeout``) is how long this call may take, e.g. the time the check has left. With ``tls``,
    a TLS handshake (bounded by :data:`HANDSHAKE_SHARE` of the time left) comes before ``hello``.

    Returns the connect latency in milliseconds. Raises :class:`CheckFailed` that says which of
    DNS failure, refused connection, silence or a foreign protocol it met, with the fix
    (:class:`ConversationFailed` once TCP connected).
    """
    opened = connect(
        host,
        port,
        timeout=timeout,
        what=what,
        start_hint=start_hint,
        hello=hello,
        understands=understands,
        budget=budget,
        tls=tls,
    )
    opened.sock.close()
    return opened.latency


@dataclass
class Opened:
    """A connection :func:`connect` made: the socket (TLS-wrapped with ``tls``), the connect
    latency in milliseconds, and the first reply bytes to ``hello``."""

    sock: socket.socket
    latency: float
    reply: bytes = b""


def connect(
    host: str,
    port: int,
    *,
    timeout: float,
    what: str,
    start_hint: str,
    hello: bytes | None = None,
    understands: Callable[[bytes], bool] | None = None,
    budget: float | None = None,
    tls: ssl.SSLContext | None = None,
) -> Opened:
    """Like :func:`probe`, but the connection stays open for the caller (who closes it)."""
    where = f"{host}:{port}"
    deadline = time.monotonic() + (timeout if budget is None else budget)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise unresolved(host, exc, what) from None
    last: OSError | None = None
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        started = time.monotonic()
        keep = False
        try:
            sock.connect(address)
            latency = (time.monotonic() - started) * 1000
            if tls is not None:
                sock = handshake(sock, tls, host, where, what, deadline)
            reply = b""
            if hello is not None:
                reply = _converse(sock, hello, understands, where, what, deadline)
            keep = True
            return Opened(sock, latency, reply)
        except ConnectionRefusedError as exc:
            last = exc
        except (socket.timeout, TimeoutError):
            raise CheckFailed(
                f"no answer from {where} within {timeout:g} s",
                why="packets are dropped: a firewall, a wrong host, or a server that is not "
                "reachable from here",
                hint=f"check the host and port of {what}, and that this machine may reach it",
            ) from None
        except OSError as exc:
            last = exc
        finally:
            if not keep:
                sock.close()
    if isinstance(last, ConnectionRefusedError):
        raise Refused(
            f"connection refused at {where}",
            why=f"nothing listens on port {port}: {what} is not running (or listens elsewhere)",
            hint=start_hint,
        )
    raise CheckFailed(
        f"cannot connect to {where}: {last}",
        why="the network refused the connection",
        hint=f"check the host and port of {what}",
    )


def handshake(
    sock: socket.socket,
    context: ssl.SSLContext,
    host: str,
    where: str,
    what: str,
    deadline: float,
) -> ssl.SSLSocket:
    """A TLS handshake on a connected socket, bounded by a share of the time left."""
    sock.settimeout(max(0.05, (deadline - time.monotonic()) * HANDSHAKE_SHARE))
    try:
        return context.wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        reason = str(exc.verify_message or exc.reason or exc)
        raise ConversationFailed(
            "untrusted",
            f"the TLS certificate of {where} is not trusted: {reason}",
            why="it is self-signed, signed by a CA this machine does not trust, or issued for "
            "another host name",
            hint=f"give the checks the CA certificate that signed {what}'s certificate",
            detail=reason,
            verify_code=exc.verify_code,
        ) from None
    except (socket.timeout, TimeoutError):
        raise ConversationFailed(
            "tls",
            f"{where} accepted the connection but did not complete a TLS handshake",
            why=f"{what} on this port does not speak TLS (a plain-text server waits silently), "
            "or it is hung",
            hint=f"check that TLS is enabled on {where}",
        ) from None
    except (ssl.SSLError, OSError) as exc:
        reason = str(getattr(exc, "reason", None) or exc.strerror or exc)
        raise ConversationFailed(
            "tls",
            f"TLS handshake with {where} failed: {reason}",
            why=f"{what} on this port does not speak TLS, or refuses this client's TLS settings",
            hint=f"check that TLS is enabled on {where}",
            detail=reason,
        ) from None


def _first_reply(host: str, port: int, hello: bytes, limit: float) -> bytes:
    """The first bytes a new connection to ``host:port`` answers to ``hello`` by ``limit``."""
    with socket.create_connection((host, port), timeout=_left(limit)) as sock:
        sock.settimeout(_left(limit))
        sock.sendall(hello)
        return sock.recv(64)


def reply_to(host: str, port: int, hello: bytes, deadline: float) -> bytes:
    """The first bytes ``host:port`` answers to ``hello`` (empty when it answers nothing or
    cannot be reached), waiting a share of the time to ``deadline`` (:data:`PROBE_SHARE`).
    Never raises."""
    try:
        return _first_reply(host, port, hello, probe_limit(deadline))
    except OSError:
        return b""


def answers(
    host: str, port: int, hello: bytes, understands: Callable[[bytes], bool], deadline: float
) -> bool:
    """Whether ``host:port`` answers ``hello`` in plain text in a way ``understands`` accepts,
    waiting a share of the time to ``deadline`` (:data:`PROBE_SHARE`). Never raises: any
    failure is ``False``."""
    try:
        return understands(_first_reply(host, port, hello, probe_limit(deadline)))
    except OSError:
        return False


#: this machine's loopback addresses, one per address family
LOOPBACKS = ("127.0.0.1", "::1")


def loopback_elsewhere(
    host: str, port: int, hello: bytes, what: str, deadline: float
) -> str | None:
    """A connection refused at a loopback address (or a name that resolves only to loopback
    ones): the loopback address of the other family on the same port when it answers ``hello``
    as ``what`` (:func:`looks_like`), i.e. the server listens on one address family only
    (PostgreSQL's listen_addresses, Redis's bind). ``None`` otherwise; never raises."""
    import ipaddress

    try:
        tried = {
            str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        }
        loopback = all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in tried)
    except (OSError, ValueError):
        return None
    if not tried or not loopback:
        return None
    for address in LOOPBACKS:
        if address in tried or time.monotonic() >= deadline:
            continue
        limit = min(deadline, time.monotonic() + 1.0)
        if answers(address, port, hello, lambda reply: looks_like(reply) == what, limit):
            return address
    return None


def speaks_tls(host: str, port: int, deadline: float) -> bool:
    """Whether ``host:port`` answers a TLS handshake (certificates are not looked at: this only
    tells what the port speaks; nothing is sent after the handshake), waiting a share of the
    time to ``deadline`` (:data:`PROBE_SHARE`). Never raises."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    limit = probe_limit(deadline)
    try:
        with socket.create_connection((host, port), timeout=_left(limit)) as raw:
            raw.settimeout(_left(limit))
            with context.wrap_socket(raw, server_hostname=host):
                return True
    except ssl.SSLError as exc:
        # a TLS alert (e.g. "certificate required") comes from a TLS server; "wrong version
        # number", "record layer failure" or EOF come from one that answered in plain text
        return "ALERT" in str(exc.reason or "").upper()
    except OSError:
        return False


def _converse(
    sock: socket.socket,
    hello: bytes,
    understands: Callable[[bytes], bool] | None,
    where: str,
    what: str,
    deadline: float,
) -> bytes:
    sock.settimeout(max(0.05, deadline - time.monotonic()))
    try:
        sock.sendall(hello)
        reply = sock.recv(64)
    except (socket.timeout, TimeoutError):
        raise ConversationFailed(
            "silent",
            f"{where} accepted the connection but did not answer",
            why=f"whatever listens there is hung or is not {what}",
            hint=f"check that {where} really is {what}; restart it if it is",
        ) from None
    except OSError as exc:
        raise _hung_up(where, what, f" ({exc.strerror or exc})") from None
    if not reply and understands is not None:
        raise _hung_up(where, what, "")
    if understands is not None and not understands(reply):
        shown = reply[:24].decode("ascii", "backslashreplace") or "(nothing)"
        raise ConversationFailed(
            "closed" if not reply else "foreign",
            f"{where} does not speak the {what} protocol (it answered {shown!r})",
            why="another service listens on this port",
            hint=f"point the configuration at the {what} port",
            reply=reply,
        )
    return reply
