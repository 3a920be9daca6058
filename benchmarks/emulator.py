"""The emulator's own costs: server CPU per request, and memory per stored resource.

    python benchmarks/emulator.py          # about 30 s

The emulator runs in a child process; the client (plain aiohttp, in this process) is not
measured. CPU per request is the child's process time over a batch of requests, divided by
the batch (so it includes aiohttp's HTTP handling, routing, validation, the operation and
JSON encoding). Memory is the child's RSS growth from seeding, after a garbage collection.
Nothing here asserts: the figures are for people to read (docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from yarl import URL

RESULTS = Path(__file__).parent / "results"
CONCURRENCY = 10


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _serve(conn: Connection, strict: bool) -> None:
    asyncio.run(_serve_async(conn, strict))


async def _serve_async(conn: Connection, strict: bool) -> None:
    from cleanroomsml_async.testing import LocalCleanRoomsML

    loop = asyncio.get_running_loop()
    async with LocalCleanRoomsML(page_size=100, strict_signing=strict) as emulator:
        parent = emulator.add_audience_generation_job()["audienceGenerationJobArn"]
        emulator.add_audience_export_jobs(10_000, audience_generation_job_arn=parent)
        model = emulator.add_audience_model(tags={"team": "bench"})["audienceModelArn"]
        conn.send((emulator.endpoint_url, parent, model))
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                return
            conn.send(time.process_time())


def _memory(conn: Connection, mixed: bool, count: int) -> None:
    from cleanroomsml_async.testing import LocalCleanRoomsML
    from cleanroomsml_async.testing._kinds import kinds

    emulator = LocalCleanRoomsML()
    emulator.seed("AudienceModel")  # model loading and first-use caches, before measuring
    gc.collect()
    before = _rss_kib()
    started = time.perf_counter()
    if mixed:
        names = list(kinds())
        for name in names:
            emulator.seed(name, count // len(names))
    else:
        emulator.add_audience_export_jobs(count)
    seconds = time.perf_counter() - started
    gc.collect()
    conn.send({"kib": _rss_kib() - before, "seconds": seconds})


def _signed(url: str) -> dict[str, str]:
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials("testing", "testing"), "cleanrooms-ml", "us-east-1").add_auth(request)
    return dict(request.headers.items())


async def _cpu_per_request(conn: Connection, urls: list[str], rounds: int) -> float:
    """The child's CPU seconds per request, over rounds passes of urls at CONCURRENCY."""
    signed = [(url, _signed(url)) for url in urls]  # signing is the client's cost, not timed
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(url: str, headers: dict[str, str]) -> None:
            # encoded=True: sent exactly as signed (yarl would unquote the ARN's %3A).
            async with session.get(URL(url, encoded=True), headers=headers) as response:
                await response.read()
                assert response.status == 200, await response.text()

        await asyncio.gather(*(one(*item) for item in signed[:CONCURRENCY]))  # warm up
        conn.send("cpu")
        start = conn.recv()
        for _ in range(rounds):
            await asyncio.gather(*(one(*item) for item in signed))
        conn.send("cpu")
        end = conn.recv()
    return float(end - start) / (rounds * len(urls))


async def _cpu_figures(strict: bool, requests: int) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    conn, child = context.Pipe()
    process = context.Process(target=_serve, args=(child, strict), daemon=True)
    process.start()
    base, parent, model = conn.recv()
    try:
        from urllib.parse import quote

        get = f"{base}/audience-model/{quote(model, safe='')}"
        page = f"{base}/audience-export-job?audienceGenerationJobArn={quote(parent, safe='')}"
        batch = 100
        figures = {
            "get_ms": 1000 * await _cpu_per_request(conn, [get] * batch, requests // batch),
            "page_of_100_ms": 1000
            * await _cpu_per_request(conn, [page] * batch, max(1, requests // batch // 4)),
        }
    finally:
        conn.send("stop")
        process.join(timeout=10)
    return figures


def _memory_figure(mixed: bool, count: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    conn, child = context.Pipe()
    process = context.Process(target=_memory, args=(child, mixed, count))
    process.start()
    result: dict[str, Any] = conn.recv()
    process.join(timeout=30)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--resources", type=int, default=100_000)
    args = parser.parse_args(argv)
    results = {
        "cpu": asyncio.run(_cpu_figures(False, args.requests)),
        "cpu_strict_signing": asyncio.run(_cpu_figures(True, args.requests)),
        "memory_export_jobs": _memory_figure(False, args.resources),
        "memory_every_kind": _memory_figure(True, args.resources),
    }
    print(f"server CPU per GetAudienceModel:          {results['cpu']['get_ms']:.3f} ms")
    print(f"server CPU per 100-item page:             {results['cpu']['page_of_100_ms']:.3f} ms")
    strict = results["cpu_strict_signing"]
    print(
        f"  the same, strict SigV4:                 {strict['get_ms']:.3f} ms, "
        f"{strict['page_of_100_ms']:.3f} ms"
    )
    for name in ("memory_export_jobs", "memory_every_kind"):
        figure = results[name]
        print(
            f"{args.resources:,} resources ({name[7:].replace('_', ' ')}): "
            f"{figure['kib'] / 1024:.1f} MiB, seeded in {figure['seconds']:.2f} s"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "emulator.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
