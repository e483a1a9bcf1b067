"""The mock's HTTP server, its fault queue and its call log."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from envcheck.core import redact
from envcheck.mock import _admin, _providers
from envcheck.mock._providers import MOCK_HEADER, Reply, Request

PROVIDERS = ("openai", "anthropic", "gemini", "ollama")
_PREFIX = {"openai": "/openai/v1", "anthropic": "/anthropic", "gemini": "/gemini"}
_PREFIX["ollama"] = "/ollama"
FAULT_KINDS = ("status", "slow", "truncate", "malformed", "quota")
_SECRET_HEADERS = {"authorization", "x-api-key", "x-goog-api-key", "api-key", "cookie"}


@dataclass
class Fault:
    """What the next ``times`` matching calls get instead of (or before) a normal answer."""

    provider: str
    kind: str = "status"
    status: int = 500
    times: int = 1
    retry_after: float | None = None
    delay: float = 0.0
    path: str | None = None
    message: str | None = None


@dataclass
class Call:
    """One logged call; secrets in headers are masked."""

    provider: str
    method: str
    path: str
    status: int
    time: float
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    fault: str | None = None


class MockLLM:
    """A real HTTP server on 127.0.0.1 speaking the OpenAI, Anthropic, Gemini and Ollama APIs."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.models: dict[str, list[str]] = {p: [] for p in PROVIDERS}
        self.models["ollama"] = ["deepseek-r1:8b"]
        self.ollama_loaded: dict[str, bool] = {"deepseek-r1:8b": True}
        self.invalid_keys: set[str] = set()
        self.calls: list[Call] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{str(host)}:{port}"

    def base_url(self, provider: str) -> str:
        """What goes in a client's base URL (or Ollama's host) to reach this provider here."""
        if provider not in _PREFIX:
            raise ValueError(f"unknown provider {provider!r}; one of {', '.join(PROVIDERS)}")
        return self.url + _PREFIX[provider]

    def start(self) -> MockLLM:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="envcheck-mock-llm", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> MockLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------------------------
    def fault(
        self,
        provider: str,
        status: int | None = None,
        *,
        kind: str | None = None,
        times: int = 1,
        retry_after: float | None = None,
        delay: float = 0.0,
        path: str | None = None,
        message: str | None = None,
    ) -> Fault:
        """Make the next ``times`` calls to ``provider`` (optionally only those whose path
        contains ``path``) fail: ``status`` answers that HTTP error in the provider's own shape
        (with ``retry_after`` seconds as ``retry-after`` / ``retry-after-ms``); ``kind`` is one of
        ``slow`` (answer after ``delay`` s), ``truncate`` (cut the body or stream short),
        ``malformed`` (200 with broken JSON), ``quota`` (429 quota/billing exhausted)."""
        chosen = kind or "status"
        problem = _fault_problem(status, times, retry_after, delay)
        if problem is not None:
            raise ValueError(problem)
        if chosen not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {chosen!r}; one of {', '.join(FAULT_KINDS)}")
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}; one of {', '.join(PROVIDERS)}")
        made = Fault(provider, chosen, status or 500, times, retry_after, delay, path, message)
        with self._lock:
            self._faults.append(made)
        return made

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self.calls.clear()

    def pending(self) -> list[dict[str, Any]]:
        """The faults not used up yet, in the order they apply."""
        with self._lock:
            return [dataclasses.asdict(f) for f in self._faults]

    def clear_faults(self) -> int:
        """Drop every pending fault; returns how many there were."""
        with self._lock:
            dropped = len(self._faults)
            self._faults.clear()
        return dropped

    def calls_to(self, provider: str) -> list[Call]:
        return [c for c in self.calls if c.provider == provider]

    def _take_fault(self, provider: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.provider == provider and (fault.path is None or fault.path in path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _log(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    # -- answering ---------------------------------------------------------------------------
    def answer(self, req: Request) -> tuple[Reply, Fault | None]:
        fault = self._take_fault(req.provider, req.path)
        if fault is not None and fault.kind in ("status", "quota"):
            reply = _providers.error(
                req.provider, fault.status, fault.message, quota=fault.kind == "quota"
            )
            if fault.retry_after is not None:
                reply.headers["retry-after"] = f"{fault.retry_after:g}"
                reply.headers["retry-after-ms"] = str(int(fault.retry_after * 1000))
            if req.provider == "anthropic" and reply.status == 429:
                _providers.anthropic_limits(reply, fault.retry_after)
            return reply, fault
        if req.provider == "ollama":
            reply = _providers.ollama(req, self.models["ollama"], self.ollama_loaded)
        else:
            route = getattr(_providers, req.provider)
            reply = route(req, self.models[req.provider], self.invalid_keys)
        if fault is not None and fault.kind == "malformed":
            reply = Reply(200, b'{"id": "broken", "choices": [{"mess', reply.headers)
        return reply, fault


#: the longest delay or retry-after a fault may ask for, in seconds (an hour)
MAX_SECONDS = 3600.0


def _fault_problem(
    status: int | None, times: int, retry_after: float | None, delay: float
) -> str | None:
    """What makes a fault impossible to serve, or ``None``."""
    if status is not None and not 400 <= status <= 599:
        return f"status {status} is not an HTTP error status; use 400 to 599"
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        return f"times must be a whole number of calls, 1 or more (got {times!r})"
    for name, value in (("retry-after", retry_after), ("delay", delay)):
        if value is None:
            continue
        if not math.isfinite(value) or not 0 <= value <= MAX_SECONDS:
            return f"{name} must be between 0 and {MAX_SECONDS:g} seconds (got {value!r})"
    return None


def _handler(mock: MockLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "envcheck-mock/1"
        # headers and body go out in separate writes: with Nagle's algorithm on, a kept-alive
        # connection waits for the client's delayed ACK (40 ms) before the body
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            return

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            self._serve()

        def do_POST(self) -> None:  # noqa: N802
            self._serve()

        def do_DELETE(self) -> None:  # noqa: N802
            self._serve()

        def _serve(self) -> None:
            raw_path, _, query = self.path.partition("?")
            provider = next((p for p, pre in _PREFIX.items() if raw_path.startswith(pre)), None)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = _admin.decode(raw)
            if raw_path == _admin.ADMIN or raw_path.startswith(_admin.ADMIN + "/"):
                self._send(_admin.answer(mock, self.command, raw_path, body), None)
                return
            if provider is None:
                known = ", ".join(_PREFIX.values())
                message = f"unknown provider prefix; one of {known}, or {_admin.ADMIN}/ (admin)"
                self._send(_providers.as_json(404, {"error": message}), None)
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            req = Request(
                provider,
                self.command,
                raw_path[len(_PREFIX[provider]) :] or "/",
                _providers.parse_query(query),
                headers,
                body,
            )
            reply, fault = mock.answer(req)
            shown = {k: (redact.MASK if k in _SECRET_HEADERS else v) for k, v in headers.items()}
            mock._log(
                Call(
                    provider,
                    self.command,
                    req.path,
                    reply.status,
                    time.time(),
                    shown,
                    body,
                    fault.kind if fault else None,
                )
            )
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.delay)  # logged on arrival: a client may give up meanwhile
            try:
                self._send(reply, fault)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (a timeout): nothing to tell

        def _send(self, reply: Reply, fault: Fault | None) -> None:
            truncate = fault is not None and fault.kind == "truncate"
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("content-type", reply.content_type)
            self.send_header(MOCK_HEADER, "1")
            if reply.chunks is not None:
                self.send_header("connection", "close")
                self.send_header("cache-control", "no-cache")
                self.end_headers()
                chunks = (
                    reply.chunks[: max(1, len(reply.chunks) // 2)] if truncate else reply.chunks
                )
                for chunk in chunks:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                self.close_connection = True
                return
            data = reply.body or b""
            self.send_header("content-length", str(len(data)))
            if truncate:
                self.send_header("connection", "close")
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.close_connection = True
                return
            self.end_headers()
            self.wfile.write(data)

    return Handler
