"""The twenty-seventh held-out set for LLM providers (issue 22), a small one: OpenAI-compatible
services' request validation (HTTP 422) refusing what envcheck's smoke call never sent. envcheck's
smoke request is ``{"model", "messages": [{"role": "user", "content": "<a string>"}],
"max_tokens": 5}`` (checks/providers/hooks.py:467); Mistral validates the body with pydantic and
answers a field its schema lacks with 422 ``extra_forbidden`` and the field's ``loc``; DeepSeek
answers a body it cannot deserialize with 422 (its error-code page: "Invalid Parameters") naming the
JSON path. A field envcheck did not send, or a value of another type than envcheck sent, means
something between envcheck and the service (a gateway or proxy at base_url) changed the body. Kinds
no row of docs/verdicts/providers.md lists, no earlier held-out set made (test_heldout.py's eight,
9 to 26) and no sweep covers. Grepped before choosing, in both tables, every earlier set, the
sweeps, replays/SOURCES.md and src/envcheck/mock/data/SOURCES.md: ``extra_forbidden``,
``Extra inputs``, ``invalid_request_message_error``, ``deserialize``, ``Invalid Parameters``
(none found); ``422`` (only TGI's template error, LiteLLM's budget and Anthropic/OpenAI rows of
other kinds). Found, so dropped: Groq ``model_decommissioned`` and ``organization_restricted``,
Together ``invalid_api_key`` and ``credit_limit`` (402 and 429), Fireworks 401/404/412/500, Mistral
400 ``invalid_model`` and 503, DeepSeek 401/402/400, Perplexity 401 and 400, Azure
``content_filter`` (all rows or earlier sets). Dropped for want of a published body: Groq's 498.

Breakages (each the answer to the smoke call, after a listing that answered):

- Mistral 422 ``invalid_request_error`` whose ``message.detail`` is ``extra_forbidden`` at
  ``loc ["body", "n"]`` (crewAIInc/crewAI#60): envcheck sent no ``n``, so something on the way (a
  gateway or proxy at base_url) added it; not the key, not the model name; the fix is that gateway
  not adding it (or base_url at the service itself);
- Mistral's later form, ``detail`` at the top level, code 3001, ``loc ["body", "tools"]``
  (partITech/php-mistral#76; status 422 assembled from the same refusal elsewhere): likewise;
- DeepSeek 422 "Failed to deserialize the JSON body into the target type: messages[0].content:
  invalid type: sequence, expected a string" (deepseek-ai/awesome-deepseek-integration#23, in
  DeepSeek's envelope: assembled): envcheck sent that content as a string, so what reached DeepSeek
  was rewritten on the way; the fix is the gateway at base_url.

Neighbour (healthy): DeepSeek at its base_url, listing and answer the recorded ones (the fifteenth
set's replays).

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the smoke request's
body (hooks.py) had been read before the expectations were written.

Expectations committed before envcheck's first run on them (commit 2253b89).

First run (envcheck at 2253b89): 1 of 4 fully right (25%), 0 partly, 3 wrong ("wrong": a wrong
status or a phrase the case forbids); of the 3 breakages, none fully right. Fully right: the
DeepSeek neighbour. Wrong, each by a phrase the case forbids although each failed the right check
(smoke) with the status, the service's type/code and its own words: both Mistral 422s were "no
row of envcheck's verdict table covers this answer, so no cause is guessed", fixed by "read the
whole answer: curl ..." (the field at ``loc`` not named, nor that envcheck did not send it, nor
base_url); DeepSeek's deserialize 422 likewise (that envcheck sent ``messages[0].content`` as a
string not said, no fix at base_url).

After (verdicts from structure: the status, pydantic's ``loc`` and ``type`` fields, serde's fixed
"invalid type: X, expected Y" form where the text is the only field DeepSeek gives, and the body
envcheck's request carried): 4 of 4 fully right, each a row of docs/verdicts/providers.md
(``PROVIDER_ROWS_27``) asserted on the run. llm/_errors.py ``Detail.invalid`` reads pydantic's
validation errors (``message.detail`` or a top-level ``detail``); diagnose.py ``body_changed``,
read before the honest fallback, for a 400/422 to a request with a body: a ``body.<field>``
refused as ``extra_forbidden`` that envcheck's body does not hold is "its request validation
refused body.n (extra_forbidden: Extra inputs are not permitted), and envcheck did not send n (its
request carried only model, messages, max_tokens): something between envcheck and ... (a gateway
or proxy at base_url) added it; the key and the model are not what was refused"; a path envcheck
sent as the type serde expected is "envcheck sent messages[0].content as a string: what reached
... was rewritten on the way"; fixed by "have the gateway or proxy at base_url pass the request
body through unchanged, or point base_url (now ...) at the service's own API; then compare with:
curl ..." (no longer "no cause is guessed"). A validation error about a part envcheck did send,
a type it did not send, or an answer to the listing stays the honest fallback (unit test). No
printed fix is run here: each is a gateway's configuration, and the replay has none. Sweeps and
held-out sets 9-26 unchanged (run with -n 2).

Cost: 4 tests (one in-process envcheck session against one local server, three unit tests);
4.7 CPU-s (``-n 0``, user+sys, pytest's start included).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.verdicts.provider_runs import (
    HeldOutCase,
    assert_providers_round,
    assert_set_is_what_it_says,
    chat_routes,
    serve,
)
from tests.verdicts.replay import Replay, published
from tests.verdicts.test_providers import KEYS

EXTRA_N = "https://github.com/crewAIInc/crewAI/issues/60"
EXTRA_TOOLS = "https://github.com/partITech/php-mistral/issues/76"
DESERIALIZE = "https://github.com/deepseek-ai/awesome-deepseek-integration/issues/23"
DEEPSEEK_OK = "https://api-docs.deepseek.com/"

#: this set's own keys (fake), each in the variable its instance reads; none may be shown
OWN_KEYS = {
    "MISTRAL_R27_KEY": "HeldOut27CanaryMistralApiKey000000001",
    "DEEPSEEK_R27_KEY": "sk-HeldOut27CanaryDeepSeekApiKey0002",
}

#: what no verdict here may say
WRONG_CAUSES = ("no cause is guessed", "closest:", "check the model name")
#: a refusal that is not the key's
NOT_THE_KEY = ("set a valid key", "create a new key", "its permissions")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES + NOT_THE_KEY


CASES = [
    Case(
        "mistral-422-extra-forbidden-added",
        EXTRA_N,
        "providers/mextra.smoke",
        "fail",
        says=("422", "extra_forbidden", "body.n", "did not send"),
        fix=("base_url",),
    ),
    Case(
        "mistral-422-extra-forbidden-top-level",
        EXTRA_TOOLS,
        "providers/mtools.smoke",
        "fail",
        says=("422", "extra_forbidden", "body.tools", "did not send"),
        fix=("base_url",),
    ),
    Case(
        "deepseek-422-deserialize-rewritten",
        DESERIALIZE,
        "providers/dsbody.smoke",
        "fail",
        says=("422", "messages[0].content", "as a string"),
        fix=("base_url",),
    ),
    Case(
        "deepseek-200-answers",
        DEEPSEEK_OK,
        "providers/dsok.smoke",
        "pass",
        also=(("providers/dsok.auth", "pass"), ("providers/dsok.model", "pass")),
    ),
]
#: the rows of docs/verdicts/providers.md these cases run (their cause and fix too)
PROVIDER_ROWS_27 = {
    "mistral-422-extra-forbidden-added": "mistral-422-extra-forbidden-added",
    "mistral-422-extra-forbidden-top-level": "mistral-422-extra-forbidden-top-level",
    "deepseek-422-deserialize-rewritten": "deepseek-422-deserialize-rewritten",
    "deepseek-200-answers": "deepseek-200-beside-422",
}

MISTRAL = 'kind = "openai"\napi_key = "${MISTRAL_R27_KEY}"\n'
DEEPSEEK = 'kind = "openai"\napi_key = "${DEEPSEEK_R27_KEY}"\n'
#: instance -> (kind and key lines, path of base_url on the server, model)
INSTANCES = {
    "mextra": (MISTRAL, "/m1/v1", "gpt-4o-mini"),
    "mtools": (MISTRAL, "/m2/v1", "gpt-4o-mini"),
    "dsbody": (DEEPSEEK, "/d1", "deepseek-v4-flash"),
    "dsok": (DEEPSEEK, "/d2", "deepseek-v4-flash"),
}


def routes() -> dict[str, Any]:
    """Every instance's routes on one server, each under its own base_url's path."""
    listing = published("openai--models-list")
    deepseek = published("heldout15--deepseek-200-models")
    return chat_routes(
        {
            "/m1/v1": {
                "models": listing,
                "chat": published("heldout27--mistral-422-extra-forbidden"),
            },
            "/m2/v1": {
                "models": listing,
                "chat": published("heldout27--mistral-422-extra-forbidden-code-3001"),
            },
            "/d1": {"models": deepseek, "chat": published("heldout27--deepseek-422-deserialize")},
            "/d2": {"models": deepseek, "chat": published("heldout15--deepseek-200-chat")},
        }
    )


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    yield from serve(routes())


def test_twenty_seventh_held_out_providers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Replay
) -> None:
    args = (server.url, INSTANCES, OWN_KEYS, PROVIDER_ROWS_27, CASES)
    assert_providers_round(pytester, monkeypatch, *args)
    # what the smoke calls carried: no n, no tools, the content a string
    sent = server.calls_to("POST", "/m1/v1/chat/completions")
    sent += server.calls_to("POST", "/d1/chat/completions")
    assert sent and all(set(c.body) == {"model", "messages", "max_tokens"} for c in sent)
    assert all(isinstance(c.body["messages"][0]["content"], str) for c in sent)


def test_the_twenty_seventh_set_is_what_it_says() -> None:
    assert_set_is_what_it_says("heldout27", 3, CASES, 4, 3)
    assert not set(OWN_KEYS.values()) & set(KEYS.values())


def test_validation_errors_read_in_both_forms() -> None:
    from envcheck import llm

    first = llm.detail(published("heldout27--mistral-422-extra-forbidden").body)
    later = llm.detail(published("heldout27--mistral-422-extra-forbidden-code-3001").body)
    assert first.invalid == [("body.n", "extra_forbidden", "Extra inputs are not permitted")]
    assert later.invalid == [("body.tools", "extra_forbidden", "Extra inputs are not permitted")]
    assert later.code == "3001"
    # an answer without pydantic's list holds none (DeepSeek's is a text)
    assert not llm.detail(published("heldout27--deepseek-422-deserialize").body).invalid


def test_a_refused_part_envcheck_did_send_is_not_called_changed_on_the_way() -> None:
    from types import SimpleNamespace

    from envcheck import llm
    from envcheck.checks.providers.diagnose import Sent, body_changed

    body = {"model": "m", "messages": [{"role": "user", "content": "Reply with OK."}]}
    sent = Sent("POST", "/v1/chat/completions", "http://h/v1/chat/completions", False, "m", body)
    sent.body["max_tokens"] = 5
    answer = published("heldout27--mistral-422-extra-forbidden").body.decode()
    own = answer.replace('"n"', '"max_tokens"')  # a field envcheck's request did carry
    nobody = SimpleNamespace()  # the provider is not read when nothing was changed on the way
    made = llm.classify("m", 422, {}, own, kind="openai")
    assert made.detail.invalid[0][0] == "body.max_tokens"
    assert body_changed(nobody, made, sent) is None  # type: ignore[arg-type]
    # DeepSeek's words for a value envcheck sent as it expects: not a change on the way
    said = published("heldout27--deepseek-422-deserialize").body.decode()
    typed = said.replace("sequence, expected a string", "a string, expected a sequence")
    made = llm.classify("d", 422, {}, typed, kind="openai")
    assert body_changed(nobody, made, sent) is None  # type: ignore[arg-type]
    # and a listing, which sends no body, is never read so
    listing = Sent("GET", "/v1/models", "http://h/v1/models", True)
    made = llm.classify("m", 422, {}, answer, kind="openai")
    assert made.detail.invalid and body_changed(nobody, made, listing) is None  # type: ignore
