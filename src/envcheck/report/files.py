"""The report files: Markdown for people, JSON for machines, and GitHub's step summary."""

from __future__ import annotations

import datetime
import html
import json
import math
import os
import platform
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from envcheck import redact
from envcheck.config import in_ci
from envcheck.report._common import LABEL, by_component, counts, duration, evidence, facts_line

SCHEMA_VERSION = 1
#: the JSON Schema of the report, next to this module (:func:`schema`)
SCHEMA_FILE = "envcheck-report.schema.json"
_ICON = {"pass": "✅", "fail": "❌", "warn": "⚠️", "skip": "⏭️"}
_COLOURS = {
    "pass": "fill:#dafbe1,stroke:#1a7f37,color:#1a7f37",
    "fail": "fill:#ffebe9,stroke:#cf222e,color:#cf222e",
    "warn": "fill:#fff8c5,stroke:#9a6700,color:#9a6700",
    "skip": "fill:#f6f8fa,stroke:#6e7781,color:#6e7781",
}


def build_document(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The JSON report (schema version :data:`SCHEMA_VERSION`)."""
    try:
        version = metadata.version("envcheck")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        version = "unknown"
    document = {
        "schema": "envcheck-report",
        "schema_version": SCHEMA_VERSION,
        "envcheck_version": version,
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "hostname": platform.node(),
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
        },
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
            "virtualenv": sys.prefix if sys.prefix != sys.base_prefix else None,
        },
        "ci": in_ci(),
        "summary": {**counts(results), "total": len(results)},
        "checks": [dict(result) for result in results],
    }
    # secrets masked and control characters removed in every string (also the Markdown's source)
    redacted: dict[str, Any] = _jsonable(redact.clean_any(document))
    return redacted


def dumps(document: Mapping[str, Any]) -> str:
    """The JSON text of a report: strict JSON (no NaN), UTF-8 safe."""
    return json.dumps(_jsonable(document), indent=2, allow_nan=False) + "\n"


def schema() -> dict[str, Any]:
    """The JSON Schema of the report (``envcheck-report.schema.json``, shipped in the package)."""
    from importlib import resources

    text = resources.files("envcheck.report").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _jsonable(value: Any) -> Any:
    """Whatever a result holds as strict JSON: non-finite floats and unencodable text (lone
    surrogates from undecodable file names) become text, anything else unknown its ``str``."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, Mapping):
        return {str(_jsonable(str(k))): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return _jsonable(str(value))


def _cell(text: Any) -> str:
    # server text (an HTML error page) is shown, never rendered as markup
    shown = html.escape(str(text if text is not None else ""), quote=False)
    return shown.replace("|", "\\|").replace("\n", " ")


def render_markdown(document: Mapping[str, Any]) -> str:
    checks = document["checks"]
    tally = document["summary"]
    machine, python = document["machine"], document["python"]
    lines = [
        "# envcheck report",
        "",
        f"Generated {document['generated_at']} on `{machine['hostname']}` "
        f"({machine['system']} {machine['release']}, {machine['machine']}), "
        f"Python {python['version']}.",
        "",
        f"**{tally['total']} checks: {tally['pass']} passed, {tally['warn']} warned, "
        f"{tally['fail']} failed, {tally['skip']} skipped.**",
        "",
    ]
    for component, group in by_component(checks).items():
        lines += [
            f"## {component}",
            "",
            "| Status | Check | Summary | Facts | Duration | Evidence |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for r in group:
            lines.append(
                f"| {_ICON[r['status']]} {LABEL[r['status']]} | `{r['name']}` "
                f"| {_cell(r['summary'])} | {_cell(facts_line(r.get('facts') or {}))} "
                f"| {duration(r['duration'])} | {_cell(evidence(r))} |"
            )
        lines.append("")
    fixes = [r for r in checks if r["status"] in ("fail", "warn") and (r.get("hint") or r["why"])]
    if fixes:
        lines += ["## How to fix", ""]
        for r in fixes:
            why = f" — {_cell(r['why'])}" if r.get("why") else ""
            fix = f"\n  - fix: `{r['hint']}`" if r.get("hint") else ""
            lines.append(f"- **{r['id']}** ({r['status']}): {_cell(r['summary'])}{why}{fix}")
        lines.append("")
    lines += ["## Graph", "", *mermaid(checks), ""]
    return "\n".join(lines)


def mermaid(checks: Sequence[Mapping[str, Any]]) -> list[str]:
    """A Mermaid flowchart: components, their checks and dependencies, coloured by status."""
    ids = {r["id"]: f"n{i}" for i, r in enumerate(checks)}
    lines = ["```mermaid", "flowchart LR"]
    for c, (component, group) in enumerate(by_component(checks).items()):
        lines.append(f'  subgraph c{c}["{_label(component)}"]')
        for r in group:
            lines.append(f'    {ids[r["id"]]}["{_label(r["name"])}"]:::{r["status"]}')
        lines.append("  end")
    for r in checks:
        for dep in r.get("depends_on") or []:
            if dep in ids:
                lines.append(f"  {ids[dep]} --> {ids[r['id']]}")
    lines += [f"  classDef {status} {style}" for status, style in _COLOURS.items()]
    lines.append("```")
    return lines


def _label(text: str) -> str:
    return text.replace('"', "#quot;")


def _target(config: pytest.Config, target: str | None) -> Path:
    base = Path(target or "envcheck-report")
    if base.suffix in (".md", ".json"):
        base = base.with_suffix("")
    return base if base.is_absolute() else config.invocation_params.dir / base


def write_all(
    config: pytest.Config, results: Sequence[Mapping[str, Any]], target: str | None
) -> list[Path]:
    """Write the Markdown and JSON reports (when asked) and GitHub's step summary (when set)."""
    document = build_document(results)
    markdown = render_markdown(document)
    written: list[Path] = []
    if target:
        base = _target(config, target)
        base.parent.mkdir(parents=True, exist_ok=True)
        md, js = base.with_name(base.name + ".md"), base.with_name(base.name + ".json")
        md.write_text(markdown, encoding="utf-8")
        js.write_text(dumps(document), encoding="utf-8")
        written += [md, js]
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and results:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    return written
