"""The HTTP side: routing, SigV4 checks, faults, rest-json responses, request log.

Paths under /_emulator/ are the emulator's own (no service path starts with an underscore):
GET /_emulator/requests says how many requests are logged, DELETE /_emulator/requests
clears the log, and POST /_emulator/reset drops all state, faults and logged requests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from cleanroomsml_async.testing._errors import ApiError
from cleanroomsml_async.testing._faults import FaultInjector, FaultPlan
from cleanroomsml_async.testing._log import RequestLog, RequestRecord, masked_headers
from cleanroomsml_async.testing._operations import Operations
from cleanroomsml_async.testing._routing import RouteMatch, RouteMiss, Router
from cleanroomsml_async.testing._service import LIST_OPERATIONS, OPERATION_NAMES, operation_model
from cleanroomsml_async.testing._sigv4 import SigningPolicy, check_signature
from cleanroomsml_async.testing._slow_clients import HeaderDeadlines
from cleanroomsml_async.testing._validation import parse_input

_CONTROL = "/_emulator/"

logger = logging.getLogger("cleanroomsml_async.testing")


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

    def __init__(
        self,
        operations: Operations,
        faults: FaultInjector,
        log: RequestLog,
        *,
        signing: SigningPolicy,
        deadlines: HeaderDeadlines,
        reset: Callable[[], None],
    ) -> None:
        self._operations = operations
        self._faults = faults
        self._log = log
        self._signing = signing
        self.deadlines = deadlines
        self._reset = reset
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
        self.deadlines.headers_arrived(request.transport)
        try:
            if request.rel_url.raw_path.startswith(_CONTROL):
                return await self._control(request)
            return await self._serve(request)
        finally:
            self.deadlines.response_sent(request.transport)

    async def _control(self, request: web.BaseRequest) -> web.StreamResponse:
        body: dict[str, Any]
        action = (request.method, request.rel_url.raw_path[len(_CONTROL) :].rstrip("/"))
        if action == ("GET", "requests"):
            log = self._log
            body = {"count": len(log), "dropped": log.dropped, "limit": log.limit}
        elif action == ("DELETE", "requests"):
            body = {"cleared": len(self._log)}
            self._log.clear()
        elif action == ("POST", "reset"):
            self._reset()
            body = {"reset": True}
        else:
            body = {
                "message": "The emulator answers GET and DELETE /_emulator/requests and "
                "POST /_emulator/reset."
            }
            return web.json_response(body, status=404)
        return web.json_response(body)

    async def _serve(self, request: web.BaseRequest) -> web.StreamResponse:
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
                    headers=masked_headers(request.headers),
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
            headers.update(plan.headers)
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
            check_signature(
                self._signing,
                request.method,
                request.rel_url.raw_path,
                request.rel_url.raw_query_string,
                request.headers,
                body,
                time.time(),
            )
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
