"""Bounded by bytes as well as by seconds (issue 26): what a careless project or a hostile server
hands envcheck (a huge HTTP body, thousands of packages over a large poetry.lock, thousands of MCP
servers, an MCP settings file that cannot be read) ends within the checks' timeouts, reads and
keeps at most a bounded amount, and says what it cut or could not read.

The figures (time and memory at the sizes the issue names) are measured in ``bench/bounds.py``;
these tests assert what the user sees."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
POETRY = shutil.which("poetry") or str(REPO / ".tools" / "poetry" / "bin" / "poetry")


def report(pytester: pytest.Pytester) -> dict[str, dict[str, object]]:
    data = json.loads((pytester.path / "envcheck-report.json").read_text())
    return {check["name"]: check for check in data["checks"]}


# -- 2. many packages over a large poetry.lock: shared work never outlives a check -------------


def big_lock(lines: int) -> str:
    """A poetry.lock (format 2.1) of about ``lines`` lines, one wheel per package."""
    out: list[str] = []
    number = 0
    while len(out) < lines:
        out += [
            "[[package]]",
            f'name = "locked-{number}"',
            f'version = "1.{number}"',
            'description = "a locked package"',
            "optional = false",
            'python-versions = ">=3.8"',
            'groups = ["main"]',
            'markers = "python_version >= \\"3.8\\""',
            "files = [",
            f'    {{file = "locked_{number}-1.0-py3-none-any.whl", '
            f'hash = "sha256:{number:064d}"}},',
            "]",
            "",
        ]
        number += 1
    out += [
        "[metadata]",
        'lock-version = "2.1"',
        'python-versions = ">=3.11"',
        'content-hash = "0"',
    ]
    return "\n".join(out) + "\n"


def many_packages(pytester: pytest.Pytester, count: int, timeout: float, lock_lines: int) -> None:
    names = [f"absent-{i}" for i in range(count)]
    pytester.makepyprojecttoml(
        "[project]\nname = 'app'\nversion = '1'\nrequires-python = '>=3.11'\n"
        "[tool.poetry]\npackage-mode = false\n"
        "[tool.envcheck.venv]\nrequire_venv = false\npython = '>=3.11'\nconsistency = false\n"
        f"dev_packages = []\ntimeout = {timeout}\npackages = {json.dumps(names)}\n"
    )
    (pytester.path / "poetry.lock").write_text(big_lock(lock_lines))


@pytest.mark.skipif(not os.access(POETRY, os.X_OK), reason="no Poetry to run")
def test_hundreds_of_packages_over_a_large_lock_each_get_their_own_verdict_in_time(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Before: every package check parsed the 100,000-line lock itself and asked Poetry for the
    project's environment in turn (one Poetry at a time, "no environment" never kept), so each
    ran into its timeout ("did not finish within its 4 s timeout: whatever it waits on is not
    answering"). Now the lock is parsed once and Poetry asked once per session, and a check
    waits for that shared answer only until its own deadline."""
    monkeypatch.setenv("PATH", f"{Path(POETRY).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("POETRY_CACHE_DIR", str(tmp_path / "poetry-cache"))
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    # a question of time as users see it: the run is not measured by CI's coverage, whose tracer
    # (set in check threads too) makes parsing the 100,000-line lock several times slower
    monkeypatch.delenv("COVERAGE_PROCESS_CONFIG", raising=False)
    many_packages(pytester, count=300, timeout=4, lock_lines=100_000)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-k", "package", "--envcheck-report", timeout=240
    )
    checks = report(pytester)
    packages = {name: c for name, c in checks.items() if name.startswith("package[")}
    assert len(packages) == 300
    late = [name for name, c in packages.items() if "did not finish" in str(c["summary"])]
    assert late == []
    for name, check in packages.items():
        wanted = name[len("package[") : -1]
        assert check["status"] == "fail"
        assert check["summary"] == f"{wanted} is not installed"
        assert "does not declare it" in str(check["why"])
    assert result.ret == 1


# -- 1. an HTTP body is read as a bounded prefix, in time, and a cut one is never recorded ----


def provider_toml(kind: str, base_url: str, extra: str = "") -> str:
    return (
        f'[tool.envcheck.providers.{kind}]\napi_key = "${{{kind.upper()}_API_KEY}}"\n'
        f'base_url = "{base_url}"\ntimeout = 5\n{extra}\n'
    )


def test_a_20_mb_error_answer_is_read_up_to_the_bound_and_not_recorded(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the whole 20 MB was read, and recorded as a 20 MB cassette."""
    from envcheck.llm import _pool
    from envcheck.mock import MockLLM

    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-BoundsCanaryKey00000000001")
    with MockLLM() as mock:
        mock.fault("openai", 401, message="Incorrect API key provided. " * 750_000, times=5)
        pytester.makepyprojecttoml(provider_toml("openai", mock.base_url("openai")))
        result = pytester.runpytest_inprocess(
            "-p",
            "no:cacheprovider",
            "-v",
            "-k",
            "openai.auth",
            "--envcheck-record=all",
            "--envcheck-report",
        )
    assert not (pytester.path / "cassettes" / "openai" / "auth.yaml").exists()
    check = report(pytester)["openai.auth"]
    assert check["status"] == "fail"
    assert str(check["summary"]).startswith("openai: authentication failed")
    assert check["facts"]["body_cut_at_bytes"] == _pool.MAX_ERROR_BODY  # type: ignore[index]
    assert len(result.stdout.str()) < 20_000


class Trickle:
    """A real HTTP server that answers every request with ``status`` and a body of ``size``
    bytes (announced in content-length), sent ``chunk`` bytes every ``pause`` seconds."""

    def __init__(self, status: int, size: int, chunk: int, pause: float, body: bytes) -> None:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(size))
                self.end_headers()
                sent = 0
                try:
                    while sent < size and not owner.stopping.is_set():
                        piece = (body * (chunk // len(body) + 1))[: min(chunk, size - sent)]
                        self.wfile.write(piece)
                        self.wfile.flush()
                        sent += len(piece)
                        owner.sent = sent
                        owner.stopping.wait(pause)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading: what it should do
                self.close_connection = True

            do_POST = do_GET  # noqa: N815

        self.sent = 0
        self.stopping = threading.Event()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.mark.parametrize(
    "status, chunk, pause, said",
    [
        # 20 MB of an error, 64 KiB every 0.2 s (over a minute in all): cut at 64 KiB
        (401, 2**16, 0.2, "openai: authentication failed*"),
        # a models list trickled a byte every 0.05 s: each byte in time, the whole never
        (200, 1, 0.05, "openai: timeout: no answer from * in * s*"),
    ],
)
def test_a_trickled_body_does_not_keep_a_check_past_its_timeout(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    chunk: int,
    pause: float,
    said: str,
) -> None:
    """Before: the check read on (each piece came within the read timeout) until the runner's
    watchdog gave up on it at its 5 s timeout; the item said "did not finish within its 5 s
    timeout" and the read went on in the background."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-BoundsCanaryKey00000000002")
    server = Trickle(status, 20_000_000, chunk, pause, b'{"error": "x' if status >= 400 else b"[")
    try:
        pytester.makepyprojecttoml(
            provider_toml("openai", server.url + "/v1", "cassettes = false\nretries = 0")
        )
        result = pytester.runpytest_inprocess(
            "-p", "no:cacheprovider", "-v", "-k", "openai.auth", "--envcheck-report"
        )
    finally:
        server.stop()
    check = report(pytester)["openai.auth"]
    assert "did not finish within its" not in str(check["summary"])
    result.stdout.fnmatch_lines([f"  FAIL  openai.auth * {said}"])
    assert server.sent <= 2**20  # the client stopped reading long before the end


# -- 4. more MCP servers than one run checks: the first ones, and one verdict for the rest -----


def test_more_mcp_servers_than_the_limit_get_one_verdict_naming_file_count_and_limit(
    pytester: pytest.Pytester,
) -> None:
    """Before: every declared server got its six checks (10,000 servers did not finish in 200 s).
    Now at most ``MAX_SERVERS`` are checked, in declaration order, and one verdict says how many
    were left out, where they are declared and how to name the ones that matter."""
    from envcheck.checks.mcp.config import MAX_SERVERS

    count = MAX_SERVERS + 150
    declared = {f"s{i}": {"command": f"no-such-mcp-server-{i}"} for i in range(count)}
    (pytester.path / ".mcp.json").write_text(json.dumps({"mcpServers": declared}))
    pytester.makepyprojecttoml("[tool.envcheck.mcp]\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--envcheck-report")
    checks = report(pytester)
    starts = sorted(int(name[1:].split("@")[0]) for name in checks if name.endswith(".start"))
    assert starts == list(range(MAX_SERVERS))
    path = pytester.path / ".mcp.json"
    result.stdout.fnmatch_lines(
        [
            f"  FAIL  mcp/servers: {count} MCP servers declared ({count} in {path}): envcheck "
            f"checks at most {MAX_SERVERS} per run, so the first {MAX_SERVERS} are checked and "
            "150 are not",
            "*fix: name the servers this project uses: set [[]tool.envcheck.mcp[]] discover = "
            f"false and list them (at most {MAX_SERVERS}) under "
            f"[[]tool.envcheck.mcp.servers.NAME[]], or remove the ones it does not use from {path}",
        ]
    )
    assert result.ret == 1


# -- 3. a program's output is read as a bounded prefix and tail, never kept whole -------------

FLOOD = (
    "import sys, time\n"
    "for _ in range(100):\n"
    "    sys.stderr.buffer.write(b'e' * 1_000_000)\n"
    "sys.stderr.write('\\nfatal: the real error\\n')\n"
    "sys.stderr.flush()\n"
    "time.sleep(float(sys.argv[1]))\n"
    "sys.exit(3)\n"
)


@pytest.mark.parametrize(
    "sleep, said",
    [
        (
            0,
            "`flood 0` exited with code 3: [[]... 98,885,911 bytes not kept ...] / eee*e… / "
            "fatal: the real error",
        ),
        (60, "`flood 60` did not finish within 3 s"),
    ],
)
def test_a_command_printing_100_mb_is_read_in_bounded_memory_and_ends_at_its_timeout(
    tmp_path: Path, sleep: int, said: str
) -> None:
    """Before: ``run_command`` kept all 100 MB (and its decoded text) in memory."""
    import fnmatch
    import sys
    import tracemalloc

    from envcheck.core.model import CheckFailed
    from envcheck.kit import run_command

    flood = tmp_path / "flood"
    flood.write_text(f"#!{sys.executable}\n{FLOOD}")
    flood.chmod(0o755)
    tracemalloc.start()
    try:
        with pytest.raises(CheckFailed) as failed:
            run_command([str(flood), str(sleep)], timeout=3, what="the app", fix="fix flood")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    summary = failed.value.summary.replace(str(flood), "flood")
    assert fnmatch.fnmatchcase(summary, said), summary
    assert len(summary) < 1000
    assert peak < 16 * 2**20


def test_an_mcp_server_flooding_stderr_is_diagnosed_from_its_last_words(
    pytester: pytest.Pytester,
) -> None:
    """Before: its stderr went to a temporary file, read back whole for the diagnosis."""
    import sys
    import tracemalloc

    (pytester.path / "flood.py").write_text(FLOOD)
    pytester.makepyprojecttoml(
        f'[tool.envcheck.mcp.servers.flood]\ncommand = "{sys.executable}"\n'
        'args = ["flood.py", "0"]\ntimeout = 20\n'
    )
    tracemalloc.start()
    try:
        result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "flood.start")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    result.stdout.fnmatch_lines(
        [
            "  FAIL  mcp/flood.start: flood: * exited with code 3 before answering",
            "*why: the server stopped during start-up; its stderr ends: *eee… / fatal: the real "
            "error; *",
        ]
    )
    assert peak < 64 * 2**20
    assert result.ret == 1
