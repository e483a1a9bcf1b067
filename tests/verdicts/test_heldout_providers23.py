"""The twenty-third held-out set for LLM providers (issue 22): answers of the OpenAI-compatible
servers users run themselves, taken from their SOURCE CODE, so each body is exactly what the server
writes: a LiteLLM proxy's virtual key past its expiry (``expired_key``), a LiteLLM proxy with a
master key and no database refusing any other key (``no_db_connection``), llama.cpp's
``llama-server`` in router mode (several models, started with ``--no-models-autoload``) asked to
run a model it lists as ``unloaded``, and Hugging Face TGI serving a model without a chat template
(``template_error``). Kinds no row of docs/verdicts/providers.md lists, no earlier held-out set made
(test_heldout.py's eight, 9 to 22), and no sweep covers (test_providers_sweep.py,
test_providers_http_sweep.py, test_providers_capability_sweep.py, test_compat_servers_sweep.py,
test_client_settings_sweep.py). Grepped before choosing, in both tables, every earlier set, the
sweeps, replays/SOURCES.md, src/envcheck/mock/data/SOURCES.md, src/envcheck/llm and
src/envcheck/checks/providers: ``Expired Key``/``expired_key`` (only Gemini's "API key expired"
of the second set), ``no_db_connection``, ``No connected db``, ``model is not loaded``,
``unloaded``, ``models/load``, ``template_error``, ``Template error``, ``tokenizer-config``
(none found). Found, so dropped: vLLM's 404 for a name it does not serve and its "does not support
Chat Completions API" (vllm-404-model, capability--vllm-400-no-chat-completions), vLLM's
``input_tokens``/``max_tokens`` 400s, llama.cpp's "Loading model" 503, ``--embeddings`` 501,
``exceed_context_size_error`` and 404 handler, LiteLLM's ``auth_error``, ``budget_exceeded`` and
``*_model_access_denied``, TGI's ``overloaded``/``validation``/``generation``/
``incomplete_generation``, Ollama's ``/v1`` memory, queue and sign-in answers (the compat sweep's
pairs); Ollama's "does not support chat" (capability sweep). Dropped for want of a structured
field: LiteLLM's blocked key ("Key is blocked. Update via `/key/unblock`", an ``auth_error`` like
any other), llama.cpp's router's "proxy error: ..." (a plain-text 500).

Where each answer is written (every body built as that source builds it; the file and line or
function in ``replays/SOURCES.md`` and in each replay's ``source.note``):

- LiteLLM (BerriAI/litellm at 0009d07f, ``litellm/proxy/auth/user_api_key_auth.py``,
  ``_user_api_key_auth_builder``): "Check 3. If token is expired" raises ``ProxyException(message=
  "Authentication Error - Expired Key. Key Expiry time {expiry_time} and current time
  {current_time}", type=ProxyErrorTypes.expired_key, code=401, param=abbreviate_api_key(...))``
  (code=400 in earlier versions of the file); "## Check DB" raises ``ProxyException(message="No
  connected db.", type=ProxyErrorTypes.no_db_connection, code=400, param=None)`` for a key that is
  not the master key when the proxy has no database (``prisma_client is None``); the kept
  neighbour's unknown virtual key is the same file's rewritten 401 ``auth_error``
  ("Authentication Error, Invalid proxy server token passed ..."). ``ProxyException`` is written
  as ``{"error": {"message", "type", "param", "code": str(code)}}`` (``proxy/_types.py``);
- llama.cpp (ggml-org/llama.cpp at 40103380, ``tools/server/server-models.cpp``): the router's
  ``GET /v1/models`` is ``server_models_routes::get_router_models`` (each model with ``status:
  {"value": "unloaded"|"loaded"|..., "args"}``); a POST naming a model goes through
  ``router_validate_model``, which, without autoload and the model not ``LOADED``, answers
  ``res_err(res, format_error_response("model is not loaded", ERROR_TYPE_INVALID_REQUEST))`` (400,
  ``invalid_request_error``); ``POST /models/load`` (``post_router_models_load``, routed in
  server.cpp) loads it;
- TGI (huggingface/text-generation-inference at db931fc): ``router/src/infer/mod.rs:227-240``
  ``apply_chat_template`` without a template raises ``InferError::TemplateError(ErrorKind::
  TemplateNotFound.into())``; ``mod.rs:420`` its text "Template error: {0}" (minijinja's "template
  not found"), ``mod.rs:438`` its ``error_type`` ``template_error``; ``server.rs:2412`` status 422
  and ``server.rs:2404-2425`` the body ``{"error", "error_type"}``; ``launcher/src/main.rs:869-871``
  ``--tokenizer-config-path``, a tokenizer config that includes a ``chat_template``.

Breakages:

- LiteLLM's listing answered 401 ``expired_key`` "Authentication Error - Expired Key. Key Expiry
  time ... and current time ...": the virtual key was known and has expired; the fix is a new key
  (or a later expiry) from whoever administers the proxy (``/key/generate``, ``/key/update``), set
  in the variable the instance reads, not "check base_url", not a model;
- LiteLLM's listing answered 400 ``no_db_connection`` "No connected db.": the proxy has no
  database, so it accepts only its master key and can check no virtual key; whether this key is
  valid is unknown: the proxy's administrator connects its database (``DATABASE_URL``), or the
  instance uses the master key; not "the key is invalid";
- llama.cpp's router lists ``gemma-3-1b-it`` with ``status.value`` ``unloaded`` and answers the
  chat call 400 ``invalid_request_error`` "model is not loaded": the model is known and not loaded
  (the router was started with ``--no-models-autoload``); the fix loads it (``POST
  <origin>/models/load`` with the model) or restarts the router without that flag; not a model
  name;
- TGI's chat call answered 422 ``template_error`` "Template error: template not found": the
  served model has no chat template (a base model); the fix serves a model with one or gives
  ``--tokenizer-config-path`` a config with a ``chat_template``; not the key, not the name.

Neighbours, which must keep their verdict: LiteLLM's 401 ``auth_error`` for a virtual key its
database does not hold (the key, as the sweep has it: no expiry, no database named); and, healthy,
which must pass: the router once the model is ``loaded``, TGI serving an instruct model, a LiteLLM
virtual key that answers (the recorded OpenAI answers, which a LiteLLM proxy relays).

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the requests the checks
send and where settings are read (docs/providers.md) had been read before the expectations were
written.

Expectations committed before envcheck's first run on them (commit 1bd6763).

First run (envcheck at 1bd6763, before any change): 4 of 8 fully right (50%), 2 partly, 2 wrong
("wrong": a wrong status or a phrase the case forbids); of the 4 breakages, none fully right.
Fully right: the four neighbours (LiteLLM's unknown virtual key failed auth as "authentication
failed ... error.type=auth_error", fixed by LITELLM_OLD_KEY; the loaded router model, TGI's instruct
model and the LiteLLM key that answers passed). Partly: the expired key failed auth as
"authentication failed: Authentication Error - Expired Key ... error.type=expired_key", fixed by
"set a valid key ... if the key is valid, give it the permissions the answer names" (no expiry
named as the cause, no new key from the proxy's administrator, a permission fix that does not
apply); ``no_db_connection`` failed auth as "bad request ... one of these [the key or base_url] is
what it refused", fixed by "check the key ...; then check base_url" (the proxy's missing
database not read, no ``DATABASE_URL``). Wrong: llama.cpp's router's "model is not loaded" and
TGI's ``template_error`` got the honest fallback ("no row of envcheck's verdict table covers this
answer, so no cause is guessed", a curl): the listing's ``status.value`` ``unloaded`` not read, no
``/models/load``; no chat template named, no ``--tokenizer-config-path``.

After (verdicts from structure: LiteLLM's ``error.type``, the router listing's ``status.value``,
TGI's ``error_type``): 8 of 8 fully right, each a row of docs/verdicts/providers.md
(``PROVIDER_ROWS_23``) asserted on the run. llm/_errors.py ``_litellm_key`` reads LiteLLM's types
about the key before any status rule: ``expired_key`` (401, or 400 in earlier releases) is
``AuthenticationFailed`` "the proxy knows the key, and it has expired", fixed by "ask whoever
administers the proxy for a new virtual key (POST /key/generate) or a later expiry of this one
(POST /key/update with a duration); then set the new key: export LITELLM_VIRTUAL_KEY=..."
(diagnose.py ``_key_fix``; no permission fix); ``no_db_connection`` at 400 is ``NoKeyDatabase`` (a
``NotSupported``) "the proxy has no database ... can check no virtual key: whether this key is
valid is not known", fixed by its administrator's ``DATABASE_URL`` or the proxy's master key (at
503, the same type is the database unreachable: a ``ServerError``, retry). TGI's ``error_type``
``template_error`` is ``NotSupported`` "the server has no chat template for the model it serves",
fixed by an instruct model or ``--tokenizer-config-path``. A call refused with a 4xx
(``BadRequest``, ``ModelNotFound``) for a listed model whose listing entry carries llama.cpp's
router ``status`` with a ``value`` other than ``loaded`` (checks/providers/hooks.py
``_router_state``) is "gemma-3-1b-it is not loaded ... its model listing gives gemma-3-1b-it
status.value=unloaded ... --no-models-autoload", fixed by a command (diagnose.py
``router_model_not_loaded``): ``sh -c 'curl -sS --fail-with-body -X POST
"<base_url without /v1>/models/load" -H "Authorization: Bearer $LLAMA_SERVER_KEY" ... -d
"{\"model\": ...}"'`` (the key read from the environment when it runs, never printed). That
printed fix is run here as ``envcheck fix`` runs it, against the replayed router, which loads the
model on that request (``Router``: the listing's status turns ``loaded`` and the call answers); the
instance is checked again and its smoke call passes. The other fixes are not run: a proxy's
administrator issuing a key or giving the proxy its database, and a server restarted with another
model or tokenizer config.

Cost: 3 tests (one a unit test of the same LiteLLM types at their other statuses), two in-process
envcheck sessions (the second of one instance) against one local
server; 4.4 CPU-s (``-n 0``, user+sys, pytest's start included).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from envcheck import llm
from tests.verdicts.fixes import apply_fix
from tests.verdicts.provider_runs import (
    HeldOutCase,
    assert_providers_round,
    assert_set_is_what_it_says,
    chat_routes,
    instances_toml,
    serve,
    session,
)
from tests.verdicts.replay import Answer, Replay, published
from tests.verdicts.test_providers import KEYS

LITELLM = (
    "https://github.com/BerriAI/litellm/blob/0009d07f70e0aae40497197a8f3d6faf3456e3cf/litellm/"
    "proxy/auth/user_api_key_auth.py"
)
LLAMACPP = (
    "https://github.com/ggml-org/llama.cpp/blob/40103380c0e579b976d6d19509bdada4d6aed8a5/tools/"
    "server/server-models.cpp"
)
TGI = (
    "https://github.com/huggingface/text-generation-inference/blob/"
    "db931fcf42da018a3657580c64bf2720f167f9ab/router/src/infer/mod.rs"
)
OPENAI_OK = (
    "https://github.com/tmc/langchaingo/blob/0ddbdfda92da80af93660b8948a2795fc1e19fbf/llms/openai/"
    "internal/openaiclient/testdata/TestClient_CreateChatCompletion.httprr"
)

#: this set's own keys (fake), each in the variable its instance reads; none may be shown
OWN_KEYS = {
    "LITELLM_VIRTUAL_KEY": "sk-HeldOut23CanaryLiteLLMVirtualKey0001",
    "LITELLM_TEAM_KEY": "sk-HeldOut23CanaryLiteLLMTeamKey000002",
    "LITELLM_OLD_KEY": "sk-HeldOut23CanaryLiteLLMOldKey0000003",
    "LLAMA_SERVER_KEY": "HeldOut23CanaryLlamaServerKey00000004",
    "TGI_KEY": "hf_HeldOut23CanaryTgiKey0000000000005",
}

#: what no verdict here may say
WRONG_CAUSES = ("no cause is guessed",)
#: a refusal of a key the server knows, or cannot check, is not a wrong model name or base_url
NOT_A_NAME = ("closest:", "check the model name", "wrong base_url")
#: a server's refusal of a call whose key it accepted is not the key's
KEY_BLAME = ("set a valid key", "rotate", "revoked")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES


CASES = [
    Case(
        "litellm-401-expired-key",
        LITELLM,
        "providers/ltexp.auth",
        "fail",
        says=("expired",),
        fix=("LITELLM_VIRTUAL_KEY", "/key/generate"),
        never=WRONG_CAUSES + NOT_A_NAME + ("revoked",),
    ),
    Case(
        "litellm-400-no-db-connection",
        LITELLM,
        "providers/ltnodb.auth",
        "fail",
        says=("no_db_connection", "database"),
        fix=("DATABASE_URL",),
        never=WRONG_CAUSES + NOT_A_NAME + KEY_BLAME + ("expired",),
    ),
    Case(
        "llamacpp-router-400-model-not-loaded",
        LLAMACPP,
        "providers/llrouter.smoke",
        "fail",
        says=("not loaded", "unloaded"),
        fix=("/models/load",),
        never=WRONG_CAUSES + NOT_A_NAME + KEY_BLAME,
        also=(("providers/llrouter.auth", "pass"), ("providers/llrouter.model", "pass")),
    ),
    Case(
        "tgi-422-template-error",
        TGI,
        "providers/tgitpl.smoke",
        "fail",
        says=("template_error", "chat template"),
        fix=("--tokenizer-config-path",),
        never=WRONG_CAUSES + NOT_A_NAME + KEY_BLAME,
        also=(("providers/tgitpl.auth", "pass"), ("providers/tgitpl.model", "pass")),
    ),
    Case(
        "litellm-401-auth-error-kept",
        LITELLM,
        "providers/ltkey.auth",
        "fail",
        says=("auth_error",),
        fix=("LITELLM_OLD_KEY",),
        never=WRONG_CAUSES + ("expired", "DATABASE_URL", "no_db_connection", "/models/load"),
    ),
    Case(
        "llamacpp-router-200-loaded",
        LLAMACPP,
        "providers/llok.smoke",
        "pass",
        also=(("providers/llok.auth", "pass"), ("providers/llok.model", "pass")),
    ),
    Case(
        "tgi-200-instruct-model",
        TGI,
        "providers/tgiok.smoke",
        "pass",
        also=(("providers/tgiok.auth", "pass"), ("providers/tgiok.model", "pass")),
    ),
    Case(
        "litellm-200-virtual-key",
        OPENAI_OK,
        "providers/ltok.smoke",
        "pass",
        also=(("providers/ltok.auth", "pass"), ("providers/ltok.model", "pass")),
    ),
]
#: the rows of docs/verdicts/providers.md these cases run (their cause and fix too)
PROVIDER_ROWS_23 = {
    "litellm-401-expired-key": "litellm-401-expired-key",
    "litellm-400-no-db-connection": "litellm-400-no-db-connection",
    "llamacpp-router-400-model-not-loaded": "llamacpp-router-400-model-not-loaded",
    "tgi-422-template-error": "tgi-422-template-error",
    "litellm-401-auth-error-kept": "litellm-401-auth-error-beside-expired",
    "llamacpp-router-200-loaded": "llamacpp-router-200-loaded-beside-unloaded",
    "tgi-200-instruct-model": "tgi-200-template-beside-template-error",
    "litellm-200-virtual-key": "litellm-200-key-beside-expired",
}


def _kind(variable: str) -> str:
    return f'kind = "openai"\napi_key = "${{{variable}}}"\n'


#: instance -> (kind and key lines, path of base_url on the server, model)
INSTANCES = {
    "ltexp": (_kind("LITELLM_VIRTUAL_KEY"), "/lt1/v1", "gpt-4o-mini"),
    "ltnodb": (_kind("LITELLM_TEAM_KEY"), "/lt2/v1", "gpt-4o-mini"),
    "llrouter": (_kind("LLAMA_SERVER_KEY"), "/ll1/v1", "gemma-3-1b-it"),
    "tgitpl": (_kind("TGI_KEY"), "/tg1/v1", "bigcode/starcoder2-3b"),
    "ltkey": (_kind("LITELLM_OLD_KEY"), "/lt3/v1", "gpt-4o-mini"),
    "llok": (_kind("LLAMA_SERVER_KEY"), "/ll2/v1", "gemma-3-1b-it"),
    "tgiok": (_kind("TGI_KEY"), "/tg2/v1", "meta-llama/Llama-3.1-8B-Instruct"),
    "ltok": (_kind("LITELLM_VIRTUAL_KEY"), "/lt4/v1", "gpt-4o-mini"),
}


class Router:
    """llama.cpp's router of the ``llrouter`` instance, as server-models.cpp keeps it: the model
    ``unloaded`` (started with --no-models-autoload) until ``POST /models/load`` names it, then
    ``loaded`` (get_router_models), and the call answered (router_validate_model)."""

    def __init__(self) -> None:
        self.loaded = False
        self.asked: list[Any] = []

    def listing(self, body: Any) -> Answer:
        state = "loaded" if self.loaded else "unloaded"
        return published(f"heldout23--llamacpp-router-models-{state}")

    def chat(self, body: Any) -> Answer:
        if self.loaded:
            return published("heldout23--llamacpp-200-chat")
        return published("heldout23--llamacpp-router-400-model-not-loaded")

    def load(self, body: Any) -> Answer:
        # post_router_models_load: res_ok(res, {"success", true}) for a model it has
        self.asked.append(body)
        self.loaded = body == {"model": "gemma-3-1b-it"}
        status = 200 if self.loaded else 404
        return Answer(status, json.dumps({"success": True}).encode(), JSON)


JSON = {"content-type": "application/json"}


def routes(router: Router) -> dict[str, Any]:
    """Every instance's routes on one server, each under its own base_url's path."""
    listing = published("openai--models-list")
    llama_chat = published("heldout23--llamacpp-200-chat")
    return {"POST /ll1/models/load": router.load} | chat_routes(
        {
            "/lt1/v1": {"models": published("heldout23--litellm-401-expired-key")},
            "/lt2/v1": {"models": published("heldout23--litellm-400-no-db-connection")},
            "/ll1/v1": {"models": router.listing, "chat": router.chat},
            "/tg1/v1": {
                "models": published("heldout23--tgi-models"),
                "chat": published("heldout23--tgi-422-template-error"),
            },
            "/lt3/v1": {"models": published("heldout23--litellm-401-auth-error")},
            "/ll2/v1": {
                "models": published("heldout23--llamacpp-router-models-loaded"),
                "chat": llama_chat,
            },
            "/tg2/v1": {
                "models": published("heldout23--tgi-models-instruct"),
                "chat": published("heldout23--tgi-200-chat"),
            },
            "/lt4/v1": {"models": listing, "chat": published("openai--chat-ok")},
        }
    )


@pytest.fixture(scope="module")
def router() -> Router:
    return Router()


@pytest.fixture(scope="module")
def server(router: Router) -> Iterator[Replay]:
    yield from serve(routes(router))


def test_twenty_third_held_out_providers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Replay, router: Router
) -> None:
    args = (server.url, INSTANCES, OWN_KEYS, PROVIDER_ROWS_23, CASES)
    checks = assert_providers_round(pytester, monkeypatch, *args)
    # the router's printed fix, run as ``envcheck fix`` runs it (the key from the environment),
    # loads the model; then the same instance's smoke call answers
    apply_fix(pytester.path, checks["providers/llrouter.smoke"])
    assert router.asked == [{"model": "gemma-3-1b-it"}] and router.loaded
    again = session(
        pytester,
        monkeypatch,
        "providers",
        instances_toml(server.url, {"llrouter": INSTANCES["llrouter"]}),
        OWN_KEYS,
    )
    assert again["providers/llrouter.smoke"]["status"] == "pass", again["providers/llrouter.smoke"]


def test_the_twenty_third_set_is_what_it_says() -> None:
    assert_set_is_what_it_says("heldout23", 11, CASES, 8, 5)
    assert sum(c.name.endswith("-kept") for c in CASES) == 1
    assert not set(OWN_KEYS.values()) & set(KEYS.values())


def test_litellm_key_types_at_their_other_statuses() -> None:
    """The same types at the other statuses LiteLLM gives them: ``expired_key`` at 400 (the
    releases before 401: the same raise in user_api_key_auth.py with code=400) is the expired
    key still, and ``no_db_connection`` at 503 (auth_exception_handler.py
    ``_handle_authentication_error`` when its database is unreachable: "Service Unavailable, the
    authentication database is temporarily unreachable. Please retry shortly.") is the proxy's
    failure, retried, never the key's."""
    expired = {
        "error": {
            "message": "Authentication Error - Expired Key. Key Expiry time 2026-11-30 "
            "00:00:00+00:00 and current time 2026-12-07 15:40:12+00:00",
            "type": "expired_key",
            "param": "sk-...0001",
            "code": "400",
        }
    }
    made = llm.classify("lt", 400, {}, expired, kind="openai", listing=True)
    assert isinstance(made, llm.AuthenticationFailed), made
    assert "has expired" in (made.why or "") and "/key/generate" in (made.hint or "")
    down = {
        "error": {
            "message": "Service Unavailable, the authentication database is temporarily "
            "unreachable. Please retry shortly.",
            "type": "no_db_connection",
            "param": "None",
            "code": "503",
        }
    }
    made = llm.classify("lt", 503, {}, down, kind="openai", listing=True)
    assert isinstance(made, llm.ServerError) and made.retryable, made
    assert not isinstance(made, llm.NoKeyDatabase)
    assert "retry" in (made.hint or "") and "whether the key is valid is not known" in (
        made.why or ""
    )
