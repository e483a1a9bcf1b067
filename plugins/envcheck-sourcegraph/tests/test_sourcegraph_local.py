"""src-cli and editor: what is installed on this machine, compared with the instance."""

from __future__ import annotations

import json
import os
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from sourcegraph_stand_in import Instance

ENDPOINT = "https://sourcegraph.example.com"


def only_src(
    pytester: pytest.Pytester, sourcegraph: Instance, project: Callable[..., None]
) -> None:
    project(endpoint=f'"{sourcegraph.url}"', editor="false", mcp="false", cassettes="false")


def test_src_missing_says_how_to_install_it(
    pytester: pytest.Pytester,
    sourcegraph: Instance,
    project: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folders = os.environ["PATH"].split(os.pathsep)
    monkeypatch.setenv(
        "PATH", os.pathsep.join(p for p in folders if not (Path(p) / "src").exists())
    )
    # by default (src_cli not set) a missing src is fine: the web UI and editors need none
    only_src(pytester, sourcegraph, project)
    result = pytester.runpytest_subprocess("-v", "-k", "src-cli", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*the src CLI is not installed here (fine for the web UI*"])
    # required: a failure that says how to install it
    project(
        endpoint=f'"{sourcegraph.url}"',
        editor="false",
        mcp="false",
        cassettes="false",
        src_cli="true",
    )
    result = pytester.runpytest_subprocess("-v", "-k", "src-cli")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*sourcegraph/src-cli: the src CLI is not on PATH",
            "*fix: npm install -g @sourcegraph/src   (or: curl -L "
            f"{sourcegraph.url}/.api/src-cli/src_*_* -o ~/.local/bin/src && chmod +x "
            "~/.local/bin/src; releases: https://github.com/sourcegraph/src-cli/releases)",
        ]
    )


@pytest.mark.parametrize(
    ("mine", "recommended", "line"),
    [
        ("6.2.1", "6.4.0", "  WARN  src-cli * src 6.2.1 is older than the 6.4.0 * recommends*"),
        ("6.4.3", "6.4.0", "  PASS  src-cli * src 6.4.3; * recommends 6.4.0 (same minor)*"),
        (
            "6.4.0",
            None,
            "  PASS  src-cli * src 6.4.0; * does not name a recommended version *404)*",
        ),
    ],
)
def test_src_version_against_the_recommended_one(
    pytester: pytest.Pytester,
    sourcegraph: Instance,
    project: Callable[..., None],
    stand_in_src: Callable[[str], Path],
    mine: str,
    recommended: str | None,
    line: str,
) -> None:
    stand_in_src(mine)
    sourcegraph.set(src_cli=recommended)
    only_src(pytester, sourcegraph, project)
    result = pytester.runpytest_subprocess("-v", "-k", "src-cli")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([line])


def test_another_major_version_fails_and_the_recommended_one_passes(
    pytester: pytest.Pytester,
    sourcegraph: Instance,
    project: Callable[..., None],
    stand_in_src: Callable[[str], Path],
) -> None:
    stand_in_src("5.3.9104")
    only_src(pytester, sourcegraph, project)
    result = pytester.runpytest_subprocess("-v", "-k", "src-cli")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*sourcegraph/src-cli: src 5.3.9104 is another major version than the 6.4.0 *",
            "*fix: npm install -g @sourcegraph/src@6.4.0 *",
        ]
    )
    stand_in_src("6.4.0")  # the fix
    pytester.runpytest_subprocess("-v", "-k", "src-cli").assert_outcomes(passed=1)


# -- editor --------------------------------------------------------------------------------------


def editor_run(pytester: pytest.Pytester, project: Callable[..., None]) -> pytest.RunResult:
    project(endpoint=f'"{ENDPOINT}"', cassettes="false")
    return pytester.runpytest_subprocess("-v", "-k", "editor", "--envcheck-report")


def home() -> Path:
    return Path(os.environ["HOME"])


def test_no_editor_is_not_configured(
    pytester: pytest.Pytester, project: Callable[..., None]
) -> None:
    result = editor_run(pytester, project)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["  SKIP  editor * not configured: no VS Code or JetBrains IDE*"])


def test_vscode_extension_pointing_elsewhere_fails_until_its_setting_is_fixed(
    pytester: pytest.Pytester, project: Callable[..., None]
) -> None:
    (home() / ".vscode" / "extensions" / "sourcegraph.cody-ai-1.96.0").mkdir(parents=True)
    settings = home() / ".config" / "Code" / "User" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(
        '{\n  // our team instance\n  "cody.serverEndpoint": "https://sourcegraph.com/",\n'
        '  "editor.fontSize": 13, /* trailing comma next */\n}\n'
    )
    result = editor_run(pytester, project)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*sourcegraph/editor: VS Code's cody.serverEndpoint is https://sourcegraph.com/, "
            f"not {ENDPOINT}",
            f'*fix: set "cody.serverEndpoint": "{ENDPOINT}" in {settings} *',
        ]
    )
    settings.write_text(json.dumps({"cody.serverEndpoint": ENDPOINT + "/"}))  # the fix
    result = editor_run(pytester, project)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["  PASS  editor * sourcegraph.cody-ai installed*"])


def test_an_editor_without_the_extension_warns(
    pytester: pytest.Pytester, project: Callable[..., None]
) -> None:
    (home() / ".vscode" / "extensions" / "ms-python.python-2025.1.0").mkdir(parents=True)
    result = editor_run(pytester, project)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "  WARN  editor * no Sourcegraph extension in VS Code*",
            "*fix: code --install-extension sourcegraph.cody-ai*",
        ]
    )


def test_a_jetbrains_plugin_folder_counts(
    pytester: pytest.Pytester, project: Callable[..., None]
) -> None:
    ide = home() / ".local" / "share" / "JetBrains" / "PyCharm2025.2"
    (ide / "Sourcegraph").mkdir(parents=True)
    result = editor_run(pytester, project)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["  PASS  editor * Sourcegraph installed*"])
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    assert report["checks"][0]["facts"]["editors"] == ["PyCharm2025.2"]


# -- a program that prints without end -----------------------------------------------------------

#: prints 100 MB of one byte on stdout, then a last line, then exits
FLOOD = """
import sys
for _ in range(100):
    sys.stdout.buffer.write({byte!r} * 1_000_000)
sys.stdout.write({last!r})
sys.stdout.flush()
"""


def flooding(folder: Path, name: str, byte: bytes, last: str) -> Path:
    """A stand-in ``name`` on PATH that prints 100 MB of ``byte``, then ``last``."""
    folder.mkdir(exist_ok=True)
    program = folder / name
    program.write_text(f"#!{sys.executable}\n" + FLOOD.format(byte=byte, last=last))
    program.chmod(0o755)
    return program


def in_process(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, int]:
    """The checks run in this process, and the peak of the memory Python allocated meanwhile."""
    tracemalloc.start()
    try:
        result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-v", *args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def test_a_src_printing_100_mb_is_read_bounded_and_says_so(
    pytester: pytest.Pytester,
    sourcegraph: Instance,
    project: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Before: ``src version``'s whole output was kept (100 MB, then decoded), and nothing said
    that what was shown was a small part of it."""
    flooding(tmp_path / "bin", "src", b"x", "\nusage: src [options]\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    # what is tested is the bound, not the speed: 100 MB through a pipe took over 10 s on a
    # loaded 2-core machine
    project(
        endpoint=f'"{sourcegraph.url}"',
        editor="false",
        mcp="false",
        cassettes="false",
        timeout="60",
    )
    result, peak = in_process(pytester, "-k", "src-cli")
    result.stdout.fnmatch_lines(
        [
            "*FAIL  src-cli * did not print its version (it printed 'xxx*…')*",
            "*why: the `src` on PATH is another program, or a src-cli too old to say; [[]stdout: "
            "95.4 MiB printed; envcheck kept its first 1 MiB and its last 64 KiB]",
        ]
    )
    assert peak < 32 * 2**20, f"{peak / 2**20:.0f} MiB"


def test_code_listing_100_mb_of_extensions_is_read_bounded_and_says_so(
    pytester: pytest.Pytester,
    project: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Before: ``code --list-extensions``'s whole output was kept, and an extension listed in the
    middle of it looked absent without a word."""
    flooding(tmp_path / "bin", "code", b"\n", "ms-python.python\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    project(endpoint=f'"{ENDPOINT}"', cassettes="false", timeout="60")  # the bound, not speed
    result, peak = in_process(pytester, "-k", "editor")
    result.stdout.fnmatch_lines(
        [
            "  WARN  editor * no Sourcegraph extension in VS Code*",
            "*why: `code --list-extensions`: stdout: 95.4 MiB printed; envcheck kept its first "
            "1 MiB and its last 64 KiB",
            "*fix: code --install-extension sourcegraph.cody-ai*",
        ]
    )
    assert peak < 32 * 2**20, f"{peak / 2**20:.0f} MiB"
