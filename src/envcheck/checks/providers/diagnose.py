"""What a provider's failure means: an HTTP error answer (typed by :func:`envcheck.llm.classify`)
or a request that got no answer, turned into the check's summary, why and fix."""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit

from envcheck import llm
from envcheck.checks.providers.config import Provider, models_path
from envcheck.checks.shared.errors import causes
from envcheck.core.model import CheckFailed


def failure(p: Provider, exc: llm.ProviderError, retries: int) -> CheckFailed:
    tried = f" (after {retries} {'retry' if retries == 1 else 'retries'})" if retries else ""
    hint = exc.hint
    variable = p.key_variable or "KEY"
    if isinstance(exc, llm.KeyNotReceived):
        header = "Authorization: Bearer" if p.kind == "openai" else "x-api-key:"
        if p.kind == "gemini":
            header = "x-goog-api-key:"
        hint = (
            f'compare by hand: curl -sS -H "{header} ${variable}" {p.base_url}'
            f"{models_path(p)}; set NO_PROXY={urlsplit(p.base_url).hostname} or fix the proxy "
            "that drops the header"
        )
    elif isinstance(exc, llm.AuthenticationFailed) and p.key_variable:
        hint = f"set a valid key: export {p.key_variable}=...  ({p.key_page})"
    elif isinstance(exc, llm.EndpointNotFound):
        hint = f"check base_url in [tool.envcheck.providers.{p.name}] (now {p.base_url})"
        if p.kind == "openai" and not urlsplit(p.base_url).path.rstrip("/").endswith("/v1"):
            hint = f'set base_url = "{p.base_url}/v1" in [tool.envcheck.providers.{p.name}]'
    if exc.status is None:  # a transport failure: its own why
        why = exc.why
    else:
        why = f"{p.label} answered HTTP {exc.status}" + (f": {exc.why}" if exc.why else "")
    return CheckFailed(f"{p.name}: {exc.kind}{tried}: {exc.message}", why=why, hint=hint)


#: OpenSSL's reasons when the server answered in plain text where a TLS record belongs
_PLAIN_HTTP = {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG"}
_PLAIN_HTTP |= {"HTTP_REQUEST", "UNEXPECTED_RECORD"}


def unreachable(p: Provider, url: str, exc: Exception) -> llm.ConnectionFailed:
    """Why a request did not reach the server, from the exception's causes (errno, SSL)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    where = f"{host}:{port}"
    chain = causes(exc)
    fix = f"check base_url in [tool.envcheck.providers.{p.name}]"
    tls = [c for c in chain if isinstance(c, ssl.SSLError)]
    if tls:
        reasons = {str(getattr(c, "reason", "") or "") for c in tls}
        if reasons & _PLAIN_HTTP:  # OpenSSL read an HTTP answer where a TLS record belongs
            plain = url.replace("https://", "http://", 1)
            why = f"base_url says https, but {where} answers in plain HTTP (not TLS)"
            fix = f'set base_url = "{plain.removesuffix(models_path(p))}" (http), or point it at '
            fix += "the TLS port"
        elif any(isinstance(c, ssl.SSLCertVerificationError) for c in chain):
            why = f"the TLS certificate of {where} is not trusted (self-signed or another CA)"
            fix = "give the CA to Python (SSL_CERT_FILE=/path/ca.pem) or fix the certificate"
        else:
            why = f"the TLS handshake with {where} failed ({', '.join(sorted(reasons))})"
    elif any(isinstance(c, ConnectionRefusedError) for c in chain):
        why = f"nothing listens on {where} (connection refused)"
        fix += ", or start the server"
    elif any(isinstance(c, socket.gaierror) for c in chain):
        why = f"the host name {host!r} does not resolve (DNS): a typo, or a name known only "
        why += "inside a VPN or container network"
        fix = f"check the host in base_url; `getent hosts {host}` must print an address"
    elif any(type(c).__name__ == "ProxyError" for c in chain):
        why = "the HTTP(S) proxy from the environment refused or failed the connection"
        fix = f"check HTTPS_PROXY / HTTP_PROXY, or add {host} to NO_PROXY"
    else:
        why = f"the connection to {where} failed: {chain[-1]}"
    return llm.ConnectionFailed(p.name, f"cannot reach {url}", hint=fix, why=why)


def timeout(p: Provider, url: str, exc: Exception, waited: float) -> llm.ProviderTimeout:
    connect = "connect" in type(exc).__name__.lower()
    if connect:
        why = f"no TCP answer within {waited:.1f} s: a firewall drops the packets, or the host is "
        why += "wrong or down"
        fix = f"check the host in base_url and that this machine may reach it ({url})"
    else:
        why = f"the server accepted the request but sent no answer within {waited:.1f} s: it is "
        why += "hung or overloaded (or a proxy holds the request)"
        fix = f"look at the server's status; raise timeout in [tool.envcheck.providers.{p.name}]"
        fix += " if it is only slow"
    return llm.ProviderTimeout(p.name, f"no answer from {url} in time", hint=fix, why=why)
