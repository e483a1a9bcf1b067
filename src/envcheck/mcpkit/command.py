"""The program that runs a stdio server: found as its client would find it, and checked before it
starts (a missing file, no execute bit, a missing ``#!`` interpreter), from the file itself and
the ``errno`` of a failed exec (:mod:`envcheck.core.exec`)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

from envcheck.core import exec as _exec
from envcheck.core.fix import Command, Fix, Manual, Step
from envcheck.core.model import CheckFailed
from envcheck.mcpkit import fixes as _fixes

if TYPE_CHECKING:
    from envcheck.mcpkit.spec import ServerSpec


def find_command(spec: ServerSpec) -> str:
    """The program to run: a path as given (relative ones are already resolved), else the first
    on PATH, else next to this interpreter (a virtualenv's bin). A problem the file itself shows
    (no execute bit, a missing ``#!`` interpreter) is raised before anything starts."""
    command = spec.command or ""
    path = spec.env.get("PATH") or os.environ.get("PATH", "")
    written = unexpanded_home(spec) or whole_command_line(spec, path)
    if written is not None:
        raise written
    if "/" in command or os.sep in command:
        found: str | None = command
    else:
        found = shutil.which(command, path=path) or shutil.which(
            command, path=str(Path(sys.executable).parent)
        )
        if found is None:
            found = _unusable_on_path(command, path)
    if found is None:
        windows = windows_shell(spec) or windows_path(spec) or windows_suffix(spec, path)
        if windows is not None:
            raise windows
        replaced = path_replaced(spec, command)
        if replaced is not None:
            raise replaced
        text = install_hint(command) + f", or fix command in {spec.settings}"
        raise CheckFailed(
            f"{spec.name}: command not found: {command}",
            why=f"`{command}` is not on PATH",
            fix=Fix([install_step(command)], text=text),
        )
    if not os.path.lexists(found):
        text = f"fix command in {spec.settings}"
        raise CheckFailed(
            f"{spec.name}: command not found: {found} does not exist",
            why=(
                f"nothing is at that path (a relative command is taken from {spec.cwd}, where "
                "the server runs: the project root, or cwd)"
                if spec.cwd
                else "command is a path that does not exist"
            ),
            fix=Fix([Manual(text)], text=text),
        )
    problem = _exec.inspect(found, path=path)
    if problem is not None:
        raise exec_problem(spec, problem)
    missing = missing_script(spec) or module_not_a_name(spec, found)
    if missing is not None:
        raise missing
    return found


#: asks a Python which top-level modules of the distribution ``argv[1]`` run with ``-m`` (a
#: package with a ``__main__.py``), by the files its installer recorded
_MODULES_OF = (
    "import importlib.metadata as m, json, sys\n"
    "try:\n"
    "    files = m.distribution(sys.argv[1]).files or []\n"
    "except m.PackageNotFoundError:\n"
    "    files = []\n"
    "print(json.dumps(sorted({f.parts[0] for f in files\n"
    "    if len(f.parts) == 2 and f.parts[1] == '__main__.py' and f.parts[0].isidentifier()})))\n"
)


def _module_argument(spec: ServerSpec) -> tuple[int, str] | None:
    """The module ``python -m NAME`` is asked to run, and where ``NAME`` is in args."""
    if _interpreter(spec.command or "") != "python":
        return None
    for i, arg in enumerate(spec.args):
        if arg == "-m":
            return (i + 1, spec.args[i + 1]) if i + 1 < len(spec.args) else None
        if arg.startswith("-m") and len(arg) > 2:
            return i, arg[2:]
        if not arg.startswith("-") or arg in ("-c", "-"):
            return None  # a script, or code: no module
    return None


def module_not_a_name(spec: ServerSpec, program: str) -> CheckFailed | None:
    """``python -m NAME`` where NAME is no module name (dotted identifiers: a ``-`` is not in
    one), typically a distribution's name (``mcp-server-time``, as ``uvx`` and ``pip install``
    take it): Python exits 1 (``No module named``) before any answer. The distribution, asked
    of that Python (the files its installer recorded), names the module to run."""
    found = _module_argument(spec)
    if found is None:
        return None
    index, name = found
    if all(part.isidentifier() for part in name.split(".")):
        return None
    try:
        done = subprocess.run(
            [program, "-c", _MODULES_OF, name],
            capture_output=True,
            text=True,
            timeout=min(spec.timeout, 10.0),
            env={**os.environ, **spec.env},
            check=False,
        )
        modules = [m for m in json.loads(done.stdout or "[]") if isinstance(m, str)]
    except (OSError, subprocess.SubprocessError, ValueError):
        modules = []
    interpreter = Path(spec.command or "").name
    summary = f"{spec.name}: `{spec.where}`: -m takes a module's name, and {name} is not one"
    why = (
        f"{interpreter} -m runs a module, named by dotted identifiers (no '-'): {name} can "
        "name no module, so Python exits 1 (No module named) before any answer"
    )
    if len(modules) == 1:
        module = modules[0]
        args = list(spec.args)
        args[index] = module if args[index] == name else "-m" + module
        summary = (
            f"{spec.name}: `{spec.where}`: {name} is the name of a distribution, not of a "
            f"module: its module is {module}"
        )
        why += (
            f"; {name} is a distribution installed for {interpreter}, whose module {module} "
            "runs with -m"
        )
        text = f"{_fixes.setting(spec, 'args', args)} (python -m {module})"
        return CheckFailed(
            summary,
            why=why,
            fix=Fix([_fixes.set_step(spec, "args", args)], text=text),
            facts={"module": module, "distribution": name},
        )
    text = (
        f"put the module's name after -m in args of {spec.settings} (`{interpreter} -m pip show "
        f"-f {name}` lists the files of a distribution of that name)"
    )
    return CheckFailed(summary, why=why, fix=Fix([Manual(text)], text=text), facts={"module": name})


#: how each client's file names the home directory in a value it expands (Claude Desktop
#: expands nothing: the path itself)
_HOME_REFERENCE = {
    "pyproject": "${HOME}",
    "mcp.json": "${HOME}",
    "cursor": "${userHome}",
    "vscode": "${userHome}",
}


def unexpanded_home(spec: ServerSpec) -> CheckFailed | None:
    """A ``command``, or the script an interpreter runs, that starts with ``~/``: no shell
    starts a stdio server (the client executes the program with its arguments as written: Claude
    Code #37580, VS Code #247076), so ``~`` reaches it as a directory named ``~``, not the home
    directory. The fix is the file's own reference to the home directory (``${HOME}`` where the
    client expands variables, ``${userHome}`` in Cursor's and VS Code's files), or the path
    itself."""
    values: list[tuple[str, str, int | None]] = [("command", spec.command or "", None)]
    # of the arguments, the script an interpreter opens (a program may expand ~ in its own
    # arguments, as npx and uv do; python and node do not in the script's path)
    script = _script_argument(spec)
    values += [("args", arg, i) for i, arg in enumerate(spec.args) if arg == script]
    base = spec.cwd or spec.root or "."
    for key, text, index in values:
        if not (text == "~" or text.startswith("~/")):
            continue
        if os.path.lexists(os.path.join(base, text)):
            continue  # a directory named ~ in the project: it means what it says
        home = os.path.expanduser("~")
        expanded = home + text[1:]
        reference = _HOME_REFERENCE.get(spec.origin, home)
        value = reference + text[1:]
        client = _fixes.CLIENTS.get(spec.origin, "envcheck")
        there = f"{expanded} exists" if os.path.lexists(expanded) else f"{expanded} does not exist"
        if index is None:
            new: str | list[str] = value
        else:
            new = [value if i == index else arg for i, arg in enumerate(spec.args)]
        text_fix = _fixes.setting(spec, key, new) + (
            f" ({client} expands {reference})" if reference != home else ""
        )
        return CheckFailed(
            f"{spec.name}: `{spec.where}`: {client} does not expand ~ in {key}: {text} reaches "
            "the server as written",
            why=(
                f"no shell starts a stdio server: {client} executes the program with its "
                f"arguments as written, so {text} names a directory called ~ under {base} "
                f"(nothing is there), not your home directory ({there})"
            ),
            fix=Fix([_fixes.set_step(spec, key, new)], text=text_fix),
            facts={"unexpanded": text},
        )
    return None


def whole_command_line(spec: ServerSpec, path: str) -> CheckFailed | None:
    """A ``command`` that holds a whole command line (``python3 -u server.py``, ``npx -y pkg``)
    whose first word is a program: the client looks for a program of that whole name (no shell
    splits it) and finds none (ENOENT). The fix is the first word as ``command`` and the rest
    before ``args``."""
    command = spec.command or ""
    if len(command.split()) < 2 or os.path.lexists(command):
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    first = words[0]
    found = os.path.lexists(first) if "/" in first else shutil.which(first, path=path) is not None
    if len(words) < 2 or not found:
        return None
    args = [*words[1:], *spec.args]
    client = _fixes.CLIENTS.get(spec.origin, "envcheck")
    both = _fixes.setting(spec, "command", first).removesuffix(f" in {spec.settings}")
    text = f"{both} and " + _fixes.setting(spec, "args", args).removeprefix("set ")
    return CheckFailed(
        f"{spec.name}: command {command!r} is a whole command line: {client} starts the program "
        "of that whole name, and no shell splits it",
        why=(
            f"a stdio server's command is one program ({first} is one) and its "
            f"arguments go in args; {client} executes the command as written, so it looks for a "
            f"program named {command!r}, which does not exist (ENOENT)"
        ),
        fix=Fix(
            [_fixes.set_step(spec, "command", first), _fixes.set_step(spec, "args", args)],
            text=text,
        ),
        facts={"command_line": words[0]},
    )


#: interpreters whose first argument that is not an option is the script they run, with their
#: options that take a value (the next argument) and those after which no script follows
_INTERPRETERS = {
    "python": ({"-W", "-X", "--check-hash-based-pycs"}, {"-m", "-c", "-"}),
    "node": (
        {"-r", "--require", "--import", "--loader", "--experimental-loader", "--env-file"},
        {"-e", "--eval", "-p", "--print", "-", "--test"},
    ),
    "bun": (set(), {"-e", "--eval", "-p", "--print", "x", "run", "-"}),
    "tsx": (set(), {"-e", "--eval", "-p", "--print", "-"}),
    "ts-node": ({"-r", "--require", "-C", "--compiler", "-P", "--project"}, {"-e", "-p", "-"}),
}


def _interpreter(command: str) -> str | None:
    name = Path(command).name.lower()
    if re.fullmatch(r"python[0-9.]*", name):
        return "python"
    if name in ("node", "nodejs"):
        return "node"
    return name if name in _INTERPRETERS else None


def _script_argument(spec: ServerSpec) -> str | None:
    """The script an interpreter (``python3``, ``node``...) is asked to run: its first argument
    that is not an option; ``None`` when it runs a module or code (``-m``, ``-c``, ``-e``)."""
    kind = _interpreter(spec.command or "")
    if kind is None:
        return None
    valued, no_script = _INTERPRETERS[kind]
    args = list(spec.args)
    while args:
        arg = args.pop(0)
        key = arg.split("=", 1)[0]
        if key in no_script or (kind == "python" and re.fullmatch(r"-[a-zA-Z]*[mc]", arg)):
            return None
        if key in valued and "=" not in arg:
            args = args[1:]
            continue
        if arg.startswith("-"):
            continue
        return arg
    return None


def missing_script(spec: ServerSpec) -> CheckFailed | None:
    """``python3 server.py`` / ``node build/index.js`` whose script does not exist (a relative one
    is taken from the directory the server runs in): the interpreter exits at once (Python with
    status 2, Node with 1 and ``MODULE_NOT_FOUND``) before any answer. A script under a package
    whose ``package.json`` has a ``build`` script is what that build makes (TypeScript's outDir,
    a bundler's dist): the fix is the build."""
    script = _script_argument(spec)
    if script is None or (spec.cwd and not Path(spec.cwd).is_dir()):
        return None  # a cwd that is not a directory is named by the start itself
    base = Path(spec.cwd or spec.root or ".")
    path = Path(script).expanduser()
    full = path if path.is_absolute() else base / path
    if os.path.lexists(full):
        return None
    interpreter = Path(spec.command or "").name
    summary = (
        f"{spec.name}: `{spec.where}`: the script {script} that {interpreter} runs does not exist"
    )
    where = f"{full}" if not path.is_absolute() else script
    why = (
        f"{interpreter} runs {script}"
        + (
            f", taken from the directory the server runs in ({base}): {where}"
            if not path.is_absolute()
            else ""
        )
        + " is not there, so it exits before the server could start"
    )
    package = _building_package(full.parent, base)
    if package is not None:
        shown = os.path.relpath(package, base)
        shown = str(package) if shown.startswith("..") else shown
        text = (
            f"build it: cd {shlex.quote(shown)} && npm run build (the build script of "
            f"{os.path.join(shown, 'package.json')} makes it; a fresh clone has no build "
            "output), then check the server again"
        )
        return CheckFailed(
            summary,
            why=why + f"; it lies under the package {shown}, whose package.json has a build "
            "script: the script is its build's output, not built yet",
            fix=Fix([Command(["npm", "run", "build"], cwd=str(package))], text=text),
            facts={"missing": script, "build": str(package)},
        )
    text = (
        f"fix the script's path in args of {spec.settings} (the file {interpreter} should run; "
        "a relative path is taken from the directory the server runs in)"
    )
    return CheckFailed(
        summary, why=why, fix=Fix([Manual(text)], text=text), facts={"missing": script}
    )


def _building_package(directory: Path, base: Path) -> Path | None:
    """The nearest directory from ``directory`` up to ``base`` holding a ``package.json`` with
    a ``build`` script."""
    try:
        directory.resolve().relative_to(base.resolve())
    except ValueError:
        return None
    for place in (directory, *directory.parents):
        manifest = place / "package.json"
        if manifest.is_file():
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            scripts = data.get("scripts") if isinstance(data, dict) else None
            if isinstance(scripts, dict) and isinstance(scripts.get("build"), str):
                return place
            return None
        if place.resolve() == base.resolve():
            return None
    return None


def path_replaced(spec: ServerSpec, command: str) -> CheckFailed | None:
    """``command`` not found on the PATH the entry's ``env`` sets, but on this shell's: the
    entry's ``PATH`` replaces the one the client would pass (a client looks the command up on the
    PATH of the environment it starts the server with: Node's spawn and Python's subprocess
    both do), so the fix is that PATH with the client's own appended."""
    given = spec.env.get("PATH")
    if given is None:
        return None
    here = shutil.which(command, path=os.environ.get("PATH", ""))
    if here is None:
        return None
    if spec.origin == "claude-desktop":  # it expands nothing: the directory itself
        value = f"{given}{os.pathsep}{os.path.dirname(here)}"
    else:
        value = f"{given}{os.pathsep}{_fixes.reference(spec, 'PATH')}"
    step = _fixes.set_step(spec, "env.PATH", value)
    text = f"set env.PATH = {json.dumps(value)} in {spec.settings}"
    return CheckFailed(
        f"{spec.name}: command not found: {command} is not on the PATH the entry's env sets",
        why=(
            f"the entry's env sets PATH = {given}, which replaces the PATH the server would get "
            f"(the client looks the command up on the server's PATH); {command} is at {here}, "
            "in a directory of your shell's PATH that the entry's PATH leaves out"
        ),
        fix=Fix([step], text=text),
        facts={"env_path": given, "found_at": here},
    )


def _unusable_on_path(command: str, path: str) -> str | None:
    """A file of that name on PATH that ``which`` skipped (no execute bit): worth naming."""
    for directory in path.split(os.pathsep):
        candidate = os.path.join(directory or ".", command)
        if os.path.isfile(candidate):
            return candidate
    return None


#: shells of Windows that a shared config file may name (``cmd /c npx ...``)
WINDOWS_SHELLS = {"cmd", "cmd.exe", "powershell", "powershell.exe", "pwsh.exe"}


def windows_shell(spec: ServerSpec) -> CheckFailed | None:
    """``"command": "cmd", "args": ["/c", "npx", ...]`` on a system without ``cmd``: an entry
    written for Windows (where clients need the wrapper to run ``npx``), not a missing program."""
    name = (spec.command or "").lower()
    if name not in WINDOWS_SHELLS or sys.platform == "win32":
        return None
    args = list(spec.args)
    while args and args[0].lower() in ("/c", "/s", "/d", "/q", "-command", "-c", "-noprofile"):
        args = args[1:]
    if not args:
        return None
    program, rest = args[0], args[1:]
    if spec.origin == "pyproject":
        change = f"set command = {json.dumps(program)} and args = {json.dumps(rest)}"
    else:
        change = f'set "command": {json.dumps(program)} and "args": {json.dumps(rest)}'
    text = (
        f"{change} in {spec.settings} (the wrapper {name} {spec.args[0]} is for Windows "
        "only: a Windows user keeps it in their own config)"
    )
    return CheckFailed(
        f"{spec.name}: `{spec.where}` is a Windows command line: there is no {name} here",
        why=f"the entry runs {shlex.join(args)} through the Windows shell {name}, as clients on "
        f"Windows need for npx and other scripts; on {sys.platform} the program is started "
        "directly",
        fix=Fix(
            [
                _fixes.set_step(spec, "command", program),
                _fixes.set_step(spec, "args", rest),
            ],
            text=text,
        ),
        facts={"errno": "ENOENT"},
    )


def windows_path(spec: ServerSpec) -> CheckFailed | None:
    """``C:\\\\tools\\\\server.exe`` on a system that has no drive letters: a Windows path."""
    command = spec.command or ""
    if sys.platform == "win32" or not (
        re.match(r"^[A-Za-z]:[\\/]", command) or ("\\" in command and "/" not in command)
    ):
        return None
    name = re.split(r"[\\/]", command)[-1]
    base = name[:-4] if name.lower().endswith(".exe") else name
    text = (
        f"set command in {spec.settings} to the program's path on this system (or its name on "
        f"PATH, e.g. {base}); a Windows user keeps {command} in their own config"
    )
    return CheckFailed(
        f"{spec.name}: `{command}` is a Windows path: it means nothing on {sys.platform}",
        why="the entry was written on Windows (a drive letter, backslashes); there is no such "
        "file here",
        fix=Fix([Manual(text)], text=text),
        facts={"errno": "ENOENT"},
    )


#: the endings Windows finds programs by (PATHEXT), which a shared config file may spell out
WINDOWS_SUFFIXES = (".cmd", ".bat", ".exe", ".com", ".ps1")


def windows_suffix(spec: ServerSpec, path: str) -> CheckFailed | None:
    """``"command": "npx.cmd"`` (``uvx.exe``, ``node.exe``) not found here: the Windows file of
    a program (Windows finds programs by PATHEXT endings; npx is a ``.cmd`` wrapper there), which
    is found by its bare name elsewhere."""
    command = spec.command or ""
    stem, suffix = os.path.splitext(command)
    if sys.platform == "win32" or not stem or suffix.lower() not in WINDOWS_SUFFIXES:
        return None
    found = shutil.which(stem, path=path)
    text = f"{_fixes.setting(spec, 'command', stem)} ({command} is {stem}'s name on Windows"
    text += "; a Windows user keeps it in their own config)"
    if found is None:
        text += f"; then {install_hint(stem)}"
    here = f"{stem} is on PATH here ({found})" if found else f"{stem} is not on PATH here either"
    return CheckFailed(
        f"{spec.name}: `{command}` is a Windows program name: there is no {command} on "
        f"{sys.platform}",
        why=f"the entry was written on Windows, where programs carry a {suffix} ending (npx "
        f"is npx.cmd there); here the program is {stem}: {here}",
        fix=Fix([_fixes.set_step(spec, "command", stem)], text=text),
        facts={"errno": "ENOENT"},
    )


def exec_problem(spec: ServerSpec, problem: _exec.ExecProblem) -> CheckFailed:
    steps = [_exec_step(spec, problem)]
    text = problem.hint
    if problem.through and spec.command:
        # the script run through its interpreter: the entry's command and args say so
        program, *rest = problem.through
        args = [*rest, spec.command, *spec.args]
        steps = [_fixes.set_step(spec, "command", program), _fixes.set_step(spec, "args", args)]
        text = (
            f"{_fixes.setting(spec, 'command', program)} and args = {json.dumps(args)} (the "
            f"script run through its interpreter; a command line has no such limit)"
        )
    return CheckFailed(
        f"{spec.name}: cannot start `{spec.where}`: {problem.summary}",
        why=problem.why,
        fix=Fix(steps, text=text),
        facts={"errno": problem.code},
    )


def _exec_step(spec: ServerSpec, problem: _exec.ExecProblem) -> Step:
    """The one step of an exec problem's fix: ``chmod +x`` for a file that exists without its
    execute bit (decided from the file's mode, as the diagnosis was), else what a person does."""
    program = _program(spec)
    if problem.argv:
        return Command(list(problem.argv))
    if problem.code == "EACCES" and program is not None:
        try:
            mode = os.stat(program).st_mode
        except OSError:
            mode = 0
        if stat.S_ISREG(mode) and not mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH):
            return Command(["chmod", "+x", program])
    return Manual(problem.hint)


def _program(spec: ServerSpec) -> str | None:
    command = spec.command or ""
    if "/" in command or os.sep in command:
        return command
    return shutil.which(command, path=spec.env.get("PATH") or os.environ.get("PATH", "")) or (
        _unusable_on_path(command, spec.env.get("PATH") or os.environ.get("PATH", ""))
    )


def install_step(command: str) -> Step:
    """Installing a missing program: a command where its package is certain, else a person's
    step."""
    return Manual(install_hint(command))


def install_hint(command: str) -> str:
    name = Path(command).name
    if name in ("npx", "node", "npm"):
        return "install Node.js (https://nodejs.org, or: sudo apt install nodejs npm)"
    if name in ("uvx", "uv"):
        return "install uv: pipx install uv (or: curl -LsSf https://astral.sh/uv/install.sh | sh)"
    if name == "docker":
        return "install Docker and start its engine"
    if name.startswith("mcp-server-"):
        return f"install it: pip install {name} (or: poetry add --group dev {name})"
    return f"install {name} or put it on PATH"


#: ``npx``'s options that take a value (the rest of its options are flags)
_NPX_VALUED = {"-p", "--package", "-c", "--call", "--cache", "--registry", "--userconfig"}


def _npx_package(spec: ServerSpec) -> tuple[str, bool] | None:
    """The package ``npx`` is asked to run and whether ``--package``/``--call`` names the program
    apart from it; ``None`` when the command is not ``npx``/``npm exec``."""
    args = list(spec.args)
    name = Path(spec.command or "").name.lower()
    if name in ("npm", "npm.cmd") and args[:1] in (["exec"], ["x"]):
        args = args[1:]
    elif name not in ("npx", "npx.cmd"):
        return None
    explicit = False
    while args and args[0].startswith("-") and args[0] != "--":
        option = args.pop(0)
        key = option.split("=", 1)[0]
        explicit = explicit or key in ("-p", "--package", "-c", "--call")
        if key in _NPX_VALUED and "=" not in option and args:
            args.pop(0)
    if args[:1] == ["--"]:
        args = args[1:]
    return (args[0], explicit) if args else None


def _manifest(spec: ServerSpec, package: str) -> Path | None:
    """The ``package.json`` of the package ``npx`` fetched: a local directory as given, else the
    copy in npx's cache (``<npm cache>/_npx/<hash>/node_modules/<name>``)."""
    base = Path(spec.cwd or ".")
    local = package[5:] if package.startswith("file:") else package
    if local.startswith((".", "/", "~")):
        path = (base / Path(local).expanduser()) / "package.json"
        return path if path.is_file() else None
    name = package
    if "@" in package[1:]:
        name = package[: package.index("@", 1)]  # react@18, @scope/name@1.2
    cache = spec.env.get("npm_config_cache") or os.environ.get("npm_config_cache")
    home = spec.env.get("HOME") or os.environ.get("HOME") or str(Path.home())
    root = Path(cache) if cache else Path(home) / ".npm"
    try:
        found = sorted((root / "_npx").glob(f"*/node_modules/{name}/package.json"))
    except OSError:
        return None
    return found[-1] if found else None


def npx_without_program(spec: ServerSpec) -> CheckFailed | None:
    """``npx -y <package>`` whose package has no program npx can choose: npm runs the package's
    only ``bin``, else the one named after the package (its name without the scope); a package
    with no ``bin`` (a library) or several, none of that name, gives npx nothing to run, and it
    exits 1 before the server could start. Read from the package's own ``package.json``."""
    found = _npx_package(spec)
    if found is None or found[1]:
        return None
    package = found[0]
    manifest = _manifest(spec, package)
    if manifest is None:
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    name = str(data.get("name") or package)
    bins = data.get("bin")
    if isinstance(bins, str):
        return None  # one program, named after the package
    programs = sorted(str(k) for k in bins) if isinstance(bins, dict) else []
    if len(programs) == 1 or name.rsplit("/", 1)[-1] in programs:
        return None
    args = list(spec.args)
    where = args.index(package)
    if programs:
        problem = (
            f'package {name} has several programs ({", ".join(programs)}) in its "bin", '
            "none named after the package"
        )
        # which of them is the server only its documentation says: the person names it
        rest = args[:where] + [f"--package={package}", "PROGRAM"] + args[where + 1 :]
        text = (
            f"name the program: args {json.dumps(rest)} in {spec.settings}, PROGRAM the one of "
            f"{', '.join(programs)} that is the MCP server"
        )
        steps: list[Step] = [Manual(text)]
    else:
        problem = f'package {name} has no "bin" in its package.json: it declares no program'
        text = (
            f"name the package that provides the server's program in the args of {spec.settings} "
            f"(the npx line of the server's documentation); {name} is a library"
            + (f" (its main file: {data['main']})" if isinstance(data.get("main"), str) else "")
        )
        steps = [Manual(text)]
    return CheckFailed(
        f"{spec.name}: `{spec.where}`: {problem}, so npx has nothing to run",
        why=f"npx runs a package's only bin, or the one named after the package ({manifest}); "
        "it exited 1 before any server started",
        fix=Fix(steps, text=text),
        facts={"exit_code": 1},
    )


#: npm's registry when no configuration names another
NPM_REGISTRY = "https://registry.npmjs.org/"


def _npm_registry(spec: ServerSpec) -> tuple[str, str]:
    """The registry npm uses for the server, and where that came from: ``--registry``, the
    server's environment, the project's ``.npmrc``, the user's ``~/.npmrc``, npm's default (the
    order npm reads them in, the command line first)."""
    args = list(spec.args)
    for i, arg in enumerate(args):
        if arg.startswith("--registry="):
            return arg.split("=", 1)[1], "--registry"
        if arg == "--registry" and i + 1 < len(args):
            return args[i + 1], "--registry"
    for name in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        if spec.env.get(name):
            return spec.env[name], f"env.{name}"
    home = spec.env.get("HOME") or os.environ.get("HOME") or str(Path.home())
    for rc in (Path(spec.cwd or ".") / ".npmrc", Path(home) / ".npmrc"):
        try:
            lines = rc.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            key, _, value = line.partition("=")
            if key.strip() == "registry" and value.strip():
                return value.strip(), str(rc)
    return NPM_REGISTRY, "npm's default"


def _unreachable(url: str, timeout: float) -> str | None:
    """Why ``url``'s host cannot be reached (its name does not resolve, or no TCP connection),
    or ``None`` when it can."""
    parsed = urllib.parse.urlsplit(url)
    host = parsed.hostname
    if not host:
        return None
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return (
            f"its host {host} does not resolve (no DNS answer: no network, or a name no "
            "resolver knows)"
        )
    except (OSError, ValueError):
        return None
    family, kind, proto, _, address = addresses[0]
    try:
        with socket.socket(family, kind, proto) as sock:
            sock.settimeout(timeout)
            sock.connect(address)
    except OSError as exc:
        return f"no connection to {host}:{port} ({exc.strerror or type(exc).__name__})"
    return None


def npx_offline(spec: ServerSpec) -> CheckFailed | None:
    """``npx -y <package>`` whose package is in neither the project's ``node_modules`` nor npx's
    cache, and whose registry cannot be reached: npx fetches the package before anything starts,
    retries for minutes and starts nothing."""
    found = _npx_package(spec)
    if found is None:
        return None
    package = found[0]
    if package.startswith((".", "/", "~", "file:")) or _manifest(spec, package) is not None:
        return None
    name = package[: package.index("@", 1)] if "@" in package[1:] else package
    if (Path(spec.cwd or ".") / "node_modules" / name / "package.json").is_file():
        return None
    registry, source = _npm_registry(spec)
    problem = _unreachable(registry, min(spec.timeout, 3.0))
    if problem is None:
        return None
    text = (
        f"connect this machine to {registry} (or set the registry npm can reach: npm config set "
        f"registry URL), then fetch the package once: npx -y {package} --help (or install it: "
        f"npm install -g {name}, and set command to its program)"
    )
    return CheckFailed(
        f"{spec.name}: `{spec.where}`: npx must fetch {package} from the registry {registry}, "
        "which cannot be reached",
        why=(
            f"{package} is in neither the project's node_modules nor npx's cache, so npx "
            f"downloads it before starting anything; the registry ({registry}, from {source}): "
            f"{problem}; npx retries for minutes and the server never starts"
        ),
        fix=Fix([Manual(text)], text=text),
        facts={"package": package, "registry": registry},
    )


def npx_unpublished(spec: ServerSpec) -> CheckFailed | None:
    """``npx -y <package>`` that exited before answering, whose package the registry npm uses
    does not have: its document (``GET <registry>/<name>``, a scope's ``/`` escaped as npm
    escapes it) is answered 404, as registry.npmjs.org answers for a name nobody published (a
    misspelt one); npx exits 1 (``npm error code E404``). Decided from that status."""
    found = _npx_package(spec)
    if found is None:
        return None
    package = found[0]
    if package.startswith((".", "/", "~", "file:", "git", "http:", "https:")) or (
        _manifest(spec, package) is not None
    ):
        return None
    name = package[: package.index("@", 1)] if "@" in package[1:] else package
    if (Path(spec.cwd or ".") / "node_modules" / name / "package.json").is_file():
        return None
    registry, source = _npm_registry(spec)
    if not registry.startswith(("http://", "https://")):
        return None
    url = registry.rstrip("/") + "/" + urllib.parse.quote(name, safe="@")
    # the abbreviated document npm itself asks for (versions and dist-tags, no READMEs)
    accept = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=min(spec.timeout, 5.0)) as answer:
            body = answer.read(_DOCUMENT_READ + 1)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError):
        return None
    else:
        wanted = package[len(name) + 1 :] if len(package) > len(name) else ""
        if len(body) > _DOCUMENT_READ:
            return None
        return _version_not_published(spec, name, wanted, body, registry, source)
    if status != 404:
        return None
    text = (
        f"fix the package's name in args of {spec.settings} (the npx line of the server's "
        f"documentation; `npm view {name}` finds a published one), or, for a package of a "
        "private scope, log in to the registry that has it (npm login)"
    )
    return CheckFailed(
        f"{spec.name}: `{spec.where}`: the registry {registry} has no package {name} (HTTP 404 "
        "to its document)",
        why=(
            f"npx fetches {name} before starting anything; the registry npm uses ({registry}, "
            f"from {source}) answered 404 for {url}: nobody published that name there (a "
            "misspelt name), or it is a private package this machine is not logged in for; "
            "npx exited 1 (npm's E404) and no server started"
        ),
        fix=Fix([Manual(text)], text=text),
        facts={"package": name, "registry": registry, "status": 404},
    )


#: the most of a registry's package document envcheck reads
_DOCUMENT_READ = 32 * 2**20
#: a version npm takes as itself (not a range): major.minor.patch, a pre-release, build metadata
_EXACT_VERSION = re.compile(r"v?=?\s*(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)")
#: what npm takes as a dist-tag: a name that is no version nor range (npm-package-arg)
_DIST_TAG = re.compile(r"[A-Za-z][A-Za-z0-9._-]*")


def _version_not_published(
    spec: ServerSpec, name: str, wanted: str, body: bytes, registry: str, source: str
) -> CheckFailed | None:
    """``npx -y <name>@<version or tag>`` whose document the registry serves without that
    version (``versions``) or tag (``dist-tags``): npm stops with ETARGET (No matching version)
    before anything starts. Ranges (``^1``, ``1.x``) are not judged."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not wanted or not isinstance(document, dict):
        return None
    versions = document.get("versions")
    tags = document.get("dist-tags")
    if not isinstance(versions, dict) or not isinstance(tags, dict):
        return None
    exact = _EXACT_VERSION.fullmatch(wanted)
    if exact is not None:
        if exact.group(1) in versions:
            return None
        what = f"version {exact.group(1)}"
    elif _DIST_TAG.fullmatch(wanted) and not re.fullmatch(r"[xX*]", wanted):
        if wanted in tags:
            return None
        what = f"dist-tag {wanted}"
    else:
        return None
    latest = tags.get("latest") if isinstance(tags.get("latest"), str) else None
    known = sorted(str(v) for v in versions)
    has = (
        f"its latest is {latest}"
        if latest
        else f"it has {', '.join(known[-5:])}" if known else "it has no version"
    )
    shown_latest = f"{name}@{latest}" if latest else name
    text = (
        f"pin a version the registry has in args of {spec.settings}: {shown_latest} (`npm view "
        f"{name} versions` lists them), or ask the package's maintainers for {wanted}"
    )
    return CheckFailed(
        f"{spec.name}: `{spec.where}`: the registry {registry} has {name} but no {what} ({has})",
        why=(
            f"npx fetches {name}@{wanted} before starting anything; the registry npm uses "
            f"({registry}, from {source}) serves the package's document, whose "
            + ("versions" if exact is not None else "dist-tags")
            + f" lack {wanted}: npm stops with ETARGET (no matching version) and no server "
            "started"
        ),
        fix=Fix([Manual(text)], text=text),
        facts={"package": name, "wanted": wanted, "latest": latest or ""},
    )
