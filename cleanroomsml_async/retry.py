"""Retries: full-jitter backoff (tenacity), a client-wide retry quota, an adaptive send rate.

``RetryPolicy`` is plain configuration. Each client (and each of its ``with_options`` views)
turns its policy into a ``Retrier``, over one ``SharedRetryState`` per client that holds what
every task using that client shares (the quota and the rate limiter); each call then runs its
own fresh tenacity loop, because tenacity keeps per-call statistics on the retrying object and
concurrent tasks must not share them.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass
from typing import TypeVar

from aiobotocore.retries.bucket import AsyncTokenBucket
from botocore.retries.quota import RetryQuota
from botocore.retries.throttling import CubicCalculator
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
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
    {"RequestTimeout", "RequestTimeoutException", "InternalServiceException"}
)

# botocore standard mode's prices, so a client behaves like the AWS SDKs under a failing service.
QUOTA_CAPACITY = 500
RETRY_COST = 5
TIMEOUT_RETRY_COST = 10
NO_RETRY_REFUND = 1


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a client retries throttled and transient failures.

    ``max_attempts`` counts every attempt, the first included, so ``max_attempts=1`` turns
    retries off. Sleeps are exponential with full jitter: a random time between 0 and
    ``initial_delay * 2**(retry - 1)``, capped at ``max_delay``. ``timeout`` bounds a whole
    call, retries and sleeps included. ``adaptive`` turns on a client-wide send-rate limiter
    that slows down when the service throttles and speeds up again as calls succeed.

    Retried: throttling (``ThrottlingException``, the other AWS throttling codes, any HTTP
    429), HTTP 5xx, the transient ``RequestTimeout`` codes, connection errors and timeouts.
    Never retried: other 4xx errors (``ValidationException``, ``AccessDeniedException``,
    ``ResourceNotFoundException``, ``ConflictException``, ``ServiceQuotaExceededException``).
    When the policy stops, the last error itself is raised. Each retry is logged at INFO on the
    ``cleanroomsml_async`` logger. Independently of the policy, each client has a retry quota
    (botocore standard mode's: 500 tokens, 5 per retry, 10 per retry after a timeout) that
    stops retries while the service keeps failing, until successes refill it.

    Raises:
        ValueError: ``max_attempts`` is below 1, a delay is negative, or ``timeout`` is not
            positive.
    """

    max_attempts: int = 5
    """Attempts per call, the first included; 1 turns retries off."""
    initial_delay: float = 0.1
    """Seconds: the first retry sleeps up to this long, each later one up to twice as long."""
    max_delay: float = 20.0
    """Seconds: the cap on any one sleep. With both delays 0, retries do not sleep."""
    # The contract's signature: the three knobs positional or keyword, the rest by keyword.
    _: KW_ONLY
    timeout: float | None = None
    """Seconds for a whole call, attempts and sleeps included; None means no budget."""
    adaptive: bool = False
    """Pace all of the client's requests by a send rate that throttling lowers."""

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
    send rate, and aiobotocore's asyncio token bucket. Like botocore, it paces every task of
    the client once the first throttling error arrives. Two changes, both for storms of many
    concurrent tasks (see docs/reliability.md for the measurements):

    - Slow start. Until the first throttling error, botocore sends unpaced, so a burst of N
      concurrent tasks puts N requests on the wire before the first 429 can come back. Here at
      most ``_INITIAL_WINDOW`` requests are in flight at first, one more per success (the
      window doubles every round trip), and the window is dropped for good at
      ``_MAX_WINDOW``: a client that is never throttled pays a few round trips once.
    - One cut per round trip. botocore lowers the rate for every throttled response, so a
      burst of 40 throttles arriving together multiplies the rate by 0.7**40 and leaves the
      client at the 0.5 req/s floor for seconds. Here a throttle only lowers the rate if its
      request was sent after the last cut, i.e. at the rate being judged (as TCP does).
    """

    _MAX_RATE_SCALE = 2.0
    _INITIAL_WINDOW = 10
    _MAX_WINDOW = 256

    def __init__(self) -> None:
        # Why imported here: botocore.retries.adaptive pulls in botocore.utils (urllib3, ...),
        # a sixth of ``import cleanroomsml_async``, for the few clients that are adaptive.
        from botocore.retries.adaptive import RateClocker

        now = time.monotonic()
        self._clock = _MonotonicClock()
        self._cubic = CubicCalculator(starting_max_rate=0.5, start_time=now)
        self._measured = RateClocker(self._clock)
        self._bucket = AsyncTokenBucket(max_rate=1, clock=self._clock)
        self._enabled = False
        self._last_cut = -math.inf
        self._window: int | None = self._INITIAL_WINDOW
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def enabled(self) -> bool:
        """Whether requests are paced by the send rate (after the first throttling error)."""
        return self._enabled

    @property
    def rate(self) -> float | None:
        """The send rate in requests per second, or None while not yet pacing."""
        return float(self._bucket.max_rate) if self._enabled else None

    async def acquire(self) -> float:
        """Wait for this request's turn; return its send time, to pass back to record()."""
        while self._window_full():
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # woken, then cancelled: hand the free slot on
                else:
                    self._waiters.remove(waiter)
                raise
        if self._enabled:
            await self._bucket.acquire()
        self._in_flight += 1
        return self._clock.current_time()

    def release(self) -> None:
        """The request that acquire() let through has its answer (or was abandoned)."""
        self._in_flight -= 1
        self._wake()

    async def record(self, sent: float, *, throttled: bool) -> None:
        """Adjust the rate to one response (or failure) of a request sent at ``sent``."""
        measured = self._measured.record()
        now = self._clock.current_time()
        if throttled:
            if self._enabled and sent < self._last_cut:
                return  # sent before the last cut: it says nothing about the rate now
            rate = measured if not self._enabled else min(measured, self._bucket.max_rate)
            new_rate = self._cubic.error_received(rate, now)
            self._last_cut = now
            if not self._enabled:
                self._enabled = True
                self._wake()  # tasks held by the slow-start window now queue on the bucket
        else:
            new_rate = self._cubic.success_received(now)
            if not self._enabled and self._window is not None:
                self._window += 1
                if self._window >= self._MAX_WINDOW:
                    self._window = None
                self._wake()
        if self._enabled:
            await self._bucket.set_max_rate(min(new_rate, self._MAX_RATE_SCALE * measured))

    def _window_full(self) -> bool:
        return not self._enabled and self._window is not None and self._in_flight >= self._window

    def _wake(self) -> None:
        free = len(self._waiters)
        if not self._enabled and self._window is not None:
            free = self._window - self._in_flight
        while free > 0 and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1


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


class SharedRetryState:
    """What every policy of one client shares: the retry quota, and the one rate limiter.

    A client and its ``with_options`` views each have their own ``Retrier`` (policy), and all
    of them one of these. The limiter is made when the first adaptive policy asks for it.
    """

    def __init__(self) -> None:
        self.quota = RetryQuota(QUOTA_CAPACITY)
        self._limiter: AdaptiveRateLimiter | None = None

    def limiter(self) -> AdaptiveRateLimiter:
        """The client's rate limiter, made on first use."""
        if self._limiter is None:
            self._limiter = AdaptiveRateLimiter()
        return self._limiter


class Retrier:
    """One policy's retry machinery, over the quota and rate limiter its client shares."""

    def __init__(self, policy: RetryPolicy, shared: SharedRetryState | None = None) -> None:
        self.policy = policy
        self.shared = shared = SharedRetryState() if shared is None else shared
        self.quota = shared.quota
        # Requests under a policy that is not adaptive are not paced, even by a shared limiter.
        self.limiter = shared.limiter() if policy.adaptive else None
        self._wait = wait_random_exponential(multiplier=policy.initial_delay, max=policy.max_delay)
        self._retry = retry_if_exception(is_retryable)
        # The time budget is a per-call stop (_BudgetLeft), added once the deadline is known.
        self._stop: stop_base = stop_after_attempt(policy.max_attempts)

    async def call(self, operation_name: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run ``attempt`` until it succeeds, fails for good, or the policy says stop.

        The last error itself is raised, never a tenacity type.
        """
        deadline = None
        if self.policy.timeout is not None:
            deadline = asyncio.get_running_loop().time() + self.policy.timeout
        # Why a bare first attempt: building and driving a fresh tenacity loop cost about as
        # much as all the rest of our own work on a successful call, and nearly every call
        # succeeds at once. Tenacity takes over after a failure only, replaying that failure
        # as its attempt 1, so every decision (retry or not, stop, quota, wait, log) is the
        # one it would have taken anyway.
        try:
            result = await self._attempt(operation_name, attempt, deadline)
        except Exception as error:
            first_error = error
        else:
            self.quota.release(NO_RETRY_REFUND)
            return result
        # Outside the except block, so later errors do not get the first as their __context__.
        return await self._retry_after(first_error, operation_name, attempt, deadline)

    async def _retry_after(
        self,
        first_error: Exception,
        operation_name: str,
        attempt: Callable[[], Awaitable[T]],
        deadline: float | None,
    ) -> T:
        """The tenacity loop of a call whose first attempt failed with ``first_error``."""
        spent = [0]
        stop = self._stop
        if deadline is not None:
            stop = stop | _BudgetLeft(deadline)
        replay = [first_error]

        async def replay_then_attempt() -> T:
            if replay:
                raise replay.pop()
            return await self._attempt(operation_name, attempt, deadline)

        retrying = AsyncRetrying(
            stop=stop | _QuotaLeft(self.quota, spent),
            wait=self._wait,
            retry=self._retry,
            before_sleep=_log_retry(operation_name, self.policy.max_attempts),
            reraise=True,
        )
        async for attempt_state in retrying:
            with attempt_state:
                result = await replay_then_attempt()
        self.quota.release(spent[0] or NO_RETRY_REFUND)
        return result

    async def _attempt(
        self,
        operation_name: str,
        attempt: Callable[[], Awaitable[T]],
        deadline: float | None,
    ) -> T:
        if deadline is None:
            return await self._paced(attempt)
        try:
            # Why the wait for the send rate is inside the budget too: under a storm the
            # adaptive limiter can hold a request for seconds, and the budget bounds the call.
            async with asyncio.timeout_at(deadline):
                return await self._paced(attempt)
        except TimeoutError as error:
            raise TransportTimeoutError(
                f"the call's {self.policy.timeout} s retry budget ran out",
                operation_name=operation_name,
            ) from error

    async def _paced(self, attempt: Callable[[], Awaitable[T]]) -> T:
        limiter = self.limiter
        if limiter is None:
            return await attempt()
        sent = await limiter.acquire()
        try:
            result = await attempt()
        except BaseException as error:
            limiter.release()  # before any await: a cancelled task must give its slot back
            if isinstance(error, Exception):
                await limiter.record(sent, throttled=is_throttling(error))
            raise
        limiter.release()
        await limiter.record(sent, throttled=False)
        return result


class _BudgetLeft(stop_base):
    """Stops when the call's deadline leaves no room for the upcoming sleep.

    Why not tenacity's ``stop_before_delay``: its clock starts with the tenacity loop, a moment
    after the deadline was set, so right after an attempt cut off at the deadline it could see
    a sliver of budget left and start one more attempt (a request sent past the budget).
    Reading the loop's clock against the same deadline as ``asyncio.timeout_at`` cannot.
    """

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        now = asyncio.get_running_loop().time()
        return now + retry_state.upcoming_sleep >= self._deadline


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
