"""The TLS sweep for PostgreSQL and Redis (issue 21): the TLS failure space enumerated from its
sources of truth, each kind made for real and met by envcheck, instead of one held-out example
at a time.

Sources (read, not copied; the lists below are this file's own data, each row naming its source):

- OpenSSL 3.0's certificate verification results: ``X509_V_ERR_*`` in
  ``include/openssl/x509_vfy.h`` (read here from the installed header, 94 codes), their texts as
  ``X509_verify_cert_error_string`` gives them (crypto/x509/x509_txt.c, read here from the
  installed libcrypto), and which of them a TLS client can meet by what a server sends and what
  the client trusts (crypto/x509/x509_vfy.c: check_chain, check_name_constraints, check_id,
  check_revocation / check_crl, internal_verify, check_key_level / check_sig_level).
  Python's ssl module gives them as ``SSLCertVerificationError.verify_code`` / ``verify_message``.
- libpq 18 (src/interfaces/libpq/fe-secure-openssl.c, fe-connect.c): ``sslmode``,
  ``sslrootcert`` (``system``), ``sslcert`` / ``sslkey`` (group or world access refused, a key
  that is not the certificate's), ``sslcrl`` / ``sslcrldir`` (X509_V_FLAG_CRL_CHECK |
  X509_V_FLAG_CRL_CHECK_ALL), ``ssl_min_protocol_version`` / ``ssl_max_protocol_version``,
  ``sslcertmode``, ``host`` / ``hostaddr`` for verify-full; libpq prints only ``certificate
  verify failed`` for every verification result.
- PostgreSQL's server (postgresql.conf ``ssl_cert_file``, ``ssl_key_file``, ``ssl_ca_file``,
  ``ssl_ciphers``, ``ssl_min_protocol_version``, ``ssl_max_protocol_version``; pg_hba.conf
  ``hostssl`` with the ``cert`` method).
- Redis 7 (tls.c, config.c: ``tls-cert-file`` read as a chain, ``tls-ca-cert-file``,
  ``tls-auth-clients yes|optional|no``, ``tls-protocols``, ``tls-ciphers``) and redis-py 8
  (``SSLConnection``: ``ssl_cert_reqs``, ``ssl_ca_certs``, ``ssl_certfile`` / ``ssl_keyfile``,
  ``ssl_check_hostname``, ``ssl_min_version`` in the URL).

Each kind in :data:`KINDS` is one row: the breakage, how it is made, what it produces (the
X509_V_ERR code, the TLS alert, libpq's or redis-py's refusal), the certificate it concerns and
the settings its fix may name (the side that can change it). Kinds that already are a row of
docs/verdicts/postgres.md or redis.md (or of a held-out round) name it and keep its verdict.
Codes a client of these servers cannot meet are listed in :data:`UNREACHABLE` with why.

Made for real: certificates made here with ``cryptography`` (EC P-256, but for the weak RSA key);
one lab PostgreSQL whose ``ssl_cert_file`` / ``ssl_ca_file`` / protocol and cipher settings are
changed by ALTER SYSTEM and a reload between server states (one envcheck run per state, every
client setting of that state an instance of it); one redis-server per TLS configuration (cheap
to start), all in one envcheck run. Every breakage is proved with the real client (psycopg's
libpq, redis-py) and with Python's ssl (the verify code) first.

The invariants, for every pair, decided from structure (the kind's code, alert or refusal, and
what the test made), never from a verdict's words beyond the names asserted:

1. the check whose connection met the breakage fails (never passes, never envcheck's own error);
   a healthy neighbour passes every check;
2. never the password or the client key's content in the output;
3. the verdict names the verify error as OpenSSL gives it (its code or text), or the alert /
   refusal the kind produces;
4. it names the certificate it concerns (its subject's CN) when that one is sent by the server;
5. a cause only when established: "expired" only for code 10, "another CA" / "does not hold"
   only when the issuer is not in the trust file, a host name cause only for 62 / 64;
6. the fix names a setting of the side that can change it (:attr:`Kind.fix`).

First measurement (envcheck at e4dfdc9, before any change, 2026-12-07): 22 of 51 pairs wrong.
PostgreSQL 11 of 29 (18 breakages, 5 healthy neighbours and 6 kinds kept from rows: all
neighbours passed): the verify errors outside expired / not yet valid / revoked / CRL / issuer
unknown / host name fell to "it is not signed by the CA in ... (self-signed, another CA, or
expired)" with "set sslrootcert" as the fix (self-signed leaf and self-signed in chain, path
length, purpose, a CA without keyCertSign, CA:FALSE, a CRL whose signature fails: invariants 5
and 6); no verdict named the certificate concerned (9: invariant 4); a server without a shared
cipher was "failed after the server accepted SSL" with no cipher and no ssl_ciphers (3, 6).
Redis 11 of 22: ``ssl_min_version=772`` (TLS 1.3) against ``tls-protocols TLSv1.2`` passed
(envcheck's TLS context ignores the URL's ssl_min_version: invariant 1); a client certificate
of another CA (TLS 1.3: the alert after the handshake) was "does not speak the Redis protocol";
no shared cipher "maxclients is reached ... a client certificate"; path length, purpose, CA:FALSE
and a CA without keyCertSign "does not hold the CA that signed the server's certificate" with
ssl_ca_certs / ca_file as the fix; no certificate named (8).

After the fixes of the next commit (34f16c6): 0 of 51; every breakage proved as before, no kind
and no invariant changed. Then three kinds first listed as unreachable were made after all: a
server whose OpenSSL runs at security level 0 (OPENSSL_CONF, as on a system whose default allows
them) serves an RSA 1024 leaf (66), an RSA 1024 CA (67) and a SHA-1 signature (68) that this
client's level 2 refuses; at level 2 Redis will not start with them (test_weak_certificates_not_
served), nor the lab PostgreSQL load them, so they are Redis pairs only. This file run on
e4dfdc9's code (a worktree): 25 of 54 wrong (PostgreSQL 11 of 29, Redis 14 of 25: the three new
ones as path length and purpose were); now 0 of 54. Invariant 3 counts a code's number only as
"verify result N" (a date's seconds had matched it). The Redis fixes that are URL edits (drop
ssl_min_version, drop ssl_certfile / ssl_keyfile) are carried out by envcheck's step runner and
the two instances pass on a second run; the PostgreSQL ones are the person's (sslrootcert,
sslcrl: a manual edit) or the server administrator's. Cost (``/usr/bin/time`` on ``pytest <this
file> -p no:xdist``, 54 pairs, load average 8 on two cores): 9.4 s user, 3.5 s system (about 13
CPU-s), 33 s wall; the lab's initdb and start are most of the system time, each PostgreSQL
state's envcheck run about 0.4 CPU-s.

The untested neighbours of the client-certificate alerts (2026-12-08; kinds client-cert-revoked
and client-cert-weak-key, expectations committed first in 803c4bc, then run on its code): a
client certificate the server's ``ssl_crl_file`` revokes (PostgreSQL: alert certificate revoked;
Redis 7 reads no CRL for client certificates), and a 2048-bit RSA client key at a server whose
OpenSSL runs at security level 3 (``ssl_ciphers`` / ``tls-ciphers`` ``@SECLEVEL=3``: alert
bad certificate, for PostgreSQL and Redis). First run: 0 of 3 fully right, 2 partly, 1 wrong.
PostgreSQL's bad certificate was "does not trust the client certificate" with "get a client
certificate signed by the CA in ssl_ca_file" (wrong: the CA is trusted; libpq's words for two
alerts led to one verdict); its revoked certificate was named, with the generic fix (partly: no
word that this one is revoked and a new one is needed); Redis's bad certificate listed every
cause of the alert and asked for "a certificate issued for TLS clients" (partly). After: 3 of 3;
the fix names the certificate to get per alert (shared/tls.CLIENT_CERT_WANTED), and a bad
certificate alert is told by the security level the certificate meets, read by this OpenSSL
loading it at levels 1 to 5 (``certificate_level``: EE_KEY_TOO_SMALL, CA_MD_TOO_WEAK), the checks
the server makes. The fixes are the administrator's (a new certificate): not executed.

Considered and not swept: ``tls-replication`` (between a replica and its master, no client meets
it), ``tls-auth-clients no`` (a certificate sent is not asked for), libpq's ``sslsni`` (the
server does not choose a certificate by name), ``sslcertmode``, ``sslpassword``,
``sslrootcert=system`` and ``hostssl`` / ``hostnossl`` (rows and rounds already: pg-sslcertmode-
require-no-cert, pg-sslpassword-wrong, pg-sslrootcert-system-*, pg-hba-hostssl-only,
pg-hba-hostnossl-only).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import datetime
import ipaddress
import json
import os
import re
import shutil
import socket
import ssl
import struct
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

# loaded before any in-process pytest session (see test_heldout_servers8)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.servers import free_port
from tests.verdicts import redis_servers as rs
from tests.verdicts import table
from tests.verdicts.pg_lab import PASSWORD, Lab, lab_fixtures
from tests.verdicts.test_heldout_servers9 import instance, of_instance, redis_section
from tests.verdicts.test_redis import apply_steps, run_envcheck

lab_server, lab = lab_fixtures("tls-sweep-pglab")

HEADER = Path("/usr/include/openssl/x509_vfy.h")
NOW = datetime.datetime.now(datetime.timezone.utc)
HOUR, DAY = datetime.timedelta(hours=1), datetime.timedelta(days=1)
#: the names the healthy leaf holds (IP and DNS SANs, one wildcard)
NAME = "pg.tls.envcheck.invalid"
WILD = "*.w.tls.envcheck.invalid"


def verify_codes() -> dict[int, str]:
    """X509_V_ERR_* of the installed OpenSSL (x509_vfy.h): number -> name."""
    if not HEADER.is_file():
        pytest.skip("needs OpenSSL's headers (x509_vfy.h)")
    found = re.findall(r"#\s*define\s+(X509_V_ERR_\w+)\s+(\d+)", HEADER.read_text())
    return {int(n): name for name, n in found}


def verify_text(code: int) -> str:
    """OpenSSL's own text for ``code`` (x509_txt.c, from the installed libcrypto)."""
    lib = ctypes.CDLL(ctypes.util.find_library("crypto") or "libcrypto.so.3")
    text = lib.X509_verify_cert_error_string
    text.restype = ctypes.c_char_p
    text.argtypes = [ctypes.c_long]
    return str(text(code).decode())


# -- the kinds -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One row of the sweep."""

    id: str
    breakage: str
    made: str
    #: what it produces: the X509_V_ERR code (verify), else an alert or a client's refusal
    code: int | None = None
    produces: str = ""
    #: the CN of the certificate it concerns (None: no certificate of the server's, or not sent)
    concerns: str | None = None
    #: settings a fix may name (any of them): the side that can change it
    fix: tuple[str, ...] = ()
    #: words that name the produced alert / refusal when there is no verify code (any)
    names: tuple[str, ...] = ()
    healthy: bool = False
    #: the table row or held-out case that already covers it (its verdict kept)
    row: str | None = None
    #: words of a cause the kind does not establish, beside those of :meth:`banned`'s rules
    never: tuple[str, ...] = ()

    def banned(self) -> tuple[str, ...]:
        """Causes not established for this kind (invariant 5)."""
        out: list[str] = list(self.never)
        if self.code not in (10, 12):
            out += ["expired", "past its end"]
        if self.code not in (2, 20, 18, 19, None):
            out += ["another CA", "other CA", "does not hold", "not signed by the CA"]
        if self.code not in (62, 64):
            out += ["issued for other names", "is not issued for", "not among the certificate"]
        return tuple(out)


CN = "envcheck-tls-"
SERVER_CERT = ("ssl_cert_file", "tls-cert-file")
TRUST = ("sslrootcert", "ca_file", "ssl_ca_certs")

KINDS = [
    # healthy neighbours
    Kind(
        "healthy-chain-ip",
        "none: leaf + intermediate sent, root trusted, IP SAN",
        "verify-full" " by 127.0.0.1",
        healthy=True,
    ),
    Kind(
        "healthy-dns-name",
        "none: a DNS SAN, dialled by hostaddr / localhost",
        "verify-full by" " name",
        healthy=True,
    ),
    Kind(
        "healthy-wildcard",
        f"none: {WILD} covers db.w...",
        "verify-full by db.w.tls...",
        healthy=True,
    ),
    Kind(
        "healthy-client-cert",
        "none: a client certificate the server's CA signed",
        "cert line /" " tls-auth-clients yes",
        healthy=True,
    ),
    Kind(
        "healthy-no-verify",
        "none: sslmode=require without a root file / ssl_check_hostname" " off for a name mismatch",
        "no verification asked",
        healthy=True,
    ),
    # X509_V_ERR_* the server's chain or the client's trust produce
    Kind(
        "unable-to-get-issuer",
        "the trust file holds the intermediate only (no root): libpq" " sets no partial-chain flag",
        "sslrootcert / ssl_ca_certs = intermediate",
        2,
        concerns=CN + "inter",
        fix=TRUST,
    ),
    Kind(
        "cert-not-yet-valid",
        "notBefore tomorrow",
        "server leaf",
        9,
        concerns=CN + "future",
        fix=SERVER_CERT,
        row="pg-server-cert-not-yet-valid",
    ),
    Kind(
        "cert-expired",
        "notAfter yesterday",
        "server leaf",
        10,
        concerns=CN + "expired",
        fix=SERVER_CERT,
        row="pg-server-cert-expired / redis-tls-server-cert-expired",
    ),
    Kind(
        "depth-zero-self-signed",
        "the server's certificate is self-signed, the client trusts" " a CA",
        "server leaf",
        18,
        concerns=CN + "selfsigned",
        fix=TRUST + SERVER_CERT,
        row="pg-ssl-untrusted / redis-tls-untrusted",
    ),
    Kind(
        "self-signed-in-chain",
        "the server sends leaf, intermediate and root; the client" " trusts another CA",
        "server chain",
        19,
        concerns=CN + "root",
        fix=TRUST,
    ),
    Kind(
        "local-issuer-other-ca",
        "the client trusts another CA",
        "sslrootcert / ssl_ca_certs",
        20,
        concerns=CN + "inter",
        fix=TRUST,
        row="round 10: another CA",
    ),
    Kind(
        "cert-revoked",
        "sslcrl revokes the leaf",
        "sslcrl",
        23,
        concerns=CN + "leaf",
        fix=SERVER_CERT + ("sslcrl",),
        row="pg-server-cert-revoked",
    ),
    Kind(
        "crl-missing",
        "sslcrl holds the root's CRL only: CRL_CHECK_ALL wants the" " intermediate's",
        "sslcrl",
        3,
        fix=("sslcrl",),
    ),
    Kind(
        "crl-signature-failure",
        "a CRL named as the intermediate's, signed by another key",
        "sslcrl",
        8,
        fix=("sslcrl",),
    ),
    Kind(
        "crl-not-yet-valid",
        "the intermediate's CRL: lastUpdate tomorrow",
        "sslcrl",
        11,
        fix=("sslcrl",),
    ),
    Kind(
        "crl-expired", "the intermediate's CRL: nextUpdate yesterday", "sslcrl", 12, fix=("sslcrl",)
    ),
    Kind(
        "path-length-exceeded",
        "the root says pathlen:0, an intermediate below it",
        "server chain",
        25,
        concerns=CN + "pl-inter",
        fix=SERVER_CERT,
    ),
    Kind(
        "invalid-purpose",
        "the leaf's extendedKeyUsage is clientAuth only",
        "server leaf",
        26,
        concerns=CN + "clientauth",
        fix=SERVER_CERT,
    ),
    Kind(
        "invalid-ca-keyusage",
        "the issuing CA's keyUsage lacks keyCertSign (OpenSSL 3.0:"
        " X509_check_ca fails, so 79, not 32)",
        "server chain",
        79,
        concerns=CN + "nosign",
        fix=SERVER_CERT,
    ),
    Kind(
        "invalid-ca",
        "the issuer says CA:FALSE",
        "server chain",
        79,
        concerns=CN + "notca",
        fix=SERVER_CERT,
    ),
    Kind(
        "ee-key-too-small",
        "an RSA 1024 leaf, served by a server at security level 0 (OPENSSL_CONF): the client's"
        " level 2 refuses it",
        "server leaf",
        66,
        concerns=CN + "rsa1024",
        fix=SERVER_CERT,
    ),
    Kind(
        "ca-key-too-small",
        "an RSA 1024 CA below the root, served at security level 0",
        "server chain",
        67,
        concerns=CN + "weakca",
        fix=SERVER_CERT,
    ),
    Kind(
        "ca-md-too-weak",
        "the leaf signed with SHA-1, served at security level 0",
        "server leaf",
        68,
        concerns=CN + "sha1",
        fix=SERVER_CERT,
    ),
    Kind(
        "hostname-mismatch",
        "the name dialled is not among the SANs",
        "host= / URL host",
        62,
        produces="libpq: server certificate for ... does not match host name",
        names=("is not issued for", "issued for other names"),
        fix=("host", "URL", "url", "sslmode=verify-ca"),
        row="pg-ssl-hostaddr-name / redis-tls-name",
    ),
    Kind(
        "ip-mismatch",
        "the IP dialled is not among the IP SANs",
        "host= / URL host",
        64,
        produces="libpq: server certificate for ... does not match host name",
        names=("is not issued for", "issued for other names"),
        fix=("host", "URL", "url", "sslmode=verify-ca"),
        row="redis-tls-name",
    ),
    # handshake and client-certificate refusals
    Kind(
        "protocol-version",
        "server minimum TLS 1.3, client maximum 1.2 (or the reverse)",
        "ssl_min_protocol_version / tls-protocols vs the client's bound",
        produces="alert protocol version",
        names=("protocol version", "TLS version"),
        fix=(
            "ssl_min_protocol_version",
            "ssl_max_protocol_version",
            "tls-protocols",
            "ssl_min_version",
        ),
        row="pg-ssl-protocol-bounds",
    ),
    Kind(
        "no-shared-cipher",
        "server: TLS 1.2 only, RSA ciphers only, an EC certificate",
        "ssl_ciphers / tls-ciphers",
        produces="alert handshake failure (no shared cipher)",
        names=("cipher",),
        fix=("ssl_ciphers", "tls-ciphers"),
    ),
    Kind(
        "client-cert-missing",
        "a cert line / tls-auth-clients yes, no client certificate",
        "the client sends none",
        produces="28000 / alert certificate required",
        names=("client certificate",),
        fix=("sslcert", "ssl_certfile"),
        row="pg-hba-cert / redis-tls-client-cert-required",
    ),
    Kind(
        "client-cert-other-ca",
        "the client certificate is signed by a CA the server does not" " trust",
        "sslcert / ssl_certfile",
        produces="alert unknown ca",
        names=("client certificate",),
        fix=("ssl_ca_file", "tls-ca-cert-file", "sslcert", "ssl_certfile"),
        row="pg-ssl-client-cert-unknown-ca",
    ),
    Kind(
        "client-cert-purpose",
        "the client certificate's extendedKeyUsage is serverAuth only (no clientAuth)",
        "sslcert / ssl_certfile",
        produces="alert unsupported certificate",
        names=("unsupported certificate", "client authentication"),
        fix=("sslcert", "ssl_certfile"),
    ),
    # the neighbours of client-cert-purpose that ssl_x509err2alert maps to other alerts
    # (expectations written 2026-12-08 before envcheck ran on them)
    Kind(
        "client-cert-revoked",
        "the server's ssl_crl_file revokes the client certificate (PostgreSQL; Redis 7 reads no"
        " CRL for client certificates)",
        "sslcert",
        produces="alert certificate revoked",
        names=("certificate revoked",),
        fix=("sslcert",),
        never=("does not trust", "not signed by", "another CA"),
    ),
    Kind(
        "client-cert-weak-key",
        "the server's OpenSSL security level 3 (ssl_ciphers / tls-ciphers @SECLEVEL=3) refuses"
        " the client certificate's 2048-bit RSA key (it needs 3072)",
        "sslcert / ssl_certfile",
        produces="alert bad certificate",
        names=("bad certificate",),
        fix=("sslcert", "ssl_certfile"),
        never=("does not trust", "not signed by", "another CA", "for TLS clients"),
    ),
    Kind(
        "client-key-mismatch",
        "sslkey / ssl_keyfile is another certificate's key",
        "sslkey / ssl_keyfile",
        produces="KEY_VALUES_MISMATCH",
        names=("key",),
        fix=("sslkey", "ssl_keyfile"),
        row="redis-tls-key-mismatch",
    ),
    Kind(
        "client-key-mode",
        "the client key is readable by others (0644): libpq refuses it",
        "chmod 644",
        produces="libpq: has group or world access",
        names=("group or world",),
        fix=("chmod",),
        row="pg-sslkey-mode",
    ),
]
BY_ID = {k.id: k for k in KINDS}

#: X509_V_ERR codes a client of these servers does not meet, and why (the rest of x509_vfy.h is
#: either a row of KINDS or here)
UNREACHABLE_WHY = {
    "never set by verification of a TLS peer (internal, proxy certificates, DANE, OCSP, CT, Suite"
    " B and RFC 3779 need settings neither libpq nor redis-py makes)": (
        1,
        17,
        22,
        27,
        28,
        38,
        40,
        46,
        50,
        56,
        57,
        58,
        59,
        60,
        61,
        63,
        65,
        69,
        70,
        71,
        73,
        74,
        75,
    ),
    "a certificate OpenSSL cannot decode or a broken signature: the handshake fails before or"
    " verification reports it as the same signature failure; kept out (made only by hand-edited"
    " DER)": (4, 5, 6, 7, 13, 14, 15, 16, 24, 29, 30, 31, 34, 36, 41, 42, 43, 45, 76, 77, 78),
    "X509_V_FLAG_X509_STRICT only (neither client sets it)": tuple(range(80, 95)),
    "CRL features beyond a CRL file (indirect CRLs, delta CRLs, CRL issuers)": (
        33,
        35,
        44,
        54,
    ),
    "name constraints and policies: a CA with nameConstraints / policies (a company PKI);"
    " verification reports the violation like a purpose error": (
        37,
        39,
        47,
        48,
        49,
        51,
        52,
        53,
        55,
        72,
    ),
    "OpenSSL 3 reports a leaf whose issuer is found nowhere as 20 (build_chain); 21 only"
    " with a partial chain": (21,),
    "a CA's keyUsage without keyCertSign: OpenSSL 3.0's check_chain reports 79 first"
    " (X509_check_ca), swept as invalid-ca-keyusage": (32,),
}


#: the rows of docs/verdicts/postgres.md and redis.md this sweep holds (section "The TLS sweep"),
#: each asserted on the report of the pair named
PG_ROWS = {
    "pg-ssl-client-cert-alert": "cert_purpose",
    "pg-ssl-client-cert-revoked": "cert_revoked",
    "pg-ssl-client-cert-weak-key": "cert_weak_key",
    "pg-tls-self-signed": "selfsigned",
    "pg-tls-self-signed-in-chain": "in_chain",
    "pg-tls-chain-refused": "pathlen",
    "pg-tls-crl-unusable": "crl_badsig",
    "pg-tls-no-cipher": "no_cipher",
}
REDIS_ROWS = {
    "redis-tls-client-cert-weak-key": "cert_weak_key",
    "redis-tls-self-signed-in-chain": "in_chain",
    "redis-tls-chain-refused": "notca",
    "redis-tls-min-version": "min_tls13",
    "redis-tls-no-cipher": "no_cipher",
    "redis-tls-client-cert-refused": "cert_other_ca",
    "redis-tls-client-cert-alert": "cert_other_ca_required",
}
#: the Redis pairs whose fix is an edit of the client's URL, run and re-checked
REDIS_HEALED = ("min_tls13", "cert_other_ca")


#: kinds that are rows already: the sweep's pair (its instance) and the row whose verdict it keeps
KEPT_PG = {
    "expired": "pg-server-cert-expired",
    "future": "pg-server-cert-not-yet-valid",
    "selfsigned": "pg-ssl-untrusted",
    "crl_revoked": "pg-server-cert-revoked",
    "name_other": "pg-ssl-hostaddr-name",
    "max_tls12": "pg-ssl-protocol-bounds",
    "cert_missing": "pg-hba-cert",
    "cert_other_ca": "pg-ssl-client-cert-unknown-ca",
    "key_mode": "pg-sslkey-mode",
}
KEPT_REDIS = {
    "expired": "redis-tls-server-cert-expired",
    "name_other": "redis-tls-name",
    "ip_other": "redis-tls-name",
    "cert_missing": "redis-tls-client-cert-required",
    "cert_missing_tls12": "redis-tls-client-cert-required",
    "cert_other_ca_tls12": "redis-tls-client-cert-alert",
    "cert_purpose": "redis-tls-client-cert-alert",
    "key_mismatch": "redis-tls-key-mismatch",
}
#: a row's words that name its own scenario (a host, a bound, its section), not the kind
SCENARIO_WORDS = (
    "envcheck.invalid",
    "localhost",
    "tool.envcheck.redis.url",
    "TLSv1.3",
    "drop or lower ssl_min",
)


def assert_rows(
    component: str, rows: dict[str, str], checks: list[dict[str, Any]], kept: bool = False
) -> None:
    """Each row's verdict on its pair's report; ``kept``: a row made by another scenario, whose
    words naming that scenario are left out."""
    by_id = {row.id: row for row in table.rows(component)}
    for name, ident in rows.items() if kept else ((n, i) for i, n in rows.items()):
        row = by_id[ident]
        if kept:
            row = dataclasses.replace(
                row,
                cause=tuple(c for c in row.cause if not any(w in c for w in SCENARIO_WORDS)),
                fix=tuple(f for f in row.fix if not any(w in f for w in SCENARIO_WORDS)),
            )
        problems = table.verdict_problems(row, of_instance(checks, component, name))
        assert not problems, (ident, problems)


def test_every_verify_code_is_considered() -> None:
    """Every X509_V_ERR_* of the installed header is a kind or listed as unreachable, once."""
    listed = [c for codes in UNREACHABLE_WHY.values() for c in codes]
    kinds = [k.code for k in KINDS if k.code is not None]
    assert len(listed) == len(set(listed))
    assert not set(listed) & set(kinds)
    missing = set(verify_codes()) - set(listed) - set(kinds) - {0}
    assert not missing, f"X509_V_ERR codes neither swept nor listed: {sorted(missing)}"


# -- certificates ----------------------------------------------------------------------------


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@dataclass
class Made:
    cert: x509.Certificate
    key: Any

    @property
    def cn(self) -> str:
        return str(self.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


def issue(
    cn: str,
    issuer: Made | None,
    *,
    ca: bool = False,
    pathlen: int | None = None,
    sans: tuple[str, ...] = (),
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    key: Any = None,
    digest: Any = None,
    eku: Any = None,
    ku: x509.KeyUsage | None = None,
) -> Made:
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(CN + cn))
        .issuer_name(issuer.cert.subject if issuer else _name(CN + cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start or NOW - HOUR)
        .not_valid_after(end or NOW + 2 * DAY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=pathlen), critical=True)
    )
    names: list[x509.GeneralName] = []
    for san in sans:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(san)))
        except ValueError:
            names.append(x509.DNSName(san))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if ku is not None:
        builder = builder.add_extension(ku, critical=True)
    signer = issuer.key if issuer else key
    return Made(builder.sign(signer, digest or hashes.SHA256()), key)


def sha1_signed(p: PKI, root: Made, sans: tuple[str, ...]) -> Made:
    """A leaf the root signs with SHA-1 (openssl's CLI: cryptography signs no SHA-1)."""
    import subprocess

    leaf = issue("sha1", root, sans=sans)  # its key and names; re-signed below
    csr, ext, out = p.dir / "sha1.csr", p.dir / "sha1.ext", p.dir / "sha1-signed.pem"
    p.key("sha1-csr", leaf)
    p.pem("sha1-root", root)
    p.key("sha1-root", root)
    names = ",".join(f"IP:{n}" if n[0].isdigit() else f"DNS:{n}" for n in sans)
    ext.write_text(f"subjectAltName={names}\nbasicConstraints=critical,CA:FALSE\n")
    subprocess.run(
        [
            "openssl",
            "req",
            "-new",
            "-key",
            str(p.files["sha1-csr.key"]),
            "-subj",
            f"/CN={CN}sha1",
            "-out",
            str(csr),
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            "openssl",
            "x509",
            "-req",
            "-in",
            str(csr),
            "-CA",
            str(p.files["sha1-root"]),
            "-CAkey",
            str(p.files["sha1-root.key"]),
            "-CAcreateserial",
            "-sha1",
            "-days",
            "2",
            "-extfile",
            str(ext),
            "-out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    p.secret_lines.pop()  # the root's key is no client secret
    return Made(x509.load_pem_x509_certificate(out.read_bytes()), leaf.key)


def _ku(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def crl(
    issuer: Made,
    *,
    revoked: tuple[Made, ...] = (),
    last: datetime.datetime | None = None,
    nxt: datetime.datetime | None = None,
    signer: Any = None,
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(last or NOW - HOUR)
        .next_update(nxt or NOW + DAY)
    )
    for made in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(made.cert.serial_number)
            .revocation_date(NOW - HOUR)
            .build()
        )
    return builder.sign(signer or issuer.key, hashes.SHA256())


@dataclass
class PKI:
    dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    made: dict[str, Made] = field(default_factory=dict)
    #: the client key's content, which no output may hold
    secret_lines: list[str] = field(default_factory=list)

    def pem(self, name: str, *certs: Made | x509.CertificateRevocationList) -> Path:
        path = self.dir / f"{name}.pem"
        path.write_bytes(
            b"".join(
                (c.cert if isinstance(c, Made) else c).public_bytes(serialization.Encoding.PEM)
                for c in certs
            )
        )
        self.files[name] = path
        return path

    def key(self, name: str, made: Made, mode: int = 0o600) -> Path:
        path = self.dir / f"{name}.key"
        data = made.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.write_bytes(data)
        path.chmod(mode)
        self.secret_lines.append(data.decode().splitlines()[1])
        self.files[name + ".key"] = path
        return path


def make_pki(directory: Path) -> PKI:
    p = PKI(directory)
    m = p.made
    m["root"] = root = issue("root", None, ca=True)
    m["inter"] = inter = issue("inter", root, ca=True)
    m["leaf"] = leaf = issue("leaf", inter, sans=("127.0.0.1", NAME, WILD, "localhost"))
    m["other"] = other = issue("other-root", None, ca=True)
    p.pem("root", root)
    p.pem("inter", inter)
    p.pem("other", other)
    p.pem("chain", leaf, inter)
    p.pem("chain3", leaf, inter, root)
    p.key("leaf", leaf)
    # one leaf per intrinsic kind, each with its key and what the server sends
    intrinsic: dict[str, tuple[Made, ...]] = {}
    ok = ("127.0.0.1", "localhost", NAME)
    intrinsic["expired"] = (issue("expired", root, sans=ok, start=NOW - 3 * DAY, end=NOW - DAY),)
    intrinsic["future"] = (issue("future", root, sans=ok, start=NOW + DAY, end=NOW + 3 * DAY),)
    intrinsic["selfsigned"] = (issue("selfsigned", None, sans=ok),)
    pl_root = issue("pl-root", None, ca=True, pathlen=0)
    pl_inter = issue("pl-inter", pl_root, ca=True)
    m["pl-root"] = pl_root
    intrinsic["pathlen"] = (issue("pathlen", pl_inter, sans=ok), pl_inter)
    intrinsic["clientauth"] = (
        issue("clientauth", root, sans=ok, eku=[ExtendedKeyUsageOID.CLIENT_AUTH]),
    )
    nosign = issue("nosign", root, ca=True, ku=_ku(False))
    intrinsic["nosign"] = (issue("nosign-leaf", nosign, sans=ok), nosign)
    notca = issue("notca", root, ca=False)
    intrinsic["notca"] = (issue("notca-leaf", notca, sans=ok), notca)
    weak = rsa.generate_private_key(65537, 1024)
    intrinsic["rsa1024"] = (issue("rsa1024", root, sans=ok, key=weak),)
    intrinsic["sha1"] = (sha1_signed(p, root, ok),)
    weakca = issue("weakca", root, ca=True, key=rsa.generate_private_key(65537, 1024))
    intrinsic["weakca"] = (issue("weakca-leaf", weakca, sans=ok), weakca)
    intrinsic["ipsan"] = (issue("ipsan", root, sans=("127.0.0.1",)),)
    intrinsic["dnsonly"] = (issue("dnsonly", root, sans=("localhost",)),)
    intrinsic["ecdsa-rsa-ciphers"] = (issue("ecdsa", root, sans=ok),)
    for name, chain in intrinsic.items():
        p.pem("srv-" + name, *(c for c in chain))
        p.key("srv-" + name, chain[0])
    p.pem("pl-root", pl_root)
    # CRLs (libpq: every certificate of the chain needs its issuer's CRL)
    good_root = crl(root)
    p.pem("crl-revoked", good_root, crl(inter, revoked=(leaf,)))
    p.pem("crl-missing", good_root)
    p.pem("crl-badsig", good_root, crl(inter, signer=other.key))
    p.pem("crl-future", good_root, crl(inter, last=NOW + DAY, nxt=NOW + 2 * DAY))
    p.pem("crl-expired", good_root, crl(inter, last=NOW - 2 * DAY, nxt=NOW - DAY))
    # client certificates: made per component (a PostgreSQL cert line wants the role as CN)
    m["client"] = client = issue("client", root)
    p.pem("client", client)
    p.key("client", client)
    stranger = issue("client", other)
    server_only = issue("client", root, eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    p.pem("client-serveronly", server_only)
    p.key("client-serveronly", server_only)
    p.pem("client-other", stranger)
    p.key("client-other", stranger)
    # a client key of 112 bits of security: level 2's floor, below level 3's 128
    m["rsa2048"] = rsa2048 = issue("client", root, key=rsa.generate_private_key(65537, 2048))
    p.pem("client-rsa2048", rsa2048)
    p.key("client-rsa2048", rsa2048)
    p.key("wrong", issue("wrong", root))
    return p


# -- proofs: what the real clients and Python's ssl say -------------------------------------


def pg_python_code(port: int, host: str, cafile: Path | None, crlfile: Path | None = None) -> int:
    """OpenSSL's verify result for the lab's chain, as libpq would get it (Python's ssl after
    SSLRequest); 0 when it verifies."""
    context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    if crlfile:
        context.load_verify_locations(cafile=str(crlfile))
        context.verify_flags |= ssl.VERIFY_CRL_CHECK_CHAIN
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(struct.pack("!ii", 8, 80877103))
        assert raw.recv(1) == b"S"
        try:
            with context.wrap_socket(raw, server_hostname=host):
                return 0
        except ssl.SSLCertVerificationError as exc:
            return int(exc.verify_code)


def redis_python_code(host: str, port: int, cafile: str | None) -> int:
    """OpenSSL's verify result for a Redis TLS port, as redis-py gets it; 0 when it verifies."""
    context = ssl.create_default_context(cafile=cafile)
    with socket.create_connection((host, port), timeout=5) as raw:
        try:
            with context.wrap_socket(raw, server_hostname=host):
                return 0
        except ssl.SSLCertVerificationError as exc:
            return int(exc.verify_code)


def real_pg(dsn: str) -> str | None:
    """libpq's own outcome: None when it logs in, else its first line."""
    try:
        psycopg.connect(dsn, connect_timeout=10).close()
    except psycopg.OperationalError as exc:
        return str(exc).strip()
    return None


def real_redis(url: str) -> str | None:
    try:
        with redis.Redis.from_url(url, socket_timeout=5) as client:
            client.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        return str(exc)
    return None


# -- grading ---------------------------------------------------------------------------------


@dataclass
class Pair:
    kind: Kind
    component: str
    name: str  # the instance
    target: str  # DSN or URL
    check: str  # the check whose connection meets it
    #: the real client's refusal (None: it connected)
    real: str | None = None
    #: how Python's ssl meets it (server_hostname, CA file, CRL file): its verify code
    proof: tuple[str, str | None, str | None] | None = None


def _fix_text(check: dict[str, Any]) -> str:
    return json.dumps(check.get("fix") or {}) + " " + str(check.get("hint") or "")


def broken(pair: Pair, checks: list[dict[str, Any]], secrets: list[str]) -> list[str]:
    """The invariants ``pair`` breaks (empty: none)."""
    kind = pair.kind
    everything = json.dumps(checks)
    out = [f"secret shown: {s[:6]}..." for s in secrets if s in everything]
    if kind.healthy:
        failing = [
            f"{c['id']} {c['status']}: {c['summary']}" for c in checks if c["status"] == "fail"
        ]
        return out + [f"healthy fails: {f}" for f in failing]
    found = {c["id"]: c for c in checks}
    c = found.get(pair.check)
    if c is None:
        return out + [f"no check {pair.check}"]
    if c["status"] != "fail":
        return out + [f"1 not failing: {c['status']} {c['summary']!r}"]
    text = f"{c['summary']} {c.get('why') or ''}"
    if "Traceback" in text or "envcheck's own error" in text or "internal error" in text:
        out.append("1 envcheck's own error")
    if kind.code is not None:
        said = verify_text(kind.code)
        libpq = any(n.lower() in text.lower() for n in kind.names)
        numbered = re.search(rf"(verify (result|code)|X509_V_ERR\w*) {kind.code}\b", text)
        if said not in text and not numbered and not libpq:
            out.append(f"3 verify error {kind.code} ({said}) not named")
    elif kind.names and not any(n.lower() in text.lower() for n in kind.names):
        out.append(f"3 {kind.produces} not named")
    if kind.concerns and kind.concerns not in text:
        out.append(f"4 certificate {kind.concerns} not named")
    own = verify_text(kind.code) if kind.code is not None else ""
    bare = (text + " " + _fix_text(c)).replace(own, "") if own else text + " " + _fix_text(c)
    for word in kind.banned():
        if word.lower() in bare.lower():
            out.append(f"5 unestablished cause: {word!r}")
    if kind.fix and not any(s in _fix_text(c) for s in kind.fix):
        out.append(f"6 fix names none of {kind.fix}")
    return out


@dataclass
class Tally:
    pairs: dict[str, list[str]] = field(default_factory=dict)

    def add(self, pair: Pair, problems: list[str]) -> None:
        self.pairs[f"{pair.component}:{pair.name}"] = problems

    def wrong(self) -> dict[str, list[str]]:
        return {k: v for k, v in self.pairs.items() if v}

    def summary(self) -> str:
        per: dict[str, int] = {}
        for problems in self.pairs.values():
            for p in problems:
                per[p.split(" ")[0]] = per.get(p.split(" ")[0], 0) + 1
        return f"{len(self.wrong())} of {len(self.pairs)} wrong; by invariant {sorted(per.items())}"


# -- PostgreSQL ------------------------------------------------------------------------------


def client_certificate(cn: str, signer: Made, key: Any, server: bool = False) -> Made:
    """A client certificate for the role ``cn`` (its exact name), signed by ``signer``;
    ``server``: its extendedKeyUsage serverAuth only (not for a TLS client)."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(signer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - HOUR)
        .not_valid_after(NOW + DAY)
    )
    if server:
        eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
        builder = builder.add_extension(eku, critical=False)
    return Made(builder.sign(signer.key, hashes.SHA256()), key)


def kw(lab: Lab, user: str, db: str, **params: str) -> str:
    base = {
        "host": "127.0.0.1",
        "port": str(lab.port),
        "user": user,
        "dbname": db,
        "password": PASSWORD,
        "connect_timeout": "10",
    }
    base.update(params)
    return " ".join(f"{k}='{v}'" for k, v in base.items())


def serve(lab: Lab, pki: PKI, cert: str, key: str, crl: str | None = None, **settings: str) -> None:
    """The lab presents ``cert`` (with ``settings``) from now on: ALTER SYSTEM, a reload;
    ``crl``: the PKI file it checks client certificates against (ssl_crl_file)."""
    # the lab's command line sets ssl_ca_file=server.crt (its own certificate), which ALTER
    # SYSTEM cannot override: the sweep's CA takes that file's place, put back by reset()
    saved = lab.pg.data / "server.crt.lab"
    if not saved.exists():
        shutil.copy(lab.pg.data / "server.crt", saved)
    for source, name in (
        (pki.files[cert], "sweep.crt"),
        (pki.files[key], "sweep.key"),
        (pki.files["root"], "server.crt"),
    ):
        target = lab.pg.data / name
        shutil.copy(source, target)
        target.chmod(0o600)
        if lab.pg.owner:
            shutil.chown(target, lab.pg.owner)
    if crl is not None:
        target = lab.pg.data / "sweep-crl.pem"
        shutil.copy(pki.files[crl], target)
        if lab.pg.owner:
            shutil.chown(target, lab.pg.owner)
    wanted = {
        "ssl_cert_file": "sweep.crt",
        "ssl_key_file": "sweep.key",
        "ssl_min_protocol_version": "TLSv1.2",
        "ssl_max_protocol_version": "",
        "ssl_ciphers": "HIGH:MEDIUM:+3DES:!aNULL",
        "ssl_crl_file": "sweep-crl.pem" if crl is not None else "",
    }
    wanted.update(settings)
    lab.sql(
        *(f"ALTER SYSTEM SET {k} = '{v}'" for k, v in wanted.items()), "SELECT pg_reload_conf()"
    )
    # the postmaster reads the files after pg_reload_conf() returns: wait until it sends them
    first = x509.load_pem_x509_certificate(pki.files[cert].read_bytes())
    wanted_der = first.public_bytes(serialization.Encoding.DER)
    refuses = "ssl_ciphers" in settings  # a state no handshake gets through
    for _ in range(200):
        now = presented(lab.port)
        if now == wanted_der or (refuses and now is None):
            return
        time.sleep(0.01)
    raise AssertionError(f"the lab does not present {cert} after the reload")


def presented(port: int) -> bytes | None:
    """The DER of the certificate the lab sends now (nothing verified)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            raw.sendall(struct.pack("!ii", 8, 80877103))
            if raw.recv(1) != b"S":
                return None
            with context.wrap_socket(raw) as tls:
                return tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError):
        return None


def reset(lab: Lab) -> None:
    saved = lab.pg.data / "server.crt.lab"
    if saved.exists():
        shutil.move(saved, lab.pg.data / "server.crt")
    lab.sql(
        *(
            f"ALTER SYSTEM RESET {k}"
            for k in (
                "ssl_cert_file",
                "ssl_key_file",
                "ssl_min_protocol_version",
                "ssl_max_protocol_version",
                "ssl_ciphers",
                "ssl_crl_file",
            )
        ),
        "SELECT pg_reload_conf()",
    )


def run_pg(lab: Lab, pairs: list[Pair]) -> list[dict[str, Any]]:
    from envcheck.checks.shared import server

    assert lab.pytester is not None
    toml = "".join(
        f"[tool.envcheck.postgres.{instance(p.name)}]\ndsn = {json.dumps(p.target)}\n"
        "timeout = 8.0\n"  # as redis_timed: at 3 s, a loaded machine timed healthy ones out
        for p in pairs
    )
    lab.pytester.makefile(".toml", pyproject=toml)
    report = lab.pytester.path / "envcheck-report.json"
    report.unlink(missing_ok=True)
    try:
        result = lab.pytester.runpytest_inprocess(
            "-m", "postgres", "-p", "no:cacheprovider", "--envcheck-report", "--envcheck-only"
        )
    finally:
        server.close_all(("postgres",))
    assert report.exists(), "envcheck wrote no report"
    assert "Traceback" not in result.stdout.str()
    checks: list[dict[str, Any]] = json.loads(report.read_text())["checks"]
    return checks


def pg_states(lab: Lab, pki: PKI) -> list[tuple[str, dict[str, str], list[Pair]]]:
    """Server states (the certificate and settings the lab serves) and the pairs of each."""
    f = pki.files
    user, db = lab.app()
    cert_user = lab.role("lab_cert", "lab_app")
    cert_db = lab.database(cert_user)
    # the client certificate's CN is the role's name (the cert method)
    for name, signer in (("pg-client", pki.made["root"]), ("pg-client-other", pki.made["other"])):
        made = client_certificate(cert_user, signer, pki.made["client"].key)
        pki.pem(name, made)
    serving = client_certificate(cert_user, pki.made["root"], pki.made["client"].key, server=True)
    pki.pem("pg-client-serveronly", serving)
    pki.key("pg-client", pki.made["client"])
    revoked = client_certificate(cert_user, pki.made["root"], pki.made["client"].key)
    pki.pem("pg-client-revoked", revoked)
    pki.pem("crl-clients", crl(pki.made["root"], revoked=(revoked,)))
    weak = client_certificate(cert_user, pki.made["root"], pki.made["rsa2048"].key)
    pki.pem("pg-client-rsa2048", weak)
    pki.key("pg-client-rsa2048", pki.made["rsa2048"])
    loose = pki.dir / "pg-client-loose.key"
    shutil.copy(pki.files["pg-client.key"], loose)
    loose.chmod(0o644)

    def p(kind: str, name: str, **params: str) -> Pair:
        proof = (params.get("host", "127.0.0.1"), params.get("sslrootcert"), params.get("sslcrl"))
        return Pair(
            BY_ID[kind],
            "postgres",
            name,
            kw(lab, user, db, **params),
            "postgres/connect",
            proof=proof if BY_ID[kind].code else None,
        )

    def pc(kind: str, name: str, **params: str) -> Pair:
        return Pair(
            BY_ID[kind], "postgres", name, kw(lab, cert_user, cert_db, **params), "postgres/connect"
        )

    full = {"sslmode": "verify-full", "sslrootcert": str(f["root"])}
    via = {"hostaddr": "127.0.0.1"}
    chain = [
        p("healthy-chain-ip", "ok_ip", **full),
        p("healthy-dns-name", "ok_dns", host=NAME, **via, **full),
        p("healthy-wildcard", "ok_wild", host="db.w.tls.envcheck.invalid", **via, **full),
        pc(
            "healthy-client-cert",
            "ok_cert",
            sslcert=str(f["pg-client"]),
            sslkey=str(f["pg-client.key"]),
            **full,
        ),
        p(
            "healthy-no-verify",
            "ok_require",
            sslmode="require",
            sslrootcert=str(pki.dir / "absent.crt"),
        ),
        p("hostname-mismatch", "wild_deep", host="a.db.w.tls.envcheck.invalid", **via, **full),
        p("hostname-mismatch", "name_other", host="other.tls.envcheck.invalid", **via, **full),
        p("ip-mismatch", "ip_other", host="127.0.0.2", **via, **full),
        p("local-issuer-other-ca", "other_ca", sslmode="verify-full", sslrootcert=str(f["other"])),
        p("unable-to-get-issuer", "inter_only", sslmode="verify-full", sslrootcert=str(f["inter"])),
        p("cert-revoked", "crl_revoked", sslcrl=str(f["crl-revoked"]), **full),
        p("crl-missing", "crl_missing", sslcrl=str(f["crl-missing"]), **full),
        p("crl-signature-failure", "crl_badsig", sslcrl=str(f["crl-badsig"]), **full),
        p("crl-not-yet-valid", "crl_future", sslcrl=str(f["crl-future"]), **full),
        p("crl-expired", "crl_expired", sslcrl=str(f["crl-expired"]), **full),
        p("protocol-version", "max_tls12", ssl_max_protocol_version="TLSv1.2", **full),
        pc("client-cert-missing", "cert_missing", **full),
        pc(
            "client-cert-other-ca",
            "cert_other_ca",
            sslcert=str(f["pg-client-other"]),
            sslkey=str(f["pg-client.key"]),
            **full,
        ),
        pc(
            "client-cert-purpose",
            "cert_purpose",
            sslcert=str(f["pg-client-serveronly"]),
            sslkey=str(f["pg-client.key"]),
            **full,
        ),
        pc(
            "client-key-mismatch",
            "key_mismatch",
            sslcert=str(f["pg-client"]),
            sslkey=str(f["wrong.key"]),
            **full,
        ),
        pc("client-key-mode", "key_mode", sslcert=str(f["pg-client"]), sslkey=str(loose), **full),
    ]
    states: list[tuple[str, dict[str, str], list[Pair]]] = [
        (
            "chain",
            {"cert": "chain", "key": "leaf.key", "ssl_min_protocol_version": "TLSv1.3"},
            chain,
        ),
        (
            "chain3",
            {"cert": "chain3", "key": "leaf.key"},
            [
                p(
                    "self-signed-in-chain",
                    "in_chain",
                    sslmode="verify-full",
                    sslrootcert=str(f["other"]),
                )
            ],
        ),
    ]
    for srv, kind, root in (
        ("expired", "cert-expired", "root"),
        ("future", "cert-not-yet-valid", "root"),
        ("selfsigned", "depth-zero-self-signed", "root"),
        ("pathlen", "path-length-exceeded", "pl-root"),
        ("clientauth", "invalid-purpose", "root"),
        ("nosign", "invalid-ca-keyusage", "root"),
        ("notca", "invalid-ca", "root"),
    ):
        states.append(
            (
                srv,
                {"cert": "srv-" + srv, "key": "srv-" + srv + ".key"},
                [p(kind, srv, sslmode="verify-full", sslrootcert=str(f[root]))],
            )
        )
    # the server checks client certificates against a CRL, or at security level 3
    for state, setting, kind, name, cert, key in (
        ("clientcrl", {"crl": "crl-clients"}, "client-cert-revoked", "cert_revoked", "revoked", ""),
        (
            "seclevel3",
            {"ssl_ciphers": "HIGH:!aNULL:@SECLEVEL=3"},
            "client-cert-weak-key",
            "cert_weak_key",
            "rsa2048",
            "-rsa2048",
        ),
    ):
        pair = pc(
            kind,
            name,
            sslcert=str(f[f"pg-client-{cert}"]),
            sslkey=str(f[f"pg-client{key}.key"]),
            **full,
        )
        states.append((state, {"cert": "chain", "key": "leaf.key", **setting}, [pair]))
    states.append(
        (
            "ciphers",
            {
                "cert": "srv-ecdsa-rsa-ciphers",
                "key": "srv-ecdsa-rsa-ciphers.key",
                "ssl_max_protocol_version": "TLSv1.2",
                "ssl_ciphers": "ECDHE-RSA-AES128-GCM-SHA256",
            },
            [p("no-shared-cipher", "no_cipher", **full)],
        )
    )
    return states


def test_postgres(lab: Lab, tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    tally = Tally()
    seen: list[dict[str, Any]] = []
    try:
        for state, settings, pairs in pg_states(lab, pki):
            cert, key = settings.pop("cert"), settings.pop("key")
            serve(lab, pki, cert, key, settings.pop("crl", None), **settings)
            for pair in pairs:
                pair.real = real_pg(pair.target)
                assert (pair.real is None) == pair.kind.healthy, (state, pair.name, pair.real)
                if pair.proof is not None:
                    host, ca, crlfile = pair.proof
                    code = pg_python_code(
                        lab.port, host, Path(ca) if ca else None, Path(crlfile) if crlfile else None
                    )
                    assert code == pair.kind.code, (pair.name, code)
            checks = run_pg(lab, pairs)
            seen += checks
            for pair in pairs:
                mine = of_instance(checks, "postgres", instance(pair.name))
                tally.add(pair, broken(pair, mine, [PASSWORD, *pki.secret_lines]))
    finally:
        reset(lab)
    print(tally.summary())
    for name, problems in tally.wrong().items():
        print(name, problems)
    assert_rows("postgres", PG_ROWS, seen)
    assert_rows("postgres", KEPT_PG, seen, kept=True)
    assert not tally.wrong(), tally.summary()


# -- Redis -----------------------------------------------------------------------------------


#: an OpenSSL configuration at security level 0 (a server on a system whose default allows
#: small keys and SHA-1), for the redis-servers that serve such certificates
LEVEL_0 = """openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
CipherString = DEFAULT@SECLEVEL=0
"""


@contextmanager
def security_level_0(directory: Path) -> Iterator[None]:
    """Programs started inside read :data:`LEVEL_0` (OPENSSL_CONF); this process's OpenSSL read
    its configuration when it started, so it keeps its own level."""
    conf = directory / "level0.cnf"
    conf.write_text(LEVEL_0)
    before = os.environ.get("OPENSSL_CONF")
    os.environ["OPENSSL_CONF"] = str(conf)
    try:
        yield
    finally:
        if before is None:
            del os.environ["OPENSSL_CONF"]
        else:
            os.environ["OPENSSL_CONF"] = before


def redis_server(stack: ExitStack, pki: PKI, cert: str, *args: str, level_0: bool = False) -> int:
    """A redis-server whose TLS port serves ``cert`` (its file: the chain it sends), trusting
    the root for client certificates; ``args``: more tls-* settings; ``level_0``: its OpenSSL
    at security level 0. Its TLS port."""
    port = free_port()
    with security_level_0(pki.dir) if level_0 else nullcontext():
        return _redis_server(stack, pki, cert, port, *args)


def _redis_server(stack: ExitStack, pki: PKI, cert: str, port: int, *args: str) -> int:
    stack.enter_context(
        rs.running(
            "--tls-port",
            str(port),
            "--tls-cert-file",
            str(pki.files[cert]),
            "--tls-key-file",
            str(pki.files[REDIS_KEYS.get(cert, cert) + ".key"]),
            "--tls-ca-cert-file",
            str(pki.files["root"]),
            "--tls-auth-clients",
            "optional",
            *args,
        )
    )
    return port


#: the key file of each certificate file the servers send
REDIS_KEYS = {"chain": "leaf", "chain3": "leaf"}


def redis_pairs(stack: ExitStack, pki: PKI) -> list[Pair]:
    f = pki.files
    chain = redis_server(stack, pki, "chain")
    required = redis_server(stack, pki, "chain", "--tls-auth-clients", "yes")
    # TLS 1.2 has no alert certificate_required: the server ends with handshake_failure after
    # its CertificateRequest, the alert a server without a usable cipher sends at once
    required12 = redis_server(
        stack, pki, "chain", "--tls-auth-clients", "yes", "--tls-protocols", "TLSv1.2"
    )
    tls12 = redis_server(stack, pki, "chain", "--tls-protocols", "TLSv1.2")
    ciphers = redis_server(
        stack,
        pki,
        "srv-ecdsa-rsa-ciphers",
        "--tls-protocols",
        "TLSv1.2",
        "--tls-ciphers",
        "ECDHE-RSA-AES128-GCM-SHA256",
    )
    chain3 = redis_server(stack, pki, "chain3")
    level3 = redis_server(
        stack, pki, "chain", "--tls-auth-clients", "yes", "--tls-ciphers", "HIGH:!aNULL:@SECLEVEL=3"
    )
    ipsan = redis_server(stack, pki, "srv-ipsan")
    dnsonly = redis_server(stack, pki, "srv-dnsonly")
    root = f"ssl_ca_certs={f['root']}"

    def url(port: int, host: str = "127.0.0.1", query: str = root) -> str:
        return f"rediss://{host}:{port}/0?{query}"

    def r(kind: str, name: str, target: str) -> Pair:
        return Pair(BY_ID[kind], "redis", name, target, "redis/reachable")

    def v(kind: str, name: str, port: int, host: str, ca: str) -> Pair:
        made = r(kind, name, url(port, host, f"ssl_ca_certs={f[ca]}"))
        made.proof = (f"{host}:{port}", str(f[ca]), None)
        return made

    client = f"ssl_certfile={f['client']}&ssl_keyfile={f['client.key']}"
    other = f"ssl_certfile={f['client-other']}&ssl_keyfile={f['client-other.key']}"
    pairs = [
        r("healthy-chain-ip", "ok_ip", url(chain)),
        r("healthy-dns-name", "ok_dns", url(chain, "localhost")),
        r("healthy-client-cert", "ok_cert", url(required, query=f"{root}&{client}")),
        r("healthy-chain-ip", "ok_ipsan", url(ipsan)),
        r(
            "healthy-no-verify",
            "ok_no_name_check",
            url(dnsonly, query=f"{root}&ssl_check_hostname=false"),
        ),
        v("hostname-mismatch", "name_other", ipsan, "localhost", "root"),
        v("ip-mismatch", "ip_other", dnsonly, "127.0.0.1", "root"),
        v("local-issuer-other-ca", "other_ca", chain, "127.0.0.1", "other"),
        v("unable-to-get-issuer", "inter_only", chain, "127.0.0.1", "inter"),
        v("self-signed-in-chain", "in_chain", chain3, "127.0.0.1", "other"),
        r("protocol-version", "min_tls13", url(tls12, query=f"{root}&ssl_min_version=772")),
        r("no-shared-cipher", "no_cipher", url(ciphers)),
        r("client-cert-missing", "cert_missing", url(required)),
        r("client-cert-missing", "cert_missing_tls12", url(required12)),
        # required: no connection without a certificate, so the alert itself must tell (read
        # before anything is sent; over TLS 1.3 it comes after the handshake)
        r("client-cert-other-ca", "cert_other_ca_required", url(required, query=f"{root}&{other}")),
        r("client-cert-other-ca", "cert_other_ca_tls12", url(required12, query=f"{root}&{other}")),
        r(
            "client-cert-purpose",
            "cert_purpose",
            url(
                required,
                query=f"{root}&ssl_certfile={f['client-serveronly']}"
                f"&ssl_keyfile={f['client-serveronly.key']}",
            ),
        ),
        r(
            "client-cert-other-ca",
            "cert_other_ca",
            url(  # chain3: its healed URL is no other instance's (a URL is redacted as a whole)
                chain3,
                query=f"{root}&ssl_certfile={f['client-other']}"
                f"&ssl_keyfile={f['client-other.key']}",
            ),
        ),
        r(
            "client-cert-weak-key",
            "cert_weak_key",
            url(
                level3,
                query=f"{root}&ssl_certfile={f['client-rsa2048']}"
                f"&ssl_keyfile={f['client-rsa2048.key']}",
            ),
        ),
        r(
            "client-key-mismatch",
            "key_mismatch",
            url(chain, query=f"{root}&ssl_certfile={f['client']}&ssl_keyfile={f['wrong.key']}"),
        ),
    ]
    for srv, kind, trust in (
        ("expired", "cert-expired", "root"),
        ("future", "cert-not-yet-valid", "root"),
        ("selfsigned", "depth-zero-self-signed", "root"),
        ("pathlen", "path-length-exceeded", "pl-root"),
        ("clientauth", "invalid-purpose", "root"),
        ("nosign", "invalid-ca-keyusage", "root"),
        ("notca", "invalid-ca", "root"),
    ):
        pairs.append(v(kind, srv, redis_server(stack, pki, "srv-" + srv), "127.0.0.1", trust))
    for srv, kind in (
        ("rsa1024", "ee-key-too-small"),
        ("weakca", "ca-key-too-small"),
        ("sha1", "ca-md-too-weak"),
    ):
        port = redis_server(stack, pki, "srv-" + srv, level_0=True)
        pairs.append(v(kind, srv, port, "127.0.0.1", "root"))
    return pairs


def redis_timed(name: str, url: str) -> str:
    """An instance's section with an 8 s timeout: the verdicts here do not depend on it, and
    the thirty-odd instances of one run share two cores with whatever else runs (at the
    default 3 s, healthy instances timed out under a load of 8)."""
    return redis_section(name, url) + "timeout = 8.0\n"


def test_redis(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    tally = Tally()
    with ExitStack() as stack:
        pairs = redis_pairs(stack, pki)
        for pair in pairs:
            pair.real = real_redis(pair.target)
            assert (pair.real is None) == pair.kind.healthy, (pair.name, pair.real)
            if pair.proof is not None:
                where, ca, _ = pair.proof
                host, port = where.rsplit(":", 1)
                assert redis_python_code(host, int(port), ca) == pair.kind.code, pair.name
        pytester.makefile(
            ".toml",
            pyproject="".join(redis_timed(instance(p.name), p.target) for p in pairs),
        )
        checks, output = run_envcheck(pytester)
        assert "Traceback" not in output
        for pair in pairs:
            mine = of_instance(checks, "redis", instance(pair.name))
            tally.add(pair, broken(pair, mine, pki.secret_lines))
        print(tally.summary())
        for name, problems in tally.wrong().items():
            print(name, problems)
        assert not tally.wrong(), tally.summary()
        assert_rows("redis", REDIS_ROWS, checks)
        assert_rows("redis", KEPT_REDIS, checks, kept=True)
        # the fixes that edit the client's URL, carried out (envcheck's own steps), then run
        healed = [p for p in pairs if p.name in REDIS_HEALED]
        pytester.makefile(
            ".toml",
            pyproject="".join(redis_timed(instance(p.name), p.target) for p in healed),
        )
        for pair in healed:
            (failed,) = [
                c
                for c in of_instance(checks, "redis", instance(pair.name))
                if c["id"] == pair.check
            ]
            assert apply_steps(pytester, failed["fix"]["steps"]), pair.name
        again, _ = run_envcheck(pytester)
        for pair in healed:
            failing = [
                c["summary"]
                for c in of_instance(again, "redis", instance(pair.name))
                if c["status"] == "fail"
            ]
            assert not failing, (pair.name, failing)


def test_weak_certificates_not_served(tmp_path: Path) -> None:
    """A small key or a SHA-1 signature (66, 67, 68) is served only by a server whose OpenSSL
    runs below this system's security level 2: Redis 7 will not start with them at level 2 (nor,
    by the same check, PostgreSQL load them: its reload keeps the old certificate, so the lab,
    started at level 2, cannot serve them), and starts with them at level 0, where
    test_redis meets them."""
    pki = make_pki(tmp_path)
    for weak in ("srv-rsa1024", "srv-weakca", "srv-sha1"):
        server = rs.make(
            "--tls-port",
            str(free_port()),
            "--tls-cert-file",
            str(pki.files[weak]),
            "--tls-key-file",
            str(pki.files[weak + ".key"]),
            "--tls-ca-cert-file",
            str(pki.files["root"]),
        )
        with pytest.raises(AssertionError, match="exited"):
            server.start()
        with security_level_0(tmp_path):  # the same server at level 0 starts: only the level
            server.start()
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)
