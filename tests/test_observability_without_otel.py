"""Without opentelemetry-api the package imports, works and traces nothing; hooks still run.

Whether or not this environment has OpenTelemetry, a child process is made to lack it (an
import of ``opentelemetry`` fails there, as on a machine where it is not installed).
"""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
from asyncio.subprocess import PIPE

from cleanroomsml_async.testing import LocalCleanRoomsML

WITHOUT_OTEL = """
import sys
sys.modules["opentelemetry"] = None  # what an absent package looks like to import
"""


async def run_without_otel(code: str) -> str:
    """Run ``code`` in a child process; this loop keeps serving the emulator meanwhile."""
    script = WITHOUT_OTEL + textwrap.dedent(code)
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, stdout=PIPE, stderr=PIPE
    )
    async with asyncio.timeout(120):
        stdout, stderr = await child.communicate()
    assert child.returncode == 0, stderr.decode()
    return stdout.decode()


async def test_calls_and_hooks_work_without_opentelemetry(emulator: LocalCleanRoomsML) -> None:
    arn = emulator.add_audience_model()["audienceModelArn"]
    emulator.faults.throttle(1)
    output = await run_without_otel(
        f"""
        import asyncio, json
        from cleanroomsml_async import CleanRoomsMLClient, RetryPolicy

        async def main():
            events = []
            async with CleanRoomsMLClient(
                endpoint_url={emulator.endpoint_url!r},
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                retry=RetryPolicy(initial_delay=0, max_delay=0),
                event_hooks={{"attempt": [lambda e: events.append(e.attempt)]}},
            ) as client:
                model = await client.get_audience_model(audience_model_arn={arn!r})
            loaded = sorted(m for m in sys.modules if m and m.startswith("opentelemetry."))
            print(json.dumps([model.audience_model_arn, events, loaded]))

        asyncio.run(main())
        """
    )
    assert json.loads(output) == [arn, [1, 2], []]
    assert [record.status for record in emulator.requests] == [429, 200]


async def test_a_tracer_provider_without_opentelemetry_says_what_to_install() -> None:
    output = await run_without_otel(
        """
        from cleanroomsml_async import CleanRoomsMLClient
        try:
            CleanRoomsMLClient(region_name="us-east-1", tracer_provider=object())
        except ImportError as error:
            print(error)
        """
    )
    assert "pip install 'cleanroomsml-async[otel]'" in output
