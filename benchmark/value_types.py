"""Does a value fit a declared type? One rule set for run settings and method options.

Numbers are strict, because a quietly converted value trains something else than the
record says: a bool is not an int, 2.5 is not an int, the string ``"16"`` is not a
number, NaN and the infinities fit no float. An int is a fine float.
"""

from __future__ import annotations

import json
import math
import types
from typing import Any, Literal, Union, get_args, get_origin

_NAMES = {
    bool: "true or false",
    int: "an integer",
    float: "a finite number",
    str: "a string",
    list: "a list",
    dict: "a mapping",
    type(None): "null",
}
_PLURALS = {bool: "true/false values", int: "integers", float: "numbers", str: "strings"}


def _is_union(expected: Any) -> bool:
    return get_origin(expected) in (Union, types.UnionType)


def fits(value: Any, expected: Any) -> bool:
    """True when ``value`` is of the declared type (``int``, ``list[int]``, ``str | None``,
    ``Literal[...]``, a tuple of types, ``Any``)."""
    if expected is Any:
        return True
    if isinstance(expected, tuple):
        return any(fits(value, e) for e in expected)
    if _is_union(expected):
        return any(fits(value, e) for e in get_args(expected))
    origin, args = get_origin(expected), get_args(expected)
    if origin is Literal:
        return any(value == a and type(value) is type(a) for a in args)
    if origin is list:
        return isinstance(value, list) and all(fits(v, args[0]) for v in value)
    if origin is dict:
        key, item = args
        return isinstance(value, dict) and all(
            fits(k, key) and fits(v, item) for k, v in value.items()
        )
    if expected is bool:
        return isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is float:
        return (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
        )
    if origin is not None:
        return isinstance(value, origin)
    return isinstance(value, expected)


def describe(expected: Any) -> str:
    """``list[int]`` -> "a list of integers": what a message says was expected."""
    if expected is Any:
        return "any value"
    if isinstance(expected, tuple):
        return " or ".join(describe(e) for e in expected)
    if _is_union(expected):
        kinds = [e for e in get_args(expected) if e is not type(None)]
        return " or ".join(describe(e) for e in kinds) or "null"
    origin, args = get_origin(expected), get_args(expected)
    if origin is Literal:
        return "one of " + ", ".join(json.dumps(a) for a in args)
    if origin is list:
        return f"a list of {_plural(args[0])}"
    if origin is dict:
        return f"a mapping of {_plural(args[0])} to {_plural(args[1])}"
    if expected in _NAMES:
        return _NAMES[expected]
    return f"a {getattr(expected, '__name__', str(expected))}"


def _plural(expected: Any) -> str:
    if expected is Any:
        return "values"
    if expected is dict or get_origin(expected) is dict:
        return "mappings"
    if expected is list or get_origin(expected) is list:
        return "lists"
    return _PLURALS.get(expected) or describe(expected)


def kind_of(value: Any) -> str:
    """What a value is, as a message says it: "a string", "an integer", "not a finite number"."""
    if isinstance(value, float) and not math.isfinite(value):
        return "not a finite number"
    for kind in (bool, int, float, str, list, dict, type(None)):
        if isinstance(value, kind):
            return {bool: "a boolean", float: "a number"}.get(kind, _NAMES[kind])
    return f"a {type(value).__name__}"
