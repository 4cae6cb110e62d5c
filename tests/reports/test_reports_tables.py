"""The paper's tables, checked cell by cell against numbers worked out by hand."""

from __future__ import annotations

import math

import pytest

from benchmark.results.frame import build_result_set
from benchmark.tasks.registry import get_suite
from reports.tables import (
    ablation_tables,
    adaptation_tables,
    comparison_tables,
    paper_tables,
    suite_tables,
)

# seed -> (rte, mrpc). STL has no seed 3: its cells must say n=2/3.
STL = {1: (60.0, 80.0), 2: (64.0, 82.0)}
CAMTL = {1: (70.0, 84.0), 2: (72.0, 86.0), 3: (74.0, 85.0)}


def _records(make_record, runs, method, **kwargs):
    return [make_record(method, seed, {"rte": rte, "mrpc": mrpc}, **kwargs)
            for seed, (rte, mrpc) in runs.items()]


@pytest.fixture
def comparison(make_record):
    records = _records(make_record, STL, "stl", params={"trainable": 45_400_000}, data_ratio=1.0)
    records += _records(make_record, CAMTL, "camtl", data_ratio=0.6)
    [table] = comparison_tables(build_result_set(records).frame)
    return table


def test_comparison_cells_by_hand(comparison):
    table = comparison
    assert table.rows == ["stl", "camtl"]
    shown = table.display()
    # STL, seeds 1 and 2 only: rte 60, 64 -> 62 ± sqrt(8); mrpc 80, 82 -> 81 ± sqrt(2);
    # per-seed averages 70, 73 -> 71.5 ± sqrt(4.5).
    assert shown.loc["Single-task fine-tuning", "rte"] == "62.0 ± 2.8 (n=2/3)"
    assert shown.loc["Single-task fine-tuning", "mrpc"] == "81.0 ± 1.4 (n=2/3)"
    assert shown.loc["Single-task fine-tuning", "Avg"] == "71.5 ± 2.1 (n=2/3)"
    # CA-MTL, three seeds: rte 72 ± 2; mrpc 85 ± 1; averages 77, 79, 79.5 -> 78.5 ± sqrt(1.75).
    assert shown.loc["CA-MTL", "rte"] == "72.0 ± 2.0"
    assert shown.loc["CA-MTL", "mrpc"] == "85.0 ± 1.0"
    assert shown.loc["CA-MTL", "Avg"] == "78.5 ± 1.3"
    assert table.cell("camtl", "average").std == pytest.approx(math.sqrt(1.75))
    assert table.cell("stl", "score:rte").std == pytest.approx(math.sqrt(8))
    # Parameters and data: STL 2 tasks, 45.4M trained -> 100% of the 22.7M backbone per task.
    assert shown.loc["Single-task fine-tuning", "Trained / task (%)"] == "100.0 (n=2/3)"
    assert shown.loc["CA-MTL", "Trained / task (%)"] == "25.0"
    assert shown.loc["Single-task fine-tuning", "Params to serve"] == "56.8M (n=2/3)"
    assert shown.loc["CA-MTL", "× backbone"] == "1.00×"
    assert shown.loc["Single-task fine-tuning", "% data used"] == "100.0 (n=2/3)"
    assert shown.loc["CA-MTL", "% data used"] == "60.0"


def test_numeric_frames_and_per_seed_rows(comparison):
    means, counts = comparison.means(), comparison.counts()
    assert means.loc["stl", "score:rte"] == pytest.approx(62.0)
    assert means.loc["camtl", "average"] == pytest.approx(78.5)
    assert counts.loc["stl"].tolist() == [2] * len(comparison.columns)
    assert counts.loc["camtl"].tolist() == [3] * len(comparison.columns)
    per_seed = comparison.per_seed
    assert sorted(per_seed.loc["stl"].index) == [1, 2]
    assert per_seed.loc[("camtl", 3), "score:rte"] == 74.0
    assert per_seed.loc[("camtl", 3), "average"] == pytest.approx(79.5)


def test_missing_score_makes_the_average_partial(make_record):
    records = _records(make_record, CAMTL, "camtl")
    records[2] = make_record("camtl", 3, {"rte": 74.0, "mrpc": None})
    [table] = comparison_tables(build_result_set(records).frame)
    assert table.display().loc["CA-MTL", "mrpc"] == "85.0 ± 1.4 (n=2/3)"
    # Only seeds 1 and 2 scored both tasks: averages 77 and 79.
    assert table.display().loc["CA-MTL", "Avg"] == "78.0 ± 1.4 (n=2/3)"
    assert table.display().loc["CA-MTL", "rte"] == "72.0 ± 2.0"
    assert not table.cell("camtl", "average").complete


def test_row_without_a_task_has_no_average(make_record):
    records = _records(make_record, CAMTL, "camtl")
    records += [make_record("mtl", s, {"rte": 65.0}) for s in (1, 2, 3)]
    [table] = comparison_tables(build_result_set(records).frame)
    assert table.display().loc["Standard MTL", "mrpc"] == "—"
    assert table.display().loc["Standard MTL", "Avg"] == "—"
    assert "missing: mrpc" in table.cell("mtl", "average").note
    assert table.cell("mtl", "score:mrpc").note == "task not in this method's runs"
    assert table.display().loc["Standard MTL", "rte"] == "65.0 ± 0.0"


def test_plugin_methods_are_extra_rows_after_the_paper_rows(make_record):
    records = [make_record(m, 1) for m in ("zeta-plugin", "camtl", "stl", "houlsby", "mtl")]
    [table] = comparison_tables(build_result_set(records).frame)
    assert table.rows == ["stl", "houlsby", "mtl", "camtl", "zeta-plugin"]
    assert table.row_labels["zeta-plugin"] == "zeta-plugin"


def test_ablation_ladder_rows_spread_and_data(make_record):
    ladder = {"ablation-mtl": (60.0, 70.0), "ablation-ca": (62.0, 74.0), "camtl": (66.0, 76.0)}
    records = [make_record(m, s, {"rte": rte + s, "mrpc": mrpc + s}, data_ratio=0.5 + 0.1 * s)
               for m, (rte, mrpc) in ladder.items() for s in (1, 2)]
    [table] = ablation_tables(build_result_set(records).frame)
    assert table.rows == ["ablation-mtl", "ablation-ca", "camtl"]
    shown = table.display()
    assert list(shown.index) == ["Standard MTL", "+ conditional attention",
                                 "+ MT-Uncertainty (= CA-MTL)"]
    # sigma across tasks per seed: pstdev(61, 71) = 5 for both seeds of ablation-mtl.
    assert shown.loc["Standard MTL", "σ tasks"] == "5.0 ± 0.0"
    assert shown.loc["+ conditional attention", "σ tasks"] == "6.0 ± 0.0"
    # data used: 60% and 70% -> 65 ± 7.07
    assert shown.loc["+ MT-Uncertainty (= CA-MTL)", "% data used"] == "65.0 ± 7.1"
    # averages per seed: (63 + 75) / 2 = 69 and 70 -> 69.5 ± 0.71
    assert shown.loc["+ conditional attention", "Avg"] == "69.5 ± 0.7"


def test_scales_never_share_a_table(make_record):
    other_budget = {"max_train_samples": 512, "max_eval_samples": 256, "epochs": 1,
                    "batch_size": 32}
    records = [make_record("camtl", 1), make_record("camtl", 1, budget=other_budget)]
    tables = comparison_tables(build_result_set(records).frame)
    assert len(tables) == 2
    assert {t.scale.budget["max_train_samples"] for t in tables} == {64, 512}


def test_domain_adaptation_rows_are_fractions(make_record):
    records = []
    for fraction, base in ((0.1, 60.0), (1.0, 80.0)):
        for seed in (1, 2):
            for method, bonus in (("stl", 0.0), ("camtl", 4.0)):
                if fraction == 0.1 and method == "stl" and seed == 2:
                    continue
                scores = {"scitail": base + bonus + seed}
                records.append(make_record(method, seed, scores, suite="scitail",
                                           train_fraction=fraction))
    [table] = adaptation_tables(build_result_set(records).frame)
    assert table.rows == ["0.1", "1"]
    assert table.row_labels == {"0.1": "10%", "1": "100%"}
    shown = table.display()
    assert shown.loc["10%", "Single-task fine-tuning"] == "61.0 (n=1/2)"
    assert shown.loc["10%", "CA-MTL"] == "65.5 ± 0.7"
    assert shown.loc["100%", "CA-MTL"] == "85.5 ± 0.7"
    assert "train_fraction" not in table.scale.budget


def test_no_adaptation_table_without_fractions(make_record):
    assert adaptation_tables(build_result_set([make_record()]).frame) == []


def test_suite_averages(make_record):
    glue, superglue = get_suite("glue"), get_suite("superglue")
    records = [make_record("camtl", s, {**dict.fromkeys(glue, 80.0), "rte": 62.0 + 9 * s})
               for s in (1, 2)]
    records += [make_record("camtl", s, {**dict.fromkeys(superglue, 60.0), "copa": 60.0 + 8 * s},
                            suite="superglue") for s in (1, 2)]
    records += [make_record("stl", 1, {"rte": 70.0, "mrpc": 60.0})]  # glue incomplete: null
    [table] = suite_tables(build_result_set(records).frame)
    assert [c.label for c in table.columns] == ["glue", "superglue"]
    shown = table.display()
    # glue: (8 x 80 + 71) / 9 = 79 and (8 x 80 + 80) / 9 = 80; superglue: 61 and 62.
    assert shown.loc["CA-MTL", "glue"] == "79.5 ± 0.7"
    assert shown.loc["CA-MTL", "superglue"] == "61.5 ± 0.7"
    assert shown.loc["Single-task fine-tuning", "glue"] == "—"
    assert "suite_average is null" in table.cell("stl", "suite:glue").note


def test_paper_tables_on_empty_frame():
    assert paper_tables(build_result_set([]).frame) == []


def test_method_learning_rate_does_not_split_the_scale(make_record):
    budget = {"max_train_samples": 64, "max_eval_samples": 32, "epochs": 1, "batch_size": 8}
    records = [make_record("stl", 1, budget={**budget, "learning_rate": 5e-5}),
               make_record("houlsby", 1, budget={**budget, "learning_rate": 1e-3}),
               make_record("houlsby", 2, budget={**budget, "learning_rate": 1e-4})]
    [table] = comparison_tables(build_result_set(records).frame)
    assert len(table.rows) == 3  # houlsby at two rates: two rows, never one averaged row
    assert all(r.startswith("houlsby#") for r in table.rows[1:])
    assert table.notes and table.notes[0].startswith("learning rate: ")
    assert "learning_rate" not in table.scale.describe()


def test_fraction_runs_go_to_the_adaptation_table_only(make_record):
    records = [make_record("camtl", 1, train_fraction=f) for f in (0.1, 1.0)]
    frame = build_result_set(records).frame
    [comparison] = comparison_tables(frame)
    assert comparison.scale.budget["train_fraction"] == 1.0
    assert len(adaptation_tables(frame)) == 1
    # With no full-data run to compare with, fractional runs keep their own table.
    only = build_result_set([make_record("camtl", 1, train_fraction=0.5)]).frame
    assert comparison_tables(only)[0].scale.budget["train_fraction"] == 0.5
