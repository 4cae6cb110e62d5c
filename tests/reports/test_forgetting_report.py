"""The record's ``forgetting`` field as readers check it, the Forgetting table and the
forgetting claim's verdicts, on synthetic records with known drops.

Synthetic STS samples: gold scores and pretrained cosines shared by every record (as one
probe gives them), each record's after cosines the pretrained ones plus noise of a chosen
size, so a larger ``damage`` is a larger drop. The verdict cases (supported, contradicted,
inconclusive, did not learn) and the baseline choice (mtl, else stl) each get a test.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pytest
from scipy.stats import spearmanr

from benchmark.results.frame import build_result_set, load_results
from benchmark.results.validate import read_record, record_problems
from benchmark.stats import Verdict
from reports.forgetting import forgetting_tables
from reports.forgetting_claim import forgetting_verdicts

PAIRS = 120
SENTENCES = 40
TASKS = ("rte", "mrpc")
_SAMPLE = np.random.default_rng(100)
GOLD = np.round(_SAMPLE.uniform(0, 5, PAIRS), 3)
BEFORE = np.round(np.clip(GOLD / 5 + _SAMPLE.normal(0, 0.15, PAIRS), -1, 1), 5)
TOKENS = _SAMPLE.integers(1, 6, SENTENCES)
LOSS_BEFORE = np.round(TOKENS * 2.0 + _SAMPLE.uniform(0, 0.5, SENTENCES), 4)


def _interval(delta: float) -> dict[str, Any]:
    return {"estimate": delta, "low": delta - 0.01, "high": delta + 0.01, "level": 0.95,
            "n_resamples": 1000, "seed": 0}


def _not(status: str = "not applicable") -> dict[str, Any]:
    return {"status": status, "reason": "synthetic: not part of this record"}


def _sts(after: np.ndarray) -> dict[str, Any]:
    before, rho = float(spearmanr(BEFORE, GOLD).statistic), float(spearmanr(after, GOLD).statistic)
    return {"status": "measured", "before": before, "after": rho, "delta": rho - before,
            "interval": _interval(rho - before), "n_pairs": PAIRS, "n_available": 1500,
            "source": "glue_data/STS-B/dev.tsv", "after_cosines": [float(v) for v in after]}


def _mlm(after: np.ndarray) -> dict[str, Any]:
    before, loss = LOSS_BEFORE.sum() / TOKENS.sum(), after.sum() / TOKENS.sum()
    return {"status": "measured", "before": float(before), "after": float(loss),
            "delta": float(loss - before), "interval": _interval(float(loss - before)),
            "n_sentences": SENTENCES, "n_masked_tokens": int(TOKENS.sum()),
            "sample_version": 1, "after_losses": [float(v) for v in after]}


def forgetting_field(damage: float, noise_seed: int, kind: str = "sts") -> dict[str, Any]:
    """A measured field: one entry whose after values are the pretrained ones plus
    ``damage`` x noise drawn with ``noise_seed``."""
    rng = np.random.default_rng(noise_seed)
    entry: dict[str, Any] = {"model": "+".join(TASKS), "task": None, "task_id": None,
                             "states": "hf", "status": "measured",
                             "cka": {"status": "measured", "per_layer": [1.0, 0.99, 1 - damage],
                                     "layers": ["embeddings", "layer 1", "layer 2"]},
                             "seconds": {"trained": 3.0}}
    samples: dict[str, Any] = {}
    if kind == "sts":
        after = np.round(np.clip(BEFORE + damage * rng.normal(0, 1, PAIRS), -1, 1), 5)
        entry["sts"], entry["mlm"] = _sts(after), _not()
        samples["sts"] = {"rows": list(range(0, 2 * PAIRS, 2)), "gold": GOLD.tolist(),
                          "before": BEFORE.tolist()}
    else:
        after = np.round(LOSS_BEFORE + damage * TOKENS * rng.uniform(0, 1, SENTENCES), 4)
        entry["sts"], entry["mlm"] = _not(), _mlm(after)
        samples["mlm"] = {"masked_tokens": TOKENS.tolist(), "before": LOSS_BEFORE.tolist()}
    return {"version": 1, "status": "measured", "backbone": "all-MiniLM-L6-v2",
            "settings": {"sts_pairs": PAIRS}, "samples": samples, "entries": [entry],
            "seconds": {"total": 3.0, "trained": 3.0, "pretrained": 4.0,
                        "pretrained_reused": True}}


@pytest.fixture
def measured_record(make_record):
    def build(method: str, seed: int, damage: float, noise_seed: int | None = None,
              kind: str = "sts") -> dict[str, Any]:
        record = make_record(method, seed, {"rte": 70.0, "mrpc": 80.0})
        record["forgetting"] = forgetting_field(damage, seed if noise_seed is None
                                                else noise_seed, kind)
        assert record_problems(record) == []
        return record

    return build


def _learned(with_predictions, record: dict[str, Any], learned: bool = True) -> dict[str, Any]:
    """Per-example predictions: 90% right (above the majority class) or all majority."""
    gold = np.array([0, 1] * 50)
    pred = gold.copy() if learned else np.zeros_like(gold)
    if learned:
        pred[:10] = 1 - pred[:10]
    return with_predictions(record, {t: (pred, gold) for t in TASKS})


def _results(tmp_path, write_records, records):
    return load_results([write_records(tmp_path / "results", records)])


# ----------------------------------------------------------------- reading records


def test_schema_1_2_record_without_the_field_stays_readable(make_record, tmp_path):
    record = make_record("mtl", 1, {"rte": 70.0, "mrpc": 80.0})
    record["schema_version"] = "1.2"
    assert "forgetting" not in record and record_problems(record) == []
    path = tmp_path / f"{record['run_id']}.json"
    path.write_text(json.dumps(record))
    assert read_record(path).record == record
    assert forgetting_tables(build_result_set([record])) == []  # nothing measured: no table


def _tampered(record: dict[str, Any], edit) -> list[str]:
    changed = copy.deepcopy(record)
    edit(changed["forgetting"])
    return record_problems(changed)


def _set(path: str, value: Any):
    def edit(field: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = field
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value
    return edit


@pytest.mark.parametrize(("path", "value", "message"), [
    ("entries.0.sts.after", "0.9", "forgetting.entries.0.sts.after: '0.9' is not of type "
                                   "'number'"),
    ("entries.0.cka.per_layer", "1.0", "forgetting.entries.0.cka.per_layer: '1.0' is not of "
                                       "type 'array'"),
    ("entries.0.sts.after", 1.4, "forgetting.entries.0.sts.after: 1.4 is outside [-1, 1], the "
                                 "range of a Spearman correlation"),
    ("entries.0.cka.per_layer.2", 1.5, "forgetting.entries.0.cka.per_layer.2: 1.5 is outside "
                                       "[0, 1], the range of linear CKA"),
    ("entries.0.sts.delta", 0.0, "forgetting.entries.0.sts.delta: 0 is not after - before"),
    ("entries.0.model", "rte+qnli", "forgetting.entries.0.model: 'rte+qnli' names qnli, not "
                                    "tasks of this run"),
    ("reason", 7, "forgetting.reason: 7 is not of type 'string'"),
    ("entries.0.status", "sort of", "forgetting.entries.0.status: 'sort of' is not one of"),
])
def test_a_tampered_field_is_refused_by_field(measured_record, path, value, message):
    problems = _tampered(measured_record("camtl", 1, 0.1), _set(path, value))
    assert any(p.startswith(message) for p in problems), problems


def test_a_status_that_contradicts_the_entries_is_refused(measured_record):
    def hide(field: dict[str, Any]) -> None:
        field["status"], field["reason"] = "not measured", "nothing to see"
    problems = _tampered(measured_record("camtl", 1, 0.1), hide)
    assert problems == ["forgetting.status: 'not measured' but an entry is measured"]


def test_a_friendlier_after_is_caught_by_the_stored_cosines(measured_record):
    record = measured_record("camtl", 1, 0.3)
    sts = record["forgetting"]["entries"][0]["sts"]

    def friendlier(field: dict[str, Any]) -> None:
        part = field["entries"][0]["sts"]
        part["after"], part["delta"] = sts["before"], 0.0  # "no forgetting at all"
    [problem] = _tampered(record, friendlier)
    assert problem.startswith("forgetting.entries.0.sts.after: ")
    assert "is not the Spearman correlation of the stored cosines" in problem


def test_missing_per_item_values_are_named(measured_record):
    record = measured_record("camtl", 1, 0.1)
    problems = _tampered(record, lambda f: f["entries"][0]["sts"].pop("after_cosines"))
    assert "forgetting.entries.0.sts.after_cosines: required field is missing" in problems
    problems = _tampered(record, lambda f: f.pop("samples"))
    assert "forgetting.samples: required field is missing" in problems
    problems = _tampered(record, lambda f: f["samples"]["sts"]["gold"].pop())
    assert (f"forgetting.samples.sts.gold: {PAIRS - 1} values for {PAIRS} pairs") in problems


def test_nan_in_the_file_is_refused(measured_record, tmp_path):
    record = measured_record("camtl", 1, 0.1)
    record["forgetting"]["entries"][0]["sts"]["after"] = float("nan")
    path = tmp_path / f"{record['run_id']}.json"
    path.write_text(json.dumps(record))  # json writes NaN
    reading = read_record(path)
    assert reading.record is None
    assert "forgetting.entries.0.sts.after: nan is not a finite number" in reading.problems


# ----------------------------------------------------------------- table


def test_table_rows_are_means_over_seeds_with_paired_intervals(measured_record):
    records = [measured_record(m, s, d) for m, d in (("mtl", 0.3), ("camtl", 0.02))
               for s in (1, 2, 3)]
    [table] = forgetting_tables(build_result_set(records), n_resamples=500)
    rows = {r.key: r for r in table.rows}
    before = 100 * spearmanr(BEFORE, GOLD).statistic
    for key, damage in (("mtl", 0.3), ("camtl", 0.02)):
        row = rows[key]
        afters = [100 * r["forgetting"]["entries"][0]["sts"]["after"] for r in records
                  if r["method"] == key]
        assert row.seeds == (1, 2, 3) and row.sts_before == pytest.approx(before)
        assert row.sts_after == pytest.approx(np.mean(afters))
        assert row.sts_drop.estimate == pytest.approx(before - np.mean(afters))
        assert row.sts_drop.low < row.sts_drop.estimate < row.sts_drop.high
        assert row.cka_last == pytest.approx(1 - damage) and row.mlm_increase is None
    assert rows["mtl"].sts_drop.low > rows["camtl"].sts_drop.high
    assert [c[0] for c in table.columns if c[0].startswith("mlm")] == []  # none measured
    assert any(n.startswith("MLM: not applicable") for n in table.notes)


def test_rows_without_a_measurement_say_why(measured_record, make_record):
    old = make_record("stl", 1, {"rte": 70.0, "mrpc": 80.0})
    old["schema_version"] = "1.2"
    off = make_record("stl", 2, {"rte": 70.0, "mrpc": 80.0})
    off["forgetting"] = {"version": 1, "status": "not measured", "entries": [],
                         "reason": "switched off: the run's forgetting setting is false"}
    records = [measured_record("camtl", 1, 0.1), old, off]
    [table] = forgetting_tables(build_result_set(records), n_resamples=200)
    stl = next(r for r in table.rows if r.key == "stl")
    assert stl.sts_drop is None and stl.seeds == ()
    assert "no forgetting measurement in the record (schema 1.2)" in stl.note
    assert "switched off" in stl.note


# ----------------------------------------------------------------- verdicts


def _verdicts(tmp_path, write_records, with_predictions, records, learned=True):
    records = [_learned(with_predictions, r, learned) for r in records]
    return forgetting_verdicts(_results(tmp_path, write_records, records), n_resamples=500)


@pytest.mark.parametrize(("camtl_damage", "mtl_damage", "expected"), [
    (0.02, 0.3, Verdict.SUPPORTED),
    (0.3, 0.02, Verdict.CONTRADICTED),
])
def test_verdict_follows_the_paired_interval(tmp_path, write_records, with_predictions,
                                            measured_record, camtl_damage, mtl_damage,
                                            expected):
    records = [measured_record(m, s, d) for m, d in (("mtl", mtl_damage),
                                                     ("camtl", camtl_damage))
               for s in (1, 2, 3)]
    [found] = _verdicts(tmp_path, write_records, with_predictions, records)
    assert found.methods == ("camtl", "mtl") and found.measure == "sts"
    assert found.verdict.verdict == expected, found.verdict.reason
    interval = found.verdict.interval
    assert (interval.low > 0) == (expected == Verdict.SUPPORTED)
    assert found.measured.startswith("STS drop: camtl ") and " vs mtl " in found.measured
    assert found.scale.startswith("suite glue; backbone") and "1 ep" in found.scale_short


def test_equal_forgetting_is_inconclusive(tmp_path, write_records, with_predictions,
                                          measured_record):
    records = [measured_record(m, s, 0.2, noise_seed=s) for m in ("mtl", "camtl")
               for s in (1, 2)]  # the same after cosines for both methods
    [found] = _verdicts(tmp_path, write_records, with_predictions, records)
    assert found.verdict.verdict == Verdict.INCONCLUSIVE
    assert found.verdict.interval.low == found.verdict.interval.high == 0.0


def test_methods_that_did_not_learn_give_no_verdict_either_way(tmp_path, write_records,
                                                               with_predictions,
                                                               measured_record):
    records = [measured_record(m, s, d) for m, d in (("mtl", 0.3), ("camtl", 0.02))
               for s in (1, 2)]
    [found] = _verdicts(tmp_path, write_records, with_predictions, records, learned=False)
    assert found.verdict.verdict == Verdict.DID_NOT_LEARN
    assert "at baseline on 2/2 tasks" in found.verdict.reason
    assert found.verdict.interval.low > 0  # the interval alone would have said supported


def test_baseline_is_mtl_when_present_else_stl(tmp_path, write_records, with_predictions,
                                               measured_record):
    both = [measured_record(m, 1, d) for m, d in (("stl", 0.3), ("mtl", 0.2),
                                                  ("camtl", 0.02))]
    [found] = _verdicts(tmp_path / "a", write_records, with_predictions, both)
    assert found.methods == ("camtl", "mtl")
    without_mtl = [r for r in both if r["method"] != "mtl"]
    [found] = _verdicts(tmp_path / "b", write_records, with_predictions, without_mtl)
    assert found.methods == ("camtl", "stl")


def test_masked_lm_loss_judges_where_sts_was_not_measured(tmp_path, write_records,
                                                         with_predictions, measured_record):
    records = [measured_record(m, s, d, kind="mlm") for m, d in (("mtl", 0.5), ("camtl", 0.01))
               for s in (1, 2, 3)]
    [found] = _verdicts(tmp_path, write_records, with_predictions, records)
    assert found.measure == "mlm" and found.measured.startswith("MLM loss increase: camtl ")
    assert found.verdict.verdict == Verdict.SUPPORTED
    [table] = forgetting_tables(load_results([tmp_path / "results"]), n_resamples=200)
    mtl = next(r for r in table.rows if r.key == "mtl")
    assert mtl.mlm_increase.estimate > 0 and mtl.sts_drop is None
    assert mtl.mlm_before == pytest.approx(LOSS_BEFORE.sum() / TOKENS.sum())


def test_no_verdict_without_camtl_and_a_full_fine_tuning_baseline(measured_record):
    records = [measured_record("mtl", 1, 0.2), measured_record("houlsby", 1, 0.01)]
    assert forgetting_verdicts(build_result_set(records), n_resamples=200) == []
