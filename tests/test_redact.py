"""Redaction: secrets masked first, then control characters, then shortening; linear time; and a
Hypothesis property over the whole path a result takes to the terminal, Markdown, JSON and JUnit."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from envcheck.core import interpolate as _interpolate
from envcheck.core import redact
from envcheck.core.model import CheckResult, Status
from envcheck.engine.results import redacted
from envcheck.pytest_plugin import logs as _logs
from envcheck.pytest_plugin.items import explain
from envcheck.report import files, terminal


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    """Each test starts with no known secret (tests that ran before in this process, in-process
    pytest sessions among them, registered theirs), and what it registers is forgotten after."""
    before = set(redact._secrets)
    with redact._lock:
        redact._secrets.clear()
    yield
    with redact._lock:
        redact._secrets.clear()
        redact._secrets.update(before)


# -- what is masked, and what is not ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql://u:Secr3t@127.0.0.1/db", "postgresql://u:***@127.0.0.1/db"),
        # an unencoded @ or # in a password: all of it is masked, not just the part before
        ("postgresql://u:Secr3t@2024xq@127.0.0.1/db", "postgresql://u:***@127.0.0.1/db"),
        ("redis://u:LongPrefix77#zz@127.0.0.1:6379/0", "redis://u:***@127.0.0.1:6379/0"),
        ("{'url': 'redis://:pw123@h:1', 'x': 'a'}", "{'url': 'redis://:***@h:1', 'x': 'a'}"),
        # placeholders in hints stay readable
        ("postgresql://USER:PASSWORD@HOST:5432/DB", "postgresql://USER:PASSWORD@HOST:5432/DB"),
        ("http://host:8080/path@x", "http://host:8080/path@x"),
        ("access_token=abcdefgh&x=1", "access_token=***&x=1"),
        ("XXXXtoken=sk-abcdefgh", "XXXXtoken=***"),
        ("OPENAI_API_KEY=sk-abcdefgh pytest", "OPENAI_API_KEY=*** pytest"),
        # placeholders in hints stay readable
        ("export OPENAI_API_KEY=...  (a key)", "export OPENAI_API_KEY=...  (a key)"),
        ("curl -H token=$TOKEN", "curl -H token=$TOKEN"),
        ("Authorization: Bearer abc.def-123456", "Authorization: Bearer ***"),
    ],
)
def test_patterns(text: str, shown: str) -> None:
    assert redact.redact(text) == shown


def test_parse_errors_do_not_echo_pieces_of_a_password() -> None:
    """libpq and urllib echo the pieces of a password that holds an unencoded @ # or space."""
    for dsn in (
        "postgresql://u:Secr3t@2024xq@127.0.0.1/db",
        "redis://u:LongPrefix77#zz@127.0.0.1:6379/0",
        "host=127.0.0.1 password=CNRY A CNRYB dbname=app",
    ):
        _interpolate.resolve(dsn, {}, secret=True)
    message = (
        "cannot resolve host '2024xq@127.0.0.1'; Port could not be cast to integer value as "
        '\'LongPrefix77\'; missing "=" after "CNRYB" in connection info string'
    )
    shown = redact.redact(message)
    for piece in ("2024xq", "LongPrefix77", "CNRYB", "Secr3t"):
        assert piece not in shown


@pytest.mark.parametrize(
    "value", ["Bearer TOKcanary123", "token TOKcanary123", "Authorization: Bearer TOKcanary123"]
)
def test_the_credential_of_an_authorization_value_is_a_secret_alone(value: str) -> None:
    _interpolate.resolve(value, {}, secret=True)
    assert redact.redact("the server echoed TOKcanary123 back") == "the server echoed *** back"


def test_the_password_inside_basic_credentials_is_a_secret() -> None:
    basic = base64.b64encode(b"alice:Wonderland-99").decode()
    _interpolate.resolve(f"Basic {basic}", {}, secret=True)
    assert redact.redact(f"{basic} / Wonderland-99") == "*** / ***"


def test_a_variable_named_like_a_secret_is_masked_wherever_it_is_used() -> None:
    _interpolate.resolve("--token=${SVC_TOKEN}", {"SVC_TOKEN": "tok-FAKEcanary1"})
    assert redact.redact("argv: --token tok-FAKEcanary1") == "argv: --token ***"


def test_home_inside_a_secret_value_does_not_mask_every_path(tmp_path: Any) -> None:
    """Only the value is a secret, not ${HOME} that it was made of."""
    home = str(tmp_path)
    _interpolate.resolve("${HOME}/.config/app", {"HOME": home}, secret=True)
    shown = redact.redact(f"source {home}/pyproject.toml; config {home}/.config/app")
    assert shown == f"source {home}/pyproject.toml; config ***"


def test_overlapping_secrets_leave_no_piece() -> None:
    redact.register("aaaaaaXXXXXX")
    redact.register("XXXXXXbbbbbb")
    assert redact.redact("<aaaaaaXXXXXXbbbbbb>") == "<***>"


def test_clean_masks_before_it_shortens() -> None:
    """The finding: 70 characters, then token=KEY, shown cut at 80 used to keep 'sk-l'."""
    key = "sk-live-0123456789abcdef"
    redact.register(key)
    line = "X" * 70 + "token=" + key
    for limit in range(1, len(line) + 2):
        shown = redact.clean(line, limit)
        assert len(shown) <= limit
        assert "sk-l" not in shown
    assert redact.clean(line, 60).endswith("…")
    assert redact.clean("x" * 100, 10, tail=True) == "…" + "x" * 9


def test_clean_removes_terminal_control_sequences() -> None:
    shown = redact.clean("\x1b]0;pwned\x07title \x1b[2Jcleared \x07bell \u202eevil\x00")
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert shown == "title cleared \\x07bell \\x202eevil\\x00"


def test_removing_control_characters_cannot_join_a_secret() -> None:
    redact.register("JOINEDsecret99")
    assert "JOINED" not in redact.clean("JOINED\x1b[0msecret99")


def test_secret_repr_is_masked() -> None:
    secret = redact.Secret("FAKE-password-1")
    assert secret == "FAKE-password-1" and repr(secret) == "'***'"
    assert "hunter2" not in repr(("default", secret))


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://u:" + "a" * 100_000,  # took 113 s with the old pattern
        "a" * 100_000,
        "postgresql://u:" + "a" * 100_000 + "@h/db",
        "x://" * 25_000,
        "\x1b]" * 50_000,
    ],
)
def test_redaction_is_linear(text: str) -> None:
    """Generous bounds (a shared CI machine); bench/redact.py measures 1 MB."""
    started = time.perf_counter()
    redact.clean(text, 200)
    assert time.perf_counter() - started < 2.0


def test_log_records_are_redacted() -> None:
    redact.register("www-auth-canary-77")
    record = logging.LogRecord(
        "httpcore.http11",
        logging.DEBUG,
        __file__,
        1,
        "headers=%r",
        ([("www-authenticate", "Bearer www-auth-canary-77")],),
        None,
    )
    _logs.redacted_record(record)
    assert record.getMessage() == "headers=[('www-authenticate', 'Bearer ***')]"
    assert record.msg == "headers=%r"  # the template stays: caplog users still see it


def test_the_log_filter_runs_in_every_pytest_session(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile("""
        import logging, os

        def test_logs():
            token = os.environ["SVC_TOKEN"]
            logging.getLogger("httpcore").debug("www-authenticate: Bearer %s", token)
            logging.getLogger("app").warning({"token": token})
            assert False
        """)
    monkeypatch.setenv("SVC_TOKEN", "svc-log-canary-9931")
    result = pytester.runpytest_subprocess("--log-level=DEBUG", "-p", "no:randomly")
    result.stdout.fnmatch_lines(["*www-authenticate: Bearer ****", "*{'token': '***'}*"])
    assert "svc-log-canary" not in result.stdout.str()


# -- the property: no piece of a secret survives the whole path -------------------------------

SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
# none of the secrets' characters: a window of 6 that holds one of these is no piece of a secret
TEXT_ALPHABET = " \t\n!\"#$%&'()+,.;<>?@[]^{|}~:/=\x1b\x07\x00\x7f\x9b…é€\u202e"


class _Reporter:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write_sep(self, sep: str, title: str = "", **kw: Any) -> None:
        self.lines.append(f"{sep * 3} {title}")

    def write(self, text: str, **kw: Any) -> None:
        self.lines.append(text)

    def write_line(self, text: str = "", **kw: Any) -> None:
        self.lines.append(text + "\n")


def _outputs(summary: str, why: str, hint: str, facts: dict[str, Any]) -> list[str]:
    result = CheckResult(
        id="kafka/topics",
        component="kafka",
        name="topics",
        status=Status.FAIL,
        summary=summary,
        why=why,
        hint=hint,
        facts=facts,
        evidence="live",
    )
    result = redacted(result)
    reporter = _Reporter()
    terminal.write(reporter, [result.to_dict()])
    document = files.build_document([result.to_dict()])
    return ["".join(reporter.lines), files.render_markdown(document), files.dumps(document)] + [
        explain(result)  # the failure text of the item: what JUnit XML and -rA carry
    ]


def test_markdown_cells_show_server_html_instead_of_rendering_it() -> None:
    body = "<html><body><h1>502 Bad Gateway</h1><img src=x onerror=alert(1)></body></html>"
    result = CheckResult("p/auth", "p", "auth", Status.FAIL, f"answered {body}", why=body)
    markdown = files.render_markdown(files.build_document([redacted(result).to_dict()]))
    assert "<h1>" not in markdown and "<img" not in markdown
    assert "&lt;h1&gt;502 Bad Gateway&lt;/h1&gt;" in markdown


def _pieces(secret: str) -> list[str]:
    return [secret[i : i + 6] for i in range(len(secret) - 5)]


@settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    secrets=st.lists(st.text(SECRET_ALPHABET, min_size=6, max_size=24), min_size=1, max_size=3),
    chunks=st.lists(st.text(TEXT_ALPHABET, max_size=30), min_size=2, max_size=5),
    data=st.data(),
)
def test_no_piece_of_a_secret_survives(secrets: list[str], chunks: list[str], data: Any) -> None:
    # the secrets at random places between random chunks of text
    text = ""
    for chunk in chunks:
        text += chunk + data.draw(st.sampled_from(secrets))
    baseline = _outputs("", "", "", {})
    assume(not any(p in out for s in secrets for p in _pieces(s) for out in baseline))
    for secret in secrets:
        redact.register(secret)
    # untrusted text shortened at every length (redact.clean)
    shortened = [redact.clean(text, limit) for limit in range(len(text) + 2)]
    for limit, short in enumerate(shortened):
        assert len(short) <= limit
        assert not any(p in short for s in secrets for p in _pieces(s)), (limit, short)
    # ... and some of them through the whole path to the terminal, Markdown, JSON and JUnit
    for short in shortened[:: max(1, len(shortened) // 8)]:
        for out in _outputs(short, text, text, {"output": text, "nested": [text, {"k": text}]}):
            for secret in secrets:
                for piece in _pieces(secret):
                    assert piece not in out, (secret, out)
    # facts whose keys are secret, and text in every field unshortened
    for out in _outputs(text, text, text, {text: text}):
        assert not any(p in out for s in secrets for p in _pieces(s))
