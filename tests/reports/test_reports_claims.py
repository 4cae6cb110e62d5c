"""The claims checklist: verdicts follow the documented rules, unmeasured claims say why."""

from __future__ import annotations

from benchmark.results.frame import build_result_set
from reports.claims import CLAIMS, check_claims
from reports.tables import paper_tables


def _results(records):
    return {r.claim.key: r for r in check_claims(paper_tables(build_result_set(records).frame))}


def test_every_claim_appears_once_and_cites_the_paper(make_record):
    results = _results([make_record()])
    assert list(results) == [c.key for c in CLAIMS]
    for result in results.values():
        assert "2009.09139" in result.claim.citation
        assert result.measurements


def test_beats_stl_supported_and_not(make_record):
    stl = [make_record("stl", s, {"rte": 60.0 + s, "mrpc": 70.0}, data_ratio=1.0,
                       params={"trainable": 45_400_000}) for s in (1, 2, 3)]
    good = [make_record("camtl", s, {"rte": 66.0 + s, "mrpc": 72.0}, data_ratio=0.64)
            for s in (1, 2, 3)]
    results = _results(stl + good)
    [m] = results["beats-stl"].measurements
    assert m.verdict == "supported" and m.value == 4.0
    assert "camtl − stl: +4.0 points" in m.measured
    assert "seeds: 1, 2, 3 (3)" in m.scale
    assert results["parameter-efficient"].measurements[0].verdict == "supported"
    assert results["data-66"].measurements[0].verdict == "supported"  # 64% within 66 ± 5
    bad = [make_record("camtl", s, {"rte": 58.0 + s, "mrpc": 70.0}, data_ratio=0.9)
           for s in (1, 2, 3)]
    results = _results(stl + bad)
    assert results["beats-stl"].measurements[0].verdict == "not supported"
    assert results["data-66"].measurements[0].verdict == "not supported"


def test_small_gap_is_flagged_as_noise(make_record):
    stl = [make_record("stl", s, {"rte": 60.0 + 3 * s}) for s in (1, 2, 3)]
    ours = [make_record("camtl", s, {"rte": 60.5 + 3 * s}) for s in (1, 2, 3)]
    [m] = _results(stl + ours)["beats-stl"].measurements
    assert m.verdict == "supported" and "within seed noise" in m.note


def test_adapters_claim_notes_the_scale(make_record):
    records = [make_record("houlsby", 1), make_record("camtl", 1, {"rte": 75.0, "mrpc": 80.0})]
    [m] = _results(records)["adapters-2.8"].measurements
    assert m.verdict == "supported"
    assert "BERT-large" in m.note and "one seed" in m.note


def test_unmeasured_claims_say_why(make_record):
    results = _results([make_record()])
    for key in ("24-task", "large-26", "forgetting", "base-vs-large-stl", "beats-stl"):
        [m] = results[key].measurements
        assert m.verdict == "not measured" and m.note


def test_large_variant_over_26_tasks(make_record):
    tasks = {f"t{i:02d}": 70.0 for i in range(26)}
    records = [make_record("mtl", 1, tasks, suite="big"),
               make_record("camtl-large", 1, {t: 69.5 for t in tasks}, suite="big")]
    [m] = _results(records)["large-26"].measurements
    assert m.verdict == "supported" and m.value == -0.5
