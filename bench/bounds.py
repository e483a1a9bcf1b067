"""Inputs are bounded and linear: ``poetry run python bench/bounds.py``.

For each kind of input a careless project can hand envcheck, time and peak memory at growing
sizes, and the growth factor between the two largest (linear: about the size factor; quadratic:
its square). Prints a Markdown table; exits non-zero when a goal is missed.

- ``.env``: 2,000 to 100,000 lines, half of them secrets (``APP_TOKEN_n``): parsed, the secrets
  registered, then 100 failure texts redacted (each known secret is looked for in every output).
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Callable

from envcheck.core import dotenv, redact

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
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
