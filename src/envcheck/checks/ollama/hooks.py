"""The ``ollama`` component: a local Ollama server, its models, and where they run.

Checks: ``server`` (answers; version >= ``min_version``) → ``model[NAME]`` per model (pulled;
parameter size, quantization, context length) → ``smoke[NAME]`` (optional: a few tokens, coping
with deepseek-r1's ``<think>`` blocks and ``thinking`` field) → ``gpu`` (loaded models on GPU or
CPU, from the running-models list). The official ``ollama`` client, imported only here.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from envcheck import hookimpl
from envcheck.checks.ollama import diagnose as _diagnose
from envcheck.checks.ollama.config import COMPONENT, OllamaConfig
from envcheck.checks.ollama.http import Calls
from envcheck.checks.shared.config import older
from envcheck.checks.shared.ollama import CLIENT_DEFAULT, UPGRADE
from envcheck.core.config import EnvcheckConfig
from envcheck.core.fix import Command, Fix
from envcheck.core.model import Check, CheckFailed, CheckSkipped, Context, Outcome, ok, warn
from envcheck.core.redact import clean
from envcheck.kit import Component, not_configured

_THINK = re.compile(r"<think>.*?</think>", re.S)


@hookimpl
def envcheck_config_sections() -> dict[str, Any]:
    return {COMPONENT: OllamaConfig}


@hookimpl
def envcheck_default_config(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """Where the ollama client looks: ``OLLAMA_HOST``, else 127.0.0.1:11434 (where nothing
    listening is *not found*, not a failure)."""
    if environ.get("OLLAMA_HOST"):
        return {COMPONENT: {"host": "${OLLAMA_HOST}", "source": "OLLAMA_HOST"}}
    default = {"host": CLIENT_DEFAULT, "source": "ollama default (127.0.0.1:11434)"}
    return {COMPONENT: {**default, "required": False}}


@hookimpl
def envcheck_checks(config: EnvcheckConfig) -> Iterator[Check]:
    cfg: OllamaConfig | None = config.section(COMPONENT)
    if cfg is None:
        if config.from_environment:
            yield not_configured(COMPONENT, ["OLLAMA_HOST"])
        return

    from envcheck.llm import _pool

    _pool.prepare("ollama", urls=[cfg.host])  # the client, httpx (+ TLS), while pytest collects
    make = Component(COMPONENT, section=cfg, timeout=cfg.timeout)

    yield make.check("server", server, "the server answers and is recent enough")
    for model in cfg.models:
        yield make.check(
            f"model[{model}]", functools.partial(model_check, model), f"{model} is pulled", "server"
        )
        if cfg.smoke:
            yield make.check(
                f"smoke[{model}]",
                functools.partial(smoke, model),
                f"{model} generates a few tokens",
                f"model[{model}]",
                timeout=cfg.smoke_timeout,
            )
    yield make.check("gpu", gpu, "loaded models run on the GPU", "server")


def server(ctx: Context) -> Outcome:
    import httpx

    calls = Calls(ctx, "server")
    ctx.fact("settings_from", _settings_from(ctx))
    try:
        with calls.http() as http:
            started = time.monotonic()
            try:
                answer = http.get("/api/version")
            except (httpx.TransportError, OSError) as exc:
                raise calls.unreachable(exc) from None
            latency = round((time.monotonic() - started) * 1000, 1)
        said = _error_text(answer)
        if answer.status_code >= 400 and said is not None:  # Ollama's shape, {"error": "..."}
            raise _diagnose.refused_elsewhere(
                calls.host, "GET /api/version", answer.status_code, said
            )
        if answer.status_code == 403:  # refused, by Ollama's Host check or what is in front
            raise _diagnose.version_forbidden(
                calls.host,
                calls.source,
                403,
                answer.text,
                str(answer.headers.get("server") or ""),
            )
        try:
            version = str(answer.json()["version"])
        except (ValueError, KeyError, TypeError):
            elsewhere = _origin_version(calls) if answer.status_code == 404 else None
            if elsewhere is not None:  # the host's path is what is wrong, not the server
                origin, found = elsewhere
                raise _diagnose.host_path(
                    calls.host, calls.source, origin, "GET /api/version", 404, found
                ) from None
            if answer.status_code == 404 and _root_is_ollama(calls):
                raise _diagnose.before_version_route(calls.host, 404) from None
            if (
                answer.status_code >= 400
                and urlsplit(calls.host).scheme == "http"
                and _diagnose.speaks_tls(calls.host, max(0.1, min(3.0, ctx.remaining() - 0.5)))
            ):  # the right port in the wrong scheme: a TLS listener told plain HTTP
                shown = clean(" ".join(answer.text.split()), 160)
                raise _diagnose.tls_port(
                    calls.host, calls.source, "GET /api/version", answer.status_code, shown
                ) from None
            raise CheckFailed(
                f"{calls.host} answered /api/version with HTTP {answer.status_code}, not Ollama's "
                "version",
                why="another service listens there",
                fix=_diagnose.manual(
                    f"point {calls.source} at Ollama (default http://localhost:11434)"
                ),
            ) from None
    finally:
        calls.finish()
    wanted = ctx.section.min_version
    if version == "0.0.0":  # what a build from source reports: not a release, not "old"
        return warn(
            f"Ollama at {calls.host} reports version 0.0.0: a build from source, whose release "
            "is unknown" + (f" (min_version {wanted} not checked)" if wanted else ""),
            fix=_diagnose.manual(
                "run a release build (https://ollama.com/download) to have its version checked"
            ),
            version=version,
            latency_ms=latency,
        )
    if wanted and older(version, wanted):
        raise CheckFailed(
            f"Ollama {version} is older than the required {wanted}",
            fix=Fix(
                [Command(["sh", "-c", UPGRADE], needs=frozenset({"sudo", "network"}))],
                text=f"upgrade: {UPGRADE}",
            ),
            facts={"version": version},
        )
    return ok(f"Ollama {version} at {calls.host}", version=version, latency_ms=latency)


def _origin_version(calls: Calls) -> tuple[str, str] | None:
    """When the host carries a path: the server's origin and the version Ollama reports there
    (``GET /api/version`` without the path), else None."""
    parts = urlsplit(calls.host)
    if parts.path.strip("/") == "":
        return None
    origin = f"{parts.scheme}://{parts.netloc}"
    try:
        with calls.http(origin) as http:
            answer = http.get("/api/version")
        version = answer.json()["version"] if answer.status_code == 200 else None
    except Exception:  # noqa: B902 - the 404 being diagnosed is the finding, not this
        return None
    return (origin, str(version)) if isinstance(version, str) else None


def _root_is_ollama(calls: Calls) -> bool:
    """Whether ``GET /`` of the host answers what Ollama's router answers there."""
    try:
        with calls.http() as http:
            answer = http.get("/")
    except Exception:  # noqa: B902 - the 404 being diagnosed is the finding, not this
        return False
    return answer.status_code == 200 and answer.text.strip() == _diagnose.ROOT_ANSWER


def _error_text(answer: Any) -> str | None:
    """The text of an answer in Ollama's error shape (``{"error": "<text>"}``), else None."""
    try:
        body = answer.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) else None


def model_check(model: str, ctx: Context) -> Outcome:
    import httpx
    import ollama

    calls = Calls(ctx, f"model[{model}]")
    try:
        try:
            shown = calls.client().show(model)
        except ollama.ResponseError as exc:
            if exc.status_code == 404 and not calls.observed.last_json:
                listed = _listing(calls)  # None: /api/tags did not answer a listing either
                raise _diagnose.show_not_routed(
                    calls.host, calls.source, model, exc.error, listed
                ) from None
            if exc.status_code == 429:
                raise _diagnose.rate_limited(
                    model, calls.host, "POST /api/show", clean(exc.error, 300)
                ) from None
            if exc.status_code == 403 and exc.error.startswith(_diagnose.CLOUD_DISABLED):
                raise _diagnose.cloud_disabled(
                    model, calls.host, "POST /api/show", clean(exc.error, 300)
                ) from None
            entry = _diagnose.store_file(exc.error or "")
            if entry is not None and exc.status_code in (400, 500):
                raise _diagnose.store_unreadable(
                    calls.host, model, exc.status_code, entry
                ) from None
            diagnosis = _diagnose.SHOW_REFUSALS.get(exc.status_code)
            if diagnosis is not None:
                cfg: OllamaConfig = ctx.section
                entries = _entries(calls)
                listing = None if entries is None else _names(entries)
                raise diagnosis(
                    _diagnose.Refused(
                        calls.host,
                        model,
                        exc.error,
                        listing or [],
                        list(cfg.models),
                        _settings_file(ctx),
                        store_empty=listing == [],
                        remotes=_remotes(entries or []),
                    )
                ) from None
            raise CheckFailed(
                f"Ollama refused to describe {model}: HTTP {exc.status_code}: {exc.error}",
                why="Ollama answered POST /api/show with an error no row of envcheck's verdict "
                "table covers; no cause is guessed",
                fix=f"read the server's log: {' '.join(_diagnose.LOG_COMMAND)}",
            ) from None
        except (OSError, httpx.TransportError) as exc:
            raise calls.unreachable(exc) from None
    finally:
        calls.finish()
    details = shown.details
    info = dict(shown.modelinfo or {})
    context = next((v for k, v in info.items() if k.endswith(".context_length")), None)
    facts: dict[str, Any] = {
        "parameter_size": details.parameter_size if details else None,
        "quantization": details.quantization_level if details else None,
        "family": details.family if details else None,
        "context_length": context,
    }
    described = ", ".join(str(v) for v in facts.values() if v)
    if shown.capabilities is not None:  # Ollama 0.6.4 and later
        facts["capabilities"] = [str(c) for c in shown.capabilities]
    if calls.observed.remote_host:  # a cloud model: the server forwards it there
        facts["remote_host"] = calls.observed.remote_host
        if calls.observed.remote_model:  # the name that host knows the model by
            facts["remote_model"] = calls.observed.remote_model
    num_ctx = _num_ctx(shown.parameters)
    if num_ctx is not None:  # the model's own context, which the server's default does not change
        facts["num_ctx"] = num_ctx
    return ok(f"{model} pulled ({described})", **facts)


def smoke(model: str, ctx: Context) -> Outcome:
    import httpx
    import ollama

    calls = Calls(ctx, f"smoke[{model}]")
    started = time.monotonic()
    try:
        try:
            answer = calls.client().generate(
                model=model, prompt="Say hello.", options={"num_predict": 32}, stream=False
            )
        except ollama.ResponseError as exc:
            capabilities = _capabilities(ctx, model)
            if (
                exc.status_code == 400
                and capabilities is not None
                and "completion" not in capabilities
            ):
                others = _generating(calls, [m for m in ctx.section.models if m != model])
                raise _diagnose.not_generating(
                    model, capabilities, exc.error or "", exc.status_code, others
                ) from None
            remote = _remote(ctx, model)
            said = exc.error or ""
            if exc.status_code == 400 and said.startswith(_diagnose.PROMPT_OVER_CONTEXT):
                num_ctx, family = _fact(ctx, model, "num_ctx"), _fact(ctx, model, "family")
                raise _diagnose.context_too_short(
                    model,
                    calls.host,
                    said,
                    num_ctx if isinstance(num_ctx, int) else None,
                    family if isinstance(family, str) else None,
                ) from None
            if exc.status_code == 400 and said == _diagnose.REMOTE_NOT_ALLOWED:
                raise _diagnose.remote_not_allowed(model, calls.host, remote, said) from None
            if (
                remote is not None
                and calls.observed.passed_on
                and not _diagnose.at_ollama_com(remote)
            ):  # the answer of the Ollama the model runs on, passed on whole
                there = _fact(ctx, model, "remote_model")
                raise _diagnose.passed_on(
                    model,
                    calls.host,
                    remote,
                    exc.status_code,
                    exc.error or "",
                    there if isinstance(there, str) else None,
                ) from None
            if remote is not None and exc.status_code in _diagnose.CLOUD_PROXY_FAILED:
                raise _diagnose.cloud_failed(
                    model, calls.host, remote, exc.status_code, exc.error or ""
                ) from None
            failed = _diagnose.generate_failure(
                model,
                calls.host,
                exc.status_code,
                exc.error or "",
                shaped=calls.observed.last_json,
            )
            raise failed from None
        except (OSError, httpx.TransportError) as exc:
            raise calls.unreachable(exc) from None
    finally:
        calls.finish()
    text = answer.response or ""
    thought = bool(answer.thinking) or "<think>" in text
    visible = _THINK.sub("", text).replace("<think>", "").strip()
    latency = round((time.monotonic() - started) * 1000)
    if not visible and not thought:
        raise CheckFailed(
            f"{model} answered with nothing",
            fix=Fix(
                [Command(["ollama", "run", model, "hello"])], text=f"ollama run {model} 'hello'"
            ),
        )
    what = "reasoned, then answered" if thought else "answered"
    if thought and not visible:  # num_predict went on thinking: the model runs, no text yet
        what = "reasoned (the 32 tokens asked for went on its thinking, before any answer text)"
    return ok(
        f"{model} {what} in {latency} ms",
        latency_ms=latency,
        thinking=thought,
        answer_chars=len(visible),
    )


def _fact(ctx: Context, model: str, name: str) -> Any:
    """A fact of the model check (what ``/api/show`` gave), else None."""
    try:
        return ctx.dependency(f"{COMPONENT}/model[{model}]").facts.get(name)
    except KeyError:
        return None


def _remote(ctx: Context, model: str) -> str | None:
    """The model check's ``remote_host`` (a cloud model), else None."""
    found = _fact(ctx, model, "remote_host")
    return found if isinstance(found, str) else None


def _num_ctx(parameters: str | None) -> int | None:
    """``num_ctx`` of ``/api/show``'s ``parameters`` (``ollama show``'s two columns: a name, then
    its value), else None."""
    for line in (parameters or "").splitlines():
        name, _, value = line.strip().partition(" ")
        if name == "num_ctx" and value.strip().isdigit():
            return int(value.strip())
    return None


def _capabilities(ctx: Context, model: str) -> list[str] | None:
    """What the model check read from ``/api/show``'s ``capabilities`` (None: not given)."""
    try:
        found = ctx.dependency(f"{COMPONENT}/model[{model}]").facts.get("capabilities")
    except KeyError:
        return None
    return [str(c) for c in found] if isinstance(found, list) else None


def _generating(calls: Calls, models: list[str]) -> list[str]:
    """Those of ``models`` whose ``/api/show`` capabilities hold completion."""
    found = []
    for model in models:
        try:
            shown = calls.client().show(model)
        except Exception:  # noqa: B902 - a model not described is not named
            continue
        if "completion" in [str(c) for c in shown.capabilities or []]:
            found.append(model)
    return found


def _settings_from(ctx: Context) -> str:
    cfg: OllamaConfig = ctx.section
    if cfg.source:
        return cfg.source
    source = str(ctx.config.source)
    return source.rsplit("/", 1)[-1] if source.endswith(".toml") else "pyproject"


def _settings_file(ctx: Context) -> str | None:
    """The project's pyproject.toml, relative to the root, when a fix may edit it."""
    source = Path(str(ctx.config.source))
    if source.name != "pyproject.toml" or not source.is_file():
        return None
    try:
        return str(source.resolve().relative_to(Path(ctx.rootdir).resolve()))
    except ValueError:
        return None


def _entries(calls: Calls) -> list[dict[str, Any]] | None:
    """The pulled models' entries, read from ``GET /api/tags`` as Ollama writes it (``{"models":
    null}`` is an empty store of Ollama before 0.1.38, which the ollama client refuses to read);
    None when it did not answer a listing."""
    try:
        with calls.http() as http:
            answer = http.get("/api/tags")
        body = answer.json() if answer.status_code == 200 else None
    except Exception:  # noqa: B902 - the refusal being diagnosed is the finding, not this
        return None
    if not isinstance(body, dict) or "models" not in body:
        return None
    models = body["models"] if body["models"] is not None else []
    if not isinstance(models, list):
        return None
    return [e for e in models if isinstance(e, dict)]


def _names(entries: list[dict[str, Any]]) -> list[str]:
    return [
        str(e.get("model") or e.get("name")) for e in entries if e.get("model") or e.get("name")
    ]


def _remotes(entries: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """The listed models that run on another host: name -> (``remote_host``, ``remote_model``)
    (api/types.go ListModelResponse)."""
    found = {}
    for entry in entries:
        name, remote = entry.get("model") or entry.get("name"), entry.get("remote_host")
        if name and isinstance(remote, str) and remote:
            found[str(name)] = (remote, str(entry.get("remote_model") or ""))
    return found


def _listing(calls: Calls) -> list[str] | None:
    """The pulled models' names (:func:`_entries`); None when no listing was answered."""
    entries = _entries(calls)
    return None if entries is None else _names(entries)


def _server_version(ctx: Context) -> str | None:
    """The release the server check read (a build from source, 0.0.0, tells none)."""
    try:
        version = ctx.dependency(f"{COMPONENT}/server").facts.get("version")
    except KeyError:
        return None
    return str(version) if version and version != "0.0.0" else None


def gpu(ctx: Context) -> Outcome:
    import httpx
    import ollama

    calls = Calls(ctx, "gpu")
    try:
        try:
            running = calls.client().ps()
        except ollama.ResponseError as exc:
            version = _server_version(ctx)
            since = _diagnose.ROUTE_SINCE["GET /api/ps"]
            if exc.status_code == 404 and version and older(version, since):
                raise _diagnose.route_missing(
                    calls.host, "GET /api/ps", 404, exc.error or "", version
                ) from None
            raise _diagnose.refused_elsewhere(
                calls.host,
                "GET /api/ps",
                exc.status_code,
                exc.error or "",
                shaped=calls.observed.last_json,
            ) from None
        except (OSError, httpx.TransportError) as exc:
            raise calls.unreachable(exc) from None
    finally:
        calls.finish()
    loaded = list(running.models or [])
    if not loaded:
        raise CheckSkipped(
            "no model is loaded, so where models run cannot be told yet",
            hint=f"ollama run {ctx.section.models[0] if ctx.section.models else 'MODEL'} 'hi', "
            "then check again",
        )
    # a size is what tells a placement: Ollama omits size_vram when it is 0 (before 0.1.42), an
    # Ollama-compatible server that cannot tell (LocalAI) sends neither
    unsized = [str(entry.model) for entry in loaded if not entry.size]
    if len(unsized) == len(loaded):
        raise CheckSkipped(
            f"{calls.host} reports no size for {', '.join(unsized)} (GET /api/ps without size "
            "or size_vram), so where it runs cannot be told",
            why="Ollama sends both for every loaded model; a server compatible with its API "
            "(LocalAI) may not",
        )
    loaded = [entry for entry in loaded if entry.size]
    placements = {}
    for entry in loaded:
        size, vram = int(entry.size or 0), int(entry.size_vram or 0)
        share = vram / size if size else 0.0
        placements[str(entry.model)] = (
            "GPU" if share >= 0.99 else ("CPU" if vram == 0 else f"{share:.0%} GPU")
        )
    on_cpu = [m for m, where in placements.items() if where != "GPU"]
    summary = ", ".join(f"{m} on {where}" for m, where in placements.items())
    if on_cpu:
        return warn(
            summary,
            hint="CPU inference is slow: check the GPU driver (nvidia-smi) and `ollama ps`; a "
            "smaller quantization may fit in VRAM",
            placement=placements,
        )
    return ok(summary, placement=placements)
