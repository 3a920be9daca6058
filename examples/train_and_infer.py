"""Train a model in a collaboration and run inference with it, waiting on each long step.

The custom-model workflow of Clean Rooms ML: a configured model algorithm, its association
with a membership, an ML input channel (the training data, from a protected query), a trained
model, then an inference job. Channels, models and jobs take minutes to hours to become
ACTIVE; each ``wait_until_..._active`` polls with jittered backoff and raises at once if the
resource fails.

    python examples/train_and_infer.py --membership-id <uuid> --role-arn arn:aws:iam::...  # AWS
    python examples/train_and_infer.py --endpoint-url http://127.0.0.1:4566 \\
        --membership-id 0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0 \\
        --role-arn arn:aws:iam::123456789012:role/CleanRoomsML
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass

from cleanroomsml_async import CleanRoomsMLClient, WaiterFailedError

#: Seconds between polls: short against the emulator, minutes would suit real training.
MIN_DELAY, MAX_DELAY = 0.2, 2.0


@dataclass(frozen=True)
class Report:
    """What ``main`` made, and the statuses its waiters returned."""

    trained_model_arn: str
    inference_job_arn: str
    statuses: list[str]


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


async def main(
    endpoint_url: str | None, *, membership_id: str, role_arn: str, wait_seconds: float = 3600.0
) -> Report:
    """Run the workflow in one membership; returns what it made."""
    async with make_client(endpoint_url) as client:
        algorithm = await client.create_configured_model_algorithm(
            name="churn-algorithm", role_arn=role_arn
        )
        association = await client.create_configured_model_algorithm_association(
            membership_identifier=membership_id,
            configured_model_algorithm_arn=algorithm.configured_model_algorithm_arn,
            name="churn-association",
        )
        association_arn = association.configured_model_algorithm_association_arn
        channel = await client.create_ml_input_channel(
            membership_identifier=membership_id,
            name="churn-training-data",
            configured_model_algorithm_associations=[association_arn],
            input_channel={
                "data_source": {
                    "protected_query_input_parameters": {
                        "sql_parameters": {"query_string": "SELECT * FROM interactions"}
                    }
                },
                "role_arn": role_arn,
            },
            retention_in_days=30,
        )
        ready_channel = await client.wait_until_ml_input_channel_active(
            membership_identifier=membership_id,
            ml_input_channel_arn=channel.ml_input_channel_arn,
            timeout=wait_seconds,
            min_delay=MIN_DELAY,
            max_delay=MAX_DELAY,
        )
        model = await client.create_trained_model(
            membership_identifier=membership_id,
            name="churn-model",
            configured_model_algorithm_association_arn=association_arn,
            resource_config={"instance_type": "ml.m5.xlarge", "volume_size_in_gb": 10},
            data_channels=[
                {"ml_input_channel_arn": channel.ml_input_channel_arn, "channel_name": "train"}
            ],
        )
        try:
            trained = await client.wait_until_trained_model_active(
                membership_identifier=membership_id,
                trained_model_arn=model.trained_model_arn,
                timeout=wait_seconds,
                min_delay=MIN_DELAY,
                max_delay=MAX_DELAY,
            )
        except WaiterFailedError as failed:
            # The last response says why (statusDetails), e.g. for a support ticket.
            raise SystemExit(
                f"training ended in {failed.status}: {failed.last_response}"
            ) from None
        job = await client.start_trained_model_inference_job(
            membership_identifier=membership_id,
            name="churn-scores",
            trained_model_arn=trained.trained_model_arn,
            resource_config={"instance_type": "ml.m5.xlarge"},
            output_configuration={"members": [{"account_id": "123456789012"}]},
            data_source={"ml_input_channel_arn": channel.ml_input_channel_arn},
        )
        scored = await client.wait_until_trained_model_inference_job_active(
            membership_identifier=membership_id,
            trained_model_inference_job_arn=job.trained_model_inference_job_arn,
            timeout=wait_seconds,
            min_delay=MIN_DELAY,
            max_delay=MAX_DELAY,
        )
        return Report(
            trained.trained_model_arn,
            scored.trained_model_inference_job_arn,
            [str(ready_channel.status), str(trained.status), str(scored.status)],
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--endpoint-url", help="e.g. the emulator's http://127.0.0.1:4566")
    parser.add_argument("--membership-id", required=True)
    parser.add_argument("--role-arn", required=True)
    args = parser.parse_args()
    report = asyncio.run(
        main(args.endpoint_url, membership_id=args.membership_id, role_arn=args.role_arn)
    )
    print(f"trained {report.trained_model_arn}")
    print(f"scored by {report.inference_job_arn}: {', '.join(report.statuses)}")
