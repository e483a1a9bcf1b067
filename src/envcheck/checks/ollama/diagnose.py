"""What an Ollama server's silence or refusal means, and what to do about it."""

from __future__ import annotations

import difflib
import json
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from envcheck.checks.shared import tls as _tls
from envcheck.checks.shared.errors import causes
from envcheck.checks.shared.ollama import CLIENT_DEFAULT, UPGRADE, pull
from envcheck.checks.shared.ollama import unauthorized as _unauthorized
from envcheck.core.fix import Command, Edit, Fix, Manual, Step
from envcheck.core.model import CheckFailed, CheckSkipped
from envcheck.core.redact import clean
from envcheck.llm import _between
from envcheck.llm._errors import page_text

SERVE_HINT = "start it: ollama serve  (or: sudo systemctl start ollama)"
RESTART_HINT = (
    "restart it: sudo systemctl restart ollama  (or stop `ollama serve` and start it again); "
    "its log says why it hangs: journalctl -u ollama"
)
CONFIGURE = "set OLLAMA_HOST=host:port, or add [tool.envcheck.ollama] host = ... to pyproject.toml"
SERVE = Command(["ollama", "serve"])
RESTART = Command(["systemctl", "restart", "ollama"], needs=frozenset({"sudo"}))


def manual(text: str, ask: str | None = None) -> Fix:
    """A fix a person does (and how it reads)."""
    return Fix([Manual(text, ask=ask)], text=text)


# Ollama's 500 has no field but its text: "model requires more system memory (7.5 GiB) than is
# available (5.2 GiB)"
_MEMORY = re.compile(
    r"\((?P<need>[\d.]+ ?[KMGT]i?B)\) than is available \((?P<free>[\d.]+ ?[KMGT]i?B)\)"
)


class Between(ConnectionError):
    """An answer that is not Ollama's, found where it is read (the check's transport): a
    redirect, a body that does not decode or is not JSON or lacks the field Ollama's API defines,
    a proxy's or a gateway's page. A ``ConnectionError``, so that each request's handler of a
    failed transport reads it; :meth:`failed` is its verdict."""

    def __init__(self, summary: str, why: str, fix: str) -> None:
        super().__init__(summary)
        self.summary, self.why, self.fix = summary, why, fix

    def failed(self) -> CheckFailed:
        return CheckFailed(self.summary, why=self.why, fix=manual(self.fix))


#: the field Ollama's answer to each request holds (docs/api.md), when it is its answer
ANSWER_FIELDS = {
    "/api/version": "version",
    "/api/tags": "models",
    "/api/ps": "models",
    "/api/show": "details",
    "/api/generate": "response",
}
#: the package that gives httpx a decoder for a content coding it lacks
_DECODERS = {"br": "brotli", "zstd": "zstandard"}


def between(
    host: str,
    source: str,
    line: str,
    url: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    undecoded: str | None,
) -> Between | None:
    """What in an answer to ``line`` (``POST /api/show``) shows it is not Ollama's, from its
    structure: its status (a redirect), its content coding, its headers (a proxy's or a
    gateway's), the JSON and the field Ollama's API defines for the request; None when it is
    Ollama's (or what Ollama's errors look like: JSON)."""
    where = f"{host} answered {line}"
    if undecoded:
        package = _DECODERS.get(undecoded.split(",")[0].strip())
        fix = f"pip install {package} (httpx then decodes {undecoded}); or " if package else ""
        return Between(
            f"{where} with a body in Content-Encoding: {undecoded}, which this client cannot "
            "decode",
            "transport: Ollama sends no such coding; a proxy or gateway in front of it re-encoded "
            "the answer, although the request's Accept-Encoding did not offer it",
            fix + "have the proxy or gateway honour Accept-Encoding",
        )
    location = headers.get("location")
    if status in (301, 302, 303, 307, 308) and location:
        return Between(
            f"{where} with HTTP {status}, a redirect to {location}",
            "Ollama's API does not redirect: a proxy, a gateway or another web server at "
            f"{host} sent it; envcheck does not follow it (nor does it guess that the target "
            "is an Ollama)",
            f"if {location} is where Ollama serves, set {source} to it; otherwise point {source} "
            "at Ollama",
        )
    try:
        data, is_json = (json.loads(body), True) if body.strip() else (None, False)
    except ValueError:
        data, is_json = None, False
    field = ANSWER_FIELDS.get(line.split(" ", 1)[-1])
    via = _between.route(url)
    found = _between.front(status, headers, is_json)
    # through a proxy in-band, a page that is not JSON refusing by a proxy's statuses (its
    # policy, 403; its credentials, 407) is the proxy's; Go's own text 404 for a route Ollama
    # lacks is not (it keeps its reading: a route not served)
    refused = status in (403, 407)
    if found is None and via is not None and not via.tunnel and not is_json and refused:
        found = ("proxy", via.described())
    shown = clean(page_text(body.decode("utf-8", "replace")), 200)
    if found is not None and status >= 400:
        layer, who = found
        through = f"; the request went through {via.described()}" if via is not None else ""
        name = urlsplit(url).hostname or host
        fix = (
            f"the proxy refuses {name}: ask its administrators, or, as Ollama is reachable "
            f"without it, {_between.no_proxy_with(name)}"
            if layer == "proxy"
            else f"look at {who.split(' (')[0]}'s log at {host} and at the Ollama behind it "
            "(its log: journalctl -u ollama), or point the client past the gateway"
        )
        return Between(
            f"HTTP {status} to {line} from {who}: {shown}",
            f'not Ollama\'s answer (Ollama writes its errors as JSON, {{"error": ...}}): the '
            f"{layer} in front of it answered in its place, so nothing is known of Ollama or "
            f"the model{through}",
            fix,
        )
    if 200 <= status < 300 and field and not is_json:
        through = f"; it came through {via.described()}" if via is not None else ""
        kind = headers.get("content-type", "no content type")
        return Between(
            f"{where} with HTTP {status} ({kind}) that is not JSON: {shown!r}",
            "Ollama answers JSON: another service, a captive portal's sign-in page or a "
            f"proxy's page answered{through}",
            f"point {source} at Ollama (default {CLIENT_DEFAULT})",
        )
    if 200 <= status < 300 and field and not (isinstance(data, dict) and field in data):
        return Between(
            f"{where} with HTTP {status} and JSON that is not the shape of Ollama's answer (no "
            f"`{field}`): {clean(json.dumps(data)[:120], 120)}",
            f"Ollama's answer to {line} holds `{field}` (docs/api.md); this came from something "
            "else at that address (another service, a gateway's or a stub's answer)",
            f"point {source} at Ollama (default {CLIENT_DEFAULT})",
        )
    return None


def unreachable(
    host: str, source: str, timeout: float, required: bool, exc: BaseException
) -> CheckFailed | CheckSkipped:
    """Refused (*not found* at an address nobody chose), unknown host, silent, or hung; an
    answer that is not Ollama's (:class:`Between`); a proxy or TLS that stood in the way."""
    chain = causes(exc)
    for cause in chain:
        if isinstance(cause, Between):
            return cause.failed()
    layer = _layer(host, source, chain)
    if layer is not None:
        return layer
    text = " ".join(str(c) for c in chain).lower()
    names = " ".join(type(c).__name__ for c in chain)
    timed_out = "Timeout" in names or any(isinstance(c, TimeoutError) for c in chain)
    refused = any(isinstance(c, ConnectionRefusedError) for c in chain) or "refused" in text
    local = any(h in host for h in ("localhost", "127.0.0.1", "[::1]"))
    elsewhere = f"fix {source} (now {host}; the default is {CLIENT_DEFAULT})"
    if timed_out and "ConnectTimeout" in names:
        if _loopback(host) or _this_machine(host):
            return _connect_timeout_here(host, timeout)
        return CheckFailed(
            f"no TCP answer from {host} within {timeout:g} s",
            why="packets are dropped: a firewall, a wrong host, or a machine that is down",
            fix=manual(elsewhere),
        )
    request = _request_of(chain)
    asked = f" {request}" if request else ""
    if timed_out:
        return CheckFailed(
            f"Ollama at {host} accepted the connection but did not answer{asked} within "
            f"{timeout:g} s",
            why=f"the connection opened, and no answer{' to ' + request if request else ''} came "
            "within the timeout: the server (or a proxy in front of it) is hung; its log says "
            "what it was doing",
            fix=Fix(
                [RESTART, Command(["journalctl", "-u", "ollama"], needs=frozenset({"sudo"}))],
                text=RESTART_HINT,
            ),
        )
    # the connection opened, and closed before the answer was whole (a reset, or no response):
    # the server was reached, so neither "nothing listens" nor "start it" fits
    closed = {"ReadError", "WriteError", "RemoteProtocolError", "ConnectionResetError"}
    if not refused and closed & {type(c).__name__ for c in chain}:
        before = "without sending a response" in text
        greeting = _between.other_protocol(host) if before else None
        if greeting is not None:
            return CheckFailed(
                f"{host} does not speak HTTP: it greets a new connection with {greeting!r}",
                why="transport: it closed the request without an HTTP answer, and on a new "
                "connection it speaks first, not HTTP: another service (SSH, mail, a database) "
                "listens on that port, not Ollama",
                fix=manual(f"point {source} at Ollama (default {CLIENT_DEFAULT})"),
            )
        text_fix = (
            f"{_log_text()}: the server (or a proxy in front of it) ended the request there; "
            "retrying sends it again"
        )
        return CheckFailed(
            f"Ollama at {host} closed the connection "
            + ("before answering" if before else "before its answer was complete")
            + asked,
            why=f"{host} was reached (the connection opened), and the server or a proxy in "
            f"between closed it{' at ' + request if request else ''}: {type(exc).__name__}: "
            f"{clean(str(exc), 120)}; the transport says no more, so no cause is guessed: the "
            "log says why",
            fix=Fix([_log_step()], text=text_fix),
        )
    if refused and not required:
        return CheckSkipped(
            f"not found: no Ollama at {host} (the client's default address; nothing listens "
            "there)",
            fix=manual(CONFIGURE),
        )
    if any(isinstance(c, socket.gaierror) for c in chain):
        name = host.split("://", 1)[-1].split(":")[0].split("/")[0]
        return CheckFailed(
            f"the host of {host} does not resolve",
            why=f"DNS has no address for {name!r}: a typo, or a name known only inside a VPN "
            "or a container network",
            fix=Fix([Command(["getent", "hosts", name]), Manual(elsewhere)], text=elsewhere),
        )
    why = f"nothing listens at {host} (connection refused)" if refused else None
    return CheckFailed(
        f"no Ollama server answers at {host}",
        why=why or f"{type(exc).__name__}: {exc}".split(". Please")[0],
        fix=(
            Fix([SERVE], text=SERVE_HINT)
            if local
            else Fix([SERVE, Manual(elsewhere)], text=f"{SERVE_HINT}, or {elsewhere}")
        ),
    )


def _listening(port: int) -> tuple[int, int] | None:
    """The listening socket on ``port`` of this machine (any address), as the kernel lists it in
    /proc/net/tcp and tcp6 (state 0A, LISTEN): (connections waiting in its accept queue, the
    queue's size); None when none listens there or the tables cannot be read (not Linux)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as lines:
                rows = lines.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) < 5 or fields[3] != "0A" or ":" not in fields[1]:
                continue
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                # for a listener, tx_queue is the backlog and rx_queue the queue's length
                size, waiting = (int(n, 16) for n in fields[4].split(":"))
                return waiting, size
    return None


def _connect_timeout_here(host: str, timeout: float) -> CheckFailed:
    """No TCP answer from a loopback address: no packet crosses a network, so neither a wrong
    host nor a machine that is down. A socket that listens on the port with its accept queue
    full (the kernel drops new SYNs: a server that stopped accepting) is read from the kernel's
    table; else a local firewall rule drops them."""
    parts = urlsplit(host)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    listening = _listening(port)
    summary = f"no TCP answer from {host} within {timeout:g} s"
    if listening is not None and listening[0] > listening[1]:
        waiting, size = listening
        return CheckFailed(
            f"{summary}: a server listens on port {port} but does not accept connections",
            why=f"{parts.hostname} is this machine, and the kernel lists a socket that listens "
            f"on port {port} with its accept queue full ({waiting} waiting, for a backlog of "
            f"{size}): the server that owns it stopped accepting (hung, stopped with "
            "Ctrl-Z or SIGSTOP, or overwhelmed), so the kernel drops new connections; the "
            "address is right",
            fix=Fix(
                [RESTART, Command(["journalctl", "-u", "ollama"], needs=frozenset({"sudo"}))],
                text=f"{RESTART_HINT}; ss -ltnp 'sport = :{port}' shows which process owns the "
                "port",
            ),
            facts={"accept_queue": waiting, "backlog": size},
        )
    where = "on the loopback interface" if _loopback(host) else "on this machine"
    text = (
        f"look for a firewall rule that drops packets to port {port} {where} "
        "(sudo nft list ruleset, or sudo iptables -S); ss -ltn shows what listens"
    )
    return CheckFailed(
        summary,
        why=f"{parts.hostname} is this machine, so no network drops the packets: a local "
        "firewall rule does"
        + (
            " (no socket listens on that port, as far as the kernel's table shows)"
            if listening is None
            else ""
        ),
        fix=manual(text),
    )


def _this_machine(host: str) -> bool:
    """Whether the host's address is one of this machine's own (the kernel lets a socket bind
    to it): a connection to it crosses no network."""
    name = urlsplit(host).hostname or ""
    try:
        found = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    for family, kind, proto, _, address in found:
        try:
            with socket.socket(family, kind, proto) as probe:
                probe.bind((address[0], 0))
            return True
        except OSError:
            continue
    return False


def _layer(host: str, source: str, chain: list[BaseException]) -> CheckFailed | None:
    """A proxy that refused the tunnel or cannot be reached, a certificate refused: the request
    never reached Ollama."""
    parts = urlsplit(host)
    name = parts.hostname or host
    where = f"{name}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    via = _between.route(host)
    refused = next((c for c in chain if type(c).__name__ == "ProxyError"), None)
    if refused is not None:
        why, fix = _between.connect_refused(str(refused), where, via)
        return CheckFailed(
            f"cannot reach Ollama at {host}: the proxy refused", why=why, fix=manual(fix)
        )
    if via is not None and any(
        isinstance(c, (ConnectionRefusedError, socket.gaierror)) for c in chain
    ):
        return CheckFailed(
            f"cannot reach Ollama at {host}: {via.described()} cannot be reached",
            why=f"every request to {name} goes through {via.described()}, and it could not be "
            f"reached ({chain[-1]})",
            fix=manual(
                f"check the proxy URL in {via.variable}, or, as Ollama is reachable without a "
                f"proxy, {_between.no_proxy_with(name)}"
            ),
        )
    refused_tls = _between.certificate(chain, where) or _between.client_certificate(chain, where)
    if refused_tls is not None:
        why, fix = refused_tls
        return CheckFailed(f"cannot reach Ollama at {host}: TLS", why=why, fix=manual(fix))
    alert = _tls.alert_of(chain[0]) if chain else None
    if alert is not None:
        name, reason = alert
        request = _request_of(chain)
        text = (
            f"look at the log of the TLS proxy (or server) at {where}: it says why it sent "
            f"{name!r}; Ollama itself serves plain HTTP"
        )
        return CheckFailed(
            f"cannot reach Ollama at {host}: TLS alert {name} ({reason})",
            why=f"the TLS handshake with {where} ended with the alert {name!r} ({reason}), before "
            f"{request or 'the request'} was sent: {_tls.ALERT_WHY}",
            fix=manual(text),
        )
    import ssl

    if parts.scheme == "https" and any(isinstance(c, ssl.SSLEOFError) for c in chain):
        port = parts.port or 443
        text = (
            f"find what listens there: ss -ltnp 'sport = :{port}' (on the machine of {name}); a "
            "forwarder (ssh -L, socat, kubectl port-forward) must reach a running Ollama at its "
            "far end (curl its /api/version there); a TLS proxy's log says why it closed"
        )
        return CheckFailed(
            f"cannot reach Ollama at {host}: {where} closed the connection during the TLS "
            "handshake",
            why=f"{where} took the connection (something listens there) and closed it after "
            "the ClientHello, with no TLS alert and no answer (OpenSSL: EOF in the handshake): "
            "a forwarder whose far end does not answer, or a TLS proxy with no certificate or "
            "no backend for this name; Ollama itself serves plain HTTP",
            fix=manual(text),
        )
    if _between.plain_http(chain):
        plain = f"http://{parts.netloc}{parts.path}"
        return CheckFailed(
            f"{host} answers in plain HTTP, not TLS",
            why=f"{source} says https, but {where} answered the TLS handshake in plain HTTP "
            "(OpenSSL: WRONG_VERSION_NUMBER): Ollama serves plain HTTP; TLS, where there is one, "
            "is a proxy's in front of it",
            fix=manual(
                f"set {source} to {plain} (or to the address of the TLS proxy in front of Ollama)"
            ),
        )
    return None


def _request_of(chain: list[BaseException]) -> str | None:
    """``GET /api/version``: the request an HTTP client's error in ``chain`` was raised for
    (httpx keeps it on the error; it raises RuntimeError when none was set)."""
    for cause in chain:
        try:
            request = getattr(cause, "request", None)
        except RuntimeError:
            continue
        method, url = getattr(request, "method", None), getattr(request, "url", None)
        path = getattr(url, "path", None)
        if isinstance(method, str) and isinstance(path, str):
            return f"{method} {path}"
    return None


def show_not_routed(
    host: str, source: str, model: str, said: str, listed: list[str] | None
) -> CheckFailed:
    """``/api/show`` answered a plain-text 404 (Ollama's own 404s are JSON): ``listed`` (from
    ``/api/tags``) tells a missing model from a server that does not route ``show`` (a proxy in
    front of Ollama, or an Ollama older than this API); None, no listing answered either."""
    if listed is None:
        return CheckFailed(
            f"{host} does not route /api/show: it answered a plain-text 404 ({said.strip()!r}), "
            f"and GET /api/tags answered no listing either, so whether {model} is pulled cannot "
            "be read",
            why="Ollama routes both (since 0.0.18 and 0.0.6) and answers its own 404s as JSON, "
            "and GET /api/version was answered: whatever answers there does not route these "
            "paths (a proxy in front of Ollama that forwards only some of them, or a server that "
            "speaks only part of Ollama's API)",
            fix=manual(
                f"let the proxy forward /api/* to Ollama, or point {source} at Ollama " "itself"
            ),
        )
    names = set(listed) | {n.removesuffix(":latest") for n in listed}
    if model in names or f"{model}:latest" in names:
        return CheckFailed(
            f"{host} lists {model} (/api/tags) but answers /api/show with a plain-text 404 "
            f"({said.strip()!r})",
            why="whatever answers there does not route /api/show: a proxy in front of Ollama "
            "that forwards only some paths, or an Ollama too old for this API",
            fix=manual(
                f"point {source} at Ollama itself, let the proxy forward /api/*, or upgrade Ollama"
            ),
        )
    step, shown = pull(host, model)
    return CheckFailed(
        f"model {model} is not pulled on {host}",
        why=f"/api/show answered a plain-text 404 ({said.strip()!r}) and /api/tags does not "
        "list it",
        fix=Fix([step], text=shown),
    )


def refused_elsewhere(
    host: str, request: str, status: int, said: str, shaped: bool = True
) -> CheckFailed | CheckSkipped:
    """An error in Ollama's shape (``{"error": "<text>"}``) to a request Ollama itself always
    answers (``GET /api/version``, ``GET /api/ps``: server/routes.go has no error for them):
    quoted, with no cause guessed. Not in that shape (``shaped`` False): a plain-text 404 is a
    route whatever answers does not serve (:func:`route_not_served`); another page, quoted as
    what it is."""
    shown = clean(" ".join(said.split()), 300)
    method, _, path = request.partition(" ")
    if not shaped and status == 404:
        return route_not_served(host, request, status, shown)
    if not shaped:
        text = (
            f"read the whole answer: curl -sS -i {host}{path}; then the log of what answers at "
            f"{host} (a proxy in front of Ollama), and {_log_text()}"
        )
        return CheckFailed(
            f"{host} answered {request} with HTTP {status}, not in Ollama's error shape: {shown}",
            why=f"Ollama answers {request} without an error of its own (server/routes.go) and "
            'writes its errors as JSON ({"error": ...}): this page came from something in front '
            "of it or in its place; no cause is read from its words",
            fix=Fix([Manual(text), _log_step()], text=text),
        )
    text = (
        f"read the whole answer: curl -sS -i {host}{path}; then {_log_text()} (or the log of a "
        f"proxy in front of {host})"
    )
    return CheckFailed(
        f"Ollama at {host} refused {request}: HTTP {status}: {shown}",
        why=f"{request} is answered by Ollama without an error of its own (server/routes.go), "
        f"and it came back HTTP {status} in Ollama's error shape: a proxy or gateway in front "
        "of it, or another server speaking its API, refused it; no row of envcheck's verdict "
        "table covers this answer, so no cause is guessed",
        fix=Fix([Manual(text), _log_step()], text=text),
    )


def speaks_tls(host: str, wait: float) -> bool:
    """Whether the port of ``host`` (an ``http://`` URL) completes a TLS handshake: a ClientHello
    answered with a ServerHello (any certificate; nothing is sent after it)."""
    import ssl

    parts = urlsplit(host)
    try:
        port = parts.port or 80
    except ValueError:
        return False
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=wait) as raw:
            with context.wrap_socket(raw, server_hostname=parts.hostname):
                return True
    except (OSError, ValueError):
        return False


def tls_port(host: str, source: str, request: str, status: int, shown: str) -> CheckFailed:
    """A plain-HTTP request refused by a port that speaks TLS (envcheck's own handshake with it
    completed): the scheme is wrong, not the service."""
    parts = urlsplit(host)
    secure = f"https://{parts.netloc}{parts.path}"
    variable = source if source.isupper() else None
    text = (
        f"export {variable}={secure}"
        if variable
        else f'set host = "{secure}" in [tool.envcheck.' "ollama]"
    ) + " (the port speaks TLS: a TLS proxy in front of Ollama, which itself serves plain HTTP)"
    return CheckFailed(
        f"{host} speaks TLS, and refused {request} sent in plain HTTP: HTTP {status}"
        + (f": {shown}" if shown else ""),
        why=f"{source} says http, and the port answered the plain request with HTTP {status}, "
        "not Ollama's version; a TLS handshake with the same port completes (envcheck tried "
        "one): a TLS listener (a proxy in front of Ollama) is there, spoken to without TLS",
        fix=Fix([Manual(text)], text=text),
    )


#: every route the ollama checks ask, and the release that added it: the first tag holding the
#: commit that added it to server/routes.go (``GET /api/ps``: ollama#4327, ``ollama ps``,
#: 6845988; ``GET /api/version``: 1ebdbd9 "server: add version handler"). A server that answers
#: ``/api/version`` routes the others older than 0.1.14.
ROUTE_SINCE = {
    "POST /api/generate": "0.0.1",
    "GET /api/tags": "0.0.6",
    "POST /api/show": "0.0.18",
    "GET /api/version": "0.1.14",
    "GET /api/ps": "0.1.38",
}
#: what Ollama's router answers to ``GET /`` (server/routes.go, every release since 0.0.1)
ROOT_ANSWER = "Ollama is running"


def before_version_route(host: str, status: int) -> CheckFailed:
    """``GET /api/version`` unrouted (a 404 that is not Ollama's JSON) by a server whose ``GET /``
    answers Ollama's own root text: an Ollama older than the route (:data:`ROUTE_SINCE`)."""
    since = ROUTE_SINCE["GET /api/version"]
    return CheckFailed(
        f"the Ollama at {host} has no GET /api/version (added in {since}): a release older than "
        f"{since}",
        why=f"{host} answered GET /api/version with HTTP {status}, not Ollama's version, and "
        f"GET / with Ollama's own {ROOT_ANSWER!r}: an Ollama before the version route, whose "
        "release envcheck cannot read",
        fix=Fix(
            [Command(["sh", "-c", UPGRADE], needs=frozenset({"sudo", "network"}))],
            text=f"upgrade Ollama to {since} or later: {UPGRADE}",
        ),
    )


#: the names Ollama's check of the Host header lets through besides addresses (server/routes.go
#: allowedHost at fb30760: empty, localhost, the machine's own name, a name under these)
HOST_ALLOWED_SUFFIXES = (".localhost", ".local", ".internal")


def _host_allowed(name: str) -> bool | None:
    """Whether Ollama listening on loopback lets a request with ``name`` as its Host through
    (allowedHostsMiddleware): True, False, or None for an address, which it lets through when
    loopback, private, unspecified or one of the machine's own (unknown from here)."""
    name = name.lower().strip("[]")
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in name else socket.AF_INET, name)
        return None
    except OSError:
        pass
    if name in ("", "localhost", socket.gethostname().lower()):
        return True
    return name.endswith(HOST_ALLOWED_SUFFIXES)


def version_forbidden(host: str, source: str, status: int, body: str, server: str) -> CheckFailed:
    """HTTP 403 to ``GET /api/version`` in no shape of Ollama's errors (``{"error": ...}``). With
    no body, to a host given by a name Ollama's Host check refuses, it is that check
    (allowedHostsMiddleware, routes.go: an Ollama listening on loopback reached through a proxy
    or tunnel that passes the public name on as the Host header). Otherwise whatever answered
    refused (a proxy's page, another server): not "another service" (something answered and
    refused), not envcheck's host setting."""
    name = urlsplit(host).hostname or ""
    if not body.strip() and _host_allowed(name) is False:
        text = (
            f"make the proxy or tunnel in front of Ollama send the Host header localhost:11434 "
            "(nginx: proxy_set_header Host localhost:11434; ngrok: --host-header="
            '"localhost:11434"; cloudflared: --http-host-header="localhost:11434"), or run the '
            "server listening beyond loopback (OLLAMA_HOST=0.0.0.0:11434 where it runs), whose "
            f"check then lets {name} through (whoever runs the proxy or tunnel)"
        )
        return CheckFailed(
            f"the Ollama behind {host} refused the Host header {name!r}: HTTP {status} with no "
            "body to GET /api/version",
            why=f"Ollama listening on a loopback address answers 403 with no body to a request "
            f"whose Host header is not an address of the machine, localhost, its own name or a "
            f"name under {', '.join(HOST_ALLOWED_SUFFIXES)} (its guard against DNS rebinding, "
            f"server/routes.go allowedHostsMiddleware): a proxy or tunnel passed {name} on as "
            "the Host header; the server is up and the address is right",
            fix=Fix([Manual(text)], text=text),
        )
    if body.strip():
        shown = clean(" ".join(page_text(body).split()), 160)
        what = f"{shown}" + (f" (Server: {server})" if server else "")
        why = (
            f'the answer is not in Ollama\'s error shape ({{"error": ...}}) but {what}: a proxy '
            "or web server at that address refused the request (its access rules), not Ollama"
        )
    else:
        why = (
            "the answer has no body, which Ollama sends only to refuse the name a request is "
            f"addressed to, and it lets {name or 'this address'} through (an address or a name "
            "it allows, server/routes.go allowedHostsMiddleware): something else at that address "
            "refused"
        )
    text = (
        f"find what answers at {host} and refuses (a proxy's access rules, another server), and "
        f"let this request through or point {source} at Ollama itself"
    )
    return CheckFailed(
        f"{host} refused GET /api/version with HTTP {status}",
        why=why,
        fix=Fix([Manual(text)], text=text),
    )


def not_generating(
    model: str, capabilities: list[str], error: str, status: int, others: list[str]
) -> CheckSkipped:
    """``POST /api/generate`` refused for a model whose ``/api/show`` ``capabilities`` lack
    ``completion`` (an embedding model): nothing to smoke-test with this request."""
    shown = clean(" ".join(error.split()), 200)
    other = f"; a model that generates: smoke-test {others[0]}" if others else ""
    if "image" in capabilities:  # types/model/capability.go CapabilityImage: it makes images
        return CheckSkipped(
            f"{model} is an image generation model (capabilities: {', '.join(capabilities)}): "
            "the smoke test asks for text, which it does not generate",
            why=f"Ollama answered POST /api/generate with HTTP {status}: {shown} (this "
            "server's /api/generate refuses a model whose capabilities hold image, "
            "server/routes.go)",
            hint=f"{model} needs no text smoke test{other}",
        )
    return CheckSkipped(
        f"{model} does not generate text: /api/show gives its capabilities as "
        f"{', '.join(capabilities) or 'none'}, without completion, which POST /api/generate needs",
        why=f"Ollama answered POST /api/generate with HTTP {status}: {shown}",
        hint=f"{model} serves /api/embed (an embedding model) and needs no smoke test{other}",
    )


def route_missing(host: str, request: str, status: int, said: str, version: str) -> CheckSkipped:
    """A 404 to a route the server's reported release predates (:data:`ROUTE_SINCE`): what the
    check reads cannot be read from this Ollama; nothing is wrong with it otherwise."""
    since = ROUTE_SINCE[request]
    shown = clean(" ".join(said.split()), 120)
    return CheckSkipped(
        f"Ollama {version} at {host} has no {request} (added in {since}), so where models run "
        "cannot be read",
        why=f"{host} answered {request} with HTTP {status} ({shown}) and reports version "
        f"{version} (GET /api/version), a release older than the route",
        hint=f"upgrade Ollama to {since} or later ({UPGRADE}) to have it checked",
    )


def route_not_served(host: str, request: str, status: int, shown: str) -> CheckSkipped:
    """A plain-text 404 (Ollama's own are JSON) to a route the server's release has: whatever
    answers at ``host`` does not route it (a proxy in front of Ollama that forwards some paths
    only); what the check reads cannot be read, nothing is known to be wrong with Ollama."""
    return CheckSkipped(
        f"{host} does not route {request} (a plain-text 404: {shown}), so where models run "
        "cannot be read",
        why=f"Ollama serves {request} since {ROUTE_SINCE.get(request, 'long')} and answers its "
        f"own 404s as JSON; {host} answered GET /api/version, and {request} with a plain-text "
        "404: a proxy in front of Ollama forwards only some paths, or a server that speaks "
        "part of Ollama's API answers",
        hint="let the proxy forward /api/* to Ollama (or point the host at Ollama itself) to "
        "have it checked",
    )


def host_path(
    host: str, source: str, origin: str, request: str, status: int, version: str
) -> CheckFailed:
    """The host carries a path under which Ollama serves nothing (``http://h:11434/api``, the
    OpenAI-compatible ``.../v1``): the ollama clients keep it and put their own ``/api/...``
    after it, and the same server's origin answers Ollama's version."""
    path = urlsplit(host).path
    method, _, route = request.partition(" ")
    asked = f"{path}{route}"
    variable = source if source.isupper() else None
    if variable:
        text = f"export {variable}={origin}  (without {path}: the ollama clients add /api/...)"
    else:
        text = f'set host = "{origin}" in [tool.envcheck.ollama] (without {path})'
    return CheckFailed(
        f"{host} has the path {path}, under which Ollama serves nothing: {method} {asked} "
        f"answered HTTP {status}",
        why=f"the ollama clients keep the path of {source} ({host}) and add their own "
        f"/api/... after it, so they asked {asked}; the same server at {origin} answers "
        f"{request} with Ollama {version}: the path, not the server, is wrong",
        fix=Fix([Manual(text)], text=text),
    )


def rate_limited(model: str, host: str, request: str, shown: str) -> CheckFailed:
    """HTTP 429: Ollama itself limits no rate (its errors are 4xx for a request, 500 and 503):
    ollama.com's usage limit for a cloud model, whose answer the server passes on with its
    status (server/cloud_proxy.go, routes.go), or a proxy's rate limit in front of it."""
    links = list(dict.fromkeys(u.rstrip(".,;:") for u in _URL.findall(shown)))
    page = f" (the answer links {links[0]})" if links else ""
    text = (
        f"wait until the ollama.com account's usage limit resets (https://ollama.com/settings "
        f"shows its usage), or a plan with higher limits{page}, or use a local model instead of "
        f"{model}; if a proxy in front of {host} limits requests, its rate limit"
    )
    return CheckFailed(
        f"{model} was rate limited (HTTP 429) through the Ollama at {host}: {shown}",
        why=f"Ollama's own server limits no rate: a 429 to {request} is ollama.com's for a cloud "
        "model (a session, hourly or weekly usage limit of the signed-in account), passed on "
        "with its status, or a proxy's in front of the server; the local server and the model "
        "are not the cause, and it clears with time or a higher plan",
        fix=Fix([Manual(text, ask="the owner of the ollama.com account")], text=text),
    )


def out_of_memory(error: str) -> bool:
    return _MEMORY.search(error) is not None


def memory_failure(model: str, host: str, error: str) -> CheckFailed:
    """Ollama refused to load ``model``: how much it needs, how much is free, what to change."""
    memory = _MEMORY.search(error)
    assert memory is not None
    return CheckFailed(
        f"{model} does not fit in memory on {host}: it needs {memory['need']}, "
        f"{memory['free']} is available",
        why="Ollama refuses to load a model larger than the free RAM (and VRAM)",
        fix=manual(
            f"free memory (ollama ps; ollama stop MODEL), or use a smaller quantization of "
            f"{model.split(':')[0]} (a q4 tag) or a smaller context "
            '(options {"num_ctx": 2048}, or PARAMETER num_ctx 2048 in a Modelfile)'
        ),
        facts={"needed": memory["need"], "available": memory["free"]},
    )


# -- what /api/generate's errors mean ------------------------------------------------------------
#
# Ollama's errors carry no code: {"error": "<text>"} and the HTTP status (docs/api/errors.mdx).
# The texts below are the ones its server's source defines (server/routes.go, server/sched.go,
# llm/server.go before 0.30's llama-server engine and llm/llama_server.go after it), matched on
# their fixed beginnings; anything else gets the honest fallback.

#: the runner (llama.cpp) that loads and runs a model ended: "llama runner process has
#: terminated: ..." (llm/server.go), "llama-server process has terminated: ..." (since 0.30)
_TERMINATED = re.compile(r"llama(?:-server| runner) process has terminated")
_NO_LONGER = re.compile(
    r"llama(?:-server| runner) process no longer running|^model runner has unexpectedly stopped"
)
#: llm/server.go (Ollama's own engine, 0.12 on): the server's request to its runner's /load
#: ("do load request: Post \"http://127.0.0.1:<port>/load\": <Go's net error>") got no answer:
#: the runner ended while loading the model (EOF), or reset the connection; the runner's own
#: reason is only in the server's log
_LOAD_REQUEST = re.compile(r"^do load request: Post \"[^\"]*\": \S")
#: Go's names for a failed Winsock receive or send (internal/poll on Windows): the server that
#: printed them runs on Windows
_WINSOCK = re.compile(r"\bwsa(?:recv|send)\b")
_LOAD_TIMEOUT = re.compile(r"timed out waiting for llama(?:-server| runner) to start")
_ARCHITECTURE = re.compile(r"unknown model architecture: '(?P<arch>[^']+)'")
_UNABLE = re.compile(r"^unable to load model: (?P<path>\S+)")
#: the GPU's allocator failing (llama.cpp's CUDA/ROCm backends print "CUDA error: out of memory",
#: "cudaMalloc failed: out of memory"); system memory is ``out_of_memory``'s
_GPU_MEMORY = re.compile(
    r"\b(?:CUDA|ROCm|HIP|cudaMalloc)\b[^;]*\bout of memory"
    # llama.cpp's loader: "unable to allocate %s buffer", %s a GPU backend (CUDA0, ROCm1, Vulkan0)
    r"|unable to allocate (?:CUDA|ROCm|HIP|Vulkan|Metal|SYCL)\d* buffer",
    re.IGNORECASE,
)
#: ggml's graph allocator could not reserve the compute buffer on a backend
#: ("ggml_gallocr_reserve_n: failed to allocate Metal buffer of size 34681522080", after the
#: runner's "error:failed to allocate buffer, size = 33074.89 MiB"): the buffer the model's
#: computation needs, which grows with the context length, beside the weights already there
_COMPUTE_BUFFER = re.compile(
    r"ggml_gallocr_reserve_n: failed to allocate (?P<backend>\w+) buffer of size (?P<size>\d+)"
)
#: the model file is newer than this Ollama ("this model is not supported by your version of
#: Ollama. You may need to upgrade", the text Ollama's server gives a format it cannot load)
#: llama.cpp's loader names a pre-tokenizer its vocabulary code lacks ("error loading model
#: vocabulary: unknown pre-tokenizer type: 'refact'"): a model converted for a newer llama.cpp
#: and llama.cpp's loader finds more (or fewer) tensors in the file than its code for the
#: architecture loads ("done_getting_tensors: wrong number of tensors; expected 724, got 723"):
#: a model made for a newer llama.cpp (Llama 3.1's rope_freqs, deepseek-r1:70b before 0.3.1),
#: or lacks a tensor that code needs ("error loading model: missing tensor 'output_norm'")
_TOO_NEW = re.compile(
    r"not supported by your version of Ollama|unknown pre-tokenizer type: '[^']+'"
    r"|done_getting_tensors: wrong number of tensors|error loading model: missing tensor '[^']+'"
    # or finds a tensor of another shape than its code for the architecture expects
    # ("check_tensor_dims: tensor 'blk.0.attn_q.weight' has wrong shape": Mistral Nemo on 0.2.5)
    r"|check_tensor_dims: tensor '[^']+' has wrong shape"
)
#: the CUDA runtime's cudaErrorUnsupportedPtxVersion (222): the runner's GPU code was compiled
#: for a newer CUDA than the installed NVIDIA driver supports
_CUDA_DRIVER = re.compile(r"the provided PTX was compiled with an unsupported toolchain")
#: ggml-cuda's report of a failed CUDA call, "CUDA error: <cudaGetErrorString's text>" (out of
#: memory and the PTX toolchain are read before it): a fault of the GPU code, not of memory
_CUDA_FAULT = re.compile(r"CUDA error: (?P<what>[^\n]+?)(?:\s+current device:|\n|$)")
#: the ROCm runtime gave the runner no GPU it can use: rocBLAS's "Could not initialize Tensile
#: host: No devices found", HIP's hipErrorNoDevice text "no ROCm-capable device is detected"
_ROCM_NO_DEVICE = re.compile(
    r"Could not initialize Tensile host: No devices found|no ROCm-capable device is detected"
)
#: llm/llama_server.go (0.30 on, which loads models with llama.cpp's llama-server): the binary it
#: starts is not in the installation ("error starting llama-server: llama-server binary not
#: found")
_LLAMA_SERVER_MISSING = re.compile(r"llama-server binary not found")
#: the dynamic loader's "<file>: undefined symbol: <name>": the runner and a library it loads
#: are of different builds (a partial upgrade, a library directory of another release)
_UNDEFINED_SYMBOL = re.compile(r": undefined symbol: (?P<symbol>\S+)")
#: Windows' loader, the same: the runner's exit status STATUS_ENTRYPOINT_NOT_FOUND (0xc0000139),
#: a DLL it loads lacks a function it imports
_ENTRYPOINT_NOT_FOUND = re.compile(r"exit status 0xc0000139\b")
#: Windows refused the runner a file or library it opens: its exit status STATUS_ACCESS_DENIED
#: (0xc0000022), set by the loader before the runner's own code ran
_ACCESS_DENIED = re.compile(r"exit status 0xc0000022\b")
#: Windows' loader could not find a DLL the runner needs: its exit status STATUS_DLL_NOT_FOUND
#: (0xc0000135), set before the runner's own code ran
_DLL_NOT_FOUND = re.compile(r"exit status 0xc0000135\b")
#: a Windows exception code as the runner's exit status (Go prints an exit code in hex only on
#: Windows, for codes of 0x10000 and up: os.ProcessState.String; llama_server.go adds ": NTSTATUS
#: 0x..."), where the code itself says why the runner ended
_WINDOWS_EXCEPTION = re.compile(r"exit status 0x(?P<code>[0-9a-fA-F]{8})\b")
#: the codes of that kind whose meaning is the code's own (not a loader's, read above)
_WINDOWS_EXCEPTIONS = {
    # MSVC's code for a C++ exception (0xE0000000 | "msc"): thrown by the runner's code (a
    # backend that could not start on the GPU's driver, as a rule) and caught by nothing
    "e06d7363": (
        "a C++ exception",
        "a C++ exception that nothing caught (0xe06d7363, MSVC's exception code)",
    ),
}
#: where the server logs on Windows (Ollama's troubleshooting docs: the app's log directory)
WINDOWS_LOG = "%LOCALAPPDATA%\\Ollama\\server.log"
#: llm/server.go (0.1.34 to 0.5.7, which started its runners from a temporary directory): "unable
#: to start server ...: permission denied.  <dir> may have noexec set.  Set OLLAMA_TMPDIR for
#: server to a writable executable directory"
_NOEXEC = re.compile(r"may have noexec set")
#: the same refusal before that text (llm/server.go at 0.1.32/0.1.33: "error starting the external
#: llama server: %v", %v Go's "fork/exec <runner>: permission denied"), the error 0.1.34 added the
#: noexec hint to
_EXEC_DENIED = re.compile(
    r"^error starting the external llama server: fork/exec \S+: permission denied"
)
#: server/routes.go (scheduleRunner): a model pulled in a format this Ollama no longer loads ("'…'
#: is no longer compatible with your version of Ollama and has been replaced by a newer version.
#: To re-download, run 'ollama pull …'")
_NO_LONGER_COMPATIBLE = re.compile(r"is no longer compatible with your version of Ollama")
#: internal/cloud/policy.go's DisabledMessagePrefix: the server's own 403 for a cloud model while
#: its cloud features are off (OLLAMA_NO_CLOUD, or its settings), on /api/show and /api/generate
CLOUD_DISABLED = "ollama cloud is disabled"
_URL = re.compile(r"https?://[^\s\"'<>`)\]]+")
#: Go's text for a process ended by SIGKILL ("signal: killed"), which the runner cannot catch:
#: sent by the kernel's out-of-memory killer (a container's memory limit alike), macOS under
#: memory pressure, or a person or supervisor (kill -9)
_KILLED = re.compile(r"process has terminated: signal: killed\b")
LOG_COMMAND = ["journalctl", "-u", "ollama", "--no-pager", "-n", "100"]


def _log_step() -> Step:
    """Where the server says why: the systemd journal (Linux service); elsewhere the output of
    ``ollama serve`` or ~/.ollama/logs/server.log (macOS, Windows)."""
    return Command(LOG_COMMAND, needs=frozenset({"sudo"}))


def _log_text() -> str:
    return (
        f"read the server's log: {' '.join(LOG_COMMAND)} (or the output of `ollama serve`, "
        "~/.ollama/logs/server.log on macOS)"
    )


def _gpu_memory_failure(model: str, host: str, shown: str) -> CheckFailed:
    """The runner ended because the GPU could not hold what it tried to put there."""
    text = (
        "free GPU memory (nvidia-smi lists the processes that hold it; ollama ps the models "
        f"loaded), or put fewer of {model}'s layers on the GPU (the num_gpu option), or use a "
        f"smaller model or quantization; {_log_text()}"
    )
    return CheckFailed(
        f"Ollama's model runner ran out of GPU memory loading {model} (on {host})",
        why="the runner process (llama.cpp) ended because the GPU's memory could not hold the "
        "model's layers and its context; Ollama's estimate of what fits was wrong, or other "
        f"processes hold the GPU's memory; the server said: {shown}",
        fix=Fix(
            [
                Manual("free GPU memory: nvidia-smi lists the processes that hold it"),
                Manual(f"or put fewer of {model}'s layers on the GPU (the num_gpu option)"),
                Manual(f"or use a smaller model or quantization than {model}"),
                _log_step(),
            ],
            text=text,
        ),
    )


#: what holds a backend's memory, and where its server logs, by ggml's name for the backend
_BACKEND_MEMORY = {
    "Metal": (
        "Apple's GPU, which shares the Mac's memory",
        "quit what holds the Mac's memory (Activity Monitor, Memory)",
        "~/.ollama/logs/server.log",
    ),
    "CUDA": (
        "the NVIDIA GPU",
        "free GPU memory (nvidia-smi lists the processes that hold it)",
        " ".join(LOG_COMMAND),
    ),
}


def _compute_buffer_failure(
    model: str, host: str, shown: str, backend: str, size: str
) -> CheckFailed:
    """The runner ended because ggml could not reserve the compute buffer on the GPU: what the
    context length sizes, not the model's weights; backend-specific only where the name says."""
    gpu, free, log = _BACKEND_MEMORY.get(
        re.sub(r"\d+$", "", backend),
        (f"the {backend} device", "free that device's memory", "the server's log"),
    )
    gib = f"{int(size) / 2**30:.1f} GiB"
    context = (
        f'run {model} with a smaller context (options {{"num_ctx": 8192}}, PARAMETER num_ctx in '
        "a Modelfile, or OLLAMA_CONTEXT_LENGTH for the server)"
    )
    text = f"{context}; or {free}; or use a smaller model or quantization; read {log}"
    return CheckFailed(
        f"Ollama's model runner could not fit {model}'s compute buffer ({gib}) in GPU memory "
        f"({backend}, on {host})",
        why=f"ggml's graph allocator (ggml_gallocr_reserve_n) could not allocate the {backend} "
        f"buffer of {size} bytes that the model's computation needs on {gpu}: that buffer "
        "grows with the context length (num_ctx), beside the weights already there, so a "
        f"smaller context fits where this one does not; the server said: {shown}",
        fix=Fix(
            [
                Manual(context),
                Manual(f"or {free}"),
                Manual(f"or use a smaller model or quantization than {model}"),
                Manual(f"the server's log says more: {log}"),
            ],
            text=text,
        ),
        facts={"backend": backend, "compute_buffer_bytes": size},
    )


def generate_failure(
    model: str, host: str, status: int | None, error: str, *, shaped: bool = True
) -> CheckFailed | CheckSkipped:
    """What Ollama's answer to ``POST /api/generate`` means (its status and its error text); a
    verdict that quotes the server names the status too. ``shaped``: the answer was JSON (an
    error of 500 or more that is not was written by what is in front of Ollama, never by it)."""
    if not shaped and status is not None and status >= 500:
        return _gateway(model, host, status, clean(" ".join(error.split()), 300))
    found = _generate_failure(model, host, status, error)
    said = found.summary if isinstance(found, CheckFailed) else found.reason
    why = found.why or ""
    if status is not None and f"HTTP {status}" not in f"{said} {why}":
        found.why = why.replace("the server said: ", f"the server said (HTTP {status}): ", 1)
    return found


def _generate_failure(
    model: str, host: str, status: int | None, error: str
) -> CheckFailed | CheckSkipped:
    said = error.strip()
    shown = clean(" ".join(said.split()), 300)
    if status == 500 and out_of_memory(said):
        return memory_failure(model, host, said)
    arch = _ARCHITECTURE.search(said)
    if status == 500 and arch:
        text = (
            f"upgrade Ollama ({UPGRADE}); if the newest release still cannot load "
            f"architecture '{arch['arch']}', use another model"
        )
        return CheckFailed(
            f"{model} cannot be loaded by the Ollama at {host}: unknown model architecture "
            f"'{arch['arch']}'",
            why=f"the model's architecture is one this Ollama's engine (llama.cpp) does not know: "
            f"the model is newer than this Ollama, or its support was dropped; the server said: "
            f"{shown}",
            fix=Fix(
                [
                    Command(["sh", "-c", UPGRADE], needs=frozenset({"sudo", "network"})),
                    Manual(f"if it still fails, use another model than {model}"),
                ],
                text=text,
            ),
        )
    if status == 500 and _TOO_NEW.search(said):
        return CheckFailed(
            f"{model} is newer than the Ollama at {host} can load",
            why=f"the model's format or architecture needs a newer Ollama; the server said: "
            f"{shown}",
            fix=Fix(
                [
                    Command(["sh", "-c", UPGRADE], needs=frozenset({"sudo", "network"})),
                    Manual(f"if it still fails, use another model than {model}"),
                ],
                text=f"upgrade Ollama ({UPGRADE}); if the newest release still cannot load "
                f"{model}, use another model",
            ),
        )
    if status == 401:
        return _unauthorized(model, host, shown)
    if status == 429:
        return rate_limited(model, host, "POST /api/generate", shown)
    if status == 403 and said.startswith(CLOUD_DISABLED):
        return cloud_disabled(model, host, "POST /api/generate", shown)
    if status == 403:
        return _forbidden(model, host, shown)
    if status == 500 and (_NOEXEC.search(said) or _EXEC_DENIED.search(said)):
        return _noexec(model, host, shown, named=bool(_NOEXEC.search(said)))
    if status == 500 and _NO_LONGER_COMPATIBLE.search(said):
        return _no_longer_compatible(model, host, shown)
    unable = _UNABLE.search(said)
    if status == 500 and unable:
        again, again_shown = pull(host, model)
        text = f"{_log_text()}; then re-download the model: {again_shown}; then upgrade Ollama"
        return CheckFailed(
            f"Ollama at {host} is unable to load {model}'s model file",
            why=f"loading {unable['path']} failed before generation (the server said: {shown}): "
            "a damaged or partial download, a file this Ollama cannot read (made by a newer "
            "one), or a models directory it may not read; its log says which",
            fix=Fix(
                [_log_step(), again],
                text=text,
            ),
        )
    if status == 500 and _LOAD_TIMEOUT.search(said):
        text = (
            "raise the server's load timeout (OLLAMA_LOAD_TIMEOUT=30m in the server's "
            f"environment) and restart it; {_log_text()}"
        )
        return CheckFailed(
            f"{model} did not finish loading on {host} within the server's load timeout",
            why="Ollama gave up waiting for its runner to load the model (OLLAMA_LOAD_TIMEOUT, "
            f"5 minutes unless set): a slow disk, or a model too large for the GPU being "
            f"spread to the CPU; the server said: {shown}",
            fix=Fix(
                [
                    Manual("set OLLAMA_LOAD_TIMEOUT=30m for the Ollama server and restart it"),
                    _log_step(),
                ],
                text=text,
            ),
        )
    load = _LOAD_REQUEST.search(said)
    crashed = _TERMINATED.search(said) or _NO_LONGER.search(said) or load
    compute = _COMPUTE_BUFFER.search(said)
    if status == 500 and crashed and compute:
        return _compute_buffer_failure(model, host, shown, compute["backend"], compute["size"])
    if status == 500 and crashed and _GPU_MEMORY.search(said):
        return _gpu_memory_failure(model, host, shown)
    if status == 500 and crashed and _CUDA_DRIVER.search(said):
        return _cuda_driver_failure(model, host, shown)
    fault = _CUDA_FAULT.search(said)
    if status == 500 and crashed and fault:
        return _cuda_fault(model, host, shown, fault["what"].strip())
    if status == 500 and crashed and _ROCM_NO_DEVICE.search(said):
        return _rocm_no_device(model, host, shown)
    if status == 500 and _LLAMA_SERVER_MISSING.search(said):
        return _broken_install(
            model,
            host,
            shown,
            "the llama-server binary it starts to load a model is not in its installation",
            "the installation is incomplete (an upgrade or an install that did not finish, or "
            "files removed after it)",
            by="Ollama could not start its runner",
        )
    if status == 500 and crashed and _UNDEFINED_SYMBOL.search(said):
        return _broken_install(model, host, shown, "a library it loads lacks a symbol it needs")
    if status == 500 and crashed and _ENTRYPOINT_NOT_FOUND.search(said):
        missing = "a DLL it loads lacks a function it imports (0xc0000139, Windows' "
        return _broken_install(model, host, shown, missing + "STATUS_ENTRYPOINT_NOT_FOUND)")
    if status == 500 and crashed and _KILLED.search(said):
        return _killed(model, host, shown)
    if status == 500 and crashed and _ACCESS_DENIED.search(said):
        return _access_denied(model, host, shown)
    if status == 500 and crashed and _DLL_NOT_FOUND.search(said):
        missing = "a DLL it needs was not found (0xc0000135, Windows' STATUS_DLL_NOT_FOUND)"
        because = (
            "its installation is incomplete, or a runtime it links to is not installed (the "
            "Visual C++ runtime; a third-party build's GPU runtime, such as oneAPI for "
            "IPEX-LLM's)"
        )
        return _broken_install(model, host, shown, missing, because)
    exception = _WINDOWS_EXCEPTION.search(said)
    named = _WINDOWS_EXCEPTIONS.get(exception["code"].lower()) if exception else None
    if status == 500 and crashed and named:
        return _windows_exception(model, host, shown, *named)
    if status == 500 and load and _WINSOCK.search(said):
        return _load_reset_on_windows(model, host, shown)
    if status == 500 and crashed:
        when = "while loading it" if _TERMINATED.search(said) or load else "while it ran"
        text = f"{_log_text()}: it says why the runner ended"
        return CheckFailed(
            f"Ollama's model runner crashed {when} ({model} on {host})",
            why="the runner process that loads and runs the model (llama.cpp) ended before it "
            "answered; the reason is in the server's log, not in the answer (a missing "
            f"library, the GPU driver, the model file); the server said: {shown}",
            fix=Fix([_log_step()], text=text),
        )
    if status == 400 and said.endswith("does not support generate"):
        return CheckSkipped(
            f"{model} does not generate text: it lacks the completion capability (an "
            "embedding model, as a rule), so there is nothing to smoke-test",
            why=f"Ollama answered POST /api/generate with HTTP 400: {shown}",
        )
    if status == 503 and said.startswith("server busy"):
        text = "wait for the pending requests to finish, or raise OLLAMA_MAX_QUEUE for the server"
        return CheckFailed(
            f"the Ollama at {host} is busy: its queue of pending requests is full",
            why=f"Ollama answered HTTP 503 (its queue holds OLLAMA_MAX_QUEUE requests, 512 "
            f"unless set): {shown}",
            fix=Fix([Manual(text)], text=text),
        )
    if status == 503:
        text = f"try again later; if it keeps answering 503, {_log_text()}"
        return CheckFailed(
            f"the Ollama at {host} cannot serve {model} for now: HTTP 503: {shown}",
            why="HTTP 503 is a server (or the cloud service it forwards a model to) saying it is "
            "unavailable for the moment, not that the request is wrong; no other cause is "
            f"guessed; the server said: {shown}",
            fix=Fix([Manual("try again later"), _log_step()], text=text),
        )
    page = said.startswith("<")
    if status in _GATEWAY or page:
        return _gateway(model, host, status, clean(page_text(said), 300) if page else shown)
    text = f"{_log_text()}: the server logs why it answered so"
    return CheckFailed(
        f"{model} could not generate on {host}: HTTP {status}: {shown}",
        why=f"Ollama answered POST /api/generate with HTTP {status} and {shown!r}; no row of "
        "envcheck's verdict table covers this answer, so no cause is guessed",
        fix=Fix([_log_step()], text=text),
    )


#: statuses only a proxy or gateway answers: Ollama's own server answers its errors with 4xx,
#: 500 or 503, as JSON {"error": ...} (docs/api/errors.mdx)
_GATEWAY = (502, 504)


def _gateway(model: str, host: str, status: int | None, shown: str) -> CheckFailed:
    """HTTP 502 or 504, or an HTML page: not Ollama's answer but that of a proxy or gateway at
    ``host`` (or of another web server there); what it means depends on the status alone."""
    not_ollama = (
        f"HTTP {status} is a proxy's or gateway's answer, not Ollama's (Ollama answers its "
        "errors with 4xx, 500 or 503 and a JSON body)"
        if status in _GATEWAY
        else "an HTML page is not Ollama's answer (Ollama answers its errors as JSON)"
    )
    logs = "the proxy's own log says what it met"
    if status == 503:
        text = (
            "check that Ollama runs where the proxy forwards to (curl <that address>/api/version "
            "from the proxy's host), and the proxy's limits for it (HAProxy: maxconn, timeout "
            f"queue; nginx: limit_req, limit_conn, whose refusals are 503); {logs}"
        )
        return CheckFailed(
            f"a proxy or gateway in front of the Ollama at {host} refused {model} for now: HTTP "
            f"503: {shown}",
            why="an answer that is not JSON is not Ollama's (Ollama writes its own 503, a full "
            "queue, as JSON): the proxy answered in its place, with no backend up or its own "
            "limit reached, so nothing is known of Ollama",
            fix=Fix([Manual(text)], text=text),
        )
    if status == 504:
        text = (
            "raise the proxy's timeout for the answer (nginx: proxy_read_timeout; HAProxy: "
            "timeout server; Traefik/Caddy: their response-header timeouts) above the model's "
            f"load time, or point the Ollama host (OLLAMA_HOST, or host in [tool.envcheck.ollama]) "
            f"at Ollama itself to check; {logs}"
        )
        return CheckFailed(
            f"a proxy or gateway in front of the Ollama at {host} gave up waiting for it "
            f"({model}): HTTP 504: {shown}",
            why=f"{not_ollama}: the proxy waited for Ollama's answer longer than its own timeout "
            "allows; Ollama sends nothing until the model is loaded, which can take minutes",
            fix=Fix([Manual(text)], text=text),
        )
    if status == 502:
        text = (
            "check that Ollama runs where the proxy forwards to (curl <that address>/api/version "
            "from the proxy's host), and raise the proxy's timeout for the answer's headers if it "
            f"gave up waiting; {logs}"
        )
        return CheckFailed(
            f"a proxy or gateway in front of the Ollama at {host} got no valid answer from it "
            f"({model}): HTTP 502: {shown}",
            why=f"{not_ollama}: the proxy could not reach Ollama, its connection to Ollama "
            "failed, or Ollama did not answer within the proxy's timeout",
            fix=Fix([Manual(text)], text=text),
        )
    text = (
        f"point the Ollama host at Ollama itself (curl {host}/api/version answers its version), "
        f"or fix the routing of the proxy or web server there; {logs}"
    )
    return CheckFailed(
        f"{model} could not generate on {host}: a proxy or another web server answered HTTP "
        f"{status}: {shown}",
        why=f"{not_ollama}: the address is a proxy or web server in front of Ollama, or not "
        "Ollama at all",
        fix=Fix([Manual(text)], text=text),
    )


def _cuda_driver_failure(model: str, host: str, shown: str) -> CheckFailed:
    """CUDA's "the provided PTX was compiled with an unsupported toolchain": the NVIDIA driver is
    older than the CUDA the runner was built with (or, on a Jetson, not the driver the official
    build targets)."""
    text = (
        "update the NVIDIA driver to one that supports the CUDA version of Ollama's runner "
        "(nvidia-smi shows the driver and the CUDA version it supports); on a Jetson, use an "
        f"Ollama built for it; meanwhile CUDA_VISIBLE_DEVICES=-1 in the server's environment runs "
        f"{model} on the CPU"
    )
    return CheckFailed(
        f"Ollama's model runner cannot use the GPU on {host}: the NVIDIA driver is older than "
        "its CUDA code",
        why="the runner (llama.cpp) ended loading the model because the CUDA runtime refused "
        "its GPU code (cudaErrorUnsupportedPtxVersion): it was compiled with a newer CUDA "
        f"toolchain than the installed driver supports; the server said: {shown}",
        fix=Fix(
            [
                Command(["nvidia-smi"]),
                Manual("update the NVIDIA driver (its CUDA version, in nvidia-smi's header)"),
                Manual("or set CUDA_VISIBLE_DEVICES=-1 for the server to run on the CPU"),
            ],
            text=text,
        ),
    )


def _cuda_fault(model: str, host: str, shown: str, what: str) -> CheckFailed:
    """A CUDA call of the runner failed ("CUDA error: an illegal memory access was
    encountered", ...): a fault in the GPU code of this build or the driver, which a newer Ollama
    or NVIDIA driver fixes as a rule; not the model, not a lack of GPU memory."""
    text = (
        f"upgrade Ollama ({UPGRADE}) and the NVIDIA driver (nvidia-smi shows it); if it still "
        "crashes, CUDA_VISIBLE_DEVICES=-1 in the server's environment runs on the CPU; "
        f"{_log_text()}"
    )
    return CheckFailed(
        f"Ollama's model runner crashed in its CUDA code ({model} on {host}): CUDA error: {what}",
        why=f"a CUDA call of the runner (llama.cpp's GPU code) failed with '{what}': a fault of "
        "this Ollama's GPU code or of the NVIDIA driver (or of the hardware), not the model and "
        f"not a lack of GPU memory; the server said: {shown}",
        fix=Fix(
            [
                Command(["sh", "-c", UPGRADE], needs=frozenset({"sudo", "network"})),
                Command(["nvidia-smi"]),
                Manual("update the NVIDIA driver if a newer one exists"),
                Manual("if it still crashes, set CUDA_VISIBLE_DEVICES=-1 for the server (CPU)"),
                _log_step(),
            ],
            text=text,
        ),
    )


def _rocm_no_device(model: str, host: str, shown: str) -> CheckFailed:
    """The ROCm runtime found no AMD GPU the runner can use (rocBLAS's "Could not initialize
    Tensile host: No devices found"): the GPU is not visible to the server, or is one ROCm's
    libraries do not support."""
    text = (
        "rocminfo lists the GPUs ROCm sees (run it as the server's user, or in its container); "
        "if none: in a container, pass --device /dev/kfd --device /dev/dri (with SELinux: sudo "
        "setsebool container_use_devices=1); on the host, add the server's user to the render "
        "and video groups; for a GPU ROCm's libraries do not support, set "
        "HSA_OVERRIDE_GFX_VERSION for the server to a supported target (Ollama's GPU docs: "
        "https://github.com/ollama/ollama/blob/main/docs/gpu.mdx); meanwhile "
        f"ROCR_VISIBLE_DEVICES=-1 in the server's environment runs {model} on the CPU"
    )
    return CheckFailed(
        f"Ollama's model runner found no AMD GPU it can use on {host} (ROCm), loading {model}",
        why="the runner (llama.cpp's ROCm backend) ended while loading the model because the ROCm "
        "runtime gave it no usable GPU: the GPU is not visible to the server (a container "
        "without /dev/kfd and /dev/dri, a user outside the render group) or is one ROCm's "
        f"libraries do not support; not the model, not memory; the server said: {shown}",
        fix=Fix(
            [
                Command(["rocminfo"]),
                Manual(
                    "make the GPU visible to the server (a container: --device /dev/kfd "
                    "--device /dev/dri; the host: the render and video groups)"
                ),
                Manual("for a GPU ROCm does not support, set HSA_OVERRIDE_GFX_VERSION"),
                Manual("or set ROCR_VISIBLE_DEVICES=-1 for the server to run on the CPU"),
            ],
            text=text,
        ),
    )


def _load_reset_on_windows(model: str, host: str, shown: str) -> CheckFailed:
    """The server's load request to its runner was reset (Winsock's wsarecv): the runner ended
    while loading the model, on Windows, whose server log is the app's log file."""
    text = (
        f"read the server's log on Windows, {WINDOWS_LOG} (explorer %LOCALAPPDATA%\\Ollama): it "
        "says why the runner ended, near the end"
    )
    return CheckFailed(
        f"Ollama's model runner crashed while loading it ({model} on {host}, Windows)",
        why="the server's request to its runner's /load (do load request) was reset: the runner "
        "process (Ollama's engine) ended while loading the model, before it answered; wsarecv is "
        "Go's name for a failed Winsock receive, so the server runs on Windows; the reason is in "
        f"the server's log, not in the answer (the GPU's driver, memory, the model file); the "
        f"server said: {shown}",
        fix=Fix([Manual(f"read {WINDOWS_LOG}: why the runner ended, near the end")], text=text),
    )


def _windows_exception(model: str, host: str, shown: str, short: str, what: str) -> CheckFailed:
    """The runner ended on Windows with an exception code that names what happened (an uncaught
    C++ exception): its message is in the server's log, which on Windows is the app's log file."""
    text = (
        f"read the server's log on Windows, {WINDOWS_LOG} (explorer %LOCALAPPDATA%\\Ollama): the "
        "exception's message is in it, near the end; then update the GPU's driver and Ollama "
        f"(OllamaSetup.exe from https://ollama.com/download), and restart Ollama"
    )
    return CheckFailed(
        f"Ollama's model runner ended on {short} loading {model} (on {host}, Windows)",
        why=f"Windows ended the runner (llama.cpp) with {what}: the runner's code threw an error "
        "it did not handle, while loading the model (a GPU backend that cannot start on this "
        f"driver, as a rule); the exception's own message is only in the log; the server said: "
        f"{shown}",
        fix=Fix(
            [
                Manual(f"read {WINDOWS_LOG}: the exception's message, near the end"),
                Manual("update the GPU's driver (NVIDIA's, AMD's) and Ollama, then restart it"),
            ],
            text=text,
        ),
    )


def _broken_install(
    model: str,
    host: str,
    shown: str,
    missing: str,
    because: str = "the runner and its libraries are of different builds (a partial upgrade, a "
    "library directory of another release)",
    *,
    by: str = "the dynamic loader could not start the runner",
) -> CheckFailed:
    """The loader found a symbol or a library missing: the runner and its libraries are of two
    releases, or part of what it loads is not installed."""
    text = (
        f"reinstall Ollama ({UPGRADE}; on Windows, OllamaSetup.exe, on macOS, the app, from "
        "ollama.com/download), "
        "which replaces the runners and their libraries together (on Linux, remove a lib/ollama "
        f"directory left by another release first); then restart the server; {_log_text()}"
    )
    return CheckFailed(
        f"Ollama's installation on {host} is broken: its runner cannot start ({model})",
        why=f"{by}: {missing}, so {because}; the server said: {shown}",
        fix=Fix(
            [Command(["sh", "-c", UPGRADE], needs=frozenset({"sudo", "network"})), _log_step()],
            text=text,
        ),
    )


def _noexec(model: str, host: str, shown: str, *, named: bool = True) -> CheckFailed:
    """The runner could not be started from the temporary directory it was extracted to: its
    filesystem is mounted noexec (llm/server.go's own words say so and name OLLAMA_TMPDIR;
    ``named``), or, before those words, Go's ``fork/exec <runner>: permission denied``."""
    text = (
        "set OLLAMA_TMPDIR for the server to a directory it may write to on a filesystem that "
        "allows executing programs (sudo systemctl edit ollama: [Service] "
        'Environment="OLLAMA_TMPDIR=/usr/share/ollama/tmp"; the directory owned by the user the '
        "server runs as), then restart the server; or upgrade Ollama (0.5.8 and later no longer "
        f"start runners from a temporary directory): {UPGRADE}"
    )
    refused = (
        "that filesystem is mounted noexec, so the start is refused (permission denied)"
        if named
        else "the system refused to execute it (Go's fork/exec ...: permission denied): as a "
        "rule that filesystem is mounted noexec (the next release's text for this very error "
        "says so, llm/server.go)"
    )
    return CheckFailed(
        f"Ollama at {host} cannot start its model runner for {model}: the directory it starts "
        "runners from does not allow executing programs "
        + ("(noexec)" if named else "(permission denied)"),
        why="this Ollama extracts its runners to a temporary directory (OLLAMA_TMPDIR, else the "
        f"system's /tmp) and starts them there; {refused}; the model is not the cause; the "
        f"server said: {shown}",
        fix=Fix(
            [
                Manual("set OLLAMA_TMPDIR for the server to a writable directory that allows exec"),
                Command(["systemctl", "restart", "ollama"], needs=frozenset({"sudo"})),
            ],
            text=text,
        ),
    )


def _no_longer_compatible(model: str, host: str, shown: str) -> CheckFailed:
    """A model pulled in a format this Ollama no longer loads: it has to be downloaded again."""
    again, again_shown = pull(host, model)
    text = (
        f"download the model again in the current format: {again_shown} (the server's own "
        "words above name the model it was replaced by)"
    )
    return CheckFailed(
        f"{model} was pulled in a format the Ollama at {host} no longer loads",
        why="Ollama refuses to load a model downloaded in an older format that a newer version "
        "of the model replaced (server/routes.go: llama3.2-vision's, with a separate vision "
        f"projector); a fresh download fixes it; the server said: {shown}",
        fix=Fix([again], text=text),
    )


#: the statuses server/cloud_proxy.go answers when its request to ollama.com fails (502 since
#: proxyCloudRequestWithPath; 500 before), and ollama.com's own 5xx it passes on
CLOUD_PROXY_FAILED = (500, 502, 504)


def at_ollama_com(remote: str) -> bool:
    """Whether a ``remote_host`` is ollama.com (a cloud model), not another Ollama."""
    return (urlsplit(remote).hostname or "").lower() == DEFAULT_REMOTE


def cloud_failed(model: str, host: str, remote: str, status: int, error: str) -> CheckFailed:
    """HTTP 500/502/504 to the generate call of a model with ``remote_host`` (``/api/show``),
    not passed on from there: the server forwards it to that host (ollama.com for a cloud model,
    another Ollama for a model made with ``remote_host``), and its own request there failed
    (routes.go:396, cloud_proxy.go), or ollama.com failed it; not a local runner, memory or a
    proxy in front."""
    shown = clean(" ".join(error.split()), 300)
    origin = remote.rstrip("/")
    if not at_ollama_com(remote):
        name = urlsplit(remote).hostname or origin
        text = (
            f"check that the machine of the Ollama server reaches {origin}: curl -sS "
            f"{origin}/api/version from it; if nothing answers, start Ollama on {name}, "
            f"listening beyond loopback (OLLAMA_HOST=0.0.0.0:11434 where it runs)"
        )
        return CheckFailed(
            f"{model} runs on the Ollama at {origin} (its remote_host), and the Ollama at "
            f"{host} got no answer for it from there: HTTP {status}: {shown}",
            why=f"/api/show gives {model}'s remote_host as {origin}: the server forwards the "
            f"model's requests to that Ollama (server/routes.go:321-397) and answers HTTP "
            f"{status} with Go's error when its own request there fails; no runner or memory "
            "of this server is involved",
            fix=Fix(
                [Command(["curl", "-sS", f"{origin}/api/version"], needs=frozenset({"network"}))],
                text=text,
            ),
        )
    text = (
        f"check that the machine of the Ollama server reaches {origin}: curl -sS "
        f"{origin}/api/version from it (a proxy it needs goes in the server's HTTPS_PROXY); "
        f"if it does, ollama.com failed the call: try again later, or use a local model"
    )
    return CheckFailed(
        f"{model} is a cloud model, and the Ollama at {host} got no answer for it from "
        f"{origin}: HTTP {status}: {shown}",
        why=f"/api/show gives {model}'s remote_host as {origin}: the server forwards the "
        f"model's requests there (server/cloud_proxy.go) and answers HTTP {status} when that "
        "request fails or ollama.com fails it; no local runner or memory is involved",
        fix=Fix(
            [Command(["curl", "-sS", f"{origin}/api/version"], needs=frozenset({"network"}))],
            text=text,
        ),
    )


def status_error(body: bytes) -> bool:
    """Whether an error's body is api.StatusError marshalled whole (api/types.go:23-27: its
    ``StatusCode`` and ``Status`` besides ``error``): what the server writes when it passes on
    the answer of the Ollama it forwarded a model to (server/routes.go:391-394); its own errors
    are ``{"error": ...}`` alone."""
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return (
        isinstance(data, dict)
        and isinstance(data.get("StatusCode"), int)
        and isinstance(data.get("Status"), str)
        and isinstance(data.get("error"), str)
    )


def passed_on(
    model: str, host: str, remote: str, status: int, error: str, remote_model: str | None = None
) -> CheckFailed | CheckSkipped:
    """The generate call of a model that runs on another Ollama (``remote_host``) came back
    with that Ollama's own error, passed on whole (:func:`status_error`): judged as that
    server's answer, by the name that server knows the model by (``remote_model``), and its
    fix done there."""
    origin = remote.rstrip("/")
    name = urlsplit(remote).hostname or origin
    there = remote_model or model
    found = generate_failure(there, origin, status, error)
    known = f" as {there}" if there != model else ""
    relayed = (
        f"{model} runs on {origin}{known} (its remote_host and remote_model in /api/show): the "
        f"Ollama at {host} "
        f"forwarded the request there and passed on that server's own answer (api.StatusError, "
        "its StatusCode and Status in the body: server/routes.go:391-394), so what follows is "
        f"{name}'s, not this server's: "
    )
    if status == 404:  # that Ollama's GenerateHandler found no such model in its store
        command, shown = pull(origin, there)
        text = f"on {name}: {shown} (or from here: OLLAMA_HOST={origin} {shown})"
        return CheckFailed(
            f"{there} is not pulled on {origin}, where {model} runs",
            why=relayed + f"HTTP 404 to POST /api/generate for {there}: {name}'s store has no "
            f"such model (server/routes.go:281); the server said: "
            f"{clean(' '.join(error.split()), 300)}",
            fix=Fix([command], text=text),
            facts={"remote_host": origin},
        )
    found.why = relayed + (found.why or "")
    if isinstance(found, CheckSkipped) or found.fix is None:
        return found
    steps: list[Step] = [
        Manual(f"on {name}: {step.render()}") if not isinstance(step, Manual) else step
        for step in found.fix.steps
    ]
    text = f"on {name}, where {model} runs{known}: {found.fix}"
    return CheckFailed(
        found.summary,
        why=found.why,
        fix=Fix(steps or [Manual(text)], text=text),
        facts={**found.facts, "remote_host": origin},
    )


def cloud_disabled(model: str, host: str, request: str, shown: str) -> CheckFailed:
    """The server's own 403 for a cloud model while its cloud features are off."""
    text = (
        f"to use {model}, turn the server's cloud features on: remove OLLAMA_NO_CLOUD from its "
        "environment (sudo systemctl edit ollama) and turn Cloud on in its settings, then "
        f"restart it; else drop {model} from models in [tool.envcheck.ollama]"
    )
    return CheckFailed(
        f"{model} is a cloud model, and the Ollama at {host} has its cloud features disabled",
        why=f"Ollama answered {request} with HTTP 403: {shown}: the server runs with cloud "
        "disabled (OLLAMA_NO_CLOUD, or its own settings), so it neither describes nor runs a "
        "model that runs on ollama.com",
        fix=Fix([Manual(text)], text=text),
    )


def _forbidden(model: str, host: str, shown: str) -> CheckFailed:
    """HTTP 403 other than the server's own (cloud disabled): ollama.com's answer for a cloud
    model, which the server passes on with its status, or a proxy's."""
    links = list(dict.fromkeys(u.rstrip(".,;:") for u in _URL.findall(shown)))
    page = f" (it links {links[0]})" if links else ""
    text = (
        f"do what the answer says{page}: for a cloud model, a plan of the signed-in ollama.com "
        f"account that includes {model}, or another model; if a proxy in front of {host} "
        "answered, its access rules"
    )
    return CheckFailed(
        f"{model} was refused (HTTP 403) through the Ollama at {host}: {shown}",
        why="Ollama's own API forbids nothing but a cloud model while cloud is disabled, and "
        f"says so ('{CLOUD_DISABLED}'); this 403 is ollama.com's, which the server forwards a "
        "cloud model's request to and whose answer it passes on (server/routes.go), or a "
        "proxy's in front of the server: the account or the proxy refused the model, not the "
        "local server",
        fix=Fix([Manual(text)], text=text),
    )


def _access_denied(model: str, host: str, shown: str) -> CheckFailed:
    """Windows' STATUS_ACCESS_DENIED as the runner's exit status: it could not open its own
    files, so neither the model nor the GPU is the cause."""
    text = (
        "let the account that runs Ollama read and execute its installation directory "
        "(%LOCALAPPDATA%\\Programs\\Ollama, with the runners under lib\\ollama) and allow it in "
        f"the antivirus or application control that may block it; then restart the server; "
        f"{_log_text()}"
    )
    return CheckFailed(
        f"Ollama's model runner was denied access to its own files on {host} ({model})",
        why="Windows ended the runner with STATUS_ACCESS_DENIED (0xc0000022) before it loaded the "
        "model: access denied to a file or library it opens (the installation directory's "
        "permissions, or security software blocking or quarantining it); the model and the "
        f"GPU are not the cause; the server said: {shown}",
        fix=Fix(
            [
                Manual("let Ollama's account read and execute its installation directory"),
                Manual("allow Ollama in the antivirus or application control"),
                _log_step(),
            ],
            text=text,
        ),
    )


def _killed(model: str, host: str, shown: str) -> CheckFailed:
    """The runner was ended by SIGKILL: as a rule the system, for memory."""
    text = (
        "look for the out-of-memory killer in the kernel's log: journalctl -k --no-pager | "
        "grep -i 'out of memory' (on macOS, memory pressure in Activity Monitor); free memory "
        f"or use a smaller model or quantization than {model}; {_log_text()}"
    )
    return CheckFailed(
        f"Ollama's model runner was killed (SIGKILL) loading {model} (on {host})",
        why="the runner process ended by SIGKILL, which it cannot catch: as a rule the system "
        "ended it for memory (Linux's out-of-memory killer, a container's memory limit, macOS "
        "under memory pressure), else a person or a supervisor (kill -9); the model may not "
        f"fit this machine's memory; the server said: {shown}",
        fix=Fix(
            [
                Command(["journalctl", "-k", "--no-pager", "-n", "200"], needs=frozenset({"sudo"})),
                Manual(f"free memory, or use a smaller model or quantization than {model}"),
                _log_step(),
            ],
            text=text,
        ),
    )


def _normal(name: str) -> str:
    return "".join(name.lower().split())


@dataclass(frozen=True)
class Refused:
    """What ``/api/show`` refused (it sends only the model's name), and what the diagnosis
    weighs it against: the pulled models, the configured ones, the file that configures them."""

    host: str
    model: str
    said: str
    listed: list[str]
    configured: list[str]
    settings_file: str | None
    #: ``GET /api/tags`` answered, and listed no model at all
    store_empty: bool = False
    #: the listed models that run on another host: name -> (remote_host, remote_model)
    remotes: Mapping[str, tuple[str, str]] = field(default_factory=dict)


#: a model name as Ollama parses it (types/model/name.go: ``[host/][namespace/]model[:tag]``,
#: each part 1 to 80 characters, the first a letter, digit or '_', then letters, digits, '_',
#: '-', '.'; no '.' in the namespace, ':' only in the host's port)
_PART = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}"
_VALID_NAME = re.compile(
    r"^(?:[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}/)?(?:[A-Za-z0-9_][A-Za-z0-9_-]{0,79}/)?"
    rf"{_PART}(?::{_PART})?$"
)


def valid_name(model: str) -> bool:
    """Whether Ollama's own parser reads ``model`` as a model name."""
    return _VALID_NAME.match(model) is not None


def show_contradicted(refused: Refused, status: int, against: str, meaning: str) -> CheckFailed:
    """The honest fallback for a refusal of ``/api/show`` whose usual cause what envcheck knows
    contradicts: the status and the server's words verbatim, what they would mean, and why that
    does not fit."""
    said = clean(refused.said, 300)
    text = (
        f"read the whole answer: curl -sS -i {refused.host}/api/show -d "
        f"'{json.dumps({'model': refused.model})}'; then {_log_text()}"
    )
    return CheckFailed(
        f"Ollama refused to describe {refused.model}: HTTP {status}: {said}",
        why=f"Ollama answered POST /api/show (which sends only the name {refused.model!r}) with "
        f"HTTP {status}: that would mean {meaning}, but {against}: the answer contradicts what "
        "the request and the server's own listing show, so no cause is guessed (a proxy in "
        "front of Ollama, or another server speaking its API, may answer for it)",
        fix=Fix([Manual(text), _log_step()], text=text),
    )


def invalid_name(refused: Refused) -> CheckFailed:
    """``/api/show`` sends only the model's name: its 400 (``invalid model name``) is about the
    name, which is not of the form ``name[:tag]``; a pulled model whose name it spells loosely
    (``Llama 3.2`` for ``llama3.2:latest``) is most likely what was meant."""
    host, model, said, listed = refused.host, refused.model, refused.said, refused.listed
    configured, settings_file = refused.configured, refused.settings_file
    sources = two_sources(model)
    if sources is not None:
        return _two_sources(refused, *sources)
    if valid_name(model):
        return show_contradicted(
            refused,
            400,
            f"{model!r} is a valid name by Ollama's own rules ([host/][namespace/]model[:tag], "
            "types/model/name.go)",
            "a name Ollama cannot read",
        )
    wanted = _normal(model)
    spelled = {name: _normal(name) for name in listed}
    same = [n for n, k in spelled.items() if k.split(":")[0] == wanted.split(":")[0]]
    near = difflib.get_close_matches(wanted, list(spelled.values()), n=3, cutoff=0.6)
    candidates = list(dict.fromkeys(same + [n for n, k in spelled.items() if k in near]))[:3]
    why = (
        f"POST /api/show sends only the model's name, and Ollama answered HTTP 400: "
        f"{clean(said, 200)}: {model!r} is not a model name (lowercase letters, digits, "
        "'.', '-', '_', and an optional ':tag')"
    )
    if not candidates:
        text = f"set models in [tool.envcheck.ollama] to names `ollama list` shows ({host})"
        return CheckFailed(
            f"{model!r} is not a valid Ollama model name",
            why=why,
            fix=Fix([Manual(text)], text=text),
        )
    chosen = candidates[0]
    models = [chosen if m == model else m for m in configured]
    text = f"set models = {json.dumps(models)} in [tool.envcheck.ollama] ({chosen} is pulled)"
    step: Step = Manual(text)
    if settings_file is not None:
        step = Edit(
            path=settings_file, format="toml", key="tool.envcheck.ollama.models", value=models
        )
    return CheckFailed(
        f"{model!r} is not a valid Ollama model name; closest pulled: {', '.join(candidates)}",
        why=why,
        fix=Fix([step], text=text),
    )


def _source_suffix(name: str) -> tuple[str, str] | None:
    """The source a name ends in as Ollama reads it (internal/modelref/modelref.go
    parseSourceSuffix: ``:cloud``, ``:local``, or a tag ending ``-cloud``): (the name without
    it as written there, "cloud" or "local"), else None."""
    base, colon, suffix = name.rpartition(":")
    if not colon:
        return None
    if suffix.strip().lower() in ("cloud", "local"):
        return base, suffix.strip().lower()
    if "/" not in suffix and suffix.lower().endswith("-cloud"):
        return f"{base}:{suffix[: -len('-cloud')]}", "cloud"
    return None


def two_sources(name: str) -> tuple[str, str] | None:
    """A name carrying two sources (``gpt-oss:20b-cloud:local``), which Ollama refuses with
    ``use either :local or :cloud, not both`` (modelref.go ErrConflictingSourceSuffix): (the
    cloud model's name, the local model's name), else None."""
    outer = _source_suffix(name)
    if outer is None:
        return None
    written = name[: name.rindex(":")]  # the name without its last suffix, as written
    inner = _source_suffix(written)
    if inner is None:
        return None
    base = inner[0]
    return (written if inner[1] == "cloud" else f"{base}:cloud"), base


def _two_sources(refused: Refused, cloud: str, local: str) -> CheckFailed:
    """``/api/show``'s 400 for a name with two sources: the name, not the server, and one
    source of the two is the fix (the cloud model as its tag names it, or the model local)."""
    model, configured, settings_file = refused.model, refused.configured, refused.settings_file
    chosen = local if local in refused.listed and cloud not in refused.listed else cloud
    models = [chosen if m == model else m for m in configured]
    text = (
        f"keep one source in the name: set models = {json.dumps(models)} in "
        f'[tool.envcheck.ollama] ("{cloud}": the cloud model its tag names), or name '
        f'"{local}" for the model run locally (ollama pull {local})'
    )
    step: Step = Manual(text)
    if settings_file is not None:
        step = Edit(
            path=settings_file, format="toml", key="tool.envcheck.ollama.models", value=models
        )
    return CheckFailed(
        f"{model!r} names two sources, :local and :cloud (its tag ending -cloud or :cloud): "
        "Ollama takes one",
        why=f"Ollama reads a name's last ':local' or ':cloud' (or a tag ending '-cloud') as "
        f"where the model runs, and {model!r} carries two (internal/modelref/modelref.go); "
        f"POST /api/show answered HTTP 400: {clean(refused.said, 200)}",
        fix=Fix([step], text=text),
    )


#: ShowHandler's own 404 (server/routes.go:1366-1367 and 1378-1381: ``model '%s' not found``)
_SHOW_NOT_FOUND = re.compile(r"^model '[^']+' not found$")


def _listed_as(name: str, listed: list[str]) -> str | None:
    """The listed name Ollama reads ``name`` as (a name without a tag is ``:latest``)."""
    for candidate in (name, f"{name}:latest"):
        if candidate in listed:
            return candidate
    return None


def _local_of_remote(refused: Refused) -> tuple[str, str, str] | None:
    """A name ending ``:local`` (internal/modelref/modelref.go) whose model the listing gives
    with a ``remote_host``: (the listed name, its remote_host, its remote_model), else None."""
    found = _source_suffix(refused.model)
    if found is None or found[1] != "local":
        return None
    listed = _listed_as(found[0], list(refused.remotes))
    if listed is None:
        return None
    return (listed, *refused.remotes[listed])


def local_of_remote(refused: Refused, listed: str, remote: str, remote_model: str) -> CheckFailed:
    """``NAME:local`` for a model of the store that runs on another host: the server refuses to
    run it itself (routes.go:1378-1381 answers 404), the model is there."""
    model, configured, settings_file = refused.model, refused.configured, refused.settings_file
    name = urlsplit(remote).hostname or remote
    models = list(dict.fromkeys(listed if m == model else m for m in configured))
    local = (
        f"; for a model run by this server, pull one (ollama pull {remote_model}) and name it"
        if remote_model
        else ""
    )
    text = f"set models = {json.dumps(models)} in [tool.envcheck.ollama] (drop :local){local}"
    step: Step = Manual(text)
    if settings_file is not None:
        step = Edit(
            path=settings_file, format="toml", key="tool.envcheck.ollama.models", value=models
        )
    return CheckFailed(
        f"{model!r} asks the Ollama at {refused.host} to run {listed} itself (:local), but "
        f"{listed} runs on {remote} ({name})",
        why=f"GET /api/tags lists {listed} with remote_host {remote}"
        + (f" (remote_model {remote_model})" if remote_model else "")
        + f": the server forwards it to {name}, and answers a name ending ':local' for such a "
        f"model with HTTP 404 (server/routes.go:1378-1381): {clean(refused.said, 200)}; the "
        "model is in the store",
        fix=Fix([step], text=text),
    )


def listed_not_described(refused: Refused) -> CheckFailed:
    """ShowHandler's own 404 for a model ``/api/tags`` lists: the manifest is in the store (the
    listing reads it), and a file it names is not: GetModel and getModelData read the blobs it
    names (the weights through llm.LoadModel's stat, llm/server.go:92-95), and os.IsNotExist is
    answered as this 404 (routes.go:1366-1367), while the listing only logs a weights file it
    cannot read (model_list_cache.go:346-351). ``ollama pull`` downloads what the store lacks."""
    host, model = refused.host, refused.model
    step, shown = pull(host, model)
    text = (
        f"{shown} (it downloads the files the manifest names that the store lacks); if the "
        f"model still cannot be described, {_log_text()}"
    )
    return CheckFailed(
        f"the Ollama at {host} lists {model} but cannot describe it: a blob its manifest names "
        "is missing from the store",
        why=f"POST /api/show answered HTTP 404: {clean(refused.said, 200)}, the text Ollama "
        "answers when a file of the model is missing (server/routes.go:1366-1367, "
        "os.IsNotExist), and GET /api/tags lists the model, so its manifest is there: a blob it "
        "names (the weights, its template or parameters) is gone from the store's blobs/ (a "
        "download that did not finish, files removed or not copied with the store)",
        fix=Fix([step, _log_step()], text=text),
    )


def not_pulled(refused: Refused) -> CheckFailed:
    """``/api/show`` answered 404 (``model '…' not found``): the model is not pulled. A pulled
    tag close to it (``deepseek-r1:8`` for ``deepseek-r1:8b``) is most likely what was meant:
    ``ollama pull`` of a mistyped tag would only fail with ``file does not exist``."""
    host, model, said, listed = refused.host, refused.model, refused.said, refused.listed
    configured, settings_file = refused.configured, refused.settings_file
    remote = _local_of_remote(refused)
    if remote is not None:
        return local_of_remote(refused, *remote)
    pulled = set(listed) | {n.removesuffix(":latest") for n in listed}
    if model in pulled or f"{model}:latest" in pulled:
        if _SHOW_NOT_FOUND.match(said.strip()):
            return listed_not_described(refused)
        return show_contradicted(
            refused,
            404,
            f"GET /api/tags on the same server lists {model} as pulled",
            "a model that is not pulled",
        )
    base = model.split(":")[0]
    names = [n for n in listed if n != model]
    close = difflib.get_close_matches(model, names, n=3, cutoff=0.6)
    same = [n for n in names if n.split(":")[0] == base and n not in close]
    candidates = (close + same)[:3]
    pulling, shown = pull(host, model)
    if not candidates and refused.store_empty:
        # an empty listing is a store nothing was pulled into: new, or not the one the models
        # were pulled into (the server's OLLAMA_MODELS, or another server at this address)
        return CheckFailed(
            f"model {model} is not pulled on {host}, which lists no model at all",
            why=f"POST /api/show answered HTTP 404: {clean(said, 200)}; GET /api/tags lists no "
            "model at all: nothing was pulled into the store this server reads (if models were "
            "pulled before, the server now reads another directory, its OLLAMA_MODELS, or "
            "another server answers at this address)",
            fix=Fix(
                [pulling],
                text=f"{shown}; if the models were pulled before, start the server with the "
                "OLLAMA_MODELS that holds them (ollama serve reads it; for the service: "
                "systemctl edit ollama)",
            ),
        )
    if not candidates:
        return CheckFailed(
            f"model {model} is not pulled on {host}",
            why=f"POST /api/show answered HTTP 404: {clean(said, 200)}"
            + (f"; pulled: {', '.join(listed[:5])}" if listed else ""),
            fix=Fix([pulling], text=shown),
        )
    chosen = candidates[0]
    models = [chosen if m == model else m for m in configured]
    text = (
        f"set models = {json.dumps(models)} in [tool.envcheck.ollama] ({chosen} is pulled), or "
        f"pull the tag you meant: ollama pull {base}:<tag> (ollama pull {model} fails if no "
        "such tag exists)"
    )
    step: Step = Manual(text)
    if settings_file is not None:
        step = Edit(
            path=settings_file, format="toml", key="tool.envcheck.ollama.models", value=models
        )
    return CheckFailed(
        f"model {model} is not pulled on {host}; closest pulled: {', '.join(candidates)}",
        why=f"POST /api/show answered HTTP 404: {clean(said, 200)}; /api/tags lists "
        f"{len(listed)} pulled models, and "
        f"{chosen} is the nearest name",
        fix=Fix([step], text=text),
    )


#: Go's *os.PathError text (``<op> <path>: <errno text>``) for a file of the server's model
#: store (OLLAMA_MODELS: ``manifests/<host>/<namespace>/<model>/<tag>`` and
#: ``blobs/sha256-<hex>``, manifest/paths.go), as Ollama answers a file of it that it cannot read
_STORE_FILE = re.compile(
    r"^(?P<op>stat|lstat|open|read|readdirent) (?P<path>(?:/|[A-Za-z]:\\)[^\n]*?[/\\]"
    r"(?P<part>manifests|blobs)[/\\](?P<rest>[^\n]+?)): (?P<errno>[a-z][a-z ]*)$"
)
#: the store's default registry and namespace (types/model/name.go), left out of a short name
_DEFAULT_PREFIX = ("registry.ollama.ai", "library")
#: syscall.ENOENT's text: for a file the store's listing found by name, a link to nothing
_ENOENT = "no such file or directory"


@dataclass(frozen=True)
class StoreFile:
    """A file of the server's model store that it could not read, as its error names it."""

    op: str
    path: str
    errno: str
    #: the model whose manifest it is (``manifests/...``), else None (a blob)
    model: str | None

    @property
    def root(self) -> str:
        """The store's directory (OLLAMA_MODELS)."""
        cut = max(self.path.rfind("/manifests/"), self.path.rfind("\\manifests\\"))
        if cut < 0:
            cut = max(self.path.rfind("/blobs/"), self.path.rfind("\\blobs\\"))
        return self.path[:cut]


def store_file(said: str) -> StoreFile | None:
    """The store's file an answer's text is Go's error for (``stat <OLLAMA_MODELS>/manifests/
    registry.ollama.ai/library/llama3.1/8b: no such file or directory``), else None."""
    found = _STORE_FILE.match(said.strip())
    if found is None:
        return None
    model = None
    parts = re.split(r"[/\\]", found["rest"])
    if found["part"] == "manifests" and len(parts) == 4:
        host, namespace, name, tag = parts
        if (host, namespace) == _DEFAULT_PREFIX:
            model = f"{name}:{tag}"
        elif host == _DEFAULT_PREFIX[0]:
            model = f"{namespace}/{name}:{tag}"
        else:
            model = f"{host}/{namespace}/{name}:{tag}"
    return StoreFile(found["op"], found["path"], found["errno"], model)


def _loopback(host: str) -> bool:
    name = (urlsplit(host).hostname or "").lower()
    return name == "localhost" or name == "::1" or name.startswith("127.")


def store_unreadable(host: str, model: str, status: int, entry: StoreFile) -> CheckFailed:
    """``/api/show`` answered with Go's error for a file of the server's store: the server lists
    every manifest before it describes any model (server/routes.go getExistingName,
    manifest.Manifests, which returns an entry's stat error whatever it is asked to skip), so one
    it cannot read fails every model; the name asked is not the cause."""
    error = f"{entry.op} {entry.path}: {entry.errno}"
    whose = f"the manifest of {entry.model}" if entry.model else "a blob"
    if entry.model == model:
        whose = f"{model}'s own manifest"
    dangling = entry.errno == _ENOENT and entry.op == "stat" and entry.model is not None
    why = (
        f"Ollama answered POST /api/show with HTTP {status} and Go's error for a file of its "
        f"model store ({entry.root}): before it describes a model it lists every manifest of "
        "the store (server/routes.go getExistingName, manifest.Manifests), and a file it "
        f"cannot {entry.op} fails that listing whatever model is asked: {model!r} is a valid "
        f"name, and the file is {whose}"
    )
    if dangling:
        why += (
            f"; the listing found that name in its directory, so {entry.op} failing with "
            f"'{_ENOENT}' means a link whose target is gone (a disk no longer mounted, a store "
            "copied or moved without what its links point to)"
        )
        text = (
            f"on the server's machine, remove the dangling link {entry.path} (rm of a link "
            "leaves its target alone; as the user that owns the store), or restore what it "
            f"points to (ls -l {entry.path} shows it); then pull {entry.model} again if it is "
            f"wanted: ollama pull {entry.model}"
        )
        step: Step = Manual(text)
        if _loopback(host):
            step = Command(["rm", entry.path], needs=frozenset({"owner"}), repeatable=False)
        fix = Fix([step], text=text)
    else:
        text = (
            f"on the server's machine, let the user Ollama runs as read {entry.path}: ls -l "
            f"{entry.path}; for a Linux service, sudo chown -R ollama:ollama {entry.root}"
        )
        fix = Fix([Manual(text)], text=text)
    return CheckFailed(
        f"the Ollama at {host} cannot read a file of its model store, so it describes no model "
        f"({model} included): {error}",
        why=why,
        fix=fix,
    )


#: llm/llama_server.go (0.30.10 on, completionPromptForRequest): a prompt longer than the
#: model's context while context shift is off, refused with 400 before any token
PROMPT_OVER_CONTEXT = "the prompt is longer than the context length currently available"


def context_too_short(
    model: str, host: str, said: str, num_ctx: int | None, family: str | None
) -> CheckFailed:
    """Ollama's 400 for a prompt longer than the model's context: envcheck's prompt is two
    words, so what does not fit is what the model adds to every prompt (its SYSTEM prompt, its
    template) in the context it is given: its own num_ctx when ``/api/show``'s parameters set
    one (which the server's default context does not override), else the server's default."""
    shown = clean(" ".join(said.split()), 300)
    shift = (
        "Ollama (0.30.10 on) refuses a prompt longer than the context instead of shifting it "
        "out when context shift is off"
        + (f", as it is for the {family} family (server/sched.go)" if family else "")
    )
    if num_ctx is not None:
        suggest = 4096 if num_ctx < 4096 else num_ctx * 2
        text = (
            f"give {model} a larger context: ollama show {model} --modelfile > Modelfile, set "
            f"PARAMETER num_ctx {suggest} there (more than its SYSTEM prompt and template "
            f"take), then ollama create {model} -f Modelfile on the same server; or shorten "
            "its SYSTEM prompt"
        )
        return CheckFailed(
            f"{model}'s context length is {num_ctx} tokens (its own num_ctx), shorter than what "
            "the model adds to every prompt: it cannot take even envcheck's two-word prompt",
            why=f"Ollama answered POST /api/generate with HTTP 400: {shown}: the prompt sent "
            f"was 'Say hello.', so what does not fit is the model's own SYSTEM prompt and "
            f"template in the {num_ctx} tokens its parameters give it (/api/show: num_ctx "
            f"{num_ctx}; a model's own num_ctx is not overridden by the server's default "
            f"context); {shift}",
            fix=Fix([Manual(text)], text=text),
        )
    text = (
        "raise the context the server gives the model: OLLAMA_CONTEXT_LENGTH=8192 in the "
        "server's environment (sudo systemctl edit ollama), then restart it; or PARAMETER "
        f"num_ctx in {model}'s Modelfile (ollama create {model} -f Modelfile)"
    )
    return CheckFailed(
        f"{model}'s context length on {host} is shorter than what the model adds to every "
        "prompt: it cannot take even envcheck's two-word prompt",
        why=f"Ollama answered POST /api/generate with HTTP 400: {shown}: the prompt sent was "
        "'Say hello.', and /api/show sets no num_ctx for the model, so the server's default "
        f"context is too short for its SYSTEM prompt and template; {shift}",
        fix=Fix([Manual(text)], text=text),
    )


#: server/routes.go (GenerateHandler, ChatHandler): a model whose remote host the server's
#: OLLAMA_REMOTES does not name
REMOTE_NOT_ALLOWED = "this server cannot run this remote model"
#: envconfig.Remotes()'s default, when OLLAMA_REMOTES is unset
DEFAULT_REMOTE = "ollama.com"


def remote_not_allowed(model: str, host: str, remote: str | None, said: str) -> CheckFailed:
    """A model that runs on another host (``/api/show``'s ``remote_host``) the server may not
    forward to: OLLAMA_REMOTES (envconfig/config.go, ollama.com when unset) lacks its name, and
    the server refuses before any request reaches it."""
    shown = clean(said, 200)
    name = (urlsplit(remote).hostname if remote else None) or None
    allowed = DEFAULT_REMOTE if name in (None, DEFAULT_REMOTE) else f"{DEFAULT_REMOTE},{name}"
    where = f"{remote} ({name})" if remote else "another host (ollama show names it)"
    target = name or "that host"
    text = (
        f"on the machine of the Ollama server, allow {target}: "
        f'OLLAMA_REMOTES={allowed if name else DEFAULT_REMOTE + ",<that host>"} in the '
        "server's environment (sudo systemctl edit ollama; the list replaces the default, so "
        f"keep {DEFAULT_REMOTE} and any host it names already), then restart the server"
    )
    return CheckFailed(
        f"{model} runs on {where}, a host the Ollama at {host} may not forward to: {target} is "
        "not in the server's OLLAMA_REMOTES",
        why=(f"/api/show gives {model}'s remote_host as {remote}: " if remote else "")
        + f"the server forwards the model's requests to that Ollama, but only to the hosts its "
        f"OLLAMA_REMOTES names (comma-separated; {DEFAULT_REMOTE} when unset: "
        f"envconfig/config.go), and answered POST /api/generate with HTTP 400: {shown}; no "
        f"request reached {target}",
        fix=Fix([Manual(text)], text=text),
    )


#: ``/api/show``'s refusals by status: it sends only the name, so a 404 is a model not pulled
#: and a 400 a name Ollama cannot read
SHOW_REFUSALS: dict[int, Callable[[Refused], CheckFailed]] = {
    404: not_pulled,
    400: invalid_name,
}
