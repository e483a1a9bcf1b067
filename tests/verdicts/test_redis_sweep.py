"""Every error reply the installed redis-server can send, to every command the checks send: the
failure space of the server's own shared error replies, not the rows someone met.

The replies are read from the redis-server binary itself (its ``-PREFIX words`` strings:
server.c's shared objects and the replies of networking.c, acl.c, cluster.c...; a ``%s`` becomes
``x``). A proxy in front of a real redis-server (with a password) answers one command with one
reply and passes everything else on, so what INFO says is the real server's state: a standalone
primary, no memory limit, saves ok, no min-replicas-to-write, not loading. One envcheck session
checks one instance per (reply, command).

For every pair: a check fails (CONFIG GET excepted: refused, the config check passes with
persistence unknown, as its rows say); none is envcheck's own error; the password is never shown;
the failing check names the reply's class. Where the reply's class would mean a state that the
real server's INFO contradicts (NOAUTH after the password was sent, WRONGPASS to a command that
is not AUTH, OOM without maxmemory, MISCONF with saves ok, READONLY/MASTERDOWN from a primary,
NOREPLICAS without min-replicas-to-write, CLUSTERDOWN from a standalone server, LOADING while not
loading), the verdict is the honest fallback: which command was refused, the class and the
server's words verbatim, and what contradicts it; never the class's usual cause.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.servers import redis_binary, redis_server

PASSWORD = "Sweep-redis-pw-Never-Shown-3"
#: every command the checks send to a healthy server with a password (a run through the proxy
#: logs them: AUTH, PING, INFO server/replication/memory/persistence, SET/GET/DEL of the probe
#: key, CONFIG GET save)
COMMANDS = ("AUTH", "PING", "INFO", "SET", "GET", "DEL", "CONFIG")
#: the classes whose usual cause the real server's state (INFO, the request) contradicts here,
#: on the commands after which INFO is read on an authenticated connection
CONTRADICTED = {
    "NOAUTH",
    "WRONGPASS",
    "OOM",
    "MISCONF",
    "READONLY",
    "MASTERDOWN",
    "NOREPLICAS",
    "CLUSTERDOWN",
    "LOADING",
}


def error_replies() -> list[str]:
    """The ``-PREFIX words`` strings of the installed redis-server binary (``%s`` -> ``x``)."""
    binary = redis_binary()
    found = set()
    for raw in re.findall(rb"-[A-Z]{3,} [\x20-\x7e]{2,}", Path(binary).read_bytes()):
        text = raw.decode()
        if "%" in text and not re.search(r"%[sSidf]|%ll[du]", text):
            continue
        found.add(re.sub(r"%ll[du]|%[sSidf]", "x", text).rstrip())
    return sorted(found)


#: the proxy, in a process of its own: ``python -c PROXY upstream_port plans.json``; prints its
#: ports (one per plan) as JSON, answers until stdin closes
PROXY = r"""
import asyncio, json, sys

upstream = int(sys.argv[1])
plans = json.loads(open(sys.argv[2]).read())

async def command(reader):
    line = await reader.readline()
    if not line:
        return None, b""
    raw = line
    if line[:1] != b"*":  # an inline command
        return line.split(), raw
    args = []
    for _ in range(int(line[1:])):
        head = await reader.readline()
        data = await reader.readexactly(int(head[1:]) + 2)
        raw += head + data
        args.append(data[:-2])
    return args, raw

async def relay(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    writer.close()

def serve(plan):
    async def one(reader, writer):
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
        back = asyncio.ensure_future(relay(up_reader, writer))
        try:
            while True:
                args, raw = await command(reader)
                if args is None:
                    break
                if args and args[0].decode(errors="replace").upper() == plan["command"]:
                    writer.write(plan["reply"].encode() + b"\r\n")
                    await writer.drain()
                else:  # the client waits for each reply: the order holds
                    up_writer.write(raw)
                    await up_writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError):
            pass
        up_writer.close()
        back.cancel()
        writer.close()
    return one

async def main():
    servers = [await asyncio.start_server(serve(p), "127.0.0.1", 0, backlog=512) for p in plans]
    print(json.dumps([s.sockets[0].getsockname()[1] for s in servers]), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""


@contextmanager
def proxies(upstream: int, plans: list[dict[str, str]], directory: Path) -> Iterator[list[int]]:
    table = directory / "sweep-plans.json"
    table.write_text(json.dumps(plans))
    with subprocess.Popen(
        [sys.executable, "-c", PROXY, str(upstream), str(table)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            yield json.loads(proc.stdout.readline())
        finally:
            proc.stdin.close()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:  # pragma: no cover - a stuck proxy
                proc.kill()
                proc.wait()
            proc.stdout.close()


def test_every_error_reply_to_every_command_fails_honestly(pytester: pytest.Pytester) -> None:
    from envcheck.checks.shared import server

    replies = error_replies()
    assert len(replies) > 40, f"only {len(replies)} error replies found in redis-server"
    plans = [{"command": c, "reply": r} for r in replies for c in COMMANDS]
    with redis_server("--requirepass", PASSWORD) as port:
        with proxies(port, plans, pytester.path) as ports:
            pytester.makefile(
                ".toml",
                pyproject="".join(
                    f"[tool.envcheck.redis.p{i}]\n"
                    f'url = "redis://:{PASSWORD}@127.0.0.1:{p}/0"\n'
                    "timeout = 30.0\n"  # hundreds of instances at once, on a busy machine
                    for i, p in enumerate(ports)
                ),
            )
            try:
                pytester.runpytest_inprocess(
                    "-m", "redis", "-p", "no:cacheprovider", "--envcheck-report", "-q"
                )
            finally:
                server.close_all(("redis",))
    report = pytester.path / "envcheck-report.json"
    assert report.is_file(), "envcheck wrote no report"
    assert PASSWORD not in report.read_text(), "the password is in the report"
    by_instance: dict[str, list[dict[str, str]]] = {}
    for check in json.loads(report.read_text())["checks"]:
        by_instance.setdefault(check["id"].split("/")[1].split(".")[0], []).append(check)
    problems, fallbacks = [], 0
    for i, plan in enumerate(plans):
        command, reply = plan["command"], plan["reply"]
        kind, words = reply[1:].split(" ", 1)[0], reply[1:]
        checks = by_instance.get(f"p{i}", [])
        failed = [c for c in checks if c["status"] in ("fail", "warn")]
        texts = [f"{c['summary']} | {c.get('why') or ''} | {c.get('hint') or ''}" for c in failed]
        if command == "CONFIG":
            config = [c for c in checks if c["id"].endswith(".config")]
            if failed or not config or "persistence unknown" not in config[0]["summary"]:
                problems.append(f"{command} {reply[:50]}: {failed or config}")
            continue
        if not failed:
            problems.append(f"{command} {reply[:50]}: every check passed")
        elif any("bug" in t.lower() or "Traceback" in t for t in texts):
            problems.append(f"{command} {reply[:50]}: envcheck's own error: {texts}")
        elif not any(kind in t for t in texts):
            problems.append(f"{command} {reply[:50]}: no failing check names {kind}: {texts}")
        elif kind in CONTRADICTED and command not in ("AUTH", "PING", "INFO"):
            # the roundtrip commands: INFO is read on the authenticated connection
            fallbacks += 1
            wanted = f"{command} was refused ({kind}): {words[:60]}"
            if not any(wanted in t and "would mean a specific state" in t for t in texts):
                problems.append(f"{command} {reply[:50]}: not the contradicted fallback: {texts}")
    assert not problems, f"{len(problems)} of {len(plans)} pairs:\n" + "\n".join(problems)
    assert fallbacks > 30, f"only {fallbacks} contradicted replies reached the fallback"
