"""Reaching a server over TCP (and TLS): :mod:`envcheck._netprobe`, re-exported for the components.

The helpers live in :mod:`envcheck._netprobe` so that support packages (``mcpkit``) use them without
importing a component package; this module keeps the components' import path and API.
"""

from __future__ import annotations

from envcheck._netprobe import (
    HANDSHAKE_SHARE,
    PG_SSL_REQUEST,
    ConversationFailed,
    Opened,
    Refused,
    Unresolved,
    answers,
    connect,
    handshake,
    looks_like,
    not_the_protocol,
    nothing_listens,
    probe,
    speaks_tls,
    unresolved,
)

__all__ = [
    "ConversationFailed",
    "HANDSHAKE_SHARE",
    "Opened",
    "PG_SSL_REQUEST",
    "Refused",
    "Unresolved",
    "answers",
    "connect",
    "handshake",
    "looks_like",
    "not_the_protocol",
    "nothing_listens",
    "probe",
    "speaks_tls",
    "unresolved",
]
