"""Async checks: each on an event loop of its own, bounded by its timeout, never joined at exit.

``asyncio.run`` joins the loop's default executor when it ends, so a check that awaited
``asyncio.to_thread(time.sleep, 45)`` with a 1 s timeout held the process for 45 s. Here the
default executor runs its work on daemon threads that nobody joins.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

_P = ParamSpec("_P")
_T = TypeVar("_T")


class _DaemonExecutor(concurrent.futures.ThreadPoolExecutor):
    """The default executor of an async check's loop: ``asyncio.to_thread`` work runs on daemon
    threads that nobody joins, so a check that overran never holds the process at exit.
    """

    def submit(
        self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> concurrent.futures.Future[_T]:
        future: concurrent.futures.Future[_T] = concurrent.futures.Future()

        def work() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                value = fn(*args, **kwargs)
            except BaseException as exc:  # noqa: B036 - handed to whoever awaits the future
                future.set_exception(exc)
            else:
                future.set_result(value)

        threading.Thread(target=work, name="envcheck-io", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        return None


def run_async(
    awaitable: Any,
    timeout: float,
    grace: float,
    on_cancel: Callable[[Callable[[], None] | None], None],
) -> Any:
    """Run ``awaitable`` on a loop of its own, bounded by ``timeout``; never join its threads.

    ``on_cancel`` receives a function that cancels it from another thread (``None`` once it ended).
    """
    loop = asyncio.new_event_loop()
    loop.set_default_executor(_DaemonExecutor())
    asyncio.set_event_loop(loop)
    try:
        task = loop.create_task(_bounded(awaitable, timeout))

        def cancel() -> None:
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # the loop closed meanwhile
                pass

        on_cancel(cancel)
        return loop.run_until_complete(task)
    finally:
        on_cancel(None)
        try:
            _cancel_leftovers(loop, grace)
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def _cancel_leftovers(loop: asyncio.AbstractEventLoop, grace: float) -> None:
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.wait(pending, timeout=max(grace, 0.05)))
    loop.run_until_complete(loop.shutdown_asyncgens())


async def _bounded(awaitable: Any, timeout: float) -> Any:
    return await asyncio.wait_for(awaitable, timeout)
