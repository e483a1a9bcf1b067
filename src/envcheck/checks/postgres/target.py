"""The configured login of a postgres instance (:class:`Target`): its connection string read by
libpq's own parser (never echoed), with libpq's service file, environment and defaults filled in,
and the commands and SQL steps that fixes print and send to it."""

from __future__ import annotations

import functools
import ipaddress
import os
import pwd
import re
import shlex
import stat
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from envcheck.checks.postgres import dsn as _pgdsn
from envcheck.checks.shared import server as _server
from envcheck.core import interpolate as _interpolate
from envcheck.core import redact
from envcheck.core.fix import Command, Fix, Manual, Sql
from envcheck.core.model import CheckFailed, Context

#: where libpq looks for the local socket (Debian's compiled-in default first)
SOCKET_DIRS = ("/var/run/postgresql", "/tmp")
EXAMPLE = "postgresql://USER:PASSWORD@HOST:5432/DBNAME"
#: the role fixes name when the configured one lacks a right
SUPERUSER = "postgres"
_FILES = ("sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir", "passfile")
_ENVIRONMENT = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "user": "PGUSER",
    "dbname": "PGDATABASE",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "load_balance_hosts": "PGLOADBALANCEHOSTS",
    "gssencmode": "PGGSSENCMODE",
    "channel_binding": "PGCHANNELBINDING",
    "sslnegotiation": "PGSSLNEGOTIATION",
    "sslcertmode": "PGSSLCERTMODE",
    "ssl_min_protocol_version": "PGSSLMINPROTOCOLVERSION",
    "ssl_max_protocol_version": "PGSSLMAXPROTOCOLVERSION",
}


@functools.lru_cache(maxsize=1)
def environment_variables() -> dict[str, str]:
    """libpq's keywords and the PG* variable each is read from when the connection string does
    not set it: libpq's own table (PQconndefaults' envvar column), or the common ones without
    psycopg."""
    try:
        import psycopg

        return {
            opt.keyword.decode(): opt.envvar.decode()
            for opt in psycopg.pq.Conninfo.get_defaults()
            if opt.envvar
        }
    except Exception:  # noqa: B902 - no libpq: the variables every supported one reads
        return dict(_ENVIRONMENT)


_SIMPLE_IDENT = re.compile(r"[a-z_][a-z0-9_$]*")
#: settings a fix's own session turns off (or resets: a role's ``role``; a commit that waits for a
#: synchronous standby), so that what it repairs does not stop it
FIX_OPTIONS = (
    "-c default_transaction_read_only=off -c statement_timeout=0 -c lock_timeout=0 "
    "-c idle_session_timeout=0 -c role=none -c synchronous_commit=local"
)


def os_user() -> str | None:
    """The user name libpq sends when none is set: the effective OS user's from the passwd
    database (never ``$USER``); ``None`` when the user ID has no entry there (libpq then fails:
    fe-auth.c ``pg_fe_getusername``, local user with ID N does not exist)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return None


def _no_user(source: str) -> CheckFailed:
    """No user set and no passwd entry for this process's user ID: libpq connects nowhere."""
    uid = os.geteuid()
    return CheckFailed(
        f"{source} names no user, and this process's user ID {uid} has no entry in the passwd "
        "database: libpq has no user name to log in with and connects nowhere",
        why="with no user in the connection string (nor PGUSER), libpq logs in as the effective "
        "OS user, whose name it asks the passwd database for (fe-auth.c pg_fe_getusername), and "
        f"stops: local user with ID {uid} does not exist (a container started with --user "
        f"{uid}, or an arbitrary user ID, has no such entry)",
        fix=[
            Manual(
                f"set the role to log in as in {source}: user=ROLE (postgresql://ROLE@HOST/DB in "
                "a URL), or PGUSER=ROLE in the application's environment"
            )
        ],
    )


def ident(name: str) -> str:
    """``name`` as an SQL identifier (quoted unless it is a plain lower-case one)."""
    if _SIMPLE_IDENT.fullmatch(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def shell_quote(text: str) -> str:
    """``text`` as one shell word: single quotes, or double quotes around SQL literals."""
    if "'" in text and not any(c in text for c in '"$`\\!'):
        return f'"{text}"'
    return shlex.quote(text)


@dataclass(frozen=True)
class Target:
    """The configured login: where checks connect, where fixes point, and the setting to change.

    ``params`` (libpq's parameters, with the password) never leave the process; ``source`` names
    the setting a person edits (``DATABASE_URL``, ``tool.envcheck.postgres.dsn``)."""

    host: str
    port: int
    user: str
    dbname: str
    source: str = "the connection settings"
    sslmode: str = "prefer"
    params: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    section: str = "tool.envcheck.postgres"
    instance: str = "default"
    #: the IP address libpq connects to instead of resolving ``host`` (``hostaddr=``)
    hostaddr: str | None = None
    #: every (host, port, hostaddr) libpq tries, in its order (several hosts)
    candidates: tuple[tuple[str, int, str | None], ...] = ()
    #: where the password comes from, when not from ``source`` (the ``password`` key)
    password_from: str | None = None
    #: the variables of libpq's environment that set a parameter the DSN does not
    #: (``{"sslmode": "PGSSLMODE"}``)
    from_environment: Mapping[str, str] = field(default_factory=dict, compare=False)

    def libpq_value(self, key: str) -> str | None:
        """The value libpq uses for ``key``: the connection string's, even empty (libpq then
        never reads the variable), else its PG* variable's, even empty; None when neither."""
        if key in self.params:
            return self.params[key]
        name = environment_variables().get(key)
        return os.environ.get(name) if name else None

    def source_of(self, key: str) -> str:
        """The setting a person edits to change ``key``: the DSN, or the variable that set it."""
        return self.from_environment.get(key) or self.source

    @property
    def password_source(self) -> str:
        """Where the password libpq sends comes from: the config's password key, the DSN,
        PGPASSWORD, or the password file's matching line."""
        if self.password_from or self.params.get("password"):
            return self.password_from or self.source
        if os.environ.get("PGPASSWORD"):
            return "PGPASSWORD"
        entry = self.passfile_line
        return f"the password file {entry.path}" if entry and entry.usable else self.source

    @property
    def passfile_line(self) -> PassfileEntry | None:
        """The password file's line for this login, when no password is given otherwise."""
        if self.params.get("password") or os.environ.get("PGPASSWORD"):
            return None
        return passfile_entry(self.passfile, self.host, self.port, self.dbname, self.user)

    @property
    def login(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"

    where = login

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def socket(self) -> bool:
        return self.host.startswith("/")

    @property
    def dial(self) -> str:
        """What a socket connects to: ``hostaddr`` when set, else ``host``."""
        return self.hostaddr or self.host

    @property
    def identity(self) -> str:
        return repr(sorted(self.params.items()))

    def at(self, host: str, port: int, hostaddr: str | None) -> Target:
        """This login at another of its candidate addresses."""
        return replace(self, host=host, port=port, hostaddr=hostaddr)

    @property
    def passfile(self) -> str:
        """The password file libpq reads (``passfile``, ``PGPASSFILE``, ``~/.pgpass``)."""
        found = self.libpq_value("passfile")  # an empty one: libpq's default
        return found or str(Path.home() / ".pgpass")

    @property
    def password(self) -> str | None:
        """The password libpq would send: the parameter, ``PGPASSWORD``, or the password file's
        matching line (only when the file's mode lets libpq read it)."""
        found = self.params.get("password") or os.environ.get("PGPASSWORD")
        if found:
            return found
        entry = passfile_entry(self.passfile, self.host, self.port, self.dbname, self.user)
        return entry.password if entry and entry.usable else None

    def connect_kwargs(self, application_name: str, timeout: float | None = None) -> dict[str, Any]:
        """What psycopg.connect gets: the parsed parameters, envcheck's application_name (unless
        the DSN names one) and, with ``timeout``, a ``connect_timeout`` within it (the DSN's own
        when shorter; libpq waits at least 2 s)."""
        kwargs: dict[str, Any] = dict(self.params)
        kwargs.setdefault("application_name", application_name[:63])
        if timeout is not None:
            own = str(kwargs.get("connect_timeout", ""))
            bound = max(2, int(timeout))
            kwargs["connect_timeout"] = (
                min(bound, max(2, int(own))) if own.isdigit() and int(own) > 0 else bound
            )
        return kwargs

    def psql(
        self,
        sql: str | None = None,
        *,
        user: str | None = None,
        db: str | None = None,
        options: str | None = None,
    ) -> str:
        """``psql`` against the configured server (as ``user``, default: the configured one)."""
        command = (
            f"psql -h {shlex.quote(self.host)} -p {self.port} -U {shlex.quote(user or self.user)} "
            f"-d {shlex.quote(db or self.dbname)}"
        )
        if options:
            command = f"PGOPTIONS={shlex.quote(options)} {command}"
        return command + (f" -c {shell_quote(sql)}" if sql else "")

    def as_superuser(self, sql: str, db: str = SUPERUSER) -> str:
        return self.psql(sql, user=SUPERUSER, db=db)

    def sql(
        self,
        statement: str,
        *,
        role: str | None = None,
        database: str | None = None,
        needs: Collection[str] = (),
        options: str | None = None,
        repeatable: bool = True,
    ) -> Sql:
        """A fix step: ``statement`` sent to this server as ``role`` (default: the configured
        one), in ``database`` (default: the configured one); shown as the ``psql`` line that does
        the same."""
        return Sql(
            statement,
            instance=self.instance,
            role=role,
            database=database,
            shown=self.psql(statement, user=role, db=database, options=options),
            needs=frozenset(needs),
            repeatable=repeatable,
        )

    def superuser_sql(self, statement: str, database: str = SUPERUSER, **kw: Any) -> Sql:
        """A fix step only a superuser (role ``postgres``) may run."""
        return self.sql(statement, role=SUPERUSER, database=database, needs={"superuser"}, **kw)

    def edit_setting(self, what: str, ask: str | None = None) -> Manual:
        """A manual step: change ``what`` in the setting the connection comes from."""
        return Manual(f"{what} in {self.source}", ask=ask)

    def edit_key(self, key: str, what: str) -> Manual:
        """A manual step: change ``what`` where ``key`` is set: the DSN, or the variable of
        libpq's environment that sets it (unset there, it falls back to libpq's default)."""
        name = self.from_environment.get(key)
        if name:
            return Manual(
                f"{what}: it is set by {name} (libpq's environment): unset {name} "
                "or change it where it is exported"
            )
        return self.edit_setting(what)


@dataclass(frozen=True)
class PassfileEntry:
    """The line of a password file that matches a login, and whether libpq may use the file."""

    path: str
    password: str
    mode: int
    #: the line's number in the file (1 the first) and its four fields before the password
    line: int = 0
    fields: tuple[str, ...] = ()
    #: a later line that matches the login too and names more of it (fewer ``*`` fields): its
    #: number and fields; libpq never reads it, it takes the first line that matches
    shadowed: tuple[int, tuple[str, ...]] | None = None
    #: the line's password holds a ``:`` not escaped as ``\:``: libpq sends only what comes
    #: before it (``password`` is that part)
    cut: bool = False

    @property
    def shown(self) -> str:
        """The line without its password."""
        return ":".join(self.fields) + ":…"

    @property
    def usable(self) -> bool:
        """libpq ignores a password file that group or others may access (fe-connect.c)."""
        return not self.mode & (stat.S_IRWXG | stat.S_IRWXO)


def _passfile_fields(line: str) -> tuple[list[str], bool]:
    """A password file's line as libpq reads it (fe-connect.c ``passwordFromFile``): four fields
    split at the ``:`` not escaped by a backslash, then the password, which ends at the next
    unescaped ``:`` (libpq sends only what comes before it); whether the password was cut so."""
    fields: list[str] = []
    current, escaped, cut = "", False, False
    for char in line:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == ":" and len(fields) < 4:
            fields.append(current)
            current = ""
        elif char == ":":
            cut = True
            break
        else:
            current += char
    if escaped:  # a backslash at the end of the line is kept as it is
        current += "\\"
    fields.append(current)
    return fields, cut


def _passfile_lines(path: str) -> tuple[int, list[tuple[int, list[str], bool]]] | None:
    """The password file's mode and its lines (number, fields, password cut at a colon), or
    ``None`` when libpq cannot read it as a file."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            return None
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    read = [
        (number, *_passfile_fields(line))
        for number, line in enumerate(lines, start=1)
        if line and not line.startswith("#")
    ]
    return mode, read


def passfile_entry(path: str, host: str, port: int, dbname: str, user: str) -> PassfileEntry | None:
    """The line of the password file ``path`` libpq would take (``host:port:db:user:password``;
    libpq's default socket directory is matched as ``localhost``), with the password libpq sends
    from it."""
    found = _passfile_lines(path)
    if found is None:
        return None
    mode, lines = found
    # libpq matches the default socket directory as "localhost", any other one by its path
    wanted = ["localhost" if host == SOCKET_DIRS[0] else host, str(port), dbname, user]
    first: PassfileEntry | None = None
    for number, fields, cut in lines:
        if len(fields) == 5 and all(f in ("*", w) for f, w in zip(fields, wanted)):
            shown = tuple(fields[:4])
            if first is None:
                first = PassfileEntry(path, fields[4], stat.S_IMODE(mode), number, shown, cut=cut)
            elif shown.count("*") < first.fields.count("*"):
                return replace(first, shadowed=(number, shown))
    return first


#: what an editor that saves UTF-8 "with BOM" writes before a file's first line
BYTE_ORDER_MARK = "\ufeff"


def passfile_marked_line(
    path: str, host: str, port: int, dbname: str, user: str
) -> PassfileEntry | None:
    """The password file's first line when it begins with a UTF-8 byte order mark and would
    match the login without it: libpq (``passwordFromFile``) compares the bytes as they are, so
    the mark is part of the line's host field and the line never matches."""
    found = _passfile_lines(path)
    if found is None or not found[1] or found[1][0][0] != 1:
        return None
    mode, lines = found
    number, fields, _cut = lines[0]
    if len(fields) != 5 or not fields[0].startswith(BYTE_ORDER_MARK):
        return None
    unmarked = (fields[0][len(BYTE_ORDER_MARK) :], *fields[1:4])
    wanted = ["localhost" if host == SOCKET_DIRS[0] else host, str(port), dbname, user]
    if all(f in ("*", w) for f, w in zip(unmarked, wanted)):
        return PassfileEntry(path, "", stat.S_IMODE(mode), number, unmarked)
    return None


def passfile_localhost_line(
    path: str, host: str, port: int, dbname: str, user: str
) -> PassfileEntry | None:
    """For a login through a Unix socket in a directory other than libpq's default: the first
    line of the password file whose host field is ``localhost`` and that matches the login
    otherwise (libpq reads ``localhost`` as its default socket directory only, so it never takes
    this line here)."""
    if not host.startswith("/") or host == SOCKET_DIRS[0]:
        return None
    return _passfile_line_for(path, port, dbname, user, lambda field: field == "localhost")


def _passfile_line_for(
    path: str, port: int, dbname: str, user: str, host_field: Callable[[str], bool]
) -> PassfileEntry | None:
    """The first line of the password file whose host field ``host_field`` accepts and whose
    port, database and user fields match the login (each as written, or ``*``)."""
    found = _passfile_lines(path)
    if found is None:
        return None
    mode, lines = found
    wanted = [str(port), dbname, user]
    for number, fields, _cut in lines:
        if len(fields) == 5 and host_field(fields[0]):
            if all(f in ("*", w) for f, w in zip(fields[1:4], wanted)):
                return PassfileEntry(path, "", stat.S_IMODE(mode), number, tuple(fields[:4]))
    return None


def _loopback(name: str) -> bool:
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def passfile_spelling_line(
    path: str, host: str, port: int, dbname: str, user: str
) -> PassfileEntry | None:
    """For a login over TCP to this machine's loopback: the first line of the password file
    whose host field is another spelling of it (``localhost`` for ``127.0.0.1``, or the
    reverse) and that matches the login otherwise: libpq compares the host field with the
    connection's host as written, never resolved, so it never takes this line."""
    if host.startswith("/") or not _loopback(host):
        return None
    return _passfile_line_for(
        path, port, dbname, user, lambda field: field not in ("*", host) and _loopback(field)
    )


def target(ctx: Context, instance: str) -> Target:
    """Resolve and parse the instance's settings; a malformed DSN fails naming the setting."""
    section = _server.section_name("postgres", instance)

    def resolve(value: str, key: str = "dsn") -> str:
        return ctx.resolve(value, secret=True, key=f"{section}.{key}")

    return parse_config(ctx.section, resolve, section, instance, rootdir=ctx.rootdir)


def _invalid(source: str, what: str, change: str | None = None) -> CheckFailed:
    return CheckFailed(
        f"{source} is not a valid PostgreSQL connection string: {what}",
        why="envcheck reads it with libpq's own parser, before any connection is made; its value "
        "is never shown (it holds the password)",
        fix=[
            Manual(
                f"{change} in {source}"
                if change
                else f"write {source} like {EXAMPLE} (or host=HOST port=5432 user=USER "
                f"dbname=DBNAME); {_pgdsn.ENCODE}"
            )
        ],
    )


def parse_config(
    cfg: Any,
    resolve: Callable[..., str],
    section: str = "tool.envcheck.postgres",
    instance: str = "default",
    environ: Mapping[str, str] | None = None,
    rootdir: Path | None = None,
) -> Target:
    """The instance's :class:`Target`, as libpq would connect. Relative file names in the DSN
    (``sslrootcert``, ``passfile``, ...) are relative to the project (``rootdir``)."""
    env = os.environ if environ is None else environ
    refs = _interpolate.references(cfg.dsn)
    source = refs[0] if refs else f"{section}.dsn"
    if not refs and getattr(cfg, "source", None):  # the defaults: libpq's variables
        source = "PGHOST/PGPORT/PGUSER/PGDATABASE (or DATABASE_URL)"
    dsn = resolve(cfg.dsn)
    try:
        params = _pgdsn.parse(dsn)
    except _pgdsn.DsnError as exc:
        raise _invalid(source, str(exc)) from None
    if rootdir is not None:
        for key in _FILES:
            value = params.get(key)
            if value and value != "system" and not os.path.isabs(os.path.expanduser(value)):
                params[key] = str(rootdir / value)
    password_from = None
    if cfg.password and not params.get("password"):
        params["password"] = resolve(cfg.password, "password")
        pw_refs = _interpolate.references(cfg.password)
        password_from = pw_refs[0] if pw_refs else f"{section}.password"
    if params.get("password"):
        redact.register(params["password"])
    merged = dict(params)
    # an empty service is looked up too (libpq: definition of service "" not found)
    service = params["service"] if "service" in params else env.get("PGSERVICE")
    if service is not None:
        named = source if params.get("service") else "PGSERVICE"
        merged = {**service_definition(service, named, env), **params}
    from_environment: dict[str, str] = {}
    for key, name in environment_variables().items():
        # libpq (conninfo_add_defaults) fills every keyword the string leaves unset from its
        # variable when the variable is set, even to an empty value
        if merged.get(key) is None and name in env and key != "service":
            merged[key] = env[name]
            from_environment[key] = name
    hosts = (merged.get("host") or _default_socket_dir()).split(",")
    addrs = merged.get("hostaddr", "").split(",") if merged.get("hostaddr") else []
    ports = (merged.get("port") or "5432").split(",")
    if addrs and not merged.get("host"):
        if merged.get("sslmode") == "verify-full":
            # fe-secure-common.c pq_verify_peer_name_matches_certificate: the name checked
            # against the server's certificate is host's, never hostaddr's
            where = from_environment.get("sslmode")
            raise CheckFailed(
                f"{source} sets sslmode=verify-full"
                + (f" (from {where})" if where else "")
                + f" with hostaddr={merged['hostaddr']} and no host: libpq has no host name to "
                "check the server's certificate against",
                why="libpq checks the server certificate's names against host only (never "
                "hostaddr) and, with no host, stops after the TLS handshake: host name must be "
                "specified for a verified SSL connection",
                fix=[
                    Manual(
                        "add host= the name (or IP address) the server's certificate lists, "
                        f"beside hostaddr={merged['hostaddr']} (libpq still connects to "
                        "hostaddr and checks the certificate against host)"
                    )
                ],
            )
        hosts = addrs
    problem = _address_problem(hosts, addrs, ports, bool(params.get("password")))
    if problem:
        raise _invalid(source, problem, _count_change(hosts, addrs, ports))
    choice = _choice_problem(merged)
    if choice:
        key, refused, change = choice
        variable = from_environment.get(key)
        if variable:
            raise CheckFailed(
                f"{variable} (libpq's environment) is not valid: {refused}",
                why="libpq reads its PG* variables for every keyword the connection string "
                "does not set; it refuses this value before connecting, so the application "
                "cannot connect either",
                fix=[Manual(f"unset {variable}, or {change.replace(' (or drop it)', '')}")],
            )
        raise _invalid(source, refused, change)
    if len(ports) == 1:
        ports = ports * len(hosts)
    candidates = tuple(
        (host or _default_socket_dir(), int(port or "5432"), (addrs[i] or None) if addrs else None)
        for i, (host, port) in enumerate(zip(hosts, ports))
    )
    user = merged.get("user") or os_user()
    if user is None:
        raise _no_user(source)
    host, port, hostaddr = candidates[0]
    return Target(
        host=host,
        port=port,
        user=user,
        dbname=merged.get("dbname") or user,
        source=source,
        sslmode=merged.get("sslmode") or "prefer",
        params=params,
        section=section,
        instance=instance,
        hostaddr=hostaddr,
        candidates=candidates,
        password_from=password_from,
        from_environment=from_environment,
    )


def _address_problem(
    hosts: list[str], addrs: list[str], ports: list[str], has_password: bool
) -> str | None:
    """What libpq would refuse about the addresses, in words that quote nothing (a URL whose
    password holds an unencoded ``@`` or ``/`` puts the password's pieces into host and port)."""
    encode = (
        "if the password contains @ # / : or ?, the rest of it was read as host and port; "
        + _pgdsn.ENCODE
    )
    if any("@" in host for host in hosts):
        return "its host contains '@': the user name or password contains an unencoded '@'; " + (
            _pgdsn.ENCODE
        )
    if any(port and not port.isdigit() for port in ports):
        return f"its port is not a number ({encode})"
    if any(port and not 0 < int(port) < 65536 for port in ports):
        return "its port is out of range (a TCP port is 1 to 65535)"
    if len(ports) not in (1, len(hosts)):
        return f"it names {len(hosts)} hosts and {len(ports)} ports (one port, or one per host)"
    if addrs and len(addrs) != len(hosts):
        return f"it names {len(hosts)} hosts and {len(addrs)} hostaddr values (one per host)"
    return None


def _count_change(hosts: list[str], addrs: list[str], ports: list[str]) -> str | None:
    """The change for a list of ports or hostaddr values whose length does not fit the hosts'
    (libpq's connectOptions2: one port for every host, or one per host; one hostaddr per host)."""
    if any(not port.isdigit() for port in ports if port) or "@" in ",".join(hosts):
        return None
    if len(ports) not in (1, len(hosts)):
        return (
            f"set port to one port (libpq uses it for each of the {len(hosts)} hosts) or to "
            f"{len(hosts)} ports separated by commas, one per host in the order of host"
        )
    if addrs and len(addrs) != len(hosts):
        return (
            f"give hostaddr {len(hosts)} addresses separated by commas, one per host in the "
            "order of host (or drop hostaddr)"
        )
    return None


#: the values libpq accepts for the keywords whose value it checks when connecting
CHOICES = {
    "sslmode": ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
    "target_session_attrs": (
        "any",
        "read-write",
        "read-only",
        "primary",
        "standby",
        "prefer-standby",
    ),
    "gssencmode": ("disable", "prefer", "require"),
    "channel_binding": ("disable", "prefer", "require"),
    "sslnegotiation": ("postgres", "direct"),
    "sslcertmode": ("disable", "allow", "require"),
    "load_balance_hosts": ("disable", "random"),
    "ssl_min_protocol_version": ("", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"),
    "ssl_max_protocol_version": ("", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"),
    # libpq 18 (fe-connect.c pqParseProtocolVersion); only where the libpq knows the keyword
    "min_protocol_version": ("3.0", "3.2", "latest"),
    "max_protocol_version": ("3.0", "3.2", "latest"),
}
#: keywords whose value libpq reads as an integer (fe-connect.c, parse_int_param)
INTEGERS = (
    "connect_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
)
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
#: a value short and plain enough to be shown (never a piece of a password)
_SHOWN = re.compile(r"[A-Za-z0-9._:-]{1,40}")


def _shown(value: str) -> str:
    return f" ({value!r})" if _SHOWN.fullmatch(value) else ""


def _choice_problem(merged: Mapping[str, str]) -> tuple[str, str, str] | None:
    """The keyword libpq refuses the value of when it connects, what is wrong, and the change
    that fixes it (the keyword named, its value shown when it cannot be a piece of a
    password)."""
    for key, allowed in CHOICES.items():
        value = merged.get(key)
        if value is not None and value not in allowed:
            listed = ", ".join(a for a in allowed if a)
            return (
                key,
                f"its {key}{_shown(value)} is not one of {listed}",
                f"set {key} to one of {listed} (or drop it)",
            )
    weak = _weak_with_system_roots(merged) or _require_auth_problem(merged)
    if weak is not None:
        return weak
    gss = _gssenc_on_socket(merged)
    if gss is not None:
        return gss
    for key in INTEGERS:
        value = merged.get(key)
        if value is not None and not _INTEGER.fullmatch(value):
            return (
                key,
                f"its {key}{_shown(value)} is not an integer (libpq: invalid integer value)",
                f"set {key} to a whole number (or drop it)",
            )
        # psycopg reads connect_timeout itself (a Python int), libpq the others (a C int)
        if value is not None and key != "connect_timeout" and not -(2**31) <= int(value) < 2**31:
            return (
                key,
                f"its {key}{_shown(value)} is beyond what an int holds (libpq reads it as a C int "
                "and refuses it: invalid integer value)",
                f"set {key} to a whole number below 2147483648 (or drop it)",
            )
    keepalive = _keepalive_problem(merged)
    if keepalive is not None:
        return keepalive
    replication = merged.get("replication")
    if replication and not _server_bool(replication) and replication != "database":
        return (
            "replication",
            f"its replication{_shown(replication)} is neither a boolean nor database: libpq "
            "sends it in the startup packet and every PostgreSQL server refuses the connection "
            '(FATAL: invalid value for parameter "replication")',
            f"drop replication{'=' + replication if _shown(replication) else ''} (an "
            "application's connection is no replication connection), or set "
            "replication=database (logical) or replication=true (physical)",
        )
    for address in (merged.get("hostaddr") or "").split(","):
        if not address:
            continue
        try:
            ipaddress.ip_address(address.strip())
        except ValueError:
            return (
                "hostaddr",
                f"its hostaddr{_shown(address)} is not an IP address: hostaddr takes a numeric "
                "address and is never looked up (libpq: could not parse network address)",
                "put the name in host= and drop hostaddr, or set hostaddr to the server's IP "
                "address",
            )
    return None


#: the TCP keepalive settings libpq sets on the socket (setKeepalivesIdle, ...; a negative
#: value is sent as 0) and the range Linux takes for each (net/ipv4/tcp.c: MAX_TCP_KEEPIDLE,
#: MAX_TCP_KEEPINTVL, MAX_TCP_KEEPCNT; below 1 is EINVAL)
KEEPALIVE_RANGES = {
    "keepalives_idle": ("TCP_KEEPIDLE", 32767),
    "keepalives_interval": ("TCP_KEEPINTVL", 32767),
    "keepalives_count": ("TCP_KEEPCNT", 127),
}


def _keepalive_problem(merged: Mapping[str, str]) -> tuple[str, str, str] | None:
    """A keepalive setting Linux refuses when libpq sets it on a TCP socket (setsockopt fails:
    Invalid argument, and libpq drops the connection); libpq sets none on a Unix socket or with
    keepalives=0."""
    if not sys.platform.startswith("linux"):
        return None
    keepalives = (merged.get("keepalives") or "1").strip()
    if _INTEGER.fullmatch(keepalives) and int(keepalives) == 0:
        return None
    hosts = (merged.get("host") or _default_socket_dir()).split(",")
    if not merged.get("hostaddr") and all(h.startswith(("/", "@")) or not h for h in hosts):
        return None
    for key, (option, top) in KEEPALIVE_RANGES.items():
        value = merged.get(key)
        if value is None or not _INTEGER.fullmatch(value) or 1 <= int(value) <= top:
            continue
        return (
            key,
            f"its {key}{_shown(value)} is outside 1 to {top}: libpq sets it on the TCP socket "
            f"(setsockopt {option}; a negative value as 0), which Linux refuses (Invalid "
            "argument), and libpq drops the connection",
            f"set {key} to a number from 1 to {top} (or drop it: the system's default)",
        )
    return None


def _server_bool(value: str) -> bool:
    """Whether the server's parse_bool reads ``value`` (true/false, yes/no, on/off, 1/0 and
    their unique prefixes, any case)."""
    word = value.strip().lower()
    if word in ("1", "0", "on", "off", "of"):
        return True
    return bool(word) and any(full.startswith(word) for full in ("true", "false", "yes", "no"))


def _weak_with_system_roots(merged: Mapping[str, str]) -> tuple[str, str, str] | None:
    """libpq 16+ (connectOptions2): ``sslrootcert=system`` trusts every CA of the machine, so
    libpq refuses any sslmode but verify-full with it (it would check no host name)."""
    mode = merged.get("sslmode")
    if merged.get("sslrootcert") != "system" or mode in (None, "verify-full"):
        return None
    if mode not in CHOICES["sslmode"] or _libpq_version() < 160000:
        return None
    return (
        "sslmode",
        f"its sslmode ({mode!r}) is weaker than verify-full, and sslrootcert=system allows "
        "only verify-full (libpq refuses the pair before connecting)",
        "set sslmode=verify-full (or drop sslmode: with sslrootcert=system libpq defaults to "
        "verify-full)",
    )


#: require_auth's methods (fe-connect.c, libpq 16+; oauth from 18)
AUTH_METHODS = ("password", "md5", "gss", "sspi", "scram-sha-256", "oauth", "none")


def _require_auth_problem(merged: Mapping[str, str]) -> tuple[str, str, str] | None:
    """libpq 16+ (connectOptions2) refuses a require_auth list before connecting: a method it
    does not know, a method named twice, or negated methods (``!md5``, the methods refused)
    mixed with plain ones (the methods allowed). The methods are shown (a fixed vocabulary),
    never anything else of the value."""
    value = merged.get("require_auth")
    if value is None or _libpq_version() < 160000:
        return None
    if not value.strip():
        return (
            "require_auth",
            "its require_auth is empty: libpq reads it as a list of no methods and refuses "
            'every authentication the server asks for (authentication method requirement "" '
            "failed)",
            "drop require_auth (any method), or name the methods to allow, such as "
            "require_auth=scram-sha-256",
        )
    methods = value.split(",")
    names = [m[1:] if m.startswith("!") else m for m in methods]
    known = AUTH_METHODS if _libpq_version() >= 180000 else AUTH_METHODS[:5] + ("none",)
    listed = ", ".join(known)
    unknown = next((n for n in names if n not in known), None)
    if unknown is not None:
        return (
            "require_auth",
            f"its require_auth names a method{_shown(unknown)} libpq does not know (libpq: "
            f"invalid require_auth value); the methods are {listed}, each may be negated with !",
            f"set require_auth to methods among {listed} separated by commas (or drop it)",
        )
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:
        return (
            "require_auth",
            f"its require_auth names {twice} twice (libpq: is specified more than once)",
            f"name {twice} once in require_auth",
        )
    negated = [m for m in methods if m.startswith("!")]
    plain = [m for m in methods if not m.startswith("!")]
    if negated and plain:
        return (
            "require_auth",
            f"its require_auth mixes methods to refuse ({', '.join(negated)}) with methods to "
            f"allow ({', '.join(plain)}): libpq takes a list of methods to allow or a list of "
            "negated methods to refuse, never both, and refuses the value before connecting",
            f"set require_auth={','.join(plain)} (the server must use one of them) or "
            f"require_auth={','.join(negated)} (it must use none of them)",
        )
    return None


def _gssenc_on_socket(merged: Mapping[str, str]) -> tuple[str, str, str] | None:
    """libpq (PQconnectPoll) never encrypts a Unix socket connection with GSSAPI: with
    ``gssencmode=require`` every socket host fails before the startup (``GSSAPI encryption
    required but it is not supported over a local socket``), whatever Kerberos holds."""
    if merged.get("gssencmode") != "require":
        return None
    hosts = (merged.get("host") or _default_socket_dir()).split(",")
    if merged.get("hostaddr") or not all(
        h.startswith("/") or h.startswith("@") or not h for h in hosts
    ):
        return None
    return (
        "gssencmode",
        "its gssencmode=require asks for GSSAPI encryption, and it connects through a Unix "
        "socket, which libpq never encrypts with GSSAPI (it refuses the connection before the "
        "startup, whatever Kerberos credentials there are)",
        "set gssencmode=prefer or gssencmode=disable for the socket (or drop it); GSSAPI "
        "encryption needs a TCP host",
    )


def _libpq_version() -> int:
    """The version of the libpq psycopg uses (0: unknown)."""
    try:
        import psycopg

        return int(psycopg.pq.version())
    except Exception:  # noqa: B902 - no libpq: its rules are not applied
        return 0


def _service_directory(service: str, chosen: str) -> CheckFailed:
    """PGSERVICEFILE names a directory: libpq opens it as the file and reads no line from it
    (fe-connect.c ``parseServiceFile``), so no service is defined."""
    header = f"[{service}]".encode()
    try:
        holding = sorted(
            str(each)
            for each in Path(chosen).iterdir()
            if each.is_file()
            and any(line.strip() == header for line in each.read_bytes()[: 1 << 20].splitlines())
        )
    except OSError:
        holding = []
    if holding:
        change = f"set PGSERVICEFILE={holding[0]} (the file in it that defines [{service}])"
    else:
        change = "set PGSERVICEFILE to a file (not a directory), or unset it"
    return CheckFailed(
        f"PGSERVICEFILE names {chosen}, which is a directory: libpq reads it as the service "
        f"file and finds no service [{service}] in it",
        why="libpq opens PGSERVICEFILE as one file; a directory reads as no line, so every "
        "service is 'not found' there",
        fix=[Manual(f"{change} where PGSERVICEFILE is exported")],
    )


def service_definition(service: str, source: str, env: Mapping[str, str]) -> dict[str, str]:
    """Service ``service``'s parameters from the file libpq reads; a failure says which file."""
    chosen = env.get("PGSERVICEFILE")
    if chosen and os.path.isdir(chosen):
        raise _service_directory(service, chosen)
    if chosen and not os.path.isfile(chosen):
        raise CheckFailed(
            f"the service file {chosen} (PGSERVICEFILE) does not exist",
            why="with PGSERVICEFILE set, libpq reads that file for service definitions and "
            "fails when it is missing",
            fix=[
                Manual(
                    f"create {chosen} with a [{service}] section (host, port, dbname, "
                    "user), or unset PGSERVICEFILE"
                )
            ],
        )
    found, files = _pgdsn.service_params(service, env)
    bad = next(
        (
            (path, found_bad)
            for path in files
            if (found_bad := _pgdsn.service_syntax_error(path, service)) is not None
        ),
        None,
    )
    if found is not None and bad is not None:
        path, (number, key) = bad
        raise CheckFailed(
            f"line {number} of the service file {path} (in [{service}], {key}) is not "
            "key=value: libpq cannot read it and connects nowhere",
            why="libpq reads a service's section line by line and stops with 'syntax error in "
            "service file' at the first line without '=' (a 'key: value' line, the YAML habit, "
            "is one)",
            fix=[
                Manual(
                    f"in {path}, write line {number} as key=value (for example "
                    f"port=5432), as every line of [{service}] must be"
                )
            ],
        )
    defined = _pgdsn.service_definitions(service, env)
    nested = _pgdsn.service_nested_line(defined[0][0], service) if defined else None
    if nested is not None:
        path, (number, other) = defined[0][0], nested
        others = _pgdsn.service_definitions(other, env)
        keys = [k for k in (others[0][1] if others else {}) if k != "password"]
        copy = f" ({', '.join(keys)}; and its password, if it holds one)" if keys else ""
        raise CheckFailed(
            f"line {number} of the service file {path} sets service={other} inside [{service}]: "
            "libpq does not read one service from another and connects nowhere",
            why="libpq reads a service's section key by key and stops at a service= line inside "
            "it: nested service specifications not supported in service file (fe-connect.c "
            "parseServiceFile)",
            fix=[
                Manual(
                    f"in {path}, replace line {number} (service={other}) with the lines of "
                    f"[{other}] that [{service}] needs{copy}: each service section must hold "
                    "its own keys",
                    ask="whoever owns the service file",
                )
            ],
        )
    marked = next((path for path in files if _pgdsn.service_behind_mark(path, service)), None)
    if found is None and marked is not None:
        strip = Command(["sed", "-i", "1s/^\\xEF\\xBB\\xBF//", marked])
        raise CheckFailed(
            f"service {service!r} ({source}) is not found: the service file {marked} begins "
            f"with a UTF-8 byte order mark, so libpq does not read its first line, [{service}], "
            "as a section header",
            why="libpq takes a line for a section header only when its first byte is [ "
            "(fe-connect.c parseServiceFile) and skips no byte order mark (what an editor "
            "saving 'UTF-8 with BOM' writes): definition of service not found",
            fix=Fix(
                [strip],
                text=f"remove the byte order mark (the bytes EF BB BF) at the start of {marked}: "
                f"{strip.render()} (or save it as UTF-8 without BOM)",
            ),
        )
    if found is None:
        user_file = files[0]
        raise CheckFailed(
            f"service {service!r} ({source}) is not defined in {' or '.join(files)}",
            why="libpq reads "
            + ("PGSERVICEFILE" if chosen else "~/.pg_service.conf")
            + " first, then PGSYSCONFDIR/pg_service.conf; no ["
            + service
            + "] section there",
            fix=[
                Manual(
                    f"add a [{service}] section with host, port, dbname and user to {user_file}"
                    + (
                        "; or unset PGSERVICE (libpq's environment names the service: the "
                        "connection string names none)"
                        if source == "PGSERVICE"
                        else ""
                    )
                )
            ],
        )
    return found


def _default_socket_dir() -> str:
    """libpq's compiled-in socket directory (whether or not it exists)."""
    return SOCKET_DIRS[0]
