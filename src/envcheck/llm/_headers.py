"""What providers say about waiting, in their headers and bodies."""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping
from datetime import datetime, timezone

_DURATION = re.compile(r"(?P<n>\d+(?:\.\d+)?)(?P<unit>ms|s|m|h)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration(text: str) -> float | None:
    """OpenAI's reset format and Gemini's ``retryDelay``: ``1s``, ``6m0s``, ``20ms``, ``26.4s``."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        return None
    return sum(float(n) * _UNIT[u] for n, u in parts)


def _reset(value: str) -> float | None:
    """An ``x-ratelimit-reset*`` value: a duration (OpenAI), or a number: epoch milliseconds
    (OpenRouter), epoch seconds, or seconds from now."""
    found = duration(value)
    if found is not None:
        return found
    try:
        number = float(value)
    except ValueError:
        return None
    if number > 1e12:
        return max(0.0, number / 1000 - time.time())
    if number > 1e9:
        return max(0.0, number - time.time())
    return max(0.0, number)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the provider asks to wait: ``retry-after-ms``, ``retry-after`` (seconds or an
    HTTP date), ``x-ratelimit-reset-*`` (or ``x-rate-limit-reset-*``) or Anthropic's
    ``anthropic-ratelimit-*-reset``."""
    # Azure OpenAI's API Management front also spells them x-rate-limit-reset-* (openai-python#937)
    lowered = {k.lower().replace("x-rate-limit-", "x-ratelimit-"): v for k, v in headers.items()}
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
            pass
        try:  # an HTTP date; one in RFC 5322's "-0000" (no zone said) is read as UTC
            when = email.utils.parsedate_to_datetime(value) if value else None
        except (TypeError, ValueError, IndexError):
            when = None  # neither seconds nor a date: the other headers still say how long
        if when is not None:
            when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
            return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    waits = [
        d
        for k, v in lowered.items()
        if k.startswith("x-ratelimit-reset") and (d := _reset(v)) is not None
    ]
    for key, value in lowered.items():
        if key.startswith("anthropic-ratelimit-") and key.endswith("-reset"):
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            waits.append(max(0.0, (when - datetime.now(timezone.utc)).total_seconds()))
    return max(waits) if waits else None


#: the per-minute limits whose room an answer's headers report, as (what, its remaining header)
LIMIT_HEADERS = (
    ("requests", "anthropic-ratelimit-requests-remaining"),
    ("input tokens", "anthropic-ratelimit-input-tokens-remaining"),
    ("output tokens", "anthropic-ratelimit-output-tokens-remaining"),
    ("requests", "x-ratelimit-remaining-requests"),
    ("tokens", "x-ratelimit-remaining-tokens"),
)


def limits_left(headers: Mapping[str, str]) -> list[tuple[str, str, int]]:
    """The limits an answer's headers report room for: (what, header, remaining), in
    :data:`LIMIT_HEADERS`' order; a value that is not a whole number (Azure's ``-1``: no limit
    reported) is left out."""
    lowered = {k.lower(): v.strip() for k, v in headers.items()}
    return [
        (what, name, int(lowered[name]))
        for what, name in LIMIT_HEADERS
        if lowered.get(name, "").isdigit()
    ]
