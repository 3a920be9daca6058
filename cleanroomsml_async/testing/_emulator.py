"""LocalCleanRoomsML: the emulator's public face."""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import warnings
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

from aiohttp import web

from cleanroomsml_async.testing._faults import FaultInjector
from cleanroomsml_async.testing._log import DEFAULT_LIMIT, RequestLog, RequestRecord
from cleanroomsml_async.testing._operations import Operations, Settings
from cleanroomsml_async.testing._seeding import Seeding
from cleanroomsml_async.testing._server import EmulatorServer
from cleanroomsml_async.testing._sigv4 import SigningPolicy
from cleanroomsml_async.testing._slow_clients import HeaderDeadlines
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
        strict_signing: bool = False,
        credentials: Mapping[str, str] | None = None,
        max_clock_skew: float = 300.0,
        request_log_limit: int | None = DEFAULT_LIMIT,
        header_timeout: float = 10.0,
        max_body_size: int = 1024 * 1024,
    ) -> None:
        """Configure (not start) an emulator.

        port=0 picks a free port. activation_delay is how many seconds a resource created
        over the API takes from CREATE_PENDING (CREATE_IN_PROGRESS from half way) to ACTIVE,
        and a delete or cancel to finish; export_job_activation_delay is its older name
        (activation_delay wins when both are given). page_size is the page length when a
        request gives no maxResults (the service's is 100). export_job_quota, if set, caps
        export jobs per generation job (ServiceQuotaExceededException beyond it). region
        and account_id go into ARNs.

        strict_signing verifies each request's SigV4 signature with the secret of its access
        key in credentials (access key id -> secret; default {"testing": "testing"}, what
        client() uses), and that it is signed for region within max_clock_skew seconds of
        now; otherwise a request need only carry a well-formed signature for this service.
        request_log_limit caps the request log (None keeps everything); header_timeout cuts
        connections whose request headers take longer than that to arrive; max_body_size
        bounds request bodies (larger ones get a 413).
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
        self._log = RequestLog(request_log_limit)
        self._signing = SigningPolicy(
            strict=strict_signing,
            credentials=dict(credentials) if credentials is not None else {"testing": "testing"},
            region=region,
            max_clock_skew=max_clock_skew,
        )
        if not header_timeout > 0:
            raise ValueError(f"header_timeout must be positive, not {header_timeout!r}")
        self._header_timeout = header_timeout
        self._max_body_size = max_body_size
        self._listener: asyncio.Server | None = None
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
        if not _is_loopback(self._host):
            warnings.warn(
                f"the emulator listens on {self._host}, reachable from other machines; it "
                "has no real authentication (bind 127.0.0.1 unless you mean it)",
                RuntimeWarning,
                stacklevel=2,
            )
        deadlines = HeaderDeadlines(self._header_timeout)
        server = EmulatorServer(
            self._operations,
            self.faults,
            self._log,
            signing=self._signing,
            deadlines=deadlines,
            reset=self.reset,
        )
        # Why max_line_size: aiohttp refuses request lines over 8190 bytes with a bare 400, but
        # the model allows a 10240-character nextToken, percent-encoded up to 12 bytes each in
        # the query string (found by tests/test_fuzz_requests.py).
        loop = asyncio.get_running_loop()
        max_body_size = self._max_body_size

        def make_request(
            message: Any, payload: Any, protocol: Any, writer: Any, task: Any
        ) -> web.BaseRequest:
            # aiohttp's own factory, with this emulator's body limit.
            return web.BaseRequest(
                message, payload, protocol, writer, task, loop, client_max_size=max_body_size
            )

        # Why max_line_size: see above. Unknown keywords here make aiohttp drop all of them
        # silently, so only RequestHandler's own go in.
        runner = web.ServerRunner(
            web.Server(
                server.handle,
                request_factory=make_request,
                access_log=None,
                max_line_size=_MAX_REQUEST_LINE,
            ),
            shutdown_timeout=_SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        factory = runner.server
        assert factory is not None  # set up just above
        try:
            # Served without an aiohttp site so that each connection's protocol can be
            # wrapped with a header deadline (see _slow_clients.py).
            listener = await loop.create_server(
                deadlines.wrap(factory), self._host, self._requested_port
            )
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._server, self._listener = runner, server, listener
        self._port = listener.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop serving (state is kept, so start() serves it again, possibly on a new port)."""
        runner, server, listener = self._runner, self._server, self._listener
        self._runner = self._server = self._listener = None
        if listener is not None:
            listener.close()
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
    def strict_signing(self) -> bool:
        """Whether signatures are verified (with the known credentials), and the region and
        clock skew checked; see __init__."""
        return self._signing.strict

    @strict_signing.setter
    def strict_signing(self, strict: bool) -> None:
        self._signing.strict = strict

    def add_credentials(self, access_key_id: str, secret_access_key: str) -> None:
        """Accept signatures made with these credentials in strict mode."""
        self._signing.credentials[access_key_id] = secret_access_key

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


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_delay(seconds: float) -> None:
    if not seconds >= 0:  # NaN too
        raise ValueError(f"activation_delay must be a number of seconds >= 0, not {seconds!r}")
