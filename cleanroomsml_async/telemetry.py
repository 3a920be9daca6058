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

from types import ModuleType
from typing import TYPE_CHECKING, Any

from cleanroomsml_async._version import __version__

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer, TracerProvider

__all__ = ["CallSpan", "Tracing", "tracer_for"]

SERVICE = "CleanRoomsML"
INSTRUMENTATION_NAME = "cleanroomsml_async"

# Whether opentelemetry-api can be imported: None until first asked. A failed import is not
# cached by Python, so without this every client would search sys.path for it again.
_available: bool | None = None

# opentelemetry's ``context`` and ``trace`` modules, bound by the first successful
# ``tracer_for``. Why not ``from opentelemetry import ...`` in each method: a ``from`` import
# runs importlib's Python-level ``_handle_fromlist`` every time, and a call went through three.
_context: ModuleType
_trace: ModuleType


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
    global _context, _trace
    from opentelemetry import context

    _context, _trace = context, trace
    _available = True
    return trace.get_tracer(INSTRUMENTATION_NAME, __version__, tracer_provider=tracer_provider)


class Tracing:
    """A client's tracer, and whether a call made now would record anything through it.

    Why: with ``opentelemetry-api`` installed (many libraries pull it in) but no SDK set up,
    every call still made, attached and ended a span that goes nowhere, about a quarter of our
    own work on a call. Until a global provider is set, the tracer a client gets from the
    global provider is a proxy that hands out the no-op tracer's spans. Such a span carries
    its parent's span context, so making it current changes no one's parent either: skipping
    it is invisible. Checked per call, as a provider set later must still apply.
    """

    __slots__ = ("_proxied", "tracer")

    def __init__(self, tracer_provider: TracerProvider | None) -> None:
        self.tracer = tracer_for(tracer_provider)
        # A proxy tracer comes from a proxy provider (the global one before any is set, or
        # the same passed in) and follows the global provider once one is set.
        self._proxied = self.tracer is not None and isinstance(self.tracer, _trace.ProxyTracer)

    def active(self) -> Tracer | None:
        """The tracer to make this call's span with, or None when it would record nothing."""
        if self._proxied:
            if isinstance(_trace.get_tracer_provider(), _trace.ProxyTracerProvider):
                return None  # no provider set yet: the proxy would give a no-op span
            # The global provider is set once for good: no need to look again.
            self._proxied = False
        return self.tracer


def error_type(error: BaseException) -> str:
    """The error's service code, or its class name (``error.type``)."""
    code = getattr(error, "code", None)
    return code if isinstance(code, str) and code else type(error).__name__


class CallSpan:
    """The span of one call, made current from ``start()`` until ``end()``."""

    __slots__ = ("_span", "_token")

    def __init__(self, tracer: Tracer, operation_name: str, region: str | None) -> None:
        attributes: dict[str, Any] = {
            "rpc.system": "aws-api",
            "rpc.service": SERVICE,
            "rpc.method": operation_name,
        }
        if region:
            attributes["cloud.region"] = region
        self._span: Span = tracer.start_span(
            f"{SERVICE}.{operation_name}", kind=_trace.SpanKind.CLIENT, attributes=attributes
        )
        self._token = _context.attach(_trace.set_span_in_context(self._span))

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
                    span.set_status(
                        _trace.Status(_trace.StatusCode.ERROR, f"{type(error).__name__}: {error}")
                    )
            span.end()
        finally:
            _context.detach(self._token)
