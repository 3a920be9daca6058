"""Seeding from code: realistic defaults, bulk speed, timestamps, relationships."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import aiohttp
import botocore.session
import pytest

from cleanroomsml_async.testing import LocalCleanRoomsML, format_timestamp
from cleanroomsml_async.testing._validation import check_structure

Signer = Callable[..., dict[str, str]]

_MODEL = botocore.session.get_session().get_service_model("cleanroomsml")


def problems_with(resource: dict[str, Any], shape_name: str) -> list[str]:
    """Every way a seeded resource breaks the service model's output shape."""
    problems: list[str] = []
    check_structure(_MODEL.shape_for(shape_name), resource, "", problems)
    unknown = set(resource) - set(_MODEL.shape_for(shape_name).members)
    problems += [f"unknown member {name}" for name in unknown]
    return problems


def test_defaults_satisfy_the_service_model() -> None:
    emulator = LocalCleanRoomsML()

    model = emulator.add_audience_model()
    generation_job = emulator.add_audience_generation_job()
    export_job = emulator.add_audience_export_job()
    trained = emulator.add_trained_model_export_job()

    assert problems_with(model, "GetAudienceModelResponse") == []
    assert problems_with(generation_job, "AudienceGenerationJobSummary") == []
    assert problems_with(export_job, "AudienceExportJobSummary") == []
    assert problems_with(trained, "CollaborationTrainedModelExportJobSummary") == []
    assert export_job["audienceGenerationJobArn"] == generation_job["audienceGenerationJobArn"]
    assert (
        trained["trainedModelArn"]
        .split(":membership/")[1]
        .startswith(trained["membershipIdentifier"] + "/trained-model/")
    )


def test_export_job_without_parent_creates_one() -> None:
    emulator = LocalCleanRoomsML()
    job = emulator.add_audience_export_job()
    [parent] = emulator.audience_generation_jobs
    assert job["audienceGenerationJobArn"] == parent["audienceGenerationJobArn"]


def test_duplicate_export_job_name_is_refused() -> None:
    emulator = LocalCleanRoomsML()
    emulator.add_audience_export_job(name="same")
    with pytest.raises(ValueError, match="same"):
        emulator.add_audience_export_job(name="same")
    with pytest.raises(ValueError, match="repeated"):
        emulator.add_audience_export_jobs(2, names=["a", "a"])


def test_demo_data_is_related() -> None:
    emulator = LocalCleanRoomsML()
    demo = emulator.seed_demo_data(6)

    assert len(emulator.audience_models) == 6
    assert len(emulator.audience_export_jobs) == 6
    assert {job["collaborationId"] for job in emulator.audience_generation_jobs} == {
        demo.collaboration_id
    }
    assert {job["configuredAudienceModelArn"] for job in emulator.audience_generation_jobs} == set(
        demo.configured_audience_model_arns
    )
    assert {job["audienceGenerationJobArn"] for job in emulator.audience_export_jobs} == set(
        demo.audience_generation_job_arns
    )
    assert {
        job["trainedModelVersionIdentifier"] for job in emulator.trained_model_export_jobs
    } == (set(demo.trained_model_version_ids))
    assert all(
        problems_with(job, "CollaborationTrainedModelExportJobSummary") == []
        for job in emulator.trained_model_export_jobs
    )


def test_timestamps() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_timestamp(datetime(2024, 5, 1, 12, 0, 0, 123456)) == "2024-05-01T12:00:00.123Z"
    assert (
        format_timestamp(datetime(2024, 5, 1, 14, 0, tzinfo=plus_two))
        == "2024-05-01T14:00:00.000+02:00"
    )
    assert format_timestamp(0.5) == "1970-01-01T00:00:00.500Z"
    assert format_timestamp("as given") == "as given"
    emulator = LocalCleanRoomsML()
    before = datetime.now(tz=UTC) - timedelta(seconds=1)
    jobs = emulator.add_audience_export_jobs(1500)
    stamps = [job["createTime"] for job in jobs]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 1500
    first = datetime.fromisoformat(stamps[0].replace("Z", "+00:00"))
    assert before - timedelta(seconds=2) <= first <= datetime.now(tz=UTC)


async def test_bulk_seeding_is_fast_and_pages_over_http(
    emulator: LocalCleanRoomsML, sign: Signer
) -> None:
    started = time.perf_counter()
    jobs = emulator.add_audience_export_jobs(10_000)
    seeding = time.perf_counter() - started
    url = f"{emulator.endpoint_url}/audience-export-job"

    names: list[str] = []
    token = None
    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        while True:
            page_url = url if token is None else f"{url}?nextToken={token}"
            async with session.get(page_url, headers=sign("GET", page_url)) as response:
                page = await response.json()
            names += [job["name"] for job in page["audienceExportJobs"]]
            token = page.get("nextToken")
            if token is None:
                break
    paging = time.perf_counter() - started

    assert names == [job["name"] for job in jobs]
    assert len(set(names)) == 10_000
    assert len(emulator.requests) == 100
    # Generous bounds: a loaded CI machine is slow, a regression to O(n) per page is slower.
    assert seeding < 2.0
    assert paging < 5.0


async def test_seeded_pending_job_activates_later(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    emulator.add_audience_export_job(name="soon", activate_after=1.0)
    [pending] = (await raw_client.list_audience_export_jobs())["audienceExportJobs"]
    await asyncio.sleep(1.1)  # nothing runs in the background: it shows on the next read
    [active] = emulator.audience_export_jobs

    assert pending["status"] == "CREATE_PENDING"
    assert active["status"] == "ACTIVE"
    assert active["outputLocation"].endswith("/soon/")
