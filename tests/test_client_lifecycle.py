"""Opening, closing, sharing and wrapping clients; concurrency on one client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession

from cleanroomsml_async import (
    CleanRoomsMLClient,
    ConfigurationError,
    ResourceNotFoundException,
    RetryPolicy,
    ThrottlingException,
)
from cleanroomsml_async.models import (
    AudienceExportJobStatus,
    AudienceExportJobSummary,
    AudienceModelStatus,
    AudienceSizeType,
    GetAudienceModelResponse,
)
from cleanroomsml_async.testing import LocalCleanRoomsML

NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)


@pytest.fixture
def model_arn(emulator: LocalCleanRoomsML) -> str:
    arn: str = emulator.add_audience_model(name="shared")["audienceModelArn"]
    return arn


# -- concurrency ----------------------------------------------------------------------------


async def test_a_hundred_concurrent_calls_on_one_client(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    emulator.add_audience_export_jobs(4)
    gets = [client.get_audience_model(audience_model_arn=model_arn) for _ in range(50)]
    lists = [client.list_audience_export_jobs(max_results=2).to_list() for _ in range(50)]
    models = await asyncio.gather(*gets)
    listings = await asyncio.gather(*lists)
    assert all(isinstance(model, GetAudienceModelResponse) for model in models)
    assert {model.audience_model_arn for model in models} == {model_arn}
    assert all(
        [job.name for job in jobs] == [f"export-job-{i}" for i in range(1, 5)] for jobs in listings
    )
    assert len(emulator.requests_for("GetAudienceModel")) == 50
    assert len(emulator.requests_for("ListAudienceExportJobs")) == 100
    assert all(record.status == 200 for record in emulator.requests)


async def test_a_hundred_concurrent_first_calls_open_a_lazy_client_once(
    emulator: LocalCleanRoomsML, aio_session: AioSession, model_arn: str
) -> None:
    client = emulator.client(retry=NO_SLEEP, session=aio_session)  # never entered
    try:
        models = await asyncio.gather(
            *(client.get_audience_model(audience_model_arn=model_arn) for _ in range(100))
        )
        assert [model.name for model in models] == ["shared"] * 100
        assert len(emulator.requests) == 100
        # The racing first calls opened one aiobotocore client, and later calls reuse it.
        underlying = client._core.client
        assert underlying is not None
        await client.get_audience_model(audience_model_arn=model_arn)
        assert client._core.client is underlying
    finally:
        await client.close()


async def test_concurrent_calls_retry_independently(
    emulator: LocalCleanRoomsML, aio_session: AioSession, model_arn: str
) -> None:
    emulator.faults.throttle(30)
    policy = RetryPolicy(max_attempts=40, initial_delay=0, max_delay=0)
    async with emulator.client(retry=policy, session=aio_session) as client:
        models = await asyncio.gather(
            *(client.get_audience_model(audience_model_arn=model_arn) for _ in range(100))
        )
    assert len(models) == 100
    assert len(emulator.requests) == 130  # every call once, plus one request per throttle
    assert sum(1 for record in emulator.requests if record.error_code) == 30


async def test_one_call_failing_does_not_disturb_the_others(
    client: CleanRoomsMLClient, emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    missing = emulator.arns.audience_model()
    results = await asyncio.gather(
        *(
            client.get_audience_model(audience_model_arn=missing if i % 10 == 0 else model_arn)
            for i in range(50)
        ),
        return_exceptions=True,
    )
    failures = [result for result in results if isinstance(result, BaseException)]
    assert len(failures) == 5
    assert all(isinstance(failure, ResourceNotFoundException) for failure in failures)
    assert all(
        isinstance(result, GetAudienceModelResponse) for i, result in enumerate(results) if i % 10
    )


# -- opening and closing --------------------------------------------------------------------


async def test_a_client_works_without_async_with_and_closes(
    emulator: LocalCleanRoomsML, aio_session: AioSession, model_arn: str
) -> None:
    client = emulator.client(retry=NO_SLEEP, session=aio_session)
    assert client._core.client is None  # nothing opened yet: lazy
    model = await client.get_audience_model(audience_model_arn=model_arn)
    assert model.name == "shared"
    await client.close()
    with pytest.raises(RuntimeError, match="closed"):
        await client.get_audience_model(audience_model_arn=model_arn)
    await client.close()  # closing twice is harmless
    assert len(emulator.requests) == 1


async def test_calls_after_close_raise_runtime_error_and_send_nothing(
    emulator: LocalCleanRoomsML, aio_session: AioSession, model_arn: str
) -> None:
    async with emulator.client(retry=NO_SLEEP, session=aio_session) as client:
        await client.get_audience_model(audience_model_arn=model_arn)
    with pytest.raises(RuntimeError):
        await client.get_audience_model(audience_model_arn=model_arn)
    with pytest.raises(RuntimeError):
        await client.list_audience_export_jobs()
    with pytest.raises(RuntimeError):
        await client.list_audience_export_jobs().to_list()
    with pytest.raises(RuntimeError):
        await client.start_audience_export_job(
            name="late",
            audience_generation_job_arn=emulator.arns.audience_generation_job(),
            audience_size={"type": "ABSOLUTE", "value": 10},
        )
    assert len(emulator.requests) == 1


async def test_a_client_closed_before_it_was_opened_refuses_calls(
    emulator: LocalCleanRoomsML, aio_session: AioSession, model_arn: str
) -> None:
    client = emulator.client(retry=NO_SLEEP, session=aio_session)
    await client.close()
    with pytest.raises(RuntimeError):
        await client.get_audience_model(audience_model_arn=model_arn)
    assert len(emulator.requests) == 0


async def test_async_with_gives_back_the_same_client(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    client = emulator.client(retry=NO_SLEEP, session=aio_session)
    async with client as entered:
        assert entered is client
        assert client.retry_policy is NO_SLEEP


# -- configuration --------------------------------------------------------------------------


async def test_botocore_retries_never_multiply_our_attempts(
    emulator: LocalCleanRoomsML, aio_session: AioSession, model_arn: str
) -> None:
    # Even a caller's config that asks botocore for retries does not add attempts.
    config = AioConfig(retries={"max_attempts": 10, "mode": "standard"})
    policy = RetryPolicy(max_attempts=2, initial_delay=0, max_delay=0)
    emulator.faults.throttle(100)
    async with emulator.client(retry=policy, session=aio_session, config=config) as client:
        with pytest.raises(ThrottlingException):
            await client.get_audience_model(audience_model_arn=model_arn)
    assert len(emulator.requests) == 2
    # Each of our attempts is botocore's first and only one, and says it is ours: N of our
    # policy's 2, not of the 10 botocore was asked for.
    assert [record.headers["amz-sdk-request"] for record in emulator.requests] == [
        "attempt=1; max=2",
        "attempt=2; max=2",
    ]


async def test_the_callers_config_is_honoured(
    emulator: LocalCleanRoomsML, aio_session: AioSession, model_arn: str
) -> None:
    config = AioConfig(user_agent_extra="my-app/1.2.3")
    async with emulator.client(retry=NO_SLEEP, session=aio_session, config=config) as client:
        await client.get_audience_model(audience_model_arn=model_arn)
    assert "my-app/1.2.3" in emulator.requests[0].headers["User-Agent"]


async def test_credentials_and_region_come_from_the_environment(
    emulator: LocalCleanRoomsML, bare_environment: pytest.MonkeyPatch, model_arn: str
) -> None:
    bare_environment.setenv("AWS_ACCESS_KEY_ID", "AKIAFROMTHEENVIRONMENT")
    bare_environment.setenv("AWS_SECRET_ACCESS_KEY", "from-the-environment")
    bare_environment.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    # Signed for eu-west-1, which a strict us-east-1 endpoint would rightly refuse.
    emulator.strict_signing = False
    client = CleanRoomsMLClient(endpoint_url=emulator.endpoint_url, retry=NO_SLEEP)
    async with client:
        await client.get_audience_model(audience_model_arn=model_arn)
    authorization = emulator.requests[0].headers["Authorization"]
    assert "Credential=AKIAFROMTHEENVIRONMENT/" in authorization
    assert "/eu-west-1/cleanrooms-ml/aws4_request" in authorization


async def test_no_region_raises_a_configuration_error(
    emulator: LocalCleanRoomsML, bare_environment: pytest.MonkeyPatch
) -> None:
    client = CleanRoomsMLClient(aws_access_key_id="a", aws_secret_access_key="b")
    with pytest.raises(ConfigurationError):
        await client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    await client.close()
    assert len(emulator.requests) == 0


async def test_no_credentials_raise_a_configuration_error_before_sending(
    emulator: LocalCleanRoomsML, bare_environment: pytest.MonkeyPatch
) -> None:
    client = CleanRoomsMLClient(
        endpoint_url=emulator.endpoint_url, region_name="us-east-1", retry=NO_SLEEP
    )
    async with client:
        with pytest.raises(ConfigurationError) as caught:
            await client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    assert caught.value.operation_name == "GetAudienceModel"
    assert caught.value.__cause__ is not None
    assert len(emulator.requests) == 0


# -- from_client ----------------------------------------------------------------------------


@pytest_asyncio.fixture
async def raw_client(emulator: LocalCleanRoomsML, aio_session: AioSession) -> AsyncIterator[Any]:
    """An aiobotocore cleanroomsml client made and owned by the caller (botocore retries off,
    so attempts in these tests are the wrapper's)."""
    async with aio_session.create_client(
        "cleanroomsml",
        region_name="us-east-1",
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=AioConfig(retries={"total_max_attempts": 1}),
    ) as raw:
        yield raw


async def test_from_client_parses_botocore_responses_into_typed_models(
    raw_client: Any, emulator: LocalCleanRoomsML
) -> None:
    arn = emulator.add_audience_model(
        create_time="2024-05-01T12:00:00.000+02:00", status="SOMETHING_LATER"
    )["audienceModelArn"]
    emulator.add_audience_model(name="active")
    emulator.add_audience_export_jobs(
        5, status="CREATE_PENDING", audience_size={"type": "PERCENTAGE", "value": 9}
    )
    client = CleanRoomsMLClient.from_client(raw_client, retry=NO_SLEEP)

    model = await client.get_audience_model(audience_model_arn=arn)
    assert model.create_time == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert model.create_time.utcoffset() is not None
    assert model.create_time.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert model.status == "SOMETHING_LATER"
    assert type(model.status) is str

    jobs = await client.list_audience_export_jobs(max_results=2).to_list()
    assert len(jobs) == 5
    assert len(emulator.requests_for("ListAudienceExportJobs")) == 3
    for job in jobs:
        assert isinstance(job, AudienceExportJobSummary)
        assert job.status is AudienceExportJobStatus.CREATE_PENDING
        assert job.audience_size.type is AudienceSizeType.PERCENTAGE
        assert job.create_time.tzinfo is not None

    parent = emulator.audience_generation_jobs[-1]["audienceGenerationJobArn"]
    await client.start_audience_export_job(
        name="via-wrapper",
        audience_generation_job_arn=parent,
        audience_size={"type": "ABSOLUTE", "value": 100},
    )
    assert emulator.requests[-1].body["name"] == "via-wrapper"


async def test_from_client_translates_errors_and_retries_with_its_own_policy(
    raw_client: Any, emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    client = CleanRoomsMLClient.from_client(raw_client, retry=NO_SLEEP)
    with pytest.raises(ResourceNotFoundException) as caught:
        await client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    assert caught.value.request_id == emulator.requests[-1].request_id
    emulator.clear_requests()
    emulator.faults.throttle(2)
    model = await client.get_audience_model(audience_model_arn=model_arn)
    assert model.status is AudienceModelStatus.ACTIVE
    assert len(emulator.requests) == 3


async def test_closing_a_wrapper_leaves_the_callers_client_open(
    raw_client: Any, emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    async with CleanRoomsMLClient.from_client(raw_client, retry=NO_SLEEP) as client:
        await client.get_audience_model(audience_model_arn=model_arn)
    with pytest.raises(RuntimeError):
        await client.get_audience_model(audience_model_arn=model_arn)
    # The caller's client is still open and still works, directly and in a new wrapper.
    response = await raw_client.get_audience_model(audienceModelArn=model_arn)
    assert response["name"] == "shared"
    again = CleanRoomsMLClient.from_client(raw_client)
    assert (await again.get_audience_model(audience_model_arn=model_arn)).name == "shared"
    await again.close()
    assert (await raw_client.get_audience_model(audienceModelArn=model_arn))["name"] == "shared"
    assert len(emulator.requests) == 4
