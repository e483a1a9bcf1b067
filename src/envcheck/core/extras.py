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


#: envcheck's distribution on the package index (the name ``envcheck`` there is another project)
DISTRIBUTION = "pytest-envcheck"


def install_command(extra: str) -> str:
    """The command that adds ``extra`` to the envcheck this interpreter has, the way it was
    installed: from a folder (PEP 610 ``direct_url.json``: Poetry keeps the path dependency), or
    from the package index (never the unrelated ``envcheck`` project)."""
    import json
    from importlib import metadata

    try:
        direct = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct = None
    url = json.loads(direct).get("url", "") if direct else ""
    if url.startswith("file://"):
        path = url.removeprefix("file://")
        return (
            f"pip install '{path}[{extra}]'  (Poetry: poetry add --group dev --extras {extra} "
            f"{path})"
        )
    return (
        f"pip install '{DISTRIBUTION}[{extra}]'  (Poetry: poetry add --group dev "
        f"'{DISTRIBUTION}[{extra}]')"
    )
