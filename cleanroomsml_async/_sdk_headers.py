"""The AWS SDKs' retry headers, true on every attempt: one invocation id per call, attempt N of M.

botocore's own retries are off in the clients we create (our RetryPolicy is the only retry
layer), so left alone botocore sends each of our attempts as a new call: a fresh
``amz-sdk-invocation-id`` and ``amz-sdk-request: attempt=1`` without ``max``. The service would
count every retry as a new caller.

Why ``before-send``: botocore writes these headers in its ``request-created`` handlers, after
SigV4 has signed the request, so they are not among the signed headers. A value set before
signing would be signed, then overwritten by botocore, and the signature would break.
``before-send`` comes after both, with the request exactly as it goes on the wire; rewriting
unsigned headers there leaves the signature valid. Should a future botocore sign them, they are
left alone rather than broken.
"""

from __future__ import annotations

import uuid
from typing import Any

from cleanroomsml_async.retry import current_call

__all__ = ["register"]

INVOCATION_ID = "amz-sdk-invocation-id"
REQUEST = "amz-sdk-request"


def register(events: Any, service_name: str) -> None:
    """Set the headers on every request of the client whose event system this is."""
    events.register(f"before-send.{service_name}", _set_retry_headers)


def _set_retry_headers(request: Any, **_: Any) -> None:
    state = current_call.get()
    if state is None:
        return
    headers = request.headers
    authorization = headers.get("Authorization", "")
    if isinstance(authorization, bytes):
        authorization = authorization.decode("latin-1")
    if "amz-sdk-" in authorization:
        return  # signed: changing them now would break the signature
    if state.invocation_id is None:
        # The first attempt keeps the fresh UUID4 botocore has just made for its request (one
        # per request, so one per call here): a second uuid4() per call cost more than the
        # rest of this hook. Later attempts get botocore's new one replaced with it.
        state.invocation_id = headers.get(INVOCATION_ID) or str(uuid.uuid4())
    headers[INVOCATION_ID] = state.invocation_id
    headers[REQUEST] = f"attempt={state.attempt}; max={state.max_attempts}"
