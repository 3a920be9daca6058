"""A throttling storm: many concurrent full paginations against a rate-limited service.

The emulator runs in a child process (so the server does not share an event loop, or a core,
with the clients it is throttling) behind a token-bucket rate limit
(``emulator.faults.rate_limit(rate=..., burst=...)``). Each contender runs ``--tasks``
concurrent paginations, one per audience generation job, each over ``--items`` export jobs at
``--page-size`` items a page, sharing one client:

- ``ours, adaptive``: ``CleanRoomsMLClient`` with ``RetryPolicy(max_attempts=10, adaptive=True)``
- ``ours, no adaptive``: the same with ``adaptive=False``
- ``aiobotocore adaptive``: a raw aiobotocore client with
  ``AioConfig(retries={"mode": "adaptive", "max_attempts": 10})`` and its own paginator

Every contender gets a fresh rate limit (a full bucket) and a cleared request log, and the same
``max_pool_connections`` (``--pool``, 50 by default so that 50 paginations really are
concurrent; botocore's default is 10). The table shows wall time, requests the emulator
received, 429s it sent, and items delivered, checked against the emulator's data: per
pagination, the names must be exactly the seeded ones, in order, none lost or repeated (a
pagination that raised counts all its items as lost). Results, with each contender's 200s and
429s per half second, also go to ``benchmarks/results/storm-<time>.json`` (gitignored).

Two more cases, documented with their figures in docs/reliability.md too:

- ``--case fleet``: the same paginations spread over ``--processes`` processes (4), each with
  its own client, against the one limit: ours adaptive against aiobotocore adaptive.
- ``--case fair``: ``--tasks`` tasks each calling GetAudienceModel in a loop for
  ``--fair-seconds`` (30) against ``--fair-rate`` (40 req/s); per contender, the calls per
  task (min, median, max, and Jain's fairness index) and each successful call's latency
  (median, p99, max).

    python benchmarks/storm.py                    # the defaults documented in docs/reliability.md
    python benchmarks/storm.py --repeat 3 --trace
    python benchmarks/storm.py --case fleet --repeat 3
    python benchmarks/storm.py --case fair --only "ours, adaptive"
    python benchmarks/storm.py --tasks 20 --rate 100 --pool 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import platform
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession

from cleanroomsml_async import CleanRoomsMLClient, RetryPolicy
from cleanroomsml_async.testing import LocalCleanRoomsML

RESULTS = Path(__file__).parent / "results"
MAX_ATTEMPTS = 10
CREDENTIALS = {
    "region_name": "us-east-1",
    "aws_access_key_id": "storm",
    "aws_secret_access_key": "storm-secret",
}

# -- the emulator's process ---------------------------------------------------------------


def _serve(conn: Connection, tasks: int, items: int) -> None:
    asyncio.run(_serve_async(conn, tasks, items))


async def _serve_async(conn: Connection, tasks: int, items: int) -> None:
    """Seed, report the data, then answer commands one at a time until told to stop."""
    loop = asyncio.get_running_loop()
    async with LocalCleanRoomsML() as emulator:
        expected: dict[str, list[str]] = {}
        for _ in range(tasks):
            parent = emulator.add_audience_generation_job()
            arn = parent["audienceGenerationJobArn"]
            jobs = emulator.add_audience_export_jobs(items, audience_generation_job_arn=arn)
            expected[arn] = [job["name"] for job in jobs]
        model_arn = emulator.add_audience_model()["audienceModelArn"]
        conn.send((emulator.endpoint_url, expected, model_arn))
        while True:
            command, argument = await loop.run_in_executor(None, conn.recv)
            if command == "storm":
                emulator.faults.clear()
                emulator.clear_requests()
                emulator.faults.rate_limit(argument["rate"], burst=argument["burst"])
                conn.send(None)
            elif command == "stats":
                conn.send(
                    {
                        "requests": len(emulator.requests),
                        "throttled": sum(1 for r in emulator.requests if r.status == 429),
                        "timeline": [(r.time, r.status) for r in emulator.requests],
                    }
                )
            else:
                conn.send(None)
                return


class EmulatorProcess:
    """The emulator in a child process, driven over a pipe."""

    def __init__(self, tasks: int, items: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, tasks, items), daemon=True)
        self._process.start()
        self.endpoint_url, self.expected, self.model_arn = self._conn.recv()

    def command(self, name: str, argument: Any = None) -> Any:
        self._conn.send((name, argument))
        return self._conn.recv()

    def close(self) -> None:
        self.command("stop")
        self._process.join(timeout=10)


# -- the contenders -------------------------------------------------------------------------

Paginate = Callable[[str], Awaitable[list[str]]]


@dataclass
class Result:
    contender: str
    wall_s: float
    requests: int
    throttled: int
    items_delivered: int
    items_expected: int
    lost: int
    duplicated: int
    out_of_order_paginations: int
    failed_paginations: int
    errors: dict[str, int] = field(default_factory=dict)
    #: Per half second from the first request: [200s, 429s].
    timeline: list[list[int]] = field(default_factory=list)


async def _storm(
    name: str, paginate: Paginate, emulator: EmulatorProcess, args: argparse.Namespace
) -> Result:
    emulator.command("storm", {"rate": args.rate, "burst": args.burst})
    arns = list(emulator.expected)
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(paginate(arn) for arn in arns), return_exceptions=True)
    wall = time.perf_counter() - started
    return _score(name, arns, list(outcomes), wall, emulator, args)


def _score(
    name: str,
    arns: list[str],
    outcomes: list[list[str] | BaseException],
    wall: float,
    emulator: EmulatorProcess,
    args: argparse.Namespace,
) -> Result:
    stats = emulator.command("stats")
    timeline: list[list[int]] = []
    if stats["timeline"]:
        start = stats["timeline"][0][0]
        for when, status in stats["timeline"]:
            slot = int((when - start) * 2)
            timeline.extend([0, 0] for _ in range(slot + 1 - len(timeline)))
            timeline[slot][status == 429] += 1
    if args.trace:
        print(f"{name} (200s/429s per 0.5 s):", " ".join(f"{ok}/{no}" for ok, no in timeline))
    delivered = lost = duplicated = disordered = failed = 0
    errors: dict[str, int] = {}
    for arn, outcome in zip(arns, outcomes, strict=True):
        expected = emulator.expected[arn]
        if isinstance(outcome, BaseException):
            failed += 1
            errors[type(outcome).__name__] = errors.get(type(outcome).__name__, 0) + 1
            lost += len(expected)
            continue
        delivered += len(outcome)
        lost += len(set(expected) - set(outcome))
        duplicated += len(outcome) - len(set(outcome))
        disordered += outcome != expected and set(outcome) == set(expected)
    return Result(
        contender=name,
        wall_s=round(wall, 2),
        requests=stats["requests"],
        throttled=stats["throttled"],
        items_delivered=delivered,
        items_expected=sum(len(names) for names in emulator.expected.values()),
        lost=lost,
        duplicated=duplicated,
        out_of_order_paginations=disordered,
        failed_paginations=failed,
        errors=errors,
        timeline=timeline,
    )


CONTENDERS = ("ours, adaptive", "ours, no adaptive", "aiobotocore adaptive")


@dataclass
class Calls:
    """What a contender's open client can do: page through a generation job's exports, or
    get an audience model (returning the seconds the call took)."""

    paginate: Paginate
    get_model: Callable[[str], Awaitable[float]]


@contextlib.asynccontextmanager
async def _contender(name: str, endpoint_url: str, args: Any) -> AsyncIterator[Calls]:
    """An open client of contender ``name``, with its pagination and single call."""
    config = AioConfig(max_pool_connections=args.pool)
    if name.startswith("ours"):
        policy = RetryPolicy(max_attempts=MAX_ATTEMPTS, adaptive=name == "ours, adaptive")
        async with CleanRoomsMLClient(
            endpoint_url=endpoint_url,
            retry=policy,
            config=config,
            region_name=CREDENTIALS["region_name"],
            aws_access_key_id=CREDENTIALS["aws_access_key_id"],
            aws_secret_access_key=CREDENTIALS["aws_secret_access_key"],
        ) as client:

            async def paginate(arn: str) -> list[str]:
                pager = client.list_audience_export_jobs(
                    audience_generation_job_arn=arn, max_results=args.page_size
                )
                return [job.name async for job in pager]

            async def get_model(arn: str) -> float:
                started = time.perf_counter()
                await client.get_audience_model(audience_model_arn=arn)
                return time.perf_counter() - started

            yield Calls(paginate, get_model)
        return
    config = config.merge(AioConfig(retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS}))
    async with AioSession().create_client(
        "cleanroomsml", endpoint_url=endpoint_url, config=config, **CREDENTIALS
    ) as raw:

        async def raw_paginate(arn: str) -> list[str]:
            paginator = raw.get_paginator("list_audience_export_jobs")
            names: list[str] = []
            pages = paginator.paginate(
                audienceGenerationJobArn=arn, PaginationConfig={"PageSize": args.page_size}
            )
            async for page in pages:
                names.extend(job["name"] for job in page["audienceExportJobs"])
            return names

        async def raw_get_model(arn: str) -> float:
            started = time.perf_counter()
            await raw.get_audience_model(audienceModelArn=arn)
            return time.perf_counter() - started

        yield Calls(raw_paginate, raw_get_model)


async def storm(emulator: EmulatorProcess, args: argparse.Namespace, contender: str) -> Result:
    """``--tasks`` concurrent paginations sharing one client."""
    async with _contender(contender, emulator.endpoint_url, args) as calls:
        return await _storm(contender, calls.paginate, emulator, args)


# -- the fleet: several processes, each with its own client, against one limit --------------

FLEET_CONTENDERS = ("ours, adaptive", "aiobotocore adaptive")


def _fleet_member(
    conn: Connection, contender: str, endpoint_url: str, arns: list[str], args: Any
) -> None:
    asyncio.run(_fleet_member_async(conn, contender, endpoint_url, arns, args))


async def _fleet_member_async(
    conn: Connection, contender: str, endpoint_url: str, arns: list[str], args: Any
) -> None:
    """One process of the fleet: open its client, say so, wait for the go, paginate, report."""
    loop = asyncio.get_running_loop()
    async with _contender(contender, endpoint_url, args) as calls:
        conn.send("ready")
        await loop.run_in_executor(None, conn.recv)
        outcomes = await asyncio.gather(
            *(calls.paginate(arn) for arn in arns), return_exceptions=True
        )
    conn.send([o if isinstance(o, list) else type(o).__name__ for o in outcomes])


class _Failed(Exception):
    """A pagination that raised in a fleet member (its class name is all that crossed over)."""


async def fleet(emulator: EmulatorProcess, args: argparse.Namespace, contender: str) -> Result:
    """``--processes`` processes share the paginations, each with its own client."""
    context = multiprocessing.get_context("spawn")
    arns = list(emulator.expected)
    shares = [arns[index :: args.processes] for index in range(args.processes)]
    settings = argparse.Namespace(page_size=args.page_size, pool=args.pool)
    members = []
    for share in shares:
        parent, child = context.Pipe()
        process = context.Process(
            target=_fleet_member,
            args=(child, contender, emulator.endpoint_url, share, settings),
            daemon=True,
        )
        process.start()
        members.append((parent, process))
    loop = asyncio.get_running_loop()
    for conn, _ in members:
        await loop.run_in_executor(None, conn.recv)  # every client is open
    emulator.command("storm", {"rate": args.rate, "burst": args.burst})
    started = time.perf_counter()
    for conn, _ in members:
        conn.send("go")
    reports = [await loop.run_in_executor(None, conn.recv) for conn, _ in members]
    wall = time.perf_counter() - started
    for _, process in members:
        process.join(timeout=30)
    by_arn: dict[str, list[str] | BaseException] = {}
    for share, report in zip(shares, reports, strict=True):
        for arn, outcome in zip(share, report, strict=True):
            by_arn[arn] = outcome if isinstance(outcome, list) else _Failed(outcome)
    name = f"fleet of {args.processes}: {contender}"
    return _score(name, arns, [by_arn[arn] for arn in arns], wall, emulator, args)


# -- fairness: many tasks calling for a fixed time, how evenly the send rate is shared -------


@dataclass
class FairResult:
    contender: str
    seconds: float
    calls: int
    calls_per_s: float
    throttled: int
    failed_calls: int
    jain_index: float
    calls_per_task_min: int
    calls_per_task_median: float
    calls_per_task_max: int
    latency_median_s: float
    latency_p99_s: float
    latency_max_s: float


def jain_index(values: list[int]) -> float:
    """Jain's fairness index: 1 when every task got the same, 1/n when one got everything."""
    total = sum(values)
    squares = sum(value * value for value in values)
    return total * total / (len(values) * squares) if squares else 0.0


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else math.nan


async def fairness(
    emulator: EmulatorProcess, args: argparse.Namespace, contender: str
) -> FairResult:
    """``--tasks`` tasks each call GetAudienceModel in a loop for ``--fair-seconds``.

    The limit is ``--fair-rate``. Each task counts its successful calls; latency is each
    successful call's, its retries and its wait for the send rate included.
    """
    latencies: list[float] = []
    failed = [0]

    async def caller(get_model: Callable[[str], Awaitable[float]], deadline: float) -> int:
        done = 0
        while time.perf_counter() < deadline:
            try:
                latencies.append(await get_model(emulator.model_arn))
            except Exception:
                failed[0] += 1
            else:
                done += 1
        return done

    async with _contender(contender, emulator.endpoint_url, args) as calls:
        emulator.command("storm", {"rate": args.fair_rate, "burst": args.burst})
        started = time.perf_counter()
        deadline = started + args.fair_seconds
        per_task = await asyncio.gather(
            *(caller(calls.get_model, deadline) for _ in range(args.tasks))
        )
        seconds = time.perf_counter() - started
    stats = emulator.command("stats")
    ordered = sorted(per_task)
    return FairResult(
        contender=contender,
        seconds=round(seconds, 1),
        calls=sum(per_task),
        calls_per_s=round(sum(per_task) / seconds, 1),
        throttled=stats["throttled"],
        failed_calls=failed[0],
        jain_index=round(jain_index(per_task), 3),
        calls_per_task_min=ordered[0],
        calls_per_task_median=statistics.median(ordered),
        calls_per_task_max=ordered[-1],
        latency_median_s=round(statistics.median(latencies), 2) if latencies else math.nan,
        latency_p99_s=round(_quantile(latencies, 0.99), 2),
        latency_max_s=round(max(latencies, default=math.nan), 2),
    )


# -- the report -----------------------------------------------------------------------------

COLUMNS = (
    ("contender", "contender", 34),
    ("wall_s", "wall s", 7),
    ("requests", "requests", 9),
    ("throttled", "429s", 7),
    ("items_delivered", "items", 8),
    ("lost", "lost", 5),
    ("duplicated", "dup", 4),
    ("failed_paginations", "failed", 7),
)


FAIR_COLUMNS = (
    ("contender", "contender", 34),
    ("calls_per_s", "calls/s", 8),
    ("throttled", "429s", 6),
    ("failed_calls", "failed", 7),
    ("jain_index", "Jain", 6),
    ("calls_per_task_min", "min", 5),
    ("calls_per_task_median", "median", 7),
    ("calls_per_task_max", "max", 5),
    ("latency_median_s", "p50 s", 6),
    ("latency_p99_s", "p99 s", 6),
    ("latency_max_s", "max s", 6),
)


def table(results: list[Any], columns: tuple[tuple[str, str, int], ...] = COLUMNS) -> str:
    header = " | ".join(title.ljust(width) for _, title, width in columns)
    lines = [header, "-" * len(header)]
    for result in results:
        values = asdict(result)
        lines.append(" | ".join(str(values[key]).ljust(width) for key, _, width in columns))
    return "\n".join(lines)


def _chosen(args: argparse.Namespace, contenders: tuple[str, ...]) -> list[str]:
    return [name for name in contenders if not args.only or name in args.only]


async def main_async(args: argparse.Namespace) -> dict[str, list[Any]]:
    emulator = EmulatorProcess(args.tasks, args.items)
    results: dict[str, list[Any]] = {"storm": [], "fleet": [], "fair": []}
    try:
        for _ in range(args.repeat):
            if args.case in ("storm", "all"):
                for contender in _chosen(args, CONTENDERS):
                    results["storm"].append(await storm(emulator, args, contender))
            if args.case in ("fleet", "all"):
                for contender in _chosen(args, FLEET_CONTENDERS):
                    results["fleet"].append(await fleet(emulator, args, contender))
            if args.case in ("fair", "all"):
                for contender in _chosen(args, CONTENDERS):
                    results["fair"].append(await fairness(emulator, args, contender))
        return results
    finally:
        emulator.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--case", choices=("storm", "fleet", "fair", "all"), default="storm", help="what to run"
    )
    parser.add_argument("--tasks", type=int, default=50, help="concurrent paginations (callers)")
    parser.add_argument("--items", type=int, default=200, help="items per pagination")
    parser.add_argument("--page-size", type=int, default=20, help="maxResults per page")
    parser.add_argument("--rate", type=float, default=50.0, help="emulator requests/s")
    parser.add_argument("--burst", type=float, default=10.0, help="emulator bucket size")
    parser.add_argument("--pool", type=int, default=50, help="max_pool_connections")
    parser.add_argument("--processes", type=int, default=4, help="fleet: client processes")
    parser.add_argument("--fair-rate", type=float, default=40.0, help="fair: requests/s")
    parser.add_argument("--fair-seconds", type=float, default=30.0, help="fair: duration")
    parser.add_argument(
        "--only", action="append", choices=CONTENDERS, help="run this contender (repeatable)"
    )
    parser.add_argument("--trace", action="store_true", help="print 200s/429s per 0.5 s")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of all contenders")
    args = parser.parse_args(argv)

    results = asyncio.run(main_async(args))
    print(
        f"{args.tasks} concurrent paginations x {args.items} items at {args.page_size}/page; "
        f"emulator rate limit {args.rate:g} req/s, burst {args.burst:g}; "
        f"max_attempts={MAX_ATTEMPTS}, max_pool_connections={args.pool}"
    )
    if results["storm"]:
        print(table(results["storm"]))
    if results["fleet"]:
        print(f"\nthe same paginations over {args.processes} processes, one client each:")
        print(table(results["fleet"]))
    if results["fair"]:
        print(
            f"\nfairness: {args.tasks} tasks calling GetAudienceModel for {args.fair_seconds:g} s"
            f" against {args.fair_rate:g} req/s (calls per task, latency per successful call):"
        )
        print(table(results["fair"], FAIR_COLUMNS))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"storm-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "settings": vars(args) | {"max_attempts": MAX_ATTEMPTS},
                "python": platform.python_version(),
                "results": {
                    case: [asdict(result) for result in found] for case, found in results.items()
                },
            },
            indent=2,
        )
    )
    print(f"written to {out}")
    ours = [r for r in results["storm"] + results["fleet"] if "ours, adaptive" in r.contender]
    ok = all(r.lost == 0 and r.duplicated == 0 for r in ours)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
