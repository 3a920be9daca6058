"""Valid example values for any shape of the service model, and minimal valid requests.

``example_input("CreateTrainedModel")`` is a request (member names as boto3 and the SDK's
request models take them) that satisfies every constraint of the model: required members,
lengths, ranges, enums, unions, and the Java-regex patterns. Patterns cannot be inverted in
general, so each pattern the model uses has a hand-picked example below, checked against it
when used; a new pattern in a newer model fails loudly here rather than in a test far away.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from cleanroomsml_async._java_regex import whole_value
from cleanroomsml_async.testing._kinds import arn_formats
from cleanroomsml_async.testing._service import operation_model, service_model
from cleanroomsml_async.testing._wire import DEFAULT_ACCOUNT_ID, ArnFactory, new_id

__all__ = ["example_input", "example_value"]

_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

# Examples by pattern, for the patterns that are not ARNs of this service. Callables make a
# fresh value each time (ids), strings are fixed.
_BY_PATTERN: dict[str, Any] = {
    _UUID: new_id,
    "[0-9]{12}": DEFAULT_ACCOUNT_ID,
    "[0-9a-f]+": lambda: hashlib.sha256(new_id().encode()).hexdigest(),
    "s3://.+": "s3://cleanrooms-ml-example/data/",
    "arn:aws[-a-z]*:kms:[-a-z0-9]+:[0-9]{12}:key/.+": lambda: ArnFactory().kms_key(),
    "arn:aws[-a-z]*:iam::[0-9]{12}:role/.+": lambda: ArnFactory().iam_role(),
    (
        "arn:aws[-a-z]*:cleanrooms:[\\w]{2}-[\\w]{4,9}-[\\d]:[\\d]{12}:membership/[\\d\\w-]+"
        "/analysistemplate/[\\d\\w-]+"
    ): lambda: (
        f"arn:aws:cleanrooms:us-east-1:{DEFAULT_ACCOUNT_ID}:membership/{new_id()}"
        f"/analysistemplate/{new_id()}"
    ),
    (
        "arn:aws:[\\w]+:[\\w]{2}-[\\w]{4,9}-[\\d]:[\\d]{12}:membership/[\\d\\w-]+"
        "/configuredtableassociation/[\\d\\w-]+"
    ): lambda: (
        f"arn:aws:cleanrooms:us-east-1:{DEFAULT_ACCOUNT_ID}:membership/{new_id()}"
        f"/configuredtableassociation/{new_id()}"
    ),
    "[0-9a-zA-Z_]+": "example_parameter",
    "[a-zA-Z_][a-zA-Z0-9_]*": "EXAMPLE_KEY",
    "[a-zA-Z0-9_](([a-zA-Z0-9_ ]+-)*([a-zA-Z0-9_ ]+))?": "example_name",
    "[a-zA-Z0-9_](([a-zA-Z0-9_]+-)*([a-zA-Z0-9_]+))?": "example_name",
    "[A-Za-z0-9\\.\\-_]+": "train",
    "[a-zA-Z0-9\\_\\#\\=\\@/\\;\\,\\-\\ \\^\\$\\?\\[\\]\\{\\}\\|\\\\\\*\\+\\.\\(\\)]+": "example",
}
# Patterns any short printable text satisfies.
_FREE_TEXT = frozenset(
    {
        ".*",
        ".+",
        "[\\S\\s]*",
        "(?!\\s*$)[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDBFF-\\uDC00\\uDFFF\\t]*",
        "[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDBFF-\\uDC00\\uDFFF\\t\\r\\n]*",
    }
)
# Examples by shape name, where the pattern is a choice among several of the kinds above.
_BY_SHAPE: dict[str, Any] = {
    "TaggableArn": lambda: ArnFactory().new("TrainingDataset"),
}
_compiled: dict[str, re.Pattern[str]] = {}


def example_input(operation_name: str, *, membership_id: str | None = None) -> dict[str, Any]:
    """A minimal valid request of one operation: its required members, each valid.

    ARNs are fresh (they name no stored resource) and made in membership_id when given, so
    the request's ARNs and its membershipIdentifier agree.
    """
    shape = operation_model(operation_name).input_shape
    membership = membership_id or new_id()
    value: dict[str, Any] = example_value(shape, membership_id=membership)
    if "membershipIdentifier" in shape.members:
        value["membershipIdentifier"] = membership
    return value


def example_value(shape: Any, *, membership_id: str | None = None, _depth: int = 0) -> Any:
    """A valid value of a shape (a botocore Shape or a shape name); structures get their
    required members (unions their first member)."""
    if isinstance(shape, str):
        shape = service_model().shape_for(shape)
    if _depth > 20:
        raise RecursionError(f"{shape.name} is recursive; no finite example")
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        names = list(shape.members)[:1] if meta.get("union") else shape.required_members
        return {
            name: example_value(
                shape.members[name], membership_id=membership_id, _depth=_depth + 1
            )
            for name in names
        }
    if kind == "list":
        count = max(1, meta.get("min", 0))
        return [
            example_value(shape.member, membership_id=membership_id, _depth=_depth + 1)
            for _ in range(count)
        ]
    if kind == "map":
        key = example_value(shape.key, membership_id=membership_id, _depth=_depth + 1)
        value = example_value(shape.value, membership_id=membership_id, _depth=_depth + 1)
        return {key: value}
    if kind == "string":
        return _example_string(shape, membership_id)
    if kind in ("integer", "long"):
        return int(_example_number(meta))
    if kind in ("float", "double"):
        return float(_example_number(meta))
    if kind == "boolean":
        return False
    if kind == "timestamp":
        return datetime(2024, 1, 1, tzinfo=UTC)
    if kind == "blob":
        return b"example"
    raise TypeError(f"no example for {shape.name} of type {kind}")


def _example_number(meta: dict[str, Any]) -> float:
    low: float = meta.get("min", 1)
    high: float = meta.get("max", max(low, 1))
    return min(max(low, 1), high)


def _example_string(shape: Any, membership_id: str | None) -> str:
    enum = getattr(shape, "enum", None)
    if enum:
        return str(enum[0])
    meta = shape.metadata
    pattern = meta.get("pattern")
    formats = arn_formats()
    if shape.name in formats:
        text = ArnFactory().of_shape(shape.name, membership_id=membership_id)
    elif shape.name in _BY_SHAPE:
        text = _BY_SHAPE[shape.name]()
    elif pattern in _BY_PATTERN:
        made = _BY_PATTERN[pattern]
        text = made() if callable(made) else made
    elif pattern is None or pattern in _FREE_TEXT:
        text = "example"
    else:
        raise LookupError(
            f"no example for pattern {pattern!r} of {shape.name}: add one to _BY_PATTERN"
        )
    low, high = meta.get("min", 0), meta.get("max")
    if len(text) < low:
        text += "x" * (low - len(text))
    if high is not None and len(text) > high:
        text = text[:high]
    if pattern is not None:
        compiled = _compiled.get(pattern)
        if compiled is None:
            compiled = _compiled[pattern] = re.compile(whole_value(pattern))
        if compiled.fullmatch(text) is None:
            raise LookupError(f"the example {text!r} does not match {pattern!r} ({shape.name})")
    return text
