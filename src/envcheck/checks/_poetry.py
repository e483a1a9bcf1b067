"""Poetry for the venv checks: one Poetry process at a time, answers cached in pytest's cache.

Poetry's answers (``poetry --version``, ``poetry env info --path``, ``poetry check --lock``) only
change when ``pyproject.toml``, ``poetry.lock``, the Poetry executable or the environment change,
so each is kept in pytest's cache under a key made of exactly those inputs (file hashes, the
executable's and its interpreter's stat, Poetry's settings). ``--cache-clear`` or any change runs
Poetry again. A failed start is diagnosed by :mod:`envcheck._exec`.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from envcheck import _exec
from envcheck._context import Context
from envcheck._model import CheckFailed

INSTALL_HINT = "pipx install poetry   (or: python3 -m pip install --user poetry)"
_CACHE_PREFIX = "envcheck/venv/poetry/"
_KEYS_KEPT = 4
#: Poetry processes contend for the CPU and for Poetry's own cache: never two at a time
_ONE_AT_A_TIME = threading.Lock()
_memo_lock = threading.Lock()
_memo: dict[str, Answer] = {}


@dataclass(frozen=True)
class Answer:
    """What one Poetry command said, and when (``cached`` is set when it came from the cache)."""

    stdout: str
    stderr: str
    returncode: int
    at: str
    cached: bool = False

    @property
    def tail(self) -> str:
        lines = (self.stderr or self.stdout).strip().splitlines()[-3:]
        return " / ".join(line.strip() for line in lines)

    @property
    def when(self) -> str:
        """``2026-12-01 02:40 UTC``."""
        return self.at.replace("T", " ")[:16] + " UTC"

    def note(self) -> str:
        """`` (cached 2026-12-01 02:40 UTC)`` for a cached answer, else ``""``."""
        return f" (cached {self.when})" if self.cached else ""


def find() -> str:
    """The ``poetry`` program on PATH; a file that cannot run is diagnosed, not called missing."""
    found = shutil.which("poetry")
    if found is not None:
        return found
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(directory or ".", "poetry")
        if os.path.lexists(candidate):
            problem = _exec.inspect(str(candidate), reinstall=reinstall_command(str(candidate)))
            if problem is not None:
                raise CheckFailed(problem.summary, why=problem.why, hint=problem.hint)
    raise CheckFailed(
        "poetry is not on PATH",
        why="the project is managed with Poetry ([tool.envcheck.venv] poetry = true)",
        hint=INSTALL_HINT,
    )


def reinstall_command(program: str) -> str:
    """The exact command that reinstalls the Poetry at ``program`` the way it was installed."""
    real = Path(os.path.realpath(program))
    venv = real.parent.parent
    parts = real.parts
    if "pipx" in parts and "venvs" in parts:
        return "pipx reinstall --python python3 poetry"
    if "pypoetry" in parts and venv.name == "venv":
        return "curl -sSL https://install.python-poetry.org | python3 - --force"
    if (venv / "pyvenv.cfg").is_file():
        version = _installed_version(venv)
        pin = f"=={version}" if version else ""
        target = shlex.quote(str(venv))
        return (
            f"python3 -m venv --clear {target} && "
            f"{shlex.quote(str(venv / 'bin' / 'python'))} -m pip install 'poetry{pin}'"
        )
    return "pipx install --force poetry"


def _installed_version(venv: Path) -> str | None:
    for info in sorted(venv.glob("lib/python*/site-packages/poetry-*.dist-info")):
        name, _, version = info.name.removesuffix(".dist-info").partition("-")
        if name == "poetry" and version:
            return version
    return None


def _stat(path: Path) -> str:
    try:
        info = path.stat()
    except OSError:
        return f"{path}:absent"
    return f"{path}:{info.st_mtime_ns}:{info.st_size}"


def digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "absent"


def executable_key(program: str) -> list[str]:
    """The Poetry executable as a cache key: the file, where it leads, and its interpreter."""
    key = [program, _stat(Path(program)), _stat(Path(os.path.realpath(program)))]
    shebang = _exec.read_shebang(program)
    if shebang is not None:
        key.append(_stat(Path(shebang.interpreter)))
    return key


def settings_key(root: Path) -> list[str]:
    """What decides which environment Poetry picks: its settings, its envs, this shell."""
    cache_dir = Path(os.environ.get("POETRY_CACHE_DIR") or Path.home() / ".cache" / "pypoetry")
    config_dir = Path(
        os.environ.get("POETRY_CONFIG_DIR")
        or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "pypoetry"
    )
    shell = sorted(
        f"{k}={v}"
        for k, v in os.environ.items()
        if k.startswith("POETRY_") or k in ("VIRTUAL_ENV", "CONDA_PREFIX", "PATH")
    )
    return [
        digest(root / "poetry.toml"),
        _stat(config_dir / "config.toml"),
        _stat(cache_dir / "virtualenvs"),
        _stat(cache_dir / "virtualenvs" / "envs.toml"),
        _stat(root / ".venv"),
        *shell,
    ]


def run(
    ctx: Context,
    program: str,
    args: Sequence[str],
    *,
    key: Sequence[str],
    cacheable: Callable[[Answer], bool] | None = None,
) -> Answer:
    """Run ``poetry args`` (or take its answer from pytest's cache when ``key`` is unchanged).

    ``cacheable(answer)`` says whether an answer may be kept (default: any that exited); a cached
    answer is used only while it still passes it.
    """
    name = "-".join(a for a in args if not a.startswith("-") and "/" not in a) or "version"
    token = hashlib.sha256("\0".join([*args, *key]).encode()).hexdigest()
    cache = ctx.config.extra.get("pytest_cache")
    with _memo_lock:
        found = _memo.get(token)
    # in one process answers are kept for later sessions too: still true? (an env removed)
    if found is not None and (cacheable is None or cacheable(found)):
        return found
    # one cache entry per command, holding the answers of its last few keys (say, the shell
    # of `poetry run pytest` and a plain one: VIRTUAL_ENV and PATH differ)
    entries = cache.get(_CACHE_PREFIX + name, {}) if cache is not None else {}
    entries = entries if isinstance(entries, dict) else {}
    if cache is not None:
        stored = entries.get(token)
        if isinstance(stored, dict) and {"stdout", "stderr", "returncode", "at"} <= set(stored):
            answer = Answer(
                str(stored["stdout"]),
                str(stored["stderr"]),
                int(stored["returncode"]),
                str(stored["at"]),
                cached=True,
            )
            if cacheable is None or cacheable(answer):
                with _memo_lock:
                    _memo[token] = answer
                return answer
    with _ONE_AT_A_TIME:
        with _memo_lock:
            found = _memo.get(token)
        if found is not None and (cacheable is None or cacheable(found)):
            return found
        answer = _spawn(program, args, ctx.remaining())
    keep = cacheable(answer) if cacheable is not None else True
    if keep:
        with _memo_lock:
            _memo[token] = answer
        if cache is not None:
            kept = {k: v for k, v in entries.items() if k != token}
            kept = dict(list(kept.items())[-(_KEYS_KEPT - 1) :])
            kept[token] = {
                "stdout": answer.stdout,
                "stderr": answer.stderr,
                "returncode": answer.returncode,
                "at": answer.at,
            }
            cache.set(_CACHE_PREFIX + name, kept)
    return answer


def _spawn(program: str, args: Sequence[str], timeout: float) -> Answer:
    shown = " ".join(["poetry", *args])
    at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        done = subprocess.run(
            [program, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "NO_COLOR": "1"},
        )
    except subprocess.TimeoutExpired:
        raise CheckFailed(
            f"`{shown}` did not finish within {timeout:g} s",
            why="Poetry hangs (a network lookup, or a lock held by another Poetry process)",
            hint="run it by hand to see where it waits, or raise [tool.envcheck.venv] timeout",
        ) from None
    except OSError as exc:
        problem = _exec.diagnose(program, exc, reinstall=reinstall_command(program))
        raise CheckFailed(problem.summary, why=problem.why, hint=problem.hint) from None
    if done.returncode == 127:  # `#!/usr/bin/env NAME` whose NAME is gone
        found = _exec.inspect(program, reinstall=reinstall_command(program))
        if found is not None:
            raise CheckFailed(found.summary, why=found.why, hint=found.hint)
    return Answer(done.stdout, done.stderr, done.returncode, at)


def env_path(ctx: Context) -> tuple[Path | None, Answer]:
    """The project's Poetry environment (``None``: Poetry has none yet) and Poetry's answer."""
    program = find()
    root = ctx.rootdir
    answer = run(
        ctx,
        program,
        ["-C", str(root), "env", "info", "--path"],
        key=[*executable_key(program), digest(root / "pyproject.toml"), *settings_key(root)],
        # only an environment that exists is kept: creating one must be seen at once
        cacheable=lambda a: _env_dir(a) is not None,
    )
    path = _env_dir(answer)
    if path is not None:
        return path, answer
    if answer.returncode == 0 or (answer.returncode == 1 and not answer.stderr.strip()):
        return None, answer  # no env: Poetry prints nothing and exits 1 (or names a lost dir)
    raise CheckFailed(
        f"`poetry env info --path` exited with code {answer.returncode}: {answer.tail}",
        why=f"Poetry could not tell which environment belongs to {root}",
        hint=f"cd {shlex.quote(str(root))} && poetry env info   (shows Poetry's full error)",
    )


def _env_dir(answer: Answer) -> Path | None:
    text = answer.stdout.strip()
    if answer.returncode != 0 or not text:
        return None
    path = Path(text.splitlines()[-1]).resolve()
    return path if path.is_dir() else None


def running_env() -> Path:
    return Path(sys.prefix).resolve()
