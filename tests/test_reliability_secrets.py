"""No credential in any log record (botocore's DEBUG records included), repr, str or error.

Known credentials, a session token among them, sign real requests to the emulator; calls
succeed, are retried and fail in every way the emulator can make them fail, with DEBUG logging
on for every logger. The secret key and the token must appear nowhere.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from urllib.parse import quote, urlsplit

import pytest
from aiobotocore.config import AioConfig

from cleanroomsml_async import CleanRoomsMLClient, CleanRoomsMLError, RetryPolicy
from cleanroomsml_async._redact import MASK
from cleanroomsml_async.testing import LocalCleanRoomsML

KEY_ID = "AKIAIOSFODNN7RELIABLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYRELIABILITYKEY"
TOKEN = "IQoJb3JpZ2luX2VjEReliabilityToken//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+test/token=="
SECRETS = (SECRET, TOKEN, quote(SECRET, safe=""), quote(TOKEN, safe=""))
POLICY = RetryPolicy(max_attempts=3, initial_delay=0, max_delay=0)


def assert_clean(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a credential leaked into {where}"


def errors_in_chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


async def run_everything(client: CleanRoomsMLClient, emulator: LocalCleanRoomsML) -> list[str]:
    """Calls that succeed, are retried, and fail every way; the texts of what was raised."""
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.add_audience_export_jobs(5)
    raised: list[BaseException] = []
    await client.get_audience_model(audience_model_arn=arn)
    await client.list_audience_export_jobs(max_results=2).to_list()
    emulator.faults.throttle(2)
    await client.get_audience_model(audience_model_arn=arn)  # retried, then fine
    emulator.faults.server_error(1)
    emulator.faults.drop_connection(1)
    await client.list_audience_export_jobs().to_list()  # retried twice, then fine
    breakers: list[Callable[[], object]] = [
        lambda: emulator.faults.throttle(5),
        lambda: emulator.faults.server_error(5, status=503),
        lambda: emulator.faults.drop_connection(5),
        lambda: emulator.faults.malformed_body(1),
        lambda: emulator.faults.error("AccessDeniedException"),
        lambda: emulator.faults.slow_response(1.0, count=3),  # beyond the read timeout
    ]
    for break_it in breakers:
        break_it()
        with pytest.raises(CleanRoomsMLError) as failure:
            await client.get_audience_model(audience_model_arn=arn)
        emulator.faults.clear()
        raised.append(failure.value)
    with pytest.raises(CleanRoomsMLError) as missing:
        await client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    raised.append(missing.value)
    texts = []
    for error in raised:
        for link in errors_in_chain(error):
            texts += [str(link), repr(link), repr(link.args)]
    return texts


async def test_no_credential_in_any_record_repr_or_error(
    emulator: LocalCleanRoomsML, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: botocore's own DEBUG records included
    emulator.add_credentials(KEY_ID, SECRET)  # it verifies signatures
    client = emulator.client(
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
        retry=POLICY,
        config=AioConfig(read_timeout=0.2),
    )
    assert_clean(repr(client), "the repr of a new client")
    async with client:
        texts = await run_everything(client, emulator)
        assert_clean(repr(client), "the repr of an open client")
        assert_clean(str(client), "the str of an open client")
        for value in vars(client).values():
            assert_clean(repr(value), "an attribute of the client")

    # The controls: the credentials were really used, and botocore really logged at DEBUG
    # the records that hold them (the canonical request, the request headers).
    signed = emulator.requests[0]
    # Sent and signed with (the emulator verifies signatures); its request log masks it.
    assert signed.status == 200
    assert signed.headers["X-Amz-Security-Token"] == MASK
    assert f"Credential={KEY_ID}/" in signed.headers["Authorization"]
    names = {record.name for record in caplog.records}
    assert {"botocore.auth", "botocore.endpoint", "cleanroomsml_async"} <= names
    assert any(MASK in record.getMessage() for record in caplog.records)
    assert len(texts) > 10

    for record in caplog.records:
        assert_clean(record.getMessage(), f"a {record.name} record")
    assert_clean(caplog.text, "the formatted log")  # tracebacks included
    for text in texts:
        assert_clean(text, "an error")


async def test_credentials_from_the_environment_are_masked_too(
    emulator: LocalCleanRoomsML,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Credentials the AWS chain resolved, not given to the client, are masked as well."""
    emulator.add_credentials(KEY_ID, SECRET)  # it verifies signatures
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    caplog.set_level(logging.DEBUG)
    async with CleanRoomsMLClient(
        region_name="us-east-1",
        endpoint_url=emulator.endpoint_url,
        retry=POLICY,
        config=AioConfig(read_timeout=0.2),
    ) as client:
        texts = await run_everything(client, emulator)
    assert emulator.requests[0].status == 200
    assert emulator.requests[0].headers["X-Amz-Security-Token"] == MASK
    assert any(record.name == "botocore.auth" for record in caplog.records)
    for record in caplog.records:
        assert_clean(record.getMessage(), f"a {record.name} record")
    assert_clean(caplog.text, "the formatted log")
    for text in texts:
        assert_clean(text, "an error")


async def test_a_secret_in_any_botocore_record_and_its_traceback_is_masked(
    emulator: LocalCleanRoomsML, caplog: pytest.LogCaptureFixture
) -> None:
    """Not only the records we know of: whatever botocore might log, args and tracebacks."""
    caplog.set_level(logging.DEBUG)
    async with emulator.client(aws_secret_access_key=SECRET, aws_session_token=TOKEN):
        pass  # opening the client is what hands its secrets to the filter
    client = emulator.client(aws_secret_access_key=SECRET, aws_session_token=TOKEN)
    async with client:
        for name in ("botocore.credentials", "aiobotocore.credentials", "botocore.utils"):
            log = logging.getLogger(name)
            log.debug("resolved %s and %r", SECRET, {"token": TOKEN})
            try:
                raise ValueError(f"bad token {TOKEN}")
            except ValueError:
                log.debug("refresh failed", exc_info=True)
        logged = [r for r in caplog.records if r.name.endswith(("credentials", "utils"))]
        assert len(logged) == 6
        for record in logged:
            assert_clean(record.getMessage(), f"a {record.name} record")
        assert MASK in caplog.text
        assert_clean(caplog.text, "the formatted log")


def test_the_emulator_binds_to_loopback_by_default() -> None:
    emulator = LocalCleanRoomsML()
    assert ipaddress.ip_address(emulator.host).is_loopback


async def test_the_running_emulator_and_its_fixture_listen_on_loopback_only(
    emulator: LocalCleanRoomsML, cleanroomsml_emulator: LocalCleanRoomsML
) -> None:
    for running in (emulator, cleanroomsml_emulator):
        host = urlsplit(running.endpoint_url).hostname
        assert host is not None
        assert ipaddress.ip_address(host).is_loopback
        runner = running._runner
        assert runner is not None
        for address in runner.addresses:
            assert ipaddress.ip_address(address[0]).is_loopback
