"""What an Ollama server's silence or refusal means, and what to do about it."""

from __future__ import annotations

import re
import socket

from envcheck.checks.shared.errors import causes
from envcheck.core.model import CheckFailed, CheckSkipped

#: where the ollama client looks when OLLAMA_HOST is not set
CLIENT_DEFAULT = "http://127.0.0.1:11434"
SERVE_HINT = "start it: ollama serve  (or: sudo systemctl start ollama)"
RESTART_HINT = (
    "restart it: sudo systemctl restart ollama  (or stop `ollama serve` and start it again); "
    "its log says why it hangs: journalctl -u ollama"
)
CONFIGURE = "set OLLAMA_HOST=host:port, or add [tool.envcheck.ollama] host = ... to pyproject.toml"
# Ollama's 500 has no field but its text: "model requires more system memory (7.5 GiB) than is
# available (5.2 GiB)"
_MEMORY = re.compile(
    r"\((?P<need>[\d.]+ ?[KMGT]i?B)\) than is available \((?P<free>[\d.]+ ?[KMGT]i?B)\)"
)


def unreachable(
    host: str, source: str, timeout: float, required: bool, exc: BaseException
) -> CheckFailed | CheckSkipped:
    """Refused (*not found* at an address nobody chose), unknown host, silent, or hung."""
    chain = causes(exc)
    text = " ".join(str(c) for c in chain).lower()
    names = " ".join(type(c).__name__ for c in chain)
    timed_out = "Timeout" in names or any(isinstance(c, TimeoutError) for c in chain)
    refused = any(isinstance(c, ConnectionRefusedError) for c in chain) or "refused" in text
    local = any(h in host for h in ("localhost", "127.0.0.1", "[::1]"))
    elsewhere = f"fix {source} (now {host}; the default is {CLIENT_DEFAULT})"
    if timed_out and "ConnectTimeout" in names:
        return CheckFailed(
            f"no TCP answer from {host} within {timeout:g} s",
            why="packets are dropped: a firewall, a wrong host, or a machine that is down",
            hint=elsewhere,
        )
    if timed_out:
        return CheckFailed(
            f"Ollama at {host} accepted the connection but did not answer within {timeout:g} s",
            why="the server is hung, or busy loading a model that does not fit",
            hint=RESTART_HINT,
        )
    if refused and not required:
        return CheckSkipped(
            f"not found: no Ollama at {host} (the client's default address; nothing listens "
            "there)",
            hint=CONFIGURE,
        )
    if any(isinstance(c, socket.gaierror) for c in chain):
        name = host.split("://", 1)[-1].split(":")[0].split("/")[0]
        return CheckFailed(
            f"the host of {host} does not resolve",
            why=f"DNS has no address for {name!r}: a typo, or a name known only inside a VPN "
            "or a container network",
            hint=elsewhere,
        )
    why = f"nothing listens at {host} (connection refused)" if refused else None
    return CheckFailed(
        f"no Ollama server answers at {host}",
        why=why or f"{type(exc).__name__}: {exc}".split(". Please")[0],
        hint=SERVE_HINT if local else f"{SERVE_HINT}, or {elsewhere}",
    )


def show_not_routed(
    host: str, source: str, model: str, said: str, listed: list[str]
) -> CheckFailed:
    """``/api/show`` answered a plain-text 404 (Ollama's own 404s are JSON): ``listed`` (from
    ``/api/tags``) tells a missing model from a server that does not route ``show`` (a proxy in
    front of Ollama, or an Ollama older than this API)."""
    names = set(listed) | {n.removesuffix(":latest") for n in listed}
    if model in names or f"{model}:latest" in names:
        return CheckFailed(
            f"{host} lists {model} (/api/tags) but answers /api/show with a plain-text 404 "
            f"({said.strip()!r})",
            why="whatever answers there does not route /api/show: a proxy in front of Ollama "
            "that forwards only some paths, or an Ollama too old for this API",
            hint=f"point {source} at Ollama itself, let the proxy forward /api/*, or upgrade "
            "Ollama",
        )
    return CheckFailed(
        f"model {model} is not pulled on {host}",
        why=f"/api/show answered a plain-text 404 ({said.strip()!r}) and /api/tags does not "
        "list it",
        hint=f"ollama pull {model}",
    )


def out_of_memory(error: str) -> bool:
    return _MEMORY.search(error) is not None


def memory_failure(model: str, host: str, error: str) -> CheckFailed:
    """Ollama refused to load ``model``: how much it needs, how much is free, what to change."""
    memory = _MEMORY.search(error)
    assert memory is not None
    return CheckFailed(
        f"{model} does not fit in memory on {host}: it needs {memory['need']}, "
        f"{memory['free']} is available",
        why="Ollama refuses to load a model larger than the free RAM (and VRAM)",
        hint=f"free memory (ollama ps; ollama stop MODEL), or use a smaller quantization of "
        f"{model.split(':')[0]} (a q4 tag) or a smaller context "
        '(options {"num_ctx": 2048}, or PARAMETER num_ctx 2048 in a Modelfile)',
        facts={"needed": memory["need"], "available": memory["free"]},
    )
