"""x-amz-retry-after: the service's hint for the next sleep, within [backoff, backoff + 5 s]."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiobotocore.session import AioSession

from cleanroomsml_async import AttemptEvent, RetryPolicy, ThrottlingException
from cleanroomsml_async.testing import LocalCleanRoomsML

NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)


class Delays:
    """An attempt hook keeping the sleep chosen after each attempt."""

    def __init__(self) -> None:
        self.events: list[AttemptEvent] = []
        self.retrying = asyncio.Event()

    def __call__(self, event: AttemptEvent) -> None:
        self.events.append(event)
        if event.will_retry:
            self.retrying.set()

    @property
    def delays(self) -> list[float | None]:
        return [event.delay for event in self.events]

    def hooks(self) -> dict[str, Any]:
        return {"attempt": [self]}


async def test_the_hint_sets_the_sleep_even_when_the_policy_does_not_sleep(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    seen = Delays()
    emulator.faults.throttle(1, headers={"x-amz-retry-after": "300"})
    async with emulator.client(retry=NO_SLEEP, session=aio_session, event_hooks=seen.hooks()) as c:
        await c.list_audience_export_jobs()
    assert seen.delays == [0.3, None]
    throttled, served = emulator.requests
    assert served.time - throttled.time >= 0.3  # the sleep really was taken


async def test_a_server_error_with_a_hint_is_honoured_too(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    seen = Delays()
    emulator.faults.server_error(1, status=503, headers={"x-amz-retry-after": "120"})
    async with emulator.client(retry=NO_SLEEP, session=aio_session, event_hooks=seen.hooks()) as c:
        await c.list_audience_export_jobs()
    assert seen.delays == [0.12, None]


async def test_a_hint_below_the_backoff_leaves_the_backoff(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    seen = Delays()
    policy = RetryPolicy(max_attempts=6, initial_delay=0.01, max_delay=0.01)
    emulator.faults.throttle(5, headers={"x-amz-retry-after": "0"})
    async with emulator.client(retry=policy, session=aio_session, event_hooks=seen.hooks()) as c:
        await c.list_audience_export_jobs()
    delays = [delay for delay in seen.delays if delay is not None]
    assert len(delays) == 5
    # Full jitter picks each backoff in (0, 0.01]; a hint of 0 would have made them all 0.
    assert all(0 < delay <= 0.01 for delay in delays)


async def test_a_hint_is_capped_at_five_seconds_past_the_backoff(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    seen = Delays()
    emulator.faults.throttle(1, headers={"x-amz-retry-after": "3600000"})  # an hour
    async with emulator.client(retry=NO_SLEEP, session=aio_session, event_hooks=seen.hooks()) as c:
        call = asyncio.create_task(c.get_audience_model(audience_model_arn=arn))
        await seen.retrying.wait()  # the hook runs before the sleep: no need to sit it out
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
    assert seen.delays == [5.0]
    assert len(emulator.requests) == 1


async def test_the_time_budget_still_bounds_a_hinted_sleep(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    seen = Delays()
    policy = RetryPolicy(initial_delay=0, max_delay=0, timeout=1.0)
    emulator.faults.throttle(1, headers={"x-amz-retry-after": "2000"})
    async with emulator.client(retry=policy, session=aio_session, event_hooks=seen.hooks()) as c:
        with pytest.raises(ThrottlingException):
            await c.list_audience_export_jobs()
    assert seen.delays == [None]  # no retry was started whose sleep would overrun the budget
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("value", ["1.5", "-100", "+100", "1e3", "0x10", "soon", ""])
async def test_a_hint_that_is_not_a_non_negative_integer_is_ignored(
    emulator: LocalCleanRoomsML, aio_session: AioSession, value: str
) -> None:
    seen = Delays()
    emulator.faults.throttle(1, headers={"x-amz-retry-after": value})
    async with emulator.client(retry=NO_SLEEP, session=aio_session, event_hooks=seen.hooks()) as c:
        await c.list_audience_export_jobs()
    assert seen.delays == [0, None]


async def test_retry_after_is_not_the_aws_hint_and_changes_nothing(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    seen = Delays()
    emulator.faults.throttle(1, headers={"Retry-After": "3"})
    async with emulator.client(retry=NO_SLEEP, session=aio_session, event_hooks=seen.hooks()) as c:
        await c.list_audience_export_jobs()
    assert seen.delays == [0, None]
    assert emulator.requests[0].status == 429  # the control: it was throttled
