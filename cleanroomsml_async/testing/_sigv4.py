"""AWS Signature Version 4, as the emulator checks it.

By default a request need only carry a well-formed SigV4 Authorization header for this
service. In strict mode the signature is recomputed from the request as received (with the
secret of its access key), and the region and the clock skew are checked too, so that a
client whose signing regresses is refused as AWS would refuse it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import quote, unquote

from cleanroomsml_async.testing._errors import ApiError
from cleanroomsml_async.testing._service import SIGNING_NAME

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+"
    r"Credential=(?P<key>[^/,\s]+)/(?P<date>[0-9]{8})/(?P<region>[^/,\s]+)/"
    r"(?P<service>[^/,\s]+)/aws4_request\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*"
    r"Signature=(?P<signature>[0-9a-f]+)\s*"
)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


class Headers(Protocol):
    """What the check reads of the request's headers (aiohttp's CIMultiDictProxy)."""

    def get(self, key: str, /) -> str | None: ...
    def getall(self, key: str, default: list[str], /) -> list[str]: ...


@dataclass(slots=True)
class SigningPolicy:
    """How strictly signatures are checked (changes apply to the next request)."""

    strict: bool = False
    credentials: dict[str, str] = field(default_factory=lambda: {"testing": "testing"})
    """Access key id -> secret access key, for strict mode."""
    region: str = "us-east-1"
    max_clock_skew: float = 300.0
    """Seconds the request's X-Amz-Date may be away from the emulator's clock."""


def check_signature(
    policy: SigningPolicy,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Headers,
    body: bytes,
    now: float,
) -> None:
    """AccessDeniedException (or the strict mode's signature errors) unless signed."""
    header = headers.get("Authorization")
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
    if policy.strict:
        _check_strictly(policy, found, method, raw_path, raw_query, headers, body, now)


def _check_strictly(
    policy: SigningPolicy,
    found: re.Match[str],
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Headers,
    body: bytes,
    now: float,
) -> None:
    secret = policy.credentials.get(found["key"])
    if secret is None:
        raise ApiError(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    if found["region"] != policy.region:
        raise ApiError(
            "InvalidSignatureException",
            f"Credential should be scoped to a valid region, not '{found['region']}' "
            f"(this endpoint is {policy.region}).",
        )
    signed = found["signed"].split(";")
    if "host" not in signed:
        raise ApiError(
            "IncompleteSignatureException", "The host header must be signed (SignedHeaders)."
        )
    amz_date = headers.get("X-Amz-Date") or ""
    try:
        when = datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        raise ApiError(
            "IncompleteSignatureException",
            f"X-Amz-Date must be a date like 20240101T000000Z, not '{amz_date}'.",
        ) from None
    skew = when.timestamp() - now
    if abs(skew) > policy.max_clock_skew:
        raise ApiError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is {abs(skew):.0f} s "
            f"{'ahead of' if skew > 0 else 'behind'} the server's time "
            f"(at most {policy.max_clock_skew:.0f} s allowed).",
        )
    if found["date"] != amz_date[:8]:
        raise ApiError(
            "InvalidSignatureException",
            f"The credential date {found['date']} is not the date of X-Amz-Date {amz_date}.",
        )
    scope = f"{found['date']}/{found['region']}/{found['service']}/aws4_request"
    canonical = canonical_request(method, raw_path, raw_query, headers, signed, body)
    string_to_sign = "\n".join(
        ("AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest())
    )
    key = ("AWS4" + secret).encode()
    for part in (found["date"], found["region"], found["service"], "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, found["signature"]):
        raise ApiError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )


def canonical_request(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Headers,
    signed: list[str],
    body: bytes,
) -> str:
    """The SigV4 canonical request of a request as received."""
    # Services other than S3 encode the path once more for signing: the '%' of the
    # percent-encoded ARN labels becomes '%25'.
    path = quote(raw_path or "/", safe="/~")
    pairs = []
    for part in raw_query.split("&") if raw_query else ():
        name, _, value = part.partition("=")
        pairs.append((quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    query = "&".join(f"{name}={value}" for name, value in sorted(pairs))
    lines = [
        f"{name}:{','.join(' '.join(value.split()) for value in headers.getall(name, []))}"
        for name in signed
    ]
    payload = headers.get("X-Amz-Content-SHA256") or hashlib.sha256(body).hexdigest()
    return "\n".join((method, path, query, "\n".join(lines) + "\n", ";".join(signed), payload))
