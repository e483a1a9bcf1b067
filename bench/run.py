"""envcheck benchmarks. Run: ``poetry run python bench/run.py`` (writes bench/README.md).

(a) What merely having envcheck installed adds to ``pytest --collect-only`` in a project without
    ``[tool.envcheck]``, against the same run with ``-p no:envcheck`` (goal: <= 15 ms), and which
    heavy client modules importing the plugin pulls in (goal: none).
(b) 200 plugin checks that each wait 50 ms on I/O, against one such check
    (goal: the whole ``pytest -m envcheck`` run within 1.5 s of the one-check run).
(c) Scale: 2,000 such checks against one (goal: within 2 s), with the peak RSS of each run.
(d) A chain of 10,000 checks, each depending on the one before (goal: it runs, all pass).
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
        "import sys, envcheck.pytest_plugin.plugin; "
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


CPU: dict[str, list[float]] = {}


def timed_rss(args: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and output of one run (its CPU seconds go to ``CPU``)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert proc.stdout is not None
    output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    CPU.setdefault(cwd.name, []).append(usage.ru_utime + usage.ru_stime)
    proc.stdout.close()
    return time.perf_counter() - start, usage.ru_maxrss / 1024, output


def scale(root: Path, runs: int) -> dict[str, float]:
    """(c): 1 against 2,000 checks waiting 50 ms each, alternating, medians; peak RSS."""
    cmd = [sys.executable, "-m", "pytest", "-m", "envcheck", "-q", "-p", "no:cacheprovider"]
    for count in (1, 2000):
        project = root / f"scale{count}"
        project.mkdir(parents=True)
        (project / "pyproject.toml").write_text("[tool.envcheck]\n")
        (project / "conftest.py").write_text(textwrap.dedent(CHECKS.format(count=count)))
        # pytest's own cost of 2,000 items: as many empty tests, no envcheck
        plain = root / f"plain{count}"
        plain.mkdir(parents=True)
        body = "".join(f"def test_{n}():\n    pass\n\n" for n in range(count))
        (plain / "test_plain.py").write_text(body)
    plain_cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p"]
    plain_cmd.append("no:envcheck")
    walls: dict[str, list[float]] = {}
    rss: dict[str, list[float]] = {}
    for _ in range(runs):
        for count in (1, 2000):
            for kind, args in (("scale", cmd), ("plain", plain_cmd)):
                wall, peak, output = timed_rss(args, root / f"{kind}{count}")
                if f"{count} passed" not in output:
                    raise SystemExit(f"(c) {kind} {count} did not all pass:\n{output[-2000:]}")
                walls.setdefault(f"{kind}{count}", []).append(wall)
                rss.setdefault(f"{kind}{count}", []).append(peak)
    med = {key: statistics.median(values) for key, values in walls.items()}
    cpu = {key: statistics.median(CPU[key]) for key in walls}
    return {
        "cpu_difference_s": cpu["scale2000"] - cpu["scale1"],
        "cpu_floor_s": cpu["plain2000"] - cpu["plain1"],
        "one_s": med["scale1"],
        "many_s": med["scale2000"],
        "difference_s": med["scale2000"] - med["scale1"],
        "floor_s": med["plain2000"] - med["plain1"],
        "one_rss_mb": max(rss["scale1"]),
        "many_rss_mb": max(rss["scale2000"]),
    }


CHAIN = """
import envcheck

@envcheck.hookimpl
def envcheck_checks(config):
    ok = lambda ctx: None
    yield envcheck.Check(name="link-0", component="chain", run=ok)
    for n in range(1, {count}):
        yield envcheck.Check(name=f"link-{{n}}", component="chain", run=ok,
                             depends_on=[f"link-{{n - 1}}"])
"""


def chain(root: Path, count: int = 10_000) -> dict[str, float | bool]:
    """(d): a chain of ``count`` checks runs (a 500-check chain was a RecursionError)."""
    project = root / "chain"
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text("[tool.envcheck]\n")
    (project / "conftest.py").write_text(textwrap.dedent(CHAIN.format(count=count)))
    cmd = [sys.executable, "-m", "pytest", "-m", "envcheck", "-q", "-p", "no:cacheprovider"]
    wall, peak, output = timed_rss(cmd, project)
    return {"wall_s": wall, "rss_mb": peak, "ok": f"{count} passed" in output}


def main() -> int:
    runs = int(os.environ.get("BENCH_RUNS", "15"))
    with tempfile.TemporaryDirectory() as tmp:
        a = overhead(Path(tmp) / "a", runs)
        b = concurrency(Path(tmp) / "b", max(3, runs // 3))
        c = scale(Path(tmp) / "c", max(3, runs // 5))
        d = chain(Path(tmp) / "d")
    ok_a = float(a["overhead_ms"]) <= 15 and a["heavy_imported"] == "none"
    ok_b = b["difference_s"] <= 1.5
    ok_c = c["difference_s"] <= 2.0
    ok_d = bool(d["ok"])
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
        | (a) heavy modules imported by `import envcheck.pytest_plugin.plugin` | \
{a['heavy_imported']} | none | {'yes' if a['heavy_imported'] == 'none' else 'NO'} |
        | (b) `pytest -m envcheck`, 1 check waiting 50 ms | {b['one_s']:.2f} s | | |
        | (b) `pytest -m envcheck`, 200 checks waiting 50 ms each | {b['many_s']:.2f} s | | |
        | (b) difference | {b['difference_s']:.2f} s | <= 1.5 s | {'yes' if ok_b else 'NO'} |
        | (c) `pytest -m envcheck`, 1 check waiting 50 ms (peak RSS {c['one_rss_mb']:.0f} MB) | \
{c['one_s']:.2f} s | | |
        | (c) 2,000 checks waiting 50 ms each (peak RSS {c['many_rss_mb']:.0f} MB) | \
{c['many_s']:.2f} s | | |
        | (c) difference | {c['difference_s']:.2f} s | <= 2 s | {'yes' if ok_c else 'NO'} |
        | (c) pytest's own cost of 2,000 items (2,000 empty tests against 1, no envcheck) | \
{c['floor_s']:.2f} s | | |
        | (c) CPU: 2,000 checks against 1 / 2,000 empty tests against 1 | \
{c['cpu_difference_s']:.2f} s / {c['cpu_floor_s']:.2f} s | | |
        | (d) a chain of 10,000 dependent checks (peak RSS {d['rss_mb']:.0f} MB) | \
{d['wall_s']:.1f} s | runs, all pass | {'yes' if ok_d else 'NO'} |
        """)
    readme = HERE / "README.md"
    text = readme.read_text() if readme.exists() else ""
    marker = "<!-- results: written by bench/run.py -->"
    head, _, rest = text.partition(marker)
    # the results end at the next section: the sections after them are other benchmarks'
    after = rest[rest.index("\n## ") :] if "\n## " in rest else ""
    readme.write_text(head + table.rstrip("\n") + "\n" + after)
    print(table)
    return 0 if ok_a and ok_b and ok_c and ok_d else 1


if __name__ == "__main__":
    sys.exit(main())
