"""The sixteenth held-out set for LLM providers and Ollama (issue 22): a ``base_url`` that is an
endpoint's own URL, or a version root its SDK adds again, and the name forms and spellings of an
Ollama base URL and model that its clients take. Kinds no row of docs/verdicts/providers.md or
docs/verdicts/ollama.md lists, no earlier held-out set made (test_heldout.py's eight, 9 to 15), and
no sweep covers (test_compat_servers_sweep.py: what vLLM, llama.cpp, LiteLLM, TGI and Ollama's /v1
answer at their right base URL). Grepped before choosing, in both tables, every earlier set, the
sweeps and replays/SOURCES.md: "/api/generate" as a base_url, "/chat/completions" inside a
base_url, "/v1beta/v1beta", "/v1/messages/v1", "registry.ollama.ai/library", a base_url ending in
"/v1/" (found: ``anthropic-404-base-url-doubled-v1``, Anthropic's /v1 twice, the neighbour of the
Gemini case here; ``ollama-origin-404-models``, the Ollama origin without /v1;
``ollama-version-404-host-path``, a path in OLLAMA_HOST for Ollama's own API). Each answer is
replayed verbatim (``replays/heldout16--gemini-404-doubled-version.json``, and the earlier files
named below, their sources in ``replays/SOURCES.md``) by local servers.

Breakages:

- ``kind = "openai"``, ``base_url = "http://HOST:11434/api/generate"`` (an Ollama endpoint's own
  URL given as the base, NVIDIA-NeMo/Guardrails#729): ``GET /api/generate/models`` answered gin's
  ``404 page not found``;
- ``base_url = "http://HOST:11434/v1/chat/completions"`` (the chat endpoint's URL given as the
  base, Ollama's docs/openai.md gives ``http://localhost:11434/v1/``): ``GET
  /v1/chat/completions/models`` answered gin's 404;
- Gemini with ``base_url`` ending in ``/v1beta`` (hugohe3/ppt-master#24: google-genai adds its
  own version): ``GET /v1beta/v1beta/models`` answered 404 with no body (googleapis/js-genai#930);
- Anthropic with ``base_url = "https://api.anthropic.com/v1/messages"`` (the Messages endpoint's
  URL): ``GET /v1/messages/v1/models`` answered Anthropic's ``not_found_error`` "Not Found"
  (replays/heldout12--anthropic-404-route-not-found.json).

Healthy neighbours, which the official clients accept and envcheck must pass: Ollama's /v1 with
``base_url`` ending in a slash (``.../v1/``, as Ollama's docs/openai.md writes it: openai-python
joins paths under it alike); a model named by its full reference at Ollama's /v1
(``registry.ollama.ai/library/llama3.2:latest``: types/model/name.go ParseName fills the default
host and namespace, so it is the listing's ``llama3.2:latest``); the same full name in
``[tool.envcheck.ollama] models`` against Ollama's own API.

Made for real with the official clients first, against the same replay servers (before any
envcheck run): openai-python's ``models.list()`` raises NotFoundError 404 ("404 page not found")
under ``/api/generate`` and ``/v1/chat/completions``, and lists under ``/v1/``;
anthropic-sdk-python's ``models.list()`` raises NotFoundError 404 under ``/v1/messages``;
google-genai 3.6.1's ``generate_content`` with ``http_options.base_url`` ending in ``/v1beta``
(``api_version`` v1beta, the default of the release the issue used) asks
``/v1beta/v1beta/models/...`` and raises ClientError 404 ``{'message': '', 'status': 'Not
Found'}``, js-genai#930's shape; openai-python's ``chat.completions.create`` answers for the
full name.

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the requests the checks
send and where settings are read (docs/providers.md) had been read before the expectations were
written.

Expectations committed before envcheck's first run on them (commit c0e207b).

First run (envcheck at c0e207b, before any change): 5 of 7 fully right (71%), 1 partly, 1 wrong;
of the 4 breakages, 3 fully right. Fully right: the Ollama endpoint URLs as base_url
(``/api/generate`` and ``/v1/chat/completions``: "answered HTTP 404 to GET /api/generate/models
... the same server lists its models at http://HOST/v1/models", fix ``set base_url =
"http://HOST/v1"``, run: auth, model and smoke pass), Gemini's ``/v1beta`` twice ("which holds
/v1beta twice: base_url already ends in /v1beta", fix ``set base_url = "http://HOST"``, run:
passes), and two healthy neighbours (``/v1/`` with a slash; the full reference in
``[tool.envcheck.ollama] models``). Partly: Anthropic's ``/v1/messages`` as base_url failed auth
naming ``GET /v1/messages/v1/models`` and not_found_error, but guessed "base_url is wrong (a
missing /v1?)" and its fix was "check base_url ... (now http://HOST/v1/messages)", nothing to run.
Wrong: ``model = "registry.ollama.ai/library/llama3.2:latest"`` at Ollama's /v1 failed the model
check ("is not pulled into the Ollama at ...; it has llama3.2:latest", fix ``ollama pull
registry.ollama.ai/library/llama3.2:latest``), a false alarm for the listed model's full name, and
the smoke check was skipped behind it.

After the fixes (structure first): a ``base_url`` whose path ends in the path of a request the
kind's client adds itself (checks/providers/diagnose.py ``_OWN_PATHS``: ``/chat/completions``,
``/responses``, ``/completions``, ``/embeddings``, ``/models`` for openai; ``/v1/messages``,
``/v1/complete``, ``/v1/models`` for anthropic; ``/v1beta/models``, ``/v1/models`` for gemini),
answered 404 under it, is that endpoint's URL: the why says so and the fix sets base_url to what
comes before that path (run: auth passes); a model named by its full Ollama reference is the
listed name without the default host and namespace (``registry.ollama.ai``, ``library``:
name.go's defaults, which the listing leaves out), as a name without a tag is the listed
``NAME:latest`` (hooks._default_tag). 7 of 7 fully right. Rows, asserted on this run:
PROVIDER_ROWS_16 (6) and OLLAMA_ROWS_16 (1).

Executed: the four printed base_urls (envcheck again with each: auth passes).

Cost: 4 tests, three in-process envcheck sessions against two replay servers; about 3.9 s CPU
(user + system) for the file with pytest's start.

Not made, and why: Gemini's OpenAI-compatible base (``/v1beta/openai``) without ``/openai`` (a
key sent as a Bearer token there is ``gemini-401-credentials-missing``'s kind); an Ollama model
named in other letter case (whether the server matches names regardless of case differs between
releases and file systems: no single answer to replay); an OLLAMA_ORIGINS 403 (envcheck sends no
``Origin``, so no such answer can reach it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from tests.verdicts.provider_runs import (
    HeldOutCase,
    clean_environment,
    grade,
    provider_section,
    row_problems,
    run,
)
from tests.verdicts.replay import Replay, published

OLLAMA_AT = "https://github.com/ollama/ollama/blob/00988753ff743bf26117964f6e43f9ebf10bce30"
OLLAMA_DOCS = f"{OLLAMA_AT}/docs/openai.md"
NAMES = f"{OLLAMA_AT}/types/model/name.go"
GENERATE_AS_BASE = "https://github.com/NVIDIA-NeMo/Guardrails/issues/729"
GEMINI_DOUBLED = "https://github.com/hugohe3/ppt-master/issues/24"
ANTHROPIC_404 = "https://github.com/ppipada/flexigpt-vscode-extension/issues/8"
FULL_NAME = "registry.ollama.ai/library/llama3.2:latest"

#: what no verdict here may say (a cause of another kind)
WRONG_CAUSES = ("set a valid key", "rotate", "invalid api key")
#: a server that answers is neither another service nor down
NOT_ELSEWHERE = ("another service", "not JSON", "not the shape", "not running")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES


PROVIDER_CASES = [
    Case(
        "ollama-generate-url-as-openai-base",
        GENERATE_AS_BASE,
        "providers/olgen.auth",
        "fail",
        says=("/api/generate",),
        fix=('base_url = "', '/v1"'),
        never=WRONG_CAUSES + NOT_ELSEWHERE,
    ),
    Case(
        "ollama-chat-url-as-openai-base",
        OLLAMA_DOCS,
        "providers/olchat.auth",
        "fail",
        says=("/chat/completions",),
        fix=('base_url = "', '/v1"'),
        never=WRONG_CAUSES + NOT_ELSEWHERE + ('/chat/completions/v1"',),
    ),
    Case(
        "gemini-base-ends-in-version",
        GEMINI_DOUBLED,
        "providers/gdouble.auth",
        "fail",
        says=("/v1beta/v1beta/models",),
        fix=('base_url = "',),
        never=WRONG_CAUSES + NOT_ELSEWHERE,
    ),
    Case(
        "anthropic-messages-url-as-base",
        ANTHROPIC_404,
        "providers/anthmsg.auth",
        "fail",
        says=("/v1/messages/v1/models",),
        fix=('base_url = "',),
        never=WRONG_CAUSES + NOT_ELSEWHERE,
    ),
    Case(
        "ollama-v1-trailing-slash",
        OLLAMA_DOCS,
        "providers/olslash.smoke",
        "pass",
        also=(("providers/olslash.auth", "pass"), ("providers/olslash.model", "pass")),
    ),
    Case(
        "ollama-v1-full-reference",
        NAMES,
        "providers/olfull.model",
        "pass",
        also=(("providers/olfull.smoke", "pass"),),
    ),
]
OLLAMA_CASES = [
    Case(
        "ollama-native-full-reference",
        NAMES,
        f"ollama/model[{FULL_NAME}]",
        "pass",
        also=((f"ollama/smoke[{FULL_NAME}]", "pass"),),
    ),
]
CASES = PROVIDER_CASES + OLLAMA_CASES
#: the rows of docs/verdicts/providers.md and ollama.md these cases run (their cause and fix too)
PROVIDER_ROWS_16 = {
    "ollama-generate-url-as-openai-base": "ollama-generate-url-as-openai-base",
    "ollama-chat-url-as-openai-base": "ollama-chat-url-as-openai-base",
    "gemini-base-ends-in-version": "gemini-404-base-ends-in-version",
    "anthropic-messages-url-as-base": "anthropic-404-messages-url-as-base",
    "ollama-v1-trailing-slash": "ollama-v1-200-trailing-slash",
    "ollama-v1-full-reference": "ollama-v1-200-full-reference",
}
OLLAMA_ROWS_16 = {"ollama-native-full-reference": "ollama-show-200-full-reference"}

OPENAI = 'kind = "openai"\napi_key = "${OPENAI_API_KEY}"\n'
GEMINI = 'kind = "gemini"\napi_key = "${GEMINI_API_KEY}"\n'
ANTHROPIC = 'kind = "anthropic"\napi_key = "${ANTHROPIC_API_KEY}"\n'
#: instance -> (kind line, server, path of base_url under it, model)
INSTANCES = {
    "olgen": (OPENAI, "ollama", "/api/generate", "llama3.2:latest"),
    "olchat": (OPENAI, "ollama", "/v1/chat/completions", "llama3.2:latest"),
    "gdouble": (GEMINI, "cloud", "/v1beta", "gemini-2.5-flash"),
    "anthmsg": (ANTHROPIC, "cloud", "/v1/messages", "claude-sonnet-4-5-20250929"),
    "olslash": (OPENAI, "ollama", "/v1/", "llama3.2:latest"),
    "olfull": (OPENAI, "ollama", "/v1", FULL_NAME),
}
GIN_404 = "heldout13--ollama-404-gin-no-route"
ANTHROPIC_NOT_FOUND = "heldout12--anthropic-404-route-not-found"


def worlds() -> dict[str, dict[str, Any]]:
    """The cloud services' routes on one server, and one Ollama (its own API and /v1)."""
    return {
        "cloud": {
            "GET /v1beta/v1beta/models": published("heldout16--gemini-404-doubled-version"),
            "POST /v1beta/v1beta/models/gemini-2.5-flash:generateContent": published(
                "heldout16--gemini-404-doubled-version"
            ),
            "GET /v1beta/models": published("gemini--models-list"),
            "POST /v1beta/models/gemini-2.5-flash:generateContent": published(
                "gemini--generate-ok"
            ),
            "GET /v1/messages/v1/models": published(ANTHROPIC_NOT_FOUND),
            "POST /v1/messages/v1/messages": published(ANTHROPIC_NOT_FOUND),
            "GET /v1/models": published("anthropic--models-list"),
            "POST /v1/messages": published("anthropic--message-ok"),
        },
        "ollama": {
            "GET /": published("heldout13--ollama-root-running"),
            "GET /api/version": published("heldout13--ollama-version-cloud"),
            "GET /api/tags": published("ollama--tags"),
            "GET /api/ps": published("ollama--ps"),
            "POST /api/show": published("ollama--show-model-info"),
            "POST /api/generate": published("ollama--generate-ok"),
            "GET /api/generate/models": published(GIN_404),
            "GET /v1/chat/completions/models": published(GIN_404),
            "GET /v1/models": published("capability--ollama-v1-models"),
            "POST /v1/chat/completions": published("ollama--openai-compat-chat-ok"),
            "GET /models": published(GIN_404),
        },
    }


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Replay]]:
    with ExitStack() as stack:
        yield {name: stack.enter_context(Replay(routes)) for name, routes in worlds().items()}


def _toml(servers: dict[str, Replay], names: tuple[str, ...] = tuple(INSTANCES)) -> str:
    return "".join(
        provider_section(name, f"{servers[server].url}{path}", model, kind)
        for name, (kind, server, path, model) in INSTANCES.items()
        if name in names
    )


def _printed_base(check: dict[str, Any]) -> str | None:
    found = re.search(r'base_url = "([^"]+)"', str(check.get("hint") or ""))
    return found[1] if found else None


def test_sixteenth_held_out_providers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, servers: dict[str, Replay]
) -> None:
    clean_environment(monkeypatch)
    checks = run(pytester, "providers", _toml(servers))
    problems = [p for case in PROVIDER_CASES for p in grade(case, checks)]
    problems += row_problems("providers", PROVIDER_ROWS_16, PROVIDER_CASES, checks)
    assert not problems, "\n".join(problems)
    # the printed base_urls, run: envcheck again with each, auth passes
    again_toml = ""
    for name in ("olgen", "olchat", "gdouble", "anthmsg"):
        kind, _, _, model = INSTANCES[name]
        base = _printed_base(checks[f"providers/{name}.auth"])
        assert base is not None, checks[f"providers/{name}.auth"]
        again_toml += provider_section(name, base, model, kind)
    again = run(pytester, "providers", again_toml)
    for name in ("olgen", "olchat", "gdouble", "anthmsg"):
        assert again[f"providers/{name}.auth"]["status"] == "pass", again[f"providers/{name}.auth"]


def test_sixteenth_held_out_ollama(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, servers: dict[str, Replay]
) -> None:
    clean_environment(monkeypatch)
    monkeypatch.setenv("OLLAMA_HOST", servers["ollama"].url)
    toml = f'[tool.envcheck.ollama]\nmodels = ["{FULL_NAME}"]\nsmoke = true\n'
    toml += "cassettes = false\ntimeout = 20.0\n"
    checks = run(pytester, "ollama", toml)
    problems = [p for case in OLLAMA_CASES for p in grade(case, checks)]
    problems += row_problems("ollama", OLLAMA_ROWS_16, OLLAMA_CASES, checks)
    assert not problems, "\n".join(problems)


def test_the_sixteenth_set_is_what_it_says() -> None:
    replays = Path(__file__).parent / "replays"
    files = sorted(p.name for p in replays.glob("heldout16--*.json"))
    assert files == ["heldout16--gemini-404-doubled-version.json"]
    assert all(f"`{name}`" in (replays / "SOURCES.md").read_text() for name in files)
    assert len(CASES) == 7 and sum(c.status != "pass" for c in CASES) == 4
    assert all(c.source.startswith("https://") for c in CASES)


def test_full_references_and_endpoint_urls_read_by_their_parts() -> None:
    """A full Ollama reference loses only name.go's default host and namespace (another
    registry's or namespace's name stays as it is); a base_url is an endpoint's URL only when it
    ends in one of its kind's own paths and the path asked lies under it."""
    from envcheck.checks.providers.config import Provider
    from envcheck.checks.providers.diagnose import _own_endpoint
    from envcheck.checks.providers.hooks import _default_tag

    listed = ["llama3.2:latest", "library/x:latest", "me/tool:1b"]
    assert _default_tag(FULL_NAME, listed) == "llama3.2:latest"
    assert _default_tag("registry.ollama.ai/library/llama3.2", listed) == "llama3.2:latest"
    assert _default_tag("library/llama3.2", listed) == "llama3.2:latest"
    assert _default_tag("registry.ollama.ai/me/tool:1b", listed) == "me/tool:1b"
    assert _default_tag("hf.co/library/llama3.2:latest", listed) is None
    assert _default_tag("llama3.2:1b", listed) is None

    def provider(kind: str, base: str) -> Provider:
        return cast(Provider, SimpleNamespace(kind=kind, base_url=base))  # the two it reads

    anthropic = provider("anthropic", "http://h/v1/messages")
    assert _own_endpoint(anthropic, "/v1/messages/v1/models") == "/v1/messages"
    assert _own_endpoint(anthropic, "/v1/models") is None
    assert _own_endpoint(provider("openai", "http://h/v1"), "/v1/models") is None
