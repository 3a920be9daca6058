"""One CLIENT span per call, with the contract's attributes and a `retry` event per retry."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from aiobotocore.session import AioSession
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from cleanroomsml_async import (
    ResourceNotFoundException,
    ResponseError,
    RetryPolicy,
    ThrottlingException,
    TransportError,
)
from cleanroomsml_async.testing import LocalCleanRoomsML

NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)


def only_span(spans: InMemorySpanExporter) -> ReadableSpan:
    (span,) = spans.get_finished_spans()
    return span


def retry_events(span: ReadableSpan) -> list[dict[str, Any]]:
    return [dict(event.attributes or {}) for event in span.events if event.name == "retry"]


async def test_a_call_retried_twice_is_one_span_with_two_retry_events(
    emulator: LocalCleanRoomsML,
    aio_session: AioSession,
    provider: TracerProvider,
    spans: InMemorySpanExporter,
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.faults.throttle(2)
    async with emulator.client(
        retry=NO_SLEEP, session=aio_session, tracer_provider=provider
    ) as client:
        await client.get_audience_model(audience_model_arn=arn)
    span = only_span(spans)
    assert span.name == "CleanRoomsML.GetAudienceModel"
    assert span.kind is SpanKind.CLIENT
    assert dict(span.attributes or {}) == {
        "rpc.system": "aws-api",
        "rpc.service": "CleanRoomsML",
        "rpc.method": "GetAudienceModel",
        "cloud.region": "us-east-1",
        "aws.request_id": emulator.requests[-1].request_id,
        "http.response.status_code": 200,
        "http.request.resend_count": 2,
    }
    assert span.status.status_code is StatusCode.UNSET
    assert retry_events(span) == [
        {"retry.attempt": 1, "error.type": "ThrottlingException", "retry.delay": 0.0},
        {"retry.attempt": 2, "error.type": "ThrottlingException", "retry.delay": 0.0},
    ]
    assert span.parent is None


async def test_a_call_that_succeeds_at_once_has_no_resend_count_and_no_event(
    emulator: LocalCleanRoomsML,
    aio_session: AioSession,
    provider: TracerProvider,
    spans: InMemorySpanExporter,
) -> None:
    emulator.add_audience_export_jobs(3)
    async with emulator.client(session=aio_session, tracer_provider=provider) as client:
        await client.list_audience_export_jobs(max_results=2).to_list()
    pages = spans.get_finished_spans()
    assert [span.name for span in pages] == ["CleanRoomsML.ListAudienceExportJobs"] * 2
    for span, request in zip(pages, emulator.requests, strict=True):
        attributes = dict(span.attributes or {})
        assert "http.request.resend_count" not in attributes
        assert attributes["aws.request_id"] == request.request_id
        assert span.events == ()


async def test_a_failed_call_has_status_error_and_the_error_code(
    emulator: LocalCleanRoomsML,
    aio_session: AioSession,
    provider: TracerProvider,
    spans: InMemorySpanExporter,
) -> None:
    async with emulator.client(session=aio_session, tracer_provider=provider) as client:
        with pytest.raises(ResourceNotFoundException):
            await client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    span = only_span(spans)
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["error.type"] == "ResourceNotFoundException"
    assert span.attributes["http.response.status_code"] == 404
    assert span.attributes["aws.request_id"] == emulator.requests[0].request_id


async def test_attempts_that_run_out_keep_every_retry_and_the_last_error(
    emulator: LocalCleanRoomsML,
    aio_session: AioSession,
    provider: TracerProvider,
    spans: InMemorySpanExporter,
) -> None:
    emulator.faults.throttle(10)
    policy = RetryPolicy(max_attempts=3, initial_delay=0, max_delay=0)
    async with emulator.client(retry=policy, session=aio_session, tracer_provider=provider) as c:
        with pytest.raises(ThrottlingException):
            await c.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    span = only_span(spans)
    assert span.attributes is not None
    assert span.attributes["http.request.resend_count"] == 2
    assert span.attributes["error.type"] == "ThrottlingException"
    assert span.attributes["http.response.status_code"] == 429
    assert [event["retry.attempt"] for event in retry_events(span)] == [1, 2]


async def test_errors_without_a_code_are_named_by_their_class(
    emulator: LocalCleanRoomsML,
    aio_session: AioSession,
    provider: TracerProvider,
    spans: InMemorySpanExporter,
) -> None:
    policy = RetryPolicy(max_attempts=2, initial_delay=0, max_delay=0)
    async with emulator.client(retry=policy, session=aio_session, tracer_provider=provider) as c:
        emulator.faults.drop_connection(2)
        with pytest.raises(TransportError) as dropped:
            await c.list_audience_export_jobs()
        emulator.faults.malformed_body(1)
        with pytest.raises(ResponseError):
            await c.list_audience_export_jobs()
    transport, response = spans.get_finished_spans()
    assert transport.attributes is not None
    assert transport.attributes["error.type"] == type(dropped.value).__name__
    assert "http.response.status_code" not in transport.attributes
    assert retry_events(transport)[0]["error.type"] == type(dropped.value).__name__
    assert response.attributes is not None
    assert response.attributes["error.type"] == "ResponseError"
    assert response.status.status_code is StatusCode.ERROR


async def test_without_a_provider_the_global_one_is_used_and_the_callers_span_is_parent(
    emulator: LocalCleanRoomsML, aio_session: AioSession, spans: InMemorySpanExporter
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    tracer = trace.get_tracer("a caller")
    async with emulator.client(session=aio_session) as client:
        with tracer.start_as_current_span("the caller's work") as outer:
            await client.get_audience_model(audience_model_arn=arn)
            # Our span is no longer current once the call returned.
            assert trace.get_current_span() is outer
    ours, caller = spans.get_finished_spans()
    assert ours.name == "CleanRoomsML.GetAudienceModel"
    assert ours.parent is not None
    assert ours.parent.span_id == caller.context.span_id
    assert ours.context.trace_id == caller.context.trace_id


async def test_no_credential_in_any_span(
    emulator: LocalCleanRoomsML,
    aio_session: AioSession,
    provider: TracerProvider,
    spans: InMemorySpanExporter,
) -> None:
    secret, token = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSPANSECRET", "FwoGZXIvYXdzSPANTOKEN//wE=="
    emulator.add_credentials("AKIASPANSEXAMPLE0001", secret)
    async with emulator.client(
        session=aio_session,
        tracer_provider=provider,
        retry=NO_SLEEP,
        aws_access_key_id="AKIASPANSEXAMPLE0001",
        aws_secret_access_key=secret,
        aws_session_token=token,
    ) as client:
        emulator.faults.throttle(1)
        with pytest.raises(ResourceNotFoundException):
            await client.get_audience_model(audience_model_arn=emulator.arns.audience_model())
    # The control: sent and signed with (the emulator verifies signatures, and masks the token).
    assert emulator.requests[0].status == 429
    assert emulator.requests[0].headers["X-Amz-Security-Token"] == "<redacted>"
    (span,) = spans.get_finished_spans()
    text = span.to_json()
    assert secret not in text
    assert token not in text


def test_importing_the_package_imports_no_opentelemetry() -> None:
    code = (
        "import sys, cleanroomsml_async; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'opentelemetry'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


_LATE_PROVIDER = """
import asyncio

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from cleanroomsml_async.testing import LocalCleanRoomsML


async def main():
    async with LocalCleanRoomsML() as emulator:
        arn = emulator.add_audience_model()["audienceModelArn"]
        async with emulator.client() as client:
            await client.get_audience_model(audience_model_arn=arn)
            exporter = InMemorySpanExporter()
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            trace.set_tracer_provider(provider)
            await client.get_audience_model(audience_model_arn=arn)
    print([span.name for span in exporter.get_finished_spans()])


asyncio.run(main())
"""


def test_a_global_provider_set_after_the_client_was_made_applies_to_its_next_call() -> None:
    # In a fresh process: the global provider can be set only once, and this one's is set.
    # Before it is set, calls skip the no-op span; the call after it has its span.
    result = subprocess.run(
        [sys.executable, "-c", _LATE_PROVIDER], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "['CleanRoomsML.GetAudienceModel']"
