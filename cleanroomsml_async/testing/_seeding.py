"""Putting resources into the emulator from code, with realistic defaults for every field.

Seeded values are stored as given and not validated, so a test can seed what a newer (or
misbehaving) service might send, an unknown status or an odd timestamp included.
"""

from __future__ import annotations

import functools
import gc
import itertools
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from cleanroomsml_async.testing._operations import Settings
from cleanroomsml_async.testing._store import Resource, Store
from cleanroomsml_async.testing._wire import (
    ArnFactory,
    TimeInput,
    export_output_location,
    format_timestamp,
    new_id,
    timestamp_series,
)


@dataclass(frozen=True, slots=True)
class DemoData:
    """What seed_demo_data() created, for building requests against it."""

    collaboration_id: str
    configured_audience_model_arns: tuple[str, ...]
    audience_model_arns: tuple[str, ...]
    audience_generation_job_arns: tuple[str, ...]
    membership_id: str
    trained_model_arn: str
    trained_model_version_ids: tuple[str, ...]


def _times(
    count: int, create_time: TimeInput | None, update_time: TimeInput | None
) -> Iterator[tuple[str, str]]:
    """(createTime, updateTime) per resource; defaults are now, a millisecond apart each."""
    given = create_time if create_time is not None else update_time
    if given is not None:
        created = format_timestamp(create_time if create_time is not None else given)
        updated = format_timestamp(update_time if update_time is not None else given)
        return itertools.repeat((created, updated), count)
    return ((stamp, stamp) for stamp in timestamp_series(time.time() - count / 1000, count))


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _without_gc(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Pause the cyclic garbage collector while the method runs.

    Bulk seeding allocates 100,000s of small dicts, and the collector's passes over the
    growing store would otherwise take about half of the time.
    """

    @functools.wraps(method)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if not gc.isenabled():
            return method(*args, **kwargs)
        gc.disable()
        try:
            return method(*args, **kwargs)
        finally:
            gc.enable()

    return paused


def _optional_time(value: TimeInput | None) -> str | None:
    return None if value is None else format_timestamp(value)


def _status_details(value: Mapping[str, str] | None) -> dict[str, str] | None:
    return None if value is None else dict(value)


class Seeding:
    """Seeding methods of LocalCleanRoomsML; each returns the stored resource(s), live."""

    _store: Store
    _settings: Settings
    arns: ArnFactory
    _names: dict[str, itertools.count[int]]

    def _next_names(self, prefix: str, count: int) -> list[str]:
        counter = self._names.setdefault(prefix, itertools.count(1))
        return [f"{prefix}-{next(counter)}" for _ in range(count)]

    # Audience models ----------------------------------------------------------------------

    def add_audience_model(
        self,
        *,
        name: str | None = None,
        audience_model_arn: str | None = None,
        status: str = "ACTIVE",
        training_dataset_arn: str | None = None,
        description: str | None = None,
        kms_key_arn: str | None = None,
        tags: Mapping[str, str] | None = None,
        status_details: Mapping[str, str] | None = None,
        create_time: TimeInput | None = None,
        update_time: TimeInput | None = None,
        training_data_start_time: TimeInput | None = None,
        training_data_end_time: TimeInput | None = None,
    ) -> Resource:
        """Store an audience model (what GetAudienceModel returns) and return it."""
        created, updated = next(_times(1, create_time, update_time))
        model: Resource = {
            "createTime": created,
            "updateTime": updated,
            "audienceModelArn": audience_model_arn or self.arns.audience_model(),
            "name": name if name is not None else self._next_names("audience-model", 1)[0],
            "trainingDatasetArn": training_dataset_arn or self.arns.training_dataset(),
            "status": status,
        }
        optional = {
            "trainingDataStartTime": _optional_time(training_data_start_time),
            "trainingDataEndTime": _optional_time(training_data_end_time),
            "statusDetails": _status_details(status_details),
            "kmsKeyArn": kms_key_arn,
            "tags": None if tags is None else dict(tags),
            "description": description,
        }
        model.update((key, value) for key, value in optional.items() if value is not None)
        self._store.add_audience_model(model)
        return model

    def add_audience_models(self, count: int, *, status: str = "ACTIVE") -> list[Resource]:
        """Store count audience models with generated names and ARNs."""
        return [self.add_audience_model(status=status) for _ in range(count)]

    # Audience generation jobs -------------------------------------------------------------

    def add_audience_generation_job(
        self,
        *,
        name: str | None = None,
        audience_generation_job_arn: str | None = None,
        configured_audience_model_arn: str | None = None,
        collaboration_id: str | None = None,
        status: str = "ACTIVE",
        description: str | None = None,
        started_by: str | None = None,
        create_time: TimeInput | None = None,
        update_time: TimeInput | None = None,
    ) -> Resource:
        """Store an audience generation job; missing ARNs and ids are generated."""
        return self.add_audience_generation_jobs(
            1,
            names=None if name is None else [name],
            audience_generation_job_arn=audience_generation_job_arn,
            configured_audience_model_arn=configured_audience_model_arn,
            collaboration_id=collaboration_id,
            status=status,
            description=description,
            started_by=started_by,
            create_time=create_time,
            update_time=update_time,
        )[0]

    @_without_gc
    def add_audience_generation_jobs(
        self,
        count: int,
        *,
        names: list[str] | None = None,
        audience_generation_job_arn: str | None = None,
        configured_audience_model_arn: str | None = None,
        collaboration_id: str | None = None,
        status: str = "ACTIVE",
        description: str | None = None,
        started_by: str | None = None,
        create_time: TimeInput | None = None,
        update_time: TimeInput | None = None,
    ) -> list[Resource]:
        """Store count audience generation jobs of one configured model and collaboration.

        Missing references are generated once and shared by the whole batch; names default
        to ``generation-job-<n>``.
        """
        if audience_generation_job_arn is not None and count != 1:
            raise ValueError("audience_generation_job_arn needs count=1")
        names = names if names is not None else self._next_names("generation-job", count)
        model_arn = configured_audience_model_arn or self.arns.configured_audience_model()
        collaboration = collaboration_id or new_id()
        account = started_by or self.arns.account_id
        jobs: list[Resource] = []
        for job_name, (created, updated) in zip(
            names, _times(count, create_time, update_time), strict=True
        ):
            job: Resource = {
                "createTime": created,
                "updateTime": updated,
                "audienceGenerationJobArn": (
                    audience_generation_job_arn or self.arns.audience_generation_job()
                ),
                "name": job_name,
                "status": status,
                "configuredAudienceModelArn": model_arn,
                "collaborationId": collaboration,
                "startedBy": account,
            }
            if description is not None:
                job["description"] = description
            jobs.append(job)
        self._store.add_audience_generation_jobs(jobs)
        return jobs

    # Audience export jobs -----------------------------------------------------------------

    def add_audience_export_job(
        self,
        *,
        name: str | None = None,
        audience_generation_job_arn: str | None = None,
        audience_size: Mapping[str, Any] | None = None,
        status: str | None = None,
        description: str | None = None,
        status_details: Mapping[str, str] | None = None,
        output_location: str | None = None,
        create_time: TimeInput | None = None,
        update_time: TimeInput | None = None,
        activate_after: float | None = None,
    ) -> Resource:
        """Store an audience export job (ACTIVE unless told otherwise).

        Without audience_generation_job_arn it belongs to the latest stored generation job
        (one is created if there is none). With activate_after it starts CREATE_PENDING and
        turns ACTIVE that many seconds later, as a job started over the API does.
        """
        return self.add_audience_export_jobs(
            1,
            names=None if name is None else [name],
            audience_generation_job_arn=audience_generation_job_arn,
            audience_size=audience_size,
            status=status,
            description=description,
            status_details=status_details,
            output_location=output_location,
            create_time=create_time,
            update_time=update_time,
            activate_after=activate_after,
        )[0]

    @_without_gc
    def add_audience_export_jobs(
        self,
        count: int,
        *,
        names: list[str] | None = None,
        audience_generation_job_arn: str | None = None,
        audience_size: Mapping[str, Any] | None = None,
        status: str | None = None,
        description: str | None = None,
        status_details: Mapping[str, str] | None = None,
        output_location: str | None = None,
        create_time: TimeInput | None = None,
        update_time: TimeInput | None = None,
        activate_after: float | None = None,
    ) -> list[Resource]:
        """Store count audience export jobs of one generation job (see add_audience_export_job).

        Names default to ``export-job-<n>``; a name already used for that generation job
        raises ValueError, as StartAudienceExportJob would refuse it.
        """
        if audience_generation_job_arn is None:
            parent = self._store.latest_audience_generation_job()
            if parent is None:
                parent = self.add_audience_generation_job()
            audience_generation_job_arn = parent["audienceGenerationJobArn"]
        names = names if names is not None else self._next_names("export-job", count)
        size = (
            dict(audience_size)
            if audience_size is not None
            else {"type": "ABSOLUTE", "value": 1000}
        )
        if status is None:
            status = "CREATE_PENDING" if activate_after is not None else "ACTIVE"
        bucket = self._settings.output_bucket
        jobs: list[Resource] = []
        for job_name, (created, updated) in zip(
            names, _times(count, create_time, update_time), strict=True
        ):
            job: Resource = {
                "createTime": created,
                "updateTime": updated,
                "name": job_name,
                "audienceGenerationJobArn": audience_generation_job_arn,
                "audienceSize": dict(size),
                "status": status,
            }
            if description is not None:
                job["description"] = description
            if status_details is not None:
                job["statusDetails"] = dict(status_details)
            if output_location is not None:
                job["outputLocation"] = output_location
            elif status == "ACTIVE":
                job["outputLocation"] = export_output_location(
                    bucket, audience_generation_job_arn, job_name
                )
            jobs.append(job)
        self._store.add_audience_export_jobs(jobs)
        if activate_after is not None:
            due = time.time() + activate_after
            for job in jobs:
                location = export_output_location(bucket, audience_generation_job_arn, job["name"])
                self._store.activate_later(job, due, location)
        return jobs

    # Trained model export jobs ------------------------------------------------------------

    def add_trained_model_export_job(
        self,
        *,
        name: str | None = None,
        collaboration_identifier: str | None = None,
        trained_model_arn: str | None = None,
        trained_model_version_identifier: str | None = None,
        membership_identifier: str | None = None,
        creator_account_id: str | None = None,
        receiver_account_id: str | None = None,
        status: str = "ACTIVE",
        description: str | None = None,
        status_details: Mapping[str, str] | None = None,
        create_time: TimeInput | None = None,
        update_time: TimeInput | None = None,
    ) -> Resource:
        """Store a collaboration trained model export job; missing ids and ARNs are generated."""
        return self.add_trained_model_export_jobs(
            1,
            names=None if name is None else [name],
            collaboration_identifier=collaboration_identifier,
            trained_model_arn=trained_model_arn,
            trained_model_version_identifier=trained_model_version_identifier,
            membership_identifier=membership_identifier,
            creator_account_id=creator_account_id,
            receiver_account_id=receiver_account_id,
            status=status,
            description=description,
            status_details=status_details,
            create_time=create_time,
            update_time=update_time,
        )[0]

    @_without_gc
    def add_trained_model_export_jobs(
        self,
        count: int,
        *,
        names: list[str] | None = None,
        collaboration_identifier: str | None = None,
        trained_model_arn: str | None = None,
        trained_model_version_identifier: str | None = None,
        membership_identifier: str | None = None,
        creator_account_id: str | None = None,
        receiver_account_id: str | None = None,
        status: str = "ACTIVE",
        description: str | None = None,
        status_details: Mapping[str, str] | None = None,
        create_time: TimeInput | None = None,
        update_time: TimeInput | None = None,
    ) -> list[Resource]:
        """Store count export jobs of one trained model in one collaboration.

        Missing ids are generated once for the batch; the membership id is taken from
        trained_model_arn when that is given. Names default to ``trained-model-export-<n>``.
        """
        if membership_identifier is None and trained_model_arn is not None:
            membership_identifier = _membership_of(trained_model_arn)
        membership = membership_identifier or new_id()
        model_arn = trained_model_arn or self.arns.trained_model(membership)
        collaboration = collaboration_identifier or new_id()
        creator = creator_account_id or self.arns.account_id
        receiver = receiver_account_id or self.arns.account_id
        names = names if names is not None else self._next_names("trained-model-export", count)
        jobs: list[Resource] = []
        for job_name, (created, updated) in zip(
            names, _times(count, create_time, update_time), strict=True
        ):
            job: Resource = {
                "createTime": created,
                "updateTime": updated,
                "name": job_name,
                "outputConfiguration": {"members": [{"accountId": receiver}]},
                "status": status,
                "creatorAccountId": creator,
                "trainedModelArn": model_arn,
                "membershipIdentifier": membership,
                "collaborationIdentifier": collaboration,
            }
            if trained_model_version_identifier is not None:
                job["trainedModelVersionIdentifier"] = trained_model_version_identifier
            if description is not None:
                job["description"] = description
            if status_details is not None:
                job["statusDetails"] = dict(status_details)
            jobs.append(job)
        self._store.add_trained_model_export_jobs(jobs)
        return jobs

    # Everything at once -------------------------------------------------------------------

    @_without_gc
    def seed_demo_data(self, count: int = 10) -> DemoData:
        """Store count resources of each kind, related to one another, and say what they are.

        count audience models; count generation jobs in one collaboration, alternating
        between two configured audience models; count export jobs spread round-robin over
        the generation jobs; count trained model export jobs of one trained model,
        alternating between two versions.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        collaboration = new_id()
        configured = (self.arns.configured_audience_model(), self.arns.configured_audience_model())
        models = self.add_audience_models(count)
        generation_jobs = [
            self.add_audience_generation_job(
                configured_audience_model_arn=configured[index % 2],
                collaboration_id=collaboration,
            )
            for index in range(count)
        ]
        for index in range(count):
            parent = generation_jobs[index % len(generation_jobs)]
            self.add_audience_export_job(
                audience_generation_job_arn=parent["audienceGenerationJobArn"],
                audience_size={"type": "PERCENTAGE", "value": 5 + index % 20},
            )
        membership = new_id()
        trained_model = self.arns.trained_model(membership)
        versions = (new_id(), new_id())
        for index in range(count):
            self.add_trained_model_export_job(
                collaboration_identifier=collaboration,
                trained_model_arn=trained_model,
                trained_model_version_identifier=versions[index % 2],
            )
        return DemoData(
            collaboration_id=collaboration,
            configured_audience_model_arns=configured,
            audience_model_arns=tuple(model["audienceModelArn"] for model in models),
            audience_generation_job_arns=tuple(
                job["audienceGenerationJobArn"] for job in generation_jobs
            ),
            membership_id=membership,
            trained_model_arn=trained_model,
            trained_model_version_ids=versions,
        )


def _membership_of(trained_model_arn: str) -> str | None:
    # arn:aws:cleanrooms-ml:<region>:<account>:membership/<uuid>/trained-model/<id>
    _, found, rest = trained_model_arn.partition(":membership/")
    return rest.split("/", 1)[0] if found else None
