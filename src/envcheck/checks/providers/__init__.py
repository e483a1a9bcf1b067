"""The ``providers`` component: OpenAI, Anthropic, Gemini and OpenAI-compatible APIs.

Its hooks are in :mod:`.hooks`; exported here for other plugins: each provider's defaults
(``SPECS``) and the variable its key is read from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from envcheck.core.lazy import exports

if TYPE_CHECKING:
    from envcheck.checks.providers.config import SPECS, default_key_variable

_EXPORTS = {
    "SPECS": "envcheck.checks.providers.config",
    "default_key_variable": "envcheck.checks.providers.config",
}
__all__ = [
    "SPECS",
    "default_key_variable",
]
__getattr__ = exports(__name__, _EXPORTS)
