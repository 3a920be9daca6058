"""The async client: five operations, validated before sending, retried, typed on return.

aiobotocore does what it is good at (credentials, endpoints, SigV4 signing, connection pooling,
error parsing). For successful responses of the clients we create, pydantic reads the raw JSON
body instead of botocore's rest-json parser: it is the same validation the typed models need
anyway, and it is several times faster than botocore's parse (mostly dateutil timestamps).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload

from pydantic import SecretStr, ValidationError

from cleanroomsml_async import _redact
from cleanroomsml_async._modelbase import RequestModel, ResponseModel
from cleanroomsml_async.errors import ResponseError, translate
from cleanroomsml_async.models import (
    AudienceExportJobSummary,
    AudienceGenerationJobSummary,
    AudienceSize,
    CollaborationTrainedModelExportJobSummary,
    GetAudienceModelRequest,
    GetAudienceModelResponse,
    ListAudienceExportJobsRequest,
    ListAudienceExportJobsResponse,
    ListAudienceGenerationJobsRequest,
    ListAudienceGenerationJobsResponse,
    ListCollaborationTrainedModelExportJobsRequest,
    ListCollaborationTrainedModelExportJobsResponse,
    StartAudienceExportJobRequest,
)
from cleanroomsml_async.pagination import AsyncPager
from cleanroomsml_async.retry import Retrier, RetryPolicy

__all__ = ["CleanRoomsMLClient"]

SERVICE_NAME = "cleanroomsml"

# Where the before-parse hook leaves a successful response's body for pydantic to read.
_RAW_BODY = "cleanroomsml_async.raw_body"

RequestT = TypeVar("RequestT", bound=RequestModel)
ResponseT = TypeVar("ResponseT", bound=ResponseModel)


@dataclass(frozen=True, slots=True)
class _Operation(Generic[RequestT, ResponseT]):
    """What the client needs to know of one operation."""

    name: str
    method: str
    request: type[RequestT]
    response: type[ResponseT]

    def validated(self, request: RequestT | None, fields: dict[str, Any]) -> RequestT:
        """The checked request, from a request model or from keyword arguments (not both)."""
        model = self.request
        if request is None:
            return model(**{name: value for name, value in fields.items() if value is not None})
        if not isinstance(request, model):
            raise TypeError(f"expected a {model.__name__}, got {type(request).__name__}")
        if any(value is not None for value in fields.values()):
            raise TypeError("pass either a request model or keyword arguments, not both")
        return request


_LIST_AUDIENCE_EXPORT_JOBS = _Operation(
    "ListAudienceExportJobs",
    "list_audience_export_jobs",
    ListAudienceExportJobsRequest,
    ListAudienceExportJobsResponse,
)
_LIST_AUDIENCE_GENERATION_JOBS = _Operation(
    "ListAudienceGenerationJobs",
    "list_audience_generation_jobs",
    ListAudienceGenerationJobsRequest,
    ListAudienceGenerationJobsResponse,
)
_LIST_TRAINED_MODEL_EXPORT_JOBS = _Operation(
    "ListCollaborationTrainedModelExportJobs",
    "list_collaboration_trained_model_export_jobs",
    ListCollaborationTrainedModelExportJobsRequest,
    ListCollaborationTrainedModelExportJobsResponse,
)
_GET_AUDIENCE_MODEL = _Operation(
    "GetAudienceModel", "get_audience_model", GetAudienceModelRequest, GetAudienceModelResponse
)
# StartAudienceExportJob has no output shape; its empty body is read as an empty response.
_START_AUDIENCE_EXPORT_JOB = _Operation(
    "StartAudienceExportJob",
    "start_audience_export_job",
    StartAudienceExportJobRequest,
    ResponseModel,
)


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


class CleanRoomsMLClient:
    """An async client for AWS Clean Rooms ML.

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
        self, operation: _Operation[RequestT, ResponseT], request: RequestT
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
    def _read(operation: _Operation[Any, ResponseT], parsed: dict[str, Any]) -> ResponseT:
        raw = parsed.get(_RAW_BODY)
        try:
            if raw is None:  # a caller's client: botocore already parsed the body
                return operation.response.model_validate(parsed)
            return operation.response.model_validate_json(raw or b"{}")
        except ValidationError as error:
            request_id = parsed.get("ResponseMetadata", {}).get("RequestId")
            raise ResponseError(
                f"the response body is not a valid {operation.response.__name__}: "
                f"{error.error_count()} problem(s), first: {error.errors()[0]['msg']} at "
                f"{'.'.join(map(str, error.errors()[0]['loc'])) or 'the top level'}",
                operation_name=operation.name,
                request_id=request_id,
            ) from error

    def _pager(
        self,
        operation: _Operation[RequestT, ResponseT],
        request: RequestT,
        items: Callable[[ResponseT], Sequence[Any]],
    ) -> AsyncPager[Any, Any]:
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

    # -- the operations --------------------------------------------------------------------

    def list_audience_export_jobs(
        self,
        request: ListAudienceExportJobsRequest | None = None,
        /,
        *,
        audience_generation_job_arn: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> AsyncPager[AudienceExportJobSummary, ListAudienceExportJobsResponse]:
        """The audience export jobs, optionally of one audience generation job, page by page.

        Nothing is sent until the pager is used: ``await`` it for the first page, ``async for``
        over it for every job, or see ``AsyncPager`` for pages, lists and prefetching.

        Args:
            request: The whole request as one model, instead of the keyword arguments.
            audience_generation_job_arn: Only the export jobs of this audience generation job.
            max_results: Items per page, 1 to 100 (the service's default is 100).
            next_token: Start at the page this token names (a ``next_token`` of an earlier
                page) instead of at the first page.

        Returns:
            A pager of ``AudienceExportJobSummary`` items and
                ``ListAudienceExportJobsResponse`` pages.

        Raises:
            pydantic.ValidationError: At once, when an argument is one the service would refuse.
        """
        validated = _LIST_AUDIENCE_EXPORT_JOBS.validated(
            request,
            {
                "audience_generation_job_arn": audience_generation_job_arn,
                "max_results": max_results,
                "next_token": next_token,
            },
        )
        return self._pager(
            _LIST_AUDIENCE_EXPORT_JOBS, validated, lambda page: page.audience_export_jobs
        )

    def list_audience_generation_jobs(
        self,
        request: ListAudienceGenerationJobsRequest | None = None,
        /,
        *,
        configured_audience_model_arn: str | None = None,
        collaboration_id: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> AsyncPager[AudienceGenerationJobSummary, ListAudienceGenerationJobsResponse]:
        """The audience generation jobs, optionally of one configured model or collaboration.

        Nothing is sent until the pager is used: ``await`` it for the first page, ``async for``
        over it for every job, or see ``AsyncPager`` for pages, lists and prefetching.

        Args:
            request: The whole request as one model, instead of the keyword arguments.
            configured_audience_model_arn: Only the jobs of this configured audience model.
            collaboration_id: Only the jobs of this collaboration (a lowercase UUID).
            max_results: Items per page, 1 to 100 (the service's default is 100).
            next_token: Start at the page this token names (a ``next_token`` of an earlier
                page) instead of at the first page.

        Returns:
            A pager of ``AudienceGenerationJobSummary`` items and
                ``ListAudienceGenerationJobsResponse`` pages.

        Raises:
            pydantic.ValidationError: At once, when an argument is one the service would refuse.
        """
        validated = _LIST_AUDIENCE_GENERATION_JOBS.validated(
            request,
            {
                "configured_audience_model_arn": configured_audience_model_arn,
                "collaboration_id": collaboration_id,
                "max_results": max_results,
                "next_token": next_token,
            },
        )
        return self._pager(
            _LIST_AUDIENCE_GENERATION_JOBS, validated, lambda page: page.audience_generation_jobs
        )

    @overload
    def list_collaboration_trained_model_export_jobs(
        self, request: ListCollaborationTrainedModelExportJobsRequest, /
    ) -> AsyncPager[
        CollaborationTrainedModelExportJobSummary, ListCollaborationTrainedModelExportJobsResponse
    ]: ...

    @overload
    def list_collaboration_trained_model_export_jobs(
        self,
        /,
        *,
        collaboration_identifier: str,
        trained_model_arn: str,
        trained_model_version_identifier: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> AsyncPager[
        CollaborationTrainedModelExportJobSummary, ListCollaborationTrainedModelExportJobsResponse
    ]: ...

    def list_collaboration_trained_model_export_jobs(
        self,
        request: ListCollaborationTrainedModelExportJobsRequest | None = None,
        /,
        *,
        collaboration_identifier: str | None = None,
        trained_model_arn: str | None = None,
        trained_model_version_identifier: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> AsyncPager[
        CollaborationTrainedModelExportJobSummary, ListCollaborationTrainedModelExportJobsResponse
    ]:
        """The export jobs of one trained model in one collaboration, page by page.

        Nothing is sent until the pager is used: ``await`` it for the first page, ``async for``
        over it for every job, or see ``AsyncPager`` for pages, lists and prefetching.

        Args:
            request: The whole request as one model, instead of the keyword arguments.
            collaboration_identifier: The collaboration (a lowercase UUID). Required.
            trained_model_arn: The trained model whose export jobs to list. Required.
            trained_model_version_identifier: Only the export jobs of this model version.
            max_results: Items per page, 1 to 100 (the service's default is 100).
            next_token: Start at the page this token names (a ``next_token`` of an earlier
                page) instead of at the first page.

        Returns:
            A pager of ``CollaborationTrainedModelExportJobSummary`` items and
                ``ListCollaborationTrainedModelExportJobsResponse`` pages.

        Raises:
            pydantic.ValidationError: At once, when an argument is one the service would
                refuse or a required one is missing.
        """
        validated = _LIST_TRAINED_MODEL_EXPORT_JOBS.validated(
            request,
            {
                "collaboration_identifier": collaboration_identifier,
                "trained_model_arn": trained_model_arn,
                "trained_model_version_identifier": trained_model_version_identifier,
                "max_results": max_results,
                "next_token": next_token,
            },
        )
        return self._pager(
            _LIST_TRAINED_MODEL_EXPORT_JOBS,
            validated,
            lambda page: page.collaboration_trained_model_export_jobs,
        )

    @overload
    async def start_audience_export_job(
        self, request: StartAudienceExportJobRequest, /
    ) -> None: ...

    @overload
    async def start_audience_export_job(
        self,
        /,
        *,
        name: str,
        audience_generation_job_arn: str,
        audience_size: AudienceSize | Mapping[str, Any],
        description: str | None = None,
    ) -> None: ...

    async def start_audience_export_job(
        self,
        request: StartAudienceExportJobRequest | None = None,
        /,
        *,
        name: str | None = None,
        audience_generation_job_arn: str | None = None,
        audience_size: AudienceSize | Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> None:
        """Export the audience of a generation job; the new export job starts CREATE_PENDING.

        The service answers with no body, so this returns ``None`` once the job is accepted;
        ``list_audience_export_jobs(audience_generation_job_arn=...)`` shows it and its status.

        Args:
            request: The whole request as one model, instead of the keyword arguments.
            name: The export job's name, 1 to 63 characters, not blank. Required.
            audience_generation_job_arn: The audience generation job to export. Required.
            audience_size: An ``AudienceSize`` or a mapping such as
                ``{"type": "ABSOLUTE", "value": 1000}``; it must match one of the sizes of the
                configured audience model. Required.
            description: Up to 255 characters.

        Raises:
            pydantic.ValidationError: Before sending, when an argument is one the service
                would refuse or a required one is missing.
            ConflictException: An export job of that name already exists.
            ResourceNotFoundException: The audience generation job does not exist.
            ServiceQuotaExceededException: No more export jobs are allowed.
        """
        validated = _START_AUDIENCE_EXPORT_JOB.validated(
            request,
            {
                "name": name,
                "audience_generation_job_arn": audience_generation_job_arn,
                "audience_size": audience_size,
                "description": description,
            },
        )
        await self._call(_START_AUDIENCE_EXPORT_JOB, validated)

    @overload
    async def get_audience_model(
        self, request: GetAudienceModelRequest, /
    ) -> GetAudienceModelResponse: ...

    @overload
    async def get_audience_model(
        self, /, *, audience_model_arn: str
    ) -> GetAudienceModelResponse: ...

    async def get_audience_model(
        self,
        request: GetAudienceModelRequest | None = None,
        /,
        *,
        audience_model_arn: str | None = None,
    ) -> GetAudienceModelResponse:
        """One audience model, by ARN.

        Args:
            request: The whole request as one model, instead of the keyword argument.
            audience_model_arn: The audience model's ARN. Required.

        Returns:
            The model's name, status, timestamps and settings.

        Raises:
            pydantic.ValidationError: Before sending, when the ARN is not an audience model ARN.
            ResourceNotFoundException: No audience model has that ARN.
        """
        validated = _GET_AUDIENCE_MODEL.validated(
            request, {"audience_model_arn": audience_model_arn}
        )
        return await self._call(_GET_AUDIENCE_MODEL, validated)
