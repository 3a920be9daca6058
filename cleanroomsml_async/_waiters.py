"""Waiters: one generic polling loop, and the resources that have one, declared as data.

botocore ships no waiters for Clean Rooms ML. ``WAITERS`` below says, for each resource with a
lifecycle, which operation reads its status and which arguments identify it; the generator
turns each into a typed ``wait_until_<resource>_active`` method and derives the states that
end a wait in failure from the status enum of the operation's response.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from cleanroomsml_async._exceptions import WaiterFailedError, WaiterTimeoutError

__all__ = ["FAILED_STATES", "WAITERS", "WaiterDeclaration", "check_timing", "wait_until"]

T = TypeVar("T")

#: States a resource cannot leave for ACTIVE; a waiter's enum keeps those it has.
FAILED_STATES = (
    "CREATE_FAILED",
    "DELETE_PENDING",
    "DELETE_IN_PROGRESS",
    "DELETE_FAILED",
    "CANCEL_PENDING",
    "CANCEL_IN_PROGRESS",
    "INACTIVE",
)
SUCCESS_STATE = "ACTIVE"


@dataclass(frozen=True, slots=True)
class WaiterDeclaration:
    """One waiter, as data: ``wait_until_<resource>_active`` polls ``operation``.

    ``arguments`` are the operation's members (snake_case) that identify the resource, in the
    method's order; ``optional`` those that may be left out. A waiter over a list operation
    (``item_name`` set) looks, across every page, for the item whose ``name`` is the
    ``item_name`` argument; the most recently created one counts.
    """

    resource: str
    operation: str
    arguments: tuple[str, ...]
    optional: tuple[str, ...] = ()
    status_field: str = "status"
    item_name: str | None = None


WAITERS = (
    WaiterDeclaration("audience_model", "GetAudienceModel", ("audience_model_arn",)),
    WaiterDeclaration(
        "audience_generation_job", "GetAudienceGenerationJob", ("audience_generation_job_arn",)
    ),
    WaiterDeclaration(
        "ml_input_channel", "GetMLInputChannel", ("membership_identifier", "ml_input_channel_arn")
    ),
    WaiterDeclaration(
        "trained_model",
        "GetTrainedModel",
        ("membership_identifier", "trained_model_arn"),
        optional=("version_identifier",),
    ),
    WaiterDeclaration(
        "trained_model_inference_job",
        "GetTrainedModelInferenceJob",
        ("membership_identifier", "trained_model_inference_job_arn"),
    ),
    WaiterDeclaration(
        "audience_export_job",
        "ListAudienceExportJobs",
        ("audience_generation_job_arn",),
        item_name="name",
    ),
)


def check_timing(timeout: float, min_delay: float, max_delay: float) -> None:
    """Refuse timings that cannot describe a wait, before anything is sent."""
    if not timeout > 0:
        raise ValueError(f"timeout must be positive, not {timeout!r}")
    if min_delay < 0 or max_delay < 0:
        raise ValueError(
            f"min_delay and max_delay must not be negative, not {min_delay!r}, {max_delay!r}"
        )
    if min_delay > max_delay:
        raise ValueError(f"min_delay ({min_delay!r}) must not exceed max_delay ({max_delay!r})")


async def wait_until(
    poll: Callable[[], Awaitable[T | None]],
    status_of: Callable[[T], Any],
    *,
    failed: frozenset[str],
    what: str,
    timeout: float,
    min_delay: float,
    max_delay: float,
) -> T:
    """Poll until ``status_of`` the result is ACTIVE; raise once it cannot become ACTIVE.

    ``poll`` returns None while the resource is not there yet (a listing without it). The
    first poll is sent at once; the pause after the k-th is uniform in
    ``[min_delay, min(max_delay, min_delay * 2**k)]``. ``timeout`` bounds the whole wait: a
    poll still running at the deadline is cancelled, and no poll starts after it.
    """
    check_timing(timeout, min_delay, max_delay)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: T | None = None
    polls = 0
    while True:
        try:
            async with asyncio.timeout_at(deadline):
                last = await poll()
        except TimeoutError:
            raise _timed_out(what, timeout, last, status_of) from None
        polls += 1
        if last is not None:
            status = status_of(last)
            if status == SUCCESS_STATE:
                return last
            if status in failed:
                raise WaiterFailedError(
                    f"{what} reached {status}, from which it cannot become ACTIVE",
                    last_response=last,
                    status=str(status),
                )
        pause = random.uniform(min_delay, min(max_delay, min_delay * 2**polls))
        if loop.time() + pause >= deadline:
            # Sleep out the budget rather than start a poll that the deadline would cut.
            await asyncio.sleep(max(0.0, deadline - loop.time()))
            raise _timed_out(what, timeout, last, status_of)
        await asyncio.sleep(pause)


def _timed_out(
    what: str, timeout: float, last: Any, status_of: Callable[[Any], Any]
) -> WaiterTimeoutError:
    status = None if last is None else str(status_of(last))
    seen = "never listed" if last is None else f"last seen {status}"
    return WaiterTimeoutError(
        f"{what} did not become ACTIVE within {timeout:g} s ({seen})",
        last_response=last,
        status=status,
    )
