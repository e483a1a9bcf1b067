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

from envcheck.checks.redis.config import RedisConfig, default_config
from envcheck.checks.redis.diagnose import KEY_PREFIX, explain, is_resp, no_such_db, refine, refused
from envcheck.checks.redis.resp import ConnectionLost, ReplyError, Resp, info
from envcheck.checks.redis.target import Target, ssl_context, target, tls_options
from envcheck.checks.shared import server as _server
from envcheck.checks.shared.config import older
from envcheck.core import interpolate as _interpolate
from envcheck.core.config import EnvcheckConfig
from envcheck.core.fix import RedisCommand, StepResult
from envcheck.core.model import Check, CheckFailed, Context, Outcome, ok, warn
from envcheck.kit import Component, _net

if TYPE_CHECKING:
    import redis as redis_lib

COMPONENT = "redis"
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

    def close(self) -> None:
        self.conn.close()


def _open(ctx: Context, t: Target) -> Session:
    opened = _net.connect(
        t.host,
        t.port,
        timeout=ctx.check.seconds,
        budget=ctx.remaining(),
        what="Redis",
        start_hint=START_HINT,
        hello=b"PING\r\n",
        understands=is_resp,
        tls=ssl_context(t) if t.tls else None,
    )
    session = Session(Resp(opened.sock, opened.reply), opened.latency)
    try:
        session.conn.read("PING")
    except ReplyError as exc:
        session.first_reply = exc  # NOAUTH is normal; ERR here is a refused client
    except ConnectionLost:
        pass
    return session


def _session(ctx: Context, t: Target) -> Any:
    holder = _server.shared((COMPONENT, t.instance, t.url), Session.close)
    return holder.use(ctx, lambda: _open(ctx, t))


def reachable(instance: str, ctx: Context) -> Outcome:
    cfg: RedisConfig = ctx.section
    t = target(ctx, instance)
    ctx.fact("settings_from", _server.settings_from(ctx, cfg))
    deadline = _server.deadline_of(ctx)
    try:
        with _session(ctx, t) as session:
            first = session.first_reply
            latency = session.latency
    except _net.ConversationFailed as exc:
        raise refine(exc, t, deadline) from None
    except CheckFailed as exc:
        if not cfg.required and _net.nothing_listens(exc):
            raise _server.not_found("Redis", f"{t.host}:{t.port}", CONFIGURE) from None
        raise
    if first is not None and first.kind not in ("NOAUTH", "WRONGPASS"):
        _server.close_all((COMPONENT, t.instance))
        raise refused(t, first)
    facts: dict[str, Any] = {"tls": t.tls, "tcp_connect_ms": round(latency, 1)}
    if not t.tls:
        return ok(f"{t.host}:{t.port} answers as Redis", **facts)
    if not t.tls_options.verify:
        return warn(
            f"{t.host}:{t.port} answers as Redis over TLS, but its certificate is NOT verified "
            f"({t.tls_options.verify_origin}): anyone on the path can pose as the server",
            hint=f"set {t.section}.ca_file to the CA that signed the server's certificate and "
            "drop the setting that turns verification off",
            **facts,
        )
    return ok(f"{t.host}:{t.port} answers as Redis over TLS (certificate verified)", **facts)


def _login(session: Session, t: Target, deadline: float) -> None:
    """AUTH (when the URL has a password) and SELECT (a database other than 0), once."""
    if session.ready:
        return
    conn = session.conn
    if t.has_password:
        args = ["AUTH"] + ([t.username] if t.username else []) + [t.password or ""]
        try:
            conn.call(*args, deadline=deadline)
        except ReplyError as exc:
            if exc.kind == "ERR" and not t.username:
                raise CheckFailed(
                    f"the URL sends a password, but {t.host}:{t.port} has none configured",
                    why="AUTH is answered with ERR on a server without requirepass: anyone who "
                    "reaches it gets in, and clients stricter than redis-py refuse the URL",
                    hint=f"remove the password from {t.source}, or protect the server: "
                    f"{t.cli('CONFIG', 'SET', 'requirepass', '<password>', auth=False)} (and "
                    "requirepass in redis.conf)",
                ) from None
            raise explain(t, exc) from None
    if t.db:
        try:
            conn.call("SELECT", t.db, deadline=deadline)
        except ReplyError as exc:
            if exc.kind != "ERR":
                raise explain(t, exc) from None
            raise no_such_db(conn, t, deadline) from None
    session.ready = True


@contextmanager
def _ready(ctx: Context, t: Target) -> Iterator[Session]:
    """The shared session; every check after ``reachable`` starts here. A lost connection is
    closed (by the shared holder) before it is reported."""
    try:
        with _session(ctx, t) as session:
            yield session
    except ConnectionLost as exc:
        raise CheckFailed(
            f"{t.host}:{t.port} stopped answering: {exc}",
            why="the server closed the connection or is blocked (a slow command, a dump)",
            hint=f"{t.cli('--latency')}; and {t.cli('SLOWLOG', 'GET', '10')}",
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
        _call(session, t, deadline, "PING")
        first_ms = (time.monotonic() - started) * 1000
        started = time.monotonic()
        _call(session, t, deadline, "PING")
        ping_ms = (time.monotonic() - started) * 1000
    who = f"as {t.username!r}" if t.username else ("with a password" if t.has_password else "")
    return ok(
        f"PING answered by {t.where} {who}".rstrip(),
        connect_and_auth_ms=round(first_ms, 1),
        ping_ms=round(ping_ms, 2),
        tls=t.tls,
    )


def _info(session: Session, t: Target, deadline: float, section: str) -> dict[str, str]:
    _login(session, t, deadline)
    try:
        return info(session.conn, section, deadline)
    except ReplyError as exc:
        raise explain(t, exc, session.conn, deadline) from None


def version(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    deadline = _server.deadline_of(ctx)
    with _ready(ctx, t) as session:
        server = _info(session, t, deadline, "server")
        repl = _info(session, t, deadline, "replication")
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
            why=f"{t.host}:{t.port} runs an old release",
            hint=f"upgrade the server to Redis {wanted} or newer",
            facts=facts,
        )
    required = f" (>= {wanted})" if wanted else ""
    return ok(f"Redis {have}{required}, {mode} {role}", **facts)


def roundtrip(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    deadline = _server.deadline_of(ctx)
    key = f"{KEY_PREFIX}{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    with _ready(ctx, t) as session:
        started = time.monotonic()
        try:
            if _call(session, t, deadline, "SET", key, value, "EX", 30, "NX") is None:
                raise CheckFailed(f"probe key {key} already existed; not touched", hint="retry")
            back = _call(session, t, deadline, "GET", key)
        finally:
            try:
                session.conn.call("DEL", key, deadline=max(deadline, time.monotonic() + 1))
            except (ReplyError, ConnectionLost):
                pass  # it expires within 30 s
        elapsed = (time.monotonic() - started) * 1000
    if back is None or back.decode() != value:
        raise CheckFailed(
            f"{t.where} did not return the value just written", hint=t.cli("GET", key)
        )
    return ok("SET/GET/DEL of a 30 s probe key, deleted", round_trip_ms=round(elapsed, 2))


def configuration(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    deadline = _server.deadline_of(ctx)
    with _ready(ctx, t) as session:
        memory = _info(session, t, deadline, "memory")
        persistence = _info(session, t, deadline, "persistence")
        try:
            reply = session.conn.call("CONFIG", "GET", "save", deadline=deadline)
            save = (reply[1].decode() if len(reply) > 1 else "") if reply else ""
        except ReplyError:  # CONFIG is often disabled on managed Redis
            save = "unknown"
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
    if policy in _RISKY_EVICTION:
        return warn(
            f"maxmemory-policy {policy}: when memory fills, Redis silently deletes keys, "
            "including queued jobs and LangGraph checkpoints",
            hint=f"{t.cli('CONFIG', 'SET', 'maxmemory-policy', 'noeviction')}  (and set it in "
            "redis.conf), or keep queues and checkpoints on a separate instance",
            **facts,
        )
    return ok(f"maxmemory-policy {policy}, persistence {stored}", **facts)


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
    return redis.Redis.from_url(
        url, socket_connect_timeout=cfg.timeout, socket_timeout=cfg.timeout, **extra
    )


def _apply_command(cfg: RedisConfig, step: RedisCommand, config: EnvcheckConfig) -> StepResult:
    """A fix's Redis command, sent as the configured user."""
    client = open_client(cfg, config.rootdir, config.environ)
    try:
        reply = client.execute_command(*step.args)  # type: ignore[no-untyped-call]
    finally:
        client.close()
    shown = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return StepResult(True, f"{step.render()}: {shown}")


envcheck_apply_step = _server.step_applier(COMPONENT, RedisCommand, _apply_command)
