"""The five operations end to end: keyword and request-model calls, typed responses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiobotocore.session import AioSession

from cleanroomsml_async import (
    CleanRoomsMLClient,
    ConflictException,
    ResourceNotFoundException,
    RetryPolicy,
    ServiceQuotaExceededException,
)
from cleanroomsml_async.models import (
    AudienceExportJobStatus,
    AudienceExportJobSummary,
    AudienceGenerationJobStatus,
    AudienceGenerationJobSummary,
    AudienceModelStatus,
    AudienceSize,
    AudienceSizeDict,
    AudienceSizeType,
    CollaborationTrainedModelExportJobSummary,
    GetAudienceModelRequest,
    GetAudienceModelResponse,
    ListAudienceExportJobsRequest,
    ListAudienceExportJobsResponse,
    ListAudienceGenerationJobsRequest,
    ListCollaborationTrainedModelExportJobsRequest,
    StartAudienceExportJobRequest,
    StatusDetails,
    TrainedModelExportJobStatus,
)
from cleanroomsml_async.testing import LocalCleanRoomsML

NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)


def assert_utc(value: datetime) -> None:
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)


# -- ListAudienceExportJobs -----------------------------------------------------------------


async def test_list_audience_export_jobs_with_kwargs_and_with_a_request_model(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    mine = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    other = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    emulator.add_audience_export_jobs(
        3, audience_generation_job_arn=mine, audience_size={"type": "PERCENTAGE", "value": 7}
    )
    emulator.add_audience_export_jobs(2, audience_generation_job_arn=other)

    by_kwargs = await client.list_audience_export_jobs(audience_generation_job_arn=mine).to_list()
    by_model = await client.list_audience_export_jobs(
        ListAudienceExportJobsRequest(audience_generation_job_arn=mine)
    ).to_list()

    assert by_kwargs == by_model
    assert [job.name for job in by_kwargs] == ["export-job-1", "export-job-2", "export-job-3"]
    for job in by_kwargs:
        assert isinstance(job, AudienceExportJobSummary)
        assert job.audience_generation_job_arn == mine
        assert job.status is AudienceExportJobStatus.ACTIVE
        assert job.audience_size == AudienceSize(type=AudienceSizeType.PERCENTAGE, value=7)
        assert job.audience_size.type is AudienceSizeType.PERCENTAGE
        assert job.output_location is not None
        assert job.output_location.startswith("s3://")
        assert_utc(job.create_time)
        assert_utc(job.update_time)
    # The filter went over the wire as the service's query parameter, both times.
    sent = emulator.requests_for("ListAudienceExportJobs")
    assert [record.query for record in sent] == [{"audienceGenerationJobArn": mine}] * 2
    assert all(record.method == "GET" for record in sent)
    assert all(record.headers["Authorization"].startswith("AWS4-HMAC-SHA256 ") for record in sent)
    # Without the filter, every job is listed.
    assert len(await client.list_audience_export_jobs().to_list()) == 5


async def test_awaiting_a_list_call_returns_the_typed_first_page(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    emulator.add_audience_export_jobs(4)
    page = await client.list_audience_export_jobs(max_results=3)
    assert isinstance(page, ListAudienceExportJobsResponse)
    assert len(page.audience_export_jobs) == 3
    assert page.next_token
    assert emulator.requests[0].query == {"maxResults": "3"}


async def test_list_items_keep_optional_members_and_unknown_enum_values(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    emulator.add_audience_export_job(
        name="described",
        description="an export",
        status="CREATE_FAILED",
        status_details={"statusCode": "E42", "message": "bucket gone"},
    )
    emulator.add_audience_export_job(name="future", status="PAUSED_BY_A_NEWER_SERVICE")
    described, future = await client.list_audience_export_jobs().to_list()

    assert described.status is AudienceExportJobStatus.CREATE_FAILED
    assert described.description == "an export"
    assert described.status_details == StatusDetails(status_code="E42", message="bucket gone")
    # An enum value this client does not know arrives as a plain str, not an error.
    assert future.status == "PAUSED_BY_A_NEWER_SERVICE"
    assert type(future.status) is str


# -- ListAudienceGenerationJobs -------------------------------------------------------------


async def test_list_audience_generation_jobs_with_kwargs_and_with_a_request_model(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    demo = emulator.seed_demo_data(6)
    configured = demo.configured_audience_model_arns[0]

    by_kwargs = await client.list_audience_generation_jobs(
        configured_audience_model_arn=configured, collaboration_id=demo.collaboration_id
    ).to_list()
    by_model = await client.list_audience_generation_jobs(
        ListAudienceGenerationJobsRequest(
            configured_audience_model_arn=configured, collaboration_id=demo.collaboration_id
        )
    ).to_list()

    assert by_kwargs == by_model
    # seed_demo_data alternates generation jobs between its two configured models.
    assert len(by_kwargs) == 3
    assert {job.audience_generation_job_arn for job in by_kwargs} == set(
        demo.audience_generation_job_arns[0::2]
    )
    for job in by_kwargs:
        assert isinstance(job, AudienceGenerationJobSummary)
        assert job.configured_audience_model_arn == configured
        assert job.collaboration_id == demo.collaboration_id
        assert job.status is AudienceGenerationJobStatus.ACTIVE
        assert_utc(job.create_time)
    assert emulator.requests[-1].query == {
        "configuredAudienceModelArn": configured,
        "collaborationId": demo.collaboration_id,
    }
    everything = await client.list_audience_generation_jobs().to_list()
    assert len(everything) == 6


# -- ListCollaborationTrainedModelExportJobs ------------------------------------------------


async def test_list_trained_model_export_jobs_with_kwargs_and_with_a_request_model(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    demo = emulator.seed_demo_data(4)
    version = demo.trained_model_version_ids[1]

    by_kwargs = await client.list_collaboration_trained_model_export_jobs(
        collaboration_identifier=demo.collaboration_id,
        trained_model_arn=demo.trained_model_arn,
        trained_model_version_identifier=version,
    ).to_list()
    by_model = await client.list_collaboration_trained_model_export_jobs(
        ListCollaborationTrainedModelExportJobsRequest(
            collaboration_identifier=demo.collaboration_id,
            trained_model_arn=demo.trained_model_arn,
            trained_model_version_identifier=version,
        )
    ).to_list()

    assert by_kwargs == by_model
    assert len(by_kwargs) == 2
    for job in by_kwargs:
        assert isinstance(job, CollaborationTrainedModelExportJobSummary)
        assert job.trained_model_arn == demo.trained_model_arn
        assert job.trained_model_version_identifier == version
        assert job.collaboration_identifier == demo.collaboration_id
        assert job.membership_identifier == demo.membership_id
        assert job.status is TrainedModelExportJobStatus.ACTIVE
        assert [member.account_id for member in job.output_configuration.members] == [
            emulator.arns.account_id
        ]
        assert_utc(job.create_time)
    # The two labels travel in the path (percent-encoded ARN), the version in the query.
    record = emulator.requests[-1]
    assert record.operation == "ListCollaborationTrainedModelExportJobs"
    assert record.uri_params == {
        "collaborationIdentifier": demo.collaboration_id,
        "trainedModelArn": demo.trained_model_arn,
    }
    assert record.query == {"trainedModelVersionIdentifier": version}
    both_versions = await client.list_collaboration_trained_model_export_jobs(
        collaboration_identifier=demo.collaboration_id, trained_model_arn=demo.trained_model_arn
    ).to_list()
    assert len(both_versions) == 4


# -- GetAudienceModel -----------------------------------------------------------------------


async def test_get_audience_model_with_kwargs_and_with_a_request_model(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    kms = emulator.arns.kms_key()
    seeded = emulator.add_audience_model(
        name="lookalikes",
        description="a model",
        kms_key_arn=kms,
        tags={"team": "ads"},
        status="CREATE_IN_PROGRESS",
        status_details={"statusCode": "OK", "message": "training"},
        training_data_start_time=datetime(2024, 1, 1, tzinfo=UTC),
        training_data_end_time=datetime(2024, 2, 1, tzinfo=UTC),
    )
    arn = seeded["audienceModelArn"]

    by_kwargs = await client.get_audience_model(audience_model_arn=arn)
    by_model = await client.get_audience_model(GetAudienceModelRequest(audience_model_arn=arn))

    assert by_kwargs == by_model
    assert isinstance(by_kwargs, GetAudienceModelResponse)
    assert by_kwargs.audience_model_arn == arn
    assert by_kwargs.name == "lookalikes"
    assert by_kwargs.description == "a model"
    assert by_kwargs.kms_key_arn == kms
    assert by_kwargs.tags == {"team": "ads"}
    assert by_kwargs.status is AudienceModelStatus.CREATE_IN_PROGRESS
    assert by_kwargs.status_details == StatusDetails(status_code="OK", message="training")
    assert by_kwargs.training_data_start_time == datetime(2024, 1, 1, tzinfo=UTC)
    assert by_kwargs.training_data_end_time == datetime(2024, 2, 1, tzinfo=UTC)
    assert by_kwargs.training_dataset_arn == seeded["trainingDatasetArn"]
    # The ARN is a URI label: sent percent-encoded, decoded back intact by the emulator.
    assert [record.uri_params for record in emulator.requests] == [
        {"audienceModelArn": arn},
        {"audienceModelArn": arn},
    ]


async def test_timestamps_arrive_aware_in_utc_whatever_offset_the_wire_carries(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    arn = emulator.add_audience_model(
        create_time="2024-05-01T12:00:00.000+02:00",
        update_time="2024-05-01T12:30:15.250Z",
        training_data_start_time="2023-12-31T23:00:00.000-05:00",
    )["audienceModelArn"]
    model = await client.get_audience_model(audience_model_arn=arn)
    assert model.create_time == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert_utc(model.create_time)
    assert model.create_time.hour == 10  # converted, not merely compared equal
    assert model.update_time == datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=UTC)
    assert_utc(model.update_time)
    assert model.training_data_start_time == datetime(2024, 1, 1, 4, 0, tzinfo=UTC)
    assert model.training_data_start_time is not None
    assert model.training_data_start_time.hour == 4


async def test_unknown_enum_values_and_unknown_fields_are_tolerated(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    seeded = emulator.add_audience_model(status="HIBERNATING")
    # What a newer service might add; the seeding helpers return the stored dict, live.
    seeded["someFutureMember"] = {"nested": [1, 2, 3]}
    model = await client.get_audience_model(audience_model_arn=seeded["audienceModelArn"])
    assert model.status == "HIBERNATING"
    assert type(model.status) is str
    assert not isinstance(model.status, AudienceModelStatus)
    assert not hasattr(model, "some_future_member")


async def test_get_audience_model_of_an_unknown_arn_raises_with_the_request_id(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    arn = emulator.arns.audience_model()
    with pytest.raises(ResourceNotFoundException) as caught:
        await client.get_audience_model(audience_model_arn=arn)
    (record,) = emulator.requests
    assert caught.value.request_id == record.request_id
    assert caught.value.request_id
    assert caught.value.status_code == record.status == 404
    assert caught.value.operation_name == "GetAudienceModel"
    assert arn in caught.value.message


# -- StartAudienceExportJob -----------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [
        AudienceSize(type=AudienceSizeType.ABSOLUTE, value=1000),
        {"type": "ABSOLUTE", "value": 1000},
        {"type": AudienceSizeType.ABSOLUTE, "value": 1000},
    ],
    ids=["AudienceSize", "mapping", "mapping-with-enum"],
)
async def test_start_audience_export_job_with_kwargs(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, size: Any
) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    await client.start_audience_export_job(
        name="my-export",
        audience_generation_job_arn=parent,
        audience_size=size,
        description="first export",
    )
    (record,) = emulator.requests
    assert record.operation == "StartAudienceExportJob"
    assert record.method == "POST"
    assert record.status == 200
    assert record.body == {
        "name": "my-export",
        "audienceGenerationJobArn": parent,
        "audienceSize": {"type": "ABSOLUTE", "value": 1000},
        "description": "first export",
    }


async def test_start_audience_export_job_with_a_request_model(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    request = StartAudienceExportJobRequest(
        name="by-model",
        audience_generation_job_arn=parent,
        audience_size={"type": "PERCENTAGE", "value": 25},
    )
    await client.start_audience_export_job(request)
    (record,) = emulator.requests
    # No description given: none sent (exclude_none), not a null.
    assert record.body == {
        "name": "by-model",
        "audienceGenerationJobArn": parent,
        "audienceSize": {"type": "PERCENTAGE", "value": 25},
    }


async def test_a_received_audience_size_can_be_sent_again(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    emulator.add_audience_export_job(
        audience_generation_job_arn=parent, audience_size={"type": "PERCENTAGE", "value": 12}
    )
    (existing,) = await client.list_audience_export_jobs().to_list()
    await client.start_audience_export_job(
        name="copy", audience_generation_job_arn=parent, audience_size=existing.audience_size
    )
    assert emulator.requests[-1].body["audienceSize"] == {"type": "PERCENTAGE", "value": 12}


async def test_a_started_export_job_is_listed_create_pending_then_active(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    await client.start_audience_export_job(
        name="fresh",
        audience_generation_job_arn=parent,
        audience_size={"type": "ABSOLUTE", "value": 5000},
    )
    (pending,) = await client.list_audience_export_jobs(
        audience_generation_job_arn=parent
    ).to_list()
    assert pending.name == "fresh"
    assert pending.status is AudienceExportJobStatus.CREATE_PENDING
    assert pending.audience_size == AudienceSize(type=AudienceSizeType.ABSOLUTE, value=5000)
    assert pending.output_location is None
    assert_utc(pending.create_time)

    # The emulator activates it after its activation delay (1 s in the fixture); poll for it.
    active: AudienceExportJobSummary | None = None
    async with asyncio.timeout(10):
        while active is None:
            await asyncio.sleep(0.05)
            (job,) = await client.list_audience_export_jobs(
                audience_generation_job_arn=parent
            ).to_list()
            # CREATE_PENDING, then CREATE_IN_PROGRESS half way, as the contract describes.
            if job.status not in (
                AudienceExportJobStatus.CREATE_PENDING,
                AudienceExportJobStatus.CREATE_IN_PROGRESS,
            ):
                active = job
    assert active.status is AudienceExportJobStatus.ACTIVE
    assert active.output_location is not None
    assert "fresh" in active.output_location
    assert active.update_time > pending.update_time


async def test_start_audience_export_job_service_errors_carry_request_ids(
    aio_session: AioSession,
) -> None:
    async with (
        LocalCleanRoomsML(export_job_quota=1) as emulator,
        emulator.client(retry=NO_SLEEP, session=aio_session) as client,
    ):
        parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
        size: AudienceSizeDict = {"type": "ABSOLUTE", "value": 10}

        with pytest.raises(ResourceNotFoundException) as missing:
            await client.start_audience_export_job(
                name="x",
                audience_generation_job_arn=emulator.arns.audience_generation_job(),
                audience_size=size,
            )
        await client.start_audience_export_job(
            name="once", audience_generation_job_arn=parent, audience_size=size
        )
        with pytest.raises(ConflictException) as conflict:
            await client.start_audience_export_job(
                name="once", audience_generation_job_arn=parent, audience_size=size
            )
        with pytest.raises(ServiceQuotaExceededException) as quota:
            await client.start_audience_export_job(
                name="twice", audience_generation_job_arn=parent, audience_size=size
            )

        records = emulator.requests
        assert [r.error_code for r in records] == [
            "ResourceNotFoundException",
            None,
            "ConflictException",
            "ServiceQuotaExceededException",
        ]
        assert missing.value.request_id == records[0].request_id
        assert conflict.value.request_id == records[2].request_id
        assert quota.value.request_id == records[3].request_id
        assert conflict.value.status_code == records[2].status == 409
        assert quota.value.status_code == records[3].status
        assert "once" in conflict.value.message


# -- the emulator's pytest plugin -----------------------------------------------------------


async def test_the_pytest_plugin_fixtures_give_a_working_client(
    cleanroomsml_emulator: LocalCleanRoomsML, cleanroomsml_client: CleanRoomsMLClient
) -> None:
    arn = cleanroomsml_emulator.add_audience_model(name="via-plugin")["audienceModelArn"]
    model = await cleanroomsml_client.get_audience_model(audience_model_arn=arn)
    assert model.name == "via-plugin"
    (record,) = cleanroomsml_emulator.requests
    assert record.uri_params == {"audienceModelArn": arn}
    assert cleanroomsml_emulator.endpoint_url in repr(cleanroomsml_client)
