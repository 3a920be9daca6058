"""The exception hierarchy's mechanisms: the base classes every error of the client derives from.

The per-error-shape classes (``ThrottlingException``, ...) are generated from the service
model into ``_service_errors``; ``errors`` is the public module that gathers both and maps the
lower layers' exceptions to them.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CleanRoomsMLError",
    "ConfigurationError",
    "PaginationError",
    "ResponseError",
    "ServiceError",
    "TransportError",
    "TransportTimeoutError",
    "WaiterError",
    "WaiterFailedError",
    "WaiterTimeoutError",
]


class CleanRoomsMLError(Exception):
    """Base of everything the client raises, invalid input aside.

    Catch it to handle every failure of a call in one place. The lower layer's exception it
    came from (botocore, aiohttp, pydantic), if any, is its ``__cause__``.

    Attributes:
        message: What went wrong, in words.
        operation_name: The operation that failed, e.g. ``"GetAudienceModel"``, where known.
    """

    def __init__(self, message: str, *, operation_name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.operation_name = operation_name


class ServiceError(CleanRoomsMLError):
    """The service answered with an error; ``code`` says which.

    Each error code the service models has its own subclass; any other code (e.g.
    ``ServiceUnavailableException``) raises a plain ``ServiceError`` with that ``code``.

    Attributes:
        code: The service's error code, e.g. ``"ThrottlingException"``.
        message: The service's error message.
        operation_name: The operation that failed, e.g. ``"GetAudienceModel"``.
        status_code: The HTTP status of the response, e.g. ``429``.
        request_id: The service's ``x-amzn-RequestId``, to quote to AWS Support.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        operation_name: str,
        status_code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, operation_name=operation_name)
        self.code = code
        self.status_code = status_code
        self.request_id = request_id

    def __str__(self) -> str:
        return (
            f"{self.operation_name} failed with {self.code} (HTTP {self.status_code}, "
            f"request id {self.request_id}): {self.message}"
        )


class PaginationError(CleanRoomsMLError):
    """The service repeated a page token, so following it would loop forever.

    The items of the pages before it have been yielded; the iteration stops here.
    """


class WaiterError(CleanRoomsMLError):
    """A waiter gave up before its resource became ACTIVE.

    Attributes:
        last_response: The last response model the waiter read, or None if none came.
        status: The status that response had, or None.
    """

    def __init__(self, message: str, *, last_response: Any, status: str | None) -> None:
        super().__init__(message)
        self.last_response = last_response
        self.status = status


class WaiterFailedError(WaiterError):
    """The resource reached a state from which it cannot become ACTIVE (``CREATE_FAILED``, ...)."""


class WaiterTimeoutError(WaiterError):
    """The waiter's timeout passed before the resource became ACTIVE."""


class ResponseError(CleanRoomsMLError):
    """A response body was unparseable or did not match its operation's model.

    The pydantic or parser error is its ``__cause__``. Not retried: the same request would get
    the same answer.

    Attributes:
        request_id: The service's request id of the response, where there is one.
    """

    def __init__(self, message: str, *, operation_name: str, request_id: str | None) -> None:
        super().__init__(message, operation_name=operation_name)
        self.request_id = request_id

    def __str__(self) -> str:
        return f"{self.operation_name} (request id {self.request_id}): {self.message}"


class TransportError(CleanRoomsMLError):
    """The request got no complete answer: the connection failed or dropped.

    Retried by the ``RetryPolicy``; raised once attempts (or the retry budget) run out.
    """

    def __str__(self) -> str:
        return f"{self.operation_name}: {self.message}"


class TransportTimeoutError(TransportError):
    """No answer came within the connect or read timeout, or the retry budget ran out."""


class ConfigurationError(CleanRoomsMLError):
    """The client could not make a request at all: no credentials, no region, bad endpoint.

    Not retried: fix the configuration (environment, profile or constructor arguments).
    """
