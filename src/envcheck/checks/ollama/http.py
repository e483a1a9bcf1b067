"""The HTTP calls an Ollama check makes (the official client, or httpx for the rest), through
the check's cassette when cassettes are on, remembering whether the answer was JSON or mocked."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from envcheck import cassettes
from envcheck.checks.ollama import diagnose as _diagnose
from envcheck.checks.ollama.address import client_url
from envcheck.checks.ollama.config import COMPONENT, OllamaConfig
from envcheck.core import interpolate as _interpolate
from envcheck.core.environ import consistent
from envcheck.core.model import CheckFailed, CheckSkipped, Context

if TYPE_CHECKING:
    import httpx
    import ollama as ollama_lib


class Calls:
    """The check's HTTP calls: through its cassette when cassettes are on."""

    def __init__(self, ctx: Context, check: str) -> None:
        # the component's client library, before anything is sent: missing, every check says
        # which extra installs it (a skip where nobody asked for Ollama), not what the network
        # answered without it
        import ollama  # noqa: F401

        from envcheck.llm import _pool

        cfg: OllamaConfig = ctx.section
        refs = _interpolate.references(cfg.host)
        self.source = refs[0] if refs else "tool.envcheck.ollama.host"
        self.host = client_url(ctx.resolve(cfg.host, key="tool.envcheck.ollama.host"))
        self.ctx = ctx
        self.cassette: cassettes.Cassette | None = None
        self.opened: list[Any] = []  # the clients this check made, closed in finish()
        self.observed = _observing(_pool.transport(self.host), self.host, self.source)
        transport: httpx.BaseTransport = self.observed
        path = Path(ctx.rootdir) / "cassettes" / COMPONENT / f"{check}.yaml"
        # live unless --envcheck-record asks (or, on CI, this check's recording exists)
        mode = cassettes.plan(ctx.config, key=None, keyed=False, path=path)
        if cfg.cassettes and mode is not None:
            hint = cassettes.rerecord_command(COMPONENT, check, None)
            self.cassette = cassettes.Cassette.open(path, mode, [], hint)
            transport = self.cassette.transport(transport)
        self.transport = transport

    def client(self) -> ollama_lib.Client:
        import ollama

        made = ollama.Client(host=self.host, timeout=self._timeout(), transport=self.transport)
        self.opened.append(made)
        return made

    def http(self, base: str | None = None) -> httpx.Client:
        """An httpx client for the host (or ``base``, another URL of the same server)."""
        import httpx

        made = consistent(
            lambda: httpx.Client(
                base_url=base or self.host, timeout=self._timeout(), transport=self.transport
            )
        )
        self.opened.append(made)
        return made

    def _timeout(self) -> float:
        """The client gives up a little before the check's deadline, so that the check (not
        the runner) says what happened."""
        return max(0.05, self.ctx.remaining() - 0.3)

    def finish(self) -> None:
        for made in self.opened:  # the shared connections stay open for the next check
            made.close()
        self.ctx.evidence = "mocked" if self.observed.mocked else "live"
        if self.observed.cut is not None:  # an answer's body was read only up to the bound
            self.ctx.fact("body_cut_at_bytes", self.observed.cut)
        if self.cassette is not None:
            self.cassette.save()
            self.ctx.evidence = self.cassette.evidence
            if self.cassette.recorded_at and self.cassette.replayed:
                self.ctx.fact("recorded_at", self.cassette.recorded_at)

    def unreachable(self, exc: BaseException) -> CheckFailed | CheckSkipped:
        """Why the server did not answer: refused, unknown host, or connected but silent."""
        cfg: OllamaConfig = self.ctx.section
        return _diagnose.unreachable(self.host, self.source, cfg.timeout, cfg.required, exc)


def _remote(response: httpx.Response, field: str = "remote_host") -> str | None:
    """``remote_host`` (or ``remote_model``) of an ``/api/show`` answer (server/routes.go
    GetModelInfo sets them for a model whose requests the server forwards to another host, and
    the name that host knows it by: api/types.go ShowResponse), else None."""
    try:
        response.read()
        data = response.json()
    except ValueError:
        return None
    found = data.get(field) if isinstance(data, dict) else None
    return found if isinstance(found, str) and found else None


def _observing(inner: httpx.BaseTransport, host: str, source: str) -> Any:
    """The check's transport: it remembers what the answers were, raises
    :class:`~envcheck.checks.ollama.diagnose.Between` for an answer that is not Ollama's, and
    hands on an HTML error page as the text it shows (its title and words, not its markup)."""
    import httpx

    from envcheck.llm import _pool
    from envcheck.llm._errors import page_text
    from envcheck.mock._providers import MOCK_HEADER

    class Observing(httpx.BaseTransport):
        def __init__(self) -> None:
            self.mocked = False
            self.last_json = True  # whether the last answer was JSON (Ollama's errors are)
            self.cut: int | None = None  # the bytes read of a body cut at the bound
            #: /api/show's remote_host (a cloud model: the server forwards its requests there)
            self.remote_host: str | None = None
            #: /api/show's remote_model: the name the remote host knows the model by
            self.remote_model: str | None = None
            #: the last error was another Ollama's, passed on whole (api.StatusError's fields)
            self.passed_on = False

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            line = f"{request.method} {request.url.path}"
            try:
                response = inner.handle_request(request)
            except httpx.DecodingError as exc:
                raise _diagnose.Between(
                    f"{host} answered {line} with a body that does not decode",
                    f"transport: {exc}: damaged on the way (a proxy or gateway that re-encodes "
                    "it) or by the server",
                    "retry; if it persists, compare by hand: curl -sS --compressed "
                    f"{request.url}",
                ) from None
            self.cut = _pool.was_cut(response) or self.cut
            self.mocked = self.mocked or MOCK_HEADER in response.headers
            self.last_json = "json" in response.headers.get("content-type", "")
            if request.url.path.endswith("/api/show") and response.status_code == 200:
                self.remote_host = _remote(response)
                self.remote_model = _remote(response, "remote_model")
            if _pool.was_cut(response) is None:
                found = _diagnose.between(
                    host,
                    source,
                    line,
                    str(request.url),
                    response.status_code,
                    response.headers,
                    response.content,
                    _pool.undecoded(response),
                )
                if found is not None:
                    raise found
                self.passed_on = response.status_code >= 400 and _diagnose.status_error(
                    response.content
                )
            if response.status_code >= 400 and response.content[:1] == b"<":
                shown = page_text(response.text).encode()
                return httpx.Response(
                    response.status_code,
                    headers=[(k, v) for k, v in response.headers.items() if k != "content-length"],
                    content=shown,
                    request=request,
                    extensions=response.extensions,
                )
            return response

        def close(self) -> None:
            inner.close()

    return Observing()
