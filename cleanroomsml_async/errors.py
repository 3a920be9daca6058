"""Everything the client raises, and the one place where lower layers' errors become ours.

Invalid input is the exception: it raises ``pydantic.ValidationError`` before anything is sent.
The hierarchy's base classes live in ``_exceptions``; the classes of the service's error shapes
are generated into ``_service_errors``.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from botocore import exceptions as botocore_errors

from cleanroomsml_async._exceptions import (
    CleanRoomsMLError,
    ConfigurationError,
    PaginationError,
    ResponseError,
    ServiceError,
    TransportError,
    TransportTimeoutError,
    WaiterError,
    WaiterFailedError,
    WaiterTimeoutError,
)
from cleanroomsml_async._service_errors import (
    SERVICE_ERRORS,
    AccessDeniedException,
    ConflictException,
    InternalServiceException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ThrottlingException,
    ValidationException,
)

# aiohttp and botocore.parsers are imported on first use: see _lower_layer_errors.

__all__ = [
    "AccessDeniedException",
    "CleanRoomsMLError",
    "ConfigurationError",
    "ConflictException",
    "InternalServiceException",
    "PaginationError",
    "ResourceNotFoundException",
    "ResponseError",
    "ServiceError",
    "ServiceQuotaExceededException",
    "ThrottlingException",
    "TransportError",
    "TransportTimeoutError",
    "ValidationException",
    "WaiterError",
    "WaiterFailedError",
    "WaiterTimeoutError",
]


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
    cls = SERVICE_ERRORS.get(code, ServiceError)
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


# Tracebacks and reprs name the module users import them from, not where they are defined.
for _public in __all__:
    globals()[_public].__module__ = __name__
