"""With the aiobotocore instrumentation on, its per-attempt spans are our call span's children."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiobotocore.session import AioSession
from opentelemetry.instrumentation.botocore import AiobotocoreInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from cleanroomsml_async import RetryPolicy
from cleanroomsml_async.testing import LocalCleanRoomsML
from tests.sigv4 import signature_accepted

NO_SLEEP = RetryPolicy(initial_delay=0, max_delay=0)


@pytest.fixture
def instrumented(provider: TracerProvider) -> Iterator[None]:
    instrumentor = AiobotocoreInstrumentor()  # type: ignore[no-untyped-call]  # untyped upstream
    instrumentor.instrument(tracer_provider=provider)
    yield
    instrumentor.uninstrument()


@pytest.mark.usefixtures("instrumented")
async def test_each_attempt_is_a_child_span_of_the_call(
    emulator: LocalCleanRoomsML,
    aio_session: AioSession,
    provider: TracerProvider,
    spans: InMemorySpanExporter,
) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.faults.throttle(2)
    emulator.add_credentials("AKIAINSTRUMENTED0001", "instrumented-secret")
    async with emulator.client(
        retry=NO_SLEEP,
        session=aio_session,
        tracer_provider=provider,
        aws_access_key_id="AKIAINSTRUMENTED0001",
        aws_secret_access_key="instrumented-secret",
    ) as client:
        await client.get_audience_model(audience_model_arn=arn)

    finished = spans.get_finished_spans()

    def ours(span: ReadableSpan) -> bool:
        scope = span.instrumentation_scope
        return scope is not None and scope.name == "cleanroomsml_async"

    (call,) = [span for span in finished if ours(span)]
    attempts = [span for span in finished if not ours(span)]
    assert len(attempts) == 3  # one per attempt, made by the instrumentation
    assert call.parent is None
    for attempt in attempts:
        assert attempt.name == "CleanRoomsML.GetAudienceModel"
        assert attempt.parent is not None
        assert attempt.parent.span_id == call.context.span_id
        assert attempt.context.trace_id == call.context.trace_id
    assert call.attributes is not None
    assert call.attributes["http.request.resend_count"] == 2
    # The instrumentation adds X-Amzn-Trace-Id after signing; every request still verifies
    # (the emulator checks each signature).
    assert emulator.strict_signing
    for record in emulator.requests:
        assert "X-Amzn-Trace-Id" in record.headers
        assert signature_accepted(record)
