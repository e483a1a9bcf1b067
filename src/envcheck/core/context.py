"""What a running check can see and record."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envcheck.core import interpolate as _interpolate
from envcheck.core.model import CheckFailed, FactValue

if TYPE_CHECKING:
    from envcheck.core.config import EnvcheckConfig
    from envcheck.core.model import Check, CheckResult


class Context:
    """Handed to ``Check.run``: the check's config, its deadline, a place for facts."""

    def __init__(
        self,
        check: Check,
        config: EnvcheckConfig,
        results: Mapping[str, CheckResult],
        deadline: float,
    ) -> None:
        self.check = check
        self.config = config
        self.section: Any = check.section
        self.facts: dict[str, FactValue] = {}
        self.evidence: str | None = None
        self._results = results
        self._deadline = deadline

    @property
    def rootdir(self) -> Path:
        return self.config.rootdir

    def remaining(self) -> float:
        """Seconds left before the check's timeout (never below 0.05)."""
        return max(0.05, self._deadline - time.monotonic())

    def fact(self, key: str, value: FactValue) -> None:
        """Record a fact (version, latency, count...) shown in every report."""
        self.facts[key] = value

    def resolve(self, value: Any, *, secret: bool = False, key: str = "value") -> str:
        """Resolve ``${VAR}`` references in ``value``; secrets are masked in all output.

        A missing variable without a default fails the check naming the variable and ``key``.
        """
        if value is None:
            return ""
        if hasattr(value, "get_secret_value"):
            value, secret = value.get_secret_value(), True
        try:
            return _interpolate.resolve(str(value), self.config.environ, secret=secret)
        except _interpolate.MissingVariable as exc:
            raise CheckFailed(
                f"{key} refers to ${{{exc.name}}}, which is not set",
                why=f"the environment variable {exc.name} is empty or missing in this shell",
                hint=f"export {exc.name}=... (or give a default: ${{{exc.name}:-value}})",
            ) from None

    def dependency(self, check_id: str) -> CheckResult:
        """The result of a check this one depends on."""
        return self._results[check_id]
