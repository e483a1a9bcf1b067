"""The twelfth held-out round of MCP breakages, after eleven rounds and the four sweeps (the
codes-and-statuses sweep, the wire sweep, the client-config sweep, the HTTP sweep): seven
breakages of *starting* a stdio server that no row of docs/verdicts/mcp.md, no earlier round and
no sweep pair lists, and three healthy neighbours, each made for real (scripts and a Node package
of this file, a project virtualenv, npx over a registry on 127.0.0.1 that answers 404), each
proven with the official ``mcp`` SDK's client (the wire sweep's judge).

Left out as covered (grepped first in tests/verdicts/*mcp*.py, tests/test_exec.py,
docs/verdicts/mcp.md and docs/verdicts/README.md), from the brief's list: a ``nextCursor`` that
never ends or repeats (rpc-cursor-loop, rpc-cursor-changes-repeats, the wire sweep's (g)),
-32601 to ``tools/list`` under the tools capability (rpc-32601), ``structuredContent`` against
``outputSchema`` (call-structured-content-invalid/-missing), a server ``ping`` during
initialization (srv-ping-before-initialize-result), a 404 for an expired ``Mcp-Session-Id``
(http-session-404, http-session-ends-after-one-request), 405 to the GET (http-405-get), a BOM or
CRLF on stdout (stdio-utf8-bom, stdio-crlf), ``envFile`` missing (cfg-envfile-missing), ``cwd``
missing (proc-cwd), ``${input:...}`` without its ``inputs`` entry (cfg-input-undeclared), npx
with no registry at all (npx-offline-not-cached). Left out as covered in tests/test_exec.py (the
shared exec diagnosis): a ``#!`` line ending in CR, an interpreter without its execute bit, a
name ``env`` cannot find. Grepped for what is left: a BOM before ``#!``, an over-long ``#!``
line (BINPRM_BUF_SIZE, 255, 256), ``env`` given two words without ``-S``, a script argument of
``node``/``python`` that does not exist (MODULE_NOT_FOUND, "can't open file", ``npm run
build``), ``ModuleNotFoundError`` of a stdio server, npm's ``E404``: none is a row, a round's
case or a sweep pair (``env -S`` is parsed by exec.py's ``env_name``, never tested as a line).

How the set was made (2026-12-07), from execve(2) (*Interpreter scripts*: "#!interpreter
[optional-arg]" ... "the maximum length of the #! line is 255 characters" before Linux 5.1, 256
bytes of buffer since, a longer line is refused with ENOEXEC; "optional-arg" is ONE argument,
blanks inside it kept), env(1) (``-S``/``--split-string``: "process and split S into separate
arguments; used to pass multiple arguments on shebang lines"), the MCP specification
(*Transports › stdio*: the client launches the server as a subprocess), Node's module loader,
Python's command line and import system, and npm's registry API:

- stdio-shebang-bom: a server script saved by an editor with a UTF-8 byte order mark
  (``EF BB BF`` then ``#!/usr/bin/env python3``): the kernel reads no ``#!`` at byte 0, so exec
  fails ENOEXEC although the line is there. A fully right verdict names the BOM before the
  ``#!`` and gives the command that removes it (run here: the server then passes).
- stdio-shebang-too-long: a script whose ``#!`` names an interpreter deep in the project (a
  virtualenv in a deep directory: a 300-byte path): the line does not fit the kernel's buffer,
  exec fails ENOEXEC. Fully right: the line's length and the limit named, the fix running the
  script through that interpreter (``command`` = the interpreter, the script its first argument:
  argv has no such limit), an edit run here.
- stdio-shebang-env-two-words: ``#!/usr/bin/env python3 -u``: the kernel passes ``python3 -u``
  as ONE argument, ``env`` finds no program of that name and exits 127. Fully right: the line's
  argument named as one word, fix ``#!/usr/bin/env -S python3 -u`` (a command run here).
- stdio-node-script-not-built: ``node servers/notes/build/index.js`` where ``build/`` is what the
  package's ``build`` script makes (TypeScript's outDir, here ``node make.js``) and was never
  run (a fresh clone): Node exits 1 (``MODULE_NOT_FOUND``) before any answer. Fully right: the
  script that does not exist named, fix ``npm run build`` in the package (run here).
- stdio-python-script-missing: ``python3 servers/wether/server.py`` (a typo of
  ``servers/weather``): Python exits 2 ("can't open file ... [Errno 2]"). Fully right: the
  argument named as a file that does not exist, fix the argument in ``args``; never "run it by
  hand" alone.
- stdio-python-module-missing: ``python3 servers/weather/server.py``, whose import
  ``heldout12_weather_sdk`` is installed in the project's ``.venv`` only (Claude Desktop and
  friends start ``python3`` from PATH, not the project's environment): exit 1,
  ``ModuleNotFoundError``. Fully right: the module named, the interpreter that has it
  (``.venv/bin/python``) as the fix, an edit of ``command`` run here.
- npx-package-not-in-registry: ``npx -y @heldout12/mcp-server-notess`` (a misspelt name) in
  Claude Code's ``.mcp.json``, npm's registry an HTTP server on 127.0.0.1 (``env.
  npm_config_registry``) that answers 404 to the package's document, as registry.npmjs.org does
  for a name nobody published: npx exits 1 with ``npm error code E404``. Fully right: the
  registry has no such package, the fix the package's name in ``args``; never "cannot be
  reached".
- Neighbours (legal; the SDK's client works with each): ``#!/usr/bin/env -S python3 -u``
  (stdio-shebang-env-split), ``#!<python> -u`` followed by blanks and a tab (the kernel strips
  them: stdio-shebang-argument-blanks), ``node servers/notes-built/build/index.js`` already built
  (stdio-node-script-built).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks). All ten are checked in one envcheck run, in
process; the runnable fixes are then carried out by envcheck's fixer and those servers checked
again.

Expectations committed before the first run: 97124ee.

First run (envcheck at 97124ee, the commit that added this file, before any change; graded by
the rules above, 2026-12-07): 10 cases, 3 fully right (the three neighbours: nothing failed or
warned), none of the 7 breakages; by the grade as written all 7 wrong (2 wrong causes, 5 whose
only fix is "run it by hand", which each case's ``never`` excludes: read by a person those 5 are
the honest fallback, partly right: the layer and the server's own stderr, no fix). No process
outlived the run. Cost: 3.6 user + 0.5 sys CPU-s (``-n 0``), 7 s of wall time.

- stdio-shebang-bom, wrong cause: "is not a program: it has no #! line and is not an executable
  binary", fix "add a first line naming its interpreter": it has one, behind the BOM;
- stdio-shebang-too-long, wrong cause: the same words for a file whose first line is a 322-byte
  ``#!`` line;
- stdio-shebang-env-two-words, partly (wrong as written): "exited with code 127 before
  answering ... /usr/bin/env: 'python3 -u': No such file or directory", fix "run ... by hand to
  see the error, and fix its arguments or environment" (env's own words; no ``-S``);
- stdio-node-script-not-built, partly (wrong as written): "exited with code 1 before answering
  ... code: 'MODULE_NOT_FOUND'", fix "run ... by hand"; the missing build not named;
- stdio-python-script-missing, partly (wrong as written): "exited with code 2 ... can't open
  file ... [Errno 2]", fix "run ... by hand";
- stdio-python-module-missing, wrong as written (the server's ``Traceback`` quoted, and "by
  hand"), partly read by a person: "exited with code 1 ... ModuleNotFoundError: No module named
  'heldout12_weather_sdk'", fix "run ... by hand ... env = { NAME = ... }": the project's
  ``.venv``, which has it, not named;
- npx-package-not-in-registry, partly (wrong as written): "exited with code 1 before answering
  ... npm error code E404 ...", fix "run ... by hand".

After (verdicts from structure: the file's first bytes and the kernel's buffer size, the
``#!`` line's one argument, the existence of an interpreter's script argument and the
``package.json`` above it, the traceback's exception type and ``importlib.util.find_spec`` in
the project's virtualenv, the registry's HTTP status for the package's document; none from a
message's words): 10 of 10 fully right, each a row of docs/verdicts/mcp.md (section 19,
``ROWS``) asserted on the run.

- exec.py (shared with every component that starts a program): a ``#!`` behind a UTF-8 BOM, a
  ``#!`` line whose interpreter runs past the 255 bytes the kernel reads, ``env`` given blanks
  in its one argument without ``-S``: each named before anything starts, with a command (``sed``
  on the first line) or, for the long line, the entry's command and args running the script
  through its interpreter.
- An interpreter (``python*``, ``node``, ``bun``, ``tsx``, ``ts-node``) whose script argument
  does not exist, taken from where the server runs: named before the spawn; under a package
  whose ``package.json`` has a ``build`` script the fix is ``npm run build`` there, else the
  path in ``args``.
- A Python server that stops on ``ModuleNotFoundError`` for a module the project's ``.venv``
  (``venv``, ``env``) has: the fix is that virtualenv's Python as ``command``.
- ``npx`` that exited before answering, its package in neither ``node_modules`` nor npx's
  cache: envcheck asks the registry npm uses for the package's document; a 404 is a name nobody
  published there (or a private scope without a login).

The runnable fixes (sed twice, the long line's command and args, ``npm run build``, the
virtualenv's Python) are carried out by envcheck's fixer and those five servers checked again:
they pass (``test_the_printed_fixes_work``). The misspelt names are a person's to correct.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.servers import serving
from tests.verdicts.fixes import apply_fix
from tests.verdicts.mcp_world import (
    ECHO_SERVER,
    NODE_ECHO_SERVER,
    processes_of,
    round_tests,
    run_in_process,
)
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_mcp_wire_sweep import judge

#: a string no check may show (there is no credential in this round)
SECRET = "Heldout12-never-shown-5521"

#: the package npx is asked for: nobody published it (the registry answers 404)
PACKAGE = "@heldout12/mcp-server-notess"

#: the module the weather server imports: in the project's .venv only
MODULE = "heldout12_weather_sdk"

#: the body of every Python server of this round (after its first line)
SERVER = ECHO_SERVER

#: the same server in Node (the notes package's source, which its build copies to build/)
NODE_SERVER = NODE_ECHO_SERVER

#: the notes package's build step (what ``tsc`` is to a TypeScript server): src/ to build/
MAKE_JS = textwrap.dedent("""
    const fs = require("fs");
    fs.mkdirSync("build", { recursive: true });
    fs.copyFileSync("src/index.js", "build/index.js");
    """)

#: case name -> (server name, "stdio" (proven by the SDK's client), its source, the request the
#: SDK's client fails on or None, the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "stdio-shebang-bom": (
        "bom",
        "stdio",
        "bom",
        "initialize",
        Expect(
            "mcp/bom.start",
            "fail",
            says=("byte order mark", "#!"),
            fix=("sed",),
            never=("has no #! line", "add a first line"),
        ),
    ),
    "stdio-shebang-too-long": (
        "longline",
        "stdio",
        "longline",
        "initialize",
        Expect(
            "mcp/longline.start",
            "fail",
            says=("#! line", "bytes"),
            fix=("command", "args"),
            never=("has no #! line", "add a first line"),
        ),
    ),
    "stdio-shebang-env-two-words": (
        "twowords",
        "stdio",
        "twowords",
        "initialize",
        Expect(
            "mcp/twowords.start",
            "fail",
            says=("'python3 -u'", "one"),
            fix=("env -S",),
            never=("install python3", "by hand"),
        ),
    ),
    "stdio-node-script-not-built": (
        "notes",
        "stdio",
        "notes",
        "initialize",
        Expect(
            "mcp/notes.start",
            "fail",
            says=("build/index.js", "does not exist"),
            fix=("npm run build",),
            never=("by hand",),
        ),
    ),
    "stdio-python-script-missing": (
        "wether",
        "stdio",
        "wether",
        "initialize",
        Expect(
            "mcp/wether.start",
            "fail",
            says=("servers/wether/server.py", "does not exist"),
            fix=("args",),
            never=("by hand",),
        ),
    ),
    "stdio-python-module-missing": (
        "weather",
        "stdio",
        "weather",
        "initialize",
        Expect(
            "mcp/weather.start",
            "fail",
            says=(MODULE, ".venv"),
            fix=(".venv/bin/python",),
            never=("by hand",),
        ),
    ),
    "npx-package-not-in-registry": (
        "notess",
        "stdio",
        "npx",
        "initialize",
        Expect(
            "mcp/notess@mcp.json.start|mcp/notess@mcp.json.initialize",
            "fail",
            says=(PACKAGE, "404"),
            fix=("args",),
            never=("cannot be reached", "raise timeout", "by hand"),
        ),
    ),
    "stdio-shebang-env-split": (
        "envsplit",
        "stdio",
        "envsplit",
        None,
        Expect("mcp/envsplit.call", "pass"),
    ),
    "stdio-shebang-argument-blanks": (
        "blanks",
        "stdio",
        "blanks",
        None,
        Expect("mcp/blanks.call", "pass"),
    ),
    "stdio-node-script-built": (
        "built",
        "stdio",
        "built",
        None,
        Expect("mcp/built.call", "pass"),
    ),
}

#: the neighbours: the client accepts them, envcheck must not fail or warn about them
NEIGHBOURS = ("stdio-shebang-env-split", "stdio-shebang-argument-blanks", "stdio-node-script-built")

#: the cases that are rows of docs/verdicts/mcp.md (section 19)
ROWS = tuple(sorted(CASES))

#: the servers whose printed fix a program carries out (and the check that prints it)
FIXED = {
    "bom": "mcp/bom.start",
    "longline": "mcp/longline.start",
    "twowords": "mcp/twowords.start",
    "notes": "mcp/notes.start",
    "weather": "mcp/weather.start",
}


class Registry(BaseHTTPRequestHandler):
    """npm's registry for a name nobody published: 404 to every document, as
    registry.npmjs.org answers (``{"error":"Not found"}``)."""

    SEEN: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Registry.SEEN.append(self.path)
        body = b'{"error":"Not found"}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _script(path: Path, first: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(first + b"\n" + SERVER.encode())
    path.chmod(0o755)
    return path


def _node_package(directory: Path, built: bool) -> None:
    (directory / "src").mkdir(parents=True)
    (directory / "src" / "index.js").write_text(NODE_SERVER)
    (directory / "make.js").write_text(MAKE_JS)
    manifest = {
        "name": "notes-mcp",
        "version": "1.0.0",
        "private": True,
        "main": "build/index.js",
        "scripts": {"build": "node make.js"},
    }
    (directory / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    if built:
        subprocess.run(["node", "make.js"], cwd=directory, check=True)


def _project(root: Path) -> dict[str, tuple[str, list[str]]]:
    """The project's servers, made: name -> (command, args) as the project's config names them
    (relative paths are taken from the project root)."""
    servers = root / "servers"
    _script(servers / "bom.py", b"\xef\xbb\xbf#!/usr/bin/env python3")
    deep = root / "tools" / ("v" * 100) / ("e" * 100) / ("n" * 60) / "bin"
    deep.mkdir(parents=True)
    (deep / "python3").symlink_to(sys.executable)
    _script(servers / "longline.py", b"#!" + str(deep / "python3").encode())
    _script(servers / "twowords.py", b"#!/usr/bin/env python3 -u")
    _script(servers / "envsplit.py", b"#!/usr/bin/env -S python3 -u")
    _script(servers / "blanks.py", b"#!" + sys.executable.encode() + b" -u \t ")
    _node_package(servers / "notes", built=False)
    _node_package(servers / "notes-built", built=True)
    weather = servers / "weather"
    weather.mkdir()
    (weather / "server.py").write_text(f"import {MODULE}  # noqa\n" + SERVER)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    (site,) = (root / ".venv" / "lib").glob("python*/site-packages")
    (site / f"{MODULE}.py").write_text('"""The weather service\'s client (a stand-in)."""\n')
    return {
        "bom": ("servers/bom.py", []),
        "longline": ("servers/longline.py", []),
        "twowords": ("servers/twowords.py", []),
        "envsplit": ("servers/envsplit.py", []),
        "blanks": ("servers/blanks.py", []),
        "notes": ("node", ["servers/notes/build/index.js"]),
        "built": ("node", ["servers/notes-built/build/index.js"]),
        "wether": ("python3", ["servers/wether/server.py"]),
        "weather": ("python3", ["servers/weather/server.py"]),
    }


def _table(name: str, command: str, args: list[str]) -> str:
    lines = [f"[tool.envcheck.mcp.servers.{name}]"]
    lines += [f"command = {json.dumps(command)}", f"args = {json.dumps(args)}"]
    lines.append('call = { tool = "echo", arguments = {} }')
    return "\n".join(lines) + "\n"


def _config(servers: dict[str, tuple[str, list[str]]]) -> str:
    config = "[tool.envcheck.mcp]\ntimeout = 5.0\n"
    for name, (command, args) in servers.items():
        config += _table(name, command, args)
    return config


@pytest.fixture(scope="module")
def round12(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The ten servers proven (the SDK's client, started as each entry says), then checked in
    one envcheck run: the proofs per case, the checks, the processes left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout12")
    servers = _project(root)
    before = processes_of(root)
    with pytest.MonkeyPatch.context() as mp, serving(Registry) as port:
        # npx's cache (~/.npm) empty: the package must come from the registry
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        (root / "home").mkdir()
        mp.chdir(root)  # the SDK's client starts servers where the client runs
        registry = f"http://127.0.0.1:{port}/"
        npx: dict[str, Any] = {
            "command": "npx",
            "args": ["-y", PACKAGE],
            "env": {"npm_config_registry": registry},
        }
        names = sorted(CASES)
        targets = []
        for name in names:
            server = CASES[name][0]
            if server == "notess":
                targets.append(
                    StdioServerParameters(command="npx", args=npx["args"], env=npx["env"])
                )
                continue
            command, args = servers[server]
            if "/" in command:
                command = str(root / command)
            targets.append(StdioServerParameters(command=command, args=args, cwd=str(root)))
        sdk: dict[str, Any] = dict(zip(names, judge(targets)))
        (root / ".mcp.json").write_text(json.dumps({"mcpServers": {"notess": npx}}, indent=2))
        checks = run_in_process(root, _config(servers), SECRET)
        seen = list(Registry.SEEN)
        left = processes_of(root) - before
    yield {
        "sdk": sdk,
        "proofs": {},
        "checks": checks,
        "root": root,
        "servers": servers,
        "seen": seen,
        "left": left,
    }


test_heldout, test_no_process_outlives_the_run = round_tests("round12", CASES, ROWS, NEIGHBOURS)


def test_the_registry_was_asked(round12: dict[str, Any]) -> None:
    """npx asked the registry on 127.0.0.1 for the package (and got its 404)."""
    assert any("mcp-server-notess" in path for path in round12["seen"]), round12["seen"]


def test_the_printed_fixes_work(round12: dict[str, Any]) -> None:
    """The fixes a program carries out (a command on the server's file, ``npm run build``, an
    edit of the entry), applied by envcheck's fixer as printed; envcheck run again over those
    servers alone: they pass. (The misspelt names, in args and in npx's package, are a person's
    to correct: only they know the name they meant.)"""
    by_id = {c["id"]: c for c in round12["checks"]}
    root: Path = round12["root"]
    servers = round12["servers"]
    config = _config({name: servers[name] for name in FIXED})
    (root / "pyproject.toml").write_text(config)
    (root / ".mcp.json").unlink()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        for check in FIXED.values():
            apply_fix(root, by_id[check])
        after = run_in_process(root, (root / "pyproject.toml").read_text(), SECRET)
    failing = [f"{c['id']} {c['status']}" for c in after if c["status"] not in ("pass", "skip")]
    passed = {c["id"] for c in after if c["status"] == "pass"}
    assert not failing and {f"mcp/{n}.call" for n in FIXED} <= passed, (
        failing,
        sorted(c["id"] for c in after),
    )
