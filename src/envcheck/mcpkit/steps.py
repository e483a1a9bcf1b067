"""The steps after the handshake, each a check's outcome: ``tools`` (every page, expected
names, valid input schemas), ``resources``, ``prompts``, ``ping`` (or ``server/discover`` where
the protocol has no ping) and the optional smoke ``call``."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from envcheck.core import redact
from envcheck.core.fix import Fix, Manual
from envcheck.core.format import listed
from envcheck.core.model import CheckFailed, Outcome, ok, skip, warn
from envcheck.mcpkit import fixes as _fixes

if TYPE_CHECKING:
    from mcp import Client

    from envcheck.mcpkit.spec import Probing as Probe

#: The newest protocol era has no initialize handshake and no ping (``server/discover`` instead).
HANDSHAKE = "initialize"
DISCOVER = "server/discover"


def _cursor_loop(probe: Probe, method: str, cursor: str, pages: int) -> CheckFailed:
    """A ``nextCursor`` that names a page already asked for: the listing never ends."""
    spec = probe.spec
    shown = redact.clean(cursor, 60)
    text = (
        f"report it to the server's authors: its {method} pagination loops (each nextCursor "
        "must lead to a later page, and the last page must have none)"
    )
    return CheckFailed(
        f"{spec.name}: {method} pages loop: page {pages} gave nextCursor {shown!r} again",
        why=f"envcheck asked for the cursor {shown!r} already, and the server answered with it "
        "once more: by MCP's pagination, a client follows nextCursor until a page has none, so "
        f"a client listing its {_ITEMS[method]} never ends (or stops at its own bound, with "
        "duplicates)",
        fix=_fixes.ask(text, "the server's authors"),
        facts={"cursor": shown, "pages": pages},
    )


#: the pages of a listing envcheck follows before it calls the listing endless
PAGES = 50
#: what each paginated listing lists
_ITEMS = {
    "tools/list": "tools",
    "resources/list": "resources",
    "resources/templates/list": "resource templates",
    "prompts/list": "prompts",
}


def _cursor_endless(
    probe: Probe, method: str, sent: list[str], repeating: int, names: list[str]
) -> CheckFailed:
    """Every page of a listing gave a new ``nextCursor``, up to envcheck's bound."""
    spec = probe.spec
    what = _ITEMS[method]
    first, last = (redact.clean(c, 40) for c in (sent[0], sent[-1]))
    again = (
        f"; {repeating} of the pages after the first listed only {what} already listed "
        f"({listed(names, 6)})"
        if repeating
        else ""
    )
    text = (
        f"report it to the server's authors: its {method} pagination never ends (each "
        f"nextCursor must lead to a later page of other {what}, and the last page must have none)"
    )
    return CheckFailed(
        f"{spec.name}: {method} pages never end: {PAGES} pages, each with a new nextCursor "
        f"({first!r} ... {last!r}){again}",
        why="by MCP's pagination a client follows nextCursor until a page has none; this server "
        f"gave a new cursor on each of {PAGES} pages, so a client listing its {what} never ends "
        "(or stops at its own bound with a partial, repeated list)",
        fix=_fixes.ask(text, "the server's authors"),
        facts={"pages": PAGES, "repeating_pages": repeating},
    )


async def every_page(
    probe: Probe,
    method: str,
    list_page: Callable[[str | None], Awaitable[Any]],
    items: Callable[[Any], list[Any]],
    key: Callable[[Any], str],
) -> list[Any]:
    """Every item of a paginated listing (*Utilities › Pagination*), as a client reads it:
    following ``nextCursor`` until a page has none, up to :data:`PAGES` pages; a cursor asked
    for already, or a new one on every page, fails the listing."""
    found: list[Any] = []
    cursor: str | None = None
    sent: list[str] = []  # the cursors asked for, in order
    repeating = 0  # pages after the first that listed no item not listed before
    for _ in range(PAGES):  # a paginator that never ends cannot hang the check
        page = await list_page(cursor)
        known = {key(item) for item in found}
        if found and items(page) and all(key(item) in known for item in items(page)):
            repeating += 1
        found.extend(items(page))
        cursor = page.next_cursor
        if not cursor:
            return found
        if cursor in sent:
            raise _cursor_loop(probe, method, cursor, len(sent) + 1)
        sent.append(cursor)
    raise _cursor_endless(probe, method, sent, repeating, sorted({key(i) for i in found}))


def unresolved_ref(schema: Any) -> str | None:
    """The first ``$ref`` of ``schema`` that is a JSON pointer into the schema itself (``#``,
    ``#/...``: RFC 6901) and names nothing there, or ``None``. References to other documents
    and anchors are not followed."""
    import urllib.parse

    stack, seen = [schema], 0
    while stack and seen < 100_000:
        node = stack.pop()
        seen += 1
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str) and (ref == "#" or ref.startswith("#/")):
            target: Any = schema
            for part in ref[2:].split("/") if ref != "#" else []:
                part = urllib.parse.unquote(part).replace("~1", "/").replace("~0", "~")
                if isinstance(target, dict) and part in target:
                    target = target[part]
                elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                    target = target[int(part)]
                else:
                    return redact.clean(ref, 120)
        stack.extend(node.values())
    return None


async def tools(probe: Probe, client: Client) -> Outcome:
    import jsonschema

    spec = probe.spec
    if client.server_capabilities.tools is None:
        if spec.expect_tools:
            text = (
                f"check that {spec.where} is the right server, or fix expect_tools in "
                f"{spec.settings}"
            )
            raise CheckFailed(
                f"{spec.name}: advertises no tools, but {', '.join(spec.expect_tools)} "
                "are expected",
                why="its capabilities have no tools entry: it offers no tools at all",
                fix=Fix([Manual(text)], text=text),
            )
        return await _tools_undeclared(probe, client)
    tools = await every_page(
        probe,
        "tools/list",
        lambda cursor: client.list_tools(cursor=cursor),
        lambda page: list(page.tools),
        lambda tool: str(tool.name),
    )
    probe.tools = tools
    names = [tool.name for tool in tools]
    missing = [name for name in spec.expect_tools if name not in names]
    if missing:
        text = f"upgrade or reconfigure the server, or fix expect_tools in {spec.settings}"
        kept = [name for name in spec.expect_tools if name in names]
        raise CheckFailed(
            f"{spec.name}: expected tool(s) missing: {', '.join(missing)}",
            why=f"the server offers {len(names)} tool(s): {listed(names, 12) or 'none'}",
            fix=Fix([_fixes.set_step(spec, "expect_tools", kept)], text=text),
            facts={"tools": len(names)},
        )
    invalid = []
    dangling = []
    for tool in tools:
        schema = tool.input_schema
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
            if schema.get("type") != "object":
                raise jsonschema.SchemaError(f'type is {schema.get("type")!r}, not "object"')
        except jsonschema.SchemaError as exc:
            invalid.append(f"{tool.name}: {exc.message}")
            continue
        ref = unresolved_ref(schema)
        if ref is not None:
            dangling.append(tool.name)
            invalid.append(f"{tool.name}: its $ref {ref!r} names nothing in the schema")
    if invalid:
        text = "fix the tool definitions in the server (or report it to its authors)"
        why = "clients reject or mis-call tools whose inputSchema is not a JSON Schema object"
        if dangling:
            text = (
                "define what each $ref of the tool's inputSchema names (under $defs in the "
                "schema), or fix the reference, in the server's tool definitions (or report it "
                "to its authors)"
            )
            why = (
                "a $ref is resolved within its schema (JSON Schema 2020-12): one that names "
                "nothing makes validating any arguments fail, and the LLM APIs clients hand the "
                "tools to reject such a schema"
            )
        raise CheckFailed(
            f"{spec.name}: {len(invalid)} tool input schema(s) are not valid JSON Schema: "
            f"{invalid[0]}",
            why=why,
            fix=_fixes.ask(text, "the server's authors"),
            facts={"invalid": invalid},
        )
    named = _tool_names(probe, names) or _log_levels(probe)
    if named is not None:
        return named
    return ok(
        f"{len(names)} tools, input schemas valid"
        + (f"; expected present: {', '.join(spec.expect_tools)}" if spec.expect_tools else ""),
        tools=len(names),
        tool_names=names[:50],
    )


async def _tools_undeclared(probe: Probe, client: Client) -> Outcome:
    """A server without the tools capability: ``tools/list`` sent once all the same (one page,
    read-only). Tools in its answer are tools no client sees, since clients send ``tools/list``
    only to a server that declared ``tools`` (*Lifecycle*: only negotiated capabilities are
    used); an error, or no tools, is a server that indeed has none."""
    import anyio

    spec = probe.spec
    try:
        with anyio.fail_after(min(spec.timeout, 5.0)):
            page = await client.list_tools()
    except Exception:  # noqa: B902 - an error, a timeout, an answer the SDK cannot read: none
        return skip(f"{spec.name} advertises no tools")
    names = [tool.name for tool in page.tools]
    if not names:
        return skip(f"{spec.name} advertises no tools")
    text = (
        'report it to the server\'s authors: its initialize result must declare "tools": {} '
        'in its capabilities (e.g. "capabilities": {"tools": {}}), or its tools stay '
        "hidden from every client"
    )
    return warn(
        f"{spec.name}: answers tools/list with {len(names)} tool(s) ({listed(names, 5)}) but "
        "does not declare the tools capability",
        why=(
            "its initialize result has no tools entry in capabilities; clients use only the "
            "capabilities negotiated in initialize (MCP, Basic › Lifecycle) and send tools/list "
            "only to a server that declares tools, so no client shows these tools"
        ),
        fix=_fixes.ask(text, "the server's authors"),
        tools=len(names),
        tool_names=names[:50],
    )


#: *Server › Tools* (2025-11-25, SEP-986): a tool name SHOULD be 1 to 128 of these characters
TOOL_NAME = re.compile(r"[A-Za-z0-9_.-]{1,128}")


def _tool_names(probe: Probe, names: list[str]) -> Outcome | None:
    """A warning for tool names outside the specification's rules: characters outside
    ``A-Za-z0-9_-.`` or a length outside 1 to 128, and a name listed more than once (names
    SHOULD be unique within a server)."""
    spec = probe.spec
    odd = list(dict.fromkeys(n for n in names if not TOOL_NAME.fullmatch(n)))
    twice = [n for n, count in Counter(names).items() if count > 1]
    if not odd and not twice:
        return None
    shown = [repr(redact.clean(n, 60)) for n in odd]
    doubled = [repr(redact.clean(n, 60)) for n in twice]
    problems, why, fixes = [], [], []
    # a name of allowed characters only is odd by its length alone
    long = [n for n in odd if TOOL_NAME.fullmatch(n[:128]) and len(n) > 128]
    if long:
        problems.append(
            "tool name(s) longer than the specification's 128 characters: "
            + listed([f"{repr(redact.clean(n, 60))} ({len(n)} characters)" for n in long], 5)
        )
    if len(long) < len(odd):
        shown = [repr(redact.clean(n, 60)) for n in odd if n not in long]
        problems.append(f"tool name(s) outside the specification's characters: {listed(shown, 5)}")
    if odd:
        why.append(
            "MCP (2025-11-25, Server › Tools) has tool names be 1 to 128 characters of A-Z, "
            "a-z, 0-9, _, - and .; clients pass them on to LLM APIs, whose tool names are "
            "narrower still (^[a-zA-Z0-9_-]{1,64}$ at OpenAI and Anthropic), so a client "
            "refuses, renames or drops such a tool"
        )
        renamed = re.sub(r"[^A-Za-z0-9_.-]", "_", odd[0])[:128] or "tool"
        fixes.append(f"rename tool {shown[0]} (e.g. {renamed!r})")
    if twice:
        counts = Counter(names)
        problems.append(
            "tool name(s) listed more than once: "
            + listed([f"{d} ({counts[n]} times)" for d, n in zip(doubled, twice)], 5)
        )
        why.append(
            "tool names should be unique within a server (MCP 2025-11-25, Server › Tools): a "
            "client calls a tool by its name, so it keeps one of the same-named tools and "
            "cannot call the others"
        )
        fixes.append(f"give each tool named {doubled[0]} a name of its own")
    text = f"{' and '.join(fixes)} in the server, or report it to the server's authors"
    return warn(
        f"{spec.name}: {'; '.join(problems)}",
        why="; ".join(why),
        fix=_fixes.ask(text, "the server's authors"),
        tools=len(names),
        tool_names=names[:50],
    )


#: *Server › Utilities › Logging*: ``LoggingLevel``, the syslog severities of RFC 5424
LOG_LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")

#: syslog's short or other names of those levels, the one the schema spells
LOG_LEVEL_NAMES = {
    "warn": "warning",
    "err": "error",
    "crit": "critical",
    "emerg": "emergency",
    "fatal": "critical",
    "trace": "debug",
    "information": "info",
}


def _log_levels(probe: Probe) -> Outcome | None:
    """A warning for log messages (``notifications/message``) whose ``level`` is none of the
    schema's ``LoggingLevel``: clients validate each notification and drop such a one, so the
    server's logs never reach them."""
    odd = [level for level in probe.wire.log_levels if level not in LOG_LEVELS]
    if not odd:
        return None
    spec = probe.spec
    first = odd[0]
    shown = redact.clean(json.dumps(first), 40)
    name = LOG_LEVEL_NAMES.get(first.lower()) if isinstance(first, str) else None
    rename = f'"level": "{name}"' if name else f"one of {', '.join(LOG_LEVELS)}"
    text = (
        f"send log messages with {rename} instead of {shown} in the server, or report it "
        "to the server's authors"
    )
    return warn(
        f"{spec.name}: {len(odd)} of its {len(probe.wire.log_levels)} log message(s) have a "
        f"level the MCP schema does not know: {shown}",
        why=(
            "notifications/message carries a LoggingLevel (MCP, Server › Utilities › Logging: "
            f"{', '.join(LOG_LEVELS)}); the SDKs' clients validate each notification and drop "
            "one with another level, so these log messages never reach a client"
        ),
        fix=_fixes.ask(text, "the server's authors"),
        log_levels=[redact.clean(str(level), 40) for level in dict.fromkeys(map(str, odd))][:10],
    )


async def resources(probe: Probe, client: Client) -> Outcome:
    if client.server_capabilities.resources is None:
        return skip(f"{probe.spec.name} advertises no resources")
    found = await every_page(
        probe,
        "resources/list",
        lambda cursor: client.list_resources(cursor=cursor),
        lambda page: list(page.resources),
        lambda resource: str(resource.uri),
    )
    templates = await every_page(
        probe,
        "resources/templates/list",
        lambda cursor: client.list_resource_templates(cursor=cursor),
        lambda page: list(page.resource_templates),
        lambda template: str(template.uri_template),
    )
    count, shapes = len(found), len(templates)
    return ok(f"{count} resources, {shapes} templates", resources=count, resource_templates=shapes)


async def prompts(probe: Probe, client: Client) -> Outcome:
    if client.server_capabilities.prompts is None:
        return skip(f"{probe.spec.name} advertises no prompts")
    prompts = await every_page(
        probe,
        "prompts/list",
        lambda cursor: client.list_prompts(cursor=cursor),
        lambda page: list(page.prompts),
        lambda prompt: str(prompt.name),
    )
    return ok(f"{len(prompts)} prompts", prompts=len(prompts))


#: the listings a ping that waits is checked against, by method: sent again, whether the server
#: answers it tells a server that skips ping from one that stopped answering
_AGAIN: dict[str, Callable[[Client], Awaitable[Any]]] = {
    "tools/list": lambda client: client.session.list_tools(),
    "prompts/list": lambda client: client.session.list_prompts(),
    "resources/list": lambda client: client.session.list_resources(),
}


async def _again(probe: Probe, client: Client) -> None:
    """Half the timeout into a ping without answer, a listing the server answered before, sent
    again: its answer, or none, is noted on the wire (read by the diagnosis of a ping without
    answer); any failure of it is not this step's."""
    import anyio

    await anyio.sleep(probe.spec.timeout / 2)
    answered = [method for method in probe.wire.results if method in _AGAIN]
    if not answered:
        return
    try:
        await _AGAIN[answered[0]](client)
    except Exception:  # noqa: B902 - only whether it came matters, and the wire has that
        pass


async def ping(probe: Probe, client: Client) -> Outcome:
    import anyio

    started = time.monotonic()
    if probe.era == HANDSHAKE:
        failure: BaseException | None = None
        async with anyio.create_task_group() as group:
            group.start_soon(_again, probe, client)
            try:
                await client.session.send_ping()
            except Exception as exc:  # noqa: B902 - raised as it is, once the listing ended
                failure = exc
            group.cancel_scope.cancel()
        if failure is not None:
            raise failure
        latency = round((time.monotonic() - started) * 1000, 1)
        return ok(f"ping answered in {latency} ms", latency_ms=latency, method="ping")
    # protocol 2026-07-28 removed ping; server/discover is the cheapest round-trip left
    await client.session.send_discover(client.protocol_version)
    latency = round((time.monotonic() - started) * 1000, 1)
    return ok(
        f"server/discover answered in {latency} ms (protocol {client.protocol_version} "
        "has no ping)",
        latency_ms=latency,
        method=DISCOVER,
    )


async def call(probe: Probe, client: Client) -> Outcome:
    call = probe.spec.call
    if call is None:
        return skip("no smoke call configured")
    started = time.monotonic()
    result = await client.call_tool(call.tool, call.arguments)
    latency = round((time.monotonic() - started) * 1000)
    texts = [getattr(block, "text", "") for block in result.content]
    if result.structured_content is not None:
        texts.append(json.dumps(result.structured_content))
    answer = " ".join(t for t in texts if t)
    if result.is_error:
        text = f"check the arguments of call in {probe.spec.settings}"
        raise CheckFailed(
            f"{probe.spec.name}: tool {call.tool} returned an error: "
            f"{redact.clean(answer, 200)}",
            why="the call reached the tool, and the tool reported a failure (isError: true): its "
            "own error, not a protocol one",
            fix=Fix([Manual(text)], text=text),
        )
    for index, block in enumerate(result.content):
        data = getattr(block, "data", None)
        if getattr(block, "type", None) in ("image", "audio") and isinstance(data, str):
            if not_base64(data):
                raise _data_not_base64(probe, call.tool, index, block.type, data)
    if call.expect is not None and call.expect not in answer:
        text = f"fix call.expect in {probe.spec.settings}, or the server"
        raise CheckFailed(
            f"{probe.spec.name}: tool {call.tool} answered without {call.expect!r}: "
            f"{redact.clean(answer, 120)!r}",
            why="the tool answered without an error, but its answer lacks the expected text",
            fix=Fix([Manual(text)], text=text),
        )
    return ok(f"{call.tool} answered in {latency} ms", latency_ms=latency)


def not_base64(data: str) -> bool:
    """Whether ``data`` fails the forgiving-base64 decode of the WHATWG Infra standard (``atob``,
    with which the TypeScript SDK's schema checks an image's or audio's ``data``)."""
    text = re.sub(r"[\t\n\f\r ]", "", data)
    if len(text) % 4 == 0:
        text = text.removesuffix("==") if text.endswith("==") else text.removesuffix("=")
    return len(text) % 4 == 1 or re.fullmatch(r"[A-Za-z0-9+/]*", text) is None


def _data_not_base64(probe: Probe, tool: str, index: int, kind: str, data: str) -> CheckFailed:
    """The smoke call's answer holds an image or audio block whose ``data`` is no base64 (a
    ``data:`` URL, most often): the TypeScript SDK rejects the whole result."""
    spec = probe.spec
    url = re.match(r"data:([^;,]*)(;base64)?,", data)
    what = "a data: URL" if url else "not base64"
    media = (url.group(1) if url else "") or f"{kind}/png"
    shown = redact.clean(data, 48)
    text = (
        f"report it to the server's authors: tool {tool!r} answers with an {kind} block whose "
        f"data is {what}; data must be the base64 alone"
        + (" (what follows ';base64,')" if url and url.group(2) else "")
        + f" and the MIME type goes in mimeType ({media!r})"
    )
    return CheckFailed(
        f"{spec.name}: call failed: content block {index} ({kind}) of the answer to tools/call "
        f"has data that is {what}, not base64: {shown!r}",
        why=f"an {kind} block carries its bytes base64-encoded in data and their MIME type in "
        "mimeType (Server › Tools › Tool Result); the TypeScript SDK, which Claude Code and VS "
        "Code use, checks data as base64 (atob) and rejects the whole result, so those "
        "clients get no answer to the call",
        fix=_fixes.ask(text, "the server's authors"),
        facts={"content_block": index, "data": what},
    )
