"""The thirty-first held-out set for LLM providers (issue 22): the credentials the providers now
issue besides a plain API key, as their own documentation describes them and users met them.
Azure OpenAI takes a Microsoft Entra ID access token (``Authorization: Bearer``, the v1 API's
documented way beside ``api-key``; its managed-identity page, ``ENTRA_OK`` below):
a token whose principal has no data-plane role on the resource is refused 401 ``PermissionDenied``
"Principal does not have access to API/Operation." (the role is Cognitive Services OpenAI User,
https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/role-based-access-control), and a
token Azure does not accept (missing, malformed, for another audience, or expired: ``az account
get-access-token`` gives one for about an hour) is refused 401 with a body that is not Azure's
error object at all, ``{"statusCode": 401, "message": "Unauthorized. Access token is missing,
invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired."}``.
Anthropic's identity-linked API keys (a user's or service account's key that reaches more than
one workspace, as the Claude Console now issues them) are refused 400 ``invalid_request_error``
unless the request names its workspace in the ``anthropic-workspace-id`` header (Anthropic's
authentication page, https://platform.claude.com/docs/en/manage-claude/authentication).

Kinds no row of docs/verdicts/providers.md lists, no earlier held-out set made (test_heldout.py's
eight, 9 to 30) and no sweep covers. Grepped before choosing, in docs/verdicts/*.md, every
earlier set, the sweeps (test_providers_sweep.py, test_providers_http_sweep.py,
test_providers_capability_sweep.py, test_compat_servers_sweep.py, test_client_settings_sweep.py),
replays/SOURCES.md, src/envcheck/mock/data/SOURCES.md and src/envcheck: ``Principal does not
have access``, ``lacks the required data action``, ``Cognitive Services OpenAI User``, ``role
assignment``, ``Access token is missing``, ``audience is incorrect``, ``statusCode``,
``get-access-token``, ``workspace-id``, ``workspace_id``, ``identity-linked``, ``not scoped to a
workspace`` (none found); ``PermissionDenied`` (only as a Python class name and Moonshot's
``permission_denied_error`` type, never Azure's code); ``Entra`` (the row
azure-403-key-authentication-disabled: a resource that refuses keys, the other side of this).
Found, so dropped: Azure's ``AuthenticationTypeDisabled``, network rules, ``DeploymentNotFound``,
content filter, ``OperationNotSupported``, token rate limit (rows; sets 3, 5, 7); Gemini's 429
"Resource has been exhausted (e.g. check quota)" without details (test_heldout.py's
gemini--429-resource-exhausted), ``BILLING_DISABLED``, ``SECURITY_POLICY_VIOLATED``,
``USER_PROJECT_DENIED`` (the sweep's), ``LOCATION_POLICY_VIOLATED`` and
``RESOURCE_PROJECT_INVALID`` (no published Gemini API answer); Anthropic's ``billing_error`` and
``timeout_error`` (the sweep), its "API usage limits" and disabled organization (sets 3, 4);
OpenAI's "IP not authorized" (still no published body), its 429 ``credit_balance_exhausted`` (type
``insufficient_quota``, the table's quota rows; the one verbatim body found has no citable
source), ``project_spend_limit_exceeded`` (no published body), Gemini's "Your prepayment credits
are depleted" (published without its status or body), Anthropic's "anthropic-workspace-id header
must be a valid workspace ID" and its 404 for a workspace the key cannot reach (both need the
header, which envcheck does not send).

Breakages (each the answer to the listing, the first request with the credential; the same to
the chat call):

- an Azure OpenAI resource (``norole-aoai.openai.azure.com``) asked with an Entra token whose
  principal holds no role on it: 401 ``PermissionDenied`` (Azure-Samples/rag-data-openai-python-
  promptflow#28): the token is valid and authenticated; what is missing is the principal's role on
  the resource: the fix is a role assignment of Cognitive Services OpenAI User, not a new token
  or key;
- an Azure OpenAI resource (``expired-aoai.openai.azure.com``) asked with an Entra token whose
  ``exp`` claim (2026-12-07 20:41 UTC) has passed: 401 ``statusCode``/``message``
  (run-llama/llama_index#12484): the token expired; the fix is a fresh token (``az account
  get-access-token --resource https://cognitiveservices.azure.com``), not a role, not a key of the
  resource;
- Anthropic asked with an identity-linked key and no ``anthropic-workspace-id``: 400
  (cloudflare/cloudflare-os#402): the key is valid; the request does not name a workspace: the
  fix is that header (the workspace's id) or a key created in one workspace, not the key's
  validity, not the credit.

Neighbours, which must pass: an Azure OpenAI resource (``team-aoai.openai.azure.com``) asked with
an Entra token whose principal holds the role and whose ``exp`` is ahead: its listing (OpenAI's
recorded one: Azure's v1 listing is not published) and answer; Anthropic asked with a key of one
workspace: its recorded listing and answer.

Every Azure instance's base_url names its resource's host, resolved to the local replay in the
test's process only (provider_runs.resolve_to_loopback). The tokens and keys are fake, JWT-shaped
where the credential is an Entra token.

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the requests the checks
send (http.py's headers: Bearer for ``kind = "openai"``, x-api-key and anthropic-version for
Anthropic; hooks.py: the listing, the smoke request) had been read before the expectations were
written.

Expectations committed before envcheck's first run on them (commit 3b047cc).

First run (envcheck at 3b047cc, before any change): 2 of 5 fully right (40%), 3 partly, 0 wrong
("partly": the right status and no phrase the case forbids, but a word it wants missing); of the
3 breakages, none fully right. Fully right: both neighbours (the Entra token with the role and the
workspace's key passed auth, model, smoke and headroom). Partly: the principal without a role
failed auth as "authentication failed: Principal does not have access to API/Operation. ... the
answer says error.code=PermissionDenied", fixed by "set a valid key: export
AZURE_R31_NOROLE_TOKEN=... ; if the key is valid, give it the permissions the answer names (a
restricted key's permissions or scopes, its role in the project); the key must be one of this
resource's (Keys and Endpoint in the Azure portal)" (the role Cognitive Services OpenAI User not
named, a key suggested for a token); the expired token failed auth with Azure's words and the same
key fix (its exp, 2026-12-07 20:41, not named, no ``az account get-access-token``); the
identity-linked key failed auth as "bad request: anthropic-workspace-id is required ... refused
the model listing with HTTP 400 (error.type=invalid_request_error): that request sends no model
and no body, only the key and base_url, so one of these is what it refused", fixed by "check the
key (ANTHROPIC_R31_LINKED_KEY) ...; then check base_url" (the header not in the fix, the valid
key doubted).

After (verdicts from structure: Azure's ``error.code`` ``PermissionDenied``, the claims of the
credential when it is a JWT (``aud``, ``exp``, ``oid``; never the token), Anthropic's
``invalid_request_error`` whose message names the ``anthropic-workspace-id`` header first, as
Anthropic names a refused header (the twenty-sixth set's anthropic-version reads it alike); never
the words around them; commit 5ad2568): 5 of 5 fully right, each a
row of docs/verdicts/providers.md (``PROVIDER_ROWS_31``, registered in test_providers.py's
every-row test) asserted on the run. New checks/providers/entra.py: ``claims`` reads a JWT's
payload, ``annotate`` (called by http.py on every error answer) gives a 401 from an Azure resource
to a token its why and fix: ``PermissionDenied`` "the key is a Microsoft Entra ID access token that
Azure accepted, and its principal (oid 1111...0001) has no role on the resource that allows this
request (error.code=PermissionDenied): the token is valid; what is missing is a role assignment",
fixed by 'assign the role "Cognitive Services OpenAI User" on the resource to its principal: az
role assignment create --assignee <oid> --role "Cognitive Services OpenAI User" --scope <the
resource's id>'; a token past its exp "expired at 2026-12-07 20:41 UTC (its exp claim, N min
before this request)", fixed by "get a new token and set it: az account get-access-token
--resource https://cognitiveservices.azure.com --query accessToken -o tsv"; a token for another
audience, or one whose claims show nothing wrong (its tenant or signature), each its own (unit
test). llm/_errors.py: ``AZURE_NO_ROLE`` at 401 is the role even without a JWT to read (no
principal made up); ``_workspace_required`` makes ``WorkspaceRequired`` (a ``HeaderChanged``,
whose hint is the fix): "workspace not named: ... the key is an identity-linked API key ...
Anthropic serves its requests only with the anthropic-workspace-id header naming the workspace
each acts in, and this request ... sent none; the key itself is valid", fixed by "send
anthropic-workspace-id: <the workspace's id> with every request of the app (...
anthropic-sdk-python: default_headers=...; Claude Code: ANTHROPIC_CUSTOM_HEADERS), or use a key
created in one workspace". checks/providers/diagnose.py ``_key_fix`` gives an Entra token's (or
``PermissionDenied``'s) hint instead of a resource's key. No printed fix is run here: each is the
person's act on Azure's access control, ``az`` with a signed-in account, or the app's header;
the neighbours are the healed states (a token with the role and a live exp, a workspace's key)
and pass. openai-python meets each Azure answer as it says (anthropic-sdk-python is left out
for its import's cost). The every-row test passes.

Cost: 4 tests (one in-process envcheck session against one local server, openai-python's run,
the set's count, one unit test); 9.8 CPU-s (``-n 0``, user+sys, pytest's start included) on a
loaded machine (load average 6.5) where test_heldout_providers29.py took 8.3 CPU-s.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.verdicts.provider_runs import (
    HeldOutCase,
    assert_providers_round,
    assert_set_is_what_it_says,
    chat_routes,
    listed_then,
    serve,
)
from tests.verdicts.replay import Replay, published
from tests.verdicts.test_providers import KEYS

NO_ROLE = "https://github.com/Azure-Samples/rag-data-openai-python-promptflow/issues/28"
TOKEN_REJECTED = "https://github.com/run-llama/llama_index/issues/12484"
WORKSPACE_ID = "https://github.com/cloudflare/cloudflare-os/issues/402"
ENTRA_OK = "https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/managed-identity"
ONE_WORKSPACE = "https://platform.claude.com/docs/en/manage-claude/authentication"

AUDIENCE = "https://cognitiveservices.azure.com"
#: 2026-12-07 20:41 UTC, the expired token's exp; 2099-01-01, the others'
EXPIRED_AT, AHEAD = 1796676060, 4070908800


def _entra_token(exp: int, oid: str) -> str:
    """A fake Microsoft Entra ID access token: a JWT's three segments, its claims those an
    ``az account get-access-token --resource https://cognitiveservices.azure.com`` token has."""

    def segment(value: dict[str, Any]) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = {"typ": "JWT", "alg": "RS256", "kid": "HeldOut31CanaryKid"}
    claims = {
        "aud": AUDIENCE,
        "iss": "https://sts.windows.net/00000000-0000-4000-8000-000000000031/",
        "iat": exp - 4500,
        "nbf": exp - 4500,
        "exp": exp,
        "oid": oid,
        "tid": "00000000-0000-4000-8000-000000000031",
    }
    return f"{segment(header)}.{segment(claims)}.HeldOut31CanarySignature{oid[-4:]}"


#: this set's own credentials (fake), each in the variable its instance reads; none may be shown
OWN_KEYS = {
    "AZURE_R31_NOROLE_TOKEN": _entra_token(AHEAD, "11111111-2222-4333-8444-000000000001"),
    "AZURE_R31_EXPIRED_TOKEN": _entra_token(EXPIRED_AT, "11111111-2222-4333-8444-000000000002"),
    "AZURE_R31_TOKEN": _entra_token(AHEAD, "11111111-2222-4333-8444-000000000003"),
    "ANTHROPIC_R31_LINKED_KEY": "sk-ant-api03-HeldOut31CanaryIdentityLinkedKey0001-AA",
    "ANTHROPIC_R31_WORKSPACE_KEY": "sk-ant-api03-HeldOut31CanaryWorkspaceKey00000002-AA",
}

#: what no verdict here may say
WRONG_CAUSES = ("no cause is guessed", "closest:", "check the model name")
#: a resource's key is not the credential here
NOT_A_KEY = ("invalid subscription key", "Key based authentication")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES


CASES = [
    Case(
        "azure-401-permission-denied",
        NO_ROLE,
        "providers/aznorole.auth",
        "fail",
        says=("PermissionDenied", "role"),
        fix=("Cognitive Services OpenAI User",),
        never=WRONG_CAUSES + NOT_A_KEY + ("get-access-token", "expired"),
    ),
    Case(
        "azure-401-entra-token-expired",
        TOKEN_REJECTED,
        "providers/azexpired.auth",
        "fail",
        says=("expired", "2026-12-07 20:41"),
        fix=("az account get-access-token", AUDIENCE),
        never=WRONG_CAUSES + NOT_A_KEY + ("Cognitive Services OpenAI User",),
    ),
    Case(
        "anthropic-400-workspace-id-required",
        WORKSPACE_ID,
        "providers/alinked.auth",
        "fail",
        says=("identity-linked", "anthropic-workspace-id"),
        fix=("anthropic-workspace-id",),
        never=WRONG_CAUSES + ("credit balance", "anthropic-version", "invalid x-api-key"),
    ),
    Case(
        "azure-200-entra-token-with-role",
        ENTRA_OK,
        "providers/azok.smoke",
        "pass",
        also=listed_then("azok"),
    ),
    Case(
        "anthropic-200-workspace-key",
        ONE_WORKSPACE,
        "providers/aws.smoke",
        "pass",
        also=listed_then("aws"),
    ),
]
#: the rows of docs/verdicts/providers.md these cases run (their cause and fix too)
PROVIDER_ROWS_31 = {
    "azure-401-permission-denied": "azure-401-permission-denied",
    "azure-401-entra-token-expired": "azure-401-entra-token-expired",
    "anthropic-400-workspace-id-required": "anthropic-400-workspace-id-required",
    "azure-200-entra-token-with-role": "azure-200-entra-token-beside-permission-denied",
    "anthropic-200-workspace-key": "anthropic-200-workspace-key-beside-identity-linked",
}


def _azure(variable: str) -> str:
    return f'kind = "openai"\napi_key = "${{{variable}}}"\n'


def _anthropic(variable: str) -> str:
    return f'kind = "anthropic"\napi_key = "${{{variable}}}"\n'


SONNET = "claude-sonnet-4-5-20250929"
#: instance -> (kind and key lines, path of base_url on the server, model or deployment)
INSTANCES = {
    "aznorole": (_azure("AZURE_R31_NOROLE_TOKEN"), "/r1/openai/v1", "gpt-4o-mini"),
    "azexpired": (_azure("AZURE_R31_EXPIRED_TOKEN"), "/r2/openai/v1", "gpt-4o-mini"),
    "azok": (_azure("AZURE_R31_TOKEN"), "/r3/openai/v1", "gpt-4o-mini"),
    "alinked": (_anthropic("ANTHROPIC_R31_LINKED_KEY"), "/a1", SONNET),
    "aws": (_anthropic("ANTHROPIC_R31_WORKSPACE_KEY"), "/a2", SONNET),
}
#: each Azure instance's base_url names its resource's host (resolved to the replay here)
HOSTS = {
    "aznorole": "norole-aoai.openai.azure.com",
    "azexpired": "expired-aoai.openai.azure.com",
    "azok": "team-aoai.openai.azure.com",
}


def routes() -> dict[str, Any]:
    """Every instance's routes on one server, each under its own base_url's path."""
    norole = published("heldout31--azure-401-permission-denied")
    expired = published("heldout31--azure-401-token-rejected")
    linked = published("heldout31--anthropic-400-workspace-id-required")
    return {
        "GET /a1/v1/models": linked,
        "POST /a1/v1/messages": linked,
        "GET /a2/v1/models": published("anthropic--models-list"),
        "POST /a2/v1/messages": published("anthropic--message-ok"),
    } | chat_routes(
        {
            "/r1/openai/v1": {"models": norole, "chat": norole},
            "/r2/openai/v1": {"models": expired, "chat": expired},
            "/r3/openai/v1": {
                "models": published("openai--models-list"),
                "chat": published("openai--chat-ok"),
            },
        }
    )


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    yield from serve(routes())


def test_thirty_first_held_out_providers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Replay
) -> None:
    args = (server.url, INSTANCES, OWN_KEYS, PROVIDER_ROWS_31, CASES)
    assert_providers_round(pytester, monkeypatch, *args, hosts=HOSTS)


def test_the_official_client_meets_each_azure_answer(server: Replay) -> None:
    """openai-python (what an app points at Azure's v1 API) against the same replay: the two
    tokens are refused 401 (Azure's code on one, none on the other), the neighbour answers.
    (anthropic-sdk-python is left out for its import's cost: it raises BadRequestError for any
    400, and the replay's status and body are the published ones.)"""
    import openai

    def azure(path: str, variable: str) -> openai.OpenAI:
        return openai.OpenAI(base_url=server.url + path, api_key=OWN_KEYS[variable], max_retries=0)

    with azure("/r1/openai/v1", "AZURE_R31_NOROLE_TOKEN") as client:
        with pytest.raises(openai.AuthenticationError) as norole:
            client.models.list()
    assert norole.value.code == "PermissionDenied"
    with azure("/r2/openai/v1", "AZURE_R31_EXPIRED_TOKEN") as client:
        with pytest.raises(openai.AuthenticationError) as expired:
            client.models.list()
    assert expired.value.status_code == 401 and expired.value.code is None
    with azure("/r3/openai/v1", "AZURE_R31_TOKEN") as client:
        assert client.models.list().data


def test_the_thirty_first_set_is_what_it_says() -> None:
    assert_set_is_what_it_says("heldout31", 3, CASES, 5, 3)
    assert not set(OWN_KEYS.values()) & set(KEYS.values())


def test_the_token_s_claims_and_the_header_decide() -> None:
    """What a 401 to an Entra token is about comes from its claims; no JWT, no claims read; an
    Anthropic 400 that does not name the workspace header first is not this kind."""
    from envcheck import llm
    from envcheck.checks.providers import entra

    class Azure:
        azure = True

        def __init__(self, key: str) -> None:
            self.key = key

    def annotated(key: str, body: dict[str, Any]) -> llm.ProviderError:
        error = llm.classify("az", 401, {}, json.dumps(body), kind="openai")
        entra.annotate(Azure(key), error, now=EXPIRED_AT + 600)  # type: ignore[arg-type]
        return error

    rejected = json.loads(published("heldout31--azure-401-token-rejected").body)
    expired = annotated(OWN_KEYS["AZURE_R31_EXPIRED_TOKEN"], rejected)
    assert "expired at 2026-12-07 20:41 UTC" in str(expired.why) and "10 min" in str(expired.why)
    graph = _entra_token(AHEAD, "o").replace(
        _entra_token(AHEAD, "o").split(".")[1],
        base64.urlsafe_b64encode(b'{"aud":"https://graph.microsoft.com","exp":4070908800}')
        .rstrip(b"=")
        .decode(),
    )
    other = annotated(graph, rejected)
    assert "issued for https://graph.microsoft.com" in str(other.why)
    assert f"get a token for {AUDIENCE}" in str(other.hint)
    fresh = annotated(OWN_KEYS["AZURE_R31_TOKEN"], rejected)
    assert "tenant" in str(fresh.hint) and getattr(fresh, "entra", False)
    plain = annotated("0123456789abcdef0123456789abcdef", rejected)
    assert not getattr(plain, "entra", False)
    # Azure's code alone (a key that is no JWT): the role, without a principal made up
    norole = json.loads(published("heldout31--azure-401-permission-denied").body)
    coded = annotated("0123456789abcdef0123456789abcdef", norole)
    assert "Cognitive Services OpenAI User" in str(coded.hint) and "<its object id>" in str(
        coded.hint
    )
    # Anthropic: the header named first, as Anthropic names a refused header
    other_400 = {"type": "error", "error": {"type": "invalid_request_error", "message": "x"}}
    said = llm.classify("a", 400, {}, json.dumps(other_400), kind="anthropic", listing=True)
    assert not isinstance(said, llm.WorkspaceRequired)
    linked = published("heldout31--anthropic-400-workspace-id-required").body.decode()
    found = llm.classify("a", 400, {}, linked, kind="anthropic", listing=True)
    assert isinstance(found, llm.WorkspaceRequired)
    assert not isinstance(llm.classify("o", 400, {}, linked, kind="openai"), llm.WorkspaceRequired)
