"""A configured LLM provider and the HTTP session its checks talk through.

:class:`Provider` is ``[tool.envcheck.providers.NAME]`` with its references resolved;
:class:`Session` makes one check's calls: rate-limited (:mod:`envcheck.llm`), retried within the
check's timeout, and recorded to / replayed from the project's cassettes.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pydantic

from envcheck import _interpolate, cassettes, llm, redact
from envcheck._context import Context
from envcheck._model import CheckFailed, Outcome

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
    sent: int = 0  # requests sent without a cassette (with one, the cassette counts)

    def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        import httpx

        from envcheck.mock._providers import MOCK_HEADER

        url = self.provider.base_url + path
        headers = _auth_headers(self.provider)
        deadline = time.monotonic() + self.ctx.remaining() - 0.2

        def send() -> httpx.Response:
            if self.cassette is None:
                self._acquire()
                self.sent += 1
            # never let an attempt run past the check's own deadline
            left = max(0.1, min(self.attempt_timeout, deadline - time.monotonic()))
            try:
                response = self.client.request(
                    method, url, headers=headers, json=body, timeout=left
                )
            except httpx.TimeoutException:
                raise llm.ProviderTimeout(
                    self.provider.name, f"no answer from {url} in time"
                ) from None
            except httpx.TransportError as exc:
                raise llm.ConnectionFailed(
                    self.provider.name,
                    f"cannot reach {url}: {exc}",
                    hint=f"check base_url for {self.provider.name}, DNS, proxy and network",
                ) from None
            replayed = self.cassette is not None and self.cassette.replayed > 0
            self.mocked = self.mocked or (MOCK_HEADER in response.headers and not replayed)
            if response.status_code >= 400:
                raise llm.classify(
                    self.provider.kind, response.status_code, response.headers, response.text
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
        self.ctx.fact("requests_sent", self.cassette.live if self.cassette else self.sent)
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
    if isinstance(exc, llm.AuthenticationFailed) and p.key_variable:
        hint = f"set a valid key: export {p.key_variable}=...  ({p.key_page})"
    return CheckFailed(
        f"{p.name}: {exc.kind}{tried}: {exc.message}",
        why=f"{p.kind} answered HTTP {exc.status}" if exc.status else None,
        hint=hint,
    )


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
