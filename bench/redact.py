"""Redaction is linear: ``poetry run python bench/redact.py``.

Times :func:`envcheck.core.redact.clean` (mask secrets, strip control characters, shorten) on
texts of
500 KB and 1 MB shaped the ways that made the old URL-password pattern quadratic (a 100 KB DSN took
113 s), plus ordinary and adversarial text. Goals: 1 MB of the text envcheck meets (a DSN, a
server's output) in under 100 ms; 1 MB of text built to be slow (a match every few characters)
within a second; in both, twice the text costs about twice the time (quadratic would be 4x).
Prints a Markdown table; exits non-zero when a goal is missed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from envcheck.core import redact

GOAL_MS = 100.0
WORST_GOAL_MS = 1000.0

CASES: dict[str, Callable[[int], str]] = {
    "a DSN whose password is the whole text": lambda n: "postgresql://u:" + "a" * n,
    "the same DSN, ended by @host/db": lambda n: "postgresql://u:" + "a" * n + "@h/db",
    "one long line of letters (an MCP stderr line)": lambda n: "a" * n,
    "server output: lines with words, URLs and key=value": lambda n: (
        "INFO connecting to https://api.example.com/v1 as user token=abcdef1234 ok\n"
        * (n // 76 + 1)
    )[:n],
}
WORST: dict[str, Callable[[int], str]] = {
    "worst case: '://' every 4 characters": lambda n: "x://" * (n // 4),
    "worst case: a URL with a password every 10 characters": lambda n: "x://u:p@h/" * (n // 10),
    "worst case: an escape sequence every 2 characters": lambda n: "\x1b]" * (n // 2),
    "worst case: 'token=' every 6 characters": lambda n: "token=" * (n // 6),
}


def timed(text: str, runs: int = 7) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        redact.clean(text, 200)
        samples.append((time.perf_counter() - started) * 1000)
    return min(samples)  # the machine is shared: the fastest run is the least disturbed


def main() -> int:
    for secret in ("FAKE-bench-secret-one", "FAKE-bench-secret-two", "FAKE-bench-three"):
        redact.register(secret)  # a session's usual handful of known secrets
    print("| Text | 500 KB | 1 MB | ratio | Goal (1 MB) | Met |")
    print("| --- | --- | --- | --- | --- | --- |")
    missed = 0
    rows = [(name, make, GOAL_MS) for name, make in CASES.items()]
    rows += [(name, make, WORST_GOAL_MS) for name, make in WORST.items()]
    for name, make, goal in rows:
        small, large = timed(make(500_000)), timed(make(1_000_000))
        met = large < goal
        missed += not met
        print(
            f"| {name} | {small:.1f} ms | {large:.1f} ms | {large / max(small, 1e-6):.1f}x "
            f"| < {goal:.0f} ms | {'yes' if met else 'no'} |"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
