"""What each operation does to the store, given its validated input.

Most operations are one of six verbs applied to a kind of resource (see _kinds.py), and are
answered by the six generic methods below. Only the operations that are not (resource
policies, ML configurations, tags) and the behaviour that is particular to a kind (export
job quotas and output locations, trained-model versions) are written out.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from cleanroomsml_async.testing._errors import ApiError, validation_error
from cleanroomsml_async.testing._faults import FaultPlan
from cleanroomsml_async.testing._kinds import Action, Kind, actions, kind_of_arn, kinds
from cleanroomsml_async.testing._lifecycle import CANCEL_PATH, CREATE_PATH, DELETE_PATH, steps
from cleanroomsml_async.testing._service import OPERATION_NAMES, operation_model
from cleanroomsml_async.testing._store import Resource, Store, Table
from cleanroomsml_async.testing._wire import (
    ArnFactory,
    export_output_location,
    format_timestamp,
    new_id,
)

Handler = Callable[[dict[str, Any], FaultPlan], dict[str, Any]]

# Members the service fills in itself, with the caller's account.
_ACCOUNT_MEMBERS = ("creatorAccountId", "startedBy")
_CANCELLABLE = frozenset({"CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE"})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z]+")


@dataclass(slots=True)
class Settings:
    """The emulator's tunable behaviour; changes apply to the next request."""

    activation_delay: float
    page_size: int
    export_job_quota: int | None
    output_bucket: str
    # How the last page says "no more": the service omits nextToken, but clients must also
    # stop on an explicit null or empty string, and tests need a way to send those.
    last_page_token: Literal["absent", "null", "empty"] = "absent"


def describe(kind: str) -> str:
    """A kind's name in words: "MLInputChannel" -> "ML input channel"."""
    words = [word if word.isupper() else word.lower() for word in _WORD.findall(kind)]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def not_found(kind: str, what: str) -> ApiError:
    """ResourceNotFoundException for one resource."""
    return ApiError("ResourceNotFoundException", f"{describe(kind)} {what} does not exist.")


class Operations:
    """The service's behaviour, over one store."""

    def __init__(self, store: Store, settings: Settings, arns: ArnFactory) -> None:
        self.store = store
        self.settings = settings
        self.arns = arns
        self._handlers: dict[str, Handler] = {
            name: functools.partial(getattr(self, f"_{action.verb}"), action)
            for name, action in actions().items()
        }
        self._handlers.update(
            {
                "TagResource": self._tag_resource,
                "UntagResource": self._untag_resource,
                "ListTagsForResource": self._list_tags_for_resource,
                "PutConfiguredAudienceModelPolicy": self._put_policy,
                "GetConfiguredAudienceModelPolicy": self._get_policy,
                "DeleteConfiguredAudienceModelPolicy": self._delete_policy,
                "PutMLConfiguration": self._put_ml_configuration,
                "GetMLConfiguration": self._get_ml_configuration,
                "DeleteMLConfiguration": self._delete_ml_configuration,
            }
        )
        missing = set(OPERATION_NAMES) - set(self._handlers)
        if missing:  # a newer model with an operation nobody has taught the emulator yet
            raise RuntimeError(f"the emulator does not answer {sorted(missing)}")
        self._arn_kinds = {
            kind.arn_format.shape: kind for kind in kinds().values() if kind.arn_format
        }
        self._effects: dict[str, Callable[[Resource], None]] = {
            "AudienceExportJob": self._export_job_written,
        }

    def effect(self, kind: str) -> Callable[[Resource], None] | None:
        """What happens to a resource of this kind when it turns ACTIVE, if anything."""
        return self._effects.get(kind)

    def call(self, operation: str, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        """Run one operation; returns the JSON body of its response or raises ApiError."""
        self.store.lifecycles.settle_now()
        return self._handlers[operation](params, plan)

    # The six verbs ---------------------------------------------------------------------------

    def _create(self, action: Action, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        kind = action.kind
        table = self.store.table(kind.name)
        input_shape = operation_model(action.operation).input_shape
        self._check_references(input_shape, params)
        now = time.time()
        resource = _stored_form(input_shape, params)
        resource["createTime"] = resource["updateTime"] = format_timestamp(now)
        membership = params.get("membershipIdentifier")
        if kind.in_membership and membership is not None:
            resource["collaborationIdentifier"] = self.store.collaboration_of(membership)
        for member in _ACCOUNT_MEMBERS:
            if member in kind.member_shapes:
                resource.setdefault(member, self.arns.account_id)
        if kind.arn_member is not None:
            resource[kind.arn_member] = self._arn_for(kind, table, resource, membership)
            if kind.version_member is not None:
                resource[kind.version_member] = new_id()
        elif table.get(table.key_of(resource)) is not None:
            raise self._conflict(kind, resource)
        if kind.name == "AudienceExportJob":
            self._check_export_quota(resource["audienceGenerationJobArn"])
        table.add(resource)
        self.begin(table, resource, CREATE_PATH, now=now)
        return {name: resource[name] for name in action.output_members if name in resource}

    def _get(self, action: Action, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        resource = self._find(action, params)[-1]
        return {name: resource[name] for name in action.output_members if name in resource}

    def _list(self, action: Action, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        kind = action.kind
        table = self.store.table(kind.name)
        filters = {name: params[name] for name in action.lookup if params.get(name) is not None}
        arn_member = kind.arn_member
        if (
            arn_member in filters
            and "ResourceNotFoundException" in _modelled_errors(action.operation)
            and not table.select({arn_member: filters[arn_member]})
        ):
            raise not_found(kind.name, filters[arn_member])
        items, next_token = self.store.page(
            action.operation,
            table.select(filters),
            filters,
            params.get("maxResults") or self.settings.page_size,
            params.get("nextToken"),
            empty=plan.empty_page,
            cycle=plan.token_cycle,
        )
        members = action.output_members
        assert action.result_key is not None
        body: dict[str, Any] = {
            action.result_key: [
                {name: item[name] for name in members if name in item} for item in items
            ]
        }
        if next_token is not None:
            body["nextToken"] = next_token
        elif self.settings.last_page_token != "absent":
            body["nextToken"] = None if self.settings.last_page_token == "null" else ""
        return body

    def _delete(self, action: Action, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        kind = action.kind
        table = self.store.table(kind.name)
        found = self._find(action, params)
        for resource in found:
            if str(resource.get("status", "")).startswith("DELETE_"):
                raise ApiError(
                    "ConflictException",
                    f"{describe(kind.name)} {resource[kind.arn_member or 'name']} is "
                    f"already being deleted ({resource['status']}).",
                )
        for resource in list(found):
            self.begin(table, resource, DELETE_PATH)
        if kind.name == "ConfiguredAudienceModel":
            self.store.policies.pop(params["configuredAudienceModelArn"], None)
        return {}

    def _cancel(self, action: Action, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        kind = action.kind
        resource = self._find(action, params)[-1]
        status = resource.get("status")
        if status not in _CANCELLABLE:
            raise ApiError(
                "ConflictException",
                f"{describe(kind.name)} {resource[kind.arn_member or 'name']} cannot be "
                f"cancelled: it is {status}.",
            )
        self.begin(self.store.table(kind.name), resource, CANCEL_PATH)
        return {}

    def _update(self, action: Action, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        resource = self._find(action, params)[-1]
        input_shape = operation_model(action.operation).input_shape
        self._check_references(input_shape, params)
        changes = _stored_form(input_shape, params)
        for name in action.lookup:
            changes.pop(name, None)
        resource.update(changes)
        resource["updateTime"] = format_timestamp(time.time())
        output = operation_model(action.operation).output_shape
        return {name: resource[name] for name in output.members if name in resource}

    # Shared steps ----------------------------------------------------------------------------

    def begin(
        self,
        table: Table,
        resource: Resource,
        path: tuple[str | None, ...],
        *,
        now: float | None = None,
        delay: float | None = None,
    ) -> None:
        """Start a lifecycle (create, delete or cancel path) for a stored resource."""
        kind = table.kind
        planned = steps(
            path, kind.statuses, self.settings.activation_delay if delay is None else delay
        )
        effect = self._effects.get(kind.name) if path is CREATE_PATH else None
        self.store.lifecycles.start(table, resource, planned, now=now, effect=effect)

    def _find(self, action: Action, params: dict[str, Any]) -> list[Resource]:
        """The stored resources an operation names, oldest version first (at least one)."""
        kind = action.kind
        arn_member = kind.arn_member
        assert arn_member is not None
        arn = params[arn_member]
        candidates = self.store.table(kind.name).select({arn_member: arn})
        scope = {
            name: params[name]
            for name in action.lookup
            if name != arn_member and params.get(name) is not None
        }
        found = [
            item
            for item in candidates
            if all(item.get(name) == value for name, value in scope.items())
        ]
        if not found:
            where = ""
            if "collaborationIdentifier" in scope:
                where = f" in collaboration {scope['collaborationIdentifier']}"
            elif "membershipIdentifier" in scope:
                where = f" in membership {scope['membershipIdentifier']}"
            version = scope.get("versionIdentifier")
            shown = f"{arn} (version {version})" if version else arn
            raise not_found(kind.name, shown + where)
        return found

    def _arn_for(
        self, kind: Kind, table: Table, resource: Resource, membership: str | None
    ) -> str:
        # A trained model made again under the same name in the same membership is a new
        # version of that model: same ARN, new versionIdentifier.
        if kind.version_member is not None and membership is not None:
            siblings = table.select({"membershipIdentifier": membership, "name": resource["name"]})
            if siblings:
                arn: str = siblings[0][kind.arn_member or ""]
                return arn
        return self.arns.new(kind.name, membership_id=membership)

    def _check_references(self, shape: Any, value: Any) -> None:
        """ResourceNotFoundException for any ARN in the input that names no stored resource."""
        for arn_shape, arn in _arns_in(shape, value, self._arn_kinds):
            kind = self._arn_kinds[arn_shape]
            if kind.arn_member is None:
                continue
            if not self.store.table(kind.name).select({kind.arn_member: arn}):
                raise not_found(kind.name, arn)
        if isinstance(value, dict) and value.get("trainedModelVersionIdentifier") is not None:
            version = value["trainedModelVersionIdentifier"]
            key = (value.get("trainedModelArn"), version)
            if self.store.table("TrainedModel").get(key) is None:
                raise not_found("TrainedModel", f"{key[0]} (version {version})")

    def _conflict(self, kind: Kind, resource: Resource) -> ApiError:
        parents = ", ".join(
            f"{name} {resource[name]}"
            for name in kind.key
            if name != "name" and resource.get(name) is not None
        )
        return ApiError(
            "ConflictException",
            f"{describe(kind.name)} named '{resource['name']}' already exists for {parents}.",
        )

    def _check_export_quota(self, generation_job_arn: str) -> None:
        quota = self.settings.export_job_quota
        jobs = self.store.table("AudienceExportJob")
        if (
            quota is not None
            and len(jobs.select({"audienceGenerationJobArn": generation_job_arn})) >= quota
        ):
            raise ApiError(
                "ServiceQuotaExceededException",
                f"Audience generation job {generation_job_arn} already has {quota} export jobs.",
                quotaName="Audience export jobs per audience generation job",
                quotaValue=float(quota),
            )

    def _export_job_written(self, job: Resource) -> None:
        job.setdefault(
            "outputLocation",
            export_output_location(
                self.settings.output_bucket, job["audienceGenerationJobArn"], job["name"]
            ),
        )

    # Tags ------------------------------------------------------------------------------------

    def _tagged(self, arn: str) -> list[Resource]:
        kind = kind_of_arn(arn)
        found = []
        if kind is not None and kind.arn_member is not None:
            found = self.store.table(kind.name).select({kind.arn_member: arn})
        if not found:
            raise ApiError("ResourceNotFoundException", f"Resource {arn} does not exist.")
        return found

    def _tag_resource(self, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        for resource in self._tagged(params["resourceArn"]):
            # Replaced, not changed in place: seeded resources may share one tags dict.
            resource["tags"] = {**resource.get("tags", {}), **params["tags"]}
        return {}

    def _untag_resource(self, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        keys = set(params["tagKeys"])
        for resource in self._tagged(params["resourceArn"]):
            tags = resource.get("tags", {})
            resource["tags"] = {key: value for key, value in tags.items() if key not in keys}
        return {}

    def _list_tags_for_resource(self, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        return {"tags": dict(self._tagged(params["resourceArn"])[-1].get("tags", {}))}

    # Configured audience model policies ------------------------------------------------------

    def _policy_owner(self, arn: str) -> None:
        if self.store.table("ConfiguredAudienceModel").get((arn,)) is None:
            raise not_found("ConfiguredAudienceModel", arn)

    def _put_policy(self, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        arn = params["configuredAudienceModelArn"]
        self._policy_owner(arn)
        current = self.store.policies.get(arn)
        condition = params.get("policyExistenceCondition")
        if condition == "POLICY_MUST_EXIST" and current is None:
            raise validation_error(f"Configured audience model {arn} has no policy to replace.")
        if condition == "POLICY_MUST_NOT_EXIST" and current is not None:
            raise validation_error(f"Configured audience model {arn} already has a policy.")
        previous = params.get("previousPolicyHash")
        if previous is not None and (current is None or current["policyHash"] != previous):
            raise validation_error(
                "previousPolicyHash does not match the hash of the current policy."
            )
        policy = params["configuredAudienceModelPolicy"]
        stored = {
            "configuredAudienceModelArn": arn,
            "configuredAudienceModelPolicy": policy,
            "policyHash": hashlib.sha256(policy.encode()).hexdigest(),
        }
        self.store.policies[arn] = stored
        return {key: stored[key] for key in ("configuredAudienceModelPolicy", "policyHash")}

    def _get_policy(self, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        arn = params["configuredAudienceModelArn"]
        self._policy_owner(arn)
        stored = self.store.policies.get(arn)
        if stored is None:
            raise ApiError(
                "ResourceNotFoundException", f"Configured audience model {arn} has no policy."
            )
        return dict(stored)

    def _delete_policy(self, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        self._get_policy(params, plan)
        del self.store.policies[params["configuredAudienceModelArn"]]
        return {}

    # ML configurations -----------------------------------------------------------------------

    def _put_ml_configuration(self, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        membership = params["membershipIdentifier"]
        self.store.collaboration_of(membership)
        stamp = format_timestamp(time.time())
        current = self.store.ml_configurations.get(membership)
        self.store.ml_configurations[membership] = {
            "membershipIdentifier": membership,
            "defaultOutputLocation": params["defaultOutputLocation"],
            "createTime": current["createTime"] if current else stamp,
            "updateTime": stamp,
        }
        return {}

    def _get_ml_configuration(self, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        membership = params["membershipIdentifier"]
        stored = self.store.ml_configurations.get(membership)
        if stored is None:
            raise ApiError(
                "ResourceNotFoundException",
                f"Membership {membership} has no ML configuration.",
            )
        return dict(stored)

    def _delete_ml_configuration(self, params: dict[str, Any], plan: FaultPlan) -> dict[str, Any]:
        self._get_ml_configuration(params, plan)
        del self.store.ml_configurations[params["membershipIdentifier"]]
        return {}


@functools.cache
def _modelled_errors(operation: str) -> frozenset[str]:
    return frozenset(error.name for error in operation_model(operation).error_shapes)


def _stored_form(shape: Any, params: dict[str, Any]) -> Resource:
    """The input as the service will show it: timestamps as ISO 8601 text, as it sends them."""
    resource: Resource = {}
    for name, value in params.items():
        member = shape.members.get(name)
        if member is not None and member.type_name == "timestamp":
            value = format_timestamp(_as_time(value))
        resource[name] = value
    return resource


def _as_time(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _arns_in(shape: Any, value: Any, arn_shapes: dict[str, Any]) -> list[tuple[str, str]]:
    """(ARN shape, ARN) of every ARN of this service's resources inside value."""
    found: list[tuple[str, str]] = []
    if shape.name in arn_shapes and isinstance(value, str):
        found.append((shape.name, value))
    elif shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if value.get(name) is not None:
                found += _arns_in(member, value[name], arn_shapes)
    elif shape.type_name == "list" and isinstance(value, list):
        for item in value:
            found += _arns_in(shape.member, item, arn_shapes)
    return found
