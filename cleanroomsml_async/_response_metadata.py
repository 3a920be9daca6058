"""What a call's answer says about the call itself: request id, HTTP status, attempts."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ResponseMetadata"]


@dataclass(frozen=True, slots=True)
class ResponseMetadata:
    """How the service answered the call that returned a response model.

    Read it from ``response.response_metadata``: it is ``None`` on a model you built yourself
    and on the items inside a page.

    Attributes:
        request_id: The service's ``x-amzn-RequestId``, to quote to AWS Support.
        http_status_code: The HTTP status of the answer, e.g. ``200``.
        attempts: How many attempts the call took, the first included (``1`` unless retried).
    """

    request_id: str | None
    http_status_code: int
    attempts: int
