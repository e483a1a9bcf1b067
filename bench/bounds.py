"""Inputs are bounded and linear: ``poetry run python bench/bounds.py``.

For each kind of input a careless project can hand envcheck, time and peak memory at growing
sizes, and the growth factor between the two largest (linear: about the size factor; quadratic:
its square). Prints a Markdown table; exits non-zero when a goal is missed.

- ``.env``: 2,000 to 100,000 lines, half of them secrets (``APP_TOKEN_n``): parsed, the secrets
  registered, then 100 failure texts redacted (each known secret is looked for in every output).
- MCP servers: 100 to 10,000 stdio servers in ``.mcp.json`` whose command does not exist, one
  ``envcheck`` run each (wall time of the process): at most ``MAX_SERVERS`` are checked, so the
  time beyond the limit stays flat.
- Program output: ``kit.run_command`` of a program that prints 1 to 100 MB to stderr and exits
  1; time and peak memory (tracemalloc), next to ``subprocess.run(capture_output=True)``.
- Every other program envcheck runs, each a fake that prints 1 or 100 MB: a project's
  ``python3.N`` asked for its version, a ``poetry`` command, a fix step (``envcheck fix``), the
  check run of ``envcheck mcp serve``, and ``git check-ignore`` of ``envcheck init``.
- MCP HTTP answers: a local server answering 1, 10, 100 MB of ``application/json`` and an event
  stream without end, read through the client the MCP checks use (``mcpkit._capped``), next to a
  plain ``httpx2`` client (what the SDK used before).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from envcheck.core import dotenv, redact
from envcheck.core.model import CheckFailed

ROOT = Path(__file__).resolve().parent.parent
#: growth of time between the two largest sizes may be at most this much above the size factor
LINEAR_SLACK = 1.6


def dotenv_run(lines: int) -> Callable[[], None]:
    text = "".join(
        f"APP_TOKEN_{i}=tok-{i:08d}-abcdef\nPLAIN_{i}=value-{i}\n" for i in range(lines // 2)
    )
    message = "connection to redis://app@cache:6379/0 refused: " + "x" * 400

    def run() -> None:
        redact._secrets.clear()
        values = dotenv.parse(text, where=".env", environ={})
        for name, value in values.items():
            if redact.is_secret_name(name):
                redact.register(value)
        for _ in range(100):
            redact.clean(message, 500)

    return run


def measure(run: Callable[[], None]) -> tuple[float, float]:
    """Seconds (best of three) and peak MiB of one run."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, peak


def mcp_servers(count: int) -> float:
    """Seconds of one ``envcheck`` run over ``count`` servers whose command does not exist."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        servers = {f"s{i}": {"command": f"no-such-mcp-server-{i}"} for i in range(count)}
        (root / ".mcp.json").write_text(json.dumps({"mcpServers": servers}))
        (root / "pyproject.toml").write_text("[tool.envcheck.mcp]\n")
        envcheck = Path(sys.executable).parent / "envcheck"
        started = time.perf_counter()
        subprocess.run(
            [str(envcheck), "-p", "no:cacheprovider"],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=600,
        )
        return time.perf_counter() - started


FLOOD = (
    "import sys\n"
    "for _ in range(int(sys.argv[1])):\n"
    "    sys.stderr.buffer.write(b'e' * 1_000_000)\n"
    "sys.exit(1)\n"
)


def program_output(megabytes: int, bounded: bool) -> tuple[float, float]:
    """Seconds and peak MiB of running a program that prints ``megabytes`` MB to stderr."""
    from envcheck.kit import run_command

    args = [sys.executable, "-c", FLOOD, str(megabytes)]
    tracemalloc.start()
    started = time.perf_counter()
    if bounded:
        try:
            run_command(args, timeout=60, what="bench", fix="none")
        except CheckFailed:
            pass
    else:
        subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=60)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak


NOISE = (
    "import sys\n"
    "out = sys.stderr if sys.argv[-1] == 'err' else sys.stdout\n"
    "for _ in range(int(sys.argv[1])):\n"
    "    out.write('noise: nothing to see here ' * 37000 + '\\n')\n"
    "sys.exit(int(sys.argv[2]))\n"
)


def fake(directory: Path, name: str, megabytes: int, code: int, stream: str = "out") -> Path:
    """A program ``name`` that prints about ``megabytes`` MB (whatever its arguments)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(
        f"#!/bin/sh\nexec {sys.executable} -c \"$(cat <<'EOF'\n{NOISE}EOF\n)\" "
        f"{megabytes} {code} {stream}\n"
    )
    path.chmod(0o755)
    return path


def traced(run: Callable[[], object]) -> tuple[float, float]:
    """Seconds and peak MiB (tracemalloc) of one call."""
    tracemalloc.start()
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak


def program_kinds(megabytes: int) -> dict[str, tuple[float, float]]:
    """Seconds and peak MiB of each kind of program run, the program printing ``megabytes``."""
    import os

    from packaging.specifiers import SpecifierSet

    from envcheck.checks.venv import poetry, pythons
    from envcheck.cli import init, mcp_server
    from envcheck.core.config import EnvcheckConfig, Settings
    from envcheck.core.fix import Command
    from envcheck.engine import fixer

    found: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        saved = os.environ["PATH"]
        try:
            os.environ["PATH"] = f"{root / 'bin'}{os.pathsep}{saved}"
            fake(root / "bin", "python3.19", megabytes, 0)
            found["a project's python3.N (version)"] = traced(
                lambda: pythons.find(SpecifierSet("==3.19.*"), timeout=60)
            )
            program = fake(root / "bin", "poetry", megabytes, 1, "err")

            def spawn() -> None:
                poetry._spawn(str(program), ["env", "info"], 60, 60)

            found["a poetry command (stderr)"] = traced(spawn)
            config = EnvcheckConfig(sections={}, settings=Settings(), rootdir=root, source="")
            step = Command([str(fake(root / "bin", "step", megabytes, 3))])
            found["an envcheck fix step"] = traced(lambda: fixer._command(step, config, 60))
            run = fake(root / "bin", "run", megabytes, 3)
            found["envcheck mcp serve's check run"] = traced(
                lambda: mcp_server.run([str(run)], root, 60)
            )
            (root / "project" / ".git").mkdir(parents=True)
            fake(root / "bin", "git", megabytes, 1)
            found["envcheck init's git check-ignore"] = traced(
                lambda: init._ignored(root / "project", "envcheck-report.json")
            )
        finally:
            os.environ["PATH"] = saved
    return found


def mcp_answer(size: int | None, bounded: bool) -> tuple[float, float]:
    """Seconds and peak MiB of reading one MCP HTTP answer of ``size`` bytes (``None``: an event
    stream without end; only bounded)."""
    import anyio
    import httpx2

    from envcheck.core.limits import MAX_MCP_HTTP_ANSWER
    from envcheck.mcpkit import _capped

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.verdicts.mcp_world import flooding

    kind = "application/json" if size is not None else "text/event-stream"
    with flooding(kind, size) as (port, _sent):
        url = f"http://127.0.0.1:{port}/mcp"

        async def read() -> None:
            timeout = httpx2.Timeout(60.0)
            if bounded:
                client = _capped.client(MAX_MCP_HTTP_ANSWER, lambda url: None, timeout=timeout)
            else:
                client = httpx2.AsyncClient(timeout=timeout)
            async with client:
                try:
                    response = await client.post(url, content=b"{}")
                    response.read()
                except _capped.AnswerTooLarge:
                    pass

        return traced(lambda: anyio.run(read))


def main() -> int:
    before = set(redact._secrets)
    missed = 0
    print("| Input | Size | Time | Peak memory | Growth (time, last step) | Goal | Met |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    sizes = [2_000, 10_000, 20_000, 100_000]
    timings = []
    for size in sizes:
        seconds, peak = measure(dotenv_run(size))
        timings.append(seconds)
        print(f"| .env lines | {size:,} | {seconds * 1000:.0f} ms | {peak:.1f} MiB | | | |")
    factor = sizes[-1] / sizes[-2]
    growth = timings[-1] / timings[-2]
    met = growth <= factor * LINEAR_SLACK
    missed += not met
    print(
        f"| .env lines | {sizes[-2]:,} → {sizes[-1]:,} | | | {growth:.1f}x for {factor:.0f}x | "
        f"≤ {factor * LINEAR_SLACK:.0f}x | {'yes' if met else 'no'} |"
    )
    redact._secrets.clear()
    redact._secrets.update(before)

    from envcheck.checks.mcp.config import MAX_SERVERS

    runs = {count: mcp_servers(count) for count in (100, 1_000, 10_000)}
    for count, seconds in runs.items():
        print(f"| MCP servers in .mcp.json | {count:,} | {seconds:.1f} s | | | | |")
    growth = runs[10_000] / runs[100]
    met = growth <= 2  # beyond MAX_SERVERS, more servers cost (almost) nothing
    missed += not met
    print(
        f"| MCP servers in .mcp.json | 100 → 10,000 (limit {MAX_SERVERS}) | | | "
        f"{growth:.1f}x for 100x | ≤ 2x | {'yes' if met else 'no'} |"
    )

    peaks = []
    for megabytes in (1, 10, 100):
        seconds, peak = program_output(megabytes, bounded=True)
        peaks.append(peak)
        print(
            f"| program stderr (run_command) | {megabytes} MB | {seconds * 1000:.0f} ms | "
            f"{peak:.1f} MiB | | | |"
        )
    seconds, peak = program_output(100, bounded=False)
    print(
        f"| program stderr (subprocess.run, unbounded) | 100 MB | {seconds * 1000:.0f} ms | "
        f"{peak:.1f} MiB | | | |"
    )
    met = peaks[-1] <= 16
    missed += not met
    print(
        f"| program stderr (run_command) | 1 → 100 MB | | {peaks[-1] / peaks[0]:.1f}x memory | | "
        f"≤ 16 MiB | {'yes' if met else 'no'} |"
    )

    kinds = {megabytes: program_kinds(megabytes) for megabytes in (1, 100)}
    for name in kinds[1]:
        for megabytes, found in kinds.items():
            seconds, peak = found[name]
            print(f"| {name} | {megabytes} MB | {seconds * 1000:.0f} ms | {peak:.1f} MiB | | | |")
        met = kinds[100][name][1] <= 16
        missed += not met
        print(f"| {name} | 1 → 100 MB | | | | ≤ 16 MiB | {'yes' if met else 'no'} |")

    sizes_mb = (1, 10, 100)
    answers = {mb: mcp_answer(mb * 2**20, bounded=True) for mb in sizes_mb}
    answers[0] = mcp_answer(None, bounded=True)  # an event stream without end
    before = mcp_answer(100 * 2**20, bounded=False)
    for mb, (seconds, peak) in answers.items():
        size = f"{mb} MB" if mb else "an event stream without end"
        print(f"| MCP HTTP answer | {size} | {seconds * 1000:.0f} ms | {peak:.1f} MiB | | | |")
    print(
        f"| MCP HTTP answer, before (plain httpx2 client) | 100 MB | {before[0] * 1000:.0f} ms | "
        f"{before[1]:.1f} MiB | | | |"
    )
    met = answers[100][1] <= 48 and answers[0][1] <= 48
    missed += not met
    print(f"| MCP HTTP answer | 1 → 100 MB, endless | | | | ≤ 48 MiB | {'yes' if met else 'no'} |")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
