"""The OpenAI-compatible servers users point ``base_url`` at, swept from their own source code
(issue 22): for each server, every answer its source writes to the two requests the checks send
(``GET /v1/models``, ``POST /v1/chat/completions``), built exactly as that source builds it, and
its healthy answers with the fields it adds to OpenAI's.

The servers and where each answer is written (kept as data below, each pair with its file):

- vLLM (vllm-project/vllm, ``vllm/entrypoints/openai/engine/serving.py``
  ``create_error_response``/``_check_model``/``_validate_input``, ``engine/protocol.py``
  ``ErrorResponse{error: ErrorInfo{message, type, param, code: int}}``, the flat
  ``{"object": "error", ...}`` of the releases before it, ``api_server.py``'s
  ``AuthenticationMiddleware`` ``{"error": "Unauthorized"}`` for every ``/v1`` path);
- llama.cpp's server (ggml-org/llama.cpp, ``tools/server/utils.hpp`` ``format_error_response``:
  ``{"error": {"code", "message", "type"}}`` with the error type's status; ``server.cpp``'s
  middlewares: ``/v1/models`` is public (no key asked) and answered while the model loads, so
  "Invalid API Key" and "Loading model" meet only the chat call; ``exceed_context_size_error``
  with ``n_prompt_tokens`` and ``n_ctx``; ``--embeddings`` servers' 501; its 404 handler);
- LiteLLM's proxy (BerriAI/litellm, ``litellm/proxy/_types.py`` ``ProxyException``:
  ``{"error": {"message", "type", "param", "code": "<status as a string>"}}``;
  ``proxy/auth/auth_exception_handler.py``: ``budget_exceeded`` at 400, ``auth_error`` with the
  HTTPException's status; ``auth_checks.py``: ``key_model_access_denied``);
- Hugging Face TGI (huggingface/text-generation-inference at db931fc, ``router/src/server.rs``
  ``From<InferError>``: ``{"error", "error_type"}`` with 424 generation, 429 overloaded, 422
  validation, 500 incomplete_generation; ``router/src/validation.rs`` for the words);
- Ollama's ``/v1`` (ollama/ollama at fb30760, ``openai/openai.go`` ``NewError``: type
  ``invalid_request_error`` at 400, ``not_found_error`` at 404, ``api_error`` otherwise, ``param``
  and ``code`` null; ``middleware/openai.go`` wraps the native ``{"error": "<text>"}`` of
  ``server/routes.go``, ``server/sched.go``, ``llm/server.go``);
- hosted services' healthy answers with their own fields (Groq's listing and ``x_groq``,
  Mistral's ``capabilities``); their error shapes are rows of docs/verdicts/providers.md already
  (together-*, groq-*, mistral-*, fireworks-*, xai-*, openrouter-*), as are LM Studio's (its server
  is not public source: ``lmstudio-404-no-models-loaded``,
  ``heldout--lmstudio-404-model-not-found``).

One local server answers, per instance (``/iN/...``), the one request of the pair with the
server's answer and every other with that server's healthy answers (its listing shape, its chat
answer, and its own answer to ``GET /api/version`` at ``base_url``'s root: Ollama's version, the
others' 404), in one in-process envcheck session.

For every pair: never envcheck's own error, never the key; a healthy pair passes every check; an
answer's check fails (``auth`` on the listing, ``smoke`` on the call; ``headroom`` for a limit)
and the checks whose requests were answered pass; the failing check names the status, the
server's type/code and quotes its words; where the answer's structure establishes its meaning
(``says``: a key refused by a server whose listing asks none, a budget, a context size, a server
not signed in), the verdict says it and its fix; nowhere (``never``) a cause the structure
rules out (the key blamed where the key was accepted, a quota for a server's own queue).

29 pairs: 22 answers (vLLM 6, llama.cpp 5, LiteLLM 4, TGI 4, Ollama's ``/v1`` 3) and 7 healthy
neighbours (vLLM, llama.cpp, LiteLLM, TGI, Ollama, Groq, Mistral), one envcheck session, and a
second that runs the printed ``base_url``.

Committed before envcheck's first run (b26a9fa). That commit's run had every smoke check missing
(the instances lacked ``smoke = true``) and asked the key fix for the words ``api_key`` where
envcheck names the variable (``SWEEP_COMPAT_KEY``): both corrected in the test, nothing in
envcheck, before the graded run. One pair was dropped as not the server's: vLLM's
``AuthenticationMiddleware`` guards ``/v1/models`` too, so its 401 never meets a call after a
passing listing (the first run gave it "open the model to the key's account in the console").

First run, graded for substance (envcheck at b26a9fa; 30 pairs then, 29 kept): 19 of 29 fully
right (12 answers and the 7 neighbours: vLLM's 401 to the listing, its ``max_tokens`` 400, its
flat ``ErrorResponse`` without a chat template and its 500 as the honest fallback, a served name
the listing lacks, llama.cpp's "Loading model" 503 and ``--embeddings`` 501, LiteLLM's
``auth_error`` and ``budget_exceeded`` to either request (auth passes, headroom fails), Ollama's
runner and queue errors), 8 partly, 2 wrong:

- wrong: TGI's 429 ``{"error": "Model is overloaded", "error_type": "overloaded"}`` was "HTTP 429
  without a structured reason ... look at the account's limits and credits (in i16's console)"
  (the server's own queue; ``error_type`` not read); Ollama's ``/v1`` 401 ``api_error``
  "unauthorized" (a cloud model, the server not signed in) was "the key is accepted, calling this
  model is not open to it ... open it to the key's account in the console" (Ollama reads no key);
- partly: llama.cpp's "Invalid API Key" to the call was the honest fallback saying the answer
  "contradicts" the passing listing, which llama.cpp answers without any key; vLLM's
  ``param=input_tokens`` 400 was the fallback though the parameter is vLLM's context check;
  llama.cpp's ``exceed_context_size_error`` named four servers' flags and not its ``n_ctx``;
  llama.cpp's 404 "File Not Found" at ``base_url = ".../api/v1"`` was "check base_url"; LiteLLM's
  ``key_model_access_denied`` was "open the model to the key's account in the console (activate
  it, or a plan)"; TGI's 422 ``validation``, 424 ``generation`` and 500
  ``incomplete_generation`` did not name ``error_type``.

After the fixes, from structure: 29 of 29. TGI's top-level ``error_type`` is read as the answer's
type (``error_type=...`` named), and ``overloaded`` at 429 is the server's queue (fix: retry, or
``--max-concurrent-requests``); a 401 ``authentication_error`` to the call from a server whose
listing answers without the key (asked, without it) is the key, fixed with the key the server was
started with; an ``api_error`` 401 from a ``base_url`` whose root answers Ollama's
``/api/version`` is Ollama's sign-in (``ollama signin``); ``param=input_tokens`` at 400 is the
context window (``--max-model-len``), ``exceed_context_size_error`` names llama.cpp's
``--ctx-size`` and its ``n_ctx``; LiteLLM's ``*_model_access_denied`` is the proxy's access list
(its administrator adds the model, or another model); a JSON 404 to the listing at a path the
server does not serve, whose origin lists models at ``/v1`` without the key, prints that
``base_url``, which the second session runs and passes.

Cost: 1 test, two in-process envcheck sessions against one local server; 4.3 s CPU (user +
system) for the file with pytest's start.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.verdicts.replay import Answer
from tests.verdicts.test_providers_sweep import (
    KEYS,
    HeadedRespond,
    own_error,
    report,
    serving,
    text,
)

VLLM = "https://github.com/vllm-project/vllm/blob/main/vllm/entrypoints/openai"
LLAMACPP = "https://github.com/ggml-org/llama.cpp/blob/master/tools/server"
LITELLM = "https://github.com/BerriAI/litellm/blob/main/litellm/proxy"
TGI = (
    "https://github.com/huggingface/text-generation-inference/blob/"
    "db931fcf42da018a3657580c64bf2720f167f9ab/router/src"
)
OLLAMA = "https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7"
GROQ = "https://console.groq.com/docs/api-reference#models-list"
MISTRAL = "https://docs.mistral.ai/api/#tag/models/operation/list_models_v1_models_get"

KEY = KEYS["compat"]
#: the model each server serves, as its listing names it
MODEL = {
    "vllm": "Qwen/Qwen2.5-1.5B-Instruct",
    "llamacpp": "gemma-3-1b-it",
    "litellm": "gpt-4o-mini",
    "tgi": "meta-llama/Llama-3.1-8B-Instruct",
    "ollama": "llama3.2:latest",
    "groq": "llama-3.1-8b-instant",
    "mistral": "mistral-small-latest",
}
CREATED = 1733000000


def _listing(server: str, model: str) -> Any:
    """The server's own healthy ``GET /v1/models`` answer, with the fields it adds."""
    if server == "vllm":  # models/serving.py show_available_models: ModelCard
        permission = {
            "id": "modelperm-0f1e2d3c4b5a",
            "object": "model_permission",
            "created": CREATED,
            "allow_create_engine": False,
            "allow_sampling": True,
            "allow_logprobs": True,
            "allow_search_indices": False,
            "allow_view": True,
            "allow_fine_tuning": False,
            "organization": "*",
            "group": None,
            "is_blocking": False,
        }
        card = {"id": model, "object": "model", "created": CREATED, "owned_by": "vllm"}
        card |= {"root": model, "parent": None, "max_model_len": 32768, "permission": [permission]}
        return {"object": "list", "data": [card]}
    if server == "llamacpp":  # server.cpp handle_models: "models" (Ollama-style) and "data"
        meta = {"vocab_type": 1, "n_vocab": 262144, "n_ctx_train": 32768, "n_embd": 1152}
        return {
            "models": [
                {
                    "name": model,
                    "model": model,
                    "modified_at": "",
                    "size": "",
                    "digest": "",
                    "type": "model",
                    "description": "",
                    "tags": [""],
                    "capabilities": ["completion"],
                    "parameters": "",
                    "details": {
                        "parent_model": "",
                        "format": "gguf",
                        "family": "",
                        "families": [""],
                        "parameter_size": "",
                        "quantization_level": "",
                    },
                }
            ],
            "object": "list",
            "data": [
                {
                    "id": model,
                    "object": "model",
                    "created": CREATED,
                    "owned_by": "llamacpp",
                    "meta": meta | {"n_params": 999885952, "size": 806058240},
                }
            ],
        }
    if server == "tgi":  # server.rs openai_get_model_info: owned_by is the model id
        card = {"id": model, "object": "model", "created": CREATED, "owned_by": model}
        return {"object": "list", "data": [card]}
    if server == "ollama":  # openai/openai.go ToListCompletion
        card = {"id": model, "object": "model", "created": CREATED, "owned_by": "library"}
        return {"object": "list", "data": [card]}
    if server == "groq":
        card = {"id": model, "object": "model", "created": 1693721698, "owned_by": "Meta"}
        card |= {"active": True, "context_window": 131072, "public_apps": None}
        card |= {"max_completion_tokens": 131072}
        return {"object": "list", "data": [card]}
    if server == "mistral":
        capabilities = {
            "completion_chat": True,
            "completion_fim": False,
            "function_calling": True,
            "fine_tuning": True,
            "vision": True,
            "classification": False,
        }
        card = {"id": model, "object": "model", "created": CREATED, "owned_by": "mistralai"}
        card |= {"capabilities": capabilities, "name": "mistral-small-2506", "aliases": []}
        card |= {"description": "Our efficient small model", "max_context_length": 131072}
        card |= {"deprecation": None, "default_model_temperature": 0.3, "type": "base"}
        return {"object": "list", "data": [card]}
    # LiteLLM's proxy: /v1/models as OpenAI's, owned_by from the deployment's provider
    card = {"id": model, "object": "model", "created": 1677610602, "owned_by": "openai"}
    return {"data": [card], "object": "list"}


def _chat(server: str, model: str) -> Any:
    """The server's own healthy chat answer to envcheck's smoke call (max_tokens 5)."""
    message: dict[str, Any] = {"role": "assistant", "content": "Hello! How can"}
    choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": "length"}
    usage: dict[str, Any] = {"prompt_tokens": 9, "completion_tokens": 5, "total_tokens": 14}
    answer: dict[str, Any] = {
        "id": "chatcmpl-sweep0001",
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [choice],
        "usage": usage,
    }
    if server == "vllm":  # chat_completion/protocol.py ChatCompletionResponse
        message |= {"refusal": None, "annotations": None, "audio": None, "function_call": None}
        message |= {"tool_calls": [], "reasoning_content": None}
        choice |= {"logprobs": None, "stop_reason": None}
        usage["prompt_tokens_details"] = None
        answer |= {"service_tier": None, "system_fingerprint": None}
        answer |= {"prompt_logprobs": None, "prompt_token_ids": None, "kv_transfer_params": None}
    elif server == "llamacpp":  # server.cpp to_json_oaicompat_chat: timings, fingerprint
        answer |= {"system_fingerprint": "b5920-4a5686da"}
        answer["timings"] = {
            "prompt_n": 9,
            "prompt_ms": 21.3,
            "prompt_per_token_ms": 2.37,
            "prompt_per_second": 422.5,
            "predicted_n": 5,
            "predicted_ms": 48.1,
            "predicted_per_token_ms": 9.62,
            "predicted_per_second": 103.9,
        }
    elif server == "tgi":  # lib.rs ChatCompletion: system_fingerprint is the version
        choice["logprobs"] = None
        answer |= {"system_fingerprint": "3.3.6-sha-db931fc"}
    elif server == "ollama":
        answer |= {"system_fingerprint": "fp_ollama"}
    elif server == "groq":
        usage |= {"queue_time": 0.012, "prompt_time": 0.002, "completion_time": 0.004}
        answer |= {"system_fingerprint": "fp_a4265e44d5", "x_groq": {"id": "req_01sweep"}}
    elif server == "litellm":
        usage |= {"completion_tokens_details": None, "prompt_tokens_details": None}
        answer |= {"system_fingerprint": None}
    return answer


def _not_found(server: str) -> Answer:
    """What the server answers to a path it does not route (``GET /api/version`` of the root)."""
    if server == "ollama":
        return _json(200, {"version": "0.12.6"})
    if server == "llamacpp":
        return _json(
            404, {"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}}
        )
    if server == "tgi":  # axum's fallback: an empty 404
        return Answer(404, b"", {})
    return _json(404, {"detail": "Not Found"})  # FastAPI (vLLM, LiteLLM); the hosted ones


def _json(status: int, body: Any) -> Answer:
    return Answer(status, json.dumps(body).encode(), {"content-type": "application/json"})


@dataclass(frozen=True)
class Pair:
    """One answer a server's source writes to one request, and what its verdict must hold."""

    server: str
    kind: str  # what the answer is, in the server's own terms
    request: str  # "listing" | "call" | "healthy"
    status: int = 200
    body: Any = None
    source: str = ""
    fields: tuple[str, ...] = ()  # the server's type/code the failing check must name
    message: str = ""  # the server's words the failing check must quote
    owner: str = ""  # the check that must fail (auth, smoke, headroom); "" for healthy
    says: tuple[str, ...] = ()  # where the structure establishes the meaning: its words
    fix: tuple[str, ...] = ()  # ... and its fix's
    never: tuple[str, ...] = ()  # a cause the structure rules out
    path: str = "/v1"  # base_url's path under the instance
    passing: tuple[str, ...] = field(default=("auth", "model"))  # answered checks that pass

    @property
    def label(self) -> str:
        return f"{self.server} {self.request} {self.status} {self.kind}"


def vllm_error(status: int, kind: str, message: str, param: str | None = None) -> Any:
    return {"error": {"message": message, "type": kind, "param": param, "code": status}}


def llamacpp_error(status: int, kind: str, message: str, **extra: Any) -> Any:
    return {"error": {"code": status, "message": message, "type": kind, **extra}}


def litellm_error(status: int, kind: str, message: str, param: str | None) -> Any:
    return {"error": {"message": message, "type": kind, "param": param, "code": str(status)}}


def ollama_error(status: int, message: str) -> Any:
    kind = {400: "invalid_request_error", 404: "not_found_error"}.get(status, "api_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


#: what a verdict on a call whose key the server accepted must never say
KEY_BLAME = ("set a valid key", "rotate the api key", "create a new key", "is not set")
V_MAXTOK = (
    "'max_tokens' or 'max_completion_tokens' is too large: 5. This model's maximum context length "
    "is 12 tokens and your request has 9 input tokens (5 > 12 - 9). (parameter=max_tokens, value=5)"
)
V_INPUT = (
    "This model's maximum context length is 8 tokens. However, your request has 9 input tokens. "
    "Please reduce the length of the input messages. (parameter=input_tokens, value=9)"
)
V_TEMPLATE = (
    "As of transformers v4.44, default chat template is no longer allowed, so you must provide a "
    "chat template if the tokenizer does not define one."
)
L_CONTEXT = "the request exceeds the available context size, try increasing it"
L_EMBED = "This server does not support completions. Start it without `--embeddings`"
LL_KEY = (
    "Authentication Error, Invalid proxy server token passed. Received API Key = sk-...0004, Key "
    "Hash (Token) =3b4c5d6e7f. Unable to find token in cache or `LiteLLM_VerificationTokenTable`"
)
LL_BUDGET = "Budget has been exceeded! Current cost: 10.0023, Max budget: 10.0"
LL_MODEL = (
    "key not allowed to access model. This key can only access models=['gpt-4o']. Tried to "
    "access gpt-4o-mini"
)
TGI_VALID = (
    "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 12. Given: 9 `inputs` "
    "tokens and 5 `max_new_tokens`"
)
TGI_GEN = (
    "Request failed during generation: Server error: CUDA out of memory. Tried to allocate "
    "20.00 MiB"
)
O_MEMORY = "model requires more system memory (7.1 GiB) than is available (3.2 GiB)"
O_BUSY = "server busy, please try again.  maximum pending requests exceeded"

PAIRS = [
    # -- vLLM ------------------------------------------------------------------------------------
    Pair(
        "vllm",
        "AuthenticationMiddleware (--api-key)",
        "listing",
        401,
        {"error": "Unauthorized"},
        f"{VLLM}/api_server.py (AuthenticationMiddleware)",
        (),
        "Unauthorized",
        "auth",
        says=("401",),
        fix=("SWEEP_COMPAT_KEY",),
        passing=(),
    ),
    Pair(
        "vllm",
        "max_tokens over max_model_len",
        "call",
        400,
        vllm_error(400, "BadRequestError", V_MAXTOK, "max_tokens"),
        f"{VLLM}/engine/serving.py (_validate_input, VLLMValidationError)",
        ("BadRequestError", "max_tokens"),
        V_MAXTOK,
        "smoke",
    ),
    Pair(
        "vllm",
        "input over max_model_len",
        "call",
        400,
        vllm_error(400, "BadRequestError", V_INPUT, "input_tokens"),
        f"{VLLM}/engine/serving.py (_validate_input, VLLMValidationError)",
        ("BadRequestError", "input_tokens"),
        V_INPUT,
        "smoke",
        says=("context window",),
        fix=("--max-model-len",),
        never=KEY_BLAME,
    ),
    Pair(
        "vllm",
        "no chat template (flat ErrorResponse, before 0.10)",
        "call",
        400,
        {
            "object": "error",
            "message": V_TEMPLATE,
            "type": "BadRequestError",
            "param": None,
            "code": 400,
        },
        f"{VLLM}/protocol.py (ErrorResponse, object='error'); vllm/entrypoints/chat_utils.py",
        ("BadRequestError",),
        V_TEMPLATE,
        "smoke",
    ),
    Pair(
        "vllm",
        "GenerationError",
        "call",
        500,
        vllm_error(500, "InternalServerError", "Internal server error"),
        f"{VLLM}/engine/serving.py (GenerationError -> create_error_response)",
        ("InternalServerError",),
        "Internal server error",
        "smoke",
    ),
    Pair(
        "vllm",
        "model not served (listing lacks it)",
        "listing-lacks",
        source=f"{VLLM}/models/serving.py (check_model: NotFoundError, param model)",
        owner="model",
        says=("qwen2.5-1.5b",),
        fix=(MODEL["vllm"],),
        passing=("auth",),
    ),
    # -- llama.cpp -------------------------------------------------------------------------------
    Pair(
        "llamacpp",
        "Invalid API Key (listing public)",
        "call",
        401,
        llamacpp_error(401, "authentication_error", "Invalid API Key"),
        f"{LLAMACPP}/server.cpp (middleware_validate_api_key; /v1/models is public)",
        ("authentication_error",),
        "Invalid API Key",
        "smoke",
        says=("key was refused", "without any key"),
        fix=("SWEEP_COMPAT_KEY", "--api-key"),
        never=("contradicts", "console"),
    ),
    Pair(
        "llamacpp",
        "Loading model (listing answered)",
        "call",
        503,
        llamacpp_error(503, "unavailable_error", "Loading model"),
        f"{LLAMACPP}/server.cpp (middleware_server_state)",
        ("unavailable_error",),
        "Loading model",
        "smoke",
        never=KEY_BLAME,
    ),
    Pair(
        "llamacpp",
        "exceed_context_size_error",
        "call",
        400,
        llamacpp_error(400, "exceed_context_size_error", L_CONTEXT, n_prompt_tokens=9, n_ctx=8),
        f"{LLAMACPP}/utils.hpp (format_error_response); server-context.cpp (n_ctx)",
        ("exceed_context_size_error",),
        L_CONTEXT,
        "smoke",
        says=("8",),
        fix=("--ctx-size",),
        never=KEY_BLAME,
    ),
    Pair(
        "llamacpp",
        "--embeddings server",
        "call",
        501,
        llamacpp_error(501, "not_supported_error", L_EMBED),
        f"{LLAMACPP}/server.cpp (handle_completions_impl)",
        ("not_supported_error",),
        L_EMBED,
        "smoke",
        fix=("--embeddings",),
    ),
    Pair(
        "llamacpp",
        "404 handler (base_url's path not routed)",
        "listing",
        404,
        llamacpp_error(404, "not_found_error", "File Not Found"),
        f"{LLAMACPP}/server.cpp (set_error_handler: 404 File Not Found)",
        ("not_found_error",),
        "File Not Found",
        "auth",
        says=("wrong base_url",),
        fix=('set base_url = "http://127.0.0.1:', '/v1"'),
        path="/api/v1",
        passing=(),
    ),
    # -- LiteLLM proxy ---------------------------------------------------------------------------
    Pair(
        "litellm",
        "auth_error (virtual key unknown)",
        "listing",
        401,
        litellm_error(401, "auth_error", LL_KEY, "None"),
        f"{LITELLM}/auth/auth_exception_handler.py (HTTPException -> ProxyException auth_error)",
        ("auth_error",),
        LL_KEY,
        "auth",
        fix=("SWEEP_COMPAT_KEY",),
        passing=(),
    ),
    Pair(
        "litellm",
        "budget_exceeded",
        "listing",
        400,
        litellm_error(400, "budget_exceeded", LL_BUDGET, None),
        f"{LITELLM}/auth/auth_exception_handler.py (BudgetExceededError -> 400 budget_exceeded)",
        ("budget_exceeded",),
        LL_BUDGET,
        "headroom",
        says=("budget",),
        never=KEY_BLAME,
        passing=("auth",),
    ),
    Pair(
        "litellm",
        "budget_exceeded",
        "call",
        400,
        litellm_error(400, "budget_exceeded", LL_BUDGET, None),
        f"{LITELLM}/auth/auth_exception_handler.py (BudgetExceededError -> 400 budget_exceeded)",
        ("budget_exceeded",),
        LL_BUDGET,
        "headroom",
        says=("budget",),
        never=KEY_BLAME,
    ),
    Pair(
        "litellm",
        "key_model_access_denied",
        "call",
        401,
        litellm_error(401, "key_model_access_denied", LL_MODEL, "model"),
        f"{LITELLM}/auth/auth_checks.py (can_key_call_model: key_model_access_denied)",
        ("key_model_access_denied",),
        LL_MODEL,
        "smoke",
        says=("not open to this key",),
        fix=("administers the proxy",),
        never=(*KEY_BLAME, "console", "plan"),
    ),
    # -- TGI -------------------------------------------------------------------------------------
    Pair(
        "tgi",
        "overloaded",
        "call",
        429,
        {"error": "Model is overloaded", "error_type": "overloaded"},
        f"{TGI}/server.rs (From<InferError>: Overloaded -> 429)",
        ("overloaded",),
        "Model is overloaded",
        "headroom",
        says=("queue is full",),
        fix=("--max-concurrent-requests",),
        never=("quota", "billing", "credits", "account's limits"),
    ),
    Pair(
        "tgi",
        "validation",
        "call",
        422,
        {"error": TGI_VALID, "error_type": "validation"},
        f"{TGI}/server.rs (ValidationError -> 422); validation.rs (MaxTotalTokens)",
        ("validation",),
        TGI_VALID,
        "smoke",
        never=KEY_BLAME,
    ),
    Pair(
        "tgi",
        "generation",
        "call",
        424,
        {"error": TGI_GEN, "error_type": "generation"},
        f"{TGI}/server.rs (GenerationError -> 424 FAILED_DEPENDENCY)",
        ("generation",),
        TGI_GEN,
        "smoke",
        never=KEY_BLAME,
    ),
    Pair(
        "tgi",
        "incomplete_generation",
        "call",
        500,
        {"error": "Incomplete generation", "error_type": "incomplete_generation"},
        f"{TGI}/server.rs (IncompleteGeneration -> 500)",
        ("incomplete_generation",),
        "Incomplete generation",
        "smoke",
    ),
    # -- Ollama's /v1 ----------------------------------------------------------------------------
    Pair(
        "ollama",
        "runner: not enough memory",
        "call",
        500,
        ollama_error(500, O_MEMORY),
        f"{OLLAMA}/openai/openai.go (NewError); llm/server.go",
        ("api_error",),
        O_MEMORY,
        "smoke",
        never=KEY_BLAME,
    ),
    Pair(
        "ollama",
        "scheduler queue full",
        "call",
        503,
        ollama_error(503, O_BUSY),
        f"{OLLAMA}/openai/openai.go (NewError); server/sched.go (ErrMaxQueue)",
        ("api_error",),
        O_BUSY,
        "smoke",
        never=KEY_BLAME,
    ),
    Pair(
        "ollama",
        "cloud model, server not signed in",
        "call",
        401,
        ollama_error(401, "unauthorized"),
        f"{OLLAMA}/server/routes.go (ChatHandler: 401 unauthorized, signin_url); openai/openai.go",
        ("api_error",),
        "unauthorized",
        "smoke",
        says=("Ollama",),
        fix=("ollama signin",),
        never=KEY_BLAME,
    ),
    # -- healthy neighbours: the servers' own answers with their extra fields ----------------------
    Pair("vllm", "listing and chat", "healthy", source=f"{VLLM}/models/serving.py"),
    Pair("llamacpp", "listing and chat", "healthy", source=f"{LLAMACPP}/server.cpp"),
    Pair("litellm", "listing and chat", "healthy", source=f"{LITELLM}/proxy_server.py"),
    Pair("tgi", "listing and chat", "healthy", source=f"{TGI}/server.rs"),
    Pair("ollama", "listing and chat", "healthy", source=f"{OLLAMA}/openai/openai.go"),
    Pair("groq", "listing and chat", "healthy", source=GROQ),
    Pair("mistral", "listing and chat", "healthy", source=MISTRAL),
]


def _model(pair: Pair) -> str:
    return "qwen2.5-1.5b" if pair.request == "listing-lacks" else MODEL[pair.server]


#: the servers whose model listing asks the key (vLLM only when started with --api-key):
#: without one they answer their own 401
GUARDED = {
    "vllm": {"error": "Unauthorized"},
    "litellm": litellm_error(
        401, "auth_error", "Authentication Error, No api key passed in.", "None"
    ),
    "groq": {
        "error": {
            "message": "Invalid API Key",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    },
    "mistral": {"message": "Unauthorized", "request_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"},
}


def _guarded(pair: Pair) -> bool:
    if pair.server == "vllm":
        return pair.kind.startswith("AuthenticationMiddleware")
    return pair.server in GUARDED


#: the pair whose base_url names a path its server does not serve (the server's root is its own)
ORIGIN = next(p for p in PAIRS if p.path != "/v1")


def _responder() -> HeadedRespond:
    def respond(method: str, path: str, body: Any, headers: Mapping[str, str]) -> Answer:
        match = re.match(r"/i(\d+)(/.*)", path)
        # the server root is the origin of the pair whose base_url is not its API's path
        pair, rest = (PAIRS[int(match[1])], match[2]) if match else (ORIGIN, path)
        # every server serves its API at /v1; another path gets its own not-found answer
        asked = {"GET /v1/models": "listing", "POST /v1/chat/completions": "call"}.get(
            f"{method} {rest}"
        )
        if asked is None:
            return _not_found(pair.server)
        if "authorization" not in headers and _guarded(pair):
            return _json(401, GUARDED[pair.server])
        if asked == pair.request and match and pair.path == "/v1":
            wire = pair.body if isinstance(pair.body, str) else json.dumps(pair.body)
            return Answer(pair.status, wire.encode(), {"content-type": "application/json"})
        if asked == "listing":
            return _json(200, _listing(pair.server, MODEL[pair.server]))
        return _json(200, _chat(pair.server, (body or {}).get("model", "")))

    return respond


def problems(pair: Pair, checks: Mapping[str, dict[str, Any]]) -> list[str]:
    """What is wrong with one pair's verdicts."""
    status = {name: c["status"] for name, c in checks.items()}
    shown = {name: text(c) for name, c in checks.items()}
    found = [f"envcheck's own error in {n}" for n, t in shown.items() if own_error(t)]
    if pair.request == "healthy":
        found += [f"{n} is {s}: {shown[n]}" for n, s in status.items() if s in ("fail", "warn")]
        return found
    found += [
        f"{n} is {status.get(n)} though its request was answered: {shown.get(n)}"
        for n in pair.passing
        if status.get(n) != "pass"
    ]
    said = shown.get(pair.owner, "")
    if status.get(pair.owner) not in ("fail", "warn"):
        found.append(f"{pair.owner} is {status.get(pair.owner)}: {said}")
        return found
    if pair.status != 200:
        missing = [f for f in pair.fields if f"={f}" not in said]
        missing += [] if f"HTTP {pair.status}" in said else [f"HTTP {pair.status}"]
        missing += [] if pair.message[:40] in said else ["the message"]
        if missing:
            found.append(f"{pair.owner} does not name {', '.join(missing)}: {said}")
    cause = " ".join(str(checks[pair.owner].get(k) or "") for k in ("summary", "why"))
    remedy = " | ".join(said.split(" | ")[2:])
    found += [f"the cause does not say {w!r}: {said}" for w in pair.says if w not in cause]
    found += [f"the fix does not hold {w!r}: {said}" for w in pair.fix if w not in remedy]
    found += [f"says {w!r}: {said}" for w in pair.never if w.lower() in said.lower()]
    return found


def _session(pytester: pytest.Pytester, url: str, bases: dict[str, tuple[str, str]]) -> Any:
    """One in-process envcheck session over instances ``name -> (base_url, model)``; the checks
    by instance, then by check."""
    pytester.makefile(
        ".toml",
        pyproject="".join(
            f"[tool.envcheck.providers.{name}]\n"
            'kind = "openai"\n'
            'api_key = "${SWEEP_COMPAT_KEY}"\n'
            f'base_url = "{base}"\n'
            f'model = "{model}"\n'
            "smoke = true\ncassettes = false\nretries = 0\ntimeout = 30.0\n"
            for name, (base, model) in bases.items()
        ),
    )
    by_instance: dict[str, dict[str, dict[str, Any]]] = {}
    for check in report(pytester, "providers", [KEY]):
        instance, _, name = check["id"].split("/", 1)[1].partition(".")
        by_instance.setdefault(instance, {})[name] = check
    return by_instance


def test_every_compat_server_answer_to_every_request(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("NO_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(variable, raising=False)
        monkeypatch.delenv(variable.lower(), raising=False)
    monkeypatch.setenv("SWEEP_COMPAT_KEY", KEY)
    with serving(headed=_responder()) as (url, _):
        bases = {f"i{i}": (f"{url}/i{i}{p.path}", _model(p)) for i, p in enumerate(PAIRS)}
        by_instance = _session(pytester, url, bases)
        wrong = []
        for i, pair in enumerate(PAIRS):
            wrong += [f"{pair.label}: {p}" for p in problems(pair, by_instance.get(f"i{i}", {}))]
        assert not wrong, f"{len(wrong)} problems in {len(PAIRS)} pairs:\n" + "\n".join(wrong)
        # the printed base_url, run: the same server's API where its listing says it is
        origin = by_instance[f"i{PAIRS.index(ORIGIN)}"]["auth"]
        printed = re.search(r'set base_url = "([^"]+)"', text(origin))
        assert printed is not None and printed[1] == f"{url}/v1", text(origin)
        fixed = _session(pytester, url, {"fixed": (printed[1], MODEL[ORIGIN.server])})["fixed"]
        assert {n: c["status"] for n, c in fixed.items() if n != "key"} == {
            "auth": "pass",
            "model": "pass",
            "smoke": "pass",
            "headroom": "pass",
        }, {n: text(c) for n, c in fixed.items()}
