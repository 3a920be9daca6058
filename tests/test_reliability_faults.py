"""Each fault the emulator can inject has one clear outcome through the client.

Transient faults (throttling, 5xx bursts, dropped connections, slow responses) are retried
within the policy and raise our own error once it gives up; a damaged 200 body raises a
ResponseError naming the operation and the request id. Everything runs over real HTTP, with
real SigV4 signing, against LocalCleanRoomsML; the emulator's request log (and each fault's hit
count, which is kept when the request arrives) is the witness of what was sent.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pydantic
import pytest
import pytest_asyncio
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession
from botocore import exceptions as botocore_errors

from cleanroomsml_async import (
    CleanRoomsMLClient,
    CleanRoomsMLError,
    RetryPolicy,
    ServiceError,
    ThrottlingException,
)
from cleanroomsml_async.errors import ResponseError, TransportError, TransportTimeoutError
from cleanroomsml_async.testing import FaultKind, LocalCleanRoomsML

NO_SLEEP = RetryPolicy(max_attempts=5, initial_delay=0, max_delay=0)
LIST = "ListAudienceExportJobs"
GET = "GetAudienceModel"


def statuses(emulator: LocalCleanRoomsML, operation: str) -> list[int]:
    return [record.status for record in emulator.requests_for(operation)]


# -- throttling ---------------------------------------------------------------------------


async def test_throttles_within_the_policy_are_retried_to_success(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    emulator.add_audience_export_jobs(3)
    emulator.faults.throttle(4)  # max_attempts=5: the fifth attempt gets through
    page = await client.list_audience_export_jobs()
    assert len(page.audience_export_jobs) == 3
    assert statuses(emulator, LIST) == [429, 429, 429, 429, 200]


async def test_throttles_beyond_the_policy_raise_the_last_throttling_exception(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    emulator.faults.throttle(6)
    with pytest.raises(ThrottlingException) as raised:
        await client.list_audience_export_jobs()
    assert statuses(emulator, LIST) == [429] * 5
    assert raised.value.status_code == 429
    assert raised.value.operation_name == LIST
    assert raised.value.request_id == emulator.requests[-1].request_id
    assert isinstance(raised.value.__cause__, botocore_errors.ClientError)


async def test_a_fraction_of_calls_throttled_all_succeed_within_a_generous_policy(
    emulator: LocalCleanRoomsML,
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    fault = emulator.faults.throttle_fraction(0.5, seed=7)
    policy = RetryPolicy(max_attempts=12, initial_delay=0, max_delay=0)
    async with emulator.client(retry=policy) as client:
        for _ in range(40):
            model = await client.get_audience_model(audience_model_arn=arn)
            assert model.audience_model_arn == arn
    assert fault.hits > 0  # the control: throttling really happened
    assert statuses(emulator, GET).count(200) == 40
    assert statuses(emulator, GET).count(429) == fault.hits


# -- 5xx bursts -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_burst_of_server_errors_is_retried(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient, status: int
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.faults.server_error(3, status=status)
    model = await client.get_audience_model(audience_model_arn=arn)
    assert model.audience_model_arn == arn
    assert statuses(emulator, GET) == [status, status, status, 200]


async def test_server_errors_beyond_the_policy_raise_a_service_error_with_the_details(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    emulator.faults.server_error(10, status=503)
    with pytest.raises(ServiceError) as raised:
        await client.list_audience_export_jobs()
    assert type(raised.value) is ServiceError  # no class of its own for this code
    assert raised.value.code == "ServiceUnavailableException"
    assert raised.value.status_code == 503
    assert raised.value.request_id == emulator.requests[-1].request_id
    assert statuses(emulator, LIST) == [503] * 5


async def test_a_client_error_amid_server_errors_stops_the_retries_at_once(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    emulator.faults.server_error(1)
    emulator.faults.error("AccessDeniedException", 1)
    with pytest.raises(ServiceError) as raised:
        await client.list_audience_export_jobs()
    # Rules apply in order, one error per request: 500, then the 403, which is final.
    assert raised.value.code == "AccessDeniedException"
    assert statuses(emulator, LIST) == [500, 403]


# -- connections dropped mid-body ---------------------------------------------------------


async def test_a_connection_dropped_mid_body_is_retried(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    emulator.add_audience_export_jobs(5)
    emulator.faults.drop_connection(2)
    jobs = await client.list_audience_export_jobs().to_list()
    assert len(jobs) == 5
    records = emulator.requests_for(LIST)
    assert [record.faults for record in records] == [
        (FaultKind.DROP_CONNECTION,),
        (FaultKind.DROP_CONNECTION,),
        (),
    ]


async def test_connections_dropped_beyond_the_policy_raise_a_transport_error(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    emulator.add_audience_export_jobs(5)
    fault = emulator.faults.drop_connection(10)
    with pytest.raises(TransportError) as raised:
        await client.list_audience_export_jobs()
    assert not isinstance(raised.value, TransportTimeoutError)
    assert raised.value.operation_name == LIST
    assert isinstance(raised.value.__cause__, botocore_errors.BotoCoreError)
    assert fault.hits == 5


# -- malformed and truncated bodies ---------------------------------------------------------


async def test_a_truncated_json_page_raises_a_response_error_naming_operation_and_request(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    emulator.add_audience_export_jobs(5)
    emulator.faults.malformed_body(1)
    with pytest.raises(ResponseError) as raised:
        await client.list_audience_export_jobs()
    (record,) = emulator.requests_for(LIST)  # a damaged 200 is not retried
    assert record.status == 200
    error = raised.value
    assert isinstance(error, CleanRoomsMLError)
    assert error.operation_name == LIST
    assert error.request_id == record.request_id
    assert LIST in str(error)
    assert record.request_id in str(error)
    # The underlying parse error is kept as the cause, never raised bare.
    assert isinstance(error.__cause__, pydantic.ValidationError)
    assert not isinstance(error, pydantic.ValidationError | json.JSONDecodeError)


async def test_a_truncated_body_of_a_single_resource_raises_a_response_error(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.faults.malformed_body(1, operation=GET)
    with pytest.raises(ResponseError) as raised:
        await client.get_audience_model(audience_model_arn=arn)
    (record,) = emulator.requests_for(GET)
    assert raised.value.operation_name == GET
    assert raised.value.request_id == record.request_id
    # The fault was used up: the same call now succeeds.
    assert (await client.get_audience_model(audience_model_arn=arn)).audience_model_arn == arn


async def test_a_truncated_page_mid_iteration_raises_after_the_pages_before_it(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    names = [job["name"] for job in emulator.add_audience_export_jobs(30)]
    got: list[str] = []
    pager = client.list_audience_export_jobs(max_results=10)

    async def consume() -> None:
        async for job in pager:
            got.append(job.name)
            if len(got) == 10:
                emulator.faults.malformed_body(1)

    with pytest.raises(ResponseError) as raised:
        await consume()
    assert got == names[:10]
    assert raised.value.request_id == emulator.requests[-1].request_id
    # The pager is fine: a fresh iteration delivers everything.
    assert [job.name for job in await pager.to_list()] == names


async def test_a_truncated_body_through_a_callers_own_client_raises_a_response_error(
    emulator: LocalCleanRoomsML,
) -> None:
    """from_client(): botocore parses the body (its JSON parser turns a truncated body into
    ``{"message": ...}`` without complaint), so the model check is what catches it."""
    emulator.add_audience_export_jobs(5)
    emulator.faults.malformed_body(1)
    async with AioSession().create_client(
        "cleanroomsml",
        region_name="us-east-1",
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=AioConfig(retries={"total_max_attempts": 1}),
    ) as raw:
        client = CleanRoomsMLClient.from_client(raw, retry=NO_SLEEP)
        with pytest.raises(ResponseError) as raised:
            await client.list_audience_export_jobs()
    (record,) = emulator.requests
    assert raised.value.operation_name == LIST
    assert raised.value.request_id == record.request_id
    assert isinstance(raised.value.__cause__, pydantic.ValidationError)


# -- slow responses and the read timeout ----------------------------------------------------


@pytest_asyncio.fixture
async def impatient(emulator: LocalCleanRoomsML) -> AsyncIterator[CleanRoomsMLClient]:
    """A client that gives up on a response after 0.5 s, retrying 3 times without sleeping.

    (0.5 s: far below the 2 s slow responses, far above a normal answer on a loaded machine.)
    """
    policy = RetryPolicy(max_attempts=3, initial_delay=0, max_delay=0)
    async with emulator.client(retry=policy, config=AioConfig(read_timeout=0.5)) as opened:
        yield opened


async def test_a_response_slower_than_the_read_timeout_is_retried(
    emulator: LocalCleanRoomsML, impatient: CleanRoomsMLClient
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    fault = emulator.faults.slow_response(2.0, count=2)
    model = await impatient.get_audience_model(audience_model_arn=arn)
    assert model.audience_model_arn == arn
    assert fault.hits == 2  # two attempts timed out, the third was answered
    assert not fault.active


async def test_responses_slower_than_the_read_timeout_raise_a_transport_timeout_error(
    emulator: LocalCleanRoomsML, impatient: CleanRoomsMLClient
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    fault = emulator.faults.slow_response(2.0, count=5)
    with pytest.raises(TransportTimeoutError) as raised:
        await impatient.get_audience_model(audience_model_arn=arn)
    assert fault.hits == 3  # max_attempts, each cut off by the read timeout
    assert raised.value.operation_name == GET
    assert isinstance(raised.value.__cause__, botocore_errors.ReadTimeoutError)


async def test_latency_within_the_read_timeout_is_not_a_failure(
    emulator: LocalCleanRoomsML, impatient: CleanRoomsMLClient
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.faults.latency(0.05)
    model = await impatient.get_audience_model(audience_model_arn=arn)
    assert model.audience_model_arn == arn
    assert statuses(emulator, GET) == [200]


# -- the emulator's rate limit --------------------------------------------------------------


async def test_the_emulator_rate_limit_throttles_what_exceeds_its_bucket(
    emulator: LocalCleanRoomsML,
) -> None:
    """The token bucket fault itself: a burst of 5 passes, the rest of a tight loop is 429."""
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.faults.rate_limit(0.01, burst=5)
    policy = RetryPolicy(max_attempts=1)
    async with emulator.client(retry=policy) as client:
        outcomes: list[int | None] = []
        for _ in range(8):
            try:
                await client.get_audience_model(audience_model_arn=arn)
                outcomes.append(200)
            except ThrottlingException as error:
                outcomes.append(error.status_code)
    assert outcomes == [200] * 5 + [429] * 3
    assert statuses(emulator, GET) == outcomes
