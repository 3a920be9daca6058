"""Work through a long listing across runs, resuming from a token saved in a file.

Each run processes up to ``max_pages`` pages of audience export jobs, starting where the last
run stopped. After each page it saves the page's ``next_token`` to ``token_file``, so a run
that stops on purpose resumes exactly after its last page, and one that is interrupted
repeats at most the page it was working on. The run that finishes the listing deletes the
file, so the next run starts from the beginning.

    python examples/resume_listing.py --max-pages 1                 # real AWS, one page
    python examples/resume_listing.py                               # the rest
    python examples/resume_listing.py --endpoint-url http://127.0.0.1:4566
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path

from cleanroomsml_async import CleanRoomsMLClient
from cleanroomsml_async.models import AudienceExportJobSummary

DEFAULT_TOKEN_FILE = Path("audience-export-jobs.token")


def make_client(endpoint_url: str | None) -> CleanRoomsMLClient:
    """A client for real AWS (credentials and region from the environment), or the emulator."""
    if endpoint_url is None:
        return CleanRoomsMLClient()
    return CleanRoomsMLClient(
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def load_token(token_file: Path) -> str | None:
    """The token an earlier run saved, or None to start from the beginning."""
    try:
        token = token_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return token or None


def save_token(token_file: Path, token: str | None) -> None:
    """Remember where to resume; None (the listing is done) forgets it."""
    if token:
        # Write then rename, so a crash mid-write never leaves half a token behind.
        partial = token_file.with_name(token_file.name + ".partial")
        partial.write_text(token, encoding="utf-8")
        partial.replace(token_file)
    else:
        token_file.unlink(missing_ok=True)


def process(job: AudienceExportJobSummary) -> None:
    """Your per-item work; here, a line of output."""
    print(f"{job.name:<40} {job.status:<20} {job.create_time:%Y-%m-%d %H:%M}")


async def main(
    endpoint_url: str | None = None,
    *,
    token_file: Path = DEFAULT_TOKEN_FILE,
    max_pages: int | None = None,
    page_size: int = 50,
) -> list[str]:
    """Process up to ``max_pages`` pages (all if None) from the saved token; return the names."""
    processed: list[str] = []
    async with make_client(endpoint_url) as client:
        pager = client.list_audience_export_jobs(
            max_results=page_size, next_token=load_token(token_file)
        )
        # aclosing: leaving the loop early closes the iteration at once.
        async with contextlib.aclosing(pager.pages()) as pages:
            pages_done = 0
            async for page in pages:
                for job in page.audience_export_jobs:
                    process(job)
                    processed.append(job.name)
                save_token(token_file, page.next_token)
                pages_done += 1
                if max_pages is not None and pages_done >= max_pages:
                    break
    return processed


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--endpoint-url", help="e.g. the emulator's; default: real AWS")
    parser.add_argument("--token-file", type=Path, default=DEFAULT_TOKEN_FILE)
    parser.add_argument("--max-pages", type=int, default=None, help="default: all")
    parser.add_argument("--page-size", type=int, default=50, help="1 to 100")
    args = parser.parse_args()
    names = asyncio.run(
        main(
            args.endpoint_url,
            token_file=args.token_file,
            max_pages=args.max_pages,
            page_size=args.page_size,
        )
    )
    more = "run again to continue" if args.token_file.exists() else "the listing is done"
    print(f"processed {len(names)} audience export jobs; {more}")
