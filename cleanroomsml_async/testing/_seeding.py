"""Putting resources into the emulator from code, with realistic defaults for every field.

One method, seed(), stores any kind of resource in any state; the add_* methods of the first
five operations are thin wrappers kept for the code written against them. Seeded values are
stored as given and not validated, so a test can seed what a newer (or misbehaving) service
might send, an unknown status or an odd timestamp included.
"""

from __future__ import annotations

import functools
import gc
import itertools
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from botocore import xform_name

from cleanroomsml_async.testing._examples import example_value
from cleanroomsml_async.testing._kinds import Kind, kinds
from cleanroomsml_async.testing._lifecycle import CREATE_PATH
from cleanroomsml_async.testing._store import Resource, Store
from cleanroomsml_async.testing._wire import (
    ArnFactory,
    TimeInput,
    format_timestamp,
    new_id,
    timestamp_series,
)

if TYPE_CHECKING:
    from cleanroomsml_async.testing._operations import Operations, Settings


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
    resources: dict[str, list[Resource]] = field(default_factory=dict)
    """Every seeded resource, by kind (live dicts, wire form)."""


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


def _wire(**fields: Any) -> dict[str, Any]:
    """The keyword arguments that were given (not None), for seed()."""
    return {name: value for name, value in fields.items() if value is not None}


def _kebab(kind: str) -> str:
    return "-".join(word.lower() for word in re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z]+", kind))


@functools.cache
def _field_names(kind: Kind) -> dict[str, str]:
    """Accepted field spellings (wire name and snake_case) -> wire name."""
    names = {name: name for name in kind.members}
    names.update({xform_name(name): name for name in kind.members})
    return names


def resolve_kind(name: str) -> Kind:
    """A kind by its model name ("MLInputChannel") or snake_case ("ml_input_channel")."""
    every = kinds()
    if name in every:
        return every[name]
    by_snake = {xform_name(kind): kind for kind in every}
    if name in by_snake:
        return every[by_snake[name]]
    raise ValueError(f"unknown kind of resource {name!r}; expected one of {sorted(every)}")


class Seeding:
    """Seeding methods of LocalCleanRoomsML; each returns the stored resource(s), live."""

    _store: Store
    _settings: Settings
    _operations: Operations
    arns: ArnFactory
    _names: dict[str, itertools.count[int]]

    def _next_names(self, prefix: str, count: int) -> list[str]:
        counter = self._names.setdefault(prefix, itertools.count(1))
        return [f"{prefix}-{next(counter)}" for _ in range(count)]

    # The one way in -------------------------------------------------------------------------

    @_without_gc
    def seed(
        self,
        kind: str,
        count: int = 1,
        *,
        status: str | None = None,
        activate_after: float | None = None,
        membership_id: str | None = None,
        names: Sequence[str] | None = None,
        create_time: TimeInput | None = None,
        update_time: TimeInput | None = None,
        **fields: Any,
    ) -> list[Resource]:
        """Store count resources of one kind and return them (live dicts, wire form).

        kind is the model's name ("TrainingDataset", "MLInputChannel", "TrainedModel", ...;
        snake_case works too). fields set any member the service shows of that kind, by wire
        name or snake_case (``trainingDatasetArn=`` or ``training_dataset_arn=``); every
        required member left out gets a valid generated value, and a fresh ARN, a name
        (``<kind>-<n>``) and timestamps a millisecond apart. Resources of kinds made in a
        membership share one (membership_id, or a new one) and its collaboration.

        The status is ACTIVE (where the kind has one) unless given. With activate_after the
        resources start CREATE_PENDING and go through the create lifecycle, ACTIVE that many
        seconds later, as if just created over the API. Nothing is validated: a test may
        seed what a newer service might send.
        """
        spec = resolve_kind(kind)
        if count < 1:
            raise ValueError("count must be at least 1")
        if names is not None and len(names) != count:
            raise ValueError(f"names has {len(names)} entries for count={count}")
        accepted = _field_names(spec)
        given: dict[str, Any] = {}
        for name, value in fields.items():
            if name not in accepted:
                raise ValueError(
                    f"{spec.name} has no member {name!r}; it has {sorted(spec.members)}"
                )
            given[accepted[name]] = value
        if spec.arn_member in given and count != 1:
            raise ValueError(f"{spec.arn_member} needs count=1")
        membership = membership_id or given.get("membershipIdentifier")
        if spec.in_membership:
            membership = membership or new_id()
            given["membershipIdentifier"] = membership
            collaboration = given.get("collaborationIdentifier")
            if collaboration is not None:
                self.add_membership(membership, collaboration)
            given["collaborationIdentifier"] = self._store.collaboration_of(membership)
        template = self._defaults(spec, given, membership)
        template.update(given)
        if status is None and activate_after is None and spec.statuses:
            status = "ACTIVE" if "ACTIVE" in spec.statuses else spec.statuses[0]
        if status is not None:
            template["status"] = status
        names = names if names is not None else self._next_names(_kebab(spec.name), count)
        arn_member, version_member = spec.arn_member, spec.version_member
        resources: list[Resource] = []
        for name, (created, updated) in zip(
            names, _times(count, create_time, update_time), strict=True
        ):
            resource = dict(template)
            resource["createTime"] = created
            resource["updateTime"] = updated
            resource.setdefault("name", name)
            if arn_member is not None and arn_member not in given:
                resource[arn_member] = self.arns.new(spec.name, membership_id=membership)
            if version_member is not None and version_member not in given:
                resource[version_member] = new_id()
            resources.append(resource)
        table = self._store.table(spec.name)
        table.extend(resources)
        effect = self._operations.effect(spec.name)
        for resource in resources:
            if activate_after is not None:
                self._operations.begin(table, resource, CREATE_PATH, delay=activate_after)
            elif effect is not None and resource.get("status") == "ACTIVE":
                effect(resource)
        return resources

    def add_membership(
        self, membership_id: str | None = None, collaboration_id: str | None = None
    ) -> str:
        """Make a membership (new id if none given) of a collaboration (new if none given).

        Resources made in the membership belong to that collaboration, where the
        Collaboration operations read them. A membership first seen in a request joins a
        collaboration of its own. Returns the membership id.
        """
        membership = membership_id or new_id()
        current = self._store.memberships.get(membership)
        if current is not None and collaboration_id is not None and current != collaboration_id:
            raise ValueError(f"membership {membership} already belongs to collaboration {current}")
        self._store.memberships[membership] = collaboration_id or current or new_id()
        return membership

    def collaboration_of(self, membership_id: str) -> str:
        """The collaboration a membership belongs to (joining a new one if it is unknown)."""
        return self._store.collaboration_of(membership_id)

    def resources(self, kind: str) -> list[Resource]:
        """The stored resources of one kind, oldest first, statuses up to date (live dicts)."""
        self._store.settle_now()
        return list(self._store.table(resolve_kind(kind).name).items)

    def _defaults(self, spec: Kind, given: Mapping[str, Any], membership: str | None) -> Resource:
        # Generated once per batch: the values are shared by the batch's resources, which is
        # safe because nothing changes a stored member in place (tags are replaced whole).
        defaults: Resource = {}
        for name in spec.required:
            if name in given or name in ("createTime", "updateTime", "status", "name"):
                continue
            if name in ("creatorAccountId", "startedBy"):
                defaults[name] = self.arns.account_id
                continue
            shape = spec.member_shapes[name]
            value = example_value(shape, membership_id=membership)
            defaults[name] = format_timestamp(value) if shape.type_name == "timestamp" else value
        for name in ("startedBy",):
            if name in spec.member_shapes and name not in given:
                defaults[name] = self.arns.account_id
        return defaults

    # The first five operations' resources (thin wrappers over seed) -----------------------

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
        fields = _wire(
            audienceModelArn=audience_model_arn,
            trainingDatasetArn=training_dataset_arn or self.arns.training_dataset(),
            description=description,
            kmsKeyArn=kms_key_arn,
            tags=None if tags is None else dict(tags),
            statusDetails=None if status_details is None else dict(status_details),
            trainingDataStartTime=_optional_time(training_data_start_time),
            trainingDataEndTime=_optional_time(training_data_end_time),
        )
        return self.seed(
            "AudienceModel",
            status=status,
            names=None if name is None else [name],
            create_time=create_time,
            update_time=update_time,
            **fields,
        )[0]

    def add_audience_models(self, count: int, *, status: str = "ACTIVE") -> list[Resource]:
        """Store count audience models with generated names and ARNs."""
        return [self.add_audience_model(status=status) for _ in range(count)]

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
        fields = _wire(
            audienceGenerationJobArn=audience_generation_job_arn,
            configuredAudienceModelArn=(
                configured_audience_model_arn or self.arns.configured_audience_model()
            ),
            collaborationId=collaboration_id or new_id(),
            description=description,
            startedBy=started_by,
        )
        return self.seed(
            "AudienceGenerationJob",
            count,
            status=status,
            names=names if names is not None else self._next_names("generation-job", count),
            create_time=create_time,
            update_time=update_time,
            **fields,
        )

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
            jobs = self._store.table("AudienceGenerationJob").items
            parent = jobs[-1] if jobs else self.add_audience_generation_job()
            audience_generation_job_arn = parent["audienceGenerationJobArn"]
        fields = _wire(
            audienceGenerationJobArn=audience_generation_job_arn,
            audienceSize=(
                dict(audience_size)
                if audience_size is not None
                else {"type": "ABSOLUTE", "value": 1000}
            ),
            description=description,
            statusDetails=None if status_details is None else dict(status_details),
            outputLocation=output_location,
        )
        return self.seed(
            "AudienceExportJob",
            count,
            status=status,
            activate_after=activate_after,
            names=names if names is not None else self._next_names("export-job", count),
            create_time=create_time,
            update_time=update_time,
            **fields,
        )

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
        # These jobs were seeded with made-up ids before memberships had collaborations: each
        # call names its collaboration (a new one if not given), and the membership moves to
        # it for what is made in it later.
        self._store.memberships[membership] = collaboration_identifier or new_id()
        fields = _wire(
            trainedModelArn=trained_model_arn or self.arns.trained_model(membership),
            trainedModelVersionIdentifier=trained_model_version_identifier,
            creatorAccountId=creator_account_id or self.arns.account_id,
            outputConfiguration={
                "members": [{"accountId": receiver_account_id or self.arns.account_id}]
            },
            description=description,
            statusDetails=None if status_details is None else dict(status_details),
        )
        return self.seed(
            "TrainedModelExportJob",
            count,
            status=status,
            membership_id=membership,
            names=names if names is not None else self._next_names("trained-model-export", count),
            create_time=create_time,
            update_time=update_time,
            **fields,
        )

    # Everything at once -------------------------------------------------------------------

    @_without_gc
    def seed_demo_data(self, count: int = 10) -> DemoData:
        """Store count resources of each kind, related to one another, and say what they are.

        The audience side: count training datasets, count audience models (one per
        dataset), two configured audience models, count generation jobs in one
        collaboration alternating between the two, count export jobs round-robin over the
        generation jobs. The training side, in one membership of that collaboration: count
        configured model algorithms, count associations, count ML input channels, a trained
        model with two versions, count trained model export jobs alternating between the
        versions, and count inference jobs.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        collaboration = new_id()
        membership = self.add_membership(collaboration_id=collaboration)
        datasets = self.seed("TrainingDataset", count)
        models = [
            self.add_audience_model(training_dataset_arn=dataset["trainingDatasetArn"])
            for dataset in datasets
        ]
        configured = [
            self.seed(
                "ConfiguredAudienceModel",
                audienceModelArn=models[index % count]["audienceModelArn"],
            )[0]
            for index in range(2)
        ]
        configured_arns = tuple(item["configuredAudienceModelArn"] for item in configured)
        generation_jobs = [
            self.add_audience_generation_job(
                configured_audience_model_arn=configured_arns[index % 2],
                collaboration_id=collaboration,
            )
            for index in range(count)
        ]
        export_jobs = [
            self.add_audience_export_job(
                audience_generation_job_arn=generation_jobs[index % count][
                    "audienceGenerationJobArn"
                ],
                audience_size={"type": "PERCENTAGE", "value": 5 + index % 20},
            )
            for index in range(count)
        ]
        algorithms = self.seed("ConfiguredModelAlgorithm", count)
        associations = [
            self.seed(
                "ConfiguredModelAlgorithmAssociation",
                membership_id=membership,
                configuredModelAlgorithmArn=algorithm["configuredModelAlgorithmArn"],
            )[0]
            for algorithm in algorithms
        ]
        association_arns = [
            item["configuredModelAlgorithmAssociationArn"] for item in associations
        ]
        channels = self.seed(
            "MLInputChannel",
            count,
            membership_id=membership,
            configuredModelAlgorithmAssociations=association_arns[:1],
        )
        trained_model_arn = self.arns.trained_model(membership)
        versions = [
            self.seed(
                "TrainedModel",
                membership_id=membership,
                trainedModelArn=trained_model_arn,
                name="demo-trained-model",
                configuredModelAlgorithmAssociationArn=association_arns[0],
                dataChannels=[
                    {"mlInputChannelArn": channels[0]["mlInputChannelArn"], "channelName": "train"}
                ],
            )[0]
            for _ in range(2)
        ]
        version_ids = tuple(version["versionIdentifier"] for version in versions)
        trained_exports = [
            self.add_trained_model_export_job(
                collaboration_identifier=collaboration,
                trained_model_arn=trained_model_arn,
                trained_model_version_identifier=version_ids[index % 2],
            )
            for index in range(count)
        ]
        inference_jobs = self.seed(
            "TrainedModelInferenceJob",
            count,
            membership_id=membership,
            trainedModelArn=trained_model_arn,
            trainedModelVersionIdentifier=version_ids[0],
        )
        return DemoData(
            collaboration_id=collaboration,
            configured_audience_model_arns=configured_arns,
            audience_model_arns=tuple(model["audienceModelArn"] for model in models),
            audience_generation_job_arns=tuple(
                job["audienceGenerationJobArn"] for job in generation_jobs
            ),
            membership_id=membership,
            trained_model_arn=trained_model_arn,
            trained_model_version_ids=version_ids,
            resources={
                "TrainingDataset": datasets,
                "AudienceModel": models,
                "ConfiguredAudienceModel": configured,
                "AudienceGenerationJob": generation_jobs,
                "AudienceExportJob": export_jobs,
                "ConfiguredModelAlgorithm": algorithms,
                "ConfiguredModelAlgorithmAssociation": associations,
                "MLInputChannel": channels,
                "TrainedModel": versions,
                "TrainedModelExportJob": trained_exports,
                "TrainedModelInferenceJob": inference_jobs,
            },
        )


def _optional_time(value: TimeInput | None) -> str | None:
    return None if value is None else format_timestamp(value)


def _membership_of(trained_model_arn: str) -> str | None:
    # arn:aws:cleanrooms-ml:<region>:<account>:membership/<uuid>/trained-model/<id>
    _, found, rest = trained_model_arn.partition(":membership/")
    return rest.split("/", 1)[0] if found else None
