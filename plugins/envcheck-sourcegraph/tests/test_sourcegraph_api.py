"""endpoint, token and mcp against the stand-in instance (real HTTP, a real MCP server)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sourcegraph_stand_in import GOOD, VERSION, Instance

OFF = {"editor": "false", "src_cli": "false", "cassettes": "false"}


def test_a_working_instance_passes_and_the_token_appears_nowhere(
    pytester: pytest.Pytester,
    sourcegraph: Instance,
    project: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    stand_in_src: Callable[[str], Path],
) -> None:
    stand_in_src("6.4.0")
    monkeypatch.setenv("SRC_ACCESS_TOKEN", GOOD)
    project(endpoint=f'"{sourcegraph.url}"', editor="false", expect_tools='["keyword_search"]')
    result = pytester.runpytest_subprocess(
        "-v",
        "-m",
        "sourcegraph",
        "--envcheck-record=all",
        "--envcheck-report",
        "--junitxml=junit.xml",
    )
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines_random(
        [
            f"  PASS  endpoint * Sourcegraph {VERSION} at {sourcegraph.url}*",
            f"  PASS  token * authenticated as alice at {sourcegraph.url}*",
            f"  PASS  src-cli * src 6.4.0, as {sourcegraph.url} recommends*",
            f"  PASS  mcp * {sourcegraph.url}/.api/mcp/v1: Sourcegraph 6.4.0, protocol * 5 tools*",
        ]
    )
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    facts = {c["name"]: c["facts"] for c in report["checks"]}
    assert facts["endpoint"]["version"] == VERSION and facts["token"]["username"] == "alice"
    assert facts["token"]["token_format"] == "sgp_ (current)"
    recorded = sorted((pytester.path / "cassettes" / "sourcegraph").glob("*.yaml"))
    assert [p.name for p in recorded] == ["endpoint.yaml", "src-cli.yaml", "token.yaml"]
    texts = [result.stdout.str(), result.stderr.str(), *(p.read_text() for p in recorded)]
    texts += [(pytester.path / n).read_text() for n in ("junit.xml", "envcheck-report.md")]
    texts.append(json.dumps(report))
    assert not [t for t in texts if GOOD in t]
    assert all("authorization" not in p.read_text().lower() for p in recorded)


def test_a_refused_token_names_every_cause_and_where_to_make_one_then_the_fix_works(
    pytester: pytest.Pytester,
    sourcegraph: Instance,
    project: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SRC_ACCESS_TOKEN", "sgp_RevokedOrExpiredToken000000000002")
    project(endpoint=f'"{sourcegraph.url}"', **OFF)
    result = pytester.runpytest_subprocess("-v", "-m", "sourcegraph")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            f"*sourcegraph/token: {sourcegraph.url} refused the access token (HTTP 401)",
            "*mistyped, revoked (deleted), expired, or made on another instance*",
            f"*fix: create a new token at {sourcegraph.url}/user/settings/tokens, then: "
            'export SRC_ACCESS_TOKEN="<token>"',
        ]
    )
    result.stdout.fnmatch_lines(["*SKIP  mcp * blocked by sourcegraph/token*"])
    assert "sgp_RevokedOrExpiredToken" not in result.stdout.str()
    monkeypatch.setenv("SRC_ACCESS_TOKEN", GOOD)  # the fix: a new token
    pytester.runpytest_subprocess("-v", "-m", "sourcegraph").assert_outcomes(passed=3)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"tokens": {GOOD: {"username": "alice", "scopes": ["mcp"]}}},
            [
                "*accepted the token but denied the GraphQL API (HTTP 403)",
                "*create a token with the user:all scope at *",
            ],
        ),
        (
            {"strip_auth": True},
            ["*answered as to an anonymous visitor: the token was not applied*"],
        ),
    ],
    ids=["insufficient-scope", "header-dropped-by-a-proxy"],
)
def test_token_diagnoses(
    pytester: pytest.Pytester,
    sourcegraph: Instance,
    project: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, object],
    expected: list[str],
) -> None:
    sourcegraph.set(**change)
    monkeypatch.setenv("SRC_ACCESS_TOKEN", GOOD)
    project(endpoint=f'"{sourcegraph.url}"', mcp="false", **OFF)
    result = pytester.runpytest_subprocess("-v", "-m", "sourcegraph")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(expected)


def test_a_private_instance_without_a_token(
    pytester: pytest.Pytester, sourcegraph: Instance, project: Callable[..., None]
) -> None:
    sourcegraph.set(private=True)
    project(endpoint=f'"{sourcegraph.url}"', **OFF)
    result = pytester.runpytest_subprocess("-v", "-m", "sourcegraph")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines_random(
        [
            f"  PASS  endpoint * {sourcegraph.url} answers its GraphQL API and requires sign-in*",
            f"*sourcegraph/token: no access token, and {sourcegraph.url} requires sign-in",
        ]
    )


def test_a_public_instance_without_a_token_skips_the_token(
    pytester: pytest.Pytester, sourcegraph: Instance, project: Callable[..., None]
) -> None:
    project(endpoint=f'"{sourcegraph.url}"', **OFF)
    result = pytester.runpytest_subprocess("-v", "-m", "sourcegraph", "-rs")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines_random(
        [
            "  SKIP  token * not configured: no access token (SRC_ACCESS_TOKEN not set)*",
            "  SKIP  mcp * blocked by sourcegraph/token*",
        ]
    )


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (
            "html",
            "*sourcegraph/endpoint: * is not a Sourcegraph instance: POST /.api/graphql answered "
            "HTTP 200 (text/html) and it is not a GraphQL answer",
        ),
        (
            "login",
            "*sourcegraph/endpoint: */.api/graphql redirects to http://127.0.0.1:*/oauth2/sign_in"
            "?rd=* (HTTP 302) instead of answering",
        ),
        ("error", "*sourcegraph/endpoint: */.api/graphql answered HTTP 502"),
    ],
)
def test_what_answers_is_not_the_api(
    pytester: pytest.Pytester,
    sourcegraph: Instance,
    project: Callable[..., None],
    mode: str,
    expected: str,
) -> None:
    sourcegraph.set(graphql=mode)
    project(endpoint=f'"{sourcegraph.url}"', **OFF)
    result = pytester.runpytest_subprocess("-v", "-m", "sourcegraph")
    result.assert_outcomes(failed=1, skipped=2)
    result.stdout.fnmatch_lines([expected])


def test_a_hung_instance_times_out(
    pytester: pytest.Pytester, sourcegraph: Instance, project: Callable[..., None]
) -> None:
    sourcegraph.set(graphql="hang")
    project(endpoint=f'"{sourcegraph.url}"', timeout="1.5", **OFF)
    result = pytester.runpytest_subprocess("-v", "-m", "sourcegraph")
    result.assert_outcomes(failed=1, skipped=2)
    result.stdout.fnmatch_lines(
        [
            f"*sourcegraph/endpoint: no answer from {sourcegraph.url}/.api/graphql within *s",
            "*the connection was accepted but no answer came*",
        ]
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"mcp": False},
            [
                "*sourcegraph/mcp: */.api/mcp/v1 has no MCP endpoint (HTTP 404)",
                '*"mcp.enabled": true; or set mcp_path = "/.api/mcp" in *',
            ],
        ),
        (
            {"tokens": {GOOD: {"username": "alice", "mcp_access": False}}},
            [
                "*sourcegraph/mcp: */.api/mcp/v1 denied MCP to this token's user (HTTP 403)",
                "*lacks the MCP#ACCESS permission*",
            ],
        ),
    ],
    ids=["mcp-disabled", "no-mcp-access"],
)
def test_mcp_diagnoses(
    pytester: pytest.Pytester,
    sourcegraph: Instance,
    project: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, object],
    expected: list[str],
) -> None:
    sourcegraph.set(**change)
    monkeypatch.setenv("SRC_ACCESS_TOKEN", GOOD)
    project(endpoint=f'"{sourcegraph.url}"', **OFF)
    result = pytester.runpytest_subprocess("-v", "-m", "sourcegraph")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(expected)
    assert GOOD not in result.stdout.str()


def test_graphql_errors_are_reported_by_path_and_code(
    pytester: pytest.Pytester,
    sourcegraph: Instance,
    project: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SRC_ACCESS_TOKEN", GOOD)
    project(endpoint=f'"{sourcegraph.url}"', mcp="false", **OFF)
    sourcegraph.set(graphql="user-errors")
    result = pytester.runpytest_subprocess("-v", "-m", "sourcegraph")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*sourcegraph/token: the GraphQL API refused currentUser: 'not authorized' "
            "(code ErrNotAuthenticated)",
            "*why: 1 GraphQL error(s) and no data",
        ]
    )


def test_a_host_that_does_not_resolve(
    pytester: pytest.Pytester, project: Callable[..., None]
) -> None:
    project(endpoint='"https://sourcegraph.invalid"', **OFF)
    result = pytester.runpytest_subprocess("-v", "-k", "endpoint")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*sourcegraph/endpoint: cannot resolve the host of "
            "https://sourcegraph.invalid/.api/graphql (getaddrinfo error *)",
            "*fix: check the endpoint (https://sourcegraph.invalid) and the VPN",
        ]
    )
