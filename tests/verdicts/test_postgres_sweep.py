"""Every error SQLSTATE PostgreSQL defines, on a login and on the write check's probe: the
whole failure space of errcodes.txt (the installed server's own list, ``pg_config --sharedir``),
not the rows someone met. The words are only each code's condition name, so no verdict can come
from a word it knows.

- Login: one fake server answers each startup packet with the FATAL ErrorResponse of the code
  its user name carries (``b28P01`` before authentication, as pg_hba.conf and the connection
  slots refuse; ``a28P01`` after AuthenticationOk, as the database, the role and its settings
  refuse). ``connect`` must fail.
- The write probe: a real server (a cluster of this test's own) raises each code on the probe's
  CREATE TABLE (an event trigger of its database, for roles ``w<code>``). ``connect`` and
  ``version`` must pass and ``write`` fail.

A code a row of docs/verdicts/postgres.md names keeps that row's verdict (its own scenario
asserts it); every other code must get the honest fallback: the SQLSTATE and its class, the
layer, the server's words verbatim (and, on the probe, which statement failed); never envcheck's
own error, never the password.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.servers import _postgres_bindir
from tests.verdicts.child_server import child_server

TABLE = Path(__file__).resolve().parents[2] / "docs" / "verdicts" / "postgres.md"
PASSWORD = "Sweep-pw-Never-Shown-7"


def errcodes() -> dict[str, str]:
    """SQLSTATE -> condition name, for every code of severity E in the server's errcodes.txt."""
    bindir = _postgres_bindir()
    share = subprocess.run(
        [str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True, check=True
    ).stdout.strip()
    path = Path(share) / "errcodes.txt"
    if not path.is_file():
        pytest.skip(f"the PostgreSQL server's errcodes.txt is not installed ({path})")
    codes: dict[str, str] = {}
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[1] == "E" and len(fields[0]) == 5:
            codes.setdefault(fields[0], fields[3])
    return codes


@functools.cache
def table_codes() -> frozenset[str]:
    """The SQLSTATEs the rows of docs/verdicts/postgres.md name in their source entry."""
    found: set[str] = set()
    for line in TABLE.read_text().splitlines():
        cells = line.split("|")
        if line.startswith("| pg-") and len(cells) > 3:
            found.update(re.findall(r"\b[0-9][0-9A-Z]{4}\b", cells[2]))
    return frozenset(found)


def words(condition: str) -> str:
    return f"{condition.replace('_', ' ')} (sweep)"


#: the fake server, in a process of its own (one envcheck session checks every code at once):
#: ``python -c SERVER codes.json``; prints its port, answers until stdin closes
SERVER = r"""
import asyncio, json, sys

codes = json.loads(open(sys.argv[1]).read())

def message(kind, body):
    return kind + (len(body) + 4).to_bytes(4, "big") + body

def error_response(sqlstate, said, severity=b"FATAL"):
    fields = [b"S" + severity, b"V" + severity, b"C" + sqlstate.encode(), b"M" + said.encode()]
    return message(b"E", b"\0".join(fields) + b"\0\0")

async def one(reader, writer):
    try:
        while True:
            head = await reader.readexactly(8)
            length = int.from_bytes(head[:4], "big")
            if int.from_bytes(head[4:8], "big") in (80877103, 80877104):
                writer.write(b"N")  # SSLRequest, GSSENCRequest: no
                continue
            parts = (await reader.readexactly(length - 8)).split(b"\0")
            params = {parts[i].decode(): parts[i + 1].decode()
                      for i in range(0, len(parts) - 1, 2) if parts[i]}
            user = params.get("user", "")
            code, said = user[1:], codes.get(user[1:])
            if said is None:
                code, said = "28P01", "password authentication failed for user"
            elif user[0] == "a":  # after authentication: AuthenticationOk, then the error
                writer.write(message(b"R", (0).to_bytes(4, "big")))
            writer.write(error_response(code, said))
            await writer.drain()
            break
    except (asyncio.IncompleteReadError, OSError):
        pass
    writer.close()

async def main():
    server = await asyncio.start_server(one, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.close()

asyncio.run(main())
"""


@contextmanager
def answering_by_user(codes: dict[str, str], directory: Path) -> Iterator[int]:
    """A server that refuses SSL and answers a startup packet from user ``s<SQLSTATE>`` with
    that code's ErrorResponse (any other user: 28P01, as a server refuses a password)."""
    plan = {code: words(name) for code, name in codes.items()}
    with child_server(SERVER, plan, directory / "sweep-codes.json", site=True) as port:
        yield port


def checked(
    pytester: pytest.Pytester, dsns: dict[str, str], select: str
) -> dict[str, dict[str, Any]]:
    """One envcheck session over one postgres instance per ``dsns`` entry (checks ``select``):
    the JSON report's checks, by id."""
    from envcheck.checks.shared import server

    pytester.makefile(
        ".toml",
        pyproject="".join(
            f'[tool.envcheck.postgres.{name}]\ndsn = "{dsn}"\n'
            "timeout = 30.0\n"  # hundreds of instances are checked at once, on a busy machine
            for name, dsn in dsns.items()
        ),
    )
    try:
        pytester.runpytest_inprocess(
            "-m", "postgres", "-k", select, "-p", "no:cacheprovider", "--envcheck-report", "-q"
        )
    finally:
        server.close_all(("postgres",))
    report = pytester.path / "envcheck-report.json"
    assert report.is_file(), "envcheck wrote no report"
    return {c["id"]: c for c in json.loads(report.read_text())["checks"]}


def judged(found: dict[str, Any], code: str, condition: str, layer_default: str) -> list[str]:
    """What is wrong with a failing verdict for ``code`` (none for a row's code: its scenario
    judges it): a status other than fail, envcheck's own error, the password shown, or, outside
    the table, not the honest fallback (the SQLSTATE, its class, the layer, the words)."""
    from envcheck.checks.postgres.diagnose import CLASSES

    text = f"{found['summary']} | {found.get('why') or ''} | {found.get('hint') or ''}"
    if found["status"] != "fail":
        return [f"{found['status']}: {text}"]
    if "bug" in text.lower() or "Traceback" in text:
        return [f"envcheck's own error: {text}"]
    if PASSWORD in json.dumps(found):
        return ["the password is shown"]
    if code in table_codes():
        return []
    name, layer = CLASSES.get(code[:2], ("", layer_default))
    wanted = [f"SQLSTATE {code}", words(condition), f"the {layer} layer", *([name] if name else [])]
    missing = [w for w in wanted if w not in text]
    return [f"not the fallback (missing {missing}): {text}"] if missing else []


#: where the server refuses: the user name's first letter (``b`` before authentication, as
#: pg_hba.conf and the connection slots refuse; ``a`` after AuthenticationOk, as the database,
#: the role's attributes and its settings refuse)
STAGES = {"b": "before authentication", "a": "after authentication"}


def test_every_sqlstate_at_login_fails_with_its_row_or_the_honest_fallback(
    pytester: pytest.Pytester,
) -> None:
    codes = errcodes()
    assert len(codes) > 200, f"errcodes.txt lists only {len(codes)} error codes"
    users = [f"{stage}{code}" for stage in STAGES for code in codes]
    with answering_by_user(codes, pytester.path) as port:
        checks = checked(
            pytester,
            {
                user: f"postgresql://{user}:{PASSWORD}@127.0.0.1:{port}/db?sslmode=disable"
                for user in users
            },
            "connect",
        )
    problems = []
    for user in users:
        code, stage = user[1:], STAGES[user[0]]
        found = checks.get(f"postgres/{user}.connect")
        said = judged(found, code, codes[code], "login") if found else ["no connect check"]
        problems += [f"{code} {stage}: {p}" for p in said]
    assert not problems, f"{len(problems)} of {len(users)} logins:\n" + "\n".join(problems)
    outside = [c for c in codes if c not in table_codes()]
    assert len(outside) > 150, f"only {len(outside)} codes reach the fallback"


#: a real server raises the code on the write check's CREATE TABLE: an event trigger of the
#: sweep's database, for roles named ``w<sqlstate>`` (lower case), with the code's words
RAISE = """
CREATE TABLE sweep_codes (code text PRIMARY KEY, words text NOT NULL);
CREATE FUNCTION sweep_raise() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE found sweep_codes;
BEGIN
  SELECT * INTO found FROM sweep_codes WHERE code = upper(substr(current_user, 2));
  IF found.code IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = found.code, MESSAGE = found.words;
  END IF;
END $$;
CREATE EVENT TRIGGER sweep_raise ON ddl_command_start WHEN TAG IN ('CREATE TABLE')
  EXECUTE FUNCTION sweep_raise();
"""


def test_every_sqlstate_on_the_write_probe_fails_with_its_row_or_the_honest_fallback(
    pytester: pytest.Pytester,
) -> None:
    """A real server (its own cluster: one connection per code at once) refuses the write
    check's CREATE TABLE with each code (role ``w<sqlstate>``, its database's event trigger):
    ``write`` fails with the row's verdict or the fallback naming the statement, the checks
    before it pass."""
    import psycopg

    from tests.servers import postgres_cluster

    codes = {c: w for c, w in errcodes().items() if not c.startswith(("00", "01", "02"))}
    hba = "host all all 127.0.0.1/32 trust"
    with postgres_cluster(
        hba, settings=("max_connections=600",), local="local all all trust"
    ) as pg:
        pg.sql("CREATE DATABASE sweep")
        with psycopg.connect(pg.dsn("postgres", "sweep", pg.password), autocommit=True) as conn:
            conn.execute(RAISE)
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO sweep_codes VALUES (%s, %s)",
                    [(code, words(name)) for code, name in codes.items()],
                )
            for code in codes:
                conn.execute(f"CREATE ROLE w{code.lower()} LOGIN")
            conn.execute("GRANT CREATE, USAGE ON SCHEMA public TO PUBLIC")
            conn.execute("GRANT SELECT ON sweep_codes TO PUBLIC")
        checks = checked(
            pytester,
            {f"w{code}": pg.dsn(f"w{code.lower()}", "sweep") for code in codes},
            "connect or version or write",  # settings and extensions: not asked here
        )
    problems = []
    for code, condition in codes.items():
        before = [checks.get(f"postgres/w{code}.{n}", {}) for n in ("connect", "version")]
        if any(c.get("status") != "pass" for c in before):
            problems.append(f"{code}: a check before the write does not pass: {before}")
            continue
        found = checks.get(f"postgres/w{code}.write")
        said = judged(found, code, condition, "server") if found else ["no write check"]
        if found and not said and code not in table_codes() and "CREATE TABLE" not in str(found):
            said = [f"the statement is not named: {found['summary']}"]
        problems += [f"{code}: {p}" for p in said]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
