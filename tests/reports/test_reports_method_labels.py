"""Row labels, row order and method provenance come from the records, not from name lists."""

from __future__ import annotations

from benchmark.results.frame import build_result_set
from reports.html import render_report
from reports.leaderboard import leaderboard_entries
from reports.provenance import NOT_RECORDED, collect
from reports.tables import ablation_tables, comparison_tables, suite_tables

BITFIT = {"distribution": "camtl-bench-bitfit", "version": "0.1.0",
          "dependencies": {"transformers": "4.57.6"}}


def _declared(record: dict, label: str, family: str | None, provenance: dict | None = None):
    record["method_label"], record["method_family"] = label, family
    if provenance is not None:
        record["method_provenance"] = provenance
    return record


def test_rows_are_ordered_by_recorded_family_then_name(make_record):
    records = [
        _declared(make_record("zz-adapter"), "ZZ adapters", "adapter"),
        _declared(make_record("camtl"), "CA-MTL", "camtl"),
        _declared(make_record("aa-new-family"), "AA", "prompting"),
        _declared(make_record("stl"), "Single-task fine-tuning", "single-task"),
        _declared(make_record("houlsby"), "Houlsby adapters", "adapter"),
        _declared(make_record("mtl"), "Standard MTL", "multi-task"),
    ]
    [table] = comparison_tables(build_result_set(records).frame)
    assert table.rows == ["stl", "houlsby", "zz-adapter", "mtl", "camtl", "aa-new-family"]
    assert table.row_labels["zz-adapter"] == "ZZ adapters"
    assert table.row_labels["aa-new-family"] == "AA"


def test_a_recorded_label_wins_over_the_legacy_fallback(make_record):
    records = [_declared(make_record("camtl", 1), "CA-MTL (renamed)", "camtl"),
               make_record("camtl", 2)]  # a legacy record of the same method
    frame = build_result_set(records).frame
    [table] = comparison_tables(frame)
    assert table.row_labels == {"camtl": "CA-MTL (renamed)"}
    [entry] = leaderboard_entries(frame)
    assert entry.label == "CA-MTL (renamed)"


def test_legacy_records_use_the_fallbacks(make_record):
    records = [make_record(m) for m in ("zeta-plugin", "camtl", "houlsby", "stl")]
    [table] = comparison_tables(build_result_set(records).frame)
    assert table.rows == ["stl", "houlsby", "camtl", "zeta-plugin"]
    assert table.row_labels["houlsby"] == "Houlsby adapters"
    assert table.row_labels["zeta-plugin"] == "zeta-plugin"


def test_a_plugin_of_the_ablation_family_joins_the_ablation_table(make_record):
    records = [_declared(make_record("my-rung"), "Ablation: my rung", "ablation"),
               make_record("ablation-ca"), make_record("ablation-mtl"), make_record("camtl"),
               make_record("stl")]
    frame = build_result_set(records).frame
    [ablation] = ablation_tables(frame)
    assert ablation.rows == ["ablation-mtl", "ablation-ca", "camtl", "my-rung"]
    assert ablation.row_labels["my-rung"] == "Ablation: my rung"
    [comparison] = comparison_tables(frame)
    assert comparison.rows == ["stl", "camtl"]
    [suites] = suite_tables(frame)
    assert suites.rows == ["stl", "camtl", "ablation-ca", "ablation-mtl", "my-rung"]


def test_provenance_lists_each_method_with_its_release_and_libraries(make_record):
    records = [
        _declared(make_record("bitfit", 1), "BitFit (bias terms only)", "multi-task", BITFIT),
        _declared(make_record("bitfit", 2), "BitFit (bias terms only)", "multi-task",
                  {**BITFIT, "version": "0.2.0"}),
        _declared(make_record("houlsby"), "Houlsby adapters", "adapter",
                  {"distribution": "camtl-bench", "version": "0.1.0",
                   "dependencies": {"adapters": "1.3.0"}}),
        make_record("stl"),  # legacy: no provenance recorded
    ]
    sources = {s.method: s for s in collect(records).methods}
    assert list(sources) == ["stl", "houlsby", "bitfit"]
    assert sources["bitfit"].label == "BitFit (bias terms only)"
    assert sources["bitfit"].providers == [("camtl-bench-bitfit 0.1.0", 1),
                                           ("camtl-bench-bitfit 0.2.0", 1)]
    assert [(d.name, d.values) for d in sources["bitfit"].dependencies] == [
        ("transformers", [("4.57.6", 2)])]
    assert sources["houlsby"].providers == [("camtl-bench 0.1.0", 1)]
    assert sources["stl"].providers == [(NOT_RECORDED, 1)]
    assert sources["stl"].dependencies == []

    page = render_report(build_result_set(records), figures=False)
    footer = page[page.index('id="method-provenance"'):]
    start = footer.index("BitFit (bias terms only) (<code>bitfit</code>)")
    row = footer[start:footer.index("</tr>", start)]
    assert "<code>camtl-bench-bitfit 0.1.0</code> (1 runs)" in row
    assert "<code>transformers</code> <code>4.57.6</code>" in row
    assert "Houlsby adapters (<code>houlsby</code>)" in footer and "adapters" in footer
