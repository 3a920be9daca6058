"""The service's kinds of resource and what each operation does to one, read from the model.

Every Create*/Start* operation makes a kind of resource, named by the rest of the operation's
name (StartAudienceExportJob makes an AudienceExportJob); its output names the members that
identify one (an ARN, plus a version for trained models). Get*, List*, Delete*, Update* and
Cancel* operations on the same name (with "Collaboration" for the collaboration views, and
a plural for lists) act on that kind. What is left over (policies, ML configurations, tags)
is hand-written in _operations.py.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from cleanroomsml_async.testing._service import OPERATION_NAMES, operation_model, service_model

_VERBS = {
    "Create": "create",
    "Start": "create",
    "Get": "get",
    "List": "list",
    "Delete": "delete",
    "Update": "update",
    "Cancel": "cancel",
}
# Operations whose names do not follow the pattern, and the kind they act on.
_ALIASES = {
    "DeleteMLInputChannelData": "MLInputChannel",
    "DeleteTrainedModelOutput": "TrainedModel",
    "ListTrainedModelVersions": "TrainedModel",
}
# Kinds without an ARN (their Start operation returns nothing): what identifies one, as the
# service's conflicts say (a name is unique per parent).
_KEYS_WITHOUT_ARN = {
    "AudienceExportJob": ("audienceGenerationJobArn", "name"),
    "TrainedModelExportJob": ("trainedModelArn", "trainedModelVersionIdentifier", "name"),
}
_PAGING_MEMBERS = frozenset({"nextToken", "maxResults"})
# Members whose value changes over a resource's life: a list filter on one cannot be indexed.
DYNAMIC_MEMBERS = frozenset({"status"})

_ARN_TYPE = re.compile(
    r":\[0-9\]\{12\}:(?P<membership>membership/\[0-9a-f\].*\[0-9a-f\]\{12\}/)?"
    r"(?P<type>[a-z-]+)/\[-a-zA-Z0-9_/\.\]\+$"
)


@dataclass(frozen=True, slots=True)
class ArnFormat:
    """How the service writes one ARN shape: its resource type, inside a membership or not."""

    shape: str
    resource_type: str
    in_membership: bool


@functools.cache
def arn_formats() -> dict[str, ArnFormat]:
    """The ARN shapes of this service's own resources, by shape name, read from their patterns."""
    formats: dict[str, ArnFormat] = {}
    model = service_model()
    for name in model.shape_names:
        shape = model.shape_for(name)
        pattern = shape.metadata.get("pattern", "") if shape.type_name == "string" else ""
        if not pattern.startswith("arn:aws[-a-z]*:cleanrooms-ml:"):
            continue
        found = _ARN_TYPE.search(pattern)
        if found is not None:
            formats[name] = ArnFormat(name, found["type"], found["membership"] is not None)
    return formats


@dataclass(frozen=True, slots=True, eq=False)
class Kind:
    """One kind of resource."""

    name: str
    """As the model names it, e.g. "TrainedModel"."""
    key: tuple[str, ...]
    """The members that identify one resource (the ARN, then a version if it has one)."""
    arn_member: str | None
    """The member holding its ARN (None for the ARN-less export jobs)."""
    arn_format: ArnFormat | None
    create_operation: str
    in_membership: bool
    """Whether it is made in a membership (and so belongs to that membership's collaboration)."""
    statuses: tuple[str, ...]
    """Its status enum, () if it has no status."""
    members: tuple[str, ...]
    """Every member any response shows of it."""
    required: frozenset[str]
    """Every member some response requires of it."""
    member_shapes: dict[str, Any]

    @property
    def version_member(self) -> str | None:
        """The member naming a version ("versionIdentifier"), if the kind has versions."""
        return self.key[1] if self.arn_member is not None and len(self.key) > 1 else None


@dataclass(frozen=True, slots=True)
class Action:
    """What one operation does: a verb applied to a kind."""

    operation: str
    verb: str
    kind: Kind
    collaboration: bool
    output_members: tuple[str, ...]
    """The members of the response (of each listed item, for a list)."""
    result_key: str | None
    """The list member of a List response."""
    lookup: tuple[str, ...]
    """Input members that select the resource(s) (or filter the listing)."""


def _rest(operation: str) -> tuple[str | None, str]:
    for prefix, verb in _VERBS.items():
        if operation.startswith(prefix):
            return verb, operation[len(prefix) :]
    return None, operation


@functools.cache
def kinds() -> dict[str, Kind]:
    """Every kind of resource, by name."""
    actions_by_kind: dict[str, list[str]] = {}
    created: dict[str, str] = {}
    for operation in OPERATION_NAMES:
        verb, rest = _rest(operation)
        if verb == "create":
            created[rest] = operation
    for operation in OPERATION_NAMES:
        found = _kind_name(operation, created)
        if found is not None:
            actions_by_kind.setdefault(found[0], []).append(operation)
    formats = arn_formats()
    result: dict[str, Kind] = {}
    for name, create in created.items():
        model = operation_model(create)
        output = model.output_shape
        key = tuple(output.members) if output is not None else _KEYS_WITHOUT_ARN[name]
        arn_member = key[0] if output is not None else None
        arn_shape = output.members[arn_member].name if arn_member is not None else None
        input_members = model.input_shape.members
        membership = input_members.get("membershipIdentifier")
        shapes = [_shown_shape(operation) for operation in actions_by_kind.get(name, ())]
        shapes = [shape for shape in shapes if shape is not None]
        member_shapes: dict[str, Any] = {}
        required: set[str] = set()
        for shape in shapes:
            member_shapes.update(shape.members)
            required.update(shape.required_members)
        status = member_shapes.get("status")
        result[name] = Kind(
            name=name,
            key=key,
            arn_member=arn_member,
            arn_format=formats.get(arn_shape) if arn_shape is not None else None,
            create_operation=create,
            in_membership=membership is not None
            and membership.serialization.get("location") == "uri",
            statuses=tuple(status.enum) if status is not None else (),
            members=tuple(member_shapes),
            required=frozenset(required),
            member_shapes=member_shapes,
        )
    return result


def _kind_name(operation: str, created: dict[str, str]) -> tuple[str, bool] | None:
    """(kind name, whether it is a collaboration view) of an operation on a kind."""
    if operation in _ALIASES:
        return _ALIASES[operation], False
    verb, rest = _rest(operation)
    if verb is None:
        return None
    collaboration = rest.startswith("Collaboration") and rest not in created
    if collaboration:
        rest = rest[len("Collaboration") :]
    if verb == "list" and rest.endswith("s"):
        rest = rest[:-1]
    return (rest, collaboration) if rest in created else None


def _shown_shape(operation: str) -> Any:
    """The shape a Get returns, or the item shape of a List; None for other operations."""
    output = operation_model(operation).output_shape
    if output is None:
        return None
    verb, _ = _rest(operation)
    if verb == "get":
        return output
    if verb == "list":
        return _list_member(output)[1]
    return None


def _list_member(output: Any) -> tuple[str, Any]:
    for name, member in output.members.items():
        if member.type_name == "list":
            return name, member.member
    raise LookupError(f"{output.name} has no list member")


@functools.cache
def actions() -> dict[str, Action]:
    """The operations that act on a kind of resource, by operation name."""
    all_kinds = kinds()
    created = {name: kind.create_operation for name, kind in all_kinds.items()}
    result: dict[str, Action] = {}
    for operation in OPERATION_NAMES:
        found = _kind_name(operation, created)
        if found is None:
            continue
        kind_name, collaboration = found
        verb = _rest(operation)[0]
        assert verb is not None
        model = operation_model(operation)
        output = model.output_shape
        result_key = None
        output_members: tuple[str, ...] = ()
        if output is not None:
            if verb == "list":
                result_key, item = _list_member(output)
                output_members = tuple(item.members)
            else:
                output_members = tuple(output.members)
        # What selects: the labels and query parameters (a body carries what to create or
        # change).
        lookup = tuple(
            name
            for name, member in model.input_shape.members.items()
            if member.serialization.get("location") and name not in _PAGING_MEMBERS
        )
        result[operation] = Action(
            operation=operation,
            verb=verb,
            kind=all_kinds[kind_name],
            collaboration=collaboration,
            output_members=output_members,
            result_key=result_key,
            lookup=lookup if verb != "create" else (),
        )
    return result


def kind_of_arn(arn: str) -> Kind | None:
    """The kind a cleanrooms-ml ARN names, from its resource type; None if none does."""
    resource = arn.split(":", 5)[-1]
    parts = resource.split("/")
    resource_type = parts[2] if parts[0] == "membership" and len(parts) > 2 else parts[0]
    for kind in kinds().values():
        if kind.arn_format is not None and kind.arn_format.resource_type == resource_type:
            return kind
    return None
