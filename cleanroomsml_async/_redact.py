"""Keeps credentials out of log records, botocore's and aiobotocore's DEBUG records included.

botocore logs, at DEBUG, the canonical request it signs (``botocore.auth``) and the headers
of each request it sends (``botocore.endpoint``), both with the session token in clear; other
records may quote a secret in ways no pattern foresees. So every client this package creates
hands its secrets (the secret key and the session token; the access key id is not a secret)
to one ``logging.Filter``, which masks those exact values, percent-encoded too, in any record
of the botocore, aiobotocore and cleanroomsml_async loggers. As a second line, the value of
any ``X-Amz-Security-Token`` header is masked too, whoever's it is.

Nothing here outlives the clients: a client's secrets are forgotten when it closes (or is
garbage-collected unclosed), and when no client is left the filter is taken off every logger
it was put on. A record that holds none of the watched values is left exactly as it was.

Thread-safe without a lock on the logging path: changes (under a lock) build a new immutable
snapshot of the values to mask, and the filter reads whichever snapshot is current, whole.
Cheap when DEBUG is off: a logger runs its filters only for records it actually emits.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from pydantic import SecretStr

__all__ = ["MASK", "ClientCredentials", "Watch", "watch"]

MASK = "<redacted>"

#: The loggers whose records can hold a credential, besides their children (found when a
#: client is opened: a logger's filters only see the records of that very logger).
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
_SECURITY_TOKEN_NAME = "x-amz-security-token"


class SecretRedactor(logging.Filter):
    """Masks the watched secret values, and any security token header, in a log record."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._watched: dict[Watch, tuple[str, ...]] = {}
        self._loggers: set[logging.Logger] = set()
        # Every value to mask, percent-encoded forms included, longest first (so a secret that
        # contains another is masked whole). Replaced, never changed in place.
        self._snapshot: tuple[str, ...] = ()

    @property
    def attached(self) -> frozenset[logging.Logger]:
        """The loggers the filter is on right now."""
        with self._lock:
            return frozenset(self._loggers)

    def secrets(self) -> tuple[str, ...]:
        """The values masked right now."""
        return self._snapshot

    def watch(self, secrets: Iterable[str | None]) -> Watch:
        """Start masking these values (and put the filter on every protected logger)."""
        handle = Watch(self)
        with self._lock:
            self._watched[handle] = _clean(secrets)
            self._rebuild()
            self._attach()
        return handle

    def _update(self, handle: Watch, secrets: Iterable[str | None]) -> None:
        values = _clean(secrets)
        with self._lock:
            if handle in self._watched and self._watched[handle] != values:
                self._watched[handle] = values
                self._rebuild()

    def _release(self, handle: Watch) -> None:
        with self._lock:
            if self._watched.pop(handle, None) is None:
                return
            self._rebuild()
            if not self._watched:
                for logger in self._loggers:
                    logger.removeFilter(self)
                self._loggers.clear()

    def _rebuild(self) -> None:
        found = {secret for values in self._watched.values() for secret in values}
        found.update([quote(secret, safe="") for secret in found])
        self._snapshot = tuple(sorted(found, key=len, reverse=True))

    def _attach(self) -> None:
        for name in _KNOWN:
            logging.getLogger(name)
        prefixes = tuple(f"{root}." for root in _ROOTS)
        for name in list(logging.Logger.manager.loggerDict):
            if name in _ROOTS or name.startswith(prefixes):
                logger = logging.getLogger(name)
                if logger not in self._loggers:
                    logger.addFilter(self)
                    self._loggers.add(logger)

    def redact(self, text: str, secrets: tuple[str, ...] | None = None) -> str:
        """``text`` with every secret masked."""
        for secret in self._snapshot if secrets is None else secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        if _SECURITY_TOKEN_NAME in text.lower():
            text = _SECURITY_TOKEN.sub(rf"\1{MASK}", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self._snapshot  # one read: the same values for the message and traceback
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem, not ours
            return True
        redacted = self.redact(message, secrets)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            redacted = self.redact(text, secrets)
            if redacted != text:
                record.exc_text = redacted  # formatters print exc_text when it is set
        return True


class Watch:
    """One client's hold on the filter: its secrets, until ``release()``."""

    __slots__ = ("__weakref__", "_redactor")

    def __init__(self, redactor: SecretRedactor) -> None:
        self._redactor = redactor

    def __repr__(self) -> str:
        return "<redaction Watch>"  # never the values

    def update(self, secrets: Iterable[str | None]) -> None:
        """Mask these values instead (credentials that were refreshed, say)."""
        self._redactor._update(self, secrets)

    def release(self) -> None:
        """Forget these secrets; the last release takes the filter off every logger."""
        self._redactor._release(self)


def _unwrapped(secret: SecretStr | None) -> str | None:
    return None if secret is None else secret.get_secret_value()


def _secrets_of(frozen: Any, *more: str | None) -> tuple[str | None, ...]:
    """The secret key and token of botocore's frozen credentials, and ``more``."""
    return (frozen.secret_key, frozen.token, *more)


def _clean(secrets: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(secret for secret in secrets if secret)


REDACTOR = SecretRedactor()


def watch(secrets: Iterable[str | None]) -> Watch:
    """Mask these values in every protected log record until the returned watch is released."""
    return REDACTOR.watch(secrets)


class ClientCredentials:
    """The secrets of one client we create, watched from before it exists until it closes.

    Given credentials are watched as they are. Credentials the AWS chain resolves (environment,
    profile, role, ...) are read through the session's public ``get_credentials()``, the very
    object the client will sign with; refreshable ones are read again (``get_frozen_credentials``)
    just before each request is signed, so a refreshed token is watched before botocore logs it.
    """

    __slots__ = ("_credentials", "watch")

    def __init__(self, watch: Watch, credentials: Any = None) -> None:
        self.watch = watch
        self._credentials = credentials

    def __repr__(self) -> str:
        return "<ClientCredentials>"  # never the values

    @classmethod
    async def resolve(
        cls, session: Any, config: Any, given: Sequence[SecretStr | None]
    ) -> ClientCredentials:
        """Watch the ``given`` (key id, secret key, token), or what the chain resolves.

        The secrets are unwrapped only in arguments, never held in a local: a traceback
        display that shows locals (Sentry, ``pytest -l``) must not print them.
        """
        # Why imported here: botocore.credentials (and urllib3 behind it) was a fifth of
        # ``import cleanroomsml_async``, and only a client that opens needs it.
        from botocore import UNSIGNED
        from botocore.credentials import RefreshableCredentials

        handle = watch(_unwrapped(secret) for secret in given[1:])
        try:
            if given[0] is not None or given[1] is not None:
                return cls(handle)  # explicit (or partial, which botocore refuses)
            if config is not None and config.signature_version is UNSIGNED:
                return cls(handle)
            credentials = await session.get_credentials()
            if credentials is None:
                return cls(handle)
            handle.update(
                _secrets_of(await credentials.get_frozen_credentials(), _unwrapped(given[2]))
            )
            refreshable = isinstance(credentials, RefreshableCredentials)
            return cls(handle, credentials if refreshable else None)
        except BaseException:
            handle.release()
            raise

    def follow(self, events: Any, service_name: str) -> None:
        """Watch refreshed credentials too, on the event system of the client that uses them."""
        if self._credentials is not None:
            events.register(f"before-sign.{service_name}", self._before_sign)

    async def _before_sign(self, **_: Any) -> None:
        # The signer calls get_frozen_credentials() right after this; any refresh happens
        # here first, so the values it signs with are already watched.
        self.watch.update(_secrets_of(await self._credentials.get_frozen_credentials()))

    def release(self) -> None:
        """Forget this client's secrets."""
        self.watch.release()
