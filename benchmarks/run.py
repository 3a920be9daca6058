"""Speed and memory of CleanRoomsMLClient against raw aiobotocore and a bare-aiohttp floor.

One run measures every figure, over loopback, against the emulator running in a child process
(its own interpreter and event loop, so the server's CPU time is not charged to whichever
client happens to be running; both clients pay the same server cost per request):

- ``ours``: ``CleanRoomsMLClient`` (default ``RetryPolicy``, typed pydantic results);
- ``raw``: an aiobotocore client, ``AioConfig(retries={"total_max_attempts": 1})``, returning
  botocore-parsed dicts (pagination by hand, following ``nextToken``: no paginator overhead);
- ``floor``: ``aiohttp`` GET + ``json.loads`` with a fixed dummy SigV4 ``Authorization``
  header, no signing, no models: what any client on this machine must at least spend.

All three use the same connection pool size (``POOL``). The implementations are interleaved
(A B C, B C A, C A B, ...) trial by trial after a warm-up; each figure is the median over the
trials, and each ratio to raw aiobotocore is the median of the per-trial ratios (each trial's
``ours`` against the same trial's ``raw``). Peak RSS growth is measured in a fresh child
process per implementation (the kernel's peak-RSS mark, reset before streaming); cold import
time in fresh interpreters. docs/performance.md explains the method and the figures.

    python benchmarks/run.py            # the full run (about 100 s)
    python benchmarks/run.py --quick    # fewer trials: a smoke run (about 60 s)

The table goes to stdout and everything (samples included) to ``benchmarks/results/``.
Nothing here asserts on time: the figures are for people to read.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import quote

from botocore import xform_name

RESULTS = Path(__file__).parent / "results"
POOL = 10
REGION = "us-east-1"
KEY_ID = "bench"
SECRET = "bench-secret"  # the emulator checks that requests are signed, not with what
ARN_PREFIX = "arn:aws:cleanrooms-ml:us-east-1:123456789012"
#: 10,000 export jobs: the single page and the 10,000-item iteration read this one.
PAGE_JOB = f"{ARN_PREFIX}:audience-generation-job/bench-10k"
#: 100,000 export jobs, for the memory figure.
STREAM_JOB = f"{ARN_PREFIX}:audience-generation-job/bench-100k"
#: 5,000 export jobs (50 pages of 100), for the prefetch figure.
PREFETCH_JOB = f"{ARN_PREFIX}:audience-generation-job/bench-prefetch"
PREFETCH_ITEMS = 5_000
#: The prefetch figure: the emulator's injected latency, and the consumer's work, per page.
PAGE_LATENCY = 0.01
PAGE_WORK = 0.01
#: A second first-call figure: the service's time to answer (short of what AWS takes).
FIRST_CALL_LATENCY = 0.01
MODEL_ARN = f"{ARN_PREFIX}:audience-model/bench-model"
#: The whole-service figures: a nested create and a deep get, in one membership.
MEMBERSHIP = "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"
CHANNEL_ARN = f"{ARN_PREFIX}:membership/{MEMBERSHIP}/ml-input-channel/bench-channel"
ASSOCIATION_ARN = (
    f"{ARN_PREFIX}:membership/{MEMBERSHIP}/configured-model-algorithm-association/bench"
)
#: What the emulator's auth check wants to see; the signature itself is not verified.
DUMMY_AUTH = (
    "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/cleanrooms-ml/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
IMPLS = ("ours", "raw", "floor")


@dataclass(frozen=True)
class Settings:
    """How much of everything one run does."""

    trials: int
    page_batch: int
    get_batch: int
    iterate_trials: int
    iterate_items: int
    concurrency: int
    concurrency_trials: int
    stream_items: int
    prefetch_trials: int
    import_runs: int
    creation_batch: int

    @classmethod
    def full(cls) -> Settings:
        return cls(15, 10, 40, 7, 10_000, 200, 25, 100_000, 7, 9, 10)

    @classmethod
    def quick(cls) -> Settings:
        return cls(5, 5, 20, 3, 10_000, 200, 5, 100_000, 3, 5, 5)


# -- the emulator's process ---------------------------------------------------------------


def _serve(conn: Connection, stream_items: int) -> None:
    asyncio.run(_serve_async(conn, stream_items))


async def _serve_async(conn: Connection, stream_items: int) -> None:
    """Seed, report the URL, then obey commands from the pipe until told to stop."""
    from cleanroomsml_async.testing import LocalCleanRoomsML

    loop = asyncio.get_running_loop()
    async with LocalCleanRoomsML(page_size=100) as emulator:
        for arn, count in (
            (PAGE_JOB, 10_000),
            (STREAM_JOB, stream_items),
            (PREFETCH_JOB, PREFETCH_ITEMS),
        ):
            emulator.add_audience_generation_job(audience_generation_job_arn=arn)
            emulator.add_audience_export_jobs(
                count, audience_generation_job_arn=arn, description="benchmark export job"
            )
        emulator.seed(
            "ConfiguredModelAlgorithmAssociation",
            membership_id=MEMBERSHIP,
            configuredModelAlgorithmAssociationArn=ASSOCIATION_ARN,
        )
        emulator.seed(
            "MLInputChannel",
            membership_id=MEMBERSHIP,
            mlInputChannelArn=CHANNEL_ARN,
            configuredModelAlgorithmAssociations=[ASSOCIATION_ARN],
            description="the channel GetMLInputChannel returns in the benchmark",
        )
        emulator.add_audience_model(
            audience_model_arn=MODEL_ARN,
            name="bench-model",
            description="the model GetAudienceModel returns in the benchmark",
            kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/bench",
            tags={"team": "bench", "env": "local"},
            training_data_start_time="2024-01-01T00:00:00Z",
            training_data_end_time="2024-06-30T23:59:59Z",
        )
        conn.send(emulator.endpoint_url)
        while True:
            command, argument = await loop.run_in_executor(None, conn.recv)
            # The request log grows with every request; the benchmark never reads it.
            emulator.clear_requests()
            if command == "latency":
                emulator.faults.clear()
                if argument:
                    emulator.faults.latency(argument)
                conn.send(None)
            elif command == "clear":
                conn.send(None)
            else:
                conn.send(None)
                return


class EmulatorProcess:
    """The emulator in a child process, driven over a pipe."""

    def __init__(self, stream_items: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, stream_items), daemon=True)
        self._process.start()
        self.endpoint_url: str = self._conn.recv()

    def command(self, name: str, argument: Any = None) -> None:
        self._conn.send((name, argument))
        self._conn.recv()

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError, EOFError):
            self.command("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()


# -- the implementations ------------------------------------------------------------------


@dataclass
class Impl:
    """One implementation's way of doing each measured thing."""

    name: str
    #: One 100-item ListAudienceExportJobs page; returns the item count.
    list_page: Callable[[], Awaitable[int]]
    #: One GetAudienceModel.
    get_model: Callable[[], Awaitable[object]]
    #: Every item of a generation job's export jobs, 100 a page; returns the item count.
    iterate: Callable[[str], Awaitable[int]]
    #: One CreateMLInputChannel (a nested body), and one GetMLInputChannel (a deep answer);
    #: None for the floor, which speaks only the five operations' URLs.
    create_channel: Callable[[], Awaitable[object]] | None = None
    get_channel: Callable[[], Awaitable[object]] | None = None


@contextlib.asynccontextmanager
async def open_ours(url: str) -> AsyncIterator[Impl]:
    from aiobotocore.config import AioConfig

    from cleanroomsml_async import CleanRoomsMLClient

    async with CleanRoomsMLClient(
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        config=AioConfig(max_pool_connections=POOL),
    ) as client:

        async def list_page() -> int:
            page = await client.list_audience_export_jobs(
                audience_generation_job_arn=PAGE_JOB, max_results=100
            )
            return len(page.audience_export_jobs)

        async def get_model() -> object:
            return await client.get_audience_model(audience_model_arn=MODEL_ARN)

        async def iterate(job: str) -> int:
            count = 0
            async for _ in client.list_audience_export_jobs(
                audience_generation_job_arn=job, max_results=100
            ):
                count += 1
            return count

        create = channel_request()
        create_kwargs = {xform_name(key): value for key, value in create.items()}

        async def create_channel() -> object:
            return await client.create_ml_input_channel(**create_kwargs)

        async def get_channel() -> object:
            return await client.get_ml_input_channel(
                membership_identifier=MEMBERSHIP, ml_input_channel_arn=CHANNEL_ARN
            )

        yield Impl("ours", list_page, get_model, iterate, create_channel, get_channel)


@contextlib.asynccontextmanager
async def open_raw(url: str) -> AsyncIterator[Impl]:
    from aiobotocore.config import AioConfig
    from aiobotocore.session import AioSession

    config = AioConfig(retries={"total_max_attempts": 1}, max_pool_connections=POOL)
    async with AioSession().create_client(
        "cleanroomsml",
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        config=config,
    ) as client:

        async def list_page() -> int:
            page = await client.list_audience_export_jobs(
                audienceGenerationJobArn=PAGE_JOB, maxResults=100
            )
            return len(page["audienceExportJobs"])

        async def get_model() -> object:
            return await client.get_audience_model(audienceModelArn=MODEL_ARN)

        async def iterate(job: str) -> int:
            count = 0
            params: dict[str, Any] = {"audienceGenerationJobArn": job, "maxResults": 100}
            while True:
                page = await client.list_audience_export_jobs(**params)
                for _ in page["audienceExportJobs"]:
                    count += 1
                token = page.get("nextToken")
                if not token:
                    return count
                params["nextToken"] = token

        create = channel_request()

        async def create_channel() -> object:
            return await client.create_ml_input_channel(**create)

        async def get_channel() -> object:
            return await client.get_ml_input_channel(
                membershipIdentifier=MEMBERSHIP, mlInputChannelArn=CHANNEL_ARN
            )

        yield Impl("raw", list_page, get_model, iterate, create_channel, get_channel)


@contextlib.asynccontextmanager
async def open_floor(url: str) -> AsyncIterator[Impl]:
    import aiohttp
    from yarl import URL

    headers = {"Authorization": DUMMY_AUTH}
    connector = aiohttp.TCPConnector(limit=POOL)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def fetch(raw_url: str) -> Any:
            async with session.get(URL(raw_url, encoded=True)) as response:
                body = await response.read()
                if response.status != 200:
                    raise RuntimeError(f"the floor client got HTTP {response.status}: {body!r}")
            return json.loads(body)

        def list_url(job: str, token: str | None) -> str:
            query = f"audienceGenerationJobArn={quote(job, safe='')}&maxResults=100"
            if token:
                query += f"&nextToken={quote(token, safe='')}"
            return f"{url}/audience-export-job?{query}"

        model_url = f"{url}/audience-model/{quote(MODEL_ARN, safe='')}"

        async def list_page() -> int:
            return len((await fetch(list_url(PAGE_JOB, None)))["audienceExportJobs"])

        async def get_model() -> object:
            return await fetch(model_url)

        async def iterate(job: str) -> int:
            count, token = 0, None
            while True:
                page = await fetch(list_url(job, token))
                for _ in page["audienceExportJobs"]:
                    count += 1
                token = page.get("nextToken")
                if not token:
                    return count

        yield Impl("floor", list_page, get_model, iterate)


OPENERS = {"ours": open_ours, "raw": open_raw, "floor": open_floor}


def channel_request() -> dict[str, Any]:
    """A CreateMLInputChannel request (wire names) with its nested input and data source."""
    from cleanroomsml_async.testing._examples import example_input

    request = example_input("CreateMLInputChannel", membership_id=MEMBERSHIP)
    request.update(
        name="bench-channel",
        description="created by the benchmark",
        configuredModelAlgorithmAssociations=[ASSOCIATION_ARN],
        retentionInDays=30,
        tags={"team": "bench", "env": "local"},
    )
    return request


def _first_call_child(impl: str, url: str) -> None:
    """In a fresh process: how much longer the first GetMLInputChannel takes than later ones.

    Both clients first send five GetAudienceModel calls (the connection, and everything built
    once per client or process, is then ready), so what is left is the cost of an operation
    not used before: for raw aiobotocore its operation model, serializer and parser; for ours
    that as well, plus importing the operation's models and building their validators.
    """

    async def main() -> None:
        async with OPENERS[impl](url) as opened:
            get_channel = opened.get_channel
            assert get_channel is not None
            for _ in range(5):
                await opened.get_model()
            times = []
            for _ in range(21):
                started = time.perf_counter()
                await get_channel()
                times.append(time.perf_counter() - started)
        print(json.dumps(times[0] - statistics.median(times[1:])))

    asyncio.run(main())


def first_call_figures(
    url: str, emulator: EmulatorProcess, runs: int, latency: float = 0.0
) -> Samples:
    """The first call's extra cost, in seconds, from fresh processes, ours and raw in turn."""
    emulator.command("latency", latency)
    extra: Samples = {"ours": [], "raw": []}
    try:
        for trial in range(runs):
            for impl in ("ours", "raw") if trial % 2 == 0 else ("raw", "ours"):
                out = subprocess.run(
                    [sys.executable, __file__, "--first-call-child", impl, "--url", url],
                    check=True,
                    capture_output=True,
                    text=True,
                    cwd=tempfile.gettempdir(),
                ).stdout
                extra[impl].append(float(out.strip().splitlines()[-1]))
    finally:
        emulator.command("latency", 0.0)
    return extra


# -- measuring ----------------------------------------------------------------------------

Samples = dict[str, list[float]]


def _rotations(trial: int) -> list[str]:
    """A B C, then B C A, then C A B, ...: no implementation always goes first."""
    shift = trial % len(IMPLS)
    return [*IMPLS[shift:], *IMPLS[:shift]]


async def interleaved(
    impls: dict[str, Impl],
    measure: Callable[[Impl], Awaitable[float]],
    trials: int,
    warmup: int = 1,
) -> Samples:
    """Run ``measure`` (one trial, returning its figure) for each implementation in turn."""
    for impl in impls.values():
        for _ in range(warmup):
            await measure(impl)
    samples: Samples = {name: [] for name in impls}
    for trial in range(trials):
        for name in _rotations(trial):
            if name in impls:
                samples[name].append(await measure(impls[name]))
    return samples


def per_call(fn_of: Callable[[Impl], Callable[[], Awaitable[object]]], batch: int) -> Any:
    async def measure(impl: Impl) -> float:
        fn = fn_of(impl)
        started = time.perf_counter()
        for _ in range(batch):
            await fn()
        return (time.perf_counter() - started) / batch

    return measure


def items_per_second(job: str, expected: int) -> Any:
    async def measure(impl: Impl) -> float:
        started = time.perf_counter()
        count = await impl.iterate(job)
        elapsed = time.perf_counter() - started
        if count != expected:  # a broken client would look fast; refuse to report it
            raise RuntimeError(f"{impl.name} iterated {count} items, expected {expected}")
        return count / elapsed

    return measure


def concurrent_calls_per_second(concurrency: int) -> Any:
    async def measure(impl: Impl) -> float:
        started = time.perf_counter()
        await asyncio.gather(*(impl.get_model() for _ in range(concurrency)))
        return concurrency / (time.perf_counter() - started)

    return measure


async def prefetch_figures(url: str, emulator: EmulatorProcess, trials: int) -> Samples:
    """Ours, 10 ms server latency, 10 ms of consumer work a page: without and with prefetch."""
    from aiobotocore.config import AioConfig

    from cleanroomsml_async import CleanRoomsMLClient

    emulator.command("latency", PAGE_LATENCY)
    try:
        async with CleanRoomsMLClient(
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
            config=AioConfig(max_pool_connections=POOL),
        ) as client:
            pager = client.list_audience_export_jobs(
                audience_generation_job_arn=PREFETCH_JOB, max_results=100
            )
            variants = {
                "no prefetch": pager,
                "prefetch(1)": pager.prefetch(1),
                "prefetch(2)": pager.prefetch(2),
            }

            async def consume(name: str) -> float:
                started = time.perf_counter()
                async with contextlib.aclosing(variants[name].pages()) as pages:
                    async for _ in pages:
                        await asyncio.sleep(PAGE_WORK)  # the consumer's work on each page
                return time.perf_counter() - started

            samples: Samples = {name: [] for name in variants}
            for name in variants:  # warm-up
                await consume(name)
            for trial in range(trials):
                names = list(variants)
                shift = trial % len(names)
                for name in names[shift:] + names[:shift]:
                    samples[name].append(await consume(name))
            return samples
    finally:
        emulator.command("latency", 0)


# -- client creation, loop stalls and the pager's memory of tokens --------------------------

#: How a client is made, in the creation and loop-stall figures.
CREATION = ("ours", "raw, shared session", "raw, new session")
SEEN_PAGES = 100_000
SEEN_TOKEN_LENGTH = 100


def _creators(url: str) -> dict[str, Callable[[], Awaitable[None]]]:
    """Enter and leave one client, each way: no request is sent."""
    from aiobotocore.config import AioConfig
    from aiobotocore.session import AioSession

    from cleanroomsml_async import CleanRoomsMLClient

    shared = AioSession()
    config = AioConfig(retries={"total_max_attempts": 1}, max_pool_connections=POOL)
    credentials = {"aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}

    async def ours() -> None:
        async with CleanRoomsMLClient(
            endpoint_url=url,
            region_name=REGION,
            config=AioConfig(max_pool_connections=POOL),
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
        ):
            pass

    async def raw(session: Any) -> None:
        async with session.create_client(
            "cleanroomsml", region_name=REGION, endpoint_url=url, config=config, **credentials
        ):
            pass

    return {
        "ours": ours,
        "raw, shared session": lambda: raw(shared),
        "raw, new session": lambda: raw(AioSession()),
    }


async def creation_figures(url: str, trials: int, batch: int) -> Samples:
    """Seconds to enter and leave one client (the mean of ``batch``), each way, interleaved."""
    creators = _creators(url)
    for create in creators.values():  # warm-up: the first client of a process loads the data
        await create()
    samples: Samples = {name: [] for name in CREATION}
    for trial in range(trials):
        shift = trial % len(CREATION)
        for name in CREATION[shift:] + CREATION[:shift]:
            started = time.perf_counter()
            for _ in range(batch):
                await creators[name]()
            samples[name].append((time.perf_counter() - started) / batch)
    return samples


async def largest_gap(work: Callable[[], Awaitable[None]]) -> float:
    """The largest gap (s) between the ticks of a 1 ms ticker while ``work`` runs."""
    loop = asyncio.get_running_loop()
    gaps: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        last = loop.time()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = loop.time()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.005)
    try:
        await work()
    finally:
        done.set()
        await ticker
    return max(gaps)


async def loop_stall_figures(url: str, trials: int, clients: int) -> Samples:
    """The largest ticker gap (s) while ``clients`` clients are entered and left, each way."""
    creators = _creators(url)
    samples: Samples = {name: [] for name in CREATION}
    for trial in range(trials):
        shift = trial % len(CREATION)
        for name in CREATION[shift:] + CREATION[:shift]:
            create = creators[name]

            async def work(create: Callable[[], Awaitable[None]] = create) -> None:
                for _ in range(clients):
                    await create()

            samples[name].append(await largest_gap(work))
    return samples


def seen_token_figures() -> dict[str, float]:
    """Bytes a page that the pager keeps to detect a repeated token: strings vs digests.

    100,000 distinct 100-character tokens, each made fresh (as each page's token is) and
    kept the way the pager keeps it; traced with tracemalloc.
    """
    import tracemalloc

    from cleanroomsml_async.pagination import _digest

    def kept(keep: Callable[[str], object]) -> float:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        seen = {keep(f"{page:0{SEEN_TOKEN_LENGTH}d}") for page in range(SEEN_PAGES)}
        held = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        assert len(seen) == SEEN_PAGES
        return held / SEEN_PAGES

    return {"tokens as str (before)": kept(str), "16-byte digests (now)": kept(_digest)}


def creation_table(creation: Samples, stalls: Samples, seen: dict[str, float]) -> str:
    rows = [("client made", "enter+leave", "vs raw shared", "largest 1 ms-ticker gap")]
    for name in CREATION:
        ratios = [
            a / b for a, b in zip(creation[name], creation["raw, shared session"], strict=True)
        ]
        rows.append(
            (
                name,
                f"{statistics.median(creation[name]) * 1000:.2f} ms",
                f"{statistics.median(ratios):.2f}x",
                f"{statistics.median(stalls[name]) * 1000:.1f} ms",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append("")
    lines.append(
        f"seen-token set, {SEEN_PAGES:,} pages of {SEEN_TOKEN_LENGTH}-character tokens: "
        + ", ".join(
            f"{name} {per_page:.0f} B/page ({per_page * SEEN_PAGES / 2**20:.1f} MiB)"
            for name, per_page in seen.items()
        )
    )
    return "\n".join(lines)


def _rss_kib() -> dict[str, int]:
    """The process's resident set now (VmRSS) and its peak (VmHWM), in KiB (Linux)."""
    status = Path("/proc/self/status").read_text()
    return {
        key: int(line.split()[1])
        for line in status.splitlines()
        for key in ("VmRSS", "VmHWM")
        if line.startswith(f"{key}:")
    }


def _memory_child(impl: str, url: str) -> None:
    """In a fresh process: resident memory before streaming and its peak while streaming."""

    async def main() -> dict[str, Any]:
        async with OPENERS[impl](url) as opened:
            # Warm up everything that is built once: connections, lazy imports, validators.
            await opened.list_page()
            await opened.list_page()
            # Reset the kernel's peak-RSS mark to the current RSS, so the peak read afterwards
            # is the peak of the streaming alone, not of start-up (Linux >= 4.0).
            Path("/proc/self/clear_refs").write_text("5")  # noqa: ASYNC240 (a 1-byte proc write)
            before = _rss_kib()
            maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            count = await opened.iterate(STREAM_JOB)
            after = _rss_kib()
            maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {
            "items": count,
            "rss_before_kib": before["VmRSS"],
            "peak_rss_while_streaming_kib": after["VmHWM"],
            "rss_after_kib": after["VmRSS"],
            "ru_maxrss_before_kib": maxrss_before,
            "ru_maxrss_after_kib": maxrss_after,
        }

    print(json.dumps(asyncio.run(main())))


def memory_figures(url: str, items: int) -> dict[str, dict[str, int]]:
    """Peak RSS growth while streaming (VmHWM after minus VmRSS before), one process each."""
    figures = {}
    for impl in IMPLS:
        done = subprocess.run(
            [sys.executable, __file__, "--memory-child", impl, "--url", url],
            capture_output=True,
            text=True,
            check=True,
        )
        figure = json.loads(done.stdout.strip().splitlines()[-1])
        if figure["items"] != items:
            raise RuntimeError(f"{impl} streamed {figure['items']} items, expected {items}")
        figures[impl] = figure
    return figures


def import_figures(runs: int) -> Samples:
    """Wall time of a fresh ``python -c "import X"``, alternating, in seconds."""
    statements = {
        "ours": "from cleanroomsml_async import CleanRoomsMLClient",
        "raw": "import aiobotocore.session",
        "floor": "pass",  # the interpreter's own start-up, in both of the above
    }
    samples: Samples = {name: [] for name in statements}
    # Not from the repository's root, where "" on sys.path would find the source tree rather
    # than the installed package (the one PYTHONPATH or the environment says).
    elsewhere = tempfile.gettempdir()
    for statement in statements.values():  # warm the OS file cache and .pyc files
        subprocess.run([sys.executable, "-c", statement], check=True, cwd=elsewhere)
    for trial in range(runs):
        for name in _rotations(trial):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", statements[name]], check=True, cwd=elsewhere)
            samples[name].append(time.perf_counter() - started)
    return samples


# -- reporting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One row of the table."""

    name: str
    unit: str
    samples: Samples
    #: True when more is better (rates); the ratio is then ours / raw all the same.
    higher_is_better: bool
    target: str
    #: Whether the figure meets its target (None: no target).
    meets: Callable[[Figure], bool] | None
    scale: float = 1.0

    def median(self, impl: str) -> float | None:
        values = self.samples.get(impl)
        return statistics.median(values) * self.scale if values else None

    def pair_ratios(self, other: str = "raw") -> list[float]:
        ours, theirs = self.samples.get("ours", []), self.samples.get(other, [])
        return [a / b for a, b in zip(ours, theirs, strict=False) if b]

    def ratio(self, other: str = "raw") -> float | None:
        ratios = self.pair_ratios(other)
        return statistics.median(ratios) if ratios else None


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    packages = {}
    for name in ("cleanroomsml-async", "aiobotocore", "botocore", "aiohttp", "pydantic"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            packages[name] = metadata.version(name)
    for name in ("pydantic-core", "tenacity"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            packages[name] = metadata.version(name)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": packages,
    }


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def table(figures: list[Figure]) -> str:
    head = ("figure", "unit", "ours", "raw", "floor", "ours/raw", "ours/floor", "target", "met")
    rows = [head]
    for fig in figures:
        ratio, floor_ratio = fig.ratio("raw"), fig.ratio("floor")
        met = "-" if fig.meets is None else ("yes" if fig.meets(fig) else "NO")
        rows.append(
            (
                fig.name,
                fig.unit,
                _fmt(fig.median("ours")),
                _fmt(fig.median("raw")),
                _fmt(fig.median("floor")),
                "-" if ratio is None else f"{ratio:.2f}x",
                "-" if floor_ratio is None else f"{floor_ratio:.2f}x",
                fig.target,
                met,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


async def run(settings: Settings, emulator: EmulatorProcess) -> tuple[list[Figure], Samples]:
    url = emulator.endpoint_url
    figures: list[Figure] = []

    def note(text: str) -> None:
        print(f"  {text}", file=sys.stderr, flush=True)

    async with contextlib.AsyncExitStack() as stack:
        impls = {name: await stack.enter_async_context(OPENERS[name](url)) for name in IMPLS}

        note("one 100-item page ...")
        samples = await interleaved(
            impls, per_call(lambda i: i.list_page, settings.page_batch), settings.trials, 2
        )
        figures.append(
            Figure(
                "ListAudienceExportJobs, 1 page of 100",
                "ms/call",
                samples,
                False,
                "<= 0.2x",
                lambda f: _ratio_at_most(f, 0.2),
                1000,
            )
        )
        note("one GetAudienceModel ...")
        samples = await interleaved(
            impls, per_call(lambda i: i.get_model, settings.get_batch), settings.trials, 2
        )
        figures.append(
            Figure(
                "GetAudienceModel, 1 call",
                "ms/call",
                samples,
                False,
                "<= 0.8x",
                lambda f: _ratio_at_most(f, 0.8),
                1000,
            )
        )
        both = {name: impls[name] for name in ("ours", "raw")}
        note("one CreateMLInputChannel (nested body) ...")
        samples = await interleaved(
            both,
            per_call(lambda i: i.create_channel or _absent, settings.get_batch),
            settings.trials,
            2,
        )
        figures.append(
            Figure(
                "CreateMLInputChannel, 1 call",
                "ms/call",
                samples,
                False,
                "<= 1.0x",
                lambda f: _ratio_at_most(f, 1.0),
                1000,
            )
        )
        note("one GetMLInputChannel (deep answer) ...")
        samples = await interleaved(
            both,
            per_call(lambda i: i.get_channel or _absent, settings.get_batch),
            settings.trials,
            2,
        )
        figures.append(
            Figure(
                "GetMLInputChannel, 1 call",
                "ms/call",
                samples,
                False,
                "<= 1.0x",
                lambda f: _ratio_at_most(f, 1.0),
                1000,
            )
        )
        note(f"iterate {settings.iterate_items:,} items ...")
        samples = await interleaved(
            impls,
            items_per_second(PAGE_JOB, settings.iterate_items),
            settings.iterate_trials,
        )
        figures.append(
            Figure(
                f"iterate {settings.iterate_items:,} items (100/page)",
                "items/s",
                samples,
                True,
                ">= 4x",
                lambda f: _ratio_at_least(f, 4.0),
            )
        )
        note(f"{settings.concurrency} concurrent GetAudienceModel ...")
        samples = await interleaved(
            impls,
            concurrent_calls_per_second(settings.concurrency),
            settings.concurrency_trials,
        )
        figures.append(
            Figure(
                f"{settings.concurrency} concurrent GetAudienceModel",
                "calls/s",
                samples,
                True,
                ">= 1.0x",
                lambda f: _ratio_at_least(f, 1.0),
            )
        )

    note("prefetch: 10 ms latency + 10 ms of work a page ...")
    prefetch = await prefetch_figures(url, emulator, settings.prefetch_trials)

    note(f"peak RSS growth streaming {settings.stream_items:,} items (one process each) ...")
    memory = memory_figures(url, settings.stream_items)
    growth = {
        impl: [(fig["peak_rss_while_streaming_kib"] - fig["rss_before_kib"]) / 1024]
        for impl, fig in memory.items()
    }
    figures.append(
        Figure(
            f"peak RSS growth, stream {settings.stream_items:,}",
            "MiB",
            growth,
            False,
            "ours <= 2 MiB",
            lambda f: (f.median("ours") or 0.0) <= 2.0,
        )
    )

    note("the first call of an operation not used before (fresh processes) ...")
    extra = first_call_figures(url, emulator, settings.import_runs)
    figures.append(
        Figure(
            "first GetMLInputChannel, extra",
            "ms",
            extra,
            False,
            "ours <= 5 ms",
            lambda f: (f.median("ours") or 0.0) <= 0.005,
            1000,
        )
    )
    # The service's own time to answer: ours builds the response models meanwhile.
    extra = first_call_figures(url, emulator, settings.import_runs, FIRST_CALL_LATENCY)
    figures.append(
        Figure(
            f"first GetMLInputChannel, extra, {FIRST_CALL_LATENCY * 1000:.0f} ms latency",
            "ms",
            extra,
            False,
            "",
            None,
            1000,
        )
    )

    note("cold import ...")
    imports = import_figures(settings.import_runs)
    figures.append(
        Figure(
            "cold import (python -c, wall)",
            "ms",
            imports,
            False,
            "<= 0.7x",
            lambda f: _ratio_at_most(f, 0.7),
            1000,
        )
    )
    return figures, prefetch


async def _absent() -> object:
    raise RuntimeError("this implementation does not measure that")


def _ratio_at_most(figure: Figure, limit: float) -> bool:
    ratio = figure.ratio("raw")
    return ratio is not None and ratio <= limit


def _ratio_at_least(figure: Figure, limit: float) -> bool:
    ratio = figure.ratio("raw")
    return ratio is not None and ratio >= limit


def prefetch_table(samples: Samples) -> str:
    """Ours only: the same listing consumed without prefetch, with prefetch(1) and (2)."""
    pages = PREFETCH_ITEMS // 100
    rows = [("variant", f"ms/{pages} pages", "vs none", "target", "met")]
    for name, values in samples.items():
        ratios = [a / b for a, b in zip(values, samples["no prefetch"], strict=True)]
        ratio = statistics.median(ratios)
        target = "<= 0.6x" if name == "prefetch(1)" else ""
        met = ("yes" if ratio <= 0.6 else "NO") if target else "-"
        rows.append((name, _fmt(statistics.median(values) * 1000), f"{ratio:.2f}x", target, met))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="fewer trials: a smoke run")
    parser.add_argument("--output", type=Path, help="where to write the JSON results")
    parser.add_argument(
        "--only",
        choices=("all", "creation"),
        default="all",
        help="creation: only client creation, loop stalls and the seen-token memory",
    )
    parser.add_argument("--memory-child", choices=IMPLS, help=argparse.SUPPRESS)
    parser.add_argument("--first-call-child", choices=("ours", "raw"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        _memory_child(args.memory_child, args.url)
        return 0
    if args.first_call_child:
        _first_call_child(args.first_call_child, args.url)
        return 0

    settings = Settings.quick() if args.quick else Settings.full()
    started = time.perf_counter()
    load_before = os.getloadavg()  # other work on the machine skews every figure; say how much
    print("starting the emulator (child process) and seeding it ...", file=sys.stderr)
    emulator = EmulatorProcess(settings.stream_items)
    figures: list[Figure] = []
    prefetch: Samples = {}
    try:
        if args.only == "all":
            figures, prefetch = asyncio.run(run(settings, emulator))
        print("  client creation and loop stalls ...", file=sys.stderr, flush=True)
        creation = asyncio.run(
            creation_figures(emulator.endpoint_url, settings.trials, settings.creation_batch)
        )
        stalls = asyncio.run(
            loop_stall_figures(emulator.endpoint_url, settings.trials, settings.creation_batch)
        )
    finally:
        emulator.close()
    seen = seen_token_figures()
    elapsed = time.perf_counter() - started

    info = machine()
    info["loadavg_before"] = load_before
    info["loadavg_after"] = os.getloadavg()
    print()
    print(
        f"{info['cpu']}, {info['nproc']} CPUs, Python {info['python']}, "
        + ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    )
    print(f"load average (1, 5, 15 min): {load_before} before, {info['loadavg_after']} after")
    print(
        f"{'quick' if args.quick else 'full'} run, {elapsed:.0f} s; medians; ratios pair by pair"
    )
    print()
    if figures:
        print(table(figures))
        print()
        print(
            f"prefetch, ours only: {PREFETCH_ITEMS // 100} pages of 100, "
            f"{PAGE_LATENCY * 1000:.0f} ms injected server latency and "
            f"{PAGE_WORK * 1000:.0f} ms of consumer work (asyncio.sleep) per page"
        )
        print(prefetch_table(prefetch))
        print()
    print(
        f"client creation: enter and leave, no request; mean of {settings.creation_batch} "
        "clients a trial; target ours <= 1.5x raw with a shared session"
    )
    print(creation_table(creation, stalls, seen))

    RESULTS.mkdir(exist_ok=True)
    output = args.output or RESULTS / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.json"
    output.write_text(
        json.dumps(
            {
                "machine": info,
                "settings": settings.__dict__,
                "elapsed_s": elapsed,
                "figures": [
                    {
                        "name": fig.name,
                        "unit": fig.unit,
                        "higher_is_better": fig.higher_is_better,
                        "target": fig.target,
                        "medians": {impl: fig.median(impl) for impl in fig.samples},
                        "ratio_to_raw": fig.ratio("raw"),
                        "ratio_to_floor": fig.ratio("floor"),
                        "pair_ratios_to_raw": fig.pair_ratios("raw"),
                        "samples": fig.samples,
                        "scale": fig.scale,
                    }
                    for fig in figures
                ],
                "prefetch": {
                    "pages": PREFETCH_ITEMS // 100,
                    "latency_s": PAGE_LATENCY,
                    "work_s": PAGE_WORK,
                    "medians_s": {k: statistics.median(v) for k, v in prefetch.items()},
                    "samples_s": prefetch,
                },
                "client_creation_s": creation,
                "loop_stall_largest_gap_s": stalls,
                "seen_token_bytes_per_page": seen,
            },
            indent=2,
        )
    )
    print(f"\nresults: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
