"""Opaque, signed page tokens.

A token carries the offset of the next page, a fingerprint of the request's filters and the
emulator's epoch, and is HMAC-signed with a key that lives only in this emulator. So a token
that was forged, edited, issued for other filters or another operation, issued by another
emulator or issued before reset() is refused, as the service refuses tokens it did not issue.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import secrets
from collections.abc import Mapping

from cleanroomsml_async.testing._errors import ApiError, validation_error

_SIGNATURE_BYTES = 16


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(operation: str, filters: Mapping[str, str]) -> str:
    """A short digest naming one operation with one set of filters."""
    canonical = json.dumps([operation, sorted(filters.items())], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class PageTokens:
    """Issues and checks page tokens for one emulator."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._epoch = secrets.token_hex(4)
        # A serial number makes every issued token distinct, as the service's are: an empty
        # page's token resumes where the request did, yet must not repeat the request's token
        # (a client rightly treats a repeated token as a cycle).
        self._serial = itertools.count()

    def invalidate_all(self) -> None:
        """Make every token issued so far stale (used by reset())."""
        self._epoch = secrets.token_hex(4)

    def encode(self, scope: str, offset: int) -> str:
        """A token that resumes the listing named by scope at offset."""
        payload = json.dumps(
            {"o": offset, "f": scope, "e": self._epoch, "n": next(self._serial)},
            separators=(",", ":"),
        ).encode()
        return f"{_b64encode(payload)}.{_b64encode(self._sign(payload))}"

    def decode(self, token: str, scope: str) -> int:
        """The offset a token resumes at; ValidationException unless this emulator issued it."""
        payload_text, _, signature_text = token.partition(".")
        try:
            payload = _b64decode(payload_text)
            signature = _b64decode(signature_text)
        except (binascii.Error, ValueError):
            raise self._invalid("it is not a token this service issued") from None
        # Only the canonical spelling is accepted: base64 leaves spare bits in a final
        # character, and a token edited there must not decode to a valid one.
        canonical = f"{_b64encode(payload)}.{_b64encode(signature)}"
        if token != canonical or not hmac.compare_digest(signature, self._sign(payload)):
            raise self._invalid("it is not a token this service issued")
        fields = json.loads(payload)
        if fields["e"] != self._epoch:
            raise self._invalid("it has expired")
        if fields["f"] != scope:
            raise self._invalid("it was issued for a different operation or different filters")
        # The signature vouches for the payload, so its offset is one this emulator wrote.
        return int(fields["o"])

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]

    @staticmethod
    def _invalid(reason: str) -> ApiError:
        return validation_error(f"Invalid nextToken: {reason}.")
