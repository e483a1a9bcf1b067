"""The ``postgres`` component: a real PostgreSQL server, checked from TCP to a write round-trip.

Its hooks are in :mod:`.hooks`; what other plugins may use (Django's and LangGraph's checks
explain their own connection failures with it) is exported here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from envcheck.core.lazy import exports

if TYPE_CHECKING:
    from envcheck.checks.postgres.diagnose import explain_failure
    from envcheck.checks.postgres.hooks import diagnose_login_failure
    from envcheck.checks.postgres.wire import login_attempt

_EXPORTS = {
    "explain_failure": "envcheck.checks.postgres.diagnose",
    "diagnose_login_failure": "envcheck.checks.postgres.hooks",
    "login_attempt": "envcheck.checks.postgres.wire",
}
__all__ = [
    "diagnose_login_failure",
    "explain_failure",
    "login_attempt",
]
__getattr__ = exports(__name__, _EXPORTS)
