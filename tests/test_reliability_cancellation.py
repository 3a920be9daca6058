"""Cancelling a task mid-request or mid-iteration leaks no connection and breaks nothing.

The witness is the aiohttp connector under the aiobotocore client: aiobotocore keeps one
``aiohttp.ClientSession`` per proxy in ``client._endpoint.http_session._sessions``, and each
session's ``TCPConnector`` holds the connections lent out (``_acquired``) and the idle ones
kept for reuse (``_conns``). A leaked connection stays in ``_acquired`` for good.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
import pytest
from aiobotocore.config import AioConfig

from cleanroomsml_async import CleanRoomsMLClient, RetryPolicy
from cleanroomsml_async.models import AudienceExportJobSummary
from cleanroomsml_async.pagination import AsyncPager
from cleanroomsml_async.testing import Fault, LocalCleanRoomsML

LIST = "ListAudienceExportJobs"


def connectors(client: CleanRoomsMLClient) -> list[aiohttp.TCPConnector]:
    """The aiohttp connectors of the client's aiobotocore client (one per proxy in use)."""
    raw: Any = client._core.client
    sessions: dict[str | None, aiohttp.ClientSession] = raw._endpoint.http_session._sessions
    found = [session.connector for session in sessions.values()]
    return [connector for connector in found if isinstance(connector, aiohttp.TCPConnector)]


def lent_out(client: CleanRoomsMLClient) -> int:
    """Connections currently acquired from the pool (in use, or leaked)."""
    return sum(len(connector._acquired) for connector in connectors(client))


async def until(condition: Any, what: str) -> None:
    """Let the loop run until ``condition()`` holds (a bounded wait, not a timed assertion)."""
    for _ in range(1000):  # 10 s at most
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


def producers() -> list[asyncio.Task[Any]]:
    """The pager's prefetch producer tasks still running (the emulator's own handler tasks,
    which run in the same loop, do not count)."""
    return [
        task
        for task in asyncio.all_tasks()
        if "_prefetched_pages" in getattr(task.get_coro(), "__qualname__", "")
    ]


def stalled(fault: Fault, hits: int) -> Any:
    return lambda: fault.hits >= hits


async def test_the_witness_sees_a_connection_in_use(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    """The control for every test below: a request in flight holds a connection."""
    await client.list_audience_export_jobs()  # opens the pool
    assert connectors(client)
    assert lent_out(client) == 0
    slow = emulator.faults.slow_response(5.0)
    task = asyncio.create_task(client.list_audience_export_jobs().to_list())
    await until(stalled(slow, 1), "the request reached the emulator")
    assert lent_out(client) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_cancelling_a_call_mid_request_leaks_no_connection(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    await client.get_audience_model(audience_model_arn=arn)
    slow = emulator.faults.slow_response(5.0, count=3)
    tasks = [
        asyncio.create_task(client.get_audience_model(audience_model_arn=arn)) for _ in range(3)
    ]
    await until(stalled(slow, 3), "three requests in flight")
    assert lent_out(client) == 3
    for task in tasks:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(result, asyncio.CancelledError) for result in results)
    assert lent_out(client) == 0
    # And the client works on.
    assert (await client.get_audience_model(audience_model_arn=arn)).audience_model_arn == arn


async def test_cancelling_during_a_retry_sleep_leaks_nothing_and_sends_nothing_more(
    emulator: LocalCleanRoomsML,
) -> None:
    emulator.faults.throttle(1)
    async with emulator.client(retry=RetryPolicy(initial_delay=30, max_delay=30)) as client:
        task = asyncio.create_task(client.list_audience_export_jobs().to_list())
        await until(lambda: len(emulator.requests) == 1, "the first attempt was answered")
        await asyncio.sleep(0.05)  # into the (up to 30 s) sleep, if it did not end already
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert lent_out(client) == 0
        sent = len(emulator.requests)
        assert (await client.list_audience_export_jobs()).audience_export_jobs == []
        assert len(emulator.requests) == sent + 1


async def consume_until_stalled(
    pager: AsyncPager[AudienceExportJobSummary, Any],
    emulator: LocalCleanRoomsML,
    seen: list[str],
    *,
    stall_after: int,
) -> tuple[Fault, int]:
    """Iterate in a task; after ``stall_after`` items every later page request hangs, so the
    consumer takes what was already fetched and then waits on a hanging request. Returns the
    stall and how many prefetch producers ran just before the consumer was cancelled."""
    stall: list[Fault] = []

    async def consume() -> None:
        async for job in pager:
            seen.append(job.name)
            if len(seen) == stall_after:
                stall.append(emulator.faults.slow_response(5.0, count=100))

    task = asyncio.create_task(consume())
    await until(lambda: bool(stall) and stall[0].hits >= 1, "a page request is hanging")
    running = len(producers())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stall[0].cancel()
    return stall[0], running


async def test_cancelling_an_iteration_mid_request_leaks_nothing_and_the_pager_starts_over(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    names = [job["name"] for job in emulator.add_audience_export_jobs(50)]
    pager = client.list_audience_export_jobs(max_results=10)
    seen: list[str] = []
    stall, running = await consume_until_stalled(pager, emulator, seen, stall_after=15)
    assert running == 0
    assert seen == names[:20]  # pages 1 and 2
    assert stall.hits == 1  # the request for page 3 hung, and nothing after it was sent
    assert lent_out(client) == 0
    assert [job.name for job in await pager.to_list()] == names


@pytest.mark.parametrize("ahead", [1, 3])
async def test_cancelling_a_prefetching_iteration_leaks_nothing_and_stops_the_producer(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient, ahead: int
) -> None:
    names = [job["name"] for job in emulator.add_audience_export_jobs(100)]
    pager = client.list_audience_export_jobs(max_results=10).prefetch(ahead)
    seen: list[str] = []
    stall, running = await consume_until_stalled(pager, emulator, seen, stall_after=5)
    assert running == 1  # the control: the witness does see a producer
    assert not producers()  # gone as soon as the consumer's cancellation was handled
    # Whole pages, in order: the first, and any the producer had fetched before the stall.
    assert seen == names[: len(seen)]
    assert len(seen) % 10 == 0
    assert 10 <= len(seen) <= 10 * (1 + ahead)
    assert stall.hits == 1  # one hanging prefetch, then the producer was stopped
    # No producer task is left behind, and no connection is held.
    await until(lambda: not producers(), "the producer task ended")
    assert lent_out(client) == 0
    assert [job.name async for job in pager] == names


async def test_breaking_out_of_a_prefetching_iteration_leaks_nothing(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    names = [job["name"] for job in emulator.add_audience_export_jobs(100)]
    pager = client.list_audience_export_jobs(max_results=10).prefetch(2)
    emulator.faults.latency(0.05)  # pages in flight when the consumer leaves
    seen: list[str] = []
    async with contextlib.aclosing(pager.pages()) as pages:
        async for page in pages:
            seen += [job.name for job in page.audience_export_jobs]
            if len(seen) == 20:
                break  # with up to two more pages requested ahead
    emulator.faults.clear()
    assert seen == names[:20]
    assert lent_out(client) == 0
    assert len(await pager.to_list()) == 100


async def test_an_adaptive_client_gives_back_the_slots_of_cancelled_calls(
    emulator: LocalCleanRoomsML,
) -> None:
    """Slow start lets 10 requests be in flight at first; cancelling 10 in flight and 5 queued
    behind them must free every slot, or the next calls would wait forever."""
    arn = emulator.add_audience_model()["audienceModelArn"]
    wide_pool = AioConfig(max_pool_connections=50)  # so only the limiter holds requests back
    async with emulator.client(retry=RetryPolicy(adaptive=True), config=wide_pool) as client:
        slow = emulator.faults.slow_response(5.0, count=15)
        tasks = [
            asyncio.create_task(client.get_audience_model(audience_model_arn=arn))
            for _ in range(15)
        ]
        await until(stalled(slow, 10), "ten requests in flight")
        await asyncio.sleep(0.05)
        assert slow.hits == 10  # the other five wait for a slot, unsent
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        slow.cancel()
        assert lent_out(client) == 0
        async with asyncio.timeout(5):
            results = await asyncio.gather(
                *(client.get_audience_model(audience_model_arn=arn) for _ in range(12))
            )
        assert len(results) == 12
