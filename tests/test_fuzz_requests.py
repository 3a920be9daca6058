"""Fuzzing every operation's inputs: our models and the emulator must agree on what is valid.

For each generated input, exactly one of two things happens:

- our models refuse it: ``pydantic.ValidationError``, and nothing reaches the emulator; or
- it is sent, and the emulator does not answer ``ValidationException`` (it checks inputs
  against botocore's service model on its own, independently of our models). Other answers
  (``ResourceNotFoundException`` for an unknown ARN, ``ConflictException`` for a name in use)
  are fine: they are about state, not shape.

Inputs mix valid values, boundary lengths and hostile ones (random and unicode text, control
characters, lone surrogates, ARNs with junk around or inside them, wrong types). The one
exception to the rule is ``next_token``: a forged token is well-formed for the model but not one
the service issued, which the service refuses with a ValidationException that says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleanroomsml_async import CleanRoomsMLClient, RetryPolicy, ServiceError
from cleanroomsml_async.testing import DemoData, LocalCleanRoomsML

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)


@dataclass
class World:
    loop: asyncio.AbstractEventLoop
    emulator: LocalCleanRoomsML
    client: CleanRoomsMLClient
    demo: DemoData
    outcomes: dict[str, set[str]]

    def check(self, operation: str, call: Callable[[], Awaitable[Any]]) -> str:
        """Run one call; assert the rule above; return what happened ('refused', 'ok', code)."""
        outcome = self.loop.run_until_complete(self._check(call))
        self.outcomes.setdefault(operation, set()).add(outcome)
        return outcome

    async def _check(self, call: Callable[[], Awaitable[Any]]) -> str:
        before = len(self.emulator.requests)
        refused: ServiceError | None = None
        try:
            await call()
        except pydantic.ValidationError:
            assert len(self.emulator.requests) == before, "refused, yet something was sent"
            return "refused"
        except ServiceError as error:
            refused = error
        assert len(self.emulator.requests) == before + 1
        if refused is None:
            return "ok"
        assert refused.code != "ValidationException", (
            f"our models accepted what the service refuses: {refused}; "
            f"sent {self.emulator.requests[-1]}"
        )
        return refused.code


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    loop = asyncio.new_event_loop()
    emulator = LocalCleanRoomsML()
    loop.run_until_complete(emulator.start())
    demo = emulator.seed_demo_data(3)
    client = emulator.client(retry=RetryPolicy(max_attempts=1))
    loop.run_until_complete(client.__aenter__())
    found = World(loop, emulator, client, demo, {})
    try:
        yield found
    finally:
        loop.run_until_complete(client.close())
        loop.run_until_complete(emulator.stop())
        loop.close()
    # Both sides of the rule were exercised for every operation (the fuzzing's own control).
    for operation, seen in found.outcomes.items():
        assert "refused" in seen, f"{operation}: no input was refused"
        assert seen - {"refused"}, f"{operation}: no input was sent"


# -- strategies -----------------------------------------------------------------------------

HOSTILE_CHARACTERS = st.sampled_from(
    ["\x00", "\t", "\n", "\r", " ", "\u0085", "\u2028", "\ud800", "\udfff", "\ufffe", "é", "名",
     "😀", "/", "%", "?", "#", "&", "=", "+", "\\", '"', "'", "*", ":", "\u200b"]
)  # fmt: skip
TEXT = st.one_of(
    st.text(max_size=80),
    st.text(st.characters(codec="ascii"), max_size=80),
    st.text(st.one_of(HOSTILE_CHARACTERS, st.characters()), max_size=20),
    st.lists(HOSTILE_CHARACTERS, max_size=8).map("".join),
)


def around(text: int) -> st.SearchStrategy[str]:
    """Strings right at, and one past, a length limit."""
    return st.sampled_from([text - 1, text, text + 1]).flatmap(
        lambda n: st.sampled_from(["a" * max(n, 0), "é" * max(n, 0), " " * max(n, 0)])
    )


def damaged(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A valid value with junk before, after or inside it, cut short, or changed in case."""
    return st.one_of(
        st.tuples(valid, TEXT).map(lambda p: p[0] + p[1]),
        st.tuples(TEXT, valid).map(lambda p: p[0] + p[1]),
        st.tuples(valid, TEXT, st.integers(0, 200)).map(
            lambda p: p[0][: p[2]] + p[1] + p[0][p[2] :]
        ),
        st.tuples(valid, st.integers(0, 80)).map(lambda p: p[0][: p[1]]),
        valid.map(str.upper),
        valid.map(lambda v: v.replace(":", "::", 1)),
        valid.map(lambda v: v + "/" + "x" * (2048 - len(v))),  # over the 2048 limit
        valid.map(lambda v: v + "/" + "x" * (2047 - len(v) - 1)),  # right at it
    )


def field(valid: st.SearchStrategy[Any], *hostile: st.SearchStrategy[Any]) -> Any:
    """Valid values half the time; otherwise anything from the hostile strategies, or None."""
    wrong_types = st.one_of(st.integers(), st.booleans(), st.floats(), st.lists(st.integers()))
    return st.one_of(valid, valid, st.one_of(*hostile, wrong_types, st.none()))


def uuids(world: World) -> st.SearchStrategy[str]:
    return st.one_of(st.uuids().map(str), st.just(world.demo.collaboration_id))


# -- one property per operation ---------------------------------------------------------------


def test_list_audience_export_jobs_inputs(world: World) -> None:
    arns = st.one_of(
        st.sampled_from(world.demo.audience_generation_job_arns),
        st.builds(world.emulator.arns.audience_generation_job),
    )

    @SETTINGS
    @given(
        arn=field(arns, damaged(arns), TEXT),
        max_results=field(st.integers(1, 100), st.integers(), st.sampled_from([0, 101, -1])),
    )
    def check(arn: Any, max_results: Any) -> None:
        world.check(
            "ListAudienceExportJobs",
            lambda: world.client.list_audience_export_jobs(
                audience_generation_job_arn=arn, max_results=max_results
            ),
        )

    check()


def test_list_audience_generation_jobs_inputs(world: World) -> None:
    arns = st.one_of(
        st.sampled_from(world.demo.configured_audience_model_arns),
        st.builds(world.emulator.arns.configured_audience_model),
    )

    @SETTINGS
    @given(
        arn=field(arns, damaged(arns), TEXT),
        collaboration=field(uuids(world), damaged(uuids(world)), TEXT, around(36)),
        max_results=field(st.integers(1, 100), st.integers()),
    )
    def check(arn: Any, collaboration: Any, max_results: Any) -> None:
        world.check(
            "ListAudienceGenerationJobs",
            lambda: world.client.list_audience_generation_jobs(
                configured_audience_model_arn=arn,
                collaboration_id=collaboration,
                max_results=max_results,
            ),
        )

    check()


def test_list_collaboration_trained_model_export_jobs_inputs(world: World) -> None:
    arns = st.one_of(
        st.just(world.demo.trained_model_arn), st.builds(world.emulator.arns.trained_model)
    )
    versions = st.one_of(st.sampled_from(world.demo.trained_model_version_ids), uuids(world))

    @SETTINGS
    @given(
        collaboration=field(uuids(world), damaged(uuids(world)), TEXT),
        arn=field(arns, damaged(arns), TEXT),
        version=field(versions, damaged(versions), TEXT),
        max_results=field(st.integers(1, 100), st.integers()),
    )
    def check(collaboration: Any, arn: Any, version: Any, max_results: Any) -> None:
        world.check(
            "ListCollaborationTrainedModelExportJobs",
            lambda: world.client.list_collaboration_trained_model_export_jobs(
                collaboration_identifier=collaboration,
                trained_model_arn=arn,
                trained_model_version_identifier=version,
                max_results=max_results,
            ),
        )

    check()


def test_get_audience_model_inputs(world: World) -> None:
    arns = st.one_of(
        st.sampled_from(world.demo.audience_model_arns),
        st.builds(world.emulator.arns.audience_model),
        st.text("abcXYZ019-_/.", min_size=1, max_size=40).map(
            lambda tail: world.emulator.arns.audience_model(tail)
        ),
    )

    @SETTINGS
    @given(arn=field(arns, damaged(arns), TEXT, around(2048)))
    def check(arn: Any) -> None:
        world.check(
            "GetAudienceModel", lambda: world.client.get_audience_model(audience_model_arn=arn)
        )

    check()


def test_start_audience_export_job_inputs(world: World) -> None:
    arns = st.one_of(
        st.sampled_from(world.demo.audience_generation_job_arns),
        st.builds(world.emulator.arns.audience_generation_job),
    )
    names = st.text(
        st.characters(min_codepoint=0x20, max_codepoint=0x2FFF), min_size=1, max_size=63
    ).filter(lambda name: name.strip())
    sizes = st.fixed_dictionaries(
        {
            "type": field(st.sampled_from(["ABSOLUTE", "PERCENTAGE"]), TEXT),
            "value": field(st.integers(1, 20_000_000), st.integers(), st.sampled_from([0])),
        }
    )

    @SETTINGS
    @given(
        name=field(names, TEXT, around(63), around(1)),
        arn=field(arns, damaged(arns), TEXT),
        size=field(sizes, st.dictionaries(TEXT, st.integers(), max_size=3)),
        description=field(st.text(max_size=255), TEXT, around(255)),
    )
    def check(name: Any, arn: Any, size: Any, description: Any) -> None:
        world.check(
            "StartAudienceExportJob",
            lambda: world.client.start_audience_export_job(
                name=name, audience_generation_job_arn=arn, audience_size=size,
                description=description,
            ),
        )  # fmt: skip

    check()


def test_forged_next_tokens_are_refused_before_sending_or_as_forged(world: World) -> None:
    """Any token the model accepts is sent; the service refuses it as not one it issued."""

    @SETTINGS
    @given(token=st.one_of(TEXT, around(10240), st.integers(), st.none()))
    def check(token: Any) -> None:
        async def call() -> Any:
            return await world.client.list_audience_export_jobs(next_token=token)

        before = len(world.emulator.requests)
        outcomes = world.outcomes.setdefault("forged nextToken", set())
        refused: ServiceError | None = None
        try:
            world.loop.run_until_complete(call())
        except pydantic.ValidationError:
            assert len(world.emulator.requests) == before
            outcomes.add("refused")
            return
        except ServiceError as error:
            refused = error
        if refused is None:
            assert token is None  # only "no token" starts a listing
            return
        assert refused.code == "ValidationException"
        assert "token" in refused.message.lower()
        outcomes.add(refused.code)

    check()
