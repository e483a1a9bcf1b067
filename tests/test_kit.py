"""The public plugin kit, through the example the docs give: the Kafka plugin of
docs/writing-a-plugin.md, run as a project's conftest.py against each situation it names."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from envcheck import kit
from tests.servers import free_port, garbage_server, silent_listener

DOCS = Path(__file__).resolve().parent.parent / "docs" / "writing-a-plugin.md"
#: ApiVersions v0 answered: size 6, correlation id 1, error code 0 (how a broker's reply starts)
BROKER_REPLY = b"\x00\x00\x00\x06\x00\x00\x00\x01\x00\x00"


def kafka_example() -> str:
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(r"<!-- kafka-example -->\n```python\n(.*?)```", text, re.S)
    assert found, "docs/writing-a-plugin.md lost its kafka-example block"
    return found.group(1)


def test_the_example_is_about_25_lines() -> None:
    code = [
        line
        for line in kafka_example().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert len(code) <= 27


def kafka_project(pytester: pytest.Pytester, bootstrap: str) -> None:
    pytester.makeconftest(kafka_example())
    pytester.makepyprojecttoml(f'[tool.envcheck.kafka]\nbootstrap = "{bootstrap}"\ntimeout = 1.5\n')
    pytester.makepyfile(test_app=textwrap.dedent("""
            def test_uses_the_broker(envcheck_kafka):
                assert envcheck_kafka.bootstrap
            """))


def run(pytester: pytest.Pytester) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-m", "kafka or not envcheck", "-v", "-rs")


def test_a_broker_that_answers_passes_and_the_fixture_hands_it_out(
    pytester: pytest.Pytester,
) -> None:
    with garbage_server(BROKER_REPLY) as port:
        kafka_project(pytester, f"127.0.0.1:{port}")
        result = run(pytester)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"*PASS*reachable*127.0.0.1:{port} answers as Kafka*"])


@pytest.mark.parametrize(
    "situation, expected",
    [
        ("unresolvable", ["*cannot resolve host 'kafka.invalid'*"]),
        (
            "refused",
            ["*connection refused at 127.0.0.1:*", "*start the broker (docker start kafka)*"],
        ),
        ("silent", ["*accepted the connection but did not answer*"]),
        ("http", ["*does not speak the Kafka protocol (it answered 'HTTP/1.1 400*"]),
    ],
)
def test_each_failure_gets_the_built_ins_verdict_and_the_fixture_skips(
    pytester: pytest.Pytester, situation: str, expected: list[str]
) -> None:
    if situation == "unresolvable":
        kafka_project(pytester, "kafka.invalid:9092")
        result = run(pytester)
    elif situation == "refused":
        kafka_project(pytester, f"127.0.0.1:{free_port()}")
        result = run(pytester)
    elif situation == "silent":
        with silent_listener() as port:
            kafka_project(pytester, f"127.0.0.1:{port}")
            result = run(pytester)
    else:
        with garbage_server() as port:
            kafka_project(pytester, f"127.0.0.1:{port}")
            result = run(pytester)
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(expected)
    result.stdout.fnmatch_lines(["*SKIPPED*environment not ready: kafka/reachable*"])
    assert result.ret == 1


def test_a_typo_in_the_plugins_section_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(kafka_example())
    pytester.makepyprojecttoml('[tool.envcheck.kafka]\nbootstrapp = "x:1"\n')
    result = pytester.runpytest_subprocess("-m", "kafka")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*tool.envcheck.kafka.bootstrapp: unknown key*bootstrap*"])


def test_fix_as_steps_reads_as_text_and_rejects_a_shell_string() -> None:
    fix = kit.Fix(
        (
            kit.Command(["docker", "start", "kafka"]),
            kit.Sql("CREATE DATABASE app", role="postgres", needs=frozenset({"superuser"})),
        )
    )
    assert str(fix) == "docker start kafka; then CREATE DATABASE app"
    assert fix.runnable
    assert fix.to_dict()["steps"][1]["where"] == "server"
    assert not kit.Fix((kit.Manual("ask the DBA for a role", ask="your DBA"),)).runnable
    with pytest.raises(ValueError, match="not a shell string"):
        kit.Command("docker start kafka")


def test_component_names_and_dependencies() -> None:
    made = kit.Component("langchain", suffix="[openai]", timeout=2.0, instance="openai")
    check = made.check("client", lambda name, ctx: None, "builds a client", "package")
    assert check.id == "langchain/client[openai]"
    assert check.depends_on == ("package[openai]",)
    assert check.timeout == 2.0
