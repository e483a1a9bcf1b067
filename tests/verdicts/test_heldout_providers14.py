"""The fourteenth held-out set for LLM providers and Ollama (issue 22): answers that carry their
failure inside a 200 (a Gemini prompt blocked, a Gemini candidate stopped for safety, OpenRouter's
error object after the call was accepted), the rate-limit headers the headroom check reads in forms
no earlier set sent (OpenAI's usage-based pair with millisecond resets, Azure's ``-1`` for a limit
it does not report), and a cloud model whose local Ollama server cannot reach ollama.com (its 500,
and the 502 the current server answers). All of kinds no row of docs/verdicts/providers.md or
docs/verdicts/ollama.md lists, no earlier held-out set made, and neither sweep nor the capability
sweep covers (tests/verdicts/test_providers_sweep.py: the providers' documented errors, each an
HTTP error status; tests/verdicts/test_providers_http_sweep.py: what lies between the client and
the server, where a 200 of another shape is a body without the API's field;
tests/verdicts/test_providers_capability_sweep.py: models the smoke call cannot run). Grepped
before choosing, in both tables, every earlier set (test_heldout.py's eight, 9 to 13), the sweeps
and replays/SOURCES.md: "blockReason", "promptFeedback", "finish_reason", "SAFETY" as a
finishReason, an OpenRouter 200 with ``error``, "usage_based", "x-ratelimit-reset" in ms, a
``-1`` rate-limit header, "ollama.com" unreachable, an Ollama 502 for a cloud model (found: only
``gemini-200-max-tokens-thinking``, a 200 whose tokens went on thinking, a healthy neighbour of
another kind; ``ollama-generate-502-proxy``, a proxy's 502 for a local model, which these cases
must not be read as). Streaming (an error event mid-stream, Anthropic's ``event: error``) was
considered and left: envcheck's checks never stream (providers.md, ``openai-400-verify-to-stream``).
Each answer is replayed verbatim (files ``replays/heldout14--*``, their sources in
``replays/SOURCES.md``) by a local server, to two in-process envcheck sessions: one for the
providers (five instances), one for Ollama (two cloud models).

Breakages:

- Gemini: ``gemini-2.0-flash``'s smoke call answered 200 with no candidates and
  ``promptFeedback.blockReason`` ``PROHIBITED_CONTENT`` (simonw/llm-gemini#80);
- Gemini: ``gemini-2.5-flash``'s smoke call answered 200 with one candidate without content,
  ``finishReason`` ``SAFETY`` (gpt4free#2341);
- OpenRouter (``kind = "openai"``): the smoke call (and headroom's) answered 200 with an
  ``error`` object, ``code`` 429, ``metadata.provider_name`` "BaseTen" and the upstream's words in
  ``metadata.raw`` (open-webui/computer#293; the 200: OpenRouter's errors page, litellm#21755);
- Ollama: a cloud model (``qwen3-vl:235b-cloud``) whose generate the local server answers 500 with
  Go's transport error for its request to ollama.com (ollama#13774);
- Ollama: a cloud model (``gpt-oss:120b-cloud``) answered 502 with the same text, as the current
  server writes it (server/cloud_proxy.go: ``http.StatusBadGateway`` when ollama.com cannot be
  reached; docs.ollama.com/api/errors).

Healthy neighbours, which the official clients accept and envcheck must pass: OpenAI's answer with
``x-ratelimit-*-tokens_usage_based`` beside the documented headers and resets of ``12ms`` and
``9ms`` (the headroom names the lowest share, 4999 of 5000 requests); Azure OpenAI's answer whose
token headers are ``-1``, ``-1`` and ``0`` (no limit reported: headroom passes and claims no share
from them).

Made for real with the official clients first, against the same replays (before any envcheck run):
google-genai's ``generate_content`` returns, without raising, ``text`` None with
``prompt_feedback.block_reason`` PROHIBITED_CONTENT, and ``text`` None with ``finish_reason``
SAFETY; openai-python's ``chat.completions.create`` returns, without raising, a completion whose
``choices`` is None and whose extra field ``error`` holds code 429 and the metadata (OpenRouter),
and answers the two healthy calls with their headers; ollama-python's ``generate`` raises
ResponseError 500 and 502 with the text.

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the requests the checks
send and where settings are read (docs/providers.md, docs/verdicts/ollama.md's request list) had
been read before the expectations were written.

Expectations committed before envcheck's first run on them (commit bb3ba5b).

First run (envcheck at bb3ba5b, before any change): 2 of 7 fully right (29%), none partly, 5
wrong ("wrong": a wrong status or a phrase the case forbids); of the 5 breakages, none fully
right. Fully right: the two healthy neighbours (the usage-based headers: "99.98% of the requests
limit left (4999 of 5000)"; Azure's -1: "rate limits not reported by openai on this endpoint").
Wrong: the blocked Gemini prompt and the SAFETY candidate passed smoke ("gemini-2.0-flash answered
in 5 ms", "gemini-2.5-flash answered in 15 ms": the smoke check asked only that
``candidates`` or ``promptFeedback`` be there); OpenRouter's 200 with its error object failed
smoke as "JSON that is not the shape of this API's answer (no `choices`) ... another service, a
gateway's or a stub's answer", fix "check base_url", and headroom was skipped ("rate limits not
read"), the 429 and metadata.provider_name unread; the cloud model's 500 was the fallback with the
server's log as the fix ("no row ... covers this answer ... journalctl -u ollama"), and its 502
"a proxy or gateway in front of the Ollama ... HTTP 502 is a proxy's or gateway's answer, not
Ollama's", fixed at the proxy, for the server's own answer about ollama.com.

After the fixes (structure first): a 200 whose JSON is only an error object with an integer
``error.code`` (OpenRouter's documented ErrorResponse, answered with 200 after the call was
accepted) is read as that status's answer by the same classification as any other
(providers/http.in_body_status), shown as "answered HTTP 200 with error.code 429" (here a rate
limit: smoke skipped, headroom fails with metadata.provider_name); a smoke answer whose structure
says its text was withheld fails smoke with the field and value (Gemini's
``promptFeedback.blockReason`` without candidates, a candidate without text whose
``finishReason`` is not STOP or MAX_TOKENS; OpenAI's ``finish_reason`` ``content_filter`` without
content and Anthropic's ``stop_reason`` ``refusal`` alike: hooks._withheld); on Ollama, the model
check keeps ``/api/show``'s ``remote_host`` as a fact, and a 500, 502 or 504 to the generate call
of a model that has one is the path to that host (server/cloud_proxy.go), with ``curl -sS
<remote_host>/api/version`` from the server's machine as the fix, never the local log, memory or
a proxy in front. 7 of 7 fully right. Rows (PROVIDER_ROWS_14, OLLAMA_ROWS_14), asserted on these
runs: gemini-200-prompt-blocked, gemini-200-finish-safety, openrouter-200-error-object,
openai-200-ratelimit-usage-based, azure-200-ratelimit-minus-one,
ollama-generate-502-cloud-unreachable, ollama-generate-500-cloud-unreachable.

Not executed: no fix here is one a program can apply and check again (a filter setting of the
account, a wait, this machine's way to ollama.com).

Fewer cases than the usual ten: Azure's 200 with ``finish_reason`` ``content_filter`` and
Anthropic's ``stop_reason`` ``refusal`` had no whole published body to replay (the first is
quoted only in part in semantic-kernel#5240), and OpenAI's ``mismatched_project`` 401 none at
all; the first two are read by the same code as the Gemini cases, tested here on the fields
alone (``test_withheld_reads_each_api_field``), not by a replay.

Cost: 4 tests, two in-process envcheck sessions against two replay servers; 5.8 s CPU (user +
system) for the file with pytest's start, about 1.6 s of it the two sessions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.verdicts.provider_runs import (
    HeldOutCase,
    assert_graded,
    instances_toml,
    ollama_session,
    serve,
    session,
)
from tests.verdicts.replay import Answer, Replay, published

BLOCKED = "https://github.com/simonw/llm-gemini/issues/80"
SAFETY = "https://github.com/xtekky/gpt4free/pull/2341"
OPENROUTER_200 = "https://github.com/open-webui/computer/issues/293"
USAGE_BASED = (
    "https://community.openai.com/t/how-to-get-rate-limit-reset-time-for-response-api/1268905"
)
MINUS_ONE = "https://github.com/openai/openai-dotnet/issues/838"
CLOUD_500 = "https://github.com/ollama/ollama/issues/13774"
CLOUD_502 = (
    "https://github.com/ollama/ollama/blob/3341989d89124832d591f54b00860711505b335f"
    "/server/cloud_proxy.go"
)

#: what no verdict here may say (a cause of another kind)
WRONG_CAUSES = ("set a valid key", "rotate", "start it: ollama serve")
#: a 200 that the API's own client reads is not another service or a wrong address
NOT_ELSEWHERE = ("another service", "wrong base_url", "not JSON")
#: a cloud model runs on ollama.com, not in a local runner
NOT_LOCAL = ("journalctl", "num_ctx", "ollama pull", "crashed", "OLLAMA_MAX_QUEUE")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES


PROVIDER_CASES = [
    Case(
        "gemini-prompt-blocked",
        BLOCKED,
        "providers/gblocked.smoke",
        "fail",
        says=("blockReason", "PROHIBITED_CONTENT"),
        never=WRONG_CAUSES + NOT_ELSEWHERE,
        also=(("providers/gblocked.auth", "pass"), ("providers/gblocked.model", "pass")),
    ),
    Case(
        "gemini-finish-safety",
        SAFETY,
        "providers/gemini.smoke",
        "fail",
        says=("finishReason", "SAFETY"),
        never=WRONG_CAUSES + NOT_ELSEWHERE,
        also=(("providers/gemini.model", "pass"),),
    ),
    Case(
        "openrouter-200-error-object",
        OPENROUTER_200,
        "providers/openrouter.headroom",
        "fail",
        says=("429", "BaseTen"),
        never=WRONG_CAUSES + NOT_ELSEWHERE,
        also=(("providers/openrouter.auth", "pass"), ("providers/openrouter.smoke", "fail|skip")),
    ),
    Case(
        "openai-usage-based-headers",
        USAGE_BASED,
        "providers/openai.headroom",
        "pass",
        says=("4999 of 5000",),
        also=(("providers/openai.smoke", "pass"),),
    ),
    Case(
        "azure-minus-one-headers",
        MINUS_ONE,
        "providers/azure.headroom",
        "pass",
        never=WRONG_CAUSES + ("-1 of", "of -1", "-100"),
        also=(("providers/azure.smoke", "pass"),),
    ),
]
OLLAMA_CASES = [
    Case(
        "ollama-cloud-unreachable-500",
        CLOUD_500,
        "ollama/smoke[qwen3-vl:235b-cloud]",
        "fail",
        says=("ollama.com",),
        fix=("ollama.com",),
        never=WRONG_CAUSES + NOT_LOCAL,
        also=(("ollama/model[qwen3-vl:235b-cloud]", "pass"),),
    ),
    Case(
        "ollama-cloud-unreachable-502",
        CLOUD_502,
        "ollama/smoke[gpt-oss:120b-cloud]",
        "fail",
        says=("ollama.com",),
        fix=("ollama.com",),
        never=WRONG_CAUSES + NOT_LOCAL + ("not Ollama's", "in front of"),
        also=(("ollama/model[gpt-oss:120b-cloud]", "pass"),),
    ),
]
CASES = PROVIDER_CASES + OLLAMA_CASES
#: the rows of docs/verdicts/providers.md and ollama.md these cases run (their cause and fix too)
PROVIDER_ROWS_14 = {
    "gemini-prompt-blocked": "gemini-200-prompt-blocked",
    "gemini-finish-safety": "gemini-200-finish-safety",
    "openrouter-200-error-object": "openrouter-200-error-object",
    "openai-usage-based-headers": "openai-200-ratelimit-usage-based",
    "azure-minus-one-headers": "azure-200-ratelimit-minus-one",
}
OLLAMA_ROWS_14 = {
    "ollama-cloud-unreachable-500": "ollama-generate-500-cloud-unreachable",
    "ollama-cloud-unreachable-502": "ollama-generate-502-cloud-unreachable",
}


# -- the providers -------------------------------------------------------------------------------

#: instance -> (kind line, base_url path under the replay, model)
INSTANCES = {
    "gemini": ("", "", "gemini-2.5-flash"),
    "gblocked": ('kind = "gemini"\napi_key = "${GEMINI_API_KEY}"\n', "", "gemini-2.0-flash"),
    "openrouter": ('kind = "openai"\napi_key = "${OPENAI_API_KEY}"\n', "/or/api/v1", "gpt-4o-mini"),
    "azure": ('kind = "openai"\napi_key = "${OPENAI_API_KEY}"\n', "/a/v1", "gpt-4o-mini"),
    "openai": ("", "/u/v1", "gpt-4o-mini"),
}


@pytest.fixture
def provider_server() -> Iterator[Replay]:
    listing = published("openai--models-list")
    routes: dict[str, Any] = {
        "GET /v1beta/models": published("gemini--models-list"),
        "POST /v1beta/models/gemini-2.0-flash:generateContent": published(
            "heldout14--gemini-200-prompt-blocked"
        ),
        "POST /v1beta/models/gemini-2.5-flash:generateContent": published(
            "heldout14--gemini-200-finish-safety"
        ),
        "GET /or/api/v1/models": listing,
        "POST /or/api/v1/chat/completions": published(
            "heldout14--openrouter-200-error-upstream-429"
        ),
        "GET /a/v1/models": listing,
        "POST /a/v1/chat/completions": published("heldout14--azure-200-ratelimit-minus-one"),
        "GET /u/v1/models": listing,
        "POST /u/v1/chat/completions": published("heldout14--openai-200-ratelimit-usage-based"),
    }
    yield from serve(routes)


def test_fourteenth_held_out_providers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, provider_server: Replay
) -> None:
    checks = session(
        pytester, monkeypatch, "providers", instances_toml(provider_server.url, INSTANCES)
    )
    assert_graded("providers", PROVIDER_ROWS_14, PROVIDER_CASES, checks)


# -- Ollama ---------------------------------------------------------------------------------------


def _generate(body: Any) -> Answer:
    model = body.get("model") if isinstance(body, dict) else None
    if model == "qwen3-vl:235b-cloud":
        return published("heldout14--ollama-500-cloud-unreachable")
    if model == "gpt-oss:120b-cloud":
        return published("heldout14--ollama-502-cloud-unreachable")
    return published("ollama--generate-ok")


def test_fourteenth_held_out_ollama(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    routes: dict[str, Any] = {
        "GET /": published("heldout13--ollama-root-running"),
        "GET /api/version": published("heldout13--ollama-version-cloud"),
        "POST /api/show": published("heldout13--ollama-show-cloud-model"),
        "POST /api/generate": _generate,
        "GET /api/ps": published("ollama--ps"),
    }
    models = ("qwen3-vl:235b-cloud", "gpt-oss:120b-cloud")
    checks = ollama_session(pytester, monkeypatch, models, routes)
    assert_graded("ollama", OLLAMA_ROWS_14, OLLAMA_CASES, checks)


def test_the_fourteenth_set_is_what_it_says() -> None:
    replays = Path(__file__).parent / "replays"
    files = sorted(p.name for p in replays.glob("heldout14--*.json"))
    assert len(files) == 7
    sources = (replays / "SOURCES.md").read_text()
    assert all(f"`{name}`" in sources for name in files)
    assert len(CASES) == 7 and sum(c.status != "pass" for c in CASES) == 5
    assert all(c.source.startswith("https://") for c in CASES)


def test_withheld_reads_each_api_field() -> None:
    """The fields by which each API says an answer's text was withheld, as their references give
    them (OpenAI's and Azure's ``finish_reason`` ``content_filter``, Anthropic's ``stop_reason``
    ``refusal``, Gemini's FinishReason values), and the normal ends that are not."""
    from envcheck.checks.providers.hooks import _withheld

    filtered = {"choices": [{"finish_reason": "content_filter", "message": {"content": None}}]}
    assert _withheld("openai", filtered) == ("choices[0].finish_reason", "content_filter")
    stopped = {"choices": [{"finish_reason": "stop", "message": {"content": "OK"}}]}
    assert _withheld("openai", stopped) is None
    refused = {"type": "message", "content": [], "stop_reason": "refusal"}
    assert _withheld("anthropic", refused) == ("stop_reason", "refusal")
    assert _withheld("anthropic", {"content": [{"text": "OK"}], "stop_reason": "end_turn"}) is None
    recited = {"candidates": [{"finishReason": "RECITATION", "index": 0}]}
    assert _withheld("gemini", recited) == ("candidates[0].finishReason", "RECITATION")
    thinking = {"candidates": [{"finishReason": "MAX_TOKENS", "content": {"role": "model"}}]}
    assert _withheld("gemini", thinking) is None
    answered = {"candidates": [{"finishReason": "STOP", "content": {"parts": [{"text": "OK"}]}}]}
    assert _withheld("gemini", answered) is None
