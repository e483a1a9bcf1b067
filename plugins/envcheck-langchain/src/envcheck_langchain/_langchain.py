"""The ``langchain`` checks: per provider, the integration package (installed, compatible with
the installed langchain-core) → the client ``init_chat_model`` builds → one ``invoke`` (opt-in).

Providers come from ``[tool.envcheck.providers]`` and ``[tool.envcheck.ollama]``, so the model,
key and base URL are the ones the ``providers`` and ``ollama`` components check; provider errors
are classified with :mod:`envcheck.llm`'s typed errors.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from envcheck_langchain._config import INTEGRATIONS, Integration

from envcheck import CheckFailed, CheckSkipped, Context, Outcome, ok

CORE = "langchain-core"
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}")


@dataclass(frozen=True)
class Target:
    """One provider as LangChain will be asked to build it."""

    name: str
    kind: str
    integration: Integration
    model: str
    base_url: str | None
    api_key: str | None
    key_variable: str | None
    section: str


def target(name: str, ctx: Context) -> Target:
    """The provider ``name`` from ``[tool.envcheck.providers]`` / ``[tool.envcheck.ollama]``."""
    from envcheck.checks.providers import SPECS, default_key_variable

    providers = ctx.config.section("providers") or {}
    if name in providers:
        cfg = providers[name]
        kind = cfg.kind or name
        section = f"tool.envcheck.providers.{name}"
        variable = default_key_variable(name, kind)
        raw_key = cfg.api_key or f"${{{variable}}}"
        try:
            key: str | None = ctx.resolve(raw_key, secret=True, key=f"{section}.api_key") or None
        except CheckFailed:
            key = None
        model = ctx.resolve(cfg.model or SPECS[kind].default_model, key=f"{section}.model")
        base = ctx.resolve(cfg.base_url, key=f"{section}.base_url") if cfg.base_url else None
        # the variable a developer exports: the one the key refers to (none for a literal key)
        refs = _REFERENCE.findall(raw_key)
        return Target(
            name, kind, INTEGRATIONS[kind], model, base, key, refs[0] if refs else None, section
        )
    ollama = ctx.config.section("ollama")
    if name != "ollama" or ollama is None:
        raise CheckFailed(
            f"{name!r} is not a configured provider",
            hint=f"add [tool.envcheck.providers.{name}] (or fix providers in "
            "[tool.envcheck.langchain])",
        )
    host = ctx.resolve(ollama.host, key="tool.envcheck.ollama.host")
    models = list(ollama.models) or ["deepseek-r1:8b"]
    return Target(
        "ollama",
        "ollama",
        INTEGRATIONS["ollama"],
        models[0],
        host,
        None,
        None,
        "tool.envcheck.ollama",
    )


def _install(dist: str) -> str:
    return f"poetry add {dist}  (pip: pip install {dist})"


def _core_requirement(dist: str) -> Any:
    """The integration's requirement on langchain-core (``None`` when it states none)."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    for line in metadata.requires(dist) or []:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(req.name) != CORE:
            continue
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            return req
    return None


def package(name: str, ctx: Context) -> Outcome:
    t = target(name, ctx)
    dist = t.integration.distribution
    try:
        have = metadata.version(dist)
    except metadata.PackageNotFoundError:
        raise CheckFailed(
            f"{dist} is not installed: LangChain cannot build a {t.kind} chat model",
            why=f"init_chat_model(model_provider={t.integration.model_provider!r}) imports "
            f"{t.integration.module}",
            hint=_install(dist),
        ) from None
    try:
        core = metadata.version(CORE)
        langchain = metadata.version("langchain")
    except metadata.PackageNotFoundError as exc:
        missing = str(exc.args[0]) if exc.args else CORE
        raise CheckFailed(
            f"{missing} is not installed",
            why="init_chat_model comes from the langchain package, on top of langchain-core",
            hint=_install(missing),
        ) from None
    req = _core_requirement(dist)
    facts: dict[str, Any] = {dist: have, CORE: core, "langchain": langchain}
    if req is not None and not req.specifier.contains(core, prereleases=True):
        raise CheckFailed(
            f"{dist} {have} requires {CORE}{req.specifier}, but {CORE} {core} is installed",
            why="an integration package is released for a range of langchain-core versions; "
            "outside it, imports or calls break",
            hint=f"poetry update {dist} {CORE}  (pip: pip install -U {dist} {CORE}); then "
            "poetry check --lock",
            facts=facts,
        )
    needs = f" (needs {CORE}{req.specifier})" if req is not None else ""
    return ok(f"{dist} {have} with {CORE} {core}{needs}", **facts)


def _build(t: Target, ctx: Context, **extra: Any) -> Any:
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {"model_provider": t.integration.model_provider}
    if t.base_url:
        kwargs["base_url"] = t.base_url
    if t.kind != "ollama":
        # no key: the client is still built (the providers component reports the key)
        kwargs["api_key"] = t.api_key or "envcheck-no-key"
        kwargs["max_retries"] = 0
        kwargs["timeout"] = max(1.0, ctx.remaining() - 1)
    else:
        kwargs["client_kwargs"] = {"timeout": max(1.0, ctx.remaining() - 1)}
    kwargs.update(extra)
    return init_chat_model(t.model, **kwargs)


def client(name: str, ctx: Context) -> Outcome:
    t = target(name, ctx)
    started = time.monotonic()
    try:
        built = _build(t, ctx)
    except ImportError as exc:
        raise CheckFailed(
            f"{t.integration.module} cannot be imported: {exc}",
            why="installed, but broken or built for another langchain-core",
            hint=f"poetry update {t.integration.distribution} {CORE}",
        ) from None
    except Exception as exc:  # noqa: B902 - pydantic and SDK validation errors
        raise CheckFailed(
            f"init_chat_model({t.model!r}, model_provider={t.integration.model_provider!r}) "
            f"failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            why=f"LangChain refused the settings of [{t.section}]",
            hint=f"fix model / base_url in [{t.section}]",
        ) from None
    ms = round((time.monotonic() - started) * 1000, 1)
    cls = type(built).__name__
    if cls != t.integration.chat_class:
        raise CheckFailed(
            f"init_chat_model built a {cls}, not a {t.integration.chat_class}",
            hint=f"set kind in [{t.section}]",
        )
    keyless = "" if t.api_key or t.kind == "ollama" else f" (no key: {t.key_variable} not set)"
    return ok(
        f"init_chat_model built {cls}({t.model!r}){keyless}",
        chat_class=cls,
        model=t.model,
        base_url=t.base_url or "(the provider's default)",
        build_ms=ms,
    )


_MAX_TOKENS = {
    "openai": "max_tokens",
    "anthropic": "max_tokens",
    "gemini": "max_output_tokens",
    "ollama": "num_predict",
}


#: kinds whose LangChain client takes an httpx client (or its arguments): cassettes work there
_RECORDABLE = ("openai", "ollama")


def _cassette(t: Target, ctx: Context) -> tuple[Any, dict[str, Any]]:
    """The smoke's cassette and the client arguments that route its calls through it."""
    import httpx

    from envcheck import cassettes

    cfg = ctx.section
    if not cfg.cassettes or t.kind not in _RECORDABLE:
        return None, {}
    path = ctx.rootdir / "cassettes" / "langchain" / t.name / "smoke.yaml"
    rerecord = cassettes.rerecord_command("langchain", t.name, t.key_variable)
    mode = cassettes.mode(ctx.config)
    cassette = cassettes.Cassette.open(path, mode, [t.api_key or ""], rerecord)
    transport = cassette.transport(httpx.HTTPTransport())
    timeout = max(1.0, ctx.remaining() - 1)
    if t.kind == "ollama":
        return cassette, {"client_kwargs": {"transport": transport, "timeout": timeout}}
    return cassette, {"http_client": httpx.Client(transport=transport, timeout=timeout)}


def smoke(name: str, ctx: Context) -> Outcome:
    from envcheck import cassettes

    t = target(name, ctx)
    cassette, routed = _cassette(t, ctx)
    replayable = cassette is not None and cassette.loaded and cassette.mode != "all"
    if t.api_key is None and t.kind != "ollama":
        if not replayable:
            raise CheckSkipped(
                f"not run: no key for {t.name} ({t.key_variable} is not set) and no cassette "
                f"to replay",
                hint=f"export {t.key_variable}=... (its first run records cassettes/langchain/"
                f"{t.name}/ for CI), or point base_url at envcheck's mock (envcheck mock serve)",
            )
        t = dataclasses.replace(t, api_key=cassettes.REDACTED)  # replaying: no key is sent
    chat = _build(t, ctx, **{_MAX_TOKENS[t.kind]: 16}, **routed)
    started = time.monotonic()
    try:
        answer = chat.invoke("Reply with OK.")
    except Exception as exc:  # noqa: B902 - every SDK raises its own classes
        stale = next((e for e in _chain(exc) if isinstance(e, CheckFailed)), None)
        if stale is not None:  # the cassette's own diagnosis, wrapped by the SDK
            raise stale from None
        error = classify(t, exc)
        if error is None:
            raise
        raise CheckFailed(
            f"{t.name}: {error.kind}: {error.message}",
            why=(
                f"{t.kind} answered HTTP {error.status} to {t.integration.chat_class}.invoke"
                if error.status
                else f"{t.integration.chat_class}.invoke raised {type(exc).__name__}"
            ),
            hint=_hint(t, error),
        ) from None
    finally:
        if cassette is not None:
            cassette.save()
        if "http_client" in routed:
            routed["http_client"].close()
    ms = round((time.monotonic() - started) * 1000, 1)
    usage = getattr(answer, "usage_metadata", None) or {}
    ctx.evidence = _evidence(t) if cassette is None else cassette.evidence
    if cassette is not None and cassette.replayed:
        ctx.fact("cassette", str(cassette.path))
        if cassette.recorded_at:
            ctx.fact("recorded_at", cassette.recorded_at)
    return ok(
        f"{t.integration.chat_class}({t.model!r}).invoke answered in {ms:.0f} ms",
        latency_ms=ms,
        tokens=usage.get("total_tokens"),
    )


def _hint(t: Target, error: Any) -> str | None:
    from envcheck import llm

    if isinstance(error, llm.AuthenticationFailed) and t.key_variable:
        return f"set a valid key: export {t.key_variable}=...  ({error.hint})"
    if isinstance(error, llm.ModelNotFound):
        return f"set model in [{t.section}] to a model this key can use"
    if isinstance(error, llm.ConnectionFailed):
        return f"check base_url in [{t.section}] ({t.base_url or 'the default'})"
    return str(error.hint) if error.hint else None


def _chain(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop(0)
        if any(e is f for f in found):
            continue
        found.append(e)
        todo += [c for c in (e.__cause__, e.__context__) if c is not None]
    return found


def classify(t: Target, exc: BaseException) -> Any:
    """The typed :mod:`envcheck.llm` error for what an SDK raised under LangChain: the HTTP
    status and body when there was an answer, else timeout or connection failure."""
    import httpx
    import pydantic

    from envcheck import llm

    chain = _chain(exc)
    for e in chain:
        status = getattr(e, "status_code", None)
        if not isinstance(status, int):
            code = getattr(e, "code", None)
            status = code if isinstance(code, int) else None
        if status is not None and status >= 400:
            response = getattr(e, "response", None)
            headers = dict(getattr(response, "headers", None) or {})
            body = getattr(e, "body", None)
            if body is None and isinstance(response, httpx.Response):
                body = response.text
            if body is None:
                body = getattr(e, "error", None) or getattr(e, "message", None) or str(e)
            return llm.classify(t.kind, status, headers, body)
    names = {type(e).__name__ for e in chain}
    if any(isinstance(e, httpx.TimeoutException) for e in chain) or "APITimeoutError" in names:
        return llm.ProviderTimeout(t.name, f"no answer from {t.base_url or t.kind} in time")
    connection = any(isinstance(e, (httpx.TransportError, ConnectionError)) for e in chain)
    if connection or "APIConnectionError" in names:
        return llm.ConnectionFailed(t.name, f"cannot reach {t.base_url or t.kind}: {exc}")
    if any(isinstance(e, (pydantic.ValidationError, ValueError)) for e in chain):
        return llm.MalformedResponse(
            t.name,
            f"the answer of {t.base_url or t.kind} does not parse as a {t.kind} answer: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            hint=f"base_url in [{t.section}] points at something that is not the {t.kind} API, "
            "or a proxy in between changes the answers",
        )
    return None


def _evidence(t: Target) -> str:
    """``mocked`` when envcheck's mock answered (its header is on every answer), else ``live``."""
    if not t.base_url:
        return "live"
    import httpx

    from envcheck.mock import MOCK_HEADER

    try:
        answer = httpx.get(t.base_url, timeout=2.0)
    except httpx.HTTPError:
        return "live"
    return "mocked" if MOCK_HEADER in answer.headers else "live"
