"""HTTP answers of MCP servers read up to a bound (``MAX_MCP_HTTP_ANSWER`` in core/limits.py).

The SDK's HTTP transports read bodies and event streams through the ``httpx2`` client they are
given. :func:`client` gives them one whose transport sends through an ordinary client (proxies,
``SSL_CERT_FILE`` and the rest from the environment, as the SDK's own) and hands back each answer
decoded and counted as it is read: past the bound, reading stops, the connection is dropped, the
caller's ``over`` is told, and :class:`AnswerTooLarge` is raised where the SDK reads.
Imported only when an HTTP server is checked.
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx2

from envcheck.core.environ import consistent

#: the key of an answer's extensions that holds its ``Content-Encoding`` as sent (or ``None``)
CODING = "envcheck.content_encoding"
#: headers that describe the body as sent, not as handed on (decoded)
_BODY_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


class AnswerTooLarge(httpx2.SSEError, httpx2.StreamError):
    """An answer larger than the bound: reading stopped there. What the SDK catches where it
    reads: a ``StreamError`` reading a body, an ``SSEError`` reading an event stream (an error of
    the request it answers, or of the connection; never a wait for more)."""

    def __init__(self, url: str, limit: int) -> None:
        httpx2.SSEError.__init__(self, f"the answer from {url} is larger than {limit} bytes")
        self.url = url
        self.limit = limit


#: what a caller is shown of each chunk of an answer as it is read: the answer and the chunk
Seen = Callable[[httpx2.Response, bytes], None]


class _Capped(httpx2.AsyncByteStream):
    def __init__(
        self,
        response: httpx2.Response,
        limit: int,
        over: Callable[[str], None],
        seen: Seen | None = None,
    ):
        self._response = response
        self._limit = limit
        self._over = over
        self._seen = seen

    async def __aiter__(self) -> AsyncIterator[bytes]:
        read = 0
        url = str(self._response.request.url)
        async for chunk in self._response.aiter_bytes():
            read += len(chunk)
            if read > self._limit:
                self._over(url)
                await self._response.aclose()
                raise AnswerTooLarge(url, self._limit)
            if self._seen is not None:
                self._seen(self._response, chunk)
            yield chunk

    async def aclose(self) -> None:
        await self._response.aclose()


class _Through(httpx2.AsyncBaseTransport):
    """Sends through an ordinary client; each answer's body comes back through :class:`_Capped`."""

    def __init__(self, limit: int, over: Callable[[str], None], seen: Seen | None) -> None:
        # (built again should pytest remove PYTEST_CURRENT_TEST while it reads the proxies)
        self._client = consistent(lambda: httpx2.AsyncClient(verify=default_ssl_context()))
        self._limit = limit
        self._over = over
        self._seen = seen

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._client.send(request, stream=True)
        # the headers' bytes as sent: a value outside ASCII (which httpx cannot encode again
        # from text) reaches the hooks and the SDK, whose diagnosis names it
        headers = [
            (k, v)
            for k, v in response.headers.raw
            if k.lower().decode("latin-1") not in _BODY_HEADERS
        ]
        return httpx2.Response(
            response.status_code,
            headers=headers,
            stream=_Capped(response, self._limit, self._over, self._seen),
            # the coding the body came in, which the handed-on answer (decoded) no longer names
            extensions={**response.extensions, CODING: response.headers.get("content-encoding")},
            request=request,
        )

    async def aclose(self) -> None:
        await self._client.aclose()


_contexts: dict[tuple[str | None, ...], ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def default_ssl_context() -> ssl.SSLContext:
    """httpx's default context (the CA bundle, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``), made
    once per value of those variables: loading the bundle costs tens of milliseconds, once per
    client otherwise, and a context is safe to share between connections and threads."""
    key = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    with _contexts_lock:
        if key not in _contexts:
            _contexts[key] = httpx2.create_ssl_context()
        return _contexts[key]


def client(
    limit: int,
    over: Callable[[str], None],
    *,
    timeout: httpx2.Timeout,
    headers: dict[str, str] | None = None,
    auth: httpx2.Auth | None = None,
    hooks: list[Callable[[httpx2.Response], Awaitable[None]]] | None = None,
    seen: Seen | None = None,
) -> httpx2.AsyncClient:
    """A client (for the SDK's ``httpx_client_factory`` / ``http_client``) that reads at most
    ``limit`` bytes of each answer; ``over(url)`` is called when one is larger, ``seen`` with
    each chunk read."""
    options: dict[str, Any] = {"event_hooks": {"response": list(hooks or [])}}
    through = _Through(limit, over, seen)
    return consistent(
        lambda: httpx2.AsyncClient(
            headers=headers, timeout=timeout, auth=auth, transport=through, **options
        )
    )
