"""The seventeenth held-out set for LLM providers (issue 22): an OpenAI key bound to a regional
host, and the account and billing answers of OpenAI-compatible services no table lists (Z.AI /
Zhipu, Moonshot / Kimi, SiliconFlow), each with the fields its own error table uses (a business
``code`` in a 429, a ``type`` naming the quota in a 403, a top-level ``code`` outside OpenAI's
``error`` object). Kinds no row of docs/verdicts/providers.md or docs/verdicts/ollama.md lists, no
earlier held-out set made (test_heldout.py's eight, 9 to 16), and no sweep covers
(test_providers_sweep.py's documented errors are OpenAI's, Anthropic's, Gemini's, llama.cpp's,
vLLM's and Ollama's; test_compat_servers_sweep.py's are vLLM's, llama.cpp's, LiteLLM's, TGI's and
Ollama's /v1). Grepped before choosing, in both tables, every earlier set, the sweeps and
replays/SOURCES.md: ``incorrect_hostname``, ``1113``, ``exceeded_current_quota``,
``rate_limit_reached``, ``access_terminated``, ``30011``, ``moonshot``, ``siliconflow``,
``openai-project`` (none found). Dropped after the grep: OpenCode's 402 "Insufficient Balance"
(the body of ``deepseek--402-insufficient-balance``, row ``deepseek-402-balance-*``), and every
Ollama kind the brief suggested (``model is required`` and ``invalid model name`` are
test_providers_sweep.py's, the 412 ``requires a newer version`` comes only from ``ollama pull``,
which envcheck never sends; ``pull model manifest: file does not exist`` is row
``ollama-pull-manifest``, ``signal: killed`` row ``ollama-generate-500-killed``); and the
suggested Anthropic / Gemini / Azure kinds (``billing_error`` is the sweep's, the credit balance,
``request_too_large``, ``API_KEY_HTTP_REFERRER_BLOCKED`` / ``..._IP_ADDRESS_...``, the location
``FAILED_PRECONDITION``, ``models/`` prefixes, Azure's api-version and ``OperationNotSupported``
are rows). Each answer is replayed verbatim (``replays/heldout17--*``, sources in
``replays/SOURCES.md``) by one local server to one in-process envcheck session.

Breakages:

- ``[providers.openai]`` with a key of a project with US data residency (OPENAI_PROJECT_ID and
  OPENAI_ORG_ID set, as in skill-validator#70): the listing answers 401 ``incorrect_hostname``
  "Attempted to access resource with incorrect regional hostname. Please make your request to
  us.api.openai.com": the key is fine, the host is not (OpenAI's data-residency hosts,
  ``us.api.openai.com`` / ``eu.api.openai.com``);
- Z.AI / Zhipu's 429 with business code ``1113`` (its error table: HTTP 429 is both
  "concurrency exceeded" (1302) and "account balance exhausted" (1113)): the balance, not a rate;
- Moonshot's 403 ``exceeded_current_quota_error`` to the chat call (the listing answered): the
  account has no balance; the key was accepted;
- SiliconFlow's 403 ``{"code": 30011, "message": "The selected model requires paid balance..."}``
  to the chat call of a listed model: a code outside OpenAI's ``error`` object;
- Kimi Code's 403 ``access_terminated_error`` (the account terminated) to the listing: not the
  key's permissions, and no new key helps.

Neighbours: Moonshot's 429 ``rate_limit_reached_error`` (a rate, which must stay a rate: the
neighbour of the quota answer on the same service); healthy, which must pass: an ``openai``-kind
table with ``organization`` and ``project`` set (the headers OpenAI-Organization and
OpenAI-Project sent, the recorded listing and answer); Moonshot's listing without a top-level
``object`` and with OpenAI's old ``permission`` arrays, and its chat answer (id ``cmpl-...``).

Where a service's own listing is not published (Z.AI, SiliconFlow), the instance's listing is
OpenAI's recorded one and its model one that listing shows (``gpt-4o-mini``): only the chat
answer is judged there.

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the requests the checks
send, where settings are read (docs/providers.md) and llm/_errors.py's ``classify`` entry (how a
402, 429 and 403 are ordered) had been read before the expectations were written.

Expectations committed before envcheck's first run on them (commit 46789cb).

First run (envcheck at 46789cb, before any change): 4 of 8 fully right (50%), 1 partly, 3 wrong;
of the 5 breakages, 1 fully right. Fully right: Kimi Code's ``access_terminated_error`` (auth
fails with the type and the service's words, "do what the answer says" and its link, never the
key), Moonshot's ``rate_limit_reached_error`` (headroom fails as a rate, "lower `rpm` ... or
wait"), and both healthy neighbours. Partly: Z.AI's 1113 failed headroom (auth passed, smoke
skipped) but as "rate limited ... HTTP 429 without a structured reason", the code 1113 not shown,
and the fix led with "lower `rpm` ... or wait" before "look at the account's limits and credits".
Wrong: ``incorrect_hostname`` failed auth with "set a valid key: export OPENAI_API_KEY=...
(https://platform.openai.com/api-keys)" (a fix that does not fix: the key is valid, the host is
not); Moonshot's 403 ``exceeded_current_quota_error`` failed smoke as "the key works, its
permissions do not cover this model", fixed by access to the model or another model (headroom
skipped), although the type names the account's quota; SiliconFlow's 403 code 30011 the same
("its permissions do not cover this model"), the code not shown.

After (verdicts from the answer's fields: ``error.code``, ``error.type``, a top-level ``code``;
none from a message's words): 8 of 8 fully right, each a row of docs/verdicts/providers.md
(``PROVIDER_ROWS_17``) asserted on the run. ``incorrect_hostname`` is its own error
(llm/_errors.py ``RegionalHost``: the host the answer names is read from it as a value), fixed
by ``base_url`` at that host (an Edit of the table, or the base-URL variable when one is set);
a numeric code that is not an HTTP status is kept as the service's business code, and Z.AI's
documented codes decide its 429 (1113 the balance, 1110-1112/1121 the account, 1211 the model,
1302 a rate); a type naming the account's credit (``insufficient_quota``,
``exceeded_current_quota_error``) is the quota at any status; a 403 carrying a business code
is no longer read as the key's permissions (the honest fallback: the code and the service's
words).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.verdicts.provider_runs import (
    HeldOutCase,
    assert_graded,
    assert_set_is_what_it_says,
    chat_routes,
    clean_environment,
    provider_section,
    run,
    serve,
)
from tests.verdicts.replay import Replay, published

HOSTNAME = "https://github.com/agent-ecosystem/skill-validator/issues/70"
ZAI = "https://github.com/7836246/cursor2api/issues/30"
ZAI_CODES = "https://docs.z.ai/api-reference/api-code"
MOONSHOT_QUOTA = "https://github.com/MoonshotAI/Kimi-K2/issues/5"
MOONSHOT_RATE = "https://github.com/666ghj/BettaFish/issues/258"
MOONSHOT_OK = (
    "https://github.com/xpzouying/moonshot/blob/0b0d1349f42da65049e553cc10e25852354ec513/README.md"
)
SILICONFLOW = "https://github.com/FoundationAgents/OpenManus/issues/438"
KIMI_TERMINATED = "https://github.com/clacky-ai/openclacky/issues/192"
OPENAI_PROJECTS = "https://platform.openai.com/docs/api-reference/introduction"

#: what no verdict here may say (a cause of another kind)
WRONG_CAUSES = ("set a valid key", "rotate", "invalid api key")
#: a limit of credit is not a rate that clears by itself
NOT_A_RATE = ("lower `rpm`", "clears by itself")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES


CASES = [
    Case(
        "openai-401-incorrect-hostname",
        HOSTNAME,
        "providers/openai.auth",
        "fail",
        says=("incorrect_hostname", "us.api.openai.com"),
        fix=('base_url = "https://us.api.openai.com/v1"',),
        never=WRONG_CAUSES + ("api-keys", "OPENAI_ORG_ID", "organization id"),
    ),
    Case(
        "zai-429-1113-balance",
        ZAI,
        "providers/zai.headroom",
        "fail",
        says=("1113",),
        fix=("credit",),
        never=WRONG_CAUSES + NOT_A_RATE,
        also=(("providers/zai.auth", "pass"), ("providers/zai.smoke", "skip")),
    ),
    Case(
        "moonshot-403-exceeded-current-quota",
        MOONSHOT_QUOTA,
        "providers/mquota.headroom",
        "fail",
        says=("exceeded_current_quota_error",),
        fix=("credit",),
        never=WRONG_CAUSES + NOT_A_RATE + ("its permissions", "new key"),
        also=(
            ("providers/mquota.auth", "pass"),
            ("providers/mquota.model", "pass"),
            ("providers/mquota.smoke", "skip"),
        ),
    ),
    Case(
        "siliconflow-403-30011-paid-balance",
        SILICONFLOW,
        "providers/sflow.smoke",
        "fail",
        says=("30011", "paid balance"),
        never=WRONG_CAUSES + ("its permissions", "new key"),
        also=(("providers/sflow.auth", "pass"), ("providers/sflow.model", "pass")),
    ),
    Case(
        "kimi-403-access-terminated",
        KIMI_TERMINATED,
        "providers/kimiterm.auth",
        "fail",
        says=("access_terminated_error", "Access terminated"),
        never=WRONG_CAUSES + ("its permissions", "new key", "check base_url"),
    ),
    Case(
        "moonshot-429-rate-limit-reached",
        MOONSHOT_RATE,
        "providers/mrate.headroom",
        "fail",
        says=("rate_limit_reached_error",),
        fix=("wait",),
        never=WRONG_CAUSES + ("out of credit", "add credits"),
        also=(("providers/mrate.auth", "pass"), ("providers/mrate.smoke", "skip")),
    ),
    Case(
        "openai-kind-organization-and-project",
        OPENAI_PROJECTS,
        "providers/oaproj.smoke",
        "pass",
        also=(("providers/oaproj.auth", "pass"), ("providers/oaproj.model", "pass")),
    ),
    Case(
        "moonshot-200-listing-without-object",
        MOONSHOT_OK,
        "providers/mhealthy.smoke",
        "pass",
        also=(("providers/mhealthy.auth", "pass"), ("providers/mhealthy.model", "pass")),
    ),
]
#: the rows of docs/verdicts/providers.md these cases run (their cause and fix too)
PROVIDER_ROWS_17 = {
    "openai-401-incorrect-hostname": "openai-401-incorrect-hostname",
    "zai-429-1113-balance": "zai-429-1113-balance",
    "moonshot-403-exceeded-current-quota": "moonshot-403-exceeded-current-quota",
    "siliconflow-403-30011-paid-balance": "siliconflow-403-business-code",
    "kimi-403-access-terminated": "kimi-403-access-terminated",
    "moonshot-429-rate-limit-reached": "moonshot-429-rate-limit-reached",
    "openai-kind-organization-and-project": "openai-kind-200-organization-and-project",
    "moonshot-200-listing-without-object": "moonshot-200-listing-without-object",
}

OPENAI = 'kind = "openai"\napi_key = "${OPENAI_API_KEY}"\n'
#: instance -> (kind line, path of base_url on the server, model, extra settings)
INSTANCES = {
    "openai": ("", "/v1", "gpt-4o-mini", ""),
    "zai": (OPENAI, "/api/paas/v4", "gpt-4o-mini", ""),
    "mquota": (OPENAI, "/mq/v1", "moonshot-v1-8k", ""),
    "sflow": (OPENAI, "/sf/v1", "gpt-4o-mini", ""),
    "kimiterm": (OPENAI, "/coding/v1", "kimi-for-coding", ""),
    "mrate": (OPENAI, "/mr/v1", "moonshot-v1-8k", ""),
    "oaproj": (
        OPENAI,
        "/p/v1",
        "gpt-4o-mini",
        'organization = "org-HeldOut17"\nproject = "proj_HeldOut17"\n',
    ),
    "mhealthy": (OPENAI, "/mh/v1", "moonshot-v1-8k", ""),
}
MOONSHOT_MODELS = "heldout17--moonshot-200-models"


def routes() -> dict[str, Any]:
    """Every instance's routes on one server, each under its own base_url's path."""
    openai_ok = {"models": published("openai--models-list"), "chat": published("openai--chat-ok")}
    moonshot_ok = {
        "models": published(MOONSHOT_MODELS),
        "chat": published("heldout17--moonshot-200-chat"),
    }
    answers = {
        "/v1": {"models": published("heldout17--openai-401-incorrect-hostname")},
        "/api/paas/v4": {
            "models": openai_ok["models"],
            "chat": published("heldout17--zai-429-1113-insufficient-balance"),
        },
        "/mq/v1": {
            "models": moonshot_ok["models"],
            "chat": published("heldout17--moonshot-403-exceeded-current-quota"),
        },
        "/sf/v1": {
            "models": openai_ok["models"],
            "chat": published("heldout17--siliconflow-403-30011-paid-balance"),
        },
        "/coding/v1": {"models": published("heldout17--kimi-403-access-terminated")},
        "/mr/v1": {
            "models": moonshot_ok["models"],
            "chat": published("heldout17--moonshot-429-rate-limit-reached"),
        },
        "/p/v1": openai_ok,
        "/mh/v1": moonshot_ok,
    }
    return chat_routes(answers)


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    yield from serve(routes())


def _toml(server: Replay) -> str:
    return "".join(
        provider_section(name, f"{server.url}{path}", model, kind, extra)
        for name, (kind, path, model, extra) in INSTANCES.items()
    )


def test_seventeenth_held_out_providers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Replay
) -> None:
    clean_environment(monkeypatch)
    # as skill-validator#70's user had them: the project and organization of the key
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_HeldOut17Residency")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-HeldOut17Residency")
    checks = run(pytester, "providers", _toml(server))
    assert_graded("providers", PROVIDER_ROWS_17, CASES, checks)
    # the organization and project went where openai-python sends them
    listing = server.calls_to("GET", "/p/v1/models")
    assert listing and listing[0].headers.get("openai-project") == "proj_HeldOut17"
    assert listing[0].headers.get("openai-organization") == "org-HeldOut17"
    vendor = server.calls_to("GET", "/v1/models")
    assert vendor and vendor[0].headers.get("openai-project") == "proj_HeldOut17Residency"


def test_the_seventeenth_set_is_what_it_says() -> None:
    assert_set_is_what_it_says("heldout17", 8, CASES, 8, 6)
