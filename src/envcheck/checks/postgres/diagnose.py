"""PostgreSQL login failures explained from their SQLSTATE and the stage of the login they came at.

libpq hands connection errors to its clients as text only; envcheck's own startup-protocol probe
(:mod:`envcheck.checks.postgres.wire`) gets the server's SQLSTATE of each attempt, and whether
the error came before authentication (pg_hba.conf, the server's state, slots) or after it (role,
database, CONNECT privilege). Verdicts never depend on the words of a message; the message is only
shown.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from envcheck.core.model import CheckFailed

#: stages of a login, in order
BEFORE_AUTH = "startup"
AUTHENTICATED = "authenticated"
SUPERUSER = "postgres"
_SIMPLE_IDENT = re.compile(r"[a-z_][a-z0-9_$]*")


def ident(name: str) -> str:
    """``name`` as an SQL identifier (quoted unless it is a plain lower-case one)."""
    if _SIMPLE_IDENT.fullmatch(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def shell_quote(text: str) -> str:
    """``text`` as one shell word: single quotes, or double quotes around SQL literals."""
    if "'" in text and not any(c in text for c in '"$`\\!'):
        return f'"{text}"'
    return shlex.quote(text)


@dataclass(frozen=True)
class Where:
    """The configured login: where fixes point, and the setting to change."""

    host: str
    port: int
    user: str
    dbname: str
    source: str = "the connection settings"
    sslmode: str = "prefer"

    @property
    def login(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def psql(
        self, sql: str | None = None, *, user: str | None = None, db: str | None = None
    ) -> str:
        """``psql`` against the configured server (as ``user``, default: the configured one)."""
        command = (
            f"psql -h {shlex.quote(self.host)} -p {self.port} -U {shlex.quote(user or self.user)} "
            f"-d {shlex.quote(db or self.dbname)}"
        )
        return command + (f" -c {shell_quote(sql)}" if sql else "")

    def as_superuser(self, sql: str, db: str = "postgres") -> str:
        return self.psql(sql, user=SUPERUSER, db=db)


def explain_failure(
    sqlstate: str | None,
    message: str,
    *,
    host: str,
    port: int,
    user: str,
    dbname: str,
    source: str = "the connection settings",
    sslmode: str = "prefer",
    stage: str | None = None,
    can_create_db: bool | None = None,
) -> CheckFailed:
    """Explain a failed PostgreSQL login the way the ``postgres`` component does.

    ``sqlstate`` is the server's error code (field ``C`` of its ErrorResponse; ``None`` when only
    libpq's text is known), ``message`` its text (shown, never interpreted). ``stage`` is
    ``"startup"`` when the error came before authentication finished and ``"authenticated"`` when
    after (``None``: unknown); ``source`` names the setting a user edits (e.g. ``DATABASE_URL``).
    ``can_create_db``: whether ``user`` may create databases (``None``: unknown).
    """
    where = Where(host, port, user, dbname, source, sslmode)
    said = _said(message)
    code = sqlstate or ""
    if code == "28P01":
        set_password = where.as_superuser("\\password " + ident(user))
        return CheckFailed(
            f"password authentication failed for user {user!r} at {where.address}",
            why="the password is wrong, or there is no role named "
            f"{user!r}: with password (scram-sha-256/md5) logins the server does not tell which"
            + said,
            hint=f"see which: {where.as_superuser(_role_query(user))}; a missing role: "
            f"{where.as_superuser(f'CREATE ROLE {ident(user)} LOGIN')} then {set_password}; if the "
            f"password is wrong: correct {source}, or set a new one: {set_password}",
        )
    if code == "28000" and stage == AUTHENTICATED:
        return CheckFailed(
            f"role {user!r} may not log in at {where.address}: it does not exist, or it is "
            "NOLOGIN",
            why="the server let the connection through pg_hba.conf, then refused the role" + said,
            hint=f"see which: {where.as_superuser(_role_query(user))}; then "
            f"{where.as_superuser(f'CREATE ROLE {ident(user)} LOGIN')} (missing) or "
            f"{where.as_superuser(f'ALTER ROLE {ident(user)} LOGIN')} (NOLOGIN); or log in as "
            f"another role: set the user in {source}",
        )
    if code == "28000":
        return pg_hba_refuses(where, said, ssl_helps=None)
    if code == "3D000":
        return missing_database(where, said, can_create_db)
    if code == "42501":
        grant = f"GRANT CONNECT ON DATABASE {ident(dbname)} TO {ident(user)}"
        return CheckFailed(
            f"role {user!r} may not connect to database {dbname!r} at {where.address} "
            "(no CONNECT privilege)",
            why="CONNECT on the database was revoked from PUBLIC (or from this role) and not "
            "granted back" + said,
            hint=f"as the database's owner or a superuser: {where.as_superuser(grant)}",
        )
    if code == "53300":
        return no_free_slots(where, said)
    if code == "57P03":
        return CheckFailed(
            f"{where.address} does not accept connections now (SQLSTATE 57P03)",
            why="the server is starting up, shutting down, or in recovery without hot standby"
            + said,
            hint=f"wait and retry: pg_isready -h {shlex.quote(host)} -p {port} says when it "
            "accepts connections; if it stays so, look at the server's log (a shutdown waiting "
            "for sessions to end, or a crash recovery)",
        )
    if code in ("08P01", "0A000"):
        return CheckFailed(
            f"{where.address} refused the login as a protocol violation ({code})",
            why="a proxy or pooler in front of PostgreSQL, or a client/server version mismatch"
            + said,
            hint=f"connect directly to the server to compare: {where.psql('SELECT 1')}",
        )
    shown = f" (SQLSTATE {code})" if code else ""
    return CheckFailed(
        f"cannot log in to {where.login}{shown}",
        why=(message.strip().splitlines() or ["the server gave no reason"])[0],
        hint=f"check {source}; try: {where.psql()}",
    )


def _said(message: str) -> str:
    first = (message.strip().splitlines() or [""])[0]
    return f"; the server said: {first}" if first else ""


def _role_query(user: str) -> str:
    literal = "'" + user.replace("'", "''") + "'"
    return f"SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = {literal}"


def pg_hba_refuses(
    where: Where, said: str, *, ssl_helps: bool | None, ssl_offered: bool | None = None
) -> CheckFailed:
    """pg_hba.conf has no line that accepts this login (or a ``reject`` line matches it)."""
    line = f"host {where.dbname} {where.user} <client address>/32 scram-sha-256"
    reload = where.as_superuser("SELECT pg_reload_conf()")
    if ssl_helps:
        if where.sslmode in ("disable", "allow"):
            hint = f"set sslmode=require instead of sslmode={where.sslmode} in {where.source}"
        else:
            hint = f"add sslmode=require to {where.source}"
        return CheckFailed(
            f"the server requires SSL: its pg_hba.conf accepts {where.login} from this host "
            "only over SSL",
            why="an SSL attempt passed pg_hba.conf, the unencrypted one was refused" + said,
            hint=hint,
        )
    if ssl_helps is None and ssl_offered is False:
        neither = "(no matching line, a 'reject' line, or only 'hostssl' lines while the server "
        neither += "offers no SSL)"
    elif ssl_helps is None:
        neither = "(no matching line, or a 'reject' line)"
    else:
        neither = "with or without SSL (no matching line, or a 'reject' line)"
    return CheckFailed(
        f"the server's pg_hba.conf does not let {where.login} in from this host {neither}",
        why="pg_hba.conf is read top to bottom and the first line matching the connection type, "
        "database, user and client address decides" + said,
        hint=f"on the server, add '{line}' to pg_hba.conf above any 'reject' line that matches, "
        f"then reload: {reload} (or: sudo systemctl reload postgresql)",
    )


def missing_database(where: Where, said: str, can_create_db: bool | None) -> CheckFailed:
    createdb = (
        f"createdb -h {shlex.quote(where.host)} -p {where.port} -U {shlex.quote(where.user)} "
        f"{shlex.quote(where.dbname)}"
    )
    as_super = (
        f"createdb -h {shlex.quote(where.host)} -p {where.port} -U {SUPERUSER} "
        f"-O {shlex.quote(where.user)} {shlex.quote(where.dbname)}"
    )
    if can_create_db:
        hint = createdb
    elif can_create_db is False:
        hint = (
            f"role {where.user} may not create databases (no CREATEDB); as a superuser: {as_super}"
        )
    else:
        hint = f"{createdb}  (needs CREATEDB; otherwise as a superuser: {as_super})"
    return CheckFailed(
        f"database {where.dbname!r} does not exist on {where.address}",
        why="the server is up and accepted the login, but has no such database" + said,
        hint=hint,
    )


#: who holds the connection slots, for a superuser (whose reserved slots still let them in)
SLOTS_QUERY = (
    "SELECT usename, application_name, client_addr, state, count(*) FROM pg_stat_activity "
    "WHERE backend_type = 'client backend' GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC"
)


def no_free_slots(where: Where, said: str) -> CheckFailed:
    limits = (
        "SELECT current_setting('max_connections') AS max_connections, "
        "current_setting('superuser_reserved_connections') AS reserved, "
        f"(SELECT rolconnlimit FROM pg_roles WHERE rolname = '{where.user}') AS role_limit, "
        f"(SELECT datconnlimit FROM pg_database WHERE datname = '{where.dbname}') AS db_limit"
    )
    return CheckFailed(
        f"{where.address} has no free connection slot for {where.user} (SQLSTATE 53300)",
        why="max_connections is reached (the last superuser_reserved_connections slots are kept "
        "for superusers), or the role's or database's CONNECTION LIMIT is" + said,
        hint=f"see who holds them (superusers may use the reserved slots): "
        f"{where.as_superuser(SLOTS_QUERY)}; see the limits: {where.as_superuser(limits)}; then "
        "close idle sessions, put a pooler (pgbouncer) in front, or raise the limit: "
        f"{where.as_superuser('ALTER SYSTEM SET max_connections = 200')} and restart the "
        "server (max_connections needs a restart)",
    )


def replica(where: Where, primary: str | None) -> CheckFailed:
    """A server in recovery: name its primary when this role may see it."""
    shown = f" (its primary: {primary})" if primary else ""
    query = "SELECT sender_host, sender_port FROM pg_stat_wal_receiver"
    return CheckFailed(
        f"{where.address} is a read-only replica (in recovery){shown}",
        why="a standby replays the primary's changes and accepts no writes",
        hint=f"point {where.source} at the primary server; on the replica, "
        f"`{where.psql(query, user=SUPERUSER)}` names it",
    )


_READ_ONLY_RESET = {
    "user": "ALTER ROLE {user} RESET default_transaction_read_only",
    "database": "ALTER DATABASE {dbname} RESET default_transaction_read_only",
    "database user": "ALTER ROLE {user} IN DATABASE {dbname} RESET default_transaction_read_only",
    "configuration file": "ALTER SYSTEM SET default_transaction_read_only = off",
}


def read_only_sessions(where: Where, setting_source: str) -> CheckFailed:
    """Transactions are read-only by default: say where that is set, and how to undo it there."""
    user, dbname = where.user, where.dbname
    place = {
        "user": f"for role {user} (ALTER ROLE ... SET)",
        "database": f"for database {dbname} (ALTER DATABASE ... SET)",
        "database user": f"for role {user} in database {dbname}",
        "client": f"by the connection itself (options in {where.source}, or PGOPTIONS)",
        "configuration file": "in the server's configuration (postgresql.conf)",
    }.get(setting_source, f"(source: {setting_source})")
    statement = _READ_ONLY_RESET.get(setting_source, "")
    if setting_source == "client":
        hint = (
            "remove -c default_transaction_read_only=on from options in "
            f"{where.source} (and PGOPTIONS)"
        )
    elif statement:
        # the session that undoes it must not be read-only itself
        sql = statement.format(user=ident(user), dbname=ident(dbname))
        hint = "PGOPTIONS='-c default_transaction_read_only=off' " + where.psql(sql, user=SUPERUSER)
        if setting_source == "configuration file":
            hint += ' -c "SELECT pg_reload_conf()"  (or edit postgresql.conf and reload)'
    else:
        hint = f"{where.psql('SHOW default_transaction_read_only')} and find where it is set"
    return CheckFailed(
        f"sessions on {where.login} are read-only: default_transaction_read_only is on {place}",
        why="every transaction starts read-only, so the application's writes fail",
        hint=hint,
    )
