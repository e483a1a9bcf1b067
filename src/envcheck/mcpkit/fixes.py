"""Fixes of an MCP server's declaration, as data (:class:`~envcheck.core.fix.Fix`), in the syntax
of the file that declares it: ``transport = "sse"`` in ``pyproject.toml``, ``"type": "sse"`` in a
client's JSON file, a variable as ``${NAME}`` (Claude Code), ``${env:NAME}`` (Cursor, VS Code) or
the value itself (Claude Desktop, which expands nothing).

A change to the declaration is an :class:`~envcheck.core.fix.Edit` of that file when a program
may make it (:attr:`~envcheck.mcpkit.spec.Declared.editable`), else a
:class:`~envcheck.core.fix.Manual` step that says the same.
"""

from __future__ import annotations

import json
import shlex
from typing import TYPE_CHECKING, Any

from envcheck.core.fix import Command, Edit, Fix, Manual, Step

if TYPE_CHECKING:
    from envcheck.mcpkit.spec import ServerSpec

#: the client config files' names of envcheck's keys
_JSON_KEYS = {"transport": "type"}
#: what each client is called, by the label of its config file
CLIENTS = {
    "mcp.json": "Claude Code",
    "cursor": "Cursor",
    "vscode": "VS Code",
    "claude-desktop": "Claude Desktop",
}


def key_name(spec: ServerSpec, key: str) -> str:
    """``key`` as the declaring file spells it (``transport`` is ``type`` in the JSON files)."""
    return key if spec.origin == "pyproject" else _JSON_KEYS.get(key, key)


def setting(spec: ServerSpec, key: str, value: object) -> str:
    """How to set ``key`` where the server is declared, in that file's own syntax."""
    if spec.origin == "pyproject":
        return f"set {key} = {_toml(value)} in {spec.settings}"
    return f'set "{key_name(spec, key)}": {json.dumps(value)} in {spec.settings}'


def _toml(value: object) -> str:
    """A TOML value: tables inline, the rest as JSON (JSON strings and lists are valid TOML)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def set_step(spec: ServerSpec, key: str, value: Any, text: str | None = None) -> Step:
    """Set ``key`` (dotted below the entry: ``env.API_URL``) of the server's entry to ``value``;
    ``None`` removes it."""
    declared = spec.declared
    name = ".".join(key_name(spec, part) for part in key.split("."))
    if declared is not None and declared.editable:
        return Edit(
            path=declared.path, format=declared.format, key=f"{declared.key}.{name}", value=value
        )
    if text is None:
        text = f"remove {name} from {spec.settings}" if value is None else setting(spec, key, value)
    return Manual(text)


def reference(spec: ServerSpec, name: str) -> str:
    """How the file that declares the server refers to the variable ``name``."""
    if spec.origin in ("pyproject", "mcp.json"):
        return f"${{{name}}}"
    if spec.origin == "claude-desktop":  # Claude Desktop expands no variables
        return f"<the value of {name}>"
    return f"${{env:{name}}}"  # Cursor, VS Code


def export(name: str, what: str = "value") -> Manual:
    """Set a variable in the shell (a person's step: only they have the value)."""
    return Manual(f"export {name}=<{what}>")


def look(spec: ServerSpec) -> Manual:
    """How a person sees for themselves what the server does."""
    return Manual(spec.look)


def raise_timeout(spec: ServerSpec) -> tuple[str, Step]:
    """Raising the timeout of this server: its table's, or (client config files have none) the
    section's."""
    raised = max(30.0, spec.timeout * 3)
    declared = spec.declared
    if spec.origin == "pyproject":
        text = f"raise timeout in {spec.settings} (now {spec.timeout:g} s)"
        if declared is not None and declared.editable:
            return text, Edit(
                path=declared.path, format="toml", key=f"{declared.key}.timeout", value=raised
            )
        return text, Manual(text)
    text = f"raise timeout in [tool.envcheck.mcp] of pyproject.toml (now {spec.timeout:g} s)"
    return text, Edit(
        path="pyproject.toml", format="toml", key="tool.envcheck.mcp.timeout", value=raised
    )


def run(argv: list[str], *, needs: frozenset[str] = frozenset(), timeout: float = 300.0) -> Command:
    return Command(argv, needs=needs, timeout=timeout)


def fix(*steps: Step, text: str | None = None) -> Fix:
    return Fix(tuple(steps), text=text)


def ask(text: str, who: str) -> Fix:
    """A fix only ``who`` can make: ``text`` is both the step and the fix's words."""
    return Fix([Manual(text, ask=who)], text=text)


def shown(argv: list[str]) -> str:
    return shlex.join(argv)
