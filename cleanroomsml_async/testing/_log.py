"""The record of every request the emulator received, for tests to count and inspect."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload


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
    """The request's headers, as sent (the SigV4 Authorization header included)."""
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
    """The requests received so far, oldest first; a live view, not a copy."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []

    @overload
    def __getitem__(self, index: int) -> RequestRecord: ...
    @overload
    def __getitem__(self, index: slice) -> list[RequestRecord]: ...
    def __getitem__(self, index: int | slice) -> RequestRecord | list[RequestRecord]:
        return self._records[index]

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self._records)

    def __repr__(self) -> str:
        return f"<RequestLog of {len(self._records)} requests>"

    def append(self, record: RequestRecord) -> None:
        """Add one record (the server calls this)."""
        self._records.append(record)

    def clear(self) -> None:
        """Forget every record."""
        self._records.clear()

    def for_operation(self, operation: str) -> list[RequestRecord]:
        """The records of one operation, oldest first."""
        return [record for record in self._records if record.operation == operation]

    def operations(self) -> list[str | None]:
        """The operation of each record, oldest first (handy for asserting call sequences)."""
        return [record.operation for record in self._records]
