"""The installed-files sweep (issue 23): *the metadata says installed, but what the application
runs is broken*. Every kind of file a wheel's RECORD lists, crossed with every damage a real
machine does to it, each pair on its own small distribution of one Poetry project, judged by one
envcheck run against what the application itself meets (the import in a child interpreter, the
console script run, ``importlib.metadata``).

The kinds of file, from the sources of truth: the binary distribution format (PEP 427: the
package's modules and its ``__init__``, an extension module, package data, ``.data/headers``,
``.data/data``, the ``.dist-info`` directory's own files ``METADATA``, ``INSTALLER``,
``REQUESTED``, ``RECORD``, ``top_level.txt``, ``entry_points.txt``), *Recording installed
projects* (RECORD's rows: path, sha256, size; byte code listed without a hash, since the
installer compiles it), the entry points specification (``[console_scripts]``: the installer
writes a script whose ``#!`` names the environment's interpreter, or, when that path holds a
blank or is too long, the ``#!/bin/sh`` trampoline ``'''exec' "<python>" "$0" "$@"`` distlib
writes), PEP 660 editable wheels (a ``.pth`` path line naming the project's directory, or an
``import`` line installing a finder whose ``MAPPING`` names it), site.py (a ``.pth`` path line
to a directory that is not there is skipped without a word), PEP 420 namespace packages (a
regular package of that name ends the namespace), and ld.so (an extension module is mapped, not
executed: it needs no execute bit).

The damages, each one a machine meets: a file missing (a cleanup, a half-finished copy), empty
or truncated (a full disk, an interrupted sync), unreadable (mode 000 after a restore as
another user), a dangling symbolic link (a layer or volume that held the target), edited in
place (its sha256 is no longer RECORD's), a script without its execute bit (an archive without
modes), a script whose ``#!`` interpreter is gone (a virtualenv moved, its base Python removed),
a script that is no program (empty: ENOEXEC), an editable project moved (its ``.pth`` path line
or its finder's MAPPING names nothing), an entry point whose module or attribute does not exist,
a file of one distribution that another distribution wrote over (both RECORDs list it), a
namespace portion that a regular package of the same name hides. Healthy neighbours, which
must not fail: an extension module without the execute bit, the ``/bin/sh`` trampoline, a
namespace package split between site-packages and a ``.pth`` directory, ``INSTALLER`` and
``METADATA`` rewritten (the ``.dist-info``'s own files), ``REQUESTED`` gone, byte code that is
not RECORD's (the import system recompiles it), a file RECORD does not list that is absent, a
``top_level.txt`` naming another distribution's module, an editable finder whose directory is
there.

The lab: the venv lab's template project with one throwaway wheel per pair
(``tests.throwaway.make_wheel``; the extension modules' wheels from one C build) as path
dependencies, locked and installed by the real Poetry, then every damage applied; envcheck runs
once, without root's power to read every file (``tests.unprivileged``), and so does the oracle.
Invariants: a pair whose import, script or metadata fails for the application is failed or
warned about by a check naming the distribution, the file, and what is wrong with it (its
``names``); a ``flag`` pair (RECORD's files damaged, the application still running) likewise;
a healthy pair fails no check; never envcheck's own error. Then the printed fixes of a
representative set are run as printed (their removals in turn, the shared ``poetry install``
once) and the re-run passes for each.

First run (envcheck at 4f3b39f, before any change; 2026-12-07): **10 of 38 pairs broke an
invariant**, 9 false passes and a wrong cause: a module file unreadable (PermissionError on
import), a module, a package ``__init__`` and an extension module each a dangling symbolic
link (RECORD's rows were counted by ``lexists``), a script readable by nobody, a script a
dangling link, a script emptied (no ``#!``: the shell runs it as nothing), an entry point
whose attribute is gone
(``module:attr``: only the module was looked up), an editable wheel's finder whose MAPPING
names a moved directory (looked at only when ``direct_url.json`` says editable), and a
``.pth`` naming a moved project whose verdict was "its entry point names a module import does
not find" (the .pth and the missing directory unnamed). Read while judging, not counted: the
script whose ``#!`` interpreter is gone was only warned about by ``venv/virtualenv`` (as "not
this environment's Python"), its package check passed; a module emptied or cut in half,
package data emptied and an extension module cut short (whose import kills the interpreter:
SIGBUS) were only warned about as "not the one its RECORD lists".

After the changes of the commits that follow it: none. From structure, in
``checks/venv/integrity.py``: RECORD's files that exist by name and cannot be opened (a link
whose target is gone, ``readlink``; a file ``access(R_OK)`` refuses, with its mode:
``unusable_files``), a changed file read for whether it can load at all (``cannot_load``: empty
where RECORD gave it bytes, an ELF header placing its section headers past the end, a source
that no longer parses; an edit that parses stays a warning), fixed by removing the distribution
with pip (and the dangling link, which pip's uninstall leaves: it removes what exists) and
``poetry install``; each script RECORD lists read as the kernel reads it (``script_problems``: a
dangling link, no execute bit, not readable, the ``#!`` interpreter or the trampoline's ``exec``
target gone, neither ``#!`` nor ELF), the execute bit fixed with ``chmod +x``, the rest by
installing the distribution again (which writes its scripts for this environment's Python); a
script entry point's attribute looked up in its module's source (``undefined_entry_attr``: a
``def``/``class``/assignment line, else the ``ast`` of the module's top level, a star import or
``__getattr__`` taken to bind it; the module found without importing its package); an editable
wheel's hooks judged whatever its ``direct_url.json`` says (``packages._hook_gone``: a finder's
MAPPING, or ``.pth`` path lines all gone for a distribution that installed no module of its
own).

The fix, as this project installs: ``poetry install`` alone changes nothing (Poetry compares
the installed version with the lock's, and 1.0 is installed), ``pip install --force-reinstall
--no-deps NAME==VERSION`` needs the package on an index (a path, url or git dependency, or a
private source Poetry knows and pip does not, is not there); what is printed and run here is
``python -m pip uninstall --yes NAME`` (or ``rm -rf`` of the record whose files are gone) and
``poetry install``, which installs NAME from poetry.lock's own source. Six fixes are run
(``HEALED``: a dangling module link, an unreadable module, a script's lost execute bit, its
``#!`` interpreter gone, a dangling script link, an entry point's attribute gone) and each
package check passes on the re-run.

Cost: one copy of the template project, one C build, one ``poetry lock`` and ``install`` of 40
wheels, one oracle interpreter (and one per compiled module: a truncated ELF ends its
interpreter with SIGBUS) and 7 script runs, two envcheck runs, five pip uninstalls and one
``poetry install``: 10 to 15 CPU-s in the test (user + system, children included) on the
shared two-core machine, 14 to 20 for the whole pytest process with its start and the
template's build (shared with the other venv modules).
"""

from __future__ import annotations

import json
import os
import re
import resource
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import unprivileged
from tests.throwaway import make_wheel
from tests.verdicts import table
from tests.verdicts.test_heldout_venv10 import binary_wheel, cc
from tests.verdicts.venv_lab import Lab

Checks = dict[str, dict[str, Any]]
SUFFIX = str(sysconfig.get_config_var("EXT_SUFFIX"))

BDF = "Binary distribution format (PEP 427)"
RECORDING = "Recording installed projects"
ENTRY = "Entry points specification"
PEP660 = "PEP 660 editable wheels / site.py"


@dataclass(frozen=True)
class Pair:
    ident: str
    #: the specification and section the kind of file comes from
    spec: str
    #: the damage, applied after Poetry installed the lab (``Target`` -> None)
    damage: Callable[[Target], object]
    #: "breaks" (the application fails), "flag" (its record is damaged, it still runs) or
    #: "healthy"
    expect: str
    #: words the failing verdict must carry: the file, and what is wrong with it
    names: tuple[str, ...] = ()
    #: the wheel's layout: "plain", "ext", "pth" (editable path line), "finder", "ns", ...
    layout: str = "plain"
    #: the import the oracle checks (default: the distribution's package)
    module: str = ""


@dataclass(frozen=True)
class Target:
    pair: Pair
    name: str
    module: str
    site: Path
    info: Path
    lab: Lab

    @property
    def script(self) -> Path:
        return self.lab.python().parent / self.name

    def file(self, relative: str) -> Path:
        return self.site / self.module / relative

    def source(self) -> Path:
        return self.lab.app / "editables" / self.module


def dist_name(ident: str) -> str:
    return f"iw-{ident}"


def _missing(relative: str) -> Callable[[Target], object]:
    return lambda t: t.file(relative).unlink()


def _write(relative: str, data: bytes) -> Callable[[Target], object]:
    return lambda t: t.file(relative).write_bytes(data)


def _truncate(relative: str) -> Callable[[Target], None]:
    def apply(t: Target) -> None:
        path = t.file(relative)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])

    return apply


def _mode(relative: str, mode: int) -> Callable[[Target], object]:
    return lambda t: (t.script if relative == "script" else t.file(relative)).chmod(mode)


def _dangling(relative: str) -> Callable[[Target], None]:
    """The file replaced by a symbolic link to a place that is gone (a volume not mounted)."""

    def apply(t: Target) -> None:
        path = t.script if relative == "script" else t.file(relative)
        path.unlink()
        path.symlink_to(t.lab.tmp / "gone-volume" / path.name)

    return apply


def _script_text(change: Callable[[str, Target], str]) -> Callable[[Target], None]:
    def apply(t: Target) -> None:
        text = t.script.read_text()
        t.script.write_text(change(text, t))

    return apply


def _shebang(new: Callable[[Target], str]) -> Callable[[Target], None]:
    def change(text: str, t: Target) -> str:
        first, _, rest = text.partition("\n")
        assert first.startswith("#!"), first
        return new(t) + "\n" + rest

    return _script_text(change)


def _trampoline(t: Target) -> str:
    """distlib's (pip's) ``#!/bin/sh`` trampoline for an interpreter path it cannot put in a
    ``#!`` line (a blank in it, or too long)."""
    return f"#!/bin/sh\n'''exec' \"{t.lab.python()}\" \"$0\" \"$@\"\n' '''"


def _entry_points(text: str) -> Callable[[Target], object]:
    return lambda t: (t.info / "entry_points.txt").write_text(text.format(n=t.name, m=t.module))


def _move_source(t: Target) -> None:
    t.source().rename(t.source().with_name(t.module + "-moved"))


def _overwrite_by_writer(t: Target) -> None:
    """What pip does when ``iw-clash-writer`` (whose wheel holds this package's ``core.py``
    too) is installed after it: the file is the writer's."""
    t.file("core.py").write_text(_core("iw_clash_writer_wrote_this"))


def _rewrite_info(file: str, text: str) -> Callable[[Target], object]:
    return lambda t: (t.info / file).write_text(text)


def _add_summary(t: Target) -> None:
    path = t.info / "METADATA"
    path.write_text(path.read_text().replace("Version: 1.0\n", "Version: 1.0\nSummary: x\n", 1))


def _garbage_pyc(t: Target) -> None:
    cache = t.file("__pycache__")
    cache.mkdir(exist_ok=True)
    tag = sysconfig.get_config_var("SOABI").split("-")
    (cache / f"core.{tag[0]}-{tag[1]}.pyc").write_bytes(b"\x00not byte code\x00" * 4)


def _unlisted_absent(t: Target) -> None:
    """The package's optional ``local.json`` (read only if there) was never shipped: RECORD
    does not list it and it is not there."""
    (t.file("local.json")).unlink()
    record = t.info / "RECORD"
    rows = [r for r in record.read_text().splitlines() if not r.startswith(f"{t.module}/local")]
    record.write_text("\n".join(rows) + "\n")


def _nothing(t: Target) -> None:
    return None


def _core(module: str, extra: str = "") -> str:
    """The package's core module: the value the oracle asks for, a docstring long enough that
    half of the file is not Python."""
    doc = "The core of the package, written by the sweep; " * 3
    return f'"""{doc}"""\n{extra}VALUE = "iw ok {module}"\n'


def _core_bytes(module: str, extra: str = "") -> bytes:
    return _core(module, extra).encode()


def _missing_script() -> Callable[[Target], object]:
    return lambda t: t.script.unlink()


def _script_empty() -> Callable[[Target], object]:
    return lambda t: t.script.write_bytes(b"")


def _missing_outside(where: str) -> Callable[[Target], None]:
    """A file of the wheel's ``.data`` directory, installed outside site-packages
    (``include/site/...`` or ``share/...`` of the environment), removed."""

    def apply(t: Target) -> None:
        prefix = t.lab.python().parent.parent
        found = [
            p
            for p in (prefix / where).rglob("*")
            if p.is_file() and (t.module in str(p) or t.name in str(p))
        ]
        assert found, f"nothing of {t.module} under {prefix / where}"
        found[0].unlink()

    return apply


PAIRS = [
    # -- a pure module (the package's core.py, which __init__ imports) -----------------------
    Pair(
        "module-missing",
        f"{RECORDING}: a file RECORD lists",
        _missing("core.py"),
        "breaks",
        ("core.py", "gone"),
    ),
    Pair(
        "module-empty",
        f"{RECORDING}: size and sha256",
        _write("core.py", b""),
        "breaks",
        ("core.py", "is empty"),
    ),
    Pair(
        "module-truncated",
        f"{RECORDING}: size and sha256",
        _truncate("core.py"),
        "breaks",
        ("core.py", "no longer valid Python"),
    ),
    Pair(
        "module-unreadable",
        "open(2): EACCES on a file of mode 000",
        _mode("core.py", 0),
        "breaks",
        ("core.py", "read"),
    ),
    Pair(
        "module-dangling-symlink",
        "symlink(7): the target is gone",
        _dangling("core.py"),
        "breaks",
        ("core.py", "symbolic link"),
    ),
    Pair(
        "module-edited-runs",
        f"{RECORDING}: sha256 of a file edited in place",
        _write("core.py", _core_bytes("iw_module_edited_runs", "# edited\n")),
        "flag",
        ("core.py", "RECORD"),
    ),
    # -- the package's __init__ ------------------------------------------------------------------
    Pair(
        "init-missing",
        f"{RECORDING}: __init__.py (without it, a namespace package, PEP 420)",
        _missing("__init__.py"),
        "breaks",
        ("__init__.py", "gone"),
    ),
    Pair(
        "init-dangling-symlink",
        "symlink(7)",
        _dangling("__init__.py"),
        "breaks",
        ("__init__.py", "symbolic link"),
    ),
    # -- package data (read by the entry point through importlib.resources) ---------------------
    Pair(
        "data-missing",
        f"{BDF}: package data",
        _missing("data.json"),
        "breaks",
        ("data.json", "gone"),
    ),
    Pair(
        "data-empty",
        f"{BDF}: package data",
        _write("data.json", b""),
        "breaks",
        ("data.json", "is empty"),
    ),
    Pair(
        "data-unlisted-absent",
        f"{RECORDING}: a file RECORD does not list",
        _unlisted_absent,
        "healthy",
    ),
    # -- an extension module (ld.so maps it) ----------------------------------------------------
    Pair(
        "ext-missing",
        f"{BDF}: an extension module",
        _missing(f"_speedups{SUFFIX}"),
        "breaks",
        ("_speedups", "gone"),
        layout="ext",
    ),
    Pair(
        "ext-truncated",
        f"{BDF}: an extension module (ELF)",
        _truncate(f"_speedups{SUFFIX}"),
        "breaks",
        ("_speedups", "cut short"),
        layout="ext",
    ),
    Pair(
        "ext-not-executable",
        "ld.so: a shared object is mapped, not executed",
        _mode(f"_speedups{SUFFIX}", 0o644),
        "healthy",
        layout="ext",
    ),
    Pair(
        "ext-dangling-symlink",
        "symlink(7)",
        _dangling(f"_speedups{SUFFIX}"),
        "breaks",
        ("_speedups", "symbolic link"),
        layout="ext",
    ),
    # -- the console script ------------------------------------------------------------------------
    Pair(
        "script-missing",
        f"{ENTRY}: the installer writes the script",
        _missing_script(),
        "breaks",
        ("bin/iw-script-missing", "gone"),
    ),
    Pair(
        "script-not-executable",
        "execve(2): EACCES",
        _mode("script", 0o644),
        "breaks",
        ("iw-script-not-executable", "not executable"),
    ),
    Pair(
        "script-unreadable",
        "execve(2) runs it, the interpreter cannot open it",
        _mode("script", 0o111),
        "breaks",
        ("iw-script-unreadable", "read"),
    ),
    Pair(
        "script-interpreter-gone",
        f"{ENTRY}: #! names the environment's interpreter (moved)",
        _shebang(lambda t: "#!/opt/moved-away/.venv/bin/python"),
        "breaks",
        ("iw-script-interpreter-gone", "/opt/moved-away/.venv/bin/python"),
    ),
    Pair(
        "script-dangling-symlink",
        "symlink(7)",
        _dangling("script"),
        "breaks",
        ("iw-script-dangling-symlink", "symbolic link"),
    ),
    Pair(
        "script-empty",
        "execve(2): ENOEXEC (no #!, not ELF)",
        _script_empty(),
        "breaks",
        ("iw-script-empty", "not a program"),
    ),
    Pair(
        "script-sh-trampoline",
        f"{ENTRY}: distlib's /bin/sh trampoline for a long path",
        _shebang(_trampoline),
        "healthy",
    ),
    # -- entry points ---------------------------------------------------------------------------
    Pair(
        "entry-attr-missing",
        f"{ENTRY}: object reference module:attr",
        _entry_points("[console_scripts]\n{n} = {m}:gone_main\n"),
        "breaks",
        ("entry_points.txt", "gone_main"),
    ),
    Pair(
        "entry-module-missing",
        f"{ENTRY}: object reference module:attr",
        _entry_points("[console_scripts]\n{n} = {m}.gone:main\n"),
        "breaks",
        ("entry_points.txt", "gone"),
    ),
    # -- editable wheels (PEP 660): a .pth path line, a finder ------------------------------------
    Pair(
        "pth-project-moved",
        f"{PEP660}: a path line naming the project",
        _move_source,
        "breaks",
        (".pth", "no longer exists"),
        layout="pth",
    ),
    Pair(
        "finder-project-moved",
        f"{PEP660}: an import hook's MAPPING",
        _move_source,
        "breaks",
        ("finder", "no longer exists"),
        layout="finder",
    ),
    Pair(
        "finder-intact", f"{PEP660}: an import hook's MAPPING", _nothing, "healthy", layout="finder"
    ),
    # -- two distributions, one file; top_level.txt ----------------------------------------------
    Pair(
        "clash-overwritten",
        f"{RECORDING}: two RECORDs list one file",
        _overwrite_by_writer,
        "breaks",
        ("core.py", "iw-clash-writer"),
    ),
    Pair(
        "toplevel-other",
        "setuptools: top_level.txt is informative",
        _rewrite_info("top_level.txt", "iw_module_missing\n"),
        "healthy",
    ),
    # -- namespace packages (PEP 420) -------------------------------------------------------------
    Pair(
        "ns-split",
        "PEP 420: portions in two sys.path entries",
        _nothing,
        "healthy",
        layout="ns-split",
        module="iw_ns.split_b",
    ),
    Pair(
        "ns-ended",
        "PEP 420: a regular package of the namespace's name ends it",
        _nothing,
        "breaks",
        ("iw_ns2",),
        layout="ns-part",
        module="iw_ns2.part",
    ),
    # -- the .dist-info's own files ----------------------------------------------------------------
    Pair(
        "installer-rewritten",
        f"{RECORDING}: INSTALLER (its hash in RECORD)",
        _rewrite_info("INSTALLER", "pip\n"),
        "healthy",
    ),
    Pair(
        "requested-gone",
        f"{RECORDING}: REQUESTED is optional",
        lambda t: (t.info / "REQUESTED").unlink(missing_ok=True),
        "healthy",
    ),
    Pair(
        "metadata-edited", f"{RECORDING}: METADATA rewritten, still valid", _add_summary, "healthy"
    ),
    Pair(
        "metadata-unreadable",
        "open(2): EACCES on METADATA",
        lambda t: (t.info / "METADATA").chmod(0),
        "breaks",
        ("METADATA", "read"),
    ),
    Pair(
        "pyc-not-recorded",
        f"{RECORDING}: byte code is listed without a hash",
        _garbage_pyc,
        "healthy",
    ),
    # -- .data/headers and .data/data --------------------------------------------------------
    Pair(
        "header-missing",
        f"{BDF}: .data/headers",
        _missing_outside("include"),
        "flag",
        ("iw_header_missing.h", "gone"),
        layout="header",
    ),
    Pair(
        "share-missing",
        f"{BDF}: .data/data",
        _missing_outside("share"),
        "flag",
        ("README", "gone"),
        layout="share",
    ),
]


# -- the lab ----------------------------------------------------------------------------------

INIT = """import json
from importlib.resources import files

from {m}.core import VALUE
{ext}

def main() -> int:
    data = json.loads(files(__name__).joinpath("data.json").read_text())
    local = files(__name__).joinpath("local.json")
    extra = json.loads(local.read_text()) if local.is_file() else {{}}
    print(VALUE, data["ok"], extra.get("ok", True))
    return 0
"""

EXTENSION_C = """#include <Python.h>
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speedups", NULL, -1, NULL};
PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module); }
"""

FINDER = """import importlib.util
import sys

MAPPING = {mapping!r}


class _Finder:
    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname not in MAPPING:
            return None
        where = MAPPING[fullname]
        return importlib.util.spec_from_file_location(
            fullname, where + "/__init__.py", submodule_search_locations=[where]
        )


def install():
    sys.meta_path.append(_Finder)
"""


def package_files(m: str, ext: bool = False) -> dict[str, str]:
    """The package a distribution installs: ``__init__`` importing ``core`` (and ``_speedups``),
    package data read by its entry point ``main``, an optional ``local.json``."""
    return {
        f"{m}/__init__.py": INIT.format(
            m=m, ext=f"from {m}._speedups import __name__ as _x" if ext else ""
        ),
        f"{m}/core.py": _core(m),
        f"{m}/data.json": '{"ok": true}\n',
        f"{m}/local.json": '{"ok": true}\n',
    }


def extension(tmp: Path) -> bytes:
    """One compiled module ``_speedups`` (each ext package carries a copy)."""
    source = tmp / "speedups.c"
    source.write_text(EXTENSION_C)
    out = tmp / f"_speedups{SUFFIX}"
    include = sysconfig.get_paths()["include"]
    cc("-shared", "-fPIC", f"-I{include}", "-o", str(out), str(source))
    return out.read_bytes()


def wheel_of(pair: Pair, lab: Lab, wheels: Path, ext: bytes) -> Path:
    """The throwaway wheel of ``pair``, laid out as its kind of file needs."""
    name = dist_name(pair.ident)
    m = name.replace("-", "_")
    info = f"{m}-1.0.dist-info"
    scripts = {f"{info}/entry_points.txt": f"[console_scripts]\n{name} = {m}:main\n"}
    if pair.layout == "ext":
        files = {**package_files(m, ext=True), **scripts}
        data = {p: t.encode() for p, t in files.items()} | {f"{m}/_speedups{SUFFIX}": ext}
        return binary_wheel(wheels, name, data)
    if pair.layout in ("pth", "finder"):
        src = lab.app / "editables" / m / "src"
        for path, text in package_files(m).items():
            (src / path).parent.mkdir(parents=True, exist_ok=True)
            (src / path).write_text(text)
        if pair.layout == "pth":
            files = {f"__editable__.{m}-1.0.pth": f"{src}\n"}
        else:
            finder = f"__editable___{m}_1_0_finder"
            files = {
                f"{finder}.py": FINDER.format(mapping={m: str(src / m)}),
                f"__editable__.{m}-1.0.pth": f"import {finder}; {finder}.install()\n",
            }
        return make_wheel(wheels, name, "1.0", files={**files, **scripts})
    if pair.layout == "ns-split":
        portion = lab.tmp / "ns-portion" / "iw_ns"
        portion.mkdir(parents=True)
        (portion / "split_b.py").write_text('VALUE = "iw ok iw_ns.split_b"\n')
        files = {
            "iw_ns/split_a.py": 'VALUE = "iw ok iw_ns.split_a"\n',
            f"{m}.pth": f"{portion.parent}\n",
        }
        return make_wheel(wheels, name, "1.0", files=files)
    if pair.layout == "ns-part":
        portion = lab.tmp / "ns2-portion" / "iw_ns2"
        portion.mkdir(parents=True)
        (portion / "part.py").write_text('VALUE = "iw ok iw_ns2.part"\n')
        return make_wheel(wheels, name, "1.0", files={f"{m}.pth": f"{portion.parent}\n"})
    files = {**package_files(m), **scripts}
    if pair.layout == "header":
        files[f"{m}-1.0.data/headers/{m}.h"] = "int iw;\n"
    if pair.layout == "share":
        files[f"{m}-1.0.data/data/share/{name}/README"] = "iw\n"
    return make_wheel(wheels, name, "1.0", files=files)


def helper_wheels(wheels: Path) -> list[Path]:
    """Distributions the pairs need beside them (not judged): the one whose wheel also holds
    ``iw_clash_overwritten/core.py``, and a regular package ``iw_ns2`` in site-packages."""
    return [
        make_wheel(
            wheels,
            "iw-clash-writer",
            "1.0",
            files={
                "iw_clash_writer/__init__.py": "",
                "iw_clash_overwritten/core.py": _core("iw_clash_writer_wrote_this"),
            },
        ),
        make_wheel(wheels, "iw-ns-regular", "1.0", files={"iw_ns2/__init__.py": ""}),
    ]


def build(lab: Lab) -> dict[str, Target]:
    """The lab project with every pair's wheel (and the helpers) as path dependencies, locked
    and installed by Poetry; ``[tool.envcheck.venv] packages`` names every pair's."""
    names = ", ".join(f'"{dist_name(p.ident)}"' for p in PAIRS)
    app = lab.project(f"packages = [{names}]\n")
    wheels = app / "wheels"
    ext = extension(lab.tmp)
    made = [wheel_of(p, lab, wheels, ext) for p in PAIRS] + helper_wheels(wheels)
    deps = "".join(
        f'{w.name.split("-")[0].replace("_", "-")} = {{ path = "wheels/{w.name}" }}\n' for w in made
    )
    pyproject = app / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(
        text.replace("[tool.poetry.dependencies]\n", f"[tool.poetry.dependencies]\n{deps}", 1)
    )
    lab.poetry("lock")
    lab.env["POETRY_INSTALLER_PARALLEL"] = "false"
    lab.poetry("install")
    del lab.env["POETRY_INSTALLER_PARALLEL"]
    site = next((app / ".venv").glob("lib/python3*/site-packages"))
    targets = {}
    for pair in PAIRS:
        name = dist_name(pair.ident)
        module = name.replace("-", "_")
        info = site / f"{module}-1.0.dist-info"
        assert info.is_dir(), f"Poetry did not install {name}"
        targets[pair.ident] = Target(pair, name, module, site, info, lab)
    return targets


# -- the oracle: what the application meets ---------------------------------------------------

ORACLE = r"""
import contextlib, importlib, importlib.metadata as md, io, json, sys
out = {}
for name, module in json.loads(sys.argv[1]):
    said = {}
    try:
        found = importlib.import_module(module)
        value = getattr(found, "VALUE", None)
        said["import"] = "ok" if value == f"iw ok {module}" else f"VALUE is {value!r}"
    except BaseException as exc:  # noqa: B902 - what the import raised is the answer
        said["import"] = f"{type(exc).__name__}: {exc}"
    try:
        said["version"] = "ok" if md.version(name) == "1.0" else md.version(name)
        eps = [e for e in md.distribution(name).entry_points if e.group == "console_scripts"]
        for ep in eps:  # what the script runs: main() reads the package data
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                ep.load()()
            assert module in printed.getvalue(), printed.getvalue()
        said["entry_point"] = "ok"
    except BaseException as exc:  # noqa: B902 - what importlib.metadata raised is the answer
        said["version" if "version" not in said else "entry_point"] = (
            f"{type(exc).__name__}: {exc}"
        )
    out[name] = said
print(json.dumps(out))
"""


def oracle(lab: Lab, targets: dict[str, Target], as_user: list[str]) -> dict[str, dict[str, str]]:
    """Per distribution: its import (the value its module holds), importlib.metadata's version
    and its console entry point loaded and run (its output must carry the value: the package
    data is read), in one child interpreter; the script file itself run for the pairs that
    damage it (its ``#!``, mode, link)."""
    said: dict[str, dict[str, str]] = {}
    # compiled modules each in a process of their own: a truncated one is mapped and read
    # past its end (SIGBUS), which ends the interpreter
    batches = [[t for t in targets.values() if t.pair.layout != "ext"]]
    batches += [[t] for t in targets.values() if t.pair.layout == "ext"]
    for batch in batches:
        wanted = [(t.name, t.pair.module or t.module) for t in batch]
        argv = [*as_user, str(lab.python()), "-c", ORACLE, json.dumps(wanted)]
        done = lab.runs(argv, lab.app)
        if done.returncode < 0 and len(batch) == 1:
            said[batch[0].name] = {"import": f"the interpreter died: signal {-done.returncode}"}
            continue
        assert done.returncode == 0, done.stderr
        said.update(json.loads(done.stdout))
    for t in targets.values():
        if not t.pair.ident.startswith("script-"):
            continue  # the entry point's main() ran in the child above
        try:
            ran = lab.runs([*as_user, str(t.script)], lab.app)
            good = ran.returncode == 0 and f"iw ok {t.module}" in ran.stdout
            said[t.name]["script"] = "ok" if good else f"exit {ran.returncode}: {ran.stderr[-200:]}"
        except OSError as exc:
            said[t.name]["script"] = f"exec: {exc.strerror}"
    return said


def broken(said: dict[str, str]) -> list[str]:
    return [f"{k}: {v}" for k, v in said.items() if v != "ok"]


# -- the invariants ---------------------------------------------------------------------------


def _text(check: dict[str, Any]) -> str:
    facts = json.dumps(check.get("facts") or {})
    return f"{check['summary']} | {check.get('why') or ''} | {facts}"


def _naming(checks: Checks, name: str) -> list[dict[str, Any]]:
    word = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.I)
    return [c for c in checks.values() if c["status"] in ("fail", "warn") and word.search(_text(c))]


def judge(checks: Checks, said: dict[str, dict[str, str]]) -> list[str]:
    problems = []
    for check in checks.values():
        text = _text(check)
        if check["status"] == "error" or "Traceback" in text:
            problems.append(f"{check['id']}: envcheck's own error: {text[:300]}")
    for pair in PAIRS:
        name = dist_name(pair.ident)
        wrong = broken(said[name])
        if bool(wrong) != (pair.expect == "breaks"):
            problems.append(f"{pair.ident}: the application now says {wrong or 'it works'}")
        named = _naming(checks, name)
        if pair.expect in ("breaks", "flag"):
            if not named:
                problems.append(f"{pair.ident}: false pass: {wrong or 'its RECORD'}")
                continue
            text = " ".join(_text(c) for c in named).lower()
            missing = [w for w in pair.names if w.lower() not in text]
            if missing:
                shown = [f"{c['id']}: {c['summary'][:200]}" for c in named]
                problems.append(f"{pair.ident}: the verdict does not name {missing}: {shown}")
            for c in named:
                if c["status"] == "fail" and not (c.get("fix") or {}).get("steps"):
                    problems.append(f"{pair.ident}: {c['id']} fails without a fix")
        else:
            failing = [f"{c['id']}: {c['summary'][:200]}" for c in named if c["status"] == "fail"]
            if failing:
                problems.append(f"{pair.ident}: false alarm, it works: {failing}")
    return problems


#: the rows of docs/verdicts/venv.md this sweep asserts (on its one envcheck run): row -> pair
ROWS = {
    "venv-record-file-dangling-link": "module-dangling-symlink",
    "venv-record-file-unreadable": "module-unreadable",
    "venv-record-file-empty": "data-empty",
    "venv-record-file-not-python": "module-truncated",
    "venv-record-extension-cut-short": "ext-truncated",
    "venv-script-interpreter-gone": "script-interpreter-gone",
    "venv-script-dangling-link": "script-dangling-symlink",
    "venv-script-not-a-program": "script-empty",
    "venv-script-unreadable": "script-unreadable",
    "venv-entry-point-attr-missing": "entry-attr-missing",
    "venv-editable-wheel-pth-moved": "pth-project-moved",
    "venv-editable-wheel-finder-moved": "finder-project-moved",
}
ASSERTED = tuple(ROWS)


def row_problems(checks: Checks) -> list[str]:
    """Each row's check, status, cause and fix against the run (the row's check is its
    pair's package check)."""
    rows = {r.id: r for r in table.rows("venv")}
    problems = []
    for ident, pair in ROWS.items():
        if ident not in rows:
            problems.append(f"{ident} ({pair}) is no row of docs/verdicts/venv.md")
            continue
        assert rows[ident].check == f"venv/package[{dist_name(pair)}]", rows[ident]
        problems += table.verdict_problems(rows[ident], checks.values())
    return problems


#: the pairs whose printed fix is run (removals in turn, the shared ``poetry install`` once)
HEALED = (
    "module-dangling-symlink",
    "module-unreadable",
    "script-not-executable",
    "script-interpreter-gone",
    "script-dangling-symlink",
    "entry-attr-missing",
)


def _as_user() -> list[str]:
    return unprivileged.command()


@pytest.fixture()
def lab(tmp_path: Path, template: Path, poetry_home: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    return Lab(tmp_path, template, poetry_home, monkeypatch)


def cpu() -> float:
    """CPU seconds (user + system) of this process and the children it waited for."""
    mine, theirs = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return mine.ru_utime + mine.ru_stime + theirs.ru_utime + theirs.ru_stime


def test_every_installed_file_damage(lab: Lab) -> None:
    started, wall = cpu(), time.monotonic()
    phases = []
    as_user = _as_user()
    targets = build(lab)
    phases.append(f"lab {cpu() - started:.1f}")
    for t in targets.values():
        t.pair.damage(t)
    said = oracle(lab, targets, as_user)
    phases.append(f"oracle {cpu() - started:.1f}")
    argv = [*as_user, str(lab.python()), "-m", "pytest"]
    checks = lab.run(argv=argv)
    phases.append(f"envcheck {cpu() - started:.1f}")
    if os.environ.get("SWEEP_DUMP"):
        Path(os.environ["SWEEP_DUMP"]).write_text(json.dumps({"said": said, "checks": checks}))
    problems = judge(checks, said) + row_problems(checks)
    assert not problems, f"{len(problems)} of {len(PAIRS)} pairs:\n" + "\n".join(problems)

    if os.environ.get("SWEEP_PLAIN_INSTALL"):  # by hand: neither alternative mends it
        plain = lab.poetry("install")
        link = targets[HEALED[0]].file("core.py")
        assert os.path.islink(link) and not os.path.exists(link), plain
        pip = [str(lab.python()), "-m", "pip", "install", "--force-reinstall", "--no-deps"]
        done = lab.runs([*pip, f"{dist_name(HEALED[0])}==1.0"])
        assert done.returncode != 0 and os.path.islink(link), done.stdout + done.stderr
    removals: list[dict[str, Any]] = []
    last: list[dict[str, Any]] = []
    for ident in HEALED:
        found = checks[f"venv/package[{dist_name(ident)}]"]
        assert found["status"] in ("fail", "warn"), found
        steps = found["fix"]["steps"]
        assert all(s["kind"] == "command" for s in steps), found["fix"]
        for step in steps:
            if "poetry" in Path(step["argv"][0]).name and "install" in step["argv"]:
                assert not last or last[0] == step, (last, step)
                last = [step]
            else:
                removals.append(step)
    lab.apply({"id": "the fixes", "fix": {"steps": removals + last, "text": ""}})
    phases.append(f"fixes {cpu() - started:.1f}")
    again = lab.run(argv=argv)
    left = {
        i: c["summary"]
        for ident in HEALED
        if (c := again[(i := f"venv/package[{dist_name(ident)}]")])["status"] != "pass"
    }
    assert not left, f"after the fixes: {left}"
    cost = (
        f"{cpu() - started:.1f} CPU-s ({', '.join(phases)}), {time.monotonic() - wall:.0f} s wall"
    )
    print(f"{len(PAIRS)} pairs, one envcheck run, {len(HEALED)} fixes run: {cost}")
