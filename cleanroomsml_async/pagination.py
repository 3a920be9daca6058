"""One generic pager for every list operation: awaitable (first page), iterable (all items).

An operation only says how to fetch a page for a token and which field of the page holds the
items. Everything else (following tokens, detecting cycles, prefetching) lives here once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator, Sequence
from typing import Any, Generic, Protocol, TypeVar

from cleanroomsml_async.errors import PaginationError

__all__ = ["AsyncPager"]


class Page(Protocol):
    """What every list response has: the token of the page after it, if any."""

    @property
    def next_token(self) -> str | None: ...


ItemT = TypeVar("ItemT")
PageT = TypeVar("PageT", bound=Page)


class AsyncPager(Generic[ItemT, PageT]):
    """The pages of one list call, fetched lazily.

    - ``await pager`` fetches the first page (one request);
    - ``async for item in pager`` yields every item of every page;
    - ``pager.pages()`` yields the pages themselves;
    - ``await pager.to_list(limit=...)`` collects items;
    - ``pager.prefetch(n)`` fetches up to ``n`` pages ahead while you work on the current one.

    A pager can be iterated again; each iteration starts over from its starting token.
    ``ItemT`` is the item model (e.g. ``AudienceExportJobSummary``) and ``PageT`` the page
    model (e.g. ``ListAudienceExportJobsResponse``, whose ``next_token`` resumes the listing).

    Raises:
        PaginationError: While iterating, when the service returns a page token it already
            returned in this iteration (following it would loop forever).
    """

    __slots__ = ("_ahead", "_fetch", "_items", "_operation_name", "_start_token")

    def __init__(
        self,
        fetch: Callable[[str | None], Awaitable[PageT]],
        items: Callable[[PageT], Sequence[ItemT]],
        *,
        operation_name: str,
        start_token: str | None = None,
        ahead: int = 0,
    ) -> None:
        self._fetch = fetch
        self._items = items
        self._operation_name = operation_name
        self._start_token = start_token
        self._ahead = ahead

    def __repr__(self) -> str:
        return f"<AsyncPager {self._operation_name} prefetch={self._ahead}>"

    def __await__(self) -> Generator[Any, None, PageT]:
        """``await pager``: the first page (one request), from the starting token if any."""
        return self._fetch(self._start_token).__await__()

    def __aiter__(self) -> AsyncIterator[ItemT]:
        """``async for item in pager``: every item of every page, pages fetched as needed."""
        return self._iterate_items()

    async def _iterate_items(self) -> AsyncIterator[ItemT]:
        async with contextlib.aclosing(self.pages()) as pages:
            async for page in pages:
                for item in self._items(page):
                    yield item

    def pages(self) -> AsyncGenerator[PageT]:
        """Every page, in order, each fetched when it is needed (or earlier, with prefetch).

        The last page is the one without a ``next_token``. The result is an async generator:
        wrap it in ``contextlib.aclosing`` to stop a prefetching iteration at once when you
        break out early.
        """
        if self._ahead:
            return self._prefetched_pages()
        return self._sequential_pages()

    async def to_list(self, limit: int | None = None) -> list[ItemT]:
        """Every item, or the first ``limit`` items; no page past the one that completes it.

        Raises:
            ValueError: ``limit`` is negative.
        """
        if limit is not None and limit < 0:
            raise ValueError("limit must not be negative")
        collected: list[ItemT] = []
        if limit == 0:
            return collected
        async with contextlib.aclosing(self.pages()) as pages:
            async for page in pages:
                collected.extend(self._items(page))
                if limit is not None and len(collected) >= limit:
                    return collected[:limit]
        return collected

    def prefetch(self, n: int = 1) -> AsyncPager[ItemT, PageT]:
        """A pager that keeps up to ``n`` page requests ahead of the consumer.

        The pages and items come in the same order, and nothing is fetched past the last page;
        only the timing changes, so page latency hides behind the consumer's work. This pager
        is left as it is.

        Raises:
            ValueError: ``n`` is less than 1.
        """
        if n < 1:
            raise ValueError("prefetch needs n >= 1")
        return AsyncPager(
            self._fetch,
            self._items,
            operation_name=self._operation_name,
            start_token=self._start_token,
            ahead=n,
        )

    def _follow(self, page: PageT, seen: set[bytes]) -> str | None:
        """The token to request next, or None at the end; refuses a token seen before."""
        token = page.next_token
        if not token:
            return None
        digest = _digest(token)
        if digest in seen:
            raise PaginationError(
                "the service returned a page token it had already returned in this "
                "iteration; stopping instead of looping forever",
                operation_name=self._operation_name,
            )
        seen.add(digest)
        return token

    def _seen_at_start(self) -> set[bytes]:
        return {_digest(self._start_token)} if self._start_token else set()

    async def _sequential_pages(self) -> AsyncGenerator[PageT]:
        token = self._start_token
        seen = self._seen_at_start()
        while True:
            page = await self._fetch(token)
            yield page
            token = self._follow(page, seen)
            if token is None:
                return

    async def _prefetched_pages(self) -> AsyncGenerator[PageT]:
        # Pages can only be fetched one after another (each token comes with the page before
        # it), so a producer task runs ahead of the consumer. A slot is taken for each page it
        # starts and given back when the consumer takes a page: at most ``n`` pages are ever
        # fetched or in flight beyond the one being worked on.
        queue: asyncio.Queue[PageT | Exception | None] = asyncio.Queue()
        slots = asyncio.Semaphore(self._ahead)

        async def produce() -> None:
            token = self._start_token
            seen = self._seen_at_start()
            try:
                while True:
                    await slots.acquire()
                    page = await self._fetch(token)
                    queue.put_nowait(page)
                    token = self._follow(page, seen)
                    if token is None:
                        break
            except Exception as error:  # raised to the consumer after the pages before it
                queue.put_nowait(error)
                return
            queue.put_nowait(None)

        producer = asyncio.create_task(produce())
        try:
            while (entry := await queue.get()) is not None:
                if isinstance(entry, Exception):
                    raise entry
                slots.release()
                yield entry
        finally:
            producer.cancel()
            # return_exceptions: the producer's own cancellation is expected; ours still raises.
            await asyncio.gather(producer, return_exceptions=True)


def _digest(token: str) -> bytes:
    """A fixed-size stand-in for a token, to remember it by.

    Why: a listing must detect any repeated token, not only the last one, so every token of
    the iteration is remembered; 16-byte digests keep that at about 80 bytes a page whatever
    the tokens' length (100,000 pages of 100-character tokens held 20 MB as strings). A
    128-bit BLAKE2b collision, which would end a listing early, is not a practical concern.
    """
    # surrogatepass: a token read from JSON may hold a lone surrogate, which strict UTF-8
    # cannot encode.
    return hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=16).digest()
