"""What the client knows of one operation, as data: the generated table is made of these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from cleanroomsml_async._modelbase import RequestModel, ResponseModel

__all__ = ["APIOperation"]

RequestT = TypeVar("RequestT", bound=RequestModel)
ResponseT = TypeVar("ResponseT", bound=ResponseModel)


@dataclass(frozen=True, slots=True)
class APIOperation(Generic[RequestT, ResponseT]):
    """One operation of the service: its names, its models, its paginator and its errors.

    ``output`` is ``ResponseModel`` itself for an operation with no output shape (its empty
    body is read as an empty response, and the method returns ``None``). ``items`` names the
    page field that holds a paginated operation's items (the paginator's ``result_key``).
    """

    name: str
    method: str
    input: type[RequestT]
    output: type[ResponseT]
    items: str | None = None
    errors: tuple[str, ...] = ()

    def validated(self, request: RequestT | None, fields: dict[str, Any]) -> RequestT:
        """The checked request, from a request model or from keyword arguments (not both)."""
        model = self.input
        if request is None:
            return model(**{name: value for name, value in fields.items() if value is not None})
        if not isinstance(request, model):
            raise TypeError(f"expected a {model.__name__}, got {type(request).__name__}")
        if any(value is not None for value in fields.values()):
            raise TypeError("pass either a request model or keyword arguments, not both")
        return request
