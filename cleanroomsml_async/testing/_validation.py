"""Parse a request into the operation's input shape and check it as the service does.

Deliberately independent of cleanroomsml_async.models: the emulator is how the SDK's own
validation gets checked, so it reads the constraints straight from the botocore model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from cleanroomsml_async._java_regex import whole_value
from cleanroomsml_async.testing._errors import validation_error

_INTEGER = re.compile(r"[+-]?[0-9]+")
_patterns: dict[str, re.Pattern[str]] = {}


def _pattern(source: str) -> re.Pattern[str]:
    # The model's patterns are Java regexes: whole_value() reads them as Java does (ASCII \s,
    # Java's $), the same translation the request models use.
    compiled = _patterns.get(source)
    if compiled is None:
        compiled = _patterns[source] = re.compile(whole_value(source))
    return compiled


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"'{value}'"
    return f"'{json.dumps(value)}'"


def parse_input(
    operation: Any,
    uri_params: Mapping[str, str],
    query: Mapping[str, str],
    body: bytes,
) -> dict[str, Any]:
    """The request's input as a dict keyed by member name; ValidationException if invalid."""
    shape = operation.input_shape
    params: dict[str, Any] = {}
    problems: list[str] = []
    body_members: dict[str, Any] = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location is None:
            body_members[name] = member
            continue
        source = uri_params if location == "uri" else query if location == "querystring" else {}
        raw = source.get(wire_name)
        if raw is not None:
            value = _from_text(raw, member, name, problems)
            if value is not None:
                params[name] = value
    if body_members:
        document = _json_object(body)
        for name in body_members:
            if name in document:
                params[name] = document[name]
    check_structure(shape, params, "", problems)
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise validation_error(f"{count} validation {noun} detected: " + "; ".join(problems))
    return params


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
    except ValueError as error:
        raise validation_error(f"The request body is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise validation_error("The request body must be a JSON object.")
    return document


def _from_text(raw: str, shape: Any, path: str, problems: list[str]) -> Any:
    # Query strings and labels carry text; the shape says what it must parse as.
    kind = shape.type_name
    if kind in ("integer", "long"):
        if _INTEGER.fullmatch(raw):
            return int(raw)
        problems.append(
            f"Value '{raw}' at '{path}' failed to satisfy constraint: Member must be an integer"
        )
        return None
    if kind == "boolean":
        if raw in ("true", "false"):
            return raw == "true"
        problems.append(
            f"Value '{raw}' at '{path}' failed to satisfy constraint: Member must be a boolean"
        )
        return None
    return raw


def check_structure(
    shape: Any, value: Mapping[str, Any], prefix: str, problems: list[str]
) -> None:
    """Append a message for each constraint of a structure shape that value breaks."""
    for name in shape.required_members:
        if value.get(name) is None:
            problems.append(
                f"Value null at '{prefix}{name}' failed to satisfy constraint: "
                "Member must not be null"
            )
    for name, member in shape.members.items():
        member_value = value.get(name)
        if member_value is not None:
            check_value(member, member_value, prefix + name, problems)


def check_value(shape: Any, value: Any, path: str, problems: list[str]) -> None:
    """Append a message for each constraint of shape that value breaks."""
    kind = shape.type_name
    meta = shape.metadata

    def fail(constraint: str) -> None:
        problems.append(
            f"Value {_show(value)} at '{path}' failed to satisfy constraint: {constraint}"
        )

    if kind == "structure":
        if not isinstance(value, dict):
            fail("Member must be a structure")
            return
        check_structure(shape, value, path + ".", problems)
    elif kind == "list":
        if not isinstance(value, list):
            fail("Member must be a list")
            return
        _check_size(len(value), meta, fail)
        for index, item in enumerate(value):
            check_value(shape.member, item, f"{path}.{index + 1}.member", problems)
    elif kind == "map":
        if not isinstance(value, dict):
            fail("Member must be a map")
            return
        _check_size(len(value), meta, fail)
        for key, item in value.items():
            check_value(shape.key, key, f"{path}.key", problems)
            check_value(shape.value, item, f"{path}.{key}.value", problems)
    elif kind == "string":
        if not isinstance(value, str):
            fail("Member must be a string")
            return
        _check_size(len(value), meta, fail)
        if shape.enum and value not in shape.enum:
            fail(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        pattern = meta.get("pattern")
        if pattern is not None and _pattern(pattern).fullmatch(value) is None:
            fail(f"Member must satisfy regular expression pattern: {pattern}")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            fail("Member must be an integer")
            return
        _check_range(value, meta, fail)
    elif kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            fail("Member must be a number")
            return
        _check_range(value, meta, fail)
    elif kind == "boolean":
        if not isinstance(value, bool):
            fail("Member must be a boolean")
    elif kind == "timestamp" and (
        isinstance(value, bool) or not isinstance(value, str | int | float)
    ):
        fail("Member must be a timestamp")


def _check_size(size: int, meta: Mapping[str, Any], fail: Callable[[str], None]) -> None:
    if "min" in meta and size < meta["min"]:
        fail(f"Member must have length greater than or equal to {meta['min']}")
    if "max" in meta and size > meta["max"]:
        fail(f"Member must have length less than or equal to {meta['max']}")


def _check_range(number: float, meta: Mapping[str, Any], fail: Callable[[str], None]) -> None:
    if "min" in meta and number < meta["min"]:
        fail(f"Member must have value greater than or equal to {meta['min']}")
    if "max" in meta and number > meta["max"]:
        fail(f"Member must have value less than or equal to {meta['max']}")
