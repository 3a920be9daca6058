"""The HTTP side: routing, SigV4 presence check, faults, rest-json responses, request log."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from cleanroomsml_async.testing._errors import ApiError
from cleanroomsml_async.testing._faults import FaultInjector, FaultPlan
from cleanroomsml_async.testing._log import RequestLog, RequestRecord
from cleanroomsml_async.testing._operations import Operations
from cleanroomsml_async.testing._routing import RouteMatch, RouteMiss, Router
from cleanroomsml_async.testing._service import (
    LIST_OPERATIONS,
    OPERATION_NAMES,
    SIGNING_NAME,
    operation_model,
)
from cleanroomsml_async.testing._validation import parse_input

logger = logging.getLogger("cleanroomsml_async.testing")

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+"
    r"Credential=[^/,\s]+/[0-9]{8}/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)/aws4_request\s*,\s*"
    r"SignedHeaders=[^,\s]+\s*,\s*"
    r"Signature=[0-9a-f]+\s*"
)


def check_authorization(header: str | None) -> None:
    """AccessDeniedException unless the request carries a SigV4 header for this service.

    The signature itself is not verified: the emulator has no secret to check it with, and
    what tests need is that the request was signed, for the right service.
    """
    if not header:
        raise ApiError(
            "AccessDeniedException",
            "Missing Authentication Token: requests must be signed with AWS Signature Version 4.",
        )
    found = _AUTHORIZATION.fullmatch(header)
    if found is None:
        raise ApiError(
            "AccessDeniedException",
            "The Authorization header is not a valid AWS4-HMAC-SHA256 signature "
            "(expected 'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...').",
        )
    if found["service"] != SIGNING_NAME:
        raise ApiError(
            "AccessDeniedException",
            f"Credential should be scoped to correct service: '{SIGNING_NAME}'.",
        )


def _loggable_body(body: bytes) -> Any:
    if not body:
        return None
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


class EmulatorServer:
    """Answers HTTP requests for the emulator; one instance per running server."""

    def __init__(self, operations: Operations, faults: FaultInjector, log: RequestLog) -> None:
        self._operations = operations
        self._faults = faults
        self._log = log
        self._router = Router()
        self._models = {name: operation_model(name) for name in OPERATION_NAMES}
        # Handlers still running. aiohttp forgets a handler whose client hung up (say, on a
        # read timeout during an injected delay), so close() finds and ends them itself.
        self._in_flight: set[asyncio.Task[Any]] = set()

    async def close(self) -> None:
        """Cancel the handlers still running (they are logged with status 0)."""
        tasks = [task for task in self._in_flight if not task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Answer one request, as the service would, and log it."""
        arrived = time.time()
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        raw_path = request.rel_url.raw_path
        query = dict(request.query)
        outcome = _Outcome()
        try:
            body = await request.read()
        except web.HTTPException as refused:  # a body over the size limit
            body = b""
            outcome.refused = ApiError(
                "RequestEntityTooLargeException" if refused.status == 413 else "BadRequest",
                refused.reason,
                status=refused.status,
            )
        found = self._router.match(request.method, raw_path)
        match = found if isinstance(found, RouteMatch) else None

        def record(status: int, error_code: str | None) -> None:
            self._log.append(
                RequestRecord(
                    operation=match.operation if match is not None else None,
                    method=request.method,
                    path=raw_path,
                    query=query,
                    headers=dict(request.headers),
                    body=_loggable_body(body),
                    status=status,
                    error_code=error_code,
                    time=arrived,
                    request_id=request_id,
                    uri_params=dict(match.uri_params) if match is not None else {},
                    faults=tuple(outcome.plan.applied),
                    duration=time.monotonic() - started,
                )
            )

        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            await self._answer(request, found, body, outcome)
        except asyncio.CancelledError:
            # Only stop() cancels a handler (mid injected delay, say): nothing was sent,
            # which status 0 says, but the request did arrive and belongs in the log.
            record(0, None)
            raise
        finally:
            self._in_flight.discard(task)

        status, error_code, plan = outcome.status, outcome.error_code, outcome.plan
        data = json.dumps(outcome.payload, separators=(",", ":")).encode()
        headers = {"x-amzn-RequestId": request_id, "Content-Type": "application/json"}
        if plan.malformed_body:
            # What a proxy that cut the response short would deliver: a 200 whose JSON ends
            # half way through.
            status, error_code, data = 200, None, data[: max(1, len(data) // 2)]
        if error_code is not None:
            headers["x-amzn-ErrorType"] = error_code
        record(status, error_code)
        if plan.drop_connection:
            return await _send_then_hang_up(request, status, headers, data)
        return web.Response(status=status, body=data, headers=headers)

    async def _answer(
        self,
        request: web.BaseRequest,
        match: RouteMatch | RouteMiss,
        body: bytes,
        outcome: _Outcome,
    ) -> None:
        # Order matters and follows the service: no route, then no signature, then faults
        # (a throttled request is refused before it is looked at), then validation.
        try:
            if outcome.refused is not None:
                raise outcome.refused
            if isinstance(match, RouteMiss):
                served = f" (that path serves {', '.join(match.allowed)})" if match.allowed else ""
                raise ApiError(
                    "UnknownOperationException",
                    f"No cleanroomsml operation is served at {request.method} "
                    f"{request.rel_url.raw_path}{served}.",
                )
            check_authorization(request.headers.get("Authorization"))
            outcome.plan = plan = self._faults.plan(
                match.operation, match.operation in LIST_OPERATIONS
            )
            if plan.delay:
                await asyncio.sleep(plan.delay)
            if plan.error is not None:
                raise plan.error
            query = {key: request.query.getall(key) for key in set(request.query)}
            params = parse_input(self._models[match.operation], match.uri_params, query, body)
            outcome.payload = self._operations.call(match.operation, params, plan)
        except ApiError as error:
            outcome.status, outcome.error_code, outcome.payload = (
                error.status,
                error.code,
                error.body(),
            )
        except Exception:
            # A bug in the emulator: answer like a service in trouble rather than with
            # aiohttp's HTML page, and keep the traceback where a developer will see it.
            logger.exception("emulator failed on %s %s", request.method, request.rel_url)
            outcome.status, outcome.error_code = 500, "InternalServerException"
            outcome.payload = {"message": "The emulator failed; see its log for the traceback."}


@dataclass(slots=True)
class _Outcome:
    """The answer being built for one request."""

    status: int = 200
    error_code: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    plan: FaultPlan = field(default_factory=FaultPlan)
    refused: ApiError | None = None


async def _send_then_hang_up(
    request: web.BaseRequest, status: int, headers: Mapping[str, str], data: bytes
) -> web.StreamResponse:
    # Promise the whole body with Content-Length, deliver half, then close: the client sees
    # a connection that died mid-response, not a clean short reply.
    response = web.StreamResponse(status=status, headers=headers)
    response.content_length = len(data)
    await response.prepare(request)
    await response.write(data[: len(data) // 2])
    transport = request.transport
    if transport is not None:
        # close() (not abort()) so what was written is flushed before the FIN.
        transport.close()
    return response
