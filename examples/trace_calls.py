"""See every call and every retry: OpenTelemetry spans on the console, attempts in the log.

Each call is one span (``CleanRoomsML.GetAudienceModel``), with its request id, HTTP status and,
after retries, its resend count and one ``retry`` event per retry. An event hook logs each
attempt that is retried, and counts calls per outcome, the way a metrics hook would.

Needs the ``otel`` extra and the OpenTelemetry SDK, which brings the console exporter::

    pip install 'cleanroomsml-async[otel]' opentelemetry-sdk
    python examples/trace_calls.py --audience-model-arn arn:aws:cleanrooms-ml:...   # real AWS
    python examples/trace_calls.py --endpoint-url http://127.0.0.1:4566 --audience-model-arn ...

A real application sets its tracer provider once, globally
(``opentelemetry.trace.set_tracer_provider``), with an exporter to its collector; every client
then uses it without ``tracer_provider=``. Here the provider is the script's own, so running
it changes nothing else in the process.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections import Counter
from typing import TextIO

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

from cleanroomsml_async import (
    AttemptEvent,
    CallEvent,
    CleanRoomsMLClient,
    CleanRoomsMLError,
    RetryPolicy,
)

logger = logging.getLogger("trace_calls")

EMULATOR_CREDENTIALS = {
    "region_name": "us-east-1",
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
}


class CallCounter:
    """Event hooks: log each retried attempt, count calls by operation and outcome."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()

    def on_attempt(self, event: AttemptEvent) -> None:
        if event.will_retry:
            logger.warning(
                "%s attempt %d of %d failed (%s, HTTP %s, request id %s); retrying in %.2f s",
                event.operation_name,
                event.attempt,
                event.max_attempts,
                type(event.error).__name__,
                event.http_status_code,
                event.request_id,
                event.delay or 0.0,
            )

    async def on_call(self, event: CallEvent) -> None:  # hooks may be coroutines too
        outcome = "ok" if event.error is None else type(event.error).__name__
        self.calls[event.operation_name, outcome] += 1


async def main(
    endpoint_url: str | None = None,
    *,
    audience_model_arn: str,
    calls: int = 3,
    out: TextIO = sys.stdout,
) -> Counter[tuple[str, str]]:
    """Get one audience model ``calls`` times, traced; return the calls counted by outcome."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=out)))
    counter = CallCounter()
    # Against the emulator, any credentials do; against AWS, the usual chain provides them.
    emulator = {} if endpoint_url is None else EMULATOR_CREDENTIALS
    try:
        async with CleanRoomsMLClient(
            endpoint_url=endpoint_url,
            retry=RetryPolicy(max_attempts=4, initial_delay=0.05, max_delay=1.0),
            tracer_provider=provider,
            event_hooks={"attempt": [counter.on_attempt], "call": [counter.on_call]},
            **emulator,
        ) as client:
            for _ in range(calls):
                try:
                    await client.get_audience_model(audience_model_arn=audience_model_arn)
                except CleanRoomsMLError as error:
                    logger.error("%s", error)  # counted by the hook, traced with status ERROR
    finally:
        provider.shutdown()
    return counter.calls


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--endpoint-url", help="e.g. the emulator's; default: real AWS")
    parser.add_argument("--audience-model-arn", required=True)
    parser.add_argument("--calls", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    counted = asyncio.run(
        main(args.endpoint_url, audience_model_arn=args.audience_model_arn, calls=args.calls)
    )
    for (operation, outcome), number in sorted(counted.items()):
        print(f"{operation}: {number} {outcome}")
