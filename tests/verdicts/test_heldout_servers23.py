"""Twenty-third held-out round for PostgreSQL (issue 21): a small round of four cases, server-side
kinds that neither the earlier rounds (tests/verdicts/test_heldout_servers*.py 1-22,
tests/verdicts/test_heldout.py) nor the sweeps (postgres, redis, pooler, tls, protocol,
client_settings, compat_servers) nor a row cover, each made on a real throwaway server and proved
with the real client (psycopg 3.3) first.

How the set was made (2026-12-07), from PostgreSQL 15's sources; of envcheck's code only the round
machinery and the tables' rows were read:

- PostgreSQL (commands/event_trigger.c ``EventTriggerInvoke``: the trigger's function runs with
  the rights of its owner when it is SECURITY DEFINER; catalog/aclchk.c ``aclcheck_error``: 42501
  ``permission denied for table %s``): round 22's DDL audit trigger, its function already
  SECURITY DEFINER, owned by a role that may not INSERT into the audit table. Every CREATE TABLE
  of the application's role fails with 42501 about the audit table; round 22's fix (``ALTER
  FUNCTION ... SECURITY DEFINER``) is already in place, and the missing privilege is the
  function owner's, not the application role's.
- PostgreSQL (event_trigger.c ``EventTriggerInvoke`` calls the function through fmgr with no
  EXECUTE check, unlike a function called from SQL): healthy, the same kind of audit trigger,
  its function SECURITY DEFINER owned by the audit table's owner, EXECUTE revoked from PUBLIC.
- PostgreSQL (utils/adt/varlena.c ``byteaout``, guc.c ``bytea_output``): healthy, ``ALTER ROLE
  ... SET bytea_output = 'escape'`` (psycopg decodes both forms).
- PostgreSQL (access/common/toast_compression.c ``check_default_toast_compression``, built
  ``--with-lz4`` as Debian's 15 is): healthy, ``ALTER ROLE ... SET default_toast_compression =
  'lz4'``.

Each was grepped in docs/verdicts/*.md, the rounds and the sweeps first (``SECURITY DEFINER``,
``event trigger``, ``ddl_audit``, ``EXECUTE ON FUNCTION``, ``bytea_output``, ``toast``,
``lz4``, ``client_min_messages``, ``exit_on_error``, ``transaction_read_only``, ``40001``,
``serializable``, ``tablespace``): the event-trigger rows are round 22's (a function that is not
SECURITY DEFINER, an owner hand-over, a primary-key policy) and a RAISE
(pg-42501-event-trigger); ``bytea_output``, ``toast`` and ``lz4`` appear nowhere. Ideas left out
as covered: ``default_transaction_isolation = serializable`` (rounds 5 and 11; the probe's own
new table meets no concurrent writer, so no 40001 is reachable for it), ``transaction_read_only``
as a role setting (pg-role-transaction-read-only-setting-healthy), ``exit_on_error`` (round 16),
``idle_in_transaction_session_timeout`` (rounds 14 and 17), a normal client's
``client-output-buffer-limit``, ``maxmemory-clients``, ``io-threads`` and ``lazyfree`` (rounds
6, 10, 11, 13, 16), ``proto-max-bulk-len`` (its minimum, 1 MB, is far above any probe value:
not reachable).

The grading is round one's (``grade`` in tests/verdicts/test_heldout_servers.py); a healthy case
is fully right when every check of its instance passes. One envcheck run for the four cases. The
fix of the breakage, if fully right, is then carried out as printed and the instance runs again.

The expectations were committed before envcheck first ran on this file (05ea802); none was
changed after.

First run (envcheck at 05ea802; graded by the rules above, 2026-12-07): 3 of 4 fully right (the
three healthy neighbours: every check of their instances passes); 1 wrong:
- pg-event-trigger-definer-owner-denied: the 42501 fallback "the privilege layer failed; the
  server said: permission denied for table ddl_audit", fix "look at the server's log": neither
  the event trigger, its SECURITY DEFINER function nor the function's owner named (round 22's
  verdict reads only a function that is not SECURITY DEFINER).
Cost of the first run (``/usr/bin/time`` on ``pytest <this file> -n 0``, one envcheck run): 4.7 s
user, 1.9 s system, 11 s wall.

After the fix of the commit that follows the first run: 4 of 4 fully right (3/4 -> 4/4), the
printed GRANT carried out (``GRANT INSERT ON public.ddl_audit TO audit_owner23``) and the
instance passing on the second run; no expectation changed. What envcheck reads now
(postgres/hooks.py ``_definer_refused``): 42501 from the server's privilege check (routine
``aclcheck_error``) with a CONTEXT field on the probe's CREATE TABLE while every enabled event
trigger on CREATE TABLE has a SECURITY DEFINER function (pg_proc.prosecdef): the trigger, its
function and the function's owner (pg_proc.proowner) named as the role refused, not the
application's; the table and the refused statement come from the server's texts (aclchk.c's
``permission denied for table %s`` and PL/pgSQL's ``SQL statement "..."`` CONTEXT line: the
protocol has no field for them) and the GRANT is printed only when ``has_table_privilege`` says
the owner lacks it; otherwise the fix names the owner and the server's words (was the 42501
fallback and the server's log). Rows: 4 in docs/verdicts/postgres.md, section "The held-out set of
2026-12-07 (issue 21, twenty-third round)", asserted on the case's own run and registered in the
every-row test. Cost (``/usr/bin/time`` on ``.venv/bin/pytest <this file> -n 0``, after the fix,
two envcheck runs): 4.6 s user, 1.6 s system (6.1 CPU-s), 15 s wall.
"""

from __future__ import annotations

import psycopg

from tests.verdicts import server_rounds as sr
from tests.verdicts.pg_lab import Lab, lab_fixtures

lab_server, lab = lab_fixtures("heldout23-pglab")

NOT_SCHEMA = ("CREATE ON SCHEMA", "USAGE ON SCHEMA", "search_path")
#: the owner of the SECURITY DEFINER audit function, which may not write the audit table
AUDIT_OWNER = "audit_owner23"

PG: dict[str, sr.Expect] = {
    "pg-event-trigger-definer-owner-denied": sr.Expect(
        sr.WRITE,
        "fail",
        ("audit_ddl_trg", AUDIT_OWNER),
        ("GRANT INSERT ON", AUDIT_OWNER),
        (*sr.NOT_PW, *NOT_SCHEMA, "server's log", "SECURITY DEFINER`", "ALTER FUNCTION"),
    ),
    "pg-event-trigger-execute-revoked-healthy": sr.Expect(sr.WRITE, "pass"),
    "pg-role-bytea-output-escape-healthy": sr.Expect(sr.WRITE, "pass"),
    "pg-role-default-toast-compression-lz4-healthy": sr.Expect(sr.WRITE, "pass"),
}
#: the words of the printed fix that the person's act follows
PERSON_FOLLOWS = {"pg-event-trigger-definer-owner-denied": "GRANT INSERT ON"}

AUDIT = """
CREATE TABLE public.ddl_audit (at timestamptz DEFAULT now(), who text, tag text, object text);
CREATE FUNCTION public.audit_ddl() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog AS $$
BEGIN
  INSERT INTO public.ddl_audit (who, tag, object)
  SELECT session_user, command_tag, object_identity FROM pg_event_trigger_ddl_commands();
END $$;
REVOKE EXECUTE ON FUNCTION public.audit_ddl() FROM PUBLIC;
"""
TRIGGER = (
    "CREATE EVENT TRIGGER audit_ddl_trg ON ddl_command_end EXECUTE FUNCTION public.audit_ddl()"
)
CREATE, INSERT = "CREATE TABLE proof (id int PRIMARY KEY)", "INSERT INTO proof VALUES (1)"


def sqlstate_of(dsn: str, *statements: str) -> str | None:
    """The SQLSTATE the statements, run in one rolled back transaction, end with (None: ran)."""
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        try:
            with conn.transaction(force_rollback=True):
                for statement in statements:
                    conn.execute(statement)
        except psycopg.Error as exc:
            return str(exc.sqlstate)
    return None


def make_pg(lab: Lab) -> sr.PgMade:
    """Every case made on the lab and proved with psycopg."""
    pg = sr.PgMade()
    made = pg.made

    lab.sql(
        f"DO $$ BEGIN CREATE ROLE {AUDIT_OWNER} NOLOGIN;"
        " EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    user, db = lab.app()
    owned = f"ALTER FUNCTION public.audit_ddl() OWNER TO {AUDIT_OWNER}"
    lab.sql(AUDIT, owned, TRIGGER, dbname=db)
    dsn = sr.kw(lab, user, db)
    assert sqlstate_of(dsn, CREATE) == "42501"
    made["pg-event-trigger-definer-owner-denied"] = sr.Instance(dsn)
    grant = f"GRANT INSERT ON public.ddl_audit TO {AUDIT_OWNER}"
    audit_db = db

    def person_grants_the_owner() -> None:
        lab.sql(grant, dbname=audit_db)

    pg.people["pg-event-trigger-definer-owner-denied"] = person_grants_the_owner

    user, db = lab.app()
    lab.sql(
        AUDIT, TRIGGER, dbname=db
    )  # the function owned by the audit table's owner (the lab's admin)
    dsn = sr.kw(lab, user, db)
    with psycopg.connect(dsn) as conn:  # EXECUTE is revoked: SQL may not call the function ...
        fn = conn.execute("SELECT has_function_privilege('public.audit_ddl()', 'EXECUTE')")
        assert fn.fetchone() == (False,)
    assert sqlstate_of(dsn, CREATE, INSERT) is None  # ... the event trigger runs it all the same
    made["pg-event-trigger-execute-revoked-healthy"] = sr.Instance(dsn)

    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} SET bytea_output = 'escape'")
    dsn = sr.kw(lab, user, db)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SHOW bytea_output").fetchone() == ("escape",)
        assert conn.execute("SELECT '\\x00ff'::bytea").fetchone() == (b"\x00\xff",)
    assert sqlstate_of(dsn, CREATE, INSERT) is None
    made["pg-role-bytea-output-escape-healthy"] = sr.Instance(dsn)

    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} SET default_toast_compression = 'lz4'")
    dsn = sr.kw(lab, user, db)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SHOW default_toast_compression").fetchone() == ("lz4",)
    assert sqlstate_of(dsn, "CREATE TABLE proof (id int PRIMARY KEY, t text)", INSERT) is None
    made["pg-role-default-toast-compression-lz4-healthy"] = sr.Instance(dsn)
    return pg


def test_postgres(lab: Lab) -> None:
    """The four cases on one run; the person's part of the fully right fix carried out as printed
    and the healed instance passing on one more run; each case's row held."""
    pg = make_pg(lab)
    checks = sr.run_pg(lab, pg.made)
    verdicts = sr.pg_round(lab, PG, pg, checks, PERSON_FOLLOWS)
    sr.report_grades(verdicts)
    sr.rows_hold("postgres", PG, checks)
