"""The state a client shares with its ``with_options`` views: one aiobotocore client's life.

A client is UNOPENED until its first use (or ``async with``), then OPENED, then CLOSED for
good. It belongs to the event loop that opened it: aiohttp's connections, and the locks of
refreshable credentials, are bound to that loop, and used from another one they either hang or
fail as connection errors that look worth retrying. So the loop is claimed before anything is
awaited, and a call from any other loop is refused at once.

Calls in flight when the client closes are cancelled, so that each ends at once with one
``RuntimeError`` (whether it was waiting for an answer, sleeping before a retry or waiting for
the send rate), instead of failing over a torn-down connection pool and being retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from cleanroomsml_async.retry import SharedRetryState

__all__ = ["ClientCore", "ClientState"]


class ClientState(enum.Enum):
    UNOPENED = "unopened"
    OPENED = "opened"
    CLOSED = "closed"


def closed_error() -> RuntimeError:
    return RuntimeError("this CleanRoomsMLClient is closed: make a new one to send more calls")


def closed_mid_call_error(operation_name: str) -> RuntimeError:
    return RuntimeError(
        f"{operation_name} was cancelled: its CleanRoomsMLClient was closed while the call "
        "was in flight"
    )


def other_loop_error() -> RuntimeError:
    return RuntimeError(
        "this CleanRoomsMLClient belongs to the event loop that first used it and cannot be "
        "used from another one; make one client per event loop (per thread, or per "
        "asyncio.run())"
    )


class ClientCore:
    """One aiobotocore client, its loop, its state, and the retry state shared by its views.

    ``create`` makes the aiobotocore client, entering it into the exit stack it is given;
    None means ``client`` was given already made (``from_client``), and is never closed here.
    """

    def __init__(
        self,
        create: Callable[[contextlib.AsyncExitStack], Awaitable[Any]] | None,
        client: Any = None,
    ) -> None:
        self.state = ClientState.UNOPENED
        self.client = client
        self.retry_state = SharedRetryState()
        self._create = create
        self._loop: asyncio.AbstractEventLoop | None = None
        # A thread lock, not an asyncio one: two loops in two threads may claim at once.
        self._claim = threading.Lock()
        self._open_lock: asyncio.Lock | None = None
        self._exit_stack = contextlib.AsyncExitStack()
        # Task -> how many of its calls are in flight (an event hook may call from within one).
        self._in_flight: dict[asyncio.Task[Any], int] = {}
        self._cancelled_by_close: set[asyncio.Task[Any]] = set()

    @property
    def closed(self) -> bool:
        return self.state is ClientState.CLOSED

    def ready(self) -> Any:
        """The aiobotocore client if open and on this loop (the fast path), else None."""
        if self.state is ClientState.OPENED and self._loop is asyncio.get_running_loop():
            return self.client
        return None

    async def open(self) -> Any:
        """The aiobotocore client, made on first use; RuntimeError if closed or on another loop."""
        loop = asyncio.get_running_loop()
        with self._claim:
            if self._loop is None:
                self._loop = loop
                self._open_lock = asyncio.Lock()
            owner, lock = self._loop, self._open_lock
        if owner is not loop:
            raise other_loop_error()
        assert lock is not None
        async with lock:
            if self.state is ClientState.UNOPENED:
                client = (
                    self.client if self._create is None else await self._create(self._exit_stack)
                )
                if self.closed:  # closed while it was being made
                    await self._exit_stack.aclose()
                else:
                    self.client = client
                    self.state = ClientState.OPENED
        if self.closed:
            raise closed_error()
        return self.client

    async def close(self) -> None:
        """Close for good: cancel the calls in flight, then close what ``create`` made."""
        if self.state is ClientState.CLOSED:
            return
        if self._loop is not None and self._loop is not asyncio.get_running_loop():
            raise other_loop_error()
        self.state = ClientState.CLOSED
        current = asyncio.current_task()
        for task in self._in_flight:
            if task is not current and not task.done():
                task.cancel()
                self._cancelled_by_close.add(task)
        self.client = None
        await self._exit_stack.aclose()

    # -- calls in flight, for close() ------------------------------------------------------

    def call_started(self) -> asyncio.Task[Any] | None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight[task] = self._in_flight.get(task, 0) + 1
        return task

    def call_ended(self, task: asyncio.Task[Any] | None) -> None:
        if task is None:
            return
        left = self._in_flight.pop(task) - 1
        if left:
            self._in_flight[task] = left

    def cancelled_by_close(self, task: asyncio.Task[Any] | None) -> bool:
        """Whether ``task``'s CancelledError is close()'s doing alone (then it is taken back)."""
        if task is None or task not in self._cancelled_by_close:
            return False
        self._cancelled_by_close.discard(task)
        # Someone else cancelled the task too: their cancellation stands.
        return task.uncancel() == 0
