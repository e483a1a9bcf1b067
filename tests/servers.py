"""Broken (and extra) servers the tests make for themselves: real sockets, real redis-server,
real throwaway PostgreSQL clusters."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
def blackhole() -> Iterator[int]:
    """A port where TCP connect times out: a listener with a backlog of 0 whose accept queue is
    full, so the kernel drops further SYNs (what a firewall that drops packets looks like)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
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


def redis_supports_tls() -> bool:
    """Whether this redis-server was built with TLS (without it, ``--tls-port`` is unknown)."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (scripts/services installs it)"
    out = subprocess.run(
        [binary, "--tls-port", "0", "--port", "0"], capture_output=True, text=True, timeout=10
    )
    return "not listen anywhere" in out.stdout + out.stderr


@contextmanager
def redis_server(*args: str, tls: Certificate | None = None) -> Iterator[int]:
    """A throwaway redis-server on a free port (no persistence), stopped afterwards.

    With ``tls``, the port speaks TLS only (``--port 0 --tls-port P``), with that certificate,
    and clients need no certificate of their own.
    """
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (scripts/services installs it)"
    port = free_port()
    listen = ["--port", str(port)]
    if tls is not None:
        listen = ["--port", "0", "--tls-port", str(port), "--tls-auth-clients", "no"]
        listen += ["--tls-cert-file", str(tls.cert), "--tls-key-file", str(tls.key)]
        listen += ["--tls-ca-cert-file", str(tls.cert)]
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"] + listen + list(args),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        assert proc.poll() is None, f"redis-server {' '.join(listen + list(args))} exited"
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def _postgres_bindir() -> Path:
    """Where initdb, pg_ctl and pg_basebackup are: Debian's /usr/lib/postgresql/N/bin (the newest),
    else beside the initdb on PATH."""
    candidates = sorted(
        (Path(path).parent for path in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda bindir: int(bindir.parent.name) if bindir.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    found = shutil.which("initdb")
    assert found, "PostgreSQL's initdb is not installed (scripts/services installs it)"
    return Path(found).resolve().parent


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
        with psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user="postgres",
            password=self.password,
            dbname=dbname,
            autocommit=True,
        ) as conn:
            for statement in statements:
                conn.execute(statement)


def _as_owner(owner: str | None, argv: list[str]) -> list[str]:
    return ["runuser", "-u", owner, "--"] + argv if owner else argv


def _run(owner: str | None, argv: list[str], what: str) -> None:
    done = subprocess.run(_as_owner(owner, argv), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{what} failed:\n{done.stdout}\n{done.stderr}"


def _start_cluster(
    bindir: Path, owner: str | None, root: Path, data: Path, port: int, settings: list[str]
) -> None:
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 " + " ".join(
        f"-c {setting}" for setting in settings
    )
    log = root / "postgres.log"
    argv = [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "-t"]
    done = subprocess.run(
        _as_owner(owner, argv + ["30", "start"]), capture_output=True, text=True, timeout=60
    )
    shown = log.read_text() if log.exists() else ""
    assert done.returncode == 0, f"pg_ctl start failed:\n{done.stdout}{done.stderr}\n{shown}"


def _stop_cluster(bindir: Path, owner: str | None, data: Path) -> None:
    argv = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
    subprocess.run(_as_owner(owner, argv), capture_output=True, timeout=60)


@contextmanager
def postgres_cluster(
    hba: str, *, certificate: Certificate | None = None, settings: tuple[str, ...] = ()
) -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster (initdb, scram-sha-256) on a free port, removed afterwards.

    ``hba`` is its pg_hba.conf for TCP (a ``local all postgres scram-sha-256`` line for the
    superuser comes first). With ``certificate``, ``ssl = on``. initdb refuses to run as root:
    as root, the cluster belongs to the ``postgres`` user (``runuser``).
    """
    bindir = _postgres_bindir()
    owner = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="envcheck-pg-"))
    data = root / "data"
    password = "Cluster-Su-pw-61"
    (root / "pwfile").write_text(password + "\n")
    if owner:
        shutil.chown(root, owner)
        shutil.chown(root / "pwfile", owner)
    started = False
    try:
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--no-sync"]
        initdb += ["--auth=scram-sha-256", f"--pwfile={root / 'pwfile'}", "-E", "UTF8"]
        _run(owner, initdb + ["--locale=C"], "initdb")
        (data / "pg_hba.conf").write_text("local all postgres scram-sha-256\n" + hba.strip() + "\n")
        extra = ["fsync=off", "max_connections=20", "shared_buffers=16MB"] + list(settings)
        if certificate is not None:
            for source, name in ((certificate.cert, "server.crt"), (certificate.key, "server.key")):
                shutil.copy(source, data / name)
                os.chmod(data / name, 0o600)
                if owner:
                    shutil.chown(data / name, owner)
            extra.append("ssl=on")
        port = free_port()
        started = True
        _start_cluster(bindir, owner, root, data, port, extra)
        yield PostgresCluster(port, root, data, password, owner)
    finally:
        if started:
            _stop_cluster(bindir, owner, data)
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
    started = False
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
        port = free_port()
        started = True
        _start_cluster(bindir, owner, root, data, port, [])
        yield PostgresCluster(port, root, data, primary.password, owner)
    finally:
        if started:
            _stop_cluster(bindir, owner, data)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def http_server() -> Iterator[int]:
    """A real HTTP server (http.server) on a free port: it waits for a full request line."""
    import http.server

    class Quiet(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


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
