"""Tracing tests: an OpenTelemetry SDK provider whose spans stay in memory.

Collected only by the ``otel`` nox session, which installs the ``otel`` extra, the SDK and
the aiobotocore instrumentation (the default ``tests`` session has none of them).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_EXPORTER = InMemorySpanExporter()
_PROVIDER = TracerProvider()
_PROVIDER.add_span_processor(SimpleSpanProcessor(_EXPORTER))
# The global provider can be set once per process: these tests share it.
trace.set_tracer_provider(_PROVIDER)


@pytest.fixture
def provider() -> TracerProvider:
    return _PROVIDER


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """The exporter, emptied before and after each test."""
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()
