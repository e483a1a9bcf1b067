"""The twenty-ninth held-out set for LLM providers (issue 22): OpenAI-compatible services of China's
clouds whose one status stands for several things, told apart by the type or code beside it.
Moonshot/Kimi answers a 429 of its own capacity, ``engine_overloaded_error`` (its error table,
https://platform.moonshot.ai/docs/api/chat: too many concurrent requests, the node sheds load,
retry later), beside the account's ``rate_limit_reached_error``; Alibaba Cloud Model Studio
(DashScope, compatible mode) answers 403 ``AllocationQuota.FreeTierOnly`` when a model's free quota
is used up and the account allows only free use (its error codes,
https://help.aliyun.com/en/model-studio/error-code-start); Z.AI's GLM Coding Plan answers 429 with
business code 1308 when the plan's usage window is used up, "your limit resets at
${next_flush_time}" (Zhipu's error-code table, https://docs.bigmodel.cn/cn/api/api-code), on the
same status as code 1302, a concurrency limit. envcheck's smoke call (``POST /chat/completions``)
and headroom's repeat of it meet each; the listing answered.

Kinds no row of docs/verdicts/providers.md or ollama.md lists, no earlier held-out set made
(test_heldout.py's eight, 9 to 28) and no sweep covers. Grepped before choosing, in both tables,
every earlier set, the sweeps, replays/SOURCES.md, src/envcheck/mock/data/SOURCES.md and
src/envcheck: ``engine_overloaded``, ``FreeTierOnly``, ``AllocationQuota``, ``Throttling``,
``1308``, ``1305`` (none found); ``1302`` (only llm/_errors.py's Z.AI table, no row, no case).
Found, so dropped: Z.AI 1113 (row zai-429-1113-balance), DashScope ``Arrearage`` (row
dashscope-400-arrearage), Moonshot ``exceeded_current_quota_error`` and ``rate_limit_reached_error``
(rows of the seventeenth set), SiliconFlow 30011, Kimi ``access_terminated_error``, Cloudflare
Workers AI's envelope (sets 21, 22), Hugging Face's router 403 (set 18), TGI's 422 (set 23).
Dropped for want of a published body with its status: Z.AI 1305 "该模型当前访问量过大" (quoted
without a status, and once as inside a 200 stream), Hugging Face's serverless 503 "Model ... is
currently loading" with ``estimated_time`` (published only for the legacy ``/models/<id>`` task
route, which envcheck never calls), GitHub Models' ``no_access``.

Breakages (each the answer to the smoke call, and to headroom's repeat of it, after a listing that
answered):

- Moonshot 429 ``{"error": {"message": "The engine is currently overloaded, please try again
  later", "type": "engine_overloaded_error"}}`` (lucasdicioccio/agents-exe#336: status, headers and
  a 115-byte body; the body verbatim in MoonshotAI/MoonshotAI-Cookbook#16): Moonshot's side has no
  capacity for the call now: overloaded, retry later; not the account's rate (no "lower rpm"), not
  its credit, not the key;
- DashScope 403 ``AllocationQuota.FreeTierOnly`` (666ghj/BettaFish#609, from openai-python's
  error): the model's free quota is used up and the account is set to use the free tier only: the
  key was accepted; quota exhausted (smoke skipped, headroom fails), fixed by turning off "use free
  tier only" in the Model Studio console; not the key's permissions, not a rate;
- Z.AI 429 ``{"error": {"code": "1308", "message": "Usage limit reached for 5 hour. Your limit will
  reset at 2026-09-09 05:38:28"}}`` (hugalafutro/model-hotel#955, "the live 429 body"): the
  plan's usage window is used up until the time the answer gives (the code's documented
  ``next_flush_time``): quota exhausted until 2026-09-09 05:38:28, the fix names that time; not a
  per-minute rate that clears in seconds, not the balance (no recharge).

Neighbours: Z.AI 429 code 1302 "Rate limit reached for requests" (kaitranntt/ccs#536, verbatim), the
same status as 1308: a concurrency limit that clears as requests finish: rate limited, wait (must
not become a quota); and, healthy, Moonshot's listing and answer (the seventeenth set's replays).

Every instance's base_url names its service's host (``api.moonshot.ai``,
``dashscope-intl.aliyuncs.com``, ``api.z.ai``), resolved to the local replay in the test's
process only (provider_runs.resolve_to_loopback). Where a service's listing is not published
(DashScope's, Z.AI's), the instance's listing is OpenAI's recorded one and its model one that
listing shows (``gpt-4o-mini``): only the chat answer is judged there.

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the requests the checks
send (hooks.py: the listing, the smoke request and headroom's repeat of it) had been read before
the expectations were written.

Expectations committed before envcheck's first run on them (commit 3152adb).

First run (envcheck at 3152adb): 2 of 5 fully right (40%), 0 partly, 3 wrong ("wrong": a wrong
status or a phrase the case forbids); of the 3 breakages, none fully right. Fully right: both
neighbours (Z.AI's 1302 failed headroom as "rate limited ... too many requests at once for this API
(error.code=1302, a concurrency limit): it clears as the requests finish", fixed by "send fewer
requests at once ..., or wait"; Moonshot's listing and answer passed). Wrong: Moonshot's
``engine_overloaded_error`` was "rate limited ... a per-minute or concurrency limit: it clears by
itself", fixed by "lower `rpm` for mover ..., or wait", smoke skipped (the service's capacity
called the account's rate); DashScope's ``AllocationQuota.FreeTierOnly`` failed smoke as
"permission denied ... the key works, its permissions do not cover this model", fixed by giving the
key's account access to the model, headroom skipped (the free quota called the key's permissions,
the "use free tier only" setting not named); Z.AI's 1308 failed headroom (smoke skipped, as the
case wants) but as "rate limited ... a per-minute or concurrency limit: it clears by itself
(error.code=1308)", fixed by "lower `rpm` ..., or wait" (the plan's window called a per-minute
rate, the reset time not given).

After (verdicts from structure: Moonshot's ``error.type``, DashScope's ``error.code``/``type``,
Z.AI's business ``error.code`` and the ``${next_flush_time}`` its documented template puts in the
message; never the words around them): 5 of 5 fully right, each a row of
docs/verdicts/providers.md (``PROVIDER_ROWS_29``) asserted on the run. llm/_errors.py:
``OVERLOAD_TYPES`` (``engine_overloaded_error``) is ``Overloaded`` at any status, read before the
429 branch: "mover has no capacity for the call now (error.type=engine_overloaded_error: too many
requests on its side, and it sheds load): not the account's rate or its credit, and not the key",
fixed by "retry later (the service serves an account of a higher tier first)"; smoke fails, headroom
leaves it to smoke. ``QUOTA_CODES`` (``AllocationQuota.FreeTierOnly``, by code or type, at any
status) is ``QuotaExhausted`` with the code's own why and fix: "the free quota of this model is
used up, and the account is set to use the free tier only ... the key was accepted", fixed by
'turn off "use free tier only" for the model in the Model Studio console (its calls are then
paid), or set a model whose free quota is not used up' (no longer the key's permissions; smoke
skipped, headroom fails). ``_ZAI_CODES`` gains 1308 and 1310 (the plan's window; weekly or
monthly): ``QuotaExhausted``, "no request is served until the limit resets at 2026-09-09 05:38:28
(UTC+8, the time the answer gives); not a per-minute rate, and not the balance", fixed by "wait
until the limit resets at ..., or move the account to a plan with a higher limit" (a message
without a time gets no time made up: unit test). The 1302 neighbour and Moonshot's
``rate_limit_reached_error`` stay rates (unit test). No printed fix is run here: each is a wait,
an account's setting or plan, and the replay has none. The every-row test passes.

Cost: 3 tests (one in-process envcheck session against one local server, the set's count, one
unit test); 4.2 CPU-s (``-n 0``, user+sys, pytest's start and poetry's included).
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

OVERLOADED = "https://github.com/lucasdicioccio/agents-exe/issues/336"
FREE_TIER = "https://github.com/666ghj/BettaFish/issues/609"
USAGE_LIMIT = "https://github.com/hugalafutro/model-hotel/pull/955"
CONCURRENCY = "https://github.com/kaitranntt/ccs/issues/536"
MOONSHOT_OK = (
    "https://github.com/xpzouying/moonshot/blob/0b0d1349f42da65049e553cc10e25852354ec513/README.md"
)

#: this set's own keys (fake), each in the variable its instance reads; none may be shown
OWN_KEYS = {
    "MOONSHOT_R29_KEY": "sk-HeldOut29CanaryMoonshotApiKey00001",
    "DASHSCOPE_R29_KEY": "sk-HeldOut29CanaryDashScopeApiKey0002",
    "ZAI_R29_KEY": "HeldOut29CanaryZaiApiKey00000003.xyz",
}

#: what no verdict here may say
WRONG_CAUSES = ("no cause is guessed", "closest:", "check the model name", "set a valid key")
#: a limit that lasts (a quota, a plan's window) is not a rate that clears by itself
NOT_A_RATE = ("lower `rpm`", "clears by itself")
#: the account's credit is not what ran out
NOT_THE_CREDIT = ("add credits", "recharge")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES


CASES = [
    Case(
        "moonshot-429-engine-overloaded",
        OVERLOADED,
        "providers/mover.smoke",
        "fail",
        says=("overloaded", "engine_overloaded_error"),
        fix=("retry",),
        never=WRONG_CAUSES + NOT_THE_CREDIT + ("lower `rpm`", "quota exhausted", "its permissions"),
        also=listed_then("mover"),
    ),
    Case(
        "dashscope-403-free-tier-only",
        FREE_TIER,
        "providers/qfree.headroom",
        "fail",
        says=("quota exhausted", "AllocationQuota.FreeTierOnly"),
        fix=("use free tier only",),
        never=WRONG_CAUSES + NOT_A_RATE + ("its permissions", "new key"),
        also=listed_then("qfree", ("providers/qfree.smoke", "skip")),
    ),
    Case(
        "zai-429-1308-usage-limit",
        USAGE_LIMIT,
        "providers/zlimit.headroom",
        "fail",
        says=("quota exhausted", "1308", "2026-09-09 05:38:28"),
        fix=("2026-09-09 05:38:28",),
        never=WRONG_CAUSES + NOT_A_RATE + NOT_THE_CREDIT,
        also=listed_then("zlimit", ("providers/zlimit.smoke", "skip")),
    ),
    Case(
        "zai-429-1302-concurrency",
        CONCURRENCY,
        "providers/zrate.headroom",
        "fail",
        says=("rate limited", "1302"),
        fix=("wait",),
        never=WRONG_CAUSES + NOT_THE_CREDIT + ("quota exhausted",),
        also=listed_then("zrate", ("providers/zrate.smoke", "skip")),
    ),
    Case(
        "moonshot-200-answers",
        MOONSHOT_OK,
        "providers/mok.smoke",
        "pass",
        also=listed_then("mok", ("providers/mok.headroom", "pass")),
    ),
]
#: the rows of docs/verdicts/providers.md these cases run (their cause and fix too)
PROVIDER_ROWS_29 = {
    "moonshot-429-engine-overloaded": "moonshot-429-engine-overloaded",
    "dashscope-403-free-tier-only": "dashscope-403-free-tier-only",
    "zai-429-1308-usage-limit": "zai-429-1308-usage-limit",
    "zai-429-1302-concurrency": "zai-429-1302-beside-1308",
    "moonshot-200-answers": "moonshot-200-beside-overloaded",
}

MOONSHOT = 'kind = "openai"\napi_key = "${MOONSHOT_R29_KEY}"\n'
DASHSCOPE = 'kind = "openai"\napi_key = "${DASHSCOPE_R29_KEY}"\n'
ZAI = 'kind = "openai"\napi_key = "${ZAI_R29_KEY}"\n'
#: instance -> (kind and key lines, path of base_url on the server, model)
INSTANCES = {
    "mover": (MOONSHOT, "/mover/v1", "moonshot-v1-8k"),
    "qfree": (DASHSCOPE, "/qfree/compatible-mode/v1", "gpt-4o-mini"),
    "zlimit": (ZAI, "/zlimit/api/coding/paas/v4", "gpt-4o-mini"),
    "zrate": (ZAI, "/zrate/api/paas/v4", "gpt-4o-mini"),
    "mok": (MOONSHOT, "/mok/v1", "moonshot-v1-8k"),
}
#: each instance's base_url names its service's host (resolved to the replay in this process)
HOSTS = {
    "mover": "api.moonshot.ai",
    "mok": "api.moonshot.ai",
    "qfree": "dashscope-intl.aliyuncs.com",
    "zlimit": "api.z.ai",
    "zrate": "api.z.ai",
}


def routes() -> dict[str, Any]:
    """Every instance's routes on one server, each under its own base_url's path."""
    moonshot = published("heldout17--moonshot-200-models")
    openai = published("openai--models-list")
    answers = {
        "mover": (moonshot, "heldout29--moonshot-429-engine-overloaded"),
        "qfree": (openai, "heldout29--dashscope-403-free-tier-only"),
        "zlimit": (openai, "heldout29--zai-429-1308-usage-limit"),
        "zrate": (openai, "heldout29--zai-429-1302-concurrency"),
        "mok": (moonshot, "heldout17--moonshot-200-chat"),
    }
    return chat_routes(
        {
            INSTANCES[name][1]: {"models": listing, "chat": published(chat)}
            for name, (listing, chat) in answers.items()
        }
    )


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    yield from serve(routes())


def test_twenty_ninth_held_out_providers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Replay
) -> None:
    args = (server.url, INSTANCES, OWN_KEYS, PROVIDER_ROWS_29, CASES)
    assert_providers_round(pytester, monkeypatch, *args, hosts=HOSTS)


def test_the_twenty_ninth_set_is_what_it_says() -> None:
    assert_set_is_what_it_says("heldout29", 4, CASES, 5, 4)
    assert not set(OWN_KEYS.values()) & set(KEYS.values())


def test_the_type_or_code_decides_whatever_the_status() -> None:
    from envcheck import llm

    def made(status: int, name: str) -> llm.ProviderError:
        return llm.classify("svc", status, {}, published(name).body.decode(), kind="openai")

    # Moonshot's overload at 429 is its capacity; its rate_limit_reached_error stays a rate
    assert isinstance(made(429, "heldout29--moonshot-429-engine-overloaded"), llm.Overloaded)
    rate = made(429, "heldout17--moonshot-429-rate-limit-reached")
    assert isinstance(rate, llm.RateLimited) and not isinstance(rate, llm.Overloaded)
    # the free tier's code is the quota at any status (APIPark/APIPark#394 met it as 400)
    for status in (400, 403, 429):
        free = made(status, "heldout29--dashscope-403-free-tier-only")
        assert isinstance(free, llm.QuotaExhausted) and "use free tier only" in str(free.hint)
    # a plan's window without a time in its words: no time is made up
    weekly = {"error": {"code": "1310", "message": "Weekly/Monthly Limit Exhausted"}}
    found = llm.classify("z", 429, {}, json.dumps(weekly), kind="openai")
    assert isinstance(found, llm.QuotaExhausted) and "error.code=1310" in str(found.why)
    assert str(found.hint).startswith("wait until the limit resets, ")
    # 1302 on the same status stays a rate
    assert isinstance(made(429, "heldout29--zai-429-1302-concurrency"), llm.RateLimited)
