"""The plugin contract: a team adds checks from a conftest.py or an installed package."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

WriteConfig = Callable[[str], None]

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_example() -> str:
    """The first Python block of the README's "Write a plugin" section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Write a plugin") :]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_example_from_a_conftest(pytester: pytest.Pytester) -> None:
    from tests.servers import free_port

    example = readme_example()
    assert '"localhost", 9092' in example
    pytester.makeconftest(example.replace('"localhost", 9092', f'"127.0.0.1", {free_port()}'))
    pytester.makepyfile(test_app="def test_app():\n    pass\n")
    result = pytester.runpytest_inprocess("-m", "kafka", "--strict-markers")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(
        ["*kafka/broker-reachable: connection refused at 127.0.0.1:*", "*fix: docker start kafka"]
    )


def _install_package(site: Path) -> None:
    """A real installed distribution (dist-info + entry point), as pip would leave it."""
    (site / "envcheck_kafka.py").write_text(textwrap.dedent("""
            import pydantic
            import envcheck

            class KafkaConfig(pydantic.BaseModel):
                brokers: list[str]

            @envcheck.hookimpl
            def envcheck_config_sections():
                return {"kafka": KafkaConfig}

            @envcheck.hookimpl
            def envcheck_checks(config):
                section = config.section("kafka")
                if section is None:
                    return
                def brokers(ctx):
                    return envcheck.ok(f"{len(section.brokers)} brokers configured")
                yield envcheck.Check(name="brokers", component="kafka", run=brokers)
            """))
    info = site / "envcheck_kafka-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: envcheck-kafka\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[envcheck]\nkafka = envcheck_kafka\n")
    (info / "RECORD").write_text("")


def test_installed_package_entry_point(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, write_config: WriteConfig
) -> None:
    site = pytester.mkdir("site")
    _install_package(site)
    monkeypatch.setenv("PYTHONPATH", str(site))
    write_config('[tool.envcheck.kafka]\nbrokers = ["a:9092", "b:9092"]\n')
    result = pytester.runpytest_subprocess("-m", "kafka", "-v", "--strict-markers")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["envcheck::kafka::brokers PASSED*", "*PASS  brokers  2 brokers configured*"]
    )


def test_invalid_hook_implementation_names_plugin_and_hook(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import envcheck

        @envcheck.hookimpl
        def envcheck_checks(cfg):
            return []
        """)
    result = pytester.runpytest_inprocess("-m", "envcheck")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*envcheck: invalid hook implementation in *conftest.py: Plugin 'conftest' for hook "
            "'envcheck_checks' hookimpl definition: envcheck_checks(cfg) Argument(s) {'cfg'} are "
            "declared in the hookimpl but can not be found in the hookspec"
        ]
    )


def test_yielding_something_else_than_a_check(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import envcheck

        @envcheck.hookimpl
        def envcheck_checks(config):
            yield "broker-reachable"
        """)
    result = pytester.runpytest_inprocess("-m", "envcheck")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*yielded 'broker-reachable'; yield envcheck.Check(...) objects"])


def test_unknown_dependency_and_cycles_are_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import envcheck

        @envcheck.hookimpl
        def envcheck_checks(config):
            yield envcheck.Check(name="a", component="kafka", run=lambda ctx: None,
                                 depends_on=["b"])
            yield envcheck.Check(name="b", component="kafka", run=lambda ctx: None,
                                 depends_on=["a"])
        """)
    result = pytester.runpytest_inprocess("-m", "envcheck")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*checks depend on each other in a cycle: kafka/a -> kafka/b -> kafka/a"]
    )


def test_a_plugin_that_raises_is_named_in_one_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import envcheck

        @envcheck.hookimpl
        def envcheck_checks(config):
            section = config.section("kafka")
            yield envcheck.Check(name="brokers", component="kafka", run=lambda ctx: None,
                                 timeout=section.timeout)
        """)
    pytester.makepyfile(test_app="def test_app():\n    pass\n")
    result = pytester.runpytest_inprocess("-m", "kafka")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: envcheck: the plugin */conftest.py failed in envcheck_checks: AttributeError:"
            " 'NoneType' object has no attribute 'timeout' at */conftest.py:7",
            "  fix that plugin (or run without it: -p no:envcheck disables every envcheck check)",
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
