"""The ``src-cli`` check: the ``src`` CLI is on PATH and its version suits the instance.

The instance names the src-cli version it recommends at ``/.api/src-cli/version``
(``{"version": "X.Y.Z"}``; 404 on instances too old to say). ``src version`` prints
``Current version: X.Y.Z`` first, before it asks the instance anything itself.
"""

from __future__ import annotations

import os
import platform
import re
import shutil

from envcheck_sourcegraph._config import (
    COMPONENT,
    ENDPOINT_VARIABLE,
    TOKEN_VARIABLE,
    Instance,
    resolve,
)
from envcheck_sourcegraph._http import Http, json_body

from envcheck import CheckFailed, CheckSkipped, Context, Outcome, kit, ok, warn

VERSION_PATH = "/.api/src-cli/version"
RELEASES = "https://github.com/sourcegraph/src-cli/releases"
_NOWHERE = "http://127.0.0.1:1"
_CURRENT = re.compile(r"^Current version:\s*(\S+)", re.M)
_NUMBERS = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)")


def install_hint(instance: Instance, version: str | None = None) -> str:
    """The two documented ways: npm, or the binary the instance itself serves (or a release)."""
    system = platform.system().lower()
    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine().lower(), "amd64")
    at = f"@{version}" if version else ""
    binary = f"{instance.endpoint}/.api/src-cli/src_{system}_{machine}"
    return (
        f"npm install -g @sourcegraph/src{at}   (or: curl -L {binary} -o ~/.local/bin/src && "
        f"chmod +x ~/.local/bin/src; releases: {RELEASES})"
    )


def src_version(instance: Instance, program: str, timeout: float) -> str:
    # `src version` would ask the instance for the recommended version itself; envcheck asks it
    # (through the cassette), so src is pointed at a closed local port where its question fails
    # at once, and no token goes anywhere
    env = {k: v for k, v in os.environ.items() if k != TOKEN_VARIABLE}
    env[ENDPOINT_VARIABLE] = _NOWHERE
    try:
        # its own version comes first; what it prints after it may wait on the network, which
        # is not ours to wait on: at the timeout, what it printed until then is used
        ran = kit.run([program, "version"], timeout=timeout, env=env)
    except OSError as exc:
        raise CheckFailed(
            f"cannot run {program}: {exc.strerror or exc}",
            why="the file on PATH is not a program this machine can run (errno " f"{exc.errno})",
            hint=install_hint(instance),
        ) from None
    out = ran.stdout
    found = _CURRENT.search(out)
    if found is None:
        shown = kit.clean((out.strip().splitlines() or ["nothing"])[0], 80)
        why = "the `src` on PATH is another program, or a src-cli too old to say"
        raise CheckFailed(
            f"`{program} version` did not print its version (it printed {shown!r})",
            why="; ".join([why, *ran.notes]),
            hint=install_hint(instance),
        )
    return found.group(1)


def src_cli_check(ctx: Context) -> Outcome:
    instance = resolve(ctx)
    program = shutil.which("src")
    if program is None and instance.cfg.src_cli is None:
        raise CheckSkipped(
            "the src CLI is not installed here (fine for the web UI and editors)",
            fix=f"set src_cli = true in [tool.envcheck.{COMPONENT}] to require it; install: "
            + install_hint(instance),
        )
    if program is None:
        raise CheckFailed(
            "the src CLI is not on PATH",
            why="agents and scripts search Sourcegraph and run batch changes with it",
            hint=install_hint(instance),
        )
    current = src_version(instance, program, min(5.0, ctx.remaining()))
    ctx.fact("src", program)
    ctx.fact("version", current)
    with Http(instance, ctx, "src-cli") as http:
        response = http.request("GET", VERSION_PATH, auth=bool(instance.token))
    body = json_body(response)
    recommended = body.get("version") if isinstance(body, dict) else None
    if response.status_code == 404 or not isinstance(recommended, str):
        return ok(
            f"src {current}; {instance.endpoint} does not name a recommended version "
            f"(GET {VERSION_PATH}: HTTP {response.status_code})",
        )
    ctx.fact("recommended", recommended)
    mine, theirs = _NUMBERS.match(current), _NUMBERS.match(recommended)
    if mine is None or theirs is None:
        return warn(
            f"src {current}: cannot compare with the recommended {recommended}",
            hint=install_hint(instance, recommended if theirs else None),
        )
    if mine.groups() == theirs.groups():
        return ok(f"src {current}, as {instance.endpoint} recommends")
    if mine.group(1) != theirs.group(1):
        raise CheckFailed(
            f"src {current} is another major version than the {recommended} "
            f"{instance.endpoint} recommends",
            why="src-cli follows the instance's versions; across a major version its commands "
            "and the API it expects differ",
            hint=install_hint(instance, recommended),
        )
    if mine.group(2) == theirs.group(2):
        return ok(f"src {current}; {instance.endpoint} recommends {recommended} (same minor)")
    older = tuple(map(int, mine.groups())) < tuple(map(int, theirs.groups()))
    return warn(
        f"src {current} is {'older' if older else 'newer'} than the {recommended} "
        f"{instance.endpoint} recommends",
        hint=install_hint(instance, recommended),
    )
