"""Why a program could not be started: a failed exec diagnosed from its errno and the file itself.

``ENOENT`` is raised for a missing program *and* for a program whose ``#!`` interpreter (or ELF
loader) is missing; ``EACCES`` for a file without the execute bit, a directory or a ``noexec``
mount; ``ENOEXEC`` for a file that is not a program. Shared by every component that starts one
(Poetry, MCP stdio servers)::

    try:
        subprocess.run([program, ...])
    except OSError as exc:
        problem = _exec.diagnose(program, exc)
        raise CheckFailed(problem.summary, why=problem.why, hint=problem.hint) from None

:func:`inspect` finds the same problems before starting anything (a file that ``shutil.which``
skipped because it lacks the execute bit, a ``#!/usr/bin/env python9`` whose name is not on PATH,
which ``env`` reports only as exit code 127).

:func:`run` runs a program with its output bounded: at most :data:`MAX_OUTPUT` bytes of each stream
kept from its start and :data:`OUTPUT_TAIL` from its end, the rest read and dropped, so a program
that prints 100 MB costs no more memory than one that prints 1 MiB and still ends at its timeout.
The program leads a process group of its own, and that group is killed whenever :func:`run` stops
waiting for it early (its timeout, Ctrl-C, SIGTERM unwinding the caller, :func:`stop_all` at the
end of an interrupted run), so that nothing it started outlives envcheck.
"""

from __future__ import annotations

import errno
import os
import re
import shlex
import shutil
import signal
import stat
import struct
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: ELF ``e_machine`` values of the common CPUs, to name a binary built for another one
_ELF_MACHINES = {3: "x86", 62: "x86_64", 40: "arm", 183: "aarch64", 243: "riscv", 21: "ppc64"}
_PT_INTERP = 3


@dataclass(frozen=True)
class ExecProblem:
    """What is wrong with a program, why it matters, and the command that fixes it."""

    summary: str
    why: str
    hint: str
    #: ``ENOENT``, ``EACCES``, ``ENOEXEC`` or the name of another errno
    code: str
    #: the command that fixes it, where a program may run it (an edit of the file's first line)
    argv: tuple[str, ...] = ()
    #: the interpreter's command line that runs the file instead (its ``#!`` line, split), where
    #: the line itself cannot be run by the system
    through: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shebang:
    """The ``#!`` line of a script: the interpreter and, with ``/usr/bin/env``, the name it runs."""

    line: str
    interpreter: str
    argument: str

    @property
    def env_name(self) -> str | None:
        """``python3`` for ``#!/usr/bin/env python3`` (``env -S`` lines included)."""
        if Path(self.interpreter).name != "env" or not self.argument:
            return None
        words = [w for w in self.argument.split() if not w.startswith("-") and "=" not in w]
        return words[0] if words else None


def read_shebang(path: str | os.PathLike[str]) -> Shebang | None:
    """The ``#!`` line of ``path``, or ``None`` (no such line, unreadable)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError:
        return None
    if not head.startswith(b"#!"):
        return None
    return _shebang(head)


def _shebang(head: bytes) -> Shebang:
    line = head[2:].split(b"\n", 1)[0].decode("utf-8", errors="replace")
    # split on blanks only: a trailing \r (Windows line endings) belongs to the name
    parts = re.split(r"[ \t]+", line.strip(" \t"), maxsplit=1)
    return Shebang(line, parts[0], parts[1] if len(parts) > 1 else "")


def diagnose(program: str, error: OSError, *, reinstall: str | None = None) -> ExecProblem:
    """Why starting ``program`` raised ``error`` (an OSError from ``subprocess``/``exec``).

    ``reinstall`` is the exact command that reinstalls the program, used when its interpreter
    is gone. Decided from the errno and from the file, never from the error's words.
    """
    shown = shlex.quote(program)
    found = inspect(program, reinstall=reinstall)
    if found is not None:
        return found
    code = errno.errorcode.get(error.errno or 0, "error")
    if error.errno == errno.ENOENT:
        return ExecProblem(
            f"{program} does not exist",
            "the program was removed or the path is wrong",
            reinstall or f"install it, or fix the path {shown}",
            code,
        )
    if error.errno == errno.EACCES:
        return ExecProblem(
            f"permission denied running {program}",
            "a directory on its path is not searchable by this user, or a security policy "
            "forbids it",
            f"ls -ld {shown} and its directories; run it as a user allowed to",
            code,
        )
    if error.errno == errno.ENOEXEC:
        return _not_a_program(program, Path(program))
    return ExecProblem(
        f"could not start {program}: {os.strerror(error.errno or 0)}",
        f"the system refused to run it ({code})",
        f"run it by hand to see more: {shown}",
        code,
    )


def inspect(
    program: str, *, path: str | None = None, reinstall: str | None = None
) -> ExecProblem | None:
    """A problem that stops ``program`` (a path) from starting, found without running it.

    ``path`` is the PATH a ``#!/usr/bin/env NAME`` line is resolved against (default: this
    process's). ``None`` when nothing is wrong that the file shows.
    """
    file = Path(program)
    shown = shlex.quote(program)
    try:
        info = file.stat()
    except FileNotFoundError:
        if file.is_symlink():
            target = os.readlink(file)
            return ExecProblem(
                f"{program} is a broken symlink to {target}",
                "what it pointed to was removed (an uninstalled or moved installation)",
                reinstall or f"reinstall what provides it, or: ln -sf /real/path {shown}",
                "ENOENT",
            )
        return None
    except OSError:
        return None
    if stat.S_ISDIR(info.st_mode):
        return ExecProblem(
            f"{program} is a directory, not a program",
            "a command must name an executable file",
            f"name the program inside it (ls {shown})",
            "EACCES",
        )
    if not info.st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH):
        return ExecProblem(
            f"{program} is not executable (no execute bit)",
            "the file exists, but its mode does not allow running it",
            f"chmod +x {shown}",
            "EACCES",
        )
    if _noexec_mount(file):
        return ExecProblem(
            f"{program} is on a file system mounted noexec",
            "nothing on that mount may be executed, whatever the file's mode",
            "run it through its interpreter (for example: sh " + shown + "), or move it",
            "EACCES",
        )
    shebang = read_shebang(file)
    if shebang is not None:
        return _line_problem(program, file) or _interpreter_problem(
            program, shebang, path, reinstall
        )
    return _bom_problem(program, file) or _binary_problem(program, file)


#: the UTF-8 byte order mark, which some editors write at the start of every file they save
_BOM = b"\xef\xbb\xbf"
#: the bytes of a file the kernel reads to find a ``#!`` line (Linux's BINPRM_BUF_SIZE, 256 since
#: 5.1; 128 before): an interpreter path that runs past them is refused (ENOEXEC)
BINPRM_BUF_SIZE = 256


def _head(file: Path, size: int = 1024) -> bytes:
    try:
        with open(file, "rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def _bom_problem(program: str, file: Path) -> ExecProblem | None:
    """A ``#!`` line behind a UTF-8 byte order mark: the system reads the file's first two bytes
    for ``#!``, finds ``EF BB``, and refuses it (ENOEXEC) although the line is there."""
    head = _head(file)
    if not head.startswith(_BOM + b"#!"):
        return None
    shebang = _shebang(head[len(_BOM) :])
    return ExecProblem(
        f"the #! line of {program} is preceded by a UTF-8 byte order mark (the bytes EF BB BF)",
        "the file was saved with a byte order mark; the system looks for #! in the file's first "
        f"two bytes, finds the mark, and cannot run it (exec format error) although its first "
        f"line names {shebang.interpreter}",
        f"remove the mark: sed -i '1s/^\\xEF\\xBB\\xBF//' {shlex.quote(program)} (or save the "
        "file as UTF-8 without BOM)",
        "ENOEXEC",
        argv=("sed", "-i", "1s/^\\xEF\\xBB\\xBF//", program),
    )


def _line_problem(program: str, file: Path) -> ExecProblem | None:
    """A ``#!`` line the kernel cannot use as written: an interpreter path running past the
    bytes it reads (ENOEXEC), or ``env`` given a program and its options as one argument (the
    kernel passes everything after the interpreter as ONE argument: env looks for a program
    named ``python3 -u`` and exits 127)."""
    head = _head(file)
    shebang = _shebang(head)
    end = head.find(b"\n")
    line_bytes = end if end >= 0 else len(head)
    start = len(head) - len(head[2:].lstrip(b" \t"))
    rest = head[start:]
    word_end = start + min(
        (i for i in (rest.find(b" "), rest.find(b"\t"), rest.find(b"\n")) if i >= 0),
        default=len(rest),
    )
    if line_bytes >= BINPRM_BUF_SIZE and word_end >= BINPRM_BUF_SIZE - 1:
        through = (shebang.interpreter, *([shebang.argument] if shebang.argument else ()))
        return ExecProblem(
            f"the #! line of {program} is {line_bytes} bytes long: the system reads at most "
            f"{BINPRM_BUF_SIZE - 1} bytes of it, and its interpreter's path does not end within "
            "them",
            f"its interpreter {shebang.interpreter} ({len(shebang.interpreter)} characters: a "
            "virtualenv in a deep directory) is cut where the system stops reading, so it "
            "refuses the file (exec format error); a command line has no such limit",
            f"run the script through its interpreter: {shlex.join([*through, program])} (or "
            "make the path shorter: a virtualenv nearer the root, a symlink)",
            "ENOEXEC",
            through=through,
        )
    argument = shebang.argument.strip(" \t")
    if (
        Path(shebang.interpreter).name == "env"
        and re.search(r"[ \t]", argument)
        and not re.match(r"-[a-zA-Z]*S|--split-string", argument)
        and not argument.endswith("\r")  # Windows line endings: the next check's
    ):
        return ExecProblem(
            f"the #! line of {program} gives env one argument, '{argument}': env looks for a "
            "program of that name",
            "the system passes everything after the interpreter on a #! line as one argument "
            f"(Linux does not split it), so env runs no program '{argument.split()[0]}' with "
            "options but searches PATH for one whose name holds the blanks, and exits 127; "
            "env -S splits the argument",
            f"let env split it: first line #!{shebang.interpreter} -S {argument} "
            f"(sed -i '1s|^#!{shebang.interpreter} |#!{shebang.interpreter} -S |' "
            f"{shlex.quote(program)})",
            "ENOENT",
            argv=(
                "sed",
                "-i",
                f"1s|^#!{shebang.interpreter}[ \t]*|#!{shebang.interpreter} -S |",
                program,
            ),
        )
    return None


def _interpreter_problem(
    program: str, shebang: Shebang, path: str | None, reinstall: str | None
) -> ExecProblem | None:
    shown = shlex.quote(program)
    if shebang.interpreter.endswith("\r") or shebang.argument.endswith("\r"):
        return ExecProblem(
            f"the #! line of {program} ends with a carriage return",
            "the file has Windows line endings, so the system looks for an interpreter whose "
            "name ends in \\r",
            f"sed -i 's/\\r$//' {shown}",
            "ENOENT",
        )
    if not shebang.interpreter:
        return ExecProblem(
            f"the #! line of {program} names no interpreter",
            "the first line is '#!' alone",
            f"put the interpreter on the first line of {program}, e.g. #!/usr/bin/env python3",
            "ENOEXEC",
        )
    interpreter = Path(shebang.interpreter)
    fix = reinstall or _recreate_hint(program, shebang)
    if not interpreter.exists():
        return ExecProblem(
            f"the interpreter of {program} is missing: its #! line names "
            f"{shebang.interpreter}, which does not exist",
            "the Python (or other interpreter) it was installed with was removed, upgraded or "
            "moved",
            fix,
            "ENOENT",
        )
    if not os.access(interpreter, os.X_OK) or interpreter.is_dir():
        return ExecProblem(
            f"the interpreter of {program} ({shebang.interpreter}) cannot be executed",
            "the #! line names a file without the execute bit, or a directory",
            f"chmod +x {shlex.quote(shebang.interpreter)}   (or: {fix})",
            "EACCES",
        )
    name = shebang.env_name
    if name is not None and "/" not in name and shutil.which(name, path=path) is None:
        return ExecProblem(
            f"the interpreter of {program} is missing: its #! line runs `{name}` through env, "
            "and there is no such program on PATH",
            "env then fails with exit code 127",
            f"install {name} (or put it on PATH), or change the first line of {shown}",
            "ENOENT",
        )
    return None


def _recreate_hint(program: str, shebang: Shebang) -> str:
    """Reinstalling a console script whose virtualenv lost its Python."""
    interpreter = Path(shebang.interpreter)
    venv = interpreter.parent.parent
    if interpreter.parent.name == "bin" and (Path(program).parent == interpreter.parent):
        return (
            f"recreate the virtualenv {venv} with an existing Python and reinstall "
            f"{Path(program).name}: python3 -m venv --clear {shlex.quote(str(venv))} && "
            f"{shlex.quote(str(venv / 'bin' / 'pip'))} install {Path(program).name}"
        )
    return (
        f"install {shebang.interpreter}, or reinstall {Path(program).name} with an existing "
        "interpreter"
    )


def _noexec_mount(file: Path) -> bool:
    try:
        return bool(os.statvfs(file).f_flag & getattr(os, "ST_NOEXEC", 0))
    except OSError:
        return False


def _binary_problem(program: str, file: Path) -> ExecProblem | None:
    try:
        with open(file, "rb") as handle:
            head = handle.read(64)
    except OSError:
        return None
    if not head.startswith(b"\x7fELF"):
        return _not_a_program(program, file)
    little = head[5] == 1
    machine = struct.unpack(("<" if little else ">") + "H", head[18:20])[0]
    here = os.uname().machine
    name = _ELF_MACHINES.get(machine, f"ELF machine {machine}")
    if name != here and not (name == "x86" and here in ("i686", "i386")):
        return ExecProblem(
            f"{program} is a program for another CPU ({name}; this machine is {here})",
            "it was built or downloaded for a different architecture",
            f"install the {here} build of {file.name}",
            "ENOEXEC",
        )
    loader = _elf_interpreter(file, head)
    if loader is not None and not Path(loader).exists():
        return ExecProblem(
            f"{program} cannot be loaded: its ELF loader {loader} does not exist",
            "it was built for another system (another C library, e.g. musl instead of glibc)",
            f"install the build of {file.name} made for this system",
            "ENOENT",
        )
    return None


def _elf_interpreter(file: Path, head: bytes) -> str | None:
    """The PT_INTERP path of an ELF file (its dynamic loader), or ``None``."""
    try:
        is64, end = head[4] == 2, "<" if head[5] == 1 else ">"
        if is64:
            (phoff,) = struct.unpack(end + "Q", head[32:40])
            phentsize, phnum = struct.unpack(end + "HH", head[54:58])
        else:
            (phoff,) = struct.unpack(end + "I", head[28:32])
            phentsize, phnum = struct.unpack(end + "HH", head[42:46])
        with open(file, "rb") as handle:
            handle.seek(phoff)
            table = handle.read(phentsize * min(phnum, 64))
            for index in range(min(phnum, 64)):
                entry = table[index * phentsize : (index + 1) * phentsize]
                if struct.unpack(end + "I", entry[:4])[0] != _PT_INTERP:
                    continue
                if is64:
                    (offset,) = struct.unpack(end + "Q", entry[8:16])
                    (size,) = struct.unpack(end + "Q", entry[32:40])
                else:
                    (offset,) = struct.unpack(end + "I", entry[4:8])
                    (size,) = struct.unpack(end + "I", entry[16:20])
                handle.seek(offset)
                return handle.read(min(size, 4096)).rstrip(b"\0").decode(errors="replace")
    except (OSError, struct.error, IndexError):
        return None
    return None


def _not_a_program(program: str, file: Path) -> ExecProblem:
    shown = shlex.quote(program)
    return ExecProblem(
        f"{program} is not a program: it has no #! line and is not an executable binary",
        "the system cannot tell which interpreter runs it (exec format error)",
        f"add a first line naming its interpreter (#!/bin/sh, #!/usr/bin/env python3) or run "
        f"it through one: sh {shown} / python3 {shown}",
        "ENOEXEC",
    )


#: Bytes of each output stream of a program kept from its start ...
MAX_OUTPUT = 2**20
#: ... and from its end (where the error usually is), once it printed more than that.
OUTPUT_TAIL = 2**16
_CHUNK = 2**16


class OutputSink:
    """One output stream of a program, read to its end; what is kept is bounded: the first
    ``limit`` bytes and the last ``tail`` bytes. ``total`` counts every byte read."""

    def __init__(self, limit: int = MAX_OUTPUT, tail: int = OUTPUT_TAIL) -> None:
        self.limit = limit
        self.tail_size = tail
        self.total = 0
        self._head = bytearray()
        self._tail = bytearray()
        self._lock = threading.Lock()

    def add(self, chunk: bytes) -> None:
        with self._lock:
            self.total += len(chunk)
            room = self.limit - len(self._head)
            if room > 0:
                self._head += chunk[:room]
                chunk = chunk[room:]
            if chunk and self.tail_size:
                self._tail += chunk[-self.tail_size :]
                if len(self._tail) > self.tail_size:
                    del self._tail[: len(self._tail) - self.tail_size]

    @property
    def cut(self) -> bool:
        """Whether bytes were dropped."""
        return self.total > len(self._head) + len(self._tail)

    def text(self) -> str:
        """What was kept, decoded (invalid UTF-8 replaced), with a mark where bytes were dropped."""
        with self._lock:
            head, tail, total = bytes(self._head), bytes(self._tail), self.total
        if not tail:
            return head.decode("utf-8", "replace")
        dropped = total - len(head) - len(tail)
        mark = f"\n[... {dropped:,} bytes not kept ...]\n" if dropped else ""
        return head.decode("utf-8", "replace") + mark + tail.decode("utf-8", "replace")

    def drain(self, stream: IO[bytes]) -> None:
        """Read ``stream`` to its end (then close it), keeping what :meth:`add` keeps."""
        try:
            while chunk := stream.read1(_CHUNK):  # type: ignore[attr-defined]
                self.add(chunk)
        except (OSError, ValueError):
            pass  # closed under us
        finally:
            stream.close()


def cut_note(stream: str, total: int) -> str:
    """The line that says a stream was cut: how much was printed, and what was kept."""
    return (
        f"[{stream}: {total / 2**20:.1f} MiB printed; envcheck kept its first "
        f"{MAX_OUTPUT // 2**20} MiB and its last {OUTPUT_TAIL // 2**10} KiB]"
    )


def head_and_tail(text: str, limit: int, note: str) -> str:
    """``text`` in at most ``limit`` characters: a quarter from its start, ``note`` between, the
    rest from its end (where the error usually is)."""
    if len(text) + len(note) + 2 <= limit:
        return f"{text}\n{note}"
    room = max(0, limit - len(note) - 2)
    head = room // 4
    return f"{text[:head]}\n{note}\n{text[len(text) - (room - head):]}"


@dataclass(frozen=True)
class Output:
    """What :func:`run` saw of a program that ended by itself."""

    returncode: int
    stdout: str
    stderr: str
    #: bytes the program wrote to each stream (more than was kept when the ``*_cut`` flag is set)
    stdout_bytes: int
    stderr_bytes: int
    stdout_cut: bool
    stderr_cut: bool

    @property
    def cut(self) -> bool:
        return self.stdout_cut or self.stderr_cut

    @property
    def notes(self) -> list[str]:
        """A :func:`cut_note` for each stream that was cut."""
        streams = [("stdout", self.stdout_cut, self.stdout_bytes)]
        streams.append(("stderr", self.stderr_cut, self.stderr_bytes))
        return [cut_note(name, total) for name, cut, total in streams if cut]


class TimedOut(subprocess.TimeoutExpired):
    """``subprocess.TimeoutExpired`` from :func:`run`, with what was seen of the program before it
    was killed (``seen``: its output so far, bounded, and how much it printed)."""

    def __init__(self, cmd: list[str], timeout: float, seen: Output) -> None:
        super().__init__(cmd, timeout, output=seen.stdout, stderr=seen.stderr)
        self.seen = seen


def run(
    args: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    limit: int = MAX_OUTPUT,
    merge_stderr: bool = False,
    new_session: bool = False,
    interrupt: float | None = None,
) -> Output:
    """Run ``args`` (no shell, stdin empty) for at most ``timeout`` seconds, its output bounded
    (:class:`OutputSink`). Raises ``OSError`` when it cannot start (see :func:`diagnose`) and
    :class:`TimedOut` (its output so far attached, bounded) when it runs longer: it is
    then killed (with ``interrupt``, sent SIGINT first and given that many seconds to exit).
    Output that a process it started still writes after it exited is not waited for beyond
    ``timeout``. ``merge_stderr``: one stream, stderr into stdout (``stderr`` is then empty);
    ``new_session``: the program runs in a session of its own (otherwise in a process group of its
    own: either way Ctrl-C at the terminal reaches envcheck, which then ends the group).

    Any exception that ends the wait early (``KeyboardInterrupt``, the ``BaseException`` a SIGTERM
    handler raises) kills the program's process group before it propagates."""
    deadline = time.monotonic() + timeout
    if interrupt is not None:  # the program is stopped with SIGINT: an envcheck one honours it
        env = {**(os.environ if env is None else env), SIGINT_STOPS: "1"}
    process = subprocess.Popen(
        list(args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        start_new_session=new_session,
        process_group=None if new_session else 0,
    )
    with _LIVE_LOCK:
        _LIVE[process.pid] = process
    try:
        sinks = (OutputSink(limit), OutputSink(limit))
        readers = []
        for sink, stream in zip(sinks, (process.stdout, process.stderr)):
            if stream is None:
                continue
            reader = threading.Thread(target=sink.drain, args=(stream,), daemon=True)
            reader.start()
            readers.append(reader)
        try:
            returncode = process.wait(timeout)
        except subprocess.TimeoutExpired:
            _stop(process, interrupt)
            for reader in readers:
                reader.join(0.5)
            out, err = sinks
            seen = Output(
                process.returncode, out.text(), err.text(), out.total, err.total, out.cut, err.cut
            )
            raise TimedOut(list(args), timeout, seen) from None
        for reader in readers:
            reader.join(max(0.0, deadline - time.monotonic()))
    except BaseException:  # noqa: B036 - whatever stops the wait, the program must not outlive it
        _kill_group(process)
        raise
    finally:
        with _LIVE_LOCK:
            _LIVE.pop(process.pid, None)
    out, err = sinks
    return Output(returncode, out.text(), err.text(), out.total, err.total, out.cut, err.cut)


#: in the environment of an envcheck process that its parent stops with SIGINT (:func:`run` with
#: ``interrupt``): SIGINT ignored where the parent was started (a background job of a script, an
#: editor started that way) is inherited, and would leave only the kill, with nothing recorded
SIGINT_STOPS = "ENVCHECK_SIGINT_STOPS"


def honour_sigint() -> None:
    """At the start of an envcheck process its parent stops with SIGINT (:data:`SIGINT_STOPS` in
    its environment, taken out so that the programs it starts do not inherit it): SIGINT raises
    ``KeyboardInterrupt`` again even where it was inherited ignored."""
    if os.environ.pop(SIGINT_STOPS, None) is None:
        return
    if threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
            signal.signal(signal.SIGINT, signal.default_int_handler)


#: the programs :func:`run` is waiting for, by pid (what :func:`stop_all` ends)
_LIVE: dict[int, subprocess.Popen[bytes]] = {}
_LIVE_LOCK = threading.Lock()


def stop_all() -> int:
    """Kill the process group of every program :func:`run` is still waiting for (in any thread):
    an interrupted run's checks cannot be unwound in their threads, but their programs can be
    ended. Each :func:`run` then returns, or raises, as for a program killed by a signal. How
    many programs there were."""
    with _LIVE_LOCK:
        running = list(_LIVE.values())
    for process in running:
        _kill_group(process, reap=False)
    return len(running)


def _kill_group(process: subprocess.Popen[bytes], *, reap: bool = True) -> None:
    """SIGKILL to the program's process group (it leads one: see :func:`run`), then to the
    program itself in case it left the group; reaped unless ``reap`` is false (another thread
    waits for it)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass  # the group is gone, or the program made itself a group of its own
    try:
        process.kill()
    except OSError:
        pass
    if reap:
        try:
            process.wait(5.0)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignored
            pass


def _stop(process: subprocess.Popen[bytes], interrupt: float | None) -> None:
    if interrupt is not None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(interrupt)
        except subprocess.TimeoutExpired:
            pass
    _kill_group(process)
