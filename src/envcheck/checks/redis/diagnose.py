"""Redis failures explained from the class of the error reply (its first word) and the request it
answered; every command printed targets the configured server and user."""

from __future__ import annotations

import time

from envcheck.checks.redis.resp import ConnectionLost, ReplyError, Resp, info
from envcheck.checks.redis.target import Target
from envcheck.core.model import CheckFailed
from envcheck.kit import _net

KEY_PREFIX = "envcheck:probe:"


def is_resp(reply: bytes) -> bool:
    return reply[:1] in (b"+", b"-")


def refused(t: Target, exc: ReplyError) -> CheckFailed:
    """An error reply to the very first PING: the server turned this client away."""
    if exc.kind == "ERR":
        return CheckFailed(
            f"{t.host}:{t.port} refuses new clients: it answered PING with {exc.text!r}",
            why="Redis answers a new connection with an ERR and closes it when maxclients is "
            "reached (it keeps no slot for administrators)",
            hint="find who holds the connections once one is free: "
            f"{t.cli('CLIENT', 'LIST')}; close idle ones (CONFIG SET timeout 300 drops idle "
            f"clients), or raise the limit: {t.cli('CONFIG', 'SET', 'maxclients', '20000')} "
            "(and maxclients in redis.conf)",
        )
    if exc.kind == "LOADING":
        return CheckFailed(
            f"{t.host}:{t.port} is loading its dataset into memory (LOADING)",
            why="Redis answers commands only once the RDB/AOF file is loaded",
            hint=f"wait and retry; {t.cli('INFO', 'persistence')} shows loading_eta_seconds",
        )
    return explain(t, exc)


def refine(exc: _net.ConversationFailed, t: Target, deadline: float) -> CheckFailed:
    """Name a TLS / plain-text mismatch instead of a handshake failure or a silence."""
    tls_to_plain = t.tls and exc.kind != "untrusted"
    if tls_to_plain and _net.answers(t.host, t.port, b"PING\r\n", is_resp, deadline):
        return CheckFailed(
            f"TLS to a port that speaks plain Redis: {t.host}:{t.port} answers PING without TLS",
            why=f"{t.source} is a rediss:// (TLS) URL, but the server has TLS off on port "
            f"{t.port}",
            hint=f"use redis:// instead of rediss:// in {t.source}, or enable TLS on the "
            "server (tls-port, tls-cert-file, tls-key-file in redis.conf) and point rediss:// "
            "at its tls-port",
        )
    plain_to_tls = not t.tls and exc.kind in ("closed", "foreign")
    if plain_to_tls and _net.speaks_tls(t.host, t.port, deadline):
        return CheckFailed(
            f"plain Redis to a port that speaks TLS: {t.host}:{t.port} expects a TLS handshake",
            why=f"{t.source} is a redis:// (plain) URL, but the server accepts only TLS on port "
            f"{t.port}",
            hint=f"use rediss:// instead of redis:// in {t.source} (and set {t.section}.ca_file "
            "if the server's certificate is self-signed or from a private CA), or use the "
            "server's plain port",
        )
    if exc.kind == "untrusted":
        return CheckFailed(
            exc.summary,
            why=exc.why,
            hint=f"set {t.section}.ca_file to the PEM file of the CA that signed the server's "
            f"certificate (check: openssl s_client -connect {t.host}:{t.port} -CAfile FILE "
            "-verify_return_error); if it was issued for another name, connect by that name",
        )
    if exc.kind == "foreign":
        return _net.not_the_protocol(exc, t.host, t.port, "Redis", deadline)
    return exc


def no_such_db(conn: Resp, t: Target, deadline: float) -> CheckFailed:
    try:
        reply = conn.call("CONFIG", "GET", "databases", deadline=deadline)
        count = int(reply[1]) if reply and len(reply) > 1 else None
    except (ReplyError, ValueError, TypeError):
        count = None
    has = f"it has {count} (0 to {count - 1})" if count else "CONFIG GET databases may not run here"
    return CheckFailed(
        f"database {t.db} does not exist on {t.host}:{t.port}: {has}",
        why="SELECT was refused: the index in the URL's path is beyond the server's databases "
        "setting",
        hint=(
            f"use a database from 0 to {count - 1} in {t.source}"
            if count
            else f"use a lower database number in {t.source}; {t.cli('CONFIG', 'GET', 'databases')}"
        ),
        facts={"databases": count},
    )


def _replication(conn: Resp | None, deadline: float) -> dict[str, str]:
    if conn is None:
        return {}
    try:
        return info(conn, "replication", deadline)
    except (ReplyError, ConnectionLost):
        return {}


def explain(
    t: Target, exc: ReplyError, conn: Resp | None = None, deadline: float = 0.0
) -> CheckFailed:
    """An error reply, by its class (first word) and the request it answered."""
    deadline = deadline or time.monotonic() + 2
    if exc.kind == "NOAUTH":
        return CheckFailed(
            f"{t.host}:{t.port} requires a password (NOAUTH)",
            why="the URL has no password, and the server has requirepass / ACL users",
            hint=f"put the password in {t.source}: redis://:PASSWORD@{t.host}:{t.port}/{t.db}",
        )
    if exc.kind == "WRONGPASS":
        user = f"user {t.username!r}" if t.username else "the default user"
        return CheckFailed(
            f"authentication failed for {user} at {t.host}:{t.port} (WRONGPASS)",
            why="the password is wrong, or there is no such ACL user, or it is disabled: Redis "
            "does not tell which",
            hint=f"fix the password in {t.source}; an administrator sees the users with "
            f"{t.cli('ACL', 'LIST')} (as a user allowed to run ACL)",
        )
    if exc.kind == "NOPERM":
        user = t.username or "default"
        return CheckFailed(
            f"ACL user {user!r} may not run {exc.command} (NOPERM)",
            why=f"the server said: {exc.text}",
            hint=f"as an administrator: `redis-cli -h {t.host} -p {t.port} --user ADMIN --askpass "
            f"ACL SETUSER {user} +{exc.command.lower()}`; if {user} is limited to some keys "
            f"(ACL GETUSER {user} shows no ~*), also add %RW~{KEY_PREFIX}*",
        )
    if exc.kind in ("READONLY", "MASTERDOWN"):
        repl = _replication(conn, deadline)
        primary = f"{repl.get('master_host', '?')}:{repl.get('master_port', '?')}"
        link = repl.get("master_link_status", "unknown")
        down = " which is down" if exc.kind == "MASTERDOWN" or link == "down" else ""
        return CheckFailed(
            f"{t.host}:{t.port} is a read-only replica of {primary} (link to it: {link}) "
            f"({exc.kind})",
            why=f"a replica accepts no writes; its primary is {primary}{down}",
            hint=f"point {t.source} at the primary ({primary})"
            + (f"; start it or repair the link: {t.cli('INFO', 'replication')}" if down else ""),
            facts={"master_host": repl.get("master_host"), "master_link_status": link},
        )
    if exc.kind == "OOM":
        memory: dict[str, str] = {}
        if conn is not None:
            try:
                memory = info(conn, "memory", deadline)
            except (ReplyError, ConnectionLost):
                pass
        used = int(memory.get("used_memory", "0") or 0)
        limit = memory.get("maxmemory", "?")
        proposal = str(max(used * 2, 64 * 1024 * 1024))
        return CheckFailed(
            f"{t.host}:{t.port} is out of memory: writes are refused (OOM)",
            why=f"used memory ({used} bytes) is above maxmemory ({limit} bytes) and the policy "
            "is noeviction",
            hint=f"free memory or raise the limit: {t.cli('CONFIG', 'SET', 'maxmemory', proposal)}"
            " (and maxmemory in redis.conf)",
            facts={"used_memory": used},
        )
    if exc.kind == "LOADING":
        return refused(t, exc)
    return CheckFailed(
        f"{t.where}: {exc.command} was refused ({exc.kind}): {exc.text}",
        hint=f"check {t.source}; try: {t.cli(exc.command)}",
    )
