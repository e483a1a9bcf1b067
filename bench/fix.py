"""From broken to green with one command: ``poetry run python bench/fix.py``.

Breaks throwaway servers and projects the way a new laptop does, then times ``envcheck fix --yes``
in each until it exits, and checks that the re-check passed:

- a PostgreSQL cluster and redis-server: the app's database missing, its role missing, the role
  unable to create tables in its schema, a Redis ACL user without the DEL the probe needs
  (``--allow-privileged``);
- a Poetry project whose virtualenv lacks a locked dev package (``poetry install``);
- a Poetry project whose poetry.lock is out of step with pyproject.toml (``poetry lock``, ``poetry
  sync``; only that check, run from a virtualenv outside the project);
- a replayed Ollama on which the configured model is not pulled (``ollama pull``: an ``ollama`` on
  PATH that posts /api/pull through Ollama's Python client);
- an MCP server in ``.mcp.json`` not passed the variable it needs (an edit of ``.mcp.json``);
- an MCP server in ``.mcp.json`` whose ``${VAR}`` is unset while the project's ``.env.example``
  offers a value (an edit of ``.mcp.json`` to ``${VAR:-value}``).

Prints a Markdown table; exits non-zero when an environment was not healed. Arguments name the
scenarios to run (``python bench/fix.py mcp_variable mcp_default``); none: all of them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import postgres_cluster, redis_server  # noqa: E402


@dataclass
class Broken:
    """One broken environment: where and how ``envcheck fix --yes`` runs in it."""

    label: str
    project: Path
    env: dict[str, str]
    python: str = sys.executable
    args: list[str] = field(default_factory=list)


def _env(**more: str) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        **more,
    }


@contextmanager
def servers(scratch: Path) -> Iterator[Broken]:
    import redis

    hba = "host all all 127.0.0.1/32 trust"
    with postgres_cluster(hba, local="local all all trust") as pg, redis_server() as port:
        admin = redis.Redis(port=port)
        admin.execute_command(  # type: ignore[no-untyped-call]
            "ACL", "SETUSER", "app", "on", ">bench-password", "~*", "+@all", "-del"
        )
        project = scratch / "servers"
        project.mkdir()
        (project / ".env").write_text("APP_REDIS_PASSWORD=bench-password\n")
        (project / "pyproject.toml").write_text(textwrap.dedent(f"""
                [tool.envcheck.postgres]
                dsn = "postgresql://app@127.0.0.1:{pg.port}/app"
                [tool.envcheck.redis]
                url = "redis://app:${{APP_REDIS_PASSWORD}}@127.0.0.1:{port}/0"
                admin_url = "redis://127.0.0.1:{port}/0"
                """))
        try:
            yield Broken(
                "role, database, schema privilege (PostgreSQL); ACL without DEL (Redis)",
                project,
                _env(),
                args=["--allow-privileged"],
            )
        finally:
            admin.close()


def _poetry_project(scratch: Path) -> tuple[Path, dict[str, str]]:
    from tests.verdicts.venv_lab import base_env, build_template

    home = scratch / "poetry-home"
    home.mkdir()
    return build_template(scratch, home), base_env(home)


@contextmanager
def missing_package(scratch: Path) -> Iterator[Broken]:
    app, env = _poetry_project(scratch)
    text = (app / "pyproject.toml").read_text()
    (app / "pyproject.toml").write_text(text + 'dev_packages = ["demo-dev"]\n')
    python = app / ".venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "uninstall", "--yes", "-q", "demo-dev"],
        check=True,
        env=env,
        capture_output=True,
    )
    yield Broken("a locked dev package missing from the venv (Poetry)", app, env, str(python))


@contextmanager
def stale_lock(scratch: Path) -> Iterator[Broken]:
    from tests.throwaway import make_venv

    app, env = _poetry_project(scratch)
    for lent in app.glob(".venv/lib/python3*/site-packages/zz_*.pth"):
        lent.unlink()  # `poetry sync` would try to remove what the .pth lends
    pyproject = app / "pyproject.toml"
    pyproject.write_text(
        "".join(line for line in pyproject.read_text().splitlines(True) if "demo-gamma" not in line)
    )
    runner = make_venv(scratch / "runner")
    yield Broken(
        "poetry.lock out of step with pyproject.toml", app, env, str(runner), ["-k", "lock-file"]
    )


@contextmanager
def model_not_pulled(scratch: Path) -> Iterator[Broken]:
    from tests.test_fix_heals_project import install_ollama, pulling_ollama
    from tests.verdicts.replay import Replay

    routes, _ = pulling_ollama()
    bin_dir, project = scratch / "bin", scratch / "ollama"
    install_ollama(bin_dir)
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.envcheck.ollama]\nmodels = ["llama9:70b"]\nsmoke = false\ncassettes = false\n'
    )
    with Replay(routes) as replay:
        env = _env(OLLAMA_HOST=replay.url)
        env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
        yield Broken("a model not pulled (replayed Ollama)", project, env, args=["-m", "ollama"])


@contextmanager
def mcp_variable(scratch: Path) -> Iterator[Broken]:
    project = scratch / "mcp"
    project.mkdir()
    faulty = str(ROOT / "tests" / "mcp-servers" / "faulty.py")
    entry = {"command": sys.executable, "args": [faulty, "need-env=BENCH_API_URL"]}
    (project / ".mcp.json").write_text(json.dumps({"mcpServers": {"needsenv": entry}}))
    (project / "pyproject.toml").write_text("[tool.envcheck.mcp]\ntimeout = 8.0\n")
    env = _env(BENCH_API_URL="http://127.0.0.1:9/api")
    yield Broken("an MCP server not passed its variable", project, env, args=["-m", "mcp"])


@contextmanager
def mcp_default(scratch: Path) -> Iterator[Broken]:
    project = scratch / "mcp-default"
    project.mkdir()
    faulty = str(ROOT / "tests" / "mcp-servers" / "faulty.py")
    entry = {
        "command": sys.executable,
        "args": [faulty, "need-env=BENCH_API_URL"],
        "env": {"BENCH_API_URL": "${BENCH_API_URL}"},
    }
    (project / ".mcp.json").write_text(json.dumps({"mcpServers": {"offered": entry}}))
    (project / ".env.example").write_text("BENCH_API_URL=http://127.0.0.1:9/api\n")
    (project / "pyproject.toml").write_text("[tool.envcheck.mcp]\ntimeout = 8.0\n")
    env = {k: v for k, v in _env().items() if k != "BENCH_API_URL"}
    label = "an MCP server's variable unset, a default in .env.example"
    yield Broken(label, project, env, args=["-m", "mcp"])


SCENARIOS = (servers, missing_package, stale_lock, model_not_pulled, mcp_variable, mcp_default)


def heal(broken: Broken) -> tuple[bool, str]:
    """Time ``envcheck fix --yes`` in ``broken``: whether it ended green, and its table row."""
    started = time.perf_counter()
    done = subprocess.run(
        [broken.python, "-m", "envcheck.cli.main", "fix", "--yes", *broken.args],
        cwd=broken.project,
        env=broken.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    took = time.perf_counter() - started
    report = json.loads((broken.project / "envcheck-report.json").read_text())
    fixes = report.get("fixes", [])
    healed = sorted({c for f in fixes for c in f["healed"]})
    rounds = done.stdout.count("envcheck fix: checking again")
    green = done.returncode == 0 and report["summary"]["fail"] == 0 and bool(healed)
    if not green:
        print(done.stdout[-3000:], done.stderr[-2000:], sep="\n", file=sys.stderr)
    return green, (
        f"| {broken.label} | {sum(1 for f in fixes if f['applied'])} | {rounds} | {len(healed)} | "
        f"{took:.1f} s | {'yes' if green else 'no'} |"
    )


def main(names: list[str]) -> int:
    rows = []
    everything_green = True
    unknown = set(names) - {scenario.__name__ for scenario in SCENARIOS}
    if unknown:
        print(f"no such scenario: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    for scenario in SCENARIOS:
        if names and scenario.__name__ not in names:
            continue
        with tempfile.TemporaryDirectory(prefix="envcheck-bench-fix-") as scratch, ExitStack() as s:
            green, row = heal(s.enter_context(scenario(Path(scratch))))
        rows.append(row)
        everything_green &= green
    print("| Broken environment | Fixes applied | Rounds | Healed checks | Time to green | Green |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    return 0 if everything_green else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
