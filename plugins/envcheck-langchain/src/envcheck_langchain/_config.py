"""``[tool.envcheck.langchain]`` and ``[tool.envcheck.langgraph]``."""

from __future__ import annotations

from dataclasses import dataclass

import pydantic

LANGCHAIN = "langchain"
LANGGRAPH = "langgraph"


class LangChainConfig(pydantic.BaseModel):
    """``[tool.envcheck.langchain]``: the chat models the app builds with ``init_chat_model``."""

    model_config = pydantic.ConfigDict(extra="forbid")

    #: names in [tool.envcheck.providers] (and "ollama"); default: every configured one
    providers: list[str] | None = None
    #: one ``invoke`` per provider (a few tokens)
    smoke: bool = False
    #: record the smoke's HTTP calls to cassettes/langchain/NAME/ and replay them (OpenAI-style
    #: providers and Ollama, whose LangChain clients take an httpx client)
    cassettes: bool = True
    timeout: float = pydantic.Field(default=60.0, gt=0)


class LangGraphConfig(pydantic.BaseModel):
    """``[tool.envcheck.langgraph]``: the app's checkpointer."""

    model_config = pydantic.ConfigDict(extra="forbid")

    #: connection string of a PostgresSaver (langgraph-checkpoint-postgres)
    postgres: str | None = None
    #: URL of a RedisSaver (langgraph-checkpoint-redis)
    redis: str | None = None
    #: run a one-node graph with the checkpointer; its checkpoint is written, read and deleted
    run_graph: bool = False
    timeout: float = pydantic.Field(default=15.0, gt=0)

    @pydantic.model_validator(mode="after")
    def _one_store(self) -> LangGraphConfig:
        if self.postgres is None and self.redis is None:
            raise ValueError(
                'set postgres = "${DATABASE_URL}" or redis = "${REDIS_URL}": the checkpointer '
                "to check"
            )
        return self


@dataclass(frozen=True)
class Integration:
    """How LangChain reaches one kind of provider."""

    distribution: str
    module: str
    model_provider: str
    chat_class: str


INTEGRATIONS = {
    "openai": Integration("langchain-openai", "langchain_openai", "openai", "ChatOpenAI"),
    "anthropic": Integration(
        "langchain-anthropic", "langchain_anthropic", "anthropic", "ChatAnthropic"
    ),
    "gemini": Integration(
        "langchain-google-genai",
        "langchain_google_genai",
        "google_genai",
        "ChatGoogleGenerativeAI",
    ),
    "ollama": Integration("langchain-ollama", "langchain_ollama", "ollama", "ChatOllama"),
}
