"""Waiters poll over real HTTP until ACTIVE, fail at once on a dead end, and keep their budget."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from pydantic import ValidationError

from cleanroomsml_async import (
    CleanRoomsMLClient,
    ResourceNotFoundException,
    RetryPolicy,
    ThrottlingException,
    WaiterFailedError,
    WaiterTimeoutError,
)
from cleanroomsml_async import _operations as operations
from cleanroomsml_async.models import (
    AudienceExportJobStatus,
    AudienceModelStatus,
    GetAudienceModelResponse,
)
from cleanroomsml_async.testing import LocalCleanRoomsML

FAST = {"min_delay": 0.01, "max_delay": 0.05}


async def test_the_export_job_waiter_follows_the_emulators_real_lifecycle(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    await client.start_audience_export_job(
        name="weekly",
        audience_generation_job_arn=parent,
        audience_size={"type": "ABSOLUTE", "value": 10},
    )
    emulator.clear_requests()
    job = await client.wait_until_audience_export_job_active(
        audience_generation_job_arn=parent, name="weekly", timeout=30, min_delay=0.1, max_delay=0.2
    )
    assert job.status is AudienceExportJobStatus.ACTIVE
    assert job.name == "weekly"
    # It polled while the job was CREATE_PENDING: more than one listing was needed.
    assert len(emulator.requests_for("ListAudienceExportJobs")) > 1


async def test_the_export_job_waiter_keeps_polling_until_the_job_is_listed(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]

    async def start_later() -> None:
        await asyncio.sleep(0.3)
        await client.start_audience_export_job(
            name="late",
            audience_generation_job_arn=parent,
            audience_size={"type": "ABSOLUTE", "value": 10},
        )

    starter = asyncio.create_task(start_later())
    job = await client.wait_until_audience_export_job_active(
        audience_generation_job_arn=parent, name="late", timeout=30, **FAST
    )
    await starter
    assert job.name == "late"
    assert job.status == "ACTIVE"


async def test_the_export_job_waiter_finds_its_job_across_pages(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    emulator.add_audience_export_jobs(
        25, audience_generation_job_arn=parent, status="CREATE_PENDING"
    )
    emulator.add_audience_export_jobs(
        1, audience_generation_job_arn=parent, names=["the-one"], status="ACTIVE"
    )
    emulator.page_size = 10
    emulator.clear_requests()
    job = await client.wait_until_audience_export_job_active(
        audience_generation_job_arn=parent, name="the-one", timeout=10, **FAST
    )
    assert job.name == "the-one"
    assert len(emulator.requests_for("ListAudienceExportJobs")) == 3  # one poll, three pages


async def test_a_get_waiter_returns_the_first_active_response(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    arn = emulator.add_audience_model(status="ACTIVE")["audienceModelArn"]
    model = await client.wait_until_audience_model_active(audience_model_arn=arn, **FAST)
    assert isinstance(model, GetAudienceModelResponse)
    assert model.status is AudienceModelStatus.ACTIVE
    assert len(emulator.requests_for("GetAudienceModel")) == 1  # the first poll goes at once


@pytest.mark.parametrize("status", sorted(operations.WAITER_FAILED_STATES["audience_model"]))
async def test_a_status_that_cannot_become_active_fails_the_wait_at_once(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient, status: str
) -> None:
    arn = emulator.add_audience_model(status=status)["audienceModelArn"]
    with pytest.raises(WaiterFailedError) as failed:
        await client.wait_until_audience_model_active(audience_model_arn=arn, timeout=60, **FAST)
    assert failed.value.status == status
    assert isinstance(failed.value.last_response, GetAudienceModelResponse)
    assert failed.value.last_response.audience_model_arn == arn
    assert len(emulator.requests_for("GetAudienceModel")) == 1


def test_the_failed_states_come_from_each_waiters_status_enum() -> None:
    states = operations.WAITER_FAILED_STATES
    assert states["audience_model"] == {
        "CREATE_FAILED",
        "DELETE_PENDING",
        "DELETE_IN_PROGRESS",
        "DELETE_FAILED",
    }
    # TrainedModelInferenceJobStatus has CANCEL_* and INACTIVE but no DELETE_*.
    assert states["trained_model_inference_job"] == {
        "CREATE_FAILED",
        "CANCEL_PENDING",
        "CANCEL_IN_PROGRESS",
        "INACTIVE",
    }
    assert states["audience_export_job"] == {"CREATE_FAILED"}
    assert "CANCEL_FAILED" not in states["trained_model_inference_job"]


@pytest.mark.parametrize("status", ["CREATE_PENDING", "SOMETHING_NEW"])
async def test_a_status_that_may_still_become_active_times_out_and_no_poll_starts_after(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient, status: str
) -> None:
    arn = emulator.add_audience_model(status=status)["audienceModelArn"]
    started = time.monotonic()
    with pytest.raises(WaiterTimeoutError) as timed_out:
        await client.wait_until_audience_model_active(
            audience_model_arn=arn, timeout=0.5, min_delay=0.05, max_delay=0.1
        )
    waited = time.monotonic() - started
    assert timed_out.value.status == status
    assert isinstance(timed_out.value.last_response, GetAudienceModelResponse)
    polls = emulator.requests_for("GetAudienceModel")
    assert len(polls) >= 2
    # Every poll arrived before the deadline: the wait's start (in POSIX time) plus its timeout.
    deadline = time.time() - (time.monotonic() - started) + 0.5
    assert all(record.time <= deadline for record in polls)
    assert waited >= 0.5


async def test_a_poll_still_running_at_the_deadline_is_cancelled(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    arn = emulator.add_audience_model(status="CREATE_PENDING")["audienceModelArn"]
    emulator.faults.latency(5.0, operation="GetAudienceModel")
    started = time.monotonic()
    with pytest.raises(WaiterTimeoutError) as timed_out:
        await client.wait_until_audience_model_active(audience_model_arn=arn, timeout=0.3, **FAST)
    assert time.monotonic() - started < 3.0
    assert timed_out.value.last_response is None
    assert timed_out.value.status is None


async def test_an_error_that_is_not_retried_ends_the_wait_as_it_is(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    with pytest.raises(ResourceNotFoundException):
        await client.wait_until_audience_model_active(
            audience_model_arn=emulator.arns.audience_model(), **FAST
        )
    assert len(emulator.requests_for("GetAudienceModel")) == 1


async def test_each_poll_is_an_ordinary_retried_call(emulator: LocalCleanRoomsML) -> None:
    arn = emulator.add_audience_model(status="ACTIVE")["audienceModelArn"]
    emulator.faults.throttle(2, operation="GetAudienceModel")
    retry = RetryPolicy(max_attempts=3, initial_delay=0, max_delay=0)
    async with emulator.client(retry=retry) as client:
        model = await client.wait_until_audience_model_active(audience_model_arn=arn, **FAST)
    assert model.status == "ACTIVE"
    assert [r.status for r in emulator.requests_for("GetAudienceModel")] == [429, 429, 200]

    emulator.faults.throttle(5, operation="GetAudienceModel")
    retry = RetryPolicy(max_attempts=2, initial_delay=0, max_delay=0)
    async with emulator.client(retry=retry) as client:
        with pytest.raises(ThrottlingException):
            await client.wait_until_audience_model_active(audience_model_arn=arn, **FAST)


@pytest.mark.parametrize(
    ("timing", "message"),
    [
        ({"timeout": 0}, "timeout must be positive"),
        ({"timeout": -1}, "timeout must be positive"),
        ({"min_delay": -0.1}, "must not be negative"),
        ({"max_delay": -1}, "must not be negative"),
        ({"min_delay": 2, "max_delay": 1}, "must not exceed max_delay"),
    ],
)
async def test_timings_that_cannot_describe_a_wait_are_refused_before_sending(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient, timing: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await client.wait_until_audience_model_active(
            audience_model_arn=emulator.arns.audience_model(), **timing
        )
    assert len(emulator.requests) == 0


async def test_a_bad_identifier_is_refused_before_sending(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    with pytest.raises(ValidationError):
        await client.wait_until_audience_model_active(audience_model_arn="not-an-arn")
    assert len(emulator.requests) == 0


async def test_a_waiter_can_be_cancelled(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient
) -> None:
    arn = emulator.add_audience_model(status="CREATE_PENDING")["audienceModelArn"]
    waiting = asyncio.create_task(
        client.wait_until_audience_model_active(audience_model_arn=arn, timeout=60, **FAST)
    )
    await asyncio.sleep(0.2)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    polled = len(emulator.requests_for("GetAudienceModel"))
    await asyncio.sleep(0.2)
    assert len(emulator.requests_for("GetAudienceModel")) == polled  # nothing polls on
    # The client is still usable.
    assert (await client.get_audience_model(audience_model_arn=arn)).status == "CREATE_PENDING"
