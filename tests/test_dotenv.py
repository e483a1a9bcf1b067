"""``.env`` files: the format, precedence below the real environment, masking, and clear errors."""

from __future__ import annotations

import textwrap

import pytest

from envcheck.core import dotenv as _dotenv

PLUGIN = """
import envcheck

@envcheck.hookimpl
def envcheck_checks(config):
    def show(ctx):
        token = ctx.resolve("${APP_TOKEN}", secret=True, key="token")
        url = ctx.resolve("${APP_URL:-none}", key="url")
        mode = ctx.resolve("${APP_MODE:-unset}", key="mode")
        return envcheck.ok(f"url={url} mode={mode} token={token}", token=token)
    yield envcheck.Check(name="show", component="app", run=show)
"""


def test_the_format_python_dotenv_reads() -> None:
    text = textwrap.dedent("""\
        # comment
        export A=1
        B = 'single ${A} kept' # comment
        C="two\\nlines ${A}"
        D=plain # inline comment
        E=${A:-x}${MISSING:-dflt}
        F=
        G="multi
        line"
        H=a#not-a-comment
        """)
    assert _dotenv.parse(text, where=".env") == {
        "A": "1",
        "B": "single ${A} kept",
        "C": "two\nlines 1",
        "D": "plain",
        "E": "1dflt",
        "F": "",
        "G": "multi\nline",
        "H": "a#not-a-comment",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("OK=1\n9LIVES=1\n", ".env:2: not a KEY=value line"),
        (
            'OK=1\nA="never closed\nB=2\n',
            '.env:2: the value of A opens a " quote that never closes',
        ),
        ("A b\n", ".env:1: not a KEY=value line: expected '=' after A"),
        ("A='x' y\n", ".env:1: text after the quoted value of A"),
    ],
)
def test_a_malformed_line_names_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(_dotenv.DotenvError) as caught:
        _dotenv.parse(text, where=".env")
    assert str(caught.value).startswith(message)


def _project(pytester: pytest.Pytester, env: str, table: str = "") -> None:
    pytester.makepyfile(conftest=PLUGIN)
    pytester.makefile(".toml", pyproject=f"[tool.envcheck]\n{table}\n")
    (pytester.path / ".env").write_text(textwrap.dedent(env))


def test_env_file_values_are_read_below_the_environment_and_masked(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(
        pytester,
        """\
        APP_TOKEN=tok-from-dotenv-0123456789
        APP_URL=http://from-dotenv
        APP_MODE=dotenv
        """,
    )
    monkeypatch.setenv("APP_MODE", "shell")  # the real environment wins
    result = pytester.runpytest_inprocess("-v", "--envcheck-report", "-rA")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*url=http://from-dotenv mode=shell token=[*][*][*]*"])
    output = result.stdout.str() + (pytester.path / "envcheck-report.json").read_text()
    assert "tok-from-dotenv-0123456789" not in output


def test_env_files_setting_later_files_win(pytester: pytest.Pytester) -> None:
    _project(
        pytester,
        "APP_TOKEN=tok-aaaaaaaaaaaa\nAPP_URL=http://base\n",
        'env_files = [".env", ".env.local"]',
    )
    (pytester.path / ".env.local").write_text("APP_URL=http://local\n")
    result = pytester.runpytest_inprocess("-m", "envcheck", "-v", "-rA")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*url=http://local mode=unset*"])


def test_a_malformed_env_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    _project(pytester, "APP_TOKEN=tok-aaaaaaaaaaaa\nnot a line\n")
    result = pytester.runpytest_inprocess("-m", "envcheck")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*.env:2: not a KEY=value line*"])
    assert "Traceback" not in result.stderr.str()
