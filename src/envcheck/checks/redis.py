"""The ``redis`` component: a real Redis server, checked from TCP to a write round-trip.

Checks per instance: ``reachable`` (TCP, the TLS handshake for rediss://, a RESP answer to
``PING``) → ``auth`` (AUTH / ACL user accepted, ``PING``) → ``version``, ``roundtrip``
(``SET``/``GET``/``DEL`` of a unique ``envcheck:probe:*`` key with a 30 s TTL; never ``FLUSH*``,
never a key a user could own), ``config`` (eviction policy and persistence).
"""

from __future__ import annotations

import ssl
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

import pydantic

from envcheck import _interpolate, hookimpl, redact
from envcheck._context import Context
from envcheck._model import Check, CheckFailed, Outcome, ok, warn
from envcheck.checks import _net
from envcheck.checks._common import CheckMaker, not_configured
from envcheck.config import EnvcheckConfig, Instances

if TYPE_CHECKING:
    import redis as redis_lib

COMPONENT = "redis"
DEFAULT_URL = "${REDIS_URL:-redis://localhost:6379/0}"
KEY_PREFIX = "envcheck:probe:"
START_HINT = (
    "start Redis: sudo systemctl start redis-server  (without systemd: redis-server --daemonize "
    "yes; in Docker: docker start <container>)"
)
_RISKY_EVICTION = {"allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu"}
_RISKY_EVICTION |= {"volatile-random", "volatile-ttl"}


class RedisConfig(pydantic.BaseModel):
    """One Redis instance: ``[tool.envcheck.redis]`` or ``[tool.envcheck.redis.NAME]``."""

    model_config = pydantic.ConfigDict(extra="forbid")

    url: str = DEFAULT_URL
    min_version: str | None = None
    timeout: float = pydantic.Field(default=3.0, gt=0)
    write_check: bool = True
    #: rediss:// only: a PEM file of the CA certificate(s) that signed the server's certificate
    #: (relative paths are relative to the project); default: this machine's trust store
    ca_file: str | None = None
    #: rediss:// only: ``false`` skips certificate verification (reported as a warning)
    tls_verify: bool = True

    @pydantic.field_validator("min_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None and not all(part.isdigit() for part in value.split(".")):
            raise ValueError(f"{value!r} is not a version like '7.0'")
        return value


@hookimpl
def envcheck_config_sections() -> dict[str, Any]:
    return {COMPONENT: Instances(RedisConfig)}


@hookimpl
def envcheck_default_config(environ: Mapping[str, str]) -> dict[str, Any] | None:
    if environ.get("REDIS_URL"):
        return {COMPONENT: {"url": "${REDIS_URL}"}}
    return None


@hookimpl
def envcheck_checks(config: EnvcheckConfig) -> Iterator[Check]:
    instances: dict[str, RedisConfig] | None = config.section(COMPONENT)
    if instances is None:
        if config.from_environment:
            yield not_configured(COMPONENT, ["REDIS_URL"])
        return
    for name, instance in instances.items():
        prefix = "" if name == "default" else f"{name}."
        make = CheckMaker(
            COMPONENT, instance, timeout=instance.timeout, prefix=prefix, instance=name
        )

        yield make("reachable", reachable, "the server's address answers")
        yield make("auth", auth, "AUTH / ACL user accepted and PING answered", "reachable")
        yield make("version", version, "server version is recent enough", "auth")
        if instance.write_check:
            yield make("roundtrip", roundtrip, "SET/GET/DEL round-trip leaves nothing", "auth")
        yield make("config", configuration, "eviction policy and persistence", "auth")


@dataclass
class TLSOptions:
    """How a rediss:// connection verifies the server: URL options win, as in redis-py."""

    verify: bool
    check_hostname: bool
    ca_file: str | None
    #: where ``verify`` came from, e.g. ``tool.envcheck.redis.tls_verify = false``
    verify_origin: str
    #: where ``ca_file`` came from, e.g. ``tool.envcheck.redis.ca_file``
    ca_origin: str = ""

    def client_kwargs(self) -> dict[str, Any]:
        return {
            "ssl_cert_reqs": "required" if self.verify else "none",
            "ssl_ca_certs": self.ca_file,
            "ssl_check_hostname": self.check_hostname,
        }


@dataclass
class Target:
    url: str
    host: str
    port: int
    db: int
    tls: bool
    has_password: bool
    username: str | None
    source: str
    section: str
    tls_options: TLSOptions

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}/{self.db}"


def tls_options(
    cfg: RedisConfig,
    url: str,
    section: str,
    source: str,
    rootdir: Path | None,
    resolve: Callable[[str], str],
) -> TLSOptions:
    """Certificate verification for ``url``: ``ssl_cert_reqs`` / ``ssl_ca_certs`` /
    ``ssl_check_hostname`` in the URL (what redis-py reads) win over ``tls_verify`` / ``ca_file``.
    """
    query = {key: values[-1] for key, values in parse_qs(urlsplit(url).query).items()}
    if "ssl_cert_reqs" in query:
        verify = query["ssl_cert_reqs"].strip().lower() != "none"
        origin = f"ssl_cert_reqs={query['ssl_cert_reqs']} in {source}"
    else:
        verify = cfg.tls_verify
        origin = f"{section}.tls_verify = false"
    ca_file = query.get("ssl_ca_certs")
    ca_origin = f"ssl_ca_certs in {source}"
    if ca_file is None and cfg.ca_file:
        ca_origin = f"{section}.ca_file"
        ca_file = resolve(cfg.ca_file)
        if rootdir is not None and not Path(ca_file).is_absolute():
            ca_file = str(Path(rootdir) / ca_file)
    check_hostname = verify
    if "ssl_check_hostname" in query:
        check_hostname = verify and query["ssl_check_hostname"].strip().lower() not in (
            "0",
            "f",
            "false",
            "n",
            "no",
            "off",
        )
    return TLSOptions(verify, check_hostname, ca_file, origin, ca_origin)


def target(ctx: Context, instance: str) -> Target:
    cfg: RedisConfig = ctx.section
    section = f"tool.envcheck.{COMPONENT}" + ("" if instance == "default" else f".{instance}")
    key = f"{section}.url"
    refs = _interpolate.references(cfg.url)
    source = refs[0] if refs else key
    url = ctx.resolve(cfg.url, secret=True, key=key)
    example = "redis://[:PASSWORD@]HOST:6379/0 (rediss:// for TLS)"
    try:
        parts = urlsplit(url)
        port = parts.port or 6379
    except ValueError as exc:
        raise CheckFailed(
            f"{source} is not a valid Redis URL ({exc})", hint=f"set {source} like {example}"
        ) from None
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise CheckFailed(
            f"{source} is not a redis:// or rediss:// URL with a host",
            hint=f"set {source} like {example}",
        )
    if parts.password:
        redact.register(unquote(parts.password))
    path = parts.path.strip("/") or "0"
    if not path.isdigit():
        raise CheckFailed(
            f"{source} names database {path!r}; Redis databases are numbers",
            hint=f"set {source} like {example}",
        )
    return Target(
        url=url,
        host=parts.hostname,
        port=port,
        db=int(path),
        tls=parts.scheme == "rediss",
        has_password=bool(parts.password),
        username=unquote(parts.username) if parts.username else None,
        source=source,
        section=section,
        tls_options=tls_options(
            cfg,
            url,
            section,
            source,
            ctx.rootdir,
            lambda value: ctx.resolve(value, key=f"{section}.ca_file"),
        ),
    )


def _is_resp(reply: bytes) -> bool:
    return reply[:1] in (b"+", b"-")


def ssl_context(t: Target) -> ssl.SSLContext:
    """The TLS settings redis-py will use for ``t`` (see ``Connection._wrap_socket_with_ssl``)."""
    tls = t.tls_options
    context = ssl.create_default_context()
    context.check_hostname = tls.check_hostname
    context.verify_mode = ssl.CERT_REQUIRED if tls.verify else ssl.CERT_NONE
    if tls.ca_file:
        try:
            context.load_verify_locations(cafile=tls.ca_file)
        except FileNotFoundError:
            raise CheckFailed(
                f"the CA file {tls.ca_file} does not exist",
                why=f"{tls.ca_origin} names a file that is not there",
                hint=f"set {t.section}.ca_file to the PEM file of the CA that signed the "
                "server's certificate",
            ) from None
        except ssl.SSLError as exc:
            raise CheckFailed(
                f"the CA file {tls.ca_file} holds no usable certificate ({exc.reason or exc})",
                why="it must be PEM: -----BEGIN CERTIFICATE----- blocks",
                hint=f"check it: openssl x509 -in {tls.ca_file} -noout -subject",
            ) from None
    return context


def reachable(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    budget = ctx.remaining()
    deadline = time.monotonic() + budget
    try:
        latency = _net.probe(
            t.host,
            t.port,
            timeout=ctx.check.seconds,
            budget=budget,
            what="Redis",
            start_hint=START_HINT,
            hello=b"PING\r\n",
            understands=_is_resp,
            tls=ssl_context(t) if t.tls else None,
        )
    except _net.ConversationFailed as exc:
        raise _refine(exc, t, deadline) from None
    facts: dict[str, Any] = {"tcp_connect_ms": round(latency, 1), "tls": t.tls}
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


def _refine(exc: _net.ConversationFailed, t: Target, deadline: float) -> CheckFailed:
    """Name a TLS / plain-text mismatch instead of a handshake failure or a silence."""
    tls_to_plain = t.tls and exc.kind != "untrusted"
    if tls_to_plain and _net.answers(t.host, t.port, b"PING\r\n", _is_resp, deadline):
        return CheckFailed(
            f"TLS to a port that speaks plain Redis: {t.host}:{t.port} answers PING without TLS",
            why=f"{t.source} is a rediss:// (TLS) URL, but the server has TLS off on port "
            f"{t.port}",
            hint=f"use redis:// instead of rediss:// in {t.source}, or enable TLS on the "
            "server (tls-port, tls-cert-file, tls-key-file in redis.conf) and point rediss:// "
            "at its tls-port",
        )
    plain_to_tls = not t.tls and exc.kind in ("closed", "foreign")
    if plain_to_tls and _net.speaks_tls(t.host, t.port, deadline):
        return CheckFailed(
            f"plain Redis to a port that speaks TLS: {t.host}:{t.port} expects a TLS handshake",
            why=f"{t.source} is a redis:// (plain) URL, but the server accepts only TLS on port "
            f"{t.port}",
            hint=f"use rediss:// instead of redis:// in {t.source} (and set {t.section}.ca_file "
            "if the server's certificate is self-signed or from a private CA), or use the "
            "server's plain port",
        )
    if exc.kind == "untrusted":
        return CheckFailed(
            exc.summary,
            why=exc.why,
            hint=f"set {t.section}.ca_file to the PEM file of the CA that signed the server's "
            f"certificate (check: openssl s_client -connect {t.host}:{t.port} -CAfile FILE "
            "-verify_return_error); if it was issued for another name, connect by that name",
        )
    return exc


def client(ctx: Context, t: Target) -> redis_lib.Redis:
    """A client that fails fast: bounded connect and read, no retries."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    timeout = ctx.remaining()
    return redis.Redis.from_url(
        t.url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=0,
        **(t.tls_options.client_kwargs() if t.tls else {}),
    )


def _diagnose(exc: Exception, t: Target) -> CheckFailed:
    import redis

    text = str(exc)
    no_password = not t.has_password and not t.username
    if isinstance(exc, redis.AuthenticationError) and (no_password or "NOAUTH" in text):
        return CheckFailed(
            f"{t.host}:{t.port} requires a password (NOAUTH)",
            why="the URL has no password, and the server has requirepass / ACL users",
            hint=f"put the password in {t.source}: redis://:PASSWORD@{t.host}:{t.port}/{t.db}",
        )
    if isinstance(exc, redis.AuthenticationError) or "WRONGPASS" in text:
        user = f"user {t.username!r}" if t.username else "the default user"
        return CheckFailed(
            f"authentication failed for {user} at {t.host}:{t.port} (WRONGPASS)",
            why="the password (or ACL user) in the URL is not accepted",
            hint=f"fix the password in {t.source}; on the server: redis-cli ACL LIST "
            "shows the users",
        )
    if "without any password configured" in text:
        return CheckFailed(
            f"the URL sends a password, but {t.host}:{t.port} has none configured",
            why="AUTH fails on a server without requirepass",
            hint=f"remove the password from {t.source} (or set requirepass on the server)",
        )
    if isinstance(exc, redis.exceptions.NoPermissionError):
        return CheckFailed(
            f"the ACL user may not run what envcheck needs: {text}",
            hint=f"ACL SETUSER {t.username or 'default'} +ping +info +set +get +del "
            f"~{KEY_PREFIX}*",
        )
    if isinstance(exc, redis.ReadOnlyError):
        return CheckFailed(
            f"{t.host}:{t.port} is a read-only replica",
            why="writes are only accepted by the primary",
            hint=f"point {t.source} at the primary",
        )
    if isinstance(exc, redis.exceptions.OutOfMemoryError) or text.startswith("OOM"):
        return CheckFailed(
            f"{t.host}:{t.port} is out of memory: writes are refused (OOM)",
            why="used memory is above maxmemory and the policy is noeviction",
            hint="free memory or raise it: redis-cli CONFIG SET maxmemory <bytes> "
            "(and in redis.conf)",
        )
    if isinstance(exc, redis.TimeoutError):
        return CheckFailed(
            f"{t.host}:{t.port} did not answer in time",
            why="the server is overloaded, blocked by a slow command, or the network drops packets",
            hint="redis-cli --latency, and check SLOWLOG on the server",
        )
    if isinstance(exc, redis.ConnectionError) and "CERTIFICATE_VERIFY_FAILED" in text:
        return CheckFailed(
            f"the TLS certificate of {t.host}:{t.port} is not trusted: {text}",
            why="it is self-signed, signed by a CA this machine does not trust, or issued for "
            "another host name",
            hint=f"set {t.section}.ca_file to the PEM file of the CA that signed it",
        )
    if isinstance(exc, redis.ConnectionError) and ("SSL" in text or "ssl" in text):
        return CheckFailed(
            f"TLS handshake with {t.host}:{t.port} failed: {text}",
            why="rediss:// against a plain port, or TLS settings the server refuses",
            hint=f"use redis:// for a plain port in {t.source}; `redis-cli -h {t.host} -p "
            f"{t.port} --tls --cacert FILE ping` shows what the server says",
        )
    return CheckFailed(f"{t.where}: {type(exc).__name__}: {text}", hint=f"check {t.source}")


def auth(instance: str, ctx: Context) -> Outcome:
    import redis

    t = target(ctx, instance)
    started = time.monotonic()
    try:
        with client(ctx, t) as conn:
            conn.ping()
            first_ms = (time.monotonic() - started) * 1000
            started = time.monotonic()
            conn.ping()
            ping_ms = (time.monotonic() - started) * 1000
    except redis.RedisError as exc:
        raise _diagnose(exc, t) from None
    who = f"as {t.username!r}" if t.username else ("with a password" if t.has_password else "")
    return ok(
        f"PING answered by {t.where} {who}".rstrip(),
        connect_and_auth_ms=round(first_ms, 1),
        ping_ms=round(ping_ms, 2),
        tls=t.tls,
    )


def _number(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def version(instance: str, ctx: Context) -> Outcome:
    import redis

    t = target(ctx, instance)
    try:
        with client(ctx, t) as conn:
            info = conn.info("server")
    except redis.RedisError as exc:
        raise _diagnose(exc, t) from None
    have = str(info.get("redis_version", "?"))
    wanted = ctx.section.min_version
    if wanted and _number(have) < _number(wanted):
        raise CheckFailed(
            f"Redis {have} is older than the required {wanted}",
            why=f"{t.host}:{t.port} runs an old release",
            hint=f"upgrade the server to Redis {wanted} or newer",
            facts={"redis_version": have},
        )
    mode = str(info.get("redis_mode", "standalone"))
    required = f" (>= {wanted})" if wanted else ""
    return ok(f"Redis {have}{required}, {mode}", redis_version=have, mode=mode)


def roundtrip(instance: str, ctx: Context) -> Outcome:
    import redis

    t = target(ctx, instance)
    key = f"{KEY_PREFIX}{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    try:
        with client(ctx, t) as conn:
            started = time.monotonic()
            try:
                if not conn.set(key, value, ex=30, nx=True):
                    raise CheckFailed(f"probe key {key} already existed; not touched", hint="retry")
                back = conn.get(key)
            finally:
                conn.delete(key)
            elapsed = (time.monotonic() - started) * 1000
    except redis.RedisError as exc:
        raise _diagnose(exc, t) from None
    if back is None or back.decode() != value:
        raise CheckFailed(f"{t.where} did not return the value just written", hint="redis-cli")
    return ok("SET/GET/DEL of a 30 s probe key, deleted", round_trip_ms=round(elapsed, 2))


def configuration(instance: str, ctx: Context) -> Outcome:
    import redis

    t = target(ctx, instance)
    try:
        with client(ctx, t) as conn:
            memory = conn.info("memory")
            persistence = conn.info("persistence")
            try:
                save = str(conn.config_get("save").get("save", ""))
            except redis.ResponseError:  # CONFIG is often disabled on managed Redis
                save = "unknown"
    except redis.RedisError as exc:
        raise _diagnose(exc, t) from None
    policy = str(memory.get("maxmemory_policy", "unknown"))
    maxmemory = int(memory.get("maxmemory", 0) or 0)
    aof = bool(int(persistence.get("aof_enabled", 0) or 0))
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
            hint="redis-cli CONFIG SET maxmemory-policy noeviction  (and set it in redis.conf), "
            "or keep queues and checkpoints on a separate instance",
            **facts,
        )
    return ok(f"maxmemory-policy {policy}, persistence {stored}", **facts)


def open_client(cfg: RedisConfig, rootdir: Path | None = None) -> redis_lib.Redis:
    """A client for the ``envcheck_redis`` fixture (the checks already passed), with the same TLS
    settings as the checks (``ca_file`` relative to ``rootdir``)."""
    import redis

    url = _interpolate.resolve(cfg.url, secret=True)
    extra: dict[str, Any] = {}
    if url.startswith("rediss://"):
        section = f"tool.envcheck.{COMPONENT}"
        options = tls_options(cfg, url, section, section, rootdir, _interpolate.resolve)
        extra = options.client_kwargs()
    return redis.Redis.from_url(
        url, socket_connect_timeout=cfg.timeout, socket_timeout=cfg.timeout, **extra
    )
