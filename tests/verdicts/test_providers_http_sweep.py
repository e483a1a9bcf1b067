"""What sits between the client and the provider: every way the HTTP layer fails, from its sources
of truth, to every request the checks send, made for real on 127.0.0.1 (tests/verdicts/http_lab.py:
a raw server that is the origin, an HTTP proxy and four TLS listeners).

The sources, kept as data below with their links:

- httpx's exception hierarchy (``httpx/_exceptions.py``): every leaf of ``httpx.HTTPError`` is
  met by a fault here or listed in :data:`NOT_MET` with why envcheck cannot meet it;
- the proxy environment as httpx reads it (``httpx._utils.get_environment_proxies``: HTTP_PROXY,
  HTTPS_PROXY, ALL_PROXY, NO_PROXY; the SDKs use httpx) and what a proxy answers (RFC 9110: 407
  with ``Proxy-Authenticate``; a refused ``CONNECT``: 403, 502; Squid's error pages and their
  ``X-Squid-Error``); the proxy's URL carries a password that may never be shown;
- what a gateway or CDN in front of a provider answers: Cloudflare's 520-524 and 1xxx pages,
  nginx's, Envoy's and AWS ALB's 502/503/504, CloudFront's 403;
- transport faults (RFC 9112 framing, RFC 9110 content coding and redirections): a reset
  mid-body, a chunked body cut, a ``Content-Length`` not met, a gzip or br body that does not
  decode, an answer that is not HTTP, a 200 that is not JSON or not the API's shape, 301/307/308
  to another host, no answer in time;
- TLS (``SSL_CERT_FILE`` as httpx reads it): a self-signed certificate, one for another host, an
  expired one, and the healthy neighbour (the CA given by ``SSL_CERT_FILE``).

Crossed with the requests the checks send: the model listing and the smoke call of OpenAI,
Anthropic, Gemini and an OpenAI-compatible ``base_url``, in one envcheck run; the fixes printed
are run (NO_PROXY, SSL_CERT_FILE) in a second; a dead proxy and ``REQUESTS_CA_BUNDLE`` (which httpx
does not read) in a third. Ollama: ``/api/version`` (each fault, a session each), ``/api/show``,
``/api/generate`` (a model per fault) and ``/api/ps``.

Invariants for every pair: the check whose request met the fault never passes; never envcheck's
own error; the layer named (proxy, gateway, TLS, transport), with the answer's status and words
verbatim (an HTML page by its title, no markup, bounded); a proxy's or a gateway's answer is never
blamed on the key, the model or the quota; never a secret (the keys, the proxy's password).

First run (envcheck at 84a957c, before llm/_between.py), on a wider matrix (every fault to
every API and both requests: 312 pairs; Ollama in 14 sessions: 77 pairs): 152 provider pairs
and 50 Ollama pairs wrong (docs/verdicts/README.md lists them); now none. Cost: 4 tests, 10
in-process envcheck runs against one lab; 8.3 to 9.1 s CPU (user + system) alone, on a
machine under load (load average 4 to 12).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.verdicts.http_lab import PROXY_SECRET, PROXY_USER, Fault, Lab, healthy_wire, http, lab
from tests.verdicts.replay import published
from tests.verdicts.test_providers_sweep import KEYS, KIND, MODELS, STRICT, own_error, text

HTTPX = "https://github.com/encode/httpx/blob/0.28.1/httpx/_exceptions.py"
HTTPX_PROXIES = "https://github.com/encode/httpx/blob/0.28.1/httpx/_utils.py"
RFC9110 = "https://www.rfc-editor.org/rfc/rfc9110"
RFC9112 = "https://www.rfc-editor.org/rfc/rfc9112"
SQUID = "https://github.com/squid-cache/squid/tree/master/errors/templates"
CF5XX = (
    "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/"
    "cloudflare-5xx-errors/"
)
CF1XXX = (
    "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/"
    "cloudflare-1xxx-errors/"
)
NGINX = "https://github.com/nginx/nginx/blob/master/src/http/ngx_http_special_response.c"
ENVOY = "https://github.com/envoyproxy/envoy/blob/main/source/common/router/router.cc"
ALB = (
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
    "load-balancer-troubleshooting.html"
)
CLOUDFRONT = (
    "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/"
    "http-403-permission-denied.html"
)
OPENSSL_VERIFY = "https://docs.openssl.org/3.0/man1/openssl-verify/"

#: the leaves of httpx.HTTPError no fault here makes, and why envcheck cannot meet them
NOT_MET = {
    "ConnectTimeout": "needs packets dropped on the way (a firewall): not made on 127.0.0.1; "
    "tests/verdicts/test_providers.py meets it with a listener that never accepts",
    "WriteTimeout": "the checks send at most a few hundred bytes: a send never blocks",
    "PoolTimeout": "one connection pool per server with httpx's 100 connections; the runner "
    "runs fewer checks at once",
    "WriteError": "the requests fit in the socket buffer: a peer that closes is met on the read",
    "CloseError": "raised only when closing a socket fails in the OS",
    "UnsupportedProtocol": "base_url's scheme is validated when the configuration is read",
    "TooManyRedirects": "envcheck never follows a redirect (the key would go to another host): "
    "the 3xx is the answer, see the redirect faults",
    "HTTPStatusError": "raise_for_status is never called: statuses are read",
    "LocalProtocolError": "a header value httpx cannot send: the one envcheck takes from the "
    "user is the key, whose control characters the key check refuses before any request "
    "(tests/verdicts/test_heldout_providers11.py)",
}


# -- the faults ------------------------------------------------------------------------------------


def _cloudflare(status: int, title: str, code: str, tail: str = "") -> bytes:
    page = (
        '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n'
        f"<title>api.gateway.test | {status}: {title}</title>\n"
        '<meta charset="UTF-8" /><style>body{margin:0;padding:0}</style>\n'
        '</head>\n<body>\n<div id="cf-wrapper"><div id="cf-error-details">\n'
        f'<h1><span class="inline-block">{title}</span>\n'
        f'<span class="code-label">Error code {code}</span></h1>\n'
        f'<div>Visit <a href="https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_'
        f'{code}">cloudflare.com</a> for more information.</div>{tail}\n'
        '<div class="cf-error-footer">Cloudflare Ray ID: <strong>8f1a2b3c4d5e6f70</strong>'
        " &bull; Performance &amp; security by Cloudflare</div>\n"
        "</div></div>\n<script>(function(){window._cf_chl_opt={}})();</script>\n</body>\n</html>\n"
    )
    reason = {403: "Forbidden", 429: "Too Many Requests"}.get(status, "")
    headers = {
        "content-type": "text/html; charset=UTF-8",
        "server": "cloudflare",
        "cf-ray": "8f1a2b3c4d5e6f70-FRA",
    }
    return http(status, reason, headers, page)


def _cloudflare_1xxx(status: int, code: int, said: str) -> bytes:
    page = (
        '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n'
        "<title>Access denied | api.gateway.test used Cloudflare to restrict access</title>\n"
        "<style>#cf-wrapper{display:block}</style>\n</head>\n<body>\n"
        f'<div id="cf-wrapper"><h1><span class="cf-error-type">Error</span> '
        f'<span class="cf-error-code">{code}</span></h1>\n'
        f"<h2>{said}</h2>\n<h2>What happened?</h2>\n<p>The owner of this website "
        "(api.gateway.test) has banned you temporarily from accessing this website.</p>\n"
        "<p>Cloudflare Ray ID: <strong>8f1a2b3c4d5e6f71</strong></p></div>\n</body>\n</html>\n"
    )
    headers = {"content-type": "text/html; charset=UTF-8", "server": "cloudflare"}
    return http(status, "", headers | {"cf-ray": "8f1a2b3c4d5e6f71-FRA"}, page)


def _nginx(status: int, title: str, server: str = "nginx", tail: bool = True) -> bytes:
    page = (
        f"<html>\r\n<head><title>{status} {title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {title}</h1></center>\r\n"
        + ("<hr><center>nginx</center>\r\n" if tail else "")
        + "</body>\r\n</html>\r\n"
    )
    return http(status, title, {"server": server, "content-type": "text/html"}, page)


def _squid(status: int, reason: str, error: str, title: str, said: str, **extra: str) -> bytes:
    page = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN">\n<html><head>\n'
        '<meta type="copyright" content="Copyright (C) 1996-2023 The Squid Software Foundation">\n'
        f'<title>ERROR: {title}</title>\n<style type="text/css"><!--body{{font-family:sans-serif}}'
        '--></style>\n</head><body id="' + error + '">\n<div id="titles">\n<h1>ERROR</h1>\n'
        f'<h2>{title}</h2>\n</div>\n<hr>\n<div id="content">\n<p>{said}</p>\n'
        '<p>Your cache administrator is <a href="mailto:webmaster">webmaster</a>.</p>\n'
        '</div>\n<hr>\n<div id="footer"><p>Generated by proxy.corp.test (squid/5.7)</p>\n'
        "</div>\n</body></html>\n"
    )
    headers = {
        "server": "squid/5.7",
        "content-type": "text/html;charset=utf-8",
        "x-squid-error": f"{error} 0",
        **extra,
    }
    return http(status, reason, headers, page)


def _gateway(
    name: str, status: int, wire: bytes, shows: str, names: tuple[str, ...], src: str
) -> Fault:
    return Fault(
        name, "gateway", src, wire, status=status, shows=(f"HTTP {status}", shows), names=names
    )


CF = ("Cloudflare",)
IN_FRONT = ("gateway", "proxy", "load balancer")
GATEWAY = [
    _gateway(
        "cloudflare-520",
        520,
        _cloudflare(520, "Web server is returning an unknown error", "520"),
        "Web server is returning an unknown error",
        CF,
        CF5XX,
    ),
    _gateway(
        "cloudflare-521",
        521,
        _cloudflare(521, "Web server is down", "521"),
        "Web server is down",
        CF,
        CF5XX,
    ),
    _gateway(
        "cloudflare-522",
        522,
        _cloudflare(522, "Connection timed out", "522"),
        "Connection timed out",
        CF,
        CF5XX,
    ),
    _gateway(
        "cloudflare-523",
        523,
        _cloudflare(523, "Origin is unreachable", "523"),
        "Origin is unreachable",
        CF,
        CF5XX,
    ),
    _gateway(
        "cloudflare-524",
        524,
        _cloudflare(524, "A timeout occurred", "524"),
        "A timeout occurred",
        CF,
        CF5XX,
    ),
    _gateway(
        "cloudflare-530-1016",
        530,
        _cloudflare(530, "Origin DNS error", "1016"),
        "Origin DNS error",
        CF,
        CF1XXX,
    ),
    _gateway(
        "cloudflare-1020",
        403,
        _cloudflare_1xxx(403, 1020, "Access denied"),
        "used Cloudflare to restrict access",
        CF,
        CF1XXX,
    ),
    _gateway(
        "cloudflare-1015",
        429,
        _cloudflare_1xxx(429, 1015, "You are being rate limited"),
        "used Cloudflare to restrict access",
        CF,
        CF1XXX,
    ),
    _gateway("nginx-502", 502, _nginx(502, "Bad Gateway"), "502 Bad Gateway", IN_FRONT, NGINX),
    _gateway(
        "nginx-503",
        503,
        _nginx(503, "Service Temporarily Unavailable"),
        "503 Service Temporarily Unavailable",
        IN_FRONT,
        NGINX,
    ),
    _gateway(
        "nginx-504", 504, _nginx(504, "Gateway Time-out"), "504 Gateway Time-out", IN_FRONT, NGINX
    ),
    _gateway(
        "envoy-503-reset",
        503,
        http(
            503,
            "Service Unavailable",
            {"server": "envoy", "content-type": "text/plain"},
            "upstream connect error or disconnect/reset before headers. reset reason: "
            "connection failure",
        ),
        "upstream connect error or disconnect/reset before headers",
        IN_FRONT,
        ENVOY,
    ),
    _gateway(
        "envoy-503-no-healthy",
        503,
        http(
            503,
            "Service Unavailable",
            {"server": "envoy", "content-type": "text/plain"},
            "no healthy upstream",
        ),
        "no healthy upstream",
        IN_FRONT,
        ENVOY,
    ),
    _gateway(
        "envoy-504",
        504,
        http(
            504,
            "Gateway Timeout",
            {"server": "envoy", "content-type": "text/plain"},
            "upstream request timeout",
        ),
        "upstream request timeout",
        IN_FRONT,
        ENVOY,
    ),
    _gateway(
        "alb-502",
        502,
        _nginx(502, "Bad Gateway", "awselb/2.0", tail=False),
        "502 Bad Gateway",
        IN_FRONT,
        ALB,
    ),
    _gateway(
        "alb-503",
        503,
        _nginx(503, "Service Temporarily Unavailable", "awselb/2.0", tail=False),
        "503 Service Temporarily Unavailable",
        IN_FRONT,
        ALB,
    ),
    _gateway(
        "alb-504",
        504,
        _nginx(504, "Gateway Time-out", "awselb/2.0", tail=False),
        "504 Gateway Time-out",
        IN_FRONT,
        ALB,
    ),
    _gateway(
        "cloudfront-403",
        403,
        http(
            403,
            "Forbidden",
            {
                "server": "CloudFront",
                "x-cache": "Error from cloudfront",
                "content-type": "text/html",
            },
            '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" '
            '"http://www.w3.org/TR/html4/loose.dtd">\n<HTML><HEAD><META HTTP-EQUIV="Content-Type" '
            'CONTENT="text/html; charset=iso-8859-1">\n'
            "<TITLE>ERROR: The request could not be satisfied</TITLE>\n</HEAD><BODY>\n"
            "<H1>403 ERROR</H1>\n"
            '<H2>The request could not be satisfied.</H2>\n<HR noshade size="1px">\n'
            "Request blocked.\nWe can't connect to the server for this app or website at this "
            'time.\n<BR clear="all">\n'
            '<HR noshade size="1px">\n<PRE>\nGenerated by cloudfront (CloudFront)\n'
            "Request ID: 9rPn3e6z2Qk4\n</PRE>\n<ADDRESS>\n</ADDRESS>\n</BODY></HTML>",
        ),
        "The request could not be satisfied",
        ("CloudFront", "gateway", "CDN"),
        CLOUDFRONT,
    ),
]

_SQUID_407 = _squid(
    407,
    "Proxy Authentication Required",
    "ERR_CACHE_ACCESS_DENIED",
    "Cache Access Denied",
    "Sorry, you are not currently allowed to request this from this cache until you have "
    "authenticated yourself.",
    **{"proxy-authenticate": 'Basic realm="corp proxy"'},
)
PROXY = [
    Fault(
        "squid-407",
        "proxy",
        SQUID,
        _SQUID_407,
        status=407,
        shows=("HTTP 407", "Cache Access Denied", 'Basic realm="corp proxy"'),
        names=("HTTP_PROXY",),
        via="http-proxy",
    ),
    Fault(
        "squid-403-denied",
        "proxy",
        SQUID,
        _squid(
            403,
            "Forbidden",
            "ERR_ACCESS_DENIED",
            "The requested URL could not be retrieved",
            "Access Denied.",
        ),
        status=403,
        shows=("HTTP 403", "ERR_ACCESS_DENIED"),
        names=("HTTP_PROXY",),
        via="http-proxy",
    ),
    Fault(
        "squid-503-dns",
        "proxy",
        SQUID,
        _squid(
            503,
            "Service Unavailable",
            "ERR_DNS_FAIL",
            "The requested URL could not be retrieved",
            "Unable to determine IP address from host name",
        ),
        status=503,
        shows=("HTTP 503", "ERR_DNS_FAIL"),
        names=("HTTP_PROXY",),
        via="http-proxy",
    ),
    Fault(
        "corporate-block-page",
        "proxy",
        RFC9110,
        http(
            403,
            "Forbidden",
            {"content-type": "text/html"},
            "<html><head><title>Website blocked</title></head><body><h1>Website blocked</h1>"
            "<p>Access to this site is blocked by your organization's Internet use policy.</p>"
            "<p>Category: Generative AI</p></body></html>",
        ),
        status=403,
        shows=("HTTP 403", "Website blocked"),
        names=("HTTP_PROXY",),
        via="http-proxy",
    ),
    Fault(
        "connect-407",
        "proxy",
        RFC9110,
        http(
            407,
            "Proxy Authentication Required",
            {"proxy-authenticate": 'Basic realm="corp proxy"'},
            "",
        ),
        status=407,
        shows=("407", "Proxy Authentication Required"),
        names=("HTTPS_PROXY",),
        via="connect",
    ),
    Fault(
        "connect-403",
        "proxy",
        RFC9110,
        http(403, "Forbidden", {}, ""),
        status=403,
        shows=("403", "Forbidden"),
        names=("HTTPS_PROXY",),
        via="connect",
    ),
    Fault(
        "connect-502",
        "proxy",
        RFC9110,
        http(502, "Bad Gateway", {}, ""),
        status=502,
        shows=("502", "Bad Gateway"),
        names=("HTTPS_PROXY",),
        via="connect",
    ),
]

_LISTING_BODY = json.dumps({"object": "list", "data": [{"id": "gpt-4o-mini"}] * 40}).encode()
TRANSPORT = [
    Fault(
        "reset-mid-body",
        "transport",
        RFC9112,
        http(
            200,
            "OK",
            {"content-type": "application/json", "content-length": str(len(_LISTING_BODY))},
            _LISTING_BODY[: len(_LISTING_BODY) // 2],
        ),
        how="reset",
        names=("reset",),
    ),
    Fault("closed-before-answer", "transport", RFC9112, b"", names=("closed the connection",)),
    Fault(
        "chunked-cut",
        "transport",
        RFC9112,
        http(
            200,
            "OK",
            {"content-type": "application/json", "transfer-encoding": "chunked"},
            b"40\r\n" + _LISTING_BODY[:64] + b"\r\n",
        ),
        names=("cut", "incomplete", "closed the connection"),
    ),
    Fault(
        "content-length-short",
        "transport",
        RFC9112,
        http(
            200,
            "OK",
            {"content-type": "application/json", "content-length": "5000"},
            _LISTING_BODY[:300],
        ),
        names=("cut", "incomplete", "closed the connection"),
    ),
    Fault(
        "gzip-corrupt",
        "transport",
        RFC9110,
        http(
            200,
            "OK",
            {"content-type": "application/json", "content-encoding": "gzip"},
            gzip.compress(_LISTING_BODY)[:12] + b"\x00not deflate data\xff" * 4,
        ),
        names=("gzip",),
    ),
    Fault(
        "br-undecodable",
        "transport",
        RFC9110,
        http(
            200,
            "OK",
            {"content-type": "application/json", "content-encoding": "br"},
            b"\x8b\x02\x80\x7b\x22\x6f\x03",
        ),
        names=("br",),
    ),
    # another service on the port: OpenSSH greets on connect, and ends a request it cannot read
    # (h11 keeps none of it: envcheck reads the greeting on a new connection)
    Fault(
        "not-http",
        "transport",
        "https://www.rfc-editor.org/rfc/rfc4253#section-4.2",
        how="tls",
        via="banner",
        shows=("SSH-2.0-OpenSSH_9.6p1",),
        names=("does not speak HTTP",),
    ),
    Fault(
        "html-200",
        "transport",
        RFC9110,
        http(
            200,
            "OK",
            {"content-type": "text/html"},
            '<html><head><title>Sign in to the network</title></head><body><form action="/login">'
            '<input name="user"></form></body></html>',
        ),
        shows=("Sign in to the network",),
        names=("not JSON",),
    ),
    Fault(
        "json-200-wrong-shape",
        "transport",
        RFC9110,
        http(200, "OK", {"content-type": "application/json"}, '{"status": "ok"}'),
        shows=('{"status": "ok"}',),
        names=("not the shape", "shape"),
    ),
    Fault(
        "redirect-301",
        "transport",
        RFC9110,
        http(301, "Moved Permanently", {"location": "https://api.moved.test/v1/"}, ""),
        status=301,
        shows=("HTTP 301", "https://api.moved.test/v1/"),
        names=("redirect",),
    ),
    Fault(
        "redirect-307",
        "transport",
        RFC9110,
        http(307, "Temporary Redirect", {"location": "https://api.moved.test/v1/"}, ""),
        status=307,
        shows=("HTTP 307", "https://api.moved.test/v1/"),
        names=("redirect",),
    ),
    Fault(
        "redirect-308",
        "transport",
        RFC9110,
        http(308, "Permanent Redirect", {"location": "https://api.moved.test/v1/"}, ""),
        status=308,
        shows=("HTTP 308", "https://api.moved.test/v1/"),
        names=("redirect",),
    ),
    Fault("no-answer-in-time", "transport", RFC9112, how="hang", names=("no answer",)),
]

TLS = [
    Fault(
        "tls-self-signed",
        "TLS",
        OPENSSL_VERIFY,
        how="tls",
        via="tls:self",
        shows=("self-signed certificate",),
        names=("TLS",),
    ),
    Fault(
        "tls-wrong-host",
        "TLS",
        OPENSSL_VERIFY,
        how="tls",
        via="tls:host",
        shows=("IP address mismatch",),
        names=("TLS",),
    ),
    Fault(
        "tls-expired",
        "TLS",
        OPENSSL_VERIFY,
        how="tls",
        via="tls:old",
        shows=("certificate has expired",),
        names=("TLS",),
    ),
]
HEALTHY_TLS = Fault("tls-ok", "TLS", OPENSSL_VERIFY, how="tls", via="tls:good")
HEALTHY_PROXIED = Fault("proxied-ok", "proxy", HTTPX_PROXIES, how="tls", via="http-proxy")

#: which httpx exception each fault makes (what the sweep covers of the hierarchy)
RAISES = {
    "ConnectError": "tls-self-signed",
    "ProxyError": "connect-407",
    "ReadError": "reset-mid-body",
    "RemoteProtocolError": "closed-before-answer",
    "DecodingError": "gzip-corrupt",
    "ReadTimeout": "no-answer-in-time",
}
APIS = ("openai", "anthropic", "gemini", "compat")
#: what a proxy's or a gateway's answer is never blamed on
PROVIDER_CAUSES = (
    "rotate the api key",
    "check or rotate",
    "set a valid key",
    "key accepted",
    "out of credit",
    "add credits",
    "quota",
    "billing",
    "model not found",
    "set model to",
    "the key is",
)


def test_every_leaf_of_httpx_errors_is_met_or_listed() -> None:
    import httpx

    def leaves(cls: type) -> list[type]:
        subs: list[type] = cls.__subclasses__()
        return [cls] if not subs else [leaf for sub in subs for leaf in leaves(sub)]

    names = {cls.__name__ for cls in leaves(httpx.HTTPError)}
    assert names == set(NOT_MET) | set(RAISES), names ^ (set(NOT_MET) | set(RAISES))
    every = {f.name for f in GATEWAY + PROXY + TRANSPORT + TLS}
    assert set(RAISES.values()) <= every


# -- the lab and the runs --------------------------------------------------------------------------


def _healthy(method: str, path: str, body: bytes) -> bytes:
    if path.startswith("/anthropic/"):
        name = "anthropic--models-list" if method == "GET" else "anthropic--message-ok"
        return healthy_wire(published(name))
    if path.endswith("/v1beta/models"):
        return healthy_wire(published("gemini--models-list"))
    if path.endswith("/models"):
        return healthy_wire(published("openai--models-list"))
    if path.endswith("/messages"):
        return healthy_wire(published("anthropic--message-ok"))
    if ":generateContent" in path:
        return healthy_wire(published("gemini--generate-ok"))
    if path.endswith("/chat/completions"):
        return healthy_wire(published("openai--chat-ok"))
    return _ollama_healthy(method, path, body)


def _ollama_healthy(method: str, path: str, body: bytes) -> bytes:
    if path == "/api/version":
        return healthy_wire(published("ollama--version"))
    if path == "/api/ps":
        return healthy_wire(published("ollama--ps"))
    if path == "/api/tags":
        tags = published("ollama--tags")
        template = json.loads(tags.body)["models"][0]
        names = [f"{w}-{i}:latest" for i in range(40) for w in ("show", "gen")]
        models = [{**template, "name": n, "model": n} for n in names]
        return http(200, "OK", {"content-type": "application/json"}, json.dumps({"models": models}))
    if path == "/api/show":
        return healthy_wire(published("ollama--show-model-info"))
    if path == "/api/generate":
        return healthy_wire(published("ollama--generate-ok"))
    return http(404, "Not Found", {"content-type": "text/plain"}, "404 page not found")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with lab(_healthy, tmp_path_factory.mktemp("http-lab")) as made:
        yield made


def _proxy(port: int) -> str:
    return f"http://{PROXY_USER}:{PROXY_SECRET}@127.0.0.1:{port}"


def _env(monkeypatch: pytest.MonkeyPatch, **values: str | None) -> None:
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
    ):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in values.items():
        if value is not None:
            monkeypatch.setenv(name, value)
    for api, key in KEYS.items():
        monkeypatch.setenv(f"SWEEP_{api.upper()}_KEY", key)


def _run(pytester: pytest.Pytester, marker: str, toml: str) -> list[dict[str, Any]]:
    """One in-process envcheck run (a new process as far as the run's HTTP state goes: the
    shared clients and the SSL context, which read the environment, are made again)."""
    from envcheck.llm import _pool

    _pool.close_all()
    _pool._ssl_context.cache_clear()
    pytester.makefile(".toml", pyproject=toml)
    try:
        result = pytester.runpytest_inprocess("-m", marker, "--envcheck-report", *STRICT)
    finally:
        _pool.close_all()
        _pool._ssl_context.cache_clear()
    output = result.stdout.str() + result.stderr.str()
    written = (pytester.path / "envcheck-report.json").read_text()
    leaked = [k for k in [*KEYS.values(), PROXY_SECRET] if k in output or k in written]
    assert not leaked, f"a secret is in the output: {leaked}"
    checks: list[dict[str, Any]] = json.loads(written)["checks"]
    return checks


def _base(server: Lab, fault: Fault, api: str, i: int, host: str = "") -> str:
    if fault.via == "http-proxy":
        root = f"http://{host or f'i{i}.proxied.test'}/i{i}"
    elif fault.via == "connect":
        root = f"https://i{i}.proxied.test/i{i}"
    elif fault.via == "banner":
        root = f"http://127.0.0.1:{server.banner_port}/i{i}"
    elif fault.via.startswith("tls:"):
        root = f"https://127.0.0.1:{server.tls_ports[fault.via[4:]]}/i{i}"
    else:
        root = f"http://127.0.0.1:{server.port}/i{i}"
    return root + ("/v1" if KIND[api] == "openai" else "/anthropic" if api == "anthropic" else "")


def _instances(server: Lab, plans: list[tuple[Fault, str, str]], host: str = "") -> str:
    server.plans = [(fault, request) for fault, _, request in plans]
    return "".join(
        f"[tool.envcheck.providers.i{i}]\n"
        f'kind = "{KIND[api]}"\n'
        f'api_key = "${{SWEEP_{api.upper()}_KEY}}"\n'
        f'base_url = "{_base(server, fault, api, i, host)}"\n'
        f'model = "{MODELS[api]}"\n'
        "smoke = true\ncassettes = false\nretries = 0\n"
        f"timeout = {3.0 if fault.how == 'hang' else 20.0}\n"
        for i, (fault, api, request) in enumerate(plans)
    )


def _by_instance(checks: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for check in checks:
        instance, _, name = check["id"].split("/", 1)[1].partition(".")
        found.setdefault(instance, {})[name] = check
    return found


def judge(
    fault: Fault, request: str, checks: Mapping[str, dict[str, Any]], proxy: str
) -> list[str]:
    """What is wrong with one instance's verdicts on ``fault`` met by ``request``."""
    if not checks:
        return ["no checks"]
    status = {name: c["status"] for name, c in checks.items()}
    shown = {name: text(c) for name, c in checks.items()}
    problems = [f"{n}: envcheck's own error: {t}" for n, t in shown.items() if own_error(t)]
    # with smoke on, headroom sends the smoke call
    met: tuple[str, ...] = ("auth", "model") if request == "listing" else ("smoke", "headroom")
    if request == "any":
        met = ("auth", "model", "smoke", "headroom")
    problems += [f"{n} passed on its request's failure" for n in met if status.get(n) == "pass"]
    owner = "auth" if request in ("listing", "any") else "smoke"
    if request == "call":
        problems += [
            f"{n} is {status.get(n)}" for n in ("auth", "model") if status.get(n) != "pass"
        ]
    said = shown.get(owner, "")
    if status.get(owner) != "fail":
        problems.append(f"{owner} is {status.get(owner)}: {said}")
        return problems
    words = " ".join(said.split())
    missing = [w for w in fault.shows if w not in words]
    if fault.names and not any(n.lower() in words.lower() for n in fault.names):
        missing.append(f"the layer ({' / '.join(fault.names)})")
    if fault.layer == "proxy" and proxy not in words:
        missing.append(f"the proxy {proxy}")
    if missing:
        problems.append(f"{owner} does not name {', '.join(missing)}: {said}")
    if re.search(r"<(html|head|title|body|h1|center|div|script)\b", said, re.IGNORECASE):
        problems.append(f"{owner} shows markup: {said[:300]}")
    summary = str(checks[owner].get("summary") or "")
    if len(summary) > 600:
        problems.append(f"{owner}'s summary is {len(summary)} characters long")
    if fault.layer in ("proxy", "gateway"):
        blamed = [w for w in PROVIDER_CAUSES if w in words.lower()]
        if blamed:
            problems.append(f"{owner} blames the provider ({blamed}): {said}")
    return problems


def test_every_http_layer_fault_to_every_request(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Lab
) -> None:
    proxy = f"127.0.0.1:{server.port}"
    _env(
        monkeypatch,
        HTTP_PROXY=_proxy(server.port),
        HTTPS_PROXY=_proxy(server.port),
        NO_PROXY="127.0.0.1",
        SSL_CERT_FILE=server.certs["ca"],
    )
    # each fault meets one API, in turn (the layer's verdict does not depend on the API: every
    # API meets every layer), and both requests
    plans = [
        (fault, APIS[k % 4], request)
        for k, fault in enumerate(GATEWAY + PROXY + TRANSPORT + TLS)
        for request in (
            ("any",)
            if fault.via in ("connect", "banner") or fault.layer == "TLS"
            else ("listing", "call")
        )
    ]
    plans += [(fault, api, "none") for fault in (HEALTHY_TLS, HEALTHY_PROXIED) for api in APIS]
    checks = _by_instance(_run(pytester, "providers", _instances(server, plans)))
    problems = []
    for i, (fault, api, request) in enumerate(plans):
        found = checks.get(f"i{i}", {})
        if fault in (HEALTHY_TLS, HEALTHY_PROXIED):
            bad = {n: text(c) for n, c in found.items() if c["status"] != "pass"}
            problems += [f"{fault.name} {api}: {n} does not pass: {t}" for n, t in bad.items()]
            continue
        problems += [
            f"{fault.name} {api} {request}: {p}" for p in judge(fault, request, found, proxy)
        ]
    sent = {line.split(" ", 1)[0] for line in server.log}
    assert {"GET", "POST", "CONNECT"} <= sent
    assert not problems, f"{len(problems)} problems in {len(plans)} pairs:\n" + "\n".join(problems)


# -- Ollama ----------------------------------------------------------------------------------------

#: what an answer of the layer between envcheck and Ollama is never blamed on
OLLAMA_CAUSES = ("ollama pull", "not pulled", "more system memory", "start it: ollama serve")
#: the response faults of the origin (what a gateway or the transport answers in Ollama's place)
ORIGIN = [f for f in GATEWAY + TRANSPORT if f.how not in ("hang", "tls")]
#: the faults of /api/version and /api/ps (a session each): a page that is not JSON where
#: Ollama's version belongs, JSON of another shape where its running models do (the rest reach
#: them through the same transport as on /api/show and /api/generate)
SESSION_FAULTS = (
    ("html-200", "/api/version"),
    ("json-200-wrong-shape", "/api/ps"),
)


def judge_ollama(fault: Fault, owner: str, checks: Mapping[str, dict[str, Any]]) -> list[str]:
    check = checks.get(owner)
    if check is None:
        return [f"no {owner} check"]
    said = text(check)
    words = " ".join(said.split())
    problems = []
    if own_error(said):
        problems.append(f"envcheck's own error: {said}")
    if check["status"] not in ("fail", "warn"):
        return problems + [f"{owner} is {check['status']}: {said}"]
    missing = [w for w in fault.shows if w not in words]
    if fault.names and not any(n.lower() in words.lower() for n in fault.names):
        missing.append(f"the layer ({' / '.join(fault.names)})")
    if missing:
        problems.append(f"{owner} does not name {', '.join(missing)}: {said}")
    if re.search(r"<(html|head|title|body|h1|center|div|script)\b", said, re.IGNORECASE):
        problems.append(f"{owner} shows markup: {said[:300]}")
    blamed = [w for w in OLLAMA_CAUSES if w in words.lower()]
    if blamed:
        problems.append(f"{owner} blames Ollama's own state ({blamed}): {said}")
    return problems


def _ollama(pytester: pytest.Pytester, host: str, models: list[str]) -> dict[str, dict[str, Any]]:
    toml = (
        f'[tool.envcheck.ollama]\nhost = "{host}"\nmodels = {json.dumps(models)}\n'
        "smoke = true\ncassettes = false\ntimeout = 20.0\nsmoke_timeout = 20.0\n"
    )
    return {c["id"].split("/", 1)[1]: c for c in _run(pytester, "ollama", toml)}


def test_every_http_layer_fault_to_every_ollama_request(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Lab
) -> None:
    _env(monkeypatch, NO_PROXY="127.0.0.1", SSL_CERT_FILE=server.certs["ca"])
    origin = f"http://127.0.0.1:{server.port}"
    problems, pairs = [], 0
    # every origin fault to /api/show (model show-k) and /api/generate (gen-k), in one session
    server.by_model = {}
    for k, fault in enumerate(ORIGIN):
        server.by_model[f"show-{k}:latest"] = (fault, "/api/show")
        server.by_model[f"gen-{k}:latest"] = (fault, "/api/generate")
    checks = _ollama(pytester, origin, sorted(server.by_model))
    for k, fault in enumerate(ORIGIN):
        for owner in (f"model[show-{k}:latest]", f"smoke[gen-{k}:latest]"):
            problems += [f"{fault.name} {owner}: {p}" for p in judge_ollama(fault, owner, checks)]
            pairs += 1
    server.by_model = {}
    # /api/version and /api/ps: one session each
    faults = {f.name: f for f in ORIGIN}
    for name, path in SESSION_FAULTS:
        server.default = (faults[name], path)
        owner = "server" if path == "/api/version" else "gpu"
        checks = _ollama(pytester, origin, [])
        problems += [f"{name} {path}: {p}" for p in judge_ollama(faults[name], owner, checks)]
        pairs += 1
    # the layers in front of every request: a proxy (in-band and CONNECT), TLS
    proxy = _proxy(server.port)
    by_name = {f.name: f for f in PROXY + TLS + TRANSPORT}
    for name, host, env in (
        ("squid-403-denied", f"http://localhost:{server.port}", {"HTTP_PROXY": proxy}),
        ("connect-407", "https://ollama.proxied.test:11434", {"HTTPS_PROXY": proxy}),
        ("tls-self-signed", f"https://127.0.0.1:{server.tls_ports['self']}", {}),
        ("not-http", f"http://127.0.0.1:{server.banner_port}", {}),
    ):
        _env(monkeypatch, NO_PROXY="127.0.0.1", SSL_CERT_FILE=server.certs["ca"], **env)
        server.default = (by_name[name], "any")
        checks = _ollama(pytester, host, [])
        problems += [f"{name}: {p}" for p in judge_ollama(by_name[name], "server", checks)]
        if by_name[name].layer == "proxy" and f"127.0.0.1:{server.port}" not in text(
            checks.get("server", {})
        ):
            problems.append(f"{name}: the proxy is not named")
        pairs += 1
    server.default = None
    assert not problems, f"{len(problems)} problems in {pairs} pairs:\n" + "\n".join(problems)


# -- the printed fixes, run ------------------------------------------------------------------------


def _dead_port() -> int:
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_printed_fixes_work(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Lab, tmp_path: Path
) -> None:
    """A proxy that refuses ``localhost`` (fix: NO_PROXY), ``REQUESTS_CA_BUNDLE`` naming the CA
    that httpx does not read (fix: SSL_CERT_FILE), a dead HTTPS proxy and a SOCKS ALL_PROXY
    without socksio (named, never the password): the fixes printed are applied as printed, and
    the checks pass."""
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(Path(server.certs["ca"]).read_text() + Path(server.certs["self"]).read_text())
    dead = _dead_port()
    block = next(f for f in PROXY if f.name == "corporate-block-page")
    plans = [
        (block, "openai", "listing"),
        (next(f for f in TLS if f.name == "tls-self-signed"), "anthropic", "any"),
        (HEALTHY_TLS, "gemini", "any"),
        (next(f for f in PROXY if f.name == "connect-403"), "compat", "any"),
    ]
    toml = _instances(server, plans, host=f"localhost:{server.port}")
    _env(
        monkeypatch,
        HTTP_PROXY=_proxy(server.port),
        HTTPS_PROXY=_proxy(dead),
        NO_PROXY="127.0.0.1",
        REQUESTS_CA_BUNDLE=str(bundle),
    )
    first = _by_instance(_run(pytester, "providers", toml))
    said = {i: text(first[f"i{i}"]["auth"]) for i in range(4)}
    assert all(first[f"i{i}"]["auth"]["status"] == "fail" for i in range(4)), said
    assert f"127.0.0.1:{server.port} (HTTP_PROXY)" in said[0], said[0]
    assert "REQUESTS_CA_BUNDLE" in said[1] and "SSL_CERT_FILE" in said[1], said[1]
    assert f"127.0.0.1:{dead} (HTTPS_PROXY)" in said[3], said[3]
    # the fixes, as printed
    no_proxy = re.search(r"\bNO_PROXY=(\S+?)[;,]?(?:\s|$)", said[0])
    cafile = re.search(r"export SSL_CERT_FILE=(\S+)", said[1])
    assert no_proxy is not None and cafile is not None, said
    assert "localhost" in no_proxy[1].split(",")
    monkeypatch.setenv("NO_PROXY", no_proxy[1])
    monkeypatch.setenv("SSL_CERT_FILE", cafile[1])
    server.plans = server.plans[:3]
    again = _by_instance(_run(pytester, "providers", toml.split("[tool.envcheck.providers.i3]")[0]))
    failing = {
        f"i{i}.{name}": text(c)
        for i in range(3)
        for name, c in again[f"i{i}"].items()
        if c["status"] != "pass"
    }
    assert not failing, failing
    # a SOCKS proxy for everything, and httpx without socksio: named, not envcheck's own error
    _env(monkeypatch, ALL_PROXY=f"socks5://{PROXY_USER}:{PROXY_SECRET}@127.0.0.1:{dead}")
    plans = [(HEALTHY_TLS, "openai", "none")]
    socks = _by_instance(_run(pytester, "providers", _instances(server, plans)))["i0"]["auth"]
    shown = text(socks)
    assert socks["status"] == "fail" and not own_error(shown), shown
    assert "ALL_PROXY" in shown and "httpx[socks]" in shown, shown
