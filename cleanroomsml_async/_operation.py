"""What the client knows of one operation, as data: the generated table is made of these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from cleanroomsml_async import models
from cleanroomsml_async._modelbase import RequestModel, ResponseModel

__all__ = ["APIOperation"]

RequestT = TypeVar("RequestT", bound=RequestModel)
ResponseT = TypeVar("ResponseT", bound=ResponseModel)


@dataclass(frozen=True, slots=True)
class APIOperation(Generic[RequestT, ResponseT]):
    """One operation of the service: its names, its models, its paginator and its errors.

    The models are named, not held: ``input`` and ``output`` import them on first use, so the
    table costs nothing at import. ``output_name`` is ``None`` for an operation with no output
    shape (its empty body is read as an empty ``ResponseModel``, and the method returns
    ``None``). ``items`` names the page field that holds a paginated operation's items (the
    paginator's ``result_key``).
    """

    name: str
    method: str
    input_name: str
    output_name: str | None
    items: str | None = None
    errors: tuple[str, ...] = ()

    @property
    def input(self) -> type[RequestT]:
        """The request model."""
        return cast("type[RequestT]", getattr(models, self.input_name))

    @property
    def output(self) -> type[ResponseT]:
        """The response model (``ResponseModel`` itself when the operation has no output)."""
        if self.output_name is None:
            return cast("type[ResponseT]", ResponseModel)
        return cast("type[ResponseT]", getattr(models, self.output_name))

    @property
    def output_ready(self) -> bool:
        """Whether the response model is imported and its validator built (a cheap check)."""
        if self.output_name is None:
            return True
        model = vars(models).get(self.output_name)
        return model is not None and bool(model.__pydantic_complete__)

    def prepare_output(self) -> None:
        """Import the response model and build its validator, unless that is done."""
        try:
            self.output.model_rebuild()
        except Exception:
            # Run from the event loop while a request is in flight: a failure here would be
            # reported as a stray callback error; reading the response raises it properly.
            return

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
