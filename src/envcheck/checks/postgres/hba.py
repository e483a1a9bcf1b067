"""pg_hba.conf's lines and pg_ident.conf's maps (the views pg_hba_file_rules and
pg_ident_file_mappings, a superuser's to read: they show the files as they are now, which is what
the server loaded unless a file was changed since its last reload), and which line a login
meets: the first whose type, database, user and address match (hba.c ``check_hba``), and the
lines that would match but for their database keyword (``samerole``, ``samegroup``,
``sameuser``)."""

from __future__ import annotations

import ipaddress
import os
import pwd
import socket
from dataclasses import dataclass
from typing import Any

from envcheck.checks.postgres.target import SUPERUSER, Target

#: methods whose user name may be mapped by pg_ident.conf (``map=``)
MAPPED = ("peer", "ident", "cert", "gss", "sspi")


@dataclass(frozen=True)
class Rule:
    """One line of pg_hba.conf as pg_hba_file_rules shows it."""

    line: int
    type: str
    database: tuple[str, ...]
    user: tuple[str, ...]
    address: str | None
    netmask: str | None
    method: str
    options: tuple[str, ...]

    def option(self, name: str) -> str | None:
        for option in self.options:
            key, _, value = option.partition("=")
            if key == name:
                return value
        return None

    def shown(self) -> str:
        where = f" {self.address}" if self.address else ""
        if self.address and self.netmask:
            where = f" {self.address}/{self.netmask}"
        options = "".join(f" {o}" for o in self.options)
        return (
            f"{self.type} {','.join(self.database)} {','.join(self.user)}{where} "
            f"{self.method}{options}"
        )


@dataclass(frozen=True)
class Rules:
    """What the server loaded, and what a login's matching needs about its user."""

    rules: tuple[Rule, ...]
    #: (map, system user, database user) of pg_ident_file_mappings
    maps: tuple[tuple[str, str, str], ...]
    #: the roles the login's user is a member of (itself included)
    member_of: frozenset[str]
    #: the roles that exist among the database names the lines need
    roles: frozenset[str]
    #: the client's address as the server sees this host (None over a socket)
    client: str | None
    #: pg_hba.conf's modification time and the server's last configuration load
    #: (pg_conf_load_time()), when the file was modified in a later second (pg_stat_file gives
    #: whole seconds): the views show a file the running server has not loaded
    unloaded_edit: tuple[str, str] | None = None


def read_rules(t: Target, seconds: float = 2.0) -> Rules | None:
    """pg_hba_file_rules and pg_ident_file_mappings, read as the superuser when libpq can log
    one in without a password of envcheck's (``None`` otherwise). Reads only."""
    import psycopg

    kwargs: dict[str, Any] = t.connect_kwargs("envcheck diagnosis", seconds)
    kwargs.update(user=SUPERUSER, password="", dbname="postgres", target_session_attrs="any")
    try:
        with psycopg.connect(**kwargs) as conn:
            rows = conn.execute(
                "SELECT line_number, type, database, user_name, address, netmask, auth_method, "
                "options FROM pg_hba_file_rules WHERE error IS NULL ORDER BY line_number"
            ).fetchall()
            maps = conn.execute(
                "SELECT map_name, sys_name, pg_username FROM pg_ident_file_mappings "
                "WHERE error IS NULL ORDER BY line_number"
            ).fetchall()
            member = conn.execute(
                "SELECT r.rolname FROM pg_roles r, pg_roles u WHERE u.rolname = %s "
                "AND pg_has_role(u.oid, r.oid, 'MEMBER')",
                (t.user,),
            ).fetchall()
            roles = conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname = %s", (t.dbname,)
            ).fetchall()
            client = conn.execute("SELECT host(inet_client_addr())").fetchone()
            edited = conn.execute(
                "SELECT to_char(f.modification, 'YYYY-MM-DD HH24:MI:SS TZ'), "
                "to_char(pg_conf_load_time(), 'YYYY-MM-DD HH24:MI:SS TZ') "
                "FROM pg_stat_file(current_setting('hba_file'), true) f "
                "WHERE f.modification > date_trunc('second', pg_conf_load_time())"
            ).fetchone()
    except psycopg.Error:
        return None
    rules = tuple(
        Rule(
            int(r[0]),
            str(r[1]),
            tuple(r[2] or ()),
            tuple(r[3] or ()),
            r[4],
            r[5],
            str(r[6]),
            tuple(r[7] or ()),
        )
        for r in rows
    )
    return Rules(
        rules,
        tuple((str(m[0]), str(m[1]), str(m[2])) for m in maps),
        frozenset(str(m[0]) for m in member),
        frozenset(str(m[0]) for m in roles),
        None if t.socket or not client or client[0] is None else str(client[0]),
        (str(edited[0]), str(edited[1])) if edited else None,
    )


def _type_matches(rule: Rule, t: Target) -> bool:
    return (rule.type == "local") == bool(t.socket)


def _user_matches(rule: Rule, t: Target, rules: Rules) -> bool:
    for name in rule.user:
        if name == "all" or name == t.user:
            return True
        if name.startswith("+") and name[1:] in rules.member_of:
            return True
    return False


def _address_matches(rule: Rule, rules: Rules) -> bool:
    if rule.type == "local":
        return True
    if rule.address in ("all", "samehost", "samenet"):
        return True
    if rules.client is None or rule.address is None:
        return False
    try:
        network = ipaddress.ip_network(
            f"{rule.address}/{rule.netmask}" if rule.netmask else rule.address, strict=False
        )
        return ipaddress.ip_address(rules.client) in network
    except ValueError:  # a host name: not resolved here
        return False


def _database_matches(rule: Rule, t: Target, rules: Rules) -> bool:
    for name in rule.database:
        if name == "all" or name == t.dbname:
            return True
        if name == "sameuser" and t.dbname == t.user:
            return True
        if name in ("samerole", "samegroup") and t.dbname in rules.member_of:
            return True
    return False


def first_match(t: Target, rules: Rules) -> Rule | None:
    """The line the server chose for this login (SSL and GSSAPI encryption not told apart)."""
    for rule in rules.rules:
        if (
            _type_matches(rule, t)
            and _user_matches(rule, t, rules)
            and _address_matches(rule, rules)
            and _database_matches(rule, t, rules)
        ):
            return rule
    return None


def same_keyword_miss(t: Target, rules: Rules) -> tuple[Rule, str] | None:
    """The first line that matches the login but for its database field, which holds only
    ``samerole``/``samegroup``/``sameuser`` keywords: the line and the keyword."""
    for rule in rules.rules:
        if not (
            _type_matches(rule, t)
            and _user_matches(rule, t, rules)
            and _address_matches(rule, rules)
        ):
            continue
        if _database_matches(rule, t, rules):
            return None
        kinds = [d for d in rule.database if d in ("samerole", "samegroup", "sameuser")]
        if kinds:
            return rule, kinds[0]
    return None


def is_host_name(address: str | None) -> bool:
    """Whether a line's address field is a host name (``.suffix`` too), not an address, a
    network or a keyword."""
    if address is None or address in ("all", "samehost", "samenet"):
        return False
    try:
        ipaddress.ip_network(address, strict=False)
    except ValueError:
        return True
    return False


@dataclass(frozen=True)
class HostNameMiss:
    """A line that matches a login but for its address, a host name, and what the client's
    address resolves to here."""

    rule: Rule
    client: str
    #: the name the client's address resolves back to (reverse lookup; None: no name)
    back: str | None
    #: whether ``back`` is the line's name (or ends with its ``.suffix``)
    name_matches: bool


def host_name_miss(t: Target, rules: Rules) -> HostNameMiss | None:
    """No line lets the login in, and one would but for its address, a host name: hba.c's
    ``check_hostname`` matches it only when the client's address resolves back (reverse
    lookup) to that name (or, for ``.suffix``, a name ending so) and that name resolves forward
    to the address. The lookups are made on this machine (the server's own when it is here)."""
    if rules.client is None or first_match(t, rules) is not None:
        return None
    for rule in rules.rules:
        if rule.type == "local" or not is_host_name(rule.address):
            continue
        if not (_user_matches(rule, t, rules) and _database_matches(rule, t, rules)):
            continue
        assert rule.address is not None
        try:
            back: str | None = socket.getnameinfo((rules.client, 0), socket.NI_NAMEREQD)[0]
        except OSError:
            back = None
        wanted = rule.address.lower()
        name = (back or "").lower()
        matches = bool(name) and (
            name.endswith(wanted) if wanted.startswith(".") else name == wanted
        )
        return HostNameMiss(rule, rules.client, back, matches)
    return None


def os_user() -> str:
    """The OS user of this process: the name peer (and ident on this host) reports."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())
