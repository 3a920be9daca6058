"""The fast path keeps every promise of the contract.

For the clients it creates, CleanRoomsMLClient hands each successful response body to pydantic
(``model_validate_json``) instead of botocore's rest-json parser, runs a call's first attempt
outside tenacity, validates timestamps with its own validator, and sends a fixed User-Agent.
These tests go over real HTTP to the emulator and check, through that path, what the contract
promises: typed errors parsed by botocore (code, status, request id), retries, unknown enum
values and fields, aware UTC timestamps, response errors naming operation and request id. And
a caller's own client, wrapped with ``from_client``, is left exactly as it was.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from typing import Any

import pydantic
import pytest
import pytest_asyncio
from aiobotocore.config import AioConfig
from aiobotocore.parsers import AioResponseParser
from aiobotocore.session import AioSession
from botocore.exceptions import ClientError

from cleanroomsml_async import CleanRoomsMLClient, RetryPolicy
from cleanroomsml_async.errors import (
    ResourceNotFoundException,
    ResponseError,
    ServiceError,
    ThrottlingException,
    ValidationException,
)
from cleanroomsml_async.models import (
    AudienceExportJobStatus,
    AudienceModelStatus,
    AudienceSizeType,
    GetAudienceModelResponse,
    ListAudienceExportJobsResponse,
)
from cleanroomsml_async.testing import LocalCleanRoomsML

NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)
CREDENTIALS = {
    "region_name": "us-east-1",
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
}


@pytest.fixture
def parsed_by_botocore(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bytes]]:
    """Every (status, body) that botocore's response parser is given, in order."""
    seen: list[tuple[int, bytes]] = []
    original = AioResponseParser.parse

    async def spy(self: AioResponseParser, response: dict[str, Any], shape: Any) -> Any:
        seen.append((response["status_code"], bytes(response["body"])))
        return await original(self, response, shape)

    monkeypatch.setattr(AioResponseParser, "parse", spy)
    return seen


@pytest_asyncio.fixture
async def fast(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> AsyncIterator[CleanRoomsMLClient]:
    """A client this package created (so with the fast path), retries without sleeps."""
    async with emulator.client(retry=NO_SLEEP, session=aio_session) as client:
        yield client


@pytest_asyncio.fixture
async def callers_client(emulator: LocalCleanRoomsML, aio_session: AioSession) -> Any:
    """An aiobotocore client that the caller created and owns."""
    async with aio_session.create_client(
        "cleanroomsml",
        endpoint_url=emulator.endpoint_url,
        config=AioConfig(retries={"total_max_attempts": 1}),
        **CREDENTIALS,
    ) as client:
        yield client


# -- the fast path is the path taken ----------------------------------------------------------


async def test_success_bodies_go_to_pydantic_not_to_botocores_parser(
    fast: CleanRoomsMLClient,
    emulator: LocalCleanRoomsML,
    parsed_by_botocore: list[tuple[int, bytes]],
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.add_audience_export_jobs(3)

    model = await fast.get_audience_model(audience_model_arn=arn)
    page = await fast.list_audience_export_jobs()

    assert isinstance(model, GetAudienceModelResponse)
    assert model.audience_model_arn == arn
    assert isinstance(page, ListAudienceExportJobsResponse)
    assert len(page.audience_export_jobs) == 3
    # botocore saw both responses (for headers and metadata) but never their bodies.
    assert parsed_by_botocore == [(200, b""), (200, b"")]


async def test_error_bodies_still_go_to_botocores_parser(
    fast: CleanRoomsMLClient,
    emulator: LocalCleanRoomsML,
    parsed_by_botocore: list[tuple[int, bytes]],
) -> None:
    with pytest.raises(ResourceNotFoundException):
        await fast.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    # (botocore reads an error body twice: for the code, then for the modelled error shape)
    assert parsed_by_botocore
    for status, body in parsed_by_botocore:
        assert status == 404
        assert b"does not exist" in body


# -- typed errors ---------------------------------------------------------------------------


async def test_a_typed_error_has_code_status_message_and_request_id(
    fast: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    missing = emulator.arns.audience_model()
    with pytest.raises(ResourceNotFoundException) as caught:
        await fast.get_audience_model(audience_model_arn=missing)
    error = caught.value
    [record] = emulator.requests  # a 404 is not retried
    assert error.code == "ResourceNotFoundException"
    assert error.status_code == 404
    assert error.request_id == record.request_id
    assert error.request_id
    assert missing in error.message
    assert error.operation_name == "GetAudienceModel"
    assert isinstance(error.__cause__, ClientError)


async def test_an_injected_error_code_is_parsed_by_botocore_into_its_class(
    fast: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    emulator.add_audience_export_jobs(2)
    emulator.faults.error("ValidationException", 1, message="bad token, say")
    with pytest.raises(ValidationException) as caught:
        await fast.list_audience_export_jobs()
    assert caught.value.status_code == emulator.requests[-1].status == 400
    assert caught.value.request_id == emulator.requests[-1].request_id
    assert caught.value.message == "bad token, say"
    assert len(emulator.requests) == 1


async def test_an_unmodelled_code_is_a_plain_service_error(
    fast: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.faults.error("SomethingNewException", 1, status=418)
    with pytest.raises(ServiceError) as caught:
        await fast.get_audience_model(audience_model_arn=arn)
    assert type(caught.value) is ServiceError
    assert caught.value.code == "SomethingNewException"
    assert caught.value.status_code == 418
    assert caught.value.request_id == emulator.requests[-1].request_id


# -- retries --------------------------------------------------------------------------------


async def test_a_throttled_call_is_retried_until_it_succeeds(
    fast: CleanRoomsMLClient,
    emulator: LocalCleanRoomsML,
    caplog: pytest.LogCaptureFixture,
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.faults.throttle(2)
    with caplog.at_level(logging.INFO, logger="cleanroomsml_async"):
        model = await fast.get_audience_model(audience_model_arn=arn)
    assert model.audience_model_arn == arn
    assert [record.status for record in emulator.requests] == [429, 429, 200]
    # The first failure happened outside tenacity and was handed to it: both retries are
    # logged, numbered from the first attempt, as a loop that ran every attempt would.
    retries = [record for record in caplog.records if record.getMessage().startswith("Retrying")]
    assert [getattr(record, "attempt", None) for record in retries] == [1, 2]
    assert all(getattr(record, "error_code", None) == "ThrottlingException" for record in retries)


async def test_a_failed_page_is_fetched_again_with_the_same_token(
    fast: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    jobs = emulator.add_audience_export_jobs(5)
    pager = fast.list_audience_export_jobs(max_results=2)
    names: list[str] = []
    async for page in pager.pages():
        names.extend(job.name for job in page.audience_export_jobs)
        if len(names) == 2:
            emulator.faults.server_error(1)
    assert names == [job["name"] for job in jobs]
    tokens = [record.query.get("nextToken") for record in emulator.requests]
    statuses = [record.status for record in emulator.requests]
    assert statuses == [200, 500, 200, 200]
    assert tokens[1] == tokens[2] is not None


async def test_when_attempts_run_out_the_last_error_itself_is_raised(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.faults.throttle(10)
    policy = RetryPolicy(max_attempts=3, initial_delay=0, max_delay=0)
    async with emulator.client(retry=policy, session=aio_session) as client:
        with pytest.raises(ThrottlingException) as caught:
            await client.get_audience_model(audience_model_arn=arn)
    assert len(emulator.requests) == 3
    assert caught.value.status_code == 429
    assert caught.value.request_id == emulator.requests[-1].request_id


async def test_max_attempts_one_sends_once(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.faults.throttle(1)
    policy = RetryPolicy(max_attempts=1)
    async with emulator.client(retry=policy, session=aio_session) as client:
        with pytest.raises(ThrottlingException):
            await client.get_audience_model(audience_model_arn=arn)
        assert len(emulator.requests) == 1
        # The next call starts afresh: one attempt, which succeeds.
        await client.get_audience_model(audience_model_arn=arn)
    assert [record.status for record in emulator.requests] == [429, 200]


async def test_a_success_refunds_the_retry_quota_exactly_as_before(
    fast: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    quota = fast._retrier.quota
    start = quota.available_capacity
    emulator.faults.throttle(2)
    await fast.get_audience_model(audience_model_arn=arn)  # two retries, 5 tokens each
    assert quota.available_capacity == start  # spent 10, refunded 10 (capped at capacity)
    await fast.get_audience_model(audience_model_arn=arn)  # no retry: refunds 1
    assert quota.available_capacity == start


# -- forward-compatible responses -------------------------------------------------------------


async def test_unknown_enum_values_are_kept_as_plain_strings(
    fast: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    new = emulator.add_audience_model(status="ARCHIVED")["audienceModelArn"]
    known = emulator.add_audience_model(status="ACTIVE")["audienceModelArn"]
    emulator.add_audience_export_job(
        status="EXPORT_PAUSED", audience_size={"type": "RELATIVE", "value": 3}
    )
    emulator.add_audience_export_job(status="ACTIVE")

    unknown_model = await fast.get_audience_model(audience_model_arn=new)
    known_model = await fast.get_audience_model(audience_model_arn=known)
    unknown_job, known_job = (await fast.list_audience_export_jobs()).audience_export_jobs

    assert unknown_model.status == "ARCHIVED"
    assert type(unknown_model.status) is str
    assert known_model.status is AudienceModelStatus.ACTIVE
    assert type(unknown_job.status) is str
    assert unknown_job.status == "EXPORT_PAUSED"
    assert type(unknown_job.audience_size.type) is str
    assert unknown_job.audience_size.type == "RELATIVE"
    assert known_job.status is AudienceExportJobStatus.ACTIVE
    assert known_job.audience_size.type is AudienceSizeType.ABSOLUTE


async def test_unknown_fields_are_ignored_and_no_length_limit_applies(
    fast: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    stored = emulator.add_audience_model(name="n" * 500)  # longer than a request may send
    stored["someFieldAddedLater"] = {"nested": [1, 2, 3]}
    stored["statusDetails"] = {"statusCode": "X", "message": "m", "reason": "new member"}
    model = await fast.get_audience_model(audience_model_arn=stored["audienceModelArn"])
    assert model.name == "n" * 500
    assert model.status_details is not None
    assert model.status_details.status_code == "X"
    assert "someFieldAddedLater" not in model.model_dump(by_alias=True)
    assert not hasattr(model, "some_field_added_later")


async def test_timestamps_with_any_offset_become_aware_utc_datetimes(
    fast: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    arn = emulator.add_audience_model(
        create_time="2024-05-01T14:00:00+02:00",
        update_time="2024-05-01T12:30:15.250Z",
        training_data_start_time="2024-01-01T00:00:00-04:00",
        training_data_end_time="2024-02-01T09:00:00",  # no offset: UTC
    )["audienceModelArn"]
    emulator.add_audience_export_job(create_time="2024-06-01T10:30:00+02:00")

    model = await fast.get_audience_model(audience_model_arn=arn)
    [job] = (await fast.list_audience_export_jobs()).audience_export_jobs

    expected = {
        model.create_time: datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        model.update_time: datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=UTC),
        model.training_data_start_time: datetime(2024, 1, 1, 4, 0, tzinfo=UTC),
        model.training_data_end_time: datetime(2024, 2, 1, 9, 0, tzinfo=UTC),
        job.create_time: datetime(2024, 6, 1, 8, 30, tzinfo=UTC),
    }
    for got, want in expected.items():
        assert got == want
        assert got is not None
        assert got.tzinfo is UTC


async def test_a_timestamp_that_is_no_timestamp_is_a_response_error(
    fast: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    arn = emulator.add_audience_model(create_time="yesterday")["audienceModelArn"]
    with pytest.raises(ResponseError) as caught:
        await fast.get_audience_model(audience_model_arn=arn)
    assert "createTime" in str(caught.value)
    assert isinstance(caught.value.__cause__, pydantic.ValidationError)


# -- broken responses -----------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["GetAudienceModel", "ListAudienceExportJobs"])
async def test_a_malformed_body_raises_a_response_error_naming_operation_and_request_id(
    fast: CleanRoomsMLClient, emulator: LocalCleanRoomsML, operation: str
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.add_audience_export_jobs(3)
    emulator.faults.malformed_body(1, operation=operation)
    call: Awaitable[object] = (
        fast.get_audience_model(audience_model_arn=arn)
        if operation == "GetAudienceModel"
        else fast.list_audience_export_jobs()
    )
    with pytest.raises(ResponseError) as caught:
        await call
    [record] = emulator.requests  # not retried
    assert record.faults == ("malformed_body",)
    error = caught.value
    assert error.operation_name == operation
    assert error.request_id == record.request_id
    assert operation in str(error)
    assert record.request_id in str(error)
    assert isinstance(error.__cause__, pydantic.ValidationError)


async def test_a_body_missing_a_required_member_is_a_response_error(
    fast: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    stored = emulator.add_audience_model()
    del stored["trainingDatasetArn"]
    with pytest.raises(ResponseError) as caught:
        await fast.get_audience_model(audience_model_arn=stored["audienceModelArn"])
    assert caught.value.operation_name == "GetAudienceModel"
    assert caught.value.request_id == emulator.requests[-1].request_id
    assert "trainingDatasetArn" in str(caught.value)


# -- a caller's client is left as it was ------------------------------------------------------


def _handlers(client: Any, event: str) -> list[Any]:
    """The handlers botocore would call for ``event`` on this client (internal, for tests)."""
    return list(client.meta.events._emitter._handlers.prefix_search(event))


CALLER_EVENTS = [
    f"{stage}.cleanroomsml.{operation}"
    for stage in ("before-parse", "before-call", "after-call", "request-created", "needs-retry")
    for operation in ("GetAudienceModel", "ListAudienceExportJobs")
]


async def test_from_client_leaves_the_callers_client_unmodified(
    callers_client: Any,
    emulator: LocalCleanRoomsML,
    parsed_by_botocore: list[tuple[int, bytes]],
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.add_audience_export_jobs(3)
    handlers_before = {event: _handlers(callers_client, event) for event in CALLER_EVENTS}
    config = callers_client.meta.config
    config_before = (
        config.retries,
        config.user_agent,
        config.user_agent_extra,
        config.parameter_validation,
    )
    events_before = callers_client.meta.events

    wrapper = CleanRoomsMLClient.from_client(callers_client, retry=NO_SLEEP)
    async with wrapper:
        model = await wrapper.get_audience_model(audience_model_arn=arn)
        jobs = await wrapper.list_audience_export_jobs().to_list()
        with pytest.raises(ResourceNotFoundException):
            await wrapper.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    # The wrapper's results are typed and aware, from botocore's parse of the whole body.
    assert model.audience_model_arn == arn
    assert model.create_time.tzinfo is UTC
    assert len(jobs) == 3
    assert all(status != 200 or body for status, body in parsed_by_botocore)

    assert callers_client.meta.events is events_before
    assert {event: _handlers(callers_client, event) for event in CALLER_EVENTS} == (
        handlers_before
    )
    assert callers_client.meta.config is config
    assert (
        config.retries,
        config.user_agent,
        config.user_agent_extra,
        config.parameter_validation,
    ) == config_before

    # Still open after the wrapper closed, and still botocore's own client.
    parsed_by_botocore.clear()
    raw = await callers_client.get_audience_model(audienceModelArn=arn)
    page = await callers_client.list_audience_export_jobs()
    assert raw["audienceModelArn"] == arn
    assert isinstance(raw["createTime"], datetime)
    assert raw["createTime"].tzinfo is not None
    assert raw["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert not any(key.startswith("cleanroomsml_async") for key in raw)
    assert [job["name"] for job in page["audienceExportJobs"]] == [job.name for job in jobs]
    assert len(parsed_by_botocore) == 2
    assert all(body for _, body in parsed_by_botocore)  # botocore parsed the bodies


async def test_our_own_clients_do_not_change_the_session_or_its_other_clients(
    emulator: LocalCleanRoomsML,
    aio_session: AioSession,
    callers_client: Any,
    parsed_by_botocore: list[tuple[int, bytes]],
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    handlers_before = {event: _handlers(callers_client, event) for event in CALLER_EVENTS}
    async with emulator.client(retry=NO_SLEEP, session=aio_session) as ours:
        await ours.get_audience_model(audience_model_arn=arn)
        # A client created from the same session while ours is open is botocore's as usual.
        async with aio_session.create_client(
            "cleanroomsml", endpoint_url=emulator.endpoint_url, **CREDENTIALS
        ) as later:
            parsed_by_botocore.clear()
            raw = await later.get_audience_model(audienceModelArn=arn)
            assert isinstance(raw["createTime"], datetime)
            assert parsed_by_botocore[0][1]  # the body went to botocore's parser
            assert "cleanroomsml-async" not in emulator.requests[-1].headers["User-Agent"]
    assert {event: _handlers(callers_client, event) for event in CALLER_EVENTS} == (
        handlers_before
    )
