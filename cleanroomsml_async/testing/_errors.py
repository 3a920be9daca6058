"""Service errors as the emulator raises them internally and sends them on the wire."""

from __future__ import annotations

from typing import Any

from cleanroomsml_async.testing._service import error_status


class ApiError(Exception):
    """An error response: code, message, HTTP status and any extra members of its shape."""

    def __init__(
        self, code: str, message: str, *, status: int | None = None, **extra: Any
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = error_status(code) if status is None else status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body of the rest-json error response."""
        return {"message": self.message, **self.extra}


def validation_error(message: str) -> ApiError:
    """A ValidationException (HTTP 400)."""
    return ApiError("ValidationException", message)
