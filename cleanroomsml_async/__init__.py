"""Typed async client for AWS Clean Rooms ML, over aiobotocore.

async with CleanRoomsMLClient(region_name="us-east-1") as client:
    async for job in client.list_audience_export_jobs():
        print(job.name, job.status)
"""

from cleanroomsml_async._response_metadata import ResponseMetadata
from cleanroomsml_async._version import __version__
from cleanroomsml_async.client import CleanRoomsMLClient
from cleanroomsml_async.errors import (
    AccessDeniedException,
    CleanRoomsMLError,
    ConfigurationError,
    ConflictException,
    InternalServiceException,
    PaginationError,
    ResourceNotFoundException,
    ResponseError,
    ServiceError,
    ServiceQuotaExceededException,
    ThrottlingException,
    TransportError,
    TransportTimeoutError,
    ValidationException,
    WaiterError,
    WaiterFailedError,
    WaiterTimeoutError,
)
from cleanroomsml_async.hooks import AttemptEvent, CallEvent
from cleanroomsml_async.pagination import AsyncPager
from cleanroomsml_async.retry import RetryPolicy

__all__ = [
    "AccessDeniedException",
    "AsyncPager",
    "AttemptEvent",
    "CallEvent",
    "CleanRoomsMLClient",
    "CleanRoomsMLError",
    "ConfigurationError",
    "ConflictException",
    "InternalServiceException",
    "PaginationError",
    "ResourceNotFoundException",
    "ResponseError",
    "ResponseMetadata",
    "RetryPolicy",
    "ServiceError",
    "ServiceQuotaExceededException",
    "ThrottlingException",
    "TransportError",
    "TransportTimeoutError",
    "ValidationException",
    "WaiterError",
    "WaiterFailedError",
    "WaiterTimeoutError",
    "__version__",
]
