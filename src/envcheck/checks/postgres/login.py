"""Why a PostgreSQL login failed, found by asking the server again with envcheck's own probe.

After psycopg (libpq) failed, one login attempt over SSL (when the server offers it) and one
without tell, from SQLSTATEs and the stage each attempt reached, which attempt libpq's text was
about and whether SSL would change anything. TLS certificate problems come from the handshake's
own verification result.
"""

from __future__ import annotations

import os
import socket
import ssl
from pathlib import Path
from typing import Any

from envcheck.checks.postgres import wire as _pgwire
from envcheck.checks.postgres.diagnose import (
    AUTHENTICATED,
    BEFORE_AUTH,
    explain_failure,
    pg_hba_refuses,
)
from envcheck.checks.postgres.target import Target
from envcheck.core.model import CheckFailed

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


def login_timeout(t: Target, seconds: float) -> CheckFailed:
    return CheckFailed(
        f"{t.host}:{t.port} accepted the connection but did not complete the login within "
        f"{seconds:g} s",
        why="the server (or a proxy or pooler in front of it) is overloaded or stuck: out of "
        "worker processes, waiting on a lock, or on a slow authentication backend (LDAP, PAM)",
        hint=f"look at the server's log and load; `pg_isready -h {t.host} -p {t.port} -t 10` "
        f"tells whether it lets anyone in; if logins are just slow, raise {t.section}.timeout",
    )


def _root_cert(t: Target) -> str | None:
    found = t.params.get("sslrootcert") or os.environ.get("PGSSLROOTCERT")
    return found or str(Path.home() / ".postgresql" / "root.crt")


def tls_context(t: Target) -> ssl.SSLContext:
    """The TLS settings libpq uses for ``t.sslmode`` (verification only for verify-*)."""
    context = ssl.create_default_context()
    if t.sslmode not in ("verify-ca", "verify-full"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context.check_hostname = t.sslmode == "verify-full"
    root = _root_cert(t)
    if root != "system":
        context.load_verify_locations(cafile=root)
    return context


def _certificate_failure(t: Target, exc: ssl.SSLCertVerificationError) -> CheckFailed:
    reason = str(exc.verify_message or exc.reason or exc)
    if exc.verify_code in _NAME_MISMATCH:
        return CheckFailed(
            f"the certificate of {t.host}:{t.port} is not issued for {t.host!r} "
            f"(sslmode=verify-full): {reason}",
            why="verify-full checks that the host name in the connection string is one the "
            "certificate names",
            hint=f"connect by a name the certificate lists (see: openssl s_client -connect "
            f"{t.host}:{t.port} -starttls postgres | openssl x509 -noout -ext "
            f"subjectAltName), or use sslmode=verify-ca in {t.source}",
        )
    return CheckFailed(
        f"the certificate of {t.host}:{t.port} is not trusted (sslmode={t.sslmode}): {reason}",
        why=f"it is not signed by the CA in {_root_cert(t)} (self-signed, another CA, or "
        "expired)",
        hint=f"set sslrootcert=/path/to/ca.pem in {t.source} to the CA that signed the server's "
        "certificate (check: openssl s_client -connect "
        f"{t.host}:{t.port} -starttls postgres -CAfile /path/to/ca.pem -verify_return_error)",
    )


def _attempts(t: Target, deadline: float) -> tuple[dict[str, _pgwire.Attempt | None], bool]:
    """Both attempts; returns them by kind and whether the server offers SSL."""
    login: dict[str, Any] = dict(
        user=t.user, dbname=t.dbname, password=t.password, deadline=deadline
    )
    found: dict[str, _pgwire.Attempt | None] = {}
    offered = False
    if not t.host.startswith("/"):
        found["ssl"] = _pgwire.login_attempt(t.host, t.port, tls=tls_context(t), **login)
        offered = found["ssl"] is not None
    found["plain"] = _pgwire.login_attempt(t.host, t.port, tls=None, **login)
    return found, offered


def diagnose_login(t: Target, exc: Exception, deadline: float) -> CheckFailed:
    """Explain libpq's failure ``exc`` to log in to ``t``."""
    libpq = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    fallback = CheckFailed(
        f"cannot connect to {t.where}: {libpq}", hint=f"check {t.source}; try: {t.where_.psql()}"
    )
    if t.sslmode in ("verify-ca", "verify-full"):
        root = _root_cert(t)
        if root != "system" and not os.path.isfile(str(root)):
            return CheckFailed(
                f"sslmode={t.sslmode} needs the CA certificate, and there is no file {root}",
                why="libpq verifies the server's certificate against sslrootcert (default "
                "~/.postgresql/root.crt)",
                hint=f"set sslrootcert=/path/to/ca.pem in {t.source} (or sslrootcert=system for "
                "the machine's trust store)",
            )
    try:
        attempts, offered = _attempts(t, deadline)
    except ssl.SSLCertVerificationError as cert:
        return _certificate_failure(t, cert)
    except (ssl.SSLError, _pgwire.ProbeError, OSError, socket.timeout):
        return fallback
    order = [k for k in _ORDER.get(t.sslmode, ("ssl", "plain")) if k in attempts]
    if order == ["ssl"] and attempts.get("ssl") is None and not t.host.startswith("/"):
        return CheckFailed(
            f"{t.host}:{t.port} refuses SSL, but the connection string requires it",
            why=f"sslmode={t.sslmode} is set and the server answered the SSL request with 'N' "
            "(ssl = off)",
            hint=f"drop sslmode={t.sslmode} from {t.source} (or set ssl = on in "
            "postgresql.conf, with ssl_cert_file and ssl_key_file, and restart the server)",
        )
    relevant = [(k, a) for k in order if (a := attempts.get(k)) is not None]
    if not relevant or any(a.stage == _pgwire.READY for _, a in relevant):
        return fallback  # the probe got in: libpq failed for a reason of its own
    kind, chosen = max(enumerate(relevant), key=lambda p: (_RANK[p[1][1].stage], p[0]))[1]
    if chosen.needs_password:
        return CheckFailed(
            f"the server wants a password for user {t.user!r}",
            why="the connection string has none (nor PGPASSWORD, nor a matching ~/.pgpass line)",
            hint=f"put it in {t.source} (postgresql://{t.user}:PASSWORD@{t.host}:{t.port}/"
            f"{t.dbname}) or in ~/.pgpass",
        )
    said = f"; the server said: {chosen.message}" if chosen.message else ""
    if chosen.sqlstate == "28000" and chosen.stage == BEFORE_AUTH:
        ssl_attempt, plain = attempts.get("ssl"), attempts.get("plain")

        def refused(a: _pgwire.Attempt | None) -> bool:
            return a is not None and a.sqlstate == "28000" and a.stage == BEFORE_AUTH

        helps: bool | None
        if t.host.startswith("/"):
            helps = False
        elif not offered:
            helps = None
        else:
            helps = refused(plain) and not refused(ssl_attempt)
        return pg_hba_refuses(t.where_, said, ssl_helps=helps, ssl_offered=offered)
    can_create = _can_create_db(t) if chosen.sqlstate == "3D000" else None
    return explain_failure(
        chosen.sqlstate,
        chosen.message,
        host=t.host,
        port=t.port,
        user=t.user,
        dbname=t.dbname,
        source=t.source,
        sslmode=t.sslmode,
        stage=chosen.stage,
        can_create_db=can_create,
    )


def _can_create_db(t: Target) -> bool | None:
    """Whether the role may create databases, asked in the maintenance database."""
    import psycopg

    kwargs = t.connect_kwargs("envcheck diagnosis")
    kwargs["dbname"] = "postgres"
    try:
        with psycopg.connect(**kwargs, connect_timeout=2) as conn:
            row = conn.execute(
                "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
    except psycopg.Error:
        return None
    return bool(row[0]) if row else None
