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

            await _workflow(client)
    return 0


ROLE_ARN = "arn:aws:iam::123456789012:role/CleanRoomsMLDemo"


async def _workflow(client: CleanRoomsMLClient) -> None:
    """The service's main workflow, from a training dataset to an exported audience."""
    timing = {"min_delay": 0.2, "max_delay": 1.0, "timeout": 30.0}
    _heading("The workflow: training dataset to exported audience, with waiters")
    dataset = await client.create_training_dataset(
        name="demo-interactions",
        role_arn=ROLE_ARN,
        training_data=[
            {
                "type": "INTERACTIONS",
                "input_config": {
                    "schema": [
                        {"column_name": "user_id", "column_types": ["USER_ID"]},
                        {"column_name": "item_id", "column_types": ["ITEM_ID"]},
                        {"column_name": "timestamp", "column_types": ["TIMESTAMP"]},
                    ],
                    "data_source": {
                        "glue_data_source": {"table_name": "interactions", "database_name": "demo"}
                    },
                },
            }
        ],
    )
    print(f"  CreateTrainingDataset -> {dataset.training_dataset_arn}")
    model = await client.create_audience_model(
        name="demo-audience-model", training_dataset_arn=dataset.training_dataset_arn
    )
    print(f"  CreateAudienceModel -> {model.audience_model_arn}")
    ready = await client.wait_until_audience_model_active(
        audience_model_arn=model.audience_model_arn, **timing
    )
    print(f"  wait_until_audience_model_active -> {ready.status}")
    configured = await client.create_configured_audience_model(
        name="demo-configured-model",
        audience_model_arn=model.audience_model_arn,
        output_config={
            "destination": {"s3_destination": {"s3_uri": "s3://demo-bucket/audiences/"}},
            "role_arn": ROLE_ARN,
        },
        shared_audience_metrics=["ALL"],
    )
    print(f"  CreateConfiguredAudienceModel -> {configured.configured_audience_model_arn}")
    generation = await client.start_audience_generation_job(
        name="demo-generation",
        configured_audience_model_arn=configured.configured_audience_model_arn,
        seed_audience={
            "data_source": {"s3_uri": "s3://demo-bucket/seed/"},
            "role_arn": ROLE_ARN,
        },
    )
    print(f"  StartAudienceGenerationJob -> {generation.audience_generation_job_arn}")
    job = await client.wait_until_audience_generation_job_active(
        audience_generation_job_arn=generation.audience_generation_job_arn, **timing
    )
    print(f"  wait_until_audience_generation_job_active -> {job.status}")
    await client.start_audience_export_job(
        name="demo-workflow-export",
        audience_generation_job_arn=generation.audience_generation_job_arn,
        audience_size={"type": "ABSOLUTE", "value": 5_000},
    )
    print("  StartAudienceExportJob -> accepted")
    export = await client.wait_until_audience_export_job_active(
        audience_generation_job_arn=generation.audience_generation_job_arn,
        name="demo-workflow-export",
        **timing,
    )
    print(
        f"  wait_until_audience_export_job_active -> {export.status}, at {export.output_location}"
    )


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
