"""Where the ollama client connects: ``OLLAMA_HOST`` (or a configured host) as it parses it."""

from __future__ import annotations

from urllib.parse import urlsplit


def client_url(host: str) -> str:
    """The URL the ollama client makes of ``OLLAMA_HOST`` (or ``host``): without a scheme it is
    http and port 11434 (``0.0.0.0``, ``example.com``, ``:8080``, ``[::1]``); with one, the
    scheme's port (``http://h`` is port 80); no host is 127.0.0.1; no trailing slash."""
    scheme, found, rest = host.strip().partition("://")
    port = 11434
    if not found:
        scheme, rest = "http", host.strip()
    else:
        port = {"http": 80, "https": 443}.get(scheme, port)
    authority, _, path = rest.partition("/")
    parts = urlsplit(f"{scheme}://{authority}")
    try:
        port = parts.port or port
    except ValueError:  # not a port number: left for the request to fail on, as it is
        return f"{scheme}://{rest}".rstrip("/")
    name = parts.hostname or "127.0.0.1"
    if ":" in name:  # an IPv6 address, in the brackets a URL needs
        name = f"[{name}]"
    path = path.strip("/")
    return f"{scheme}://{name}:{port}" + (f"/{path}" if path else "")
