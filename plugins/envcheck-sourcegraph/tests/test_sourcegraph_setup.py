"""Configuration, defaults from the src CLI's variables, cassettes, and TLS."""

from __future__ import annotations

import http.server
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sourcegraph_stand_in import GOOD, VERSION, Instance


def test_nothing_is_added_unless_configured(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makefile(".toml", pyproject="[tool.envcheck]\ntimeout = 5\n")
    result = pytester.runpytest_subprocess("--envcheck", "--collect-only", "-q")
    assert "envcheck::sourcegraph::" not in result.stdout.str()
    # the console script's mode (no [tool.envcheck], defaults from the environment)
    (pytester.path / "pyproject.toml").unlink()
    args = ("--envcheck-only", "--envcheck-defaults", "--collect-only", "-q")
    result = pytester.runpytest_subprocess(*args)
    # the venv checks are there (derived from the running virtualenv's project: the pytester
    # directory has none, so its dev dependencies, this plugin among them, are listed): only no
    # sourcegraph check may be
    result.stdout.fnmatch_lines(["envcheck::venv::project"])
    assert "envcheck::sourcegraph::" not in result.stdout.str()
    monkeypatch.setenv("SRC_ACCESS_TOKEN", GOOD)
    result = pytester.runpytest_subprocess(*args)
    result.stdout.fnmatch_lines_random(
        [f"envcheck::sourcegraph::{name}" for name in ("endpoint", "token", "src-cli", "mcp")]
        + ["envcheck::sourcegraph::editor"]
    )


def test_defaults_read_the_src_cli_variables(
    pytester: pytest.Pytester, sourcegraph: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SRC_ENDPOINT", sourcegraph.url + "/")
    monkeypatch.setenv("SRC_ACCESS_TOKEN", GOOD)
    args = ("--envcheck-only", "--envcheck-defaults", "-m", "sourcegraph", "-k", "not src")
    result = pytester.runpytest_subprocess("-v", *args, "--envcheck-report")
    result.assert_outcomes(passed=3, skipped=1)
    result.stdout.fnmatch_lines_random(
        [
            f"  PASS  endpoint * Sourcegraph {VERSION} at {sourcegraph.url}  *",
            "  SKIP  editor * not configured: no VS Code or JetBrains IDE*",
        ]
    )
    assert GOOD not in (pytester.path / "envcheck-report.json").read_text()


def test_a_mistyped_key_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject='[tool.envcheck.sourcegraph]\nendpont = "x"\n')
    result = pytester.runpytest_subprocess("-v", "-m", "sourcegraph")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*tool.envcheck.sourcegraph.endpont: unknown key; did you mean 'endpoint'?"]
    )


def test_ci_replays_recorded_answers_without_a_token(
    pytester: pytest.Pytester,
    sourcegraph: Instance,
    project: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    stand_in_src: Callable[[str], Path],
) -> None:
    stand_in_src("6.4.0")
    monkeypatch.setenv("SRC_ACCESS_TOKEN", GOOD)
    project(endpoint=f'"{sourcegraph.url}"', editor="false", mcp="false")
    pytester.runpytest_subprocess("-v", "--envcheck-record=all").assert_outcomes(passed=3)
    # CI: no token, and the instance would now fail anything asked live
    monkeypatch.delenv("SRC_ACCESS_TOKEN")
    monkeypatch.setenv("CI", "true")
    sourcegraph.set(graphql="error", src_cli=None)
    result = pytester.runpytest_subprocess("-v", "--envcheck-report")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines_random(
        [
            f"  PASS  endpoint * Sourcegraph {VERSION} at * replayed (recorded *",
            "  PASS  token * authenticated as alice at * (replayed: no token set)  [[]*replayed*",
            "  PASS  src-cli * src 6.4.0, as * recommends  [[]*replayed*",
        ]
    )
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    assert {c["evidence"] for c in report["checks"]} == {"replayed"}
    # another endpoint than the one recorded: the cassette is stale, and says how to re-record
    other = sourcegraph.url.replace("127.0.0.1", "localhost")
    project(endpoint=f'"{other}"', editor="false", mcp="false")
    result = pytester.runpytest_subprocess("-v", "-k", "endpoint")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*sourcegraph/endpoint: stale cassette: */cassettes/sourcegraph/endpoint.yaml has no "
            f"recording of POST {other}/.api/graphql (it recorded POST /.api/graphql); re-record "
            'with: SRC_ACCESS_TOKEN="<token>" pytest -m sourcegraph -k endpoint '
            "--envcheck-record=all",
        ]
    )


def test_a_refused_answer_is_never_recorded_and_a_set_token_is_asked_live(
    pytester: pytest.Pytester,
    sourcegraph: Instance,
    project: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SRC_ACCESS_TOKEN", "sgp_RefusedToken000000000000000000003")
    project(endpoint=f'"{sourcegraph.url}"', editor="false", mcp="false", src_cli="false")
    pytester.runpytest_subprocess("-v", "--envcheck").assert_outcomes(passed=1, failed=1)
    recorded = sorted(p.name for p in (pytester.path / "cassettes" / "sourcegraph").iterdir())
    assert recorded == ["endpoint.yaml"]
    monkeypatch.setenv("SRC_ACCESS_TOKEN", GOOD)  # fixed: asked live, not a stale 401 replayed
    pytester.runpytest_subprocess("-v", "--envcheck").assert_outcomes(passed=2)
    assert (pytester.path / "cassettes" / "sourcegraph" / "token.yaml").is_file()
    # and a recorded success never stands in for a token set now (outside CI: record mode new)
    monkeypatch.setenv("SRC_ACCESS_TOKEN", "sgp_RefusedToken000000000000000000003")
    result = pytester.runpytest_subprocess("-v", "--envcheck")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*sourcegraph/token: * refused the access token (HTTP 401)"])


# -- TLS -----------------------------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 (openssl CLI)."""
    assert shutil.which("openssl"), "the openssl command is needed to make a certificate"
    pem = tmp_path / "instance.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(pem), "-out", str(pem)],
        check=True,
        capture_output=True,
    )
    return pem


@contextmanager
def tls_instance(pem: Path) -> Iterator[str]:
    """HTTPS answering site.productVersion, with a certificate no trust store holds."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            self.rfile.read(int(self.headers.get("content-length") or 0))
            body = json.dumps({"data": {"site": {"productVersion": VERSION}}}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_an_untrusted_certificate_then_its_ca_file(
    pytester: pytest.Pytester, project: Callable[..., None], certificate: Path
) -> None:
    with tls_instance(certificate) as url:
        off = {"editor": "false", "src_cli": "false", "mcp": "false", "cassettes": "false"}
        project(endpoint=f'"{url}"', **off)
        result = pytester.runpytest_subprocess("-v", "-k", "endpoint")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(
            [
                f"*sourcegraph/endpoint: TLS: the certificate of {url}/.api/graphql is not "
                "trusted (verify code 18: *",
                "*fix: set ca_file in [[]tool.envcheck.sourcegraph] to the CA's PEM file *",
            ]
        )
        project(endpoint=f'"{url}"', ca_file=f'"{certificate}"', **off)  # the fix
        result = pytester.runpytest_subprocess("-v", "-k", "endpoint")
        result.assert_outcomes(passed=1)


def test_https_to_a_plain_http_port(
    pytester: pytest.Pytester, sourcegraph: Instance, project: Callable[..., None]
) -> None:
    url = sourcegraph.url.replace("http://", "https://")
    project(endpoint=f'"{url}"', editor="false", src_cli="false", mcp="false", cassettes="false")
    result = pytester.runpytest_subprocess("-v", "-k", "endpoint")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*sourcegraph/endpoint: TLS: {url}/.api/graphql does not speak TLS on this port",
            "*fix: use http:// for this endpoint, or the port that serves HTTPS",
        ]
    )
