"""Base classes and field types the generated models are built from.

Two directions, two rule sets. What we *send* is checked as strictly as the service checks it,
so a bad payload never leaves the process. What we *receive* is read leniently, so a field or
enum value that AWS adds later does not break a program built against today's model.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any, Self, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import (
    CoreSchema,
    PydanticCustomError,
    PydanticKnownError,
    SchemaValidator,
    core_schema,
)

from cleanroomsml_async._response_metadata import ResponseMetadata

__all__ = [
    "OPEN_ENUM",
    "TEXT_ONLY",
    "RequestModel",
    "RequestUnion",
    "ResponseModel",
    "UtcDatetime",
    "checked_as",
    "matching",
    "publish",
]

# Where users import the models from, whichever private module defines them.
PUBLIC_MODULE = "cleanroomsml_async.models"


class RequestModel(BaseModel):
    """A shape sent to the service: strict types, whole-value patterns, unknown fields refused."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="forbid",
        frozen=True,
        # Errors name the argument the caller typed (``audience_model_arn``), not its wire name.
        loc_by_alias=False,
        # Why deferred: the service has some 250 shapes, and building every validator at import
        # cost more than importing aiobotocore; each is built on its first use instead.
        defer_build=True,
        # The service's patterns use look-ahead and surrogate ranges, which pydantic's default
        # Rust engine cannot compile; Python's re can.
        regex_engine="python-re",
        # Lets a received model (e.g. an AudienceSize read from a response) be sent again.
        from_attributes=True,
    )


class ResponseModel(BaseModel):
    """A shape received from the service: required members and types checked, nothing more."""

    # Why a slot, not a field or a pydantic private attribute: pydantic compares private
    # attributes in __eq__, and the contract keeps model_dump(), repr(), == and hash() as
    # they are without the metadata. A slot is invisible to all four, costs one pointer a
    # model, and is not carried by model_copy() or pickling (a copy is the caller's model).
    __slots__ = ("_cleanroomsml_response_metadata",)

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        frozen=True,
        # A bad response is reported where it is wrong in the body: under its wire names.
        defer_build=True,
        # Why: pydantic-core by default caches every short string it reads from JSON in a
        # process-wide 16,384-entry cache. Names, timestamps and ARNs rarely repeat, so the
        # cache gained nothing (a 100-item page validated no faster) and streaming filled it
        # with ~1 MiB of our values; field names (keys) repeat on every item and stay cached.
        cache_strings="keys",
    )

    @property
    def response_metadata(self) -> ResponseMetadata | None:
        """The request id, HTTP status and attempt count of the call that returned this model.

        ``None`` for a model built by the caller, and for an item inside a page.
        """
        metadata: ResponseMetadata | None = getattr(self, "_cleanroomsml_response_metadata", None)
        return metadata

    def _set_response_metadata(self, metadata: ResponseMetadata) -> None:
        # The model is frozen for its fields; the slot is not one of them.
        object.__setattr__(self, "_cleanroomsml_response_metadata", metadata)


class RequestUnion(RequestModel):
    """A union shape as sent: every member is optional, and exactly one must be set."""

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        chosen = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(chosen) != 1:
            options = ", ".join(type(self).model_fields)
            found = ", ".join(chosen) if chosen else "none"
            raise ValueError(f"set exactly one of {options} (set: {found})")
        return self


def matching(pattern: str, expected: str, example: str) -> AfterValidator:
    """A whole-value pattern check whose error says, in words, what was expected.

    The error keeps pydantic's ``string_pattern_mismatch`` type and its ``pattern`` context,
    so programs that read ``errors()`` see what pydantic's own ``pattern=`` would give them;
    the message names the kind of value with an example, and shows the value in full.
    """
    context = {"pattern": pattern, "expected": expected, "example": example}
    # Compiled on the first check, not when the module defining the field is imported: most
    # programs send a few of the service's shapes, and re.compile of the rest is wasted.
    match = None

    def check(value: str) -> str:
        nonlocal match
        if match is None:
            match = re.compile(pattern).match
        if match(value) is None:
            raise PydanticCustomError(
                "string_pattern_mismatch",
                "Expected {expected}, such as '{example}'; got '{value}'",
                {**context, "value": value},
            )
        return value

    return AfterValidator(check)


# pydantic's own (lax) datetime rules, for whatever fromisoformat does not take (Unix times).
_PYDANTIC_DATETIME = SchemaValidator(core_schema.datetime_schema())
_FROM_ISO = datetime.fromisoformat


def _utc_datetime(value: object) -> datetime:
    # The service sends ISO 8601 with "Z"; a naive value can only mean UTC, and other offsets
    # are converted so that every timestamp compares and prints the same way.
    #
    # Why a plain validator rather than pydantic's datetime plus an AfterValidator: this runs
    # for every timestamp of every item (200 per 100-item page), and the after-validator
    # (a Python call, then utcoffset() on pydantic's TzInfo) cost about as much as the rest of
    # the page's validation (a 100-item page: 324 µs -> 233 µs). The C fromisoformat parses
    # the service's text at the cost of pydantic's own parse and yields datetime.UTC itself.
    if type(value) is str:
        try:
            parsed = _FROM_ISO(value)
        except ValueError:
            parsed = _pydantic_datetime(value)
    elif isinstance(value, datetime):
        parsed = value
    else:
        parsed = _pydantic_datetime(value)
    zone = parsed.tzinfo
    if zone is UTC:
        return parsed
    if zone is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        # 9999-12-31T23:59:59-05:00 is a valid timestamp whose UTC time is past year 9999,
        # which datetime cannot hold; a ValueError makes it this field's validation error.
        raise ValueError(f"timestamp {value!r} is out of range once converted to UTC") from None


def _pydantic_datetime(value: object) -> datetime:
    try:
        parsed: datetime = _PYDANTIC_DATETIME.validate_python(value)
    except ValidationError as error:
        # Reported as this field's own error, with pydantic's reason, not as a nested one.
        raise ValueError(f"not a timestamp: {error.errors()[0]['msg']}") from None
    return parsed


class _UtcDatetimeSchema:
    """The core schema of ``UtcDatetime``: validated by ``_utc_datetime``, dumped as a datetime.

    (``PlainValidator`` would check its JSON-mode output against ``datetime`` and warn.)
    """

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _utc_datetime,
            serialization=core_schema.simple_ser_schema("datetime"),
            json_schema_input_schema=core_schema.datetime_schema(),
        )

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: Any) -> Any:
        return handler(core_schema.datetime_schema())


UtcDatetime = Annotated[datetime, _UtcDatetimeSchema()]
"""A timezone-aware datetime in UTC, whatever offset (or none) the wire carried."""


class _OpenEnum:
    """The schema of a received ``Enum | str`` field: one dict lookup, no union.

    Why not ``Field(union_mode="left_to_right")`` over the union: for each such field (56 in
    the service) pydantic then builds a union, an enum and a str schema, three times the cost
    of this one on an operation's first call, and an unknown value takes two tries to
    validate, where this takes one lookup either way.
    """

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> CoreSchema:
        (enum,) = (
            arg for arg in get_args(source) if isinstance(arg, type) and issubclass(arg, Enum)
        )
        return core_schema.no_info_plain_validator_function(
            _open_enum_reader(enum),
            json_schema_input_schema=core_schema.union_schema(
                [
                    core_schema.enum_schema(enum, list(enum), sub_type="str"),
                    core_schema.str_schema(),
                ]
            ),
        )


@functools.cache
def _open_enum_reader(enum: type[Enum]) -> Callable[[object], object]:
    members: dict[object, Enum] = {member.value: member for member in enum}

    def read(value: object) -> object:
        if isinstance(value, str):
            return members.get(value, value)
        raise PydanticKnownError("string_type")

    return read


OPEN_ENUM = _OpenEnum()
"""For ``Enum | str`` fields: a known value becomes the member, an unknown one stays a ``str``."""


def _text_only(value: object) -> object:
    # Lax enum validation would also take bytes; a sent enum must be the member or its string.
    if not isinstance(value, str):
        raise PydanticKnownError("string_type")
    return value


TEXT_ONLY = BeforeValidator(_text_only)
"""For sent enum fields: strict about the input's type, lax about str versus member."""


def checked_as(strict_model: type[RequestModel]) -> Any:
    """Validate a field with ``strict_model`` first, for shapes that are both sent and received.

    The public class of such a shape is its lenient, received form; when it is sent, its
    values must pass the service's constraints, which the strict twin carries.
    """

    def check(value: object) -> object:
        if isinstance(value, BaseModel):
            value = {name: getattr(value, name) for name in type(value).model_fields}
        return strict_model.model_validate(value).model_dump()

    return BeforeValidator(check)


def publish(*definitions: type) -> None:
    """Make ``cleanroomsml_async.models`` the home of these classes, where users import them.

    Reprs, ``inspect`` and pickles then name the public path, which stays the same when the
    generator regroups the private modules that define the classes.
    """
    for definition in definitions:
        definition.__module__ = PUBLIC_MODULE
