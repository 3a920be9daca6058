"""OpenTelemetry tracing: one CLIENT span per call, a ``retry`` span event per retry.

Optional: it needs ``opentelemetry-api`` (``pip install 'cleanroomsml-async[otel]'``). Without
it nothing here is imported and calls behave exactly the same. With it, the tracer comes from
the client's ``tracer_provider=`` or else the global provider (a proxy until one is set, so a
provider configured after the client was made still applies).

Why one span per call and not per attempt: the call is what the caller waits for. Its span is
current while the attempts run, so the per-attempt spans of OpenTelemetry's aiobotocore
instrumentation (``AiobotocoreInstrumentor``), when it is on, become its children.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cleanroomsml_async._version import __version__

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer, TracerProvider

__all__ = ["CallSpan", "tracer_for"]

SERVICE = "CleanRoomsML"
INSTRUMENTATION_NAME = "cleanroomsml_async"

# Whether opentelemetry-api can be imported: None until first asked. A failed import is not
# cached by Python, so without this every client would search sys.path for it again.
_available: bool | None = None


def tracer_for(tracer_provider: TracerProvider | None) -> Tracer | None:
    """The tracer for a client's calls, or None when ``opentelemetry-api`` is not installed.

    Raises:
        ImportError: a ``tracer_provider`` was given but ``opentelemetry-api`` is missing.
    """
    global _available
    if _available is False and tracer_provider is None:
        return None
    try:
        from opentelemetry import trace
    except ImportError as error:
        _available = False
        if tracer_provider is not None:
            raise ImportError(
                "tracer_provider= needs opentelemetry-api: pip install 'cleanroomsml-async[otel]'"
            ) from error
        return None
    _available = True
    return trace.get_tracer(INSTRUMENTATION_NAME, __version__, tracer_provider=tracer_provider)


def error_type(error: BaseException) -> str:
    """The error's service code, or its class name (``error.type``)."""
    code = getattr(error, "code", None)
    return code if isinstance(code, str) and code else type(error).__name__


class CallSpan:
    """The span of one call, made current from ``start()`` until ``end()``."""

    __slots__ = ("_span", "_token")

    def __init__(self, tracer: Tracer, operation_name: str, region: str | None) -> None:
        from opentelemetry import context, trace

        attributes: dict[str, Any] = {
            "rpc.system": "aws-api",
            "rpc.service": SERVICE,
            "rpc.method": operation_name,
        }
        if region:
            attributes["cloud.region"] = region
        self._span: Span = tracer.start_span(
            f"{SERVICE}.{operation_name}", kind=trace.SpanKind.CLIENT, attributes=attributes
        )
        self._token = context.attach(trace.set_span_in_context(self._span))

    def retry(self, attempt: int, error: BaseException | None, delay: float) -> None:
        """Note that ``attempt`` failed with ``error`` and is retried after ``delay`` s."""
        if self._span.is_recording():
            self._span.add_event(
                "retry",
                {
                    "retry.attempt": attempt,
                    "error.type": "" if error is None else error_type(error),
                    "retry.delay": delay,
                },
            )

    def end(
        self,
        *,
        attempts: int,
        status_code: int | None,
        request_id: str | None,
        error: BaseException | None,
    ) -> None:
        """Record how the call ended, end the span and make the caller's span current again."""
        from opentelemetry import context
        from opentelemetry.trace import Status, StatusCode

        span = self._span
        try:
            if span.is_recording():
                if request_id:
                    span.set_attribute("aws.request_id", request_id)
                if status_code is not None:
                    span.set_attribute("http.response.status_code", status_code)
                if attempts > 1:
                    span.set_attribute("http.request.resend_count", attempts - 1)
                if error is not None:
                    span.set_attribute("error.type", error_type(error))
                    span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
            span.end()
        finally:
            context.detach(self._token)
