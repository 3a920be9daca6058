"""boto3-shaped dicts survive ``model_validate`` then ``model_dump(by_alias=True,
exclude_none=True)`` unchanged: what boto3 returns reads back as it came, and what boto3 takes is
exactly what a request model dumps."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic.alias_generators import to_snake

from cleanroomsml_async.models import (
    AudienceExportJobStatus,
    AudienceGenerationJobStatus,
    AudienceModelStatus,
    AudienceSizeType,
    GetAudienceModelRequest,
    GetAudienceModelResponse,
    ListAudienceExportJobsRequest,
    ListAudienceExportJobsResponse,
    ListAudienceGenerationJobsRequest,
    ListAudienceGenerationJobsResponse,
    ListCollaborationTrainedModelExportJobsRequest,
    ListCollaborationTrainedModelExportJobsResponse,
    StartAudienceExportJobRequest,
    TrainedModelExportJobStatus,
)

ACCOUNT = "123456789012"
REGION = "us-east-1"
COLLABORATION = "7a1c3e5f-0b2d-4f6a-8c9e-1d3f5b7a9c0e"
MEMBERSHIP = "3b5d7f9a-1c3e-4a6c-8e0a-2c4e6a8c0e2a"
VERSION = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
PREFIX = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT}"
GEN_JOB_ARN = f"{PREFIX}:audience-generation-job/2c6e0a4b-8d1f-4a3c-9e5b-7d0f2a4c6e8b"
CAM_ARN = f"{PREFIX}:configured-audience-model/0d2f4b6a-8c0e-4f2a-b4c6-e8a0c2e4f6b8"
MODEL_ARN = f"{PREFIX}:audience-model/5e7a9c1b-3d5f-4b7d-9f1b-3d5f7b9d1f3b"
DATASET_ARN = f"{PREFIX}:training-dataset/8b0d2f4a-6c8e-4a0c-8e2a-4c6e8a0c2e4a"
TRAINED_MODEL_ARN = f"{PREFIX}:membership/{MEMBERSHIP}/trained-model/churn-model"
KMS_KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
T0 = datetime(2024, 1, 1, tzinfo=UTC)
T1 = datetime(2024, 1, 1, 9, 30, 15, 250000, tzinfo=UTC)
T2 = datetime(2024, 3, 15, 17, 45, tzinfo=UTC)

# -- responses, as boto3 returns them (every member, optional ones included) ----------------

LIST_AUDIENCE_EXPORT_JOBS_RESPONSE: dict[str, Any] = {
    "nextToken": "eyJvZmZzZXQiOiAyNX0=",
    "audienceExportJobs": [
        {
            "createTime": T0,
            "updateTime": T1,
            "name": "q1-lookalikes",
            "audienceGenerationJobArn": GEN_JOB_ARN,
            "audienceSize": {"type": "ABSOLUTE", "value": 50000},
            "description": "Lookalike audience for the Q1 campaign",
            "status": "ACTIVE",
            "statusDetails": {"statusCode": "SUCCEEDED", "message": "Export finished"},
            "outputLocation": "s3://audience-exports/q1-lookalikes/",
        },
        {
            "createTime": T1,
            "updateTime": T2,
            "name": "q2-lookalikes",
            "audienceGenerationJobArn": GEN_JOB_ARN,
            "audienceSize": {"type": "PERCENTAGE", "value": 10},
            "status": "CREATE_FAILED",
            "statusDetails": {"statusCode": "INTERNAL_ERROR", "message": "Try again"},
        },
    ],
}

LIST_AUDIENCE_GENERATION_JOBS_RESPONSE: dict[str, Any] = {
    "nextToken": "eyJvZmZzZXQiOiA1MH0=",
    "audienceGenerationJobs": [
        {
            "createTime": T0,
            "updateTime": T1,
            "audienceGenerationJobArn": GEN_JOB_ARN,
            "name": "spring-seed",
            "description": "Seed audience from the spring newsletter",
            "status": "ACTIVE",
            "configuredAudienceModelArn": CAM_ARN,
            "collaborationId": COLLABORATION,
            "startedBy": ACCOUNT,
        },
        {
            "createTime": T1,
            "updateTime": T2,
            "audienceGenerationJobArn": GEN_JOB_ARN,
            "name": "summer-seed",
            "status": "DELETE_PENDING",
            "configuredAudienceModelArn": CAM_ARN,
        },
    ],
}

LIST_COLLABORATION_TRAINED_MODEL_EXPORT_JOBS_RESPONSE: dict[str, Any] = {
    "nextToken": "eyJvZmZzZXQiOiAxMH0=",
    "collaborationTrainedModelExportJobs": [
        {
            "createTime": T0,
            "updateTime": T2,
            "name": "churn-export",
            "outputConfiguration": {"members": [{"accountId": "210987654321"}]},
            "status": "CREATE_IN_PROGRESS",
            "statusDetails": {"statusCode": "IN_PROGRESS", "message": "Copying artifacts"},
            "description": "Export of the churn model to the analytics account",
            "creatorAccountId": ACCOUNT,
            "trainedModelArn": TRAINED_MODEL_ARN,
            "trainedModelVersionIdentifier": VERSION,
            "membershipIdentifier": MEMBERSHIP,
            "collaborationIdentifier": COLLABORATION,
        }
    ],
}

GET_AUDIENCE_MODEL_RESPONSE: dict[str, Any] = {
    "createTime": T0,
    "updateTime": T2,
    "trainingDataStartTime": datetime(2023, 1, 1, tzinfo=UTC),
    "trainingDataEndTime": datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC),
    "audienceModelArn": MODEL_ARN,
    "name": "retail-lookalike-model",
    "trainingDatasetArn": DATASET_ARN,
    "status": "ACTIVE",
    "statusDetails": {"statusCode": "OK", "message": "Model is ready"},
    "kmsKeyArn": KMS_KEY_ARN,
    "tags": {"team": "growth", "env": "prod"},
    "description": "Lookalike model trained on 2023 purchases",
}

RESPONSES: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (ListAudienceExportJobsResponse, LIST_AUDIENCE_EXPORT_JOBS_RESPONSE),
    (ListAudienceGenerationJobsResponse, LIST_AUDIENCE_GENERATION_JOBS_RESPONSE),
    (
        ListCollaborationTrainedModelExportJobsResponse,
        LIST_COLLABORATION_TRAINED_MODEL_EXPORT_JOBS_RESPONSE,
    ),
    (GetAudienceModelResponse, GET_AUDIENCE_MODEL_RESPONSE),
]

# -- requests, as boto3 takes them (every parameter) ----------------------------------------

REQUESTS: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (
        ListAudienceExportJobsRequest,
        {
            "nextToken": "eyJvZmZzZXQiOiAyNX0=",
            "maxResults": 25,
            "audienceGenerationJobArn": GEN_JOB_ARN,
        },
    ),
    (
        ListAudienceGenerationJobsRequest,
        {
            "nextToken": "eyJvZmZzZXQiOiA1MH0=",
            "maxResults": 50,
            "configuredAudienceModelArn": CAM_ARN,
            "collaborationId": COLLABORATION,
        },
    ),
    (
        StartAudienceExportJobRequest,
        {
            "name": "q1-lookalikes",
            "audienceGenerationJobArn": GEN_JOB_ARN,
            "audienceSize": {"type": "ABSOLUTE", "value": 50000},
            "description": "Lookalike audience for the Q1 campaign",
        },
    ),
    (
        ListCollaborationTrainedModelExportJobsRequest,
        {
            "nextToken": "eyJvZmZzZXQiOiAxMH0=",
            "maxResults": 10,
            "collaborationIdentifier": COLLABORATION,
            "trainedModelArn": TRAINED_MODEL_ARN,
            "trainedModelVersionIdentifier": VERSION,
        },
    ),
    (GetAudienceModelRequest, {"audienceModelArn": MODEL_ARN}),
]

ALL = [*RESPONSES, *REQUESTS]
IDS = [cls.__name__ for cls, _ in ALL]


def snake_keys(value: Any) -> Any:
    """The same dict with every key in snake_case (tag keys are data, not names)."""
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    if isinstance(value, dict):
        return {to_snake(k): (v if k == "tags" else snake_keys(v)) for k, v in value.items()}
    return value


def every_key(value: Any) -> set[str]:
    if isinstance(value, list):
        return set().union(*(every_key(v) for v in value)) if value else set()
    if isinstance(value, dict):
        keys = set(value)
        for k, v in value.items():
            if k != "tags":
                keys |= every_key(v)
        return keys
    return set()


def every_field(cls: type[BaseModel]) -> set[str]:
    """Every wire name of a model and of the models it holds."""
    names: set[str] = set()
    for info in cls.model_fields.values():
        assert info.alias is not None
        names.add(info.alias)
        for arg in (info.annotation, *getattr(info.annotation, "__args__", ())):
            for inner in (arg, *getattr(arg, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    names |= every_field(inner)
    return names


@pytest.mark.parametrize(("cls", "data"), ALL, ids=IDS)
def test_the_examples_cover_every_member(cls: type[BaseModel], data: dict[str, Any]) -> None:
    assert every_key(data) == every_field(cls)


@pytest.mark.parametrize(("cls", "data"), ALL, ids=IDS)
def test_a_boto3_dict_round_trips_unchanged(cls: type[BaseModel], data: dict[str, Any]) -> None:
    original = copy.deepcopy(data)
    made = cls.model_validate(data)
    assert made.model_dump(by_alias=True, exclude_none=True) == data
    assert data == original  # validation did not touch the input


@pytest.mark.parametrize(("cls", "data"), ALL, ids=IDS)
def test_snake_case_input_gives_the_same_model(cls: type[BaseModel], data: dict[str, Any]) -> None:
    by_name = cls.model_validate(snake_keys(data))
    assert by_name == cls.model_validate(data)
    assert by_name.model_dump(by_alias=True, exclude_none=True) == data
    assert by_name.model_dump(exclude_none=True) == snake_keys(data)


@pytest.mark.parametrize(("cls", "data"), ALL, ids=IDS)
def test_a_dump_validates_back_to_an_equal_model(
    cls: type[BaseModel], data: dict[str, Any]
) -> None:
    made = cls.model_validate(data)
    again = cls.model_validate(made.model_dump(by_alias=True, exclude_none=True))
    assert again == made
    assert cls.model_validate_json(made.model_dump_json(by_alias=True)) == made


def test_known_enum_values_are_read_as_enum_members() -> None:
    jobs = ListAudienceExportJobsResponse.model_validate(LIST_AUDIENCE_EXPORT_JOBS_RESPONSE)
    assert jobs.audience_export_jobs[0].status is AudienceExportJobStatus.ACTIVE
    assert jobs.audience_export_jobs[0].audience_size.type is AudienceSizeType.ABSOLUTE
    assert jobs.audience_export_jobs[1].audience_size.type is AudienceSizeType.PERCENTAGE
    generations = ListAudienceGenerationJobsResponse.model_validate(
        LIST_AUDIENCE_GENERATION_JOBS_RESPONSE
    )
    assert generations.audience_generation_jobs[1].status is (
        AudienceGenerationJobStatus.DELETE_PENDING
    )
    exports = ListCollaborationTrainedModelExportJobsResponse.model_validate(
        LIST_COLLABORATION_TRAINED_MODEL_EXPORT_JOBS_RESPONSE
    )
    export = exports.collaboration_trained_model_export_jobs[0]
    assert export.status is TrainedModelExportJobStatus.CREATE_IN_PROGRESS
    assert export.output_configuration.members[0].account_id == "210987654321"
    model = GetAudienceModelResponse.model_validate(GET_AUDIENCE_MODEL_RESPONSE)
    assert model.status is AudienceModelStatus.ACTIVE
    assert model.tags == {"team": "growth", "env": "prod"}
    assert model.create_time == T0
    assert model.create_time.tzinfo is not None


# -- generated requests ---------------------------------------------------------------------


def _regex(pattern: str, lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True).filter(lambda s: lo <= len(s) <= hi)


_ARN = "arn:aws[-a-z]*:cleanrooms-ml:[-a-z0-9]+:[0-9]{12}:"
_UUID_RE = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_RESOURCE = "[-a-zA-Z0-9_/.]+"
UUIDS = _regex(_UUID_RE, 36, 36)
GEN_JOB_ARNS = _regex(f"{_ARN}audience-generation-job/{_RESOURCE}", 20, 2048)
CAM_ARNS = _regex(f"{_ARN}configured-audience-model/{_RESOURCE}", 20, 2048)
MODEL_ARNS = _regex(f"{_ARN}audience-model/{_RESOURCE}", 20, 2048)
TRAINED_MODEL_ARNS = _regex(f"{_ARN}membership/{_UUID_RE}/trained-model/{_RESOURCE}", 20, 2048)
_CHARS = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0xD7FF),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFD),
    st.just("\t"),
)
NAMES = st.text(_CHARS, min_size=1, max_size=63).filter(lambda s: not set(s) <= {" ", "\t"})
DESCRIPTIONS = st.text(st.one_of(_CHARS, st.sampled_from("\r\n")), max_size=255)
TOKENS = st.text(min_size=1, max_size=200)
PAGE_SIZES = st.integers(min_value=1, max_value=100)
SIZES = st.fixed_dictionaries(
    {
        "type": st.sampled_from([t.value for t in AudienceSizeType]),
        "value": st.integers(min_value=1, max_value=20_000_000),
    }
)

REQUEST_KWARGS: dict[type[BaseModel], st.SearchStrategy[dict[str, Any]]] = {
    ListAudienceExportJobsRequest: st.fixed_dictionaries(
        {},
        optional={
            "nextToken": TOKENS,
            "maxResults": PAGE_SIZES,
            "audienceGenerationJobArn": GEN_JOB_ARNS,
        },
    ),
    ListAudienceGenerationJobsRequest: st.fixed_dictionaries(
        {},
        optional={
            "nextToken": TOKENS,
            "maxResults": PAGE_SIZES,
            "configuredAudienceModelArn": CAM_ARNS,
            "collaborationId": UUIDS,
        },
    ),
    StartAudienceExportJobRequest: st.fixed_dictionaries(
        {"name": NAMES, "audienceGenerationJobArn": GEN_JOB_ARNS, "audienceSize": SIZES},
        optional={"description": DESCRIPTIONS},
    ),
    ListCollaborationTrainedModelExportJobsRequest: st.fixed_dictionaries(
        {"collaborationIdentifier": UUIDS, "trainedModelArn": TRAINED_MODEL_ARNS},
        optional={
            "nextToken": TOKENS,
            "maxResults": PAGE_SIZES,
            "trainedModelVersionIdentifier": UUIDS,
        },
    ),
    GetAudienceModelRequest: st.fixed_dictionaries({"audienceModelArn": MODEL_ARNS}),
}

REQUEST_CASES = st.sampled_from(list(REQUEST_KWARGS)).flatmap(
    lambda cls: st.tuples(st.just(cls), REQUEST_KWARGS[cls])
)


def test_every_request_model_has_a_strategy() -> None:
    assert {cls for cls, _ in REQUESTS} == set(REQUEST_KWARGS)


@settings(max_examples=50, deadline=None)
@given(case=REQUEST_CASES)
def test_generated_request_kwargs_round_trip(case: tuple[type[BaseModel], dict[str, Any]]) -> None:
    cls, kwargs = case
    made = cls.model_validate(kwargs)
    assert made.model_dump(by_alias=True, exclude_none=True) == kwargs
    assert cls.model_validate(snake_keys(kwargs)) == made
    # Keyword construction with the Python names gives the same request.
    assert cls(**snake_keys(kwargs)) == made
