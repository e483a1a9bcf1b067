"""Where a redis instance points: its URL parsed by envcheck (never echoed), and its TLS settings
(redis-py's URL options win over ``tls_verify`` / ``ca_file``, as they do in redis-py)."""

from __future__ import annotations

import difflib
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from envcheck.checks.shared import server as _server
from envcheck.core import interpolate as _interpolate
from envcheck.core import redact
from envcheck.core.model import CheckFailed, Context

EXAMPLE = "redis://[[USER]:PASSWORD@]HOST:6379/0 (rediss:// for TLS)"
SCHEMES = ("redis", "rediss")
ENCODE = "percent-encode @ # / : in the user name and password (as %40 %23 %2F %3A; % as %25)"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]{0,30})://")
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


class UrlError(ValueError):
    """What is wrong with a Redis URL, in words that never quote its value."""


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

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}/{self.db}"

    def cli(self, *command: str, auth: bool = True) -> str:
        """``redis-cli`` aimed at this server, as this user (asking for the password)."""
        parts = ["redis-cli", "-h", self.host, "-p", str(self.port)]
        if self.tls:
            parts.append("--tls")
            if self.tls_options.ca_file:
                parts += ["--cacert", self.tls_options.ca_file]
            elif not self.tls_options.verify:
                parts.append("--insecure")
        if self.username and auth:
            parts += ["--user", self.username]
        if self.has_password and auth:
            parts.append("--askpass")
        return " ".join(parts + list(command))


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
    return TLSOptions(verify, check_hostname, ca_file, origin, ca_origin)


def _unquote(part: str, what: str) -> str:
    if _PERCENT.search(part):
        raise UrlError(f"the {what} has a '%' that does not start a %XX escape; {ENCODE}")
    return unquote(part)


def parse_url(url: str) -> dict[str, Any]:
    """Scheme, user, password, host, port, db and query options of a Redis URL."""
    scheme = _SCHEME.match(url.strip())
    if scheme is None:
        raise UrlError("it is not a URL (redis://... or rediss://...)")
    name = scheme.group(1)
    if name.lower() not in SCHEMES:
        close = difflib.get_close_matches(name.lower(), SCHEMES, n=1, cutoff=0.5)
        also = f" (did you mean {close[0]}://?)" if close else ""
        raise UrlError(f"its scheme is {name}://, not redis:// or rediss://{also}")
    rest = url.strip()[scheme.end() :]
    cut = min([i for i in (rest.find("/"), rest.find("?")) if i >= 0], default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    path, _, query = tail.partition("?")
    if "@" in path or "@" in query.partition("#")[0] and "@" not in authority:
        raise UrlError("the part before '@' (user and password) contains a '/' or '?'; " + ENCODE)
    if authority.count("@") > 1:
        raise UrlError("the user name or password contains an unencoded '@'; " + ENCODE)
    if "#" in authority:
        raise UrlError("the user name or password contains an unencoded '#'; " + ENCODE)
    userinfo, _, hostport = authority.rpartition("@")
    has_password = ":" in userinfo
    user, _, password = userinfo.partition(":")
    if hostport.startswith("["):
        host, _, after = hostport[1:].partition("]")
        port = after[1:] if after.startswith(":") else ""
    else:
        host, _, port = hostport.partition(":")
    if not host:
        raise UrlError("it has no host")
    if port and not port.isdigit():
        shown = f" {port!r}" if not has_password and port.isalnum() and len(port) < 12 else ""
        raise UrlError(f"its port{shown} is not a number; " + ENCODE)
    options = {key: values[-1] for key, values in parse_qs(query).items()}
    db_text = path.strip("/") or options.get("db", "0")
    if not db_text.isdigit():
        raise UrlError("its database (the path) is not a number: Redis databases are 0, 1, ...")
    return {
        "tls": name.lower() == "rediss",
        "user": _unquote(user, "user name") or None,
        "password": _unquote(password, "password") if has_password else None,
        "host": _unquote(host, "host"),
        "port": int(port or 6379),
        "db": int(db_text),
    }


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
        raise CheckFailed(
            f"{source} is not a valid Redis URL: {exc}",
            why="envcheck reads it the way redis-py does, before any connection is made",
            hint=f"set {source} like {EXAMPLE}",
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
    )


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
