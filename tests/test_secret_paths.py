"""The last paths a secret took out: a usage error quoting a nested default, what a plugin check
prints, and ``envcheck init --dry-run`` showing the file's existing lines as diff context."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SECRET = "Sup3rSecretValue42"


@pytest.mark.parametrize(
    "section, key",
    [("redis", "url"), ("postgres", "dsn")],
)
def test_a_usage_error_quoting_a_nested_default_masks_its_password(
    pytester: pytest.Pytester, section: str, key: str
) -> None:
    scheme = "redis" if section == "redis" else "postgresql"
    nested = f"${{NOPE:-${{ALSONOPE:-{scheme}://u:{SECRET}@h:1/0}}}}"
    pytester.makepyprojecttoml(f'[tool.envcheck.{section}]\n{key} = "{nested}"\n')
    result = pytester.runpytest_subprocess("-m", "envcheck")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    out = result.stdout.str() + result.stderr.str()
    assert f"tool.envcheck.{section}.{key}: nested environment reference" in out
    assert SECRET not in out and SECRET[:6] not in out
    assert f"{scheme}://u:***@h:1/0" in out


def test_what_a_check_prints_is_masked_in_captured_output(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEMO_TOKEN_VALUE", SECRET)
    pytester.makeconftest(textwrap.dedent("""
            import envcheck
            from envcheck import kit

            @envcheck.hookimpl
            def envcheck_checks(config):
                def chatty(ctx):
                    token = ctx.resolve("${DEMO_TOKEN_VALUE}", secret=True)
                    print("using token", token)
                    raise envcheck.CheckFailed("rejected", fix="get a new token")
                yield kit.Component("demo").check("chatty", chatty)
            """))
    pytester.makepyprojecttoml("[tool.envcheck]\n")
    result = pytester.runpytest_subprocess("-m", "envcheck", "-rA")
    assert result.ret == 1
    out = result.stdout.str()
    assert "using token ***" in out
    assert SECRET not in out


def test_init_dry_run_masks_secrets_already_in_the_file(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(textwrap.dedent(f"""
            [project]
            name = "app"
            version = "0.1.0"
            requires-python = ">=3.11"

            [tool.app]
            database = "postgresql://app:{SECRET}@db:5432/app"
            """))
    done = subprocess.run(
        [sys.executable, "-m", "envcheck.cli.main", "init", "--dry-run"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(pytester.path)},
    )
    assert done.returncode == 0, done.stderr
    assert "--dry-run, nothing written" in done.stdout
    assert SECRET not in done.stdout + done.stderr


def test_placeholders_in_fixes_are_not_masked() -> None:
    from envcheck.core import redact

    hint = "export SRC_ACCESS_TOKEN=... (or give a default: ${SRC_ACCESS_TOKEN:-...})"
    assert redact.clean(hint) == hint
    assert redact.clean("${API_TOKEN:-realsecretvalue}") == "${API_TOKEN:***"
