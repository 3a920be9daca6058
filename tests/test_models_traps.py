"""Regression tests for the traps the models are built to avoid.

pydantic's default (Rust) regex engine searches anywhere in the value and has no look-around;
botocore checks neither maximums, nor enums, nor patterns; and what the service sends may carry
fields and values newer than this module. Each test pins one of those down.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import botocore.session
import botocore.validate
import pytest
from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel

from cleanroomsml_async.models import (
    AudienceExportJobStatus,
    AudienceExportJobSummary,
    AudienceGenerationJobStatus,
    AudienceGenerationJobSummary,
    AudienceModelStatus,
    AudienceSize,
    AudienceSizeType,
    CollaborationTrainedModelExportJobSummary,
    GetAudienceModelRequest,
    GetAudienceModelResponse,
    ListAudienceExportJobsRequest,
    ListAudienceExportJobsResponse,
    ListAudienceGenerationJobsRequest,
    ListCollaborationTrainedModelExportJobsRequest,
    StartAudienceExportJobRequest,
    TrainedModelExportJobStatus,
)

SERVICE: Any = botocore.session.get_session().get_service_model("cleanroomsml")

ACCOUNT = "123456789012"
GEN_JOB_ARN = f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:audience-generation-job/agj-0001"
MODEL_ARN = f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:audience-model/am-0001"
DATASET_ARN = f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:training-dataset/td-0001"
UUID = "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"
TRAINED_MODEL_ARN = (
    f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:membership/{UUID}/trained-model/tm-0001"
)


def start(**changes: object) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "export",
        "audienceGenerationJobArn": GEN_JOB_ARN,
        "audienceSize": {"type": "ABSOLUTE", "value": 1000},
    }
    return {**base, **changes}


def wire_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """A request error's location (the snake_case names the caller typed) in wire names."""
    return tuple(to_camel(part) if isinstance(part, str) else part for part in loc)


def refused(cls: type[BaseModel], data: dict[str, Any], loc: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        cls.model_validate(data)
    assert [wire_loc(tuple(e["loc"])) for e in info.value.errors()] == [loc]


def model_response(**changes: object) -> dict[str, Any]:
    base: dict[str, Any] = {
        "createTime": "2024-01-01T00:00:00Z",
        "updateTime": "2024-01-02T00:00:00Z",
        "audienceModelArn": MODEL_ARN,
        "name": "model",
        "trainingDatasetArn": DATASET_ARN,
        "status": "ACTIVE",
    }
    return {**base, **changes}


# -- patterns match the whole value ---------------------------------------------------------


@pytest.mark.parametrize(
    "arn",
    [
        "junk" + GEN_JOB_ARN,
        " " + GEN_JOB_ARN,
        GEN_JOB_ARN + " junk",
        GEN_JOB_ARN + "\n",
        GEN_JOB_ARN + ":extra",
        "prefix:" + GEN_JOB_ARN + ":suffix",
    ],
    ids=["junk-before", "space-before", "junk-after", "newline-after", "colon-after", "both"],
)
def test_a_valid_arn_inside_junk_is_refused(arn: str) -> None:
    assert GEN_JOB_ARN in arn  # a search, as the Rust engine does, would find it
    ListAudienceExportJobsRequest.model_validate({"audienceGenerationJobArn": GEN_JOB_ARN})
    refused(
        ListAudienceExportJobsRequest,
        {"audienceGenerationJobArn": arn},
        ("audienceGenerationJobArn",),
    )
    refused(
        StartAudienceExportJobRequest,
        start(audienceGenerationJobArn=arn),
        ("audienceGenerationJobArn",),
    )


@pytest.mark.parametrize("digits", ["1234567890123", "12345678901"], ids=["13", "11"])
def test_an_account_id_of_the_wrong_length_in_an_arn_is_refused(digits: str) -> None:
    # [0-9]{12} found inside 13 digits satisfies a search; only a whole-value match refuses it.
    assert ACCOUNT in GEN_JOB_ARN
    bad = GEN_JOB_ARN.replace(ACCOUNT, digits)
    refused(
        ListAudienceExportJobsRequest,
        {"audienceGenerationJobArn": bad},
        ("audienceGenerationJobArn",),
    )
    refused(
        GetAudienceModelRequest,
        {"audienceModelArn": MODEL_ARN.replace(ACCOUNT, digits)},
        ("audienceModelArn",),
    )
    refused(
        ListCollaborationTrainedModelExportJobsRequest,
        {
            "collaborationIdentifier": UUID,
            "trainedModelArn": TRAINED_MODEL_ARN.replace(ACCOUNT, digits),
        },
        ("trainedModelArn",),
    )


def test_a_uuid_inside_a_longer_value_is_refused() -> None:
    ListAudienceGenerationJobsRequest.model_validate({"collaborationId": UUID})
    # Same length as a UUID, so only the pattern can refuse it.
    shifted = "x" + UUID[:-1]
    assert len(shifted) == len(UUID)
    refused(ListAudienceGenerationJobsRequest, {"collaborationId": shifted}, ("collaborationId",))
    refused(
        ListAudienceGenerationJobsRequest, {"collaborationId": UUID.upper()}, ("collaborationId",)
    )


@pytest.mark.parametrize("name", ["   ", "\t", " \t ", " " * 63])
def test_a_name_of_only_whitespace_is_refused(name: str) -> None:
    # The (?!\s*$) look-ahead: the Rust engine cannot even compile it.
    refused(StartAudienceExportJobRequest, start(name=name), ("name",))


@pytest.mark.parametrize("name", ["\u2028", " \u2028", "\t\u0085", "\u2029"])
def test_blanks_before_a_final_unicode_line_break_are_refused(name: str) -> None:
    # Java's $ also matches before a final U+0085/U+2028/U+2029 (checked with java.util.regex),
    # so the look-ahead fires; Python's $ alone would have accepted these.
    refused(StartAudienceExportJobRequest, start(name=name), ("name",))


@pytest.mark.parametrize("name", ["a\u2028", "\u2028a", "\u0085\u0085"])
def test_a_unicode_line_break_with_something_else_is_accepted(name: str) -> None:
    assert StartAudienceExportJobRequest.model_validate(start(name=name)).name == name


@pytest.mark.parametrize("name", [" x", "x ", "\tx\t", "a b", "\u00a0", "\u3000"])
def test_a_name_with_something_besides_ascii_whitespace_is_accepted(name: str) -> None:
    # \s is ASCII-only in the service's (Java) regex: a no-break space is not whitespace to it.
    made = StartAudienceExportJobRequest.model_validate(start(name=name))
    assert made.name == name


@pytest.mark.parametrize("name", ["😀", "export 😀", "\U00010000"])
def test_a_name_with_a_character_outside_the_basic_plane_is_refused(name: str) -> None:
    refused(StartAudienceExportJobRequest, start(name=name), ("name",))


@pytest.mark.parametrize("name", ["a\nb", "a\rb", "a\x00", "\x7f\ufffe"])
def test_a_name_with_a_character_outside_its_class_is_refused(name: str) -> None:
    refused(StartAudienceExportJobRequest, start(name=name), ("name",))


def test_a_description_may_span_lines_but_not_hold_control_characters() -> None:
    made = StartAudienceExportJobRequest.model_validate(start(description="line 1\r\nline 2\n"))
    assert made.description == "line 1\r\nline 2\n"
    assert StartAudienceExportJobRequest.model_validate(start(description="")).description == ""
    refused(StartAudienceExportJobRequest, start(description="bell\x07"), ("description",))
    refused(StartAudienceExportJobRequest, start(description="😀"), ("description",))


# -- botocore lets these through; the models are the only guard -----------------------------


def botocore_errors(operation: str, params: dict[str, Any]) -> str:
    shape = SERVICE.operation_model(operation).input_shape
    report: Any = botocore.validate.ParamValidator().validate(params, shape)
    text: str = report.generate_report()
    return text


@pytest.mark.parametrize(
    ("operation", "cls", "params", "loc"),
    [
        pytest.param(
            "ListAudienceExportJobs",
            ListAudienceExportJobsRequest,
            {"maxResults": 1000},
            ("maxResults",),
            id="maxResults-over-max",
        ),
        pytest.param(
            "StartAudienceExportJob",
            StartAudienceExportJobRequest,
            start(audienceSize={"type": "NOT_A_TYPE", "value": 1000}),
            ("audienceSize", "type"),
            id="bad-enum",
        ),
        pytest.param(
            "StartAudienceExportJob",
            StartAudienceExportJobRequest,
            start(audienceSize={"type": "ABSOLUTE", "value": 10**9}),
            ("audienceSize", "value"),
            id="size-over-max",
        ),
        pytest.param(
            "ListAudienceExportJobs",
            ListAudienceExportJobsRequest,
            {"audienceGenerationJobArn": "this is certainly not an ARN"},
            ("audienceGenerationJobArn",),
            id="malformed-arn",
        ),
        pytest.param(
            "GetAudienceModel",
            GetAudienceModelRequest,
            {"audienceModelArn": MODEL_ARN.replace(ACCOUNT, "1234567890123")},
            ("audienceModelArn",),
            id="13-digit-account",
        ),
        pytest.param(
            "StartAudienceExportJob",
            StartAudienceExportJobRequest,
            start(name="   "),
            ("name",),
            id="blank-name",
        ),
        pytest.param(
            "StartAudienceExportJob",
            StartAudienceExportJobRequest,
            start(name="n" * 64),
            ("name",),
            id="name-over-max",
        ),
    ],
)
def test_botocore_lets_it_through_but_the_model_refuses(
    operation: str, cls: type[BaseModel], params: dict[str, Any], loc: tuple[str, ...]
) -> None:
    assert botocore_errors(operation, params) == ""
    refused(cls, params, loc)


def test_botocore_does_check_some_things_the_models_check_too() -> None:
    # The control: the validator above is live, it just checks less.
    assert "maxResults" in botocore_errors("ListAudienceExportJobs", {"maxResults": 0})
    refused(ListAudienceExportJobsRequest, {"maxResults": 0}, ("maxResults",))


# -- strict types ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["5", True, False, 5.0, [5]])
def test_max_results_takes_only_an_int(value: object) -> None:
    refused(ListAudienceExportJobsRequest, {"maxResults": value}, ("maxResults",))
    assert ListAudienceExportJobsRequest.model_validate({"maxResults": 5}).max_results == 5


@pytest.mark.parametrize("value", [5, 5.5, b"export", ["export"]])
def test_a_name_takes_only_a_str(value: object) -> None:
    refused(StartAudienceExportJobRequest, start(name=value), ("name",))


def test_the_audience_size_value_takes_only_an_int() -> None:
    for value in ("1000", True, 1000.0):
        refused(
            StartAudienceExportJobRequest,
            start(audienceSize={"type": "ABSOLUTE", "value": value}),
            ("audienceSize", "value"),
        )


def test_unknown_fields_are_refused_in_requests() -> None:
    refused(ListAudienceExportJobsRequest, {"maxResult": 5}, ("maxResult",))
    refused(StartAudienceExportJobRequest, start(tags={"a": "b"}), ("tags",))
    refused(
        StartAudienceExportJobRequest,
        start(audienceSize={"type": "ABSOLUTE", "value": 1, "unit": "people"}),
        ("audienceSize", "unit"),
    )


# -- responses are lenient ------------------------------------------------------------------


def test_a_response_ignores_unknown_fields() -> None:
    made = GetAudienceModelResponse.model_validate(
        model_response(someFutureField={"nested": [1, 2]}, anotherOne=3)
    )
    assert made == GetAudienceModelResponse.model_validate(model_response())
    assert "someFutureField" not in made.model_dump(by_alias=True)
    assert not hasattr(made, "someFutureField")


@pytest.mark.parametrize(
    ("cls", "enum", "data"),
    [
        (GetAudienceModelResponse, AudienceModelStatus, model_response()),
        (
            AudienceExportJobSummary,
            AudienceExportJobStatus,
            {
                "createTime": "2024-01-01T00:00:00Z",
                "updateTime": "2024-01-01T00:00:00Z",
                "name": "export",
                "audienceGenerationJobArn": GEN_JOB_ARN,
                "audienceSize": {"type": "ABSOLUTE", "value": 10},
                "status": "ACTIVE",
            },
        ),
        (
            AudienceGenerationJobSummary,
            AudienceGenerationJobStatus,
            {
                "createTime": "2024-01-01T00:00:00Z",
                "updateTime": "2024-01-01T00:00:00Z",
                "audienceGenerationJobArn": GEN_JOB_ARN,
                "name": "job",
                "status": "ACTIVE",
                "configuredAudienceModelArn": GEN_JOB_ARN,
            },
        ),
    ],
    ids=["audience-model", "export-job", "generation-job"],
)
def test_a_response_keeps_an_unknown_enum_value_as_a_str(
    cls: type[BaseModel], enum: type[Any], data: dict[str, Any]
) -> None:
    known: Any = cls.model_validate(data)
    assert known.status is enum.ACTIVE
    assert type(known.status) is enum
    unknown: Any = cls.model_validate({**data, "status": "ARCHIVED"})
    assert unknown.status == "ARCHIVED"
    assert type(unknown.status) is str
    assert unknown.model_dump(by_alias=True)["status"] == "ARCHIVED"


def test_a_trained_model_export_job_keeps_an_unknown_status() -> None:
    data = {
        "createTime": "2024-01-01T00:00:00Z",
        "updateTime": "2024-01-01T00:00:00Z",
        "name": "export",
        "outputConfiguration": {"members": [{"accountId": ACCOUNT}]},
        "status": "CREATE_PENDING",
        "creatorAccountId": ACCOUNT,
        "trainedModelArn": TRAINED_MODEL_ARN,
        "membershipIdentifier": UUID,
        "collaborationIdentifier": UUID,
    }
    made = CollaborationTrainedModelExportJobSummary.model_validate(data)
    assert made.status is TrainedModelExportJobStatus.CREATE_PENDING
    newer = CollaborationTrainedModelExportJobSummary.model_validate({**data, "status": "PAUSED"})
    assert newer.status == "PAUSED"
    assert not isinstance(newer.status, TrainedModelExportJobStatus)


def test_an_audience_size_of_an_unknown_type_is_read() -> None:
    size = AudienceSize.model_validate({"type": "NEW_KIND", "value": 50})
    assert size.type == "NEW_KIND"
    assert type(size.type) is str
    assert AudienceSize.model_validate({"type": "PERCENTAGE", "value": 5}).type is (
        AudienceSizeType.PERCENTAGE
    )


def test_a_response_accepts_values_beyond_the_service_limits() -> None:
    made = GetAudienceModelResponse.model_validate(
        model_response(
            name="n" * 500,
            audienceModelArn="not-an-arn",
            trainingDatasetArn="",
            description="\x00" * 1000,
            kmsKeyArn="x",
        )
    )
    assert made.name == "n" * 500
    assert made.audience_model_arn == "not-an-arn"
    assert made.training_dataset_arn == ""
    assert made.description == "\x00" * 1000
    size = AudienceSize.model_validate({"type": "ABSOLUTE", "value": 10**12})
    assert size.value == 10**12
    listing = ListAudienceExportJobsResponse.model_validate(
        {"audienceExportJobs": [], "nextToken": "t" * 20000}
    )
    assert listing.next_token == "t" * 20000


@pytest.mark.parametrize(
    "missing",
    ["createTime", "updateTime", "audienceModelArn", "name", "trainingDatasetArn", "status"],
)
def test_a_response_missing_a_required_member_is_refused(missing: str) -> None:
    data = model_response()
    del data[missing]
    refused(GetAudienceModelResponse, data, (missing,))


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("name", 123),
        ("name", None),
        ("createTime", "not a time"),
        ("createTime", None),
        ("tags", ["a", "b"]),
        ("tags", {"k": 1}),
        ("statusDetails", "failed"),
        ("status", 7),
    ],
)
def test_a_response_member_of_the_wrong_type_is_refused(member: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        GetAudienceModelResponse.model_validate(model_response(**{member: value}))
    assert {e["loc"][0] for e in info.value.errors()} == {member}


def test_a_list_response_of_the_wrong_shape_is_refused() -> None:
    refused(
        ListAudienceExportJobsResponse, {"audienceExportJobs": "none"}, ("audienceExportJobs",)
    )
    refused(ListAudienceExportJobsResponse, {}, ("audienceExportJobs",))
    with pytest.raises(ValidationError):
        ListAudienceExportJobsResponse.model_validate({"audienceExportJobs": [{"name": "x"}]})


# -- timestamps -----------------------------------------------------------------------------


def test_an_offset_timestamp_is_converted_to_utc() -> None:
    made = GetAudienceModelResponse.model_validate(
        model_response(createTime="2024-01-01T12:00:00+02:00")
    )
    assert made.create_time == datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    assert made.create_time.utcoffset() == timedelta(0)
    assert (made.create_time.hour, made.create_time.minute) == (10, 0)


def test_an_offset_datetime_is_converted_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    made = GetAudienceModelResponse.model_validate(
        model_response(trainingDataStartTime=datetime(2024, 1, 1, 12, tzinfo=plus_two))
    )
    start_time = made.training_data_start_time
    assert start_time is not None
    assert start_time.utcoffset() == timedelta(0)
    assert start_time.hour == 10


@pytest.mark.parametrize(
    "naive", ["2024-01-01T12:00:00", datetime(2024, 1, 1, 12)], ids=["str", "datetime"]
)
def test_a_naive_timestamp_is_taken_as_utc(naive: object) -> None:
    made = GetAudienceModelResponse.model_validate(model_response(updateTime=naive))
    assert made.update_time.tzinfo is not None
    assert made.update_time.utcoffset() == timedelta(0)
    assert made.update_time == datetime(2024, 1, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize("epoch", [1704110400, 1704110400.0, "1704110400"])
def test_an_epoch_timestamp_is_accepted(epoch: object) -> None:
    made = GetAudienceModelResponse.model_validate(model_response(trainingDataEndTime=epoch))
    end = made.training_data_end_time
    assert end is not None
    assert end.utcoffset() == timedelta(0)
    assert end == datetime(2024, 1, 1, 12, tzinfo=UTC)


def test_every_timestamp_of_every_response_is_aware() -> None:
    made = ListAudienceExportJobsResponse.model_validate(
        {
            "audienceExportJobs": [
                {
                    "createTime": "2024-06-01T08:30:00",
                    "updateTime": "2024-06-01T08:30:00-05:00",
                    "name": "export",
                    "audienceGenerationJobArn": GEN_JOB_ARN,
                    "audienceSize": {"type": "ABSOLUTE", "value": 10},
                    "status": "ACTIVE",
                }
            ]
        }
    )
    job = made.audience_export_jobs[0]
    assert job.create_time == datetime(2024, 6, 1, 8, 30, tzinfo=UTC)
    assert job.update_time == datetime(2024, 6, 1, 13, 30, tzinfo=UTC)
    assert job.update_time.utcoffset() == timedelta(0)


# -- AudienceSize travels both ways ---------------------------------------------------------


def received_size(kind: str, value: int) -> AudienceSize:
    job = AudienceExportJobSummary.model_validate(
        {
            "createTime": "2024-01-01T00:00:00Z",
            "updateTime": "2024-01-01T00:00:00Z",
            "name": "export",
            "audienceGenerationJobArn": GEN_JOB_ARN,
            "audienceSize": {"type": kind, "value": value},
            "status": "ACTIVE",
        }
    )
    return job.audience_size


def test_a_received_audience_size_of_an_unknown_type_cannot_be_sent() -> None:
    size = received_size("NEW_KIND", 1000)
    assert size.type == "NEW_KIND"
    with pytest.raises(ValidationError) as info:
        StartAudienceExportJobRequest(
            name="export", audience_generation_job_arn=GEN_JOB_ARN, audience_size=size
        )
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("enum", ("audience_size", "type"))
    ]
    # The same through the wire names, and as a model_validate of the received object.
    refused(StartAudienceExportJobRequest, start(audienceSize=size), ("audienceSize", "type"))


def test_a_received_audience_size_out_of_range_cannot_be_sent() -> None:
    size = received_size("ABSOLUTE", 0)
    assert size.value == 0
    refused(StartAudienceExportJobRequest, start(audienceSize=size), ("audienceSize", "value"))


def test_a_received_valid_audience_size_can_be_sent() -> None:
    size = received_size("PERCENTAGE", 20)
    request = StartAudienceExportJobRequest(
        name="export", audience_generation_job_arn=GEN_JOB_ARN, audience_size=size
    )
    assert request.audience_size == size
    assert request.audience_size.type is AudienceSizeType.PERCENTAGE
    assert request.model_dump(by_alias=True, exclude_none=True) == start(
        audienceSize={"type": "PERCENTAGE", "value": 20}
    )


def test_an_audience_size_built_by_hand_is_checked_when_sent() -> None:
    size = AudienceSize(type="ABSOLUTE", value=30_000_000)
    refused(StartAudienceExportJobRequest, start(audienceSize=size), ("audienceSize", "value"))
    fine = AudienceSize(type=AudienceSizeType.ABSOLUTE, value=20_000_000)
    request = StartAudienceExportJobRequest(
        name="export", audience_generation_job_arn=GEN_JOB_ARN, audience_size=fine
    )
    assert request.audience_size.value == 20_000_000


def test_an_audience_size_may_be_a_plain_mapping() -> None:
    request = StartAudienceExportJobRequest.model_validate(
        start(audienceSize={"type": "ABSOLUTE", "value": 1000})
    )
    assert isinstance(request.audience_size, AudienceSize)
    assert request.audience_size.type is AudienceSizeType.ABSOLUTE


# -- names, aliases and immutability --------------------------------------------------------


def test_a_request_is_built_from_snake_case_or_camel_case_names() -> None:
    snake = ListCollaborationTrainedModelExportJobsRequest.model_validate(
        {
            "collaboration_identifier": UUID,
            "trained_model_arn": TRAINED_MODEL_ARN,
            "trained_model_version_identifier": UUID,
            "max_results": 10,
            "next_token": "tok",
        }
    )
    camel = ListCollaborationTrainedModelExportJobsRequest.model_validate(
        {
            "collaborationIdentifier": UUID,
            "trainedModelArn": TRAINED_MODEL_ARN,
            "trainedModelVersionIdentifier": UUID,
            "maxResults": 10,
            "nextToken": "tok",
        }
    )
    keywords = ListCollaborationTrainedModelExportJobsRequest(
        collaboration_identifier=UUID,
        trained_model_arn=TRAINED_MODEL_ARN,
        trained_model_version_identifier=UUID,
        max_results=10,
        next_token="tok",
    )
    assert snake == camel == keywords
    assert camel.trained_model_arn == TRAINED_MODEL_ARN
    assert snake.model_dump(by_alias=True) == {
        "collaborationIdentifier": UUID,
        "trainedModelArn": TRAINED_MODEL_ARN,
        "trainedModelVersionIdentifier": UUID,
        "maxResults": 10,
        "nextToken": "tok",
    }


def test_a_response_is_built_from_snake_case_or_camel_case_names() -> None:
    camel = GetAudienceModelResponse.model_validate(model_response(kmsKeyArn="k"))
    snake = GetAudienceModelResponse.model_validate(
        {
            "create_time": "2024-01-01T00:00:00Z",
            "update_time": "2024-01-02T00:00:00Z",
            "audience_model_arn": MODEL_ARN,
            "name": "model",
            "training_dataset_arn": DATASET_ARN,
            "status": "ACTIVE",
            "kms_key_arn": "k",
        }
    )
    assert snake == camel
    assert snake.kms_key_arn == "k"


@pytest.mark.parametrize(
    ("made", "field"),
    [
        (ListAudienceExportJobsRequest(max_results=5), "max_results"),
        (GetAudienceModelRequest(audience_model_arn=MODEL_ARN), "audience_model_arn"),
        (GetAudienceModelResponse.model_validate(model_response()), "name"),
        (AudienceSize(type="ABSOLUTE", value=5), "value"),
    ],
    ids=["list-request", "get-request", "response", "audience-size"],
)
def test_models_are_frozen(made: BaseModel, field: str) -> None:
    before = getattr(made, field)
    with pytest.raises(ValidationError) as info:
        setattr(made, field, before)
    assert info.value.errors()[0]["type"] == "frozen_instance"
    assert getattr(made, field) == before
    assert hash(made) == hash(made.model_copy())
