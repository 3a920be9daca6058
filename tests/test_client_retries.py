"""RetryPolicy against injected faults, counted request by request in the emulator's log."""

from __future__ import annotations

import logging
import random

import pytest
import tenacity
from aiobotocore.session import AioSession
from botocore.exceptions import ClientError

from cleanroomsml_async import (
    AccessDeniedException,
    CleanRoomsMLClient,
    ConflictException,
    ResourceNotFoundException,
    RetryPolicy,
    ServiceError,
    ServiceQuotaExceededException,
    ThrottlingException,
    TransportTimeoutError,
    ValidationException,
)
from cleanroomsml_async.testing import LocalCleanRoomsML

NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)
LOGGER = "cleanroomsml_async"


@pytest.fixture
def model_arn(emulator: LocalCleanRoomsML) -> str:
    arn: str = emulator.add_audience_model()["audienceModelArn"]
    return arn


def retry_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == LOGGER]


# -- throttling -----------------------------------------------------------------------------


async def test_a_throttled_call_is_retried_until_it_succeeds(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    emulator.faults.throttle(3)
    model = await client.get_audience_model(audience_model_arn=model_arn)
    assert model.audience_model_arn == model_arn
    assert [record.error_code for record in emulator.requests] == [
        "ThrottlingException",
        "ThrottlingException",
        "ThrottlingException",
        None,
    ]
    assert [record.status for record in emulator.requests] == [429, 429, 429, 200]


@pytest.mark.parametrize("max_attempts", [2, 5])
async def test_always_throttled_sends_max_attempts_then_raises_the_throttling_exception(
    emulator: LocalCleanRoomsML, aio_session: AioSession, model_arn: str, max_attempts: int
) -> None:
    emulator.faults.throttle(100)
    policy = RetryPolicy(max_attempts=max_attempts, initial_delay=0, max_delay=0)
    async with emulator.client(retry=policy, session=aio_session) as client:
        with pytest.raises(ThrottlingException) as caught:
            await client.get_audience_model(audience_model_arn=model_arn)
    assert len(emulator.requests) == max_attempts
    error = caught.value
    assert type(error) is ThrottlingException
    assert not isinstance(error, tenacity.RetryError)
    assert error.code == "ThrottlingException"
    assert error.status_code == 429
    assert error.operation_name == "GetAudienceModel"
    # The last attempt's error, with the last attempt's request id.
    assert error.request_id == emulator.requests[-1].request_id
    assert isinstance(error.__cause__, ClientError)
    assert error.__cause__.response["Error"]["Code"] == "ThrottlingException"


async def test_the_default_policy_makes_five_attempts(
    emulator: LocalCleanRoomsML, aio_session: AioSession, model_arn: str
) -> None:
    assert RetryPolicy().max_attempts == 5
    emulator.faults.throttle(100)
    async with emulator.client(
        retry=RetryPolicy(initial_delay=0, max_delay=0), session=aio_session
    ) as client:
        with pytest.raises(ThrottlingException):
            await client.get_audience_model(audience_model_arn=model_arn)
    assert len(emulator.requests) == 5


async def test_a_throttled_page_is_fetched_again_with_the_same_token(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    emulator.add_audience_export_jobs(25)
    seen: list[str] = []
    async for page in client.list_audience_export_jobs(max_results=10).pages():
        if not seen:
            emulator.faults.throttle(2)  # page two: throttled twice, then served
        seen.extend(job.name for job in page.audience_export_jobs)

    assert seen == [f"export-job-{index}" for index in range(1, 26)]  # none lost, none twice
    records = emulator.requests
    assert [record.error_code for record in records] == [
        None,
        "ThrottlingException",
        "ThrottlingException",
        None,
        None,
    ]
    tokens = [record.query.get("nextToken") for record in records]
    assert tokens[0] is None
    assert tokens[1] is not None
    assert tokens[1] == tokens[2] == tokens[3]  # the same token, re-sent as it was
    assert tokens[4] not in (None, tokens[1])
    assert all(record.query["maxResults"] == "10" for record in records)


@pytest.mark.parametrize("ahead", [1, 2])
async def test_a_throttled_page_with_prefetch_loses_and_repeats_nothing(
    emulator: LocalCleanRoomsML, aio_session: AioSession, ahead: int
) -> None:
    emulator.add_audience_export_jobs(25)
    # Half the page requests throttled (seeded, so the run repeats), with attempts to spare.
    emulator.faults.throttle_fraction(0.5, seed=7, operation="ListAudienceExportJobs")
    policy = RetryPolicy(max_attempts=30, initial_delay=0, max_delay=0)
    async with emulator.client(retry=policy, session=aio_session) as client:
        pager = client.list_audience_export_jobs(max_results=3).prefetch(ahead)
        names = [job.name async for job in pager]
    assert names == [f"export-job-{index}" for index in range(1, 26)]
    served = [record for record in emulator.requests if record.error_code is None]
    throttled = [record for record in emulator.requests if record.error_code is not None]
    assert len(served) == 9
    assert throttled  # the seeded fault did throttle some pages
    # Every throttled token was later served, and no page was served twice.
    served_tokens = [record.query.get("nextToken") for record in served]
    assert len(set(served_tokens)) == 9
    assert {record.query.get("nextToken") for record in throttled} <= set(served_tokens)


# -- other retryable and non-retryable errors -----------------------------------------------


async def test_server_errors_are_retried(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    emulator.faults.server_error(2)
    emulator.faults.server_error(1, status=503)
    model = await client.get_audience_model(audience_model_arn=model_arn)
    assert model.audience_model_arn == model_arn
    assert [(record.status, record.error_code) for record in emulator.requests] == [
        (500, "InternalServerException"),
        (500, "InternalServerException"),
        (503, "ServiceUnavailableException"),
        (200, None),
    ]


@pytest.mark.parametrize(
    ("status", "code"),
    [(500, "InternalServerException"), (503, "ServiceUnavailableException"), (502, None)],
)
async def test_a_failing_server_gets_max_attempts_then_a_plain_service_error(
    client: CleanRoomsMLClient,
    emulator: LocalCleanRoomsML,
    model_arn: str,
    status: int,
    code: str | None,
) -> None:
    emulator.faults.server_error(100, status=status, code=code or "BadGateway")
    with pytest.raises(ServiceError) as caught:
        await client.get_audience_model(audience_model_arn=model_arn)
    assert type(caught.value) is ServiceError
    assert caught.value.code == (code or "BadGateway")
    assert caught.value.status_code == status
    assert len(emulator.requests) == 5


@pytest.mark.parametrize(
    ("code", "cls", "status"),
    [
        ("AccessDeniedException", AccessDeniedException, 403),
        ("ResourceNotFoundException", ResourceNotFoundException, 404),
        ("ConflictException", ConflictException, 409),
        ("ServiceQuotaExceededException", ServiceQuotaExceededException, None),
        ("ValidationException", ValidationException, 400),
        ("SomethingNewException", ServiceError, 400),
    ],
)
async def test_other_client_errors_are_sent_exactly_once(
    client: CleanRoomsMLClient,
    emulator: LocalCleanRoomsML,
    model_arn: str,
    code: str,
    cls: type[ServiceError],
    status: int | None,
) -> None:
    fault = emulator.faults.error(code, 5)
    with pytest.raises(ServiceError) as caught:
        await client.get_audience_model(audience_model_arn=model_arn)
    assert type(caught.value) is cls
    assert caught.value.code == code
    (record,) = emulator.requests
    assert fault.hits == 1
    assert caught.value.status_code == record.status
    if status is not None:
        assert record.status == status
    assert 400 <= record.status < 500


async def test_a_forged_next_token_is_refused_by_the_service_once(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML
) -> None:
    emulator.add_audience_export_jobs(3)
    # Valid for our model (any non-empty string), but not a token the service issued.
    with pytest.raises(ValidationException) as caught:
        await client.list_audience_export_jobs(next_token="bm90LWEtdG9rZW4.Zm9yZ2Vk")
    (record,) = emulator.requests
    assert record.query == {"nextToken": "bm90LWEtdG9rZW4.Zm9yZ2Vk"}
    assert caught.value.status_code == 400
    assert "nextToken" in caught.value.message
    assert caught.value.request_id == record.request_id


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("TooManyRequestsException", None),  # an AWS throttling code this service does not model
        ("RequestLimitExceeded", None),
        ("SlowDown", 503),
        ("EnhanceYourCalm", 429),  # any code, if the status is 429
    ],
)
async def test_unmodelled_throttling_is_retried_and_raises_a_plain_service_error(
    client: CleanRoomsMLClient,
    emulator: LocalCleanRoomsML,
    model_arn: str,
    code: str,
    status: int | None,
) -> None:
    emulator.faults.error(code, 100, status=status)
    with pytest.raises(ServiceError) as caught:
        await client.get_audience_model(audience_model_arn=model_arn)
    assert type(caught.value) is ServiceError
    assert caught.value.code == code
    assert caught.value.status_code == emulator.requests[-1].status
    assert len(emulator.requests) == 5


async def test_unmodelled_throttling_then_success(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    emulator.faults.error("TooManyRequestsException", 2)
    emulator.faults.error("Whatever", 1, status=429)
    model = await client.get_audience_model(audience_model_arn=model_arn)
    assert model.audience_model_arn == model_arn
    assert len(emulator.requests) == 4


@pytest.mark.parametrize("fault", ["throttle", "server_error", "drop_connection"])
async def test_max_attempts_one_sends_once(
    emulator: LocalCleanRoomsML, aio_session: AioSession, model_arn: str, fault: str
) -> None:
    getattr(emulator.faults, fault)(3)
    policy = RetryPolicy(max_attempts=1)
    async with emulator.client(retry=policy, session=aio_session) as client:
        with pytest.raises(Exception) as caught:  # noqa: PT011 - the class is checked below
            await client.get_audience_model(audience_model_arn=model_arn)
        assert caught.value.__class__.__module__ == "cleanroomsml_async.errors"
        assert len(emulator.requests) == 1
        # The next call meets the remaining faults one at a time, each sent once.
        with pytest.raises(type(caught.value)):
            await client.get_audience_model(audience_model_arn=model_arn)
        assert len(emulator.requests) == 2


# -- logging --------------------------------------------------------------------------------


async def test_each_retry_is_logged_with_operation_attempt_code_and_delay(
    client: CleanRoomsMLClient,
    emulator: LocalCleanRoomsML,
    model_arn: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    emulator.faults.throttle(1)
    emulator.faults.server_error(1)
    await client.get_audience_model(audience_model_arn=model_arn)

    records = retry_records(caplog)
    assert len(records) == 2
    for record, attempt, code in zip(
        records, [1, 2], ["ThrottlingException", "InternalServerException"], strict=True
    ):
        assert record.levelno == logging.INFO
        assert record.__dict__["operation_name"] == "GetAudienceModel"
        assert record.__dict__["attempt"] == attempt
        assert record.__dict__["error_code"] == code
        assert record.__dict__["delay"] == 0
        message = record.getMessage()
        assert "GetAudienceModel" in message
        assert code in message
        assert str(attempt) in message


async def test_nothing_is_logged_without_a_retry(
    client: CleanRoomsMLClient,
    emulator: LocalCleanRoomsML,
    model_arn: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    await client.get_audience_model(audience_model_arn=model_arn)
    emulator.faults.error("AccessDeniedException")
    with pytest.raises(AccessDeniedException):
        await client.get_audience_model(audience_model_arn=model_arn)
    assert retry_records(caplog) == []


# -- backoff and the time budget ------------------------------------------------------------


async def test_backoff_is_exponential_and_capped(
    emulator: LocalCleanRoomsML,
    aio_session: AioSession,
    model_arn: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Full jitter draws from [0, window]; take the top of the window to see the window.
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    caplog.set_level(logging.INFO, logger=LOGGER)
    emulator.faults.throttle(100)
    policy = RetryPolicy(max_attempts=5, initial_delay=0.01, max_delay=0.03)
    async with emulator.client(retry=policy, session=aio_session) as client:
        with pytest.raises(ThrottlingException):
            await client.get_audience_model(audience_model_arn=model_arn)
    delays = [record.__dict__["delay"] for record in retry_records(caplog)]
    assert delays == pytest.approx([0.01, 0.02, 0.03, 0.03])
    assert len(emulator.requests) == 5


async def test_jittered_delays_stay_within_their_windows(
    emulator: LocalCleanRoomsML,
    aio_session: AioSession,
    model_arn: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    emulator.faults.throttle(100)
    policy = RetryPolicy(max_attempts=4, initial_delay=0.004, max_delay=0.01)
    async with emulator.client(retry=policy, session=aio_session) as client:
        with pytest.raises(ThrottlingException):
            await client.get_audience_model(audience_model_arn=model_arn)
    delays = [record.__dict__["delay"] for record in retry_records(caplog)]
    assert len(delays) == 3
    for delay, window in zip(delays, [0.004, 0.008, 0.01], strict=True):
        assert 0 <= delay <= window


async def test_the_time_budget_stops_before_a_sleep_that_would_overrun_it(
    emulator: LocalCleanRoomsML,
    aio_session: AioSession,
    model_arn: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(random, "uniform", lambda low, high: high)  # every sleep is 0.4 s
    caplog.set_level(logging.INFO, logger=LOGGER)
    policy = RetryPolicy(max_attempts=10, initial_delay=0.4, max_delay=0.4, timeout=0.6)
    async with emulator.client(retry=policy, session=aio_session) as client:
        # Warm up first: the first call of an operation builds its models' validators, which
        # on a loaded machine can eat the 0.2 s of slack this budget leaves.
        await client.get_audience_model(audience_model_arn=model_arn)
        emulator.clear_requests()
        emulator.faults.throttle(100)
        with pytest.raises(ThrottlingException) as caught:
            await client.get_audience_model(audience_model_arn=model_arn)
    # Attempt 1, sleep 0.4 (ends at ~0.4 < 0.6), attempt 2; a second sleep would end at ~0.8.
    assert len(emulator.requests) == 2
    assert [record.__dict__["attempt"] for record in retry_records(caplog)] == [1]
    # The last error itself, not a timeout of our own making nor a tenacity type.
    assert type(caught.value) is ThrottlingException
    assert caught.value.request_id == emulator.requests[-1].request_id


async def test_the_time_budget_bounds_a_call_that_keeps_failing(
    emulator: LocalCleanRoomsML, aio_session: AioSession, model_arn: str
) -> None:
    emulator.faults.throttle(10_000)
    policy = RetryPolicy(max_attempts=1000, initial_delay=0.02, max_delay=0.02, timeout=0.3)
    async with emulator.client(retry=policy, session=aio_session) as client:
        # Usually the last throttle; a TransportTimeoutError if the budget ran out while the
        # last attempt (started in time) was still in flight. Either way: ours, not tenacity's.
        with pytest.raises((ThrottlingException, TransportTimeoutError)):
            await client.get_audience_model(audience_model_arn=model_arn)
    # Far fewer attempts than allowed: the budget, not max_attempts, ended it.
    assert 2 <= len(emulator.requests) < 1000


async def test_a_request_still_in_flight_when_the_budget_runs_out_raises_a_timeout(
    emulator: LocalCleanRoomsML,
    aio_session: AioSession,
    model_arn: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    policy = RetryPolicy(initial_delay=0, max_delay=0, timeout=0.3)
    async with emulator.client(retry=policy, session=aio_session) as client:
        # Warm up first: the first answer read builds the response model's validator, which
        # on a loaded machine can eat much of a 0.3 s budget.
        await client.get_audience_model(audience_model_arn=model_arn)
        emulator.faults.slow_response(2.0, 1)
        with pytest.raises(TransportTimeoutError) as caught:
            await client.get_audience_model(audience_model_arn=model_arn)
        assert caught.value.operation_name == "GetAudienceModel"
        assert isinstance(caught.value.__cause__, TimeoutError)
        # No retry: the budget was spent.
        assert retry_records(caplog) == []
        # The client is still usable afterwards, and the budget is per call.
        model = await client.get_audience_model(audience_model_arn=model_arn)
        assert model.audience_model_arn == model_arn


# -- the retry quota ------------------------------------------------------------------------


async def test_a_drained_retry_quota_stops_retries_until_successes_refill_it(
    emulator: LocalCleanRoomsML, aio_session: AioSession, model_arn: str
) -> None:
    throttle = emulator.faults.throttle(100_000)
    async with emulator.client(retry=NO_SLEEP, session=aio_session) as client:
        # 500 tokens at 5 per retry: 25 calls of 4 retries each spend them all.
        for _ in range(25):
            with pytest.raises(ThrottlingException):
                await client.get_audience_model(audience_model_arn=model_arn)
        assert len(emulator.requests) == 25 * 5

        emulator.clear_requests()
        with pytest.raises(ThrottlingException):
            await client.get_audience_model(audience_model_arn=model_arn)
        assert len(emulator.requests) == 1  # raised at once, no retry

        # A success refunds 1 token; five of them pay for one retry.
        throttle.cancel()
        for _ in range(5):
            await client.get_audience_model(audience_model_arn=model_arn)
        throttle = emulator.faults.throttle(100_000)
        emulator.clear_requests()
        with pytest.raises(ThrottlingException):
            await client.get_audience_model(audience_model_arn=model_arn)
        assert len(emulator.requests) == 2

        # The quota belongs to the client: a fresh client retries in full.
        emulator.clear_requests()
        async with emulator.client(retry=NO_SLEEP, session=aio_session) as fresh:
            with pytest.raises(ThrottlingException):
                await fresh.get_audience_model(audience_model_arn=model_arn)
        assert len(emulator.requests) == 5


async def test_a_successful_retry_refunds_what_it_spent(
    emulator: LocalCleanRoomsML, aio_session: AioSession, model_arn: str
) -> None:
    emulator.faults.throttle(96)
    async with emulator.client(
        retry=RetryPolicy(max_attempts=200, initial_delay=0, max_delay=0), session=aio_session
    ) as client:
        # 96 retries cost 480 of 500 tokens; the success that ends them refunds all 480.
        await client.get_audience_model(audience_model_arn=model_arn)
        assert len(emulator.requests) == 97
        emulator.clear_requests()
        emulator.faults.throttle(100_000)
        with pytest.raises(ThrottlingException):
            await client.get_audience_model(audience_model_arn=model_arn)
        # The full quota again: 100 retries, then it is spent.
        assert len(emulator.requests) == 101


# -- adaptive -------------------------------------------------------------------------------


async def test_adaptive_retries_still_deliver_results(
    emulator: LocalCleanRoomsML, aio_session: AioSession, model_arn: str
) -> None:
    emulator.add_audience_export_jobs(6)
    policy = RetryPolicy(initial_delay=0, max_delay=0, adaptive=True)
    async with emulator.client(retry=policy, session=aio_session) as client:
        # Unthrottled, the limiter stays out of the way.
        first = await client.list_audience_export_jobs(max_results=2).to_list()
        assert len(first) == 6
        # One throttle switches it on; the call still succeeds on its retry.
        emulator.faults.throttle(1)
        model = await client.get_audience_model(audience_model_arn=model_arn)
        assert model.audience_model_arn == model_arn
    assert (
        emulator.requests.operations() == ["ListAudienceExportJobs"] * 3 + ["GetAudienceModel"] * 2
    )
    assert [record.error_code for record in emulator.requests_for("GetAudienceModel")] == [
        "ThrottlingException",
        None,
    ]


def test_the_policy_takes_the_contracts_signature() -> None:
    # RetryPolicy(max_attempts=5, initial_delay=0.1, max_delay=20.0): positional or keyword.
    assert RetryPolicy(3, 0.5, 2.0) == RetryPolicy(
        max_attempts=3, initial_delay=0.5, max_delay=2.0
    )
    assert RetryPolicy() == RetryPolicy(5, 0.1, 20.0)
    with pytest.raises(TypeError):
        RetryPolicy(3, 0.5, 2.0, 30.0)  # type: ignore[call-arg]  # timeout is keyword-only
