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
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Python refuses to convert integers of more than 4300 digits (and JSON parsing of them);
# anything beyond 19 digits is out of every integer range of the model anyway.
_MAX_DIGITS = 19
# The bounds of the model's integer types (the service reads them as Java int and long).
_INTEGER_RANGE = {"integer": 2**31, "long": 2**63}
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
        return f"'{_clip(value)}'"
    return f"'{_clip(json.dumps(value))}'"


def parse_input(
    operation: Any,
    uri_params: Mapping[str, str],
    query: Mapping[str, list[str]],
    body: bytes,
) -> dict[str, Any]:
    """The request's input as a dict keyed by member name; ValidationException if invalid.

    query maps each parameter to all its values, in order: a list member (UntagResource's
    tagKeys) is sent as the same parameter repeated.
    """
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
        if location == "uri":
            raw = uri_params.get(wire_name)
            if raw is not None:
                _set_from_text(params, name, raw, member, problems)
        elif location == "querystring":
            values = query.get(wire_name)
            if not values:
                continue
            if member.type_name == "list":
                items = [_from_text(raw, member.member, name, problems) for raw in values]
                params[name] = [item for item in items if item is not None]
            else:
                # A repeated scalar parameter: the service reads the first.
                _set_from_text(params, name, values[0], member, problems)
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


def _set_from_text(
    params: dict[str, Any], name: str, raw: str, shape: Any, problems: list[str]
) -> None:
    value = _from_text(raw, shape, name, problems)
    if value is not None:
        params[name] = value


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
    except ValueError as error:
        raise validation_error(f"The request body is not valid JSON: {error}") from None
    except RecursionError:
        raise validation_error("The request body is nested too deeply.") from None
    if not isinstance(document, dict):
        raise validation_error("The request body must be a JSON object.")
    return document


def _from_text(raw: str, shape: Any, path: str, problems: list[str]) -> Any:
    # Query strings and labels carry text; the shape says what it must parse as.
    kind = shape.type_name
    if kind in ("integer", "long"):
        if not _INTEGER.fullmatch(raw):
            problems.append(
                f"Value '{_clip(raw)}' at '{path}' failed to satisfy constraint: "
                "Member must be an integer"
            )
            return None
        if len(raw.lstrip("+-").lstrip("0")) > _MAX_DIGITS:
            problems.append(
                f"Value '{_clip(raw)}' at '{path}' failed to satisfy constraint: "
                f"Member must be a {'32' if kind == 'integer' else '64'}-bit integer"
            )
            return None
        return int(raw)
    if kind in ("float", "double"):
        if _NUMBER.fullmatch(raw):
            return float(raw)
        problems.append(
            f"Value '{_clip(raw)}' at '{path}' failed to satisfy constraint: "
            "Member must be a number"
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


def _clip(raw: str) -> str:
    # Echo a hostile value back, but not all 5000 digits of it.
    return raw if len(raw) <= 40 else raw[:40] + "..."


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
        bound = _INTEGER_RANGE[kind]
        if not -bound <= value < bound:
            fail(f"Member must be a {'32' if kind == 'integer' else '64'}-bit integer")
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
