"""Every way the packaging specifications let one installed distribution's record be wrong, each
applied to its own distribution of one Poetry project, judged by one envcheck run: the failure
space of an installed distribution, not the cases someone met.

The mutations (:data:`MUTATIONS`) come from the specifications, each with its section: the
binary distribution format and *Recording installed projects* (PEP 376/627: ``.dist-info``,
``METADATA``, ``RECORD``, ``INSTALLER``, ``REQUESTED``, ``WHEEL``, ``entry_points.txt``,
``top_level.txt``), the core metadata fields (``Metadata-Version``, ``Name``, ``Version``,
``Requires-Dist``, ``Requires-Python``), PEP 610 ``direct_url.json`` (``url``, ``dir_info
.editable``, ``archive_info.hashes``, ``vcs_info``), PEP 660 editable installs (a ``.pth`` path
line), site.py's ``.pth`` handling, PEP 420 namespace packages and the legacy ``.egg-info``. Each
file missing, empty, undecodable or malformed; each required field missing or wrong; the record
kept while the files it lists are gone.

The lab: the venv lab's template project with one tiny wheel (a package, a console script) per
mutation declared as a path dependency, locked and installed by the real Poetry, plus editable
path dependencies (``develop = true``) for the editable mutations; then one mutation per
distribution; ``[tool.envcheck.venv] packages`` lists them all, so both the per-package checks and
the consistency check see them. One envcheck run judges all of them.

Ground truth per distribution comes from the real tools in the lab's environment, not from
envcheck (:func:`oracle`): ``import`` of its module, ``importlib.metadata.version(name)`` against
the lock, its console script's entry point loaded, ``pip show`` finding it, and ``pip check``'s
lines naming it. Invariants: a distribution the tools find broken is not passed (some check
fails or warns naming it, and names the file or field the mutation touched); one they find
working is failed by no check that names it; no check is envcheck's own error. Five printed
fixes (commands) are run in the lab, every other mutation undone first, and the re-run passes.

First run (envcheck at dd17240, before any change; 2026-12-06): 19 of 71 mutations broke an
invariant: 9 false passes (metadata-undecodable, metadata-requires-invalid,
entry-points-target-gone, wheel-tag-not-a-tag, direct-url-not-json, direct-url-no-url,
direct-url-vcs-no-commit, editable-src-moved, editable-package-gone), 9 false alarms
(info-dir-other-version, info-dir-no-version, info-dir-case, installer-gone, entry-points-gone,
wheel-gone, direct-url-gone: RECORD's rows of the .dist-info's own files; record-not-csv;
direct-url-editable-url-elsewhere), 1 broken one whose verdict did not name the field
(metadata-other-name: "not installed"), none envcheck's own error. info-dir-dashed failed as
"files its RECORD lists are gone" (its own files under the escaped name): a wrong cause that
the words let through, and a false pass once those rows no longer count. After the changes of
the commit that adds this file: none.

Applied one at a time, the five fixes would not heal: each ends in ``poetry install``, which
stops on the next one's record (the ``vcs_info`` without ``commit_id``), and the next one's ``pip
uninstall`` stops on the first one's (the dashed ``.dist-info``, which pip reads as a version
``info-dir-dashed-1.0``); so their removals run in order and the shared ``poetry install`` once.

Cost: one template copy, one ``poetry lock`` and ``install`` of 71 path dependencies, one oracle
process each for the tools, two envcheck runs and one ``poetry install`` for the fixes: about
17 s user + 5 s system CPU, 50 to 65 s wall on the shared two-core machine.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from tests.throwaway import make_wheel
from tests.verdicts.test_heldout_venv import site_packages
from tests.verdicts.venv_lab import POETRY, Lab

Checks = dict[str, dict[str, Any]]


@pytest.fixture()
def lab(tmp_path: Path, template: Path, poetry_home: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    return Lab(tmp_path, template, poetry_home, monkeypatch)


@dataclass(frozen=True)
class Target:
    """The installed distribution a mutation is applied to."""

    name: str
    module: str
    site: Path
    info: Path
    lab: Lab
    #: the project directory of an editable distribution
    source: Path | None = None

    def record(self) -> Path:
        return self.info / "RECORD"

    def metadata(self) -> Path:
        return self.info / "METADATA"

    def edit(self, file: str, old: str, new: str) -> None:
        path = self.info / file
        text = path.read_text()
        assert old in text, f"{old!r} not in {path}: {text!r}"
        path.write_text(text.replace(old, new, 1))


@dataclass(frozen=True)
class Mutation:
    ident: str
    #: the specification and its section the broken rule comes from
    spec: str
    apply: Callable[[Target], object]
    #: words of which the failing verdict must name one (the file or field touched)
    names: tuple[str, ...] = ()
    #: the distribution is installed editable (a ``develop = true`` path dependency)
    editable: bool = False


def _drop(file: str) -> Callable[[Target], object]:
    return lambda t: (t.info / file).unlink()


def _empty(file: str) -> Callable[[Target], object]:
    return lambda t: (t.info / file).write_text("")


def _undecodable(file: str) -> Callable[[Target], None]:
    def apply(t: Target) -> None:
        path = t.info / file
        path.write_bytes(path.read_bytes().replace(b"\n", b"\n# caf\xe9\n", 1))

    return apply


def _metadata_line(field: str, value: str | None) -> Callable[[Target], None]:
    """Set (``None``: remove) a METADATA header field."""

    def apply(t: Target) -> None:
        path = t.metadata()
        lines = path.read_text().splitlines(keepends=True)
        found = [i for i, line in enumerate(lines) if line.lower().startswith(f"{field.lower()}:")]
        assert found, f"no {field} in {path}"
        if value is None:
            del lines[found[0]]
        else:
            lines[found[0]] = f"{field}: {value}\n"
        path.write_text("".join(lines))

    return apply


def _add_metadata(line: str) -> Callable[[Target], None]:
    def apply(t: Target) -> None:
        text = t.metadata().read_text()
        head, sep, body = text.partition("\n\n")
        t.metadata().write_text(head.rstrip("\n") + "\n" + line + "\n" + sep + body)

    return apply


def _record_row(
    change: Callable[[list[str], Target], list[str] | None],
) -> Callable[[Target], None]:
    """Rewrite the RECORD row of the module's ``__init__.py``."""

    def apply(t: Target) -> None:
        rows = t.record().read_text().splitlines()
        wanted = f"{t.module}/__init__.py"
        at = next(i for i, row in enumerate(rows) if row.split(",")[0] == wanted)
        new = change(rows[at].split(","), t)
        if new is None:
            del rows[at]
        else:
            rows[at] = ",".join(new)
        t.record().write_text("\n".join(rows) + "\n")

    return apply


def _module_file(t: Target) -> Path:
    return (t.source / "src" if t.source else t.site) / t.module / "__init__.py"


def _direct_url(change: Callable[[dict[str, Any], Target], object]) -> Callable[[Target], None]:
    def apply(t: Target) -> None:
        path = t.info / "direct_url.json"
        data = json.loads(path.read_text())
        change(data, t)
        path.write_text(json.dumps(data))

    return apply


def _rename_info(new: Callable[[Target], str]) -> Callable[[Target], object]:
    return lambda t: t.info.rename(t.site / new(t))


def _second_info(version: str) -> Callable[[Target], None]:
    """A second ``.dist-info`` of the same project (an interrupted upgrade's leftover)."""

    def apply(t: Target) -> None:
        other = t.site / t.info.name.replace("-1.0.", f"-{version}.")
        shutil.copytree(t.info, other)
        text = (other / "METADATA").read_text().replace("Version: 1.0", f"Version: {version}")
        (other / "METADATA").write_text(text)

    return apply


def _metadata_directory(t: Target) -> None:
    t.metadata().unlink()
    t.metadata().mkdir()


def _script(t: Target) -> Path:
    return t.lab.python().parent / t.name


def _entry_points(text: str) -> Callable[[Target], object]:
    return lambda t: (t.info / "entry_points.txt").write_text(text.format(m=t.module, n=t.name))


def _move_source(t: Target) -> None:
    assert t.source is not None
    t.source.rename(t.source.with_name(t.source.name + "-moved"))


def _move_src_dir(t: Target) -> None:
    """The project keeps its directory but leaves the ``src`` layout: the ``.pth`` path line
    names a directory that is gone."""
    assert t.source is not None
    (t.source / "src" / t.module).rename(t.source / t.module)
    (t.source / "src").rmdir()


def _pth_edit(new: Callable[[Target], str]) -> Callable[[Target], None]:
    def apply(t: Target) -> None:
        pths = [t.site / row.split(",")[0] for row in t.record().read_text().splitlines()]
        pth = next(p for p in pths if p.suffix == ".pth")
        pth.write_text(new(t))

    return apply


def _upgrade(t: Target) -> None:
    wheel = make_wheel(t.lab.tmp, t.name, "2.0")
    t.lab.pip(t.lab.python(), "install", "--no-index", "--no-deps", str(wheel))


def _uninstall(t: Target) -> None:
    t.lab.pip(t.lab.python(), "uninstall", "--yes", t.name)


def _to_egg_info(keep: bool) -> Callable[[Target], None]:
    """The record as a legacy ``.egg-info`` (``PKG-INFO``) instead of a ``.dist-info``."""

    def apply(t: Target) -> None:
        egg = t.site / f"{t.module}-1.0-py3.11.egg-info"
        egg.mkdir()
        if keep:
            shutil.copy(t.metadata(), egg / "PKG-INFO")
        (egg / "top_level.txt").write_text(f"{t.module}\n")
        shutil.rmtree(t.info)

    return apply


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _rewrite_module(text: str, *, record: bool) -> Callable[[Target], None]:
    """The module's file rewritten; with ``record`` its RECORD row too (as a wheel built so)."""

    def apply(t: Target) -> None:
        _module_file(t).write_text(text)
        if record:
            data = text.encode()
            _record_row(lambda row, _: [row[0], _record_hash(data), str(len(data))])(t)

    return apply


RECORDING = "Recording installed projects (PEP 376/627)"
CORE = "Core metadata specifications"
PEP610 = "PEP 610 direct_url.json"
WHEEL_SPEC = "Binary distribution format (PEP 427)"

#: the failure space of one installed distribution's record, each mutation with its source
MUTATIONS = [
    # -- the .dist-info directory (Recording installed projects) ------------------------------
    Mutation(
        "info-gone",
        f"{RECORDING}: the .dist-info directory",
        lambda t: shutil.rmtree(t.info),
        ("not installed",),
    ),
    Mutation(
        "info-dir-dashed",
        f"{RECORDING}: the directory's name escapes '-' in the project's name "
        "(binary distribution format)",
        _rename_info(lambda t: f"{t.name}-1.0.dist-info"),
        ("sw-info-dir-dashed-1.0.dist-info",),
    ),
    Mutation(
        "info-dir-other-version",
        f"{RECORDING}: the directory's version is the METADATA's",
        _rename_info(lambda t: f"{t.module}-0.9.dist-info"),
    ),
    Mutation(
        "info-dir-no-version",
        f"{RECORDING}: '{{name}}-{{version}}.dist-info'",
        _rename_info(lambda t: f"{t.module}.dist-info"),
    ),
    Mutation(
        "info-dir-case",
        f"{RECORDING}: readers normalize the directory's name (PEP 503)",
        _rename_info(lambda t: f"{t.module.upper()}-1.0.dist-info"),
    ),
    Mutation(
        "info-second-older",
        f"{RECORDING}: one .dist-info per project in a site directory",
        _second_info("0.9"),
        ("0.9",),
    ),
    Mutation(
        "info-second-newer",
        f"{RECORDING}: one .dist-info per project in a site directory",
        _second_info("2.0"),
        ("2.0",),
    ),
    # -- METADATA (Core metadata; Recording installed projects: METADATA is required) ----------
    Mutation(
        "metadata-gone", f"{RECORDING}: METADATA is mandatory", _drop("METADATA"), ("METADATA",)
    ),
    Mutation(
        "metadata-empty",
        f"{CORE}: Metadata-Version, Name, Version are required",
        _empty("METADATA"),
        ("METADATA",),
    ),
    Mutation(
        "metadata-directory",
        f"{RECORDING}: METADATA is a file",
        _metadata_directory,
        ("METADATA",),
    ),
    Mutation(
        "metadata-undecodable",
        f"{CORE}: METADATA is UTF-8 (RFC 822 headers)",
        _undecodable("METADATA"),
        ("METADATA",),
    ),
    Mutation(
        "metadata-no-name", f"{CORE}: Name is required", _metadata_line("Name", None), ("METADATA",)
    ),
    Mutation(
        "metadata-other-name",
        f"{CORE}: Name is the project's (the directory's) name",
        _metadata_line("Name", "sw-someone-else"),
        ("Name: sw-someone-else",),
    ),
    Mutation(
        "metadata-name-spelling",
        f"{CORE}: Name compared normalized (PEP 503)",
        lambda t: _metadata_line("Name", t.name.upper().replace("-", "_"))(t),
    ),
    Mutation(
        "metadata-no-version",
        f"{CORE}: Version is required",
        _metadata_line("Version", None),
        ("Version",),
    ),
    Mutation(
        "metadata-other-version",
        f"{CORE}: Version (the directory and the lock say 1.0)",
        _metadata_line("Version", "1.5"),
        ("1.5",),
    ),
    Mutation(
        "metadata-version-not-pep440",
        f"{CORE}: Version is a PEP 440 version",
        _metadata_line("Version", "1.0-final-rc"),
        ("Version", "PEP 440"),
    ),
    Mutation(
        "metadata-version-in-body",
        f"{CORE}: the header ends at the first blank line",
        lambda t: _metadata_line("Version", None)(t)
        or t.metadata().write_text(t.metadata().read_text() + "\nVersion: 1.0\n"),
        ("Version",),
    ),
    Mutation(
        "metadata-no-metadata-version",
        f"{CORE}: Metadata-Version is required",
        _metadata_line("Metadata-Version", None),
    ),
    Mutation(
        "metadata-version-future",
        f"{CORE}: Metadata-Version of an unknown major version",
        _metadata_line("Metadata-Version", "9.0"),
    ),
    Mutation(
        "metadata-crlf",
        f"{CORE}: RFC 822 lines end in CRLF",
        lambda t: t.metadata().write_bytes(t.metadata().read_bytes().replace(b"\n", b"\r\n")),
    ),
    Mutation(
        "metadata-requires-unmet",
        f"{CORE}: Requires-Dist (pip check)",
        _add_metadata("Requires-Dist: sw-nowhere>=1"),
        ("sw-nowhere",),
    ),
    Mutation(
        "metadata-requires-invalid",
        f"{CORE}: Requires-Dist is a PEP 508 requirement",
        _add_metadata("Requires-Dist: sw nowhere >> 1"),
    ),
    Mutation(
        "metadata-requires-python-invalid",
        f"{CORE}: Requires-Python is a PEP 440 specifier",
        _add_metadata("Requires-Python: three"),
    ),
    # -- RECORD --------------------------------------------------------------------------------
    Mutation(
        "record-gone", f"{RECORDING}: RECORD is optional for other installers", _drop("RECORD")
    ),
    Mutation("record-empty", f"{RECORDING}: RECORD lists every installed file", _empty("RECORD")),
    Mutation("record-undecodable", f"{RECORDING}: RECORD is UTF-8 CSV", _undecodable("RECORD")),
    Mutation(
        "record-not-csv",
        f"{RECORDING}: RECORD is CSV",
        lambda t: t.record().write_text(t.record().read_text() + '"unterminated,\n'),
    ),
    Mutation(
        "record-hash-wrong",
        f"{RECORDING}: the hash of each file",
        _record_row(lambda row, _: [row[0], _record_hash(b"other"), row[2]]),
    ),
    Mutation(
        "record-size-wrong",
        f"{RECORDING}: the size of each file",
        _record_row(lambda row, _: [row[0], row[1], "999999"]),
    ),
    Mutation(
        "record-hash-unknown-algorithm",
        f"{RECORDING}: the hash is of a hashlib algorithm (sha256 or better)",
        _record_row(lambda row, _: [row[0], "nohash=abc", row[2]]),
    ),
    Mutation(
        "record-no-hash",
        f"{RECORDING}: hash and size may be empty",
        _record_row(lambda row, _: [row[0], "", ""]),
    ),
    Mutation(
        "record-row-dropped",
        f"{RECORDING}: a file RECORD does not list",
        _record_row(lambda row, _: None),
    ),
    Mutation(
        "record-absolute-path",
        f"{RECORDING}: paths relative to the site directory (absolute allowed)",
        _record_row(lambda row, t: [str(t.site / row[0]), *row[1:]]),
    ),
    Mutation(
        "module-gone",
        f"{RECORDING}: the files RECORD lists",
        lambda t: _module_file(t).unlink(),
        ("RECORD", "__init__.py"),
    ),
    Mutation(
        "package-dir-gone",
        f"{RECORDING}: the files RECORD lists",
        lambda t: shutil.rmtree(_module_file(t).parent),
        ("RECORD", "__init__.py"),
    ),
    Mutation(
        "module-edited-breaks",
        f"{RECORDING}: a file not the one RECORD hashes",
        _rewrite_module("raise ImportError('edited')\n", record=False),
        ("RECORD", "__init__.py"),
    ),
    Mutation(
        "module-empty",
        f"{RECORDING}: a file not the one RECORD hashes",
        _rewrite_module("", record=False),
        ("RECORD",),
    ),
    Mutation(
        "script-gone",
        f"{RECORDING}: the scripts RECORD lists (../../../bin)",
        lambda t: _script(t).unlink(),
        ("bin/",),
    ),
    Mutation(
        "script-other-python",
        f"{RECORDING}: a script's #! names the environment's Python",
        lambda t: _script(t).write_text(
            _script(t).read_text().replace(str(t.lab.python().parent), "/nowhere/bin", 1)
        ),
        ("/nowhere",),
    ),
    # -- INSTALLER, REQUESTED, top_level.txt, entry_points.txt --------------------------------
    Mutation("installer-gone", f"{RECORDING}: INSTALLER is optional", _drop("INSTALLER")),
    Mutation(
        "installer-other",
        f"{RECORDING}: INSTALLER names any installer",
        lambda t: (t.info / "INSTALLER").write_text("conda\n"),
    ),
    Mutation(
        "requested-added",
        f"{RECORDING}: REQUESTED (PEP 376)",
        lambda t: (t.info / "REQUESTED").write_text(""),
    ),
    Mutation(
        "top-level-wrong",
        "setuptools: top_level.txt is informative only",
        lambda t: (t.info / "top_level.txt").write_text("elsewhere\n"),
    ),
    Mutation(
        "entry-points-gone",
        "Entry points specification: entry_points.txt",
        _drop("entry_points.txt"),
    ),
    Mutation(
        "entry-points-target-gone",
        "Entry points specification: object reference module:attr",
        _entry_points("[console_scripts]\n{n} = {m}.gone:main\n"),
        ("entry_points.txt", "gone"),
    ),
    Mutation(
        "entry-points-not-ini",
        "Entry points specification: an INI file",
        _entry_points("[console_scripts\n{n} = {m}:main\n"),
    ),
    # -- WHEEL (binary distribution format) ----------------------------------------------------
    Mutation(
        "wheel-gone", f"{WHEEL_SPEC}: WHEEL is the wheel's, optional once installed", _drop("WHEEL")
    ),
    Mutation(
        "wheel-tag-other-python",
        f"{WHEEL_SPEC}: Tag names the interpreters it runs on (PEP 425)",
        lambda t: t.edit("WHEEL", "Tag: py3-none-any", "Tag: cp312-cp312-win_amd64"),
        ("cp312",),
    ),
    Mutation(
        "wheel-tag-not-a-tag",
        f"{WHEEL_SPEC}: Tag is a PEP 425 tag",
        lambda t: t.edit("WHEEL", "Tag: py3-none-any", "Tag: anything"),
    ),
    Mutation(
        "wheel-not-purelib",
        f"{WHEEL_SPEC}: Root-Is-Purelib",
        lambda t: t.edit("WHEEL", "Root-Is-Purelib: true", "Root-Is-Purelib: false"),
    ),
    Mutation(
        "wheel-version-2",
        f"{WHEEL_SPEC}: Wheel-Version 2.0 (an installer refuses it)",
        lambda t: t.edit("WHEEL", "Wheel-Version: 1.0", "Wheel-Version: 2.0"),
    ),
    # -- direct_url.json (PEP 610) ---------------------------------------------------------------
    Mutation(
        "direct-url-gone", f"{PEP610}: written for a direct URL install", _drop("direct_url.json")
    ),
    Mutation(
        "direct-url-not-json",
        f"{PEP610}: a JSON document",
        lambda t: (t.info / "direct_url.json").write_text("{not json"),
        ("direct_url.json",),
    ),
    Mutation(
        "direct-url-no-url",
        f"{PEP610}: url is required",
        _direct_url(lambda d, _: d.pop("url")),
        ("direct_url.json",),
    ),
    Mutation(
        "direct-url-no-info",
        f"{PEP610}: one of dir_info, archive_info, vcs_info",
        _direct_url(lambda d, _: d.pop("archive_info")),
        ("direct_url.json",),
    ),
    Mutation(
        "direct-url-archive-gone",
        f"{PEP610}: archive_info url names the archive",
        _direct_url(lambda d, _: d.update(url="file:///nowhere/sw.whl")),
        ("/nowhere",),
    ),
    Mutation(
        "direct-url-hashes-malformed",
        f"{PEP610}: archive_info.hashes is a mapping",
        _direct_url(lambda d, _: d["archive_info"].update(hashes="sha256")),
        (),
    ),
    Mutation(
        "direct-url-vcs-no-commit",
        f"{PEP610}: vcs_info.commit_id is required",
        _direct_url(lambda d, _: d.pop("archive_info") and d.update(vcs_info={"vcs": "git"})),
    ),
    Mutation(
        "direct-url-editable-gone",
        f"{PEP610}/PEP 660: dir_info.editable url names the project",
        _move_source,
        ("direct_url.json", "no longer exists"),
        editable=True,
    ),
    Mutation(
        "direct-url-editable-url-elsewhere",
        f"{PEP610}: dir_info url of an editable install names another directory",
        _direct_url(lambda d, t: d.update(url=(t.lab.tmp / "nowhere").as_uri())),
        ("direct_url.json", "nowhere"),
        editable=True,
    ),
    # -- editable installs: the .pth path line (PEP 660, site.py) --------------------------------
    Mutation(
        "editable-src-moved",
        "PEP 660 / site.py: the .pth path line names the source directory",
        _move_src_dir,
        (".pth",),
        editable=True,
    ),
    Mutation(
        "editable-pth-gone",
        "PEP 660: the path hook (.pth) RECORD lists",
        _pth_edit(lambda t: ""),
        (".pth",),
        editable=True,
    ),
    Mutation(
        "editable-pth-elsewhere",
        "site.py: a .pth path line to a directory that does not exist",
        _pth_edit(lambda t: f"{t.lab.tmp / 'nowhere'}\n"),
        (".pth",),
        editable=True,
    ),
    Mutation(
        "editable-package-gone",
        "PEP 660: the editable project's package (renamed in the project)",
        lambda t: _module_file(t).parent.rename(_module_file(t).parent.with_name("renamed")),
        ("entry point",),
        editable=True,
    ),
    Mutation(
        "editable-healthy",
        "PEP 660: an editable install as Poetry makes it",
        lambda t: None,
        editable=True,
    ),
    # -- the lock and the legacy record ------------------------------------------------------------
    Mutation("upgraded", "poetry.lock: the locked version (pip installs 2.0)", _upgrade, ("2.0",)),
    Mutation(
        "uninstalled",
        "poetry.lock: a locked package pip uninstalled",
        _uninstall,
        ("not installed",),
    ),
    Mutation(
        "egg-info", "setuptools .egg-info (PKG-INFO) instead of a .dist-info", _to_egg_info(True)
    ),
    Mutation(
        "egg-info-no-pkg-info",
        "setuptools .egg-info without PKG-INFO",
        _to_egg_info(False),
        ("not installed",),
    ),
    Mutation("healthy", "a distribution as Poetry installs it", lambda t: None),
]


def short(ident: str) -> str:
    return "sw-" + re.sub(r"[^a-z0-9]+", "-", ident)


def build(lab: Lab) -> dict[str, Target]:
    """The project with one distribution per mutation, locked and installed by Poetry."""
    app = lab.app
    lab.project()
    wheels, editables = app / "wheels", app / "editables"
    editables.mkdir()
    declared = []
    for mutation in MUTATIONS:
        name = short(mutation.ident)
        module = name.replace("-", "_")
        init = "__version__ = '1.0'\n\n\ndef main() -> int:\n    return 0\n"
        if mutation.editable:
            project = editables / module
            (project / "src" / module).mkdir(parents=True)
            (project / "src" / module / "__init__.py").write_text(init)
            (project / "pyproject.toml").write_text(
                f'[project]\nname = "{name}"\nversion = "1.0"\n'
                f'[project.scripts]\n{name} = "{module}:main"\n'
                '[build-system]\nrequires = ["poetry-core>=2"]\n'
                'build-backend = "poetry.core.masonry.api"\n'
            )
            declared.append(f'{name} = {{ path = "editables/{module}", develop = true }}')
        else:
            info = f"{module}-1.0.dist-info"
            make_wheel(
                wheels,
                name,
                "1.0",
                files={
                    f"{module}/__init__.py": init,
                    f"{info}/entry_points.txt": f"[console_scripts]\n{name} = {module}:main\n",
                    f"{info}/top_level.txt": f"{module}\n",
                },
            )
            declared.append(f'{name} = {{ path = "wheels/{module}-1.0-py3-none-any.whl" }}')
    pyproject = app / "pyproject.toml"
    text = pyproject.read_text()
    text = text.replace(
        "[tool.poetry.dependencies.demo-win]",
        "\n".join(declared) + "\n\n[tool.poetry.dependencies.demo-win]",
    )
    names = ", ".join(f'"{short(m.ident)}"' for m in MUTATIONS)
    pyproject.write_text(
        text.replace("[tool.envcheck.venv]\n", f"[tool.envcheck.venv]\npackages = [{names}]\n")
    )
    lab.poetry("lock")
    # one at a time: Poetry's parallel installer now and then writes no direct_url.json
    lab.env["POETRY_INSTALLER_PARALLEL"] = "false"
    lab.poetry("install")
    del lab.env["POETRY_INSTALLER_PARALLEL"]
    site = site_packages(app)
    targets = {}
    for mutation in MUTATIONS:
        name = short(mutation.ident)
        module = name.replace("-", "_")
        record = site / f"{module}-1.0.dist-info"
        assert record.is_dir(), f"Poetry did not install {name}"
        source = app / "editables" / module if mutation.editable else None
        targets[mutation.ident] = Target(name, module, site, record, lab, source)
    return targets


ORACLE = r"""
import contextlib, importlib, importlib.metadata as md, io, json, sys
targets, views = json.loads(sys.argv[1]), json.loads(sys.argv[2])
out = {}
for name, module in targets:
    said = {}
    try:
        importlib.import_module(module)
        said["import"] = "ok"
    except Exception as exc:  # noqa: B902 - what the tool raised is the answer
        said["import"] = f"{type(exc).__name__}: {exc}"
    try:
        said["version"] = str(md.version(name))
    except Exception as exc:  # noqa: B902 - what the tool raised is the answer
        said["version"] = f"{type(exc).__name__}"
    try:
        eps = [e for e in md.distribution(name).entry_points if e.group == "console_scripts"]
        eps[0].load() if eps else None
        said["entry_point"] = "ok" if eps else "none"
    except Exception as exc:  # noqa: B902 - what the tool raised is the answer
        said["entry_point"] = f"{type(exc).__name__}: {exc}"
    out[name] = said
# pip's own check and show, each distribution alone on sys.path (one crash would end them all)
from pip._internal.metadata import get_default_environment
from pip._internal.operations.check import (
    check_package_set, check_unsupported, create_package_set_from_installed,
)
from pip._internal.utils.compatibility_tags import get_supported
full = list(sys.path)
for name, _ in targets:
    sys.path[:] = [views[name]]
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            found = get_default_environment().get_distribution(name)
            out[name]["pip_show"] = "ok" if found is not None else "not found"
            packages, problems = create_package_set_from_installed()
            missing, conflicting = check_package_set(packages)
            unsupported = list(check_unsupported(
                get_default_environment().iter_installed_distributions(local_only=False),
                get_supported(),
            ))
        said = [f"requires {d[0]}" for m in missing.values() for d in m]
        said += [f"has requirement {d[2]}" for c in conflicting.values() for d in c]
        said += [f"{d.raw_name} {d.version} is not supported" for d in unsupported]
        said += ["its dependencies do not parse"] if problems else []
        out[name]["pip_check"] = "; ".join(said) or "ok"
    except Exception as exc:  # noqa: B902 - what the tool raised is the answer
        out[name].setdefault("pip_show", "ok")
        out[name]["pip_check"] = f"pip crashes: {type(exc).__name__}: {exc}"
    finally:
        sys.path[:] = full
print(json.dumps(out))
"""


#: Poetry's own reading of the installed set (``InstalledRepository.load``, what ``poetry
#: install`` compares with the lock), each distribution alone on sys.path; run by Poetry's Python
POETRY_SEES = r"""
import json, sys
from pathlib import Path
from poetry.repositories.installed_repository import InstalledRepository

class Env:
    def __init__(self, view, venv):
        self.sys_path, self.path = [view], Path(venv)
        self.purelib = self.platlib = Path(view)
        self.parent_env = None
    def is_path_relative_to_lib(self, path):
        return True

targets, views, venv = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
out = {}
for name in targets:
    try:
        found = InstalledRepository.load(Env(views[name], venv)).packages
        out[name] = [[p.name, str(p.version), p.source_type, p.develop] for p in found]
    except Exception as exc:  # noqa: B902 - what the tool raised is the answer
        out[name] = f"poetry crashes: {type(exc).__name__}: {exc}"
print(json.dumps(out))
"""


def _owner(entry: str) -> str:
    """The project a site directory's entry belongs to, by its name: ``sw_x-1.0.dist-info``,
    ``sw-x-1.0.dist-info``, ``SW_X.dist-info``, ``sw_x``, ``sw_x.pth``."""
    stem = re.sub(r"\.(dist-info|egg-info|pth)$", "", entry)
    stem = re.sub(r"(-[0-9][^-]*|-py[0-9][^-]*)+$", "", stem)
    return canonicalize_name(stem)


def oracle(lab: Lab, targets: dict[str, Target]) -> dict[str, dict[str, str]]:
    """What the real tools say of each distribution: its import, importlib.metadata's version,
    its console script's entry point (loaded) and the file in ``bin`` (run); and pip's own
    ``show`` and ``check`` (their code, in the same process) with only that distribution's
    entries of site-packages on sys.path, since one record pip cannot read ends pip's check of
    all."""
    python = lab.python()
    views: dict[str, str] = {}
    entries = sorted(os.listdir(next(iter(targets.values())).site))
    for t in targets.values():
        view = lab.tmp / "views" / t.module
        view.mkdir(parents=True)
        for entry in entries:
            if _owner(entry) == t.name:
                (view / entry).symlink_to(t.site / entry)
        views[t.name] = str(view)
    wanted = [(t.name, t.module) for t in targets.values()]
    done = lab.runs([str(python), "-c", ORACLE, json.dumps(wanted), json.dumps(views)], lab.app)
    assert done.returncode == 0, done.stderr
    said: dict[str, dict[str, str]] = json.loads(done.stdout)
    poetry_python = Path(POETRY).read_text().splitlines()[0].removeprefix("#!").strip()
    names = [t.name for t in targets.values()]
    argv = [poetry_python, "-c", POETRY_SEES, json.dumps(names), json.dumps(views)]
    done = lab.runs([*argv, str(python.parent.parent)], lab.app)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    for t in targets.values():
        script = python.parent / t.name
        said[t.name]["script"] = "ok" if script.is_file() and _runs(lab, script) else "fails"
        said[t.name]["poetry"] = _poetry_verdict(t, seen[t.name])
    return said


def _poetry_verdict(t: Target, seen: str | list[list[Any]]) -> str:
    """``ok`` when Poetry reads the distribution as the lock has it (name, version 1.0)."""
    if isinstance(seen, str):
        return seen
    mine = [p for p in seen if p[0] == t.name]
    if not mine:
        return "not installed: " + (", ".join(f"{p[0]} {p[1]}" for p in seen) or "nothing")
    return "ok" if mine[0][1] == "1.0" else f"version {mine[0][1]}"


def _runs(lab: Lab, script: Path) -> bool:
    try:
        return lab.runs([str(script)]).returncode == 0
    except OSError:
        return False


def broken(said: dict[str, str]) -> list[str]:
    """What the tools say is wrong ([] for a working distribution)."""
    return [
        f"{k}: {v}"
        for k, v in said.items()
        if (k == "version" and v != "1.0") or (k != "version" and v not in ("ok", "none"))
    ]


#: the mutations after which the tools (:func:`oracle`) find the distribution broken; every
#: other one leaves it working (asserted on each run: the lab's ground truth, not envcheck's)
BREAKS = frozenset(
    {
        "info-gone",
        "info-dir-dashed",
        "info-second-older",
        "info-second-newer",
        "metadata-gone",
        "metadata-empty",
        "metadata-directory",
        "metadata-undecodable",
        "metadata-no-name",
        "metadata-other-name",
        "metadata-no-version",
        "metadata-other-version",
        "metadata-version-not-pep440",
        "metadata-version-in-body",
        "metadata-requires-unmet",
        "metadata-requires-invalid",
        "module-gone",
        "package-dir-gone",
        "module-edited-breaks",
        "module-empty",
        "script-gone",
        "script-other-python",
        "entry-points-target-gone",
        "wheel-tag-other-python",
        "wheel-tag-not-a-tag",
        "direct-url-not-json",
        "direct-url-no-url",
        "direct-url-vcs-no-commit",
        "direct-url-editable-gone",
        "editable-src-moved",
        "editable-pth-gone",
        "editable-pth-elsewhere",
        "editable-package-gone",
        "upgraded",
        "uninstalled",
        "egg-info-no-pkg-info",
    }
)

#: mutations whose printed fix is run in the lab (in this order: the first leaves pip unable to
#: run, the third Poetry), and the check that prints it; the others are undone first
HEALED = (
    ("info-dir-dashed", "package"),
    ("module-gone", "package"),
    ("direct-url-vcs-no-commit", "package"),
    ("editable-src-moved", "package"),
    ("metadata-requires-invalid", "consistency"),
)


def _text(check: dict[str, Any]) -> str:
    facts = json.dumps(check.get("facts") or {})
    return f"{check['summary']} | {check.get('why') or ''} | {check.get('hint') or ''} | {facts}"


def _naming(checks: Checks, name: str) -> list[dict[str, Any]]:
    """The failing or warning checks whose text names the distribution ``name``."""
    word = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.I)
    return [c for c in checks.values() if c["status"] in ("fail", "warn") and word.search(_text(c))]


def judge(checks: Checks, said: dict[str, dict[str, str]]) -> list[str]:
    """The invariants over every mutation: what violates them."""
    problems = []
    for check in checks.values():
        text = _text(check)
        if check["status"] == "error" or "Traceback" in text or "report a bug" in text.lower():
            problems.append(f"{check['id']}: envcheck's own error: {text[:300]}")
    for m in MUTATIONS:
        name = short(m.ident)
        wrong = broken(said[name])
        if bool(wrong) != (m.ident in BREAKS):
            problems.append(f"{m.ident}: the tools now say {wrong or 'it works'} (lab changed?)")
        named = _naming(checks, name)
        if wrong and not named:
            problems.append(f"{m.ident}: false pass: {wrong}, and no check names {name}")
        elif (
            wrong
            and m.names
            and not any(w.lower() in _text(c).lower() for c in named for w in m.names)
        ):
            shown = [c["summary"][:160] for c in named]
            problems.append(f"{m.ident}: no failing check names any of {m.names}: {shown}")
        failing = [c["id"] for c in named if c["status"] == "fail"]
        if not wrong and failing:
            problems.append(f"{m.ident}: false alarm: {failing} fail, the tools find it working")
    return problems


def snapshot(lab: Lab, into: Path) -> None:
    """The distributions' files as Poetry installed them (to undo a mutation)."""
    site = site_packages(lab.app)
    shutil.copytree(site, into / "site", symlinks=True, ignore=_not_ours)
    (into / "bin").mkdir()
    for script in lab.python().parent.glob("sw-*"):
        shutil.copy2(script, into / "bin" / script.name)
    shutil.copytree(lab.app / "editables", into / "editables", symlinks=True)


def _not_ours(directory: str, names: list[str]) -> set[str]:
    if not directory.endswith("site-packages"):
        return set()
    return {n for n in names if not _owner(n).startswith("sw-")}


def undo(t: Target, kept: Path) -> None:
    """Put ``t``'s files back as Poetry installed them."""
    for entry in os.listdir(t.site):
        if _owner(entry) == t.name:
            path = t.site / entry
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    for entry in os.listdir(kept / "site"):
        if _owner(entry) == t.name:
            source = kept / "site" / entry
            if source.is_dir():
                shutil.copytree(source, t.site / entry, symlinks=True)
            else:
                shutil.copy2(source, t.site / entry)
    script = t.lab.python().parent / t.name
    script.unlink(missing_ok=True)
    shutil.copy2(kept / "bin" / t.name, script)
    if t.source is not None:
        for place in (t.source, t.source.with_name(t.source.name + "-moved")):
            if place.exists():
                shutil.rmtree(place)
        shutil.copytree(kept / "editables" / t.module, t.source, symlinks=True)


def test_every_record_mutation(lab: Lab) -> None:
    started, wall = time.process_time(), time.monotonic()
    targets = build(lab)
    snapshot(lab, lab.tmp / "as-installed")
    # pip's own mutations first: some of the others leave pip unable to run
    for mutation in sorted(MUTATIONS, key=lambda m: m.apply not in (_upgrade, _uninstall)):
        mutation.apply(targets[mutation.ident])
    said = oracle(lab, targets)
    checks = lab.run()
    if os.environ.get("SWEEP_DUMP"):
        Path(os.environ["SWEEP_DUMP"]).write_text(json.dumps({"said": said, "checks": checks}))
    problems = judge(checks, said)
    assert not problems, f"{len(problems)} of {len(MUTATIONS)} mutations:\n" + "\n".join(problems)

    # the printed fixes of a few, run as printed (every other mutation undone first: one
    # record Poetry or pip cannot read stops them for every package), then envcheck again
    healed = dict(HEALED)
    for mutation in MUTATIONS:
        if mutation.ident not in healed:
            undo(targets[mutation.ident], lab.tmp / "as-installed")
    # each fix removes its record, then `poetry install`: applied one by one, the first
    # `poetry install` would stop on the next record (and the second fix's pip on the first's),
    # so the removals run in turn and the shared `poetry install` once, last
    removals: list[dict[str, Any]] = []
    last: list[dict[str, Any]] = []
    for ident, check in HEALED:
        name = short(ident)
        found = checks[f"venv/package[{name}]" if check == "package" else f"venv/{check}"]
        assert found["status"] == "fail", found
        steps = found["fix"]["steps"]
        assert all(s["kind"] == "command" for s in steps), found["fix"]
        assert (
            steps[-1]["argv"][-2:] == ["poetry", "install"][-2:] or "install" in steps[-1]["argv"]
        )
        removals += steps[:-1]
        last = [steps[-1]] if not last else last
        assert last[0] == steps[-1], (last, steps[-1])
    lab.apply({"id": "the fixes", "fix": {"steps": removals + last, "text": ""}})
    again = lab.run()
    failing = {i: c["summary"] for i, c in again.items() if c["status"] != "pass"}
    assert not failing, f"after the fixes of {sorted(healed)}: {failing}"
    cost = f"{time.process_time() - started:.1f} s CPU here, {time.monotonic() - wall:.0f} s wall"
    print(f"{len(MUTATIONS)} mutations ({len(BREAKS)} breaking), one envcheck run: {cost}")
