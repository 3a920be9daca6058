"""Export the audience of every ACTIVE audience generation job.

Lists every audience generation job (all pages), and for each one that is ACTIVE starts an
audience export job named after it and today's date. The starts run concurrently over one
client, at most ``CONCURRENCY`` at a time; throttling is retried by the client's RetryPolicy.
Running the script twice on the same day starts nothing new: the service refuses a second
export job of the same name (ConflictException), which is reported as "already exported". A
job whose export fails for another reason is reported too, and does not stop the others.

    python examples/export_active_audiences.py                      # real AWS
    python examples/export_active_audiences.py --endpoint-url http://127.0.0.1:4566
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cleanroomsml_async import CleanRoomsMLClient, CleanRoomsMLError, ConflictException
from cleanroomsml_async.models import (
    AudienceGenerationJobStatus,
    AudienceGenerationJobSummary,
    AudienceSize,
    AudienceSizeType,
)

# The size to export. It must be one of the sizes of the configured audience model.
AUDIENCE_SIZE = AudienceSize(type=AudienceSizeType.PERCENTAGE, value=10)
# How many StartAudienceExportJob calls may be in flight at once.
CONCURRENCY = 8


@dataclass
class ExportReport:
    """What the run did, by audience generation job ARN."""

    started: list[str] = field(default_factory=list)
    already_exported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def make_client(endpoint_url: str | None) -> CleanRoomsMLClient:
    """A client for real AWS (credentials and region from the environment), or the emulator."""
    if endpoint_url is None:
        return CleanRoomsMLClient()
    return CleanRoomsMLClient(
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def export_name(job: AudienceGenerationJobSummary, day: datetime) -> str:
    """A name unique per generation job and day, within the service's 63 characters."""
    return f"{job.name[:50]}-{day:%Y%m%d}"


async def main(endpoint_url: str | None = None) -> ExportReport:
    """Start an export job for every ACTIVE audience generation job; say what happened."""
    report = ExportReport()
    today = datetime.now(UTC)
    slots = asyncio.Semaphore(CONCURRENCY)

    async def export(client: CleanRoomsMLClient, job: AudienceGenerationJobSummary) -> None:
        async with slots:
            try:
                await client.start_audience_export_job(
                    name=export_name(job, today),
                    audience_generation_job_arn=job.audience_generation_job_arn,
                    audience_size=AUDIENCE_SIZE,
                    description=f"Export of {job.name}",
                )
            except ConflictException:
                report.already_exported.append(job.audience_generation_job_arn)
            except CleanRoomsMLError as error:  # throttled after retries, access denied, ...
                report.failed[job.audience_generation_job_arn] = str(error)
            else:
                report.started.append(job.audience_generation_job_arn)

    async with make_client(endpoint_url) as client:
        active: list[AudienceGenerationJobSummary] = []
        async for job in client.list_audience_generation_jobs():
            # A status this release does not know arrives as a plain str; it is not ACTIVE.
            if job.status == AudienceGenerationJobStatus.ACTIVE:
                active.append(job)
            else:
                report.skipped.append(job.audience_generation_job_arn)
        async with asyncio.TaskGroup() as tasks:
            for job in active:
                tasks.create_task(export(client, job))
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--endpoint-url", help="e.g. the emulator's; default: real AWS")
    args = parser.parse_args()
    result = asyncio.run(main(args.endpoint_url))
    print(
        f"started {len(result.started)} export jobs, {len(result.already_exported)} already "
        f"exported today, {len(result.skipped)} generation jobs not ACTIVE"
    )
    for arn, reason in result.failed.items():
        print(f"failed: {arn}: {reason}")
