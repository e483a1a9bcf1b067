"""The venv component's fixes as data (:class:`envcheck.kit.Fix`): Poetry and pip commands as
argv, in the project's directory, and the ways to (re)install Poetry that this machine has.

A ``poetry`` command run from a shell whose ``VIRTUAL_ENV`` is stale acts on that environment
(Poetry recreates the project's ``.venv`` when it names a removed one), so every Poetry step is
then ``env -u VIRTUAL_ENV poetry ...``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from packaging.specifiers import SpecifierSet

from envcheck.checks.venv import diagnose as _diagnose
from envcheck.checks.venv import pipconf as _pipconf
from envcheck.checks.venv import project as _project
from envcheck.checks.venv import pythons as _pythons
from envcheck.core.fix import Command, Edit, Fix, Manual, Step
from envcheck.core.model import CheckFailed, Context, FactValue

#: how long a Poetry step of a fix may take (an install resolves and downloads)
POETRY_TIMEOUT = 600.0


def poetry(root: Path, rootdir: Path, *args: str) -> Command:
    """``poetry ARGS`` in the project ``root`` (``cwd`` only when it is not pytest's rootdir)."""
    argv = ["poetry", *args]
    if _diagnose.stale_virtual_env() is not None:
        argv = ["env", "-u", "VIRTUAL_ENV", *argv]
    cwd = None if root == rootdir else str(root)
    return Command(argv, cwd=cwd, timeout=POETRY_TIMEOUT, needs=frozenset({"network"}))


def pip_install(*args: str, python: str = sys.executable, env: dict[str, str]) -> Command:
    """``python -m pip install ARGS`` (this interpreter's pip, not whichever ``pip`` comes
    first on PATH), with ``env`` (from :func:`pipconf.overrides`) set for it."""
    return Command(
        [python, "-m", "pip", "install", *args],
        env=env,
        timeout=POETRY_TIMEOUT,
        needs=frozenset({"network"}),
    )


def pip_steps(requirement: str, where: Path) -> tuple[list[Step], str]:
    """What installs ``requirement`` for this interpreter: its pip; outside a virtualenv on an
    externally managed Python (PEP 668), whose pip refuses to install, a virtualenv at
    ``where/.venv`` first and that environment's pip. pip's own configuration that would send
    the install elsewhere is undone for the command (:mod:`pipconf`). Returns (steps, a note
    for the fix)."""
    marker = _diagnose.externally_managed()
    if marker is None:
        env, said = _pipconf.overrides()
        return [pip_install(requirement, env=env)], said
    env, said = _pipconf.overrides(venv=True)
    venv = where / ".venv"
    install = pip_install(requirement, python=str(venv / "bin" / "python"), env=env)
    note = (
        f"{marker} marks {sys.executable} as externally managed (PEP 668): its pip refuses to "
        f"install into it; run the tests with {venv}/bin/python -m pytest"
    )
    return [Command([sys.executable, "-m", "venv", str(venv)]), install], "; ".join(
        n for n in (note, said) if n
    )


def empty_include(
    ctx: Context, source: Path, problem: _project.EmptyInclude, then: Step
) -> tuple[str, str, Fix]:
    """What is wrong with the project at ``source`` whose ``packages`` entry names nothing
    (:func:`project.empty_include`), why its install stops, and the fix: the entry's ``from``
    pointed where the package is now (an Edit), else a person's correction, then ``then`` (the
    install that failed on it)."""
    pyproject = source / "pyproject.toml"
    what = (
        f"{pyproject}'s [tool.poetry] packages entry {{include = {problem.include!r}"
        + (
            f", from = {problem.base.relative_to(source).as_posix()!r}"
            if problem.base != source
            else ""
        )
        + f"}} names nothing: {problem.base / problem.include} does not exist"
        + (
            f" ({problem.include} is in {problem.elsewhere} now)"
            if problem.elsewhere not in (None, ".")
            else (
                f" ({problem.include} is in the project's directory now)"
                if problem.elsewhere == "."
                else ""
            )
        )
    )
    why = (
        "poetry-core builds the project from its packages entries and stops on one that "
        f"matches no file ('{problem.base / problem.include} does not contain any element'), "
        "so `poetry install`, `poetry build` and pip's editable install of the project fail "
        "on it (`poetry check` does not look)"
    )
    if problem.corrected is not None:
        first: Step = Edit(
            _project.relative(ctx, pyproject), "toml", "tool.poetry.packages", problem.corrected
        )
    else:
        first = Manual(
            f"put {problem.include} back under {problem.base}, or correct packages entry "
            f"{problem.index + 1} in {pyproject} to where it is now"
        )
    return what, why, make(first, then)


def _shown(step: Step) -> str:
    if isinstance(step, Command):
        env = "".join(f"{name}={shlex.quote(value)} " for name, value in step.env.items())
        return env + shlex.join(step.argv)
    return step.render()


def make(*steps: Step, then: str = "", note: str = "", text: str | None = None) -> Fix:
    """A fix of ``steps``, read as a shell line: ``cd ROOT && a && b && THEN   (NOTE)``.

    ``then`` is what to run after the repair (``poetry run pytest``: the re-run, never a step).
    """
    if text is None:
        cwds = {s.cwd for s in steps if isinstance(s, Command)}
        parts = [_shown(s) for s in steps]
        if then:
            parts.append(then)
        text = " && ".join(parts)
        if len(cwds) == 1 and (cwd := next(iter(cwds))) is not None:
            text = f"cd {shlex.quote(cwd)} && {text}"
        if note:
            text += f"   ({note})"
    return Fix(tuple(steps), text=text)


def _python3() -> str | None:
    """A ``python3`` on PATH that can start (its symlink leads somewhere), never a pyenv shim
    (it runs whichever Python is active); else the base interpreter of this one."""
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory or Path(directory).name == "shims":
            continue
        candidate = Path(directory, "python3")
        if os.access(candidate, os.X_OK) and os.path.exists(os.path.realpath(candidate)):
            return str(candidate)
    base = Path(sys.base_prefix, "bin", "python3")
    return str(base) if os.access(base, os.X_OK) else None


def install_poetry() -> Fix:
    """Install Poetry with what this machine has: pipx, else a virtualenv of ``python3``."""
    if shutil.which("pipx"):
        return make(Command(["pipx", "install", "poetry"], needs=frozenset({"network"})))
    python = _python3()
    if python is None:
        return make(
            Manual(
                "install Python 3 and pipx (apt install pipx, brew install pipx), "
                "then: pipx install poetry"
            )
        )
    venv = Path.home() / ".local" / "share" / "pypoetry" / "venv"
    bin_dir = Path.home() / ".local" / "bin"
    return make(
        Command([python, "-m", "venv", str(venv)]),
        Command(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "poetry"],
            needs=frozenset({"network"}),
            timeout=POETRY_TIMEOUT,
        ),
        Command(["mkdir", "-p", str(bin_dir)]),
        Command(["ln", "-sf", str(venv / "bin" / "poetry"), str(bin_dir / "poetry")]),
        note=f"pipx is not installed; {bin_dir} must be on PATH",
    )


def _installed_version(venv: Path) -> str | None:
    for info in sorted(venv.glob("lib/python*/site-packages/poetry-*.dist-info")):
        name, _, version = info.name.removesuffix(".dist-info").partition("-")
        if name == "poetry" and version:
            return version
    return None


def reinstall_poetry(program: str) -> Fix:
    """Reinstall the Poetry at ``program`` the way it was installed, with what this machine has
    (a pipx that is not installed, a ``curl`` that is not there, are never offered)."""
    real = Path(os.path.realpath(program))
    venv = real.parent.parent
    parts = real.parts
    python = _python3()
    if "pipx" in parts and "venvs" in parts and shutil.which("pipx"):
        return make(
            Command(
                ["pipx", "reinstall", "--python", python or "python3", "poetry"],
                needs=frozenset({"network"}),
            )
        )
    if "pypoetry" in parts and venv.name == "venv" and shutil.which("curl") and python:
        return make(
            Command(
                ["sh", "-c", f"curl -sSL https://install.python-poetry.org | {python} - --force"],
                needs=frozenset({"network"}),
                timeout=POETRY_TIMEOUT,
            ),
            text=f"curl -sSL https://install.python-poetry.org | {python} - --force",
        )
    if (venv / "pyvenv.cfg").is_file() and python:
        version = _installed_version(venv)
        pin = f"=={version}" if version else ""
        return make(
            Command([python, "-m", "venv", "--clear", str(venv)]),
            Command(
                [str(venv / "bin" / "python"), "-m", "pip", "install", f"poetry{pin}"],
                needs=frozenset({"network"}),
                timeout=POETRY_TIMEOUT,
            ),
        )
    if shutil.which("pipx"):
        return make(Command(["pipx", "install", "--force", "poetry"], needs=frozenset({"network"})))
    if python is None:
        return make(Manual(f"install Python 3, then reinstall Poetry (it was at {program})"))
    # no pipx: a virtualenv of its own, and the broken file replaced by a link to its poetry
    target = Path.home() / ".local" / "share" / "pypoetry" / "venv"
    return make(
        Command([python, "-m", "venv", str(target)]),
        Command(
            [str(target / "bin" / "python"), "-m", "pip", "install", "poetry"],
            needs=frozenset({"network"}),
            timeout=POETRY_TIMEOUT,
        ),
        Command(["ln", "-sf", str(target / "bin" / "poetry"), program]),
        note="pipx is not installed",
    )


def exec_fix(program: str, code: str, shown: str) -> Fix:
    """The fix of a ``poetry`` that cannot start (:mod:`envcheck.core.exec`'s diagnosis), as
    steps: the file's mode, its line endings, or a reinstall."""
    path = Path(program)
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and path.is_file() and not mode & 0o111:
        return make(Command(["chmod", "+x", program]))
    head = b""
    try:
        with open(program, "rb") as handle:
            head = handle.readline()
    except OSError:
        pass
    if head.startswith(b"#!") and head.rstrip(b"\n").endswith(b"\r"):
        return make(Command(["sed", "-i", "s/\\r$//", program]))
    if code in ("ENOENT", "ENOEXEC"):
        return reinstall_poetry(program)
    return make(Manual(shown))


def rebuild(
    ctx: Context, root: Path, python: Path | None, minor: str, *, relock: bool = False
) -> Fix:
    """Make the project's environment with ``python`` (or the Python ``minor`` once installed)."""
    if ctx.section.poetry:
        install = poetry(root, ctx.rootdir, *install_args(root))
        if python is not None:
            use = poetry(root, ctx.rootdir, "env", "use", str(python))
            # a changed Python range also makes the lock stale: lock again before installing
            steps = (use, poetry(root, ctx.rootdir, "lock"), install) if relock else (use, install)
            return make(*steps, then="poetry run pytest")
        first = _pythons.install_hint(minor)
        where = _pythons.where_installed(minor)
        return make(
            Manual(first),
            Manual(f"poetry env use {where}"),
            install,
            text=f"{first} && poetry env use {where} && {shlex.join(install.argv)} && "
            "poetry run pytest",
        )
    venv = root / ".venv"
    if python is None:
        first = _pythons.install_hint(minor)
        later = _pythons.where_installed(minor)
        return make(
            Manual(first),
            Manual(f"{later} -m venv {_pythons.quoted(venv)}"),
            text=f"{first} && {later} -m venv {_pythons.quoted(venv)}   (then install the "
            f"project's packages into it and run {venv}/bin/python -m pytest)",
        )
    return make(
        Command([str(python), "-m", "venv", str(venv)]),
        note=f"then install the project's packages into it and run {venv}/bin/python -m pytest",
    )


def remake(ctx: Context, root: Path | None, env: Path) -> Fix:
    """Make the virtualenv ``env`` again where it is now, with the Python it was made with (its
    pyvenv.cfg says which), never with whichever Python comes first."""
    cfg = _diagnose.pyvenv_cfg(env)
    minor = ".".join((cfg.get("version_info") or cfg.get("version") or "3").split(".")[:2])
    base = cfg.get("base-executable") or cfg.get("executable")
    if not base:
        base = str(Path(cfg.get("home", "/usr/bin")) / f"python{minor}")
    remove = Command(["rm", "-rf", str(env)])
    if ctx.section.poetry and root is not None:
        return make(
            remove,
            poetry(root, ctx.rootdir, "env", "use", base),
            poetry(root, ctx.rootdir, *install_args(root)),
            then="poetry run pytest",
        )
    return make(
        remove,
        Command([base, "-m", "venv", str(env)]),
        note="then install the project's packages into it again",
    )


def install_args(root: Path) -> tuple[str, ...]:
    """``install``, or ``install --no-root`` where the project itself cannot be installed."""
    return ("install", "--no-root") if _project.missing_package(root) else ("install",)


def broken_env(
    ctx: Context, root: Path, broken: _diagnose.BrokenBase, facts: dict[str, FactValue]
) -> CheckFailed:
    """The project's environment cannot start: its base interpreter is gone (PEP 405 ``home``).
    The fix makes it again with a Python of the same minor version that the project accepts,
    never with whichever Python Poetry would pick (a plain ``poetry install`` does that)."""
    if broken.missing_cfg:
        install = poetry(root, ctx.rootdir, *install_args(root))
        return CheckFailed(
            f"the project's Poetry environment {broken.env} is not a virtualenv: it has no "
            "pyvenv.cfg",
            why="PEP 405: a virtualenv is marked by its pyvenv.cfg, which names the base "
            "interpreter; without it bin/python runs as that interpreter itself, outside any "
            "environment, and Poetry keeps using the directory",
            fix=make(
                Manual(f"remove {broken.env} (nothing in it can be used)"),
                install,
                text=f"rm -r {shlex.quote(str(broken.env))} && {shlex.join(install.argv)}",
            ),
            facts=facts,
        )
    if broken.undecodable:
        install = poetry(root, ctx.rootdir, *install_args(root))
        return CheckFailed(
            f"the project's Poetry environment {broken.env} cannot start: its pyvenv.cfg is not "
            "UTF-8 text",
            why="PEP 405: site.py reads pyvenv.cfg as UTF-8 at every start of bin/python and stops "
            "at anything else (an editor saved it as UTF-16, or it was overwritten); nothing in "
            "the environment runs",
            fix=make(
                Manual(f"remove {broken.env} (or save its pyvenv.cfg as UTF-8 again)"),
                install,
                text=f"rm -r {shlex.quote(str(broken.env))} && {shlex.join(install.argv)}   "
                "(or save its pyvenv.cfg as UTF-8 again)",
            ),
            facts=facts,
        )
    # a moved base link: the packages are the made-with minor's, so that minor again
    minor = (broken.minor if broken.link else broken.runs) or broken.minor or "3"
    project = _project.read_project(root)
    spec = SpecifierSet(f"=={minor}.*") if broken.runs or broken.minor else SpecifierSet()
    if project.python:
        spec &= SpecifierSet(project.python)
    python: Path | None = None
    usable = broken.executable and os.access(broken.executable, os.X_OK)
    if usable and (broken.link or not broken.runs):
        python = Path(broken.executable)
    if python is None:
        found = _pythons.find(spec, timeout=min(2.0, ctx.remaining()))
        python = found[0] if found else None
    if broken.windows:
        rebuilt = rebuild(ctx, root, python, minor)
        remove = Command(["rm", "-rf", str(broken.env)])
        then = "poetry run pytest" if ctx.section.poetry else ""
        return CheckFailed(
            f"the project's Poetry environment {broken.env} was made on Windows (home = "
            f"{broken.home}, Scripts\\python.exe): it cannot run here",
            why="a virtualenv runs only on the system that made it (PEP 405: its pyvenv.cfg "
            "names that system's interpreter, its layout is that system's); it came with a copy "
            "of the project (a shared folder, an archive, WSL)",
            fix=make(remove, *rebuilt.steps, then=then),
            facts=facts,
        )
    if broken.runs and broken.link:
        remove = Command(["rm", "-rf", str(broken.env)])
        rebuilt = rebuild(ctx, root, python, minor)
        return CheckFailed(
            f"the project's Poetry environment {broken.env} was made with Python "
            f"{broken.version}, but its bin/python now starts Python {broken.runs}: "
            f"{broken.link} leads to {os.path.realpath(broken.link)}",
            why=f"PEP 405: bin/python is a link to the interpreter the environment was made with "
            f"(pyvenv.cfg: version {broken.version}, home = {broken.home}); {broken.link} now "
            f"leads to Python {broken.runs} (a system upgrade or another install moved it), "
            f"which looks for lib/python{broken.runs}/site-packages, where none of the "
            f"environment's packages are (they are under lib/python{broken.minor})",
            fix=make(
                remove, *rebuilt.steps, then="poetry run pytest" if ctx.section.poetry else ""
            ),
            facts=facts,
        )
    if broken.runs:
        remove = Command(["rm", "-rf", str(broken.env)])
        rebuilt = rebuild(ctx, root, python, minor)
        return CheckFailed(
            f"the project's Poetry environment {broken.env} is two Pythons: its pyvenv.cfg says "
            f"Python {broken.version} (home = {broken.home}), its bin/python is Python "
            f"{broken.runs}",
            why=f"it was upgraded in place to {broken.minor} (`python{broken.minor} -m venv "
            f"--upgrade`): pyvenv.cfg (PEP 405) now names {broken.minor}, whose "
            f"lib/python{broken.minor}/site-packages has none of the packages, while bin/python "
            f"still runs {broken.runs} on lib/python{broken.runs}; tools that read pyvenv.cfg "
            "and bin/python disagree about the environment",
            fix=make(
                remove, *rebuilt.steps, then="poetry run pytest" if ctx.section.poetry else ""
            ),
            facts=facts,
        )
    if broken.target:
        return CheckFailed(
            f"the project's Poetry environment {broken.env} is broken: its bin/python leads to "
            f"{broken.target}, which no longer exists",
            why=f"the base interpreter (Python {broken.version or '?'}) was removed from "
            f"{broken.home}, which is still there (its pyvenv.cfg home, PEP 405): a system "
            "upgrade or an uninstall took that Python away, so nothing in the environment "
            "starts; Poetry's `env info --path` still names the environment, and a plain "
            "`poetry install` would quietly make it again with another Python",
            fix=rebuild(ctx, root, python, minor),
            facts=facts,
        )
    why = (
        f"its pyvenv.cfg says home = {broken.home} (Python {broken.version or '?'}), which no "
        "longer exists: the Python it was made with was removed or upgraded, so nothing in the "
        "environment starts; a plain `poetry install` would quietly make it again with "
        "another Python"
    )
    return CheckFailed(
        f"the project's Poetry environment {broken.env} is broken: its base interpreter "
        f"{broken.home} is gone",
        why=why,
        fix=rebuild(ctx, root, python, minor),
        facts=facts,
    )


def commands(fix: Fix) -> Sequence[Command]:
    return [s for s in fix.steps if isinstance(s, Command)]
