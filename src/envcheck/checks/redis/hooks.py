"""The ``redis`` component: a real Redis server, checked from TCP to a write round-trip.

Checks per instance: ``reachable`` (TCP, the TLS handshake for rediss://, a RESP answer to
``PING``) → ``auth`` (AUTH / ACL user accepted, ``SELECT`` of the URL's database, ``PING``) →
``version``, ``roundtrip`` (``SET``/``GET``/``DEL`` of a unique ``envcheck:probe:*`` key with a
30 s TTL; never ``FLUSH*``, never a key a user could own), ``config`` (eviction policy and
persistence). All of an instance's checks share one connection, one check after the other;
verdicts come from the class of the error reply (its first word) and the request it answered.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from envcheck.checks.redis.config import RedisConfig, default_config
from envcheck.checks.redis.diagnose import (
    ASK_ADMIN,
    KEY_PREFIX,
    UNKNOWN_COMMAND,
    ProxyHungUp,
)
from envcheck.checks.redis.diagnose import _info as _diagnose_info
from envcheck.checks.redis.diagnose import (
    admin_step,
    auth_err,
    database_refused,
    dropped_handshake,
    explain,
    fix,
    hung_up,
    is_resp,
    manual,
    no_such_db,
    protocol_broken,
    refine,
    refused,
    resp_type,
    sentinel,
    transport,
    url_step,
    url_without,
    with_fix,
)
from envcheck.checks.redis.resp import (
    ConnectionLost,
    ProtocolViolation,
    ReplyError,
    Resp,
    info,
    shaped,
)
from envcheck.checks.redis.target import Target, ssl_context, target, tls_options
from envcheck.checks.shared import server as _server
from envcheck.checks.shared.config import older
from envcheck.core import interpolate as _interpolate
from envcheck.core.config import EnvcheckConfig
from envcheck.core.fix import Fix, Manual, RedisCommand, Step, StepResult
from envcheck.core.model import Check, CheckFailed, Context, Outcome, ok, warn
from envcheck.kit import Component, _net

if TYPE_CHECKING:
    import redis as redis_lib

COMPONENT = "redis"
#: the first command, framed as redis-py frames every command (a RESP array): an inline "PING\r\n"
#: is Redis's telnet form, which proxies such as twemproxy do not parse (they hang up)
PING_ARRAY = b"*1\r\n$4\r\nPING\r\n"
START_HINT = (
    "start Redis: sudo systemctl start redis-server  (without systemd: redis-server --daemonize "
    "yes; in Docker: docker start <container>)"
)
CONFIGURE = "set REDIS_URL, or add [tool.envcheck.redis] url = ... to pyproject.toml"
_RISKY_EVICTION = {"allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu"}
_RISKY_EVICTION |= {"volatile-random", "volatile-ttl"}


def _instance_checks(make: Component, instance: RedisConfig) -> Iterator[Check]:
    yield make.check("reachable", reachable, "the server's address answers")
    yield make.check("auth", auth, "AUTH / ACL user accepted and PING answered", "reachable")
    yield make.check("version", version, "server version is recent enough", "auth")
    if instance.write_check:
        yield make.check("roundtrip", roundtrip, "SET/GET/DEL round-trip leaves nothing", "auth")
    yield make.check("config", configuration, "eviction policy and persistence", "auth")


SERVER = _server.ServerComponent(
    COMPONENT, RedisConfig, ["REDIS_URL"], default_config, _instance_checks
)
envcheck_config_sections, envcheck_default_config, envcheck_checks = SERVER.hooks()


class Session:
    """The shared connection and whether it has logged in (AUTH, SELECT) yet."""

    def __init__(self, conn: Resp, latency: float = 0.0) -> None:
        self.conn = conn
        self.latency = latency
        self.ready = False
        self.first_reply: ReplyError | None = None
        #: the first PING's reply broke RESP
        self.broken: ProtocolViolation | None = None
        #: AUTH was refused because the default user has no password (the server is open):
        #: redis-py ignores that refusal and connects, so the password is never checked
        self.password_unchecked = False

    def close(self) -> None:
        self.conn.close()


def _open(ctx: Context, t: Target) -> Session:
    if t.path:
        opened = _unix(t, ctx.check.seconds, max(0.05, ctx.remaining() - 0.1))
    else:
        opened = _net.connect(
            t.host,
            t.port,
            timeout=ctx.check.seconds,
            # a little before the check's own deadline: the diagnosis, not the runner's timeout
            budget=max(0.05, ctx.remaining() - 0.1),
            what="Redis",
            start_hint=START_HINT,
            hello=PING_ARRAY,
            understands=resp_type,
            tls=ssl_context(t) if t.tls else None,
        )
    session = Session(Resp(opened.sock, opened.reply), opened.latency)
    # the rest of a first reply that began is waited for until just before the deadline
    session.conn.deadline = time.monotonic() + max(0.05, ctx.remaining() - 0.3)
    try:
        pong = session.conn.read("PING")
        if pong != "PONG":
            raise session.conn.broken(f"{repr(pong)[:40]} where PING is answered PONG")
    except ReplyError as exc:
        session.first_reply = exc  # NOAUTH is normal; ERR here is a refused client
    except ProtocolViolation as exc:
        session.broken = exc
    except ConnectionLost:
        pass
    return session


def _before_auth(t: Target, first: ReplyError) -> bool:
    """Whether the first PING's error reply is one the URL's own login makes moot: NOAUTH or
    WRONGPASS, or NOPERM when the URL has a password (the PING ran as the default user, before
    AUTH, which redis-py sends first; the auth check PINGs again as the URL's user)."""
    return first.kind in ("NOAUTH", "WRONGPASS") or (first.kind == "NOPERM" and t.has_password)


def _unix(t: Target, timeout: float, budget: float) -> _net.Opened:
    """A connection to the unix socket of ``t`` (a unix:// URL), PING sent and answered."""
    import errno
    import socket

    assert t.path is not None
    deadline = time.monotonic() + budget
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    keep = False
    try:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        started = time.monotonic()
        try:
            sock.connect(t.path)
        except OSError as exc:
            raise _socket_failed(t, exc, errno) from None
        latency = (time.monotonic() - started) * 1000
        try:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
        except (socket.timeout, TimeoutError):
            raise _net.ConversationFailed(
                "silent",
                f"{t.path} accepted the connection but did not answer",
                why="whatever listens there is hung or is not Redis",
                hint=f"check that {t.path} really is Redis's socket (unixsocket in redis.conf)",
            ) from None
        if not is_resp(reply):
            raise CheckFailed(
                f"{t.path} does not speak the Redis protocol",
                why="another program listens on this socket",
                fix=manual(f"point {t.source} at Redis's socket (unixsocket in redis.conf)"),
            )
        keep = True
        return _net.Opened(sock, latency, reply)
    finally:
        if not keep:
            sock.close()


def _socket_failed(t: Target, exc: OSError, errno: Any) -> CheckFailed:
    where = f"{t.path}"
    host_part = urlparse(t.url).netloc.rpartition("@")[2] if t.path else ""
    meant = f"/{host_part}{t.path}" if host_part else ""
    if exc.errno is None and len(os.fsencode(where)) > MAX_SOCKET_PATH:
        return _path_too_long(t, where)
    if exc.errno == errno.ENOENT and meant and _is_socket(meant):
        # unix://tmp/x.sock: urllib reads 'tmp' as the host, and redis-py takes the path only
        return CheckFailed(
            f"no Redis socket at {where}: the URL has two slashes after unix:, so "
            f"{host_part!r} is read as a host name (redis-py ignores it) and the path is {where}; "
            f"the socket is {meant}",
            why="a unix:// URL's path follows three slashes (unix:///path); with two, the "
            "first part of the path becomes the URL's host",
            fix=fix(
                f"set {t.source} to unix://{meant} (three slashes; keep its query, ?db=...)",
                Manual(f"write the URL as unix://{meant} (three slashes)"),
            ),
        )
    if exc.errno == errno.ENOENT:
        return CheckFailed(
            f"no Redis socket at {where}: the file does not exist",
            why="Redis is not running, or its unixsocket setting names another path",
            fix=fix(
                f"start Redis, or set {t.source} to the path of unixsocket in redis.conf "
                f"({'CONFIG GET unixsocket'})",
                Manual("start Redis, or use the path of unixsocket in redis.conf"),
            ),
        )
    if exc.errno == errno.ECONNREFUSED and not _is_socket(where):
        # connect() on a path that exists but is no socket (a plain file, a FIFO) is refused
        return CheckFailed(
            f"{where} is not a socket: no Redis server can listen on it",
            why="a unix:// URL must name the socket file Redis creates (unixsocket in "
            "redis.conf); this path is another kind of file, so connecting is refused",
            fix=fix(
                f"set {t.source} to the path of unixsocket in redis.conf "
                f"({t.cli('CONFIG', 'GET', 'unixsocket')})",
                Manual(f"set {t.source} to the path of unixsocket in redis.conf"),
            ),
        )
    if exc.errno == errno.ECONNREFUSED:
        return CheckFailed(
            f"nothing listens on the socket {where}: the file is left from a Redis that stopped",
            why="a socket file without a server refuses connections",
            fix=fix(START_HINT, Manual(START_HINT, ask="the Redis administrator")),
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return CheckFailed(
            f"this user may not connect to the socket {where} (permission denied)",
            why="unixsocketperm in redis.conf (or the directory's mode) does not let this user in",
            fix=manual(
                "add this user to the socket's group, or widen unixsocketperm in redis.conf "
                "(e.g. 770)",
                ask="the Redis administrator",
            ),
        )
    return with_fix(CheckFailed(f"cannot connect to the socket {where}: {exc.strerror}"))


#: the longest unix socket path C programs can use: sun_path holds 108 bytes with the NUL
MAX_SOCKET_PATH = 107


def _unix_url(t: Target, path: str) -> str:
    """The instance's unix:// URL with the socket ``path`` (the password as PASSWORD)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit

    parts = urlsplit(t.url)
    user, _, password = parts.netloc.rpartition("@")[0].partition(":")
    netloc = f"{user}:PASSWORD@" if password else (f"{user}@" if user else "")
    query = [(k, "PASSWORD" if k == "password" else v) for k, v in parse_qsl(parts.query)]
    encoded = urlencode(query, safe="/:")
    return f"unix://{netloc}{path}" + (f"?{encoded}" if encoded else "")


def _path_too_long(t: Target, where: str) -> CheckFailed:
    """A unix:// path longer than a socket address holds: the client cannot even try it."""
    size = len(os.fsencode(where))
    real = os.path.realpath(where)
    short = real if real != where and len(os.fsencode(real)) <= MAX_SOCKET_PATH else None
    if short is not None and _is_socket(short):
        url = _unix_url(t, short)
        text = f"set {t.source} to {url} (the socket's own path, {len(os.fsencode(short))} bytes)"
        step: Step = (
            url_step(t, url)
            if "PASSWORD" not in url
            else Manual(text, ask=f"whoever sets {t.source}")
        )
    else:
        text = (
            f"give the socket a shorter path: ln -s {where} /tmp/redis.sock, and set "
            f"{t.source} to unix:///tmp/redis.sock (or set unixsocket in redis.conf to a short "
            "path)"
        )
        step = Manual(text, ask=f"whoever sets {t.source}")
    return CheckFailed(
        f"the socket path {where} is too long: {size} bytes, and a unix socket address holds "
        f"at most {MAX_SOCKET_PATH} (sun_path: 108 bytes with the closing NUL)",
        why="connect(2) takes the path inside a fixed-size address (unix(7)), so the client "
        "cannot even try a longer one (Python: 'AF_UNIX path too long'); a symlink or "
        "directory with a shorter path to the same socket works",
        fix=fix(text, step),
    )


def _is_socket(path: str) -> bool:
    """Whether ``path`` is a socket file (True when it cannot be looked at)."""
    import stat

    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return True


def _session(ctx: Context, t: Target) -> Any:
    holder = _server.shared((COMPONENT, t.instance, t.url), Session.close)
    return holder.use(ctx, lambda: _open(ctx, t), alive=lambda s: not s.conn.lost)


def reachable(instance: str, ctx: Context) -> Outcome:
    cfg: RedisConfig = ctx.section
    t = target(ctx, instance)
    ctx.fact("settings_from", _server.settings_from(ctx, cfg))
    deadline = _server.deadline_of(ctx)
    first: ReplyError | None = None
    try:
        with _session(ctx, t) as session:
            first = session.first_reply
            latency = session.latency
            if session.broken is not None:
                raise protocol_broken(t, session.broken)
            if first is not None and not _before_auth(t, first):
                failure = refused(t, first, session.conn)
                raise failure
    except _net.ConversationFailed as exc:
        raise refine(exc, t, deadline) from None
    except CheckFailed as exc:
        if not cfg.required and _net.nothing_listens(exc):
            raise _server.not_found("Redis", f"{t.host}:{t.port}", CONFIGURE) from None
        if first is not None:
            _server.close_all((COMPONENT, t.instance))
            raise
        raise transport(exc, t, deadline) from None
    facts: dict[str, Any] = {"tls": t.tls, "tcp_connect_ms": round(latency, 1)}
    if t.path_ignored:
        return warn(
            f"{t.address} answers as Redis; the URL's path is not a database number, so "
            "redis-py ignores it and uses database 0",
            why=f"redis-py (Redis.from_url) reads the path of {t.source} as the database "
            "number and silently drops one it cannot read",
            fix=fix(
                f"write the database as a number in {t.source}: .../0",
                url_step(t, t.url_with(t.host, t.port)),
            ),
            **facts,
        )
    if not t.tls:
        return ok(f"{t.address} answers as Redis", **facts)
    if not t.tls_options.verify:
        return warn(
            f"{t.host}:{t.port} answers as Redis over TLS, but its certificate is NOT verified "
            f"({t.tls_options.verify_origin}): anyone on the path can pose as the server",
            fix=manual(
                f"set {t.section}.ca_file to the CA that signed the server's certificate and "
                "drop the setting that turns verification off"
            ),
            **facts,
        )
    return ok(f"{t.host}:{t.port} answers as Redis over TLS (certificate verified)", **facts)


def _protocol(t: Target) -> str:
    """The RESP version the URL asks redis-py for (``protocol=``; empty: redis-py's default)."""
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(t.url).query).get("protocol", [""])[-1].strip()


def _password_unused(t: Target) -> Fix:
    """A password in the URL that the server (no requirepass) does not check: protect the
    server, or drop the password (an edit of the URL)."""
    protect = t.cli("CONFIG", "SET", "requirepass", "PASSWORD", auth=False)
    return fix(
        f"protect the server: {protect} (and requirepass in redis.conf), or remove the "
        f"password from {t.source}",
        url_step(t, t.url_with(t.host, t.port).replace(":PASSWORD@", "@")),
    )


def _client_resp() -> str:
    """The RESP version the installed redis-py speaks when the URL names none (``protocol=``):
    its own default (``redis.utils.DEFAULT_RESP_VERSION``, 3 from redis-py 8); RESP2 where it
    has none."""
    try:
        from redis.utils import DEFAULT_RESP_VERSION
    except ImportError:
        return "2"
    return str(DEFAULT_RESP_VERSION)


def _nopass_default_limited(conn: Resp, t: Target, deadline: float) -> CheckFailed | None:
    """The URL gives a password and no user while the default user is ``nopass``: redis-py 8
    sends ``HELLO 3 AUTH default PASSWORD`` (connection.py: a lone password goes to ``default``),
    which a nopass user accepts whatever the password (acl.c ``ACLCheckUserCredentials``), so
    the application is logged in as ``default``. ``None`` unless ``AUTH default PASSWORD`` is
    OK and ``default`` is then refused DBSIZE with NOPERM (it may not touch the data)."""
    try:
        if conn.call("AUTH", "default", t.password or "", deadline=deadline) != "OK":
            return None
        conn.call("DBSIZE", deadline=deadline)
        return None
    except ReplyError as exc:
        if exc.kind != "NOPERM":
            return None
        refused = exc.text
    named = t.url_with(t.host, t.port).replace("://:PASSWORD@", "://USER:PASSWORD@")
    return CheckFailed(
        f"the URL names no user, so its password logs in as the user 'default' of {t.address}, "
        "which is nopass (it takes any password) and may not touch the data",
        why="redis-py sends a URL's lone password as AUTH default PASSWORD (HELLO 3 AUTH); the "
        "default user is nopass, so that succeeds whatever the password, and then every "
        f"command the application needs is refused (NOPERM: {refused}); the password is an ACL "
        "user's whose name the URL leaves out",
        fix=fix(
            f"name the ACL user whose password this is in {t.source}: {named}",
            Manual(
                f"set {t.source} to {named} (USER: the ACL user the password belongs to)",
                ask=f"whoever sets {t.source}",
            ),
        ),
    )


def _default_disabled(t: Target) -> CheckFailed:
    """The URL gives a password and no user; AUTH PASSWORD is answered acl.c's ERR for a default
    user without a password (nopass), while the first PING of the same connection was answered
    NOAUTH: a nopass default user that is on is logged in as soon as a client connects
    (networking.c ``createClient``), so this one is off (``ACL SETUSER default off`` keeps
    nopass). No password logs in as ``default``; the password is an ACL user's."""
    named = t.url_with(t.host, t.port).replace("://:PASSWORD@", "://USER:PASSWORD@")
    return CheckFailed(
        f"the URL names no user, so its password is sent for the user 'default' of {t.address}, "
        "which is disabled (off): no password logs in as it",
        why="the first PING, before AUTH, was refused NOAUTH (a default user that is on and "
        "nopass is logged in at once, so this one is off), and AUTH PASSWORD was answered that "
        "the default user has no password (it is still nopass: ACL SETUSER default off keeps "
        "the flag); redis-py sends a URL's lone password as the default user's (HELLO 3 AUTH "
        "default PASSWORD: WRONGPASS; over RESP2 AUTH PASSWORD: this ERR) and fails the "
        "connection; the password is an ACL user's whose name the URL leaves out",
        fix=fix(
            f"name the ACL user whose password this is in {t.source}: {named}",
            Manual(
                f"set {t.source} to {named} (USER: the ACL user the password belongs to)",
                ask=f"whoever sets {t.source}",
            ),
        ),
    )


#: ``HELLO 2`` as a RESP array: asks whether the server knows HELLO, without leaving RESP2
HELLO_2 = b"*2\r\n$5\r\nHELLO\r\n$1\r\n2\r\n"


def _resp(t: Target) -> str:
    """The RESP version redis-py speaks for ``t``: the URL's protocol=, else its default."""
    return _protocol(t) or _client_resp()


def _needs_login(session: Session) -> bool:
    """The first PING of the connection was answered NOAUTH: the server requires a login."""
    return session.first_reply is not None and session.first_reply.kind == "NOAUTH"


def _unknown(exc: ReplyError) -> bool:
    """server.c ``processCommand``'s reply to a command it does not know."""
    return exc.kind == "ERR" and UNKNOWN_COMMAND in exc.text.lower()


def _hello_login(conn: Resp, t: Target, deadline: float) -> None:
    """Log in as redis-py does over RESP3, ``HELLO <proto> AUTH user password`` (the default
    user for a lone password), keeping RESP2 (``HELLO 2``); its refusal explained."""
    args = ("HELLO", "2", "AUTH", t.username or "default", t.password or "")
    try:
        shaped(conn, conn.call(*args, deadline=deadline), list)
    except ReplyError as exc:
        raise (auth_err(t, exc, deadline) or explain(t, exc, conn, deadline)) from None


def _hello_unknown(t: Target, deadline: float) -> bool:
    """Whether a new connection's ``HELLO 2`` is answered ``unknown command`` (processCommand
    looks a command up before it asks for a login: NOAUTH means HELLO exists): renamed, or a
    server older than Redis 6. False for any other answer, and for none (a proxy that hangs
    up on HELLO: what it does with redis-py's HELLO is not told by a refusal)."""
    import socket

    budget = max(0.05, min(2.0, deadline - time.monotonic()))
    try:
        if t.path:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(budget)
                sock.connect(t.path)
                sock.sendall(HELLO_2)
                reply = sock.recv(256)
        else:
            opened = _net.connect(
                t.host,
                t.port,
                timeout=budget,
                budget=budget,
                what="Redis",
                start_hint=START_HINT,
                hello=HELLO_2,
                understands=resp_type,
                tls=ssl_context(t) if t.tls else None,
            )
            opened.sock.close()
            reply = opened.reply
    except (CheckFailed, OSError):
        return False
    return reply.startswith(b"-ERR ") and UNKNOWN_COMMAND.encode() in reply.lower()


def _no_hello_by_default(t: Target) -> CheckFailed:
    """A server without HELLO and a URL that names no protocol, while the installed redis-py
    speaks RESP3 by default: it opens every connection with HELLO 3 and fails."""
    base = url_without(t, "protocol")
    resp2 = base + ("&" if "?" in base else "?") + "protocol=2"
    edit = f"add protocol=2 to the query of {t.source} (RESP2 needs no HELLO)"
    remove = "remove rename-command HELLO from redis.conf and restart the server"
    return CheckFailed(
        f"{t.address} has no HELLO command, and the URL names no protocol: redis-py speaks "
        "RESP3 by default, opens every connection with HELLO 3 and fails (unknown command)",
        why="a URL without protocol= gets the installed redis-py's default, RESP3 "
        "(redis.utils.DEFAULT_RESP_VERSION is 3), which begins with HELLO; this server answers "
        "HELLO unknown command on a new connection (rename-command HELLO, or a server older than "
        "Redis 6)",
        fix=fix(
            f"{edit}; or, as {ASK_ADMIN}: {remove}",
            url_step(t, resp2),
            Manual(remove, ask=ASK_ADMIN),
        ),
    )


def _login(session: Session, t: Target, deadline: float) -> None:
    """AUTH (when the URL has a password) and SELECT (a database other than 0), once."""
    if session.ready:
        return
    conn = session.conn
    if t.has_password:
        args = ["AUTH"] + ([t.username] if t.username else []) + [t.password or ""]
        try:
            said = conn.call(*args, deadline=deadline)
            if said != "OK":
                raise conn.broken(f"{repr(said)[:40]} where AUTH answers OK")
        except ReplyError as exc:
            # acl.c: "AUTH <password> called without any password configured for the default
            # user"; another ERR (unknown command: AUTH renamed) is explained by its words
            if exc.kind == "ERR" and not t.username and "without any password" in exc.text:
                first = session.first_reply
                if first is not None and first.kind == "NOAUTH":
                    raise _default_disabled(t) from None
                limited = _nopass_default_limited(conn, t, deadline)
                if limited is not None:
                    raise limited from None
                if (_protocol(t) or _client_resp()) == "3":
                    # redis-py over RESP3 logs in with HELLO 3 AUTH default PASSWORD, which a
                    # default user without a password (nopass) accepts whatever the password:
                    # the application connects; the auth check warns
                    session.password_unchecked = True
                else:
                    raise CheckFailed(
                        f"the URL sends a password, but {t.address} has none configured",
                        why="over RESP2 redis-py sends AUTH PASSWORD, which a server without "
                        "requirepass answers with ERR, and redis-py refuses to connect "
                        "(AuthenticationError); anyone who reaches the server gets in",
                        fix=_password_unused(t),
                    ) from None
            elif _unknown(exc) and _needs_login(session) and _resp(t) == "3":
                # redis-py over RESP3 logs in with HELLO 3 AUTH (helloCommand authenticates
                # itself): no AUTH command is run, so a renamed AUTH does not stop it
                _hello_login(conn, t, deadline)
            else:
                raise (auth_err(t, exc, deadline) or explain(t, exc, conn, deadline)) from None
    if not _protocol(t) and _client_resp() == "3" and _hello_unknown(t, deadline):
        raise _no_hello_by_default(t)
    if _protocol(t) == "3":
        # redis-py sends HELLO 3 on every new connection of a ?protocol=3 URL; HELLO 2 asks the
        # same of the server (the command exists, the user may run it) without leaving RESP2
        try:
            shaped(conn, conn.call("HELLO", "2", deadline=deadline), list)
        except ReplyError as exc:
            failed = explain(t, exc, conn, deadline)
            drop = f"drop protocol=3 from {t.source} (RESP2 needs no HELLO)"
            steps: list[Step] = [Manual(drop, ask=f"whoever sets {t.source}")]
            steps += list(failed.fix.steps) if failed.fix is not None else []
            raise CheckFailed(
                failed.summary,
                why="the URL asks for RESP3 (protocol=3), so redis-py sends HELLO first; "
                f"{failed.why}",
                fix=fix(f"{drop}; or {failed.fix or 'see the server'}", *steps),
            ) from None
    name = _client_name(t)
    if name is not None:
        _set_name(conn, t, name, deadline)
    if t.db:
        try:
            conn.call("SELECT", t.db, deadline=deadline)
        except ReplyError as exc:
            if exc.kind == "NOPERM":
                other = database_refused(conn, t, exc, deadline)
                if other is not None:
                    raise other from None
            if exc.kind != "ERR" or UNKNOWN_COMMAND in exc.text.lower():
                raise explain(t, exc, conn, deadline) from None
            server = _diagnose_info(conn, "server", deadline)
            if server.get("redis_mode") == "sentinel":
                raise sentinel(t, conn, deadline) from None
            raise no_such_db(conn, t, deadline) from None
    session.ready = True


def _client_name(t: Target) -> str | None:
    """The URL's ``client_name`` (redis-py names every new connection with it), or None."""
    from urllib.parse import parse_qs, urlsplit

    values = parse_qs(urlsplit(t.url).query).get("client_name")
    return values[-1] if values else None


def _set_name(conn: Resp, t: Target, name: str, deadline: float) -> None:
    """CLIENT SETNAME, as redis-py sends it after AUTH for a URL with ``client_name``: an ERR
    reply to it (not an unknown command) is the server refusing the name, and redis-py then
    fails every connection."""
    try:
        conn.call("CLIENT", "SETNAME", name, deadline=deadline)
    except ReplyError as exc:
        if exc.kind != "ERR" or UNKNOWN_COMMAND in exc.text.lower():
            raise _sent_for_name(t, explain(t, exc, conn, deadline)) from None
        raise CheckFailed(
            f"{t.address} refuses the URL's client_name: CLIENT SETNAME was answered with "
            f"{exc.kind}",
            why="redis-py sends CLIENT SETNAME with ?client_name= on every new connection and "
            "fails the connection when the server refuses the name (a name may not hold spaces, "
            f"newlines or other special characters); the server said: {exc.text}",
            fix=fix(
                f"set ?client_name= in {t.source} to a name of letters, digits, '-', '_' or '.' "
                "(no spaces), or drop the option",
                Manual(
                    f"set ?client_name= in {t.source} to a name without spaces, or drop it",
                    ask=f"whoever sets {t.source}",
                ),
            ),
        ) from None


def _sent_for_name(t: Target, failed: CheckFailed) -> CheckFailed:
    """``failed`` (CLIENT SETNAME refused: NOPERM, a renamed CLIENT, ...) told as the URL's
    ``client_name``'s doing: without the option redis-py sends no CLIENT SETNAME."""
    drop = f"drop ?client_name= from {t.source} (without it redis-py sends no CLIENT SETNAME)"
    steps: list[Step] = [Manual(drop, ask=f"whoever sets {t.source}")]
    steps += list(failed.fix.steps) if failed.fix is not None else []
    return CheckFailed(
        failed.summary,
        why="the URL's client_name makes redis-py send CLIENT SETNAME on every new connection, "
        f"and the connection fails when it is refused; {failed.why}",
        fix=fix(f"{drop}; or {failed.fix or 'see the server'}", *steps),
    )


@contextmanager
def _ready(ctx: Context, t: Target) -> Iterator[Session]:
    """The shared session; every check after ``reachable`` starts here. A lost connection is
    closed (by the shared holder) before it is reported."""
    try:
        with _session(ctx, t) as session:
            yield session
    except ProtocolViolation as exc:
        raise protocol_broken(t, exc) from None
    except ConnectionLost as exc:
        proxy = hung_up(t, exc, _server.deadline_of(ctx))
        if proxy is not None:
            raise proxy from None
        raise CheckFailed(
            f"{t.address} stopped answering: {exc}",
            why="the server closed the connection, or it is blocked (a long command, a paused "
            "server, a dataset being loaded)",
            fix=manual(
                f"{t.cli('--latency')}; and {t.cli('SLOWLOG', 'GET', '10')}; the server's log",
                ask="the Redis administrator",
            ),
        ) from None


def _call(session: Session, t: Target, deadline: float, *args: str | int) -> Any:
    _login(session, t, deadline)
    try:
        return session.conn.call(*args, deadline=deadline)
    except ReplyError as exc:
        raise explain(t, exc, session.conn, deadline) from None


def auth(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    deadline = _server.deadline_of(ctx)
    started = time.monotonic()
    with _ready(ctx, t) as session:
        _pong(session, _call(session, t, deadline, "PING"))
        first_ms = (time.monotonic() - started) * 1000
        started = time.monotonic()
        _pong(session, _call(session, t, deadline, "PING"))
        ping_ms = (time.monotonic() - started) * 1000
        try:  # a refused INFO leaves the mode unknown; a reply that breaks RESP fails
            # a reply cut short is given up on early enough for its verdict to be the check's
            # own on a loaded machine (0.2 s before the runner's timeout lost that race in CI)
            margin = min(1.0, max(0.2, ctx.check.seconds / 8))
            server = info(session.conn, "server", deadline - margin)
        except ProtocolViolation:
            raise
        except (ReplyError, ConnectionLost):
            server = {}
        if server.get("redis_mode") == "sentinel":
            raise sentinel(t, session.conn, deadline)
    if session.password_unchecked:
        return warn(
            f"the URL sends a password, but {t.address} has none configured: anyone who "
            "reaches it gets in",
            why="the default user has no password (nopass), and redis-py over RESP3 logs in "
            "with HELLO 3 AUTH default PASSWORD, which it accepts whatever the password: the "
            "application connects, and the password in the URL protects nothing",
            fix=_password_unused(t),
            redis_mode=server.get("redis_mode", "unknown"),
            tls=t.tls,
        )
    who = f"as {t.username!r}" if t.username else ("with a password" if t.has_password else "")
    return ok(
        f"PING answered by {t.where} {who}".rstrip(),
        redis_mode=server.get("redis_mode", "unknown"),
        connect_and_auth_ms=round(first_ms, 1),
        ping_ms=round(ping_ms, 2),
        tls=t.tls,
    )


def _pong(session: Session, reply: Any) -> None:
    if reply != "PONG":
        raise session.conn.broken(f"{repr(reply)[:40]} where PING is answered PONG")


def _info(session: Session, t: Target, deadline: float, section: str) -> dict[str, str]:
    _login(session, t, deadline)
    try:
        return info(session.conn, section, deadline)
    except ReplyError as exc:
        raise explain(t, exc, session.conn, deadline) from None


def _not_forwarded(proxy: ProxyHungUp) -> Outcome:
    """INFO or CONFIG not forwarded by a proxy: what the check reads is not to be had through
    it, the data path may well work (the round-trip says)."""
    return warn(proxy.summary, why=proxy.why, fix=proxy.fix)


def version(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    deadline = _server.deadline_of(ctx)
    try:
        with _ready(ctx, t) as session:
            server = _info(session, t, deadline, "server")
            repl = _info(session, t, deadline, "replication")
    except ProxyHungUp as proxy:
        return _not_forwarded(proxy)
    have = server.get("redis_version", "?")
    mode = server.get("redis_mode", "standalone")
    role = "replica" if repl.get("role") == "slave" else "primary"
    facts: dict[str, Any] = {"redis_version": have, "mode": mode, "role": role}
    if role == "replica":
        link = repl.get("master_link_status", "unknown")
        role = f"replica of {repl.get('master_host')}:{repl.get('master_port')} (link {link})"
        facts.update(master_host=repl.get("master_host"), master_link_status=link)
    wanted = ctx.section.min_version
    if wanted and older(have, wanted):
        raise CheckFailed(
            f"Redis {have} is older than the required {wanted}",
            why=f"{t.address} runs an old release",
            fix=manual(
                f"upgrade the server to Redis {wanted} or newer", ask="the Redis administrator"
            ),
            facts=facts,
        )
    required = f" (>= {wanted})" if wanted else ""
    return ok(f"Redis {have}{required}, {mode} {role}", **facts)


def roundtrip(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    deadline = _server.deadline_of(ctx)
    key = f"{KEY_PREFIX}{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    try:
        with _session(ctx, t) as session:
            _login(session, t, deadline)
            conn = session.conn
            started = time.monotonic()
            # the write gets half the time left: a server that pauses writes answers reads
            write_deadline = started + max(0.05, (deadline - started) / 2)
            try:
                written = conn.call("SET", key, value, "EX", 30, "NX", deadline=write_deadline)
                if written is not None and written != "OK":
                    raise conn.broken(f"{written!r} where SET answers OK or a null")
            except ReplyError as exc:
                if exc.kind in ("MOVED", "ASK"):
                    return _elsewhere(ctx, t, exc, key, value, deadline)
                raise explain(t, exc, conn, deadline, key) from None
            if written is None:
                raise CheckFailed(
                    f"probe key {key} already existed; not touched",
                    fix=manual("run the checks again (each run picks a new random key)"),
                )
            back, failure = _get_and_delete(conn, t, key, deadline)
            elapsed = (time.monotonic() - started) * 1000
            # a replica that took the write is one with replica-read-only no
            repl = _diagnose_info(conn, "replication", deadline) if written else {}
    except ProtocolViolation as exc:
        raise protocol_broken(t, exc) from None
    except ConnectionLost as exc:
        proxy = hung_up(t, exc, deadline) if exc.closed else None
        raise (proxy or _write_blocked(ctx, t, key, deadline, exc)) from None
    if failure is not None:
        raise failure
    if back is None or back.decode(errors="replace") != value:
        raise CheckFailed(
            f"{t.where} did not return the value just written",
            why="GET of the key SET a moment before returned another value or none: a proxy or "
            "a module in between, or something that deletes keys at once",
            fix=manual(f"look at what runs between: {t.cli('GET', key)}", ask=ADMIN_WHO),
        )
    if repl.get("role") == "slave" and failure is None:
        return _writable_replica(t, repl, elapsed)
    return ok("SET/GET/DEL of a 30 s probe key, deleted", round_trip_ms=round(elapsed, 2))


def _writable_replica(t: Target, repl: Mapping[str, str], elapsed: float) -> Outcome:
    """The write was accepted by a replica (``INFO replication`` says ``role:slave``): a
    replica with ``replica-read-only no`` keeps writes to itself (replication.c never sends a
    replica's writes up), and its next full sync from the primary drops them."""
    host, port = repl.get("master_host", ""), repl.get("master_port", "")
    link = repl.get("master_link_status", "unknown")
    primary = f"{host}:{port}" if host and port.isdigit() else "its primary"
    text = f"point {t.source} at the primary ({primary}), where writes are kept and replicated"
    steps: list[Step] = [url_step(t, t.url_with(host, int(port)))] if port.isdigit() else []
    step = admin_step(t, "CONFIG", "SET", "replica-read-only", "yes", as_admin=False)
    return warn(
        f"{t.address} is a replica of {primary} (link to it: {link}) that accepts writes "
        "(replica-read-only no): SET/GET/DEL of the probe key worked here, but the "
        "application's writes would never reach the primary",
        why="a replica's own writes are not replicated to its primary or to other replicas, "
        "and its next full sync from the primary replaces its dataset, dropping them",
        fix=fix(f"{text}; then make the replica read-only again: {step.render()}", *steps),
        round_trip_ms=round(elapsed, 2),
        master_host=host,
        master_link_status=link,
    )


ADMIN_WHO = "the Redis administrator"


def _get_and_delete(
    conn: Resp, t: Target, key: str, deadline: float, asking: bool = False
) -> tuple[Any, CheckFailed | None]:
    """GET then DEL of the probe key; the DEL is sent even when the GET failed, and a refused
    DEL is a failure (the key then stays until its TTL ends). ``asking``: each command is
    preceded by ASKING (a key in a slot being imported)."""
    back: Any = None
    failure: CheckFailed | None = None
    try:
        if asking:
            conn.call("ASKING", deadline=deadline)
        back = shaped(conn, conn.call("GET", key, deadline=deadline), bytes, None)
    except ReplyError as exc:
        failure = explain(t, exc, conn, deadline, key)
    try:
        if asking:
            conn.call("ASKING", deadline=max(deadline, time.monotonic() + 1))
        shaped(conn, conn.call("DEL", key, deadline=max(deadline, time.monotonic() + 1)), int)
    except ReplyError as exc:
        failure = failure or explain(t, exc, conn, deadline, key)
    return back, failure


def _write_blocked(
    ctx: Context, t: Target, key: str, deadline: float, exc: ConnectionLost
) -> CheckFailed:
    """The write got no answer: when a read on a new connection is answered, the server pauses
    writes (CLIENT PAUSE ... WRITE, a FAILOVER in progress, or a shutdown waiting for a
    replica)."""
    try:
        with _session(ctx, t) as session:
            _login(session, t, deadline)
            session.conn.call("GET", key, deadline=deadline)
            repl = _diagnose_info(session.conn, "replication", deadline)
            server = _diagnose_info(session.conn, "server", deadline)
    except ReplyError as refused_read:
        return explain(t, refused_read)
    except (ConnectionLost, CheckFailed):
        return CheckFailed(
            f"{t.address} stopped answering: {exc}",
            why="SET got no answer, and neither did a GET on a new connection: the server is "
            "blocked (a long command, CLIENT PAUSE ALL, a dataset being loaded) or gone",
            fix=manual(
                f"{t.cli('--latency')}; and {t.cli('SLOWLOG', 'GET', '10')}; the server's log",
                ask=ADMIN_WHO,
            ),
        )
    failover = repl.get("master_failover_state", "no-failover")
    if failover != "no-failover":
        step = admin_step(t, "FAILOVER", "ABORT", as_admin=False)
        return CheckFailed(
            f"{t.address} holds writes: a FAILOVER is in progress "
            f"(master_failover_state:{failover})",
            why="while a primary hands over to a replica it pauses writes",
            fix=fix(f"wait for it to finish, or abort it: {step.render()}", step),
        )
    if "shutdown_in_milliseconds" in server:
        return _shutdown_waiting(t, server["shutdown_in_milliseconds"], repl)
    step = admin_step(t, "CLIENT", "UNPAUSE", as_admin=False)
    return CheckFailed(
        f"{t.address} answers reads but holds writes: SET got no answer within "
        f"{ctx.check.seconds / 2:g} s while GET on a new connection was answered",
        why="a server paused for writes (CLIENT PAUSE <ms> WRITE) queues every write until the "
        "pause ends",
        fix=fix(f"end the pause: {step.render()}", step),
    )


def _lagging_replicas(repl: dict[str, str]) -> list[str]:
    """The replicas (``slaveN`` of INFO replication) whose acknowledged offset is behind the
    primary's ``master_repl_offset``: ``ip:port (N bytes behind, last ack S s ago)``."""
    primary = int(repl.get("master_repl_offset", "0") or 0)
    behind = []
    for name, value in sorted(repl.items()):
        if not (name.startswith("slave") and name[5:].isdigit()):
            continue
        fields = dict(part.split("=", 1) for part in value.split(",") if "=" in part)
        offset = int(fields.get("offset", "0") or 0)
        if offset < primary:
            behind.append(
                f"{fields.get('ip', '?')}:{fields.get('port', '?')} ({primary - offset} bytes "
                f"behind, last acknowledged {fields.get('lag', '?')} s ago)"
            )
    return behind


def _shutdown_waiting(t: Target, left_ms: str, repl: dict[str, str]) -> CheckFailed:
    """INFO server's ``shutdown_in_milliseconds`` (Redis 7.0, server.c prepareForShutdown): the
    server was asked to stop (SIGTERM, SIGINT or SHUTDOWN) and, with ``shutdown-timeout`` and a
    replica whose acknowledged offset lags, waits for it with every client's writes paused
    (PAUSE_DURING_SHUTDOWN); CLIENT UNPAUSE does not end that pause, SHUTDOWN ABORT does."""
    seconds = int(left_ms) / 1000 if left_ms.isdigit() else None
    left = f"{seconds:.0f} s" if seconds is not None else left_ms
    behind = _lagging_replicas(repl)
    waits = (
        f"its replica {', '.join(behind)}"
        if behind
        else "its replicas (INFO replication lists them)"
    )
    step = admin_step(t, "SHUTDOWN", "ABORT", as_admin=False)
    return CheckFailed(
        f"{t.address} holds writes: it is shutting down and waits for {waits} to catch up "
        f"(shutdown_in_milliseconds: {left} left)",
        why="asked to stop (SIGTERM, SIGINT or SHUTDOWN) with shutdown-timeout set and a replica "
        "behind it, Redis pauses every client's writes until the replica has acknowledged "
        "everything or the grace period ends, and then exits; the pause is the shutdown's, not "
        "CLIENT PAUSE's, and only SHUTDOWN ABORT or the exit ends it",
        fix=fix(
            f"if the stop was not meant: {step.render()} (writes resume); if it was, bring the "
            "replica back (it catches up and the server exits) and point the app at the server "
            "that takes over",
            step,
        ),
    )


def _elsewhere(
    ctx: Context, t: Target, moved: ReplyError, key: str, value: str, deadline: float
) -> Outcome:
    """A Redis Cluster node sent the probe key elsewhere (MOVED, or ASK during a migration):
    follow the redirect once, as a cluster client does, on a connection of its own."""
    parts = moved.text.split()
    slot = parts[1] if len(parts) > 2 else "?"
    host, _, port_text = (parts[2] if len(parts) > 2 else "").rpartition(":")
    if not port_text.isdigit():
        raise explain(t, moved)
    node = Target(**{**t.__dict__, "host": host or t.host, "port": int(port_text), "path": None})
    opened = _net.connect(
        node.host,
        node.port,
        timeout=ctx.check.seconds,
        budget=max(0.05, deadline - time.monotonic()),
        what="Redis",
        start_hint=START_HINT,
        hello=PING_ARRAY,
        understands=is_resp,
        tls=ssl_context(node) if node.tls else None,
    )
    conn = Resp(opened.sock, opened.reply)
    try:
        try:
            conn.read("PING")
        except ReplyError:
            pass  # NOAUTH before AUTH
        try:
            if node.has_password:
                auth = ["AUTH"] + ([node.username] if node.username else []) + [node.password]
                conn.call(*[a or "" for a in auth], deadline=deadline)
            if moved.kind == "ASK":
                conn.call("ASKING", deadline=deadline)
            conn.call("SET", key, value, "EX", 30, "NX", deadline=deadline)
        except ReplyError as exc:
            raise explain(node, exc, conn, deadline, key) from None
        back, failure = _get_and_delete(conn, node, key, deadline, moved.kind == "ASK")
    except ConnectionLost as exc:
        raise CheckFailed(
            f"{node.address} (where {t.address} sent the probe key) stopped answering: {exc}",
            fix=manual(f"{node.cli('CLUSTER', 'NODES')}", ask=ADMIN_WHO),
        ) from None
    finally:
        conn.close()
    if failure is not None:
        raise failure
    if back is None or back.decode(errors="replace") != value:
        raise CheckFailed(
            f"{node.where} did not return the value just written",
            fix=manual(f"look at what runs between: {node.cli('GET', key)}", ask=ADMIN_WHO),
        )
    return ok(
        f"SET/GET/DEL of a 30 s probe key, deleted, on {node.address}: {t.address} is a Redis "
        f"Cluster node and sent the key's hash slot {slot} there ({moved.kind}), as a cluster "
        "client (redis.cluster.RedisCluster) follows; a plain redis.Redis client does not",
        cluster_node=node.address,
    )


def configuration(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    deadline = _server.deadline_of(ctx)
    try:
        with _ready(ctx, t) as session:
            memory = _info(session, t, deadline, "memory")
            persistence = _info(session, t, deadline, "persistence")
            config_refused: ReplyError | None = None
            try:
                reply = session.conn.call("CONFIG", "GET", "save", deadline=deadline)
                shaped(session.conn, reply, list)
                save = (reply[1].decode() if len(reply) > 1 else "") if reply else ""
            except ReplyError as exc:  # CONFIG is often disabled on managed Redis
                save = "unknown"
                config_refused = exc
    except ProxyHungUp as proxy:
        return _not_forwarded(proxy)
    policy = memory.get("maxmemory_policy", "unknown")
    maxmemory = int(memory.get("maxmemory", "0") or 0)
    aof = persistence.get("aof_enabled", "0") == "1"
    rdb = save not in ("", "unknown")
    kinds = [k for k, on in (("rdb", rdb), ("aof", aof)) if on]
    stored = "+".join(kinds) or ("unknown" if save == "unknown" else "none")
    facts: dict[str, Any] = {
        "maxmemory_policy": policy,
        "maxmemory": maxmemory,
        "persistence": stored,
    }
    if policy in _RISKY_EVICTION and maxmemory == 0:
        # evict.c evicts only above a limit: without one (64-bit) the policy deletes nothing
        return ok(
            f"maxmemory-policy {policy} with maxmemory 0 (no limit): Redis evicts nothing "
            f"while no limit is set; persistence {stored}",
            **facts,
        )
    if policy in _RISKY_EVICTION:
        return warn(
            f"maxmemory-policy {policy}: when memory fills, Redis silently deletes keys, "
            "including queued jobs and LangGraph checkpoints",
            fix=_eviction_fix(t, config_refused),
            **facts,
        )
    return ok(f"maxmemory-policy {policy}, persistence {stored}", **facts)


def _eviction_fix(t: Target, refused: ReplyError | None) -> Fix:
    """noeviction for the instance: CONFIG SET (as the configured user, or as an administrator
    when CONFIG GET was refused NOPERM), or redis.conf and a restart when the server has no
    CONFIG command (``unknown command``: rename-command CONFIG, as managed Redis does)."""
    keep = "or keep queues and checkpoints on a separate instance"
    if refused is not None and refused.kind == "ERR" and UNKNOWN_COMMAND in refused.text.lower():
        text = (
            f"set maxmemory-policy noeviction in redis.conf (or the managed service's parameter "
            f"group) and restart the server: it has no CONFIG command (CONFIG GET was answered "
            f"unknown command: rename-command CONFIG in redis.conf), {keep}"
        )
        return fix(text, Manual(text, ask=ADMIN_WHO))
    step = admin_step(
        t,
        "CONFIG",
        "SET",
        "maxmemory-policy",
        "noeviction",
        as_admin=refused is not None and refused.kind == "NOPERM",
    )
    return fix(f"{step.render()}  (and set it in redis.conf), {keep}", step)


def open_client(
    cfg: RedisConfig, rootdir: Path | None = None, environ: Mapping[str, str] | None = None
) -> redis_lib.Redis:
    """A client for the ``envcheck_redis`` fixture (the checks already passed), with the same TLS
    settings as the checks (``ca_file`` relative to ``rootdir``). The checks' own connection is
    closed first, so the fixture never makes a second one."""
    import redis

    _server.close_all((COMPONENT,))
    env = os.environ if environ is None else environ
    url = _interpolate.resolve(cfg.url, env, secret=True)
    extra: dict[str, Any] = {}
    if url.startswith("rediss://"):
        section = f"tool.envcheck.{COMPONENT}"
        options = tls_options(
            cfg, url, section, section, rootdir, lambda value: _interpolate.resolve(value, env)
        )
        extra = options.client_kwargs()
    else:
        extra = _without_setinfo(redis, url, cfg.timeout)
    return redis.Redis.from_url(
        url, socket_connect_timeout=cfg.timeout, socket_timeout=cfg.timeout, **extra
    )


def _without_setinfo(redis: Any, url: str, timeout: float) -> dict[str, Any]:
    """redis-py's arguments that leave out the first commands of its handshake a proxy in front
    of Redis hangs up on (twemproxy: HELLO, CLIENT): ``protocol=2`` (no HELLO 3, redis-py 8's
    default) unless the URL asks for a protocol, ``driver_info=None`` (redis-py 7.1 and later;
    ``lib_name`` and ``lib_version`` None on 5 to 7) for CLIENT SETINFO. None needed elsewhere."""
    import inspect
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    if parts.scheme != "redis" or not parts.hostname:
        return {}
    deadline = time.monotonic() + min(timeout, 5.0)
    dropped = dropped_handshake(parts.hostname, parts.port or 6379, deadline)
    extra: dict[str, Any] = {}
    if "HELLO 3" in dropped and "protocol" not in parse_qs(parts.query):
        extra["protocol"] = 2
    if "CLIENT SETINFO" in dropped:
        if "driver_info" in inspect.signature(redis.Redis.__init__).parameters:
            extra["driver_info"] = None
        else:
            extra.update(lib_name=None, lib_version=None)
    return extra


def _apply_command(cfg: RedisConfig, step: RedisCommand, config: EnvcheckConfig) -> StepResult:
    """A fix's Redis command: one that needs an administrator is sent as ``admin_url``'s user
    when that is set, any other (or without ``admin_url``) as the configured user. An error
    reply is the step's failed result."""
    import redis

    if "admin" in step.needs and cfg.admin_url:
        cfg = cfg.model_copy(update={"url": cfg.admin_url})
    client = open_client(cfg, config.rootdir, config.environ)
    try:
        reply = client.execute_command(*step.args)  # type: ignore[no-untyped-call]
    except redis.ResponseError as exc:
        return StepResult(False, f"{step.render()}: {exc}")
    finally:
        client.close()
    shown = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return StepResult(True, f"{step.render()}: {shown}")


envcheck_apply_step = _server.step_applier(COMPONENT, RedisCommand, _apply_command)
