"""A method that breaks one rule fails the battery on that rule, and only that rule."""

from __future__ import annotations

import pytest

from benchmark.conformance import RULES, check_method

EXPECTED = {
    "broken-frozen": ("frozen-weights-untouched", "embeddings.word_embeddings.weight"),
    "broken-shape": ("forward-shape", "expected [12, 64] (one pooled vector per row"),
    "broken-unlabelled": ("declares-label-and-family", "label is not set"),
    "broken-old-interface": (
        "implements-interface",
        "encoder InterfaceOneEncoder has no all_positions argument (plugin interface 1); "
        "camtl-bench implements interface 2",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_method_fails_naming_the_rule(name, broken_plugin_registered, conformance_context):
    results = check_method(name, conformance_context)
    failed = {r.rule: r.reason for r in results if r.status == "FAIL"}
    rule, phrase = EXPECTED[name]
    assert list(failed) == [rule], [r.line() for r in results]
    assert phrase in failed[rule]


def test_rules_after_a_failed_prerequisite_are_skipped(broken_plugin_registered,
                                                       conformance_context):
    results = {r.rule: r for r in check_method("broken-shape", conformance_context)}
    assert results["loads"].status == "PASS" and results["options-resolve"].status == "PASS"
    assert results["learns"].status == "SKIP"
    assert results["learns"].reason == "needs forward-shape"


def test_a_method_that_does_not_load_fails_the_loads_rule(broken_plugin_registered,
                                                         conformance_context):
    first, *rest = check_method("broken-import", conformance_context)
    assert first.rule == "loads" and first.status == "FAIL"
    assert "camtl_bench_broken:NoSuchClass from camtl-bench-broken" in first.reason
    assert {r.status for r in rest} == {"SKIP"} and len(rest) == len(RULES)
