"""A Python whose standard library lacks an optional module, made for real: a copy of this
machine's interpreter whose ``lib-dynload`` has no ``_ssl`` (built without OpenSSL's headers, as
pyenv builds on a machine without libssl-dev) and a ``_sqlite3`` that needs ``libsqlite3.so.9``
(the library it was built against removed by an upgrade), and a virtualenv made from it.

envcheck must run there without a traceback: the components that import ssl say they cannot
run and why, the others run, ``venv/stdlib`` names each module, what is wrong with it and how
the interpreter gets it back; a plugin that cannot be imported is named with its distribution.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.verdicts.venv_lab import see_our_packages

MINOR = f"{sys.version_info[0]}.{sys.version_info[1]}"
SITE = "-p no:langsmith_plugin -p no:hypothesispytest -p no:anyio -p no:cacheprovider"


def broken_copy(base: Path, into: Path) -> Path:
    """``base``'s interpreter copied into ``into``: its standard library linked entry by entry,
    ``lib-dynload`` without ``_ssl`` and with a ``_sqlite3`` whose DT_NEEDED names a library no
    machine has (the same bytes but one digit: ``libsqlite3.so.9``)."""
    stdlib = base / "lib" / f"python{MINOR}"
    (into / "bin").mkdir(parents=True)
    shutil.copy2(base / "bin" / f"python{MINOR}", into / "bin" / f"python{MINOR}")
    for lib in (base / "lib").glob("libpython*"):
        (into / "lib").mkdir(exist_ok=True)
        (into / "lib" / lib.name).symlink_to(lib)
    copy = into / "lib" / f"python{MINOR}"
    copy.mkdir(parents=True)
    for entry in stdlib.iterdir():
        if entry.name != "lib-dynload":
            (copy / entry.name).symlink_to(entry)
    dynload = copy / "lib-dynload"
    dynload.mkdir()
    for entry in (stdlib / "lib-dynload").iterdir():
        if entry.name.startswith("_ssl."):
            continue
        if entry.name.startswith("_sqlite3."):
            data = entry.read_bytes()
            assert data.count(b"libsqlite3.so.0\0") == 1, "not the _sqlite3 this test knows"
            (dynload / entry.name).write_bytes(
                data.replace(b"libsqlite3.so.0\0", b"libsqlite3.so.9\0")
            )
            continue
        (dynload / entry.name).symlink_to(entry)
    return into / "bin" / f"python{MINOR}"


@pytest.fixture(scope="module")
def broken_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = Path(sys.base_prefix)
    if not (base / "lib" / f"python{MINOR}" / "lib-dynload").is_dir():
        pytest.skip(f"this interpreter's standard library is not laid out under {base}/lib")
    tmp = tmp_path_factory.mktemp("nossl")
    python = broken_copy(base, tmp / "python")
    venv = tmp / "venv"
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True)
    see_our_packages(venv / "bin" / "python")
    for module, error in (("ssl", "_ssl"), ("sqlite3", "libsqlite3.so.9")):
        done = subprocess.run(
            [str(venv / "bin" / "python"), "-c", f"import {module}"], capture_output=True, text=True
        )
        assert error in done.stderr, done.stderr  # the breakage is real
    return venv


def pytest_in(venv: Path, project: Path, *args: str) -> str:
    """pytest ``args`` run by ``venv``'s interpreter in ``project``: what it printed, which
    must hold no traceback."""
    env = {**os.environ, "PYTEST_ADDOPTS": SITE}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pytest", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    shown = done.stdout + done.stderr
    assert "Traceback" not in shown and "INTERNALERROR" not in shown, shown
    return shown


def run(venv: Path, project: Path, marker: str) -> tuple[dict[str, dict[str, Any]], str]:
    shown = pytest_in(venv, project, "-m", marker, "--envcheck-report")
    report = json.loads((project / "envcheck-report.json").read_text())
    return {c["id"]: c for c in report["checks"]}, shown


def test_a_python_without_ssl_is_named_and_the_other_checks_run(
    broken_venv: Path, tmp_path: Path, redis_url: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'app'\nversion = '1'\n"
        "[tool.envcheck.venv]\npoetry = false\nrequire_venv = true\n"
        f'[tool.envcheck.redis]\nurl = "{redis_url}"\n'
    )
    checks, shown = run(broken_venv, tmp_path, "venv or redis")
    stdlib = checks["venv/stdlib"]
    assert stdlib["status"] == "fail", shown
    assert "ssl (_ssl, built against OpenSSL): not built" in stdlib["summary"], stdlib
    # the library-less _sqlite3 is there, and what it lacks is named
    assert "libsqlite3.so.9" in stdlib["summary"] and "found nowhere" in stdlib["summary"]
    assert "libssl-dev" in stdlib["hint"], stdlib
    assert checks["venv/virtualenv"]["status"] == "pass", checks["venv/virtualenv"]
    # redis-py's TLS and envcheck's Redis diagnosis import ssl: the component says it cannot run
    redis = checks["redis/python"]
    assert redis["status"] == "fail", redis
    assert "the redis checks cannot run" in redis["summary"], redis
    assert "No module named '_ssl'" in redis["summary"], redis
    assert [c for c in checks if c.startswith("redis/")] == ["redis/python"], sorted(checks)


def test_a_plugin_that_cannot_be_imported_is_named_with_its_distribution(
    broken_venv: Path, tmp_path: Path
) -> None:
    site = subprocess.run(
        [
            str(broken_venv / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    info = Path(site) / "envcheck_kafka-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: envcheck-kafka\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[envcheck]\nkafka = envcheck_kafka\n")
    Path(site, "envcheck_kafka.py").write_text("import confluent_kafka_not_installed\n")
    (tmp_path / "pyproject.toml").write_text("[tool.envcheck.venv]\npoetry = false\n")
    shown = pytest_in(broken_venv, tmp_path, "-m", "venv")
    assert (
        "the plugin kafka (entry point envcheck_kafka of envcheck-kafka 0.1) cannot be imported: "
        "ModuleNotFoundError: No module named 'confluent_kafka_not_installed'"
    ) in shown, shown
    assert "uninstall envcheck-kafka" in shown, shown
