"""The botocore service model: the emulator's single source of truth for the wire protocol."""

from __future__ import annotations

import functools
from typing import Any

from cleanroomsml_async import _service_model

SERVICE_NAME = "cleanroomsml"
# SigV4 signs with the endpoint prefix, not the botocore service name.
SIGNING_NAME = "cleanrooms-ml"


@functools.cache
def service_model() -> Any:
    """The botocore ServiceModel of the vendored cleanroomsml description."""
    return _service_model.service_model()


def operation_model(name: str) -> Any:
    """The botocore OperationModel of one operation."""
    return service_model().operation_model(name)


#: Every operation of the service, in the model's order.
OPERATION_NAMES: tuple[str, ...] = tuple(service_model().operation_names)
#: The operations that page (those with a paginator, which are those taking a nextToken).
LIST_OPERATIONS: frozenset[str] = frozenset(_service_model.paginator_config())

# Codes the service sends that are not modelled as error shapes in service-2.json.
_UNMODELLED_ERROR_STATUS: dict[str, int] = {
    "UnknownOperationException": 404,
    "InternalServerException": 500,
    "ServiceUnavailableException": 503,
    "InvalidSignatureException": 403,
    "UnrecognizedClientException": 403,
    "IncompleteSignatureException": 403,
    "RequestEntityTooLargeException": 413,
}


@functools.cache
def error_status(code: str) -> int:
    """The HTTP status the service uses for an error code (400 for codes it does not model)."""
    if code in _UNMODELLED_ERROR_STATUS:
        return _UNMODELLED_ERROR_STATUS[code]
    model = service_model()
    if code in model.shape_names:
        error = model.shape_for(code).metadata.get("error") or {}
        status = error.get("httpStatusCode")
        if isinstance(status, int):
            return status
    return 400
