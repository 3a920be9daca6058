"""Every operation of the service through CleanRoomsMLClient, against raw aiobotocore.

For each operation of the vendored model, a valid request built from the model is sent once by
raw aiobotocore and once by our client, to the same emulator. The two requests must be equal on
the wire (method, path, query, body), and our model of the response, read from the very bytes
botocore parsed, must dump to exactly what botocore made of them. Both main workflows run first
(through our client), so that most requests name resources that exist and get a 2xx.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from aiobotocore.session import AioSession
from botocore import xform_name
from botocore.exceptions import ClientError

from cleanroomsml_async import AsyncPager, CleanRoomsMLClient, ServiceError
from cleanroomsml_async._operations import OPERATIONS
from cleanroomsml_async._sessions import fresh_session
from cleanroomsml_async.testing import LocalCleanRoomsML
from cleanroomsml_async.testing._examples import example_input
from cleanroomsml_async.testing._wire import new_id
from tests.emulator.workflows import Call, Wait, Workflow, audience_workflow, training_workflow

# What deletes and cancels act on must still exist for the others, so they go last.
LAST = ("Delete", "Cancel", "Untag")


def order(name: str) -> tuple[bool, str]:
    return name.startswith(LAST), name


@pytest_asyncio.fixture
async def raw(emulator: LocalCleanRoomsML) -> AsyncIterator[Any]:
    # A session that reads the same vendored model as ours, whatever botocore is installed.
    session: AioSession = fresh_session()
    async with session.create_client(
        "cleanroomsml",
        region_name="us-east-1",
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ) as client:
        yield client


async def send(client: CleanRoomsMLClient, operation: str, params: dict[str, Any]) -> Any:
    """One call through our client, from wire-named params, as its request model."""
    request = OPERATIONS[operation].input.model_validate(params)
    result = getattr(client, xform_name(operation))(request)
    if isinstance(result, AsyncPager):
        return await result
    return await result


async def run(client: CleanRoomsMLClient, workflow: Workflow) -> dict[str, Any]:
    """Drive a workflow of tests/emulator/workflows.py through our client."""
    response: dict[str, Any] | None = None  # a generator is started by sending None
    try:
        while True:
            step = workflow.send(response)  # type: ignore[arg-type]
            if isinstance(step, Call):
                made = await send(client, step.operation, step.params)
                response = {} if made is None else made.model_dump(by_alias=True)
            else:
                assert isinstance(step, Wait)
                for _ in range(200):
                    made = await send(client, step.operation, step.params)
                    response = made.model_dump(by_alias=True)
                    if step.status(response) == "ACTIVE":
                        break
                    await asyncio.sleep(0.05)
    except StopIteration as done:
        result: dict[str, Any] = done.value
        return result


def known_values(audience: dict[str, Any], training: dict[str, Any]) -> dict[str, Any]:
    """Wire member name -> a value naming a resource the workflows made."""
    values = {k: v for k, v in {**audience, **training}.items() if isinstance(v, str)}
    if "trainedModelArn" in values:
        values["resourceArn"] = values["trainedModelArn"]
    return values


def recorded(emulator: LocalCleanRoomsML) -> tuple[Any, ...]:
    record = emulator.requests[-1]
    return (record.operation, record.method, record.path, record.query, record.body)


async def test_every_operation_is_wire_equal_to_aiobotocore_and_reads_what_botocore_reads(
    emulator: LocalCleanRoomsML, client: CleanRoomsMLClient, raw: Any
) -> None:
    membership = new_id()
    audience = await run(client, audience_workflow())
    training = await run(client, training_workflow(membership))
    values = known_values(audience, training)
    bodies: list[bytes] = []

    def keep_body(response_dict: dict[str, Any], **_: Any) -> None:
        bodies.append(response_dict["body"])

    raw.meta.events.register("before-parse.cleanroomsml", keep_body)
    answered: list[str] = []
    problems: list[str] = []
    assert len(OPERATIONS) == 59
    for name in sorted(OPERATIONS, key=order):
        operation = OPERATIONS[name]
        params = example_input(name, membership_id=membership)
        params.update({k: v for k, v in values.items() if k in params})
        bodies.clear()
        try:
            parsed = await getattr(raw, operation.method)(**params)
        except ClientError as error:
            parsed, raw_code = None, error.response["Error"]["Code"]
            if raw_code not in operation.errors:
                problems.append(f"{name}: aiobotocore got an unmodelled {raw_code}")
        raw_request = recorded(emulator)
        try:
            ours = await send(client, name, params)
        except ServiceError as error:
            ours = None
            if error.code not in operation.errors:
                problems.append(f"{name}: we got an unmodelled {error.code}")
        if recorded(emulator) != raw_request:
            problems.append(f"{name}: {recorded(emulator)} != aiobotocore's {raw_request}")
        if parsed is None:
            continue
        answered.append(name)
        parsed.pop("ResponseMetadata", None)
        read = operation.output.model_validate_json(bodies[-1] or b"{}")
        dumped = read.model_dump(by_alias=True, exclude_none=True)
        if dumped != parsed:
            problems.append(f"{name}: we read {dumped}, botocore read {parsed}")
        if ours is not None and name.startswith(("Get", "List")):
            assert type(ours) is operation.output
    assert problems == []
    # The workflows' resources make most requests succeed, so most responses were compared.
    assert len(answered) >= 45, sorted(set(OPERATIONS) - set(answered))
