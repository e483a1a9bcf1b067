"""A mock LLM API with fault injection: OpenAI, Anthropic, Gemini and Ollama on one local port.

Responses are shaped after real recordings (``data/``, see ``data/SOURCES.md``). Teams point their
own code at it (``mock.base_url("openai")``) and script faults to test their rate limiting and
error handling::

    with MockLLM() as mock:
        mock.fault("openai", status=429, retry_after=1.0, times=2)
        client = openai.OpenAI(base_url=mock.base_url("openai"), api_key="mock-key")
"""

from envcheck.mock._server import Call, Fault, MockLLM

__all__ = ["Call", "Fault", "MockLLM"]
