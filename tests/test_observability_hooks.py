"""Event hooks: one AttemptEvent per attempt, one CallEvent per call, over real HTTP."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiobotocore.session import AioSession

from cleanroomsml_async import (
    AttemptEvent,
    CallEvent,
    CleanRoomsMLClient,
    ResourceNotFoundException,
    ResponseError,
    RetryPolicy,
    ThrottlingException,
    TransportError,
)
from cleanroomsml_async.testing import LocalCleanRoomsML

NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzHOOKSSECRET"
TOKEN = "FwoGZXIvYXdzEXAMPLEHOOKSSESSIONTOKEN//////wEaDOe+token/value=="


class Recorder:
    """Hooks that keep every event, noting how many requests the emulator had seen by then."""

    def __init__(self, emulator: LocalCleanRoomsML) -> None:
        self.emulator = emulator
        self.attempts: list[AttemptEvent] = []
        self.calls: list[CallEvent] = []
        self.requests_seen: list[int] = []

    async def on_attempt(self, event: AttemptEvent) -> None:
        await asyncio.sleep(0)  # a real coroutine: it must be awaited, not just called
        self.attempts.append(event)
        self.requests_seen.append(len(self.emulator.requests))

    def on_call(self, event: CallEvent) -> None:
        self.calls.append(event)

    def hooks(self) -> dict[str, Any]:
        return {"attempt": [self.on_attempt], "call": [self.on_call]}


def hooked_client(
    emulator: LocalCleanRoomsML,
    session: AioSession,
    hooks: dict[str, Any],
    retry: RetryPolicy = NO_SLEEP,
) -> CleanRoomsMLClient:
    return emulator.client(retry=retry, session=session, event_hooks=hooks)


async def test_a_call_throttled_twice_then_served_gives_three_attempts_and_one_call(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    recorder = Recorder(emulator)
    emulator.faults.throttle(2)
    async with hooked_client(emulator, aio_session, recorder.hooks()) as client:
        model = await client.get_audience_model(audience_model_arn=arn)
    assert model.audience_model_arn == arn

    sent = emulator.requests
    assert [r.status for r in sent] == [429, 429, 200]
    first, second, third = recorder.attempts
    for number, event in enumerate((first, second), start=1):
        assert event.operation_name == "GetAudienceModel"
        assert (event.attempt, event.max_attempts) == (number, 5)
        assert event.http_status_code == 429
        assert event.request_id == sent[number - 1].request_id
        assert isinstance(event.error, ThrottlingException)
        assert event.will_retry is True
        assert event.delay == 0
        assert event.duration >= 0
    assert (third.attempt, third.http_status_code, third.error) == (3, 200, None)
    assert third.request_id == sent[2].request_id
    assert (third.will_retry, third.delay) == (False, None)

    (call,) = recorder.calls
    assert call == CallEvent(
        operation_name="GetAudienceModel",
        attempts=3,
        duration=call.duration,
        request_id=sent[2].request_id,
        error=None,
    )
    assert call.duration >= sum(event.duration for event in recorder.attempts)
    # Each attempt's hooks ran before the next request was sent.
    assert recorder.requests_seen == [1, 2, 3]


async def test_a_call_that_succeeds_at_once_gives_one_attempt(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    emulator.add_audience_export_jobs(3)
    recorder = Recorder(emulator)
    async with hooked_client(emulator, aio_session, recorder.hooks()) as client:
        jobs = await client.list_audience_export_jobs(max_results=2).to_list()
    assert len(jobs) == 3
    # Two pages, two calls of one attempt each.
    assert [(e.operation_name, e.attempt, e.will_retry) for e in recorder.attempts] == [
        ("ListAudienceExportJobs", 1, False),
        ("ListAudienceExportJobs", 1, False),
    ]
    assert [(c.attempts, c.error) for c in recorder.calls] == [(1, None), (1, None)]
    assert [c.request_id for c in recorder.calls] == [r.request_id for r in emulator.requests]


async def test_an_error_not_retried_is_one_attempt_and_the_calls_error(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    recorder = Recorder(emulator)
    async with hooked_client(emulator, aio_session, recorder.hooks()) as client:
        with pytest.raises(ResourceNotFoundException) as raised:
            await client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    (attempt,) = recorder.attempts
    assert (attempt.http_status_code, attempt.will_retry, attempt.delay) == (404, False, None)
    assert attempt.error is raised.value
    (call,) = recorder.calls
    assert (call.attempts, call.error) == (1, raised.value)
    assert call.request_id == emulator.requests[0].request_id


async def test_when_attempts_run_out_the_last_attempt_says_no_retry(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    recorder = Recorder(emulator)
    emulator.faults.throttle(10)
    policy = RetryPolicy(max_attempts=3, initial_delay=0, max_delay=0)
    async with hooked_client(emulator, aio_session, recorder.hooks(), policy) as client:
        with pytest.raises(ThrottlingException) as raised:
            await client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    assert [(e.attempt, e.max_attempts, e.will_retry) for e in recorder.attempts] == [
        (1, 3, True),
        (2, 3, True),
        (3, 3, False),
    ]
    assert recorder.attempts[-1].error is raised.value
    assert [(c.attempts, c.error) for c in recorder.calls] == [(3, raised.value)]


async def test_a_connection_failure_has_no_status_and_no_request_id(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    recorder = Recorder(emulator)
    emulator.faults.drop_connection(1)
    async with hooked_client(emulator, aio_session, recorder.hooks()) as client:
        await client.list_audience_export_jobs()
    failed, served = recorder.attempts
    assert isinstance(failed.error, TransportError)
    assert (failed.http_status_code, failed.request_id, failed.will_retry) == (None, None, True)
    assert (served.http_status_code, served.error) == (200, None)


async def test_a_body_that_cannot_be_read_is_the_calls_error(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    """The attempt got its answer (HTTP 200); reading it is what failed, so the call did."""
    recorder = Recorder(emulator)
    emulator.faults.malformed_body(1)
    async with hooked_client(emulator, aio_session, recorder.hooks()) as client:
        with pytest.raises(ResponseError) as raised:
            await client.list_audience_export_jobs()
    (attempt,) = recorder.attempts
    assert (attempt.http_status_code, attempt.error) == (200, None)
    assert recorder.calls[0].error is raised.value


async def test_the_delay_is_the_sleep_that_was_logged(
    emulator: LocalCleanRoomsML, aio_session: AioSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cleanroomsml_async")
    recorder = Recorder(emulator)
    emulator.faults.throttle(2)
    policy = RetryPolicy(initial_delay=0.01, max_delay=0.02)
    async with hooked_client(emulator, aio_session, recorder.hooks(), policy) as client:
        await client.list_audience_export_jobs()
    logged: list[float] = [
        getattr(r, "delay", -1.0) for r in caplog.records if r.msg.startswith("Retrying")
    ]
    assert [e.delay for e in recorder.attempts] == [*logged, None]
    assert len(logged) == 2
    assert all(0 <= delay <= 0.02 for delay in logged)


async def test_hooks_run_in_order_and_one_that_raises_changes_nothing(
    emulator: LocalCleanRoomsML, aio_session: AioSession, caplog: pytest.LogCaptureFixture
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    order: list[str] = []

    def broken(event: Any) -> None:
        order.append(f"broken {type(event).__name__}")
        raise RuntimeError("a bug in the caller's hook")

    async def broken_async(event: Any) -> None:
        order.append(f"broken async {type(event).__name__}")
        raise KeyError("another")

    def fine(event: Any) -> None:
        order.append(f"fine {type(event).__name__}")

    hooks = {"attempt": [broken, fine], "call": [broken_async, fine]}
    emulator.faults.throttle(1)
    async with hooked_client(emulator, aio_session, hooks) as client:
        model = await client.get_audience_model(audience_model_arn=arn)
        with pytest.raises(ResourceNotFoundException):
            await client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    assert model.audience_model_arn == arn
    assert order == [
        "broken AttemptEvent",
        "fine AttemptEvent",
        "broken AttemptEvent",
        "fine AttemptEvent",
        "broken async CallEvent",
        "fine CallEvent",
        "broken AttemptEvent",
        "fine AttemptEvent",
        "broken async CallEvent",
        "fine CallEvent",
    ]
    failures = [r for r in caplog.records if r.msg.startswith("An event hook")]
    assert len(failures) == 5  # three attempts, two calls
    assert {r.name for r in failures} == {"cleanroomsml_async"}
    assert all(r.exc_info is not None for r in failures)
    assert "broken" in failures[0].getMessage()
    assert "GetAudienceModel" in failures[0].getMessage()


@pytest.mark.parametrize(
    ("hooks", "error", "words"),
    [
        ({"attempts": []}, ValueError, "unknown event_hooks key(s) 'attempts'"),
        ({"call": [print], "retry": [print]}, ValueError, "'retry'"),
        ({"call": print}, TypeError, "must be a list of callables"),
        ({"attempt": ["print"]}, TypeError, "not a callable"),
        ([print], TypeError, "must be a mapping"),
    ],
)
def test_bad_event_hooks_are_refused_when_the_client_is_made(
    hooks: Any, error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as raised:
        CleanRoomsMLClient(region_name="us-east-1", event_hooks=hooks)
    assert words in str(raised.value)


async def test_no_credential_in_any_event(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    recorder = Recorder(emulator)
    emulator.add_credentials("AKIAHOOKSEXAMPLE0001", SECRET)  # it verifies signatures
    client = emulator.client(
        retry=NO_SLEEP,
        session=aio_session,
        event_hooks=recorder.hooks(),
        aws_access_key_id="AKIAHOOKSEXAMPLE0001",
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
    )
    emulator.faults.throttle(1)
    emulator.faults.drop_connection(1)
    async with client:
        await client.list_audience_export_jobs()
        with pytest.raises(ResourceNotFoundException):
            await client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    # The control: sent and signed with (the emulator verifies signatures, and masks the token).
    assert emulator.requests[0].status == 429
    assert emulator.requests[0].headers["X-Amz-Security-Token"] == "<redacted>"
    events: list[Any] = [*recorder.attempts, *recorder.calls]
    assert len(events) == 5
    for event in events:
        for text in (repr(event), str(event.error), repr(event.error)):
            assert SECRET not in text
            assert TOKEN not in text


async def test_a_with_options_view_shares_the_clients_hooks(
    emulator: LocalCleanRoomsML, aio_session: AioSession
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    recorder = Recorder(emulator)
    async with hooked_client(emulator, aio_session, recorder.hooks()) as client:
        fail_fast = client.with_options(retry=RetryPolicy(max_attempts=2, initial_delay=0))
        emulator.faults.throttle(1)
        await fail_fast.get_audience_model(audience_model_arn=arn)
        await client.get_audience_model(audience_model_arn=arn)
    assert [(e.attempt, e.max_attempts) for e in recorder.attempts] == [(1, 2), (2, 2), (1, 5)]
    assert [c.attempts for c in recorder.calls] == [2, 1]
