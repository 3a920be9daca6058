"""What our clients do with a response body before botocore's parser sees it.

One ``before-parse`` hook, registered on each created client's own event system:

- a success body goes to pydantic unparsed (see ``_base_client``): pydantic validates it into
  the typed model anyway, several times faster than botocore's rest-json parse;
- an error body that botocore's error parser would choke on is replaced before it gets there.
  botocore decodes an error body as UTF-8 and ``json.loads`` it, so a 503 whose body is a
  Latin-1 HTML page or gzip bytes raised ``UnicodeDecodeError``, one nested 100,000 levels
  deep ``RecursionError``, and a JSON array ``AttributeError``: builtin exceptions, outside
  the package's family and never retried. An HTTP 5xx stays a service error whatever its body
  holds, so its body becomes the JSON botocore expects, with the code from the
  ``x-amzn-ErrorType`` header or, without one, the HTTP status (as botocore itself names a 5xx
  whose body is an HTML page). Any other status with such a body is a ``ResponseError``.
"""

from __future__ import annotations

import json
from typing import Any

from cleanroomsml_async.errors import ResponseError

__all__ = ["RAW_BODY", "before_parse"]

#: Where the hook leaves a successful response's body for pydantic to read.
RAW_BODY = "cleanroomsml_async.raw_body"


def before_parse(
    response_dict: dict[str, Any],
    customized_response_dict: dict[str, Any],
    operation_model: Any = None,
    **_: Any,
) -> None:
    """botocore ``before-parse`` hook: keep success bodies raw, make error bodies parseable."""
    status = response_dict["status_code"]
    if status < 300:
        customized_response_dict[RAW_BODY] = response_dict["body"]
        response_dict["body"] = b""
        return
    body = response_dict.get("body") or b""
    problem = _unparseable(body)
    if problem is None:
        return
    headers = response_dict.get("headers") or {}
    operation_name = getattr(operation_model, "name", None) or "the call"
    if status >= 500:
        code = str(headers.get("x-amzn-errortype") or status).split(":", 1)[0]
        message = f"HTTP {status} with an error body that is not a JSON object ({problem})"
        response_dict["body"] = json.dumps({"__type": code, "message": message}).encode()
        return
    raise ResponseError(
        f"the HTTP {status} error response could not be read: its body is {problem}",
        operation_name=operation_name,
        request_id=headers.get("x-amzn-requestid") or None,
    )


def _unparseable(body: bytes) -> str | None:
    """Why botocore's error parser could not read ``body``, or None if it can.

    Text that is not JSON is fine: botocore keeps it as the error message.
    """
    if not body.strip():
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return f"not UTF-8 text ({len(body)} bytes)"
    try:
        parsed = json.loads(text)
    except RecursionError:
        return f"JSON nested too deeply to read ({len(body)} bytes)"
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return f"JSON but not an object (a {type(parsed).__name__})"
    return None
