"""Refused input raises before anything is sent: the emulator's request log stays empty."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from pydantic import ValidationError

from cleanroomsml_async import CleanRoomsMLClient
from cleanroomsml_async.models import (
    AudienceSize,
    GetAudienceModelRequest,
    ListAudienceExportJobsRequest,
    ListAudienceGenerationJobsRequest,
    ListCollaborationTrainedModelExportJobsRequest,
    StartAudienceExportJobRequest,
)
from cleanroomsml_async.testing import LocalCleanRoomsML

REGION_ACCOUNT = "us-east-1:123456789012"
GEN_JOB = f"arn:aws:cleanrooms-ml:{REGION_ACCOUNT}:audience-generation-job/job-1"
MODEL = f"arn:aws:cleanrooms-ml:{REGION_ACCOUNT}:audience-model/model-1"
CONFIGURED = f"arn:aws:cleanrooms-ml:{REGION_ACCOUNT}:configured-audience-model/cam-1"
MEMBERSHIP = "6f1c1b8e-5a0e-4b8e-9c55-0a4e4f6f1a2b"
TRAINED = f"arn:aws:cleanrooms-ml:{REGION_ACCOUNT}:membership/{MEMBERSHIP}/trained-model/tm-1"
COLLABORATION = "0b6c6d8a-1d2e-4f3a-8b9c-0d1e2f3a4b5c"
SIZE = {"type": "ABSOLUTE", "value": 1000}

LIST_METHODS = {
    "list_audience_export_jobs",
    "list_audience_generation_jobs",
    "list_collaboration_trained_model_export_jobs",
}


@pytest_asyncio.fixture
async def quiet(emulator: LocalCleanRoomsML) -> AsyncIterator[LocalCleanRoomsML]:
    """The emulator; after the test, its log must show that nothing at all was sent."""
    yield emulator
    assert list(emulator.requests) == []


async def call(client: CleanRoomsMLClient, method: str, *args: Any, **kwargs: Any) -> None:
    """Call an operation; list methods must refuse at call time, before any iteration."""
    result = getattr(client, method)(*args, **kwargs)
    if method in LIST_METHODS:
        pytest.fail(f"{method} returned a pager for refused input: {result!r}")
    await result


BAD_KWARGS: list[tuple[str, dict[str, Any]]] = [
    # ARNs: malformed, of the wrong resource type, or of the wrong service
    ("get_audience_model", {"audience_model_arn": "not-an-arn-at-all-really"}),
    ("get_audience_model", {"audience_model_arn": GEN_JOB}),
    ("get_audience_model", {"audience_model_arn": MODEL.replace("cleanrooms-ml", "s3")}),
    ("get_audience_model", {"audience_model_arn": MODEL + "\n"}),  # the whole value must match
    ("get_audience_model", {}),
    ("list_audience_export_jobs", {"audience_generation_job_arn": CONFIGURED}),
    ("list_audience_generation_jobs", {"configured_audience_model_arn": GEN_JOB}),
    # page sizes and tokens
    ("list_audience_export_jobs", {"max_results": 1000}),
    ("list_audience_export_jobs", {"max_results": 0}),
    ("list_audience_export_jobs", {"max_results": "10"}),
    ("list_audience_generation_jobs", {"max_results": 101}),
    ("list_audience_generation_jobs", {"next_token": ""}),
    ("list_audience_generation_jobs", {"collaboration_id": COLLABORATION.upper()}),
    # required members and patterns of the trained-model listing
    ("list_collaboration_trained_model_export_jobs", {"trained_model_arn": TRAINED}),
    ("list_collaboration_trained_model_export_jobs", {"collaboration_identifier": COLLABORATION}),
    (
        "list_collaboration_trained_model_export_jobs",
        {
            "collaboration_identifier": COLLABORATION,
            "trained_model_arn": TRAINED.replace(MEMBERSHIP, "not-a-uuid"),
        },
    ),
    (
        "list_collaboration_trained_model_export_jobs",
        {
            "collaboration_identifier": COLLABORATION,
            "trained_model_arn": TRAINED,
            "max_results": 1000,
        },
    ),
    # StartAudienceExportJob
    ("start_audience_export_job", {"name": "x", "audience_generation_job_arn": GEN_JOB}),
    (
        "start_audience_export_job",
        {"name": "x" * 64, "audience_generation_job_arn": GEN_JOB, "audience_size": SIZE},
    ),
    (
        "start_audience_export_job",
        {"name": "   ", "audience_generation_job_arn": GEN_JOB, "audience_size": SIZE},
    ),
    (
        "start_audience_export_job",
        {"name": "x", "audience_generation_job_arn": MODEL, "audience_size": SIZE},
    ),
    (
        "start_audience_export_job",
        {
            "name": "x",
            "audience_generation_job_arn": GEN_JOB,
            "audience_size": SIZE,
            "description": "d" * 256,
        },
    ),
    (
        "start_audience_export_job",
        {
            "name": "x",
            "audience_generation_job_arn": GEN_JOB,
            "audience_size": {"type": "ABSOLUTE", "value": 0},
        },
    ),
    (
        "start_audience_export_job",
        {
            "name": "x",
            "audience_generation_job_arn": GEN_JOB,
            "audience_size": {"type": "HUGE", "value": 10},
        },
    ),
    (
        "start_audience_export_job",
        {
            "name": "x",
            "audience_generation_job_arn": GEN_JOB,
            "audience_size": {"type": "ABSOLUTE", "value": "10"},
        },
    ),
    (
        "start_audience_export_job",
        {
            "name": "x",
            "audience_generation_job_arn": GEN_JOB,
            "audience_size": {"type": "ABSOLUTE", "value": 10, "unit": "people"},
        },
    ),
    (
        "start_audience_export_job",
        {
            "name": "x",
            "audience_generation_job_arn": GEN_JOB,
            "audience_size": {"type": "ABSOLUTE"},
        },
    ),
    # An AudienceSize read from a response is lenient; sending it applies the strict rules.
    (
        "start_audience_export_job",
        {
            "name": "x",
            "audience_generation_job_arn": GEN_JOB,
            "audience_size": AudienceSize(type="SOMETHING_NEW", value=10),
        },
    ),
]


@pytest.mark.parametrize(("method", "kwargs"), BAD_KWARGS)
async def test_invalid_keyword_arguments_raise_before_sending(
    client: CleanRoomsMLClient, quiet: LocalCleanRoomsML, method: str, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        await call(client, method, **kwargs)


@pytest.mark.parametrize("method", sorted(LIST_METHODS))
async def test_list_methods_refuse_at_call_time_not_at_first_iteration(
    client: CleanRoomsMLClient, quiet: LocalCleanRoomsML, method: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        getattr(client, method)(max_results=1000)  # not awaited, not iterated
    assert "max_results" in str(caught.value) or "maxResults" in str(caught.value)


async def test_unknown_keyword_arguments_are_refused(
    client: CleanRoomsMLClient, quiet: LocalCleanRoomsML
) -> None:
    with pytest.raises(TypeError):
        client.list_audience_export_jobs(max_result=10)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        await client.get_audience_model(audience_model_arn=MODEL, region="eu-west-1")  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        await client.start_audience_export_job(  # type: ignore[call-overload]
            name="x", audience_generation_job_arn=GEN_JOB, audience_size=SIZE, tags={"a": "b"}
        )
    # The wire (camelCase) names are for models, not for the methods' keywords.
    with pytest.raises(TypeError):
        client.list_audience_export_jobs(maxResults=10)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("method", "request_model", "kwargs"),
    [
        (
            "list_audience_export_jobs",
            ListAudienceExportJobsRequest(max_results=5),
            {"max_results": 5},
        ),
        (
            "list_audience_generation_jobs",
            ListAudienceGenerationJobsRequest(),
            {"collaboration_id": COLLABORATION},
        ),
        (
            "list_collaboration_trained_model_export_jobs",
            ListCollaborationTrainedModelExportJobsRequest(
                collaboration_identifier=COLLABORATION, trained_model_arn=TRAINED
            ),
            {"next_token": "abc"},
        ),
        (
            "get_audience_model",
            GetAudienceModelRequest(audience_model_arn=MODEL),
            {"audience_model_arn": MODEL},
        ),
        (
            "start_audience_export_job",
            StartAudienceExportJobRequest(
                name="x",
                audience_generation_job_arn=GEN_JOB,
                audience_size=SIZE,
            ),
            {"description": "also"},
        ),
    ],
)
async def test_a_request_model_plus_keyword_arguments_is_a_type_error(
    client: CleanRoomsMLClient,
    quiet: LocalCleanRoomsML,
    method: str,
    request_model: Any,
    kwargs: dict[str, Any],
) -> None:
    with pytest.raises(TypeError, match="not both"):
        await call(client, method, request_model, **kwargs)


async def test_the_wrong_request_model_is_a_type_error(
    client: CleanRoomsMLClient, quiet: LocalCleanRoomsML
) -> None:
    wrong = GetAudienceModelRequest(audience_model_arn=MODEL)
    with pytest.raises(TypeError, match="ListAudienceExportJobsRequest"):
        client.list_audience_export_jobs(wrong)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await client.get_audience_model(ListAudienceExportJobsRequest())  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        await client.get_audience_model({"audience_model_arn": MODEL})  # type: ignore[call-overload]


def test_request_models_are_strict_and_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        ListAudienceExportJobsRequest(max_result=10)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        ListAudienceExportJobsRequest(max_results=True)
    with pytest.raises(ValidationError):
        GetAudienceModelRequest()  # type: ignore[call-arg]


async def test_requests_built_from_wire_names_are_sent_as_such(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    """The positive control for the tests above: valid input does reach the service."""
    emulator.add_audience_export_jobs(3)
    request = ListAudienceExportJobsRequest.model_validate({"maxResults": 2})
    page = await client.list_audience_export_jobs(request)
    assert len(page.audience_export_jobs) == 2
    (record,) = emulator.requests
    assert record.query == {"maxResults": "2"}
