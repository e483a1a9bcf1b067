"""What a TLS server sends and what a CA file holds, read without trusting either, and what
OpenSSL's verify result (``X509_V_ERR_*``, include/openssl/x509_vfy.h) says about them.

The structure behind OpenSSL's verify results 2 and 20 (the issuer of the last certificate the
server sent is neither sent nor trusted): a server that sends its own certificate without the
intermediate CA that issued it fails so, and so does a client that trusts another CA: the chain
the server sends, each certificate's subject and issuer, and the subjects of the trusted CAs tell
which. The other results are grouped by who can mend them (:data:`SERVER_CHAIN`: the server's
certificate or its chain is refused for what it is, whatever the client trusts; :data:`CRL`: the
client's revocation lists; 18 and 19: a self-signed certificate the client does not trust), and
:func:`refusal` says what a result establishes, naming the certificates the server sends."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from typing import Any

# the alert a peer sent, read where mcpkit (which imports no component) reads it too
from envcheck.core.tls_alerts import ALERT_WHY as ALERT_WHY  # noqa: F401
from envcheck.core.tls_alerts import alert_of as alert_of  # noqa: F401
from envcheck.core.tls_alerts import received_alert as received_alert  # noqa: F401

#: OpenSSL's verify results (X509_V_ERR_*) for an issuer found nowhere:
#: UNABLE_TO_GET_ISSUER_CERT and UNABLE_TO_GET_ISSUER_CERT_LOCALLY
ISSUER_UNKNOWN = frozenset({2, 20})
#: DEPTH_ZERO_SELF_SIGNED_CERT, SELF_SIGNED_CERT_IN_CHAIN
SELF_SIGNED, SELF_SIGNED_IN_CHAIN = 18, 19
#: CERT_NOT_YET_VALID, CERT_HAS_EXPIRED
NOT_YET_VALID, EXPIRED = 9, 10
#: the client's revocation lists cannot be used: UNABLE_TO_GET_CRL, UNABLE_TO_DECRYPT_CRL_SIGNATURE,
#: CRL_SIGNATURE_FAILURE, CRL_NOT_YET_VALID, CRL_HAS_EXPIRED, ERROR_IN_CRL_LAST_UPDATE_FIELD,
#: ERROR_IN_CRL_NEXT_UPDATE_FIELD, UNABLE_TO_GET_CRL_ISSUER, KEYUSAGE_NO_CRL_SIGN,
#: UNHANDLED_CRITICAL_CRL_EXTENSION, DIFFERENT_CRL_SCOPE, CRL_PATH_VALIDATION_ERROR
CRL = frozenset({3, 5, 8, 11, 12, 15, 16, 33, 35, 36, 44, 54})
#: the server's chain is refused for what a certificate of it is, whatever the client trusts
#: (x509_vfy.c: check_chain, check_key_level / check_sig_level, internal_verify), with what the
#: result means in OpenSSL's terms
SERVER_CHAIN = {
    4: "a signature in the chain cannot be decrypted",
    6: "an issuer's public key cannot be decoded",
    7: "a certificate's signature does not verify with its issuer's key",
    13: "a certificate's notBefore field is malformed",
    14: "a certificate's notAfter field is malformed",
    22: "the chain is longer than the verification depth allows",
    24: "an issuer's certificate has no usable public key",
    25: "a CA of the chain has more CAs below it than its basicConstraints pathLenConstraint "
    "allows",
    26: "a certificate of the chain is not made for this use: its extendedKeyUsage or keyUsage "
    "leaves out a TLS server's (serverAuth, digitalSignature / keyEncipherment)",
    29: "a certificate's issuer name is not its issuer's subject",
    30: "a certificate's authorityKeyIdentifier is not its issuer's subjectKeyIdentifier",
    32: "a CA of the chain has a keyUsage without keyCertSign",
    34: "a certificate has a critical extension OpenSSL does not handle",
    37: "a certificate that is not a CA is used as one",
    41: "a certificate has an invalid extension",
    66: "the server's key is smaller than this client's security level allows",
    67: "a CA's key is smaller than this client's security level allows",
    68: "a certificate is signed with a digest this client's security level refuses (SHA-1, MD5)",
    76: "a certificate is signed with an algorithm OpenSSL does not support",
    77: "a certificate's signature algorithm does not match its issuer's key",
    79: "a certificate that signs another in the chain is not a CA: its basicConstraints say "
    "CA:FALSE, or its keyUsage leaves out keyCertSign",
}


@dataclass(frozen=True)
class Certificate:
    """One certificate of a chain, by its distinguished names (``CN=name, O=org``) and, when
    known, its validity (seconds since the epoch)."""

    subject: str
    issuer: str
    not_before: float | None = None
    not_after: float | None = None

    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer

    @property
    def named(self) -> str:
        return f"{self.subject} (issued by {self.issuer})"


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
                        _seconds(info.get("notBefore")),
                        _seconds(info.get("notAfter")),
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


def file_certificate(path: str) -> Certificate | None:
    """The first certificate of the PEM file ``path`` (a client's own: ``sslcert``,
    ``ssl_certfile``), by its names and dates; ``None`` when it cannot be read."""
    try:
        import _ssl  # the decoder behind SSLSocket.getpeercert(), for a file

        decoded: Any = _ssl._test_decode_cert(path)  # type: ignore[attr-defined]
    except (OSError, ssl.SSLError, AttributeError, ValueError):
        return None
    return Certificate(
        distinguished_name(decoded.get("subject")),
        distinguished_name(decoded.get("issuer")),
        _seconds(decoded.get("notBefore")),
        _seconds(decoded.get("notAfter")),
    )


def outside_dates(cert: Certificate | None, now: float | None = None) -> str | None:
    """``"expired"`` when ``cert``'s notAfter is past, ``"not yet valid"`` when its notBefore is
    to come, else ``None``."""
    import time

    if cert is None:
        return None
    moment = time.time() if now is None else now
    if cert.not_after is not None and cert.not_after < moment:
        return "expired"
    if cert.not_before is not None and cert.not_before > moment:
        return "not yet valid"
    return None


def _seconds(when: Any) -> float | None:
    try:
        return float(ssl.cert_time_to_seconds(str(when)))
    except (ValueError, TypeError):
        return None


def chain_words(sent: tuple[Certificate, ...] | None) -> str:
    """The chain the server sends, its own certificate first (empty when unknown)."""
    if not sent:
        return ""
    return "the server sends " + " <- ".join(c.named for c in sent)


def verify_words(code: int | None, message: str) -> str:
    """OpenSSL's verify result as OpenSSL gives it: its number and text."""
    return f"OpenSSL's verify result {code} ({message})" if code is not None else message


def out_of_time(
    sent: tuple[Certificate, ...] | None, code: int | None, now: float | None = None
) -> Certificate | None:
    """The certificate the server sends whose validity excludes now (9: starts later, 10:
    ended), from its own dates; ``None`` when none of those sent (a trusted CA's, then)."""
    import time

    moment = time.time() if now is None else now
    for cert in sent or ():
        if code == EXPIRED and cert.not_after is not None and cert.not_after < moment:
            return cert
        if code == NOT_YET_VALID and cert.not_before is not None and cert.not_before > moment:
            return cert
    return None


def dates(cert: Certificate) -> str:
    """``notBefore ... notAfter ...`` of ``cert`` (UTC)."""
    import time

    shown = []
    for name, value in (("notBefore", cert.not_before), ("notAfter", cert.not_after)):
        if value is not None:
            shown.append(f"{name} {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(value))}")
    return ", ".join(shown)


@dataclass(frozen=True)
class Refusal:
    """What a verify result establishes: ``what`` (after "the certificate of HOST"), ``why``,
    and who mends it: ``server`` (its certificate file), ``trust`` (the client's CA file) or
    ``crl`` (the client's revocation lists)."""

    what: str
    why: str
    side: str


def refusal(
    code: int | None, message: str, sent: tuple[Certificate, ...] | None, trust: str
) -> Refusal | None:
    """The verdict's substance for the results that need no other look-up: a self-signed
    certificate (18, 19), the server's chain refused for what it is (:data:`SERVER_CHAIN`), a
    revocation list that cannot be used (:data:`CRL`). ``trust`` names the client's CA file
    (``sslrootcert (/path)``). ``None`` for the other results."""
    said = verify_words(code, message)
    chain = chain_words(sent)
    if code == SELF_SIGNED:
        own = sent[0].subject if sent else "its own certificate"
        return Refusal(
            f"is not trusted: it is self-signed ({own}, its own issuer), and {trust} does not "
            f"hold it: {said}",
            f"{chain or 'the server sends a self-signed certificate'}; a self-signed "
            "certificate verifies only when the client trusts that very certificate",
            "trust",
        )
    if code == SELF_SIGNED_IN_CHAIN:
        top = next((c for c in reversed(sent or ()) if c.self_signed), None)
        root = top.subject if top else "a self-signed CA"
        return Refusal(
            f"is not trusted: its chain leads to the self-signed CA {root}, which {trust} does "
            f"not hold: {said}",
            f"{chain or 'the server sends its chain up to a self-signed CA'}; the client trusts "
            f"only the CAs of {trust}",
            "trust",
        )
    if code in SERVER_CHAIN:
        return Refusal(
            f"is refused for what its chain holds: {said}",
            f"{SERVER_CHAIN[code]}; {chain or 'the chain the server sends could not be read'}; "
            "this does not depend on which CAs the client trusts: the server's certificate (or "
            "a CA of its chain) must be issued again",
            "server",
        )
    if code in CRL:
        return Refusal(
            f"cannot be checked against the client's revocation lists: {said}",
            "the client checks every certificate of the chain against its issuer's certificate "
            f"revocation list, and the lists it reads do not serve (missing for one issuer, "
            f"badly signed, or outside their own dates); {chain}".rstrip("; "),
            "crl",
        )
    return None


#: OpenSSL's reasons for the alerts a TLS server sends when its verification of the client's
#: certificate fails (ssl/statem/statem_lib.c, ssl_x509err2alert, which maps each X509_V_ERR_*
#: to an alert), with what each establishes; certificate_expired (45) is
#: :func:`client_certificate_dated`'s, from the certificate's own dates
CLIENT_CERT_ALERTS: dict[str, tuple[str, str]] = {
    "TLSV1_ALERT_UNKNOWN_CA": (
        "unknown ca",
        "the server builds no chain from it to a CA it trusts: its issuer ({issuer}) is not in "
        "the server's tls-ca-cert-file / tls-ca-cert-dir, or it is self-signed, or the chain is "
        "too long",
    ),
    "SSLV3_ALERT_BAD_CERTIFICATE": (
        "bad certificate",
        "the server rejects the certificate itself: a key or a signature digest below the "
        "server's security level, a malformed date field, or a CA marked untrusted",
    ),
    "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE": (
        "unsupported certificate",
        "the certificate is not made for a TLS client: its extendedKeyUsage or keyUsage leaves "
        "out client authentication (clientAuth, digitalSignature)",
    ),
    "SSLV3_ALERT_CERTIFICATE_REVOKED": (
        "certificate revoked",
        "the server's revocation list revokes it",
    ),
    "TLSV1_ALERT_DECRYPT_ERROR": (
        "decrypt error",
        "a signature does not verify: the certificate's, by its issuer's key, or the client's "
        "proof that it holds the certificate's key",
    ),
}


UNKNOWN_CA = "TLSV1_ALERT_UNKNOWN_CA"
BAD_CERTIFICATE = "SSLV3_ALERT_BAD_CERTIFICATE"

#: the certificate to get instead, by the alert's reason ({trust}: the server's setting that
#: names the CAs it trusts for client certificates)
CLIENT_CERT_WANTED = {
    UNKNOWN_CA: "a client certificate signed by a CA in the server's {trust}",
    BAD_CERTIFICATE: "a client certificate with a stronger key and signature digest (RSA 3072 "
    "bits or more, or EC P-256 or more; SHA-256 or more) from a CA in the server's {trust}",
    "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE": "a client certificate for TLS clients "
    "(extendedKeyUsage clientAuth) from a CA in the server's {trust}",
    "SSLV3_ALERT_CERTIFICATE_REVOKED": "a new client certificate from a CA in the server's "
    "{trust} (its revocation list revokes this one)",
    "TLSV1_ALERT_DECRYPT_ERROR": "a client certificate whose issuer's signature verifies, "
    "from a CA in the server's {trust}, with its own key",
}

#: OpenSSL's security levels (SSL_CTX_set_security_level) and the bits of security each asks
#: of a certificate's key and signature digest
SECURITY_BITS = {1: 80, 2: 112, 3: 128, 4: 192, 5: 256}
#: OpenSSL's reasons for refusing a certificate of its own below the security level
#: (ssl_security_cert): its key, or the digest of its issuer's signature
_TOO_WEAK = {"EE_KEY_TOO_SMALL": "its key", "CA_MD_TOO_WEAK": "its signature digest"}


def certificate_level(cert: str, key: str | None) -> tuple[int, str] | None:
    """The highest OpenSSL security level at which this OpenSSL takes the client certificate
    ``cert`` with its ``key``, and what the next level refuses (its key, or its signature
    digest); ``None`` when it passes every level or cannot be loaded (an encrypted key, an
    unreadable file). The same checks a server at that level makes of the certificate."""
    for level in sorted(SECURITY_BITS):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        try:
            context.set_ciphers(f"DEFAULT:@SECLEVEL={level}")
            context.load_cert_chain(cert, key or None, password=lambda: b"")
        except ssl.SSLError as exc:
            what = _TOO_WEAK.get(str(exc.reason or ""))
            return (level - 1, what) if what is not None else None
        except (OSError, ValueError):
            return None
    return None


def client_alert(
    reason: str, own: Certificate | None, level: tuple[int, str] | None = None
) -> tuple[str, str]:
    """The alert's name and what it establishes about the client certificate ``own``;
    ``level``: :func:`certificate_level` of it, which tells a bad_certificate alert's cause."""
    alert, meaning = CLIENT_CERT_ALERTS[reason]
    if reason == BAD_CERTIFICATE and level is not None:
        top, what = level
        has = f"{SECURITY_BITS[top]} bits of security" if top else "under 80 bits of security"
        meaning = (
            f"the server rejects the certificate itself: {what} meets OpenSSL security level "
            f"{top} at most ({has}; level {top + 1} asks {SECURITY_BITS[top + 1]}), and the "
            "server runs at a higher security level (its cipher setting's @SECLEVEL, or its "
            "system's openssl.cnf)"
        )
    return alert, meaning.format(issuer=own.issuer if own is not None else "its issuer")


def wanted_certificate(reason: str, trust: str) -> str:
    """The client certificate to get instead, for the alert of ``reason``."""
    return CLIENT_CERT_WANTED.get(reason, CLIENT_CERT_WANTED[UNKNOWN_CA]).format(trust=trust)


def alert_in_words(text: str) -> str | None:
    """The reason of :data:`CLIENT_CERT_ALERTS` whose OpenSSL error string ``text`` holds, as
    libpq reports it: ``alert`` and the alert's name (OpenSSL 1.1 writes ``sslv3 alert bad
    certificate``, 3.x ``ssl/tls alert bad certificate``)."""
    low = text.lower()
    return next((r for r, (a, _) in CLIENT_CERT_ALERTS.items() if f"alert {a}" in low), None)


#: OpenSSL's reason for the handshake_failure alert (40): the server found nothing acceptable in
#: what the client offers (cipher suites, groups, signature algorithms), or, in TLS 1.2, refused
#: the client's certificate
HANDSHAKE_FAILURE = "SSLV3_ALERT_HANDSHAKE_FAILURE"


#: TLS record types (RFC 8446 5.1) and the handshake messages (RFC 5246 7.4) a server's first
#: flight shows in the clear: ServerHello (sent once a cipher suite agreed), CertificateRequest
#: (TLS 1.2 and below; TLS 1.3 encrypts it), ServerHelloDone
_HANDSHAKE, _ALERT = 22, 21
SERVER_HELLO, CERTIFICATE_REQUEST, SERVER_HELLO_DONE = 2, 13, 14
#: the alert handshake_failure's description (RFC 5246 7.2)
HANDSHAKE_FAILURE_ALERT = 40


@dataclass(frozen=True)
class Flight:
    """What the server sent in the clear during one handshake: the types of its handshake
    messages (up to its ChangeCipherSpec, after which all is encrypted) and the description of
    the alert it ended with, if that was in the clear."""

    messages: tuple[int, ...]
    alert: int | None

    @property
    def agreed(self) -> bool:
        """A ServerHello came back: the server found a cipher suite and version it shares."""
        return SERVER_HELLO in self.messages

    @property
    def asks_certificate(self) -> bool:
        """The server asked the client for a certificate (a CertificateRequest)."""
        return CERTIFICATE_REQUEST in self.messages


def read_flight(data: bytes) -> Flight:
    """The handshake message types and the alert of a server's TLS records ``data``."""
    handshake, alert, at = bytearray(), None, 0
    while at + 5 <= len(data):
        kind, size = data[at], int.from_bytes(data[at + 3 : at + 5], "big")
        body = data[at + 5 : at + 5 + size]
        at += 5 + size
        if kind == _HANDSHAKE:
            handshake += body
        elif kind == _ALERT and len(body) >= 2:
            alert = body[1]
            break
        else:  # ChangeCipherSpec or application data: the rest is encrypted
            break
    messages, at = [], 0
    while at + 4 <= len(handshake):
        messages.append(handshake[at])
        at += 4 + int.from_bytes(handshake[at + 1 : at + 4], "big")
    return Flight(tuple(messages), alert)


def server_flight(opened: Any, server_hostname: str | None) -> Flight | None:
    """One handshake that offers every cipher suite and group this OpenSSL has (security level
    0, TLS 1.0 to 1.3, no client certificate, nothing verified) on the socket ``opened()``
    returns (connected, ready for TLS), and what the server sent in the clear; ``None`` when no
    socket opens or the conversation breaks before the server says anything."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        context.set_ciphers("ALL:@SECLEVEL=0")
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    except (ssl.SSLError, ValueError):
        pass
    try:
        raw = opened()
    except OSError:
        return None
    if raw is None:
        return None
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_hostname)
    seen = bytearray()
    try:
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                raw.sendall(outgoing.read())
                got = raw.recv(16384)
                if not got:
                    break
                seen += got
                incoming.write(got)
            except ssl.SSLError:
                break
        raw.sendall(outgoing.read())  # the client's own alert, if any
    except OSError:
        if not seen:
            return None
    finally:
        raw.close()
    return read_flight(bytes(seen))


def any_cipher_agrees(opened: Any, server_hostname: str | None) -> bool | None:
    """Whether the server answers a handshake that offers every cipher suite and group this
    OpenSSL has (:func:`server_flight`) with a ServerHello; ``None`` when no socket opens.
    ``False`` tells that the server agrees with no client: its own cipher settings leave none
    usable. (A handshake that fails after the ServerHello, on a client certificate the server
    requires, agreed.)"""
    flight = server_flight(opened, server_hostname)
    return None if flight is None else flight.agreed
