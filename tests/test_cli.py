"""The demo command: every operation through the real client against the embedded emulator."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from cleanroomsml_async.cli import main


def test_the_demo_runs_every_operation_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for operation in (
        "GetAudienceModel",
        "ListAudienceGenerationJobs",
        "ListAudienceExportJobs",
        "StartAudienceExportJob",
        "ListCollaborationTrainedModelExportJobs",
    ):
        assert f"== {operation}" in out
    pages = re.findall(r"page (\d+): (\d+) jobs", out)
    assert len(pages) >= 3
    assert [int(page) for page, _ in pages] == list(range(1, len(pages) + 1))
    assert "demo-export after 0.0 s: CREATE_PENDING" in out
    assert "demo-export after 1.2 s: ACTIVE" in out
    assert "the service answered [429, 429, 200]" in out
    assert out.count("Retrying GetAudienceModel after ThrottlingException") == 2
    assert "requests the emulator received: 0" in out
    # Then the main workflow, end to end, each long step through its waiter.
    for step in (
        "CreateTrainingDataset -> arn:aws:cleanrooms-ml:",
        "CreateAudienceModel -> arn:aws:cleanrooms-ml:",
        "wait_until_audience_model_active -> ACTIVE",
        "CreateConfiguredAudienceModel -> arn:aws:cleanrooms-ml:",
        "StartAudienceGenerationJob -> arn:aws:cleanrooms-ml:",
        "wait_until_audience_generation_job_active -> ACTIVE",
        "StartAudienceExportJob -> accepted",
        "wait_until_audience_export_job_active -> ACTIVE, at s3://",
    ):
        assert step in out
    assert out.index("CreateTrainingDataset") < out.index("wait_until_audience_export_job_active")


def test_python_dash_m_without_a_command_says_what_it_takes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cleanroomsml_async"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "demo" in result.stderr
