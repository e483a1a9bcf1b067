"""Where a postgres instance points: its connection string parsed (by envcheck, never echoed),
with libpq's service file, environment and defaults filled in."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envcheck.checks.postgres import dsn as _pgdsn
from envcheck.checks.postgres.diagnose import Where
from envcheck.checks.shared import server as _server
from envcheck.core import interpolate as _interpolate
from envcheck.core import redact
from envcheck.core.model import CheckFailed, Context

#: where libpq looks for the local socket (Debian's compiled-in default first)
SOCKET_DIRS = ("/var/run/postgresql", "/tmp")
EXAMPLE = "postgresql://USER:PASSWORD@HOST:5432/DBNAME"
_FILES = ("sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir", "passfile")
_ENVIRONMENT = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "dbname": "PGDATABASE",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "service": "PGSERVICE",
}


@dataclass
class Target:
    """An instance's login, resolved. ``params`` (with the password) never leave the process."""

    params: dict[str, str] = field(repr=False)
    host: str
    port: int
    user: str
    dbname: str
    source: str
    section: str
    instance: str = "default"
    sslmode: str = "prefer"

    @property
    def where(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"

    @property
    def where_(self) -> Where:
        return Where(self.host, self.port, self.user, self.dbname, self.source, self.sslmode)

    @property
    def identity(self) -> str:
        return repr(sorted(self.params.items()))

    @property
    def password(self) -> str | None:
        found = self.params.get("password") or os.environ.get("PGPASSWORD")
        if found:
            return found
        passfile = self.params.get("passfile") or os.environ.get("PGPASSFILE")
        from envcheck.checks.postgres.wire import passfile_password

        path = passfile or str(Path.home() / ".pgpass")
        return passfile_password(path, self.host, self.port, self.dbname, self.user)

    def connect_kwargs(self, application_name: str) -> dict[str, Any]:
        """What psycopg.connect gets: the parsed parameters and envcheck's application_name."""
        kwargs: dict[str, Any] = dict(self.params)
        kwargs.setdefault("application_name", application_name[:63])
        return kwargs


def target(ctx: Context, instance: str) -> Target:
    """Resolve and parse the instance's settings; a malformed DSN fails naming the setting."""
    section = _server.section_name("postgres", instance)

    def resolve(value: str, key: str = "dsn") -> str:
        return ctx.resolve(value, secret=True, key=f"{section}.{key}")

    return parse_config(ctx.section, resolve, section, instance, rootdir=ctx.rootdir)


def parse_config(
    cfg: Any,
    resolve: Callable[..., str],
    section: str = "tool.envcheck.postgres",
    instance: str = "default",
    environ: Mapping[str, str] | None = None,
    rootdir: Path | None = None,
) -> Target:
    """The instance's :class:`Target`. Relative file names in the DSN (``sslrootcert``,
    ``passfile``, ...) are relative to the project (``rootdir``), not to pytest's directory."""
    env = os.environ if environ is None else environ
    refs = _interpolate.references(cfg.dsn)
    source = refs[0] if refs else f"{section}.dsn"
    if not refs and getattr(cfg, "source", None):  # the defaults: libpq's variables
        source = "PGHOST/PGPORT/PGUSER/PGDATABASE (or DATABASE_URL)"
    dsn = resolve(cfg.dsn)
    try:
        params = _pgdsn.parse(dsn)
    except _pgdsn.DsnError as exc:
        raise CheckFailed(
            f"{source} is not a valid PostgreSQL connection string: {exc}",
            why="envcheck reads it the way libpq does, before any connection is made",
            hint=f"set {source} like {EXAMPLE} (or host=HOST port=5432 user=USER dbname=DBNAME)",
        ) from None
    if rootdir is not None:
        for key in _FILES:
            value = params.get(key)
            if value and value != "system" and not os.path.isabs(os.path.expanduser(value)):
                params[key] = str(rootdir / value)
    if cfg.password and not params.get("password"):
        params["password"] = resolve(cfg.password, "password")
    if params.get("password"):
        redact.register(params["password"])
    service = params.get("service") or env.get("PGSERVICE")
    merged = dict(params)
    if service:
        found = _pgdsn.service_params(service, env)
        if found is None:
            raise CheckFailed(
                f"service {service!r} ({source}) is not defined in any pg_service.conf",
                why="libpq looks in PGSERVICEFILE or ~/.pg_service.conf, then "
                "PGSYSCONFDIR/pg_service.conf",
                hint=f"add a [{service}] section with host, port, dbname and user to "
                "~/.pg_service.conf",
            )
        merged = {**found, **params}
    for key, name in _ENVIRONMENT.items():
        if not merged.get(key) and env.get(name):
            merged[key] = env[name]
    host = (merged.get("host") or _default_socket_dir()).split(",")[0]
    port_text = (merged.get("port") or "5432").split(",")[0]
    if not port_text.isdigit():
        raise CheckFailed(
            f"{source} (or PGPORT) gives a port that is not a number",
            hint=f"set {source} like {EXAMPLE}",
        )
    user = merged.get("user") or getpass.getuser()
    return Target(
        params=params,
        host=host,
        port=int(port_text),
        user=user,
        dbname=merged.get("dbname") or user,
        source=source,
        section=section,
        instance=instance,
        sslmode=merged.get("sslmode") or "prefer",
    )


def _default_socket_dir() -> str:
    for directory in SOCKET_DIRS:
        if os.path.isdir(directory):
            return directory
    return SOCKET_DIRS[-1]
