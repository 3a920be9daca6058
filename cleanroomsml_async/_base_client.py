"""The client's mechanisms: lifecycle, the one call path every operation takes, paging.

aiobotocore does what it is good at (credentials, endpoints, SigV4 signing, connection pooling,
error parsing). For successful responses of the clients we create, pydantic reads the raw JSON
body instead of botocore's rest-json parser: it is the same validation the typed models need
anyway, and it is several times faster than botocore's parse (mostly dateutil timestamps).

The operations themselves are generated (``cleanroomsml_async/client.py``) from the service
model: each is a thin method that hands an ``APIOperation`` and its request to ``_call`` or
``_pager`` here.
"""

from __future__ import annotations

import asyncio
import contextlib
import operator
from types import TracebackType
from typing import Any, Self, TypeVar

from pydantic import SecretStr, ValidationError

from cleanroomsml_async import _redact
from cleanroomsml_async._modelbase import RequestModel, ResponseModel
from cleanroomsml_async._operation import APIOperation
from cleanroomsml_async._waiters import wait_until
from cleanroomsml_async.errors import ResponseError, translate
from cleanroomsml_async.pagination import AsyncPager
from cleanroomsml_async.retry import Retrier, RetryPolicy

__all__ = ["BaseClient"]

SERVICE_NAME = "cleanroomsml"

# Where the before-parse hook leaves a successful response's body for pydantic to read.
_RAW_BODY = "cleanroomsml_async.raw_body"

RequestT = TypeVar("RequestT", bound=RequestModel)
ResponseT = TypeVar("ResponseT", bound=ResponseModel)
ItemT = TypeVar("ItemT")


def _keep_raw_body(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """botocore ``before-parse`` hook: hand a success body to pydantic, unparsed by botocore.

    Error responses keep their body, so botocore still parses error codes and messages.
    """
    if response_dict["status_code"] < 300:
        customized_response_dict[_RAW_BODY] = response_dict["body"]
        response_dict["body"] = b""


def _botocore_config(config: Any, session: Any = None) -> Any:
    """The caller's config (if any) with botocore's retries and parameter checks turned off.

    Our RetryPolicy is the only retry layer, so attempts never multiply; our models have
    already checked every parameter more strictly than botocore would. Unless the caller
    chose a User-Agent (or an app id), ``session`` gives a fixed one (see ``_user_agent``).
    """
    from aiobotocore.config import AioConfig

    options: dict[str, Any] = {"retries": {"total_max_attempts": 1}, "parameter_validation": False}
    if session is not None and not _user_agent_chosen(config, session):
        options["user_agent"] = _user_agent(session)
    ours = AioConfig(**options)
    return ours if config is None else config.merge(ours)


def _user_agent_chosen(config: Any, session: Any) -> bool:
    """Whether the caller set a User-Agent, or an app id that a fixed one would leave out."""
    if config is not None and (config.user_agent or config.user_agent_appid):
        return True
    return session.get_config_variable("user_agent_appid") is not None


def _user_agent(session: Any) -> str:
    """A User-Agent built once per client, in botocore's legacy form, naming this package.

    Why: with no ``user_agent`` in its config, botocore rebuilds the header from some 15
    sanitised components twice per request, ~50 µs or 5% of a whole GetAudienceModel on
    loopback; a configured string is used as it is. What this leaves out is botocore's
    per-request feature metadata (``m/...``). botocore still appends the session's and the
    config's ``user_agent_extra``.
    """
    import platform

    from cleanroomsml_async._version import __version__

    return (
        f"cleanroomsml-async/{__version__} "
        f"{session.user_agent_name}/{session.user_agent_version} "
        f"Python/{platform.python_version()} {platform.system()}/{platform.release()}"
    )


class BaseClient:
    """The mechanisms of ``CleanRoomsMLClient``: lifecycle, the one call path, paging.

    The generated ``CleanRoomsMLClient`` adds one thin method per operation on top.

    An async client for AWS Clean Rooms ML.

    Use it as ``async with CleanRoomsMLClient(region_name=...) as client:``. Credentials and
    region come from the usual AWS chain unless given. One client is safe to share between
    many concurrent tasks; it opens its aiobotocore client on entry (or on first use) and
    closes it on exit or ``await client.close()``. A closed client cannot be reopened: calling
    an operation on it raises ``RuntimeError``.

    Every operation validates its input before sending (``pydantic.ValidationError``), retries
    throttling, 5xx and connection errors as its ``RetryPolicy`` says, and raises a
    ``CleanRoomsMLError`` subclass for anything else that goes wrong.
    """

    def __init__(
        self,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        session: Any = None,
        config: Any = None,
        retry: RetryPolicy | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
    ) -> None:
        """Configure a client; nothing is opened or sent until first use.

        Args:
            region_name: The AWS region, e.g. ``"us-east-1"``. Default: from the environment
                or profile (``AWS_DEFAULT_REGION``, ``~/.aws/config``).
            endpoint_url: Send requests here instead of the regional endpoint, e.g. the
                emulator's ``"http://127.0.0.1:4566"``.
            session: The aiobotocore ``AioSession`` to create the client from (its profile,
                credentials and config apply). Default: a new ``AioSession()``.
            config: An aiobotocore ``AioConfig`` (timeouts, connection pool size, ...). Its
                retry settings are overridden: the ``retry`` policy is the only retry layer.
            retry: How calls are retried. Default: ``RetryPolicy()``.
            aws_access_key_id: An access key id, instead of the credential chain.
            aws_secret_access_key: The secret key that goes with ``aws_access_key_id``. It is
                never shown in a ``repr``, log record or error message.
            aws_session_token: A session token, for temporary credentials.
        """
        self._region_name = region_name
        self._endpoint_url = endpoint_url
        self._session = session
        self._config = config
        # SecretStr keeps the secrets out of any repr or traceback locals display.
        self._secrets = tuple(
            None if value is None else SecretStr(value)
            for value in (aws_access_key_id, aws_secret_access_key, aws_session_token)
        )
        self._retrier = Retrier(retry or RetryPolicy())
        self._client: Any = None
        self._owns_client = True
        self._closed = False
        self._open_lock = asyncio.Lock()
        self._exit_stack = contextlib.AsyncExitStack()

    @classmethod
    def from_client(cls, client: Any, *, retry: RetryPolicy | None = None) -> Self:
        """Wrap an aiobotocore ``cleanroomsml`` client that the caller created and keeps owning.

        Closing the wrapper leaves ``client`` open, and the client is used as it is: its own
        config (including any botocore retries) applies, and botocore parses its responses.
        """
        wrapper = cls(retry=retry)
        wrapper._client = client
        wrapper._owns_client = False
        return wrapper

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(region_name={self._region_name!r}, "
            f"endpoint_url={self._endpoint_url!r}, retry={self._retrier.policy!r})"
        )

    @property
    def retry_policy(self) -> RetryPolicy:
        """The policy this client retries with."""
        return self._retrier.policy

    async def __aenter__(self) -> Self:
        """Open the underlying aiobotocore client and return this client."""
        await self._opened()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the client, as ``close()`` does."""
        await self.close()

    async def close(self) -> None:
        """Close the aiobotocore client this wrapper created (never one passed to from_client).

        Calling it again does nothing; calling an operation afterwards raises ``RuntimeError``.
        """
        self._closed = True
        self._client = None
        await self._exit_stack.aclose()

    async def _opened(self) -> Any:
        if self._client is not None:
            return self._client
        async with self._open_lock:
            if self._client is None:
                if self._closed:
                    raise RuntimeError("this CleanRoomsMLClient is closed")
                self._client = await self._create_client()
        return self._client

    async def _create_client(self) -> Any:
        from aiobotocore.session import AioSession

        session = self._session or AioSession()
        # Why: botocore logs the session token at DEBUG (the canonical request it signs, the
        # headers it sends); the contract says no credential appears in any log record. The
        # filter masks the exact values given here, and those resolved (below), in every
        # botocore/aiobotocore/cleanroomsml_async logger; see _redact.
        _redact.protect_logs()
        key_id, secret, token = (
            None if s is None else s.get_secret_value() for s in self._secrets
        )
        _redact.watch_secrets(self, (secret, token))
        creator = session.create_client(
            SERVICE_NAME,
            region_name=self._region_name,
            endpoint_url=self._endpoint_url,
            config=_botocore_config(self._config, session),
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            aws_session_token=token,
        )
        try:
            client = await self._exit_stack.enter_async_context(creator)
        except Exception as error:
            translated = translate(error, "CreateClient")
            if translated is error:
                raise
            raise translated from error
        # Registered on this client's own copy of the event system: nothing else changes.
        client.meta.events.register(f"before-parse.{SERVICE_NAME}", _keep_raw_body)
        # Credentials resolved by the AWS chain (environment, profile, role, ...) too.
        _redact.watch_credentials(getattr(client._request_signer, "_credentials", None))
        return client

    # -- the one path every operation takes ------------------------------------------------

    async def _call(
        self, operation: APIOperation[RequestT, ResponseT], request: RequestT
    ) -> ResponseT:
        params = request.model_dump(by_alias=True, exclude_none=True)
        client = self._client if self._client is not None else await self._opened()
        send = getattr(client, operation.method)

        async def attempt() -> dict[str, Any]:
            try:
                response: dict[str, Any] = await send(**params)
            except Exception as error:
                translated = translate(error, operation.name)
                if translated is error:
                    raise
                raise translated from error
            return response

        parsed = await self._retrier.call(operation.name, attempt)
        return self._read(operation, parsed)

    @staticmethod
    def _read(operation: APIOperation[Any, ResponseT], parsed: dict[str, Any]) -> ResponseT:
        raw = parsed.get(_RAW_BODY)
        try:
            if raw is None:  # a caller's client: botocore already parsed the body
                return operation.output.model_validate(parsed)
            return operation.output.model_validate_json(raw or b"{}")
        except ValidationError as error:
            request_id = parsed.get("ResponseMetadata", {}).get("RequestId")
            raise ResponseError(
                f"the response body is not a valid {operation.output.__name__}: "
                f"{error.error_count()} problem(s), first: {error.errors()[0]['msg']} at "
                f"{'.'.join(map(str, error.errors()[0]['loc'])) or 'the top level'}",
                operation_name=operation.name,
                request_id=request_id,
            ) from error

    def _pager(
        self, operation: APIOperation[RequestT, ResponseT], request: RequestT
    ) -> AsyncPager[Any, Any]:
        items = operator.attrgetter(operation.items or "")

        def fetch(token: str | None) -> Any:
            page_request = request
            if token != getattr(request, "next_token", None):
                page_request = request.model_copy(update={"next_token": token})
            return self._call(operation, page_request)

        return AsyncPager(
            fetch,
            items,
            operation_name=operation.name,
            start_token=getattr(request, "next_token", None),
        )

    # -- waiters ---------------------------------------------------------------------------

    async def _wait_for(
        self,
        operation: APIOperation[RequestT, ResponseT],
        request: RequestT,
        failed: frozenset[str],
        *,
        timeout: float,
        min_delay: float,
        max_delay: float,
    ) -> ResponseT:
        """Poll a get operation until its response's status is ACTIVE."""

        def poll() -> Any:
            return self._call(operation, request)

        return await wait_until(
            poll,
            operator.attrgetter("status"),
            failed=failed,
            what=f"the resource read by {operation.name}",
            timeout=timeout,
            min_delay=min_delay,
            max_delay=max_delay,
        )

    async def _wait_for_item(
        self,
        operation: APIOperation[RequestT, ResponseT],
        request: RequestT,
        item_type: type[ItemT],
        name: str,
        failed: frozenset[str],
        *,
        timeout: float,
        min_delay: float,
        max_delay: float,
    ) -> ItemT:
        """Poll a listing until its newest item of this name has the status ACTIVE."""

        async def poll() -> ItemT | None:
            newest: Any = None
            async for item in self._pager(operation, request):
                if item.name == name and (newest is None or item.create_time > newest.create_time):
                    newest = item
            return newest if isinstance(newest, item_type) else None

        return await wait_until(
            poll,
            operator.attrgetter("status"),
            failed=failed,
            what=f"the item named {name!r} of {operation.name}",
            timeout=timeout,
            min_delay=min_delay,
            max_delay=max_delay,
        )
