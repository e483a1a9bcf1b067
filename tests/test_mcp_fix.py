"""``envcheck mcp serve``'s ``plan_fixes`` and ``apply_fix``, driven through the MCP SDK's own
client over stdio, against this test process's real PostgreSQL and Redis broken on purpose: a
missing database (a fix any role that may create databases applies) and a Redis ACL user without
the probe's rights (a fix only an administrator applies). No answer shows a password."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import redis

from tests.servers import PostgresCluster

#: a password in the connection URLs: the trust-authenticated test servers ignore it, and no
#: tool's answer may show it
SECRET = "mcp-fix-secret-W7kq2p"
#: the tools of `envcheck mcp serve`; with --allow-fix also apply_fix
TOOLS = {"run_checks", "last_report", "list_components", "plan_fixes"}
#: an id no plan ever had
STALE = "0123456789ab"

Call = Callable[..., Awaitable[dict[str, Any]]]


@contextlib.asynccontextmanager
async def serving(root: Path, *flags: str, **env: str) -> AsyncIterator[Call]:
    """`envcheck mcp serve FLAGS` in ``root`` (with ``env`` set), through the SDK's client:
    ``await call(tool, **arguments)`` is the tool's structured answer (``{"error": text}`` with
    ``error=True``, for a call the server must fail). Checks that the tools offered are those the
    flags allow, that each answer's text is its structured content, and that no answer holds
    :data:`SECRET`."""
    from mcp import Client, StdioServerParameters
    from mcp_types import TextContent

    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "envcheck.cli.main", "mcp", "serve", "--timeout", "60", *flags],
        cwd=root,
        env={"HOME": str(root), "PATH": os.environ.get("PATH", ""), **env},
    )
    with anyio.fail_after(120):
        async with Client(server) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert names == (TOOLS | {"apply_fix"} if "--allow-fix" in flags else TOOLS)

            async def call(tool: str, *, error: bool = False, **arguments: Any) -> dict[str, Any]:
                result = await client.call_tool(tool, arguments)
                first = result.content[0]
                assert isinstance(first, TextContent), first
                assert SECRET not in first.text
                assert result.is_error is error, result.content
                if error:
                    return {"error": first.text}
                answer = result.structured_content
                assert isinstance(answer, dict) and json.loads(first.text) == answer
                return answer

            yield call


def database_exists(pg: PostgresCluster, name: str) -> bool:
    with pg.connect() as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return found is not None


@pytest.fixture
def missing_database(tmp_path: Path, postgres_server: PostgresCluster) -> Iterator[str]:
    """A project whose PostgreSQL (as the superuser, with a password in its DSN) names a
    database that does not exist; dropped afterwards if a test made it."""
    name = f"envcheck_mcpfx_{uuid.uuid4().hex[:8]}"
    dsn = postgres_server.dsn("postgres", name, SECRET)
    (tmp_path / "pyproject.toml").write_text(f'[tool.envcheck.postgres]\ndsn = "{dsn}"\n')
    yield name
    postgres_server.sql(f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture
def acl_user(tmp_path: Path, redis_port: int) -> Iterator[tuple[redis.Redis, str]]:
    """A project whose Redis user (its password in the URL) may not DEL, so the probe's
    round-trip fails; ``admin_url`` is the default user. Yields an admin client and the user;
    the user and the probe keys the failed round-trips left are removed afterwards."""
    user = f"envcheck-mcpfx-{uuid.uuid4().hex[:6]}"
    admin = redis.Redis(port=redis_port)
    acl = ("ACL", "SETUSER", user, "on", f">{SECRET}", "~*", "+@all", "-del")
    admin.execute_command(*acl)  # type: ignore[no-untyped-call]
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(f"""
        [tool.envcheck.redis]
        url = "redis://{user}:{SECRET}@127.0.0.1:{redis_port}/0"
        admin_url = "redis://127.0.0.1:{redis_port}/0"
        """))
    try:
        yield admin, user
    finally:
        admin.execute_command("ACL", "DELUSER", user)  # type: ignore[no-untyped-call]
        for key in admin.scan_iter(match="envcheck:probe:*"):
            admin.delete(key)
        admin.close()


def may_delete(admin: redis.Redis, user: str) -> bool:
    """Whether the Redis ACL lets ``user`` DEL a probe key (asked without running it)."""
    ask = ("ACL", "DRYRUN", user, "DEL", "envcheck:probe:x")
    said = admin.execute_command(*ask)  # type: ignore[no-untyped-call]
    return bool(said == b"OK")


def test_plan_fixes_lists_the_fix_and_changes_nothing(
    tmp_path: Path, postgres_server: PostgresCluster, missing_database: str
) -> None:
    async def session() -> list[dict[str, Any]]:
        async with serving(tmp_path) as call:
            plan = await call("plan_fixes")
            denied = await call("apply_fix", fix_id=plan["fixes"][0]["id"], error=True)
            return [plan, await call("plan_fixes", component="postgres"), denied]

    plan, again, denied = anyio.run(session)
    assert plan["verdict"] == "fixes planned"
    assert plan["counts"]["fail"] == 1
    assert (
        plan["apply"] == "apply_fix is off: start `envcheck mcp serve --allow-fix` to apply fixes"
    )
    [fix] = plan["fixes"]
    assert len(fix["id"]) == 12 and int(fix["id"], 16) >= 0
    assert fix["checks"] == fix["heals"] == ["postgres/connect"]
    [step] = fix["steps"]
    assert step["kind"] == "sql" and step["where"] == "server"
    assert step["statement"] == f"CREATE DATABASE {missing_database}"
    assert step["database"] == "postgres" and step["needs"] == []
    assert (fix["manual"], fix["privileged"], fix["needs"]) == (False, False, [])
    assert fix["refused"] == "fix_disabled"
    assert denied == {"error": "Unknown tool: apply_fix"}  # not offered without --allow-fix
    # planning twice names the fix alike, and nothing was created in between
    assert again["fixes"] == plan["fixes"]
    assert not database_exists(postgres_server, missing_database)
    assert SECRET not in (tmp_path / "envcheck-report.json").read_text()


def test_apply_fix_heals_by_id_and_refuses_an_id_not_planned(
    tmp_path: Path, postgres_server: PostgresCluster, missing_database: str
) -> None:
    async def session() -> list[dict[str, Any]]:
        async with serving(tmp_path, "--allow-fix") as call:
            plan = await call("plan_fixes")
            [fix] = plan["fixes"]
            stale = await call("apply_fix", fix_id=STALE)
            assert not database_exists(postgres_server, missing_database)
            applied = await call("apply_fix", fix_id=fix["id"])
            last = await call("last_report")
            again = await call("apply_fix", fix_id=fix["id"])
            return [plan, stale, applied, last, again]

    plan, stale, applied, last, again = anyio.run(session)
    [fix] = plan["fixes"]
    assert fix["refused"] is None
    assert plan["apply"] == (
        "apply_fix applies fixes whose steps need no privilege (no --allow-privileged)"
    )
    # an id no plan has: refused, with the current plan to choose from
    assert stale["verdict"] == "refused" and stale["refused"] == "not_planned"
    assert stale["id"] == STALE and stale["applied"] is False
    assert "call plan_fixes for the current ids" in stale["message"]
    assert stale["plan"] == plan["fixes"]
    # the planned one: applied, then re-checked
    assert applied["verdict"] == "healed", applied
    assert applied["id"] == fix["id"] and applied["fix"]["id"] == fix["id"]
    assert applied["applied"] is True and applied["reason"] is None
    [step] = applied["steps"]
    assert step["kind"] == "sql" and step["ok"] is True
    assert step["output"].startswith("done: ")
    assert applied["healed"] == ["postgres/connect"] and applied["still_failing"] == []
    assert applied["recheck"]["verdict"] == "passed"
    assert applied["recheck"]["counts"]["fail"] == 0 and applied["recheck"]["problems"] == []
    assert applied["plan"] == []
    assert database_exists(postgres_server, missing_database)
    # the report of the re-check holds the record of what was done
    report = json.loads((tmp_path / "envcheck-report.json").read_text())
    [record] = report["fixes"]
    assert record["checks"] == record["healed"] == ["postgres/connect"]
    assert record["applied"] is True and record["steps"] == applied["steps"]
    assert all(check["status"] == "pass" for check in report["checks"])
    assert last["verdict"] == "passed" and last["summary"] == applied["recheck"]["summary"]
    assert SECRET not in json.dumps(report)
    # healed, it is planned no more
    assert again["verdict"] == "refused" and again["refused"] == "not_planned"
    assert again["plan"] == []


def test_a_privileged_fix_needs_allow_privileged(
    tmp_path: Path, acl_user: tuple[redis.Redis, str]
) -> None:
    admin, user = acl_user

    async def refused() -> list[dict[str, Any]]:
        async with serving(tmp_path, "--allow-fix") as call:
            plan = await call("plan_fixes", component="redis")
            return [plan, await call("apply_fix", fix_id=plan["fixes"][0]["id"])]

    async def allowed(fix_id: str) -> dict[str, Any]:
        async with serving(tmp_path, "--allow-fix", "--allow-privileged") as call:
            return await call("apply_fix", fix_id=fix_id, component="redis")

    plan, refusal = anyio.run(refused)
    [fix] = plan["fixes"]
    assert fix["checks"] == ["redis/roundtrip"]
    assert (fix["privileged"], fix["needs"], fix["refused"]) == (True, ["admin"], "privileged")
    [step] = fix["steps"]
    assert step["kind"] == "redis" and step["args"][:3] == ["ACL", "SETUSER", user]
    assert refusal["verdict"] == "refused" and refusal["refused"] == "privileged"
    assert refusal["applied"] is False and refusal["fix"]["id"] == fix["id"]
    assert "--allow-privileged" in refusal["message"]
    assert not may_delete(admin, user)

    # the same id (a fix is named by its steps), on a server started with --allow-privileged
    applied = anyio.run(allowed, fix["id"])
    assert applied["verdict"] == "healed", applied
    assert applied["healed"] == ["redis/roundtrip"]
    assert [s["ok"] for s in applied["steps"]] == [True]
    assert applied["recheck"]["verdict"] == "passed" and applied["plan"] == []
    assert may_delete(admin, user)
    report = (tmp_path / "envcheck-report.json").read_text()
    assert json.loads(report)["fixes"][0]["healed"] == ["redis/roundtrip"]
    assert SECRET not in report


#: a project's own checks whose fixes fail: a command that prints the secret it is given through
#: its environment and exits 3, and one that outlasts --fix-timeout (the next step never runs)
FAILING = textwrap.dedent("""
    import sys
    import envcheck
    from envcheck import kit

    @envcheck.hookimpl
    def envcheck_checks(config):
        demo = kit.Component("demo", timeout=5.0)

        def broken(ctx):
            raise envcheck.CheckFailed("broken", fix=[kit.Command(
                ["sh", "-c", "echo token=$TOKEN; exit 3"], env={"TOKEN": "${DEMO_SECRET}"}
            )])

        def slow(ctx):
            raise envcheck.CheckFailed("slow", fix=[
                kit.Command([sys.executable, "-c", "import time; time.sleep(30)"]),
                kit.Command(["touch", "after.txt"]),
            ])

        yield demo.check("broken", broken)
        yield demo.check("slow", slow)
    """)


def test_a_fix_whose_step_fails_is_not_healed(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(FAILING)
    (tmp_path / "pyproject.toml").write_text("[tool.envcheck]\n")

    async def session() -> list[dict[str, Any]]:
        async with serving(
            tmp_path, "--allow-fix", "--fix-timeout", "2", DEMO_SECRET=SECRET
        ) as call:
            plan = await call("plan_fixes")
            ids = {fix["checks"][0]: fix["id"] for fix in plan["fixes"]}
            return [
                plan,
                await call("apply_fix", fix_id=ids["demo/broken"]),
                await call("apply_fix", fix_id=ids["demo/slow"]),
            ]

    plan, broken, slow = anyio.run(session)
    assert sorted(fix["checks"][0] for fix in plan["fixes"]) == ["demo/broken", "demo/slow"]
    assert all(fix["refused"] is None for fix in plan["fixes"])
    assert broken["verdict"] == "not healed", broken
    assert broken["reason"] == "a step failed" and broken["healed"] == []
    assert broken["still_failing"] == ["demo/broken"]
    [step] = broken["steps"]
    assert (step["ok"], step["exit_code"]) == (False, 3)
    assert step["output"].strip() == "token=***"
    assert broken["recheck"]["verdict"] == "failed"
    assert {fix["checks"][0] for fix in broken["plan"]} == {"demo/broken", "demo/slow"}
    # the first step outlasts --fix-timeout: stopped, and the second never runs
    assert slow["verdict"] == "not healed", slow
    [stopped] = slow["steps"]
    assert stopped["ok"] is False and stopped["exit_code"] is None
    assert stopped["output"].strip().endswith("(stopped after 2 s)")
    assert not (tmp_path / "after.txt").exists()
    report = (tmp_path / "envcheck-report.json").read_text()
    assert SECRET not in report
    assert [fix["checks"] for fix in json.loads(report)["fixes"]] == [["demo/slow"]]


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--allow-privileged"], "--allow-privileged goes with --allow-fix"),
        (
            ["--allow-fix", "--fix-timeout", "0"],
            "--fix-timeout must be a positive number of seconds",
        ),
    ],
)
def test_fix_flags_are_checked_before_serving(tmp_path: Path, flags: list[str], said: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "envcheck.cli.main", "mcp", "serve", *flags],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines()[-1] == f"envcheck mcp: error: {said}"


# -- an apply_fix interrupted: the client cancels it, or the server gets SIGTERM --------------

#: a project's own check whose fix's first step starts a process in a session of its own (out of
#: the step's process group, re-parented once the step dies), writes both pids and waits; the
#: second step must never run
INTERRUPTED = textwrap.dedent("""
    import sys
    import envcheck
    from envcheck import kit

    STEP = (
        "import os, subprocess, time\\n"
        "child = subprocess.Popen(['sleep', '300'], start_new_session=True)\\n"
        "open('step.pids.tmp', 'w').write(f'{os.getpid()} {child.pid}')\\n"
        "os.replace('step.pids.tmp', 'step.pids')\\n"
        "time.sleep(300)\\n"
    )

    @envcheck.hookimpl
    def envcheck_checks(config):
        demo = kit.Component("demo", timeout=5.0)

        def slow(ctx):
            raise envcheck.CheckFailed("slow", fix=[
                kit.Command([sys.executable, "-c", STEP]),
                kit.Command(["touch", "after.txt"]),
            ])

        yield demo.check("slow", slow)
    """)


class Wire:
    """`envcheck mcp serve --allow-fix` spoken to line by line (JSON-RPC over stdio), so that a
    test can cancel a call in flight and signal the server between two messages."""

    def __init__(self, root: Path, *, sigint_ignored: bool = False) -> None:
        import queue
        import threading

        self.log = (root.parent / f"{root.name}-serve.log").open("w")
        argv = [sys.executable, "-m", "envcheck.cli.main", "mcp", "serve", "--allow-fix"]
        if sigint_ignored:  # as an editor started as a background job of a script starts it
            argv = ["bash", "-c", "trap '' INT; exec \"$@\"", "bash", *argv]
        self.process = subprocess.Popen(
            argv,
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env={"HOME": str(root), "PATH": os.environ.get("PATH", "")},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        assert self.process.stdout is not None
        stdout = self.process.stdout

        def read() -> None:
            for line in stdout:
                self.lines.put(line)

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        self.ids = iter(range(1, 1000))
        hello = self.request(
            "initialize",
            protocolVersion="2025-11-25",
            capabilities={},
            clientInfo={"name": "test", "version": "0"},
        )
        assert self.answer(hello)["result"]["serverInfo"]["name"] == "envcheck"
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def request(self, method: str, **params: Any) -> int:
        number = next(self.ids)
        self.send({"jsonrpc": "2.0", "id": number, "method": method, "params": params})
        return number

    def call(self, tool: str, **arguments: Any) -> int:
        return self.request("tools/call", name=tool, arguments=arguments)

    def answer(self, number: int, timeout: float = 120.0) -> dict[str, Any]:
        import queue
        import time

        deadline = time.monotonic() + timeout
        while True:
            for message in self.seen:
                if message.get("id") == number:
                    return message
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no answer to request {number}: {self.seen}") from None
            self.seen.append(json.loads(line))

    def result(self, number: int) -> dict[str, Any]:
        answer = self.answer(number)
        assert answer["result"]["isError"] is False, answer
        found: dict[str, Any] = answer["result"]["structuredContent"]
        return found

    def close(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(10)
        self.process.stdout.close()
        self.log.close()


def running(pid: int) -> bool:
    """Whether ``pid`` is a process that still runs (a zombie has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(path: Path, timeout: float = 120.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


@pytest.fixture(params=["SIGINT handled", "SIGINT ignored by the server's parent"])
def interrupted_project(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Path, Wire]]:
    """A project whose one fix hangs in its first step, and a server on it with --allow-fix; the
    step's processes are killed afterwards should the test have left them running. The server is
    started as usual, and with SIGINT ignored, which its children inherit (before: the fix's run,
    stopped with SIGINT, was killed without recording the step)."""
    import signal

    root = tmp_path / "project"
    root.mkdir()
    (root / "conftest.py").write_text(INTERRUPTED)
    (root / "pyproject.toml").write_text("[tool.envcheck]\n")
    wire = Wire(root, sigint_ignored="ignored" in request.param)
    try:
        yield root, wire
    finally:
        wire.close()
        if (root / "step.pids").exists():
            for pid in (root / "step.pids").read_text().split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)


def planned_fix(wire: Wire) -> tuple[str, str]:
    """The id of the one planned fix, and when the report it was planned from was made."""
    plan = wire.result(wire.call("plan_fixes"))
    [fix] = plan["fixes"]
    assert fix["checks"] == ["demo/slow"] and fix["refused"] is None, fix
    report = json.loads(Path(plan["report"]).read_text())
    return fix["id"], report["generated_at"]


def assert_stopped(root: Path, step: dict[str, Any]) -> None:
    """The step in flight was stopped, with the process it started; the next step never ran."""
    step_pid, child_pid = (int(pid) for pid in (root / "step.pids").read_text().split())
    assert not running(step_pid), "the step in flight still runs"
    assert not running(child_pid), "the process the step started still runs (an orphan)"
    assert not (root / "after.txt").exists()
    assert step["kind"] == "command" and step["ok"] is False and step["exit_code"] is None
    # the step's group (its shell) ended as the interruption left the wait; its child, which
    # started a session of its own, was found by the step's mark
    assert step["output"] == (
        "stopped (its process group ended, and 1 process(es) of the step outside it)"
    ), step


def test_a_cancelled_apply_fix_stops_its_step_and_runs_nothing_else(
    interrupted_project: tuple[Path, Wire],
) -> None:
    import time

    root, wire = interrupted_project
    fix_id, planned_at = planned_fix(wire)
    number = wire.call("apply_fix", fix_id=fix_id)
    wait_for(root / "step.pids")
    wire.send(
        {
            "jsonrpc": "2.0",
            "method": "notifications/cancelled",
            "params": {"requestId": number, "reason": "the user stopped it"},
        }
    )
    # the report records what was applied: the first step, stopped
    deadline = time.monotonic() + 60
    while True:
        report = json.loads((root / "envcheck-report.json").read_text())
        if report.get("fixes"):
            break
        assert time.monotonic() < deadline, "the report never recorded the fix"
        time.sleep(0.05)
    [record] = report["fixes"]
    assert record["checks"] == ["demo/slow"] and record["healed"] == []
    assert record["applied"] is True and record["reason"] == "interrupted while this step ran"
    [step] = record["steps"]
    assert_stopped(root, step)
    assert report["generated_at"] == planned_at  # no re-check ran
    # the server goes on serving, and never answers the cancelled call
    last = wire.result(wire.call("last_report"))
    assert last["problems"][0]["id"] == "demo/slow"
    assert all(message.get("id") != number for message in wire.seen)
    assert wire.process.poll() is None


def test_sigterm_during_apply_fix_stops_its_step_and_answers_what_was_applied(
    interrupted_project: tuple[Path, Wire],
) -> None:
    import signal

    root, wire = interrupted_project
    fix_id, planned_at = planned_fix(wire)
    number = wire.call("apply_fix", fix_id=fix_id)
    wait_for(root / "step.pids")
    wire.process.send_signal(signal.SIGTERM)
    answer = wire.result(number)
    assert answer["verdict"] == "interrupted", answer
    assert answer["applied"] is True and answer["reason"] == "interrupted while this step ran"
    assert answer["healed"] == [] and answer["still_failing"] == ["demo/slow"]
    assert "nothing else ran" in answer["message"]
    [step] = answer["steps"]
    assert_stopped(root, step)
    assert wire.process.wait(30) == -signal.SIGTERM
    report = json.loads((root / "envcheck-report.json").read_text())
    assert answer["report"] == str(root / "envcheck-report.json")
    assert report["generated_at"] == planned_at  # no re-check ran
    [record] = report["fixes"]
    assert record["steps"] == answer["steps"] and record["reason"] == answer["reason"]
