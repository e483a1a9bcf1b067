"""What sits between a client and an LLM API, made for real on 127.0.0.1: one threaded server that
writes raw bytes (so that it can cut, reset, mis-encode and lie about lengths), which answers as
the origin (paths ``/iN/...``: plan N), as an HTTP proxy (absolute-form requests and ``CONNECT``,
routed by the host ``iN.proxied.test``: plan N; or by the model a JSON body names,
:attr:`Lab.by_model`; else :attr:`Lab.default`), and behind TLS listeners, one per certificate
(a CA's for 127.0.0.1, a self-signed one, one for another host name, an expired one), made with
``cryptography`` in the test's temporary directory.

A plan is ``(Fault, request)``: the fault answers that request (``listing``: a GET, ``call``: a
POST, a path such as ``/api/version``, or ``any``) and healthy recorded answers answer the rest.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# imported with the module, not in make_certs: a first import inside a pytester session is undone
# at its end (sys.modules restored), and cryptography imported again then fails its own
# isinstance checks ("curve must be an EllipticCurve instance")
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.verdicts.replay import Answer

PROXY_USER = "corpuser"
#: the proxy's password, in HTTP(S)_PROXY: it may never appear in any output
PROXY_SECRET = "Pr0xyS3cretCanary"


@dataclass(frozen=True)
class Fault:
    """One failure of the layer between client and service, as written on the wire."""

    name: str
    layer: str  # "proxy" | "gateway" | "TLS" | "transport"
    source: str
    wire: bytes = b""  # what is written (a whole answer, or the start of one)
    how: str = "close"  # "close" after writing | "reset" (RST after writing) | "hang" | "tls"
    status: int | None = None
    shows: tuple[str, ...] = ()  # what the verdict must quote verbatim
    names: tuple[str, ...] = ()  # the layer, as the verdict must name it (any of)
    via: str = "origin"  # "origin" | "http-proxy" (absolute-form) | "connect" | "tls:<cert>"


def http(status: int, reason: str, headers: Mapping[str, str], body: bytes | str) -> bytes:
    """A whole HTTP/1.1 answer (``content-length`` set unless ``headers`` say otherwise)."""
    data = body.encode() if isinstance(body, str) else body
    head = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers.items()]
    lower = {k.lower() for k in headers}
    if "content-length" not in lower and "transfer-encoding" not in lower:
        head.append(f"content-length: {len(data)}")
    head.append("connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data


#: OpenSSH's greeting (RFC 4253 section 4.2: the identification string, sent on connect)
SSH_GREETING = b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n"
#: what Go's net/http (Ollama's server) writes to a request it cannot parse, then closes
#: (net/http/server.go: "HTTP/1.1 " + publicErr + errorHeaders + publicErr)
_GO_BAD_REQUEST = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\n\r\n400 Bad Request"
)


def healthy_wire(answer: Answer) -> bytes:
    return http(answer.status, "OK", dict(answer.headers), answer.body)


Plan = tuple[Fault, str]


class Lab:
    """The server. ``plans[N]`` decides what ``/iN/...`` (or ``iN.proxied.test``) meets;
    ``healthy(method, path)`` answers everything else; ``default`` is the plan of a request
    without ``/iN/`` (Ollama's paths), changed between sessions."""

    def __init__(self, healthy: Callable[[str, str, bytes], bytes], tmp: Path) -> None:
        self.plans: list[Plan] = []
        self.default: Plan | None = None
        #: plans by the model a request's JSON body names (Ollama's /api/show, /api/generate)
        self.by_model: dict[str, Plan] = {}
        self.healthy = healthy
        self.log: list[str] = []
        self.tunnelled: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.certs = make_certs(tmp)
        self._listeners: list[socket.socket] = []
        #: the context a CONNECT answered with ``how="intercept"`` presents (a TLS-intercepting
        #: proxy: 200, then its own certificate for the target)
        self.intercept: ssl.SSLContext | None = None
        self.port = self._listen(None)
        #: a port where another service listens: OpenSSH's greeting on connect, and its words on
        #: a request it cannot read (then it closes)
        self.banner_port = self._listen(None, banner=SSH_GREETING)
        self.tls_ports = {
            name: self.tls(self.certs[name], self.certs[name + "-key"])
            for name in ("good", "self", "host", "old")
        }

    def tls(self, cert: str, key: str, client_ca: str | None = None) -> int:
        """A TLS listener presenting ``cert`` (a PEM chain) that serves like the origin; with
        ``client_ca``, it requires a client certificate signed by that CA."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        if client_ca is not None:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(client_ca)
        return self._listen(context)

    # -- listening ---------------------------------------------------------------------------

    def _listen(self, context: ssl.SSLContext | None, banner: bytes = b"") -> int:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(512)
        sock.settimeout(0.1)
        self._listeners.append(sock)
        threading.Thread(target=self._accept, args=(sock, context, banner), daemon=True).start()
        return int(sock.getsockname()[1])

    def _accept(self, sock: socket.socket, context: ssl.SSLContext | None, banner: bytes) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = sock.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            serve = self._greet if banner else self._serve
            args = (conn, banner) if banner else (conn, context)
            threading.Thread(target=serve, args=args, daemon=True).start()

    def _greet(self, conn: socket.socket, banner: bytes) -> None:
        """Another protocol's server: it speaks first, and ends what it cannot read."""
        with conn:
            try:
                conn.settimeout(5)
                conn.sendall(banner)
                if conn.recv(65536):
                    conn.sendall(b"Invalid SSH identification string.\r\n")
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        for sock in self._listeners:
            sock.close()

    # -- one connection ----------------------------------------------------------------------

    def _serve(self, conn: socket.socket, context: ssl.SSLContext | None) -> None:
        conn.settimeout(10)
        try:
            if context is not None:
                try:
                    conn = context.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):  # the client refused the certificate
                    return
            while self._one(conn):
                pass
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _read_request(self, conn: socket.socket) -> tuple[str, str, bytes] | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
            if data[:1] == b"\x16":  # a TLS ClientHello to a plain port: as Go's net/http answers
                conn.sendall(_GO_BAD_REQUEST)
                return None
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        return method, target, body

    def _plan(self, target: str) -> Plan | None:
        found = re.search(r"(?:^|/)i(\d+)(?:[./]|$)", target)
        if found is None:
            return self.default
        return self.plans[int(found[1])]

    def _one(self, conn: socket.socket) -> bool:
        """Answer one request; ``False`` when the connection is done."""
        request = self._read_request(conn)
        if request is None:
            return False
        method, target, body = request
        proxied = method == "CONNECT" or "://" in target
        with self._lock:
            self.log.append(f"{method} {target}")
        plan = self._plan(target)
        path = re.sub(r"^\w+://[^/]+", "", target) if "://" in target else target
        path = re.sub(r"^/i\d+", "", path)
        if self.by_model and body[:1] == b"{":
            named = json.loads(body)
            model = str(named.get("model") or named.get("name") or "")
            plan = self.by_model.get(model, plan)
        if method == "CONNECT":
            assert plan is not None
            if plan[0].how == "intercept" and self.intercept is not None:
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                try:
                    inner = self.intercept.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):  # the client refused the proxy's certificate
                    return False
                try:
                    while self._one(inner):
                        pass
                finally:
                    inner.close()
                return False
            return self._write(conn, plan[0]) and False
        if plan is not None:
            fault, asked = plan
            kind = "listing" if method == "GET" else "call"
            via_proxy = fault.via in ("http-proxy", "connect")
            where = path.partition("?")[0]
            meets = asked in ("any", kind, where) and (via_proxy == proxied)
            if meets and fault.how != "tls":
                self._write(conn, fault)
                return False
        conn.sendall(self.healthy(method, path.partition("?")[0], body))
        return False

    def _write(self, conn: socket.socket, fault: Fault) -> bool:
        if fault.how == "hang":
            self._stop.wait(30)
            return False
        if fault.wire:
            conn.sendall(fault.wire)
        if fault.how == "reset":  # RST instead of FIN: the peer's read fails with ECONNRESET
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False


@contextmanager
def lab(healthy: Callable[[str, str, bytes], bytes], tmp: Path) -> Iterator[Lab]:
    made = Lab(healthy, tmp)
    try:
        yield made
    finally:
        made.close()


# -- certificates ----------------------------------------------------------------------------------


def make_certs(tmp: Path) -> dict[str, str]:
    """A CA and four server certificates (EC keys, cheap to make): ``good`` (the CA's, for
    127.0.0.1), ``self`` (self-signed, for 127.0.0.1), ``host`` (the CA's, for another name),
    ``old`` (the CA's, for 127.0.0.1, expired). File paths by name (``<name>-key``: its key;
    ``ca``: the CA's certificate)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    day = datetime.timedelta(days=1)

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    def save(label: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
        path = tmp / f"{label}.pem"
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path = tmp / f"{label}-key.pem"
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        files[label], files[label + "-key"] = str(path), str(key_path)

    files: dict[str, str] = {}
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("envcheck test CA"))
        .issuer_name(name("envcheck test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - day)
        .not_valid_after(now + 30 * day)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    save("ca", ca, ca_key)
    ip = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
    for label, alt, issuer, before, after in (
        ("good", ip, "ca", now - day, now + 30 * day),
        ("self", ip, "self", now - day, now + 30 * day),
        ("host", x509.DNSName("api.other.test"), "ca", now - day, now + 30 * day),
        ("old", ip, "ca", now - 60 * day, now - 30 * day),
    ):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = name("127.0.0.1" if label != "host" else "api.other.test")
        signer, issuer_name = (key, subject) if issuer == "self" else (ca_key, ca.subject)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(before)
            .not_valid_after(after)
            .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
        )
        if issuer == "self":
            builder = builder.add_extension(
                x509.BasicConstraints(ca=True, path_length=None), critical=True
            )
        save(label, builder.sign(signer, hashes.SHA256()), key)
    return files
