"""A real HTTP server on 127.0.0.1 that answers each request with a published answer, verbatim.

The answers are files under ``tests/verdicts/replays/`` (``SOURCES.md`` there links each to where
it was published) or the wire recordings envcheck's mock is built from
(``src/envcheck/mock/data``, see its ``SOURCES.md``). A route answers the whole body, cuts it in the
middle and closes the connection (``how="cut"``), or never answers (``how="hang"``, until the server
stops). Every request is logged, with its secret headers masked.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Union
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
REPLAYS = Path(__file__).resolve().parent / "replays"
RECORDINGS = ROOT / "src" / "envcheck" / "mock" / "data"
SECRET_HEADERS = {"authorization", "x-api-key", "x-goog-api-key", "api-key", "cookie"}


@dataclass(frozen=True)
class Answer:
    """One published answer: its status, headers and body bytes; ``source`` says where from."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    how: str = "whole"  # "whole" | "cut" | "hang"


def _body(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value).encode()


def published(name: str, how: str = "whole") -> Answer:
    """The answer of ``replays/<name>.json``, or else of the recording ``mock/data/<name>.json``."""
    path = REPLAYS / f"{name}.json"
    if not path.is_file():
        path = RECORDINGS / f"{name}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    response = data["response"]
    headers = {
        k.lower(): v
        for k, v in (response.get("headers") or {}).items()
        # the recorded wire encoding and length describe bytes this file does not hold
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    }
    source = data.get("source", {})
    where = source.get("url") or f"{source.get('repo')}/{source.get('path')}"
    return Answer(int(response["status"]), _body(response.get("body")), headers, where, how)


#: a route's answer: one, a list answered in order, or chosen from the request's (JSON) body
Route = Union[Answer, Sequence[Answer], Callable[[Any], Answer]]


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    time: float


class Replay:
    """Serve ``routes`` (``"GET /v1/models"`` → :class:`Answer`, or a list of them in the order
    they answer; the path without its query) on a free port, also as an HTTP proxy (a request for
    ``http://api.x.ai/v1/models`` is routed by its path); anything else is a 404 in Go's plain
    text, as a Go server or proxy answers."""

    def __init__(self, routes: Mapping[str, Route]) -> None:
        self.routes = dict(routes)
        self._served: dict[str, int] = {}
        self.calls: list[Call] = []
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{str(host)}:{port}"

    def __enter__(self) -> Replay:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(5)
        self._server.server_close()

    def answer_for(self, method: str, path: str, body: Any = None) -> Answer | None:
        """The route's answer; a route given a list answers its n-th call with the n-th answer
        (the last one for every later call), a function chooses by the request's body."""
        route = f"{method} {path}"
        found = self.routes.get(route)
        if found is None or isinstance(found, Answer):
            return found
        if callable(found):
            return found(body)
        with self._lock:
            served = self._served.get(route, 0)
            self._served[route] = served + 1
        return found[min(served, len(found) - 1)]

    def log(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path == path]


def _handler(replay: Replay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "replay/1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            return

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            self._serve()

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            self._serve()

        def _serve(self) -> None:
            # a proxy's request names the whole URL (http://api.x.ai/v1/models): keep its path
            target = urlsplit(self.path).path if "://" in self.path else self.path
            path = target.partition("?")[0]
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            headers = {
                k.lower(): ("***" if k.lower() in SECRET_HEADERS else v)
                for k, v in self.headers.items()
            }
            replay.log(Call(self.command, path, headers, body, time.time()))
            answer = replay.answer_for(self.command, path, body)
            if answer is None:
                answer = Answer(404, b"404 page not found\n", {"content-type": "text/plain"})
            try:
                self._send(answer)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (its timeout)

        def _send(self, answer: Answer) -> None:
            if answer.how == "hang":
                replay._stopped.wait()  # accepted and read, never answered
                self.close_connection = True
                return
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if "content-type" not in answer.headers:
                self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer.body)))
            if answer.how == "cut":
                self.send_header("connection", "close")
                self.end_headers()
                self.wfile.write(answer.body[: len(answer.body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.end_headers()
            self.wfile.write(answer.body)

    return Handler
