"""The whole service: every operation answers, every response fits the model, the two main
workflows run end to end through boto3, and lifecycles, references, tags and collaborations
behave."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from cleanroomsml_async.testing import LocalCleanRoomsML
from cleanroomsml_async.testing._examples import example_input
from cleanroomsml_async.testing._kinds import actions, kinds
from cleanroomsml_async.testing._service import OPERATION_NAMES, operation_model
from cleanroomsml_async.testing._validation import check_structure
from tests.emulator.workflows import audience_workflow, request, run, training_workflow


def modelled_errors(operation: str) -> set[str]:
    return {shape.name for shape in operation_model(operation).error_shapes}


def as_wire(value: Any) -> Any:
    """A botocore-parsed response back in wire form (timestamps as text) for checking."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: as_wire(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, list):
        return [as_wire(item) for item in value]
    return value


def problems(operation: str, response: dict[str, Any]) -> list[str]:
    """Every way a response breaks the operation's output shape (required members, types,
    enums, lengths and patterns)."""
    found: list[str] = []
    output = operation_model(operation).output_shape
    if output is not None:
        check_structure(output, as_wire(response), "", found)
    return found


async def call(client: Any, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = await getattr(client, xform_name(operation))(**params)
    return response


@pytest.mark.parametrize("operation", OPERATION_NAMES)
async def test_every_operation_answers_a_valid_request(
    emulator: LocalCleanRoomsML, raw_client: Any, operation: str
) -> None:
    params = example_input(operation)
    refused: dict[str, Any] | None = None
    try:
        response = await call(raw_client, operation, params)
    except ClientError as error:
        refused = error.response
    if refused is None:
        assert 200 <= response["ResponseMetadata"]["HTTPStatusCode"] < 300
        assert problems(operation, response) == []
    else:
        code = refused["Error"]["Code"]
        assert code in modelled_errors(operation), (code, refused["Error"]["Message"])
        assert refused["ResponseMetadata"]["HTTPStatusCode"] < 500
        # Only references to resources that do not exist may fail a valid request.
        assert code == "ResourceNotFoundException", code
    [record] = emulator.requests
    assert record.operation == operation


async def test_every_get_and_list_response_fits_the_model(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    demo = emulator.seed_demo_data(2)
    for kind, resources in demo.resources.items():
        # Tagged, so that the responses that show tags have some to show.
        arn_member = kinds()[kind].arn_member
        if arn_member is not None:
            await raw_client.tag_resource(
                resourceArn=resources[0][arn_member], tags={"team": "ads"}
            )
    checked: list[str] = []
    for operation, action in actions().items():
        if action.verb not in ("get", "list"):
            continue
        resource = demo.resources[action.kind.name][0]
        input_shape = operation_model(operation).input_shape
        params = {
            name: resource[name] for name in input_shape.required_members if name in resource
        }
        assert set(params) == set(input_shape.required_members), operation
        response = await call(raw_client, operation, params)
        assert problems(operation, response) == [], operation
        if action.verb == "list":
            assert response[action.result_key or ""], f"{operation} listed nothing"
        checked.append(operation)
    assert len(checked) == sum(1 for a in actions().values() if a.verb in ("get", "list"))


async def test_audience_workflow_through_boto3(
    emulator: LocalCleanRoomsML, boto3_client: Any
) -> None:
    emulator.activation_delay = 0.3

    def send(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = getattr(boto3_client, xform_name(operation))(**params)
        assert problems(operation, response) == [], operation
        return response

    made, seen = await asyncio.to_thread(
        run, audience_workflow(), send, pause=lambda: time.sleep(0.05)
    )

    assert made["exportJob"]["status"] == "ACTIVE"
    assert made["exportJob"]["outputLocation"].startswith("s3://")
    # Each wait saw the resource pass through its lifecycle before it was ACTIVE.
    assert "GetAudienceModel:CREATE_PENDING" in seen
    assert "GetAudienceModel:ACTIVE" in seen
    models = await asyncio.to_thread(boto3_client.list_audience_models)
    assert [m["audienceModelArn"] for m in models["audienceModels"]] == [made["audienceModelArn"]]


async def test_training_workflow_through_boto3(
    emulator: LocalCleanRoomsML, boto3_client: Any
) -> None:
    emulator.activation_delay = 0.3
    membership = emulator.add_membership()
    collaboration = emulator.collaboration_of(membership)
    partner = emulator.add_membership(collaboration_id=collaboration)

    def send(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = getattr(boto3_client, xform_name(operation))(**params)
        assert problems(operation, response) == [], operation
        return response

    made, seen = await asyncio.to_thread(
        run, training_workflow(membership), send, pause=lambda: time.sleep(0.05)
    )

    assert made["collaborationIdentifier"] == collaboration
    assert made["exportJob"]["status"] == "ACTIVE"
    assert made["collaborationTrainedModel"]["creatorAccountId"] == "123456789012"
    assert "GetTrainedModel:CREATE_PENDING" in seen
    # Another member of the collaboration reads what this member made, there and only there.
    channels = await asyncio.to_thread(
        boto3_client.list_collaboration_ml_input_channels, collaborationIdentifier=collaboration
    )
    assert [c["mlInputChannelArn"] for c in channels["collaborationMLInputChannelsList"]] == [
        made["mlInputChannelArn"]
    ]
    own = await asyncio.to_thread(
        boto3_client.list_ml_input_channels, membershipIdentifier=partner
    )
    assert own["mlInputChannelsList"] == []
    inference = await asyncio.to_thread(
        boto3_client.list_collaboration_trained_model_inference_jobs,
        collaborationIdentifier=collaboration,
    )
    [job] = inference["collaborationTrainedModelInferenceJobs"]
    assert job["trainedModelInferenceJobArn"] == made["trainedModelInferenceJobArn"]


async def test_a_reference_to_nothing_is_not_found_and_nothing_is_made(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    missing = emulator.arns.training_dataset()
    with pytest.raises(ClientError) as info:
        await call(
            raw_client,
            "CreateAudienceModel",
            request("CreateAudienceModel", trainingDatasetArn=missing),
        )
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing in info.value.response["Error"]["Message"]
    assert emulator.resources("AudienceModel") == []


async def test_delete_goes_through_delete_pending_then_the_resource_is_gone(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    emulator.activation_delay = 0.3
    [model] = emulator.seed("AudienceModel")
    arn = model["audienceModelArn"]

    await raw_client.delete_audience_model(audienceModelArn=arn)
    pending = await raw_client.get_audience_model(audienceModelArn=arn)
    with pytest.raises(ClientError) as again:
        await raw_client.delete_audience_model(audienceModelArn=arn)
    await asyncio.sleep(0.4)
    with pytest.raises(ClientError) as gone:
        await raw_client.get_audience_model(audienceModelArn=arn)

    assert pending["status"] == "DELETE_PENDING"
    assert again.value.response["Error"]["Code"] == "ConflictException"
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert emulator.resources("AudienceModel") == []


async def test_a_kind_without_delete_statuses_is_gone_at_once(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    [algorithm] = emulator.seed("ConfiguredModelAlgorithm")
    arn = algorithm["configuredModelAlgorithmArn"]
    await raw_client.delete_configured_model_algorithm(configuredModelAlgorithmArn=arn)
    with pytest.raises(ClientError) as gone:
        await raw_client.get_configured_model_algorithm(configuredModelAlgorithmArn=arn)
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"


async def test_cancel_goes_through_cancel_pending_to_inactive(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    emulator.activation_delay = 0.3
    [job] = emulator.seed("TrainedModelInferenceJob", activate_after=60)
    params = {
        "membershipIdentifier": job["membershipIdentifier"],
        "trainedModelInferenceJobArn": job["trainedModelInferenceJobArn"],
    }

    before = await raw_client.get_trained_model_inference_job(**params)
    await raw_client.cancel_trained_model_inference_job(**params)
    cancelling = await raw_client.get_trained_model_inference_job(**params)
    await asyncio.sleep(0.4)
    after = await raw_client.get_trained_model_inference_job(**params)
    with pytest.raises(ClientError) as again:
        await raw_client.cancel_trained_model_inference_job(**params)

    assert before["status"] == "CREATE_PENDING"
    assert cancelling["status"] == "CANCEL_PENDING"
    # The creation that was under way does not make it ACTIVE behind the cancel's back.
    assert after["status"] == "INACTIVE"
    assert again.value.response["Error"]["Code"] == "ConflictException"


async def test_creating_a_trained_model_again_by_name_makes_a_version(
    emulator: LocalCleanRoomsML, raw_client: Any
) -> None:
    membership = emulator.add_membership()
    [association] = emulator.seed("ConfiguredModelAlgorithmAssociation", membership_id=membership)
    [channel] = emulator.seed("MLInputChannel", membership_id=membership)
    params = request(
        "CreateTrainedModel",
        membership,
        name="churn",
        configuredModelAlgorithmAssociationArn=association[
            "configuredModelAlgorithmAssociationArn"
        ],
        dataChannels=[{"mlInputChannelArn": channel["mlInputChannelArn"], "channelName": "train"}],
    )
    first = await raw_client.create_trained_model(**params)
    second = await raw_client.create_trained_model(**params)
    arn = first["trainedModelArn"]
    versions = await raw_client.list_trained_model_versions(
        membershipIdentifier=membership, trainedModelArn=arn
    )
    latest = await raw_client.get_trained_model(
        membershipIdentifier=membership, trainedModelArn=arn
    )
    older = await raw_client.get_trained_model(
        membershipIdentifier=membership,
        trainedModelArn=arn,
        versionIdentifier=first["versionIdentifier"],
    )
    with pytest.raises(ClientError) as unknown:
        await raw_client.list_trained_model_versions(
            membershipIdentifier=membership,
            trainedModelArn=emulator.arns.trained_model(membership),
        )

    assert second["trainedModelArn"] == arn
    assert second["versionIdentifier"] != first["versionIdentifier"]
    assert [v["versionIdentifier"] for v in versions["trainedModels"]] == [
        first["versionIdentifier"],
        second["versionIdentifier"],
    ]
    assert latest["versionIdentifier"] == second["versionIdentifier"]
    assert older["versionIdentifier"] == first["versionIdentifier"]
    assert unknown.value.response["Error"]["Code"] == "ResourceNotFoundException"


async def test_tags_on_every_taggable_kind(emulator: LocalCleanRoomsML, raw_client: Any) -> None:
    for kind in kinds().values():
        if kind.arn_member is None:
            continue
        [resource] = emulator.seed(kind.name, tags={"seeded": "yes"})
        arn = resource[kind.arn_member]
        await raw_client.tag_resource(resourceArn=arn, tags={"team": "ads", "tier": "1"})
        await raw_client.untag_resource(resourceArn=arn, tagKeys=["seeded", "tier"])
        tags = await raw_client.list_tags_for_resource(resourceArn=arn)
        # Both keys went, though sent as one query parameter given twice.
        assert tags["tags"] == {"team": "ads"}, kind.name
    with pytest.raises(ClientError) as missing:
        await raw_client.list_tags_for_resource(resourceArn=emulator.arns.audience_model())
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


async def test_policy_and_ml_configuration(emulator: LocalCleanRoomsML, raw_client: Any) -> None:
    [configured] = emulator.seed("ConfiguredAudienceModel")
    arn = configured["configuredAudienceModelArn"]
    put = await raw_client.put_configured_audience_model_policy(
        configuredAudienceModelArn=arn, configuredAudienceModelPolicy='{"Version": "2012-10-17"}'
    )
    got = await raw_client.get_configured_audience_model_policy(configuredAudienceModelArn=arn)
    with pytest.raises(ClientError) as stale:
        await raw_client.put_configured_audience_model_policy(
            configuredAudienceModelArn=arn,
            configuredAudienceModelPolicy="{}",
            previousPolicyHash="0" * 64,
        )
    membership = emulator.add_membership()
    location = {
        "destination": {"s3Destination": {"s3Uri": "s3://out/"}},
        "roleArn": emulator.arns.iam_role(),
    }
    await raw_client.put_ml_configuration(
        membershipIdentifier=membership, defaultOutputLocation=location
    )
    configuration = await raw_client.get_ml_configuration(membershipIdentifier=membership)
    await raw_client.delete_ml_configuration(membershipIdentifier=membership)
    with pytest.raises(ClientError) as deleted:
        await raw_client.get_ml_configuration(membershipIdentifier=membership)

    assert got["policyHash"] == put["policyHash"]
    assert len(put["policyHash"]) == 64
    assert stale.value.response["Error"]["Code"] == "ValidationException"
    assert configuration["defaultOutputLocation"] == location
    assert deleted.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_seed_makes_any_kind_valid_and_refuses_unknown_fields() -> None:
    emulator = LocalCleanRoomsML()
    for name, action in actions().items():
        if action.verb != "get":
            continue
        [resource] = emulator.seed(action.kind.name)
        found: list[str] = []
        shown = {key: resource[key] for key in action.output_members if key in resource}
        check_structure(operation_model(name).output_shape, shown, "", found)
        assert found == [], (name, found)
    [job] = emulator.seed("trained_model_inference_job", status="CANCEL_PENDING")
    assert job["status"] == "CANCEL_PENDING"
    with pytest.raises(ValueError, match="no member 'colour'"):
        emulator.seed("TrainingDataset", colour="red")
    with pytest.raises(ValueError, match="unknown kind"):
        emulator.seed("Membership")
