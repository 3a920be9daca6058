"""The vendored Clean Rooms ML service model: the one source of every per-operation fact.

``_data/cleanroomsml/<api version>/`` holds botocore's ``service-2.json`` and
``paginators-1.json`` as they were in the botocore release that ``_data/SOURCE.json`` names.
The code generator reads them, and so does the emulator, so neither depends on which botocore
happens to be installed (``nox -s refresh_model`` copies a newer one in and regenerates).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

__all__ = ["DATA_DIR", "SERVICE_NAME", "paginator_config", "service_model", "source"]

SERVICE_NAME = "cleanroomsml"
API_VERSION = "2023-09-06"
DATA_DIR = Path(__file__).resolve().parent / "_data"
MODEL_DIR = DATA_DIR / SERVICE_NAME / API_VERSION


@functools.cache
def service_description() -> dict[str, Any]:
    """The parsed ``service-2.json``."""
    loaded: dict[str, Any] = json.loads((MODEL_DIR / "service-2.json").read_text("utf-8"))
    return loaded


@functools.cache
def service_model() -> Any:
    """botocore's ``ServiceModel`` of the vendored description (built once per process)."""
    # Why imported here: botocore.model is only needed by the emulator and the generator;
    # the client's hot path reads the generated code.
    from botocore.model import ServiceModel

    return ServiceModel(service_description(), service_name=SERVICE_NAME)


@functools.cache
def paginator_config() -> dict[str, dict[str, Any]]:
    """``paginators-1.json``: operation name -> its ``input_token``, ``result_key``, ..."""
    loaded = json.loads((MODEL_DIR / "paginators-1.json").read_text("utf-8"))
    pagination: dict[str, dict[str, Any]] = loaded["pagination"]
    return pagination


def source() -> dict[str, Any]:
    """``_data/SOURCE.json``: which botocore release the vendored files came from."""
    loaded: dict[str, Any] = json.loads((DATA_DIR / "SOURCE.json").read_text("utf-8"))
    return loaded
