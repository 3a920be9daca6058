"""What one call tells its observers: the caller's event hooks and, with OpenTelemetry, a span.

``Observability`` is a client's; it makes one ``CallObservation`` per call, or none at all when
nothing observes (no hooks, and no tracer or one that would record nothing), so an unobserved
call pays nothing.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from cleanroomsml_async import hooks, telemetry
from cleanroomsml_async.hooks import AttemptEvent, CallEvent, EventHooks
from cleanroomsml_async.retry import CallState

__all__ = ["CallObservation", "Observability"]


def answer_of(state: CallState) -> tuple[int | None, str | None]:
    """The HTTP status and request id of the last attempt's answer, where one came."""
    if state.error is None:
        metadata = (state.result or {}).get("ResponseMetadata", {})
        return metadata.get("HTTPStatusCode"), metadata.get("RequestId") or None
    status = getattr(state.error, "status_code", None)
    return (status if isinstance(status, int) else None), getattr(state.error, "request_id", None)


class Observability:
    """A client's observers: its event hooks and its tracing (a no-op without OpenTelemetry)."""

    __slots__ = ("hooks", "tracing")

    def __init__(self, event_hooks: Any = None, tracer_provider: Any = None) -> None:
        self.hooks = EventHooks(event_hooks)
        self.tracing = telemetry.Tracing(tracer_provider)

    def observe(self, operation_name: str, region: str | None) -> CallObservation | None:
        """The observation of one call, or None when nothing observes calls."""
        tracer = self.tracing.active()
        if tracer is None and not self.hooks:
            return None
        return CallObservation(self, operation_name, region, tracer)


class CallObservation:
    """One call seen through: an ``AttemptEvent`` per attempt, a ``CallEvent`` at the end.

    Used as ``async with``: the call's hooks run as the block ends, before the call returns
    or raises. A cancelled call delivers no call event.
    """

    __slots__ = (
        "_answer",
        "_attempts",
        "_observability",
        "_operation_name",
        "_region",
        "_span",
        "_started",
        "_tracer",
    )

    def __init__(
        self,
        observability: Observability,
        operation_name: str,
        region: str | None,
        tracer: Any = None,
    ) -> None:
        self._observability = observability
        self._operation_name = operation_name
        self._region = region
        self._tracer = tracer
        self._started = 0.0
        # The last attempt's (status, request id) and the attempt count, read as it ends:
        # the call's state lets go of the response once the call is over.
        self._answer: tuple[int | None, str | None] = (None, None)
        self._attempts = 0
        self._span: telemetry.CallSpan | None = None

    async def __aenter__(self) -> CallObservation:
        self._started = time.monotonic()
        tracer = self._tracer
        if tracer is not None:
            self._span = telemetry.CallSpan(tracer, self._operation_name, self._region)
        return self

    async def attempt_ended(
        self, state: CallState, *, will_retry: bool, delay: float | None
    ) -> None:
        """Deliver the attempt that just ended to the ``"attempt"`` hooks."""
        status, request_id = self._answer = answer_of(state)
        self._attempts = state.attempt
        if will_retry and self._span is not None and delay is not None:
            self._span.retry(state.attempt, state.error, delay)
        functions = self._observability.hooks.attempt
        if not functions:
            return
        event = AttemptEvent(
            operation_name=state.operation_name,
            attempt=state.attempt,
            max_attempts=state.max_attempts,
            duration=state.duration,
            http_status_code=status,
            request_id=request_id,
            error=state.error,
            will_retry=will_retry,
            delay=delay,
        )
        await hooks.deliver(functions, event)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        status, request_id = self._answer
        attempts = self._attempts
        if self._span is not None:
            self._span.end(
                attempts=attempts, status_code=status, request_id=request_id, error=error
            )
        functions = self._observability.hooks.call
        if not functions or (error is not None and not isinstance(error, Exception)):
            return  # nothing is promised for a cancelled call
        event = CallEvent(
            operation_name=self._operation_name,
            attempts=attempts,
            duration=time.monotonic() - self._started,
            request_id=request_id,
            error=error,
        )
        await hooks.deliver(functions, event)
