"""envcheck's venv checks over many projects in one interpreter: what ``pytest --envcheck-only
--envcheck-defaults -m venv`` does for one project (zero-config derivation, the checks, their
results as the JSON report has them), once per project, by one process of the environment being
judged. ``python venv_project_runner.py JOBS OUT``: JOBS is a JSON list of ``{"ident", "root",
"env": {name: value or null}}`` (the variables set, or unset, while that project is judged).

Poetry is asked as a cold envcheck run asks it: every project's questions (``env info --path``,
``check --lock``) and ``--version`` go to one Poetry process (envcheck's own batch driver,
``poetry._batch``), whose answers the checks then take from envcheck's in-process memo; a
process of a later start reads them from the same kind of cache pytest gives a warm run (a JSON
file, ``CACHE``). Poetry's raw answers are written too: they are the sweep's oracle for Poetry.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


class FileCache:
    """pytest's ``config.cache`` as the venv checks use it (``get``/``set`` of JSON values)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}

    def get(self, key: str, default: Any) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.path.write_text(json.dumps(self.data))


def ask_poetry(jobs: list[dict[str, Any]], cache: FileCache) -> dict[str, dict[str, Any]]:
    """Every project's Poetry questions in one Poetry process, as envcheck's batch asks them,
    kept where envcheck's own batch keeps them. First the Poetry commands a job lists
    (``"before": [[args...], ...]``: a relock, a printed fix), last ``poetry show`` for the jobs
    that ask (``"show": true``: Poetry reading its lock file, which ``check --lock`` does not).
    Returns ``{root: {"env"|"lock"|"show"|"before<i>": {returncode, stdout, stderr}}}``."""
    import datetime
    from types import SimpleNamespace

    from envcheck.checks.venv import poetry as _poetry
    from envcheck.checks.venv import poetry_batch as _poetry_batch

    keeper: Any = SimpleNamespace(config=SimpleNamespace(extra={"pytest_cache": cache}))
    program = _poetry.find()
    # a job with ``"poetry": false`` (a project Poetry does not keep: envcheck asks Poetry
    # nothing about it) is left out of the project questions
    roots = list(dict.fromkeys(job["root"] for job in jobs if job.get("poetry", True)))
    asked: list[tuple[str, str, tuple[str, ...]]] = [
        (job["root"], f"before{i}", ("-C", job["root"], *args))
        for job in jobs
        for i, args in enumerate(job.get("before") or ())
    ]
    asked.append(("", "version", _poetry.version_request(program).args))
    for root in roots:
        for question in _poetry.project_requests(program, Path(root)):
            asked.append((root, "lock" if "check" in question.args else "env", question.args))
    asked += [(job["root"], "show", ("-C", job["root"], "show")) for job in jobs if job.get("show")]
    at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    batch = _poetry_batch.run(program, [args for _, _, args in asked], 600.0)
    assert batch is not None and not batch.timed_out, "Poetry's batch did not answer"
    # the keys are the files as they are now, after the relocks: as a later run finds them
    requests = {"": _poetry.version_request(program)}
    said: dict[str, dict[str, Any]] = {}
    # pytest's cache keeps a few answers per command: the first job's are kept last, for the
    # runs of one project that follow (each a start of the interpreter, reading this cache)
    first = jobs[0]["root"] if jobs else ""
    replies = list(zip(asked, batch.replies))
    replies.sort(key=lambda pair: pair[0][0] == first)
    for (root, kind, args), reply in replies:
        answer = _poetry._answer(reply, at)
        assert answer is not None, args
        request: Any = None
        if kind == "version":
            request = requests[""]
        elif kind in ("env", "lock"):
            made = _poetry.env_request if kind == "env" else _poetry.lock_request
            request = made(program, Path(root))
        if request is not None:
            if request.keeps(answer):
                _poetry._keep(keeper, request, answer)
            else:
                _poetry._fresh[request.token] = answer
        if root:
            said.setdefault(root, {})[kind] = {
                "returncode": answer.returncode,
                "stdout": answer.stdout,
                "stderr": answer.stderr,
            }
    return said


_PM: list[Any] = []


def judge(root: Path, cache: FileCache) -> dict[str, Any]:
    """The venv checks of the project at ``root``, as ``--envcheck-defaults -m venv`` runs them."""
    from envcheck.core.config import ConfigError, load, project_environment
    from envcheck.engine import registry as _registry
    from envcheck.engine.runner import Runner
    from envcheck.engine.store import MemoryStore

    if not _PM:
        import pluggy

        from envcheck import hookspecs
        from envcheck.checks.venv import hooks

        # the venv component alone, registered as the registry registers it: the other
        # components' and plugins' modules have nothing to say about a venv verdict
        _PM.append(pluggy.PluginManager("envcheck"))
        _PM[0].add_hookspecs(hookspecs)
        _PM[0].register(hooks, name="envcheck.checks.venv.hooks")
    pm = _PM[0]
    try:
        environ, env_files = project_environment(root, None, os.environ)
        config = load(
            rootdir=root,
            explicit=None,
            models=_registry.config_models(pm),
            defaults=_registry.default_config(pm, environ, root),
            from_environment=True,
            environ=environ,
            env_files=env_files,
        )
    except ConfigError as exc:
        return {"config_error": str(exc)}
    if config is None:
        return {"config_error": "no configuration"}
    config.extra["pytest_cache"] = cache
    checks = {
        cid: check
        for cid, check in _registry.collect_checks(pm, config).items()
        if check.component == "venv"
    }
    runner = Runner(checks, config, MemoryStore())
    runner.start(checks)
    return {"checks": {cid: runner.result(cid).to_dict() for cid in checks}}


def main(jobs_path: str, out_path: str) -> None:
    import functools

    from envcheck.checks.venv import diagnose as _diagnose

    # what site.py runs at start-up is this process's, the same for every project: a real run
    # reads it once (it starts one interpreter to run the .pth lines), so does this one
    once = functools.cache(_diagnose.failing_startup_hooks)
    _diagnose.failing_startup_hooks = once
    jobs: list[dict[str, Any]] = json.loads(Path(jobs_path).read_text())
    cache = FileCache(Path(out_path).with_name("cache.json"))
    poetry = ask_poetry(jobs, cache) if os.environ.get("SWEEP_ASK_POETRY") else {}
    out: dict[str, Any] = {"poetry": poetry, "prefix": sys.prefix, "results": {}}
    for job in jobs:
        before = dict(os.environ)
        for name, value in (job.get("env") or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        try:
            out["results"][job["ident"]] = judge(Path(job["root"]), cache)
        except Exception as exc:  # noqa: B902 - the sweep counts it as envcheck's own error
            out["results"][job["ident"]] = {"crash": f"{type(exc).__name__}: {exc}"}
        finally:
            os.environ.clear()
            os.environ.update(before)
    healing = [job for job in jobs if job.get("heal") and "checks" in out["results"][job["ident"]]]
    if healing:
        out["healed"] = heal(healing, out["results"], cache)
    Path(out_path).write_text(json.dumps(out))


def heal(jobs: list[dict[str, Any]], results: dict[str, Any], cache: FileCache) -> dict[str, Any]:
    """The printed fix of each job's check ``heal`` run (each step a ``poetry`` command, run
    by the batch driver with the project as ``-C``, as Poetry's own ``main`` runs it), then
    the project judged again: ``{ident: {"ran": [...], "checks": ...}}``."""
    again = []
    for job in jobs:
        fix = results[job["ident"]]["checks"][job["heal"]].get("fix") or {}
        steps = fix.get("steps") or []
        commands = [s["argv"][1:] for s in steps if s["kind"] == "command"]
        # only commands on the project: `poetry self ...` would change the Poetry this machine
        # runs (it needs the network too)
        usable = steps and all(
            s["kind"] == "command"
            and s["argv"][0] == "poetry"
            and s["argv"][1:2] != ["self"]
            and not s.get("cwd")
            for s in steps
        )
        again.append({**job, "before": commands if usable else [], "usable": bool(usable)})
    said = ask_poetry(again, cache)
    healed: dict[str, Any] = {}
    for job in again:
        ran = [said[job["root"]][f"before{i}"] for i in range(len(job["before"]))]
        found = judge(Path(job["root"]), cache) if job["usable"] else {}
        healed[job["ident"]] = {"usable": job["usable"], "ran": ran, **found}
    return healed


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
