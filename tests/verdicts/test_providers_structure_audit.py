"""A structural audit of the LLM providers' verdicts (issue 22), the HTTP status x body layer.

Method: each decision point of ``src/envcheck/llm/_errors.py`` (``classify``, ``_classify`` and its
helpers ``_too_many``, ``_forbidden``, ``_not_found``, the 401 branch) and of
``src/envcheck/checks/providers/`` (``diagnose.failure`` and its helpers, ``hooks.smoke_check``,
``http.Session.call``) was read with one question: which two different answers reach this same
branch and get the same verdict? The axes: which request was sent (the listing or the call), the
status, the body's structure (Gemini's ``error.status``, its QuotaFailure ``quotaId`` and its
ErrorInfo ``reason``; OpenAI's ``error.code``; a web framework's own 404 body) and a cause the
structure did not establish. What docs/verdicts/providers.md, test_providers*.py (the sweeps
too), test_heldout*.py and test_fallback_audit.py already list was skipped (among others:
OpenRouter's "User not found." and xAI's new team without credits, test_heldout.py's third and
sixth sets; GitHub Models' ``UserByModelByDay``, still without a whole published answer).

Predicted mis-tellings (each answer published; its source beside it, the replay files in
``tests/verdicts/replays/audit--*.json`` and SOURCES.md):

- ``gdaily``: Gemini's 429 whose QuotaFailure names two per-minute quotas and
  ``GenerateRequestsPerDayPerProjectPerModel-FreeTier`` (google-gemini/gemini-cli#8437).
  ``_too_many`` reads a daily quota only when no per-minute one is beside it: predicted "a
  per-minute or concurrency limit: it clears by itself", while the day's quota is among those
  exceeded and no minute's wait clears it;
- ``gcap``: Google's 429 RESOURCE_EXHAUSTED with ErrorInfo reason ``MODEL_CAPACITY_EXHAUSTED``,
  "No capacity available for model on the server" (gemini-cli#26633; a Gemini-API relay passes
  it on): the reason is never read at 429, so predicted "RESOURCE_EXHAUSTED without naming the
  quota: either a per-minute limit or the daily quota" and "lower rpm": a quota of the caller,
  where the structure names the service's capacity;
- ``gbearer``: the Gemini API's 401 UNAUTHENTICATED without ErrorInfo to the listing
  (QuantumNous/new-api#920), what Google answers an API key sent as ``Authorization: Bearer``
  (NousResearch/hermes-agent#62259); a wrong key is its 400 ``API_KEY_INVALID``. envcheck sends
  ``x-goog-api-key``: predicted "authentication failed" with "set a valid key", where the
  status x ``error.status`` says the credential arrived in an OAuth header, put there on the way;
- ``gleak``: Gemini's 403 PERMISSION_DENIED without a reason, "Your API key was reported as
  leaked" (continuedev/continue#11541, met at the call), to the call of a listed preview model,
  and the same to gemini-2.5-flash, which the listing also shows: predicted
  ``_forbidden_for_model``, "the key works, its permissions do not cover this model", while the
  same refusal of another model rules the model out (which request was sent decides);
- ``route404``: Starlette's / FastAPI's own 404 ``{"detail": "Not Found"}`` for a path it has no
  route for (starlette/routing.py, fastapi/exception_handlers.py) to ``POST /chat/completions``
  of a server whose listing answered (an embedding server: michaelfeil/infinity#298): predicted
  "is listed but refused ... the key may see the model without being allowed to use it", while
  the body is the framework's, about the URL, and names no model;
- ``oaproj``: OpenAI's 403 ``model_not_found`` "Project `proj_...` does not have access to model
  `gpt-4o-mini`" to the call of a listed model (cursor/cursor#2953): predicted right
  (``_forbidden_for_model``), the audit's control among the failures.

Healthy neighbours, which must pass: a Gemini key whose listing and generateContent answer (the
recorded answers), an OpenAI key whose listing and chat completion answer (the recorded ones).

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Expectations committed before envcheck's
first run on them (commit 0fb76d7).

First run (envcheck at 0fb76d7, before any change): 3 of 8 fully right, 0 partly, 5 wrong
("wrong": a cause or fix the case forbids, or the wrong status). Fully right: OpenAI's project
403 ``model_not_found`` (the control: "forbade the call of gpt-4o-mini ... its permissions do not
cover this model", access to the model) and both neighbours. Wrong, each as predicted: the per-day
quota beside per-minute ones failed headroom as "rate limited ... a per-minute or concurrency
limit: it clears by itself", fixed by "lower `rpm` ... or wait"; ``MODEL_CAPACITY_EXHAUSTED``
skipped smoke as "rate limited" ("RESOURCE_EXHAUSTED without naming the quota: either a
per-minute limit ... or the daily quota"; the reason shown, not read); the 401 UNAUTHENTICATED
without ErrorInfo failed auth as "authentication failed", fixed by "set a valid key: export
GEMINI_AUDIT_KEY=..."; the leaked key's 403 to the preview model failed smoke as "the key works,
its permissions do not cover this model", fixed by access to gemini-3-pro-preview, though the
same request for gemini-2.5-flash was refused alike (not asked); Starlette's 404 failed smoke as
"gpt-4o-mini is listed but refused ... the key may see the model without being allowed to use
it (access, organization verification)". Not an independent finding: the 401 UNAUTHENTICATED
answer (new-api#920) is the same body as test_heldout.py's fourth-set case
``heldout4--gemini-401-unauthenticated`` (new-api#844), which my grep for "CREDENTIALS_MISSING"
and "UNAUTHENTICATED" in the tables missed; that case asks only for the status, the words and
the AI Studio key page, so it passed with the key fix this audit calls wrong.

After (verdicts from structure, no word of a message deciding; commit c9e4069): 8 of 8 fully right,
each a row of docs/verdicts/providers.md (``PROVIDER_ROWS_AUDIT``, registered in test_providers.py's
every-row test) asserted on the run. llm/_errors.py: ``_too_many`` reads a ``…PerDay…`` quotaId
among the violations as the daily quota whatever per-minute ones are beside it ("a daily quota is
used up ... the per-minute ones beside it clear sooner; this one does not", "wait for the daily
reset"); ErrorInfo reason ``MODEL_CAPACITY_EXHAUSTED`` (``MODEL_CAPACITY``) is ``Overloaded`` at any
status, read before the status rules ("no capacity for this model now ... not a quota or rate of the
key's project", "retry later"), and diagnose.py's outage fix no longer sends a local server's
relayed Google reason to that server's log; the Gemini API's 401 ``UNAUTHENTICATED`` without
ErrorInfo to a request that carried the key is ``CredentialMoved`` ("credential changed on the way":
envcheck sent x-goog-api-key and no Authorization header; a wrong key is 400 API_KEY_INVALID), fixed
by finding what rewrites the Authorization header, then, if nothing does, a key from AI Studio (so
the fourth set's case still holds); a body whose one field is a string ``detail``
(``Detail.only_detail``) equal to "Not Found" at 404 to a call is ``NoRoute``, and after a listing
that answered, diagnose.py ``_no_route_after_listing`` says the server serves no chat completions
there and nothing of the model, fixed by base_url or ``smoke = false``. hooks.py ``smoke_check``
asks, for a 403 that diagnose.py would read as the model not open to the key (``model_forbidden``),
the same request of the kind's default model when the listing shows it (``_refused_alike``); refused
with the same status, ``refused_for_every_model``: "refused alike: the refusal is not about
gemini-3-pro-preview", with the answer's own fix (AI Studio's key page). Left as it was: OpenAI's
project 403 (right on the first run). No printed fix is run here: each is a person's act (a proxy's
configuration, a new key, another server).

Cost: 2 tests, one in-process envcheck session against one local server; 4.5 to 5.8 CPU-s
(``-n 0``, user+sys, pytest's start included) on a machine shared with other sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.verdicts.provider_runs import (
    HeldOutCase,
    assert_set_is_what_it_says,
    chat_routes,
    kind_and_key,
    listed_then,
    providers_round_test,
)
from tests.verdicts.replay import published
from tests.verdicts.test_providers import KEYS

PER_DAY = "https://github.com/google-gemini/gemini-cli/issues/8437"
CAPACITY = "https://github.com/google-gemini/gemini-cli/issues/26633"
BEARER = "https://github.com/QuantumNous/new-api/issues/920"
LEAKED = "https://github.com/continuedev/continue/issues/11541"
NO_ROUTE = "https://github.com/encode/starlette/blob/master/starlette/routing.py"
PROJECT = "https://github.com/cursor/cursor/issues/2953"
RECORDED_GEMINI = "https://github.com/posit-dev/chatlas"
RECORDED_OPENAI = "https://github.com/Mirascope/mirascope"

#: this audit's own keys (fake), each in the variable its instances read; none may be shown
OWN_KEYS = {
    "GEMINI_AUDIT_KEY": "AIzaStructureAudit22CanaryGeminiKey0001",
    "OPENAI_AUDIT_KEY": "sk-proj-StructureAudit22CanaryOpenAIKey0000000002",
}

#: what no verdict here may say
WRONG_CAUSES = ("closest:", "check the model name")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES


CASES = [
    Case(
        "gemini-429-per-minute-and-per-day",
        PER_DAY,
        "providers/gdaily.headroom",
        "fail",
        says=("quota exhausted", "GenerateRequestsPerDayPerProjectPerModel-FreeTier", "daily"),
        fix=("daily reset",),
        never=WRONG_CAUSES + ("clears by itself", "per-minute or concurrency limit"),
        also=listed_then("gdaily", ("providers/gdaily.smoke", "skip")),
    ),
    Case(
        "gemini-429-model-capacity-exhausted",
        CAPACITY,
        "providers/gcap.smoke",
        "fail",
        says=("reason=MODEL_CAPACITY_EXHAUSTED", "capacity"),
        fix=("retry later",),
        never=WRONG_CAUSES + ("daily quota", "lower `rpm`", "without naming the quota"),
        also=listed_then("gcap"),
    ),
    Case(
        "gemini-401-unauthenticated-bearer",
        BEARER,
        "providers/gbearer.auth",
        "fail",
        says=("UNAUTHENTICATED", "x-goog-api-key", "Authorization"),
        fix=("Authorization header",),
        never=WRONG_CAUSES + ("set a valid key", "rotate the API key", "key not received"),
    ),
    Case(
        "gemini-403-leaked-beside-another-model",
        LEAKED,
        "providers/gleak.smoke",
        "fail",
        says=("reported as leaked", "gemini-2.5-flash", "not about gemini-3-pro-preview"),
        fix=("aistudio.google.com/apikey",),
        never=WRONG_CAUSES + ("its permissions do not cover this model",),
        also=listed_then("gleak"),
    ),
    Case(
        "starlette-404-no-chat-route",
        NO_ROUTE,
        "providers/route404.smoke",
        "fail",
        says=("POST /emb/v1/chat/completions", "no route", '{"detail": "Not Found"}'),
        fix=("base_url",),
        never=WRONG_CAUSES + ("is listed but refused", "allowed to use it", "verification"),
        also=listed_then("route404"),
    ),
    Case(
        "openai-403-project-model-access",
        PROJECT,
        "providers/oaproj.smoke",
        "fail",
        says=("error.code=model_not_found", "gpt-4o-mini", "does not have access to model"),
        fix=("gpt-4o-mini",),
        never=WRONG_CAUSES + ("no cause is guessed", "set a valid key"),
        also=listed_then("oaproj"),
    ),
    Case(
        "gemini-200-beside-audit",
        RECORDED_GEMINI,
        "providers/gok.smoke",
        "pass",
        also=listed_then("gok"),
    ),
    Case(
        "openai-200-beside-audit",
        RECORDED_OPENAI,
        "providers/ook.smoke",
        "pass",
        also=listed_then("ook"),
    ),
]
#: the rows of docs/verdicts/providers.md these cases run (their cause and fix too)
PROVIDER_ROWS_AUDIT = {
    "gemini-429-per-minute-and-per-day": "gemini-429-per-day-beside-per-minute",
    "gemini-429-model-capacity-exhausted": "gemini-429-model-capacity-exhausted",
    "gemini-401-unauthenticated-bearer": "gemini-401-unauthenticated-without-reason",
    "gemini-403-leaked-beside-another-model": "gemini-403-refused-for-every-model",
    "starlette-404-no-chat-route": "starlette-404-no-chat-route",
    "openai-403-project-model-access": "openai-403-project-model-access",
    "gemini-200-beside-audit": "gemini-200-beside-structure-audit",
    "openai-200-beside-audit": "openai-200-beside-structure-audit",
}


#: the Gemini and OpenAI instances' kind and key lines (this audit's own variables)
GEMINI = kind_and_key("gemini", "GEMINI_AUDIT_KEY")
OPENAI = kind_and_key("openai", "OPENAI_AUDIT_KEY")
FLASH = "gemini-2.5-flash"
#: instance -> (kind and key lines, path of base_url on the server, model)
INSTANCES = {
    "gdaily": (GEMINI, "/gd", FLASH),
    "gcap": (GEMINI, "/gc", FLASH),
    "gbearer": (GEMINI, "/gb", FLASH),
    "gleak": (GEMINI, "/gl", "gemini-3-pro-preview"),
    "route404": (OPENAI, "/emb/v1", "gpt-4o-mini"),
    "oaproj": (OPENAI, "/op/v1", "gpt-4o-mini"),
    "gok": (GEMINI, "/gk", FLASH),
    "ook": (OPENAI, "/ok/v1", "gpt-4o-mini"),
}


def _generate(base: str, model: str) -> str:
    return f"POST {base}/v1beta/models/{model}:generateContent"


def routes() -> dict[str, Any]:
    """Every instance's routes on one server, each under its own base_url's path."""
    listing = published("gemini--models-list")
    leaked = published("gemini--403-key-leaked")
    gemini: dict[str, Any] = {f"GET {base}/v1beta/models": listing for base in INSTANCES_GEMINI}
    gemini |= {
        _generate("/gd", FLASH): published("audit--gemini-429-per-minute-and-per-day"),
        _generate("/gc", FLASH): published("audit--gemini-429-model-capacity-exhausted"),
        "GET /gb/v1beta/models": published("audit--gemini-401-unauthenticated-bearer"),
        _generate("/gl", "gemini-3-pro-preview"): leaked,
        _generate("/gl", FLASH): leaked,
        _generate("/gk", FLASH): published("gemini--generate-ok"),
    }
    models, chat_ok = published("openai--models-list"), published("openai--chat-ok")
    return gemini | chat_routes(
        {
            "/emb/v1": {"models": models, "chat": published("audit--starlette-404-not-found")},
            "/op/v1": {
                "models": models,
                "chat": published("audit--openai-403-project-model-access"),
            },
            "/ok/v1": {"models": models, "chat": chat_ok},
        }
    )


INSTANCES_GEMINI = ("/gd", "/gc", "/gl", "/gk")


test_providers_structure_audit = providers_round_test(
    routes, INSTANCES, OWN_KEYS, PROVIDER_ROWS_AUDIT, CASES
)


def test_the_audit_is_what_it_says() -> None:
    assert_set_is_what_it_says("audit", 5, CASES, 8, 6)
    assert not set(OWN_KEYS.values()) & set(KEYS.values())
