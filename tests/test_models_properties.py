"""Property tests: every constrained request field accepts what the service accepts and
refuses what it refuses, over generated values rather than a handful of examples."""

from __future__ import annotations

import re
from typing import Any

import botocore.session
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel

from cleanroomsml_async.models import (
    AudienceSizeType,
    GetAudienceModelRequest,
    ListAudienceExportJobsRequest,
    ListAudienceGenerationJobsRequest,
    ListCollaborationTrainedModelExportJobsRequest,
    StartAudienceExportJobRequest,
)

FEW = settings(max_examples=50, deadline=None)

SERVICE: Any = botocore.session.get_session().get_service_model("cleanroomsml")


def meta(shape_name: str) -> dict[str, Any]:
    return dict(SERVICE.shape_for(shape_name).metadata)


def limited_regex(shape_name: str) -> st.SearchStrategy[str]:
    """Values that fully match the shape's pattern, within its length limits."""
    m = meta(shape_name)
    lo, hi = m.get("min", 0), m.get("max", 10**9)
    return st.from_regex(m["pattern"], fullmatch=True).filter(lambda s: lo <= len(s) <= hi)


GEN_JOB_ARN = limited_regex("AudienceGenerationJobArn")
CAM_ARN = limited_regex("ConfiguredAudienceModelArn")
MODEL_ARN = limited_regex("AudienceModelArn")
TRAINED_MODEL_ARN = limited_regex("TrainedModelArn")
UUIDS = limited_regex("UUID")

# Java-style patterns that pydantic's Rust engine cannot compile and hypothesis cannot read
# (look-ahead, surrogate ranges): their languages written out by hand.
_BMP_TEXT = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0xD7FF),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFD),
    st.just("\t"),
)
# NameString's look-ahead (?!\s*$) refuses ASCII blanks alone, optionally followed by one final
# line terminator: Java's $ matches before any of them (U+0085, U+2028, U+2029 included).
_ASCII_BLANKS = {" ", "\t"}  # the only ASCII whitespace in the character class
_BLANK_NAME = re.compile(r"[ \t]*(?:\r\n|[\n\r\x85\u2028\u2029])?")
NAMES = st.text(_BMP_TEXT, min_size=1, max_size=63).filter(lambda s: not _BLANK_NAME.fullmatch(s))
DESCRIPTIONS = st.text(st.one_of(_BMP_TEXT, st.sampled_from("\r\n")), max_size=255)
TOKENS = st.text(min_size=1, max_size=10240)
MAX_RESULTS = st.integers(min_value=1, max_value=100)
SIZE_VALUES = st.integers(min_value=1, max_value=20_000_000)
SIZES = st.fixed_dictionaries(
    {"type": st.sampled_from([t.value for t in AudienceSizeType]), "value": SIZE_VALUES}
)

ArnField = tuple[type[BaseModel], str, st.SearchStrategy[str]]
ARN_FIELDS: list[ArnField] = [
    (ListAudienceExportJobsRequest, "audienceGenerationJobArn", GEN_JOB_ARN),
    (ListAudienceGenerationJobsRequest, "configuredAudienceModelArn", CAM_ARN),
    (StartAudienceExportJobRequest, "audienceGenerationJobArn", GEN_JOB_ARN),
    (ListCollaborationTrainedModelExportJobsRequest, "trainedModelArn", TRAINED_MODEL_ARN),
    (GetAudienceModelRequest, "audienceModelArn", MODEL_ARN),
]

# The valid request each field is tried in: only the field under test changes.
ARN = "arn:aws:cleanrooms-ml:us-east-1:123456789012:audience-generation-job/agj-1"
UUID = "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"
BASE: dict[type[BaseModel], dict[str, Any]] = {
    ListAudienceExportJobsRequest: {},
    ListAudienceGenerationJobsRequest: {},
    StartAudienceExportJobRequest: {
        "name": "export",
        "audienceGenerationJobArn": ARN,
        "audienceSize": {"type": "ABSOLUTE", "value": 1000},
    },
    ListCollaborationTrainedModelExportJobsRequest: {
        "collaborationIdentifier": UUID,
        "trainedModelArn": (
            f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{UUID}/trained-model/tm"
        ),
    },
    GetAudienceModelRequest: {
        "audienceModelArn": "arn:aws:cleanrooms-ml:us-east-1:123456789012:audience-model/am"
    },
}
LIST_REQUESTS: list[type[BaseModel]] = [
    ListAudienceExportJobsRequest,
    ListAudienceGenerationJobsRequest,
    ListCollaborationTrainedModelExportJobsRequest,
]


def accepted(cls: type[BaseModel], **fields: object) -> BaseModel:
    made = cls.model_validate({**BASE[cls], **fields})
    dumped = made.model_dump(by_alias=True)
    for alias, value in fields.items():
        assert dumped[alias] == value
    return made


def refused(cls: type[BaseModel], **fields: object) -> None:
    with pytest.raises(ValidationError) as info:
        cls.model_validate({**BASE[cls], **fields})
    locs = {to_camel(str(e["loc"][0])) for e in info.value.errors()}
    assert locs <= set(fields), f"unexpected error location: {info.value}"


def test_the_hand_written_strategies_follow_the_service_model() -> None:
    # NameString and ResourceDescription are written out by hand above; if the service model
    # changes them, this fails and the strategies must be revisited.
    assert meta("NameString") == {
        "min": 1,
        "max": 63,
        "pattern": "(?!\\s*$)[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDBFF-\\uDC00\\uDFFF\\t]*",
    }
    assert meta("ResourceDescription") == {
        "min": 0,
        "max": 255,
        "pattern": "[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDBFF-\\uDC00\\uDFFF\\t\\r\\n]*",
    }
    assert meta("NextToken") == {"min": 1, "max": 10240}
    assert meta("MaxResults") == {"min": 1, "max": 100}
    assert meta("AudienceSizeValue") == {"min": 1, "max": 20000000}


# -- valid values are accepted --------------------------------------------------------------


@FEW
@given(field=st.sampled_from(ARN_FIELDS), data=st.data())
def test_arns_matching_the_pattern_are_accepted(field: ArnField, data: st.DataObject) -> None:
    cls, alias, arns = field
    accepted(cls, **{alias: data.draw(arns)})


@FEW
@given(uuid=UUIDS, version=UUIDS)
def test_uuids_are_accepted(uuid: str, version: str) -> None:
    accepted(
        ListCollaborationTrainedModelExportJobsRequest,
        collaborationIdentifier=uuid,
        trainedModelVersionIdentifier=version,
    )
    accepted(ListAudienceGenerationJobsRequest, collaborationId=uuid)


@FEW
@given(name=NAMES, description=DESCRIPTIONS)
def test_names_and_descriptions_in_the_character_set_are_accepted(
    name: str, description: str
) -> None:
    accepted(StartAudienceExportJobRequest, name=name, description=description)


@pytest.mark.parametrize("cls", LIST_REQUESTS)
@FEW
@given(token=TOKENS, max_results=MAX_RESULTS)
def test_tokens_and_page_sizes_in_range_are_accepted(
    cls: type[BaseModel], token: str, max_results: int
) -> None:
    accepted(cls, nextToken=token, maxResults=max_results)


@FEW
@given(size=SIZES)
def test_audience_sizes_in_range_are_accepted(size: dict[str, Any]) -> None:
    accepted(StartAudienceExportJobRequest, audienceSize=size)


# -- ill-formed values are refused ----------------------------------------------------------

# A character that can appear nowhere in an ARN's resource part, so junk cannot extend it.
_ARN_BREAKERS = st.characters(exclude_characters="-_/.", exclude_categories=["Nd", "Lu", "Ll"])
JUNK = st.builds(lambda c, rest: c + rest, _ARN_BREAKERS, st.text(max_size=10))


@FEW
@given(field=st.sampled_from(ARN_FIELDS), data=st.data(), junk=st.text(min_size=1, max_size=10))
def test_arns_with_junk_before_are_refused(
    field: ArnField, data: st.DataObject, junk: str
) -> None:
    cls, alias, arns = field
    refused(cls, **{alias: junk + data.draw(arns)})


@FEW
@given(field=st.sampled_from(ARN_FIELDS), data=st.data(), junk=JUNK)
def test_arns_with_junk_after_are_refused(field: ArnField, data: st.DataObject, junk: str) -> None:
    cls, alias, arns = field
    refused(cls, **{alias: data.draw(arns) + junk})


@FEW
@given(field=st.sampled_from(ARN_FIELDS), data=st.data())
def test_arns_with_a_newline_appended_are_refused(field: ArnField, data: st.DataObject) -> None:
    cls, alias, arns = field
    refused(cls, **{alias: data.draw(arns) + "\n"})


@FEW
@given(field=st.sampled_from(ARN_FIELDS), data=st.data(), digits=st.sampled_from([11, 13]))
def test_arns_whose_account_id_is_not_twelve_digits_are_refused(
    field: ArnField, data: st.DataObject, digits: int
) -> None:
    cls, alias, arns = field
    arn = data.draw(arns)
    parts = arn.split(":")
    assert len(parts[4]) == 12
    account = data.draw(st.from_regex(f"[0-9]{{{digits}}}", fullmatch=True))
    bad = ":".join([*parts[:4], account, *parts[5:]])
    refused(cls, **{alias: bad})
    accepted(cls, **{alias: arn})


@FEW
@given(field=st.sampled_from(ARN_FIELDS), data=st.data())
def test_arns_over_the_maximum_length_are_refused(field: ArnField, data: st.DataObject) -> None:
    cls, alias, arns = field
    arn = data.draw(arns)
    longest = meta(SERVICE.shape_for(cls.__name__).members[alias].name)["max"]
    extra = data.draw(st.integers(min_value=1, max_value=100))
    refused(cls, **{alias: arn + "a" * (longest - len(arn) + extra)})
    accepted(cls, **{alias: arn + "a" * (longest - len(arn))})


@FEW
@given(uuid=UUIDS, junk=st.text(min_size=1, max_size=5), before=st.booleans())
def test_uuids_with_junk_are_refused(uuid: str, junk: str, before: bool) -> None:
    bad = junk + uuid if before else uuid + junk
    refused(ListCollaborationTrainedModelExportJobsRequest, collaborationIdentifier=bad)
    refused(ListCollaborationTrainedModelExportJobsRequest, trainedModelVersionIdentifier=bad)
    refused(ListAudienceGenerationJobsRequest, collaborationId=bad)


@FEW
@given(uuid=UUIDS, data=st.data())
def test_uuids_with_an_upper_case_digit_are_refused(uuid: str, data: st.DataObject) -> None:
    letters = [i for i, c in enumerate(uuid) if c in "abcdef"]
    if not letters:
        uuid, letters = "a" + uuid[1:], [0]
    i = data.draw(st.sampled_from(letters))
    refused(
        ListAudienceGenerationJobsRequest,
        collaborationId=uuid[:i] + uuid[i].upper() + uuid[i + 1 :],
    )


@FEW
@given(name=st.text(st.sampled_from(sorted(_ASCII_BLANKS)), min_size=1, max_size=63))
def test_whitespace_only_names_are_refused(name: str) -> None:
    refused(StartAudienceExportJobRequest, name=name)


@FEW
@given(name=NAMES)
def test_names_with_a_newline_appended_are_refused(name: str) -> None:
    refused(StartAudienceExportJobRequest, name=name[:62] + "\n")


@FEW
@given(
    name=NAMES,
    bad=st.one_of(
        st.characters(max_codepoint=0x1F, exclude_characters="\t"),
        st.characters(min_codepoint=0xFFFE, max_codepoint=0xFFFF),
        st.characters(min_codepoint=0x10000),
    ),
    data=st.data(),
)
def test_names_with_a_character_outside_the_set_are_refused(
    name: str, bad: str, data: st.DataObject
) -> None:
    name = name[:62]
    at = data.draw(st.integers(min_value=0, max_value=len(name)))
    refused(StartAudienceExportJobRequest, name=name[:at] + bad + name[at:])


@FEW
@given(name=st.text(_BMP_TEXT, min_size=64, max_size=100))
def test_names_over_the_maximum_length_are_refused(name: str) -> None:
    refused(StartAudienceExportJobRequest, name=name)


@FEW
@given(description=st.text(_BMP_TEXT, min_size=256, max_size=300))
def test_descriptions_over_the_maximum_length_are_refused(description: str) -> None:
    refused(StartAudienceExportJobRequest, description=description)


@pytest.mark.parametrize("cls", LIST_REQUESTS)
@FEW
@given(extra=st.integers(min_value=1, max_value=1000))
def test_tokens_over_the_maximum_length_are_refused(cls: type[BaseModel], extra: int) -> None:
    refused(cls, nextToken="t" * (10240 + extra))


@pytest.mark.parametrize("cls", LIST_REQUESTS)
@FEW
@given(value=st.integers().filter(lambda n: not 1 <= n <= 100))
def test_page_sizes_out_of_range_are_refused(cls: type[BaseModel], value: int) -> None:
    refused(cls, maxResults=value)


@FEW
@given(
    value=st.integers().filter(lambda n: not 1 <= n <= 20_000_000),
    kind=st.sampled_from(["ABSOLUTE", "PERCENTAGE"]),
)
def test_audience_sizes_out_of_range_are_refused(value: int, kind: str) -> None:
    refused(StartAudienceExportJobRequest, audienceSize={"type": kind, "value": value})


@FEW
@given(
    value=st.one_of(
        st.booleans(),
        st.integers(min_value=1, max_value=100).map(str),
        st.integers(min_value=1, max_value=100).map(float),
    )
)
def test_non_integers_for_integers_are_refused(value: object) -> None:
    for cls in LIST_REQUESTS:
        refused(cls, maxResults=value)
    refused(StartAudienceExportJobRequest, audienceSize={"type": "ABSOLUTE", "value": value})


@FEW
@given(value=st.one_of(st.integers(), st.floats(), st.booleans(), st.binary(min_size=1)))
def test_non_strings_for_strings_are_refused(value: object) -> None:
    refused(StartAudienceExportJobRequest, name=value)
    refused(StartAudienceExportJobRequest, description=value)
    refused(GetAudienceModelRequest, audienceModelArn=value)
    refused(ListAudienceExportJobsRequest, nextToken=value)


@FEW
@given(kind=st.text().filter(lambda s: s not in {t.value for t in AudienceSizeType}))
def test_audience_size_types_outside_the_enum_are_refused(kind: str) -> None:
    refused(StartAudienceExportJobRequest, audienceSize={"type": kind, "value": 10})


@pytest.mark.parametrize("cls", list(BASE), ids=lambda cls: cls.__name__)
@FEW
@given(key=st.text(min_size=1, max_size=20), value=st.none() | st.integers() | st.text())
def test_unknown_fields_are_refused(cls: type[BaseModel], key: str, value: object) -> None:
    known = set(cls.model_fields) | {f.alias for f in cls.model_fields.values()}
    if key in known:
        key = key + "_x"
    with pytest.raises(ValidationError) as info:
        cls.model_validate({**BASE[cls], key: value})
    assert [e["type"] for e in info.value.errors()] == ["extra_forbidden"]
