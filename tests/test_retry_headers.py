"""The AWS SDKs' retry headers: one invocation id per call, the true attempt N of M, and
every retried request still carries a valid signature."""

from __future__ import annotations

import re
import uuid

import pytest
from aiobotocore.session import AioSession

from cleanroomsml_async import RetryPolicy, ServiceError, ThrottlingException
from cleanroomsml_async.testing import LocalCleanRoomsML, RequestRecord
from tests.sigv4 import SIGNATURE_ERRORS, signature_accepted, signed_headers

KEY_ID = "AKIAHEADERSEXAMPLE01"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzHEADERSKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLEHEADERSTOKEN//////////wEaDOe+token=="
CREDENTIALS = {
    "aws_access_key_id": KEY_ID,
    "aws_secret_access_key": SECRET,
    "aws_session_token": TOKEN,
}


@pytest.fixture(autouse=True)
def known_credentials(emulator: LocalCleanRoomsML) -> None:
    """The emulator verifies signatures too: it must know the key these tests sign with."""
    emulator.add_credentials(KEY_ID, SECRET)


def invocation_id(record: RequestRecord) -> str:
    return record.headers["amz-sdk-invocation-id"]


def sdk_request(record: RequestRecord) -> str:
    return record.headers["amz-sdk-request"]


def assert_signed(record: RequestRecord, emulator: LocalCleanRoomsML) -> None:
    """The strict emulator recomputed this request's signature and accepted it."""
    assert emulator.strict_signing
    assert signature_accepted(record)


async def test_every_attempt_of_a_call_has_its_invocation_id_and_true_attempt_number(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    policy = RetryPolicy(initial_delay=0, max_delay=0)
    async with emulator.client(retry=policy, session=aio_session, **CREDENTIALS) as client:
        emulator.faults.throttle(2)
        await client.get_audience_model(audience_model_arn=arn)
        await client.get_audience_model(audience_model_arn=arn)
    first_call, second_call = emulator.requests[:3], emulator.requests[3:]
    assert [r.status for r in first_call] == [429, 429, 200]
    assert len({invocation_id(r) for r in first_call}) == 1
    assert uuid.UUID(invocation_id(first_call[0])).version == 4
    assert [sdk_request(r) for r in first_call] == [
        "attempt=1; max=5",
        "attempt=2; max=5",
        "attempt=3; max=5",
    ]
    (second,) = second_call
    assert invocation_id(second) != invocation_id(first_call[0])
    assert uuid.UUID(invocation_id(second)).version == 4
    assert sdk_request(second) == "attempt=1; max=5"
    for record in emulator.requests:
        assert_signed(record, emulator)


async def test_the_maximum_is_the_policys_and_the_last_attempt_says_so(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    policy = RetryPolicy(max_attempts=3, initial_delay=0, max_delay=0)
    emulator.faults.throttle(5)
    async with emulator.client(retry=policy, session=aio_session, **CREDENTIALS) as client:
        with pytest.raises(ThrottlingException):
            await client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    assert [sdk_request(r) for r in emulator.requests] == [
        "attempt=1; max=3",
        "attempt=2; max=3",
        "attempt=3; max=3",
    ]
    assert len({invocation_id(r) for r in emulator.requests}) == 1
    for record in emulator.requests:
        assert_signed(record, emulator)


async def test_retries_after_connection_failures_and_of_pages_keep_their_call(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    emulator.add_audience_export_jobs(4)
    policy = RetryPolicy(initial_delay=0, max_delay=0)
    async with emulator.client(retry=policy, session=aio_session, **CREDENTIALS) as client:
        pages = client.list_audience_export_jobs(max_results=2).pages()
        first = await anext(pages)
        emulator.faults.drop_connection(2)
        second = await anext(pages)
    assert len(first.audience_export_jobs) == len(second.audience_export_jobs) == 2
    page_one, *page_two = emulator.requests
    assert [sdk_request(r) for r in page_two] == [
        "attempt=1; max=5",
        "attempt=2; max=5",
        "attempt=3; max=5",
    ]
    assert len({invocation_id(r) for r in page_two}) == 1
    assert invocation_id(page_one) not in {invocation_id(r) for r in page_two}
    for record in emulator.requests:
        assert_signed(record, emulator)


async def test_the_retry_headers_are_not_signed_and_a_bad_signature_is_caught(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    """Why rewriting them after signing is safe, and the control for the checks above."""
    arn = emulator.add_audience_model()["audienceModelArn"]
    async with emulator.client(session=aio_session, **CREDENTIALS) as client:
        await client.get_audience_model(audience_model_arn=arn)
    wrong = {**CREDENTIALS, "aws_secret_access_key": SECRET[::-1]}
    policy = RetryPolicy(initial_delay=0, max_delay=0)
    async with emulator.client(session=aio_session, retry=policy, **wrong) as client:
        with pytest.raises(ServiceError) as refused:
            await client.get_audience_model(audience_model_arn=arn)
    good, bad = emulator.requests
    covered = signed_headers(good)
    assert "host" in covered
    assert "x-amz-security-token" in covered
    assert not [name for name in covered if name.startswith("amz-sdk-")]
    assert_signed(good, emulator)
    # A signature that does not verify is refused, not retried, and not "accepted" above.
    assert refused.value.code in SIGNATURE_ERRORS
    assert not signature_accepted(bad)


async def test_a_callers_own_client_is_left_to_botocore(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    """from_client changes nothing on the caller's client: botocore's own headers go out."""
    from cleanroomsml_async import CleanRoomsMLClient

    arn = emulator.add_audience_model()["audienceModelArn"]
    async with aio_session.create_client(
        "cleanroomsml",
        endpoint_url=emulator.endpoint_url,
        region_name="us-east-1",
        **CREDENTIALS,
    ) as raw:
        client = CleanRoomsMLClient.from_client(raw)
        await client.get_audience_model(audience_model_arn=arn)
    (record,) = emulator.requests
    assert re.fullmatch(r"attempt=1(; max=\d+)?", sdk_request(record))
