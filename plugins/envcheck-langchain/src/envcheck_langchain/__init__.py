"""envcheck plugin: LangChain and LangGraph checked the way the app builds them.

Component ``langchain`` (``[tool.envcheck.langchain]``), per provider of
``[tool.envcheck.providers]`` (and ``[tool.envcheck.ollama]``): ``package[NAME]`` (the
integration package is installed and compatible with the installed langchain-core) →
``client[NAME]`` (``init_chat_model`` builds the client) → ``smoke[NAME]`` (opt-in: one
``invoke``).

Component ``langgraph`` (``[tool.envcheck.langgraph]``): ``checkpointer[postgres|redis]`` (the
store's tables or indices exist: ``setup()`` was run; read-only) → ``graph[postgres|redis]``
(opt-in: a one-node graph runs with the checkpointer, its checkpoint is written and removed).

Without those sections this plugin adds no checks. LangChain and LangGraph are imported only by
the checks that use them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from envcheck_langchain._config import LANGCHAIN, LANGGRAPH, LangChainConfig, LangGraphConfig

from envcheck import Check, hookimpl, kit

__all__ = ["LangChainConfig", "LangGraphConfig"]


@hookimpl
def envcheck_config_sections() -> dict[str, Any]:
    return {LANGCHAIN: LangChainConfig, LANGGRAPH: LangGraphConfig}


@hookimpl
def envcheck_checks(config: Any) -> Iterator[Check]:
    chain: LangChainConfig | None = config.section(LANGCHAIN)
    if chain is not None:
        yield from _langchain_checks(chain, config)
    graph: LangGraphConfig | None = config.section(LANGGRAPH)
    if graph is not None:
        yield from _langgraph_checks(graph)


def _providers(cfg: LangChainConfig, config: Any) -> list[str]:
    if cfg.providers is not None:
        return list(cfg.providers)
    names = list(config.section("providers") or {})
    if config.section("ollama") is not None and "ollama" not in names:
        names.append("ollama")
    return names


def _langchain_checks(cfg: LangChainConfig, config: Any) -> Iterator[Check]:
    from envcheck_langchain import _langchain

    for name in _providers(cfg, config):
        provider = kit.Component(
            LANGCHAIN, section=cfg, timeout=cfg.timeout, suffix=f"[{name}]", instance=name
        )
        yield provider.check("package", _langchain.package, f"the LangChain integration for {name}")
        yield provider.check(
            "client", _langchain.client, "init_chat_model builds the client", "package"
        )
        if cfg.smoke:
            yield provider.check("smoke", _langchain.smoke, "one invoke answers", "client")


def _langgraph_checks(cfg: LangGraphConfig) -> Iterator[Check]:
    from envcheck_langchain import _langgraph

    stores = {"postgres": _langgraph.postgres_store, "redis": _langgraph.redis_store}
    for store, run in stores.items():
        if getattr(cfg, store) is None:
            continue
        graph = kit.Component(LANGGRAPH, section=cfg, timeout=cfg.timeout, suffix=f"[{store}]")
        yield graph.check("checkpointer", run, f"the {store} checkpointer's store is set up")
        if cfg.run_graph:
            yield graph.check(
                "graph",
                functools.partial(_langgraph.graph_run, store),
                "a one-node graph writes and removes its checkpoint",
                "checkpointer",
            )
