"""The documentation is correct against the real API.

- Every Python snippet of the guide pages and the README runs, in page order, against an
  emulator seeded with a few resources (a snippet preceded by ``<!-- no-run: why -->`` is only
  compiled). Snippets are fragments that may use top-level ``await``; they may refer to
  ``client`` (an open ``CleanRoomsMLClient``), ``arn`` (an audience model ARN) and ``job_arn``
  (an audience generation job ARN). Clients built without an ``endpoint_url`` reach the
  emulator through ``AWS_ENDPOINT_URL``, as real user code would.
- The API reference documents every public name of the package.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
import textwrap
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

import cleanroomsml_async
import cleanroomsml_async.models
import cleanroomsml_async.testing
from cleanroomsml_async import CleanRoomsMLClient
from cleanroomsml_async.testing import LocalCleanRoomsML

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# The pages whose snippets this file runs (performance.md and reliability.md have owners of
# their own and are only compiled).
RUN_PAGES = [
    "README.md",
    "docs/index.md",
    "docs/pagination.md",
    "docs/retries.md",
    "docs/observability.md",
    "docs/errors.md",
    "docs/validation.md",
    "docs/testing.md",
]

_FENCE = re.compile(r"^[ \t]*```(?P<info>[^\n`]*)$")
_NO_RUN = re.compile(r"^\s*<!--\s*no-run\b.*-->\s*$")


@dataclass(frozen=True)
class Snippet:
    page: str
    line: int
    source: str
    run: bool


def python_snippets(page: str) -> list[Snippet]:
    """The ```python blocks of a Markdown page, dedented, with their first line number."""
    lines = (ROOT / page).read_text(encoding="utf-8").splitlines()
    snippets: list[Snippet] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        info = opening["info"].strip()
        body = textwrap.dedent("\n".join(lines[index + 1 : end]))
        previous = next((line for line in reversed(lines[:index]) if line.strip()), "")
        is_include = body.lstrip().startswith("--8<--")
        if info.split(" ")[0] in ("python", "py") and not is_include:
            run = _NO_RUN.match(previous) is None
            snippets.append(Snippet(page, index + 2, body, run))
        index = end + 1
    return snippets


def compiled(snippet: Snippet) -> Any:
    return compile(
        snippet.source,
        f"{snippet.page}:{snippet.line}",
        "exec",
        flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
        dont_inherit=True,
    )


class BackgroundEmulator:
    """An emulator serving from its own thread, so snippets may call asyncio.run()."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.emulator = LocalCleanRoomsML()

    def __enter__(self) -> LocalCleanRoomsML:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.emulator.start(), self.loop).result(timeout=30)
        return self.emulator

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self.emulator.stop(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.loop.close()


@pytest.fixture
def aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real credentials, profile or config can leak in; dummy ones are set instead."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL_CLEANROOMSML",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.chdir(tmp_path)  # snippets that write files write them here


@pytest.mark.parametrize("page", RUN_PAGES)
def test_snippets_run_against_the_emulator(
    page: str, aws_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    snippets = python_snippets(page)
    assert snippets, f"{page} has no Python snippets"
    with BackgroundEmulator() as emulator:
        demo = emulator.seed_demo_data(count=3)
        job_arn = demo.audience_generation_job_arns[0]
        emulator.add_audience_export_jobs(120, audience_generation_job_arn=job_arn)
        monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.endpoint_url)

        client = CleanRoomsMLClient(region_name="us-east-1")
        namespace: dict[str, Any] = {
            "__name__": "__snippet__",
            "client": client,
            "arn": demo.audience_model_arns[0],
            "job_arn": job_arn,
        }
        loop = asyncio.new_event_loop()
        ran = 0
        try:
            for snippet in snippets:
                code = compiled(snippet)
                if not snippet.run:
                    continue
                ran += 1
                if code.co_flags & inspect.CO_COROUTINE:
                    loop.run_until_complete(eval(code, namespace))
                else:
                    exec(code, namespace)
        finally:
            loop.run_until_complete(client.close())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
        assert ran > 0


def test_every_snippet_compiles() -> None:
    pages = ["README.md", *(str(path.relative_to(ROOT)) for path in sorted(DOCS.rglob("*.md")))]
    count = 0
    for page in pages:
        for snippet in python_snippets(page):
            compiled(snippet)
            count += 1
    assert count >= 20


def test_no_run_snippets_say_why() -> None:
    for page in RUN_PAGES:
        for snippet in python_snippets(page):
            if not snippet.run:
                text = (ROOT / page).read_text(encoding="utf-8").splitlines()
                marker = next(line for line in reversed(text[: snippet.line - 2]) if line.strip())
                assert re.search(r"no-run:\s*\S", marker), f"{page}:{snippet.line}"


# -- the API reference ------------------------------------------------------------------------


def documented_objects() -> set[int]:
    """The objects that a ``::: dotted.path`` directive of docs/reference renders."""
    found: set[int] = set()
    for page in (DOCS / "reference").glob("*.md"):
        for path in re.findall(r"^::: ([\w.]+)", page.read_text(encoding="utf-8"), re.M):
            module_name, _, attribute = path.rpartition(".")
            module = __import__(module_name, fromlist=[attribute])
            found.add(id(getattr(module, attribute)))
    return found


@pytest.mark.parametrize(
    "module",
    [cleanroomsml_async, cleanroomsml_async.models, cleanroomsml_async.testing],
    ids=lambda module: module.__name__,
)
def test_reference_documents_every_public_name(module: Any) -> None:
    documented = documented_objects()
    missing = [
        name
        for name in module.__all__
        if name != "__version__" and id(getattr(module, name)) not in documented
    ]
    assert missing == []


def test_reference_documents_the_pytest_fixtures() -> None:
    text = (DOCS / "reference" / "testing.md").read_text(encoding="utf-8")
    for fixture in ("cleanroomsml_emulator", "cleanroomsml_client"):
        assert fixture in text


def test_nav_lists_every_page() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = {str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md")}
    listed = set(re.findall(r":\s*([\w/.-]+\.md)\s*$", nav, re.M))
    assert pages == listed


# -- facts the guide states -------------------------------------------------------------------


async def test_retry_log_record_is_as_documented(caplog: pytest.LogCaptureFixture) -> None:
    from cleanroomsml_async import RetryPolicy

    page = (DOCS / "retries.md").read_text(encoding="utf-8")
    documented = re.search(r"^Retrying GetAudienceModel after .*$", page, re.M)
    assert documented is not None
    shape = re.sub(r"\d+(\.\d+)?", "#", documented[0])

    caplog.set_level("INFO", logger="cleanroomsml_async")
    async with LocalCleanRoomsML() as emulator:
        model_arn = emulator.add_audience_model()["audienceModelArn"]
        emulator.faults.throttle(1)
        policy = RetryPolicy(max_attempts=5, initial_delay=0, max_delay=0)
        async with emulator.client(retry=policy) as client:
            await client.get_audience_model(audience_model_arn=model_arn)

    [record] = [r for r in caplog.records if r.name == "cleanroomsml_async"]
    assert record.levelname == "INFO"
    assert re.sub(r"\d+(\.\d+)?", "#", record.getMessage()) == shape
    for attribute in ("operation_name", "attempt", "error_code", "delay"):
        assert f"`{attribute}`" in page
        assert hasattr(record, attribute)
    details = {name: getattr(record, name) for name in ("operation_name", "attempt", "error_code")}
    assert details == {
        "operation_name": "GetAudienceModel",
        "attempt": 1,
        "error_code": "ThrottlingException",
    }
