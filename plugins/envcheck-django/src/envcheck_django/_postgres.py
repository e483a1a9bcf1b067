"""A PostgreSQL connection failure seen by Django, explained by envcheck's ``postgres`` component.

The probe reports the psycopg error's SQLSTATE, message and target (host, port, user, database,
sslmode; never the password) as JSON; the diagnosis itself is the ``postgres`` component's.
"""

from __future__ import annotations

from typing import Any

from envcheck import CheckFailed


def explain(alias: str, err: dict[str, Any], settings_file: str | None) -> CheckFailed:
    from envcheck.checks.postgres import explain_failure

    t = err["target"]
    port = str(t["port"])
    return explain_failure(
        err.get("sqlstate"),
        err.get("server_message") or err.get("driver_message") or err["message"],
        host=t["host"] or "localhost",
        port=int(port) if port.isdigit() else 5432,
        user=t["user"],
        dbname=t["dbname"],
        source=f"DATABASES[{alias!r}] in {settings_file}",
        sslmode=t["sslmode"],
        stage=err.get("login_stage"),
    )
