"""What the strict emulator made of a request's SigV4 signature, read from its request log.

The test suite's emulator runs in strict mode: it recomputes every request's signature with
the secret it knows for the access key (over the headers the request says it signed) and
refuses a request whose signature does not match, with an ``InvalidSignatureException``
(HTTP 403). Its log masks the signature itself but keeps the list of signed headers.
"""

from __future__ import annotations

from cleanroomsml_async.testing import RequestRecord

#: What strict mode answers a request whose signature it does not accept.
SIGNATURE_ERRORS = frozenset(
    {"InvalidSignatureException", "IncompleteSignatureException", "UnrecognizedClientException"}
)


def signed_headers(record: RequestRecord) -> list[str]:
    """The names of the headers the request's signature covers, lower-case."""
    scheme, _, rest = record.headers["Authorization"].partition(" ")
    assert scheme == "AWS4-HMAC-SHA256"
    fields = dict(part.strip().split("=", 1) for part in rest.split(","))
    return fields["SignedHeaders"].split(";")


def signature_accepted(record: RequestRecord) -> bool:
    """Whether the strict emulator verified the request's signature (and went on)."""
    return record.status != 403 and record.error_code not in SIGNATURE_ERRORS
