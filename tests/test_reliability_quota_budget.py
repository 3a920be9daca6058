"""The client-wide retry quota and the per-call time budget, counted on the emulator's log.

The quota is botocore standard mode's: 500 tokens, a retry costs 5 (10 after a timeout), a
success refunds what its retries cost (or 1 if it had none), and once the quota cannot pay
for a retry, errors are raised at once. Every count below follows from those prices.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiobotocore.config import AioConfig

from cleanroomsml_async import CleanRoomsMLClient, RetryPolicy, ServiceError, ThrottlingException
from cleanroomsml_async.errors import TransportTimeoutError
from cleanroomsml_async.retry import Retrier
from cleanroomsml_async.testing import LocalCleanRoomsML

GET = "GetAudienceModel"
#: So many attempts that only the quota (or the budget) can stop the retries.
UNLIMITED = RetryPolicy(max_attempts=10_000, initial_delay=0, max_delay=0)


@pytest.fixture
def arn(emulator: LocalCleanRoomsML) -> str:
    return str(emulator.add_audience_model()["audienceModelArn"])


def sent(emulator: LocalCleanRoomsML) -> int:
    return len(emulator.requests_for(GET))


async def drain(client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, arn: str) -> None:
    """Spend the whole quota on one call that keeps failing: 1 attempt + 500 / 5 retries."""
    before = sent(emulator)
    fault = emulator.faults.server_error(100_000)
    with pytest.raises(ServiceError):
        await client.get_audience_model(audience_model_arn=arn)
    fault.cancel()
    assert sent(emulator) - before == 1 + 100


async def succeed(client: CleanRoomsMLClient, arn: str, times: int) -> None:
    for _ in range(times):
        await client.get_audience_model(audience_model_arn=arn)


# -- the quota --------------------------------------------------------------------------------


async def test_a_drained_quota_raises_errors_at_once(
    emulator: LocalCleanRoomsML, arn: str
) -> None:
    async with emulator.client(retry=UNLIMITED) as client:
        await drain(client, emulator, arn)
        emulator.faults.throttle(3)
        before = sent(emulator)
        with pytest.raises(ThrottlingException):
            await client.get_audience_model(audience_model_arn=arn)
        assert sent(emulator) - before == 1  # no retry: the quota cannot pay for one


async def test_each_success_without_retries_refunds_one_token(
    emulator: LocalCleanRoomsML, arn: str
) -> None:
    async with emulator.client(retry=UNLIMITED) as client:
        await drain(client, emulator, arn)
        await succeed(client, arn, 5)  # 5 tokens: exactly one retry's worth
        emulator.faults.server_error(100)
        before = sent(emulator)
        with pytest.raises(ServiceError):
            await client.get_audience_model(audience_model_arn=arn)
        assert sent(emulator) - before == 2


async def test_a_retry_after_a_timeout_costs_ten_tokens(
    emulator: LocalCleanRoomsML, arn: str
) -> None:
    # Far above any normal answer, even on a loaded machine: a 5xx that happened to take longer
    # than the read timeout would count as a timeout (10 tokens) and skew the exact counts.
    config = AioConfig(read_timeout=1.0)
    async with emulator.client(retry=UNLIMITED, config=config) as client:
        await drain(client, emulator, arn)
        await succeed(client, arn, 10)  # 10 tokens
        slow = emulator.faults.slow_response(5.0, count=100)
        with pytest.raises(TransportTimeoutError):
            await client.get_audience_model(audience_model_arn=arn)
        assert slow.hits == 2  # one retry at 10 tokens, then none left
        slow.cancel()

        await succeed(client, arn, 10)  # 10 tokens again: two retries at 5 after a 5xx
        emulator.faults.server_error(100)
        before = sent(emulator)
        with pytest.raises(ServiceError):
            await client.get_audience_model(audience_model_arn=arn)
        assert sent(emulator) - before == 3


async def test_a_successful_call_refunds_what_its_retries_spent(
    emulator: LocalCleanRoomsML, arn: str
) -> None:
    async with emulator.client(retry=UNLIMITED) as client:
        await drain(client, emulator, arn)
        await succeed(client, arn, 10)  # 10 tokens: two retries
        for _ in range(3):
            # Each call spends all 10 tokens on two retries and gets all 10 back on success;
            # with a refund of 1 the second round could not retry at all.
            emulator.faults.throttle(2)
            before = sent(emulator)
            await client.get_audience_model(audience_model_arn=arn)
            assert sent(emulator) - before == 3


async def test_the_quota_is_shared_by_every_task_of_a_client(
    emulator: LocalCleanRoomsML, arn: str
) -> None:
    emulator.faults.server_error(100_000)
    async with emulator.client(retry=UNLIMITED) as client:
        outcomes = await asyncio.gather(
            *(client.get_audience_model(audience_model_arn=arn) for _ in range(10)),
            return_exceptions=True,
        )
    assert all(isinstance(outcome, ServiceError) for outcome in outcomes)
    # Ten first attempts, and the 100 retries the whole quota pays for, however they were
    # spread over the tasks.
    assert sent(emulator) == 10 + 100


async def test_each_client_has_its_own_quota(emulator: LocalCleanRoomsML, arn: str) -> None:
    async with (
        emulator.client(retry=UNLIMITED) as drained,
        emulator.client(retry=UNLIMITED) as fresh,
    ):
        await drain(drained, emulator, arn)
        emulator.faults.server_error(3)
        model = await fresh.get_audience_model(audience_model_arn=arn)
        assert model.audience_model_arn == arn


# -- the time budget --------------------------------------------------------------------------


async def test_a_request_cut_off_by_the_budget_raises_a_timeout_and_sends_nothing_more(
    emulator: LocalCleanRoomsML, arn: str
) -> None:
    slow = emulator.faults.slow_response(5.0, count=5)
    policy = RetryPolicy(max_attempts=5, initial_delay=0, max_delay=0, timeout=0.3)
    async with emulator.client(retry=policy) as client:
        with pytest.raises(TransportTimeoutError) as raised:
            await client.get_audience_model(audience_model_arn=arn)
    assert "budget" in str(raised.value)
    assert isinstance(raised.value.__cause__, TimeoutError)
    # The budget ran out during the first attempt: no retry started after it.
    assert slow.hits == 1


async def test_no_retry_starts_whose_sleep_would_overrun_the_budget(
    emulator: LocalCleanRoomsML, arn: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Sleeps are drawn from [0, 100) s against a 1 s budget: nearly every draw overruns it.

    Whatever the draws, each retry that did start had its sleep fit in the budget, and the
    call ended with the service's last error itself.
    """
    caplog.set_level(logging.INFO, logger="cleanroomsml_async")
    emulator.faults.throttle(100)
    policy = RetryPolicy(max_attempts=3, initial_delay=100, max_delay=100, timeout=1.0)
    async with emulator.client(retry=policy) as client:
        with pytest.raises(ThrottlingException):
            await client.get_audience_model(audience_model_arn=arn)
    retries = [r for r in caplog.records if r.name == "cleanroomsml_async" and hasattr(r, "delay")]
    assert sent(emulator) == len(retries) + 1
    assert sum(record.delay for record in retries) < 1.0


async def test_the_budget_bounds_the_wait_for_the_adaptive_send_rate() -> None:
    """Once throttled with next to nothing measured yet, the limiter paces at a few requests
    a second, starting from the cut: a 0.2 s budget cannot wait for the next send."""
    retrier = Retrier(RetryPolicy(adaptive=True, timeout=0.2))
    limiter = retrier.limiter
    assert limiter is not None
    await limiter.record(await limiter.acquire(), throttled=True)
    limiter.release()
    assert limiter.enabled
    assert limiter.rate is not None
    assert 1 / limiter.rate > 0.2  # the next send is further away than the budget
    attempts = 0

    async def attempt() -> str:
        nonlocal attempts
        attempts += 1
        return "sent"

    with pytest.raises(TransportTimeoutError):
        await retrier.call("GetAudienceModel", attempt)
    assert attempts == 0
