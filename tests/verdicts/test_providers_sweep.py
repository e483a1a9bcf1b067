"""Every documented error of the LLM providers and of Ollama, to every request the checks send:
the failure space of the providers' own error specifications, not the rows someone met.

The errors are data below, each list with the URL of the specification it is taken from, each
body in that provider's documented shape: OpenAI's error codes (status x ``error.type`` x
``error.code``), Anthropic's error types, Gemini's (HTTP status x ``google.rpc`` status, with the
``ErrorInfo`` reasons and quota ids of its troubleshooting guide and every reason of
google.api.ErrorReason), the shapes OpenAI-compatible
servers answer at another ``base_url`` (llama.cpp's typed errors, vLLM's ``ErrorResponse``, a bare
``{"error": "..."}``, crossed with every status they use), and Ollama's error answers as its
server's source writes them (server/routes.go, server/sched.go, llm/llama_server.go:
``{"error": "<text>"}``).

A local server (in this process) answers ONE request kind of one provider instance with ONE error
and everything else healthily, with the providers' own recorded answers: the model listing (of
an instance with smoke, and of one without, whose headroom check asks the listing) and the smoke
call (which the headroom check sends again) for the providers, one session with an instance per
(error, request); ``/api/version``, ``/api/show``, ``/api/generate`` and ``/api/ps``
for Ollama, whose one server per session is shared by models named per (error, request). A
last test closes the connection after reading one Ollama request: never "no server answers".

For every pair (issue 22, section 2, "the request decides what can be wrong"):

- no check whose request got the error passes; a check whose requests were all answered
  healthily does (an error on the smoke call leaves ``auth`` and ``model`` passing);
- a 429 or 402 proves the key was accepted: ``auth`` passes, ``headroom`` fails with it;
- a 4xx to the model listing (which sends no model) never says the model is not found;
- a 401/403 to the smoke call after the listing with the same key passed never says the key
  is missing, invalid or blocked;
- the failing check names the HTTP status and the provider's own fields (``error.type``,
  ``error.code``, google.rpc status and reason) and quotes its message;
- never envcheck's own error, never the key;
- where the error's class is contradicted by the request it answered (it means a model, a body,
  a prompt or an access token that the request did not carry, or a refusal of the key that the
  same key's answered listing contradicts),
  the verdict is the honest fallback: the status, the fields, the words, which request, and what
  contradicts the class.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.verdicts.replay import Answer, published

STRICT = ("-W", "error", "-p", "no:cacheprovider")
#: obviously fake keys, distinct per API; none may appear in any output
KEYS = {
    "openai": "sk-proj-SweepCanaryOpenAI00000000000000000001",
    "anthropic": "sk-ant-api03-SweepCanaryAnthropic000000000002",
    "gemini": "AIzaSweepCanaryGemini000000000000000000003",
    "compat": "SweepCanaryCompat00000000000000000000000004",
}
KIND = {"openai": "openai", "anthropic": "anthropic", "gemini": "gemini", "compat": "openai"}
#: a model each healthy listing shows (the providers' own recorded listings)
MODELS = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-haiku-4-5-20251001",
    "gemini": "gemini-2.5-flash",
    "compat": "gpt-4o-mini",
}
LISTING = {"anthropic": "anthropic--models-list", "gemini": "gemini--models-list"}
CALL = {"anthropic": "anthropic--message-ok", "gemini": "gemini--generate-ok"}

OPENAI_SPEC = "https://platform.openai.com/docs/guides/error-codes"
OPENAI_REFERENCE = "https://platform.openai.com/docs/api-reference/introduction"
ANTHROPIC_SPEC = "https://docs.anthropic.com/en/api/errors"
GEMINI_SPEC = "https://ai.google.dev/gemini-api/docs/troubleshooting"
GOOGLE_RPC = "https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto"
GOOGLE_REASONS = (
    "https://cloud.google.com/java/docs/reference/proto-google-common-protos/latest/"
    "com.google.api.ErrorReason"
)
LLAMACPP_SPEC = (
    "https://github.com/ggml-org/llama.cpp/blob/master/tools/server/utils.hpp "
    "(format_error_response: error_type -> status, type)"
)
VLLM_SPEC = (
    "https://github.com/vllm-project/vllm/blob/main/vllm/entrypoints/openai/protocol.py "
    "(ErrorResponse: object, message, type, param, code)"
)
OLLAMA_COMMIT = "fb30760996871fa9460115c753afd2c60d4ab0f7"
OLLAMA_SPEC = f"https://github.com/ollama/ollama/blob/{OLLAMA_COMMIT}/server/routes.go"
OLLAMA_SCHED = f"https://github.com/ollama/ollama/blob/{OLLAMA_COMMIT}/server/sched.go"
OLLAMA_RUNNER = f"https://github.com/ollama/ollama/blob/{OLLAMA_COMMIT}/llm/llama_server.go"
OLLAMA_LLM = f"https://github.com/ollama/ollama/blob/{OLLAMA_COMMIT}/llm/server.go"


@dataclass(frozen=True)
class Error:
    """One documented error: its status, its body, and what a verdict must name."""

    api: str  # openai | anthropic | gemini | compat
    status: int
    body: Any
    message: str
    fields: tuple[str, ...]  # the structured field values the failing check must name
    source: str
    #: what the answer's class is about, by its fields or status: "body" (the request's model,
    #: prompt or size: contradicted on the listing, which sends none), "key" (the key, its
    #: project, account or network as a whole: contradicted on the smoke call once the same
    #: key's listing was answered), or "" (nothing a request rules out)
    means: str = ""

    @property
    def label(self) -> str:
        return f"{self.api} {self.status} {'/'.join(self.fields) or '-'}"


#: fields whose class is about the request's model, prompt or size, or about the key as a whole
BODY_FIELDS = {"context_length_exceeded", "exceed_context_size_error", "request_too_large"}
KEY_FIELDS = {
    "invalid_api_key",
    "no_organization",
    "unsupported_country_region_territory",
    "authentication_error",
    "API_KEY_INVALID",
    "SERVICE_DISABLED",
    "API_KEY_SERVICE_BLOCKED",
    "CONSUMER_SUSPENDED",
    "CONSUMER_INVALID",
    "API_KEY_HTTP_REFERRER_BLOCKED",
    "API_KEY_IP_ADDRESS_BLOCKED",
    "API_KEY_ANDROID_APP_BLOCKED",
    "API_KEY_IOS_APP_BLOCKED",
}
#: fields about a credential envcheck's requests never carry (an OAuth access token: they send
#: an API key): contradicted on every request
TOKEN_FIELDS = {"ACCESS_TOKEN_EXPIRED"}


def means(status: int, fields: tuple[str, ...]) -> str:
    if status == 413 or set(fields) & BODY_FIELDS:
        return "body"
    if set(fields) & TOKEN_FIELDS:
        return "token"
    return "key" if set(fields) & KEY_FIELDS else ""


def openai(
    status: int, kind: str, code: str | None, message: str, param: str | None = None
) -> Error:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    fields = tuple(f for f in (kind, code, param) if f)
    return Error("openai", status, body, message, fields, OPENAI_SPEC, means(status, fields))


def anthropic(status: int, kind: str, message: str) -> Error:
    body = {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": "req_011CSweepSweepSweepSweep",
    }
    source = ANTHROPIC_SPEC
    return Error("anthropic", status, body, message, (kind,), source, means(status, (kind,)))


def gemini(
    status: int, rpc: str, message: str, reason: str | None = None, quota: str | None = None
) -> Error:
    details: list[dict[str, Any]] = []
    if reason:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            }
        )
    if quota:
        violation = {"quotaMetric": "generativelanguage.googleapis.com/requests", "quotaId": quota}
        details.append(
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [violation]}
        )
    body = {"error": {"code": status, "message": message, "status": rpc, "details": details}}
    fields = tuple(f for f in (rpc, reason, quota) if f)
    source = GEMINI_SPEC if reason else GOOGLE_RPC
    return Error("gemini", status, body, message, fields, source, means(status, fields))


#: OpenAI's error codes guide (status, error.type, error.code, its words) and the reference's
#: error object (message, type, param, code)
OPENAI = [
    openai(401, "invalid_request_error", None, "Invalid Authentication"),
    openai(
        401,
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided: sk-proj-****0001. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
    ),
    openai(
        401,
        "invalid_request_error",
        "no_organization",
        "You must be a member of an organization to use the API. Please contact us through our "
        "help center at help.openai.com.",
    ),
    openai(401, "invalid_request_error", None, "IP not authorized"),
    openai(
        403,
        "request_forbidden",
        "unsupported_country_region_territory",
        "Country, region, or territory not supported",
    ),
    openai(
        404,
        "invalid_request_error",
        "model_not_found",
        "The model `gpt-4o-mini` does not exist or you do not have access to it.",
        "model",
    ),
    openai(
        400,
        "invalid_request_error",
        "context_length_exceeded",
        "This model's maximum context length is 8 tokens. However, your messages resulted in 12 "
        "tokens. Please reduce the length of the messages.",
        "messages",
    ),
    openai(
        400,
        "invalid_request_error",
        None,
        "Invalid service_tier argument: The requested service tier is not allowed for this "
        "project.",
        "service_tier",
    ),
    openai(
        429,
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for gpt-4o-mini in organization org-sweep on requests per min (RPM): "
        "Limit 3, Used 3, Requested 1. Please try again in 20s.",
    ),
    openai(
        429,
        "insufficient_quota",
        "insufficient_quota",
        "You exceeded your current quota, please check your plan and billing details.",
    ),
    openai(429, "rate_limit_error", "slow_down", "Please reduce your rate of requests."),
    openai(
        500,
        "server_error",
        None,
        "The server had an error while processing your request. Sorry about that!",
    ),
    openai(
        503,
        "service_unavailable_error",
        "server_is_overloaded",
        "The engine is currently overloaded, please try again later.",
    ),
    openai(503, "service_unavailable_error", "slow_down", "Slow Down"),
]
#: Anthropic's error types, each with its HTTP status
ANTHROPIC = [
    anthropic(400, "invalid_request_error", "max_tokens: Field required"),
    anthropic(401, "authentication_error", "invalid x-api-key"),
    anthropic(402, "billing_error", "There is an issue with your payment or billing details."),
    anthropic(403, "permission_error", "Your API key does not have permission to use this."),
    anthropic(404, "not_found_error", "The requested resource could not be found."),
    anthropic(413, "request_too_large", "Request exceeds the maximum allowed number of bytes."),
    anthropic(429, "rate_limit_error", "Your account has hit a rate limit."),
    anthropic(
        500, "api_error", "An unexpected error has occurred internal to Anthropic's systems."
    ),
    anthropic(529, "overloaded_error", "Overloaded"),
]
#: Gemini's troubleshooting table (HTTP status x google.rpc status), google.rpc's own mapping
#: (UNAUTHENTICATED is 401), and the ErrorInfo reasons and quota ids its answers carry
GEMINI = [
    gemini(400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
    gemini(
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        reason="API_KEY_INVALID",
    ),
    gemini(
        400,
        "FAILED_PRECONDITION",
        "User location is not supported for the API use without a billing account linked.",
    ),
    gemini(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
    gemini(403, "PERMISSION_DENIED", "Your API key doesn't have the required permissions."),
    gemini(
        403,
        "PERMISSION_DENIED",
        "Generative Language API has not been used in project 1 before or it is disabled.",
        reason="SERVICE_DISABLED",
    ),
    gemini(
        403,
        "PERMISSION_DENIED",
        "Requests to this API generativelanguage.googleapis.com method are blocked.",
        reason="API_KEY_SERVICE_BLOCKED",
    ),
    gemini(
        403,
        "PERMISSION_DENIED",
        "Permission denied: Consumer has been suspended.",
        reason="CONSUMER_SUSPENDED",
    ),
    gemini(404, "NOT_FOUND", "The requested resource wasn't found."),
    gemini(429, "RESOURCE_EXHAUSTED", "You've exceeded the rate limit."),
    gemini(
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details.",
        quota="GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
    ),
    gemini(
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details.",
        quota="GenerateRequestsPerDayPerProjectPerModel-FreeTier",
    ),
    gemini(500, "INTERNAL", "An internal error has occurred."),
    gemini(503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
    gemini(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete."),
]
#: the rest of google.api.ErrorReason (the reasons of the googleapis.com domain, GOOGLE_REASONS),
#: each with the google.rpc status its definition implies: a denial PERMISSION_DENIED (403), a
#: quota RESOURCE_EXHAUSTED (429), an expired token UNAUTHENTICATED (401)
GOOGLE_ERROR_REASONS = [
    (403, "PERMISSION_DENIED", "BILLING_DISABLED"),
    (403, "PERMISSION_DENIED", "API_KEY_HTTP_REFERRER_BLOCKED"),
    (403, "PERMISSION_DENIED", "API_KEY_IP_ADDRESS_BLOCKED"),
    (403, "PERMISSION_DENIED", "API_KEY_ANDROID_APP_BLOCKED"),
    (403, "PERMISSION_DENIED", "API_KEY_IOS_APP_BLOCKED"),
    (429, "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED"),
    (429, "RESOURCE_EXHAUSTED", "RESOURCE_QUOTA_EXCEEDED"),
    (403, "PERMISSION_DENIED", "LOCATION_TAX_POLICY_VIOLATED"),
    (403, "PERMISSION_DENIED", "USER_PROJECT_DENIED"),
    (403, "PERMISSION_DENIED", "CONSUMER_INVALID"),
    (403, "PERMISSION_DENIED", "SECURITY_POLICY_VIOLATED"),
    (401, "UNAUTHENTICATED", "ACCESS_TOKEN_EXPIRED"),
]
GEMINI += [
    Error(
        "gemini",
        status,
        {
            "error": {
                "code": status,
                "message": f"The request was denied ({reason.lower().replace('_', ' ')}).",
                "status": rpc,
                "details": [
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": reason,
                        "domain": "googleapis.com",
                        "metadata": {
                            "consumer": "projects/123",
                            "service": "generativelanguage.googleapis.com",
                        },
                    }
                ],
            }
        },
        f"The request was denied ({reason.lower().replace('_', ' ')}).",
        (rpc, reason),
        GOOGLE_REASONS,
        means(status, (rpc, reason)),
    )
    for status, rpc, reason in GOOGLE_ERROR_REASONS
]
#: llama.cpp server's error types and their statuses
LLAMACPP_TYPES = [
    (400, "invalid_request_error"),
    (401, "authentication_error"),
    (403, "permission_error"),
    (404, "not_found_error"),
    (500, "server_error"),
    (501, "not_supported_error"),
    (503, "unavailable_error"),
    (400, "exceed_context_size_error"),
]
#: the statuses OpenAI-compatible servers (vLLM, LiteLLM, LM Studio, OpenRouter, Groq...) answer
COMPAT_STATUSES = [400, 401, 402, 403, 404, 405, 408, 409, 413, 415, 422, 429, 500, 502, 503, 504]
#: vLLM's ErrorResponse.type per status (the name of the exception it raised)
VLLM_TYPES = {
    400: "BadRequestError",
    401: "Unauthorized",
    402: "PaymentRequired",
    403: "Forbidden",
    404: "NotFoundError",
    405: "MethodNotAllowed",
    408: "RequestTimeout",
    409: "Conflict",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "UnprocessableEntity",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


def _compat() -> list[Error]:
    found = []
    for status, kind in LLAMACPP_TYPES:
        said = f"the server refused this request ({kind})"
        body = {"error": {"code": status, "message": said, "type": kind}}
        found.append(
            Error("compat", status, body, said, (kind,), LLAMACPP_SPEC, means(status, (kind,)))
        )
    for status in COMPAT_STATUSES:
        said = f"the service refused this request with status {status}"
        vllm: dict[str, Any] = {"object": "error", "message": said, "param": None}
        vllm["type"] = VLLM_TYPES[status]
        typed = (VLLM_TYPES[status],)
        found.append(
            Error(
                "compat",
                status,
                {**vllm, "code": status},
                said,
                typed,
                VLLM_SPEC,
                means(status, typed),
            )
        )
        bare = f"the gateway refused this request with status {status}"
        source = "a bare {'error': '<text>'} (xAI, Ollama's /v1, LiteLLM's auth)"
        found.append(Error("compat", status, {"error": bare}, bare, (), source, means(status, ())))
    return found


ERRORS = OPENAI + ANTHROPIC + GEMINI + _compat()
#: the request that gets the error: the model listing (auth, model; and headroom when smoke is
#: off, the third kind), or the smoke call (smoke, and headroom with it)
REQUESTS = ("listing", "call", "listing, smoke off")

#: Ollama's error answers: (status, text, source); ``{model}`` is the model the request named
OLLAMA = [
    (400, "missing request body", OLLAMA_SPEC),
    (400, "model is required", OLLAMA_SPEC),
    (400, "invalid model name", OLLAMA_SPEC),
    (400, "top_logprobs must be between 0 and 20", OLLAMA_SPEC),
    (400, "this server cannot run this remote model", OLLAMA_SPEC),
    (400, "image generation models are not currently supported", OLLAMA_SPEC),
    (400, "raw mode does not support template, system, or context", OLLAMA_SPEC),
    (400, '"{model}" does not support thinking', OLLAMA_SPEC),
    (400, '"{model}" does not support generate', OLLAMA_SPEC),
    (400, "this model only supports one image while more than one image requested", OLLAMA_SPEC),
    (401, "unauthorized", OLLAMA_SPEC),
    (403, "ollama cloud is disabled: remote model is unavailable", OLLAMA_SPEC),
    (403, "ollama cloud is disabled: remote model details are unavailable", OLLAMA_SPEC),
    (404, "model '{model}' not found", OLLAMA_SPEC),
    (404, 'model "{model}" not found, try pulling it first', OLLAMA_SPEC),
    (499, "request canceled", OLLAMA_SPEC),
    (500, "error getting authorization details", OLLAMA_SPEC),
    (500, "unexpected response", OLLAMA_SPEC),
    (500, "model list cache unavailable", OLLAMA_SPEC),
    (503, "server busy, please try again.  maximum pending requests exceeded", OLLAMA_SCHED),
    (503, "account unavailable", OLLAMA_SPEC),
    # the runner's errors, which the scheduler answers with 500 (handleScheduleError's default)
    (500, "unable to load full model on GPU", OLLAMA_LLM),
    (500, "llama-server process has terminated: exit status 2", OLLAMA_RUNNER),
    (500, "llama-server process no longer running: exit status 1 ", OLLAMA_RUNNER),
    (500, "timed out waiting for llama-server to start - progress 0.00 - ", OLLAMA_RUNNER),
    (500, "llama-server reported out-of-memory during startup: cudaMalloc failed", OLLAMA_RUNNER),
    (500, "no slots available after 10 retries", OLLAMA_RUNNER),
    (
        500,
        "model runner has unexpectedly stopped, this may be due to resource limitations or an "
        "internal error, check ollama server logs for details",
        OLLAMA_RUNNER,
    ),
]
OLLAMA_REQUESTS = ("GET /api/version", "POST /api/show", "POST /api/generate", "GET /api/ps")


# -- the server ------------------------------------------------------------------------------------


Respond = Callable[[str, str, Any], Answer]
#: a responder that also reads the request's headers (lower-cased names)
HeadedRespond = Callable[[str, str, Any, Mapping[str, str]], Answer]


def _json(status: int, body: Any) -> Answer:
    return Answer(status, json.dumps(body).encode(), {"content-type": "application/json"})


@contextmanager
def serving(
    respond: Respond | None = None,
    *,
    headed: HeadedRespond | None = None,
    broken: list[str] | None = None,
) -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server answering every request with ``respond(method, path, body)`` (or
    ``headed(method, path, body, headers)``); yields its URL and the log of requests
    (``METHOD path``). ``broken`` gets the error of each request this server itself failed to
    answer (its connection then closes, which no check may be judged on)."""
    log: list[str] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            return

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            self._serve()

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            path = self.path.partition("?")[0]
            with lock:
                log.append(f"{self.command} {path}")
            if headed is not None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = headed(self.command, path, body, headers)
            else:
                assert respond is not None
                answer = respond(self.command, path, body)
            if answer.how == "close":  # read, never answered: the connection just closes
                self.close_connection = True
                return
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

    class Server(ThreadingHTTPServer):
        request_queue_size = 512  # every check of a session at once

        def handle_error(self, request: Any, client_address: Any) -> None:
            if broken is None:
                super().handle_error(request, client_address)
                return
            import traceback

            with lock:
                broken.append(traceback.format_exc(limit=3))

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


# -- what a user sees ------------------------------------------------------------------------------


def text(check: Mapping[str, Any]) -> str:
    fix = check.get("fix") or {}
    fix_text = fix.get("text", "") if isinstance(fix, Mapping) else str(fix)
    return (
        " | ".join(str(check.get(k) or "") for k in ("summary", "why", "hint")) + f" | {fix_text}"
    )


def own_error(shown: str) -> bool:
    return "Traceback" in shown or re.search(r"\bbug\b", shown, re.IGNORECASE) is not None


def report(pytester: pytest.Pytester, marker: str, keys: list[str]) -> list[dict[str, Any]]:
    from envcheck.llm import _pool

    try:
        result = pytester.runpytest_inprocess("-m", marker, "--envcheck-report", *STRICT)
    finally:
        _pool.close_all()
    output = result.stdout.str() + result.stderr.str()
    written = (pytester.path / "envcheck-report.json").read_text()
    leaked = [k for k in keys if k in output or k in written]
    assert not leaked, f"a key is in the output: {leaked}"
    checks: list[dict[str, Any]] = json.loads(written)["checks"]
    return checks


# -- the providers ---------------------------------------------------------------------------------

#: what a verdict on the listing (no model sent) must never say
MODEL_WORDS = ("model not found", "check the model name", "use a model this key can list")
#: what a verdict on the smoke call, after the same key's listing passed, must never say
KEY_WORDS = (
    "is not set",
    "got none",
    "set a valid key",
    "rotate the api key",
    "create a new key",
    "suspended this key",
)


def provider_problems(
    error: Error, request: str, checks: Mapping[str, dict[str, Any]]
) -> list[str]:
    """What is wrong with the verdicts of one instance that met ``error`` on ``request``."""
    asked = request.split(",")[0]
    status = {name: c["status"] for name, c in checks.items()}
    shown = {name: text(c) for name, c in checks.items()}
    failed = [n for n, s in status.items() if s in ("fail", "warn")]
    problems = []
    if any(own_error(t) for t in shown.values()):
        problems.append("envcheck's own error")
    limit = error.status in (402, 429)
    if asked == "listing" and limit:
        if status.get("auth") != "pass":
            problems.append(f"a {error.status} proves the key: auth is {status.get('auth')}")
        if status.get("headroom") not in ("fail", "warn"):
            problems.append(f"headroom does not carry the {error.status}")
    elif asked == "listing":
        for name in ("auth", "model", "headroom"):
            if status.get(name) == "pass":
                problems.append(f"{name} passed on its request's error")
        for name in failed:
            if any(w in shown[name].lower() for w in MODEL_WORDS):
                problems.append(f"{name} speaks of the model on the listing: {shown[name]}")
    else:
        for name in ("auth", "model"):
            if status.get(name) != "pass":
                problems.append(f"{name} is {status.get(name)} though its requests were healthy")
        if status.get("smoke") == "pass":
            problems.append("smoke passed on its request's error")
        if limit and status.get("headroom") not in ("fail", "warn"):
            problems.append(f"headroom does not carry the {error.status}")
        if not limit and status.get("smoke") != "fail":
            problems.append(f"smoke is {status.get('smoke')}")
        if error.status in (401, 403) and any(
            w in shown.get("smoke", "").lower() for w in KEY_WORDS
        ):
            problems.append(f"the key is blamed after its listing passed: {shown['smoke']}")
    owner = "headroom" if limit else ("auth" if asked == "listing" else "smoke")
    said = shown.get(owner, "")
    if status.get(owner) in ("fail", "warn"):
        missing = [f for f in error.fields if f not in said]
        if f"HTTP {error.status}" not in said:
            missing.append(f"HTTP {error.status}")
        if error.message[:40] not in said:
            missing.append("the message")
        if missing:
            problems.append(f"{owner} does not name {', '.join(missing)}: {said}")
    ruled_out = {"listing": "body", "call": "key"}[asked]
    # the honest fallback: what contradicts the class, or (a class no row reads) no class at all
    # ... unless the check showed the listing answers without a key (this server reads none:
    # every request is answered alike), so that the listing proved nothing of the key
    open_listing = error.means == "key" and "its model listing answers without any key" in said
    if error.means in (ruled_out, "token") and "no cause is guessed" not in said:
        if not open_listing:
            problems.append(f"{owner} is not the honest fallback: {said}")
    return problems


def _provider_responder(plans: list[tuple[Error, str]]) -> Respond:
    healthy_lists = {api: published(LISTING.get(api, "openai--models-list")) for api in MODELS}
    healthy_calls = {api: published(CALL.get(api, "openai--chat-ok")) for api in MODELS}

    def respond(method: str, path: str, body: Any) -> Answer:
        match = re.match(r"/i(\d+)(/.*)", path)
        if match is None:
            return _json(404, {"error": "no such instance"})
        error, request = plans[int(match[1])]
        asked = "listing" if method == "GET" else "call"
        if asked == request.split(",")[0]:
            return _json(error.status, error.body)
        return healthy_lists[error.api] if asked == "listing" else healthy_calls[error.api]

    return respond


def _base(url: str, api: str, i: int) -> str:
    return f"{url}/i{i}" + ("/v1" if KIND[api] == "openai" else "")


def test_every_documented_provider_error_to_every_request(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    plans = [(e, r) for e in ERRORS for r in REQUESTS]
    for variable in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    for api, key in KEYS.items():
        monkeypatch.setenv(f"SWEEP_{api.upper()}_KEY", key)
    broken: list[str] = []
    for _ in range(2):  # again, once, should this test's own server fail a request (never seen
        # twice): a connection it dropped is not an answer any check can be judged on
        broken.clear()
        with serving(_provider_responder(plans), broken=broken) as (url, log):
            pytester.makefile(
                ".toml",
                pyproject="".join(
                    f"[tool.envcheck.providers.i{i}]\n"
                    f'kind = "{KIND[e.api]}"\n'
                    f'api_key = "${{SWEEP_{e.api.upper()}_KEY}}"\n'
                    f'base_url = "{_base(url, e.api, i)}"\n'
                    f'model = "{MODELS[e.api]}"\n'
                    f"smoke = {'false' if 'smoke off' in r else 'true'}\n"
                    "cassettes = false\nretries = 0\ntimeout = 30.0\n"
                    for i, (e, r) in enumerate(plans)
                ),
            )
            checks = report(pytester, "providers", list(KEYS.values()))
        if not broken:
            break
    assert not broken, f"the sweep's server failed {len(broken)} request(s): {broken[0]}"
    sent = {re.sub(r"^(\w+) /i\d+", r"\1 ", line) for line in log}
    # the requests the checks send are the ones swept: the listing and the smoke call
    assert sent == {
        "GET /v1/models",
        "POST /v1/chat/completions",
        "POST /v1/messages",
        "GET /v1beta/models",
        "POST /v1beta/models/gemini-2.5-flash:generateContent",
    }, sent
    by_instance: dict[str, dict[str, dict[str, Any]]] = {}
    for check in checks:
        instance, _, name = check["id"].split("/", 1)[1].partition(".")
        by_instance.setdefault(instance, {})[name] = check
    problems = []
    for i, (error, request) in enumerate(plans):
        found = provider_problems(error, request, by_instance.get(f"i{i}", {}))
        problems += [f"{error.label} on the {request}: {p}" for p in found]
    assert not problems, f"{len(problems)} problems in {len(plans)} pairs:\n" + "\n".join(problems)


# -- Ollama ----------------------------------------------------------------------------------------

#: a model name Ollama's parser reads (types/model/name.go), as the sweep's names are
VALID_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*:latest$")


def _ollama_responder(version: int | None, ps: int | None) -> Respond:
    """Ollama with the sweep's models pulled: ``show-N`` answers error N to /api/show, ``gen-N``
    to /api/generate; ``version`` and ``ps`` (an error's index) answer those requests."""
    tags = published("ollama--tags")
    template = json.loads(tags.body)["models"][0]
    shown = published("ollama--show-model-info")
    generated = published("ollama--generate-ok")

    def failing(index: int, model: str) -> Answer:
        status, said, _ = OLLAMA[index]
        return _json(status, {"error": said.format(model=model)})

    def respond(method: str, path: str, body: Any) -> Answer:
        model = str((body or {}).get("model") or (body or {}).get("name") or "")
        index = re.match(r"(show|gen)-(\d+)", model)
        if path == "/api/version":
            return failing(version, "") if version is not None else published("ollama--version")
        if path == "/api/ps":
            return failing(ps, "") if ps is not None else published("ollama--ps")
        if path == "/api/tags":
            names = [f"{w}-{i}:latest" for i in range(len(OLLAMA)) for w in ("show", "gen")]
            models = [{**template, "name": n, "model": n} for n in names]
            return _json(200, {"models": models})
        if path == "/api/show":
            return failing(int(index[2]), model) if index and index[1] == "show" else shown
        if path == "/api/generate":
            return failing(int(index[2]), model) if index and index[1] == "gen" else generated
        return Answer(404, b"404 page not found", {"content-type": "text/plain"})

    return respond


def ollama_problems(
    index: int, request: str, model: str, checks: Mapping[str, dict[str, Any]]
) -> list[str]:
    status_code, said, _ = OLLAMA[index]
    words = said.format(model=model)
    owner = {
        "GET /api/version": "server",
        "POST /api/show": f"model[{model}]",
        "POST /api/generate": f"smoke[{model}]",
        "GET /api/ps": "gpu",
    }[request]
    check = checks.get(owner)
    if check is None:
        return [f"no {owner} check"]
    shown = text(check)
    problems = []
    if own_error(shown):
        problems.append(f"envcheck's own error: {shown}")
    allowed = ("fail", "warn", "skip") if owner.startswith("smoke") else ("fail", "warn")
    if check["status"] not in allowed:
        problems.append(f"{owner} is {check['status']}: {shown}")
    quoted = " ".join(words.split())[:40]
    if f"HTTP {status_code}" not in shown or quoted not in " ".join(shown.split()):
        problems.append(f"{owner} does not name HTTP {status_code} and quote the server: {shown}")
    # /api/show sends only a name, which /api/tags lists and Ollama's parser reads: a 404 ("not
    # pulled") or a 400 ("not a name") to it is contradicted, and gets the honest fallback
    if request == "POST /api/show" and status_code in (400, 404) and VALID_NAME.match(model):
        # but ShowHandler's own 404 for a listed model: a file of its store is missing
        # (routes.go:1366-1367; tests/verdicts/test_ollama_structure_audit.py), pulled again
        if status_code == 404 and said == "model '{model}' not found":
            if f"ollama pull {model}" not in shown or "blob" not in shown:
                problems.append(f"not the missing blob of the listed {model}: {shown}")
        elif "no cause is guessed" not in shown:
            problems.append(f"not the honest fallback for the pulled, valid {model}: {shown}")
    if request == "POST /api/generate" and status_code == 404 and "ollama pull" in shown:
        problems.append(f"'pull it' though /api/show described {model}: {shown}")
    if request == "GET /api/version" and "another service" in shown:
        problems.append(f"'another service' for Ollama's own error shape: {shown}")
    return problems


def _ollama_session(
    pytester: pytest.Pytester, version: int | None, ps: int | None, models: list[str]
) -> dict[str, dict[str, Any]]:
    with serving(_ollama_responder(version, ps)) as (url, _):
        toml = (
            f'[tool.envcheck.ollama]\nhost = "{url}"\nmodels = {json.dumps(models)}\n'
            "smoke = true\ncassettes = false\ntimeout = 30.0\nsmoke_timeout = 30.0\n"
        )
        pytester.makefile(".toml", pyproject=toml)
        checks = report(pytester, "ollama", [])
    return {c["id"].split("/", 1)[1]: c for c in checks}


def test_every_ollama_error_to_every_request(pytester: pytest.Pytester) -> None:
    problems, pairs = [], 0
    models = [f"{w}-{i}:latest" for i in range(len(OLLAMA)) for w in ("show", "gen")]
    # /api/version and /api/ps are asked once per session: a session per error for each
    for index in range(len(OLLAMA)):
        checks = _ollama_session(pytester, index, None, [])
        problems += [
            f"{OLLAMA[index][:2]} to GET /api/version: {p}"
            for p in ollama_problems(index, "GET /api/version", "", checks)
        ]
        pairs += 1
    for index in range(len(OLLAMA)):
        # the models' /api/show and /api/generate in the first of these sessions
        checks = _ollama_session(pytester, None, index, models if index == 0 else [])
        problems += [
            f"{OLLAMA[index][:2]} to GET /api/ps: {p}"
            for p in ollama_problems(index, "GET /api/ps", "", checks)
        ]
        pairs += 1
        if index == 0:
            for i in range(len(OLLAMA)):
                for request, model in (
                    ("POST /api/show", f"show-{i}:latest"),
                    ("POST /api/generate", f"gen-{i}:latest"),
                ):
                    found = ollama_problems(i, request, model, checks)
                    problems += [f"{OLLAMA[i][:2]} to {request}: {p}" for p in found]
                    pairs += 1
    assert not problems, f"{len(problems)} problems in {pairs} pairs:\n" + "\n".join(problems)


#: a request read and never answered: the connection closes (a server that crashed mid-request)
CLOSED = Answer(0, b"", how="close")


def test_a_connection_closed_mid_request_is_not_a_missing_server(
    pytester: pytest.Pytester,
) -> None:
    """The server answered the other requests; one of them is read and the connection closed:
    the check that sent it fails saying so, never "no Ollama answers" nor "start it"."""

    def closing(target: str) -> Respond:
        healthy = _ollama_responder(None, None)

        def respond(method: str, path: str, body: Any) -> Answer:
            model = str((body or {}).get("model") or "")
            if f"{method} {path}" == target:
                return CLOSED
            if target == "model" and (  # show of close-N, generate of closegen-N
                model.startswith("close-") or (path == "/api/generate" and "closegen" in model)
            ):
                return CLOSED
            return healthy(method, path, body)

        return respond

    problems = []
    for target, models, owners in (
        ("GET /api/version", [], ["server"]),
        ("GET /api/ps", ["show-0:latest"], ["gpu"]),
        (
            "model",
            ["close-0:latest", "closegen-0:latest"],
            ["model[close-0:latest]", "smoke[closegen-0:latest]"],
        ),
    ):
        with serving(closing(target)) as (url, _):
            toml = (
                f'[tool.envcheck.ollama]\nhost = "{url}"\nmodels = {json.dumps(models)}\n'
                "smoke = true\ncassettes = false\ntimeout = 30.0\nsmoke_timeout = 30.0\n"
            )
            pytester.makefile(".toml", pyproject=toml)
            checks = {c["id"].split("/", 1)[1]: c for c in report(pytester, "ollama", [])}
        for owner in owners:
            shown = text(checks[owner])
            if checks[owner]["status"] != "fail" or "closed the connection" not in shown:
                problems.append(f"{target}: {owner} is {checks[owner]['status']}: {shown}")
            if "start it: ollama serve" in shown or "no Ollama server answers" in shown:
                problems.append(f"{target}: {owner} says no server answers: {shown}")
            if own_error(shown):
                problems.append(f"{target}: {owner}: envcheck's own error: {shown}")
    assert not problems, "\n".join(problems)
