"""The rest-json envelope: SigV4 presence, error format, request ids, unknown routes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from cleanroomsml_async.testing import LocalCleanRoomsML

Signer = Callable[..., dict[str, str]]


async def fetch(
    method: str, url: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, headers=headers or {}, data=body) as response,
    ):
        return response.status, dict(response.headers), await response.read()


async def test_unverified_signatures_pass_outside_strict_mode(
    make_client: Callable[..., Any],
) -> None:
    # Off by default: a user's tests need not share the emulator's credentials.
    async with LocalCleanRoomsML() as lenient:
        status, _, _ = await fetch(
            "GET",
            f"{lenient.endpoint_url}/audience-export-job",
            {
                "Authorization": "AWS4-HMAC-SHA256 Credential=a/20240101/xx-nowhere-9/"
                "cleanrooms-ml/aws4_request, SignedHeaders=host, Signature=00ff"
            },
        )
    assert status == 200


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="missing"),
        pytest.param("Bearer abc", id="not-sigv4"),
        pytest.param(
            "AWS4-HMAC-SHA256 Credential=testing/20240501/us-east-1/cleanrooms-ml/aws4_request",
            id="no-signature",
        ),
    ],
)
async def test_unsigned_requests_are_denied(
    emulator: LocalCleanRoomsML, authorization: str | None
) -> None:
    emulator.add_audience_export_jobs(1)
    headers = {} if authorization is None else {"Authorization": authorization}

    status, response_headers, body = await fetch(
        "GET", f"{emulator.endpoint_url}/audience-export-job", headers
    )

    assert status == 403
    assert response_headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert response_headers["Content-Type"] == "application/json"
    assert set(json.loads(body)) == {"message"}
    assert emulator.requests[-1].error_code == "AccessDeniedException"


async def test_signature_for_another_service_is_denied(
    emulator: LocalCleanRoomsML, sign: Signer
) -> None:
    url = f"{emulator.endpoint_url}/audience-export-job"
    status, headers, body = await fetch("GET", url, sign("GET", url, service="s3"))
    assert status == 403
    assert headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert b"cleanrooms-ml" in body


async def test_signed_request_succeeds_with_json(
    emulator: LocalCleanRoomsML, sign: Signer
) -> None:
    emulator.add_audience_export_jobs(2)
    url = f"{emulator.endpoint_url}/audience-export-job?maxResults=1"
    status, headers, body = await fetch("GET", url, sign("GET", url))
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert "x-amzn-ErrorType" not in headers
    payload = json.loads(body)
    assert len(payload["audienceExportJobs"]) == 1
    assert isinstance(payload["nextToken"], str)
    assert payload["audienceExportJobs"][0]["createTime"].endswith("Z")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/no-such-thing"),
        ("DELETE", "/audience-export-job"),
        ("GET", "/audience-model/"),
        # GetCollaborationTrainedModel is one label deeper, and x is not a UUID anyway.
        ("GET", "/collaborations/x/trained-models/y/z"),
        ("POST", "/memberships/x/trained-models/y"),
    ],
)
async def test_unknown_route_is_404(
    emulator: LocalCleanRoomsML, sign: Signer, method: str, path: str
) -> None:
    url = emulator.endpoint_url + path
    status, headers, body = await fetch(method, url, sign(method, url))
    assert status == 404
    assert headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert path.encode() in body
    assert emulator.requests[-1].operation is None


async def test_every_response_carries_a_fresh_request_id(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    model = emulator.add_audience_model()
    ids = [
        (await raw_client.list_audience_export_jobs())["ResponseMetadata"]["RequestId"],
        (await raw_client.get_audience_model(audienceModelArn=model["audienceModelArn"]))[
            "ResponseMetadata"
        ]["RequestId"],
    ]
    status, headers, _ = await fetch("GET", f"{emulator.endpoint_url}/audience-export-job")
    ids.append(headers["x-amzn-RequestId"])

    assert status == 403
    assert len(set(ids)) == 3
    assert all(uuid.UUID(request_id).version == 4 for request_id in ids)
    assert [record.request_id for record in emulator.requests] == ids


async def test_error_members_beyond_message_are_sent(
    emulator: LocalCleanRoomsML, sign: Signer
) -> None:
    emulator.faults.error("ServiceQuotaExceededException", message="too many")
    url = f"{emulator.endpoint_url}/audience-export-job"
    status, headers, body = await fetch("GET", url, sign("GET", url))
    assert status == 402
    assert headers["x-amzn-ErrorType"] == "ServiceQuotaExceededException"
    assert json.loads(body) == {"message": "too many"}


async def test_a_method_the_path_does_not_serve_names_the_ones_it_does(
    emulator: LocalCleanRoomsML, sign: Signer
) -> None:
    # GET, PATCH and DELETE share this template (GetTrainedModel, CancelTrainedModel,
    # DeleteTrainedModelOutput); PUT is none of them.
    url = f"{emulator.endpoint_url}/memberships/m/trained-models/t"
    status, headers, body = await fetch("PUT", url, sign("PUT", url))
    assert status == 404
    assert headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert "DELETE, GET, PATCH" in json.loads(body)["message"]
