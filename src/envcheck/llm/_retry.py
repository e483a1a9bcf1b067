"""Exponential backoff with jitter that honours what the provider says about waiting."""

from __future__ import annotations

import email.utils
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TypeVar

from envcheck.llm._errors import ProviderError

T = TypeVar("T")
_DURATION = re.compile(r"(?P<n>\d+(?:\.\d+)?)(?P<unit>ms|s|m|h)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _duration(text: str) -> float | None:
    """OpenAI's reset format: ``1s``, ``6m0s``, ``20ms``."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        return None
    return sum(float(n) * _UNIT[u] for n, u in parts)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the provider asks to wait: ``retry-after-ms``, ``retry-after`` (seconds or an
    HTTP date), OpenAI's ``x-ratelimit-reset-*`` or Anthropic's ``anthropic-ratelimit-*-reset``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if "retry-after-ms" in lowered:
        try:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        except ValueError:
            pass
    if "retry-after" in lowered:
        value = lowered["retry-after"].strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value) if value else None
            if when is not None:
                return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    waits = [
        d
        for k, v in lowered.items()
        if k.startswith("x-ratelimit-reset") and (d := _duration(v)) is not None
    ]
    for key, value in lowered.items():
        if key.startswith("anthropic-ratelimit-") and key.endswith("-reset"):
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            waits.append(max(0.0, (when - datetime.now(timezone.utc)).total_seconds()))
    return max(waits) if waits else None


@dataclass(frozen=True)
class RetryPolicy:
    """Retry 429, 5xx, 529 and timeouts; never 400/401/403/404.

    The n-th retry waits ``min(cap, base * 2**n)`` plus up to ``jitter`` of that at random, or
    what the provider asked for when it said (``Retry-After`` and friends), whichever is longer.
    """

    attempts: int = 4
    base: float = 0.5
    cap: float = 20.0
    jitter: float = 0.25

    def delay(self, retry: int, error: ProviderError) -> float:
        backoff = min(self.cap, self.base * (2.0**retry))
        backoff += random.uniform(0, self.jitter * backoff)
        asked = error.retry_after or 0.0
        return max(backoff, asked)


def call_with_retry(
    send: Callable[[], T],
    *,
    policy: RetryPolicy | None = None,
    deadline: float | None = None,
    on_retry: Callable[[ProviderError, float], None] | None = None,
) -> T:
    """Call ``send`` until it succeeds, fails for good, or the next wait would pass ``deadline``
    (a ``time.monotonic()`` value). The last error is raised with ``attempts`` set on it."""
    policy = policy or RetryPolicy()
    retry = 0
    while True:
        try:
            return send()
        except ProviderError as exc:
            exc.attempts = retry + 1  # type: ignore[attr-defined]
            if not exc.retryable or retry + 1 >= policy.attempts:
                raise
            wait = policy.delay(retry, exc)
            if deadline is not None and time.monotonic() + wait > deadline:
                raise
            if on_retry is not None:
                on_retry(exc, wait)
            time.sleep(wait)
            retry += 1
