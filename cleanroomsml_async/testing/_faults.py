"""Fault injection: rules that make chosen requests fail, stall or come back damaged."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from cleanroomsml_async.testing._errors import ApiError
from cleanroomsml_async.testing._service import LIST_OPERATIONS, OPERATION_NAMES


class FaultKind(StrEnum):
    """The kinds of fault the emulator can inject (as named in request records)."""

    THROTTLE = "throttle"
    THROTTLE_FRACTION = "throttle_fraction"
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    ERROR = "error"
    LATENCY = "latency"
    SLOW_RESPONSE = "slow_response"
    DROP_CONNECTION = "drop_connection"
    MALFORMED_BODY = "malformed_body"
    EMPTY_PAGE = "empty_page"
    TOKEN_CYCLE = "token_cycle"


@dataclass(slots=True)
class FaultPlan:
    """What the server must do to one request, as decided by the active faults."""

    delay: float = 0.0
    error: ApiError | None = None
    drop_connection: bool = False
    malformed_body: bool = False
    empty_page: bool = False
    token_cycle: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    """Extra response headers of the error (e.g. ``x-amz-retry-after``)."""
    applied: list[FaultKind] = field(default_factory=list)


class Fault:
    """One active fault rule; a handle to inspect (hits, remaining) or cancel() it."""

    def __init__(self, kind: FaultKind, *, operation: str | None, count: int | None) -> None:
        self.kind = kind
        """What the fault does."""
        self.operation = operation
        """The operation it is limited to (e.g. "GetAudienceModel"); None means every one."""
        self.remaining = count
        """Requests it will still apply to; None means until cancelled or cleared."""
        self.hits = 0
        """Requests it has applied to so far."""
        self._injector: FaultInjector | None = None

    def __repr__(self) -> str:
        scope = self.operation or "all operations"
        left = "unlimited" if self.remaining is None else f"{self.remaining} left"
        return f"<Fault {self.kind} on {scope}: {self.hits} hits, {left}>"

    @property
    def active(self) -> bool:
        """Whether it still applies to future requests."""
        return self._injector is not None

    def cancel(self) -> None:
        """Stop applying this fault."""
        if self._injector is not None:
            self._injector._remove(self)

    def _matches(self, operation: str, is_list: bool) -> bool:
        return self.operation is None or self.operation == operation

    def _fire(self, plan: FaultPlan, now: float) -> bool:
        """Shape the plan; return whether the fault applied (and so used up one count)."""
        raise NotImplementedError


class _ErrorFault(Fault):
    def __init__(
        self,
        kind: FaultKind,
        *,
        code: str,
        message: str,
        status: int | None,
        operation: str | None,
        count: int | None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(kind, operation=operation, count=count)
        self.code, self.message, self.status = code, message, status
        self.headers = dict(headers or {})

    def _fire(self, plan: FaultPlan, now: float) -> bool:
        # One error per request: an earlier rule that already failed it wins, and this rule
        # keeps its count for a later request.
        if plan.error is not None:
            return False
        plan.error = ApiError(self.code, self.message, status=self.status)
        plan.headers.update(self.headers)
        return True


class _RandomThrottle(_ErrorFault):
    def __init__(self, probability: float, seed: int | None, operation: str | None) -> None:
        super().__init__(
            FaultKind.THROTTLE_FRACTION,
            code="ThrottlingException",
            message="Rate exceeded",
            status=None,
            operation=operation,
            count=None,
        )
        self.probability = probability
        self._random = random.Random(seed)

    def _fire(self, plan: FaultPlan, now: float) -> bool:
        if plan.error is not None or self._random.random() >= self.probability:
            return False
        return super()._fire(plan, now)


class _RateLimit(_ErrorFault):
    def __init__(self, rate: float, burst: float, operation: str | None) -> None:
        super().__init__(
            FaultKind.RATE_LIMIT,
            code="ThrottlingException",
            message="Rate exceeded",
            status=None,
            operation=operation,
            count=None,
        )
        self.rate, self.burst = rate, burst
        self._tokens = burst
        self._updated = time.monotonic()

    def _fire(self, plan: FaultPlan, now: float) -> bool:
        if plan.error is not None:
            return False
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return False
        return super()._fire(plan, now)


class _DelayFault(Fault):
    def __init__(
        self, kind: FaultKind, seconds: float, operation: str | None, count: int | None
    ) -> None:
        super().__init__(kind, operation=operation, count=count)
        self.seconds = seconds

    def _fire(self, plan: FaultPlan, now: float) -> bool:
        plan.delay += self.seconds
        return True


class _ResponseFault(Fault):
    """Damages the response (drop, malformed body) or the page (empty page, token cycle)."""

    def _matches(self, operation: str, is_list: bool) -> bool:
        if self.kind in (FaultKind.EMPTY_PAGE, FaultKind.TOKEN_CYCLE) and not is_list:
            return False
        return super()._matches(operation, is_list)

    def _fire(self, plan: FaultPlan, now: float) -> bool:
        if self.kind is FaultKind.DROP_CONNECTION:
            plan.drop_connection = True
        elif self.kind is FaultKind.MALFORMED_BODY:
            plan.malformed_body = True
        elif self.kind is FaultKind.EMPTY_PAGE:
            plan.empty_page = True
        else:
            plan.token_cycle = True
        return True


def _check_operation(operation: str | None, *, list_only: bool = False) -> None:
    if operation is None:
        return
    if operation not in OPERATION_NAMES:
        raise ValueError(f"unknown operation {operation!r}; expected one of {OPERATION_NAMES}")
    if list_only and operation not in LIST_OPERATIONS:
        raise ValueError(f"{operation} is not a list operation")


def _check_count(count: int) -> int:
    if count < 1:
        raise ValueError("count must be at least 1")
    return count


class FaultInjector:
    """Turns faults on and off; every method can be limited to one operation by name.

    Rules apply in the order they were added. A request gets at most one error (the first
    error rule that fires); delays add up; response damage combines with either.
    """

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    @property
    def active(self) -> tuple[Fault, ...]:
        """The faults that still apply, oldest first."""
        return tuple(self._faults)

    def clear(self) -> None:
        """Remove every fault."""
        for fault in self._faults:
            fault._injector = None
        self._faults.clear()

    def throttle(
        self,
        count: int = 1,
        *,
        operation: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Answer the next count requests with ThrottlingException (HTTP 429), with these extra
        response headers (e.g. ``{"x-amz-retry-after": "1500"}``)."""
        return self._error(
            FaultKind.THROTTLE,
            "ThrottlingException",
            count,
            "Rate exceeded",
            None,
            operation,
            headers,
        )

    def throttle_fraction(
        self, probability: float, *, seed: int | None = 0, operation: str | None = None
    ) -> Fault:
        """Throttle each request with this probability (seeded, so runs repeat) until cleared."""
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        _check_operation(operation)
        return self._add(_RandomThrottle(probability, seed, operation))

    def rate_limit(
        self, rate: float, *, burst: float | None = None, operation: str | None = None
    ) -> Fault:
        """Throttle whatever exceeds rate requests/s, allowing bursts of burst (a token bucket)."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        burst = max(1.0, rate) if burst is None else burst
        if burst < 1:
            raise ValueError("burst must be at least 1")
        _check_operation(operation)
        return self._add(_RateLimit(rate, burst, operation))

    def server_error(
        self,
        count: int = 1,
        *,
        status: int = 500,
        code: str | None = None,
        operation: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Answer the next count requests with a 5xx (InternalServerException by default,
        ServiceUnavailableException for 503), with these extra response headers."""
        if not 500 <= status <= 599:
            raise ValueError("status must be a 5xx code")
        if code is None:
            code = "ServiceUnavailableException" if status == 503 else "InternalServerException"
        return self._error(FaultKind.SERVER_ERROR, code, count, None, status, operation, headers)

    def error(
        self,
        code: str,
        count: int = 1,
        *,
        message: str | None = None,
        status: int | None = None,
        operation: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Answer the next count requests with any error code (status from the model if None),
        with these extra response headers."""
        kind = FaultKind.THROTTLE if code == "ThrottlingException" else FaultKind.ERROR
        return self._error(kind, code, count, message, status, operation, headers)

    def latency(self, seconds: float, *, operation: str | None = None) -> Fault:
        """Add seconds of delay to every request until cleared."""
        _check_operation(operation)
        return self._add(_DelayFault(FaultKind.LATENCY, seconds, operation, None))

    def slow_response(
        self, delay: float, count: int = 1, *, operation: str | None = None
    ) -> Fault:
        """Wait delay seconds before answering each of the next count requests."""
        _check_operation(operation)
        fault = _DelayFault(FaultKind.SLOW_RESPONSE, delay, operation, _check_count(count))
        return self._add(fault)

    def drop_connection(self, count: int = 1, *, operation: str | None = None) -> Fault:
        """For the next count requests, send the headers and half the body, then hang up."""
        return self._response_fault(FaultKind.DROP_CONNECTION, count, operation)

    def malformed_body(self, count: int = 1, *, operation: str | None = None) -> Fault:
        """Answer the next count requests with HTTP 200 and truncated JSON."""
        return self._response_fault(FaultKind.MALFORMED_BODY, count, operation)

    def empty_page(self, count: int = 1, *, operation: str | None = None) -> Fault:
        """Answer the next count list requests with no items and a token to the same place."""
        return self._response_fault(FaultKind.EMPTY_PAGE, count, operation, list_only=True)

    def token_cycle(self, count: int = 1, *, operation: str | None = None) -> Fault:
        """Answer the next count list requests with a nextToken that leads back to a page
        already served: the request's own token, or on page one a token to page one."""
        return self._response_fault(FaultKind.TOKEN_CYCLE, count, operation, list_only=True)

    def plan(self, operation: str, is_list: bool) -> FaultPlan:
        """Decide what the active faults do to one request (consuming their counts)."""
        plan = FaultPlan()
        if not self._faults:
            return plan
        now = time.monotonic()
        for fault in list(self._faults):
            if not fault._matches(operation, is_list) or not fault._fire(plan, now):
                continue
            fault.hits += 1
            plan.applied.append(fault.kind)
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._remove(fault)
        return plan

    def _error(
        self,
        kind: FaultKind,
        code: str,
        count: int,
        message: str | None,
        status: int | None,
        operation: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        _check_operation(operation)
        fault = _ErrorFault(
            kind,
            code=code,
            message=message or f"Injected {code}",
            status=status,
            operation=operation,
            count=_check_count(count),
            headers=headers,
        )
        return self._add(fault)

    def _response_fault(
        self, kind: FaultKind, count: int, operation: str | None, *, list_only: bool = False
    ) -> Fault:
        _check_operation(operation, list_only=list_only)
        return self._add(_ResponseFault(kind, operation=operation, count=_check_count(count)))

    def _add(self, fault: Fault) -> Fault:
        fault._injector = self
        self._faults.append(fault)
        return fault

    def _remove(self, fault: Fault) -> None:
        if fault in self._faults:
            self._faults.remove(fault)
        fault._injector = None
