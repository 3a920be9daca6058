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
import copy
import operator
import traceback
import weakref
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationError

from cleanroomsml_async import _redact, _sdk_headers
from cleanroomsml_async._client_core import ClientCore, ClientState, closed_mid_call_error
from cleanroomsml_async._modelbase import RequestModel, ResponseModel
from cleanroomsml_async._observe import Observability
from cleanroomsml_async._operation import APIOperation
from cleanroomsml_async._response_bodies import RAW_BODY, before_parse
from cleanroomsml_async._response_metadata import ResponseMetadata
from cleanroomsml_async._sessions import fresh_session
from cleanroomsml_async._waiters import wait_until
from cleanroomsml_async.errors import ConfigurationError, PaginationError, ResponseError, translate
from cleanroomsml_async.hooks import EventHook
from cleanroomsml_async.pagination import AsyncPager
from cleanroomsml_async.retry import Retrier, RetryPolicy

if TYPE_CHECKING:
    from aiobotocore.config import AioConfig
    from aiobotocore.session import AioSession
    from botocore.config import Config

__all__ = ["BaseClient"]

SERVICE_NAME = "cleanroomsml"

RequestT = TypeVar("RequestT", bound=RequestModel)
ResponseT = TypeVar("ResponseT", bound=ResponseModel)
ItemT = TypeVar("ItemT")


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
    if config is None:
        return ours
    if not isinstance(config, AioConfig):  # a botocore Config: its merge() would drop Aio's
        config = AioConfig().merge(config)
    return config.merge(ours)


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


def _checked_session(session: object) -> Any:
    if session is None:
        return None
    from aiobotocore.session import AioSession

    if isinstance(session, AioSession):
        return session
    hint = ""
    if isinstance(session, str):
        hint = f"; for the AWS profile {session!r}, pass session=AioSession(profile={session!r})"
    raise TypeError(
        f"session must be an aiobotocore.session.AioSession or None, not "
        f"{type(session).__name__}{hint}"
    )


def _checked_config(config: object) -> Any:
    if config is None:
        return None
    from botocore.config import Config

    if isinstance(config, Config):  # AioConfig is one too
        return config
    hint = ""
    if isinstance(config, dict):
        options = ", ".join(f"{key}={value!r}" for key, value in config.items())
        hint = f"; write config=AioConfig({options}) (from aiobotocore.config import AioConfig)"
    raise TypeError(
        f"config must be an aiobotocore.config.AioConfig (or a botocore Config) or None, "
        f"not {type(config).__name__}{hint}"
    )


def _checked_endpoint_url(endpoint_url: object) -> str | None:
    if endpoint_url is None:
        return None
    if not isinstance(endpoint_url, str):
        raise TypeError(f"endpoint_url must be a str or None, not {type(endpoint_url).__name__}")
    parts = urlsplit(endpoint_url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return endpoint_url
    if "://" not in endpoint_url:
        reason = f"the scheme is missing: did you mean 'http://{endpoint_url}'?"
    else:
        reason = "it must be an http:// or https:// URL with a host, e.g. 'http://127.0.0.1:4566'"
    raise ConfigurationError(f"endpoint_url {endpoint_url!r} is not a URL to send to: {reason}")


def _checked_retry(retry: object) -> RetryPolicy:
    if retry is None:
        return RetryPolicy()
    if not isinstance(retry, RetryPolicy):
        raise TypeError(f"retry must be a RetryPolicy or None, not {type(retry).__name__}")
    return retry


class BaseClient:
    """The mechanisms of ``CleanRoomsMLClient``: lifecycle, the one call path, paging.

    The generated ``CleanRoomsMLClient`` adds one thin method per operation on top.

    An async client for AWS Clean Rooms ML.

    Use it as ``async with CleanRoomsMLClient(region_name=...) as client:``. Credentials and
    region come from the usual AWS chain unless given. One client is safe to share between
    many concurrent tasks of one event loop; it opens its aiobotocore client on entry (or on
    first use) and closes it on exit or ``await client.close()``. A closed client cannot be
    reopened: calling an operation on it raises ``RuntimeError``, and so does a call still in
    flight when it closes. Using it from an event loop other than the one that opened it
    raises ``RuntimeError`` too.

    Every operation validates its input before sending (``pydantic.ValidationError``), retries
    throttling, 5xx and connection errors as its ``RetryPolicy`` says, and raises a
    ``CleanRoomsMLError`` subclass for anything else that goes wrong. Every response model it
    returns carries ``response_metadata`` (request id, HTTP status, attempts).
    """

    def __init__(
        self,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        session: AioSession | None = None,
        config: AioConfig | Config | None = None,
        retry: RetryPolicy | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        event_hooks: Mapping[str, Sequence[EventHook]] | None = None,
        tracer_provider: Any = None,
    ) -> None:
        """Configure a client; nothing is opened or sent until first use.

        Args:
            region_name: The AWS region, e.g. ``"us-east-1"``. Default: from the environment
                or profile (``AWS_DEFAULT_REGION``, ``~/.aws/config``).
            endpoint_url: Send requests here instead of the regional endpoint, e.g. the
                emulator's ``"http://127.0.0.1:4566"``.
            session: The aiobotocore ``AioSession`` to create the client from (its profile,
                credentials and config apply). Default: a new session of the client's own,
                which reads the credential chain when the client opens and shares botocore's
                loaded data files with the other clients made without ``session=``.
            config: An aiobotocore ``AioConfig`` (timeouts, connection pool size, ...), or a
                botocore ``Config``. Its retry settings are overridden: the ``retry`` policy is
                the only retry layer.
            retry: How calls are retried. Default: ``RetryPolicy()``.
            aws_access_key_id: An access key id, instead of the credential chain.
            aws_secret_access_key: The secret key that goes with ``aws_access_key_id``. It is
                never shown in a ``repr``, log record or error message.
            aws_session_token: A session token, for temporary credentials.
            event_hooks: Functions (sync or async) to call with an ``AttemptEvent`` after each
                attempt (key ``"attempt"``) and a ``CallEvent`` after each call (``"call"``).
                Any other key raises ``ValueError``. See ``cleanroomsml_async.hooks``.
            tracer_provider: The OpenTelemetry ``TracerProvider`` for this client's spans (one
                per call). Default: the global one, when ``opentelemetry-api`` is installed.

        Raises:
            TypeError: ``session``, ``config`` or ``retry`` is not of its type.
            ConfigurationError: ``endpoint_url`` is not an http(s) URL with a host.
        """
        self._region_name = region_name
        self._endpoint_url = _checked_endpoint_url(endpoint_url)
        self._session = _checked_session(session)
        self._config = _checked_config(config)
        # SecretStr keeps the secrets out of any repr or traceback locals display, until the
        # moment they are handed to aiobotocore.
        self._secrets = tuple(
            None if value is None else SecretStr(value)
            for value in (aws_access_key_id, aws_secret_access_key, aws_session_token)
        )
        self._core = ClientCore(self._create_client)
        self._retrier = Retrier(_checked_retry(retry), self._core.retry_state)
        self._is_view = False
        self._observability = Observability(event_hooks, tracer_provider)

    @classmethod
    def from_client(cls, client: Any, *, retry: RetryPolicy | None = None) -> Self:
        """Wrap an aiobotocore ``cleanroomsml`` client that the caller created and keeps owning.

        Closing the wrapper leaves ``client`` open, and the client is used as it is: its own
        config (including any botocore retries) applies, and botocore parses its responses.
        """
        wrapper = cls(retry=retry)
        wrapper._core = ClientCore(None, client)
        wrapper._retrier = Retrier(wrapper._retrier.policy, wrapper._core.retry_state)
        return wrapper

    def with_options(self, *, retry: RetryPolicy | None = None) -> Self:
        """This client, with another retry policy for the calls made through the result.

        The result is a view of this client, not a second one: it shares the aiobotocore
        client (connection pool, credentials), the retry quota, the rate limiter and the event
        hooks. It needs no ``async with``: using it opens this client if need be, and closing
        it (or leaving its ``async with``) closes nothing. Closing this client closes it too.

        Args:
            retry: The policy for calls made through the view; None keeps this one's.

        Raises:
            TypeError: ``retry`` is not a RetryPolicy.
        """
        view = copy.copy(self)
        if retry is not None:
            view._retrier = Retrier(_checked_retry(retry), self._core.retry_state)
        view._is_view = True
        return view

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
        await self._core.open()
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

        Calls still in flight end at once with ``RuntimeError``, without retries. Calling it
        again does nothing; calling an operation afterwards raises ``RuntimeError``. On a
        ``with_options`` view it does nothing: close the client the view was made from.
        """
        if not self._is_view:
            await self._core.close()

    async def _create_client(self, exit_stack: contextlib.AsyncExitStack) -> Any:
        session = self._session or fresh_session()
        try:
            # Why: botocore logs the session token at DEBUG (the canonical request it signs,
            # the headers it sends); the contract says no credential appears in any log
            # record. The filter masks this client's secrets, given or resolved by the chain,
            # in every botocore/aiobotocore/cleanroomsml_async logger until it closes; see
            # _redact. Watched before anything is created, so nothing logs them unmasked.
            credentials = await _redact.ClientCredentials.resolve(
                session, self._config, self._secrets
            )
            # Forgotten when the client closes (after aiobotocore's client, which may still
            # log: the exit stack runs this last), or when this wrapper is collected unclosed.
            forget = weakref.finalize(self, credentials.release)
            exit_stack.callback(forget)
            # The secrets are unwrapped in the call's arguments only, never held in a local: a
            # traceback display that shows locals (Sentry, pytest -l) must not print them.
            try:
                creator = session.create_client(
                    SERVICE_NAME,
                    region_name=self._region_name,
                    endpoint_url=self._endpoint_url,
                    config=_botocore_config(self._config, session),
                    aws_access_key_id=self._secret(0),
                    aws_secret_access_key=self._secret(1),
                    aws_session_token=self._secret(2),
                )
                client = await exit_stack.enter_async_context(creator)
            except BaseException:
                forget()
                raise
        except Exception as error:
            # aiobotocore's frames below this one hold the secrets as plain arguments; their
            # locals go, their file and line stay.
            traceback.clear_frames(error.__traceback__)
            translated = translate(error, "CreateClient")
            if isinstance(translated, ValueError) and "endpoint" in str(translated).lower():
                translated = ConfigurationError(str(translated), operation_name="CreateClient")
            if translated is error:
                raise
            raise translated from error
        # Registered on this client's own copy of the event system: nothing else changes.
        client.meta.events.register(f"before-parse.{SERVICE_NAME}", before_parse)
        _sdk_headers.register(client.meta.events, SERVICE_NAME)
        credentials.follow(client.meta.events, SERVICE_NAME)
        return client

    def _secret(self, index: int) -> str | None:
        secret = self._secrets[index]
        return None if secret is None else secret.get_secret_value()

    # -- the one path every operation takes ------------------------------------------------

    async def _call(
        self, operation: APIOperation[RequestT, ResponseT], request: RequestT
    ) -> ResponseT:
        params = request.model_dump(by_alias=True, exclude_none=True)
        core = self._core
        task = core.call_started()
        try:
            client = core.ready() or await core.open()
            send = getattr(client, operation.method)
            attempts = 0

            async def attempt() -> dict[str, Any]:
                nonlocal attempts
                attempts += 1
                if not operation.output_ready:
                    # The first call of an operation imports its response models and builds
                    # their validator (milliseconds of CPU): scheduled now, that work runs
                    # while the request is on the wire instead of after the response is in.
                    asyncio.get_running_loop().call_soon(operation.prepare_output)
                try:
                    response: dict[str, Any] = await send(**params)
                except Exception as error:
                    if core.state is ClientState.CLOSED:  # the pool went with the client
                        raise closed_mid_call_error(operation.name) from error
                    translated = translate(error, operation.name)
                    if translated is error:
                        raise
                    raise translated from error
                return response

            observation = self._observability.observe(operation.name, client.meta.region_name)
            if observation is None:
                parsed = await self._retrier.call(operation.name, attempt)
            else:
                async with observation:
                    parsed = await self._retrier.call(operation.name, attempt, observation)
                    return self._read(operation, parsed, attempts)
        except asyncio.CancelledError:
            if core.cancelled_by_close(task):
                raise closed_mid_call_error(operation.name) from None
            raise
        finally:
            core.call_ended(task)
        return self._read(operation, parsed, attempts)

    @staticmethod
    def _read(
        operation: APIOperation[Any, ResponseT], parsed: dict[str, Any], attempts: int
    ) -> ResponseT:
        raw = parsed.get(RAW_BODY)
        metadata = parsed.get("ResponseMetadata", {})
        try:
            if raw is None:  # a caller's client: botocore already parsed the body
                model = operation.output.model_validate(parsed)
            else:
                model = operation.output.model_validate_json(raw or b"{}")
        except ValidationError as error:
            raise ResponseError(
                f"the response body is not a valid {operation.output.__name__}: "
                f"{error.error_count()} problem(s), first: {error.errors()[0]['msg']} at "
                f"{'.'.join(map(str, error.errors()[0]['loc'])) or 'the top level'}",
                operation_name=operation.name,
                request_id=metadata.get("RequestId"),
            ) from error
        model._set_response_metadata(
            ResponseMetadata(
                request_id=metadata.get("RequestId") or None,
                http_status_code=metadata.get("HTTPStatusCode", 200),
                attempts=attempts,
            )
        )
        return model

    def _pager(
        self, operation: APIOperation[RequestT, ResponseT], request: RequestT
    ) -> AsyncPager[Any, Any]:
        items = operator.attrgetter(operation.items or "")
        start_token = getattr(request, "next_token", None)

        def fetch(token: str | None) -> Any:
            page_request = request
            if token != start_token:
                page_request = _with_token(operation, request, token)
            return self._call(operation, page_request)

        return AsyncPager(fetch, items, operation_name=operation.name, start_token=start_token)

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


def _with_token(
    operation: APIOperation[RequestT, Any], request: RequestT, token: str | None
) -> RequestT:
    """``request`` for the page ``token`` names, checked as strictly as the caller's input.

    (``model_copy(update=...)`` would skip validation, and send whatever token the service
    returned: a 10 MB one, say, that the service itself would then refuse.)
    """
    fields = {name: getattr(request, name) for name in type(request).model_fields}
    fields["next_token"] = token
    try:
        return operation.input.model_validate(fields)
    except ValidationError as error:
        problem = error.errors()[0]["msg"]
        raise PaginationError(
            f"the service returned a page token that the next request cannot carry "
            f"({problem}); stopping here, with nothing sent for it",
            operation_name=operation.name,
        ) from error
