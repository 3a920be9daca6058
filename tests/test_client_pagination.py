"""AsyncPager against the emulator's opaque tokens: laziness, resuming, cycles, prefetch.

Request counts come from the emulator's log, so "lazy" means "the service saw no request".
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession

from cleanroomsml_async import (
    AccessDeniedException,
    AsyncPager,
    CleanRoomsMLClient,
    PaginationError,
    RetryPolicy,
)
from cleanroomsml_async.models import (
    AudienceExportJobSummary,
    ListAudienceExportJobsRequest,
    ListAudienceExportJobsResponse,
)
from cleanroomsml_async.retry import CallState
from cleanroomsml_async.testing import LocalCleanRoomsML

NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)

JOBS = 25
PAGE = 10  # so 3 pages: 10, 10, 5
NAMES = [f"export-job-{index}" for index in range(1, JOBS + 1)]


async def wait_for_requests(emulator: LocalCleanRoomsML, count: int) -> None:
    """Wait until the emulator has logged `count` requests (a hang guard, not a timing
    assertion: callers assert on the counts)."""
    async with asyncio.timeout(5):
        while len(emulator.requests) < count:  # noqa: ASYNC110 - the log offers no event
            await asyncio.sleep(0.005)


async def settle() -> None:
    """Give background work (generator finalisers, cancelled producers) time to finish."""
    for _ in range(5):
        await asyncio.sleep(0.02)


def other_tasks() -> set[asyncio.Task[Any]]:
    """Running tasks other than the test's own, the emulator's connection handlers excluded
    (an HTTP keep-alive connection keeps one of those alive on the server side)."""
    current = asyncio.current_task()
    return {
        task
        for task in asyncio.all_tasks()
        if task is not current
        and not getattr(task.get_coro(), "__qualname__", "").startswith("RequestHandler.")
    }


def tokens_sent(emulator: LocalCleanRoomsML) -> list[str | None]:
    return [record.query.get("nextToken") for record in emulator.requests]


@pytest.fixture
def jobs(emulator: LocalCleanRoomsML) -> list[str]:
    emulator.add_audience_export_jobs(JOBS)
    return NAMES


def names(items: list[AudienceExportJobSummary]) -> list[str]:
    return [item.name for item in items]


# -- following tokens -----------------------------------------------------------------------


async def test_async_for_yields_every_item_of_every_page_in_order(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    seen = [job.name async for job in client.list_audience_export_jobs(max_results=PAGE)]
    assert seen == jobs
    assert len(emulator.requests) == 3
    # Each request carries the token of the page before it, and the page size every time.
    sent = tokens_sent(emulator)
    assert sent[0] is None
    assert sent[1] is not None
    assert sent[2] is not None
    assert len(set(sent)) == 3
    assert all(record.query["maxResults"] == str(PAGE) for record in emulator.requests)


async def test_pages_yields_the_typed_pages_and_their_tokens_chain(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    pages = [page async for page in client.list_audience_export_jobs(max_results=PAGE).pages()]
    assert all(isinstance(page, ListAudienceExportJobsResponse) for page in pages)
    assert [len(page.audience_export_jobs) for page in pages] == [10, 10, 5]
    assert pages[-1].next_token is None
    # The token each page returned is exactly what the next request sent.
    assert tokens_sent(emulator) == [None, pages[0].next_token, pages[1].next_token]


async def test_awaiting_the_pager_fetches_the_first_page_only(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    page = await client.list_audience_export_jobs(max_results=PAGE)
    await settle()
    assert names(page.audience_export_jobs) == jobs[:PAGE]
    assert page.next_token
    assert len(emulator.requests) == 1


async def test_a_single_page_listing_sends_one_request(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    assert names(await client.list_audience_export_jobs().to_list()) == jobs  # page size 100
    assert len(emulator.requests) == 1
    assert emulator.requests[0].query == {}


async def test_an_empty_listing_is_one_request_and_no_items(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    assert await client.list_audience_export_jobs().to_list() == []
    assert [job async for job in client.list_audience_generation_jobs()] == []
    assert len(emulator.requests) == 2


async def test_other_list_operations_follow_tokens_too(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    demo = emulator.seed_demo_data(7)
    generation = await client.list_audience_generation_jobs(max_results=3).to_list()
    assert [job.audience_generation_job_arn for job in generation] == list(
        demo.audience_generation_job_arns
    )
    assert len(emulator.requests_for("ListAudienceGenerationJobs")) == 3

    trained = await client.list_collaboration_trained_model_export_jobs(
        collaboration_identifier=demo.collaboration_id,
        trained_model_arn=demo.trained_model_arn,
        max_results=2,
    ).to_list()
    assert len(trained) == 7
    assert len({job.name for job in trained}) == 7
    sent = emulator.requests_for("ListCollaborationTrainedModelExportJobs")
    assert len(sent) == 4
    assert [r.query.get("nextToken") is None for r in sent] == [True, False, False, False]


async def test_an_empty_page_with_a_token_is_followed(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    emulator.faults.empty_page(1, operation="ListAudienceExportJobs")
    pages = [page async for page in client.list_audience_export_jobs(max_results=PAGE).pages()]
    assert [len(page.audience_export_jobs) for page in pages] == [0, 10, 10, 5]
    assert names([job for page in pages for job in page.audience_export_jobs]) == jobs
    assert [record.faults for record in emulator.requests] == [("empty_page",), (), (), ()]


async def test_empty_pages_in_the_middle_of_a_listing_are_followed(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    pages = client.list_audience_export_jobs(max_results=PAGE).pages()
    first = await anext(pages)
    emulator.faults.empty_page(2, operation="ListAudienceExportJobs")
    rest = [page async for page in pages]
    sizes = [len(page.audience_export_jobs) for page in [first, *rest]]
    assert sizes == [10, 0, 0, 10, 5]
    items = [job for page in [first, *rest] for job in page.audience_export_jobs]
    assert names(items) == jobs


@pytest.mark.parametrize("style", ["null", "empty"])
async def test_an_explicit_null_or_empty_token_ends_the_listing(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str], style: str
) -> None:
    emulator.last_page_token = "null" if style == "null" else "empty"
    pages = [page async for page in client.list_audience_export_jobs(max_results=PAGE).pages()]
    assert pages[-1].next_token in (None, "")
    assert names([job for page in pages for job in page.audience_export_jobs]) == jobs
    assert len(emulator.requests) == 3


# -- to_list --------------------------------------------------------------------------------


@pytest.mark.parametrize(("limit", "requests"), [(0, 0), (1, 1), (10, 1), (12, 2), (25, 3)])
async def test_to_list_with_a_limit_stops_at_the_page_that_completes_it(
    client: CleanRoomsMLClient,
    emulator: LocalCleanRoomsML,
    jobs: list[str],
    limit: int,
    requests: int,
) -> None:
    items = await client.list_audience_export_jobs(max_results=PAGE).to_list(limit=limit)
    await settle()
    assert names(items) == jobs[:limit]
    assert len(emulator.requests) == requests


async def test_to_list_with_a_limit_beyond_the_end_returns_everything(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    items = await client.list_audience_export_jobs(max_results=PAGE).to_list(limit=1000)
    assert names(items) == jobs
    assert len(emulator.requests) == 3


async def test_bad_arguments_to_to_list_and_prefetch_are_refused(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    pager = client.list_audience_export_jobs()
    with pytest.raises(ValueError, match="negative"):
        await pager.to_list(limit=-1)
    with pytest.raises(ValueError, match="n >= 1"):
        pager.prefetch(0)
    assert len(emulator.requests) == 0


# -- resuming and starting over -------------------------------------------------------------


async def test_resuming_from_a_pages_next_token(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    first = await client.list_audience_export_jobs(max_results=PAGE)
    assert first.next_token is not None
    rest = await client.list_audience_export_jobs(
        max_results=PAGE, next_token=first.next_token
    ).to_list()
    assert names(first.audience_export_jobs) + names(rest) == jobs
    assert tokens_sent(emulator)[:2] == [None, first.next_token]
    assert len(emulator.requests) == 3

    # The same through a request model, and awaiting it gives exactly the second page.
    emulator.clear_requests()
    second = await client.list_audience_export_jobs(
        ListAudienceExportJobsRequest(max_results=PAGE, next_token=first.next_token)
    )
    assert names(second.audience_export_jobs) == jobs[PAGE : 2 * PAGE]
    assert tokens_sent(emulator) == [first.next_token]


async def test_iterating_a_pager_again_starts_over(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    pager = client.list_audience_export_jobs(max_results=PAGE)
    once = [job.name async for job in pager]
    twice = await pager.to_list()
    thrice = [job.name async for page in pager.pages() for job in page.audience_export_jobs]
    assert once == names(twice) == thrice == jobs
    assert len(emulator.requests) == 9
    sent = tokens_sent(emulator)
    assert sent[0] is None
    assert sent[3] is None
    assert sent[6] is None
    # Every token the emulator issues is distinct (as the service's are), so each iteration
    # follows its own tokens rather than replaying the first one's.
    followed = sent[1:3] + sent[4:6] + sent[7:9]
    assert None not in followed
    assert len(set(followed)) == len(followed)


async def test_a_resumed_pager_starts_over_from_its_own_token(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    first = await client.list_audience_export_jobs(max_results=PAGE)
    pager = client.list_audience_export_jobs(max_results=PAGE, next_token=first.next_token)
    assert names(await pager.to_list()) == jobs[PAGE:]
    assert names(await pager.to_list()) == jobs[PAGE:]
    assert tokens_sent(emulator)[1] == tokens_sent(emulator)[3] == first.next_token
    assert len(emulator.requests) == 5


# -- cycles ---------------------------------------------------------------------------------


async def test_a_repeated_token_raises_pagination_error(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    # Page one points back at page one, which then points at itself: a loop.
    emulator.faults.token_cycle(2)
    with pytest.raises(PaginationError) as caught:
        await client.list_audience_export_jobs(max_results=PAGE).to_list()
    assert caught.value.operation_name == "ListAudienceExportJobs"
    assert "token" in str(caught.value)
    # Stopped at the first repeat: no request after the one that returned it.
    assert len(emulator.requests) == 2


async def test_a_cycle_in_the_middle_raises_after_the_pages_before_it(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    seen: list[str] = []

    async def consume() -> None:
        async for page in client.list_audience_export_jobs(max_results=PAGE).pages():
            if not seen:
                emulator.faults.token_cycle(1)  # page two answers with its own token
            seen.extend(job.name for job in page.audience_export_jobs)

    with pytest.raises(PaginationError):
        await consume()
    assert seen == jobs[: 2 * PAGE]
    assert len(emulator.requests) == 2


async def test_a_pager_resumed_from_a_token_refuses_that_token_coming_back(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    first = await client.list_audience_export_jobs(max_results=PAGE)
    emulator.faults.token_cycle(1)
    with pytest.raises(PaginationError):
        await client.list_audience_export_jobs(
            max_results=PAGE, next_token=first.next_token
        ).to_list()
    assert len(emulator.requests) == 2


@pytest.mark.parametrize("ahead", [1, 3])
async def test_prefetch_raises_pagination_error_too(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str], ahead: int
) -> None:
    emulator.faults.token_cycle(2)
    with pytest.raises(PaginationError):
        async for _ in client.list_audience_export_jobs(max_results=PAGE).prefetch(ahead):
            pass
    await settle()
    assert len(emulator.requests) == 2
    assert other_tasks() == set()


# -- errors in the middle -------------------------------------------------------------------


@pytest.mark.parametrize("ahead", [0, 1, 3])
async def test_an_error_on_a_later_page_comes_after_the_items_before_it(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str], ahead: int
) -> None:
    pager = client.list_audience_export_jobs(max_results=PAGE)
    if ahead:
        pager = pager.prefetch(ahead)
    seen: list[str] = []

    async def consume() -> None:
        async for job in pager:
            if not seen:
                # With prefetch, page two may already be on its way: then page three fails.
                emulator.faults.error("AccessDeniedException", 1)
            seen.append(job.name)

    with pytest.raises(AccessDeniedException):
        await consume()
    # Whether or not page two had been fetched before the fault was set, the items already
    # delivered are a prefix, and the error arrived in order, not before them.
    assert seen == jobs[: len(seen)]
    assert len(seen) in (PAGE, 2 * PAGE)
    assert emulator.requests[-1].error_code == "AccessDeniedException"
    await settle()
    assert other_tasks() == set()


# -- laziness on break ----------------------------------------------------------------------


async def test_breaking_after_the_first_item_sends_nothing_more(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    before = other_tasks()
    async for job in client.list_audience_export_jobs(max_results=PAGE):
        assert job.name == jobs[0]
        break
    assert len(emulator.requests) == 1
    await settle()
    assert len(emulator.requests) == 1
    assert other_tasks() == before


async def test_breaking_out_of_pages_sends_nothing_more(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    async for _ in client.list_audience_export_jobs(max_results=PAGE).pages():
        break
    await settle()
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("ahead", [0, 1, 3])
async def test_breaking_leaks_no_connection(
    emulator: LocalCleanRoomsML, aio_session: AioSession, jobs: list[str], ahead: int
) -> None:
    # A pool of one connection: one that a pager kept would make every later call hang.
    config = AioConfig(max_pool_connections=1)
    async with emulator.client(retry=NO_SLEEP, session=aio_session, config=config) as client:
        for _ in range(3):
            pager = client.list_audience_export_jobs(max_results=1)
            if ahead:
                pager = pager.prefetch(ahead)
            async for _ in pager:
                break
        await settle()
        async with asyncio.timeout(5):  # a hang guard: a leaked connection would block here
            items = await client.list_audience_export_jobs(max_results=PAGE).to_list()
            model = emulator.add_audience_model()["audienceModelArn"]
            await client.get_audience_model(audience_model_arn=model)
        assert names(items) == jobs
        assert other_tasks() == set()


# -- prefetch -------------------------------------------------------------------------------


@pytest.mark.parametrize("ahead", [1, 3])
async def test_prefetch_delivers_the_same_items_in_the_same_order(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str], ahead: int
) -> None:
    pager = client.list_audience_export_jobs(max_results=4)  # 7 pages
    prefetched = pager.prefetch(ahead)
    assert isinstance(prefetched, AsyncPager)
    items = [job.name async for job in prefetched]
    assert items == jobs
    await settle()
    # Nothing fetched past the last page.
    assert len(emulator.requests) == 7
    assert tokens_sent(emulator)[0] is None
    assert len(set(tokens_sent(emulator))) == 7
    # to_list and pages() of a prefetching pager agree, and it starts over each time.
    assert names(await prefetched.to_list()) == jobs
    pages = [page async for page in prefetched.pages()]
    assert [len(page.audience_export_jobs) for page in pages] == [4, 4, 4, 4, 4, 4, 1]
    await settle()
    assert len(emulator.requests) == 21


@pytest.mark.parametrize("ahead", [1, 3])
async def test_prefetch_keeps_at_most_n_pages_ahead_and_stops_after_break(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str], ahead: int
) -> None:
    before = other_tasks()
    async for job in client.list_audience_export_jobs(max_results=4).prefetch(ahead):
        assert job.name == jobs[0]
        # While the consumer holds page one, the producer fetches `ahead` pages and stops.
        await wait_for_requests(emulator, 1 + ahead)
        await settle()
        assert len(emulator.requests) == 1 + ahead
        break
    await settle()
    assert len(emulator.requests) == 1 + ahead
    assert other_tasks() == before
    # The pages fetched ahead were fetched in order, each with the previous page's token.
    assert tokens_sent(emulator)[0] is None
    assert len(set(tokens_sent(emulator))) == 1 + ahead


async def test_prefetch_on_a_short_listing_fetches_only_the_pages_there_are(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    items = await client.list_audience_export_jobs(max_results=PAGE).prefetch(5).to_list()
    await settle()
    assert names(items) == jobs
    assert len(emulator.requests) == 3


async def test_prefetch_to_list_with_a_limit_stops_early(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, jobs: list[str]
) -> None:
    items = await client.list_audience_export_jobs(max_results=4).prefetch(1).to_list(limit=5)
    await settle()
    assert names(items) == jobs[:5]
    # Pages one and two complete the list; the producer may have started page three.
    assert len(emulator.requests) in (2, 3)
    assert other_tasks() == set()


async def test_a_finished_stream_keeps_no_response_alive(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    # The loop keeps each cancelled timeout handle (and the context it copied, which holds
    # the call's state) until it would have fired: the state must not hold the response.
    emulator.add_audience_export_jobs(250)
    streamed = [job async for job in client.list_audience_export_jobs(max_results=100)]
    assert len(streamed) == 250
    gc.collect()
    holding = [
        state
        for state in gc.get_objects()
        if isinstance(state, CallState) and (state.result is not None or state.error is not None)
    ]
    assert holding == []
