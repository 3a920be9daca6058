"""Outside processes: the AWS CLI against the emulator, and the emulator run standalone."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from cleanroomsml_async.testing import LocalCleanRoomsML
from cleanroomsml_async.testing import __main__ as standalone
from tests.emulator.workflows import audience_workflow, run, training_workflow

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


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["--seed", "-1"], "--seed: must be 0 or more"),
        (["--activation-delay", "-5"], "--activation-delay: must be a number of seconds"),
        (["--throttle-fraction", "1.5"], "--throttle-fraction: must be between 0 and 1"),
        (["--latency", "soon"], "--latency: invalid seconds value"),
        (["--port", "70000"], "--port: must be between 0 and 65535"),
        (["--burst", "5"], "--burst needs --rate-limit"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_a_bad_flag_is_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str], arguments: list[str], complaint: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        standalone.main(arguments)
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.count("\n") == 1
    assert complaint in err


def test_a_busy_port_is_one_line_and_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        status = standalone.main(["--port", str(taken.getsockname()[1])])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert "address already in use" in err


class Standalone:
    """The emulator run as a user runs it, in its own process."""

    def __init__(self, *arguments: str) -> None:
        self.arguments = arguments
        self.endpoint_url = ""
        self.stderr = ""

    async def __aenter__(self) -> Standalone:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "cleanroomsml_async.testing",
            *self.arguments,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout=30)
        self.endpoint_url = line.decode().strip()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(self.process.communicate(), timeout=30)
        self.stderr = stderr.decode()
        assert self.process.returncode == 0, self.stderr


def aws_command(endpoint_url: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run one operation through the real AWS CLI, its input as --cli-input-json."""
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_PAGER": "",
    }
    environment.pop("AWS_PROFILE", None)
    command = xform_name(operation).replace("_", "-")
    done = subprocess.run(
        [
            aws_cli(),
            "cleanroomsml",
            command,
            "--cli-input-json",
            json.dumps(params, default=str),
            "--endpoint-url",
            endpoint_url,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ],
        capture_output=True,
        env=environment,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, (operation, done.stderr.decode())
    output: dict[str, Any] = json.loads(done.stdout) if done.stdout.strip() else {}
    return output


async def test_both_workflows_through_the_aws_cli_against_the_standalone_emulator() -> None:
    async with Standalone("--activation-delay", "0", "--strict-signing") as server:
        membership = str(uuid.uuid4())

        def send(operation: str, params: dict[str, Any]) -> dict[str, Any]:
            return aws_command(server.endpoint_url, operation, params)

        # The two workflows at once: each CLI command is a process of its own.
        (audience, _), (training, _) = await asyncio.gather(
            asyncio.to_thread(run, audience_workflow(), send),
            asyncio.to_thread(run, training_workflow(membership), send),
        )

    assert audience["exportJob"]["status"] == "ACTIVE"
    assert training["exportJob"]["status"] == "ACTIVE"
    assert training["collaborationTrainedModel"]["trainedModelArn"] == training["trainedModelArn"]


async def test_standalone_seed_prints_the_resources_and_writes_them(
    tmp_path: Path, make_client: MakeClient
) -> None:
    async with Standalone("--seed", "2") as printing:
        pass
    seed_file = tmp_path / "seeded.json"
    async with Standalone("--seed", "2", "--seed-file", str(seed_file)) as writing:
        seeded = json.loads(seed_file.read_text())
        client = await make_client(endpoint_url=writing.endpoint_url)
        model_arn = seeded["resources"]["AudienceModel"][1]["audienceModelArn"]
        model = await client.get_audience_model(audienceModelArn=model_arn)

    assert "seeded 2 of each kind of resource" in printing.stderr
    for kind in ("TrainingDataset", "MLInputChannel", "TrainedModelInferenceJob"):
        assert printing.stderr.count(f"  {kind} ") == 2, kind
    assert model["audienceModelArn"] == model_arn
    assert len(seeded["resources"]["TrainedModel"]) == 2
    assert str(seed_file) in writing.stderr


async def test_standalone_faults_from_flags(make_client: MakeClient) -> None:
    async with Standalone("--throttle-fraction", "1") as server:
        client = await make_client(endpoint_url=server.endpoint_url)
        with pytest.raises(ClientError) as throttled:
            await client.list_training_datasets()
    assert throttled.value.response["Error"]["Code"] == "ThrottlingException"
