"""The conformance battery: the rules every registered method, built-in or plugin, must pass.

Run it with ``python -m benchmark check-method NAME``; in a plugin's own tests, call
``check_method(NAME, build_context(tmp_path))`` and assert every result passed.
"""

from benchmark.conformance.context import ConformanceContext, build_context
from benchmark.conformance.rule import ConformanceFailure, Rule
from benchmark.conformance.rules import RULES
from benchmark.conformance.runner import (
    RuleResult,
    check_method,
    iter_check,
    registered_entry,
    run_rule,
)

__all__ = [
    "RULES",
    "ConformanceContext",
    "ConformanceFailure",
    "Rule",
    "RuleResult",
    "build_context",
    "check_method",
    "iter_check",
    "registered_entry",
    "run_rule",
]
