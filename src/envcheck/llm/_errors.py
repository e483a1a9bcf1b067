"""Every provider's error responses, mapped to one set of typed errors with actionable hints."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from envcheck import redact

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


class ProviderError(Exception):
    """A provider call failed. ``retryable`` errors may be retried after ``retry_after``."""

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
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.message = message
        self.status = status
        self.hint = hint
        self.retry_after = retry_after

    def __str__(self) -> str:
        code = f"HTTP {self.status}: " if self.status else ""
        return f"{self.provider} {self.kind}: {code}{self.message}"


class AuthenticationFailed(ProviderError):
    kind = "authentication failed"


class PermissionDenied(ProviderError):
    kind = "permission denied"


class ModelNotFound(ProviderError):
    kind = "model not found"


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


def _detail(body: Any) -> tuple[str, str, str]:
    """(message, type or status, code) from any provider's error body."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return redact.clean(body.strip(), 200), "", ""
    if not isinstance(body, Mapping):
        return "", "", ""
    error = body.get("error", body)
    if isinstance(error, str):  # Ollama: {"error": "model 'x' not found"}
        return error, "", ""
    if not isinstance(error, Mapping):
        return "", "", ""
    message = str(error.get("message") or "")
    kind = str(error.get("type") or error.get("status") or "")
    code = str(error.get("code") or "")
    details = error.get("details")
    if isinstance(details, list):  # Gemini: details[].reason == "API_KEY_INVALID"
        for item in details:
            if isinstance(item, Mapping) and item.get("reason"):
                code = str(item["reason"])
    return message, kind, code


def classify(provider: str, status: int, headers: Mapping[str, str], body: Any) -> ProviderError:
    """Turn an HTTP error answer of ``provider`` into a typed :class:`ProviderError`."""
    from envcheck.llm._retry import retry_after

    message, kind, code = _detail(body)
    message = message or f"HTTP {status}"
    wait = retry_after(headers)
    keys = KEY_PAGES.get(provider, "the provider's console")
    lowered = f"{kind} {code} {message}".lower()
    if status == 401 or code == "API_KEY_INVALID" or "api key not valid" in lowered:
        return AuthenticationFailed(
            provider, message, status=status, hint=f"check or rotate the API key ({keys})"
        )
    if status == 402 or "insufficient_quota" in lowered or "billing" in lowered:
        return QuotaExhausted(
            provider,
            message,
            status=status,
            hint=f"add credits or raise the spending limit ({BILLING_PAGES.get(provider, keys)})",
        )
    if status == 429 and "quota" in lowered and "rate" not in lowered:
        return QuotaExhausted(
            provider,
            message,
            status=status,
            hint=f"the project's quota is used up; check usage ({BILLING_PAGES.get(provider)})",
            retry_after=wait,
        )
    if status == 429:
        return RateLimited(
            provider,
            message,
            status=status,
            retry_after=wait,
            hint="lower `rpm` for this provider in [tool.envcheck.providers], or wait"
            + (f" {wait:g} s" if wait else ""),
        )
    if status == 403:
        return PermissionDenied(
            provider,
            message,
            status=status,
            hint="the key's project or organization has no access to this API or model "
            f"(or the region is not supported); check its permissions ({keys})",
        )
    if status == 404 and ("model" in lowered or "not_found" in lowered or "not found" in lowered):
        return ModelNotFound(provider, message, status=status, hint="use a model this key can list")
    if status == 529 or "overloaded" in lowered:
        return Overloaded(
            provider,
            message,
            status=status,
            retry_after=wait,
            hint="the provider is overloaded; retry later (retried with backoff already)",
        )
    if status in (408, 504):
        return ProviderTimeout(provider, message, status=status, retry_after=wait)
    if status >= 500:
        return ServerError(
            provider,
            message,
            status=status,
            retry_after=wait,
            hint="a provider-side failure; check its status page and retry later",
        )
    return BadRequest(
        provider,
        message,
        status=status,
        hint="the request was refused as invalid: check the model name and base_url",
    )
