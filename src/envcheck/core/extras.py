"""Which extra of envcheck installs the client library a built-in component imports."""

from __future__ import annotations

#: top-level module -> the envcheck extra that installs it
EXTRAS = {
    "psycopg": "postgres",
    "redis": "redis",
    "httpx": "providers",
    "vcr": "providers",
    "ollama": "ollama",
    "mcp": "mcp",
    "mcp_types": "mcp",
    "httpx2": "mcp",
    "jsonschema": "mcp",
}


def missing_extra(exc: BaseException) -> tuple[str, str] | None:
    """``(module, extra)`` when ``exc`` says a client library of an extra is not installed."""
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    module = exc.name.split(".", 1)[0]
    extra = EXTRAS.get(module)
    return (module, extra) if extra else None
