"""The checks that talk to the instance's HTTP API: ``endpoint`` and ``token``.

Verdicts come from the HTTP status, the ``Location`` and ``Content-Type`` headers and the shape of
the GraphQL answer (``data``, ``errors[].path``, ``errors[].extensions.code``), never from words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from envcheck_sourcegraph._config import COMPONENT, Instance, resolve
from envcheck_sourcegraph._http import GRAPHQL, Http, content_kind, json_body

from envcheck import CheckFailed, CheckSkipped, Context, Outcome, kit, ok

if TYPE_CHECKING:
    import httpx

SITE_QUERY = "query { site { productVersion } }"
USER_QUERY = "query { currentUser { username } }"


def endpoint_check(ctx: Context) -> Outcome:
    instance = resolve(ctx)
    with Http(instance, ctx, "endpoint") as http:
        response = http.graphql(SITE_QUERY, auth=False)
        private = response.status_code == 401
        if private and instance.token:
            response = http.graphql(SITE_QUERY, auth=True)
        if private and response.status_code == 401:
            ctx.fact("auth_required", True)
            return ok(
                f"{instance.endpoint} answers its GraphQL API and requires sign-in (a private "
                "instance); its version shows once a token is accepted",
                auth_required=True,
            )
        data = _graphql_data(instance, response, "site")
        site = data.get("site") if isinstance(data, dict) else None
        version = site.get("productVersion") if isinstance(site, dict) else None
        if not isinstance(version, str):
            raise _not_sourcegraph(instance, response, "it has no site.productVersion")
        ctx.fact("auth_required", private)
        return ok(
            f"Sourcegraph {version} at {instance.endpoint}" + (" (private)" if private else ""),
            version=version,
            endpoint=instance.endpoint,
        )


def _graphql_data(instance: Instance, response: httpx.Response, field: str) -> Any:
    """``data`` of a GraphQL answer; redirects, non-GraphQL answers and ``errors`` diagnosed."""
    status = response.status_code
    url = instance.endpoint + GRAPHQL
    if 300 <= status < 400:
        raise _redirected(instance, response)
    if status >= 500:
        raise CheckFailed(
            f"{url} answered HTTP {status}",
            why="the instance (or a gateway in front of it) failed: it is down, starting or "
            "overloaded",
            hint=f"retry in a minute; if it lasts, the instance's admins should look at its "
            f"frontend logs ({instance.endpoint}/site-admin)",
        )
    body = json_body(response)
    if not isinstance(body, dict) or not ("data" in body or "errors" in body):
        raise _not_sourcegraph(instance, response, "it is not a GraphQL answer")
    errors = body.get("errors") or []
    if errors and not body.get("data"):
        raise graphql_errors(instance, errors, field)
    return body.get("data")


def graphql_errors(instance: Instance, errors: list[Any], field: str) -> CheckFailed:
    first: dict[str, Any] = (
        errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
    )
    code = (first.get("extensions") or {}).get("code")
    path = ".".join(str(p) for p in first.get("path") or []) or field
    return CheckFailed(
        f"the GraphQL API refused {path}: {kit.clean(str(first.get('message')), 160)!r}"
        + (f" (code {code})" if code else ""),
        why=f"{len(errors)} GraphQL error(s) and no data",
        hint=f"ask the admins of {instance.endpoint} (GraphQL error code {code or 'none'})",
    )


def _redirected(instance: Instance, response: httpx.Response) -> CheckFailed:
    url = instance.endpoint + GRAPHQL
    location = urljoin(url, response.headers.get("location", ""))
    here, there = urlsplit(url), urlsplit(location)
    if there.hostname == here.hostname and there.path == here.path and here.scheme != there.scheme:
        return CheckFailed(
            f"{url} redirects to {there.scheme}://",
            why="the instance is served over HTTPS, and a redirected POST loses its body",
            hint=f"set the endpoint to https://{here.netloc}",
        )
    return CheckFailed(
        f"{url} redirects to {location} (HTTP {response.status_code}) instead of answering",
        why="a sign-in page answers in place of the API: an SSO/auth proxy in front of the "
        "instance, or the endpoint is a web page rather than the instance's own address",
        hint="set the endpoint to the instance's own URL (the one in its site config "
        "externalURL), and let /.api/ through the proxy with token auth",
    )


def _not_sourcegraph(instance: Instance, response: httpx.Response, what: str) -> CheckFailed:
    url = instance.endpoint + GRAPHQL
    return CheckFailed(
        f"{instance.endpoint} is not a Sourcegraph instance: POST {GRAPHQL} answered HTTP "
        f"{response.status_code} ({content_kind(response)}) and {what}",
        why="a Sourcegraph instance answers GraphQL there; something else serves this address "
        "(another web app, a captive portal, a proxy's error page)",
        hint=f"fix the endpoint (the instance's address, as in the browser); look: curl -i -X "
        f'POST {url} -d \'{{"query":"{SITE_QUERY}"}}\'',
    )


# -- token ---------------------------------------------------------------------------------------


def token_check(ctx: Context) -> Outcome:
    instance = resolve(ctx)
    required = ctx.dependency(f"{COMPONENT}/endpoint").facts.get("auth_required") is True
    with Http(instance, ctx, "token", proves_token=True) as http:
        if instance.token is None:
            if http.replaying:
                response = http.graphql(USER_QUERY, auth=True)
                return _accepted(instance, response, "replayed: no token set")
            if required:
                raise CheckFailed(
                    f"no access token, and {instance.endpoint} requires sign-in",
                    why="a private instance answers its API only with a token",
                    hint=f"create one at {instance.tokens_page}, then: {instance.token_setting}",
                )
            raise CheckSkipped(
                f"not configured: no access token ({instance.token_variable or 'token'} not set)",
                hint=f"create one at {instance.tokens_page}, then: {instance.token_setting}",
            )
        token = instance.token
        if token != token.strip() or token[:1] in "\"'" or token[-1:] in "\"'":
            raise CheckFailed(
                "the access token has surrounding whitespace or quotes",
                why="copied with its quotes or a newline: the instance would refuse it",
                hint=f"{instance.token_setting} with the token itself, without quotes",
            )
        ctx.fact("token_format", _token_format(token))
        return _accepted(instance, http.graphql(USER_QUERY, auth=True), "")


def _token_format(token: str) -> str:
    if token.startswith("sgp_"):
        return "sgp_ (current)"
    if len(token) == 40 and all(c in "0123456789abcdef" for c in token):
        return "legacy (40 hex digits)"
    return "unrecognised"


def _accepted(instance: Instance, response: httpx.Response, note: str) -> Outcome:
    page, setting = instance.tokens_page, instance.token_setting
    if response.status_code == 401:
        raise CheckFailed(
            f"{instance.endpoint} refused the access token (HTTP 401)",
            why="the token is unknown to this instance: mistyped, revoked (deleted), expired, or "
            "made on another instance; Sourcegraph answers 401 for each of these alike",
            hint=f"create a new token at {page}, then: {setting}",
        )
    if response.status_code == 403:
        raise CheckFailed(
            f"{instance.endpoint} accepted the token but denied the GraphQL API (HTTP 403)",
            why="the token's scopes do not cover the API (e.g. a token with only the mcp "
            "scope), or an admin restricted API access for this user",
            hint=f"create a token with the user:all scope at {page}, then: {setting}",
        )
    data = _graphql_data(instance, response, "currentUser")
    user = data.get("currentUser") if isinstance(data, dict) else None
    if user is None:
        raise CheckFailed(
            f"{instance.endpoint} answered as to an anonymous visitor: the token was not applied",
            why="currentUser is null although the request carried the token: a proxy in front "
            "of the instance drops the Authorization header, or the instance disabled "
            "access tokens (auth.accessTokens.allow)",
            hint="let the Authorization header through the proxy; ask the admins whether access "
            f"tokens are allowed ({page})",
        )
    name = user.get("username") if isinstance(user, dict) else None
    summary = f"authenticated as {name} at {instance.endpoint}"
    return ok(summary + (f" ({note})" if note else ""), username=name)
