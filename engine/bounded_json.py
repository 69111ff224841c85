"""JSON from files we did not write, bounded in length, nesting depth and number size.

Python's ``json`` recurses once per nesting level, so a document nested 10,000 deep raises
RecursionError, and it turns any run of digits into an int: a 5,000-digit one raises a bare
ValueError (``sys.int_max_str_digits``), a 1,000-digit one travels on into torch. ``loads``
measures the depth with a flat scan before parsing and reads numbers through hooks that
refuse huge and non-finite ones, so all it raises is a ``JsonError``. Architectures, model
facts and training histories are all read through it.
"""

from __future__ import annotations

import json
import math
import re

MAX_NUMBER_CHARS = 40  # a float's repr is at most 24; 40 digits is already past int64
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # a JSON string, quotes included
_BRACKET = re.compile(r"[\[\]{}]")


class JsonError(ValueError):
    """Text that is not JSON within the limits; callers add the file or layer it came from."""


def _number(text: str) -> None:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonError(f"a number of {len(text):,} characters ({text[:12]}...) is too long")


def _int(text: str) -> int:
    _number(text)
    return int(text)


def _float(text: str) -> float:
    _number(text)
    value = float(text)
    if not math.isfinite(value):
        raise JsonError(f"{text} is too large for a number")
    return value


def _constant(text: str):
    raise JsonError(f"{text} is not a JSON number")


def depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (brackets inside strings do not count)."""
    deepest = level = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        level += 1 if match.group() in "[{" else -1
        deepest = max(deepest, level)
    return deepest


def loads(text: str | bytes, *, max_depth: int = 16, max_chars: int = 1_000_000):
    """Parse ``text`` like ``json.loads``, refusing more than ``max_chars`` characters, nesting
    deeper than ``max_depth``, numbers longer than MAX_NUMBER_CHARS, NaN and Infinity."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise JsonError(f"not UTF-8 text (byte {error.start} cannot be decoded)") from None
    if len(text) > max_chars:
        raise JsonError(f"{len(text):,} characters, more than the {max_chars:,} allowed")
    nesting = depth(text)
    if nesting > max_depth:
        raise JsonError(f"nested {nesting} levels deep, more than the {max_depth} allowed")
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as error:
        raise JsonError(f"not valid JSON: {error}") from None
