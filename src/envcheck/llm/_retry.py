"""Exponential backoff with jitter that honours what the provider says about waiting."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from envcheck.llm._errors import ProviderError
from envcheck.llm._headers import retry_after

__all__ = ["RetryPolicy", "call_with_retry", "retry_after"]

T = TypeVar("T")


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
            exc.attempts = retry + 1
            if not exc.retryable or retry + 1 >= policy.attempts:
                raise
            wait = policy.delay(retry, exc)
            if deadline is not None and time.monotonic() + wait > deadline:
                raise
            if on_retry is not None:
                on_retry(exc, wait)
            time.sleep(wait)
            retry += 1
