"""Running a program without root's power to read every file, from tests that run as root (as
the CI does): a file of mode 000 is then unreadable to it, as to any user.

Root reads every file through two capabilities, ``CAP_DAC_OVERRIDE`` and ``CAP_DAC_READ_SEARCH``;
``setpriv`` (util-linux) starts the program without them, in its bounding and inheritable sets.
It stays uid 0, so the interpreter and the project (root's own files) are still its to use.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

_DROPPED = "-dac_override,-dac_read_search"


def command() -> list[str]:
    """The words to put before a command so that it meets file permissions as any user does:
    none for a user who is not root; as root, ``setpriv`` dropping the two capabilities. Skips
    the test, saying why, where that cannot be done."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip(
            "running as root, and setpriv (util-linux) is not installed to drop the "
            "capabilities by which root reads every file"
        )
    why = _cannot_drop(setpriv)
    if why is not None:
        pytest.skip(why)
    return [setpriv, f"--inh-caps={_DROPPED}", f"--bounding-set={_DROPPED}", "--"]


@functools.cache
def _cannot_drop(setpriv: str) -> str | None:
    """Why dropping the capabilities does not make a mode-000 file unreadable here, or ``None``."""
    prefix = [setpriv, f"--inh-caps={_DROPPED}", f"--bounding-set={_DROPPED}", "--"]
    with tempfile.TemporaryDirectory() as directory:
        probe = Path(directory) / "probe"
        probe.write_text("x")
        probe.chmod(0)
        try:
            done = subprocess.run(
                [*prefix, sys.executable, "-c", f"open({str(probe)!r})"],
                capture_output=True,
                text=True,
                timeout=60,
            )
        except OSError as exc:
            return f"running as root, and setpriv cannot run: {exc}"
    if "PermissionError" in done.stderr:
        return None
    said = done.stderr.strip()[-300:] or "the file was read"
    return (
        "running as root, and dropping CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (setpriv) did "
        f"not make a mode-000 file unreadable: {said}"
    )
