"""The request log and reset()."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cleanroomsml_async.testing import LocalCleanRoomsML, RequestRecord


async def test_records_describe_each_request(emulator: LocalCleanRoomsML, raw_client: Any) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    model = emulator.add_audience_model()
    before = time.time()

    await raw_client.list_audience_export_jobs(maxResults=5, audienceGenerationJobArn=parent)
    await raw_client.start_audience_export_job(
        name="logged",
        audienceGenerationJobArn=parent,
        audienceSize={"type": "ABSOLUTE", "value": 9},
    )
    await raw_client.get_audience_model(audienceModelArn=model["audienceModelArn"])
    with pytest.raises(ClientError):
        await raw_client.start_audience_export_job(
            name="logged",
            audienceGenerationJobArn=parent,
            audienceSize={"type": "ABSOLUTE", "value": 9},
        )

    listing, start, get, conflict = emulator.requests
    assert listing.operation == "ListAudienceExportJobs"
    assert (listing.method, listing.path) == ("GET", "/audience-export-job")
    assert listing.query == {"maxResults": "5", "audienceGenerationJobArn": parent}
    assert listing.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert listing.body is None
    assert (listing.status, listing.error_code) == (200, None)
    assert before <= listing.time <= time.time()
    assert start.body == {
        "name": "logged",
        "audienceGenerationJobArn": parent,
        "audienceSize": {"type": "ABSOLUTE", "value": 9},
    }
    assert get.path.startswith("/audience-model/arn%3Aaws%3Acleanrooms-ml%3A")
    assert get.uri_params == {"audienceModelArn": model["audienceModelArn"]}
    assert (conflict.status, conflict.error_code) == (409, "ConflictException")
    with pytest.raises(dataclasses.FrozenInstanceError):
        listing.status = 500  # type: ignore[misc]


async def test_helpers_filter_and_clear(emulator: LocalCleanRoomsML, raw_client: Any) -> None:
    await raw_client.list_audience_export_jobs()
    await raw_client.list_audience_generation_jobs()
    await raw_client.list_audience_export_jobs()

    export_records = emulator.requests_for("ListAudienceExportJobs")
    assert len(export_records) == 2
    assert all(isinstance(record, RequestRecord) for record in export_records)
    assert emulator.requests.operations() == [
        "ListAudienceExportJobs",
        "ListAudienceGenerationJobs",
        "ListAudienceExportJobs",
    ]
    emulator.clear_requests()
    assert len(emulator.requests) == 0
    await raw_client.list_audience_generation_jobs()
    emulator.requests.clear()
    assert list(emulator.requests) == []


async def test_reset_drops_state_faults_and_log(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    emulator.seed_demo_data(3)
    emulator.faults.throttle(5)
    with contextlib.suppress(ClientError):
        await raw_client.list_audience_export_jobs()

    emulator.reset()
    page = await raw_client.list_audience_export_jobs()

    assert page["audienceExportJobs"] == []
    assert emulator.audience_models == []
    assert emulator.audience_generation_jobs == []
    assert emulator.trained_model_export_jobs == []
    assert emulator.faults.active == ()
    assert emulator.requests.operations() == ["ListAudienceExportJobs"]
