"""Run the emulator standalone: python -m cleanroomsml_async.testing --port 4566."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from cleanroomsml_async.testing._emulator import LocalCleanRoomsML


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m cleanroomsml_async.testing",
        description="Serve a local AWS Clean Rooms ML emulator until interrupted.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one")
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="seed N demo resources of each kind (default: none)",
    )
    parser.add_argument(
        "--activation-delay",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="how long started export jobs stay CREATE_PENDING (default: %(default)s)",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Run until SIGINT or SIGTERM; print the endpoint URL as the first line of stdout."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Windows event loops have no signal handlers; Ctrl-C still ends asyncio.run there.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    emulator = LocalCleanRoomsML(
        args.host, args.port, export_job_activation_delay=args.activation_delay
    )
    async with emulator:
        if args.seed:
            demo = emulator.seed_demo_data(args.seed)
            print(
                f"seeded {args.seed} of each resource; collaboration {demo.collaboration_id}",
                file=sys.stderr,
            )
        # A parent process reads this line from a pipe: print the bare URL and flush it.
        print(emulator.endpoint_url, flush=True)
        print("Serving AWS Clean Rooms ML; press Ctrl-C to stop.", file=sys.stderr, flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    args = _parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
