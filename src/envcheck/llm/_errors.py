"""Every provider's error answers, mapped to one set of typed errors with actionable hints.

The verdict comes from structure, in this order: the HTTP status; the provider's structured error
fields (OpenAI ``error.type`` / ``error.code`` / ``error.param``, Anthropic ``error.type``, Gemini
``error.status`` and ``error.details[]`` by ``@type``, Azure ``error.code``); the headers; which
request it was (listing models, which sends no model, or a generation); and only then, where
nothing else tells, the message. See docs/providers.md and docs/verdicts/providers.md.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import unquote

from envcheck.core import redact
from envcheck.llm._headers import duration, limits_left, retry_after

KEY_PAGES = {
    "openai": "https://platform.openai.com/api-keys",
    "anthropic": "https://console.anthropic.com/settings/keys",
    "gemini": "https://aistudio.google.com/apikey",
}
BILLING_PAGES = {
    "openai": "https://platform.openai.com/settings/organization/billing",
    "anthropic": "https://console.anthropic.com/settings/billing",
    "gemini": "https://aistudio.google.com/usage",
}
#: where an account's own limits and spending are set (what a vendor's answer about the account
#: may point at)
LIMITS_PAGES = {
    "openai": "https://platform.openai.com/settings/organization/limits",
    "anthropic": "https://console.anthropic.com/settings/limits",
    "gemini": "https://aistudio.google.com/usage",
}
STATUS_PAGES = {
    "openai": "https://status.openai.com",
    "anthropic": "https://status.anthropic.com",
    "gemini": "https://aistudio.google.com/status",
}
GEMINI_REGIONS = "https://ai.google.dev/gemini-api/docs/available-regions"
#: the Google API a Gemini API key is for (what ``ErrorInfo.metadata.service`` names for it)
GEMINI_SERVICE = "generativelanguage.googleapis.com"
OPENAI_COUNTRIES = "https://platform.openai.com/docs/supported-countries"
_RPC = "type.googleapis.com/google.rpc."
_URL = re.compile(r"https?://[^\s\"'<>`)\]]+")


class ProviderError(Exception):
    """A provider call failed. ``retryable`` errors may be retried after ``retry_after``.

    ``why`` says what the answer's structure shows (``error.code = insufficient_quota``),
    ``hint`` what to do about it; ``detail`` is the answer read field by field."""

    kind = "error"
    retryable = False

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        status: int | None = None,
        hint: str | None = None,
        retry_after: float | None = None,
        why: str | None = None,
        detail: Detail | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.message = message
        self.status = status
        self.hint = hint
        self.retry_after = retry_after
        self.why = why
        self.detail = detail or Detail(message=message)
        self.attempts = 1

    def __str__(self) -> str:
        code = f"HTTP {self.status}: " if self.status else ""
        return f"{self.provider} {self.kind}: {code}{self.message}"


class AuthenticationFailed(ProviderError):
    kind = "authentication failed"


class KeyNotReceived(AuthenticationFailed):
    """The server says no key came with the request, although one was sent."""

    kind = "key not received"


class WrongApi(AuthenticationFailed):
    """The API that answered takes no API keys (Google's ``reason = CREDENTIALS_MISSING`` from a
    service its ``ErrorInfo.metadata.service`` names, not the one the key is for): ``base_url``
    points at another API."""

    kind = "API keys not taken here"


class CredentialMoved(AuthenticationFailed):
    """The Gemini API's 401 ``UNAUTHENTICATED`` without ErrorInfo: its answer to a credential in
    the ``Authorization`` header (an OAuth access token's place; an API key sent there is refused
    so), while envcheck sends the key as ``x-goog-api-key`` and no ``Authorization``: something on
    the way moved the key or put a credential of its own there. A wrong API key is answered 400
    ``API_KEY_INVALID`` instead."""

    kind = "credential changed on the way"


class RegionalHost(ProviderError):
    """The key's project is bound to a regional host (OpenAI's data residency: 401 with
    ``error.code = incorrect_hostname``) and the request went to another host: the key is not
    what is wrong, the host is. ``host`` is the one the answer names (``us.api.openai.com``), or
    empty when it names none."""

    kind = "wrong regional host"
    host = ""


class PermissionDenied(ProviderError):
    kind = "permission denied"


class RegionNotSupported(PermissionDenied):
    kind = "region not supported"


class OtherApi(PermissionDenied):
    """A Google API other than the one the key is for answered (``ErrorInfo.metadata.service``),
    refusing the project the request carried (``CONSUMER_INVALID``): ``base_url`` points there."""

    kind = "another API answered"


class ModelNotFound(ProviderError):
    kind = "model not found"


class DeploymentNotFound(ModelNotFound):
    """Azure OpenAI: ``model`` names a deployment of the resource, and there is none by that
    name (``error.code = DeploymentNotFound``)."""

    kind = "deployment not found"


class EndpointNotFound(ProviderError):
    """A 404 for the URL itself: a wrong ``base_url`` or something that is not this API."""

    kind = "wrong base_url"


class NoRoute(EndpointNotFound):
    """A web framework's own 404 for a path the server has no route for (Starlette's and
    FastAPI's ``{"detail": "Not Found"}``, the status's phrase and nothing else): about the URL,
    never about a model."""

    kind = "no such route on the server"


class BadRequest(ProviderError):
    kind = "bad request"


class ContextTooLong(BadRequest):
    """The request does not fit the model's context window (``context_length_exceeded``)."""

    kind = "context window too small"


class RequestTooLarge(BadRequest):
    """HTTP 413 / Anthropic ``request_too_large``: the request body is over a size limit."""

    kind = "request too large"


class ModelUnavailable(BadRequest):
    """The service knows the model and will not run it for this request, as a structured code
    says: retired (``model_decommissioned``), served only on a dedicated endpoint
    (``model_not_available``), or a deployment whose model does not chat (Azure
    ``OperationNotSupported``)."""

    kind = "model unavailable"


class ProvidersNotAllowed(ModelUnavailable):
    """OpenRouter's 404 "No allowed providers are available for the selected model": the
    providers that serve the model (``error.metadata.available_providers``) are none of those
    the account's provider settings allow (``requested_providers``)."""

    kind = "no allowed provider"


class ContentFiltered(BadRequest):
    """A content filter in front of the model refused the prompt (``error.code =
    content_filter``; Azure names the categories in ``innererror.content_filter_result``)."""

    kind = "content filtered"


class NotSupported(ProviderError):
    """HTTP 501 / llama.cpp's ``not_supported_error``: the server, as it was started, does not
    serve this kind of request (llama-server started with ``--embeddings`` serves no chat); no
    retry helps."""

    kind = "not served by this server"


class NoKeyDatabase(NotSupported):
    """A proxy started without the database its virtual keys live in (LiteLLM's 400
    ``no_db_connection``): it takes only its master key, and can check no other."""

    kind = "no key database on the proxy"


class UnexpectedAnswer(ProviderError):
    """A status no row of the verdict table covers: reported as it came, no cause guessed."""

    kind = "unexpected answer"


class RateLimited(ProviderError):
    kind = "rate limited"
    retryable = True


class OverRateLimit(RateLimited):
    """A rate limit that the request alone exceeds (Groq's HTTP 413 with ``error.code =
    rate_limit_exceeded``: its tokens, max_tokens included, are over the tier's per-minute
    limit): the key was accepted, and waiting does not help."""

    retryable = False


class QuotaExhausted(ProviderError):
    kind = "quota exhausted"


class AccountRestricted(ProviderError):
    """The provider restricted the account (Groq's ``error.code = organization_restricted``): the
    key is recognised, and no request of the account is served; no key, model or retry helps,
    only the provider's support."""

    kind = "account restricted"


class Overloaded(ProviderError):
    kind = "overloaded"
    retryable = True


class ServerError(ProviderError):
    kind = "server error"
    retryable = True


class ProviderTimeout(ProviderError):
    kind = "timeout"
    retryable = True


class ConnectionFailed(ProviderError):
    kind = "connection failed"
    retryable = True


class ConnectionClosed(ConnectionFailed):
    """The server was reached, and the connection closed before the answer was complete."""

    kind = "connection closed mid-answer"


class MalformedResponse(ProviderError):
    kind = "malformed response"


class Intermediary(ProviderError):
    """The answer is the page of what stands between the client and the service (a proxy, a
    gateway, a CDN: its headers say so, and its body is not the API's JSON), refusing the
    request before the service saw it: it says nothing of the key, the model or the account.
    ``layer`` is ``proxy`` or ``gateway``, ``who`` the software and the header naming it."""

    kind = "refused before the service"
    layer = "gateway"
    who = ""


class NetworkSignIn(ProviderError):
    """HTTP 511 Network Authentication Required (RFC 6585 section 6): the network this machine
    is on (a captive portal) wants a sign-in before it lets requests out. Origin servers do not
    send 511, so the service never saw the request: not its key, its model nor its server.
    ``page`` is where the portal's page sends a browser to sign in ("" when it names none)."""

    kind = "network sign-in required"
    page = ""


class HeaderChanged(BadRequest):
    """Anthropic refused the ``anthropic-version`` header envcheck sends (``2023-06-01``, once)
    as missing or as another value: something between them (a gateway or proxy at base_url)
    dropped or changed it; not the key, not the model."""

    kind = "bad request"


class WorkspaceRequired(HeaderChanged):
    """Anthropic refused a request authenticated with an identity-linked API key (a user's or
    service account's key that reaches more than one workspace) because it does not name the
    workspace it acts in (the ``anthropic-workspace-id`` header): the key is valid, and
    envcheck, like the official clients, sends no such header of its own."""

    kind = "workspace not named"


class Redirected(ProviderError):
    """A 3xx to the request: envcheck does not follow it (the key would go where it points)."""

    kind = "redirected"
    location = ""


@dataclass
class Detail:
    """What an error body says, field by field (empty strings where it says nothing)."""

    message: str = ""
    type: str = ""  # OpenAI error.type, Anthropic error.type, Gemini error.status
    #: OpenAI / Azure error.code, or a service's business code (Z.AI's ``"1113"``, SiliconFlow's
    #: top-level ``30011``); a number that is an HTTP status (``404``, ``"401"``) is dropped
    code: str = ""
    #: the name of the field ``code`` was read from: Cloudflare's envelope gives it as
    #: ``errors[].code`` (``{"success": false, "errors": [{"code": 10000, "message": ...}]}``)
    code_field: str = "error.code"
    param: str = ""  # OpenAI error.param
    reasons: list[str] = field(default_factory=list)  # Gemini ErrorInfo.reason
    quota_ids: list[str] = field(default_factory=list)  # Gemini QuotaFailure.violations
    #: the limits of those quotas, as the answer names them (QuotaFailure's ``quotaValue``,
    #: ErrorInfo.metadata's ``quota_limit_value`` in Google's older RATE_LIMIT_EXCEEDED form)
    quota_limits: list[tuple[str, str]] = field(default_factory=list)
    retry_delay: float | None = None  # Gemini RetryInfo.retryDelay
    activation_url: str | None = None  # Gemini ErrorInfo.metadata.activationUrl
    service: str = ""  # Gemini ErrorInfo.metadata.service: the Google API that answered
    inner_code: str = ""  # Azure error.innererror.code
    filtered: list[str] = field(default_factory=list)  # Azure content_filter_result, filtered
    json: bool = False  # the body was JSON (a proxy's text page is not)
    request_id: str = ""  # the body's top-level request_id (Anthropic's error body)
    links: list[str] = field(default_factory=list)  # Gemini google.rpc.Help links[].url
    #: OpenRouter's error.metadata.provider_name: the provider it routed the call to, which
    #: refused it; ``upstream_said`` is that provider's own answer (error.metadata.raw), read
    upstream: str = ""
    upstream_said: Detail | None = None
    #: the name of the field ``type`` was read from: TGI's top-level ``error_type``
    type_field: str = "error.type"
    #: sizes the answer gives beside its words (llama.cpp's ``n_ctx``, ``n_prompt_tokens``)
    sizes: list[tuple[str, str]] = field(default_factory=list)
    #: Google's legacy ``error.errors[].reason`` (``backendError``), beside google.rpc's status
    legacy_reasons: list[str] = field(default_factory=list)
    #: OpenRouter's routing metadata: the providers that serve the model
    #: (``error.metadata.available_providers``) and those the request might use, as the
    #: account's provider settings allow them (``requested_providers``); None without them
    serving: list[str] | None = None
    allowed: list[str] | None = None
    #: a request validator's errors (pydantic's, as Mistral and FastAPI servers give them: a
    #: ``detail`` list at the top level or in ``message``): each its ``loc`` joined by dots
    #: (``body.n``), its ``type`` (``extra_forbidden``) and its ``msg``
    invalid: list[tuple[str, str, str]] = field(default_factory=list)
    #: the body is a JSON object whose one field is ``detail``, a string (Starlette's and
    #: FastAPI's HTTPException: ``{"detail": "Not Found"}``)
    only_detail: bool = False

    def fields(self) -> str:
        """The structured fields that decided, e.g. ``error.type=rate_limit_error``."""
        shown = [f"{self.type_field}={self.type}" if self.type else ""]
        shown.append(f"{self.code_field}={self.code}" if self.code else "")
        shown.append(f"error.param={self.param}" if self.param else "")
        shown += [f"reason={r}" for r in self.reasons] + [f"quotaId={q}" for q in self.quota_ids]
        shown += [f"{name}={value}" for name, value in self.quota_limits]
        shown += [f"{name}={value}" for name, value in self.sizes]
        shown.append(f"innererror.code={self.inner_code}" if self.inner_code else "")
        shown += [f"filtered={f}" for f in self.filtered]
        shown.append(f"metadata.provider_name={self.upstream}" if self.upstream else "")
        if self.serving is not None:
            shown.append(f"metadata.available_providers={','.join(self.serving) or '(none)'}")
        if self.allowed is not None:
            shown.append(f"metadata.requested_providers={','.join(self.allowed) or '(none)'}")
        inner = self.upstream_said.fields() if self.upstream_said is not None else ""
        shown.append(f"its {inner}" if inner else "")
        return ", ".join(s for s in shown if s)

    @property
    def urls(self) -> list[str]:
        """The links the answer gives (a verification page, a console, the docs)."""
        said = [u.rstrip(".,;:") for u in _URL.findall(self.message)]
        return self.links + [u for u in said if u not in self.links]


def _text(value: Any) -> str:
    """A message as a person reads it: percent-encoded text (xAI's ``Incorrect%20API%20key``)
    decoded."""
    text = str(value or "")
    if "%20" in text and " " not in text:
        text = unquote(text)
    return text


def _code(value: Any) -> str:
    """A code as a string. A number that is an HTTP status (``404``, ``"401"``: llama.cpp's,
    vLLM's, Gemini's ``error.code``) says nothing the status does not, and is dropped; any other
    number is a service's own business code (Z.AI's ``"1113"``, SiliconFlow's ``30011``), kept."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or not value:
        return ""
    if value.isdigit() and len(value) == 3 and 100 <= int(value) <= 599:
        return ""
    return value


def detail(body: Any) -> Detail:
    """Read any provider's error body: OpenAI, Anthropic, Gemini, Azure, Ollama, the
    OpenAI-compatible servers (a top-level ``message``, ``detail``, or ``error`` as a string), or
    plain text."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return Detail(message=redact.clean(_page_title(body), 300))
    found = Detail(json=True)
    if isinstance(body, list) and body and isinstance(body[0], Mapping):
        body = body[0]  # Gemini streaming errors come as a one-element array
    if not isinstance(body, Mapping):
        return found
    traced = body.get("request_id")  # Anthropic's error body names its request at the top
    found.request_id = traced if isinstance(traced, str) else ""
    fault = body.get("fault")
    if isinstance(fault, Mapping) and fault.get("faultstring"):  # an Apigee gateway's error
        found.message = _text(fault["faultstring"])
        errorcode = (fault.get("detail") or {}).get("errorcode")
        found.code = _code(errorcode) if isinstance(errorcode, str) else ""
        return found
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        # Cloudflare's API envelope: {"success": false, "errors": [{"code": 10000, "message"}]}
        found.message = _text(errors[0].get("message"))
        found.code, found.code_field = _code(errors[0].get("code")), "errors[].code"
        return found
    base = body.get("base_resp")
    if "error" not in body and isinstance(base, Mapping) and minimax_code(body) is not None:
        # MiniMax's own envelope, in every answer it gives: a code of its error-code page
        found.message = _text(base.get("status_msg"))
        found.code, found.code_field = str(base["status_code"]), MINIMAX_FIELD
        return found
    found.only_detail = set(body) == {"detail"} and isinstance(body["detail"], str)
    error = body.get("error", body)
    if isinstance(error, str):  # Ollama, xAI, vLLM's auth: {"error": "..."}
        found.message = _text(error)
        kind = body.get("error_type")
        if isinstance(kind, str) and kind:  # TGI (router/src/server.rs ErrorResponse)
            found.type, found.type_field = kind, "error_type"
        return found
    if not isinstance(error, Mapping):
        return found
    said = error.get("message") or body.get("message") or body.get("detail") or ""
    found.message = _text(said if isinstance(said, str) else json.dumps(said))
    found.invalid = _validation_errors(body.get("detail"), said)
    # Google's error.status is a name (NOT_FOUND); a number there is the HTTP status again (an
    # RFC 9457 problem-details body: {"status": 404, "title": ..., "detail": ...}), not a type
    status = error.get("status")
    found.type = str(error.get("type") or (status if isinstance(status, str) else "") or "")
    found.code = _code(error.get("code"))
    found.param = str(error.get("param") or "")
    # llama.cpp's exceed_context_size_error gives the window and the prompt's size as numbers
    for size in ("n_ctx", "n_prompt_tokens"):
        if isinstance(error.get(size), int) and not isinstance(error.get(size), bool):
            found.sizes.append((size, str(error[size])))
    for item in error.get("details") or []:
        if isinstance(item, Mapping):
            _gemini_detail(item, found)
    for item in error.get("errors") or []:  # Google's legacy list, beside google.rpc's status
        if isinstance(item, Mapping) and item.get("reason"):
            found.legacy_reasons.append(str(item["reason"]))
    metadata = error.get("metadata")
    if isinstance(metadata, Mapping) and metadata.get("provider_name"):
        # OpenRouter: "Provider returned error", the provider (metadata.provider_name) and its
        # own answer, verbatim (metadata.raw: its JSON as a string, or its text)
        found.upstream = str(metadata["provider_name"])
        raw = metadata.get("raw")
        if raw:
            found.upstream_said = detail(raw if isinstance(raw, str) else json.dumps(raw))
    if isinstance(metadata, Mapping) and isinstance(metadata.get("available_providers"), list):
        # OpenRouter's routing: who serves the model, and whom the account lets it route to
        found.serving = [str(p) for p in metadata["available_providers"]]
        requested = metadata.get("requested_providers")
        found.allowed = [str(p) for p in requested] if isinstance(requested, list) else None
    inner = error.get("innererror")
    if isinstance(inner, Mapping):  # Azure: the content filter's own code and categories
        found.inner_code = _code(inner.get("code"))
        result = inner.get("content_filter_result")
        if isinstance(result, Mapping):
            found.filtered = [
                str(k) for k, v in result.items() if isinstance(v, Mapping) and v.get("filtered")
            ]
    return found


def _validation_errors(*places: Any) -> list[tuple[str, str, str]]:
    """pydantic's validation errors (``[{"type", "loc", "msg"}, ...]``) from the first of
    ``places`` that holds them, as a list or as a mapping's ``detail``."""
    for place in places:
        if isinstance(place, Mapping):
            place = place.get("detail")
        if not isinstance(place, list):
            continue
        found = [
            (".".join(str(part) for part in item["loc"]), str(item["type"]), _text(item.get("msg")))
            for item in place
            if isinstance(item, Mapping)
            and isinstance(item.get("loc"), list)
            and isinstance(item.get("type"), str)
        ]
        if found:
            return found
    return []


#: Cloudflare's own 5xx statuses (developers.cloudflare.com/support/troubleshooting/http-status-
#: codes/cloudflare-5xx-errors): what each says of the server behind it, and what helps
_CLOUDFLARE = {
    520: (
        "the server behind it answered something Cloudflare could not use (or closed the "
        "connection)",
        "retry later; the log of the server behind Cloudflare says what it answered",
    ),
    521: (
        "the server behind it refused Cloudflare's connection (it is down, or refuses "
        "Cloudflare's addresses)",
        "retry later; the server behind Cloudflare is not accepting connections",
    ),
    522: (
        "Cloudflare could not connect to the server behind it in time",
        "retry later; the server behind Cloudflare is not reachable from it",
    ),
    523: (
        "Cloudflare cannot reach the server behind it (its address or route is wrong)",
        "the service's DNS or origin address is wrong: its operator fixes it",
    ),
    524: (
        "Cloudflare reached the server behind it, which did not answer within Cloudflare's "
        "100 s",
        "retry later: the server behind Cloudflare was too slow to answer; its operator sees why",
    ),
}


def page_text(text: str) -> str:
    """A text answer as shown (an HTML page by its title and the text it shows)."""
    return _page_title(text)


def _page_title(text: str) -> str:
    """A text answer as shown: an HTML page (a proxy's, an edge's or a web framework's error
    page) by its title and the text it shows, not its markup and scripts."""
    stripped = text.strip()
    if not stripped.startswith("<"):
        return stripped
    title = _TITLE.search(stripped)
    heading = " ".join(html.unescape(title.group(1)).split()) if title else ""
    shown = " ".join(html.unescape(_TAG.sub(" ", _UNSHOWN.sub(" ", stripped))).split())
    if heading and shown.startswith(heading):  # the title repeated as the page's heading
        shown = shown[len(heading) :].strip()
    return ": ".join(part for part in (heading, shown) if part) or "an HTML page"


_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
#: what a page does not show: its head (the title included), scripts, styles, comments
_UNSHOWN = re.compile(
    r"<(head|script|style|noscript)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(r"<[^>]*>")


def _gemini_detail(item: Mapping[str, Any], found: Detail) -> None:
    kind = str(item.get("@type", ""))
    if kind == _RPC + "Help":
        for link in item.get("links") or []:
            if isinstance(link, Mapping) and link.get("url"):
                found.links.append(str(link["url"]))
    elif kind == _RPC + "RetryInfo":
        found.retry_delay = duration(str(item.get("retryDelay", "")))
    elif kind == _RPC + "QuotaFailure":
        for violation in item.get("violations") or []:
            if isinstance(violation, Mapping) and violation.get("quotaId"):
                found.quota_ids.append(str(violation["quotaId"]))
            if isinstance(violation, Mapping) and violation.get("quotaValue") is not None:
                found.quota_limits.append(("quotaValue", str(violation["quotaValue"])))
    elif item.get("reason"):  # ErrorInfo (older answers lack the @type)
        found.reasons.append(str(item["reason"]))
        metadata = item.get("metadata")
        if isinstance(metadata, Mapping) and metadata.get("quota_limit"):
            # Google's older RESOURCE_EXHAUSTED names its quota here (reason RATE_LIMIT_EXCEEDED,
            # no QuotaFailure): quota_limit is the quota's id, quota_limit_value its limit
            found.quota_ids.append(str(metadata["quota_limit"]))
            if metadata.get("quota_limit_value") is not None:
                found.quota_limits.append(("quota_limit_value", str(metadata["quota_limit_value"])))
        if isinstance(metadata, Mapping) and metadata.get("activationUrl"):
            found.activation_url = str(metadata["activationUrl"])
        if isinstance(metadata, Mapping) and metadata.get("service"):
            found.service = str(metadata["service"])


def classify(
    provider: str,
    status: int,
    headers: Mapping[str, str],
    body: Any,
    *,
    kind: str | None = None,
    listing: bool = False,
    key_sent: bool = False,
    request: tuple[str, str] | None = None,
) -> ProviderError:
    """Turn an HTTP error answer into a typed :class:`ProviderError` (returned, not raised).

    ``provider`` names the service in messages; ``kind`` is the API it speaks (``openai``,
    ``anthropic``, ``gemini``; default: ``provider``): the vendor's own console pages are
    given only when they are the same. ``listing``: the request was the model listing (it sends
    no model, so a 404 there means the URL, and a 400 the key or the URL). ``key_sent``: the
    request carried a key. ``request``: its method and path, which an answer may echo.

    An answer that is a proxy's or a gateway's own page (not JSON, and its headers name it) is
    never read as the service's: a proxy's at any status, a gateway's refusal (401, 402, 403,
    407, 429) as :class:`Intermediary`; a gateway's 5xx keeps its class, and its ``why`` names
    the gateway."""
    from envcheck.llm import _between

    d = detail(body)
    if status == 511:
        return network_sign_in(provider, status, body, d)
    found = _between.front(status, headers, d.json)
    if found is not None and (found[0] == "proxy" or status in (401, 402, 403, 407, 429)):
        layer, who = found
        said = d.message or f"HTTP {status}"
        made = Intermediary(
            provider,
            said,
            status=status,
            why=f"HTTP {status} is the page of {who}, not the service's JSON answer: the {layer} "
            "refused the request before the service saw it, so it says nothing of the key, the "
            "model or the account",
            detail=d,
        )
        made.layer, made.who = layer, who
        return made
    error = _classify(
        provider,
        status,
        headers,
        body,
        kind=kind,
        listing=listing,
        key_sent=key_sent,
        request=request,
    )
    if found is not None:
        error.why = (
            f"{error.why}; " if error.why else ""
        ) + f"HTTP {status} is the page of {found[1]}, not the service's JSON answer"
    return error


def _classify(
    provider: str,
    status: int,
    headers: Mapping[str, str],
    body: Any,
    *,
    kind: str | None = None,
    listing: bool = False,
    key_sent: bool = False,
    request: tuple[str, str] | None = None,
) -> ProviderError:
    """The class of an answer that is the service's own (see :func:`classify`)."""
    api = kind or provider
    d = detail(body)
    message = d.message or f"HTTP {status}"
    said = d.upstream_said.message if d.upstream_said is not None else ""
    if d.upstream and said and said not in message:  # what the provider behind it said
        message = f"{message}: {d.upstream}: {said}"
    wait = retry_after(headers)
    if wait is None:
        wait = d.retry_delay
    vendor = provider == api
    keys = KEY_PAGES.get(api, "") if vendor else ""
    billing = BILLING_PAGES.get(api, "") if vendor else ""
    where = f" ({keys})" if keys else f" (in {provider}'s console)"
    made = _Maker(provider, message, status, d, wait, headers)

    minimax = _minimax_code(made, d, provider)
    if minimax is not None:
        return minimax
    cloudflare = _cloudflare_code(made, d, status, request)
    if cloudflare is not None:
        return cloudflare
    proxy = _litellm_key(made, d, status)
    if proxy is not None:
        return proxy
    google = _google_reason(made, d)
    if google is not None:
        return google
    if MODEL_CAPACITY in d.reasons:
        # Google's ErrorInfo reason for the service's own capacity (at 429 RESOURCE_EXHAUSTED or
        # 503 UNAVAILABLE): no quota of the caller, and no rate of its own, is what ran out
        return made(
            Overloaded,
            f"{provider} has no capacity for this model now (reason={MODEL_CAPACITY}, HTTP "
            f"{status}): a limit of the service's servers, not a quota or rate of the key's "
            "project, and not the key: it frees as the service's load falls",
            "retry later, or set another model meanwhile",
        )
    if api == "gemini" and key_sent and status == 401 and d.type == "UNAUTHENTICATED":
        if not d.reasons:
            return made(
                CredentialMoved,
                "the Gemini API answered 401 UNAUTHENTICATED without an ErrorInfo reason, its "
                "answer to a credential in the Authorization header (an OAuth access token's "
                "place: an API key sent there is refused so), and envcheck sent the key as "
                "x-goog-api-key with no Authorization header: something between them (a proxy or "
                "gateway at base_url) moved the key into Authorization: Bearer or put a "
                "credential of its own there; a wrong API key is answered 400 API_KEY_INVALID "
                "instead, so the key itself is not what this says",
                "find what rewrites the Authorization header on requests to base_url (a proxy or "
                "gateway in between; compare with the host in NO_PROXY) and have it pass "
                "x-goog-api-key through unchanged; then compare with: curl -sS -H "
                "'x-goog-api-key: $GEMINI_API_KEY' <base_url>/v1beta/models; if nothing in "
                "between rewrites it, the value is no Gemini API key (an access token): create "
                "a key at https://aistudio.google.com/apikey",
            )
    if status == 401 or "API_KEY_INVALID" in d.reasons or d.type == "authentication_error":
        if key_sent and status == 401 and not d.code and _says_no_key(message):
            return made(
                KeyNotReceived,
                "the request carried the key, but the server says it got none: a proxy or "
                "gateway in between drops the Authorization header, or base_url redirects",
                "send a request by hand and compare: curl -sS -H 'Authorization: Bearer $KEY' "
                "<base_url>/models; set NO_PROXY for this host or fix the proxy",
            )
        if d.code in ORGANIZATION_CODES:
            return made(
                AuthenticationFailed,
                f"the OpenAI-Organization header (organization, or OPENAI_ORG_ID) names an "
                f"organization this key does not belong to (error.code={d.code})",
                "set organization to the key's own organization id "
                "(platform.openai.com/settings/organization/general), or remove it "
                "(unset OPENAI_ORG_ID) to use the key's default organization",
            )
        if d.code == "account_deactivated":
            return made(
                AuthenticationFailed,
                "OpenAI deactivated the account this key belongs to (error.code="
                "account_deactivated): every key of that account is refused, a new one too",
                "ask OpenAI why the account was deactivated (help.openai.com, as the answer "
                "says; its owner has an email about it), or use a key of another, active account",
            )
        if "CREDENTIALS_MISSING" in d.reasons and d.service and d.service != GEMINI_SERVICE:
            return made(
                WrongApi,
                f"the API that answered is {d.service} (ErrorInfo.metadata.service), and it "
                "takes no API keys (reason=CREDENTIALS_MISSING), only OAuth2 credentials: "
                "base_url points at it, not at the API the key is for",
                "point base_url at the API the key is for",
            )
        if d.code == "incorrect_hostname":
            host = regional_host(d.message)
            where_to = f"https://{host}/v1" if host else "the project's regional host"
            regional = made(
                RegionalHost,
                "the key's project keeps its data in a region (OpenAI's data residency, "
                "error.code=incorrect_hostname), and its requests must go to that region's host"
                + (f", {host}" if host else "")
                + ": the request went to another host, which refuses every request of the "
                "project, whatever the key",
                f"send the requests to {where_to} (base_url)",
            )
            cast(RegionalHost, regional).host = host
            return regional
        if d.code == AZURE_NO_ROLE:
            # Azure: an Entra ID token whose principal no role assignment lets do this
            return made(
                AuthenticationFailed,
                f"the credential is a Microsoft Entra ID token Azure accepted, and its principal "
                f"has no role on the resource that allows this request (error.code={d.code}): "
                "the token is valid; what is missing is a role assignment",
                'assign the role "Cognitive Services OpenAI User" on the resource to the '
                "token's principal (the user, service principal or managed identity): az role "
                'assignment create --assignee <its object id> --role "Cognitive Services OpenAI '
                "User\" --scope <the resource's id>",
            )
        if d.code == "no_organization":
            return made(
                AuthenticationFailed,
                "the key's account belongs to no organization (error.code=no_organization)",
                "ask an owner of the organization to invite the key's account (or OpenAI, at "
                "help.openai.com, for a new organization)",
            )
        return made(AuthenticationFailed, None, f"check or rotate the API key{where}")
    if d.serving and d.allowed is not None and not set(d.serving) & set(d.allowed):
        serving, allowed = ", ".join(d.serving), ", ".join(d.allowed) or "none"
        return made(
            ProvidersNotAllowed,
            f"no provider the account allows serves the model: it is served by {serving} "
            f"(error.metadata.available_providers), and the account's provider settings let "
            f"requests go to {allowed} (requested_providers); the key and the model's name are "
            "right, and no retry helps until the settings or the model change",
            f"allow one of {serving} in the account's provider settings (OpenRouter: "
            "https://openrouter.ai/settings/privacy, Allowed Providers and Ignored Providers), "
            f"or set a model that {allowed} serves",
        )
    if d.type == "budget_exceeded":
        # LiteLLM's proxy: a spend budget it enforces ran out; it answers before calling any
        # provider, 422 by default, 429 or 400 in older releases (docs.litellm.ai/docs/proxy/
        # budget_exceeded_errors); the key was accepted
        return made(
            QuotaExhausted,
            "a spend budget of the proxy ran out (error.type=budget_exceeded): the proxy "
            "refuses before calling any provider, and no retry helps until the budget resets "
            "(its budget_duration) or is raised",
            "ask whoever administers the proxy to raise the budget the message names (the "
            "max_budget of that key, user, team or model), or wait for it to reset",
        )
    if d.code == "organization_restricted":
        return made(
            AccountRestricted,
            "the provider restricted the organization (the account) this key belongs to "
            "(error.code=organization_restricted): the key is recognised, and no request of the "
            "account is served; no other key, model or retry helps",
            f"reach out to {provider}'s support about the account, as the answer says",
        )
    if d.code == "billing_not_active" or d.type == "billing_not_active":
        fix = (
            "activate the account's billing (a payment method, a paid plan)"
            f"{f' ({billing})' if billing else where}"
        )
        return made(
            QuotaExhausted,
            "the account's billing is not active (error.code=billing_not_active): the key is "
            "accepted, and no request is served until billing is set up (no retry helps)",
            fix,
        )
    business = _business_code(made, d, provider, where)
    if business is not None:
        return business
    quota_code = QUOTA_CODES.get(d.code) or QUOTA_CODES.get(d.type)
    if quota_code is not None:
        return made(QuotaExhausted, *quota_code)
    if d.type in OVERLOAD_TYPES:
        return made(
            Overloaded,
            f"{provider} has no capacity for the call now (error.type={d.type}: too many "
            "requests on its side, and it sheds load): not the account's rate or its credit, "
            "and not the key",
            "retry later (the service serves an account of a higher tier first)",
        )
    quota_402 = status == 402 or d.code in CREDIT_TYPES or d.type in CREDIT_TYPES
    if quota_402:
        # a third-party service's own console: its billing, where credit or a payment method goes
        account = f" (in {provider}'s console: its billing)" if not billing else f" ({billing})"
        fix = f"add credits or raise the spending limit{account}"
        why = CREDIT_WHY.get(d.code) or CREDIT_WHY.get(d.type)
        return made(QuotaExhausted, why or "the account is out of credit (no retry helps)", fix)
    if status == 413 and d.code == "rate_limit_exceeded":
        return made(
            OverRateLimit,
            "the request alone is over a per-minute token limit of the account's tier (HTTP "
            "413 with error.code=rate_limit_exceeded): a limit of the account, not a body too "
            "large for the server; the key was accepted, and waiting does not help",
            "raise the account's tier (more tokens per minute)"
            f"{f' ({billing})' if billing else where}, or send fewer tokens per request "
            "(a smaller max_tokens counts too)",
        )
    if status == 429:
        return _too_many(made, d, provider, billing or where.strip(" ()"))
    if status == 403:
        return _forbidden(made, d, api, where)
    if status == 404:
        return _not_found(made, d, listing, request)
    if d.type == "request_too_large" or (status == 413 and not d.type):
        return made(
            RequestTooLarge,
            "the request body is over a size limit of the service or of a gateway in front of "
            "it",
            "check the body-size limit of any proxy in front of the service",
        )
    if status == 400 and d.type == "FAILED_PRECONDITION":
        return made(
            RegionNotSupported,
            "Gemini refuses the request in this state (FAILED_PRECONDITION): mostly, the "
            "machine's location (or its proxy's or VPN's exit) is not a supported region; "
            "otherwise the project lacks billing for this model",
            f"run from a supported region ({GEMINI_REGIONS}) or enable billing on the project",
        )
    if status == 400 and api == "anthropic" and "credit balance" in message.lower():
        # words last: Anthropic answers an empty balance with a plain invalid_request_error
        fix = f"buy credits{f' ({billing})' if billing else where}"
        return made(QuotaExhausted, "the organization's credit balance is too low", fix)
    if status == 400 and d.type == "invalid_model":  # Mistral's type for a model it does not serve
        return made(ModelNotFound, "the service does not serve the model it was asked for", None)
    if status == 400 and d.code in _MODEL_UNAVAILABLE:
        return made(ModelUnavailable, _MODEL_UNAVAILABLE[d.code], None)
    if status == 400 and d.code == "content_filter":
        return made(
            ContentFiltered,
            "a content filter in front of the model refused the prompt (error.code="
            "content_filter)",
            None,
        )
    if d.type_field == "error_type" and d.type == "template_error":
        # TGI (router/src/infer/mod.rs apply_chat_template): a chat call's messages are rendered
        # with the chat_template of the model's tokenizer_config.json; without one,
        # InferError::TemplateError (minijinja's TemplateNotFound) at 422
        return made(
            NotSupported,
            "the server has no chat template for the model it serves (error_type="
            "template_error: TGI renders a chat call's messages with the chat_template of the "
            "model's tokenizer_config.json, and this model's has none, as a base model's): every "
            "chat call is refused; the key and the model's name are right, and no retry helps",
            "serve a model whose tokenizer has a chat template (an instruct or chat model), or "
            "restart TGI with --tokenizer-config-path naming a tokenizer_config.json that has a "
            "chat_template",
        )
    too_long = d.code == "context_length_exceeded" or d.type == "exceed_context_size_error"
    # vLLM names the prompt's tokens as the parameter over its max_model_len (engine/serving.py
    # _validate_input: VLLMValidationError(parameter="input_tokens"))
    too_long = too_long or d.param == "input_tokens"
    if status == 400 and too_long:
        return made(
            ContextTooLong,
            "the request does not fit the model's context window",
            "give the model a larger context window",
        )
    if status == 529 or d.type == "overloaded_error":
        return made(Overloaded, None, "the provider is overloaded; retry later")
    if status == 503 and d.type in ("UNAVAILABLE", "unavailable_error"):
        return made(Overloaded, None, "the service is unavailable for now; retry later")
    if d.type == "CANCELLED":
        # google.rpc.Code CANCELLED (HTTP 499): "typically by the caller", but the caller here
        # was still waiting for the answer it got; Google's legacy errors[].reason names the side
        # (backendError)
        by = ", ".join(f"errors[].reason={r}" for r in d.legacy_reasons)
        return made(
            ServerError,
            "the service cancelled the call itself before it answered (status CANCELLED, HTTP "
            f"499{f'; {by}' if by else ''}): envcheck was still waiting for the answer, so the "
            "cancellation was not the client's; a failure on the service's side, as under "
            "heavy load, not the key, the model or a quota",
            "retry later; if it keeps being cancelled, the service is under load",
        )
    if status in _CLOUDFLARE:  # Cloudflare's own statuses, about the server behind it
        what, fix = _CLOUDFLARE[status]
        said = f"HTTP {status} is Cloudflare's, in front of the service: {what}"
        if status in (522, 524):
            return made(ProviderTimeout, said, fix)
        return made(ServerError, said, fix)
    if status in (408, 504) or d.type == "DEADLINE_EXCEEDED":
        return made(ProviderTimeout, "the provider (or a gateway) gave up waiting", None)
    if status == 502:
        return made(
            ServerError,
            "HTTP 502 (Bad Gateway) comes from a proxy or gateway in front of the service: the "
            "server behind it did not answer it",
            "a provider-side failure; check its status page and retry later",
        )
    if status == 501 and d.type != "not_supported_error":
        what = f"{request[0]} {request[1]}" if request else "this request"
        return made(
            NotSupported,
            f"the server does not implement {what} (HTTP 501 Not Implemented): a version of it "
            "older than this route, or another kind of server than base_url should name; not a "
            "failure of the server, and no retry helps",
            f"upgrade the server to a version that serves {what}, or point base_url at a server "
            "that does",
        )
    if status == 501 or d.type == "not_supported_error":
        return made(
            NotSupported,
            "the server, as it was started, does not serve this kind of request (HTTP 501 Not "
            "Implemented): not a failure of the server, and no retry helps; its answer says how "
            "to start it",
            f"restart the server as its answer says: {redact.clean(message, 300)}",
        )
    if status >= 500:
        return made(
            ServerError, None, "a provider-side failure; check its status page and retry later"
        )
    workspace = _workspace_required(api, status, d)
    if workspace is not None:
        return made(WorkspaceRequired, *workspace)
    version = _version_refused(api, status, d)
    if version is not None:
        return made(HeaderChanged, *version)
    if status == 400 and listing:
        return made(
            BadRequest,
            "the model listing sends no model and no body, only the key and base_url: the "
            "service refused one of these",
            "check the API key and base_url",
        )
    if status == 400:
        return made(
            BadRequest, None, "the request was refused as invalid: its message says which part"
        )
    return made(UnexpectedAnswer, None, "an answer without a known meaning: read its message")


#: the anthropic-version header envcheck sends (and anthropic-sdk-python: its _client.py)
ANTHROPIC_VERSION = "2023-06-01"
#: the header an identity-linked Anthropic key's requests name their workspace in
#: (https://platform.claude.com/docs/en/manage-claude/authentication)
ANTHROPIC_WORKSPACE_HEADER = "anthropic-workspace-id"
#: Azure's 401 code for an Entra ID token whose principal has no role allowing the request
AZURE_NO_ROLE = "PermissionDenied"


def _workspace_required(api: str, status: int, d: Detail) -> tuple[str, str] | None:
    """Anthropic's 400 ``invalid_request_error`` whose message names the
    ``anthropic-workspace-id`` header first (as Anthropic names a refused header): the key is an
    identity-linked one, and the request named no workspace (envcheck never sends the header).
    Its why and hint, or None."""
    if api != "anthropic" or status != 400 or d.type != "invalid_request_error":
        return None
    if not d.message.startswith(ANTHROPIC_WORKSPACE_HEADER):
        return None
    why = (
        "the key is an identity-linked API key (a user's or service account's, reaching more "
        "than one workspace): Anthropic serves its requests only with the "
        f"{ANTHROPIC_WORKSPACE_HEADER} header naming the workspace each acts in, and this "
        "request (envcheck's, like the "
        "official clients' by default) sent none; the key itself is valid"
    )
    hint = (
        f"send {ANTHROPIC_WORKSPACE_HEADER}: <the workspace's id> with every request of the app "
        "(the id: Claude Console, Settings, Workspaces; anthropic-sdk-python: "
        f"default_headers={{'{ANTHROPIC_WORKSPACE_HEADER}': ...}}; Claude Code: "
        f"ANTHROPIC_CUSTOM_HEADERS), or use a key created in one workspace, which needs no header;"
        " envcheck's check sends no such header, so it passes with a workspace's key"
    )
    return why, hint


def _version_refused(api: str, status: int, d: Detail) -> tuple[str, str] | None:
    """Anthropic's 400 ``invalid_request_error`` about the ``anthropic-version`` header (its
    message names the header first, as Anthropic names a refused header): envcheck sent it once
    as the published version, so what reached Anthropic was changed on the way. Its why and
    hint, or None."""
    prefix = "anthropic-version:"
    if api != "anthropic" or status != 400 or d.type != "invalid_request_error":
        return None
    if not d.message.startswith(prefix):
        return None
    sent = f"envcheck sent anthropic-version: {ANTHROPIC_VERSION} once"
    sent += " (the version Anthropic publishes)"
    said = d.message[len(prefix) :].strip()
    if said.startswith('"'):
        value = said.split(" is ")[0]
        reached = f"the header reached Anthropic as {value}"
        done = "added a second value to it" if "," in value else "rewrote it"
    else:
        reached, done = "the header did not reach Anthropic", "dropped it"
    why = (
        f"{sent}, and {reached}: something between them (a gateway or proxy at base_url) "
        f"{done}; the key and the model are not what was refused"
    )
    hint = (
        f"have the gateway or proxy at base_url pass anthropic-version through unchanged (sent "
        f"once, {ANTHROPIC_VERSION}), or point base_url at Anthropic's API itself "
        "(https://api.anthropic.com)"
    )
    return why, hint


#: where a portal's page sends a browser: its meta refresh, else its first link
_REFRESH = re.compile(
    r"<meta[^>]+http-equiv=[\"']?refresh[^>]*content=[\"'][^\"']*url=([^\"'>\s]+)",
    re.IGNORECASE | re.DOTALL,
)
_HREF = re.compile(r"<a\b[^>]*href=[\"'](https?://[^\"']+)", re.IGNORECASE)


def sign_in_page(text: str) -> str:
    """The address an HTML page sends a browser to (its meta refresh, else its first absolute
    link), or ``""``."""
    found = _REFRESH.search(text) or _HREF.search(text)
    return html.unescape(found.group(1)) if found else ""


def network_sign_in(provider: str, status: int, body: Any, d: Detail) -> ProviderError:
    """A 511 (RFC 6585 section 6): the network's sign-in, named with the page it links."""
    text = body if isinstance(body, str) else ""
    page = sign_in_page(text)
    message = d.message or (page_text(text) if text else f"HTTP {status}")
    where = f" at {page}" if page else " (a browser opened on any http:// page is sent there)"
    made = NetworkSignIn(
        provider,
        message,
        status=status,
        why="HTTP 511 Network Authentication Required (RFC 6585): the network this machine is "
        "on (a captive portal: a hotel's, an airport's or a guest network) wants a sign-in "
        "before it lets requests out; origin servers do not send 511, so the service never saw "
        "the request: not its key, its model nor its server",
        hint=f"sign in to the network{where}, then run again",
        detail=d,
    )
    made.page = page
    return made


@dataclass
class _Maker:
    provider: str
    message: str
    status: int
    detail: Detail
    wait: float | None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __call__(
        self, cls: type[ProviderError], why: str | None, hint: str | None
    ) -> ProviderError:
        fields = self.detail.fields()
        because = why or (f"the answer says {fields}" if fields else None)
        if why and fields and fields not in why:
            because = f"{why} ({fields})"
        traced = request_id(self.headers, self.detail) if cls is ServerError else ""
        if traced:  # what the service's support asks for when its failure persists
            because = f"{because}; " if because else ""
            because += f"its request id: {traced} (give it to {self.provider}'s support "
            because += "if the failure persists)"
        return cls(
            self.provider,
            self.message,
            status=self.status,
            hint=hint,
            retry_after=self.wait if cls.retryable else None,
            why=because,
            detail=self.detail,
        )


#: the headers a service names one request by in its logs (Anthropic's, OpenAI's, Azure's)
REQUEST_ID_HEADERS = ("request-id", "x-request-id", "apim-request-id")
_REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{8,100}")


def request_id(headers: Mapping[str, str], d: Detail) -> str:
    """The id the service gave this request: the body's top-level ``request_id`` (Anthropic's
    error body), else a :data:`REQUEST_ID_HEADERS` header; "" when none (or not an id's shape)."""
    lowered = {k.lower(): v.strip() for k, v in headers.items()}
    found = [d.request_id, *(lowered.get(name) for name in REQUEST_ID_HEADERS)]
    return next((f for f in found if isinstance(f, str) and _REQUEST_ID.fullmatch(f)), "")


#: structured codes that a service knows the model and will not run it, and what each means
_MODEL_UNAVAILABLE = {
    "model_decommissioned": "the model is retired (error.code=model_decommissioned)",
    "model_not_available": "the model is not served on the shared API (error.code="
    "model_not_available): it runs only on an endpoint of its own",
    "OperationNotSupported": "the deployment's model does not support this operation (error.code="
    "OperationNotSupported): chat completions need a chat model",
}

#: Volcengine Ark's (and BytePlus ModelArk's) 404 code for a model the account has not activated
#: (开通) in the Ark Console: "Your account ... has not activated the model ... Please activate
#: the model service in the Ark Console." (xinnan-tech/xiaozhi-esp32-server#1234)
MODEL_NOT_OPEN = "ModelNotOpen"

#: the error types by which a service refuses a request for the country or region it comes from
#: (OpenCode Go's 403 ``RegionError``, "This model is not available in your country.", an error
#: body in Anthropic's shape: anomalyco/opencode#43692)
REGION_TYPES = {"RegionError"}

#: OpenAI's 401 codes for an OpenAI-Organization header that the key does not match
ORGANIZATION_CODES = {"invalid_organization", "mismatched_organization"}

#: the error types (or codes) by which a service says the account's credit or balance is used
#: up, at whatever status it answers them: OpenAI's ``insufficient_quota`` (429), Moonshot's
#: ``exceeded_current_quota_error`` (403 for an account without balance: platform.kimi.ai/docs/
#: api/errors.md, and kimi.com/help/kimi-api/api-error-codes: "403 Forbidden (insufficient
#: balance): account balance depleted, top up in console"), Alibaba Model Studio's (DashScope's)
#: ``Arrearage`` (400, its type and code, for an account with an overdue payment: help.aliyun.com/
#: zh/model-studio/error-code#overdue-payment, "Access denied, please make sure your account is
#: in good standing.")
#: and a one-api / new-api relay's ``insufficient_user_quota`` (403: the user's quota on the relay
#: itself, one-api's preConsumeQuota; songquanpeng/one-api#1270)
CREDIT_TYPES = {
    "insufficient_quota",
    "exceeded_current_quota_error",
    "Arrearage",
    "insufficient_user_quota",
}
#: what a credit type says beyond "out of credit", where its service's table says more
CREDIT_WHY = {
    "Arrearage": "the account has an overdue payment (Arrearage, Alibaba Model Studio's code for "
    "an account in arrears): the key was accepted, and no request is served until the account "
    "is paid up and has credit again (no retry helps)",
    "insufficient_user_quota": "the user's quota on the relay itself is used up (error.code="
    "insufficient_user_quota, a one-api / new-api relay's code): the relay refuses before it calls "
    "any upstream service; the key was accepted, and no retry helps until the relay's account is "
    "topped up (its wallet or top-up page, or its operator)",
}

#: error codes by which a service says a quota of the account is used up, and what frees it:
#: Alibaba Model Studio's (DashScope's) ``AllocationQuota.FreeTierOnly`` (its type and code, 403:
#: the model's free quota is used up and the account's "use free tier only" setting keeps it from
#: paid use; help.aliyun.com/en/model-studio/error-code-start; 666ghj/BettaFish#609)
QUOTA_CODES: dict[str, tuple[str, str]] = {
    "AllocationQuota.FreeTierOnly": (
        "the free quota of this model is used up, and the account is set to use the free tier "
        "only (AllocationQuota.FreeTierOnly, Alibaba Model Studio's code): the key was accepted; "
        "no call of this model is served until paid use is allowed, while a model with free "
        "quota left still answers",
        'turn off "use free tier only" for the model in the Model Studio console (its calls are '
        "then paid), or set a model whose free quota is not used up",
    ),
}

#: error types by which a service says it has no capacity for the call now, whatever status it
#: answers them with: Moonshot's 429 ``engine_overloaded_error`` (its error table, platform.
#: moonshot.ai/docs/api/chat: too many concurrent requests, the node sheds load, retry later; a
#: higher tier is served first), beside its ``rate_limit_reached_error``, the account's own rate
OVERLOAD_TYPES = {"engine_overloaded_error"}

#: OpenAI's data-residency hosts (``us.api.openai.com``, ``eu.api.openai.com``), as an
#: ``incorrect_hostname`` answer names the one the project must use
_REGIONAL_HOST = re.compile(r"\b((?:[a-z0-9-]+\.)+api\.openai\.com)\b")


def regional_host(message: str) -> str:
    """The regional host an ``incorrect_hostname`` answer names, or ``""``."""
    found = _REGIONAL_HOST.search(message.lower())
    return found[1] if found else ""


#: Z.AI's / Zhipu BigModel's business codes (https://docs.z.ai/api-reference/api-code: "the
#: outer layer is the HTTP status code, and the inner layer is the business error code"; one
#: HTTP 429 stands for a concurrency limit, an exhausted balance and a locked account alike).
#: Read only from an ``error`` object without ``type`` (Z.AI's shape: ``{"error": {"code":
#: "1113", "message": ...}}``), so another service's numeric code is not taken for one of these.
_ZAI_CODES: dict[str, tuple[str, str]] = {
    "1110": ("account", "the account is inactive (error.code=1110)"),
    "1111": ("account", "the account does not exist (error.code=1111)"),
    "1112": ("account", "the account is locked (error.code=1112)"),
    "1121": ("account", "the account is locked for irregular activity (error.code=1121)"),
    "1113": (
        "balance",
        "the account's balance is used up (error.code=1113: 'Your account is "
        "in arrears, please recharge and try again')",
    ),
    "1211": (
        "model",
        "the service does not know the model (error.code=1211: 'Model does not "
        "exist, please check the model code')",
    ),
    "1302": (
        "rate",
        "too many requests at once for this API (error.code=1302, a concurrency "
        "limit): it clears as the requests finish",
    ),
    # the plan's usage limits (GLM Coding Plan): "Usage limit reached for ${number} ${unit}.
    # Your limit will reset at ${next_flush_time}" (1308), its weekly or monthly one (1310)
    "1308": ("window", "the usage limit of the plan's time window is reached (error.code=1308)"),
    "1310": ("window", "the plan's weekly or monthly usage limit is reached (error.code=1310)"),
}

#: the ``${next_flush_time}`` of Z.AI's usage-limit answers (1308, 1310): a date and a time, as
#: "2026-09-09 05:38:28" (China Standard Time, UTC+8: hugalafutro/model-hotel#955)
_FLUSH_TIME = re.compile(r"\b(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?)\b")


def _business_code(made: _Maker, d: Detail, provider: str, where: str) -> ProviderError | None:
    """A service's documented business code that decides what its HTTP status cannot (Z.AI's
    429 is a rate, a balance or a locked account); ``None`` for any other answer."""
    if d.type or d.code_field != "error.code" or d.code not in _ZAI_CODES:
        return None
    what, why = _ZAI_CODES[d.code]
    table = "in Z.AI's (Zhipu BigModel's) error-code table"
    if what == "balance":
        return made(
            QuotaExhausted,
            f"{why} {table}: the key was accepted, and no request is served until the balance "
            "is recharged (no retry helps)",
            f"recharge the account's balance{where}: add credits or a resource package",
        )
    if what == "account":
        return made(
            AccountRestricted,
            f"{why} {table}: the key is recognised, and no request of the account is served; no "
            "other key, model or retry helps",
            f"reach out to {provider}'s customer service about the account, as the table says",
        )
    if what == "model":
        return made(ModelNotFound, f"{why} {table}", None)
    if what == "window":
        found = _FLUSH_TIME.search(d.message)
        at = f" at {found[1]} (UTC+8, the time the answer gives)" if found else ""
        return made(
            QuotaExhausted,
            f"{why} {table}: the key was accepted, and no request is served until the limit "
            f"resets{at}; not a per-minute rate, and not the balance",
            f"wait until the limit resets{at}, or move the account to a plan with a higher "
            f"limit{where}",
        )
    return made(
        RateLimited,
        f"{why} {table}",
        f"send fewer requests at once to {provider} (lower `rpm` in "
        "[tool.envcheck.providers]), or wait",
    )


#: MiniMax (api.minimax.io, api.minimaxi.com) writes its own ``base_resp`` (``status_code``,
#: ``status_msg``) into every answer (its API reference: platform.minimax.io/docs/api-reference/
#: text-chat-openai), ``status_code`` 0 when the call succeeded; a failure comes as HTTP 200 with
#: a code of its error-code page (platform.minimax.io/docs/api-reference/errorcode) and no
#: ``choices``. Each code read here: the HTTP status it stands for, and the page's words. 2049 is
#: a key the host does not accept (MiniMax's answer in MiniMax-AI/MiniMax-01#44: a key and its
#: API host must be of the same region); 2056 a Token Plan's usage limit (its rolling window:
#: MiniMax-AI/MiniMax-M2.7#36). Any other code is reported as it came.
MINIMAX_FIELD = "base_resp.status_code"
MINIMAX_CODES: dict[str, tuple[int, str]] = {
    "1000": (500, "unknown error"),
    "1001": (504, "request timeout"),
    "1002": (429, "rate limit"),
    "1004": (401, "not authorized"),
    "1008": (402, "insufficient balance"),
    "1024": (500, "internal error"),
    "1033": (500, "system error or downstream service error"),
    "2049": (401, "invalid api key"),
    "2056": (429, "usage limit exceeded"),
}
MINIMAX_ERRORS = "https://platform.minimax.io/docs/api-reference/errorcode"


def minimax_code(body: Any) -> str | None:
    """The code of MiniMax's ``base_resp`` when it says the call failed (a non-zero integer
    ``status_code``), else None (0, no ``base_resp``, another shape)."""
    base = body.get("base_resp") if isinstance(body, Mapping) else None
    code = base.get("status_code") if isinstance(base, Mapping) else None
    if not isinstance(code, int) or isinstance(code, bool) or code == 0:
        return None
    return str(code)


def minimax_status(code: str) -> int:
    """The HTTP status MiniMax's business ``code`` stands for; 200 (no status of its own: the
    answer is reported as it came) for a code the table does not hold."""
    return MINIMAX_CODES.get(code, (200, ""))[0]


def _minimax_code(made: _Maker, d: Detail, provider: str) -> ProviderError | None:
    """MiniMax's ``base_resp.status_code`` (read by :func:`detail`), which decides what its HTTP
    status (200, whatever failed) cannot; ``None`` for any other answer."""
    if d.code_field != MINIMAX_FIELD:
        return None
    status, words = MINIMAX_CODES.get(d.code, (200, ""))
    said = f"MiniMax's {MINIMAX_FIELD} {d.code}"
    if not words:
        return made(
            UnexpectedAnswer,
            f"{said}, a code no row of envcheck's verdict table covers",
            f"read its status_msg with MiniMax's error-code page ({MINIMAX_ERRORS})",
        )
    said += f" ({words})"
    if status == 402:
        return made(
            QuotaExhausted,
            f"{said}: the key was accepted, and no call is served until the balance of its "
            "account is topped up (no retry helps)",
            "top up the balance of the MiniMax account the key belongs to (its console: "
            "Billing, Balance; a Token Plan's subscription key draws on the plan's credits "
            "instead)",
        )
    if status == 429:
        wait = (
            "wait until the Token Plan's usage window resets (the answer may say when), or move "
            "to a larger plan"
            if d.code == "2056"
            else f"send fewer requests at once to {provider} (lower `rpm` in "
            "[tool.envcheck.providers]), or wait"
        )
        return made(RateLimited, f"{said}: the key was accepted", wait)
    if status == 401:
        return made(
            AuthenticationFailed,
            f"{said}: MiniMax refused the key for this call",
            "a key that MiniMax issued for this host: one of platform.minimax.io for "
            "api.minimax.io, one of platform.minimaxi.com for api.minimaxi.com (a key and its "
            "host are of the same region)",
        )
    cls: type[ProviderError] = ProviderTimeout if status == 504 else ServerError
    return made(
        cls,
        f"{said}: a failure on MiniMax's side, not the key, base_url or the account",
        "retry later, as MiniMax's error-code page says for it",
    )


#: Cloudflare's API (Workers AI's OpenAI-compatible endpoint, api.cloudflare.com/client/v4/
#: accounts/<id>/ai/v1) answers in its own envelope, ``errors[].code``: 10000 "Authentication
#: error" (a token it does not accept, at 401 or 403: developers.cloudflare.com/fundamentals/api/
#: troubleshooting/), "Account limited" (429: the account's daily free allocation of Neurons is
#: spent; 3036 in Workers AI's errors table, developers.cloudflare.com/workers-ai/platform/errors/,
#: and 4006 in the answers users quote, diegosouzapw/OmniRoute#6980; limits reset at 00:00 UTC,
#: developers.cloudflare.com/workers-ai/platform/pricing/). Read only from that envelope.
CLOUDFLARE_TOKEN_INVALID = "10000"
CLOUDFLARE_DAILY_NEURONS = {"3036", "4006"}
CLOUDFLARE_TOKENS = "https://dash.cloudflare.com/profile/api-tokens"
#: more of Workers AI's errors table (developers.cloudflare.com/workers-ai/platform/errors/):
#: 5016 "Model agreement" (403: the account has not agreed to the model's license terms), 3040
#: "Out of capacity" (429: no more data centers to forward the request to), 3023 "Account blocked"
#: (403: service unavailable for the account); and Cloudflare's API router's 7003 ("Could not route
#: to ..., perhaps your object identifier is invalid?": an identifier in the URL, here the account
#: id of base_url, names nothing it knows; anomalyco/opencode#23773)
CLOUDFLARE_MODEL_AGREEMENT = "5016"
CLOUDFLARE_OUT_OF_CAPACITY = "3040"
CLOUDFLARE_ACCOUNT_BLOCKED = "3023"
CLOUDFLARE_NO_ROUTE = "7003"
CLOUDFLARE_STATUS = "https://www.cloudflarestatus.com"
_ACCOUNT_SEGMENT = re.compile(r"/accounts/([^/]+)")


def _cloudflare_code(
    made: _Maker, d: Detail, status: int, request: tuple[str, str] | None = None
) -> ProviderError | None:
    """A code of Cloudflare's error envelope that decides what its HTTP status does not (a 403
    that is the token, a 429 that is a daily allowance); ``None`` for any other answer."""
    if d.code_field != "errors[].code":
        return None
    if d.code == CLOUDFLARE_NO_ROUTE:
        segment = _ACCOUNT_SEGMENT.search(request[1]) if request else None
        account = (
            f"the account segment of the URL, {segment[1]!r}, names no account Cloudflare knows"
            " (an account id is the 32 hexadecimal characters of the dashboard's Account ID)"
            if segment
            else "an identifier in the URL names nothing Cloudflare knows"
        )
        return made(
            EndpointNotFound,
            "Cloudflare's API could not route the request (errors[].code=7003, 'perhaps your "
            f"object identifier is invalid?'): {account}; not the token, nor the model",
            "set base_url to https://api.cloudflare.com/client/v4/accounts/<account id>/ai/v1 "
            "with the account's id (Cloudflare dashboard: Account home, Account ID)",
        )
    if d.code == CLOUDFLARE_MODEL_AGREEMENT:
        return made(
            ModelUnavailable,
            "the account has not agreed to the model's license terms (errors[].code=5016, "
            "'Model agreement' in Workers AI's errors): Workers AI runs this model for an account "
            "only once it has accepted them; the token and the model's name are right",
            None,
        )
    if d.code == CLOUDFLARE_OUT_OF_CAPACITY:
        return made(
            Overloaded,
            "Cloudflare has no capacity left for the call (errors[].code=3040, 'Out of capacity' "
            "in Workers AI's errors: no more data centers to forward it to): a limit of the "
            "service at this moment, not of the account's rate or its allowance",
            f"retry later; if it lasts, Cloudflare's status ({CLOUDFLARE_STATUS})",
        )
    if d.code == CLOUDFLARE_ACCOUNT_BLOCKED:
        return made(
            AccountRestricted,
            "Cloudflare has blocked the account from Workers AI (errors[].code=3023, 'Account "
            "blocked' in Workers AI's errors): every request of the account is refused; no "
            "token, model or retry helps",
            "reach out to Cloudflare's support about the account (dash.cloudflare.com: Support)",
        )
    if d.code == CLOUDFLARE_TOKEN_INVALID:
        return made(
            AuthenticationFailed,
            f"Cloudflare's API did not accept the token (errors[].code=10000, 'Authentication "
            f"error' in Cloudflare's API errors; HTTP {status}): the token is wrong or expired, "
            "or it lacks this API's permission for the account; not the network the request came "
            "from, nor the model",
            None,
        )
    if d.code in CLOUDFLARE_DAILY_NEURONS:
        return made(
            QuotaExhausted,
            "the account's daily free allocation of Workers AI Neurons is used up (errors[]."
            f"code={d.code}, 'Account limited' in Cloudflare's Workers AI errors): the token was "
            "accepted; the allocation returns at 00:00 UTC, and no retry before then helps",
            "wait for the daily reset at 00:00 UTC, or move the account to the Workers Paid plan "
            "(dash.cloudflare.com: Workers & Pages, Plans), which bills the Neurons beyond the "
            "free allocation",
        )
    return None


#: a 401 that says which credential is wrong (the key itself), as opposed to one that refuses a
#: credential it recognised (a restricted key's scopes, an OAuth token where a key belongs)
KEY_INVALID = {"invalid_api_key", "API_KEY_INVALID", "authentication_error"}


#: LiteLLM's proxy's error types about a virtual key it cannot take (litellm/proxy/_types.py
#: ProxyErrorTypes; raised in proxy/auth/user_api_key_auth.py and auth_exception_handler.py)
LITELLM_EXPIRED_KEY = "expired_key"
LITELLM_NO_DATABASE = "no_db_connection"


def _litellm_key(made: _Maker, d: Detail, status: int) -> ProviderError | None:
    """A LiteLLM proxy's answer about the key by its ``error.type``: ``expired_key`` (a virtual
    key past its ``expires``: 401, 400 in earlier releases) and ``no_db_connection`` (400 "No
    connected db.": a proxy with a master key and no database, asked with another key; 503 when
    the database it has is unreachable)."""
    if d.type == LITELLM_EXPIRED_KEY:
        return made(
            AuthenticationFailed,
            "the proxy knows the key, and it has expired (error.type=expired_key: a LiteLLM "
            "virtual key past its expiry time): every request of it is refused, and no retry "
            "helps",
            "ask whoever administers the proxy for a new virtual key (POST /key/generate) or a "
            "later expiry of this one (POST /key/update with a duration)",
        )
    if d.type != LITELLM_NO_DATABASE:
        return None
    if status >= 500:
        return made(
            ServerError,
            "the proxy could not reach the database it checks virtual keys in (error.type="
            "no_db_connection): whether the key is valid is not known, and the proxy, not the "
            "key, failed",
            "retry later; if it keeps failing, whoever administers the proxy checks its "
            "database (DATABASE_URL) and its connection to it",
        )
    return made(
        NoKeyDatabase,
        "the proxy has no database (error.type=no_db_connection: a LiteLLM proxy started with a "
        "master key and no DATABASE_URL), so it takes only its master key and can check no "
        "virtual key: whether this key is valid is not known",
        "whoever administers the proxy gives it its database (DATABASE_URL, the PostgreSQL it "
        "keeps virtual keys in) and restarts it; or use the proxy's master key "
        "(LITELLM_MASTER_KEY) as this instance's key",
    )


#: google.rpc.ErrorInfo's reason for a model the service has no capacity for now (Google's answer
#: at 429 RESOURCE_EXHAUSTED or 503 UNAVAILABLE, "No capacity available for model on the server":
#: google-gemini/gemini-cli#26633, #23520)
MODEL_CAPACITY = "MODEL_CAPACITY_EXHAUSTED"

#: Google Cloud's organization restrictions (cloud.google.com/resource-manager/docs/
#: organization-restrictions): a network's egress proxy adds this header to requests to Google
ORG_RESTRICTION_HEADER = "X-Goog-Allowed-Resources"
_ORG_RESTRICTIONS = "https://cloud.google.com/resource-manager/docs/organization-restrictions"


def _google_reason(made: _Maker, d: Detail) -> ProviderError | None:
    """google.api.ErrorReason values (google/api/error_reason.proto) about what is outside the
    key, read before any status rule: the network's organization restrictions
    (``ORG_RESTRICTION_VIOLATION``, ``ORG_RESTRICTION_HEADER_INVALID``), a credential added to the
    key's (``OVERLOADED_CREDENTIALS``), the project's suspension (``GCP_SUSPENDED``)."""
    reasons = set(d.reasons)
    header = ORG_RESTRICTION_HEADER
    if "ORG_RESTRICTION_VIOLATION" in reasons:
        return made(
            PermissionDenied,
            "the network this request went through restricts Google Cloud to certain "
            f"organizations (organization restrictions: its proxy adds the {header} header, "
            "which envcheck does not send), and the key's project is not in one of them "
            "(reason=ORG_RESTRICTION_VIOLATION): the key is not what is refused",
            "ask the network's administrator to allow the organization of the key's project in "
            f"the {header} value its proxy adds ({_ORG_RESTRICTIONS}), or use a key of a project "
            "in an allowed organization",
        )
    if "ORG_RESTRICTION_HEADER_INVALID" in reasons:
        return made(
            PermissionDenied,
            f"the {header} header (Google Cloud's organization restrictions), which envcheck "
            "does not send, reached Google malformed (reason=ORG_RESTRICTION_HEADER_INVALID): a "
            "proxy of the network adds it; the key and base_url are not what is refused",
            f"ask the network's administrator to fix the {header} value its proxy adds (a "
            f"base64url-encoded JSON of resources and options: {_ORG_RESTRICTIONS})",
        )
    if "OVERLOADED_CREDENTIALS" in reasons:
        return made(
            AuthenticationFailed,
            "the request reached Google with the API key and another credential together (an "
            "Authorization header; reason=OVERLOADED_CREDENTIALS): envcheck sent the key alone, "
            "so something on the way (a proxy or gateway) added one; the key itself is not what "
            "is refused",
            "find what adds an Authorization header to requests to Google (a proxy or gateway "
            "in between: compare with the host in NO_PROXY) and have the requests carry the key "
            "alone",
        )
    if "GCP_SUSPENDED" in reasons:
        return made(
            AccountRestricted,
            "Google suspended the Google Cloud project of the key (reason=GCP_SUSPENDED): no "
            "request of the project is served, with this key or another of the project",
            "the project's owner appeals the suspension (Google Cloud console, "
            "https://console.cloud.google.com/, the suspended project's notice), or uses a key "
            "of another project",
        )
    return None


def _says_no_key(message: str) -> bool:
    """No field says that no key arrived: only these phrases of the services that answer so
    (OpenAI "You didn't provide an API key", OpenRouter "No auth credentials found")."""
    lowered = message.lower()
    said = ("didn't provide an api key", "no auth credentials", "auth credentials found")
    return any(s in lowered for s in said)


#: google.api.ErrorReason values for a key's application restrictions (what each restricts), as
#: Google's reference of ErrorReason describes them (cloud.google.com/java/docs/reference/
#: proto-google-common-protos/latest/com.google.api.ErrorReason)
_APPLICATION_RESTRICTIONS = {
    "API_KEY_HTTP_REFERRER_BLOCKED": "websites (HTTP referrers)",
    "API_KEY_IP_ADDRESS_BLOCKED": "IP addresses",
    "API_KEY_ANDROID_APP_BLOCKED": "Android apps",
    "API_KEY_IOS_APP_BLOCKED": "iOS apps",
}


def _forbidden(made: _Maker, d: Detail, api: str, where: str) -> ProviderError:
    """A 403: the key was recognised, and what it asked for is not allowed; ``ErrorInfo.reason``
    and OpenAI's ``error.code`` say why."""
    if "SERVICE_DISABLED" in d.reasons:
        url = d.activation_url or "the Google Cloud console (APIs & Services)"
        return made(
            PermissionDenied,
            "the API is disabled in the key's Google Cloud project (reason=SERVICE_DISABLED)",
            f"enable it: {url}  (then wait a few minutes)",
        )
    if "CONSUMER_SUSPENDED" in d.reasons:
        return made(
            PermissionDenied,
            "Google suspended this key (reason=CONSUMER_SUSPENDED): no request with it is "
            "served",
            f"create a new key{where} and use it instead of this one",
        )
    if "CONSUMER_INVALID" in d.reasons and d.service and d.service != GEMINI_SERVICE:
        return made(
            OtherApi,
            f"the API that answered is {d.service} (ErrorInfo.metadata.service), not the Gemini "
            "API, and it refuses the project the request carried (reason=CONSUMER_INVALID): "
            "base_url points at it, not at the API the key is for",
            "point base_url at the API the key is for",
        )
    if "CONSUMER_INVALID" in d.reasons:
        return made(
            PermissionDenied,
            "the key's Google Cloud project does not exist any more, or is not one the caller "
            "may use (reason=CONSUMER_INVALID): a key of a deleted project",
            f"create a new key{where} (in a project that exists) and use it instead",
        )
    if "API_KEY_SERVICE_BLOCKED" in d.reasons:
        return made(
            PermissionDenied,
            "the key's API restrictions do not include this API (reason=API_KEY_SERVICE_BLOCKED)",
            "allow the Generative Language API in the key's API restrictions (Google Cloud "
            "console, APIs & Services, Credentials), or create a key in AI Studio",
        )
    restricted = sorted(set(d.reasons) & set(_APPLICATION_RESTRICTIONS))
    if restricted:
        what = _APPLICATION_RESTRICTIONS[restricted[0]]
        return made(
            PermissionDenied,
            f"the key has an application restriction ({what}, reason={restricted[0]}) that "
            "this request does not meet: a server-side call sends no browser referrer and no "
            "app identity",
            "change the key's application restriction (Google Cloud console, APIs & Services, "
            "Credentials: https://console.cloud.google.com/apis/credentials) to None or to IP "
            "addresses that include this machine's, or use a key without one for server-side "
            "calls",
        )
    if d.type in REGION_TYPES:
        return made(
            RegionNotSupported,
            f"the service does not serve this request where it comes from (error.type={d.type}): "
            "this machine's country or region, or its proxy's or VPN's exit",
            None,
        )
    if d.code == "unsupported_country_region_territory":
        return made(
            RegionNotSupported,
            "the provider refuses requests from this machine's country or region (or its "
            "proxy's or VPN's exit)",
            f"run from a supported country or region ({OPENAI_COUNTRIES})",
        )
    if api == "gemini" and not d.reasons:
        return made(
            PermissionDenied,
            None,
            "do what the answer says; if AI Studio (https://aistudio.google.com/apikey) shows the "
            "key as leaked or blocked, create a new key there; about the project itself, ask "
            "Google's support",
        )
    if d.code == "AuthenticationTypeDisabled":
        # Azure AI services: the resource's local (key) authentication is off (disableLocalAuth)
        return made(
            PermissionDenied,
            "the resource has key authentication disabled (error.code=AuthenticationTypeDisabled,"
            " its disableLocalAuth property): it accepts Microsoft Entra ID tokens only, so no "
            "api-key is looked at, a right one neither",
            "turn key authentication back on for the resource (its disableLocalAuth property to "
            "false: az resource update --ids <the resource's id> --set "
            "properties.disableLocalAuth=false), or check it with a resource that allows keys; "
            "envcheck's check sends an api-key, not an Entra ID token",
        )
    if d.type == "permission_error":  # Anthropic: the key's own permissions
        return made(
            PermissionDenied,
            None,
            f"check the key's permissions and the account{where}, and do what the answer says",
        )
    if (made.headers.get("policy-id") or "") == "ThrowExceptionDueToTrafficDenied":
        # Azure AI services' network rules (Networking: firewalls and virtual networks)
        return made(
            PermissionDenied,
            "the resource's network rules refuse requests from this machine's address (Azure's "
            "policy-id: ThrowExceptionDueToTrafficDenied): the key was not looked at",
            "allow this machine's public IP address in the resource's Networking settings "
            "(Azure portal: the resource, Networking, Firewalls and virtual networks), or call "
            "from a network the rules allow",
        )
    if d.reasons:  # a reason no row covers: shown (the fields), not explained
        return made(PermissionDenied, None, "do what the answer says")
    if d.code and not d.type:  # a service's own business code, no row covers: shown only
        return made(
            PermissionDenied,
            f"HTTP 403 with a code no row of envcheck's verdict table covers ({d.code_field}="
            f"{d.code}): the service refused this request, and only its words say why",
            "do what the answer says",
        )
    return made(
        PermissionDenied,
        "HTTP 403 without a structured reason: the service refused this request, and only its "
        "words say why (the key, the account, or the network the request came from)",
        "do what the answer says",
    )


def _too_many(made: _Maker, d: Detail, provider: str, billing: str) -> ProviderError:
    """A 429: a rate limit (retry after the wait) unless the structure says the quota is gone."""
    per_day = [q for q in d.quota_ids if "PerDay" in q]
    short = [q for q in d.quota_ids if "PerMinute" in q or "PerSecond" in q]
    zero = [f"{name}=0" for name, value in d.quota_limits if value == "0"]
    if zero:
        quota = f" ({', '.join(d.quota_ids)})" if d.quota_ids else ""
        return made(
            QuotaExhausted,
            f"the quota{quota} has a limit of 0 for this project ({zero[0]}): no such request "
            "is allowed at all, so neither waiting nor a lower rate helps; the project has no "
            "quota for this kind of request (for this model, or in this region)",
            f"enable billing on the key's project or ask for a higher quota ({billing}), or use "
            "a model (or region) the project has a quota for",
        )
    if per_day:
        # a daily quota among those exceeded: whatever per-minute ones are beside it, no minute's
        # wait clears it
        beside = " (the per-minute ones beside it clear sooner; this one does not)" if short else ""
        return made(
            QuotaExhausted,
            "a daily quota is used up (quotaId ...PerDay...): retrying before it resets fails"
            + beside,
            f"wait for the daily reset (midnight Pacific time) or raise the tier ({billing})",
        )
    wait = made.wait
    after = f" (the provider asks for {wait:g} s)" if wait else ""
    tokens = _tokens_ran_out(made, provider, billing, after)
    if tokens is not None:
        return tokens
    if d.type_field == "error_type" and d.type == "overloaded":
        # TGI's own queue (router/src/server.rs: InferError::Overloaded -> 429): no key, no
        # account; its concurrent requests are all taken
        return made(
            RateLimited,
            "the server's own queue is full (error_type=overloaded: TGI answers 429 when all "
            "of its --max-concurrent-requests are taken): a limit of the server, not of a key "
            "or an account; it clears as its requests finish" + after,
            "retry when the server is less busy, or start it with a larger "
            "--max-concurrent-requests (or send it fewer requests at once)",
        )
    why = "a per-minute or concurrency limit: it clears by itself" + after
    if not d.type and not d.code and not d.quota_ids:
        why = (
            "HTTP 429 without a structured reason (no field says whether a rate or the "
            "account's credit ran out: its words above say which), retried" + after
        )
    if d.type == "RESOURCE_EXHAUSTED" and not d.quota_ids:
        why = (
            "Gemini says RESOURCE_EXHAUSTED without naming the quota: either a per-minute limit "
            "(clears by itself) or the daily quota (clears at midnight Pacific time)" + after
        )
    fix = f"lower `rpm` for {provider} in [tool.envcheck.providers], or wait"
    fix += f" {wait:g} s" if wait else ""
    if not d.type and not d.code and not d.quota_ids:  # nothing says which limit: say both
        fix += f"; if it persists, look at the account's limits and credits ({billing})"
    return made(RateLimited, why, fix)


#: Azure OpenAI's API Management policy that refused a deployment's request, by what it limits
#: (the ``policy-id`` header of its 429: openai/openai-python#937)
AZURE_RATE_POLICIES = {
    "DeploymentRatelimit-Token": "tokens",
    "DeploymentRatelimit-Call": "requests",
}


def _tokens_ran_out(made: _Maker, provider: str, billing: str, after: str) -> ProviderError | None:
    """A 429 whose headers say a token limit ran out while the request rate has room (Anthropic's
    ``anthropic-ratelimit-*-remaining``, OpenAI's ``x-ratelimit-remaining-*``), or that Azure's
    policy for a deployment's tokens refused it (``policy-id``): the tokens of everyone using the
    account (or deployment) ran it out, not the rate of envcheck's requests, which ``rpm``
    bounds."""
    left = limits_left(made.headers)
    spent = [(what, name) for what, name, value in left if value == 0 and "tokens" in what]
    room = [f"{name}={value}" for what, name, value in left if what == "requests" and value > 0]
    policy = {k.lower(): v for k, v in made.headers.items()}.get("policy-id", "").strip()
    if spent and room:
        what, name = spent[0]
        said = (
            f"the account's {what} per minute are used up ({name}=0), while its requests have "
            f"room ({', '.join(room)}): the tokens sent or asked for by everyone using the "
            f"account (its other keys and users count too) ran the limit out, not the rate of "
            f"these requests{after}"
        )
    elif AZURE_RATE_POLICIES.get(policy) == "tokens":
        said = (
            f"the deployment's tokens-per-minute limit refused the request (policy-id: {policy}, "
            "Azure OpenAI's rate limit of the deployment): the tokens of everyone using the "
            f"deployment ran it out, not the rate of these requests{after}"
        )
    else:
        return None
    wait = f"wait {made.wait:g} s for it to refill" if made.wait else "wait for it to refill"
    where = f" ({billing})" if billing else ""
    if policy in AZURE_RATE_POLICIES:
        where = " (the deployment's Tokens per Minute Rate Limit, in the Azure AI Foundry portal)"
    return made(
        RateLimited,
        said,
        f"{wait}; if other use keeps it spent, raise the limit{where}",
    )


def _echoes(message: str, request: tuple[str, str] | None) -> bool:
    """Whether the answer quotes the request line it got (OpenAI's ``Invalid URL (POST
    /chat/completions)``): then the URL itself is what it did not route."""
    if request is None:
        return False
    method, path = request
    return f"{method} {path}" in message


def doubled_segment(path: str) -> str | None:
    """``/v1`` when the path asked holds a version segment twice in a row (``/v1/v1/models``):
    base_url already ends in the version its client adds to every path."""
    parts = [part for part in path.split("/") if part]
    for first, second in zip(parts, parts[1:]):
        if first == second and re.fullmatch(r"v\d+(?:(?:alpha|beta)\d*)?", first):
            return f"/{first}"
    return None


def _not_found(
    made: _Maker, d: Detail, listing: bool, request: tuple[str, str] | None
) -> ProviderError:
    if not listing and d.only_detail and d.message == HTTPStatus.NOT_FOUND.phrase:
        method, path = request or ("", "")
        return made(
            NoRoute,
            f"{method} {path} answered 404 with the web framework's own answer for a path it has "
            'no route for ({"detail": "Not Found"}: Starlette\'s and FastAPI\'s, the status\'s '
            "phrase and no other field): no route, and nothing said about a model",
            "check base_url",
        )
    if listing or d.code == "unknown_url" or not d.json or _echoes(d.message, request):
        what = "the model listing" if listing else "this URL"
        method, path = request or ("", "")
        twice = doubled_segment(path)
        if twice is not None:
            return made(
                EndpointNotFound,
                f"{what} answered 404 to {method} {path}, which holds {twice} twice: base_url "
                f"already ends in {twice}, and the client adds its own",
                f"remove the trailing {twice} from base_url",
            )
        return made(
            EndpointNotFound,
            f"{what} answered 404"
            + ("" if d.json else " in plain text (not a provider's JSON error)")
            + ": base_url is wrong (a missing /v1?) or points at something that is not this API",
            "check base_url",
        )
    if d.code == MODEL_NOT_OPEN:
        return made(
            ModelUnavailable,
            "the account has not activated the model (error.code=ModelNotOpen, Volcengine Ark's "
            "and BytePlus ModelArk's code for a model not opened for the account): the key and "
            "the model's name are right, and no retry helps until it is activated",
            "activate the model for the account in the Ark Console (Model Activation), or set a "
            "model the account has activated",
        )
    if d.code == "DeploymentNotFound":
        return made(
            DeploymentNotFound,
            "the resource has no deployment by this name (error.code=DeploymentNotFound); on "
            "Azure, `model` is the deployment's name, not the model's",
            "create the deployment, or set model to the name of an existing one",
        )
    return made(ModelNotFound, None, "use a model this key can list")
