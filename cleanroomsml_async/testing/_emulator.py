"""LocalCleanRoomsML: the emulator's public face."""

from __future__ import annotations

import itertools
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

from aiohttp import web

from cleanroomsml_async.testing._faults import FaultInjector
from cleanroomsml_async.testing._log import RequestLog, RequestRecord
from cleanroomsml_async.testing._operations import Operations, Settings
from cleanroomsml_async.testing._seeding import Seeding
from cleanroomsml_async.testing._server import EmulatorServer
from cleanroomsml_async.testing._store import Store
from cleanroomsml_async.testing._wire import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, ArnFactory

if TYPE_CHECKING:
    from cleanroomsml_async.client import CleanRoomsMLClient

# How long stop() lets requests in flight finish. Injected delays are cancelled before
# (see stop()), so what is left takes microseconds; this only bounds the unexpected.
_SHUTDOWN_TIMEOUT = 0.5
# The longest request line served (method, path and query string).
_MAX_REQUEST_LINE = 128 * 1024


class LocalCleanRoomsML(Seeding):
    """An in-process Clean Rooms ML service on a local HTTP port, for tests and demos.

    Use it as an async context manager, or call start() and stop(). Seed it with the add_*
    methods, break it on purpose with .faults, and inspect what it received in .requests.
    It is not thread-safe: use it from the event loop it serves on (blocking clients such
    as boto3 belong in another thread, talking to it over HTTP).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        activation_delay: float | None = None,
        export_job_activation_delay: float = 1.0,
        page_size: int = 100,
        export_job_quota: int | None = None,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        """Configure (not start) an emulator.

        port=0 picks a free port. activation_delay is how many seconds a resource created
        over the API takes from CREATE_PENDING (CREATE_IN_PROGRESS from half way) to ACTIVE,
        and a delete or cancel to finish; export_job_activation_delay is its older name
        (activation_delay wins when both are given). page_size is the page length when a
        request gives no maxResults (the service's is 100). export_job_quota, if set, caps
        export jobs per generation job (ServiceQuotaExceededException beyond it). region
        and account_id go into ARNs.
        """
        delay = export_job_activation_delay if activation_delay is None else activation_delay
        _check_delay(delay)
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._store = Store()
        self._settings = Settings(
            activation_delay=delay,
            page_size=page_size,
            export_job_quota=export_job_quota,
            output_bucket=f"cleanrooms-ml-exports-{account_id}-{region}",
        )
        self._names: dict[str, itertools.count[int]] = {}
        self.arns = ArnFactory(region, account_id)
        """Builds ARNs in this emulator's region and account."""
        self.faults = FaultInjector()
        """Turn faults on and off (throttling, 5xx, latency, dropped connections, ...)."""
        self._log = RequestLog()
        self._operations = Operations(self._store, self._settings, self.arns)
        self._runner: web.ServerRunner | None = None
        self._server: EmulatorServer | None = None

    def __repr__(self) -> str:
        where = self.endpoint_url if self.running else "not running"
        return f"<LocalCleanRoomsML {where}>"

    # Lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start serving; endpoint_url is known from here on."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        server = EmulatorServer(self._operations, self.faults, self._log)
        # Why max_line_size: aiohttp refuses request lines over 8190 bytes with a bare 400, but
        # the model allows a 10240-character nextToken, percent-encoded up to 12 bytes each in
        # the query string (found by tests/test_fuzz_requests.py).
        runner = web.ServerRunner(
            web.Server(server.handle, access_log=None, max_line_size=_MAX_REQUEST_LINE),
            shutdown_timeout=_SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._requested_port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._server = runner, server
        self._port = runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop serving (state is kept, so start() serves it again, possibly on a new port)."""
        runner, server = self._runner, self._server
        self._runner = self._server = None
        # Handlers only linger in injected delays; end those first so that stop() need not
        # wait out a slow response that no client is waiting for any more.
        if server is not None:
            await server.close()
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        """Start serving (as start() does) and return this emulator."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop serving, as stop() does."""
        await self.stop()

    @property
    def running(self) -> bool:
        """Whether the server is accepting requests."""
        return self._runner is not None

    @property
    def host(self) -> str:
        """The address the server binds."""
        return self._host

    @property
    def port(self) -> int:
        """The port the server listens on (known once started)."""
        if self._port is None:
            raise RuntimeError("the emulator has not been started")
        return self._port

    @property
    def endpoint_url(self) -> str:
        """The URL to point a client at, e.g. 'http://127.0.0.1:54321'."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    def client(self, **kwargs: Any) -> CleanRoomsMLClient:
        """A CleanRoomsMLClient for this emulator (keyword arguments override the defaults)."""
        # Imported on use: the client is the emulator's user, not its dependency, so the
        # client's modules stay free to import testing helpers without an import cycle.
        from cleanroomsml_async.client import CleanRoomsMLClient

        options: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "region_name": "us-east-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        options.update(kwargs)
        return CleanRoomsMLClient(**options)

    # Behaviour ------------------------------------------------------------------------------

    @property
    def activation_delay(self) -> float:
        """Seconds from CREATE_PENDING to ACTIVE (and for a delete or cancel to finish), for
        resources created later."""
        return self._settings.activation_delay

    @activation_delay.setter
    def activation_delay(self, seconds: float) -> None:
        _check_delay(seconds)
        self._settings.activation_delay = seconds

    @property
    def export_job_activation_delay(self) -> float:
        """The older name of activation_delay."""
        return self.activation_delay

    @export_job_activation_delay.setter
    def export_job_activation_delay(self, seconds: float) -> None:
        self.activation_delay = seconds

    @property
    def page_size(self) -> int:
        """Items per page when a list request gives no maxResults."""
        return self._settings.page_size

    @page_size.setter
    def page_size(self, size: int) -> None:
        self._settings.page_size = size

    @property
    def last_page_token(self) -> Literal["absent", "null", "empty"]:
        """How the last page of a listing ends: no nextToken (as the service does), or an
        explicit ``"nextToken": null`` or ``""``, which clients must also read as the end."""
        return self._settings.last_page_token

    @last_page_token.setter
    def last_page_token(self, style: Literal["absent", "null", "empty"]) -> None:
        if style not in ("absent", "null", "empty"):
            raise ValueError(f"last_page_token must be absent, null or empty, not {style!r}")
        self._settings.last_page_token = style

    # State ----------------------------------------------------------------------------------

    @property
    def requests(self) -> RequestLog:
        """Every request received so far, oldest first (a live, clearable sequence)."""
        return self._log

    def requests_for(self, operation: str) -> list[RequestRecord]:
        """The requests received for one operation, oldest first."""
        return self._log.for_operation(operation)

    def clear_requests(self) -> None:
        """Forget the requests received so far."""
        self._log.clear()

    def reset(self) -> None:
        """Drop all resources, faults and logged requests; tokens issued so far go stale."""
        self._store.reset()
        self.faults.clear()
        self._log.clear()

    @property
    def audience_models(self) -> list[dict[str, Any]]:
        """The stored audience models (live dicts, wire form); resources("AudienceModel")."""
        return self.resources("AudienceModel")

    @property
    def audience_generation_jobs(self) -> list[dict[str, Any]]:
        """The stored audience generation jobs, in list order (live dicts, wire form)."""
        return self.resources("AudienceGenerationJob")

    @property
    def audience_export_jobs(self) -> list[dict[str, Any]]:
        """The stored audience export jobs, in list order, statuses brought up to date."""
        return self.resources("AudienceExportJob")

    @property
    def trained_model_export_jobs(self) -> list[dict[str, Any]]:
        """The stored trained model export jobs, in list order (live dicts, wire form)."""
        return self.resources("TrainedModelExportJob")


def _check_delay(seconds: float) -> None:
    if not seconds >= 0:  # NaN too
        raise ValueError(f"activation_delay must be a number of seconds >= 0, not {seconds!r}")
