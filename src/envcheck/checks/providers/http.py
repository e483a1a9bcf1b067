"""A configured LLM provider and the HTTP session its checks talk through.

:class:`Provider` is ``[tool.envcheck.providers.NAME]`` with its references resolved;
:class:`Session` makes one check's calls: rate-limited (:mod:`envcheck.llm`), retried within the
check's timeout, and recorded to / replayed from the project's cassettes.
"""

from __future__ import annotations

import functools
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import pydantic

from envcheck import cassettes, llm
from envcheck.checks.shared.errors import causes
from envcheck.core import interpolate as _interpolate
from envcheck.core import redact
from envcheck.core.model import CheckFailed, Context, Outcome

if TYPE_CHECKING:
    import httpx

COMPONENT = "providers"
Kind = Literal["openai", "anthropic", "gemini"]


@dataclass(frozen=True)
class Spec:
    base_url: str
    key_variable: str
    key_prefix: str
    default_model: str


SPECS: dict[str, Spec] = {
    "openai": Spec("https://api.openai.com/v1", "OPENAI_API_KEY", "sk-", "gpt-4o-mini"),
    "anthropic": Spec(
        "https://api.anthropic.com", "ANTHROPIC_API_KEY", "sk-ant-", "claude-sonnet-4-5"
    ),
    "gemini": Spec(
        "https://generativelanguage.googleapis.com", "GEMINI_API_KEY", "AIza", "gemini-2.5-flash"
    ),
}


class ProviderConfig(pydantic.BaseModel):
    """``[tool.envcheck.providers.NAME]``."""

    model_config = pydantic.ConfigDict(extra="forbid")

    kind: Kind | None = None
    api_key: str | None = None
    model: str | None = None
    base_url: str | None = None
    rpm: int = pydantic.Field(default=60, gt=0)
    smoke: bool = False
    timeout: float = pydantic.Field(default=20.0, gt=0)
    headroom_warn: float = pydantic.Field(default=0.1, ge=0, le=1)
    retries: int = pydantic.Field(default=3, ge=0)
    cassettes: bool = True


# -- resolving a provider ------------------------------------------------------------------------


@dataclass
class Provider:
    name: str
    kind: str
    spec: Spec
    cfg: ProviderConfig
    base_url: str
    key: str | None
    key_variable: str | None
    model: str

    @property
    def default_endpoint(self) -> bool:
        return self.base_url.rstrip("/") == self.spec.base_url

    @property
    def vendor(self) -> bool:
        """The vendor's own API (``[providers.openai]``), not another service speaking it."""
        return self.name == self.kind

    @property
    def label(self) -> str:
        """``openai``; ``groq at api.groq.com`` for another service speaking the same API."""
        if self.vendor:
            return self.name
        return f"{self.name} at {urlsplit(self.base_url).netloc or self.base_url}"

    @property
    def key_page(self) -> str:
        """Where a key comes from: the vendor's page, or the service behind ``base_url``."""
        if self.default_endpoint or self.name == self.kind:
            return llm.KEY_PAGES[self.kind]
        return f"a key of the service at {self.base_url}"


def default_key_variable(name: str, kind: str) -> str:
    """``OPENAI_API_KEY`` for ``openai``; ``GROQ_API_KEY`` for ``[tool.envcheck.providers.groq]``
    with ``kind = "openai"``: another service never gets the vendor's key by default."""
    if name == kind:
        return SPECS[kind].key_variable
    return re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_") + "_API_KEY"


def resolve(name: str, ctx: Context) -> Provider:
    cfg: ProviderConfig = ctx.section
    kind = cfg.kind or name
    spec = SPECS[kind]
    raw_key = cfg.api_key or f"${{{default_key_variable(name, kind)}}}"
    refs = _interpolate.references(raw_key)
    where = f"tool.envcheck.providers.{name}"
    try:
        key: str | None = ctx.resolve(raw_key, secret=True, key=f"{where}.api_key") or None
    except CheckFailed:
        key = None
    base = ctx.resolve(cfg.base_url or spec.base_url, key=f"{where}.base_url").rstrip("/")
    model = ctx.resolve(cfg.model or spec.default_model, key=f"{where}.model")
    return Provider(name, kind, spec, cfg, base, key, refs[0] if refs else None, model)


# -- talking to it -------------------------------------------------------------------------------


def _auth_headers(p: Provider) -> dict[str, str]:
    key = p.key or cassettes.REDACTED  # replaying: cassettes never hold the key
    if p.kind == "openai":
        return {"authorization": f"Bearer {key}"}
    if p.kind == "anthropic":
        return {"x-api-key": key, "anthropic-version": "2023-06-01"}
    return {"x-goog-api-key": key}


@dataclass
class Session:
    """One check's calls: rate-limited, retried, and through its cassette."""

    provider: Provider
    ctx: Context
    cassette: cassettes.Cassette | None
    client: httpx.Client
    limiter: llm.RateLimiter
    waited: float = 0.0
    retries: int = 0
    mocked: bool = False
    attempt_timeout: float = 10.0
    sent: int = 0  # attempts that went out to the server (not answered from the cassette)

    def call(
        self, method: str, path: str, body: Any = None, *, listing: bool = False
    ) -> httpx.Response:
        """One request, retried as the policy says; ``listing``: it lists models (a 404 there
        means the URL, not a model)."""
        import httpx

        from envcheck.mock._providers import MOCK_HEADER

        url = self.provider.base_url + path
        headers = _auth_headers(self.provider)
        deadline = time.monotonic() + self.ctx.remaining() - 0.2

        def send() -> httpx.Response:
            if self.cassette is None:
                self._acquire()
            replayed = self.cassette.replayed if self.cassette is not None else 0
            # never let an attempt run past the check's own deadline
            left = max(0.1, min(self.attempt_timeout, deadline - time.monotonic()))
            try:
                response = self.client.request(
                    method, url, headers=headers, json=body, timeout=left
                )
            except httpx.TimeoutException as exc:
                self.sent += 1  # it went out; no answer came back in time
                raise _timeout(self.provider, url, exc, left) from None
            except httpx.TransportError as exc:
                self.sent += 1
                raise _unreachable(self.provider, url, exc) from None
            from_cassette = self.cassette is not None and self.cassette.replayed > replayed
            if not from_cassette:
                self.sent += 1
            self.mocked = self.mocked or (MOCK_HEADER in response.headers and not from_cassette)
            if response.status_code >= 400:
                raise llm.classify(
                    self.provider.name,
                    response.status_code,
                    response.headers,
                    response.text,
                    kind=self.provider.kind,
                    listing=listing,
                    key_sent=self.provider.key is not None,
                )
            return response

        def note_retry(error: llm.ProviderError, wait: float) -> None:
            self.retries += 1
            self.waited += wait

        policy = llm.RetryPolicy(attempts=self.provider.cfg.retries + 1)
        try:
            return llm.call_with_retry(send, policy=policy, deadline=deadline, on_retry=note_retry)
        except llm.ProviderError as exc:
            raise _failure(self.provider, exc, self.retries) from None

    def _acquire(self) -> None:
        deadline = time.monotonic() + self.ctx.remaining() - 0.2
        try:
            self.waited += self.limiter.acquire(deadline)
        except TimeoutError as exc:
            raise CheckFailed(
                f"{self.provider.name}: {exc}",
                why=f"rpm = {self.provider.cfg.rpm} was spent by other checks or processes",
                hint="raise rpm for this provider or the check's timeout",
            ) from None

    def json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            shown = redact.clean(response.text, 60)
            raise CheckFailed(
                f"{self.provider.name} answered {response.request.url} with something that is not "
                f"JSON: {shown!r}",
                why="base_url points at something that is not this provider's API (a proxy "
                "error page, a captive portal), or the answer was cut short",
                hint=f"check base_url of [tool.envcheck.providers.{self.provider.name}]",
            ) from None

    def finish(self) -> None:
        self.client.close()
        self.ctx.fact("requests_sent", self.sent)
        if self.waited >= 0.05:  # the rate limiter or a provider's retry-after made us wait
            self.ctx.fact("waited_s", round(self.waited, 2))
        if self.retries:
            self.ctx.fact("retries", self.retries)
        self.ctx.evidence = "mocked" if self.mocked else "live"
        if self.cassette is not None:
            self.cassette.save()
            if not self.mocked:
                self.ctx.evidence = self.cassette.evidence
            if self.cassette.replayed:
                self.ctx.fact("cassette", str(self.cassette.path))
                if self.cassette.recorded_at:
                    self.ctx.fact("recorded_at", self.cassette.recorded_at)


def _failure(p: Provider, exc: llm.ProviderError, retries: int) -> CheckFailed:
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


def models_path(p: Provider) -> str:
    return {"openai": "/models", "anthropic": "/v1/models"}.get(p.kind, "/v1beta/models")


#: OpenSSL's reasons when the server answered in plain text where a TLS record belongs
_PLAIN_HTTP = {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG"}
_PLAIN_HTTP |= {"HTTP_REQUEST", "UNEXPECTED_RECORD"}


def _unreachable(p: Provider, url: str, exc: Exception) -> llm.ConnectionFailed:
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


def _timeout(p: Provider, url: str, exc: Exception, waited: float) -> llm.ProviderTimeout:
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


@functools.cache
def _limiter(kind: str, base_url: str, rpm: int) -> llm.RateLimiter:
    return llm.RateLimiter(f"{kind}@{base_url}", limit=rpm)


def session(name: str, check: str, ctx: Context) -> Session:
    import httpx

    from envcheck.llm import _pool

    p = resolve(name, ctx)
    # the run's connection pool and SSL context for this server, not a new one per check
    transport = _pool.transport(p.base_url)
    cassette = None
    limiter = _limiter(p.kind, p.base_url, p.cfg.rpm)
    if p.cfg.cassettes:
        mode = cassettes.mode(ctx.config)
        path = Path(ctx.rootdir) / "cassettes" / name / f"{check}.yaml"
        hint = cassettes.rerecord_command(COMPONENT, name, p.key_variable)
        cassette = cassettes.Cassette.open(path, mode, [p.key or ""], hint)
    # each attempt gets its share of the check's timeout, so that retries fit inside it
    share = p.cfg.timeout / (p.cfg.retries + 1)
    timeout = httpx.Timeout(max(0.5, min(share, ctx.remaining() - 0.3)))
    made = Session(p, ctx, cassette, httpx.Client(timeout=timeout, transport=transport), limiter)
    made.attempt_timeout = max(0.5, share)
    if cassette is not None:  # (a client over a given transport costs nothing to make)
        through = cassette.transport(transport, made._acquire)
        made.client = httpx.Client(timeout=timeout, transport=through)
    return made


def with_session(
    name: str, check: str, ctx: Context, work: Callable[[Session], Outcome]
) -> Outcome:
    s = session(name, check, ctx)
    try:
        return work(s)
    finally:
        s.finish()
