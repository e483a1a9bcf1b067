"""What the ``ollama`` and ``providers`` components both say of an Ollama server: where its
client connects (``OLLAMA_HOST`` as it parses it), the commands that pull a model onto it and
upgrade it, and its one answer that asks for credentials. A provider's ``base_url`` may be an
Ollama's OpenAI-compatible API; its verdicts then name the same fixes as the Ollama checks."""

from __future__ import annotations

import os
import shlex
from urllib.parse import urlsplit

from envcheck.core.fix import Command, Fix, Manual
from envcheck.core.model import CheckFailed

#: where the ollama client looks when OLLAMA_HOST is not set
CLIENT_DEFAULT = "http://127.0.0.1:11434"
UPGRADE = "curl -fsSL https://ollama.com/install.sh | sh"


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


def pull(host: str, model: str) -> tuple[Command, str]:
    """``ollama pull MODEL`` onto ``host``, and how it reads. The ``ollama`` program pulls onto
    its OLLAMA_HOST (else 127.0.0.1:11434): a host configured elsewhere (``[tool.envcheck.ollama]
    host``, the project's .env) is named in the command, or the model lands on another server."""
    argv = ["ollama", "pull", model]
    if client_url(os.environ.get("OLLAMA_HOST") or CLIENT_DEFAULT) != host:
        argv = ["env", f"OLLAMA_HOST={host}", *argv]
    shown = shlex.join(argv[1:] if argv[0] == "env" else argv)
    return Command(argv, needs=frozenset({"network"})), shown


def unauthorized(model: str, host: str, shown: str) -> CheckFailed:
    """HTTP 401: Ollama itself asks no credentials; a model it forwards to ollama.com (a cloud
    model) needs the server signed in, and a proxy in front of it may ask its own."""
    text = (
        "sign the server in to ollama.com: ollama signin (as the user the server runs as); if a "
        f"proxy in front of {host} asks credentials, give them to it"
    )
    return CheckFailed(
        f"{model} was refused as unauthorized by the Ollama at {host}: HTTP 401: {shown}",
        why="Ollama's own API takes no credentials: a 401 comes from ollama.com for a model the "
        "server forwards there (a cloud model) while the server is not signed in, or from a "
        "proxy in front of it",
        fix=Fix([Command(["ollama", "signin"]), Manual(text)], text=text),
    )
