"""The public plugin kit: what envcheck's own components use to make and diagnose checks.

Everything a plugin needs beyond the facade (:mod:`envcheck`), loaded on first use::

    from envcheck import kit

    kafka = kit.Component("kafka", section=cfg, timeout=5.0)       # checks of one component
    kit.probe(host, port, timeout=5.0, what="Kafka", start_hint=...)  # DNS/refused/silence/...
    envcheck_kafka = kit.require_checks("kafka/reachable", client=...)  # a fixture for tests
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envcheck.core.lazy import exports

if TYPE_CHECKING:
    from envcheck.core.config import EnvcheckConfig
    from envcheck.core.fix import Command, Edit, Fix, Manual, RedisCommand, Sql, Step
    from envcheck.core.redact import Secret, clean
    from envcheck.kit._builder import Component, not_configured, not_configured_fix
    from envcheck.kit._commands import Ran, run, run_command
    from envcheck.kit._fixtures import EnvcheckFixtureError, FixtureTarget, require_checks
    from envcheck.kit._net import (
        ConversationFailed,
        Opened,
        Refused,
        Unresolved,
        answers,
        connect,
        looks_like,
        probe,
        speaks_tls,
    )

_EXPORTS = {
    "EnvcheckConfig": "envcheck.core.config",
    "Command": "envcheck.core.fix",
    "Edit": "envcheck.core.fix",
    "Fix": "envcheck.core.fix",
    "Manual": "envcheck.core.fix",
    "RedisCommand": "envcheck.core.fix",
    "Sql": "envcheck.core.fix",
    "Step": "envcheck.core.fix",
    "Secret": "envcheck.core.redact",
    "clean": "envcheck.core.redact",
    "Component": "envcheck.kit._builder",
    "not_configured": "envcheck.kit._builder",
    "not_configured_fix": "envcheck.kit._builder",
    "Ran": "envcheck.kit._commands",
    "run": "envcheck.kit._commands",
    "run_command": "envcheck.kit._commands",
    "EnvcheckFixtureError": "envcheck.kit._fixtures",
    "FixtureTarget": "envcheck.kit._fixtures",
    "require_checks": "envcheck.kit._fixtures",
    "ConversationFailed": "envcheck.kit._net",
    "Opened": "envcheck.kit._net",
    "Refused": "envcheck.kit._net",
    "Unresolved": "envcheck.kit._net",
    "answers": "envcheck.kit._net",
    "connect": "envcheck.kit._net",
    "looks_like": "envcheck.kit._net",
    "probe": "envcheck.kit._net",
    "speaks_tls": "envcheck.kit._net",
}
__all__ = [
    "Command",
    "Component",
    "ConversationFailed",
    "Edit",
    "EnvcheckConfig",
    "EnvcheckFixtureError",
    "Fix",
    "FixtureTarget",
    "Manual",
    "Opened",
    "Ran",
    "RedisCommand",
    "Refused",
    "Secret",
    "Sql",
    "Step",
    "Unresolved",
    "answers",
    "clean",
    "connect",
    "looks_like",
    "not_configured",
    "not_configured_fix",
    "probe",
    "require_checks",
    "run",
    "run_command",
    "speaks_tls",
]
__getattr__ = exports(__name__, _EXPORTS)
