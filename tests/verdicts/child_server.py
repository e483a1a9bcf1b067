"""A fake server run as a child process, the way the sweeps run theirs.

``program`` is Python source that reads its plan (a JSON file named by its last argument),
listens on a free port of 127.0.0.1, prints that port on a line of its own, and serves until its
stdin closes. A child of its own keeps the sweep's hundreds of connections off the test's event
loop and threads, and its end is certain: stdin closed, then killed if it has not stopped in 10 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def child_server(
    program: str, plan: Any, table: Path, *args: str, site: bool = False
) -> Iterator[int]:
    """Run ``program`` with ``plan`` written to ``table`` (``args`` before the table's path;
    ``site``: with the site packages, else ``python -S``); yields the port it printed."""
    table.write_text(json.dumps(plan))
    flags = [] if site else ["-S"]
    with subprocess.Popen(
        [sys.executable, *flags, "-c", program, *args, str(table)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            yield int(proc.stdout.readline())
        finally:
            proc.stdin.close()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
                proc.kill()
                proc.wait()
            proc.stdout.close()
