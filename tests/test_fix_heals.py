"""``envcheck fix --yes`` heals real broken servers in one command: a missing database, a missing
role, a role without the privilege to write in its schema, and a Redis ACL user without the
probe's rights. Each re-check passes and the report lists what was done."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.servers import PostgresCluster


def fix(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done: subprocess.CompletedProcess[str] = subprocess.run(
        [sys.executable, "-m", "envcheck.cli.main", "fix", "--yes", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        },
    )
    return done


def report(root: Path) -> dict[str, object]:
    found: dict[str, object] = json.loads((root / "envcheck-report.json").read_text())
    return found


def test_a_missing_database_role_and_privilege_heal_in_one_command(
    pytester: pytest.Pytester, postgres_server: PostgresCluster
) -> None:
    suffix = uuid.uuid4().hex[:8]
    db, role = f"envcheck_fx_db_{suffix}", f"envcheck_fx_role_{suffix}"
    port = postgres_server.port
    pytester.makepyprojecttoml(textwrap.dedent(f"""
            [tool.envcheck.postgres]
            dsn = "postgresql://postgres@127.0.0.1:{port}/{db}"
            [tool.envcheck.postgres.app]
            dsn = "postgresql://{role}@127.0.0.1:{port}/{db}"
            """))
    try:
        unprivileged = fix(pytester.path)
        # the database's creation runs; the role needs a superuser: not without asking for it
        assert "privileged: run with --allow-privileged, or by hand" in unprivileged.stdout
        assert unprivileged.returncode == 1
        done = fix(pytester.path, "--allow-privileged")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "envcheck fix: " in done.stdout and "0 still failing" in done.stdout
        fixes = report(pytester.path)["fixes"]
        assert isinstance(fixes, list)
        healed = {check for f in fixes for check in f["healed"]}
        assert {"postgres/app.connect", "postgres/app.write"} <= healed
        checks = report(pytester.path)["checks"]
        assert isinstance(checks, list)
        statuses = {c["id"]: c["status"] for c in checks}
        assert all(status == "pass" for status in statuses.values()), statuses
    finally:
        postgres_server.sql(
            f"DROP DATABASE IF EXISTS {db}",
            f"DROP OWNED BY {role}" if _role_exists(postgres_server, role) else "SELECT 1",
            f"DROP ROLE IF EXISTS {role}",
        )


def _role_exists(pg: PostgresCluster, role: str) -> bool:
    import psycopg

    with psycopg.connect(pg.dsn("postgres", "postgres")) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            is not None
        )


def test_a_redis_user_without_the_probes_rights_heals_through_the_admin(
    pytester: pytest.Pytester, redis_port: int
) -> None:
    user = f"envcheck-fx-{uuid.uuid4().hex[:6]}"
    admin = redis.Redis(port=redis_port)
    acl = ("ACL", "SETUSER", user, "on", ">fx-password-1", "~*", "+@all", "-del")
    admin.execute_command(*acl)  # type: ignore[no-untyped-call]
    try:
        pytester.makepyprojecttoml(textwrap.dedent(f"""
                [tool.envcheck.redis]
                url = "redis://{user}:${{FX_PASSWORD}}@127.0.0.1:{redis_port}/0"
                admin_url = "redis://127.0.0.1:{redis_port}/0"
                """))
        env_file = pytester.path / ".env"
        env_file.write_text("FX_PASSWORD=fx-password-1\n")
        done = fix(pytester.path, "--allow-privileged")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "fx-password-1" not in done.stdout + done.stderr
        assert "fx-password-1" not in (pytester.path / "envcheck-report.json").read_text()
        fixes = report(pytester.path)["fixes"]
        assert isinstance(fixes, list) and any(
            "redis/roundtrip" in f["healed"] for f in fixes
        ), fixes
    finally:
        admin.execute_command("ACL", "DELUSER", user)  # type: ignore[no-untyped-call]
        # the probe key the first run could not delete (DEL refused) expires within 30 s anyway
        for key in admin.scan_iter(match="envcheck:probe:*"):
            assert 0 < int(admin.ttl(key)) <= 30
            admin.delete(key)
        admin.close()


def test_an_extension_the_role_may_create_heals_with_warnings(
    pytester: pytest.Pytester, postgres_server: PostgresCluster
) -> None:
    """A configured extension not created yet is a warning (migrations often create it): plain
    ``envcheck fix --yes`` says a warning's fix is there and changes nothing; with ``--warnings``
    the database owner's ``CREATE EXTENSION`` runs and the re-check passes."""
    suffix = uuid.uuid4().hex[:8]
    db, role = f"envcheck_fx_ext_{suffix}", f"envcheck_fx_extrole_{suffix}"
    postgres_server.sql(f"CREATE ROLE {role} LOGIN", f"CREATE DATABASE {db} OWNER {role}")
    port = postgres_server.port
    pytester.makepyprojecttoml(textwrap.dedent(f"""
            [tool.envcheck.postgres]
            dsn = "postgresql://{role}@127.0.0.1:{port}/{db}"
            extensions = ["pgcrypto"]
            """))
    try:
        plain = fix(pytester.path)
        assert plain.returncode == 0, plain.stdout + plain.stderr
        assert "1 fix(es) of warnings not planned: add --warnings" in plain.stdout
        assert "envcheck fix: nothing to fix" in plain.stdout
        assert not _has_extension(postgres_server, db, "pgcrypto")

        done = fix(pytester.path, "--warnings")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "1 healed, 0 still failing, 0 not applied" in done.stdout
        assert _has_extension(postgres_server, db, "pgcrypto")
        fixes = report(pytester.path)["fixes"]
        assert isinstance(fixes, list) and len(fixes) == 1
        record: dict[str, Any] = fixes[0]
        assert record["healed"] == ["postgres/extension[pgcrypto]"]
        (step,) = record["steps"]
        assert 'CREATE EXTENSION IF NOT EXISTS "pgcrypto"' in step["text"] and step["ok"]
    finally:
        postgres_server.sql(f"DROP DATABASE IF EXISTS {db}", f"DROP ROLE IF EXISTS {role}")


def _has_extension(pg: PostgresCluster, db: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(pg.dsn("postgres", db)) as conn:
        found = conn.execute("SELECT 1 FROM pg_extension WHERE extname = %s", (name,)).fetchone()
        return found is not None
