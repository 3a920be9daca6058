"""Event hooks: what each attempt and each call did, handed to the caller's own functions.

``CleanRoomsMLClient(event_hooks={"attempt": [...], "call": [...]})`` takes plain functions or
coroutine functions. They run in the order given and are awaited before the call goes on, so a
hook sees an attempt before the sleep that follows it, and a call before it returns or raises.
A hook that raises is logged on the ``cleanroomsml_async`` logger and changes nothing else: the
remaining hooks still run and the call ends as it would have.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["AttemptEvent", "CallEvent", "EventHook", "EventHooks"]

logger = logging.getLogger("cleanroomsml_async")


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptEvent:
    """One attempt of a call, delivered to the ``"attempt"`` hooks after it ended."""

    operation_name: str
    """The service's name of the operation, e.g. ``"GetAudienceModel"``."""
    attempt: int
    """Which attempt this was, the first being 1."""
    max_attempts: int
    """The most attempts the call may make (``RetryPolicy.max_attempts``)."""
    duration: float
    """Seconds from sending the request to its answer (or failure)."""
    http_status_code: int | None
    """The HTTP status of the answer; None when no answer came (a connection error, say)."""
    request_id: str | None
    """The service's request id of the answer, when there was one."""
    error: BaseException | None
    """What the attempt raised, or None if it succeeded."""
    will_retry: bool
    """Whether another attempt follows."""
    delay: float | None
    """Seconds slept before the next attempt; None when none follows."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEvent:
    """One call, delivered to the ``"call"`` hooks after its last attempt."""

    operation_name: str
    """The service's name of the operation, e.g. ``"GetAudienceModel"``."""
    attempts: int
    """How many attempts the call made, the first included."""
    duration: float
    """Seconds for the whole call, retries and sleeps included."""
    request_id: str | None
    """The request id of the last answer, when there was one."""
    error: BaseException | None
    """What the call raised, or None if it succeeded."""


EventHook = Callable[[Any], Awaitable[None] | None]
"""A function or coroutine function taking one event."""

_KINDS = ("attempt", "call")


class EventHooks:
    """A client's hooks, checked once when the client is made."""

    __slots__ = ("attempt", "call")

    def __init__(self, hooks: Mapping[str, Sequence[EventHook]] | None = None) -> None:
        hooks = {} if hooks is None else hooks
        if not isinstance(hooks, Mapping):
            raise TypeError(
                "event_hooks must be a mapping of 'attempt' and/or 'call' to lists of "
                f"callables, not {type(hooks).__name__}"
            )
        unknown = sorted(str(key) for key in hooks if key not in _KINDS)
        if unknown:
            raise ValueError(
                f"unknown event_hooks key(s) {', '.join(map(repr, unknown))}; "
                "the events are 'attempt' and 'call'"
            )
        for kind, functions in hooks.items():
            if isinstance(functions, str | bytes) or not isinstance(functions, Sequence):
                raise TypeError(
                    f"event_hooks[{kind!r}] must be a list of callables, "
                    f"not {type(functions).__name__}"
                )
            for function in functions:
                if not callable(function):
                    raise TypeError(f"event_hooks[{kind!r}] holds {function!r}, not a callable")
        self.attempt: tuple[EventHook, ...] = tuple(hooks.get("attempt", ()))
        self.call: tuple[EventHook, ...] = tuple(hooks.get("call", ()))

    def __bool__(self) -> bool:
        return bool(self.attempt or self.call)

    def __repr__(self) -> str:
        return f"EventHooks(attempt={len(self.attempt)}, call={len(self.call)})"


async def deliver(hooks: Sequence[EventHook], event: AttemptEvent | CallEvent) -> None:
    """Run each hook on ``event`` in order; log and swallow what any of them raises."""
    for hook in hooks:
        try:
            outcome = hook(event)
            if inspect.isawaitable(outcome):
                await outcome
        except Exception:
            logger.exception(
                "An event hook (%s) raised on the %s event of %s; the call goes on",
                getattr(hook, "__qualname__", repr(hook)),
                "attempt" if isinstance(event, AttemptEvent) else "call",
                event.operation_name,
            )
