"""examples/trace_calls.py against the emulator: its console spans and its hooks' counts."""

from __future__ import annotations

import io
import json
import logging
import re
from collections import Counter

import pytest

from cleanroomsml_async.testing import LocalCleanRoomsML
from tests.test_examples import load_example


def console_spans(text: str) -> list[dict[str, object]]:
    """The JSON objects ConsoleSpanExporter wrote, one per span."""
    decoder = json.JSONDecoder()
    spans, position = [], 0
    while (start := text.find("{", position)) != -1:
        span, position = decoder.raw_decode(text, start)
        spans.append(span)
    return spans


async def test_the_tracing_example_prints_one_span_per_call_and_counts_outcomes(
    emulator: LocalCleanRoomsML, caplog: pytest.LogCaptureFixture
) -> None:
    example = load_example("trace_calls")
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.faults.throttle(2)
    out = io.StringIO()
    caplog.set_level(logging.WARNING, logger="trace_calls")
    counted = await example.main(emulator.endpoint_url, audience_model_arn=arn, calls=3, out=out)
    assert counted == Counter({("GetAudienceModel", "ok"): 3})
    spans = console_spans(out.getvalue())
    assert [span["name"] for span in spans] == ["CleanRoomsML.GetAudienceModel"] * 3
    first = spans[0]
    assert first["kind"] == "SpanKind.CLIENT"
    assert isinstance(first["attributes"], dict)
    assert first["attributes"]["http.request.resend_count"] == 2
    assert first["attributes"]["aws.request_id"] == emulator.requests[2].request_id
    assert isinstance(first["events"], list)
    assert [event["name"] for event in first["events"]] == ["retry", "retry"]
    assert all("http.request.resend_count" not in s["attributes"] for s in spans[1:])  # type: ignore[operator]
    retried = [r.getMessage() for r in caplog.records if r.name == "trace_calls"]
    assert len(retried) == 2
    assert re.match(
        r"GetAudienceModel attempt 1 of 4 failed \(ThrottlingException, HTTP 429", retried[0]
    )


async def test_the_tracing_example_counts_and_traces_a_failure(
    emulator: LocalCleanRoomsML,
) -> None:
    example = load_example("trace_calls")
    out = io.StringIO()
    counted = await example.main(
        emulator.endpoint_url, audience_model_arn=emulator.arns.audience_model(), calls=1, out=out
    )
    assert counted == Counter({("GetAudienceModel", "ResourceNotFoundException"): 1})
    (span,) = console_spans(out.getvalue())
    assert isinstance(span["status"], dict)
    assert span["status"]["status_code"] == "ERROR"
