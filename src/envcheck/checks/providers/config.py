"""``[tool.envcheck.providers.NAME]``: its pydantic model, each kind's defaults, and the provider
it names once its references are resolved (:class:`Provider`)."""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import pydantic

from envcheck import llm
from envcheck.checks.shared.server import origin
from envcheck.core import interpolate as _interpolate
from envcheck.core.config import Instances, describe_error, field_names
from envcheck.core.model import CheckFailed, Context

COMPONENT = "providers"
#: the hosts of Azure OpenAI resources (classic, AI Services, AI Foundry)
AZURE_HOSTS = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")
Kind = Literal["openai", "anthropic", "gemini"]


@dataclass(frozen=True)
class Spec:
    base_url: str
    key_variable: str
    key_prefix: str
    default_model: str
    #: what the vendor's official client reads, first set wins (google-genai: GOOGLE_API_KEY
    #: over GEMINI_API_KEY); ``key_variable`` is the one named when none is set
    key_variables: tuple[str, ...] = ()
    #: the variable the official client takes its base URL from
    base_url_variable: str | None = None


SPECS: dict[str, Spec] = {
    # openai (openai-python): OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID
    "openai": Spec(
        "https://api.openai.com/v1",
        "OPENAI_API_KEY",
        "sk-",
        "gpt-4o-mini",
        ("OPENAI_API_KEY",),
        "OPENAI_BASE_URL",
    ),
    # anthropic (anthropic-sdk-python): ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL
    "anthropic": Spec(
        "https://api.anthropic.com",
        "ANTHROPIC_API_KEY",
        "sk-ant-",
        "claude-sonnet-4-5",
        ("ANTHROPIC_API_KEY",),
        "ANTHROPIC_BASE_URL",
    ),
    # google-genai: GOOGLE_API_KEY, else GEMINI_API_KEY; GOOGLE_GEMINI_BASE_URL
    "gemini": Spec(
        "https://generativelanguage.googleapis.com",
        "GEMINI_API_KEY",
        "AIza",
        "gemini-2.5-flash",
        ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
        "GOOGLE_GEMINI_BASE_URL",
    ),
}
#: the OpenAI client's organization and project (sent as OpenAI-Organization, OpenAI-Project)
OPENAI_ORG_VARIABLE, OPENAI_PROJECT_VARIABLE = "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"
#: what openai-python's AzureOpenAI reads (the key, the resource's endpoint, its api-version)
AZURE_VARIABLES = ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION")


class ProviderConfig(pydantic.BaseModel):
    """``[tool.envcheck.providers.NAME]``."""

    model_config = pydantic.ConfigDict(extra="forbid")

    kind: Kind | None = None
    api_key: str | None = None
    model: str | None = None
    base_url: str | None = None
    rpm: int = pydantic.Field(default=60, gt=0)
    smoke: bool = False
    timeout: float = pydantic.Field(default=20.0, gt=0)
    headroom_warn: float = pydantic.Field(default=0.1, ge=0, le=1)
    retries: int = pydantic.Field(default=3, ge=0)
    cassettes: bool = True
    #: OpenAI's organization and project (the headers OpenAI-Organization, OpenAI-Project);
    #: for [providers.openai] by default ${OPENAI_ORG_ID} and ${OPENAI_PROJECT_ID} when set
    organization: str | None = None
    project: str | None = None


# -- resolving a provider ------------------------------------------------------------------------


@dataclass
class Provider:
    name: str
    kind: str
    spec: Spec
    cfg: ProviderConfig
    base_url: str
    key: str | None
    key_variable: str | None
    model: str
    #: the project file holding ``[tool.envcheck]`` (relative to the root) when a fix may edit it
    settings_file: str | None = None
    #: the variable ``base_url`` came from (``OPENAI_BASE_URL``), when one did
    base_url_variable: str | None = None
    organization: str | None = None
    project: str | None = None
    #: where the settings came from, for the ``settings_from`` fact
    settings_from: str = ""

    @property
    def table(self) -> str:
        """``[tool.envcheck.providers.NAME]``: where this provider is configured."""
        return f"[tool.envcheck.providers.{self.name}]"

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @property
    def local(self) -> bool:
        """A server on this machine or this network (vLLM, llama.cpp, LM Studio, Ollama's /v1),
        whose own log says what went wrong, not a vendor's status page."""
        host = self.host
        if host in ("localhost", "host.docker.internal") or host.endswith(".local"):
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return address.is_loopback or address.is_private or address.is_link_local

    @property
    def azure(self) -> bool:
        """Azure OpenAI, where ``model`` names a deployment of the resource."""
        return self.host.endswith(AZURE_HOSTS)

    @property
    def default_endpoint(self) -> bool:
        return self.base_url.rstrip("/") == self.spec.base_url

    @property
    def vendor(self) -> bool:
        """The vendor's own API (``[providers.openai]``), not another service speaking it."""
        return self.name == self.kind

    @property
    def label(self) -> str:
        """``openai``; ``groq at api.groq.com`` for another service speaking the same API."""
        if self.vendor:
            return self.name
        return f"{self.name} at {urlsplit(self.base_url).netloc or self.base_url}"

    @property
    def key_page(self) -> str:
        """Where a key comes from: the vendor's page, or the service behind ``base_url``."""
        if self.default_endpoint or self.name == self.kind:
            return llm.KEY_PAGES[self.kind]
        return f"a key of the service at {self.base_url}"


def default_key_variable(name: str, kind: str) -> str:
    """``OPENAI_API_KEY`` for ``openai``; ``GROQ_API_KEY`` for ``[tool.envcheck.providers.groq]``
    with ``kind = "openai"``: another service never gets the vendor's key by default."""
    if name == kind:
        return SPECS[kind].key_variable
    return re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_") + "_API_KEY"


def resolve(name: str, ctx: Context) -> Provider:
    """The provider ``[tool.envcheck.providers.NAME]`` names, its settings read as the vendor's
    official client reads them where the table leaves them out (``[providers.openai]`` without
    ``base_url`` talks to ``$OPENAI_BASE_URL`` when it is set, as the app's client does)."""
    cfg: ProviderConfig = ctx.section
    kind = cfg.kind or name
    spec = SPECS[kind]
    environ = ctx.config.environ
    vendor = name == kind

    def from_client(variable: str | None) -> str | None:
        """``${VARIABLE}`` for a vendor's table when the variable is set."""
        return f"${{{variable}}}" if vendor and variable and environ.get(variable) else None

    key_variable = default_key_variable(name, kind)
    if vendor:
        key_variable = next((v for v in spec.key_variables if environ.get(v)), key_variable)
    raw_key = cfg.api_key or f"${{{key_variable}}}"
    where = f"tool.envcheck.providers.{name}"
    try:
        key: str | None = ctx.resolve(raw_key, secret=True, key=f"{where}.api_key") or None
    except CheckFailed:
        key = None
    raw_base = cfg.base_url or from_client(spec.base_url_variable) or spec.base_url
    base = azure_v1(ctx.resolve(raw_base, key=f"{where}.base_url").rstrip("/"))
    model = ctx.resolve(cfg.model or spec.default_model, key=f"{where}.model")
    if kind == "gemini":
        # google-genai (_transformers.t_model) takes ``models/gemini-2.5-flash`` and
        # ``gemini-2.5-flash`` as the same model: the API's resource name, and its short form
        model = model.removeprefix("models/")
    refs = _interpolate.references(raw_key)
    found = Provider(name, kind, spec, cfg, base, key, refs[0] if refs else None, model)
    base_refs = _interpolate.references(raw_base)
    found.base_url_variable = base_refs[0] if base_refs and environ.get(base_refs[0]) else None
    raws = [raw_key, raw_base]
    if kind == "openai":
        raw_org = cfg.organization or from_client(OPENAI_ORG_VARIABLE)
        raw_project = cfg.project or from_client(OPENAI_PROJECT_VARIABLE)
        found.organization = _optional(ctx, raw_org, f"{where}.organization")
        found.project = _optional(ctx, raw_project, f"{where}.project")
        raws += [raw_org or "", raw_project or ""]
    found.settings_from = _settings_from(ctx, raws)
    source = Path(str(ctx.config.source))
    if source.name == "pyproject.toml" and source.is_file():
        try:
            found.settings_file = str(source.resolve().relative_to(Path(ctx.rootdir).resolve()))
        except ValueError:
            pass
    return found


def _optional(ctx: Context, raw: str | None, key: str) -> str | None:
    if not raw:
        return None
    try:
        return ctx.resolve(raw, key=key) or None
    except CheckFailed:
        return None


def _settings_from(ctx: Context, raws: list[str]) -> str:
    """``pyproject.toml: OPENAI_API_KEY, OPENAI_BASE_URL (.env)``: the file the table is in (or
    the environment, for a provider no table names) and the variables its settings were read
    from."""
    environ = ctx.config.environ
    names = [n for raw in raws for n in _interpolate.references(raw) if environ.get(n)]
    shown = [origin(n, environ) for n in dict.fromkeys(names)]
    if COMPONENT in ctx.config.extra.get("sections_from_environment", ()):
        where = f"the environment (no [tool.envcheck.{COMPONENT}] in {_file(ctx)})"
    elif ctx.config.from_environment:
        where = "the environment (no [tool.envcheck])"
    else:
        where = _file(ctx)
    return f"{where}: {', '.join(shown)}" if shown else where


def _file(ctx: Context) -> str:
    source = str(ctx.config.source)
    return source.rsplit("/", 1)[-1] if source.endswith(".toml") else source


def azure_v1(base_url: str) -> str:
    """An Azure OpenAI resource's endpoint as ``AZURE_OPENAI_ENDPOINT`` holds it
    (``https://NAME.openai.azure.com/``, or with ``/openai``) is its v1 API's base URL plus
    ``/openai/v1``: the API envcheck calls (it takes no api-version)."""
    parts = urlsplit(base_url)
    if (parts.hostname or "").endswith(AZURE_HOSTS) and parts.path.rstrip("/") in ("", "/openai"):
        return f"{parts.scheme}://{parts.netloc}/openai/v1"
    return base_url


@dataclass(frozen=True)
class ProvidersSection(Instances):
    """``[tool.envcheck.providers]``: one sub-table per provider and no keys of its own.

    Validated table by table, so that every mistake is reported under its own dotted key, in
    the same message as the mistakes in other sections."""

    model: type[pydantic.BaseModel] = ProviderConfig

    def validate(self, raw: Any, where: str, problems: list[str]) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: expected a table of providers, e.g. [{where}.openai]")
            return {}
        known = field_names(ProviderConfig)
        found: dict[str, Any] = {}
        for name, table in raw.items():
            prefix = f"{where}.{name}"
            if not isinstance(table, Mapping):
                problems.append(
                    f"{prefix}: expected a table: every provider is a sub-table such as "
                    f"[{where}.openai], and {where} has no keys of its own"
                )
                continue
            if table.get("kind") is None and name not in SPECS:
                problems.append(_unknown_provider(prefix, name))
            try:
                found[name] = ProviderConfig.model_validate(table)
            except pydantic.ValidationError as exc:
                problems += [describe_error(e, prefix, known) for e in exc.errors()]
        return found


TITLE = {"openai": "OpenAI", "anthropic": "Anthropic", "gemini": "Gemini"}


def _unknown_provider(prefix: str, name: str) -> str:
    close = difflib.get_close_matches(name.lower(), list(SPECS), n=1, cutoff=0.6)
    if close:
        return (
            f"{prefix}: unknown provider; did you mean {close[0]!r}? "
            f'(or set kind = "{close[0]}" for an {TITLE[close[0]]}-compatible service)'
        )
    return (
        f"{prefix}: unknown provider (known: {', '.join(SPECS)}); set kind = \"openai\" for an "
        'OpenAI-compatible service (or "anthropic", "gemini")'
    )


def models_path(p: Provider) -> str:
    return {"openai": "/models", "anthropic": "/v1/models"}.get(p.kind, "/v1beta/models")
