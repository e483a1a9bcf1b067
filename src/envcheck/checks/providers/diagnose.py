"""What a provider's failure means: an HTTP error answer (typed by :func:`envcheck.llm.classify`)
or a request that got no answer, turned into the check's verdict with a structured fix.

The request decides what can be wrong (docs/verdicts/providers.md):

- the model listing sends no model: a 4xx on it is about the key or ``base_url``, never the model;
- a 429 or 402 (a rate limit, an empty balance) proves the key was accepted: ``auth`` passes, and
  ``headroom`` carries the failure (``model`` and ``smoke`` cannot tell, and are skipped);
- a model the listing shows that then answers 404 is not a wrong name: access, verification,
  deployment, retirement or "not loaded", read from the answer (its code, its links).

An answer no rule covers gets the honest fallback: the status, the fields, the provider's own words
(redacted, shortened) and which request met them, never a guessed cause.
"""

from __future__ import annotations

import difflib
import json
import re
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from envcheck import llm
from envcheck.checks.providers.config import Provider, models_path
from envcheck.checks.shared import ollama as ollama_shared
from envcheck.checks.shared import tls as _tls
from envcheck.checks.shared.errors import causes
from envcheck.core import redact
from envcheck.core.fix import Command, Edit, Fix, Manual, Step
from envcheck.core.model import CheckFailed, CheckSkipped, Outcome, ok
from envcheck.llm import _between
from envcheck.llm._errors import page_text, sign_in_page

#: the model listing is what ``auth``, ``model`` and (without smoke) ``headroom`` send
LISTING_CHECKS = ("auth", "model", "headroom")
#: how long a shown provider message may be
SHOWN = 300


@dataclass(frozen=True)
class Sent:
    """The request that met the answer."""

    method: str
    path: str
    url: str
    listing: bool
    model: str | None = None
    body: Any = None

    @property
    def line(self) -> str:
        """``GET /v1/models``: the request line, as the server saw it."""
        return f"{self.method} {urlsplit(self.url).path}"

    @property
    def size(self) -> int:
        return len(json.dumps(self.body)) if self.body is not None else 0

    def described(self) -> str:
        if self.listing:
            return f"the model listing ({self.line}, which sends no model)"
        return f"the {self.size}-byte request for {self.model} ({self.line})"


def verdict(
    p: Provider, exc: llm.ProviderError, check: str, *, listed: bool = False
) -> CheckFailed | CheckSkipped | Outcome:
    """The verdict of ``check`` on ``exc``: a limit passes ``auth``, fails ``headroom`` and skips
    the rest; anything else fails the check that met it (``headroom`` leaves it to the check whose
    request it is)."""
    sent: Sent | None = getattr(exc, "sent", None)
    exc = _proxy_page(exc, sent)
    if isinstance(exc, (llm.RateLimited, llm.QuotaExhausted)):
        return _limited(p, exc, check, sent)
    if check == "headroom":
        owner = "smoke" if sent is not None and not sent.listing else "auth"
        return CheckSkipped(
            f"rate limits not read: its request failed ({exc.kind}, HTTP {exc.status}); "
            f"{p.name}.{owner} reports why",
            why=_answered(p, exc),
        )
    return failure(p, exc, listed=listed)


def manual(text: str, ask: str | None = None) -> Fix:
    """A fix a person does (and how it reads)."""
    return Fix([Manual(text, ask=ask)], text=text)


def _tried(exc: llm.ProviderError) -> str:
    retries = int(getattr(exc, "retries", 0) or 0)
    return f" (after {retries} {'retry' if retries == 1 else 'retries'})" if retries else ""


def _message(exc: llm.ProviderError) -> str:
    return redact.clean(exc.message, SHOWN)


def _answered(p: Provider, exc: llm.ProviderError) -> str | None:
    """``openai answered HTTP 404 to GET /v1/models: <what the structure shows>``."""
    if exc.status is None:  # a transport failure: its own why
        return exc.why
    sent: Sent | None = getattr(exc, "sent", None)
    to = f" to {sent.line}" if sent is not None else ""
    # an error a 200 carried in its body (http.in_body_error): read at its code, shown as sent
    inside = getattr(exc, "in_body", None)
    status = f"200 with {inside}" if inside else exc.status
    return f"{p.label} answered HTTP {status}{to}" + (f": {exc.why}" if exc.why else "")


def _limited(
    p: Provider, exc: llm.ProviderError, check: str, sent: Sent | None
) -> CheckFailed | CheckSkipped | Outcome:
    fields = exc.detail.fields()
    said = f"HTTP {exc.status}"
    inside = getattr(exc, "in_body", None)  # an error inside a 200, read as that status
    if inside:
        said = f"HTTP 200 with {inside}, read as {exc.status}"
    if fields and not (inside and inside.split()[0] in fields):
        said += f", {fields}"
    if check == "auth":
        return ok(
            f"key accepted by {p.label}: it answered {exc.kind} ({said}), which only an "
            f"accepted key gets; {p.name}.headroom reports the limit",
            accepted_with=exc.status,
        )
    if check != "headroom":
        what = "list the models" if sent is None or sent.listing else f"call {p.model}"
        return CheckSkipped(
            f"cannot {what} now: {exc.kind} ({said}); {p.name}.headroom reports it",
            why=_answered(p, exc),
        )
    quota = isinstance(exc, llm.QuotaExhausted)
    text = exc.hint or f"lower `rpm` for {p.name} in [tool.envcheck.providers], or wait"
    links = [u for u in exc.detail.urls if u not in text]
    if exc.detail.links:  # the pages a structured field of the answer names (Gemini's Help)
        links = [u for u in exc.detail.links if u not in text]
    if (not p.vendor or exc.detail.links) and links:  # the service's own page, as it gives it
        text += f" (the answer links {links[0]})"
    ask = "whoever pays for the account" if quota else None
    steps: list[Step] = [Manual(text, ask=ask)]
    return CheckFailed(
        f"{p.name}: {exc.kind}{_tried(exc)}: {_message(exc)}",
        why=_answered(p, exc),
        fix=Fix(steps, text=text),
    )


def failure(p: Provider, exc: llm.ProviderError, *, listed: bool = False) -> CheckFailed:
    """The failure of the check whose request met ``exc``, with a structured fix."""
    sent: Sent | None = getattr(exc, "sent", None)
    summary = f"{p.name}: {exc.kind}{_tried(exc)}: {_message(exc)}"
    why = _answered(p, exc)
    if exc.status is None:
        return CheckFailed(_transport_summary(p, exc, summary), why=why, fix=_transport_fix(exc))
    if isinstance(exc, llm.Intermediary):
        return _intermediary(p, exc, sent)
    if isinstance(exc, (llm.NetworkSignIn, llm.HeaderChanged)):  # a network's or a gateway's
        text = exc.hint or "do what the answer says"
        return CheckFailed(summary, why=why, fix=Fix([Manual(text)], text=text))
    if isinstance(exc, llm.Redirected):
        return CheckFailed(summary, why=why, fix=manual(exc.hint or "check base_url"))
    if claude_code_token(p, exc):
        return _claude_code_token(p, exc, summary, why)
    against = _contradiction(p, exc, sent, listed)
    if against is not None:
        return contradicted(p, exc, sent, *against)
    if isinstance(exc, (llm.WrongApi, llm.OtherApi)):
        return CheckFailed(summary, why=why, fix=_wrong_api_fix(p, exc))
    if isinstance(exc, llm.KeyNotReceived):
        return CheckFailed(summary, why=why, fix=_compare_by_hand(p))
    if isinstance(exc, llm.RegionalHost):
        return CheckFailed(summary, why=why, fix=_regional_host_fix(p, exc))
    # MiniMax's key codes (base_resp 2049, 1004) name the key, not a model closed to it
    minimax = exc.detail.code_field == llm.MINIMAX_FIELD
    if isinstance(exc, llm.AuthenticationFailed) and listed and sent and not sent.listing:
        if not minimax:
            return _key_refused_for_model(p, exc)
    issuer = foreign_key(p) if isinstance(exc, llm.AuthenticationFailed) else None
    if issuer is not None and {exc.detail.code, exc.detail.type, *exc.detail.reasons} & (
        llm.KEY_INVALID
    ):
        return _foreign_key(p, summary, why, issuer)
    if isinstance(exc, llm.AuthenticationFailed):
        return CheckFailed(summary, why=why, fix=_key_fix(p, exc))
    if _model_forbidden(exc, listed, sent) and _anthropic_own(p, exc):
        return _forbidden_for_model(p, exc, summary)
    region = isinstance(exc, llm.RegionNotSupported) and exc.detail.type in llm.REGION_TYPES
    if region and listed and sent is not None and not sent.listing:
        return _region_for_model(p, exc, summary)
    if isinstance(exc, llm.PermissionDenied):
        return CheckFailed(summary, why=why, fix=_forbidden_fix(p, exc))
    if isinstance(exc, llm.AccountRestricted):
        text = exc.hint or "do what the answer says"
        return CheckFailed(summary, why=why, fix=manual(text, ask="the owner of the account"))
    if isinstance(exc, llm.NoRoute) and listed and sent is not None and not sent.listing:
        return _no_route_after_listing(p, exc, sent, summary)
    if isinstance(exc, llm.EndpointNotFound):
        asked = urlsplit(sent.url).path if sent is not None else ""
        own = _own_endpoint(p, asked)
        if own is not None:
            why = (
                f"{why}; base_url ends in {own}, the path of a request the client adds to "
                "base_url itself: base_url is that endpoint's URL, not the API's root"
            )
        if p.base_url_variable:  # where base_url came from: the app's client reads it too
            why = f"{why} (base_url is {p.base_url_variable}={p.base_url})"
        if exc.detail.code_field == "errors[].code" and exc.hint:  # Cloudflare's router's code
            text = f"{exc.hint} (now {p.base_url})"
            return CheckFailed(summary, why=why, fix=Fix([Manual(text)], text=text))
        return CheckFailed(summary, why=why, fix=_base_url_fix(p, asked))
    if isinstance(exc, llm.DeploymentNotFound):
        return CheckFailed(summary, why=why, fix=_deployment_fix(p))
    if isinstance(exc, (llm.ModelNotFound, llm.BadRequest)) and listed and not_served_here(exc):
        return not_served_here_failure(p, exc, None)
    if isinstance(exc, llm.ModelNotFound) and listed:
        refused = f"{p.name}: {p.model} is listed but refused{_tried(exc)}: {_message(exc)}"
        return _listed_but_refused(p, exc, refused)
    if isinstance(exc, llm.ModelNotFound):
        text = f"set model to one that {p.label} lists for this key, in {p.table}"
        return CheckFailed(summary, why=why, fix=Fix([Manual(text)], text=text))
    if isinstance(exc, llm.BadRequest) and sent is not None and sent.listing:
        return _listing_refused(p, exc, summary)
    if isinstance(exc, llm.ProvidersNotAllowed):
        text = exc.hint or "allow a provider that serves the model"
        return CheckFailed(summary, why=why, fix=manual(text, ask="the owner of the account"))
    if isinstance(exc, llm.ModelUnavailable):
        return _model_unavailable(p, exc, summary)
    if isinstance(exc, llm.ContentFiltered):
        return _content_filtered(p, exc, summary)
    if isinstance(exc, llm.ContextTooLong):
        return _context_too_small(p, exc, summary, sent)
    if isinstance(exc, llm.RequestTooLarge):
        return _too_large(p, exc, summary, sent)
    if isinstance(exc, llm.NotSupported):
        ask = "whoever administers the proxy" if isinstance(exc, llm.NoKeyDatabase) else None
        return CheckFailed(summary, why=why, fix=manual(exc.hint or "do what the answer says", ask))
    if isinstance(exc, (llm.ServerError, llm.Overloaded, llm.ProviderTimeout)):
        return CheckFailed(summary, why=why, fix=_outage_fix(p, exc))
    changed = body_changed(p, exc, sent)
    if changed is not None:
        return changed
    return fallback(p, exc, sent, listed=listed)


#: serde's refusal of a JSON value of another type, as Rust servers behind axum word it
#: (DeepSeek's 422: "Failed to deserialize the JSON body into the target type: messages[0].content:
#: invalid type: sequence, expected a string at line 1 column 40"); the only field it gives is this
#: text, so it is read by its fixed form, not by a word
_SERDE_TYPE = re.compile(
    r"^Failed to deserialize the JSON body into the target type: (?P<path>[\w.\[\]]+): "
    r"invalid type: (?P<got>[^,]+), expected (?P<want>.+?)(?: at line \d+ column \d+)?$"
)
#: serde's words for a JSON type, against the Python type envcheck's body held there
_SERDE_TYPES: dict[str, tuple[type, ...]] = {
    "a string": (str,),
    "a sequence": (list,),
    "a map": (dict,),
    "a boolean": (bool,),
    "an integer": (int,),
}
_NOTHING = object()


def _value_at(body: Any, path: list[str]) -> Any:
    """The value of envcheck's request body at ``path`` (``["messages", "0", "content"]``), or
    ``_NOTHING`` when the body has none there."""
    for part in path:
        if isinstance(body, dict) and part in body:
            body = body[part]
        elif isinstance(body, list) and part.isdigit() and int(part) < len(body):
            body = body[int(part)]
        else:
            return _NOTHING
    return body


def body_changed(p: Provider, exc: llm.ProviderError, sent: Sent | None) -> CheckFailed | None:
    """A 4xx request validation that names a part of the body envcheck's request did not hold as
    refused: a field it did not send (pydantic's ``extra_forbidden`` at ``loc`` ``body.<field>``,
    Mistral's 422), or a value of another type than it sent (serde's "invalid type", DeepSeek's
    422). What reached the service was changed on the way (a gateway or proxy at base_url): not
    the key, not the model. None when the answer is not one of these."""
    if sent is None or sent.listing or not isinstance(sent.body, dict) or exc.status is None:
        return None
    if exc.status not in (400, 422):
        return None
    sent_keys = ", ".join(sent.body)
    found = ""
    for loc, kind, msg in exc.detail.invalid:
        parts = loc.split(".")
        if kind == "extra_forbidden" and parts[0] == "body" and len(parts) > 1:
            if _value_at(sent.body, parts[1:]) is _NOTHING:
                found = (
                    f"its request validation refused {loc} ({kind}: {msg}), and envcheck did not "
                    f"send {'.'.join(parts[1:])} (its request carried only {sent_keys}): "
                    f"something between envcheck and {p.label} (a gateway or proxy at base_url) "
                    "added it"
                )
                break
    said = _SERDE_TYPE.match(exc.detail.message)
    if not found and said is not None:
        path = said["path"].replace("[", ".").replace("]", "").split(".")
        value = _value_at(sent.body, [part for part in path if part])
        kinds = _SERDE_TYPES.get(said["want"].strip())
        if value is not _NOTHING and kinds and isinstance(value, kinds):
            found = (
                f"it could not read {said['path']} (it got {said['got']}, expected "
                f"{said['want']}), and envcheck sent {said['path']} as {said['want']}: what "
                f"reached {p.label} was rewritten on the way, by something between them (a "
                "gateway or proxy at base_url)"
            )
    if not found:
        return None
    fields = exc.detail.fields()
    summary = (
        f"{p.name}: HTTP {exc.status} to {sent.line}"
        + (f" ({fields})" if fields else "")
        + f"{_tried(exc)}: {_message(exc)}"
    )
    why = (
        f"{p.label} refused {sent.described()} with HTTP {exc.status}: {found}; the key and the "
        "model are not what was refused"
    )
    text = (
        f"have the gateway or proxy at base_url pass the request body through unchanged, or "
        f"point base_url (now {p.base_url}) at the service's own API; then compare with: "
        f"{_curl(p, sent)}"
    )
    return CheckFailed(summary, why=why, fix=Fix([Manual(text)], text=text))


#: what each class means about the request it answered: a model, a body, a prompt that the
#: model listing (GET, no body) does not carry
_ABOUT_THE_REQUEST: tuple[tuple[type[llm.ProviderError], str], ...] = (
    (llm.ContextTooLong, "the request does not fit the model's context window"),
    (llm.RequestTooLarge, "the request body is over a size limit"),
    (llm.ContentFiltered, "a content filter refused the prompt"),
    (llm.ModelUnavailable, "the service will not run the model it was asked for"),
    (llm.ModelNotFound, "the service does not know the model it was asked for"),
)
#: Google's ErrorInfo reasons about the key or its project as a whole (every request of the key
#: to this API is refused alike)
_KEY_REASONS = {
    "CONSUMER_SUSPENDED",
    "CONSUMER_INVALID",
    "SERVICE_DISABLED",
    "API_KEY_SERVICE_BLOCKED",
    "API_KEY_INVALID",
    "API_KEY_HTTP_REFERRER_BLOCKED",
    "API_KEY_IP_ADDRESS_BLOCKED",
    "API_KEY_ANDROID_APP_BLOCKED",
    "API_KEY_IOS_APP_BLOCKED",
}
#: Google's ErrorInfo reasons about an OAuth access token, which envcheck's requests never carry
#: (they send an API key)
_TOKEN_REASONS = {
    "ACCESS_TOKEN_EXPIRED",
    "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
    "ACCESS_TOKEN_TYPE_UNSUPPORTED",
}
#: OpenAI's codes about the key, its organization or its account as a whole
_KEY_CODES = (
    llm.KEY_INVALID
    | llm.ORGANIZATION_CODES
    | {
        "account_deactivated",
        "no_organization",
        "unsupported_country_region_territory",
    }
)


def _contradiction(
    p: Provider, exc: llm.ProviderError, sent: Sent | None, listed: bool
) -> tuple[str, str] | None:
    """What the answer's class would mean and what about the request contradicts it, when the
    request (or the same key's listing) rules the class out: a class about the model, the body
    or the prompt met by the model listing, which sends none; a refusal of the key itself (its
    fields say invalid, suspended, disabled, blocked, another organization, a country) to the
    call of a model, after the listing with this very key was answered."""
    if sent is None:
        return None
    tokens = sorted(set(exc.detail.reasons) & _TOKEN_REASONS)
    if tokens:
        return (
            f"an OAuth access token that is refused (reason={tokens[0]})",
            f"{sent.described()} carries an API key ({_header(p).split(':')[0]}), no access "
            "token: something between envcheck and the service (a proxy, a gateway) sent one",
        )
    if sent.listing:
        for cls, meaning in _ABOUT_THE_REQUEST:
            if isinstance(exc, cls):
                return meaning, f"{sent.described()} sends no model, no prompt and no body"
        return None
    if not listed or exc.status not in (400, 401, 403):
        return None
    said = {exc.detail.code, exc.detail.type} & _KEY_CODES
    reasons = set(exc.detail.reasons) & _KEY_REASONS
    if isinstance(exc, llm.KeyNotReceived) or said or reasons:
        field = ", ".join(sorted(said | reasons)) or "no key received"
        return (
            f"the key itself (or its project, account or network) is refused ({field}), for "
            "every request",
            f"the model listing with this very key, from this machine, was answered (auth and "
            f"model passed) before {sent.line}",
        )
    return None


def contradicted(
    p: Provider, exc: llm.ProviderError, sent: Sent | None, meaning: str, against: str
) -> CheckFailed:
    """The honest fallback for an answer whose class the request it answered contradicts: what
    came back, to which request, what its class would mean and what rules that out."""
    made = fallback(p, exc, sent)
    fields = exc.detail.fields()
    described = sent.described() if sent is not None else "envcheck's request"
    why = (
        f"{p.label} refused {described} with HTTP {exc.status}"
        + (f" ({fields})" if fields else "")
        + f": that would mean {meaning}, but {against}: the answer contradicts the request it "
        "was given, so no cause is guessed: the provider's own words above are what is known "
        "(a proxy or gateway in front of the service may answer for it)"
    )
    return CheckFailed(made.summary, why=why, fix=made.fix)


def fallback(
    p: Provider, exc: llm.ProviderError, sent: Sent | None, *, listed: bool = False
) -> CheckFailed:
    """The honest fallback: what came back, to which request, and how to see it whole."""
    fields = exc.detail.fields()
    line = sent.line if sent is not None else "its request"
    summary = (
        f"{p.name}: HTTP {exc.status} to {line}"
        + (f" ({fields})" if fields else "")
        + f"{_tried(exc)}: {_message(exc)}"
    )
    described = sent.described() if sent is not None else "envcheck's request"
    # which request met it, and what the listing showed: facts, not a cause (a 400 to a listed
    # model's minimal request may be about the model or about a parameter)
    shown = listed and sent is not None and not sent.listing
    upstream = exc.detail.upstream
    why = (
        f"{p.label} refused {described} with HTTP {exc.status}"
        + (f" ({fields})" if fields else "")
        + (
            f": the provider it routed the call to, {upstream} (metadata.provider_name), refused"
            " it, and its own answer (metadata.raw) is quoted above"
            if upstream
            else ""
        )
        + (f"; its model listing shows {p.model} for this key" if shown else "")
        + "; no row of envcheck's verdict table covers this answer, so no cause is guessed: "
        "the provider's own words above are what is known"
    )
    steps: list[Step] = [Manual(f"read the whole answer: {_curl(p, sent)}")]
    steps += [Manual(f"the answer links {url}") for url in exc.detail.urls[:2]]
    limits = llm.LIMITS_PAGES.get(p.kind) if p.vendor else None
    if limits and exc.status == 400 and sent is not None and not sent.listing:
        # envcheck's smoke request is the documented minimal one: a 400 to it may be about the
        # account (its limits, its spending), which is settled where the account's limits are
        steps.append(Manual(f"if it is about the account, its limits and spending: {limits}"))
    text = "; then ".join(step.render() for step in steps)
    return CheckFailed(summary, why=why, fix=Fix(steps, text=text))


def _through(sent: Sent | None) -> _between.Route | None:
    """The proxy an answer came back through in-band (an ``http://`` URL: the proxy sees the
    request and may answer it itself); None for a direct request or a CONNECT tunnel."""
    via = _between.route(sent.url) if sent is not None else None
    return via if via is not None and not via.tunnel else None


#: the statuses a proxy answers a request it refuses with (its policy: 403; its credentials:
#: 407): through a proxy in-band, such an answer that is not JSON is read as the proxy's. A 401
#: or 429 that is not JSON is no proxy's own (a service's edge sends them too, GitHub's text
#: 429, Perplexity's openresty 401): those keep their class, and the proxy is named beside them
_PROXY_REFUSALS = (403, 407)


def _proxy_page(exc: llm.ProviderError, sent: Sent | None) -> llm.ProviderError:
    """A refusal that is not JSON, to a request that went through a proxy in-band, as the
    proxy's (an API answers JSON; the proxy saw the request and may answer it itself)."""
    via = _through(sent)
    if via is None or exc.detail.json:
        return exc
    if exc.status not in _PROXY_REFUSALS:
        if exc.why and via.described() not in exc.why:
            exc.why += f"; it is not JSON, and the request went through {via.described()}"
        return exc
    if isinstance(exc, llm.Intermediary):
        return exc
    made = llm.Intermediary(
        exc.provider,
        exc.message,
        status=exc.status,
        why=f"HTTP {exc.status} is not the service's JSON answer, and the request went through "
        f"{via.described()}: a page of that proxy (or of what stands behind it), refusing the "
        "request before the service saw it, so it says nothing of the key, the model or the "
        "account",
        detail=exc.detail,
    )
    made.layer, made.who = "proxy", via.described()
    made.sent = sent  # type: ignore[attr-defined]
    for name in ("elapsed", "tries", "retries"):
        setattr(made, name, getattr(exc, name, None))
    return made


def _intermediary(p: Provider, exc: llm.ProviderError, sent: Sent | None) -> CheckFailed:
    """A proxy's or a gateway's own refusal: its status, its page's words and the header that
    names it; the fix is the layer's (the proxy's credentials or NO_PROXY, the gateway's
    operator), never the key's."""
    layer = getattr(exc, "layer", "gateway")
    who = getattr(exc, "who", "") or "a proxy or gateway"
    line = sent.line if sent is not None else "its request"
    summary = f"{p.name}: HTTP {exc.status} to {line} from {who}: {_message(exc)}"
    via = _through(sent)
    why = exc.why or ""
    if via is not None and via.described() not in why:
        why += f"; the request went through {via.described()}"
    if layer == "proxy" or via is not None:
        where = via.variable if via is not None else "HTTP_PROXY / HTTPS_PROXY"
        if exc.status == 407:
            text = (
                f"give the proxy the credentials it asks for, in the proxy URL of {where} "
                f"(http://USER:PASSWORD@host:port); or, if {p.host} is reachable without the "
                f"proxy, {_between.no_proxy_with(p.host)}"
            )
        else:
            text = (
                f"the proxy's rules refuse {p.host}: ask its administrators to allow it; or, if "
                f"{p.host} is reachable without the proxy, {_between.no_proxy_with(p.host)}"
            )
    elif exc.status == 429:
        text = (
            f"{who} limits the requests from this machine's address: wait and retry; if it "
            f"persists, ask whoever runs {p.host}"
        )
    else:
        text = (
            f"{who} in front of {p.host} refused this machine's request (its rules: the "
            f"address, the network, the client): ask whoever runs {p.host}, quoting the page's "
            "ray or request id, or run from another network"
        )
    return CheckFailed(summary, why=why, fix=manual(text))


def redirected(p: Provider, response: Any) -> llm.Redirected:
    """A 3xx answer: where it points, and why envcheck does not follow it."""
    location = str(response.headers.get("location", ""))
    target = str(response.request.url)
    same = urlsplit(location).netloc in ("", urlsplit(target).netloc)
    where = "another path of the same host" if same else "another host"
    made = llm.Redirected(
        p.name,
        f"HTTP {response.status_code} redirect of {target} to {location}",
        status=response.status_code,
        why=f"{p.label} answered HTTP {response.status_code} with Location: {location} ({where}): "
        "envcheck does not follow a redirect, as a request with the key must not go where an "
        "answer says (the SDKs follow it; a gateway or a moved service sends it)",
        hint=f"if {location} is the service's address, set base_url in {p.table} to it (the "
        "part before the API's paths); otherwise ask whoever runs "
        f"{p.host} why it redirects",
    )
    made.location = location
    return made


def undecodable(p: Provider, url: str, exc: Exception) -> llm.MalformedResponse:
    """A body whose Content-Encoding does not decode (a corrupt gzip): the transport's fault."""
    where = urlsplit(url).netloc
    return llm.MalformedResponse(
        p.name,
        f"the answer of {url} does not decode",
        why=f"transport: {redact.clean(str(exc), 200)}: the body was damaged on the way (a "
        f"proxy or gateway that re-encodes it) or by {where} itself",
        hint=f"compare by hand: curl -sS --compressed -o /dev/null -w '%{{http_code}}' {url}; "
        "retry, and if it persists ask whoever runs the server or the gateway in front of it",
    )


#: the package that gives httpx a decoder for a content coding it lacks
_DECODER_PACKAGES = {"br": "brotli", "zstd": "zstandard"}


def not_json(p: Provider, response: Any) -> CheckFailed:
    """An answer to read as JSON that is not: an HTML page by its title, a coding this client
    cannot decode by its name, through which proxy it came."""
    from envcheck.llm import _pool

    url = str(response.request.url)
    coding = _pool.undecoded(response)
    sent = Sent(response.request.method, "", url, False)
    via = _through(sent)
    through = f"; it came through {via.described()}" if via is not None else ""
    if coding:
        package = _DECODER_PACKAGES.get(coding.split(",")[0].strip())
        accepted = response.request.headers.get("accept-encoding", "")
        summary = (
            f"{p.name} answered {url} with a body in Content-Encoding: {coding}, which this "
            "client cannot decode, so it is not JSON here"
        )
        why = (
            f"transport: the client asked for Accept-Encoding: {accepted}, and the server (or a "
            f"gateway in front of it) sent {coding} anyway{through}"
        )
        text = f"pip install {package} (httpx then decodes {coding})" if package else ""
        text = (text + "; or " if text else "") + "have the server or gateway honour "
        text += "Accept-Encoding"
        return CheckFailed(summary, why=why, fix=manual(text))
    shown = redact.clean(page_text(response.text), 120)
    kind = response.headers.get("content-type", "no content type")
    page = sign_in_page(response.text) if "html" in kind.lower() else ""
    if page and urlsplit(page).hostname != urlsplit(url).hostname:
        return _sign_in_page(p, url, response.status_code, kind, shown, page, through)
    return CheckFailed(
        f"{p.name} answered {url} with something that is not JSON (HTTP "
        f"{response.status_code}, {kind}): {shown!r}",
        why="base_url points at something that is not this provider's API (a proxy error page, "
        f"a captive portal's sign-in page), or the answer was cut short{through}",
        fix=manual(f"check base_url of {p.table}"),
    )


def _sign_in_page(
    p: Provider, url: str, status: int, kind: str, shown: str, page: str, through: str
) -> CheckFailed:
    """An HTML page in place of the API's JSON that sends a browser to another host (its meta
    refresh, or its link): a sign-in page answered, a network's (a captive portal that does not
    send 511) or a web app's in front of the API."""
    return CheckFailed(
        f"{p.name} answered {url} with an HTML page, not JSON (HTTP {status}, {kind}): "
        f"{shown!r}",
        why=f"the page sends a browser to {page} (its meta refresh or link), another host than "
        f"base_url's: a sign-in page answered instead of {p.label}'s API, a network's (a captive "
        f"portal) or a web app's login in front of the API{through}",
        fix=manual(
            f"open {page} in a browser and sign in (the network's portal), then run again; if "
            f"base_url is a web app's address rather than its API, check base_url of {p.table}"
        ),
    )


def answer_withheld(p: Provider, response: Any, field: str, value: str) -> CheckFailed:
    """A 200 to the smoke call whose structure says the provider's filters withheld the text
    (``field`` = ``value``): the key, the address and the model work; the answer was blocked."""
    url = str(response.request.url)
    return CheckFailed(
        f"{p.name}: {p.model} answered the smoke call with no text: {field} = {value}",
        why=f"{p.name} answered POST {response.request.url.path} with HTTP 200 and {field} "
        f"{value}: the key, base_url and model work, and the provider's own filters withheld the "
        "answer to envcheck's prompt ('Reply with OK.', at most 5 tokens) or the text the model "
        "began; an application's calls meet the same filters",
        fix=manual(
            f"read the whole answer and its filter fields (curl -sS -i -X POST {url} with the "
            f"same body); {value} for a prompt this plain is the account's or the deployment's "
            "filter setting (Azure OpenAI: the deployment's content filter; Gemini: "
            "safetySettings do not lift PROHIBITED_CONTENT): ask whoever manages the account, "
            "or the provider's support"
        ),
    )


def wrong_shape(p: Provider, response: Any, data: Any, fields: tuple[str, ...]) -> CheckFailed:
    """A 200 whose JSON is not this API's answer to the request (the field the API defines for it
    is missing): not the provider's answer, whatever sent it."""
    url = str(response.request.url)
    shown = redact.clean(json.dumps(data)[:120], 120)
    wanted = " or ".join(f"`{f}`" for f in fields)
    return CheckFailed(
        f"{p.name} answered {url} with HTTP {response.status_code} and JSON that is not the shape "
        f"of this API's answer (no {wanted}): {shown}",
        why=f"the {p.kind} API answers this request with {wanted}; this JSON came from "
        "something else at base_url (another service, a gateway's or a stub's answer)",
        fix=manual(f"check base_url of {p.table}"),
    )


# -- fixes ---------------------------------------------------------------------------------------


def _header(p: Provider) -> str:
    variable = p.key_variable or "KEY"
    if p.kind == "openai":
        return f"Authorization: Bearer ${variable}"
    if p.kind == "anthropic":
        return f"x-api-key: ${variable}"
    return f"x-goog-api-key: ${variable}"


def _curl(p: Provider, sent: Sent | None) -> str:
    url = sent.url if sent is not None else p.base_url + models_path(p)
    line = f'curl -sS -i -H "{_header(p)}" {url}'
    if p.kind == "anthropic":
        line += ' -H "anthropic-version: 2023-06-01"'
    if sent is not None and sent.body is not None:
        line += f" -H 'content-type: application/json' -d '{json.dumps(sent.body)}'"
    return line


def _compare_by_hand(p: Provider) -> Fix:
    text = (
        f'compare by hand: curl -sS -H "{_header(p)}" {p.base_url}{models_path(p)}; '
        f"set NO_PROXY={p.host} or fix the proxy that drops the header"
    )
    return Fix([Manual(text)], text=text)


def _regional_host_fix(p: Provider, exc: llm.RegionalHost) -> Fix:
    """base_url at the regional host the answer names, with the path base_url has now (the
    default's ``/v1``): OpenAI serves the same API there (``https://us.api.openai.com/v1``)."""
    if not exc.host:
        text = (
            f"set {base_url_setting(p)} to the regional host of the key's project (its data "
            "residency: https://<region>.api.openai.com/v1, as the project's settings show)"
        )
        return Fix([Manual(text, ask="whoever manages the OpenAI project")], text=text)
    path = urlsplit(p.base_url).path.rstrip("/") or "/v1"
    served = f"https://{exc.host}{path}"
    if p.base_url_variable:
        text = f"export {p.base_url_variable}={served}  (the app's client reads it too)"
        return Fix([Manual(text)], text=text)
    return Fix([edit_step(p, "base_url", served)], text=f'set base_url = "{served}" in {p.table}')


def _key_fix(p: Provider, exc: llm.AuthenticationFailed) -> Fix:
    if (getattr(exc, "entra", False) or exc.detail.code == llm.AZURE_NO_ROLE) and exc.hint:
        # an Entra ID token: its claims (or Azure's code) say what to do, not a resource's key
        ask = "whoever manages the Azure resource's access control (IAM)"
        return Fix([Manual(exc.hint, ask=ask)], text=exc.hint)
    if exc.detail.code == "no_organization" and exc.hint:
        return Fix([Manual(exc.hint, ask="an owner of the OpenAI organization")], text=exc.hint)
    if exc.detail.code in llm.ORGANIZATION_CODES and exc.hint:
        return Fix([Manual(exc.hint)], text=exc.hint)
    if exc.detail.code == "account_deactivated" and exc.hint:
        # the account, not the key: a new key of the same account is refused alike
        ask = f"the owner of the {p.label} account"
        return Fix([Manual(exc.hint, ask=ask)], text=exc.hint)
    variable = p.key_variable or f"api_key in {p.table}"
    if isinstance(exc, llm.CredentialMoved) and exc.hint:
        # the key arrived in another header than envcheck sent it in: what rewrote it is the fix
        return Fix([Manual(exc.hint)], text=exc.hint)
    if "OVERLOADED_CREDENTIALS" in exc.detail.reasons and exc.hint:
        # the key is not refused: a credential added on the way is
        return Fix([Manual(exc.hint)], text=exc.hint)
    if exc.detail.type == llm.LITELLM_EXPIRED_KEY and exc.hint:
        # the proxy knows the key: a new one (or a later expiry) comes from its administrator
        put = f"export {variable}=..." if p.key_variable else f"as api_key in {p.table}"
        text = f"{exc.hint}; then set the new key: {put}"
        return Fix([Manual(text, ask="whoever administers the proxy")], text=text)
    if exc.detail.code_field == "errors[].code" and exc.detail.code == llm.CLOUDFLARE_TOKEN_INVALID:
        # Cloudflare's token, with the permission of the API base_url names: Workers AI's own
        # (api.cloudflare.com/client/v4/accounts/<id>/ai/), or an AI Gateway's
        host = (urlsplit(p.base_url).hostname or "").lower()
        which = (
            "that this AI Gateway accepts"
            if host.endswith("gateway.ai.cloudflare.com")
            else "of this account with the Workers AI Read and Edit permissions"
        )
        put = f"export {variable}=..." if p.key_variable else f"as api_key in {p.table}"
        text = f"set a Cloudflare API token {which}: {put}  ({llm.CLOUDFLARE_TOKENS})"
        return Fix([Manual(text, ask=f"whoever manages the {p.label} account's tokens")], text=text)
    if exc.detail.code_field == llm.MINIMAX_FIELD and exc.hint:
        put = f"export {variable}=..." if p.key_variable else f"as api_key in {p.table}"
        text = f"set {exc.hint}: {put}"
        return Fix([Manual(text)], text=text)
    text = f"set a valid key: export {variable}=...  ({p.key_page})"
    if not p.key_variable:
        text = f"set a valid key as api_key in {p.table}  ({p.key_page})"
    said = {exc.detail.code, exc.detail.type, *exc.detail.reasons}
    if not said & llm.KEY_INVALID:
        # no field says the key itself is wrong: a key that is recognised can lack permissions
        text += (
            "; if the key is valid, give it the permissions the answer names (a restricted "
            "key's permissions or scopes, its role in the project)"
        )
    if p.azure:  # Azure answers a wrong key and another resource's endpoint alike
        text += (
            "; the key must be one of this resource's (Keys and Endpoint in the Azure portal), "
            f"and base_url this resource's endpoint (now {p.base_url})"
        )
    return Fix([Manual(text, ask=f"whoever manages the {p.label} account's keys")], text=text)


@dataclass(frozen=True)
class KeyIssuer:
    """A service whose API keys carry a prefix of their own (its documented key format)."""

    prefix: str
    service: str
    kind: str  # the API it speaks
    base_url: str
    #: the vendor table it is (``anthropic``, ``gemini``), when it is one
    vendor: str = ""


#: key prefixes that name the service issuing the key; OpenAI's own (``sk-``, ``sk-proj-``) and
#: other bare ``sk-`` keys (DeepSeek, DashScope, Moonshot) name no one and are not here
KEY_ISSUERS = (
    KeyIssuer(
        "nvapi-",
        "NVIDIA's API catalog (build.nvidia.com)",
        "openai",
        "https://integrate.api.nvidia.com/v1",
    ),
    KeyIssuer("sk-or-", "OpenRouter", "openai", "https://openrouter.ai/api/v1"),
    KeyIssuer("sk-ant-", "Anthropic", "anthropic", "https://api.anthropic.com", "anthropic"),
    KeyIssuer("gsk_", "Groq", "openai", "https://api.groq.com/openai/v1"),
    KeyIssuer("xai-", "xAI", "openai", "https://api.x.ai/v1"),
    KeyIssuer("hf_", "Hugging Face", "openai", "https://router.huggingface.co/v1"),
    KeyIssuer("pplx-", "Perplexity", "openai", "https://api.perplexity.ai"),
    KeyIssuer(
        "AIza",
        "Google (a Gemini API key)",
        "gemini",
        "https://generativelanguage.googleapis.com",
        "gemini",
    ),
)


#: the prefix of a Claude Code credential: the OAuth token of a Claude subscription, as `claude
#: setup-token` prints it and CLAUDE_CODE_OAUTH_TOKEN holds it (Anthropic's API keys begin
#: ``sk-ant-api``); Anthropic answers it outside Claude Code with 400 invalid_request_error "This
#: credential is only authorized for use with Claude Code and cannot be used for other API
#: requests." (anymorph-ai/Claudable#45, anthropics/claude-code#8046)
CLAUDE_CODE_TOKEN = "sk-ant-oat"


def claude_code_token(p: Provider, exc: llm.ProviderError) -> bool:
    """An Anthropic API refusing (400, 401, 403) a key that is a Claude Code OAuth token: the
    key's kind, which envcheck reads from its prefix, not from the answer's words."""
    refused = exc.status in (400, 401, 403) and not isinstance(exc, llm.Intermediary)
    return p.kind == "anthropic" and (p.key or "").startswith(CLAUDE_CODE_TOKEN) and refused


def _claude_code_token(
    p: Provider, exc: llm.ProviderError, summary: str, why: str | None
) -> CheckFailed:
    """The key is Claude Code's OAuth token, which the Messages API takes only from Claude Code:
    the fix is an API key, whatever the answer's type."""
    why = (
        f"{why}; the key is a Claude Code OAuth token (its prefix {CLAUDE_CODE_TOKEN}: what "
        "`claude setup-token` prints and CLAUDE_CODE_OAUTH_TOKEN holds), which Anthropic accepts "
        "only from Claude Code; its API takes an API key (sk-ant-api...)"
    )
    page = llm.KEY_PAGES["anthropic"]
    variable = p.key_variable or "api_key"
    text = (
        f"create an Anthropic API key at {page} and give it to {p.table} as api_key (for "
        f'example api_key = "${{ANTHROPIC_API_KEY}}" and export ANTHROPIC_API_KEY=...): the token '
        f"in {variable} works only in Claude Code"
    )
    ask = f"whoever manages the {p.label} account's keys"
    return CheckFailed(summary, why=why, fix=Fix([Manual(text, ask=ask)], text=text))


def foreign_key(p: Provider) -> KeyIssuer | None:
    """The service that issued ``p``'s key, when its prefix names one other than the vendor
    whose own table ``p`` is (``[providers.openai]`` given an NVIDIA key, ``nvapi-...``), and
    ``base_url`` is not that service's: a value envcheck holds, not the answer's words. A table
    for another service (``kind = "openai"`` with its ``base_url``) may take any key."""
    if not p.vendor or not p.key:
        return None
    for issuer in KEY_ISSUERS:
        if p.key.startswith(issuer.prefix):
            theirs = issuer.vendor == p.name or urlsplit(issuer.base_url).hostname == p.host
            return None if theirs else issuer
    return None


def _foreign_key(p: Provider, summary: str, why: str | None, issuer: KeyIssuer) -> CheckFailed:
    """A vendor refused as invalid a key that another service issued (its prefix says which): the
    key was sent to the wrong service; the fix is either that service's API or this vendor's
    key."""
    why = (
        f"{why}; the key sent is not one {p.label} issues: its prefix {issuer.prefix} is the one "
        f"{issuer.service} gives its keys, so a key of one service was sent to another"
    )
    variable = p.key_variable or f"api_key in {p.table}"
    own = f"export {variable}=...  ({p.key_page})"
    if not p.key_variable:
        own = f"set it as api_key in {p.table}  ({p.key_page})"
    if issuer.kind == p.kind:
        where = f'set base_url = "{issuer.base_url}" in {p.table}'
        if p.base_url_variable:
            where = f"export {p.base_url_variable}={issuer.base_url}"
        there = f"to use this key, call {issuer.service}: {where} (its API)"
    else:
        table = f"[tool.envcheck.providers.{issuer.vendor or 'NAME'}]"
        there = f'to use this key, configure it in a {table} table (kind = "{issuer.kind}")'
    text = f"{there}; or, to call {p.label}, use a key {p.label} issued: {own}"
    ask = f"whoever manages the {p.label} account's keys"
    return CheckFailed(summary, why=why, fix=Fix([Manual(text, ask=ask)], text=text))


def _wrong_api_fix(p: Provider, exc: llm.ProviderError) -> Fix:
    """``base_url`` points at a Google API other than the key's (its ``ErrorInfo`` names it): one
    that takes no API keys, or one that refuses the request's project; the key is for another
    API, the Gemini API for a Gemini key."""
    service = exc.detail.service or "the API that answered"
    differs = "takes OAuth2 credentials (a service account, gcloud), not this API key"
    if isinstance(exc, llm.OtherApi):
        differs = "is another API than the one this key is for"
    if p.kind == "gemini":
        target = f"https://{llm.GEMINI_SERVICE}"
        text = f'set base_url = "{target}" in {p.table}, the Gemini API (now {p.base_url}): '
        text += f"{service} {differs}"
        if p.base_url_variable:
            text = f"unset {p.base_url_variable} or set it to {target}: {service} {differs}"
            return Fix([Manual(text)], text=text)
        return Fix([edit_step(p, "base_url", target)], text=text)
    text = f"point {base_url_setting(p)} (now {p.base_url}) at the API the key is for: "
    text += f"{service} {differs}"
    return Fix([Manual(text)], text=text)


def _forbidden_fix(p: Provider, exc: llm.PermissionDenied) -> Fix:
    text = exc.hint or f"check the key's permissions in {p.label}'s console"
    if isinstance(exc, llm.RegionNotSupported) and not exc.hint:
        text = "run from a supported country or region (a server there, or its VPN)"
    steps: list[Step] = [Manual(text)]
    steps += [Manual(f"the answer links {url}") for url in exc.detail.urls[:2] if url not in text]
    return Fix(steps, text="; then ".join(step.render() for step in steps))


def edit_step(p: Provider, key: str, value: Any) -> Step:
    if p.settings_file is not None:
        return Edit(
            path=p.settings_file,
            format="toml",
            key=f"tool.envcheck.providers.{p.name}.{key}",
            value=value,
        )
    return Manual(f"set {key} = {json.dumps(value)} in {p.table}")


def base_url_setting(p: Provider) -> str:
    """Where ``base_url`` is set: ``OPENAI_BASE_URL`` when it came from there (the app's own
    client reads it too), else ``base_url in [tool.envcheck.providers.NAME]``."""
    return p.base_url_variable or f"base_url in {p.table}"


#: the paths each kind's client adds to base_url itself (the requests envcheck and the official
#: SDKs send): a base_url ending in one is that endpoint's URL, its root what comes before
_OWN_PATHS = {
    "openai": ("/chat/completions", "/responses", "/completions", "/embeddings", "/models"),
    "anthropic": ("/v1/messages", "/v1/complete", "/v1/models"),
    "gemini": ("/v1beta/models", "/v1/models"),
}


def _own_endpoint(p: Provider, asked: str) -> str | None:
    """The path of the kind's own requests that ``base_url`` ends in when a request under it
    (``asked``) was answered 404: ``https://api.anthropic.com/v1/messages`` given as the base, to
    which the client adds ``/v1/models`` again."""
    base = urlsplit(p.base_url).path.rstrip("/")
    for own in _OWN_PATHS.get(p.kind, ()):
        if base.endswith(own) and asked.startswith(base + "/"):
            return own
    return None


def _base_url_fix(p: Provider, asked: str = "") -> Fix:
    twice = llm.doubled_segment(asked)
    own = _own_endpoint(p, asked) if twice is None else None
    if own is not None:
        # base_url is an endpoint's URL: its root is what comes before the client's own path
        twice = own
    if twice is not None and urlsplit(p.base_url).path.rstrip("/").endswith(twice):
        # the client adds the version itself (anthropic-sdk-python: /v1/messages): without it
        fixed = p.base_url.rstrip("/").removesuffix(twice)
        if p.base_url_variable:
            text = f"export {p.base_url_variable}={fixed}  (the app's client reads it too)"
            return Fix([Manual(text)], text=text)
        return Fix([edit_step(p, "base_url", fixed)], text=f'set base_url = "{fixed}" in {p.table}')
    if p.kind == "openai" and not urlsplit(p.base_url).path.rstrip("/").endswith("/v1"):
        fixed = f"{p.base_url}/v1"
        if p.base_url_variable:
            text = f"export {p.base_url_variable}={fixed}  (the app's client reads it too)"
            return Fix([Manual(text)], text=text)
        return Fix([edit_step(p, "base_url", fixed)], text=f'set base_url = "{fixed}" in {p.table}')
    text = f"check {base_url_setting(p)} (now {p.base_url})"
    return Fix([Manual(text)], text=text)


def _deployment_fix(p: Provider) -> Fix:
    text = (
        f"create a deployment named {p.model} in the Azure resource at {p.host} (Azure AI "
        f"Foundry, Deployments), or set model to the name of one of its deployments in {p.table}"
    )
    return Fix([Manual(text, ask="whoever manages the Azure OpenAI resource")], text=text)


def not_served_here(exc: llm.ProviderError) -> bool:
    """An answer to the call of a model that names the model as the parameter at fault
    (``error.param`` "model"): a 404 without ``error.code`` ``model_not_found``, which OpenAI gives
    a model it does not know or the key may not use, or a 400 with ``error.code``
    ``invalid_value`` (the model is not a value this request may name). The model exists, and
    the request (Chat Completions, text in and text out) cannot run it: a completions, embedding,
    audio, realtime or image model, or one only the Responses API serves."""
    sent: Sent | None = getattr(exc, "sent", None)
    if sent is None or sent.listing or exc.detail.param != "model":
        return False
    if exc.status == 404:
        return not exc.detail.code
    return exc.status == 400 and exc.detail.code == "invalid_value"


def _model_step(p: Provider, choice: str | None, kind: str) -> tuple[Step, str]:
    """The fix's step and text that set ``model`` to ``choice`` (``kind``: what it is), or say
    which kind of model to set when there is none to name."""
    if choice is not None:
        return edit_step(p, "model", choice), f'set model = "{choice}" in {p.table} ({kind})'
    text = f"set model to {kind}, in {p.table}"
    return Manual(text), text


def not_served_here_failure(p: Provider, exc: llm.ProviderError, chat: str | None) -> CheckFailed:
    """The model is listed and :func:`not_served_here`: set a model this endpoint runs."""
    sent: Sent | None = getattr(exc, "sent", None)
    line = sent.line if sent is not None else "the smoke call"
    said = (
        "without error.code=model_not_found, which it gives a model it does not know or the key "
        "may not use"
        if exc.status == 404
        else "with error.code=invalid_value: the model is not a value this request may name"
    )
    why = (
        f"{p.label} lists {p.model} for this key (model passed) and answered {line} with HTTP "
        f"{exc.status} naming the model as the parameter at fault (error.param=model) {said}: "
        "the model exists, and this endpoint does not run it as envcheck calls it (text in, "
        "text out); envcheck's smoke call is the Chat Completions request a chat client sends"
    )
    step, text = _model_step(p, chat, f"a chat model {p.label} lists")
    text += f"; an app that calls {p.model} through the API the answer names needs no change"
    text += " (or with the input it names)" if exc.status == 400 else ""
    return CheckFailed(
        f"{p.name}: {p.model} is listed, but {line} does not serve it{_tried(exc)}: "
        f"{_message(exc)}",
        why=why,
        fix=Fix([step], text=text),
    )


def argument_refused(exc: llm.ProviderError) -> bool:
    """A 400 to the smoke call whose structure names no field, reason or code at fault (Gemini's
    INVALID_ARGUMENT without ErrorInfo, OpenAI's invalid_request_error without param or code):
    envcheck's request is the documented minimal one, so either the model takes other arguments
    or the request is refused for all models; :func:`request_not_taken` is given only when the
    same request runs on another model the listing shows."""
    sent: Sent | None = getattr(exc, "sent", None)
    if exc.status != 400 or sent is None or sent.listing or not isinstance(exc, llm.BadRequest):
        return False
    d = exc.detail
    return d.json and not (d.param or d.code or d.reasons or d.quota_ids or d.filtered)


def request_not_taken(p: Provider, exc: llm.ProviderError, other: str) -> CheckFailed:
    """:func:`argument_refused` for this model while the same request to ``other`` (listed)
    answered: the model takes other arguments than a text call (a speech model that answers
    audio only, one that needs audio in)."""
    sent: Sent | None = getattr(exc, "sent", None)
    line = sent.line if sent is not None else "the smoke call"
    fields = exc.detail.fields()
    why = (
        f"{p.label} lists {p.model} for this key (model passed) and refused {line} with HTTP 400"
        + (f" ({fields})" if fields else "")
        + f", naming no field at fault, while the same request for {other}, which the listing "
        "also shows, answered: the request is sound, and this model takes other arguments than "
        "a text call (text in, text out); its words say which"
    )
    text = (
        f'set model = "{other}" in {p.table} (the same request runs on it); an app that calls '
        f"{p.model} with the arguments the answer names needs no change"
    )
    return CheckFailed(
        f"{p.name}: {p.model} is listed, but refuses {line} as envcheck sends it{_tried(exc)}: "
        f"{_message(exc)}",
        why=why,
        fix=Fix([edit_step(p, "model", other)], text=text),
    )


def not_generating(p: Provider, served: list[str], generating: list[str]) -> CheckFailed:
    """Gemini's listing shows the model with methods (``supportedGenerationMethods``) that do not
    include generateContent, which a text generation call is (an embedding model: embedContent)."""
    close = difflib.get_close_matches(p.model, generating, n=1, cutoff=0.0)
    default = p.spec.default_model
    choice = default if default in generating else (close[0] if close else None)
    why = (
        f"{p.label}'s model listing gives each model the methods it serves "
        f"(supportedGenerationMethods): {p.model} serves {', '.join(served) or 'none'}, not "
        "generateContent, the method of a text generation call (envcheck's smoke call, "
        "google-genai's generate_content), which the API answers for it with 404 NOT_FOUND"
    )
    step, text = _model_step(p, choice, "one the listing shows with generateContent")
    return CheckFailed(
        f"{p.name}: {p.model} is listed, but not for generateContent: it serves "
        f"{', '.join(served) or 'no method'}",
        why=why,
        fix=Fix([step], text=text),
        facts={"methods": ", ".join(served)},
    )


def _listed_but_refused(
    p: Provider, exc: llm.ProviderError, summary: str, other: str | None = None
) -> CheckFailed:
    """The listing shows the model, and calling it answers that it does not know it (a 404, or
    Mistral's 400 ``invalid_model``): not a wrong name."""
    fields = exc.detail.fields()
    said = f"HTTP {exc.status}" + (f" ({fields})" if fields else "")
    sent: Sent | None = getattr(exc, "sent", None)
    said += f" to {sent.line}" if sent is not None else ""
    why = (
        f"{p.label} lists {p.model} for this key (model passed), but refused to run it with "
        f"{said}: the key may see the model without being "
        "allowed to use it (access, organization verification), or it is retired, not deployed "
        "or not loaded; the answer says which"
    )
    steps: list[Step] = [Manual(f"do what the answer asks: {_message(exc)}")]
    steps += [Manual(f"open {url} (linked in the answer)") for url in exc.detail.urls[:2]]
    text = "; then ".join(step.render() for step in steps)
    if other is not None:  # the same request answered for another model the listing shows
        why += f"; the same request for {other}, which the listing also shows, answered"
        steps.append(edit_step(p, "model", other))
        text += f'; or set model = "{other}" in {p.table} (the same request runs on it)'
    return CheckFailed(summary, why=why, fix=Fix(steps, text=text))


def listed_but_refused(p: Provider, exc: llm.ProviderError, other: str | None) -> CheckFailed:
    """The smoke call's :func:`_listed_but_refused`, with ``other``: a model the listing shows
    whose same request answered (the fix names it)."""
    refused = f"{p.name}: {p.model} is listed but refused{_tried(exc)}: {_message(exc)}"
    return _listed_but_refused(p, exc, refused, other)


#: LiteLLM's proxy refusing a model the access list of a key, team, user or organization does not
#: hold (litellm/proxy/_types.py ProxyErrorTypes, raised by proxy/auth/auth_checks.py)
PROXY_MODEL_DENIED = {
    "key_model_access_denied": "key",
    "team_model_access_denied": "team",
    "user_model_access_denied": "user",
    "org_model_access_denied": "organization",
}


def _proxy_model_denied(p: Provider, exc: llm.ProviderError, who: str) -> CheckFailed:
    """LiteLLM's ``*_model_access_denied``: the proxy knows the key, whose access list (or its
    team's, user's, organization's) leaves this model out."""
    fields = exc.detail.fields()
    why = (
        f"{p.label} accepted the key (its listing answered) and refused the call of {p.model} "
        f"with HTTP {exc.status} ({fields}): the proxy's access list for this {who} leaves the "
        "model out (the message names the models it may call); not a wrong key, and no other "
        "key of the same access list helps"
    )
    text = (
        f"ask whoever administers the proxy at {p.host} to add {p.model} to the models of this "
        f"{who} (its `models` list), or set model in {p.table} to one the message names"
    )
    refused = f"{p.name}: {p.model} is not open to this {who} of the proxy: {_message(exc)}"
    ask = f"whoever administers the proxy at {p.host}"
    return CheckFailed(refused, why=why, fix=Fix([Manual(text, ask=ask)], text=text))


def key_refused_open_listing(p: Provider, exc: llm.ProviderError) -> CheckFailed:
    """A 401 to the call from a server whose model listing asks no key (llama.cpp's server keeps
    ``/v1/models`` public): the listing that passed proves nothing of the key, the 401 refuses
    it."""
    fields = exc.detail.fields()
    sent: Sent | None = getattr(exc, "sent", None)
    line = sent.line if sent is not None else "the call"
    why = (
        f"{p.label} answered {line} with HTTP {exc.status}"
        + (f" ({fields})" if fields else "")
        + f", and its model listing answers without any key ({p.base_url}{models_path(p)}, "
        "asked without one, was answered: llama.cpp's server, for one, keeps it public), so "
        "the listing that passed says nothing of the key: the call refused it"
    )
    variable = p.key_variable or f"api_key in {p.table}"
    text = (
        f"set the key the server at {p.host} was started with (its --api-key): "
        f"export {variable}=..."
    )
    if not p.key_variable:
        text = f"set the key the server at {p.host} was started with (its --api-key) as {variable}"
    summary = f"{p.name}: the key was refused{_tried(exc)}: {_message(exc)}"
    return CheckFailed(summary, why=why, fix=Fix([Manual(text)], text=text))


def _quoted(text: str) -> str:
    """``text`` in double quotes for ``sh -c`` (a script that already uses single quotes)."""
    escaped = "".join(f"\\{c}" if c in '\\"$`' else c for c in text)
    return f'"{escaped}"'


def router_model_not_loaded(
    p: Provider, exc: llm.ProviderError, state: Mapping[str, Any]
) -> CheckFailed:
    """A call refused by llama.cpp's router (llama-server with ``--models-dir`` or
    ``--models-preset``, one process per model) whose listing gives the model a ``status.value``
    other than ``loaded``: without ``--no-models-autoload`` it loads a model on its first call;
    with it, ``router_validate_model`` answers 400 "model is not loaded" until ``POST
    /models/load`` (tools/server/server-models.cpp)."""
    fields = exc.detail.fields()
    sent: Sent | None = getattr(exc, "sent", None)
    line = sent.line if sent is not None else "the call"
    value = str(state["value"])
    failed = state.get("failed") is True
    exited = f", failed with exit_code={state.get('exit_code')}" if failed else ""
    why = (
        f"{p.label} answered {line} with HTTP {exc.status}"
        + (f" ({fields})" if fields else "")
        + f", and its model listing gives {p.model} status.value={value}{exited}: a llama.cpp "
        "router (llama-server with --models-dir or --models-preset) has the model and runs it "
        "only once it is loaded, which, started with --no-models-autoload, it does only when "
        "asked; the key and the model's name are right"
    )
    origin = p.base_url.rstrip("/").removesuffix("/v1")
    key = f' -H "Authorization: Bearer ${p.key_variable}"' if p.key_variable else ""
    script = (
        f"curl -sS --fail-with-body -X POST {_quoted(origin + '/models/load')}{key} "
        f'-H "content-type: application/json" -d {_quoted(json.dumps({"model": p.model}))}'
    )
    load = Command(["sh", "-c", script])
    text = (
        f"load {p.model} on the router: {load.render()} (or restart the router without "
        "--no-models-autoload, which loads a model on its first call)"
    )
    if failed:
        text = f"read the router's log for why {p.model}'s process exited; then {text}"
    summary = f"{p.name}: {p.model} is not loaded{_tried(exc)}: {_message(exc)}"
    steps: list[Step] = [load]
    if failed:
        steps = [Manual(f"read the router's log for why {p.model}'s process exited"), load]
    return CheckFailed(summary, why=why, fix=Fix(steps, text=text))


def listing_at_origin(p: Provider, exc: llm.ProviderError, served: str) -> CheckFailed:
    """The listing 404s at ``base_url`` with the server's own not-found answer, and the same
    server lists its models at ``served`` (its origin's ``/v1``): base_url's path is wrong."""
    why = (
        f"{_answered(p, exc)}; the same server lists its models at {served}{models_path(p)} "
        "(asked without the key): base_url's path is not where it serves the API"
    )
    if p.base_url_variable:
        text = f"export {p.base_url_variable}={served}  (the app's client reads it too)"
        fix = Fix([Manual(text)], text=text)
    else:
        fix = Fix(
            [edit_step(p, "base_url", served)], text=f'set base_url = "{served}" in {p.table}'
        )
    summary = f"{p.name}: wrong base_url (the API is at {served}): {_message(exc)}"
    return CheckFailed(summary, why=why, fix=fix)


def ollama_unauthorized(p: Provider, ollama: Ollama, exc: llm.ProviderError) -> CheckFailed:
    """A 401 from an Ollama's ``/v1`` (its root reports Ollama's version): Ollama asks no key;
    the server is not signed in to ollama.com for a model it forwards there."""
    shown = redact.clean(" ".join(exc.message.split()), 200)
    made = ollama_shared.unauthorized(p.model, ollama.root, shown)
    why = (
        f"base_url is the OpenAI-compatible API of Ollama {ollama.version} ({ollama.root}/api/"
        f"version answers Ollama's version; {exc.detail.fields() or 'no fields'}): {made.why}"
    )
    return CheckFailed(made.summary, why=why, fix=made.fix)


def _key_refused_for_model(p: Provider, exc: llm.ProviderError) -> CheckFailed:
    """A 401 to the call of a model, from a service that listed the models for the same key: the
    key is not wrong, this model is not open to it (not activated, not in the plan)."""
    who = PROXY_MODEL_DENIED.get(exc.detail.type)
    if who is not None:
        return _proxy_model_denied(p, exc, who)
    fields = exc.detail.fields()
    why = (
        f"{p.label} lists the models for this very key (auth and model passed), and refused the "
        f"call of {p.model} with HTTP {exc.status}{f' ({fields})' if fields else ''}: the key is "
        "accepted, calling this model is not open to it (the model not activated or not in the "
        "account's plan, or the key not allowed to call models)"
    )
    text = (
        f"open {p.model} to the key's account in {p.label}'s console (activate it, or a plan "
        "that includes it) and give the key the permissions the answer names (a restricted "
        f"key must be allowed to call models), or set another model in {p.table}"
    )
    ask = f"whoever manages the {p.label} account"
    refused = f"{p.name}: {p.model} refused to this key{_tried(exc)}: {_message(exc)}"
    return CheckFailed(refused, why=why, fix=Fix([Manual(text, ask=ask)], text=text))


def _no_route_after_listing(
    p: Provider, exc: llm.ProviderError, sent: Sent, summary: str
) -> CheckFailed:
    """A web framework's own 404 (:class:`llm.NoRoute`) to the call, while the listing at the
    same base_url answered: the server has no route for the call; nothing was said of the
    model."""
    why = (
        f"{_answered(p, exc)}; the model listing at the same base_url answered (auth and model "
        "passed), so base_url reaches this server, which serves no chat completions there (an "
        f"embedding or reranking server lists models too); the 404 says nothing of {p.model}"
    )
    chat = sent.path.lstrip("/")
    text = (
        f"point base_url (now {p.base_url}) at a server that serves {chat} for {p.model} (an "
        f"LLM server), or set smoke = false in {p.table} for a server that serves no chat"
    )
    return CheckFailed(summary, why=why, fix=Fix([Manual(text)], text=text))


def refused_for_every_model(p: Provider, exc: llm.ProviderError, other: str) -> CheckFailed:
    """A 403 without a reason to the call of a listed model, while the same request for
    ``other`` (listed too) was refused alike: the refusal is not about the model."""
    fields = exc.detail.fields()
    sent: Sent | None = getattr(exc, "sent", None)
    line = sent.line if sent is not None else "the call"
    why = (
        f"{p.label} lists the models for this very key (auth and model passed), and refused "
        f"{line} with HTTP {exc.status}{f' ({fields})' if fields else ''}; the same request for "
        f"{other}, which the listing also shows, was refused alike: the refusal is not about "
        f"{p.model}, the key (or its project or account) is refused for calls, though the "
        "listing answered; only the answer's words say why"
    )
    text = exc.hint or "do what the answer says"
    summary = f"{p.name}: {exc.kind}{_tried(exc)}: {_message(exc)}"
    return CheckFailed(summary, why=why, fix=manual(text))


def _model_forbidden(exc: llm.ProviderError, listed: bool, sent: Sent | None) -> bool:
    """A 403 without a reason to the call of a model that the listing showed for the same key.
    A service's own business code (a code without a type: SiliconFlow's ``30011``) is a reason
    no row reads: its words say what it refused, not "the key's permissions"."""
    if not isinstance(exc, llm.PermissionDenied) or isinstance(exc, llm.RegionNotSupported):
        return False
    business = bool(exc.detail.code) and not exc.detail.type
    reasons = exc.detail.reasons
    return listed and sent is not None and not sent.listing and not reasons and not business


def model_forbidden(p: Provider, exc: llm.ProviderError, listed: bool) -> bool:
    """Whether :func:`failure` would read ``exc`` as the model not open to the key
    (:func:`_forbidden_for_model`; hooks.smoke_check asks it first of another model)."""
    return _model_forbidden(exc, listed, getattr(exc, "sent", None)) and _anthropic_own(p, exc)


def _anthropic_own(p: Provider, exc: llm.ProviderError) -> bool:
    """Whether a 403 is the Anthropic API's own about the key's permissions: its error table has
    one 403 type, ``permission_error``; another (an edge's ``forbidden`` "Request not allowed",
    which its reporters met outside the supported regions) says nothing about the model."""
    return p.kind != "anthropic" or exc.detail.type == "permission_error"


def _forbidden_for_model(p: Provider, exc: llm.ProviderError, summary: str) -> CheckFailed:
    """The key lists the models and the call of one is forbidden: the key is not what is wrong
    (a leaked or blocked key is refused for the listing too); this model is not open to it."""
    fields = exc.detail.fields()
    why = (
        f"{p.label} lists the models for this very key (auth and model passed), and forbade the "
        f"call of {p.model} with HTTP 403{f' ({fields})' if fields else ''}: the key works, its "
        "permissions do not cover this model (a preview or a paid tier's model, one not enabled "
        "for the key's project or workspace)"
    )
    text = (
        f"give the key's account or project access to {p.model} in {p.label}'s console (its "
        f"permissions, or a plan or tier that includes the model), or set another model in "
        f"{p.table}"
    )
    ask = f"whoever manages the {p.label} account"
    steps: list[Step] = [Manual(text, ask=ask)]
    # the answer's own pages (a key's limits, a model's terms): it may say why, in its words
    steps += [Manual(f"or do what the answer says: {url}") for url in exc.detail.urls[:1]]
    return CheckFailed(
        summary, why=why, fix=Fix(steps, text="; ".join(step.render() for step in steps))
    )


def _region_for_model(p: Provider, exc: llm.ProviderError, summary: str) -> CheckFailed:
    """The listing shows the model for this very key, and its call was refused with a type that
    names where the request comes from (OpenCode Go's ``RegionError``): the key and the name are
    right; the model is not offered in this country or region."""
    fields = exc.detail.fields()
    why = (
        f"{p.label} lists {p.model} for this very key (auth and model passed), and refused its "
        f"call with HTTP {exc.status}{f' ({fields})' if fields else ''}: the model is not offered "
        "where the request comes from (this machine's country or region, or its proxy's or VPN's "
        "exit); the key and the model's name are right"
    )
    text = (
        f"call {p.label} from a country or region where it offers {p.model} (a server there), "
        f"or set another model in {p.table}"
    )
    return CheckFailed(summary, why=why, fix=Fix([Manual(text)], text=text))


def _listing_refused(p: Provider, exc: llm.ProviderError, summary: str) -> CheckFailed:
    """A 400 (or other 4xx) to the model listing: it sends only the key and the URL."""
    fields = exc.detail.fields()
    why = (
        f"{p.label} refused the model listing with HTTP {exc.status}"
        + (f" ({fields})" if fields else "")
        + ": that request sends no model and no body, only the key and base_url, so one of "
        "these is what it refused"
    )
    key = f"check the key ({p.key_variable or f'api_key in {p.table}'}): {p.key_page}"
    steps: list[Step] = [Manual(key), Manual(f"check {base_url_setting(p)} (now {p.base_url})")]
    steps += [Manual(f"the answer links {url}") for url in exc.detail.urls[:1]]
    text = "; then ".join(step.render() for step in steps)
    return CheckFailed(summary, why=why, fix=Fix(steps, text=text))


def _model_unavailable(p: Provider, exc: llm.ProviderError, summary: str) -> CheckFailed:
    """A structured code says the service will not run this model here: retired, only on an
    endpoint of its own, or (Azure) a deployment whose model does not chat."""
    code = exc.detail.code
    why = f"{p.label} refused to run {p.model} (HTTP {exc.status}): {exc.why}"
    links = [u for u in exc.detail.urls if "fwlink" not in u][:1]
    linked = f" (the answer links {links[0]})" if links else ""
    if code == "OperationNotSupported":
        text = (
            f"set model to the name of a deployment of a chat model in {p.table} (Azure AI "
            f"Foundry, Deployments), or deploy one; the deployment {p.model} serves a model that "
            "does not chat"
        )
        ask = "whoever manages the Azure OpenAI resource"
    elif code == llm.CLOUDFLARE_MODEL_AGREEMENT and exc.detail.code_field == "errors[].code":
        text = (
            f"accept {p.model}'s license terms for the account: send it one request whose prompt "
            "is `agree` (Workers AI records the agreement for the account; its answer to that "
            f"request names the terms), then run again; or set another model in {p.table}"
        )
        ask = f"the owner of the {p.label} account (who accepts the terms)"
    elif code == llm.MODEL_NOT_OPEN:
        text = (
            f"activate {p.model} for the account in the Ark Console (Volcengine Ark's or "
            "BytePlus ModelArk's Model Activation page), or set a model the account has "
            f"activated in {p.table}"
        )
        ask = f"whoever manages the {p.label} account"
    elif code == "model_not_available":
        text = (
            f"create and start a dedicated endpoint for {p.model}{linked}, or set another model "
            f"that the service runs on its shared API in {p.table}"
        )
        ask = f"whoever manages the {p.label} account"
    else:
        text = f"set another model in {p.table}{linked or ' (see the provider deprecations)'}"
        ask = None
    return CheckFailed(summary, why=why, fix=Fix([Manual(text, ask=ask)], text=text))


def _content_filtered(p: Provider, exc: llm.ProviderError, summary: str) -> CheckFailed:
    """The filter in front of the model refused envcheck's prompt ("Reply with OK."): a filter
    that refuses that refuses everything, and is what needs looking at."""
    categories = ", ".join(exc.detail.filtered) or "no category named"
    why = (
        f"{p.label}'s content filter refused envcheck's smoke prompt ('Reply with OK.') with "
        f"HTTP {exc.status} (error.code=content_filter; filtered: {categories}): a filter that "
        "refuses this prompt is misconfigured or stricter than any default"
    )
    text = (
        f"check the content filter applied to {p.model} (Azure AI Foundry: Guardrails + "
        "controls, Content filters): apply the default filter, or one of your own, to the "
        "deployment"
        if p.azure
        else f"check the content filter settings of {p.label} for {p.model}"
    )
    ask = f"whoever manages the {p.label} resource"
    return CheckFailed(summary, why=why, fix=Fix([Manual(text, ask=ask)], text=text))


def _context_too_small(
    p: Provider, exc: llm.ProviderError, summary: str, sent: Sent | None
) -> CheckFailed:
    size = f"{sent.size}-byte " if sent is not None else ""
    fields = exc.detail.fields()
    why = (
        f"{p.label} says envcheck's {size}smoke request (one short message, max_tokens 5) does "
        f"not fit the context window it gives the model (HTTP {exc.status}"
        + (f", {fields}" if fields else "")
        + "): the window the server loaded the model with is tiny, not the request too long"
    )
    text = (
        f"give {p.model} a larger context window where it is served: vLLM --max-model-len, "
        "llama.cpp server --ctx-size, Ollama num_ctx (or OLLAMA_CONTEXT_LENGTH), LM Studio's "
        "context length when loading the model"
    )
    # the server whose own field says it: llama.cpp's error type, vLLM's parameter
    if exc.detail.type == "exceed_context_size_error":
        text = (
            f"restart llama.cpp's server with a larger context: llama-server --ctx-size N "
            f"(-c N; N above the {dict(exc.detail.sizes).get('n_ctx', 'current')} tokens it has, "
            "0 for the model's own), and the same model"
        )
    elif exc.detail.param == "input_tokens":
        text = (
            f"restart vLLM with a larger context for {p.model}: vllm serve ... --max-model-len N "
            "(N above the window its answer names)"
        )
    ask = None if p.local else f"whoever runs the service at {p.host}"
    return CheckFailed(summary, why=why, fix=Fix([Manual(text, ask=ask)], text=text))


def _too_large(p: Provider, exc: llm.ProviderError, summary: str, sent: Sent | None) -> CheckFailed:
    size = f"{sent.size} bytes" if sent is not None else "a few hundred bytes"
    why = (
        f"envcheck's request is {size}, far below any provider's own limit (Anthropic's is "
        f"32 MB), and was refused with HTTP 413 ({exc.detail.fields() or 'no fields'}): a proxy "
        f"or gateway at {p.host} limits request bodies, or base_url points at one"
    )
    text = (
        f"raise the request-body limit of the proxy or gateway in front of {p.label} (nginx: "
        "client_max_body_size), or point base_url at the service itself"
    )
    return CheckFailed(summary, why=why, fix=Fix([Manual(text)], text=text))


def _outage_fix(p: Provider, exc: llm.ProviderError) -> Fix:
    # Cloudflare's error envelope is Cloudflare's API answering, whatever host base_url names
    # (Google's ErrorInfo reasons are Google's, relayed by a server on this machine: not its own)
    relayed = exc.detail.code_field == "errors[].code" or bool(exc.detail.reasons)
    if p.local and not p.vendor and not relayed:
        loading = exc.detail.type == "unavailable_error"
        text = (
            f"wait until the server at {p.host} has loaded the model (its log shows the "
            "progress), then run again"
            if loading
            else f"look at the log of the server at {p.host}: it says why it failed"
        )
        return Fix([Manual(text)], text=text)
    page = llm.STATUS_PAGES.get(p.kind) if p.vendor else None
    text = exc.hint or "retry later"
    if page and (p.default_endpoint or p.local):
        text = f"{text} (status: {page})"
    elif page:  # [providers.anthropic] pointed at a relay or gateway: its status, not the vendor's
        text = (
            f"{text} (base_url points at {p.host}, not {p.kind}'s own API: its operator's "
            f"status decides; {p.kind}'s own is {page})"
        )
    return Fix([Manual(text)], text=text)


# -- requests that got no answer -----------------------------------------------------------------


def _transport_summary(p: Provider, exc: llm.ProviderError, summary: str) -> str:
    """A timeout says how long in all, over how many attempts, each given up after how long:
    the last attempt's share alone (0.9 s) would hide the 15 s spent."""
    tries: list[float] = list(getattr(exc, "tries", []) or [])
    sent: Sent | None = getattr(exc, "sent", None)
    if isinstance(exc, llm.ProviderTimeout) and tries and sent is not None:
        elapsed = float(getattr(exc, "elapsed", sum(tries)))
        each = ", ".join(f"{t:.1f}" for t in tries)
        attempts = f"{len(tries)} attempt{'s' if len(tries) > 1 else ''}"
        return (
            f"{p.name}: timeout{_tried(exc)}: no answer from {sent.url} in {elapsed:.1f} s over "
            f"{attempts} (each given up after {each} s)"
        )
    return summary


def _transport_fix(exc: llm.ProviderError) -> Fix:
    steps: list[Step] = []
    text = exc.hint or "check base_url"
    getent = getattr(exc, "resolve_host", None)
    if getent:
        steps.append(Command(["getent", "hosts", getent]))
    steps.append(Manual(text))
    return Fix(steps, text=text)


def unreachable(p: Provider, url: str, exc: Exception) -> llm.ConnectionFailed:
    """Why a request got no (whole) answer, from the exception's type and causes (errno, SSL):
    not reached at all, or reached and closed before the answer was complete."""
    import httpx

    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    where = f"{host}:{port}"
    mutual = _between.client_certificate(causes(exc), where)
    if mutual is not None:
        why, fix = mutual
        return llm.ConnectionFailed(p.name, f"cannot reach {url}: TLS", hint=fix, why=why)
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        before = "without sending a response" in str(exc)
        greeting = _between.other_protocol(url) if before else None
        if greeting is not None:
            return llm.ConnectionFailed(
                p.name,
                f"{where} does not speak HTTP: it greets a new connection with {greeting!r}",
                hint=f"point {base_url_setting(p)} at the service's HTTP port: another service "
                f"listens on {where}",
                why=f"transport: {where} closed the request without an HTTP answer, and on a new "
                f"connection it speaks first, not HTTP ({greeting!r}): another service (SSH, "
                "mail, a database) listens on that port",
            )
        when = "before answering" if before else "mid-answer"
        why = (
            f"{where} was reached (the connection opened), and the server or a proxy in between "
            f"closed it {when}: {redact.clean(str(exc), 120)}"
        )
        fix = (
            f"look at the log of the server behind {p.base_url} (or of the proxy in front of it): "
            "it ended the answer; retrying sends the request again"
        )
        return llm.ConnectionClosed(
            p.name, f"{url} closed the connection {when}", hint=fix, why=why
        )
    chain = causes(exc)
    fix = f"check {base_url_setting(p)}"
    resolve_host = None
    via = _between.route(url)
    tls = [c for c in chain if isinstance(c, ssl.SSLError)]
    refused_tls = _between.certificate(chain, where)
    if isinstance(exc, httpx.ProxyError) or any(isinstance(c, httpx.ProxyError) for c in chain):
        why, fix = _between.connect_refused(str(exc), where, via)
    elif via is not None and not tls and _refused_or_unknown(chain):
        why = (
            f"{via.described()} could not be reached ({chain[-1]}): every request to {host} "
            "goes through it, and none got there"
        )
        fix = (
            f"check the proxy URL in {via.variable} (its host and port), or, if {host} is "
            f"reachable without a proxy, {_between.no_proxy_with(host)}"
        )
    elif refused_tls is not None:
        why, fix = refused_tls
        if via is not None:
            why += f" (through {via.described()}: a proxy that intercepts TLS presents its own)"
    elif tls:
        reasons = _between.tls_reasons(chain)
        if _between.plain_http(chain):  # OpenSSL read an HTTP answer where a TLS record belongs
            plain = url.replace("https://", "http://", 1)
            why = f"base_url says https, but {where} answers in plain HTTP (not TLS)"
            fix = f'set base_url = "{plain.removesuffix(models_path(p))}" (http), or point it at '
            fix += "the TLS port"
        elif _tls.alert_of(exc) is not None:
            # an alert no row maps: named with its layer; nothing says base_url is wrong
            name, reason = _tls.alert_of(exc) or ("", "")
            why = (
                f"the TLS handshake with {where} ended with the alert {name!r} ({reason}), before "
                f"the request was sent: {_tls.ALERT_WHY}"
            )
            fix = (
                f"look at the log of the server at {where} (or of the TLS proxy in front of it): "
                f"it says why it sent {name!r}"
            )
            return llm.ConnectionFailed(
                p.name, f"cannot reach {url}: TLS alert {name} ({reason})", hint=fix, why=why
            )
        else:
            why = f"the TLS handshake with {where} failed ({', '.join(sorted(reasons))})"
    elif any(isinstance(c, ConnectionRefusedError) for c in chain):
        why = f"nothing listens on {where} (connection refused)"
        fix += ", or start the server"
    elif any(isinstance(c, socket.gaierror) for c in chain):
        why = f"the host name {host!r} does not resolve (DNS): a typo, or a name known only "
        why += "inside a VPN or container network"
        fix = f"check the host in base_url; `getent hosts {host}` must print an address"
        resolve_host = host
    else:
        why = f"the connection to {where} failed: {chain[-1]}"
    made = llm.ConnectionFailed(p.name, f"cannot reach {url}", hint=fix, why=why)
    made.resolve_host = resolve_host  # type: ignore[attr-defined]
    return made


def _refused_or_unknown(chain: list[BaseException]) -> bool:
    return any(isinstance(c, (ConnectionRefusedError, socket.gaierror)) for c in chain)


def timeout(p: Provider, url: str, exc: Exception, waited: float) -> llm.ProviderTimeout:
    connect = "connect" in type(exc).__name__.lower()
    if connect:
        why = f"no TCP answer within {waited:.1f} s: a firewall drops the packets, or the host is "
        why += "wrong or down"
        fix = f"check the host in base_url and that this machine may reach it ({url})"
    else:
        why = "the server accepted the request but sent no answer in time: it is hung or "
        why += "overloaded (or a proxy holds the request)"
        fix = f"look at the server's status; raise timeout in {p.table} if it is only slow"
    return llm.ProviderTimeout(p.name, f"no answer from {url} in time", hint=fix, why=why)


# -- Ollama behind an OpenAI base_url (fifteenth held-out set) -----------------------------------

#: the release of Ollama that first routes each request of its OpenAI-compatible API (git history
#: of server/routes.go: 453f572 "Initial OpenAI /v1/chat/completions API compatibility", first in
#: v0.1.24; 996bb1b "OpenAI: /v1/models and /v1/models/{model} compatibility" (#5007), first in
#: v0.2.0)
OLLAMA_V1_SINCE = {"POST /v1/chat/completions": "0.1.24", "GET /v1/models": "0.2.0"}


@dataclass(frozen=True)
class Ollama:
    """The Ollama whose OpenAI-compatible API ``base_url`` is: its own root (``base_url``
    without ``/v1``) answered ``GET /api/version`` with Ollama's ``{"version": ...}``."""

    root: str
    version: str


def ollama_before_route(p: Provider, ollama: Ollama, exc: llm.ProviderError) -> CheckFailed:
    """A 404 to ``GET /v1/models`` from an Ollama whose release predates the route: base_url is
    right (the same server's root reports Ollama's version), the release is too old."""
    since = OLLAMA_V1_SINCE["GET /v1/models"]
    shown = redact.clean(" ".join(exc.message.split()), 120)
    upgrade = ollama_shared.UPGRADE
    return CheckFailed(
        f"the Ollama at {ollama.root} (version {ollama.version}) has no GET /v1/models "
        f"(added in {since}): base_url is its OpenAI-compatible API, and this release is older "
        "than the route",
        why=f"{p.host} answered GET /v1/models with HTTP {exc.status} ({shown}), and "
        f"{ollama.root}/api/version reports Ollama {ollama.version}: Ollama's OpenAI-compatible "
        f"API lists models from {since} (its POST /v1/chat/completions from "
        f"{OLLAMA_V1_SINCE['POST /v1/chat/completions']}), so a client that lists models "
        "cannot use this one",
        fix=Fix(
            [Command(["sh", "-c", upgrade], needs=frozenset({"sudo", "network"}))],
            text=f"upgrade Ollama to {since} or later on the machine it runs on: {upgrade}",
        ),
    )


def not_pulled(p: Provider, ollama: Ollama, models: list[str], close: list[str]) -> CheckFailed:
    """``model`` missing from the ``/v1/models`` of an Ollama: the models pulled into it, so the
    model is pulled there (into that server: its OLLAMA_HOST), or another listed one is named."""
    command, shown = ollama_shared.pull(ollama.root, p.model)
    has = (
        f"; it has {', '.join(models[:5])}{', …' if len(models) > 5 else ''}"
        if models
        else "; it has no model pulled"
    )
    listed = (
        f"lists {len(models)} model{'s' if len(models) != 1 else ''}, and this is not one of them"
        if models
        else "lists none"
    )
    other = f'  (or set model = "{close[0]}" in {p.table}, a model it has)' if close else ""
    return CheckFailed(
        f"model {p.model!r} is not pulled into the Ollama at {ollama.root}{has}",
        why=f"base_url is the OpenAI-compatible API of Ollama {ollama.version} "
        f"({ollama.root}/api/version answers Ollama's version), whose GET /v1/models lists the "
        f"models pulled into it: it {listed}",
        fix=Fix([command], text=f"pull it into that Ollama: {shown}{other}"),
    )
