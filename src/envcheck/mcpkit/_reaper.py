"""No MCP server, nor anything it started, outlives envcheck.

Every stdio server runs in its own process group, recorded here while it lives, with a mark in
its environment (``ENVCHECK_MCP_SERVER=<token>``) that its descendants inherit. A server's
process group is not its whole tree: a child may leave it (``setsid``, a daemon's double fork)
and, once the server exits, be re-parented away. So while servers run, envcheck's process is a
*child subreaper* on Linux (``prctl(PR_SET_CHILD_SUBREAPER)``): orphans of the servers are
re-parented to it instead of to init, and :func:`end_tree` finds every descendant (by the process
tree and by the mark), stops it and reaps it.

The groups and trees still alive when the interpreter exits (a check cut short, ``-x``, Ctrl-C)
are killed by an ``atexit`` handler; SIGTERM and SIGHUP (a CI job cancelled, a terminal closed),
which skip ``atexit``, kill them first and then end the process as the signal would have.
"""

from __future__ import annotations

import atexit
import itertools
import os
import signal
import socket
import sys
import threading
import time
from types import FrameType
from typing import Any, NamedTuple

#: the variable that marks a server's process tree (inherited by everything it starts)
MARK = "ENVCHECK_MCP_SERVER"
#: Seconds a stdio server that left a request of envcheck's unanswered gets to exit by itself once
#: its stdin is closed: one that holds its stdout in a buffer writes the answers as it exits (a
#: bound, not a sleep: the wait ends when it exits; only a server already waited on pays it).
#: Here, not in the transport (which imports anyio), so the component's hooks import no client.
LATE_GRACE = 3.0
_PR_SET_CHILD_SUBREAPER = 36
_lock = threading.Lock()
_live: dict[int, str] = {}  # process group -> the mark of its tree
_installed = False
_subreaper_users = 0
_tokens = itertools.count(1)


def new_mark() -> str:
    """A mark for the next server's tree, unique in this machine's process table."""
    return f"{os.getpid()}.{next(_tokens)}"


def track(pgid: int, mark: str = "") -> None:
    with _lock:
        _live[pgid] = mark


def untrack(pgid: int) -> None:
    with _lock:
        _live.pop(pgid, None)


def hold_orphans() -> None:
    """Become a child subreaper (Linux) while at least one server runs."""
    global _subreaper_users
    with _lock:
        _subreaper_users += 1
        if _subreaper_users == 1:
            _set_subreaper(1)


def release_orphans() -> None:
    """The last running server is gone: orphans go to init again."""
    global _subreaper_users
    with _lock:
        _subreaper_users = max(0, _subreaper_users - 1)
        if _subreaper_users == 0:
            _set_subreaper(0)


def _set_subreaper(value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, ctypes.c_ulong(value), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


class _Entry(NamedTuple):
    parent: int
    state: str
    started: int  # clock ticks after boot


def _table() -> dict[int, _Entry]:
    """Every process this user can see (Linux ``/proc``): its parent, state and start time."""
    found: dict[int, _Entry] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            fields = _read(f"/proc/{entry}/stat").rsplit(b")", 1)[1].split()
            # after the name: state (3), ppid (4), ..., starttime (22), numbered from 1
            found[int(entry)] = _Entry(int(fields[1]), fields[0].decode(), int(fields[19]))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _read(path: str) -> bytes:
    """A small /proc file's bytes (read for every process, many times a run: no pathlib)."""
    with open(path, "rb") as handle:
        return handle.read()


def tree(root: int, mark: str = "") -> set[int]:
    """The descendants of ``root`` (not ``root``): by parent links, and every process that
    carries ``mark`` in its environment (the ones that left the tree)."""
    table = _table()
    children: dict[int, list[int]] = {}
    for pid, entry in table.items():
        children.setdefault(entry.parent, []).append(pid)
    found: set[int] = set()
    pending = list(children.get(root, []))
    while pending:
        pid = pending.pop()
        if pid not in found:
            found.add(pid)
            pending.extend(children.get(pid, []))
    if mark:
        # what carries the mark was started by ``root`` or its children: not before ``root``
        # (the environments of older processes are not read, on a machine running hundreds)
        since = table[root].started if root in table else 0
        found |= _marked(table, children, MARK, mark, found | {root}, since)
    return found


def marked(variable: str, value: str) -> set[int]:
    """Every process (but this one) that carries ``variable=value`` in its environment, and their
    descendants: what something started with that mark left behind, wherever it was re-parented
    (Linux ``/proc``; elsewhere none is found)."""
    table = _table()
    children: dict[int, list[int]] = {}
    for pid, entry in table.items():
        children.setdefault(entry.parent, []).append(pid)
    return _marked(table, children, variable, value, set())


def _marked(
    table: dict[int, _Entry],
    children: dict[int, list[int]],
    variable: str,
    value: str,
    skip: set[int],
    since: int = 0,
) -> set[int]:
    found: set[int] = set()
    needle = f"{variable}={value}".encode() + b"\0"
    for pid, entry in table.items():
        if pid in skip or pid in found or pid == os.getpid() or entry.started < since:
            continue
        try:
            environ = _read(f"/proc/{pid}/environ")
        except OSError:
            continue
        if b"\0" + needle in b"\0" + environ + b"\0":
            found.add(pid)
            pending = list(children.get(pid, []))
            while pending:
                child = pending.pop()
                if child not in found and child not in skip:
                    found.add(child)
                    pending.extend(children.get(child, []))
    return found


def running(pids: set[int]) -> list[tuple[int, str]]:
    """Those of ``pids`` still running, each with its command line (shortened)."""
    found = []
    for pid in sorted(_living(pids)):
        try:
            argv = _read(f"/proc/{pid}/cmdline").rstrip(b"\0").split(b"\0")
        except OSError:
            continue
        found.append((pid, " ".join(a.decode(errors="replace") for a in argv)[:200]))
    return found


def _living(pids: set[int]) -> set[int]:
    table = _table()
    return {pid for pid in pids if pid in table and table[pid].state != "Z"}


def end_tree(pids: set[int], grace: float = 0.5) -> None:
    """SIGTERM ``pids``, SIGKILL those still running after ``grace`` seconds, then reap the ones
    that are envcheck's children now (orphans re-parented to the subreaper)."""
    for pid in pids:
        _kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while _living(pids) and time.monotonic() < deadline:
        time.sleep(0.01)
    for pid in _living(pids):
        _kill(pid, signal.SIGKILL)
    reap(pids)


def reap(pids: set[int], within: float = 1.0) -> None:
    """Collect the exit status of each of ``pids`` that is a child of this process, so that
    nothing is left as a zombie (only these pids: never ``waitpid(-1)``, which would steal the
    status of a child someone else waits for)."""
    me = os.getpid()
    mine = {pid for pid, entry in _table().items() if pid in pids and entry.parent == me}
    deadline = time.monotonic() + within
    while mine and time.monotonic() < deadline:
        for pid in list(mine):
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done == pid:
                mine.discard(pid)
        if mine:
            time.sleep(0.01)


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def kill_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@atexit.register
def kill_leftovers() -> None:
    """Kill every server process group this process started and has not reaped yet, and
    everything those servers started."""
    with _lock:
        groups = dict(_live)
        _live.clear()
    for pgid, mark in groups.items():
        leftovers = tree(pgid, mark)
        kill_group(pgid, signal.SIGKILL)
        for pid in leftovers:
            _kill(pid, signal.SIGKILL)
        reap(leftovers | {pgid}, within=0.5)


def install_signal_handlers() -> None:
    """On SIGTERM / SIGHUP: kill the servers, then do what the signal was going to do.

    Only from the main thread (Python's rule), once, and only over the default handlers: a handler
    someone else installed is called after the servers are killed."""
    global _installed
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    _installed = True
    for sig in (signal.SIGTERM, signal.SIGHUP):
        previous = signal.getsignal(sig)
        if previous is signal.SIG_IGN:
            continue
        signal.signal(sig, _handler(previous))


def _handler(previous: Any) -> Any:
    def handle(signum: int, frame: FrameType | None) -> None:
        kill_leftovers()
        if callable(previous):
            previous(signum, frame)
            return
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    return handle


def _sockets(pids: set[int]) -> set[str]:
    """The inodes of the sockets the processes ``pids`` hold open."""
    found: set[str] = set()
    for pid in pids:
        try:
            names = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for name in names:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{name}")
            except OSError:
                continue
            if target.startswith("socket:["):
                found.add(target[8:-1])
    return found


def _address(hexed: str) -> str:
    """An address of /proc/net/tcp{,6}: the bytes of each 32-bit word in host order."""
    raw = bytes.fromhex(hexed)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    family = socket.AF_INET if len(words) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, words)


def listening(pids: set[int]) -> list[tuple[str, int]]:
    """The TCP addresses (address, port) on which the processes ``pids`` listen, from
    /proc/<pid>/net/tcp and tcp6 (state 0A, LISTEN) and the sockets they hold; empty where
    /proc does not tell."""
    inodes = _sockets(pids)
    if not inodes:
        return []
    found: list[tuple[str, int]] = []
    seen: set[str] = set()
    for pid in sorted(pids):
        for table in ("tcp", "tcp6"):
            try:
                lines = _read(f"/proc/{pid}/net/{table}").decode("ascii", "replace").splitlines()
            except OSError:
                continue
            for line in lines[1:]:
                fields = line.split()
                if len(fields) < 10 or fields[3] != "0A" or fields[9] not in inodes:
                    continue
                if fields[9] in seen:
                    continue
                seen.add(fields[9])
                host, _, port = fields[1].rpartition(":")
                try:
                    found.append((_address(host), int(port, 16)))
                except (ValueError, OSError):
                    continue
        if found:
            break
    return found
