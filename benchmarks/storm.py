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

    python benchmarks/storm.py                    # the defaults documented in docs/reliability.md
    python benchmarks/storm.py --repeat 3 --trace
    python benchmarks/storm.py --tasks 20 --rate 100 --pool 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import platform
import sys
import time
from collections.abc import Awaitable, Callable
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
        conn.send((emulator.endpoint_url, expected))
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
        self.endpoint_url, self.expected = self._conn.recv()

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


async def ours(emulator: EmulatorProcess, args: argparse.Namespace, *, adaptive: bool) -> Result:
    policy = RetryPolicy(max_attempts=MAX_ATTEMPTS, adaptive=adaptive)
    config = AioConfig(max_pool_connections=args.pool)
    async with CleanRoomsMLClient(
        endpoint_url=emulator.endpoint_url,
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

        label = "ours, adaptive" if adaptive else "ours, no adaptive"
        return await _storm(label, paginate, emulator, args)


async def raw_adaptive(emulator: EmulatorProcess, args: argparse.Namespace) -> Result:
    config = AioConfig(
        retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS},
        max_pool_connections=args.pool,
    )
    async with AioSession().create_client(
        "cleanroomsml", endpoint_url=emulator.endpoint_url, config=config, **CREDENTIALS
    ) as client:

        async def paginate(arn: str) -> list[str]:
            paginator = client.get_paginator("list_audience_export_jobs")
            names: list[str] = []
            pages = paginator.paginate(
                audienceGenerationJobArn=arn, PaginationConfig={"PageSize": args.page_size}
            )
            async for page in pages:
                names.extend(job["name"] for job in page["audienceExportJobs"])
            return names

        return await _storm("aiobotocore adaptive", paginate, emulator, args)


# -- the report -----------------------------------------------------------------------------

COLUMNS = (
    ("contender", "contender", 22),
    ("wall_s", "wall s", 7),
    ("requests", "requests", 9),
    ("throttled", "429s", 7),
    ("items_delivered", "items", 8),
    ("lost", "lost", 5),
    ("duplicated", "dup", 4),
    ("failed_paginations", "failed", 7),
)


def table(results: list[Result]) -> str:
    header = " | ".join(title.ljust(width) for _, title, width in COLUMNS)
    lines = [header, "-" * len(header)]
    for result in results:
        values = asdict(result)
        lines.append(" | ".join(str(values[key]).ljust(width) for key, _, width in COLUMNS))
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> list[Result]:
    emulator = EmulatorProcess(args.tasks, args.items)
    try:
        results: list[Result] = []
        for _ in range(args.repeat):
            results.append(await ours(emulator, args, adaptive=True))
            results.append(await ours(emulator, args, adaptive=False))
            results.append(await raw_adaptive(emulator, args))
        return results
    finally:
        emulator.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=50, help="concurrent paginations")
    parser.add_argument("--items", type=int, default=200, help="items per pagination")
    parser.add_argument("--page-size", type=int, default=20, help="maxResults per page")
    parser.add_argument("--rate", type=float, default=50.0, help="emulator requests/s")
    parser.add_argument("--burst", type=float, default=10.0, help="emulator bucket size")
    parser.add_argument("--pool", type=int, default=50, help="max_pool_connections")
    parser.add_argument("--trace", action="store_true", help="print 200s/429s per 0.5 s")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of all contenders")
    args = parser.parse_args(argv)

    results = asyncio.run(main_async(args))
    print(
        f"{args.tasks} concurrent paginations x {args.items} items at {args.page_size}/page; "
        f"emulator rate limit {args.rate:g} req/s, burst {args.burst:g}; "
        f"max_attempts={MAX_ATTEMPTS}, max_pool_connections={args.pool}"
    )
    print(table(results))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"storm-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "settings": vars(args) | {"max_attempts": MAX_ATTEMPTS},
                "python": platform.python_version(),
                "results": [asdict(result) for result in results],
            },
            indent=2,
        )
    )
    print(f"written to {out}")
    ok = all(r.lost == 0 and r.duplicated == 0 for r in results if r.contender == "ours, adaptive")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
