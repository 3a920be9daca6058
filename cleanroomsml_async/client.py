"""The async client: every operation, validated before sending, retried, typed on return."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, overload

from cleanroomsml_async._base_client import BaseClient
from cleanroomsml_async._modelbase import ResponseModel
from cleanroomsml_async._operation import APIOperation
from cleanroomsml_async.models import (
    AudienceExportJobSummary,
    AudienceGenerationJobSummary,
    AudienceSize,
    CollaborationTrainedModelExportJobSummary,
    GetAudienceModelRequest,
    GetAudienceModelResponse,
    ListAudienceExportJobsRequest,
    ListAudienceExportJobsResponse,
    ListAudienceGenerationJobsRequest,
    ListAudienceGenerationJobsResponse,
    ListCollaborationTrainedModelExportJobsRequest,
    ListCollaborationTrainedModelExportJobsResponse,
    StartAudienceExportJobRequest,
)
from cleanroomsml_async.pagination import AsyncPager

__all__ = ["CleanRoomsMLClient"]

_LIST_AUDIENCE_EXPORT_JOBS = APIOperation(
    "ListAudienceExportJobs",
    "list_audience_export_jobs",
    ListAudienceExportJobsRequest,
    ListAudienceExportJobsResponse,
    items="audience_export_jobs",
)
_LIST_AUDIENCE_GENERATION_JOBS = APIOperation(
    "ListAudienceGenerationJobs",
    "list_audience_generation_jobs",
    ListAudienceGenerationJobsRequest,
    ListAudienceGenerationJobsResponse,
    items="audience_generation_jobs",
)
_LIST_TRAINED_MODEL_EXPORT_JOBS = APIOperation(
    "ListCollaborationTrainedModelExportJobs",
    "list_collaboration_trained_model_export_jobs",
    ListCollaborationTrainedModelExportJobsRequest,
    ListCollaborationTrainedModelExportJobsResponse,
    items="collaboration_trained_model_export_jobs",
)
_GET_AUDIENCE_MODEL = APIOperation(
    "GetAudienceModel", "get_audience_model", GetAudienceModelRequest, GetAudienceModelResponse
)
_START_AUDIENCE_EXPORT_JOB = APIOperation(
    "StartAudienceExportJob",
    "start_audience_export_job",
    StartAudienceExportJobRequest,
    ResponseModel,
)


class CleanRoomsMLClient(BaseClient):
    """An async client for AWS Clean Rooms ML."""

    # -- the operations --------------------------------------------------------------------

    def list_audience_export_jobs(
        self,
        request: ListAudienceExportJobsRequest | None = None,
        /,
        *,
        audience_generation_job_arn: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> AsyncPager[AudienceExportJobSummary, ListAudienceExportJobsResponse]:
        """The audience export jobs, optionally of one audience generation job, page by page.

        Nothing is sent until the pager is used: ``await`` it for the first page, ``async for``
        over it for every job, or see ``AsyncPager`` for pages, lists and prefetching.

        Args:
            request: The whole request as one model, instead of the keyword arguments.
            audience_generation_job_arn: Only the export jobs of this audience generation job.
            max_results: Items per page, 1 to 100 (the service's default is 100).
            next_token: Start at the page this token names (a ``next_token`` of an earlier
                page) instead of at the first page.

        Returns:
            A pager of ``AudienceExportJobSummary`` items and
                ``ListAudienceExportJobsResponse`` pages.

        Raises:
            pydantic.ValidationError: At once, when an argument is one the service would refuse.
        """
        validated = _LIST_AUDIENCE_EXPORT_JOBS.validated(
            request,
            {
                "audience_generation_job_arn": audience_generation_job_arn,
                "max_results": max_results,
                "next_token": next_token,
            },
        )
        return self._pager(_LIST_AUDIENCE_EXPORT_JOBS, validated)

    def list_audience_generation_jobs(
        self,
        request: ListAudienceGenerationJobsRequest | None = None,
        /,
        *,
        configured_audience_model_arn: str | None = None,
        collaboration_id: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> AsyncPager[AudienceGenerationJobSummary, ListAudienceGenerationJobsResponse]:
        """The audience generation jobs, optionally of one configured model or collaboration.

        Nothing is sent until the pager is used: ``await`` it for the first page, ``async for``
        over it for every job, or see ``AsyncPager`` for pages, lists and prefetching.

        Args:
            request: The whole request as one model, instead of the keyword arguments.
            configured_audience_model_arn: Only the jobs of this configured audience model.
            collaboration_id: Only the jobs of this collaboration (a lowercase UUID).
            max_results: Items per page, 1 to 100 (the service's default is 100).
            next_token: Start at the page this token names (a ``next_token`` of an earlier
                page) instead of at the first page.

        Returns:
            A pager of ``AudienceGenerationJobSummary`` items and
                ``ListAudienceGenerationJobsResponse`` pages.

        Raises:
            pydantic.ValidationError: At once, when an argument is one the service would refuse.
        """
        validated = _LIST_AUDIENCE_GENERATION_JOBS.validated(
            request,
            {
                "configured_audience_model_arn": configured_audience_model_arn,
                "collaboration_id": collaboration_id,
                "max_results": max_results,
                "next_token": next_token,
            },
        )
        return self._pager(_LIST_AUDIENCE_GENERATION_JOBS, validated)

    @overload
    def list_collaboration_trained_model_export_jobs(
        self, request: ListCollaborationTrainedModelExportJobsRequest, /
    ) -> AsyncPager[
        CollaborationTrainedModelExportJobSummary, ListCollaborationTrainedModelExportJobsResponse
    ]: ...

    @overload
    def list_collaboration_trained_model_export_jobs(
        self,
        /,
        *,
        collaboration_identifier: str,
        trained_model_arn: str,
        trained_model_version_identifier: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> AsyncPager[
        CollaborationTrainedModelExportJobSummary, ListCollaborationTrainedModelExportJobsResponse
    ]: ...

    def list_collaboration_trained_model_export_jobs(
        self,
        request: ListCollaborationTrainedModelExportJobsRequest | None = None,
        /,
        *,
        collaboration_identifier: str | None = None,
        trained_model_arn: str | None = None,
        trained_model_version_identifier: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> AsyncPager[
        CollaborationTrainedModelExportJobSummary, ListCollaborationTrainedModelExportJobsResponse
    ]:
        """The export jobs of one trained model in one collaboration, page by page.

        Nothing is sent until the pager is used: ``await`` it for the first page, ``async for``
        over it for every job, or see ``AsyncPager`` for pages, lists and prefetching.

        Args:
            request: The whole request as one model, instead of the keyword arguments.
            collaboration_identifier: The collaboration (a lowercase UUID). Required.
            trained_model_arn: The trained model whose export jobs to list. Required.
            trained_model_version_identifier: Only the export jobs of this model version.
            max_results: Items per page, 1 to 100 (the service's default is 100).
            next_token: Start at the page this token names (a ``next_token`` of an earlier
                page) instead of at the first page.

        Returns:
            A pager of ``CollaborationTrainedModelExportJobSummary`` items and
                ``ListCollaborationTrainedModelExportJobsResponse`` pages.

        Raises:
            pydantic.ValidationError: At once, when an argument is one the service would
                refuse or a required one is missing.
        """
        validated = _LIST_TRAINED_MODEL_EXPORT_JOBS.validated(
            request,
            {
                "collaboration_identifier": collaboration_identifier,
                "trained_model_arn": trained_model_arn,
                "trained_model_version_identifier": trained_model_version_identifier,
                "max_results": max_results,
                "next_token": next_token,
            },
        )
        return self._pager(_LIST_TRAINED_MODEL_EXPORT_JOBS, validated)

    @overload
    async def start_audience_export_job(
        self, request: StartAudienceExportJobRequest, /
    ) -> None: ...

    @overload
    async def start_audience_export_job(
        self,
        /,
        *,
        name: str,
        audience_generation_job_arn: str,
        audience_size: AudienceSize | Mapping[str, Any],
        description: str | None = None,
    ) -> None: ...

    async def start_audience_export_job(
        self,
        request: StartAudienceExportJobRequest | None = None,
        /,
        *,
        name: str | None = None,
        audience_generation_job_arn: str | None = None,
        audience_size: AudienceSize | Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> None:
        """Export the audience of a generation job; the new export job starts CREATE_PENDING.

        The service answers with no body, so this returns ``None`` once the job is accepted;
        ``list_audience_export_jobs(audience_generation_job_arn=...)`` shows it and its status.

        Args:
            request: The whole request as one model, instead of the keyword arguments.
            name: The export job's name, 1 to 63 characters, not blank. Required.
            audience_generation_job_arn: The audience generation job to export. Required.
            audience_size: An ``AudienceSize`` or a mapping such as
                ``{"type": "ABSOLUTE", "value": 1000}``; it must match one of the sizes of the
                configured audience model. Required.
            description: Up to 255 characters.

        Raises:
            pydantic.ValidationError: Before sending, when an argument is one the service
                would refuse or a required one is missing.
            ConflictException: An export job of that name already exists.
            ResourceNotFoundException: The audience generation job does not exist.
            ServiceQuotaExceededException: No more export jobs are allowed.
        """
        validated = _START_AUDIENCE_EXPORT_JOB.validated(
            request,
            {
                "name": name,
                "audience_generation_job_arn": audience_generation_job_arn,
                "audience_size": audience_size,
                "description": description,
            },
        )
        await self._call(_START_AUDIENCE_EXPORT_JOB, validated)

    @overload
    async def get_audience_model(
        self, request: GetAudienceModelRequest, /
    ) -> GetAudienceModelResponse: ...

    @overload
    async def get_audience_model(
        self, /, *, audience_model_arn: str
    ) -> GetAudienceModelResponse: ...

    async def get_audience_model(
        self,
        request: GetAudienceModelRequest | None = None,
        /,
        *,
        audience_model_arn: str | None = None,
    ) -> GetAudienceModelResponse:
        """One audience model, by ARN.

        Args:
            request: The whole request as one model, instead of the keyword argument.
            audience_model_arn: The audience model's ARN. Required.

        Returns:
            The model's name, status, timestamps and settings.

        Raises:
            pydantic.ValidationError: Before sending, when the ARN is not an audience model ARN.
            ResourceNotFoundException: No audience model has that ARN.
        """
        validated = _GET_AUDIENCE_MODEL.validated(
            request, {"audience_model_arn": audience_model_arn}
        )
        return await self._call(_GET_AUDIENCE_MODEL, validated)
