"""No credential in any repr, str, error message or log record."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiobotocore.session import AioSession

from cleanroomsml_async import (
    CleanRoomsMLClient,
    ResourceNotFoundException,
    RetryPolicy,
    ThrottlingException,
    TransportError,
)
from cleanroomsml_async.testing import LocalCleanRoomsML

KEY_ID = "AKIAEXAMPLEKEYID0001"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSECRETKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN//////////wEaDOeXAMPLE+token/value=="
SECRETS = (SECRET, TOKEN)
NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    # Nor a recognisable chunk of one (e.g. a secret cut at a line break).
    for secret in SECRETS:
        assert secret[:16] not in text
        assert secret[-16:] not in text


@pytest_asyncio.fixture
async def secret_client(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> AsyncIterator[CleanRoomsMLClient]:
    emulator.add_credentials(KEY_ID, SECRET)  # it verifies signatures
    async with emulator.client(
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
        retry=NO_SLEEP,
        session=aio_session,
    ) as client:
        yield client


async def test_the_credentials_are_really_used(
    secret_client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    """The control for the tests below: the client did sign with these credentials."""
    await secret_client.list_audience_export_jobs()
    (record,) = emulator.requests
    assert f"Credential={KEY_ID}/" in record.headers["Authorization"]
    # Sent, and signed with (the emulator verifies signatures); its log masks it.
    assert record.status == 200
    assert record.headers["X-Amz-Security-Token"] == "<redacted>"


def test_repr_and_str_of_a_client_hold_no_secret(emulator: LocalCleanRoomsML) -> None:
    client = emulator.client(
        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET, aws_session_token=TOKEN
    )
    assert_no_secret(repr(client))
    assert_no_secret(str(client))
    assert "CleanRoomsMLClient" in repr(client)
    assert emulator.endpoint_url in repr(client)
    # Nor does any attribute's repr (what a debugger or a traceback's locals would show).
    for value in vars(client).values():
        assert_no_secret(repr(value))


async def test_repr_of_an_open_client_holds_no_secret(
    secret_client: CleanRoomsMLClient,
) -> None:
    await secret_client.list_audience_export_jobs()
    assert_no_secret(repr(secret_client))
    assert_no_secret(str(secret_client))
    for value in vars(secret_client).values():
        assert_no_secret(repr(value))


async def test_error_messages_hold_no_secret(
    secret_client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    with pytest.raises(ResourceNotFoundException) as not_found:
        await secret_client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    emulator.faults.throttle(10)
    with pytest.raises(ThrottlingException) as throttled:
        await secret_client.list_audience_export_jobs()
    emulator.faults.clear()
    emulator.faults.drop_connection(10)
    with pytest.raises(TransportError) as dropped:
        await secret_client.list_audience_export_jobs()
    for error in (not_found.value, throttled.value, dropped.value):
        assert_no_secret(str(error))
        assert_no_secret(repr(error))
        assert_no_secret(str(error.__cause__))


async def test_no_log_record_holds_a_secret_botocore_debug_included(
    secret_client: CleanRoomsMLClient,
    emulator: LocalCleanRoomsML,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # everything, botocore's request dumps included
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.add_audience_export_jobs(3)
    await secret_client.get_audience_model(audience_model_arn=arn)
    await secret_client.list_audience_export_jobs(max_results=1).to_list()
    emulator.faults.throttle(2)  # retried: the retry log too
    await secret_client.get_audience_model(audience_model_arn=arn)
    with pytest.raises(ResourceNotFoundException):
        await secret_client.get_audience_model(audience_model_arn=emulator.arns.audience_model())

    loggers = {record.name for record in caplog.records}
    # The control: botocore really logged its signing and its requests at DEBUG.
    assert "botocore.auth" in loggers
    assert "botocore.endpoint" in loggers
    assert "cleanroomsml_async" in loggers
    for record in caplog.records:
        assert_no_secret(record.getMessage())
    assert_no_secret(caplog.text)
