"""Run the emulator standalone: python -m cleanroomsml_async.testing --port 4566.

The endpoint URL is the first line of stdout (a parent process can read it from a pipe);
what was seeded and any warnings go to stderr. A bad flag or a busy port is one line on
stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import warnings
from pathlib import Path
from typing import Any, NoReturn

from cleanroomsml_async.testing._emulator import LocalCleanRoomsML
from cleanroomsml_async.testing._kinds import kinds

_PROG = "python -m cleanroomsml_async.testing"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: the user typed one wrong thing.
        self.exit(2, f"{_PROG}: error: {message} (see --help)\n")


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, not {value}")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, not {text}")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


# argparse names the type function in its message; these read better.
for _check, _name in (
    (_count, "a whole number"),
    (_port, "a port number"),
    (_seconds, "seconds"),
    (_positive, "a positive number"),
    (_fraction, "a fraction"),
):
    _check.__name__ = _name


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = _Parser(
        prog=_PROG,
        description="Serve a local AWS Clean Rooms ML emulator until interrupted.",
        epilog="Clear the request log with DELETE /_emulator/requests, everything with "
        "POST /_emulator/reset.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=_port, default=0, help="port to bind; 0 picks a free one")
    parser.add_argument(
        "--seed",
        type=_count,
        default=0,
        metavar="N",
        help="seed N related resources of each kind and print them (default: none)",
    )
    parser.add_argument(
        "--seed-file",
        type=Path,
        metavar="PATH",
        help="write the seeded resources to PATH as JSON instead of printing them",
    )
    parser.add_argument(
        "--activation-delay",
        type=_seconds,
        default=1.0,
        metavar="SECONDS",
        help="how long created resources take to become ACTIVE (default: %(default)s)",
    )
    parser.add_argument(
        "--throttle-fraction",
        type=_fraction,
        default=0.0,
        metavar="P",
        help="throttle each request with probability P (default: none)",
    )
    parser.add_argument(
        "--rate-limit",
        type=_positive,
        metavar="RPS",
        help="throttle requests beyond RPS per second (token bucket)",
    )
    parser.add_argument(
        "--burst", type=_positive, metavar="N", help="burst size of --rate-limit (default: RPS)"
    )
    parser.add_argument(
        "--latency",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="add SECONDS of delay to every request (default: none)",
    )
    parser.add_argument(
        "--request-log-limit",
        type=_count,
        default=5000,
        metavar="N",
        help="keep the last N requests in the log; 0 keeps all (default: %(default)s)",
    )
    parser.add_argument(
        "--strict-signing",
        action="store_true",
        help="verify SigV4 signatures (credentials testing/testing), region and clock skew",
    )
    args = parser.parse_args(argv)
    if args.burst is not None and args.rate_limit is None:
        parser.error("--burst needs --rate-limit")
    if args.seed_file is not None and not args.seed:
        parser.error("--seed-file needs --seed N")
    return args


def _identity(kind: str, resource: dict[str, Any]) -> str:
    spec = kinds()[kind]
    if spec.arn_member is not None:
        version = resource.get(spec.version_member or "")
        arn: str = resource[spec.arn_member]
        return arn + (f" (version {version})" if version else "")
    return ", ".join(f"{name}={resource.get(name)}" for name in spec.key)


def _seed(emulator: LocalCleanRoomsML, args: argparse.Namespace) -> str:
    """Seed; write the seed file if asked. Returns what to tell the user."""
    demo = emulator.seed_demo_data(args.seed)
    if args.seed_file is not None:
        document = {
            "collaborationId": demo.collaboration_id,
            "membershipId": demo.membership_id,
            "resources": demo.resources,
        }
        args.seed_file.write_text(json.dumps(document, indent=2), "utf-8")
        return f"seeded {args.seed} of each kind of resource; wrote them to {args.seed_file}"
    lines = [
        f"seeded {args.seed} of each kind of resource, in collaboration "
        f"{demo.collaboration_id} (membership {demo.membership_id}):"
    ]
    for kind, resources in demo.resources.items():
        lines += [f"  {kind:<36} {_identity(kind, resource)}" for resource in resources]
    return "\n".join(lines)


async def serve(args: argparse.Namespace) -> None:
    """Run until SIGINT or SIGTERM; print the endpoint URL as the first line of stdout."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Windows event loops have no signal handlers; Ctrl-C still ends asyncio.run there.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    emulator = LocalCleanRoomsML(
        args.host,
        args.port,
        activation_delay=args.activation_delay,
        strict_signing=args.strict_signing,
        request_log_limit=args.request_log_limit or None,
    )
    if args.throttle_fraction:
        emulator.faults.throttle_fraction(args.throttle_fraction, seed=None)
    if args.rate_limit is not None:
        emulator.faults.rate_limit(args.rate_limit, burst=args.burst)
    if args.latency:
        emulator.faults.latency(args.latency)
    # Seeded (and the seed file written) before the URL is printed: whoever waits for the URL
    # finds everything in place.
    seeded = _seed(emulator, args) if args.seed else None
    async with emulator:
        # A parent process reads this line from a pipe: print the bare URL and flush it.
        print(emulator.endpoint_url, flush=True)
        if seeded is not None:
            print(seeded, file=sys.stderr)
        print("Serving AWS Clean Rooms ML; press Ctrl-C to stop.", file=sys.stderr, flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    args = _parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = _one_line_warning
        try:
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(serve(args))
        except OSError as error:  # the port is taken, the host is not ours, ...
            reason = error.strerror or str(error)
            print(
                f"{_PROG}: error: cannot listen on {args.host}:{args.port}: {reason}",
                file=sys.stderr,
            )
            return 2
    return 0


def _one_line_warning(message: Warning | str, *_: Any, **__: Any) -> None:
    print(f"{_PROG}: warning: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
