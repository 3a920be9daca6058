"""client.with_options(retry=...): a view of the client, not a second client."""

from __future__ import annotations

import pytest

from cleanroomsml_async import (
    CleanRoomsMLClient,
    RetryPolicy,
    ServiceError,
    ThrottlingException,
)
from cleanroomsml_async.testing import LocalCleanRoomsML

NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)
ONCE = RetryPolicy(max_attempts=1)


@pytest.fixture
def model_arn(emulator: LocalCleanRoomsML) -> str:
    arn: str = emulator.add_audience_model(name="viewed")["audienceModelArn"]
    return arn


async def test_a_view_retries_with_its_own_policy_and_the_parent_keeps_its_own(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    view = client.with_options(retry=ONCE)
    assert type(view) is type(client)
    assert view.retry_policy is ONCE
    assert client.retry_policy == NO_SLEEP

    emulator.faults.throttle(1)
    with pytest.raises(ThrottlingException):
        await view.get_audience_model(audience_model_arn=model_arn)
    assert len(emulator.requests) == 1  # one attempt, no retry

    emulator.faults.throttle(1)
    model = await client.get_audience_model(audience_model_arn=model_arn)
    assert model.name == "viewed"
    assert len(emulator.requests) == 3  # the parent retried its throttle


async def test_retry_none_keeps_the_policy(client: CleanRoomsMLClient) -> None:
    assert client.with_options().retry_policy is client.retry_policy
    assert client.with_options(retry=None).retry_policy is client.retry_policy


async def test_a_view_shares_the_aiobotocore_client(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    view = client.with_options(retry=ONCE)
    await view.get_audience_model(audience_model_arn=model_arn)
    await client.get_audience_model(audience_model_arn=model_arn)
    assert view._core is client._core
    assert view._core.client is client._core.client
    # One connection pool: both requests went over connections of the same aiohttp session.
    assert len(emulator.requests) == 2


async def test_a_view_spends_the_parents_retry_quota(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    # 500 tokens, 5 a retry: the view's 100 retries spend all of the client's quota.
    greedy = client.with_options(retry=RetryPolicy(200, initial_delay=0, max_delay=0))
    emulator.faults.server_error(500)
    with pytest.raises(ServiceError) as raised:
        await greedy.get_audience_model(audience_model_arn=model_arn)
    assert raised.value.status_code == 500
    assert len(emulator.requests) == 101
    emulator.clear_requests()
    # The parent now finds the quota empty: its 5xx is raised at once, not retried.
    with pytest.raises(ServiceError):
        await client.get_audience_model(audience_model_arn=model_arn)
    assert len(emulator.requests) == 1


async def test_one_rate_limiter_paces_every_adaptive_view_and_only_those(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    first = client.with_options(retry=RetryPolicy(initial_delay=0, max_delay=0, adaptive=True))
    second = first.with_options(retry=RetryPolicy(3, initial_delay=0, max_delay=0, adaptive=True))
    limiter = first._retrier.limiter
    assert limiter is not None
    assert second._retrier.limiter is limiter
    assert client._retrier.limiter is None  # not adaptive: not paced
    assert not limiter.enabled
    emulator.faults.throttle(1)
    await first.get_audience_model(audience_model_arn=model_arn)
    # The throttle seen through one view turned pacing on for the other as well.
    assert limiter.enabled
    await second.get_audience_model(audience_model_arn=model_arn)
    await client.get_audience_model(audience_model_arn=model_arn)
    assert len(emulator.requests) == 4


async def test_a_view_needs_no_async_with_and_closes_nothing(
    emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    parent = emulator.client(retry=NO_SLEEP)
    view = parent.with_options(retry=ONCE)
    try:
        # Using the view opens the parent.
        await view.get_audience_model(audience_model_arn=model_arn)
        async with view as entered:
            assert entered is view
        await view.close()
        # Neither leaving the view's async with nor closing it closed anything.
        await parent.get_audience_model(audience_model_arn=model_arn)
        await view.get_audience_model(audience_model_arn=model_arn)
    finally:
        await parent.close()
    # Closing the parent closed its view.
    with pytest.raises(RuntimeError, match="closed"):
        await view.get_audience_model(audience_model_arn=model_arn)
    assert len(emulator.requests) == 3


async def test_with_options_checks_the_policy(client: CleanRoomsMLClient) -> None:
    with pytest.raises(TypeError, match="RetryPolicy"):
        client.with_options(retry={"max_attempts": 1})  # type: ignore[arg-type]
