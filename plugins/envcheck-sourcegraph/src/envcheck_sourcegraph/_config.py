"""``[tool.envcheck.sourcegraph]`` and the instance it names, with references resolved."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pydantic

from envcheck import CheckFailed, Context

COMPONENT = "sourcegraph"
#: The variables the ``src`` CLI reads; envcheck's defaults are the same.
ENDPOINT_VARIABLE = "SRC_ENDPOINT"
TOKEN_VARIABLE = "SRC_ACCESS_TOKEN"
DEFAULT_ENDPOINT = "https://sourcegraph.com"
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")


class SourcegraphConfig(pydantic.BaseModel):
    """``[tool.envcheck.sourcegraph]``."""

    model_config = pydantic.ConfigDict(extra="forbid")

    endpoint: str = f"${{{ENDPOINT_VARIABLE}:-{DEFAULT_ENDPOINT}}}"
    token: str = f"${{{TOKEN_VARIABLE}:-}}"
    #: ``None`` (the default): checked when present (``src`` on PATH; an access token for MCP),
    #: skipped otherwise; ``true``: required; ``false``: left out
    src_cli: bool | None = None
    editor: bool = True
    mcp: bool | None = None
    mcp_path: str = "/.api/mcp/v1"
    expect_tools: list[str] = []
    ca_file: str | None = None
    timeout: float = pydantic.Field(default=10.0, gt=0)
    cassettes: bool = True

    @pydantic.field_validator("mcp_path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"{value!r} is a path on the instance and starts with '/'")
        return value


@dataclass(frozen=True)
class Instance:
    """The configured instance: ``endpoint`` without a trailing slash, the token or ``None``."""

    cfg: SourcegraphConfig
    endpoint: str
    token: str | None
    token_variable: str | None

    @property
    def tokens_page(self) -> str:
        """Where a user makes an access token on this instance."""
        return f"{self.endpoint}/user/settings/tokens"

    @property
    def token_setting(self) -> str:
        """How to set the token, for hints: ``export SRC_ACCESS_TOKEN=...``."""
        if self.token_variable:
            return f'export {self.token_variable}="<token>"'
        return f"set token in [tool.envcheck.{COMPONENT}]"

    @property
    def mcp_url(self) -> str:
        return self.endpoint + self.cfg.mcp_path


def resolve(ctx: Context, *, with_token: bool = True) -> Instance:
    """The instance of this check; the token is registered as a secret (masked everywhere).
    ``with_token=False``: a check that needs no token does not read it (an unset ``${VAR}`` there is
    not its problem)."""
    cfg: SourcegraphConfig = ctx.section
    where = f"tool.envcheck.{COMPONENT}"
    endpoint = ctx.resolve(cfg.endpoint, key=f"{where}.endpoint").strip().rstrip("/")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CheckFailed(
            f"endpoint {endpoint!r} is not an http(s) URL",
            why="the endpoint is the instance's address, as in the browser",
            hint=f"export {ENDPOINT_VARIABLE}=https://sourcegraph.example.com  (or set endpoint "
            f"in [{where}])",
        )
    token = None
    if with_token:
        token = ctx.resolve(cfg.token, secret=True, key=f"{where}.token") or None
    found = _REFERENCE.findall(cfg.token)
    return Instance(cfg, endpoint, token, found[0] if found else None)
