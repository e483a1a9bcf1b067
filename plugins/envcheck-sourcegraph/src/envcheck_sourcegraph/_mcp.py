"""The ``mcp`` check: the instance's MCP endpoint, through envcheck's own MCP probe.

``{endpoint}/.api/mcp/v1`` (the path src-cli uses; ``mcp_path`` to change it) with
``Authorization: token ...``: the handshake, then ``tools/list``. The HTTP statuses the probe saw
decide the diagnosis: 401 (token refused), 403 (no ``MCP#ACCESS`` permission, or a token scope
that excludes MCP), 404 (MCP disabled by ``mcp.enabled``, or another path). MCP sessions stream and
are not replayed from cassettes: without a token the check is skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envcheck_sourcegraph._config import COMPONENT, Instance, resolve

from envcheck import CheckFailed, CheckSkipped, Context, Outcome, ok

if TYPE_CHECKING:
    from envcheck.mcpkit import Probe

#: Beyond the check's timeout, what the probe's thread needs to close its connection.
GRACE = 2.0


def mcp_check(ctx: Context) -> Outcome:
    from envcheck.mcpkit import Probe, ServerSpec

    instance = resolve(ctx)
    if instance.token is None:
        raise CheckSkipped(
            "no access token: the MCP endpoint needs one, and MCP sessions are not replayed "
            "from cassettes",
            hint=f"create a token at {instance.tokens_page}, then: {instance.token_setting}",
        )
    settings = f"[tool.envcheck.{COMPONENT}]"
    spec = ServerSpec(
        name=COMPONENT,
        settings=settings,
        transport="http",
        url=instance.mcp_url,
        headers={"Authorization": f"token {instance.token}"},
        expect_tools=tuple(instance.cfg.expect_tools),
        timeout=max(1.0, ctx.remaining() - GRACE),
    )
    probe = Probe(spec)
    try:
        started = probe.result("initialize", ctx.remaining() - 0.5)
        tools = probe.result("tools", ctx.remaining() - 0.3)
    except CheckFailed as exc:
        raise _diagnose(instance, probe.statuses, exc) from None
    finally:
        _closed(probe, ctx.remaining() - 0.2)
    facts = {**started.facts, **tools.facts, "url": instance.mcp_url}
    return ok(f"{instance.mcp_url}: {started.summary}; {tools.summary}", **facts)


def _diagnose(instance: Instance, statuses: list[int], exc: CheckFailed) -> CheckFailed:
    url, page, setting = instance.mcp_url, instance.tokens_page, instance.token_setting
    if 401 in statuses:
        return CheckFailed(
            f"{url} refused the access token (HTTP 401)",
            why="the token is mistyped, revoked, expired or from another instance (the token "
            "check says whether the GraphQL API accepts it)",
            hint=f"create a new token at {page}, then: {setting}",
        )
    if 403 in statuses:
        return CheckFailed(
            f"{url} denied MCP to this token's user (HTTP 403)",
            why="the user lacks the MCP#ACCESS permission (Site admin > Users & auth > Roles), "
            "or the token's scopes exclude MCP",
            hint=f"ask a site admin to grant MCP > ACCESS to your role; or create a token with "
            f"the mcp or user:all scope at {page}",
        )
    if 404 in statuses:
        other = "/.api/mcp" if instance.cfg.mcp_path != "/.api/mcp" else "/.api/mcp/v1"
        return CheckFailed(
            f"{url} has no MCP endpoint (HTTP 404)",
            why="the instance turned MCP off (site config mcp.enabled = false), is older than "
            "its MCP server, or serves it at another path",
            hint=f'ask the admins to set "mcp.enabled": true; or set mcp_path = "{other}" in '
            f"[tool.envcheck.{COMPONENT}]",
        )
    return CheckFailed(exc.summary, why=exc.why, hint=exc.hint, facts=exc.facts)


def _closed(probe: Probe, timeout: float) -> None:
    """Wait (bounded) until the probe has walked its last step and closed the connection: the
    check leaves nothing open behind it."""
    from envcheck.mcpkit import STEPS

    try:
        probe.result(STEPS[-1], max(0.0, timeout))
    except (CheckFailed, CheckSkipped):
        pass
    thread = getattr(probe, "_thread", None)
    if thread is not None:
        thread.join(max(0.0, timeout))
