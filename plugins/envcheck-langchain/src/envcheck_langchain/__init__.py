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

from envcheck import Check, hookimpl

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

        def make(check: str, run: Any, description: str, *deps: str) -> Check:
            return Check(
                name=f"{check}[{name}]",
                component=LANGCHAIN,
                run=functools.partial(run, name),
                description=description,
                depends_on=tuple(f"{d}[{name}]" for d in deps),
                timeout=cfg.timeout,
                section=cfg,
            )

        yield make("package", _langchain.package, f"the LangChain integration for {name}")
        yield make("client", _langchain.client, "init_chat_model builds the client", "package")
        if cfg.smoke:
            yield make("smoke", _langchain.smoke, "one invoke answers", "client")


def _langgraph_checks(cfg: LangGraphConfig) -> Iterator[Check]:
    from envcheck_langchain import _langgraph

    stores = {"postgres": _langgraph.postgres_store, "redis": _langgraph.redis_store}
    for store, run in stores.items():
        if getattr(cfg, store) is None:
            continue
        yield Check(
            name=f"checkpointer[{store}]",
            component=LANGGRAPH,
            run=run,
            description=f"the {store} checkpointer's store is set up",
            timeout=cfg.timeout,
            section=cfg,
        )
        if cfg.run_graph:
            yield Check(
                name=f"graph[{store}]",
                component=LANGGRAPH,
                run=functools.partial(_langgraph.graph_run, store),
                description="a one-node graph writes and removes its checkpoint",
                depends_on=(f"checkpointer[{store}]",),
                timeout=cfg.timeout,
                section=cfg,
            )
