"""Reaching a server over TCP, with a diagnosis a person can act on."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from envcheck._model import CheckFailed


def probe(
    host: str,
    port: int,
    *,
    timeout: float,
    what: str,
    start_hint: str,
    hello: bytes | None = None,
    understands: Callable[[bytes], bool] | None = None,
) -> float:
    """Open a TCP connection (and optionally say ``hello`` and read the first reply bytes).

    Returns the connect latency in milliseconds. Raises :class:`CheckFailed` that says which of
    DNS failure, refused connection, silence or a foreign protocol it met, with the fix.
    """
    where = f"{host}:{port}"
    deadline = time.monotonic() + timeout
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise CheckFailed(
            f"cannot resolve host {host!r} ({exc.strerror})",
            why="DNS has no address for this name: a typo, or a name only known inside a VPN or "
            "a docker network",
            hint=f"check the host in the {what} address; `getent hosts {host}` must print an "
            "address",
        ) from None
    last: OSError | None = None
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        started = time.monotonic()
        try:
            sock.connect(address)
            latency = (time.monotonic() - started) * 1000
            if hello is not None:
                _converse(sock, hello, understands, where, what, deadline)
            return latency
        except ConnectionRefusedError as exc:
            last = exc
        except (socket.timeout, TimeoutError):
            raise CheckFailed(
                f"no answer from {where} within {timeout:g} s",
                why="packets are dropped: a firewall, a wrong host, or a server that is not "
                "reachable from here",
                hint=f"check the host and port of {what}, and that this machine may reach it",
            ) from None
        except OSError as exc:
            last = exc
        finally:
            sock.close()
    if isinstance(last, ConnectionRefusedError):
        raise CheckFailed(
            f"connection refused at {where}",
            why=f"nothing listens on port {port}: {what} is not running (or listens elsewhere)",
            hint=start_hint,
        )
    raise CheckFailed(
        f"cannot connect to {where}: {last}",
        why="the network refused the connection",
        hint=f"check the host and port of {what}",
    )


def _converse(
    sock: socket.socket,
    hello: bytes,
    understands: Callable[[bytes], bool] | None,
    where: str,
    what: str,
    deadline: float,
) -> None:
    sock.settimeout(max(0.05, deadline - time.monotonic()))
    try:
        sock.sendall(hello)
        reply = sock.recv(64)
    except (socket.timeout, TimeoutError):
        raise CheckFailed(
            f"{where} accepted the connection but did not answer",
            why=f"whatever listens there is hung or is not {what}",
            hint=f"check that {where} really is {what}; restart it if it is",
        ) from None
    except OSError as exc:
        raise CheckFailed(
            f"{where} closed the connection: {exc}",
            why=f"whatever listens there is not {what}, or it is overloaded",
            hint=f"check that {where} really is {what}",
        ) from None
    if understands is not None and not understands(reply):
        shown = reply[:24].decode("ascii", "backslashreplace") or "(nothing)"
        raise CheckFailed(
            f"{where} does not speak the {what} protocol (it answered {shown!r})",
            why="another service listens on this port",
            hint=f"point the configuration at the {what} port",
        )
