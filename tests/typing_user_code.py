"""User-style code that pins the public API's static types; type-checked, never run.

``mypy`` (the ``typecheck`` nox session) checks this module with ``disallow_any_expr`` and
friends (see ``[[tool.mypy.overrides]]`` in pyproject.toml): every expression here must have a
precise type, so if a public return type regresses to ``Any`` (or an item type is lost) this
file stops type-checking, and ``typing.assert_type`` pins each type exactly. Importing the
module does nothing (it only defines functions), so pytest's collection is unaffected; its
name does not start with ``test_``, so pytest does not collect it either.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import assert_type

from cleanroomsml_async import (
    AccessDeniedException,
    AsyncPager,
    CleanRoomsMLClient,
    CleanRoomsMLError,
    ConfigurationError,
    ConflictException,
    PaginationError,
    ResourceNotFoundException,
    ResponseError,
    RetryPolicy,
    ServiceError,
    ServiceQuotaExceededException,
    ThrottlingException,
    TransportError,
    TransportTimeoutError,
    ValidationException,
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
    ListAudienceGenerationJobsResponse,
    ListCollaborationTrainedModelExportJobsResponse,
    StartAudienceExportJobRequest,
    StatusDetails,
    TrainedModelExportJobStatus,
    TrainedModelExportOutputConfiguration,
    TrainedModelExportReceiverMember,
)
from cleanroomsml_async.testing import LocalCleanRoomsML, RequestRecord

MODEL_ARN = "arn:aws:cleanrooms-ml:us-east-1:123456789012:audience-model/example"
JOB_ARN = "arn:aws:cleanrooms-ml:us-east-1:123456789012:audience-generation-job/example"
COLLABORATION = "00000000-0000-4000-8000-000000000000"
TRAINED_MODEL_ARN = (
    "arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/"
    "00000000-0000-4000-8000-000000000000/trained-model/example"
)


async def construct_clients() -> None:
    policy = RetryPolicy(max_attempts=3, initial_delay=0.0, max_delay=0.0, timeout=5.0)
    assert_type(policy.max_attempts, int)
    assert_type(policy.initial_delay, float)
    assert_type(policy.timeout, float | None)
    assert_type(policy.adaptive, bool)
    client = CleanRoomsMLClient(region_name="us-east-1", retry=policy)
    assert_type(client, CleanRoomsMLClient)
    assert_type(client.retry_policy, RetryPolicy)
    async with client as entered:
        assert_type(entered, CleanRoomsMLClient)
    await client.close()


async def pagers(client: CleanRoomsMLClient) -> None:
    exports = client.list_audience_export_jobs(max_results=10)
    assert_type(exports, AsyncPager[AudienceExportJobSummary, ListAudienceExportJobsResponse])
    generation = client.list_audience_generation_jobs(collaboration_id=COLLABORATION)
    assert_type(
        generation, AsyncPager[AudienceGenerationJobSummary, ListAudienceGenerationJobsResponse]
    )
    trained = client.list_collaboration_trained_model_export_jobs(
        collaboration_identifier=COLLABORATION, trained_model_arn=TRAINED_MODEL_ARN
    )
    assert_type(
        trained,
        AsyncPager[
            CollaborationTrainedModelExportJobSummary,
            ListCollaborationTrainedModelExportJobsResponse,
        ],
    )
    # The request model as the only positional argument gives the same pager type.
    from_request = client.list_audience_export_jobs(ListAudienceExportJobsRequest(max_results=5))
    assert_type(from_request, AsyncPager[AudienceExportJobSummary, ListAudienceExportJobsResponse])

    # await: the first page.
    first_page = await exports
    assert_type(first_page, ListAudienceExportJobsResponse)
    assert_type(first_page.next_token, str | None)
    assert_type(first_page.audience_export_jobs, list[AudienceExportJobSummary])
    assert_type((await generation).audience_generation_jobs, list[AudienceGenerationJobSummary])
    assert_type(
        (await trained).collaboration_trained_model_export_jobs,
        list[CollaborationTrainedModelExportJobSummary],
    )

    # async for: items.
    async for job in exports:
        assert_type(job, AudienceExportJobSummary)
    async for generation_job in generation:
        assert_type(generation_job, AudienceGenerationJobSummary)
    async for trained_export in trained.prefetch(2):
        assert_type(trained_export, CollaborationTrainedModelExportJobSummary)

    # pages(): pages.
    pages = exports.pages()
    assert_type(pages, AsyncGenerator[ListAudienceExportJobsResponse])
    async for page in pages:
        assert_type(page, ListAudienceExportJobsResponse)
    async for generation_page in generation.prefetch().pages():
        assert_type(generation_page, ListAudienceGenerationJobsResponse)

    # to_list(): items, as a list.
    assert_type(await exports.to_list(), list[AudienceExportJobSummary])
    assert_type(await generation.to_list(limit=10), list[AudienceGenerationJobSummary])
    assert_type(
        await trained.prefetch(3).to_list(limit=1), list[CollaborationTrainedModelExportJobSummary]
    )
    assert_type(
        exports.prefetch(2), AsyncPager[AudienceExportJobSummary, ListAudienceExportJobsResponse]
    )

    # Resuming from a saved token.
    if first_page.next_token is not None:
        resumed = client.list_audience_export_jobs(next_token=first_page.next_token)
        assert_type(resumed, AsyncPager[AudienceExportJobSummary, ListAudienceExportJobsResponse])


async def single_calls(client: CleanRoomsMLClient) -> None:
    model = await client.get_audience_model(audience_model_arn=MODEL_ARN)
    assert_type(model, GetAudienceModelResponse)
    same = await client.get_audience_model(GetAudienceModelRequest(audience_model_arn=MODEL_ARN))
    assert_type(same, GetAudienceModelResponse)

    # A plain mapping works for audience_size, checked by its TypedDict.
    size: AudienceSizeDict = {"type": "ABSOLUTE", "value": 1000}
    # ...so a mistyped value is a type error (the ignore is itself checked: it must be needed).
    wrong: AudienceSizeDict = {"type": "ABSOLUTE", "value": "lots"}  # type: ignore[typeddict-item]
    del wrong
    assert_type(
        await client.start_audience_export_job(
            name="weekly", audience_generation_job_arn=JOB_ARN, audience_size=size
        ),
        None,
    )
    request = StartAudienceExportJobRequest(
        name="weekly",
        audience_generation_job_arn=JOB_ARN,
        audience_size=AudienceSize(type=AudienceSizeType.PERCENTAGE, value=10),
    )
    assert_type(await client.start_audience_export_job(request), None)


def audience_model_fields(model: GetAudienceModelResponse) -> None:
    assert_type(model.status, AudienceModelStatus | str)
    assert_type(model.create_time, datetime)
    assert_type(model.update_time, datetime)
    assert_type(model.training_data_start_time, datetime | None)
    assert_type(model.training_data_end_time, datetime | None)
    assert_type(model.audience_model_arn, str)
    assert_type(model.name, str)
    assert_type(model.training_dataset_arn, str)
    assert_type(model.status_details, StatusDetails | None)
    assert_type(model.kms_key_arn, str | None)
    assert_type(model.tags, dict[str, str] | None)
    assert_type(model.description, str | None)
    if model.status_details is not None:
        assert_type(model.status_details.status_code, str | None)
        assert_type(model.status_details.message, str | None)
    if model.status == AudienceModelStatus.ACTIVE:
        print(model.create_time.astimezone().isoformat())


def export_job_fields(job: AudienceExportJobSummary) -> None:
    assert_type(job.status, AudienceExportJobStatus | str)
    assert_type(job.create_time, datetime)
    assert_type(job.update_time, datetime)
    assert_type(job.name, str)
    assert_type(job.audience_generation_job_arn, str)
    assert_type(job.audience_size, AudienceSize)
    assert_type(job.audience_size.type, AudienceSizeType | str)
    assert_type(job.audience_size.value, int)
    assert_type(job.description, str | None)
    assert_type(job.status_details, StatusDetails | None)
    assert_type(job.output_location, str | None)


def generation_job_fields(job: AudienceGenerationJobSummary) -> None:
    assert_type(job.status, AudienceGenerationJobStatus | str)
    assert_type(job.create_time, datetime)
    assert_type(job.audience_generation_job_arn, str)
    assert_type(job.configured_audience_model_arn, str)
    assert_type(job.collaboration_id, str | None)
    assert_type(job.started_by, str | None)


def trained_model_export_fields(job: CollaborationTrainedModelExportJobSummary) -> None:
    assert_type(job.status, TrainedModelExportJobStatus | str)
    assert_type(job.create_time, datetime)
    assert_type(job.output_configuration, TrainedModelExportOutputConfiguration)
    assert_type(job.output_configuration.members, list[TrainedModelExportReceiverMember])
    for member in job.output_configuration.members:
        assert_type(member.account_id, str)
    assert_type(job.trained_model_version_identifier, str | None)
    assert_type(job.creator_account_id, str)
    assert_type(job.membership_identifier, str)
    assert_type(job.collaboration_identifier, str)


def service_error_attributes(error: ServiceError) -> None:
    assert_type(error.code, str)
    assert_type(error.message, str)
    assert_type(error.status_code, int | None)
    assert_type(error.request_id, str | None)
    assert_type(error.operation_name, str | None)


async def catching(client: CleanRoomsMLClient) -> str | None:
    try:
        await client.get_audience_model(audience_model_arn=MODEL_ARN)
    except ResourceNotFoundException as missing:
        assert_type(missing.code, str)
        assert_type(missing.status_code, int | None)
        assert_type(missing.request_id, str | None)
        return missing.request_id
    except ThrottlingException as throttled:
        assert_type(throttled.request_id, str | None)
        return throttled.code
    except (
        AccessDeniedException,
        ConflictException,
        ServiceQuotaExceededException,
        ValidationException,
    ) as other:
        assert_type(other.code, str)
        return other.code
    except ServiceError as error:
        assert_type(error.status_code, int | None)
        return error.code
    except ResponseError as bad_response:
        assert_type(bad_response.request_id, str | None)
        assert_type(bad_response.operation_name, str | None)
        return bad_response.request_id
    except (PaginationError, TransportTimeoutError, TransportError, ConfigurationError) as local:
        assert_type(local.message, str)
        return local.message
    except CleanRoomsMLError as anything:
        assert_type(anything.operation_name, str | None)
        return None
    return None


async def emulator_in_a_test() -> None:
    async with LocalCleanRoomsML() as emulator:
        assert_type(emulator, LocalCleanRoomsML)
        assert_type(emulator.endpoint_url, str)
        async with emulator.client() as client:
            assert_type(client, CleanRoomsMLClient)
        records = emulator.requests_for("GetAudienceModel")
        assert_type(records, list[RequestRecord])
        for record in emulator.requests:
            assert_type(record, RequestRecord)
            assert_type(record.status, int)
            assert_type(record.operation, str | None)
            assert_type(record.error_code, str | None)
        assert_type(emulator.faults.throttle(2).hits, int)
