"""Base classes and field types the generated models are built from.

Two directions, two rule sets. What we *send* is checked as strictly as the service checks it,
so a bad payload never leaves the process. What we *receive* is read leniently, so a field or
enum value that AWS adds later does not break a program built against today's model.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticKnownError

__all__ = [
    "OPEN_ENUM",
    "TEXT_ONLY",
    "RequestModel",
    "ResponseModel",
    "UtcDatetime",
    "checked_as",
]


class RequestModel(BaseModel):
    """A shape sent to the service: strict types, whole-value patterns, unknown fields refused."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="forbid",
        frozen=True,
        # The service's patterns use look-ahead and surrogate ranges, which pydantic's default
        # Rust engine cannot compile; Python's re can.
        regex_engine="python-re",
        # Lets a received model (e.g. an AudienceSize read from a response) be sent again.
        from_attributes=True,
    )


class ResponseModel(BaseModel):
    """A shape received from the service: required members and types checked, nothing more."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        frozen=True,
    )


_ZERO = timedelta(0)


def _as_utc(value: datetime) -> datetime:
    # The service sends ISO 8601 with "Z"; a naive value can only mean UTC, and other offsets
    # are converted so that every timestamp compares and prints the same way.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if value.utcoffset() != _ZERO:
        return value.astimezone(UTC)
    return value


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
"""A timezone-aware datetime in UTC, whatever offset (or none) the wire carried."""

OPEN_ENUM = Field(union_mode="left_to_right")
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
