"""A mock LLM API with fault injection: OpenAI, Anthropic, Gemini and Ollama on one local port.

Responses are shaped after real recordings (``data/``, see ``data/SOURCES.md``). Teams point their
own code at it (``mock.base_url("openai")``) and script faults to test their rate limiting and
error handling::

    with MockLLM() as mock:
        mock.fault("openai", status=429, retry_after=1.0, times=2)
        client = openai.OpenAI(base_url=mock.base_url("openai"), api_key="mock-key")

The server (and ``http.server``) is imported on first use: the checks only need
:data:`MOCK_HEADER` to tell a mocked answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envcheck.core.lazy import exports

if TYPE_CHECKING:
    from envcheck.mock._providers import MOCK_HEADER
    from envcheck.mock._server import Call, Fault, MockLLM

_EXPORTS = {
    "Call": "envcheck.mock._server",
    "Fault": "envcheck.mock._server",
    "MockLLM": "envcheck.mock._server",
    "MOCK_HEADER": "envcheck.mock._providers",
}
__all__ = ["Call", "Fault", "MOCK_HEADER", "MockLLM"]
__getattr__ = exports(__name__, _EXPORTS)
