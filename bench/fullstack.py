"""Issue 13: envcheck's full stack against a hand-written check suite.

Run: ``poetry run python bench/fullstack.py`` (``BENCH_RUNS`` repetitions, default 7; medians).
``--no-readme`` prints the table without rewriting the issue-13 section of bench/README.md.

Two scratch projects are built in a temporary directory:

- ``full``: a Poetry project (this repository's pyproject.toml dependency tables and poetry.lock,
  its environment linked as ``.venv``) whose ``[tool.envcheck]`` checks the venv with Poetry and
  10 packages, PostgreSQL, Redis, OpenAI, Anthropic, Gemini and Ollama, the last four against an
  ``envcheck mock serve`` this script starts on a free port (``cassettes = false``: every check
  talks to the server). Run as ``pytest -m envcheck --envcheck-only``.
- ``hand``: ``bench/handwritten/test_stack.py`` (six sequential tests covering less), run with
  ``-p no:envcheck``.

Both run alternately, **cold** (``--cache-clear`` and pyproject.toml touched: the first run after a
change) and **warm** (the same command again, nothing changed), ``PYTHONDONTWRITEBYTECODE`` unset.
Wall time, and CPU as user+sys of the pytest process and every child it waited for (``os.wait4``).
Then, from warm runs with ``--envcheck-report``: each provider check's duration against a raw httpx
GET to the same mock, the package checks' sum, and bench/run.py's (a) (installed but unused).
"""

from __future__ import annotations

import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
POETRY_DIR = REPO / ".tools" / "poetry" / "bin"
START = "<!-- issue13: written by bench/fullstack.py -->"
END = "<!-- /issue13 -->"
PACKAGES = [
    "pytest>=8.0",
    "pluggy>=1.5",
    "pydantic>=2.6",
    "packaging>=23",
    "tomlkit>=0.12",
    "psycopg>=3.2",
    "redis>=5.0",
    "httpx>=0.27",
    "vcrpy>=6.0",
    "ollama>=0.4",
]
CONFIG = """
[tool.envcheck]

[tool.envcheck.venv]
python = ">=3.11,<3.12"
require_venv = true
poetry = true
packages = [{packages}]

[tool.envcheck.postgres]
dsn = "${{DATABASE_URL}}"

[tool.envcheck.redis]
url = "${{REDIS_URL}}"

[tool.envcheck.providers.openai]
base_url = "{mock}/openai/v1"
model = "gpt-4o-mini"
cassettes = false

[tool.envcheck.providers.anthropic]
base_url = "{mock}/anthropic"
model = "claude-sonnet-4-5"
cassettes = false

[tool.envcheck.providers.gemini]
base_url = "{mock}/gemini"
model = "gemini-2.5-flash"
cassettes = false

[tool.envcheck.ollama]
host = "{mock}/ollama"
models = ["deepseek-r1:8b"]
cassettes = false

[tool.envcheck.mcp]
discover = false
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment(mock: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "CI")}
    env["PATH"] = f"{POETRY_DIR}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    env["BENCH_MOCK_URL"] = mock
    env["OPENAI_API_KEY"] = "sk-bench"
    env["ANTHROPIC_API_KEY"] = "sk-ant-bench"
    env["GEMINI_API_KEY"] = "AIzabench"
    for name in ("OLLAMA_HOST", "PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
        env.pop(name, None)
    return env


def full_project(root: Path, mock: str) -> Path:
    """This repository's dependency tables and lock, its environment, and the full-stack config."""
    project = root / "full"
    project.mkdir()
    kept, keep = [], True
    for line in (REPO / "pyproject.toml").read_text().splitlines():
        if line.startswith("["):
            table = line.strip("[] ")
            keep = not table.startswith(("tool.envcheck", "tool.pytest", "tool.mypy"))
        if keep:
            kept.append(line)
    packages = ", ".join(f'"{p}"' for p in PACKAGES)
    text = "\n".join(kept) + CONFIG.format(packages=packages, mock=mock)
    (project / "pyproject.toml").write_text(text)
    for name in ("poetry.lock", "poetry.toml"):
        (project / name).write_bytes((REPO / name).read_bytes())
    for name in ("src", "plugins", "README.md", ".venv"):
        (project / name).symlink_to(REPO / name)
    return project


def hand_project(root: Path) -> Path:
    project = root / "hand"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0"\n')
    source = HERE / "handwritten" / "test_stack.py"
    (project / "test_stack.py").write_text(source.read_text())
    return project


def start_mock(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [PY, "-m", "envcheck.cli.main", "mock", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO
    )
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_envcheck/faults", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("envcheck mock serve did not answer within 30 s")


def reset_mock(mock: str) -> None:
    import httpx

    httpx.post(f"{mock}/_envcheck/reset", timeout=5)


def timed(
    args: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)
) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user+sys, waited-for children included) and output."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert proc.stdout is not None
    output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(args)} in {cwd} exited {proc.returncode}:\n{output[-4000:]}")
    return wall, usage.ru_utime + usage.ru_stime, output


FULL = [PY, "-m", "pytest", "-m", "envcheck", "--envcheck-only", "-q"]
HAND = [PY, "-m", "pytest", "-q", "-p", "no:envcheck"]
#: what both pay: pytest and this environment's plugins, in a project without tests (exit code 5)
FLOOR = HAND


def alternate(
    full: Path, hand: Path, env: dict[str, str], runs: int, mock: str
) -> tuple[dict[str, list[float]], dict[str, list[float]], str]:
    walls: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    last = ""
    for n in range(runs):
        suites = [("full", FULL, full), ("hand", HAND, hand)]
        if n % 2:
            suites.reverse()
        for mode in ("cold", "warm"):
            for name, cmd, cwd in suites:
                args = list(cmd)
                if mode == "cold":
                    (cwd / "pyproject.toml").touch()
                    args.append("--cache-clear")
                reset_mock(mock)
                wall, cpu, output = timed(args, cwd, env)
                walls.setdefault(f"{name}-{mode}", []).append(wall)
                cpus.setdefault(f"{name}-{mode}", []).append(cpu)
                if name == "full":
                    last = output
        wall, cpu, _ = timed(FLOOR, full.parent / "floor", env, ok=(5,))
        walls.setdefault("floor", []).append(wall)
        cpus.setdefault("floor", []).append(cpu)
    return walls, cpus, last


def raw_httpx(mock: str, samples: int = 15) -> dict[str, float]:
    """Median ms of one ``httpx.get`` (a new client and connection, as a single check makes)
    and of one GET on an open client, for each provider's model listing on the mock."""
    import httpx

    gets = {
        "openai": ("/openai/v1/models", {"Authorization": "Bearer sk-bench"}),
        "anthropic": (
            "/anthropic/v1/models",
            {"x-api-key": "sk-ant-bench", "anthropic-version": "2023-06-01"},
        ),
        "gemini": ("/gemini/v1beta/models", {"x-goog-api-key": "AIzabench"}),
        "ollama": ("/ollama/api/version", {}),
    }
    out: dict[str, float] = {}
    for name, (path, headers) in gets.items():
        fresh, reused = [], []
        for _ in range(samples):
            start = time.perf_counter()
            httpx.get(mock + path, headers=headers, timeout=5).raise_for_status()
            fresh.append(time.perf_counter() - start)
        with httpx.Client(timeout=5) as client:
            client.get(mock + path, headers=headers)
            for _ in range(samples):
                start = time.perf_counter()
                client.get(mock + path, headers=headers).raise_for_status()
                reused.append(time.perf_counter() - start)
        out[name] = statistics.median(fresh) * 1000
        out[f"{name}-reused"] = statistics.median(reused) * 1000
    return out


def per_check(
    full: Path, env: dict[str, str], runs: int, mock: str, select: tuple[str, ...] = ()
) -> dict[str, float]:
    """Median duration (ms) of each check over ``runs`` warm runs with a JSON report (of the
    checks ``select`` picks, e.g. ``("-m", "providers")``; all by default)."""
    report = full / "bench-report"
    durations: dict[str, list[float]] = {}
    for _ in range(runs):
        reset_mock(mock)
        timed([*FULL, *select, f"--envcheck-report={report}"], full, env)
        document = json.loads((full / "bench-report.json").read_text())
        for result in document["checks"]:
            key = f"{result['component']}::{result['name']}"
            durations.setdefault(key, []).append(float(result["duration"]) * 1000)
    return {key: statistics.median(values) for key, values in durations.items()}


def installed_but_unused(root: Path, runs: int) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    import run  # bench/run.py

    result: dict[str, Any] = run.overhead(root, runs)
    return result


def loadavg() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def table(data: dict[str, Any]) -> str:
    walls, cpus, checks, raw = data["walls"], data["cpus"], data["checks"], data["raw"]
    med = {k: statistics.median(v) for k, v in walls.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    cold = med["full-cold"] / med["hand-cold"]
    warm = med["full-warm"] / med["hand-warm"]
    warm_cpu = cpu["full-warm"] / cpu["hand-warm"]
    alone = data["alone"]

    def over_raw(durations: dict[str, float]) -> tuple[str, float]:
        """The provider/ollama check furthest above a raw ``httpx.get`` to the same mock."""
        extra = {}
        for key, ms in durations.items():
            component, name = key.split("::")
            if component == "ollama":
                extra[key] = ms - raw["ollama"]
            elif component == "providers" and not name.endswith(".key"):
                extra[key] = ms - raw[name.split(".")[0]]
        worst = max(extra, key=lambda k: extra[k])
        return worst, extra[worst]

    def package_sum(durations: dict[str, float]) -> tuple[int, float]:
        found = [ms for key, ms in durations.items() if re.search(r"::package\[", key)]
        return len(found), sum(found)

    a = data["a"]

    def met(ok: bool) -> str:
        return "yes" if ok else "NO"

    lines = [
        START,
        f"Measured {data['when']} on {platform.machine()}, {os.cpu_count()} CPUs shared with "
        f"other jobs (load average {data['load_before']} before, {data['load_after']} after), "
        f"Python {platform.python_version()}, medians of {data['runs']} alternating runs, "
        f"{data['count']} checks in the full stack.",
        "",
        "| Measure | full stack (envcheck) | hand-written | ratio | goal | met |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| cold wall | {med['full-cold']:.2f} s | {med['hand-cold']:.2f} s | {cold:.2f}x | "
        f"<= 1.0x | {met(cold <= 1.0)} |",
        f"| cold CPU | {cpu['full-cold']:.2f} s | {cpu['hand-cold']:.2f} s | "
        f"{cpu['full-cold'] / cpu['hand-cold']:.2f}x | | |",
        f"| warm wall | {med['full-warm']:.2f} s | {med['hand-warm']:.2f} s | {warm:.2f}x | "
        f"<= 0.6x | {met(warm <= 0.6)} |",
        f"| warm CPU | {cpu['full-warm']:.2f} s | {cpu['hand-warm']:.2f} s | {warm_cpu:.2f}x | "
        f"<= 1.0x | {met(warm_cpu <= 1.0)} |",
        f"| floor: `pytest -p no:envcheck` in a project without tests (both pay it) | "
        f"{med['floor']:.2f} s wall, {cpu['floor']:.2f} s CPU | | | | |",
        f"| warm wall above the floor | {med['full-warm'] - med['floor']:.2f} s | "
        f"{med['hand-warm'] - med['floor']:.2f} s | "
        f"{(med['full-warm'] - med['floor']) / (med['hand-warm'] - med['floor']):.2f}x | | |",
        f"| warm CPU above the floor | {cpu['full-warm'] - cpu['floor']:.2f} s | "
        f"{cpu['hand-warm'] - cpu['floor']:.2f} s | "
        f"{(cpu['full-warm'] - cpu['floor']) / (cpu['hand-warm'] - cpu['floor']):.2f}x | | |",
        "",
        "| Measure | result | goal | met |",
        "| --- | --- | --- | --- |",
    ]
    for label, durations in (("in the full run", checks), ("run alone", alone)):
        worst, extra = over_raw(durations)
        count, total = package_sum(durations)
        lines += [
            f"| provider/ollama check furthest above a raw `httpx.get` to the same mock, "
            f"{label} | {worst}: +{extra:.1f} ms | <= +20 ms | {met(extra <= 20)} |",
            f"| the {count} package checks together (sum of durations), {label} | {total:.1f} ms "
            f"| <= 50 ms | {met(total <= 50 and count == 10)} |",
        ]
    lines += [
        f"| (a) installed but unused (bench/run.py) | {a['overhead_ms']:+.1f} ms | <= 15 ms | "
        f"{met(float(a['overhead_ms']) <= 15)} |",
        "| (a) client libraries imported by `import envcheck.pytest_plugin.plugin` | "
        f"{a['heavy_imported']} | "
        f"none | {met(a['heavy_imported'] == 'none')} |",
        "",
        "Per check (median ms of warm runs with `--envcheck-report`; raw `httpx.get`: "
        + ", ".join(
            f"{k} {raw[k]:.1f} ms (open client {raw[k + '-reused']:.1f} ms)"
            for k in ("openai", "anthropic", "gemini", "ollama")
        )
        + "):",
        "",
        "| check | ms, full run | ms, run alone (`-k package`, `-m providers`, `-m ollama`) |",
        "| --- | --- | --- |",
        *(
            f"| {k} | {v:.1f} | {alone[k]:.1f} |" if k in alone else f"| {k} | {v:.1f} | |"
            for k, v in sorted(checks.items(), key=lambda kv: -kv[1])
        ),
        END,
    ]
    return "\n".join(lines) + "\n"


def write_readme(section: str) -> None:
    readme = HERE / "README.md"
    text = readme.read_text()
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + section + "\n" + tail
    else:
        marker = "<!-- results: written by bench/run.py -->"
        head, sep, tail = text.partition(marker)
        text = head + section + "\n" + sep + tail
    readme.write_text(text)


def main() -> int:
    runs = int(os.environ.get("BENCH_RUNS", "7"))
    port = free_port()
    mock = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="envcheck-fullstack-") as tmp:
        root = Path(tmp)
        env = environment(mock)
        server = start_mock(port, env)
        try:
            full, hand = full_project(root, mock), hand_project(root)
            (root / "floor").mkdir()
            (root / "floor" / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n')
            load_before = loadavg()
            timed(FULL, full, env)  # the first run ever: Poetry's answers cached, bytecode
            timed(HAND, hand, env)
            walls, cpus, output = alternate(full, hand, env, runs, mock)
            found = re.search(r"(\d+) passed", output)
            checks = per_check(full, env, max(3, runs // 2), mock)
            alone = {}
            for select in (("-k", "package"), ("-m", "providers"), ("-m", "ollama")):
                alone.update(per_check(full, env, max(3, runs // 2), mock, select))
            raw = raw_httpx(mock)
            a = installed_but_unused(root / "a", max(7, runs))
            load_after = loadavg()
        finally:
            server.terminate()
            server.wait(10)
    data = {
        "walls": walls,
        "cpus": cpus,
        "checks": checks,
        "alone": alone,
        "raw": raw,
        "a": a,
        "runs": runs,
        "count": found.group(1) if found else "?",
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_before": load_before,
        "load_after": load_after,
    }
    section = table(data)
    print(section)
    print(textwrap.indent(json.dumps({"walls": walls, "cpus": cpus}, indent=1), "  "))
    if "--no-readme" not in sys.argv:
        write_readme(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
