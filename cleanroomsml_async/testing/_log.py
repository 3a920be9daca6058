"""The record of every request the emulator received, for tests to count and inspect."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from cleanroomsml_async._redact import MASK

#: How many records a log keeps by default (the oldest go first).
DEFAULT_LIMIT = 5000
_SIGNATURE = re.compile(r"(Signature=)[0-9a-fA-F]*")


def masked_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers as the log keeps them: the session token and the signature masked, as the
    client masks its own logs (a test log is often pasted into an issue)."""
    kept: dict[str, str] = {}
    for name, value in headers.items():
        lowered = name.lower()
        if lowered == "x-amz-security-token":
            value = MASK
        elif lowered == "authorization":
            value = _SIGNATURE.sub(rf"\g<1>{MASK}", value)
        kept[name] = value
    return kept


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as received, and what the emulator answered."""

    operation: str | None
    """The operation name (e.g. "ListAudienceExportJobs"); None when no route matched."""
    method: str
    """The HTTP method, e.g. "GET"."""
    path: str
    """The path exactly as sent (percent-encoded, without the query string)."""
    query: dict[str, str]
    """The query string's parameters, decoded (e.g. {"maxResults": "10"})."""
    headers: dict[str, str]
    """The request's headers, as sent, but for the secrets: X-Amz-Security-Token and the
    Signature of the Authorization header read ``<redacted>``."""
    body: Any
    """The parsed JSON body; the raw text if it was not JSON; None if there was none."""
    status: int
    """The HTTP status sent back (for a dropped connection: the status of the headers sent)."""
    error_code: str | None
    """The error code sent back (x-amzn-ErrorType), None on success."""
    time: float
    """When the request arrived (POSIX time)."""
    request_id: str = ""
    """The x-amzn-RequestId sent back."""
    uri_params: dict[str, str] = field(default_factory=dict)
    """The URI labels of the route, percent-decoded (e.g. {"audienceModelArn": "arn:..."})."""
    faults: tuple[str, ...] = ()
    """The faults applied to this request, by FaultKind value (e.g. ("throttle",))."""
    duration: float = 0.0
    """Seconds from arrival to the response (injected delays included)."""


class RequestLog(Sequence[RequestRecord]):
    """The requests received so far, oldest first; a live view, not a copy.

    It keeps the last ``limit`` records (DEFAULT_LIMIT unless told otherwise; None keeps
    all), so that a long session does not grow without bound; ``dropped`` counts the rest.
    """

    def __init__(self, limit: int | None = DEFAULT_LIMIT) -> None:
        if limit is not None and limit < 1:
            raise ValueError(f"the request log limit must be at least 1, not {limit}")
        self._records: deque[RequestRecord] = deque(maxlen=limit)
        self.dropped = 0
        """How many records were dropped to keep within the limit since the last clear()."""

    @property
    def limit(self) -> int | None:
        """The most records kept."""
        return self._records.maxlen

    @overload
    def __getitem__(self, index: int) -> RequestRecord: ...
    @overload
    def __getitem__(self, index: slice) -> list[RequestRecord]: ...
    def __getitem__(self, index: int | slice) -> RequestRecord | list[RequestRecord]:
        if isinstance(index, slice):
            return list(self._records)[index]
        return self._records[index]

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self._records)

    def __repr__(self) -> str:
        return f"<RequestLog of {len(self._records)} requests>"

    def append(self, record: RequestRecord) -> None:
        """Add one record (the server calls this)."""
        if len(self._records) == self._records.maxlen:
            self.dropped += 1
        self._records.append(record)

    def clear(self) -> None:
        """Forget every record."""
        self._records.clear()
        self.dropped = 0

    def for_operation(self, operation: str) -> list[RequestRecord]:
        """The records of one operation, oldest first."""
        return [record for record in self._records if record.operation == operation]

    def operations(self) -> list[str | None]:
        """The operation of each record, oldest first (handy for asserting call sequences)."""
        return [record.operation for record in self._records]
