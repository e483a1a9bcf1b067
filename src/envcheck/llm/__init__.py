"""Talking to LLM providers politely: typed errors, a shared rate limiter and a retry policy.

The same pieces envcheck's provider checks use, for a team's own code::

    from envcheck.llm import RateLimiter, RetryPolicy, call_with_retry, classify

    limiter = RateLimiter("openai", limit=60)          # 60 requests per 60 s, across processes
    def send():
        limiter.acquire()
        response = httpx.post(...)
        if response.status_code >= 400:
            raise classify("openai", response.status_code, response.headers, response.text)
        return response
    call_with_retry(send, policy=RetryPolicy(), deadline=time.monotonic() + 30)
"""

from envcheck.llm._errors import (
    BILLING_PAGES,
    CLOUDFLARE_MODEL_AGREEMENT,
    CLOUDFLARE_TOKEN_INVALID,
    CLOUDFLARE_TOKENS,
    GEMINI_SERVICE,
    KEY_INVALID,
    KEY_PAGES,
    LIMITS_PAGES,
    MODEL_NOT_OPEN,
    ORGANIZATION_CODES,
    REGION_TYPES,
    STATUS_PAGES,
    AccountRestricted,
    AuthenticationFailed,
    BadRequest,
    ConnectionClosed,
    ConnectionFailed,
    ContentFiltered,
    ContextTooLong,
    DeploymentNotFound,
    Detail,
    EndpointNotFound,
    Intermediary,
    KeyNotReceived,
    MalformedResponse,
    ModelNotFound,
    ModelUnavailable,
    NotSupported,
    OtherApi,
    Overloaded,
    OverRateLimit,
    PermissionDenied,
    ProviderError,
    ProvidersNotAllowed,
    ProviderTimeout,
    QuotaExhausted,
    RateLimited,
    Redirected,
    RegionalHost,
    RegionNotSupported,
    RequestTooLarge,
    ServerError,
    UnexpectedAnswer,
    WrongApi,
    classify,
    detail,
    doubled_segment,
)
from envcheck.llm._headers import retry_after
from envcheck.llm._limiter import RateLimiter
from envcheck.llm._retry import RetryPolicy, call_with_retry

__all__ = [
    "BILLING_PAGES",
    "CLOUDFLARE_MODEL_AGREEMENT",
    "CLOUDFLARE_TOKEN_INVALID",
    "CLOUDFLARE_TOKENS",
    "GEMINI_SERVICE",
    "KEY_INVALID",
    "MODEL_NOT_OPEN",
    "ORGANIZATION_CODES",
    "REGION_TYPES",
    "KEY_PAGES",
    "LIMITS_PAGES",
    "STATUS_PAGES",
    "AccountRestricted",
    "AuthenticationFailed",
    "BadRequest",
    "ConnectionClosed",
    "ConnectionFailed",
    "ContentFiltered",
    "ContextTooLong",
    "DeploymentNotFound",
    "Detail",
    "EndpointNotFound",
    "doubled_segment",
    "Intermediary",
    "KeyNotReceived",
    "MalformedResponse",
    "ModelNotFound",
    "ModelUnavailable",
    "ProvidersNotAllowed",
    "NotSupported",
    "OtherApi",
    "OverRateLimit",
    "Overloaded",
    "PermissionDenied",
    "ProviderError",
    "ProviderTimeout",
    "QuotaExhausted",
    "RateLimited",
    "Redirected",
    "RateLimiter",
    "RegionalHost",
    "RegionNotSupported",
    "RequestTooLarge",
    "RetryPolicy",
    "ServerError",
    "UnexpectedAnswer",
    "WrongApi",
    "call_with_retry",
    "classify",
    "detail",
    "retry_after",
]
