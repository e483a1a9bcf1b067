"""Fifth held-out round for the venv verdicts (issue 23): the project's own package as Poetry
installs it, and two healthy neighbours that must pass, each made in a real Poetry project of
the venv lab.

How the set was made (2026-12-06), before running envcheck on any of them: Poetry installs the
project itself (``package-mode`` true, the default) as an editable install: a ``.pth`` naming
``src`` and a ``.dist-info`` whose METADATA ``Version`` is pyproject.toml's at install time
(``poetry install --no-root`` leaves it out, and tests of a ``src`` layout then cannot import
it); Poetry's ``content-hash`` covers the dependency declarations, not the formatting or the
project's version (a comment or a version bump leaves ``poetry check --lock`` content); site.py
appends a ``.pth`` line's directory after site-packages, so a distribution found there second
is not what imports. Every id was checked against the table first. Caution on independence: the
person who wrote these had written the third and fourth rounds' verdicts and read the project
and lock checks' code.

First run (envcheck at 2ca6b97, before any change; 2026-12-06): **2 of 4 fully right** (the two
healthy neighbours pass), 0 partly, 2 wrong: venv-root-not-installed and
venv-root-metadata-stale both passed every check (venv/project "pyproject.toml (pytest's
rootdir)") while the project's own package does not import, or reports 0.1.0 for a project at
0.2.0.

After the changes of the commit that records this: 4 of 4 fully right. The verdicts, from
structure, on venv/project and only in the project's own environment (its ``.venv``, or its
environment in Poetry's cache): the project's distribution missing, then whether what
``packages`` includes imports (``importlib.util.find_spec``: FAIL when not, WARN when only the
metadata is missing); its installed ``Version`` against pyproject.toml's literal ``version``.
Each case is now a row of docs/verdicts/venv.md, asserted on its run.
"""

from __future__ import annotations

import pytest

from tests.throwaway import make_wheel
from tests.verdicts import test_venv as _venv
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_heldout_venv import Case, Cases, fully_right_and_its_row, site_packages
from tests.verdicts.venv_lab import Lab

#: the venv lab's fixtures
lab = _venv.lab

CASES = Cases()
case = CASES.case


def packaged(lab: Lab) -> None:
    """The lab's project with a package of its own in ``src/demo_app`` (package-mode true), the
    project installed by ``poetry install`` as Poetry does it."""
    lab.project("")
    pyproject = lab.app / "pyproject.toml"
    text = pyproject.read_text().replace("package-mode = false\n", "")
    text = text.replace(
        "[tool.poetry]\n", '[tool.poetry]\npackages = [{include = "demo_app", from = "src"}]\n'
    )
    pyproject.write_text(text)
    (lab.app / "src" / "demo_app").mkdir(parents=True)
    (lab.app / "src" / "demo_app" / "__init__.py").write_text("NAME = 'demo-app'\n")
    (lab.app / "README.md").write_text("demo\n")
    lab.poetry("lock")
    lab.poetry("install")
    assert lab.python_says("import demo_app", lab.tmp).returncode == 0


@case(
    "venv-root-not-installed",
    Expect(
        "venv/project|venv/lock-drift|venv/local-installs|venv/consistency",
        "warn|fail",
        ("demo-app",),
        ("poetry install",),
        ("--no-root",),
    ),
)
def root_not_installed(lab: Lab) -> Case:
    packaged(lab)
    lab.pip(lab.python(), "uninstall", "--yes", "demo-app")  # as `poetry install --no-root` left it
    assert lab.python_says("import demo_app", lab.app).returncode != 0  # src/ is not on sys.path
    return Case(lambda: lab.run())


@case(
    "venv-root-metadata-stale",
    Expect(
        "venv/project|venv/lock-drift|venv/local-installs|venv/consistency",
        "warn|fail",
        ("0.1.0", "0.2.0"),
        ("poetry install",),
    ),
)
def root_metadata_stale(lab: Lab) -> Case:
    packaged(lab)
    pyproject = lab.app / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "0.1.0"', 'version = "0.2.0"'))
    code = "import importlib.metadata as m; print(m.version('demo-app'))"
    assert lab.python_says(code, lab.tmp).stdout.strip() == "0.1.0"  # what the app reports
    return Case(lambda: lab.run())


@case("venv-lock-fresh-after-a-comment", Expect("venv/lock-file", "pass"))
def lock_fresh_after_comment(lab: Lab) -> Case:
    lab.project("")
    pyproject = lab.app / "pyproject.toml"
    pyproject.write_text(
        "# the demo project\n"
        + pyproject.read_text().replace("\n[tool.poetry]", "\n\n\n[tool.poetry]")
    )
    lab.poetry("check", "--lock")  # Poetry takes the lock as fresh (exit code 0)
    return Case(lambda: lab.run())


@case("venv-older-copy-after-site-packages", Expect("venv/package[demo-alpha]", "pass"))
def older_copy_after(lab: Lab) -> Case:
    lab.project('packages = ["demo-alpha>=1"]')
    extra = lab.tmp / "extra-site"
    extra.mkdir()
    old = make_wheel(lab.tmp, "demo-alpha", "0.5")
    lab.pip(lab.python(), "install", "--no-index", "--no-deps", "--target", str(extra), str(old))
    (site_packages(lab.app) / "extra-site.pth").write_text(f"{extra}\n")
    code = "import importlib.metadata as m; print(m.version('demo-alpha'))"
    assert lab.python_says(code, lab.tmp).stdout.strip() == "1.0"  # site-packages comes first
    return Case(lambda: lab.run())


@pytest.mark.parametrize("ident", sorted(CASES))
def test_venv(ident: str, lab: Lab) -> None:
    fully_right_and_its_row(CASES, ident, lab)
