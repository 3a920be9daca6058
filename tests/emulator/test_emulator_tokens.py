"""Page tokens: every edit of a token is refused (a property, checked without a server)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleanroomsml_async.testing._errors import ApiError
from cleanroomsml_async.testing._tokens import PageTokens, fingerprint

TOKENS = PageTokens()
SCOPE = fingerprint("ListAudienceExportJobs", {"audienceGenerationJobArn": "arn:x"})
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.="


@given(offset=st.integers(min_value=0, max_value=10**9))
def test_round_trip(offset: int) -> None:
    assert TOKENS.decode(TOKENS.encode(SCOPE, offset), SCOPE) == offset


@given(
    offset=st.integers(min_value=0, max_value=10**6),
    position=st.integers(min_value=0),
    replacement=st.sampled_from(ALPHABET),
)
def test_any_changed_character_is_refused(offset: int, position: int, replacement: str) -> None:
    token = TOKENS.encode(SCOPE, offset)
    index = position % len(token)
    edited = token[:index] + replacement + token[index + 1 :]
    if edited == token:
        return
    with pytest.raises(ApiError) as info:
        TOKENS.decode(edited, SCOPE)
    assert info.value.code == "ValidationException"


@given(offset=st.integers(min_value=0, max_value=10**6), cut=st.integers(min_value=1))
def test_truncated_or_extended_tokens_are_refused(offset: int, cut: int) -> None:
    token = TOKENS.encode(SCOPE, offset)
    for edited in (token[: -(cut % len(token)) or -1], token + "A", "A" + token):
        with pytest.raises(ApiError):
            TOKENS.decode(edited, SCOPE)


def test_scope_and_epoch_are_checked() -> None:
    tokens = PageTokens()
    token = tokens.encode(SCOPE, 5)
    other_scope = fingerprint("ListAudienceExportJobs", {})
    with pytest.raises(ApiError, match="different"):
        tokens.decode(token, other_scope)
    tokens.invalidate_all()
    with pytest.raises(ApiError, match="expired"):
        tokens.decode(token, SCOPE)
    with pytest.raises(ApiError, match="not a token"):
        PageTokens().decode(PageTokens().encode(SCOPE, 5), SCOPE)
