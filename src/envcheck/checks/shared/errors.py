"""Reading a client library's exception: the chain of causes a diagnosis looks through."""

from __future__ import annotations


def causes(exc: BaseException, limit: int = 8) -> list[BaseException]:
    """``exc`` and what caused it (``__cause__``, else ``__context__``), outermost first."""
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(found) < limit:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found
