"""Twenty-first held-out round for the venv verdicts (issue 23): more of Poetry's own project
files that stop it: a package source's url that is no URI or missing, an extra naming a package
the project does not depend on, and a project listed among its own dependencies. Four
breakages and two healthy neighbours that no row of docs/verdicts/venv.md, no earlier round and
no sweep lists, each a copy of the venv lab's locked Poetry project (its environment shared
through a ``.venv`` link, projects in p00..p05 so no path carries a case's words), judged by
one start of that environment's interpreter whose Poetry questions are asked in one Poetry
process (Poetry 2.5.1), as round 20's are (tests/verdicts/venv_lab.py ``Round``).

How the set was made (2026-12-07), from the sources of truth and before running envcheck on any
of them:

- Poetry's package sources (docs/repositories.md; poetry-core's ``poetry-schema.json``: a
  source's ``url`` is ``"format": "uri"``; Poetry's ``Factory.create_package_source``: "Missing
  [url] in source {name!r}." for any source but PyPI): ``url = "internal.example/simple"`` (the
  scheme left out) stops every command, "tool.poetry.source[0].url must be uri" (breakage); a
  source ``internal`` with no url (its url kept in the user's ``poetry config
  repositories.internal``, which only publishing reads) stops every command, "Missing [url] in
  source 'internal'." (breakage); its neighbour a source with ``url =
  "https://internal.example/simple/"`` and ``priority = "explicit"``, relocked (must pass);
- Poetry's extras (docs/pyproject.md "extras": the packages of an extra are optional
  dependencies of the project; ``poetry check``'s "Cannot find dependency "demo-cli" for extra
  "cli" in main dependencies."): ``[tool.poetry.extras] cli = ["demo-cli"]`` with no such
  dependency, relocked (``poetry lock`` accepts it): ``poetry check --lock`` exits 1 and ``poetry
  install -E cli`` installs nothing for it (breakage); its neighbour ``win = ["demo-win"]`` with
  demo-win ``optional = true``, relocked (must pass);
- Poetry's dependency specification and its factory's validation ("Project name ({name}) is
  same as one of its dependencies"): the project ``demo-app`` adding itself to its dev group
  (``demo-app = {path = ".", develop = true}``, to have itself installed editable) stops every
  command (breakage).

Proven with the real tool before a grade counts: Poetry's own answers to envcheck's questions
(``poetry check --lock``, ``poetry env info``) and the relocks, in the round's Poetry process.

Checked against the table and the rounds before choosing (``grep -c -F`` over
docs/verdicts/venv.md, tests/verdicts/test_heldout_venv*.py and tests/verdicts/test_venv*.py,
the four sweeps among them): ``must be uri``, ``Missing [url]``, ``Cannot find dependency``,
``for extra``, ``same as one of its dependencies`` occur nowhere; ``[tool.poetry.extras]`` only
as round 7's extra whose optional package is not requested (venv-extra-not-requested: an extra
that is right); ``itself`` never as a project depending on itself (venv-hatch-self-extra is
pip's recursive extra of Hatch's ``features``, which works); ``url =`` only as PEP 610/751
urls and round 20's sources, whose url is valid. Not taken: a git dependency with ``branch``
and ``rev`` (Poetry accepts it and asks the network), a string ``in-project = "yes"`` in
poetry.toml (Poetry answers). The grading is round one's (``grade`` in
tests/verdicts/test_heldout_servers.py) with round twelve's addition for the healthy
neighbours: no check about the names in ``quiet`` may fail or warn. Caution on independence:
the person who wrote these had just changed checks/venv/project.py's reading of
``[[tool.poetry.source]]`` (round 20: priority, default, PyPI's url, duplicate names), not its
url.

Expectations committed before the first run: a3243b3.

First run (envcheck at a3243b3, before any change; 2026-12-07): **2 of 6 fully right** (the two
healthy neighbours), 4 partly, 0 wrong; each breakage failed venv/lock-file with Poetry's words
and the generic "correct what Poetry names in pyproject.toml (`poetry check` lists it)".
Partly: venv-poetry-source-url-not-uri (Poetry's "tool.poetry.source[0].url must be uri"
names neither the source nor its url; no scheme in the fix), venv-poetry-source-no-url (the
fix does not say to give the source its url), venv-poetry-extra-names-no-dependency (the fix
names neither demo-cli nor the choice: an optional dependency, or out of the extra),
venv-poetry-depends-on-itself (the group ``dev`` the entry is in unnamed, and the fix does not
say to remove demo-app from it).

After (verdicts from structure: the fields of ``[[tool.poetry.source]]``, ``[tool.poetry.extras]``
and the dependency tables' names, read when Poetry's ``check --lock`` exits non-zero): 6 of 6
fully right, each a row of docs/verdicts/venv.md (``ASSERTED``) asserted on the run.
checks/venv/project.py: ``source_errors`` names a source other than PyPI without a url (give it
its url: Poetry reads a source's url from pyproject.toml only) or with a url that is no URI by
the schema's pattern (give its scheme); ``_extras_errors`` names an extra's package that is no
main dependency (add it with ``optional = true``, or remove it from the extra);
``_self_dependency`` names the table that lists the project itself (remove it); all three in
``field_errors``, so venv/project and venv/lock-file both name them. Each printed fix is a
person's edit, carried out as its text says (``ROUND.edits``: its words asserted, the field
edited, ``poetry lock`` run as the fix says, in the round's Poetry process); venv/lock-file
passes after each.

Cost: ``-n 0``, 5.7 user + 0.8 sys CPU-s (the template's build, one runner start with one Poetry
process for the six projects and three relocks, one more for the four edited ones and their
relocks), 6.5 s wall beside other sessions' runs.
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

ROUND = Round(21, prove_found=True)
case = ROUND.case


def edit_pyproject(root: Path, old: str, new: str) -> None:
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    assert old in text, text
    pyproject.write_text(text.replace(old, new, 1))


@case(
    "venv-poetry-source-url-not-uri",
    Expect(POETRY_CHECKS, "fail", ("internal", "internal.example/simple"), ("https://",)),
    poetry_says("url must be uri"),
    poetry=True,
)
def source_url_not_uri(lab: Lab, root: Path) -> dict[str, str | None]:
    """A source's url without its scheme."""
    poetry_project(
        lab, root, source("internal", 'priority = "explicit"', url="internal.example/simple")
    )
    return {}


@case(
    "venv-poetry-source-no-url",
    Expect(POETRY_CHECKS, "fail", ("internal", "url"), ("url",)),
    poetry_says("Missing [url] in source 'internal'"),
    poetry=True,
)
def source_no_url(lab: Lab, root: Path) -> dict[str, str | None]:
    """A source ``internal`` without a url."""
    poetry_project(lab, root, source("internal", 'priority = "explicit"', url=None))
    return {}


@case(
    "venv-poetry-source-https-url",
    Expect("venv/lock-file", "pass"),
    poetry_content,
    quiet=POETRY_QUIET,
    poetry=True,
)
def source_https_url(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: an explicit source with an https url, relocked."""
    poetry_project(
        lab,
        root,
        source("internal", 'priority = "explicit"', url="https://internal.example/simple/"),
    )
    ROUND.before[root.name] = [["lock"]]
    return {}


@case(
    "venv-poetry-extra-names-no-dependency",
    Expect("venv/lock-file|venv/project", "fail|warn", ("cli", "demo-cli"), ("demo-cli",)),
    poetry_says('Cannot find dependency "demo-cli" for extra "cli"', kinds=("lock",)),
    poetry=True,
)
def extra_names_no_dependency(lab: Lab, root: Path) -> dict[str, str | None]:
    """``[tool.poetry.extras] cli = ["demo-cli"]``, no dependency demo-cli; relocked."""
    poetry_project(lab, root, '[tool.poetry.extras]\ncli = ["demo-cli"]\n')
    ROUND.before[root.name] = [["lock"]]
    return {}


@case(
    "venv-poetry-extra-optional-dependency",
    Expect("venv/lock-file", "pass"),
    poetry_content,
    quiet=POETRY_QUIET,
    poetry=True,
)
def extra_optional_dependency(lab: Lab, root: Path) -> dict[str, str | None]:
    """A healthy neighbour: ``win = ["demo-win"]``, demo-win ``optional = true``; relocked."""
    poetry_project(lab, root, '[tool.poetry.extras]\nwin = ["demo-win"]\n')
    edit_pyproject(
        root,
        "markers = \"sys_platform == 'win32'\"\n",
        "markers = \"sys_platform == 'win32'\"\noptional = true\n",
    )
    ROUND.before[root.name] = [["lock"]]
    return {}


SELF = 'demo-app = { path = ".", develop = true }\n'


@case(
    "venv-poetry-depends-on-itself",
    Expect(POETRY_CHECKS, "fail", ("demo-app", "dev"), ("demo-app",)),
    poetry_says("Project name (demo-app) is same as one of its dependencies"),
    poetry=True,
)
def depends_on_itself(lab: Lab, root: Path) -> dict[str, str | None]:
    """The project ``demo-app`` in its own dev group (``{path = ".", develop = true}``)."""
    poetry_project(lab, root)
    edit_pyproject(
        root,
        "[tool.poetry.group.dev.dependencies]\n",
        "[tool.poetry.group.dev.dependencies]\n" + SELF,
    )
    return {}


# every breakage of this round is fixed by a person's edit of a file (a Manual step); each is
# carried out as its printed fix says (ROUND.edits), after the first run
ROUND.edits.update(
    {
        "venv-poetry-source-url-not-uri": (
            "venv/lock-file",
            person(
                "give its scheme",
                'url = "internal.example/simple"',
                'url = "https://internal.example/simple"',
            ),
        ),
        "venv-poetry-source-no-url": (
            "venv/lock-file",
            person(
                "give it the index's url",
                'name = "internal"\n',
                'name = "internal"\nurl = "http://127.0.0.1:9/simple/"\n',
            ),
        ),
        "venv-poetry-extra-names-no-dependency": (
            "venv/lock-file",
            person("remove it from the extra cli", 'cli = ["demo-cli"]', "cli = []"),
        ),
        "venv-poetry-depends-on-itself": (
            "venv/lock-file",
            person("remove demo-app from it", SELF, ""),
        ),
    }
)


world, test_venv = ROUND.tests()


#: the rows of docs/verdicts/venv.md this module asserts
ASSERTED = tuple(ROUND.cases)
