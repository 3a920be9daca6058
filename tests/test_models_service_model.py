"""The generated models agree with botocore's service model, shape by shape.

Everything here is derived from the service model at test time (members, required flags, enum
values, min/max, patterns), so when botocore's model changes the tests follow it and the
generated module must be regenerated to pass.
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from botocore.model import ListShape, MapShape, StructureShape
from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo

import cleanroomsml_async._models
from cleanroomsml_async import models
from cleanroomsml_async._modelbase import RequestModel, ResponseModel
from cleanroomsml_async._service_model import service_model

Shape = Any  # botocore is untyped

SERVICE: Any = service_model()  # the vendored model the generator reads

# The five operations the project started with: the sample-driven checks below cover them.
OPERATIONS = (
    "ListAudienceExportJobs",
    "ListAudienceGenerationJobs",
    "StartAudienceExportJob",
    "ListCollaborationTrainedModelExportJobs",
    "GetAudienceModel",
)

# Valid values for the shapes that requests carry. Their validity is itself checked against the
# service model below (test_samples_satisfy_the_service_model), so a change of constraint shows.
SAMPLES: dict[str, object] = {
    "NextToken": "eyJwYWdlIjogMn0=",
    "MaxResults": 50,
    "AudienceGenerationJobArn": (
        "arn:aws:cleanrooms-ml:us-east-1:123456789012:audience-generation-job/agj-0001"
    ),
    "ConfiguredAudienceModelArn": (
        "arn:aws:cleanrooms-ml:us-east-1:123456789012:configured-audience-model/cam-0001"
    ),
    "UUID": "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0",
    "NameString": "my-export",
    "AudienceSizeValue": 1000,
    "ResourceDescription": "Top 1000 lookalike users",
    "TrainedModelArn": (
        "arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/"
        "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0/trained-model/tm-0001"
    ),
    "AudienceModelArn": "arn:aws:cleanrooms-ml:us-east-1:123456789012:audience-model/am-0001",
}

FILLER = "a"


# -- walking the service model --------------------------------------------------------------


def walk(shape: Shape) -> Iterator[Shape]:
    yield shape
    if isinstance(shape, StructureShape):
        for member in shape.members.values():
            yield from walk(member)
    elif isinstance(shape, ListShape):
        yield from walk(shape.member)
    elif isinstance(shape, MapShape):
        yield from walk(shape.key)
        yield from walk(shape.value)


def _collect() -> tuple[dict[str, Shape], dict[str, Shape], set[str], set[str]]:
    structures: dict[str, Shape] = {}
    enums: dict[str, Shape] = {}
    sent: set[str] = set()
    received: set[str] = set()
    for name in OPERATIONS:
        op = SERVICE.operation_model(name)
        for root, side in ((op.input_shape, sent), (op.output_shape, received)):
            if root is None:
                continue
            for shape in walk(root):
                side.add(shape.name)
                if isinstance(shape, StructureShape):
                    structures[shape.name] = SERVICE.shape_for(shape.name)
                elif shape.metadata.get("enum"):
                    enums[shape.name] = SERVICE.shape_for(shape.name)
    return structures, enums, sent, received


STRUCTURES, ENUMS, SENT, RECEIVED = _collect()
INPUTS: dict[str, Shape] = {
    SERVICE.operation_model(op).input_shape.name: SERVICE.operation_model(op).input_shape
    for op in OPERATIONS
}


def snake(camel: str) -> str:
    return re.sub(r"([A-Z])", r"_\1", camel).lower()


def whole(pattern: str) -> re.Pattern[str]:
    """The service pattern, applied to the entire value (ASCII classes, as in Java)."""
    return re.compile(f"(?a)(?:{pattern})")


def fields_by_alias(cls: type[BaseModel]) -> dict[str, tuple[str, FieldInfo]]:
    out: dict[str, tuple[str, FieldInfo]] = {}
    for name, info in cls.model_fields.items():
        assert info.alias is not None, f"{cls.__name__}.{name} has no wire alias"
        out[info.alias] = (name, info)
    return out


def model_class(shape_name: str) -> type[BaseModel]:
    cls = getattr(models, shape_name)
    assert isinstance(cls, type)
    assert issubclass(cls, BaseModel)
    return cls


def build(shape: Shape, *, required_only: bool = False) -> Any:
    """A valid boto3-shaped value of a shape (what boto3 takes or returns)."""
    if shape.name in SAMPLES:
        return SAMPLES[shape.name]
    if isinstance(shape, StructureShape):
        required = set(shape.required_members)
        return {
            name: build(member, required_only=required_only)
            for name, member in shape.members.items()
            if not required_only or name in required
        }
    if isinstance(shape, ListShape):
        return [build(shape.member, required_only=required_only)]
    if isinstance(shape, MapShape):
        return {"team": "audience"}
    if shape.metadata.get("enum"):
        return shape.metadata["enum"][0]
    simple: dict[str, object] = {
        "string": "text",
        "integer": 7,
        "long": 7,
        "timestamp": datetime(2024, 1, 1, tzinfo=UTC),
    }
    return simple[shape.type_name]


def set_at(data: dict[str, Any], path: tuple[str, ...], value: object) -> dict[str, Any]:
    out = copy.deepcopy(data)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


def drop_at(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    target = out
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return out


def get_at(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def wire_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """A request error's location (the snake_case names the caller typed) in wire names."""
    return tuple(to_camel(part) if isinstance(part, str) else part for part in loc)


def error_types(cls: type[BaseModel], data: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    with pytest.raises(ValidationError) as info:
        cls.model_validate(data)
    return [(e["type"], wire_loc(tuple(e["loc"]))) for e in info.value.errors()]


# -- which members carry which constraint ---------------------------------------------------


def constrained_members(
    shape: Shape, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Shape]]:
    """Every scalar member of a request, nested structures included, with its path."""
    for name, member in shape.members.items():
        if isinstance(member, StructureShape):
            yield from constrained_members(member, (*path, name))
        else:
            yield (*path, name), member


def resize(sample: str, length: int) -> str:
    return sample[:length] if length <= len(sample) else sample + FILLER * (length - len(sample))


def pattern_violations(sample: str, shape: Shape) -> list[str]:
    """Values of an allowed length that the member's pattern refuses."""
    meta = shape.metadata
    candidates = [
        "#" + sample,
        sample + "\n",
        sample + "\x00",
        "#" + sample[1:],
        sample[:-1] + "\x00",
        " " * max(meta.get("min", 1), 1),
    ]
    regex = whole(meta["pattern"])
    lo, hi = meta.get("min", 0), meta.get("max", 10**9)
    out = []
    for value in candidates:
        if lo <= len(value) <= hi and not regex.fullmatch(value) and value not in out:
            out.append(value)
    return out


def _refusals() -> Iterator[Any]:
    for request_name, shape in INPUTS.items():
        for path, member in constrained_members(shape):
            where = f"{request_name}.{'.'.join(path)}"
            meta = member.metadata
            if member.type_name == "string" and "enum" in meta:
                for bad in ("NOT_A_VALUE", meta["enum"][0].lower(), ""):
                    yield pytest.param(request_name, path, bad, "enum", id=f"{where}-enum-{bad!r}")
                # Lax enum validation would coerce other types; sent enums take text only.
                yield pytest.param(request_name, path, 1, "string_type", id=f"{where}-enum-int")
                continue
            sample = SAMPLES[member.name]
            if member.type_name == "string":
                assert isinstance(sample, str)
                if meta.get("min", 0) > 0:
                    short = resize(sample, meta["min"] - 1)
                    yield pytest.param(
                        request_name, path, short, "string_too_short", id=f"{where}-min-1"
                    )
                if "max" in meta:
                    long = resize(sample, meta["max"] + 1)
                    yield pytest.param(
                        request_name, path, long, "string_too_long", id=f"{where}-max+1"
                    )
                if "pattern" in meta:
                    for i, bad in enumerate(pattern_violations(sample, member)):
                        yield pytest.param(
                            request_name,
                            path,
                            bad,
                            "string_pattern_mismatch",
                            id=f"{where}-pattern-{i}",
                        )
                yield pytest.param(request_name, path, 123, "string_type", id=f"{where}-int")
                yield pytest.param(
                    request_name, path, sample.encode(), "string_type", id=f"{where}-bytes"
                )
            elif member.type_name in ("integer", "long"):
                if "min" in meta:
                    yield pytest.param(
                        request_name,
                        path,
                        meta["min"] - 1,
                        "greater_than_equal",
                        id=f"{where}-min-1",
                    )
                if "max" in meta:
                    yield pytest.param(
                        request_name,
                        path,
                        meta["max"] + 1,
                        "less_than_equal",
                        id=f"{where}-max+1",
                    )
                for bad, label in ((str(sample), "str"), (True, "bool"), (float(1), "float")):
                    yield pytest.param(request_name, path, bad, "int_type", id=f"{where}-{label}")
            else:  # pragma: no cover - a new kind of scalar in the service model
                raise AssertionError(f"no constraint cases for {where} ({member.type_name})")


def _acceptances() -> Iterator[Any]:
    for request_name, shape in INPUTS.items():
        for path, member in constrained_members(shape):
            where = f"{request_name}.{'.'.join(path)}"
            meta = member.metadata
            if "enum" in meta:
                for good in meta["enum"]:
                    yield pytest.param(request_name, path, good, id=f"{where}-{good}")
                continue
            sample = SAMPLES[member.name]
            if member.type_name == "string":
                assert isinstance(sample, str)
                regex = whole(meta.get("pattern", "(?s:.*)"))
                for bound in sorted({meta.get("min", 0), meta.get("max", len(sample))}):
                    value = resize(sample, bound)
                    # A pattern that fixes the shape (an ARN's prefix, say) leaves no valid value
                    # of the minimal length; a boundary is tested where one exists.
                    if regex.fullmatch(value):
                        yield pytest.param(request_name, path, value, id=f"{where}-len{bound}")
            else:
                for bound in (meta["min"], meta["max"]):
                    yield pytest.param(request_name, path, bound, id=f"{where}-{bound}")


REFUSALS = list(_refusals())
ACCEPTANCES = list(_acceptances())


# -- the set of models ----------------------------------------------------------------------


def test_every_shape_of_every_operation_has_a_model_and_every_model_a_shape() -> None:
    reachable: set[str] = set()
    for name in SERVICE.operation_names:
        operation = SERVICE.operation_model(name)
        for root in (operation.input_shape, operation.output_shape):
            if root is not None:
                reachable.update(
                    shape.name
                    for shape in walk(root)
                    if isinstance(shape, StructureShape) or shape.metadata.get("enum")
                )
    typed_dicts = {name for name in models.__all__ if name.endswith("Dict")}
    assert set(models.__all__) - typed_dicts == reachable


def test_the_five_operations_use_the_shapes_the_contract_lists() -> None:
    assert set(STRUCTURES) == {
        "ListAudienceExportJobsRequest",
        "ListAudienceExportJobsResponse",
        "AudienceExportJobSummary",
        "AudienceSize",
        "StatusDetails",
        "ListAudienceGenerationJobsRequest",
        "ListAudienceGenerationJobsResponse",
        "AudienceGenerationJobSummary",
        "StartAudienceExportJobRequest",
        "ListCollaborationTrainedModelExportJobsRequest",
        "ListCollaborationTrainedModelExportJobsResponse",
        "CollaborationTrainedModelExportJobSummary",
        "TrainedModelExportOutputConfiguration",
        "TrainedModelExportReceiverMember",
        "GetAudienceModelRequest",
        "GetAudienceModelResponse",
    }
    assert set(ENUMS) == {
        "AudienceSizeType",
        "AudienceExportJobStatus",
        "AudienceGenerationJobStatus",
        "TrainedModelExportJobStatus",
        "AudienceModelStatus",
    }


@pytest.mark.parametrize("name", sorted(STRUCTURES))
def test_direction_decides_the_base_class(name: str) -> None:
    cls = model_class(name)
    if name in RECEIVED:
        assert issubclass(cls, ResponseModel)
        assert not issubclass(cls, RequestModel)
    else:
        assert name in SENT
        assert issubclass(cls, RequestModel)


def private_model(name: str) -> type[RequestModel]:
    """A generated class that ``models`` does not export, from whichever module defines it."""
    for module in pkgutil.iter_modules(cleanroomsml_async._models.__path__):
        found = getattr(
            importlib.import_module(f"cleanroomsml_async._models.{module.name}"), name, None
        )
        if found is not None:
            return cast("type[RequestModel]", found)
    raise AssertionError(f"no generated module defines {name}")


def test_a_shape_both_sent_and_received_has_a_strict_twin() -> None:
    shared = sorted(set(STRUCTURES) & SENT & RECEIVED)
    assert shared == ["AudienceSize"]
    twin = private_model("_AudienceSizeSent")
    assert issubclass(twin, RequestModel)
    assert set(fields_by_alias(twin)) == set(STRUCTURES["AudienceSize"].members)


# -- members, aliases, required flags -------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STRUCTURES))
def test_members_are_fields_under_their_wire_alias(name: str) -> None:
    shape = STRUCTURES[name]
    fields = fields_by_alias(model_class(name))
    assert list(fields) == list(shape.members)
    for alias, (python_name, _) in fields.items():
        assert python_name == snake(alias)


@pytest.mark.parametrize("name", sorted(STRUCTURES))
def test_required_flags_follow_the_service_model(name: str) -> None:
    shape = STRUCTURES[name]
    required = set(shape.required_members)
    for alias, (_, info) in fields_by_alias(model_class(name)).items():
        assert info.is_required() == (alias in required), f"{name}.{alias}"


@pytest.mark.parametrize("name", sorted(STRUCTURES))
def test_a_missing_required_member_is_refused_and_an_optional_one_is_not(name: str) -> None:
    shape = STRUCTURES[name]
    cls = model_class(name)
    full = build(shape)
    assert isinstance(full, dict)
    cls.model_validate(build(shape, required_only=True))
    for member in shape.members:
        if member in shape.required_members:
            assert ("missing", (member,)) in error_types(cls, drop_at(full, (member,)))
        else:
            made = cls.model_validate(drop_at(full, (member,)))
            assert getattr(made, snake(member)) is None


def test_get_audience_model_response_requires_six_members_not_twelve() -> None:
    # The published boto3 type stubs (mypy-boto3-cleanroomsml) mark all twelve members of
    # GetAudienceModelResponse as required. The service model, which the service itself follows,
    # requires six; the models follow the service model.
    shape = STRUCTURES["GetAudienceModelResponse"]
    assert len(shape.members) == 12
    assert set(shape.required_members) == {
        "createTime",
        "updateTime",
        "audienceModelArn",
        "name",
        "trainingDatasetArn",
        "status",
    }
    fields = fields_by_alias(models.GetAudienceModelResponse)
    assert {alias for alias, (_, info) in fields.items() if info.is_required()} == set(
        shape.required_members
    )
    made = models.GetAudienceModelResponse.model_validate(
        {
            "createTime": "2024-01-01T00:00:00Z",
            "updateTime": "2024-01-02T00:00:00Z",
            "audienceModelArn": SAMPLES["AudienceModelArn"],
            "name": "model",
            "trainingDatasetArn": (
                "arn:aws:cleanrooms-ml:us-east-1:123456789012:training-dataset/td-1"
            ),
            "status": "ACTIVE",
        }
    )
    assert made.training_data_start_time is None
    assert made.training_data_end_time is None
    assert made.status_details is None
    assert made.kms_key_arn is None
    assert made.tags is None
    assert made.description is None


# -- enums ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_enum_values_equal_the_service_model(name: str) -> None:
    cls = getattr(models, name)
    assert [member.value for member in cls] == list(ENUMS[name].metadata["enum"])
    assert [member.name for member in cls] == list(ENUMS[name].metadata["enum"])


def _enum_members() -> Iterator[Any]:
    for name, shape in sorted(STRUCTURES.items()):
        for member, member_shape in shape.members.items():
            if member_shape.metadata.get("enum"):
                yield pytest.param(name, member, member_shape.name, id=f"{name}.{member}")


@pytest.mark.parametrize(("structure", "member", "enum_name"), list(_enum_members()))
def test_enum_members_become_the_enum_named_like_the_shape(
    structure: str, member: str, enum_name: str
) -> None:
    cls = model_class(structure)
    enum_cls = getattr(models, enum_name)
    full = build(STRUCTURES[structure])
    for value in ENUMS[enum_name].metadata["enum"]:
        made = cls.model_validate(set_at(full, (member,), value))
        got = getattr(made, snake(member))
        assert isinstance(got, enum_cls)
        assert got == value


# -- request constraints --------------------------------------------------------------------


def test_samples_satisfy_the_service_model() -> None:
    checked = set()
    for shape in INPUTS.values():
        for _, member in constrained_members(shape):
            if member.name not in SAMPLES:
                continue
            sample, meta = SAMPLES[member.name], member.metadata
            if isinstance(sample, str):
                assert meta.get("min", 0) <= len(sample) <= meta.get("max", 10**9)
                assert whole(meta.get("pattern", "(?s:.*)")).fullmatch(sample), member.name
            else:
                assert isinstance(sample, int)
                assert meta["min"] <= sample <= meta["max"]
            checked.add(member.name)
    assert checked == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_a_full_valid_request_is_accepted_and_dumps_as_given(name: str) -> None:
    data = build(INPUTS[name])
    made = model_class(name).model_validate(data)
    assert made.model_dump(by_alias=True, exclude_none=True) == data


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_an_unknown_member_is_refused(name: str) -> None:
    data = set_at(build(INPUTS[name]), ("unknownMember",), "x")
    assert ("extra_forbidden", ("unknownMember",)) in error_types(model_class(name), data)


def test_an_unknown_member_of_a_nested_request_structure_is_refused() -> None:
    data = build(INPUTS["StartAudienceExportJobRequest"])
    data = set_at(data, ("audienceSize", "unit"), "people")
    types = error_types(models.StartAudienceExportJobRequest, data)
    assert ("extra_forbidden", ("audienceSize", "unit")) in types


def test_every_constraint_of_the_service_model_has_cases() -> None:
    # A constraint that produced no case would go untested: count them per kind.
    kinds: dict[str, int] = {}
    for case in REFUSALS:
        kinds[case.values[3]] = kinds.get(case.values[3], 0) + 1
    assert set(kinds) == {
        "enum",
        "string_too_short",
        "string_too_long",
        "string_pattern_mismatch",
        "string_type",
        "greater_than_equal",
        "less_than_equal",
        "int_type",
    }
    patterned = [
        (request, path)
        for request, shape in INPUTS.items()
        for path, member in constrained_members(shape)
        if "pattern" in member.metadata
    ]
    mismatched = {
        (c.values[0], c.values[1]) for c in REFUSALS if c.values[3] == "string_pattern_mismatch"
    }
    assert set(patterned) == mismatched


@pytest.mark.parametrize(("request_name", "path", "value", "expected"), REFUSALS)
def test_a_value_outside_a_constraint_is_refused(
    request_name: str, path: tuple[str, ...], value: object, expected: str
) -> None:
    data = set_at(build(INPUTS[request_name]), path, value)
    types = error_types(model_class(request_name), data)
    assert (expected, path) in types


@pytest.mark.parametrize(("request_name", "path", "value"), ACCEPTANCES)
def test_a_value_just_inside_a_constraint_is_accepted(
    request_name: str, path: tuple[str, ...], value: object
) -> None:
    data = set_at(build(INPUTS[request_name]), path, value)
    made = model_class(request_name).model_validate(data)
    assert get_at(made.model_dump(by_alias=True), path) == value


# -- response leniency, member by member ----------------------------------------------------


def _response_constraints() -> Iterator[Any]:
    for name, shape in sorted(STRUCTURES.items()):
        if name not in RECEIVED:
            continue
        for member, member_shape in shape.members.items():
            meta = member_shape.metadata
            where = f"{name}.{member}"
            if "enum" in meta:
                yield pytest.param(name, member, "SOMETHING_NEW", id=f"{where}-enum")
            elif member_shape.type_name == "string" and ("max" in meta or "pattern" in meta):
                over = "\x00" * (meta.get("max", 0) + 1)
                yield pytest.param(name, member, over, id=f"{where}-string")
            elif member_shape.type_name == "integer" and "max" in meta:
                yield pytest.param(name, member, meta["max"] + 1, id=f"{where}-over")
                yield pytest.param(name, member, meta["min"] - 1, id=f"{where}-under")


@pytest.mark.parametrize(("structure", "member", "value"), list(_response_constraints()))
def test_responses_enforce_no_service_limit(structure: str, member: str, value: object) -> None:
    data = set_at(build(STRUCTURES[structure]), (member,), value)
    made = model_class(structure).model_validate(data)
    got = getattr(made, snake(member))
    assert got == value
    assert type(got) is type(value)


@pytest.mark.parametrize("name", sorted(STRUCTURES.keys() & RECEIVED))
def test_responses_ignore_unknown_members(name: str) -> None:
    data = set_at(build(STRUCTURES[name]), ("addedByANewerService",), {"x": 1})
    made = model_class(name).model_validate(data)
    assert "addedByANewerService" not in made.model_dump(by_alias=True)
    assert made == model_class(name).model_validate(build(STRUCTURES[name]))
