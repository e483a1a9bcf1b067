"""A PostgreSQL lab for the verdict table: one throwaway cluster per test process (SSL on, its own
certificate, scram-sha-256), whose pg_hba.conf picks the authentication method by group role,
so that each scenario makes its breakage with a role and a database of its own (unique names,
dropped afterwards) instead of a cluster of its own.

A scenario runs envcheck in a real pytest session (in process), reads the JSON report, and applies
a failing check's structured fix the way ``envcheck fix`` does: each step through
``envcheck.engine.fixer.apply_step`` (SQL through the postgres component's ``envcheck_apply_step``
hook, as the role the step names); manual steps are returned for the scenario to play the person.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from envcheck.core.fix import Manual, Step, StepResult, step_from_dict
from tests.servers import PostgresCluster, free_port, postgres_cluster
from tests.verdicts.table import Row, verdict_problems

#: groups whose members pg_hba.conf authenticates with one method (see :data:`HBA`)
GROUPS = (
    "lab_reject",
    "lab_sslonly",
    "lab_nossl",
    "lab_gssonly",
    "lab_nogss",
    "lab_trust",
    "lab_md5",
    "lab_password",
    "lab_ident",
    "lab_ldap",
    "lab_pam",
    "lab_cert",
    "lab_app",
)
#: a database every role reaches with trust (a missing role is met after authentication)
TRUST_DB = "envcheck_lab_trust"
#: a database every role reaches with scram-sha-256 (a missing role is met as 28P01)
SCRAM_DB = "envcheck_lab_scram"
HBA = f"""
host    replication postgres 127.0.0.1/32 scram-sha-256
host    all         postgres 127.0.0.1/32 scram-sha-256
host    {TRUST_DB}  all      127.0.0.1/32 trust
host    {SCRAM_DB}  all      127.0.0.1/32 scram-sha-256
host    all +lab_reject   127.0.0.1/32 reject
hostnossl all +lab_sslonly 127.0.0.1/32 reject
hostssl all +lab_nossl    127.0.0.1/32 reject
hostgssenc all +lab_gssonly 127.0.0.1/32 scram-sha-256
hostnogssenc all +lab_nogss 127.0.0.1/32 trust
host    all +lab_trust    127.0.0.1/32 trust
host    all +lab_md5      127.0.0.1/32 md5
host    all +lab_password 127.0.0.1/32 password
host    all +lab_ident    127.0.0.1/32 ident
host    all +lab_ldap     127.0.0.1/32 ldap ldapserver=127.0.0.1 ldapport={{ldap}} ldapprefix="cn=" ldapsuffix=",dc=envcheck"
host    all +lab_pam      127.0.0.1/32 pam pamservice=envcheck-lab-none
hostssl all +lab_cert     127.0.0.1/32 cert
host    all +lab_sslonly  127.0.0.1/32 scram-sha-256
host    all +lab_nossl    127.0.0.1/32 scram-sha-256
host    all +lab_app      127.0.0.1/32 scram-sha-256
"""  # noqa: E501 - pg_hba.conf lines
LOCAL = """
local all postgres scram-sha-256
local all +lab_app peer
"""
PASSWORD = "Lab-pw-Never-Shown-7"
#: a name the lab's certificate lists besides 127.0.0.1, and that no resolver knows
CERT_NAME = "pg.envcheck.invalid"
_counter = itertools.count(1)


@dataclass
class Certificate:
    cert: Path
    key: Path


def make_certificate(directory: Path) -> Certificate:
    """A self-signed certificate for 127.0.0.1 and :data:`CERT_NAME` (openssl)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs openssl to make the lab's certificate")
    cert, key = directory / "lab.crt", directory / "lab.key"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", f"/CN={CERT_NAME}"]
        + ["-addext", f"subjectAltName=IP:127.0.0.1,DNS:{CERT_NAME}"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return Certificate(cert, key)


@dataclass
class Report:
    """One envcheck run's JSON report."""

    checks: list[dict[str, Any]]

    def check(self, ident: str) -> dict[str, Any]:
        found = {c["id"]: c for c in self.checks}
        assert ident in found, f"no check {ident}: {sorted(found)}"
        return found[ident]

    def text(self, ident: str) -> str:
        c = self.check(ident)
        return f"{c['summary']} {c.get('why') or ''} {c.get('hint') or ''}"

    def steps(self, ident: str) -> list[Step]:
        """The check's fix as steps (what ``envcheck fix`` reads from the report)."""
        fix = self.check(ident).get("fix")
        assert fix, f"{ident} has no structured fix: {self.check(ident)}"
        return [step_from_dict(s) for s in fix["steps"]]


@dataclass
class Lab:
    """The process's lab cluster and what a scenario needs around it."""

    pg: PostgresCluster
    certificate: Certificate
    home: Path
    pytester: pytest.Pytester | None = None
    monkeypatch: pytest.MonkeyPatch | None = None
    made_roles: list[str] = field(default_factory=list)
    made_dbs: list[str] = field(default_factory=list)
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.pg.port

    # -- making breakages ----------------------------------------------------------------------

    def name(self, kind: str) -> str:
        return f"envcheck_{kind}_{os.getpid()}_{next(_counter)}"

    def sql(self, *statements: str, dbname: str = "postgres") -> None:
        self.pg.sql(*statements, dbname=dbname)

    def role(self, *groups: str, password: str | None = PASSWORD, attrs: str = "LOGIN") -> str:
        name = self.name("r")
        pw = f" PASSWORD '{password}'" if password is not None else ""
        self.sql(f"CREATE ROLE {name} {attrs}{pw}")
        for group in groups:
            self.sql(f"GRANT {group} TO {name}")
        self.made_roles.append(name)
        return name

    def database(self, owner: str | None = None, extra: str = "") -> str:
        name = self.name("d")
        self.sql(f"CREATE DATABASE {name}" + (f" OWNER {owner}" if owner else "") + f" {extra}")
        self.made_dbs.append(name)
        return name

    def app(self, *groups: str, owner: bool = True, attrs: str = "LOGIN") -> tuple[str, str]:
        """A role in ``lab_app`` (and ``groups``) and a database it owns (or not)."""
        user = self.role("lab_app", *groups, attrs=attrs)
        db = self.database(user if owner else None)
        return user, db

    def dsn(self, user: str, db: str, password: str | None = PASSWORD, **params: str) -> str:
        return self.pg.dsn(user, db, password, **params)

    # -- running envcheck ----------------------------------------------------------------------

    def run(self, dsn: str, extra: str = "", *args: str) -> Report:
        """envcheck on one postgres instance (``dsn``), in a real pytest session."""
        assert self.pytester is not None
        from envcheck.checks.shared import server

        toml = f"[tool.envcheck.postgres]\ndsn = {json.dumps(dsn)}\n{extra}"
        self.pytester.makefile(".toml", pyproject=toml)
        report = self.pytester.path / "envcheck-report.json"
        report.unlink(missing_ok=True)
        try:
            self.pytester.runpytest_inprocess(
                "-m", "postgres", "-p", "no:cacheprovider", "--envcheck-report", *args
            )
        finally:
            server.close_all(("postgres",))
        assert report.exists(), "envcheck wrote no report"
        return Report(json.loads(report.read_text())["checks"])

    def expect(self, row: Row, report: Report) -> None:
        problems = verdict_problems(row, report.checks)
        assert not problems, "\n".join(problems)
        assert (
            report.check(row.check).get("fix") or row.status == "pass"
        ), f"{row.id}: {row.check} has no structured fix"

    def apply(self, report: Report, ident: str) -> list[Manual]:
        """Apply the check's fix step by step (manual steps are returned, for the scenario to
        play the person). Every step that runs must succeed."""
        from envcheck.core.config import load
        from envcheck.engine import registry
        from envcheck.engine.fixer import apply_step

        assert self.pytester is not None
        pm = registry.make_plugin_manager()
        config = load(
            rootdir=self.pytester.path,
            explicit=None,
            models=registry.config_models(pm),
            defaults=None,
            environ=os.environ,
        )
        assert config is not None
        manual = []
        for step in report.steps(ident):
            if isinstance(step, Manual):
                manual.append(step)
                continue
            done: StepResult = apply_step(step, config, pm)
            assert done.ok, f"{step.render()}: {done.output}"
        return manual

    def passes(self, dsn: str, check: str, extra: str = "") -> Report:
        report = self.run(dsn, extra)
        found = report.check(check)
        assert found["status"] == "pass", f"after the fix {check}: {found}"
        return report

    def cleanup(self) -> None:
        """Undo the scenario: its own undo steps, then its databases and roles (whatever of them
        exists: a scenario may have failed before making them)."""
        try:
            for undo in reversed(self.cleanups):
                undo()
            for db in self.made_dbs:
                self.sql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
            with self.pg.connect() as conn:
                existing = {
                    r[0]
                    for r in conn.execute(
                        "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (self.made_roles,)
                    ).fetchall()
                }
            for role in (r for r in self.made_roles if r in existing):
                self.sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE usename = '{role}'"
                )
                for db in ("postgres", TRUST_DB, SCRAM_DB):
                    self.sql(f"DROP OWNED BY {role} CASCADE", dbname=db)
                self.sql(f"DROP ROLE IF EXISTS {role}")
        finally:
            self.made_dbs.clear()
            self.made_roles.clear()
            self.cleanups.clear()


@contextmanager
def lab_cluster(tmp: Path, extra: tuple[str, ...] = ()) -> Iterator[Lab]:
    """The lab's cluster; ``extra``: more server settings (``name=value``) for the whole file."""
    certificate = make_certificate(tmp)
    ldap = free_port()
    # relative to the data directory, where postgres_cluster copies the certificate
    settings = ("ssl_ca_file=server.crt",)
    with postgres_cluster(
        HBA.replace("{ldap}", str(ldap)),
        certificate=_servers_certificate(certificate),
        settings=settings + ("max_connections=30", *extra),
        local=LOCAL,
    ) as pg:
        pg.sql(*(f"CREATE ROLE {group} NOLOGIN" for group in GROUPS))
        pg.sql(f"CREATE DATABASE {TRUST_DB}", f"CREATE DATABASE {SCRAM_DB}")
        home = tmp / "home"
        home.mkdir()
        yield Lab(pg, certificate, home)


def _servers_certificate(certificate: Certificate) -> Any:
    from tests.servers import Certificate as ServersCertificate

    return ServersCertificate(certificate.cert, certificate.key)


def passfile(lab: Lab, path: Path, *lines: str, mode: int = 0o600) -> Path:
    """A password file with the superuser's lines (TCP and socket) and ``lines``."""
    su = [
        f"127.0.0.1:{lab.port}:*:postgres:{lab.pg.password}",
        f"{lab.pg.socket_dir}:{lab.port}:*:postgres:{lab.pg.password}",
    ]
    path.write_text("\n".join([*lines, *su]) + "\n")
    path.chmod(mode)
    return path


# -- fake servers: replays of what a server sends ---------------------------------------------


def error_response(sqlstate: str, message: str, detail: str = "", routine: str = "") -> bytes:
    """A PostgreSQL ErrorResponse (severity FATAL) as the server frames it."""
    fields = [b"SFATAL", b"VFATAL", b"C" + sqlstate.encode(), b"M" + message.encode()]
    if detail:
        fields.append(b"D" + detail.encode())
    if routine:
        fields.append(b"R" + routine.encode())
    body = b"\0".join(fields) + b"\0\0"
    return b"E" + (len(body) + 4).to_bytes(4, "big") + body


@contextmanager
def fake_postgres(answer: Callable[[socket.socket], None]) -> Iterator[int]:
    """A listener that answers SSLRequest with 'N' and hands the startup to ``answer``."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def one(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(3)
            try:
                while True:
                    head = conn.recv(8)
                    if len(head) < 8:
                        return
                    code = int.from_bytes(head[4:8], "big")
                    if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest
                        conn.sendall(b"N")
                        continue
                    length = int.from_bytes(head[:4], "big")
                    rest = length - 8
                    while rest > 0:
                        chunk = conn.recv(rest)
                        if not chunk:
                            return
                        rest -= len(chunk)
                    answer(conn)
                    return
            except OSError:
                return

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            thread = threading.Thread(target=one, args=(conn,), daemon=True)
            threads.append(thread)
            thread.start()

    main = threading.Thread(target=serve, daemon=True)
    main.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        main.join(2)
        for thread in threads:
            thread.join(4)
        server.close()


@contextmanager
def ssl_then_close() -> Iterator[int]:
    """A listener that answers SSLRequest with 'S' and then closes (libpq: SSL SYSCALL error:
    EOF detected)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                try:
                    conn.settimeout(2)
                    if conn.recv(8):
                        conn.sendall(b"S")
                        conn.recv(512)  # the ClientHello, then hang up
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        server.close()


@contextmanager
def tls_listener(certificate: Certificate) -> Iterator[int]:
    """A TLS-only listener (OpenSSL through Python's ssl): a handshake first, then silence."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate.cert, certificate.key)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            try:
                conn.settimeout(2)
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(64)
            except OSError:
                pass
            finally:
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(3)
        server.close()


# -- clusters whose configuration files decide (ALTER SYSTEM, then a restart) ----------------


@dataclass
class Controlled:
    """A cluster started with pg_ctl from its configuration files alone (nothing on the command
    line), so that ``ALTER SYSTEM`` and a restart change it, as on a real server."""

    pg: PostgresCluster
    root: Path

    def pg_ctl(self, *args: str) -> None:
        bindir = _bindir()
        argv = [str(bindir / "pg_ctl"), "-D", str(self.pg.data), "-l", str(self.root / "log")]
        argv += [*args]
        owner = self.pg.owner
        argv = ["runuser", "-u", owner, "--", *argv] if owner else argv
        done = subprocess.run(
            argv,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=90,
            stdin=subprocess.DEVNULL,
        )
        log = self.root / "log"
        shown = log.read_text()[-2000:] if log.exists() else ""
        assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}\n{shown}"

    def restart(self) -> None:
        """What the administrator does."""
        self.pg_ctl("-w", "-t", "60", "-m", "fast", "restart")


def _bindir() -> Path:
    from tests.servers import postgres_bindir

    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("needs PostgreSQL's server programs (initdb, pg_ctl)")
    assert bindir is not None
    return bindir


def _configure(data: Path, root: Path, port: int, settings: dict[str, str]) -> None:
    wanted = {
        "port": str(port),
        "listen_addresses": "'127.0.0.1'",
        "unix_socket_directories": f"'{root}'",
        "fsync": "off",
        "synchronous_commit": "off",
        "shared_buffers": "'16MB'",
        **settings,
    }
    with (data / "postgresql.auto.conf").open("a") as conf:
        conf.write("".join(f"{k} = {v}\n" for k, v in wanted.items()))


@contextmanager
def controlled_cluster(
    hba: str, settings: dict[str, str], *, standby_of: PostgresCluster | None = None
) -> Iterator[Controlled]:
    """A cluster of its own (a fresh initdb, or a standby of ``standby_of`` by pg_basebackup)."""
    from tests.servers import CLUSTER_PASSWORD

    bindir = _bindir()
    owner = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="envcheck-pglab-"))
    data = root / "data"
    if owner:
        shutil.chown(root, owner)
    password = standby_of.password if standby_of else CLUSTER_PASSWORD
    cluster = Controlled(PostgresCluster(free_port(), root, data, password, owner), root)

    def run(argv: list[str]) -> None:
        argv = ["runuser", "-u", owner, "--", *argv] if owner else argv
        done = subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"

    started = False
    try:
        if standby_of is None:
            (root / "pw").write_text(password + "\n")
            if owner:
                shutil.chown(root / "pw", owner)
            run(
                [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--no-sync"]
                + ["--auth=scram-sha-256", f"--pwfile={root / 'pw'}", "-E", "UTF8", "--locale=C"]
            )
            (data / "pg_hba.conf").write_text("local all postgres scram-sha-256\n" + hba + "\n")
        else:
            run(
                ["env", f"PGPASSWORD={password}", "PGPASSFILE=/dev/null"]
                + [str(bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(standby_of.port)]
                + ["-U", "postgres", "-D", str(data), "-R", "-X", "stream", "-c", "fast"]
                + ["--no-sync"]
            )
        _configure(data, root, cluster.pg.port, settings)
        cluster.pg_ctl("-w", "-t", "60", "start")
        started = True
        yield cluster
    finally:
        if started:
            try:
                cluster.pg_ctl("-m", "immediate", "-w", "stop")
            except AssertionError:
                pass
        shutil.rmtree(root, ignore_errors=True)


def for_one_test(
    lab: Lab, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Lab]:
    """The lab for one test (a fixture's body): libpq's password file holding the superuser's
    lines (fixes and look-ups log in as postgres through it, as libpq would), none of the
    caller's libpq variables, and what the test made removed afterwards."""
    lab.pytester = pytester
    lab.monkeypatch = monkeypatch
    monkeypatch.setenv("PGPASSFILE", str(passfile(lab, tmp_path / "pgpass")))
    for name in ("PGSERVICEFILE", "PGSYSCONFDIR", "PGOPTIONS", "PGSSLROOTCERT"):
        monkeypatch.delenv(name, raising=False)
    try:
        yield lab
    finally:
        lab.cleanup()


def lab_fixtures(directory: str, scope: Literal["session", "module"] = "module") -> tuple[Any, Any]:
    """The fixtures ``lab_server`` (a cluster of its own, in ``directory``, for ``scope``) and
    ``lab`` (that cluster for one test: :func:`for_one_test`), to assign by those names in a
    test module."""

    @pytest.fixture(scope=scope)
    def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
        with lab_cluster(tmp_path_factory.mktemp(directory)) as lab:
            yield lab

    @pytest.fixture
    def lab(
        lab_server: Lab, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> Iterator[Lab]:
        yield from for_one_test(lab_server, pytester, monkeypatch, tmp_path)

    return lab_server, lab
