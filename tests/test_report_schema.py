"""The JSON report's published schema: shipped in the package, valid, and what envcheck writes
follows it (tests/conftest.py also validates every report any test writes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from envcheck.core.model import CheckResult, Status
from envcheck.report import files
from tests.conftest import reports_against_schema

ROOT = Path(__file__).resolve().parent.parent

PLUGIN = """
import envcheck

@envcheck.hookimpl
def envcheck_checks(config):
    def base(ctx):
        ctx.fact("ratio", float("nan"))
        return envcheck.ok("up", version="1.0")

    def broken(ctx):
        raise envcheck.CheckFailed("down", why="it is down", hint="start it")

    yield envcheck.Check(name="base", component="kafka", run=base, description="the base")
    yield envcheck.Check(name="topics", component="kafka", run=broken, depends_on=["base"])
    yield envcheck.Check(name="lag", component="kafka", run=lambda ctx: None,
                         depends_on=["topics"])
"""


def test_the_schema_is_shipped_and_valid() -> None:
    schema = files.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"]["const"] == files.SCHEMA_VERSION
    # every field of a check is described
    check = schema["$defs"]["check"]
    assert set(check["required"]) == set(check["properties"])
    assert all(p.get("description") for p in check["properties"].values())


def test_the_readme_links_the_schema_and_documents_every_top_level_field() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "src/envcheck/report/envcheck-report.schema.json" in readme
    for field in files.schema()["required"]:
        assert f"`{field}`" in readme, field


def test_a_report_with_every_kind_of_result_follows_the_schema(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PLUGIN)
    result = pytester.runpytest_inprocess("--envcheck-report", "-m", "kafka")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    [(path, problems)] = reports_against_schema(pytester.path)
    assert problems == []
    document = json.loads(path.read_text())
    checks = {c["name"]: c for c in document["checks"]}
    assert checks["base"]["description"] == "the base"
    assert checks["base"]["facts"]["ratio"] == "nan"  # strict JSON: no NaN literal
    assert checks["topics"]["evidence"] == "live"  # a failed check that ran observed something
    assert checks["lag"]["evidence"] is None and checks["lag"]["blocked_by"] == "kafka/topics"


def test_depends_on_may_name_a_check_that_was_deselected(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PLUGIN)
    pytester.runpytest_inprocess("--envcheck-report", "-k", "topics")
    [(path, problems)] = reports_against_schema(pytester.path)
    assert problems == []
    [topics] = json.loads(path.read_text())["checks"]
    assert topics["depends_on"] == ["kafka/base"]  # as declared; kafka/base ran but has no item


def _document() -> dict[str, object]:
    results = [
        CheckResult("k/base", "k", "base", Status.PASS, "up", evidence="live"),
        CheckResult("k/topics", "k", "topics", Status.FAIL, "down", evidence="replayed"),
        CheckResult("k/lag", "k", "lag", Status.SKIP, "blocked", blocked_by="k/topics"),
    ]
    return files.build_document([r.to_dict() for r in results])


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda d: None, None),
        (lambda d: d.pop("envcheck_version"), "'envcheck_version' is a required property"),
        (lambda d: d.update(extra=1), "Additional properties are not allowed"),
        (lambda d: d["checks"][0].update(status="ok"), "'ok' is not one of"),
        (lambda d: d["checks"][0].update(evidence=None), "None is not one of"),
        (lambda d: d["checks"][2].update(evidence="live"), "None was expected"),
        (lambda d: d["checks"][0].update(blocked_by="k/x"), "'skip' was expected"),
        (lambda d: d.update(generated_at="yesterday"), "does not match"),
    ],
)
def test_the_schema_rejects_what_is_not_a_report(change: Any, complaint: str | None) -> None:
    document = _document()
    change(document)
    validator = jsonschema.Draft202012Validator(files.schema())
    messages = [e.message for e in validator.iter_errors(document)]
    if complaint is None:
        assert messages == []
    else:
        assert any(complaint in m for m in messages), messages
