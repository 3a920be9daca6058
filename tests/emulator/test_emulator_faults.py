"""Each fault mode, seen from a real client."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from cleanroomsml_async.testing import FaultKind, LocalCleanRoomsML

MakeClient = Callable[..., Any]
Signer = Callable[..., dict[str, str]]

LIST = "ListAudienceExportJobs"


def code_of(error: ClientError) -> tuple[str, int]:
    response: dict[str, Any] = error.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


async def outcome(call: Any) -> str:
    """'ok' or the error code a call ended with."""
    try:
        await call
    except ClientError as error:
        return code_of(error)[0]
    return "ok"


async def test_throttle_next_n_requests(emulator: LocalCleanRoomsML, raw_client: Any) -> None:
    fault = emulator.faults.throttle(2)

    results = [await outcome(raw_client.list_audience_export_jobs()) for _ in range(3)]

    assert results == ["ThrottlingException", "ThrottlingException", "ok"]
    assert [record.status for record in emulator.requests] == [429, 429, 200]
    assert fault.hits == 2
    assert not fault.active


async def test_fault_limited_to_one_operation(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    emulator.faults.throttle(1, operation="ListAudienceGenerationJobs")

    export_jobs = await outcome(raw_client.list_audience_export_jobs())
    generation_jobs = await outcome(raw_client.list_audience_generation_jobs())
    again = await outcome(raw_client.list_audience_generation_jobs())

    assert (export_jobs, generation_jobs, again) == ("ok", "ThrottlingException", "ok")


async def test_throttle_fraction_is_seeded(make_client: MakeClient) -> None:
    patterns = []
    for _ in range(2):
        async with LocalCleanRoomsML() as emu:
            emu.faults.throttle_fraction(0.5, seed=7)
            raw_client = await make_client(endpoint_url=emu.endpoint_url)
            patterns.append(
                [await outcome(raw_client.list_audience_export_jobs()) for _ in range(30)]
            )

    assert patterns[0] == patterns[1]
    assert 5 < patterns[0].count("ThrottlingException") < 25


@pytest.mark.parametrize(
    ("status", "code"),
    [(500, "InternalServerException"), (503, "ServiceUnavailableException")],
)
async def test_server_errors(
    emulator: LocalCleanRoomsML, raw_client: Any, status: int, code: str
) -> None:
    emulator.faults.server_error(1, status=status)

    with pytest.raises(ClientError) as info:
        await raw_client.list_audience_export_jobs()
    await raw_client.list_audience_export_jobs()

    assert code_of(info.value) == (code, status)
    assert emulator.requests[0].faults == (FaultKind.SERVER_ERROR,)


async def test_any_error_code(emulator: LocalCleanRoomsML, raw_client: Any) -> None:
    model = emulator.add_audience_model()
    emulator.faults.error("AccessDeniedException", message="nope", operation="GetAudienceModel")

    with pytest.raises(ClientError) as info:
        await raw_client.get_audience_model(audienceModelArn=model["audienceModelArn"])

    assert code_of(info.value) == ("AccessDeniedException", 403)
    assert info.value.response["Error"]["Message"] == "nope"


async def test_latency_slows_every_request(emulator: LocalCleanRoomsML, raw_client: Any) -> None:
    emulator.faults.latency(0.15)

    started = time.monotonic()
    await raw_client.list_audience_export_jobs()
    await raw_client.list_audience_export_jobs()
    elapsed = time.monotonic() - started

    assert elapsed >= 0.3
    assert all(record.duration >= 0.15 for record in emulator.requests)
    assert all(record.faults == (FaultKind.LATENCY,) for record in emulator.requests)


async def test_rate_limit_throttles_beyond_the_bucket(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    # A slow refill (2/s), so even a burst slowed down by a loaded machine refills at most 2.
    emulator.faults.rate_limit(2, burst=5)

    burst = await asyncio.gather(
        *(outcome(raw_client.list_audience_export_jobs()) for _ in range(20))
    )
    await asyncio.sleep(1.1)  # refills 2.2 tokens at 2/s
    after_pause = [await outcome(raw_client.list_audience_export_jobs()) for _ in range(3)]

    # The burst's own duration refills a little, hence the range.
    assert 5 <= burst.count("ok") <= 7
    assert burst.count("ThrottlingException") == 20 - burst.count("ok")
    assert after_pause[:2] == ["ok", "ok"]


async def test_drop_connection_mid_body(
    emulator: LocalCleanRoomsML, raw_client: Any, sign: Signer
) -> None:
    emulator.add_audience_export_jobs(20)
    emulator.faults.drop_connection(2)
    url = f"{emulator.endpoint_url}/audience-export-job"

    with pytest.raises(ConnectionClosedError):
        await raw_client.list_audience_export_jobs()
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers=sign("GET", url)) as response,
    ):
        assert response.status == 200
        promised = response.content_length
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.read()
    healthy = await raw_client.list_audience_export_jobs()

    assert promised is not None
    assert promised > 1000
    assert len(healthy["audienceExportJobs"]) == 20
    assert [record.faults for record in emulator.requests] == [
        (FaultKind.DROP_CONNECTION,),
        (FaultKind.DROP_CONNECTION,),
        (),
    ]
    assert emulator.requests[0].status == 200


async def test_slow_response_trips_a_read_timeout(
    emulator: LocalCleanRoomsML, make_client: MakeClient
) -> None:
    impatient = await make_client(read_timeout=0.2)
    emulator.faults.slow_response(0.6, 1)

    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        await impatient.list_audience_export_jobs()
    timed_out_after = time.monotonic() - started
    await impatient.list_audience_export_jobs()

    assert 0.2 <= timed_out_after < 0.6


async def test_malformed_body(emulator: LocalCleanRoomsML, raw_client: Any, sign: Signer) -> None:
    emulator.add_audience_export_jobs(3)
    emulator.faults.malformed_body(2)
    url = f"{emulator.endpoint_url}/audience-export-job"

    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers=sign("GET", url)) as response,
    ):
        status, text = response.status, await response.text()
    # botocore does not fail on a 200 it cannot parse: the members are simply missing.
    parsed = await raw_client.list_audience_export_jobs()

    assert status == 200
    assert text.startswith('{"audienceExportJobs":[')
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    assert "audienceExportJobs" not in parsed
    assert [record.status for record in emulator.requests] == [200, 200]


async def test_empty_page_keeps_its_place(emulator: LocalCleanRoomsML, raw_client: Any) -> None:
    emulator.add_audience_export_jobs(5)
    first = await raw_client.list_audience_export_jobs(maxResults=2)
    emulator.faults.empty_page(1)

    empty = await raw_client.list_audience_export_jobs(maxResults=2, nextToken=first["nextToken"])
    resumed = await raw_client.list_audience_export_jobs(
        maxResults=2, nextToken=empty["nextToken"]
    )

    assert empty["audienceExportJobs"] == []
    assert [job["name"] for job in resumed["audienceExportJobs"]] == [
        "export-job-3",
        "export-job-4",
    ]


async def test_token_cycle(emulator: LocalCleanRoomsML, raw_client: Any) -> None:
    emulator.add_audience_export_jobs(6)
    emulator.faults.token_cycle(2)

    first = await raw_client.list_audience_export_jobs(maxResults=2)
    back_to_first = await raw_client.list_audience_export_jobs(
        maxResults=2, nextToken=first["nextToken"]
    )
    healed = await raw_client.list_audience_export_jobs(
        maxResults=2, nextToken=back_to_first["nextToken"]
    )
    second = await raw_client.list_audience_export_jobs(
        maxResults=2, nextToken=healed["nextToken"]
    )

    # Page one's token leads to page one again; a later page returns the token it was sent.
    assert first["audienceExportJobs"] == back_to_first["audienceExportJobs"]
    assert back_to_first["nextToken"] == first["nextToken"]
    # Used up after two requests: the walk carries on normally.
    assert healed["nextToken"] != first["nextToken"]
    assert [job["name"] for job in second["audienceExportJobs"]] == [
        "export-job-3",
        "export-job-4",
    ]


async def test_page_faults_skip_operations_that_do_not_page(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    model = emulator.add_audience_model()
    emulator.faults.empty_page(1)

    await raw_client.get_audience_model(audienceModelArn=model["audienceModelArn"])
    page = await raw_client.list_audience_export_jobs()

    assert emulator.requests[0].faults == ()
    assert page["audienceExportJobs"] == []
    assert "nextToken" in page
    with pytest.raises(ValueError, match="not a list operation"):
        emulator.faults.token_cycle(operation="GetAudienceModel")
    with pytest.raises(ValueError, match="unknown operation"):
        emulator.faults.throttle(operation="ListAudienceExportJob")


async def test_clear_and_cancel(emulator: LocalCleanRoomsML, raw_client: Any) -> None:
    cancelled = emulator.faults.throttle(5)
    cancelled.cancel()
    kept = emulator.faults.server_error(5)
    latency = emulator.faults.latency(0.3)
    assert emulator.faults.active == (kept, latency)

    first = await outcome(raw_client.list_audience_export_jobs())
    emulator.faults.clear()
    started = time.monotonic()
    second = await outcome(raw_client.list_audience_export_jobs())

    assert not cancelled.active
    assert cancelled.hits == 0
    assert (first, second) == ("InternalServerException", "ok")
    assert time.monotonic() - started < 0.25
    assert (kept.hits, kept.remaining) == (1, 4)
    assert not emulator.faults.active
    assert not latency.active


async def test_token_cycle_mid_walk_returns_the_token_sent(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    emulator.add_audience_export_jobs(6)
    first = await raw_client.list_audience_export_jobs(maxResults=2)
    emulator.faults.token_cycle(1, operation=LIST)

    second = await raw_client.list_audience_export_jobs(maxResults=2, nextToken=first["nextToken"])
    again = await raw_client.list_audience_export_jobs(maxResults=2, nextToken=second["nextToken"])

    assert second["nextToken"] == first["nextToken"]
    assert again["audienceExportJobs"] == second["audienceExportJobs"]
    assert [job["name"] for job in again["audienceExportJobs"]] == ["export-job-3", "export-job-4"]
