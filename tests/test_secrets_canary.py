"""The canary matrix: a different canary in every place a secret can be, through real pytest
sessions with every output on (``-v -rA -l --tb=long --log-level=DEBUG``, JUnit XML, the reports,
cassettes recorded with ``--envcheck-record=all`` against envcheck's mock, and under ``-n 2`` the
xdist result files); no 6-character piece of any canary may appear in any of it."""

from __future__ import annotations

import json
import random
import string
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from envcheck.mock import MockLLM
from tests.mcp_servers import TIME, http_status_server
from tests.servers import PostgresCluster, free_port

#: files the test writes itself (they hold canaries or read them from the environment)
WRITTEN = {"pyproject.toml", "conftest.py", "test_app.py", "garbage.py", "noisy.py", "hdr.txt"}

PLUGIN = """
import logging
import os
import pathlib

import envcheck


@envcheck.hookimpl
def envcheck_checks(config):
    def resolved(ctx):
        value = ctx.resolve("${PLUGIN_VALUE}", secret=True)
        logging.getLogger("httpcore.http11").debug(
            "receive_response_headers.complete return_value=%r",
            (b"HTTP/1.1", 401, [(b"www-authenticate", f"Bearer {value}".encode())]),
        )
        raise envcheck.CheckFailed(
            "X" * 70 + f"token={value}",
            why=f"the server said {value!r}",
            hint=f"curl -H 'Authorization: Bearer {value}' ...",
            facts={"echo": value, value: "as a key"},
        )

    def bearer(ctx):
        header = ctx.resolve(pathlib.Path("hdr.txt").read_text().strip(), secret=True)
        bare = header.split()[-1]
        raise envcheck.CheckFailed(
            f"the server echoed {bare}", why="\\x1b]0;pwned\\x07\\x1b[2Jcontrol characters"
        )

    def home(ctx):
        # after the MCP servers' values are resolved: ${HOME} in their env is no secret
        where = os.path.join(os.environ["HOME"], "cfg")
        return envcheck.ok(f"config at {where}", config=where)

    after = ["mcp/garbage.start"]
    yield envcheck.Check(name="home", component="plugin", run=home, depends_on=after)
    yield envcheck.Check(name="resolved", component="plugin", run=resolved)
    yield envcheck.Check(name="bearer", component="plugin", run=bearer)
"""

TESTS = """
import logging
import os


def test_1_settings_change_after_the_checks():
    os.environ["DATABASE_URL"] = os.environ["PG_FIXTURE_DSN"]
    os.environ["REDIS_URL"] = os.environ["REDIS_FIXTURE_URL"]


def test_2_postgres(envcheck_postgres):
    envcheck_postgres.execute("SELECT 1")


def test_3_redis(envcheck_redis):
    envcheck_redis.ping()


def test_4_logs():
    logging.getLogger("httpcore").debug("www-authenticate: Bearer %s", os.environ["SVC_TOKEN"])
    assert False, "a failing test shows its captured log"
"""

GARBAGE = """
import os, sys
print("X" * 66 + "token=" + os.environ["API_TOKEN"], flush=True)
print("starting with", sys.argv[1:], "and", os.environ["API_TOKEN"], file=sys.stderr)
sys.exit(3)
"""

NOISY = f"""
import os, sys
print("Z" * 66 + "token=" + os.environ["API_TOKEN"], flush=True)
print("argv", sys.argv[1:], file=sys.stderr, flush=True)
os.execv({TIME!r}, [{TIME!r}])
"""


def _core() -> str:
    return "".join(random.choices(string.ascii_uppercase + string.digits, k=16))


def _pieces(core: str) -> list[str]:
    return [core[i : i + 6] for i in range(len(core) - 5)]


@pytest.fixture
def mock() -> Iterator[MockLLM]:
    with MockLLM() as server:
        yield server


@pytest.fixture
def http_401() -> Iterator[int]:
    with http_status_server(401) as port:
        yield port


@pytest.fixture
def project(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    mock: MockLLM,
    http_401: int,
    postgres_server: PostgresCluster,
    redis_port: int,
) -> dict[str, str]:
    """The project; returns {place: canary core}."""
    c = {
        name: _core()
        for name in (
            "pg_url pg_kw pg_kwbad_a pg_kwbad_b pg_at_a pg_at_b pg_fixture redis_url redis_acl "
            "redis_hash redis_fixture openai anthropic gemini compat base_url ollama mcp_env "
            "svc_token mcp_header plugin plugin_bearer"
        ).split()
    }
    dead = free_port()
    pg, redis = postgres_server.port, f"127.0.0.1:{redis_port}/0"
    env = {
        "DATABASE_URL": f"postgresql://postgres:{c['pg_url']}@127.0.0.1:{pg}/postgres",
        "PG_KW_DSN": f"host=127.0.0.1 port={pg} user=postgres dbname=postgres "
        f"password={c['pg_kw']}",
        "PG_KWBAD_DSN": f"host=127.0.0.1 password={c['pg_kwbad_a']} A {c['pg_kwbad_b']}",
        "PG_AT_DSN": f"postgresql://u:{c['pg_at_a']}@{c['pg_at_b']}@127.0.0.1:{dead}/db",
        "PG_FIXTURE_DSN": f"postgresql://postgres:{c['pg_fixture']}@127.0.0.1:{dead}/postgres",
        "REDIS_URL": f"redis://{redis}",
        "REDIS_SECRET_URL": f"redis://:{c['redis_url']}@{redis}",
        "REDIS_ACL_URL": f"redis://acluser:{c['redis_acl']}@{redis}",
        "REDIS_HASH_URL": f"redis://u:{c['redis_hash']}#zz@{redis}",
        "REDIS_FIXTURE_URL": f"redis://acluser:{c['redis_fixture']}@{redis}",
        "OPENAI_API_KEY": f"sk-proj-{c['openai']}",
        "ANTHROPIC_API_KEY": f"sk-ant-api03-{c['anthropic']}",
        "GEMINI_API_KEY": f"AIzaSy{c['gemini']}abcdefghijklm",
        "GROQ_API_KEY": f"gsk_{c['compat']}",
        "MCP_ENV_VALUE": c["mcp_env"],
        "SVC_TOKEN": c["svc_token"],
        "HDR_VALUE": c["mcp_header"],
        "PLUGIN_VALUE": c["plugin"],
        "HOME": str(pytester.path),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    openai_url = mock.base_url("openai")
    with_userinfo = openai_url.replace("http://", f"http://proxyuser:{c['base_url']}@")
    ollama_url = mock.base_url("ollama").replace("http://", f"http://ouser:{c['ollama']}@")
    # the tool's error echoes it: the key straddles the 200 characters the answer is cut to
    timezone = "Y" * 100 + "token=" + env["OPENAI_API_KEY"]
    # 15 s: on a slow machine under a full suite the 3 s default timed the real servers out
    pytester.makepyprojecttoml(textwrap.dedent(f"""
            [tool.envcheck.postgres]
            dsn = "${{DATABASE_URL}}"
            timeout = 15.0
            [tool.envcheck.postgres.kw]
            dsn = "${{PG_KW_DSN}}"
            timeout = 15.0
            [tool.envcheck.postgres.kwbad]
            dsn = "${{PG_KWBAD_DSN}}"
            timeout = 15.0
            [tool.envcheck.postgres.at]
            dsn = "${{PG_AT_DSN}}"
            timeout = 15.0

            [tool.envcheck.redis]
            url = "${{REDIS_URL}}"
            timeout = 15.0
            [tool.envcheck.redis.secret]
            url = "${{REDIS_SECRET_URL}}"
            timeout = 15.0
            [tool.envcheck.redis.acl]
            url = "${{REDIS_ACL_URL}}"
            timeout = 15.0
            [tool.envcheck.redis.hash]
            url = "${{REDIS_HASH_URL}}"
            timeout = 15.0

            [tool.envcheck.providers.openai]
            base_url = "{openai_url}"
            smoke = true
            [tool.envcheck.providers.anthropic]
            base_url = "{mock.base_url("anthropic")}"
            [tool.envcheck.providers.gemini]
            base_url = "{mock.base_url("gemini")}"
            [tool.envcheck.providers.groq]
            kind = "openai"
            base_url = "{with_userinfo}"
            model = "gpt-4o-mini"

            [tool.envcheck.ollama]
            host = "{ollama_url}"
            models = ["deepseek-r1:8b"]

            [tool.envcheck.mcp.servers.garbage]
            command = "{sys.executable}"
            args = ["garbage.py", "--token", "${{SVC_TOKEN}}"]
            env = {{ API_TOKEN = "${{MCP_ENV_VALUE}}", CFG_DIR = "${{HOME}}/cfg" }}
            [tool.envcheck.mcp.servers.noisy]
            command = "{sys.executable}"
            args = ["noisy.py", "--token", "${{SVC_TOKEN}}"]
            env = {{ API_TOKEN = "${{MCP_ENV_VALUE}}" }}
            call = {{ tool = "get_current_time", arguments = {{ timezone = "{timezone}" }} }}
            [tool.envcheck.mcp.servers.remote]
            url = "http://127.0.0.1:{http_401}/mcp"
            headers = {{ Authorization = "Bearer ${{HDR_VALUE}}" }}
            """))
    pytester.makeconftest(PLUGIN)
    pytester.makepyfile(test_app=TESTS)
    (pytester.path / "garbage.py").write_text(GARBAGE)
    (pytester.path / "noisy.py").write_text(NOISY)
    (pytester.path / "hdr.txt").write_text(f"Bearer {c['plugin_bearer']}\n")
    return c


def _leaks(pytester: pytest.Pytester, outputs: list[str], cores: dict[str, str]) -> list[str]:
    texts = [text.encode("utf-8", "replace") for text in outputs]
    names = []
    for path in sorted(pytester.path.rglob("*")):
        if path.is_file() and path.name not in WRITTEN and "__pycache__" not in path.parts:
            texts.append(path.read_bytes())
            names.append(str(path.relative_to(pytester.path)))
    found = []
    for place, core in cores.items():
        for piece in _pieces(core):
            where = [n for n, t in zip(["stdout", "stderr", *names], texts) if piece.encode() in t]
            if where:
                found.append(f"{place}: {piece!r} in {', '.join(where)}")
                break
    return found


ARGS = ("-v", "-rA", "-l", "--tb=long", "--log-level=DEBUG", "--envcheck-record=all")


def test_no_canary_leaks(pytester: pytest.Pytester, project: dict[str, str]) -> None:
    result = pytester.runpytest_subprocess(*ARGS, "--junitxml=junit.xml", "--envcheck-report")
    out = result.stdout.str()
    leaks = _leaks(pytester, [out, result.stderr.str()], project)
    assert not leaks, "secrets leaked:\n" + "\n".join(leaks)
    # the places were really exercised
    assert (pytester.path / "junit.xml").is_file()
    assert list((pytester.path / "cassettes").rglob("*.yaml")), "nothing was recorded"
    assert "EnvcheckFixtureError: envcheck_postgres: connecting failed" in out
    assert "EnvcheckFixtureError: envcheck_redis: connecting failed" in out
    assert "www-authenticate" in out  # the captured log is shown, masked
    assert "non-protocol output" in out
    assert "plugin/bearer: the server echoed ***" in out
    assert "tool get_current_time returned an error" in out
    # control characters from a check never reach the terminal or the Markdown report
    assert "\x1b" not in out
    assert "\x1b" not in (pytester.path / "envcheck-report.md").read_text()
    # ${HOME} in an MCP env value does not mask paths under the home directory
    document = json.loads((pytester.path / "envcheck-report.json").read_text())
    [home] = [c for c in document["checks"] if c["id"] == "plugin/home"]
    assert home["facts"]["config"] == f"{pytester.path}/cfg", home
    assert "***/" not in json.dumps(document)


def test_no_canary_leaks_under_xdist(pytester: pytest.Pytester, project: dict[str, str]) -> None:
    pytest.importorskip("xdist")
    result = pytester.runpytest_subprocess(
        *ARGS, "-n", "2", "--junitxml=junit.xml", "--envcheck-report"
    )
    out = result.stdout.str()
    assert "envcheck: environment checks" in out
    shared = list(pytester.path.rglob("envcheck-*/*.json"))
    assert shared, "no xdist result files were written"
    leaks = _leaks(pytester, [out, result.stderr.str()], project)
    assert not leaks, "secrets leaked:\n" + "\n".join(leaks)


def test_cassettes_scrub_url_userinfo(tmp_path: Path) -> None:
    """base_url = "http://user:PW@host/v1" (or an Ollama host with userinfo) is not written."""
    from vcr.request import Request

    from envcheck.cassettes import Cassette

    cassette = Cassette.open(tmp_path / "c.yaml", "all", [], "rerecord")
    for uri in (
        "http://proxyuser:Userinfo-PW-4411@127.0.0.1:8080/openai/v1/models",
        "http://Token-Only-5522@127.0.0.1:11434/api/version",
    ):
        request = Request("GET", uri, None, {"accept": "application/json"})
        answer = {
            "status": {"code": 200, "message": "OK"},
            "headers": {},
            "body": {"string": b"{}"},
        }
        cassette.record(request, answer)
    cassette.save()
    text = (tmp_path / "c.yaml").read_text()
    assert "127.0.0.1:8080/openai/v1/models" in text
    assert "Userinfo-PW-4411" not in text and "proxyuser" not in text
    assert "Token-Only-5522" not in text
