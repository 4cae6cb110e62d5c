"""Every registered method passes every rule of the shipped battery (benchmark/conformance).

The rules live in the package so that `python -m benchmark check-method NAME` runs the
same checks on a third party's method; this file only applies them to what is installed.
"""

from __future__ import annotations

import pytest

from benchmark.conformance import RULES, run_rule
from benchmark.methods.registry import discover_methods

METHODS = sorted(discover_methods())


def test_every_built_in_method_is_checked():
    assert {"stl", "houlsby", "mtl", "camtl", "camtl-large", "ablation-mtl"} <= set(METHODS)


@pytest.mark.parametrize("method", METHODS)
def test_method_loads(method):
    entry = discover_methods()[method]
    assert entry.method_class is not None, f"{method} ({entry.target}): {entry.error}"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
@pytest.mark.parametrize("method", METHODS)
def test_method_follows_rule(method, rule, conformance_context):
    result = run_rule(rule, method, conformance_context)
    assert result.status == "PASS", f"{method}: {result.line()}"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
@pytest.mark.parametrize("method", METHODS)
def test_method_follows_rule_on_span_and_token_tasks(method, rule, shapes_context):
    assert {t.name for t in shapes_context.tasks} == {"squad", "wnut17"}
    assert "word_positions" in shapes_context.batch and "span_targets" in shapes_context.batch
    result = run_rule(rule, method, shapes_context)
    assert result.status == "PASS", f"{method}: {result.line()}"
