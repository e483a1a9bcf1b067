"""Every provider's error answers, mapped to one set of typed errors with actionable hints.

The verdict comes from structure, in this order: the HTTP status; the provider's structured error
fields (OpenAI ``error.type`` / ``error.code``, Anthropic ``error.type``, Gemini ``error.status``
and ``error.details[]`` by ``@type``); the headers; which request it was (listing models or a
generation); and only then, where nothing else tells, the message. See docs/providers.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from envcheck.core import redact
from envcheck.llm._headers import duration, retry_after

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
GEMINI_REGIONS = "https://ai.google.dev/gemini-api/docs/available-regions"
_RPC = "type.googleapis.com/google.rpc."


class ProviderError(Exception):
    """A provider call failed. ``retryable`` errors may be retried after ``retry_after``.

    ``why`` says what the answer's structure shows (``error.code = insufficient_quota``),
    ``hint`` what to do about it."""

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
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.message = message
        self.status = status
        self.hint = hint
        self.retry_after = retry_after
        self.why = why

    def __str__(self) -> str:
        code = f"HTTP {self.status}: " if self.status else ""
        return f"{self.provider} {self.kind}: {code}{self.message}"


class AuthenticationFailed(ProviderError):
    kind = "authentication failed"


class KeyNotReceived(AuthenticationFailed):
    """The server says no key came with the request, although one was sent."""

    kind = "key not received"


class PermissionDenied(ProviderError):
    kind = "permission denied"


class RegionNotSupported(PermissionDenied):
    kind = "region not supported"


class ModelNotFound(ProviderError):
    kind = "model not found"


class EndpointNotFound(ProviderError):
    """A 404 for the URL itself: a wrong ``base_url`` or something that is not this API."""

    kind = "wrong base_url"


class BadRequest(ProviderError):
    kind = "bad request"


class RateLimited(ProviderError):
    kind = "rate limited"
    retryable = True


class QuotaExhausted(ProviderError):
    kind = "quota exhausted"


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


class MalformedResponse(ProviderError):
    kind = "malformed response"


@dataclass
class Detail:
    """What an error body says, field by field (empty strings where it says nothing)."""

    message: str = ""
    type: str = ""  # OpenAI error.type, Anthropic error.type, Gemini error.status
    code: str = ""  # OpenAI error.code (a string; numeric codes are dropped)
    reasons: list[str] = field(default_factory=list)  # Gemini ErrorInfo.reason
    quota_ids: list[str] = field(default_factory=list)  # Gemini QuotaFailure.violations
    retry_delay: float | None = None  # Gemini RetryInfo.retryDelay
    activation_url: str | None = None  # Gemini ErrorInfo.metadata.activationUrl
    json: bool = False  # the body was JSON (a proxy's text page is not)

    def fields(self) -> str:
        """The structured fields that decided, e.g. ``error.type=rate_limit_error``."""
        shown = [f"error.type={self.type}" if self.type else ""]
        shown.append(f"error.code={self.code}" if self.code else "")
        shown += [f"reason={r}" for r in self.reasons] + [f"quotaId={q}" for q in self.quota_ids]
        return ", ".join(s for s in shown if s)


def detail(body: Any) -> Detail:
    """Read any provider's error body: OpenAI, Anthropic, Gemini, Ollama, OpenAI-compatible
    services (a top-level ``message``, or ``error`` as a string), or plain text."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return Detail(message=redact.clean(body.strip(), 300))
    found = Detail(json=True)
    if isinstance(body, list) and body and isinstance(body[0], Mapping):
        body = body[0]  # Gemini streaming errors come as a one-element array
    if not isinstance(body, Mapping):
        return found
    error = body.get("error", body)
    if isinstance(error, str):  # Ollama and some services: {"error": "model 'x' not found"}
        found.message = error
        return found
    if not isinstance(error, Mapping):
        return found
    found.message = str(error.get("message") or body.get("message") or "")
    found.type = str(error.get("type") or error.get("status") or "")
    code = error.get("code")
    found.code = code if isinstance(code, str) else ""
    for item in error.get("details") or []:
        if isinstance(item, Mapping):
            _gemini_detail(item, found)
    return found


def _gemini_detail(item: Mapping[str, Any], found: Detail) -> None:
    kind = str(item.get("@type", ""))
    if kind == _RPC + "RetryInfo":
        found.retry_delay = duration(str(item.get("retryDelay", "")))
    elif kind == _RPC + "QuotaFailure":
        for violation in item.get("violations") or []:
            if isinstance(violation, Mapping) and violation.get("quotaId"):
                found.quota_ids.append(str(violation["quotaId"]))
    elif item.get("reason"):  # ErrorInfo (older answers lack the @type)
        found.reasons.append(str(item["reason"]))
        metadata = item.get("metadata")
        if isinstance(metadata, Mapping) and metadata.get("activationUrl"):
            found.activation_url = str(metadata["activationUrl"])


def classify(
    provider: str,
    status: int,
    headers: Mapping[str, str],
    body: Any,
    *,
    kind: str | None = None,
    listing: bool = False,
    key_sent: bool = False,
) -> ProviderError:
    """Turn an HTTP error answer into a typed :class:`ProviderError` (returned, not raised).

    ``provider`` names the service in messages; ``kind`` is the API it speaks (``openai``,
    ``anthropic``, ``gemini``; default: ``provider``): the vendor's own console pages are
    given only when they are the same. ``listing``: the request was the model listing, so a
    404 means the URL, not a model. ``key_sent``: the request carried a key."""
    api = kind or provider
    d = detail(body)
    message = d.message or f"HTTP {status}"
    wait = retry_after(headers)
    if wait is None:
        wait = d.retry_delay
    vendor = provider == api
    keys = KEY_PAGES.get(api, "") if vendor else ""
    billing = BILLING_PAGES.get(api, "") if vendor else ""
    where = f" ({keys})" if keys else f" (in {provider}'s console)"
    made = _Maker(provider, message, status, d, wait)

    if status == 401 or "API_KEY_INVALID" in d.reasons or d.type == "authentication_error":
        if key_sent and status == 401 and not d.code and _says_no_key(message):
            return made(
                KeyNotReceived,
                "the request carried the key, but the server says it got none: a proxy or "
                "gateway in between drops the Authorization header, or base_url redirects",
                "send a request by hand and compare: curl -sS -H 'Authorization: Bearer $KEY' "
                "<base_url>/models; set NO_PROXY for this host or fix the proxy",
            )
        return made(AuthenticationFailed, None, f"check or rotate the API key{where}")
    if status == 402 or d.code == "insufficient_quota" or d.type == "insufficient_quota":
        fix = f"add credits or raise the spending limit{f' ({billing})' if billing else where}"
        return made(QuotaExhausted, "the account is out of credit (no retry helps)", fix)
    if status == 429:
        return _too_many(made, d, provider, billing or where.strip(" ()"))
    if status == 403:
        if "SERVICE_DISABLED" in d.reasons:
            url = d.activation_url or "the Google Cloud console (APIs & Services)"
            return made(
                PermissionDenied,
                "the API is disabled in the key's Google Cloud project (reason=SERVICE_DISABLED)",
                f"enable it: {url}  (then wait a few minutes)",
            )
        if d.code == "unsupported_country_region_territory":
            return made(RegionNotSupported, "the provider refuses this country or region", None)
        return made(
            PermissionDenied,
            None,
            "the key's project or organization has no access to this API or model; check "
            f"its permissions{where}",
        )
    if status == 404:
        return _not_found(made, d, listing)
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
    if status == 529 or d.type == "overloaded_error":
        return made(Overloaded, None, "the provider is overloaded; retry later")
    if status in (408, 504):
        return made(ProviderTimeout, "the provider (or a gateway) gave up waiting", None)
    if status >= 500:
        return made(
            ServerError, None, "a provider-side failure; check its status page and retry later"
        )
    return made(
        BadRequest, None, "the request was refused as invalid: check the model name and base_url"
    )


@dataclass
class _Maker:
    provider: str
    message: str
    status: int
    detail: Detail
    wait: float | None

    def __call__(
        self, cls: type[ProviderError], why: str | None, hint: str | None
    ) -> ProviderError:
        fields = self.detail.fields()
        because = why or (f"the answer says {fields}" if fields else None)
        if why and fields and fields not in why:
            because = f"{why} ({fields})"
        return cls(
            self.provider,
            self.message,
            status=self.status,
            hint=hint,
            retry_after=self.wait if cls.retryable else None,
            why=because,
        )


def _says_no_key(message: str) -> bool:
    lowered = message.lower()
    said = ("didn't provide an api key", "no auth", "auth credentials found", "missing", "no api")
    return any(s in lowered for s in said)


def _too_many(made: _Maker, d: Detail, provider: str, billing: str) -> ProviderError:
    """A 429: a rate limit (retry after the wait) unless the structure says the quota is gone."""
    per_day = [q for q in d.quota_ids if "PerDay" in q]
    short = [q for q in d.quota_ids if "PerMinute" in q or "PerSecond" in q]
    if per_day and not short:
        return made(
            QuotaExhausted,
            "a daily quota is used up (quotaId ...PerDay...): retrying before it resets fails",
            f"wait for the daily reset (midnight Pacific time) or raise the tier ({billing})",
        )
    wait = made.wait
    after = f" (the provider asks for {wait:g} s)" if wait else ""
    why = "a per-minute or concurrency limit: it clears by itself" + after
    if not d.type and not d.code and not d.quota_ids:
        why = "HTTP 429 without a structured reason: a rate limit, retried" + after
    if d.type == "RESOURCE_EXHAUSTED" and not d.quota_ids:
        why = (
            "Gemini says RESOURCE_EXHAUSTED without naming the quota: either a per-minute limit "
            "(clears by itself) or the daily quota (clears at midnight Pacific time)" + after
        )
    return made(
        RateLimited,
        why,
        f"lower `rpm` for {provider} in [tool.envcheck.providers], or wait"
        + (f" {wait:g} s" if wait else ""),
    )


def _not_found(made: _Maker, d: Detail, listing: bool) -> ProviderError:
    if listing or d.code == "unknown_url" or not d.json:
        what = "the model listing" if listing else "this URL"
        return made(
            EndpointNotFound,
            f"{what} answered 404"
            + ("" if d.json else " in plain text (not a provider's JSON error)")
            + ": base_url is wrong (a missing /v1?) or points at something that is not this API",
            "check base_url",
        )
    return made(ModelNotFound, None, "use a model this key can list")
