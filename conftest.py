"""A repo-local envcheck plugin: the ``node`` component of envcheck's own development environment.

The conftest route of the README ("Write a plugin"): envcheck finds these hooks because this
conftest implements them, and ``[tool.envcheck.node]`` in pyproject.toml configures them. Checks:
``node`` (Node.js on PATH, new enough) → ``npm``; ``test-servers`` (the MCP test servers under
``tests/mcp-servers`` installed exactly as ``package-lock.json`` says, as ``npm ci`` leaves them).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydantic

import envcheck
from envcheck import kit

INSTALL_NODE = "sudo apt-get install -y nodejs npm   (or scripts/services, or https://nodejs.org)"


class NodeConfig(pydantic.BaseModel):
    """``[tool.envcheck.node]``."""

    model_config = pydantic.ConfigDict(extra="forbid")

    min_version: int = pydantic.Field(default=18, gt=0)
    servers: str = "tests/mcp-servers"


@envcheck.hookimpl
def envcheck_config_sections() -> dict[str, Any]:
    return {"node": NodeConfig}


@envcheck.hookimpl
def envcheck_checks(config: Any) -> Iterator[envcheck.Check]:
    cfg: NodeConfig | None = config.section("node")
    if cfg is None:
        return

    node = kit.Component("node", section=cfg, timeout=10.0)
    yield node.check("node", node_check, f"Node.js >= {cfg.min_version} on PATH")
    yield node.check("npm", npm_check, "npm on PATH", "node")
    yield node.check("test-servers", servers_check, f"{cfg.servers} installed from its lock file")


def _version(program: str, hint: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise envcheck.CheckFailed(f"{program} is not on PATH", hint=hint)
    try:
        done = subprocess.run(
            [found, "--version"], capture_output=True, text=True, timeout=8, check=True
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise envcheck.CheckFailed(f"`{program} --version` failed: {exc}", hint=hint) from None
    return done.stdout.strip()


def node_check(ctx: envcheck.Context) -> envcheck.Outcome:
    cfg: NodeConfig = ctx.section
    version = _version("node", INSTALL_NODE)
    major = re.match(r"v?(\d+)\.", version)
    if major is None or int(major.group(1)) < cfg.min_version:
        raise envcheck.CheckFailed(
            f"node {version} is older than {cfg.min_version}",
            why="the MCP test servers (server-everything) need a current Node.js",
            hint=INSTALL_NODE,
        )
    return envcheck.ok(f"node {version}", version=version)


def npm_check(ctx: envcheck.Context) -> envcheck.Outcome:
    version = _version("npm", INSTALL_NODE)
    return envcheck.ok(f"npm {version}", version=version)


def servers_check(ctx: envcheck.Context) -> envcheck.Outcome:
    cfg: NodeConfig = ctx.section
    folder = Path(ctx.rootdir) / cfg.servers
    fix = f"npm ci --prefix {cfg.servers}   (scripts/services does it)"
    lock_file = folder / "package-lock.json"
    if not lock_file.is_file():
        raise envcheck.CheckFailed(f"{lock_file} is missing", hint=f"git checkout -- {lock_file}")
    lock = json.loads(lock_file.read_text(encoding="utf-8"))
    wrong: list[str] = []
    checked = 0
    for where, entry in lock.get("packages", {}).items():
        if not where or entry.get("link") or entry.get("optional"):
            continue
        checked += 1
        manifest = folder / where / "package.json"
        if not manifest.is_file():
            wrong.append(f"{where.removeprefix('node_modules/')} missing")
            continue
        installed = json.loads(manifest.read_text(encoding="utf-8")).get("version")
        if installed != entry.get("version"):
            name = where.removeprefix("node_modules/")
            wrong.append(f"{name} {installed} (locked: {entry.get('version')})")
    if wrong:
        raise envcheck.CheckFailed(
            f"{len(wrong)} of {checked} locked packages are not installed as locked in "
            f"{cfg.servers}: {', '.join(wrong[:4])}",
            why="node_modules was installed from another lock file, changed by hand, or never "
            "installed",
            hint=fix,
        )
    direct = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    names = sorted(direct.get("dependencies", {}))
    versions = {n: lock["packages"].get(f"node_modules/{n}", {}).get("version") for n in names}
    shown = ", ".join(f"{n} {v}" for n, v in versions.items())
    return envcheck.ok(f"{checked} packages as locked; {shown}", packages=checked, **versions)
