"""A deadline for each request's headers, against clients that open connections and trickle.

aiohttp's server has no header-read timeout: a client that sends half a request line holds
its connection (and a file descriptor) for good. Each connection's protocol is wrapped here,
by composition over asyncio's protocol methods: the clock starts when the connection opens
or the first byte of a request arrives, and stops when the emulator's handler is called
(the headers are in); past the deadline the connection is cut.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


class HeaderDeadlines:
    """The header deadlines of one server's connections."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.connections: dict[Any, _Guard] = {}
        self.cut = 0
        """How many connections were cut for sending their headers too slowly."""

    def wrap(self, factory: Callable[[], asyncio.Protocol]) -> Callable[[], asyncio.Protocol]:
        """A protocol factory for loop.create_server that guards what factory makes."""
        return lambda: _Guard(factory(), self)

    def headers_arrived(self, transport: Any) -> None:
        """The handler got a request on this connection: stop its clock."""
        guard = self.connections.get(transport)
        if guard is not None:
            guard.stop_clock()

    def response_sent(self, transport: Any) -> None:
        """A response went out: the next byte on this connection starts a new clock."""
        guard = self.connections.get(transport)
        if guard is not None:
            guard.waiting = True


class _Guard(asyncio.Protocol):
    def __init__(self, inner: asyncio.Protocol, deadlines: HeaderDeadlines) -> None:
        self._inner = inner
        self._deadlines = deadlines
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.waiting = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._deadlines.connections[transport] = self
        self._start_clock()
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.waiting and self._timer is None:
            self._start_clock()
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_clock()
        self._deadlines.connections.pop(self._transport, None)
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def stop_clock(self) -> None:
        self.waiting = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _start_clock(self) -> None:
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._deadlines.timeout, self._expire)

    def _expire(self) -> None:
        self._timer = None
        if self.waiting and self._transport is not None:
            self._deadlines.cut += 1
            self._transport.abort()
