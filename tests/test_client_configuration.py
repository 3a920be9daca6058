"""Constructor arguments, configuration errors that say how to fix them, cheap clients."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import pytest
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession
from botocore.config import Config

from cleanroomsml_async import CleanRoomsMLClient, ConfigurationError, RetryPolicy
from cleanroomsml_async._service_model import DATA_DIR
from cleanroomsml_async._sessions import fresh_session
from cleanroomsml_async.testing import LocalCleanRoomsML

NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzLOCALSECRET"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN//////////wEaDLOCALS+token=="


@pytest.fixture
def model_arn(emulator: LocalCleanRoomsML) -> str:
    arn: str = emulator.add_audience_model(name="configured")["audienceModelArn"]
    # The emulator verifies signatures: it must know every key these tests sign with.
    for key_id in ("AKIAFIRSTKEY", "AKIASECONDKEY", "AKIAFROMENV"):
        emulator.add_credentials(key_id, "env-secret")
    emulator.add_credentials("AKIAEXPLICIT", "explicit-secret")
    emulator.add_credentials("AKIAUSERSESSION", "user-secret")
    return arn


def key_id_used(emulator: LocalCleanRoomsML, index: int) -> str:
    authorization = emulator.requests[index].headers["Authorization"]
    return authorization.split("Credential=", 1)[1].split("/", 1)[0]


# -- the arguments' types ---------------------------------------------------------------------


def test_a_profile_name_as_session_is_a_type_error_with_the_way_to_write_it() -> None:
    with pytest.raises(TypeError, match=r"AioSession\(profile='analytics'\)"):
        CleanRoomsMLClient(session="analytics")


def test_a_dict_as_config_is_a_type_error_with_the_way_to_write_it() -> None:
    with pytest.raises(TypeError, match=r"AioConfig\(connect_timeout=1\)"):
        CleanRoomsMLClient(config={"connect_timeout": 1})


def test_a_retry_that_is_not_a_policy_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="RetryPolicy"):
        CleanRoomsMLClient(retry=3)  # type: ignore[arg-type]


async def test_a_botocore_config_is_accepted(emulator: LocalCleanRoomsML, model_arn: str) -> None:
    config = Config(user_agent_extra="plain-botocore-config/1.0", connect_timeout=5)
    async with emulator.client(retry=NO_SLEEP, config=config) as client:
        model = await client.get_audience_model(audience_model_arn=model_arn)
    assert model.name == "configured"
    assert "plain-botocore-config/1.0" in emulator.requests[0].headers["User-Agent"]


@pytest.mark.parametrize("url", ["127.0.0.1:4566", "localhost:4566"])
def test_an_endpoint_without_a_scheme_says_so(url: str) -> None:
    with pytest.raises(ConfigurationError, match=rf"scheme is missing.*'http://{url}'"):
        CleanRoomsMLClient(endpoint_url=url)


def test_an_endpoint_that_is_no_http_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="http:// or https://"):
        CleanRoomsMLClient(endpoint_url="ftp://127.0.0.1:4566")


# -- configuration errors say how to fix them --------------------------------------------------


async def test_no_region_says_where_a_region_comes_from(
    emulator: LocalCleanRoomsML, bare_environment: pytest.MonkeyPatch
) -> None:
    client = CleanRoomsMLClient(
        endpoint_url=emulator.endpoint_url, aws_access_key_id="a", aws_secret_access_key="b"
    )
    with pytest.raises(ConfigurationError) as caught:
        await client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    await client.close()
    message = str(caught.value)
    assert message.startswith("You must specify a region.")
    for hint in ("region_name=", "AWS_DEFAULT_REGION", "profile"):
        assert hint in message
    assert len(emulator.requests) == 0


async def test_no_credentials_say_where_credentials_come_from(
    emulator: LocalCleanRoomsML, bare_environment: pytest.MonkeyPatch
) -> None:
    async with CleanRoomsMLClient(
        endpoint_url=emulator.endpoint_url, region_name="us-east-1", retry=NO_SLEEP
    ) as client:
        with pytest.raises(ConfigurationError) as caught:
            await client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    message = str(caught.value)
    assert message.startswith("Unable to locate credentials")
    for hint in ("aws_access_key_id=", "AWS_ACCESS_KEY_ID", "profile"):
        assert hint in message
    assert len(emulator.requests) == 0


async def test_a_failed_creation_shows_no_secret_in_traceback_locals(
    emulator: LocalCleanRoomsML, bare_environment: pytest.MonkeyPatch
) -> None:
    client = CleanRoomsMLClient(
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="AKIALOCALS",
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
    )
    with pytest.raises(ConfigurationError) as caught:
        await client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    await client.close()
    shown = "".join(
        traceback.TracebackException.from_exception(caught.value, capture_locals=True).format()
    )
    assert "_create_client" in shown  # the frames are there, with their locals
    assert "self = " in shown
    assert SECRET not in shown
    assert TOKEN not in shown


# -- clients without session= ------------------------------------------------------------------


async def test_sessions_made_for_clients_share_one_loader_that_reads_the_vendored_model() -> None:
    first, second = fresh_session(), fresh_session()
    assert first is not second
    loader = first.get_component("data_loader")
    assert second.get_component("data_loader") is loader
    _, path = loader.load_data_with_path("cleanroomsml/2023-09-06/service-2")
    assert Path(path).is_relative_to(DATA_DIR)
    # Each session's events are its own: a handler registered on one is not on the other.
    calls: list[str] = []
    first.register("cleanroomsml-async-test.event", lambda **_: calls.append("first"))
    await second.emit("cleanroomsml-async-test.event")
    assert calls == []
    await first.emit("cleanroomsml-async-test.event")
    assert calls == ["first"]


async def test_each_client_reads_the_credential_chain_when_it_opens(
    emulator: LocalCleanRoomsML, bare_environment: pytest.MonkeyPatch, model_arn: str
) -> None:
    bare_environment.setenv("AWS_DEFAULT_REGION", "us-east-1")
    bare_environment.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    for key_id in ("AKIAFIRSTKEY", "AKIASECONDKEY"):
        bare_environment.setenv("AWS_ACCESS_KEY_ID", key_id)
        async with CleanRoomsMLClient(endpoint_url=emulator.endpoint_url) as client:
            await client.get_audience_model(audience_model_arn=model_arn)
    assert [key_id_used(emulator, i) for i in range(2)] == ["AKIAFIRSTKEY", "AKIASECONDKEY"]


async def test_credentials_given_to_one_client_stay_with_that_client(
    emulator: LocalCleanRoomsML, bare_environment: pytest.MonkeyPatch, model_arn: str
) -> None:
    bare_environment.setenv("AWS_ACCESS_KEY_ID", "AKIAFROMENV")
    bare_environment.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    explicit = CleanRoomsMLClient(
        endpoint_url=emulator.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="AKIAEXPLICIT",
        aws_secret_access_key="explicit-secret",
    )
    ambient = CleanRoomsMLClient(endpoint_url=emulator.endpoint_url, region_name="us-east-1")
    async with explicit, ambient:
        await explicit.get_audience_model(audience_model_arn=model_arn)
        await ambient.get_audience_model(audience_model_arn=model_arn)
        await explicit.get_audience_model(audience_model_arn=model_arn)
    assert [key_id_used(emulator, i) for i in range(3)] == [
        "AKIAEXPLICIT",
        "AKIAFROMENV",
        "AKIAEXPLICIT",
    ]


async def test_a_callers_session_is_used_as_it_is(
    emulator: LocalCleanRoomsML, model_arn: str
) -> None:
    session = AioSession()
    session.set_credentials("AKIAUSERSESSION", "user-secret")
    loader_before = session.get_component("data_loader")
    async with CleanRoomsMLClient(
        endpoint_url=emulator.endpoint_url, region_name="us-east-1", session=session
    ) as client:
        await client.get_audience_model(audience_model_arn=model_arn)
    assert key_id_used(emulator, 0) == "AKIAUSERSESSION"
    assert session.get_component("data_loader") is loader_before


async def test_config_and_session_are_typed_in_the_signature() -> None:
    import inspect

    parameters: Any = inspect.signature(CleanRoomsMLClient).parameters
    assert "AioSession" in str(parameters["session"].annotation)
    assert "AioConfig" in str(parameters["config"].annotation)
    assert AioConfig  # the types named are aiobotocore's own
