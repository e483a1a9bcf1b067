"""What a TLS server sends and what a CA file holds, read without trusting either: the structure
behind OpenSSL's verify results 2 and 20 (the issuer of the last certificate the server sent is
neither sent nor trusted). A server that sends its own certificate without the intermediate CA
that issued it fails so, and so does a client that trusts another CA: the chain the server sends,
each certificate's subject and issuer, and the subjects of the trusted CAs tell which."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from typing import Any

#: OpenSSL's verify results (X509_V_ERR_*) for an issuer found nowhere:
#: UNABLE_TO_GET_ISSUER_CERT and UNABLE_TO_GET_ISSUER_CERT_LOCALLY
ISSUER_UNKNOWN = frozenset({2, 20})


@dataclass(frozen=True)
class Certificate:
    """One certificate of a chain, by its distinguished names (``CN=name, O=org``)."""

    subject: str
    issuer: str

    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer


@dataclass(frozen=True)
class Gap:
    """The server's chain stops below the trusted CAs: ``sent`` is what it sends (its own
    certificate first), ``issuer`` the name of the certificate that is missing."""

    sent: tuple[Certificate, ...]
    issuer: str
    trusted: tuple[str, ...]

    @property
    def alone(self) -> bool:
        """The server sends its own certificate and nothing above it."""
        return len(self.sent) == 1

    def described(self, trusted_in: str) -> str:
        """What the chain and the trusted file hold, for a verdict's why."""
        sent = " <- ".join(f"{c.subject} (issued by {c.issuer})" for c in self.sent)
        held = "; ".join(self.trusted[:4]) or "no CA certificate"
        more = f" and {len(self.trusted) - 4} more" if len(self.trusted) > 4 else ""
        return (
            f"the server sends {sent}; {trusted_in} holds {held}{more}, not {self.issuer}: "
            "nothing links the server's chain to a trusted CA"
        )


def distinguished_name(rdns: Any) -> str:
    """``((('commonName', 'x'),), ...)`` (the ssl module's form) as ``CN=x, ...``."""
    short = {
        "commonName": "CN",
        "organizationName": "O",
        "organizationalUnitName": "OU",
        "countryName": "C",
        "localityName": "L",
        "stateOrProvinceName": "ST",
    }
    parts = [f"{short.get(k, k)}={v}" for rdn in rdns or () for k, v in rdn]
    return ", ".join(parts)


def sent_chain(raw: socket.socket, server_hostname: str | None) -> tuple[Certificate, ...] | None:
    """The certificates the server sends on ``raw`` (a connected socket, ready for the TLS
    handshake), its own first, read by a handshake that verifies nothing; ``None`` when the
    handshake fails or this Python cannot list them."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with context.wrap_socket(raw, server_hostname=server_hostname) as tls:
            # the ssl module's own list (public as get_unverified_chain from Python 3.13)
            inner = getattr(tls, "_sslobj", None)
            listing = getattr(inner, "get_unverified_chain", None)
            chain = listing() if listing is not None else None
            if not chain:
                return None
            found = []
            for cert in chain:
                info = cert.get_info()
                found.append(
                    Certificate(
                        distinguished_name(info.get("subject")),
                        distinguished_name(info.get("issuer")),
                    )
                )
            return tuple(found)
    except (OSError, ValueError, AttributeError):
        return None


def ca_subjects(cafile: str | None) -> tuple[str, ...] | None:
    """The subjects of the CA certificates in ``cafile`` (``None``: the system's default
    store); ``None`` when they cannot be read."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        if cafile:
            context.load_verify_locations(cafile=cafile)
        else:
            context.load_default_certs()
        return tuple(distinguished_name(c.get("subject")) for c in context.get_ca_certs())
    except (OSError, ssl.SSLError, ValueError):
        return None


def gap(sent: tuple[Certificate, ...] | None, trusted: tuple[str, ...] | None) -> Gap | None:
    """The issuer the chain lacks: the last certificate the server sends is not self-signed and
    its issuer is not among the trusted CAs' subjects. ``None`` when it is not so (or unknown)."""
    if not sent or trusted is None:
        return None
    top = sent[-1]
    if top.self_signed or top.issuer in trusted:
        return None
    return Gap(sent, top.issuer, trusted)
