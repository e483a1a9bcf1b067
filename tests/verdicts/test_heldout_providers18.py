"""The eighteenth held-out set for LLM providers and Ollama (issue 22): a key of one service sent
to another, the answers of OpenAI-compatible services whose error body is not OpenAI's object (an
RFC 9457 problem-details body, an ``error`` that is a string), a code naming an account in
arrears, and an Ollama runner that could not allocate its compute buffer on Apple's Metal. Kinds
no row of docs/verdicts/providers.md or docs/verdicts/ollama.md lists, no earlier held-out set made
(test_heldout.py's eight, 9 to 17), and no sweep covers (test_providers_sweep.py,
test_providers_http_sweep.py, test_providers_capability_sweep.py, test_compat_servers_sweep.py).
Grepped before choosing, in both tables, every earlier set, the sweeps, replays/SOURCES.md and
src/envcheck/mock/data/SOURCES.md: ``nvapi``, ``sk-or``, ``Inference Providers``,
``sufficient permissions``, ``Not found for account``, ``Function '``, ``"detail"``,
``title"``, ``problem``, ``Arrearage``, ``Metal``, ``failed to allocate buffer``, ``gallocr``,
``afford``, ``hf_``, ``NIM`` (none found). Dropped after the grep or the reading: Anthropic's
``x-api-key header is required``, "This organization has been disabled", Gemini's "API key
expired", Ollama's ``POST predict`` and ``GGML_ASSERT`` (all test_heldout.py's); OpenRouter's
402 "can only afford" (its 402 and 403 key-limit rows); Cloudflare's ``errors[]`` (the fourth
set's); ModelScope's 429 ``insufficient_balance_error`` (modelscope#1691: the balance was the
service's own upstream account for one model, which no field says); Volcengine Ark's
``AccountOverdueError`` (only a client's reformatted quote was found, not the wire body);
Anthropic's 504 ``timeout_error`` and OpenAI's "IP not authorized" (no published body found).
Each answer is replayed verbatim (``replays/heldout18--*``, sources in ``replays/SOURCES.md``) by
one local server per session, to two in-process envcheck sessions (providers: six instances;
Ollama: two models).

Breakages:

- ``[providers.openai]`` whose ``OPENAI_API_KEY`` holds an NVIDIA key (``nvapi-...``; wayland#9: an
  app left at OpenAI's default base URL sent it there): OpenAI answers 401 ``invalid_api_key``.
  The key is not OpenAI's: its own prefix (a value envcheck holds, not the server's words) names
  NVIDIA's API, so a new OpenAI key is one fix and ``base_url`` at NVIDIA's API the other;
- NVIDIA's hosted API (``integrate.api.nvidia.com/v1``) answering the chat call of a model its
  listing shows with 404 ``{"status": 404, "title": "Not Found", "detail": "Function '...': Not
  found for account '...'"}`` (free-claude-code#1021; NVIDIA's listing shows every model of the
  catalog, callable or not, gethouston/houston#1243): a listed model not open to the account, not
  a wrong base URL or a wrong name;
- Hugging Face's router answering the chat call with 403 ``{"error": "This authentication method
  does not have sufficient permissions to call Inference Providers on behalf of user ..."}``
  (aquascope#233): the token lacks a permission; the listing answered;
- DashScope's (Alibaba Model Studio's) OpenAI-compatible mode answering the chat call with 400,
  ``error.code`` and ``error.type`` ``Arrearage`` (its error-code page: an overdue payment,
  "Access denied, please make sure your account is in good standing."): the account's credit,
  not the request's shape and not a rate;
- Ollama 0.11.2 on macOS answering ``/api/generate`` for gpt-oss:20b with 500 ``llama runner
  process has terminated: error:failed to allocate buffer, size = 33074.89 MiB`` /
  ``ggml_gallocr_reserve_n: failed to allocate Metal buffer of size 34681522080`` (ollama#11733):
  the compute buffer (which grows with the context) did not fit Apple's GPU memory; nothing of
  CUDA or NVIDIA applies.

Neighbours: an OpenAI-kind instance whose own OpenAI key (``sk-proj-...``) is refused with the
same 401 ``invalid_api_key`` (the recorded answer), which must stay "a wrong key" (the neighbour
of the first breakage); healthy, which must pass: an ``nvapi-`` key at a service that accepts it
(the recorded listing and answer: a key's prefix is no verdict by itself), and on the same Ollama
a second model (llama3.2:latest) that answers.

Where a service's own listing is not published (NVIDIA's lists over a hundred models, Hugging
Face's router, DashScope), the instance's listing is OpenAI's recorded one and its model one that
listing shows (``gpt-4o-mini``): only the chat answer is judged there.

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the requests the checks
send and where settings are read (docs/providers.md, docs/verdicts/ollama.md's request list) had
been read before the expectations were written.

Expectations committed before envcheck's first run on them (commit 8313220).

First run (envcheck at 8313220, before any change): 5 of 8 fully right (62%), 1 partly, 2 wrong
("wrong": a wrong status or a phrase the case forbids); of the 5 breakages, 2 fully right. Fully
right: NVIDIA's problem-details 404 (smoke fails, "gpt-4o-mini is listed but refused", the detail
"Not found for account" shown, no wrong name or base URL; though ``error.type=404`` was shown:
the body's numeric ``status`` read as a type), Hugging Face's 403 (smoke fails with the service's
words, the key not called invalid; its "its permissions do not cover this model ... or set another
model" claims more about the model than the body says, which the expectation did not forbid), the
own OpenAI key refused ("set a valid key: export OPENAI_OWN_KEY=..."), the nvapi- key accepted,
and the second Ollama model. Partly: the NVIDIA key sent to OpenAI failed auth with "set a valid
key: export OPENAI_API_KEY=... (platform.openai.com/api-keys)" only: right for an OpenAI key, but
neither cause nor fix says that the key is NVIDIA's and that its API is elsewhere. Wrong:
DashScope's ``Arrearage`` failed smoke as the honest fallback ("no row ... covers this answer, so
no cause is guessed", a curl) with headroom skipped, though its type and code name the account's
overdue payment; Ollama's Metal compute buffer got the generic runner crash ("the reason is in the
server's log", ``journalctl -u ollama`` first on a Mac, no ``num_ctx``).

After (verdicts from structure: the key's own prefix, a value envcheck holds; ``error.code`` /
``error.type``; the type of a body's ``status``; the backend and allocator a runner's text names
as values): 8 of 8 fully right, each a row of docs/verdicts/providers.md (``PROVIDER_ROWS_18``)
or docs/verdicts/ollama.md (``OLLAMA_ROWS_18``) asserted on the run. A vendor's own table whose
key carries another service's prefix (``nvapi-``, ``sk-or-``, ``gsk_``, ``xai-``, ``hf_``,
``pplx-``, ``sk-ant-``, ``AIza``), refused as invalid, names that service and its API
(checks/providers/diagnose.py ``KEY_ISSUERS``, ``foreign_key``): "set base_url =
https://integrate.api.nvidia.com/v1, or use a key OpenAI issued"; a table of another service and
an answered key are never judged by it (the neighbours). A numeric ``status`` in an error body is
no longer shown as ``error.type`` (llm/_errors.py ``detail``). ``Arrearage`` is a credit type
(llm/_errors.py ``CREDIT_TYPES``, its why from ``CREDIT_WHY``): headroom fails, "an overdue
payment", smoke skips. ggml's graph allocator failing on a backend is the compute buffer, which
the context sizes (checks/ollama/diagnose.py ``_COMPUTE_BUFFER``): "a smaller context (num_ctx)",
the Mac's memory and its server.log for Metal, nvidia-smi only for CUDA. Not changed: Hugging
Face's 403 keeps the listed-model reading ("its permissions do not cover this model ... or set
another model"), since no field of its body says whether the model or the whole call was refused.
No printed fix is run here: each names a host outside this machine (NVIDIA's API) or a setting of
a server that is a replay (``num_ctx``), and the other fixes are the service's own steps.

Cost: two in-process envcheck sessions, about 5 CPU-s (``-n 0``, user+sys).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.verdicts.provider_runs import (
    HeldOutCase,
    Instance,
    assert_graded,
    assert_providers_round,
    assert_set_is_what_it_says,
    chat_routes,
    ollama_routes,
    ollama_session,
    serve,
)
from tests.verdicts.replay import Answer, Replay, published
from tests.verdicts.test_providers import KEYS

NVIDIA_KEY = "https://github.com/FerroxLabs/wayland/issues/9"
NVIDIA_404 = "https://github.com/Alishahryar1/free-claude-code/issues/1021"
HF_403 = "https://github.com/Rekin226/aquascope/issues/233"
ARREARAGE = "https://github.com/hsliuping/TradingAgents-CN/issues/170"
METAL = "https://github.com/ollama/ollama/issues/11733"
#: the recorded answers (src/envcheck/mock/data/SOURCES.md)
OWN_KEY = (
    "https://github.com/Mirascope/mirascope/blob/099dd1207fb4817c7012d786109e19405edc4016/python/"
    "tests/e2e/input/cassettes/test_authentication_error/openai_gpt_4o_completions.yaml"
)
RECORDED_OK = (
    "https://github.com/tmc/langchaingo/blob/0ddbdfda92da80af93660b8948a2795fc1e19fbf/llms/openai/"
    "internal/openaiclient/testdata/TestClient_CreateChatCompletion.httprr"
)
OLLAMA_OK = (
    "https://github.com/tmc/langchaingo/blob/dd61fd90f4d9f8c2963451d4c43ac9b296500863/llms/ollama/"
    "internal/ollamaclient/testdata/TestClient_Generate.httprr"
)

#: this set's own keys (fake), each in the variable its service's clients read; none may be shown
OWN_KEYS = {
    "OPENAI_API_KEY": "nvapi-HeldOut18CanaryNvidiaAsOpenAI000001",
    "NVIDIA_API_KEY": "nvapi-HeldOut18CanaryNvidia00000000000002",
    "HF_TOKEN": "hf_HeldOut18CanaryHuggingFace000000000003",
    "DASHSCOPE_API_KEY": "sk-HeldOut18CanaryDashScope0000000000004",
    "OPENAI_OWN_KEY": "sk-proj-HeldOut18CanaryOpenAI00000000005",
}

#: what no verdict here may say (a cause of another kind)
WRONG_CAUSES = ("rotate", "revoked")
#: a limit of credit is not a rate that clears by itself
NOT_A_RATE = ("lower `rpm`", "clears by itself")
#: a listed model's refusal is not a wrong name or a wrong base URL
NOT_A_NAME = ("is not available", "closest:", "wrong base_url", "check base_url")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES


PROVIDER_CASES = [
    Case(
        "openai-401-nvidia-key",
        NVIDIA_KEY,
        "providers/openai.auth",
        "fail",
        says=("invalid_api_key", "NVIDIA"),
        fix=("integrate.api.nvidia.com",),
        never=WRONG_CAUSES + ("key not received",),
    ),
    Case(
        "nvidia-404-function-not-found-for-account",
        NVIDIA_404,
        "providers/nvidia.smoke",
        "fail",
        says=("Not found for account",),
        never=WRONG_CAUSES + NOT_A_NAME + ("set a valid key",),
        also=(("providers/nvidia.auth", "pass"), ("providers/nvidia.model", "pass")),
    ),
    Case(
        "hf-403-inference-providers-permission",
        HF_403,
        "providers/hf.smoke",
        "fail",
        says=("sufficient permissions to call Inference Providers",),
        never=WRONG_CAUSES + NOT_A_NAME + ("set a valid key", "invalid api key"),
        also=(("providers/hf.auth", "pass"), ("providers/hf.model", "pass")),
    ),
    Case(
        "dashscope-400-arrearage",
        ARREARAGE,
        "providers/dashscope.headroom",
        "fail",
        says=("Arrearage",),
        fix=("credit",),
        never=WRONG_CAUSES + NOT_A_RATE + ("set a valid key", "no cause is guessed"),
        also=(("providers/dashscope.auth", "pass"), ("providers/dashscope.smoke", "skip")),
    ),
    Case(
        "openai-401-own-key-refused",
        OWN_KEY,
        "providers/oaown.auth",
        "fail",
        says=("invalid_api_key",),
        fix=("OPENAI_OWN_KEY",),
        never=("NVIDIA", "integrate.api.nvidia.com", "another service"),
    ),
    Case(
        "nvidia-key-200-accepted",
        RECORDED_OK,
        "providers/nvok.smoke",
        "pass",
        also=(("providers/nvok.auth", "pass"), ("providers/nvok.model", "pass")),
    ),
]
OLLAMA_CASES = [
    Case(
        "ollama-500-metal-buffer",
        METAL,
        "ollama/smoke[gpt-oss:20b]",
        "fail",
        says=("GPU memory", "Metal"),
        fix=("num_ctx",),
        never=("nvidia-smi", "CUDA_VISIBLE_DEVICES", "journalctl", "ollama pull"),
        also=(("ollama/model[gpt-oss:20b]", "pass"),),
    ),
    Case(
        "ollama-200-other-model-answers",
        OLLAMA_OK,
        "ollama/smoke[llama3.2:latest]",
        "pass",
        also=(("ollama/model[llama3.2:latest]", "pass"),),
    ),
]
CASES = PROVIDER_CASES + OLLAMA_CASES
#: the rows of docs/verdicts/providers.md and ollama.md these cases run (their cause and fix too)
PROVIDER_ROWS_18 = {
    "openai-401-nvidia-key": "openai-401-key-of-another-service",
    "nvidia-404-function-not-found-for-account": "nvidia-404-problem-details-listed",
    "hf-403-inference-providers-permission": "hf-403-string-error-listed",
    "dashscope-400-arrearage": "dashscope-400-arrearage",
    "openai-401-own-key-refused": "openai-kind-401-own-key",
    "nvidia-key-200-accepted": "openai-kind-200-prefixed-key-accepted",
}
OLLAMA_ROWS_18 = {
    "ollama-500-metal-buffer": "ollama-generate-500-compute-buffer",
    "ollama-200-other-model-answers": "ollama-generate-200-beside-compute-buffer",
}

MINI = "gpt-4o-mini"
#: instance -> (kind and key lines, path of base_url on the server, model)
INSTANCES: dict[str, Instance] = {
    "openai": ("", "/v1", MINI),
    "nvidia": ('kind = "openai"\n', "/nim/v1", MINI),
    "hf": ('kind = "openai"\napi_key = "${HF_TOKEN}"\n', "/hf/v1", MINI),
    "dashscope": ('kind = "openai"\n', "/compatible-mode/v1", MINI),
    "oaown": ('kind = "openai"\napi_key = "${OPENAI_OWN_KEY}"\n', "/own/v1", MINI),
    "nvok": ('kind = "openai"\napi_key = "${NVIDIA_API_KEY}"\n', "/nvok/v1", MINI),
}


def routes() -> dict[str, Any]:
    """Every instance's routes on one server, each under its own base_url's path."""
    listing = published("openai--models-list")
    chat_ok = published("openai--chat-ok")
    answers: dict[str, dict[str, Answer]] = {
        "/v1": {"models": published("heldout18--openai-401-nvidia-key")},
        "/nim/v1": {
            "models": listing,
            "chat": published("heldout18--nvidia-404-function-not-found-for-account"),
        },
        "/hf/v1": {
            "models": listing,
            "chat": published("heldout18--hf-403-inference-providers-permission"),
        },
        "/compatible-mode/v1": {
            "models": listing,
            "chat": published("heldout18--dashscope-400-arrearage"),
        },
        "/own/v1": {"models": published("openai--401-invalid-api-key")},
        "/nvok/v1": {"models": listing, "chat": chat_ok},
    }
    return chat_routes(answers)


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    yield from serve(routes())


def test_eighteenth_held_out_providers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Replay
) -> None:
    args = (server.url, INSTANCES, OWN_KEYS, PROVIDER_ROWS_18, PROVIDER_CASES)
    assert_providers_round(pytester, monkeypatch, *args)
    # the NVIDIA key went to the listing envcheck was told to ask (the replay masks it)
    listing = server.calls_to("GET", "/v1/models")
    assert listing and listing[0].headers.get("authorization") == "***"


def _generate(body: Any) -> Answer:
    model = body.get("model") if isinstance(body, dict) else None
    if model == "gpt-oss:20b":
        return published("heldout18--ollama-500-metal-buffer")
    return published("ollama--generate-ok")


def test_eighteenth_held_out_ollama(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    routes = ollama_routes("heldout18--ollama-version-0.11.2", _generate)
    models = ("gpt-oss:20b", "llama3.2:latest")
    checks = ollama_session(pytester, monkeypatch, models, routes, OWN_KEYS.values())
    assert_graded("ollama", OLLAMA_ROWS_18, OLLAMA_CASES, checks)


def test_the_eighteenth_set_is_what_it_says() -> None:
    assert_set_is_what_it_says("heldout18", 6, CASES, 8, 6)
    # each key is of the kind its service issues, and none is another test's
    assert not set(OWN_KEYS.values()) & set(KEYS.values())
