"""The reporting plugin: gathers check results and writes the terminal section and the files.

Registered by :mod:`envcheck.pytest_plugin.plugin` in every session, so importing this module
stays cheap: the writers are imported only when there is something to write.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

#: the report files written this session (shown at the end of the terminal section)
WRITTEN_KEY = pytest.StashKey[list[Path]]()
#: what could not be written (a full disk, an unwritable step summary): warnings, not failures
PROBLEMS_KEY = pytest.StashKey[list[str]]()


class ResultLog:
    """Gathers check results from reports (also those sent by pytest-xdist workers) and writes
    the terminal section and the report files at the end of the session."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: list[dict[str, Any]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        found = getattr(report, "envcheck", None)
        if isinstance(found, dict):
            self.results.append(found)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        written = self.config.stash.get(WRITTEN_KEY, [])
        if self.results or written:
            from envcheck.report import terminal

            verbose = self.config.getoption("verbose", 0) > 0
            terminal.write(terminalreporter, self.results, written, verbose=verbose, overview=True)
        for problem in self.config.stash.get(PROBLEMS_KEY, []):
            terminalreporter.write_line(f"envcheck: warning: {problem}", yellow=True, bold=True)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput"):
            return
        if session.exitstatus == pytest.ExitCode.USAGE_ERROR:
            return  # nothing was checked: an all-clear report would let a CI gate pass
        target = self.config.getoption("envcheck_report")
        if not target and not (self.results and os.environ.get("GITHUB_STEP_SUMMARY")):
            return  # nothing to write: no report asked for, no step summary
        from envcheck.report import files

        written, problems = files.write_all(self.config, self.results, target)
        self.config.stash[WRITTEN_KEY] = written
        self.config.stash[PROBLEMS_KEY] = problems
