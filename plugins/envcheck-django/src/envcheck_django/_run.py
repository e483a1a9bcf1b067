"""Runs the probe (``_probe.py``) in one subprocess of the project's interpreter, once per run.

The first check that needs Django's answers starts the process; every other check of the run
waits for the same result (a per-run cache kept in the configuration's ``extra`` dict). Under
pytest-xdist a worker that did not run the process runs it once itself.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envcheck_django._config import SECTION, DjangoConfig, NoSettings, Project, project

from envcheck import CheckFailed, Context, kit

PROBE = Path(__file__).with_name("_probe.py")
_LOCK = threading.Lock()
_CACHE_KEY = "envcheck_django.reports"


@dataclass
class Report:
    """What the probe wrote (``doc``), and how the process ended."""

    project: Project
    doc: dict[str, Any]
    timed_out: bool = False
    seconds: float = 0.0
    stderr: str = ""
    returncode: int | None = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def stage(self) -> str:
        return str(self.doc.get("stage", "start"))

    def reached(self, stage: str) -> bool:
        """Whether the probe got as far as a stage (``"database default"``, ``"cache x"``)."""
        return stage in self.doc.get("timings_ms", {}) or self.stage == stage


def request(cfg: DjangoConfig, found: Project, mode: str = "check") -> dict[str, Any]:
    return {
        "mode": mode,
        "settings": found.settings,
        "project_dir": str(found.directory),
        "databases": cfg.databases,
        "caches": cfg.caches,
        "deploy": cfg.deploy,
        "migrations": cfg.migrations,
    }


def run_probe(req: dict[str, Any], timeout: float) -> tuple[dict[str, Any], bool, str, int | None]:
    """Run the probe; returns (document, timed out, stderr tail, exit status). The tail is the
    last lines of its stderr, each shortened, and says when the stderr was cut (the project's
    code may print without end: envcheck keeps 1 MiB from its start and 64 KiB from its end)."""
    with tempfile.TemporaryDirectory(prefix="envcheck-django-") as tmp:
        out = Path(tmp) / "report.json"
        env = dict(os.environ, DJANGO_SETTINGS_MODULE=req["settings"], PYTHONUNBUFFERED="1")
        ran = kit.run(
            [sys.executable, str(PROBE), json.dumps(req), str(out)],
            timeout=timeout,
            env=env,
            cwd=req["project_dir"],
        )
        try:
            doc = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            doc = {}
    return doc, ran.timed_out, ran.last_lines("stderr"), ran.returncode


def discover(cfg: DjangoConfig, rootdir: Path) -> tuple[list[str], list[str]]:
    """The database and cache aliases to check: as configured, else read from the settings
    module (imported in a short subprocess, without ``django.setup()``). When the settings do not
    import, ``["default"]`` each: the ``settings`` check then explains why."""
    databases, caches = cfg.databases, cfg.caches
    if databases is not None and caches is not None:
        return databases, caches
    try:
        found = project(cfg, rootdir)
        doc, _, _, _ = run_probe(request(cfg, found, "list"), min(cfg.timeout, 15.0))
    except (NoSettings, OSError):
        doc = {}
    if databases is None:
        listed = doc.get("databases")
        databases = list(listed) if isinstance(listed, dict) else ["default"]
    if caches is None:
        listed = doc.get("caches")
        caches = list(listed) if isinstance(listed, dict) else ["default"]
    return databases, caches


class _Slot:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.report: Report | None = None


def report(ctx: Context) -> Report:
    """The run's one report of the probe (run now if no check of this process has yet)."""
    cfg: DjangoConfig = ctx.section
    try:
        found = project(cfg, ctx.rootdir, lambda v: ctx.resolve(v, key=f"{SECTION}.settings"))
    except NoSettings:
        raise CheckFailed(
            "no Django settings module to check",
            why="DJANGO_SETTINGS_MODULE is not set, [tool.envcheck.django] has no settings key "
            "and there is no manage.py that names one",
            hint="export DJANGO_SETTINGS_MODULE=mysite.settings  (or set settings = "
            '"mysite.settings" in [tool.envcheck.django])',
        ) from None
    req = request(cfg, found)
    key = json.dumps(req, sort_keys=True)
    with _LOCK:
        slots: dict[str, _Slot] = ctx.config.extra.setdefault(_CACHE_KEY, {})
        slot = slots.setdefault(key, _Slot())
    with slot.lock:
        if slot.report is None:
            started = time.monotonic()
            doc, timed_out, stderr, code = run_probe(req, cfg.timeout)
            slot.report = Report(found, doc, timed_out, time.monotonic() - started, stderr, code)
        return slot.report
