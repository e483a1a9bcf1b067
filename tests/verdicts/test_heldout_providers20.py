"""The twentieth held-out set for LLM providers and Ollama (issue 22): OpenRouter's 404 when the
account's provider restrictions leave none of the providers that serve a model, a one-api /
new-api relay's 403 when the user's quota on the relay itself is used up, and an Ollama runner
that dies while the server's ``do load request`` waits on it (a bare EOF on Linux, Winsock's
``wsarecv`` reset on Windows). Kinds no row of docs/verdicts/providers.md or
docs/verdicts/ollama.md lists, no earlier held-out set made (test_heldout.py's eight, 9 to 19),
and no sweep covers (test_providers_sweep.py, test_providers_http_sweep.py,
test_providers_capability_sweep.py, test_compat_servers_sweep.py, test_client_settings_sweep.py).
Grepped before choosing, in both tables, every earlier set, the sweeps, test_ollama.py,
replays/SOURCES.md and src/envcheck/mock/data/SOURCES.md: ``No allowed providers``,
``available_providers``, ``requested_providers``, ``allowed providers``, ``provider.only``,
``insufficient_user_quota``, ``v_api_error``, ``new_api_error``, ``one_api``, ``无可用渠道``,
``distributor``, ``do load request``, ``wsarecv``, ``forcibly closed``, ``connection reset``,
``unexpected EOF``, ``health resp``, ``failed to create new sequence``, ``exceeds maximum
context``, ``key not found``, ``unsupported op``, ``Vulkan``, ``hipMalloc``, ``HSA_STATUS``,
``SYCL``, ``mmap``, ``bad CPU type``, ``exec format``, ``no space left``, ``invalid magic``,
``3221225785``, ``billing_hard_limit``, ``API_KEY_EXPIRED``, ``renew``, ``spend limit``,
``requests per day``, ``maintenance`` (none found). Found, so dropped: Gemini's "API key expired"
(its reason is ``API_KEY_INVALID``, a replay of the table's); LiteLLM's ``budget_exceeded`` (a
row); Groq's ``organization_restricted``, OpenAI's ``account_deactivated``,
``billing_not_active``, ``access_terminated``, ``mismatched_organization``; Gemini's
``FAILED_PRECONDITION`` (location), ``limit: 0``, ``CONSUMER_SUSPENDED``; Ollama's ``POST
predict``, "an error was encountered", "unexpectedly stopped", ``0xc0000139`` (the decimal
3221225785 is the same kind), ``fork/exec``, ``noexec``, ``cudaMalloc``, ``GGML_ASSERT``,
``check_tensor_dims``. Dropped for want of a published body: OpenAI's 400
``billing_hard_limit_reached`` (issues quote only its message and headers), Ollama's "exec format
error". Dropped as weak: new-api's 503 "无可用渠道" without a code (a 503 that says "retry
later" is defensible from its structure). Each answer is replayed verbatim
(``replays/heldout20--*``, sources in ``replays/SOURCES.md``) by local servers, to three
in-process envcheck sessions (providers: four instances; Ollama on Linux: two models; Ollama on
Windows: one model).

Breakages:

- OpenRouter's chat call answered 404 ``{"error": {"message": "No allowed providers are available
  for the selected model.", "code": 404, "metadata": {"available_providers": ["z-ai"],
  "requested_providers": ["anthropic"]}}}`` (farion1231/cc-switch#995): the account's provider
  settings allow only anthropic, and the model is served only by z-ai; the key works, the name is
  right (the listing shows it), and nothing clears by waiting: allow a provider that serves it;
- a one-api / new-api relay's chat call answered 403 ``{"error": {"message": "user quota is not
  enough (request id: …)", "type": "v_api_error", "param": "", "code":
  "insufficient_user_quota"}}`` (popjane/free_chatgpt_api#26): the user's quota on the relay is
  used up (one-api's preConsumeQuota); not the key's permissions, not a rate;
- Ollama 0.12.9 on Linux answering ``/api/generate`` with 500 ``do load request: Post
  "http://127.0.0.1:40587/load": EOF`` (ollama/ollama#12977): the runner the server started
  closed the server's load request without answering: it died while loading the model, the
  reason is in the server's log (``journalctl -u ollama``); not an Ollama that is down (the
  server itself answered);
- Ollama on Windows answering ``/api/generate`` with 500 ``do load request: Post
  "http://127.0.0.1:15398/load ": read tcp …: wsarecv: An existing connection was forcibly closed
  by the remote host.`` (ollama/ollama#13027): the same death seen through Winsock, so the log is
  Windows' ``%LOCALAPPDATA%\\Ollama\\server.log``, not journalctl's.

Neighbours, which must keep their verdict: OpenRouter's 404 "No endpoints found for …" for a
listed model (the table's replay, chatboxai/chatbox#2743: "do what the answer asks"), and Ollama's
500 ``llama runner process has terminated: exit status 127`` (the table's replay,
ollama/ollama#6573: "runner crashed while loading it", ``journalctl -u ollama``) beside the EOF
on the same Linux server.

Where a service's own listing is not published (the relay's) or too large to replay
(OpenRouter's), the instance's listing is OpenAI's recorded one and its model one that listing
shows (``gpt-4o-mini``): only the chat answer is judged there.

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the requests the checks
send and where settings are read (docs/providers.md, docs/verdicts/ollama.md's request list) had
been read before the expectations were written, and the rows of the two neighbours.

Expectations committed before envcheck's first run on them (commit 28122f4).

First run (envcheck at 28122f4, before any change): 2 of 6 fully right (33%), 1 partly, 3 wrong
("wrong": a wrong status or a phrase the case forbids); of the 4 breakages, none fully right.
Fully right: the two neighbours (OpenRouter's "No endpoints found" stayed "listed but refused
... do what the answer asks"; ``exit status 127`` stayed "runner crashed while loading it",
``journalctl -u ollama``). Partly: OpenRouter's "No allowed providers" failed the smoke call as a
listed model refused ("do what the answer asks: No allowed providers are available ..."), its
``metadata.available_providers`` (z-ai) and ``requested_providers`` (anthropic) not read, so
neither the cause nor the fix named them. Wrong: the relay's 403 ``insufficient_user_quota`` was
the key's permissions ("its permissions do not cover this model ... give the key's account or
project access to gpt-4o-mini"), headroom skipped (the code not read); Ollama's ``do load request:
... EOF`` and the Windows ``wsarecv`` reset got the honest fallback ("no row ... covers this
answer, so no cause is guessed"), the Windows one with ``journalctl -u ollama``.

After (verdicts from structure: OpenRouter's routing metadata, a credit code at whatever status
it comes, the fixed beginning of the server's load request and Go's Winsock names): 6 of 6 fully
right, each a row of docs/verdicts/providers.md (``PROVIDER_ROWS_20``) or docs/verdicts/ollama.md
(``OLLAMA_ROWS_20``) asserted on the run. ``error.metadata.available_providers`` and
``requested_providers`` are read into ``Detail.serving`` / ``Detail.allowed`` (shown among the
fields); when none of the providers that serve the model is allowed, the answer is
``ProvidersNotAllowed`` (llm/_errors.py, a ``ModelUnavailable``): "no provider the account allows
serves the model: it is served by z-ai ..., and the account's provider settings let requests go
to anthropic (requested_providers); the key and the model's name are right", fixed by "allow one
of z-ai in the account's provider settings (OpenRouter: https://openrouter.ai/settings/privacy
...), or set a model that anthropic serves" (checks/providers/diagnose.py, asked of the account's
owner). OpenRouter's "No endpoints found", without that metadata, keeps its verdict.
``insufficient_user_quota`` joins ``CREDIT_TYPES`` with its own ``CREDIT_WHY`` ("the user's quota
on the relay itself is used up ... the relay refuses before it calls any upstream service"):
headroom fails as quota exhausted, "add credits". ``do load request: Post "…/load": …``
(checks/ollama/diagnose.py ``_LOAD_REQUEST``) is a runner crash while loading: on Linux the
existing verdict ("runner crashed while loading it", ``journalctl -u ollama``); with ``wsarecv``
or ``wsasend`` (``_WINSOCK``) the server is on Windows (``_load_reset_on_windows``: "... on
Windows", ``%LOCALAPPDATA%\\Ollama\\server.log``, no journalctl). No printed fix is run here: each
is an account's settings page, a relay's top-up, or a log on another machine.

Cost: three in-process envcheck sessions, about 4.5 CPU-s (``-n 0``, user+sys, measured 4.3).
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
    ollama_routes,
    ollama_session,
    serve,
)
from tests.verdicts.replay import Replay, published
from tests.verdicts.test_providers import KEYS

NO_ALLOWED = "https://github.com/farion1231/cc-switch/issues/995"
USER_QUOTA = "https://github.com/popjane/free_chatgpt_api/issues/26"
LOAD_EOF = "https://github.com/ollama/ollama/issues/12977"
LOAD_WSARECV = "https://github.com/ollama/ollama/issues/13027"
#: the neighbours' answers (replays/SOURCES.md)
NO_ENDPOINTS = "https://github.com/chatboxai/chatbox/issues/2743"
EXIT_127 = "https://github.com/ollama/ollama/issues/6573"

#: this set's own keys (fake), each in the variable its instance reads; none may be shown
OWN_KEYS = {
    "OPENROUTER_API_KEY": "sk-HeldOut20CanaryOpenRouter000000000000001",
    "ONEAPI_API_KEY": "sk-HeldOut20CanaryOneApiRelay00000000000002",
}

#: what no verdict here may say (a cause of another kind)
WRONG_CAUSES = ("rotate", "revoked", "set a valid key", "no cause is guessed")
#: a used-up quota is not a rate that clears by itself
NOT_A_RATE = ("lower `rpm`", "clears by itself", "rate limited")
#: a listed model's refusal is not a wrong name or a wrong base URL
NOT_A_NAME = ("closest:", "wrong base_url", "check base_url")
#: a server that answered is not a server that is down
NOT_DOWN = ("not running", "OLLAMA_HOST", "no cause is guessed")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES


PROVIDER_CASES = [
    Case(
        "openrouter-404-no-allowed-providers",
        NO_ALLOWED,
        "providers/orallow.smoke",
        "fail",
        says=("anthropic", "z-ai"),
        fix=("z-ai",),
        never=WRONG_CAUSES + NOT_A_NAME + ("retry later", "permission"),
        also=(("providers/orallow.auth", "pass"), ("providers/orallow.model", "pass")),
    ),
    Case(
        "oneapi-403-insufficient-user-quota",
        USER_QUOTA,
        "providers/oneapi.headroom",
        "fail",
        says=("insufficient_user_quota",),
        fix=("credit",),
        never=WRONG_CAUSES + NOT_A_RATE + ("its permissions", "permission", "new key"),
        also=(
            ("providers/oneapi.auth", "pass"),
            ("providers/oneapi.model", "pass"),
            ("providers/oneapi.smoke", "skip"),
        ),
    ),
    Case(
        "openrouter-404-no-endpoints-kept",
        NO_ENDPOINTS,
        "providers/orne.smoke",
        "fail",
        says=("No endpoints found",),
        fix=("do what the answer asks",),
        never=WRONG_CAUSES + NOT_A_NAME,
        also=(("providers/orne.auth", "pass"), ("providers/orne.model", "pass")),
    ),
]
LINUX_CASES = [
    Case(
        "ollama-500-do-load-eof",
        LOAD_EOF,
        "ollama/smoke[gemma3:12b]",
        "fail",
        says=("runner", "loading"),
        fix=("log",),
        never=NOT_DOWN + ("%LOCALAPPDATA%",),
        also=(("ollama/model[gemma3:12b]", "pass"),),
    ),
    Case(
        "ollama-500-exit-127-kept",
        EXIT_127,
        "ollama/smoke[llama3.2:latest]",
        "fail",
        says=("runner crashed while loading it", "exit status 127"),
        fix=("journalctl -u ollama",),
        never=NOT_DOWN + ("%LOCALAPPDATA%",),
        also=(("ollama/model[llama3.2:latest]", "pass"),),
    ),
]
WINDOWS_CASES = [
    Case(
        "ollama-500-do-load-wsarecv",
        LOAD_WSARECV,
        "ollama/smoke[gemma3:4b]",
        "fail",
        says=("runner", "loading"),
        fix=("%LOCALAPPDATA%",),
        never=NOT_DOWN + ("journalctl", "systemctl"),
        also=(("ollama/model[gemma3:4b]", "pass"),),
    ),
]
OLLAMA_CASES = LINUX_CASES + WINDOWS_CASES
CASES = PROVIDER_CASES + OLLAMA_CASES
#: the rows of docs/verdicts/providers.md and ollama.md these cases run (their cause and fix too)
PROVIDER_ROWS_20 = {
    "openrouter-404-no-allowed-providers": "openrouter-404-no-allowed-providers",
    "oneapi-403-insufficient-user-quota": "relay-403-insufficient-user-quota",
    "openrouter-404-no-endpoints-kept": "openrouter-404-no-endpoints-beside-no-allowed",
}
OLLAMA_ROWS_20 = {
    "ollama-500-do-load-eof": "ollama-generate-500-do-load-eof",
    "ollama-500-exit-127-kept": "ollama-generate-500-exit-127-beside-load-eof",
    "ollama-500-do-load-wsarecv": "ollama-generate-500-do-load-wsarecv",
}

OPENROUTER = 'kind = "openai"\napi_key = "${OPENROUTER_API_KEY}"\n'
ONEAPI = 'kind = "openai"\napi_key = "${ONEAPI_API_KEY}"\n'
#: instance -> (kind and key lines, path of base_url on the server, model)
INSTANCES: dict[str, Instance] = {
    "orallow": (OPENROUTER, "/orallow/api/v1", "gpt-4o-mini"),
    "oneapi": (ONEAPI, "/oneapi/v1", "gpt-4o-mini"),
    "orne": (OPENROUTER, "/orne/api/v1", "gpt-4o-mini"),
}


def routes() -> dict[str, Any]:
    """Every instance's routes on one server, each under its own base_url's path."""
    listing = published("openai--models-list")
    return {
        "GET /orallow/api/v1/models": listing,
        "POST /orallow/api/v1/chat/completions": published(
            "heldout20--openrouter-404-no-allowed-providers"
        ),
        "GET /oneapi/v1/models": listing,
        "POST /oneapi/v1/chat/completions": published(
            "heldout20--oneapi-403-insufficient-user-quota"
        ),
        "GET /orne/api/v1/models": listing,
        "POST /orne/api/v1/chat/completions": published("openrouter--404-no-endpoints"),
    }


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    yield from serve(routes())


def test_twentieth_held_out_providers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Replay
) -> None:
    args = (server.url, INSTANCES, OWN_KEYS, PROVIDER_ROWS_20, PROVIDER_CASES)
    assert_providers_round(pytester, monkeypatch, *args)


def _ollama(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    generate: dict[str, str],
    cases: list[Case],
) -> None:
    """One Ollama server whose ``/api/generate`` answers each model (``generate``: model ->
    replay) with its published answer."""
    answers = {model: published(name) for model, name in generate.items()}
    routes = ollama_routes("heldout20--ollama-version-0.12.9", lambda body: answers[body["model"]])
    checks = ollama_session(pytester, monkeypatch, tuple(generate), routes, OWN_KEYS.values())
    assert_graded("ollama", OLLAMA_ROWS_20, cases, checks)


def test_twentieth_held_out_ollama_linux(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate = {
        "gemma3:12b": "heldout20--ollama-500-do-load-eof",
        "llama3.2:latest": "ollama--500-runner-terminated",
    }
    _ollama(pytester, monkeypatch, generate, LINUX_CASES)


def test_twentieth_held_out_ollama_windows(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate = {"gemma3:4b": "heldout20--ollama-500-do-load-wsarecv"}
    _ollama(pytester, monkeypatch, generate, WINDOWS_CASES)


def test_the_twentieth_set_is_what_it_says() -> None:
    assert_set_is_what_it_says("heldout20", 5, CASES, 6, 6)
    assert sum(c.name.endswith("-kept") for c in CASES) == 2
    assert not set(OWN_KEYS.values()) & set(KEYS.values())
