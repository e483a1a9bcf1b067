"""Known secrets masked in every log record while envcheck runs.

Client libraries log what they send and receive (httpcore, at DEBUG, logs response headers such
as ``www-authenticate``); pytest captures those records into its reports and JUnit XML. From
``pytest_configure`` to ``pytest_unconfigure`` every record is redacted as it is made (``msg``,
each of ``args``, the exception's text), whichever logger and handler it goes to.

This module is a pytest plugin of its own, loaded with :mod:`envcheck.pytest_plugin.fixtures`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest


def redacted_record(record: logging.LogRecord) -> logging.LogRecord:
    """``record`` with known secrets masked in place: in ``msg``, in each of ``args`` (an argument
    whose text holds a secret is replaced by its masked text; the others, and ``msg`` as a
    template, are left as they were, so ``caplog.records`` still show what the code logged) and
    in the text of its exception and stack."""
    from envcheck.core import redact  # not at import: every pytest run loads this plugin

    if isinstance(record.msg, str):
        record.msg = redact.redact(record.msg)
    else:
        record.msg = _masked(record.msg)
    if isinstance(record.args, Mapping):
        record.args = {key: _masked(value) for key, value in record.args.items()}
    elif record.args:
        record.args = tuple(_masked(value) for value in record.args)
    if record.exc_info and not record.exc_text:
        record.exc_text = redact.redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact.redact(record.stack_info)
    return record


def _masked(value: Any) -> Any:
    from envcheck.core import redact

    if isinstance(value, str):
        return redact.redact(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    try:
        shown, represented = str(value), repr(value)
    except Exception:  # noqa: B902 - an object that cannot show itself shows no secret either
        return value
    masked, masked_repr = redact.redact(shown), redact.redact(represented)
    if masked == shown and masked_repr == represented:
        return value
    return _Masked(masked, masked_repr)


class _Masked:
    """Stands in for a log argument whose text held a secret (``%s`` and ``%r`` both masked)."""

    def __init__(self, text: str, represented: str) -> None:
        self._text, self._repr = text, represented

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return self._repr


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
