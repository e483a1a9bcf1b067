"""The Markdown report (also GitHub's step summary), written for a reader who wants to know what
is broken: one line per component, then what to fix (failures first, then warnings), then the
tables (collapsed for components whose checks all passed), and the Mermaid graph last.

Every text that came from a check (server answers, error pages) is escaped: it is shown, never
rendered as HTML or Markdown. Hints are shown as code, their own backtick spans kept as code.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from envcheck.core import redact
from envcheck.core.format import (
    LABEL,
    by_component,
    component_status,
    counts,
    duration,
    evidence,
    facts_line,
    needs_fixing,
    slowest,
)

ICON = {"pass": "✅", "fail": "❌", "warn": "⚠️", "skip": "⏭️"}
_COLOURS = {
    "pass": "fill:#dafbe1,stroke:#1a7f37,color:#1a7f37",
    "fail": "fill:#ffebe9,stroke:#cf222e,color:#cf222e",
    "warn": "fill:#fff8c5,stroke:#9a6700,color:#9a6700",
    "skip": "fill:#f6f8fa,stroke:#6e7781,color:#6e7781",
}
_WORDS = {"fail": "failed", "warn": "warned", "pass": "passed", "skip": "skipped"}
#: Markdown punctuation that could start emphasis, code, links, tables or strikethrough
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")
_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def text(value: Any) -> str:
    """Untrusted text for one line of Markdown: control characters gone, HTML shown as text,
    Markdown punctuation escaped, line breaks as spaces."""
    shown = html.escape(redact.clean(value), quote=False)
    return _MARKDOWN.sub(r"\\\1", shown).replace("\r", " ").replace("\n", " ")


def code(value: Any) -> str:
    """``value`` as one inline code span, however many backticks it holds."""
    body = redact.clean(value).replace("\r", " ").replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body.strip() else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def hint(value: Any) -> str:
    """A fix: a plain command as code; prose with backtick spans as text with those spans as
    code (``run `poetry install` here``)."""
    raw = redact.clean(value)
    if "`" not in raw:
        return code(raw)
    parts, end = [], 0
    for match in _CODE.finditer(raw):
        parts += [text(raw[end : match.start()]), code(match.group(2).strip() or match.group(2))]
        end = match.end()
    parts.append(text(raw[end:]))
    return "".join(parts)


def _cell(value: Any) -> str:
    return text(value)


def _tally(group: Sequence[Mapping[str, Any]]) -> str:
    tally = ", ".join(f"{n} {_WORDS[status]}" for status, n in counts(group).items() if n)
    # a pass from a recording or the mock is not a live one: say how many, as the terminal does
    seen = [r.get("evidence") for r in group if r["status"] in ("pass", "warn")]
    other = ", ".join(f"{seen.count(k)} {k}" for k in ("replayed", "mocked") if k in seen)
    return f"{tally} ({other})" if other else tally


def render(document: Mapping[str, Any]) -> str:
    checks = document["checks"]
    tally = document["summary"]
    machine, python = document["machine"], document["python"]
    lines = [
        "# envcheck report",
        "",
        f"Generated {document['generated_at']} on {code(machine['hostname'])} "
        f"({text(machine['system'])} {text(machine['release'])}, {text(machine['machine'])}), "
        f"Python {text(python['version'])}.",
        "",
        f"**{tally['total']} checks: {tally['pass']} passed, {tally['warn']} warned, "
        f"{tally['fail']} failed, {tally['skip']} skipped.**",
        "",
    ]
    grouped = by_component(checks)
    for component, group in grouped.items():
        status = component_status(group)
        slow = slowest(group)
        took = f"; slowest {code(slow['name'])} ({duration(slow['duration'])})" if slow else ""
        lines.append(
            f"- {ICON[status]} **{text(component)}** {LABEL[status]}: {_tally(group)}{took}"
        )
    lines.append("")
    fixes = needs_fixing(checks)
    if fixes:
        lines += ["## How to fix", ""]
        for r in fixes:
            lines.append(
                f"- {ICON[r['status']]} **{text(r['id'])}** ({r['status']}): {text(r['summary'])}"
            )
            if r.get("why"):
                lines.append(f"  - why: {text(r['why'])}")
            if r.get("hint"):
                lines.append(f"  - fix: {hint(r['hint'])}")
        lines.append("")
    if document.get("fixes"):
        lines += ["## Fixes (envcheck fix)", ""]
        for fix in document["fixes"]:
            done = "applied" if fix["applied"] else "not applied"
            healed = f"; healed {', '.join(map(code, fix['healed']))}" if fix["healed"] else ""
            why = f" ({text(fix['reason'])})" if fix.get("reason") else ""
            lines.append(f"- {', '.join(map(code, fix['checks']))}: {done}{why}{healed}")
            for step in fix["steps"]:
                outcome = "ok" if step["ok"] else f"failed (exit code {step['exit_code']})"
                lines.append(f"  - {code(step['text'])}: {outcome}")
        lines.append("")
    for component, group in grouped.items():
        table = _table(group)
        if component_status(group) == "pass":
            summary = f"{ICON['pass']} {html.escape(redact.clean(component))}: {_tally(group)}"
            lines += [f"<details><summary>{summary}</summary>", "", *table, "", "</details>", ""]
        else:
            lines += [f"## {text(component)}", "", *table, ""]
    lines += ["## Graph", "", *mermaid(checks), ""]
    return "\n".join(lines)


def _table(group: Sequence[Mapping[str, Any]]) -> list[str]:
    rows = [
        "| Status | Check | Summary | Facts | Duration | Evidence |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in group:
        name = code(r["name"]).replace("|", "\\|")  # a pipe ends the cell, even in code
        rows.append(
            f"| {ICON[r['status']]} {LABEL[r['status']]} | {name} "
            f"| {_cell(r['summary'])} | {_cell(facts_line(r.get('facts') or {}))} "
            f"| {duration(r['duration'])} | {_cell(evidence(r))} |"
        )
    return rows


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


def _label(value: str) -> str:
    shown = redact.clean(value).replace("\n", " ").replace("`", "#96;")
    return shown.replace('"', "#quot;")
