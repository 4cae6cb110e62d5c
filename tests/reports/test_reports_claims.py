"""The claims checklist: verdicts follow the interval rules of docs/reports.md.

Records carry real per-example prediction files (``with_predictions``), read back from a
results folder as the report reads them, so every verdict below rests on a real paired
bootstrap over seeds and examples.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.results.frame import build_result_set, load_results
from reports.claim_rules import names_size
from reports.claims import CLAIMS, ONE_SEED_NOTE, check_claims
from reports.evidence import table_evidence
from reports.tables import paper_tables

N_EXAMPLES = 400
TASKS = ("rte", "sst2")


def _gold(task: str) -> np.ndarray:
    rng = np.random.default_rng(abs(hash(task)) % 2**32)
    return (rng.random(N_EXAMPLES) < 0.6).astype(int)  # majority class 1, 60%


def _predictions(accuracy: float, task: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Predictions right on a seeded ``accuracy`` share of the examples."""
    gold = _gold(task)
    rng = np.random.default_rng([seed, int(accuracy * 1000), len(task)])
    right = rng.random(N_EXAMPLES) < accuracy
    return np.where(right, gold, 1 - gold), gold


def _majority(task: str) -> tuple[np.ndarray, np.ndarray]:
    gold = _gold(task)
    return np.ones_like(gold), gold


def _runs(make_record, with_predictions, method, accuracy, seeds=(1, 2, 3), **kwargs):
    return [
        with_predictions(
            make_record(method, s, dict.fromkeys(TASKS, 50.0), **kwargs),
            {t: _majority(t) if accuracy is None else _predictions(accuracy, t, s) for t in TASKS},
            trivial=dict.fromkeys(TASKS, 1.0))
        for s in seeds]


def _check(tmp_path, write_records, records):
    result = load_results([write_records(tmp_path / "results", records)])
    tables = paper_tables(result.frame)
    evidence = {t.slug: table_evidence(t, result) for t in tables if t.scale.tasks}
    return {r.claim.key: r for r in check_claims(tables, evidence, result)}, evidence


def test_every_claim_appears_once_and_cites_the_paper(make_record):
    results = {r.claim.key: r for r in check_claims(
        paper_tables(build_result_set([make_record()]).frame))}
    assert list(results) == [c.key for c in CLAIMS]
    for result in results.values():
        assert "2009.09139" in result.claim.citation
        assert result.measurements


def test_clear_gain_is_supported(tmp_path, make_record, with_predictions, write_records):
    records = (_runs(make_record, with_predictions, "stl", 0.75, data_ratio=1.0,
                     params={"trainable": 45_400_000})
               + _runs(make_record, with_predictions, "camtl", 0.9, data_ratio=0.64))
    results, _ = _check(tmp_path, write_records, records)
    [m] = results["beats-stl"].measurements
    assert m.verdict == "supported", m.note
    assert m.interval is not None and m.interval.low > 0
    assert "camtl − stl: Δ +" in m.measured and "[" in m.measured
    assert results["parameter-efficient"].measurements[0].verdict == "supported"
    [data] = results["data-66"].measurements
    assert data.verdict == "definition-dependent" and "updated / available" in data.note


def test_clear_loss_is_contradicted(tmp_path, make_record, with_predictions, write_records):
    records = (_runs(make_record, with_predictions, "stl", 0.9)
               + _runs(make_record, with_predictions, "camtl", 0.75))
    [m] = _check(tmp_path, write_records, records)[0]["beats-stl"].measurements
    assert m.verdict == "contradicted" and m.interval.high < 0


def test_equal_methods_are_inconclusive(tmp_path, make_record, with_predictions, write_records):
    records = (_runs(make_record, with_predictions, "stl", 0.8)
               + _runs(make_record, with_predictions, "camtl", 0.805))
    [m] = _check(tmp_path, write_records, records)[0]["beats-stl"].measurements
    assert m.verdict == "inconclusive"
    assert m.interval.low < 0 < m.interval.high


def test_methods_at_baseline_did_not_learn(tmp_path, make_record, with_predictions,
                                           write_records):
    """Both predict the majority class: their difference compares noise, so no verdict,
    and every score cell is marked at baseline."""
    records = (_runs(make_record, with_predictions, "stl", None)
               + _runs(make_record, with_predictions, "camtl", None))
    results, evidence = _check(tmp_path, write_records, records)
    [m] = results["beats-stl"].measurements
    assert m.verdict == "inconclusive (did not learn at this budget)"
    assert "at baseline on 2/2 tasks" in m.note
    [table] = [e for e in evidence.values() if e.rows]
    assert all(all(row.at_baseline.values()) for row in table.rows.values())


def test_one_seed_says_the_interval_misses_seed_noise(tmp_path, make_record, with_predictions,
                                                      write_records):
    records = (_runs(make_record, with_predictions, "stl", 0.75, seeds=(1,))
               + _runs(make_record, with_predictions, "camtl", 0.9, seeds=(1,)))
    [m] = _check(tmp_path, write_records, records)[0]["beats-stl"].measurements
    assert m.verdict == "supported" and ONE_SEED_NOTE in m.note


def test_published_magnitude_checked_against_the_interval(tmp_path, make_record,
                                                          with_predictions, write_records):
    records = (_runs(make_record, with_predictions, "houlsby", 0.8)
               + _runs(make_record, with_predictions, "camtl", 0.83))
    [m] = _check(tmp_path, write_records, records)[0]["adapters-2.8"].measurements
    assert m.published_inside is (m.interval.low <= 2.8 <= m.interval.high)
    assert "published +2.8 points" in m.note and "BERT-large" in m.note


def test_without_prediction_files_no_verdict(make_record):
    stl = [make_record("stl", s, {"rte": 60.0 + s, "mrpc": 70.0}) for s in (1, 2, 3)]
    ours = [make_record("camtl", s, {"rte": 66.0 + s, "mrpc": 72.0}) for s in (1, 2, 3)]
    tables = paper_tables(build_result_set(stl + ours).frame)
    [m] = {r.claim.key: r for r in check_claims(tables)}["beats-stl"].measurements
    assert m.verdict == "inconclusive (no interval)"
    assert "+4.0 points (seed means)" in m.measured


def test_edited_prediction_file_is_refused_not_used(tmp_path, make_record, with_predictions,
                                                    write_records):
    """A prediction file edited after the run gets no interval: changed bytes fail the
    record's sha256; a file rewritten with a matching sha256 fails the recorded scores."""
    records = (_runs(make_record, with_predictions, "stl", 0.75)
               + _runs(make_record, with_predictions, "camtl", 0.9))
    honest = records[-1]
    swapped = with_predictions(honest, {t: _predictions(0.5, t, 3) for t in TASKS},
                               trivial=dict.fromkeys(TASKS, 1.0))
    swapped = {**swapped, "main_scores": honest["main_scores"], "metrics": honest["metrics"],
               "suite_average": honest["suite_average"]}
    folder = write_records(tmp_path / "results", [*records[:-1], swapped])
    result = load_results([folder])
    tables = paper_tables(result.frame)
    evidence = {t.slug: table_evidence(t, result) for t in tables if t.scale.tasks}
    [found] = [e for e in evidence.values() if e.missing]
    assert "its predictions give" in found.missing["camtl"]
    assert "was changed: rerun it with --overwrite" in found.missing["camtl"]
    [m] = {r.claim.key: r for r in check_claims(tables, evidence, result)}["beats-stl"] \
        .measurements
    assert m.verdict == "inconclusive (no interval)"
    prediction_file = folder / swapped["example_predictions"]["file"]
    prediction_file.write_bytes(prediction_file.read_bytes()[:-3] + b"xyz")
    result = load_results([folder])
    [table] = [t for t in paper_tables(result.frame) if t.scale.tasks]
    assert "sha256" in table_evidence(table, result).missing["camtl"]


def test_unmeasured_claims_say_why(make_record):
    results = {r.claim.key: r for r in check_claims(
        paper_tables(build_result_set([make_record()]).frame))}
    for key in ("24-task", "large-26", "forgetting", "base-vs-large-stl", "beats-stl"):
        [m] = results[key].measurements
        assert m.verdict == "not measured" and m.note


@pytest.mark.parametrize(("value", "backbone", "verdict"), [
    (5.9, "bert-base-uncased", "supported"), (9.0, "bert-base-uncased", "contradicted"),
    (5.9, "sentence-transformers/all-MiniLM-L6-v2", "inconclusive (other scale)")])
def test_parameter_share_is_exact_at_the_papers_scale(make_record, value, backbone, verdict):
    record = make_record("camtl", 1, params={"trainable": round(value / 100 * 22_700_000 * 2)},
                         backbone={"name": backbone, "fingerprint": "f" * 64})
    [m] = {r.claim.key: r for r in check_claims(
        paper_tables(build_result_set([record]).frame))}["params-5.6"].measurements
    assert m.verdict == verdict and ("exact" in m.note or "--random-config" in m.note)


def test_a_24_task_run_on_a_subset_says_what_its_verdict_rests_on(
        tmp_path, make_record, with_predictions, write_records):
    """RTE is GLUE's and SuperGLUE's: in the 24-task count it counts under both, so rte and
    sst2 are 3 of the 24; the claim names the reconstruction and every missing task."""
    records = [r for method, accuracy in (("stl", 0.75), ("mtl", 0.76), ("camtl", 0.9))
               for r in _runs(make_record, with_predictions, method, accuracy,
                              suite="24-task")]
    results, _ = _check(tmp_path, write_records, records)
    [m] = results["24-task"].measurements
    assert m.verdict == "supported", m.note
    assert "reconstructed task list (24-task): rests on 3 of 24 tasks" in m.note
    assert "missing: cola, mrpc" in m.note and "wnut17" in m.note and "squad" in m.note
    assert "reconstructed task list" in m.scale
    assert results["large-26"].measurements[0].verdict == "not measured"


def test_a_glue_run_does_not_speak_to_the_24_task_claim(tmp_path, make_record,
                                                        with_predictions, write_records):
    records = [r for method, accuracy in (("stl", 0.75), ("mtl", 0.76), ("camtl", 0.9))
               for r in _runs(make_record, with_predictions, method, accuracy)]
    results, _ = _check(tmp_path, write_records, records)
    assert results["24-task"].measurements[0].verdict == "not measured"


@pytest.mark.parametrize(("ratios", "verdict"), [
    ((0.65, 0.66, 0.67), "supported"),
    ((0.40, 0.41, 0.42), "contradicted"),
    ((0.66,), "inconclusive"),
])
def test_data_share_in_reference_mode_is_judged_on_its_seed_interval(
        tmp_path, make_record, with_predictions, write_records, ratios, verdict):
    """Only the reference-faithful mode gets a verdict on "around 66% of the data", and that
    verdict rests on the spread over seeds, not on one mean."""
    records = []
    for seed, ratio in enumerate(ratios, 1):
        [record] = _runs(make_record, with_predictions, "camtl", 0.9, seeds=(seed,),
                         data_ratio=ratio)
        record["training"]["fidelity"] = "reference"
        records.append(record)
    results, _ = _check(tmp_path, write_records, records)
    [data] = results["data-66"].measurements
    assert data.verdict == verdict, data.note
    assert "reference-faithful" in data.note and "updated / available" in data.note
    assert ("t-interval over 3 seeds" in data.note) == (len(ratios) == 3)


def _base_vs_large(make_record, with_predictions, camtl_accuracy, stl_accuracy):
    base = {"name": "bert-base-uncased", "fingerprint": "b" * 64}
    large = {"name": "bert-large-uncased", "fingerprint": "l" * 64}
    return (_runs(make_record, with_predictions, "camtl", camtl_accuracy, suite="glue",
                  backbone=base)
            + _runs(make_record, with_predictions, "stl", stl_accuracy, suite="glue",
                    backbone=large))


def test_base_against_large_stl_reads_stl_from_the_large_table(
        tmp_path, make_record, with_predictions, write_records):
    """The stl row is in the BERT-large table, not in CA-MTL's base one: with intervals the
    verdict pairs the two, and without them the seed-mean gap is still base − large."""
    records = _base_vs_large(make_record, with_predictions, 0.9, 0.75)
    results, _ = _check(tmp_path, write_records, records)
    [m] = results["base-vs-large-stl"].measurements
    assert m.verdict == "supported", m.note
    assert "camtl − stl: Δ +" in m.measured and "stl from" in m.note
    tables = paper_tables(build_result_set(records).frame)
    [gap] = {r.claim.key: r for r in check_claims(tables)}["base-vs-large-stl"].measurements
    assert gap.verdict == "inconclusive (no interval)"
    def average(method: str) -> float:
        return float(np.mean([np.mean([r["main_scores"][t] for t in TASKS])
                              for r in records if r["method"] == method]))

    assert f"{average('camtl') - average('stl'):+.1f} points (seed means)" in gap.measured


def test_no_trivial_baseline_means_learning_is_not_assessable(
        tmp_path, make_record, with_predictions, write_records):
    """Records without trivial constants (a task format with no constant predictor) give
    intervals but no way to tell learning from guessing: no verdict either way."""
    records = [with_predictions(make_record(method, s, dict.fromkeys(TASKS, 50.0)),
                                {t: _predictions(accuracy, t, s) for t in TASKS}, trivial={})
               for method, accuracy in (("stl", 0.75), ("camtl", 0.9)) for s in (1, 2, 3)]
    [m] = _check(tmp_path, write_records, records)[0]["beats-stl"].measurements
    assert m.interval is not None and m.interval.low > 0
    assert m.verdict == "inconclusive (learning not assessable)", m.note
    assert "a trivial baseline on 0 of 2 tasks" in m.note
    assert m.css == "inconclusive"


@pytest.mark.parametrize(("backbone", "size", "named"), [
    ("bert-base-uncased", "base", True), ("google-bert/bert-large-uncased", "large", True),
    ("/data/database/bert-large", "base", False), ("/data/database/bert-large", "large", True),
    ("sentence-transformers/all-MiniLM-L6-v2", "base", False), ("roberta-largeish", "large",
                                                                False)])
def test_a_backbone_size_is_a_whole_word_of_its_name(backbone, size, named):
    assert names_size(backbone, size) is named


def test_a_claim_names_the_tasks_its_interval_leaves_out(tmp_path, make_record,
                                                         with_predictions, write_records):
    """SST-2 has no per-example predictions: the Δ and its interval are over RTE alone,
    and the claim says so rather than passing it off as the table's average."""
    records = [with_predictions(make_record(method, s, dict.fromkeys(TASKS, 50.0)),
                                {"rte": _predictions(accuracy, "rte", s)}, trivial={"rte": 1.0})
               for method, accuracy in (("stl", 0.75), ("camtl", 0.9)) for s in (1, 2, 3)]
    [m] = _check(tmp_path, write_records, records)[0]["beats-stl"].measurements
    assert m.verdict == "supported", m.note
    assert "the interval and Δ average 1 of the 2 tasks (not covered: sst2: " in m.note
