"""Many concurrent paginations under throttling deliver every item exactly once, and the
adaptive send rate keeps a rate-limited service from being hammered.

Each pagination walks its own audience generation job's export jobs, so what it delivered can
be checked, name by name and in order, against what the emulator holds.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from aiobotocore.config import AioConfig

from cleanroomsml_async import CleanRoomsMLClient, RetryPolicy
from cleanroomsml_async.retry import AdaptiveRateLimiter
from cleanroomsml_async.testing import LocalCleanRoomsML

LIST = "ListAudienceExportJobs"
GENEROUS = RetryPolicy(max_attempts=12, initial_delay=0, max_delay=0)


def seed(emulator: LocalCleanRoomsML, paginations: int, items: int) -> dict[str, list[str]]:
    """One generation job per pagination, each with ``items`` export jobs: arn -> names."""
    expected: dict[str, list[str]] = {}
    for _ in range(paginations):
        arn = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
        jobs = emulator.add_audience_export_jobs(items, audience_generation_job_arn=arn)
        expected[arn] = [job["name"] for job in jobs]
    return expected


async def paginate_all(
    client: CleanRoomsMLClient, expected: dict[str, list[str]], *, page_size: int, ahead: int
) -> dict[str, list[str]]:
    async def one(arn: str) -> list[str]:
        pager = client.list_audience_export_jobs(
            audience_generation_job_arn=arn, max_results=page_size
        )
        if ahead:
            pager = pager.prefetch(ahead)
        return [job.name async for job in pager]

    delivered = await asyncio.gather(*(one(arn) for arn in expected))
    return dict(zip(expected, delivered, strict=True))


@pytest.mark.parametrize("ahead", [0, 2])
async def test_fifty_paginations_with_thirty_percent_throttled_deliver_each_item_once(
    emulator: LocalCleanRoomsML, ahead: int
) -> None:
    expected = seed(emulator, paginations=50, items=100)
    throttled = emulator.faults.throttle_fraction(0.3, seed=1)
    wide_pool = AioConfig(max_pool_connections=50)
    async with emulator.client(retry=GENEROUS, config=wide_pool) as client:
        delivered = await paginate_all(client, expected, page_size=10, ahead=ahead)

    assert delivered == expected  # every item, once, in order, in the right pagination
    records = emulator.requests_for(LIST)
    assert throttled.hits > 100  # the control: about 30% of some 700 requests
    assert sum(record.status == 429 for record in records) == throttled.hits
    # Every page was served exactly once: 50 paginations of 10 pages, plus the throttled.
    assert sum(record.status == 200 for record in records) == 50 * 10
    assert len(records) == 500 + throttled.hits


async def test_the_adaptive_rate_sends_fewer_throttled_requests_and_loses_nothing(
    emulator: LocalCleanRoomsML,
) -> None:
    """The same storm against the same token bucket, without and with the adaptive rate."""
    expected = seed(emulator, paginations=20, items=10)
    wide_pool = AioConfig(max_pool_connections=50)
    throttled: dict[bool, int] = {}
    for adaptive in (False, True):
        emulator.faults.clear()
        emulator.clear_requests()
        emulator.faults.rate_limit(50, burst=5)
        policy = RetryPolicy(max_attempts=12, initial_delay=0, max_delay=0, adaptive=adaptive)
        async with emulator.client(retry=policy, config=wide_pool) as client:
            (outcome,) = await asyncio.gather(
                paginate_all(client, expected, page_size=10, ahead=0), return_exceptions=True
            )
            limiter = client._retrier.limiter
        throttled[adaptive] = sum(record.status == 429 for record in emulator.requests)
        if adaptive:
            assert outcome == expected
            assert limiter is not None
            assert limiter.enabled  # the control: it did meet throttling
    # Unpaced retries hammer the bucket until the retry quota runs dry; paced ones do not.
    assert throttled[True] * 4 < throttled[False]


# -- the limiter's mechanics, one at a time -------------------------------------------------


WINDOW = int(AdaptiveRateLimiter._INITIAL_WINDOW)


async def test_slow_start_holds_the_request_past_the_window_until_one_comes_back() -> None:
    limiter = AdaptiveRateLimiter()
    sent = [await limiter.acquire() for _ in range(WINDOW)]
    held = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0.01)
    assert not held.done()
    limiter.release()
    await limiter.record(sent[0], throttled=False)  # one back, and the window widened
    await asyncio.wait_for(held, 1)
    assert not limiter.enabled


async def test_the_first_throttle_starts_pacing_and_frees_the_requests_held_by_the_window() -> (
    None
):
    limiter = AdaptiveRateLimiter()
    sent = [await limiter.acquire() for _ in range(WINDOW)]
    held = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0.01)
    assert not held.done()
    limiter.release()
    await limiter.record(sent[0], throttled=True)
    assert limiter.enabled
    assert limiter.rate is not None
    # Now held by the send rate instead (a fraction of a second at this rate), not the window.
    await asyncio.wait_for(held, 5)


async def test_the_send_rate_is_handed_out_in_arrival_order() -> None:
    limiter = AdaptiveRateLimiter()
    sent = [await limiter.acquire() for _ in range(WINDOW)]
    for when in sent:
        limiter.release()
        await limiter.record(when, throttled=True)  # pacing, at the floor's slow rate
    assert limiter.enabled
    served: list[int] = []

    async def request(number: int) -> None:
        await limiter.acquire()
        served.append(number)
        limiter.release()

    first = [asyncio.create_task(request(n)) for n in range(5)]
    await asyncio.sleep(0)
    # Latecomers, some arriving while the first ones are still queued, wait their turn.
    later = [asyncio.create_task(request(n)) for n in range(5, 8)]
    await asyncio.wait_for(asyncio.gather(*first, *later), 30)
    assert served == list(range(8))


async def test_a_queued_request_that_is_cancelled_leaves_the_queue() -> None:
    limiter = AdaptiveRateLimiter()
    sent = [await limiter.acquire() for _ in range(WINDOW)]
    waiting = [asyncio.create_task(limiter.acquire()) for _ in range(3)]
    await asyncio.sleep(0.01)
    waiting[1].cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting[1]
    for _ in sent[:2]:
        limiter.release()  # two slots: the first and the third waiter, the second is gone
    await asyncio.wait_for(asyncio.gather(waiting[0], waiting[2]), 1)


async def test_a_rate_is_cut_once_per_round_trip_not_once_per_throttle() -> None:
    limiter = AdaptiveRateLimiter()

    def last_cut() -> float:
        return float(limiter._cubic.get_params_snapshot().last_fail)

    early = [await limiter.acquire() for _ in range(WINDOW)]
    for _ in early:
        limiter.release()
    await limiter.record(early[0], throttled=True)
    first_cut = last_cut()
    for sent in early[1:]:  # sent before the cut: botocore would cut three more times
        await limiter.record(sent, throttled=True)
    assert last_cut() == first_cut
    # Sent after the cut, but answered after a longer round trip than the time between the
    # cut and its sending: it met a service still drained by the old rate. No cut.
    await limiter.record(first_cut + 1e-6, throttled=True)
    assert last_cut() == first_cut
    # Sent well after the cut (at the lowered rate) and throttled at once: a new cut.
    await asyncio.sleep(0.05)
    await limiter.record(time.monotonic(), throttled=True)
    assert last_cut() > first_cut


async def test_a_waiter_woken_then_cancelled_hands_its_slot_on() -> None:
    limiter = AdaptiveRateLimiter()
    sent = [await limiter.acquire() for _ in range(WINDOW)]
    first = asyncio.create_task(limiter.acquire())
    second = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0.01)
    limiter.release()  # one slot: wakes the first waiter...
    first.cancel()  # ...which is cancelled before it could take the slot
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 1)  # so the slot went to the second
    assert len(sent) == WINDOW
