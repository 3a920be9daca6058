"""The emulator's state: resources in wire form, their indexes, and paging over them."""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Iterable, Mapping
from typing import Any

from cleanroomsml_async.testing._tokens import PageTokens, fingerprint
from cleanroomsml_async.testing._wire import format_timestamp

#: A resource exactly as the service sends it: camelCase keys, timestamps as ISO 8601 text.
Resource = dict[str, Any]


class Table:
    """Resources of one kind in insertion order, indexed by every filter set a list call takes.

    Indexes hold the same dict objects as the main list, so a page is a list slice whatever
    the filters, and a status that changes in place shows up in every view.
    """

    def __init__(self, *filter_sets: tuple[str, ...]) -> None:
        self.items: list[Resource] = []
        self._indexes: dict[tuple[str, ...], dict[tuple[Any, ...], list[Resource]]] = {
            tuple(sorted(keys)): {} for keys in filter_sets
        }

    def __len__(self) -> int:
        return len(self.items)

    def add(self, item: Resource) -> None:
        """Append one resource."""
        self.extend((item,))

    def extend(self, items: Iterable[Resource]) -> None:
        """Append many resources."""
        start = len(self.items)
        self.items.extend(items)
        added = self.items[start:]
        for keys, index in self._indexes.items():
            for item in added:
                key = tuple([item.get(name) for name in keys])
                bucket = index.get(key)
                if bucket is None:
                    index[key] = [item]
                else:
                    bucket.append(item)

    def select(self, filters: Mapping[str, str]) -> list[Resource]:
        """The resources whose fields equal every filter, in insertion order (not a copy)."""
        if not filters:
            return self.items
        keys = tuple(sorted(filters))
        return self._indexes[keys].get(tuple(filters[name] for name in keys), [])

    def clear(self) -> None:
        """Drop every resource."""
        self.items.clear()
        for index in self._indexes.values():
            index.clear()


class Store:
    """All resources of one emulator, plus the page tokens that walk them."""

    def __init__(self) -> None:
        self.audience_models: dict[str, Resource] = {}
        self.audience_generation_jobs = Table(
            ("configuredAudienceModelArn",),
            ("collaborationId",),
            ("configuredAudienceModelArn", "collaborationId"),
        )
        self.audience_export_jobs = Table(("audienceGenerationJobArn",))
        self.trained_model_export_jobs = Table(
            ("collaborationIdentifier", "trainedModelArn"),
            ("collaborationIdentifier", "trainedModelArn", "trainedModelVersionIdentifier"),
        )
        self.tokens = PageTokens()
        self._generation_jobs_by_arn: dict[str, Resource] = {}
        self._export_job_names: set[tuple[str, str]] = set()
        # Export jobs waiting to turn ACTIVE: (due time, tie-breaker, job, output location).
        self._pending: list[tuple[float, int, Resource, str]] = []
        self._sequence = itertools.count()

    def reset(self) -> None:
        """Drop every resource and make every page token issued so far stale."""
        self.audience_models.clear()
        self.audience_generation_jobs.clear()
        self.audience_export_jobs.clear()
        self.trained_model_export_jobs.clear()
        self._generation_jobs_by_arn.clear()
        self._export_job_names.clear()
        self._pending.clear()
        self.tokens.invalidate_all()

    # Resources -------------------------------------------------------------------------------

    def add_audience_model(self, model: Resource) -> None:
        """Store an audience model, replacing one with the same ARN."""
        self.audience_models[model["audienceModelArn"]] = model

    def add_audience_generation_jobs(self, jobs: Iterable[Resource]) -> None:
        """Store audience generation jobs."""
        jobs = list(jobs)
        for job in jobs:
            arn = job["audienceGenerationJobArn"]
            if arn in self._generation_jobs_by_arn:
                raise ValueError(f"an audience generation job {arn} already exists")
        self.audience_generation_jobs.extend(jobs)
        self._generation_jobs_by_arn.update((job["audienceGenerationJobArn"], job) for job in jobs)

    def audience_generation_job(self, arn: str) -> Resource | None:
        """The audience generation job with this ARN, if there is one."""
        return self._generation_jobs_by_arn.get(arn)

    def latest_audience_generation_job(self) -> Resource | None:
        """The audience generation job stored last, if any."""
        items = self.audience_generation_jobs.items
        return items[-1] if items else None

    def has_audience_export_job(self, generation_job_arn: str, name: str) -> bool:
        """Whether this generation job already has an export job of this name."""
        return (generation_job_arn, name) in self._export_job_names

    def count_audience_export_jobs(self, generation_job_arn: str) -> int:
        """How many export jobs this generation job has."""
        return len(
            self.audience_export_jobs.select({"audienceGenerationJobArn": generation_job_arn})
        )

    def add_audience_export_jobs(self, jobs: Iterable[Resource]) -> None:
        """Store audience export jobs; names are unique per audience generation job."""
        jobs = list(jobs)
        keys = [(job["audienceGenerationJobArn"], job["name"]) for job in jobs]
        clashes = self._export_job_names.intersection(keys)
        if clashes or len(set(keys)) != len(keys):
            name = next(iter(clashes))[1] if clashes else "(repeated in the batch)"
            raise ValueError(f"audience export job name {name} is already used for that job")
        self.audience_export_jobs.extend(jobs)
        self._export_job_names.update(keys)

    def activate_later(self, job: Resource, due: float, output_location: str) -> None:
        """Turn a stored export job ACTIVE once the clock passes due (a POSIX time)."""
        heapq.heappush(self._pending, (due, next(self._sequence), job, output_location))

    def settle(self, now: float) -> None:
        """Apply every status change that is due by now.

        Statuses change lazily, on read: nothing runs in the background, and a read costs
        only the jobs that actually changed since the last one.
        """
        pending = self._pending
        while pending and pending[0][0] <= now:
            due, _, job, output_location = heapq.heappop(pending)
            job["status"] = "ACTIVE"
            job["updateTime"] = format_timestamp(due)
            job.setdefault("outputLocation", output_location)

    def settle_now(self) -> None:
        """Apply every status change that is due by the current time."""
        self.settle(time.time())

    def add_trained_model_export_jobs(self, jobs: Iterable[Resource]) -> None:
        """Store trained model export jobs."""
        self.trained_model_export_jobs.extend(jobs)

    # Paging ----------------------------------------------------------------------------------

    def page(
        self,
        operation: str,
        table: Table,
        filters: Mapping[str, str],
        max_results: int,
        next_token: str | None,
        *,
        empty: bool = False,
        cycle: bool = False,
    ) -> tuple[list[Resource], str | None]:
        """One page of a listing and the token of the next page (None on the last).

        empty and cycle are the fault modes: an empty page whose token resumes where this
        one started, and a token that leads back to this page (or to page one).
        """
        scope = fingerprint(operation, filters)
        offset = self.tokens.decode(next_token, scope) if next_token is not None else 0
        if empty:
            return [], self.tokens.encode(scope, offset)
        matching = table.select(filters)
        end = offset + max_results
        items = matching[offset:end]
        if cycle:
            return items, next_token or self.tokens.encode(scope, 0)
        return items, self.tokens.encode(scope, end) if end < len(matching) else None
