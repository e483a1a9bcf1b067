"""Fixtures of the plugin's tests: a stand-in Sourcegraph instance, projects that point at it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sourcegraph_stand_in import HERE, Instance, free_port, wait_port


@pytest.fixture(scope="module")
def _instance_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    state = tmp_path_factory.mktemp("sourcegraph") / "state.json"
    port = free_port()
    instance = Instance(port, state)
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "fake_sourcegraph.py"), str(port), str(state)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_port(port)
        yield instance
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture
def sourcegraph(_instance_process: Instance) -> Iterator[Instance]:
    _instance_process.reset()
    yield _instance_process
    _instance_process.reset()


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real token, endpoint, editor or CI leaks into a test; HOME is empty."""
    for name in ("SRC_ENDPOINT", "SRC_ACCESS_TOKEN", "CI", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "APPDATA"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))


@pytest.fixture
def project(pytester: pytest.Pytester) -> Callable[..., None]:
    """Write ``[tool.envcheck.sourcegraph]`` with the given keys (TOML values as text)."""

    def write(**keys: str) -> None:
        lines = "\n".join(f"{k} = {v}" for k, v in keys.items())
        pytester.makefile(".toml", pyproject=f"[tool.envcheck.sourcegraph]\n{lines}\n")

    return write


@pytest.fixture
def stand_in_src(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """A stand-in ``src`` on PATH. It imitates only the *format* of ``src version``'s output
    (sourcegraph/src-cli cmd/src/version.go: "Current version: X" first, then the instance's
    recommendation, which fails here because envcheck points it at a closed port)."""
    folder = tmp_path / "bin"
    folder.mkdir()

    def install(version: str) -> Path:
        path = folder / "src"
        path.write_text(textwrap.dedent(f"""\
                #!/bin/sh
                [ "$1" = version ] || exit 2
                echo "Current version: {version}"
                echo "error: Get \\"$SRC_ENDPOINT/.api/src-cli/version\\": connection refused" >&2
                exit 1
                """))
        path.chmod(0o755)
        return path

    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return install
