"""The HTTP session a provider check talks through: rate-limited (:mod:`envcheck.llm`), retried
within the check's timeout, and recorded to / replayed from the project's cassettes.

A failed request raises its typed :class:`envcheck.llm.ProviderError` with what was sent
(:class:`Sent`), how many attempts went out and how long they took: which request failed decides
what can be wrong (:mod:`.diagnose`)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envcheck import cassettes, llm
from envcheck.checks.providers import diagnose, entra
from envcheck.checks.providers.config import COMPONENT, Provider, resolve
from envcheck.core.environ import consistent
from envcheck.core.model import CheckFailed, CheckSkipped, Context, Outcome

if TYPE_CHECKING:
    import httpx


def _auth_headers(p: Provider) -> dict[str, str]:
    key = p.key or cassettes.REDACTED  # replaying: cassettes never hold the key
    if p.kind == "openai":
        headers = {"authorization": f"Bearer {key}"}
        # as openai-python sends them: a key of another organization or project is refused
        if p.organization:
            headers["openai-organization"] = p.organization
        if p.project:
            headers["openai-project"] = p.project
        return headers
    if p.kind == "anthropic":
        return {"x-api-key": key, "anthropic-version": "2023-06-01"}
    return {"x-goog-api-key": key}


@dataclass
class Session:
    """One check's calls: rate-limited, retried, and through its cassette."""

    provider: Provider
    ctx: Context
    check: str
    cassette: cassettes.Cassette | None
    client: httpx.Client
    #: the budget of live requests; a directory it cannot keep (only live requests need it)
    limiter: llm.RateLimiter | llm.RateLimitDirUnusable
    waited: float = 0.0
    retries: int = 0
    mocked: bool = False
    attempt_timeout: float = 10.0
    sent: int = 0  # attempts that went out to the server (not answered from the cassette)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        listing: bool = False,
    ) -> httpx.Response:
        """One request, retried as the policy says. ``listing``: it lists models (it sends no
        model: a 404 there means the URL). A failure raises its
        :class:`~envcheck.llm.ProviderError` with ``sent``, ``attempts`` and ``elapsed`` set."""
        import httpx

        from envcheck.llm import _pool
        from envcheck.mock._providers import MOCK_HEADER

        p = self.provider
        url = p.base_url + path
        headers = _auth_headers(p)
        model = body.get("model") if isinstance(body, dict) else None
        if model is None and not listing and ":generateContent" in path:
            model = p.model
        sent = diagnose.Sent(method, path, url, listing, model, body)
        started = time.monotonic()
        deadline = started + self.ctx.remaining() - 0.2
        tries: list[float] = []

        def send() -> httpx.Response:
            if self.cassette is None:
                self._acquire()
            replayed = self.cassette.replayed if self.cassette is not None else 0
            # never let an attempt run past the check's own deadline
            left = max(0.1, min(self.attempt_timeout, deadline - time.monotonic()))
            tries.append(left)
            try:
                response = self.client.request(
                    method, url, headers=headers, json=body, timeout=left
                )
            except httpx.TimeoutException as exc:
                self.sent += 1  # it went out; no answer came back in time
                raise diagnose.timeout(p, url, exc, left) from None
            except httpx.TransportError as exc:
                self.sent += 1
                raise diagnose.unreachable(p, url, exc) from None
            except httpx.DecodingError as exc:
                self.sent += 1
                raise diagnose.undecodable(p, url, exc) from None
            from_cassette = self.cassette is not None and self.cassette.replayed > replayed
            if not from_cassette:
                self.sent += 1
            self.mocked = self.mocked or (MOCK_HEADER in response.headers and not from_cassette)
            cut = _pool.was_cut(response)
            if cut is not None:  # what was read is a prefix: not evidence of what it says
                self.ctx.fact("body_cut_at_bytes", cut)
            if response.is_redirect:  # never followed: the key would go where it points
                raise diagnose.redirected(p, response)
            if response.status_code >= 400:
                error = llm.classify(
                    p.name,
                    response.status_code,
                    response.headers,
                    "" if cut is not None else response.text,
                    kind=p.kind,
                    listing=listing,
                    key_sent=p.key is not None,
                    request=(method, httpx.URL(url).raw_path.decode().split("?")[0]),
                )
                entra.annotate(p, error)  # an Entra ID token's claims: what a 401 is about
                raise error
            found = in_body_error(response)
            if found is not None:  # an error inside a 200: read at its own code
                status, field, said = found
                error = llm.classify(
                    p.name,
                    status,
                    response.headers,
                    response.text,
                    kind=p.kind,
                    listing=listing,
                    key_sent=p.key is not None,
                    request=(method, httpx.URL(url).raw_path.decode().split("?")[0]),
                )
                error.in_body = field  # type: ignore[attr-defined]
                if status != 200:
                    said += f", read as HTTP {status}"
                error.why = f"{said}: {error.why}" if error.why else said
                raise error
            return response

        def note_retry(error: llm.ProviderError, wait: float) -> None:
            self.retries += 1
            self.waited += wait

        policy = llm.RetryPolicy(attempts=p.cfg.retries + 1)
        try:
            return llm.call_with_retry(send, policy=policy, deadline=deadline, on_retry=note_retry)
        except llm.ProviderError as exc:
            exc.sent = sent  # type: ignore[attr-defined]
            exc.elapsed = time.monotonic() - started  # type: ignore[attr-defined]
            exc.tries = list(tries)  # type: ignore[attr-defined]
            exc.retries = self.retries  # type: ignore[attr-defined]
            raise

    def _acquire(self) -> None:
        deadline = time.monotonic() + self.ctx.remaining() - 0.2
        if isinstance(self.limiter, llm.RateLimitDirUnusable):
            raise _no_budget(self.provider, self.limiter)
        try:
            self.waited += self.limiter.acquire(deadline)
        except TimeoutError as exc:
            raise CheckFailed(
                f"{self.provider.name}: {exc}",
                why=f"rpm = {self.provider.cfg.rpm} was spent by other checks or processes",
                fix=diagnose.manual("raise rpm for this provider or the check's timeout"),
            ) from None

    def json(self, response: httpx.Response) -> Any:
        from envcheck.llm import _pool

        cut = _pool.was_cut(response)
        if cut is not None:
            raise CheckFailed(
                f"{self.provider.name} answered {response.request.url} with more than "
                f"{cut // 2**20} MiB; envcheck reads at most that much of an answer and stopped "
                "there",
                why="no answer a check asks for is that large (a list of a few hundred models is "
                "about 1 MiB): base_url points at something that is not this provider's API",
                fix=diagnose.manual(
                    f"check base_url of [tool.envcheck.providers.{self.provider.name}]"
                ),
            )
        try:
            return response.json()
        except ValueError:
            raise diagnose.not_json(self.provider, response) from None

    def shaped(self, data: Any, response: httpx.Response, *fields: str) -> Any:
        """``data`` when it is an object holding one of ``fields`` as the API defines it (an
        array or an object), else the failure of an answer that is JSON but not this API's."""
        if isinstance(data, dict) and any(isinstance(data.get(f), (list, dict)) for f in fields):
            return data
        raise diagnose.wrong_shape(self.provider, response, data, fields)

    def finish(self) -> None:
        self.client.close()
        self.ctx.fact("requests_sent", self.sent)
        if self.waited >= 0.05:  # the rate limiter or a provider's retry-after made us wait
            self.ctx.fact("waited_s", round(self.waited, 2))
        if self.retries:
            self.ctx.fact("retries", self.retries)
        self.ctx.evidence = "mocked" if self.mocked else "live"
        if self.cassette is not None:
            self.cassette.save()
            if not self.mocked:
                self.ctx.evidence = self.cassette.evidence
            if self.cassette.replayed:
                self.ctx.fact("cassette", str(self.cassette.path))
                if self.cassette.recorded_at:
                    self.ctx.fact("recorded_at", self.cassette.recorded_at)


#: the fields an answer of each API's requests holds (a chat completion, a message, Gemini's
#: candidates or prompt feedback, a model listing)
_ANSWER_KEYS = ("choices", "content", "candidates", "promptFeedback", "data", "models")


def in_body_error(response: httpx.Response) -> tuple[int, str, str] | None:
    """The error a 200 carries in its body, else None: the status it is read as, the field and
    code that say it, and whose shape that is. OpenRouter's documented ``ErrorResponse``
    (``{"error": {"code": <HTTP status>, "message": ...}}``), which it answers with HTTP 200 when
    the provider it routed to fails after the request was accepted
    (openrouter.ai/docs/api/reference/errors-and-debugging), and no answer field beside it;
    MiniMax's ``base_resp`` with a non-zero ``status_code`` (a code of its error-code page, read
    as the status that code stands for) and no answer in ``choices``."""
    if response.status_code != 200 or "json" not in response.headers.get("content-type", ""):
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    code = llm.minimax_code(data)
    if code is not None and not data.get("choices"):
        said = "MiniMax answers a failed call with HTTP 200 and its own base_resp"
        return llm.minimax_status(code), f"{llm.MINIMAX_FIELD} {code}", said
    if any(k in data for k in _ANSWER_KEYS):
        return None
    error = data.get("error")
    status = error.get("code") if isinstance(error, dict) else None
    if isinstance(status, int) and not isinstance(status, bool) and 400 <= status <= 599:
        said = (
            "the service accepted the call and its routed provider failed after it "
            "(OpenRouter's ErrorResponse in a 200)"
        )
        return status, f"error.code {status}", said
    return None


def _no_budget(p: Provider, exc: llm.RateLimitDirUnusable) -> CheckFailed:
    """No live request without the rate limiter's budget: where it should live, and the fix."""
    if exc.origin == "ENVCHECK_RATELIMIT_DIR":
        text = (
            'point ENVCHECK_RATELIMIT_DIR at a directory (export ENVCHECK_RATELIMIT_DIR="$HOME/'
            '.cache/envcheck-ratelimit"), or unset it for the default'
        )
    else:
        text = (
            f"move {exc.directory} out of the way, or set ENVCHECK_RATELIMIT_DIR to a "
            "directory envcheck may write"
        )
    return CheckFailed(
        f"{p.name}: no request sent: {exc}",
        why=f"every live request takes a slot of rpm = {p.cfg.rpm} from a budget kept in a file "
        "there (shared by every check, pytest worker and run on this machine)",
        fix=diagnose.manual(text),
    )


@functools.cache
def _limiter(kind: str, base_url: str, rpm: int) -> llm.RateLimiter:
    return llm.RateLimiter(f"{kind}@{base_url}", limit=rpm)


def session(name: str, check: str, ctx: Context) -> Session:
    import httpx

    from envcheck.llm import _pool

    p = resolve(name, ctx)
    # the run's connection pool and SSL context for this server, not a new one per check
    transport = _pool.transport(p.base_url)
    cassette = None
    limiter: llm.RateLimiter | llm.RateLimitDirUnusable
    try:
        limiter = _limiter(p.kind, p.base_url, p.cfg.rpm)
    except llm.RateLimitDirUnusable as exc:
        limiter = exc
    # with a key and no --envcheck-record: live, nothing replayed nor recorded
    mode = cassettes.plan(ctx.config, key=p.key) if p.cfg.cassettes else None
    if mode is not None:
        path = Path(ctx.rootdir) / "cassettes" / name / f"{check}.yaml"
        hint = cassettes.rerecord_command(COMPONENT, name, p.key_variable)
        cassette = cassettes.Cassette.open(path, mode, [p.key or ""], hint, key=p.key)
    # each attempt gets its share of the check's timeout, so that retries fit inside it
    share = p.cfg.timeout / (p.cfg.retries + 1)
    timeout = httpx.Timeout(max(0.5, min(share, ctx.remaining() - 0.3)))
    client = consistent(lambda: httpx.Client(timeout=timeout, transport=transport))
    made = Session(p, ctx, check, cassette, client, limiter)
    made.attempt_timeout = max(0.5, share)
    if cassette is not None:  # (a client over a given transport costs nothing to make)
        through = cassette.transport(transport, made._acquire)
        made.client = consistent(lambda: httpx.Client(timeout=timeout, transport=through))
    return made


def with_session(
    name: str, check: str, ctx: Context, work: Callable[[Session], Outcome]
) -> Outcome:
    """Run ``work`` with the check's session; a provider's error becomes the check's verdict
    (:func:`.diagnose.verdict`: a failure, a skip, or for ``auth`` a pass)."""
    s = session(name, check, ctx)
    try:
        return work(s)
    except llm.ProviderError as exc:
        found = diagnose.verdict(s.provider, exc, check, listed=listed(ctx, name))
        if isinstance(found, (CheckFailed, CheckSkipped)):
            raise found from None
        return found
    finally:
        s.finish()


def listed(ctx: Context, name: str) -> bool:
    """Whether this check runs after ``model`` passed (the model is listed for the key)."""
    try:
        result = ctx.dependency(f"{COMPONENT}/{name}.model")
    except KeyError:
        return False
    return result.status.value == "pass"
