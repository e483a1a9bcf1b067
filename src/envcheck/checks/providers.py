"""The ``providers`` component: OpenAI, Anthropic, Gemini and any OpenAI-compatible service.

Checks per provider (httpx, no vendor SDK): ``key`` (present and plausible) → ``auth`` (the
cheapest authenticated call: listing models) → ``model`` (the configured model is listed for this
key) → ``smoke`` (optional, a completion of at most 5 tokens) → ``headroom`` (rate-limit headers).
Every call goes through the shared rate limiter and the retry policy of :mod:`envcheck.llm`, and
through the project's vcrpy cassettes (replayed in CI, recorded live with keys).
"""

from __future__ import annotations

import difflib
import functools
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pydantic

from envcheck import _interpolate, cassettes, hookimpl, llm
from envcheck._context import Context
from envcheck._model import Check, CheckFailed, FactValue, Outcome, Status, ok
from envcheck.checks._common import not_configured
from envcheck.config import EnvcheckConfig, Instances, describe_error, field_names

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


@dataclass(frozen=True)
class ProvidersSection(Instances):
    """``[tool.envcheck.providers]``: one sub-table per provider and no keys of its own.

    Validated table by table, so that every mistake is reported under its own dotted key, in
    the same message as the mistakes in other sections."""

    model: type[pydantic.BaseModel] = ProviderConfig

    def validate(self, raw: Any, where: str, problems: list[str]) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: expected a table of providers, e.g. [{where}.openai]")
            return {}
        known = field_names(ProviderConfig)
        found: dict[str, Any] = {}
        for name, table in raw.items():
            prefix = f"{where}.{name}"
            if not isinstance(table, Mapping):
                problems.append(
                    f"{prefix}: expected a table: every provider is a sub-table such as "
                    f"[{where}.openai], and {where} has no keys of its own"
                )
                continue
            if table.get("kind") is None and name not in SPECS:
                problems.append(_unknown_provider(prefix, name))
            try:
                found[name] = ProviderConfig.model_validate(table)
            except pydantic.ValidationError as exc:
                problems += [describe_error(e, prefix, known) for e in exc.errors()]
        return found


_TITLE = {"openai": "OpenAI", "anthropic": "Anthropic", "gemini": "Gemini"}


def _unknown_provider(prefix: str, name: str) -> str:
    close = difflib.get_close_matches(name.lower(), list(SPECS), n=1, cutoff=0.6)
    if close:
        return (
            f"{prefix}: unknown provider; did you mean {close[0]!r}? "
            f'(or set kind = "{close[0]}" for an {_TITLE[close[0]]}-compatible service)'
        )
    return (
        f"{prefix}: unknown provider (known: {', '.join(SPECS)}); set kind = \"openai\" for an "
        'OpenAI-compatible service (or "anthropic", "gemini")'
    )


@hookimpl
def envcheck_config_sections() -> dict[str, Any]:
    return {COMPONENT: ProvidersSection()}


@hookimpl
def envcheck_default_config(environ: Mapping[str, str]) -> dict[str, Any] | None:
    found: dict[str, Any] = {}
    if environ.get("OPENAI_API_KEY"):
        found["openai"] = {}
    if environ.get("ANTHROPIC_API_KEY"):
        found["anthropic"] = {}
    if environ.get("GEMINI_API_KEY"):
        found["gemini"] = {}
    elif environ.get("GOOGLE_API_KEY"):
        found["gemini"] = {"api_key": "${GOOGLE_API_KEY}"}
    return {COMPONENT: found} if found else None


@hookimpl
def envcheck_checks(config: EnvcheckConfig) -> Iterator[Check]:
    section: dict[str, ProviderConfig] | None = config.section(COMPONENT)
    if not section:
        if config.from_environment:
            yield not_configured(
                COMPONENT, ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"]
            )
        return
    for name, cfg in section.items():
        yield from _provider_checks(name, cfg)


def _provider_checks(name: str, cfg: ProviderConfig) -> Iterator[Check]:
    def make(check: str, run: Callable[..., Outcome], description: str, *deps: str) -> Check:
        return Check(
            name=f"{name}.{check}",
            component=COMPONENT,
            run=functools.partial(run, name),
            description=description,
            depends_on=[f"{name}.{d}" for d in deps],
            timeout=cfg.timeout,
            section=cfg,
        )

    yield make("key", key_check, "an API key is present and plausible")
    yield make("auth", auth_check, "authenticated and reachable (lists models)", "key")
    yield make("model", model_check, "the configured model exists for this key", "auth")
    if cfg.smoke:
        yield make("smoke", smoke_check, "a tiny completion succeeds", "model")
    yield make("headroom", headroom_check, "rate-limit headroom", "smoke" if cfg.smoke else "auth")


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

    def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        import httpx

        url = self.provider.base_url + path
        headers = _auth_headers(self.provider)
        deadline = time.monotonic() + self.ctx.remaining() - 0.2

        def send() -> httpx.Response:
            if self.cassette is None:
                self._acquire()
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
            self.mocked = self.mocked or ("x-envcheck-mock" in response.headers and not replayed)
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
            shown = response.text[:60]
            raise CheckFailed(
                f"{self.provider.name} answered {response.request.url} with something that is not "
                f"JSON: {shown!r}",
                why="base_url points at something that is not this provider's API (a proxy "
                "error page, a captive portal), or the answer was cut short",
                hint=f"check base_url of [tool.envcheck.providers.{self.provider.name}]",
            ) from None

    def finish(self) -> None:
        self.client.close()
        self.ctx.fact("requests_sent", self.cassette.live if self.cassette else 1)
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

    p = resolve(name, ctx)
    inner: httpx.BaseTransport = httpx.HTTPTransport()
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
    made = Session(p, ctx, cassette, httpx.Client(timeout=timeout), limiter)
    made.attempt_timeout = max(0.5, share)
    if cassette is not None:
        made.client = httpx.Client(
            timeout=timeout, transport=cassette.transport(inner, made._acquire)
        )
    return made


def _with_session(
    name: str, check: str, ctx: Context, work: Callable[[Session], Outcome]
) -> Outcome:
    s = session(name, check, ctx)
    try:
        return work(s)
    finally:
        s.finish()


# -- the checks ----------------------------------------------------------------------------------


def key_check(name: str, ctx: Context) -> Outcome:
    p = resolve(name, ctx)
    variable = p.key_variable or f"tool.envcheck.providers.{name}.api_key"
    if p.key is None:
        replayable = p.cfg.cassettes and (Path(ctx.rootdir) / "cassettes" / name).is_dir()
        if replayable and cassettes.mode(ctx.config) in ("none", "once", "new"):
            ctx.evidence = "replayed"
            return ok(f"no key ({variable} not set): replaying cassettes/{name}/")
        raise CheckFailed(
            f"{variable} is not set",
            why=f"{name} needs an API key, and there is no cassette in cassettes/{name}/ "
            "to replay instead",
            hint=f"export {variable}=...  ({p.key_page})",
        )
    if p.key != p.key.strip() or p.key[:1] in "\"'" or p.key[-1:] in "\"'":
        raise CheckFailed(
            f"the {name} key has surrounding whitespace or quotes",
            why="copied with its quotes or a newline from a .env file: the provider would "
            "reject it as an invalid key",
            hint=f"export {variable}=<the key itself, without quotes>",
        )
    facts: dict[str, FactValue] = {"key_length": len(p.key), "base_url": p.base_url}
    looks_like = _key_kind(p.key)
    if p.default_endpoint and looks_like != p.kind:
        expected = f"{_a(p.kind)} key ({p.spec.key_prefix}…)"
        summary = f"the {name} key does not look like {expected}"
        if looks_like:
            seen = f"{_a(looks_like)} key ({SPECS[looks_like].key_prefix}…)"
            summary = f"the {name} key looks like {seen}, not {expected}"
        return Outcome(
            Status.WARN,
            summary,
            facts,
            hint=f"check that {variable} holds the {_TITLE[p.kind]} key, not another provider's "
            f"({p.key_page})",
            why=f"{p.base_url} refuses any other provider's key",
        )
    return ok(f"{variable} is set ({len(p.key)} characters)", **facts)


def _a(kind: str) -> str:
    return f"{'an' if kind in ('openai', 'anthropic') else 'a'} {_TITLE[kind]}"


def _key_kind(key: str) -> str | None:
    """The kind whose keys start like ``key`` (the longest prefix wins: sk-ant- over sk-)."""
    kinds = sorted(SPECS, key=lambda k: len(SPECS[k].key_prefix), reverse=True)
    return next((k for k in kinds if key.startswith(SPECS[k].key_prefix)), None)


def _list_models(s: Session, want: str | None = None) -> list[str]:
    """Model ids visible to this key; stops paging once ``want`` is found."""
    kind = s.provider.kind
    if kind == "openai":
        return [str(m["id"]) for m in s.json(s.call("GET", "/models")).get("data", [])]
    if kind == "anthropic":
        ids: list[str] = []
        path = "/v1/models"
        for _ in range(10):
            page = s.json(s.call("GET", path))
            ids += [str(m["id"]) for m in page.get("data", [])]
            if not page.get("has_more") or (want and _anthropic_match(want, ids)):
                break
            path = f"/v1/models?after_id={page.get('last_id')}"
        return ids
    names: list[str] = []
    path = "/v1beta/models"
    for _ in range(10):
        page = s.json(s.call("GET", path))
        names += [str(m["name"]).removeprefix("models/") for m in page.get("models", [])]
        token = page.get("nextPageToken")
        if not token or want is None or want in names:
            break
        path = f"/v1beta/models?pageToken={token}"
    return names


def _anthropic_match(want: str, ids: list[str]) -> str | None:
    return next((i for i in ids if i == want or i.startswith(want + "-")), None)


def auth_check(name: str, ctx: Context) -> Outcome:
    def work(s: Session) -> Outcome:
        started = time.monotonic()
        models = _list_models(s)
        latency = round((time.monotonic() - started) * 1000, 1)
        return ok(
            f"authenticated at {s.provider.base_url}; {len(models)} models visible",
            models=len(models),
            latency_ms=latency,
        )

    return _with_session(name, "auth", ctx, work)


def model_check(name: str, ctx: Context) -> Outcome:
    def work(s: Session) -> Outcome:
        p = s.provider
        models = _list_models(s, p.model)
        found = _anthropic_match(p.model, models) if p.kind == "anthropic" else None
        if p.model in models or found:
            return ok(
                f"{p.model} is available"
                + (f" (as {found})" if found and found != p.model else ""),
                model=found or p.model,
            )
        close = difflib.get_close_matches(p.model, models, n=3, cutoff=0.5)
        if s.cassette is not None and s.cassette.replayed and not s.cassette.live:
            raise _missing_from_recording(s, models, close)
        suggestion = f"; closest: {', '.join(close)}" if close else ""
        raise CheckFailed(
            f"model {p.model!r} is not available to this {p.kind} key{suggestion}",
            why=f"{len(models)} models are listed for it, and this is not one of them",
            hint=f"set model = \"{close[0] if close else '...'}\" in "
            f"[tool.envcheck.providers.{name}]",
        )

    return _with_session(name, "model", ctx, work)


def _missing_from_recording(s: Session, models: list[str], close: list[str]) -> CheckFailed:
    """The model is not in a *replayed* list: the configuration may be newer than the cassette."""
    assert s.cassette is not None
    p, cassette = s.provider, s.cassette
    try:
        shown = cassette.path.relative_to(s.ctx.rootdir)
    except ValueError:
        shown = cassette.path
    day = f" on {cassette.recorded_on}" if cassette.recorded_on else ""
    closest = f" (closest: {', '.join(close)})" if close else ""
    rename = f'set model = "{close[0]}"' if close else "set model"
    return CheckFailed(
        f"model {p.model!r} is missing from the {p.kind} models list recorded{day} in {shown}"
        f"{closest}; the cassette may be stale: re-record with: {cassette.rerecord}",
        why=f"the list of {len(models)} models was replayed from the cassette, not asked live: "
        "a model configured (or made available to the key) after the recording is not in it",
        hint=f"re-record with: {cassette.rerecord}  (or, if the name is wrong, {rename} in "
        f"[tool.envcheck.providers.{p.name}])",
    )


def _smoke_request(p: Provider) -> tuple[str, Any]:
    prompt = "Reply with OK."
    if p.kind == "openai":
        body = {"model": p.model, "messages": [{"role": "user", "content": prompt}]}
        return "/chat/completions", {**body, "max_tokens": 5}
    if p.kind == "anthropic":
        body = {"model": p.model, "messages": [{"role": "user", "content": prompt}]}
        return "/v1/messages", {**body, "max_tokens": 5}
    config = {"maxOutputTokens": 5}
    payload = {"contents": [{"parts": [{"text": prompt}]}], "generationConfig": config}
    return f"/v1beta/models/{p.model}:generateContent", payload


def _smoke(s: Session) -> httpx.Response:
    path, body = _smoke_request(s.provider)
    return s.call("POST", path, body)


def smoke_check(name: str, ctx: Context) -> Outcome:
    def work(s: Session) -> Outcome:
        started = time.monotonic()
        data = s.json(_smoke(s))
        latency = round((time.monotonic() - started) * 1000, 1)
        usage = data.get("usage") or data.get("usageMetadata") or {}
        tokens = usage.get("total_tokens") or usage.get("totalTokenCount")
        if tokens is None and "output_tokens" in usage:
            tokens = int(usage.get("input_tokens", 0)) + int(usage["output_tokens"])
        return ok(
            f"{s.provider.model} answered in {latency:.0f} ms", latency_ms=latency, tokens=tokens
        )

    return _with_session(name, "smoke", ctx, work)


_HEADROOM = {
    "openai": ("x-ratelimit-limit-{}", "x-ratelimit-remaining-{}"),
    "anthropic": ("anthropic-ratelimit-{}-limit", "anthropic-ratelimit-{}-remaining"),
}


def headroom_check(name: str, ctx: Context) -> Outcome:
    def work(s: Session) -> Outcome:
        p = s.provider
        response = _smoke(s) if p.cfg.smoke else s.call("GET", _models_path(p))
        pattern = _HEADROOM.get(p.kind)
        facts: dict[str, FactValue] = {}
        lowest: tuple[float, str] | None = None
        for what in ("requests", "tokens", "input-tokens", "output-tokens"):
            if pattern is None:
                break
            limit = response.headers.get(pattern[0].format(what))
            left = response.headers.get(pattern[1].format(what))
            if limit and left and limit.isdigit() and left.isdigit() and int(limit) > 0:
                facts[f"{what}_remaining"] = int(left)
                facts[f"{what}_limit"] = int(limit)
                share = int(left) / int(limit)
                if lowest is None or share < lowest[0]:
                    lowest = (share, what)
        if lowest is None:
            return ok(f"rate limits not reported by {p.kind} on this endpoint", reported=False)
        share, what = lowest
        left, limit = facts[f"{what}_remaining"], facts[f"{what}_limit"]
        summary = f"{_percent(share)} of the {what} limit left ({left} of {limit})"
        if share < p.cfg.headroom_warn:
            return Outcome(
                Status.WARN,
                summary,
                facts,
                hint="wait for the window to reset, or raise the limit in the provider console",
                why=f"below headroom_warn = {p.cfg.headroom_warn:g}: the next calls of this key "
                "(yours, your team's, CI's) may be refused with 429",
            )
        return ok(summary, **facts)

    return _with_session(name, "headroom", ctx, work)


def _percent(share: float) -> str:
    """``42%``; more digits near the ends, so that 5 of 10000 is not "0%" nor 9999 "100%"."""
    return f"{share:.2%}" if 0 < share < 0.01 or 0.99 < share < 1 else f"{share:.0%}"


def _models_path(p: Provider) -> str:
    return {"openai": "/models", "anthropic": "/v1/models"}.get(p.kind, "/v1beta/models")
