"""Outside processes: the AWS CLI against the emulator, and the emulator run standalone."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cleanroomsml_async.testing import LocalCleanRoomsML

MakeClient = Callable[..., Any]


def aws_cli() -> str:
    """The aws executable of this environment (next to the interpreter), else one on PATH."""
    beside = Path(sys.executable).parent / "aws"
    found = str(beside) if beside.exists() else shutil.which("aws")
    if found is None:
        pytest.fail("the AWS CLI is not installed (it is part of the test extra)")
    return found


async def run_aws(emulator: LocalCleanRoomsML, *arguments: str) -> Any:
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_PAGER": "",
    }
    environment.pop("AWS_PROFILE", None)
    process = await asyncio.create_subprocess_exec(
        aws_cli(),
        "cleanroomsml",
        *arguments,
        "--endpoint-url",
        emulator.endpoint_url,
        "--region",
        "us-east-1",
        "--output",
        "json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    return json.loads(stdout)


async def test_aws_cli_lists_every_page(emulator: LocalCleanRoomsML) -> None:
    parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
    emulator.add_audience_export_jobs(12, audience_generation_job_arn=parent)
    emulator.add_audience_export_jobs(
        3, audience_generation_job_arn=emulator.arns.audience_generation_job()
    )

    output = await run_aws(
        emulator,
        "list-audience-export-jobs",
        "--audience-generation-job-arn",
        parent,
        "--page-size",
        "5",
    )

    # The CLI follows nextToken by itself: 12 jobs in pages of 5 is three requests.
    assert [job["name"] for job in output["audienceExportJobs"]] == [
        f"export-job-{n}" for n in range(1, 13)
    ]
    records = emulator.requests_for("ListAudienceExportJobs")
    assert [record.query.get("maxResults") for record in records] == ["5", "5", "5"]
    assert "nextToken" in records[1].query
    assert output["audienceExportJobs"][0]["createTime"].endswith("Z")


async def test_standalone_server(make_client: MakeClient) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cleanroomsml_async.testing",
        "--port",
        "0",
        "--seed",
        "3",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        endpoint_url = line.decode().strip()
        raw_client = await make_client(endpoint_url=endpoint_url)
        page = await raw_client.list_audience_export_jobs()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)

    assert endpoint_url.startswith("http://127.0.0.1:")
    assert len(page["audienceExportJobs"]) == 3
    assert process.returncode == 0, stderr.decode()
