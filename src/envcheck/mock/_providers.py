"""What each provider answers: routes, authentication, models, bodies and error shapes."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from envcheck.llm import _anthropic
from envcheck.mock import _data

MOCK_HEADER = "x-envcheck-mock"


@dataclass
class Reply:
    status: int
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] | None = None  # a stream, sent as it is
    content_type: str = "application/json"


@dataclass
class Request:
    provider: str
    method: str
    path: str  # below the provider prefix, without the query
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: Any


def as_json(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(payload).encode(), dict(headers or {}))


def _swap_model(text: str, old: str, new: str) -> str:
    return text.replace(f'"{old}"', f'"{new}"') if old and new else text


def _stream(text: str, content_type: str, headers: Mapping[str, str]) -> Reply:
    separator = "\n\n" if "event-stream" in content_type else "\n"
    parts = [p + separator for p in text.split(separator) if p.strip()]
    return Reply(200, None, dict(headers), [p.encode() for p in parts], content_type)


# -- errors, in each provider's real shape -------------------------------------------------------

_OPENAI_ERRORS = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: (
        "invalid_request_error",
        "unsupported_country_region_territory",
        "Country, region, or territory not supported",
    ),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests. Try again later."),
    402: ("insufficient_quota", "insufficient_quota", "You exceeded your current quota."),
    500: ("server_error", None, "The server had an error while processing your request."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later"),
}
_ANTHROPIC_ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    529: "overloaded_error",
}
#: the messages of Anthropic's error reference (docs.claude.com/en/api/errors) where no
#: recorded answer exists
_ANTHROPIC_MESSAGES = {
    "permission_error": "Your API key does not have permission to use the specified resource.",
    "request_too_large": "Request exceeds the maximum allowed number of bytes.",
    "api_error": "Internal server error",
}
_GEMINI_STATUS = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
_RECORDED = {
    ("openai", 401): "openai--401-invalid-api-key",
    ("openai", 404): "openai--404-model-not-found",
    ("openai", 400): "openai--400-unsupported-parameter",
    ("anthropic", 400): "anthropic--400-invalid-request",
    ("anthropic", 401): "anthropic--401-invalid-api-key",
    ("anthropic", 404): "anthropic--404-model-not-found",
    ("anthropic", 529): "anthropic--529-overloaded",
    ("gemini", 400): "gemini--400-api-key-invalid",
    ("gemini", 403): "gemini--403-permission-denied-no-key",
    ("gemini", 404): "gemini--404-model-not-found",
    ("gemini", 429): "gemini--429-resource-exhausted",
    ("ollama", 404): "ollama--404-model-not-found",
    ("ollama", 500): "ollama--500-requires-more-memory",
    ("anthropic", 429): "anthropic--429-rate-limit",
    ("anthropic", 500): "anthropic--500-api-error",
}


def anthropic_limits(reply: Reply, wait: float | None) -> None:
    """A 429's ``retry-after`` and ``anthropic-ratelimit-*-reset``: ``wait`` seconds from now
    (default 1 s; the recording's own values are hours in the past)."""
    seconds = 1.0 if wait is None else wait
    reply.headers["retry-after"] = f"{max(0, round(seconds))}"
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds))
    for name in list(reply.headers):
        if name.startswith("anthropic-ratelimit-") and name.endswith("-reset"):
            reply.headers[name] = when


def error(provider: str, status: int, message: str | None = None, quota: bool = False) -> Reply:
    """An error reply: the real recorded body where one exists, else the provider's shape."""
    if (provider, status) in _RECORDED and not quota:
        name = _RECORDED[(provider, status)]
        payload = copy.deepcopy(_data.body(name))
        if message is not None and provider == "anthropic":  # the real shape, another message
            payload["error"]["message"] = message
        elif message is not None:
            return _shaped(provider, status, message)
        return as_json(status, payload, _data.headers(name))
    return _shaped(provider, status, message, quota)


def _shaped(provider: str, status: int, message: str | None, quota: bool = False) -> Reply:
    """The provider's error shape with ``message``, where no recording fits."""
    wire = 429 if quota else status
    if provider == "openai":
        if status == 503 and message is None:
            name = "openai--503-upstream-connect-error"
            text = str(_data.body(name))
            return Reply(503, text.encode(), _data.headers(name), None, "text/plain")
        kind, code, default = _OPENAI_ERRORS.get(402 if quota else status, _OPENAI_ERRORS[500])
        if message is not None and status == 403:
            code = None  # another 403 than the region block, e.g. a project without the model
        payload = {"error": {"message": message or default, "type": kind, "param": None}}
        payload["error"]["code"] = code
        return as_json(wire, payload)
    if provider == "anthropic" and quota:  # what Anthropic answers when the credits run out
        text = message or (
            "Your credit balance is too low to access the Anthropic API. Please go to Plans & "
            "Billing to upgrade or purchase credits."
        )
        return as_json(
            400, {"type": "error", "error": {"type": "invalid_request_error", "message": text}}
        )
    if provider == "anthropic":
        kind = _ANTHROPIC_ERRORS.get(status, "api_error")
        text = message or _ANTHROPIC_MESSAGES.get(kind, "Internal server error")
        return as_json(wire, {"type": "error", "error": {"type": kind, "message": text}})
    if provider == "gemini":
        state = _GEMINI_STATUS.get(status, "INTERNAL")
        text = message or ("Quota exceeded for this project." if quota else state.title())
        return as_json(wire, {"error": {"code": wire, "message": text, "status": state}})
    return as_json(wire, {"error": message or f"mock error {status}"})


# -- OpenAI --------------------------------------------------------------------------------------


def _bearer(req: Request) -> str | None:
    value = req.headers.get("authorization", "")
    return value[7:].strip() or None if value.lower().startswith("bearer ") else None


def _rejected(key: str | None, invalid_keys: set[str]) -> bool:
    return key is None or key in invalid_keys or key.startswith("invalid")


def openai(req: Request, models: list[str], invalid_keys: set[str]) -> Reply:
    if _rejected(_bearer(req), invalid_keys):
        return error("openai", 401)
    rate = {k: v for k, v in _data.headers("openai--chat-ok").items() if k.startswith("x-ratel")}
    if req.method == "GET" and req.path == "/models":
        listing = _data.body("openai--models-list")
        known = {m["id"] for m in listing["data"]}
        extra = [{"id": m, "object": "model", "created": 0, "owned_by": "mock"} for m in models]
        data = listing["data"] + [m for m in extra if m["id"] not in known]
        return as_json(200, {"object": "list", "data": data}, _data.headers("openai--models-list"))
    if req.method == "GET" and req.path.startswith("/models/"):
        wanted = req.path.split("/", 2)[2]
        if wanted not in _openai_models(models):
            return error("openai", 404, f"The model `{wanted}` does not exist.")
        return as_json(200, {"id": wanted, "object": "model", "created": 0, "owned_by": "mock"})
    if req.method == "POST" and req.path == "/chat/completions":
        model = str((req.body or {}).get("model", ""))
        if model not in _openai_models(models):
            message = f"The model `{model}` does not exist or you do not have access to it."
            return error("openai", 404, message)
        if (req.body or {}).get("stream"):
            name = "openai--chat-stream"
            recorded = _data.sample(name)["request"]["body"]["model"]
            text = _swap_model(str(_data.body(name)), recorded, model)
            return _stream(text, "text/event-stream; charset=utf-8", rate)
        payload = copy.deepcopy(_data.body("openai--chat-ok"))
        payload["model"] = model
        payload["created"] = int(time.time())
        return as_json(200, payload, _data.headers("openai--chat-ok"))
    return error("openai", 404, f"Unknown request URL: {req.method} {req.path}.")


def _openai_models(extra: list[str]) -> set[str]:
    return {m["id"] for m in _data.body("openai--models-list")["data"]} | set(extra)


# -- Anthropic -----------------------------------------------------------------------------------


def anthropic(req: Request, models: list[str], invalid_keys: set[str]) -> Reply:
    if _rejected(req.headers.get("x-api-key") or _bearer(req), invalid_keys):
        return error("anthropic", 401)
    listing = _data.body("anthropic--models-list")
    ids = [m["id"] for m in listing["data"]] + models
    if req.method == "GET" and req.path == "/v1/models":
        extra = [
            {"type": "model", "id": m, "display_name": m, "created_at": "2026-01-01T00:00:00Z"}
            for m in models
        ]
        payload = dict(listing, data=listing["data"] + extra)
        return as_json(200, payload, _data.headers("anthropic--models-list"))
    if req.method == "POST" and req.path == "/v1/messages":
        model = str((req.body or {}).get("model", ""))
        if _anthropic.resolve(model, ids) is None:
            return error("anthropic", 404, f"model: {model}")
        if (req.body or {}).get("stream"):
            name = "anthropic--message-stream"
            text = str(_data.body(name))
            recorded = json.loads(text.split("data: ", 1)[1].split("\n", 1)[0])
            text = _swap_model(text, recorded["message"]["model"], model)
            headers = {k: v for k, v in _data.headers(name).items() if "ratelimit" in k}
            return _stream(text, "text/event-stream; charset=utf-8", headers)
        payload = copy.deepcopy(_data.body("anthropic--message-ok"))
        payload["model"] = model
        return as_json(200, payload, _data.headers("anthropic--message-ok"))
    return error("anthropic", 404, f"Not found: {req.method} {req.path}")


# -- Gemini --------------------------------------------------------------------------------------


def gemini(req: Request, models: list[str], invalid_keys: set[str]) -> Reply:
    key = req.headers.get("x-goog-api-key") or next(iter(req.query.get("key", [])), None)
    if key is None:
        return error("gemini", 403)
    if _rejected(key, invalid_keys):
        return error("gemini", 400)
    listing = _data.body("gemini--models-list")
    names = [m["name"] for m in listing["models"]] + [f"models/{m}" for m in models]
    # the API serves the same models under /v1 and /v1beta (SDKs choose one or the other)
    version = "v1" if req.path == "/v1/models" or req.path.startswith("/v1/models/") else "v1beta"
    base = f"/{version}/models"
    if req.method == "GET" and req.path == base:
        extra = [{"name": f"models/{m}", "displayName": m} for m in models]
        payload = {"models": listing["models"] + extra}
        return as_json(200, payload, _data.headers("gemini--models-list"))
    if req.method == "GET" and req.path.startswith(f"{base}/"):
        name = req.path[len(f"/{version}/") :]
        if name not in names:
            return error("gemini", 404, f"{name} is not found for API version {version}.")
        return as_json(200, next((m for m in listing["models"] if m["name"] == name), {}))
    if req.method == "POST" and req.path.startswith(f"{base}/") and ":" in req.path:
        name, action = req.path[len(f"/{version}/") :].split(":", 1)
        if name not in names:
            return error("gemini", 404)
        if action == "streamGenerateContent":
            sse = "sse" in (req.query.get("alt") or [""])
            sample = "gemini--stream-sse" if sse else "gemini--stream-json-array"
            text = str(_data.body(sample))
            kind = "text/event-stream" if sse else "application/json; charset=UTF-8"
            if sse:
                return _stream(text, kind, {})
            return Reply(200, None, {}, [c.encode() for c in _split_array(text)], kind)
        if action == "generateContent":
            payload = copy.deepcopy(_data.body("gemini--generate-ok"))
            payload["modelVersion"] = name.split("/", 1)[1]
            return as_json(200, payload, _data.headers("gemini--generate-ok"))
    return error("gemini", 404, f"Not found: {req.method} {req.path}")


def _split_array(text: str) -> Iterator[str]:
    size = max(1, len(text) // 4)
    for start in range(0, len(text), size):
        yield text[start : start + size]


# -- Ollama --------------------------------------------------------------------------------------

OLLAMA_VERSION = "0.12.6"


def _ollama_model(name: str) -> dict[str, Any]:
    details = dict(_data.body("ollama--show-model-info")["details"])
    if name.startswith("deepseek-r1"):
        details.update(family="qwen3", families=["qwen3"], parameter_size="8.2B")
    return {
        "name": name,
        "model": name,
        "modified_at": "2026-11-01T10:00:00Z",
        "size": 5225376047,
        "digest": "6995872bfe4c521a67b32da386cd21d5c6e819b6e0d62f79f64ec83be99f5763",
        "details": details,
    }


def ollama(req: Request, models: list[str], loaded: Mapping[str, bool]) -> Reply:
    if req.method == "GET" and req.path == "/api/version":
        return as_json(200, {"version": OLLAMA_VERSION})
    if req.method == "GET" and req.path == "/api/tags":
        return as_json(200, {"models": [_ollama_model(m) for m in models]})
    if req.method == "GET" and req.path == "/api/ps":
        running = []
        for name, gpu in loaded.items():
            entry = _ollama_model(name)
            entry.update(size_vram=entry["size"] if gpu else 0, expires_at="2026-11-25T00:00:00Z")
            running.append(entry)
        return as_json(200, {"models": running})
    model = str((req.body or {}).get("model") or (req.body or {}).get("name") or "")
    if req.method == "POST" and req.path in ("/api/show", "/api/chat", "/api/generate"):
        if model not in models and f"{model}:latest" not in models:
            return as_json(404, {"error": f"model '{model}' not found"})
    if req.method == "POST" and req.path == "/api/show":
        payload = copy.deepcopy(_data.body("ollama--show-model-info"))
        payload["details"] = _ollama_model(model)["details"]
        return as_json(200, payload)
    if req.method == "POST" and req.path in ("/api/chat", "/api/generate"):
        chat = req.path == "/api/chat"
        thinking = "Okay, the user says hello. I should greet back briefly."
        answer = "Hello! How can I help you today?"
        if (req.body or {}).get("stream", True):
            return _ollama_stream(model, chat, thinking, answer)
        base = _data.body("ollama--chat-ok" if chat else "ollama--generate-ok")
        payload = copy.deepcopy(base)
        payload.update(model=model, done=True)
        if chat:
            payload["message"] = {"role": "assistant", "content": answer, "thinking": thinking}
        else:
            payload["response"] = f"<think>{thinking}</think>\n{answer}"
        return as_json(200, payload)
    return as_json(404, {"error": "404 page not found"})


def _ollama_stream(model: str, chat: bool, thinking: str, answer: str) -> Reply:
    pieces = [f"<think>{thinking}</think>\n"] + [w + " " for w in answer.split()]
    lines = []
    for piece in pieces:
        chunk: dict[str, Any] = {"model": model, "created_at": "2026-11-25T00:00:00Z"}
        if chat:
            chunk["message"] = {"role": "assistant", "content": piece}
        else:
            chunk["response"] = piece
        chunk["done"] = False
        lines.append(json.dumps(chunk) + "\n")
    # the last line of a real stream: an empty message (chat) or response (generate) and the counts
    final: dict[str, Any] = {"model": model, "created_at": "2026-11-25T00:00:01Z"}
    if chat:
        final["message"] = {"role": "assistant", "content": ""}
    else:
        final["response"] = ""
    final.update(done=True, done_reason="stop", prompt_eval_count=6, eval_count=len(pieces))
    lines.append(json.dumps(final) + "\n")
    return Reply(200, None, {}, [line.encode() for line in lines], "application/x-ndjson")


def parse_query(raw: str) -> dict[str, list[str]]:
    return parse_qs(raw, keep_blank_values=True)
