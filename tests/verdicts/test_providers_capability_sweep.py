"""The capability sweep (issue 22): "the listing shows the model, but the request envcheck sends
cannot run it", and its neighbours, enumerated from the providers' own documentation and source
rather than example by example (the thirteenth held-out round found the first of them).

Kept as data below, each pair with where its answer was published:

- OpenAI: every family of its models page (https://platform.openai.com/docs/models), each model
  as the recorded listing (``mock/data/openai--models-list``, 150 ids) shows it, × the smoke call
  (``POST /v1/chat/completions``): chat and search models and a fine-tuned ``ft:`` id (healthy),
  reasoning models (healthy after the ``max_tokens`` → ``max_completion_tokens`` retry),
  Responses-only (``-pro``, deep-research, codex, computer-use), legacy completions, realtime,
  image, embedding, moderation, transcription and speech models (404, ``param`` model, no code),
  audio models that refuse a text-only request (400, ``param`` model, ``code`` invalid_value);
- Gemini: every distinct ``supportedGenerationMethods`` set of the recorded listing
  (``mock/data/gemini--models-list``: generateContent, countTokens, createCachedContent,
  batchGenerateContent, bidiGenerateContent, embedContent, embedText, countTextTokens,
  asyncBatchEmbedContent, generateAnswer, predict, predictLongRunning) and the documented values
  it lacks (a Live model with bidiGenerateContent only, PaLM's generateMessage / generateText,
  batchEmbedContents, createTunedModel), × the model and smoke checks; a TTS model listed with
  generateContent whose text-only call is refused (400 INVALID_ARGUMENT);
- Anthropic: a model on the listing's second page (``has_more`` / ``last_id``), a retired model
  (not listed; 404 ``not_found_error``), a current one;
- Ollama: ``/api/show`` ``capabilities`` (types/model/capability.go: completion, tools, insert,
  vision, thinking, embedding) × the model and smoke checks, an Ollama before the field (0.6.4),
  and every route envcheck calls × the release that added it (:data:`ROUTES`, from Ollama's git
  history; ``diagnose.ROUTE_SINCE`` must hold the ones a served release can lack);
- the OpenAI-compatible servers envcheck reaches through ``base_url``: vLLM, llama.cpp's server,
  LM Studio and Ollama's ``/v1``, each listing an embedding-only or unloaded model and answering
  the chat call to it.

The invariants, from structure (status, ``error.code/type/param``, the listing's fields, which
request was sent; never the words of a message): a model the smoke call cannot run never passes
smoke, nor the model check when the listing's structure says so; a healthy model passes both; the
verdict names the request sent and quotes the provider's words; its fix names a model the listing
shows the call can run (or none, where the listing shows none), and that fix, run, passes; the
listing request (auth) never names the model; no key in any output (``provider_runs.run``).

First measurement (envcheck at 4f3b39f, before any change for this sweep): 4 of the 57 provider
pairs wrong (the audio models' 400 ``invalid_value`` and Gemini's TTS 400 ``INVALID_ARGUMENT``:
the fallback, no model the call runs named; LM Studio's "no models loaded": the request not
named); the pair added after it (Anthropic's retired model the listing still shows), run on the
same code, was wrong too (the request not named, no model the call runs in the fix): 5 of 58;
6 of the 10 Ollama pairs (the embedding-only model's skip read from Ollama's words, not
``/api/show``'s capabilities, and naming no model that generates; ``ROUTE_SINCE`` without 4 of
the 5 routes; Ollama 0.1.13, which routes no ``/api/version``: "another service listens there"
while ``GET /`` answers Ollama's own "Ollama is running"). After the fixes: 0 of 58, 0 of 10.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import pytest

from envcheck.checks.ollama import diagnose as ollama_diagnose
from tests.verdicts.provider_runs import clean_environment, run
from tests.verdicts.replay import RECORDINGS, Answer, Replay, published
from tests.verdicts.table import rows, verdict_problems
from tests.verdicts.test_providers_sweep import own_error, text

OLLAMA_AT = "https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7"
MODELS_PAGE = "https://platform.openai.com/docs/models"

# -- what each answer is -------------------------------------------------------------------------

#: healthy: the recorded chat completion
OK = "openai--chat-ok"
#: OpenAI's 404 to a model Chat Completions does not run (param model, no code)
NOT_CHAT = "heldout13--openai-404-not-a-chat-model"
RESPONSES_ONLY = "heldout13--openai-404-responses-only"
AUDIO_ONLY = "capability--openai-400-audio-modality"
#: a reasoning model's 400 to max_tokens (then it answers max_completion_tokens)
REASONING = "openai--400-max-tokens-unsupported"


@dataclass(frozen=True)
class Pair:
    """One model of a listing × the checks' requests. ``answer``: what the smoke call gets
    (None: the model check must fail first, from the listing's structure); ``healthy``: both
    checks pass; ``inferred``: no answer for this very family was found published, and the
    answer OpenAI gives every other non-chat model is replayed (said so in the report)."""

    instance: str
    model: str
    family: str
    answer: str | None
    source: str
    healthy: bool = False
    inferred: bool = False


def _openai(instance: str, model: str, family: str, answer: str, source: str, **kw: Any) -> Pair:
    return Pair(instance, model, family, answer, source, healthy=answer in (OK, REASONING), **kw)


#: a fine-tuned model's id, as OpenAI's fine-tuning guide writes one (the recorded listing, an
#: account without fine-tunes, shows none; it is added to the listing served)
FINE_TUNED = "ft:gpt-4o-mini-2024-07-18:my-org:custom-suffix:9kQm1sZp"
OPENAI_PAIRS = [
    _openai("oa_chat", "gpt-4o-mini", "chat", OK, MODELS_PAGE),
    _openai("oa_chat41", "gpt-4.1", "chat", OK, MODELS_PAGE),
    _openai("oa_chatlatest", "gpt-5-chat-latest", "chat", OK, MODELS_PAGE),
    _openai("oa_search", "gpt-4o-search-preview", "search (chat)", OK, MODELS_PAGE),
    _openai("oa_searchapi", "gpt-5-search-api", "search (chat)", OK, MODELS_PAGE),
    _openai(
        "oa_ft", FINE_TUNED, "fine-tuned", OK, "https://platform.openai.com/docs/guides/fine-tuning"
    ),
    _openai("oa_o1", "o1", "reasoning", REASONING, MODELS_PAGE),
    _openai("oa_o3mini", "o3-mini", "reasoning", REASONING, MODELS_PAGE),
    _openai("oa_o4mini", "o4-mini", "reasoning", REASONING, MODELS_PAGE),
    _openai("oa_gpt5", "gpt-5", "reasoning", REASONING, MODELS_PAGE),
    _openai(
        "oa_o1pro",
        "o1-pro",
        "Responses-only",
        RESPONSES_ONLY,
        "https://github.com/n8n-io/n8n/issues/18352",
    ),
    _openai(
        "oa_o3pro",
        "o3-pro",
        "Responses-only",
        RESPONSES_ONLY,
        "https://github.com/aaif-goose/goose/issues/2564",
    ),
    _openai(
        "oa_gpt5pro",
        "gpt-5-pro",
        "Responses-only",
        RESPONSES_ONLY,
        "https://github.com/sigoden/aichat/pull/1318",
    ),
    _openai(
        "oa_deepresearch",
        "o3-deep-research",
        "Responses-only",
        RESPONSES_ONLY,
        "https://github.com/n8n-io/n8n/issues/18352",
    ),
    _openai(
        "oa_codex",
        "gpt-5-codex",
        "Responses-only",
        RESPONSES_ONLY,
        "https://github.com/docker/docker-agent/issues/313",
    ),
    _openai(
        "oa_computeruse",
        "computer-use-preview",
        "Responses-only",
        RESPONSES_ONLY,
        "https://platform.openai.com/docs/models/computer-use-preview",
        inferred=True,
    ),
    _openai(
        "oa_codex52",
        "gpt-5.2-codex",
        "codex (not a chat model)",
        NOT_CHAT,
        "https://github.com/tingly-dev/tingly-box/issues/233",
    ),
    _openai(
        "oa_davinci",
        "davinci-002",
        "legacy completions",
        NOT_CHAT,
        "https://github.com/Chanzhaoyu/chatgpt-web/issues/1428",
    ),
    _openai(
        "oa_babbage",
        "babbage-002",
        "legacy completions",
        NOT_CHAT,
        "https://github.com/Chanzhaoyu/chatgpt-web/issues/1440",
    ),
    _openai(
        "oa_instruct",
        "gpt-3.5-turbo-instruct",
        "legacy completions",
        NOT_CHAT,
        "https://github.com/run-llama/llama_index/issues/1332",
    ),
    _openai(
        "oa_realtime",
        "gpt-4o-realtime-preview",
        "realtime",
        NOT_CHAT,
        "https://github.com/danny-avila/LibreChat/issues/5326",
    ),
    _openai(
        "oa_realtimega",
        "gpt-realtime",
        "realtime",
        NOT_CHAT,
        "https://github.com/SciSharp/BotSharp/pull/959",
    ),
    _openai(
        "oa_dalle",
        "dall-e-3",
        "image",
        NOT_CHAT,
        "https://github.com/danny-avila/LibreChat/issues/5026",
    ),
    _openai("oa_image", "gpt-image-1", "image", NOT_CHAT, MODELS_PAGE, inferred=True),
    _openai(
        "oa_embed", "text-embedding-3-small", "embedding", NOT_CHAT, MODELS_PAGE, inferred=True
    ),
    _openai(
        "oa_moderation",
        "omni-moderation-latest",
        "moderation",
        NOT_CHAT,
        MODELS_PAGE,
        inferred=True,
    ),
    _openai("oa_whisper", "whisper-1", "transcription", NOT_CHAT, MODELS_PAGE, inferred=True),
    _openai(
        "oa_transcribe", "gpt-4o-transcribe", "transcription", NOT_CHAT, MODELS_PAGE, inferred=True
    ),
    _openai("oa_tts", "tts-1", "speech", NOT_CHAT, MODELS_PAGE, inferred=True),
    _openai("oa_video", "sora-2", "video", NOT_CHAT, MODELS_PAGE, inferred=True),
    _openai(
        "oa_audio",
        "gpt-4o-audio-preview",
        "audio (needs audio in or out)",
        AUDIO_ONLY,
        "https://github.com/truefoundry/models/pull/822",
    ),
    _openai(
        "oa_audiomini",
        "gpt-4o-mini-audio-preview",
        "audio (needs audio in or out)",
        AUDIO_ONLY,
        "https://github.com/CherryHQ/cherry-studio/issues/1179",
    ),
]

GEMINI_LISTING = RECORDINGS / "gemini--models-list.json"
GEMINI_DOCS = "https://ai.google.dev/api/models#Model"
RECORDED_GEMINI = "src/envcheck/mock/data/gemini--models-list.json"
#: documented entries the recorded listing lacks, as the listing writes a model (name,
#: supportedGenerationMethods); added to the listing served
GEMINI_DOCUMENTED = {
    # a Live API model: bidiGenerateContent only (https://ai.google.dev/gemini-api/docs/live)
    "gemini-2.0-flash-live-001": ["bidiGenerateContent", "countTokens"],
    # PaLM's chat and text models as their listing showed them (generateMessage, generateText)
    "chat-bison-001": ["generateMessage", "countMessageTokens"],
    "text-bison-001": ["generateText", "countTextTokens", "createTunedTextModel"],
    # an embedding model with the batch method, a tunable model (createTunedModel)
    "embedding-001-batch": ["embedContent", "batchEmbedContents"],
    "gemini-1.0-pro-001-tuning": ["createTunedModel", "countTokens"],
}
GENERATE = "generateContent"
TTS = "gemini-2.5-pro-preview-tts"
GEMINI_TTS_SOURCE = "https://github.com/BerriAI/litellm/issues/11118"


def _gemini_models() -> list[dict[str, Any]]:
    body = json.loads(GEMINI_LISTING.read_text())["response"]["body"]
    body = json.loads(body) if isinstance(body, str) else body
    models = [dict(m) for m in body["models"]]
    for name, methods in GEMINI_DOCUMENTED.items():
        models.append({"name": f"models/{name}", "supportedGenerationMethods": methods})
    return models


def _gemini_pairs() -> list[Pair]:
    """One model of each distinct method set (its first in the listing; a TTS model is no
    representative of its set), and the TTS model."""
    pairs: list[Pair] = []
    seen: set[frozenset[str]] = set()
    for m in _gemini_models():
        methods = tuple(m.get("supportedGenerationMethods") or ())
        name = str(m["name"]).removeprefix("models/")
        instance = f"gm_{len(pairs)}"
        if name == TTS:
            instance = "gm_tts"
            answer = "capability--gemini-400-tts-response-modalities"
            pairs.append(Pair(instance, name, "TTS", answer, GEMINI_TTS_SOURCE))
            continue
        if frozenset(methods) in seen or name.endswith("-tts"):
            continue
        seen.add(frozenset(methods))
        source = GEMINI_DOCS if name in GEMINI_DOCUMENTED else RECORDED_GEMINI
        family = "+".join(methods)
        if GENERATE in methods:
            pairs.append(Pair(instance, name, family, "gemini--generate-ok", source, True))
        else:
            pairs.append(Pair(instance, name, family, None, source))
    return pairs


GEMINI_PAIRS = _gemini_pairs()
ANTHROPIC_PAIRS = [
    Pair(
        "an_current",
        "claude-sonnet-4-5-20250929",
        "current",
        "anthropic--message-ok",
        "https://docs.anthropic.com/en/docs/about-claude/models/overview",
        True,
    ),
    Pair(
        "an_retired",
        "claude-3-sonnet-20240229",
        "retired (not listed)",
        "anthropic--404-model-not-found",
        "https://docs.anthropic.com/en/docs/about-claude/model-deprecations",
    ),
    Pair(
        "an_listed_retired",
        "claude-3-opus-20240229",
        "retired, still listed",
        "capability--anthropic-404-listed-retired",
        "https://docs.anthropic.com/en/docs/about-claude/model-deprecations",
    ),
    Pair(
        "an_page2",
        "claude-3-haiku-20240307",
        "listed on page 2",
        "anthropic--message-ok",
        "https://docs.anthropic.com/en/api/models-list",
        True,
    ),
]
#: OpenAI-compatible servers: (instance, model, listing, chat answer, source)
COMPAT_PAIRS = [
    (
        Pair(
            "cp_vllm",
            "BAAI/bge-m3",
            "vLLM embedding model",
            "capability--vllm-400-no-chat-completions",
            "https://github.com/QwenLM/Qwen3-VL/issues/988",
        ),
        "capability--vllm-models-embedding",
    ),
    (
        Pair(
            "cp_llamacpp",
            "nomic-embed-text-v1.5.Q8_0.gguf",
            "llama.cpp --embeddings",
            "heldout6--llamacpp-501-embeddings-only",
            "https://github.com/ggml-org/llama.cpp/issues/3815",
        ),
        "capability--llamacpp-models-embedding",
    ),
    (
        Pair(
            "cp_lmstudio",
            "qwen3-32b",
            "LM Studio, model not loaded",
            "lmstudio--404-no-models-loaded",
            "https://github.com/lmstudio-ai/lms/issues/107",
        ),
        "capability--lmstudio-models",
    ),
    (
        Pair(
            "cp_ollamav1",
            "nomic-embed-text:latest",
            "Ollama /v1 embedding model",
            "capability--ollama-v1-400-does-not-support-chat",
            f"{OLLAMA_AT}/middleware/openai.go",
        ),
        "capability--ollama-v1-models",
    ),
    (
        Pair(
            "cp_ollamav1ok",
            "llama3.2:latest",
            "Ollama /v1 LLM",
            "ollama--openai-compat-chat-ok",
            f"{OLLAMA_AT}/openai/openai.go",
            True,
        ),
        "capability--ollama-v1-models",
    ),
]


#: the rows of docs/verdicts/providers.md and ollama.md this sweep runs (instance or session ->
#: row), asserted on its runs like the held-out sets' rows
PROVIDER_ROWS_CAPABILITY = {
    "oa_audio": "openai-400-listed-audio-only",
    "gm_tts": "gemini-400-listed-refuses-text-request",
}
OLLAMA_ROWS_CAPABILITY = {
    "0.11.10": "ollama-generate-400-no-completion-capability",
    "0.1.13": "ollama-version-404-before-route",
}


def row_problems(component: str, row: str, checks: dict[str, dict[str, Any]]) -> list[str]:
    table = {r.id: r for r in rows(component)}
    return verdict_problems(table[row], list(checks.values()))


# -- the servers ---------------------------------------------------------------------------------


class _Alternating(Sequence[Answer]):
    """Anthropic's two pages, answered in turn (the replay drops the query, after_id): every
    listing of the one instance behind it asks page 1, then page 2."""

    def __init__(self, *pages: Answer) -> None:
        self.pages = pages

    def __len__(self) -> int:
        return 1 << 30

    @overload
    def __getitem__(self, index: int) -> Answer: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Answer]: ...

    def __getitem__(self, index: int | slice) -> Answer | Sequence[Answer]:
        if isinstance(index, slice):
            raise TypeError("no slices")
        return self.pages[index % len(self.pages)]


def _with_body(answer: Answer, body: Any) -> Answer:
    return Answer(answer.status, json.dumps(body).encode(), answer.headers, answer.source)


def _openai_listing() -> Answer:
    listing = published("openai--models-list")
    body = json.loads(listing.body)
    entry = dict(body["data"][0], id=FINE_TUNED, owned_by="user-abc123")
    return _with_body(listing, {**body, "data": body["data"] + [entry]})


def _openai_chat(body: Any) -> Answer:
    model = body.get("model") if isinstance(body, dict) else None
    pair = next((p for p in OPENAI_PAIRS if p.model == model), None)
    if pair is None:
        return published("openai--404-model-not-found")
    if pair.answer == REASONING:
        return published(REASONING if "max_tokens" in body else OK)
    return published(str(pair.answer))


def _anthropic_messages(body: Any) -> Answer:
    model = body.get("model") if isinstance(body, dict) else None
    pair = next((p for p in ANTHROPIC_PAIRS if p.model == model), None)
    listed = {m["id"] for m in json.loads(published("anthropic--models-list").body)["data"]}
    if pair is None and model in listed:
        return published("anthropic--message-ok")
    return published(pair.answer if pair and pair.answer else "anthropic--404-model-not-found")


def _compat_chat(body: Any) -> Answer:
    """A compatible server's answer to the chat call, by the model asked."""
    model = body.get("model") if isinstance(body, dict) else None
    pair = next((p for p, _ in COMPAT_PAIRS if p.model == model), None)
    return published(str(pair.answer)) if pair else published("openai--404-model-not-found")


@dataclass
class Servers:
    main: Replay  # OpenAI and Gemini
    anthropic: Replay
    pages: Replay  # Anthropic's listing in two pages
    compat: dict[str, Replay]


@pytest.fixture
def servers() -> Iterator[Servers]:
    gemini = [p for p in GEMINI_PAIRS if p.answer is not None]
    routes: dict[str, Any] = {
        "GET /v1/models": _openai_listing(),
        "POST /v1/chat/completions": _openai_chat,
        "GET /v1beta/models": _with_body(
            published("gemini--models-list"), {"models": _gemini_models()}
        ),
    }
    for pair in gemini:
        routes[f"POST /v1beta/models/{pair.model}:generateContent"] = published(str(pair.answer))
    routes["POST /v1beta/models/gemini-2.5-flash:generateContent"] = published(
        "gemini--generate-ok"
    )
    with ExitStack() as stack:
        main = stack.enter_context(Replay(routes))
        anthropic = stack.enter_context(
            Replay(
                {
                    "GET /v1/models": published("anthropic--models-list"),
                    "POST /v1/messages": _anthropic_messages,
                }
            )
        )
        pages = stack.enter_context(
            Replay(
                {
                    "GET /v1/models": _Alternating(
                        published("capability--anthropic-models-page1"),
                        published("capability--anthropic-models-page2"),
                    ),
                    "POST /v1/messages": _anthropic_messages,
                }
            )
        )
        compat: dict[str, Replay] = {}
        for listing in dict.fromkeys(name for _, name in COMPAT_PAIRS):
            server = stack.enter_context(
                Replay(
                    {
                        "GET /v1/models": published(listing),
                        "POST /v1/chat/completions": _compat_chat,
                    }
                )
            )
            compat.update((p.instance, server) for p, name in COMPAT_PAIRS if name == listing)
        yield Servers(main, anthropic, pages, compat)


SECTION = """\
[tool.envcheck.providers.{name}]
kind = "{kind}"
api_key = "{key}"
base_url = "{base}"
model = "{model}"
smoke = true
cassettes = false
retries = 0
rpm = 100000
timeout = 20.0

"""
KEY = {
    "openai": "${OPENAI_API_KEY}",
    "anthropic": "${ANTHROPIC_API_KEY}",
    "gemini": "${GEMINI_API_KEY}",
}


def _toml(s: Servers, models: dict[str, str]) -> str:
    sections = []
    for pair in ALL_PAIRS:
        kind, base = _where(s, pair)
        sections.append(
            SECTION.format(
                name=pair.instance, kind=kind, key=KEY[kind], base=base, model=models[pair.instance]
            )
        )
    return "".join(sections)


def _where(s: Servers, pair: Pair) -> tuple[str, str]:
    if pair in OPENAI_PAIRS:
        return "openai", f"{s.main.url}/v1"
    if pair in GEMINI_PAIRS:
        return "gemini", s.main.url
    if pair.instance == "an_page2":
        return "anthropic", s.pages.url
    if pair in ANTHROPIC_PAIRS:
        return "anthropic", s.anthropic.url
    return "openai", f"{s.compat[pair.instance].url}/v1"


ALL_PAIRS = OPENAI_PAIRS + GEMINI_PAIRS + ANTHROPIC_PAIRS + [p for p, _ in COMPAT_PAIRS]


# -- the invariants ------------------------------------------------------------------------------


def _words(pair: Pair) -> str | None:
    """The provider's own words in the answer the smoke call gets (its message field)."""
    if pair.answer is None or pair.healthy:
        return None
    body = json.loads(published(pair.answer).body)
    error = body.get("error", body)
    said = error.get("message") if isinstance(error, dict) else error
    return str(said).split("\n")[0][:60] if said else None


def _listed(pair: Pair, s: Servers) -> list[str]:
    """The ids the pair's listing shows."""
    if pair in OPENAI_PAIRS:
        return [str(m["id"]) for m in json.loads(_openai_listing().body)["data"]]
    if pair in GEMINI_PAIRS:
        return [str(m["name"]).removeprefix("models/") for m in _gemini_models()]
    if pair in ANTHROPIC_PAIRS:
        return [str(m["id"]) for m in json.loads(published("anthropic--models-list").body)["data"]]
    listing = dict((p.instance, name) for p, name in COMPAT_PAIRS)[pair.instance]
    return [str(m["id"]) for m in json.loads(published(listing).body)["data"]]


def _runnable(pair: Pair) -> set[str]:
    """The models of the pair's listing the smoke call runs (the sweep's healthy answers)."""
    if pair in OPENAI_PAIRS:
        return {p.model for p in OPENAI_PAIRS if p.healthy} | {"gpt-4o-mini"}
    if pair in GEMINI_PAIRS:
        return {
            str(m["name"]).removeprefix("models/")
            for m in _gemini_models()
            if GENERATE in (m.get("supportedGenerationMethods") or ())
        } - {TTS, "gemini-2.5-flash-preview-tts"}
    if pair in ANTHROPIC_PAIRS:
        listed = json.loads(published("anthropic--models-list").body)["data"]
        return {str(m["id"]) for m in listed} - {"claude-3-opus-20240229"}
    # a compatible server's listing says nothing of what a model serves: none is known to run
    return set()


PRINTED = re.compile(r'\bmodel = "([^"]+)"')


def _fix(check: dict[str, Any]) -> str:
    return " | ".join(text(check).split(" | ")[2:])


def pair_problems(pair: Pair, checks: dict[str, dict[str, Any]], s: Servers) -> list[str]:
    got = {
        name: checks.get(f"providers/{pair.instance}.{name}") or {}
        for name in ("auth", "model", "smoke")
    }
    problems = [f"{name}: envcheck's own error" for name, c in got.items() if own_error(text(c))]
    auth = got["auth"]
    if auth.get("status") != "pass" or pair.model in text(auth):
        problems.append(
            f"the listing (auth) is {auth.get('status')} or names the model: {text(auth)}"
        )
    model, smoke = got["model"], got["smoke"]
    if pair.healthy:
        problems += [
            f"{name} is {c.get('status')}: {text(c)}"
            for name, c in (("model", model), ("smoke", smoke))
            if c.get("status") != "pass"
        ]
        return problems
    if smoke.get("status") == "pass":
        problems.append(f"smoke passes: {text(smoke)}")
    listed = pair.model in _listed(pair, s)
    if pair.answer is None or not listed:  # the listing says so: the model check fails
        failing = model
        if model.get("status") != "fail":
            problems.append(
                f"model is {model.get('status')}, the listing's structure says no: {text(model)}"
            )
    else:
        failing = smoke
        if smoke.get("status") != "fail":
            problems.append(f"smoke is {smoke.get('status')}: {text(smoke)}")
        words = _words(pair)
        if words and words not in text(smoke):
            problems.append(f"smoke does not quote the provider's words {words!r}: {text(smoke)}")
        if (
            "chat/completions" not in text(smoke)
            and "generateContent" not in text(smoke)
            and "/v1/messages" not in text(smoke)
        ):
            problems.append(f"smoke does not name the request sent: {text(smoke)}")
    printed = PRINTED.findall(_fix(failing))
    runnable = _runnable(pair)
    if runnable - {pair.model} and not printed:
        problems.append(f"the fix names no model the call runs: {text(failing)}")
    problems += [
        f"the fix names {m}, which the call does not run" for m in printed if m not in runnable
    ]
    return [f"{pair.instance} ({pair.family}, {pair.model}): {p}" for p in problems]


def test_capability_sweep_providers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, servers: Servers
) -> None:
    clean_environment(monkeypatch)
    models = {p.instance: p.model for p in ALL_PAIRS}
    checks = run(pytester, "providers", _toml(servers, models))
    problems = [p for pair in ALL_PAIRS for p in pair_problems(pair, checks, servers)]
    problems += [
        p
        for row in PROVIDER_ROWS_CAPABILITY.values()
        for p in row_problems("providers", row, checks)
    ]
    # the printed fixes, run: each refused instance's model as its fix names it
    fixed = dict(models)
    for pair in ALL_PAIRS:
        for name in ("model", "smoke"):
            printed = PRINTED.findall(_fix(checks.get(f"providers/{pair.instance}.{name}") or {}))
            if not pair.healthy and printed:
                fixed[pair.instance] = printed[0]
    if fixed != models:
        again = run(pytester, "providers", _toml(servers, fixed))
        for pair in ALL_PAIRS:
            if fixed[pair.instance] == models[pair.instance]:
                continue
            for name in ("model", "smoke"):
                got = again.get(f"providers/{pair.instance}.{name}") or {}
                if got.get("status") != "pass":
                    problems.append(
                        f"{pair.instance}: the fix ({fixed[pair.instance]}), run, is "
                        f"{got.get('status')}: {text(got)}"
                    )
    instances = {pair.instance for pair in ALL_PAIRS}
    wrong = {found[0] for p in problems if (found := re.match(r"\w+", p)) and found[0] in instances}
    assert not problems, f"{len(wrong)} of {len(ALL_PAIRS)} pairs wrong\n" + "\n".join(problems)


# -- Ollama --------------------------------------------------------------------------------------

#: every route envcheck's Ollama checks call, and the release that added it (the first tag
#: holding the commit that added it to server/routes.go: git log -S, git tag --contains)
ROUTES = {
    "GET /api/version": ("0.1.14", "1ebdbd9694de0746dd0860ffb88f25559794665b"),
    "GET /api/tags": ("0.0.6", "5bea29f610b99a35882766bd2e520ce78a71f3e7"),
    "POST /api/show": ("0.0.18", "790d24eb7bd1b15192a8acd79b60e225aaa6688e"),
    "POST /api/generate": ("0.0.1", "76cb60d496f4b7c86989888e57d92763470ce278"),
    "GET /api/ps": ("0.1.38", "6845988807e458e8e0eb406a2739080f52c267bd"),
}
#: ``capabilities`` in /api/show: api/types.go ShowResponse, from 0.6.4 (commit e172f095)
CAPABILITIES_SINCE = "0.6.4"
OLLAMA_TOML = """\
[tool.envcheck.ollama]
models = [{models}]
smoke = true
cassettes = false
timeout = 20.0
"""
LLM, EMBED = "llama3.2:latest", "embeddinggemma:latest"


def _version(v: str) -> Answer:
    return Answer(200, json.dumps({"version": v}).encode(), {"content-type": "application/json"})


def _ollama_routes(version: str, capabilities: bool) -> dict[str, Any]:
    old_show = published("ollama--show-model-info")

    def show(body: Any) -> Answer:
        model = body.get("model") or body.get("name") if isinstance(body, dict) else None
        if model == EMBED:
            answer = published("capability--ollama-show-embedding")
            if not capabilities:
                data = json.loads(answer.body)
                data.pop("capabilities")
                return _with_body(answer, data)
            return answer
        return published("capability--ollama-show-completion") if capabilities else old_show

    def generate(body: Any) -> Answer:
        model = body.get("model") if isinstance(body, dict) else None
        if model == EMBED:
            return published("ollama--400-does-not-support-generate")
        return published("ollama--generate-ok")

    return {
        "GET /": published("heldout13--ollama-root-running"),
        "GET /api/version": _version(version),
        "GET /api/tags": published("ollama--tags"),
        "POST /api/show": show,
        "POST /api/generate": generate,
        "GET /api/ps": published("ollama--ps"),
    }


def ollama_problems(checks: dict[str, dict[str, Any]], capabilities: bool) -> list[str]:
    problems = []
    for name in (f"model[{LLM}]", f"smoke[{LLM}]", "server"):
        got = checks.get(f"ollama/{name}") or {}
        if got.get("status") != "pass":
            problems.append(f"{name} (healthy) is {got.get('status')}: {text(got)}")
    model = checks.get(f"ollama/model[{EMBED}]") or {}
    smoke = checks.get(f"ollama/smoke[{EMBED}]") or {}
    if model.get("status") != "pass":  # /api/show, the model check's request, runs it
        problems.append(f"model[{EMBED}] is {model.get('status')}: {text(model)}")
    if smoke.get("status") == "pass":
        problems.append(f"smoke[{EMBED}] passes: {text(smoke)}")
    shown = text(smoke)
    if capabilities and not ("capabilities" in shown and "embedding" in shown):
        problems.append(f"smoke[{EMBED}] does not name /api/show's capabilities: {shown}")
    if capabilities and LLM not in _fix(smoke):
        problems.append(f"smoke[{EMBED}]'s fix names no model generate runs ({LLM}): {shown}")
    if not capabilities and "does not support generate" not in shown:
        problems.append(f"smoke[{EMBED}] does not quote Ollama's words: {shown}")
    problems += [f"{c['id']}: envcheck's own error" for c in checks.values() if own_error(text(c))]
    return problems


def test_capability_sweep_ollama(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_environment(monkeypatch)
    toml = OLLAMA_TOML.format(models=f'"{LLM}", "{EMBED}"')
    problems = []
    for version, capabilities in (("0.11.10", True), ("0.6.2", False)):
        with Replay(_ollama_routes(version, capabilities)) as replay:
            monkeypatch.setenv("OLLAMA_HOST", replay.url)
            checks = run(pytester, "ollama", toml)
        problems += [f"Ollama {version}: {p}" for p in ollama_problems(checks, capabilities)]
        if version in OLLAMA_ROWS_CAPABILITY:
            problems += row_problems("ollama", OLLAMA_ROWS_CAPABILITY[version], checks)
    # every route × the release that added it: diagnose.ROUTE_SINCE must say each
    for route, (since, _) in ROUTES.items():
        if ollama_diagnose.ROUTE_SINCE.get(route) != since:
            problems.append(
                f"ROUTE_SINCE says {route}: {ollama_diagnose.ROUTE_SINCE.get(route)}, not {since}"
            )
    # an Ollama before /api/version (0.1.13): gin's 404 to it, "Ollama is running" at /
    routes = _ollama_routes("0", False)
    routes["GET /api/version"] = published("capability--ollama-version-0.1.13")
    with Replay(routes) as replay:
        monkeypatch.setenv("OLLAMA_HOST", replay.url)
        checks = run(pytester, "ollama", toml)
    problems += row_problems("ollama", OLLAMA_ROWS_CAPABILITY["0.1.13"], checks)
    server = checks.get("ollama/server") or {}
    shown = text(server)
    if server.get("status") != "fail" or "0.1.14" not in shown or "another service" in shown:
        problems.append(
            "Ollama 0.1.13 (no /api/version, GET / answers Ollama): "
            f"{server.get('status')}: {shown}"
        )
    assert not problems, "\n".join(problems)


def _older(a: str, b: str) -> bool:
    def parts(v: str) -> tuple[int, ...]:
        return tuple(int(x) for x in v.split("."))

    return parts(a) < parts(b)


def test_the_sweep_is_what_it_says() -> None:
    """The data: every pair's answer is a published file whose source is recorded, every
    family of the models page has a pair, every method value of the listing a Gemini pair."""
    replays = Path(__file__).parent / "replays"
    sources = (replays / "SOURCES.md").read_text()
    mine = sorted(p.name for p in replays.glob("capability--*.json"))
    assert len(mine) == 14 and all(f"`{name}`" in sources for name in mine)
    for pair in ALL_PAIRS:
        assert pair.source.startswith(("https://", "gemini--", "src/")), pair
        if pair.answer is not None:
            assert published(pair.answer).status in (200, 400, 404, 501), pair
    families = {p.family for p in OPENAI_PAIRS}
    assert len(families) >= 14 and sum(p.inferred for p in OPENAI_PAIRS) == 8
    methods = set(
        itertools.chain.from_iterable(
            m.get("supportedGenerationMethods") or () for m in _gemini_models()
        )
    )
    covered = set(itertools.chain.from_iterable(p.family.split("+") for p in GEMINI_PAIRS))
    assert methods <= covered | {GENERATE}, methods - covered
    assert len(ALL_PAIRS) == len({p.instance for p in ALL_PAIRS})
