"""What each of the five operations does to the store, given its validated input."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from cleanroomsml_async.testing import _service as svc
from cleanroomsml_async.testing._errors import ApiError
from cleanroomsml_async.testing._faults import FaultPlan
from cleanroomsml_async.testing._store import Resource, Store, Table
from cleanroomsml_async.testing._wire import export_output_location, format_timestamp

Handler = Callable[[dict[str, Any], FaultPlan], dict[str, Any]]


@dataclass(slots=True)
class Settings:
    """The emulator's tunable behaviour; changes apply to the next request."""

    export_job_activation_delay: float
    page_size: int
    export_job_quota: int | None
    output_bucket: str
    # How the last page says "no more": the service omits nextToken, but clients must also
    # stop on an explicit null or empty string, and tests need a way to send those.
    last_page_token: Literal["absent", "null", "empty"] = "absent"


class Operations:
    """The service's behaviour, over one store."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._handlers: dict[str, Handler] = {
            svc.LIST_AUDIENCE_EXPORT_JOBS: self.list_audience_export_jobs,
            svc.LIST_AUDIENCE_GENERATION_JOBS: self.list_audience_generation_jobs,
            svc.START_AUDIENCE_EXPORT_JOB: self.start_audience_export_job,
            svc.LIST_COLLABORATION_TRAINED_MODEL_EXPORT_JOBS: (
                self.list_collaboration_trained_model_export_jobs
            ),
            svc.GET_AUDIENCE_MODEL: self.get_audience_model,
        }

    def call(self, operation: str, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        """Run one operation; returns the JSON body of its response or raises ApiError."""
        return self._handlers[operation](params, plan)

    def list_audience_export_jobs(self, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        """ListAudienceExportJobs."""
        self.store.settle_now()
        return self._list(
            svc.LIST_AUDIENCE_EXPORT_JOBS,
            "audienceExportJobs",
            self.store.audience_export_jobs,
            _filters(params, "audienceGenerationJobArn"),
            params,
            plan,
        )

    def list_audience_generation_jobs(
        self, params: dict[str, Any], plan: FaultPlan
    ) -> dict[str, Any]:
        """ListAudienceGenerationJobs."""
        return self._list(
            svc.LIST_AUDIENCE_GENERATION_JOBS,
            "audienceGenerationJobs",
            self.store.audience_generation_jobs,
            _filters(params, "configuredAudienceModelArn", "collaborationId"),
            params,
            plan,
        )

    def list_collaboration_trained_model_export_jobs(
        self, params: dict[str, Any], plan: FaultPlan
    ) -> dict[str, Any]:
        """ListCollaborationTrainedModelExportJobs."""
        return self._list(
            svc.LIST_COLLABORATION_TRAINED_MODEL_EXPORT_JOBS,
            "collaborationTrainedModelExportJobs",
            self.store.trained_model_export_jobs,
            _filters(
                params,
                "collaborationIdentifier",
                "trainedModelArn",
                "trainedModelVersionIdentifier",
            ),
            params,
            plan,
        )

    def start_audience_export_job(self, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        """StartAudienceExportJob: a new job in CREATE_PENDING that turns ACTIVE later."""
        store = self.store
        name: str = params["name"]
        generation_job_arn: str = params["audienceGenerationJobArn"]
        if store.audience_generation_job(generation_job_arn) is None:
            raise ApiError(
                "ResourceNotFoundException",
                f"Audience generation job {generation_job_arn} does not exist.",
            )
        if store.has_audience_export_job(generation_job_arn, name):
            raise ApiError(
                "ConflictException",
                f"An audience export job named '{name}' already exists for "
                f"audience generation job {generation_job_arn}.",
            )
        quota = self.settings.export_job_quota
        if quota is not None and store.count_audience_export_jobs(generation_job_arn) >= quota:
            raise ApiError(
                "ServiceQuotaExceededException",
                f"Audience generation job {generation_job_arn} already has {quota} export jobs.",
                quotaName="Audience export jobs per audience generation job",
                quotaValue=float(quota),
            )
        now = time.time()
        stamp = format_timestamp(now)
        size = params["audienceSize"]
        job: Resource = {
            "createTime": stamp,
            "updateTime": stamp,
            "name": name,
            "audienceGenerationJobArn": generation_job_arn,
            "audienceSize": {"type": size["type"], "value": size["value"]},
            "status": "CREATE_PENDING",
        }
        if params.get("description") is not None:
            job["description"] = params["description"]
        store.add_audience_export_jobs([job])
        location = export_output_location(self.settings.output_bucket, generation_job_arn, name)
        store.activate_later(job, now + self.settings.export_job_activation_delay, location)
        return {}

    def get_audience_model(self, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        """GetAudienceModel."""
        arn: str = params["audienceModelArn"]
        model = self.store.audience_models.get(arn)
        if model is None:
            raise ApiError("ResourceNotFoundException", f"Audience model {arn} does not exist.")
        return model

    def _list(
        self,
        operation: str,
        result_key: str,
        table: Table,
        filters: dict[str, str],
        params: dict[str, Any],
        plan: FaultPlan,
    ) -> dict[str, Any]:
        items, next_token = self.store.page(
            operation,
            table,
            filters,
            params.get("maxResults") or self.settings.page_size,
            params.get("nextToken"),
            empty=plan.empty_page,
            cycle=plan.token_cycle,
        )
        body: dict[str, Any] = {result_key: items}
        if next_token is not None:
            body["nextToken"] = next_token
        elif self.settings.last_page_token != "absent":
            body["nextToken"] = None if self.settings.last_page_token == "null" else ""
        return body


def _filters(params: dict[str, Any], *names: str) -> dict[str, str]:
    return {name: params[name] for name in names if params.get(name) is not None}
