"""The service's two main workflows as data, for any client to run (boto3, the AWS CLI).

Each workflow is a generator that yields a Call (operation, params) or a Wait (poll an
operation until the resource is ACTIVE) and is sent back the response of each.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from cleanroomsml_async.testing._examples import example_input


@dataclass(frozen=True)
class Call:
    operation: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Wait:
    """Poll operation with params until status(response) is ACTIVE."""

    operation: str
    params: dict[str, Any]
    status: Callable[[dict[str, Any]], str | None] = lambda response: response.get("status")


Step = Call | Wait
Workflow = Generator[Step, dict[str, Any], dict[str, Any]]


def request(operation: str, membership_id: str | None = None, **params: Any) -> dict[str, Any]:
    """A valid request of operation (from the model), with params set."""
    built = example_input(operation, membership_id=membership_id)
    built.update(params)
    return built


def audience_workflow() -> Workflow:
    """Training dataset, audience model, configured audience model, audience generation
    job, audience export job. Returns what it made."""
    dataset = yield Call("CreateTrainingDataset", request("CreateTrainingDataset", name="ds"))
    dataset_arn = dataset["trainingDatasetArn"]
    model = yield Call(
        "CreateAudienceModel",
        request("CreateAudienceModel", name="lookalike", trainingDatasetArn=dataset_arn),
    )
    model_arn = model["audienceModelArn"]
    yield Wait("GetAudienceModel", {"audienceModelArn": model_arn})
    configured = yield Call(
        "CreateConfiguredAudienceModel",
        request("CreateConfiguredAudienceModel", name="configured", audienceModelArn=model_arn),
    )
    configured_arn = configured["configuredAudienceModelArn"]
    job = yield Call(
        "StartAudienceGenerationJob",
        request(
            "StartAudienceGenerationJob",
            name="generate",
            configuredAudienceModelArn=configured_arn,
        ),
    )
    job_arn = job["audienceGenerationJobArn"]
    yield Wait("GetAudienceGenerationJob", {"audienceGenerationJobArn": job_arn})
    yield Call(
        "StartAudienceExportJob",
        {
            "name": "export",
            "audienceGenerationJobArn": job_arn,
            "audienceSize": {"type": "ABSOLUTE", "value": 1000},
        },
    )
    exports = yield Wait(
        "ListAudienceExportJobs",
        {"audienceGenerationJobArn": job_arn},
        lambda response: response["audienceExportJobs"][0]["status"],
    )
    return {
        "trainingDatasetArn": dataset_arn,
        "audienceModelArn": model_arn,
        "configuredAudienceModelArn": configured_arn,
        "audienceGenerationJobArn": job_arn,
        "exportJob": exports["audienceExportJobs"][0],
    }


def training_workflow(membership_id: str) -> Workflow:
    """Configured model algorithm, association, ML input channel, trained model, then its
    export job and inference job, all in one membership. Returns what it made."""
    m = membership_id
    algorithm = yield Call(
        "CreateConfiguredModelAlgorithm", request("CreateConfiguredModelAlgorithm", name="algo")
    )
    association = yield Call(
        "CreateConfiguredModelAlgorithmAssociation",
        request(
            "CreateConfiguredModelAlgorithmAssociation",
            m,
            name="association",
            configuredModelAlgorithmArn=algorithm["configuredModelAlgorithmArn"],
        ),
    )
    association_arn = association["configuredModelAlgorithmAssociationArn"]
    channel = yield Call(
        "CreateMLInputChannel",
        request(
            "CreateMLInputChannel",
            m,
            name="channel",
            configuredModelAlgorithmAssociations=[association_arn],
        ),
    )
    channel_arn = channel["mlInputChannelArn"]
    yield Wait("GetMLInputChannel", {"membershipIdentifier": m, "mlInputChannelArn": channel_arn})
    trained = yield Call(
        "CreateTrainedModel",
        request(
            "CreateTrainedModel",
            m,
            name="model",
            configuredModelAlgorithmAssociationArn=association_arn,
            dataChannels=[{"mlInputChannelArn": channel_arn, "channelName": "train"}],
        ),
    )
    trained_arn = trained["trainedModelArn"]
    version = trained["versionIdentifier"]
    model = yield Wait(
        "GetTrainedModel", {"membershipIdentifier": m, "trainedModelArn": trained_arn}
    )
    yield Call(
        "StartTrainedModelExportJob",
        request(
            "StartTrainedModelExportJob",
            m,
            name="export",
            trainedModelArn=trained_arn,
            trainedModelVersionIdentifier=version,
        ),
    )
    collaboration = model["collaborationIdentifier"]
    exports = yield Wait(
        "ListCollaborationTrainedModelExportJobs",
        {"collaborationIdentifier": collaboration, "trainedModelArn": trained_arn},
        lambda response: response["collaborationTrainedModelExportJobs"][0]["status"],
    )
    inference = yield Call(
        "StartTrainedModelInferenceJob",
        request(
            "StartTrainedModelInferenceJob",
            m,
            name="inference",
            trainedModelArn=trained_arn,
            trainedModelVersionIdentifier=version,
            configuredModelAlgorithmAssociationArn=association_arn,
            dataSource={"mlInputChannelArn": channel_arn},
        ),
    )
    inference_arn = inference["trainedModelInferenceJobArn"]
    yield Wait(
        "GetTrainedModelInferenceJob",
        {"membershipIdentifier": m, "trainedModelInferenceJobArn": inference_arn},
    )
    seen = yield Call(
        "GetCollaborationTrainedModel",
        {"collaborationIdentifier": collaboration, "trainedModelArn": trained_arn},
    )
    return {
        "collaborationIdentifier": collaboration,
        "trainedModelArn": trained_arn,
        "versionIdentifier": version,
        "mlInputChannelArn": channel_arn,
        "trainedModelInferenceJobArn": inference_arn,
        "exportJob": exports["collaborationTrainedModelExportJobs"][0],
        "collaborationTrainedModel": seen,
    }


def run(
    workflow: Workflow,
    send: Callable[[str, dict[str, Any]], dict[str, Any]],
    *,
    polls: int = 100,
    pause: Callable[[], None] = lambda: None,
) -> tuple[dict[str, Any], list[str]]:
    """Drive a workflow with send(operation, params) -> response; returns its result and
    the status sequence each Wait saw."""
    seen: list[str] = []
    try:
        step = next(workflow)
        while True:
            if isinstance(step, Call):
                response = send(step.operation, step.params)
            else:
                for _ in range(polls):
                    response = send(step.operation, step.params)
                    status = step.status(response)
                    seen.append(f"{step.operation}:{status}")
                    if status == "ACTIVE":
                        break
                    pause()
                else:
                    raise AssertionError(f"{step.operation} never saw ACTIVE: {seen[-5:]}")
            step = workflow.send(response)
    except StopIteration as done:
        result: dict[str, Any] = done.value
        return result, seen
