"""Poetry for the venv checks: one Poetry process at a time (one in all on a cold run), answers
cached in pytest's cache.

Poetry's answers (``poetry --version``, ``poetry env info --path``, ``poetry check --lock``) only
change when ``pyproject.toml``, ``poetry.lock``, the Poetry executable or the environment change,
so each is kept in pytest's cache under a key made of exactly those inputs (file hashes, the
executable's and its interpreter's stat, Poetry's settings). ``--cache-clear`` or any change runs
Poetry again. A failed start is diagnosed by :mod:`envcheck.core.exec`.
"""

from __future__ import annotations

import ast
import datetime
import functools
import hashlib
import os
import shlex
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envcheck.checks.venv import config as _config
from envcheck.checks.venv import diagnose as _diagnose
from envcheck.checks.venv import fixes as _fixes
from envcheck.checks.venv import poetry_batch as _poetry_batch
from envcheck.core import exec as _exec
from envcheck.core import redact
from envcheck.core.fix import Edit, Manual
from envcheck.core.model import CheckFailed, Context

_CACHE_PREFIX = "envcheck/venv/poetry/"
_KEYS_KEPT = 4
#: Poetry processes contend for the CPU and for Poetry's own cache: never two at a time
_ONE_AT_A_TIME = threading.Lock()
_memo_lock = threading.Lock()
_memo: dict[str, Answer] = {}
#: answers not kept (no environment yet), each handed once to the check that asks for it
_fresh: dict[str, Answer] = {}


@dataclass(frozen=True)
class Answer:
    """What one Poetry command said, and when (``cached`` is set when it came from the cache)."""

    stdout: str
    stderr: str
    returncode: int
    at: str
    cached: bool = False
    #: what was cut of the output (:func:`envcheck.core.exec.cut_note`), else ``""``
    cut: str = ""

    @property
    def tail(self) -> str:
        lines = (self.stderr or self.stdout).strip().splitlines()[-3:]
        said = " / ".join(redact.shorten(line.strip(), 500) for line in lines)
        return f"{said} {self.cut}" if self.cut else said

    @property
    def when(self) -> str:
        """``2026-12-01 02:40 UTC``."""
        return self.at.replace("T", " ")[:16] + " UTC"

    def note(self) -> str:
        """`` (cached 2026-12-01 02:40 UTC)`` for a cached answer, else ``""``."""
        return f" (cached {self.when})" if self.cached else ""


def find(ctx: Context | None = None) -> str:
    """The ``poetry`` program on PATH; a file that cannot run is diagnosed, not called missing.
    With ``ctx``, a missing Poetry names where ``poetry = true`` came from."""
    found = shutil.which("poetry")
    if found is not None:
        return found
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(directory or ".", "poetry")
        if os.path.lexists(candidate):
            problem = _exec.inspect(str(candidate), reinstall=reinstall_command(str(candidate)))
            if problem is not None:
                raise _exec_failed(str(candidate), problem)
    raise CheckFailed(
        "poetry is not on PATH",
        why=(
            f"the project is managed with Poetry ({_config.origin(ctx, 'poetry')})"
            if ctx is not None
            else "the project is managed with Poetry ([tool.envcheck.venv] poetry = true)"
        ),
        fix=_fixes.install_poetry(),
    )


@functools.lru_cache(maxsize=8)
def lock_format(program: str) -> str | None:
    """The ``lock-version`` the Poetry at ``program`` writes (``Locker._VERSION`` of the
    ``poetry`` package in the environment its ``#!`` line names), None where that is not
    readable (a Poetry installed otherwise)."""
    try:
        with open(os.path.realpath(program), "rb") as handle:
            first = handle.readline(4096)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode("utf-8", "replace").split()
    if not words:
        return None
    prefix = Path(words[0]).parent.parent
    for locker in sorted(prefix.glob("lib/python3*/site-packages/poetry/packages/locker.py")):
        try:
            tree = ast.parse(locker.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == "Locker":
                for item in node.body:
                    names = [t.id for t in getattr(item, "targets", ()) if isinstance(t, ast.Name)]
                    if (
                        isinstance(item, ast.Assign)
                        and "_VERSION" in names
                        and isinstance(item.value, ast.Constant)
                        and isinstance(item.value.value, str)
                    ):
                        return item.value.value
    return None


def _exec_failed(program: str, problem: _exec.ExecProblem) -> CheckFailed:
    fix = _fixes.exec_fix(program, problem.code, problem.hint)
    return CheckFailed(problem.summary, why=problem.why, fix=fix)


def reinstall_command(program: str) -> str:
    """How the Poetry at ``program`` is reinstalled with what this machine has (as text)."""
    return str(_fixes.reinstall_poetry(program))


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
    # the environment Poetry is started with (a VIRTUAL_ENV naming another environment is
    # not passed on); POETRY_ACTIVE only labels a `poetry shell` and is no setting
    shell = sorted(
        f"{k}={v}"
        for k, v in _diagnose.poetry_environ().items()
        if (k.startswith("POETRY_") and k != "POETRY_ACTIVE")
        or k in ("VIRTUAL_ENV", "CONDA_PREFIX", "PATH")
    )
    return [
        digest(root / "poetry.toml"),
        _stat(config_dir / "config.toml"),
        _stat(cache_dir / "virtualenvs"),
        _stat(cache_dir / "virtualenvs" / "envs.toml"),
        _stat(root / ".venv"),
        *shell,
    ]


@dataclass(frozen=True)
class Request:
    """One Poetry command and what its answer depends on (its cache key)."""

    args: tuple[str, ...]
    key: tuple[str, ...]
    #: whether an answer may be kept (default: any that exited); a cached one must still pass
    cacheable: Callable[[Answer], bool] | None = None

    @property
    def name(self) -> str:
        return "-".join(a for a in self.args if not a.startswith("-") and "/" not in a) or "version"

    @property
    def token(self) -> str:
        return hashlib.sha256("\0".join([*self.args, *self.key]).encode()).hexdigest()

    def keeps(self, answer: Answer) -> bool:
        return self.cacheable is None or self.cacheable(answer)


def version_request(program: str) -> Request:
    return Request(("--version",), tuple(executable_key(program)))


def env_request(program: str, root: Path) -> Request:
    return Request(
        ("-C", str(root), "env", "info", "--path"),
        (*executable_key(program), digest(root / "pyproject.toml"), *settings_key(root)),
        # only an environment that exists is kept: creating one must be seen at once
        cacheable=lambda a: _env_dir(a) is not None,
    )


def lock_request(program: str, root: Path) -> Request:
    return Request(
        ("-C", str(root), "check", "--lock"),
        (
            *executable_key(program),
            digest(root / "pyproject.toml"),
            digest(root / "poetry.lock"),
        ),
    )


def project_requests(program: str, root: Path) -> list[Request]:
    """The project's own Poetry questions (those its files allow), to ask along with another."""
    if not (root / "pyproject.toml").is_file():
        return []
    found = [env_request(program, root)]
    if (root / "poetry.lock").is_file():
        found.append(lock_request(program, root))
    return found


def ask(ctx: Context, program: str, request: Request, also: Sequence[Request] = ()) -> Answer:
    """Poetry's answer to ``request``: from this process, from pytest's cache, or by running it.

    When Poetry must run, the requests in ``also`` that have no answer either are answered by
    the same Poetry process (:mod:`._poetry_batch`), so a cold run starts Poetry once.
    """
    found = _known(ctx, request)
    if found is not None:
        return found
    limit = ctx.check.seconds  # what the user configured; ctx.remaining() is what is left
    # another check's Poetry process runs: wait for it only as long as this check may
    if not _ONE_AT_A_TIME.acquire(timeout=max(0.0, ctx.remaining() - 0.25)):
        raise _hung(request.args, limit, waited=True)
    try:
        found = _known(ctx, request)
        if found is not None:
            return found
        others = [
            r for r in also if r.token != request.token and _known(ctx, r, take=False) is None
        ]
        answers = _batch(program, [request, *others], ctx.remaining(), limit) if others else {}
        answer = answers.pop(request.token, None)
        if answer is None:
            answer = _spawn(program, request.args, ctx.remaining(), limit)
    finally:
        _ONE_AT_A_TIME.release()
    _keep(ctx, request, answer)
    for other in others:
        if other.token not in answers:
            continue
        if other.keeps(answers[other.token]):
            _keep(ctx, other, answers[other.token])
        else:  # not kept, but the check that asks for it next gets it once
            with _memo_lock:
                _fresh[other.token] = answers[other.token]
    return answer


def _known(ctx: Context, request: Request, *, take: bool = True) -> Answer | None:
    """The answer this process or pytest's cache holds; ``take``: hand over a fresh one."""
    token = request.token
    with _memo_lock:
        fresh = _fresh.pop(token, None) if take else _fresh.get(token)
        found = _memo.get(token)
    if fresh is not None:
        return fresh
    # in one process answers are kept for later sessions too: still true? (an env removed)
    if found is not None and request.keeps(found):
        return found
    cache = ctx.config.extra.get("pytest_cache")
    if cache is None:
        return None
    stored = _entries(cache, request).get(token)
    if not isinstance(stored, dict) or not {"stdout", "stderr", "returncode", "at"} <= set(stored):
        return None
    answer = Answer(
        str(stored["stdout"]),
        str(stored["stderr"]),
        int(stored["returncode"]),
        str(stored["at"]),
        cached=True,
        cut=str(stored.get("cut") or ""),
    )
    if not request.keeps(answer):
        return None
    with _memo_lock:
        _memo[token] = answer
    return answer


def _entries(cache: Any, request: Request) -> dict[str, Any]:
    # one cache entry per command, holding the answers of its last few keys (say, the shell
    # of `poetry run pytest` and a plain one: VIRTUAL_ENV and PATH differ)
    entries = cache.get(_CACHE_PREFIX + request.name, {})
    return entries if isinstance(entries, dict) else {}


def _keep(ctx: Context, request: Request, answer: Answer) -> None:
    token = request.token
    if not request.keeps(answer):
        return
    with _memo_lock:
        _memo[token] = answer
    cache = ctx.config.extra.get("pytest_cache")
    if cache is None:
        return
    kept = {k: v for k, v in _entries(cache, request).items() if k != token}
    kept = dict(list(kept.items())[-(_KEYS_KEPT - 1) :])
    kept[token] = {
        "stdout": answer.stdout,
        "stderr": answer.stderr,
        "returncode": answer.returncode,
        "at": answer.at,
        "cut": answer.cut,
    }
    cache.set(_CACHE_PREFIX + request.name, kept)


def _batch(
    program: str, requests: Sequence[Request], timeout: float, limit: float
) -> dict[str, Answer]:
    """Answers to ``requests`` from one Poetry process; ``{}`` when this Poetry cannot batch."""
    at = _now()
    batch = _poetry_batch.run(program, [r.args for r in requests], timeout)
    if batch is None:
        return {}
    if batch.timed_out and not batch.replies:  # the asked command hung, as a lone one would
        raise _hung(requests[0].args, limit)
    answers = {request.token: _answer(reply, at) for request, reply in zip(requests, batch.replies)}
    return {token: answer for token, answer in answers.items() if answer is not None}


def _answer(reply: _poetry_batch.Reply, at: str) -> Answer | None:
    """``None``: a successful answer too large to read whole (asked again on its own, where
    the check that needs it says so)."""
    kept = _exec.MAX_OUTPUT + _exec.OUTPUT_TAIL  # the driver keeps as much of each stream
    if reply.returncode == 0 and reply.stdout_total > kept:
        return None
    totals = (("stdout", reply.stdout_total), ("stderr", reply.stderr_total))
    notes = [_exec.cut_note(name, total) for name, total in totals if total > kept]
    return Answer(reply.stdout, reply.stderr, reply.returncode, at, cut=" ".join(notes))


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hung(args: Sequence[str], limit: float, waited: bool = False) -> CheckFailed:
    shown = " ".join(["poetry", *args])
    if waited:  # envcheck runs one Poetry at a time: the others were still running
        summary = f"`{shown}` could not start within {limit:g} s"
        why = "envcheck runs one Poetry process at a time, and other checks' Poetry ran longer"
    else:
        summary = f"`{shown}` did not finish within {limit:g} s"
        why = "Poetry hangs (a network lookup, or a lock held by another Poetry process)"
    return CheckFailed(
        summary,
        why=why,
        fix=_fixes.make(
            Manual(f"run `{shown}` by hand to see where it waits"),
            Edit("pyproject.toml", "toml", "tool.envcheck.venv.timeout", max(60.0, limit * 2)),
            text=f"run `{shown}` by hand to see where it waits, or raise "
            "[tool.envcheck.venv] timeout",
        ),
    )


def _spawn(program: str, args: Sequence[str], timeout: float, limit: float) -> Answer:
    at = _now()
    try:
        done = _exec.run([program, *args], timeout=timeout, env=_diagnose.poetry_environ())
    except subprocess.TimeoutExpired:
        raise _hung(args, limit) from None
    except OSError as exc:
        problem = _exec.diagnose(program, exc, reinstall=reinstall_command(program))
        raise _exec_failed(program, problem) from None
    if done.returncode == 127:  # `#!/usr/bin/env NAME` whose NAME is gone
        found = _exec.inspect(program, reinstall=reinstall_command(program))
        if found is not None:
            raise _exec_failed(program, found)
    if done.returncode == 0 and done.stdout_cut:  # what Poetry answered cannot be read whole
        raise _too_much(args, done.stdout_bytes)
    return Answer(done.stdout, done.stderr, done.returncode, at, cut=" ".join(done.notes))


def _too_much(args: Sequence[str], printed: int) -> CheckFailed:
    shown = " ".join(["poetry", *args])
    return CheckFailed(
        f"`{shown}` printed {printed / 2**20:.1f} MiB on its standard output: envcheck reads at "
        f"most {_exec.MAX_OUTPUT // 2**20} MiB of it",
        why="Poetry's answer is far larger than any Poetry command prints: the `poetry` on PATH "
        "is not Poetry, or a plugin of it prints without end",
        fix=_fixes.make(
            Manual(f"run `{shown}` by hand to see what it prints"),
            text=f"run `{shown}` by hand to see what it prints",
        ),
    )


def env_path(ctx: Context, root: Path) -> tuple[Path | None, Answer]:
    """The project's Poetry environment (``None``: Poetry has none yet) and Poetry's answer."""
    program = find(ctx)
    answer = ask(ctx, program, env_request(program, root))
    path = _env_dir(answer)
    if path is not None:
        return path, answer
    if answer.returncode == 0 or (answer.returncode == 1 and not answer.stderr.strip()):
        return None, answer  # no env: Poetry prints nothing and exits 1 (or names a lost dir)
    excluded = _excluded_poetry(ctx, program, root)
    if excluded is not None:
        raise excluded
    raise CheckFailed(
        f"`poetry env info --path` exited with code {answer.returncode}: {answer.tail}",
        why=f"Poetry could not tell which environment belongs to {root}",
        fix=_fixes.make(
            Manual(f"cd {shlex.quote(str(root))} && poetry env info   (shows Poetry's full error)"),
            text=f"cd {shlex.quote(str(root))} && poetry env info   (shows Poetry's full error)",
        ),
    )


def _excluded_poetry(ctx: Context, program: str, root: Path) -> CheckFailed | None:
    """``[tool.poetry] requires-poetry`` (Poetry 2) that this Poetry's version is outside:
    Poetry reads it first and stops every command of the project."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    from envcheck.checks.venv import project as _project

    try:
        poetry = (_project.document(root).get("tool") or {}).get("poetry") or {}
    except ValueError:
        return None
    text = poetry.get("requires-poetry") if isinstance(poetry, dict) else None
    spec = _project.poetry_constraint(text) if isinstance(text, str) else None
    words = ask(ctx, program, version_request(program)).stdout.strip().split()
    try:
        version = Version(words[-1].rstrip(")")) if words else None
        if spec is None or version is None or version in SpecifierSet(spec):
            return None
    except (InvalidSpecifier, InvalidVersion):
        return None
    pyproject = root / "pyproject.toml"
    return CheckFailed(
        f"{pyproject}'s requires-poetry = {text!r} excludes this Poetry {version} ({program})",
        why="Poetry 2 reads [tool.poetry] requires-poetry before anything else and stops every "
        "command of the project when its own version is outside it: no environment, lock or "
        "install until the two agree",
        fix=_fixes.make(
            Manual(
                f"install a Poetry that satisfies {text} (`poetry self update` when a release "
                f"does), or relax requires-poetry in {pyproject} if Poetry {version} is the one "
                "the team uses"
            )
        ),
    )


def _env_dir(answer: Answer) -> Path | None:
    text = answer.stdout.strip()
    if answer.returncode != 0 or not text:
        return None
    path = Path(text.splitlines()[-1]).resolve()
    return path if path.is_dir() else None


def running_env() -> Path:
    return _diagnose.running_env()
