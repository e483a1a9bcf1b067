"""The ``providers`` component: OpenAI, Anthropic, Gemini and any OpenAI-compatible service.

Checks per provider (httpx, no vendor SDK): ``key`` (present and plausible) → ``auth`` (the
cheapest authenticated call: listing models) → ``model`` (the configured model is listed for this
key) → ``smoke`` (optional, a completion of at most 5 tokens) → ``headroom`` (rate-limit headers).
Every call goes through the shared rate limiter and the retry policy of :mod:`envcheck.llm`, and
through the project's vcrpy cassettes (replayed in CI, recorded live with keys).
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from envcheck import cassettes, hookimpl, llm
from envcheck.checks.providers import diagnose as _diagnose
from envcheck.checks.providers.config import (
    AZURE_VARIABLES,
    COMPONENT,
    SPECS,
    TITLE,
    Provider,
    ProviderConfig,
    ProvidersSection,
    models_path,
    resolve,
)
from envcheck.checks.providers.http import Session
from envcheck.checks.providers.http import listed as model_listed
from envcheck.checks.providers.http import with_session
from envcheck.core.config import EnvcheckConfig
from envcheck.core.fix import Fix, Manual
from envcheck.core.model import (
    Check,
    CheckFailed,
    CheckSkipped,
    Context,
    FactValue,
    Outcome,
    Status,
    ok,
)
from envcheck.kit import Component, not_configured
from envcheck.llm import _anthropic as anthropic_models

if TYPE_CHECKING:
    import httpx


@hookimpl
def envcheck_config_sections() -> dict[str, Any]:
    return {COMPONENT: ProvidersSection()}


@hookimpl
def envcheck_default_config(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """A provider for each key the official clients would find: ``OPENAI_API_KEY``,
    ``ANTHROPIC_API_KEY``, ``GOOGLE_API_KEY`` or ``GEMINI_API_KEY``, and Azure OpenAI's
    ``AZURE_OPENAI_API_KEY`` with ``AZURE_OPENAI_ENDPOINT`` (the rest of their settings are read
    when the checks run: :func:`.config.resolve`)."""
    found: dict[str, Any] = {}
    for kind, spec in SPECS.items():
        if any(environ.get(variable) for variable in spec.key_variables):
            found[kind] = {}
    key, endpoint = AZURE_VARIABLES[:2]
    if environ.get(key) and environ.get(endpoint):
        found["azure"] = {
            "kind": "openai",
            "api_key": f"${{{key}}}",
            "base_url": f"${{{endpoint}}}",
        }
    return {COMPONENT: found} if found else None


@hookimpl
def envcheck_checks(config: EnvcheckConfig) -> Iterator[Check]:
    section: dict[str, ProviderConfig] | None = config.section(COMPONENT)
    if not section:
        if config.from_environment:
            yield not_configured(
                COMPONENT,
                ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"],
            )
        return
    from envcheck.llm import _pool

    # httpx (and its SSL context, unless every server is plain http) while pytest collects
    _pool.prepare(urls=[cfg.base_url for cfg in section.values()])
    for name, cfg in section.items():
        yield from _provider_checks(name, cfg)


def _provider_checks(name: str, cfg: ProviderConfig) -> Iterator[Check]:
    make = Component(COMPONENT, section=cfg, timeout=cfg.timeout, prefix=f"{name}.", instance=name)

    yield make.check("key", key_check, "an API key is present and plausible")
    yield make.check("auth", auth_check, "authenticated and reachable (lists models)", "key")
    yield make.check("model", model_check, "the configured model exists for this key", "auth")
    if cfg.smoke:
        yield make.check("smoke", smoke_check, "a tiny completion succeeds", "model")
    # the headroom check carries a limit (429, 402) that auth met: it depends on auth alone
    yield make.check("headroom", headroom_check, "rate-limit headroom", "auth")


# -- the checks ----------------------------------------------------------------------------------


def key_check(name: str, ctx: Context) -> Outcome:
    p = resolve(name, ctx)
    ctx.fact("settings_from", p.settings_from)
    variable = p.key_variable or f"tool.envcheck.providers.{name}.api_key"
    if p.key is None:
        mode = cassettes.plan(ctx.config, key=None)
        replayable = p.cfg.cassettes and (Path(ctx.rootdir) / "cassettes" / name).is_dir()
        if replayable and mode != "all":
            ctx.evidence = "replayed"
            return ok(f"no key ({_key_names(p, variable)} not set): replaying cassettes/{name}/")
        why = f"{name} needs an API key, and there is no cassette in cassettes/{name}/ to replay"
        if mode == "all" and replayable:
            why = f"--envcheck-record=all asks {name} live, which needs its API key"
        raise CheckFailed(
            f"{_key_names(p, variable)} is not set",
            why=why if mode == "all" and replayable else why + " instead",
            fix=_diagnose.manual(f"export {variable}=...  ({p.key_page})"),
        )
    stray = _stray(p.key)
    if stray:
        crlf = "\r" in p.key
        why = (
            "a CRLF line ending: the file or script it was read from was saved with Windows line "
            "endings; HTTP forbids the character in a header (RFC 9110 section 5.5), so no "
            "request can carry the key"
            if crlf
            else "copied with its quotes or a newline from a .env file: the provider would "
            "reject it as an invalid key"
        )
        text = f"export {variable}=<the key itself, without quotes>"
        if crlf:
            text = (
                f"export {variable}=<the key itself, without a carriage return>; in the file it "
                "comes from: sed -i 's/\\r$//' FILE (or dos2unix FILE)"
            )
        inside = any(ord(c) < 0x20 or ord(c) == 0x7F for c in p.key.strip())
        held = "holds inside it" if inside else "has surrounding whitespace or quotes:"
        raise CheckFailed(
            f"the {name} key {held} {', '.join(sorted(set(stray)))}",
            why=why,
            fix=_diagnose.manual(text),
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
            hint=f"check that {variable} holds the {TITLE[p.kind]} key, not another provider's "
            f"({p.key_page})",
            why=f"{p.base_url} refuses any other provider's key",
        )
    summary = f"{variable} is set ({len(p.key)} characters)"
    shadowed = [v for v in p.spec.key_variables if v != variable and ctx.config.environ.get(v)]
    if p.vendor and not p.cfg.api_key and shadowed:  # GOOGLE_API_KEY and GEMINI_API_KEY
        summary += f"; {', '.join(shadowed)} is set too, and the official client uses {variable}"
    return ok(summary, **facts)


def _key_names(p: Provider, variable: str) -> str:
    """``OPENAI_API_KEY``; ``GOOGLE_API_KEY or GEMINI_API_KEY`` for Gemini, whose client reads
    either."""
    if p.vendor and not p.cfg.api_key and len(p.spec.key_variables) > 1:
        return " or ".join(p.spec.key_variables)
    return variable


def _a(kind: str) -> str:
    return f"{'an' if kind in ('openai', 'anthropic') else 'a'} {TITLE[kind]}"


#: the characters a key copied from a file or a terminal may carry with it, by name
_STRAY = {
    "\r": "a carriage return",
    "\n": "a line feed",
    "\t": "a tab",
    " ": "a space",
    '"': "a double quote",
    "'": "a single quote",
}


def _stray(key: str) -> list[str]:
    """The names of what is around the key (whitespace, quotes at its ends) or inside it (a
    control character, which no HTTP header may hold): never the key itself."""
    found = [c for c in key[: len(key) - len(key.lstrip())] + key[len(key.rstrip()) :]]
    found += [c for c in key[:1] + key[-1:] if c in "\"'"]
    found += [c for c in key.strip() if ord(c) < 0x20 or ord(c) == 0x7F]
    return [_STRAY.get(c, f"the control character U+{ord(c):04X}") for c in found]


def _key_kind(key: str) -> str | None:
    """The kind whose keys start like ``key`` (the longest prefix wins: sk-ant- over sk-)."""
    kinds = sorted(SPECS, key=lambda k: len(SPECS[k].key_prefix), reverse=True)
    return next((k for k in kinds if key.startswith(SPECS[k].key_prefix)), None)


def _list_models(
    s: Session, want: str | None = None, methods: dict[str, list[str]] | None = None
) -> list[str]:
    """Model ids visible to this key; stops paging once ``want`` is found. Gemini's listing also
    gives each model the methods it serves (``supportedGenerationMethods``): into ``methods``."""
    kind = s.provider.kind
    if kind == "openai":
        try:
            response = s.call("GET", "/models", listing=True)
        except llm.ProviderError as exc:
            # a router's plain-text 404 (gin's "404 page not found"), not the API's own error
            unrouted = exc.status == 404 and not exc.detail.json
            ollama = _ollama_behind(s) if unrouted else None
            if ollama is not None and _before(ollama, "GET /v1/models"):
                raise _diagnose.ollama_before_route(s.provider, ollama, exc) from None
            served = _served_at_origin(s) if isinstance(exc, llm.EndpointNotFound) else None
            if served is not None:
                raise _diagnose.listing_at_origin(s.provider, exc, served) from None
            raise
        listed = s.json(response)
        if isinstance(listed, dict) and "data" in listed and listed["data"] is None:
            # a Go server's empty slice is written as null: Ollama's openai.go ToListCompletion
            # (`var data []Model`) with no model pulled
            return []
        # OpenAI's {"object": "list", "data": [...]}; Together answers the array itself (its
        # OpenAPI spec's ModelInfoList)
        entries = listed if isinstance(listed, list) else s.shaped(listed, response, "data")["data"]
        return [str(m["id"]) for m in entries]
    if kind == "anthropic":
        ids: list[str] = []
        path = "/v1/models"
        for _ in range(10):
            response = s.call("GET", path, listing=True)
            page = s.shaped(s.json(response), response, "data")
            ids += [str(m["id"]) for m in page["data"]]
            if not page.get("has_more") or (want and anthropic_models.resolve(want, ids)):
                break
            path = f"/v1/models?after_id={page.get('last_id')}"
        return ids
    names: list[str] = []
    path = "/v1beta/models"
    for _ in range(10):
        response = s.call("GET", path, listing=True)
        page = s.shaped(s.json(response), response, "models")
        names += [str(m["name"]).removeprefix("models/") for m in page["models"]]
        if methods is not None:
            methods.update(
                (str(m["name"]).removeprefix("models/"), [str(x) for x in served])
                for m in page["models"]
                if isinstance(served := m.get("supportedGenerationMethods"), list)
            )
        token = page.get("nextPageToken")
        if not token or want is None or want in names:
            break
        path = f"/v1beta/models?pageToken={token}"
    return names


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

    return with_session(name, "auth", ctx, work)


def model_check(name: str, ctx: Context) -> Outcome:
    def work(s: Session) -> Outcome:
        p = s.provider
        methods: dict[str, list[str]] = {}
        models = _list_models(s, p.model, methods)
        found = anthropic_models.resolve(p.model, models) if p.kind == "anthropic" else None
        served = methods.get(p.model)
        if p.model in models and served is not None and _GENERATE not in served:
            # the listing says what the model serves: not the smoke call's generateContent
            generating = [m for m in models if _GENERATE in methods.get(m, [])]
            raise _diagnose.not_generating(p, served, generating)
        if p.kind == "openai" and not found:
            found = _default_tag(p.model, models)
        if p.model in models or found:
            return ok(
                f"{p.model} is available"
                + (f" (as {found})" if found and found != p.model else ""),
                model=found or p.model,
            )
        if p.azure:  # Azure lists models, and `model` names a deployment: ask the deployment
            _smoke(s)
            return ok(
                f"deployment {p.model} answers at {p.host} (Azure lists models, not deployments)",
                model=p.model,
            )
        close = candidates(p.model, models)
        if s.cassette is not None and s.cassette.replayed and not s.cassette.live:
            raise _missing_from_recording(s, models, close)
        ollama = _ollama_behind(s)
        if ollama is not None:  # the listing is what is pulled into that Ollama
            raise _diagnose.not_pulled(p, ollama, models, close)
        suggestion = f"; closest: {', '.join(close)}" if close else ""
        text = f"set model = \"{close[0] if close else '...'}\" in {p.table}"
        step = _diagnose.edit_step(p, "model", close[0]) if close else Manual(text)
        raise CheckFailed(
            f"model {p.model!r} is not available to this {p.kind} key{suggestion}",
            why=f"{len(models)} models are listed for it, and this is not one of them",
            fix=Fix([step], text=text),
        )

    return with_session(name, "model", ctx, work)


#: the parts Ollama's names take when left out (types/model/name.go DefaultName), which its
#: listings leave out again (DisplayShortest): host, namespace
_OLLAMA_DEFAULTS = ("registry.ollama.ai", "library")


def _default_tag(model: str, listed: list[str]) -> str | None:
    """The listed name a ``model`` is in the short form the listing shows: a name's tag defaults
    to ``latest`` where names carry tags (Ollama's types/model/name.go ParseName; OCI references,
    as Docker Model Runner lists them), and a full Ollama reference
    (``registry.ollama.ai/library/NAME:TAG``) is its name without the default host and
    namespace; such a server answers either form."""
    parts = model.split("/")
    for default in _OLLAMA_DEFAULTS:
        if len(parts) > 1 and parts[0] == default and parts[1]:
            parts = parts[1:]
    short = "/".join(parts)
    tagged = short if ":" in parts[-1] else f"{short}:latest"
    if tagged != model and tagged in listed:
        return tagged
    return short if short != model and short in listed else None


def _ask_without_key(s: Session, url: str) -> Any:
    """``GET url`` without the key, only to explain a failure of a server that is not the
    vendor's own endpoint (never when the check replays a cassette): its JSON at 200, else
    None."""
    import httpx

    from envcheck.core.environ import consistent
    from envcheck.llm import _pool

    p = s.provider
    if p.kind != "openai" or p.default_endpoint:
        return None
    if s.cassette is not None and not s.cassette.live:
        return None
    left = min(2.0, s.ctx.remaining() - 0.3)
    if left < 0.2:
        return None
    try:
        with consistent(
            lambda: httpx.Client(timeout=left, transport=_pool.transport(p.base_url))
        ) as client:
            s.sent += 1
            response = client.get(url)
            return response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None


def _ollama_behind(s: Session) -> _diagnose.Ollama | None:
    """The Ollama whose OpenAI-compatible API ``base_url`` is, asked only to explain a failure:
    ``GET /api/version`` of ``base_url`` without its ``/v1`` answered with Ollama's
    ``{"version": "..."}``. Never asked of a vendor's own endpoint, never with the key, never
    when the check replays a cassette."""
    root = s.provider.base_url.rstrip("/").removesuffix("/v1")
    data = _ask_without_key(s, f"{root}/api/version")
    # Ollama's GET /api/version answers {"version": "..."} and nothing beside it
    if not isinstance(data, dict) or list(data) != ["version"]:
        return None
    version = data["version"]
    if not isinstance(version, str) or not version:
        return None
    s.ctx.fact("ollama_version", version)
    return _diagnose.Ollama(root, version)


def _served_at_origin(s: Session) -> str | None:
    """The base_url a server that is not the vendor's serves its API at, when ``base_url``'s path
    is not it: its own 404 to the listing (JSON, the API's not-found error: llama.cpp's "File
    Not Found" for a path it does not route), and the listing answered, without the key, at the
    origin's ``/v1`` (the path llama.cpp's server, vLLM, TGI and Ollama serve it at)."""
    parts = urlsplit(s.provider.base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if parts.path.rstrip("/") == "/v1":
        return None
    data = _ask_without_key(s, f"{origin}/v1/models")
    entries = data.get("data") if isinstance(data, dict) else data
    return f"{origin}/v1" if isinstance(entries, list) else None


def _listing_open(s: Session) -> bool:
    """Whether the model listing of a server that is not the vendor's answers without any key
    (llama.cpp's server keeps ``/v1/models`` public even with ``--api-key``): asked only to
    explain a 401 to the call after the listing passed."""
    data = _ask_without_key(s, f"{s.provider.base_url.rstrip('/')}/models")
    entries = data.get("data") if isinstance(data, dict) else data
    return isinstance(entries, list)


def _before(ollama: _diagnose.Ollama, request: str) -> bool:
    """Whether the Ollama's release predates ``request`` (a build from source reports 0.0.0:
    its release is unknown, never called older)."""
    from envcheck.checks.shared.config import older

    since = _diagnose.OLLAMA_V1_SINCE[request]
    return ollama.version != "0.0.0" and older(ollama.version, since)


#: the Gemini method a text generation call (the smoke call, google-genai's generate_content) is
_GENERATE = "generateContent"


def candidates(want: str, listed: list[str], n: int = 3) -> list[str]:
    """The listed names ``want`` may mean: those it begins (``claude`` → ``claude-…``, in the
    listing's order, newest first for Anthropic), then the closest spellings."""
    prefixed = [m for m in listed if m.startswith(want) and m != want]
    close = difflib.get_close_matches(want, listed, n=n, cutoff=0.5)
    return list(dict.fromkeys(prefixed + close))[:n]


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
        fix=_diagnose.manual(
            f"re-record with: {cassette.rerecord}  (or, if the name is wrong, {rename} in "
            f"[tool.envcheck.providers.{p.name}])"
        ),
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
    try:
        return s.call("POST", path, body)
    except llm.BadRequest as exc:
        # newer OpenAI models take max_completion_tokens instead (error.param=max_tokens)
        if exc.detail.param != "max_tokens" or "max_tokens" not in body:
            raise
        renamed = {k: v for k, v in body.items() if k != "max_tokens"}
        body = {**renamed, "max_completion_tokens": body["max_tokens"]}
        return s.call("POST", path, body)


#: the field each API's answer to the smoke call holds (OpenAI's chat completion ``choices``,
#: Anthropic's message ``content``, Gemini's ``candidates``, or ``promptFeedback`` alone when it
#: blocked the prompt)
_ANSWER_FIELDS = {
    "openai": ("choices",),
    "anthropic": ("content",),
    "gemini": ("candidates", "promptFeedback"),
}


def smoke_check(name: str, ctx: Context) -> Outcome:
    def work(s: Session) -> Outcome:
        started = time.monotonic()
        try:
            response = _smoke(s)
        except llm.AuthenticationFailed as exc:
            # a 401 after the listing passed: whose, when the server is not the vendor's
            if isinstance(exc, llm.KeyNotReceived) or not model_listed(ctx, name):
                raise
            # llama.cpp's own 401 (format_error_response's authentication_error) from a server
            # whose listing asks no key: the listing proved nothing, the key is refused
            if exc.detail.type == "authentication_error" and _listing_open(s):
                raise _diagnose.key_refused_open_listing(s.provider, exc) from None
            # Ollama's /v1 writes every other status as api_error (openai.go NewError)
            ollama = _ollama_behind(s) if exc.detail.type == "api_error" else None
            if ollama is not None:
                raise _diagnose.ollama_unauthorized(s.provider, ollama, exc) from None
            raise
        except llm.PermissionDenied as exc:
            # a 403 without a reason to a listed model: is the same request for another listed
            # model refused alike? then it is not about this model
            listed_model = model_listed(ctx, name)
            if not _diagnose.model_forbidden(s.provider, exc, listed_model):
                raise
            other = _refused_alike(s, exc)
            if other is None:
                raise
            raise _diagnose.refused_for_every_model(s.provider, exc, other) from None
        except (llm.ModelNotFound, llm.BadRequest) as exc:
            if not model_listed(ctx, name):
                raise
            state = _router_state(s)
            if state is not None and state["value"] != "loaded":
                # llama.cpp's router has the model and has not loaded it
                raise _diagnose.router_model_not_loaded(s.provider, exc, state) from None
            if _diagnose.not_served_here(exc):
                # a model this endpoint does not run: a chat model of the listing to name instead
                default = s.provider.spec.default_model
                known = default != s.provider.model and default in _list_models(s, default)
                chat = default if known else None
                raise _diagnose.not_served_here_failure(s.provider, exc, chat) from None
            if isinstance(exc, llm.ModelNotFound) and not s.provider.azure:
                # listed, and refused as unknown: is the request served for another listed model?
                other = _runs_instead(s)
                raise _diagnose.listed_but_refused(s.provider, exc, other) from None
            other = _runs_instead(s) if _diagnose.argument_refused(exc) else None
            if other is None:
                raise
            raise _diagnose.request_not_taken(s.provider, exc, other) from None
        data = s.shaped(s.json(response), response, *_ANSWER_FIELDS[s.provider.kind])
        withheld = _withheld(s.provider.kind, data)
        if withheld is not None:
            raise _diagnose.answer_withheld(s.provider, response, *withheld)
        latency = round((time.monotonic() - started) * 1000, 1)
        usage = data.get("usage") or data.get("usageMetadata") or {}
        tokens = usage.get("total_tokens") or usage.get("totalTokenCount")
        if tokens is None and "output_tokens" in usage:
            tokens = int(usage.get("input_tokens", 0)) + int(usage["output_tokens"])
        thought = _thinking_only(data)
        # a thinking model whose few output tokens went on thinking: it runs, no text yet
        spent = (
            f" (its output tokens went on thinking: {thought} thinking tokens)" if thought else ""
        )
        return ok(
            f"{s.provider.model} answered in {latency:.0f} ms{spent}",
            latency_ms=latency,
            tokens=tokens,
        )

    return with_session(name, "smoke", ctx, work)


def _router_state(s: Session) -> dict[str, Any] | None:
    """The ``status`` llama.cpp's router gives the model in its listing (tools/server/
    server-models.cpp ``get_router_models``: ``{"value": "unloaded" | "loading" | "loaded" | ...,
    "args"}``, with ``"failed"`` and ``"exit_code"`` for a model whose process exited), or None
    for a listing whose entries carry none (a server that runs one model, a hosted service)."""
    if s.provider.kind != "openai":
        return None
    try:
        listed = s.json(s.call("GET", "/models", listing=True))
    except llm.ProviderError:
        return None
    entries = listed.get("data") if isinstance(listed, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("id") == s.provider.model:
            state = entry.get("status")
            if isinstance(state, dict) and isinstance(state.get("value"), str):
                return state
    return None


def _default_request(s: Session, *, aliases: bool) -> tuple[str, str, Any] | None:
    """The kind's default model, when the listing shows it (on Gemini: with generateContent)
    and it is not the configured model, with the smoke request to it (path, body); ``aliases``:
    the configured model is compared by the dated id the listing shows for it too (Anthropic)."""
    p = s.provider
    other = p.spec.default_model
    methods: dict[str, list[str]] = {}
    listed = _list_models(s, other, methods)
    mine = p.model
    if p.kind == "anthropic":  # the default is an alias the listing shows by its dated id
        other = anthropic_models.resolve(other, listed) or other
        if aliases:
            mine = anthropic_models.resolve(mine, listed) or mine
    if other in (p.model, mine) or other not in listed:
        return None
    if p.kind == "gemini" and _GENERATE not in methods.get(other, [_GENERATE]):
        return None
    path, body = _smoke_request(p)
    if p.kind == "gemini":
        path = path.replace(f"/models/{p.model}:", f"/models/{other}:")
    else:
        body = {**body, "model": other}
    return other, path, body


def _runs_instead(s: Session) -> str | None:
    """The kind's default model, when the listing shows it (on Gemini: with generateContent)
    and the same smoke request to it answers; else None."""
    found = _default_request(s, aliases=False)
    if found is None:
        return None
    other, path, body = found
    try:
        s.call("POST", path, body)
    except llm.ProviderError:
        return None
    return other


def _refused_alike(s: Session, exc: llm.ProviderError) -> str | None:
    """The kind's default model, when the listing shows it (on Gemini: with generateContent) and
    the same smoke request to it is refused with the same status as ``exc``; else None."""
    found = _default_request(s, aliases=True)
    if found is None:
        return None
    other, path, body = found
    try:
        s.call("POST", path, body)
    except llm.ProviderError as refused:
        return other if refused.status == exc.status else None
    return None


#: Gemini's finishReason values that end a candidate normally (its text, or its token limit)
_FINISHED = ("STOP", "MAX_TOKENS", "FINISH_REASON_UNSPECIFIED")


def _withheld(kind: str, data: Any) -> tuple[str, str] | None:
    """The field and value by which an answer says it holds no text because the provider's
    filters withheld it, else None: Gemini's ``promptFeedback.blockReason`` without candidates, or
    a candidate without text whose ``finishReason`` is not a normal end (SAFETY,
    PROHIBITED_CONTENT, RECITATION, ...); OpenAI's ``finish_reason`` ``content_filter`` without
    content; Anthropic's ``stop_reason`` ``refusal``."""
    if kind == "gemini":
        candidates = data.get("candidates")
        feedback = data.get("promptFeedback")
        reason = feedback.get("blockReason") if isinstance(feedback, dict) else None
        if not candidates and isinstance(reason, str) and reason:
            return "promptFeedback.blockReason", reason
        first = candidates[0] if isinstance(candidates, list) and candidates else None
        if not isinstance(first, dict):
            return None
        parts = (first.get("content") or {}).get("parts") or []
        text = any(isinstance(p, dict) and p.get("text") for p in parts)
        finish = first.get("finishReason")
        if not text and isinstance(finish, str) and finish and finish not in _FINISHED:
            return "candidates[0].finishReason", finish
        return None
    if kind == "openai":
        choices = data.get("choices")
        first = choices[0] if isinstance(choices, list) and choices else None
        if isinstance(first, dict) and first.get("finish_reason") == "content_filter":
            if not (first.get("message") or {}).get("content"):
                return "choices[0].finish_reason", "content_filter"
        return None
    if data.get("stop_reason") == "refusal":
        return "stop_reason", "refusal"
    return None


def _thinking_only(data: Any) -> int | None:
    """The thinking tokens of a Gemini answer cut at its token limit before any text
    (``finishReason`` MAX_TOKENS, no text part, ``usageMetadata.thoughtsTokenCount``), else
    None."""
    candidates = data.get("candidates") if isinstance(data, dict) else None
    if not (isinstance(candidates, list) and candidates and isinstance(candidates[0], dict)):
        return None
    first = candidates[0]
    parts = (first.get("content") or {}).get("parts") or []
    text = any(isinstance(p, dict) and p.get("text") for p in parts)
    if first.get("finishReason") != "MAX_TOKENS" or text:
        return None
    count = (data.get("usageMetadata") or {}).get("thoughtsTokenCount")
    return int(count) if isinstance(count, int) and count > 0 else None
    candidates, choices = data.get("candidates"), data.get("choices")
    if isinstance(candidates, list) and candidates and isinstance(candidates[0], dict):
        first = candidates[0]
        parts = (first.get("content") or {}).get("parts") or []
        text = any(isinstance(p, dict) and p.get("text") for p in parts)
        if first.get("finishReason") == "MAX_TOKENS" and not text:
            count = (data.get("usageMetadata") or {}).get("thoughtsTokenCount")
            return int(count) if isinstance(count, int) and count > 0 else None
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        first = choices[0]
        if first.get("finish_reason") == "length" and not (first.get("message") or {}).get(
            "content"
        ):
            usage = data.get("usage") or {}
            count = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
            return int(count) if isinstance(count, int) and count > 0 else None
    return None


_HEADROOM = {
    "openai": ("x-ratelimit-limit-{}", "x-ratelimit-remaining-{}"),
    "anthropic": ("anthropic-ratelimit-{}-limit", "anthropic-ratelimit-{}-remaining"),
}


def headroom_check(name: str, ctx: Context) -> Outcome:
    def work(s: Session) -> Outcome:
        p = s.provider
        # the request that met auth's limit, else the smoke call (the one that spends tokens)
        smoke = p.cfg.smoke and not _auth_limited(ctx, name)
        response = _smoke(s) if smoke else s.call("GET", models_path(p), listing=True)
        fields = _ANSWER_FIELDS[p.kind] if smoke else ("data", "models")
        try:  # the headers of an answer that is not the API's are not its rate limits
            data = s.json(response)
            if smoke or not isinstance(data, list):  # (Together lists models as a bare array)
                s.shaped(data, response, *fields)
        except CheckFailed as exc:
            owner = "smoke" if smoke else "auth"
            raise CheckSkipped(
                f"rate limits not read: the answer to its request is not the {p.kind} API's; "
                f"{p.name}.{owner} reports why",
                why=exc.summary,
            ) from None
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

    return with_session(name, "headroom", ctx, work)


def _auth_limited(ctx: Context, name: str) -> bool:
    """Whether ``auth`` passed on a limit (a 429 or 402 to the model listing, which only an
    accepted key gets): then the listing is the request whose limit headroom reports."""
    try:
        result = ctx.dependency(f"{COMPONENT}/{name}.auth")
    except KeyError:
        return False
    return "accepted_with" in result.facts


def _percent(share: float) -> str:
    """``42%``; more digits near the ends, so that 5 of 10000 is not "0%" nor 9999 "100%"."""
    return f"{share:.2%}" if 0 < share < 0.01 or 0.99 < share < 1 else f"{share:.0%}"
