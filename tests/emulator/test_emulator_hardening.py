"""Hostile and careless input: secrets in the log, a bounded log, bad bodies and numbers,
strict SigV4, slow clients."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiobotocore.session import get_session
from botocore.exceptions import ClientError

from cleanroomsml_async.testing import LocalCleanRoomsML
from cleanroomsml_async.testing._emulator import _is_loopback

Signer = Callable[..., dict[str, str]]
MakeClient = Callable[..., Any]


async def fetch(
    method: str, url: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, headers=headers or {}, data=body) as response,
    ):
        return response.status, dict(response.headers), await response.read()


async def test_the_log_masks_the_session_token_and_the_signature(
    emulator: LocalCleanRoomsML,
) -> None:
    async with get_session().create_client(
        "cleanroomsml",
        region_name="us-east-1",
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="very-secret-session-token",
    ) as client:
        await client.list_training_datasets()

    [record] = emulator.requests
    assert record.status == 200
    assert record.headers["X-Amz-Security-Token"] == "<redacted>"
    assert record.headers["Authorization"].endswith("Signature=<redacted>")
    assert "very-secret-session-token" not in repr(record)


async def test_the_log_keeps_only_the_latest_records(
    make_client: MakeClient,
) -> None:
    async with LocalCleanRoomsML(request_log_limit=3) as emulator:
        client = await make_client(endpoint_url=emulator.endpoint_url)
        for _ in range(5):
            await client.list_training_datasets()
        await client.list_audience_models()
        status, _, body = await fetch("GET", f"{emulator.endpoint_url}/_emulator/requests")

        assert len(emulator.requests) == 3
        assert emulator.requests.dropped == 3
        assert emulator.requests.operations()[-1] == "ListAudienceModels"
        assert (status, json.loads(body)) == (200, {"count": 3, "dropped": 3, "limit": 3})


async def test_the_log_and_the_state_can_be_cleared_over_http(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    emulator.seed("TrainingDataset", 2)
    await raw_client.list_training_datasets()
    url = f"{emulator.endpoint_url}/_emulator"

    cleared = await fetch("DELETE", f"{url}/requests")
    after_clear = len(emulator.requests)
    reset = await fetch("POST", f"{url}/reset")
    unknown = await fetch("GET", f"{url}/nothing")

    assert json.loads(cleared[2]) == {"cleared": 1}
    assert after_clear == 0
    assert reset[0] == 200
    assert emulator.resources("TrainingDataset") == []
    assert unknown[0] == 404
    # The emulator's own paths are not service requests: nothing is logged for them.
    assert len(emulator.requests) == 0


async def test_a_deeply_nested_body_is_a_validation_error(
    emulator: LocalCleanRoomsML, sign: Signer
) -> None:
    url = f"{emulator.endpoint_url}/training-dataset"
    body = b"[" * 100_000 + b"]" * 100_000

    status, headers, answer = await fetch("POST", url, sign("POST", url, body), body)

    assert status == 400
    assert headers["x-amzn-ErrorType"] == "ValidationException"
    assert "nested" in json.loads(answer)["message"]
    assert emulator.requests[-1].status == 400


async def test_a_5000_digit_max_results_is_a_validation_error(
    emulator: LocalCleanRoomsML, sign: Signer
) -> None:
    url = f"{emulator.endpoint_url}/audience-export-job?maxResults={'9' * 5000}"

    status, headers, answer = await fetch("GET", url, sign("GET", url))

    assert (status, headers["x-amzn-ErrorType"]) == (400, "ValidationException")
    message = json.loads(answer)["message"]
    assert "maxResults" in message
    assert len(message) < 300


async def test_an_oversized_body_gets_a_json_413(
    emulator: LocalCleanRoomsML, sign: Signer
) -> None:
    url = f"{emulator.endpoint_url}/training-dataset"
    body = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    status, headers, answer = await fetch("POST", url, sign("POST", url, body), body)
    assert status == 413
    assert headers["Content-Type"] == "application/json"
    assert "message" in json.loads(answer)


def _tamper(headers: dict[str, str], old: str, new: str) -> dict[str, str]:
    return {**headers, "Authorization": headers["Authorization"].replace(old, new)}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        pytest.param(
            lambda h: {
                **h,
                "Authorization": h["Authorization"].rsplit("=", 1)[0] + "=" + "0" * 64,
            },
            "InvalidSignatureException",
            id="zero-signature",
        ),
        pytest.param(
            lambda h: _tamper(h, "/us-east-1/", "/xx-nowhere-9/"),
            "InvalidSignatureException",
            id="other-region",
        ),
        pytest.param(
            lambda h: {**h, "X-Amz-Date": "19700101T000000Z"},
            "InvalidSignatureException",
            id="dated-1970",
        ),
        pytest.param(
            lambda h: _tamper(h, "Credential=testing/", "Credential=stranger/"),
            "UnrecognizedClientException",
            id="unknown-key",
        ),
    ],
)
async def test_strict_signing_refuses_what_aws_would(
    sign: Signer, change: Callable[[dict[str, str]], dict[str, str]], code: str
) -> None:
    async with LocalCleanRoomsML(strict_signing=True) as emulator:
        url = f"{emulator.endpoint_url}/audience-export-job?maxResults=5"
        good = sign("GET", url)
        accepted = await fetch("GET", url, good)
        refused = await fetch("GET", url, change(good))

    assert accepted[0] == 200
    assert refused[0] == 403
    assert refused[1]["x-amzn-ErrorType"] == code


async def test_strict_signing_refuses_a_wrong_secret_and_accepts_real_clients(
    make_client: MakeClient,
) -> None:
    async with LocalCleanRoomsML(strict_signing=True) as emulator:
        good = await make_client(endpoint_url=emulator.endpoint_url)
        # A path full of percent-encoded ARN characters and a repeated query parameter are
        # the canonicalisation traps.
        arn = emulator.seed("TrainingDataset", tags={"a": "1"})[0]["trainingDatasetArn"]
        await good.untag_resource(resourceArn=arn, tagKeys=["a", "b c"])
        async with get_session().create_client(
            "cleanroomsml",
            region_name="us-east-1",
            endpoint_url=emulator.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="not-the-secret",
        ) as bad:
            with pytest.raises(ClientError) as refused:
                await bad.list_training_datasets()

    assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert [record.status for record in emulator.requests] == [200, 403]


async def test_connections_that_trickle_headers_are_cut() -> None:
    async with LocalCleanRoomsML(header_timeout=0.3) as emulator:
        streams = [await asyncio.open_connection("127.0.0.1", emulator.port) for _ in range(20)]
        for _, writer in streams:
            writer.write(b"GET /training-dataset HTTP/1.1\r\nHost: x\r\n")
            await writer.drain()
        async with asyncio.timeout(10):
            ends = [await reader.read() for reader, _ in streams]
        for _, writer in streams:
            writer.close()
        status, _, _ = await fetch("GET", f"{emulator.endpoint_url}/_emulator/requests")

    assert ends == [b""] * 20  # closed by the server, nothing answered
    assert status == 200  # and it still serves everyone else


def test_loopback_hosts() -> None:
    assert _is_loopback("127.0.0.1")
    assert _is_loopback("::1")
    assert _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0")
    assert not _is_loopback("192.168.1.10")


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="activation_delay"):
        LocalCleanRoomsML(activation_delay=-5)
    with pytest.raises(ValueError, match="header_timeout"):
        LocalCleanRoomsML(header_timeout=0)
    with pytest.raises(ValueError, match="limit"):
        LocalCleanRoomsML(request_log_limit=0)
