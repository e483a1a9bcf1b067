"""Bad input is one clear message and the exit code, never a traceback (issue 8, section 2):
invalid configuration, report targets that cannot be written, console-script misuse.

Every test drives a real pytest session (or the console script) on a small generated project and
asserts what the user sees.
"""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from tests.hardening import ENVCHECK, USAGE, no_traceback, strict_json


def test_tool_that_is_not_a_table_in_a_config_file(pytester: pytest.Pytester) -> None:
    path = pytester.path / "envcheck.toml"
    path.write_text('tool = "x"\n')
    result = pytester.runpytest_inprocess("--envcheck-config", str(path))
    assert result.ret == USAGE
    assert "envcheck.toml: 'tool' must be a table holding [tool.envcheck]" in result.stderr.str()
    no_traceback(result)


@pytest.mark.parametrize("value", ["inf", "nan", "1e10", "true", "-1"])
def test_timeouts_are_positive_finite_and_sane(pytester: pytest.Pytester, value: str) -> None:
    pytester.makefile(
        ".toml",
        pyproject=f"[tool.envcheck]\ntimeout = {value}\n[tool.envcheck.redis]\ntimeout = {value}\n",
    )
    result = pytester.runpytest_inprocess("-m", "envcheck")
    assert result.ret == USAGE
    result.stderr.fnmatch_lines(
        [
            "*invalid configuration in*",
            "*tool.envcheck.timeout: timeout must be *",
            "*tool.envcheck.redis.timeout: timeout must be *",
        ]
    )
    no_traceback(result)


def test_secret_bearing_values_are_not_echoed(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        pyproject="""
        [tool.envcheck.mcp.servers.web]
        url = "http://127.0.0.1:9/mcp"
        headers = "Authorization: Bearer Tok3nNeverShown"
        [tool.envcheck.postgres]
        dsn = 42
        """,
    )
    result = pytester.runpytest_inprocess("-m", "envcheck")
    assert result.ret == USAGE
    result.stderr.fnmatch_lines(
        ["*tool.envcheck.mcp.servers.web.headers: *(the value is not shown: *secret*"]
    )
    assert "Tok3nNeverShown" not in result.stdout.str() + result.stderr.str()
    no_traceback(result)


def test_report_target_that_cannot_be_written_fails_before_the_run(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest("""
        import pathlib
        import envcheck

        @envcheck.hookimpl
        def envcheck_checks(config):
            def run(ctx):
                pathlib.Path(__file__).with_name("ran").write_text("yes")
            yield envcheck.Check(name="probe", component="kafka", run=run)
        """)
    result = pytester.runpytest_inprocess("-m", "kafka", "--envcheck-report=/dev/null/sub/r")
    assert result.ret == USAGE
    result.stderr.fnmatch_lines(
        [
            "*--envcheck-report=/dev/null/sub/r: cannot write the report there: /dev/null is not a "
            "directory*"
        ]
    )
    assert not (pytester.path / "ran").exists()
    no_traceback(result)


def test_mock_serve_with_a_port_out_of_range() -> None:
    done = subprocess.run(
        [*ENVCHECK, "mock", "serve", "--port", "99999"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "argument --port: 99999 is not a port number: use 0-65535" in done.stderr
    assert "Traceback" not in done.stderr


def test_console_script_with_an_invalid_config_writes_no_report(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject="[tool.envcheck]\ntimeout = true\n")
    done = subprocess.run(ENVCHECK, cwd=pytester.path, capture_output=True, text=True, timeout=120)
    assert done.returncode == USAGE
    assert "tool.envcheck.timeout: timeout must be a number of seconds, not bool" in done.stderr
    assert not (pytester.path / "envcheck-report.json").exists()
    assert not (pytester.path / "envcheck-report.md").exists()


def test_nested_references_and_unvalidated_versions(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        pyproject="""
        [tool.envcheck.redis]
        url = "${REDIS_URL:-${FALLBACK}}"
        [tool.envcheck.ollama]
        min_version = "ten"
        [tool.envcheck.venv]
        python = "${PYTHON_RANGE}"
        """,
    )
    result = pytester.runpytest_inprocess("-m", "envcheck")
    assert result.ret == USAGE
    result.stderr.fnmatch_lines_random(
        [
            "*tool.envcheck.redis.url: nested environment reference '${REDIS_URL:-${FALLBACK}}': "
            "a default cannot hold another reference*",
            "*tool.envcheck.ollama.min_version: 'ten' is not a version like '0.5.0'*",
            "*tool.envcheck.venv.python: *references are resolved only in connection settings*",
        ]
    )
    assert "allowed only in strings" not in result.stderr.str()
    no_traceback(result)


def test_console_script_whose_reader_went_away(pytester: pytest.Pytester) -> None:
    """``envcheck mcp ... | head``: the pipe closes early; no BrokenPipeError traceback."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [*ENVCHECK, "mcp", "list"],
            cwd=pytester.path,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write)
    assert "BrokenPipeError" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 128 + signal.SIGPIPE


def test_config_elsewhere_does_not_move_the_project(
    pytester: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``--envcheck-config /abs/elsewhere.toml`` (space-separated) made pytest's rootdir the common
    ancestor, so the venv checks looked for pyproject.toml in / or /tmp."""
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "envcheck.toml"
    elsewhere.write_text("[tool.envcheck]\n")
    pytester.makefile(".toml", pyproject='[project]\nname = "app"\nversion = "0"\n')
    pytester.makeconftest("""
        import envcheck

        @envcheck.hookimpl
        def envcheck_checks(config):
            def where(ctx):
                return envcheck.ok(str(ctx.rootdir), rootdir=str(ctx.rootdir))
            yield envcheck.Check(name="where", component="kafka", run=where)
        """)
    result = pytester.runpytest_inprocess(
        "-m", "kafka", "--envcheck-config", str(elsewhere), "--envcheck-report"
    )
    result.assert_outcomes(passed=1)
    checks = strict_json(pytester.path / "envcheck-report.json")["checks"]
    assert checks[0]["facts"]["rootdir"] == str(pytester.path)
