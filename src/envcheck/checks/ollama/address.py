"""Where the ollama client connects: ``OLLAMA_HOST`` (or a configured host) as it parses it."""

from __future__ import annotations

from envcheck.checks.shared.ollama import client_url

__all__ = ["client_url"]
