"""The pytest plugin: its fixture in this process, and the opt-in from a user's conftest."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from pathlib import Path

import aiohttp

from cleanroomsml_async import CleanRoomsMLClient
from cleanroomsml_async.testing import LocalCleanRoomsML


async def test_emulator_fixture_is_running(cleanroomsml_emulator: LocalCleanRoomsML) -> None:
    assert cleanroomsml_emulator.running
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{cleanroomsml_emulator.endpoint_url}/audience-export-job") as response,
    ):
        assert response.status == 403  # it answers, and wants a signature
    assert len(cleanroomsml_emulator.requests) == 1


async def test_client_fixture_talks_to_the_emulator(
    cleanroomsml_emulator: LocalCleanRoomsML, cleanroomsml_client: CleanRoomsMLClient
) -> None:
    cleanroomsml_emulator.add_audience_export_jobs(3)

    jobs = await cleanroomsml_client.list_audience_export_jobs().to_list()

    assert [job.name for job in jobs] == ["export-job-1", "export-job-2", "export-job-3"]
    [record] = cleanroomsml_emulator.requests
    assert record.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert "/us-east-1/cleanrooms-ml/aws4_request" in record.headers["Authorization"]


async def test_client_keyword_arguments_override_the_defaults(
    cleanroomsml_emulator: LocalCleanRoomsML,
) -> None:
    cleanroomsml_emulator.add_credentials("AKIDOTHER", "testing")  # it verifies signatures
    async with cleanroomsml_emulator.client(aws_access_key_id="AKIDOTHER") as client:
        page = await client.list_audience_generation_jobs()

    assert page.audience_generation_jobs == []
    assert "Credential=AKIDOTHER/" in cleanroomsml_emulator.requests[0].headers["Authorization"]


async def test_plugin_opt_in_through_pytest_plugins(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["cleanroomsml_async.testing.pytest_plugin"]\n'
    )
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.asyncio
            async def test_uses_fixture(cleanroomsml_emulator):
                emulator = cleanroomsml_emulator
                assert emulator.running
                assert emulator.endpoint_url.startswith("http://127.0.0.1:")
                emulator.add_audience_export_jobs(2)
                assert len(emulator.audience_export_jobs) == 2
            """
        )
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
        "--rootdir",
        str(tmp_path),
        str(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,
        env={**os.environ, "PYTEST_ADDOPTS": ""},
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)

    assert process.returncode == 0, output.decode()
    assert "1 passed" in output.decode()
