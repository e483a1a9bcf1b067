"""Throwaway redis-servers made broken in the ways docs/verdicts/redis.md lists: each one a real
redis-server on a free port (no persistence unless asked), stopped when its ``with`` block ends."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from tests.servers import free_port, redis_binary

#: the password of the ``admin`` ACL user some scenarios add (all rights)
ADMIN_PASSWORD = "Admin-pw-never-shown-31"
APP_PASSWORD = "App-pw-never-shown-47"


@dataclass
class Server:
    """One redis-server process: its port (or socket), its directory and how it was started."""

    port: int
    directory: Path
    argv: list[str]
    host: str = "127.0.0.1"
    proc: subprocess.Popen[Any] | None = field(default=None, repr=False)
    socket_path: str | None = None

    def client(self, **kwargs: Any) -> redis.Redis:
        """A client of the default user (or as ``username``/``password``), from 127.0.0.1."""
        kwargs.setdefault("socket_timeout", 10)
        return redis.Redis("127.0.0.1", self.port, **kwargs)

    def admin(self) -> redis.Redis:
        return self.client(username="admin", password=ADMIN_PASSWORD)

    def url(self, db: int = 0, auth: str = "") -> str:
        return f"redis://{auth}{self.host}:{self.port}/{db}"

    def stop(self) -> None:
        """Stop it (killed when it will not stop: a server whose final save fails stays up)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def start(self) -> None:
        """Start (again) with the same arguments, port and directory."""
        self.proc = subprocess.Popen(
            self.argv, cwd=self.directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"redis-server {self.argv} exited"
            try:
                if self.socket_path:
                    with socket.socket(socket.AF_UNIX) as probe:
                        probe.connect(self.socket_path)
                else:
                    socket.create_connection((self.host, self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise AssertionError(f"redis-server {self.argv} did not listen within 10 s")


def make(
    *args: str,
    bind: str = "127.0.0.1",
    port: int | None = None,
    directory: Path | None = None,
    config: str | None = None,
    persist: bool = False,
) -> Server:
    """A redis-server not yet started: ``config`` is written to redis.conf (for settings only a
    file may hold, such as rename-command)."""
    where = directory or Path(tempfile.mkdtemp(prefix="envcheck-redis-"))
    chosen = port or free_port()
    argv = [redis_binary()]
    if config is not None:
        (where / "redis.conf").write_text(config)
        argv.append(str(where / "redis.conf"))
    argv += ["--port", str(chosen), "--bind", *bind.split(), "--dir", str(where)]
    if not persist:
        argv += ["--save", "", "--appendonly", "no"]
    argv += list(args)
    return Server(chosen, where, argv, host=bind.split()[0])


@contextmanager
def running(*args: str, **kwargs: Any) -> Iterator[Server]:
    server = make(*args, **kwargs)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)


def add_admin(server: Server) -> None:
    """An ``admin`` ACL user with every right (the default user stays as it is)."""
    with server.client() as client:
        client.execute_command("ACL", "SETUSER", "admin", "on", f">{ADMIN_PASSWORD}", "~*", "&*")
        client.execute_command("ACL", "SETUSER", "admin", "+@all")


def add_user(server: Server, name: str, *rules: str) -> None:
    """An ACL user ``name`` with :data:`APP_PASSWORD` and ``rules``."""
    with server.admin() as client:
        client.execute_command("ACL", "SETUSER", name, "on", f">{APP_PASSWORD}", *rules)


@contextmanager
def loading(keys: int, delay_us: int, *args: str) -> Iterator[Server]:
    """A redis-server that loads ``keys`` keys from its RDB file, sleeping ``delay_us`` per key:
    ``LOADING`` for about keys * delay_us microseconds."""
    with running("--enable-debug-command", "local", persist=True) as seed:
        with seed.client() as client:
            client.execute_command("DEBUG", "POPULATE", str(keys))
            client.save()
        seed.stop()
        rdb = seed.directory / "dump.rdb"
        server = make("--key-load-delay", str(delay_us), *args, persist=True)
        shutil.copy(rdb, server.directory / "dump.rdb")
        server.start()
        try:
            yield server
        finally:
            server.stop()
            shutil.rmtree(server.directory, ignore_errors=True)


def wait_loaded(server: Server, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with server.client(socket_timeout=2) as client:
                if client.info("persistence").get("loading") == 0:
                    return
        except (redis.BusyLoadingError, redis.TimeoutError, redis.ConnectionError):
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not finish loading")


SPIN = "#!lua name=envcheck_spin\nredis.register_function('spin', function() while true do end end)"


@contextmanager
def busy_script(server: Server, function: bool = False) -> Iterator[None]:
    """A Lua script (or, with ``function``, a function) that loops until SCRIPT KILL (FUNCTION
    KILL), run from another client on a thread."""
    done = threading.Event()
    if function:
        with server.client() as client:
            client.execute_command("FUNCTION", "LOAD", SPIN)

    def loop() -> None:
        try:
            with server.client(socket_timeout=120) as client:
                if function:
                    client.execute_command("FCALL", "spin", "0")
                else:
                    client.eval("while true do end", 0)
        except redis.RedisError:
            pass
        finally:
            done.set()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with server.client() as client:
                client.ping()
        except redis.ResponseError as exc:
            if str(exc).startswith("BUSY"):
                break
        time.sleep(0.05)
    try:
        yield
    finally:
        if not done.is_set():
            try:
                with server.client() as client:
                    client.execute_command("FUNCTION" if function else "SCRIPT", "KILL")
            except redis.RedisError:
                pass
        thread.join(30)


def cluster_port() -> int:
    """A free port whose cluster bus port (+10000) is a port too, and free."""
    for _ in range(200):
        port = free_port()
        if port + 10000 < 65536:
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
            return port
    raise AssertionError("no free port for a cluster node")


def cluster_nodes(count: int) -> list[Server]:
    return [
        make("--cluster-enabled", "yes", "--cluster-node-timeout", "1000", port=cluster_port())
        for _ in range(count)
    ]


def meet(a: Server, b: Server) -> None:
    """Make ``a`` and ``b`` one cluster and wait until both know each other."""
    with a.client() as client:
        client.execute_command("CLUSTER", "MEET", "127.0.0.1", str(b.port))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with a.client() as x, b.client() as y:
            known = [
                int(
                    c.execute_command("CLUSTER", "INFO")
                    .decode()
                    .split("cluster_known_nodes:")[1]
                    .split()[0]
                )
                for c in (x, y)
            ]
        if known == [2, 2]:
            return
        time.sleep(0.05)
    raise AssertionError("the cluster nodes did not meet")


def wait_cluster_ok(server: Server, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with server.client() as client:
            if b"cluster_state:ok" in client.execute_command("CLUSTER", "INFO"):
                return
        time.sleep(0.05)
    raise AssertionError("the cluster did not reach cluster_state:ok")


def node_id(server: Server) -> str:
    with server.client() as client:
        return str(client.execute_command("CLUSTER", "MYID").decode())


def certificate(directory: Path, names: str, usage: str = "") -> tuple[Path, Path]:
    """A self-signed certificate (its own CA) whose subjectAltName is ``names``
    (``DNS:localhost``), with the extendedKeyUsage ``usage`` if given (``clientAuth``)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    eku = ["-addext", f"extendedKeyUsage={usage}"] if usage else []
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", "/CN=envcheck-test", "-addext", f"subjectAltName={names}", *eku]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def tls_args(cert: Path, key: Path, port: int) -> list[str]:
    return [
        "--tls-port",
        str(port),
        "--tls-auth-clients",
        "no",
        "--tls-cert-file",
        str(cert),
        "--tls-key-file",
        str(key),
        "--tls-ca-cert-file",
        str(cert),
    ]


def tls_server(directory: Path, usage: str = "") -> tuple[Server, Path, Path]:
    """A started TLS-only redis-server (in ``directory``, made here) whose self-signed
    certificate for 127.0.0.1 has the extendedKeyUsage ``usage`` if given: the server, its
    certificate (its own CA) and key. The caller stops it."""
    directory.mkdir()
    cert, key = certificate(directory, "IP:127.0.0.1", usage)
    port = free_port()
    server = make("--port", "0", *tls_args(cert, key, port), port=port)
    server.start()
    return server, cert, key


#: memcached's text protocol (doc/protocol.txt): ``ERROR\r\n`` "means the client sent a
#: nonexistent command name"; ``version`` is answered ``VERSION <version>\r\n``
MEMCACHED_VERSION = "1.6.18"


@contextmanager
def memcached_like() -> Iterator[int]:
    """A listener on 127.0.0.1 that answers as memcached's text protocol does, line by line (a
    replay of its documented answers: no memcached binary is needed): ``version`` with its
    version, ``quit`` by closing, any other line with ``ERROR``. Yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def serve(conn: socket.socket) -> None:
        conn.settimeout(0.1)
        pending = b""
        with conn:
            while not stop.is_set():
                try:
                    data = conn.recv(4096)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not data:
                    return
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    word = line.strip().split(b" ")[0].lower()
                    if word == b"quit":
                        return
                    answer = b"ERROR\r\n"
                    if word == b"version":
                        answer = f"VERSION {MEMCACHED_VERSION}\r\n".encode()
                    try:
                        conn.sendall(answer)
                    except OSError:  # the client hung up first
                        return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            thread = threading.Thread(target=serve, args=(conn,), daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        acceptor.join(5)
        for thread in threads:
            thread.join(5)
        listener.close()
