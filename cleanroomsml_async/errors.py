"""Everything the client raises, and the one place where lower layers' errors become ours.

Invalid input is the exception: it raises ``pydantic.ValidationError`` before anything is sent.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from botocore import exceptions as botocore_errors

# aiohttp and botocore.parsers are imported on first use: see _lower_layer_errors.

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
    ``InternalServerException``) raises a plain ``ServiceError`` with that ``code``.

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


class AccessDeniedException(ServiceError):
    """The caller lacks permission for the action, or the request was not signed (HTTP 403)."""


class ConflictException(ServiceError):
    """The request conflicts with existing state, e.g. an export job name already in use (409)."""


class ResourceNotFoundException(ServiceError):
    """The named resource does not exist (HTTP 404)."""


class ServiceQuotaExceededException(ServiceError):
    """A service quota would be exceeded (HTTP 402); not retried, as waiting will not help."""


class ThrottlingException(ServiceError):
    """The service throttled the request (HTTP 429); it is retried by the RetryPolicy."""


class ValidationException(ServiceError):
    """The service refused the request's input (HTTP 400).

    The models check everything the service model states before sending, so this means a rule
    that only the service can check, one that depends on the state of other resources, say.
    """


class PaginationError(CleanRoomsMLError):
    """The service repeated a page token, so following it would loop forever.

    The items of the pages before it have been yielded; the iteration stops here.
    """


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

_ErrorTypes = tuple[type[BaseException], ...]


@functools.cache
def _lower_layer_errors() -> tuple[_ErrorTypes, _ErrorTypes, type[BaseException]]:
    """(timeouts, transport failures, botocore's ResponseParserError), imported once, lazily.

    Why lazily: aiohttp and botocore.parsers were about 40% of ``import cleanroomsml_async``,
    and only an error from a client that has sent something needs them, by when aiobotocore
    has imported them anyway.
    """
    import aiohttp

    # FIX (test suite, tests/test_client_lifecycle.py): ResponseParserError lives in
    # botocore.parsers, not botocore.exceptions; looking it up there raised AttributeError
    # inside translate() for every BotoCoreError that reached that line (NoRegionError,
    # NoCredentialsError, ...), so callers got an AttributeError instead of a
    # ConfigurationError.
    from botocore.parsers import ResponseParserError

    timeouts = (
        botocore_errors.ConnectTimeoutError,
        botocore_errors.ReadTimeoutError,
        asyncio.TimeoutError,
        aiohttp.ServerTimeoutError,
    )
    transport = (
        botocore_errors.HTTPClientError,
        botocore_errors.ConnectionError,
        aiohttp.ClientError,
        ConnectionError,
    )
    return timeouts, transport, ResponseParserError


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
    timeouts, transport, response_parser_error = _lower_layer_errors()
    if isinstance(error, timeouts):
        return TransportTimeoutError(_describe(error), operation_name=operation_name)
    if isinstance(error, transport):
        return TransportError(_describe(error), operation_name=operation_name)
    # FIX: was botocore_errors.ResponseParserError
    if isinstance(error, response_parser_error):
        return ResponseError(_describe(error), operation_name=operation_name, request_id=None)
    if isinstance(error, botocore_errors.BotoCoreError):
        return ConfigurationError(_with_hint(error), operation_name=operation_name)
    return error


#: How to fix the configuration errors a new user meets first.
_HINTS: tuple[tuple[type[BaseException], str], ...] = (
    (
        botocore_errors.NoRegionError,
        "pass region_name= (e.g. CleanRoomsMLClient(region_name='us-east-1')), set the "
        "AWS_DEFAULT_REGION environment variable, or set region in your AWS profile "
        "(~/.aws/config, chosen with AWS_PROFILE)",
    ),
    (
        botocore_errors.NoCredentialsError,
        "pass aws_access_key_id= and aws_secret_access_key= to the client, set the "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables, or configure a "
        "profile (~/.aws/credentials, chosen with AWS_PROFILE; `aws configure` writes one)",
    ),
)


def _with_hint(error: BaseException) -> str:
    for error_type, hint in _HINTS:
        if isinstance(error, error_type):
            return f"{_describe(error)} To fix it: {hint}."
    return _describe(error)


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__
