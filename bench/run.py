"""envcheck benchmarks. Run: ``poetry run python bench/run.py`` (writes bench/README.md).

(a) What merely having envcheck installed adds to ``pytest --collect-only`` in a project without
    ``[tool.envcheck]``, against the same run with ``-p no:envcheck`` (goal: <= 15 ms), and which
    heavy client modules importing the plugin pulls in (goal: none).
(b) 200 plugin checks that each wait 50 ms on I/O, against one such check
    (goal: the whole ``pytest -m envcheck`` run within 1.5 s of the one-check run).
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HEAVY = ("psycopg", "redis", "httpx", "vcr", "ollama", "mcp", "openai", "anthropic", "pydantic")
HERE = Path(__file__).resolve().parent
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV.pop("CI", None)


def timed(args: list[str], cwd: Path, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, cwd=cwd, env=ENV, check=False, capture_output=True)
        samples.append(time.perf_counter() - start)
    return samples


def project_without_envcheck(root: Path) -> None:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0"\n')
    tests = root / "tests"
    tests.mkdir()
    for n in range(20):
        body = "".join(f"def test_{n}_{i}():\n    assert {i} == {i}\n\n" for i in range(10))
        (tests / f"test_mod{n}.py").write_text(body)


def overhead(root: Path, runs: int) -> dict[str, float | str]:
    project_without_envcheck(root)
    pytest_cmd = [sys.executable, "-m", "pytest", "--collect-only", "-q"]
    timed(pytest_cmd, root, 3)  # warm caches (bytecode, rewritten modules)
    with_plugin: list[float] = []
    without: list[float] = []
    for _ in range(runs):  # interleaved, so drift affects both alike
        with_plugin += timed(pytest_cmd, root, 1)
        without += timed([*pytest_cmd, "-p", "no:envcheck"], root, 1)
    probe = (
        "import sys, envcheck.plugin; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules) or 'none')"
    )
    imported = subprocess.run(
        [sys.executable, "-c", probe], env=ENV, capture_output=True, text=True, check=True
    ).stdout.strip()
    w, wo = statistics.median(with_plugin), statistics.median(without)
    return {
        "with_ms": w * 1000,
        "without_ms": wo * 1000,
        "overhead_ms": (w - wo) * 1000,
        "heavy_imported": imported,
    }


CHECKS = """
import time
import envcheck

COUNT = {count}

@envcheck.hookimpl
def envcheck_checks(config):
    def wait(ctx):
        time.sleep(0.05)  # stands for 50 ms of network I/O
    for n in range(COUNT):
        yield envcheck.Check(name=f"io-{{n}}", component="bench", run=wait)
"""


def concurrency(root: Path, runs: int) -> dict[str, float]:
    results = {}
    for count in (1, 200):
        project = root / f"checks{count}"
        project.mkdir(parents=True)
        (project / "pyproject.toml").write_text("[tool.envcheck]\n")
        (project / "conftest.py").write_text(textwrap.dedent(CHECKS.format(count=count)))
        cmd = [sys.executable, "-m", "pytest", "-m", "envcheck", "-q", "-p", "no:cacheprovider"]
        timed(cmd, project, 1)
        results[count] = statistics.median(timed(cmd, project, runs))
    return {
        "one_s": results[1],
        "many_s": results[200],
        "difference_s": results[200] - results[1],
    }


def main() -> int:
    runs = int(os.environ.get("BENCH_RUNS", "15"))
    with tempfile.TemporaryDirectory() as tmp:
        a = overhead(Path(tmp) / "a", runs)
        b = concurrency(Path(tmp) / "b", max(3, runs // 3))
    ok_a = float(a["overhead_ms"]) <= 15 and a["heavy_imported"] == "none"
    ok_b = b["difference_s"] <= 1.5
    table = textwrap.dedent(f"""\
        <!-- results: written by bench/run.py -->
        Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()},
        {os.cpu_count()} CPUs, Python {platform.python_version()}, medians of {runs} runs
        (PYTHONDONTWRITEBYTECODE unset).

        | Benchmark | Result | Goal | Met |
        | --- | --- | --- | --- |
        | (a) `pytest --collect-only`, 200 tests, no `[tool.envcheck]`: with envcheck | \
{a['with_ms']:.0f} ms | | |
        | (a) same with `-p no:envcheck` | {a['without_ms']:.0f} ms | | |
        | (a) cost of having envcheck installed | {a['overhead_ms']:+.1f} ms | <= 15 ms | \
{'yes' if float(a['overhead_ms']) <= 15 else 'NO'} |
        | (a) heavy modules imported by `import envcheck.plugin` | {a['heavy_imported']} | \
none | {'yes' if a['heavy_imported'] == 'none' else 'NO'} |
        | (b) `pytest -m envcheck`, 1 check waiting 50 ms | {b['one_s']:.2f} s | | |
        | (b) `pytest -m envcheck`, 200 checks waiting 50 ms each | {b['many_s']:.2f} s | | |
        | (b) difference | {b['difference_s']:.2f} s | <= 1.5 s | {'yes' if ok_b else 'NO'} |
        """)
    readme = HERE / "README.md"
    text = readme.read_text() if readme.exists() else ""
    marker = "<!-- results: written by bench/run.py -->"
    head = text.split(marker)[0] if marker in text else text
    readme.write_text(head + table)
    print(table)
    return 0 if ok_a and ok_b else 1


if __name__ == "__main__":
    sys.exit(main())
