"""The log filter that masks credentials lives exactly as long as the clients that need it.

It forgets a closed client's secrets, leaves the loggers when no client is left, lets records
without a watched secret through untouched, follows credentials the chain refreshes, and is
safe while other threads open clients and log.
"""

from __future__ import annotations

import gc
import logging
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiobotocore.credentials import AioRefreshableCredentials
from aiobotocore.session import AioSession
from botocore.credentials import CredentialProvider

from cleanroomsml_async import CleanRoomsMLClient, RetryPolicy
from cleanroomsml_async._redact import MASK, REDACTOR, SecretRedactor, watch
from cleanroomsml_async.testing import LocalCleanRoomsML

SECRET_A = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSCOPESECRETA"
SECRET_B = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSCOPESECRETB"
KEY_A, KEY_B = "AKIASCOPEEXAMPLEAAAA", "AKIASCOPEEXAMPLEBBBB"


@pytest.fixture(autouse=True)
def known_credentials(emulator: LocalCleanRoomsML) -> None:
    """The emulator verifies signatures: it must know the keys these tests sign with."""
    emulator.add_credentials(KEY_A, SECRET_A)
    emulator.add_credentials(KEY_B, SECRET_B)


NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)


def loggers_with_the_filter() -> list[str]:
    return [
        name
        for name, logger in list(logging.Logger.manager.loggerDict.items())
        if isinstance(logger, logging.Logger)
        and any(isinstance(f, SecretRedactor) for f in logger.filters)
    ]


def logged(caplog: pytest.LogCaptureFixture, text: str) -> str:
    """What a botocore DEBUG record carrying ``text`` looks like once it was logged."""
    caplog.clear()
    logging.getLogger("botocore.endpoint").debug("sending %s", text)
    (record,) = caplog.records
    return record.getMessage()


@pytest.fixture(autouse=True)
def no_client_left_open() -> None:
    gc.collect()  # a client an earlier test dropped unclosed lets go of its secrets when collected
    assert REDACTOR.secrets() == (), "an earlier test left a client open"


async def test_no_logger_keeps_the_filter_once_the_last_client_closed(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    assert loggers_with_the_filter() == []
    async with emulator.client(
        session=aio_session, aws_access_key_id=KEY_A, aws_secret_access_key=SECRET_A
    ) as client:
        await client.list_audience_export_jobs()
        during = loggers_with_the_filter()
        assert {"botocore.auth", "botocore.endpoint", "cleanroomsml_async"} <= set(during)
    assert loggers_with_the_filter() == []
    assert REDACTOR.secrets() == ()


async def test_a_closed_clients_secrets_are_forgotten_an_open_ones_are_not(
    emulator: LocalCleanRoomsML, aio_session: AioSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="botocore.endpoint")
    first = emulator.client(
        session=aio_session, aws_access_key_id=KEY_A, aws_secret_access_key=SECRET_A
    )
    second = emulator.client(
        session=aio_session, aws_access_key_id=KEY_B, aws_secret_access_key=SECRET_B
    )
    async with first, second:
        await first.list_audience_export_jobs()
        await second.list_audience_export_jobs()
        assert logged(caplog, SECRET_A) == f"sending {MASK}"
        await first.close()
        # first's secret is no longer anyone's to mask; second's still is.
        assert logged(caplog, SECRET_A) == f"sending {SECRET_A}"
        assert logged(caplog, SECRET_B) == f"sending {MASK}"
    assert loggers_with_the_filter() == []


async def test_a_record_without_a_watched_secret_passes_untouched(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    logger = logging.getLogger("botocore.endpoint")
    arguments = ("text", [1, 2])
    try:
        raise ValueError("nothing secret here")
    except ValueError as error:
        failure = (ValueError, error, error.__traceback__)
    async with emulator.client(
        session=aio_session, aws_access_key_id=KEY_A, aws_secret_access_key=SECRET_A
    ) as client:
        await client.list_audience_export_jobs()
        (redactor,) = [f for f in logger.filters if isinstance(f, SecretRedactor)]
        plain = logger.makeRecord(
            logger.name, logging.DEBUG, __file__, 1, "%s %r", arguments, failure
        )
        secret = logger.makeRecord(
            logger.name, logging.DEBUG, __file__, 1, "%s", (SECRET_A,), None
        )
        assert redactor.filter(plain)
        assert redactor.filter(secret)
    assert (plain.msg, plain.args, plain.exc_text) == ("%s %r", arguments, None)
    assert plain.args is arguments
    assert (secret.msg, secret.args) == (MASK, None)  # the control


class _RotatingProvider(CredentialProvider):  # type: ignore[misc]
    """Credentials that expire within the minute, so each signing refreshes them; each set
    is made known to the emulator, which verifies signatures."""

    METHOD = "rotating-test-credentials"

    def __init__(self, emulator: LocalCleanRoomsML) -> None:
        super().__init__()
        self.emulator = emulator
        self.issued: list[str] = []

    def _next(self) -> dict[str, str]:
        number = len(self.issued)
        token = f"IQoJRotatingToken{number:04d}//////////wEaCXRlc3Q+token/value=="
        self.issued.append(token)
        expiry = datetime.now(UTC) + timedelta(seconds=30)
        access_key = f"AKIAROTATINGEXAM{number:04d}"
        secret_key = f"rotating/secret/key/{number:04d}/wJalrXUtnFEMIK7MDENG"
        self.emulator.add_credentials(access_key, secret_key)
        return {
            "access_key": access_key,
            "secret_key": secret_key,
            "token": token,
            "expiry_time": expiry.isoformat(),
        }

    async def load(self) -> Any:
        async def refresh() -> dict[str, str]:
            return self._next()

        return AioRefreshableCredentials.create_from_metadata(
            self._next(), refresh_using=refresh, method=self.METHOD
        )


async def test_credentials_the_chain_refreshes_are_masked_as_they_change(
    emulator: LocalCleanRoomsML, caplog: pytest.LogCaptureFixture
) -> None:
    session = AioSession()
    provider = _RotatingProvider(emulator)
    session.get_component("credential_provider").insert_before("env", provider)
    caplog.set_level(logging.DEBUG)
    async with CleanRoomsMLClient(
        session=session, endpoint_url=emulator.endpoint_url, region_name="us-east-1"
    ) as client:
        for _ in range(3):
            await client.list_audience_export_jobs()
    # The control: each request signed (and verified) with a fresh set of credentials.
    keys = [re.search(r"Credential=(\w+)/", r.headers["Authorization"]) for r in emulator.requests]
    assert len({key[1] for key in keys if key}) == 3
    assert all(record.status == 200 for record in emulator.requests)
    assert any(r.name == "botocore.auth" for r in caplog.records)
    for record in caplog.records:
        for token in provider.issued:
            assert token not in record.getMessage()
        assert "rotating/secret/key" not in record.getMessage()
    assert loggers_with_the_filter() == []


def test_watching_and_logging_from_many_threads_raises_nothing() -> None:
    """Secrets registered and released in some threads while others log through the filter."""
    failures: list[BaseException] = []
    logger = logging.getLogger("botocore.endpoint")
    anchor = watch(["anchor-secret-that-keeps-the-filter-attached"])
    record_count = 3000

    def churn(number: int) -> None:
        try:
            for index in range(record_count // 10):
                handle = watch([f"secret-{number}-{index}-" + "x" * 20])
                handle.update([f"refreshed-{number}-{index}-" + "y" * 20])
                handle.release()
        except BaseException as error:
            failures.append(error)

    def log() -> None:
        try:
            for index in range(record_count):
                record = logger.makeRecord(
                    logger.name, logging.DEBUG, __file__, 0, "record %d %s", (index, "z"), None
                )
                REDACTOR.filter(record)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=churn, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=log) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    anchor.release()
    assert failures == []
    assert REDACTOR.secrets() == ()
    assert loggers_with_the_filter() == []
