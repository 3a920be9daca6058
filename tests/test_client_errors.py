"""What the client raises: the error hierarchy, its attributes, and broken responses."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable

import pydantic
import pytest
from aiobotocore.session import AioSession
from botocore.exceptions import ClientError, EndpointConnectionError

import cleanroomsml_async
from cleanroomsml_async import errors
from cleanroomsml_async.errors import (
    AccessDeniedException,
    CleanRoomsMLError,
    ConfigurationError,
    ConflictException,
    PaginationError,
    ResourceNotFoundException,
    ResponseError,
    ServiceError,
    ServiceQuotaExceededException,
    ThrottlingException,
    TransportError,
    TransportTimeoutError,
    ValidationException,
)
from cleanroomsml_async.testing import LocalCleanRoomsML

SERVICE_ERRORS = [
    AccessDeniedException,
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ThrottlingException,
    ValidationException,
]


def test_the_error_hierarchy() -> None:
    assert issubclass(CleanRoomsMLError, Exception)
    for cls in SERVICE_ERRORS:
        assert issubclass(cls, ServiceError)
        assert issubclass(cls, CleanRoomsMLError)
    for base in (ServiceError, PaginationError, ResponseError, TransportError):
        assert issubclass(base, CleanRoomsMLError)
    assert issubclass(TransportTimeoutError, TransportError)
    assert issubclass(ConfigurationError, CleanRoomsMLError)
    for other in (PaginationError, ResponseError, TransportError):
        assert not issubclass(other, ServiceError)
    # Invalid input is the one thing outside the hierarchy.
    assert not issubclass(pydantic.ValidationError, CleanRoomsMLError)


def test_the_errors_are_exported_from_the_package_too() -> None:
    for name in errors.__all__:
        assert getattr(cleanroomsml_async, name) is getattr(errors, name)


@pytest.mark.parametrize("cls", SERVICE_ERRORS, ids=lambda cls: cls.__name__)
async def test_each_modelled_code_raises_its_class_with_every_attribute(
    client: cleanroomsml_async.CleanRoomsMLClient,
    emulator: LocalCleanRoomsML,
    cls: type[ServiceError],
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    code = cls.__name__
    emulator.faults.error(code, 10, message=f"injected {code} message")
    with pytest.raises(cls) as caught:
        await client.get_audience_model(audience_model_arn=arn)
    error = caught.value
    record = emulator.requests[-1]
    assert type(error) is cls
    assert error.code == code
    assert error.message == f"injected {code} message"
    assert error.status_code == record.status
    assert error.request_id == record.request_id
    assert error.operation_name == "GetAudienceModel"
    cause = error.__cause__
    assert isinstance(cause, ClientError)
    assert cause.response["Error"]["Code"] == code
    assert cause.response["ResponseMetadata"]["RequestId"] == record.request_id
    text = str(error)
    for part in (code, "GetAudienceModel", record.request_id, f"injected {code} message"):
        assert part in text


async def test_a_real_service_error_from_the_emulator(
    client: cleanroomsml_async.CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    emulator.add_audience_export_job(name="taken", audience_generation_job_arn=parent)
    with pytest.raises(ConflictException) as caught:
        await client.start_audience_export_job(
            name="taken",
            audience_generation_job_arn=parent,
            audience_size={"type": "ABSOLUTE", "value": 10},
        )
    (record,) = emulator.requests
    assert caught.value.status_code == 409
    assert caught.value.request_id == record.request_id
    assert caught.value.operation_name == "StartAudienceExportJob"
    assert "taken" in caught.value.message
    assert isinstance(caught.value.__cause__, ClientError)


async def test_an_unknown_error_code_raises_a_plain_service_error_with_that_code(
    client: cleanroomsml_async.CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    emulator.add_audience_export_jobs(2)
    emulator.faults.error("BrandNewProblemException", 3, status=418, message="teapot")
    with pytest.raises(ServiceError) as caught:
        await client.list_audience_export_jobs().to_list()
    assert type(caught.value) is ServiceError
    assert caught.value.code == "BrandNewProblemException"
    assert caught.value.status_code == 418
    assert caught.value.message == "teapot"
    assert caught.value.operation_name == "ListAudienceExportJobs"
    assert caught.value.request_id == emulator.requests[0].request_id
    assert len(emulator.requests) == 1  # a 4xx: not retried


# -- broken responses -----------------------------------------------------------------------


async def test_a_malformed_body_raises_a_response_error_naming_operation_and_request(
    client: cleanroomsml_async.CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.faults.malformed_body(1)
    with pytest.raises(ResponseError) as caught:
        await client.get_audience_model(audience_model_arn=arn)
    (record,) = emulator.requests
    assert record.status == 200
    assert record.faults == ("malformed_body",)
    error = caught.value
    assert isinstance(error, CleanRoomsMLError)
    assert not isinstance(error, pydantic.ValidationError | json.JSONDecodeError | ClientError)
    assert error.operation_name == "GetAudienceModel"
    assert error.request_id == record.request_id
    assert "GetAudienceModel" in str(error)
    assert record.request_id in str(error)
    assert error.__cause__ is not None
    # The client works normally on the next call.
    assert (await client.get_audience_model(audience_model_arn=arn)).audience_model_arn == arn


@pytest.mark.parametrize("operation", ["ListAudienceExportJobs", "StartAudienceExportJob"])
async def test_a_malformed_body_on_other_operations(
    client: cleanroomsml_async.CleanRoomsMLClient, emulator: LocalCleanRoomsML, operation: str
) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    emulator.add_audience_export_jobs(3, audience_generation_job_arn=parent)
    emulator.faults.malformed_body(1, operation=operation)
    attempt: Awaitable[object]
    if operation == "ListAudienceExportJobs":
        attempt = client.list_audience_export_jobs().to_list()
    else:
        attempt = client.start_audience_export_job(
            name="new",
            audience_generation_job_arn=parent,
            audience_size={"type": "ABSOLUTE", "value": 10},
        )
    with pytest.raises(ResponseError) as caught:
        await attempt
    (record,) = emulator.requests
    assert caught.value.operation_name == operation
    assert caught.value.request_id == record.request_id
    assert caught.value.__cause__ is not None


async def test_a_malformed_later_page_raises_after_the_items_before_it(
    client: cleanroomsml_async.CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    emulator.add_audience_export_jobs(6)
    seen: list[str] = []

    async def consume() -> None:
        async for job in client.list_audience_export_jobs(max_results=3):
            if not seen:
                emulator.faults.malformed_body(1)
            seen.append(job.name)

    with pytest.raises(ResponseError) as caught:
        await consume()
    assert seen == ["export-job-1", "export-job-2", "export-job-3"]
    assert caught.value.request_id == emulator.requests[1].request_id


async def test_a_body_missing_a_required_member_raises_a_response_error(
    client: cleanroomsml_async.CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    seeded = emulator.add_audience_model()
    del seeded["trainingDatasetArn"]  # the seeding helpers return the stored dict, live
    with pytest.raises(ResponseError) as caught:
        await client.get_audience_model(audience_model_arn=seeded["audienceModelArn"])
    assert "trainingDatasetArn" in str(caught.value)
    assert caught.value.request_id == emulator.requests[0].request_id
    assert isinstance(caught.value.__cause__, pydantic.ValidationError)
    assert len(emulator.requests) == 1


async def test_a_body_with_a_wrongly_typed_member_raises_a_response_error(
    client: cleanroomsml_async.CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    emulator.add_audience_export_job(audience_size={"type": "ABSOLUTE", "value": "lots"})
    with pytest.raises(ResponseError) as caught:
        await client.list_audience_export_jobs().to_list()
    assert caught.value.operation_name == "ListAudienceExportJobs"
    assert "audienceSize" in str(caught.value)


# -- transport failures ---------------------------------------------------------------------


async def test_a_connection_dropped_mid_body_is_retried(
    client: cleanroomsml_async.CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    arn = emulator.add_audience_model(name="survivor")["audienceModelArn"]
    emulator.faults.drop_connection(2)
    model = await client.get_audience_model(audience_model_arn=arn)
    assert model.name == "survivor"
    assert [record.faults for record in emulator.requests] == [
        ("drop_connection",),
        ("drop_connection",),
        (),
    ]


async def test_a_connection_dropped_on_a_page_is_retried_with_its_token(
    client: cleanroomsml_async.CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    emulator.add_audience_export_jobs(6)
    seen: list[str] = []
    async for job in client.list_audience_export_jobs(max_results=3):
        if not seen:
            emulator.faults.drop_connection(1)
        seen.append(job.name)
    assert seen == [f"export-job-{index}" for index in range(1, 7)]
    tokens = [record.query.get("nextToken") for record in emulator.requests]
    assert len(tokens) == 3
    assert tokens[1] is not None
    assert tokens[1] == tokens[2]


async def test_connections_that_always_drop_raise_a_transport_error(
    client: cleanroomsml_async.CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.faults.drop_connection(100)
    with pytest.raises(TransportError) as caught:
        await client.get_audience_model(audience_model_arn=arn)
    assert caught.value.operation_name == "GetAudienceModel"
    assert caught.value.__cause__ is not None
    assert len(emulator.requests) == 5


async def test_a_refused_connection_raises_a_transport_error_after_max_attempts(
    closed_port: int, aio_session: AioSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cleanroomsml_async")
    client = cleanroomsml_async.CleanRoomsMLClient(
        endpoint_url=f"http://127.0.0.1:{closed_port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        session=aio_session,
        retry=cleanroomsml_async.RetryPolicy(max_attempts=2, initial_delay=0, max_delay=0),
    )
    async with client:
        with pytest.raises(TransportError) as caught:
            await client.get_audience_model(
                audience_model_arn="arn:aws:cleanrooms-ml:us-east-1:123456789012:audience-model/x"
            )
    error = caught.value
    assert type(error) is TransportError
    assert error.operation_name == "GetAudienceModel"
    assert isinstance(error.__cause__, EndpointConnectionError)
    assert str(closed_port) in str(error)
    # Two attempts: one retry logged, after attempt 1 of 2.
    retries = [record for record in caplog.records if record.name == "cleanroomsml_async"]
    assert [record.__dict__["attempt"] for record in retries] == [1]
    assert retries[0].__dict__["error_code"] == "TransportError"
