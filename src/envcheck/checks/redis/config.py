"""The configuration of one Redis instance: ``[tool.envcheck.redis]`` or
``[tool.envcheck.redis.NAME]``, and where it comes from without one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from envcheck.checks.shared import server as _server

DEFAULT_URL = "${REDIS_URL:-redis://localhost:6379/0}"


class RedisConfig(_server.ServerConfig):
    """One Redis instance: ``[tool.envcheck.redis]`` or ``[tool.envcheck.redis.NAME]``."""

    version_example: ClassVar[str] = "'7.0'"

    url: str = DEFAULT_URL
    #: rediss:// only: a PEM file of the CA certificate(s) that signed the server's certificate
    #: (relative paths are relative to the project); default: this machine's trust store
    ca_file: str | None = None
    #: rediss:// only: ``false`` skips certificate verification (reported as a warning)
    tls_verify: bool = True
    #: the URL of a Redis user allowed to run the fixes that take an administrator (``CONFIG
    #: SET``, ``ACL SETUSER``), e.g. ``${REDIS_ADMIN_URL}``; used only when a fix is applied
    #: (``envcheck_apply_step``), never by the checks. Unset: such fixes are sent as ``url``'s user
    admin_url: str | None = None


def default_config(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """``REDIS_URL``, else where redis-cli looks: localhost:6379 (not found if nothing listens)."""
    if environ.get("REDIS_URL"):
        return {"url": "${REDIS_URL}", "source": _server.origin("REDIS_URL", environ)}
    return {
        "url": "redis://localhost:6379/0",
        "source": "redis default (localhost:6379)",
        "required": False,
    }
