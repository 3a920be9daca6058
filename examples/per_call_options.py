"""Per-call retry options and response metadata, over one long-lived client.

A health check should fail fast, while the rest of the application keeps the client's patient
policy: ``client.with_options(retry=...)`` gives a view of the same client (same connection
pool, credentials, retry quota and rate limiter) that retries differently. Every response
model says which request answered it (``response_metadata``), for logs and support tickets.

    python examples/per_call_options.py --audience-model-arn arn:aws:cleanrooms-ml:...  # AWS
    python examples/per_call_options.py --endpoint-url http://127.0.0.1:4566 \\
        --audience-model-arn arn:aws:cleanrooms-ml:us-east-1:123456789012:audience-model/...
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from dataclasses import dataclass

from cleanroomsml_async import CleanRoomsMLClient, CleanRoomsMLError, RetryPolicy

logger = logging.getLogger("per_call_options")


@dataclass(frozen=True)
class Report:
    """What ``main`` did: the health check's outcome, and the metadata of the calls."""

    healthy: bool
    request_ids: list[str]
    attempts: list[int]


def make_client(endpoint_url: str | None) -> CleanRoomsMLClient:
    """A client for real AWS (credentials and region from the environment), or the emulator."""
    patient = RetryPolicy(max_attempts=8, initial_delay=0.2, max_delay=5.0, timeout=60.0)
    if endpoint_url is None:
        return CleanRoomsMLClient(retry=patient)
    return CleanRoomsMLClient(
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        retry=patient,
    )


# --8<-- [start:views]
async def health_check(client: CleanRoomsMLClient) -> bool:
    """One quick call, not retried: a health check must answer now, not after backoff."""
    quick = client.with_options(retry=RetryPolicy(max_attempts=1, timeout=2.0))
    try:
        await quick.list_audience_generation_jobs(max_results=1)
    except CleanRoomsMLError as error:
        logger.warning("Clean Rooms ML is unhealthy: %s", error)
        return False
    return True


# --8<-- [end:views]


# --8<-- [start:metadata]
async def describe_model(client: CleanRoomsMLClient, arn: str) -> tuple[str, int]:
    """Read one audience model, logging the request id that answered (and the attempts)."""
    model = await client.get_audience_model(audience_model_arn=arn)
    metadata = model.response_metadata
    assert metadata is not None  # always set on a model an operation returned
    logger.info(
        "read %s (request id %s, HTTP %d, %d attempt(s))",
        model.name,
        metadata.request_id,
        metadata.http_status_code,
        metadata.attempts,
    )
    return metadata.request_id or "", metadata.attempts


# --8<-- [end:metadata]


async def main(endpoint_url: str | None = None, *, audience_model_arn: str) -> Report:
    """Check the service's health through a fail-fast view, then read one model patiently."""
    async with make_client(endpoint_url) as client:
        healthy = await health_check(client)
        request_id, attempts = await describe_model(client, audience_model_arn)
    return Report(healthy=healthy, request_ids=[request_id], attempts=[attempts])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--endpoint-url", help="e.g. the emulator's; default: real AWS")
    parser.add_argument("--audience-model-arn", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    print(asyncio.run(main(args.endpoint_url, audience_model_arn=args.audience_model_arn)))
