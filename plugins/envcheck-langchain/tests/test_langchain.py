"""The langchain and langgraph components against the real packages, envcheck's mock LLM API,
the machine's PostgreSQL and Redis (7: without the Redis Query Engine)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

RunChecks = Callable[..., pytest.RunResult]


def lines(result: pytest.RunResult, *patterns: str) -> None:
    for pattern in patterns:
        result.stdout.fnmatch_lines([pattern])


def providers_toml(mock: Any, *names: str, key: str = '"mock-key"') -> str:
    toml = ""
    for name in names:
        if name == "ollama":
            toml += f'[tool.envcheck.ollama]\nhost = "{mock.base_url("ollama")}"\n'
        else:
            toml += (
                f"[tool.envcheck.providers.{name}]\napi_key = {key}\n"
                f'base_url = "{mock.base_url(name)}"\n'
            )
    return toml


def test_no_checks_unless_configured(pytester: pytest.Pytester, mock_llm: Any) -> None:
    pytester.makefile(".toml", pyproject=providers_toml(mock_llm, "openai"))
    result = pytester.runpytest_subprocess("--envcheck-only", "--collect-only", "-q")
    assert "langchain" not in result.stdout.str()
    assert "langgraph" not in result.stdout.str()


def test_plugin_import_is_cheap() -> None:
    code = (
        "import sys, envcheck_langchain; "
        "heavy = [m for m in ('langchain', 'langchain_core', 'langgraph') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_clients_and_smoke_against_the_mock(mock_llm: Any, run_checks: RunChecks) -> None:
    toml = providers_toml(mock_llm, "openai", "anthropic", "gemini", "ollama")
    toml += '[tool.envcheck.langchain]\nsmoke = true\nproviders = ["openai", "anthropic"]\n'
    result = run_checks(toml, "-m", "langchain")
    lines(
        result,
        "*PASS  package[[]openai] *langchain-openai * with langchain-core * (needs "
        "langchain-core*",
        "*PASS  package[[]anthropic] *langchain-anthropic *",
        "*PASS  client[[]openai] *init_chat_model built ChatOpenAI('gpt-4o-mini')*",
        "*PASS  client[[]anthropic] *init_chat_model built ChatAnthropic('claude-sonnet-4-5')*",
        "*PASS  smoke[[]openai] *ChatOpenAI('gpt-4o-mini').invoke answered in * ms*mocked]",
        "*PASS  smoke[[]anthropic] *ChatAnthropic*invoke answered*mocked]",
    )
    assert result.ret == 0
    sent = [c for c in mock_llm.calls if c.method == "POST"]
    assert {c.provider for c in sent} == {"openai", "anthropic"}


def test_gemini_and_ollama_smoke_against_the_mock(mock_llm: Any, run_checks: RunChecks) -> None:
    """langchain-google-genai asks /v1 (the mock serves /v1 and /v1beta like the API); the Ollama
    client reads the stream's last line, which carries an empty message like a real server's."""
    toml = providers_toml(mock_llm, "gemini", "ollama")
    toml += "[tool.envcheck.langchain]\nsmoke = true\n"
    result = run_checks(toml, "-m", "langchain", "-v")
    lines(
        result,
        "*PASS  smoke[[]gemini] *invoke answered in * ms*mocked]",
        "*PASS  smoke[[]ollama] *invoke answered in * ms*mocked]",
    )
    assert result.ret == 0
    sent = {c.provider for c in mock_llm.calls if c.method == "POST"}
    assert sent == {"gemini", "ollama"}


def test_every_configured_provider_and_ollama_by_default(
    mock_llm: Any, run_checks: RunChecks
) -> None:
    toml = providers_toml(mock_llm, "gemini", "ollama") + "[tool.envcheck.langchain]\n"
    result = run_checks(toml, "-m", "langchain")
    lines(
        result,
        "*PASS  client[[]gemini] *ChatGoogleGenerativeAI('gemini-2.5-flash')*",
        "*PASS  client[[]ollama] *ChatOllama('deepseek-r1:8b')*",
    )
    assert result.ret == 0
    assert not mock_llm.calls  # building a client sends nothing


def test_provider_errors_are_classified(
    mock_llm: Any, run_checks: RunChecks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "invalid-key-for-the-mock")
    toml = providers_toml(mock_llm, "openai", key='"${OPENAI_API_KEY}"')
    toml += providers_toml(mock_llm, "anthropic")
    toml += "[tool.envcheck.langchain]\nsmoke = true\n"
    mock_llm.fault("anthropic", kind="quota")
    result = run_checks(toml, "-m", "langchain")
    lines(
        result,
        "*FAIL  smoke[[]openai] *openai: authentication failed: *",
        "*why: openai answered HTTP 401 to ChatOpenAI.invoke*",
        "*fix: set a valid key: export OPENAI_API_KEY=*",
        "*FAIL  smoke[[]anthropic] *anthropic: quota exhausted: *credit balance*",
    )
    assert "invalid-key-for-the-mock" not in result.stdout.str()


def test_no_key_builds_the_client_and_skips_the_smoke(mock_llm: Any, run_checks: RunChecks) -> None:
    toml = providers_toml(mock_llm, "openai", key='"${OPENAI_API_KEY}"')
    result = run_checks(toml + "[tool.envcheck.langchain]\nsmoke = true\n", "-m", "langchain")
    lines(
        result,
        "*PASS  client[[]openai] *ChatOpenAI('gpt-4o-mini') (no key: OPENAI_API_KEY not set)*",
        "*SKIP  smoke[[]openai] *not run: no key for openai (OPENAI_API_KEY is not set)*",
    )
    assert not mock_llm.calls


def test_integration_built_for_another_langchain_core(
    pytester: pytest.Pytester, mock_llm: Any, run_checks: RunChecks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installed langchain-ollama whose metadata wants an older langchain-core (found first on
    sys.path, as a second installation would be)."""
    site = pytester.path / "site"
    info = site / "langchain_ollama-0.1.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: langchain-ollama\nVersion: 0.1.3\n"
        "Requires-Dist: langchain-core<0.3.0,>=0.2.20\nRequires-Dist: ollama<1,>=0.3.0\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(site))
    toml = providers_toml(mock_llm, "ollama") + "[tool.envcheck.langchain]\n"
    result = run_checks(toml, "-m", "langchain")
    lines(
        result,
        "*FAIL  package[[]ollama] *langchain-ollama 0.1.3 requires langchain-core<0.3.0,>=0.2.20, "
        "but langchain-core * is installed*",
        "*fix: poetry update langchain-ollama langchain-core*",
        "*SKIP  client[[]ollama] *blocked by langchain/package[[]ollama]*",
    )


def test_postgres_checkpointer_setup_then_graph(
    pg_database: str, run_checks: RunChecks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", pg_database)
    toml = '[tool.envcheck.langgraph]\npostgres = "${DATABASE_URL}"\nrun_graph = true\n'
    result = run_checks(toml, "-m", "langgraph")
    lines(
        result,
        "*FAIL  checkpointer[[]postgres] *the PostgresSaver tables do not exist in database "
        "'envcheck_lg_*': setup() was never run*",
        "*SKIP  graph[[]postgres] *blocked*",
    )
    fix = next(line for line in result.stdout.lines if "fix: python -c" in line).strip()
    command = fix.removeprefix("fix: ")
    assert 'os.environ["DATABASE_URL"]' in command
    subprocess.run(["bash", "-c", command.replace("python", sys.executable, 1)], check=True)

    result = run_checks(toml, "-m", "langgraph")
    lines(
        result,
        "*PASS  checkpointer[[]postgres] *PostgresSaver tables present in 'envcheck_lg_*', all "
        "* migrations applied*",
        "*PASS  graph[[]postgres] *a one-node graph ran with the postgres checkpointer*",
    )
    assert result.ret == 0
    with psycopg.connect(pg_database) as conn:
        left = [
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()
            for t in ("checkpoints", "checkpoint_blobs", "checkpoint_writes")
        ]
    assert left == [(0,), (0,), (0,)]

    # an upgrade of langgraph-checkpoint-postgres whose new migrations setup() has not run yet
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("DELETE FROM checkpoint_migrations WHERE v >= 8")
    result = run_checks(toml, "-m", "langgraph")
    lines(
        result,
        "*FAIL  checkpointer[[]postgres] *the PostgresSaver store in 'envcheck_lg_*' is behind "
        "this langgraph-checkpoint-postgres: * of * checkpointer migrations not applied (v8..v*)*",
    )
    subprocess.run(["bash", "-c", command.replace("python", sys.executable, 1)], check=True)
    assert run_checks(toml, "-m", "langgraph").ret == 0


def test_redis_checkpointer_needs_the_query_engine(
    run_checks: RunChecks, redis_port: int, redis_url: str
) -> None:
    """A plain Redis 7 has no RediSearch/RedisJSON: a precise diagnosis, not a crash."""
    toml = f'[tool.envcheck.langgraph]\nredis = "{redis_url}"\nrun_graph = true\n'
    result = run_checks(toml, "-m", "langgraph")
    lines(
        result,
        f"*FAIL  checkpointer[[]redis] *Redis 7.* at 127.0.0.1:{redis_port} has no FT.*/JSON.* "
        "commands: "
        "langgraph-checkpoint-redis needs the Redis Query Engine (FT.*) and JSON (JSON.*)*",
        "*fix: run Redis 8 or Redis Stack: docker run -d -p 6379:6379 redis:8*",
        "*SKIP  graph[[]redis] *blocked*",
    )


def test_langgraph_needs_a_store(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject="[tool.envcheck.langgraph]\nrun_graph = true\n")
    result = pytester.runpytest_subprocess("-v", "--envcheck-only")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*tool.envcheck.langgraph: set postgres = *"])


def test_smoke_recorded_with_a_key_replays_in_ci_without_one(
    pytester: pytest.Pytester, run_checks: RunChecks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run (a key, the provider answering: here the mock) records
    cassettes/langchain/openai/smoke.yaml; CI replays it with no key and nothing listening."""
    from envcheck.mock import MockLLM

    monkeypatch.setenv("OPENAI_API_KEY", "sk-recorded-Never-Shown-0042")
    with MockLLM() as mock:
        toml = providers_toml(mock, "openai", key='"${OPENAI_API_KEY}"')
        toml += "[tool.envcheck.langchain]\nsmoke = true\n"
        result = run_checks(toml, "-m", "langchain")
        lines(result, "*PASS  smoke[[]openai] *invoke answered*mocked]")
    cassette = pytester.path / "cassettes" / "langchain" / "openai" / "smoke.yaml"
    assert cassette.is_file()
    assert "sk-recorded-Never-Shown-0042" not in cassette.read_text()

    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("CI", "true")
    result = run_checks(toml, "-m", "langchain")
    lines(result, "*PASS  smoke[[]openai] *ChatOpenAI('gpt-4o-mini').invoke answered*replayed*")
    assert result.ret == 0


def test_a_database_url_in_dotenv_gets_a_setup_fix_that_runs(
    pg_database: str, pytester: pytest.Pytester, run_checks: RunChecks
) -> None:
    """The URL lives in .env, not in the shell: the printed fix loads .env first, and
    `envcheck fix --yes` runs the same step with the URL passed through the environment."""
    (pytester.path / ".env").write_text(f"DATABASE_URL={pg_database}\n")
    toml = '[tool.envcheck.langgraph]\npostgres = "${DATABASE_URL}"\n'
    result = run_checks(toml, "-m", "langgraph")
    lines(result, "*fix: set -a; . ./.env; set +a; python -c *os.environ*DATABASE_URL*")
    done = subprocess.run(
        [sys.executable, "-m", "envcheck.cli.main", "fix", "--yes", "-m", "langgraph"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        },
    )
    assert "KeyError" not in done.stdout + done.stderr
    assert "1 healed, 0 still failing" in done.stdout, done.stdout + done.stderr
    assert pg_database.split("@")[0] not in done.stdout  # the URL is never shown


def test_a_missing_checkpointer_package_is_named(
    pytester: pytest.Pytester, run_checks: RunChecks
) -> None:
    pytester.makeconftest("import sys\nsys.modules['langgraph.checkpoint.postgres'] = None\n")
    (pytester.path / "poetry.lock").write_text("")
    result = run_checks('[tool.envcheck.langgraph]\npostgres = "postgresql://x@h/db"\n')
    lines(
        result,
        "*FAIL  checkpointer[[]postgres] *langgraph-checkpoint-postgres is not installed*",
        "*fix: poetry add langgraph-checkpoint-postgres*",
    )
    assert "ModuleNotFoundError" not in result.stdout.str()
