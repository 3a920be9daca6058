"""pytest fixtures for the emulator; opt in with

    pytest_plugins = ["cleanroomsml_async.testing.pytest_plugin"]

in your top-level conftest.py. Needs pytest-asyncio.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest_asyncio

from cleanroomsml_async.testing._emulator import LocalCleanRoomsML

if TYPE_CHECKING:
    from cleanroomsml_async.client import CleanRoomsMLClient

__all__ = ["cleanroomsml_client", "cleanroomsml_emulator"]


@pytest_asyncio.fixture
async def cleanroomsml_emulator() -> AsyncIterator[LocalCleanRoomsML]:
    """A started LocalCleanRoomsML on a free loopback port, stopped after the test.

    It verifies signatures (strict SigV4) against the credentials emulator.client() uses,
    so a client that signs wrongly fails here rather than against AWS.
    """
    async with LocalCleanRoomsML(strict_signing=True) as emulator:
        yield emulator


@pytest_asyncio.fixture
async def cleanroomsml_client(
    cleanroomsml_emulator: LocalCleanRoomsML,
) -> AsyncIterator[CleanRoomsMLClient]:
    """An open CleanRoomsMLClient pointed at cleanroomsml_emulator."""
    async with cleanroomsml_emulator.client() as client:
        yield client
