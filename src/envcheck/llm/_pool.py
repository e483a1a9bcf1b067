"""One HTTP client per server for the whole run: its SSL context and kept-alive connections are
made once, not once per check (building an SSL context costs ~40 ms of CPU).

A check gets a cheap client of its own whose transport sends through the shared one
(:func:`transport`), so that what a check changes (its cassette, its timeout) stays its own, and
closing it never closes the shared pool. The shared clients are closed when the process exits
(:func:`close_all`), so no socket is left for the garbage collector to warn about.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import ssl
import threading
from collections.abc import Sequence
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx

_LOCK = threading.Lock()
_CLIENTS: dict[str, httpx.Client] = {}


def origin(url: str) -> str:
    """``https://api.openai.com:443`` for ``https://api.openai.com/v1``."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.hostname}:{port}"


_SSL_LOCK = threading.Lock()


def ssl_context() -> ssl.SSLContext:
    """The run's SSL context: httpx's default (certifi, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``).

    Built once: a check that needs it while :func:`prepare` builds it waits for that one."""
    with _SSL_LOCK:
        return _ssl_context()


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    import httpx

    return httpx.create_ssl_context()


@functools.cache
def _plain_http_context() -> ssl.SSLContext:
    """For a client of a plain ``http://`` server, which never needs one: verifying (hostname and
    certificate) but trusting no CA, so anything sent to ``https://`` through it fails rather than
    trusts; made without reading the CA bundle."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def may_use_tls(url: str | None) -> bool:
    """``False`` only for a literal ``http://`` URL (``None``: a default, i.e. ``https://``)."""
    return url is None or "${" in url or urlsplit(url.strip()).scheme.lower() != "http"


def prepare(*modules: str, urls: Sequence[str | None] = (None,)) -> None:
    """Import httpx (and ``modules``, e.g. ``ollama``) and build the SSL context (when one of
    ``urls`` may be ``https``) in the background, while pytest collects, so that the first checks
    do not wait for them. Only called by components that are configured."""
    tls = any(may_use_tls(url) for url in urls)

    def work() -> None:
        try:
            importlib.import_module("httpx")
            if tls:
                ssl_context()
            for name in modules:
                importlib.import_module(name)
        except Exception:  # noqa: B902 - the check that needs it will say what is wrong
            pass

    threading.Thread(target=work, name="envcheck-http-prepare", daemon=True).start()


def shared(url: str) -> httpx.Client:
    """The run's client for the server of ``url`` (proxies from the environment, as httpx)."""
    import httpx

    key = origin(url)
    with _LOCK:
        client = _CLIENTS.get(key)
        if client is None or client.is_closed:
            if not _CLIENTS:
                atexit.register(close_all)
            # cookies are never kept: one check's answer must not change what the next sends
            jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
            tls = may_use_tls(url)
            verify = ssl_context() if tls else _plain_http_context()
            client = httpx.Client(verify=verify, cookies=jar)
            _CLIENTS[key] = client
        return client


def transport(url: str) -> httpx.BaseTransport:
    """A transport that sends through :func:`shared`; closing it leaves the shared client open."""
    import httpx

    client = shared(url)

    class Through(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return client.send(request)

    return Through()


def close_all() -> None:
    """Close every shared client (at exit; also safe to call earlier: they are made again)."""
    with _LOCK:
        clients = list(_CLIENTS.values())
        _CLIENTS.clear()
    for client in clients:
        client.close()
