"""The twenty-eighth held-out set for LLM providers (issue 22): MiniMax's business errors inside an
HTTP 200. MiniMax's OpenAI-compatible API (base_url ``https://api.minimax.io/v1``, its listing
``GET /v1/models`` and ``POST /v1/chat/completions``, as its documentation gives them) writes an
object of its own into every answer, ``base_resp`` (``status_code``, ``status_msg``): 0 when the
call succeeded, else one of the codes of its error-code page
(https://platform.minimax.io/docs/api-reference/errorcode: 1000 unknown error and 1001 request
timeout, "Please retry your requests later"; 1002 rate limit; 1004 not authorized; 1008
insufficient balance, "Please check your account balance"; ...; 2049 invalid api key), and it
answers such an error with HTTP 200 and no ``choices`` (relays that sit in front of it read it
so: QuantumNous/new-api's minimax adaptor test "Fake 200 with invalid api key (status_code:
2049)"; adrianlyjak/obsidian-aloud-tts#114 "When Minimax returns an API error with HTTP 200").
envcheck's smoke call (``POST /chat/completions``) and, with ``smoke``, headroom's call meet it;
the listing answered.

Kinds no row of docs/verdicts/providers.md lists, no earlier held-out set made (test_heldout.py's
eight, 9 to 27) and no sweep covers. Grepped before choosing, in both tables, every earlier set,
the sweeps, replays/SOURCES.md, src/envcheck/mock/data/SOURCES.md and src/envcheck:
``base_resp``, ``status_msg``, ``minimax`` (only an Ollama cloud model's name,
ollama-show-403-cloud-disabled), ``2049``, ``1008`` (none found). The errors inside a 200 envcheck
reads are OpenRouter's ``ErrorResponse`` (row openrouter-200-error-object: ``error.code`` an HTTP
status, no answer field beside it), Gemini's ``promptFeedback``/``finishReason`` and OpenAI's
``content_filter``/Anthropic's ``refusal`` (fourteenth set). Considered and dropped: errors inside
a stream (Anthropic's ``event: error``, an SSE error chunk, Gemini's streamed array): envcheck
never streams (row openai-400-verify-to-stream), and a forced stream is row smoke-answered-as-sse;
MiniMax's Anthropic-compatible endpoint answering a balance as 500 ``api_error`` "insufficient
balance (1008)" (MiniMax-AI/MiniMax-M2#62): the code is only in the message's words, and whether
that endpoint lists models is not published; Mistral's 429 "Service tier capacity exceeded for
this model." (continuedev/continue#6185): type ``invalid_request_error`` and code null, so only
the words would tell it from a key's rate limit; ModelScope's 429 ``insufficient_balance_error``
for one routed model (modelscope/modelscope#1691): the relay's own account, not the caller's, and
nothing in the answer says which.

Breakages (each the answer to the smoke call, or headroom's, after a listing that answered):

- ``{"base_resp": {"status_code": 2049, "status_msg": "invalid api key"}}`` in a 200
  (MiniMax-AI/MiniMax-01#37, verbatim: the same key worked with MiniMax's other endpoints): MiniMax
  refused the key for this call, code 2049, read from ``base_resp``; not another service at
  base_url, not a shapeless answer; the fix names the variable the key comes from;
- ``base_resp`` 1008 "insufficient balance" in a 200 (assembled: the error-code page's code and
  words in that body, the 200 as obsidian-aloud-tts#114 reports it for 1008): the account's
  balance ran out: the key was accepted, smoke is skipped and headroom fails as quota exhausted,
  fixed at the account's balance;
- ``base_resp`` 1000 "unknown error, 999" in a 200 (continuedev/continue#11733: MiniMax M2.5
  through its OpenAI-compatible API, no HTTP error status; assembled into ``base_resp``): a
  failure on MiniMax's side (its page: retry later), not the caller's key or base_url.

Neighbours (healthy): MiniMax's documented answer, ``base_resp`` 0 with an empty ``status_msg``
(platform.minimax.io), and the mainland documentation's, 0 with ``status_msg`` "success"
(platform.minimaxi.com): both answered, every check passes (code 0 is no error, whatever its
words).

Every instance's base_url is ``http://api.minimax.io:<port>/<instance>/v1``, the name resolved to
the local replay in the test's process only (provider_runs.resolve_to_loopback).

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the requests the checks
send (hooks.py: the listing, the smoke request and headroom's repeat of it) had been read before
the expectations were written.

Expectations committed before envcheck's first run on them (commits bc01d8d, 91d5bc8: the second
only reaches the replay by MiniMax's host name).

First run (envcheck at 91d5bc8): 2 of 5 fully right (40%), 0 partly, 3 wrong ("wrong": a wrong
status or a phrase the case forbids); of the 3 breakages, none fully right. Fully right: both
neighbours (``base_resp`` 0 answered, whatever its ``status_msg``). Wrong, each by phrases the
case forbids: the 2049, 1008 and 1000 answers were each "answered ... with HTTP 200 and JSON that
is not the shape of this API's answer (no `choices`) | ... this JSON came from something else at
base_url (another service, a gateway's or a stub's answer)", fixed by "check base_url of
[tool.envcheck.providers.<name>]" (``base_resp`` not read: MiniMax's own answer called another
service's; the key, the balance and MiniMax's side not named); for 1008 the smoke check failed
so, and headroom was skipped ("rate limits not read: the answer to its request is not the openai
API's") where the case wants headroom to fail as quota exhausted and smoke skipped.

After (verdicts from structure: MiniMax's ``base_resp.status_code``, a number of its error-code
page, in a 200 without an answer in ``choices``; never its ``status_msg`` words): 5 of 5 fully
right, each a row of docs/verdicts/providers.md (``PROVIDER_ROWS_28``) asserted on the run.
llm/_errors.py: ``detail`` reads ``base_resp`` (code field ``base_resp.status_code``, message
``status_msg``) when no ``error`` object is there and the code is a non-zero integer
(``minimax_code``); ``MINIMAX_CODES`` gives each code the page documents (and 2049, 2056 from
MiniMax's own answers) the status it stands for (``minimax_status``); ``_minimax_code``, read
first in ``_classify``, makes the class from the code whatever the HTTP status: 1008 quota
exhausted ("the key was accepted, and no call is served until the balance of its account is
topped up", fixed by "top up the balance of the MiniMax account the key belongs to"), 1002/2056
rate limited, 1004/2049 the key ("MiniMax refused the key for this call", fixed by "set a key that
MiniMax issued for this host ...: export MINIMAX_R28_KEY=..."), 1000/1024/1033 MiniMax's side
("retry later"), 1001 a timeout, any other code the honest fallback with its code. providers/
http.py ``in_body_error`` (was ``in_body_status``, OpenRouter's only) returns the status, the field
and code, and whose shape it is; the why says "answered HTTP 200 with base_resp.status_code 1008
...: MiniMax answers a failed call with HTTP 200 and its own base_resp, read as HTTP 402", and a
skipped check "quota exhausted (HTTP 200 with base_resp.status_code 1008, read as 402)".
diagnose.py ``failure``: MiniMax's key codes after a listing that accepted the key name the key
(``_key_fix``), not a model closed to it (``_key_refused_for_model``). Unit tests: code 0 and a
``base_resp`` beside ``choices`` are no error, a bool is no code, OpenRouter's ErrorResponse reads
as before, an unmapped code is the honest fallback. No printed fix is run here: each is an
account's (a key of the host's region, a top-up) or a wait, and the replay has none. Held-out set
14 (OpenRouter's 200) and the every-row test pass (``-n 2``).

Cost: 4 tests (one in-process envcheck session against one local server, three unit tests);
5.1 CPU-s (``-n 0``, user+sys, pytest's start and poetry's included).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.verdicts.provider_runs import (
    HeldOutCase,
    assert_providers_round,
    assert_set_is_what_it_says,
    chat_routes,
    listed_then,
    serve,
)
from tests.verdicts.replay import Replay, published
from tests.verdicts.test_providers import KEYS

KEY_2049 = "https://github.com/MiniMax-AI/MiniMax-01/issues/37"
BALANCE = "https://platform.minimax.io/docs/api-reference/errorcode"
UNKNOWN = "https://github.com/continuedev/continue/issues/11733"
ANSWER = "https://platform.minimax.io/docs/api-reference/text-chat-openai"
ANSWER_CN = "https://platform.minimaxi.com/docs/api-reference/text-chat-openai"

#: this set's own key (fake), in the variable every instance reads; it may not be shown
OWN_KEYS = {"MINIMAX_R28_KEY": "sk-api-HeldOut28CanaryMiniMaxApiKey00000001"}

#: what no verdict here may say
WRONG_CAUSES = ("no cause is guessed", "closest:", "check the model name")
#: MiniMax's own answer is not another service's, nor an answer without text
NOT_ELSEWHERE = ("something else at base_url", "check base_url", "with no text")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES + NOT_ELSEWHERE


CASES = [
    Case(
        "minimax-200-2049-key-refused",
        KEY_2049,
        "providers/mmkey.smoke",
        "fail",
        says=("base_resp", "2049", "invalid api key"),
        fix=("MINIMAX_R28_KEY",),
        also=listed_then("mmkey"),
    ),
    Case(
        "minimax-200-1008-balance",
        BALANCE,
        "providers/mmbal.headroom",
        "fail",
        says=("quota exhausted", "base_resp", "1008", "insufficient balance"),
        fix=("balance",),
        also=listed_then("mmbal", ("providers/mmbal.smoke", "skip")),
    ),
    Case(
        "minimax-200-1000-unknown-error",
        UNKNOWN,
        "providers/mmerr.smoke",
        "fail",
        says=("base_resp", "1000", "unknown error"),
        fix=("retry",),
        also=listed_then("mmerr"),
    ),
    Case(
        "minimax-200-answers",
        ANSWER,
        "providers/mmok.smoke",
        "pass",
        also=listed_then("mmok", ("providers/mmok.headroom", "pass")),
    ),
    Case(
        "minimax-200-answers-success",
        ANSWER_CN,
        "providers/mmcn.smoke",
        "pass",
        also=listed_then("mmcn", ("providers/mmcn.headroom", "pass")),
    ),
]
#: the rows of docs/verdicts/providers.md these cases run (their cause and fix too)
PROVIDER_ROWS_28 = {
    "minimax-200-2049-key-refused": "minimax-200-base-resp-2049-smoke",
    "minimax-200-1008-balance": "minimax-200-base-resp-1008-headroom",
    "minimax-200-1000-unknown-error": "minimax-200-base-resp-1000-smoke",
    "minimax-200-answers": "minimax-200-base-resp-0",
    "minimax-200-answers-success": "minimax-200-base-resp-0-success",
}

MINIMAX = 'kind = "openai"\napi_key = "${MINIMAX_R28_KEY}"\n'
#: the replay is reached by MiniMax's own host name (resolved to it in this process only), so
#: that base_url names a hosted service, as it does for MiniMax's users, not a server on this
#: machine (whose own log would say what failed)
HOST = "api.minimax.io"
#: instance -> (kind and key lines, path of base_url on the server, model)
INSTANCES = {
    name: (MINIMAX, f"/{name}/v1", "MiniMax-M2.7")
    for name in ("mmkey", "mmbal", "mmerr", "mmok", "mmcn")
}
#: each instance's answer to the chat completion (the listing is MiniMax's documented one)
CHAT = {
    "mmkey": "heldout28--minimax-200-base-resp-2049",
    "mmbal": "heldout28--minimax-200-base-resp-1008",
    "mmerr": "heldout28--minimax-200-base-resp-1000",
    "mmok": "heldout28--minimax-200-chat",
    "mmcn": "heldout28--minimax-200-chat-success",
}


def routes() -> dict[str, Any]:
    """Every instance's routes on one server, each under its own base_url's path."""
    listing = published("heldout28--minimax-200-models")
    return chat_routes(
        {f"/{name}/v1": {"models": listing, "chat": published(chat)} for name, chat in CHAT.items()}
    )


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    yield from serve(routes())


def test_twenty_eighth_held_out_providers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Replay
) -> None:
    args = (server.url, INSTANCES, OWN_KEYS, PROVIDER_ROWS_28, CASES)
    assert_providers_round(pytester, monkeypatch, *args, host=HOST)


def test_the_twenty_eighth_set_is_what_it_says() -> None:
    assert_set_is_what_it_says("heldout28", 6, CASES, 5, 3)
    assert not set(OWN_KEYS.values()) & set(KEYS.values())


def _answer(body: Any) -> Any:
    """A 200 with ``body`` as JSON, as envcheck's session reads it."""
    import httpx

    request = httpx.Request("POST", "http://api.minimax.io/v1/chat/completions")
    return httpx.Response(200, json=body, request=request)


def test_base_resp_is_read_by_its_code() -> None:
    from envcheck import llm

    said = llm.detail(published("heldout28--minimax-200-base-resp-1008").body)
    assert (said.code, said.code_field) == ("1008", llm.MINIMAX_FIELD)
    assert said.message == "insufficient balance"
    # code 0 is no error, whatever status_msg says; a bool is no code
    for ok in ("heldout28--minimax-200-chat", "heldout28--minimax-200-chat-success"):
        assert llm.minimax_code(json.loads(published(ok).body)) is None
    assert llm.minimax_code({"base_resp": {"status_code": True, "status_msg": "x"}}) is None


def test_what_a_200_carries_inside() -> None:
    from envcheck import llm
    from envcheck.checks.providers.http import in_body_error

    balance = in_body_error(
        _answer(json.loads(published("heldout28--minimax-200-base-resp-1008").body))
    )
    assert balance is not None and balance[:2] == (402, "base_resp.status_code 1008")
    # an answer in choices beside a code is that answer; code 0 beside it is no error
    answered = json.loads(published("heldout28--minimax-200-chat").body)
    assert in_body_error(_answer(answered)) is None
    beside = {**answered, "base_resp": {"status_code": 1002, "status_msg": "rate limit"}}
    assert in_body_error(_answer(beside)) is None
    # OpenRouter's ErrorResponse, read as before
    routed = in_body_error(_answer({"error": {"code": 429, "message": "Provider returned error"}}))
    assert routed is not None and routed[:2] == (429, "error.code 429")
    # a code the table does not hold: no status of its own, the honest fallback with the code
    other = {"base_resp": {"status_code": 1234, "status_msg": "something else"}}
    found = in_body_error(_answer(other))
    assert found is not None and found[0] == 200
    made = llm.classify("mm", 200, {}, json.dumps(other), kind="openai")
    assert isinstance(made, llm.UnexpectedAnswer) and "base_resp.status_code 1234" in str(made.why)
