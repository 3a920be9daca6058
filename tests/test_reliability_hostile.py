"""Hostile answers, closing mid-call, two event loops and page tokens the next request can't carry.

Answers the emulator will not give (a Latin-1 HTML 503, a 10,241-character page token) come
from a tiny aiohttp server of this file's own, over real HTTP with real SigV4 signing, like
everything else.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field

import pytest
import pytest_asyncio
from aiohttp import web

from cleanroomsml_async import (
    CleanRoomsMLClient,
    PaginationError,
    ResponseError,
    RetryPolicy,
    ServiceError,
)
from cleanroomsml_async.testing import LocalCleanRoomsML

NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)
MODEL_ARN = "arn:aws:cleanrooms-ml:us-east-1:123456789012:audience-model/hostile"


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ScriptedServer:
    """Answers every request with ``answer(request_number)``; counts what it received."""

    answer: Callable[[int], Answer] = lambda _: Answer(200, b"{}")
    received: list[web.Request] = field(default_factory=list)
    endpoint_url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(request)
        answer = self.answer(len(self.received))
        headers = {"x-amzn-RequestId": f"req-{len(self.received)}", **answer.headers}
        return web.Response(status=answer.status, body=answer.body, headers=headers)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    scripted = ScriptedServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", scripted.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    scripted.endpoint_url = f"http://127.0.0.1:{port}"
    try:
        yield scripted
    finally:
        await runner.cleanup()


def client_for(server: ScriptedServer, retry: RetryPolicy = NO_SLEEP) -> CleanRoomsMLClient:
    return CleanRoomsMLClient(
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        retry=retry,
    )


# -- #13.1 timestamps at the calendar's edge ------------------------------------------------


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
async def test_a_timestamp_past_the_calendar_in_utc_is_a_response_error(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, stamp: str
) -> None:
    arn = emulator.add_audience_model(create_time=stamp)["audienceModelArn"]
    with pytest.raises(ResponseError, match="createTime") as caught:
        await client.get_audience_model(audience_model_arn=arn)
    assert caught.value.operation_name == "GetAudienceModel"
    assert caught.value.request_id == emulator.requests[-1].request_id
    assert len(emulator.requests) == 1  # not retried


# -- #13.2 error bodies botocore's parser cannot read ----------------------------------------

LATIN1_HTML = "<!DOCTYPE html><p>Service indisponible, réessayez plus tard</p>".encode("latin-1")
GZIP_BODY = gzip.compress(b'{"message": "compressed"}')
DEEP_BODY = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    "body",
    [LATIN1_HTML, GZIP_BODY, DEEP_BODY, b"[1, 2, 3]"],
    ids=["latin-1-html", "gzip", "100000-deep", "json-array"],
)
async def test_an_unreadable_5xx_is_a_service_error_and_is_retried(
    server: ScriptedServer, body: bytes
) -> None:
    server.answer = lambda _: Answer(503, body, {"Content-Type": "text/html"})
    async with client_for(server) as client:
        with pytest.raises(ServiceError) as caught:
            await client.get_audience_model(audience_model_arn=MODEL_ARN)
    error = caught.value
    assert type(error) is ServiceError
    assert error.code == "503"  # no x-amzn-ErrorType header: named after the status
    assert error.status_code == 503
    assert error.request_id == "req-5"
    assert len(server.received) == NO_SLEEP.max_attempts


async def test_an_unreadable_5xx_takes_its_code_from_the_error_type_header(
    server: ScriptedServer,
) -> None:
    server.answer = lambda n: (
        Answer(500, GZIP_BODY, {"x-amzn-ErrorType": "InternalServerException:http://x/"})
        if n == 1
        else Answer(200, json.dumps({"audienceExportJobs": []}).encode())
    )
    async with client_for(server) as client:
        page = await client.list_audience_export_jobs()
    assert page.audience_export_jobs == []
    assert page.response_metadata is not None
    assert page.response_metadata.attempts == 2

    server.received.clear()
    server.answer = lambda _: Answer(500, LATIN1_HTML, {"x-amzn-ErrorType": "InternalServer"})
    async with client_for(server, RetryPolicy(max_attempts=1)) as client:
        with pytest.raises(ServiceError) as caught:
            await client.list_audience_export_jobs()
    assert caught.value.code == "InternalServer"


@pytest.mark.parametrize(
    "body", [LATIN1_HTML, GZIP_BODY, DEEP_BODY], ids=["latin-1", "gzip", "deep"]
)
async def test_an_unreadable_4xx_is_a_response_error_and_is_not_retried(
    server: ScriptedServer, body: bytes
) -> None:
    server.answer = lambda _: Answer(400, body)
    async with client_for(server) as client:
        with pytest.raises(ResponseError) as caught:
            await client.get_audience_model(audience_model_arn=MODEL_ARN)
    assert caught.value.operation_name == "GetAudienceModel"
    assert caught.value.request_id == "req-1"
    assert len(server.received) == 1


async def test_a_readable_error_body_is_parsed_as_before(server: ScriptedServer) -> None:
    body = json.dumps({"message": "no such model"}).encode()
    headers = {"x-amzn-ErrorType": "ResourceNotFoundException"}
    server.answer = lambda _: Answer(404, body, headers)
    async with client_for(server) as client:
        with pytest.raises(ServiceError) as caught:
            await client.get_audience_model(audience_model_arn=MODEL_ARN)
    assert caught.value.code == "ResourceNotFoundException"
    assert caught.value.message == "no such model"


# -- #13.6 page tokens the next request could not carry --------------------------------------


@pytest.mark.parametrize("length", [10_241, 1_000_000])
async def test_a_page_token_the_request_would_refuse_ends_the_listing_unsent(
    server: ScriptedServer, length: int
) -> None:
    page = {
        "audienceExportJobs": [],
        "nextToken": "t" * length,
    }
    server.answer = lambda _: Answer(200, json.dumps(page).encode())
    async with client_for(server) as client:
        pages: list[object] = []

        async def collect() -> None:
            async for listed in client.list_audience_export_jobs().pages():
                pages.append(listed)

        with pytest.raises(PaginationError, match="page token") as caught:
            await collect()
        assert len(pages) == 1  # the page itself was yielded
        assert caught.value.operation_name == "ListAudienceExportJobs"
        assert len(server.received) == 1  # and nothing sent for the token

        server.received.clear()
        with pytest.raises(PaginationError):
            await client.list_audience_export_jobs().prefetch(2).to_list()
        assert len(server.received) == 1


# -- #13.3 closing the client while calls are in flight --------------------------------------


async def test_calls_in_flight_when_the_client_closes_end_at_once_unretried(
    emulator: LocalCleanRoomsML, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cleanroomsml_async")
    arn = emulator.add_audience_model()["audienceModelArn"]
    client = emulator.client(retry=NO_SLEEP)
    await client.get_audience_model(audience_model_arn=arn)  # open, warm the pool
    emulator.clear_requests()
    emulator.faults.latency(120)
    calls = [
        asyncio.create_task(client.get_audience_model(audience_model_arn=arn)) for _ in range(3)
    ]
    await asyncio.sleep(0.2)  # the requests are on the wire, the server is holding them
    await client.close()
    # A hang guard only: the calls end as close() returns, far sooner than the latency.
    done, pending = await asyncio.wait(calls, timeout=60)
    assert not pending
    for call in done:
        error = call.exception()
        assert isinstance(error, RuntimeError)
        assert "closed while the call was in flight" in str(error)
    assert not [record for record in caplog.records if "Retrying" in record.getMessage()]
    emulator.faults.clear()


async def test_a_call_sleeping_before_a_retry_ends_at_once_when_the_client_closes(
    emulator: LocalCleanRoomsML, caplog: pytest.LogCaptureFixture
) -> None:
    sleeping = asyncio.Event()

    class RetryWitness(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("Retrying"):
                sleeping.set()

    witness = RetryWitness()
    logging.getLogger("cleanroomsml_async").addHandler(witness)
    caplog.set_level(logging.INFO, logger="cleanroomsml_async")
    arn = emulator.add_audience_model()["audienceModelArn"]
    client = emulator.client(retry=RetryPolicy(initial_delay=1000, max_delay=1000))
    emulator.faults.throttle(1)
    call = asyncio.create_task(client.get_audience_model(audience_model_arn=arn))
    try:
        await sleeping.wait()  # the call now sleeps before its retry, up to 1000 s
    finally:
        logging.getLogger("cleanroomsml_async").removeHandler(witness)
    await client.close()
    with pytest.raises(RuntimeError, match="closed while the call was in flight"):
        await asyncio.wait_for(call, timeout=60)  # a hang guard only
    assert len(emulator.requests) == 1


async def test_a_task_cancelled_by_its_owner_too_stays_cancelled(
    emulator: LocalCleanRoomsML,
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    client = emulator.client(retry=NO_SLEEP)
    await client.get_audience_model(audience_model_arn=arn)
    emulator.faults.latency(120)
    call = asyncio.create_task(client.get_audience_model(audience_model_arn=arn))
    await asyncio.sleep(0.2)
    call.cancel()  # the caller's own cancellation, in the same moment as close()
    await client.close()
    with pytest.raises(asyncio.CancelledError):
        await call
    emulator.faults.clear()


# -- #13.4 one client, two event loops --------------------------------------------------------


@pytest.fixture
def other_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A second event loop, running in its own thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=30)
    loop.close()


async def in_loop(loop: asyncio.AbstractEventLoop, coroutine: object) -> object:
    """Run ``coroutine`` in ``loop`` while this loop (and the emulator on it) keeps running."""
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, loop))  # type: ignore[arg-type]


async def test_a_client_opened_in_one_loop_refuses_another_at_once(
    emulator: LocalCleanRoomsML, other_loop: asyncio.AbstractEventLoop
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    client = emulator.client(retry=NO_SLEEP)
    model = await in_loop(other_loop, client.get_audience_model(audience_model_arn=arn))
    assert getattr(model, "audience_model_arn", None) == arn
    with pytest.raises(RuntimeError, match="event loop"):
        await client.get_audience_model(audience_model_arn=arn)
    with pytest.raises(RuntimeError, match="event loop"):
        await client.close()
    assert len(emulator.requests) == 1  # nothing sent, nothing retried from this loop
    await in_loop(other_loop, client.close())


async def test_an_unopened_client_first_used_from_two_loops_at_once_never_hangs(
    emulator: LocalCleanRoomsML, other_loop: asyncio.AbstractEventLoop
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    for _ in range(5):
        client = emulator.client(retry=NO_SLEEP)
        there = in_loop(other_loop, client.get_audience_model(audience_model_arn=arn))
        here = client.get_audience_model(audience_model_arn=arn)
        # A hang guard only: before the fix, one of the two waited for good.
        results = await asyncio.wait_for(
            asyncio.gather(there, here, return_exceptions=True), timeout=60
        )
        refused = [r for r in results if isinstance(r, RuntimeError)]
        answered = [r for r in results if not isinstance(r, BaseException)]
        assert len(refused) == 1, results
        assert "event loop" in str(refused[0])
        assert len(answered) == 1
        owner_is_other = results[1] is refused[0]
        if owner_is_other:
            await in_loop(other_loop, client.close())
        else:
            await client.close()
