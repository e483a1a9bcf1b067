"""The client-side settings sweep (issue 21): every connection setting the real clients know,
each with the classes of value they accept and refuse, so that envcheck agrees with the client by
construction instead of one held-out keyword at a time (the twelfth held-out round found
require_auth, gssencmode on a socket and the count of ports).

Sources, read from the clients themselves:

- PostgreSQL: libpq 18's keywords and their PG* variables (``psycopg.pq.Conninfo.get_defaults()``,
  libpq's PQconndefaults: keyword and envvar columns; the debug-only ``D`` ones and the secrets
  left out) and how fe-connect.c reads each value (enums checked in connectOptions2: sslmode,
  gssencmode, sslnegotiation, channel_binding, target_session_attrs, load_balance_hosts,
  require_auth, sslcertmode, min/max_protocol_version, ssl_min/max_protocol_version; integers
  parsed by parse_int_param when connecting: port, connect_timeout, keepalives*,
  tcp_user_timeout; booleans: replication, sslcompression, sslsni, gssdelegation; files opened:
  passfile, sslcert, sslkey, sslrootcert, sslcrl, sslcrldir; service; host / hostaddr lists).
  Each keyword meets the value classes of :data:`PG_ENUMS`, :data:`PG_INTEGERS`,
  :data:`PG_FILES` and :data:`PG_TEXT` (a legal value, an unknown word, negative, non-numeric,
  overflowing, empty, a missing file), in the URL form and the keyword/value form, and (where
  libpq has one) as its PG* variable with a DSN without it: each variable with its keyword's
  empty value and its first illegal class.
- Redis: redis-py 8's URL query arguments (``redis.connection.URL_QUERY_ARGUMENT_PARSERS``) and
  ``parse_url``'s scheme, host, port, path (db), user name and password, each with a legal value
  and the illegal classes of :data:`REDIS_QUERY` and ``redis_pairs``.

Ground truth is the real client against a real throwaway server: ``psycopg.connect`` then ``SELECT
1`` (one cluster with TLS; role ``scram`` with a SCRAM verifier for channel_binding and
require_auth, role ``sweep`` with an md5 one and ``sslmode=disable`` for the keywords that are not
about TLS: the same verdicts, fewer CPU-seconds), ``redis.Redis.from_url`` then PING (one
redis-server with a password); what it accepts must pass (no check fails), what it refuses must
fail on a check of the instance whose own words (the client's words quoted in it do not count)
name the setting (the keyword, the query argument, the PG* variable, or for dbname / user / port
their plain words), with a fix (hint) naming it too, never envcheck's own error. A fix that drops
the setting or unsets its variable is carried out (128: 108 PostgreSQL, 20 Redis) and the client
must connect after; the other fixes are judged by what they name. Instances of keywords that do
not change the session a write meets run without the write check (the client's truth is a login
and SELECT 1). The keyword pairs are instances of one envcheck session per component; the PG*
variables are process-wide: one session per group of distinct variables, all set at once, each
instance's DSN setting the group's other keywords to a value that does what leaving them out does
(:data:`NEUTRAL`; libpq reads no variable of a keyword the string sets): two sessions (the empty
values, the illegal ones) and one per PGSERVICE value.

Pairs: 296 PostgreSQL (122 keyword/value pairs in each of the two forms, 52 as a PG* variable;
149 the client accepts) and 67 Redis (34 accepted): 363.

Wrong before the fix (envcheck at 53259d3, first run of this file, 2026-12-07): 53 of 360.
PostgreSQL 47 of 293: one false pass (``PGCONNECT_TIMEOUT=''``: psycopg refuses it, "bad value for
connect_timeout"; envcheck skipped an empty variable), no false alarm, no traceback; 46 with the
setting not named in envcheck's own words and a generic fix (libpq's words quoted, then "libpq
refused or failed the connection for a reason of its own ... check ...dsn; compare with psql"):
``require_auth=''`` (2: libpq then allows no method), ``min_protocol_version`` /
``max_protocol_version`` unknown or empty (8, libpq 18's new keywords: unknown to envcheck),
``replication=bogus`` (2: the server refuses the startup parameter), keepalives, keepalives_idle,
keepalives_interval, keepalives_count and tcp_user_timeout beyond an int (10: libpq's "invalid
integer value"), keepalives_idle / interval / count negative (6: the kernel refuses setsockopt),
an empty PG* variable of an enum keyword (7: sslmode, gssencmode, sslnegotiation, channel_binding,
target_session_attrs, load_balance_hosts, sslcertmode: libpq reads an empty variable as set),
``PGREQUIREAUTH`` / ``PGMINPROTOCOLVERSION`` / ``PGMAXPROTOCOLVERSION`` unknown or empty (6:
variables envcheck did not read), ``passfile`` naming a missing file (3: "nor a matching line in
the password file" and a fix offering ``~/.pgpass``, which libpq does not read then), an empty
``port`` (2: libpq's 5432, where another server said the role does not exist: told as a role to
create there). Redis 6 of 67: two false passes (``socket_read_size=-1``: recv refuses a negative
size; ``max_connections=-1``: the pool refuses it), the unknown ``ssl_include_verify_flags`` /
``ssl_exclude_verify_flags`` (2: "redis-py does not accept it", the option not named), a port not
a number or beyond 65535 (2: the fix a generic URL shape, the port not in it).


Added after that run: an empty ``service`` (URL, key=value, PGSERVICE: libpq looks it up,
definition of service "" not found), 3 false passes on the code before (it read an empty service
as none); and the grouped variable sessions found one more: a DSN's ``options=''`` with PGOPTIONS
set was read by envcheck's own login as PGOPTIONS (libpq reads no variable of a keyword the string
sets), so a client_encoding refused was told as the PGOPTIONS setting refused.

After (src/envcheck/checks/postgres/target.py, diagnose.py, session.py,
src/envcheck/checks/redis/target.py): 0 of 363. libpq's own table of variables (PQconndefaults'
envvar column) is read, an empty variable counted as set and a keyword the string sets (even
empty) never taken from its variable (``Target.libpq_value``); min/max_protocol_version's values;
an empty require_auth; replication neither a boolean the server reads nor database; an integer
beyond a C int (connect_timeout is psycopg's, a Python int); keepalives_idle / interval / count
outside what Linux takes on a TCP socket (1 to 32767, 127); an empty service looked up; a
password file that passfile or PGPASSFILE names is the one named in the verdict and the fix
(missing: said so); a failure at an empty port names it first (libpq's default 5432). Redis: the
option redis-py's own parsers refuse is named, with what it takes; socket_read_size below 1 and
max_connections below 0 fail reading the URL; the port's fix names the port. The file costs
about 13 CPU-s (10.4 s user, 2.9 s system, at a load of 9 on two cores).
"""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pytest

PASSWORD = "Sweep-pw-Never-Shown-7"
MISSING = "/nonexistent/envcheck-sweep/missing.pem"


@dataclass(frozen=True)
class Pair:
    """One setting with one value in one form, and what the real client made of it."""

    component: str
    key: str
    cls: str
    form: str  # url, kv, env
    value: str
    conn: str = ""  # the DSN or URL
    env: tuple[tuple[str, str], ...] = ()
    named: tuple[str, ...] = field(default=())  # what a refusal's verdict must name

    @property
    def label(self) -> str:
        return f"{self.component} {self.form} {self.key}={self.value!r} ({self.cls})"


#: libpq keywords -> the value classes to sweep, each (class, value); ``{port}``, ``{cert}``,
#: ``{passfile}`` and ``{socket}`` are filled in from the lab
PG_ENUMS = {
    "sslmode": "require",
    "gssencmode": "disable",
    "sslnegotiation": "postgres",
    "channel_binding": "require",
    "target_session_attrs": "read-write",
    "load_balance_hosts": "random",
    "require_auth": "scram-sha-256",
    "sslcertmode": "allow",
    "min_protocol_version": "3.0",
    "max_protocol_version": "latest",
    "ssl_min_protocol_version": "TLSv1.2",
    "ssl_max_protocol_version": "TLSv1.3",
    "replication": "false",
    "sslcompression": "0",
    "sslsni": "1",
    "gssdelegation": "0",
}
PG_INTEGERS = {
    "port": "{port}",
    "connect_timeout": "10",
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
    "tcp_user_timeout": "1000",
}
PG_FILES = {
    "passfile": "{passfile}",
    "sslcert": None,  # no legal client certificate: the server asks for none
    "sslkey": None,
    "sslrootcert": "{cert}",
    "sslcrl": None,
    "sslcrldir": None,
}
#: free-text keywords: a legal value and the classes libpq or the server refuses
PG_TEXT: dict[str, list[tuple[str, str]]] = {
    "host": [("legal", "127.0.0.1"), ("empty", ""), ("unknown", "no-such-host.invalid")],
    "hostaddr": [("legal", "127.0.0.1"), ("unknown", "not-an-address"), ("empty", "")],
    "dbname": [("legal", "sweep"), ("unknown", "no_such_db"), ("empty", "")],
    "user": [("legal", "sweep"), ("unknown", "no_such_role")],
    "client_encoding": [("legal", "UTF8"), ("unknown", "KOI9"), ("empty", "")],
    "options": [("legal", "-c work_mem=8MB"), ("unknown", "-c no_such_setting=1")],
    "application_name": [("legal", "sweep-app"), ("empty", "")],
    "service": [("unknown", "no_such_service"), ("empty", "")],
    "requirepeer": [("unknown", "no_such_os_user")],
    "krbsrvname": [("legal", "postgres")],
    "gsslib": [("legal", "gssapi"), ("unknown", "bogus")],
    "sslpassword": [("legal", "x")],
}


#: what names a keyword besides its own name: the default it falls back to, its plain words
PG_NAMES = {
    ("port", "empty"): ("port", ":5432"),
    ("dbname", ""): ("dbname", "database"),
    ("user", ""): ("user", "role"),
    ("passfile", "empty"): ("~/.pgpass",),  # libpq's default file, which it then reads
    ("passfile", "missing"): (MISSING,),  # the file the setting names: not ~/.pgpass
}


#: keywords whose meaning needs the TLS the lab's server offers (besides ssl*): SCRAM-PLUS
TLS_KEYWORDS = ("channel_binding", "require_auth")


def pg_values() -> list[tuple[str, str, str]]:
    """(keyword, class, value) for every swept keyword."""
    out: list[tuple[str, str, str]] = []
    for key, legal in PG_ENUMS.items():
        out += [(key, "legal", legal), (key, "unknown", "bogus"), (key, "empty", "")]
    for key, legal in PG_INTEGERS.items():
        out += [(key, "legal", legal), (key, "negative", "-5"), (key, "non-numeric", "abc")]
        out += [(key, "overflow", "99999999999"), (key, "empty", "")]
    for key, good in PG_FILES.items():
        if good:
            out.append((key, "legal", good))
        out += [(key, "missing", MISSING), (key, "empty", "")]
    for key, values in PG_TEXT.items():
        out += [(key, cls, value) for cls, value in values]
    return out


def pg_pairs(port: int, cert: str, passfile: str) -> list[Pair]:
    import psycopg

    envvars = {
        o.keyword.decode(): o.envvar.decode()
        for o in psycopg.pq.Conninfo.get_defaults()
        if o.envvar
    }
    base = {"host": "127.0.0.1", "port": str(port), "user": "sweep", "dbname": "sweep"}
    base["password"] = PASSWORD
    pairs = []
    # a variable is read as its keyword is: its empty value and its first illegal class
    first_bad: dict[str, str] = {}
    for key, cls, raw in pg_values():
        value = raw.format(port=port, cert=cert, passfile=passfile)
        params = dict(base)
        if not key.startswith("ssl") and key not in TLS_KEYWORDS:
            params["sslmode"] = "disable"  # TLS only where the keyword is about it: cheaper
        if key in TLS_KEYWORDS:
            params["user"] = "scram"  # SCRAM-SHA-256-PLUS; the others log in with md5: cheaper
        if key == "passfile":
            del params["password"]
        params[key] = value
        named = PG_NAMES.get((key, cls), PG_NAMES.get((key, ""), (key,)))
        url_params = {k: v for k, v in params.items() if k not in ("password", "user")}
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in url_params.items())
        url = "postgresql://sweep" + (
            f":{quote(PASSWORD, safe='')}" if "password" in params else ""
        )
        url += f"@/?{query}"
        if key == "user":
            url = f"postgresql://{quote(value, safe='')}:{quote(PASSWORD, safe='')}@/?" + "&".join(
                f"{k}={quote(v, safe='')}" for k, v in url_params.items()
            )
        kv = " ".join(f"{k}='{v}'" for k, v in params.items())
        pairs.append(Pair("postgres", key, cls, "url", value, url, named=named))
        pairs.append(Pair("postgres", key, cls, "kv", value, kv, named=named))
        variable = envvars.get(key)
        if cls != "legal" and cls != "empty":
            first_bad.setdefault(key, cls)
        if variable and cls in ("empty", first_bad.get(key)):
            rest = {k: v for k, v in params.items() if k != key}
            if key in ("host", "hostaddr", "port", "user", "dbname"):
                continue  # the DSN always sets them (the default login)
            dsn = " ".join(f"{k}='{v}'" for k, v in rest.items())
            env = ((variable, value),)
            pairs.append(Pair("postgres", key, cls, "env", value, dsn, env, (variable, *named)))
    return pairs


def pg_truth(pair: Pair) -> tuple[bool, str]:
    """Whether psycopg connects and runs SELECT 1 with the pair's settings, and libpq's words."""
    import psycopg

    try:
        with psycopg.connect(pair.conn) as conn:  # the lab answers at once: no timeout of ours
            conn.execute("SELECT 1").fetchone()
    except psycopg.Error as exc:
        return False, (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    return True, ""


#: redis-py 8 query arguments -> (legal, [(class, value), ...])
REDIS_QUERY = {
    "db": ("0", [("unknown", "abc"), ("negative", "-1"), ("overflow", "99999"), ("empty", "")]),
    "socket_timeout": ("5", [("non-numeric", "abc"), ("negative", "-1"), ("empty", "")]),
    "socket_connect_timeout": ("5", [("non-numeric", "abc"), ("negative", "-1"), ("empty", "")]),
    "socket_read_size": ("65536", [("non-numeric", "abc"), ("negative", "-1"), ("empty", "")]),
    "socket_keepalive": ("true", [("unknown", "maybe"), ("empty", "")]),
    "retry_on_timeout": ("false", [("unknown", "maybe"), ("empty", "")]),
    "retry_on_error": ("", [("unknown", "NoSuchError")]),
    "max_connections": ("10", [("non-numeric", "abc"), ("negative", "-1"), ("empty", "")]),
    "health_check_interval": ("0", [("non-numeric", "abc"), ("negative", "-5"), ("empty", "")]),
    "ssl_check_hostname": ("false", [("unknown", "maybe")]),
    "ssl_include_verify_flags": ("", [("unknown", "NO_SUCH_FLAG")]),
    "ssl_exclude_verify_flags": ("", [("unknown", "NO_SUCH_FLAG")]),
    "ssl_min_version": ("", [("non-numeric", "abc")]),
    "timeout": ("5", [("non-numeric", "abc"), ("negative", "-1"), ("empty", "")]),
    "protocol": ("2", [("unknown", "4"), ("non-numeric", "abc"), ("empty", "")]),
    "legacy_responses": ("true", [("unknown", "maybe")]),
}


#: what names a part of the URL that is not a query argument (its own word, or the scheme)
NAMES = {
    "db": ("database", "db"),  # the path's number
    "scheme": ("scheme", "rediss://", "unix", "socket"),
    "username": ("user",),
    "host": ("host",),
}


def redis_pairs(port: int) -> list[Pair]:
    auth = f":{PASSWORD}@"
    pairs = []
    for key, (legal, bad) in REDIS_QUERY.items():
        for cls, value in [("legal", legal), *bad]:
            url = f"redis://{auth}127.0.0.1:{port}/0?{key}={quote(value, safe='')}"
            named = ("db", "database") if key == "db" else (key,)
            pairs.append(Pair("redis", key, cls, "url", value, url, named=named))
    forms = [
        ("scheme", "legal", "redis", f"redis://{auth}127.0.0.1:{port}/0"),
        ("scheme", "unknown", "http", f"http://{auth}127.0.0.1:{port}/0"),
        ("scheme", "tls", "rediss", f"rediss://{auth}127.0.0.1:{port}/0"),
        ("scheme", "unix", "unix", f"unix://{auth}/nonexistent/envcheck-sweep/redis.sock"),
        ("host", "empty", "", f"redis://{auth}:{port}/0"),
        ("host", "unknown", "no-such-host.invalid", f"redis://{auth}no-such-host.invalid:{port}/0"),
        ("port", "non-numeric", "abc", f"redis://{auth}127.0.0.1:abc/0"),
        ("port", "overflow", "99999", f"redis://{auth}127.0.0.1:99999/0"),
        ("db", "path-legal", "3", f"redis://{auth}127.0.0.1:{port}/3"),
        ("db", "path-overflow", "99", f"redis://{auth}127.0.0.1:{port}/99"),
        ("db", "path-non-numeric", "abc", f"redis://{auth}127.0.0.1:{port}/abc"),
        ("db", "path-negative", "-1", f"redis://{auth}127.0.0.1:{port}/-1"),
        ("password", "wrong", "x", f"redis://:wrong-pw@127.0.0.1:{port}/0"),
        ("password", "empty", "", f"redis://127.0.0.1:{port}/0"),
        ("username", "legal", "default", f"redis://default:{PASSWORD}@127.0.0.1:{port}/0"),
        ("username", "unknown", "nobody", f"redis://nobody:{PASSWORD}@127.0.0.1:{port}/0"),
    ]
    for key, cls, value, url in forms:
        pairs.append(Pair("redis", key, cls, "url", value, url, named=NAMES.get(key, (key,))))
    return pairs


def redis_truth(pair: Pair) -> tuple[bool, str]:
    """Whether redis-py reads the URL and PINGs (3 s bounds where the URL sets none)."""
    import redis

    try:
        client = redis.Redis.from_url(
            pair.conn, socket_timeout=3, socket_connect_timeout=3
        )  # the URL's own values win over these (redis-py updates the keywords with the URL's)
    except Exception as exc:  # noqa: B902 - any refusal of the URL is the truth
        return False, f"{type(exc).__name__}: {exc}"[:200]
    try:
        client.ping()
    except Exception as exc:  # noqa: B902
        return False, f"{type(exc).__name__}: {exc}"[:200]
    finally:
        client.connection_pool.disconnect()
        client.close()
    return True, ""


def run_envcheck(pytester: pytest.Pytester, component: str, sections: str) -> dict[str, Any]:
    from envcheck.checks.shared import server

    report = pytester.path / "envcheck-report.json"
    if report.exists():
        report.unlink()
    pytester.makefile(".toml", pyproject=sections)
    try:
        pytester.runpytest_inprocess(
            "-m",
            component,
            "-p",
            "no:cacheprovider",
            "--envcheck-report",
            "-qq",
            "--tb=no",
            "-rN",
        )
    finally:
        server.close_all((component,))
    assert report.is_file(), "envcheck wrote no report"
    assert PASSWORD not in report.read_text(), "the password is in the report"
    return {c["id"]: c for c in json.loads(report.read_text())["checks"]}


def toml_string(text: str) -> str:
    return json.dumps(text)


def shown(check: dict[str, Any]) -> str:
    return f"{check['summary']} | {check.get('why') or ''} | {check.get('hint') or ''}"


def judged(pair: Pair, truth: tuple[bool, str], mine: dict[str, dict[str, Any]]) -> str | None:
    """What is wrong with envcheck's verdict on the pair (None: right)."""
    connected, words = truth
    if not mine:
        return "no checks ran"
    failing = {c: v for c, v in mine.items() if v["status"] == "fail"}
    texts = {c: shown(v) for c, v in failing.items()}
    if any("bug" in t.lower() or "Traceback" in t for t in texts.values()):
        return f"envcheck's own error: {texts}"
    if connected:
        return None if not failing else f"false alarm (the client connects): {texts}"
    if not failing:
        return f"false pass (the client: {words})"
    # envcheck's own words must name it: the client's words quoted in a verdict do not count
    quoted = words.rsplit(" failed: ", 1)[-1].split(": ", 1)[-1] if words else ""
    for check in failing.values():
        said = shown(check).replace(quoted, "") if quoted else shown(check)
        hint = check.get("hint") or ""
        if any(n in said for n in pair.named) and any(n in hint for n in pair.named):
            return None
    return f"the setting not named with a fix (the client: {words}): {texts}"


def dropped(pair: Pair, mine: dict[str, dict[str, Any]]) -> Pair | None:
    """The pair as a fix that drops the setting leaves it ("drop KEY", "drop ?KEY=", "(or drop
    it)" after the key, "unset VARIABLE"), or None where no failing check's fix drops it: the
    client must connect then (the fix carried out, judged by the client itself)."""
    hints = [v.get("hint") or "" for v in mine.values() if v["status"] == "fail"]
    if pair.form == "env":
        unset = any(f"unset {pair.env[0][0]}" in h for h in hints)
        return replace(pair, env=()) if unset else None
    key = re.escape(pair.key)
    if not any(
        re.search(rf"drop \??{key}\b", h)
        or re.search(rf"\b{key}\b.*(\(or drop it\)|or drop the option)", h)
        for h in hints
    ):
        return None
    if pair.component == "postgres" and pair.form == "kv":
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        rest = {k: v for k, v in conninfo_to_dict(pair.conn).items() if k != pair.key}
        return replace(pair, conn=make_conninfo("", **rest))
    base, _, query = pair.conn.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != pair.key]
    return replace(pair, conn=base + ("?" + urlencode(kept, quote_via=quote) if kept else ""))


def fixes_work(
    pairs: list[Pair], checks: dict[str, Any], prefix: str, truth_of: Any
) -> tuple[int, list[str]]:
    """The fixes that drop a setting carried out (the client connects after): how many, and
    those after which the client still fails."""
    made = []
    for i, p in enumerate(pairs):
        mine = {
            k[len(f"{prefix}{i}.") :]: v for k, v in checks.items() if k.startswith(f"{prefix}{i}.")
        }
        fixed = dropped(p, mine) if any(v["status"] == "fail" for v in mine.values()) else None
        if fixed is not None:
            made.append((p, fixed))
    with ThreadPoolExecutor(8) as pool:
        after = list(pool.map(truth_of, [fixed for _, fixed in made]))
    failed = [
        f"{p.label}: the fix that drops it does not work ({said})"
        for (p, _), (ok, said) in zip(made, after)
        if not ok
    ]
    return len(made), failed


def ec_certificate(directory: Path) -> Any:
    """A self-signed P-256 certificate for 127.0.0.1 (cheaper handshakes than RSA's), or the
    suite's RSA one where openssl is missing."""
    from tests.servers import Certificate, self_signed_certificate

    openssl = shutil.which("openssl")
    if openssl is None:
        return self_signed_certificate(directory)
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return Certificate(cert, key)


@pytest.fixture(scope="module")
def pg_world() -> Iterator[tuple[Any, str, str]]:
    from tests.servers import postgres_cluster

    tmp = Path(tempfile.mkdtemp(prefix="envcheck-settings-"))
    cert = ec_certificate(tmp)
    # md5 lines take a SCRAM verifier with SCRAM: role scram logs in with SCRAM, sweep with md5
    hba = "host all all 127.0.0.1/32 md5"
    try:
        with postgres_cluster(
            hba, certificate=cert, local="local all all trust", settings=("max_connections=400",)
        ) as pg:
            pg.sql(
                f"CREATE ROLE scram LOGIN PASSWORD '{PASSWORD}'",
                "SET password_encryption = md5",
                f"CREATE ROLE sweep LOGIN PASSWORD '{PASSWORD}'",
                "CREATE DATABASE sweep OWNER sweep",
            )
            pg.sql("GRANT CREATE ON SCHEMA public TO scram", dbname="sweep")
            passfile = tmp / "pgpass"
            passfile.write_text(f"127.0.0.1:{pg.port}:sweep:sweep:{PASSWORD}\n")
            passfile.chmod(0o600)
            yield pg, str(cert.cert), str(passfile)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


#: the keywords that change the session a write meets (the others: connection settings, whose
#: instances run without the write check: the client's truth is a login and SELECT 1)
WRITE_KEYWORDS = ("options", "replication", "target_session_attrs", "dbname", "user")


def pg_sections(pairs: list[Pair]) -> str:
    return "".join(
        f"[tool.envcheck.postgres.p{i}]\ndsn = {toml_string(p.conn)}\ntimeout = 6.0\n"
        + ("" if p.key in WRITE_KEYWORDS else "write_check = false\n")
        for i, p in enumerate(pairs)
    )


def test_every_libpq_setting(
    pytester: pytest.Pytester, pg_world: tuple[Any, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pg, cert, passfile = pg_world
    for name in [n for n in os.environ if n.startswith("PG")]:
        monkeypatch.delenv(name)
    pairs = pg_pairs(pg.port, cert, passfile)
    plain = [p for p in pairs if not p.env]
    with ThreadPoolExecutor(8) as pool:
        truth = dict(zip(plain, pool.map(pg_truth, plain)))
    checks = run_envcheck(pytester, "postgres", pg_sections(plain))
    problems = []
    for i, p in enumerate(plain):
        prefix = f"postgres/p{i}."
        mine = {k[len(prefix) :]: v for k, v in checks.items() if k.startswith(prefix)}
        found = judged(p, truth[p], mine)
        if found:
            problems.append(f"{p.label}: {found}")
    run, failed = fixes_work(plain, checks, "postgres/p", pg_truth)
    problems += failed
    for group in env_groups([p for p in pairs if p.env]):
        # every variable of the group set at once; each instance's DSN sets the other
        # variables' keywords (libpq then never reads those variables), so one variable meets it
        with monkeypatch.context() as m:
            for p in group:
                m.setenv(*p.env[0])
            with ThreadPoolExecutor(8) as pool:
                truth.update(zip(group, pool.map(pg_truth, group)))
            checks = run_envcheck(pytester, "postgres", pg_sections(group))
            for i, p in enumerate(group):  # "unset VARIABLE": the client without it
                mine = {k: v for k, v in checks.items() if k.startswith(f"postgres/p{i}.")}
                if any(v["status"] == "fail" for v in mine.values()) and dropped(p, mine):
                    with monkeypatch.context() as without:
                        without.delenv(p.env[0][0])
                        ok, said = pg_truth(p)
                    run += 1
                    if not ok:
                        problems.append(f"{p.label}: unsetting it does not work ({said})")
        for i, p in enumerate(group):
            prefix = f"postgres/p{i}."
            mine = {k[len(prefix) :]: v for k, v in checks.items() if k.startswith(prefix)}
            found = judged(p, truth[p], mine)
            if found:
                problems.append(f"{p.label}: {found}")
    print(f"{len(pairs)} pairs, {sum(ok for ok, _ in truth.values())} the client accepts")
    print(f"{run} fixes that drop or unset the setting carried out")
    assert not problems, f"{len(problems)} of {len(pairs)} pairs:\n" + "\n".join(problems)


#: a value of each keyword swept as a variable that does what leaving it out does (libpq's
#: default, or empty where libpq reads empty as unset), set in a DSN to keep its variable out
NEUTRAL = {
    "sslmode": "prefer",
    "gssencmode": "disable",
    "sslnegotiation": "postgres",
    "channel_binding": "prefer",
    "target_session_attrs": "any",
    "load_balance_hosts": "disable",
    "require_auth": "password,md5,scram-sha-256,gss,sspi,oauth,none",
    "sslcertmode": "allow",
    "min_protocol_version": "3.0",
    "max_protocol_version": "3.0",
    "ssl_min_protocol_version": "TLSv1.2",
    "ssl_max_protocol_version": "",
    "sslcompression": "0",
    "sslsni": "1",
    "gssdelegation": "0",
    "connect_timeout": "30",
    "client_encoding": "UTF8",
    "krbsrvname": "postgres",
    "gsslib": "gssapi",
}


def env_groups(envs: list[Pair]) -> list[list[Pair]]:
    """The variable pairs in groups of distinct variables (each variable's empty value in one,
    its illegal one in the other, PGSERVICE's alone), each pair's DSN setting the group's other
    keywords to a neutral value (:data:`NEUTRAL`, else empty)."""
    from psycopg.conninfo import conninfo_to_dict

    # service: no value of it is neutral (libpq looks an empty one up too): groups of their own
    groups: list[list[Pair]] = [[], []]
    for p in envs:
        if p.key == "service":
            groups.append([p])
        else:
            groups[p.cls != "empty"].append(p)
    out = []
    for group in groups:
        keys = [p.key for p in group]
        assert len(set(keys)) == len(keys), keys
        made = []
        for p in group:
            present = conninfo_to_dict(p.conn)
            others = [k for k in keys if k != p.key and k not in present]
            neutral = " ".join(f"{k}='{NEUTRAL.get(k, '')}'" for k in others)
            made.append(replace(p, conn=f"{p.conn} {neutral}"))
        out.append(made)
    return out


def test_every_redis_py_url_setting(pytester: pytest.Pytester) -> None:
    from tests.verdicts.redis_servers import running

    with running("--requirepass", PASSWORD) as server:
        pairs = redis_pairs(server.port)
        # redis-py leaks the socket of a connection it refuses to configure (a negative
        # socket_connect_timeout: settimeout raises after the socket is made): the client's,
        # not envcheck's; envcheck's session below runs with warnings as errors
        with warnings.catch_warnings(), ThreadPoolExecutor(8) as pool:
            warnings.simplefilter("ignore", ResourceWarning)
            truth = dict(zip(pairs, pool.map(redis_truth, pairs)))
            gc.collect()
        sections = "".join(
            f"[tool.envcheck.redis.r{i}]\nurl = {toml_string(p.conn)}\ntimeout = 6.0\n"
            for i, p in enumerate(pairs)
        )
        checks = run_envcheck(pytester, "redis", sections)
        problems = []
        for i, p in enumerate(pairs):
            prefix = f"redis/r{i}."
            mine = {k[len(prefix) :]: v for k, v in checks.items() if k.startswith(prefix)}
            found = judged(p, truth[p], mine)
            if found:
                problems.append(f"{p.label}: {found}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            run, failed = fixes_work(pairs, checks, "redis/r", redis_truth)
            gc.collect()
        problems += failed
    print(f"{len(pairs)} pairs, {sum(ok for ok, _ in truth.values())} the client accepts")
    print(f"{run} fixes that drop the setting carried out")
    assert not problems, f"{len(problems)} of {len(pairs)} pairs:\n" + "\n".join(problems)
