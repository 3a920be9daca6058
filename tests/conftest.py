"""Shared fixtures: a running emulator, and a client pointed at it whose retries never sleep.

Every client test talks to LocalCleanRoomsML over real HTTP, with real SigV4 signing through
aiobotocore; nothing below the client is mocked. The emulator's request log is the witness
for how many requests were really sent.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiobotocore.session import AioSession

from cleanroomsml_async import CleanRoomsMLClient, RetryPolicy
from cleanroomsml_async.testing import LocalCleanRoomsML

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
    """One aiobotocore session for the whole run: it caches the service model and endpoint
    data, so each client is created in milliseconds rather than in a tenth of a second."""
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
async def client(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> AsyncIterator[CleanRoomsMLClient]:
    """An open client for `emulator` whose retries do not sleep."""
    async with emulator.client(retry=NO_SLEEP, session=aio_session) as opened:
        yield opened


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
