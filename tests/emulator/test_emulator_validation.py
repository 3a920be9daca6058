"""Input validation against the service model: what botocore would refuse, refused on the wire."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from botocore.exceptions import ClientError

from cleanroomsml_async.testing import LocalCleanRoomsML

MakeClient = Callable[..., Any]
Signer = Callable[..., dict[str, str]]


@pytest.fixture
async def unchecked(make_client: MakeClient) -> Any:
    """A client that sends whatever it is given: botocore's own validation is off."""
    return await make_client(parameter_validation=False)


def validation_message(info: pytest.ExceptionInfo[ClientError]) -> str:
    response: dict[str, Any] = info.value.response
    assert response["Error"]["Code"] == "ValidationException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    message: str = response["Error"]["Message"]
    return message


@pytest.mark.parametrize(
    ("max_results", "constraint"),
    [
        (1000, "Member must have value less than or equal to 100"),
        (0, "Member must have value greater than or equal to 1"),
    ],
)
async def test_max_results_out_of_range(
    emulator: LocalCleanRoomsML, unchecked: Any, max_results: int, constraint: str
) -> None:
    with pytest.raises(ClientError) as info:
        await unchecked.list_audience_export_jobs(maxResults=max_results)
    message = validation_message(info)
    assert f"Value '{max_results}' at 'maxResults'" in message
    assert constraint in message


async def test_malformed_arn_filter_fails_the_pattern(
    emulator: LocalCleanRoomsML, unchecked: Any
) -> None:
    with pytest.raises(ClientError) as info:
        await unchecked.list_audience_export_jobs(
            audienceGenerationJobArn="arn:aws:s3:::not-a-generation-job-at-all"
        )
    message = validation_message(info)
    assert "at 'audienceGenerationJobArn'" in message
    assert "regular expression pattern" in message


async def test_pattern_must_match_the_whole_value(
    emulator: LocalCleanRoomsML, unchecked: Any
) -> None:
    good = emulator.arns.configured_audience_model()
    with pytest.raises(ClientError) as info:
        await unchecked.list_audience_generation_jobs(
            configuredAudienceModelArn=good + " trailing"
        )
    assert "configuredAudienceModelArn" in validation_message(info)


async def test_collaboration_id_must_be_a_lowercase_uuid(
    emulator: LocalCleanRoomsML, unchecked: Any
) -> None:
    with pytest.raises(ClientError) as info:
        await unchecked.list_audience_generation_jobs(
            collaborationId="AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE"
        )
    assert "at 'collaborationId'" in validation_message(info)


async def test_uri_labels_are_validated(emulator: LocalCleanRoomsML, unchecked: Any) -> None:
    with pytest.raises(ClientError) as bad_model:
        await unchecked.get_audience_model(
            audienceModelArn="arn:aws:cleanrooms-ml:us-east-1:123456789012:training-dataset/x"
        )
    with pytest.raises(ClientError) as bad_collaboration:
        await unchecked.list_collaboration_trained_model_export_jobs(
            collaborationIdentifier="not-a-uuid",
            trainedModelArn=emulator.arns.trained_model(),
        )
    assert "at 'audienceModelArn'" in validation_message(bad_model)
    message = validation_message(bad_collaboration)
    assert "at 'collaborationIdentifier'" in message
    assert "length" in message  # 10 characters where a UUID has 36


@pytest.mark.parametrize(
    ("arguments", "fragments"),
    [
        pytest.param({"name": ""}, ["at 'name'", "greater than or equal to 1"], id="empty-name"),
        pytest.param({"name": "   "}, ["at 'name'", "pattern"], id="blank-name"),
        # Java's $ matches before a final U+2028 too, so (?!\s*$) refuses this name.
        pytest.param({"name": " \u2028"}, ["at 'name'", "pattern"], id="blank-line-break"),
        pytest.param({"name": "x" * 64}, ["less than or equal to 63"], id="long-name"),
        pytest.param({"name": "tab\x07bell"}, ["pattern"], id="control-character"),
        pytest.param(
            {"audienceSize": {"type": "ABSOLUTE", "value": 0}},
            ["at 'audienceSize.value'", "greater than or equal to 1"],
            id="size-zero",
        ),
        pytest.param(
            {"audienceSize": {"type": "HALF", "value": 10}},
            ["at 'audienceSize.type'", "enum value set: [ABSOLUTE, PERCENTAGE]"],
            id="size-type",
        ),
        pytest.param(
            {"audienceSize": {"type": "ABSOLUTE", "value": "ten"}},
            ["at 'audienceSize.value'", "must be an integer"],
            id="size-not-integer",
        ),
        pytest.param({"audienceSize": None}, ["Value null at 'audienceSize'"], id="no-size"),
        pytest.param({"description": "d" * 256}, ["at 'description'"], id="long-description"),
    ],
)
async def test_start_audience_export_job_body_is_validated(
    emulator: LocalCleanRoomsML,
    unchecked: Any,
    arguments: dict[str, Any],
    fragments: list[str],
) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    request: dict[str, Any] = {
        "name": "valid",
        "audienceGenerationJobArn": parent,
        "audienceSize": {"type": "ABSOLUTE", "value": 10},
    }
    request.update(arguments)
    request = {key: value for key, value in request.items() if value is not None}

    with pytest.raises(ClientError) as info:
        await unchecked.start_audience_export_job(**request)

    message = validation_message(info)
    for fragment in fragments:
        assert fragment in message
    assert emulator.audience_export_jobs == []


async def test_every_problem_is_reported(emulator: LocalCleanRoomsML, unchecked: Any) -> None:
    with pytest.raises(ClientError) as info:
        await unchecked.start_audience_export_job(
            name="", audienceGenerationJobArn="nope", audienceSize={"type": "ABSOLUTE"}
        )
    message = validation_message(info)
    assert message.startswith("5 validation errors detected: ")
    assert "Value null at 'audienceSize.value'" in message


async def test_valid_unicode_name_and_unknown_body_fields_are_accepted(
    emulator: LocalCleanRoomsML, sign: Signer
) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    document = {
        "name": "Export \u00fc\u6f22 2024\u2028",
        "audienceGenerationJobArn": parent,
        "audienceSize": {"type": "PERCENTAGE", "value": 100},
        "futureField": 1,
    }
    body = json.dumps(document).encode()
    url = f"{emulator.endpoint_url}/audience-export-job"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=sign("POST", url, body)) as response,
    ):
        assert response.status == 200
        assert await response.json() == {}
    assert emulator.audience_export_jobs[0]["name"] == "Export ü漢 2024\u2028"


@pytest.mark.parametrize(
    ("method", "path", "body", "fragment"),
    [
        ("POST", "/audience-export-job", b"{not json", "not valid JSON"),
        ("POST", "/audience-export-job", b"[1, 2]", "must be a JSON object"),
        ("GET", "/audience-export-job?maxResults=ten", b"", "Member must be an integer"),
        ("GET", "/audience-export-job?nextToken=", b"", "at 'nextToken'"),
    ],
)
async def test_raw_requests_botocore_would_never_send(
    emulator: LocalCleanRoomsML, sign: Signer, method: str, path: str, body: bytes, fragment: str
) -> None:
    url = emulator.endpoint_url + path
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, data=body, headers=sign(method, url, body)) as response,
    ):
        payload = await response.json()
        assert response.status == 400
        assert response.headers["x-amzn-ErrorType"] == "ValidationException"
        assert fragment in payload["message"]
