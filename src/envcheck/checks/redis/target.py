"""Where a redis instance points: its URL parsed by envcheck (never echoed), and its TLS settings
(redis-py's URL options win over ``tls_verify`` / ``ca_file``, as they do in redis-py)."""

from __future__ import annotations

import codecs
import difflib
import inspect
import re
import shlex
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse, urlsplit

from envcheck.checks.shared import server as _server
from envcheck.core import interpolate as _interpolate
from envcheck.core import redact
from envcheck.core.fix import Command, Fix, Manual
from envcheck.core.model import CheckFailed, Context
from envcheck.kit import _net

EXAMPLE = (
    "redis://[[USER]:PASSWORD@]HOST:6379/0 (rediss:// for TLS, unix:///PATH?db=0 for a socket)"
)
SCHEMES = ("redis", "rediss", "unix")
ENCODE = "percent-encode / ? # @ : and % in the user name and password (as %2F %3F %23 %40 %3A %25)"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]{0,30})://")


class UrlError(ValueError):
    """What is wrong with a Redis URL, in words that never quote its value; ``change`` is the
    edit that fixes it, when it is one option's value (not the URL's shape)."""

    def __init__(self, message: str, change: str | None = None) -> None:
        super().__init__(message)
        self.change = change


#: a query option's value short and plain enough to be shown: a piece of a password cut off by
#: an unencoded ``?`` carries the ``@`` that follows it, so it never matches
_SHOWN = re.compile(r"[A-Za-z0-9._-]{1,40}")
#: what each of redis-py's query options takes, for the fix
_KINDS: dict[Any, str] = {int: "a whole number", float: "a number of seconds"}


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
    #: ``ssl_ca_path`` in the URL: a directory of CA certificates (OpenSSL's capath, hashed
    #: names), which redis-py loads beside ``ssl_ca_certs``
    ca_path: str | None = None

    def client_kwargs(self) -> dict[str, Any]:
        return {
            "ssl_cert_reqs": "required" if self.verify else "none",
            "ssl_ca_certs": self.ca_file,
            "ssl_ca_path": self.ca_path,
            "ssl_check_hostname": self.check_hostname,
        }


@dataclass
class Target:
    url: str = field(repr=False)
    host: str
    port: int
    db: int
    tls: bool
    has_password: bool
    username: str | None
    source: str
    section: str
    tls_options: TLSOptions
    password: str | None = field(default=None, repr=False)
    instance: str = "default"

    #: a unix:// URL: the socket's path (``host`` and ``port`` are then not used)
    path: str | None = None
    #: the URL's path is not a database number: redis-py ignores it and uses database 0
    path_ignored: bool = False
    #: the project file that holds the URL literally (``pyproject.toml``), which a fix may edit
    config_file: str | None = None
    #: ``admin_url``, when set: a diagnosis may look at ACL users as that user (read only)
    admin_url: str | None = field(default=None, repr=False)
    #: envcheck's own TLS conversations with the server, by the deadline of the diagnosis that
    #: made each (one per diagnosis: see :func:`envcheck.checks.redis.diagnose.tls_talk`)
    talks: dict[float, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def address(self) -> str:
        """``host:port``, or the socket's path."""
        return self.path or f"{self.host}:{self.port}"

    @property
    def where(self) -> str:
        return f"{self.path} db {self.db}" if self.path else f"{self.host}:{self.port}/{self.db}"

    def url_with(self, host: str, port: int) -> str:
        """A redis:// URL to ``host:port`` with this one's scheme, user and database (the password
        as the placeholder PASSWORD)."""
        scheme = "rediss" if self.tls else "redis"
        user = quote(self.username or "", safe="")
        auth = f"{user}:PASSWORD@" if self.has_password else (f"{user}@" if user else "")
        shown = f"[{host}]" if ":" in host else host
        return f"{scheme}://{auth}{shown}:{port}/{self.db}"

    def cli(self, *command: str, auth: bool = True, user: str | None = None) -> str:
        """``redis-cli`` aimed at this server, as this user (asking for the password), or as
        ``user`` (an administrator: ``ADMIN``)."""
        parts = ["redis-cli", "-s", self.path] if self.path else ["redis-cli"]
        if not self.path:
            parts += ["-h", self.host, "-p", str(self.port)]
        if self.tls:
            parts.append("--tls")
            if self.tls_options.ca_file:
                parts += ["--cacert", self.tls_options.ca_file]
            elif not self.tls_options.verify:
                parts.append("--insecure")
        if user is not None:
            parts += ["--user", user, "--askpass"]
        else:
            if self.username and auth:
                parts += ["--user", self.username]
            if self.has_password and auth:
                parts.append("--askpass")
        return shlex.join(parts + list(command))


def tls_options(
    cfg: Any,
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
    return TLSOptions(verify, check_hostname, ca_file, origin, ca_origin, query.get("ssl_ca_path"))


#: redis-py's query options and how it reads their values (``URL_QUERY_ARGUMENT_PARSERS``); a
#: value these cannot read makes redis-py reject the URL
_QUERY_PARSERS: dict[str, Callable[[str], Any]] = {
    "db": int,
    "socket_timeout": float,
    "socket_connect_timeout": float,
    "socket_read_size": int,
    "max_connections": int,
    "health_check_interval": int,
    "ssl_min_version": int,
    "timeout": float,
    "protocol": int,
}


def _query_parsers() -> dict[str, Callable[[str], Any]]:
    """How redis-py reads each query option (its own ``URL_QUERY_ARGUMENT_PARSERS``), or
    envcheck's copy of the plain ones without redis-py."""
    try:
        from redis.connection import URL_QUERY_ARGUMENT_PARSERS
    except ImportError:
        return dict(_QUERY_PARSERS)
    found: dict[str, Callable[[str], Any]] = {
        name: reader for name, reader in URL_QUERY_ARGUMENT_PARSERS.items() if callable(reader)
    }
    return found


def _kind_of(option: str) -> str:
    """What a query option whose reader is not int or float takes."""
    if option.endswith("verify_flags"):
        return "names of ssl.VerifyFlags separated by commas (VERIFY_X509_STRICT, ...)"
    return "true or false" if option in _BOOLEANS else "another value"


#: redis-py's boolean query options (read by its to_bool)
_BOOLEANS = ("socket_keepalive", "retry_on_timeout", "ssl_check_hostname", "legacy_responses")


def _read_like_redis_py(url: str) -> dict[str, Any]:
    """What redis-py's ``parse_url`` makes of ``url`` (used where redis-py is not installed):
    the scheme must be ``redis://``, ``rediss://`` or ``unix://`` (lower case); user name and
    password are percent-decoded where they can be; a port that is not a number from 0 to 65535
    or a query option whose value cannot be read rejects the URL; a path that is not a number is
    ignored (database 0)."""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("scheme")
    parts = urlparse(url)
    found: dict[str, Any] = {}
    for name, values in parse_qs(parts.query).items():
        if values:
            reader = _QUERY_PARSERS.get(name)
            found[name] = reader(values[0]) if reader else values[0]
    if parts.username:
        found["username"] = unquote(parts.username)
    if parts.password:
        found["password"] = unquote(parts.password)
    if parts.scheme == "unix":
        if parts.path:
            found["path"] = unquote(parts.path)
        return found
    if parts.hostname:
        found["host"] = unquote(parts.hostname)
    if parts.port:
        found["port"] = parts.port
    if parts.path and "db" not in found:
        try:
            found["db"] = int(unquote(parts.path).replace("/", ""))
        except ValueError:
            pass
    return found


def _redis_py_reads(url: str) -> dict[str, Any]:
    """redis-py's own reading of ``url`` (``redis.connection.parse_url``, what
    ``Redis.from_url`` uses), or the same rules where redis-py is not installed. Raises
    ``ValueError`` for a URL redis-py rejects."""
    try:
        from redis.connection import parse_url as redis_parse_url
    except ImportError:
        return _read_like_redis_py(url)
    found: dict[str, Any] = dict(redis_parse_url(url))  # type: ignore[no-untyped-call]
    found.pop("connection_class", None)
    return found


def _sentinel_behind(url: str) -> tuple[str, str, str | None] | None:
    """For a URL redis-py rejects by its scheme whose host and port answer as a Redis Sentinel
    (``INFO server``: ``redis_mode:sentinel``): the address, the service the path names and the
    primary the Sentinel gives for it (``SENTINEL GET-MASTER-ADDR-BY-NAME``), or None."""
    scheme = _SCHEME.match(url.strip())
    if scheme is None or scheme.group(1) in SCHEMES:
        return None
    try:
        parts = urlparse("redis" + url.strip()[len(scheme.group(1)) :])
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or not port:
        return None
    service = next((p for p in parts.path.split("/") if p), "")
    from envcheck.checks.redis.resp import ConnectionLost, ReplyError, Resp, info

    deadline = time.monotonic() + 1.5
    try:  # envcheck's own RESP client: one try, no client-side retries
        sock = socket.create_connection((host, port), timeout=1.0)
    except OSError:
        return None
    conn = Resp(sock)
    try:
        if info(conn, "server", deadline).get("redis_mode") != "sentinel":
            return None
        primary = None
        if service:
            found = conn.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", service, deadline=deadline)
            if isinstance(found, list) and len(found) == 2:
                ip, at = (x.decode() if isinstance(x, bytes) else str(x) for x in found)
                primary = f"{ip}:{at}"
    except (ConnectionLost, ReplyError, OSError, ValueError):
        return None
    finally:
        conn.close()
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}", service, primary


def _sentinel_url(source: str, url: str, behind: tuple[str, str, str | None]) -> CheckFailed:
    address, service, primary = behind
    scheme = url.strip().split("://", 1)[0]
    named = f"names {service!r}'s primary at {primary}" if primary else "names no such primary"
    asked = f"master_for({service!r})" if service else "master_for(NAME)"
    first = (
        f"point {source} at the primary the Sentinel names: redis://{primary}/0 (it changes on "
        "a failover), or "
        if primary
        else ""
    )
    return CheckFailed(
        f"{source} is not a URL redis-py reads: its scheme is {scheme}://, and {address} is a "
        f"Redis Sentinel (redis_mode:sentinel) that {named}",
        why="redis-py reads only redis://, rediss:// and unix:// URLs; it asks a Sentinel for "
        "the primary through redis.sentinel.Sentinel, not through a URL",
        fix=Fix(
            [
                Manual(
                    f"{first}have the application use redis.sentinel.Sentinel([...]).{asked}",
                    ask="whoever sets " + source,
                )
            ],
            text=f"{first}have the application ask the Sentinel: "
            f"redis.sentinel.Sentinel([...]).{asked}",
        ),
    )


def _rejected(url: str) -> UrlError:
    """Why redis-py rejects ``url``, in envcheck's words: never a piece of the value."""
    scheme = _SCHEME.match(url.strip())
    if scheme is None:
        return UrlError("it is not a URL (redis://..., rediss://... or unix:///path)")
    name = scheme.group(1)
    if name not in SCHEMES:
        close = difflib.get_close_matches(name.lower(), SCHEMES, n=1, cutoff=0.5)
        also = f" (did you mean {close[0]}://?)" if close else ""
        return UrlError(
            f"its scheme is not redis://, rediss:// or unix:// (lower case){also}"
            if name.lower() in SCHEMES or not name.isalnum()
            else f"its scheme is {name}://, not redis://, rediss:// or unix://{also}"
        )
    parts = urlparse(url)
    try:
        parts.port
    except ValueError:
        return UrlError(
            "what stands where its port should be is not a number from 0 to 65535; a password "
            f"that contains / ? # @ or : cuts the URL short: {ENCODE}",
            "write the port after the host as a number from 1 to 65535 (redis://HOST:6379/0), "
            f"and {ENCODE}",
        )
    parsers = _query_parsers()
    for option, values in parse_qs(parts.query).items():
        reader = parsers.get(option)
        if reader is not None and values:
            try:
                reader(values[0])
            except (ValueError, TypeError):
                shown = f" ({values[0]!r})" if _SHOWN.fullmatch(values[0]) else ""
                kind = _KINDS.get(reader) or _kind_of(option)
                example = " (db=0)" if option == "db" else ""
                return UrlError(
                    f"redis-py cannot read the value{shown} of its {option!r} option: it takes "
                    f"{kind}",
                    f"set ?{option}= to {kind}{example}, or drop the option",
                )
    return UrlError("redis-py does not accept it")


def parse_url(url: str) -> dict[str, Any]:
    """Scheme, user, password, address and database of a Redis URL, read as redis-py reads it
    (``Redis.from_url``): a URL redis-py accepts is accepted here, with the same values."""
    try:
        found = _redis_py_reads(url)
    except (ValueError, TypeError):
        raise _rejected(url) from None
    protocol = found.get("protocol")
    if protocol is not None and protocol not in (2, 3):
        # redis-py's connection refuses it (AbstractConnection: "protocol must be either 2 or
        # 3") before it sends anything: every connection of the URL fails
        shown = f" ({protocol})" if isinstance(protocol, int) else ""
        raise UrlError(
            f"its protocol option{shown} is neither 2 nor 3: redis-py speaks RESP2 "
            "(protocol=2, its default) or RESP3 (protocol=3) and refuses any other",
            "set ?protocol=2 or ?protocol=3, or drop the option",
        )
    timeout = _timeout_refused(found) or _size_refused(found)
    if timeout is not None:
        raise timeout
    scheme = url.split("://", 1)[0]
    refused = _connection_refuses(scheme, found) or _codec_unknown(found)
    if refused is not None:
        raise refused
    path = found.get("path")
    if scheme == "unix" and not path:
        raise UrlError("a unix:// URL needs the socket's path: unix:///run/redis/redis.sock")
    db = found.get("db", 0)
    ignored = scheme != "unix" and "db" not in found and urlparse(url).path.strip("/") != ""
    return {
        "tls": scheme == "rediss",
        "user": found.get("username") or None,
        "password": found.get("password"),
        "host": found.get("host", "localhost") if not path else "localhost",
        "port": found.get("port", 6379),
        "path": path if scheme == "unix" else None,
        "db": db,
        "path_ignored": ignored,
    }


def _codec_unknown(found: dict[str, Any]) -> UrlError | None:
    """An ``encoding`` option that names no codec Python has: redis-py hands it to its
    connection's ``Encoder``, which encodes every str argument of every command with
    ``str.encode(encoding)``, so the first command (HELLO, AUTH or PING) raises LookupError
    (unknown encoding) before anything is sent. Decided by Python's codec registry
    (``codecs.lookup``), the one redis-py's encode asks."""
    value = found.get("encoding")
    if not isinstance(value, str):
        return None
    try:
        codecs.lookup(value)
    except LookupError:
        pass
    else:
        return None
    shown = f" ({value!r})" if _SHOWN.fullmatch(value) else ""
    return UrlError(
        f"its encoding option{shown} names no codec Python knows: redis-py encodes every "
        "command's arguments with it, so its first command fails with LookupError (unknown "
        "encoding) before anything reaches the server",
        "set ?encoding= to a codec Python knows (encoding=utf-8, redis-py's default), or drop "
        "the option",
    )


def _timeout_refused(found: dict[str, Any]) -> UrlError | None:
    """A socket timeout of redis-py's that no connection can work with: redis-py hands
    ``socket_timeout`` / ``socket_connect_timeout`` to ``socket.settimeout``, for which 0 makes
    the socket non-blocking (a read before the reply has come fails with EAGAIN, Resource
    temporarily unavailable; a connect with EINPROGRESS) and a negative value is refused
    (ValueError: Timeout value out of range). None (the option left out) waits without limit."""
    for option in ("socket_timeout", "socket_connect_timeout"):
        value = found.get(option)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value > 0:
            continue
        what = "a read that comes before the reply" if option == "socket_timeout" else "a connect"
        return UrlError(
            f"its {option} is {value:g}: redis-py sets it on the socket (socket.settimeout), "
            + (
                f"where 0 does not mean no timeout but a non-blocking socket: {what} fails at "
                "once (Resource temporarily unavailable / Operation now in progress), so commands "
                "fail whenever the server has not answered yet"
                if value == 0
                else "which refuses a negative timeout (Timeout value out of range)"
            ),
            f"drop ?{option}= (redis-py then waits without limit) or set it to a number of "
            f"seconds above 0, such as ?{option}=5",
        )
    return None


def _size_refused(found: dict[str, Any]) -> UrlError | None:
    """A size redis-py cannot work with: ``socket_read_size`` is what each read asks of the
    socket (a negative one: recv raises ValueError; 0 reads nothing, which redis-py takes for a
    closed connection), ``max_connections`` below 0 the pool refuses (0 is its default, 100)."""
    size = found.get("socket_read_size")
    if isinstance(size, int) and not isinstance(size, bool) and size < 1:
        return UrlError(
            f"its socket_read_size is {size}: redis-py asks the socket for that many bytes per "
            "read, and "
            + (
                "recv refuses a negative size (negative buffersize in recv)"
                if size < 0
                else "a read of 0 bytes returns nothing, which it takes for a closed connection"
            ),
            "drop ?socket_read_size= (redis-py reads 65536 bytes) or set it above 0",
        )
    pool = found.get("max_connections")
    if isinstance(pool, int) and not isinstance(pool, bool) and pool < 0:
        return UrlError(
            f"its max_connections is {pool}: redis-py's connection pool refuses a negative size "
            '("max_connections" must be a positive integer)',
            "drop ?max_connections= (redis-py's default: 100) or set it above 0",
        )
    return None


#: the values redis-py's SSLConnection takes for ``ssl_cert_reqs`` as a string (any other
#: raises RedisError when the connection is made)
CERT_REQS = ("none", "optional", "required")
#: what redis-py itself reads from a URL and never hands to the connection
_READ_BY_POOL = frozenset({"connection_class", "username", "password", "host", "port", "path"})


def _accepted(scheme: str) -> set[str] | None:
    """The keywords redis-py's pool and the connection class of ``scheme`` take (their
    ``__init__`` signatures along the class hierarchy); None without redis-py, or when one of
    them takes any keyword."""
    try:
        from redis import connection as _conn
    except ImportError:
        return None
    chosen = {"rediss": "SSLConnection", "unix": "UnixDomainSocketConnection"}
    cls = getattr(_conn, chosen.get(scheme, "Connection"), None)
    pool = getattr(_conn, "ConnectionPool", None)
    if cls is None or pool is None:
        return None
    names: set[str] = set()
    for klass in (*cls.__mro__, pool):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        for name, param in inspect.signature(init).parameters.items():
            if param.kind is param.VAR_POSITIONAL or name == "self":
                continue
            if param.kind is not param.VAR_KEYWORD:
                names.add(name)
    # only the end of the chain (AbstractConnection, the last class that defines __init__)
    # must take no **kwargs: the others pass theirs on to it
    inits = [k.__dict__["__init__"] for k in cls.__mro__[:-1] if "__init__" in k.__dict__]
    if not inits or any(
        p.kind is p.VAR_KEYWORD for p in inspect.signature(inits[-1]).parameters.values()
    ):
        return None
    return names


def _connection_refuses(scheme: str, found: dict[str, Any]) -> UrlError | None:
    """A query option redis-py reads from the URL and hands to its connection, which refuses it
    when the first connection is made: an option the connection class does not take
    (TypeError), or an ``ssl_cert_reqs`` it cannot map (RedisError)."""
    accepted = _accepted(scheme)
    for option, value in found.items():
        if option in _READ_BY_POOL or accepted is None or option in accepted:
            continue
        shown = f" ({value!r})" if isinstance(value, str) and _SHOWN.fullmatch(value) else ""
        tls_option = option.startswith("ssl") and scheme != "rediss"
        why = (
            f"its {option!r} option{shown} is a TLS option, and a {scheme}:// URL asks for no "
            "TLS: redis-py hands the option to its plain connection, which refuses it"
            if tls_option
            else f"redis-py does not know its {option!r} option{shown}: Redis.from_url hands "
            "every query option to the connection, which refuses one it does not take"
        )
        change = (
            f"drop ?{option}= and use the rediss:// scheme (a URL asks for TLS with its scheme)"
            if tls_option
            else f"drop ?{option}="
        )
        return UrlError(why, change)
    reqs = found.get("ssl_cert_reqs")
    if scheme == "rediss" and isinstance(reqs, str) and reqs not in CERT_REQS:
        shown = f" ({reqs!r})" if _SHOWN.fullmatch(reqs) else ""
        listed = ", ".join(CERT_REQS)
        return UrlError(
            f"its ssl_cert_reqs option{shown} is not one of {listed}: redis-py refuses the value "
            "when it makes the TLS connection",
            f"set ?ssl_cert_reqs= to one of {listed} (lower case), or drop the option",
        )
    return None


def target(ctx: Context, instance: str) -> Target:
    cfg = ctx.section
    section = _server.section_name("redis", instance)
    key = f"{section}.url"
    refs = _interpolate.references(cfg.url)
    source = refs[0] if refs else key
    if not refs and getattr(cfg, "source", None):  # the default address
        source = "REDIS_URL"
    url = ctx.resolve(cfg.url, secret=True, key=key)
    try:
        parts = parse_url(url)
    except UrlError as exc:
        behind = _sentinel_behind(url)
        if behind is not None:
            raise _sentinel_url(source, url, behind) from None
        raise CheckFailed(
            f"{source} is not a valid Redis URL: {exc}",
            why="envcheck reads it the way redis-py (Redis.from_url) does, before any connection "
            "is made: the application cannot use it either",
            fix=(
                Fix(
                    [Manual(f"{exc.change} in {source}", ask="whoever sets " + source)],
                    text=f"{exc.change} in {source}",
                )
                if exc.change
                else Fix(
                    [
                        Manual(
                            f"set {source} like {EXAMPLE}; {ENCODE}", ask="whoever sets " + source
                        )
                    ],
                    text=f"set {source} like {EXAMPLE}; {ENCODE}",
                )
            ),
        ) from None
    if parts["password"]:
        redact.register(parts["password"])
    return Target(
        url=url,
        host=parts["host"],
        port=parts["port"],
        db=parts["db"],
        tls=parts["tls"],
        has_password=parts["password"] is not None,
        username=parts["user"],
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
        password=parts["password"],
        instance=instance,
        path=parts["path"],
        path_ignored=parts["path_ignored"],
        config_file=_config_file(ctx) if not refs and not getattr(cfg, "source", None) else None,
        admin_url=_admin_url(ctx, section),
    )


def _admin_url(ctx: Context, section: str) -> str | None:
    """``admin_url`` resolved, or None (unset, or a reference that does not resolve: the
    diagnosis then does without it)."""
    value = getattr(ctx.section, "admin_url", None)
    if not value:
        return None
    try:
        return str(ctx.resolve(value, secret=True, key=f"{section}.admin_url"))
    except Exception:  # noqa: B902 - an unresolvable admin_url only costs the look-up
        return None


def _config_file(ctx: Context) -> str | None:
    """The project file that holds the URL literally (a fix may edit it), relative to the
    project; ``None`` when the URL comes from elsewhere."""
    source = Path(ctx.config.source)
    if source.suffix != ".toml":
        return None
    try:
        return str(source.resolve().relative_to(Path(ctx.rootdir).resolve()))
    except ValueError:
        return None


def min_version(t: Target) -> ssl.TLSVersion | None:
    """``ssl_min_version`` of the URL (an ``ssl.TLSVersion`` number: 771 TLS 1.2, 772 TLS
    1.3), which redis-py sets as its context's minimum; ``None`` when absent or not one."""
    given = (parse_qs(urlsplit(t.url).query).get("ssl_min_version") or [""])[-1]
    try:
        return ssl.TLSVersion(int(given))
    except ValueError:
        return None


def _ca_in_der(t: Target, ca_file: str) -> CheckFailed | None:
    """The CA file is a certificate in DER form, which ``load_verify_locations(cafile=)``
    (redis-py's ssl_ca_certs) reads as PEM only."""
    if not _net.der_certificate(ca_file):
        return None
    convert, pem = _net.der_to_pem(ca_file)
    in_url = t.tls_options.ca_origin.startswith("ssl_ca_certs")
    where = f"ssl_ca_certs= in {t.source}" if in_url else f"{t.section}.ca_file"
    change = f"then set {where} to {pem}"
    return CheckFailed(
        f"the CA file {ca_file} ({t.tls_options.ca_origin}) is a certificate in DER form, not "
        "PEM",
        why="redis-py loads ssl_ca_certs with SSLContext.load_verify_locations(cafile=), which "
        "reads PEM (-----BEGIN CERTIFICATE----- blocks) only; the file's bytes are one DER "
        "certificate (no certificate or crl found)",
        fix=Fix(
            [Command(convert), Manual(change)],
            text=f"convert it to PEM: {shlex.join(convert)}; {change}",
        ),
    )


def _ca_blank(t: Target, size: int) -> CheckFailed:
    """The CA file is empty (or white space only): ``load_verify_locations(cafile=)`` finds no
    certificate in it (NO_CERTIFICATE_OR_CRL_FOUND), told by the file's size."""
    tls = t.tls_options
    in_url = tls.ca_origin.startswith("ssl_ca_certs")
    where = f"ssl_ca_certs= in {t.source}" if in_url else f"{t.section}.ca_file"
    change = (
        f"write the PEM certificate of the CA that signed the server's certificate into "
        f"{tls.ca_file}, or set {where} to a file that holds it"
    )
    contents = "0 bytes" if not size else f"{size} bytes of white space only"
    return CheckFailed(
        f"the CA file {tls.ca_file} ({tls.ca_origin}) is empty ({contents}): redis-py finds no "
        "certificate in it",
        why="redis-py loads ssl_ca_certs with SSLContext.load_verify_locations(cafile=), which "
        "reads PEM blocks and fails on a file holding none (no certificate or crl found) before "
        "any connection; an empty file is what a shell redirection of an unset variable or a "
        "secret mounted without its key leaves",
        fix=Fix(
            [Manual(change, ask=f"whoever sets {t.source if in_url else t.section}")],
            text=change,
        ),
    )


def _ca_directory(t: Target) -> CheckFailed:
    """``ssl_ca_certs`` (or ``ca_file``) names a directory: redis-py's
    ``load_verify_locations(cafile=...)`` fails with EISDIR before connecting."""
    tls = t.tls_options
    in_url = tls.ca_origin.startswith("ssl_ca_certs")
    if in_url:
        change = (
            f"in {t.source}, write ssl_ca_path={tls.ca_file} instead of ssl_ca_certs= (redis-py's "
            "option for a directory of CA certificates, hashed as c_rehash or openssl rehash "
            "names them), or set ssl_ca_certs= to the one PEM file of the CA that signed the "
            "server's certificate"
        )
    else:
        change = (
            f"set {t.section}.ca_file to the PEM file in {tls.ca_file} of the CA that signed the "
            "server's certificate (ca_file is one file)"
        )
    return CheckFailed(
        f"the CA file {tls.ca_file} ({tls.ca_origin}) is a directory",
        why="ssl_ca_certs names one PEM file of CA certificates; redis-py's "
        "load_verify_locations(cafile=...) fails on a directory (Error 21 ... Is a directory) "
        "before any connection; a directory of CA certificates is redis-py's ssl_ca_path",
        fix=Fix(
            [Manual(change, ask=f"whoever sets {t.source if in_url else t.section}")],
            text=change,
        ),
    )


def ssl_context(t: Target) -> ssl.SSLContext:
    """The TLS settings redis-py will use for ``t`` (see ``Connection._wrap_socket_with_ssl``)."""
    tls = t.tls_options
    context = ssl.create_default_context()
    context.check_hostname = tls.check_hostname
    context.verify_mode = ssl.CERT_REQUIRED if tls.verify else ssl.CERT_NONE
    if tls.ca_path and not tls.ca_file:  # redis-py: load_verify_locations(cafile, capath)
        try:
            context.load_verify_locations(capath=tls.ca_path)
        except (OSError, ssl.SSLError):
            pass  # OpenSSL looks a certificate up there when it verifies, or finds none
    if tls.ca_file:
        try:
            context.load_verify_locations(cafile=tls.ca_file, capath=tls.ca_path)
        except IsADirectoryError:
            raise _ca_directory(t) from None
        except FileNotFoundError:
            in_url = tls.ca_origin.startswith("ssl_ca_certs")
            where = f"ssl_ca_certs= in {t.source}" if in_url else f"{t.section}.ca_file"
            change = f"set {where} to the PEM file of the CA that signed the server's certificate"
            raise CheckFailed(
                f"the CA file {tls.ca_file} does not exist",
                why=f"{tls.ca_origin} names a file that is not there",
                fix=Fix(
                    [Manual(change, ask=f"whoever sets {t.source if in_url else t.section}")],
                    text=change,
                ),
            ) from None
        except ssl.SSLError as exc:
            der = _ca_in_der(t, tls.ca_file)
            if der is not None:
                raise der from None
            size = _net.blank_file(tls.ca_file)
            if size is not None:
                raise _ca_blank(t, size) from None
            raise CheckFailed(
                f"the CA file {tls.ca_file} holds no usable certificate ({exc.reason or exc})",
                why="it must be PEM: -----BEGIN CERTIFICATE----- blocks",
                hint=f"check it: openssl x509 -in {tls.ca_file} -noout -subject",
            ) from None
    query = parse_qs(urlsplit(t.url).query)
    least = min_version(t)
    if least is not None:  # redis-py: context.minimum_version = ssl_min_version
        try:
            context.minimum_version = least
        except (ValueError, ssl.SSLError):
            pass  # a value redis-py refuses too: reading the URL names it
    certfile = (query.get("ssl_certfile") or [""])[-1]
    if not certfile and (query.get("ssl_keyfile") or [""])[-1]:
        change = (
            f"add ssl_certfile= the client certificate of that key to {t.source} (or drop "
            "ssl_keyfile= if the server needs no client certificate)"
        )
        raise CheckFailed(
            f"{t.source} sets ssl_keyfile without ssl_certfile: redis-py cannot build its TLS "
            "context and connects nowhere",
            why="redis-py loads a client certificate whenever ssl_certfile or ssl_keyfile is "
            "set (load_cert_chain(certfile=None, keyfile=...)), and Python's ssl refuses a key "
            "without its certificate: TypeError: certfile should be a valid filesystem path, "
            "on every connection",
            fix=Fix([Manual(change, ask=f"whoever sets {t.source}")], text=change),
        )
    if certfile:  # redis-py presents it when the server asks (tls-auth-clients)
        keyfile = (query.get("ssl_keyfile") or [""])[-1] or None
        try:
            context.load_cert_chain(certfile, keyfile)
        except (OSError, ssl.SSLError) as exc:
            if _net.der_certificate(certfile):
                convert, pem = _net.der_to_pem(certfile)
                change = f"then set ssl_certfile= in {t.source} to {pem}"
                raise CheckFailed(
                    f"the client certificate {certfile} (ssl_certfile in {t.source}) is in DER "
                    "form, not PEM",
                    why="redis-py loads ssl_certfile with SSLContext.load_cert_chain, which reads "
                    "PEM (-----BEGIN CERTIFICATE----- blocks) only; the file's bytes are one DER "
                    f"certificate ({exc})",
                    fix=Fix(
                        [Command(convert), Manual(change, ask=f"whoever sets {t.source}")],
                        text=f"convert it to PEM: {shlex.join(convert)}; {change}",
                    ),
                ) from None
            raise CheckFailed(
                f"the client certificate {certfile} cannot be used ({exc})",
                why=f"ssl_certfile / ssl_keyfile in {t.source} name the certificate and key "
                "redis-py presents",
                hint=f"point ssl_certfile= and ssl_keyfile= in {t.source} at a PEM certificate "
                "and its key",
            ) from None
    return context
