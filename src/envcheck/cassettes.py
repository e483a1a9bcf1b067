"""vcrpy cassettes for provider checks: replayed without a key, recorded only when asked, never
keeping a secret.

Cassettes are standard vcrpy YAML files under ``cassettes/<provider>/<check>.yaml`` at the project
root. envcheck reads and writes them with vcrpy's own (de)serializer and request matchers, through
an httpx transport of its own instead of vcrpy's global patching, so checks running concurrently on
threads do not step on each other.

Which key made a recording is kept as a salted fingerprint (PBKDF2-SHA256) of the key next to each
interaction (``key_fingerprint``), never the key: a recording answers only for the key it was made
with (:func:`plan`).
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from envcheck.core import redact
from envcheck.core.config import EnvcheckConfig, in_ci
from envcheck.core.model import CheckFailed

if TYPE_CHECKING:
    import httpx

MODES = ("none", "once", "new", "all")
DROP_REQUEST_HEADERS = {
    "authorization",
    "x-api-key",
    "x-goog-api-key",
    "api-key",
    "cookie",
    "openai-organization",
    "openai-project",
}
MASK_RESPONSE_HEADERS = {"openai-organization", "openai-project", "anthropic-organization-id"}
DROP_RESPONSE_HEADERS = {"set-cookie", "cookie"}
SECRET_QUERY = {"key", "api_key", "apikey", "access_token"}
REDACTED = "REDACTED"
# keys (OpenAI, Anthropic, Gemini, Groq) and account ids (OpenAI organizations and projects, as
# in the bodies of 403/404/429 answers: "... in organization org-... ", "Project `proj_...`")
_TOKENS = re.compile(
    r"(sk-(?:proj-|ant-)?[A-Za-z0-9_-]{8,}|AIza[0-9A-Za-z_-]{20,}|gsk_[A-Za-z0-9]{8,}"
    r"|\borg-[A-Za-z0-9]{8,}|\bproj_[A-Za-z0-9]{8,})"
)
# the userinfo of a URL (``http://user:password@host``, ``http://token@host``), up to the last "@"
# before the path: an unencoded "@" in a password is scrubbed too
_USERINFO = re.compile(r"(?<=://)[^\s/\"<>`\\]*@")
_SAVE_LOCK = threading.Lock()
#: set in a response's ``extensions`` when its body was cut at a bound (``llm._pool.CUT``)
CUT = "envcheck_body_cut"


def mode(config: EnvcheckConfig) -> str:
    """``--envcheck-record``, else ``none`` on CI, else ``new``: the old default, kept for plugins
    that call it. envcheck's own checks use :func:`plan`, which records only when asked."""
    return config.record_mode or ("none" if in_ci() else "new")


def plan(
    config: EnvcheckConfig, *, key: str | None, keyed: bool = True, path: Path | None = None
) -> str | None:
    """The record mode of one check's cassette, or ``None``: live, no cassette read or written.

    ``--envcheck-record`` when given. Otherwise nothing is recorded: an API that needs a key
    (``keyed``) is asked live when the key is set and replayed (``none``) when it is not; a keyless
    local server (Ollama) is asked live, except on CI, where a check whose cassette ``path``
    exists is replayed."""
    if config.record_mode:
        return config.record_mode
    if keyed:
        return None if key else "none"
    if in_ci(config.environ) and path is not None and path.exists():
        return "none"
    return None


def rerecord_command(component: str, name: str, key_variable: str | None) -> str:
    key = f"{key_variable}=... " if key_variable else ""
    return f"{key}pytest -m {component} -k {name} --envcheck-record=all"


# -- which key made a recording: a salted fingerprint, never the key ------------------------------

FINGERPRINT_SCHEME = "pbkdf2-sha256"
FINGERPRINT_ITERATIONS = 600_000  # OWASP's figure for PBKDF2-HMAC-SHA256
_MAX_ITERATIONS = 2_000_000  # a hand-edited file must not make a check compute for minutes
_FINGERPRINT = re.compile(
    rf"{FINGERPRINT_SCHEME}\$(?P<iterations>[0-9]{{1,7}})\$(?P<salt>[0-9a-f]{{16,64}})"
    r"\$(?P<digest>[0-9a-f]{64})"
)
_RUN_SALT = os.urandom(16)  # one salt per process: the run's recordings share one derivation
_DERIVED: dict[tuple[str, bytes, int], bytes] = {}
_DERIVED_LOCK = threading.Lock()


def _derive(key: str, salt: bytes, iterations: int) -> bytes:
    with _DERIVED_LOCK:  # (PBKDF2 releases the GIL; one derivation per key and salt per run)
        found = _DERIVED.get((key, salt, iterations))
        if found is None:
            found = hashlib.pbkdf2_hmac("sha256", key.encode(), salt, iterations)
            _DERIVED[(key, salt, iterations)] = found
    return found


def fingerprint(key: str, salt: bytes | None = None) -> str:
    """``pbkdf2-sha256$600000$<salt>$<digest>`` (hex): tells whether a later key is the same one
    without keeping the key, nor anything a dictionary of short keys could be tried against fast."""
    salt = _RUN_SALT if salt is None else salt
    digest = _derive(key, salt, FINGERPRINT_ITERATIONS)
    return f"{FINGERPRINT_SCHEME}${FINGERPRINT_ITERATIONS}${salt.hex()}${digest.hex()}"


def same_key(recorded: str | None, key: str) -> bool:
    """Whether the fingerprint ``recorded`` was made from ``key`` (``None``: made with no key, or
    before envcheck kept fingerprints: never the same)."""
    found = _FINGERPRINT.fullmatch(recorded or "")
    if found is None:
        return False
    iterations = int(found["iterations"])
    if not 1 <= iterations <= _MAX_ITERATIONS:
        return False
    derived = _derive(key, bytes.fromhex(found["salt"]), iterations)
    return hmac.compare_digest(derived.hex(), found["digest"])


def scrub_text(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _USERINFO.sub(REDACTED + "@", text)
    return _TOKENS.sub(REDACTED, text)


def scrub_url(url: str, secrets: Iterable[str]) -> str:
    parts = urlsplit(url)
    query = [(k, REDACTED if k.lower() in SECRET_QUERY else v) for k, v in parse_qsl(parts.query)]
    cleaned = urlunsplit(parts._replace(query=urlencode(query, safe=":/")))
    return scrub_text(cleaned, secrets)


@dataclass
class Cassette:
    """One cassette file, opened for one check."""

    path: Path
    mode: str
    secrets: list[str]
    rerecord: str
    requests: list[Any] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    existed: bool = False
    replayed: int = 0
    live: int = 0
    mocked: bool = False
    recorded_at: str | None = None
    dirty: bool = False
    loaded: int = 0  # interactions read from the file: only these are ever replayed
    #: the key the check sends (``None``: none, or a keyless API): a recording made with another
    #: key is never replayed for it
    key: str | None = None
    #: each interaction's ``key_fingerprint`` (``None``: recorded without a key, or before
    #: envcheck kept them)
    fingerprints: list[str | None] = field(default_factory=list)
    #: a request was recorded, but with another key (what :meth:`stale` then says)
    other_key: bool = False

    @classmethod
    def open(
        cls, path: Path, mode: str, secrets: list[str], rerecord: str, key: str | None = None
    ) -> Cassette:
        cassette = cls(path, mode, secrets, rerecord, key=key or None)
        cassette.existed = path.exists()
        if mode == "all" or not cassette.existed:
            return cassette
        cassette.requests, cassette.responses, cassette.fingerprints = _load(path, rerecord)
        cassette.loaded = len(cassette.requests)
        return cassette

    def _matching(self, request: Any, upto: int) -> Iterable[int]:
        from vcr import matchers

        rules = [matchers.method, matchers.scheme, matchers.host, matchers.port]
        rules += [matchers.path, matchers.query, matchers.body]
        for index in range(min(upto, len(self.requests))):
            if matchers.requests_match(request, self.requests[index], rules):
                yield index

    def find(self, request: Any) -> dict[str, Any] | None:
        """The recorded answer to ``request``; with a key, only one recorded with that key."""
        for index in self._matching(request, self.loaded):
            if self.key is None or same_key(self.fingerprints[index], self.key):
                return self.responses[index]
            self.other_key = True
        return None

    def stale(self, request: Any) -> CheckFailed:
        wanted = f"{request.method} {scrub_url(request.uri, self.secrets)}"
        keyless = _carries_placeholder(request)
        if self.other_key:
            return CheckFailed(
                f"{self.path} recorded {wanted} with another key than the one set now; it is "
                f"not replayed for this key (record mode '{self.mode}' sends nothing live here)",
                why="a recording answers for the key it was made with (the cassette keeps a "
                "salted fingerprint of that key): replayed for another key, it would pass an "
                "invalid key or fail a valid one",
                hint="check the key live: run without --envcheck-record; or record with this "
                f"key: {self.rerecord}",
            )
        if not self.requests:
            why = "record mode is 'none' and nothing was recorded"
            if keyless:
                why = "no API key is set to send it live, and nothing is recorded for it"
            return CheckFailed(
                f"no cassette to replay for {wanted} ({self.path})",
                why=why,
                hint=f"record it once (with the API key, where one is needed) and commit "
                f"{self.path}: {self.rerecord}",
            )
        recorded = ", ".join(sorted({f"{r.method} {r.path}" for r in self.requests}))
        why = (
            "the configuration changed since the cassette was recorded (model, base_url, "
            "or what the check sends)"
        )
        if keyless:
            why += ", and without an API key envcheck does not send it live"
        return CheckFailed(
            f"stale cassette: {self.path} has no recording of {wanted} "
            f"(it recorded {recorded}); re-record with: {self.rerecord}",
            why=why,
            hint=self.rerecord,
        )

    def record(self, request: Any, response: dict[str, Any]) -> None:
        """Keep an answer for replay. Not kept: transient failures (429, 5xx), and anything
        answered to a request that carried the placeholder instead of a key (a 401 kept that
        way would be replayed in CI forever)."""
        status = int(response["status"]["code"])
        if status == 429 or status >= 500 or _carries_placeholder(request):
            return
        made_with = fingerprint(self.key) if self.key else None
        # the same request recorded with another key: this answer replaces that one
        for index in self._matching(request, len(self.requests)):
            if self.fingerprints[index] != made_with:
                self.requests[index], self.responses[index] = request, response
                self.fingerprints[index] = made_with
                self.dirty = True
                return
        self.requests.append(request)
        self.responses.append(response)
        self.fingerprints.append(made_with)
        self.dirty = True

    def save(self) -> None:
        """Write the cassette, every secret scrubbed, if anything new was recorded."""
        if not self.dirty:
            return
        from vcr.serialize import CASSETTE_FORMAT_VERSION
        from vcr.serializers import compat, yamlserializer

        interactions = []
        marks: dict[str, str] = {}
        for number, (request, response, made_with) in enumerate(
            zip(self.requests, self.responses, self.fingerprints, strict=True)
        ):
            interaction = {
                "request": compat.convert_to_unicode(
                    _clean_request(request, self.secrets)._to_dict()
                ),
                "response": compat.convert_to_unicode(_clean_response(response, self.secrets)),
            }
            if made_with:  # set in after scrubbing: hex digits are nobody's secret
                mark = f"envcheckkeyfingerprint{number:06d}x"
                marks[mark] = made_with
                interaction["key_fingerprint"] = mark
            interactions.append(interaction)
        with _SAVE_LOCK:  # libyaml's emitter is not safe to share between threads
            data = {"version": CASSETTE_FORMAT_VERSION, "interactions": interactions}
            text = scrub_text(yamlserializer.serialize(data), [*self.secrets, *redact.known()])
            for mark, made_with in marks.items():
                text = text.replace(mark, made_with)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(".yaml.partial")
            partial.write_text(text, encoding="utf-8")
            partial.replace(self.path)
        self.dirty = False

    @property
    def evidence(self) -> str:
        if self.live:
            return "mocked" if self.mocked else "live"
        return "replayed" if self.replayed else "live"

    @property
    def recorded_on(self) -> str | None:
        """The day of the replayed recording (``2026-05-06``), from its ``Date`` header."""
        return http_day(self.recorded_at)

    def transport(self, inner: httpx.BaseTransport, before_live: Any = None) -> httpx.BaseTransport:
        import httpx

        from envcheck.mock._providers import MOCK_HEADER

        cassette = self

        class CassetteTransport(httpx.BaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                from vcr.request import Request as VcrRequest

                body = request.read() or None  # "no body" as vcrpy records it
                wanted = VcrRequest(request.method, str(request.url), body, dict(request.headers))
                if cassette.mode != "all":
                    found = cassette.find(wanted)
                    if found is not None:
                        cassette.replayed += 1
                        return _to_httpx(found, cassette)
                    if cassette.mode == "none" or (cassette.mode == "once" and cassette.existed):
                        raise cassette.stale(wanted)
                if _carries_placeholder(wanted):  # no key: never ask the provider live
                    raise cassette.stale(wanted)
                if before_live is not None:
                    before_live()
                response = inner.handle_request(request)
                content = response.read()  # a bounded prefix (llm._pool.bounded)
                cassette.live += 1
                cassette.mocked = cassette.mocked or MOCK_HEADER in response.headers
                headers: dict[str, list[str]] = {}
                for name, value in response.headers.multi_items():
                    headers.setdefault(name, []).append(value)
                serialised = {
                    "status": {"code": response.status_code, "message": response.reason_phrase},
                    "headers": headers,
                    "body": {"string": content},
                }
                if CUT not in response.extensions:  # a cut answer is never kept as a whole one
                    cassette.record(wanted, serialised)
                return httpx.Response(
                    response.status_code,
                    headers=response.headers,
                    content=content,
                    request=request,
                    extensions=response.extensions,
                )

        return CassetteTransport()


def http_day(value: str | None) -> str | None:
    """``Wed, 06 May 2026 17:37:49 GMT`` -> ``2026-05-06`` (anything else is kept as it is)."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError):
        return value


def _carries_placeholder(request: Any) -> bool:
    """True when the request authenticates with :data:`REDACTED` instead of a key."""
    for name, value in request.headers.items():
        if name.lower() in DROP_REQUEST_HEADERS and REDACTED in str(value):
            return True
    query = parse_qsl(urlsplit(request.uri).query)
    return any(k.lower() in SECRET_QUERY and v == REDACTED for k, v in query)


# -- reading a cassette file: every structural problem named before vcrpy sees the data -----------

_FIELDS: tuple[tuple[str, type | tuple[type, ...]], ...] = (
    ("request.method", str),
    ("request.uri", str),
    ("request.body", object),
    ("request.headers", dict),
    ("response.status.code", int),
    ("response.headers", dict),
    ("response.body.string", object),
)


def _load(path: Path, rerecord: str) -> tuple[list[Any], list[dict[str, Any]], list[str | None]]:
    from vcr.request import Request as VcrRequest
    from vcr.serializers import compat, yamlserializer

    def corrupt(problem: str) -> CheckFailed:
        return CheckFailed(
            f"corrupt cassette {path}: {problem}",
            why="the file is not a vcrpy cassette any more (edited by hand, a merge conflict, "
            "a truncated or interrupted write)",
            hint=f"delete it and re-record: {rerecord}",
        )

    try:
        data = yamlserializer.deserialize(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise corrupt("the file is not UTF-8 text") from None
    except Exception as exc:  # noqa: B902 - PyYAML's errors (parser, scanner, constructor)
        raise corrupt(_yaml_problem(exc)) from None
    problem = _structure_problem(data)
    if problem is not None:
        raise corrupt(problem)
    try:
        requests = [VcrRequest._from_dict(i["request"]) for i in data["interactions"]]
        responses = [compat.convert_to_bytes(i["response"]) for i in data["interactions"]]
    except Exception as exc:  # noqa: B902 - whatever vcrpy objects to means the same here
        problem = f"vcrpy cannot read it ({type(exc).__name__}: {redact.clean(exc, 120)})"
        raise corrupt(problem) from None
    fingerprints = [i.get("key_fingerprint") for i in data["interactions"]]
    return requests, responses, fingerprints


def _yaml_problem(exc: Exception) -> str:
    what = getattr(exc, "problem", None) or (str(exc).strip().splitlines() or ["?"])[0]
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"not YAML: {what}{where}"


def _structure_problem(data: Any) -> str | None:
    from vcr.serialize import CASSETTE_FORMAT_VERSION

    if data is None:
        return "the file is empty"
    if not isinstance(data, dict):
        return (
            f"its top level is {_kind(data)}; a vcrpy cassette is a mapping with 'version' and "
            "'interactions'"
        )
    version = data.get("version", CASSETTE_FORMAT_VERSION)
    if version != CASSETTE_FORMAT_VERSION:
        return f"format version {version!r}; vcrpy reads version {CASSETTE_FORMAT_VERSION}"
    interactions = data.get("interactions")
    if not isinstance(interactions, list):
        return f"'interactions' is {_kind(interactions)}, not a list of interactions"
    for number, interaction in enumerate(interactions, start=1):
        problem = _interaction_problem(interaction)
        if problem is not None:
            return f"interaction {number} {problem}"
    return None


def _interaction_problem(interaction: Any) -> str | None:
    if not isinstance(interaction, dict):
        return f"is {_kind(interaction)}, not a mapping with 'request' and 'response'"
    for dotted, wanted in _FIELDS:
        value: Any = interaction
        for part in dotted.split("."):
            if not isinstance(value, dict) or part not in value:
                return f"has no {dotted}"
            value = value[part]
        if not isinstance(value, wanted) or isinstance(value, bool):
            return f"has {_kind(value)} as {dotted}"
    for name, values in interaction["response"]["headers"].items():
        if not isinstance(values, list):
            return f"has {_kind(values)} as response.headers.{name} (a list of values)"
    made_with = interaction.get("key_fingerprint")
    if made_with is not None and not isinstance(made_with, str):
        return f"has {_kind(made_with)} as key_fingerprint (envcheck's fingerprint of the key)"
    return None


def _kind(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number"}
    if value is None:
        return "nothing"
    return names.get(type(value), f"a {type(value).__name__}")


def _to_httpx(recorded: dict[str, Any], cassette: Cassette) -> httpx.Response:
    import httpx

    headers = [(k, v) for k, values in recorded["headers"].items() for v in values]
    dates = [v for k, v in headers if k.lower() == "date"]
    if dates and cassette.recorded_at is None:
        cassette.recorded_at = dates[0]
    body = recorded["body"]["string"]
    content = body.encode() if isinstance(body, str) else bytes(body or b"")
    headers = [
        (k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-length")
    ]
    return httpx.Response(recorded["status"]["code"], headers=headers, content=content)


def _clean_request(request: Any, secrets: list[str]) -> Any:
    from vcr.request import Request as VcrRequest

    headers = {k: v for k, v in request.headers.items() if k.lower() not in DROP_REQUEST_HEADERS}
    body = request.body
    if isinstance(body, bytes):
        body = scrub_text(body.decode("utf-8", "replace"), secrets).encode()
    return VcrRequest(request.method, scrub_url(request.uri, secrets), body, headers)


def _clean_response(response: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    headers = {}
    for name, values in response["headers"].items():
        lowered = name.lower()
        if lowered in DROP_RESPONSE_HEADERS:
            continue
        masked = [REDACTED] * len(values) if lowered in MASK_RESPONSE_HEADERS else values
        headers[name] = [scrub_text(str(v), secrets) for v in masked]
    body = response["body"]["string"]
    if isinstance(body, bytes):
        body = scrub_text(body.decode("utf-8", "replace"), secrets).encode()
    elif isinstance(body, str):
        body = scrub_text(body, secrets)
    return {**response, "headers": headers, "body": {"string": body}}
