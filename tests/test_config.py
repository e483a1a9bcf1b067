"""``[tool.envcheck]``: mistakes end the run as usage errors that name the key and the fix."""

from __future__ import annotations

from collections.abc import Callable

import pytest

WriteConfig = Callable[[str], None]

KAFKA_PLUGIN = """
import pydantic
import envcheck


class KafkaConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    brokers: list[str]
    url: str = "kafka://localhost"

@envcheck.hookimpl
def envcheck_config_sections():
    return {"kafka": KafkaConfig}

@envcheck.hookimpl
def envcheck_checks(config):
    section = config.section("kafka")
    if section is None:
        return
    def reach(ctx):
        url = ctx.resolve(section.url, secret=True, key="tool.envcheck.kafka.url")
        return envcheck.ok(f"reached {url} with {len(section.brokers)} brokers")
    yield envcheck.Check(name="reach", component="kafka", run=reach)
"""


def test_typo_names_the_dotted_key_and_the_closest_valid_key(
    pytester: pytest.Pytester, write_config: WriteConfig
) -> None:
    write_config("""
        [tool.envcheck.venv]
        pythn = ">=3.11"
        """)
    result = pytester.runpytest_inprocess("-m", "venv")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*invalid configuration in*pyproject.toml*",
            "*tool.envcheck.venv.pythn: unknown key; did you mean 'python'?",
        ]
    )
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_wrong_type_says_what_was_expected(
    pytester: pytest.Pytester, write_config: WriteConfig
) -> None:
    write_config("""
        [tool.envcheck.venv]
        require_venv = "yes please"
        packages = "django"
        """)
    result = pytester.runpytest_inprocess("-m", "envcheck")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*tool.envcheck.venv.require_venv: input should be a valid boolean*(got 'yes please')",
            "*tool.envcheck.venv.packages: input should be a valid list*",
        ]
    )


def test_unknown_section_suggests_the_component(
    pytester: pytest.Pytester, write_config: WriteConfig
) -> None:
    write_config("""
        [tool.envcheck.vnev]
        python = ">=3.11"
        """)
    result = pytester.runpytest_inprocess("-m", "envcheck")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "tool.envcheck.vnev: unknown section; did you mean [tool.envcheck.venv]?"
        in result.stderr.str()
    )


def test_bad_specifier_and_malformed_reference(
    pytester: pytest.Pytester, write_config: WriteConfig
) -> None:
    write_config("""
        [tool.envcheck.venv]
        python = "three point eleven"
        packages = ["${DJANGO_SPEC"]
        """)
    result = pytester.runpytest_inprocess("-m", "envcheck")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*tool.envcheck.venv.packages.0: malformed environment reference '${DJANGO_SPEC': "
            "write ${NAME} or ${NAME:-default}",
            "*tool.envcheck.venv.python: 'three point eleven' is not a version "
            "specifier like '>=3.11,<3.12'*",
        ]
    )


def test_not_valid_toml_names_the_file(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject="[tool.envcheck.venv\npython = 3\n")
    result = pytester.runpytest_inprocess("-m", "envcheck")
    # pytest itself reads pyproject.toml first and reports the broken file
    assert result.ret != pytest.ExitCode.OK
    assert "pyproject.toml" in result.stderr.str() + result.stdout.str()


def test_help_still_works_with_a_broken_configuration(
    pytester: pytest.Pytester, write_config: WriteConfig
) -> None:
    write_config("[tool.envcheck.venv]\npythn = 1\n")
    result = pytester.runpytest_inprocess("--help")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*--envcheck-report*"])


def test_plugin_sections_are_validated_the_same_way(
    pytester: pytest.Pytester, write_config: WriteConfig
) -> None:
    pytester.makeconftest(KAFKA_PLUGIN)
    write_config("""
        [tool.envcheck.kafka]
        brokers = "localhost:9092"
        ulr = "kafka://x"
        """)
    result = pytester.runpytest_inprocess("-m", "kafka")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*tool.envcheck.kafka.brokers: input should be a valid list*",
            "*tool.envcheck.kafka.ulr: unknown key; did you mean 'url'?",
        ]
    )


def test_environment_references_resolve_when_the_check_runs_and_are_never_echoed(
    pytester: pytest.Pytester, write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(KAFKA_PLUGIN)
    write_config("""
        [tool.envcheck.kafka]
        brokers = ["a", "b"]
        url = "${KAFKA_URL:-kafka://fallback-host}"
        """)
    monkeypatch.setenv("KAFKA_URL", "kafka://admin:s3cr3t-pw@broker.internal")
    result = pytester.runpytest_inprocess("-m", "kafka", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*reached *** with 2 brokers*"])
    assert "s3cr3t-pw" not in result.stdout.str()
    assert "broker.internal" not in result.stdout.str()

    monkeypatch.delenv("KAFKA_URL")
    result = pytester.runpytest_inprocess("-m", "kafka", "-v")
    result.stdout.fnmatch_lines(["*reached kafka://fallback-host with 2 brokers*"])


def test_missing_variable_fails_the_check_naming_it(
    pytester: pytest.Pytester, write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(KAFKA_PLUGIN)
    write_config("""
        [tool.envcheck.kafka]
        brokers = ["a"]
        url = "${KAFKA_URL}"
        """)
    monkeypatch.delenv("KAFKA_URL", raising=False)
    result = pytester.runpytest_inprocess("-m", "kafka")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*kafka/reach: tool.envcheck.kafka.url refers to ${KAFKA_URL}, which is not set",
            "*fix: export KAFKA_URL=... (or give a default: ${KAFKA_URL:-...})",
        ]
    )


def test_config_file_option(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(KAFKA_PLUGIN)
    pytester.makefile(".toml", envcheck='[kafka]\nbrokers = ["x", "y", "z"]\n')
    result = pytester.runpytest_inprocess("--envcheck-config", "envcheck.toml", "-m", "kafka", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*with 3 brokers*"])

    result = pytester.runpytest_inprocess("--envcheck-config", "nope.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--envcheck-config nope.toml: no such file*"])
