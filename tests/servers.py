"""Broken (and extra) servers the tests make for themselves: real sockets, real redis-server,
real throwaway PostgreSQL clusters."""

from __future__ import annotations

import atexit
import glob
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest


def popen_with_signals(args: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen``, the child getting SIGINT, SIGTERM and SIGHUP with their default
    disposition even where this run inherited them ignored (under ``nohup``, as a background job
    of a script): a test that sends one must see what it does to an ordinary pytest."""
    ignored = [
        s
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        if signal.getsignal(s) is signal.SIG_IGN
    ]
    for sig in ignored:
        signal.signal(sig, signal.SIG_DFL)
    try:
        return subprocess.Popen(args, **kwargs)
    finally:
        for sig in ignored:
            signal.signal(sig, signal.SIG_IGN)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (just released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def silent_listener() -> Iterator[int]:
    """A listener whose connections are accepted by the kernel and never answered."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


@contextmanager
def hangs_up_then_holds() -> Iterator[int]:
    """A port that hangs up on the first connection's first bytes and then holds every later
    connection silent (the kernel accepts them, nothing reads them): every probe a diagnosis
    sends after the hang-up waits for its own limit."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(10)

    def first() -> None:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            try:
                conn.recv(1024)
            except OSError:
                pass

    thread = threading.Thread(target=first, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()
        thread.join(2)


@contextmanager
def garbage_server(reply: bytes = b"HTTP/1.1 400 Bad Request\r\n\r\n") -> Iterator[int]:
    """A server that answers every connection with ``reply`` (another protocol) and hangs up."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        sock.close()


@contextmanager
def blackhole(address: str = "127.0.0.1") -> Iterator[int]:
    """A port where TCP connect times out: a listener with a backlog of 0 whose accept queue is
    full, so the kernel drops further SYNs (what a firewall that drops packets looks like); on
    ``address``, an address of this machine."""
    server = socket.socket()
    server.bind((address, 0))
    server.listen(0)
    address = server.getsockname()
    fillers: list[socket.socket] = []
    try:
        for _ in range(16):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(address)
            fillers.append(filler)
            time.sleep(0.05)
            with socket.socket() as trial:
                trial.settimeout(0.3)
                try:
                    trial.connect(address)
                except (socket.timeout, TimeoutError):
                    break
        else:
            raise AssertionError("could not fill the accept queue: connect never timed out")
        yield int(address[1])
    finally:
        for filler in fillers:
            filler.close()
        server.close()


@contextmanager
def hung_postgres() -> Iterator[int]:
    """A server that passes PostgreSQL's greeting (answers 'N' to SSLRequest and GSSENCRequest)
    and then never answers the login, like a server too busy to let anyone in."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)
            conn.settimeout(2)
            try:
                while True:  # SSLRequest / GSSENCRequest: "not here"; the startup: silence
                    head = conn.recv(8)
                    if len(head) < 8 or struct.unpack("!ii", head)[1] not in (80877103, 80877104):
                        break
                    conn.sendall(b"N")
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()


@dataclass
class Certificate:
    """A self-signed certificate for 127.0.0.1 (its own CA) and its key, PEM files."""

    cert: Path
    key: Path


def self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> Certificate:
    """Make a self-signed certificate for ``host`` with openssl, or the cryptography package."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    openssl = shutil.which("openssl")
    if openssl:
        subprocess.run(
            [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
            + ["-subj", f"/CN={host}", "-addext", f"subjectAltName=IP:{host}"]
            + ["-keyout", str(key), "-out", str(cert)],
            check=True,
            capture_output=True,
        )
        return Certificate(cert, key)
    try:
        import datetime
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
    except ImportError:
        pytest.skip("neither openssl nor the cryptography package can make a test certificate")
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(built.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert, key)


def redis_binary() -> str:
    """redis-server's path; skips the test where it is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        need("redis-server: scripts/services installs it")
    assert binary is not None
    return binary


def redis_supports_tls() -> bool:
    """Whether this redis-server was built with TLS (without it, ``--tls-port`` is unknown)."""
    out = subprocess.run(
        [redis_binary(), "--tls-port", "0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return "not listen anywhere" in out.stdout + out.stderr


@contextmanager
def redis_server(*args: str, tls: Certificate | None = None) -> Iterator[int]:
    """A throwaway redis-server on a free port (no persistence), stopped afterwards.

    With ``tls``, the port speaks TLS only (``--port 0 --tls-port P``), with that certificate,
    and clients need no certificate of their own. Skipped where redis-server is not installed.
    """
    binary = redis_binary()
    for _ in range(5):  # another port if a parallel test took this one meanwhile
        port = free_port()
        listen = ["--port", str(port)]
        if tls is not None:
            listen = ["--port", "0", "--tls-port", str(port), "--tls-auth-clients", "no"]
            listen += ["--tls-cert-file", str(tls.cert), "--tls-key-file", str(tls.key)]
            listen += ["--tls-ca-cert-file", str(tls.cert)]
        argv = [binary, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with tempfile.TemporaryFile() as log:
            proc = subprocess.Popen(
                argv + listen + list(args),
                stdout=log,
                stderr=log,
                start_new_session=True,  # Ctrl-C of the suite: the fixtures stop it
                preexec_fn=die_with_parent,
            )
            if _wait_for_port(proc, port):
                break
            proc.kill()
            proc.wait(10)
            log.seek(0)
            output = log.read().decode(errors="replace")
        if "Address already in use" not in output:
            raise AssertionError(f"redis-server {' '.join(listen + list(args))} exited: {output}")
    else:
        raise AssertionError("redis-server found no free port")
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def _wait_for_port(proc: subprocess.Popen[Any], port: int) -> bool:
    """Whether ``proc`` listens on ``port`` within 10 s (``False`` as soon as it exits)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


def postgres_bindir() -> Path | None:
    """Where initdb, pg_ctl and pg_basebackup are: Debian's /usr/lib/postgresql/N/bin (the newest),
    else beside the initdb on PATH; ``None`` where PostgreSQL's server is not installed."""
    candidates = sorted(
        (Path(path).parent for path in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda bindir: int(bindir.parent.name) if bindir.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _postgres_bindir() -> Path:
    """:func:`postgres_bindir`, skipping the test where PostgreSQL's server is not installed."""
    bindir = postgres_bindir()
    if bindir is None:
        need("PostgreSQL's server programs (initdb, pg_ctl): scripts/services installs them")
    assert bindir is not None
    return bindir


def need(what: str) -> None:
    """Skip the test for want of ``what`` (a program the test starts); under CI (``CI`` set when
    the session started), fail instead: CI must have every server the suite starts."""
    if _CI:
        pytest.fail(f"CI must have {what}", pytrace=False)
    pytest.skip(f"needs {what}")


#: read once, before any test's fixture can change the environment
_CI = bool(os.environ.get("CI"))


@dataclass
class PostgresCluster:
    """A running throwaway cluster: superuser ``postgres`` with ``password``, TCP on 127.0.0.1."""

    port: int
    socket_dir: Path
    data: Path
    password: str
    owner: str | None

    def dsn(self, user: str, dbname: str, password: str | None = None, **params: str) -> str:
        auth = f"{user}:{password}" if password else user
        query = "&".join(f"{key}={value}" for key, value in params.items())
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{dbname}" + (
            f"?{query}" if query else ""
        )

    def sql(self, *statements: str, dbname: str = "postgres") -> None:
        """Run statements as the superuser (over the cluster's own Unix socket), autocommit."""
        with self.connect(dbname) as conn:
            for statement in statements:
                conn.execute(statement)

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        """An autocommit connection of the superuser over the cluster's own Unix socket."""
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user="postgres",
            password=self.password,
            dbname=dbname,
            autocommit=True,
            application_name="tests",
        )


def _as_owner(owner: str | None, argv: list[str]) -> list[str]:
    return ["runuser", "-u", owner, "--"] + argv if owner else argv


def _run(owner: str | None, argv: list[str], what: str) -> None:
    done = subprocess.run(_as_owner(owner, argv), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{what} failed:\n{done.stdout}\n{done.stderr}"


def _start_cluster(
    bindir: Path, owner: str | None, root: Path, data: Path, settings: list[str]
) -> tuple[int, subprocess.Popen[bytes]]:
    """Start the cluster on a free port (another one if a parallel test took it meanwhile): the
    postmaster is this process's child, in a session of its own, and dies with this process
    (:func:`die_with_parent`) even where no fixture teardown runs."""
    log = root / "postgres.log"
    for _ in range(5):
        port = free_port()
        argv = [str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(root)]
        argv += ["-c", "listen_addresses=127.0.0.1"]
        for setting in settings:
            argv += ["-c", setting]
        with log.open("ab") as out:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
                user=owner,
                group=owner,
                extra_groups=[] if owner else None,
                preexec_fn=die_with_parent,
            )
        if _postmaster_ready(data, proc):
            return port, proc
        proc.wait(30)
        shown = log.read_text(errors="replace")
        if "could not bind" not in shown and "could not create" not in shown:
            break
    raise AssertionError(f"postgres did not start:\n{shown}")


def _postmaster_ready(data: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> bool:
    """Whether the postmaster says it accepts connections (what ``pg_ctl -w`` waits for: the
    status line of postmaster.pid); ``False`` as soon as it exits."""
    pidfile = data / "postmaster.pid"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            lines = pidfile.read_text().splitlines()
        except OSError:
            lines = []
        if len(lines) >= 8 and lines[0].strip() == str(proc.pid):
            if lines[7].strip() in ("ready", "standby"):
                return True
        time.sleep(0.01)
    if proc.poll() is None:
        proc.kill()
    return False


def _stop_cluster(proc: subprocess.Popen[bytes]) -> None:
    """Immediate shutdown (SIGQUIT): a throwaway cluster has nothing to save."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGQUIT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(30)


def _prctl() -> Any:
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux
        return None


_PRCTL = _prctl()  # looked up here: a forked child must not import


def die_with_parent() -> None:
    """For ``preexec_fn``: the child gets SIGKILL when the thread that started it ends (Linux's
    PR_SET_PDEATHSIG), so a test run that is killed leaves no server running. Start servers from
    the main thread: fixtures do."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


#: the superuser's password in every throwaway cluster (they are copies of one initdb)
CLUSTER_PASSWORD = "Cluster-Su-pw-61"
_template_lock = threading.Lock()
_templates: dict[Path, Path] = {}


def _template(bindir: Path, owner: str | None) -> Path:
    """The data directory every cluster of this process is copied from: one initdb (superuser
    ``postgres`` with :data:`CLUSTER_PASSWORD`, scram-sha-256, UTF8, C locale), removed when the
    process exits. Copying it takes a tenth of an initdb."""
    with _template_lock:
        if bindir in _templates:
            return _templates[bindir]
        root = Path(tempfile.mkdtemp(prefix="envcheck-pg-template-"))
        atexit.register(shutil.rmtree, root, True)
        (root / "pwfile").write_text(CLUSTER_PASSWORD + "\n")
        if owner:
            shutil.chown(root, owner)
            shutil.chown(root / "pwfile", owner)
        data = root / "data"
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--no-sync"]
        initdb += ["--auth=scram-sha-256", f"--pwfile={root / 'pwfile'}", "-E", "UTF8"]
        _run(owner, initdb + ["--locale=C"], "initdb")
        _templates[bindir] = data
        return data


#: what makes a throwaway cluster quick to start and cheap to run (it holds nothing worth keeping)
FAST = ("fsync=off", "synchronous_commit=off", "shared_buffers=16MB")


@contextmanager
def postgres_cluster(
    hba: str,
    *,
    certificate: Certificate | None = None,
    settings: tuple[str, ...] = (),
    local: str = "local all postgres scram-sha-256",
) -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster (scram-sha-256) on a free port, removed afterwards.

    ``hba`` is its pg_hba.conf for TCP, after ``local`` for the Unix socket (the superuser's by
    default). With ``certificate``, ``ssl = on``. initdb refuses to run as root: as root, the
    cluster belongs to the ``postgres`` user (``runuser``). Skipped where PostgreSQL's server
    programs are not installed.
    """
    bindir = _postgres_bindir()
    owner = "postgres" if os.geteuid() == 0 else None
    template = _template(bindir, owner)
    root = Path(tempfile.mkdtemp(prefix="envcheck-pg-"))
    data = root / "data"
    if owner:
        shutil.chown(root, owner)
    try:
        subprocess.run(["cp", "-a", str(template), str(data)], check=True, timeout=60)
        (data / "pg_hba.conf").write_text(local.strip() + "\n" + hba.strip() + "\n")
        extra = [*FAST, "max_connections=20", *settings]
        if certificate is not None:
            for source, name in ((certificate.cert, "server.crt"), (certificate.key, "server.key")):
                shutil.copy(source, data / name)
                os.chmod(data / name, 0o600)
                if owner:
                    shutil.chown(data / name, owner)
            extra.append("ssl=on")
        port, proc = _start_cluster(bindir, owner, root, data, extra)
        try:
            yield PostgresCluster(port, root, data, CLUSTER_PASSWORD, owner)
        finally:
            _stop_cluster(proc)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_standby(primary: PostgresCluster) -> Iterator[PostgresCluster]:
    """A hot standby of ``primary`` (pg_basebackup -R): in recovery, read-only, removed afterwards.

    ``primary``'s pg_hba.conf must let ``postgres`` connect for replication from 127.0.0.1.
    """
    bindir = _postgres_bindir()
    owner = primary.owner
    root = Path(tempfile.mkdtemp(prefix="envcheck-pg-standby-"))
    data = root / "data"
    if owner:
        shutil.chown(root, owner)
    try:
        backup = [str(bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port)]
        backup += [
            "-U",
            "postgres",
            "-D",
            str(data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        ]
        env = ["env", f"PGPASSWORD={primary.password}"]
        _run(owner, env + backup, "pg_basebackup")
        port, proc = _start_cluster(bindir, owner, root, data, list(FAST))
        try:
            yield PostgresCluster(port, root, data, primary.password, owner)
        finally:
            _stop_cluster(proc)
    finally:
        shutil.rmtree(root, ignore_errors=True)


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing, with the two things test servers do."""

    def body(self) -> bytes:
        """The request's body (by its Content-Length)."""
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def respond(
        self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        """``status`` with ``headers`` and ``body`` (its Content-Length added)."""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        return


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], poll: float = 0.5) -> Iterator[int]:
    """``handler`` served by a threading HTTP server on a free port of 127.0.0.1 (its threads
    daemons, so a stream left open never holds the test up); yields the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": poll})
    thread.daemon = True
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def http_server() -> Iterator[int]:
    """A real HTTP server (http.server) on a free port: it waits for a full request line."""
    with serving(QuietHandler, poll=0.1) as port:
        yield port


def namespaces_work() -> bool:
    """Whether this process may make mount and network namespaces (root and unshare)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    done = subprocess.run(
        ["unshare", "-m", "-n", "true"], capture_output=True, timeout=10, check=False
    )
    return done.returncode == 0


def isolated(
    argv: list[str],
    cwd: Path,
    *,
    resolv: str | None = None,
    hide: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in its own network namespace (only loopback: nothing listens there) and
    mount namespace: ``resolv`` replaces /etc/resolv.conf, every directory in ``hide`` is covered
    by an empty tmpfs (e.g. /var/run/postgresql, so no local socket is found). Nothing outside
    the namespaces changes."""
    if not namespaces_work():
        pytest.skip("needs root and unshare (mount and network namespaces)")
    script = ["ip link set lo up"]
    if resolv is not None:
        path = cwd / "resolv.conf"
        path.write_text(resolv)
        script.append(f"mount --bind {path} /etc/resolv.conf")
    script += [f"mount -t tmpfs none {directory}" for directory in hide]
    script.append('exec "$@"')
    return subprocess.run(
        ["unshare", "-m", "-n", "sh", "-c", " && ".join(script), "sh", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


# -- this test process's own servers -----------------------------------------------------------
# Every test that needs a healthy PostgreSQL or Redis gets this process's own (one of each per
# pytest-xdist worker, started when a test first asks): nothing on the machine is shared, so
# tests run in parallel. tests/conftest.py and plugins/conftest.py import these fixtures.


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresCluster]:
    """This process's own PostgreSQL: trust for everyone over 127.0.0.1 and its socket, a
    database ``test``. After the session, nothing a test or envcheck made is left on it."""
    hba = "host all all 127.0.0.1/32 trust"
    with postgres_cluster(hba, local="local all all trust", settings=("max_connections=60",)) as pg:
        pg.sql("CREATE DATABASE test")
        yield pg
        left = left_on_postgres(pg)
        assert not left, "the tests left behind on their PostgreSQL:\n  " + "\n  ".join(left)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresCluster) -> str:
    """``postgresql://postgres@127.0.0.1:PORT/postgres``: :func:`postgres_server`'s superuser."""
    return postgres_server.dsn("postgres", "postgres")


@pytest.fixture(scope="session")
def redis_port() -> Iterator[int]:
    """This process's own redis-server (no password, 16 databases), on 127.0.0.1. After the
    session, no ``envcheck:*`` key is left in any of its databases."""
    with redis_server() as port:
        yield port
        left = left_on_redis(port)
        assert not left, "the tests left behind on their Redis:\n  " + "\n  ".join(left)


@pytest.fixture(scope="session")
def redis_url(redis_port: int) -> str:
    """``redis://127.0.0.1:PORT/0``: :func:`redis_port`'s database 0."""
    return f"redis://127.0.0.1:{redis_port}/0"


def left_on_postgres(pg: PostgresCluster | str, wait: float = 5.0) -> list[str]:
    """What envcheck or the tests left on a PostgreSQL (a cluster, or a superuser's DSN):
    databases and roles named envcheck*, connections whose application_name starts with
    envcheck (given ``wait`` seconds to go: a backend notices its client's exit within moments).
    A server that does not answer has nothing left on it."""
    try:
        if isinstance(pg, PostgresCluster):
            conn = pg.connect()
        else:
            conn = psycopg.connect(pg, autocommit=True, application_name="tests: leftovers")
    except psycopg.OperationalError:
        return []
    with conn:
        databases = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'envcheck%'"
        ).fetchall()
        roles = conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE 'envcheck%'"
        ).fetchall()
        deadline = time.monotonic() + wait
        while True:
            sessions = conn.execute(
                "SELECT pid, application_name, state, datname FROM pg_stat_activity "
                "WHERE application_name LIKE 'envcheck%' AND pid <> pg_backend_pid()"
            ).fetchall()
            if not sessions or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    return (
        [f"PostgreSQL database {name!r}" for (name,) in databases]
        + [f"PostgreSQL role {name!r}" for (name,) in roles]
        + [
            f"PostgreSQL connection pid {pid} {app!r} ({state}, database {db!r})"
            for pid, app, state, db in sessions
        ]
    )


def left_on_redis(port: int, host: str = "127.0.0.1") -> list[str]:
    """``envcheck:*`` keys in any database of a Redis; one that does not answer has none."""
    import redis

    client = redis.Redis(host, port, socket_timeout=5, socket_connect_timeout=5)
    try:
        databases = int(str(client.config_get("databases")["databases"]))
    except redis.ConnectionError:
        return []
    finally:
        client.close()
    left = []
    for db in range(databases):
        with redis.Redis(host, port, db=db, socket_timeout=5) as conn:
            left += [
                f"Redis key {key.decode(errors='replace')!r} in db {db}"
                for key in conn.scan_iter(match="envcheck:*", count=1000)
            ]
    return left


# -- servers at the default addresses ----------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def run_at_default_addresses(
    argv: list[str],
    cwd: Path,
    *,
    postgres: bool = False,
    redis: bool = False,
    env: dict[str, str] | None = None,
) -> pytest.RunResult:
    """Run ``argv`` where envcheck's defaults find a server: a PostgreSQL at localhost:5432 and
    at libpq's default socket /var/run/postgresql/.s.PGSQL.5432 (``postgres``), a Redis at
    localhost:6379 (``redis``).

    As root (with unshare), those are throwaway servers of the run's own, in network, mount, IPC
    and PID namespaces of its own: nothing on the machine is reached, nothing outlives the run,
    and the run fails if anything envcheck* is left on them. Elsewhere, the machine's own servers
    at those addresses (CI's service containers, scripts/services; tests/conftest.py looks for
    leftovers on them after the suite); skipped where there are none.
    """
    if not namespaces_work():
        missing = [
            name
            for name, wanted, port in (("PostgreSQL", postgres, 5432), ("Redis", redis, 6379))
            if wanted and not _answers(port)
        ]
        if missing:
            need(
                f"{' and '.join(missing)} at the default address, or root and unshare to start "
                "them there in namespaces of the test's own"
            )
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120, env=env)
        return pytest.RunResult(
            done.returncode, done.stdout.splitlines(), done.stderr.splitlines(), 0
        )
    root = Path(tempfile.mkdtemp(prefix="envcheck-defaults-"))
    script = ["ip link set lo up"]
    checks = []
    try:
        if postgres:
            bindir, owner = _postgres_bindir(), "postgres"
            shutil.chown(root, owner)
            data = root / "data"
            subprocess.run(["cp", "-a", str(_template(bindir, owner)), str(data)], check=True)
            (data / "pg_hba.conf").write_text(
                "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n"
            )
            options = "-p 5432 -k /var/run/postgresql -c listen_addresses=localhost " + " ".join(
                f"-c {setting}" for setting in FAST
            )
            pg_ctl = f"runuser -u {owner} -- {bindir / 'pg_ctl'} -D {data}"
            script += [
                "mkdir -p /var/run/postgresql",
                "mount -t tmpfs -o mode=0775 none /var/run/postgresql",
                f"chown {owner} /var/run/postgresql",
                f"{pg_ctl} -o '{options}' -l {root / 'postgres.log'} -w -t 30 start >/dev/null",
            ]
            checks.append("left_on_postgres('postgresql://postgres@127.0.0.1:5432/postgres')")
        if redis:
            script += [
                f"{redis_binary()} --port 6379 --bind 127.0.0.1 -::1 --save '' --appendonly no "
                f"--daemonize yes --logfile {root / 'redis.log'}",
                "for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; "
                "sleep 0.05; done",
            ]
            checks.append("left_on_redis(6379)")
        left_file = root / "left.json"
        check = (
            f"import json, sys; sys.path.insert(0, {str(REPO)!r}); "
            "from tests.servers import left_on_postgres, left_on_redis; "
            f"open({str(left_file)!r}, 'w').write(json.dumps({' + '.join(checks) or '[]'}))"
        )
        lines = [
            " && ".join(script) + " || exit 97",
            '"$@"',
            "rc=$?",
            f'{sys.executable} -c "{check}"',
        ]
        if postgres:
            lines.append(f"{pg_ctl} -m immediate -w stop >/dev/null")
        lines.append("exit $rc")
        done = subprocess.run(
            [
                "unshare",
                "-m",
                "-n",
                "-i",
                "-p",
                "-f",
                "--mount-proc",
                "bash",
                "-c",
                "\n".join(lines),
            ]
            + ["bash", *argv],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        shown = done.stdout + done.stderr
        assert left_file.exists(), f"the servers at the default addresses did not start:\n{shown}"
        left = json.loads(left_file.read_text())
        assert not left, "the run left behind on its servers:\n  " + "\n  ".join(left)
        return pytest.RunResult(
            done.returncode, done.stdout.splitlines(), done.stderr.splitlines(), 0
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
