"""The hand-written comparison suite of issue 13: what a team writes by hand to check its stack.

Six sequential tests covering less than envcheck's full-stack config: the Python version, 10
package specifiers, a PostgreSQL round trip, a Redis round trip, four HTTP GETs to the mock LLM
API and ``poetry --version``. ``bench/fullstack.py`` copies it into a scratch project and runs it
with ``BENCH_MOCK_URL`` (the mock's root URL), ``DATABASE_URL`` and ``REDIS_URL`` set.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys

import httpx
import psycopg
import redis
from packaging.requirements import Requirement

PACKAGES = [
    "pytest>=8.0",
    "pluggy>=1.5",
    "pydantic>=2.6",
    "packaging>=23",
    "tomlkit>=0.12",
    "psycopg>=3.2",
    "redis>=5.0",
    "httpx>=0.27",
    "vcrpy>=6.0",
    "ollama>=0.4",
]


def test_python_version() -> None:
    assert (3, 11) <= sys.version_info[:2] < (3, 12)


def test_packages() -> None:
    for spec in PACKAGES:
        req = Requirement(spec)
        version = importlib.metadata.version(req.name)
        assert req.specifier.contains(version, prereleases=True), f"{req.name} {version}"


def test_postgres() -> None:
    with psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=5) as conn:
        conn.execute("CREATE TEMP TABLE bench_probe (n int)")
        conn.execute("INSERT INTO bench_probe VALUES (1)")
        row = conn.execute("SELECT n FROM bench_probe").fetchone()
        assert row == (1,)


def test_redis() -> None:
    client = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5)
    try:
        key = f"bench:probe:{os.getpid()}"
        assert client.set(key, "1", ex=60)
        assert client.get(key) == b"1"
        assert client.delete(key) == 1
    finally:
        client.close()


def test_llm_endpoints() -> None:
    base = os.environ["BENCH_MOCK_URL"]
    gets = [
        ("/openai/v1/models", {"Authorization": "Bearer k"}),
        ("/anthropic/v1/models", {"x-api-key": "k", "anthropic-version": "2023-06-01"}),
        ("/gemini/v1beta/models", {"x-goog-api-key": "k"}),
        ("/ollama/api/version", {}),
    ]
    for path, headers in gets:
        response = httpx.get(base + path, headers=headers, timeout=5)
        assert response.status_code == 200, path


def test_poetry() -> None:
    poetry = shutil.which("poetry") or os.path.join(os.path.dirname(sys.executable), "poetry")
    out = subprocess.run([poetry, "--version"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "Poetry" in out.stdout
