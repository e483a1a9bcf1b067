"""Twentieth held-out round for the venv verdicts (issue 23): Poetry's package sources
(``[[tool.poetry.source]]``: a priority and a key Poetry 2 removed, the reserved PyPI name with
a url, two names that are one) and Poetry's project configuration file ``poetry.toml`` that is
not TOML. Five breakages and two healthy neighbours that no row of docs/verdicts/venv.md, no
earlier round and no sweep lists, each a copy of the venv lab's locked Poetry project (its
environment shared through a ``.venv`` link, projects in p00..p06 so no path carries a case's
words), judged by one start of that environment's interpreter (tests/verdicts/
venv_project_runner.py) whose Poetry questions are asked in one Poetry process (Poetry 2.5.1).

How the set was made (2026-12-07), from the sources of truth and before running envcheck on any
of them:

- Poetry's documentation, "Repositories" / "Package sources" (python-poetry/poetry
  docs/repositories.md) and its schema (poetry-core's ``poetry-schema.json``, ``priority`` an
  enum of ``primary``, ``supplemental``, ``explicit``; ``additionalProperties: false``): Poetry
  1.5 deprecated ``default = true`` and ``priority = "secondary"`` (and ``"default"``), Poetry
  2.0 removed them. A project last edited under Poetry 1.x keeps them, and Poetry 2.5.1 stops
  on every command, ``poetry check --lock`` exit 1 "The Poetry configuration is invalid:
  tool.poetry.source[0].priority must be one of ['primary', 'supplemental', 'explicit']"
  (``priority = "secondary"``; the documented successor is ``supplemental``: "used only if a
  package is not found in the primary sources") and "tool.poetry.source[0] must not contain
  {'default'} properties" (``default = true``; its successor ``priority = "primary"``, Poetry
  2 disabling PyPI once a primary source is configured) (two breakages);
- the same page: PyPI is configured by its name alone ("``name = "PyPI"``, ``priority =``
  ...", never a url): a source named ``pypi`` with ``url = "https://pypi.org/simple/"`` stops
  every command, "The PyPI repository cannot be configured with a custom url." (breakage);
- Poetry's source names are case-insensitive (poetry ``Pool.add_repository`` keys by the
  lower-cased name): two sources ``internal`` and ``Internal`` stop every command, "A
  repository with name internal was already added." (breakage);
- Poetry's configuration (docs/configuration.md, "Local configuration": ``poetry config
  --local`` writes ``poetry.toml`` in the project, read by every command): a hand-edited
  ``poetry.toml`` saying ``in-project = True`` (Python's spelling; TOML 1.0's booleans are
  lower case) stops every command: "Invalid TOML file .../poetry.toml: Unexpected character:
  'T' at line 2 col 13" (breakage);
- healthy neighbours: a ``supplemental`` source beside ``name = "PyPI"`` with ``priority =
  "primary"`` and no url, relocked by Poetry 2.5.1 (must pass); a valid ``poetry.toml``
  (``[virtualenvs] in-project = true``, ``[installer] parallel = false``) (must pass).

Proven with the real tool before a grade counts: Poetry's own answers to envcheck's questions
(``poetry check --lock`` and ``poetry env info``) in the round's Poetry process, their exit
status and Poetry's words, and for the first neighbour its ``poetry lock`` in the same process.

Checked against the table and the rounds before choosing (``grep -c -F`` over
docs/verdicts/venv.md, tests/verdicts/test_heldout_venv*.py and tests/verdicts/test_venv*.py,
the four sweeps among them): ``priority``, ``secondary``, ``supplemental``, ``explicit``,
``default = true``, ``must be one of``, ``must not contain``, ``Poetry configuration is
invalid``, ``Invalid TOML file``, ``cannot be configured with a custom url``, ``already
added``, ``prefer-active-python``, ``virtualenvs.path`` occur nowhere; ``[[tool.poetry.source]]``
only as round 9's undeclared source (venv-poetry-source-undeclared: a dependency naming a
source no table declares); ``poetry.toml`` only as the rows that read its ``virtualenvs.create``
and ``virtualenvs.in-project`` values (venv-env-create-false, venv-in-project-false-stale),
never the file not parsing; ``<<<<<<<`` only as poetry.lock's merge conflict. Not taken (rows,
rounds or sweeps exist, or no breakage): a key Poetry's ``[tool.poetry]`` schema has not (the
project sweep), PEP 735 items (the project sweep and rounds 8, 17), installed records (the
installed sweep), ``prefer-active-python`` in ``poetry.toml`` (Poetry 2.5.1 ignores it: "All
set!"), a misspelt ``in_project`` key (ignored as well). The grading is round one's (``grade``
in tests/verdicts/test_heldout_servers.py) with round twelve's addition for the healthy
neighbours: no check about the names in ``quiet`` may fail or warn. Caution on independence:
the person who wrote these had read the earlier rounds, the runner and the docs table, not the
modules of checks/venv/ that read Poetry's files.

Expectations committed before the first run: d9b5324.

First run (envcheck at d9b5324, before any change; 2026-12-07): **3 of 7 fully right** by the
grading function (the two healthy neighbours; venv-poetry-source-duplicate-name, loosely: its
lock-file failure carries Poetry's "A repository with name internal was already added", which
the case-insensitive match takes for both names, and its fix, the generic "correct what Poetry
names in pyproject.toml", holds ``name`` inside ``names``; the second source is not named), 4
partly, 0 wrong. Partly, each venv/lock-file and venv/poetry-env failing with Poetry's words
and the generic fix: venv-poetry-source-priority-secondary (neither the source ``internal``
nor ``secondary`` named, no ``supplemental``), venv-poetry-source-default-key (the source
unnamed, no ``priority = "primary"``), venv-poetry-source-pypi-url (the fix does not say to
drop the url), venv-poetry-toml-not-toml (lock-file "reports errors in .../pyproject.toml" and
its fix "correct what Poetry names in pyproject.toml": the wrong file).

After (verdicts from structure: the fields of each ``[[tool.poetry.source]]`` table against
Poetry 2's schema, and ``tomllib`` on the project's ``poetry.toml``, both read when Poetry's
``check --lock`` exits non-zero): 7 of 7 fully right, each a row of docs/verdicts/venv.md
(``ASSERTED``) asserted on the run. ``project.source_errors`` (checks/venv/project.py, part of
``field_errors``, so venv/project and venv/lock-file both name it) names the source and its
field: a removed ``priority`` with its successor (``secondary`` -> ``supplemental``,
``default`` -> ``primary``), ``default = true`` with ``priority = "primary"``, PyPI's url to
remove, the second of two names that are one; venv/lock-file's summary now carries those
fields after "reports errors in pyproject.toml". A ``poetry.toml`` that does not parse fails
venv/lock-file naming that file and where TOML stops, its fix an edit of that file
(checks/venv/hooks.py ``_local_config_error``), no longer pyproject.toml. Every printed fix of
the five breakages is a person's edit; each is carried out as its text says
(:data:`ROUND.edits <tests.verdicts.venv_lab.Round.edits>`: the words of the fix asserted, the
field replaced, ``poetry lock`` run where the fix says so, in the round's Poetry process) and
venv/lock-file passes after it.

Cost: ``-n 0``, 5.7 user + 1.0 sys CPU-s (the template's build, one runner start with one
Poetry process for the seven projects and one relock, one more for the five edited ones and
their four relocks), 11 s wall beside other sessions' runs.
"""

from __future__ import annotations

from pathlib import Path

from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.venv_lab import (
    POETRY_CHECKS,
    POETRY_QUIET,
    Lab,
    Round,
    person,
    poetry_content,
    poetry_project,
    poetry_says,
)
from tests.verdicts.venv_lab import poetry_source as source

ROUND = Round(20, prove_found=True)
case = ROUND.case


@case(
    "venv-poetry-source-priority-secondary",
    Expect(POETRY_CHECKS, "fail", ("internal", "secondary"), ("supplemental",)),
    poetry_says("priority must be one of"),
    poetry=True,
)
def source_priority_secondary(lab: Lab, root: Path) -> dict[str, str | None]:
    """A Poetry 1.x source: ``priority = "secondary"`` (removed in Poetry 2.0)."""
    poetry_project(lab, root, source("internal", 'priority = "secondary"'))
    return {}


@case(
    "venv-poetry-source-default-key",
    Expect(POETRY_CHECKS, "fail", ("internal", "default"), ('priority = "primary"',)),
    poetry_says("must not contain {'default'} properties"),
    poetry=True,
)
def source_default_key(lab: Lab, root: Path) -> dict[str, str | None]:
    """A Poetry 1.x source: ``default = true`` (removed in Poetry 2.0)."""
    poetry_project(lab, root, source("internal", "default = true"))
    return {}


@case(
    "venv-poetry-source-pypi-url",
    Expect(POETRY_CHECKS, "fail", ("pypi", "url"), ("url",)),
    poetry_says("The PyPI repository cannot be configured with a custom url"),
    poetry=True,
)
def source_pypi_url(lab: Lab, root: Path) -> dict[str, str | None]:
    """A source named ``pypi`` with PyPI's own url."""
    poetry_project(lab, root, source("pypi", url="https://pypi.org/simple/"))
    return {}


@case(
    "venv-poetry-source-duplicate-name",
    Expect(POETRY_CHECKS, "fail", ("internal", "Internal"), ("name",)),
    poetry_says("A repository with name internal was already added"),
    poetry=True,
)
def source_duplicate_name(lab: Lab, root: Path) -> dict[str, str | None]:
    """Two sources whose names differ only in case (a mirror added beside the old one)."""
    poetry_project(
        lab,
        root,
        source("internal", 'priority = "supplemental"')
        + "\n"
        + source("Internal", 'priority = "supplemental"', url="http://127.0.0.1:9/mirror/"),
    )
    return {}


@case(
    "venv-poetry-toml-not-toml",
    Expect(POETRY_CHECKS, "fail", ("poetry.toml", "line 2"), ("poetry.toml",)),
    poetry_says("Invalid TOML file"),
    poetry=True,
)
def poetry_toml_not_toml(lab: Lab, root: Path) -> dict[str, str | None]:
    """``poetry.toml`` hand-edited: ``in-project = True`` (TOML's booleans are lower case)."""
    poetry_project(lab, root, local="[virtualenvs]\nin-project = True\n")
    return {}


@case(
    "venv-poetry-source-supplemental",
    Expect("venv/lock-file", "pass"),
    poetry_content,
    quiet=POETRY_QUIET,
    poetry=True,
)
def source_supplemental(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: PyPI by name with ``priority = "primary"`` and no url, a
    ``supplemental`` source beside it; relocked by Poetry."""
    poetry_project(
        lab,
        root,
        source("PyPI", 'priority = "primary"', url=None)
        + "\n"
        + source("internal", 'priority = "supplemental"'),
    )
    ROUND.before[root.name] = [["lock"]]
    return {}


@case(
    "venv-poetry-toml-valid",
    Expect("venv/poetry-env", "pass"),
    poetry_content,
    quiet=POETRY_QUIET,
    poetry=True,
)
def poetry_toml_valid(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: ``poetry.toml`` with ``in-project = true`` and ``parallel = false``."""
    poetry_project(
        lab, root, local="[virtualenvs]\nin-project = true\n\n[installer]\nparallel = false\n"
    )
    return {}


# every breakage of this round is fixed by a person's edit of a file (a Manual step), so none is
# listed in ROUND.healed before the first run


ROUND.edits.update(
    {
        "venv-poetry-source-priority-secondary": (
            "venv/lock-file",
            person(
                'use priority = "supplemental"',
                'priority = "secondary"',
                'priority = "supplemental"',
            ),
        ),
        "venv-poetry-source-default-key": (
            "venv/lock-file",
            person(
                'replace it with priority = "primary"', "default = true", 'priority = "primary"'
            ),
        ),
        "venv-poetry-source-pypi-url": (
            "venv/lock-file",
            person(
                'remove url = "https://pypi.org/simple/"', 'url = "https://pypi.org/simple/"\n', ""
            ),
        ),
        "venv-poetry-source-duplicate-name": (
            "venv/lock-file",
            person(
                "remove the duplicate",
                source("Internal", 'priority = "supplemental"', url="http://127.0.0.1:9/mirror/"),
                "",
            ),
        ),
        "venv-poetry-toml-not-toml": (
            "venv/lock-file",
            person("true and false are lower case", "= True", "= true", "poetry.toml"),
        ),
    }
)

world, test_venv = ROUND.tests()


#: the rows of docs/verdicts/venv.md this module asserts
ASSERTED = tuple(ROUND.cases)
