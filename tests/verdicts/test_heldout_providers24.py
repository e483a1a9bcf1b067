"""The twenty-fourth held-out set for LLM providers (issue 22): Gemini answers whose
``google.rpc.ErrorInfo`` reason (google.api.ErrorReason, googleapis/googleapis
``google/api/error_reason.proto`` at f8291d2) names something outside the key: Google Cloud's
organization restrictions, which a network's egress proxy applies by adding the
``X-Goog-Allowed-Resources`` header (the project outside the organizations it allows:
``ORG_RESTRICTION_VIOLATION``; the header malformed: ``ORG_RESTRICTION_HEADER_INVALID``), a request
that carried the API key and another credential together (``OVERLOADED_CREDENTIALS``), and a
project whose Google Cloud access is suspended (``GCP_SUSPENDED``). Kinds no row of
docs/verdicts/providers.md lists, no earlier held-out set made (test_heldout.py's eight, 9 to 23),
and no sweep covers: test_providers_sweep.py's ``GOOGLE_ERROR_REASONS`` (the rest of
google.api.ErrorReason it sweeps) has none of these four. Grepped before choosing, in both tables,
every earlier set, the sweeps, replays/SOURCES.md, src/envcheck/mock/data/SOURCES.md,
src/envcheck/llm and src/envcheck/checks/providers: ``ORG_RESTRICTION``,
``X-Goog-Allowed-Resources``, ``OVERLOADED_CREDENTIALS``, ``other authentication credentials``,
``GCP_SUSPENDED`` (none found). Found, so dropped: ``BILLING_DISABLED``,
``SECURITY_POLICY_VIOLATED``, ``USER_PROJECT_DENIED``, ``LOCATION_TAX_POLICY_VIOLATED`` and the
key restrictions (the sweep's reasons), ``CONSUMER_SUSPENDED`` (a row). Dropped as not met by an
API key's requests: the access-token reasons, ``SESSION_COOKIE_INVALID``, ``IAM_PERMISSION_DENIED``,
the location and TLS policies of resource creation. Azure OpenAI's codes were looked for too: the
ones published beyond the rows (``SpecialFeatureOrQuotaIdRequired``,
``DeploymentModelNotSupported``) answer resource deployments (ARM), not a key's calls.

Breakages (every answer to the model listing, ``GET /v1beta/models``, which sends the key only, as
``x-goog-api-key``):

- 403 ``PERMISSION_DENIED`` "Access denied by organization restriction. Please contact your
  administrator for additional information." reason ``ORG_RESTRICTION_VIOLATION``
  (salrashid123/org_header_restrict, the answer quoted whole): envcheck sends no
  ``X-Goog-Allowed-Resources``, so the network (its proxy) added it, and the key's project is not
  in the organizations it allows: not the key's validity or permissions; the fix is the network's
  administrator (the allowed organizations), or a key of a project in an allowed organization;
- 400 ``INVALID_ARGUMENT`` "Org Restriction Header is not valid. Please pass a valid Org Restriction
  Header." reason ``ORG_RESTRICTION_HEADER_INVALID`` (the same README): the header the proxy adds
  is malformed; the fix is the proxy's header value (a base64url JSON of ``resources`` and
  ``options``), not the key, not base_url;
- 401 ``UNAUTHENTICATED`` "API key for authentication is used with other authentication
  credentials." reason ``OVERLOADED_CREDENTIALS`` (error_reason.proto:606-621; the words as users
  quote them): envcheck sent the key alone, so something between it and Google added another
  credential (an ``Authorization`` header: a proxy, a gateway); the fix is to stop that (the
  request with one credential), not a new key;
- 403 ``PERMISSION_DENIED`` reason ``GCP_SUSPENDED`` (error_reason.proto:555-569, no message
  published: none replayed): the project's Google Cloud access is suspended; no key of it helps (a
  new key is the same project's); the fix is the project owner's appeal of the suspension.

Neighbours: the table's ``CONSUMER_SUSPENDED`` (the key suspended: a new key is the fix) beside
``GCP_SUSPENDED``; and, healthy, a Gemini key whose listing and generateContent answer (the
recorded answers).

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the requests the checks
send and where settings are read (docs/providers.md) had been read before the expectations were
written, and the twenty-third set's changes (written in this session).

Expectations committed before envcheck's first run on them (commit 3e2b80d).

First run (envcheck at 3e2b80d, with the twenty-third set's changes): 2 of 6 fully right (33%), 4
partly, none wrong ("wrong": a wrong status or a phrase the case forbids); of the 4 breakages, none
fully right. Fully right: the two neighbours (``CONSUMER_SUSPENDED`` stayed "suspended this key",
fixed by a new key; the healthy key passed). Partly, each failing the right check (auth): the
organization restriction was "permission denied ... reason=ORG_RESTRICTION_VIOLATION" fixed by "do
what the answer says" (the header and the network not named, no fix); the malformed header was
"bad request ... the model listing sends ... only the key and base_url, so one of these is what it
refused", fixed by "check the key ...; then check base_url" (a header envcheck does not send not
named); ``OVERLOADED_CREDENTIALS`` was "authentication failed", fixed by "set a valid key ... if the
key is valid, give it the permissions the answer names" (the key blamed, the added credential not
named); ``GCP_SUSPENDED`` was "permission denied: HTTP 403", fixed by "do what the answer says" (the
project's suspension not named, no appeal).

After (verdicts from structure: the ErrorInfo reason, and what envcheck's request carried): 6 of 6
fully right, each a row of docs/verdicts/providers.md (``PROVIDER_ROWS_24``) asserted on the run.
llm/_errors.py ``_google_reason`` reads the four reasons before any status rule:
``ORG_RESTRICTION_VIOLATION`` is "the network this request went through restricts Google Cloud to
certain organizations (... its proxy adds the X-Goog-Allowed-Resources header, which envcheck does
not send), and the key's project is not in one of them", fixed by the network's administrator (the
allowed organizations) or a key of a project in an allowed organization;
``ORG_RESTRICTION_HEADER_INVALID`` is that header "reached Google malformed", fixed by the proxy's
header value (no longer "check the key ...; then check base_url"); ``OVERLOADED_CREDENTIALS`` is
"the request reached Google with the API key and another credential together (an Authorization
header ...): envcheck sent the key alone", fixed by finding what adds the header (diagnose.py
``_key_fix``: no "set a valid key"); ``GCP_SUSPENDED`` is ``AccountRestricted`` "Google suspended
the Google Cloud project of the key", fixed by the owner's appeal or a key of another project. No
printed fix is run here: each is a network's proxy, a project's appeal, or something on the way
that adds a header.

Cost: 2 tests, one in-process envcheck session against one local server; 4.0 CPU-s (``-n 0``,
user+sys, pytest's start included).
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
    serve,
)
from tests.verdicts.replay import Replay, published
from tests.verdicts.test_providers import KEYS

ORG = (
    "https://github.com/salrashid123/org_header_restrict/blob/"
    "fd3ec135ca453ffe9c92922fbf86cf96c6241c51/README.md"
)
PROTO = (
    "https://github.com/googleapis/googleapis/blob/f8291d2b89f0017ab078a4c7378069bae5686f6f/"
    "google/api/error_reason.proto"
)
SUSPENDED = "https://github.com/thooton/muse/issues/6"
GEMINI_OK = (
    "https://github.com/Mirascope/mirascope/blob/790560f3a9160604f3c24bd31095fbd32b70e7c2/python/"
    "tests/e2e/output/cassettes/test_call/google_gemini_2_5_flash/async.yaml"
)

#: this set's own keys (fake), each in the variable its instance reads; none may be shown
OWN_KEYS = {
    "GEMINI_ORG_KEY": "AIzaHeldOut24CanaryGeminiOrgKey00000001",
    "GEMINI_PROXY_KEY": "AIzaHeldOut24CanaryGeminiProxyKey000002",
    "GEMINI_PROJECT_KEY": "AIzaHeldOut24CanaryGeminiProjectKey0003",
}

#: what no verdict here may say
WRONG_CAUSES = ("no cause is guessed", "closest:")
#: a refusal that is not the key's (its validity or its permissions)
NOT_THE_KEY = ("create a new key", "its permissions", "API_KEY_INVALID")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES


CASES = [
    Case(
        "gemini-403-org-restriction-violation",
        ORG,
        "providers/gorg.auth",
        "fail",
        says=("ORG_RESTRICTION_VIOLATION", "X-Goog-Allowed-Resources"),
        fix=("organization",),
        never=WRONG_CAUSES + NOT_THE_KEY,
    ),
    Case(
        "gemini-400-org-restriction-header-invalid",
        ORG,
        "providers/ghdr.auth",
        "fail",
        says=("ORG_RESTRICTION_HEADER_INVALID", "X-Goog-Allowed-Resources"),
        fix=("X-Goog-Allowed-Resources",),
        never=WRONG_CAUSES + NOT_THE_KEY + ("check the API key and base_url",),
    ),
    Case(
        "gemini-401-overloaded-credentials",
        PROTO,
        "providers/gcred.auth",
        "fail",
        says=("OVERLOADED_CREDENTIALS", "Authorization"),
        fix=("Authorization",),
        never=WRONG_CAUSES + NOT_THE_KEY,
    ),
    Case(
        "gemini-403-gcp-suspended",
        PROTO,
        "providers/gsusp.auth",
        "fail",
        says=("GCP_SUSPENDED", "project"),
        fix=("appeal",),
        never=WRONG_CAUSES + NOT_THE_KEY,
    ),
    Case(
        "gemini-403-consumer-suspended-kept",
        SUSPENDED,
        "providers/gkey.auth",
        "fail",
        says=("CONSUMER_SUSPENDED",),
        fix=("create a new key",),
        never=WRONG_CAUSES + ("GCP_SUSPENDED", "appeal", "organization"),
    ),
    Case(
        "gemini-200-answers",
        GEMINI_OK,
        "providers/gok.smoke",
        "pass",
        also=(("providers/gok.auth", "pass"), ("providers/gok.model", "pass")),
    ),
]
#: the rows of docs/verdicts/providers.md these cases run (their cause and fix too)
PROVIDER_ROWS_24 = {
    "gemini-403-org-restriction-violation": "gemini-403-org-restriction-violation",
    "gemini-400-org-restriction-header-invalid": "gemini-400-org-restriction-header-invalid",
    "gemini-401-overloaded-credentials": "gemini-401-overloaded-credentials",
    "gemini-403-gcp-suspended": "gemini-403-gcp-suspended",
    "gemini-403-consumer-suspended-kept": "gemini-403-consumer-suspended-beside-project",
    "gemini-200-answers": "gemini-200-beside-reasons",
}


def _gemini(variable: str) -> str:
    return f'kind = "gemini"\napi_key = "${{{variable}}}"\n'


#: instance -> (kind and key lines, path of base_url on the server, model)
INSTANCES = {
    "gorg": (_gemini("GEMINI_ORG_KEY"), "/g1", "gemini-2.5-flash"),
    "ghdr": (_gemini("GEMINI_ORG_KEY"), "/g2", "gemini-2.5-flash"),
    "gcred": (_gemini("GEMINI_PROXY_KEY"), "/g3", "gemini-2.5-flash"),
    "gsusp": (_gemini("GEMINI_PROJECT_KEY"), "/g4", "gemini-2.5-flash"),
    "gkey": (_gemini("GEMINI_PROJECT_KEY"), "/g5", "gemini-2.5-flash"),
    "gok": (_gemini("GEMINI_API_KEY"), "/g6", "gemini-2.5-flash"),
}


def routes() -> dict[str, Any]:
    """Every instance's routes on one server, each under its own base_url's path."""
    return {
        "GET /g1/v1beta/models": published("heldout24--gemini-403-org-restriction-violation"),
        "GET /g2/v1beta/models": published("heldout24--gemini-400-org-restriction-header-invalid"),
        "GET /g3/v1beta/models": published("heldout24--gemini-401-overloaded-credentials"),
        "GET /g4/v1beta/models": published("heldout24--gemini-403-gcp-suspended"),
        "GET /g5/v1beta/models": published("gemini--403-consumer-suspended"),
        "GET /g6/v1beta/models": published("gemini--models-list"),
        "POST /g6/v1beta/models/gemini-2.5-flash:generateContent": published("gemini--generate-ok"),
    }


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    yield from serve(routes())


def test_twenty_fourth_held_out_providers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Replay
) -> None:
    args = (server.url, INSTANCES, OWN_KEYS, PROVIDER_ROWS_24, CASES)
    assert_providers_round(pytester, monkeypatch, *args)


def test_the_twenty_fourth_set_is_what_it_says() -> None:
    assert_set_is_what_it_says("heldout24", 4, CASES, 6, 5)
    assert sum(c.name.endswith("-kept") for c in CASES) == 1
    assert not set(OWN_KEYS.values()) & set(KEYS.values())
