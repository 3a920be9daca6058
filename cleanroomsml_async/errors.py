"""Everything the client raises, and the one place where lower layers' errors become ours.

Invalid input is the exception: it raises ``pydantic.ValidationError`` before anything is sent.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from botocore import exceptions as botocore_errors

__all__ = [
    "AccessDeniedException",
    "CleanRoomsMLError",
    "ConfigurationError",
    "ConflictException",
    "PaginationError",
    "ResourceNotFoundException",
    "ResponseError",
    "ServiceError",
    "ServiceQuotaExceededException",
    "ThrottlingException",
    "TransportError",
    "TransportTimeoutError",
    "ValidationException",
]


class CleanRoomsMLError(Exception):
    """Base of everything the client raises, invalid input aside."""

    def __init__(self, message: str, *, operation_name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.operation_name = operation_name


class ServiceError(CleanRoomsMLError):
    """The service answered with an error; ``code`` says which."""

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


class AccessDeniedException(ServiceError):
    """The caller lacks permission for the action, or the request was not signed."""


class ConflictException(ServiceError):
    """The request conflicts with existing state, e.g. an export job name already in use."""


class ResourceNotFoundException(ServiceError):
    """The named resource does not exist."""


class ServiceQuotaExceededException(ServiceError):
    """A service quota would be exceeded."""


class ThrottlingException(ServiceError):
    """The service throttled the request (HTTP 429); it is retried by the RetryPolicy."""


class ValidationException(ServiceError):
    """The service refused the request's input."""


class PaginationError(CleanRoomsMLError):
    """The service repeated a page token, so following it would loop forever."""


class ResponseError(CleanRoomsMLError):
    """A response body was unparseable or did not match its operation's model."""

    def __init__(self, message: str, *, operation_name: str, request_id: str | None) -> None:
        super().__init__(message, operation_name=operation_name)
        self.request_id = request_id

    def __str__(self) -> str:
        return f"{self.operation_name} (request id {self.request_id}): {self.message}"


class TransportError(CleanRoomsMLError):
    """The request got no complete answer: the connection failed or dropped."""

    def __str__(self) -> str:
        return f"{self.operation_name}: {self.message}"


class TransportTimeoutError(TransportError):
    """No answer came within the connect or read timeout, or the retry budget ran out."""


class ConfigurationError(CleanRoomsMLError):
    """The client could not make a request at all: no credentials, no region, bad endpoint."""


_SERVICE_ERRORS: dict[str, type[ServiceError]] = {
    cls.__name__: cls
    for cls in (
        AccessDeniedException,
        ConflictException,
        ResourceNotFoundException,
        ServiceQuotaExceededException,
        ThrottlingException,
        ValidationException,
    )
}

_TIMEOUTS = (
    botocore_errors.ConnectTimeoutError,
    botocore_errors.ReadTimeoutError,
    asyncio.TimeoutError,
    aiohttp.ServerTimeoutError,
)
_TRANSPORT = (
    botocore_errors.HTTPClientError,
    botocore_errors.ConnectionError,
    aiohttp.ClientError,
    ConnectionError,
)


def service_error(response: dict[str, Any], operation_name: str) -> ServiceError:
    """The error class for a parsed botocore error response (a ``ClientError.response``)."""
    error = response.get("Error", {})
    metadata = response.get("ResponseMetadata", {})
    code = str(error.get("Code") or "Unknown")
    cls = _SERVICE_ERRORS.get(code, ServiceError)
    return cls(
        str(error.get("Message") or ""),
        code=code,
        operation_name=operation_name,
        status_code=metadata.get("HTTPStatusCode"),
        request_id=metadata.get("RequestId") or None,
    )


def translate(error: BaseException, operation_name: str) -> BaseException:
    """Our exception for an error from the layers below; anything unknown passes unchanged.

    The caller raises the result ``from error``, so the original stays as ``__cause__``.
    """
    if isinstance(error, botocore_errors.ClientError):
        return service_error(error.response, operation_name)
    if isinstance(error, _TIMEOUTS):
        return TransportTimeoutError(_describe(error), operation_name=operation_name)
    if isinstance(error, _TRANSPORT):
        return TransportError(_describe(error), operation_name=operation_name)
    if isinstance(error, botocore_errors.ResponseParserError):
        return ResponseError(_describe(error), operation_name=operation_name, request_id=None)
    if isinstance(error, botocore_errors.BotoCoreError):
        return ConfigurationError(_describe(error), operation_name=operation_name)
    return error


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__
