"""Checks a request the emulator recorded against its SigV4 signature, with botocore's signer.

The signature is recomputed from scratch over the headers the request says it signed
(``SignedHeaders``), at the time it says it was signed (``X-Amz-Date``), with the credentials
the test gave the client: a header changed after signing, or a wrong key, fails it.
"""

from __future__ import annotations

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence

from cleanroomsml_async.testing import RequestRecord


def signed_headers(record: RequestRecord) -> list[str]:
    """The names of the headers the request's signature covers, lower-case."""
    return _authorization(record)["SignedHeaders"].split(";")


def signature_is_valid(
    record: RequestRecord,
    endpoint_url: str,
    *,
    access_key: str,
    secret_key: str,
    token: str | None = None,
) -> bool:
    """Whether the recorded request's signature is the one these credentials give it."""
    fields = _authorization(record)
    _, _, region, service, _ = fields["Credential"].split("/")
    covered = set(signed_headers(record))
    headers = {name: value for name, value in record.headers.items() if name.lower() in covered}
    query = f"?{percent_encode_sequence(record.query)}" if record.query else ""
    # The log keeps a body parsed, not as the bytes that were signed.
    assert record.body is None, "only requests without a body can be checked"
    request = AWSRequest(
        method=record.method, url=f"{endpoint_url}{record.path}{query}", headers=headers, data=b""
    )
    request.context["timestamp"] = record.headers["X-Amz-Date"]
    signer = SigV4Auth(Credentials(access_key, secret_key, token), service, region)
    string_to_sign = signer.string_to_sign(request, signer.canonical_request(request))
    signature: str = signer.signature(string_to_sign, request)
    return signature == fields["Signature"]


def _authorization(record: RequestRecord) -> dict[str, str]:
    scheme, _, rest = record.headers["Authorization"].partition(" ")
    assert scheme == "AWS4-HMAC-SHA256"
    return dict(part.strip().split("=", 1) for part in rest.split(","))
