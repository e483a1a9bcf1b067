"""The twelfth held-out set for LLM providers and Ollama (issue 22): settings read the way the
official clients read them, and answers of kinds no row of docs/verdicts/providers.md or
docs/verdicts/ollama.md lists, no earlier held-out set made, and neither sweep covers
(tests/verdicts/test_providers_sweep.py: the providers' documented errors;
tests/verdicts/test_providers_http_sweep.py: what lies between the client and the server). Each
answer is replayed verbatim (files ``replays/heldout12--*``, their sources in
``replays/SOURCES.md``) by one local server per session, to in-process envcheck sessions: one for
the providers (three instances), two for Ollama.

- ``ANTHROPIC_BASE_URL`` ending in ``/v1`` (``https://api.anthropic.com/v1``, as OpenAI's
  base URLs do): anthropic-sdk-python adds ``/v1/messages`` to it, so every request goes to
  ``/v1/v1/...``, which Anthropic answers 404 ``not_found_error`` "Not Found" (the body as
  published in flexigpt-vscode-extension#8, litellm#2016);
- Ollama's ``/api/tags`` answering ``{"models":[]}`` for a configured model (open-webui#3830:
  the server reads another store than the one the models were pulled into, OLLAMA_MODELS or a
  second server; ollama#6098);
- an Ollama before 0.1.38 answering ``{"models": null}`` for an empty store (ollama#4424).

Healthy neighbours, which the official clients accept and envcheck must pass: a Gemini model
named with its resource prefix (``models/gemini-2.5-flash``: google-genai's ``t_model`` keeps a
``models/`` name as it is, and the listing names every model so); ``OPENAI_BASE_URL`` naming a
gateway's path (``http://host/openai/v1``: openai-python reads it when no base_url is given);
``OLLAMA_HOST`` as a bare port (``:PORT``, ollama-python's ``_parse_host``: 127.0.0.1) and as
``0.0.0.0:PORT`` (the server's own listen form, which a client on Linux reaches as the local
host); ``/api/ps`` with a model wholly in VRAM (nirmato-ollama#13); and LocalAI's
Ollama-compatible ``/api/ps``, whose entries carry neither ``size`` nor ``size_vram`` (LocalAI
cannot tell; issue 11969), where placement cannot be told and is not "CPU".

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words neither may say; where a fix is printed it is run (the setting changed
as printed, envcheck run again, the check passes). Of envcheck's code, only the requests the
checks send and where settings are read (checks/providers/config.py's variables,
checks/ollama/address.py) had been read before the expectations were written.

Expectations committed before envcheck's first run on them (commit f985d63).

First run (envcheck at f985d63, before any change): 5 of 10 fully right (50%), 2 partly, 3 wrong;
of the 3 breakages, 1 fully right. Fully right: OPENAI_BASE_URL with a gateway's path (auth,
model and smoke pass), OLLAMA_HOST=":PORT" and "0.0.0.0:PORT" (the server asked and passed),
``{"models": null}`` (no error of envcheck's own: "is not pulled", ``ollama pull``), a model
wholly in VRAM ("on GPU"). Partly: ANTHROPIC_BASE_URL ending in /v1 was "wrong base_url" with
the variable and its value named, but guessed the opposite ("a missing /v1?") though the path it
asked, ``/v1/v1/models``, shows the doubled /v1, and its fix was "check ANTHROPIC_BASE_URL", no
value to run; an empty store (``{"models":[]}``) was "is not pulled" with ``ollama pull``, but
not that the server lists no model at all, which is a store the server reads other than the
one the models were pulled into (OLLAMA_MODELS, another server). Wrong: a Gemini model named
``models/gemini-2.5-flash`` (as google-genai accepts it and the listing names it) was "not
available ... closest: gemini-2.5-flash", a false alarm, and its smoke check skipped for it;
LocalAI's /api/ps entries without size or size_vram were WARN "on CPU" with nvidia-smi, a
placement the answer does not tell.

One assertion of the grader was its own, corrected after the first run: the printed
ANTHROPIC_BASE_URL= is read from the hint and the fix, not the cause (once the cause named the
variable with its value, the search found that first).

After the fixes (structure first): a 404 to a path that holds a version segment twice in a row
(``/v1/v1/models``: llm/_errors.doubled_segment) is base_url already ending in the version its
client adds, and the fix removes it, as ``export ANTHROPIC_BASE_URL=...`` when the variable set
it (run: passes), an edit of base_url otherwise; an EndpointNotFound names the variable base_url
came from, with its value. A Gemini model is read as google-genai reads it: ``models/NAME`` and
``NAME`` are one model (checks/providers/config.py). On Ollama, the listing behind a refused
``/api/show`` is read from ``GET /api/tags`` itself (``{"models": null}`` is an empty store,
which the ollama client refuses to read), and a listing that answers with no model at all is a
store nothing was pulled into: "lists no model at all", OLLAMA_MODELS or another server, beside
``ollama pull``; ``/api/ps`` entries without a size are placements that cannot be told (skip),
never "on CPU" (an entry with a size and no size_vram is still CPU: Ollama before 0.1.42 omitted
a 0). 10 of 10 fully right. Rows (PROVIDER_ROWS_12, OLLAMA_ROWS_12), asserted on these runs:
anthropic-404-base-url-doubled-v1, gemini-200-model-resource-name, ollama-show-404-store-empty,
ollama-ps-without-sizes.

Not executed: the empty store's ``ollama pull`` (it needs the network and a real server; a
replay cannot take a pull).

Cost: 3 tests, four in-process envcheck sessions (the providers' run twice: the fix run) and one
replay server each; 4.1 s CPU (user + system) alone, 4.6 s wall (5.5 s on the first run).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.verdicts.provider_runs import clean_environment, grade, row_problems, run
from tests.verdicts.replay import Answer, Replay, published
from tests.verdicts.test_providers_sweep import text

ANTHROPIC_BASE = (
    "https://github.com/anthropics/anthropic-sdk-python/blob/main/src/anthropic/_client.py"
)
GENAI_MODELS = "https://github.com/googleapis/python-genai/blob/main/google/genai/_transformers.py"
OPENAI_CLIENT = "https://github.com/openai/openai-python/blob/main/src/openai/_client.py"
OLLAMA_CLIENT = "https://github.com/ollama/ollama-python/blob/main/ollama/_client.py"
OLLAMA_TAGS_EMPTY = "https://github.com/open-webui/open-webui/issues/3830"
OLLAMA_TAGS_NULL = "https://github.com/ollama/ollama/pull/4424"
OLLAMA_PS = "https://github.com/nirmato/nirmato-ollama/issues/13"
LOCALAI_PS = "https://github.com/mudler/LocalAI/issues/11969"

#: what no verdict here may say (a cause of another kind)
WRONG_CAUSES = ("set a valid key", "rotate", "quota", "start it: ollama serve")


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    check: str  # the check's id in the report
    status: str
    says: tuple[str, ...] = ()  # words the cause (summary + why) must hold
    fix: tuple[str, ...] = ()  # words the hint / fix must hold
    never: tuple[str, ...] = WRONG_CAUSES
    runs_fix: bool = False


PROVIDER_CASES = [
    Case(
        "anthropic-base-url-ends-in-v1",
        ANTHROPIC_BASE,
        "providers/anthropic.auth",
        "fail",
        says=("base_url", "/v1/v1/models", "ANTHROPIC_BASE_URL"),
        fix=("ANTHROPIC_BASE_URL=",),
        never=WRONG_CAUSES + ("is not available", "closest:"),
        runs_fix=True,
    ),
    Case("gemini-model-with-prefix-model", GENAI_MODELS, "providers/gemini.model", "pass"),
    Case("gemini-model-with-prefix-smoke", GENAI_MODELS, "providers/gemini.smoke", "pass"),
    Case("openai-base-url-gateway-path", OPENAI_CLIENT, "providers/openai.smoke", "pass"),
]
#: Ollama's first session (OLLAMA_HOST=":PORT", an empty store, LocalAI's /api/ps)
OLLAMA_FIRST = [
    Case("ollama-host-bare-port", OLLAMA_CLIENT, "ollama/server", "pass"),
    Case(
        "ollama-store-empty",
        OLLAMA_TAGS_EMPTY,
        "ollama/model[llama3.2:latest]",
        "fail",
        says=("is not pulled", "no model", "OLLAMA_MODELS"),
        fix=("ollama pull llama3.2:latest",),
        never=WRONG_CAUSES + ("closest",),
    ),
    Case(
        "localai-ps-without-sizes",
        LOCALAI_PS,
        "ollama/gpu",
        "skip",
        says=("size",),
        never=WRONG_CAUSES + ("on CPU", "nvidia-smi"),
    ),
]
#: Ollama's second session (OLLAMA_HOST="0.0.0.0:PORT", {"models": null}, a model on the GPU)
OLLAMA_SECOND = [
    Case("ollama-host-all-interfaces", OLLAMA_CLIENT, "ollama/server", "pass"),
    Case(
        "ollama-tags-null",
        OLLAMA_TAGS_NULL,
        "ollama/model[llama3.2:latest]",
        "fail",
        says=("is not pulled",),
        fix=("ollama pull llama3.2:latest",),
        never=WRONG_CAUSES + ("closest",),
    ),
    Case("ollama-ps-on-gpu", OLLAMA_PS, "ollama/gpu", "pass", says=("on GPU",)),
]
CASES = PROVIDER_CASES + OLLAMA_FIRST + OLLAMA_SECOND
#: the rows of docs/verdicts/providers.md and ollama.md these cases run (their cause and fix too)
PROVIDER_ROWS_12 = {
    "anthropic-base-url-ends-in-v1": "anthropic-404-base-url-doubled-v1",
    "gemini-model-with-prefix-model": "gemini-200-model-resource-name",
}
OLLAMA_ROWS_12 = {
    "ollama-store-empty": "ollama-show-404-store-empty",
    "ollama-tags-null": "ollama-show-404-store-empty",
    "localai-ps-without-sizes": "ollama-ps-without-sizes",
}


PROVIDERS_TOML = """\
[tool.envcheck.providers.anthropic]
model = "claude-sonnet-4-5-20250929"
smoke = true
cassettes = false
retries = 0
timeout = 20.0

[tool.envcheck.providers.openai]
model = "gpt-3.5-turbo"
smoke = true
cassettes = false
retries = 0
timeout = 20.0

[tool.envcheck.providers.gemini]
base_url = "{url}"
model = "models/gemini-2.5-flash"
smoke = true
cassettes = false
retries = 0
timeout = 20.0
"""


@pytest.fixture
def provider_server() -> Iterator[Replay]:
    routes: dict[str, Any] = {
        # ANTHROPIC_BASE_URL=<server>/v1: the client's own /v1 comes after it
        "GET /v1/v1/models": published("heldout12--anthropic-404-route-not-found"),
        "POST /v1/v1/messages": published("heldout12--anthropic-404-route-not-found"),
        "GET /v1/models": published("anthropic--models-list"),
        "POST /v1/messages": published("anthropic--message-ok"),
        # OPENAI_BASE_URL=<server>/openai/v1: a gateway's path
        "GET /openai/v1/models": published("openai--models-list"),
        "POST /openai/v1/chat/completions": published("openai--chat-ok"),
        "GET /v1beta/models": published("gemini--models-list"),
        "POST /v1beta/models/gemini-2.5-flash:generateContent": published("gemini--generate-ok"),
    }
    with Replay(routes) as replay:
        yield replay


def test_twelfth_held_out_provider_settings(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, provider_server: Replay
) -> None:
    url = provider_server.url
    clean_environment(monkeypatch)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"{url}/v1")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{url}/openai/v1")
    toml = PROVIDERS_TOML.format(url=url)
    checks = run(pytester, "providers", toml)
    problems = [p for case in PROVIDER_CASES for p in grade(case, checks)]
    problems += row_problems("providers", PROVIDER_ROWS_12, PROVIDER_CASES, checks)
    # the printed fix, run: ANTHROPIC_BASE_URL as the fix names it
    case = PROVIDER_CASES[0]
    shown = text(checks.get(case.check) or {})
    fix = " | ".join(shown.split(" | ")[2:])  # the hint and the fix, not the cause
    printed = re.search(r"\bANTHROPIC_BASE_URL=[\"']?(\S+?)[\"']?(?:[;,|]|\s|$)", fix)
    if printed is None:
        problems.append(f"{case.name}: no ANTHROPIC_BASE_URL= to run: {shown}")
    else:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", printed[1])
        again = run(pytester, "providers", toml).get(case.check) or {}
        if again.get("status") != "pass":
            problems.append(f"{case.name}: the fix, run, does not pass: {text(again)}")
    assert not problems, "\n".join(problems)


OLLAMA_TOML = """\
[tool.envcheck.ollama]
models = ["llama3.2:latest"]
cassettes = false
timeout = 20.0
"""


def _ollama_routes(tags: str, ps: str) -> dict[str, Answer]:
    return {
        "GET /api/version": published("ollama--version"),
        "GET /api/tags": published(tags),
        "GET /api/ps": published(ps),
        "POST /api/show": published("ollama--404-model-not-found"),
    }


def test_twelfth_held_out_ollama(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_environment(monkeypatch)
    problems = []
    first = _ollama_routes("heldout12--ollama-tags-empty", "heldout12--localai-ps-no-sizes")
    with Replay(first) as replay:
        monkeypatch.setenv("OLLAMA_HOST", f":{replay.url.rsplit(':', 1)[1]}")
        checks = run(pytester, "ollama", OLLAMA_TOML)
        if not replay.calls_to("GET", "/api/version"):
            problems.append("OLLAMA_HOST=:PORT: the server was never asked")
    problems += [p for case in OLLAMA_FIRST for p in grade(case, checks)]
    problems += row_problems("ollama", OLLAMA_ROWS_12, OLLAMA_FIRST, checks)
    second = _ollama_routes("heldout12--ollama-tags-null", "heldout12--ollama-ps-on-gpu")
    with Replay(second) as replay:
        monkeypatch.setenv("OLLAMA_HOST", f"0.0.0.0:{replay.url.rsplit(':', 1)[1]}")
        checks = run(pytester, "ollama", OLLAMA_TOML)
        if not replay.calls_to("GET", "/api/version"):
            problems.append("OLLAMA_HOST=0.0.0.0:PORT: the server was never asked")
    problems += [p for case in OLLAMA_SECOND for p in grade(case, checks)]
    problems += row_problems("ollama", OLLAMA_ROWS_12, OLLAMA_SECOND, checks)
    assert not problems, "\n".join(problems)


def test_the_twelfth_set_is_what_it_says() -> None:
    replays = Path(__file__).parent / "replays"
    files = sorted(p.name for p in replays.glob("heldout12--*.json"))
    assert len(files) == 5
    sources = (replays / "SOURCES.md").read_text()
    assert all(f"`{name}`" in sources for name in files)
    assert len(CASES) == 10 and sum(c.status == "fail" for c in CASES) == 3
    assert all(c.source.startswith("https://") for c in CASES)
