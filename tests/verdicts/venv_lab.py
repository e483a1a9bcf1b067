"""Real Poetry projects and virtualenvs for the venv verdict table (``docs/verdicts/venv.md``).

Everything is made by the tests: local wheels (no index), Poetry projects locked and installed
by the real Poetry with its cache in a temporary directory, virtualenvs of this machine's
Pythons. envcheck runs in a separate process (``python -m pytest --envcheck-only``) of the
environment a scenario chooses, and its JSON report is what the table is checked against; a
fix is applied step by step through ``envcheck.engine.fixer.apply_step``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from envcheck.core.config import EnvcheckConfig, Settings
from envcheck.core.fix import Command, Edit, Manual, Step, StepResult
from envcheck.engine.fixer import apply_step
from envcheck.engine.registry import make_plugin_manager
from tests.throwaway import make_venv, make_wheel, relocate_venv

REPO = Path(__file__).resolve().parents[2]
POETRY = shutil.which("poetry") or str(REPO / ".tools" / "poetry" / "bin" / "poetry")
WHEELS = ("demo-alpha", "demo-beta", "demo-gamma", "demo-win", "demo-dev", "demo-doc")
PROJECT = """
[project]
name = "demo-app"
version = "0.1.0"
requires-python = ">=3.11"
dynamic = ["dependencies"]

[tool.poetry]
package-mode = false

[tool.poetry.dependencies]
demo-alpha = {{ path = "{wheels}/demo_alpha-1.0-py3-none-any.whl" }}
demo-beta = {{ path = "{wheels}/demo_beta-1.0-py3-none-any.whl" }}
demo-gamma = {{ path = "{wheels}/demo_gamma-1.0-py3-none-any.whl" }}

[tool.poetry.dependencies.demo-win]
path = "{wheels}/demo_win-1.0-py3-none-any.whl"
markers = "sys_platform == 'win32'"

[tool.poetry.group.dev.dependencies]
demo-dev = {{ path = "{wheels}/demo_dev-1.0-py3-none-any.whl" }}

[tool.poetry.group.docs]
optional = true

[tool.poetry.group.docs.dependencies]
demo-doc = {{ path = "{wheels}/demo_doc-1.0-py3-none-any.whl" }}

[tool.envcheck.venv]
{envcheck}
"""


#: the suite's own pytest plugins, which every lab environment sees through its ``.pth`` and
#: envcheck's run does not need: importing them was a fifth of a run
QUIET = tuple(
    arg
    for name in ("xdist", "xdist.looponfail", "anyio", "hypothesispytest", "pytest_cov")
    + ("langsmith_plugin", "timeout", "platformdirs")
    for arg in ("-p", f"no:{name}")
)


def see_our_packages(python: Path) -> None:
    """Let the environment of ``python`` import this run's pytest and envcheck (behind its own
    packages), as a project that has them as dev dependencies would."""
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    Path(purelib, "zz_envcheck_tests.pth").write_text(f"import site; site.addsitedir({ours!r})\n")


def base_env(poetry_home: Path) -> dict[str, str]:
    """This process's environment for Poetry and envcheck: Poetry on PATH, its cache and envs in
    ``poetry_home``, envs in the project, and never the suite's own VIRTUAL_ENV."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "POETRY_ACTIVE")}
    env["PATH"] = f"{Path(POETRY).parent}{os.pathsep}{env.get('PATH', '')}"
    env["POETRY_CACHE_DIR"] = str(poetry_home)
    env["POETRY_VIRTUALENVS_IN_PROJECT"] = "1"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("CI", None)
    # no keyring: the lab's wheels are local paths, and keyring's backend probing costs every
    # `poetry lock` / `poetry install` three ldconfig + gcc + ld starts
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    return env


def build_template(root: Path, poetry_home: Path) -> Path:
    """A locked, installed Poetry project (``.venv`` in it) whose environment sees pytest and
    envcheck: main demo-alpha, demo-beta -> demo-gamma, demo-win only on Windows; dev group
    demo-dev; optional group docs demo-doc."""
    app = root / "app"
    wheels = app / "wheels"  # inside the project: a copy of it takes them along
    wheels.mkdir(parents=True)
    for name in WHEELS:
        make_wheel(wheels, name, "1.0", requires=("demo-gamma>=1",) if name == "demo-beta" else ())
    (app / "pyproject.toml").write_text(PROJECT.format(wheels="wheels", envcheck=""))
    # one package at a time: Poetry's parallel installer now and then leaves a package without
    # its direct_url.json (PEP 610), which the copies' verdicts read
    env = {**base_env(poetry_home), "POETRY_INSTALLER_PARALLEL": "false"}
    for command in (["lock"], ["install"]):
        subprocess.run([POETRY, *command], cwd=app, check=True, env=env, capture_output=True)
    see_our_packages(app / ".venv" / "bin" / "python")
    return app


class Lab:
    """One scenario's workspace: a copy of the template project, the environments to run
    envcheck in, and the way a fix is applied."""

    def __init__(
        self,
        tmp: Path,
        template: Path,
        poetry_home: Path,
        monkeypatch: pytest.MonkeyPatch,
        other: Path | None = None,
    ) -> None:
        self.tmp = tmp
        self.template = template
        self.wheels = template / "wheels"
        self.poetry_home = poetry_home
        self.env = base_env(poetry_home)
        self.monkeypatch = monkeypatch
        self.app = tmp / "app"
        self._other = other

    # -- projects ------------------------------------------------------------------------
    def project(self, envcheck: str = "", *, env: bool = True, at: Path | None = None) -> Path:
        """A copy of the template project (with its ``.venv`` unless ``env=False``)."""
        target = at or self.app
        ignore = None if env else shutil.ignore_patterns(".venv")
        shutil.copytree(self.template, target, symlinks=True, ignore=ignore)
        if env:
            relocate_venv(target / ".venv", self.template / ".venv")
        self.configure(envcheck, at=target)
        return target

    def configure(self, envcheck: str, *, at: Path | None = None) -> None:
        text = PROJECT.format(wheels="wheels", envcheck=textwrap.dedent(envcheck))
        ((at or self.app) / "pyproject.toml").write_text(text)

    def python(self, at: Path | None = None) -> Path:
        return (at or self.app) / ".venv" / "bin" / "python"

    def other_venv(self) -> Path:
        """A virtualenv outside the project that sees pytest and envcheck (never changed)."""
        if self._other is None:
            self._other = make_venv(self.tmp / "other-venv")
        return self._other

    def poetry(self, *args: str, cwd: Path | None = None, check: bool = True) -> str:
        done = subprocess.run(
            [POETRY, *args],
            cwd=cwd or self.app,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert done.returncode == 0, f"poetry {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout + done.stderr

    def runs(self, argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """``argv`` with the lab's environment, in ``cwd`` (else the scenario's directory)."""
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            cwd=cwd or self.tmp,
            env={**os.environ, **self.env},
            timeout=300,
        )

    def python_says(self, code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """``python -c code`` in the project's environment."""
        return self.runs([str(self.python()), "-c", code], cwd)

    def pip(self, python: Path, *args: str) -> None:
        subprocess.run(
            [str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args],
            check=True,
            env=self.env,
            capture_output=True,
        )

    # -- running envcheck ----------------------------------------------------------------
    def run_env(self) -> dict[str, str]:
        """The environment envcheck runs in (``ENVCHECK_LAB_SRC``: another envcheck's sources,
        to run a scenario against an older version)."""
        environ = dict(self.env)
        if os.environ.get("ENVCHECK_LAB_SRC"):
            environ["PYTHONPATH"] = os.environ["ENVCHECK_LAB_SRC"]
        return environ

    def run(
        self,
        python: Path | str | None = None,
        *args: str,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        drop: Iterable[str] = (),
        argv: list[str] | None = None,
    ) -> dict[str, dict[str, Any]]:
        """envcheck's venv checks run by ``python`` in ``cwd``: the JSON report's checks by id."""
        report = self.tmp / f"report-{len(list(self.tmp.glob('report-*.json')))}"
        environ = {**self.run_env(), **(env or {})}
        for name in drop:
            environ.pop(name, None)
        command = argv or [str(python or self.python()), "-m", "pytest"]
        done = subprocess.run(
            [
                *command,
                # pytest's cache, one per scenario: a run after a fix gets the answers the run
                # before it kept (Poetry's, the parsed lock) only where their inputs did not
                # change, as a user's second `pytest -m venv` does; a first run finds it empty
                "-o",
                f"cache_dir={self.tmp / 'pytest-cache'}",
                *QUIET,
                "--envcheck-only",
                "-m",
                "venv",
                f"--envcheck-report={report}",
                *args,
            ],
            cwd=cwd or self.app,
            env=environ,
            capture_output=True,
            text=True,
            timeout=240,
        )
        path = report.with_suffix(".json")
        assert path.is_file(), f"no report (exit {done.returncode}): {done.stdout}{done.stderr}"
        self.last_output = done.stdout + done.stderr
        checks = json.loads(path.read_text())["checks"]
        return {c["id"]: c for c in checks}

    # -- fixes ---------------------------------------------------------------------------
    def apply(
        self, check: Mapping[str, Any], rootdir: Path | None = None, **env: str
    ) -> list[StepResult]:
        """Apply every step of ``check``'s structured fix, in order, through envcheck's own
        step runner; a manual step is refused (a person does it)."""
        fix = check.get("fix")
        assert fix and fix["steps"], f"{check['id']} has no structured fix: {check}"
        steps = [step_from(s) for s in fix["steps"]]
        assert not any(isinstance(s, Manual) for s in steps), f"manual step in {fix['text']}"
        for name in list(os.environ):
            if name not in self.env:
                self.monkeypatch.delenv(name)
        for name, value in {**self.env, **env}.items():
            self.monkeypatch.setenv(name, value)
        config = EnvcheckConfig({}, Settings(), rootdir or self.app, "test")
        pm = make_plugin_manager()
        # `poetry sync` would try to remove every package the .pth lends the environment (pip
        # refuses, one process each: minutes): lend them only while envcheck runs
        lent = list((rootdir or self.app).glob("**/.venv/lib/python3*/site-packages/zz_*.pth"))
        kept = {pth: pth.read_text() for pth in lent}
        for pth in lent:
            pth.unlink()
        results = []
        try:
            for step in steps:
                result = apply_step(step, config, pm)
                assert result.ok, f"{step.render()}: {result.output}"
                results.append(result)
        finally:
            for pth, text in kept.items():
                if pth.parent.is_dir():
                    pth.write_text(text)
        return results


def step_from(data: Mapping[str, Any]) -> Step:
    """A step of the JSON report's ``fix.steps`` as the object it was made from."""
    needs = frozenset(data.get("needs", ()))
    if data["kind"] == "command":
        return Command(data["argv"], env=data.get("env") or {}, cwd=data.get("cwd"), needs=needs)
    if data["kind"] == "edit":
        return Edit(data["path"], data["format"], data["key"], data["value"], needs=needs)
    if data["kind"] == "manual":
        return Manual(data["text"], ask=data.get("ask"), needs=needs)
    raise AssertionError(f"a venv fix has no {data['kind']} steps: {data}")


def copied_python(minor: str, into: Path) -> Path | None:
    """A standalone copy of this machine's Python ``minor`` (its binary copied, its library
    linked) in ``into``: removing ``into`` later removes that base interpreter for good, as
    ``pyenv uninstall`` or an upgrade does."""
    for root in sorted((Path.home() / ".pyenv" / "versions").glob(f"{minor}.*")):
        binary = root / "bin" / f"python{minor}"
        if binary.is_file():
            (into / "bin").mkdir(parents=True)
            (into / "lib").mkdir()
            shutil.copy2(binary, into / "bin" / f"python{minor}")
            (into / "lib" / f"python{minor}").symlink_to(root / "lib" / f"python{minor}")
            for lib in (root / "lib").glob("libpython*"):
                (into / "lib" / lib.name).symlink_to(lib)
            return into / "bin" / f"python{minor}"
    return None


def base_python() -> Path:
    """This run's base interpreter (no virtualenv)."""
    minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    return Path(sys.base_prefix) / "bin" / f"python{minor}"


def claimed_world(
    prefix: str,
    name: str,
    request: pytest.FixtureRequest,
    worlds: Iterable[str],
    world_of: Mapping[str, str],
    build: Any,
    built: dict[str, dict[str, Any]],
    *,
    other: bool = True,
    template: bool = True,
) -> dict[str, Any]:
    """The result of world ``name`` of a held-out module (``build(name, lab)``, its cases'
    world in ``world_of``), built once per session by whichever pytest-xdist worker claims it
    first (a directory ``<prefix>-<world>`` in the session's shared temporary directory); while
    another worker builds it, this one builds a world of this session's tests nobody claimed.
    ``other``: the lab gets the ``other_venv`` fixture (a second interpreter's virtualenv);
    ``template``: the lab gets the template project (without it, ``lab.project()`` and
    ``lab.wheels`` are not there: the world makes its own environment, and no Poetry install
    builds the template for it)."""
    if name in built:
        return built[name]
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    base = factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    module = request.node.module.__name__ if request.node.module is not None else ""
    wanted = {  # the worlds of the tests this session runs (after -k and the like)
        world_of[str(item.callspec.params["ident"])]
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.module is not None
        and item.module.__name__ == module
        and hasattr(item, "callspec")
        and item.callspec.params.get("ident") in world_of
    }
    order = [name, *(w for w in worlds if w != name and w in wanted)]
    deadline = time.monotonic() + 600
    while not (shared / f"{prefix}-{name}.json").exists():
        for next_world in order:
            if (shared / f"{prefix}-{next_world}.json").exists():
                continue
            try:
                (shared / f"{prefix}-{next_world}").mkdir()
            except FileExistsError:
                continue
            with pytest.MonkeyPatch.context() as monkeypatch:
                lab = Lab(
                    shared / f"{prefix}-{next_world}",
                    (
                        request.getfixturevalue("template")
                        if template
                        else shared / f"{prefix}-{next_world}" / "no-template"
                    ),
                    request.getfixturevalue("poetry_home"),
                    monkeypatch,
                    request.getfixturevalue("other_venv") if other else None,
                )
                result: dict[str, Any] = {"error": "see the test whose worker made it"}
                try:
                    result = build(next_world, lab)
                finally:
                    part = shared / f"{prefix}-{next_world}.part"
                    part.write_text(json.dumps(result))
                    part.rename(shared / f"{prefix}-{next_world}.json")
            break
        else:
            assert time.monotonic() < deadline, f"world {name} was never built"
            time.sleep(0.2)
    built[name] = json.loads((shared / f"{prefix}-{name}.json").read_text())
    return built[name]
