"""The redis component against the machine's real Redis and redis-servers the tests start."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import redis

from tests.servers import free_port, garbage_server, redis_server, silent_listener

SERVER = "redis://127.0.0.1:6379/0"
PASSWORD = "rEdis-pw-never-shown-99"


@pytest.fixture(scope="module", autouse=True)
def nothing_left_behind() -> Iterator[None]:
    yield
    client = redis.Redis.from_url(SERVER)
    assert list(client.scan_iter(match="envcheck:*")) == []


def run(pytester: pytest.Pytester, toml: str, *args: str) -> pytest.RunResult:
    pytester.makefile(".toml", pyproject=toml)
    return pytester.runpytest_subprocess("-m", "redis", "-p", "no:cacheprovider", *args)


def test_healthy_server_passes_with_facts(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        f'[tool.envcheck.redis]\nurl = "{SERVER}"\nmin_version = "6.2"\n',
        "--envcheck-report",
    )
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines_random(
        [
            "  PASS  reachable * 127.0.0.1:6379 answers as Redis*",
            "  PASS  auth * PING answered by 127.0.0.1:6379/0*",
            "  PASS  version * Redis * (>= 6.2), standalone*",
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
            f"redis/noauth.auth: 127.0.0.1:{port} requires a password (NOAUTH)",
            f"  fix: put the password in tool.envcheck.redis.noauth.url: "
            f"redis://:PASSWORD@127.0.0.1:{port}/0",
            f"redis/wrong.auth: authentication failed for the default user at 127.0.0.1:{port} "
            "(WRONGPASS)",
            f"  PASS  right.auth * PING answered by 127.0.0.1:{port}/0 with a password*",
            "  PASS  right.roundtrip *",
        ]
    )
    texts = [result.stdout.str(), result.stderr.str()]
    texts += [(pytester.path / f).read_text() for f in ("envcheck-report.json", "junit.xml")]
    texts.append((pytester.path / "envcheck-report.md").read_text())
    assert not [t for t in texts if PASSWORD in t or "not-the-password" in t]


def test_replica_out_of_memory_and_eviction(pytester: pytest.Pytester) -> None:
    with (
        redis_server("--replicaof", "127.0.0.1", "6379") as replica,
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
            f"redis/replica.roundtrip: 127.0.0.1:{replica} is a read-only replica",
            "  fix: point tool.envcheck.redis.replica.url at the primary",
            f"redis/full.roundtrip: 127.0.0.1:{full} is out of memory: writes are refused (OOM)",
            "  WARN  lru.config * maxmemory-policy allkeys-lru: when memory fills, Redis silently "
            "deletes keys, including queued jobs and LangGraph checkpoints*",
            "        fix: redis-cli CONFIG SET maxmemory-policy noeviction*",
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
            "redis/stopped.reachable: connection refused at 127.0.0.1:*",
            "  fix: start Redis: sudo systemctl start redis-server*",
            "redis/silent.reachable: 127.0.0.1:* accepted the connection but did not answer",
            "redis/ssh.reachable: 127.0.0.1:* does not speak the Redis protocol "
            "(it answered 'SSH-2.0-OpenSSH_9.2*",
            "redis/typo.reachable: tool.envcheck.redis.typo.url is not a redis:// or rediss:// URL "
            "with a host",
        ]
    )
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    silent_check = next(c for c in checks if c["name"] == "silent.reachable")
    assert silent_check["duration"] <= 1.1  # its timeout, +10%


def test_fixture_hands_over_a_verified_client(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_cache="""
        def test_cache(envcheck_redis):
            assert envcheck_redis.ping() is True
        """)
    pytester.makefile(".toml", pyproject=f'[tool.envcheck.redis]\nurl = "{SERVER}"\n')
    pytester.runpytest_subprocess("test_cache.py").assert_outcomes(passed=1)
    pytester.makefile(
        ".toml", pyproject=f'[tool.envcheck.redis]\nurl = "redis://127.0.0.1:{free_port()}/0"\n'
    )
    result = pytester.runpytest_subprocess("test_cache.py", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*environment not ready: redis/auth: blocked by redis/reachable*"])
