"""Keeps credentials out of log records, botocore's and aiobotocore's DEBUG records included.

botocore logs, at DEBUG, the canonical request it signs (``botocore.auth``) and the headers
of each request it sends (``botocore.endpoint``), both with the session token in clear; other
records may quote a secret in ways no pattern foresees. So every client this package creates
hands its credentials to one process-wide ``logging.Filter``, which masks those exact values
(the secret key and the session token; the access key id is not a secret) in any record of
the botocore, aiobotocore and cleanroomsml_async loggers. As a second line, the value of any
``X-Amz-Security-Token`` header is masked too, whoever's it is.

Cheap when DEBUG is off: a logger runs its filters only for records it actually emits.
Credentials that refresh (assumed roles, SSO) are read as they are now, at each record, and a
client's credentials are forgotten with the client (weak references).
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

__all__ = ["MASK", "protect_logs", "watch_credentials", "watch_secrets"]

MASK = "<redacted>"

#: The loggers whose records can hold a credential, besides their children (found at
#: protect_logs() time: a logger's filters only see the records of that very logger).
_ROOTS = ("botocore", "aiobotocore", "cleanroomsml_async")
#: Created up front, in case a module that logs them has not been imported yet.
_KNOWN = (
    "botocore.auth",
    "botocore.endpoint",
    "botocore.parsers",
    "botocore.hooks",
    "botocore.httpsession",
    "botocore.credentials",
    "botocore.client",
    "botocore.retryhandler",
    "aiobotocore.endpoint",
    "aiobotocore.httpsession",
    "aiobotocore.credentials",
    "aiobotocore.client",
)
_SECURITY_TOKEN = re.compile(
    r"(x-amz-security-token['\"]?\s*[:=]\s*b?['\"]?)[^'\"\s,&}]+", re.IGNORECASE
)
# Attribute names of botocore's Credentials (plain) and RefreshableCredentials (current).
_SECRET_ATTRIBUTES = ("secret_key", "token", "_secret_key", "_token")


class SecretRedactor(logging.Filter):
    """Masks known secret values, and any security token header, in a log record."""

    def __init__(self) -> None:
        super().__init__()
        self._credentials: weakref.WeakSet[Any] = weakref.WeakSet()
        self._given: weakref.WeakKeyDictionary[Any, tuple[str, ...]] = weakref.WeakKeyDictionary()

    def watch_credentials(self, credentials: Any) -> None:
        """Mask the secret key and token of a botocore credentials object, as they are now."""
        if credentials is not None:
            self._credentials.add(credentials)

    def watch_secrets(self, owner: Any, secrets: Iterable[str | None]) -> None:
        """Mask these values for as long as ``owner`` lives."""
        self._given[owner] = tuple(secret for secret in secrets if secret)

    def secrets(self) -> set[str]:
        """Every value to mask right now, each also in its percent-encoded form."""
        found: set[str] = set()
        for given in list(self._given.values()):
            found.update(given)
        for credentials in list(self._credentials):
            attributes = vars(credentials)  # vars(): no property, so no refresh, is triggered
            for name in _SECRET_ATTRIBUTES:
                value = attributes.get(name)
                if isinstance(value, str) and value:
                    found.add(value)
        found.update([quote(secret, safe="") for secret in found])
        return found

    def redact(self, text: str, secrets: Iterable[str] | None = None) -> str:
        """``text`` with every secret masked."""
        # Longest first, so a secret that contains another is masked whole.
        for secret in sorted(self.secrets() if secrets is None else secrets, key=len)[::-1]:
            if secret in text:
                text = text.replace(secret, MASK)
        return _SECURITY_TOKEN.sub(rf"\1{MASK}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem, not ours
            return True
        secrets = self.secrets()
        redacted = self.redact(message, secrets)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            redacted = self.redact(text, secrets)
            if redacted != text:
                record.exc_text = redacted  # formatters print exc_text when it is set
        return True


_REDACTOR = SecretRedactor()


def watch_credentials(credentials: Any) -> None:
    """Mask these botocore credentials' secret key and token in every protected log record."""
    _REDACTOR.watch_credentials(credentials)


def watch_secrets(owner: Any, secrets: Iterable[str | None]) -> None:
    """Mask these values in every protected log record, for as long as ``owner`` lives."""
    _REDACTOR.watch_secrets(owner, secrets)


def protect_logs() -> None:
    """Attach the filter to every botocore, aiobotocore and cleanroomsml_async logger.

    Called each time a client is created, so loggers of modules imported since are covered
    too; addFilter ignores a filter that is already attached.
    """
    for name in _KNOWN:
        logging.getLogger(name)
    names = [
        name
        for name in list(logging.Logger.manager.loggerDict)
        if name in _ROOTS or name.startswith(tuple(f"{root}." for root in _ROOTS))
    ]
    for name in names:
        logging.getLogger(name).addFilter(_REDACTOR)
