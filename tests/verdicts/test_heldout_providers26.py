"""The twenty-sixth held-out set for LLM providers (issue 22): answers the official SDKs' own
sources single out, met on the way to the provider rather than from it. anthropic-sdk-python
(009b035) sends ``anthropic-version: 2023-06-01`` on every request (src/anthropic/_client.py:366,
:786) and Anthropic refuses a request whose header is missing or is no version it publishes
(400 ``invalid_request_error``); envcheck sends the same header
(checks/providers/http.py:38), so such an answer says something between envcheck and Anthropic
changed it. openai-python (e43b422) raises
``InternalServerError`` for every status >= 500 (src/openai/_client.py:797), so a captive portal's
511 reads as OpenAI's server error, and returns a non-JSON 200's text without raising unless strict
(src/openai/_response.py:244-266), so a portal's login page answering 200 reaches the caller as a
string. Kinds no row of docs/verdicts/providers.md lists, no earlier held-out set made
(test_heldout.py's eight, 9 to 25) and no sweep covers. Grepped before choosing, in both tables,
every earlier set, the sweeps, replays/SOURCES.md, src/envcheck/mock/data/SOURCES.md,
src/envcheck/llm and src/envcheck/checks/providers: ``511``, ``Network Authentication``,
``not a valid version``, ``header is required``, ``login.example`` (none found);
``anthropic-version`` (only the header envcheck sends and its curl line), ``captive`` (only the
generic not-JSON verdict's words). Found, so dropped: a 200 SSE stream's ``event: error`` (row
``openai-400-verify-to-stream``'s note: envcheck never streams; the fourteenth set), the smoke call
answered as ``text/event-stream`` (a row), ``mismatched_organization`` and
``invalid_organization`` (rows of the fourth set), ``mismatched_project`` (sets 14, 15), a
base_url missing or doubling ``/v1``
(rows; sets 12, 15, 16, 22), Anthropic's ``billing_error`` and ``timeout_error`` (the sweep; sets
17-19), ``x-should-retry`` (the recorded 529's header; envcheck's retries are its own, and every
instance here has ``retries = 0``), 302 redirects (sets 17, 20, 22). Dropped for want of a
published body: OpenAI's ``invalid_project``.

Breakages (every answer to the model listing, which sends only the key, and, for Anthropic, the
``anthropic-version`` header):

- Anthropic 400 ``invalid_request_error`` "anthropic-version: \\"2023-06-01, 2023-06-01\\" is not a
  valid version" (decolua/9router#2357, #1227: a gateway adding the header the client had sent):
  envcheck sent it once, so something on the way (the gateway or proxy at base_url) added a second
  value; not the key, not the model (the listing sends none); the fix is that gateway's header
  setting (send anthropic-version once);
- Anthropic 400 ``invalid_request_error`` "anthropic-version: header is required" with its
  request_id (Pasta-Devs/Marinara-Engine#120; envoyproxy/ai-gateway#1909 adds the header back in a
  gateway): envcheck sent ``anthropic-version: 2023-06-01``, so what is at base_url dropped it
  before Anthropic; not the key; the fix is the gateway forwarding (or setting) the header, or
  base_url pointed at Anthropic itself;
- 511 Network Authentication Required, RFC 6585 section 6's example page (text/html, a meta refresh
  and a link to ``https://login.example.net/``): the network (a captive portal) wants a sign-in
  before anything leaves it (the RFC: origin servers do not send 511); not OpenAI's server, not the
  key, not base_url; the fix is to sign in at the page it names;
- the same page with status 200 (ASSEMBLED: a portal that does not use 511): not JSON, and the page
  sends a browser to another address (its meta refresh): the cause names that address as where to
  sign in (a network's portal, or a web app's login in front of the API), the fix holds it.

Neighbours (healthy): an Anthropic key whose listing and message answer (the recorded answers),
and the header sent exactly as ``2023-06-01``; an OpenAI key whose listing and answer are the
recorded ones.

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the requests the checks
send, the headers checks/providers/http.py sets and where settings are read (docs/providers.md)
had been read before the expectations were written.

Expectations committed before envcheck's first run on them (commit fa4cea8).

First run (envcheck at fa4cea8): 2 of 6 fully right (33%), 3 partly, 1 wrong ("wrong": a wrong
status or a phrase the case forbids); of the 4 breakages, none fully right. Fully right: the two
neighbours. Partly, each failing the right check (auth): the doubled ``anthropic-version`` was "bad
request ... that request sends no model and no body, only the key and base_url, so one of these is
what it refused", fixed by "check the key ...; then check base_url" (the header envcheck sent once
not named, nor what doubled it); the dropped header likewise (the header envcheck sent not named,
no fix for it); the portal's 200 page was "something that is not JSON ... base_url points at
something that is not this provider's API (a proxy error page, a captive portal's sign-in page)",
fixed by "check base_url" (the address the page sends a browser to not named). Wrong: the 511 was
"server error: Network Authentication Required ...", fixed by "look at the log of the server at
127.0.0.1" (a phrase the case forbids: the network's sign-in called the provider's server error).

After (verdicts from structure: the status, Anthropic's error type and the header its message
names first, what envcheck's request carried, the page's meta refresh or link): 6 of 6 fully right,
each a row of docs/verdicts/providers.md (``PROVIDER_ROWS_26``) asserted on the run. llm/_errors.py
``_version_refused``: Anthropic's 400 ``invalid_request_error`` whose message begins
``anthropic-version:`` is ``HeaderChanged``, "envcheck sent anthropic-version: 2023-06-01 once ...,
and the header reached Anthropic as "2023-06-01, 2023-06-01": something between them (a gateway or
proxy at base_url) added a second value to it" (missing: "did not reach Anthropic ... dropped it";
another value: "rewrote it", the unit case with directus-labs/extensions#285's answer), fixed by
the gateway passing the header through unchanged or base_url at https://api.anthropic.com (no
longer "check the key ...; then check base_url"); only for ``kind = "anthropic"``. A 511 is read
before any other rule (``network_sign_in``): ``NetworkSignIn``, "HTTP 511 Network Authentication
Required (RFC 6585): the network this machine is on (a captive portal ...) wants a sign-in ...
origin servers do not send 511", fixed by "sign in to the network at https://login.example.net/"
(the page's meta refresh, else its link; no longer a server error nor the server's log).
diagnose.py ``_sign_in_page``: an HTML page in place of JSON that sends a browser to another host
than base_url's names that page as a sign-in page (a captive portal's, or a web app's login),
fixed by opening it and signing in, then base_url if it is a web app's address. No printed fix is
run here: each is a sign-in to a network or a gateway's configuration, and the replay has neither.
Sweeps and held-out sets 9-25 unchanged (run with -n 2).

Cost: 3 tests (one in-process envcheck session against one local server, one unit test of the
classification); 3.7 CPU-s (``-n 0``, user+sys, pytest's start included).
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

DUPLICATED = "https://github.com/decolua/9router/issues/2357"
REQUIRED = "https://github.com/Pasta-Devs/Marinara-Engine/issues/120"
RFC6585 = "https://www.rfc-editor.org/rfc/rfc6585#section-6"
ANTHROPIC_OK = "https://github.com/anthropics/anthropic-sdk-python"
OPENAI_OK = "https://github.com/openai/openai-python"

#: this set's own keys (fake), each in the variable its instance reads; none may be shown
OWN_KEYS = {
    "ANTHROPIC_R26_KEY": "sk-ant-api03-HeldOut26CanaryAnthropicApiKey0001",
    "OPENAI_R26_KEY": "sk-proj-HeldOut26CanaryOpenAIProjectKey00000002",
}

#: what no verdict here may say
WRONG_CAUSES = ("no cause is guessed", "closest:", "check the model name")
#: a refusal that is not the key's
NOT_THE_KEY = ("set a valid key", "create a new key", "its permissions")
#: a network's sign-in is not the provider's server, nor its key
NOT_THE_SERVER = ("status.openai.com", "server error", "retry later")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES


CASES = [
    Case(
        "anthropic-400-version-duplicated",
        DUPLICATED,
        "providers/adup.auth",
        "fail",
        says=("anthropic-version", "2023-06-01, 2023-06-01", "once"),
        fix=("anthropic-version",),
        never=WRONG_CAUSES + NOT_THE_KEY,
    ),
    Case(
        "anthropic-400-version-required",
        REQUIRED,
        "providers/adrop.auth",
        "fail",
        says=("anthropic-version: 2023-06-01", "header is required"),
        fix=("anthropic-version",),
        never=WRONG_CAUSES + NOT_THE_KEY,
    ),
    Case(
        "openai-511-network-authentication",
        RFC6585,
        "providers/portal.auth",
        "fail",
        says=("511", "network"),
        fix=("https://login.example.net/",),
        never=WRONG_CAUSES + NOT_THE_KEY + NOT_THE_SERVER,
    ),
    Case(
        "openai-200-portal-page",
        RFC6585,
        "providers/portal200.auth",
        "fail",
        says=("https://login.example.net/",),
        fix=("https://login.example.net/",),
        never=WRONG_CAUSES + NOT_THE_KEY + NOT_THE_SERVER,
    ),
    Case(
        "anthropic-200-version-sent-once",
        ANTHROPIC_OK,
        "providers/aok.smoke",
        "pass",
        also=(("providers/aok.auth", "pass"), ("providers/aok.model", "pass")),
    ),
    Case(
        "openai-200-answers",
        OPENAI_OK,
        "providers/ook.smoke",
        "pass",
        also=(("providers/ook.auth", "pass"), ("providers/ook.model", "pass")),
    ),
]
#: the rows of docs/verdicts/providers.md these cases run (their cause and fix too)
PROVIDER_ROWS_26 = {
    "anthropic-400-version-duplicated": "anthropic-400-version-duplicated",
    "anthropic-400-version-required": "anthropic-400-version-required",
    "openai-511-network-authentication": "openai-511-network-authentication",
    "openai-200-portal-page": "openai-200-portal-page",
    "anthropic-200-version-sent-once": "anthropic-200-version-sent-once",
    "openai-200-answers": "openai-200-beside-portal",
}

ANTHROPIC = 'kind = "anthropic"\napi_key = "${ANTHROPIC_R26_KEY}"\n'
OPENAI = 'kind = "openai"\napi_key = "${OPENAI_R26_KEY}"\n'
SONNET = "claude-sonnet-4-5-20250929"
#: instance -> (kind and key lines, path of base_url on the server, model)
INSTANCES = {
    "adup": (ANTHROPIC, "/a1", SONNET),
    "adrop": (ANTHROPIC, "/a2", SONNET),
    "portal": (OPENAI, "/o1/v1", "gpt-4o-mini"),
    "portal200": (OPENAI, "/o2/v1", "gpt-4o-mini"),
    "aok": (ANTHROPIC, "/a3", SONNET),
    "ook": (OPENAI, "/o3/v1", "gpt-4o-mini"),
}


def routes() -> dict[str, Any]:
    """Every instance's routes on one server, each under its own base_url's path."""
    return {
        "GET /a1/v1/models": published("heldout26--anthropic-400-version-duplicated"),
        "GET /a2/v1/models": published("heldout26--anthropic-400-version-required"),
        "GET /a3/v1/models": published("anthropic--models-list"),
        "POST /a3/v1/messages": published("anthropic--message-ok"),
    } | chat_routes(
        {
            "/o1/v1": {"models": published("heldout26--openai-511-network-authentication")},
            "/o2/v1": {"models": published("heldout26--openai-200-portal-page")},
            "/o3/v1": {
                "models": published("openai--models-list"),
                "chat": published("openai--chat-ok"),
            },
        }
    )


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    yield from serve(routes())


def test_twenty_sixth_held_out_providers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Replay
) -> None:
    args = (server.url, INSTANCES, OWN_KEYS, PROVIDER_ROWS_26, CASES)
    assert_providers_round(pytester, monkeypatch, *args)
    # what the healthy neighbour's requests carried: the version Anthropic publishes, once
    sent = server.calls_to("GET", "/a3/v1/models") + server.calls_to("POST", "/a3/v1/messages")
    assert sent and all(c.headers.get("anthropic-version") == "2023-06-01" for c in sent)


def test_the_twenty_sixth_set_is_what_it_says() -> None:
    assert_set_is_what_it_says("heldout26", 4, CASES, 6, 4)
    assert not set(OWN_KEYS.values()) & set(KEYS.values())


#: a third form of the same refusal: a value rewritten on the way, as directus-labs/extensions#285
#: quotes Anthropic's answer (its request_id left out)
REWRITTEN = {
    "type": "error",
    "error": {
        "type": "invalid_request_error",
        "message": 'anthropic-version: "2023-10-01" is not a valid version',
    },
}


def test_a_rewritten_version_and_the_pages_named() -> None:
    from envcheck import llm
    from envcheck.llm._errors import sign_in_page

    made = llm.classify("a", 400, {}, REWRITTEN, kind="anthropic", listing=True)
    assert isinstance(made, llm.HeaderChanged)
    assert 'as "2023-10-01"' in (made.why or "") and "rewrote it" in (made.why or "")
    # the same words from another kind of service are that service's: not read as Anthropic's
    other = llm.classify("o", 400, {}, REWRITTEN, kind="openai", listing=True)
    assert not isinstance(other, llm.HeaderChanged)
    page = published("heldout26--openai-511-network-authentication").body.decode()
    assert sign_in_page(page) == "https://login.example.net/"
    assert sign_in_page(page.replace("<meta", "<link")) == "https://login.example.net/"  # its <a>
    assert sign_in_page("<html><body>502 Bad Gateway</body></html>") == ""
    bare = llm.classify("o", 511, {}, "", kind="openai")
    assert isinstance(bare, llm.NetworkSignIn) and "a browser opened" in (bare.hint or "")
