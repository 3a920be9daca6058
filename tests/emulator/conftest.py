"""Fixtures for the emulator's tests: a running emulator and real AWS clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import boto3
import pytest
import pytest_asyncio
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from cleanroomsml_async.testing import LocalCleanRoomsML

# The plugin's fixtures, registered here the way a user's conftest would get them; the
# opt-in through pytest_plugins itself is checked in a subprocess (test_emulator_plugin.py).
from cleanroomsml_async.testing.pytest_plugin import cleanroomsml_client, cleanroomsml_emulator

__all__ = ["cleanroomsml_client", "cleanroomsml_emulator"]

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

#: Signs a raw request: (method, url, body, service) -> headers to send.
Signer = Callable[..., dict[str, str]]

_aio_session: AioSession | None = None
_boto3_session = boto3.session.Session()


def _shared_aio_session() -> AioSession:
    # One session for the whole run: it caches the loaded service model.
    global _aio_session
    if _aio_session is None:
        _aio_session = get_session()
    return _aio_session


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[LocalCleanRoomsML]:
    """A running emulator whose started export jobs turn ACTIVE after 1 s, verifying every
    signature (strict SigV4)."""
    async with LocalCleanRoomsML(export_job_activation_delay=1.0, strict_signing=True) as emu:
        yield emu


@pytest_asyncio.fixture
async def make_client(emulator: LocalCleanRoomsML) -> AsyncIterator[Callable[..., Any]]:
    """Opens raw aiobotocore clients (botocore retries off) on the emulator, or on another
    endpoint_url, with extra AioConfig options; closes them after the test."""
    clients: list[Any] = []

    async def make(endpoint_url: str | None = None, **config: Any) -> Any:
        options: dict[str, Any] = {"retries": {"total_max_attempts": 1}}
        options.update(config)
        creator = _shared_aio_session().create_client(
            "cleanroomsml",
            region_name=REGION,
            endpoint_url=endpoint_url or emulator.endpoint_url,
            config=AioConfig(**options),
            # Plain HTTP needs no certificates; verify=False spares each client the ~50 ms
            # of loading the CA bundle into an SSL context it would never use.
            verify=False,
            **CREDENTIALS,
        )
        opened = await creator.__aenter__()
        clients.append(creator)
        return opened

    yield make
    for creator in clients:
        await creator.__aexit__(None, None, None)


@pytest_asyncio.fixture
async def raw_client(make_client: Callable[..., Any]) -> Any:
    """A raw aiobotocore cleanroomsml client on the emulator (named apart from the
    CleanRoomsMLClient fixtures of the SDK's own tests)."""
    return await make_client()


@pytest.fixture
def boto3_client(emulator: LocalCleanRoomsML) -> Iterator[Any]:
    """A sync boto3 client on the emulator; call it through asyncio.to_thread."""
    client = _boto3_session.client(
        "cleanroomsml",
        region_name=REGION,
        endpoint_url=emulator.endpoint_url,
        config=Config(retries={"total_max_attempts": 1}),
        **CREDENTIALS,
    )
    yield client
    client.close()


@pytest.fixture
def sign() -> Signer:
    """Real SigV4 headers for a hand-made request (for things botocore would not send)."""

    def signer(
        method: str, url: str, body: bytes = b"", service: str = "cleanrooms-ml"
    ) -> dict[str, str]:
        request = AWSRequest(method=method, url=url, data=body)
        SigV4Auth(Credentials("testing", "testing"), service, REGION).add_auth(request)
        return dict(request.headers.items())

    return signer
