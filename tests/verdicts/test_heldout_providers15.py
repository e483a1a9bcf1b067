"""The fifteenth held-out set for LLM providers and Ollama (issue 22): Ollama reached through its
OpenAI-compatible ``/v1`` API (``kind = "openai"``, ``base_url = "http://HOST:11434/v1"``, how
most OpenAI-client apps are pointed at it), and answers of OpenAI-compatible services that carry
fields OpenAI's do not. Kinds no row of docs/verdicts/providers.md or docs/verdicts/ollama.md
lists, no earlier held-out set made (test_heldout.py's eight, 9 to 14), and no sweep covers
(tests/verdicts/test_providers_capability_sweep.py reaches Ollama's ``/v1`` only with a model
the listing shows by its full name, ``llama3.2:latest``, an LLM and an embedding model). Grepped
before choosing, in both tables, every earlier set, the sweeps and replays/SOURCES.md: a ``/v1``
listing with ``"data": null``, ``/v1/models`` answered 404 by an Ollama older than the route,
an Ollama origin given as an OpenAI ``base_url`` (``GET /models``), a model named without its
``:latest`` tag against a listing that shows it with one, a model a ``/v1`` listing lacks,
``reasoning`` with an empty ``content`` and ``finish_reason`` "length", OpenRouter's
``native_finish_reason`` / ``provider`` / ``usage.cost``, DeepSeek's base URL without ``/v1``
(none found; ``heldout12--ollama-tags-null``, the native ``/api/tags`` with ``models`` null, is
the neighbour on Ollama's own API, and ``heldout13--ollama-404-gin-no-route`` the gin 404 on it).
Each answer is replayed verbatim (files ``replays/heldout15--*`` and the earlier ones named
below, their sources in ``replays/SOURCES.md``) by local servers, one per Ollama, to one
in-process envcheck session for all eight instances.

Breakages:

- ``model = "llama3.1:8b"`` at an Ollama ``/v1`` whose ``GET /v1/models`` lists
  ``llama3.2:latest`` and ``nomic-embed-text:latest`` only: the model is not pulled there
  (openai.go ToListCompletion lists the pulled models; ollama#3050's users list models so);
- an Ollama with no model pulled: ``GET /v1/models`` answers ``{"object": "list", "data": null}``
  (openai.go: ``var data []Model``, a nil slice written as null);
- Ollama 0.1.32, which serves ``POST /v1/chat/completions`` (since 0.1.24) but routes no
  ``GET /v1/models`` (added by ollama#5007, merged in July 2024): gin's ``404 page not found``
  to the listing while ``/api/version`` says 0.1.32 (ollama#3050: "Ollama is running, but
  /v1/models got 404 page not found");
- ``base_url = "http://HOST:11434"`` (the Ollama origin, no ``/v1``): ``GET /models`` answered
  with gin's 404 while ``GET /api/version`` there answers Ollama's version
  (skye-harris/hass_local_openai_llm#15, ollama#10354).

Healthy neighbours, which the official clients accept and envcheck must pass: ``model =
"llama3.2"`` against a ``/v1`` listing that shows ``llama3.2:latest`` (Ollama's names take
``latest`` when the tag is left out: types/model/name.go ParseName; the chat call answers);
a thinking model at ``/v1`` (``qwen3:0.6b``) whose 5 tokens went on thinking: ``content`` ""
with ``reasoning`` and ``finish_reason`` "length" (the model ran; the gemini row
``gemini-200-max-tokens-thinking`` is its neighbour on another API); OpenRouter's chat answer as
recorded, with ``provider``, ``native_finish_reason``, ``message.reasoning`` null and
``usage.cost``; DeepSeek at its documented base URL without ``/v1`` (``GET /models``, ``POST
/chat/completions``), listing and answer as recorded.

Made for real with the official client first, against the same replay servers (before any
envcheck run): openai-python's ``models.list()`` gives ``llama3.2:latest`` and
``nomic-embed-text:latest`` for the ``/v1`` Ollama, ``data`` None for the empty one (the SDK's
page holds no model), NotFoundError 404 (the body gin's ``404 page not found``) for 0.1.32's
``/v1/models`` and for the origin's ``/models``; ``chat.completions.create`` answers for
``llama3.2``, for ``qwen3:0.6b`` (``content`` "", ``finish_reason`` "length", the extra
``reasoning``), for OpenRouter (the extra fields kept as extras) and for DeepSeek (its recorded
answer is deepseek-reasoner's, the listing recorded later shows deepseek-v4-flash: two
recordings of one service, replayed as they are).

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the requests the
checks send and where settings are read (docs/providers.md) had been read before the
expectations were written.

Expectations committed before envcheck's first run on them (commit 211d395).

First run (envcheck at 211d395, before any change): 4 of 8 fully right (50%), 1 partly, 3 wrong;
of the 4 breakages, 1 fully right. Fully right: the Ollama origin as ``base_url`` ("answered HTTP
404 to GET /models ... in plain text", fix ``set base_url = "http://127.0.0.1:PORT/v1"``), and
three healthy neighbours (the thinking model's empty content with ``finish_reason`` "length",
OpenRouter's extra fields, DeepSeek without ``/v1``). Partly: the model not pulled failed the
model check with the model named and ``set model = "llama3.2:latest"`` (a fix that passes when
run, but another model: ``ollama pull`` unnamed although the server is Ollama). Wrong: ``model
= "llama3.2"`` failed ("not available to this openai key; closest: llama3.2:latest"), a false
alarm for the name Ollama takes as ``llama3.2:latest``, and the smoke check was skipped behind
it; the empty Ollama's ``{"object": "list", "data": null}`` failed auth as "JSON that is not the
shape of this API's answer (no `data`) ... another service", fix "check base_url"; 0.1.32's 404
to ``GET /v1/models`` was "wrong base_url ... (a missing /v1?)", fix "check base_url" for the
right base_url of an Ollama older than the route.

After the fixes (structure first): a model named without a tag passes as the listed
``NAME:latest`` (a tag defaults to ``latest`` where names carry one: Ollama, OCI references);
a listing whose ``data`` is null is an empty listing (a Go nil slice); when a non-vendor
``base_url``'s listing answers a plain-text 404 (a router's, not the API's JSON error) or lacks
the model, envcheck asks ``GET /api/version`` of ``base_url`` without ``/v1`` (no key sent,
never while replaying) and an answer of Ollama's shape makes the verdict about that Ollama:
a release before 0.2.0 (server/routes.go's history: ``GET /v1/models`` from 996bb1b, #5007)
fails auth with the upgrade, never "wrong base_url"; a model its listing lacks, or an empty one,
is "not pulled into the Ollama at ROOT", fixed by ``OLLAMA_HOST=ROOT ollama pull MODEL`` (or
another listed model). 8 of 8 fully right. Rows (PROVIDER_ROWS_15), asserted on this run:
ollama-v1-model-not-pulled, ollama-v1-200-models-null, ollama-v1-404-before-models-route,
ollama-origin-404-models, ollama-v1-200-tag-left-out, ollama-v1-200-thinking-length,
openrouter-200-chat-extra-fields, deepseek-200-base-without-v1.

Executed: the Ollama root's fix (``base_url`` as printed, envcheck again: auth passes). Not
executed: ``ollama pull`` and the upgrade (an Ollama binary, the network, the server's machine).

Cost: 3 tests, two in-process envcheck sessions (the eight instances, then the printed
``base_url``) against five replay servers; 3.8 s CPU (user + system) for the file with pytest's
start.

Not made, and why: OpenAI's ``mismatched_project`` 401 (no published whole body, as in the
fourteenth set); Vertex AI (``aiplatform.googleapis.com``): envcheck's ``gemini`` kind asks
``/v1beta/models``, which Vertex does not serve, and its OpenAI-compatible endpoint takes an
OAuth access token, not a key (``gemini-401-credentials-missing`` is the row for a key sent
there); Anthropic's ``anthropic-beta`` errors (envcheck sends no beta header); GitHub Models'
per-day 429 (``UserByModelByDay``: no whole published answer with its headers).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.verdicts.provider_runs import (
    HeldOutCase,
    clean_environment,
    grade,
    row_problems,
    run,
)
from tests.verdicts.replay import Answer, Replay, published

OLLAMA_AT = "https://github.com/ollama/ollama/blob/00988753ff743bf26117964f6e43f9ebf10bce30"
LISTING = f"{OLLAMA_AT}/openai/openai.go"
NAMES = f"{OLLAMA_AT}/types/model/name.go"
NO_V1_MODELS = "https://github.com/ollama/ollama/issues/3050"
ORIGIN = "https://github.com/skye-harris/hass_local_openai_llm/issues/15"
OPENROUTER = (
    "https://github.com/charmbracelet/fantasy/blob/43a2aa51c05dbe054eaca6f9f7dcc42836f39bed"
    "/providertests/testdata/TestOpenRouterCommon/openai/simple.yaml"
)
DEEPSEEK = (
    "https://github.com/posit-dev/chatlas/blob/e24bf49499dc399c4c671a83ae6ff89351fa45ed"
    "/tests/_vcr/test_provider_deepseek/test_deepseek_list_models.yaml"
)

#: what no verdict here may say (a cause of another kind)
WRONG_CAUSES = ("set a valid key", "rotate", "invalid api key")
#: an Ollama that answers is neither another service nor a wrong address
NOT_ELSEWHERE = ("another service", "not JSON", "not the shape")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES


CASES = [
    Case(
        "ollama-v1-not-pulled",
        LISTING,
        "providers/olmissing.model",
        "fail",
        says=("llama3.1:8b",),
        fix=("ollama pull llama3.1:8b",),
        never=WRONG_CAUSES + NOT_ELSEWHERE + ("wrong base_url",),
        also=(("providers/olmissing.auth", "pass"),),
    ),
    Case(
        "ollama-v1-nothing-pulled",
        LISTING,
        "providers/olempty.model",
        "fail",
        says=("llama3.2",),
        fix=("ollama pull llama3.2",),
        never=WRONG_CAUSES + NOT_ELSEWHERE + ("wrong base_url",),
        also=(("providers/olempty.auth", "pass"),),
    ),
    Case(
        "ollama-v1-models-before-route",
        NO_V1_MODELS,
        "providers/olold.auth",
        "fail|skip",
        says=("/v1/models", "0.1.32"),
        fix=("upgrade",),
        never=WRONG_CAUSES + NOT_ELSEWHERE + ("wrong base_url", "check base_url"),
    ),
    Case(
        "ollama-origin-as-openai-base",
        ORIGIN,
        "providers/olorigin.auth",
        "fail",
        says=("/models",),
        fix=('base_url = "', '/v1"'),
        never=WRONG_CAUSES + NOT_ELSEWHERE,
    ),
    Case(
        "ollama-v1-tag-left-out",
        NAMES,
        "providers/oltag.model",
        "pass",
        also=(("providers/oltag.smoke", "pass"),),
    ),
    Case(
        "ollama-v1-thinking-length",
        LISTING,
        "providers/olthink.smoke",
        "pass",
        also=(("providers/olthink.model", "pass"),),
    ),
    Case(
        "openrouter-extra-fields",
        OPENROUTER,
        "providers/openrouter.smoke",
        "pass",
        also=(("providers/openrouter.headroom", "pass"),),
    ),
    Case(
        "deepseek-base-without-v1",
        DEEPSEEK,
        "providers/deepseek.smoke",
        "pass",
        also=(("providers/deepseek.auth", "pass"), ("providers/deepseek.model", "pass")),
    ),
]
#: the rows of docs/verdicts/providers.md these cases run (their cause and fix too)
PROVIDER_ROWS_15 = {
    "ollama-v1-not-pulled": "ollama-v1-model-not-pulled",
    "ollama-v1-nothing-pulled": "ollama-v1-200-models-null",
    "ollama-v1-models-before-route": "ollama-v1-404-before-models-route",
    "ollama-origin-as-openai-base": "ollama-origin-404-models",
    "ollama-v1-tag-left-out": "ollama-v1-200-tag-left-out",
    "ollama-v1-thinking-length": "ollama-v1-200-thinking-length",
    "openrouter-extra-fields": "openrouter-200-chat-extra-fields",
    "deepseek-base-without-v1": "deepseek-200-base-without-v1",
}

SECTION = """\
[tool.envcheck.providers.{name}]
kind = "openai"
api_key = "${{OPENAI_API_KEY}}"
base_url = "{base}"
model = "{model}"
smoke = true
cassettes = false
retries = 0
timeout = 20.0

"""
GIN_404 = "heldout13--ollama-404-gin-no-route"


def _ollama(version: str, listing: str, chat: str) -> dict[str, Any]:
    """One Ollama's routes: its own API's root and version, and its OpenAI-compatible ones."""
    return {
        "GET /": published("heldout13--ollama-root-running"),
        "GET /api/version": published(version),
        "GET /v1/models": published(listing),
        "POST /v1/chat/completions": published(chat),
        "GET /models": published(GIN_404),
    }


def worlds() -> dict[str, dict[str, Any]]:
    """Each server's routes: the cloud services under their paths, and one server per Ollama."""
    current = "heldout13--ollama-version-cloud"
    return {
        "cloud": {
            "GET /or/api/v1/models": published("openai--models-list"),
            "POST /or/api/v1/chat/completions": published(
                "heldout15--openrouter-200-chat-extra-fields"
            ),
            "GET /ds/models": published("heldout15--deepseek-200-models"),
            "POST /ds/chat/completions": published("heldout15--deepseek-200-chat"),
        },
        "ollama": _ollama(current, "capability--ollama-v1-models", "ollama--openai-compat-chat-ok"),
        "think": _ollama(
            current,
            "heldout15--ollama-v1-200-models-qwen3",
            "heldout15--ollama-v1-200-reasoning-length",
        ),
        "empty": _ollama(
            current, "heldout15--ollama-v1-200-models-null", "ollama--openai-compat-chat-ok"
        ),
        "old": _ollama(
            "heldout13--ollama-version-0.1.32", GIN_404, "ollama--openai-compat-chat-ok"
        ),
    }


@pytest.fixture
def servers() -> Iterator[dict[str, Replay]]:
    with ExitStack() as stack:
        yield {name: stack.enter_context(Replay(routes)) for name, routes in worlds().items()}


def _toml(servers: dict[str, Replay]) -> str:
    #: instance -> (server, path of base_url under it, model)
    instances = {
        "olmissing": ("ollama", "/v1", "llama3.1:8b"),
        "olempty": ("empty", "/v1", "llama3.2"),
        "olold": ("old", "/v1", "llama3:latest"),
        "olorigin": ("ollama", "", "llama3.2:latest"),
        "oltag": ("ollama", "/v1", "llama3.2"),
        "olthink": ("think", "/v1", "qwen3:0.6b"),
        "openrouter": ("cloud", "/or/api/v1", "gpt-4o-mini"),
        "deepseek": ("cloud", "/ds", "deepseek-v4-flash"),
    }
    return "".join(
        SECTION.format(name=name, base=f"{servers[server].url}{path}", model=model)
        for name, (server, path, model) in instances.items()
    )


def test_fifteenth_held_out_providers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, servers: dict[str, Replay]
) -> None:
    clean_environment(monkeypatch)
    checks = run(pytester, "providers", _toml(servers))
    problems = [p for case in CASES for p in grade(case, checks)]
    problems += row_problems("providers", PROVIDER_ROWS_15, CASES, checks)
    assert not problems, "\n".join(problems)
    # the Ollama root's fix, run: base_url as printed, envcheck again, auth passes
    printed = re.search(r'set base_url = "([^"]+)"', checks["providers/olorigin.auth"]["hint"])
    assert printed is not None
    section = SECTION.format(name="olorigin", base=printed[1], model="llama3.2:latest")
    again = run(pytester, "providers", section)
    assert again["providers/olorigin.auth"]["status"] == "pass", again["providers/olorigin.auth"]


def test_the_fifteenth_set_is_what_it_says() -> None:
    replays = Path(__file__).parent / "replays"
    files = sorted(p.name for p in replays.glob("heldout15--*.json"))
    assert len(files) == 6
    sources = (replays / "SOURCES.md").read_text()
    assert all(f"`{name}`" in sources for name in files)
    assert len(CASES) == 8 and sum(c.status != "pass" for c in CASES) == 4
    assert all(c.source.startswith("https://") for c in CASES)
    assert isinstance(published(GIN_404), Answer)


def test_names_and_releases_read_as_ollama_reads_them() -> None:
    """The default tag (a name's last part without ``:``), a registry host's port not taken for a
    tag, and a build from source (0.0.0), whose release is unknown, never called older."""
    from envcheck.checks.providers import diagnose
    from envcheck.checks.providers.hooks import _before, _default_tag

    listed = ["llama3.2:latest", "hf.co/bartowski/Qwen3-GGUF:latest", "localhost:5000/m:latest"]
    assert _default_tag("llama3.2", listed) == "llama3.2:latest"
    assert _default_tag("hf.co/bartowski/Qwen3-GGUF", listed) == listed[1]
    assert _default_tag("localhost:5000/m", listed) == listed[2]
    assert _default_tag("llama3.2:1b", listed) is None
    assert _default_tag("mistral", listed) is None
    old = diagnose.Ollama("http://127.0.0.1:11434", "0.1.32")
    assert _before(old, "GET /v1/models")
    assert not _before(diagnose.Ollama(old.root, "0.0.0"), "GET /v1/models")
    assert not _before(diagnose.Ollama(old.root, "0.2.0"), "GET /v1/models")
