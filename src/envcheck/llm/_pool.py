"""One HTTP client per server for the whole run: its SSL context and kept-alive connections are
made once, not once per check (building an SSL context costs ~40 ms of CPU).

A check gets a cheap client of its own whose transport sends through the shared one
(:func:`transport`), so that what a check changes (its cassette, its timeout) stays its own, and
closing it never closes the shared pool. The shared clients are closed when the process exits
(:func:`close_all`), so no socket is left for the garbage collector to warn about.

Every answer is read through :func:`transport` as a bounded prefix: at most :data:`MAX_BODY`
bytes of a successful answer and :data:`MAX_ERROR_BODY` of an error, and no longer than the
request's read timeout in all (a server that trickles a body byte by byte does not keep a check
past its deadline). Reading stops at the bound and the connection is dropped; the response then
carries :data:`CUT` in its ``extensions`` (the bytes read), so that nothing cut is kept as if it
were the whole answer.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import ssl
import threading
import time
from collections.abc import Sequence
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from envcheck.core.environ import consistent

if TYPE_CHECKING:
    import httpx

_LOCK = threading.Lock()
_CLIENTS: dict[str, httpx.Client] = {}
#: the most of a successful answer's body a check reads (a list of a few hundred models, the
#: largest answer a check asks for, is about 1 MiB)
MAX_BODY = 4 * 2**20
#: the most of an error answer's body a check reads (a provider's error is under 2 KiB, a
#: proxy's HTML error page tens of KiB)
MAX_ERROR_BODY = 64 * 2**10
#: the key in a response's ``extensions`` set when its body was cut: the bytes that were read
CUT = "envcheck_body_cut"
#: the key in a response's ``extensions`` set when its body came in a content coding httpx here
#: has no decoder for (``br`` without brotli, ``zstd`` without zstandard): handed on as sent
UNDECODED = "envcheck_undecoded"
#: headers that describe the body as sent, not as read (it is handed on decoded and whole)
_BODY_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


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
            try:
                client = consistent(lambda: httpx.Client(verify=verify, cookies=jar))
            except (ImportError, ValueError) as exc:  # the environment's proxies: no client
                from envcheck.core.model import CheckFailed
                from envcheck.llm import _between

                said = _between.proxy_setting(exc)
                if said is None:
                    raise
                raise CheckFailed(said[0], why=said[1], fix=said[2]) from None
            _CLIENTS[key] = client
        return client


def transport(url: str) -> httpx.BaseTransport:
    """A transport that sends through :func:`shared`; closing it leaves the shared client open."""
    import httpx

    client = shared(url)

    class Through(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return bounded(client, request)

    return Through()


def bounded(client: httpx.Client, request: httpx.Request) -> httpx.Response:
    """``client.send(request)``, its body read as a bounded prefix (see the module's doc)."""
    import httpx

    started = time.monotonic()
    timeouts = request.extensions.get("timeout") or {}
    budget = timeouts.get("read")
    response = client.send(request, stream=True)
    coding = response.headers.get("content-encoding", "")
    try:
        limit = MAX_ERROR_BODY if response.status_code >= 400 else MAX_BODY
        body = bytearray()
        cut = False
        for chunk in response.iter_bytes():
            body += chunk[: limit + 1 - len(body)]
            if len(body) > limit:
                cut = True
                break
            if budget is not None and time.monotonic() - started > budget:
                raise httpx.ReadTimeout(
                    f"the answer's body was still arriving after {budget:g} s "
                    f"({len(body)} bytes read)",
                    request=request,
                )
    except httpx.DecodingError as exc:  # say which coding: the exception names only zlib's words
        raise httpx.DecodingError(
            f"HTTP {response.status_code} with Content-Encoding: {coding}, whose body does not "
            f"decode as {coding}: {exc}",
            request=request,
        ) from exc
    finally:
        response.close()
    extensions = {k: v for k, v in response.extensions.items() if k != "network_stream"}
    unknown = [c for c in _codings(coding) if c not in _decoders()]
    if unknown:
        extensions[UNDECODED] = ", ".join(unknown)
    if cut:
        del body[limit:]
        extensions[CUT] = limit
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _BODY_HEADERS]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=bytes(body),
        request=request,
        extensions=extensions,
    )


def _codings(header: str) -> list[str]:
    return [c.strip().lower() for c in header.split(",") if c.strip()]


def _decoders() -> set[str]:
    """The content codings httpx here decodes (and asks for in Accept-Encoding)."""
    from httpx._decoders import SUPPORTED_DECODERS

    return set(SUPPORTED_DECODERS) | {"identity"}


def undecoded(response: httpx.Response) -> str | None:
    """The content codings of an answer handed on undecoded (see :data:`UNDECODED`)."""
    value = response.extensions.get(UNDECODED)
    return value if isinstance(value, str) else None


def was_cut(response: httpx.Response) -> int | None:
    """The bytes read of a body :func:`bounded` cut short, else ``None``."""
    value = response.extensions.get(CUT)
    return value if isinstance(value, int) else None


def close_all() -> None:
    """Close every shared client (at exit; also safe to call earlier: they are made again)."""
    with _LOCK:
        clients = list(_CLIENTS.values())
        _CLIENTS.clear()
    for client in clients:
        client.close()
