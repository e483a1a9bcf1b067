"""What a PostgreSQL failure means: a login that failed, and a check's query that failed.

Verdicts come from structure, never from the words of a message: the server's SQLSTATE (field
``C``), the routine that reported it (field ``R``, e.g. ``InitializeSessionUserId`` for a role's
limit, ``CheckMyDatabase`` for a database's), the stage of the login the error came at, the
authentication request the server sent, the TLS verification result. libpq hands connection errors
to its clients as text only (with ``sslmode=prefer``, one text for two attempts), so after psycopg
failed, envcheck logs in again with its own startup-protocol probe (:mod:`.wire`) and reads the
server's answer to each attempt. Where the server does not say which of several causes it is (a
wrong password, a missing role and an expired password all get 28P01), envcheck looks the role up
when a superuser login needs no password from it (libpq's password file, or a local socket), and
otherwise names every possibility. Every failure carries a :class:`~envcheck.kit.Fix`: SQL with
the role it needs, commands, and manual steps that say what to ask for and from whom.
"""

from __future__ import annotations

import datetime
import os
import re
import shlex
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envcheck.checks.postgres import wire as _pgwire
from envcheck.checks.postgres.target import (
    SOCKET_DIRS,
    SUPERUSER,
    Target,
    ident,
    literal,
    os_user,
    passfile_entry,
    passfile_localhost_line,
    passfile_marked_line,
    passfile_spelling_line,
)
from envcheck.checks.postgres.wire import AUTHENTICATED, BEFORE_AUTH
from envcheck.checks.shared import tls as _tls
from envcheck.core.fix import Command, Fix, Manual, Step
from envcheck.core.model import CheckFailed
from envcheck.kit import _net

if TYPE_CHECKING:
    import psycopg

__all__ = ["AUTHENTICATED", "BEFORE_AUTH", "SUPERUSER", "explain_failure"]

ADMIN = "the database server's administrator"
_ORDER = {
    "disable": ("plain",),
    "allow": ("plain", "ssl"),
    "prefer": ("ssl", "plain"),
    "require": ("ssl",),
    "verify-ca": ("ssl",),
    "verify-full": ("ssl",),
}
_RANK = {BEFORE_AUTH: 0, AUTHENTICATED: 1, _pgwire.READY: 2}
#: OpenSSL's verify codes for a name that does not match the certificate (host, IP)
_NAME_MISMATCH = {62, 64}
#: SQLSTATE classes (errcodes.txt) and the layer a failure of that class belongs to
CLASSES = {
    "08": ("connection exception", "network or protocol"),
    "0A": ("feature not supported", "protocol"),
    "22": ("data exception", "settings"),
    "23": ("integrity constraint violation", "data"),
    "25": ("invalid transaction state", "server state"),
    "28": ("invalid authorization specification", "login"),
    "3D": ("invalid catalog name", "database"),
    "3F": ("invalid schema name", "privilege"),
    "40": ("transaction rollback", "server state"),
    "42": ("syntax error or access rule violation", "privilege"),
    "53": ("insufficient resources", "capacity"),
    "54": ("program limit exceeded", "capacity"),
    "55": ("object not in prerequisite state", "server state"),
    "57": ("operator intervention", "server state"),
    "58": ("system error", "server"),
    "F0": ("configuration file error", "server"),
    "P0": ("PL/pgSQL error", "server"),
    "XX": ("internal error", "server"),
}


def _said(message: str, detail: str = "") -> str:
    first = (message.strip().splitlines() or [""])[0]
    shown = f"; the server said: {first}" if first else ""
    return shown + (f" ({detail.strip()})" if detail.strip() else "")


def fix(*steps: Step, text: str | None = None) -> Fix:
    return Fix(steps, text=text)


def ask_admin(text: str) -> Manual:
    return Manual(text, ask=ADMIN)


# -- looking a role and a database up -----------------------------------------------------------


@dataclass(frozen=True)
class Lookup:
    """What the catalogs say about the configured role and database (``None``: not seen)."""

    by: str
    role_exists: bool
    can_login: bool = True
    valid_until: datetime.datetime | None = None
    has_password: bool | None = None
    role_limit: int = -1
    db_exists: bool | None = None
    allow_connections: bool = True
    is_template: bool = False
    db_limit: int = -1
    max_connections: int | None = None
    in_use: int | None = None
    #: a role whose name differs from the wanted one only in case
    similar_role: str | None = None
    #: the role's password is stored as an MD5 hash (``None``: not seen, only a superuser may)
    md5_secret: bool | None = None
    #: the database's owner (``None``: no such database)
    db_owner: str | None = None

    @property
    def expired(self) -> bool:
        now = datetime.datetime.now(datetime.timezone.utc)
        return self.valid_until is not None and self.valid_until < now


_LOOKUP = """
SELECT r.rolname IS NOT NULL, coalesce(r.rolcanlogin, false), r.rolvaliduntil,
       {password}, coalesce(r.rolconnlimit, -1),
       d.datname IS NOT NULL, coalesce(d.datallowconn, true), coalesce(d.datistemplate, false),
       coalesce(d.datconnlimit, -1), current_setting('max_connections')::int,
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int,
       (SELECT min(rolname) FROM pg_roles WHERE lower(rolname) = lower(%(user)s)
        AND rolname <> %(user)s),
       {md5}, pg_get_userbyid(d.datdba)::text
FROM (SELECT 1) AS one
LEFT JOIN {roles} r ON r.rolname = %(user)s
LEFT JOIN pg_database d ON d.datname = %(db)s
"""


def look_up(t: Target, deadline: float, *, as_superuser: bool = True) -> Lookup | None:
    """Read the role and the database from the catalogs: as a superuser when libpq can log one
    in without a password from envcheck (a line of the password file, a trust or peer line of
    pg_hba.conf), else as the configured role in the maintenance database. ``None`` when neither
    gets in before ``deadline``. Reads only."""
    import psycopg

    tries: list[tuple[str, dict[str, Any]]] = []
    if as_superuser and t.user != SUPERUSER:
        # no password of envcheck's: libpq's password file, a trust or peer line, or nothing
        tries.append((SUPERUSER, {"user": SUPERUSER, "password": ""}))
    tries.append((t.user, {}))
    for who, change in tries:
        left = deadline - time.monotonic()
        if left < 0.5:
            return None
        kwargs = t.connect_kwargs("envcheck diagnosis", left)
        kwargs.update(change, dbname="postgres", target_session_attrs="any")
        try:
            with psycopg.connect(**kwargs) as conn:
                superuser = conn.execute(
                    "SELECT rolsuper FROM pg_roles WHERE rolname = " "current_user"
                ).fetchone() == (True,)
                query = _LOOKUP.format(
                    password="r.rolpassword IS NOT NULL" if superuser else "NULL::bool",
                    md5="r.rolpassword LIKE 'md5%%'" if superuser else "NULL::bool",
                    roles="pg_authid" if superuser else "pg_roles",
                )
                row = conn.execute(query, {"user": t.user, "db": t.dbname}).fetchone()
        except psycopg.Error:
            continue
        if row is None:
            continue
        return Lookup(who, *row)
    return None


# -- the public explanation of a failed login ---------------------------------------------------


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
    routine: str = "",
    detail: str = "",
    lookup: Lookup | None = None,
    foreign: bool = False,
) -> CheckFailed:
    """Explain a failed PostgreSQL login the way the ``postgres`` component does.

    ``sqlstate`` is the server's error code (field ``C`` of its ErrorResponse; ``None`` when only
    libpq's text is known), ``message`` its text (shown, never interpreted). ``stage`` is
    ``"startup"`` when the error came before authentication finished and ``"authenticated"`` when
    after (``None``: unknown); ``routine`` the server routine that reported it (field ``R``);
    ``source`` names the setting a user edits (e.g. ``DATABASE_URL``). ``can_create_db``: whether
    ``user`` may create databases (``None``: unknown); ``lookup``: what the catalogs say;
    ``foreign``: the error lacks the fields every error of PostgreSQL's own backend carries (``V``,
    ``R``), so a program in front of the server wrote it.
    """
    user = user or os_user() or ""
    t = Target(host, port, user, dbname or user, source, sslmode)
    return _explain(
        t, sqlstate or "", message, detail, stage, routine, can_create_db, lookup, foreign=foreign
    )


#: a server message that names the setting it refuses (guc.c: ``parameter "%s"``,
#: ``configuration parameter "%s"``)
_PARAMETER = re.compile(r'parameter "([^"]+)"')
#: ``-c name=value`` / ``--name=value`` in libpq's ``options``
_OPTION = re.compile(r"(?:-c\s*|--)([A-Za-z_][A-Za-z0-9_.]*)=")


#: libpq (fe-protocol3.c ``build_startup_packet``, ``EnvironmentOptions``): variables libpq
#: puts in every startup packet as the session setting beside them, unless set to ``default``
ENV_STARTUP = (("PGDATESTYLE", "datestyle"), ("PGTZ", "timezone"), ("PGGEQO", "geqo"))


def startup_params(t: Target) -> tuple[tuple[str, str], ...]:
    """What libpq adds to its startup packet besides user, database and application name:
    ``options`` (the DSN's, else ``PGOPTIONS``), ``client_encoding`` (else
    ``PGCLIENTENCODING``; ``auto`` is resolved by libpq from the locale, not sent as such) and
    :data:`ENV_STARTUP`'s settings from the environment."""
    found = []
    options = t.libpq_value("options")
    if options:
        found.append(("options", options))
    encoding = t.libpq_value("client_encoding")
    if encoding and encoding.lower() != "auto":
        found.append(("client_encoding", encoding))
    for variable, name in ENV_STARTUP:
        value = os.environ.get(variable)
        if value is not None and value.lower() != "default":
            found.append((name, value))
    return tuple(found)


#: the SQLSTATEs guc.c ends a login with over a setting it cannot apply: unknown (42704), a
#: value it cannot read (22023), one that cannot change now (55P02), one the role may not set
#: (42501)
SETTING_STATES = ("42704", "22023", "55P02", "42501")
#: an identifier in a server message: a setting's name is quoted in it verbatim in any language
#: (``"work_mem"``, ``»work_mem«``, ``« work_mem »``)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def _refused_name(code: str, message: str, sent: Mapping[str, str]) -> str | None:
    """The setting a login failure names: guc.c's English ``parameter "%s"``; else, for the
    SQLSTATEs of a refused setting, the one setting the startup packet carried whose name is a
    token of the message (the server's words may be in any language; the name is the user's)."""
    named = _PARAMETER.search(message)
    if named is not None:
        return named.group(1)
    if code not in SETTING_STATES:
        return None
    carried = {n.lower(): n for n in _OPTION.findall(sent.get("options", ""))}
    for name in ("client_encoding", *(n for _, n in ENV_STARTUP)):
        if name in sent:
            carried[name] = name
    tokens = {token.lower() for token in _IDENTIFIER.findall(message)}
    found = [carried[n] for n in carried if n in tokens]
    return found[0] if len(found) == 1 else None


#: the switches of postgres.c ``process_postgres_switches`` that take an argument (its getopt
#: string ``B:bC:c:D:d:EeFf:h:ijk:lN:nOPp:r:S:sTt:v:W:-:``)
_SWITCH_ARGUMENT = frozenset("BCcDdfhkNprStvW-")
#: a word of options that is a whole setting (``name=value``)
_SETTING_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*=.*")


def split_options(value: str) -> list[str]:
    """libpq's ``options`` as the server splits them (postinit.c ``pg_split_opts``): at
    whitespace, except where a backslash escapes the next character."""
    words: list[str] = []
    word: list[str] = []
    started = escaped = False
    for char in value:
        if escaped:
            word.append(char)
            escaped = False
        elif char == "\\":
            escaped = started = True
        elif char.isspace():
            if started:
                words.append("".join(word))
                word, started = [], False
        else:
            word.append(char)
            started = True
    if started:
        words.append("".join(word))
    return words


def stray_word(words: list[str]) -> int | None:
    """The index of the first word getopt does not read as a switch or a switch's argument
    (process_postgres_switches refuses it: ``invalid command-line argument``)."""
    index = 0
    while index < len(words):
        word = words[index]
        if not word.startswith("-") or word == "-":
            return index
        for at, letter in enumerate(word[1:], 1):
            if letter in _SWITCH_ARGUMENT:
                if at == len(word) - 1:
                    index += 1  # its argument is the next word
                break
        index += 1
    return None


def stray_option_word(t: Target, code: str, routine: str, said: str) -> CheckFailed | None:
    """42601 from ``process_postgres_switches``: a word of the ``options`` libpq sent is no
    switch: a setting written without its own ``-c`` (``-c a=1 b=2``), or a value a space split
    (``-c application_name=my app``)."""
    if code != "42601" or routine not in ("process_postgres_switches", ""):
        return None
    options = dict(startup_params(t)).get("options")
    if not options:
        return None
    words = split_options(options)
    at = stray_word(words)
    if at is None:
        return None
    where = f"options in {t.source}" if t.params.get("options") else "PGOPTIONS"
    after = f" after {words[at - 1]!r}" if at else ""
    if _SETTING_WORD.fullmatch(words[at]):
        # a setting written without its own -c (``-c a=1 b=2``): each needs one
        fixed = " ".join([*words[:at], "-c", *words[at:]])
        change = f"give each setting of {where} its own -c: {fixed}"
        kind = "a setting without its own -c"
    elif at == 0:
        joined = " ".join(["-c", *words])
        change = f"begin {where} with a switch: {joined}"
        kind = "no switch"
    else:
        joined = " ".join([*words[: at - 1], words[at - 1] + words[at], *words[at + 1 :]])
        escaped = " ".join([*words[: at - 1], words[at - 1] + "\\ " + words[at], *words[at + 1 :]])
        change = (
            f"in {where}, join {words[at]!r} to the value before it: leave out the space "
            f"({joined}) or escape it with a backslash ({escaped}; in a quoted keyword value "
            "the backslash itself is written twice)"
        )
        kind = "a value a space split"
    return CheckFailed(
        f"{where} has the word {words[at]!r}{after} on its own ({kind}): libpq splits options "
        "at each space, and the server refuses a word that is no switch (SQLSTATE 42601)",
        why="the server reads options as command-line switches (-c name=value, --name=value); "
        "a space inside a value ends it unless a backslash escapes it, and the login ends at "
        "the first word that is neither a switch nor a switch's value" + said,
        fix=fix(t.edit_setting(change), text=change),
    )


def startup_setting_refused(t: Target, code: str, message: str, detail: str) -> CheckFailed | None:
    """The server ended the login over a setting the startup packet carried (``options`` or
    ``client_encoding``): any SQLSTATE whose message names that setting."""
    sent = dict(startup_params(t))
    name = _refused_name(code, message, sent) if code else None
    if name is None:
        return None
    from_env = _environment_setting_refused(t, code, name, sent, _said(message, detail))
    if from_env is not None:
        return from_env
    in_options = name.lower() in {n.lower() for n in _OPTION.findall(sent.get("options", ""))}
    if name == "client_encoding" and "client_encoding" in sent:
        where = (
            "client_encoding in " + t.source
            if t.params.get("client_encoding")
            else "PGCLIENTENCODING"
        )
        change = f"set client_encoding to an encoding the server knows (UTF8) in {where}"
    elif in_options:
        where = f"options in {t.source}" if t.params.get("options") else "PGOPTIONS"
        change = f"remove -c {name}=... from {where}"
    else:
        return None
    class_name = CLASSES.get(code[:2], ("", ""))[0]
    return CheckFailed(
        f"the server refuses the setting {name} that {where} sends at login "
        f"(SQLSTATE {code}{': ' + class_name if class_name else ''})",
        why="libpq puts it in the startup packet; the server applies it before the session "
        "starts and ends the login when it cannot" + _said(message, detail),
        fix=fix(t.edit_setting(change), text=change),
    )


#: what a variable of :data:`ENV_STARTUP` may be set to instead
_ENV_EXAMPLE = {
    "PGTZ": "a zone name the server lists in pg_timezone_names (Europe/Berlin, UTC)",
    "PGDATESTYLE": "a DateStyle the server reads (ISO, MDY)",
    "PGGEQO": "on or off",
}


def _environment_setting_refused(
    t: Target, code: str, name: str, sent: Mapping[str, str], said: str
) -> CheckFailed | None:
    """The refused setting is one libpq sent from its environment (PGTZ, PGDATESTYLE, PGGEQO)
    and not in ``options``: the variable and its value are named."""
    found = [(v, n) for v, n in ENV_STARTUP if n == name.lower() and n in sent]
    options = {n.lower() for n in _OPTION.findall(sent.get("options", ""))}
    if not found or name.lower() in options:
        return None
    variable, setting = found[0]
    value = sent[setting]
    class_name = CLASSES.get(code[:2], ("", ""))[0]
    change = (
        f"unset {variable} where it is exported (the shell, .env, the service's environment), "
        f"or set it to {_ENV_EXAMPLE[variable]}"
    )
    return CheckFailed(
        f"the server refuses {variable}={value!r} (libpq's environment), which libpq sends as "
        f"the setting {name} of every login (SQLSTATE {code}"
        + (f": {class_name})" if class_name else ")"),
        why=f"libpq puts {', '.join(v for v, _ in ENV_STARTUP)} in the startup packet of every "
        "connection it makes; the server applies them before the session starts and ends the "
        "login when it cannot (envcheck's own login sent the same and met the same)" + said,
        fix=fix(Manual(change, ask="whoever sets the environment"), text=change),
    )


def _explain(
    t: Target,
    code: str,
    message: str,
    detail: str,
    stage: str | None,
    routine: str,
    can_create_db: bool | None,
    lookup: Lookup | None,
    asked: int | None = None,
    similar: list[str] | None = None,
    foreign: bool = False,
) -> CheckFailed:
    said = _said(message, detail)
    stray = stray_option_word(t, code, routine, said)
    if stray is not None:
        return stray
    refused = startup_setting_refused(t, code, message, detail)
    if refused is not None:
        return refused
    pooled = pooler_refused(t, code, message)
    if pooled is not None:
        return pooled
    if code == "08P01" and foreign:
        return pooler_answered(t, code, message, f"the login of {t.login}")
    if code == "28000" and CLIENT_CERT_REQUIRED in message:
        return client_certificate_required(t, said)
    if code == "28P01":
        return wrong_password(t, said, lookup, asked)
    if code == "28000" and (stage == AUTHENTICATED or routine == "InitializeSessionUserId"):
        return role_refused(t, said, lookup)
    if code == "28000" and routine == "auth_failed":
        return method_failed(t, said, asked)
    if code == "28000":
        return pg_hba_refuses(t, said, ssl_helps=None)
    if code == "3D000":
        return missing_database(t, said, can_create_db, similar)
    if code == "42501" and routine in ("CheckMyDatabase", ""):
        grant = f"GRANT CONNECT ON DATABASE {ident(t.dbname)} TO {ident(t.user)}"
        step = t.superuser_sql(grant)
        return CheckFailed(
            f"role {t.user!r} may not connect to database {t.dbname!r} at {t.address} "
            "(no CONNECT privilege)",
            why="CONNECT on the database was revoked from PUBLIC (or from this role) and not "
            "granted back" + said,
            fix=fix(step, text=f"as the database's owner or a superuser: {step.render()}"),
        )
    if code == "55000" and (
        routine == "InitPostgres" or (lookup is not None and lookup.db_limit == INVALID_DB)
    ):
        return invalid_database(t, said, lookup)
    if code == "55000" and routine in ("CheckMyDatabase", ""):
        return closed_database(t, said, lookup)
    if code == "53300":
        return no_free_slots(t, said, routine, stage, lookup)
    if code == "57P03":
        return cannot_connect_now(t, message, detail, postmaster_status(t))
    if code in ("08P01", "0A000"):
        return CheckFailed(
            f"{t.address} refused the login as a protocol violation ({code})",
            why="a proxy or pooler in front of PostgreSQL (pgbouncer, a cloud proxy), or a "
            "client/server version mismatch" + said,
            fix=fix(
                Manual(
                    f"connect directly to the PostgreSQL server, bypassing the pooler, to "
                    f"compare: {t.psql('SELECT 1')}; then ask the pooler's administrator to "
                    "accept this client's startup parameters",
                    ask="the pooler's administrator",
                )
            ),
        )
    return login_fallback(t, code, message, detail)


_ROLE_SETTINGS = """
SELECT CASE WHEN s.setrole = 0 THEN 'database' WHEN s.setdatabase = 0 THEN 'user'
            ELSE 'database user' END, c
FROM pg_db_role_setting s, unnest(s.setconfig) AS c
WHERE s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = %(user)s))
  AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = %(db)s))
  AND NOT (s.setrole = 0 AND s.setdatabase = 0)
"""


def setting_breaks_login(
    t: Target, code: str, message: str, detail: str, deadline: float
) -> CheckFailed | None:
    """A login that fails after authentication with a SQLSTATE no verdict covers: a setting of
    the role or the database (ALTER ROLE/DATABASE ... SET), applied at every login, whose value
    the server's message quotes (``could not access file "x"``), read as a superuser."""
    import psycopg

    quoted = set(re.findall(r'"([^"]+)"', message + " " + detail))
    #: dfmgr.c: an unprivileged library of local_preload_libraries is looked for here only
    plugins = {q[len(_PLUGINS) :] for q in quoted if q.startswith(_PLUGINS)}
    quoted |= plugins
    if not quoted or deadline - time.monotonic() < 0.5:
        return None
    kwargs = t.connect_kwargs("envcheck diagnosis", deadline - time.monotonic())
    kwargs.update(user=SUPERUSER, password="", dbname="postgres", target_session_attrs="any")
    try:
        with psycopg.connect(**kwargs) as conn:
            rows = conn.execute(_ROLE_SETTINGS, {"user": t.user, "db": t.dbname}).fetchall()
            in_libdir = {p for p in plugins if _in_libdir(conn, p)}
    except psycopg.Error:
        return None
    for scope, config in rows:
        name, _, value = str(config).partition("=")
        values = {v.strip().strip("'\"") for v in value.split(",")}
        if name in quoted or values & quoted:
            statement = _RESET[scope].format(user=ident(t.user), dbname=ident(t.dbname), name=name)
            step = t.superuser_sql(statement)
            if name == "local_preload_libraries" and values & plugins:
                return _not_in_plugins(t, scope, sorted(values & plugins), in_libdir, step, code)
            class_name = CLASSES.get(code[:2], ("", ""))[0]
            return CheckFailed(
                f"every login of {t.login} fails on the setting {name} = {value} "
                f"{setting_place(t, scope)} (SQLSTATE {code}"
                + (f": {class_name})" if class_name else ")"),
                why="the server applies the role's and the database's settings at each login and "
                "ends the session when one fails (looked up as postgres)" + _said(message, detail),
                fix=fix(step, text=f"as a superuser (or the role's owner): {step.render()}"),
            )
    return None


_PLUGINS = "$libdir/plugins/"
#: the file a library name becomes (dfmgr.c ``expand_dynamic_library_name``: DLSUFFIX)
_LIBRARY_FILE = """
SELECT bool_or((pg_stat_file(setting || '/' || %(name)s || suffix, true)).size IS NOT NULL)
FROM pg_config, unnest(ARRAY['.so', '.dylib', '']) AS suffix
WHERE name = 'PKGLIBDIR'
"""


def _in_libdir(conn: psycopg.Connection[Any], name: str) -> bool:
    """Whether library ``name`` is a file of the server's $libdir (read as the superuser)."""
    import psycopg

    try:
        row = conn.execute(_LIBRARY_FILE, {"name": name}).fetchone()
    except psycopg.Error:
        conn.rollback()
        return False
    return bool(row and row[0])


def _not_in_plugins(
    t: Target, scope: str, libraries: list[str], in_libdir: set[str], reset: Step, code: str
) -> CheckFailed:
    """local_preload_libraries names a library that is not in $libdir/plugins/: a setting any
    role may set, so the server loads its libraries from there only (a superuser's
    session_preload_libraries loads from $libdir)."""
    shown = ", ".join(libraries)
    place = setting_place(t, scope)
    kept = [lib for lib in libraries if lib in in_libdir]
    steps: list[Step] = []
    if kept:
        moved = (
            _RESET[scope]
            .format(user=ident(t.user), dbname=ident(t.dbname), name="local_preload_libraries")
            .replace(
                "RESET local_preload_libraries",
                "SET session_preload_libraries = " + ", ".join(f"'{lib}'" for lib in kept),
            )
        )
        steps.append(t.superuser_sql(moved))
    steps.append(reset)
    where = (
        f"{' and '.join(kept)} is in $libdir, where session_preload_libraries (a superuser's "
        "setting) loads it"
        if kept
        else "session_preload_libraries (a superuser's setting) loads from $libdir, or the "
        "library's file goes to $libdir/plugins/"
    )
    text = "as a superuser: " + "; ".join(s.render() for s in steps)
    return CheckFailed(
        f"every login of {t.login} fails: local_preload_libraries = {shown} {place} is looked "
        f"for in $libdir/plugins/, and it is not there (SQLSTATE {code})",
        why="local_preload_libraries may be set by any role, so the server loads its libraries "
        f"only from $libdir/plugins/ (dfmgr.c); {where} (looked up as postgres)",
        fix=fix(*steps, text=text),
    )


def _from_pgpassword(t: Target, looked: str, said: str) -> CheckFailed:
    """A refused password that libpq took from PGPASSWORD (the connection string has none): the
    environment's, read before the password file; the file's line for this login, if there is
    one, named (never its password)."""
    entry = passfile_entry(t.passfile, t.host, t.port, t.dbname, t.user)
    shadowed = entry is not None and entry.usable
    checked = (
        f"the role exists, may log in and its password has not expired{looked}; " if looked else ""
    )
    value = os.environ.get("PGPASSWORD", "")
    end = value[len(value.rstrip("\r\n")) :]
    if end:
        named = " and ".join(
            dict.fromkeys(
                "a carriage return (\\r)" if c == "\r" else "a line feed (\\n)" for c in end
            )
        )
        return CheckFailed(
            f"the password for role {t.user!r} at {t.address} is refused: PGPASSWORD ends with "
            f"{named}, which libpq sends as part of the password",
            why="libpq takes PGPASSWORD byte for byte; a value exported from a file saved with "
            "CRLF line ends (a .env written on Windows) keeps the carriage return, which no "
            "terminal shows; " + checked + "PGPASSWORD's password is refused" + said,
            fix=fix(
                Manual(
                    "remove the trailing line end from PGPASSWORD where it is exported (the "
                    ".env file: sed -i 's/\\r$//' FILE, or save it with LF line ends; in a "
                    "shell: export PGPASSWORD=\"${PGPASSWORD%$'\\r'}\")",
                    ask="whoever sets the environment",
                )
            ),
        )
    if shadowed and entry is not None:
        return CheckFailed(
            f"the password for role {t.user!r} at {t.address} is refused: libpq sent PGPASSWORD "
            f"(libpq's environment), not line {entry.line} of the password file {entry.path} "
            f"({entry.shown}), which matches this login",
            why="the connection string gives no password, and libpq takes PGPASSWORD before it "
            "reads the password file: the file's line is never read while PGPASSWORD is set; "
            + checked
            + "PGPASSWORD's password is refused"
            + said,
            fix=fix(
                Manual(
                    f"unset PGPASSWORD (where it is exported: the shell, .env, the service's "
                    f"environment); libpq then takes line {entry.line} of {entry.path}; or "
                    "correct PGPASSWORD",
                    ask="whoever sets the environment",
                )
            ),
        )
    return CheckFailed(
        f"the password for role {t.user!r} at {t.address} is refused: libpq sent PGPASSWORD "
        "(libpq's environment; the connection string has no password)",
        why=checked + "PGPASSWORD's password is refused" + said,
        fix=fix(
            Manual(
                "correct PGPASSWORD where it is exported, or put the password in "
                f"{t.source}; or set a new one: "
                f"{t.as_superuser(chr(92) + 'password ' + ident(t.user))}",
                ask="whoever manages the role (or a superuser)",
            )
        ),
    )


def login_fallback(t: Target, code: str, message: str, detail: str = "") -> CheckFailed:
    """A login error no verdict covers: the layer, the server's code and words, where to look."""
    name, layer = CLASSES.get(code[:2], ("", "login"))
    shown = f" (SQLSTATE {code}{': ' + name if name else ''})" if code else ""
    words = (message.strip().splitlines() or ["the server gave no reason"])[0]
    return CheckFailed(
        f"cannot log in to {t.login}{shown}",
        why=f"the {layer} layer failed; the server said: {words}"
        + (f" ({detail.strip()})" if detail.strip() else ""),
        fix=fix(
            Manual(
                f"look at the server's log around this time for the SQLSTATE and the line before "
                f"it; check {t.source}; compare with: {t.psql()}",
                ask=ADMIN,
            )
        ),
    )


def _role_query(user: str) -> str:
    return (
        "SELECT rolname, rolcanlogin, rolvaliduntil, rolpassword IS NOT NULL AS has_password "
        f"FROM pg_authid WHERE rolname = {literal(user)}"
    )


def _set_password(t: Target) -> Manual:
    return Manual(
        f"set the role's password to the one in {t.source}: "
        f"{t.as_superuser(chr(92) + 'password ' + ident(t.user))} (psql asks for it)",
        ask="a superuser (or a role with CREATEROLE)",
    )


def wrong_password(
    t: Target, said: str, lookup: Lookup | None, asked: int | None = None
) -> CheckFailed:
    """28P01: the password is wrong, the role is missing, or its password expired or is unset;
    the server does not say which, the lookup does."""
    create = t.superuser_sql(f"CREATE ROLE {ident(t.user)} LOGIN")
    valid = t.superuser_sql(f"ALTER ROLE {ident(t.user)} VALID UNTIL 'infinity'")
    looked = f" (looked up as {lookup.by})" if lookup else ""
    if lookup is not None and not lookup.role_exists and lookup.similar_role:
        return _other_case(t, lookup, said)
    if lookup is not None and not lookup.role_exists:
        return CheckFailed(
            f"role {t.user!r} does not exist on {t.address}",
            why="the server answers a missing role like a wrong password (28P01); the catalog "
            f"has no such role{looked}" + said,
            fix=fix(create, _set_password(t)),
        )
    if lookup is not None and lookup.expired and lookup.valid_until is not None:
        when = lookup.valid_until.isoformat(sep=" ", timespec="minutes")
        return CheckFailed(
            f"the password of role {t.user!r} expired at {when} (VALID UNTIL)",
            why="after VALID UNTIL the server refuses the password like a wrong one (28P01)"
            + looked
            + said,
            fix=fix(
                valid,
                text=f"as a superuser (or a role with CREATEROLE): {valid.render()} (or a new "
                "expiry date)",
            ),
        )
    if lookup is not None and lookup.has_password is False:
        return CheckFailed(
            f"role {t.user!r} has no password, so password logins fail at {t.address}",
            why=f"the role exists but no password was ever set{looked}" + said,
            fix=fix(_set_password(t)),
        )
    if lookup is not None and lookup.md5_secret and asked == 10:
        again = "PGOPTIONS='-c password_encryption=scram-sha-256' " + t.as_superuser(
            chr(92) + "password " + ident(t.user)
        )
        return CheckFailed(
            f"role {t.user!r} has its password stored as an MD5 hash, and the server asks for "
            f"scram-sha-256 at {t.address}",
            why="SCRAM authentication cannot check a password stored as an MD5 hash, so every "
            f"password fails (28P01) until it is set again as SCRAM{looked}" + said,
            fix=fix(
                Manual(
                    f"set the password again, hashed with SCRAM: {again}",
                    ask="whoever manages the role (or a superuser)",
                )
            ),
        )
    mismatch = cn_mismatch(t, said, reported_as_password=True)
    if mismatch is not None:
        return mismatch
    entry = None if t.password_from else t.passfile_line
    if entry is not None and entry.usable and entry.shadowed is not None:
        later, fields = entry.shadowed
        shown_later = ":".join(fields) + ":…"
        return CheckFailed(
            f"the password for role {t.user!r} at {t.address} is refused: libpq took it from "
            f"line {entry.line} of the password file {entry.path} ({entry.shown}), the first "
            f"line that matches; line {later} ({shown_later}) names this login more exactly "
            "and is never read",
            why="the connection string and PGPASSWORD give no password, so libpq reads the "
            "password file from the top and takes the first line whose host, port, database and "
            f"user match (* matches anything); line {entry.line}'s password is refused{looked}"
            + said,
            fix=fix(
                Manual(
                    f"in {entry.path}, move line {later} ({shown_later}) above line "
                    f"{entry.line} ({entry.shown}): libpq takes the first line that matches; or "
                    f"correct the password on line {entry.line} if it is meant for this login too",
                    ask="whoever owns the password file",
                )
            ),
        )
    if entry is not None and entry.usable and entry.cut:
        return CheckFailed(
            f"the password for role {t.user!r} at {t.address} is refused: libpq took it from "
            f"line {entry.line} of the password file {entry.path} ({entry.shown}), whose "
            "password holds a ':' not escaped as '\\:', and sent only the part before it",
            why="libpq splits each line of the password file at ':' (host:port:database:user:"
            "password) and ends the password at the next ':' that no backslash escapes, so the "
            f"server gets a shorter password{looked}" + said,
            fix=fix(
                Manual(
                    f"in {entry.path}, write each ':' of line {entry.line}'s password as '\\:' "
                    "(and each backslash as '\\\\'): libpq reads them back as ':' and '\\'",
                    ask="whoever owns the password file",
                )
            ),
        )
    if lookup is not None and entry is not None and entry.usable:
        padded = entry.password != entry.password.strip()
        return CheckFailed(
            f"the password for role {t.user!r} at {t.address} is wrong: it comes from the "
            f"password file {entry.path}"
            + (
                ", and its line's password begins or ends with whitespace (a space or tab), "
                "which libpq sends as part of the password"
                if padded
                else ""
            ),
            why="the connection string and PGPASSWORD give no password, so libpq takes the "
            "file's line for this host, port, database and user; the role exists, may log in "
            f"and its password has not expired{looked}" + said,
            fix=fix(
                Manual(
                    (
                        f"remove the whitespace around the password in {entry.path}'s line for "
                        f"{t.user}"
                        if padded
                        else f"correct the password in {entry.path}'s line for {t.user}"
                    )
                    + "; or set a new one: "
                    f"{t.as_superuser(chr(92) + 'password ' + ident(t.user))}",
                    ask="whoever manages the role (or a superuser)",
                )
            ),
        )
    if t.password_source == "PGPASSWORD":
        return _from_pgpassword(t, looked if lookup is not None else "", said)
    if lookup is not None:
        return CheckFailed(
            f"the password for role {t.user!r} at {t.address} is wrong",
            why=f"the role exists, may log in and its password has not expired{looked}" + said,
            fix=fix(
                Manual(
                    f"correct the password in {t.password_source}; or set a new one: "
                    f"{t.as_superuser(chr(92) + 'password ' + ident(t.user))}",
                    ask="whoever manages the role (or a superuser)",
                )
            ),
        )
    see = t.as_superuser(_role_query(t.user))
    return CheckFailed(
        f"password authentication failed for user {t.user!r} at {t.address}",
        why="the password is wrong, there is no role named "
        f"{t.user!r}, or its password expired (VALID UNTIL): with password logins "
        "(scram-sha-256, md5) the server does not tell which" + said,
        fix=fix(
            Manual(
                f"see which, as a superuser: {see}; for a missing role {create.render()}, then "
                f"{t.as_superuser(chr(92) + 'password ' + ident(t.user))}; for an expired "
                f"password {valid.render()}; for a wrong one, correct {t.password_source}",
                ask="a superuser",
            )
        ),
    )


def _other_case(t: Target, lookup: Lookup, said: str) -> CheckFailed:
    other = lookup.similar_role
    return CheckFailed(
        f"role {t.user!r} does not exist on {t.address}; role {other!r} does: the names differ "
        "only in case",
        why="libpq sends the user name as written (a URL or user= keeps its case) and role names "
        f"are case-sensitive (looked up as {lookup.by})" + said,
        fix=fix(Manual(f"set the user to {other} in {t.source_of('user')}")),
    )


def role_refused(t: Target, said: str, lookup: Lookup | None) -> CheckFailed:
    """28000 after authentication: the role does not exist or is NOLOGIN."""
    create = t.superuser_sql(f"CREATE ROLE {ident(t.user)} LOGIN")
    allow = t.superuser_sql(f"ALTER ROLE {ident(t.user)} LOGIN")
    looked = f" (looked up as {lookup.by})" if lookup else ""
    if lookup is not None and not lookup.role_exists and lookup.similar_role:
        return _other_case(t, lookup, said)
    if lookup is not None and not lookup.role_exists:
        return CheckFailed(
            f"role {t.user!r} does not exist on {t.address}",
            why=f"pg_hba.conf let the connection in, then the server found no such role{looked}"
            + said,
            fix=fix(
                create, text=f"as a superuser: {create.render()}; or set the user in " f"{t.source}"
            ),
        )
    if lookup is not None and not lookup.can_login:
        return CheckFailed(
            f"role {t.user!r} may not log in at {t.address}: it is NOLOGIN",
            why=f"the role exists without the LOGIN attribute (a group role){looked}" + said,
            fix=fix(
                allow,
                text=f"as a superuser (or CREATEROLE): {allow.render()}; or log in "
                f"as a member role: set the user in {t.source}",
            ),
        )
    see = t.as_superuser(_role_query(t.user))
    return CheckFailed(
        f"role {t.user!r} may not log in at {t.address}: it does not exist, or it is NOLOGIN",
        why="the server let the connection through pg_hba.conf, then refused the role" + said,
        fix=fix(
            Manual(
                f"see which: {see}; then {create.render()} (missing) or {allow.render()} "
                f"(NOLOGIN); or log in as another role: set the user in {t.source}",
                ask="a superuser",
            )
        ),
    )


def cn_mismatch(t: Target, said: str, reported_as_password: bool = False) -> CheckFailed | None:
    """The client certificate the login sends is issued to another CN than the role: the cert
    method, or clientcert=verify-full on a password line, refuses it. auth.c reports a failed
    clientcert=verify-full check as the line's own method failing, so on a password line the
    client reads 28P01, a wrong password (the CN mismatch is in the server's log only)."""
    cert = client_certificate(t)[0]
    cn = certificate_cn(cert) if cert else None
    if not cert or cn is None or cn == t.user:
        return None
    why = (
        "pg_hba.conf's cert method (or clientcert=verify-full) logs in the user whose name is "
        "the certificate's CN, unless a pg_ident.conf map says otherwise"
    )
    if reported_as_password:
        why += (
            "; on a password line with clientcert=verify-full the server reports the failed "
            "certificate check as the password method failing (28P01), so it reads like a wrong "
            "password while the role exists, may log in and has a password (only where no line "
            "asks for the certificate is the password itself at fault)"
        )
    return CheckFailed(
        f"the client certificate {cert} is for CN={cn}, and the server's cert "
        f"authentication wants CN={t.user}",
        why=why + said,
        fix=fix(
            Manual(
                f"use a client certificate whose CN is {t.user} (sslcert=, sslkey= in "
                f"{t.source}), or ask for a pg_ident.conf map from CN {cn} to {t.user} "
                "(map= on the pg_hba.conf line)",
                ask=ADMIN,
            )
        ),
    )


def method_failed(t: Target, said: str, asked: int | None) -> CheckFailed:
    """28000 from ``auth_failed``: pg_hba.conf's method is not a password method (ident, peer,
    cert, gss) or hands the password to another service (ldap, pam, radius)."""
    line = _hba_line(t)
    reload = t.superuser_sql("SELECT pg_reload_conf()")
    mismatch = cn_mismatch(t, said) if "certificate" in said else None
    if mismatch is not None:
        return mismatch
    unmapped = _map_without_line(t, said) if asked != 3 else None
    if unmapped is not None:
        return unmapped
    if asked == 3:
        summary = (
            f"the server checked {t.user!r}'s password with an outside service (ldap, pam, "
            f"radius) and was refused at {t.address}"
        )
        why = (
            "pg_hba.conf's line for this login sends the password in clear text to another "
            "service, which said no: a wrong password there, or the service is down" + said
        )
    else:
        summary = (
            f"the authentication method pg_hba.conf chose for {t.login} failed (ident, peer, "
            "cert or gss: methods that take no password)"
        )
        why = (
            "that method proves the user by other means (the OS user, a client certificate, "
            "Kerberos), which this client does not satisfy" + said
        )
    return CheckFailed(
        summary,
        why=why,
        fix=fix(
            ask_admin(
                f"on the server, use a method this login can satisfy: put '{line}' above the "
                "line that matches it in pg_hba.conf (or meet the method: the right OS user, a "
                "client certificate, the service's password)"
            ),
            reload,
            text=f"on the server, put '{line}' above the line that matches this login in "
            f"pg_hba.conf, then reload: {reload.render()}",
        ),
    )


def _map_without_line(t: Target, said: str) -> CheckFailed | None:
    """The line pg_hba.conf chose maps user names (``map=``: peer, ident, cert, gss) and its
    map in pg_ident.conf has no line from this client's OS user to the role."""
    from envcheck.checks.postgres import hba

    rules = hba.read_rules(t)
    rule = hba.first_match(t, rules) if rules is not None else None
    if rules is None or rule is None or rule.method not in hba.MAPPED:
        return None
    name = rule.option("map")
    if not name or rule.method not in ("peer", "ident"):
        return None
    system = hba.os_user()
    lines = [m for m in rules.maps if m[0] == name]
    if any(m[1] in (system, "all") and m[2] in (t.user, "all") for m in lines):
        return None  # a regular expression or another cause: not decided here
    known = ", ".join(f"{m[1]} -> {m[2]}" for m in lines) or "no line at all"
    reload = t.superuser_sql("SELECT pg_reload_conf()")
    entry = f"{name} {system} {t.user}"
    return CheckFailed(
        f"pg_hba.conf's line {rule.line} ('{rule.shown()}') maps OS user names through "
        f"pg_ident.conf's map {name}, which has no line from OS user {system} to role {t.user}",
        why=f"{rule.method} authentication takes the OS user ({system}) and lets in only the "
        f"roles map {name} gives it (map {name}: {known})" + said,
        fix=fix(
            ask_admin(f"on the server, add the line '{entry}' to pg_ident.conf"),
            reload,
            text=f"on the server, add the line '{entry}' to pg_ident.conf, then reload: "
            f"{reload.render()} (or connect as a role the map gives {system})",
        ),
    )


def _same_keyword(t: Target, said: str) -> CheckFailed | None:
    """No line lets the login in, and a line that would match but for its database field
    names ``samerole``/``samegroup`` (membership in the role named like the database) or
    ``sameuser``."""
    from envcheck.checks.postgres import hba

    rules = hba.read_rules(t)
    found = hba.same_keyword_miss(t, rules) if rules is not None else None
    if rules is None or found is None:
        return None
    rule, keyword = found
    if hba.first_match(t, rules) is not None:
        return None
    if keyword == "sameuser":
        return CheckFailed(
            f"pg_hba.conf's line {rule.line} ('{rule.shown()}') lets {t.user} in only to a "
            f"database named {t.user} (sameuser), not {t.dbname}",
            why="no line of pg_hba.conf matches this login; the line for this user and host "
            "matches only the database of the user's own name" + said,
            fix=fix(t.edit_key("dbname", f"set the database to {t.user}")),
        )
    grant = t.superuser_sql(f"GRANT {ident(t.dbname)} TO {ident(t.user)}")
    steps: list[Step] = [grant]
    if t.dbname not in rules.roles:
        steps.insert(0, t.superuser_sql(f"CREATE ROLE {ident(t.dbname)} NOLOGIN"))
    shown = "; then ".join(s.render() for s in steps)
    return CheckFailed(
        f"pg_hba.conf's line {rule.line} ('{rule.shown()}') lets in only members of the role "
        f"named like the database ({keyword}), and {t.user} is no member of role {t.dbname}",
        why="no line of pg_hba.conf matches this login; for this user and host the line's "
        f"database field is {keyword}: a member of the role {t.dbname} may use database "
        f"{t.dbname}" + said,
        fix=fix(*steps, text=f"as a superuser: {shown}"),
    )


def _host_name_line(t: Target, said: str) -> CheckFailed | None:
    """No line lets the login in, and a line that would names a host the client's address
    does not resolve back to (or whose name does not resolve forward to the address)."""
    from envcheck.checks.postgres import hba

    rules = hba.read_rules(t)
    miss = hba.host_name_miss(t, rules) if rules is not None else None
    if miss is None:
        return None
    rule = miss.rule
    if miss.name_matches:
        found = (
            f"the client's address {miss.client} resolves back to {miss.back!r}, but that name "
            f"does not resolve forward to {miss.client}"
        )
    elif miss.back:
        found = f"the client's address {miss.client} resolves back to {miss.back!r}, not to it"
    else:
        found = f"the client's address {miss.client} resolves back to no name"
    line = f"host {t.dbname} {t.user} {miss.client}/{32 if ':' not in miss.client else 128} "
    line += rule.method if rule.method not in ("reject",) else "scram-sha-256"
    reload = t.superuser_sql("SELECT pg_reload_conf()")
    text = (
        f"on the server, add '{line}' to pg_hba.conf above line {rule.line}, then reload: "
        f"{reload.render()} (or make {miss.client}'s reverse DNS name {rule.address})"
    )
    return CheckFailed(
        f"pg_hba.conf's line {rule.line} ('{rule.shown()}') names the host {rule.address}, and "
        + found,
        why="a host name in pg_hba.conf matches only a client whose address resolves back "
        "(reverse DNS, on the server) to that name, and the name forward to the address "
        "(hba.c check_hostname); no other line matches this login" + said,
        fix=fix(
            ask_admin(f"on the server, add '{line}' to pg_hba.conf above line {rule.line}"),
            reload,
            text=text,
        ),
    )


def _hba_not_reloaded(t: Target, said: str) -> CheckFailed | None:
    """The server refused the login before authentication while pg_hba.conf as it is now
    (pg_hba_file_rules) has a first matching line that lets it in, and the file was modified
    after the server last loaded its configuration: an edit never reloaded."""
    from envcheck.checks.postgres import hba

    rules = hba.read_rules(t)
    if rules is None or rules.unloaded_edit is None:
        return None
    rule = hba.first_match(t, rules)
    if rule is None or rule.method == "reject":
        return None
    if rule.type == "hostssl" and t.sslmode == "disable":
        return None
    if rule.type == "hostnossl" and t.sslmode not in ("disable", "allow", "prefer"):
        return None
    if rule.type in ("hostgssenc",):
        return None
    edited, loaded = rules.unloaded_edit
    reload = t.superuser_sql("SELECT pg_reload_conf()")
    return CheckFailed(
        f"pg_hba.conf's line {rule.line} ('{rule.shown()}') lets {t.login} in, but the server "
        "has not loaded pg_hba.conf since the file was changed",
        why="the server reads pg_hba.conf at start-up and on a reload only; the file was "
        f"modified at {edited}, after the server last loaded its configuration ({loaded}), so "
        "the running server still decides by the lines it had then (pg_hba_file_rules shows "
        "the file as it is now)" + said,
        fix=fix(
            reload,
            text="reload the server's configuration, so that it reads pg_hba.conf again: "
            + reload.render(),
        ),
    )


def _hba_line(t: Target) -> str:
    if t.socket:
        return f"local {t.dbname} {t.user} scram-sha-256"
    return f"host {t.dbname} {t.user} <client address>/32 scram-sha-256"


def pg_hba_refuses(
    t: Target,
    said: str,
    *,
    ssl_helps: bool | None,
    ssl_offered: bool | None = None,
    plain_only: bool = False,
) -> CheckFailed:
    """pg_hba.conf has no line that accepts this login (or a ``reject`` line matches it)."""
    if ssl_helps:
        if t.sslmode in ("disable", "allow"):
            change = f"set sslmode=require instead of sslmode={t.sslmode}"
        else:
            change = "add sslmode=require"
        return CheckFailed(
            f"the server requires SSL: its pg_hba.conf accepts {t.login} from this host "
            "only over SSL",
            why="an SSL attempt passed pg_hba.conf, the unencrypted one was refused" + said,
            fix=fix(t.edit_setting(change)),
        )
    if plain_only:
        return CheckFailed(
            f"the server's pg_hba.conf accepts {t.login} from this host only without SSL "
            f"(hostnossl), and sslmode={t.sslmode} asks for SSL",
            why="the SSL attempt was refused by pg_hba.conf, an unencrypted one passed" + said,
            fix=fix(t.edit_setting(f"set sslmode=prefer instead of sslmode={t.sslmode}")),
        )
    unloaded = _hba_not_reloaded(t, said)
    if unloaded is not None:
        return unloaded
    same = _same_keyword(t, said)
    if same is not None:
        return same
    named = _host_name_line(t, said)
    if named is not None:
        return named
    if t.socket:
        neither = "(no matching 'local' line, or a 'reject' line)"
    elif ssl_helps is None and ssl_offered is False:
        neither = "(no matching line, a 'reject' line, or only 'hostssl' lines while the server "
        neither += "offers no SSL)"
    elif ssl_helps is None:
        neither = "(no matching line, or a 'reject' line)"
    else:
        neither = (
            "with or without SSL (no matching line, a 'reject' line, or a line that requires a "
            "client certificate)"
        )
    line = _hba_line(t)
    reload = t.superuser_sql("SELECT pg_reload_conf()")
    return CheckFailed(
        f"the server's pg_hba.conf does not let {t.login} in from this host {neither}",
        why="pg_hba.conf is read top to bottom and the first line matching the connection type, "
        "database, user and client address decides" + said,
        fix=fix(
            ask_admin(
                f"on the server, add '{line}' to pg_hba.conf above any 'reject' line that matches"
            ),
            reload,
            text=f"on the server, add '{line}' to pg_hba.conf above any 'reject' line that "
            f"matches, then reload: {reload.render()} (or: sudo systemctl reload postgresql)",
        ),
    )


def missing_database(
    t: Target, said: str, can_create_db: bool | None, similar: list[str] | None = None
) -> CheckFailed:
    createdb = (
        f"createdb -h {shlex.quote(t.host)} -p {t.port} -U {shlex.quote(t.user)} "
        f"{shlex.quote(t.dbname)}"
    )
    as_super = (
        f"createdb -h {shlex.quote(t.host)} -p {t.port} -U {SUPERUSER} "
        f"-O {shlex.quote(t.user)} {shlex.quote(t.dbname)}"
    )
    own = replace(t.sql(f"CREATE DATABASE {ident(t.dbname)}", database="postgres"), shown=createdb)
    other = replace(
        t.superuser_sql(f"CREATE DATABASE {ident(t.dbname)} OWNER {ident(t.user)}"),
        shown=as_super,
    )
    if can_create_db:
        found = fix(own)
    elif can_create_db is False:
        found = fix(
            other,
            text=f"role {t.user} may not create databases (no CREATEDB); as a superuser: "
            f"{as_super}",
        )
    else:
        found = fix(
            other, text=f"{createdb}  (needs CREATEDB; otherwise as a superuser: " f"{as_super})"
        )
    spaced = [n for n in (similar or []) if n == t.dbname.strip()]
    ending = t.dbname[len(t.dbname.rstrip("\r\n")) :]
    if spaced and "\r" in ending:
        value = os.environ.get(t.source, "")
        variable = t.source if value.endswith(("\r", "\n")) else None
        where = f", the end of {variable}" if variable else ""
        if variable:
            change: Manual = Manual(
                f"remove the line end from {variable} where it is exported (a .env file saved "
                "with CRLF line ends: sed -i 's/\\r$//' FILE, or save it with LF line ends)",
                ask="whoever sets the environment",
            )
        else:
            change = t.edit_key("dbname", f"remove the carriage return after {spaced[0]!r}")
        return CheckFailed(
            f"database {t.dbname!r} does not exist on {t.address}; {spaced[0]!r} does: the name "
            f"ends with a carriage return (\\r){where}",
            why="libpq takes the database name from the URL's path as written, and the server "
            "matches it exactly; a value read from a file saved with CRLF line ends (a .env "
            "written on Windows) keeps the carriage return, which no terminal shows" + said,
            fix=fix(change),
        )
    if spaced:
        return CheckFailed(
            f"database {t.dbname!r} does not exist on {t.address}; {spaced[0]!r} does: the name "
            "in the connection has leading or trailing whitespace (a space, tab or newline)",
            why="libpq sends the database name as written, whitespace included, and the server "
            "matches it exactly" + said,
            fix=fix(
                t.edit_key(
                    "dbname",
                    f"set the database to {spaced[0]!r} (without the whitespace around it)",
                )
            ),
        )
    if similar:
        names = ", ".join(repr(n) for n in similar)
        return CheckFailed(
            f"database {t.dbname!r} does not exist on {t.address}; it has {names}, which differ "
            "only in case",
            why="database names are case-sensitive; an unquoted name in SQL is folded to lower "
            "case, a name in a connection string is not" + said,
            fix=fix(
                t.edit_setting(f"set the database to {similar[0]!r} (its exact case)"),
                text=f"set the database in {t.source} to {similar[0]} (its exact case); or, to "
                f"create {t.dbname!r} as well: {found}",
            ),
        )
    return CheckFailed(
        f"database {t.dbname!r} does not exist on {t.address}",
        why="the server is up and accepted the login, but has no such database" + said,
        fix=found,
    )


def locale_not_installed(t: Target, said: str, deadline: float) -> CheckFailed | None:
    """postinit.c ``CheckMyDatabase``: the server's ``setlocale`` refuses the database's
    LC_COLLATE or LC_CTYPE (FATAL, no errcode: XX000), so every login to it ends; the locales
    are read from pg_database in a session of the role in the maintenance database. None for a
    database of the ICU provider or when pg_database cannot be read."""
    import psycopg

    kwargs = _diagnosis_session(t, deadline)
    if kwargs is None:
        return None
    kwargs["dbname"] = "postgres" if t.dbname != "postgres" else "template1"
    try:
        with psycopg.connect(**kwargs) as conn:
            row = conn.execute(
                "SELECT datcollate, datctype, datlocprovider::text FROM pg_database "
                "WHERE datname = %s",
                (t.dbname,),
            ).fetchone()
    except psycopg.Error:
        return None
    if row is None or row[2] != "c":
        return None
    collate, ctype = str(row[0]), str(row[1])
    locales = [collate] + ([ctype] if ctype != collate else [])
    named = " and ".join(locales)
    shown = (
        f"LC_COLLATE and LC_CTYPE {collate}"
        if ctype == collate
        else f"LC_COLLATE {collate}, LC_CTYPE {ctype}"
    )
    lang = collate.split(".")[0].split("_")[0]
    install = (
        f"on the server's host, install the locale {named} (Debian/Ubuntu: uncomment it in "
        f"/etc/locale.gen and run locale-gen, or locale-gen {collate}; RHEL/Fedora: dnf "
        f"install glibc-langpack-{lang}; an Alpine image has no such locales: use a "
        "Debian-based image); new sessions see it, no restart is needed"
    )
    move = (
        f"or dump database {t.dbname} and restore it into one created with a locale the "
        "server has (CREATE DATABASE ... TEMPLATE template0 LOCALE 'C.UTF-8')"
    )
    return CheckFailed(
        f"database {t.dbname!r} at {t.address} was created with {shown}, which the server's "
        "operating system does not have: every login to it ends",
        why="the server sets the database's LC_COLLATE and LC_CTYPE (pg_database) for each "
        "session and ends it when setlocale refuses one (SQLSTATE XX000 from CheckMyDatabase); "
        "the database came from a machine that had the locale (a data directory or volume "
        "moved to another image)" + said,
        fix=fix(Manual(f"{install}; {move}", ask=ADMIN), text=f"{install}; {move}"),
    )


def database_files_missing(t: Target, listed: Listed, said: str) -> CheckFailed:
    """3D000 for a database pg_database lists: InitPostgres found no directory for it (its
    tablespace's directory lost with a mount, or files deleted under the data directory)."""
    where = (
        f"in tablespace {listed.tablespace}"
        if listed.tablespace not in ("pg_default", "pg_global")
        else "under the data directory (base/)"
    )
    drop = t.superuser_sql(f"DROP DATABASE {ident(t.dbname)}", database="postgres")
    create = t.superuser_sql(
        f"CREATE DATABASE {ident(t.dbname)} OWNER {ident(listed.owner)}", database="postgres"
    )
    return CheckFailed(
        f"database {t.dbname!r} is listed in pg_database on {t.address}, but its directory "
        f"{where} is missing",
        why="the server answers 'does not exist' when the database's directory is gone while "
        "its catalog row stays (a tablespace's directory lost with its disk or mount, or files "
        "deleted by hand); createdb would fail: the name is taken" + said,
        fix=fix(
            ask_admin(
                f"if the tablespace's disk or mount ({listed.tablespace}) is only missing, mount "
                "it again; if the data is lost, restore it from a backup"
            ),
            drop,
            create,
            text=f"if {listed.tablespace}'s disk or mount is only missing, mount it again; "
            f"otherwise (its data lost) make the database again as a superuser: "
            f"{drop.render()}; then {create.render()} (and restore its data from a backup)",
        ),
    )


#: pg_database.datconnlimit of a database a DROP DATABASE did not finish (DATCONNLIMIT_INVALID_DB,
#: PostgreSQL 15.4, 14.9, 13.12, 12.16, 11.21 and later)
INVALID_DB = -2


def invalid_database(t: Target, said: str, lookup: Lookup | None) -> CheckFailed:
    """55000 from InitPostgres: the database is marked invalid (``datconnlimit = -2``), which a
    DROP DATABASE that was interrupted (a cancel, a crash) leaves: part of its files are gone,
    no one may connect, ALTER DATABASE is refused; only DROP DATABASE removes it."""
    name = ident(t.dbname)
    owner = lookup.db_owner if lookup is not None and lookup.db_owner else t.user
    drop = t.superuser_sql(f"DROP DATABASE {name}", repeatable=False)
    create = t.superuser_sql(f"CREATE DATABASE {name} OWNER {ident(owner)}", repeatable=False)
    seen = (
        f" (pg_database.datconnlimit is {INVALID_DB})"
        if lookup is not None and lookup.db_limit == INVALID_DB
        else ""
    )
    return CheckFailed(
        f"database {t.dbname!r} on {t.address} is invalid{seen}: a DROP DATABASE of it did not "
        "finish",
        why="DROP DATABASE marks the database invalid before it removes its files; interrupted "
        "(cancelled, the server crashed or was stopped), it leaves the database half removed: "
        "nobody may connect to it and ALTER DATABASE refuses it; its data is not to be trusted, "
        "DROP DATABASE (again) is the only thing that works on it" + said,
        fix=fix(
            drop,
            create,
            text=f"as a superuser, drop it and create it again (then the application's "
            f"migrations or a restore fill it): {drop.render()}; {create.render()}",
        ),
    )


def closed_database(t: Target, said: str, lookup: Lookup | None) -> CheckFailed:
    """55000 from CheckMyDatabase: ``ALLOW_CONNECTIONS false`` (template0 is so)."""
    if lookup is not None and lookup.is_template:
        create = t.sql(f"CREATE DATABASE {ident(t.user)}", database="postgres")
        return CheckFailed(
            f"database {t.dbname!r} is a template that accepts no connections (IS_TEMPLATE, "
            "ALLOW_CONNECTIONS false)",
            why="template databases such as template0 exist to be copied; nobody is meant to "
            "connect to them" + said,
            fix=fix(
                Manual(
                    f"point {t.source} at the application's own database; to create one: "
                    f"{create.render()}"
                ),
            ),
        )
    allow = t.superuser_sql(f"ALTER DATABASE {ident(t.dbname)} ALLOW_CONNECTIONS true")
    return CheckFailed(
        f"database {t.dbname!r} does not accept connections (ALLOW_CONNECTIONS false) on "
        f"{t.address}",
        why="its owner or a superuser closed it to new connections (ALTER DATABASE ... "
        "ALLOW_CONNECTIONS false), e.g. for maintenance" + said,
        fix=fix(allow, text=f"as its owner or a superuser: {allow.render()}"),
    )


#: who holds the connection slots, for a superuser (whose reserved slots still let them in)
SLOTS_QUERY = (
    "SELECT usename, application_name, client_addr, state, count(*) FROM pg_stat_activity "
    "WHERE backend_type = 'client backend' GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC"
)


def no_free_slots(
    t: Target, said: str, routine: str, stage: str | None, lookup: Lookup | None
) -> CheckFailed:
    """53300: which limit, from the routine that reported it (role, database, reserved slots,
    max_connections)."""
    if routine == "InitializeSessionUserId":
        unlimit = t.superuser_sql(f"ALTER ROLE {ident(t.user)} CONNECTION LIMIT -1")
        limit = lookup.role_limit if lookup else None
        shown = f" ({limit})" if limit is not None and limit >= 0 else ""
        zero = limit == 0
        return CheckFailed(
            f"role {t.user!r} may not open "
            + (
                "any connection: its CONNECTION LIMIT is 0"
                if zero
                else f"more connections: its CONNECTION LIMIT{shown} is reached"
            ),
            why="ALTER ROLE ... CONNECTION LIMIT caps the role's sessions; raising "
            "max_connections does not change it" + said,
            fix=fix(
                unlimit,
                text=f"as a superuser (or CREATEROLE): {unlimit.render()} (or a "
                "higher limit); see who holds them: "
                f"{t.as_superuser(SLOTS_QUERY)}",
            ),
        )
    if routine == "CheckMyDatabase":
        unlimit = t.superuser_sql(f"ALTER DATABASE {ident(t.dbname)} CONNECTION LIMIT -1")
        limit = lookup.db_limit if lookup else None
        zero = limit == 0
        shown = f" ({limit})" if limit is not None and limit >= 0 else ""
        return CheckFailed(
            f"database {t.dbname!r} accepts "
            + (
                "no connection: its CONNECTION LIMIT is 0"
                if zero
                else f"no more connections: its CONNECTION LIMIT{shown} is reached"
            ),
            why="ALTER DATABASE ... CONNECTION LIMIT caps the database's sessions; raising "
            "max_connections does not change it" + said,
            fix=fix(
                unlimit,
                text=f"as its owner or a superuser: {unlimit.render()} (or a " "higher limit)",
            ),
        )
    current = lookup.max_connections if lookup else None
    wanted = max(100, 2 * current) if current else 200
    raise_it = t.superuser_sql(f"ALTER SYSTEM SET max_connections = {wanted}")
    restart = ask_admin(
        "restart PostgreSQL (max_connections takes effect on restart): sudo systemctl restart "
        "postgresql"
    )
    reserved = routine == "InitPostgres" or stage == AUTHENTICATED
    what = (
        "only the slots reserved for superusers are left"
        if reserved
        else "max_connections is reached"
    )
    return CheckFailed(
        f"{t.address} has no free connection slot for {t.user} (SQLSTATE 53300): {what}",
        why="every connection slot of the server is taken (the last superuser_reserved_connections "
        "are kept for superusers)" + said,
        fix=fix(
            raise_it,
            restart,
            text=f"see who holds them (superusers may use the reserved slots): "
            f"{t.as_superuser(SLOTS_QUERY)}; then close idle sessions, put a pooler (pgbouncer) "
            f"in front, or raise the limit: {raise_it.render()} and restart the server "
            "(max_connections needs a restart)",
        ),
    )


#: postmaster.c's detail when a standby runs with hot_standby = off (CAC_NOTCONSISTENT)
HOT_STANDBY_OFF = "Hot standby mode is disabled."


#: the status line of postmaster.pid (miscadmin.h ``LOCK_FILE_LINE_PM_STATUS``), and the socket
#: lock file's lines: the postmaster's pid, its data directory
_PM_STATUS_LINE, _LOCK_PID_LINE, _LOCK_DATA_DIR_LINE = 8, 1, 2


def postmaster_status(t: Target) -> str | None:
    """The status the postmaster writes in its postmaster.pid (``starting``, ``stopping``,
    ``ready``, ``standby``: postmaster.c ``PM_STATUS_*``), found through the lock file of its
    Unix socket (the data directory; the same postmaster's pid in both). None where the server
    is not on this machine or a file cannot be read (both are its owner's alone: a cluster of
    another user)."""
    if t.socket:
        directories: tuple[str, ...] = (t.host,)
    elif t.dial in ("127.0.0.1", "::1", "localhost"):
        directories = SOCKET_DIRS
    else:
        return None
    for directory in directories:
        try:
            lock = Path(directory, f".s.PGSQL.{t.port}.lock").read_text().splitlines()
            data = lock[_LOCK_DATA_DIR_LINE - 1].strip()
            pid_file = Path(data, "postmaster.pid").read_text().splitlines()
        except (OSError, IndexError, UnicodeDecodeError):
            continue
        if len(pid_file) < _PM_STATUS_LINE:
            continue
        if pid_file[_LOCK_PID_LINE - 1].strip() == lock[_LOCK_PID_LINE - 1].strip():
            return pid_file[_PM_STATUS_LINE - 1].strip()
    return None


def cannot_connect_now(
    t: Target, message: str, detail: str, status: str | None = None
) -> CheckFailed:
    """57P03: starting up, shutting down, in recovery, or a standby with hot_standby = off.
    postmaster.c sends each with the same SQLSTATE, severity and routine: the state is told by
    the postmaster's own status in postmaster.pid (``status``) where this machine can read it;
    hot_standby = off by the server's own detail text (the one verdict read from words: the
    protocol carries nothing else); otherwise the verdict names them all."""
    said = _said(message, detail)
    if status == "stopping" and detail.strip() != HOT_STANDBY_OFF:
        return CheckFailed(
            f"{t.address} is shutting down: it accepts no new login (SQLSTATE 57P03), and "
            "waiting ends with the server stopped",
            why="its postmaster.pid says stopping: a shutdown was asked for, and a smart "
            "shutdown (pg_ctl stop -m smart) waits until the sessions still open end, then "
            "stops the server" + said,
            fix=fix(
                ask_admin(
                    "end the sessions the shutdown waits for (pg_ctl stop -m fast ends them), "
                    "then start the server again (pg_ctl start, or sudo systemctl start "
                    "postgresql); if it was not meant to stop, start it again once it has stopped"
                ),
            ),
        )
    if status == "starting" and detail.strip() != HOT_STANDBY_OFF:
        wait = Command(["pg_isready", "-h", t.host, "-p", str(t.port), "-t", "60"], timeout=70)
        return CheckFailed(
            f"{t.address} is starting up: it accepts logins once its recovery has replayed the "
            "WAL it needs (SQLSTATE 57P03)",
            why="its postmaster.pid says starting: the startup process replays WAL (after a "
            "crash, or from a base backup or an archive) before the server lets anyone in" + said,
            fix=fix(
                wait,
                ask_admin(
                    "if it stays so, look at the server's log: a recovery that waits for WAL "
                    "(restore_command, primary_conninfo) or a long crash recovery"
                ),
                text=f"wait: {wait.render()} says when it accepts connections; if it stays so, "
                "look at the server's log (a recovery that waits for WAL from restore_command "
                "or primary_conninfo, or a long crash recovery)",
            ),
        )
    if detail.strip() == HOT_STANDBY_OFF:
        return CheckFailed(
            f"{t.address} is a standby with hot_standby = off: it accepts no connections, and "
            "waiting does not help",
            why="a standby lets clients in only with hot_standby = on" + said,
            fix=fix(
                ask_admin(
                    "on the standby, set hot_standby = on in postgresql.conf and restart it; or "
                    f"point {t.source} at the primary"
                ),
            ),
        )
    wait = Command(["pg_isready", "-h", t.host, "-p", str(t.port), "-t", "60"], timeout=70)
    return CheckFailed(
        f"{t.address} does not accept connections now (SQLSTATE 57P03)",
        why="the server is starting up, shutting down, in recovery, or a standby with "
        "hot_standby = off" + said,
        fix=fix(
            wait,
            ask_admin(
                "if it stays so, look at the server's log: a shutdown waiting for sessions to "
                "end, a long crash recovery, or a standby with hot_standby = off"
            ),
            text=f"wait and retry: {wait.render()} says when it accepts connections; if it "
            "stays so, look at the server's log (a shutdown waiting for sessions to end, a "
            "crash recovery, or hot_standby = off on a standby)",
        ),
    )


# -- why a login failed: the probe --------------------------------------------------------------


def login_timeout(t: Target, seconds: float) -> CheckFailed:
    wait = Command(["pg_isready", "-h", t.host, "-p", str(t.port), "-t", "10"], timeout=20)
    return CheckFailed(
        f"{t.host}:{t.port} accepted the connection but did not complete the login within "
        f"{seconds:g} s",
        why="the server (or a proxy or pooler in front of it) is overloaded or stuck: out of "
        "worker processes, waiting on a lock, or on a slow authentication backend (LDAP, PAM); "
        "a pooler (PgBouncer) holds a login until a server connection is free, up to its "
        "query_wait_timeout, when the server behind it is down, refuses the pooler's own login "
        "or its pool is full",
        fix=fix(
            wait,
            ask_admin("look at the server's log and load (behind a pooler: the pooler's log)"),
            text=f"look at the server's log and load; `{wait.render()}` tells whether it lets "
            f"anyone in; if logins are just slow, raise {t.section}.timeout; behind a pooler "
            "such as PgBouncer: its log and SHOW POOLS on its admin console, then the server it "
            "forwards to, the role's password in its auth_file, or its default_pool_size",
        ),
    )


def _root_cert(t: Target) -> str:
    found = t.params.get("sslrootcert") or os.environ.get("PGSSLROOTCERT")
    return found or str(Path.home() / ".postgresql" / "root.crt")


def client_certificate(t: Target) -> tuple[str | None, str | None]:
    """The client certificate and key libpq would use: sslcert/sslkey (PGSSLCERT/PGSSLKEY),
    else ~/.postgresql/postgresql.crt and .key when they exist."""
    home = Path.home() / ".postgresql"
    cert = t.params.get("sslcert") or os.environ.get("PGSSLCERT")
    key = t.params.get("sslkey") or os.environ.get("PGSSLKEY")
    if not cert and (home / "postgresql.crt").is_file():
        cert = str(home / "postgresql.crt")
    if not key and cert:
        key = str(home / "postgresql.key")
    return cert, key


def certificate_cn(path: str) -> str | None:
    """The common name of the PEM certificate at ``path`` (``None``: unreadable)."""
    try:
        import _ssl  # the decoder behind SSLSocket.getpeercert(), for a file

        decoded: Any = _ssl._test_decode_cert(path)  # type: ignore[attr-defined]
    except (OSError, ssl.SSLError, AttributeError):
        return None
    for rdn in decoded.get("subject", ()):
        for name, value in rdn:
            if name == "commonName":
                return str(value)
    return None


#: libpq's own words (fe-secure-openssl.c, fe-connect.c) for a failure on the client's side,
#: before or during TLS: (words, the keyword at fault, what is wrong)
#: libpq's own format strings for a client file it cannot use, up to the file name
#: (src/interfaces/libpq/fe-secure-openssl.c, initialize_SSL: libpq_append_conn_error). No
#: SQLSTATE, no server: libpq gives only this text, so it is matched exactly (case and quote
#: included), never by a loose word. A missing or unreadable sslcrl is not among them: libpq
#: ignores a CRL it cannot load ("if not found, silently ignore").
_CLIENT_SIDE = (
    (
        'certificate present, but not private key file "',
        "sslkey",
        "libpq found the client certificate but not its private key file",
    ),
    ('could not load private key file "', "sslkey", "libpq could not load the private key file"),
    ('could not open certificate file "', "sslcert", "libpq could not open the client certificate"),
    ('could not read certificate file "', "sslcert", "libpq could not read the client certificate"),
    (
        'could not read root certificate file "',
        "sslrootcert",
        "the root certificate file is not one libpq can read (no PEM certificate in it)",
    ),
)
_MIN_PROTOCOL = (
    "server only supports protocol version ",
    ', but "min_protocol_version" was set to ',
)
#: fe-secure-openssl.c, initialize_SSL: 'private key file "%s" has group or world access; ...'
_KEY_ACCESS = ('private key file "', '" has group or world access;')
_QUOTED_FILE = re.compile(r'file "([^"]+)"')


def _key_in_certificate(t: Target, path: str | None, libpq: str) -> CheckFailed | None:
    """libpq found no key file, sslkey is not set, and sslcert's own file holds a private key:
    libpq reads the key from sslkey alone (default ~/.postgresql/postgresql.key), never from the
    certificate's file (fe-secure-openssl.c ``initialize_SSL``)."""
    if _CLIENT_SIDE[0][0] not in libpq or t.libpq_value("sslkey"):
        return None
    cert = client_certificate(t)[0]
    try:
        held = bool(cert) and _PEM_KEY.search(Path(cert or "").read_bytes()) is not None
    except OSError:
        return None
    if not held:
        return None
    change = f"add sslkey={cert} (the same file: libpq takes the private key in it)"
    return CheckFailed(
        f"sslcert's file {cert} holds the private key too, and sslkey is not set: libpq looks "
        f"for the key in {path or 'its default key file'} only",
        why="libpq loads the client certificate from sslcert and its key from sslkey alone "
        "(default ~/.postgresql/postgresql.key), never from the certificate's file: certificate "
        "present, but not private key file",
        fix=fix(t.edit_key("sslkey", change), text=f"{change} in {t.source}"),
    )


def _root_directory(t: Target, path: str | None, libpq: str) -> CheckFailed | None:
    """libpq could not read sslrootcert, and sslrootcert names a directory: libpq loads it as one
    file (``SSL_CTX_load_verify_locations(ctx, file, NULL)``; it has no CA-directory option)."""
    if _CLIENT_SIDE[4][0] not in libpq or not path or not os.path.isdir(path):
        return None
    try:
        held = sorted(
            str(each)
            for each in Path(path).iterdir()
            if each.is_file() and b"-----BEGIN CERTIFICATE-----" in each.read_bytes()[:65536]
        )
    except OSError:
        held = []
    if len(held) == 1:
        change = f"set sslrootcert={held[0]} (the certificate file in that directory)"
    else:
        inside = f" ({', '.join(held[:5])})" if held else ""
        change = (
            f"set sslrootcert= one PEM file holding the CA certificates{inside} "
            f"(cat {path}/*.pem > ca.pem), or sslrootcert=system for the system's CAs"
        )
    return CheckFailed(
        f"sslrootcert ({t.source_of('sslrootcert')}) names {path}, which is a directory: libpq "
        "reads sslrootcert as one file",
        why="libpq loads sslrootcert with SSL_CTX_load_verify_locations as a file whatever "
        "sslmode is, and has no option for a directory of CA certificates; libpq said: "
        f"{libpq}",
        fix=fix(t.edit_key("sslrootcert", change)),
    )


#: the names OpenSSL's hash-directory lookup opens for CRLs: <8 hex digits>.r<n>
_CRL_HASH_NAME = re.compile(r"^[0-9a-f]{8}\.r[0-9]+$")


def _crl_unhashed(crldir: str | None) -> list[str]:
    """The revocation-list files in ``crldir`` when none of its entries bears a hash name (the
    directory was never run through ``openssl rehash``); [] otherwise."""
    if not crldir or not os.path.isdir(crldir):
        return []
    try:
        entries = list(Path(crldir).iterdir())
        if any(_CRL_HASH_NAME.match(each.name) for each in entries):
            return []
        return sorted(
            each.name
            for each in entries
            if each.is_file() and b"-----BEGIN X509 CRL-----" in each.read_bytes()[: 1 << 20]
        )
    except OSError:
        return []


def _der_file(t: Target, path: str | None, libpq: str) -> CheckFailed | None:
    """libpq could not read sslrootcert or sslcert, whose file holds one certificate in DER
    form: libpq reads both as PEM only (``SSL_CTX_load_verify_locations``,
    ``SSL_CTX_use_certificate_chain_file``)."""
    keyword = next(
        (k for words, k, _ in (_CLIENT_SIDE[3], _CLIENT_SIDE[4]) if words in libpq), None
    )
    if keyword is None or not path or not _net.der_certificate(path):
        return None
    convert, pem = _net.der_to_pem(path)
    change = f"then set {keyword}={pem}"
    edit = t.edit_key(keyword, change)
    return CheckFailed(
        f"{keyword} ({t.source_of(keyword)}) names {path}, a certificate in DER form: libpq "
        "reads it as PEM only",
        why="libpq loads sslrootcert and sslcert as PEM files (-----BEGIN CERTIFICATE----- "
        "blocks); the file's bytes are one DER certificate, which OpenSSL parses as such; "
        f"libpq said: {libpq}",
        fix=fix(
            Command(convert), edit, text=f"convert it to PEM: {shlex.join(convert)}; {edit.text}"
        ),
    )


def _blank_file(t: Target, path: str | None, libpq: str) -> CheckFailed | None:
    """libpq could not read sslrootcert or sslcert, whose file is empty (or white space only):
    no PEM block in it (OpenSSL: no certificate or crl found), told by the file's size."""
    keyword = next(
        (k for words, k, _ in (_CLIENT_SIDE[3], _CLIENT_SIDE[4]) if words in libpq), None
    )
    size = _net.blank_file(path) if keyword is not None and path else None
    if keyword is None or size is None:
        return None
    held = (
        "the PEM certificate of the CA that signed the server's certificate"
        if keyword == "sslrootcert"
        else "this client's PEM certificate"
    )
    change = f"write {held} into {path}, or set {keyword}= a file that holds it"
    contents = "0 bytes" if not size else f"{size} bytes of white space only"
    return CheckFailed(
        f"{keyword} ({t.source_of(keyword)}) names {path}, an empty file ({contents}): libpq "
        "finds no certificate in it",
        why="libpq loads the file as PEM (-----BEGIN CERTIFICATE----- blocks) and stops when it "
        "holds none; an empty file is what a shell redirection of an unset variable or a secret "
        f"mounted without its key leaves; libpq said: {libpq}",
        fix=fix(t.edit_key(keyword, change)),
    )


def client_side(t: Target, libpq: str, deadline: float | None = None) -> CheckFailed | None:
    """libpq stopped on this side, for a file or a setting of the connection string: the
    keyword is named from libpq's own words (no server was asked; with ``deadline``, a
    certificate the server refused is tried again by envcheck's own logins)."""
    low = libpq.lower()
    quoted = _QUOTED_FILE.search(libpq)
    path = quoted.group(1) if quoted else None
    directory = _root_directory(t, path, libpq)
    if directory is not None:
        return directory
    der = _der_file(t, path, libpq)
    if der is not None:
        return der
    blank = _blank_file(t, path, libpq)
    if blank is not None:
        return blank
    if _KEY_ACCESS[0] in libpq and _KEY_ACCESS[1] in libpq:
        key = path or client_certificate(t)[1] or "the key file"
        chmod = Command(["chmod", "600", key])
        return CheckFailed(
            f"libpq refuses the private key file {key}: it has group or world access",
            why="libpq uses a client key only when group and others cannot read it (0600, or "
            "0640 owned by root)",
            fix=fix(chmod, text=f"chmod 600 {key}"),
        )
    locked = _encrypted_key(t, path) if _CLIENT_SIDE[1][0] in libpq else None
    if locked is not None:
        return locked
    held = _key_in_certificate(t, path, libpq)
    if held is not None:
        return held
    pair = _client_pair(t, path, libpq)
    if pair is not None:
        return pair
    for words, keyword, what in _CLIENT_SIDE:
        if words in libpq:
            named = f" {path}" if path else ""
            return CheckFailed(
                f"{what}{named} ({keyword} in {t.source_of(keyword)})",
                why=f"libpq stops before logging in; libpq said: {libpq}",
                fix=fix(t.edit_setting(f"set {keyword}= a readable file of the right kind")),
            )
    if "alert protocol version" in low or "unsupported protocol" in low:
        bounds = [
            f"{k}={t.params[k]}"
            for k in ("ssl_min_protocol_version", "ssl_max_protocol_version")
            if t.params.get(k)
        ]
        own = ", ".join(bounds) or "libpq's defaults (TLSv1.2 and up)"
        client = t.edit_setting(
            "drop or lower ssl_min_protocol_version"
            if any(b.startswith("ssl_min") for b in bounds)
            else "set ssl_min_protocol_version / ssl_max_protocol_version to versions the "
            "server allows"
        )
        server = ask_admin(
            "allow a TLS version this client accepts on the server: ssl_min_protocol_version, "
            "ssl_max_protocol_version in postgresql.conf"
        )
        return CheckFailed(
            f"the TLS versions this client allows ({own}) and those of {t.address} do not meet",
            why=f"the TLS handshake found no common protocol version; libpq said: {libpq}",
            fix=fix(
                client,
                server,
                text=f"{client.render()}; or ask the server's administrator to {server.text}",
            ),
        )
    cert = client_certificate(t)[0]
    dated = _client_cert_dates(t, cert, libpq)
    if dated is not None:
        return dated
    if "alert unknown ca" in low or "alert bad certificate" in low:
        home = home_certificate_refused(t, deadline, libpq) if deadline is not None else None
        if home is not None:
            return home
    if "alert unknown ca" in low:  # bad certificate: not trust, the certificate itself (below)
        return CheckFailed(
            f"{t.address} does not trust the client certificate {cert or '(none set)'}",
            why="the server checks client certificates against its ssl_ca_file and refused this "
            f"one during the TLS handshake; libpq said: {libpq}",
            fix=fix(
                Manual(
                    "get a client certificate signed by the CA in the server's ssl_ca_file and "
                    "set sslcert= and sslkey= to it",
                    ask=ADMIN,
                )
            ),
        )
    alerted = _tls.alert_in_words(libpq)
    if alerted is not None:
        return certificate_alert(t, alerted, cert, f"libpq said: {libpq}")
    if "alert certificate required" in low:
        return CheckFailed(
            f"{t.address} requires a client certificate, and this client sends none",
            why="the server asks for a client certificate in the TLS handshake; libpq said: "
            + libpq,
            fix=fix(
                Manual("set sslcert= and sslkey= to this client's certificate and key", ask=ADMIN)
            ),
        )
    # libpq 18, fe-protocol3.c: 'server only supports protocol version %d.%d, but
    # "min_protocol_version" was set to %d.%d' (no SQLSTATE: libpq's own refusal)
    if _MIN_PROTOCOL[0] in libpq and _MIN_PROTOCOL[1] in libpq:
        return CheckFailed(
            f"{t.address} speaks an older protocol version than min_protocol_version="
            f"{t.params.get('min_protocol_version', '?')} asks for",
            why=f"libpq refuses a server below min_protocol_version; libpq said: {libpq}",
            fix=fix(t.edit_setting("drop min_protocol_version (or set it to 3.0)")),
        )
    return None


def certificate_alert(t: Target, reason: str, cert: str | None, said: str) -> CheckFailed:
    """The server ended the TLS handshake with an alert about the client certificate ``cert``
    (:data:`envcheck.checks.shared.tls.CLIENT_CERT_ALERTS`, ``reason``); a bad_certificate
    alert is told by the security level the certificate meets (its key, its digest)."""
    key = client_certificate(t)[1]
    level = _tls.certificate_level(cert, key) if cert and reason == _tls.BAD_CERTIFICATE else None
    own = _tls.file_certificate(cert) if cert else None
    alert, meaning = _tls.client_alert(reason, own, level)
    wanted = _tls.wanted_certificate(reason, "ssl_ca_file")
    return CheckFailed(
        f"{t.address} refuses the client certificate {cert or '(none set)'}: its TLS alert "
        f"{alert}",
        why="the server verifies a client certificate against its ssl_ca_file (and "
        "ssl_crl_file) in the TLS handshake and ends it with the alert its verification "
        f"failure maps to: {meaning}; {said}",
        fix=fix(Manual(f"get {wanted} and set sslcert= and sslkey= to it", ask=ADMIN)),
    )


_PEM_KEY = re.compile(rb"-----BEGIN (?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY-----")
_PEM_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"


#: OpenSSL's reasons (``ssl.SSLError.reason``) for the server's alert about a client
#: certificate it does not accept: alert 48 unknown_ca, alert 42 bad_certificate
_CERT_ALERTS = ("TLSV1_ALERT_UNKNOWN_CA", "SSLV3_ALERT_BAD_CERTIFICATE")


def _own_login(t: Target, tls: ssl.SSLContext, deadline: float) -> _pgwire.Attempt | None:
    return _pgwire.login_attempt(
        t.dial,
        t.port,
        user=t.user,
        dbname=t.dbname,
        password=t.password,
        tls=tls,
        deadline=deadline,
        server_hostname=t.host,
        startup=startup_params(t),
    )


def home_certificate_refused(t: Target, deadline: float, libpq: str) -> CheckFailed | None:
    """The server refused the client certificate that libpq sent only because it is in HOME's
    ~/.postgresql (no sslcert in the connection string, PGSSLCERT unset): envcheck's own login
    over TLS with it must end in the server's alert (OpenSSL's reason, not libpq's words), and
    one without it (as sslcertmode=disable) tells whether this login needs a certificate at
    all. None: the certificate is named, or the server takes it."""
    if t.socket or t.libpq_value("sslcert") or t.sslmode in ("disable", "allow"):
        return None
    cert, key = client_certificate(t)
    if not cert or not os.path.isfile(cert) or t.libpq_value("sslcertmode") == "disable":
        return None
    if _pgwire.tls_refusal(t.dial, t.port, tls_context(t), deadline, t.host) not in _CERT_ALERTS:
        return None
    try:
        without = _own_login(t, tls_context(t, client=False), deadline)
    except (_pgwire.ProbeError, _pgwire.ProtocolViolation, OSError):
        without = None
    home = Path.home() / ".postgresql"
    moved = f"{home.parent / 'postgresql-unused'}"
    move = (
        f"move {cert} and {key} out of {home} (libpq sends them to every server that asks for a "
        f"client certificate): mkdir -p {moved} && mv {cert} {key} {moved}/"
    )
    disable = t.edit_key("sslcertmode", "add sslcertmode=disable (libpq then sends none)")
    signed = Manual(
        f"or replace {cert} and {key} with a certificate and key signed by the CA in the "
        "server's ssl_ca_file",
        ask=ADMIN,
    )
    if without is not None and without.stage != BEFORE_AUTH:
        needs = "envcheck's own login over TLS without it gets past authentication: this login "
        needs += "needs no client certificate"
        steps: list[Step] = [Manual(move), disable]
        text = f"{move}; or {disable.text}"
    elif without is not None and CLIENT_CERT_REQUIRED in (without.message or ""):
        needs = "envcheck's own login without it is refused by a pg_hba.conf line that wants "
        needs += "a client certificate: this login needs one, signed by the server's CA"
        steps = [signed]
        text = signed.text
    else:
        needs = "whether this login needs a client certificate at all is not known"
        steps = [Manual(move), disable, signed]
        text = f"{move}; or {disable.text}; {signed.text}"
    return CheckFailed(
        f"{t.address} does not trust the client certificate libpq sends on its own: {cert}, "
        f"libpq's default ~/.postgresql/postgresql.crt ({t.source} names no sslcert and "
        "PGSSLCERT is unset)",
        why="libpq sends ~/.postgresql/postgresql.crt and its key to every server that asks for "
        "a client certificate; this server checks it against its ssl_ca_file and ends the TLS "
        "handshake with the alert unknown ca (or bad certificate), and libpq's sslmode=prefer "
        f"does not try again without SSL after a failed handshake; {needs}; libpq said: {libpq}",
        fix=fix(*steps, text=text),
    )


def _pem_holds(path: str) -> tuple[bool, bool] | None:
    """Whether the PEM file at ``path`` holds a certificate, and a private key (None: unread)."""
    try:
        head = Path(path).read_bytes()[:65536]
    except OSError:
        return None
    return _PEM_CERTIFICATE in head, _PEM_KEY.search(head) is not None


def _key_of(cert: str, key: str) -> bool | None:
    """Whether ``key`` is the private key of certificate ``cert`` (OpenSSL's
    ``X509_check_private_key``, reason KEY_VALUES_MISMATCH); None when it cannot be told."""
    head = _pem_holds(key)
    try:
        encrypted = any(m in Path(key).read_bytes()[:4096] for m in _ENCRYPTED_PEM)
    except OSError:
        return None
    if head is None or encrypted:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_cert_chain(cert, key, password=lambda: b"")
    except ssl.SSLError as exc:
        return False if getattr(exc, "reason", None) == "KEY_VALUES_MISMATCH" else None
    except OSError:
        return None
    return True


def _client_cert_dates(t: Target, cert: str | None, libpq: str) -> CheckFailed | None:
    """The client certificate sslcert names is outside its validity dates (its notBefore /
    notAfter against this machine's clock): the server verifies it and ends the TLS handshake
    (OpenSSL's CERT_HAS_EXPIRED, CERT_NOT_YET_VALID)."""
    if not cert:
        return None
    try:
        import _ssl  # the decoder behind SSLSocket.getpeercert(), for a file

        decoded: Any = _ssl._test_decode_cert(cert)  # type: ignore[attr-defined]
        start = ssl.cert_time_to_seconds(decoded["notBefore"])
        end = ssl.cert_time_to_seconds(decoded["notAfter"])
    except (OSError, ssl.SSLError, AttributeError, KeyError, ValueError):
        return None
    now = time.time()
    if start <= now <= end:
        return None
    origin = "sslcert in " + t.source if t.params.get("sslcert") else "PGSSLCERT"
    when = decoded["notAfter"] if now > end else decoded["notBefore"]
    state = f"expired on {when}" if now > end else f"is not valid before {when}"
    return CheckFailed(
        f"the client certificate {cert} ({origin}) {state}, and {t.address} refused it",
        why="the server verifies the client certificate's dates against its own clock in the "
        + "TLS handshake"
        + ("" if now > end else " (a certificate issued ahead, or a clock behind)")
        + f"; the handshake said: {libpq}",
        fix=fix(
            Manual(
                f"issue the client certificate again (valid from now) and point sslcert= and "
                f"sslkey= at it (now {cert})",
                ask=ADMIN,
            )
        ),
    )


def _client_pair(t: Target, path: str | None, libpq: str) -> CheckFailed | None:
    """libpq stopped on the client certificate or its key (the file it names is one of them),
    and the files say why: sslcert and sslkey given the other's file, or a key that is not the
    certificate's (a certificate renewed with a new key while sslkey names the old one)."""
    cert, key = client_certificate(t)
    if not cert or not key or path not in (cert, key):
        return None
    held_cert, held_key = _pem_holds(cert), _pem_holds(key)
    if held_cert is None or held_key is None:
        return None
    origin = "in " + t.source if t.params.get("sslcert") else "from PGSSLCERT / PGSSLKEY"
    if held_cert == (False, True) and held_key == (True, False):
        change = f"swap them: sslcert={key} sslkey={cert}"
        return CheckFailed(
            f"sslcert names {cert}, which holds a private key and no certificate, and sslkey "
            f"names {key}, which holds a certificate ({origin}): the two are swapped",
            why="libpq reads sslcert as the client certificate and sslkey as its private key, "
            f"and stops before logging in; libpq said: {libpq}",
            fix=fix(t.edit_setting(change), text=change),
        )
    if not (held_cert[0] and held_key[1]) or _key_of(cert, key) is not False:
        return None
    near = sorted({*Path(cert).parent.glob("*.key"), *Path(cert).parent.glob("*key*.pem")})
    own = next((str(p) for p in near if str(p) != key and _key_of(cert, str(p))), None)
    change = (
        f"set sslkey={own} (the key of {cert})"
        if own
        else f"set sslkey= the private key made with {cert} (or sslcert= the certificate of {key})"
    )
    return CheckFailed(
        f"sslkey names {key}, which is not the private key of the certificate {cert} that "
        f"sslcert names ({origin})",
        why="libpq checks that the client key belongs to the certificate and stops before "
        "logging in (a certificate renewed with a new key while sslkey still names the old "
        + (f"one; {own} is its key" if own else "one")
        + f"); libpq said: {libpq}",
        fix=fix(t.edit_setting(change), text=change),
    )


#: PEM headers of an encrypted private key (PKCS#8, and OpenSSL's traditional format)
_ENCRYPTED_PEM = (b"-----BEGIN ENCRYPTED PRIVATE KEY-----", b"Proc-Type: 4,ENCRYPTED")


def _encrypted_key(t: Target, path: str | None) -> CheckFailed | None:
    """libpq could not load the client key, and the key file is encrypted: it opens only with
    the passphrase in ``sslpassword`` (libpq asks no one for it)."""
    key = path or client_certificate(t)[1]
    try:
        head = Path(key).read_bytes()[:4096] if key else b""
    except OSError:
        return None
    if not any(marker in head for marker in _ENCRYPTED_PEM):
        return None
    given = bool(t.params.get("sslpassword"))
    return CheckFailed(
        f"the private key file {key} is encrypted, and "
        + (
            f"the sslpassword in {t.source} does not open it"
            if given
            else f"{t.source} sets no sslpassword to open it"
        ),
        why="libpq decrypts an encrypted client key with the connection's sslpassword and "
        "stops before logging in when that fails",
        fix=fix(
            t.edit_setting(
                "give the sslpassword keyword the key's passphrase (or point sslkey= at an "
                "unencrypted key)"
            )
        ),
    )


def _absent_client_cert(t: Target, said: str) -> CheckFailed | None:
    """The connection names a client certificate file that does not exist: libpq then sends no
    certificate, without a word, and a line that needs one refuses the login."""
    cert = t.params.get("sslcert") or os.environ.get("PGSSLCERT")
    if not cert or os.path.exists(cert):
        return None
    origin = "sslcert in " + t.source if t.params.get("sslcert") else "PGSSLCERT"
    return CheckFailed(
        f"the client certificate file {cert} ({origin}) does not exist, so libpq sent no "
        f"certificate, and {t.address} refused {t.login} without one",
        why="libpq skips a client certificate file that is not there and connects without "
        f"one{said}",
        fix=fix(
            t.edit_setting(
                "set sslcert= and sslkey= to this client's certificate and key (files that exist)"
            )
        ),
    )


def _no_certificate_to_send(t: Target) -> CheckFailed | None:
    """``sslcertmode=require`` and no client certificate file: libpq fails every connection
    once the handshake is done, since it sent no certificate."""
    mode = t.params.get("sslcertmode") or os.environ.get("PGSSLCERTMODE")
    cert = client_certificate(t)[0]
    if mode != "require" or (cert and os.path.isfile(cert)):
        return None
    missing = f"{cert} does not exist" if cert else "no sslcert, no ~/.postgresql/postgresql.crt"
    return CheckFailed(
        f"sslcertmode=require{_set_by(t, 'sslcertmode')}, and this client has no certificate "
        f"to send ({missing})",
        why="with sslcertmode=require libpq fails the connection unless it sent a client "
        "certificate in the TLS handshake",
        fix=fix(
            t.edit_key(
                "sslcertmode",
                "set sslcert= and sslkey= to this client's certificate and key, or drop "
                "sslcertmode=require",
            )
        ),
    )


def verifies(t: Target) -> bool:
    """Whether libpq verifies the server's certificate: verify-ca and verify-full, and
    ``require`` when a root certificate file exists (libpq's documented rule)."""
    if t.sslmode in ("verify-ca", "verify-full"):
        return True
    root = _root_cert(t)
    return t.sslmode == "require" and root != "system" and os.path.isfile(root)


def tls_context(t: Target, client: bool = True) -> ssl.SSLContext:
    """The TLS settings libpq uses for ``t.sslmode`` (verification for verify-*, and for
    require with a root certificate file); ``client=False``: as sslcertmode=disable, no client
    certificate."""
    context = ssl.create_default_context()
    cert, key = client_certificate(t)
    # sslcertmode=disable: libpq sends no client certificate, whatever sslcert names
    sends = client and t.libpq_value("sslcertmode") != "disable"
    if cert and os.path.isfile(cert) and sends:
        try:  # libpq sends it when the server asks; its own failures are read from libpq's text
            context.load_cert_chain(cert, key if key and os.path.isfile(key) else None)
        except (OSError, ssl.SSLError):
            pass
    if not verifies(t):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context.check_hostname = t.sslmode == "verify-full"
    root = _root_cert(t)
    if root != "system":
        context.load_verify_locations(cafile=root)
    crl, crldir = _crl(t)
    if crl or crldir:
        # libpq (fe-secure-openssl.c) loads them into the store and checks the whole chain
        try:
            context.load_verify_locations(cafile=crl, capath=crldir)
            context.verify_flags |= ssl.VERIFY_CRL_CHECK_CHAIN
        except (OSError, ssl.SSLError):
            pass  # libpq's own failure to read them is read from its text
    return context


def requirepeer_refused(t: Target, deadline: float) -> CheckFailed | None:
    """``requirepeer`` names another user than the one whose process holds the server's socket
    (its peer credentials, SO_PEERCRED): libpq compares them before it sends anything, so no
    server rule is involved. None: no requirepeer, no socket, or they agree."""
    import pwd
    import struct

    wanted = t.params.get("requirepeer") or os.environ.get("PGREQUIREPEER")
    option = getattr(socket, "SO_PEERCRED", None)
    if not wanted or not t.socket or option is None:
        return None
    path = os.path.join(t.host, f".s.PGSQL.{t.port}")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            sock.connect(path)
            _, uid, _ = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, 12))
        actual = pwd.getpwuid(uid).pw_name
    except (OSError, KeyError, struct.error):
        return None
    if actual == wanted:
        return None
    return CheckFailed(
        f"requirepeer={wanted} in {t.source}, but the server's socket {path} is held by a "
        f"process of the user {actual!r}",
        why="libpq asks the socket for its peer's user (getpeereid) and refuses the connection "
        "before sending anything when it is not requirepeer's: a check, on this side, that the "
        "socket belongs to the server one expects (no server rule is involved)",
        fix=fix(
            t.edit_key(
                "requirepeer",
                f"set requirepeer={actual} if the server run by {actual} is the one meant (or "
                "drop requirepeer); otherwise the socket directory belongs to another server: "
                "correct host",
            )
        ),
    )


def _crl(t: Target) -> tuple[str | None, str | None]:
    """The revocation lists libpq checks the server's certificate against: sslcrl / sslcrldir
    (PGSSLCRL, PGSSLCRLDIR), else ~/.postgresql/root.crl when it exists."""
    crl = t.params.get("sslcrl") or os.environ.get("PGSSLCRL")
    crldir = t.params.get("sslcrldir") or os.environ.get("PGSSLCRLDIR")
    default = Path.home() / ".postgresql" / "root.crl"
    if not crl and not crldir and default.is_file():
        crl = str(default)
    return (crl if crl and os.path.isfile(crl) else None), (
        crldir if crldir and os.path.isdir(crldir) else None
    )


#: OpenSSL's verify results (X509_V_ERR_*) of a certificate that verified but whose time is off,
#: that a revocation list revokes, or whose revocation lists are missing or out of date
_NOT_YET_VALID, _EXPIRED, _REVOKED = 9, 10, 23


def _sent_chain(t: Target, deadline: float) -> tuple[_tls.Certificate, ...] | None:
    """The certificates the server sends after SSLRequest (none verified)."""
    try:
        with _pgwire.connect(t.dial, t.port, deadline) as raw:
            if _pgwire.ask_ssl(raw, deadline)[:1] != b"S":
                return None
            return _tls.sent_chain(raw, t.host)
    except OSError:
        return None


def _issuer_unknown(
    t: Target,
    exc: ssl.SSLCertVerificationError,
    deadline: float,
    sent: tuple[_tls.Certificate, ...] | None = None,
) -> CheckFailed | None:
    """OpenSSL found no trusted issuer above what the server sent (verify result 2 or 20), or
    sslrootcert=system trusts none: read the chain the server sends and the CAs sslrootcert
    trusts to tell a chain the server cut short from a trust in another CA, and name the
    missing issuer."""
    root = _root_cert(t)
    if exc.verify_code not in _tls.ISSUER_UNKNOWN and root != "system":
        return None
    reason = str(exc.verify_message or exc.reason or exc)
    sent = sent if sent is not None else _sent_chain(t, deadline)
    if root == "system":
        top = sent[-1] if sent else None
        issued = f" ({top.issuer}, which issued {top.subject})" if top else ""
        return CheckFailed(
            f"the certificate of {t.host}:{t.port} is not trusted by this system's CA store "
            f"(sslrootcert=system{_set_by(t, 'sslrootcert')}, sslmode={t.sslmode}): {reason}",
            why="sslrootcert=system makes libpq trust the CAs of OpenSSL's default store (the "
            "system's bundle, or SSL_CERT_FILE / SSL_CERT_DIR when set) and no CA there issued "
            f"the server's chain{issued}: a server with a CA of its own (a local, test or "
            "company server) is never trusted so",
            fix=fix(
                t.edit_key(
                    "sslrootcert",
                    "set sslrootcert=/path/to/ca.pem, the file of the CA that issued the "
                    f"server's certificate{issued}, instead of sslrootcert=system (or add that CA "
                    "to the system's store: /usr/local/share/ca-certificates, then "
                    "update-ca-certificates)",
                )
            ),
        )
    missing = _tls.gap(sent, _tls.ca_subjects(root))
    if missing is None:
        return None
    held = missing.described(f"sslrootcert ({root})")
    if missing.alone:
        return CheckFailed(
            f"the certificate of {t.host}:{t.port} is not trusted (sslmode={t.sslmode}): "
            f"{reason}: the server sends its own certificate without the certificate of its "
            f"issuer {missing.issuer}",
            why=f"{held}; when {missing.issuer} is an intermediate CA below a CA of sslrootcert, "
            "the server must send it after its own certificate (ssl_cert_file holds the chain: "
            "the server's certificate, then the intermediate's), since libpq trusts only a chain "
            "that reaches a CA in sslrootcert",
            fix=fix(
                Manual(
                    "put the whole chain in the server's ssl_cert_file (its certificate, then "
                    f"the certificate of {missing.issuer} and of any CA between it and the "
                    "root), then SELECT pg_reload_conf(); until then, this client can trust "
                    f"the chain by adding the certificate of {missing.issuer} to {root} beside "
                    "its root",
                    ask=ADMIN,
                )
            ),
        )
    return CheckFailed(
        f"the certificate of {t.host}:{t.port} is not trusted (sslmode={t.sslmode}): {reason}: "
        f"its chain ends at a certificate issued by {missing.issuer}, a CA that {root} does not "
        "hold",
        why=f"{held}; sslrootcert holds another CA than the one the server's chain leads to",
        fix=fix(
            t.edit_key(
                "sslrootcert",
                f"set sslrootcert to the file of the CA {missing.issuer} (check: openssl "
                f"s_client -connect {t.dial}:{t.port} -starttls postgres -CAfile FILE "
                "-verify_return_error)",
            )
        ),
    )


def _certificate_failure(
    t: Target, exc: ssl.SSLCertVerificationError, deadline: float
) -> CheckFailed:
    reason = str(exc.verify_message or exc.reason or exc)
    code = exc.verify_code
    said = _tls.verify_words(code, reason)
    sent = _sent_chain(t, deadline)
    chain = _tls.chain_words(sent)
    dates = (
        f"openssl s_client -connect {t.dial}:{t.port} -starttls postgres | openssl x509 -noout "
        "-dates -serial"
    )
    late = _tls.out_of_time(sent, code)
    which = f" ({late.subject}: {_tls.dates(late)})" if late else ""
    if code == _EXPIRED:
        return CheckFailed(
            f"the certificate of {t.host}:{t.port} expired{which} (sslmode={t.sslmode}): {said}",
            why=f"a certificate of the server's chain (its own, or the CA's in {_root_cert(t)}) "
            f"is past its end date (notAfter); its signature verified, only its time is over; "
            f"{chain}",
            fix=fix(
                Manual(
                    "renew the server's certificate (ssl_cert_file in postgresql.conf, then "
                    "SELECT pg_reload_conf()), or the CA certificate in sslrootcert if that is "
                    f"the one that expired; see the dates: {dates}",
                    ask=ADMIN,
                )
            ),
        )
    if code == _NOT_YET_VALID:
        return CheckFailed(
            f"the certificate of {t.host}:{t.port} is not valid yet{which} "
            f"(sslmode={t.sslmode}): {said}",
            why="a certificate of the server's chain starts (notBefore) later than this "
            "machine's clock says it is now: the clock here is behind, or the certificate was "
            f"issued with a start in the future; {chain}",
            fix=fix(
                Manual(
                    "check this machine's clock (date -u; timedatectl: NTP synchronized) against "
                    f"the certificate's start: {dates}; or have the server's certificate "
                    "(ssl_cert_file) issued to start now",
                    ask=ADMIN,
                )
            ),
        )
    found = _tls.refusal(code, reason, sent, f"sslrootcert ({_root_cert(t)})")
    if found is not None and found.side != "crl":
        return _refused_chain(t, found, sent)
    crl, crldir = _crl(t)
    lists = " and ".join(
        f"{name} ({path})" for name, path in (("sslcrl", crl), ("sslcrldir", crldir)) if path
    )
    if exc.verify_code == _REVOKED:
        return CheckFailed(
            f"the certificate of {t.host}:{t.port} is revoked by the revocation list in "
            f"{lists or 'sslcrl'}: {said}",
            why="libpq checks the server's certificate chain against the certificate "
            f"revocation lists sslcrl / sslcrldir name, and one of them revokes it; {chain}",
            fix=fix(
                Manual(
                    "the server's administrator replaces the revoked certificate "
                    "(ssl_cert_file in postgresql.conf, then SELECT pg_reload_conf()); if the "
                    f"list is not the one to use, point sslcrl at the current one; see the "
                    f"certificate's serial: {dates}",
                    ask=ADMIN,
                )
            ),
        )
    unhashed = _crl_unhashed(crldir) if exc.verify_code in _tls.CRL else []
    if unhashed and crldir:
        rehash = Command(["openssl", "rehash", crldir])
        return CheckFailed(
            f"sslcrldir ({crldir}) holds revocation lists ({', '.join(unhashed[:3])}) but none "
            f"under the subject-hash name OpenSSL looks up there (<hash>.r0): {said}",
            why="libpq gives sslcrldir to OpenSSL's hash-directory lookup, which opens a CRL "
            "only as <hash of its issuer>.r<n> (what openssl rehash makes); with a revocation "
            "store set and no list found, verification fails: unable to get certificate CRL; "
            f"{chain}",
            fix=fix(rehash, text=f"openssl rehash {crldir} (then run the checks again)"),
        )
    if exc.verify_code in _tls.CRL and lists:
        return CheckFailed(
            f"the revocation list in {lists} cannot be used to check the certificate of "
            f"{t.host}:{t.port}: {said}",
            why="with sslcrl or sslcrldir set, libpq needs a current revocation list, signed by "
            f"the CA, from the CA of every certificate in the server's chain; {chain}",
            fix=fix(
                t.edit_key(
                    "sslcrl",
                    "point sslcrl at the current revocation list of the CA that signed the "
                    "server's certificate (or drop sslcrl / sslcrldir)",
                )
            ),
        )
    if exc.verify_code in _NAME_MISMATCH:
        return CheckFailed(
            f"the certificate of {t.host}:{t.port} is not issued for {t.host!r} "
            f"(sslmode=verify-full): {reason}",
            why="verify-full checks that the host name in the connection string is one the "
            "certificate names",
            fix=fix(
                t.edit_setting(
                    "connect by a name the certificate lists (see: openssl s_client -connect "
                    f"{t.dial}:{t.port} -starttls postgres | openssl x509 -noout -ext "
                    "subjectAltName), or use sslmode=verify-ca"
                )
            ),
        )
    unknown = _issuer_unknown(t, exc, deadline, sent)
    if unknown is not None:
        return unknown
    because = (
        "; with sslmode=require libpq verifies the certificate as verify-ca does once a root "
        "certificate file exists"
        if t.sslmode == "require"
        else ""
    )
    return CheckFailed(
        f"the certificate of {t.host}:{t.port} is not trusted (sslmode={t.sslmode}): {said}",
        why=f"OpenSSL refused the server's chain against sslrootcert ({_root_cert(t)})"
        f"{because}; {chain or 'the chain the server sends could not be read'}",
        fix=fix(
            t.edit_setting(
                "set sslrootcert=/path/to/ca.pem to the CA that signed the server's certificate, "
                "or have the server's certificate (ssl_cert_file) issued by a CA sslrootcert "
                f"holds (check: openssl s_client -connect {t.dial}:{t.port} -starttls postgres "
                "-CAfile /path/to/ca.pem -verify_return_error)"
            )
        ),
    )


def _refused_chain(
    t: Target, found: _tls.Refusal, sent: tuple[_tls.Certificate, ...] | None
) -> CheckFailed:
    """A verify result that names the side to mend without a further look-up: a self-signed
    certificate sslrootcert does not hold, or a chain refused for what it holds."""
    check = (
        f"openssl s_client -connect {t.dial}:{t.port} -starttls postgres -CAfile "
        f"{_root_cert(t)} -verify_return_error"
    )
    if found.side == "trust":
        own = sent[-1].subject if sent else "the server's CA"
        because = (
            "; with sslmode=require libpq verifies the certificate as verify-ca does once a root "
            "certificate file exists"
            if t.sslmode == "require"
            else ""
        )
        what = found.what.replace("is not trusted:", f"is not trusted (sslmode={t.sslmode}):", 1)
        return CheckFailed(
            f"the certificate of {t.host}:{t.port} {what}",
            why=found.why + because,
            fix=fix(
                t.edit_key(
                    "sslrootcert",
                    f"set sslrootcert=/path/to/ca.pem, a file holding the certificate of {own} "
                    "if it is the server's own CA, or have the server's certificate "
                    "(ssl_cert_file in postgresql.conf) issued by a CA sslrootcert holds "
                    f"(check: {check})",
                )
            ),
        )
    return CheckFailed(
        f"the certificate of {t.host}:{t.port} {found.what}",
        why=found.why,
        fix=fix(
            Manual(
                "the server's administrator issues the server's certificate again (or the CA "
                "of its chain) so that the chain verifies, puts it with its chain in "
                "ssl_cert_file (postgresql.conf), then SELECT pg_reload_conf(); lowering "
                f"sslmode only hides it (check: {check})",
                ask=ADMIN,
            )
        ),
    )


def _attempts(t: Target, deadline: float) -> tuple[dict[str, _pgwire.Attempt | None], bool]:
    """Both attempts; returns them by kind and whether the server offers SSL."""
    login: dict[str, Any] = dict(
        user=t.user,
        dbname=t.dbname,
        password=t.password,
        deadline=deadline,
        startup=startup_params(t),
    )
    found: dict[str, _pgwire.Attempt | None] = {}
    offered = False
    host = t.host if t.socket else t.dial
    if not t.socket:
        found["ssl"] = _pgwire.login_attempt(
            host, t.port, tls=tls_context(t), server_hostname=t.host, **login
        )
        offered = found["ssl"] is not None
    found["plain"] = _pgwire.login_attempt(host, t.port, tls=None, **login)
    return found, offered


def answering(t: Target, deadline: float) -> Target:
    """Of several hosts, the one libpq's failure is about: libpq goes on to the next host when a
    connection cannot be made, and stops at the first that takes it (a login refused there is
    the answer: "the remaining hosts are not tried"). ``t`` itself when it names one host or none
    answers."""
    if len(t.candidates) < 2:
        return t
    for host, port, hostaddr in t.candidates:
        one = t.at(host, port, hostaddr)
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            if one.socket:
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.settimeout(min(left, 2.0))
                    sock.connect(f"{one.host}/.s.PGSQL.{one.port}")
            else:
                socket.create_connection((one.dial, one.port), timeout=min(left, 2.0)).close()
        except OSError:
            continue
        return one
    return t


def diagnose_login(t: Target, exc: Exception, deadline: float) -> CheckFailed:
    """Explain libpq's failure ``exc`` to log in to ``t`` (of several hosts, the one that
    answered: :func:`answering`)."""
    t = answering(t, deadline)
    libpq = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    fallback = CheckFailed(
        f"cannot connect to {t.login}: {libpq}",
        why="libpq refused or failed the connection for a reason of its own (the server let "
        "envcheck's own login in)",
        fix=fix(Manual(f"check {t.source}; compare with: {t.psql()}")),
    )
    said_here = client_side(t, " ".join(str(exc).split()), deadline)
    if said_here is not None:
        return said_here
    no_cert = _no_certificate_to_send(t)
    if no_cert is not None:
        return no_cert
    if t.sslmode in ("verify-ca", "verify-full"):
        root = _root_cert(t)
        if root != "system" and not os.path.isfile(str(root)):
            return CheckFailed(
                f"sslmode={t.sslmode} needs the CA certificate, and there is no file {root}"
                + _set_by(t, "sslrootcert"),
                why="libpq verifies the server's certificate against sslrootcert (default "
                "~/.postgresql/root.crt)",
                fix=fix(
                    t.edit_key(
                        "sslrootcert",
                        "set sslrootcert=/path/to/ca.pem (or sslrootcert=system "
                        "for the machine's trust store)",
                    )
                ),
            )
    peer = requirepeer_refused(t, deadline)
    if peer is not None:
        return peer
    try:
        attempts, offered = _attempts(t, deadline)
    except ssl.SSLCertVerificationError as cert:
        return _certificate_failure(t, cert, deadline)
    except ssl.SSLError as tls:
        return tls_failed(t, str(getattr(tls, "reason", None) or tls), deadline)
    except _pgwire.ProtocolViolation as broken:
        return protocol_broken(t, broken, libpq)
    except (_pgwire.ProbeError, OSError, socket.timeout) as probe:
        return CheckFailed(
            fallback.summary,
            why=f"envcheck's own login attempt, which would tell why, did not finish either "
            f"({probe or type(probe).__name__})",
            fix=fallback.fix,
        )
    order = [k for k in _ORDER.get(t.sslmode, ("ssl", "plain")) if k in attempts]
    if order == ["ssl"] and attempts.get("ssl") is None and not t.socket:
        return CheckFailed(
            f"{t.host}:{t.port} refuses SSL, but the connection string requires it",
            why=f"sslmode={t.sslmode} is set and the server answered the SSL request with 'N' "
            "(ssl = off)",
            fix=fix(
                t.edit_setting(f"drop sslmode={t.sslmode}"),
                text=f"drop sslmode={t.sslmode} from {t.source_of('sslmode')} (or set ssl = on in "
                "postgresql.conf, with ssl_cert_file and ssl_key_file, and restart the server)",
            ),
        )
    relevant = [(k, a) for k in order if (a := attempts.get(k)) is not None]
    if not relevant or any(a.stage == _pgwire.READY for _, a in relevant):
        return _client_refused(t, attempts, exc, deadline) or fallback
    kind, chosen = max(enumerate(relevant), key=lambda p: (_RANK[p[1][1].stage], p[0]))[1]
    if chosen.needs_password:
        return needs_password(t)
    said = _said(chosen.message, chosen.detail)
    ssl_attempt, plain = attempts.get("ssl"), attempts.get("plain")

    def hba(a: _pgwire.Attempt | None) -> bool:
        return (
            a is not None
            and a.sqlstate == "28000"
            and a.stage == BEFORE_AUTH
            and a.routine != "auth_failed"
        )

    if hba(chosen):
        absent = _absent_client_cert(t, said)
        if absent is not None:
            return absent
        if CLIENT_CERT_REQUIRED in (chosen.message or ""):
            return client_certificate_required(t, said)
        if order == ["ssl"] and plain is not None and not hba(plain) and plain.stage != BEFORE_AUTH:
            return pg_hba_refuses(t, said, ssl_helps=False, plain_only=True)
        helps: bool | None
        if t.socket:
            helps = False
        elif not offered:
            helps = None
        else:
            helps = hba(plain) and not hba(ssl_attempt)
        return pg_hba_refuses(t, said, ssl_helps=helps, ssl_offered=offered)
    code = chosen.sqlstate or ""
    needs_lookup = code in ("28P01", "28000", "55000", "53300")
    lookup = look_up(t, deadline) if needs_lookup else None
    can_create, similar, listed = _can_create_db(t) if code == "3D000" else (None, [], None)
    if listed is not None:
        return database_files_missing(t, listed, _said(chosen.message, chosen.detail))
    if code == "XX000" and chosen.routine == "CheckMyDatabase":
        locale = locale_not_installed(t, _said(chosen.message, chosen.detail), deadline)
        if locale is not None:
            return locale
    if code and chosen.stage == AUTHENTICATED and code[:2] not in ("28", "3D", "53", "57"):
        from_settings = setting_breaks_login(t, code, chosen.message, chosen.detail, deadline)
        if from_settings is not None:
            return from_settings
    verdict = _explain(
        t,
        code,
        chosen.message,
        chosen.detail,
        chosen.stage,
        chosen.routine,
        can_create,
        lookup,
        chosen.asked,
        similar,
        foreign=not chosen.backend,
    )
    if chosen.message and chosen.message not in libpq and " ".join(str(exc).split()):
        # the client's own login met another answer than envcheck's second one (a pooler that
        # relayed a refusal once, then holds the next login): both are shown
        verdict.why = f"{verdict.why or ''}; the client's own login was answered: {libpq}"
    return verdict


def protocol_broken(t: Target, broken: _pgwire.ProtocolViolation, libpq: str) -> CheckFailed:
    """The server's bytes broke the protocol during the login (envcheck's own login met it at
    the same phase): the phase and libpq's words; for SCRAM, what the client could not verify.
    Something answered a real login, so it is no foreign service; the cause is not known."""
    said = libpq or "(no words)"
    look = ask_admin(
        f"look at what listens on {t.address} (a proxy, a pooler or another program in front "
        "of PostgreSQL: ss -ltnp on its host) and at its log and the server's; compare with a "
        f"direct connection to the server: {t.psql()}"
    )
    if broken.scram in ("signature", "nonce"):
        proof = (
            "its SCRAM signature (v=) does not verify"
            if broken.scram == "signature"
            else "its SCRAM answer does not continue the client's nonce"
        )
        return CheckFailed(
            f"{t.address} could not prove it knows the password of {t.user!r}: {proof} "
            f"(the protocol layer, at {broken.phase}); libpq: {said}",
            why="in SCRAM (RFC 5802) the server proves it holds the role's secret; this answer "
            "does not, so the client stops before sending anything else. The password is not "
            "shown to be wrong: something between the client and the server (a proxy or pooler "
            "that answers SCRAM itself with another secret, e.g. a stale auth_file) or "
            "something impersonating the server answered",
            fix=fix(look),
        )
    if broken.phase == _pgwire.EXPECT_AUTH and broken.what == _pgwire.CLOSED_SILENT:
        # nothing of PostgreSQL's came back to the startup packet: only the connection (and an
        # SSL request, with its TLS handshake, where one was sent) was answered
        seen = (
            "What listens there took the connection (and the SSL request, where one was sent) "
            "but sent nothing of PostgreSQL's back to the startup packet: a proxy, pooler or "
            "TLS terminator whose server behind it is gone or refuses it, or a fault of the "
            "server"
        )
    else:
        seen = (
            "A server answered the startup packet, so something speaks PostgreSQL there, but "
            "these bytes are not what PostgreSQL sends: a proxy, pooler or load balancer in "
            "between, or a fault of the server"
        )
    return CheckFailed(
        f"{t.address} broke the PostgreSQL protocol at {broken.phase} of the login: {said}",
        why=f"the protocol layer failed: {broken.what}; envcheck's own login met the same. {seen}",
        fix=fix(look),
    )


def probe_timeout(t: Target, seconds: float, deadline: float, exc: Exception) -> CheckFailed:
    """libpq's login timed out: envcheck's own login, briefly, tells a server that broke the
    protocol (a message cut or garbled, on which libpq waits) from one that is slow."""
    try:
        _attempts(t, min(deadline, time.monotonic() + 2.0))
    except _pgwire.ProtocolViolation as broken:
        return protocol_broken(t, broken, (str(exc).strip().splitlines() or ["timeout"])[0])
    except (_pgwire.ProbeError, OSError, ssl.SSLError):
        pass
    return login_timeout(t, seconds)


def defaulted_port(t: Target, failed: CheckFailed) -> CheckFailed:
    """``failed`` for a connection whose port the settings give as an empty value (``port=``,
    ``:@host:/``, an empty PGPORT): libpq then connects to its default 5432, which ``failed``
    is about; the empty port is named first, and setting it is the first fix."""
    from_variable = "port" in t.from_environment and os.environ.get("PGPORT") == ""
    if t.params.get("port") != "" and not from_variable:
        return failed
    where = t.source_of("port")
    step = Manual(
        f"set the port in {where} to the server's (it is empty, so libpq connects to its "
        f"default {t.port})"
    )
    steps: list[Step] = [step, *(failed.fix.steps if failed.fix is not None else ())]
    return CheckFailed(
        failed.summary,
        why=f"the port in {where} is empty, so libpq used its default {t.port}"
        + (f"; {failed.why}" if failed.why else ""),
        fix=Fix(
            steps,
            text=(
                f"{step.render()}; if {t.address} is the right server: {failed.fix}"
                if failed.fix is not None
                else None
            ),
        ),
        facts=failed.facts,
    )


def _passfile_tilde(t: Target) -> CheckFailed | None:
    """passfile (or PGPASSFILE) begins with ``~``: libpq opens the name as written (expanding
    ``~`` is a shell's work), so it reads no password file while the one ``~`` would name
    holds the login's line."""
    written = t.passfile
    if not written.startswith("~") or os.path.exists(written):
        return None
    meant = os.path.expanduser(written)
    entry = passfile_entry(meant, t.host, t.port, t.dbname, t.user)
    if meant == written or entry is None:
        return None
    where = "PGPASSFILE" if not t.params.get("passfile") else f"passfile in {t.source}"
    change = f"write passfile={meant} (an absolute path) instead of passfile={written}"
    return CheckFailed(
        f"the server wants a password for user {t.user!r}, and libpq reads no password file: "
        f"passfile={written} ({where}) names a file libpq looks for as written, relative to "
        f"the application's working directory; {meant} (line {entry.line}) is never read",
        why="libpq does not expand ~ in passfile (a shell expands it, and only where a word "
        "begins with it; inside a connection string nothing does), so no password is sent",
        fix=fix(t.edit_key("passfile", change), text=f"{change} in {t.source}"),
    )


def needs_password(t: Target) -> CheckFailed:
    """The server asked for a password and libpq had none; a password file libpq ignored for
    its mode is named."""
    entry = passfile_entry(t.passfile, t.host, t.port, t.dbname, t.user)
    if os.path.exists(t.passfile) and not os.path.isfile(t.passfile):
        return CheckFailed(
            f"the password file {t.passfile} is not a file: libpq reads no password from it, so "
            f"none is sent for {t.user!r}",
            why="libpq takes the password file from passfile, PGPASSFILE or ~/.pgpass and skips "
            "one that is not a plain file (it warns: is not a plain file)",
            fix=fix(
                Manual(
                    f"point PGPASSFILE (or passfile in {t.source}) at a file with the line "
                    f"{t.host}:{t.port}:{t.dbname}:{t.user}:PASSWORD (mode 0600)"
                )
            ),
        )
    if entry is not None and not entry.usable:
        chmod = Command(["chmod", "600", entry.path])
        return CheckFailed(
            f"the password file {entry.path} has mode {entry.mode:04o}: libpq ignores it, so "
            f"no password is sent for {t.user!r}",
            why="libpq reads a password file only when group and others have no access to it "
            "(it warns: has group or world access; permissions should be u=rw (0600) or less)",
            fix=fix(chmod),
        )
    marked = passfile_marked_line(t.passfile, t.host, t.port, t.dbname, t.user)
    if marked is not None and marked.usable:
        strip = Command(["sed", "-i", "1s/^\\xEF\\xBB\\xBF//", marked.path])
        return CheckFailed(
            f"the server wants a password for user {t.user!r}, and libpq does not take line "
            f"{marked.line} of the password file {marked.path} ({marked.shown}): the file begins "
            "with a UTF-8 byte order mark, which libpq reads as part of that line's host field",
            why="the connection string and PGPASSWORD give no password; libpq compares each line "
            "of the password file byte for byte and skips no byte order mark (what an editor "
            f"saving 'UTF-8 with BOM' writes), so the line's host field is U+FEFF then "
            f"{marked.fields[0]}, which matches no host",
            fix=fix(
                strip,
                text=f"remove the byte order mark (the bytes EF BB BF) at the start of "
                f"{marked.path}: {strip.render()} (or save it as UTF-8 without BOM)",
            ),
        )
    near = passfile_localhost_line(t.passfile, t.host, t.port, t.dbname, t.user)
    if near is not None and near.usable:
        return CheckFailed(
            f"the server wants a password for user {t.user!r}, and libpq does not take line "
            f"{near.line} of the password file {near.path} ({near.shown}): its host field "
            f"localhost stands for libpq's default socket directory ({SOCKET_DIRS[0]}) only, "
            f"and this login goes through the socket in {t.host}",
            why="the connection string and PGPASSWORD give no password; for a Unix socket libpq "
            "matches the password file's host field against the socket's directory, reading "
            f"localhost as {SOCKET_DIRS[0]} (its compiled-in default) and any other directory by "
            "its path, so no line matches",
            fix=fix(
                Manual(
                    f"in {near.path}, write line {near.line}'s host field as {t.host} (the "
                    f"socket's directory), or add the line {t.host}:{':'.join(near.fields[1:])}"
                    ":PASSWORD above it",
                    ask="whoever owns the password file",
                )
            ),
        )
    spelled = passfile_spelling_line(t.passfile, t.host, t.port, t.dbname, t.user)
    if spelled is not None and spelled.usable:
        return CheckFailed(
            f"the server wants a password for user {t.user!r}, and libpq does not take line "
            f"{spelled.line} of the password file {spelled.path} ({spelled.shown}): its host "
            f"field {spelled.fields[0]} is not written as the connection's host {t.host}",
            why="the connection string and PGPASSWORD give no password; libpq compares the "
            "password file's host field with the host as the connection writes it (never "
            f"resolved), so {spelled.fields[0]} does not match {t.host} though both are this "
            "machine",
            fix=fix(
                Manual(
                    f"in {spelled.path}, write line {spelled.line}'s host field as {t.host}, or "
                    f"add the line {t.host}:{':'.join(spelled.fields[1:])}:PASSWORD above it",
                    ask="whoever owns the password file",
                )
            ),
        )
    tilde = _passfile_tilde(t)
    if tilde is not None:
        return tilde
    # the password file libpq reads is the one passfile / PGPASSFILE names, when one does
    named = (
        f"passfile in {t.source}"
        if t.params.get("passfile")
        else "PGPASSFILE" if os.environ.get("PGPASSFILE") else None
    )
    missing = named is not None and not os.path.exists(t.passfile)
    where = "in the password file ~/.pgpass"
    if named:
        where = (
            f"the line {t.host}:{t.port}:{t.dbname}:{t.user}:PASSWORD in the password file "
            f"{t.passfile} ({named}{': create it, mode 0600' if missing else ''})"
        )
    return CheckFailed(
        f"the server wants a password for user {t.user!r}"
        + (f", and the password file {t.passfile} ({named}) does not exist" if missing else ""),
        why="the connection string has none (nor PGPASSWORD, nor a matching line in the password "
        f"file libpq reads, {t.passfile})"
        + (
            "; with passfile or PGPASSFILE set, libpq reads that file, never ~/.pgpass"
            if named
            else ""
        ),
        fix=fix(
            t.edit_setting(
                f"put it in the connection string (postgresql://{t.user}:PASSWORD@{t.host}:"
                f"{t.port}/{t.dbname}) or {where}"
            ),
            text=f"put it in {t.source} (postgresql://{t.user}:PASSWORD@{t.host}:{t.port}/"
            f"{t.dbname}) or {where}",
        ),
    )


def tls_failed(t: Target, reason: str, deadline: float | None = None) -> CheckFailed:
    if reason == _tls.HANDSHAKE_FAILURE and deadline is not None and not t.socket:
        refused = _no_cipher(t, deadline)
        if refused is not None:
            return refused
    dated = _client_cert_dates(t, client_certificate(t)[0], reason)
    if dated is not None:
        return dated
    if reason in _tls.CLIENT_CERT_ALERTS and reason not in _CERT_ALERTS:
        return certificate_alert(t, reason, client_certificate(t)[0], f"OpenSSL said: {reason}")
    alert = _tls.received_alert(reason)
    if alert is not None:
        return CheckFailed(
            f"{t.address} accepted SSL and then ended the TLS handshake with its alert {alert} "
            f"({reason})",
            why=_tls.ALERT_WHY,
            fix=fix(
                ask_admin(
                    f"look at the server's (or the proxy's) log for the TLS alert {alert}; "
                    f"compare without TLS: {t.psql(options=None)} with sslmode=disable"
                )
            ),
        )
    return CheckFailed(
        f"the TLS handshake with {t.address} failed after the server accepted SSL: {reason}",
        why="the TLS layer failed: the server (or a proxy in front of it) answered the SSL "
        "request with 'S' and then broke off the handshake (SSL SYSCALL error / EOF in libpq)",
        fix=fix(
            ask_admin(
                f"look at the server's (or the proxy's) log for TLS errors; compare without TLS: "
                f"{t.psql(options=None)} with sslmode=disable"
            )
        ),
    )


def _no_cipher(t: Target, deadline: float) -> CheckFailed | None:
    """The server answered the ClientHello with the handshake_failure alert, and a handshake
    offering every cipher suite and group OpenSSL has fails too: the server's own settings
    leave no cipher it can use (ssl_ciphers against its certificate's key and TLS versions)."""

    def opened() -> socket.socket | None:
        raw = _pgwire.connect(t.dial, t.port, deadline)
        if _pgwire.ask_ssl(raw, deadline)[:1] != b"S":
            raw.close()
            return None
        return raw

    if _tls.any_cipher_agrees(opened, t.host) is not False:
        return None
    return CheckFailed(
        f"{t.address} agrees on no cipher suite: it ends every TLS handshake with the alert "
        f"handshake failure ({_tls.HANDSHAKE_FAILURE})",
        why="a handshake offering every cipher suite and group OpenSSL has (TLS 1.0 to 1.3, "
        "security level 0) is refused the same way, so no client gets in: the server's "
        "ssl_ciphers (TLS 1.2 and below) leave no cipher that fits its certificate's key (an EC "
        "key needs ECDSA suites, an RSA key RSA ones) within ssl_min_protocol_version / "
        "ssl_max_protocol_version",
        fix=fix(
            ask_admin(
                "set ssl_ciphers in postgresql.conf to suites for the certificate's key (the "
                "default HIGH:MEDIUM:+3DES:!aNULL), or allow TLS 1.3 (ssl_max_protocol_version), "
                "then SELECT pg_reload_conf(); see the server's log (no shared cipher)"
            )
        ),
    )


#: AuthenticationSASL, the request of a scram-sha-256 pg_hba.conf line (protocol's 'R' code 10)
_SCRAM_REQUEST = 10
_MD5_REQUEST = 5
#: the server's authentication requests (AuthenticationRequest codes) that carry no SCRAM, by the
#: pg_hba.conf method that sends them, and why no channel is bound with it
_NOT_SCRAM = {
    0: ("trust", "a trust line authenticates nobody: the server says AuthenticationOk at once"),
    3: ("password", "a password line asks for the password in clear text"),
    5: ("md5", "an md5 line asks for an MD5 hash when the role's password is stored as MD5"),
    7: ("gss", "a gss line authenticates with Kerberos"),
}
#: libpq's ``replication`` values that ask for a physical WAL sender (``database`` asks for a
#: logical one, which pg_hba.conf matches by the database's name like any login)
_PHYSICAL_REPLICATION = frozenset({"1", "true", "on", "yes"})


def _diagnosis_session(t: Target, deadline: float) -> dict[str, Any] | None:
    """psycopg.connect's arguments for a look-up as the configured role (its own password,
    settings and TLS), without the parameters that stopped its own login (no target session
    attributes, no replication connection); None when too little time is left."""
    left = deadline - time.monotonic()
    if left < 0.5:
        return None
    kwargs = t.connect_kwargs("envcheck diagnosis", left)
    kwargs.pop("replication", None)
    kwargs["target_session_attrs"] = "any"
    return kwargs


def _read_only_source(t: Target, deadline: float) -> str | None:
    """Where the role's sessions get ``default_transaction_read_only = on`` (pg_settings.source,
    read in a session of the role itself); None when it cannot be read."""
    import psycopg

    kwargs = _diagnosis_session(t, deadline)
    if kwargs is None:
        return None
    try:
        with psycopg.connect(**kwargs) as conn:
            row = conn.execute(
                "SELECT source FROM pg_settings WHERE name = 'default_transaction_read_only'"
            ).fetchone()
    except psycopg.Error:
        return None
    return str(row[0]) if row else None


def _read_only_primary(t: Target, wanted: str, deadline: float | None) -> CheckFailed:
    """``target_session_attrs=read-write`` and a primary (not in hot standby) whose sessions
    for this login start read-only: libpq reads ``default_transaction_read_only`` from the
    server's ParameterStatus (PostgreSQL 14 and later report it) and refuses the session."""
    source = _read_only_source(t, deadline) if deadline is not None else None
    place = setting_place(t, source) if source else "for these sessions"
    undo = reset_setting(t, "default_transaction_read_only", source or "")
    keep = (
        f"or, if {t.user!r} is meant to be read-only, drop target_session_attrs={wanted} from "
        f"{t.source_of('target_session_attrs')}"
    )
    return CheckFailed(
        f"{t.address} is a primary, but sessions of {t.login} are read-only: "
        f"default_transaction_read_only is on {place}, and target_session_attrs={wanted}"
        f"{_set_by(t, 'target_session_attrs')} refuses a read-only session",
        why="libpq asks the server's ParameterStatus for default_transaction_read_only and "
        "in_hot_standby at login (PostgreSQL 14 and later report both) and, for read-write, "
        "takes only a session that may write; envcheck's own login without "
        "target_session_attrs was let in (in_hot_standby off, default_transaction_read_only on)",
        fix=Fix(undo.steps, text=f"{undo}; {keep}"),
    )


def _walsender_refused(t: Target, deadline: float) -> CheckFailed | None:
    """``replication=database`` (a logical replication connection: the server starts a WAL
    sender) for a role without the REPLICATION attribute (postinit.c: 42501 after
    authentication); the role's attributes read in a session of its own without it."""
    import psycopg

    kwargs = _diagnosis_session(t, deadline)
    if kwargs is None:
        return None
    try:
        with psycopg.connect(**kwargs) as conn:
            row = conn.execute(
                "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
    except psycopg.Error:
        return None
    if row is None or row[0]:
        return None
    grant = f"ALTER ROLE {ident(t.user)} REPLICATION"
    drop = (
        f"drop replication=database from {t.source_of('replication')} (an application's "
        "connection is no replication connection)"
    )
    step = t.superuser_sql(grant)
    return CheckFailed(
        f"replication=database asks {t.address} for a logical replication connection (a WAL "
        f"sender), which only a role with the REPLICATION attribute (or a superuser) may "
        f"open, and role {t.user!r} has none; the same login without it is let in",
        why="libpq sends replication=database in the startup packet; the server starts a WAL "
        "sender for it and ends the login of a role without REPLICATION (SQLSTATE 42501); "
        "pg_roles.rolreplication is false for this role, read in a session of its own",
        fix=Fix(
            [t.edit_setting(drop)],
            text=f"{drop}; or, if a replication connection is meant, as a superuser: "
            f"{step.render()}",
        ),
    )


def _walsender_slots(t: Target, got_in: _pgwire.Attempt, deadline: float) -> CheckFailed | None:
    """The DSN's ``replication`` asks for a WAL sender, and the server has no WAL sender slot
    left: proc.c ``InitProcess`` takes a WAL sender's PGPROC from a pool of max_wal_senders
    entries and answers 53300 when it is empty, before authentication and before pg_hba.conf
    (the same code and routine as ``sorry, too many clients already`` for the backends' pool:
    which request was sent tells them apart). Told by envcheck's own login with the same
    ``replication`` in its startup packet, over the transport that let it in without."""
    value = t.params.get("replication") or ""
    try:
        attempt = _pgwire.login_attempt(
            t.host if t.socket else t.dial,
            t.port,
            user=t.user,
            dbname=t.dbname,
            password=t.password,
            tls=tls_context(t) if got_in.ssl else None,
            server_hostname=t.host,
            deadline=deadline,
            startup=(*startup_params(t), ("replication", value)),
        )
    except (ssl.SSLError, _pgwire.ProbeError, OSError):
        return None
    if attempt is None or attempt.sqlstate != "53300" or attempt.routine != "InitProcess":
        return None
    logical = value.lower() == "database"
    senders = _walsender_count(t, deadline)
    limit = senders[0] if senders else None
    shown = f" (max_wal_senders = {limit}, {senders[1]} in use)" if senders else ""
    wanted = max(10, 2 * int(limit)) if limit and limit.isdigit() else 10
    raise_it = t.superuser_sql(f"ALTER SYSTEM SET max_wal_senders = {wanted}")
    drop = f"drop replication={value} (an application's connection is no replication connection)"
    kind = "a logical replication connection" if logical else "a physical replication connection"
    said = _said(attempt.message, attempt.detail)
    if logical:
        fix_text = (
            f"if the application streams changes (logical decoding), as a superuser: "
            f"{raise_it.render()} and restart the server (max_wal_senders needs a restart), or "
            f"end an idle WAL sender (pg_stat_replication); otherwise {drop} from "
            f"{t.source_of('replication')}"
        )
    else:
        fix_text = (
            f"{drop} from {t.source_of('replication')}; a standby or a backup tool that needs "
            f"one needs a free WAL sender slot ({raise_it.render()} as a superuser, then a "
            "restart) and a pg_hba.conf line whose database is the keyword replication"
        )
    return CheckFailed(
        f"replication={value} asks {t.address} for {kind} (a WAL sender), and the server has "
        f"no WAL sender slot free{shown}: it ends the login (SQLSTATE 53300)",
        why="libpq sends replication in the startup packet; the server takes a WAL sender's "
        "process slot from a pool of max_wal_senders slots, apart from the backends' slots, and "
        "ends the login when none is free, before authentication (envcheck's own login with "
        f"replication={value} met the same; without it, it is let in)" + said,
        fix=fix(t.edit_setting(drop), text=fix_text),
    )


def _walsender_count(t: Target, deadline: float) -> tuple[str, int] | None:
    """max_wal_senders and the WAL senders running (pg_stat_replication's rows, which any role
    sees), read in a session of the role's own without replication."""
    import psycopg

    kwargs = _diagnosis_session(t, deadline)
    if kwargs is None:
        return None
    try:
        with psycopg.connect(**kwargs) as conn:
            row = conn.execute(
                "SELECT current_setting('max_wal_senders'), "
                "(SELECT count(*) FROM pg_stat_replication)"
            ).fetchone()
    except psycopg.Error:
        return None
    return (str(row[0]), int(row[1])) if row else None


def _set_by(t: Target, key: str) -> str:
    """`` (from PGNAME)`` when libpq's environment, not the connection string, sets ``key``."""
    name = t.from_environment.get(key)
    return f" (from {name}, libpq's environment)" if name else ""


def _client_refused(
    t: Target,
    attempts: dict[str, _pgwire.Attempt | None],
    exc: Exception,
    deadline: float | None = None,
) -> CheckFailed | None:
    """The server let envcheck's probe in, so libpq stopped for a rule of the connection
    string: ``target_session_attrs``, ``channel_binding``, ``require_auth``, ``replication``."""
    got_in = [a for a in attempts.values() if a is not None and a.stage == _pgwire.READY]
    physical = (t.params.get("replication") or "").lower() in _PHYSICAL_REPLICATION
    logical = (t.params.get("replication") or "").lower() == "database"
    if got_in and (physical or logical) and deadline is not None:
        slots = _walsender_slots(t, got_in[0], deadline)
        if slots is not None:
            return slots
    if got_in and logical and deadline is not None:
        refused = _walsender_refused(t, deadline)
        if refused is not None:
            return refused
    if got_in and physical:
        return CheckFailed(
            f"replication={t.params['replication']} asks {t.address} for a physical "
            f"replication connection (a WAL sender), and pg_hba.conf does not let {t.user!r} "
            "make one; the same login without it is let in",
            why="libpq sends replication in the startup packet; pg_hba.conf matches a physical "
            "replication connection only by a line whose database is the keyword replication "
            "(not all, not the database's name), and such a connection runs no SQL an "
            "application needs",
            fix=fix(
                t.edit_setting(
                    f"drop replication={t.params['replication']} (an application's connection "
                    "is no replication connection)"
                )
            ),
        )
    if got_in and (t.params.get("sslnegotiation") or os.environ.get("PGSSLNEGOTIATION")) == (
        "direct"
    ):
        version = got_in[0].status.get("server_version", "")
        major = version.split(".")[0]
        older = major.isdigit() and int(major) < 17
        return CheckFailed(
            f"sslnegotiation=direct, and {t.address} "
            + (
                f"is PostgreSQL {version}: direct SSL needs PostgreSQL 17 or later"
                if older
                else "let envcheck in with the usual SSL negotiation only"
            ),
            why="with sslnegotiation=direct libpq starts TLS at once instead of asking with "
            f"SSLRequest; libpq said: {' '.join(str(exc).split())}",
            fix=fix(t.edit_setting("drop sslnegotiation=direct (or set sslnegotiation=postgres)")),
        )
    wanted = t.params.get("target_session_attrs") or os.environ.get("PGTARGETSESSIONATTRS")
    if got_in and wanted in ("read-write", "primary"):
        status = got_in[0].status
        # fe-connect.c: "primary" reads in_hot_standby only; "read-write" also reads
        # default_transaction_read_only (a read-only session on a primary is a primary)
        read_only = wanted == "read-write" and status.get("default_transaction_read_only") == "on"
        if wanted == "read-write" and status.get("in_hot_standby") != "on" and read_only:
            return _read_only_primary(t, wanted, deadline)
        if status.get("in_hot_standby") == "on" or read_only:
            standby = status.get("in_hot_standby") == "on"
            hosts = ", ".join(f"{h}:{p}" for h, p, _ in t.candidates) or t.address
            return CheckFailed(
                f"no host of {t.source} is a writable primary ({hosts}): target_session_attrs="
                f"{wanted}{_set_by(t, 'target_session_attrs')} refuses "
                + ("a hot standby" if standby else "a read-only session"),
                why="libpq connects only to a server whose sessions are read-write; "
                + (
                    "this one is a standby (in recovery)"
                    if standby
                    else "default_transaction_read_only is on"
                ),
                fix=fix(
                    t.edit_key(
                        "target_session_attrs",
                        "add the primary's host (or drop target_session_attrs)",
                    )
                ),
            )
    if got_in and wanted in ("standby", "read-only"):
        status = got_in[0].status
        standby = status.get("in_hot_standby") == "on"
        read_only = standby or status.get("default_transaction_read_only") == "on"
        if not (standby if wanted == "standby" else read_only):
            hosts = ", ".join(f"{h}:{p}" for h, p, _ in t.candidates) or t.address
            return CheckFailed(
                f"no host of {t.source} is a "
                + ("standby" if wanted == "standby" else "read-only server")
                + f" ({hosts}): target_session_attrs={wanted}"
                + f"{_set_by(t, 'target_session_attrs')} refuses a writable primary",
                why="libpq connects only to a server in hot standby (standby) or whose sessions "
                "are read-only (read-only); this one is a primary",
                fix=fix(
                    t.edit_key(
                        "target_session_attrs",
                        "add the standby's host, or use target_session_attrs=prefer-standby "
                        "(falls back to the primary)",
                    )
                ),
            )
    if t.params.get("gssencmode") == "require":
        return CheckFailed(
            f"gssencmode=require, and this client cannot encrypt with GSSAPI for {t.login}",
            why="libpq needs Kerberos credentials (a credential cache: kinit) and a server built "
            "with GSSAPI to encrypt with it; it stops before logging in",
            fix=fix(
                t.edit_setting(
                    "drop gssencmode=require (or get a Kerberos ticket with kinit first)"
                )
            ),
        )
    binding = t.params.get("channel_binding") or os.environ.get("PGCHANNELBINDING")
    if binding == "require":
        # the login's pg_hba.conf line already asks for SCRAM: only SSL is missing
        scram = any(a is not None and a.asked == _SCRAM_REQUEST for a in attempts.values())
        line = "" if scram else " (and a scram-sha-256 pg_hba.conf line)"
        over_ssl = [a for a in got_in if a.ssl]
        asked = over_ssl[0].asked if over_ssl else None
        if over_ssl and asked != _SCRAM_REQUEST:
            # SSL is there; the server's authentication request (none: trust) has no SCRAM
            method, why = _NOT_SCRAM.get(asked or 0, (f"method {asked}", ""))
            return CheckFailed(
                f"channel_binding=require{_set_by(t, 'channel_binding')}, and {t.address} "
                f"accepts this login without SCRAM over SSL: the pg_hba.conf line it matches is "
                f"{method}",
                why=f"channel binding is part of the SCRAM exchange (SCRAM-SHA-256-PLUS); {why}, "
                "so libpq refuses the server it cannot authenticate",
                fix=fix(
                    t.edit_key(
                        "channel_binding",
                        "drop channel_binding=require for this server (or set "
                        f"channel_binding=prefer), or have it matched by a scram-sha-256 "
                        f"pg_hba.conf line instead of {method}"
                        + (
                            " (or, behind the md5 line, set the role's password again with "
                            "password_encryption = scram-sha-256: an md5 line runs SCRAM for a "
                            "SCRAM secret)"
                            if asked == _MD5_REQUEST
                            else ""
                        ),
                    )
                ),
            )
        return CheckFailed(
            f"channel_binding=require{_set_by(t, 'channel_binding')}, and {t.address} "
            + (
                "accepts this login without SCRAM over SSL"
                if got_in
                else "does not offer SCRAM with channel binding here"
            ),
            why="channel binding needs SSL and the scram-sha-256 method; libpq stops otherwise",
            fix=fix(
                t.edit_key(
                    "channel_binding",
                    f"use sslmode=require{line}, or drop channel_binding=require",
                )
            ),
        )
    required = t.params.get("require_auth")
    methods = {a.asked for a in attempts.values() if a is not None}
    if required and not all(_require_auth_allows(required, _AUTH_NAMES.get(m)) for m in methods):
        used = ", ".join(sorted({_AUTH_NAMES.get(m, str(m)) for m in methods}))
        # the probe got in without being asked for anything: its pg_hba.conf line is trust
        trusted = " (its pg_hba.conf line is trust: no password is asked)" if used == "none" else ""
        return CheckFailed(
            f"require_auth={required}, and {t.address} asks for {used} for {t.user!r}{trusted}",
            why="libpq refuses a server that authenticates with another method than "
            "require_auth allows",
            fix=fix(
                t.edit_setting(
                    f"allow the server's method in require_auth ({used}), or "
                    "ask for a pg_hba.conf line with the required method"
                )
            ),
        )
    if got_in and deadline is not None:
        return _certificate_not_requested(t, deadline)
    return None


#: the pg_hba.conf method behind each authentication request code, by libpq's require_auth names
_AUTH_NAMES: dict[int | None, str] = {
    None: "none",
    0: "none",
    3: "password",
    5: "md5",
    7: "gss",
    9: "sspi",
    10: "scram-sha-256",
}


def _require_auth_allows(required: str, method: str | None) -> bool:
    """Whether libpq's ``require_auth`` list (fe-connect.c: methods, or methods each negated
    with ``!``) lets a server authenticate with ``method``; an unknown method is not allowed."""
    items = [m.strip().lower() for m in required.split(",") if m.strip()]
    refused = [m[1:] for m in items if m.startswith("!")]
    if method is None:
        return False
    return method not in refused if refused else method in items


def _certificate_not_requested(t: Target, deadline: float) -> CheckFailed | None:
    """``sslcertmode=require`` at a server that asks for no client certificate (it sends a
    CertificateRequest only with ssl_ca_file set): libpq fails the login once the server let
    it in. Told by the request sent: the same login with sslcertmode=allow gets in."""
    import psycopg

    if (t.params.get("sslcertmode") or os.environ.get("PGSSLCERTMODE")) != "require":
        return None
    kwargs = _diagnosis_session(t, deadline)
    if kwargs is None:
        return None
    kwargs["sslcertmode"] = "allow"
    try:
        psycopg.connect(**kwargs).close()
    except psycopg.Error:
        return None
    return CheckFailed(
        f"sslcertmode=require{_set_by(t, 'sslcertmode')}, and {t.address} asks for no client "
        "certificate: libpq ends the login it was let into",
        why="with sslcertmode=require libpq fails a connection in which the server did not "
        "request a client certificate (a PostgreSQL server asks for one only when ssl_ca_file "
        "is set); the same login with sslcertmode=allow gets in",
        fix=fix(
            t.edit_key(
                "sslcertmode",
                "drop sslcertmode=require (or set sslcertmode=allow); or have the server ask "
                "for certificates (ssl_ca_file in postgresql.conf, then a reload)",
            )
        ),
    )


@dataclass(frozen=True)
class Listed:
    """pg_database's row of a database the server answered 3D000 for: its files are gone."""

    owner: str
    tablespace: str


def _can_create_db(t: Target) -> tuple[bool | None, list[str], Listed | None]:
    """Whether the role may create databases, the databases whose name differs from the
    wanted one only in case, and pg_database's row of the wanted name itself (InitPostgres
    answers 3D000 for a listed database whose directory is missing), asked in the maintenance
    database."""
    import psycopg

    kwargs = t.connect_kwargs("envcheck diagnosis", 2)
    kwargs["dbname"] = "postgres"
    try:
        with psycopg.connect(**kwargs) as conn:
            row = conn.execute(
                "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
            similar = conn.execute(
                "SELECT datname FROM pg_database WHERE lower(btrim(datname, E' \\t\\r\\n')) = "
                "lower(btrim(%s, E' \\t\\r\\n')) AND datname <> %s ORDER BY 1",
                (t.dbname, t.dbname),
            ).fetchall()
            exact = conn.execute(
                "SELECT pg_get_userbyid(d.datdba), s.spcname FROM pg_database d "
                "JOIN pg_tablespace s ON s.oid = d.dattablespace WHERE d.datname = %s",
                (t.dbname,),
            ).fetchone()
    except psycopg.Error:
        return None, [], None
    names = [str(r[0]) for r in similar]
    listed = Listed(str(exact[0]), str(exact[1])) if exact else None
    return (bool(row[0]) if row else None), names, listed


# -- why a check's query failed ------------------------------------------------------------------


def replica(t: Target, primary: str | None) -> CheckFailed:
    """A server in recovery: name its primary when this role may see it."""
    shown = f" (its primary: {primary})" if primary else ""
    query = "SELECT sender_host, sender_port FROM pg_stat_wal_receiver"
    return CheckFailed(
        f"{t.address} is a read-only replica (in recovery){shown}",
        why="a standby replays the primary's changes and accepts no writes",
        fix=fix(
            t.edit_setting("point the connection at the primary server"),
            text=f"point {t.source} at the primary server; on the replica, "
            f"`{t.psql(query, user=SUPERUSER)}` names it",
        ),
    )


#: how a session default is undone, by where pg_settings says it was set
_RESET = {
    "user": "ALTER ROLE {user} RESET {name}",
    "database": "ALTER DATABASE {dbname} RESET {name}",
    "database user": "ALTER ROLE {user} IN DATABASE {dbname} RESET {name}",
    "configuration file": "ALTER SYSTEM SET {name} = DEFAULT",
}


def setting_place(t: Target, setting_source: str) -> str:
    return {
        "user": f"for role {t.user} (ALTER ROLE ... SET)",
        "database": f"for database {t.dbname} (ALTER DATABASE ... SET)",
        "database user": f"for role {t.user} in database {t.dbname}",
        "client": f"by the connection itself (options in {t.source}, or PGOPTIONS)",
        "configuration file": "in the server's configuration (postgresql.conf)",
        "default": "by default (the server's built-in value)",
    }.get(setting_source, f"(source: {setting_source})")


def reset_setting(t: Target, name: str, setting_source: str, value: str = "off") -> Fix:
    """The fix that undoes session default ``name`` where it is set, run by whoever may (the
    role itself for its own defaults; the owner or a superuser for a database's; a superuser for
    the server's), in a session where the setting itself is off."""
    statement = _RESET.get(setting_source, "")
    # the fixing session must not be stopped by what it fixes
    stops = name in TIMEOUTS or name in ("default_transaction_read_only", "role")
    options = f"-c {name}={value}" if stops else None
    if setting_source == "client":
        return fix(t.edit_setting(f"remove -c {name}=... from options (and from PGOPTIONS)"))
    if not statement:
        return fix(Manual(f"{t.psql('SHOW ' + name)} and find where it is set", ask=ADMIN))
    sql = statement.format(user=ident(t.user), dbname=ident(t.dbname), name=name)
    if setting_source == "user" or setting_source == "database user":
        step = t.sql(sql, options=options)
        steps: list[Step] = [step]
    elif setting_source == "database":
        step = t.sql(sql, role=SUPERUSER, needs={"superuser"}, options=options)
        steps = [step]
    else:
        step = t.sql(sql, role=SUPERUSER, database="postgres", needs={"superuser"}, options=options)
        steps = [step, t.superuser_sql("SELECT pg_reload_conf()")]
    text = "; then ".join(s.render() for s in steps)
    if setting_source == "database":
        text = f"as the database's owner or a superuser: {text}"
    if setting_source == "configuration file":
        text += " (or edit postgresql.conf and reload)"
    return Fix(steps, text=text)


def read_only_sessions(
    t: Target, setting_source: str, elsewhere: tuple[str, ...] = ()
) -> CheckFailed:
    """Transactions are read-only by default: say where that is set, and how to undo it there;
    ``elsewhere``: the further places that set it on (pg_db_role_setting's scopes below the one
    in effect), each of which takes over once the one above is undone, so each is undone."""
    name = "default_transaction_read_only"
    also = "".join(f", and also {setting_place(t, place)}" for place in elsewhere)
    fixes = [reset_setting(t, name, place) for place in (setting_source, *elsewhere)]
    repair = fixes[0]
    if elsewhere:
        repair = Fix(
            [step for each in fixes for step in each.steps],
            text="; then ".join(
                each.text or "; ".join(s.render() for s in each.steps) for each in fixes
            ),
        )
    return CheckFailed(
        f"sessions on {t.login} are read-only: {name} is on {setting_place(t, setting_source)}"
        + also,
        why="every transaction starts read-only, so the application's writes fail"
        + (
            f"; undone in one place, the next one of the {len(fixes)} places takes over"
            if elsewhere
            else ""
        ),
        fix=repair,
    )


#: pg_db_role_setting's rows for this session's role and database that set a setting, by the
#: scope pg_settings.source names (guc.c applies database user, then user, then database)
_SCOPES = """
SELECT CASE WHEN s.setrole <> 0 AND s.setdatabase <> 0 THEN 'database user'
            WHEN s.setrole <> 0 THEN 'user' ELSE 'database' END, split_part(cfg, '=', 2)
FROM pg_db_role_setting s CROSS JOIN LATERAL unnest(s.setconfig) AS cfg
WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
  AND s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = session_user))
  AND NOT (s.setrole = 0 AND s.setdatabase = 0)
  AND lower(split_part(cfg, '=', 1)) = %s
ORDER BY s.setrole = 0, s.setdatabase = 0
"""
#: the spellings of true that guc.c's parse_bool reads (any prefix of true, yes; on; 1)
_TRUE = ("t", "tr", "tru", "true", "y", "ye", "yes", "on", "1")


def read_only_elsewhere(conn: psycopg.Connection[Any], setting_source: str) -> tuple[str, ...]:
    """The role's and database's settings (pg_db_role_setting, readable by every role) that
    also turn default_transaction_read_only on, below the place ``setting_source`` in effect."""
    import psycopg

    try:
        rows = conn.execute(_SCOPES, ("default_transaction_read_only",)).fetchall()
    except psycopg.Error:
        return ()
    found = [str(scope) for scope, value in rows if str(value).strip().lower() in _TRUE]
    return tuple(place for place in dict.fromkeys(found) if place != setting_source)


#: the timeouts that cancel a statement or end a session, and what each stops
TIMEOUTS = {
    "statement_timeout": "every statement that runs longer is cancelled (57014)",
    "lock_timeout": "every statement that waits longer for a lock is cancelled (55P03)",
    "idle_session_timeout": "a session idle for longer is closed by the server (57P05)",
    "idle_in_transaction_session_timeout": "a session idle inside a transaction for longer is "
    "closed by the server (25P03)",
}


def no_python_codec(t: Target, encoding: str, setting_source: str) -> CheckFailed:
    """The session's ``client_encoding`` is one the server converts to but Python has no codec
    for: psycopg encodes each query and decodes each answer with a Python codec, so every
    statement fails in the client (NotSupportedError) before it is sent."""
    place = (
        f"by the connection itself (client_encoding in {t.source_of('client_encoding')})"
        if setting_source == "client"
        else setting_place(t, setting_source)
    )
    if setting_source == "client":
        how = fix(t.edit_key("client_encoding", "set client_encoding=UTF8 (or remove it)"))
    else:
        how = reset_setting(t, "client_encoding", setting_source)
    return CheckFailed(
        f"the session's client_encoding is {encoding}, set {place}: psycopg cannot use it "
        "(Python has no codec for it)",
        why=f"the server converts text to {encoding} for this session, and psycopg encodes "
        "every query and decodes every answer with a Python codec: each statement of the "
        "application fails in the client (NotSupportedError) before it reaches the server",
        fix=how,
        facts={"client_encoding": encoding, "client_encoding_source": setting_source},
    )


def collation_mismatch(t: Target, recorded: str, actual: str | None) -> tuple[str, str, Fix]:
    """A database whose recorded collation version (``pg_database.datcollversion``) is not the
    one the collation library provides now (postinit.c warns at every login): its text indexes
    may be ordered by other rules than the queries use. Summary, why and the fix (REINDEX, then
    record the version, as the database's owner or a superuser)."""
    now = f"the library now provides {actual}" if actual else "the library now provides none"
    reindex = t.sql(f"REINDEX DATABASE {ident(t.dbname)}", role=SUPERUSER, needs={"superuser"})
    refresh = t.sql(
        f"ALTER DATABASE {ident(t.dbname)} REFRESH COLLATION VERSION",
        role=SUPERUSER,
        needs={"superuser"},
    )
    steps: list[Step] = [reindex, refresh]
    return (
        f"database {t.dbname} has a collation version mismatch: it was created with collation "
        f"version {recorded}, {now}",
        "the collation library (glibc or ICU) changed since the database recorded its version: "
        "indexes on text built with the old ordering may return wrong results or miss rows, "
        "and the server warns at every login",
        Fix(
            steps,
            text="as the database's owner or a superuser, rebuild what uses the default "
            "collation, then record the version: "
            + "; then ".join(step.render() for step in steps),
        ),
    )


def short_timeout(t: Target, name: str, ms: int, setting_source: str) -> Fix:
    return reset_setting(t, name, setting_source, value="0")


def timed_out(t: Target, name: str, ms: int, setting_source: str, what: str) -> CheckFailed:
    """A check's statement was stopped by one of :data:`TIMEOUTS`."""
    return CheckFailed(
        f"{what} on {t.login} was stopped by {name} = {ms} ms, set "
        f"{setting_place(t, setting_source)}",
        why=f"{TIMEOUTS[name]}: the connection was not lost; the application's statements meet "
        "the same limit",
        fix=short_timeout(t, name, ms, setting_source),
    )


def cancelled(t: Target, ms: int, setting_source: str, elapsed_ms: float, what: str) -> CheckFailed:
    """57014 (query_canceled) within less time than statement_timeout (``ms``; 0: none set):
    postgres.c ``ProcessInterrupts`` sends the same code for a statement timeout and for a
    cancel request, and a statement that ran less than the timeout was not stopped by it."""
    limit = (
        f"statement_timeout is {ms} ms, set {setting_place(t, setting_source)}"
        if ms
        else "no statement_timeout is set"
    )
    query = (
        "SELECT pid, usename, application_name, client_addr, state, query FROM pg_stat_activity "
        "WHERE pid <> pg_backend_pid() ORDER BY backend_start"
    )
    return CheckFailed(
        f"{what} on {t.login} was cancelled by a cancel request after {elapsed_ms / 1000:.1f} s, "
        f"not by a timeout ({limit})",
        why="57014 (query_canceled) is the server's answer to a statement_timeout and to a "
        "cancel request alike: pg_cancel_backend() from another session, or a client's own "
        "cancel (a pooler's query_timeout, a driver's timeout); envcheck sent none, and its "
        f"statement had run {elapsed_ms:.0f} ms, less than statement_timeout, so something else "
        "cancelled it (a watchdog, an administrator, a pooler)",
        fix=fix(
            Manual(
                "find the session or program that cancels this role's statements (it may do so "
                "to the application too): the sessions that run now are in "
                f"`{t.psql(query, user=SUPERUSER)}` (pg_stat_activity); with "
                "log_min_error_statement = error the server's log shows each cancelled statement",
                ask=ADMIN,
            )
        ),
    )


def query_failed(t: Target, exc: psycopg.Error, what: str) -> CheckFailed:
    """A query error no verdict covers: its class and layer, the server's words, where to look."""
    code = getattr(exc, "sqlstate", None) or ""
    diag = getattr(exc, "diag", None)
    words = str(getattr(diag, "message_primary", None) or exc).strip()
    words = (words.splitlines() or [type(exc).__name__])[0]
    name, layer = CLASSES.get(code[:2], ("", "server"))
    pooled = pooler_refused(t, code, words)
    if pooled is not None:
        return pooled
    if code == "08P01" and diag is not None and not from_backend(diag):
        return pooler_answered(t, code, words, what)
    if code == "08P01" and (t.libpq_value("replication") or "").lower() == "database":
        return walsender_session(t, words, what)
    if code == "53100":
        summary = f"{what} on {t.login} failed: the server's disk is full (SQLSTATE 53100)"
    elif code == "53200":
        summary = f"{what} on {t.login} failed: the server is out of memory (SQLSTATE 53200)"
    elif code in ("57P01", "57P02", "57P04"):
        summary = (
            f"the server ended envcheck's session on {t.login} during {what} (SQLSTATE {code}: "
            "an administrator's pg_terminate_backend, a crash or a shutdown, or the database "
            "was dropped)"
        )
    else:
        shown = f"SQLSTATE {code}{': ' + name if name else ''}" if code else type(exc).__name__
        summary = f"the server refused {what} on {t.login} ({shown})"
    return CheckFailed(
        summary,
        why=f"the {layer} layer failed; the server said: {words}",
        fix=fix(
            Manual(
                f"look at the server's log around this time for this SQLSTATE; compare with: "
                f"{t.psql()}",
                ask=ADMIN,
            )
        ),
    )


def answer_broken(t: Target, exc: BaseException, what: str) -> CheckFailed:
    """libpq's own error for a query, without a SQLSTATE (every error the server sends carries
    one; libpq's protocol checks in fe-protocol3.c do not): the answer broke the protocol, or
    the connection closed mid-answer without an ErrorResponse."""
    words = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    closed = isinstance(exc, psycopg_operational())
    summary = (
        f"the connection to {t.login} closed during {what} without an ErrorResponse"
        if closed
        else f"the answer to {what} on {t.login} broke the PostgreSQL protocol"
    )
    return CheckFailed(
        f"{summary}: {words}",
        why="the protocol layer failed: libpq's own error, with no SQLSTATE"
        + (
            " (a server that ends a session says why first): the server process died (its "
            "log says why), or something between closed the connection"
            if closed
            else ": the bytes of the answer are not what PostgreSQL sends (a proxy, pooler or "
            "load balancer in between, or a fault of the server)"
        ),
        fix=fix(
            ask_admin(
                f"look at the server's log around this time, and at what listens on {t.address} "
                f"(a proxy or pooler in front of PostgreSQL); compare with: {t.psql()}"
            )
        ),
    )


def answer_stalled(t: Target, what: str, said: str, seconds: float) -> CheckFailed:
    """No complete answer to ``what`` before the check's deadline (envcheck cut the wait):
    with libpq's words of a protocol error it met and waited on after, the protocol layer;
    without, a server that did not answer."""
    look = ask_admin(
        f"look at the server's log and pg_stat_activity, and at what listens on {t.address} "
        f"(a proxy or pooler in front of PostgreSQL); compare with: {t.psql()}"
    )
    words = (said.splitlines() or [""])[0]
    if words:
        return CheckFailed(
            f"the answer to {what} on {t.login} broke the PostgreSQL protocol: {words}",
            why="the protocol layer failed: libpq met bytes that are not PostgreSQL's (no "
            f"SQLSTATE) and waited for the rest of the answer, which did not come within "
            f"{seconds:g} s (a proxy, pooler or load balancer in between, or a fault of the "
            "server)",
            fix=fix(look),
        )
    return CheckFailed(
        f"no answer to {what} on {t.login} within {seconds:g} s",
        why="the server (or something between) holds the query: a lock, a slow statement, "
        "or a stalled connection; envcheck cut the wait",
        fix=fix(look),
    )


def psycopg_operational() -> type[BaseException]:
    import psycopg

    return psycopg.OperationalError


# -- a pooler's own refusals (PgBouncer) ----------------------------------------------------------

#: the server's words (auth.c, ClientAuthentication) for a line with clientcert=verify-ca or
#: verify-full, or the cert method, met without a client certificate: the same 28000 and routine
#: as a missing pg_hba.conf line, so only the words tell them apart
CLIENT_CERT_REQUIRED = "connection requires a valid client certificate"


def client_certificate_required(t: Target, said: str) -> CheckFailed:
    """28000: pg_hba.conf's line asks for a client certificate and the login sent none."""
    cert, _ = client_certificate(t)
    hba = pg_hba_refuses(t, said, ssl_helps=None)
    if t.libpq_value("sslcertmode") == "disable" and cert and os.path.isfile(cert):
        drop = f"drop sslcertmode=disable{_set_by(t, 'sslcertmode')} (libpq then sends {cert})"
        return CheckFailed(
            f"pg_hba.conf's line for {t.login} requires a client certificate, and "
            f"sslcertmode=disable{_set_by(t, 'sslcertmode')} keeps libpq from sending the one "
            f"{t.source} names ({cert})",
            why="with sslcertmode=disable libpq never sends a client certificate, even when "
            "sslcert and sslkey name one; the server's line (cert, or clientcert=verify-ca/"
            "verify-full) then ends the login" + said,
            fix=fix(t.edit_key("sslcertmode", drop), text=drop),
        )
    sends = f"sends {cert}, which the server did not accept" if cert else "sends none"
    text = (
        f"set sslcert= and sslkey= in {t.source} to a client certificate and its key signed by "
        f"the CA in the server's ssl_ca_file (its CN must be {t.user} for clientcert=verify-full "
        "or the cert method); ask the database administrator for one"
    )
    steps = list(hba.fix.steps) if hba.fix is not None else []
    return CheckFailed(
        f"pg_hba.conf's line for {t.login} requires a client certificate (a line that requires "
        f"a client certificate: clientcert=verify-ca/verify-full or the cert method), and "
        f"{t.source} {sends}",
        why="libpq sends a client certificate only when sslcert and sslkey (or "
        "~/.postgresql/postgresql.crt and .key) exist; the server then checks it against its "
        "ssl_ca_file before the line's method runs" + said,
        fix=Fix(
            [t.edit_setting(text), *steps],
            text=f"{text}; or {hba.hint}" if hba.hint else text,
        ),
    )


#: PgBouncer's own refusals (src/client.c, src/objects.c, src/janitor.c: disconnect_client /
#: send_pooler_error): every one is SQLSTATE 08P01 with its fixed English words, so only the
#: words tell them apart. Each: its words, what they mean, what the pooler's administrator does.
POOLER_WORDS: dict[str, tuple[str, str]] = {
    "no more connections allowed (max_client_conn)": (
        "its max_client_conn is reached: it accepts no more client connections",
        "max_client_conn in pgbouncer.ini's [pgbouncer] section limits the client connections "
        "of all databases together (the pooler's limit, not the server's max_connections)",
    ),
    "no such database: %s": (
        "the [databases] section of its pgbouncer.ini lists no database {db!r} (and no '*' "
        "entry for any database)",
        "PgBouncer serves only the databases its [databases] section names; the server behind "
        "it may well have the database",
    ),
    "query_wait_timeout": (
        "it got no server connection for this session within its query_wait_timeout",
        "PgBouncer holds a client until a server connection is free: the server behind it is "
        "down or refuses PgBouncer's own login (a stale password for the role in its "
        "auth_file), or the pool is full (default_pool_size, "
        "max_db_connections or max_user_connections sessions all in use)",
    ),
    "server login has been failing, try again later (server_login_retry)": (
        "its own logins to the PostgreSQL server behind it have been failing",
        "PgBouncer logs in to the server with the role's password from its auth_file (or "
        "auth_query); when that login fails (a password changed on the server but not in the "
        "auth_file, the server down or refusing the pooler) it refuses sessions for "
        "server_login_retry seconds, else it lets them wait up to query_wait_timeout",
    ),
    "client_login_timeout (server down)": (
        "the PostgreSQL server behind it did not answer within client_login_timeout",
        "PgBouncer could not reach the server its [databases] entry names",
    ),
    'database "%s" is disabled': (
        "its database {db!r} is disabled (DISABLE on its admin console)",
        "PgBouncer refuses every new client of a database DISABLEd on its admin console until "
        "an ENABLE",
    ),
    "transaction blocks not allowed in statement pooling mode": (
        "it pools this database in statement mode (pool_mode = statement), which refuses every "
        "transaction block",
        "psycopg outside autocommit, Django and SQLAlchemy open a transaction for their "
        "statements; statement pooling hands each statement to any server connection",
    ),
    "SASL authentication failed": (
        "the password for {user} is not the one its auth_file (or auth_query) holds",
        "PgBouncer checks the client's password itself, against its auth_file or auth_query's "
        "answer, before any server connection; a user it does not list is refused the same way",
    ),
    "password authentication failed": (
        "the password for {user} is not the one its auth_file (or auth_query) holds",
        "PgBouncer checks the client's password itself, against its auth_file or auth_query's "
        "answer, before any server connection; a user it does not list is refused the same way",
    ),
}

#: what to look at, for each refusal above (the pooler's administrator)
_POOLER_FIX = {
    "no more connections allowed (max_client_conn)": (
        "raise max_client_conn in pgbouncer.ini's [pgbouncer] section and reload PgBouncer "
        "(RELOAD on its admin console, or systemctl reload pgbouncer), or close idle clients "
        "(SHOW CLIENTS on the admin console lists them)"
    ),
    "no such database: %s": (
        "add '{db} = host=<server> port=<port> dbname={db}' to the [databases] section of "
        "pgbouncer.ini and reload PgBouncer (RELOAD on its admin console), or use a database "
        "the [databases] section lists in {source}"
    ),
    'database "%s" is disabled': (
        "on PgBouncer's admin console (psql -p <the pooler's port> -U <a user of its "
        "admin_users> pgbouncer): ENABLE {db} (SHOW DATABASES lists the disabled ones)"
    ),
    "transaction blocks not allowed in statement pooling mode": (
        "set pool_mode = transaction (or session) for this database in pgbouncer.ini (the "
        "[pgbouncer] section, or pool_mode= on the database's line in [databases]) and reload "
        "PgBouncer (RELOAD on its admin console)"
    ),
    "SASL authentication failed": (
        "correct the password in {source}; or the pooler's administrator puts the role's server "
        "password in PgBouncer's auth_file (or its auth_query's role may read it) and reloads "
        "PgBouncer (RELOAD on its admin console)"
    ),
    "password authentication failed": (
        "correct the password in {source}; or the pooler's administrator puts the role's server "
        "password in PgBouncer's auth_file (or its auth_query's role may read it) and reloads "
        "PgBouncer (RELOAD on its admin console)"
    ),
}
_POOLER_LOOK = (
    "look at PgBouncer's log (logfile in pgbouncer.ini) for 'login failed' and 'closing "
    "because' lines, and SHOW POOLS on its admin console (cl_waiting, sv_active) and SHOW "
    "DATABASES (paused); then fix what it names: the server's address in [databases], the "
    "role's password in the auth_file (it must be the server's), default_pool_size, or a "
    "database PAUSEd on the admin console (RESUME <db>)"
)


def pooler_refused(t: Target, code: str, message: str) -> CheckFailed | None:
    """08P01 with one of PgBouncer's own refusals (:data:`POOLER_WORDS`): the pooler's limit or
    configuration, named, with what its administrator changes."""
    if code != "08P01":
        return None
    text = message.strip()
    for words, (what, why) in POOLER_WORDS.items():
        head, placeholder, tail = words.partition("%s")
        if placeholder:
            known = len(text) > len(head) + len(tail)
            if not (known and text.startswith(head) and text.endswith(tail)):
                continue
            db = text[len(head) : len(text) - len(tail)]
        elif text == words:
            db = t.dbname
        else:
            continue
        look = _POOLER_FIX.get(words, _POOLER_LOOK).format(db=db, source=t.source)
        return CheckFailed(
            f"the pooler at {t.address} (PgBouncer) refused {t.login}: "
            + what.format(db=db, user=t.user),
            why=f"{why}; the pooler said: {text}",
            fix=fix(Manual(look, ask="the pooler's administrator")),
        )
    return None


def walsender_session(t: Target, words: str, what: str) -> CheckFailed:
    """08P01 from the backend in a session that ``replication=database`` made a WAL sender: it
    takes only the simple query protocol (tcop/postgres.c), and psycopg sends every query with
    parameters with the extended one, so each such query fails while the login and a query
    without parameters succeed."""
    drop = (
        f"drop replication=database from {t.source_of('replication')} (an application's "
        "connection is no replication connection; a logical decoding tool keeps its own)"
    )
    return CheckFailed(
        f"replication=database makes every session to {t.address} a logical replication "
        f"connection (a WAL sender), which refuses queries with parameters: {what} was one "
        "(SQLSTATE 08P01)",
        why="libpq sends replication=database in the startup packet and the server starts a WAL "
        "sender, which takes the simple query protocol only; psycopg sends each query with "
        "parameters with the extended protocol (Parse, Bind, Execute), so every one fails, "
        "while the login and a query without parameters succeed; the server said: " + words,
        fix=Fix([t.edit_key("replication", drop)], text=drop),
    )


def from_backend(diag: Any) -> bool:
    """A query error's fields (psycopg's ``Diagnostic``) hold the non-localized severity (``V``)
    or the reporting routine (``R``), as every error of PostgreSQL's own backend does."""
    return bool(diag.severity_nonlocalized or diag.source_function)


def pooler_answered(t: Target, code: str, words: str, what: str) -> CheckFailed:
    """08P01 without the fields PostgreSQL's backend always sends: a pooler or proxy in front of
    the server refused ``what`` itself (PgBouncer answers every refusal of its own so, and relays
    the server's refusal of its own login so, with the server's words). Its words, verbatim, and
    where the pooler says more."""
    return CheckFailed(
        f"a pooler or proxy at {t.address}, not PostgreSQL itself, refused {what}: protocol "
        f"violation ({code}), the pooler's own answer",
        why="the error carries none of the fields every error of PostgreSQL's own backend does "
        "(the severity V, the reporting routine R): a program in front of the server wrote it "
        "(PgBouncer answers its own refusals so, and the server's refusal of PgBouncer's own "
        f"login to it with the server's words); the pooler said: {words}",
        fix=fix(
            Manual(
                f"look up these words in the pooler's log (PgBouncer: the logfile in "
                f"pgbouncer.ini, a 'closing because: {words}' or 'login failed' line) and fix "
                "what it names in the pooler's configuration (pgbouncer.ini, its auth_file) or "
                "on the server behind it; to compare, connect directly to the PostgreSQL server, "
                f"bypassing the pooler: {t.psql('SELECT 1')}",
                ask="the pooler's administrator",
            )
        ),
    )


def pooled_backend(t: Target, pid: int) -> str:
    """Two sessions of this client served by one server backend: a pooler in transaction (or
    statement) pooling mode. What that means for the application."""
    return (
        f"a pooler in transaction (or statement) pooling mode sits in front of PostgreSQL at "
        f"{t.address}: two sessions of this client were served by one server backend (pid "
        f"{pid})"
    )
