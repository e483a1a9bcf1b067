"""The MCP servers that clients declare: Claude Code's ``.mcp.json``, Cursor's ``.cursor/mcp.json``,
VS Code's ``.vscode/mcp.json`` and Claude Desktop's ``claude_desktop_config.json``.

Each file is read the way its client reads it: VS Code's as JSON with comments and trailing
commas (JSONC, like all of VS Code's settings), the others as strict JSON (a comment there is an
error the client reports too); servers under ``"servers"`` in VS Code's file and ``"mcpServers"``
in the others. Each entry is turned into the same table as ``[tool.envcheck.mcp.servers.NAME]``;
the clients' variable syntaxes (``${env:VAR}``, ``${workspaceFolder}``, ``${userHome}``) become
envcheck's (``${VAR}``), resolved only when a check runs, except in Claude Desktop's file, whose
client expands nothing. VS Code and Cursor pass a bare ``${VAR}`` (or ``${VAR:-default}``) on as
written (VS Code's variable resolver leaves a name it does not know as it is; Cursor documents
``${env:NAME}`` only): such a reference becomes a :func:`literal` marker, which the check puts back
as the text itself. VS Code's and Cursor's ``envFile`` becomes ``env_file``. Claude Code's
``.mcp.json`` is read as Claude Code reads it (:func:`_claude_code`, :data:`IGNORED`,
:func:`_claude_code_type`): ``${VAR}`` and ``${VAR:-default}`` only, any other ``${...}`` passed
on as written; a stdio entry without ``cwd`` or ``envFile``; a url entry only with its ``type``;
``${input:ID}`` is a prompt in VS Code's file only.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: project-relative files, with the label that names their servers (``github@cursor``)
PROJECT_FILES = {
    ".mcp.json": "mcp.json",
    ".cursor/mcp.json": "cursor",
    ".vscode/mcp.json": "vscode",
}
CLAUDE_DESKTOP = "claude-desktop"
#: the files whose client reads JSON with comments and trailing commas
JSONC = {"vscode"}
#: the object that holds the servers, by label (what the client reads)
TOP_KEYS = {"vscode": "servers"}
#: the clients that read ``envFile``
ENV_FILES = {"vscode", "cursor"}
_ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")
#: the clients that expand only their own variables (``${env:VAR}``...), never a bare ``${VAR}``
LITERAL_CLIENTS = {"vscode", "cursor"}
_BARE_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}")
#: a bare reference kept as text: ``${ENVCHECK_LITERAL_<hex of the text>}``
_LITERAL_PREFIX = "ENVCHECK_LITERAL_"
LITERAL_REF = re.compile(r"\$\{" + _LITERAL_PREFIX + r"([0-9a-f]+)\}")
_INPUT_REF = re.compile(r"\$\{input:([^}]+)\}")
#: the ``type`` values of an entry that name a remote server (one reached at ``url``)
REMOTE_TYPES = ("http", "sse", "streamable-http", "streamablehttp")
#: the ``type`` values Claude Code's schemas take in ``.mcp.json`` (services/mcp/types.ts:
#: stdio, sse, http, ws; sse-ide, ws-ide and sdk are its own, never in a file)
CLAUDE_CODE_TYPES = ("stdio", "sse", "http", "ws")
#: the keys of a stdio entry a client's schema drops (Claude Code's stdio entry is type, command,
#: args and env): the server starts as if they were not there
IGNORED = {"mcp.json": ("cwd", "envFile")}


@dataclass
class Discovered:
    """One server entry found in a client's config file (``problem`` set when it is unusable)."""

    name: str
    label: str
    path: Path
    table: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    #: the VS Code ``${input:ID}`` prompts it needs, as ``{key path: input id}``: only VS Code can
    #: ask for them, so the server is skipped, not failed
    inputs: dict[str, str] = field(default_factory=dict)
    #: the object of the file that holds the entry (``mcpServers`` or ``servers``)
    top: str = "mcpServers"
    #: the file has comments or trailing commas (JSONC): a program must not rewrite it as JSON
    jsonc: bool = False
    #: the entry as written in the file (``table`` has the client's variables translated)
    raw: dict[str, Any] = field(default_factory=dict)
    #: the file's ``inputs`` (VS Code), which declare the ids ``${input:ID}`` may name
    file_inputs: list[Any] = field(default_factory=list)
    #: the ``type`` of a ``command`` entry that names a remote transport (it has no ``url``), or
    #: that its client does not know (Claude Code's schema)
    remote_type: str | None = None
    #: the ``type`` a ``url`` entry must have for its client to read it (Claude Code: a url entry
    #: without ``"type": "http"`` or ``"sse"`` matches none of its schemas)
    needs_type: str | None = None
    #: the Claude Code settings file whose ``disabledMcpjsonServers`` names this server of
    #: ``.mcp.json``: the user rejected it, Claude Code never starts it
    rejected_in: Path | None = None
    #: how many times the file's servers object has this name as a key (more than one: every
    #: client's JSON parser keeps the last entry, ECMA-262 ``JSON.parse`` as Python's json)
    written: int = 1

    @property
    def undeclared_inputs(self) -> list[str]:
        """The ``${input:ID}`` ids of the entry that no object of the file's ``inputs`` has."""
        declared = {i.get("id") for i in self.file_inputs if isinstance(i, dict)}
        return sorted({i for i in self.inputs.values() if i not in declared})

    @property
    def check_name(self) -> str:
        return f"{self.name}@{self.label}"


@dataclass
class BrokenFile:
    """A client config file that cannot be read (``line``: where, when it is a syntax error),
    or whose servers its client does not see (``wrong_top``: they are under the other object)."""

    label: str
    path: Path
    problem: str
    line: int | None = None
    wrong_top: str | None = None
    servers: dict[str, Any] | None = None
    #: what to do about it, when it is not "fix the file"
    fix: str | None = None

    @property
    def client(self) -> str:
        return CLIENTS.get(self.label, self.label)


#: what each client is called, by label
CLIENTS = {
    "mcp.json": "Claude Code",
    "cursor": "Cursor",
    "vscode": "VS Code",
    CLAUDE_DESKTOP: "Claude Desktop",
}


def strip_jsonc(text: str) -> tuple[str, int | None]:
    """``text`` without its comments and trailing commas (each replaced by spaces, so that line
    numbers stay), and the line of the first one (``None``: it is plain JSON)."""
    out: list[str] = []
    first: int | None = None
    i, n, line = 0, len(text), 1
    in_string = False
    while i < n:
        char = text[i]
        if in_string:
            out.append(char)
            if char == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if char == '"':
                in_string = False
            i += 1
            continue
        if char == '"':
            in_string = True
        elif text.startswith("//", i) or text.startswith("/*", i):
            end = text.find("\n", i) if text[i + 1] == "/" else text.find("*/", i + 2)
            end = n if end == -1 else (end if text[i + 1] == "/" else end + 2)
            first = line if first is None else first
            chunk = text[i:end]
            out.append("".join(c if c == "\n" else " " for c in chunk))
            line += chunk.count("\n")
            i = end
            continue
        elif char == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j < n and text[j] in "}]":
                first = line if first is None else first
                out.append(" ")
                i += 1
                continue
        if char == "\n":
            line += 1
        out.append(char)
        i += 1
    return "".join(out), first


def claude_desktop_config() -> Path:
    """Where Claude Desktop keeps its config on this platform."""
    env = os.environ
    home = Path(env.get("HOME") or Path.home())
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    if sys.platform == "win32":
        return Path(env.get("APPDATA", home)) / "Claude" / "claude_desktop_config.json"
    base = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    return base / "Claude" / "claude_desktop_config.json"


def candidate_files(rootdir: Path) -> list[tuple[str, Path]]:
    files = [(label, rootdir / rel) for rel, label in PROJECT_FILES.items()]
    files.append((CLAUDE_DESKTOP, claude_desktop_config()))
    return files


#: The largest client config file read, in bytes: a thousand servers take about 100 KiB.
MAX_CONFIG_BYTES = 4 * 2**20


class Unreadable(Exception):
    """A client config file that is there but cannot be read: why, and what to do."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


def read_config(path: Path, limit: int = MAX_CONFIG_BYTES) -> str:
    """The text of a client config file, read without ever blocking or reading more than
    ``limit`` bytes: a directory, a named pipe (opening one for reading waits for a writer), a
    symlink loop, a file without read permission, one that is not UTF-8 or is larger than
    ``limit`` raises :class:`Unreadable`; a file that is not there raises ``FileNotFoundError``
    (a dangling symlink is there: it says where it points)."""
    remove = f"remove {path} or make it a JSON file"
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if not path.is_symlink():
            raise
        target = os.readlink(path)
        raise Unreadable(
            f"is a symlink to {target}, which does not exist",
            f"point {path} at an existing file, or remove it",
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Unreadable("cannot be read: it is a symlink loop", remove) from None
        raise Unreadable(f"cannot be read ({exc.strerror})", remove) from None
    _regular(path, info.st_mode, remove)
    if info.st_size > limit:
        raise Unreadable(_too_large(info.st_size, limit), _narrow(path, limit))
    try:
        # O_NONBLOCK: should it have become a named pipe since the stat, opening does not wait
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except PermissionError:
        raise Unreadable(
            "cannot be read: permission denied",
            f"let your user read it (chmod u+r {path}), or remove it",
        ) from None
    except OSError as exc:
        raise Unreadable(f"cannot be read ({exc.strerror})", remove) from None
    with os.fdopen(fd, "rb") as handle:
        _regular(path, os.fstat(fd).st_mode, remove)
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise Unreadable(f"cannot be read ({exc.strerror})", remove) from None
    if len(data) > limit:
        raise Unreadable(_too_large(len(data), limit, more=True), _narrow(path, limit))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Unreadable(
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line})",
            f"save {path} as UTF-8",
        ) from None


def _regular(path: Path, mode: int, remove: str) -> None:
    if stat.S_ISDIR(mode):
        raise Unreadable("is a directory, not a file", remove)
    if stat.S_ISFIFO(mode):
        raise Unreadable(
            "is a named pipe (FIFO), not a file: reading it would wait for a writer", remove
        )
    if not stat.S_ISREG(mode):
        raise Unreadable("is not a regular file", remove)


def _too_large(size: int, limit: int, more: bool = False) -> str:
    amount = "more than " if more else ""
    return (
        f"is {amount}{size / 2**20:.1f} MiB: envcheck reads client config files of at most "
        f"{limit // 2**20} MiB"
    )


def _narrow(path: Path, limit: int) -> str:
    return (
        f"keep {path} under {limit // 2**20} MiB (declare only the servers this project uses), "
        "or set [tool.envcheck.mcp] discover = false and list the servers to check under "
        "[tool.envcheck.mcp.servers.NAME]"
    )


def discover(rootdir: Path) -> tuple[list[Discovered], list[BrokenFile]]:
    """Every server declared in the files that exist, and the files that could not be read."""
    found: list[Discovered] = []
    broken: list[BrokenFile] = []
    for label, path in candidate_files(rootdir):
        client = CLIENTS[label]
        try:
            text = read_config(path)
        except FileNotFoundError:
            continue
        except Unreadable as exc:
            broken.append(BrokenFile(label, path, exc.problem, fix=exc.fix))
            continue
        plain, extra = strip_jsonc(text)
        if extra is not None and label not in JSONC:
            try:
                json.loads(plain)
            except json.JSONDecodeError:
                pass  # broken beyond the comments: reported below as JSON
            else:
                broken.append(
                    BrokenFile(
                        label,
                        path,
                        f"has a comment or a trailing comma at line {extra}: {client} reads "
                        "strict JSON, which has neither",
                        line=extra,
                    )
                )
                continue
        try:
            document = json.loads(plain if label in JSONC else text, object_pairs_hook=_keys)
        except json.JSONDecodeError as exc:
            kind = "JSON with comments" if label in JSONC else "JSON"
            broken.append(
                BrokenFile(
                    label,
                    path,
                    f"not valid {kind}: {exc.msg} (line {exc.lineno})",
                    line=exc.lineno,
                )
            )
            continue
        top = TOP_KEYS.get(label, "mcpServers")
        other = "mcpServers" if top == "servers" else "servers"
        servers = document.get(top) if isinstance(document, dict) else None
        if not isinstance(servers, dict):
            misplaced = document.get(other) if isinstance(document, dict) else None
            if isinstance(misplaced, dict):
                broken.append(
                    BrokenFile(
                        label,
                        path,
                        f'declares its servers under "{other}": {client} reads "{top}", so it '
                        "sees none of them",
                        wrong_top=other,
                        servers=misplaced,
                    )
                )
            else:
                broken.append(BrokenFile(label, path, f'has no "{top}" object at the top'))
            continue
        inputs = document.get("inputs") if label == "vscode" else None
        rejected = claude_code_rejected(rootdir) if label == "mcp.json" else {}
        for name, entry in servers.items():
            item = _entry(str(name), label, path, entry, rootdir)
            item.top, item.jsonc = top, extra is not None
            item.file_inputs = list(inputs) if isinstance(inputs, list) else []
            item.rejected_in = rejected.get(str(name))
            item.written = servers.written.get(name, 1) if isinstance(servers, _Keys) else 1
            found.append(item)
    return found, broken


class _Keys(dict[str, Any]):
    """A JSON object as the clients' parsers read it (a key written twice keeps its last
    value), with how many times each key was written."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.written = Counter(key for key, _ in pairs)


def _keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as the clients read it; one with a key written twice as :class:`_Keys`."""
    return _Keys(pairs) if len({key for key, _ in pairs}) < len(pairs) else dict(pairs)


#: Claude Code's settings files that may reject servers of the project's ``.mcp.json``, in the
#: order it reads them (local, project, user; code.claude.com/docs/en/settings)
CLAUDE_CODE_SETTINGS = (".claude/settings.local.json", ".claude/settings.json")


def claude_code_rejected(rootdir: Path) -> dict[str, Path]:
    """The servers of ``.mcp.json`` that Claude Code's settings reject
    (``disabledMcpjsonServers``, which Claude Code writes to ``.claude/settings.local.json`` when
    the user declines a project server), each with the file that names it. Unreadable or
    malformed settings reject nothing (Claude Code reports those itself)."""
    files = [rootdir / relative for relative in CLAUDE_CODE_SETTINGS]
    files.append(Path(os.environ.get("HOME") or Path.home()) / ".claude" / "settings.json")
    rejected: dict[str, Path] = {}
    for path in files:
        try:
            document = json.loads(read_config(path))
        except (OSError, Unreadable, ValueError):
            continue
        names = document.get("disabledMcpjsonServers") if isinstance(document, dict) else None
        for name in names if isinstance(names, list) else []:
            if isinstance(name, str):
                rejected.setdefault(name, path)
    return rejected


def _entry(name: str, label: str, path: Path, entry: Any, rootdir: Path) -> Discovered:
    item = Discovered(name, label, path)
    if not isinstance(entry, dict):
        item.problem = "the entry is not an object"
        return item
    item.raw = entry
    table: dict[str, Any] = {}
    kind = str(entry.get("type") or "")
    if (
        "command" in entry
        and "url" not in entry
        and "serverUrl" not in entry
        and kind.lower().replace("_", "-") in REMOTE_TYPES
    ):
        # "type": "http" or "sse" names a remote server: the client looks for its url
        item.remote_type = kind
        item.problem = (
            f'"type": {json.dumps(kind)} declares a remote server, which needs "url", and the '
            'entry has none (it has "command")'
        )
        return item
    typed = _claude_code_type(entry, kind) if label == "mcp.json" else None
    if typed is not None:
        item.problem, fix = typed
        if "url" in entry:
            item.needs_type = fix
        else:
            item.remote_type = kind
        return item
    # "type": "http" or "sse" with a url: a remote server, its "command" no key of that shape
    # (Claude Code's McpHTTPServerConfigSchema, VS Code's remote entry); Claude Desktop starts
    # stdio servers only
    remote = (
        ("url" in entry or "serverUrl" in entry)
        and kind.lower().replace("_", "-") in REMOTE_TYPES
        and label != CLAUDE_DESKTOP
    )
    if "command" in entry and not remote:
        table["command"] = entry["command"]
        table["args"] = entry.get("args", [])
        table["env"] = entry.get("env", {})
        if "cwd" in entry and "cwd" not in IGNORED.get(label, ()):
            table["cwd"] = entry["cwd"]
        if "envFile" in entry and label in ENV_FILES:
            table["env_file"] = entry["envFile"]
    elif "url" in entry or "serverUrl" in entry:
        table["url"] = entry.get("url", entry.get("serverUrl"))
        table["headers"] = entry.get("headers", {})
        table["transport"] = _transport(entry, label)
    else:
        item.problem = 'the entry has neither "command" nor "url"'
        return item
    if entry.get("disabled") is True:
        table["enabled"] = False
    if label == "vscode":  # only VS Code prompts; elsewhere ${input:ID} is text like any other
        item.inputs = dict(_inputs(table, ()))
    item.table = (
        _as_written(table) if label == CLAUDE_DESKTOP else _translate(table, rootdir, label)
    )
    return item


#: any ``${...}``: Claude Desktop expands no variable syntax at all
_ANY_REF = re.compile(r"\$\{[^}]+\}")


def _as_written(value: Any) -> Any:
    """A Claude Desktop entry: every ``${...}`` reaches the server as written (a literal)."""
    if isinstance(value, str):
        return _ANY_REF.sub(lambda found: literal(found.group(0)), value)
    if isinstance(value, dict):
        return {k: _as_written(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_written(v) for v in value]
    return value


def _claude_code_type(entry: dict[str, Any], kind: str) -> tuple[str, str | None] | None:
    """Why Claude Code's schemas refuse the entry's ``type`` (and the type that makes a ``url``
    entry readable), or ``None``: a stdio entry has no ``type`` or ``"stdio"``; a remote one needs
    ``"http"`` or ``"sse"`` (``"ws"``); any other value matches none of them."""
    if "command" in entry and ("url" not in entry or kind in ("", "stdio")):
        # a command with no type (or "stdio"): McpStdioServerConfigSchema, first in Claude Code's
        # union, takes the entry whatever else it holds (a url is dropped)
        if kind in ("", "stdio") or kind.lower().replace("_", "-") in REMOTE_TYPES:
            return None  # a remote type with a command: the remote_type rule below
        return (
            f'"type": {json.dumps(kind)} is not a type Claude Code reads (a stdio entry has '
            '"type": "stdio" or none), so it refuses the entry',
            None,
        )
    if "url" in entry and kind not in CLAUDE_CODE_TYPES[1:]:
        said = f'"type": {json.dumps(kind)}' if kind else 'no "type"'
        return (
            f'a url entry with {said}: Claude Code reads a url entry only with "type": "http" '
            'or "sse", so it refuses the entry',
            "sse" if kind.lower() == "sse" else "http",
        )
    return None


def _claude_code(value: str) -> str:
    """A value of Claude Code's ``.mcp.json`` as Claude Code expands it (envExpansion.ts,
    ``expandEnvVarsInString``): ``${`` to the first ``}`` is one reference, split at ``:-`` into at
    most two parts (``${A:-x:-y}`` defaults to ``x``); one whose name is no environment variable's
    (``${env:NAME}``, ``${input:ID}``) names none that is set, and is passed on as written."""

    def one(found: re.Match[str]) -> str:
        name, sep, default = found.group(1).partition(":-")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            return literal(found.group(0))
        return "${" + name + (":-" + default.split(":-")[0] if sep else "") + "}"

    return re.sub(r"\$\{([^}]+)\}", one, value)


def literal(text: str) -> str:
    """The marker of text a client passes on as written (a bare ``${VAR}`` in VS Code's file):
    a well-formed ``${NAME}`` that no environment sets, turned back by :func:`literal_text`."""
    return "${" + _LITERAL_PREFIX + text.encode("utf-8").hex() + "}"


def literal_text(marker: re.Match[str]) -> str:
    """The text a :data:`LITERAL_REF` match stands for."""
    return bytes.fromhex(marker.group(1)).decode("utf-8")


def _transport(entry: dict[str, Any], label: str) -> str:
    """The transport the client itself would use for a ``url`` entry.

    ``"sse"`` means SSE everywhere. Otherwise the clients follow the MCP specification's
    backwards-compatibility rule: streamable HTTP first, SSE when that is refused with a 4xx
    (Cursor, Claude Code and VS Code without ``type``; VS Code also with ``"type": "http"``).
    Only Claude Code's ``"type": "http"`` means streamable HTTP alone. The ``/sse`` suffix rule of
    ``[tool.envcheck.mcp.servers]`` does not apply here: no client has it.
    """
    kind = str(entry.get("type") or entry.get("transport") or "").lower().replace("_", "-")
    if kind == "sse":
        return "sse"
    if kind in ("http", "streamable-http", "streamablehttp") and label != "vscode":
        return "http"
    return "auto"


def _inputs(value: Any, path: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """``(dotted key, input id)`` for every ``${input:ID}`` in the entry."""
    if isinstance(value, str):
        for found in _INPUT_REF.findall(value):
            yield ".".join(path), found
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _inputs(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _inputs(item, (*path, str(index)))


def project_root(start: Path) -> Path:
    """The project a command run in ``start`` is about: the nearest directory (``start`` or
    above, not beyond a repository's top) whose ``pyproject.toml`` has ``[tool.envcheck]``; else
    the nearest with a ``pyproject.toml`` or a client config file; else ``start``."""
    marked: Path | None = None
    for directory in (start, *start.parents):
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _has_envcheck(pyproject):
            return directory
        if marked is None and (
            pyproject.is_file() or any((directory / rel).is_file() for rel in PROJECT_FILES)
        ):
            marked = directory
        if (directory / ".git").exists():
            break
    return marked or start


def _has_envcheck(pyproject: Path) -> bool:
    import tomllib

    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    tool = document.get("tool")
    return isinstance(tool, dict) and "envcheck" in tool


#: VS Code's (and Cursor's) predefined variables an MCP entry may use, and what each is without
#: them, in a file whose client expands only environment variables (Claude Code's): a path from
#: the project root, where the client runs, for ``${workspaceFolder}``
CLIENT_VARIABLES = {
    "workspaceFolder": ".",
    "workspaceRoot": ".",
    "userHome": "${HOME}",
    "pathSeparator": "/",
    "cwd": ".",
}


def _predefined(rootdir: Path, label: str) -> dict[str, str]:
    """The predefined variables a client resolves in an MCP entry, and their values here (none
    in Claude Code's ``.mcp.json``: it expands environment variables only, ``${VAR}`` and
    ``${VAR:-default}``, so ``${workspaceFolder}`` there names a variable of the environment)."""
    if label == "mcp.json":
        return {}
    found = {
        "${workspaceFolder}": str(rootdir),
        "${userHome}": str(Path(os.environ.get("HOME") or Path.home())),
    }
    if label in LITERAL_CLIENTS:
        found.update({"${workspaceFolderBasename}": rootdir.name, "${pathSeparator}": os.sep})
        found["${/}"] = os.sep
    return found


def _translate(value: Any, rootdir: Path, label: str) -> Any:
    if isinstance(value, str):
        if label == "mcp.json":
            return _claude_code(value)
        for name, replacement in _predefined(rootdir, label).items():
            value = value.replace(name, replacement)
        if label in LITERAL_CLIENTS:
            value = _BARE_REF.sub(lambda found: literal(found.group(0)), value)
        if label != "vscode":  # Cursor has no inputs: the text is passed on
            value = _INPUT_REF.sub(lambda found: literal(found.group(0)), value)
        return _ENV_REF.sub(r"${\1}", value)
    if isinstance(value, dict):
        return {k: _translate(v, rootdir, label) for k, v in value.items()}
    if isinstance(value, list):
        return [_translate(v, rootdir, label) for v in value]
    return value
