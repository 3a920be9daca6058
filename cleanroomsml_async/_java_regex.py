"""The service's patterns are Java regexes; this reads them as Java does, in Python's ``re``.

Used by the model generator (the patterns the request models enforce) and by the emulator's
validation, so both refuse exactly what the service refuses.
"""

from __future__ import annotations

__all__ = ["whole_value"]

# Java's ``$`` (without MULTILINE) also matches before a final line terminator of any kind;
# Python's only before a final "\n". NameString's ``(?!\s*$)`` relies on Java's reading.
_JAVA_END = "(?=(?:\\r\\n|[\\n\\r\\u0085\\u2028\\u2029])?\\Z)"


def whole_value(pattern: str) -> str:
    """The service's (Java) pattern as a Python regex that must match the entire value.

    ``(?a)`` keeps ``\\s`` and ``\\d`` to ASCII, as in Java; ``\\A...\\Z`` anchors both ends,
    which pydantic's ``pattern`` does not do by itself; ``$`` keeps its Java meaning.
    """
    return f"(?a)\\A(?:{_java_dollar(pattern)})\\Z"


def _java_dollar(pattern: str) -> str:
    """``pattern`` with each unescaped ``$`` outside a character class read as Java reads it."""
    out: list[str] = []
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            out.append(_JAVA_END)
            continue
        out.append(char)
    return "".join(out)
