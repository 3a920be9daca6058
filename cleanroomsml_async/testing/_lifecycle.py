"""Status lifecycles: CREATE_PENDING -> CREATE_IN_PROGRESS -> ACTIVE, deletes and cancels.

Statuses change lazily, on read: nothing runs in the background. Each change waiting to
happen sits in one heap ordered by due time, so settling costs only the changes actually due.
Each kind moves through the statuses its own enum has, skipping those it lacks.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from cleanroomsml_async.testing._wire import format_timestamp

if TYPE_CHECKING:
    from cleanroomsml_async.testing._store import Table

Resource = dict[str, Any]
#: Called with the resource when it reaches its step's status (e.g. to set outputLocation).
Effect = Callable[[Resource], None]

CREATE_PATH = ("CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE")
DELETE_PATH = ("DELETE_PENDING", "DELETE_IN_PROGRESS", None)  # None: the resource is gone
CANCEL_PATH = ("CANCEL_PENDING", "CANCEL_IN_PROGRESS", "INACTIVE")


def steps(
    path: Sequence[str | None], statuses: Sequence[str], delay: float
) -> list[tuple[float, str | None]]:
    """(seconds from now, status) for each step of path that the status enum has.

    The first step is now, the middle one half way, the last after delay. A path the enum
    does not start (ConfiguredAudienceModel has only ACTIVE) jumps to its end at once; one it
    does not have at all (no status) is no steps.
    """
    first, middle, last = path
    if first not in statuses:
        return [(0.0, last)] if last is None or last in statuses else []
    planned: list[tuple[float, str | None]] = [(0.0, first)]
    if middle in statuses:
        planned.append((delay / 2, middle))
    planned.append((delay, last))
    return planned


class Lifecycles:
    """Status changes waiting to happen, for every resource of one store."""

    def __init__(self) -> None:
        # (due, tie-breaker, plan, resource, status or None to remove, its table, effect).
        self._pending: list[
            tuple[float, int, int, Resource, str | None, Table, Effect | None]
        ] = []
        # id(resource) -> [the tie-breaker of its current plan, steps left]: a new plan (a
        # cancel during creation) makes the steps left of the old one stale. The heap holds a
        # reference to each resource with a plan, so its id is not reused while it matters.
        self._plans: dict[int, list[int]] = {}
        self._sequence = itertools.count()

    def clear(self) -> None:
        """Forget every planned change."""
        self._pending.clear()
        self._plans.clear()

    def start(
        self,
        table: Table,
        resource: Resource,
        planned: Sequence[tuple[float, str | None]],
        *,
        now: float | None = None,
        effect: Effect | None = None,
    ) -> None:
        """Put resource on a new plan (replacing any it had); the first step applies now.

        effect runs when the last step (ACTIVE) is reached.
        """
        if not planned:
            return
        now = time.time() if now is None else now
        plan = next(self._sequence)
        (_, first), *later = planned
        self._plans[id(resource)] = [plan, len(later)]
        self._apply(table, resource, first, now, effect if not later else None)
        for index, (offset, status) in enumerate(later):
            last = index == len(later) - 1
            # Steps due at once (a zero delay) keep their order by the tie-breaker.
            heapq.heappush(
                self._pending,
                (
                    now + offset,
                    next(self._sequence),
                    plan,
                    resource,
                    status,
                    table,
                    effect if last else None,
                ),
            )
        if not later:
            self._plans.pop(id(resource), None)

    def forget(self, resource: Resource) -> None:
        """Drop the plan of a resource (it was removed, or its status was set by hand)."""
        self._plans.pop(id(resource), None)

    def planned(self, resource: Resource) -> bool:
        """Whether the resource has status changes still to come."""
        return id(resource) in self._plans

    def settle(self, now: float) -> None:
        """Apply every change that is due by now."""
        pending = self._pending
        while pending and pending[0][0] <= now:
            due, _, plan, resource, status, table, effect = heapq.heappop(pending)
            current = self._plans.get(id(resource))
            if current is None or current[0] != plan:
                continue
            current[1] -= 1
            if not current[1]:
                del self._plans[id(resource)]
            self._apply(table, resource, status, due, effect)

    def settle_now(self) -> None:
        """Apply every change that is due by the current time."""
        if self._pending:
            self.settle(time.time())

    @staticmethod
    def _apply(
        table: Table, resource: Resource, status: str | None, when: float, effect: Effect | None
    ) -> None:
        if status is None:
            table.remove(resource)
            return
        resource["status"] = status
        resource["updateTime"] = format_timestamp(when)
        if effect is not None:
            effect(resource)
