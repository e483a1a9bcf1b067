"""The machinery the PostgreSQL and Redis held-out rounds (tests/verdicts/test_heldout_servers*.py,
13 on) share: round one's expectations and grade, round nine's runner, and what every round did
after its first run (grade each case, carry out the printed fixes, run the healed instances again,
mark a case whose fix did not heal it). A round imports this module as ``sr``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.verdicts.pg_lab import Lab, Report
from tests.verdicts.test_heldout_servers import (
    CONNECT,
    NOT_AUTH,
    R_AUTH,
    R_REACH,
    R_ROUND,
    REACHABLE,
    SETTINGS,
    WRITE,
    Expect,
    Verdict,
    _client_cert,
    kw,
    login_fails,
    write_fails,
)
from tests.verdicts.test_heldout_servers9 import Made as Instance
from tests.verdicts.test_heldout_servers9 import (
    graded,
    instance,
    of_instance,
    redis_section,
    report_grades,
    rows_hold,
    run_pg,
)
from tests.verdicts.test_redis import apply_steps, run_envcheck, with_admin

__all__ = [
    "CONNECT",
    "HEALTHY_PG",
    "HEALTHY_REDIS",
    "NOT_AUTH",
    "NOT_PW",
    "NOT_STARTED",
    "R_AUTH",
    "R_REACH",
    "R_ROUND",
    "REACHABLE",
    "SETTINGS",
    "WRITE",
    "Expect",
    "Instance",
    "PgMade",
    "Verdict",
    "after_fix",
    "apply_steps",
    "client_cert",
    "failed_check",
    "graded",
    "graded_all",
    "instance",
    "kw",
    "login_fails",
    "of_instance",
    "own_words",
    "pg_round",
    "redis_again",
    "redis_first_run",
    "redis_sections",
    "redis_section",
    "reload_until",
    "report_grades",
    "rows_hold",
    "run_envcheck",
    "run_pg",
    "with_admin",
    "write_fails",
    "write_pem",
]

#: a healthy case: every check of its instance passes
HEALTHY_PG = (REACHABLE, CONNECT, WRITE)
HEALTHY_REDIS = (R_REACH, R_AUTH, R_ROUND)
#: a cause or fix that a case of another layer than the password must not get
NOT_PW = ("\\password", "password authentication failed", "wrong password", "password is refused")
NOT_STARTED = ("start PostgreSQL", "pg_ctl", "systemctl")
#: round one's client certificate signed by the lab's certificate
client_cert = _client_cert


@dataclass
class PgMade:
    """A round's PostgreSQL instances, and the person's act that carries out each one's fix."""

    made: dict[str, Instance] = field(default_factory=dict)
    people: dict[str, Callable[[], None]] = field(default_factory=dict)

    def person_writes(self, ident: str, dsn: str) -> None:
        """The person's fix of ``ident``: the DSN written as ``dsn``."""

        def act() -> None:
            self.made[ident].dsn = dsn

        self.people[ident] = act


def reload_until(lab: Lab, dsn: str) -> None:
    """pg_reload_conf() and wait until ``dsn`` logs in (the postmaster reads it a moment later)."""
    lab.sql("SELECT pg_reload_conf()")
    deadline = time.monotonic() + 10
    while True:
        try:
            psycopg.connect(dsn).close()
            return
        except psycopg.OperationalError:
            assert time.monotonic() < deadline, "the reload did not take effect"
            time.sleep(0.05)


def graded_all(
    expects: dict[str, Expect], checks: list[dict[str, Any]], component: str
) -> dict[str, Verdict]:
    """Every case graded on its own instance's checks of one run."""
    healthy = HEALTHY_PG if component == "postgres" else HEALTHY_REDIS
    return {
        ident: graded(expect, of_instance(checks, component, instance(ident)), healthy)
        for ident, expect in expects.items()
    }


def own_words(check: dict[str, Any], ident: str, *hidden: str) -> str:
    """A check's summary and why without the instance's name (a case's id may hold a word its
    expectation asks for: ``..._space_after_comma``) and without ``hidden`` (a file's path:
    ``.../root-empty.crt``)."""
    said = f"{check['summary']} {check.get('why') or ''}".replace(instance(ident), "")
    for each in hidden:
        said = said.replace(each, "")
    return said


def failed_check(checks: list[dict[str, Any]], component: str, ident: str) -> dict[str, Any]:
    """The first check of ``ident``'s instance that did not pass."""
    return next(c for c in of_instance(checks, component, instance(ident)) if c["status"] != "pass")


def after_fix(
    verdicts: dict[str, Verdict], again: list[dict[str, Any]], component: str, idents: Iterable[str]
) -> None:
    """A case whose instance still has a check that neither passes nor skips after its fix is
    only partly right."""
    for ident in idents:
        left = [
            c
            for c in of_instance(again, component, instance(ident))
            if c["status"] not in ("pass", "skip")
        ]
        if left:
            verdicts[ident] = Verdict("partly", [f"after the fix: {left}"])


def pg_round(
    lab: Lab,
    expects: dict[str, Expect],
    pg: PgMade,
    checks: list[dict[str, Any]],
    follows: dict[str, str],
    settle: float = 0.0,
    prefix: tuple[str, ...] = (),
) -> dict[str, Verdict]:
    """Grade every case of a first run; carry out each fully right fix (a case that ``heals``:
    its steps through the lab's step runner; a case in ``follows``: the person's act, once the
    printed fix holds the word it follows); run the healed instances again (``settle`` seconds
    later; behind ``prefix``, as the first run was) and mark a case still failing partly
    right."""
    verdicts = graded_all(expects, checks, "postgres")
    healing: dict[str, Instance] = {}
    for ident, expect in expects.items():
        if not expect.heals or verdicts[ident].grade != "fully right":
            continue
        failed = failed_check(checks, "postgres", ident)["id"]
        lab.apply(Report(checks), failed.replace("postgres/", f"postgres/{instance(ident)}.", 1))
        healing[ident] = pg.made[ident]
    for ident, word in follows.items():
        if ident not in verdicts or verdicts[ident].grade != "fully right":
            continue
        failed = failed_check(checks, "postgres", ident)
        assert word.lower() in (failed.get("hint") or "").lower(), failed
        pg.people[ident]()
        healing[ident] = pg.made[ident]
    if healing:
        time.sleep(settle)
        after_fix(verdicts, run_pg(lab, healing, prefix), "postgres", healing)
    return verdicts


def redis_sections(chosen: dict[str, str]) -> str:
    """The pyproject sections of Redis instances: one a case, its URL."""
    return "".join(redis_section(instance(ident), url) for ident, url in chosen.items())


def redis_first_run(
    pytester: pytest.Pytester, expects: dict[str, Expect], urls: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, Verdict]]:
    """One envcheck run over the cases' URLs (no traceback in it): its checks, each case
    graded."""
    pytester.makefile(".toml", pyproject=redis_sections(urls))
    checks, output = run_envcheck(pytester)
    assert "Traceback" not in output
    return checks, graded_all(expects, checks, "redis")


def redis_again(
    pytester: pytest.Pytester, pyproject: str, verdicts: dict[str, Verdict], idents: Iterable[str]
) -> None:
    """The healed Redis instances (``pyproject``) run again; a case still failing is partly
    right."""
    pytester.makefile(".toml", pyproject=pyproject)
    again, _ = run_envcheck(pytester)
    after_fix(verdicts, again, "redis", idents)


def write_pem(
    directory: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> tuple[Path, Path]:
    """``name``.crt and ``name``.key (PKCS#8, mode 0600) in ``directory``."""
    crt, pem = directory / f"{name}.crt", directory / f"{name}.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pem.chmod(0o600)
    return crt, pem
