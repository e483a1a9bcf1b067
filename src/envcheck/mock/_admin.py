"""Scripting the served mock from outside Python: ``--fault`` specs and the admin HTTP routes.

Routes under :data:`ADMIN` (never a provider's path; not in the call log)::

    GET    /_envcheck/faults   pending faults, as JSON
    POST   /_envcheck/faults   add one: {"provider": "openai", "status": 429, "times": 2,
                               "retry_after": 1}  (or "kind": "quota" / "slow" / ...)
    DELETE /_envcheck/faults   drop every pending fault
    GET    /_envcheck/calls    the call log, as JSON
    POST   /_envcheck/reset    drop the faults and clear the call log
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from envcheck.mock._providers import Reply, as_json

ADMIN = "/_envcheck"
#: what a fault spec or an admin request may set, with the Python name of each
_FIELDS = {
    "status": "status",
    "kind": "kind",
    "times": "times",
    "retry-after": "retry_after",
    "retry_after": "retry_after",
    "delay": "delay",
    "path": "path",
    "message": "message",
}
_NUMBERS = {"status": int, "times": int, "retry_after": float, "delay": float}
SPEC_HELP = (
    "PROVIDER:STATUS|KIND[:key=value...], keys times, retry-after, delay, path, message; e.g. "
    "openai:429:times=2:retry-after=1, anthropic:529, gemini:quota, ollama:slow:delay=3"
)


class Scripted(Protocol):
    """What the admin routes drive: the running :class:`~envcheck.mock.MockLLM`."""

    @property
    def calls(self) -> Sequence[Any]:
        """The call log."""

    @property
    def fault(self) -> Callable[..., Any]:
        """Adds a fault: ``fault(provider, status, kind=..., times=..., ...)``."""

    def pending(self) -> list[dict[str, Any]]:
        """The faults not yet used up."""

    def clear_faults(self) -> int:
        """Drop every pending fault; how many there were."""

    def reset(self) -> None:
        """Drop the faults and clear the call log."""


class FaultError(ValueError):
    """A fault that cannot be made; the message says what is wrong and what is allowed."""


def fault_args(values: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :meth:`MockLLM.fault` from loosely typed ``values``."""
    made: dict[str, Any] = {}
    for key, value in values.items():
        name = _FIELDS.get(key)
        if name is None:
            known = ", ".join(sorted({k for k in _FIELDS if "_" not in k}))
            raise FaultError(f"unknown fault field {key!r} (known: provider, {known})")
        if name in _NUMBERS and value is not None:
            try:
                value = _NUMBERS[name](value)
            except (TypeError, ValueError):
                raise FaultError(f"{key} must be a number, not {value!r}") from None
        made[name] = value
    return made


def parse_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``openai:429:times=2:retry-after=1`` -> ``("openai", {"status": 429, "times": 2, ...})``."""
    parts = spec.split(":")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise FaultError(f"fault {spec!r}: expected {SPEC_HELP}")
    provider, what, *rest = parts
    values: dict[str, Any] = {"status": what} if what.isdigit() else {"kind": what}
    for item in rest:
        key, sep, value = item.partition("=")
        if not sep:
            raise FaultError(f"fault {spec!r}: {item!r} is not key=value; expected {SPEC_HELP}")
        values[key] = value
    try:
        return provider, fault_args(values)
    except FaultError as exc:
        raise FaultError(f"fault {spec!r}: {exc}") from None


def add(mock: Scripted, provider: str, args: dict[str, Any]) -> dict[str, Any]:
    try:
        made = mock.fault(provider, **args)
    except (ValueError, TypeError) as exc:
        raise FaultError(str(exc)) from None
    return dataclasses.asdict(made)


def answer(mock: Scripted, method: str, path: str, body: Any) -> Reply:
    """An admin request's reply (JSON, errors as ``{"error": ...}`` with status 400/404/405)."""
    route = path[len(ADMIN) :].rstrip("/") or "/"
    if route == "/faults" and method == "GET":
        return as_json(200, {"faults": mock.pending()})
    if route == "/faults" and method == "POST":
        if not isinstance(body, dict) or "provider" not in body:
            return as_json(
                400,
                {
                    "error": 'send a JSON object with "provider", e.g. '
                    '{"provider": "openai", "status": 429, "times": 2}'
                },
            )
        values = {k: v for k, v in body.items() if k != "provider"}
        try:
            return as_json(201, add(mock, str(body["provider"]), fault_args(values)))
        except FaultError as exc:
            return as_json(400, {"error": str(exc)})
    if route == "/faults" and method == "DELETE":
        return as_json(200, {"dropped": mock.clear_faults()})
    if route == "/calls" and method == "GET":
        return as_json(200, {"calls": [dataclasses.asdict(c) for c in list(mock.calls)]})
    if route == "/reset" and method == "POST":
        mock.reset()
        return as_json(200, {"reset": True})
    known = "GET|POST|DELETE /faults, GET /calls, POST /reset"
    status = 405 if route in ("/faults", "/calls", "/reset") else 404
    return as_json(
        status, {"error": f"{method} {path}: the admin routes are {known} under {ADMIN}"}
    )


def decode(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
