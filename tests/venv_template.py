"""The venv lab's session fixtures, built once per test process (each pytest-xdist worker) for
every module that uses them (tests/conftest.py imports them): Poetry's cache, the locked and
installed template project, the virtualenv outside every project. The verdict modules and
tests/test_fix_heals_project.py copy the one template instead of each building its own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def poetry_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.verdicts.venv_lab import POETRY

    if not os.access(POETRY, os.X_OK):
        pytest.skip(f"no Poetry at {POETRY} (scripts/bootstrap installs it)")
    return tmp_path_factory.mktemp("poetry-home")


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory, poetry_home: Path) -> Path:
    """The locked, installed template project: scenarios copy it, never change it."""
    from tests.verdicts.venv_lab import build_template

    return build_template(tmp_path_factory.mktemp("venv-template"), poetry_home)


@pytest.fixture(scope="session")
def other_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv outside every project, seeing pytest and envcheck; scenarios only run it."""
    from tests.throwaway import make_venv

    return make_venv(tmp_path_factory.mktemp("other") / "other-venv")
