"""Command line: ``python -m cleanroomsml_async demo`` (also ``cleanroomsml-async demo``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from cleanroomsml_async import CleanRoomsMLClient, RetryPolicy
from cleanroomsml_async.models import AudienceSize, AudienceSizeType

__all__ = ["main"]

EXPORT_JOBS = 42
PAGE_SIZE = 10


def _heading(text: str) -> None:
    print(f"\n== {text}")


async def demo() -> int:
    """Start the emulator, seed it, and run every operation through the real client."""
    from pydantic import ValidationError

    from cleanroomsml_async.testing import LocalCleanRoomsML

    async with LocalCleanRoomsML(export_job_activation_delay=1.0) as emulator:
        data = emulator.seed_demo_data(count=3)
        generation_job = data.audience_generation_job_arns[0]
        emulator.add_audience_export_jobs(EXPORT_JOBS, audience_generation_job_arn=generation_job)
        print(f"Emulator listening on {emulator.endpoint_url} (SigV4-signed rest-json over HTTP)")

        retry = RetryPolicy(max_attempts=4, initial_delay=0.05, max_delay=0.5)
        async with emulator.client(retry=retry) as client:
            await _tour(client, data.audience_model_arns[0], generation_job)
            _heading("GetAudienceModel, throttled twice, then answered")
            emulator.faults.throttle(2, operation="GetAudienceModel")
            emulator.clear_requests()
            model = await client.get_audience_model(audience_model_arn=data.audience_model_arns[0])
            statuses = [record.status for record in emulator.requests]
            print(f"  {model.name}: the service answered {statuses}; the caller saw one result")

            _heading("ListCollaborationTrainedModelExportJobs")
            async for export in client.list_collaboration_trained_model_export_jobs(
                collaboration_identifier=data.collaboration_id,
                trained_model_arn=data.trained_model_arn,
            ):
                print(f"  {export.name:<28} {export.status:<16} to {export.creator_account_id}")

            _heading("A bad request is refused before anything is sent")
            emulator.clear_requests()
            try:
                await client.get_audience_model(audience_model_arn="arn:aws:not-an-audience-model")
            except ValidationError as error:
                print(f"  pydantic refused it: {error.errors()[0]['msg']}")
            print(f"  requests the emulator received: {len(emulator.requests)}")
    return 0


async def _tour(client: CleanRoomsMLClient, model_arn: str, generation_job: str) -> None:
    _heading("GetAudienceModel")
    model = await client.get_audience_model(audience_model_arn=model_arn)
    print(f"  {model.name}: {model.status}, created {model.create_time:%Y-%m-%d %H:%M:%S %Z}")

    _heading("ListAudienceGenerationJobs")
    async for job in client.list_audience_generation_jobs():
        print(f"  {job.name:<28} {job.status:<10} {job.audience_generation_job_arn}")

    _heading(f"ListAudienceExportJobs, {PAGE_SIZE} per page")
    pager = client.list_audience_export_jobs(
        audience_generation_job_arn=generation_job, max_results=PAGE_SIZE
    )
    count = 0
    async for page in pager.pages():
        count += 1
        names = [job.name for job in page.audience_export_jobs]
        more = "more to come" if page.next_token else "last page"
        print(f"  page {count}: {len(names)} jobs ({names[0]} .. {names[-1]}), {more}")

    _heading("StartAudienceExportJob")
    await client.start_audience_export_job(
        name="demo-export",
        audience_generation_job_arn=generation_job,
        audience_size=AudienceSize(type=AudienceSizeType.ABSOLUTE, value=20_000),
    )
    for wait in (0.0, 1.2):
        await asyncio.sleep(wait)
        jobs = await client.list_audience_export_jobs(
            audience_generation_job_arn=generation_job
        ).to_list()
        started = next(job for job in jobs if job.name == "demo-export")
        print(f"  demo-export after {wait:.1f} s: {started.status}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cleanroomsml-async`` command."""
    parser = argparse.ArgumentParser(
        prog="cleanroomsml-async", description="Typed async client for AWS Clean Rooms ML."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run every operation against the embedded emulator")
    args = parser.parse_args(argv)
    if args.command == "demo":
        # Our own handler on our own logger, so the retries show whatever the root logger has
        # (basicConfig does nothing once a root handler exists, e.g. under pytest).
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("  [log] %(message)s"))
        logger = logging.getLogger("cleanroomsml_async")
        level = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        try:
            return asyncio.run(demo())
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
    return 2  # pragma: no cover - argparse rejects unknown commands first


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
