"""One client shared by a web application's concurrent request handlers.

A web framework such as FastAPI runs many handlers at once on one event loop. Create ONE
CleanRoomsMLClient when the application starts, share it with every handler, and close it when
the application stops: the client is safe to use from concurrent tasks, and sharing it shares
its connection pool, its retry quota and (with ``RetryPolicy(adaptive=True)``) its send rate.
Creating a client per request would pay for a new connection and credential lookup every time.

This script has no web framework dependency: ``lifespan`` is what FastAPI's lifespan hook
would run, the two handlers are what the routes would call, and ``main`` plays a burst of
concurrent requests with ``asyncio.gather``. With FastAPI, the wiring would be::

    @asynccontextmanager
    async def app_lifespan(app: FastAPI):
        async with lifespan(None) as client:
            app.state.client = client
            yield

    @app.get("/audience-models/{arn:path}")
    async def route(arn: str, request: Request):
        response = await get_audience_model(request.app.state.client, arn)
        return JSONResponse(response.body, status_code=response.status)

    python examples/shared_client.py --audience-model-arn arn:aws:cleanrooms-ml:...   # real AWS
    python examples/shared_client.py --endpoint-url http://127.0.0.1:4566
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from cleanroomsml_async import (
    CleanRoomsMLClient,
    CleanRoomsMLError,
    ResourceNotFoundException,
    RetryPolicy,
    ThrottlingException,
)

# A web request should not wait long: a few quick retries within a 10 s budget.
RETRY = RetryPolicy(max_attempts=4, initial_delay=0.05, max_delay=1.0, timeout=10.0)

JSON = dict[str, object]


@dataclass(frozen=True)
class Response:
    """What a handler answers: an HTTP status and a JSON body."""

    status: int
    body: JSON


def make_client(endpoint_url: str | None) -> CleanRoomsMLClient:
    """A client for real AWS (credentials and region from the environment), or the emulator."""
    if endpoint_url is None:
        return CleanRoomsMLClient(retry=RETRY)
    return CleanRoomsMLClient(
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        retry=RETRY,
    )


@contextlib.asynccontextmanager
async def lifespan(endpoint_url: str | None) -> AsyncIterator[CleanRoomsMLClient]:
    """Startup opens the one client of the application; shutdown closes it."""
    async with make_client(endpoint_url) as client:
        yield client


def error_response(error: CleanRoomsMLError) -> Response:
    """The answer for a failure the handler did not expect, with the request id to quote."""
    if isinstance(error, ThrottlingException):
        return Response(503, {"error": "the service is busy, try again shortly"})
    request_id = getattr(error, "request_id", None)
    return Response(502, {"error": "the service call failed", "request_id": request_id})


async def get_audience_model(client: CleanRoomsMLClient, arn: str) -> Response:
    """GET /audience-models/{arn}: one audience model."""
    try:
        model = await client.get_audience_model(audience_model_arn=arn)
    except ValidationError:
        return Response(400, {"error": "not an audience model ARN"})
    except ResourceNotFoundException:
        return Response(404, {"error": "no such audience model"})
    except CleanRoomsMLError as error:
        return error_response(error)
    return Response(
        200,
        {
            "name": model.name,
            "status": str(model.status),
            "created": model.create_time.isoformat(),
        },
    )


async def list_export_jobs(
    client: CleanRoomsMLClient, generation_job_arn: str, limit: int = 20
) -> Response:
    """GET /generation-jobs/{arn}/export-jobs?limit=20: the first export jobs of one job."""
    try:
        jobs = await client.list_audience_export_jobs(
            audience_generation_job_arn=generation_job_arn
        ).to_list(limit=limit)
    except ValidationError:
        return Response(400, {"error": "not an audience generation job ARN"})
    except CleanRoomsMLError as error:
        return error_response(error)
    return Response(
        200,
        {
            "generation_job": generation_job_arn,
            "export_jobs": [{"name": job.name, "status": str(job.status)} for job in jobs],
        },
    )


async def main(
    endpoint_url: str | None = None, *, audience_model_arns: Sequence[str] = ()
) -> list[Response]:
    """Serve a burst of concurrent requests with one shared client; return the responses.

    The burst is: the export jobs of each of the first ten audience generation jobs, and each
    of ``audience_model_arns``. The responses come in that order.
    """
    async with lifespan(endpoint_url) as client:
        first_page = await client.list_audience_generation_jobs(max_results=10)
        requests: list[Awaitable[Response]] = [
            list_export_jobs(client, job.audience_generation_job_arn)
            for job in first_page.audience_generation_jobs
        ]
        requests += [get_audience_model(client, arn) for arn in audience_model_arns]
        return list(await asyncio.gather(*requests))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--endpoint-url", help="e.g. the emulator's; default: real AWS")
    parser.add_argument(
        "--audience-model-arn", action="append", default=[], help="may be given more than once"
    )
    args = parser.parse_args()
    for response in asyncio.run(
        main(args.endpoint_url, audience_model_arns=args.audience_model_arn)
    ):
        print(response.status, response.body)
