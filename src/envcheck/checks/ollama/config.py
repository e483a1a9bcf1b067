"""``[tool.envcheck.ollama]``: where the server is, which models must be pulled, what to try."""

from __future__ import annotations

from typing import ClassVar

import pydantic

from envcheck.checks.shared.config import ComponentConfig
from envcheck.checks.shared.ollama import CLIENT_DEFAULT

COMPONENT = "ollama"
DEFAULT_HOST = "${OLLAMA_HOST:-http://localhost:11434}"
__all__ = ["CLIENT_DEFAULT", "COMPONENT", "DEFAULT_HOST", "OllamaConfig"]


class OllamaConfig(ComponentConfig):
    """``[tool.envcheck.ollama]``."""

    version_example: ClassVar[str] = "'0.5.0'"

    host: str = DEFAULT_HOST
    models: list[str] = ["deepseek-r1:8b"]
    smoke: bool = False
    timeout: float = pydantic.Field(default=10.0, gt=0)
    smoke_timeout: float = pydantic.Field(default=120.0, gt=0)
    cassettes: bool = True
