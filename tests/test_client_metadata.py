"""response_metadata: request id, HTTP status and attempts, on every returned response model."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from pydantic import ValidationError

from cleanroomsml_async import CleanRoomsMLClient, ResponseMetadata, RetryPolicy
from cleanroomsml_async.models import GetAudienceModelResponse, ListAudienceExportJobsResponse
from cleanroomsml_async.testing import LocalCleanRoomsML


@pytest.fixture
def model_arn(emulator: LocalCleanRoomsML) -> str:
    arn: str = emulator.add_audience_model(name="measured")["audienceModelArn"]
    return arn


async def test_a_response_carries_the_request_id_status_and_attempts(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    model = await client.get_audience_model(audience_model_arn=model_arn)
    [record] = emulator.requests
    assert model.response_metadata == ResponseMetadata(
        request_id=record.request_id, http_status_code=200, attempts=1
    )


async def test_the_attempts_count_the_retries(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    emulator.faults.throttle(2)
    model = await client.get_audience_model(audience_model_arn=model_arn)
    metadata = model.response_metadata
    assert metadata is not None
    assert metadata.attempts == 3
    # The id is the one of the answer that succeeded, the last request.
    assert metadata.request_id == emulator.requests[-1].request_id
    assert len(emulator.requests) == 3


async def test_every_page_has_metadata_and_its_items_have_none(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    emulator.add_audience_export_jobs(5)
    pages = [page async for page in client.list_audience_export_jobs(max_results=2).pages()]
    assert len(pages) == 3
    ids = [page.response_metadata.request_id for page in pages if page.response_metadata]
    assert ids == [record.request_id for record in emulator.requests]
    assert all(
        job.response_metadata is None for page in pages for job in page.audience_export_jobs
    )


async def test_metadata_changes_no_dump_repr_equality_or_hash(
    client: CleanRoomsMLClient, model_arn: str
) -> None:
    received = await client.get_audience_model(audience_model_arn=model_arn)
    built = GetAudienceModelResponse.model_validate(received.model_dump())
    assert received.response_metadata is not None
    assert built.response_metadata is None
    assert received == built
    assert hash(received) == hash(built)
    assert repr(received) == repr(built)
    assert str(received) == str(built)
    assert received.model_dump() == built.model_dump()
    assert received.model_dump_json() == built.model_dump_json()
    assert "response_metadata" not in GetAudienceModelResponse.model_fields
    assert "response_metadata" not in GetAudienceModelResponse.model_json_schema()["properties"]
    # A copy, or a pickled and loaded model, is the caller's: it carries no metadata.
    assert received.model_copy().response_metadata is None
    assert pickle.loads(pickle.dumps(received)).response_metadata is None


async def test_metadata_is_read_only(client: CleanRoomsMLClient, model_arn: str) -> None:
    received = await client.get_audience_model(audience_model_arn=model_arn)
    before = received.response_metadata
    with pytest.raises((AttributeError, ValidationError, TypeError)):
        received.response_metadata = None  # type: ignore[misc]
    assert received.response_metadata is before


async def test_a_wrapped_clients_responses_carry_metadata_too(
    emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    from aiobotocore.session import AioSession

    async with AioSession().create_client(
        "cleanroomsml",
        region_name="us-east-1",
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ) as raw:
        client = CleanRoomsMLClient.from_client(raw, retry=RetryPolicy(max_attempts=1))
        page: ListAudienceExportJobsResponse = await client.list_audience_export_jobs()
    metadata: Any = page.response_metadata
    assert metadata.request_id == emulator.requests[-1].request_id
    assert metadata.http_status_code == 200
    assert metadata.attempts == 1
