"""Run the battery on one registered method and collect a verdict per rule."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from benchmark.conformance.context import ConformanceContext
from benchmark.conformance.rule import ConformanceFailure, Rule
from benchmark.conformance.rules import RULES
from benchmark.errors import UnknownNameError
from benchmark.methods.registry import MethodEntry, discover_methods

LOADS = "loads"
"""The implicit first rule: the method's entry point imports and names a Method subclass."""

MAX_REASON = 400


@dataclass(frozen=True)
class RuleResult:
    """One rule's verdict on one method."""

    rule: str
    status: Literal["PASS", "FAIL", "SKIP"]
    reason: str = ""

    def line(self) -> str:
        return f"{self.status}  {self.rule}" + (f": {self.reason}" if self.reason else "")


def _reason(exc: Exception) -> str:
    """A failure's message; an exception the rule did not expect is named by its type."""
    if isinstance(exc, ConformanceFailure):
        text = str(exc)
    else:
        text = f"raised {type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."


def run_rule(rule: Rule, name: str, context: ConformanceContext) -> RuleResult:
    """Apply one rule; any exception from the method's code is a failure of that rule."""
    try:
        rule.check(name, context)
    except Exception as exc:  # the method's own code may raise anything
        return RuleResult(rule.name, "FAIL", _reason(exc))
    return RuleResult(rule.name, "PASS")


def registered_entry(name: str) -> MethodEntry:
    """The registry entry of ``name``; UnknownNameError (with a did-you-mean) if there is none."""
    entries = discover_methods()
    if name not in entries:
        raise UnknownNameError("method", name, entries)
    return entries[name]


def iter_check(
    name: str, context: ConformanceContext, rules: Sequence[Rule] = RULES
) -> Iterator[RuleResult]:
    """Each rule's verdict on ``name`` as soon as it is known, ``loads`` first."""
    entry = registered_entry(name)
    if entry.method_class is None:
        yield RuleResult(LOADS, "FAIL", f"{entry.target} from {entry.distribution}: {entry.error}")
        for rule in rules:
            yield RuleResult(rule.name, "SKIP", f"needs {LOADS}")
        return
    yield RuleResult(LOADS, "PASS")
    passed = {LOADS}
    for rule in rules:
        blocked = [n for n in rule.needs if n not in passed]
        if blocked:
            yield RuleResult(rule.name, "SKIP", f"needs {', '.join(blocked)}")
            continue
        result = run_rule(rule, name, context)
        if result.status == "PASS":
            passed.add(rule.name)
        yield result


def check_method(
    name: str, context: ConformanceContext, rules: Sequence[Rule] = RULES
) -> list[RuleResult]:
    """Every rule's verdict on ``name``; raises UnknownNameError if nothing is registered so."""
    return list(iter_check(name, context, rules))
