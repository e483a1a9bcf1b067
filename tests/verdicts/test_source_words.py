"""Where only words tell (no code, no field), a verdict keys on the exact text of the program
that says it: libpq's messages, OpenSSL's reason strings, the PostgreSQL server's, Redis's. Those
texts must be that program's own, read from the very binaries this machine runs (the libpq and
OpenSSL psycopg loads, the PostgreSQL and Redis servers the tests start), so a new libpq that
words a message differently fails here, not silently in a user's run. A ``"..."`` value in a
text envcheck matches stands for the program's ``"%s"``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.servers import _postgres_bindir, redis_binary

#: the OpenSSL reason strings envcheck.checks.postgres.diagnose.client_side compares with
#: (lower-cased) libpq's TLS failure text
OPENSSL_REASONS = (
    "alert protocol version",
    "unsupported protocol",
    "alert unknown ca",
    "alert bad certificate",
    "alert certificate required",
    # shared.tls.CLIENT_CERT_ALERTS, as libpq reports them (tls.alert_in_words)
    "alert unsupported certificate",
    "alert certificate revoked",
    "alert decrypt error",
)


def loaded(name: str) -> Path:
    """The shared library ``name`` (``libpq``, ``libssl``) this process has mapped, after
    psycopg opened its libpq."""
    import psycopg

    psycopg.pq.version()
    maps = Path("/proc/self/maps")
    if not maps.is_file():
        pytest.skip("needs /proc/self/maps (Linux) to find the loaded libraries")
    for line in maps.read_text().splitlines():
        path = line.split()[-1]
        if Path(path).name.startswith((f"{name}.so", f"{name}-")):
            return Path(path)
    pytest.fail(f"{name} is not mapped in this process")


def texts(path: Path) -> bytes:
    return path.read_bytes()


def said_by(binary: bytes, fragment: str) -> bool:
    """``fragment`` is in ``binary`` as written, or with each quoted value as ``"%s"``."""
    general = re.sub(r'"[^"%]+"', '"%s"', fragment)
    return fragment.encode() in binary or general.encode() in binary


def test_the_libpq_texts_a_verdict_keys_on_are_libpqs_own() -> None:
    from envcheck.checks.postgres import diagnose

    libpq = texts(loaded("libpq"))
    fragments = [words for words, _, _ in diagnose._CLIENT_SIDE]
    fragments += [*diagnose._KEY_ACCESS, *diagnose._MIN_PROTOCOL]
    missing = [f for f in fragments if not said_by(libpq, f)]
    assert not missing, f"not in {loaded('libpq')}: {missing}"


def test_the_openssl_reasons_a_verdict_keys_on_are_openssls_own() -> None:
    found = texts(loaded("libssl")) + texts(loaded("libcrypto"))
    missing = [r for r in OPENSSL_REASONS if r.encode() not in found]
    assert not missing, f"not in the loaded libssl/libcrypto: {missing}"


def test_the_server_texts_a_verdict_keys_on_are_the_servers_own() -> None:
    from envcheck.checks.postgres.diagnose import HOT_STANDBY_OFF
    from envcheck.checks.redis.diagnose import UNKNOWN_COMMAND

    postgres = texts(_postgres_bindir() / "postgres")
    assert said_by(postgres, HOT_STANDBY_OFF), "not in the PostgreSQL server"
    assert UNKNOWN_COMMAND.encode() in texts(Path(redis_binary())), "not in redis-server"
