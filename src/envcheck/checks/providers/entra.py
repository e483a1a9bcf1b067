"""A Microsoft Entra ID access token used as an Azure OpenAI resource's credential.

Azure OpenAI takes, besides a resource's key (``api-key``), an Entra ID access token as
``Authorization: Bearer`` (the v1 API's documented way; ``az account get-access-token
--resource https://cognitiveservices.azure.com`` gives one, for about an hour). A token is a JWT:
its claims (``aud``, ``exp``, ``oid``) are readable without its signature, and they say what a
401 to it is about: a token past its ``exp``, one issued for another audience, or a principal
(``oid``) without a role on the resource (Azure's ``PermissionDenied``). Only the claims are
shown, never the token."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from envcheck import llm
    from envcheck.checks.providers.config import Provider

#: the audience of a token Azure OpenAI accepts
AUDIENCE = "https://cognitiveservices.azure.com"
#: the built-in role that lets a principal call a resource's models (its data actions)
ROLE = "Cognitive Services OpenAI User"
#: Azure's code for a principal refused by the resource's role assignments
NO_ROLE = "PermissionDenied"
TOKEN_COMMAND = f"az account get-access-token --resource {AUDIENCE} --query accessToken -o tsv"


@dataclass(frozen=True)
class Claims:
    audience: str
    expires: int | None
    principal: str


def _segment(text: str) -> Any:
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return json.loads(raw)


def claims(key: str | None) -> Claims | None:
    """The claims of ``key`` when it is a JWT (three segments, its header naming an ``alg``, its
    payload a JSON object), else None."""
    parts = (key or "").split(".")
    if len(parts) != 3:
        return None
    try:
        header, payload = _segment(parts[0]), _segment(parts[1])
    except ValueError:  # binascii.Error, a bad JSON or UTF-8 text
        return None
    if not isinstance(header, dict) or "alg" not in header or not isinstance(payload, dict):
        return None
    aud, exp, oid = payload.get("aud"), payload.get("exp"), payload.get("oid")
    return Claims(
        aud if isinstance(aud, str) else "",
        exp if isinstance(exp, int) and not isinstance(exp, bool) else None,
        oid if isinstance(oid, str) else "",
    )


def _when(seconds: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(seconds))


def annotate(p: Provider, error: llm.ProviderError, now: float | None = None) -> None:
    """A 401 from an Azure OpenAI resource to an Entra token: its why and fix from the token's
    claims (``error.entra`` set), unless the answer is about something else."""
    found = claims(p.key) if p.azure and error.status == 401 else None
    if found is None:
        return
    now = time.time() if now is None else now
    who = f"its principal (oid {found.principal})" if found.principal else "its principal"
    if error.detail.code == NO_ROLE:
        error.why = (
            f"the key is a Microsoft Entra ID access token that Azure accepted, and {who} has "
            f"no role on the resource that allows this request (error.code={NO_ROLE}): "
            "the token is valid; what is missing is a role assignment"
        )
        assignee = found.principal or "<the principal's object id>"
        error.hint = (
            f'assign the role "{ROLE}" on the resource to {who}: az role assignment create '
            f'--assignee {assignee} --role "{ROLE}" --scope <the resource\'s id> (it takes effect '
            "within minutes)"
        )
    elif found.expires is not None and found.expires <= now:
        ago = int((now - found.expires) // 60)
        error.why = (
            f"the key is a Microsoft Entra ID access token (aud {found.audience or 'none'}) that "
            f"expired at {_when(found.expires)} (its exp claim, {ago} min before this request): "
            "Azure refuses an expired token whatever its role"
        )
        error.hint = f"get a new token and set it: {TOKEN_COMMAND}"
    elif found.audience.rstrip("/") != AUDIENCE:
        error.why = (
            f"the key is a Microsoft Entra ID access token issued for {found.audience or 'no'} "
            f"audience, and Azure OpenAI takes only tokens for {AUDIENCE}"
        )
        error.hint = f"get a token for {AUDIENCE} and set it: {TOKEN_COMMAND}"
    else:
        error.why = (
            f"the key is a Microsoft Entra ID access token for {AUDIENCE}, not expired "
            f"(exp {_when(found.expires) if found.expires else 'none'}): Azure refused it for "
            "what its claims do not show (its tenant, or its signature)"
        )
        error.hint = (
            f"get a new token in the resource's tenant and set it: {TOKEN_COMMAND} --tenant "
            "<the resource's tenant id>"
        )
    error.entra = True  # type: ignore[attr-defined]
