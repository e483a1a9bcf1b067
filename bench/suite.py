"""The test suite's time and where its CPU goes (issue 20). Run from the repository root:

    poetry run python bench/suite.py [PYTEST ARGS...]

Runs the suite as ``scripts/test`` does after its gate (``-m "not envcheck"``, two xdist workers
per CPU, work stealing, ``.pyc`` files written), with ``bench/suite_cpu.py`` loaded in every
worker, then prints: the wall time, the CPU of the whole run (user + system of every process it
waited for), pytest's outcome line, and the CPU per test family (a test file; the held-out rounds
and the plugins summed by component) and the costliest tests. Extra arguments go to pytest (a
file, ``-k``, ``-n 0``). It asserts nothing: the goal (the suite in at most 5 minutes on 2 cores)
is read off its output and written in bench/README.md.
"""

from __future__ import annotations

import collections
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def family(nodeid: str) -> str:
    """A test's family: its file, with the held-out rounds of a component and each plugin's
    tests taken together."""
    path = nodeid.split("::", 1)[0]
    held = re.match(r"tests/verdicts/test_heldout_([a-z]+?)\d*\.py$", path)
    if held:
        return f"held-out rounds: {held.group(1)}"
    plugin = re.match(r"plugins/(envcheck-[a-z]+)/", path)
    return f"plugin {plugin.group(1)}" if plugin else path


def main(argv: list[str]) -> int:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    workers = str(2 * (os.cpu_count() or 1))
    with tempfile.TemporaryDirectory(prefix="suite-cpu-") as tmp:
        env["SUITE_CPU_OUT"] = str(Path(tmp) / "rows")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        args = [sys.executable, "-m", "pytest", "-p", "bench.suite_cpu", "-q"]
        args += ["-m", "not envcheck", "-n", workers, "--dist", "worksteal", *argv]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        rows: list[dict[str, Any]] = []
        for path in Path(tmp).glob("rows.*.json"):
            rows += json.loads(path.read_text(encoding="utf-8"))
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    outcome = [line for line in done.stdout.splitlines() if " in " in line and "=" not in line]
    print(f"pytest exit {done.returncode}: {(outcome or ['(no outcome line)'])[-1]}")
    failed = [line for line in done.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    for line in failed:
        print(f"  {line[:200]}")
    if done.returncode != 0:  # the whole output, for the failures' tracebacks
        with tempfile.NamedTemporaryFile(
            "w", prefix="suite-output-", suffix=".txt", delete=False, encoding="utf-8"
        ) as kept:
            kept.write(done.stdout + done.stderr)
        print(f"pytest's output: {kept.name}")
    print(f"wall {wall:.1f} s; CPU {user:.0f} s user + {system:.0f} s system = {user + system:.0f}")
    spent = sum(r["self"] + r["children"] for r in rows)
    print(f"{len(rows)} tests, {spent:.0f} CPU-s counted per test (the rest: start-up, collection)")
    by_family: collections.Counter[str] = collections.Counter()
    counts: collections.Counter[str] = collections.Counter()
    for row in rows:
        by_family[family(row["id"])] += row["self"] + row["children"]
        counts[family(row["id"])] += 1
    print("\n| family | tests | CPU-s |\n| --- | --- | --- |")
    for name, cpu in by_family.most_common(25):
        print(f"| {name} | {counts[name]} | {cpu:.0f} |")
    print("\ncostliest tests (CPU-s: own + children, wall s):")
    for row in sorted(rows, key=lambda r: -(r["self"] + r["children"]))[:15]:
        cpu = row["self"] + row["children"]
        print(f"  {cpu:6.1f} {row['wall']:6.1f}  {row['id'][:110]}")
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
