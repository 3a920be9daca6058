"""The five operations over real HTTP, through aiobotocore and boto3."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cleanroomsml_async.testing import LocalCleanRoomsML

MakeClient = Callable[..., Any]

_PREFIX = r"arn:aws:cleanrooms-ml:us-east-1:123456789012:"
ARN_PATTERNS = {
    "audienceGenerationJobArn": _PREFIX + r"audience-generation-job/[-a-f0-9]{36}",
    "audienceModelArn": _PREFIX + r"audience-model/[-a-f0-9]{36}",
}


def error_of(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response: dict[str, Any] = info.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


async def test_list_audience_export_jobs_returns_seeded_jobs(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    parent = emulator.add_audience_generation_job(name="parent")
    emulator.add_audience_export_job(
        name="first",
        audience_generation_job_arn=parent["audienceGenerationJobArn"],
        audience_size={"type": "PERCENTAGE", "value": 20},
        description="the first one",
    )
    emulator.add_audience_export_job(name="second")

    response = await raw_client.list_audience_export_jobs()

    jobs = response["audienceExportJobs"]
    assert [job["name"] for job in jobs] == ["first", "second"]
    assert "nextToken" not in response
    first = jobs[0]
    assert first["audienceGenerationJobArn"] == parent["audienceGenerationJobArn"]
    assert first["audienceSize"] == {"type": "PERCENTAGE", "value": 20}
    assert first["description"] == "the first one"
    assert first["status"] == "ACTIVE"
    assert first["outputLocation"].startswith("s3://")
    assert isinstance(first["createTime"], datetime)
    assert first["createTime"].tzinfo is not None
    # With no ARN given, a seeded export job belongs to the latest generation job.
    assert jobs[1]["audienceGenerationJobArn"] == parent["audienceGenerationJobArn"]


async def test_list_audience_export_jobs_filters_by_generation_job(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    one = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    two = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    emulator.add_audience_export_jobs(3, audience_generation_job_arn=one)
    emulator.add_audience_export_jobs(2, audience_generation_job_arn=two)
    unknown = emulator.arns.audience_generation_job()

    of_two = await raw_client.list_audience_export_jobs(audienceGenerationJobArn=two)
    of_unknown = await raw_client.list_audience_export_jobs(audienceGenerationJobArn=unknown)
    everything = await raw_client.list_audience_export_jobs()

    assert [job["audienceGenerationJobArn"] for job in of_two["audienceExportJobs"]] == [two] * 2
    assert of_unknown["audienceExportJobs"] == []
    assert len(everything["audienceExportJobs"]) == 5


async def test_list_audience_generation_jobs_filters(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    model_a = emulator.arns.configured_audience_model()
    model_b = emulator.arns.configured_audience_model()
    collaboration = "0f0e0d0c-0b0a-4999-8888-777766665555"
    emulator.add_audience_generation_jobs(
        2, configured_audience_model_arn=model_a, collaboration_id=collaboration
    )
    emulator.add_audience_generation_jobs(3, configured_audience_model_arn=model_b)
    emulator.add_audience_generation_job(
        name="b-in-collab",
        configured_audience_model_arn=model_b,
        collaboration_id=collaboration,
    )

    by_model = await raw_client.list_audience_generation_jobs(configuredAudienceModelArn=model_b)
    by_collaboration = await raw_client.list_audience_generation_jobs(
        collaborationId=collaboration
    )
    by_both = await raw_client.list_audience_generation_jobs(
        configuredAudienceModelArn=model_b, collaborationId=collaboration
    )

    assert len(by_model["audienceGenerationJobs"]) == 4
    assert len(by_collaboration["audienceGenerationJobs"]) == 3
    assert [job["name"] for job in by_both["audienceGenerationJobs"]] == ["b-in-collab"]
    job = by_both["audienceGenerationJobs"][0]
    assert job["startedBy"] == "123456789012"
    assert re.fullmatch(ARN_PATTERNS["audienceGenerationJobArn"], job["audienceGenerationJobArn"])


async def test_list_collaboration_trained_model_export_jobs_routes_encoded_arn(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    collaboration = "11111111-2222-4333-8444-555555555555"
    membership = "99999999-8888-4777-8666-555555555555"
    # An ARN whose resource part has '/' and '.' in it: botocore sends it percent-encoded
    # inside one path label.
    model_arn = emulator.arns.trained_model(membership, "model/v1.2")
    version_1, version_2 = (
        "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
        "ffffffff-bbbb-4ccc-8ddd-eeeeeeeeeeee",
    )
    emulator.add_trained_model_export_jobs(
        3,
        collaboration_identifier=collaboration,
        trained_model_arn=model_arn,
        trained_model_version_identifier=version_1,
    )
    emulator.add_trained_model_export_job(
        name="v2",
        collaboration_identifier=collaboration,
        trained_model_arn=model_arn,
        trained_model_version_identifier=version_2,
        receiver_account_id="210987654321",
    )
    emulator.add_trained_model_export_job(trained_model_arn=model_arn)  # another collaboration

    everything = await raw_client.list_collaboration_trained_model_export_jobs(
        collaborationIdentifier=collaboration, trainedModelArn=model_arn
    )
    only_v2 = await raw_client.list_collaboration_trained_model_export_jobs(
        collaborationIdentifier=collaboration,
        trainedModelArn=model_arn,
        trainedModelVersionIdentifier=version_2,
    )

    assert len(everything["collaborationTrainedModelExportJobs"]) == 4
    [job] = only_v2["collaborationTrainedModelExportJobs"]
    assert job["name"] == "v2"
    assert job["trainedModelArn"] == model_arn
    assert job["membershipIdentifier"] == membership
    assert job["outputConfiguration"] == {"members": [{"accountId": "210987654321"}]}
    record = emulator.requests[-1]
    assert "%2F" in record.path
    assert "%3A" in record.path
    assert record.uri_params == {
        "collaborationIdentifier": collaboration,
        "trainedModelArn": model_arn,
    }


async def test_get_audience_model_returns_every_field(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    kms = emulator.arns.kms_key()
    model = emulator.add_audience_model(
        name="lookalike",
        description="trained on Q1",
        kms_key_arn=kms,
        tags={"team": "ads"},
        training_data_start_time=datetime(2024, 1, 1, tzinfo=UTC),
        training_data_end_time=datetime(2024, 3, 31, 23, 59, tzinfo=UTC),
        status_details={"statusCode": "OK", "message": "fine"},
    )

    response = await raw_client.get_audience_model(audienceModelArn=model["audienceModelArn"])

    assert response["name"] == "lookalike"
    assert response["audienceModelArn"] == model["audienceModelArn"]
    assert re.fullmatch(ARN_PATTERNS["audienceModelArn"], response["audienceModelArn"])
    assert response["kmsKeyArn"] == kms
    assert response["tags"] == {"team": "ads"}
    assert response["trainingDataStartTime"] == datetime(2024, 1, 1, tzinfo=UTC)
    assert response["statusDetails"] == {"statusCode": "OK", "message": "fine"}
    assert response["status"] == "ACTIVE"


async def test_get_audience_model_unknown_arn_is_not_found(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    with pytest.raises(ClientError) as info:
        await raw_client.get_audience_model(audienceModelArn=emulator.arns.audience_model())
    code, status, message = error_of(info)
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert "audience-model/" in message


async def test_start_audience_export_job_goes_pending_then_active(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]

    response = await raw_client.start_audience_export_job(
        name="weekly export",
        audienceGenerationJobArn=parent,
        audienceSize={"type": "ABSOLUTE", "value": 5000},
        description="for the campaign",
    )
    assert set(response) == {"ResponseMetadata"}
    [pending] = (await raw_client.list_audience_export_jobs())["audienceExportJobs"]
    await asyncio.sleep(1.1)  # past the fixture's 1 s activation delay
    [active] = (await raw_client.list_audience_export_jobs())["audienceExportJobs"]

    assert pending["status"] == "CREATE_PENDING"
    assert "outputLocation" not in pending
    assert pending["audienceSize"] == {"type": "ABSOLUTE", "value": 5000}
    assert pending["description"] == "for the campaign"
    assert active["status"] == "ACTIVE"
    assert active["outputLocation"].startswith("s3://")
    assert "weekly%20export" in active["outputLocation"]
    assert active["createTime"] == pending["createTime"]
    assert active["updateTime"] - pending["updateTime"] >= timedelta(seconds=0.99)


async def test_start_audience_export_job_unknown_generation_job_is_not_found(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    with pytest.raises(ClientError) as info:
        await raw_client.start_audience_export_job(
            name="x",
            audienceGenerationJobArn=emulator.arns.audience_generation_job(),
            audienceSize={"type": "ABSOLUTE", "value": 10},
        )
    assert error_of(info)[:2] == ("ResourceNotFoundException", 404)
    assert emulator.audience_export_jobs == []


async def test_start_audience_export_job_duplicate_name_conflicts(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    one = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    two = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    size = {"type": "ABSOLUTE", "value": 10}
    await raw_client.start_audience_export_job(
        name="dup", audienceGenerationJobArn=one, audienceSize=size
    )

    with pytest.raises(ClientError) as info:
        await raw_client.start_audience_export_job(
            name="dup", audienceGenerationJobArn=one, audienceSize=size
        )
    # The same name under another generation job is a different job.
    await raw_client.start_audience_export_job(
        name="dup", audienceGenerationJobArn=two, audienceSize=size
    )

    code, status, message = error_of(info)
    assert (code, status) == ("ConflictException", 409)
    assert "dup" in message
    assert len(emulator.audience_export_jobs) == 2


async def test_start_audience_export_job_beyond_quota(make_client: MakeClient) -> None:
    async with LocalCleanRoomsML(export_job_quota=1) as emu:
        parent = emu.add_audience_generation_job()["audienceGenerationJobArn"]
        emu.add_audience_export_job(audience_generation_job_arn=parent)
        quota_client = await make_client(endpoint_url=emu.endpoint_url)
        with pytest.raises(ClientError) as info:
            await quota_client.start_audience_export_job(
                name="one-too-many",
                audienceGenerationJobArn=parent,
                audienceSize={"type": "ABSOLUTE", "value": 10},
            )
    assert error_of(info)[:2] == ("ServiceQuotaExceededException", 402)
    assert info.value.response["quotaValue"] == 1.0


async def test_boto3_all_five_operations(emulator: LocalCleanRoomsML, boto3_client: Any) -> None:
    demo = emulator.seed_demo_data(4)
    generation_job = demo.audience_generation_job_arns[0]

    exports = await asyncio.to_thread(
        boto3_client.list_audience_export_jobs, audienceGenerationJobArn=generation_job
    )
    generations = await asyncio.to_thread(
        boto3_client.list_audience_generation_jobs,
        configuredAudienceModelArn=demo.configured_audience_model_arns[1],
    )
    trained = await asyncio.to_thread(
        boto3_client.list_collaboration_trained_model_export_jobs,
        collaborationIdentifier=demo.collaboration_id,
        trainedModelArn=demo.trained_model_arn,
        trainedModelVersionIdentifier=demo.trained_model_version_ids[0],
    )
    model = await asyncio.to_thread(
        boto3_client.get_audience_model, audienceModelArn=demo.audience_model_arns[2]
    )
    await asyncio.to_thread(
        boto3_client.start_audience_export_job,
        name="from-boto3",
        audienceGenerationJobArn=generation_job,
        audienceSize={"type": "PERCENTAGE", "value": 10},
    )
    try:
        await asyncio.to_thread(
            boto3_client.start_audience_export_job,
            name="from-boto3",
            audienceGenerationJobArn=generation_job,
            audienceSize={"type": "PERCENTAGE", "value": 10},
        )
    except boto3_client.exceptions.ConflictException as error:
        conflict = error.response["Error"]["Code"]

    assert len(exports["audienceExportJobs"]) == 1  # 4 export jobs round-robin over 4 parents
    assert len(generations["audienceGenerationJobs"]) == 2
    assert len(trained["collaborationTrainedModelExportJobs"]) == 2
    assert model["audienceModelArn"] == demo.audience_model_arns[2]
    assert conflict == "ConflictException"
    assert emulator.requests.operations() == [
        "ListAudienceExportJobs",
        "ListAudienceGenerationJobs",
        "ListCollaborationTrainedModelExportJobs",
        "GetAudienceModel",
        "StartAudienceExportJob",
        "StartAudienceExportJob",
    ]


async def test_boto3_paginator_walks_every_page(
    emulator: LocalCleanRoomsML, boto3_client: Any
) -> None:
    emulator.add_audience_export_jobs(23)

    def walk() -> list[list[str]]:
        paginator = boto3_client.get_paginator("list_audience_export_jobs")
        return [
            [job["name"] for job in page["audienceExportJobs"]]
            for page in paginator.paginate(PaginationConfig={"PageSize": 10})
        ]

    pages = await asyncio.to_thread(walk)

    assert [len(page) for page in pages] == [10, 10, 3]
    assert [name for page in pages for name in page] == [f"export-job-{n}" for n in range(1, 24)]


async def test_paging_honours_max_results_and_ends_without_token(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    jobs = emulator.add_audience_export_jobs(250)
    sizes: list[int] = []
    names: list[str] = []
    token: str | None = None
    while True:
        kwargs = {"nextToken": token} if token else {}
        page = await raw_client.list_audience_export_jobs(maxResults=100, **kwargs)
        sizes.append(len(page["audienceExportJobs"]))
        names += [job["name"] for job in page["audienceExportJobs"]]
        token = page.get("nextToken")
        if token is None:
            break

    default_page = await raw_client.list_audience_export_jobs()
    small_page = await raw_client.list_audience_export_jobs(maxResults=7)

    assert sizes == [100, 100, 50]
    assert names == [job["name"] for job in jobs]
    assert len(default_page["audienceExportJobs"]) == 100
    assert len(small_page["audienceExportJobs"]) == 7
    assert small_page["nextToken"] != default_page["nextToken"]


async def test_exact_multiple_of_page_size_has_no_trailing_empty_page(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    emulator.add_audience_export_jobs(10)
    first = await raw_client.list_audience_export_jobs(maxResults=5)
    second = await raw_client.list_audience_export_jobs(maxResults=5, nextToken=first["nextToken"])
    assert len(second["audienceExportJobs"]) == 5
    assert "nextToken" not in second


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda token: "not-a-token", id="forged"),
        pytest.param(
            lambda token: token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), id="bad-signature"
        ),
        pytest.param(lambda token: "e30" + token[3:], id="tampered-payload"),
    ],
)
async def test_forged_or_tampered_token_is_refused(
    emulator: LocalCleanRoomsML, raw_client: Any, make_token: Any
) -> None:
    emulator.add_audience_export_jobs(3)
    token = (await raw_client.list_audience_export_jobs(maxResults=1))["nextToken"]

    with pytest.raises(ClientError) as info:
        await raw_client.list_audience_export_jobs(nextToken=make_token(token))

    code, status, message = error_of(info)
    assert (code, status) == ("ValidationException", 400)
    assert "nextToken" in message


async def test_token_for_other_filters_or_operation_is_refused(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    emulator.add_audience_generation_jobs(3)
    emulator.add_audience_export_jobs(3, audience_generation_job_arn=parent)
    token = (await raw_client.list_audience_export_jobs(maxResults=1))["nextToken"]

    with pytest.raises(ClientError) as other_filters:
        await raw_client.list_audience_export_jobs(
            nextToken=token, audienceGenerationJobArn=parent
        )
    with pytest.raises(ClientError) as other_operation:
        await raw_client.list_audience_generation_jobs(nextToken=token)

    assert error_of(other_filters)[0] == "ValidationException"
    assert "different" in error_of(other_filters)[2]
    assert error_of(other_operation)[0] == "ValidationException"


async def test_token_from_another_emulator_or_before_reset_is_refused(
    emulator: LocalCleanRoomsML, raw_client: Any, make_client: MakeClient
) -> None:
    emulator.add_audience_export_jobs(3)
    async with LocalCleanRoomsML() as other:
        other.add_audience_export_jobs(3)
        other_client = await make_client(endpoint_url=other.endpoint_url)
        foreign = (await other_client.list_audience_export_jobs(maxResults=1))["nextToken"]
    stale = (await raw_client.list_audience_export_jobs(maxResults=1))["nextToken"]
    emulator.reset()
    emulator.add_audience_export_jobs(3)

    with pytest.raises(ClientError) as foreign_info:
        await raw_client.list_audience_export_jobs(nextToken=foreign)
    with pytest.raises(ClientError) as stale_info:
        await raw_client.list_audience_export_jobs(nextToken=stale)

    assert error_of(foreign_info)[0] == "ValidationException"
    assert error_of(stale_info)[0] == "ValidationException"
    assert "expired" in error_of(stale_info)[2]


async def test_timestamps_keep_a_seeded_utc_offset(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    plus_two = timezone(timedelta(hours=2))
    emulator.add_audience_export_job(
        create_time=datetime(2024, 5, 1, 14, 0, 0, 123000, tzinfo=plus_two),
        update_time="2024-05-01T12:30:00.000Z",
    )

    [job] = (await raw_client.list_audience_export_jobs())["audienceExportJobs"]
    [stored] = emulator.audience_export_jobs

    assert stored["createTime"] == "2024-05-01T14:00:00.123+02:00"
    assert job["createTime"] == datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
    assert job["updateTime"] == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
