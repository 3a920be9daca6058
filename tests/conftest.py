"""Shared fixtures: a running emulator, and a client pointed at it whose retries never sleep.

Every client test talks to LocalCleanRoomsML over real HTTP, with real SigV4 signing through
aiobotocore; nothing below the client is mocked. The emulator's request log is the witness
for how many requests were really sent.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiobotocore.session import AioSession

from cleanroomsml_async import CleanRoomsMLClient, RetryPolicy
from cleanroomsml_async._service_model import DATA_DIR
from cleanroomsml_async.testing import LocalCleanRoomsML

# The outside clients the tests compare against or drive (raw aiobotocore sessions, boto3,
# the aws CLI in subprocesses) read the same vendored model as the package's own clients, so
# the suite means the same thing on the oldest botocore the package declares, whose built-in
# model predates some members. botocore searches AWS_DATA_PATH before its own data.
os.environ["AWS_DATA_PATH"] = os.pathsep.join(
    [str(DATA_DIR), *filter(None, [os.environ.get("AWS_DATA_PATH")])]
)

# The emulator's own fixtures (cleanroomsml_emulator, cleanroomsml_client).
pytest_plugins = ["cleanroomsml_async.testing.pytest_plugin"]

#: Retries as configured by default, minus the sleeps: tests stay fast and deterministic.
#: (Test modules spell the same policy out where they need it.)
NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)

#: How long a started export job stays CREATE_PENDING in the `emulator` fixture.
# A second, so that "right after the start" holds even on a loaded machine.
ACTIVATION_DELAY = 1.0


@pytest.fixture(scope="session")
def aio_session() -> AioSession:
    """One aiobotocore session for the whole run, for the tests that pass their own session
    (``session=``) or wrap their own aiobotocore client (``from_client``)."""
    return AioSession()


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[LocalCleanRoomsML]:
    """A started emulator on a free loopback port, with an empty store; it verifies every
    signature (strict SigV4), so a signing regression in the client fails the tests."""
    async with LocalCleanRoomsML(
        export_job_activation_delay=ACTIVATION_DELAY, strict_signing=True
    ) as emu:
        yield emu


@pytest_asyncio.fixture
async def client(emulator: LocalCleanRoomsML) -> AsyncIterator[CleanRoomsMLClient]:
    """An open client for `emulator` whose retries do not sleep.

    Made as users make one, without ``session=``: clients share botocore's loaded data files,
    so each is created in milliseconds without a session shared by the whole run."""
    async with emulator.client(retry=NO_SLEEP) as opened:
        yield opened


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def bare_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """An AWS environment with no credentials, no region and no config files."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("BOTO_CONFIG", str(tmp_path / "no-boto-config"))
    return monkeypatch
