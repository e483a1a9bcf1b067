"""A mock LLM API with fault injection: OpenAI, Anthropic, Gemini and Ollama on one local port.

Responses are shaped after real recordings (``data/``, see ``data/SOURCES.md``). Teams point their
own code at it (``mock.base_url("openai")``) and script faults to test their rate limiting and
error handling::

    with MockLLM() as mock:
        mock.fault("openai", status=429, retry_after=1.0, times=2)
        client = openai.OpenAI(base_url=mock.base_url("openai"), api_key="mock-key")

The server (and ``http.server``) is imported on first use: the checks only need
:data:`envcheck.mock._providers.MOCK_HEADER` to tell a mocked answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from envcheck.mock._server import Call, Fault, MockLLM

__all__ = ["Call", "Fault", "MockLLM"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from envcheck.mock import _server

        return getattr(_server, name)
    raise AttributeError(f"module 'envcheck.mock' has no attribute {name!r}")
