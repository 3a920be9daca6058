"""Retries: full-jitter backoff (tenacity), a client-wide retry quota, an adaptive send rate.

``RetryPolicy`` is plain configuration. Each client (and each of its ``with_options`` views)
turns its policy into a ``Retrier``, over one ``SharedRetryState`` per client that holds what
every task using that client shares (the quota and the rate limiter); each call then runs its
own fresh tenacity loop, because tenacity keeps per-call statistics on the retrying object and
concurrent tasks must not share them.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass
from typing import Any, Protocol, TypeVar

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
from tenacity.wait import wait_base

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

#: The service's hint for the next sleep, in integer milliseconds (AWS's 2026 retry rules).
RETRY_AFTER_HEADER = "x-amz-retry-after"
#: How far past the computed backoff the hint may push a sleep, in seconds.
RETRY_AFTER_MAX_EXTRA = 5.0
_MILLISECONDS = re.compile(r"[0-9]{1,15}")


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

    Built from the pieces botocore's adaptive mode uses, a CUBIC rate calculator and a measured
    send rate, and like botocore it paces every task of the client once the first throttling
    error arrives. Three changes, all for storms of many concurrent tasks (see
    docs/reliability.md for the measurements):

    - First come, first served. The send rate is handed out in arrival order: every request
      waits in one queue, and the head of the queue gets the next send time. botocore's token
      bucket lets whichever waiter wakes first take a token, so under a storm some tasks were
      served a hundred times while others starved (Jain's fairness index 0.4, p99 latency
      19 s). Sends are spaced evenly at the rate, without bursts.
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
    _INITIAL_WINDOW = 4
    #: Added to the window per success: 0.5 grows it 1.5 times per round trip.
    _WINDOW_GROWTH = 0.5
    _MAX_WINDOW = 256
    _MIN_RATE = 0.5
    #: How much of the rate a cut keeps (botocore: 0.7).
    _BETA = 0.8

    def __init__(self) -> None:
        now = time.monotonic()
        self._clock = _MonotonicClock()
        self._cubic = CubicCalculator(starting_max_rate=0.5, start_time=now, beta=self._BETA)
        self._measured = _ResponseRate()
        self._rate = 1.0
        self._enabled = False
        self._last_cut = -math.inf
        self._window: float | None = self._INITIAL_WINDOW
        self._in_flight = 0
        self._last_send = -math.inf
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    @property
    def enabled(self) -> bool:
        """Whether requests are paced by the send rate (after the first throttling error)."""
        return self._enabled

    @property
    def rate(self) -> float | None:
        """The send rate in requests per second, or None while not yet pacing."""
        return self._rate if self._enabled else None

    async def acquire(self) -> float:
        """Wait for this request's turn; return its send time, to pass back to record()."""
        if not self._waiters and self._wait_for_turn() == 0.0:
            self._grant()
            return self._clock.current_time()
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._serve()
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                # Granted, then cancelled before it could send: hand the slot on.
                self._in_flight -= 1
                self._serve()
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise
        return self._clock.current_time()

    def release(self) -> None:
        """The request that acquire() let through has its answer (or was abandoned)."""
        self._in_flight -= 1
        self._serve()

    async def record(self, sent: float, *, throttled: bool) -> None:
        """Adjust the rate to one response (or failure) of a request sent at ``sent``."""
        now = self._clock.current_time()
        measured = self._measured.record(now)
        if throttled:
            if self._enabled and sent - self._last_cut < now - sent:
                # Sent before the last cut, or less than a round trip after it: it met the
                # service still drained by what was sent at the old rate, not the new one.
                return
            rate = measured if not self._enabled else min(measured, self._rate)
            new_rate = self._cubic.error_received(rate, now)
            self._last_cut = now
            self._enabled = True
            # The cut starts the spacing: the next request waits a whole interval.
            self._last_send = max(self._last_send, now)
        else:
            new_rate = self._cubic.success_received(now)
            if not self._enabled and self._window is not None:
                self._window += self._WINDOW_GROWTH
                if self._window >= self._MAX_WINDOW:
                    self._window = None
        if self._enabled:
            self._rate = max(self._MIN_RATE, min(new_rate, self._MAX_RATE_SCALE * measured))
        self._serve()

    def _wait_for_turn(self) -> float:
        """Seconds until the next request may go (0 now); math.inf while the window is full."""
        if not self._enabled:
            full = self._window is not None and self._in_flight >= self._window
            return math.inf if full else 0.0
        return max(0.0, self._last_send + 1.0 / self._rate - self._clock.current_time())

    def _grant(self) -> None:
        self._in_flight += 1
        if self._enabled:
            # Spaced at the rate: a late timer keeps the pace, an idle spell earns one send.
            interval = 1.0 / self._rate
            now = self._clock.current_time()
            self._last_send = max(self._last_send + interval, now - interval)

    def _serve(self) -> None:
        """Let the head of the queue go while the rate (or window) allows; else set a timer."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._waiters:
            head = self._waiters[0]
            if head.done():  # cancelled while waiting
                self._waiters.popleft()
                continue
            wait = self._wait_for_turn()
            if wait > 0.0:
                if wait != math.inf:  # a full window reopens on release() or record()
                    self._timer = asyncio.get_running_loop().call_later(wait, self._serve)
                return
            self._waiters.popleft()
            self._grant()
            head.set_result(None)


@dataclass(slots=True)
class CallState:
    """What one call has done so far, for those who observe it (hooks, spans, headers)."""

    operation_name: str
    max_attempts: int
    attempt: int = 0
    """The attempt running or last run, the first being 1."""
    sent: float = 0.0
    """When the current attempt's request went out (``time.monotonic()``)."""
    duration: float = 0.0
    """Seconds the last attempt took, from its request to its answer or failure."""
    result: Any = None
    """The last attempt's answer (botocore's response dict), None if it failed."""
    error: BaseException | None = None
    """What the last attempt raised, None if it succeeded."""
    invocation_id: str | None = None
    """The ``amz-sdk-invocation-id`` of every attempt, made when the first is sent."""


#: The call whose attempt is running in this task, for botocore's event handlers (which are
#: called deep inside aiobotocore, with no way to pass them our state but the context).
current_call: contextvars.ContextVar[CallState | None] = contextvars.ContextVar(
    "cleanroomsml_async_current_call", default=None
)


class AttemptObserver(Protocol):
    """Told about each attempt as it ends, and awaited before the call goes on."""

    async def attempt_ended(
        self, state: CallState, *, will_retry: bool, delay: float | None
    ) -> None: ...


class _ResponseRate:
    """Responses per second over the last second, from the first response on.

    Why not botocore's RateClocker: it reports 0 until its first half-second bucket closes,
    so a storm's first throttle (a few milliseconds in) cut the rate to the 0.5 req/s floor,
    and CUBIC then took seconds to climb back. Over a young window the count is divided by
    the time elapsed, but never by less than ``_MIN_SPAN``, so a first burst does not read
    as thousands per second.
    """

    _SPAN = 1.0
    _MIN_SPAN = 0.2

    def __init__(self) -> None:
        self._times: deque[float] = deque()
        self._first = math.nan

    def record(self, now: float) -> float:
        """Count one response at ``now``; return the rate."""
        if not self._times and math.isnan(self._first):
            self._first = now
        self._times.append(now)
        while self._times[0] < now - self._SPAN:
            self._times.popleft()
        span = min(self._SPAN, max(self._MIN_SPAN, now - self._first))
        return len(self._times) / span


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
        self._wait = _Backoff(policy)
        self._retry = retry_if_exception(is_retryable)
        # The time budget is a per-call stop (_BudgetLeft), added once the deadline is known.
        self._stop: stop_base = stop_after_attempt(policy.max_attempts)

    async def call(
        self,
        operation_name: str,
        attempt: Callable[[], Awaitable[T]],
        observer: AttemptObserver | None = None,
    ) -> T:
        """Run ``attempt`` until it succeeds, fails for good, or the policy says stop.

        ``observer`` hears of each attempt as it ends (before any sleep that follows it). The
        last error itself is raised, never a tenacity type.
        """
        state = CallState(operation_name, self.policy.max_attempts)
        token = current_call.set(state)
        try:
            deadline = None
            if self.policy.timeout is not None:
                deadline = asyncio.get_running_loop().time() + self.policy.timeout
            # Why a bare first attempt: building and driving a fresh tenacity loop cost about
            # as much as all the rest of our own work on a successful call, and nearly every
            # call succeeds at once. Tenacity takes over after a failure only, replaying that
            # failure as its attempt 1, so every decision (retry or not, stop, quota, wait,
            # log) is the one it would have taken anyway.
            try:
                result = await self._attempt(state, attempt, deadline)
            except Exception as error:
                first_error = error
            else:
                self.quota.release(NO_RETRY_REFUND)
                if observer is not None:
                    await observer.attempt_ended(state, will_retry=False, delay=None)
                return result
            # Outside the except block, so later errors do not get the first as __context__.
            return await self._retry_after(first_error, state, attempt, deadline, observer)
        finally:
            current_call.reset(token)
            # Every handle the loop scheduled during the call (aiohttp's timeouts, cancelled
            # but left in the loop's heap until they would have fired) holds a copy of the
            # context, and so this state: without this, each kept the call's response body,
            # about 2 MiB over a stream of 100-item pages.
            state.result = state.error = None

    async def _retry_after(
        self,
        first_error: Exception,
        state: CallState,
        attempt: Callable[[], Awaitable[T]],
        deadline: float | None,
        observer: AttemptObserver | None,
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
            return await self._attempt(state, attempt, deadline)

        async def sleep(delay: float) -> None:
            # tenacity calls this only for a retry that will happen, after before_sleep.
            if observer is not None:
                await observer.attempt_ended(state, will_retry=True, delay=delay)
            await asyncio.sleep(delay)

        retrying = AsyncRetrying(
            sleep=sleep,
            stop=stop | _QuotaLeft(self.quota, spent),
            wait=self._wait,
            retry=self._retry,
            before_sleep=_log_retry(state.operation_name, self.policy.max_attempts),
            reraise=True,
        )
        try:
            async for attempt_state in retrying:
                with attempt_state:
                    result = await replay_then_attempt()
        except Exception:
            if observer is not None:
                await observer.attempt_ended(state, will_retry=False, delay=None)
            raise
        self.quota.release(spent[0] or NO_RETRY_REFUND)
        if observer is not None:
            await observer.attempt_ended(state, will_retry=False, delay=None)
        return result

    async def _attempt(
        self, state: CallState, attempt: Callable[[], Awaitable[T]], deadline: float | None
    ) -> T:
        state.attempt += 1
        state.sent = time.monotonic()
        try:
            # Each layer of coroutines costs every call: the usual policy (no budget, not
            # adaptive) awaits the attempt itself.
            if deadline is not None:
                result = await self._budgeted(state, attempt, deadline)
            elif self.limiter is not None:
                result = await self._paced(state, attempt)
            else:
                result = await attempt()
        except Exception as error:
            state.duration = time.monotonic() - state.sent
            state.result, state.error = None, error
            raise
        state.duration = time.monotonic() - state.sent
        state.result, state.error = result, None
        return result

    async def _budgeted(
        self, state: CallState, attempt: Callable[[], Awaitable[T]], deadline: float
    ) -> T:
        try:
            # Why the wait for the send rate is inside the budget too: under a storm the
            # adaptive limiter can hold a request for seconds, and the budget bounds the call.
            async with asyncio.timeout_at(deadline):
                return await self._paced(state, attempt)
        except TimeoutError as error:
            raise TransportTimeoutError(
                f"the call's {self.policy.timeout} s retry budget ran out",
                operation_name=state.operation_name,
            ) from error

    async def _paced(self, state: CallState, attempt: Callable[[], Awaitable[T]]) -> T:
        limiter = self.limiter
        if limiter is None:
            return await attempt()
        sent = await limiter.acquire()
        state.sent = time.monotonic()  # the attempt's duration leaves out the wait for its turn
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


def retry_after(error: BaseException | None) -> float | None:
    """Seconds the answer to a failed attempt asked us to wait (``x-amz-retry-after``), if any.

    The header is read from the botocore error the ``ServiceError`` came from (its public
    ``response``). A value that is not a non-negative integer is ignored; ``Retry-After`` is
    not read at all, as the AWS SDKs do not.
    """
    response = getattr(getattr(error, "__cause__", None), "response", None)
    if not isinstance(response, dict):
        return None
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    value = headers.get(RETRY_AFTER_HEADER) if isinstance(headers, dict) else None
    if not isinstance(value, str):
        return None
    if _MILLISECONDS.fullmatch(value):
        return int(value) / 1000
    # More digits than any sane hint (and more than int() takes): the cap applies.
    return math.inf if value.isascii() and value.isdigit() else None


class _Backoff(wait_base):
    """Full-jitter exponential backoff, moved by the service's ``x-amz-retry-after``.

    The hint sets the sleep, but never below the backoff computed for that retry and never
    more than 5 s above it, whatever ``max_delay`` says (so even a policy that does not sleep
    honours it). The call's time budget still bounds the result (``_BudgetLeft``).
    """

    def __init__(self, policy: RetryPolicy) -> None:
        self._jitter = wait_random_exponential(
            multiplier=policy.initial_delay, max=policy.max_delay
        )

    def __call__(self, retry_state: RetryCallState) -> float:
        backoff = float(self._jitter(retry_state))
        outcome = retry_state.outcome
        hinted = retry_after(outcome.exception() if outcome is not None else None)
        if hinted is None:
            return backoff
        return min(max(hinted, backoff), backoff + RETRY_AFTER_MAX_EXTRA)


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
