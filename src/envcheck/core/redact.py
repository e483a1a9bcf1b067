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
import re
import string
import threading
from typing import Any
from urllib.parse import unquote

from envcheck.core import environ

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
# "password=X", "api_key: X", "access_token=X": found by str.find of the words (fast), the value
# read by a pattern anchored right after the word
_KEY_WORDS = ("password", "passwd", "apikey", "api_key", "api-key", "token", "secret")
_KEY_VALUE_TAIL = re.compile(r"\s*[=:]\s*(?P<val>[^\s&;,'\"]+)")
# "Bearer X", "Basic X" in headers and messages; not the parameters of a challenge, which hold no
# secret (`Basic realm="corp"`: RFC 7617's realm and charset, RFC 6750's scope and error ones)
_AUTH_WORDS = ("Bearer", "Basic")
_AUTH_TAIL = re.compile(
    r"\s+(?!(?:realm|charset|scope|error(?:_description|_uri)?)\s*=)"
    r"(?P<val>[A-Za-z0-9._~+/=-]{6,})"
)
# values that stand for a secret in hints: "export OPENAI_API_KEY=...", "token=$TOKEN", "<key>"
_PLACEHOLDER_STARTS = ("...", "…", MASK, "$", "<", "{", "REDACTED")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
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
_SCHEME_CHARS = frozenset(string.ascii_letters + string.digits + "+.-")
# "://user:" then the rest of the authority, which must hold an "@" (read without backtracking)
_USERINFO = re.compile(r"://(?P<user>[^\s/\"<>`\\:@]*+):(?P<rest>[^\s/\"<>`\\@]*+@[^\s/\"<>`\\]*+)")
# ESC sequences (CSI, OSC/DCS/APC/PM/SOS strings, two-character ones), then single control
# characters, DEL, C1 controls and the bidirectional overrides that reorder what a terminal shows
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\x07\x1b\n]*(?:\x07|\x1b\\)?|[ -/]*[0-~]?)"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
)
_CONTROLS = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]
_CONTROLS += [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_SHOW_CONTROL = {code: f"\\x{code:02x}" for code in _CONTROLS}

_PLACEHOLDERS = {"PASSWORD", MASK}
_lock = threading.Lock()


class _Secrets(set[str]):
    """The secrets known so far; every change bumps ``version`` (the search index follows it)."""

    version = 0

    def add(self, value: str) -> None:
        if value not in self:
            super().add(value)
            self.version += 1

    def update(self, *values: Any) -> None:
        super().update(*values)
        self.version += 1

    def clear(self) -> None:
        super().clear()
        self.version += 1


_secrets = _Secrets()
#: up to this many secrets, each is searched for on its own; beyond, one pass finds them all
_FEW_SECRETS = 64
#: the secrets by their first characters, so that a text is scanned once whatever their number
_index: tuple[int, dict[str, list[str]]] = (-1, {})
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
    for name, value in environ.snapshot().items():
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
    spans = _known_spans(text)
    spans += _url_passwords(text)
    spans += _after_words(text.translate(_ASCII_LOWER), _KEY_WORDS, _KEY_VALUE_TAIL, text)
    spans += _after_words(text, _AUTH_WORDS, _AUTH_TAIL, text, whole_word=True)
    return _mask(text, spans)


def _known_spans(text: str) -> list[tuple[int, int]]:
    """Spans of every occurrence of every known secret (overlapping ones too: "abab" inside
    "ababab"), in one pass over ``text``: linear in its length, whatever the number of secrets."""
    global _index
    with _lock:
        if len(_secrets) <= _FEW_SECRETS:
            few = list(_secrets)
        else:
            few = None
    if few is not None:  # str.find per secret: C speed, fastest for a handful of secrets
        found = []
        for secret in few:
            start = text.find(secret)
            while start != -1:
                found.append((start, start + len(secret)))
                start = text.find(secret, start + 1)
        return found
    with _lock:
        version, by_prefix = _index
        if version != _secrets.version:
            by_prefix = {}
            for secret in _secrets:
                by_prefix.setdefault(secret[:_MIN_SECRET_LENGTH], []).append(secret)
            _index = (_secrets.version, by_prefix)
    if not by_prefix:
        return []
    spans = []
    for at in range(len(text) - _MIN_SECRET_LENGTH + 1):
        candidates = by_prefix.get(text[at : at + _MIN_SECRET_LENGTH])
        if candidates:
            spans += [(at, at + len(c)) for c in candidates if text.startswith(c, at)]
    return spans


def _after_words(
    haystack: str,
    words: tuple[str, ...],
    tail: re.Pattern[str],
    text: str,
    whole_word: bool = False,
) -> list[tuple[int, int]]:
    """Spans of the values that ``tail`` reads right after each of ``words`` in ``text``
    (``haystack`` is ``text`` or its ASCII-lowercased copy, of the same length)."""
    spans = []
    for word in words:
        at = haystack.find(word)
        while at != -1:
            before = text[at - 1] if at else " "
            match = None
            if not (whole_word and (before.isalnum() or before == "_")):
                match = tail.match(text, at + len(word))
                value = match.group("val") if match else ""
                # "${TOKEN:-...}": the default of a reference, a placeholder like "..." itself
                shown = value[1:] if value.startswith("-") else value
                if match and not shown.startswith(_PLACEHOLDER_STARTS):
                    spans.append(match.span("val"))
            # on after the value: "token=token=token=..." is read once, not once per word
            at = haystack.find(word, match.end() if match else at + 1)
    return spans


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
    is masked too. Each ``://`` is read up to the next ``/`` at most, without backtracking, so the
    search is linear in ``len(text)``.
    """
    spans = []
    for match in _USERINFO.finditer(text):
        at = match.start()
        if at and text[at - 1] in _SCHEME_CHARS:
            start, last = match.start("rest"), match.group("rest").rfind("@")
            if last > 0 and text[start : start + last] not in _PLACEHOLDERS:
                spans.append((start, start + last))  # "USER:PASSWORD@HOST" in a hint stays
    return spans


def strip_controls(text: str) -> str:
    """Remove terminal escape sequences and show other control characters as ``\\xNN``
    (newlines and tabs are kept)."""
    if "\x1b" in text or "\x9b" in text:
        text = _ESCAPE_SEQUENCE.sub("", text)
    return text.translate(_SHOW_CONTROL)


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
