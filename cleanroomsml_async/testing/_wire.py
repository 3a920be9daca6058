"""Wire-format helpers: ISO 8601 timestamps, ARNs and identifiers as the service writes them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

from cleanroomsml_async.testing._kinds import arn_formats, kinds

_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"

TimeInput = datetime | float | str
"""
What seeding methods accept for a time: a datetime (naive means UTC), a POSIX timestamp, or
a string stored verbatim (so a test can seed exactly the text the wire should carry).
"""


def format_timestamp(value: TimeInput) -> str:
    """ISO 8601 with milliseconds: 'Z' for UTC, the numeric offset otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value, UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    offset = value.utcoffset()
    text = value.isoformat(timespec="milliseconds")
    if offset is not None and not offset:
        return text[: -len("+00:00")] + "Z"
    return text


def new_id() -> str:
    """A lowercase UUID, the form the model's UUID pattern wants."""
    return str(uuid.uuid4())


class ArnFactory:
    """Builds the ARNs of one (partition, region, account) as the service's patterns expect."""

    def __init__(self, region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
        self.region = region
        self.account_id = account_id
        self._prefix = f"arn:aws:cleanrooms-ml:{region}:{account_id}:"

    def audience_model(self, resource_id: str | None = None) -> str:
        """arn:...:audience-model/<id>."""
        return f"{self._prefix}audience-model/{resource_id or new_id()}"

    def configured_audience_model(self, resource_id: str | None = None) -> str:
        """arn:...:configured-audience-model/<id>."""
        return f"{self._prefix}configured-audience-model/{resource_id or new_id()}"

    def audience_generation_job(self, resource_id: str | None = None) -> str:
        """arn:...:audience-generation-job/<id>."""
        return f"{self._prefix}audience-generation-job/{resource_id or new_id()}"

    def training_dataset(self, resource_id: str | None = None) -> str:
        """arn:...:training-dataset/<id>."""
        return f"{self._prefix}training-dataset/{resource_id or new_id()}"

    def trained_model(
        self, membership_id: str | None = None, resource_id: str | None = None
    ) -> str:
        """arn:...:membership/<membership uuid>/trained-model/<id>."""
        membership = membership_id or new_id()
        return f"{self._prefix}membership/{membership}/trained-model/{resource_id or new_id()}"

    def new(
        self,
        kind: str,
        *,
        membership_id: str | None = None,
        resource_id: str | None = None,
    ) -> str:
        """A fresh ARN of any kind of resource (e.g. "MLInputChannel"), as its pattern wants.

        Kinds made in a membership (associations, ML input channels, trained models,
        inference jobs) get ``membership/<membership_id>/`` in front; a new membership id
        if none is given.
        """
        arn_format = kinds()[kind].arn_format
        if arn_format is None:
            raise ValueError(f"a {kind} has no ARN")
        return self.of_shape(
            arn_format.shape, membership_id=membership_id, resource_id=resource_id
        )

    def of_shape(
        self,
        shape: str,
        *,
        membership_id: str | None = None,
        resource_id: str | None = None,
    ) -> str:
        """A fresh ARN for an ARN shape of the model (e.g. "TrainedModelArn")."""
        arn_format = arn_formats()[shape]
        membership = ""
        if arn_format.in_membership:
            membership = f"membership/{membership_id or new_id()}/"
        return f"{self._prefix}{membership}{arn_format.resource_type}/{resource_id or new_id()}"

    def iam_role(self, name: str = "cleanrooms-ml-access") -> str:
        """arn:aws:iam::<account>:role/<name>."""
        return f"arn:aws:iam::{self.account_id}:role/{name}"

    def kms_key(self, key_id: str | None = None) -> str:
        """arn:aws:kms:...:key/<id>."""
        return f"arn:aws:kms:{self.region}:{self.account_id}:key/{key_id or new_id()}"


def timestamp_series(start: float, count: int) -> Iterator[str]:
    """count UTC timestamps a millisecond apart from start, formatted as format_timestamp does.

    Bulk seeding makes 100,000s of these, so the date-time text is built once per second
    rather than once per item.
    """
    first = round(start * 1000)
    second_text = ""
    current_second = None
    for millis in range(first, first + count):
        second, fraction = divmod(millis, 1000)
        if second != current_second:
            current_second = second
            second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        yield f"{second_text}.{fraction:03d}Z"


def export_output_location(bucket: str, generation_job_arn: str, name: str) -> str:
    """Where an ACTIVE audience export job says its audience was written."""
    job_id = generation_job_arn.rsplit("/", 1)[-1]
    # Names are free text (spaces, unicode); quote only when needed, quote() is slow.
    key = name if _URL_SAFE.fullmatch(name) else quote(name, safe="")
    return f"s3://{bucket}/audience-exports/{job_id}/{key}/"
