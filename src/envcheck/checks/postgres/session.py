"""The shared connection of a postgres instance: opened by the first check that needs it (a
failed login is explained by :mod:`envcheck.checks.postgres.login`), used by one check after the
other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from envcheck.checks.postgres.login import diagnose_login, login_timeout
from envcheck.checks.postgres.target import Target
from envcheck.checks.shared import server as _server
from envcheck.core.model import CheckFailed, Context

if TYPE_CHECKING:
    import psycopg

COMPONENT = "postgres"
#: ``application_name`` of envcheck's own connections (unless the DSN sets one), so that a DBA can
#: tell them apart in pg_stat_activity
APPLICATION_NAME = "envcheck"


@contextmanager
def session(ctx: Context, t: Target) -> Iterator[psycopg.Connection[Any]]:
    """The instance's shared connection. A connection lost during a check is closed (by the
    shared holder) before it is reported."""
    import psycopg

    holder = _server.shared((COMPONENT, t.instance, t.identity), _close)
    try:
        with holder.use(ctx, lambda: _open(ctx, t)) as conn:
            yield conn
    except psycopg.OperationalError as exc:
        raise CheckFailed(
            f"lost the connection to {t.where}: {exc.sqlstate or type(exc).__name__}",
            why=str(exc).strip().splitlines()[0] if str(exc).strip() else "the server closed it",
            hint=f"look at the server's log; try: {t.where_.psql()}",
        ) from None


def _close(conn: psycopg.Connection[Any]) -> None:
    conn.close()


def _open(ctx: Context, t: Target) -> psycopg.Connection[Any]:
    import psycopg

    # psycopg never waits less than 2 s. Rounded down, its timeout ends inside the check's (from a
    # 3 s timeout up), so a login that hangs gets its own diagnosis; below that, the runner
    # abandons the check at its timeout.
    timeout = max(2, int(ctx.remaining()))
    try:
        return psycopg.connect(
            **t.connect_kwargs(f"{APPLICATION_NAME} {ctx.check.component}/{t.instance}"),
            connect_timeout=timeout,
            autocommit=True,
        )
    except psycopg.errors.ConnectionTimeout:
        raise login_timeout(t, timeout) from None
    except psycopg.OperationalError as exc:
        raise diagnose_login(t, exc, _server.deadline_of(ctx)) from None


def show(conn: psycopg.Connection[Any], name: str) -> str:
    row = conn.execute(f"SHOW {name}").fetchone()
    return str(row[0]) if row else "?"
