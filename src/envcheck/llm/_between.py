"""What sits between envcheck and a service: the proxy a request goes through (read from the
environment with httpx's own functions, as httpx and the SDKs built on it read it), the gateway
whose page an answer is (its headers), and what a TLS or proxy failure shows.

Every function here reads structure: the proxy mapping httpx builds from ``HTTP_PROXY``,
``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY``; the status line a proxy answers ``CONNECT``
with (httpcore's ``ProxyError`` carries it as ``"<status> <reason>"``); OpenSSL's verification
code; the ``Server``, ``Proxy-Authenticate``, ``X-Squid-Error``, ``CF-Ray`` and ``X-Cache``
headers of an answer whose body is not the API's JSON.
"""

from __future__ import annotations

import os
import re
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from envcheck.core.environ import consistent

#: ``Server`` header values (their first token) of software that stands in front of a service,
#: and what it is; an answer of theirs that is not JSON is their own page
FRONTS = {
    "cloudflare": "Cloudflare (a CDN in front of the service)",
    "nginx": "nginx (a gateway in front of the service)",
    "envoy": "Envoy (a gateway in front of the service)",
    "awselb": "an AWS load balancer (a gateway in front of the service)",
    "cloudfront": "Amazon CloudFront (a CDN gateway in front of the service)",
    "squid": "Squid (a proxy)",
    "varnish": "Varnish (a gateway in front of the service)",
    "haproxy": "HAProxy (a gateway in front of the service)",
    "traefik": "Traefik (a gateway in front of the service)",
    "caddy": "Caddy (a gateway in front of the service)",
    "akamaighost": "Akamai (a CDN gateway in front of the service)",
}
#: the variables httpx (urllib's getproxies) reads, by the scheme of the mapping's key
_SCHEMES = ("https", "http", "all")


@dataclass(frozen=True)
class Route:
    """The proxy a request to a URL goes through, as httpx chooses it."""

    address: str  # host:port of the proxy (never its user or password)
    variable: str  # where it came from: HTTPS_PROXY, http_proxy, ALL_PROXY
    tunnel: bool  # an https URL: a CONNECT tunnel (the proxy never sees the answer)
    #: a NO_PROXY entry that holds the host as a range (``127.0.0.0/8``), which httpx does not
    #: read as one (curl does): why the request went through the proxy all the same
    unread: str = ""

    def described(self) -> str:
        said = f"the proxy at {self.address} ({self.variable})"
        if self.unread:
            said += (
                f"; NO_PROXY's {self.unread} holds this address, but httpx reads no address "
                "ranges in NO_PROXY (only hosts, domains and single addresses)"
            )
        return said


def route(url: str) -> Route | None:
    """The proxy httpx sends ``url`` through, from the environment (None: directly)."""
    import httpx
    from httpx._utils import URLPattern, get_environment_proxies

    target = httpx.URL(url)
    mounts = sorted(
        ((URLPattern(key), proxy) for key, proxy in consistent(get_environment_proxies).items()),
        key=lambda item: item[0],
    )
    for pattern, proxy in mounts:
        if not pattern.matches(target):
            continue
        if proxy is None:  # NO_PROXY
            return None
        parsed = httpx.URL(proxy if "://" in proxy else f"http://{proxy}")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        scheme = pattern.pattern.partition("://")[0]
        unread = _range_holding(target.host)
        return Route(f"{parsed.host}:{port}", _variable(scheme), target.scheme == "https", unread)
    return None


def _range_holding(host: str) -> str:
    """The NO_PROXY entry that is an address range holding ``host`` (an address), else ''."""
    import ipaddress

    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return ""
    held = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
    for entry in (e.strip() for e in held.split(",")):
        if "/" not in entry:
            continue
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return entry
        except ValueError:
            continue
    return ""


def _variable(scheme: str) -> str:
    """The variable urllib read for ``scheme`` (a lowercase one wins, as in urllib)."""
    for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY"):
        if os.environ.get(name):
            return name
    return f"{scheme.upper()}_PROXY"


def no_proxy_with(host: str) -> str:
    """``NO_PROXY=<what it holds>,<host>``: the setting that sends ``host`` past the proxy."""
    for name in ("no_proxy", "NO_PROXY"):
        held = os.environ.get(name)
        if held:
            return f"{name}={held.rstrip(',')},{host}"
    return f"NO_PROXY={host}"


def connect_refused(status_line: str, target: str, via: Route | None) -> tuple[str, str]:
    """Why and fix for a proxy's answer to ``CONNECT target`` other than 2xx (``status_line``:
    httpcore's ``"407 Proxy Authentication Required"``)."""
    proxy = via.described() if via is not None else "the proxy from the environment"
    found = re.match(r"(\d{3})\b", status_line.strip())
    status = int(found[1]) if found else 0
    why = (
        f"{proxy} refused to open a tunnel to {target} (CONNECT) with {status_line.strip()!r}: "
        "the request never reached the service, so nothing is known of the key or the model"
    )
    host = target.rsplit(":", 1)[0]
    if status == 407:
        fix = (
            f"give the proxy the credentials it asks for, in the proxy URL of "
            f"{via.variable if via else 'HTTPS_PROXY'} (http://USER:PASSWORD@host:port); or, if "
            f"{host} is reachable without the proxy, {no_proxy_with(host)}"
        )
    elif 500 <= status < 600:
        fix = (
            f"the proxy could not reach {target} ({status_line.strip()}): check the host from the "
            f"proxy's side; or, if {host} is reachable without it, {no_proxy_with(host)}"
        )
    else:
        fix = (
            f"the proxy's rules refuse {host}: ask its administrators to allow it; or, if it is "
            f"reachable without the proxy, {no_proxy_with(host)}"
        )
    return why, fix


def front(status: int, headers: Mapping[str, str], is_json: bool) -> tuple[str, str] | None:
    """Who wrote an answer that is not the API's JSON, from its headers: (``proxy`` or
    ``gateway``, who and the header that says so); None when nothing says."""
    if is_json:
        return None
    lower = {k.lower(): v for k, v in headers.items()}
    squid = lower.get("x-squid-error")
    challenge = lower.get("proxy-authenticate")
    asks = f"Proxy-Authenticate: {challenge}" if challenge else ""
    if squid:
        return "proxy", f"a Squid proxy (X-Squid-Error: {squid}" + (f"; {asks})" if asks else ")")
    if status == 407 or challenge:
        return "proxy", f"a proxy that asks for credentials ({asks or 'HTTP 407'})"
    server = lower.get("server", "")
    token = server.split("/")[0].split(" ")[0].strip().lower()
    if token in FRONTS:
        return ("proxy" if token == "squid" else "gateway"), f"{FRONTS[token]} (Server: {server})"
    if "cf-ray" in lower:
        return "gateway", f"{FRONTS['cloudflare']} (CF-Ray: {lower['cf-ray']})"
    cache = lower.get("x-cache", "")
    if "cloudfront" in cache.lower():
        return "gateway", f"{FRONTS['cloudfront']} (X-Cache: {cache})"
    return None


#: OpenSSL's reasons when the server answered in plain text where a TLS record belongs
_PLAIN_HTTP = {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG"}
_PLAIN_HTTP |= {"HTTP_REQUEST", "UNEXPECTED_RECORD"}
#: OpenSSL's reasons for the alert a server sends when it requires a client certificate (TLS
#: 1.3's certificate_required, RFC 8446 section 6.2; TLS 1.2 servers send handshake_failure)
_CLIENT_CERTIFICATE = {"TLSV13_ALERT_CERTIFICATE_REQUIRED"}


def tls_reasons(chain: Sequence[BaseException]) -> set[str]:
    """OpenSSL's reasons in an exception chain (``WRONG_VERSION_NUMBER``)."""
    return {str(getattr(c, "reason", "") or "") for c in chain if isinstance(c, ssl.SSLError)}


def plain_http(chain: Sequence[BaseException]) -> bool:
    """Whether OpenSSL read an HTTP answer where a TLS record belongs (https to a plain port)."""
    return bool(tls_reasons(chain) & _PLAIN_HTTP)


def client_certificate(chain: Sequence[BaseException], where: str) -> tuple[str, str] | None:
    """Why and fix when the server ended the TLS session for want of a client certificate."""
    found = tls_reasons(chain) & _CLIENT_CERTIFICATE
    if not found:
        return None
    return (
        f"TLS: {where} requires a client certificate (mutual TLS: OpenSSL's alert "
        f"{sorted(found)[0]}) and ended the session, as the client sent none: the request never "
        "reached the service, so nothing is known of the key or the model",
        f"{where} takes only clients with a client certificate it trusts (a company gateway): "
        "use an address of the service that does not require one from this machine, or give the "
        "application's HTTP client the certificate its operator issues (httpx: "
        "verify=ssl_context with load_cert_chain(cert, key)); envcheck itself sends none",
    )


#: OpenSSL's verification codes (x509_vfy.h): what each says, and who can fix it
_UNTRUSTED = {18, 19, 20, 21, 2}  # self-signed, self-signed in chain, no local issuer, ...
_EXPIRED = {10}  # X509_V_ERR_CERT_HAS_EXPIRED
_NOT_YET = {9}  # X509_V_ERR_CERT_NOT_YET_VALID
_NAME = {62, 64}  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
#: the variables other clients read for a CA bundle, which httpx does not
_OTHER_CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS")


def certificate(chain: Sequence[BaseException], where: str) -> tuple[str, str] | None:
    """Why and fix for a certificate the client refused (OpenSSL's ``verify_code`` decides,
    its ``verify_message`` is quoted); None when the chain holds no verification error."""
    refused = next((c for c in chain if isinstance(c, ssl.SSLCertVerificationError)), None)
    if refused is None:
        return None
    code = int(getattr(refused, "verify_code", 0) or 0)
    said = str(getattr(refused, "verify_message", "") or refused.reason or refused)
    why = f"TLS: the certificate of {where} was refused: {said} (OpenSSL verify code {code})"
    if code in _EXPIRED or code in _NOT_YET:
        return (
            why + ": its validity dates do not include now",
            f"renew the certificate of {where} (whoever runs that server); check this "
            "machine's clock (date -u)",
        )
    if code in _NAME:
        return (
            why + ": it is made out for other names than the host base_url names",
            f"use a host name the certificate of {where} names in base_url, or have the "
            "certificate reissued for this one",
        )
    cafile = os.environ.get("SSL_CERT_FILE")
    others = [name for name in _OTHER_CA_VARIABLES if os.environ.get(name)]
    if others and not cafile:
        name = others[0]
        return (
            why + f": {name} is set ({os.environ[name]}), but httpx (the client of envcheck and "
            "of the official SDKs) does not read it; it reads SSL_CERT_FILE",
            f"export SSL_CERT_FILE={os.environ[name]}",
        )
    held = f" (SSL_CERT_FILE={cafile} does not hold it)" if cafile else ""
    return (
        why + f": the CA that signed it is not among the ones trusted here{held} (a "
        "self-signed certificate, or a company CA that intercepts TLS)",
        "export SSL_CERT_FILE=/path/to/ca-bundle.pem (a bundle with the CA that signed it, e.g. "
        "certifi's bundle plus the company CA), the variable httpx reads",
    )


def proxy_setting(exc: Exception) -> tuple[str, str, str] | None:
    """What, why and fix when httpx cannot build a client for the proxies of the environment
    (a SOCKS proxy without socksio: ImportError; a scheme it does not speak: ValueError); None
    for another error."""
    import httpx
    from httpx._utils import get_environment_proxies

    schemes = {"http", "https", "socks5", "socks5h"}
    for key, proxy in consistent(get_environment_proxies).items():
        if proxy is None:
            continue
        parsed = httpx.URL(proxy if "://" in proxy else f"http://{proxy}")
        variable = _variable(key.partition("://")[0])
        where = f"{parsed.scheme}://{parsed.host}:{parsed.port}" if parsed.port else parsed.host
        if isinstance(exc, ImportError) and parsed.scheme.startswith("socks"):
            return (
                f"{variable} names a SOCKS proxy ({where}), and httpx (the client of envcheck "
                "and of the official SDKs) needs the socksio package to use one",
                f"httpx: {exc}",
                "pip install 'httpx[socks]' (in the project's environment); or unset "
                f"{variable} if the proxy is not meant for these requests",
            )
        if isinstance(exc, ValueError) and parsed.scheme not in schemes:
            return (
                f"{variable} names a proxy with the scheme {parsed.scheme}:// ({where}), which "
                "httpx does not speak",
                f"httpx: {exc}; it speaks http, https, socks5 and socks5h proxies",
                f"set {variable} to the proxy's http:// or socks5:// URL",
            )
    return None


def other_protocol(url: str, wait: float = 0.5) -> str | None:
    """What the server at ``url`` says on a new connection before it is asked anything, when
    that is not HTTP (SSH's, SMTP's, FTP's or a database's greeting): read to tell "another
    service listens there" from a server that closed before answering. None when it says nothing
    within ``wait`` s, speaks HTTP, or a proxy stands in between (the probe would go around it)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None or route(url) is not None:
        return None
    try:
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=wait) as sock:
            sock.settimeout(wait)
            said = sock.recv(256)
    except OSError:
        return None
    if not said or said.startswith(b"HTTP/"):
        return None
    line = said.split(b"\n", 1)[0].rstrip(b"\r")
    shown = "".join(chr(b) if 32 <= b < 127 else f"\\x{b:02x}" for b in line[:80])
    return shown
