"""The redis component against real redis-servers: this test process's own, and ones the tests
start."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator

import pytest
import redis

from tests.servers import (
    blackhole,
    free_port,
    garbage_server,
    http_server,
    isolated,
    redis_server,
    redis_supports_tls,
    run_at_default_addresses,
    self_signed_certificate,
    silent_listener,
)

PASSWORD = "rEdis-pw-never-shown-99"


@pytest.fixture(scope="module")
def port(redis_port: int) -> Iterator[int]:
    """This process's own Redis; after the module, no envcheck:* key on it."""
    yield redis_port
    with redis.Redis(port=redis_port) as client:
        assert list(client.scan_iter(match="envcheck:*")) == []


def run(pytester: pytest.Pytester, toml: str, *args: str) -> pytest.RunResult:
    pytester.makefile(".toml", pyproject=toml)
    return pytester.runpytest_inprocess("-m", "redis", "-p", "no:cacheprovider", "-v", *args)


def test_healthy_server_passes_with_facts(pytester: pytest.Pytester, port: int) -> None:
    result = run(
        pytester,
        f'[tool.envcheck.redis]\nurl = "redis://127.0.0.1:{port}/0"\nmin_version = "6.2"\n',
        "--envcheck-report",
    )
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines_random(
        [
            f"  PASS  reachable * 127.0.0.1:{port} answers as Redis*",
            f"  PASS  auth * PING answered by 127.0.0.1:{port}/0*",
            "  PASS  version * Redis * (>= 6.2), standalone primary*",
            "  PASS  roundtrip * SET/GET/DEL of a 30 s probe key, deleted*",
            "  PASS  config * maxmemory-policy *, persistence *",
        ]
    )
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    facts = {c["name"]: c["facts"] for c in checks}
    assert facts["auth"]["ping_ms"] >= 0 and facts["version"]["redis_version"]


def test_password_required_wrong_and_right(pytester: pytest.Pytester) -> None:
    with redis_server("--requirepass", PASSWORD) as port:
        result = run(
            pytester,
            f"""
[tool.envcheck.redis.noauth]
url = "redis://127.0.0.1:{port}/0"
[tool.envcheck.redis.wrong]
url = "redis://:not-the-password@127.0.0.1:{port}/0"
[tool.envcheck.redis.right]
url = "redis://:{PASSWORD}@127.0.0.1:{port}/0"
""",
            "--envcheck-report",
            "--junitxml=junit.xml",
        )
    result.stdout.fnmatch_lines_random(
        [
            f"  FAIL  redis/noauth.auth: 127.0.0.1:{port} requires a password (NOAUTH)",
            f"        fix: put the password in tool.envcheck.redis.noauth.url: "
            f"redis://[USER]:PASSWORD@127.0.0.1:{port}/0",
            "  FAIL  redis/wrong.auth: authentication failed for the default user at "
            f"127.0.0.1:{port} "
            "(WRONGPASS)",
            f"  PASS  right.auth * PING answered by 127.0.0.1:{port}/0 with a password*",
            "  PASS  right.roundtrip *",
        ]
    )
    texts = [result.stdout.str(), result.stderr.str()]
    texts += [(pytester.path / f).read_text() for f in ("envcheck-report.json", "junit.xml")]
    texts.append((pytester.path / "envcheck-report.md").read_text())
    assert not [t for t in texts if PASSWORD in t or "not-the-password" in t]


def test_replica_out_of_memory_and_eviction(pytester: pytest.Pytester, port: int) -> None:
    with (
        redis_server("--replicaof", "127.0.0.1", str(port)) as replica,
        redis_server("--maxmemory", "1") as full,
        redis_server("--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru") as lru,
    ):
        result = run(
            pytester,
            f"""
[tool.envcheck.redis.replica]
url = "redis://127.0.0.1:{replica}/0"
[tool.envcheck.redis.full]
url = "redis://127.0.0.1:{full}/0"
[tool.envcheck.redis.lru]
url = "redis://127.0.0.1:{lru}/0"
""",
            "-k",
            "roundtrip or config",
        )
    result.stdout.fnmatch_lines_random(
        [
            f"  FAIL  redis/replica.roundtrip: 127.0.0.1:{replica} is a read-only replica of "
            f"127.0.0.1:{port} (link to it: *) (READONLY)",
            "        fix: point tool.envcheck.redis.replica.url at the primary "
            f"(127.0.0.1:{port})*",
            f"  FAIL  redis/full.roundtrip: 127.0.0.1:{full} is out of memory: writes are refused "
            "(OOM)",
            "  WARN  lru.config * maxmemory-policy allkeys-lru: when memory fills, Redis silently "
            "deletes keys, including queued jobs and LangGraph checkpoints*",
            f"        fix: redis-cli -h 127.0.0.1 -p {lru} CONFIG SET maxmemory-policy "
            "noeviction*",
        ]
    )


def test_stopped_port_silent_listener_and_foreign_protocol(pytester: pytest.Pytester) -> None:
    with silent_listener() as silent, garbage_server(b"SSH-2.0-OpenSSH_9.2\r\n") as ssh:
        result = run(
            pytester,
            f"""
[tool.envcheck.redis.stopped]
url = "redis://127.0.0.1:{free_port()}/0"
[tool.envcheck.redis.silent]
url = "redis://127.0.0.1:{silent}/0"
timeout = 1.0
[tool.envcheck.redis.ssh]
url = "redis://127.0.0.1:{ssh}/0"
[tool.envcheck.redis.typo]
url = "http://127.0.0.1:6379/0"
""",
            "-k",
            "reachable",
            "--envcheck-report",
        )
    result.assert_outcomes(failed=4, deselected=16)
    result.stdout.fnmatch_lines_random(
        [
            "  FAIL  redis/stopped.reachable: connection refused at 127.0.0.1:*",
            "        fix: start Redis: sudo systemctl start redis-server*",
            "  FAIL  redis/silent.reachable: 127.0.0.1:* accepted the connection but did not "
            "answer*",
            "  FAIL  redis/ssh.reachable: 127.0.0.1:* is not Redis: it answered like SSH "
            "('SSH-2.0-OpenSSH_9.2*",
            "  FAIL  redis/typo.reachable: tool.envcheck.redis.typo.url is not a valid Redis URL: "
            "its "
            "scheme is http://, not redis://, rediss:// or unix://",
        ]
    )
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    silent_check = next(c for c in checks if c["name"] == "silent.reachable")
    assert silent_check["duration"] <= 1.1  # its timeout, +10%


def test_fixture_hands_over_a_verified_client(pytester: pytest.Pytester, redis_url: str) -> None:
    pytester.makepyfile(test_cache="""
        def test_cache(envcheck_redis):
            assert envcheck_redis.ping() is True
        """)
    pytester.makefile(".toml", pyproject=f'[tool.envcheck.redis]\nurl = "{redis_url}"\n')
    pytester.runpytest_inprocess("test_cache.py").assert_outcomes(passed=1)
    pytester.makefile(
        ".toml", pyproject=f'[tool.envcheck.redis]\nurl = "redis://127.0.0.1:{free_port()}/0"\n'
    )
    result = pytester.runpytest_inprocess("test_cache.py", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*environment not ready: redis/auth: blocked by redis/reachable*"])


def test_rediss_to_a_plain_port_and_a_blackhole(pytester: pytest.Pytester) -> None:
    with redis_server() as plain, blackhole() as hole:
        result = run(
            pytester,
            f"""
[tool.envcheck.redis.tls]
url = "rediss://127.0.0.1:{plain}/0"
timeout = 1.0
[tool.envcheck.redis.blackholed]
url = "redis://127.0.0.1:{hole}/0"
timeout = 1.0
""",
            "-k",
            "reachable or auth",
            "--envcheck-report",
        )
    result.assert_outcomes(failed=2, skipped=2, deselected=6)
    result.stdout.fnmatch_lines_random(
        [
            "  FAIL  redis/tls.reachable: TLS to a port that speaks plain Redis: "
            f"127.0.0.1:{plain} "
            "answers PING without TLS",
            "        why: tool.envcheck.redis.tls.url is a rediss:// (TLS) URL, but the server "
            "has TLS "
            f"off on port {plain}",
            "        fix: use redis:// instead of rediss:// in tool.envcheck.redis.tls.url, or "
            "enable "
            "TLS on the server (tls-port, tls-cert-file, tls-key-file in redis.conf) and point "
            "rediss:// at its tls-port",
            "*SKIP  tls.auth * blocked by redis/tls.reachable*",
            f"  FAIL  redis/blackholed.reachable: no answer from 127.0.0.1:{hole} within 1 s",
        ]
    )
    assert "did not answer in time" not in result.stdout.str()
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    durations = {c["name"]: c["duration"] for c in checks}
    assert durations["tls.reachable"] <= 1.1 and durations["blackholed.reachable"] <= 1.1


TLS_FIXTURE_TEST = """
def test_cache(envcheck_redis):
    assert envcheck_redis.set("envcheck:fixture", "1", ex=5) and envcheck_redis.delete(
        "envcheck:fixture"
    )
"""


def test_tls_verified_untrusted_unverified_and_plain_url(pytester: pytest.Pytester) -> None:
    if not redis_supports_tls():
        pytest.skip("this redis-server was built without TLS (redis-server --tls-port fails)")
    certificate = self_signed_certificate(pytester.mkdir("certs"))
    with redis_server(tls=certificate) as port:
        result = run(
            pytester,
            f"""
[tool.envcheck.redis]
url = "rediss://127.0.0.1:{port}/0"
ca_file = "certs/cert.pem"
[tool.envcheck.redis.untrusted]
url = "rediss://127.0.0.1:{port}/0"
[tool.envcheck.redis.unverified]
url = "rediss://127.0.0.1:{port}/0"
tls_verify = false
[tool.envcheck.redis.plain]
url = "redis://127.0.0.1:{port}/0"
timeout = 1.0
""",
            "--envcheck-report",
        )
        pytester.makepyfile(test_cache=TLS_FIXTURE_TEST)
        fixture = pytester.runpytest_subprocess("test_cache.py", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=10, failed=2, skipped=8)
    result.stdout.fnmatch_lines_random(
        [
            f"  PASS  reachable * 127.0.0.1:{port} answers as Redis over TLS (certificate "
            "verified)*",
            f"  PASS  auth * PING answered by 127.0.0.1:{port}/0*",
            "  PASS  roundtrip * SET/GET/DEL of a 30 s probe key, deleted*",
            f"  FAIL  redis/untrusted.reachable: the TLS certificate of 127.0.0.1:{port} is not "
            "trusted: it is self-signed (CN=127.0.0.1, its own issuer), and this machine's CA "
            "store does not hold it: OpenSSL's verify result 18 (self-signed certificate)",
            "        fix: set tool.envcheck.redis.untrusted.ca_file to the PEM file of "
            "CN=127.0.0.1 if it is the server's own CA, or have the server's certificate "
            "(tls-cert-file) issued by a CA that file holds (check: openssl s_client -connect "
            f"127.0.0.1:{port} -CAfile FILE -verify_return_error)",
            f"  WARN  unverified.reachable * 127.0.0.1:{port} answers as Redis over TLS, but its "
            "certificate is NOT verified (tool.envcheck.redis.unverified.tls_verify = false): "
            "anyone on the path can pose as the server*",
            "  PASS  unverified.roundtrip *",
            "  FAIL  redis/plain.reachable: plain Redis to a port that speaks TLS: "
            f"127.0.0.1:{port} "
            "expects a TLS handshake",
            "        fix: use rediss:// instead of redis:// in tool.envcheck.redis.plain.url (and "
            "set "
            "tool.envcheck.redis.plain.ca_file if the server's certificate is self-signed or from "
            "a private CA), or use the server's plain port",
        ]
    )
    fixture.assert_outcomes(passed=1)


def test_db_index_password_without_server_password_and_replica_of_a_dead_primary(
    pytester: pytest.Pytester,
) -> None:
    dead = free_port()
    with redis_server() as plain, redis_server("--replicaof", "127.0.0.1", str(dead)) as orphan:
        result = run(
            pytester,
            f"""
[tool.envcheck.redis.db99]
url = "redis://127.0.0.1:{plain}/99"
[tool.envcheck.redis.extra]
url = "redis://:{PASSWORD}@127.0.0.1:{plain}/0"
[tool.envcheck.redis.orphan]
url = "redis://127.0.0.1:{orphan}/0"
""",
            "-k",
            "auth or version or roundtrip",
        )
    result.stdout.fnmatch_lines_random(
        [
            f"  FAIL  redis/db99.auth: database 99 does not exist on 127.0.0.1:{plain}: it has 16 "
            "(0 to "
            "15)",
            "        fix: use a database from 0 to 15 in tool.envcheck.redis.db99.url",
            # redis-py connects with this URL (it takes the refusal for no password needed): a
            # warning, never a failure
            f"  WARN  redis/extra.auth: the URL sends a password, but 127.0.0.1:{plain} has none "
            "configured: anyone who reaches it gets in",
            f"        fix: protect the server: redis-cli -h 127.0.0.1 -p {plain} CONFIG SET "
            "requirepass PASSWORD (and requirepass in redis.conf), or remove the password from "
            "tool.envcheck.redis.extra.url",
            f"  FAIL  redis/orphan.roundtrip: 127.0.0.1:{orphan} is a read-only replica of "
            f"127.0.0.1:{dead} (link to it: down) (READONLY)",
            f"        fix: point tool.envcheck.redis.orphan.url at the primary (127.0.0.1:{dead}); "
            "start "
            f"it or repair the link (redis-cli -h 127.0.0.1 -p {orphan} INFO replication); if it "
            f"is gone for good, make this server a primary: redis-cli -h 127.0.0.1 -p {orphan} "
            "REPLICAOF NO ONE",
            f"  PASS  orphan.version * Redis *, standalone replica of 127.0.0.1:{dead} (link "
            "down)*",
            "  PASS  orphan.auth *",
        ]
    )
    assert PASSWORD not in result.stdout.str()


def test_out_of_memory_fix_works_as_printed(pytester: pytest.Pytester) -> None:
    with redis_server("--maxmemory", "1") as port:
        toml = f'[tool.envcheck.redis]\nurl = "redis://127.0.0.1:{port}/0"\n'
        result = run(pytester, toml, "-k", "roundtrip")
        result.assert_outcomes(failed=1, deselected=4)
        result.stdout.fnmatch_lines(
            [
                f"  FAIL  redis/roundtrip: 127.0.0.1:{port} is out of memory: writes are refused "
                "(OOM)",
                f"        fix: free memory or raise the limit: redis-cli -h 127.0.0.1 -p {port} "
                "CONFIG "
                "SET maxmemory * (and maxmemory in redis.conf)",
            ]
        )
        found = re.search(r"raise the limit: (redis-cli .*?) \(and", result.stdout.str())
        assert found
        subprocess.run(shlex.split(found.group(1)), check=True, capture_output=True)
        run(pytester, toml, "-k", "roundtrip").assert_outcomes(passed=1, deselected=4)


def test_one_free_client_slot_passes_and_a_full_server_is_named(pytester: pytest.Pytester) -> None:
    """envcheck never causes what it reports: one connection for all the checks of a server."""
    with redis_server("--maxclients", "2") as port:
        toml = f'[tool.envcheck.redis]\nurl = "redis://127.0.0.1:{port}/0"\n'
        with redis.Redis(port=port) as first:
            first.ping()  # one of two slots taken: one is left for envcheck
            for _ in range(3):
                run(pytester, toml).assert_outcomes(passed=5)
            with redis.Redis(port=port) as second:
                second.ping()  # no slot left
                result = run(pytester, toml, "-k", "reachable")
                result.assert_outcomes(failed=1, deselected=4)
                result.stdout.fnmatch_lines(
                    [
                        f"  FAIL  redis/reachable: 127.0.0.1:{port} refuses new clients: it "
                        "answered "
                        "PING with 'ERR max number of clients reached'",
                        "        why: Redis answers a new connection with an ERR and closes it "
                        "when "
                        "maxclients is reached*",
                        "        fix: find who holds the connections once one is free: redis-cli "
                        "-h "
                        f"127.0.0.1 -p {port} CLIENT LIST*",
                    ]
                )
            run(pytester, toml).assert_outcomes(passed=5)


def test_url_mistakes_are_named_without_echoing_the_password(pytester: pytest.Pytester) -> None:
    """A URL redis-py rejects is named in envcheck's words; one it accepts (an '@' in the
    password: redis-py splits at the last one) is no URL failure."""
    port = free_port()
    result = run(
        pytester,
        f"""
[tool.envcheck.redis.hash]
url = "redis://u:LongPrefix77#zz@127.0.0.1:{port}/0"
[tool.envcheck.redis.at]
url = "redis://:Secr3t@2024xq@127.0.0.1:{port}/0"
[tool.envcheck.redis.scheme]
url = "reddis://127.0.0.1:{port}/0"
""",
        "-k",
        "reachable",
        "--envcheck-report",
    )
    result.assert_outcomes(failed=3, deselected=12)
    encode = "percent-encode / ? # @ : and % in the user name and password"
    result.stdout.fnmatch_lines_random(
        [
            "  FAIL  redis/hash.reachable: tool.envcheck.redis.hash.url is not a valid Redis URL: "
            "what "
            "stands where its port should be is not a number from 0 to 65535; a password that "
            f"contains / ? # @ or : cuts the URL short: {encode}*",
            f"  FAIL  redis/at.reachable: connection refused at 127.0.0.1:{port}",
            "  FAIL  redis/scheme.reachable: tool.envcheck.redis.scheme.url is not a valid Redis "
            "URL: its "
            "scheme is reddis://, not redis://, rediss:// or unix:// (did you mean redis://?)",
        ]
    )
    texts = [result.stdout.str(), (pytester.path / "envcheck-report.json").read_text()]
    for canary in ("LongPrefix77", "2024xq", "Secr3t"):
        assert not [text for text in texts if canary in text], canary


def test_an_http_server_on_the_port_is_named(pytester: pytest.Pytester) -> None:
    with http_server() as port:
        result = run(
            pytester,
            f'[tool.envcheck.redis]\nurl = "redis://127.0.0.1:{port}/0"\ntimeout = 2.0\n',
            "-k",
            "reachable",
        )
    result.stdout.fnmatch_lines(
        [f"  FAIL  redis/reachable: 127.0.0.1:{port} is not Redis: it answered like HTTP (*"]
    )


def test_defaults_find_the_local_server_and_say_so(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> None:
    args = ["--envcheck-defaults", "-m", "redis", "-p", "no:cacheprovider", "--envcheck-report"]
    result = run_at_default_addresses(
        [sys.executable, "-m", "pytest", *args], pytester.path, redis=True
    )
    result.assert_outcomes(passed=5)
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    facts = {c["name"]: c["facts"] for c in checks}
    assert facts["reachable"]["settings_from"] == "redis default (localhost:6379)"
    monkeypatch.setenv("REDIS_URL", redis_url)
    result = pytester.runpytest_inprocess(*args)
    result.assert_outcomes(passed=5)
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    assert {c["name"]: c["facts"] for c in checks}["reachable"]["settings_from"] == "REDIS_URL"


def test_defaults_where_nothing_listens_are_not_found(pytester: pytest.Pytester) -> None:
    """In a network namespace of its own, nothing listens on localhost:6379."""
    done = isolated(
        [
            sys.executable,
            "-m",
            "pytest",
            "--envcheck-defaults",
            "-m",
            "redis",
            "-p",
            "no:cacheprovider",
            "-rs",
            "-v",
        ],
        pytester.path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 skipped" in done.stdout
    lines = done.stdout.splitlines()
    assert any(
        "SKIP  reachable" in line and "not found: no Redis at localhost:6379" in line
        for line in lines
    ), done.stdout
    assert "set REDIS_URL, or add [tool.envcheck.redis] url = ... to pyproject.toml" in done.stdout


def test_acl_user_without_a_command_gets_a_valid_grant(pytester: pytest.Pytester) -> None:
    with redis_server() as port:
        with redis.Redis(port=port) as admin:
            admin.execute_command(
                "ACL", "SETUSER", "envcheck_limited", "on", f">{PASSWORD}", "~*", "+@all", "-set"
            )
        toml = (
            "[tool.envcheck.redis]\n"
            f'url = "redis://envcheck_limited:{PASSWORD}@127.0.0.1:{port}/0"\n'
        )
        result = run(pytester, toml, "-k", "roundtrip")
        result.stdout.fnmatch_lines(
            [
                "  FAIL  redis/roundtrip: ACL user 'envcheck_limited' may not run SET on "
                "envcheck's probe "
                "key envcheck:probe:* (NOPERM)",
                f"        fix: as the Redis administrator: redis-cli -h 127.0.0.1 -p {port} --user "
                "ADMIN "
                "--askpass ACL SETUSER envcheck_limited '(~envcheck:probe:* +set +get +del)'*",
            ]
        )
        grant = re.search(r"administrator: (redis-cli .*?) \(a selector", result.stdout.str())
        assert grant
        # this server's administrator is the default user, without a password
        command = grant.group(1).replace(" --user ADMIN --askpass", "")
        subprocess.run(shlex.split(command), check=True, capture_output=True)
        run(pytester, toml, "-k", "roundtrip").assert_outcomes(passed=1, deselected=4)
    assert PASSWORD not in result.stdout.str()
