"""Keep secrets out of every line envcheck writes.

Every summary, hint, fact and failure message passes through :func:`redact` before it reaches the
terminal, a report or JUnit XML. Secrets are known three ways: values registered by checks
(:func:`register`, which also registers the credential inside ``Bearer X``, ``token X``,
``Basic X`` and URL values), environment variables whose names say they hold secrets, and the
password part of any URL (``scheme://user:password@host``).

Untrusted text (a server's output, an HTTP body) that is shown shortened goes through
:func:`clean`: secrets are masked *first*, then terminal control characters are removed or made
visible, and only then is the text shortened, with a visible ``…``. Every step is linear in the
length of the text.
"""

from __future__ import annotations

import base64
import os
import re
import threading
from typing import Any
from urllib.parse import unquote

MASK = "***"
ELLIPSIS = "…"
_MIN_SECRET_LENGTH = 4
_SECRET_WORDS = {
    "KEY",
    "APIKEY",
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "CREDENTIAL",
    "CREDENTIALS",
    "AUTH",
    "AUTHORIZATION",
    "COOKIE",
    "PAT",
}
_KEY_VALUE = re.compile(
    r"(?P<head>(?:password|passwd|api[_-]?key|token|secret)\s*[=:]\s*)(?P<val>[^\s&;,'\"]+)",
    re.I,
)
_BEARER = re.compile(r"(?P<head>\b(?:Bearer|Basic)\s+)(?P<val>[A-Za-z0-9._~+/=-]{6,})")
# the credential of an Authorization-style value: "Bearer X", "token X", "Basic X"
# a keyword/value DSN's password: everything up to the next "key=" (an unquoted value with spaces
# is a mistake libpq reports by echoing its pieces)
_KEYWORD_PASSWORD = re.compile(r"(?:^|\s)password\s*=\s*(?P<pw>.*?)(?=\s+\w+\s*=|\s*$)", re.I)
_PIECE_SEPARATORS = re.compile(r"[@#/?:\s]+")
_SCHEME_VALUE = re.compile(
    r"^\s*(?:[A-Za-z][A-Za-z0-9-]*\s*:\s*)?(?P<scheme>bearer|token|basic|apikey|key)\s+"
    r"(?P<cred>\S+)\s*$",
    re.I,
)
# where the userinfo of a URL ends at the latest (a password may hold unencoded @ # ? : but not
# these); everything up to the last "@" before one of them is user:password
_URL = re.compile(r"[A-Za-z0-9+.-]://(?P<user>[^\s/\"<>`\\:@]*):(?P<pw>[^\s/\"<>`\\]+)@")
# ESC sequences (CSI, OSC/DCS/APC/PM/SOS strings, two-character ones), then single control
# characters, DEL, C1 controls and the bidirectional overrides that reorder what a terminal shows
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\x07\x1b\n]*(?:\x07|\x1b\\)?|[ -/]*[0-~]?)"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

_PLACEHOLDERS = {"PASSWORD", MASK}
_lock = threading.Lock()
_secrets: set[str] = set()
_env_loaded = False


def is_secret_name(name: str) -> bool:
    """True when a variable or key name says it holds a secret (``OPENAI_API_KEY``,
    ``GITHUB_TOKEN``, ``Authorization``, ``db-password``...)."""
    words = set(re.split(r"[^A-Z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).upper()))
    return bool(words & _SECRET_WORDS) or name.upper().endswith(("APIKEY", "TOKEN", "PASSWORD"))


def register(value: str | None) -> None:
    """Treat ``value`` as a secret from now on (too-short values are ignored), and the parts of
    it that are secrets on their own: the credential of ``Bearer X``/``token X``/``Basic X``
    (and the password inside a Basic one), and the password of a URL."""
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        _secrets.add(value)
    register_parts(value)


def register_parts(value: str | None) -> None:
    """Register only the secret parts of ``value`` (URL passwords, the credential of an
    Authorization-style value), not ``value`` itself: for values that are not secrets as a whole
    (``${HOME}/bin``, a URL without a password)."""
    if not value:
        return
    found: list[str] = []
    scheme = _SCHEME_VALUE.match(value)
    if scheme:
        found.append(scheme.group("cred"))
        if scheme.group("scheme").lower() == "basic":
            found += _basic_parts(scheme.group("cred"))
    for start, end in _url_passwords(value):
        found += _with_pieces(value[start:end]) + _with_pieces(unquote(value[start:end]))
    keyword = _KEYWORD_PASSWORD.search(value)
    if keyword:
        found += _with_pieces(keyword.group("pw").strip("'\""))
    with _lock:
        _secrets.update(s for s in found if len(s) >= _MIN_SECRET_LENGTH and s != value)


def _with_pieces(password: str) -> list[str]:
    """A password and its pieces between characters a URL or DSN parser splits on (an unencoded
    ``@``, ``#``, ``/``, ``?``, ``:`` or a space): libpq and urllib echo such pieces in their
    errors ("cannot resolve host '2024xq@127.0.0.1'", "missing "=" after "CNRYB"")."""
    return [password, *_PIECE_SEPARATORS.split(password)]


def _basic_parts(credential: str) -> list[str]:
    try:
        decoded = base64.b64decode(credential, validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, bad UTF-8
        return []
    return [decoded, decoded.partition(":")[2]]


def _load_environment() -> None:
    global _env_loaded
    if _env_loaded:
        return
    for name, value in os.environ.items():
        if is_secret_name(name) and len(value) >= 6:
            register(value)
        elif "://" in value:
            register_parts(value)
    _env_loaded = True


def redact(text: str) -> str:
    """Return ``text`` with every known secret and every URL password masked (linear time)."""
    if not text:
        return text
    _load_environment()
    with _lock:
        secrets = list(_secrets)
    spans: list[tuple[int, int]] = []
    for secret in secrets:
        start = text.find(secret)
        while start != -1:  # overlapping occurrences too: "abab" inside "ababab"
            spans.append((start, start + len(secret)))
            start = text.find(secret, start + 1)
    spans += _url_passwords(text)
    text = _mask(text, spans)
    lowered = text.lower()  # the patterns run only where their words occur
    if any(word in lowered for word in ("pass", "key", "token", "secret")):
        text = _KEY_VALUE.sub(lambda m: m.group("head") + MASK, text)
    if "Bearer" in text or "Basic" in text:
        text = _BEARER.sub(lambda m: m.group("head") + MASK, text)
    return text


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """Replace the union of ``spans`` (overlapping or not) with one mask per merged run."""
    if not spans:
        return text
    spans.sort()
    pieces: list[str] = []
    done = 0
    run_start, run_end = spans[0]
    for start, end in spans[1:]:
        if start <= run_end:
            run_end = max(run_end, end)
            continue
        pieces += [text[done:run_start], MASK]
        done, run_start, run_end = run_end, start, end
    pieces += [text[done:run_start], MASK, text[run_end:]]
    return "".join(pieces)


def _url_passwords(text: str) -> list[tuple[int, int]]:
    """Spans of the passwords in ``scheme://user:password@host`` URLs inside ``text``.

    The user ends at the first ``:``, the password at the last ``@`` before a character a
    userinfo cannot hold (whitespace, ``/``, quotes), so an unencoded ``@`` or ``#`` in a password
    is masked too. A match starts only at ``://`` and stops at the next ``/``, so matches never
    overlap and the search is linear in ``len(text)``.
    """
    if "://" not in text:
        return []
    return [
        match.span("pw")
        for match in _URL.finditer(text)
        if match.group("pw") not in _PLACEHOLDERS  # "USER:PASSWORD@HOST" in a hint
    ]


def strip_controls(text: str) -> str:
    """Remove terminal escape sequences and show other control characters as ``\\xNN``
    (newlines and tabs are kept)."""
    if "\x1b" in text or "\x9b" in text:
        text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def shorten(text: str, limit: int | None, *, tail: bool = False) -> str:
    """At most ``limit`` characters, the cut marked with ``…`` (the end kept with ``tail``)."""
    if limit is None or len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    return ELLIPSIS + text[len(text) - limit + 1 :] if tail else text[: limit - 1] + ELLIPSIS


def clean(text: Any, limit: int | None = None, *, tail: bool = False) -> str:
    """Untrusted text made safe to show: secrets masked first, control characters removed or
    escaped (masked again, in case removing them joined a secret), then shortened to ``limit``
    characters with a visible ``…`` (keeping the end with ``tail``)."""
    raw: str = "" if text is None else text if isinstance(text, str) else str(text)
    if not raw:
        return raw
    masked = redact(raw)
    shown = strip_controls(masked)
    if shown != masked:
        shown = redact(shown)
    return shorten(shown, limit, tail=tail)


def known() -> list[str]:
    """Every registered secret (for scrubbing files such as cassettes)."""
    _load_environment()
    with _lock:
        return sorted(_secrets)


def redact_any(value: Any) -> Any:
    """Redact strings inside JSON-like data (dicts, lists, strings)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(k)): redact_any(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_any(v) for v in value]
    return value


def clean_any(value: Any) -> Any:
    """:func:`clean` (without shortening) for strings inside JSON-like data."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(str(k)): clean_any(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_any(v) for v in value]
    return value


class Secret(str):
    """A ``str`` whose ``repr`` is masked: a credential handed to a client library stays usable,
    but a traceback's local variables (``pytest -l``) show ``'***'``."""

    def __repr__(self) -> str:
        return repr(MASK)

    def __reduce__(self) -> Any:  # pickled (xdist, copies) as a plain str
        return (str, (str(self),))
