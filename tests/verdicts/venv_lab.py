"""Real Poetry projects and virtualenvs for the venv verdict table (``docs/verdicts/venv.md``).

Everything is made by the tests: local wheels (no index), Poetry projects locked and installed
by the real Poetry with its cache in a temporary directory, virtualenvs of this machine's
Pythons. envcheck runs in a separate process (``python -m pytest --envcheck-only``) of the
environment a scenario chooses, and its JSON report is what the table is checked against; a
fix is applied step by step through ``envcheck.engine.fixer.apply_step``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from envcheck.core.config import EnvcheckConfig, Settings
from envcheck.core.fix import Command, Edit, Manual, Step, StepResult
from envcheck.engine.fixer import apply_step
from envcheck.engine.registry import make_plugin_manager
from tests.throwaway import make_venv, make_wheel, relocate_venv

if TYPE_CHECKING:
    from tests.verdicts.test_heldout_servers import Expect

REPO = Path(__file__).resolve().parents[2]
POETRY = shutil.which("poetry") or str(REPO / ".tools" / "poetry" / "bin" / "poetry")
RUNNER = Path(__file__).with_name("venv_project_runner.py")
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


# -- running the project runner --------------------------------------------------------------


def run(lab: Lab, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``argv`` in the lab's environment (never the suite's VIRTUAL_ENV) with ``env`` over it."""
    environ = {k: v for k, v in lab.env.items() if k not in ("VIRTUAL_ENV", "POETRY_ACTIVE")}
    return subprocess.run(
        argv, capture_output=True, text=True, cwd=lab.tmp, env={**environ, **env}, timeout=300
    )


def run_jobs(
    lab: Lab, jobs: list[dict[str, Any]], name: str, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """The runner over ``jobs`` in the lab's interpreter (one start)."""
    out = lab.tmp / "runs" / f"{name}.json"
    out.parent.mkdir(exist_ok=True)
    out.with_name(f"{name}-jobs.json").write_text(json.dumps(jobs))
    argv = [str(lab.python()), str(RUNNER), str(out.with_name(f"{name}-jobs.json")), str(out)]
    older = os.environ.get("ENVCHECK_LAB_SRC")  # another envcheck's sources (venv_lab's)
    done = run(lab, argv, {**({"PYTHONPATH": older} if older else {}), **(env or {})})
    if not out.is_file():
        return {"crash": f"exit {done.returncode}: {done.stderr[-2000:]}"}
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def poetry_batch(lab: Lab, commands: list[list[str]]) -> list[dict[str, Any]]:
    """``commands`` (each the arguments after ``poetry``) answered by one Poetry process in the
    lab's environment (envcheck's own batch driver), each ``{returncode, stdout, stderr}``."""
    from envcheck.checks.venv import poetry_batch as _batch

    found = _batch.entry_point(POETRY)
    assert found is not None, f"{POETRY} is no standard console script"
    interpreter, module, function = found
    marker = "@venv-lab@"
    argv = [interpreter, "-c", _batch.DRIVER, module, function, POETRY, marker]
    argv += [json.dumps(commands), "200000", "200000"]
    done = run(lab, argv, {"NO_COLOR": "1"})
    replies = _batch._replies(done.stdout, marker)
    assert len(replies) == len(commands), done.stderr[-3000:]
    return [{"returncode": r.returncode, "stdout": r.stdout, "stderr": r.stderr} for r in replies]


def poetry_steps(
    check: Mapping[str, Any], root: Path
) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """The steps of ``check``'s structured fix: the commands before its first Poetry command
    (an ``rm`` of a record: run as they are, in order) and the arguments of each Poetry command
    (``-C`` its ``cwd``, else ``root``; ``env -u VIRTUAL_ENV poetry ...`` counts); every step
    after the first Poetry command must be one."""
    fix = check.get("fix")
    assert fix and fix["steps"], f"{check['id']} has no structured fix: {check}"
    first: list[dict[str, Any]] = []
    commands: list[list[str]] = []
    for step in fix["steps"]:
        argv = step.get("argv") or []
        at = next((i for i, a in enumerate(argv) if Path(a).name == "poetry"), None)
        assert step["kind"] == "command", f"{step} in {fix['text']}"
        if at is None:
            assert not commands, f"{step} after a Poetry command in {fix['text']}"
            first.append(step)
            continue
        commands.append(["-C", str(step.get("cwd") or root), *argv[at + 1 :]])
    assert commands, f"no Poetry command in {fix['text']}"
    return first, commands


# -- a held-out round of projects beside one copy of the lab project -------------------------

Make = Callable[[Lab, Path], "dict[str, str | None]"]
#: a person's edit as a printed fix says (``edit(root, hint)``), returning the Poetry commands
#: the fix says to run after it
Edited = Callable[[Path, str], "list[list[str]]"]


@dataclass(frozen=True)
class Held:
    expect: Expect
    #: makes the project in its directory (:meth:`Round.root_of`); returns its shell's variables
    make: Make
    #: proves it after the run: ``prove(lab, root)`` (``prove(lab, root, found)`` in a round
    #: made with ``prove_found``)
    prove: Callable[..., None] | None = None
    #: check ids (substrings) that must not fail or warn (the healthy neighbours)
    quiet: tuple[str, ...] = ()
    #: a project Poetry keeps: envcheck's Poetry questions about it asked in one Poetry process
    #: for the round (the runner's ``SWEEP_ASK_POETRY``), their answers under ``found["poetry"]``
    poetry: bool = False


def lab_wheel(lab: Lab, name: str) -> Path:
    """The lab's own wheel of ``name`` (version 1.0)."""
    return lab.app / "wheels" / f"{name.replace('-', '_')}-1.0-py3-none-any.whl"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: a probe (:meth:`Round.probed`) that reports the installed versions of ``names`` and runs
#: pip's own ``main`` once per ``ask`` entry (in the directory ``cwd`` names for its key, else
#: where it starts), each answer ``exit <code>`` and what pip printed; for an install with
#: ``--target=<dir>`` also the files of ``<dir>/bin`` (under ``<key>:bin``)
PIP_PROBE = r"""
import contextlib, importlib.metadata, io, json, os, sys
asked = json.loads(open(sys.argv[1]).read())
out = {"versions": {}}
for name in asked["names"]:
    try:
        out["versions"][name] = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        out["versions"][name] = None
from pip._internal.cli.main import main
start = os.getcwd()
for key, args in asked["ask"].items():
    os.chdir(asked["cwd"].get(key, start))
    said, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(err):
            code = main(args)
    except SystemExit as exc:
        code = exc.code
    out[key] = f"exit {code}\n{said.getvalue()}{err.getvalue()}"
    target = [a for a in args if a.startswith("--target=")]
    if target:
        bin_dir = os.path.join(target[0].split("=", 1)[1], "bin")
        out[key + ":bin"] = sorted(os.listdir(bin_dir)) if os.path.isdir(bin_dir) else []
print(json.dumps(out))
"""


def pip_says(
    probed: Callable[[Lab], Mapping[str, Any]], code: int, words: str
) -> Callable[[Lab, Path], None]:
    """The proof of a case whose pip run ``probed`` answers under its directory's name: pip's
    exit code and ``words`` in what it printed."""

    def prove(lab: Lab, root: Path) -> None:
        out = probed(lab)[root.name]
        assert f"exit {code}" in out and words in out, out

    return prove


class Round:
    """A held-out round whose cases are projects made beside one copy of the lab project (its
    environment shared through a ``.venv`` link), judged by one start of that environment's
    interpreter (venv_project_runner.py), some printed fixes run and those projects judged
    again; proofs read one probe of the interpreter (:meth:`probed`)."""

    def __init__(
        self,
        number: int,
        *,
        clear: Iterable[dict[str, Any]] = (),
        prove_found: bool = False,
        after_heal: Callable[[Lab, dict[str, list[str]]], None] | None = None,
        template: bool = True,
    ) -> None:
        self.name = f"venv{number}"
        self.number = number
        self.cases: dict[str, Held] = {}
        #: wheels pip installs into the shared environment (one pip run)
        self.wheels: list[Path] = []
        #: the cases whose printed fix is run, and the check that must pass after it
        self.healed: dict[str, str] = {}
        #: what one start of the environment's interpreter found (:meth:`probed`)
        self.probe: dict[str, Any] = {}
        #: the world as this test process read it (built once per session: claimed_world)
        self.built: dict[str, dict[str, Any]] = {}
        #: the cases whose printed fix is a person's edit (a Manual step), carried out as it
        #: says by ``edit(root, hint)`` (which returns the Poetry commands the fix says to run
        #: after it), and the check that must pass after it
        self.edits: dict[str, tuple[str, Edited]] = {}
        #: Poetry commands run in a case's project before envcheck's questions (a relock),
        #: by its directory's name
        self.before: dict[str, list[list[str]]] = {}
        #: the variables a case's shell keeps while its printed fix runs and it is judged again
        #: (its make's, by case)
        self.heal_env: dict[str, dict[str, str]] = {}
        #: Poetry commands (``-C <root> install`` ...) run in one Poetry process after the
        #: makes, before envcheck's run, and what each case does to its project after them
        #: (:meth:`poetry_first`)
        self.first: list[list[str]] = []
        self.then: list[Callable[[], None]] = []
        #: the cases whose printed fix is Poetry's commands (after commands such as an ``rm``
        #: of a record, run as they are), the Poetry ones run in one Poetry process
        #: before the projects are judged again (a fresh start of the interpreter, as a
        #: person's next ``pytest`` is), and the check that must pass after it
        self.poetry_fixed: dict[str, str] = {}
        self._clear = tuple(clear)
        self._prove_found = prove_found
        self._after_heal = after_heal
        #: the shared environment is a copy of the lab's locked Poetry project's (else a new
        #: virtualenv that sees pytest and envcheck, at the same place: a round whose projects
        #: are all its own needs no template)
        self._template = template

    def case(
        self,
        ident: str,
        expect: Expect,
        prove: Callable[..., None] | None = None,
        quiet: tuple[str, ...] = (),
        poetry: bool = False,
    ) -> Callable[[Make], Make]:
        def register(make: Make) -> Make:
            self.cases[ident] = Held(expect, make, prove, quiet, poetry)
            return make

        return register

    def poetry_first(self, root: Path, *args: str, then: Callable[[], None] | None = None) -> None:
        """``poetry ARGS`` in ``root`` before envcheck's run (one Poetry process for the round,
        after every make and the wheels' install), then ``then`` (what the case changes after
        Poetry's install: a package moved, a script declared)."""
        self.first.append(["-C", str(root), *args])
        if then is not None:
            self.then.append(then)

    def poetry_tree(
        self,
        lab: Lab,
        root: Path,
        files: Mapping[str, str],
        *,
        then: Callable[[], None] | None = None,
    ) -> None:
        """A Poetry project in ``root`` (``files`` its tree by relative path, pyproject.toml
        among them; other projects it names by path may be in it too), its ``.venv`` a link to
        the lab's shared environment, installed by ``poetry install`` in the round's Poetry
        process (which locks it first); then ``then()`` (what the case changes after it)."""
        for relative, text in files.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text)
        (root / ".venv").symlink_to(lab.app / ".venv")
        self.poetry_first(root, "install", then=then)

    def root_of(self, lab: Lab, ident: str) -> Path:
        """The case's project directory, named by its place (``p03``): a name taken from the
        case would lend its words to every path a verdict shows."""
        return lab.tmp / "projects" / f"p{list(self.cases).index(ident):02d}"

    def installed_wheels(self, lab: Lab) -> Path:
        directory = lab.tmp / f"wheels-{self.number}"
        directory.mkdir(exist_ok=True)
        return directory

    def index(self, lab: Lab) -> Path:
        """Wheels pip may find (``--find-links``) and that are not installed."""
        directory = lab.tmp / f"index-{self.number}"
        directory.mkdir(exist_ok=True)
        return directory

    def offline(self, lab: Lab) -> list[str]:
        """pip's options for an offline install from the cases' wheel directories."""
        return [
            "--no-index",
            "--find-links",
            str(self.installed_wheels(lab)),
            "--find-links",
            str(self.index(lab)),
            "--find-links",
            str(lab.app / "wheels"),
        ]

    def probed(self, lab: Lab, script: str, asked: Any) -> dict[str, Any]:
        """What ``script`` printed last (JSON), run once by the environment's interpreter with
        the path of ``asked`` (as JSON) as its argument, after envcheck's run."""
        if not self.probe:
            path = lab.tmp / f"probe-{self.number}.json"
            path.write_text(json.dumps(asked))
            done = run(lab, [str(lab.python()), "-c", script, str(path)], {})
            assert done.returncode == 0, done.stderr[-3000:]
            self.probe.update(json.loads(done.stdout.splitlines()[-1]))
        return self.probe

    def pip_probed(
        self,
        lab: Lab,
        names: Iterable[str],
        ask: Mapping[str, list[str]],
        cwd: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """:data:`PIP_PROBE`'s answers: the versions of ``names`` and pip's runs of ``ask``."""
        asked = {"names": list(names), "ask": dict(ask), "cwd": dict(cwd or {})}
        return self.probed(lab, PIP_PROBE, asked)

    def world(self, request: pytest.FixtureRequest) -> dict[str, Any]:
        """Every case made beside one copy of the lab project, then one run judges them all."""
        return claimed_world(
            self.name,
            "all",
            request,
            ("all",),
            dict.fromkeys(self.cases, "all"),
            self.build,
            self.built,
            other=False,
            template=self._template,
        )

    def build(self, name: str, lab: Lab) -> dict[str, Any]:
        self.wheels.clear()
        self.probe.clear()
        self.heal_env.clear()
        self.before.clear()
        self.first.clear()
        self.then.clear()
        for kept in self._clear:
            kept.clear()
        if self._template:
            lab.project()
        else:
            make_venv(lab.app / ".venv")
        envs = {
            ident: held.make(lab, self.root_of(lab, ident)) for ident, held in self.cases.items()
        }
        if self.wheels:
            lab.pip(lab.python(), "install", "--no-deps", "--no-index", *map(str, self.wheels))
        if self.first:
            for args, reply in zip(self.first, poetry_batch(lab, self.first)):
                assert reply["returncode"] == 0, (args, reply)
        for then in self.then:
            then()
        jobs = [
            {
                "ident": ident,
                "root": str(self.root_of(lab, ident)),
                "env": envs[ident],
                "poetry": held.poetry,
                "before": self.before.get(self.root_of(lab, ident).name),
            }
            for ident, held in self.cases.items()
        ]
        asks = any(held.poetry for held in self.cases.values())
        found = run_jobs(lab, jobs, self.name, {"SWEEP_ASK_POETRY": "1"} if asks else None)
        assert "results" in found, found
        proofs = {}
        for ident, held in self.cases.items():
            try:
                if held.prove is not None:
                    if self._prove_found:
                        held.prove(lab, self.root_of(lab, ident), found)
                    else:
                        held.prove(lab, self.root_of(lab, ident))
            except (AssertionError, KeyError, ValueError, TypeError) as exc:
                proofs[ident] = repr(exc)
        return {"found": found, "proofs": proofs, "healed": self.heal(lab, found)}

    def heal(self, lab: Lab, found: dict[str, Any]) -> dict[str, list[str]]:
        """The printed fixes of the cases in :attr:`healed` run by envcheck's step runner (pip
        offline from the cases' wheel directory: ``PIP_NO_INDEX``, ``PIP_FIND_LINKS``) and the
        persons' edits of :attr:`edits` carried out as their fixes say, then those projects
        judged again by one start of the interpreter (one Poetry process for Poetry's)."""
        out: dict[str, list[str]] = {}
        env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(self.index(lab))}
        jobs: list[dict[str, Any]] = []
        for ident, check_id in self.healed.items():
            check = found["results"][ident].get("checks", {}).get(check_id)
            if check is None or check["status"] == "pass":
                continue
            kept = self.heal_env.get(ident, {})
            try:
                lab.apply(check, rootdir=self.root_of(lab, ident), **{**env, **kept})
            except AssertionError as exc:
                out[ident] = [f"the fix did not apply: {exc}"]
                continue
            jobs.append(
                {
                    "ident": ident,
                    "root": str(self.root_of(lab, ident)),
                    "poetry": False,
                    "env": kept,
                }
            )
        fixed: list[tuple[str, list[str]]] = []
        for ident, check_id in self.poetry_fixed.items():
            check = found["results"][ident].get("checks", {}).get(check_id)
            if check is None or check["status"] == "pass":
                continue
            try:
                first, commands = poetry_steps(check, self.root_of(lab, ident))
                for step in first:
                    done = run(lab, step["argv"], step.get("env") or {})
                    assert done.returncode == 0, f"{step['argv']}: {done.stderr}"
                fixed += [(ident, a) for a in commands]
            except AssertionError as exc:
                out[ident] = [f"the fix is not Poetry's commands: {exc}"]
                continue
            jobs.append(
                {
                    "ident": ident,
                    "root": str(self.root_of(lab, ident)),
                    "poetry": self.cases[ident].poetry,
                }
            )
        failed: dict[str, list[str]] = {}
        if fixed:
            replies = poetry_batch(lab, [args for _, args in fixed])
            for (ident, args), reply in zip(fixed, replies):
                if reply["returncode"] != 0:
                    failed.setdefault(ident, []).append(f"poetry {shlex.join(args)}: {reply}")
        for ident, (check_id, edit) in self.edits.items():
            check = found["results"][ident].get("checks", {}).get(check_id)
            if check is None or check["status"] == "pass":
                continue
            try:
                before = edit(self.root_of(lab, ident), check.get("hint") or "")
            except AssertionError as exc:
                out[ident] = [f"the fix cannot be carried out as it says: {exc}"]
                continue
            jobs.append(
                {
                    "ident": ident,
                    "root": str(self.root_of(lab, ident)),
                    "poetry": self.cases[ident].poetry,
                    "before": before or None,
                }
            )
        if not jobs:
            return out
        asks = any(job["poetry"] for job in jobs)
        again = run_jobs(
            lab, jobs, f"{self.name}-healed", {"SWEEP_ASK_POETRY": "1"} if asks else None
        ).get("results", {})
        wanted = {**self.healed, **{ident: edit[0] for ident, edit in self.edits.items()}}
        wanted.update(self.poetry_fixed)
        for job in jobs:
            ident = str(job["ident"])
            check = again.get(ident, {}).get("checks", {}).get(wanted[ident], {})
            out[ident] = failed.get(ident, [])
            if check.get("status") != "pass":
                out[ident].append(f"after the fix: {check}")
        if self._after_heal is not None:
            self._after_heal(lab, out)
        return out

    def tests(self) -> tuple[Any, Any]:
        """The module's ``world`` fixture and its ``test_venv`` over the cases (made after the
        cases are registered): ``world, test_venv = ROUND.tests()``."""

        @pytest.fixture
        def world(request: pytest.FixtureRequest) -> dict[str, Any]:
            """Every case made beside one copy of the lab project, then one run judges them
            all."""
            return self.world(request)

        @pytest.mark.parametrize("ident", sorted(self.cases))
        def test_venv(ident: str, world: dict[str, Any]) -> None:
            self.judge(ident, world)

        return world, test_venv

    def judge(self, ident: str, world: dict[str, Any]) -> None:
        """Case ``ident`` of the world: proven, no false alarm on its quiet checks, and the
        round-one grading (fully right, its fix executed where the expectation says so)."""
        from tests.verdicts.test_heldout_servers import fully_right_row

        held = self.cases[ident]
        assert "found" in world, world
        assert ident not in world["proofs"], f"not proven: {world['proofs'][ident]}"
        result = world["found"]["results"][ident]
        assert "checks" in result, result
        checks: dict[str, dict[str, Any]] = result["checks"]
        loud = [
            f"{c['id']}: {c['status']}: {c['summary']}"
            for c in checks.values()
            if c["status"] not in ("pass", "skip") and any(q in c["id"] for q in held.quiet)
        ]
        assert not loud, f"wrong (a false alarm): {loud}"
        healed = world["healed"].get(ident, [])
        fixed = (*self.healed, *self.edits, *self.poetry_fixed)
        if held.expect.heals and ident not in fixed:
            healed = [*healed, "no executed fix"]
        fully_right_row("venv", ident, held.expect, list(checks.values()), healed)


# -- Poetry projects of a round: copies of the lab's locked project ---------------------------

#: the checks a Poetry project's configuration is judged by (an expectation's alternatives)
POETRY_CHECKS = "venv/lock-file|venv/project|venv/poetry-env"
#: the checks that must stay quiet on a healthy Poetry neighbour
POETRY_QUIET = ("venv/lock-file", "venv/project", "venv/poetry-env", "venv/lock-drift")


def poetry_project(lab: Lab, root: Path, sources: str = "", local: str | None = None) -> None:
    """A copy of the lab's locked Poetry project in ``root`` (its wheels and ``.venv`` linked)
    with ``sources`` appended to pyproject.toml and ``local`` as its ``poetry.toml``."""
    from tests.verdicts.test_venv_project_sweep import copy_project

    copy_project(lab, root.name)
    if sources:
        pyproject = root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + "\n" + sources)
    if local is not None:
        (root / "poetry.toml").write_text(local)


def poetry_source(name: str, *lines: str, url: str | None = "http://127.0.0.1:9/simple/") -> str:
    """A ``[[tool.poetry.source]]`` table (``url=None``: without a url) with ``lines``."""
    head = f'[[tool.poetry.source]]\nname = "{name}"\n'
    return head + (f'url = "{url}"\n' if url else "") + "".join(f"{line}\n" for line in lines)


def poetry_says(words: str, kinds: Iterable[str] = ("lock", "env")) -> Callable[..., None]:
    """The proof of a Poetry case (a round made with ``prove_found``): Poetry stops on
    envcheck's questions ``kinds`` (``lock``: ``check --lock``; ``env``: ``env info``), ``words``
    in what it said."""

    def prove(lab: Lab, root: Path, found: dict[str, Any]) -> None:
        said = found["poetry"][str(root)]
        for kind in kinds:
            out = said[kind]["stdout"] + said[kind]["stderr"]
            assert said[kind]["returncode"] != 0 and words in out, (kind, said[kind])

    return prove


def poetry_content(lab: Lab, root: Path, found: dict[str, Any]) -> None:
    """The proof of a healthy Poetry case: Poetry answers envcheck's questions (and the
    commands run before them), the lock in step, the environment the project's ``.venv``."""
    said = found["poetry"][str(root)]
    for key in [k for k in said if k.startswith("before")] + ["lock", "env"]:
        assert said[key]["returncode"] == 0, (key, said[key])
    assert said["env"]["stdout"].strip().endswith(".venv"), said["env"]


def person(said: str, old: str, new: str, file: str = "pyproject.toml") -> Edited:
    """A person's edit as a printed fix says it (``said`` and ``file`` in its text): ``old``
    replaced by ``new`` in the project's ``file``, then ``poetry lock`` where the fix says so."""

    def edit(root: Path, hint: str) -> list[list[str]]:
        assert said in hint and file in hint, hint
        path = root / file
        assert old in path.read_text(), path.read_text()
        path.write_text(path.read_text().replace(old, new))
        return [["lock"]] if "poetry lock" in hint else []

    return edit
