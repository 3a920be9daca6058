"""Generate ``cleanroomsml_async/models.py`` from botocore's service model for Clean Rooms ML.

The service model is the machine-readable truth: shapes, required members, constraints and
documentation. Hand-copying them drifts; generating them does not. The output is committed, and
``tests/test_models_generated.py`` fails when it no longer matches what this script writes.

    python scripts/generate_models.py            # rewrite the module
    python scripts/generate_models.py --check    # exit 1 if the committed module is stale
"""

from __future__ import annotations

import argparse
import html.parser
import json
import re
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StructureShape
from pydantic.alias_generators import to_camel, to_snake

from cleanroomsml_async._java_regex import whole_value

OPERATIONS = (
    "ListAudienceExportJobs",
    "ListAudienceGenerationJobs",
    "StartAudienceExportJob",
    "ListCollaborationTrainedModelExportJobs",
    "GetAudienceModel",
)
TARGET = Path(__file__).resolve().parent.parent / "cleanroomsml_async" / "models.py"
WIDTH = 99


class _TextFromHtml(html.parser.HTMLParser):
    """Service docs are HTML; docstrings are plain text with backticks for code."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "ul", "ol"):
            self.parts.append("\n\n")
        elif tag == "li":
            self.parts.append("\n\n- ")
        elif tag == "code":
            self.parts.append("`")

    def handle_endtag(self, tag: str) -> None:
        if tag == "code":
            self.parts.append("`")
        elif tag in ("p", "ul", "ol"):
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(doc: str) -> str:
    """The documentation of a shape or member as plain paragraphs."""
    parser = _TextFromHtml()
    parser.feed(doc)
    text = "".join(parser.parts)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def docstring(doc: str, indent: str, *, notes: tuple[str, ...] = ()) -> list[str]:
    """A wrapped triple-quoted docstring, or nothing when there is nothing to say.

    ``doc`` is the service's HTML documentation; ``notes`` are plain-text paragraphs of our own
    appended after it (they may hold regexes, so they do not go through the HTML parser).
    """
    text = "\n\n".join(part for part in (plain_text(doc), *notes) if part)
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if not text:
        return []
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        if lines:
            lines.append("")
        lines.extend(
            textwrap.wrap(
                paragraph,
                WIDTH - len(indent),
                break_long_words=False,
                break_on_hyphens=False,
                subsequent_indent="  " if paragraph.startswith("- ") else "",
            )
        )
    if len(lines) == 1 and len(indent) + len(lines[0]) + 6 <= WIDTH:
        return [f'{indent}"""{lines[0]}"""']
    body = [f"{indent}{line}" if line else "" for line in lines]
    return [f'{indent}"""', *body, f'{indent}"""']


def py_str(value: str) -> str:
    """A double-quoted Python literal (what ruff's formatter would write)."""
    return json.dumps(value)


@dataclass
class Directions:
    """Which way each shape travels: in a request, in a response, or both."""

    sent: set[str] = field(default_factory=set)
    received: set[str] = field(default_factory=set)


def enum_values(shape: Shape) -> list[str]:
    return list(shape.metadata.get("enum", ()))


def request_doc(operation: str, documentation: str) -> list[str]:
    """The docstring paragraphs of an operation's input model."""
    method = to_snake(operation)
    return [
        f"What ``{operation}`` takes: the arguments of ``CleanRoomsMLClient.{method}``.",
        f"``{operation}``: {plain_text(documentation)}",
        "Give the fields to the client method as keyword arguments, or pass this model as its "
        "only positional argument. The model is checked when it is built, as strictly as the "
        "service checks it: a value the service would refuse raises ``pydantic.ValidationError`` "
        "before anything is sent.",
    ]


def response_doc(operation: str, documentation: str, *, paged: bool) -> list[str]:
    """The docstring paragraphs of an operation's output model."""
    method = to_snake(operation)
    if paged:
        what = (
            f"one page of ``CleanRoomsMLClient.{method}``, as ``await``-ing its pager or "
            "iterating ``pages()`` gives it"
        )
    else:
        what = f"the result of ``CleanRoomsMLClient.{method}``"
    return [
        f"What ``{operation}`` returns: {what}.",
        f"``{operation}``: {plain_text(documentation)}",
    ]


def constraint_note(shape: Shape) -> str:
    """What a request member must be, in words: the checks its model applies before sending."""
    if isinstance(shape, StructureShape):
        members = " and ".join(
            f"``{to_snake(name)}`` must be {constraint(member)}"
            for name, member in shape.members.items()
        )
        return f"An ``{shape.name}`` model or a mapping of its fields; as sent, {members}."
    phrase = constraint(shape)
    return f"{phrase[0].upper()}{phrase[1:]}." if phrase else ""


def constraint(shape: Shape) -> str:
    """The checks on one sent scalar or enum, as a phrase ("an ``int`` from 1 to 100")."""
    meta = shape.metadata
    if enum_values(shape):
        values = ", ".join(f"``{value}``" for value in enum_values(shape))
        return f"one of {values} (``{shape.name}`` members, or their strings)"
    low, high = meta.get("min"), meta.get("max")
    if shape.type_name in ("integer", "long"):
        return "an ``int``" + ("" if low is None or high is None else f" from {low} to {high}")
    if shape.type_name != "string":
        return ""
    text = "a ``str``"
    if low is not None and high is not None:
        text += (
            f" of exactly {low} characters" if low == high else f" of {low} to {high} characters"
        )
    if "pattern" in meta:
        text += f", all of it matching ``{meta['pattern']}``"
    return text


def walk(shape: Shape) -> Iterator[Shape]:
    yield shape
    if isinstance(shape, StructureShape):
        for member in shape.members.values():
            yield from walk(member)
    elif isinstance(shape, ListShape):
        yield from walk(shape.member)
    elif isinstance(shape, MapShape):
        yield from walk(shape.key)
        yield from walk(shape.value)


class Generator:
    def __init__(self) -> None:
        self.model = botocore.session.get_session().get_service_model("cleanroomsml")
        self.directions = Directions()
        self.structures: dict[str, StructureShape] = {}
        self.enums: dict[str, Shape] = {}
        self.scalars: dict[str, Shape] = {}
        self.roots: dict[str, list[str]] = {}
        for name in OPERATIONS:
            op = self.model.operation_model(name)
            self.roots[op.input_shape.name] = request_doc(name, op.documentation)
            if op.output_shape is not None:
                self.roots[op.output_shape.name] = response_doc(
                    name, op.documentation, paged="nextToken" in op.output_shape.members
                )
            for root, seen in (
                (op.input_shape, self.directions.sent),
                (op.output_shape, self.directions.received),
            ):
                if root is None:
                    continue
                for shape in walk(root):
                    seen.add(shape.name)
                    # A member's shape object carries the member's documentation; the class
                    # docstring wants the shape's own, hence shape_for().
                    if isinstance(shape, StructureShape):
                        self.structures.setdefault(shape.name, self.model.shape_for(shape.name))
                    elif enum_values(shape):
                        self.enums.setdefault(shape.name, self.model.shape_for(shape.name))
                    elif shape.name in self.directions.sent and shape.type_name != "list":
                        self.scalars.setdefault(shape.name, self.model.shape_for(shape.name))

    # -- naming ------------------------------------------------------------------------------

    def shared(self, name: str) -> bool:
        return name in self.directions.sent and name in self.directions.received

    def strict_twin(self, name: str) -> str:
        return f"_{name}Sent"

    # -- field types -------------------------------------------------------------------------

    def sent_type(self, shape: Shape) -> str:
        if isinstance(shape, StructureShape):
            if self.shared(shape.name):
                return f"Annotated[{shape.name}, checked_as({self.strict_twin(shape.name)})]"
            return str(shape.name)
        if enum_values(shape):
            return f"Annotated[{shape.name}, TEXT_ONLY]"
        return f"_{shape.name}"

    def scalar_alias(self, shape: Shape) -> list[str]:
        """A module-level alias carrying a sent scalar's constraints, one line per argument."""
        meta = shape.metadata
        constraints = ["strict=True"]
        if shape.type_name == "string":
            if "min" in meta:
                constraints.append(f"min_length={meta['min']}")
            if "max" in meta:
                constraints.append(f"max_length={meta['max']}")
            if "pattern" in meta:
                constraints.append(f"pattern={py_str(whole_value(meta['pattern']))}")
            python_type = "str"
        elif shape.type_name in ("integer", "long"):
            if "min" in meta:
                constraints.append(f"ge={meta['min']}")
            if "max" in meta:
                constraints.append(f"le={meta['max']}")
            python_type = "int"
        else:
            raise NotImplementedError(f"no sent form for {shape.name} ({shape.type_name})")
        return [
            f"_{shape.name} = Annotated[",
            f"    {python_type},",
            "    Field(",
            *[f"        {constraint}," for constraint in constraints],
            "    ),",
            "]",
        ]

    def received_type(self, shape: Shape) -> str:
        if isinstance(shape, StructureShape):
            return str(shape.name)
        if isinstance(shape, ListShape):
            return f"list[{self.received_type(shape.member)}]"
        if isinstance(shape, MapShape):
            key, value = self.received_type(shape.key), self.received_type(shape.value)
            return f"dict[{key}, {value}]"
        if enum_values(shape):
            return f"Annotated[{shape.name} | str, OPEN_ENUM]"
        simple = {
            "string": "str",
            "integer": "int",
            "long": "int",
            "boolean": "bool",
            "double": "float",
            "float": "float",
            "timestamp": "UtcDatetime",
        }
        return simple[shape.type_name]

    # -- emitters ----------------------------------------------------------------------------

    def enum_class(self, shape: Shape) -> list[str]:
        lines = [f"class {shape.name}(StrEnum):"]
        users = ", ".join(
            f"``{structure}.{to_snake(member_name)}``"
            for structure, structure_shape in self.structures.items()
            for member_name, member in structure_shape.members.items()
            if member.name == shape.name
        )
        if shape.name in self.directions.sent:
            accepted = "A request accepts only these values. "
        else:
            accepted = ""
        example = enum_values(shape)[0]
        lines += docstring(
            shape.documentation,
            "    ",
            notes=(
                f"The values of the service's ``{shape.name}``, used by {users}. Members are "
                f'strings and compare equal to them (``{shape.name}.{example} == "{example}"``).',
                f"{accepted}In a response, a value that this version does not know is kept as "
                "a plain ``str`` rather than refused, so code that branches on the members "
                "needs a fallback for other strings.",
            ),
        )
        lines.append("")
        lines += [f"    {value} = {py_str(value)}" for value in enum_values(shape)]
        return lines

    def structure_class(self, shape: StructureShape, *, sent: bool, name: str) -> list[str]:
        base = "RequestModel" if sent else "ResponseModel"
        lines = [f"class {name}({base}):"]
        if name != shape.name:
            doc = [f'    """``{shape.name}`` as sent: the service\'s constraints apply."""']
        elif shape.name in self.roots:
            doc = docstring(shape.documentation, "    ", notes=tuple(self.roots[shape.name]))
        else:
            doc = docstring(shape.documentation, "    ")
        lines += doc or [f'    """The service\'s ``{shape.name}``."""']
        required = set(shape.required_members)
        for member_name, member in shape.members.items():
            python_name = to_snake(member_name)
            annotation = self.sent_type(member) if sent else self.received_type(member)
            if to_camel(python_name) != member_name:
                raise NotImplementedError(f"{shape.name}.{member_name} needs an explicit alias")
            lines.append("")
            if member_name in required:
                lines.append(f"    {python_name}: {annotation}")
            else:
                lines.append(f"    {python_name}: {annotation} | None = None")
            notes = (constraint_note(member),) if sent and name == shape.name else ()
            lines += docstring(member.documentation, "    ", notes=tuple(n for n in notes if n))
        return lines

    def render(self) -> str:
        out = [
            '"""Pydantic models of every shape the five Clean Rooms ML operations use.',
            "",
            "GENERATED by scripts/generate_models.py from botocore's service model",
            f"(cleanroomsml {self.model.api_version}); do not edit by hand.",
            "",
            "Requests are strict and refuse bad input before anything is sent; responses are",
            "lenient about what a newer service may add. See ``cleanroomsml_async._modelbase``.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            "from enum import StrEnum",
            "from typing import Annotated",
            "",
            "from pydantic import Field",
            "",
            "from cleanroomsml_async._modelbase import (",
            "    OPEN_ENUM,",
            "    TEXT_ONLY,",
            "    RequestModel,",
            "    ResponseModel,",
            "    UtcDatetime,",
            "    checked_as,",
            ")",
            "",
        ]
        public = sorted([*self.enums, *self.structures])
        out.append("__all__ = [")
        out += [f"    {py_str(name)}," for name in public]
        out.append("]")
        for shape in self.enums.values():
            out += ["", "", *self.enum_class(shape)]
        out.append("")
        for shape in self.scalars.values():
            out += ["", *self.scalar_alias(shape)]
        for shape in self.ordered_structures():
            received = shape.name in self.directions.received
            out += ["", "", *self.structure_class(shape, sent=not received, name=shape.name)]
            if self.shared(shape.name):
                twin = self.strict_twin(shape.name)
                out += ["", "", *self.structure_class(shape, sent=True, name=twin)]
        return "\n".join(out) + "\n"

    def ordered_structures(self) -> list[StructureShape]:
        """Nested shapes before the shapes that hold them, so no forward references remain."""
        ordered: list[StructureShape] = []

        def visit(shape: StructureShape) -> None:
            if shape.name in done:
                return
            done.add(shape.name)
            for member in shape.members.values():
                for inner in walk(member):
                    if isinstance(inner, StructureShape):
                        visit(self.structures[inner.name])
            ordered.append(shape)

        done: set[str] = set()

        for shape in self.structures.values():
            visit(shape)
        return ordered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the module is stale")
    args = parser.parse_args(argv)
    text = Generator().render()
    if args.check:
        if TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET} is stale: run python scripts/generate_models.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
