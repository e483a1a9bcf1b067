"""Keep secrets out of every line envcheck writes.

Every summary, hint, fact and failure message passes through :func:`redact` before it reaches the
terminal, a report or JUnit XML. Secrets are known three ways: values registered by checks
(:func:`register`), environment variables whose names say they hold secrets, and the password part
of any URL (``scheme://user:password@host``).
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any

MASK = "***"
_MIN_SECRET_LENGTH = 4
_SECRET_WORDS = {
    "KEY",
    "APIKEY",
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "CREDENTIAL",
    "CREDENTIALS",
    "AUTH",
}
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s/]+)(?=@)")
_KEY_VALUE = re.compile(
    r"(?P<head>\b(?:password|passwd|api[_-]?key|token|secret)\s*[=:]\s*)(?P<val>[^\s&;,'\"]+)",
    re.I,
)
_BEARER = re.compile(r"(?P<head>\bBearer\s+)(?P<val>[A-Za-z0-9._~+/=-]{6,})")

_PLACEHOLDERS = {"PASSWORD", MASK}
_lock = threading.Lock()
_secrets: set[str] = set()
_env_loaded = False


def register(value: str | None) -> None:
    """Treat ``value`` as a secret from now on (too-short values are ignored)."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def _load_environment() -> None:
    global _env_loaded
    if _env_loaded:
        return
    for name, value in os.environ.items():
        words = set(re.split(r"[^A-Z0-9]+", name.upper()))
        if words & _SECRET_WORDS and len(value) >= 6:
            register(value)
        elif "://" in value:
            match = _URL_PASSWORD.search(value)
            if match:
                register(match.group("pw"))
    _env_loaded = True


def redact(text: str) -> str:
    """Return ``text`` with every known secret masked."""
    if not text:
        return text
    _load_environment()
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(_mask_url_password, text)
    text = _KEY_VALUE.sub(lambda m: m.group("head") + MASK, text)
    return _BEARER.sub(lambda m: m.group("head") + MASK, text)


def known() -> list[str]:
    """Every registered secret (for scrubbing files such as cassettes)."""
    _load_environment()
    with _lock:
        return sorted(_secrets)


def _mask_url_password(match: re.Match[str]) -> str:
    if match.group("pw") in _PLACEHOLDERS:  # "postgresql://USER:PASSWORD@HOST" in a hint
        return match.group(0)
    return match.group("head") + MASK


def redact_any(value: Any) -> Any:
    """Redact strings inside JSON-like data (dicts, lists, strings)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(k)): redact_any(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_any(v) for v in value]
    return value
