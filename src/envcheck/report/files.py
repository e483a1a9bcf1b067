"""The report files: Markdown for people, JSON for machines, and GitHub's step summary."""

from __future__ import annotations

import datetime
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

from envcheck.core import redact
from envcheck.core.config import in_ci
from envcheck.core.format import counts

SCHEMA_VERSION = 1
#: the JSON Schema of the report, next to this module (:func:`schema`)
SCHEMA_FILE = "envcheck-report.schema.json"


def build_document(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The JSON report (schema version :data:`SCHEMA_VERSION`)."""
    try:
        version = metadata.version("pytest-envcheck")
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
        "summary": {**counts(results), "total": len(results), **_not_live(results)},
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


def render_markdown(document: Mapping[str, Any]) -> str:
    """The Markdown report of a document made by :func:`build_document`."""
    from envcheck.report import markdown

    return markdown.render(document)


def _target(config: pytest.Config, target: str | None) -> Path:
    base = Path(target or "envcheck-report")
    if base.suffix in (".md", ".json"):
        base = base.with_suffix("")
    return base if base.is_absolute() else config.invocation_params.dir / base


def write_all(
    config: pytest.Config, results: Sequence[Mapping[str, Any]], target: str | None
) -> tuple[list[Path], list[str]]:
    """Write the Markdown and JSON reports (when asked) and GitHub's step summary (when set).

    Returns the files written and what could not be written. Each file is written to a temporary
    name and renamed, so a full disk or a size limit leaves no truncated report: a file that cannot
    be written is named with the reason, and never changes the checks' exit code."""
    document = build_document(results)
    markdown = render_markdown(document)
    written: list[Path] = []
    problems: list[str] = []
    if target:
        base = _target(config, target)
        md, js = base.with_name(base.name + ".md"), base.with_name(base.name + ".json")
        for path, text in ((md, markdown), (js, dumps(document))):
            problem = write_atomically(path, text)
            if problem is None:
                written.append(path)
            else:
                problems.append(f"could not write the report {path}: {problem}")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and results:
        try:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(markdown + "\n")
        except OSError as exc:
            problems.append(
                f"could not append to GITHUB_STEP_SUMMARY ({summary}): {exc.strerror or exc}; "
                "the checks' results are unchanged"
            )
    return written, problems


def write_atomically(path: Path, text: str) -> str | None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and a rename;
    the reason it failed (nothing partial is left), or ``None``."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        try:
            temporary.unlink(missing_ok=True)
        except OSError:
            pass
        return f"[Errno {exc.errno}] {exc.strerror}" if exc.errno else str(exc)
    return None


def _not_live(results: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """How many passes and warnings came from a recording (``replayed``) or envcheck's mock
    (``mocked``), not from the live service; only those that occurred."""
    seen = [r.get("evidence") for r in results if r.get("status") in ("pass", "warn")]
    return {kind: seen.count(kind) for kind in ("replayed", "mocked") if kind in seen}
