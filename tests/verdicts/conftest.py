"""What the venv verdict modules share, built once per test process (each pytest-xdist worker):
Poetry's cache, the locked and installed template project, the virtualenv outside every project.
Each module made its own before: three template builds per worker instead of one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.throwaway import make_venv
from tests.verdicts.venv_lab import POETRY, build_template


@pytest.fixture(scope="session")
def poetry_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not os.access(POETRY, os.X_OK):
        pytest.skip(f"no Poetry at {POETRY} (scripts/bootstrap installs it)")
    return tmp_path_factory.mktemp("poetry-home")


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory, poetry_home: Path) -> Path:
    """The locked, installed template project: scenarios copy it, never change it."""
    return build_template(tmp_path_factory.mktemp("venv-template"), poetry_home)


@pytest.fixture(scope="session")
def other_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv outside every project, seeing pytest and envcheck; scenarios only run it."""
    return make_venv(tmp_path_factory.mktemp("other") / "other-venv")
