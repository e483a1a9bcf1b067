"""The verdict table of docs/verdicts/providers.md, one scenario per row.

Each scenario serves published answers verbatim from a local HTTP server (:mod:`.replay`; a hosted
service is reached through it as an HTTP proxy, by its own host name), runs envcheck's provider
checks against it in a real pytest session, and returns the JSON report's checks; the row says
which check must end how, and the words its cause and fix must contain.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.servers import free_port
from tests.verdicts.fixes import apply_fix
from tests.verdicts.replay import Answer, Replay, Route, published
from tests.verdicts.table import Row, Scenarios, ids, verdict_problems

SCENARIOS = Scenarios("providers")
STRICT = ("-W", "error", "-p", "no:cacheprovider")
#: obviously fake keys; none may appear in any output
KEYS = {
    "OPENAI_API_KEY": "sk-proj-VerdictCanaryOpenAI000000000001",
    "ANTHROPIC_API_KEY": "sk-ant-VerdictCanaryAnthropic0000000002",
    "GEMINI_API_KEY": "AIzaVerdictCanaryGemini0000000000000003",
    "XAI_API_KEY": "xai-VerdictCanaryXai000000000000000004",
    "AZURE_API_KEY": "VerdictCanaryAzure00000000000000000005",
    "LLAMACPP_API_KEY": "VerdictCanaryLlamacpp000000000000006",
    "LMSTUDIO_API_KEY": "VerdictCanaryLmstudio000000000000007",
    "OPENROUTER_API_KEY": "sk-or-v1-VerdictCanaryOpenRouter000000008",
    "GROQ_API_KEY": "gsk_VerdictCanaryGroq0000000000000000009",
    "TOGETHER_API_KEY": "VerdictCanaryTogether0000000000000010",
    "DEEPSEEK_API_KEY": "sk-VerdictCanaryDeepSeek000000000000011",
    "MISTRAL_API_KEY": "VerdictCanaryMistral00000000000000012",
    "FIREWORKS_API_KEY": "fw_VerdictCanaryFireworks000000000013",
    "LOCAL_API_KEY": "VerdictCanaryLocal0000000000000000014",
}
#: where each service's API is, as a client's base_url names it
BASES = {
    "openai": "/v1",
    "anthropic": "",
    "gemini": "",
    "azure": "/openai/v1",
    "xai": "/v1",
    "llamacpp": "/v1",
    "lmstudio": "/v1",
    "openrouter": "/api/v1",
    "groq": "/openai/v1",
    "together": "/v1",
    "deepseek": "",
    "mistral": "/v1",
    "fireworks": "/inference/v1",
    "local": "/v1",
}
#: hosted services are reached by their own host name (through the replay server as a proxy)
HOSTS = {
    "azure": "myresource.openai.azure.com",
    "xai": "api.x.ai",
    "openrouter": "openrouter.ai",
    "groq": "api.groq.com",
    "together": "api.together.xyz",
    "deepseek": "api.deepseek.com",
    "mistral": "api.mistral.ai",
    "fireworks": "api.fireworks.ai",
}
LISTING = {
    "openai": "openai--models-list",
    "anthropic": "anthropic--models-list",
    "gemini": "gemini--models-list",
}


@dataclass
class Setup:
    """One provider section and what its server answers."""

    name: str
    routes: Mapping[str, Route]
    model: str | None = None
    smoke: bool = False
    retries: int = 1
    timeout: float = 4.0
    base: str | None = None  # another base path than the service's own (a missing /v1)
    url: str | None = None  # a base_url of its own (a closed port, https on plain http)
    #: routes that must have been asked: the answer under test was really met
    met: Sequence[str] = ()
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Ran:
    checks: list[dict[str, Any]]
    replay: Replay
    output: str


def kind_of(name: str) -> str:
    return name if name in ("openai", "anthropic", "gemini") else "openai"


def listing(name: str) -> Answer:
    """A healthy model listing: the provider's own recording (OpenAI's for compatible
    services: the shape they all answer)."""
    return published(LISTING.get(name, "openai--models-list"))


def models_route(name: str, base: str | None = None) -> str:
    path = {"anthropic": "/v1/models", "gemini": "/v1beta/models"}.get(name)
    return f"GET {path}" if path else f"GET {BASES[name] if base is None else base}/models"


def chat_route(name: str, model: str = "") -> str:
    if name == "anthropic":
        return "POST /v1/messages"
    if name == "gemini":
        return f"POST /v1beta/models/{model}:generateContent"
    return f"POST {BASES[name]}/chat/completions"


def prepare(monkeypatch: pytest.MonkeyPatch, setup: Setup, replay: Replay) -> str:
    """The keys in the environment, the proxy for a hosted service; the section's TOML."""
    for variable, key in KEYS.items():
        monkeypatch.setenv(variable, key)
    for variable in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    kind = kind_of(setup.name)
    base = BASES[setup.name] if setup.base is None else setup.base
    url = setup.url or f"{replay.url}{base}"
    if setup.name in HOSTS and setup.url is None:
        url = f"http://{HOSTS[setup.name]}{base}"
        monkeypatch.setenv("HTTP_PROXY", replay.url)
        monkeypatch.setenv("http_proxy", replay.url)
    lines = [
        f"[tool.envcheck.providers.{setup.name}]",
        f'base_url = "{url}"',
        "cassettes = false",
        f"retries = {setup.retries}",
        f"timeout = {setup.timeout}",
        f"smoke = {'true' if setup.smoke else 'false'}",
    ]
    if kind != setup.name:
        lines.append(f'kind = "{kind}"')
    if setup.model:
        lines.append(f'model = "{setup.model}"')
    lines += [f"{k} = {v}" for k, v in setup.extra.items()]
    return "\n".join(lines) + "\n"


def envcheck(pytester: pytest.Pytester) -> tuple[list[dict[str, Any]], str]:
    """Run the provider checks in a pytest session (in this process: no process boundary is
    tested here); the report's checks and the output, in which no key may appear."""
    from envcheck.llm import _pool

    try:
        result = pytester.runpytest_inprocess("-m", "providers", "--envcheck-report", *STRICT)
    finally:
        _pool.close_all()  # the run's shared clients: the next run has other proxies and servers
    output = result.stdout.str() + result.stderr.str()
    report_text = (pytester.path / "envcheck-report.json").read_text()
    leaked = [v for v in KEYS if KEYS[v] in output or KEYS[v] in report_text]
    assert not leaked, f"keys in the output: {leaked}"
    return json.loads(report_text)["checks"], output


def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, setup: Setup) -> Ran:
    with Replay(setup.routes) as replay:
        pytester.makefile(".toml", pyproject=prepare(monkeypatch, setup, replay))
        checks, output = envcheck(pytester)
    for route in setup.met:
        method, path = route.split(" ", 1)
        assert replay.calls_to(method, path), f"{route} was never asked:\n{output}"
    return Ran(checks, replay, output)


Scenario = Callable[[pytest.Pytester, pytest.MonkeyPatch], Ran]


def listing_answers(name: str, answer: str, **more: Any) -> Scenario:
    """The model listing answers ``answer`` (a published answer's name)."""

    def scenario(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Ran:
        route = models_route(name, more.get("base"))
        setup = Setup(name, {route: published(answer)}, met=[route], **more)
        return run(pytester, monkeypatch, setup)

    return scenario


def call_answers(name: str, model: str, answer: str | Sequence[Answer], **more: Any) -> Scenario:
    """The listing shows ``model``; the smoke call answers ``answer``."""

    def scenario(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Ran:
        chat = chat_route(name, model)
        answers = published(answer) if isinstance(answer, str) else answer
        routes = {models_route(name): listing(name), chat: answers}
        setup = Setup(name, routes, model=model, smoke=True, met=[chat], **more)
        return run(pytester, monkeypatch, setup)

    return scenario


def register(ident: str | Sequence[str], scenario: Scenario) -> None:
    SCENARIOS.row(*([ident] if isinstance(ident, str) else ident))(scenario)


# -- OpenAI --------------------------------------------------------------------------------------

register("openai-401-invalid-key", listing_answers("openai", "openai--401-invalid-api-key"))
register("openai-401-key-not-received", listing_answers("openai", "openai--401-no-api-key"))
register("openai-401-no-organization", listing_answers("openai", "openai--401-no-organization"))
ORGANIZATION = {"organization": '"org-REDACTED"'}  # sent as the OpenAI-Organization header
register(
    "openai-401-invalid-organization",
    listing_answers("openai", "heldout4--openai-401-invalid-organization", extra=ORGANIZATION),
)
register(
    "openai-401-mismatched-organization",
    listing_answers("openai", "heldout4--openai-401-mismatched-organization", extra=ORGANIZATION),
)
register(
    "openai-401-account-deactivated",
    listing_answers("openai", "heldout5--openai-401-account-deactivated"),
)
register(
    ["openai-429-billing-not-active-auth", "openai-429-billing-not-active-headroom"],
    listing_answers("openai", "heldout5--openai-429-billing-not-active"),
)
register(
    "openai-401-missing-scope",
    listing_answers("openai", "heldout3--openai-401-missing-scope-listing"),
)
register(
    "openai-401-listed-missing-scope",
    call_answers("openai", "gpt-4o-mini", "heldout3--openai-401-missing-scope-call"),
)
register("openai-403-country", listing_answers("openai", "openai--403-unsupported-country"))
register(
    "openai-404-invalid-url-listing",
    listing_answers("openai", "openai--404-invalid-url", base=""),
)


@SCENARIOS.row("openai-404-invalid-url-smoke")
def _invalid_url_smoke(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Ran:
    # a base_url without /v1 at a gateway that lists models at /models but routes no chat
    routes = {
        "GET /models": listing("openai"),
        "POST /chat/completions": published("openai--404-invalid-url-post"),
    }
    setup = Setup(
        "openai", routes, model="gpt-4o-mini", smoke=True, base="", met=["POST /chat/completions"]
    )
    return run(pytester, monkeypatch, setup)


@SCENARIOS.row("openai-404-model-not-listed")
def _not_listed(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Ran:
    routes = {"GET /v1/models": listing("openai")}
    return run(pytester, monkeypatch, Setup("openai", routes, model="gpt-4o-mimi"))


register(
    "openai-404-listed-verify-organization",
    call_answers("openai", "o3", "openai--404-verify-organization"),
)
register(
    "openai-404-listed-no-access",
    call_answers("openai", "gpt-4o-mini", "openai--404-model-not-found"),
)


register(
    "openai-404-listed-retired",
    call_answers("openai", "gpt-3.5-turbo-16k", "openai--404-model-deprecated"),
)


@SCENARIOS.row("openai-400-max-tokens")
def _max_tokens(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Ran:
    refused, answered = published("openai--400-max-tokens-unsupported"), published(
        "openai--chat-ok"
    )

    def newer_model(body: Any) -> Answer:  # as gpt-5.1 answers: max_tokens is refused
        return refused if "max_tokens" in body else answered

    chat = "POST /v1/chat/completions"
    routes: dict[str, Route] = {"GET /v1/models": listing("openai"), chat: newer_model}
    setup = Setup("openai", routes, model="gpt-5.1", smoke=True, met=[chat])
    ran = run(pytester, monkeypatch, setup)
    sent = [c.body for c in ran.replay.calls_to("POST", "/v1/chat/completions")]
    assert any("max_tokens" in b for b in sent), sent  # asked as before, refused
    assert any("max_completion_tokens" in b for b in sent), sent  # then asked anew
    return ran


register(
    "openai-400-context-length",
    call_answers("openai", "gpt-4o-mini", "openai--400-context-length-exceeded"),
)
register(
    ["openai-429-rate-limit-auth", "openai-429-rate-limit-headroom"],
    listing_answers("openai", "openai--429-rate-limit-free-tier"),
)
register(
    ["openai-429-quota-auth", "openai-429-quota-model", "openai-429-quota-headroom"],
    listing_answers("openai", "openai--429-insufficient-quota"),
)
register("openai-500-server-error", listing_answers("openai", "openai--500-server-error"))
register("openai-503-edge", listing_answers("openai", "openai--503-upstream-connect-error"))

# -- Anthropic -----------------------------------------------------------------------------------

register(
    "anthropic-400-invalid-request",
    call_answers("anthropic", "claude-sonnet-4-5", "anthropic--400-invalid-request"),
)
register(
    ["anthropic-400-credit-balance-smoke", "anthropic-400-credit-balance-headroom"],
    call_answers("anthropic", "claude-sonnet-4-5", "anthropic--400-credit-balance"),
)
register(
    "anthropic-401-authentication", listing_answers("anthropic", "anthropic--401-invalid-api-key")
)
register(
    "anthropic-403-permission",
    call_answers("anthropic", "claude-sonnet-4-5", "anthropic--403-permission-error"),
)


@SCENARIOS.row("anthropic-404-model-prefix")
def _claude_prefix(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Ran:
    routes = {"GET /v1/models": listing("anthropic")}
    return run(pytester, monkeypatch, Setup("anthropic", routes, model="claude"))


register(
    "anthropic-404-listed",
    call_answers("anthropic", "claude-sonnet-4-5", "anthropic--404-model-not-found"),
)
register(
    "anthropic-413-request-too-large",
    call_answers("anthropic", "claude-sonnet-4-5", "anthropic--413-request-too-large"),
)
register(
    ["anthropic-429-rate-limit-auth", "anthropic-429-rate-limit-headroom"],
    listing_answers("anthropic", "anthropic--429-rate-limit"),
)
register("anthropic-500-api-error", listing_answers("anthropic", "anthropic--500-api-error"))
register("anthropic-529-overloaded", listing_answers("anthropic", "anthropic--529-overloaded"))

# -- Gemini --------------------------------------------------------------------------------------

for ident, answer in [
    ("gemini-400-api-key-invalid", "gemini--400-api-key-invalid"),
    ("gemini-400-failed-precondition", "gemini--400-location-not-supported"),
    ("gemini-403-service-disabled", "gemini--403-service-disabled"),
    ("gemini-403-consumer-suspended", "gemini--403-consumer-suspended"),
    ("gemini-403-api-key-service-blocked", "gemini--403-api-key-service-blocked"),
    ("gemini-403-key-leaked", "gemini--403-key-leaked"),
    ("gemini-403-no-identity", "gemini--403-permission-denied-no-key"),
    ("gemini-403-project-denied", "heldout--gemini-403-project-denied"),
    ("gemini-403-application-restriction", "heldout2--gemini-403-referrer-blocked"),
    ("gemini-500-internal", "gemini--500-internal"),
    ("gemini-503-unavailable", "gemini--503-unavailable"),
]:
    register(ident, listing_answers("gemini", answer))
register(
    ["gemini-429-per-minute-auth", "gemini-429-per-minute-headroom"],
    listing_answers("gemini", "gemini--429-per-minute-retry-info"),
)
register("gemini-429-per-day-headroom", listing_answers("gemini", "gemini--429-per-day"))
register(
    "gemini-401-credentials-missing",
    listing_answers("gemini", "heldout5--gemini-401-credentials-missing"),
)
register(
    "gemini-403-consumer-invalid-other-api",
    listing_answers("gemini", "heldout6--gemini-403-consumer-invalid"),
)


@SCENARIOS.row("gemini-404-model")
def _gemini_typo(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Ran:
    routes = {"GET /v1beta/models": listing("gemini")}
    return run(pytester, monkeypatch, Setup("gemini", routes, model="gemini-2.5-flahs"))


register(
    "gemini-403-listed-model-forbidden",
    call_answers("gemini", "gemini-3-pro-preview", "heldout2--gemini-403-caller-no-permission"),
)
register(
    "gemini-504-deadline-exceeded",
    call_answers("gemini", "gemini-2.5-flash", "gemini--504-deadline-exceeded"),
)

# -- Azure OpenAI --------------------------------------------------------------------------------

register("azure-401-invalid-key", listing_answers("azure", "azure--401-invalid-subscription-key"))


@SCENARIOS.row("azure-404-deployment-not-found")
def _deployment(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Ran:
    chat = "POST /openai/v1/chat/completions"
    routes = {
        "GET /openai/v1/models": listing("openai"),  # Azure's v1 API lists models, not deployments
        chat: published("azure--404-deployment-not-found"),
    }
    return run(pytester, monkeypatch, Setup("azure", routes, model="gpt-4o-mini-prod", met=[chat]))


register("azure-403-network-rules", listing_answers("azure", "heldout3--azure-403-firewall"))
register("azure-403-no-reason", listing_answers("azure", "heldout3--azure-403-vnet-endpoint"))
register(
    "azure-403-key-authentication-disabled",
    listing_answers("azure", "heldout5--azure-403-authentication-type-disabled"),
)
register(
    "azure-400-operation-not-supported",
    call_answers("azure", "gpt-4o-mini", "heldout3--azure-400-operation-not-supported"),
)
register(
    "azure-400-content-filter",
    call_answers("azure", "gpt-4o-mini", "heldout3--azure-400-content-filter"),
)

# -- OpenAI-compatible services ------------------------------------------------------------------

register("xai-400-bad-key", listing_answers("xai", "xai--400-incorrect-api-key"))
register("xai-429-credits-headroom", listing_answers("xai", "xai--429-credits"))
register("llamacpp-401-invalid-key", listing_answers("llamacpp", "llamacpp--401-invalid-api-key"))
register("llamacpp-503-loading", listing_answers("llamacpp", "llamacpp--503-loading-model"))
register(
    "llamacpp-501-not-supported",
    call_answers("llamacpp", "gpt-4o-mini", "heldout6--llamacpp-501-embeddings-only"),
)
register(
    "lmstudio-404-no-models-loaded",
    call_answers("lmstudio", "gpt-4o-mini", "lmstudio--404-no-models-loaded"),
)
register("openrouter-401-no-auth", listing_answers("openrouter", "openrouter--401-no-auth"))
register(
    ["openrouter-402-credits-auth", "openrouter-402-credits-headroom"],
    listing_answers("openrouter", "openrouter--402-insufficient-credits"),
)
register(
    "openrouter-404-no-endpoints",
    call_answers("openrouter", "gpt-4o-mini", "openrouter--404-no-endpoints"),
)
register("openrouter-429-rate-limit", listing_answers("openrouter", "openrouter--429-rate-limit"))
register("groq-401-invalid-key", listing_answers("groq", "groq--401-invalid-api-key"))
register(
    "groq-400-model-decommissioned",
    call_answers("groq", "gpt-4o-mini", "heldout3--groq-400-model-decommissioned"),
)
register(
    ["groq-413-tokens-per-minute-headroom", "groq-413-tokens-per-minute-smoke"],
    call_answers("groq", "gpt-4o-mini", "heldout6--groq-413-tokens-per-minute"),
)
register("together-401-invalid-key", listing_answers("together", "together--401-invalid-api-key"))
register(
    "together-400-model-not-available",
    call_answers("together", "gpt-4o-mini", "heldout3--together-400-non-serverless"),
)
register("together-429-credit-limit", listing_answers("together", "together--429-rate-limited"))
register(
    "deepseek-401-authentication",
    listing_answers("deepseek", "deepseek--401-authentication-fails"),
)
register(
    ["deepseek-402-balance-auth", "deepseek-402-balance-headroom"],
    listing_answers("deepseek", "deepseek--402-insufficient-balance"),
)
register("mistral-401-unauthorized", listing_answers("mistral", "mistral--401-unauthorized"))
register(
    "mistral-401-listed-model-refused",
    call_answers("mistral", "gpt-4o-mini", "heldout--mistral-401-model-not-activated"),
)
register(
    "mistral-400-listed-invalid-model",
    call_answers("mistral", "gpt-4o-mini", "heldout6--mistral-400-invalid-model"),
)
register("fireworks-500-listing", listing_answers("fireworks", "fireworks--500-listing"))
register("local-502-bad-gateway", listing_answers("local", "heldout4--nginx-502-bad-gateway"))
register("fireworks-401-apigee-fault", listing_answers("fireworks", "heldout--fireworks-401-fault"))

# -- no (whole) answer ---------------------------------------------------------------------------


@SCENARIOS.row("transport-refused")
def _refused(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Ran:
    closed = f"http://127.0.0.1:{free_port()}/v1"
    return run(pytester, monkeypatch, Setup("local", {}, url=closed, retries=0))


@SCENARIOS.row("transport-hung")
def _hung(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Ran:
    routes = {"GET /v1/models": Answer(200, b"", how="hang")}
    setup = Setup("local", routes, retries=1, timeout=4.0, met=["GET /v1/models"])
    ran = run(pytester, monkeypatch, setup)
    assert len(ran.replay.calls_to("GET", "/v1/models")) >= 2  # both attempts went out
    return ran


@SCENARIOS.row("transport-cut")
def _cut(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Ran:
    routes = {"GET /v1/models": Answer(200, listing("openai").body, how="cut")}
    return run(pytester, monkeypatch, Setup("local", routes, retries=0, met=["GET /v1/models"]))


@SCENARIOS.row("transport-plain-http")
def _plain_http(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Ran:
    with Replay({}) as plain:  # a plain-HTTP server, asked in TLS
        url = plain.url.replace("http://", "https://") + "/v1"
        return run(pytester, monkeypatch, Setup("local", {}, url=url, retries=0))


@SCENARIOS.row("transport-dns")
def _dns(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Ran:
    setup = Setup("local", {}, url="http://nowhere.invalid:8080/v1", retries=0)
    return run(pytester, monkeypatch, setup)


# -- the tests -----------------------------------------------------------------------------------


def test_every_row_has_a_scenario_and_every_scenario_a_row() -> None:
    from tests.verdicts.test_heldout import PROVIDER_ROWS_8  # their rows are run there
    from tests.verdicts.test_heldout_providers9 import PROVIDER_ROWS_9
    from tests.verdicts.test_heldout_providers10 import PROVIDER_ROWS_10
    from tests.verdicts.test_heldout_providers11 import PROVIDER_ROWS_11
    from tests.verdicts.test_heldout_providers12 import PROVIDER_ROWS_12
    from tests.verdicts.test_heldout_providers13 import PROVIDER_ROWS_13
    from tests.verdicts.test_heldout_providers14 import PROVIDER_ROWS_14
    from tests.verdicts.test_heldout_providers15 import PROVIDER_ROWS_15
    from tests.verdicts.test_heldout_providers16 import PROVIDER_ROWS_16
    from tests.verdicts.test_heldout_providers17 import PROVIDER_ROWS_17
    from tests.verdicts.test_heldout_providers18 import PROVIDER_ROWS_18
    from tests.verdicts.test_heldout_providers19 import PROVIDER_ROWS_19
    from tests.verdicts.test_heldout_providers20 import PROVIDER_ROWS_20
    from tests.verdicts.test_heldout_providers21 import PROVIDER_ROWS_21
    from tests.verdicts.test_heldout_providers22 import PROVIDER_ROWS_22
    from tests.verdicts.test_heldout_providers23 import PROVIDER_ROWS_23
    from tests.verdicts.test_heldout_providers24 import PROVIDER_ROWS_24
    from tests.verdicts.test_heldout_providers26 import PROVIDER_ROWS_26
    from tests.verdicts.test_heldout_providers27 import PROVIDER_ROWS_27
    from tests.verdicts.test_heldout_providers28 import PROVIDER_ROWS_28
    from tests.verdicts.test_heldout_providers29 import PROVIDER_ROWS_29
    from tests.verdicts.test_heldout_providers31 import PROVIDER_ROWS_31
    from tests.verdicts.test_providers_capability_sweep import PROVIDER_ROWS_CAPABILITY
    from tests.verdicts.test_providers_structure_audit import PROVIDER_ROWS_AUDIT
    from tests.verdicts.test_providers_structure_audit2 import PROVIDER_ROWS_AUDIT2

    held_out = [*PROVIDER_ROWS_8.values(), *PROVIDER_ROWS_9.values(), *PROVIDER_ROWS_10.values()]
    held_out += [*PROVIDER_ROWS_11.values(), *PROVIDER_ROWS_12.values()]
    held_out += [*PROVIDER_ROWS_13.values(), *PROVIDER_ROWS_CAPABILITY.values()]
    held_out += [*PROVIDER_ROWS_14.values(), *PROVIDER_ROWS_15.values()]
    held_out += [*PROVIDER_ROWS_16.values(), *PROVIDER_ROWS_17.values()]
    held_out += [*PROVIDER_ROWS_18.values(), *PROVIDER_ROWS_19.values()]
    held_out += [*PROVIDER_ROWS_20.values(), *PROVIDER_ROWS_21.values()]
    held_out += [*PROVIDER_ROWS_22.values(), *PROVIDER_ROWS_23.values()]
    held_out += [*PROVIDER_ROWS_24.values(), *PROVIDER_ROWS_26.values()]
    held_out += [*PROVIDER_ROWS_27.values(), *PROVIDER_ROWS_28.values()]
    held_out += [*PROVIDER_ROWS_29.values(), *PROVIDER_ROWS_31.values()]
    held_out += [*PROVIDER_ROWS_AUDIT.values(), *PROVIDER_ROWS_AUDIT2.values()]
    assert not SCENARIOS.mismatches(elsewhere=held_out)


@pytest.mark.parametrize("row", SCENARIOS.runnable(), ids=ids(SCENARIOS.runnable()))
def test_verdict(row: Row, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    ran = SCENARIOS.by_id[row.id](pytester, monkeypatch)
    problems = verdict_problems(row, ran.checks)
    assert not problems, "\n".join(problems) + "\n\n" + ran.output
    found = {c["id"]: c for c in ran.checks}[row.check]
    if row.status == "fail":  # every failure carries a structured fix: steps, not only prose
        assert found["fix"] and found["fix"]["steps"], found


# -- fixes that a program applies: applied, then the check passes ----------------------------------


@pytest.mark.parametrize(
    ("setup", "check"),
    [
        (  # base_url without /v1: the fix edits it in pyproject.toml
            Setup(
                "openai",
                {
                    "GET /models": published("openai--404-invalid-url"),
                    "GET /v1/models": listing("openai"),
                },
                base="",
            ),
            "providers/openai.auth",
        ),
        (  # a model name the listing lacks: the fix sets the closest listed one
            Setup("openai", {"GET /v1/models": listing("openai")}, model="gpt-4o-mimi"),
            "providers/openai.model",
        ),
    ],
    ids=["base-url", "model-name"],
)
def test_the_fix_is_applied_and_the_check_then_passes(
    setup: Setup, check: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Replay(setup.routes) as replay:
        pytester.makefile(".toml", pyproject=prepare(monkeypatch, setup, replay))
        before, output = envcheck(pytester)
        failed = {c["id"]: c for c in before}[check]
        assert failed["status"] == "fail", output
        assert [s["kind"] for s in failed["fix"]["steps"]] == ["edit"]
        apply_fix(pytester.path, failed)
        after, output = envcheck(pytester)
    assert {c["id"]: c for c in after}[check]["status"] == "pass", output


def test_outside_the_table_the_answer_is_reported_as_it_came(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Published answers no row covers get the honest fallback: status, fields, the provider's
    words and the request; no guessed cause, and reading the whole answer as the fix."""
    cases = {  # the answer to the smoke call, and the words its message must keep
        "openai--400-unsupported-parameter": "'stop' is not supported with this model",
        "deepseek--400-invalid-request": None,
    }
    for answer, words in cases.items():
        ran = call_answers("openai", "gpt-4o-mini", answer)(pytester, monkeypatch)
        smoke = {c["id"]: c for c in ran.checks}["providers/openai.smoke"]
        assert smoke["status"] == "fail", ran.output
        assert smoke["summary"].startswith("openai: HTTP 400 to POST /v1/chat/completions ("), smoke
        assert "no cause is guessed" in smoke["why"], smoke
        assert "the 102-byte request for gpt-4o-mini (POST /v1/chat/completions)" in smoke["why"]
        assert smoke["hint"].startswith("read the whole answer: curl -sS -i -H"), smoke
        assert "model name" not in smoke["hint"] and "base_url" not in smoke["hint"]
        if words:
            assert words in smoke["summary"], smoke


def test_an_anthropic_403_of_another_type_than_permission_error_is_not_the_models(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anthropic's error table has one 403 type, permission_error; a 403 of another (an edge's
    ``forbidden`` "Request not allowed", published for a messages call) to the call of a listed
    model is reported as a 403 without a structured reason, not as the model's permissions."""
    answer = "heldout--anthropic-403-request-not-allowed"
    ran = call_answers("anthropic", "claude-sonnet-4-5", answer)(pytester, monkeypatch)
    smoke = {c["id"]: c for c in ran.checks}["providers/anthropic.smoke"]
    said = f"{smoke['summary']} {smoke['why']} {smoke['hint']}"
    assert smoke["status"] == "fail", ran.output
    assert "Request not allowed" in said and "without a structured reason" in said, smoke
    assert "permissions do not cover" not in said and "set a valid key" not in said, smoke
