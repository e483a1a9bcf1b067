"""Redis failures explained from the class of the error reply (its first word), the request it
answered, and structured replies the server gives on the same connection (``INFO``, ``CONFIG GET``,
``COMMAND INFO``, ``CLUSTER INFO``, ``SENTINEL MASTERS``); never from the reply's other words.
Every failure carries a structured fix (:class:`~envcheck.kit.Fix`): Redis commands aimed at the
configured instance (``needs={"admin"}`` when they take an administrator), edits of the project's
file, and manual steps that say whom to ask. The table of every verdict is docs/verdicts/redis.md.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from envcheck.checks.redis.resp import (
    ConnectionLost,
    ProtocolViolation,
    ReplyError,
    Resp,
    info,
)
from envcheck.checks.redis.target import Target
from envcheck.checks.shared import tls as _tls
from envcheck.core import redact
from envcheck.core.fix import Command, Edit, Fix, Manual, RedisCommand, Step
from envcheck.core.model import CheckFailed
from envcheck.kit import _net

KEY_PREFIX = "envcheck:probe:"
#: how a fix names the administrator a Redis command needs (redis-cli asks for the password)
ADMIN = "ADMIN"
#: an ACL selector that grants exactly what the round-trip probe does, whatever the user's root
#: permissions are (Redis 7: a command passes when the root or any selector allows it)
PROBE_SELECTOR = f"(~{KEY_PREFIX}* +set +get +del)"
#: requests whose arguments name a key (a NOPERM on them may be about the key, not the command)
KEYED = {"SET", "GET", "DEL"}
ASK_ADMIN = "the Redis administrator"
START_REDIS = [
    "start Redis: sudo systemctl start redis-server  (without systemd: redis-server --daemonize "
    "yes; in Docker: docker start <container>)"
]


def is_resp(reply: bytes) -> bool:
    return reply[:1] in (b"+", b"-")


def resp_type(reply: bytes) -> bool:
    """The reply begins with a type byte of RESP2 or RESP3: it speaks a RESP, whatever it
    then breaks."""
    return len(reply) > 0 and reply[:1] in b"+-:$*_,#!=(%~>|"


def protocol_broken(t: Target, exc: ProtocolViolation) -> CheckFailed:
    """A reply whose bytes broke RESP (or whose type its command never answers with): the
    command, how, the bytes; no cause is known beyond the layer."""
    return CheckFailed(
        f"{t.address} broke the Redis protocol answering {exc.command}: {exc.what}",
        why=f"the protocol layer failed: the reply began {exc.shown!r}, which is not what Redis "
        f"sends to {exc.command} on a RESP2 connection; something between (a proxy, another "
        "program on the port), a fault of the server, or replies out of step (an extra reply "
        "ahead of this one); envcheck's connection is dropped",
        fix=manual(
            f"look at what listens on {t.address} (a proxy in front of Redis or another "
            "program: ss -ltnp on its host) and at its log and the server's; compare with the "
            f"server's own address: {t.cli('PING')}",
            ask="the Redis administrator",
        ),
    )


def admin_step(t: Target, *args: str, as_admin: bool = True) -> RedisCommand:
    """A Redis command an administrator runs on ``t``'s server (shown as ``redis-cli ... --user
    ADMIN --askpass`` when the configured user cannot be the one)."""
    return RedisCommand(
        tuple(args),
        instance=t.instance,
        needs=frozenset({"admin"}),
        shown=t.cli(*args, user=ADMIN if as_admin else None),
    )


def fix(text: str, *steps: Step) -> Fix:
    return Fix(tuple(steps), text=text)


def manual(text: str, ask: str | None = None) -> Fix:
    return Fix((Manual(text, ask=ask),), text=text)


def url_without(t: Target, *names: str) -> str:
    """The instance's URL without the query options ``names`` (the others kept; the password
    as the placeholder PASSWORD)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit

    kept = [(k, v) for k, v in parse_qsl(urlsplit(t.url).query) if k not in names]
    query = urlencode(kept, safe="/:")
    return t.url_with(t.host, t.port) + (f"?{query}" if query else "")


def url_step(t: Target, url: str) -> Step:
    """Set the instance's URL to ``url``: an edit of the project file when the URL is written
    there literally and ``url`` needs no password, else what to set, by hand."""
    if t.config_file and ":PASSWORD@" not in url:
        return Edit(t.config_file, "toml", t.source, url)
    return Manual(f"set {t.source} to {url}", ask=f"whoever sets {t.source}")


def _info(conn: Resp | None, section: str, deadline: float) -> dict[str, str]:
    if conn is None:
        return {}
    try:
        return info(conn, section, max(deadline, time.monotonic() + 0.5))
    except (ReplyError, ConnectionLost):
        return {}


def _said(exc: ReplyError) -> str:
    return redact.clean(exc.text, 300)


# -- the first reply: what a server answers before it reads any command ------------------------


def refused(t: Target, exc: ReplyError, conn: Resp | None = None) -> CheckFailed:
    """An error reply to the very first PING, by its words (Redis's own fixed replies):
    ``max number of clients reached`` is sent on accept, before any command is read."""
    if exc.kind == "ERR" and UNKNOWN_COMMAND in exc.text.lower():
        return renamed(t, exc)
    if exc.kind == "ERR" and exc.text.partition(" ")[2] in _OS_ERRORS:
        return proxy_unreached(t, exc)
    if exc.kind == "ERR" and "max number of clients" not in exc.text.lower():
        return fallback(t, exc)
    if exc.kind == "ERR":
        return CheckFailed(
            f"{t.address} refuses new clients: it answered PING with {exc.text!r}",
            why="Redis answers a new connection with an ERR and closes it when maxclients is "
            "reached (it keeps no slot for administrators); maxclients can only be raised as far "
            "as the open-files limit of the Redis process allows (that limit minus 32)",
            fix=fix(
                "find who holds the connections once one is free: "
                f"{t.cli('CLIENT', 'LIST')}; close idle ones "
                f"({t.cli('CONFIG', 'SET', 'timeout', '300')} drops clients idle for "
                "5 minutes); or raise maxclients in redis.conf together with the open-files limit "
                "of the Redis service (LimitNOFILE= in its systemd unit, ulimit -n, docker "
                "--ulimit nofile=...), then restart it: CONFIG SET maxclients above that limit is "
                "refused",
                Manual(
                    "find who holds the connections once one is free (CLIENT LIST) and close "
                    "idle ones (CONFIG SET timeout 300)",
                    ask=ASK_ADMIN,
                ),
                Manual(
                    "raise maxclients in redis.conf and the open-files limit of the Redis "
                    "service together, then restart it",
                    ask=ASK_ADMIN,
                ),
            ),
        )
    if exc.kind == "DENIED":
        return denied(t, exc)
    return explain(t, exc, conn)


def denied(t: Target, exc: ReplyError) -> CheckFailed:
    port = t.port
    return CheckFailed(
        f"{t.address} is in protected mode and turns away clients that are not on its own host "
        "(DENIED)",
        why="protected mode (protected-mode yes, the default) accepts only loopback clients "
        "while the default user has no password; this client connects from another address",
        fix=fix(
            "on the Redis host, as its administrator: give the default user a password "
            f"(redis-cli -p {port} CONFIG SET requirepass PASSWORD, and requirepass in "
            f"redis.conf) and put it in {t.source}; or, on a network you trust, "
            f"redis-cli -p {port} CONFIG SET protected-mode no (and protected-mode no in "
            "redis.conf)",
            Manual(
                f"on the Redis host: redis-cli -p {port} CONFIG SET requirepass PASSWORD (and "
                f"requirepass in redis.conf), then put the password in {t.source}",
                ask=ASK_ADMIN,
            ),
        ),
    )


# -- transport: what the network layer found, with a structured fix --------------------------


def refine(exc: _net.ConversationFailed, t: Target, deadline: float) -> CheckFailed:
    """Name a TLS / plain-text mismatch, a certificate for another name, or a foreign protocol
    instead of a handshake failure or a silence."""
    tls_to_plain = t.tls and exc.kind != "untrusted"
    if tls_to_plain and _net.answers(t.host, t.port, b"PING\r\n", is_resp, deadline):
        return CheckFailed(
            f"TLS to a port that speaks plain Redis: {t.address} answers PING without TLS",
            why=f"{t.source} is a rediss:// (TLS) URL, but the server has TLS off on port "
            f"{t.port}",
            fix=fix(
                f"use redis:// instead of rediss:// in {t.source}, or enable TLS on the "
                "server (tls-port, tls-cert-file, tls-key-file in redis.conf) and point "
                "rediss:// at its tls-port",
                url_step(t, t.url_with(t.host, t.port).replace("rediss://", "redis://", 1)),
            ),
        )
    plain_to_tls = not t.tls and exc.kind in ("closed", "foreign")
    if plain_to_tls and _net.speaks_tls(t.host, t.port, deadline):
        return CheckFailed(
            f"plain Redis to a port that speaks TLS: {t.address} expects a TLS handshake",
            why=f"{t.source} is a redis:// (plain) URL, but the server accepts only TLS on port "
            f"{t.port}",
            fix=fix(
                f"use rediss:// instead of redis:// in {t.source} (and set {t.section}.ca_file "
                "if the server's certificate is self-signed or from a private CA), or use the "
                "server's plain port",
                url_step(t, t.url_with(t.host, t.port).replace("redis://", "rediss://", 1)),
            ),
        )
    if exc.kind == "untrusted":
        return untrusted(exc, t, deadline)
    if t.tls and exc.kind in ("tls", "closed"):
        dated = client_certificate_dated(t, exc, deadline)
        if dated is not None:
            return dated
    if t.tls and exc.kind == "tls":
        settings = tls_settings_refused(exc, t, deadline)
        if settings is not None:
            return settings
        alerted = client_certificate_alert(t, exc, deadline)
        if alerted is not None:
            return alerted
        if client_certificate_required(t, deadline):
            return certificate_required(t)
        alert = _tls.received_alert(exc.detail)
        if alert is not None:
            return CheckFailed(
                f"{t.address} ended the TLS handshake with its alert {alert} ({exc.detail})",
                why=_tls.ALERT_WHY,
                fix=fix(
                    f"look at the Redis server's (or the TLS proxy's) log for the TLS alert "
                    f"{alert}",
                    Manual(
                        f"look at the Redis server's (or the TLS proxy's) log for the TLS alert "
                        f"{alert}",
                        ask=ASK_ADMIN,
                    ),
                ),
            )
        return CheckFailed(
            f"{t.address} ended the TLS handshake: {exc.detail or exc.summary}",
            why="a Redis TLS port closes a new connection without a word when maxclients is "
            "reached (over TLS it sends no error), or when it refuses this client's TLS settings "
            "(a client certificate, tls-auth-clients yes; a TLS version); the port does not "
            "answer plain Redis either",
            fix=fix(
                f"look at the server's log; {t.cli('INFO', 'clients')} from the server's host "
                "shows connected_clients and maxclients",
                Manual(
                    "look at the Redis server's log for why it closed the connection",
                    ask=ASK_ADMIN,
                ),
            ),
        )
    if exc.kind == "foreign":
        found = _net.not_the_protocol(exc, t.host, t.port, "Redis", deadline)
        return with_fix(found, f"point {t.source} at the Redis port")
    if exc.kind in ("silent", "closed") and not t.tls and t.port > 10000:
        bus = cluster_bus_of(t, deadline)
        if bus is not None:
            return bus
    if t.tls and exc.kind == "closed":
        refused = client_certificate_refused(t, deadline)
        if refused is not None:
            return refused
        alerted = client_certificate_alert(t, exc, deadline)
        if alerted is not None:
            return alerted
    if t.tls and exc.kind in ("tls", "closed") and client_certificate_required(t, deadline):
        return certificate_required(t)
    if exc.kind == "closed" and not t.tls:
        found = _net.not_the_protocol(exc, t.host, t.port, "Redis", deadline)
        if found is not exc:
            return with_fix(found, f"point {t.source} at the Redis port")
    if exc.kind == "silent":
        return CheckFailed(
            f"{t.address} accepted the connection but did not answer PING",
            why="a Redis that loads a large dataset answers only between chunks of the file, one "
            "that runs a long command (or is paused or stopped) answers nothing, and a port of "
            "another program may wait silently: which of these it is cannot be told without an "
            "answer",
            fix=fix(
                "look at the server's log (loading: 'Loading RDB' ... 'DB loaded from disk') and, "
                f"once it answers, {t.cli('INFO', 'persistence')} (loading:1, "
                f"loading_eta_seconds); raise {t.section}.timeout if it is loading; a CLIENT "
                "PAUSE ... ALL ends by itself when its time is up (until then nothing is "
                f"answered, CLIENT UNPAUSE included); check that {t.address} is Redis",
                Manual(
                    "look at the Redis server's log: loading a dataset, a long command, or another "
                    "program on this port",
                    ask=ASK_ADMIN,
                ),
            ),
        )
    if t.tls and exc.kind == "closed" and closes_after_handshake(t, deadline):
        return CheckFailed(
            f"{t.address} completed the TLS handshake, then closed the connection without "
            "answering PING",
            why="the TLS layer held (the handshake with this client's settings completed, and "
            "no alert came), and whatever terminates TLS on this port then closed the "
            "connection without a word: a TLS proxy (stunnel, HAProxy, a cloud endpoint) whose "
            "Redis behind it is down or refuses it; Redis's own tls-port turns clients away "
            "before the handshake, not after",
            fix=fix(
                f"look at the log of what terminates TLS on {t.address} and at the state of the "
                "Redis it forwards to; from a host that reaches that Redis: redis-cli -h HOST "
                "-p PORT PING",
                Manual(
                    f"look at the log of the TLS proxy on {t.address} and at the Redis behind it",
                    ask=ASK_ADMIN,
                ),
            ),
        )
    return with_fix(exc, f"check that {t.address} really is Redis")


@dataclass(frozen=True)
class Talk:
    """envcheck's own TLS conversation with the server, with this client's settings (its
    certificate included): the handshake, a read before anything is sent (TLS 1.3 judges a
    client certificate after the client's Finished: the alert comes then, and a command sent at
    once can meet the close first), then PING."""

    #: OpenSSL's reason for the alert the server ended the conversation with (None: no alert)
    alert: str | None
    #: the handshake completed
    completed: bool
    #: after the handshake the server closed the connection without an alert, before
    #: answering PING
    closed: bool


def tls_talk(t: Target, deadline: float) -> Talk:
    """The :class:`Talk` with ``t``, held once per diagnosis (by its ``deadline``): the TLS
    verdicts read one conversation, not one each."""
    held = t.talks.get(deadline)
    if isinstance(held, Talk):
        return held
    talk = _talk(t, deadline)
    t.talks[deadline] = talk
    return talk


def _talk(t: Target, deadline: float) -> Talk:
    from envcheck.checks.redis.target import ssl_context

    completed = False
    try:
        context = ssl_context(t)
        with socket.create_connection((t.host, t.port), timeout=_left(deadline)) as raw:
            with context.wrap_socket(raw, server_hostname=t.host) as sock:
                completed = True
                sock.settimeout(min(1.0, _left(deadline)))
                try:
                    first: bytes | None = sock.recv(1)
                except TimeoutError:  # it waits for a command, as Redis does
                    first = None
                if first is None:
                    sock.sendall(b"PING\r\n")
                    first = sock.recv(64)
                return Talk(None, True, first == b"")
    except ssl.SSLError as exc:
        return Talk(str(exc.reason or "") or None, completed, False)
    except (OSError, CheckFailed):
        return Talk(None, completed, False)


def closes_after_handshake(t: Target, deadline: float) -> bool:
    """Whether a TLS handshake with this client's settings completes and the server then closes
    the connection, without an alert, before answering PING."""
    talk = tls_talk(t, deadline)
    return talk.completed and talk.closed and talk.alert is None


def cluster_bus_of(t: Target, deadline: float) -> CheckFailed | None:
    """The port is a Redis Cluster node's bus port (its port + 10000), which speaks the cluster's
    binary protocol to other nodes and never answers a client: the node's own port says so."""
    node = t.port - 10000
    try:
        with socket.create_connection((t.host, node), timeout=_left(deadline)) as sock:
            sock.settimeout(_left(deadline))
            sock.sendall(b"INFO cluster\r\n")
            reply = sock.recv(512)
    except OSError:
        return None
    if b"cluster_enabled:1" not in reply and not reply.startswith(b"-NOAUTH"):
        return None
    return CheckFailed(
        f"{t.address} is the cluster bus port of the Redis Cluster node at {t.host}:{node}, "
        "not a port for clients",
        why="a cluster node talks to the other nodes on its port + 10000 in the cluster's own "
        "binary protocol and never answers a client's PING there",
        fix=fix(
            f"use port {node} in {t.source}",
            url_step(t, t.url_with(t.host, node)),
        ),
    )


#: OpenSSL's reason for the alert certificate_required (116), TLS 1.3's word for a client
#: certificate the server requires and was not sent
CERTIFICATE_REQUIRED = "TLSV13_ALERT_CERTIFICATE_REQUIRED"


def client_certificate_required(t: Target, deadline: float) -> bool:
    """Whether the TLS server requires a client certificate this client does not send: a
    handshake with this client's settings, then a read (TLS 1.3 sends the alert
    certificate_required after the client's Finished, so only a read sees it); under TLS 1.2
    the server ends with handshake_failure, which is the missing certificate when its flight
    (in the clear) agreed on a cipher and asked for a certificate (a CertificateRequest)."""
    alert = tls_talk(t, deadline).alert
    if alert == CERTIFICATE_REQUIRED:
        return True
    if alert != _tls.HANDSHAKE_FAILURE or _certfile(t):
        return False

    def opened() -> socket.socket:
        return socket.create_connection((t.host, t.port), timeout=_left(deadline))

    flight = _tls.server_flight(opened, t.host)
    return (
        flight is not None
        and flight.agreed
        and flight.asks_certificate
        and flight.alert == _tls.HANDSHAKE_FAILURE_ALERT
    )


def handshake_alert(t: Target, deadline: float) -> str | None:
    """OpenSSL's reason for the alert with which the server ends a TLS conversation that uses
    this client's settings (:class:`Talk`); ``None`` for no alert."""
    return tls_talk(t, deadline).alert


def client_certificate_alert(
    t: Target, exc: _net.ConversationFailed, deadline: float
) -> CheckFailed | None:
    """The server ended the conversation with an alert about the certificate of
    ``ssl_certfile`` (:data:`_tls.CLIENT_CERT_ALERTS`): read from the failure itself, or (a close
    after the handshake) from a conversation of its own that reads before sending."""
    certfile = _certfile(t)
    if not certfile:
        return None
    reason = exc.detail if exc.detail in _tls.CLIENT_CERT_ALERTS else handshake_alert(t, deadline)
    if reason not in _tls.CLIENT_CERT_ALERTS:
        return None
    own = _tls.file_certificate(certfile)
    level = None
    if reason == _tls.BAD_CERTIFICATE:  # told by the security level the certificate meets
        level = _tls.certificate_level(certfile, _keyfile(t) or None)
    alert, meaning = _tls.client_alert(reason, own, level)
    subject = f" ({own.subject})" if own is not None else ""
    trust = reason == _tls.UNKNOWN_CA
    wanted = _tls.wanted_certificate(reason, "tls-ca-cert-file")
    text = f"point ssl_certfile= and ssl_keyfile= in {t.source} at {wanted}" + (
        ", or have the Redis administrator add its issuer to tls-ca-cert-file" if trust else ""
    )
    return CheckFailed(
        f"{t.address} refuses the client certificate {certfile}{subject}: its TLS alert "
        f"{alert} ({reason})",
        why="with tls-auth-clients yes or optional Redis verifies the client certificate it is "
        f"sent, and ends the handshake with the alert its verification failure maps to: {meaning}",
        fix=fix(
            text,
            Manual(
                f"issue this client {wanted}"
                + (f", or add its issuer ({own.issuer if own else '?'}) there" if trust else ""),
                ask=ASK_ADMIN,
            ),
        ),
    )


def certificate_required(t: Target) -> CheckFailed:
    return CheckFailed(
        f"{t.address} requires a client certificate (tls-auth-clients), and this client "
        "sends none",
        why="the server asks for a client certificate in the TLS handshake (its "
        "CertificateRequest) and ends the handshake without one (TLS 1.3: the alert certificate "
        "required; TLS 1.2: handshake failure)",
        fix=fix(
            f"add ssl_certfile=/path/client.crt&ssl_keyfile=/path/client.key to {t.source} "
            "(redis-py uses them for the TLS connection), with a certificate signed by the CA "
            "the server trusts (tls-ca-cert-file)",
            Manual(
                "get a client certificate signed by the CA in the server's tls-ca-cert-file "
                f"and add ssl_certfile= and ssl_keyfile= to {t.source}",
                ask=ASK_ADMIN,
            ),
        ),
    )


#: OpenSSL's reasons for TLS versions that do not meet: the server's protocol_version alert
#: (70), and the client's own refusal of the version the server chose
_PROTOCOL_VERSION = frozenset(
    {"TLSV1_ALERT_PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL", "WRONG_SSL_VERSION"}
)


def tls_settings_refused(
    exc: _net.ConversationFailed, t: Target, deadline: float
) -> CheckFailed | None:
    """The handshake met a TLS version or cipher refusal (OpenSSL's reason): the URL's
    ``ssl_min_version`` above the server's ``tls-protocols`` (a handshake without it gets
    through), or a server whose ``tls-ciphers`` leave no usable suite (no handshake does)."""
    from envcheck.checks.redis.target import min_version

    least = min_version(t)

    def opened() -> socket.socket:
        return socket.create_connection((t.host, t.port), timeout=_left(deadline))

    if exc.detail in _PROTOCOL_VERSION and least is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:
            with opened() as raw, context.wrap_socket(raw, server_hostname=t.host) as tls:
                spoken = tls.version() or "another version"
        except (OSError, ssl.SSLError):
            return None
        version = least.name.replace("_", ".")
        text = (
            f"drop ssl_min_version={int(least)} from {t.source} (the server speaks {spoken}), "
            "or have the server allow it (tls-protocols in redis.conf)"
        )
        return CheckFailed(
            f"{t.address} does not speak {version} or later, which ssl_min_version="
            f"{int(least)} in {t.source} asks for: the TLS handshake ended with {exc.detail}",
            why=f"redis-py makes ssl_min_version its TLS context's minimum_version; a handshake "
            f"without that bound gets through with {spoken}, so the server's tls-protocols "
            "leave out the TLS versions the URL allows",
            fix=fix(
                text,
                url_step(t, url_without(t, "ssl_min_version")),
                Manual(
                    f"or add {version} to tls-protocols in redis.conf (CONFIG "
                    "SET tls-protocols)",
                    ask=ASK_ADMIN,
                ),
            ),
        )
    if exc.detail == _tls.HANDSHAKE_FAILURE and _tls.any_cipher_agrees(opened, t.host) is False:
        text = (
            "set tls-ciphers (TLS 1.2) in redis.conf to suites for the certificate's key (or "
            "drop it for OpenSSL's default), or allow TLS 1.3 in tls-protocols; CONFIG SET "
            "tls-ciphers applies it"
        )
        return CheckFailed(
            f"{t.address} agrees on no cipher suite: it ends every TLS handshake with the alert "
            f"handshake failure ({exc.detail})",
            why="a handshake offering every cipher suite and group OpenSSL has (TLS 1.0 to 1.3, "
            "security level 0) is refused the same way, so no client gets in: the server's "
            "tls-ciphers / tls-ciphersuites leave no suite that fits its certificate's key (an "
            "EC key needs ECDSA suites, an RSA key RSA ones) within tls-protocols",
            fix=fix(text, Manual(text, ask=ASK_ADMIN)),
        )
    return None


def _answers_without_certificate(t: Target, deadline: float) -> bool:
    """Whether the server answers PING on a TLS connection that sends no client certificate
    (this client's other TLS settings kept): tls-auth-clients optional (or no)."""
    from envcheck.checks.redis.target import ssl_context

    try:
        context = ssl_context(t)
    except CheckFailed:
        return False
    plain = ssl.create_default_context()
    plain.check_hostname, plain.verify_mode = context.check_hostname, context.verify_mode
    ca = t.tls_options.ca_file
    try:
        if ca:
            plain.load_verify_locations(cafile=ca)
        with socket.create_connection((t.host, t.port), timeout=_left(deadline)) as raw:
            with plain.wrap_socket(raw, server_hostname=t.host) as tls:
                tls.settimeout(_left(deadline))
                tls.sendall(b"PING\r\n")
                return is_resp(tls.recv(64))
    except (OSError, ssl.SSLError):
        return False


def _certfile(t: Target) -> str:
    return _query(t, "ssl_certfile")


def _keyfile(t: Target) -> str:
    return _query(t, "ssl_keyfile")


def _query(t: Target, name: str) -> str:
    """The URL's last ``name=`` query value, as redis-py's ``parse_url`` reads it."""
    from urllib.parse import parse_qs, urlsplit

    return (parse_qs(urlsplit(t.url).query).get(name) or [""])[-1]


#: OpenSSL's reason for the server's alert certificate_expired (45), which its verification
#: of a client certificate sends for notAfter past and for notBefore to come
CERTIFICATE_EXPIRED = "SSLV3_ALERT_CERTIFICATE_EXPIRED"


def client_certificate_dated(
    t: Target, exc: _net.ConversationFailed, deadline: float
) -> CheckFailed | None:
    """The client certificate of ``ssl_certfile`` is past its notAfter (or before its notBefore),
    from its own dates, and the server refuses it: its alert certificate_expired, or (TLS 1.3
    sends that alert after the handshake, often seen as a close) a close while the server
    answers PING on a connection without the certificate (tls-auth-clients optional) or asks
    for a certificate (yes)."""
    certfile = _certfile(t)
    if not certfile:
        return None
    own = _tls.file_certificate(certfile)
    stale = _tls.outside_dates(own)
    if own is None or stale is None:
        return None
    optional = False
    if exc.detail != CERTIFICATE_EXPIRED:
        optional = _answers_without_certificate(t, deadline)
        if not optional and not client_certificate_required(t, deadline):
            return None
    when = _tls.dates(own)
    drop = (
        " (or drop ssl_certfile= and ssl_keyfile=: the server does not require one, "
        "tls-auth-clients optional)"
        if optional
        else ""
    )
    text = (
        f"issue this client a new certificate from the CA that signed this one ({own.issuer}) "
        f"and point ssl_certfile= and ssl_keyfile= in {t.source} at it{drop}"
    )
    steps: list[Step] = [Manual(text, ask="whoever issues the client's certificates")]
    if optional:
        steps.append(url_step(t, url_without(t, "ssl_certfile", "ssl_keyfile")))
    return CheckFailed(
        f"{t.address} refuses the client certificate {certfile} ({own.subject}): it has "
        f"{stale if stale == 'expired' else 'is not valid yet'} ({when})",
        why="with tls-auth-clients yes or optional Redis verifies a client certificate it is "
        "sent, and a certificate outside its dates fails (the alert certificate_expired, which "
        "TLS 1.3 sends after the handshake, so the client may see only a close)"
        + ("; the server answers PING on a connection without it" if optional else ""),
        fix=fix(text, *steps),
    )


def client_certificate_refused(t: Target, deadline: float) -> CheckFailed | None:
    """The server closed the connection after a handshake in which this client sent the
    certificate of ``ssl_certfile``, and answers PING on a TLS connection without it
    (tls-auth-clients optional): it refuses that certificate (tls-ca-cert-file does not
    verify it; TLS 1.3 sends that alert after the handshake, as a close)."""
    certfile = _certfile(t)
    if not certfile or not _answers_without_certificate(t, deadline):
        return None
    subject = _certificate_subject(certfile)
    shown = f" ({subject})" if subject else ""
    text = (
        f"point ssl_certfile= and ssl_keyfile= in {t.source} at a certificate signed by the CA "
        "of the server's tls-ca-cert-file, or drop them (the server does not require one: "
        "tls-auth-clients optional)"
    )
    return CheckFailed(
        f"{t.address} refuses the client certificate {certfile}{shown}: it closes the "
        "connection once the certificate is sent, and answers PING without it",
        why="with tls-auth-clients yes or optional Redis verifies a client certificate it is "
        "sent against tls-ca-cert-file and drops the connection when it does not verify (over "
        "TLS 1.3 the alert, unknown ca, comes after the handshake, so the client sees a close)",
        fix=fix(
            text,
            url_step(t, url_without(t, "ssl_certfile", "ssl_keyfile")),
            Manual(
                "or add the CA that signed this client's certificate to tls-ca-cert-file (or issue "
                "the client a certificate from the CA there)",
                ask=ASK_ADMIN,
            ),
        ),
    )


def _certificate_subject(path: str) -> str | None:
    try:
        import _ssl  # the decoder behind SSLSocket.getpeercert(), for a file

        decoded: Any = _ssl._test_decode_cert(path)  # type: ignore[attr-defined]
    except (OSError, ssl.SSLError, AttributeError):
        return None
    return _tls.distinguished_name(decoded.get("subject")) or None


def _left(deadline: float) -> float:
    return max(0.2, min(3.0, deadline - time.monotonic()))


#: OpenSSL's X509_V_ERR_INVALID_PURPOSE: "unsuitable certificate purpose"
_INVALID_PURPOSE = 26


def untrusted(exc: _net.ConversationFailed, t: Target, deadline: float) -> CheckFailed:
    """The certificate did not verify: find out (by a second handshake without the name check)
    whether it is signed by a trusted CA for another name, or not trusted at all."""
    sent = _sent(t, deadline)
    if exc.verify_code in _OUT_OF_TIME:
        return out_of_time(t, exc.detail, exc.verify_code, sent)
    ca = t.tls_options.ca_file
    trust = f"{t.tls_options.ca_origin} ({ca})" if ca else "this machine's CA store"
    found = _tls.refusal(exc.verify_code, exc.detail, sent, trust)
    if found is not None and found.side == "server":
        purpose = (
            " with extendedKeyUsage serverAuth (or none: OpenSSL's verify result 26 is a "
            "purpose the certificate leaves out; check: openssl x509 -in FILE -noout -ext "
            "extendedKeyUsage)"
            if exc.verify_code == _INVALID_PURPOSE
            else ""
        )
        text = (
            "the server's administrator issues the server's certificate again (or the CA of "
            f"its chain){purpose} so that the chain verifies, and puts it with its chain in "
            "tls-cert-file "
            "(redis.conf; CONFIG SET tls-cert-file or a restart); turning verification off only "
            f"hides it (check: openssl s_client -connect {t.host}:{t.port} -CAfile FILE "
            "-verify_return_error)"
        )
        return CheckFailed(
            f"the TLS certificate of {t.address} {found.what}",
            why=found.why,
            fix=fix(text, Manual(text, ask=ASK_ADMIN)),
        )
    if found is not None and found.side == "trust":
        own = sent[-1].subject if sent else "the server's CA"
        where = t.tls_options.ca_origin if ca else f"{t.section}.ca_file"
        text = (
            f"set {where} to the PEM file of {own} if it is the server's own CA, or have the "
            "server's certificate (tls-cert-file) issued by a CA that file "
            f"holds (check: openssl s_client -connect {t.host}:{t.port} -CAfile FILE "
            "-verify_return_error)"
        )
        return CheckFailed(
            f"the TLS certificate of {t.address} {found.what}",
            why=found.why,
            fix=fix(text, Manual(text, ask=f"{ASK_ADMIN} (for the CA certificate)")),
        )
    names = _certificate_names(t, deadline)
    if names is not None:
        shown = ", ".join(names) or "no DNS name or IP address"
        first = next((n for n in names if "*" not in n), None)
        steps: list[Step] = []
        if first:
            steps.append(url_step(t, t.url_with(first, t.port)))
        steps.append(
            Manual(
                f"or have the certificate reissued with {t.host} among its names",
                ask=ASK_ADMIN,
            )
        )
        return CheckFailed(
            f"the TLS certificate of {t.address} is trusted but issued for other names: {shown}",
            why=f"{t.source} connects by {t.host!r}, which is not among the certificate's names "
            "(subjectAltName); verification checks the name as well as the signature",
            fix=fix(
                f"connect by a name the certificate holds ({shown}) in {t.source}, or have the "
                f"certificate reissued with {t.host} among its names",
                *steps,
            ),
        )
    cut = chain_cut_short(exc, t, deadline, sent)
    if cut is not None:
        return cut
    text = (
        f"{t.tls_options.ca_origin} ({ca}) does not hold the CA that signed the server's "
        f"certificate: set {t.section}.ca_file to the PEM file of that CA"
        if ca
        else f"set {t.section}.ca_file to the PEM file of the CA that signed the server's "
        "certificate"
    )
    text += (
        f" (check: openssl s_client -connect {t.host}:{t.port} -CAfile FILE "
        "-verify_return_error)"
    )
    return CheckFailed(
        f"{exc.summary} ({_tls.verify_words(exc.verify_code, exc.detail)})",
        why=f"OpenSSL refused the server's chain against {trust}; "
        + (_tls.chain_words(sent) or "the chain the server sends could not be read"),
        fix=fix(text, Manual(text, ask=f"{ASK_ADMIN} (for the CA certificate)")),
    )


def _sent(t: Target, deadline: float) -> tuple[_tls.Certificate, ...] | None:
    """The certificates the server sends (none verified)."""
    try:
        with socket.create_connection((t.host, t.port), timeout=_left(deadline)) as raw:
            return _tls.sent_chain(raw, t.host)
    except OSError:
        return None


def chain_cut_short(
    exc: _net.ConversationFailed,
    t: Target,
    deadline: float,
    sent: tuple[_tls.Certificate, ...] | None = None,
) -> CheckFailed | None:
    """OpenSSL found no trusted issuer above what the server sent (verify result 2 or 20) while
    a CA file is set: the chain the server sends and the CAs of the file tell a server that
    sends its certificate without its intermediate (tls-cert-file without the chain) from a CA
    file that holds another CA, and name the missing issuer."""
    ca = t.tls_options.ca_file
    if exc.verify_code not in _tls.ISSUER_UNKNOWN or not ca:
        return None
    sent = sent if sent is not None else _sent(t, deadline)
    missing = _tls.gap(sent, _tls.ca_subjects(ca))
    if missing is None:
        return None
    held = missing.described(f"{t.tls_options.ca_origin} ({ca})")
    if missing.alone:
        text = (
            "put the whole chain in the server's tls-cert-file (its certificate, then the "
            f"certificate of {missing.issuer} and of any CA between it and the root), then "
            "CONFIG SET tls-cert-file or a restart; until then, this client can trust the chain "
            f"by adding the certificate of {missing.issuer} to {ca} beside its root"
        )
        return CheckFailed(
            f"{exc.summary}: the server sends its own certificate without the certificate of "
            f"its issuer {missing.issuer}",
            why=f"{held}; when {missing.issuer} is an intermediate CA below a CA of the file, "
            "the server must send it after its own certificate (Redis sends what tls-cert-file "
            "holds: the certificate, then the intermediate's), since verification trusts only "
            "a chain that reaches a CA of the file",
            fix=fix(text, Manual(text, ask=ASK_ADMIN)),
        )
    text = (
        f"point {t.tls_options.ca_origin} at the file of the CA {missing.issuer} (check: openssl "
        f"s_client -connect {t.host}:{t.port} -CAfile FILE -verify_return_error)"
    )
    return CheckFailed(
        f"{exc.summary}: its chain ends at a certificate issued by {missing.issuer}, a CA that "
        f"{ca} does not hold",
        why=f"{held}; the file holds another CA than the one the server's chain leads to",
        fix=fix(text, Manual(text, ask=f"{ASK_ADMIN} (for the CA certificate)")),
    )


#: OpenSSL's verify results for a certificate outside its validity (X509_V_ERR_CERT_NOT_YET_VALID,
#: X509_V_ERR_CERT_HAS_EXPIRED): the signature verified, the dates did not
_OUT_OF_TIME = {9: "is not valid yet", 10: "expired"}


def out_of_time(
    t: Target, reason: str, code: int, sent: tuple[_tls.Certificate, ...] | None = None
) -> CheckFailed:
    """A certificate of the server's chain that is past its end date, or before its start."""
    late = code == 10
    off = _tls.out_of_time(sent, code)
    which = f" ({off.subject}: {_tls.dates(off)})" if off else ""
    return CheckFailed(
        f"the TLS certificate of {t.address} {_OUT_OF_TIME[code]}{which}: "
        f"{_tls.verify_words(code, reason)}",
        why=(
            "a certificate of the server's chain (its own, or the CA's) is past its end date "
            "(notAfter); it is the one verification trusts, only its time is over"
            if late
            else "a certificate of the server's chain starts later (notBefore) than this "
            "machine's clock says it is now: this clock is behind, or the certificate was "
            "issued with a start in the future"
        ),
        fix=manual(
            (
                "renew the server's certificate (tls-cert-file in redis.conf, then CONFIG SET "
                "tls-cert-file or a restart), or the CA certificate in ca_file if that one "
                "expired; see the dates: "
                if late
                else "check this machine's clock (date -u; timedatectl) and the certificate's "
                "start (tls-cert-file in redis.conf): "
            )
            + f"openssl s_client -connect {t.host}:{t.port} | openssl x509 -noout -dates",
            ask=ASK_ADMIN,
        ),
    )


def _certificate_names(t: Target, deadline: float) -> list[str] | None:
    """The names of the server's certificate when it verifies against the configured CAs with
    the host name check off (so only the name was wrong); ``None`` otherwise."""
    import socket
    import ssl

    from envcheck.checks.redis.target import ssl_context

    try:
        context = ssl_context(t)
    except CheckFailed:
        return None
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    limit = _net.probe_limit(deadline)
    try:
        with socket.create_connection(
            (t.host, t.port), timeout=max(0.05, limit - time.monotonic())
        ) as raw:
            raw.settimeout(max(0.05, limit - time.monotonic()))
            with context.wrap_socket(raw, server_hostname=t.host) as tls:
                cert = tls.getpeercert() or {}
    except (OSError, ssl.SSLError):
        return None
    alt: Any = cert.get("subjectAltName", ())
    return [str(entry[1]) for entry in alt if entry[0] in ("DNS", "IP Address")]


def with_fix(exc: CheckFailed, text: str | None = None, *steps: Step) -> CheckFailed:
    """``exc`` with a structured fix: its own text as a manual step when it has no steps."""
    if exc.fix is not None and exc.fix.steps:
        return exc
    shown = text or exc.hint or "check the URL"
    chosen: Sequence[Step] = steps or (Manual(shown),)
    found = CheckFailed(exc.summary, why=exc.why, fix=Fix(tuple(chosen), text=shown))
    found.facts = exc.facts
    return found


def transport(exc: CheckFailed, t: Target, deadline: float | None = None) -> CheckFailed:
    """A failure of the network layer (refused, DNS, no answer) with a structured fix."""
    if isinstance(exc, _net.Refused) and not t.path and deadline is not None:
        address = _net.loopback_elsewhere(
            t.host, t.port, b"*1\r\n$4\r\nPING\r\n", "Redis", deadline
        )
        if address is not None:
            shown = f"[{address}]" if ":" in address else address
            url = t.url_with(address, t.port)
            return CheckFailed(
                f"{exc.summary}, while {shown}:{t.port} answers as Redis: the server listens on "
                f"{address} only",
                why=f"{t.host} and {address} are both this machine's loopback, but Redis listens "
                f"only on the addresses of its bind setting (redis.conf), here not on {t.host}; "
                "Redis is running",
                fix=fix(
                    f"set {t.source} to {url}, or add {t.host} to bind in redis.conf "
                    f"(bind 127.0.0.1 -::1), then restart the server",
                    url_step(t, url),
                ),
            )
    if isinstance(exc, _net.Refused):
        return with_fix(exc, None, Manual(exc.hint or START_REDIS[0], ask=ASK_ADMIN))
    return with_fix(exc)


# -- replies to the checks' requests -----------------------------------------------------------


def no_such_db(conn: Resp, t: Target, deadline: float) -> CheckFailed:
    server = _info(conn, "server", deadline)
    if server.get("redis_mode") == "cluster":
        return CheckFailed(
            f"database {t.db} cannot be selected on {t.address}: it is a Redis Cluster node "
            "(redis_mode:cluster), which has only database 0",
            why="SELECT was refused; a cluster keeps every key in database 0",
            fix=fix(
                f"use database 0 in {t.source}",
                url_step(t, _with_db(t, 0)),
            ),
        )
    try:
        reply = conn.call("CONFIG", "GET", "databases", deadline=deadline)
        count = int(reply[1]) if reply and len(reply) > 1 else None
    except (ReplyError, ValueError, TypeError):
        count = None
    has = f"it has {count} (0 to {count - 1})" if count else "CONFIG GET databases may not run here"
    text = (
        f"use a database from 0 to {count - 1} in {t.source}"
        if count
        else f"use a lower database number in {t.source}; {t.cli('CONFIG', 'GET', 'databases')}"
    )
    return CheckFailed(
        f"database {t.db} does not exist on {t.address}: {has}",
        why="SELECT was refused: the index in the URL's path is beyond the server's databases "
        "setting",
        fix=fix(text, Manual(text, ask=f"whoever sets {t.source}")),
        facts={"databases": count},
    )


#: the databases tried when SELECT of the URL's is refused NOPERM (redis.conf's default count)
_SOME_DATABASES = range(16)


def database_refused(conn: Resp, t: Target, exc: ReplyError, deadline: float) -> CheckFailed | None:
    """SELECT of the URL's database refused NOPERM while SELECT of another database runs on the
    same connection: the user's ACL allows SELECT with some first arguments only (acl.c
    first-arg rules, ``-select +select|0``), so the database is refused, not the command. None
    when no other database is allowed either (the command is refused)."""
    allowed = None
    for db in _SOME_DATABASES:
        if db == t.db or time.monotonic() > deadline:
            continue
        try:
            conn.call("SELECT", db, deadline=deadline)
        except ReplyError:
            continue
        except ConnectionLost:
            return None
        allowed = db
        break
    if allowed is None:
        return None
    user = t.username or "default"
    step = admin_step(t, "ACL", "SETUSER", user, f"+select|{t.db}")
    return CheckFailed(
        f"ACL user {user!r} may not use database {t.db} of {t.address}: SELECT {t.db} was "
        f"refused (NOPERM), while SELECT {allowed} is allowed",
        why="the user's ACL allows SELECT for some databases only (first-argument rules such "
        f"as -select +select|{allowed}), and the URL names another one; the server said: "
        f"{_said(exc)}",
        fix=fix(
            f"use a database the user may select in {t.source} (e.g. "
            f"{_with_db(t, allowed)}), or, as {ASK_ADMIN}, allow this one: {step.render()} "
            "(this database only, not every one as +select would)",
            step,
        ),
    )


def _with_db(t: Target, db: int) -> str:
    return t.url_with(t.host, t.port).rsplit("/", 1)[0] + f"/{db}"


def explain(
    t: Target,
    exc: ReplyError,
    conn: Resp | None = None,
    deadline: float = 0.0,
    key: str | None = None,
) -> CheckFailed:
    """An error reply, by its class (first word) and the request it answered."""
    deadline = deadline or time.monotonic() + 2
    if exc.kind == "ERR" and exc.text.partition(" ")[2] in _OS_ERRORS:
        return proxy_unreached(t, exc)
    handler = _BY_CLASS.get(exc.kind)
    if handler is not None:
        return handler(t, exc, conn, deadline, key)
    if exc.kind == "ERR" and conn is not None:
        return _err(t, exc, conn, deadline)
    return fallback(t, exc)


def fallback(t: Target, exc: ReplyError) -> CheckFailed:
    """A reply no verdict covers: the layer, the server's words, what to look at."""
    return CheckFailed(
        f"{t.where}: {exc.command} was refused ({exc.kind}): {_said(exc)}",
        why=f"the server refused the request with the error class {exc.kind}; envcheck has no "
        "specific verdict for it, so the server's own words are shown",
        fix=manual(
            f"look up {exc.kind} for {exc.command} in the server's log and its documentation; "
            f"try: {t.cli(exc.command)}",
            ask=ASK_ADMIN,
        ),
    )


def contradicted(t: Target, exc: ReplyError, evidence: str) -> CheckFailed:
    """An error class whose meaning the server's own state (or the request it answered) does
    not bear out: the honest fallback, with what was read that contradicts the class."""
    return CheckFailed(
        f"{t.where}: {exc.command} was refused ({exc.kind}): {_said(exc)}",
        why=f"{exc.kind} would mean a specific state of the server, but {evidence}; the reply "
        "may come from a proxy or managed service in front of Redis, or the state changed "
        "meanwhile, so the server's own words are shown",
        fix=manual(
            f"run the checks again; if it stays, send the same command to the server itself, "
            f"bypassing any proxy: {t.cli(exc.command)}; and look up {exc.kind} in the "
            "server's log",
            ask=ASK_ADMIN,
        ),
    )


#: the commands whose reply can be WRONGPASS (acl.c: AUTH, and HELLO's AUTH option)
_AUTHENTICATING = frozenset({"AUTH", "HELLO"})


#: what :func:`_as_admin` returns when there is no admin_url or the command got no reply
_NO_ANSWER = object()


def _as_admin(t: Target, deadline: float, *command: str) -> Any:
    """One read-only command sent as ``admin_url``'s user: its reply, or :data:`_NO_ANSWER`."""
    if not t.admin_url:
        return _NO_ANSWER
    from envcheck.checks.redis.target import UrlError, parse_url, ssl_context

    try:
        admin = parse_url(t.admin_url)
    except UrlError:
        return _NO_ANSWER
    if admin["path"]:
        return _NO_ANSWER
    budget = max(0.05, min(2.0, deadline - time.monotonic()))
    try:
        opened = _net.connect(
            admin["host"],
            admin["port"],
            timeout=budget,
            budget=budget,
            what="Redis",
            start_hint="",
            tls=ssl_context(t) if admin["tls"] else None,
        )
    except (CheckFailed, OSError):
        return _NO_ANSWER
    conn = Resp(opened.sock, opened.reply)
    until = time.monotonic() + budget
    try:
        if admin["password"] is not None:
            auth = ["AUTH"] + ([admin["user"]] if admin["user"] else []) + [admin["password"]]
            conn.call(*auth, deadline=until)
        return conn.call(*command, deadline=until)
    except (ReplyError, ConnectionLost):
        return _NO_ANSWER
    finally:
        conn.close()


def acl_user(t: Target, user: str, deadline: float) -> dict[str, Any] | None:
    """``ACL GETUSER user`` as ``admin_url``'s user (read only), as a mapping of its fields
    (``flags``, ``passwords``, ...); an empty mapping for no such user; None when there is no
    admin_url or the look-up fails."""
    if not t.admin_url:
        return None
    reply = _as_admin(t, deadline, "ACL", "GETUSER", user)
    if reply is _NO_ANSWER:
        return None
    if not reply:
        return {}
    fields = list(reply)
    return {
        (k.decode(errors="replace") if isinstance(k, bytes) else str(k)): v
        for k, v in zip(fields[::2], fields[1::2])
    }


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else []
    return [v.decode(errors="replace") if isinstance(v, bytes) else str(v) for v in items]


def _noauth(
    t: Target, exc: ReplyError, conn: Resp | None = None, deadline: float = 0.0, *_: object
) -> CheckFailed:
    if t.has_password:
        return contradicted(
            t,
            exc,
            (
                f"envcheck sent AUTH with the password of {t.source} on this connection before "
                f"{exc.command} (the server did not refuse it)"
                if exc.command not in _AUTHENTICATING
                else f"the reply answers {exc.command} itself, which carried the password"
            ),
        )
    if not t.has_password and not t.username:
        default = acl_user(t, "default", deadline or time.monotonic() + 2)
        if default is not None and "off" in _texts(default.get("flags")):
            named = f"redis://USER:PASSWORD@{t.address}/{t.db}"
            return CheckFailed(
                f"the default user of {t.address} is disabled (off), and the URL names no user "
                "(NOAUTH)",
                why="every connection starts as the default user; with it off nothing is "
                "allowed before AUTH with another user (ACL GETUSER default, as admin_url's "
                "user, lists the flag off)",
                fix=manual(
                    f"name an enabled ACL user and its password in {t.source}: {named}",
                    ask=f"{ASK_ADMIN} (for the user and password the application uses)",
                ),
            )
    if exc.command not in ("PING", *_AUTHENTICATING):
        fresh = unauthenticated(t, deadline or time.monotonic() + 2)
        if fresh is not None and fresh[0] == b"+PONG" and fresh[1].startswith(b"-NOAUTH"):
            return proxy_without_password(t, exc)
    text = f"put the password in {t.source}: redis://[USER]:PASSWORD@{t.address}/{t.db}"
    return CheckFailed(
        f"{t.address} requires a password (NOAUTH)",
        why="the URL has no password, and the server has requirepass / ACL users; the server "
        f"said: {exc.text}",
        fix=manual(text, ask=f"{ASK_ADMIN} (for the user and password the application uses)"),
    )


def unauthenticated(t: Target, deadline: float) -> tuple[bytes, bytes] | None:
    """The first lines of what a new connection without AUTH is answered to PING and to GET of a
    key nobody sets (Redis with a password refuses both with NOAUTH; a proxy such as twemproxy
    answers PING itself and forwards GET). None: not plain TCP, or no two answers."""
    if t.path or t.tls:
        return None
    ask = b"*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$21\r\nenvcheck:noauth-probe\r\n"
    got = b""
    try:
        with socket.create_connection((t.host, t.port), timeout=_left(deadline)) as sock:
            sock.sendall(ask)
            while got.count(b"\r\n") < 2:
                sock.settimeout(_left(deadline))
                more = sock.recv(512)
                if not more:
                    break
                got += more
    except OSError:
        return None
    lines = got.split(b"\r\n")
    return (lines[0], lines[1]) if len(lines) > 2 else None


def proxy_without_password(t: Target, exc: ReplyError) -> CheckFailed:
    """A new connection without AUTH gets PONG but NOAUTH for GET: what answers PING (and AUTH)
    is a proxy without a password, and the Redis server behind it requires one."""
    return CheckFailed(
        f"{t.where}: a proxy in front of Redis answers PING itself without a password, and the "
        f"Redis server it forwards to requires one: {exc.command} was refused ({exc.kind})",
        why="on a new connection without AUTH, PING is answered PONG and GET is refused "
        "NOAUTH; Redis with a password refuses both, so PING was answered by something in "
        "front of it (twemproxy answers PING and AUTH itself and sends the server no password "
        f"unless its pool has redis_auth); the server said: {exc.text}",
        fix=manual(
            "give the proxy the Redis server's password (twemproxy: redis_auth: <the server's "
            "requirepass> in the pool's section of nutcracker.yml, then restart it); the proxy "
            f"then asks its clients for that password: put it in {t.source} "
            f"(redis://:PASSWORD@{t.address}/{t.db})",
            ask="the proxy's administrator",
        ),
    )


def auth_err(t: Target, exc: ReplyError, deadline: float) -> CheckFailed | None:
    """AUTH answered with ERR, not Redis 6's WRONGPASS: the one-argument AUTH of Redis before 6
    and of proxies (twemproxy's nc_redis.c). What a new connection without AUTH is answered
    decides: PING refused (NOAUTH), the password is not the one wanted; PING and GET answered,
    none is needed; PING answered and GET refused, a proxy without a password in front of a
    server that requires one. None: none of these."""
    if exc.kind != "ERR" or exc.command != "AUTH" or UNKNOWN_COMMAND in exc.text.lower():
        return None
    fresh = unauthenticated(t, deadline)
    if fresh is None:
        return None
    ping, get = fresh
    said = f"AUTH was answered: {exc.text}"
    if ping.startswith(b"-NOAUTH"):
        named = (
            f"; with a user name ({t.username!r}): AUTH <user> <password> is Redis 6's ACL form, "
            "Redis before 6 and twemproxy take AUTH <password> only"
            if t.username
            else ""
        )
        return CheckFailed(
            f"{t.address} refused the password of {t.source} (AUTH answered ERR)",
            why="a new connection without AUTH is refused PING (NOAUTH): what answers requires "
            f"a password, and AUTH with this one was refused{named}; {said}",
            fix=manual(
                f"correct the password in {t.source} (redis://:PASSWORD@{t.address}/{t.db})",
                ask=f"{ASK_ADMIN} (for the password the application uses)",
            ),
        )
    if ping == b"+PONG" and get[:1] in (b"$", b"+", b":", b"*", b"_"):
        return CheckFailed(
            f"the URL sends a password, but {t.address} needs none (AUTH answered ERR)",
            why="a new connection without AUTH is answered PING and GET: nothing there asks for "
            f"a password, and redis-py fails the connection when AUTH is refused; {said}",
            fix=fix(
                f"remove the password from {t.source}",
                url_step(t, t.url_with(t.host, t.port).replace(":PASSWORD@", "@")),
            ),
        )
    if ping == b"+PONG" and get.startswith(b"-NOAUTH"):
        return proxy_without_password(t, exc)
    return None


def _percent_decoded(t: Target, conn: Resp | None, deadline: float) -> CheckFailed | None:
    """The URL's password holds percent-escapes that redis-py decodes before AUTH, and the
    server accepts the password as written: AUTH with the undecoded password, on the
    connection whose AUTH failed, tells."""
    from urllib.parse import urlsplit

    written = urlsplit(t.url).password
    if conn is None or written is None or t.password is None or written == t.password:
        return None
    redact.register(written)
    try:
        conn.call("AUTH", *([t.username] if t.username else []), written, deadline=deadline)
    except (ReplyError, ConnectionLost):
        return None
    return CheckFailed(
        f"the password in {t.source} holds percent-escapes (%XX), which redis-py decodes "
        f"before AUTH; {t.address} accepts the password as written, not decoded (WRONGPASS)",
        why="Redis.from_url percent-decodes the URL's user name and password; AUTH with the "
        "password as the URL spells it succeeds, so the password itself contains '%'",
        fix=manual(
            f"write each % of the password as %25 in {t.source}", ask=f"whoever sets {t.source}"
        ),
    )


def _plus_in_query(t: Target, conn: Resp | None, deadline: float) -> CheckFailed | None:
    """The URL's query gives the user name or password (``?password=``, ``?username=``) with a
    ``+``, which redis-py's ``parse_url`` reads with ``parse_qs``, the form encoding: a space
    (the user information before ``@`` is read with ``unquote``, which keeps it, and wins over
    the query). AUTH with the values as the query writes them, on the connection whose AUTH
    failed, tells; neither is shown."""
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(t.url)
    kept = parse_qs(parts.query.replace("+", "%2B"))
    read = {"username": t.username, "password": t.password}
    written = {
        key: kept[key][0]
        for key in read
        if kept.get(key) and getattr(parts, key) is None and kept[key][0] != read[key]
    }
    if conn is None or not written:
        return None
    for value in written.values():
        redact.register(value)
    user, password = written.get("username", t.username), written.get("password", t.password)
    try:
        conn.call("AUTH", *([user] if user else []), password or "", deadline=deadline)
    except (ReplyError, ConnectionLost):
        return None
    options = " and ".join(f"?{key}=..." for key in written)
    return CheckFailed(
        f"the {' and '.join(k.replace('username', 'user name') for k in written)} in the query "
        f"of {t.source} ({options}) holds '+', which redis-py reads as a space; {t.address} "
        "accepts it with the '+' (WRONGPASS)",
        why="Redis.from_url reads the URL's query with urllib's parse_qs, the form encoding, "
        "where '+' stands for a space (the user information before '@' is read with unquote, "
        "which keeps '+'); AUTH with the value as the query writes it succeeds on the same "
        "connection",
        fix=manual(
            f"write each + of it as %2B in {t.source} (or give it before the host: "
            "redis://USER:PASSWORD@HOST, where '+' stays a '+')",
            ask=f"whoever sets {t.source}",
        ),
    )


def _colon_in_user(t: Target, conn: Resp | None, deadline: float) -> CheckFailed | None:
    """The URL's user information holds more than one unescaped ``:``: urllib (and so
    redis-py) ends the user name at the first one. AUTH with the name ending at a later colon
    (and the rest as the password), on the connection whose AUTH failed, tells whether the ACL
    user's name holds the colon; the user name found is shown, never a password."""
    from urllib.parse import unquote, urlsplit

    netloc = urlsplit(t.url).netloc
    info, at, _ = netloc.rpartition("@")
    if conn is None or not at or info.count(":") < 2:
        return None
    parts = info.split(":")
    for cut in range(2, len(parts)):
        name, password = unquote(":".join(parts[:cut])), unquote(":".join(parts[cut:]))
        redact.register(password)
        try:
            conn.call("AUTH", name, password, deadline=deadline)
        except (ReplyError, ConnectionLost):
            continue
        written = ":".join(parts[:cut]).replace(":", "%3A")
        return CheckFailed(
            f"the user name in {t.source} is cut at its first ':': redis-py sends user "
            f"{t.username!r}, and the ACL user at {t.address} is {name!r} (WRONGPASS)",
            why="Redis.from_url splits the URL's user information at the first ':' (the rest "
            f"is the password); AUTH as {name!r} with the rest succeeds, so the colon belongs "
            "to the user name",
            fix=manual(
                f"write the user name as {written} (each ':' of it as %3A) in {t.source}",
                ask=f"whoever sets {t.source}",
            ),
        )
    return None


def _user_name_case(t: Target, conn: Resp | None, deadline: float) -> CheckFailed | None:
    """The URL's user name differs from an ACL user's only in case (acl.c compares user names
    byte for byte): AUTH as the name in lower case, and as each name ``ACL USERS`` lists (as
    admin_url's user) that is the same but for case, with the same password, on the connection
    whose AUTH failed, tells; the user name found is shown, never a password."""
    if conn is None or not t.username or t.password is None:
        return None
    names = [n for n in _acl_users(t, deadline) if n.lower() == t.username.lower()]
    if t.username.lower() not in names:
        names.append(t.username.lower())
    for name in (n for n in names if n != t.username):
        try:
            conn.call("AUTH", name, t.password, deadline=deadline)
        except (ReplyError, ConnectionLost):
            continue
        return CheckFailed(
            f"the user name in {t.source} is {t.username!r}, and the ACL user at {t.address} is "
            f"{name!r}: the two differ only in case, and Redis compares user names exactly "
            "(WRONGPASS)",
            why=f"AUTH as {name!r} with the same password succeeds on the same connection; "
            "WRONGPASS stands for a wrong password, a disabled user and no such user alike",
            fix=manual(
                f"write the user name as {name} (in this case) in {t.source}",
                ask=f"whoever sets {t.source}",
            ),
        )
    return None


def _acl_users(t: Target, deadline: float) -> list[str]:
    """``ACL USERS`` as admin_url's user (read only); empty without admin_url or on failure."""
    reply = _as_admin(t, deadline, "ACL", "USERS")
    items = reply if isinstance(reply, list) else []
    return [i.decode(errors="replace") if isinstance(i, bytes) else str(i) for i in items]


def _wrongpass(
    t: Target,
    exc: ReplyError | None = None,
    conn: Resp | None = None,
    deadline: float = 0.0,
    *_: object,
) -> CheckFailed:
    if exc is not None and exc.command not in _AUTHENTICATING:
        return contradicted(
            t, exc, f"WRONGPASS answers AUTH (or HELLO with AUTH), and it answered {exc.command}"
        )
    decoded = _percent_decoded(t, conn, deadline or time.monotonic() + 2)
    if decoded is not None:
        return decoded
    plus = _plus_in_query(t, conn, deadline or time.monotonic() + 2)
    if plus is not None:
        return plus
    colon = _colon_in_user(t, conn, deadline or time.monotonic() + 2)
    if colon is not None:
        return colon
    cased = _user_name_case(t, conn, deadline or time.monotonic() + 2)
    if cased is not None:
        return cased
    user = t.username or "default"
    found = acl_user(t, user, deadline or time.monotonic() + 2)
    newline = _digest_with_newline(t, user, found)
    if newline is not None:
        return newline
    if found == {}:
        unloaded = _acl_file_not_loaded(t, user, deadline or time.monotonic() + 2)
        if unloaded is not None:
            return unloaded
    if found:
        flags = _texts(found.get("flags"))
        if "on" in flags and "nopass" not in flags and not _texts(found.get("passwords")):
            # the user is on but has no password at all: every AUTH as it fails
            give = t.cli("ACL", "SETUSER", user, ">PASSWORD", user=ADMIN)
            return CheckFailed(
                f"ACL user {user!r} at {t.address} has no password, so no AUTH as it succeeds "
                "(WRONGPASS)",
                why=f"ACL GETUSER {user} (as admin_url's user) lists no password and no "
                "nopass flag: the user is enabled, but every password is refused",
                fix=manual(
                    f"give user {user} the password in {t.source}, as an administrator: {give}",
                    ask=ASK_ADMIN,
                ),
            )
    who = f"user {t.username!r}" if t.username else "the default user"
    look = t.cli("ACL", "GETUSER", user, user=ADMIN)
    text = (
        f"check the password in {t.source}; then ask {ASK_ADMIN} to look at the user: {look} "
        f"(flags 'off': the user is disabled, enable it with ACL SETUSER {user} on; an empty "
        "reply: no such user; otherwise set a new password with ACL SETUSER "
        f"{user} resetpass >NEWPASSWORD)"
    )
    return CheckFailed(
        f"authentication failed for {who} at {t.address} (WRONGPASS)",
        why="the password is wrong, there is no such ACL user, or the user is disabled: Redis "
        "answers all three the same way, and only an administrator can tell which",
        fix=fix(
            text,
            Manual(f"check the password in {t.source}", ask=f"whoever sets {t.source}"),
            Manual(
                f"look at user {user} as an administrator: ACL GETUSER {user}; 'off' among its "
                f"flags: ACL SETUSER {user} on",
                ask=ASK_ADMIN,
            ),
        ),
    )


def acl_file_line(path: str, user: str) -> int | None:
    """The number of the line of the ACL file ``path`` that defines ``user`` (``user NAME
    rules...``, acl.c ``ACLLoadFromFile``), if this host can read the file."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            lines = file.read().splitlines()
    except OSError:
        return None
    for number, line in enumerate(lines, 1):
        words = line.split()
        if len(words) >= 2 and words[0] == "user" and words[1] == user:
            return number
    return None


def _acl_file_not_loaded(t: Target, user: str, deadline: float) -> CheckFailed | None:
    """WRONGPASS for a user the server does not have (``ACL GETUSER`` as admin_url's user is
    empty) while its ACL file (``CONFIG GET aclfile``) defines it: the file was edited and
    never loaded (ACL LOAD, or a restart)."""
    reply = _as_admin(t, deadline, "CONFIG", "GET", "aclfile")
    values = _texts(reply) if isinstance(reply, list) else []
    path = values[1] if len(values) > 1 else ""
    if not path:
        return None
    number = acl_file_line(path, user)
    if number is None:
        return None
    load = admin_step(t, "ACL", "LOAD")
    return CheckFailed(
        f"ACL user {user!r} is defined in the server's ACL file {path} (line {number}), but "
        f"{t.address} has not loaded it: it has no such user (WRONGPASS)",
        why=f"with aclfile set Redis reads its users from the file at start-up and on ACL LOAD "
        f"only; ACL GETUSER {user} (as admin_url's user) finds no such user, so the file was "
        "edited after the server last loaded it",
        fix=fix(
            f"as an administrator, load the file: {load.render()} (ACL LOAD replaces every user "
            "with the file's lines: changes made with ACL SETUSER since the last ACL SAVE are "
            "lost; a file with an error is not loaded at all and the error is answered)",
            load,
        ),
    )


#: what a password's digest was made with besides the password (``echo PW | sha256sum``)
_ENDINGS = (("\n", "a newline"), ("\r\n", "CR LF"))


def _digest_with_newline(t: Target, user: str, found: dict[str, Any] | None) -> CheckFailed | None:
    """WRONGPASS for a user one of whose stored SHA-256 digests (``ACL GETUSER``'s passwords,
    as admin_url's user) is the digest of the URL's password followed by a line end: a ``#``
    digest made with ``echo`` (acl.c compares the digest of what AUTH sends). No digest or
    password is shown."""
    import hashlib

    if not found or t.password is None:
        return None
    stored = set(_texts(found.get("passwords")))
    for ending, shown in _ENDINGS:
        if hashlib.sha256((t.password + ending).encode()).hexdigest() not in stored:
            continue
        change = (
            f"as {ASK_ADMIN}: set user {user}'s password again without the line end: "
            f"ACL SETUSER {user} resetpass >PASSWORD, or #DIGEST made with "
            "printf %s PASSWORD | sha256sum (echo adds a newline)"
        )
        return CheckFailed(
            f"ACL user {user!r} at {t.address} stores the SHA-256 digest of the password in "
            f"{t.source} followed by {shown}, so that password is refused (WRONGPASS)",
            why=f"ACL GETUSER {user} (as admin_url's user) lists that digest: a #digest made "
            "with echo PASSWORD | sha256sum hashes the newline echo adds, and Redis compares "
            "the digest of exactly what AUTH sends",
            fix=manual(change, ask=ASK_ADMIN),
        )
    return None


def _noperm(
    t: Target, exc: ReplyError, conn: Resp | None, deadline: float, key: str | None
) -> CheckFailed:
    user = t.username or "default"
    command = exc.command
    if command in KEYED:
        step = admin_step(t, "ACL", "SETUSER", user, PROBE_SELECTOR)
        stays = (
            f"; the probe key {key} stays until its 30 s TTL ends"
            if command == "DEL" and key
            else ""
        )
        # acl.c: "no permissions to access one of the keys" (a key pattern: ~, %R~, %W~) or
        # "no permissions to run the '<cmd>' command"
        on_keys = "access one of the keys" in exc.text
        because = (
            f"the user's key patterns (~, %R~ read, %W~ write) do not let it {command} "
            f"{KEY_PREFIX}* keys"
            if on_keys
            else f"the user's ACL does not grant {command} on that key (the command, or the key "
            "pattern)"
        )
        return CheckFailed(
            f"ACL user {user!r} may not run {command} on envcheck's probe key "
            f"{KEY_PREFIX}* (NOPERM){stays}",
            why=f"{because}; the server said: {_said(exc)}",
            fix=fix(
                f"as {ASK_ADMIN}: {step.render()} (a selector that grants SET/GET/DEL on "
                f"{KEY_PREFIX}* keys only, whatever else the user may do)",
                step,
            ),
        )
    others = _denied_too(t, conn, command, deadline)
    if others:
        return _denied_many(t, user, [command, *others], exc)
    granted = command.lower() if " " not in command else command.lower().replace(" ", "|")
    step = admin_step(t, "ACL", "SETUSER", user, f"+{granted}")
    return CheckFailed(
        f"ACL user {user!r} may not run {command} (NOPERM)",
        why=f"the server said: {_said(exc)}",
        fix=fix(f"as {ASK_ADMIN}: {step.render()}", step),
    )


def _denied_too(t: Target, conn: Resp | None, first: str, deadline: float) -> list[str]:
    """The other requests of the checks this user is refused with NOPERM, tried on the
    connection that met the first one (as the user): INFO, SELECT of the URL's database, and the
    round-trip's GET, SET (expiring within a second) and DEL of a fresh probe key. Only NOPERM
    counts; any other answer (or none) leaves the command out."""
    import uuid

    if conn is None or first in KEYED:
        return []
    key = f"{KEY_PREFIX}{uuid.uuid4().hex}"
    tries: list[tuple[str, ...]] = [("PING",), ("INFO", "server")]
    if t.db:
        tries.append(("SELECT", str(t.db)))
    tries += [("GET", key), ("SET", key, "v", "PX", "1000", "NX"), ("DEL", key)]
    denied = []
    for command in tries:
        if command[0] == first or time.monotonic() > deadline:
            continue
        try:
            conn.call(*command, deadline=deadline)
        except ReplyError as refused:
            if refused.kind == "NOPERM":
                denied.append(command[0])
        except ConnectionLost:
            break
    return denied


def _denied_many(t: Target, user: str, commands: list[str], exc: ReplyError) -> CheckFailed:
    """A user refused several of the checks' requests (a user made with a password and keys but
    no command rule: acl.c gives a new user no commands): one ACL SETUSER that grants them all,
    the keyed ones through the probe's selector."""
    order = ["PING", "INFO", "SELECT", "SET", "GET", "DEL"]
    commands = sorted(set(commands), key=lambda c: order.index(c) if c in order else len(order))
    plain = [f"+{c.lower()}" for c in commands if c not in KEYED]
    keyed = [PROBE_SELECTOR] if any(c in KEYED for c in commands) else []
    step = admin_step(t, "ACL", "SETUSER", user, *plain, *keyed)
    listed = ", ".join(commands)
    if "PING" not in commands:
        return _denied_some(t, user, commands, exc, step)
    return CheckFailed(
        f"ACL user {user!r} may not run {listed}: NOPERM to each of the requests envcheck's "
        f"checks send ({exc.command} first)",
        why=f"each was tried as the user on the same connection and refused with NOPERM (a "
        "user created with a password and key patterns but no command rule may run no "
        f"command: acl.c starts a new user with -@all); the server said: {_said(exc)}",
        fix=fix(
            f"as {ASK_ADMIN}: {step.render()} (every command the checks send, the key commands "
            f"on {KEY_PREFIX}* keys only)",
            step,
        ),
    )


def _denied_some(
    t: Target, user: str, commands: list[str], exc: ReplyError, step: RedisCommand
) -> CheckFailed:
    """Several of the checks' requests refused NOPERM, PING not among them: the user has
    commands (a NOPERM for PING, which names no key, would be the command's), so no claim that
    it was made without any; a refused SET, GET or DEL names the probe key, so its NOPERM is for
    the command or for the key's name, which the same fix (the probe's selector) covers."""
    plain = [c for c in commands if c not in KEYED]
    keyed = [c for c in commands if c in KEYED]
    denied = f"may not run {', '.join(plain)} (NOPERM)" if plain else "is refused (NOPERM)"
    on_key = (
        f"{', nor' if plain else ''} {', '.join(keyed)} on envcheck's probe key {KEY_PREFIX}*"
        if keyed
        else ""
    )
    keys_why = (
        f"; {', '.join(keyed)} name the probe key, so their NOPERM is for the command or for the "
        f"key's name (the user's key patterns, ~..., need not cover {KEY_PREFIX}*)"
        if keyed
        else ""
    )
    return CheckFailed(
        f"ACL user {user!r} {denied}{on_key}: NOPERM to each of these requests envcheck's "
        f"checks send ({exc.command} first)",
        why=f"each was tried as the user on the same connection and refused with NOPERM, and "
        f"PING was not{keys_why}; the server said: {_said(exc)}",
        fix=fix(
            f"as {ASK_ADMIN}: {step.render()} (the refused commands, the key commands on "
            f"{KEY_PREFIX}* keys only)",
            step,
        ),
    )


def _readonly(
    t: Target, exc: ReplyError, conn: Resp | None, deadline: float, *_: object
) -> CheckFailed:
    repl = _info(conn, "replication", deadline)
    if repl.get("role") == "master":
        return contradicted(t, exc, "INFO replication on this connection says role:master")
    host, port = repl.get("master_host"), repl.get("master_port", "")
    link = repl.get("master_link_status", "unknown")
    if host is None or not port.isdigit():
        return CheckFailed(
            f"{t.address} is a replica that refuses this request ({exc.kind})",
            why=f"{exc.command} was refused by a replica; INFO replication could not be read to "
            "name its primary",
            fix=manual(
                f"point {t.source} at the primary: {t.cli('INFO', 'replication')} names it "
                "(master_host, master_port)",
                ask=ASK_ADMIN,
            ),
        )
    primary = f"{host}:{port}"
    if _replica_of_itself(t, conn, host, int(port), deadline):
        promote = admin_step(t, "REPLICAOF", "NO", "ONE", as_admin=False)
        return CheckFailed(
            f"{t.address} is a replica of itself ({primary}, its own address and port; link: "
            f"{link}) and refuses this request ({exc.kind})",
            why="REPLICAOF names this server's own address and port (INFO server's tcp_port): "
            "its link to that primary never comes up (a replica that is not connected answers "
            "its own SYNC with NOMASTERLINK), and a replica accepts no writes",
            fix=fix(
                f"make it a primary again: {promote.render()} (and take replicaof out of its "
                "redis.conf)",
                promote,
            ),
            facts={"master_host": host, "master_link_status": link},
        )
    if link != "up" and _first_line(host, int(port), deadline).startswith(b"-NOAUTH"):
        return _primary_refuses_replica(t, exc, primary, host, int(port), link)
    # a link that is not up yet may be one being made: whether the primary answers tells
    down = link != "up" and not _net.answers(host, int(port), b"PING\r\n", is_resp, deadline)
    facts = {"master_host": host, "master_link_status": link}
    if exc.kind == "MASTERDOWN" and not down and repl.get("master_sync_in_progress") == "1":
        return _syncing(t, exc, repl, primary, host, int(port), facts)
    if exc.kind == "MASTERDOWN":
        summary = (
            f"{t.address} is a replica of {primary} whose link to it is {link}, and it serves "
            "nothing until the link is back (MASTERDOWN)"
        )
        why = (
            f"replica-serve-stale-data is no: while the link to {primary} is down, the replica "
            "refuses every data command; a replica accepts no writes anyway"
        )
    else:
        summary = (
            f"{t.address} is a read-only replica of {primary} (link to it: {link}) ({exc.kind})"
        )
        why = f"a replica accepts no writes; its primary is {primary}" + (
            " which does not answer" if down else ""
        )
    steps: list[Step] = [url_step(t, t.url_with(host, int(port)))]
    text = f"point {t.source} at the primary ({primary})"
    if down:
        promote = admin_step(t, "REPLICAOF", "NO", "ONE", as_admin=False)
        text += (
            f"; start it or repair the link ({t.cli('INFO', 'replication')}); if it is gone for "
            f"good, make this server a primary: {promote.render()}"
        )
        steps = [promote]
    return CheckFailed(summary, why=why, fix=fix(text, *steps), facts=facts)


def _syncing(
    t: Target,
    exc: ReplyError,
    repl: dict[str, str],
    primary: str,
    host: str,
    port: int,
    facts: dict[str, Any],
) -> CheckFailed:
    """MASTERDOWN from a replica whose full sync with a primary that answers is under way (INFO
    replication ``master_sync_in_progress:1``): replication.c brings the link up by itself once
    the primary's RDB is received and loaded; nothing is broken, the replica serves once it
    ends."""
    total = repl.get("master_sync_total_bytes", "-1")
    read = repl.get("master_sync_read_bytes", "0")
    progress = (
        f"{read} of {total} bytes received"
        if total.lstrip("-").isdigit() and int(total) > 0
        else "the primary is still preparing its RDB (master_sync_total_bytes:-1)"
    )
    text = (
        f"wait until the sync ends ({t.cli('INFO', 'replication')} shows master_link_status:up "
        "and master_sync_in_progress:0), then run the checks again; the application's writes "
        f"go to the primary: point {t.source} at {primary} (a replica accepts no writes)"
    )
    return CheckFailed(
        f"{t.address} is a replica in the middle of its sync from {primary} "
        f"(master_sync_in_progress:1, {progress}) and serves nothing until the sync ends "
        f"({exc.kind})",
        why="replica-serve-stale-data is no: a replica whose link is not up refuses every data "
        f"command; its primary {primary} answers and the full sync is under way, which ends "
        "by itself (the transfer, then the load)",
        fix=fix(text, Manual(text, ask=ASK_ADMIN), url_step(t, t.url_with(host, port))),
        facts={**facts, "master_sync_in_progress": 1},
    )


def _first_line(host: str, port: int, deadline: float) -> bytes:
    """The first line of what ``host:port`` answers a PING (a RESP array) on a new connection
    without AUTH; empty when nothing answers."""
    try:
        with socket.create_connection((host, port), timeout=_left(deadline)) as sock:
            sock.settimeout(min(2.0, _left(deadline)))
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(256).split(b"\r\n", 1)[0]
    except OSError:
        return b""


def _primary_refuses_replica(
    t: Target, exc: ReplyError, primary: str, host: str, port: int, link: str
) -> CheckFailed:
    """A replica whose link is not up, while its primary answers a PING without AUTH with
    NOAUTH: the primary requires a password, and the replica (which logs in with masterauth,
    and masteruser for an ACL user) has none or another, so its sync is refused."""
    serves = (
        "and it serves nothing until the link is up"
        if exc.kind == "MASTERDOWN"
        else "and a replica accepts no writes"
    )
    masterauth = t.cli("CONFIG", "SET", "masterauth", "PASSWORD")
    text = (
        f"as {ASK_ADMIN}, on this replica: {masterauth} (the primary's password; CONFIG SET "
        "masteruser USER too when the primary's replication user is an ACL user; and both in "
        "the replica's redis.conf): its link then comes up; the application's writes go to the "
        f"primary: point {t.source} at {primary}"
    )
    return CheckFailed(
        f"{t.address} is a replica of {primary} whose link to it is {link}: the primary "
        f"requires a password and refuses this replica, {serves} ({exc.kind})",
        why="the primary answers a PING without AUTH with NOAUTH, and this replica's link to it "
        "has not come up: a replica logs in to its primary with masterauth (and masteruser), "
        "which is not set here or is not the primary's password (the replica's log names the "
        "refusal)",
        fix=fix(
            text,
            Manual(text, ask=ASK_ADMIN),
            url_step(t, t.url_with(host, port)),
        ),
        facts={"master_host": host, "master_link_status": link},
    )


def _replica_of_itself(t: Target, conn: Resp | None, host: str, port: int, deadline: float) -> bool:
    """Whether a replica's master_host:master_port is the server itself: its own tcp_port, at
    the address the URL names or a loopback one (INFO server)."""
    if port != int(_info(conn, "server", deadline).get("tcp_port", "0") or 0):
        return False
    if host in (t.host, "localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _oom(t: Target, exc: ReplyError, conn: Resp | None, deadline: float, *_: object) -> CheckFailed:
    memory = _info(conn, "memory", deadline)
    if memory.get("maxmemory") == "0":
        return contradicted(
            t, exc, "INFO memory on this connection says maxmemory:0 (no memory limit)"
        )
    used = int(memory.get("used_memory", "0") or 0)
    limit = memory.get("maxmemory", "?")
    proposal = str(max(used * 2, 64 * 1024 * 1024))
    step = admin_step(t, "CONFIG", "SET", "maxmemory", proposal, as_admin=False)
    policy = memory.get("maxmemory_policy", "")
    if policy.startswith("volatile-"):
        evicts = (
            f"the policy {policy} evicts only keys with an expiry (TTL), and none is left to "
            "evict"
        )
    elif policy and policy != "noeviction":
        evicts = f"the policy {policy} could not free enough memory"
        if policy.startswith("allkeys-") and _no_keys(conn, deadline):
            evicts += (
                ": there is no key to evict (INFO keyspace lists none), the memory is the "
                "server's own and its clients'"
            )
    else:
        evicts = f"the policy is {policy or 'unknown (INFO memory did not say)'}"
    holder = _buffer_holder(conn, used, deadline)
    if holder is not None:
        return _oom_buffer(t, holder, used, limit, policy)
    why = f"used memory ({used} bytes) is above maxmemory ({limit} bytes) and {evicts}"
    if not memory:
        why = (
            "OOM means used memory is above maxmemory and the eviction policy could not free "
            f"enough; INFO memory could not be read here to say how much (the server said: "
            f"{_said(exc)})"
        )
    return CheckFailed(
        f"{t.address} is out of memory: writes are refused (OOM)",
        why=why,
        fix=fix(
            f"free memory or raise the limit: {step.render()} (and maxmemory in redis.conf)",
            step,
        ),
        facts={"used_memory": used},
    )


def _buffer_holder(conn: Resp | None, used: int, deadline: float) -> dict[str, str] | None:
    """The client (CLIENT LIST's fields) whose output buffer (``omem``: replies it has not read)
    holds at least half the used memory, or None (CLIENT LIST refused or none does)."""
    if conn is None or used <= 0:
        return None
    try:
        raw = conn.call("CLIENT", "LIST", deadline=max(deadline, time.monotonic() + 0.5))
    except (ReplyError, ConnectionLost):
        return None
    if not isinstance(raw, bytes):
        return None
    clients = [
        dict(f.split("=", 1) for f in line.split() if "=" in f)
        for line in raw.decode(errors="replace").splitlines()
    ]
    sized = [c for c in clients if c.get("omem", "").isdigit() and c.get("id", "").isdigit()]
    if not sized:
        return None
    biggest = max(sized, key=lambda c: int(c["omem"]))
    return biggest if int(biggest["omem"]) * 2 >= used else None


def _oom_buffer(
    t: Target, holder: dict[str, str], used: int, limit: str, policy: str
) -> CheckFailed:
    """OOM while most of the used memory is one client's output buffer (networking.c counts it
    in used_memory and evict.c cannot free it): a client that does not read its replies, most
    often a Pub/Sub subscriber (flags P) under ``client-output-buffer-limit pubsub 0 0 0``."""
    subscriber = "P" in holder.get("flags", "")
    kind = "pubsub" if subscriber else "normal"
    what = "a Pub/Sub subscriber (flags P)" if subscriber else "a client"
    kill = admin_step(t, "CLIENT", "KILL", "ID", holder["id"], as_admin=False)
    limit_cmd = t.cli("CONFIG", "SET", "client-output-buffer-limit", f"{kind} 32mb 8mb 60")
    text = (
        f"disconnect that client: {kill.render()} (its memory is freed at once); then find why "
        f"it does not read ({holder.get('addr', '?')}, name '{holder.get('name', '')}') and set "
        f"a hard limit so such a client is disconnected: {limit_cmd} (and "
        "client-output-buffer-limit in redis.conf)"
    )
    return CheckFailed(
        f"{t.address} is out of memory: writes are refused (OOM); {holder['omem']} of its "
        f"{used} bytes are the output buffer of one client that does not read its replies "
        f"(id {holder['id']}, {holder.get('addr', '?')}, {what})",
        why=f"used memory ({used} bytes) is above maxmemory ({limit} bytes); the replies "
        "waiting for a client count in it and no eviction policy frees them "
        f"(maxmemory-policy {policy or '?'}); the client-output-buffer-limit for {kind} "
        "clients lets this buffer grow (CLIENT LIST: omem)",
        fix=fix(text, kill),
        facts={"used_memory": used, "output_buffer_bytes": int(holder["omem"])},
    )


def _no_keys(conn: Resp | None, deadline: float) -> bool:
    """Whether the server holds no key at all: ``INFO keyspace`` lists a line per database that
    holds keys, and lists none (False when it cannot be read)."""
    if conn is None:
        return False
    try:
        return info(conn, "keyspace", max(deadline, time.monotonic() + 0.5)) == {}
    except (ReplyError, ConnectionLost):
        return False


def _loading(
    t: Target, exc: ReplyError, conn: Resp | None, deadline: float, *_: object
) -> CheckFailed:
    persistence = _info(conn, "persistence", deadline)
    if persistence.get("loading") == "0":
        return contradicted(
            t,
            exc,
            "INFO persistence on this connection says loading:0 (no load is running: one may "
            "have ended since)",
        )
    eta = persistence.get("loading_eta_seconds")
    done = persistence.get("loading_loaded_perc")
    progress = f": {done}% loaded, about {eta} s to go" if eta and done else ""
    text = (
        f"wait until it has loaded{f' (about {eta} s)' if eta else ''}, then run the checks "
        f"again; {t.cli('INFO', 'persistence')} shows loading_eta_seconds (loading:0 when done)"
    )
    return CheckFailed(
        f"{t.address} is loading its dataset into memory (LOADING){progress}",
        why="Redis answers data commands only once the RDB/AOF file is loaded; nothing is wrong "
        "unless it never ends (then look at the server's log)",
        fix=manual(text),
        facts={"loading_eta_seconds": eta},
    )


def _busy(
    t: Target, exc: ReplyError, conn: Resp | None, deadline: float, *_: object
) -> CheckFailed:
    # FUNCTION STATS runs while the server is busy; running_script is set for a function only
    function = False
    if conn is not None:
        try:
            stats = conn.call("FUNCTION", "STATS", deadline=max(deadline, time.monotonic() + 0.5))
            fields = dict(zip(stats[::2], stats[1::2])) if isinstance(stats, list) else {}
            function = fields.get(b"running_script") is not None
        except (ReplyError, ConnectionLost):
            pass
    kill = ("FUNCTION", "KILL") if function else ("SCRIPT", "KILL")
    step = admin_step(t, *kill, as_admin=False)
    what = "a function (FCALL)" if function else "a script (EVAL) or a module command"
    return CheckFailed(
        f"{t.address} is busy running {what} past busy-reply-threshold (BUSY)",
        why="while a Lua script (EVAL), a function (FCALL) or a module command runs longer than "
        "busy-reply-threshold (lua-time-limit), Redis answers every other client BUSY",
        fix=fix(
            f"stop it if nobody needs it: {step.render()} (one that has already written can only "
            "be stopped by SHUTDOWN NOSAVE); or find the client that runs it and make it faster",
            step,
        ),
        facts={"running_function": function},
    )


def _misconf(
    t: Target, exc: ReplyError, conn: Resp | None, deadline: float, *_: object
) -> CheckFailed:
    persistence = _info(conn, "persistence", deadline)
    rdb = persistence.get("rdb_last_bgsave_status", "?")
    aof = persistence.get("aof_last_write_status", "?")
    if rdb == "ok" and aof == "ok":
        return contradicted(
            t,
            exc,
            "INFO persistence on this connection says the last saves succeeded "
            "(rdb_last_bgsave_status:ok, aof_last_write_status:ok)",
        )
    if aof == "err" and rdb != "err":
        return _aof_write_failed(t, exc, rdb)
    retry = admin_step(t, "BGSAVE", as_admin=False)
    return CheckFailed(
        f"{t.address} cannot save to disk and refuses writes (MISCONF): "
        f"rdb_last_bgsave_status:{rdb}, aof_last_write_status:{aof}",
        why="stop-writes-on-bgsave-error is yes and the last save failed: Redis refuses writes "
        "(and PING) until a save succeeds",
        fix=fix(
            "find why the save failed in the server's log (disk full, the dir not writable: "
            f"{t.cli('CONFIG', 'GET', 'dir')}), repair that, then save again: "
            f"{retry.render()}",
            Manual(
                "repair what made the save fail (the server's log says: disk full, the dir not "
                "writable)",
                ask=ASK_ADMIN,
            ),
            retry,
        ),
        facts={"rdb_last_bgsave_status": rdb, "aof_last_write_status": aof},
    )


def _aof_write_failed(t: Target, exc: ReplyError, rdb: str) -> CheckFailed:
    """MISCONF from a server whose last write to the append-only file failed (INFO persistence
    ``aof_last_write_status:err``, the RDB save fine): aof.c keeps the unwritten part and tries
    again every second; until a write succeeds, writes and PING are refused, whatever
    stop-writes-on-bgsave-error says. The reply carries the write's error (strerror) verbatim."""
    return CheckFailed(
        f"{t.address} cannot write its append-only file (AOF) and refuses writes and PING "
        f"(MISCONF): aof_last_write_status:err, rdb_last_bgsave_status:{rdb}; the server said: "
        f"{_said(exc)}",
        why="with appendonly yes, Redis refuses writes while the last write to the append-only "
        "file failed (a full disk, a file size limit, an I/O error); it writes the file again "
        "by itself every second and accepts writes once that succeeds",
        fix=manual(
            "free space on the disk that holds the append-only file (or repair what the server's "
            f"words name): its directory is appenddirname under dir, "
            f"{t.cli('CONFIG', 'GET', 'dir')} and {t.cli('CONFIG', 'GET', 'appenddirname')}; "
            "no command is needed afterwards: Redis writes the file again within a second",
            ask=ASK_ADMIN,
        ),
        facts={"rdb_last_bgsave_status": rdb, "aof_last_write_status": "err"},
    )


def _noreplicas(
    t: Target, exc: ReplyError, conn: Resp | None, deadline: float, *_: object
) -> CheckFailed:
    repl = _info(conn, "replication", deadline)
    if repl.get("role") and "min_slaves_good_slaves" not in repl:
        # replication.c lists min_slaves_good_slaves only while min-replicas-to-write is set
        return contradicted(
            t,
            exc,
            "INFO replication on this connection lists no min_slaves_good_slaves "
            "(min-replicas-to-write is not set)",
        )
    good = repl.get("min_slaves_good_slaves", repl.get("connected_slaves", "?"))
    connected = _replicas(repl)
    if connected:
        return _replicas_lag(t, conn, connected, good, deadline)
    step = admin_step(t, "CONFIG", "SET", "min-replicas-to-write", "0", as_admin=False)
    return CheckFailed(
        f"{t.address} refuses writes: it has {good} good replicas, fewer than "
        "min-replicas-to-write (NOREPLICAS)",
        why="min-replicas-to-write makes a primary refuse writes unless that many replicas are "
        "connected and lag less than min-replicas-max-lag seconds",
        fix=fix(
            f"start or repair its replicas ({t.cli('INFO', 'replication')}), or, where no replica "
            f"is needed (development): {step.render()}",
            step,
        ),
        facts={"good_replicas": good},
    )


def _replicas(repl: dict[str, str]) -> list[dict[str, str]]:
    """INFO replication's ``slaveN`` lines (ip, port, state, offset, lag), one a replica."""
    found = []
    for name, value in repl.items():
        if name.startswith("slave") and name[5:].isdigit():
            found.append(dict(f.split("=", 1) for f in value.split(",") if "=" in f))
    return found


def _replicas_lag(
    t: Target, conn: Resp | None, replicas: list[dict[str, str]], good: str, deadline: float
) -> CheckFailed:
    """NOREPLICAS while replicas are connected (INFO replication lists them): they are not
    good, for replication.c counts a replica good only while its last acknowledgement (``lag``,
    REPLCONF ACK every second) is within min-replicas-max-lag; the replica is stalled (stopped,
    frozen, overloaded), not missing, and min-replicas-to-write does its job."""
    max_lag = "?"
    if conn is not None:
        try:
            got = conn.call(
                "CONFIG",
                "GET",
                "min-replicas-max-lag",
                deadline=max(deadline, time.monotonic() + 0.5),
            )
            if isinstance(got, list) and len(got) == 2 and isinstance(got[1], bytes):
                max_lag = got[1].decode()
        except (ReplyError, ConnectionLost):
            pass
    listed = ", ".join(
        f"{r.get('ip', '?')}:{r.get('port', '?')} ({r.get('state', '?')}, lag {r.get('lag', '?')} "
        "s)"
        for r in replicas
    )
    first = replicas[0]
    look = f"redis-cli -h {first.get('ip', '?')} -p {first.get('port', '?')} INFO replication"
    text = (
        f"bring the replica back: it is connected but has not acknowledged the stream within "
        f"min-replicas-max-lag ({max_lag} s): look at its host and process (stopped, frozen, "
        f"overloaded, or its network) and at {look}; writes are accepted again as soon as it "
        "acknowledges"
    )
    return CheckFailed(
        f"{t.address} refuses writes (NOREPLICAS): its replicas are connected but lag: "
        f"{listed}; {good} good, fewer than min-replicas-to-write",
        why="a primary with min-replicas-to-write counts a replica good only while its last "
        f"acknowledgement is at most min-replicas-max-lag ({max_lag} s) old; the replica is "
        "there (INFO replication lists it) but does not acknowledge",
        fix=fix(text, Manual(text, ask=ASK_ADMIN)),
        facts={"good_replicas": good, "replicas": len(replicas)},
    )


def _cluster_info(conn: Resp | None, deadline: float) -> dict[str, str]:
    if conn is None:
        return {}
    try:
        raw = conn.call("CLUSTER", "INFO", deadline=max(deadline, time.monotonic() + 0.5))
    except (ReplyError, ConnectionLost):
        return {}
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
    found: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            found[name.strip()] = value.strip()
    return found


def _unassigned(conn: Resp | None, deadline: float) -> list[tuple[int, int]]:
    """The slot ranges CLUSTER SLOTS gives to no node (empty when it cannot be read)."""
    if conn is None:
        return []
    try:
        slots = conn.call("CLUSTER", "SLOTS", deadline=max(deadline, time.monotonic() + 0.5))
    except (ReplyError, ConnectionLost):
        return []
    if not isinstance(slots, list):
        return []
    served = sorted(
        (int(entry[0]), int(entry[1]))
        for entry in slots
        if isinstance(entry, list) and len(entry) >= 2
    )
    missing: list[tuple[int, int]] = []
    nxt = 0
    for start, end in served:
        if start > nxt:
            missing.append((nxt, start - 1))
        nxt = max(nxt, end + 1)
    if nxt <= 16383:
        missing.append((nxt, 16383))
    return missing


def _clusterdown(
    t: Target, exc: ReplyError, conn: Resp | None, deadline: float, *_: object
) -> CheckFailed:
    server = _info(conn, "server", deadline)
    if server.get("redis_mode") not in (None, "cluster"):
        return contradicted(
            t, exc, f"INFO server on this connection says redis_mode:{server['redis_mode']}"
        )
    cluster = _cluster_info(conn, deadline)
    assigned = cluster.get("cluster_slots_assigned", "?")
    state = cluster.get("cluster_state", "?")
    nodes = cluster.get("cluster_known_nodes", "?")
    facts = {"cluster_state": state, "cluster_slots_assigned": assigned}
    missing = _unassigned(conn, deadline) if assigned != "16384" else []
    ranges = [str(n) for pair in missing for n in pair] or ["0", "16383"]
    if nodes == "1" and assigned != "16384":
        step = admin_step(t, "CLUSTER", "ADDSLOTSRANGE", *ranges, as_admin=False)
        return CheckFailed(
            f"{t.address} is a Redis Cluster node alone in its cluster with {assigned} of 16384 "
            "hash slots assigned (CLUSTERDOWN)",
            why="cluster-enabled is yes, but no node serves the key's hash slot: a new cluster "
            "serves nothing until its slots are assigned",
            fix=fix(
                f"assign every slot to this node (a one-node development cluster): "
                f"{step.render()}; for several nodes: redis-cli --cluster create ...",
                step,
            ),
            facts=facts,
        )
    failed = (cluster.get("cluster_slots_fail"), cluster.get("cluster_slots_pfail"))
    if missing and failed == ("0", "0"):
        step = admin_step(t, "CLUSTER", "ADDSLOTSRANGE", *ranges, as_admin=False)
        spans = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in missing)
        return CheckFailed(
            f"the Redis Cluster of {t.address} serves {assigned} of 16384 hash slots: slots "
            f"{spans} are assigned to no node (CLUSTERDOWN)",
            why=f"no slot is failing (cluster_slots_fail:0, cluster_slots_pfail:0; {nodes} "
            "known nodes): the cluster was never given every slot (a creation left half done), "
            "and it refuses commands until all 16384 are served",
            fix=fix(
                f"assign the missing slots to a primary (here, this node): {step.render()}; or "
                f"let redis-cli do it: redis-cli --cluster fix {t.host}:{t.port}",
                step,
            ),
            facts=facts,
        )
    fix_cluster = Command(["redis-cli", "--cluster", "fix", f"{t.host}:{t.port}"])
    return CheckFailed(
        f"the Redis Cluster of {t.address} is down (CLUSTERDOWN): cluster_state:{state}, "
        f"{assigned} of 16384 slots assigned, {nodes} known nodes",
        why="a cluster refuses commands while it cannot serve every slot: a primary failed "
        "without a replica to take over, or this node lost contact with most primaries",
        fix=fix(
            f"start the failed nodes ({t.cli('CLUSTER', 'NODES')} marks them fail), then "
            f"check the slots: {fix_cluster.render()}",
            Manual(
                "start the nodes CLUSTER NODES marks as fail (or give them replicas)",
                ask=ASK_ADMIN,
            ),
            fix_cluster,
        ),
        facts=facts,
    )


def _denied(t: Target, exc: ReplyError, *_: object) -> CheckFailed:
    return denied(t, exc)


_BY_CLASS: dict[str, Callable[..., CheckFailed]] = {
    "NOAUTH": _noauth,
    "WRONGPASS": _wrongpass,
    "NOPERM": _noperm,
    "READONLY": _readonly,
    "MASTERDOWN": _readonly,
    "OOM": _oom,
    "LOADING": _loading,
    "BUSY": _busy,
    "MISCONF": _misconf,
    "NOREPLICAS": _noreplicas,
    "CLUSTERDOWN": _clusterdown,
    "DENIED": _denied,
}


def sentinel(t: Target, conn: Resp, deadline: float) -> CheckFailed:
    """``t`` points at a Sentinel: name the primaries it watches."""
    primaries: list[tuple[str, str, str]] = []
    try:
        reply = conn.call("SENTINEL", "MASTERS", deadline=max(deadline, time.monotonic() + 0.5))
        for entry in reply or []:
            fields = {entry[i].decode(): entry[i + 1].decode() for i in range(0, len(entry) - 1, 2)}
            primaries.append((fields.get("name", "?"), fields.get("ip", "?"), fields["port"]))
    except (ReplyError, ConnectionLost, AttributeError, KeyError, TypeError):
        pass
    listed = ", ".join(f"{name} at {ip}:{port}" for name, ip, port in primaries) or "none it names"
    steps: list[Step] = []
    text = f"point {t.source} at a primary, not at the Sentinel (it watches: {listed})"
    if len(primaries) == 1 and primaries[0][2].isdigit():
        _, ip, port = primaries[0]
        steps.append(url_step(t, t.url_with(ip, int(port))))
        text = (
            f"point {t.source} at the primary the Sentinel names ({ip}:{port}), or have the "
            "application ask the Sentinel (redis.sentinel.Sentinel(...).master_for(...))"
        )
    else:
        steps.append(Manual(text, ask=f"whoever sets {t.source}"))
    return CheckFailed(
        f"{t.address} is a Redis Sentinel (redis_mode:sentinel), not a Redis data server",
        why="a Sentinel watches primaries and answers which one to use; it has no keys and no "
        "SELECT/GET/SET",
        fix=fix(text, *steps),
        facts={"redis_mode": "sentinel"},
    )


#: server.c processCommand's reply to a command it does not know (renamed or disabled)
UNKNOWN_COMMAND = "unknown command"


def renamed(t: Target, exc: ReplyError) -> CheckFailed:
    """``ERR unknown command 'X'``: redis.conf renames or disables X (``rename-command``)."""
    return CheckFailed(
        f"{t.address} has no {exc.command} command: it is renamed or disabled",
        why=f"redis.conf renames or disables it (rename-command {exc.command} ...): clients "
        f"that send {exc.command}, like redis-py, fail the same way; the server said: "
        f"{_said(exc)}",
        fix=manual(
            f"remove rename-command {exc.command} from redis.conf and restart the server, "
            "or give the application the new name",
            ask=ASK_ADMIN,
        ),
    )


def _err(t: Target, exc: ReplyError, conn: Resp, deadline: float) -> CheckFailed:
    """An ERR reply (a class that says nothing by itself): its words, else ask the server."""
    server = _info(conn, "server", deadline)
    if server.get("redis_mode") == "sentinel":
        # sentinel.c's command table has no SELECT/GET/SET: its unknown command is no rename
        return sentinel(t, conn, deadline)
    if UNKNOWN_COMMAND in exc.text.lower():
        return renamed(t, exc)
    try:
        known = conn.call(
            "COMMAND", "INFO", exc.command, deadline=max(deadline, time.monotonic() + 0.5)
        )
    except (ReplyError, ConnectionLost):
        known = None
    if isinstance(known, list) and known and known[0] is None:
        return renamed(t, exc)
    return fallback(t, exc)


#: every text the C library gives an errno (strerror): an ERR whose whole text is one of them is
#: no Redis reply but a proxy's (twemproxy's nc_server: the errno of its connect to the server)
_OS_ERRORS = frozenset(os.strerror(code) for code in errno.errorcode)


def proxy_unreached(t: Target, exc: ReplyError) -> CheckFailed:
    """ERR <strerror>: a proxy in front of Redis answered for the server it could not reach."""
    said = exc.text.partition(" ")[2]
    if said == os.strerror(errno.ETIMEDOUT):
        return CheckFailed(
            f"{t.where}: {exc.command} was answered by a proxy in front of Redis whose Redis "
            f"server did not answer in time: {said}",
            why=f"Redis never answers a command with an operating system error alone "
            f"({exc.text!r}); a proxy such as twemproxy does when the server it forwards to "
            "does not answer within the pool's timeout (the server blocked or overloaded, or "
            "the address a host that drops packets)",
            fix=manual(
                "look at the Redis server behind the proxy (its latency, SLOWLOG GET, a long "
                "command or a save), or raise the pool's timeout (twemproxy: timeout: in "
                "milliseconds in nutcracker.yml); then run the checks again",
                ask="the proxy's administrator",
            ),
        )
    return CheckFailed(
        f"{t.where}: {exc.command} was answered by a proxy in front of Redis that could not "
        f"reach its Redis server: {said}",
        why=f"Redis never answers a command with an operating system error alone ({exc.text!r}); "
        "a proxy such as twemproxy (nutcracker) does, when its own connection to the Redis "
        "server it forwards to fails (PING is answered by the proxy itself, so it looks up)",
        fix=manual(
            "start the Redis server the proxy forwards to, or correct its address in the proxy's "
            "configuration (twemproxy: the pool's servers: list in nutcracker.yml); then run the "
            "checks again",
            ask="the proxy's administrator",
        ),
    )


#: what redis-py sends first on every new connection: HELLO 3 (redis-py 8, whose default is
#: RESP3), CLIENT SETINFO (5 and later)
HANDSHAKE = {
    "HELLO 3": b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n",
    "CLIENT SETINFO": (
        b"*4\r\n$6\r\nCLIENT\r\n$7\r\nSETINFO\r\n$8\r\nLIB-NAME\r\n$8\r\nredis-py\r\n"
    ),
}
#: the redis-py arguments that leave each out
WITHOUT = {"HELLO 3": "protocol=2", "CLIENT SETINFO": "driver_info=None"}


def dropped_handshake(host: str, port: int, deadline: float) -> tuple[str, ...]:
    """Which of redis-py's first commands (:data:`HANDSHAKE`) a new connection is hung up on
    while another's PING is answered: a proxy that does not forward them (twemproxy closes the
    connection), through which redis-py on its defaults cannot connect."""
    ping = b"*1\r\n$4\r\nPING\r\n"
    if not _net.answers(host, port, ping, is_resp, deadline):
        return ()
    return tuple(
        name for name, ask in HANDSHAKE.items() if not _net.answers(host, port, ask, bool, deadline)
    )


class ProxyHungUp(CheckFailed):
    """A command the server hung up on while a new connection answers PING: a proxy that does
    not forward the command (see :func:`hung_up`)."""


def hung_up(t: Target, lost: ConnectionLost, deadline: float) -> ProxyHungUp | None:
    """The server closed the connection on ``lost.command`` (no error reply, no timeout), and a
    new connection's PING (a RESP array, as redis-py sends) is answered: Redis itself answers a
    command it refuses with an error reply and keeps the connection, a proxy that forwards only
    the data commands hangs up. None: the server is gone or blocked as well."""
    if not lost.closed or not lost.command or t.path or t.tls:
        return None
    ping = b"*1\r\n$4\r\nPING\r\n"
    # any reply will do (NOAUTH too: a proxy with a password refuses PING before AUTH)
    if not _net.answers(t.host, t.port, ping, is_resp, deadline):
        return None
    if lost.command == "AUTH" and t.username:
        return ProxyHungUp(
            f"{t.address} hung up on AUTH with a user name but answers PING on a new "
            "connection: a proxy in front of Redis (such as twemproxy) that takes AUTH "
            "<password> only",
            why="AUTH <user> <password> is Redis 6's ACL form; Redis refuses what it cannot "
            "run with an error reply and keeps the connection, twemproxy closes it",
            fix=fix(
                f"drop the user name from {t.source} and give the proxy's password alone "
                f"(redis://:PASSWORD@{t.address}/{t.db})",
                url_step(t, t.url_with(t.host, t.port).replace(f"{t.username}:", ":", 1)),
            ),
        )
    dropped = dropped_handshake(t.host, t.port, deadline)
    kwargs = ", ".join(WITHOUT[name] for name in dropped)
    redis_py = (
        f"; it hangs up on {' and '.join(dropped)} too, which redis-py sends first on every "
        "new connection: an application on redis-py's defaults cannot connect through it "
        f"(redis.Redis(..., {kwargs}) sends none)"
        if dropped
        else ""
    )
    return ProxyHungUp(
        f"{t.address} hung up on {lost.command} but answers PING on a new connection: a proxy "
        f"in front of Redis (such as twemproxy) that does not forward {lost.command}",
        why=f"Redis answers a command it refuses with an error reply and keeps the connection; "
        f"a proxy that forwards only the data commands closes it instead{redis_py}",
        fix=manual(
            f"{lost.command} must go to the Redis server itself, not through the proxy: run it "
            "against the server's own address to check it"
            + (
                f"; connect redis-py clients with {kwargs} (driver_info=None: lib_name=None, "
                "lib_version=None on redis-py 5 to 7)"
                if dropped
                else ""
            ),
            ask="the proxy's administrator",
        ),
    )
