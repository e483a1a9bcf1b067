"""docs/verdicts/postgres.md, row by row, against this process's lab cluster (tests/verdicts/
pg_lab.py) or a replay: each scenario makes its breakage with roles and databases of its own,
runs envcheck, asserts the row (check, status, cause, fix), and where the fix can run applies its
steps and asserts that the re-run passes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from envcheck.core.fix import Command, Sql
from tests.servers import (
    _postgres_bindir,
    blackhole,
    free_port,
    garbage_server,
    http_server,
    hung_postgres,
    isolated,
    postgres_cluster,
    postgres_standby,
    redis_server,
    silent_listener,
)
from tests.verdicts.pg_lab import (
    CERT_NAME,
    PASSWORD,
    SCRAM_DB,
    TRUST_DB,
    Lab,
    Report,
    controlled_cluster,
    error_response,
    fake_postgres,
    lab_fixtures,
    passfile,
    ssl_then_close,
    tls_listener,
)
from tests.verdicts.table import Row, Scenarios, ids

S = Scenarios("postgres")
CONNECT, REACHABLE, WRITE = "postgres/connect", "postgres/reachable", "postgres/write"
SETTINGS, VERSION = "postgres/settings", "postgres/version"


lab_server, lab = lab_fixtures("pglab", "session")


def test_every_row_has_a_scenario_and_every_scenario_a_row() -> None:
    from tests.verdicts.test_heldout_servers import PG  # its rows are run there
    from tests.verdicts.test_heldout_servers2 import PG as PG2  # and the second round's
    from tests.verdicts.test_heldout_servers3 import PG as PG3  # and the third's
    from tests.verdicts.test_heldout_servers4 import PG as PG4  # and the fourth's
    from tests.verdicts.test_heldout_servers5 import PG as PG5  # and the fifth's
    from tests.verdicts.test_heldout_servers6 import PG as PG6  # and the sixth's
    from tests.verdicts.test_heldout_servers7 import PG as PG7  # and the seventh's
    from tests.verdicts.test_heldout_servers8 import PG as PG8  # and the eighth's
    from tests.verdicts.test_heldout_servers9 import PG as PG9  # and the ninth's
    from tests.verdicts.test_heldout_servers10 import PG as PG10  # and the tenth's
    from tests.verdicts.test_heldout_servers11 import ENV as ENV11  # and the eleventh's
    from tests.verdicts.test_heldout_servers11 import PG as PG11
    from tests.verdicts.test_heldout_servers12 import PG as PG12  # and the twelfth's
    from tests.verdicts.test_heldout_servers13 import PG as PG13  # and the thirteenth's
    from tests.verdicts.test_heldout_servers14 import PG as PG14  # and the fourteenth's
    from tests.verdicts.test_heldout_servers15 import PG as PG15  # and the fifteenth's
    from tests.verdicts.test_heldout_servers16 import PG as PG16  # and the sixteenth's
    from tests.verdicts.test_heldout_servers17 import PG as PG17  # and the seventeenth's
    from tests.verdicts.test_heldout_servers18 import PG as PG18  # and the eighteenth's
    from tests.verdicts.test_heldout_servers19 import PG as PG19  # and the nineteenth's
    from tests.verdicts.test_heldout_servers20 import PG as PG20  # and the twentieth's
    from tests.verdicts.test_heldout_servers21 import PG as PG21  # and the twenty-first's
    from tests.verdicts.test_heldout_servers22 import PG as PG22  # and the twenty-second's
    from tests.verdicts.test_heldout_servers23 import PG as PG23  # and the twenty-third's
    from tests.verdicts.test_heldout_servers24 import PG as PG24  # and the twenty-fourth's
    from tests.verdicts.test_heldout_servers25 import PG as PG25  # and the twenty-fifth's
    from tests.verdicts.test_heldout_servers26 import PG as PG26  # and the twenty-sixth's
    from tests.verdicts.test_pg_structure_audit import PG as AUDIT  # the structural audit's
    from tests.verdicts.test_pg_structure_audit2 import LOCAL as AUDIT2_LOCAL
    from tests.verdicts.test_pg_structure_audit2 import PG as AUDIT2  # its second round's
    from tests.verdicts.test_protocol_sweep import PG_ROWS as PROTOCOL  # the protocol sweep's
    from tests.verdicts.test_tls_sweep import PG_ROWS  # and the TLS sweep's

    elsewhere = [*PG, *PG2, *PG3, *PG4, *PG5, *PG6, *PG7, *PG8, *PG9, *PG10, *PG11, *ENV11, *PG12]
    elsewhere += list(PG13)
    elsewhere += list(PG14)
    elsewhere += list(PG15)
    elsewhere += list(PG16)
    elsewhere += list(PG17)
    elsewhere += list(PG18)
    elsewhere += list(PG19)
    elsewhere += list(PG20)
    elsewhere += list(PG21)
    elsewhere += list(PG22)
    elsewhere += list(PG23)
    elsewhere += list(PG24)
    elsewhere += list(PG25)
    elsewhere += list(PG26)
    elsewhere += list(AUDIT)
    elsewhere += list(AUDIT2)
    elsewhere += list(AUDIT2_LOCAL)
    elsewhere += list(PG_ROWS)
    elsewhere += list(PROTOCOL.values())
    problems = S.mismatches(elsewhere=elsewhere)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("row", S.runnable(), ids=ids(S.runnable()))
def test_row(row: Row, lab: Lab) -> None:
    S.by_id[row.id](lab, row)


def verdict(lab: Lab, row: Row, dsn: str, extra: str = "") -> Report:
    report = lab.run(dsn, extra)
    lab.expect(row, report)
    return report


def fixed(lab: Lab, row: Row, dsn: str, extra: str = "", check: str | None = None) -> None:
    """The row's verdict, its fix applied (every step that runs, none manual), the re-run passes."""
    report = verdict(lab, row, dsn, extra)
    manual = lab.apply(report, row.check)
    assert not manual, [m.text for m in manual]
    lab.passes(dsn, check or row.check, extra)


def absent(report: Report, check: str, *secrets: str) -> None:
    shown = report.text(check)
    for secret in secrets:
        assert secret not in shown, f"{secret!r} shown: {shown}"


# -- the connection string ------------------------------------------------------------------------


@S.row("pg-dsn-missing-equals")
def _missing_equals(lab: Lab, row: Row) -> None:
    report = verdict(lab, row, f"host=127.0.0.1 port={lab.port} password=CNRY A CNRYB")
    absent(report, row.check, "CNRY")


@S.row("pg-dsn-unterminated")
def _unterminated(lab: Lab, row: Row) -> None:
    report = verdict(lab, row, f"host=127.0.0.1 port={lab.port} password='QzLeak7")
    absent(report, row.check, "QzLeak7")


@S.row("pg-dsn-unknown-option")
def _unknown_option(lab: Lab, row: Row) -> None:
    verdict(lab, row, f"host=127.0.0.1 port={lab.port} sslmdoe=require")


@S.row("pg-dsn-unknown-query")
def _unknown_query(lab: Lab, row: Row) -> None:
    verdict(lab, row, f"postgresql://u:QzLeak8@127.0.0.1:{lab.port}/db?sslmdoe=require")


@S.row("pg-dsn-percent")
def _percent(lab: Lab, row: Row) -> None:
    report = verdict(lab, row, f"postgresql://u:Qz%zzLeak@127.0.0.1:{lab.port}/db")
    absent(report, row.check, "Qz", "zzLeak")


@S.row("pg-dsn-scheme")
def _scheme(lab: Lab, row: Row) -> None:
    verdict(lab, row, f"postgress://u:QzLeak9@127.0.0.1:{lab.port}/db")


@S.row("pg-dsn-at-in-password")
def _at_in_password(lab: Lab, row: Row) -> None:
    report = verdict(lab, row, "postgresql://u:Secr3t@2024xq@127.0.0.1/db")
    absent(report, row.check, "Secr3t", "2024xq")


@S.row("pg-dsn-port-not-number")
def _port_not_number(lab: Lab, row: Row) -> None:
    report = verdict(lab, row, "postgresql://u:Zq9/xy@127.0.0.1/db")
    absent(report, row.check, "Zq9", "xy@")


@S.row("pg-dsn-port-range")
def _port_range(lab: Lab, row: Row) -> None:
    verdict(lab, row, "postgresql://u@127.0.0.1:70000/db")


@S.row("pg-dsn-bad-sslmode")
def _bad_sslmode(lab: Lab, row: Row) -> None:
    verdict(lab, row, lab.dsn("u", "db", sslmode="requir"))


@S.row("pg-dsn-question-mark")
def _question_mark(lab: Lab, row: Row) -> None:
    user = lab.role("lab_app", password="qq?x=1Z")
    verdict(lab, row, f"postgresql://{user}:qq?x=1Z@127.0.0.1:{lab.port}/postgres")


@S.row("pg-dsn-hostaddr", "pg-dsn-hostaddr-login")
def _hostaddr(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    ca = lab.certificate.cert
    dsn = (
        f"postgresql://{user}:{PASSWORD}@{CERT_NAME}:{lab.port}/{db}?hostaddr=127.0.0.1"
        f"&sslmode=verify-full&sslrootcert={ca}"
    )
    verdict(lab, row, dsn)


@S.row("pg-dsn-several-hosts")
def _several_hosts(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    dsn = f"postgresql://{user}:{PASSWORD}@127.0.0.1:{free_port()},127.0.0.1:{lab.port}/{db}"
    report = verdict(lab, row, dsn)
    assert report.check(CONNECT)["status"] == "pass", report.check(CONNECT)


@S.row("pg-dsn-service-file")
def _service_file(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    assert lab.pytester is not None and lab.monkeypatch is not None
    services = lab.pytester.path / "services.conf"
    services.write_text(
        f"[envcheck_lab]\nhost=127.0.0.1\nport={lab.port}\ndbname={db}\nuser={user}\n"
        f"password={PASSWORD}\n"
    )
    lab.monkeypatch.setenv("PGSERVICEFILE", str(services))
    verdict(lab, row, "service=envcheck_lab")


@S.row("pg-dsn-service-missing")
def _service_missing(lab: Lab, row: Row) -> None:
    assert lab.pytester is not None and lab.monkeypatch is not None
    services = lab.pytester.path / "services.conf"
    services.write_text("[other]\nhost=127.0.0.1\n")
    lab.monkeypatch.setenv("PGSERVICEFILE", str(services))
    report = verdict(lab, row, "service=envcheck_nowhere")
    assert str(services) in report.check(row.check)["hint"]  # the file libpq reads, not ~/...


@S.row("pg-dsn-servicefile-missing")
def _servicefile_missing(lab: Lab, row: Row) -> None:
    assert lab.pytester is not None and lab.monkeypatch is not None
    lab.monkeypatch.setenv("PGSERVICEFILE", str(lab.pytester.path / "no-such.conf"))
    verdict(lab, row, "service=envcheck_lab")


@S.row("pg-dsn-passfile")
def _passfile(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    assert lab.pytester is not None
    own = passfile(
        lab, lab.pytester.path / "app.pgpass", f"127.0.0.1:{lab.port}:*:{user}:{PASSWORD}"
    )
    verdict(lab, row, lab.dsn(user, db, None, passfile=str(own)))


@S.row("pg-dsn-target-session-attrs")
def _target_session_attrs(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    with postgres_standby(lab.pg) as standby:
        dsn = (
            f"postgresql://{user}:{PASSWORD}@127.0.0.1:{standby.port},127.0.0.1:{lab.port}/{db}"
            "?target_session_attrs=read-write"
        )
        verdict(lab, row, dsn)


@S.row("pg-dsn-connect-timeout")
def _connect_timeout(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    verdict(lab, row, lab.dsn(user, db, connect_timeout="5"))


@S.row("pg-dsn-empty-user")
def _empty_user(lab: Lab, row: Row) -> None:
    _as_root()
    dsn = f"postgresql://127.0.0.1:{lab.port}/{TRUST_DB}"
    report = verdict(lab, row, dsn)
    lab.made_roles.append("root")
    assert not lab.apply(report, row.check)
    lab.passes(dsn, row.check)


def _as_root() -> None:
    from envcheck.checks.postgres.target import os_user

    if os_user() != "root":
        pytest.skip("the row names the OS user root")


@S.row("pg-dsn-empty-user-hba")
def _empty_user_hba(lab: Lab, row: Row) -> None:
    _as_root()
    db = lab.database()
    verdict(lab, row, f"postgresql://127.0.0.1:{lab.port}/{db}")


# -- reaching the server --------------------------------------------------------------------------


@S.row("pg-dns-no-name")
def _dns_no_name(lab: Lab, row: Row) -> None:
    verdict(lab, row, "postgresql://u@envcheck-no-such-host.invalid:5432/db")


@S.row("pg-dns-resolver")
def _dns_resolver(lab: Lab, row: Row) -> None:
    """In a network namespace whose resolver is dead (a subprocess: the namespace is its own)."""
    assert lab.pytester is not None
    lab.pytester.makefile(
        ".toml",
        pyproject='[tool.envcheck.postgres]\ndsn = "postgresql://u@db.envcheck-test.example/x"\n',
    )
    argv = [sys.executable, "-m", "pytest", "-m", "postgres", "-p", "no:cacheprovider"]
    done = isolated(
        argv + ["--envcheck-report"],
        lab.pytester.path,
        resolv="nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
    )
    import json

    path = lab.pytester.path / "envcheck-report.json"
    assert path.exists(), done.stdout + done.stderr
    lab.expect(row, Report(json.loads(path.read_text())["checks"]))


@S.row("pg-refused")
def _refused(lab: Lab, row: Row) -> None:
    report = verdict(lab, row, f"postgresql://u@127.0.0.1:{free_port()}/db")
    (step,) = report.steps(row.check)
    assert isinstance(step, Command) and step.needs == {"sudo"}  # not run here


@S.row("pg-no-answer")
def _no_answer(lab: Lab, row: Row) -> None:
    with blackhole() as port:
        verdict(lab, row, f"postgresql://u@127.0.0.1:{port}/db", "timeout = 1.0\n")


@S.row("pg-socket-dir-missing")
def _socket_dir_missing(lab: Lab, row: Row) -> None:
    missing = Path(tempfile.gettempdir()) / f"envcheck-no-socket-dir-{os.getpid()}"
    verdict(lab, row, f"postgresql://u@/db?host={missing}&port={lab.port}")


@S.row("pg-socket-other-port")
def _socket_other_port(lab: Lab, row: Row) -> None:
    report = verdict(lab, row, f"postgresql://u@/db?host={lab.pg.socket_dir}&port={free_port()}")
    assert f"port={lab.port}" in report.check(row.check)["hint"]


@S.row("pg-socket-stale")
def _socket_stale(lab: Lab, row: Row) -> None:
    assert lab.pytester is not None
    directory = Path(tempfile.mkdtemp(prefix="envcheck-stale-"))
    lab.cleanups.append(lambda: __import__("shutil").rmtree(directory, True))
    with socket.socket(socket.AF_UNIX) as dead:
        dead.bind(str(directory / ".s.PGSQL.5999"))
    verdict(lab, row, f"postgresql://u@/db?host={directory}&port=5999")


@S.row("pg-silent")
def _silent(lab: Lab, row: Row) -> None:
    with silent_listener() as port:
        verdict(lab, row, f"postgresql://u@127.0.0.1:{port}/db", "timeout = 1.0\n")


@S.row("pg-hangs-up")
def _hangs_up(lab: Lab, row: Row) -> None:
    with garbage_server(b"") as port:
        verdict(lab, row, f"postgresql://u@127.0.0.1:{port}/db", "timeout = 2.0\n")


@S.row("pg-http")
def _http(lab: Lab, row: Row) -> None:
    with http_server() as port:
        verdict(lab, row, f"postgresql://u@127.0.0.1:{port}/db", "timeout = 2.0\n")


@S.row("pg-redis")
def _redis(lab: Lab, row: Row) -> None:
    with redis_server() as port:
        verdict(lab, row, f"postgresql://u@127.0.0.1:{port}/db", "timeout = 2.0\n")


#: Debian 12's OpenSSH announces itself so (RFC 4253, 4.2: "SSH-protoversion-softwareversion")
SSH_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"


@S.row("pg-ssh")
def _ssh(lab: Lab, row: Row) -> None:
    with garbage_server(SSH_BANNER) as port:
        verdict(lab, row, f"postgresql://u@127.0.0.1:{port}/db", "timeout = 2.0\n")


@S.row("pg-tls-only")
def _tls_only(lab: Lab, row: Row) -> None:
    with tls_listener(lab.certificate) as port:
        verdict(lab, row, f"postgresql://u@127.0.0.1:{port}/db", "timeout = 2.0\n")


# -- TLS and the client's own rules ---------------------------------------------------------------


@S.row("pg-ssl-refused")
def _ssl_refused(lab: Lab, row: Row) -> None:
    with postgres_cluster("host all all 127.0.0.1/32 trust") as plain:
        verdict(lab, row, plain.dsn("postgres", "postgres", sslmode="require"))


@S.row("pg-ssl-refused-env")
def _ssl_refused_env(lab: Lab, row: Row) -> None:
    assert lab.monkeypatch is not None
    lab.monkeypatch.setenv("PGSSLMODE", "require")
    with postgres_cluster("host all all 127.0.0.1/32 trust") as plain:
        verdict(lab, row, plain.dsn("postgres", "postgres"))
        lab.monkeypatch.delenv("PGSSLMODE")  # the person's step
        lab.passes(plain.dsn("postgres", "postgres"), row.check)


@S.row("pg-ssl-untrusted")
def _ssl_untrusted(lab: Lab, row: Row) -> None:
    from tests.servers import self_signed_certificate

    assert lab.pytester is not None
    other = self_signed_certificate(lab.pytester.path).cert
    user, db = lab.app()
    dsn = lab.dsn(user, db, sslmode="verify-ca", sslrootcert=str(other))
    report = verdict(lab, row, dsn)
    assert report.check(row.check)["fix"]["steps"][0]["kind"] == "manual"
    lab.passes(dsn.replace(str(other), str(lab.certificate.cert)), row.check)


@S.row("pg-ssl-require-rootcert")
def _ssl_require_rootcert(lab: Lab, row: Row) -> None:
    from tests.servers import self_signed_certificate

    assert lab.pytester is not None
    other = self_signed_certificate(lab.pytester.path).cert
    user, db = lab.app()
    dsn = lab.dsn(user, db, sslmode="require", sslrootcert=str(other))
    verdict(lab, row, dsn)
    lab.passes(dsn.replace(str(other), str(lab.certificate.cert)), row.check)


@S.row("pg-ssl-wrong-name")
def _ssl_wrong_name(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    ca = lab.certificate.cert
    dsn = f"postgresql://{user}:{PASSWORD}@localhost:{lab.port}/{db}?sslmode=verify-full"
    verdict(lab, row, dsn + f"&sslrootcert={ca}")
    lab.passes(dsn.replace("verify-full", "verify-ca") + f"&sslrootcert={ca}", row.check)


@S.row("pg-ssl-hostaddr-name")
def _ssl_hostaddr_name(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    ca = lab.certificate.cert
    dsn = (
        f"postgresql://{user}:{PASSWORD}@other.envcheck.invalid:{lab.port}/{db}"
        f"?hostaddr=127.0.0.1&sslrootcert={ca}&sslmode=verify-full"
    )
    verdict(lab, row, dsn)
    lab.passes(dsn.replace("verify-full", "verify-ca"), row.check)


@S.row("pg-ssl-no-root")
def _ssl_no_root(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    verdict(lab, row, lab.dsn(user, db, sslmode="verify-ca", sslrootcert="/nonexistent/ca.pem"))


@S.row("pg-ssl-eof")
def _ssl_eof(lab: Lab, row: Row) -> None:
    with ssl_then_close() as port:
        verdict(lab, row, f"postgresql://u:{PASSWORD}@127.0.0.1:{port}/db", "timeout = 3.0\n")


@S.row("pg-channel-binding")
def _channel_binding(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    dsn = lab.dsn(user, db, sslmode="disable", channel_binding="require")
    verdict(lab, row, dsn)
    lab.passes(dsn.replace("sslmode=disable", "sslmode=require"), row.check)


@S.row("pg-require-auth")
def _require_auth(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    dsn = lab.dsn(user, db, require_auth="md5")
    verdict(lab, row, dsn)
    lab.passes(dsn.replace("require_auth=md5", "require_auth=scram-sha-256"), row.check)


@S.row("pg-tsa-standby")
def _tsa_standby(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    with postgres_standby(lab.pg) as standby:
        verdict(lab, row, standby.dsn(user, db, PASSWORD, target_session_attrs="read-write"))


@S.row("pg-tsa-standby-on-primary")
def _tsa_standby_on_primary(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    dsn = lab.dsn(user, db, target_session_attrs="standby")
    verdict(lab, row, dsn)
    lab.passes(dsn.replace("=standby", "=prefer-standby"), row.check)


@S.row("pg-gssencmode-require")
def _gssencmode_require(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    dsn = lab.dsn(user, db, gssencmode="require")
    verdict(lab, row, dsn)
    lab.passes(dsn.replace("gssencmode=require", "gssencmode=prefer"), row.check)


# -- pg_hba.conf ----------------------------------------------------------------------------------


def _add_hba(lab: Lab, line: str) -> None:
    """Play the administrator: put ``line`` first in pg_hba.conf (undone after the scenario)."""
    hba = lab.pg.data / "pg_hba.conf"
    before = hba.read_text()
    hba.write_text(line + "\n" + before)

    def undo() -> None:
        hba.write_text(before)
        lab.sql("SELECT pg_reload_conf()")

    lab.cleanups.append(undo)


def _hba_fixed(lab: Lab, row: Row, dsn: str, user: str, db: str) -> None:
    """The person's step (the printed line, with the client address), then the reload step."""
    report = verdict(lab, row, dsn)
    hint = report.check(row.check)["hint"]
    line = hint.split("'")[1].replace("<client address>", "127.0.0.1")
    assert f" {db} {user} " in line, line
    _add_hba(lab, line)
    manual = lab.apply(report, row.check)
    assert len(manual) == 1 and manual[0].ask, manual
    lab.passes(dsn, row.check)


@S.row("pg-hba-no-entry")
def _hba_no_entry(lab: Lab, row: Row) -> None:
    user = lab.role()
    db = lab.database(user)
    _hba_fixed(lab, row, lab.dsn(user, db), user, db)


@S.row("pg-hba-reject")
def _hba_reject(lab: Lab, row: Row) -> None:
    user, db = lab.app("lab_reject")
    _hba_fixed(lab, row, lab.dsn(user, db), user, db)


@S.row("pg-hba-hostssl-only")
def _hba_hostssl_only(lab: Lab, row: Row) -> None:
    user, db = lab.app("lab_sslonly")
    dsn = lab.dsn(user, db, sslmode="disable")
    verdict(lab, row, dsn)
    lab.passes(dsn.replace("sslmode=disable", "sslmode=require"), row.check)


@S.row("pg-hba-hostnossl-only")
def _hba_hostnossl_only(lab: Lab, row: Row) -> None:
    user, db = lab.app("lab_nossl")
    dsn = lab.dsn(user, db, sslmode="require")
    verdict(lab, row, dsn)
    lab.passes(dsn.replace("sslmode=require", "sslmode=prefer"), row.check)


@S.row("pg-hba-hostgssenc-only")
def _hba_hostgssenc_only(lab: Lab, row: Row) -> None:
    user = lab.role("lab_gssonly")
    db = lab.database(user)
    verdict(lab, row, lab.dsn(user, db))


@S.row("pg-hba-local-no-entry")
def _hba_local_no_entry(lab: Lab, row: Row) -> None:
    user = lab.role()
    db = lab.database(user)
    dsn = f"postgresql://{user}:{PASSWORD}@/{db}?host={lab.pg.socket_dir}&port={lab.port}"
    _hba_fixed(lab, row, dsn, user, db)


@S.row("pg-hba-cert")
def _hba_cert(lab: Lab, row: Row) -> None:
    user = lab.role("lab_cert")  # no other line: without SSL, no line at all
    db = lab.database(user)
    verdict(lab, row, lab.dsn(user, db, sslmode="require"))


@S.row("pg-hba-hostnogssenc")
def _hba_hostnogssenc(lab: Lab, row: Row) -> None:
    user, db = lab.app("lab_nogss")
    verdict(lab, row, lab.dsn(user, db, None))


@S.row("pg-hba-trust")
def _hba_trust(lab: Lab, row: Row) -> None:
    user, db = lab.app("lab_trust")
    verdict(lab, row, lab.dsn(user, db, None))


def _md5_role(lab: Lab, group: str) -> tuple[str, str]:
    user = lab.name("r")
    with lab.pg.connect() as conn:
        conn.execute("SET password_encryption = 'md5'")
        conn.execute(f"CREATE ROLE {user} LOGIN PASSWORD '{PASSWORD}'")
        conn.execute(f"GRANT {group} TO {user}")
    lab.made_roles.append(user)
    return user, lab.database(user)


@S.row("pg-hba-md5")
def _hba_md5(lab: Lab, row: Row) -> None:
    user, db = _md5_role(lab, "lab_md5")
    verdict(lab, row, lab.dsn(user, db, "not-the-password"))
    lab.passes(lab.dsn(user, db), row.check)  # the probe's md5 exchange is the real one


@S.row("pg-hba-password")
def _hba_password(lab: Lab, row: Row) -> None:
    user, db = lab.app("lab_password")
    verdict(lab, row, lab.dsn(user, db, "not-the-password"))
    lab.passes(lab.dsn(user, db), row.check)


@S.row("pg-hba-ident")
def _hba_ident(lab: Lab, row: Row) -> None:
    user, db = lab.app("lab_ident")
    verdict(lab, row, lab.dsn(user, db), "timeout = 5.0\n")


@S.row("pg-hba-peer")
def _hba_peer(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    dsn = f"postgresql://{user}:{PASSWORD}@/{db}?host={lab.pg.socket_dir}&port={lab.port}"
    verdict(lab, row, dsn)


@S.row("pg-hba-ldap")
def _hba_ldap(lab: Lab, row: Row) -> None:
    user, db = lab.app("lab_ldap")
    verdict(lab, row, lab.dsn(user, db), "timeout = 5.0\n")


@S.row("pg-hba-pam")
def _hba_pam(lab: Lab, row: Row) -> None:
    user, db = lab.app("lab_pam")
    # PAM waits about 2 s before it says no: libpq once, envcheck's probe twice (SSL, plain)
    verdict(lab, row, lab.dsn(user, db, sslmode="disable"), "timeout = 12.0\n")


# -- the login's SQLSTATEs ------------------------------------------------------------------------


def _no_superuser(lab: Lab) -> None:
    """libpq's password file without the superuser's lines: no look-up is possible."""
    assert lab.pytester is not None and lab.monkeypatch is not None
    empty = lab.pytester.path / "empty.pgpass"
    empty.write_text("")
    empty.chmod(0o600)
    lab.monkeypatch.setenv("PGPASSFILE", str(empty))


@S.row("pg-28P01-unknown")
def _28p01_unknown(lab: Lab, row: Row) -> None:
    _no_superuser(lab)
    user, db = lab.app()
    verdict(lab, row, lab.dsn(user, db, "not-the-password"))


@S.row("pg-28P01-wrong")
def _28p01_wrong(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    report = verdict(lab, row, lab.dsn(user, db, "not-the-password"))
    absent(report, row.check, "not-the-password", PASSWORD)


@S.row("pg-28P01-password-key")
def _28p01_password_key(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    verdict(lab, row, lab.dsn(user, db, None), 'password = "not-the-password"\n')


@S.row("pg-28P01-no-role")
def _28p01_no_role(lab: Lab, row: Row) -> None:
    user = lab.name("r")
    lab.made_roles.append(user)
    dsn = lab.dsn(user, SCRAM_DB)
    report = verdict(lab, row, dsn)
    manual = lab.apply(report, row.check)
    assert len(manual) == 1 and "\\password" in manual[0].text
    lab.sql(f"ALTER ROLE {user} PASSWORD '{PASSWORD}'", f"GRANT lab_app TO {user}")  # the person
    lab.passes(dsn, row.check)


@S.row("pg-28P01-expired")
def _28p01_expired(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} VALID UNTIL '2001-01-01'")
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-28P01-no-password")
def _28p01_no_password(lab: Lab, row: Row) -> None:
    user = lab.role("lab_app", password=None)
    db = lab.database(user)
    verdict(lab, row, lab.dsn(user, db))


@S.row("pg-28000-nologin")
def _28000_nologin(lab: Lab, row: Row) -> None:
    user, db = lab.app(attrs="NOLOGIN")
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-28000-no-role")
def _28000_no_role(lab: Lab, row: Row) -> None:
    user = lab.name("r")
    lab.made_roles.append(user)
    fixed(lab, row, lab.dsn(user, TRUST_DB, None))


@S.row("pg-28000-unknown")
def _28000_unknown(lab: Lab, row: Row) -> None:
    _no_superuser(lab)
    verdict(lab, row, lab.dsn(lab.name("r"), TRUST_DB, None))


@S.row("pg-3D000-createdb")
def _3d000_createdb(lab: Lab, row: Row) -> None:
    user = lab.role("lab_app", attrs="LOGIN CREATEDB")
    db = lab.name("d")
    lab.made_dbs.append(db)
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-3D000-no-createdb")
def _3d000_no_createdb(lab: Lab, row: Row) -> None:
    user = lab.role("lab_app")
    db = lab.name("d")
    lab.made_dbs.append(db)
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-3D000-case")
def _3d000_case(lab: Lab, row: Row) -> None:
    user = lab.role("lab_app")
    name = f"Envcheck_{lab.name('d')[9:]}"
    lab.sql(f'CREATE DATABASE "{name}" OWNER {user}')
    lab.cleanups.append(lambda: lab.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    report = verdict(lab, row, lab.dsn(user, name.lower()))
    assert name in report.check(row.check)["hint"]
    lab.passes(lab.dsn(user, name), row.check)  # the person sets the exact name


@S.row("pg-42501-connect")
def _42501_connect(lab: Lab, row: Row) -> None:
    user = lab.role("lab_app")
    db = lab.database()
    lab.sql(f"REVOKE CONNECT ON DATABASE {db} FROM PUBLIC")
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-55000-allow-connections")
def _55000_allow(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    lab.sql(f"ALTER DATABASE {db} ALLOW_CONNECTIONS false")
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-55000-template0")
def _55000_template0(lab: Lab, row: Row) -> None:
    user = lab.role("lab_app")
    report = verdict(lab, row, lab.dsn(user, "template0"))
    assert [s["kind"] for s in report.check(row.check)["fix"]["steps"]] == ["manual"]


@S.row("pg-is-template")
def _is_template(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    lab.sql(f"ALTER DATABASE {db} IS_TEMPLATE true")
    lab.cleanups.append(lambda: lab.sql(f"ALTER DATABASE {db} IS_TEMPLATE false"))
    report = verdict(lab, row, lab.dsn(user, db))
    assert report.check(WRITE)["status"] == "pass", report.check(WRITE)


@S.row("pg-53300-role-zero")
def _53300_role_zero(lab: Lab, row: Row) -> None:
    user, db = lab.app(attrs="LOGIN CONNECTION LIMIT 0")
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-53300-role-full")
def _53300_role_full(lab: Lab, row: Row) -> None:
    user, db = lab.app(attrs="LOGIN CONNECTION LIMIT 1")
    dsn = lab.dsn(user, db)
    with psycopg.connect(dsn):
        report = verdict(lab, row, dsn)
        assert not lab.apply(report, row.check)
        lab.passes(dsn, row.check)


@S.row("pg-53300-db-zero")
def _53300_db_zero(lab: Lab, row: Row) -> None:
    user = lab.role("lab_app")
    db = lab.database(user, "CONNECTION LIMIT 0")
    fixed(lab, row, lab.dsn(user, db))


def _full_cluster(lab: Lab, row: Row, superusers: int) -> None:
    """A cluster of its own with 4 slots (1 reserved): 3 taken by the role, ``superusers`` more
    by the superuser; the fix raises max_connections, the administrator restarts it."""
    hba = "host all all 127.0.0.1/32 scram-sha-256"
    settings = {"max_connections": "4", "superuser_reserved_connections": "1"}
    with controlled_cluster(hba, settings) as own:
        pg = own.pg
        user = "envcheck_full"
        pg.sql(f"CREATE ROLE {user} LOGIN PASSWORD '{PASSWORD}'", f"CREATE DATABASE {user}")
        dsn = pg.dsn(user, user, PASSWORD)
        assert lab.monkeypatch is not None and lab.pytester is not None
        lab.monkeypatch.setenv(
            "PGPASSFILE", str(passfile_for(pg.port, pg.password, lab.pytester.path))
        )
        held = [psycopg.connect(dsn) for _ in range(3)]
        held += [
            psycopg.connect(pg.dsn("postgres", "postgres", pg.password)) for _ in range(superusers)
        ]
        try:
            report = verdict(lab, row, dsn)
        finally:
            for conn in held:
                conn.close()
        assert [type(s).__name__ for s in report.steps(row.check)] == ["Sql", "Manual"]
        manual = lab.apply(report, row.check)
        assert manual and "restart" in manual[0].text
        own.restart()  # the administrator
        with pg.connect() as conn:
            shown = conn.execute("SHOW max_connections").fetchone()
        assert shown is not None and int(shown[0]) >= 100, shown
        lab.passes(dsn, row.check)


def passfile_for(port: int, password: str, directory: Path) -> Path:
    path = directory / f"su-{port}.pgpass"
    path.write_text(f"127.0.0.1:{port}:*:postgres:{password}\n")
    path.chmod(0o600)
    return path


@S.row("pg-53300-reserved")
def _53300_reserved(lab: Lab, row: Row) -> None:
    _full_cluster(lab, row, superusers=0)


@S.row("pg-53300-max-connections")
def _53300_max_connections(lab: Lab, row: Row) -> None:
    _full_cluster(lab, row, superusers=1)


@S.row("pg-57P03-shutdown")
def _57p03_shutdown(lab: Lab, row: Row) -> None:
    with postgres_cluster("host all all 127.0.0.1/32 scram-sha-256") as pg:
        pg.sql(f"CREATE ROLE envcheck_down LOGIN PASSWORD '{PASSWORD}'")
        dsn = pg.dsn("envcheck_down", "postgres", PASSWORD)
        with psycopg.connect(dsn):
            bindir = _postgres_bindir()
            stop = [str(bindir / "pg_ctl"), "-D", str(pg.data), "-m", "smart", "-W", "stop"]
            stop = ["runuser", "-u", pg.owner, "--", *stop] if pg.owner else stop
            subprocess.run(stop, check=True, capture_output=True)
            report = verdict(lab, row, dsn)
    step = report.steps(row.check)[0]
    assert isinstance(step, Command) and step.argv[0] == "pg_isready"


@S.row("pg-57P03-hot-standby-off")
def _57p03_hot_standby_off(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    with controlled_cluster("", {"hot_standby": "off"}, standby_of=lab.pg) as standby:
        dsn = standby.pg.dsn(user, db, PASSWORD)
        report = verdict(lab, row, dsn)
        assert [s["kind"] for s in report.check(row.check)["fix"]["steps"]] == ["manual"]
        conf = standby.pg.data / "postgresql.auto.conf"
        conf.write_text(conf.read_text() + "hot_standby = on\n")  # the administrator
        standby.restart()
        lab.passes(dsn, row.check)


def _replay(lab: Lab, row: Row, answer: bytes) -> None:
    def send(conn: socket.socket) -> None:
        conn.sendall(answer)

    with fake_postgres(send) as port:
        verdict(lab, row, f"postgresql://u:{PASSWORD}@127.0.0.1:{port}/db")


#: published answers (tests/verdicts/replays/postgres-startup.json, each with its source)
REPLAYS = Path(__file__).resolve().parent / "replays" / "postgres-startup.json"


def _published(name: str) -> bytes:
    import json

    found = json.loads(REPLAYS.read_text())["answers"][name]
    assert found["source"]["url"].startswith("https://"), found
    return error_response(found["C"], found["M"], found.get("D", ""), found.get("R", ""))


@S.row("pg-57P03-starting")
def _57p03_starting(lab: Lab, row: Row) -> None:
    _replay(lab, row, _published("57P03-starting"))


@S.row("pg-57P03-not-consistent")
def _57p03_not_consistent(lab: Lab, row: Row) -> None:
    _replay(lab, row, _published("57P03-not-consistent"))


@S.row("pg-08P01-pooler")
def _08p01_pooler(lab: Lab, row: Row) -> None:
    _replay(lab, row, _published("08P01-pooler"))


@S.row("pg-0A000-protocol")
def _0a000_protocol(lab: Lab, row: Row) -> None:
    _replay(lab, row, _published("0A000-protocol"))


@S.row("pg-login-fallback")
def _login_fallback(lab: Lab, row: Row) -> None:
    _replay(lab, row, _published("XX000-internal"))


@S.row("pg-no-password")
def _no_password(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    verdict(lab, row, lab.dsn(user, db, None))


@S.row("pg-pgpass-mode")
def _pgpass_mode(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    assert lab.pytester is not None and lab.monkeypatch is not None
    line = f"127.0.0.1:{lab.port}:*:{user}:{PASSWORD}"
    path = passfile(lab, lab.pytester.path / "open.pgpass", line, mode=0o644)
    lab.monkeypatch.setenv("PGPASSFILE", str(path))
    report = verdict(lab, row, lab.dsn(user, db, None))
    (step,) = report.steps(row.check)
    assert isinstance(step, Command) and step.argv[:2] == ("chmod", "600")
    assert not lab.apply(report, row.check)
    lab.passes(lab.dsn(user, db, None), row.check)


@S.row("pg-passfile-not-file")
def _passfile_not_file(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    assert lab.pytester is not None and lab.monkeypatch is not None
    directory = lab.pytester.path / "pgpass.d"
    directory.mkdir()
    lab.monkeypatch.setenv("PGPASSFILE", str(directory))
    verdict(lab, row, lab.dsn(user, db, None))
    line = f"127.0.0.1:{lab.port}:{db}:{user}:{PASSWORD}"
    lab.monkeypatch.setenv("PGPASSFILE", str(passfile(lab, lab.pytester.path / "p", line)))
    lab.passes(lab.dsn(user, db, None), row.check)  # the person's step


@S.row("pg-login-hangs")
def _login_hangs(lab: Lab, row: Row) -> None:
    with hung_postgres() as port:
        verdict(lab, row, f"postgresql://u@127.0.0.1:{port}/db", "timeout = 3.0\n")


# -- the checks' queries --------------------------------------------------------------------------


@S.row("pg-healthy")
def _healthy(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    report = verdict(lab, row, lab.dsn(user, db))
    assert {c["status"] for c in report.checks} == {"pass"}, report.checks


@S.row("pg-version-old")
def _version_old(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    verdict(lab, row, lab.dsn(user, db), 'min_version = "99"\n')


@S.row("pg-version-minor")
def _version_minor(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    verdict(lab, row, lab.dsn(user, db), 'min_version = "15.99"\n')


@S.row("pg-sql-ascii-settings", "pg-sql-ascii-version", "pg-sql-ascii-write")
def _sql_ascii(lab: Lab, row: Row) -> None:
    user = lab.role("lab_app", attrs="LOGIN CREATEDB")
    db = lab.database(user, "ENCODING 'SQL_ASCII' TEMPLATE template0")
    lab.sql("CREATE TABLE notes (t text)", dbname=db)
    lab.sql("INSERT INTO notes VALUES (convert_from('\\xe9'::bytea, 'SQL_ASCII'))", dbname=db)
    report = verdict(lab, row, lab.dsn(user, db))
    assert "Traceback" not in str(report.checks) and "b'" not in str(report.checks)
    if row.status == "warn":
        manual = lab.apply(report, row.check)  # creates DB_utf8 as the role
        lab.made_dbs.append(f"{db}_utf8")
        assert manual and "move the data" in manual[0].text
        lab.passes(lab.dsn(user, f"{db}_utf8"), row.check)  # the person points the DSN there


@S.row("pg-latin1")
def _latin1(lab: Lab, row: Row) -> None:
    user = lab.role("lab_app", attrs="LOGIN CREATEDB")
    db = lab.database(user, "ENCODING 'LATIN1' TEMPLATE template0")
    report = verdict(lab, row, lab.dsn(user, db))
    lab.apply(report, row.check)
    lab.made_dbs.append(f"{db}_utf8")
    lab.passes(lab.dsn(user, f"{db}_utf8"), row.check)


@S.row("pg-connections-busy")
def _connections_busy(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    dsn = lab.dsn(user, db)
    with psycopg.connect(lab.pg.dsn("postgres", "postgres", lab.pg.password)) as su:
        in_use = su.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        ).fetchone()
    assert in_use is not None
    # 26 of 30 with the superuser's: past 80 % whether its backend has gone by the time the
    # check counts or not (24 was the boundary: one backend ending in between made it 23/30)
    held = [psycopg.connect(dsn) for _ in range(26 - int(in_use[0]))]
    try:
        verdict(lab, row, dsn)
    finally:
        for conn in held:
            conn.close()


def _role_setting(lab: Lab, row: Row, setting: str) -> None:
    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} SET {setting}")
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-statement-timeout-short")
def _statement_timeout(lab: Lab, row: Row) -> None:
    _role_setting(lab, row, "statement_timeout = '1ms'")


@S.row("pg-idle-session-timeout-short")
def _idle_session_timeout(lab: Lab, row: Row) -> None:
    _role_setting(lab, row, "idle_session_timeout = '900ms'")


@S.row("pg-idle-in-transaction-short")
def _idle_in_transaction(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    lab.sql(f"ALTER DATABASE {db} SET idle_in_transaction_session_timeout = '100ms'")
    fixed(lab, row, lab.dsn(user, db))


def _blocked(lab: Lab, row: Row, setting: str | None) -> None:
    """The role's tables go to schema ``held``, which a superuser's open transaction holds (an
    uncommitted DROP SCHEMA, as a migration would)."""
    user, db = lab.app()
    lab.sql("CREATE SCHEMA held", f"GRANT ALL ON SCHEMA held TO {user}", dbname=db)
    lab.sql(f"ALTER ROLE {user} SET search_path = held, public")
    if setting:
        lab.sql(f"ALTER ROLE {user} SET {setting}")
    dsn = lab.dsn(user, db)
    holder = psycopg.connect(lab.pg.dsn("postgres", db, lab.pg.password))
    try:
        holder.execute("SET application_name = 'a migration'")
        holder.execute("DROP SCHEMA held")  # in the transaction psycopg opened, not committed
        report = verdict(lab, row, dsn)
        manual = lab.apply(report, row.check)
    finally:
        holder.close()
    assert setting or manual  # the person's step: end that transaction (the fix ended it)
    lab.passes(dsn, row.check)


@S.row("pg-57014-write")
def _57014_write(lab: Lab, row: Row) -> None:
    _blocked(lab, row, "statement_timeout = '300ms'")


@S.row("pg-55P03-lock-timeout")
def _55p03_lock_timeout(lab: Lab, row: Row) -> None:
    _blocked(lab, row, "lock_timeout = '100ms'")


@S.row("pg-55P03-blocked")
def _55p03_blocked(lab: Lab, row: Row) -> None:
    _blocked(lab, row, None)


@S.row("pg-25006-role")
def _25006_role(lab: Lab, row: Row) -> None:
    _role_setting(lab, row, "default_transaction_read_only = on")


@S.row("pg-25006-database")
def _25006_database(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    lab.sql(f"ALTER DATABASE {db} SET default_transaction_read_only = on")
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-25006-role-in-database")
def _25006_role_in_database(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} IN DATABASE {db} SET default_transaction_read_only = on")
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-25006-server")
def _25006_server(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    lab.sql("ALTER SYSTEM SET default_transaction_read_only = on", "SELECT pg_reload_conf()")

    def undo() -> None:
        with lab.pg.connect() as conn:
            conn.execute("SET default_transaction_read_only = off")
            conn.execute("ALTER SYSTEM RESET default_transaction_read_only")
            conn.execute("SELECT pg_reload_conf()")

    lab.cleanups.append(undo)
    time.sleep(0.2)  # the reload reaches new sessions through the postmaster: at once
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-25006-client")
def _25006_client(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    dsn = lab.dsn(user, db, options="-c%20default_transaction_read_only%3Don")
    report = verdict(lab, row, dsn)
    assert [s["kind"] for s in report.check(row.check)["fix"]["steps"]] == ["manual"]
    lab.passes(lab.dsn(user, db), row.check)


@S.row("pg-25006-standby")
def _25006_standby(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    with postgres_standby(lab.pg) as standby:
        verdict(lab, row, standby.dsn(user, db, PASSWORD))


@S.row("pg-42501-public-pg15")
def _42501_public(lab: Lab, row: Row) -> None:
    user = lab.role("lab_app")
    db = lab.database()
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-42501-schema-create")
def _42501_schema(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    lab.sql("CREATE SCHEMA app", f"GRANT USAGE ON SCHEMA app TO {user}", dbname=db)
    lab.sql(f"ALTER ROLE {user} SET search_path = app")
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-usage-revoked")
def _usage_revoked(lab: Lab, row: Row) -> None:
    user = lab.role("lab_app")
    db = lab.database()
    lab.sql("REVOKE ALL ON SCHEMA public FROM PUBLIC", dbname=db)
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-3F000-search-path")
def _3f000_search_path(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} SET search_path = app_tables")
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-3F000-public-dropped")
def _public_dropped(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    lab.sql("DROP SCHEMA public", dbname=db)
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-42501-pg-catalog")
def _pg_catalog_first(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} SET search_path = pg_catalog")
    fixed(lab, row, lab.dsn(user, db))


@S.row("pg-temp-revoked")
def _temp_revoked(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    lab.sql(f"REVOKE TEMPORARY ON DATABASE {db} FROM PUBLIC")
    verdict(lab, row, lab.dsn(user, db))


@S.row("pg-write-fallback")
def _write_fallback(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    lab.sql(
        "CREATE FUNCTION no_ddl() RETURNS event_trigger LANGUAGE plpgsql AS "
        "$$BEGIN RAISE EXCEPTION 'DDL is frozen for the release'; END$$",
        "CREATE EVENT TRIGGER no_ddl ON ddl_command_start EXECUTE FUNCTION no_ddl()",
        dbname=db,
    )
    verdict(lab, row, lab.dsn(user, db))


def _extension(lab: Lab, row: Row, name: str, owner: bool = True) -> Report:
    user, db = lab.app(owner=owner)
    return verdict(lab, row, lab.dsn(user, db), f'extensions = ["{name}"]\n')


@S.row("pg-ext-installed")
def _ext_installed(lab: Lab, row: Row) -> None:
    _extension(lab, row, "plpgsql")


@S.row("pg-ext-superuser")
def _ext_superuser(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    extra = 'extensions = ["dblink"]\n'
    report = verdict(lab, row, lab.dsn(user, db), extra)
    (step,) = report.steps(row.check)
    assert isinstance(step, Sql) and step.role == "postgres"
    assert not lab.apply(report, row.check)
    lab.passes(lab.dsn(user, db), row.check, extra)


@S.row("pg-ext-trusted")
def _ext_trusted(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    extra = 'extensions = ["pgcrypto"]\n'
    report = verdict(lab, row, lab.dsn(user, db), extra)
    (step,) = report.steps(row.check)
    assert isinstance(step, Sql) and step.role is None  # the role itself
    assert not lab.apply(report, row.check)
    lab.passes(lab.dsn(user, db), row.check, extra)


@S.row("pg-ext-vector")
def _ext_vector(lab: Lab, row: Row) -> None:
    report = _extension(lab, row, "vector")
    step = report.steps(row.check)[0]
    assert isinstance(step, Command) and "sudo" in step.needs  # not run here


@S.row("pg-ext-postgis")
def _ext_postgis(lab: Lab, row: Row) -> None:
    report = _extension(lab, row, "postgis")
    assert "not in Debian" not in report.check(row.check)["hint"]


@S.row("pg-ext-case")
def _ext_case(lab: Lab, row: Row) -> None:
    user, db = lab.app()
    verdict(lab, row, lab.dsn(user, db), 'extensions = ["PgCrypto"]\n')
    # the person's step: the name as listed; then the extension is found (available, or installed)
    report = lab.run(lab.dsn(user, db), 'extensions = ["pgcrypto"]\n')
    assert "is available" in report.check("postgres/extension[pgcrypto]")["summary"]


@S.row("pg-ext-unknown")
def _ext_unknown(lab: Lab, row: Row) -> None:
    _extension(lab, row, "envcheck_noext")
