"""The TLS alert a peer ended a handshake with, read from OpenSSL's reason for it: shared by the
components' TLS verdicts (``envcheck.checks.shared.tls``) and by mcpkit, which imports no
component (RFC 8446 6.2; OpenSSL's SSL_R_*_ALERT_* reasons)."""

from __future__ import annotations

import ssl

#: the prefixes of OpenSSL's reasons for an alert the peer sent (SSL_R_SSLV3_ALERT_*,
#: SSL_R_TLSV1_ALERT_*, SSL_R_TLSV13_ALERT_*), and the one without ALERT in its name
_RECEIVED = ("SSLV3_ALERT_", "TLSV1_ALERT_", "TLSV13_ALERT_")
_UNRECOGNIZED_NAME = "TLSV1_UNRECOGNIZED_NAME"


def received_alert(reason: str | None) -> str | None:
    """The name of the alert the peer sent, from OpenSSL's reason for it
    (``TLSV1_ALERT_ACCESS_DENIED``: ``access denied``); ``None`` when ``reason`` is no received
    alert (a local refusal, a close)."""
    if reason == _UNRECOGNIZED_NAME:
        return "unrecognized name"
    prefix = next((p for p in _RECEIVED if reason and reason.startswith(p)), None)
    if reason is None or prefix is None:
        return None
    return reason[len(prefix) :].lower().replace("_", " ")


def alert_of(exc: BaseException | None) -> tuple[str, str] | None:
    """The alert the peer ended a TLS handshake with, found in ``exc``'s chain of causes (an
    HTTP client wraps :class:`ssl.SSLError`): its name (``access denied``) and OpenSSL's reason
    (``TLSV1_ALERT_ACCESS_DENIED``); ``None`` when no received alert is in the chain."""
    seen = 0
    while exc is not None and seen < 10:
        reason = getattr(exc, "reason", None) if isinstance(exc, ssl.SSLError) else None
        name = received_alert(reason) if isinstance(reason, str) else None
        if name is not None and isinstance(reason, str):
            return name, reason
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


ALERT_WHY = (
    "the TLS layer failed: the server (or a TLS proxy in front of it) ended the handshake with "
    "that alert (RFC 8446 6.2), its own word for what it refused; envcheck maps no cause to "
    "this alert, and its log names the setting"
)
