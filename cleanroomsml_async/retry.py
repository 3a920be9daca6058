"""Retries: full-jitter backoff (tenacity), a client-wide retry quota, an adaptive send rate.

``RetryPolicy`` is plain configuration. Each client turns it into one ``Retrier``, which owns the
state that must be shared by every task using that client (the quota and the rate limiter);
each call then runs its own fresh tenacity loop, because tenacity keeps per-call statistics on
the retrying object and concurrent tasks must not share them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from aiobotocore.retries.bucket import AsyncTokenBucket
from botocore.retries.adaptive import RateClocker
from botocore.retries.quota import RetryQuota
from botocore.retries.throttling import CubicCalculator
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)
from tenacity.stop import stop_base

from cleanroomsml_async.errors import ServiceError, TransportError, TransportTimeoutError

__all__ = ["RetryPolicy"]

logger = logging.getLogger("cleanroomsml_async")

T = TypeVar("T")

# The AWS-wide throttling codes botocore's standard mode knows, and its transient ones.
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
TRANSIENT_CODES = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "InternalServerException"}
)

# botocore standard mode's prices, so a client behaves like the AWS SDKs under a failing service.
QUOTA_CAPACITY = 500
RETRY_COST = 5
TIMEOUT_RETRY_COST = 10
NO_RETRY_REFUND = 1


@dataclass(frozen=True, kw_only=True, slots=True)
class RetryPolicy:
    """How a client retries throttled and transient failures.

    ``max_attempts`` counts every attempt, the first included, so ``max_attempts=1`` turns
    retries off. Sleeps are exponential with full jitter: a random time between 0 and
    ``initial_delay * 2**(retry - 1)``, capped at ``max_delay``. ``timeout`` bounds a whole
    call, retries and sleeps included. ``adaptive`` turns on a client-wide send-rate limiter
    that slows down when the service throttles and speeds up again as calls succeed.
    """

    max_attempts: int = 5
    initial_delay: float = 0.1
    max_delay: float = 20.0
    timeout: float | None = None
    adaptive: bool = False

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts counts the first attempt, so it must be at least 1")
        if self.initial_delay < 0 or self.max_delay < 0:
            raise ValueError("initial_delay and max_delay must not be negative")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError("timeout must be positive, or None for no budget")


def is_throttling(error: BaseException) -> bool:
    """True for the AWS throttling codes and any HTTP 429."""
    return isinstance(error, ServiceError) and (
        error.code in THROTTLING_CODES or error.status_code == 429
    )


def is_retryable(error: BaseException) -> bool:
    """Throttling, 5xx, transient codes, connection failures and timeouts; never other 4xx.

    Clean Rooms ML's ThrottlingException is a modelled 429 without the ``retryable`` trait,
    so the decision looks at codes and status, not at the service model's traits.
    """
    if isinstance(error, TransportError):
        return True
    if not isinstance(error, ServiceError):
        return False
    return (
        is_throttling(error)
        or error.code in TRANSIENT_CODES
        or (error.status_code is not None and error.status_code >= 500)
    )


class AdaptiveRateLimiter:
    """A client-wide send rate that backs off on throttling and recovers on success (CUBIC).

    Built from the pieces botocore's adaptive mode uses: a CUBIC rate calculator, a measured
    send rate, and aiobotocore's asyncio token bucket. Like botocore, it lets requests through
    unthrottled until the first throttling error, then paces every task of the client.
    """

    _MAX_RATE_SCALE = 2.0

    def __init__(self) -> None:
        now = time.monotonic()
        self._clock = _MonotonicClock()
        self._cubic = CubicCalculator(starting_max_rate=0.5, start_time=now)
        self._measured = RateClocker(self._clock)
        self._bucket = AsyncTokenBucket(max_rate=1, clock=self._clock)
        self._enabled = False

    async def acquire(self) -> None:
        if self._enabled:
            await self._bucket.acquire()

    async def record(self, *, throttled: bool) -> None:
        measured = self._measured.record()
        now = self._clock.current_time()
        if throttled:
            rate = measured if not self._enabled else min(measured, self._bucket.max_rate)
            new_rate = self._cubic.error_received(rate, now)
            self._enabled = True
        else:
            new_rate = self._cubic.success_received(now)
        if self._enabled:
            await self._bucket.set_max_rate(min(new_rate, self._MAX_RATE_SCALE * measured))


class _MonotonicClock:
    """The clock interface botocore's rate pieces expect."""

    def sleep(self, amount: float) -> None:  # pragma: no cover - never called by the async bucket
        time.sleep(amount)

    def current_time(self) -> float:
        return time.monotonic()


class _QuotaLeft(stop_base):
    """Stops retrying once the client's retry quota cannot pay for another retry.

    It is combined last with the other stop conditions, so tokens are only taken for a retry
    that will really happen.
    """

    def __init__(self, quota: RetryQuota, spent: list[int]) -> None:
        self._quota = quota
        self._spent = spent

    def __call__(self, retry_state: RetryCallState) -> bool:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        cost = TIMEOUT_RETRY_COST if isinstance(error, TransportTimeoutError) else RETRY_COST
        if not self._quota.acquire(cost):
            return True
        self._spent[0] += cost
        return False


class Retrier:
    """One client's retry machinery: the policy, the shared quota and the shared rate limiter."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.quota = RetryQuota(QUOTA_CAPACITY)
        self.limiter = AdaptiveRateLimiter() if policy.adaptive else None
        self._wait = wait_random_exponential(multiplier=policy.initial_delay, max=policy.max_delay)
        self._retry = retry_if_exception(is_retryable)
        stop: stop_base = stop_after_attempt(policy.max_attempts)
        if policy.timeout is not None:
            stop = stop | stop_before_delay(policy.timeout)
        self._stop = stop

    async def call(self, operation_name: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run ``attempt`` until it succeeds, fails for good, or the policy says stop.

        The last error itself is raised, never a tenacity type.
        """
        spent = [0]
        deadline = None
        if self.policy.timeout is not None:
            deadline = asyncio.get_running_loop().time() + self.policy.timeout
        retrying = AsyncRetrying(
            stop=self._stop | _QuotaLeft(self.quota, spent),
            wait=self._wait,
            retry=self._retry,
            before_sleep=_log_retry(operation_name, self.policy.max_attempts),
            reraise=True,
        )
        async for attempt_state in retrying:
            with attempt_state:
                result = await self._attempt(operation_name, attempt, deadline)
        self.quota.release(spent[0] or NO_RETRY_REFUND)
        return result

    async def _attempt(
        self,
        operation_name: str,
        attempt: Callable[[], Awaitable[T]],
        deadline: float | None,
    ) -> T:
        if self.limiter is not None:
            await self.limiter.acquire()
        try:
            if deadline is None:
                result = await attempt()
            else:
                try:
                    async with asyncio.timeout_at(deadline):
                        result = await attempt()
                except TimeoutError as error:
                    raise TransportTimeoutError(
                        f"the call's {self.policy.timeout} s retry budget ran out",
                        operation_name=operation_name,
                    ) from error
        except BaseException as error:
            if self.limiter is not None and isinstance(error, Exception):
                await self.limiter.record(throttled=is_throttling(error))
            raise
        if self.limiter is not None:
            await self.limiter.record(throttled=False)
        return result


def _log_retry(operation_name: str, max_attempts: int) -> Callable[[RetryCallState], None]:
    def log(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        code = getattr(error, "code", None) or type(error).__name__
        delay = state.upcoming_sleep
        logger.info(
            "Retrying %s after %s (attempt %d of %d failed); sleeping %.3f s",
            operation_name,
            code,
            state.attempt_number,
            max_attempts,
            delay,
            extra={
                "operation_name": operation_name,
                "attempt": state.attempt_number,
                "error_code": code,
                "delay": delay,
            },
        )

    return log
