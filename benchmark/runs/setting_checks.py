"""Every run setting is checked where it is set: the type its field declares, then its range.

A bad value stops before anything is loaded, with one message naming the setting, where it
was set (a flag, a config file, a profile), the value, what is expected and an example, so
``epochs: abc``, ``batch_size: "16"``, ``seeds: 12`` or ``--epochs nan`` never reach training.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from dataclasses import MISSING, fields, is_dataclass
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from benchmark.errors import BenchmarkError
from benchmark.value_types import describe, fits, kind_of

FLAGS_SOURCE = "command-line flags"
"""The ``source`` of values that came from flags: messages then spell them as flags."""

Rule = Callable[[Any], str | None]
"""A range rule: None when the value is fine, else what it must be."""


def at_least(low: float) -> Rule:
    return lambda v: None if v >= low else f"must be >= {low}"


def above(low: float) -> Rule:
    return lambda v: None if v > low else f"must be > {low}"


def between(low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> Rule:
    left, right = "(" if low_open else "[", ")" if high_open else "]"

    def rule(v: float) -> str | None:
        ok = (v > low if low_open else v >= low) and (v < high if high_open else v <= high)
        return None if ok else f"must be in {left}{low}, {high}{right}"

    return rule


def non_empty(v: Any) -> str | None:
    return None if len(v) else "must not be empty"


def distinct(v: list) -> str | None:
    repeated = sorted({x for x in v if v.count(x) > 1}, key=str)
    return f"repeats {', '.join(map(str, repeated))}" if repeated else None


RULES: dict[str, tuple[Rule, ...]] = {
    "seeds": (non_empty, distinct),
    "tasks": (non_empty, distinct),
    "methods": (non_empty, distinct),
    "epochs": (at_least(0),),
    "max_steps": (at_least(1),),
    "batch_size": (at_least(1),),
    "eval_batch_size": (at_least(1),),
    "max_length": (between(8, 512),),
    "learning_rate": (above(0),),
    "weight_decay": (at_least(0),),
    "warmup_ratio": (between(0, 1, high_open=True),),
    "uncertainty_warmup": (between(0, 1, high_open=True),),
    "max_grad_norm": (above(0),),
    "temperature": (above(0),),
    "evaluations_per_epoch": (at_least(0),),
    "state_every_minutes": (above(0),),
    "state_every_steps": (at_least(1),),
    "selection_fraction": (between(0, 1, low_open=True, high_open=True),),
    "regression_scores_from": (non_empty,),
    "train_fraction": (between(0, 1, low_open=True),),
    "max_train_samples": (at_least(1),),
    "max_eval_samples": (at_least(1),),
    "backbone": (non_empty,),
    "output": (non_empty,),
}
"""Ranges of the values a type allows but a run cannot use."""

ITEM_RULES: dict[str, tuple[Rule, ...]] = {
    "seeds": (between(0, 2**32 - 1),),
    "task_train_samples": (at_least(1),),
}
"""Rules for each item of a list setting."""

CHOICES: dict[str, tuple[str, ...]] = {"precision": ("auto", "fp32", "bf16")}
"""String settings with a fixed set of values (TrainConfig's Literal fields need no entry)."""

HINTS: dict[str, str] = {
    "max_steps": "leave it out to train for the given epochs",
    "epochs": "0 trains for max_steps only",
}

EXAMPLES: dict[str, Any] = {
    "seeds": [12, 13, 14],
    "epochs": 3,
    "max_steps": 1000,
    "max_train_samples": 2000,
    "max_eval_samples": 1000,
    "task_train_samples": {"cola": 3000},
    "train_fraction": 0.1,
    "tasks": ["sst2", "mrpc"],
    "methods": ["stl", "camtl"],
    "user_tasks": ["my_tasks.yaml"],
    "method_options": {"houlsby": {"bottleneck": 32}},
    "data_dir": "../shared/data",
    "suite": "glue",
    "sampler": "uniform",
    "regression_scores_from": "mrpc",
}
"""Examples where the field's default is not one (None) or not a good one."""


@cache
def setting_types() -> dict[str, Any]:
    """Declared type of every settable name: ``Settings`` fields and the training settings
    (``TrainConfig`` fields) it holds, from their annotations."""
    from benchmark.runs.settings import Settings
    from benchmark.training.config import TrainConfig

    declared = dict(get_type_hints(TrainConfig))
    for name, kind in get_type_hints(Settings).items():
        if not (isinstance(kind, type) and is_dataclass(kind)):
            declared[name] = kind
    return declared


@cache
def _defaults() -> dict[str, Any]:
    from benchmark.runs.settings import Settings
    from benchmark.training.config import TrainConfig

    found: dict[str, Any] = {}
    for cls in (TrainConfig, Settings):
        for f in fields(cls):
            if f.default is not MISSING:
                found[f.name] = f.default
            elif f.default_factory is not MISSING:
                found[f.name] = f.default_factory()
    return found


def _example(name: str, value: Any, expected: Any) -> Any:
    """A value that would be accepted: the quoted number unquoted, a list around a fitting
    scalar (``seeds: [12]``), else the documented example, else the default."""
    if isinstance(value, str) and _unquoted(value, expected) is not None:
        return _unquoted(value, expected)
    kinds = _alternatives(expected)
    for kind in kinds:
        if get_origin(kind) is list and fits(value, get_args(kind)[0]):
            if range_problem(name, [value]) is None:
                return [value]
    if name in EXAMPLES:
        return EXAMPLES[name]
    default = _defaults().get(name)
    if default is None:
        choices = [a for e in kinds if get_origin(e) is Literal for a in get_args(e)]
        return choices[0] if choices else None
    return default


def _alternatives(expected: Any) -> list[Any]:
    """The types of a union (``int | None`` -> [int]), else the type itself."""
    if get_origin(expected) in (Union, types.UnionType):
        return [e for e in get_args(expected) if e is not type(None)]
    return [expected]


def range_problem(name: str, value: Any) -> str | None:
    """The first thing wrong with a well-typed ``value`` of setting ``name``, or None."""
    for rule in RULES.get(name, ()):
        problem = rule(value)
        if problem:
            return f"{name} {problem}"
    if isinstance(value, dict):
        for key, item in value.items():
            for rule in ITEM_RULES.get(name, ()):
                problem = rule(item)
                if problem:
                    return f"{name}.{key} ({item}) {problem}"
    if isinstance(value, list):
        for position, item in enumerate(value, 1):
            for rule in ITEM_RULES.get(name, ()):
                problem = rule(item)
                if problem:
                    return f"{name} item {position} ({item}) {problem}"
    choices = CHOICES.get(name)
    if choices and value not in choices:
        return f"{name} must be one of " + ", ".join(choices)
    return None


def _spelled(name: str, value: Any, source: str) -> str:
    """``name: value`` as it is written in ``source``: a flag or a YAML line."""
    if source == FLAGS_SOURCE:
        shown = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        return f"--{name.replace('_', '-')} {shown}"
    return f"{name}: {json.dumps(value, default=str)}"


def _error(name: str, value: Any, source: str, problem: str, example: Any) -> BenchmarkError:
    where = "" if source == FLAGS_SOURCE else f" in {source}"
    message = f"setting {_spelled(name, value, source)}{where} {problem}"
    if example is not None:
        message += f"; e.g. {_spelled(name, example, source)}"
    return BenchmarkError(message)


def check_setting(name: str, value: Any, source: str) -> None:
    """Refuse ``value`` for setting ``name`` unless it has the declared type and range.

    Unknown names pass (the caller refuses them with a did-you-mean); None means "not set".
    """
    expected = setting_types().get(name)
    if expected is None or value is None:
        return
    if not fits(value, expected):
        kind = kind_of(value)
        problem = "is not a finite number" if kind == "not a finite number" else (
            f"is {kind}, expected {describe(expected)}"
        )
        if isinstance(value, str) and _unquoted(value, expected) is not None:
            problem += " (write it without quotes)"
        raise _error(name, value, source, problem, _example(name, value, expected))
    problem = range_problem(name, value)
    if problem:
        example = EXAMPLES.get(name, _defaults().get(name))
        hint = f" ({HINTS[name]})" if name in HINTS else ""
        raise _error(name, value, source, f"is out of range: {problem}{hint}", example)


def _unquoted(text: str, expected: Any) -> Any:
    """The number a quoted ``"16"`` stands for, when that number would fit; else None."""
    try:
        number = json.loads(text)
    except ValueError:
        return None
    return number if not isinstance(number, str) and fits(number, expected) else None
