"""Known secrets masked in every log record while envcheck runs.

Client libraries log what they send and receive (httpcore, at DEBUG, logs response headers such
as ``www-authenticate``); pytest captures those records into its reports and JUnit XML. From
``pytest_configure`` to ``pytest_unconfigure`` every record is made with its message already
formatted and redacted (``msg`` with the ``args`` merged in, ``args`` emptied), and an exception's
text redacted, whichever logger and handler it goes to.

This module is a pytest plugin of its own, loaded with :mod:`envcheck.fixtures`.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from envcheck import redact


def redacted_record(record: logging.LogRecord) -> logging.LogRecord:
    """``record`` with its message (and exception text) redacted in place."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string: keep what the logger was given
        message = f"{record.msg!r} % {record.args!r}"
    record.msg, record.args = redact.redact(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = redact.redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact.redact(record.stack_info)
    return record


class _Factory:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        return redacted_record(self.inner(*args, **kwargs))


def install() -> None:
    """Redact every log record made from now on (idempotent)."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _Factory):
        logging.setLogRecordFactory(_Factory(current))


def uninstall() -> None:
    """Stop redacting (restores the factory that was there before, if nobody replaced ours)."""
    current = logging.getLogRecordFactory()
    if isinstance(current, _Factory):
        logging.setLogRecordFactory(current.inner)


def pytest_configure(config: pytest.Config) -> None:
    install()


def pytest_unconfigure(config: pytest.Config) -> None:
    uninstall()
