"""The models are imported on first use: the package builds none, a call only its own."""

from __future__ import annotations

import importlib
import json
import pickle
import subprocess
import sys
import textwrap

import pytest

from cleanroomsml_async import _operations, models

# Run in a fresh interpreter: in this one, other tests have long since loaded the models.
FIRST_CALL = textwrap.dedent(
    """
    import asyncio, json, sys

    def loaded():
        return sorted(m for m in sys.modules if m.startswith("cleanroomsml_async._models."))

    import cleanroomsml_async
    from cleanroomsml_async import _operations
    from cleanroomsml_async.testing import LocalCleanRoomsML

    at_import = loaded()

    async def main():
        async with LocalCleanRoomsML() as emulator, emulator.client() as client:
            await client.list_audience_models()

    asyncio.run(main())
    print(json.dumps({
        "at_import": at_import,
        "after_call": loaded(),
        "ready": _operations.LIST_AUDIENCE_MODELS.output_ready,
        "other_ready": _operations.GET_ML_INPUT_CHANNEL.output_ready,
    }))
    """
)


def module_users(module: str) -> str:
    """The docstring of a generated module, which names the operations that use it."""
    return importlib.import_module(module).__doc__ or ""


def test_importing_the_package_builds_no_model_and_a_call_imports_only_its_own() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_CALL], capture_output=True, text=True, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["at_import"] == []
    after = seen["after_call"]
    assert "cleanroomsml_async._models.list_audience_models" in after
    assert "cleanroomsml_async._models.list_audience_models_sent" in after
    for module in after:
        assert "``ListAudienceModels``" in module_users(module), module
    assert seen["ready"] is True
    assert seen["other_ready"] is False


def test_the_public_module_is_the_home_of_every_class() -> None:
    for name in ("GetMLInputChannelResponse", "AccessBudgetType", "AudienceSizeDict"):
        assert getattr(models, name).__module__ == "cleanroomsml_async.models"
        assert name in dir(models)


def test_a_model_pickles_by_its_public_path() -> None:
    size = models.AudienceSize(type="ABSOLUTE", value=1000)
    data = pickle.dumps(size)
    assert b"cleanroomsml_async.models" in data
    assert b"_models." not in data
    assert pickle.loads(data) == size
    assert pickle.loads(pickle.dumps(models.AudienceSizeType.ABSOLUTE)) is (
        models.AudienceSizeType.ABSOLUTE
    )


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'GetAudienceModle'"):
        getattr(models, "GetAudienceModle")  # noqa: B009 (a name mypy knows is absent)
    # Private classes and constraints are not part of the public module.
    with pytest.raises(AttributeError):
        getattr(models, "_AudienceSizeSent")  # noqa: B009


def test_every_operation_names_models_that_exist() -> None:
    for operation in _operations.OPERATIONS.values():
        assert operation.input.__name__ == operation.input_name
        if operation.output_name is not None:
            assert operation.output.__name__ == operation.output_name
        assert operation.input.__module__ == "cleanroomsml_async.models"
