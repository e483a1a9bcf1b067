"""Why an MCP server did not answer: diagnoses from structure, never from words.

The evidence is what the protocol and the system say: for stdio the exec ``errno``, the child's
exit status and its stderr tail; for HTTP the statuses, ``WWW-Authenticate`` challenges (RFC 6750,
and RFC 9728's ``resource_metadata`` that makes a 401 an OAuth sign-in), redirects and content types
of the responses, whether the other transport answers at the same URL, and whether the port speaks
TLS; for both, the JSON-RPC error code and its ``data``, and the raw answers the SDK could not use
(:mod:`._wire`). :mod:`envcheck.mcpkit.probe` collects it and asks here what it means. Every
verdict carries a :class:`~envcheck.core.fix.Fix` (:mod:`.fixes`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envcheck.core import exec as _exec
from envcheck.core import redact
from envcheck.core import tls_alerts as _tls
from envcheck.core.fix import Fix, Manual, Step
from envcheck.core.limits import MAX_MCP_HTTP_ANSWER
from envcheck.core.model import CheckFailed, CheckSkipped, Outcome, Status, ok
from envcheck.mcpkit import command
from envcheck.mcpkit import fixes as _fixes

if TYPE_CHECKING:
    from envcheck.mcpkit.spec import Attempt
    from envcheck.mcpkit.spec import Probing as Probe
    from envcheck.mcpkit.spec import ServerSpec

StepResult = Outcome | CheckFailed | CheckSkipped
#: statuses with which a server refuses one HTTP transport but may speak the other (the MCP
#: specification's fallback rule: a 4xx to the streamable HTTP POST means "try SSE")
WRONG_TRANSPORT = (404, 405, 400)
TRANSPORT_NAMES = {"http": "streamable HTTP", "sse": "SSE", "auto": "streamable HTTP or SSE"}
#: the request each step sends
METHODS = {
    "initialize": "initialize",
    "tools": "tools/list",
    "resources": "resources/list",
    "prompts": "prompts/list",
    "ping": "ping",
    "call": "tools/call",
}
#: JSON-RPC 2.0 and MCP error codes (schema.ts of the specification)
RPC_MEANINGS = {
    -32700: "parse error: it could not read the request as JSON",
    -32600: "invalid request: the message is not a request it accepts",
    -32601: "method not found: it does not implement this",
    -32602: "invalid params",
    -32603: "internal error: it failed while handling the request",
    -32002: "resource not found (2025-11-25 and earlier)",
    -32020: "header mismatch: the HTTP headers do not match the request",
    -32021: "missing required client capability",
    -32022: "unsupported protocol version",
    -32042: "URL elicitation required: the user must open a URL first",
}


def step_method(probe: Probe, step: str) -> str:
    """The request of ``step`` that failed: the resources check sends resources/list, then
    resources/templates/list once the list came (the last of them sent is the one that failed)."""
    if step == "resources" and "resources/templates/list" in probe.wire.params:
        return "resources/templates/list"
    return METHODS.get(step, step)


#: what an HTTP error status to a request says (RFC 9110, RFC 6585; the Streamable HTTP
#: transport for 400, 404, 405 and 406)
HTTP_MEANINGS = {
    400: "bad request: it could not accept the request",
    401: "unauthorized: the request's credentials are missing or not accepted",
    403: "forbidden: it understood the request and refuses it to these credentials",
    404: "not found",
    405: "method not allowed: it takes no POST there",
    406: "not acceptable: it cannot answer in a type the request's Accept header lists "
    "(application/json, text/event-stream)",
    409: "conflict with the state of the session",
    413: "content too large: the request's body is over its limit",
    415: "unsupported media type: it does not take the request's Content-Type "
    "(application/json)",
    421: "misdirected request: it serves no such host here (the Host header, a TLS name)",
    429: "too many requests: it rate-limits this client",
    500: "internal server error: it failed while handling the request",
    502: "bad gateway: a proxy in front of the server got no valid answer from it",
    503: "service unavailable: overloaded, or down for maintenance",
    504: "gateway timeout: a proxy in front of the server got no answer from it in time",
}


def describe(exc: BaseException) -> str:
    text = redact.clean(str(exc).strip(), 200)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def blocked(spec: ServerSpec, step: str, why: str = "") -> CheckSkipped:
    return CheckSkipped(f"blocked by {spec.name}.{step}" + (f": {why}" if why else ""))


def _look(spec: ServerSpec, what: str = "to see why") -> tuple[str, Step]:
    return f"{spec.look} {what}", Manual(f"{spec.look} {what}")


def setting(spec: ServerSpec, key: str, value: object) -> str:
    return _fixes.setting(spec, key, value)


def reference(spec: ServerSpec, name: str) -> str:
    return _fixes.reference(spec, name)


def raise_timeout(spec: ServerSpec) -> str:
    return _fixes.raise_timeout(spec)[0]


def sdk_versions() -> tuple[str, ...]:
    from mcp_types.version import KNOWN_PROTOCOL_VERSIONS

    return tuple(KNOWN_PROTOCOL_VERSIONS)


# -- stdio -------------------------------------------------------------------------------------
def inherited_environment() -> list[str]:
    """The variables of this process a stdio server gets (the SDK's rule, which clients share)."""
    from mcp.client.stdio import get_default_environment

    return sorted(get_default_environment())


def environment(spec: ServerSpec, stderr: str) -> tuple[str, str, Step | None]:
    """Which variables reached the server, and how to pass one more: ``why``, the hint's text and,
    when the server names a variable of this shell that was not passed, the step that passes it."""
    inherited = inherited_environment()
    reached = ", ".join(inherited) + (
        f" and its env ({', '.join(sorted(spec.env))})" if spec.env else ""
    )
    why = f"only {reached} reach the server, not the rest of your shell's environment"
    # a variable of this shell that did not reach the server and that the server names
    named = [
        name
        for name in sorted(os.environ)
        if len(name) > 2
        and name not in inherited
        and name not in spec.env
        and re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", stderr)
    ]
    name = named[0] if named else "NAME"
    step = None
    if named:
        why += f"; {name} is set in your shell but was not passed"
        step = _fixes.set_step(
            spec, f"env.{name}", reference(spec, name), _pass_variable(spec, name)
        )
    return why, "to pass a variable of your shell: " + _pass_variable(spec, name), step


def empty_values(spec: ServerSpec, keys: tuple[str, ...]) -> tuple[str, str, list[Step]] | None:
    """The values of the entry (at keys beginning with one of ``keys``) written with a
    ``${VAR}`` whose variable is set but empty: the client resolves it to nothing (Claude Code
    takes a defined variable, an empty one too, over a default); ``why``, the fix's text and
    its steps (the person exports the value), or ``None``."""
    found = [(key, name) for key, name in spec.empty_refs if key.startswith(keys)]
    if not found:
        return None
    client = _fixes.CLIENTS.get(spec.origin, "envcheck")
    shown = ", ".join(f"{key} refers to ${{{name}}}" for key, name in found)
    names = list(dict.fromkeys(name for _, name in found))
    empty = ", ".join(names)
    verb = "is" if len(names) == 1 else "are"
    why = (
        f"{shown}, and {empty} {verb} set but empty in this environment (not unset): {client} "
        "passes the empty string on"
    )
    text = "; ".join(f"export {name}=<the value>" for name in names) + (
        f" (set, not empty): {spec.settings} refers to " + ("it" if len(names) == 1 else "them")
    )
    return why, text, [_fixes.export(name, "the value") for name in names]


def _pass_variable(spec: ServerSpec, name: str) -> str:
    if spec.origin == "pyproject":
        return f'env = {{ {name} = "${{{name}}}" }} in {spec.settings}'
    return f'"env": {{"{name}": "{reference(spec, name)}"}} in {spec.settings}'


def exited(probe: Probe, during: str) -> CheckFailed:
    """The server process ended by itself (``during`` start-up, or a step after the handshake)."""
    spec, child = probe.spec, probe.child
    code = child.returncode if child.returncode is not None else 0
    how = f"signal {-code}" if code < 0 else f"code {code}"
    tail = child.stderr_tail()
    stderr = f"; its stderr ends: {tail}" if tail else "; it wrote nothing to stderr"
    printed = said = ""
    if child.garbage and not probe.wire.results:
        printed = " / ".join(child.garbage[-3:])
        shown = redact.clean(printed, 400)
        said = (
            f"before it exited it printed non-protocol output on stdout (where only MCP "
            f"messages belong): {shown!r}"
        )
        stderr += f"; {said}"
    if code == 127 and spec.command:  # env's (and a shell's) "command not found"
        problem = _exec.inspect(spec.command, path=spec.env.get("PATH") or os.environ.get("PATH"))
        if problem is not None:
            return command.exec_problem(spec, problem)
    if during == "start" and code == 0 and child.left_running:
        return _daemonized(spec, child.left_running, stderr)
    if during == "start" and code == 1:
        npx = command.npx_without_program(spec)
        if npx is not None:
            return npx
    if during == "start" and code > 0:
        runtime = runtime_env_refused(probe)
        if runtime is not None:
            return runtime
        offline = command.npx_offline(spec) or command.npx_unpublished(spec)
        if offline is not None:
            return offline
        module = _module_elsewhere(spec, child.stderr.text())
        if module is not None:
            return module
        elsewhere = _file_beside_program(spec, child.stderr.text())
        if elsewhere is not None:
            return elsewhere
        # read from its stderr; what it printed on stdout is kept beside
        told = respelled_argument(probe) or refused_value(probe)
        if told is not None:
            if said:
                told.why = f"{told.why}; {said}" if told.why else said
            return told
    if during == "start" and code != 0:
        emptied = empty_values(spec, ("env.", "args", "command", "cwd"))
        if emptied is not None:
            cause, text, exports = emptied
            return CheckFailed(
                f"{spec.name}: `{spec.where}` exited with {how} before answering",
                why=f"the server stopped during start-up{stderr}; {cause}",
                fix=Fix(list(exports), text=text),
                facts={"exit_code": code, "empty_variables": [n for _, n in spec.empty_refs]},
            )
    env_why, env_hint, env_step = environment(spec, f"{tail}\n{printed}")
    when = "before answering" if during == "start" else f"during {during}"
    stage = "during start-up" if during == "start" else "after the handshake"
    look = f"{spec.look} to see the error, and fix its arguments or environment"
    # the variable it names and does not get is the fix; otherwise a person reads the error
    steps: list[Step] = [env_step] if env_step is not None else [Manual(look)]
    return CheckFailed(
        f"{spec.name}: `{spec.where}` exited with {how} {when}",
        why=f"the server stopped {stage}{stderr}; {env_why}",
        fix=Fix(steps, text=f"{look}; {env_hint}"),
        facts={"exit_code": code},
    )


#: a line of a usage text that lists one choice (``- stdio``, ``* sse``, ``  streamableHttp``)
_LISTED = re.compile(r"^[ \t]*(?:[-*][ \t]+)?([A-Za-z][\w.-]*)[ \t]*$", re.MULTILINE)
#: a usage's group of alternatives (``[stdio|sse|streamableHttp]``, argparse's ``{a,b}``)
_ALTERNATIVES = re.compile(r"[\[{(]([A-Za-z][\w.-]*(?:[ \t]*[|,][ \t]*[A-Za-z][\w.-]*)+)[\]})]")


def _bare(word: str) -> str:
    """A word without its leading dashes, separators and case: how two spellings compare."""
    return re.sub(r"[-_.]", "", word.lstrip("-")).lower()


def respelled_argument(probe: Probe) -> CheckFailed | None:
    """A stdio server that exited non-zero during start-up after printing the choices it takes
    (a list of one word a line, or a usage's ``[a|b|c]``), one of the entry's arguments being
    one of them written another way (``--stdio`` for ``stdio``: dashes, case, separators): the
    client passes the arguments as written, so the fix is the word the server printed."""
    spec, child = probe.spec, probe.child
    code = child.returncode
    if code is None or code <= 0:
        return None
    printed = "\n".join(child.garbage) + "\n" + child.stderr.text()
    choices = set(_LISTED.findall(printed))
    for group in _ALTERNATIVES.findall(printed):
        choices.update(word.strip() for word in re.split(r"[|,]", group))
    for index, arg in enumerate(spec.args):
        if arg in choices or "/" in arg or not _bare(arg):
            continue
        matches = sorted(c for c in choices if _bare(c) == _bare(arg))
        if len(matches) != 1:
            continue
        word = matches[0]
        args = list(spec.args)
        args[index] = word
        listed = ", ".join(sorted(choices, key=str.lower)[:8])
        text = _fixes.setting(spec, "args", args)
        return CheckFailed(
            f"{spec.name}: `{spec.where}` exited with code {code} before answering: it takes "
            f"{word!r}, not {arg!r}",
            why=f"the server stopped during start-up and printed the choices it takes "
            f"({listed}); {arg!r} is none of them, but {word!r} written another way (dashes, "
            "case or separators), and a client passes the entry's args as written",
            fix=Fix([_fixes.set_step(spec, "args", args)], text=text),
            facts={"exit_code": code, "argument": arg, "takes": word},
        )
    return None


#: Node's exit code for an invalid argument, NODE_OPTIONS' included (doc/api/process.md)
_NODE_INVALID_ARGUMENT = 9


def _has_stdlib(home: str, cwd: str | None) -> bool:
    """Whether ``home`` (PYTHONHOME: ``prefix[:exec_prefix]``) holds a Python standard library
    (its ``encodings`` package, the first module an interpreter imports)."""
    prefix = Path(cwd or ".", home.split(os.pathsep)[0]).expanduser()
    found = [*prefix.glob("lib/python3*/encodings"), prefix / "Lib" / "encodings"]
    return any(p.is_dir() for p in found)


def _node_options_joined(options: str) -> str:
    """NODE_OPTIONS with each value written as its own word joined to its option by ``=``
    (Node takes only options there: a word that is none is refused)."""
    words: list[str] = []
    for word in options.split():
        if not word.startswith("-") and words and words[-1].startswith("--"):
            if "=" not in words[-1]:
                words[-1] += f"={word}"
                continue
        words.append(word)
    return " ".join(words)


def runtime_env_refused(probe: Probe) -> CheckFailed | None:
    """The entry's own ``env`` stopped the interpreter before the server ran: ``PYTHONHOME``
    naming a directory without a standard library (Python exits 1 before any code, unable to
    import ``encodings``), or ``NODE_OPTIONS`` that Node refuses (exit 9, invalid argument,
    before any script). The fix is the entry's variable: removed, or its values joined to their
    options (found by the seventeenth held-out round)."""
    spec, child = probe.spec, probe.child
    code = child.returncode
    env = spec.env or {}
    home = env.get("PYTHONHOME")
    if home is not None and code == 1 and not _has_stdlib(home, spec.cwd):
        shown = redact.clean(home, 200)
        step = _fixes.set_step(spec, "env.PYTHONHOME", None)
        text = (
            f"remove PYTHONHOME from the env of the entry in {spec.settings} (the interpreter "
            "finds its own standard library), or set it to a Python installation's prefix"
        )
        return CheckFailed(
            f"{spec.name}: `{spec.where}` exited with code 1 before answering: the entry's env "
            f"sets PYTHONHOME to {shown}, which holds no Python standard library",
            why=f"PYTHONHOME tells Python where its standard library is; {shown} has no "
            "lib/python3.*/encodings (it does not exist, or is another machine's path), so the "
            "interpreter stops before running the server (it cannot import encodings)",
            fix=Fix([step], text=text),
            facts={"exit_code": code},
        )
    options = env.get("NODE_OPTIONS")
    if options is not None and code == _NODE_INVALID_ARGUMENT:
        shown = redact.clean(options, 200)
        joined = _node_options_joined(options)
        last = [line.strip() for line in child.stderr.text().splitlines() if line.strip()]
        said = redact.clean(last[0], 160) if last else "nothing on stderr"
        if joined != options:
            step = _fixes.set_step(spec, "env.NODE_OPTIONS", joined)
            text = f"set NODE_OPTIONS to {joined!r} in the env of the entry in {spec.settings}"
        else:
            text = (
                f"fix NODE_OPTIONS in the env of the entry in {spec.settings}: node refused "
                f"{shown!r} ({said})"
            )
            step = Manual(text)
        return CheckFailed(
            f"{spec.name}: `{spec.where}` exited with code 9 before answering: node refused the "
            f"entry's NODE_OPTIONS ({shown!r})",
            why="Node reads NODE_OPTIONS before any script and exits 9 (invalid argument) on an "
            f"option it refuses ({said}); there a value is written with its option, "
            "--option=value: a word of its own is refused",
            fix=Fix([step], text=text),
            facts={"exit_code": code},
        )
    return None


def refused_value(probe: Probe) -> CheckFailed | None:
    """A stdio server that exited non-zero during start-up, the last line of its stderr quoting
    (``'...'`` or ``"..."``) the value the entry gives one of its options (``--opt value`` or
    ``--opt=value``): the server refused that value, so the fix is another value of that option
    in the entry's args (what the server takes is in its own line, quoted)."""
    spec, child = probe.spec, probe.child
    code = child.returncode
    if code is None or code <= 0:
        return None
    lines = [line.strip() for line in child.stderr.text().splitlines() if line.strip()]
    if not lines:
        return None
    last = lines[-1]
    args = list(spec.args)
    for index, arg in enumerate(args):
        if arg.startswith("--") and "=" in arg:
            option, value = arg.split("=", 1)
        elif index > 0 and args[index - 1].startswith("-") and "=" not in args[index - 1]:
            option, value = args[index - 1], arg
        else:
            continue
        if not value or value.startswith("-"):
            continue
        if f"'{value}'" not in last and f'"{value}"' not in last:
            continue
        said = redact.clean(last, 200)
        text = (
            f"give {option} a value the server takes, in args of {spec.settings} (the server's "
            f"last line on stderr: {said})"
        )
        return CheckFailed(
            f"{spec.name}: `{spec.where}` exited with code {code} before answering: it refused "
            f"{redact.clean(value, 80)!r}, the value of {option}",
            why=f"the server stopped during start-up, the last line of its stderr quoting the "
            f"value the entry gives {option}: {said}",
            fix=Fix([Manual(text)], text=text),
            facts={"exit_code": code, "option": option},
        )
    return None


#: the last line of a Python traceback for an import that found nothing: the exception's type,
#: then the module's name (``ModuleNotFoundError: No module named 'x'``: Python's own format)
_NO_MODULE = re.compile(r"^ModuleNotFoundError: No module named '([\w.]+)'", re.MULTILINE)
#: the directories of a project's virtualenv, by the names the tools give them
_VENV_NAMES = (".venv", "venv", "env", ".env")


def _module_elsewhere(spec: ServerSpec, stderr: str) -> CheckFailed | None:
    """A Python server (its command is a Python interpreter) that stopped on an import of a
    module this interpreter does not have, which the project's virtualenv has: the client
    starts the interpreter on PATH, not the project's environment, so the fix is the
    virtualenv's Python as the command."""
    found = _NO_MODULE.findall(stderr)
    if not found or not re.fullmatch(r"python[0-9.]*", Path(spec.command or "").name):
        return None
    module = found[-1]
    top = module.split(".", 1)[0]
    places = [p for p in dict.fromkeys([spec.cwd, spec.root]) if p]
    for place in places:
        for name in _VENV_NAMES:
            python = Path(place) / name / "bin" / "python"
            if not python.exists() or str(python) == spec.command:
                continue
            try:
                has = (
                    subprocess.run(
                        [
                            str(python),
                            "-c",
                            f"import importlib.util as u; exit(u.find_spec({top!r}) is None)",
                        ],
                        capture_output=True,
                        timeout=10,
                        check=False,
                    ).returncode
                    == 0
                )
            except (OSError, subprocess.SubprocessError):
                continue
            if not has:
                continue
            value = str(python)
            text = (
                f"{_fixes.setting(spec, 'command', value)} (the project's virtualenv, where "
                f"{top} is installed; a client starts {spec.command} from PATH, not that "
                "environment)"
            )
            return CheckFailed(
                f"{spec.name}: `{spec.where}` exited before answering: it imports {module}, "
                f"which {spec.command} does not have and the project's {name} does",
                why=(
                    f"the server stopped on ModuleNotFoundError for {module!r}: the interpreter "
                    f"it was started with ({spec.command}) has no such module, while "
                    f"{python} finds {top}: the server's dependencies are installed in the "
                    f"project's virtualenv {name}, which a client does not activate"
                ),
                fix=Fix([_fixes.set_step(spec, "command", value)], text=text),
                facts={"module": module, "interpreter": value},
            )
    return None


#: a file that could not be opened because it does not exist (errno ENOENT), and its path, as
#: Python (``[Errno 2] ...: 'wx.toml'``) and Node (``ENOENT: ..., open 'wx.toml'``) report it
_ENOENT_PATH = re.compile(r"""(?:\[Errno 2\]|\bENOENT\b)[^'"\n]*['"]([^'"\n]+)['"]""")


def _file_beside_program(spec: ServerSpec, stderr: str) -> CheckFailed | None:
    """The server exited because a file it opens by a relative path (ENOENT) is not in the
    directory it runs in, and that path exists beside its program (a script among its
    arguments, or the command): it expects to run in its own folder, so ``cwd`` is the fix."""
    if not spec.cwd:
        return None
    for relative in dict.fromkeys(_ENOENT_PATH.findall(stderr)):
        if os.path.isabs(relative) or os.path.exists(os.path.join(spec.cwd, relative)):
            continue
        programs = [spec.command or "", *spec.args]
        places = [
            os.path.dirname(os.path.join(spec.cwd, p))
            for p in programs
            if p and not p.startswith("-") and os.path.isfile(os.path.join(spec.cwd, p))
        ]
        found = next(
            (d for d in dict.fromkeys(places) if os.path.exists(os.path.join(d, relative))), None
        )
        if found is None:
            continue
        base = spec.root or spec.cwd
        value = os.path.relpath(found, base)
        value = found if value.startswith("..") else value
        where = os.path.join(value, relative)
        if spec.origin in ("mcp.json", "claude-desktop"):  # no cwd in these clients' entries
            text = (
                f"{spec.settings} has no cwd for a server (its client drops it): start it as "
                f"`sh -c 'cd {value} && exec ...'`, or have the server find {relative} beside "
                "its own file (report it to its authors)"
            )
            step: Step = Manual(text)
        else:
            # a relative path among the arguments is taken from the new cwd too: rebased
            args = [
                (
                    os.path.relpath(os.path.join(spec.cwd, a), found)
                    if a and not os.path.isabs(a) and os.path.isfile(os.path.join(spec.cwd, a))
                    else a
                )
                for a in spec.args
            ]
            text = f"set cwd = {json.dumps(value)}"
            steps = [_fixes.set_step(spec, "cwd", value)]
            if args != list(spec.args):
                text += f" and args = {json.dumps(args)}"
                steps.append(_fixes.set_step(spec, "args", args))
            return CheckFailed(
                f"{spec.name}: `{spec.where}` exited before answering: it opens {relative}, "
                f"which is not in the directory it runs in but in {value}",
                why=(
                    f"the server opens {relative!r} by a relative path, taken from its working "
                    f"directory ({spec.cwd}), and stopped when the file was not there (ENOENT); "
                    f"{where} exists beside its program: it expects to be started in {value}"
                ),
                fix=Fix(steps, text=f"{text} in {spec.settings}"),
                facts={"missing": relative, "found_in": value},
            )
        return CheckFailed(
            f"{spec.name}: `{spec.where}` exited before answering: it opens {relative}, which "
            f"is not in the directory it runs in but in {value}",
            why=(
                f"the server opens {relative!r} by a relative path, taken from its working "
                f"directory ({spec.cwd}), and stopped when the file was not there (ENOENT); "
                f"{where} exists beside its program: it expects to be started in {value}"
            ),
            fix=Fix([step], text=text),
            facts={"missing": relative, "found_in": value},
        )
    return None


def _daemonized(spec: ServerSpec, left: list[tuple[int, str]], stderr: str) -> CheckFailed:
    """The server exited with status 0 before answering and left a process it started running:
    it went to the background (a daemon), and its stdin and stdout no longer lead to it."""
    pid, line = left[0]
    text = (
        f"start {spec.where} in the foreground (its option that keeps it attached, e.g. "
        "--foreground or --no-daemon, or a setting that turns daemon mode off), or report it to "
        "the server's authors: a stdio MCP server must stay the process the client started"
    )
    return CheckFailed(
        f"{spec.name}: `{spec.where}` exited with code 0 before answering and left process "
        f"{pid} running in the background",
        why=(
            "the server went to the background (it forked, and the process the client started "
            f"exited; `{redact.clean(line, 160)}` runs on, detached from the client's pipes): a "
            "stdio server talks over the stdin and stdout of the process the client started, "
            f"so the handshake has no one to answer it{stderr}; envcheck stopped what it left"
        ),
        fix=Fix([Manual(text)], text=text),
        facts={"exit_code": 0, "left_running": [p for p, _ in left]},
    )


#: what a stdio server wrote instead of newline-delimited UTF-8 JSON-RPC 2.0 messages, by the
#: shape :func:`envcheck.mcpkit._stdio.shape_of` found: the summary, why no client takes it, and
#: what the server must write instead (``{detail}``: the shape's detail)
_SHAPES: dict[str, tuple[str, str, str]] = {
    "utf-16": (
        "writes UTF-16 on stdout, not UTF-8",
        "its first line starts with a UTF-16 byte-order mark or holds NUL bytes; MCP's stdio "
        "transport carries JSON-RPC messages encoded in UTF-8 only",
        "make the server write its messages to stdout in UTF-8 (in Python: "
        "sys.stdout.reconfigure(encoding='utf-8'); on Windows-built servers, the console "
        "encoding), or update it to a version that does",
    ),
    "utf-8-bom": (
        "starts its stdout with a UTF-8 byte order mark (BOM) before a JSON-RPC message",
        "its first line is a JSON-RPC message preceded by the bytes EF BB BF (a UTF-8 BOM); "
        "MCP's stdio transport carries newline-delimited JSON, and JSON text must not begin "
        "with a BOM (RFC 8259 section 8.1), so a client cannot parse that message and waits for "
        "an answer that never comes",
        "make the server write UTF-8 without a BOM to stdout (in Python: not encoding "
        "'utf-8-sig', e.g. sys.stdout.reconfigure(encoding='utf-8'); in .NET: new "
        "UTF8Encoding(false); on Windows, PowerShell's UTF-8 output with BOM), or update it to "
        "a version that does",
    ),
    "content-length": (
        "frames its messages with Content-Length headers ({detail}), not one JSON message per "
        "line",
        "its stdout holds the Language Server Protocol's framing (a Content-Length header, a "
        "blank line, then the JSON with no newline after it); MCP's stdio transport carries "
        "newline-delimited JSON without headers, so a client reads the header as a line that "
        "is no message and waits for the end of a line that never comes",
        "report it to the server's authors: it must write each message as one line of JSON "
        "ended by a newline, without Content-Length headers (newline-delimited JSON, MCP's "
        "stdio transport; in Python: sys.stdout.write(json.dumps(message) + '\\n')), or "
        "update it to a version that does",
    ),
    "not-utf-8": (
        "writes bytes on stdout that are not UTF-8",
        "MCP's stdio transport carries JSON-RPC messages encoded in UTF-8 only, and the first "
        "line the server wrote is not valid UTF-8",
        "make the server write its messages to stdout in UTF-8, or update it to a version that "
        "does",
    ),
    "batch": (
        "answers with JSON arrays (JSON-RPC batches)",
        "each line it wrote is an array of messages: MCP removed JSON-RPC batching in "
        "2025-06-18, and a client takes one message per line, so it drops every answer",
        "update the server (or its MCP SDK) to a version that writes one message per line, "
        "not a batch array",
    ),
    "jsonrpc": (
        'sends "jsonrpc": {detail}, not "2.0"',
        'every MCP message is a JSON-RPC 2.0 message with "jsonrpc": "2.0"; a client drops a '
        "message with any other version, so the answers never arrive",
        'update the server (or its MCP SDK) to one that sends "jsonrpc": "2.0"',
    ),
    "error-code": (
        "answered with an invalid JSON-RPC error ({flaw}): {detail}",
        "a JSON-RPC 2.0 error carries two required members, an integer code and a message "
        "string (JSON-RPC 2.0, 5.1); a client drops an error without them (as the MCP SDKs "
        "do), so the request it answers never gets its answer",
        "report it to the server's authors: its JSON-RPC errors must carry an integer code "
        "(e.g. -32603, Internal error) and their words as a message string; or update the "
        "server",
    ),
    "result-type": (
        "answered {detail}",
        "a JSON-RPC 2.0 response carries exactly one of result and error, and every MCP result "
        "is an object (schema.ts): a client drops this answer, so the request never gets one",
        "report it to the server's authors: every answer must carry a result object (or an "
        "error); or update the server",
    ),
    "odd-id": (
        "answered {detail}",
        "an MCP request carries a string or integer id and its response the same id (Basic › "
        "Messages); a client refuses an id that is neither, so the request never gets its "
        "answer (a number with a fraction is how a JSON library that reads every number as a "
        "double writes an integer back)",
        "report it to the server's authors: it must write back each request's id as the "
        "request carried it, a string or integer (update the server, or its JSON-RPC library, "
        "so that it keeps integer ids integers)",
    ),
    "unreadable": (
        "answered {detail}",
        "the line is JSON and a JSON-RPC 2.0 response, but not one the MCP schema reads (the "
        "SDK's own message model rejects it: {reason}), so a client drops the answer and the "
        "request never gets one",
        "report it to the server's authors: its answer must be valid JSON-RPC as MCP's schema "
        "defines it (strings of Unicode characters, fields of their types); or update the server",
    ),
    "python-repr": (
        "writes Python's repr of its messages on stdout, not JSON",
        "its line is a Python dict literal holding jsonrpc (single quotes, None, True): the "
        "server prints the message object (print(message)) instead of serializing it, and MCP's "
        "stdio transport carries JSON, so a client parses none of its answers and waits",
        "make the server write each message as JSON on one line (in Python: "
        "sys.stdout.write(json.dumps(message) + '\\n') instead of print(message)), or update "
        "it to a version that does",
    ),
    "multiline": (
        "writes each JSON message over several lines ({detail} for one)",
        "MCP's stdio transport delimits messages by newline and a message must not contain an "
        "embedded newline: the server pretty-prints its JSON, so no line is a whole message",
        "make the server write each message on one line (no indentation: in Python "
        "json.dumps(message) without indent=), or update it to a version that does",
    ),
}


def _misshapen(probe: Probe, method: str | None = None) -> CheckFailed:
    """A stdio server that writes its messages in a shape no client takes (``method``: the
    request after the handshake whose answer never came, named first)."""
    spec, child = probe.spec, probe.child
    summary, why, text = _SHAPES[child.shape or ""]
    tail = child.stderr_tail()
    stderr = f"; its stderr ends: {tail}" if tail else ""
    detail = child.shape_detail
    reason = ""
    if child.shape == "result-type":
        ident, held = json.loads(detail)
        detail = f"{probe.wire.sent.get(ident, 'a request')} with {held}"
    if child.shape == "odd-id":
        ident, shown = json.loads(detail)
        detail = f"{probe.wire.sent.get(ident, 'a request')} with the id {shown}"
    if child.shape == "unreadable":
        ident, reason = json.loads(detail)
        detail = f"{probe.wire.sent.get(ident, 'a request')} with a message MCP cannot read"
    unanswered = f"no answer to {method}: " if method and method not in detail else ""
    from envcheck.mcpkit._stdio import error_flaw

    flaw = error_flaw(detail) if child.shape == "error-code" else ""
    return CheckFailed(
        f"{spec.name}: {unanswered}{summary.format(detail=detail, flaw=flaw)}",
        why=why.format(detail=detail, reason=reason) + stderr,
        fix=Fix([Manual(text)], text=text),
        facts={"stdout_shape": child.shape},
    )


def _listens_instead(probe: Probe) -> CheckFailed:
    """A stdio server that answered nothing on stdin and listens on a TCP port: it was started
    in an HTTP mode (its arguments or environment choose the transport)."""
    spec, child = probe.spec, probe.child
    host, port = child.listening[0]
    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    reach = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, shown.rpartition(":")[0])
    said = f"; its stdout: {redact.clean(child.garbage[0], 80)!r}" if child.garbage else ""
    text = (
        f"start it in its stdio mode (its arguments or environment choose the transport: see "
        f"its documentation), or run it yourself and connect by url in {spec.settings} "
        f'(url = "http://{reach}:{port}/..." with its MCP path, often /mcp, and transport '
        '"http" or "sse")'
    )
    return CheckFailed(
        f"{spec.name}: no answer to initialize on stdin: the process listens on TCP {shown} "
        "instead (it runs an HTTP transport, not stdio)",
        why=f"a stdio server reads JSON-RPC on its stdin and answers on its stdout; this one "
        f"(pid {child.pid}) answered nothing within {spec.timeout:g} s and listens on TCP "
        f"{shown}: it was started as an HTTP server, which a client that starts it over stdio "
        f"never reaches{said}",
        fix=Fix([Manual(text)], text=text),
        facts={"listening": shown},
    )


def stdio_failure(
    probe: Probe, cause: BaseException | None, elapsed: float
) -> tuple[StepResult, StepResult]:
    spec, child = probe.spec, probe.child
    if isinstance(cause, OSError) and child.pid is None:
        program = probe.program or spec.command or ""
        return command.exec_problem(spec, _exec.diagnose(program, cause)), blocked(spec, "start")
    if child.listening and child.returncode is None and not probe.wire.results:
        return probe.started(), _listens_instead(probe)
    if child.shape is not None:
        return probe.started(), _misshapen(probe)
    respelled = respelled_argument(probe) if child.garbage else None
    if respelled is not None:  # its usage on stdout, then exit: the argument, not the output
        return respelled, blocked(spec, "start")
    if child.garbage and child.returncode is not None and not probe.wire.results:
        # it printed, then exited by itself: what it printed is its account of the exit (a fatal
        # error on stdout), and logging to stderr would leave it exiting; it did start
        return probe.started(), exited(probe, "start")
    if child.garbage:
        tail = child.stderr_tail()
        stderr = f"; its stderr ends: {tail}" if tail else ""
        shown = redact.clean(child.garbage[0], 80)
        text = (
            "make the server log to stderr, not stdout (in Python: "
            "logging.basicConfig(stream=sys.stderr); in Node: console.error), or run it "
            "with its quiet option"
        )
        failed = CheckFailed(
            f"{spec.name}: printed non-protocol output on stdout: {shown!r}",
            why="stdout of a stdio MCP server carries only JSON-RPC messages; this server "
            f"wrote {child.garbage_count} other line(s) there, so no client can talk to it"
            + stderr,
            fix=Fix([Manual(text)], text=text),
        )
        return probe.started(), failed
    if child.returncode is not None:
        return exited(probe, "start"), blocked(spec, "start")
    if cause is None:
        return probe.started(), no_answer(probe, "initialize", elapsed)
    return probe.started(), step_failed(probe, "initialize", cause)


# -- HTTP --------------------------------------------------------------------------------------
_CHALLENGE_PARAM = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def challenge(value: str) -> tuple[str, dict[str, str]]:
    """The scheme and parameters of a ``WWW-Authenticate`` value (RFC 9110 auth-params)."""
    scheme, _, rest = value.strip().partition(" ")
    params = {
        m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _CHALLENGE_PARAM.finditer(rest)
    }
    return scheme.lower(), params


_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
#: what follows a comma that continues a challenge's auth-params (``, name=``), not a new one
_PARAM_NEXT = re.compile(rf"\s*{_TOKEN}\s*=")


def split_challenges(value: str) -> list[str]:
    """The challenges of one ``WWW-Authenticate`` value (RFC 9110 §11.6.1: a comma-separated
    list; a comma followed by ``name=`` continues the challenge's parameters, any other starts
    the next challenge; commas inside quoted strings are text)."""
    parts: list[str] = []
    start, quoted, i = 0, False, 0
    while i < len(value):
        char = value[i]
        if quoted:
            if char == "\\":
                i += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == ",":
            rest = value[i + 1 :]
            if rest.strip() and not _PARAM_NEXT.match(rest):
                parts.append(value[start:i])
                start = i + 1
        i += 1
    parts.append(value[start:])
    return [part.strip() for part in parts if part.strip()]


def _named_metadata(attempt: Attempt) -> tuple[str, str, bool] | None:
    """The first ``resource_metadata`` a Bearer challenge names, as written: (the URL, the
    ``WWW-Authenticate`` value it came in, whether that value begins with the Bearer challenge)."""
    for value in attempt.challenge_values:
        for index, part in enumerate(split_challenges(value)):
            scheme, params = challenge(part)
            if scheme == "bearer" and params.get("resource_metadata"):
                return params["resource_metadata"], value, index == 0
    return None


def _relative(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https")


def metadata_url_ignored(attempt: Attempt) -> bool:
    """Whether a client may ignore the metadata URL the challenge names: it is not an absolute
    http(s) URL (RFC 9728 §5.1), or the Bearer challenge does not begin its value (the
    TypeScript SDK reads parameters only from a value that begins with Bearer)."""
    named = _named_metadata(attempt)
    return named is not None and (_relative(named[0]) or not named[2])


def _metadata_url_unread(spec: ServerSpec, attempt: Attempt, points: str) -> CheckFailed | None:
    """The 401's metadata URL that clients do not follow (:func:`metadata_url_ignored`), when
    that leaves them without the authorization server: a relative URL, which the Python SDK's
    client requests as written and stops at, and the TypeScript SDK's ignores (looking at the
    well-known URLs instead); a Bearer challenge after another in one value, which the
    TypeScript SDK (Claude Code's) ignores, the metadata at no well-known URL. Found by the
    sixteenth held-out round."""
    named = _named_metadata(attempt)
    if named is None:
        return None
    written, value, first = named
    relative = _relative(written)
    found = [url for url, status in attempt.well_known_metadata.items() if status == 200]
    typescript = spec.origin == "mcp.json"  # Claude Code: the TypeScript SDK's OAuth client
    if relative and typescript and found:
        return None  # Claude Code ignores the URL and finds the metadata where it looks
    if not relative and (first or not typescript or found):
        return None
    client = _fixes.CLIENTS.get(spec.origin)
    shown = redact.clean(written, 200)
    resolved = redact.clean(urllib.parse.urljoin(spec.url or "", written), 200)
    tried = (
        ", ".join(
            f"{url} (HTTP {status})" if status else f"{url} (no metadata)"
            for url, status in attempt.well_known_metadata.items()
        )
        or "none read"
    )
    token_step = _fixes.set_step(spec, "headers.Authorization", "Bearer ${TOKEN}")
    header = _fixes_credentials(spec).removesuffix(" (and export TOKEN)")
    if relative:
        ask = (
            "ask the server's administrators to name the metadata by its absolute URL in the "
            f'challenge: resource_metadata="{resolved}" (RFC 9728)'
        )
        summary = f"its challenge names resource_metadata by a relative URL ({shown})"
        why = (
            "RFC 9728 (5.1): resource_metadata is the absolute URL of the protected-resource "
            f"metadata; the MCP SDKs' clients do not resolve {shown} against the server's URL: "
            "the Python SDK's requests it as written and stops (no http:// or https://), the "
            "TypeScript SDK's (Claude Code's) ignores it and looks only at the well-known URLs "
            f"({tried}): no client finds the authorization server"
        )
    else:
        schemes = [challenge(part)[0].capitalize() for part in split_challenges(value)]
        scheme = redact.clean(schemes[0], 40)
        where = next(iter(attempt.well_known_metadata), f"{resolved} (the well-known URL)")
        ask = (
            "ask the administrators of the server (or of the gateway in front of it) to send "
            "the challenge whose scheme is Bearer, in a WWW-Authenticate header of its own (or "
            f"first in the value), or to publish the metadata at {where}"
        )
        summary = (
            f"{client or 'the client'} cannot start it: its WWW-Authenticate begins with "
            f"another scheme's challenge ({scheme})"
        )
        why = (
            "the answer's WWW-Authenticate value lists several challenges, in this order: "
            f"{redact.clean(', '.join(schemes), 200)}; RFC 9110 (11.6.1) allows it, but the "
            "TypeScript SDK's OAuth client "
            f"({client or 'the client'}'s) reads resource_metadata only from a value that "
            f"begins with Bearer, so it ignores {resolved}, and no metadata is at the "
            f"well-known URLs it tries then ({tried}): it finds no authorization server "
            f"(clients on the Python SDK read it: {points})"
        )
    return CheckFailed(
        f"{spec.name}: HTTP 401 from {spec.url}: it wants an OAuth sign-in, and {summary}",
        why=why,
        fix=Fix(
            [Manual(ask), token_step, _fixes.export("TOKEN", "an access token")],
            text=f"{ask}; meanwhile, with a token got another way: export it as TOKEN "
            f"and {header}",
        ),
    )


def _bearer(attempt: Attempt) -> dict[str, str]:
    for value in attempt.challenges:
        scheme, params = challenge(value)
        if scheme == "bearer":
            return params
    return {}


def http_failure(
    probe: Probe, attempt: Attempt, fallback: Attempt | None
) -> tuple[StepResult, StepResult]:
    """The handshake over HTTP failed: what the answers establish (:func:`_http_failure`), with
    the server's own words where it refused ``initialize`` with an HTTP error status (its
    JSON-RPC error's code and message, or the start of its body), which the verdicts of the
    statuses left out (found by tests/verdicts/test_mcp_http_sweep.py)."""
    first, second = _http_failure(probe, attempt, fallback)
    refused = attempt.refused_requests.get("initialize")
    if not isinstance(second, CheckFailed) or not attempt.statuses:
        return first, second
    if refused and _own_words(attempt, "initialize", *refused):
        if refused[2] not in f"{second.summary} {second.why or ''}":
            second.why = (f"{second.why}; " if second.why else "") + (
                f"its answer to initialize (HTTP {refused[0]}): {refused[2]!r}"
            )
    return first, second


def _own_words(attempt: Attempt, method: str, status: int, media: str, shown: str) -> bool:
    """Whether an HTTP error answer's body says something of the server's own: a JSON-RPC
    error, or plain text that is not just the status's reason phrase (a framework's bare "Not
    Found"); a JSON object of another kind or a page is left to the verdicts that read it."""
    import http

    if not shown:
        return False
    if method in attempt.refused_rpc:
        return True
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    return media in ("text/plain", "") and shown.strip() != phrase


def _the_servers_refusal(probe: Probe, attempt: Attempt, code: int) -> CheckFailed:
    """An HTTP error status to the POST of ``initialize`` whose body is a JSON-RPC error: the
    URL is served by something that speaks JSON-RPC and refused the request in its own words;
    "no MCP endpoint here" or "not an MCP endpoint" would contradict it, and the status alone
    tells no cause: the request, the status and the words (the honest fallback)."""
    spec = probe.spec
    words = attempt.refused_requests["initialize"][2]
    text, step = _look(spec)
    return CheckFailed(
        f"{spec.name}: HTTP {code} to initialize (the MCP handshake) from {spec.url}: "
        f"{redact.clean(words, 200)}",
        why=f"the server answered envcheck's initialize with HTTP {code} and a JSON-RPC error "
        "of its own (the body above): it speaks JSON-RPC at this URL and refused the "
        "handshake; its words and its log tell why (envcheck sent the request every MCP "
        "client sends)",
        fix=Fix([step], text=text),
        facts={"status": code, "method": "initialize"},
    )


def _message_endpoint_refused(probe: Probe, attempt: Attempt, code: int) -> CheckFailed:
    """HTTP+SSE: the stream gave its ``endpoint`` event, and the POST of ``initialize`` to that
    endpoint was refused: the stream's URL is right; the message endpoint refused, in its own
    words."""
    spec = probe.spec
    target = urllib.parse.urljoin(spec.url or "", attempt.endpoint or "")
    words = attempt.refused_requests.get("initialize", (code, "", ""))[2]
    said = f": {redact.clean(words, 200)!r}" if words else ""
    text, step = _look(spec)
    return CheckFailed(
        f"{spec.name}: HTTP {code} to initialize from the SSE message endpoint "
        f"{redact.clean(target, 200)}{said}",
        why="over HTTP+SSE the stream answered and its endpoint event named where to POST; "
        f"the POST of initialize there was answered HTTP {code}: the server refused the "
        "message at the endpoint it announced itself (its words and its log tell why)",
        fix=Fix([step], text=text),
        facts={"status": code, "method": "initialize", "endpoint": redact.clean(target, 200)},
    )


def _no_endpoint_event(probe: Probe, attempt: Attempt) -> CheckFailed:
    """HTTP+SSE: the GET was answered with an event stream that carried no ``endpoint`` event
    (or an empty one) before it ended: the client learns no URL to POST to."""
    spec = probe.spec
    text = (
        f"check that {spec.url} is the SSE endpoint of an HTTP+SSE server (its first event "
        f"must be 'endpoint'); {_look(spec)[0]}"
    )
    return CheckFailed(
        f"{spec.name}: the SSE stream of {spec.url} gave no endpoint event",
        why="over HTTP+SSE (2024-11-05) the server's first event on the stream is 'endpoint', "
        "whose data is the URL the client POSTs its messages to; this stream ended without "
        "one, so no client can send initialize",
        fix=Fix([Manual(text)], text=text),
    )


def _http_failure(
    probe: Probe, attempt: Attempt, fallback: Attempt | None
) -> tuple[StepResult, StepResult]:
    spec = probe.spec
    statuses = attempt.statuses
    if not statuses:
        accepted = ok(f"{_hostport(spec)} accepts connections (no HTTP answer)", url=spec.url)
        if attempt.cause is None:  # silence: neither a TLS nor a plain-HTTP server does that
            return accepted, no_answer(probe, "initialize", attempt.elapsed)
        # the connection failed at once: is it TLS against plain HTTP, or the reverse?
        mismatch = tls_mismatch(spec)
        if mismatch is not None:
            return mismatch, blocked(spec, "start")
        return accepted, step_failed(probe, "initialize", attempt.cause)
    shown = ", ".join(str(s) for s in dict.fromkeys(statuses))
    answered = ok(f"{spec.url} answers HTTP ({shown})", statuses=list(statuses))
    large = too_large(probe)
    if large is not None:
        return answered, large
    over = TRANSPORT_NAMES[attempt.transport]
    moved = _moved_away(spec, attempt)
    if moved is not None and 300 <= statuses[-1] < 400:  # the client did not follow it
        return answered, _redirected(spec, moved, followed=False, status=statuses[-1])
    if moved is not None and (401 in statuses or 403 in statuses) and spec.headers:
        return answered, _redirected(spec, moved, dropped=sorted(spec.headers))
    if 401 in statuses:
        return answered, unauthorized(probe, attempt)
    if 403 in statuses:
        return answered, forbidden(probe, attempt)
    if 421 in statuses:
        return answered, _misdirected(spec)
    if moved is not None and any(code >= 400 for code in statuses):
        return answered, _redirected(spec, moved)
    refused_code = attempt.refused_requests.get("initialize", (0, "", ""))[0]
    if attempt.transport == "sse" and attempt.endpoint and refused_code >= 400:
        return answered, _message_endpoint_refused(probe, attempt, refused_code)
    if (
        "initialize" in attempt.refused_rpc
        and refused_code in WRONG_TRANSPORT
        and probe.other_transport is None
    ):
        return answered, _the_servers_refusal(probe, attempt, refused_code)
    wrong = [code for code in statuses if code in WRONG_TRANSPORT]
    if wrong:
        return answered, _wrong_transport(probe, attempt, fallback, wrong[0])
    if 429 in statuses:
        return answered, _rate_limited(spec, attempt)
    gateway = [code for code in statuses if code in (502, 503, 504)]
    if gateway:
        return answered, _unavailable(spec, gateway[0], attempt)
    negotiation = [code for code in statuses if code in (406, 415)]
    if negotiation:
        return answered, _negotiation(spec, negotiation[0], over)
    refused = [code for code in statuses if code >= 400]
    if refused and refused[0] >= 500:
        text, step = _look(spec)
        return answered, CheckFailed(
            f"{spec.name}: HTTP {refused[0]} from {spec.url} to the MCP handshake",
            why="the server failed while handling the MCP request (a 5xx is an error inside it)",
            fix=Fix([step], text=text),
        )
    if refused:
        return answered, _unmapped_status(probe, attempt, refused[0])
    if attempt.mislabeled is not None:
        return answered, _mislabeled(spec, attempt.mislabeled, over)
    foreign = [kind for kind in attempt.content_types if not _is_mcp_content(kind)]
    if foreign:
        kind = redact.clean(foreign[0].split(";")[0].strip() or "no content type", 60)
        text = f"fix url in {spec.settings}: the server's MCP endpoint (often /mcp)"
        return answered, CheckFailed(
            f"{spec.name}: {spec.url} is not an MCP endpoint: it answered {kind}",
            why=f"an MCP server answers {over} with application/json or text/event-stream",
            fix=Fix([Manual(text)], text=text),
        )
    if (
        attempt.transport == "sse"
        and attempt.cause is not None  # the stream ended (a held-back one is no_answer's)
        and not attempt.endpoint
        and "text/event-stream" in [k.split(";")[0].strip().lower() for k in attempt.content_types]
    ):
        return answered, _no_endpoint_event(probe, attempt)
    if attempt.cause is None:
        return answered, no_answer(probe, "initialize", attempt.elapsed)
    return answered, step_failed(probe, "initialize", attempt.cause)


def _unmapped_status(probe: Probe, attempt: Attempt, code: int) -> CheckFailed:
    """The honest fallback for an HTTP 4xx to the handshake no row reads: the status,
    the request it answered (the POST of ``initialize``, when that is what was refused) and the
    server's words, verbatim; no cause (an HTTP status alone does not say "not an MCP
    endpoint")."""
    spec = probe.spec
    status, _media, words = attempt.refused_requests.get("initialize", (0, "", ""))
    request = "initialize (the MCP handshake)" if status == code else "the MCP handshake"
    said = f": {redact.clean(words, 200)}" if status == code and words else ""
    meaning = HTTP_MEANINGS.get(code)
    text, step = _look(spec)
    return CheckFailed(
        f"{spec.name}: HTTP {code} to {request} from {spec.url}{said}",
        why=f"the server answered envcheck's {request.split(' (')[0]} with HTTP {code}"
        + (f" ({meaning})" if meaning else "")
        + "; no row of envcheck's verdict table covers this answer, so no cause is guessed: "
        "its words above and its log tell why",
        fix=Fix([step], text=text),
        facts={"status": code, **({"method": "initialize"} if status == code else {})},
    )


def _mislabeled(spec: ServerSpec, kind: str, over: str) -> CheckFailed:
    """A 2xx answer that is a JSON-RPC message, sent with a Content-Type MCP does not use."""
    shown = redact.clean(kind, 60)
    text = (
        f"make the server answer with Content-Type: application/json (or text/event-stream), "
        f"not {shown}: upgrade it, or fix the proxy in front of {_hostport(spec)} that rewrites "
        "the Content-Type"
    )
    return CheckFailed(
        f"{spec.name}: {spec.url} answers JSON-RPC as {shown}: MCP clients take only "
        "application/json or text/event-stream",
        why=f"the body of the answer is a JSON-RPC message, but its Content-Type is {shown}; over "
        f"{over} a client reads an answer only as application/json or text/event-stream and "
        "refuses any other type",
        fix=_fixes.ask(text, "whoever runs the server"),
        facts={"content_type": shown},
    )


def _accepted_request(spec: ServerSpec, method: str) -> CheckFailed:
    """HTTP 202 Accepted to the POST of a request: no answer follows it."""
    shown = redact.clean(method, 60)
    text = (
        f"upgrade the server (or report it to its authors), or fix the proxy in front of "
        f"{_hostport(spec)} that answers for it: a POST carrying a request must get its answer "
        "(application/json or text/event-stream)"
    )
    return CheckFailed(
        f"{spec.name}: HTTP 202 Accepted to the {shown} request: its answer never comes",
        why="by the Streamable HTTP transport, 202 Accepted with no body is the answer to a POST "
        "of notifications or responses; a POST carrying a request must be answered with its "
        "JSON-RPC response (as application/json or on a text/event-stream), so the client "
        "has nothing to wait for",
        fix=_fixes.ask(text, "the server's authors"),
    )


def session_not_visible(probe: Probe, step: str, value: str) -> CheckFailed:
    """A streamable HTTP server whose ``Mcp-Session-Id`` holds bytes outside visible ASCII."""
    spec = probe.spec
    text = (
        f"report it to the server's authors (or whoever runs the proxy in front of "
        f"{_hostport(spec)}): the Mcp-Session-Id must hold only visible ASCII characters "
        "(0x21 to 0x7E), e.g. a UUID, a JWT or a hex or base64url string"
    )
    return CheckFailed(
        f"{spec.name}: {step} failed: the server's Mcp-Session-Id header {value} holds bytes "
        "outside visible ASCII",
        why="the Streamable HTTP transport requires a session ID of visible ASCII characters "
        "only (0x21 to 0x7E), because the client sends it back in the Mcp-Session-Id header of "
        "every later request; this one holds a byte outside that range (non-ASCII or a control "
        "character), which HTTP clients refuse to send (the MCP SDKs fail to encode it)",
        fix=_fixes.ask(text, "the server's authors"),
        facts={"session_id_bytes": value},
    )


def session_spaced(probe: Probe, outcome: Outcome, value: str) -> Outcome:
    """A warning for an ``Mcp-Session-Id`` that holds spaces or tabs: outside what the transport
    allows, yet sent back and served (the later requests were answered)."""
    text = (
        f"report it to the server's authors (or whoever runs the proxy in front of "
        f"{_hostport(probe.spec)}): the Mcp-Session-Id must hold only visible ASCII characters "
        "(0x21 to 0x7E), without spaces, e.g. a UUID, a JWT or a hex or base64url string"
    )
    return Outcome(
        Status.WARN,
        f"{outcome.summary}, but its Mcp-Session-Id header {value} holds spaces or tabs",
        outcome.facts,
        why="the Streamable HTTP transport requires a session ID of visible ASCII characters "
        "only (0x21 to 0x7E); this one holds a space or a tab, which the client sent back and "
        "the server accepted, but a proxy or a client that trims or checks the header loses "
        "the session",
        fix=_fixes.ask(text, "the server's authors"),
    )


def _session_not_given(probe: Probe, step: str) -> CheckFailed:
    """A streamable HTTP server that answers 400 to requests without ``Mcp-Session-Id`` after a
    handshake whose answer gave none."""
    spec = probe.spec
    method = step_method(probe, step)
    text = (
        f"make the proxy in front of {_hostport(spec)} pass the server's Mcp-Session-Id response "
        "header through (for browser clients, also list it in Access-Control-Expose-Headers), "
        "or run the server stateless (no session required)"
    )
    return CheckFailed(
        f"{spec.name}: {step} failed: HTTP 400 to {method} without an Mcp-Session-Id, which "
        "the initialize answer never gave",
        why="the server requires a session (by the Streamable HTTP transport, a server that "
        "requires one answers 400 to a request without Mcp-Session-Id), yet its answer to "
        "initialize carried no Mcp-Session-Id header: the server does not send it, or a proxy "
        "in front of it drops the header, so no client can send it back",
        fix=_fixes.ask(text, "whoever runs the server"),
    )


def _wrong_transport(
    probe: Probe, attempt: Attempt, fallback: Attempt | None, code: int
) -> CheckFailed:
    spec = probe.spec
    over = TRANSPORT_NAMES[attempt.transport]
    if probe.other_transport is not None:
        other = probe.other_transport
        return CheckFailed(
            f"{spec.name}: HTTP {code} from {spec.url} over {over}; the server answers "
            f"{TRANSPORT_NAMES[other]} at this URL",
            why=f"it is configured for {over}, but the server speaks {TRANSPORT_NAMES[other]}"
            " here (envcheck tried: the handshake succeeded)",
            fix=Fix(
                [_fixes.set_step(spec, "transport", other)],
                text=setting(spec, "transport", other),
            ),
        )
    answers = f"HTTP {code} over {over}"
    if fallback is not None and fallback.statuses:
        answers += f", HTTP {fallback.statuses[0]} over SSE"
    if code == 400:  # a bad request, not a missing path: the server rejected what it got
        text, step = _look(spec)
        return CheckFailed(
            f"{spec.name}: HTTP 400 from {spec.url}: the server rejected the MCP handshake",
            why=f"neither streamable HTTP nor SSE is accepted here ({answers}): the endpoint "
            "wants other headers (a token, an API version) or is not an MCP endpoint",
            fix=Fix([step], text=f"check url and headers in {spec.settings}; {text}"),
        )
    text = f"fix url in {spec.settings} (the path the server's documentation or log gives)"
    return CheckFailed(
        f"{spec.name}: HTTP {code} from {spec.url}: no MCP endpoint at this path",
        why=f"the server answers, but neither streamable HTTP nor SSE works at this URL "
        f"({answers}): streamable HTTP servers usually serve /mcp, SSE servers /sse",
        fix=Fix([Manual(text)], text=text),
    )


def _sent_credentials(spec: ServerSpec) -> list[str]:
    return sorted(spec.headers)


def _metadata_facts(attempt: Attempt) -> tuple[str, list[str], list[str]]:
    """Where the protected-resource metadata is, and the authorization servers and scopes it
    names."""
    metadata = attempt.metadata or {}
    servers = [str(s) for s in metadata.get("authorization_servers") or [] if isinstance(s, str)]
    scopes = [str(s) for s in metadata.get("scopes_supported") or [] if isinstance(s, str)]
    return attempt.metadata_url or "", servers, scopes


def _signs_in(spec: ServerSpec) -> str | None:
    """How the client that declares the server runs an OAuth sign-in, or ``None`` (envcheck's
    own configuration: nobody signs in for it)."""
    if spec.origin == "vscode":
        return (
            "start the server from VS Code (MCP: List Servers > Start): VS Code runs the OAuth "
            "sign-in in the browser and keeps the token"
        )
    if spec.origin == "mcp.json":
        return "run /mcp in Claude Code and choose Authenticate: it runs the OAuth sign-in"
    if spec.origin == "cursor":
        return "click Needs login next to the server in Cursor's MCP settings: Cursor signs in"
    if spec.origin == "claude-desktop":
        return "add the server in Claude Desktop (Settings > Connectors): it runs the sign-in"
    return None


def unauthorized(probe: Probe, attempt: Attempt) -> CheckFailed | CheckSkipped:
    """HTTP 401: an OAuth sign-in (``resource_metadata`` in the challenge: the MCP authorization
    specification), or a token the server wants or refused."""
    spec = probe.spec
    sent = _sent_credentials(spec)
    params = _bearer(attempt)
    emptied = _empty_credentials(spec, 401)
    if emptied is not None:
        return emptied
    if "resource_metadata" in params or attempt.metadata is not None:
        return _oauth(probe, attempt, sent, params)
    schemes = [challenge(value)[0] for value in attempt.challenges]
    if schemes and "bearer" not in schemes:
        return _other_scheme(spec, schemes[0], sent)
    if spec.url_keys and not sent:
        return _url_key_refused(spec, bool(attempt.challenges))
    if sent:
        text = (
            f"get a new token for {spec.url} from whoever issued it and put it where the "
            f"{', '.join(sent)} header takes it from (a variable, or {spec.settings})"
        )
        return CheckFailed(
            f"{spec.name}: HTTP 401 from {spec.url}: the server refused the credentials",
            why=f"the {', '.join(sent)} header was sent, and the server refused it: a wrong, "
            "expired or revoked token",
            fix=Fix([Manual(text)], text=text),
        )
    token = "${TOKEN}" if spec.origin == "pyproject" else reference(spec, "TOKEN")
    steps: list[Step] = [_fixes.set_step(spec, "headers.Authorization", f"Bearer {token}")]
    if not token.startswith("<"):
        steps.append(_fixes.export("TOKEN", "your token"))
    # RFC 9110 (11.6.1): a 401 carries WWW-Authenticate; without it no scheme is named
    bare = (
        ""
        if attempt.challenges
        else "its 401 carries no WWW-Authenticate header, so it names no scheme; "
    )
    return CheckFailed(
        f"{spec.name}: HTTP 401 from {spec.url}: the server refused the credentials",
        why=f"{bare}no Authorization header was sent, and the server wants one (no OAuth "
        "metadata is advertised: a token or API key issued by the service)",
        fix=Fix(steps, text=_fixes_credentials(spec)),
    )


def _empty_credentials(spec: ServerSpec, status: int) -> CheckFailed | None:
    """A 401 or 403 to a request whose credential header (or url) was written with a ``${VAR}``
    set but empty: the header carried no credential, refused as any missing one is; the fix
    is the variable's value, never a new token."""
    emptied = empty_values(spec, ("headers.", "url"))
    if emptied is None:
        return None
    why, text, steps = emptied
    keys = ", ".join(
        dict.fromkeys(
            key.removeprefix("headers.") for key, _ in spec.empty_refs if key.startswith("headers.")
        )
    )
    return CheckFailed(
        f"{spec.name}: HTTP {status} from {spec.url}: "
        + (f"the {keys} header carried no credential" if keys else "the url carried no key"),
        why=f"{why}: the server got no token to accept or refuse",
        fix=Fix(steps, text=text),
        facts={"empty_variables": [n for _, n in spec.empty_refs]},
    )


def _url_key_refused(spec: ServerSpec, challenged: bool) -> CheckFailed:
    """A 401 to a url that carries its key in the query (``?apiKey=${NOTES_API_KEY}``, as
    services that take no header document it) and no header: the key was sent, and refused."""
    names = ", ".join(redact.clean(name, 40) for name, _ in spec.url_keys)
    variables = list(dict.fromkeys(v for _, v in spec.url_keys if v))
    if variables:
        shown = ", ".join(variables)
        origin = f" (from {shown})"
        text = (
            f"put the service's current key in {shown} (export {variables[0]}=<your key>), the "
            f"variable the url's {names} is written as"
        )
        steps: list[Step] = [_fixes.export(v, "your key") for v in variables]
    else:
        origin = ""
        text = f"put the service's current key in the url's {names} in {spec.settings}"
        steps = [Manual(text)]
    bare = "" if challenged else "its 401 carries no WWW-Authenticate header; "
    return CheckFailed(
        f"{spec.name}: HTTP 401 from {spec.url}: the server refused the key in the url's "
        f"query ({names})",
        why=f"{bare}the url carries its key in the query, {names}{origin}, where the service "
        "reads it (no OAuth metadata is advertised, and no header was sent): the key is wrong, "
        "expired or revoked",
        fix=Fix(steps, text=text),
        facts={"query_keys": [name for name, _ in spec.url_keys]},
    )


def _other_scheme(spec: ServerSpec, scheme: str, sent: list[str]) -> CheckFailed:
    """A 401 whose challenge is not Bearer (``Basic``, ``Digest``...): the credentials it wants."""
    shown = redact.clean(scheme.capitalize(), 20)
    if sent:
        text = (
            f"check the {shown} credentials the {', '.join(sent)} header carries (where its "
            "value comes from)"
        )
        return CheckFailed(
            f"{spec.name}: HTTP 401 from {spec.url}: the server refused the credentials",
            why=f"the {', '.join(sent)} header was sent, and the server refused it; it asks for "
            f"{shown} authentication (WWW-Authenticate: {shown})",
            fix=Fix([Manual(text)], text=text),
        )
    variable = (
        "${CREDENTIALS}"
        if spec.origin in ("pyproject", "mcp.json")
        else reference(spec, "CREDENTIALS")
    )
    value = f"{shown} {variable}"
    what = "the base64 of user:password" if scheme == "basic" else f"{shown} credentials"
    text = f"{setting(spec, 'headers', {'Authorization': value})}, with CREDENTIALS {what}"
    wants = "(a user and a password)" if scheme == "basic" else "(not a bearer token)"
    return CheckFailed(
        f"{spec.name}: HTTP 401 from {spec.url}: the server wants {shown} {wants}",
        why="no Authorization header was sent; the server's challenge is WWW-Authenticate: "
        f"{shown} (not a bearer token)",
        fix=Fix(
            [
                _fixes.set_step(spec, "headers.Authorization", value),
                _fixes.export("CREDENTIALS", what),
            ],
            text=text,
        ),
    )


def _fixes_credentials(spec: ServerSpec) -> str:
    if spec.origin == "pyproject":
        return (
            f'set headers = {{ Authorization = "Bearer ${{TOKEN}}" }} in {spec.settings} '
            "(and export TOKEN)"
        )
    token = reference(spec, "TOKEN")
    export = "" if token.startswith("<") else " (and export TOKEN)"
    return f'set "headers": {{"Authorization": "Bearer {token}"}} in {spec.settings}{export}'


def _oauth(
    probe: Probe, attempt: Attempt, sent: list[str], params: dict[str, str]
) -> CheckFailed | CheckSkipped:
    spec = probe.spec
    where, servers, scopes = _metadata_facts(attempt)
    where = where or params.get("resource_metadata", "")
    points = (
        f"its protected-resource metadata ({where}) names the authorization server "
        f"{', '.join(servers)}"
        if servers
        else f"its protected-resource metadata is at {where or 'the well-known URL'}"
        + ("" if attempt.metadata is not None else " (envcheck could not read it)")
    )
    if scopes:
        points += f" and the scopes {', '.join(scopes)}"
    issuer = servers[0] if servers else "the authorization server"
    client = _fixes.CLIENTS.get(spec.origin)
    login = _signs_in(spec)
    # how the metadata was found: named by the challenge, or at the well-known URL a client
    # tries when the challenge names none (RFC 9728 §3, the MCP authorization specification)
    named = (
        "its WWW-Authenticate challenge names resource_metadata"
        if params.get("resource_metadata")
        else "its challenge names no resource_metadata, and its protected-resource metadata is "
        "at the well-known URL clients try then"
    )

    def blocked() -> CheckFailed | None:
        """What keeps every client from a sign-in here (the metadata or the authorization
        server's), as told when no token was sent; ``None``: a sign-in can start."""
        unread = _metadata_url_unread(spec, attempt, points)
        if unread is not None:
            return unread
        refused = attempt.metadata_refused.get(where) if attempt.metadata is None else None
        if refused is not None:
            # RFC 9728: a client finds the authorization server only through this document
            token_step = _fixes.set_step(spec, "headers.Authorization", "Bearer ${TOKEN}")
            ask = (
                f"ask the server's administrators to publish its protected-resource metadata at "
                f"{where} (RFC 9728: it names the authorization server)"
            )
            header = _fixes_credentials(spec).removesuffix(" (and export TOKEN)")
            return CheckFailed(
                f"{spec.name}: HTTP 401 from {spec.url}: it wants an OAuth sign-in, and its "
                f"protected-resource metadata answers HTTP {refused}",
                why="the server is OAuth-protected (its WWW-Authenticate challenge names "
                f"resource_metadata = {where}), and that URL answered HTTP {refused}: no client "
                f"({client or 'an editor'} included) can find the authorization server, so no "
                "sign-in can start",
                fix=Fix(
                    [Manual(ask), token_step, _fixes.export("TOKEN", "an access token")],
                    text=f"{ask}; meanwhile, with a token got another way: export it as TOKEN "
                    f"and {header}",
                ),
            )
        media = attempt.metadata_not_json.get(where) if attempt.metadata is None else None
        if media is not None:
            # RFC 9728 (3.2): the metadata is a JSON object (application/json); a page is none
            token_step = _fixes.set_step(spec, "headers.Authorization", "Bearer ${TOKEN}")
            ask = (
                f"ask the server's administrators to serve its protected-resource metadata at "
                f"{where} as JSON (Content-Type: application/json, RFC 9728), before any route "
                "that answers every path with a page"
            )
            header = _fixes_credentials(spec).removesuffix(" (and export TOKEN)")
            return CheckFailed(
                f"{spec.name}: HTTP 401 from {spec.url}: it wants an OAuth sign-in, and its "
                f"protected-resource metadata answers HTTP 200 {media}, not JSON",
                why="the server is OAuth-protected (its WWW-Authenticate challenge names "
                f"resource_metadata = {where}), and that URL answered 200 with {media}, not the "
                "JSON document RFC 9728 defines (a web page: often an app's fallback route, which "
                f"answers every path with its index.html): no client ({client or 'an editor'} "
                "included) can read the authorization server from it, so no sign-in can start",
                fix=Fix(
                    [Manual(ask), token_step, _fixes.export("TOKEN", "an access token")],
                    text=f"{ask}; meanwhile, with a token got another way: export it as TOKEN "
                    f"and {header}",
                ),
                facts={"metadata_media_type": media},
            )
        unusable = _unusable_metadata(spec, attempt)
        if unusable is not None:
            # RFC 9728 / MCP authorization: a client cannot start a sign-in from this document
            summary, why = unusable
            token_step = _fixes.set_step(spec, "headers.Authorization", "Bearer ${TOKEN}")
            ask = (
                f"ask the server's administrators to fix its protected-resource metadata at {where}"
            )
            header = _fixes_credentials(spec).removesuffix(" (and export TOKEN)")
            return CheckFailed(
                f"{spec.name}: HTTP 401 from {spec.url}: it wants an OAuth sign-in, and {summary}",
                why=f"{why}: no client ({client or 'an editor'} included) can start a sign-in",
                fix=Fix(
                    [Manual(ask), token_step, _fixes.export("TOKEN", "an access token")],
                    text=f"{ask}; meanwhile, with a token got another way: export it as TOKEN "
                    f"and {header}",
                ),
            )
        issuer_problem = _unusable_issuer(attempt)
        if issuer_problem is not None:
            # the MCP authorization specification: the client reads the authorization server's
            # RFC 8414 (or OpenID Connect Discovery) metadata before it can start a sign-in
            summary, why, ask = issuer_problem
            token_step = _fixes.set_step(spec, "headers.Authorization", "Bearer ${TOKEN}")
            header = _fixes_credentials(spec).removesuffix(" (and export TOKEN)")
            return CheckFailed(
                f"{spec.name}: HTTP 401 from {spec.url}: it wants an OAuth sign-in, and {summary}",
                why=f"{why}: no client ({client or 'an editor'} included) can start a sign-in "
                f"there; {points}",
                fix=Fix(
                    [Manual(ask), token_step, _fixes.export("TOKEN", "an access token")],
                    text=f"{ask}; meanwhile, with a token got another way: export it as TOKEN "
                    f"and {header}",
                ),
            )
        return None

    stopped = blocked()
    if stopped is not None and not sent:
        return stopped
    if stopped is not None:
        # a token sent and refused, where no client can get another: a new access token is no
        # fix (the OAuth sign-in cannot start); what blocks it is, asked of its administrators
        ask = stopped.fix.steps[0] if stopped.fix is not None and stopped.fix.steps else None
        text = (
            ask.text
            if isinstance(ask, Manual)
            else f"ask the server's administrators about {where}"
        )
        head = f"{spec.name}: HTTP 401 from {spec.url}: "
        told = stopped.summary.removeprefix(head)
        return CheckFailed(
            f"{head}the access token was refused, and no client can sign in for another: {told}",
            why=f"the {', '.join(sent)} header was sent and refused; {stopped.why}",
            fix=_fixes.ask(text, "the server's administrators"),
            facts=stopped.facts,
        )
    closed = _no_registration(spec, attempt, issuer) if not sent else None
    if closed is not None:
        return closed
    if sent:
        text = (
            f"get a new access token from {issuer} (for the resource {spec.url}) and put it "
            f"where the {', '.join(sent)} header takes it from"
        )
        if login is not None:
            text += f"; or {login}"
        return CheckFailed(
            f"{spec.name}: HTTP 401 from {spec.url}: the OAuth access token was refused",
            why=f"the server is OAuth-protected ({named}); the {', '.join(sent)} header was "
            f"sent, and its token is expired, revoked or for another resource; {points}",
            fix=Fix([Manual(text)], text=text),
        )
    if login is not None and client is not None:
        # the client signs in itself: nothing is wrong that envcheck could check without a token
        # never a token written into the client's file: the client keeps the one it gets
        here = (
            f'[tool.envcheck.mcp.servers] in pyproject.toml with url = "{spec.url}" and '
            'headers = { Authorization = "Bearer ${TOKEN}" }'
        )
        return CheckSkipped(
            f"{spec.name}: needs an OAuth sign-in, which {client} runs itself; envcheck does "
            "not sign in",
            why=f"HTTP 401, and {named} (the MCP authorization specification); {points}",
            fix=Fix(
                [Manual(login)],
                text=f"{login}; to check the server here as well, give envcheck a token: {here}",
            ),
        )
    token_step = _fixes.set_step(spec, "headers.Authorization", "Bearer ${TOKEN}")
    header = _fixes_credentials(spec).removesuffix(" (and export TOKEN)")
    # the challenge's scope parameter (MCP authorization): the scopes the token must carry
    wanted = redact.clean(params.get("scope", ""), 200)
    scoped = f" with the scope {wanted}" if wanted else ""
    text = (
        f"get an access token{scoped} from {issuer} for the resource {spec.url} (envcheck does "
        f"not run OAuth sign-ins), export it as TOKEN and {header}"
    )
    return CheckFailed(
        f"{spec.name}: HTTP 401 from {spec.url}: the server wants an OAuth sign-in",
        why=f"the server is OAuth-protected ({named}, the MCP authorization specification) "
        f"and no token was sent; {points}"
        + (f"; the challenge asks for scope={wanted}" if wanted else ""),
        fix=Fix(
            [
                Manual(f"get an access token{scoped} from {issuer} for {spec.url}"),
                token_step,
                _fixes.export("TOKEN", "the access token"),
            ],
            text=text,
        ),
    )


def _no_registration(spec: ServerSpec, attempt: Attempt, issuer: str) -> CheckFailed | None:
    """The authorization server's metadata (RFC 8414) offers no way for a client without a
    client ID to get one: no ``registration_endpoint`` (RFC 7591 dynamic client registration)
    and no ``client_id_metadata_document_supported`` (Client ID Metadata Documents, 2025-11-25).
    A client that signs in by itself (Claude Code, Cursor, Claude Desktop) then cannot start;
    VS Code asks the user for a client ID, so its servers are left to the sign-in as before, and
    envcheck's own (pyproject.toml) to the token a person gets, as before."""
    metadata = attempt.issuer_metadata
    if metadata is None or spec.origin not in ("mcp.json", "cursor", "claude-desktop"):
        return None
    if metadata.get("registration_endpoint") or metadata.get(
        "client_id_metadata_document_supported"
    ):
        return None
    where = attempt.issuer_metadata_url or issuer
    client = _fixes.CLIENTS.get(spec.origin)
    ask = (
        f"ask the administrators of the authorization server {issuer} for a client ID (an "
        "OAuth client registered for you, whose redirect URI is a localhost callback), or to "
        "enable dynamic client registration (registration_endpoint, RFC 7591) or Client ID "
        "Metadata Documents"
    )
    steps: list[Step] = [Manual(ask)]
    text = ask
    if spec.origin == "mcp.json":
        name = redact.clean(spec.name.split("@")[0], 60)
        given = (
            f"claude mcp add --transport http --client-id <the client ID> --client-secret "
            f"--callback-port <the redirect URI's port> {name} {spec.url}"
        )
        steps.append(Manual(f"then give it to Claude Code: {given}, and run /mcp"))
        text += f"; then give it to Claude Code ({given}) and run /mcp to sign in"
    else:
        token_step = _fixes.set_step(spec, "headers.Authorization", "Bearer ${TOKEN}")
        steps += [token_step, _fixes.export("TOKEN", "an access token")]
        header = _fixes_credentials(spec).removesuffix(" (and export TOKEN)")
        text += f"; meanwhile, with a token got another way: export it as TOKEN and {header}"
    return CheckFailed(
        f"{spec.name}: HTTP 401 from {spec.url}: it wants an OAuth sign-in, and its "
        "authorization server offers no client registration",
        why=f"the authorization server's metadata at {where} has no registration_endpoint "
        "(RFC 7591 dynamic client registration) and no client_id_metadata_document_supported: "
        "a client without a client ID cannot get one, so "
        + (f"{client}'s sign-in cannot start on its own" if client else "no sign-in can start")
        + " (the MCP SDK's client tries /register on the server's origin and fails there)",
        fix=Fix(steps, text=text),
    )


def _unusable_metadata(spec: ServerSpec, attempt: Attempt) -> tuple[str, str] | None:
    """Why the protected-resource metadata envcheck read cannot start a sign-in (the summary's
    end and why), or ``None``: it names another resource (RFC 9728 §3.3: the client must not
    use it), or no authorization server (the MCP authorization specification requires one)."""
    metadata = attempt.metadata
    if metadata is None:
        return None
    where = attempt.metadata_url or "the well-known URL"
    resource = metadata.get("resource")
    if isinstance(resource, str) and not _covers(resource, spec.url or ""):
        shown = redact.clean(resource, 200)
        return (
            f"its protected-resource metadata is for another resource ({shown})",
            f"the metadata at {where} says resource = {shown}, not {spec.url}: RFC 9728 (3.3) "
            "tells clients not to use metadata whose resource is not the URL they asked, so "
            f"they find no authorization server for it (if {shown} is the server's address, "
            "url is the one to change)",
        )
    servers = metadata.get("authorization_servers")
    if not isinstance(servers, list) or not [s for s in servers if isinstance(s, str)]:
        return (
            "its protected-resource metadata names no authorization server",
            f"the metadata at {where} has no authorization_servers (the MCP authorization "
            "specification requires at least one): it is the only place a client learns where "
            "to sign in",
        )
    return None


def _unusable_issuer(attempt: Attempt) -> tuple[str, str, str] | None:
    """Why the authorization server the resource's metadata names cannot run a sign-in (the
    summary's end, why, and what to ask its administrators), or ``None``: its metadata (RFC 8414,
    OpenID Connect Discovery) answers an HTTP error at every URL a client tries, or it lists
    ``code_challenge_methods_supported`` without ``S256`` (MCP clients use PKCE with S256)."""
    _, servers, _ = _metadata_facts(attempt)
    if not servers:
        return None
    issuer = redact.clean(servers[0], 200)
    if attempt.issuer_metadata is None:
        refused = attempt.issuer_refused
        if not refused:
            return None  # not reached (or not an http(s) issuer): nothing established
        codes = ", ".join(str(c) for c in sorted(set(refused.values())))
        first = next(iter(refused))
        return (
            f"its authorization server's metadata answers HTTP {codes}",
            f"the authorization server {issuer} publishes no metadata where clients look for "
            f"it (RFC 8414 oauth-authorization-server, OpenID Connect Discovery "
            f"openid-configuration): {', '.join(refused)} answered HTTP {codes}; the metadata "
            "is where a client learns the server's authorization and token endpoints",
            f"ask the administrators of the authorization server {issuer} to publish its "
            f"metadata at {first} (RFC 8414)",
        )
    stated = attempt.issuer_metadata.get("issuer")
    if not isinstance(stated, str) or stated.rstrip("/") != servers[0].rstrip("/"):
        # RFC 8414 §3.3: the issuer the metadata states must be the one its well-known URL was
        # made from, else the metadata MUST NOT be used (the MCP SDKs refuse it)
        where = attempt.issuer_metadata_url or issuer
        shown = redact.clean(stated, 200) if isinstance(stated, str) else "none"
        return (
            f"its authorization server's metadata names another issuer ({shown})",
            f"the resource's metadata names the authorization server {issuer}, but the metadata "
            f"found for it at {where} states the issuer {shown}: by RFC 8414 (§3.3) the issuer "
            "in the metadata must be identical to the one its well-known URL was made from, "
            "and a client must not use metadata that names another (a proxy or tenant mix-up, "
            "or an issuer URL that changed)",
            f"ask the administrators to make them agree: the authorization server's metadata "
            f"must state issuer {issuer}, or the resource's metadata must name the issuer the "
            f"authorization server has (authorization_servers: [{json.dumps(shown)}])",
        )
    where = attempt.issuer_metadata_url or issuer
    types = attempt.issuer_metadata.get("response_types_supported")
    missing = [
        member
        for member in ("authorization_endpoint", "token_endpoint", "response_types_supported")
        if not attempt.issuer_metadata.get(member)
    ]
    if missing:
        # RFC 8414 §2: required for the authorization code grant MCP clients use; the SDKs'
        # schemas refuse a document without them (found by the sixteenth held-out round)
        listed = ", ".join(missing)
        return (
            f"its authorization server's metadata lacks {listed}",
            f"the authorization server's metadata at {where} has no {listed}: RFC 8414 (§2) "
            "requires them for the authorization code grant MCP clients sign in with, and the "
            "MCP SDKs' clients refuse metadata without them (the TypeScript SDK's schema, the "
            "Python SDK's model)",
            f"ask the administrators of the authorization server {issuer} to publish {listed} "
            f"in its metadata at {where} (RFC 8414)",
        )
    if isinstance(types, list) and "code" not in types:
        # OAuth 2.1 / the MCP authorization specification: the authorization code grant
        shown = redact.clean(json.dumps(types), 120)
        return (
            "its authorization server does not offer the authorization code flow",
            f"the authorization server's metadata at {where} lists response_types_supported = "
            f"{shown}, without code: MCP clients sign in with the authorization code grant "
            "(OAuth 2.1 with PKCE, the MCP authorization specification); the TypeScript SDK's "
            "client refuses such a server before any sign-in",
            f"ask the administrators of the authorization server {issuer} to enable the "
            'authorization code flow (response_types_supported: ["code"], RFC 8414)',
        )
    methods = attempt.issuer_metadata.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" not in methods:
        where = attempt.issuer_metadata_url or issuer
        shown = redact.clean(json.dumps(methods), 120)
        return (
            "its authorization server does not offer PKCE with S256",
            f"the authorization server's metadata at {where} lists "
            f"code_challenge_methods_supported = {shown}, without S256: MCP clients must use "
            "PKCE with S256 (the MCP authorization specification), and refuse a server that "
            "does not offer it",
            f"ask the administrators of the authorization server {issuer} to enable PKCE with "
            'S256 (code_challenge_methods_supported: ["S256"])',
        )
    return None


def _covers(resource: str, url: str) -> bool:
    """Whether ``resource`` identifies ``url``: the same origin, and a path that is the URL's or
    a parent of it (as the MCP SDKs compare them)."""
    mine, theirs = urllib.parse.urlsplit(url), urllib.parse.urlsplit(resource)
    if _origin(resource.lower()) != _origin(url.lower()):
        return False
    wanted = theirs.path.rstrip("/") + "/"
    return (mine.path.rstrip("/") + "/").startswith(wanted)


def forbidden(probe: Probe, attempt: Attempt) -> CheckFailed:
    """HTTP 403: a token without the scope the server requires (``insufficient_scope``), or a
    server that refuses this client whatever it sends."""
    spec = probe.spec
    sent = _sent_credentials(spec)
    params = _bearer(attempt)
    _, servers, scopes = _metadata_facts(attempt)
    emptied = _empty_credentials(spec, 403)
    if emptied is not None:
        return emptied
    if params.get("error") == "invalid_token" and sent:
        text = (
            f"get a new token for {spec.url} and put it where the {', '.join(sent)} header "
            "takes it from"
        )
        return CheckFailed(
            f"{spec.name}: HTTP 403 from {spec.url}: the token was refused (invalid_token)",
            why=f"the {', '.join(sent)} header was sent; WWW-Authenticate says "
            'error="invalid_token": the token is expired, revoked or malformed',
            fix=Fix([Manual(text)], text=text),
        )
    if params.get("error") == "insufficient_scope":
        needed = params.get("scope")
        wanted = needed or (", ".join(scopes) if scopes else "")
        issuer = servers[0] if servers else "its issuer"
        text = (
            f"get a token with the scope {wanted} from {issuer} (the token in the "
            f"{', '.join(sent) or 'Authorization'} header lacks it)"
            if wanted
            else f"get a token with the scopes this server requires from {issuer}"
        )
        login = _signs_in(spec)
        if login is not None:
            text += f"; or {login} and grant the scope"
        return CheckFailed(
            f"{spec.name}: HTTP 403 insufficient_scope from {spec.url}: the token lacks a "
            "scope the server requires",
            why='the token was accepted, but WWW-Authenticate says error="insufficient_scope"'
            + (f" (required: {needed})" if needed else "")
            # the SDK's bearer middleware names the scope only in its description
            # (bearer_auth.py: error_description="Required scope: ..."): its own words
            + (
                f", error_description={redact.clean(params['error_description'], 160)!r}"
                if params.get("error_description")
                else ""
            )
            + (f"; the server's metadata lists the scopes {', '.join(scopes)}" if scopes else ""),
            fix=Fix([Manual(text)], text=text),
        )
    page = attempt.refused_media.get(403)
    if sent and not attempt.challenges and page == "text/html":
        # the MCP authorization specification: the resource server's refusal carries a
        # WWW-Authenticate challenge (error="insufficient_scope"), and MCP answers are JSON; a
        # web page without a challenge is what stands in front of it (a firewall, a proxy, a
        # single sign-on gateway), which may never have passed the request on
        text = (
            f"ask whoever runs the firewall or proxy in front of {_hostport(spec)} why it blocks "
            f"POST {spec.url} (show them the page it answers and the time), or reach the MCP "
            "server by a URL it does not sit in front of"
        )
        return CheckFailed(
            f"{spec.name}: HTTP 403 from {spec.url}: a text/html page without a "
            "WWW-Authenticate challenge",
            why=f"the {', '.join(sent)} header was sent; the 403 is a web page (text/html) and "
            "names no challenge, where an MCP server refusing a token names one in "
            "WWW-Authenticate (its error, insufficient_scope or invalid_token): a firewall, "
            "proxy or gateway in front of the server refused the request, not the MCP server's "
            "authorization",
            fix=_fixes.ask(text, "whoever runs the firewall or proxy"),
            facts={"refused_media": page},
        )
    if sent:
        text = (
            f"ask the administrators of {_hostport(spec)} to give this token's user access to "
            "the MCP server (show them: HTTP 403 on POST " + f"{spec.url})"
        )
        return CheckFailed(
            f"{spec.name}: HTTP 403 from {spec.url}: the server refused access",
            why=f"the {', '.join(sent)} header was sent; the server understood the request and "
            "refuses it: the credentials are not allowed to use this server, or a policy (an "
            "IP allow-list, an Origin check) blocks it",
            fix=_fixes.ask(text, "the server's administrators"),
        )
    steps: list[Step] = [
        _fixes.set_step(
            spec,
            "headers.Authorization",
            "Bearer " + ("${TOKEN}" if spec.origin == "pyproject" else reference(spec, "TOKEN")),
        ),
        Manual(f"or ask the administrators of {_hostport(spec)} for access"),
    ]
    return CheckFailed(
        f"{spec.name}: HTTP 403 from {spec.url}: the server refused access",
        why="no credentials were sent and the server refuses the request: it wants a token, or "
        "a policy (an IP allow-list, an Origin check) blocks this client",
        fix=Fix(
            steps,
            text=_fixes_credentials(spec) + f", or ask the administrators of "
            f"{_hostport(spec)} for access",
        ),
    )


def _misdirected(spec: ServerSpec) -> CheckFailed:
    host = _hostport(spec)
    text = (
        f"add {host} to the hosts the server allows (its DNS-rebinding protection; in the Python "
        "SDK: TransportSecuritySettings(allowed_hosts=[...])), or use the host name it allows "
        f"in url in {spec.settings}"
    )
    return CheckFailed(
        f"{spec.name}: HTTP 421 from {spec.url}: the server rejected the Host header {host}",
        why="421 Misdirected Request: the server's DNS-rebinding protection accepts only other "
        "Host values (MCP servers must validate Host/Origin on local HTTP endpoints)",
        fix=_fixes.ask(text, "whoever runs the server"),
    )


def _moved_away(spec: ServerSpec, attempt: Attempt) -> str | None:
    """The URL the endpoint redirected to (followed, as MCP clients follow a 307/308), if any."""
    if not attempt.locations:
        return None
    return urllib.parse.urljoin(spec.url or "", attempt.locations[-1])


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.netloc


#: the redirects after which an HTTP client sends a GET without the body (RFC 9110 §15.4: a
#: 301 or 302 to a POST may, a 303 must; fetch and httpx do): the MCP request never arrives
METHOD_CHANGING = {301: "Moved Permanently", 302: "Found", 303: "See Other"}


def _redirected(
    spec: ServerSpec,
    target: str,
    dropped: list[str] | None = None,
    followed: bool = True,
    status: int | None = None,
) -> CheckFailed:
    shown = redact.clean(target, 200)
    other = _origin(target) != _origin(spec.url or "")
    if not followed:
        code = f"HTTP {status} " if status else ""
        reason = METHOD_CHANGING.get(status or 0)
        changes = (
            f" ({reason}): an HTTP client that follows a {status} turns the POST into a GET "
            "without its body, so the MCP request never arrives (only 307 and 308 keep the "
            "method); MCP clients do not follow it: the url must be the one the server answers at"
        )
        why = f"the endpoint answers {code}with a redirect to {shown}" + (
            ", another origin: MCP clients do not follow a redirect to another host or "
            "port (the request and its credentials would go elsewhere)"
            if other
            else (changes if reason else ", and the redirect was not followed")
        )
    elif dropped and other:
        why = (
            f"the endpoint redirects to another origin ({shown}); HTTP clients follow the "
            f"redirect without the {', '.join(dropped)} header (it is not sent to another host "
            "or port), so the server there sees no credentials"
        )
    else:
        why = (
            f"the request was redirected to {shown}, which failed: the endpoint moved, or a proxy "
            "rewrites the path"
        )
    return CheckFailed(
        f"{spec.name}: {spec.url} redirects to {shown}"
        + (f" (HTTP {status})" if status and not followed else "")
        + (" (another origin: the credentials are dropped)" if dropped and other else "")
        + ("" if followed else " (another origin: not followed)" if other else ""),
        why=why,
        fix=Fix([_fixes.set_step(spec, "url", target)], text=setting(spec, "url", target)),
    )


def _negotiation(spec: ServerSpec, code: int, over: str) -> CheckFailed:
    """406/415: the endpoint does not take what every MCP client sends (``Accept:
    application/json, text/event-stream``; a JSON body)."""
    what = (
        "the Accept header every MCP client sends (application/json, text/event-stream)"
        if code == 406
        else "a JSON body (Content-Type: application/json), which every MCP request is"
    )
    text = (
        f"check that {spec.url} is an MCP endpoint of a current server (the path and transport "
        f"in {spec.settings}), or upgrade the server"
    )
    return CheckFailed(
        f"{spec.name}: HTTP {code} from {spec.url}: the endpoint does not accept MCP requests",
        why=f"{code} means it does not accept {what}; over {over} an MCP server must: this is "
        "another kind of endpoint, or a server too old or too strict for current clients",
        fix=Fix([Manual(text)], text=text),
    )


def _rate_limited(spec: ServerSpec, attempt: Attempt) -> CheckFailed:
    wait = attempt.retry_after
    text = (
        f"run the check again after {wait} s" if wait else "run the check again later"
    ) + f"; if it persists, ask the administrators of {_hostport(spec)} for a higher limit"
    return CheckFailed(
        f"{spec.name}: HTTP 429 from {spec.url}: too many requests",
        why="the server (or a gateway in front of it) limits the rate of requests and refused "
        "this one" + (f"; Retry-After: {redact.clean(wait, 40)}" if wait else ""),
        fix=Fix([Manual(text)], text=text),
    )


def _unavailable(spec: ServerSpec, code: int, attempt: Attempt) -> CheckFailed:
    meaning = {
        502: "a gateway or proxy in front of the MCP server got no valid answer from it: the "
        "server behind it is down, crashed or not listening where the proxy sends requests",
        503: "the server is unavailable: starting, overloaded or in maintenance",
        504: "a gateway or proxy in front of the MCP server timed out waiting for it",
    }[code]
    if attempt.retry_after:
        meaning += f"; Retry-After: {redact.clean(attempt.retry_after, 40)}"
    text = (
        f"start (or restart) the MCP server behind {_hostport(spec)} and read the proxy's and "
        "the server's logs"
    )
    return CheckFailed(
        f"{spec.name}: HTTP {code} from {spec.url}: the server behind it does not answer",
        why=meaning,
        fix=_fixes.ask(text, "whoever runs the server"),
    )


def _is_mcp_content(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind in ("application/json", "text/event-stream", "")


def _hostport(spec: ServerSpec) -> str:
    url = urllib.parse.urlsplit(spec.url or "")
    return f"{url.hostname}:{url.port or (443 if url.scheme == 'https' else 80)}"


def tls_mismatch(spec: ServerSpec) -> CheckFailed | None:
    """``https://`` at a port that speaks plain HTTP, or ``http://`` at a TLS port, told from
    what the port answers to a TLS handshake and to a plain ``HEAD`` (its status line)."""
    from envcheck.kit import _net

    url = urllib.parse.urlsplit(spec.url or "")
    host = url.hostname or ""
    port = url.port or (443 if url.scheme == "https" else 80)
    deadline = time.monotonic() + min(spec.timeout, 2.0)  # within the checks' grace period
    if url.scheme == "https":
        if _net.speaks_tls(host, port, deadline) or not _answers_http(host, port, deadline):
            return None
        fixed = urllib.parse.urlunsplit(("http", *url[1:]))
        return CheckFailed(
            f"{spec.name}: TLS to a plain-HTTP port: {host}:{port} answers plain HTTP, not TLS",
            why="the URL says https://, but the server on this port does not answer a TLS "
            "handshake and does answer a plain HTTP request",
            fix=Fix(
                [_fixes.set_step(spec, "url", fixed)],
                text=f"use http://: {setting(spec, 'url', fixed)}",
            ),
        )
    if url.scheme == "http" and _net.speaks_tls(host, port, deadline):
        fixed = urllib.parse.urlunsplit(("https", *url[1:]))
        return CheckFailed(
            f"{spec.name}: plain HTTP to a TLS port: {host}:{port} speaks TLS",
            why="the URL says http://, but the server on this port completes a TLS handshake",
            fix=Fix(
                [_fixes.set_step(spec, "url", fixed)],
                text=f"use https://: {setting(spec, 'url', fixed)}",
            ),
        )
    return None


def _answers_http(host: str, port: int, deadline: float) -> bool:
    from envcheck.kit import _net

    hello = f"HEAD / HTTP/1.0\r\nHost: {host}\r\n\r\n".encode("ascii", "replace")
    return _net.answers(host, port, hello, lambda reply: reply.startswith(b"HTTP/"), deadline)


# -- any transport -----------------------------------------------------------------------------
def too_large(probe: Probe) -> CheckFailed | None:
    """An HTTP answer larger than envcheck reads (reading stopped at the bound), else ``None``."""
    url = next((a.too_large for a in probe.attempts if a.too_large), None)
    if url is None:
        return None
    spec = probe.spec
    bound = f"{MAX_MCP_HTTP_ANSWER // 2**20} MiB"
    shown = redact.clean(url, 200)
    text = (
        f"see what {shown} sends (curl -sS --max-filesize 1000000 {shown}); check that "
        f"{spec.url} is the server's MCP endpoint, and have the server's authors keep its answers "
        "small"
    )
    return CheckFailed(
        f"{spec.name}: answer too large: {shown} sent more than {bound} in one answer; envcheck "
        "stopped reading it",
        why=f"envcheck reads at most {bound} of one HTTP answer of an MCP server (a response body, "
        "or an event stream over its life), so that an endless or huge answer cannot hold a check "
        "or fill memory; MCP messages are far smaller: this is not an MCP server's answer, or the "
        "server sends without end",
        fix=_fixes.ask(text, "the server's authors"),
        facts={"bound_bytes": MAX_MCP_HTTP_ANSWER},
    )


#: Seconds before the end of a wait within which a stdio server's last output makes it one still
#: writing (busy), not one that stopped: its unended last line is then a line being written.
STILL_WRITING = 1.0


def _still_writing(probe: Probe, method: str) -> CheckFailed:
    """A stdio server whose stdout was still giving bytes as envcheck's wait for the answer to
    ``method`` ended: it is alive and writing (notifications, a large answer), and the answer had
    not come yet; whatever its last, unended line holds is a line being written."""
    spec, child = probe.spec, probe.child
    sent = sorted(child.notified.items(), key=lambda item: -item[1])
    shown = ", ".join(f"{name} x{count}" for name, count in sent[:3])
    said = f" ({shown} on this connection)" if shown else ""
    timeout_text, timeout_step = _fixes.raise_timeout(spec)
    steps: list[Step] = [timeout_step]
    text = timeout_text
    if sent and sent[0][0] == "notifications/message":
        logs = (
            "or have the server log less (a higher log level; MCP clients may send "
            "logging/setLevel)"
        )
        steps.append(Manual(logs))
        text = f"{timeout_text}, {logs}"
    return CheckFailed(
        f"{spec.name}: no answer to {method} within {spec.timeout:g} s: the server was still "
        "writing to stdout when the wait ended",
        why=f"its stdout gave bytes less than {STILL_WRITING:g} s before envcheck stopped "
        f"waiting{said}: the server is alive and busy, and its answer had not come yet",
        fix=Fix(steps, text=text),
        facts={"stdout_shape": "still-writing", "notified": dict(sent[:5])},
    )


def _stdio_unanswered(probe: Probe, step: str) -> CheckFailed | None:
    """Why a stdio server's answer to ``step`` never came, from what it did write: a
    ``notifications/cancelled`` of its own for envcheck's request, a line in a shape no client
    takes (seen after the handshake), or a whole message left without its newline."""
    spec, child = probe.spec, probe.child
    if spec.transport != "stdio":
        return None
    method = step_method(probe, step)
    for ident, sent in probe.wire.sent.items():
        if sent == method and ident in child.cancelled:
            reason = child.cancelled[ident]
            said = f", reason {reason!r}" if reason else ""
            text = (
                f"report it to the server's authors: it must answer {method} (a result, or a "
                "JSON-RPC error saying why) rather than cancel a request it did not send"
            )
            return CheckFailed(
                f"{spec.name}: {method} failed: the server sent notifications/cancelled for "
                f"envcheck's own request (id {ident}{said}) and never answered it",
                why="only the sender of a request may cancel it (MCP, Utilities > "
                "Cancellation); a client ignores a notifications/cancelled naming its own "
                "request and waits for the answer, which this server never sends",
                fix=_fixes.ask(text, "the server's authors"),
                facts={"cancelled_by_server": method},
            )
    if child.shape is not None:
        return _misshapen(probe, method)
    if child.writing_until(STILL_WRITING) and not _later(probe, method)[1]:
        # (what it last wrote may be its answer to a request sent after this one: then it
        # answers, and skips this one)
        return _still_writing(probe, method)
    unended = bytes(child.partial).strip()
    try:
        message, _ = json.JSONDecoder().raw_decode(unended.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(message, dict) or "jsonrpc" not in message:
        return None
    text = (
        "make the server end each message with a newline (in Python: "
        "sys.stdout.write(json.dumps(message) + '\\n'), then sys.stdout.flush()), or update it "
        "to a version that does"
    )
    return CheckFailed(
        f"{spec.name}: no answer to {method}: the server wrote its message without a newline "
        "after it",
        why=f"its stdout ends in a whole JSON-RPC message ({len(unended)} bytes) with no newline "
        "after it: MCP's stdio transport delimits messages by newlines, so a client waits for "
        "the line's end, which never comes",
        fix=Fix([Manual(text)], text=text),
        facts={"stdout_shape": "no-newline"},
    )


def no_answer(probe: Probe, step: str, elapsed: float) -> CheckFailed:
    spec = probe.spec
    large = too_large(probe)
    if large is not None:
        return large
    invalid = (
        _invalid_error(probe, step)
        or _events_as_json(probe, step)
        or _messages_in_json(probe, step)
    )
    if invalid is not None:
        return invalid
    unsent = _stdio_unanswered(probe, step)
    if unsent is not None:
        return unsent
    what = {"initialize": f"{probe.era or 'initialize'} (the handshake)"}.get(step, step)
    facts = {"waited_s": round(elapsed, 2)}
    stray = probe.wire.stray
    if stray:
        return _stray_error(probe, step, stray[0])
    if probe.wire.unmatched:
        text = "report it to the server's authors: a response must carry its request's id"
        shown = redact.clean(str(probe.wire.unmatched[0]), 40)
        return CheckFailed(
            f"{spec.name}: {step} failed: the server answers with ids envcheck never sent "
            f"({shown!r})",
            why="a JSON-RPC response carries the id of the request it answers; these match no "
            "request, so no answer arrives",
            fix=_fixes.ask(text, "the server's authors"),
            facts=facts,
        )
    if spec.transport == "stdio" and probe.child.late:
        return _failed_at_shutdown(probe, step, facts) or _held_back(probe, step, facts)
    if spec.transport == "stdio" and probe.child.hung_up and probe.child.returncode is None:
        text, look = _look(spec)
        return CheckFailed(
            f"{spec.name}: {step} failed: the server closed its stdout without answering",
            why=f"the process is still running (pid {probe.child.pid}), but its stdout ended: "
            "nothing more can come back (it redirected or closed stdout, or a wrapper did)",
            fix=Fix([look], text=text),
            facts=facts,
        )
    on_stderr = _answers_on_stderr(probe)
    if on_stderr:
        return _replies_on_stderr(probe, on_stderr, facts)
    attempt = probe.attempts[-1]
    elsewhere = _endpoint_elsewhere(spec, attempt)
    if elsewhere is not None:
        return _endpoint_refused(spec, elsewhere, facts)
    # the server sent its own request (on stdio, or as an event of the POST's stream: the
    # stream was not held back) to a capability envcheck did not declare, then fell silent
    asked = _asked_undeclared(probe, step_method(probe, step)) or _null_id_request(
        probe, step_method(probe, step)
    )
    if asked is not None:
        asked_why, text = asked
        return CheckFailed(
            f"{spec.name}: no answer to {step_method(probe, step)} within {spec.timeout:g} s",
            why=asked_why,
            fix=_fixes.ask(text, "the server's authors"),
            facts=facts,
        )
    came = probe.wire.noted.get(step_method(probe, step))
    if spec.transport != "stdio" and came and step != "initialize":
        # messages came through while the request waited: nothing held the stream back
        return _came_but_no_answer(probe, step, came, facts)
    if spec.transport != "stdio" and _stream_held(probe, step, attempt):
        text = (
            "turn off response buffering for this URL in the proxy in front of the server "
            "(nginx: proxy_buffering off, or the server sends X-Accel-Buffering: no), or "
            "connect to the server directly"
        )
        return CheckFailed(
            f"{spec.name}: no event on the {TRANSPORT_NAMES[attempt.transport]} stream within "
            f"{spec.timeout:g} s: the stream is held back",
            why="the server answered HTTP 200 text/event-stream, then no event arrived: a proxy "
            "between envcheck and the server buffers the stream (it forwards events only when "
            "its buffer fills or the stream ends), or the server hung after the headers",
            fix=_fixes.ask(text, "whoever runs the proxy"),
            facts=facts,
        )
    answered = [method for method in probe.wire.results if method != "ping"]
    stopped = _stopped_answering(probe, step) if step == "ping" else None
    if stopped is not None:
        return stopped
    if step == "ping" and answered:
        # it answers other requests on this connection: the server skips ping, it is not hung
        text = "report it to the server's authors: it does not answer ping"
        after = sorted({probe.wire.sent[i] for i in _later(probe, "ping")[1]})
        since = f" (and {', '.join(after)} sent while ping waited)" if after else ""
        return CheckFailed(
            f"{spec.name}: no answer to ping within {spec.timeout:g} s",
            why=f"the server answered {', '.join(answered)} on this connection{since}, but not "
            "ping, which the specification requires every server to answer promptly (clients "
            "use it to tell a live server from a hung one)",
            fix=_fixes.ask(text, "the server's authors"),
            facts=facts,
        )
    if spec.transport == "stdio" and step == "initialize" and not probe.wire.results:
        offline = command.npx_offline(spec)
        if offline is not None:
            return offline
    if step != "initialize" and answered:
        return _handler_stuck(probe, step, answered, facts)
    if spec.transport == "stdio":
        why = (
            f"the server is running (pid {probe.child.pid}) but sent no answer: it may wait "
            "for input it never gets, or speak another protocol"
        )
    else:
        why = "the connection was accepted but nothing came back: a hung server or a proxy"
    timeout_text, timeout_step = _fixes.raise_timeout(spec)
    text, look = _look(spec, "to see whether it speaks MCP")
    return CheckFailed(
        f"{spec.name}: no answer to {what} within {spec.timeout:g} s",
        why=why,
        fix=Fix([look, timeout_step], text=f"{text}, or {timeout_text}"),
        facts=facts,
    )


def _stream_held(probe: Probe, step: str, attempt: Attempt) -> bool:
    """Whether the answer ``step`` waits for is on an SSE stream that delivered nothing: over
    streamable HTTP, the POST of that request was answered ``text/event-stream`` (a stream that
    carried another request's answer held nothing back); over HTTP+SSE, every answer comes on
    the GET's stream, and none came on it."""
    kinds = [kind.split(";")[0].strip().lower() for kind in attempt.content_types]
    if "text/event-stream" not in kinds:
        return False
    if attempt.transport == "http":
        return step_method(probe, step) in attempt.streamed
    return not probe.wire.answered


def _handler_stuck(
    probe: Probe, step: str, answered: list[str], facts: dict[str, Any]
) -> CheckFailed:
    """A server that answered the handshake (and maybe more) on this connection, then nothing
    for ``step``'s request: it speaks MCP; its handler for that request is slow or stuck."""
    spec = probe.spec
    method = step_method(probe, step)
    if spec.transport == "stdio":
        tail = probe.child.stderr_tail()
        alive = f"is running (pid {probe.child.pid}) and "
        said = f"; its stderr ends: {tail}" if tail else "; it wrote nothing to stderr"
    else:
        alive, said = "", ""
    timeout_text, timeout_step = _fixes.raise_timeout(spec)
    what = (
        f"and send it {method} to see what it waits on"
        if spec.transport == "stdio"
        else f"to see what its {method} waits on"
    )
    text, look = _look(spec, what)
    return CheckFailed(
        f"{spec.name}: no answer to {method} within {spec.timeout:g} s",
        why=f"the server answered {', '.join(answered)} on this connection (it speaks MCP), "
        f"{alive}sent nothing for {method}: its handler for {method} is slow or stuck "
        f"(waiting on a lock, a network call, a database){said}",
        fix=Fix([timeout_step, look], text=f"{timeout_text} if {method} is only slow; else {text}"),
        facts={**facts, "answered": answered},
    )


def _came_but_no_answer(
    probe: Probe, step: str, came: dict[str, int], facts: dict[str, Any]
) -> CheckFailed:
    """An HTTP server whose notifications came through while ``step``'s request waited, and
    not its answer: the stream reaches envcheck (no proxy buffers it); the server did not
    answer."""
    spec = probe.spec
    method = step_method(probe, step)
    shown = ", ".join(f"{name} x{count}" for name, count in sorted(came.items())[:3])
    answered = [m for m in probe.wire.results if m != method]
    before = f"it answered {', '.join(answered)} on this connection, and " if answered else ""
    timeout_text, timeout_step = _fixes.raise_timeout(spec)
    text, look = _look(spec, f"to see what its {method} waits on")
    return CheckFailed(
        f"{spec.name}: no answer to {method} within {spec.timeout:g} s: the server sent "
        f"{shown}, then not the response",
        why=f"{before}while {method} waited, its messages ({shown}) came through to envcheck, "
        f"so nothing between holds the stream back; the response to {method} never came: the "
        "server's handler for it is slow or stuck",
        fix=Fix([timeout_step, look], text=f"{timeout_text} if {method} is only slow; else {text}"),
        facts={**facts, "notified": dict(came)},
    )


def _later(probe: Probe, method: str) -> tuple[list[Any], list[Any]]:
    """The ids of envcheck's requests sent after the last request of ``method``, and those of
    them the server answered."""
    wire = probe.wire
    ids = list(wire.sent)
    mine = [i for i in ids if wire.sent[i] == method]
    if not mine:
        return [], []
    later = ids[ids.index(mine[-1]) + 1 :]
    return later, [i for i in later if i in wire.answered]


def _stopped_answering(probe: Probe, step: str) -> CheckFailed | None:
    """A server that answered requests before ``ping`` and none sent after it (envcheck sends a
    listing it answered before while ping waits, :func:`envcheck.mcpkit.steps.ping`): it stopped
    answering, it does not skip ping; ``None`` when a later request was answered, or none was
    sent."""
    spec, wire = probe.spec, probe.wire
    later, answered = _later(probe, "ping")
    if not later or answered:
        return None
    before = [m for i, m in wire.sent.items() if i in wire.answered and m in wire.results]
    again = ", ".join(dict.fromkeys(wire.sent[i] for i in later))
    timeout_text, timeout_step = _fixes.raise_timeout(spec)
    text, look = _look(spec, "to see where it stops")
    if spec.transport == "stdio":
        said = probe.child.stderr_tail()
        said = f"; its stderr ends: {said}" if said else "; it wrote nothing to stderr"
    else:
        said = ""
    return CheckFailed(
        f"{spec.name}: no answer to ping within {spec.timeout:g} s: the server stopped "
        f"answering after {before[-1] if before else 'the handshake'}",
        why=f"it answered {', '.join(dict.fromkeys(before)) or 'the handshake'} on this "
        f"connection, then nothing: neither ping nor {again}, sent again while ping waited, "
        f"got an answer (a server that only skips ping answers the rest){said}",
        fix=Fix([look, timeout_step], text=f"{text}, or {timeout_text} if it is only slow"),
        facts={"answered": before, "unanswered": ["ping", *again.split(", ")]},
    )


def _failed_at_shutdown(probe: Probe, step: str, facts: dict[str, Any]) -> CheckFailed | None:
    """A stdio server whose late answer to ``step``'s request (written as envcheck closed its
    stdin) was a JSON-RPC error, after answers that came at once: its stdout is not held in a
    buffer; it failed, as it shut down, a request it was still working on. ``None`` otherwise."""
    spec, child = probe.spec, probe.child
    method = step_method(probe, step)
    errors = [
        child.late_errors[ident]
        for ident, sent in probe.wire.sent.items()
        if sent == method and ident in child.late_errors
    ]
    on_time = [m for m in probe.wire.results if m != method]
    if not errors or not on_time:
        return None
    code, message = errors[-1]
    tail = child.stderr_tail()
    said = f"; its stderr ends: {tail}" if tail else ""
    timeout_text, timeout_step = _fixes.raise_timeout(spec)
    text, look = _look(spec, f"and send it {method} to see what it waits on")
    return CheckFailed(
        f"{spec.name}: no answer to {method} within {spec.timeout:g} s; as envcheck closed its "
        f"stdin, the server failed it with error {code}: {message!r}",
        why=f"it answered {', '.join(on_time)} at once (its stdout is not held back), then "
        f"nothing for {method} until envcheck, after {spec.timeout:g} s, closed its stdin; "
        "as it shut down it failed the request it was still working on: its handler for "
        f"{method} is slow or stuck{said}",
        fix=Fix([timeout_step, look], text=f"{timeout_text} if {method} is only slow; else {text}"),
        facts={**facts, "late_error": code},
    )


#: programs that run a Python server (an interpreter, or a tool that runs one in its environment)
PYTHON_RUNNERS = {"uv", "uvx", "poetry", "pipx", "pdm", "hatch", "rye", "pipenv", "conda"}


def _python_server(probe: Probe) -> bool:
    """Whether the stdio server is a Python program: its command is an interpreter or a runner of
    one, or a script whose ``#!`` line names one."""
    program = probe.program or probe.spec.command or ""
    name = os.path.basename(program).lower()
    if re.fullmatch(r"python[0-9.]*(\.exe)?|pypy[0-9.]*", name) or name in PYTHON_RUNNERS:
        return True
    try:
        with open(program, "rb") as handle:
            first = handle.readline(256)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def _held_back(probe: Probe, step: str, facts: dict[str, Any]) -> CheckFailed:
    """A stdio server whose answers came only once envcheck closed its stdin, as it exited: it
    holds what it writes to stdout in a buffer (a pipe is block-buffered, not line-buffered) and
    flushes it at exit; a client, waiting for each answer, never gets one."""
    spec = probe.spec
    method = step_method(probe, step)
    why = (
        f"the server wrote its answer to {method} only when envcheck, after {spec.timeout:g} s, "
        "closed its stdin and it exited: it keeps what it writes to stdout in a buffer (stdout "
        "is a pipe, not a terminal, so it is block-buffered) and flushes it only at exit; a "
        "client waits for each answer before it sends the next request, so it never gets one"
    )
    if _python_server(probe):
        value = {"PYTHONUNBUFFERED": "1"}
        where = (
            f'env = {{ PYTHONUNBUFFERED = "1" }} in {spec.settings}'
            if spec.origin == "pyproject"
            else f'"env": {{"PYTHONUNBUFFERED": "1"}} in {spec.settings}'
        )
        text = (
            f"set {where} (Python then writes stdout unbuffered), and tell the server's authors "
            "to flush stdout after each message (print(..., flush=True))"
        )
        step_ = _fixes.set_step(spec, "env.PYTHONUNBUFFERED", value["PYTHONUNBUFFERED"], text)
        fix = Fix([step_], text=text)
    else:
        text = (
            "report it to the server's authors: it must flush stdout after each message it "
            "writes (C: fflush, or setvbuf to line buffering; Go: Flush the bufio.Writer)"
        )
        fix = _fixes.ask(text, "the server's authors")
    return CheckFailed(
        f"{spec.name}: no answer to {method} within {spec.timeout:g} s: the server holds its "
        "stdout in a buffer",
        why=why,
        fix=fix,
        facts={**facts, "late_answers": len(probe.child.late)},
    )


def _endpoint_elsewhere(spec: ServerSpec, attempt: Attempt) -> str | None:
    """The SSE ``endpoint`` event's URL, when it is on another origin than the stream's."""
    if attempt.endpoint is None:
        return None
    target = urllib.parse.urljoin(spec.url or "", attempt.endpoint)
    return target if _origin(target) != _origin(spec.url or "") else None


def _endpoint_refused(spec: ServerSpec, target: str, facts: dict[str, Any]) -> CheckFailed:
    shown = redact.clean(target, 200)
    scheme, netloc = _origin(spec.url or "")
    text = (
        f"make the server (or the proxy in front of it) announce its message endpoint on "
        f"{scheme}://{netloc}, the origin clients connect to: a path such as /messages/ (behind "
        "a proxy: the public host it is reached at), or set url to the server's own address"
    )
    return CheckFailed(
        f"{spec.name}: the SSE endpoint event names {shown}, on another origin than {spec.url}",
        why="over HTTP+SSE the server's endpoint event tells the client where to POST its "
        "messages; MCP clients POST only to the origin of the stream (scheme, host and port) "
        "and refuse this one, so the handshake never starts",
        fix=_fixes.ask(text, "whoever runs the server"),
        facts={**facts, "endpoint": shown},
    )


def _answers_on_stderr(probe: Probe) -> list[str]:
    """The requests envcheck sent whose JSON-RPC answers (``"jsonrpc": "2.0"``, the request's
    ``id``, a ``result`` or an ``error``) the stdio server wrote on stderr instead of stdout."""
    import json

    if probe.spec.transport != "stdio":
        return []
    answered = []
    for line in probe.child.stderr.text().splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if (
            isinstance(message, dict)
            and message.get("jsonrpc") == "2.0"
            and ("result" in message or "error" in message)
            and message.get("id") in probe.wire.sent
        ):
            answered.append(probe.wire.sent[message["id"]])
    return answered


def _replies_on_stderr(probe: Probe, methods: list[str], facts: dict[str, Any]) -> CheckFailed:
    spec = probe.spec
    text = (
        "make the server write its JSON-RPC messages to stdout, one per line (stderr is only "
        "for its logs), or update it to a version that does"
    )
    return CheckFailed(
        f"{spec.name}: writes its answers on stderr, not stdout: the answer to {methods[0]} "
        "came on stderr",
        why="MCP's stdio transport reads the server's messages from its stdout only; stderr is "
        "for logs, which clients show or drop but never read as messages, so no answer arrives",
        fix=_fixes.ask(text, "the server's authors"),
        facts={**facts, "answered_on_stderr": methods},
    )


def _stray_error(probe: Probe, step: str, error: dict[str, Any]) -> CheckFailed:
    spec = probe.spec
    code = error.get("code")
    meaning = RPC_MEANINGS.get(code, "a server-defined error") if isinstance(code, int) else "?"
    text = (
        "upgrade the server (or report it to its authors): it cannot read the requests of "
        "current MCP clients"
    )
    return CheckFailed(
        f"{spec.name}: {step} failed: the server answered MCP error {code} to no request "
        '("id": null)',
        why=f"a JSON-RPC error without an id means the server could not tell which request it "
        f"answers ({meaning}): it could not read envcheck's {step_method(probe, step)} request; "
        f"its message: {redact.clean(str(error.get('message', '')), 120)!r}",
        fix=_fixes.ask(text, "the server's authors"),
    )


def _version_header_refused(probe: Probe, step: str, version: str, method: str) -> CheckFailed:
    """A streamable HTTP server that answered 400 to a request carrying the
    ``MCP-Protocol-Version`` header, and 2xx to the same request without it."""
    spec = probe.spec
    text = (
        f"update the server at {_hostport(spec)} (or its MCP SDK) to one that accepts the "
        f"MCP-Protocol-Version header with the version it negotiates ({version}), or make the "
        "proxy in front of it pass that header unchanged; report it to the server's authors"
    )
    return CheckFailed(
        f"{spec.name}: {step} failed: HTTP 400 to {method} carrying MCP-Protocol-Version: "
        f"{version}, which the server agreed to in initialize",
        why="the Streamable HTTP transport has clients send the negotiated version in the "
        "MCP-Protocol-Version header on every request after initialize; the server answered "
        f"400 to {method} with that header and answered the same request without it, so it "
        "refuses the very version it negotiated (every current client sends the header)",
        fix=_fixes.ask(text, "the server's authors"),
        facts={"protocol_version_header": version},
    )


def _invalid_error(probe: Probe, step: str) -> CheckFailed | None:
    """The server answered the step's request (tied by its id over stdio, by the POST that
    carried it over HTTP) with a JSON-RPC error whose code is not an integer."""
    spec, method = probe.spec, step_method(probe, step)
    if spec.transport == "stdio":
        ids = [ident for ident, sent in probe.wire.sent.items() if sent == method]
        invalid = [probe.child.invalid_errors[i] for i in ids if i in probe.child.invalid_errors]
    else:
        invalid = [a.invalid_errors[method] for a in probe.attempts if method in a.invalid_errors]
    if not invalid:
        return None
    from envcheck.mcpkit._stdio import error_flaw

    _, why, text = _SHAPES["error-code"]
    tail = probe.child.stderr_tail() if spec.transport == "stdio" else ""
    return CheckFailed(
        f"{spec.name}: {step} failed: the answer to {method} is an invalid JSON-RPC error "
        f"({error_flaw(invalid[0])}): {invalid[0]}",
        why=why + (f"; its stderr ends: {tail}" if tail else ""),
        fix=_fixes.ask(text, "the server's authors"),
        facts={"invalid_error": invalid[0]},
    )


def _events_as_json(probe: Probe, step: str) -> CheckFailed | None:
    """A 2xx ``application/json`` answer whose body is an SSE stream of JSON-RPC messages (the
    events a ``text/event-stream`` answer carries): the server labels its stream wrongly."""
    spec = probe.spec
    found = next((a.events_as_json for a in probe.attempts if a.events_as_json), None)
    if spec.transport == "stdio" or found is None:
        return None
    method = step_method(probe, step)
    text = (
        "report it to the server's authors: an answer written as SSE events (event: message, "
        "data: ...) must be sent with Content-Type: text/event-stream, or the JSON-RPC message "
        "itself sent as application/json"
    )
    return CheckFailed(
        f"{spec.name}: {step} failed: the answer to {found} is an SSE event stream sent as "
        "application/json",
        why="its body is SSE events (event: message, then data: lines) whose data are JSON-RPC "
        "messages, but its Content-Type says application/json: a client parses such an answer "
        "as one JSON text and fails (Streamable HTTP answers a POST with either "
        "application/json, the message itself, or text/event-stream, its events)"
        + (f"; {method} was not answered" if method != found else ""),
        fix=_fixes.ask(text, "the server's authors"),
        facts={"events_as_json": found},
    )


def _messages_in_json(probe: Probe, step: str) -> CheckFailed | None:
    """A 2xx ``application/json`` answer to the step's request whose body holds several
    JSON-RPC messages one after another (newline-delimited, as a stdio server writes them),
    where the transport has one JSON object."""
    spec, method = probe.spec, step_method(probe, step)
    found = next(
        (a.messages_in_json[method] for a in probe.attempts if method in a.messages_in_json), None
    )
    if spec.transport == "stdio" or found is None:
        return None
    text = (
        "report it to the server's authors: a POST carrying a request must be answered with "
        "one JSON-RPC message as application/json, or as text/event-stream (one event per "
        "message) when notifications or requests go before the response"
    )
    return CheckFailed(
        f"{spec.name}: {step} failed: the application/json answer to {method} holds "
        f"{len(found)} JSON-RPC messages ({', '.join(found[:4])})",
        why="by the Streamable HTTP transport a POST carrying a request is answered with "
        "application/json holding one JSON object, or with text/event-stream, whose events may "
        "carry notifications and requests before the response; this body holds several "
        "messages one after another (newline-delimited, as a stdio server writes them, passed "
        "on as they are): a client parses it as one JSON text and fails the request",
        fix=_fixes.ask(text, "the server's authors"),
        facts={"messages_in_json": len(found)},
    )


def _jsonrpc_version(probe: Probe, step: str) -> CheckFailed | None:
    """The 2xx answer to the step's request (its ``application/json`` body, or an event of its
    SSE stream) is a JSON-RPC response but for its ``jsonrpc`` member, missing or not "2.0"."""
    spec, method = probe.spec, step_method(probe, step)
    found = next(
        (a.jsonrpc_versions[method] for a in probe.attempts if method in a.jsonrpc_versions), None
    )
    if spec.transport == "stdio" or found is None:
        return None
    held = 'without "jsonrpc"' if found == "missing" else f'with "jsonrpc": {found}'
    text = (
        'report it to the server\'s authors: every message it sends must carry "jsonrpc": '
        '"2.0" (update the server, or its MCP SDK, to one that does)'
    )
    return CheckFailed(
        f"{spec.name}: {step} failed: the server answered {method} {held}",
        why=f"its answer to {method} is a JSON-RPC response (the request's id, a result or an "
        'error) but for its "jsonrpc" member: every MCP message is a JSON-RPC 2.0 message with '
        '"jsonrpc": "2.0", and a client refuses one without it, so the answer never arrives'
        + (" (the endpoint speaks MCP: it answered initialize)" if method != "initialize" else ""),
        fix=_fixes.ask(text, "the server's authors"),
        facts={"jsonrpc": found},
    )


def _odd_id(probe: Probe, step: str) -> CheckFailed | None:
    """The 2xx answer to the step's request (or, for the handshake, to ``server/discover``
    before it) is a JSON-RPC response but for its ``id``, which is neither a string nor an
    integer (``1.0``): no client can match it to its request."""
    spec, method = probe.spec, step_method(probe, step)
    asked = (method, "server/discover") if step == "initialize" else (method,)
    noted = [(m, a.odd_ids[m]) for a in probe.attempts for m in asked if m in a.odd_ids]
    if spec.transport == "stdio" or not noted:
        return None
    answered, found = noted[0]
    text = (
        "report it to the server's authors: it must write back each request's id as the "
        "request carried it, a string or integer (update the server, or its JSON-RPC "
        "library, so that it keeps integer ids integers)"
    )
    return CheckFailed(
        f"{spec.name}: {step} failed: the server answered {answered} with the id {found}",
        why=f"its answer to {answered} is a JSON-RPC response but for its id, {found}: an MCP "
        "request carries a string or integer id and its response the same id (Basic › "
        "Messages); a client refuses an id that is neither, so the answer never arrives (a "
        "number with a fraction is how a JSON library that reads every number as a double "
        "writes an integer back)",
        fix=_fixes.ask(text, "the server's authors"),
        facts={"id": found},
    )


def _both_members(probe: Probe, step: str) -> CheckFailed | None:
    """The server answered the step's request (tied by its id over stdio, by the POST that
    carried it over HTTP) with a response carrying both ``result`` and ``error``."""
    spec, method = probe.spec, step_method(probe, step)
    if spec.transport == "stdio":
        ids = [ident for ident, sent in probe.wire.sent.items() if sent == method]
        found = [probe.child.both_members[i] for i in ids if i in probe.child.both_members]
    else:
        found = [a.both_members[method] for a in probe.attempts if method in a.both_members]
    if not found:
        return None
    text = (
        f"report it to the server's authors: its answer to {method} must carry either a result "
        "(when the request succeeded) or an error (when it failed), never both"
    )
    return CheckFailed(
        f"{spec.name}: {step} failed: the answer to {method} carries both a result and an "
        f"error ({found[0]})",
        why="a JSON-RPC 2.0 response carries the result member or the error member, and never "
        "both (JSON-RPC 2.0, 5); a client that meets both takes the error (the MCP SDKs do), so "
        f"what the result held is lost and {method} fails in every client",
        fix=_fixes.ask(text, "the server's authors"),
        facts={"both_members": found[0]},
    )


def _not_utf8_answer(probe: Probe, step: str) -> CheckFailed | None:
    """The stdio server answered the step's request (tied by its id) with a line holding bytes
    that are not UTF-8."""
    spec, method = probe.spec, step_method(probe, step)
    if spec.transport != "stdio":
        return None
    ids = [ident for ident, sent in probe.wire.sent.items() if sent == method]
    bad = [probe.child.not_utf8[i] for i in ids if i in probe.child.not_utf8]
    if not bad:
        return None
    _, why, text = _SHAPES["not-utf-8"]
    tail = probe.child.stderr_tail()
    return CheckFailed(
        f"{spec.name}: {step} failed: the answer to {method} is not UTF-8 ({bad[0]})",
        why="MCP's stdio transport carries JSON-RPC messages encoded in UTF-8 only; the line "
        f"answering {method} holds bytes that are not (text in a legacy encoding such as "
        "Latin-1 or cp1252), and a client that decodes stdout as UTF-8 (the MCP SDKs) fails on "
        "it" + (f"; its stderr ends: {tail}" if tail else ""),
        fix=_fixes.ask(text, "the server's authors"),
        facts={"not_utf8": bad[0]},
    )


def _unusable_http_answer(probe: Probe, step: str, cause: BaseException) -> CheckFailed | None:
    """The POST of the step's request was answered, but its answer holds no usable response: a
    JSON-RPC error whose code is not an integer, an empty body, or an SSE stream that ended
    before the response."""
    from mcp import MCPError
    from mcp_types import CONNECTION_CLOSED

    spec, method = probe.spec, step_method(probe, step)
    empty = [a.empty_answers[method] for a in probe.attempts if method in a.empty_answers]
    if empty:
        text = (
            f"report it to the server's authors (or whoever runs the proxy in front of "
            f"{_hostport(spec)}): a POST carrying a JSON-RPC request must be answered with its "
            "response, in application/json or text/event-stream"
        )
        return CheckFailed(
            f"{spec.name}: {step} failed: HTTP {empty[0]} with an empty body to {method}",
            why=f"the server answered the POST of the {method} request {empty[0]} "
            "application/json without a body: no JSON-RPC response came (a request is "
            "answered with its response; only notifications and responses get 202 Accepted "
            "without a body), so no client "
            "gets an answer; a server whose handler returned nothing, or a proxy that drops "
            "bodies",
            fix=_fixes.ask(text, "the server's authors"),
        )
    # (the SDK itself passes on a CONNECTION_CLOSED error for the request: no server's answer)
    if (
        isinstance(cause, MCPError)
        and cause.code == CONNECTION_CLOSED
        and method not in probe.wire.results
        and any(method in a.streamed for a in probe.attempts)
    ):
        text = (
            f"report it to the server's authors: its SSE answer to {method} must carry the "
            "response before the stream ends (a server that closes streams early gives event "
            "ids and retry, so clients resume with Last-Event-ID); or raise the read timeout of "
            f"the proxy in front of {_hostport(spec)} if one cuts long streams"
        )
        others = [e for a in probe.attempts for e in a.other_events]
        if others:
            text = (
                f"report it to the server's authors: its SSE answer to {method} must carry the "
                "JSON-RPC response in an event of type message (or with no event: field), "
                f"not {others[0]!r}"
            )
            return CheckFailed(
                f"{spec.name}: {step} failed: the SSE stream answering {method} sent its events "
                f"as event: {others[0]}, not event: message",
                why=f"the server answered the POST of {method} with an SSE stream whose events "
                f"are of type {', '.join(map(repr, others))}; clients take JSON-RPC messages "
                "only from message events (the SSE default type) and skip other types, so the "
                "response the stream held never reached the client",
                fix=_fixes.ask(text, "the server's authors"),
                facts={"sse_event_types": others},
            )
        refused = [(i, c) for a in probe.attempts for i, c in a.resumptions if c >= 300]
        if refused:
            event, code = refused[0]
            text = (
                f"report it to the server's authors: a server that closes the SSE stream "
                f"answering {method} before its response must serve the GET with Last-Event-ID "
                "that resumes it (MCP 2025-11-25, Streamable HTTP › Resumability and "
                "Redelivery), or keep the stream open until the response"
            )
            return CheckFailed(
                f"{spec.name}: {step} failed: the SSE stream answering {method} ended before "
                f"its response, and resuming it (GET with Last-Event-ID: {event}) was answered "
                f"HTTP {code}",
                why=f"the server answered the POST of {method} with an SSE stream whose events "
                "carry ids and closed it before the JSON-RPC response, as a server does for the "
                "client to resume the stream with a GET carrying Last-Event-ID; it answered "
                f"that GET {code}, so the response never reaches any client",
                fix=_fixes.ask(text, "the server's authors"),
                facts={"resumed": event, "status": code},
            )
        return CheckFailed(
            f"{spec.name}: {step} failed: the SSE stream answering {method} ended without its "
            "response",
            why=f"the server answered the POST of {method} with an SSE stream (text/event-stream) "
            "and the stream ended before the JSON-RPC response came"
            + (
                " (its events carried ids, and resuming it brought no response)"
                if any(a.event_ids for a in probe.attempts)
                else ", its events without an id to resume it from"
            )
            + ": the server closes the stream early (its handler failed after it started), or "
            "a proxy between envcheck and the server cut it",
            fix=_fixes.ask(text, "the server's authors"),
        )
    return None


def answered_error(probe: Probe, step: str, cause: BaseException) -> bool:
    """Whether ``cause`` is the JSON-RPC error a stdio server answered the step's request with
    (its line on stdout carried that code for that request), not the SDK's own."""
    from mcp import MCPError

    if probe.spec.transport != "stdio" or not isinstance(cause, MCPError):
        return False
    return probe.wire.errors.get(step_method(probe, step), {}).get("code") == cause.code


def _the_servers_error(probe: Probe, step: str, code: int) -> bool:
    """Whether ``code`` came from the server as the answer to the step's request (a JSON-RPC
    error over the wire), not from the SDK, which uses -32000 and -32001 for a closed connection
    and a timeout: over stdio the wire holds only the server's lines; over HTTP the 2xx JSON
    answer of the request's POST carried it."""
    from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT

    if code not in (CONNECTION_CLOSED, REQUEST_TIMEOUT):
        return False
    method = step_method(probe, step)
    if probe.spec.transport == "stdio":
        return probe.wire.errors.get(method, {}).get("code") == code
    return any(a.rpc_errors.get(method) == code for a in probe.attempts)


def _result_not_object(probe: Probe, step: str, held: str) -> CheckFailed:
    """The request's answer is a JSON-RPC response with the request's id, but its result is
    not an object (or it has neither result nor error)."""
    spec, method = probe.spec, step_method(probe, step)
    text = (
        f"report it to the server's authors: its answer to {method} must carry a result object "
        "(or an error)"
    )
    return CheckFailed(
        f"{spec.name}: {step} failed: the answer to {method} has {held}",
        why=f"the server answered {method} with a JSON-RPC response (the request's id) that has "
        f"{held}: a JSON-RPC 2.0 response carries exactly one of result and error, and every "
        "MCP result is an object (schema.ts), so clients drop the answer and the request never "
        "gets one",
        fix=_fixes.ask(text, "the server's authors"),
        facts={"answer": held},
    )


def _refused_request(probe: Probe, step: str) -> CheckFailed | None:
    """The POST of the step's request was answered with an HTTP error status after the
    handshake was answered on the same endpoint: the status's meaning, named, and the answer's
    words (a 404 to the session's own id is :func:`_session_lost`)."""
    spec, method = probe.spec, step_method(probe, step)
    found = [a for a in probe.attempts if method in a.refused_requests]
    if not found:
        return None
    attempt = found[0]
    status, media, shown = attempt.refused_requests[method]
    if status == 404 and attempt.session_lost:
        return None
    meaning = HTTP_MEANINGS.get(
        status, "a server error" if status >= 500 else "the request was refused"
    )
    said = f" ({media or 'no Content-Type'}: {shown!r})" if shown else ""
    why = (
        f"the server answered the handshake on this endpoint, then the POST of {method} with "
        f"HTTP {status} ({meaning}){said}"
    )
    look_text, look = _look(spec)
    steps: list[Step] = [look]
    text = look_text
    sent = _sent_credentials(spec)
    if status == 401:
        how = f"with the same {' and '.join(sent)}" if sent else "without credentials"
        why += (
            f": the handshake was accepted {how}, so the credentials were taken for it and "
            f"refused for {method}: they expired within the session, or {method} needs "
            "credentials (or a scope) the handshake did not"
        )
        text = f"check the credentials the server wants for {method}; {look_text}"
    elif status in (401, 403) and _bearer(attempt).get("error") == "insufficient_scope":
        return _scope_for(probe, step, attempt, status)
    elif status == 403:
        challenge = " ".join(attempt.challenges)
        why += (
            "; the credentials were accepted (403 is not a failed authentication): they are not "
            f"allowed {method}"
            + (f" (its WWW-Authenticate: {redact.clean(challenge, 160)})" if challenge else "")
        )
        text = f"ask the server's administrators for access to {method}; {look_text}"
    elif status in (429, 503) and attempt.retry_after:
        why += f"; it asks to retry after {redact.clean(attempt.retry_after, 40)}"
        text = f"run envcheck again after {redact.clean(attempt.retry_after, 40)} s; {look_text}"
    steps = [Manual(text)] if text != look_text else steps
    return CheckFailed(
        f"{spec.name}: {step} failed: HTTP {status} to {method}",
        why=why,
        fix=Fix(steps, text=text),
        facts={"status": status, "method": method},
    )


def _request_redirected(probe: Probe, step: str) -> CheckFailed | None:
    """The POST of the step's request was answered with a redirect the client did not follow
    (another origin, or a method-changing status): the SDK reports it as its own -32600, which
    is not the server's JSON-RPC error; the redirect, named for the request."""
    method = step_method(probe, step)
    found = [
        a.redirected_requests[method] for a in probe.attempts if method in a.redirected_requests
    ]
    if not found:
        return None
    status, target = found[0]
    moved = _redirected(probe.spec, target, followed=False, status=status)
    return CheckFailed(
        f"{probe.spec.name}: {step} failed: HTTP {status} to {method}: {moved.summary}",
        why=f"the handshake was answered on this endpoint, then the POST of {method} was "
        f"redirected: {moved.why}",
        fix=moved.fix,
        facts={"status": status, "method": method},
    )


def _scope_for(probe: Probe, step: str, attempt: Attempt, status: int) -> CheckFailed:
    """A request after the handshake answered ``insufficient_scope`` (the MCP authorization
    specification's scope challenge, step-up authorization): the token is good for the
    handshake and lacks the scope this request needs, named by the challenge."""
    spec, method = probe.spec, step_method(probe, step)
    params = _bearer(attempt)
    needed = redact.clean(params.get("scope", ""), 120)
    described = redact.clean(params.get("error_description", ""), 120)
    metadata = redact.clean(params.get("resource_metadata", ""), 160)
    sent = ", ".join(_sent_credentials(spec)) or "Authorization"
    wanted = f"the scope {needed}" if needed else "the scope it requires"
    where = (
        f" from the authorization server its protected-resource metadata ({metadata}) names"
        if metadata
        else ""
    )
    text = f"get a token with {wanted}{where} and put it where the {sent} header takes it from"
    login = _signs_in(spec)
    if login is not None:
        text += f"; or {login} and grant {wanted}"
    if step == "call" and spec.call is not None:
        text += (
            f"; or set call.tool in {spec.settings} to a tool the token's scopes allow (the "
            "smoke call needs no more than a client's first use)"
        )
    return CheckFailed(
        f"{spec.name}: {step} failed: HTTP {status} insufficient_scope to {method}: the token "
        f"lacks {wanted}",
        why=f"the server answered the handshake (and the requests before {method}) with this "
        f"token, then {method} with HTTP {status} and WWW-Authenticate: Bearer "
        f'error="insufficient_scope"'
        + (f', scope="{needed}"' if needed else "")
        + ": by the MCP authorization specification the token lacks a scope this request "
        "needs (a client asks the user to authorize it: step-up authorization)"
        + (f"; the server says: {described}" if described else ""),
        fix=Fix([Manual(text)], text=text),
        facts={"status": status, "method": method, "scope": needed},
    )


def _session_lost(probe: Probe, step: str) -> CheckFailed:
    """A streamable HTTP server that answered 404 to a request carrying the ``Mcp-Session-Id``
    it gave with the ``initialize`` result: the session is unknown where the request landed."""
    spec = probe.spec
    if any(a.session_renewed for a in probe.attempts):
        return _session_ends(probe, step)
    text = (
        f"route every request of a session to the same instance of the server at "
        f"{_hostport(spec)} (sticky sessions on the load balancer, keyed on the Mcp-Session-Id "
        "header), run a single instance, or run the server stateless (no session id); then run "
        "envcheck again"
    )
    return CheckFailed(
        f"{spec.name}: {step} failed: the server answered 404 to its own session "
        f"(Mcp-Session-Id), to {step_method(probe, step)}",
        why="the server gave an Mcp-Session-Id with the initialize result, then answered HTTP "
        "404 to a request carrying it: by the Streamable HTTP transport, a 404 to a session id "
        "means the session no longer exists (the client must start a new one), and this server "
        "forgets it at once: replicas behind a load balancer without sticky sessions, or a "
        "server that keeps no sessions",
        fix=Fix([Manual(text)], text=text),
    )


def _session_ends(probe: Probe, step: str) -> CheckFailed:
    """The same 404 to the session's id, where a new ``initialize`` then gave a session that
    served a request (envcheck starts one, as the transport tells a client to): the server ends
    its sessions early, it does not lose them between instances."""
    spec, method = probe.spec, step_method(probe, step)
    served = max((a.session_served for a in probe.attempts), default=0)
    after = f" after {served} request(s)" if served else ""
    text = (
        f"report it to the server's authors (or whoever runs it at {_hostport(spec)}): keep a "
        "session until its client ends it (DELETE) or is idle for long, or run the server "
        "stateless (no Mcp-Session-Id); clients that start a new session on a 404 cope, the "
        "others lose the server"
    )
    return CheckFailed(
        f"{spec.name}: {step} failed: the server ended its session{after} (HTTP 404 to its "
        f"Mcp-Session-Id, to {method}); a new session serves the request",
        why="the server gave an Mcp-Session-Id with the initialize result and answered HTTP 404 "
        "to a later request carrying it: by the Streamable HTTP transport the session has "
        "ended and the client must start a new session with a new initialize; envcheck did, "
        "and the new session served the request: the server ends its sessions early (the "
        "request did not land on another instance that never knew the session); clients that "
        "stop at the 404 (the Python SDK's client does) lose it at the next request",
        fix=_fixes.ask(text, "the server's authors"),
        facts={"method": method},
    )


#: the content block types of a tool's result (schema.ts ``ContentBlock``, 2025-06-18 on)
CONTENT_TYPES = ("text", "image", "audio", "resource_link", "resource")


def _call_problem(probe: Probe) -> CheckFailed | None:
    """What the smoke call's answer is, read from the wire against the tool's own definition
    (from tools/list): a plain call of a tool that requires task-augmented execution
    (2025-11-25, ``execution.taskSupport``), a content block of a type MCP does not define, or a
    result without, or with non-conforming, ``structuredContent`` for a tool that declares an
    ``outputSchema`` (*Server › Tools › Output Schema*: it MUST conform; clients validate it)."""
    import jsonschema

    spec, call = probe.spec, probe.spec.call
    if call is None:
        return None
    tool = next((t for t in probe.tools if t.name == call.tool), None)
    shown = repr(redact.clean(call.tool, 60))
    ask = f"report it to the server's authors: tool {shown}"
    error = probe.wire.errors.get("tools/call")
    execution = getattr(tool, "execution", None)
    if error is not None and getattr(execution, "task_support", None) == "required":
        words = redact.clean(str(error.get("message", "")), 160)
        text = (
            f"set call.tool in {spec.settings} to a tool whose execution.taskSupport is not "
            '"required" (envcheck calls tools plainly, not as tasks), or remove call'
        )
        return CheckFailed(
            f"{spec.name}: call failed: tool {shown} requires task-augmented execution "
            f"(execution.taskSupport \"required\"): error {error.get('code')}: {words!r}",
            why="its tools/list entry says the tool must be called as a task (MCP 2025-11-25, "
            "Server › Tools › execution.taskSupport), and a server answers a plain tools/call of "
            "such a tool with an error (-32601): the server works, the smoke call cannot be made "
            "this way",
            fix=Fix([_fixes.set_step(spec, "call", None, text)], text=text),
            facts={"task_support": "required"},
        )
    result = probe.wire.results.get("tools/call")
    if result is None or tool is None:
        return None
    blocks = result.get("content")
    odd = [
        (i, b.get("type"))
        for i, b in enumerate(blocks if isinstance(blocks, list) else [])
        if isinstance(b, dict) and b.get("type") not in CONTENT_TYPES
    ]
    if odd:
        index, kind = odd[0]
        named = redact.clean(json.dumps(kind), 40)
        return CheckFailed(
            f"{spec.name}: call failed: the answer to tools/call holds content block {index} of "
            f"type {named}, which MCP does not define",
            why=f"a tool's result content is a list of blocks of type {', '.join(CONTENT_TYPES)} "
            "(schema.ts, ContentBlock); the SDK rejects the whole result for one block of "
            "another type, so no client can read the call's answer",
            fix=_fixes.ask(
                f"{ask} answers with a content block of type {named}; it must use one MCP "
                "defines (text with a link, or resource_link, for a video)",
                "the server's authors",
            ),
            facts={"content_type": kind},
        )
    schema = getattr(tool, "output_schema", None)
    if schema is None or result.get("isError"):
        return None
    ask += " declares an outputSchema; its result must carry structuredContent conforming to it"
    if "structuredContent" not in result:
        return CheckFailed(
            f"{spec.name}: call failed: tool {shown} declares an outputSchema but its result "
            "has no structuredContent",
            why="a tool that declares an outputSchema must return structuredContent that "
            "conforms to it (MCP 2025-06-18, Server › Tools › Output Schema), and clients "
            "validate it: the SDK rejects this result",
            fix=_fixes.ask(ask, "the server's authors"),
        )
    try:
        found = jsonschema.validators.validator_for(schema)(schema).iter_errors(
            result["structuredContent"]
        )
        first = jsonschema.exceptions.best_match(found)
    except jsonschema.SchemaError:
        return None
    if first is None:
        return None
    where = "/".join(str(p) for p in first.absolute_path) or "(the whole value)"
    return CheckFailed(
        f"{spec.name}: call failed: the structuredContent of tool {shown} does not conform to "
        f"its outputSchema at {redact.clean(where, 60)}: {redact.clean(first.message, 160)}",
        why="a tool that declares an outputSchema must return structuredContent that conforms "
        "to it (MCP 2025-06-18, Server › Tools › Output Schema), and clients validate it: the "
        "SDK rejects this result",
        fix=_fixes.ask(ask, "the server's authors"),
        facts={"structured_content_error": redact.clean(first.message, 160)},
    )


def _undecodable(probe: Probe, step: str, cause: BaseException) -> CheckFailed | None:
    """An HTTP answer whose body the client could not decode by its ``Content-Encoding``."""
    import httpx2

    if probe.spec.transport == "stdio" or not isinstance(cause, httpx2.DecodingError):
        return None
    spec, method = probe.spec, step_method(probe, step)
    coding = next((a.encodings[method] for a in probe.attempts if method in a.encodings), "")
    said = f"Content-Encoding: {coding}" if coding else "its Content-Encoding"
    text = (
        f"report it to the server's authors (or whoever runs the proxy in front of "
        f"{_hostport(spec)}): the answers must be encoded as their Content-Encoding says"
    )
    return CheckFailed(
        f"{spec.name}: {step} failed: the answer to {method} says {said} but its body is not "
        "encoded so",
        why="an HTTP client decodes a body by its Content-Encoding (RFC 9110 §8.4) and this "
        f"one could not be ({redact.clean(str(cause), 120)}): the server or a proxy set the "
        "header without compressing the body, or compressed it twice",
        fix=_fixes.ask(text, "the server's authors"),
        facts={"content_encoding": coding},
    )


def step_failed(probe: Probe, step: str, cause: BaseException) -> CheckFailed:
    import pydantic
    from mcp import MCPError
    from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT

    spec = probe.spec
    if spec.transport == "stdio" and probe.child.returncode is not None:
        if not answered_error(probe, step, cause):
            return exited(probe, step)
        # it answered the request with its JSON-RPC error, then exited: the error is its
        # account of the failure, the exit what followed
        failed = _rpc_error(probe, step, cause)
        code = probe.child.returncode
        how = f"signal {-code}" if code < 0 else f"code {code}"
        tail = probe.child.stderr_tail()
        after = f"; its stderr ends: {tail}" if tail else ""
        return CheckFailed(
            f"{failed.summary} (then it exited with {how})",
            why=f"{failed.why}; then the process exited with {how}{after}",
            fix=failed.fix,
            facts={**failed.facts, "exit_code": code},
        )
    invalid = (
        _invalid_error(probe, step)
        or _events_as_json(probe, step)
        or _both_members(probe, step)
        or _not_utf8_answer(probe, step)
        or _undecodable(probe, step, cause)
        or (_call_problem(probe) if step == "call" else None)
    )
    if invalid is not None:
        return invalid
    not_visible = next(
        (a.session_not_visible for a in probe.attempts if a.session_not_visible), None
    )
    if spec.transport != "stdio" and not_visible is not None:
        return session_not_visible(probe, step, not_visible)
    large = too_large(probe)
    if large is not None:
        return large
    if spec.transport != "stdio" and any(a.session_lost for a in probe.attempts):
        return _session_lost(probe, step)
    refused = next((a.version_refused for a in probe.attempts if a.version_refused), None)
    if spec.transport != "stdio" and refused is not None:
        return _version_header_refused(probe, step, *refused)
    if spec.transport != "stdio" and any(
        a.sessionless_400 and not a.session_given for a in probe.attempts
    ):
        return _session_not_given(probe, step)
    accepted = next((a.accepted_request for a in probe.attempts if a.accepted_request), None)
    if spec.transport != "stdio" and accepted is not None:
        return _accepted_request(spec, accepted)
    if spec.transport != "stdio":
        status_refused = _refused_request(probe, step) or _request_redirected(probe, step)
        if status_refused is not None:
            return status_refused
    if isinstance(cause, MCPError) and _the_servers_error(probe, step, cause.code):
        # the server's own -32000 or -32001 (in a JSON answer or an SSE stream's event), not
        # the SDK's "connection closed" or "timed out"
        return _rpc_error(probe, step, cause)
    if spec.transport != "stdio":
        unusable = _unusable_http_answer(probe, step, cause)
        if unusable is not None:
            return unusable
    if spec.transport != "stdio":
        held = [
            a.bad_results[m]
            for a in probe.attempts
            for m in [step_method(probe, step)]
            if m in a.bad_results
        ]
        if held:
            return _result_not_object(probe, step, held[0])
    if isinstance(cause, MCPError) and cause.code == REQUEST_TIMEOUT:
        return no_answer(probe, step, spec.timeout)
    if probe.wire.stray and not (isinstance(cause, MCPError) and cause.code != CONNECTION_CLOSED):
        return _stray_error(probe, step, probe.wire.stray[0])
    if isinstance(cause, MCPError) and cause.code == CONNECTION_CLOSED:
        what = "closed its stdout" if spec.transport == "stdio" else "closed the connection"
        text, look = _look(spec)
        waiting = ", ".join(probe.wire.waiting()) or step_method(probe, step)
        return CheckFailed(
            f"{spec.name}: {step} failed: the server {what} without answering {waiting}",
            why=(
                "it is still running (its process has not exited), and it"
                if spec.transport == "stdio"
                else "the server"
            )
            + f" {what} while envcheck's {waiting} waited for its answer: the transport says no "
            "more, so no cause is guessed; "
            + ("what it wrote to stderr (its log)" if spec.transport == "stdio" else "its log")
            + " says why",
            fix=Fix([look], text=text),
        )
    version = _version_problem(probe, step, cause)
    if version is not None:
        return version
    if isinstance(cause, pydantic.ValidationError):
        return _invalid_answer(probe, step, cause)
    if isinstance(cause, MCPError):
        return _rpc_error(probe, step, cause)
    untrusted = _certificate_error(cause)
    if spec.transport != "stdio" and untrusted is not None:
        named = _certificate_verdict(spec, cause)
        if named is not None:
            return named
        text = (
            f"make the certificate of {_hostport(spec)} trusted: give envcheck (and the "
            "clients) the CA that signed it (export SSL_CERT_FILE=<the CA's PEM file>), or give "
            "the server a certificate from a CA the system trusts"
        )
        return CheckFailed(
            f"{spec.name}: the TLS certificate of {_hostport(spec)} is not trusted: "
            f"{redact.clean(untrusted, 120)}",
            why="the TLS handshake failed on certificate verification (no HTTP request was "
            "sent): the certificate is self-signed, from a private CA, expired or for another "
            "host name",
            fix=Fix([Manual(text)], text=text),
        )
    alert = _tls.alert_of(cause) if spec.transport != "stdio" else None
    if alert is not None:
        name, reason = alert
        text = (
            f"look at the log of the server at {_hostport(spec)} (or of the TLS proxy in front "
            f"of it): it says why it sent {name!r}"
        )
        return CheckFailed(
            f"{spec.name}: {step} failed: TLS alert {name} ({reason}) from {_hostport(spec)}",
            why=f"the TLS handshake with {_hostport(spec)} ended with the alert {name!r} "
            f"({reason}), before {step_method(probe, step)} was sent: {_tls.ALERT_WHY}",
            fix=Fix([Manual(text)], text=text),
        )
    if spec.transport != "stdio" and _is_transport_error(cause):
        text, look = _look(spec)
        method = step_method(probe, step)
        return CheckFailed(
            f"{spec.name}: {step} failed: the HTTP connection broke ({describe(cause)})",
            why=f"the connection broke while envcheck waited for the answer to {method}: the "
            "server, or a proxy in front of it, ended it; the transport says no more, so no "
            "cause is guessed: the server's log says why",
            fix=Fix([look], text=text),
        )
    text, look = _look(spec, "to see what it does")
    return CheckFailed(
        f"{spec.name}: {step} failed: {describe(cause)}",
        why="the server's answer could not be used (outside what envcheck can explain)",
        fix=Fix([look], text=text),
    )


def _version_problem(probe: Probe, step: str, cause: BaseException) -> CheckFailed | None:
    """No protocol version in common: the ``initialize`` result names one this client does not
    speak, or the server answered -32022 with the versions it does."""
    from mcp import MCPError
    from mcp_types import INVALID_PARAMS, UNSUPPORTED_PROTOCOL_VERSION

    spec = probe.spec
    ours = sdk_versions()
    theirs: list[str] = []
    data = cause.data if isinstance(cause, MCPError) and isinstance(cause.data, dict) else {}
    if isinstance(cause, MCPError) and cause.code == UNSUPPORTED_PROTOCOL_VERSION:
        theirs = [str(v) for v in data.get("supported") or [] if isinstance(v, str)]
        how = "answered -32022 (unsupported protocol version)"
    elif (
        isinstance(cause, MCPError)
        and cause.code == INVALID_PARAMS
        and step == "initialize"
        and isinstance(data.get("supported"), list)
        and not set(data["supported"]) & set(ours)
    ):
        # the lifecycle's error for a version the server does not support (2025-06-18 and
        # earlier): -32602 whose data lists the versions it does
        theirs = [str(v) for v in data["supported"] if isinstance(v, str)]
        how = "answered initialize with -32602 (invalid params) and data.supported"
    elif step == "initialize" and isinstance(cause, RuntimeError):
        answered = probe.wire.results.get("initialize", {}).get("protocolVersion")
        if not isinstance(answered, str) or answered in ours:
            return None
        theirs = [answered]
        how = f"answered initialize with protocolVersion {redact.clean(answered, 40)!r}"
    else:
        return None
    speaks = ", ".join(redact.clean(v, 40) for v in theirs) or "(it named none)"
    newer = bool(theirs) and all(v > ours[-1] for v in theirs)
    text = (
        "upgrade the MCP SDK envcheck uses (pip install -U mcp) and the clients, or run a release "
        f"of the server that also speaks {ours[-2]} or {ours[-1]}"
        if newer
        else f"upgrade the server to a release that speaks {ours[-2]} or {ours[-1]} (every "
        "current MCP client needs one of them)"
    )
    return CheckFailed(
        f"{spec.name}: no protocol version in common: the server speaks {speaks}, this client "
        f"speaks {', '.join(ours)}",
        why=f"the server {how}; the MCP lifecycle ends the connection when the versions do not "
        "meet (the client disconnects)",
        fix=Fix([Manual(text)], text=text),
        facts={"server_versions": theirs, "client_versions": list(ours)},
    )


#: what a value must be, by the pydantic error type the SDK's model gives (JSON's kinds)
_KINDS = {
    "list_type": "an array",
    "dict_type": "an object",
    "string_type": "a string",
    "bool_type": "a boolean",
    "int_type": "an integer",
    "float_type": "a number",
}


def _is_member(part: Any) -> bool:
    """Whether a pydantic error location's part names a union's member (its model's class)."""
    return isinstance(part, str) and part[:1].isupper()


def _at(value: Any, loc: list[Any]) -> Any:
    """The raw JSON value at a pydantic location (members of unions skipped)."""
    for part in loc:
        if _is_member(part):
            continue
        if isinstance(value, dict) and isinstance(part, str):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        else:
            return None
    return value


def _union_member(
    errors: list[Any], raw: Any
) -> tuple[dict[str, Any], list[str], str, tuple[str, ...]] | None:
    """The errors of a value that may be one of several models (a content block: text, image,
    audio, resource_link, resource) narrowed to the member its ``type`` names: pydantic reports
    every member's errors, the first of them another member's ``type``. Returns the first error
    that member has, its location without the members' names, its message, and, when that
    member holds a union all of whose members miss one field each (an embedded resource's
    ``text`` or ``blob``), those fields."""
    if not errors:
        return None
    loc = list(errors[0].get("loc", ()))
    k = next((i for i, part in enumerate(loc) if _is_member(part)), None)
    if k is None:
        return None
    base = loc[:k]
    value = _at(raw, base)
    tag = value.get("type") if isinstance(value, dict) else None
    if not isinstance(tag, str):
        return None
    same = [e for e in errors if list(e.get("loc", ()))[:k] == base and len(e["loc"]) > k]
    members = list(dict.fromkeys(e["loc"][k] for e in same))
    refused = {e["loc"][k] for e in same if list(e["loc"][k + 1 :]) == ["type"]}
    chosen = [m for m in members if m not in refused]
    if len(chosen) != 1:
        return None
    own = [e for e in same if e["loc"][k] == chosen[0]]
    first = own[0]
    rest = list(first["loc"][k + 1 :])
    j = next((i for i, part in enumerate(rest) if _is_member(part)), None)
    either: tuple[str, ...] = ()
    if j is not None:
        inner = [list(e["loc"][k + 1 :]) for e in own]
        if all(
            e.get("type") == "missing" and len(p) == j + 2 and p[:j] == rest[:j]
            for e, p in zip(own, inner)
        ):
            either = tuple(dict.fromkeys(str(p[j + 1]) for p in inner))
            rest = rest[:j]
    shown = [str(p) for p in base + [p for p in rest if not _is_member(p)]]
    return first, shown, redact.clean(str(first.get("msg", "")), 120), either


def _invalid_answer(probe: Probe, step: str, cause: Any) -> CheckFailed:
    """The server's answer does not match the MCP schema (the SDK rejected all of it)."""
    spec = probe.spec
    method = step_method(probe, step)
    first = cause.errors()[0] if cause.errors() else {"loc": (), "msg": str(cause)}
    loc = [str(part) for part in first.get("loc", ())]
    msg = redact.clean(str(first.get("msg", "")), 120)
    raw = probe.wire.results.get(method, {})
    if len(loc) >= 2 and loc[0] == "tools" and loc[1].isdigit():
        listed = raw.get("tools")
        tools: list[Any] = listed if isinstance(listed, list) else []
        index = int(loc[1])
        tool = tools[index] if index < len(tools) and isinstance(tools[index], dict) else {}
        name = redact.clean(str(tool.get("name", f"#{index}")), 80)
        field = ".".join(loc[2:]) or "the entry"
        # the schema the error is in (inputSchema, outputSchema): both must be of type object
        schema = loc[2] if len(loc) > 2 and loc[2].endswith("Schema") else None
        # a keyword inside the schema (``inputSchema.required``) has its own JSON Schema type;
        # the schema itself, and its ``type``, must be an object of type "object"
        keyword = loc[3:] if schema else []
        kind = _KINDS.get(str(first.get("type", "")))
        if schema and keyword and keyword != ["type"]:
            rule = (
                f"{field} must be {kind} (JSON Schema 2020-12)"
                if kind
                else f"{field} must be what JSON Schema 2020-12 makes it ({msg})"
            )
            required = (
                f"every tool's {schema} to be a JSON Schema (2020-12 where $schema is absent), "
                f"in which {'.'.join(keyword)} is {kind or 'of another kind'}"
            )
        elif schema:
            rule = f'{field} must be a JSON Schema object with "type": "object"'
            required = f'every tool\'s {schema} to be a JSON Schema object of type "object"'
        else:
            rule = f"{field} must match the MCP schema: {msg}"
            required = f"every tool's {field} to match its type"
        text = (
            f"fix the definition of tool {name} in the server ({rule}), or report it to the "
            "server's authors"
        )
        return CheckFailed(
            f"{spec.name}: tool {name!r} has an invalid {field}: {msg}",
            why=f"the MCP schema requires {required}; the SDK (and every client built on it) "
            f"rejects the whole {method} answer, so none of the {len(tools)} tool(s) can be used",
            fix=_fixes.ask(text, "the server's authors"),
            facts={"tool": name, "field": field},
        )
    argument = _prompt_argument(probe, method, first, loc, raw, msg)
    if argument is not None:
        return argument
    member = _union_member(cause.errors(), raw)
    if member is not None:
        first, loc, msg, either = member
        if either:
            where = ".".join(loc)
            text = (
                "upgrade the server, or report the invalid answer to its authors: "
                f"{where} of its answer to {method} must carry {' or '.join(either)} (the MCP "
                "schema requires one of them)"
            )
            return CheckFailed(
                f"{spec.name}: {step} failed: the answer to {method} does not match the MCP "
                f"schema: {where} has none of {', '.join(either)}",
                why=f"the MCP schema makes {where} one of {len(either)} kinds, each with a "
                f"member of its own ({', '.join(either)}), and it has none; the SDK validates "
                "every answer against the schema and rejected this one",
                fix=_fixes.ask(text, "the server's authors"),
                facts={"field": where, "one_of": list(either)},
            )
    where = ".".join(loc) or "the result"
    given = first.get("input")
    if first.get("type") in ("model_type", "dict_type"):  # the schema's word, not pydantic's
        msg = re.sub(r"a valid dictionary( or instance of \w+)?", "a JSON object", msg)
    if first.get("type") != "missing" and isinstance(given, (str, int, float, bool)):
        msg = f"{msg} (it is {redact.clean(json.dumps(given), 60)})"
    entry = _listed_entry(loc, raw)
    text = "upgrade the server, or report the invalid answer to its authors"
    if loc and first.get("type") == "missing":  # a member the schema requires is absent
        text = (
            "upgrade the server, or report the invalid answer to its authors: its answer to "
            f"{method} must carry {where} (the MCP schema requires it)"
        )
    elif loc:
        text = (
            "upgrade the server, or report the invalid answer to its authors: "
            f"{where} of its answer to {method} must be as the MCP schema defines it ({msg})"
        )
    if entry is not None:  # the listed entry the error is in, by its name
        text += f"; it is in the {entry}"
    return CheckFailed(
        f"{spec.name}: {step} failed: the answer to {method} does not match the MCP schema: "
        f"{where}: {msg}" + (f", in the {entry}" if entry else ""),
        why=f"the SDK validates every answer against the protocol's schema and rejected this one "
        f"({where})"
        + (f"; it rejects the whole answer, so no {loc[0]} are listed" if entry else ""),
        fix=_fixes.ask(text, "the server's authors"),
    )


#: what the MCP schema makes each member of a ``PromptArgument`` (2025-11-25)
_PROMPT_ARGUMENT = {"name": "a string", "description": "a string", "required": "a boolean"}


def _prompt_argument(
    probe: Probe, method: str, first: Any, loc: list[str], raw: dict[str, Any], msg: str
) -> CheckFailed | None:
    """An argument of a listed prompt whose member is not of the schema's type
    (``prompts.<i>.arguments.<j>.<member>``: ``"required": "optional"``), named by the prompt's
    and the argument's names and the type the schema gives the member; None for any other
    error."""
    if not (
        len(loc) == 5
        and loc[0] == "prompts"
        and loc[2] == "arguments"
        and loc[1].isdigit()
        and loc[3].isdigit()
        and loc[4] in _PROMPT_ARGUMENT
        and first.get("type") != "missing"
    ):
        return None
    listed_prompts = raw.get("prompts")
    prompts: list[Any] = listed_prompts if isinstance(listed_prompts, list) else []
    prompt = _at(prompts, [int(loc[1])])
    argument = _at(prompt, ["arguments", int(loc[3])])
    if not isinstance(prompt, dict) or not isinstance(argument, dict):
        return None
    member, kind = loc[4], _PROMPT_ARGUMENT[loc[4]]
    name = redact.clean(str(prompt.get("name", f"#{loc[1]}")), 80)
    arg = redact.clean(str(argument.get("name", f"#{loc[3]}")), 80)
    given = redact.clean(json.dumps(argument.get(member)), 60)
    example = " (true or false)" if member == "required" else ""
    text = (
        f"fix the argument {arg!r} of prompt {name!r} in the server ({member} must be "
        f"{kind}{example}, not {given}), or report it to the server's authors"
    )
    spec = probe.spec
    return CheckFailed(
        f"{spec.name}: prompt {name!r}: its argument {arg!r} has {member} {given}, which the "
        f"MCP schema makes {kind}",
        why=f"the MCP schema (PromptArgument) makes an argument's {member} {kind}; the SDK "
        f"(and every client built on it) rejects the whole {method} answer, so none of the "
        f"{len(prompts)} prompt(s) can be used",
        fix=_fixes.ask(text, "the server's authors"),
        facts={"prompt": name, "argument": arg, "field": member},
    )


#: the listings whose entries have a ``name`` (tools are named by their own branch)
_LISTED_ENTRIES = {
    "resources": "resource",
    "resourceTemplates": "resource template",
    "prompts": "prompt",
}


def _listed_entry(loc: list[str], raw: dict[str, Any]) -> str | None:
    """The entry of a listing (``resources.0...``) an error is in, as "resource 'notes'" from the
    server's raw answer; None outside a listing or for an entry without a string name."""
    if len(loc) < 3 or loc[0] not in _LISTED_ENTRIES or not loc[1].isdigit():
        return None
    listed_ = raw.get(loc[0])
    index = int(loc[1])
    if (
        not isinstance(listed_, list)
        or index >= len(listed_)
        or not isinstance(listed_[index], dict)
    ):
        return None
    name = listed_[index].get("name")
    if not isinstance(name, str) or not name:
        return None
    return f"{_LISTED_ENTRIES[loc[0]]} {redact.clean(name, 80)!r}"


def _rpc_error(probe: Probe, step: str, cause: Any) -> CheckFailed:
    from mcp_types import (
        INTERNAL_ERROR,
        INVALID_PARAMS,
        METHOD_NOT_FOUND,
        MISSING_REQUIRED_CLIENT_CAPABILITY,
        URL_ELICITATION_REQUIRED,
    )

    spec = probe.spec
    code, method = cause.code, step_method(probe, step)
    summary = f"{spec.name}: {step} failed: MCP error {code}: {redact.clean(cause.message, 200)}"
    if code == -32700 and any(a.not_jsonrpc for a in probe.attempts):
        return _not_from_server(probe, step, cause)  # the SDK's own: the answer is not JSON-RPC
    meaning = RPC_MEANINGS.get(code)
    if meaning is None:
        kind = (
            "an implementation-defined error (-32000 to -32019: its meaning is the server's own)"
            if -32019 <= code <= -32000
            else "a server-defined error"
        )
        why = f"the server answered {method} with {kind}"
    else:
        why = f"the server answered {method} with a JSON-RPC error ({meaning})"
    if cause.data is not None and code not in (
        URL_ELICITATION_REQUIRED,
        MISSING_REQUIRED_CLIENT_CAPABILITY,
    ):
        # JSON-RPC's error.data holds what the server adds about the error: its own detail
        why += f"; its error data: {redact.clean(json.dumps(cause.data, default=str), 300)}"
    look_text, look = _look(spec)
    steps: list[Step] = [look]
    text = look_text
    if code == METHOD_NOT_FOUND and step == "ping":
        why += (
            "; the specification requires every server to answer ping (clients use it to "
            "tell a live server from a hung one)"
        )
        text = "report it to the server's authors: it does not answer ping"
        steps = [Manual(text, ask="the server's authors")]
    elif code == METHOD_NOT_FOUND and step in ("tools", "resources", "prompts"):
        why += f"; it advertises the {step} capability, so it must implement {method}"
        text = f"report it to the server's authors: it advertises {step} but has no {method}"
        steps = [Manual(text, ask="the server's authors")]
    elif code == INVALID_PARAMS and probe.wire.params.get(method, {}).get("cursor"):
        why += (
            f": it rejected the cursor it gave itself (nextCursor of the previous {method} "
            "page), a pagination bug in the server"
        )
        text = f"report it to the server's authors: {method} fails on its second page"
        steps = [Manual(text, ask="the server's authors")]
    elif (
        code == INVALID_PARAMS
        and step == "call"
        and spec.call is not None
        and _arguments_fit(probe, spec.call.tool, spec.call.arguments)
    ):
        # the arguments are valid against the tool's own inputSchema: its handler requires
        # what the schema does not declare (clients build arguments from the schema)
        tool = spec.call.tool
        why += (
            f": the arguments of call fit tool {tool}'s inputSchema (valid against it), so the "
            "server's handler requires more than (or other than) what its schema declares; a "
            "client that builds its arguments from the schema gets the same error"
        )
        text = (
            f"report it to the server's authors: tool {tool}'s inputSchema must declare what "
            f"its handler requires; until then, give call.arguments in {spec.settings} what the "
            "server's message names"
        )
        steps = [Manual(text, ask="the server's authors")]
    elif code == INVALID_PARAMS and step == "call" and spec.call is not None:
        required = _required_arguments(probe, spec.call.tool)
        why += f": the arguments of call do not fit tool {spec.call.tool}'s inputSchema"
        if required is not None:
            why += f" (it requires: {', '.join(required) or 'nothing'})"
        text = f"fix call.arguments in {spec.settings} to match tool {spec.call.tool}'s inputSchema"
        steps = [Manual(text)]
    elif code == URL_ELICITATION_REQUIRED:
        urls = _elicitation_urls(cause.data)
        why += (
            "; the user must open "
            + (", ".join(urls) if urls else "a URL the server names")
            + " before this request can succeed, and envcheck cannot"
        )
        text = (
            f"open {urls[0] if urls else 'the URL'} (connect the account), or choose a smoke call "
            f"that needs no user action in {spec.settings}"
        )
        steps = [Manual(text)]
    elif code == MISSING_REQUIRED_CLIENT_CAPABILITY:
        data = cause.data if isinstance(cause.data, dict) else {}
        needed = sorted((data.get("requiredCapabilities") or {}).keys())
        why += (
            f": it requires the client capabilit{'y' if len(needed) == 1 else 'ies'} "
            f"{', '.join(needed) or '(not named)'}, which envcheck does not declare"
        )
        text = f"choose a smoke call that needs no client capability in {spec.settings}"
        steps = [_fixes.set_step(spec, "call", None, text)]
    elif code == INTERNAL_ERROR and spec.transport == "stdio":
        tail = probe.child.stderr_tail()
        if tail:
            why += f"; its stderr ends: {tail}"
    logged = _logged_while(probe, method)
    if logged is not None:
        # the server's own log message (notifications/message, level error or worse) sent
        # while the request waited: its account of the failure
        why += f"; while {method} waited for its answer, the server logged {logged}"
        text = f"fix what the server's log message names; or {text}"
    asked = _asked_undeclared(probe, method)
    if asked is not None:
        asked_why, text = asked
        why += f"; {asked_why}"
        steps = [Manual(text, ask="the server's authors")]
    unanswerable = _null_id_request(probe, method)
    if unanswerable is not None:
        null_why, text = unanswerable
        why += f"; {null_why}"
        steps = [Manual(text, ask="the server's authors")]
    if spec.transport == "stdio" and code not in (URL_ELICITATION_REQUIRED, METHOD_NOT_FOUND):
        # a variable of this shell that the server names and did not get is the likely cause
        env_why, env_hint, env_step = environment(spec, probe.child.stderr_tail())
        if env_step is not None:
            why, text = f"{why}; {env_why}", f"{env_hint}; or {text}"
            steps = [env_step]
    return CheckFailed(summary, why=why, fix=Fix(steps, text=text), facts={"rpc_code": code})


def _logged_while(probe: Probe, method: str) -> str | None:
    """The last log message of level error or worse (``notifications/message``: *Server ›
    Utilities › Logging*) the server sent while envcheck's ``method`` waited for its answer,
    shown with its level and logger; ``None`` if it sent none."""
    found = [entry for entry in probe.wire.logged_errors if method in entry[3]]
    if not found:
        return None
    level, logger, data, _ = found[-1]
    said = data if isinstance(data, str) else json.dumps(data, default=str)
    source = f" from {redact.clean(logger, 60)}" if isinstance(logger, str) and logger else ""
    return f"(level {level}{source}) {redact.clean(said, 300)!r}"


#: the requests a server sends its client, by the client capability each needs (schema.ts:
#: ClientCapabilities; *Client › Roots*, *Sampling*, *Elicitation*)
CLIENT_CAPABILITIES = {
    "roots/list": "roots",
    "sampling/createMessage": "sampling",
    "elicitation/create": "elicitation",
}


def _asked_undeclared(probe: Probe, method: str) -> tuple[str, str] | None:
    """While envcheck's ``method`` waited, the server sent envcheck a request of a client
    capability envcheck did not declare in ``initialize``, and envcheck answered it with an
    error: why (the request, the capability) and the fix's words."""
    wire = probe.wire
    declared = wire.params.get("initialize", {}).get("capabilities")
    offered = declared if isinstance(declared, dict) else {}
    for ident, (request, waiting) in wire.asked.items():
        capability = CLIENT_CAPABILITIES.get(request)
        if capability is None or capability in offered or method not in waiting:
            continue
        if ident not in wire.refused:
            continue
        why = (
            f"before answering {method}, the server sent envcheck its own request {request}, "
            f"which needs the client capability {capability}; envcheck did not declare "
            f"{capability} in initialize and answered it with error {wire.refused[ident]} (by "
            "the MCP lifecycle both sides use only the capabilities negotiated there): the server "
            f"depends on {capability} without checking that the client offers it"
        )
        text = (
            f"report it to the server's authors: it sends {request} to clients that do not "
            f"declare {capability}, and fails {method} when refused; meanwhile use it from a "
            f"client that offers {capability}"
        )
        return why, text
    return None


def _null_id_request(probe: Probe, method: str) -> tuple[str, str] | None:
    """While envcheck's ``method`` waited, the server sent envcheck its own request with ``"id":
    null`` (noted by the stdio transport, :func:`envcheck.mcpkit._stdio.null_id_request`): why
    no client can answer it, and the fix's words."""
    sent = probe.wire.sent
    noted = [*probe.child.null_requests, *(r for a in probe.attempts for r in a.null_requests)]
    for request, waiting in noted:
        if not any(sent.get(ident) == method for ident in waiting):
            continue
        why = (
            f"before answering {method}, the server sent envcheck its own request {request} "
            'with "id": null; MCP (Basic › Messages) has a request\'s id be a string or an '
            "integer, never null, since the response carries it back: no client can answer "
            "it (the SDK's client reads it as a notification and drops it), and the server "
            f"waited for an answer that never comes before it answered {method}"
        )
        text = (
            "report it to the server's authors: its requests must carry a string or integer id "
            f'(never null); it sends {request} with "id": null'
        )
        return why, text
    return None


def _not_from_server(probe: Probe, step: str, cause: Any) -> CheckFailed:
    """An error the SDK made itself (no such error came over the wire): the server's answer
    could not be used, or the transport refused it."""
    from mcp_types import PARSE_ERROR

    spec = probe.spec
    method = step_method(probe, step)
    kinds = [k.split(";")[0].strip() for a in probe.attempts for k in a.content_types]
    labelled = (
        _events_as_json(probe, step)
        or _messages_in_json(probe, step)
        or _jsonrpc_version(probe, step)
        or _odd_id(probe, step)
        if cause.code == PARSE_ERROR
        else None
    )
    if labelled is not None:
        return labelled
    if cause.code == PARSE_ERROR:
        text = (
            f"check that {spec.url} is an MCP server's endpoint"
            if spec.url
            else f"{spec.look} to see what it prints"
        )
        bodies = [body for a in probe.attempts for body in a.not_jsonrpc]
        return CheckFailed(
            f"{spec.name}: {step} failed: the answer to {method} is not a JSON-RPC message",
            why="the server answered"
            + (f" ({kinds[-1]})" if kinds and kinds[-1] else "")
            + (f" {bodies[0]!r}" if bodies else "")
            + ", not a JSON-RPC response: it is not an MCP endpoint, or something in "
            "front of it answers instead",
            fix=Fix([Manual(text)], text=text),
        )
    text, look = _look(spec)
    return CheckFailed(
        f"{spec.name}: {step} failed: {redact.clean(cause.message, 200)}",
        why=f"the MCP SDK refused the exchange itself (its code {cause.code}; the server sent no "
        "such error)",
        fix=Fix([look], text=text),
    )


def _arguments_fit(probe: Probe, tool: str, arguments: Any) -> bool:
    """Whether ``arguments`` are valid against the ``inputSchema`` tool ``tool`` listed (JSON
    Schema, its own dialect or 2020-12); ``False`` when the tool or a usable schema is missing."""
    import jsonschema

    for item in probe.tools:
        if getattr(item, "name", None) != tool:
            continue
        schema = getattr(item, "input_schema", None)
        if not isinstance(schema, dict):
            return False
        try:
            validator = jsonschema.validators.validator_for(
                schema, default=jsonschema.Draft202012Validator
            )(schema)
            return bool(validator.is_valid(arguments if arguments is not None else {}))
        except (jsonschema.SchemaError, jsonschema.exceptions.RefResolutionError):
            return False
    return False


def _required_arguments(probe: Probe, tool: str) -> list[str] | None:
    for item in probe.tools:
        if getattr(item, "name", None) == tool:
            schema = getattr(item, "input_schema", None) or {}
            required = schema.get("required") if isinstance(schema, dict) else None
            return [str(r) for r in required] if isinstance(required, list) else []
    return None


def _elicitation_urls(data: Any) -> list[str]:
    items = data.get("elicitations") if isinstance(data, dict) else None
    found = []
    for item in items if isinstance(items, list) else []:
        url = item.get("url") if isinstance(item, dict) else None
        if isinstance(url, str):
            found.append(redact.clean(url, 200))
    return found


def _certificate_error(exc: BaseException | None) -> str | None:
    """OpenSSL's verification message, when a certificate check failed somewhere in the cause
    chain (httpx wraps :class:`ssl.SSLCertVerificationError`)."""
    import ssl

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return str(exc.verify_message or exc.reason or "certificate verify failed")
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


#: OpenSSL's verify codes (``X509_V_ERR_*``) that say which check of a trusted chain failed
_CERT_EXPIRED, _CERT_NOT_YET_VALID = 10, 9
_HOSTNAME_MISMATCH, _IP_ADDRESS_MISMATCH = 62, 64


def _verify_code(exc: BaseException | None) -> int | None:
    import ssl

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return int(exc.verify_code) if exc.verify_code is not None else None
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def _certificate_names(spec: ServerSpec) -> list[str]:
    """The names the server's certificate is for (its subjectAltName DNS names and addresses),
    read in a handshake that verifies the chain as the client does (httpx's context: the CA
    bundle or ``SSL_CERT_FILE``) but not the name; empty when that handshake fails too."""
    import socket
    import ssl

    import httpx2

    url = urllib.parse.urlsplit(spec.url or "")
    host, port = url.hostname or "", url.port or 443
    try:
        context = httpx2.create_ssl_context()  # a context of its own: no name checked
        context.check_hostname = False
        with socket.create_connection((host, port), timeout=min(spec.timeout, 3.0)) as sock:
            with context.wrap_socket(sock) as tls:
                cert = tls.getpeercert() or {}
    except (OSError, ValueError, ssl.SSLError):
        return []
    alt: Any = cert.get("subjectAltName") or ()
    return [str(pair[1]) for pair in alt if pair[0] in ("DNS", "IP Address")]


def _certificate_verdict(spec: ServerSpec, cause: BaseException) -> CheckFailed | None:
    """A certificate from a CA the client trusts that fails another check (OpenSSL's verify
    code): issued for other names (62 hostname, 64 IP address: the names read from it), expired
    (10) or not yet valid (9). Trusting a CA fixes none of them (found by the seventeenth
    held-out round, where the verdict said "self-signed, a private CA, expired or another host
    name" and fixed the trust)."""
    code = _verify_code(cause)
    where = _hostport(spec)
    host = urllib.parse.urlsplit(spec.url or "").hostname or ""
    said = redact.clean(_certificate_error(cause) or "", 160)
    if code in (_HOSTNAME_MISMATCH, _IP_ADDRESS_MISMATCH):
        names = _certificate_names(spec)
        shown = ", ".join(redact.clean(n, 100) for n in names[:6]) or "other names"
        other = next((n for n in names if "*" not in n), None)
        use = (
            f"use a name it is for in url ({spec.url.replace(host, other, 1)} if {other} "
            "resolves to the server), or "
            if other and spec.url
            else ""
        )
        text = (
            f"{use}give the server a certificate that names {host} (a subjectAltName "
            f"{'IP address' if code == _IP_ADDRESS_MISMATCH else 'DNS name'})"
        )
        return CheckFailed(
            f"{spec.name}: the TLS certificate of {where} is for {shown}, not {host}",
            why=f"the TLS handshake failed on the certificate's name ({said}, OpenSSL verify "
            f"code {code}; RFC 6125): its CA is trusted, but it does not name the host the URL "
            "connects to, and every client checks that (no HTTP request was sent)",
            fix=Fix([Manual(text)], text=text),
            facts={"verify_code": code, "certificate_names": names[:6]},
        )
    if code in (_CERT_EXPIRED, _CERT_NOT_YET_VALID):
        state = "has expired" if code == _CERT_EXPIRED else "is not valid yet"
        text = (
            f"renew the TLS certificate of {where} (its administrators)"
            if code == _CERT_EXPIRED
            else f"check the clock of this machine and of {where}, or reissue its certificate"
        )
        return CheckFailed(
            f"{spec.name}: the TLS certificate of {where} {state}",
            why=f"the TLS handshake failed on the certificate's validity ({said}, OpenSSL verify "
            f"code {code}; RFC 5280 4.1.2.5): its CA is trusted, and every client refuses a "
            "certificate outside its dates (no HTTP request was sent)",
            fix=Fix([Manual(text)], text=text),
            facts={"verify_code": code},
        )
    return None


def _is_transport_error(exc: BaseException) -> bool:
    import httpx2

    return isinstance(exc, (OSError, httpx2.TransportError))
