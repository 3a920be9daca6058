"""The botocore service model: the emulator's single source of truth for the wire protocol."""

from __future__ import annotations

import functools
from typing import Any

from cleanroomsml_async import _service_model

SERVICE_NAME = "cleanroomsml"
# SigV4 signs with the endpoint prefix, not the botocore service name.
SIGNING_NAME = "cleanrooms-ml"

LIST_AUDIENCE_EXPORT_JOBS = "ListAudienceExportJobs"
LIST_AUDIENCE_GENERATION_JOBS = "ListAudienceGenerationJobs"
START_AUDIENCE_EXPORT_JOB = "StartAudienceExportJob"
LIST_COLLABORATION_TRAINED_MODEL_EXPORT_JOBS = "ListCollaborationTrainedModelExportJobs"
GET_AUDIENCE_MODEL = "GetAudienceModel"

OPERATION_NAMES: tuple[str, ...] = (
    LIST_AUDIENCE_EXPORT_JOBS,
    LIST_AUDIENCE_GENERATION_JOBS,
    START_AUDIENCE_EXPORT_JOB,
    LIST_COLLABORATION_TRAINED_MODEL_EXPORT_JOBS,
    GET_AUDIENCE_MODEL,
)
LIST_OPERATIONS: frozenset[str] = frozenset(
    {
        LIST_AUDIENCE_EXPORT_JOBS,
        LIST_AUDIENCE_GENERATION_JOBS,
        LIST_COLLABORATION_TRAINED_MODEL_EXPORT_JOBS,
    }
)

# Codes the service sends that are not modelled as error shapes in service-2.json.
_UNMODELLED_ERROR_STATUS: dict[str, int] = {
    "UnknownOperationException": 404,
    "InternalServerException": 500,
    "ServiceUnavailableException": 503,
}


@functools.cache
def service_model() -> Any:
    """The botocore ServiceModel of the vendored cleanroomsml description."""
    return _service_model.service_model()


def operation_model(name: str) -> Any:
    """The botocore OperationModel of one operation."""
    return service_model().operation_model(name)


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
