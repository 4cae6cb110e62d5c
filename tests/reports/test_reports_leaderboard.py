"""The leaderboard on intervals: shared ranks, the trivial predictor's row, at-baseline marks,
old records without prediction files, one group per scale.

Records carry real per-example prediction files (conftest ``with_predictions``), written
beside them and read back through ``load_results``, as the harness writes them.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from benchmark.errors import BenchmarkError
from benchmark.results.frame import load_results
from benchmark.stats import Interval, format_score
from reports.html import render_leaderboard
from reports.leaderboard import DID_NOT_LEARN, NO_PREDICTIONS, leaderboard
from reports.ranks import Rank, shared_ranks

TASKS = ("rte", "mrpc")
N = 64


def _gold(seed: int = 0, n: int = N) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {t: rng.integers(0, 2, n) for t in TASKS}


def _right_on(gold: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Predictions right on exactly ``share`` of the examples (the rest flipped)."""
    pred = gold.copy()
    wrong = rng.choice(len(gold), size=round(len(gold) * (1 - share)), replace=False)
    pred[wrong] = 1 - pred[wrong]
    return pred


def _records(make_record, with_predictions, method, gold, predict, seeds=(1,), **options):
    return [with_predictions(make_record(method, seed, {t: 50.0 for t in gold}, **options),
                             {t: (predict(t, g), g) for t, g in gold.items()})
            for seed in seeds]


def _result(tmp_path: Path, write_records, records):
    return load_results([write_records(tmp_path / "results", records)])


def _by_method(groups):
    return {e.method: e for g in groups for e in g.entries}


def _rows(page: str) -> dict[str, str]:
    """method -> the opening tag of its row."""
    return {m: tag for tag, m in
            ((t, re.search(r'data-row="([^"]+)"', t).group(1))
             for t in re.findall(r"<tr data-row=[^>]*>", page))}


def test_nine_chance_level_entries_share_one_rank(tmp_path, make_record, with_predictions,
                                                  write_records):
    gold = _gold()
    rng = np.random.default_rng(1)
    records = []
    for i in range(9):
        guesses = {t: rng.integers(0, 2, N) for t in TASKS}
        records += _records(make_record, with_predictions, f"method-{i}", gold,
                            lambda t, g, guesses=guesses: guesses[t])
    result = _result(tmp_path, write_records, records)
    [group] = leaderboard(result)
    averages = [e.cells["task_average"].mean for e in group.entries]
    assert max(averages) - min(averages) > 5  # the point averages differ ...
    assert {e.rank for e in group.entries} == {Rank(1, True)}  # ... the data cannot order them
    assert all(e.learned is False for e in group.entries)
    page = render_leaderboard(result)
    assert page.count('data-rank="1" data-shared="true"') == 9
    assert page.count(">1=</td>") == 9


def test_clearly_separated_entries_get_distinct_ranks(tmp_path, make_record, with_predictions,
                                                      write_records):
    gold = _gold(n=300)
    rng = np.random.default_rng(2)
    records = []
    for method, share in (("weak", 0.55), ("best", 0.95), ("middle", 0.75)):
        records += _records(make_record, with_predictions, method, gold,
                            lambda t, g, share=share: _right_on(g, share, rng), seeds=(1, 2))
    result = _result(tmp_path, write_records, records)
    [group] = leaderboard(result)
    assert [(e.method, e.rank) for e in group.entries] == [
        ("best", Rank(1, False)), ("middle", Rank(2, False)), ("weak", Rank(3, False))]
    best = group.entries[0].cells["task_average"]
    assert best.interval is not None and best.interval.low < best.mean < best.interval.high
    rows = _rows(render_leaderboard(result))
    assert 'data-rank="2" data-shared="false"' in rows["middle"]
    assert group.entries[0].cells["task_average"].interval_text() in render_leaderboard(result)


def test_the_trivial_predictor_is_a_row_with_its_interval(tmp_path, make_record,
                                                          with_predictions, write_records):
    gold = _gold()
    rng = np.random.default_rng(3)
    records = _records(make_record, with_predictions, "camtl", gold,
                       lambda t, g: _right_on(g, 0.9, rng), seeds=(1, 2))
    result = _result(tmp_path, write_records, records)
    [group] = leaderboard(result)
    baseline = group.baseline
    assert baseline is not None and baseline.low <= baseline.estimate <= baseline.high
    majority = {t: float(np.bincount(g).argmax()) for t, g in gold.items()}
    rte = 100 * np.mean(gold["rte"] == majority["rte"])
    assert baseline.per_task["rte"].estimate == pytest.approx(rte)
    assert group.baseline_label == "Trivial predictor (majority class)"
    page = render_leaderboard(result)
    [row] = re.findall(r'<tr class="baseline" data-baseline="trivial".*?</tr>', page, re.S)
    assert format_score(baseline) in row and "Trivial predictor (majority class)" in row
    assert f'data-low="{baseline.low!r}"' in row


def test_an_entry_at_baseline_is_marked(tmp_path, make_record, with_predictions,
                                        write_records):
    gold = _gold(n=200)
    rng = np.random.default_rng(4)
    records = _records(make_record, with_predictions, "learner", gold,
                       lambda t, g: _right_on(g, 0.9, rng))
    records += _records(make_record, with_predictions, "guesser", gold,
                        lambda t, g: rng.integers(0, 2, len(g)))
    result = _result(tmp_path, write_records, records)
    entries = _by_method(leaderboard(result))
    assert entries["guesser"].learned is False
    assert entries["guesser"].baseline_share == (2, 2)
    assert entries["learner"].learned is True and entries["learner"].baseline_share == (0, 2)
    page = render_leaderboard(result)
    rows = _rows(page)
    assert 'class="did-not-learn"' in rows["guesser"]
    assert 'data-at-baseline="2/2"' in rows["guesser"]
    assert 'data-learned="true"' in rows["learner"]
    assert f"{DID_NOT_LEARN}<div class=\"ci\">at baseline on 2/2 tasks</div>" in page
    assert "learned<div class=\"ci\">at baseline on 0/2 tasks</div>" in page


def test_an_old_record_has_no_interval_and_is_not_ranked_above_others(
        tmp_path, make_record, with_predictions, write_records):
    gold = _gold()
    rng = np.random.default_rng(5)
    records = _records(make_record, with_predictions, "mtl", gold,
                       lambda t, g: rng.integers(0, 2, len(g)))
    records.append(make_record("old", 1, {"rte": 99.0, "mrpc": 99.0}))  # no predictions
    result = _result(tmp_path, write_records, records)
    [group] = leaderboard(result)
    assert [e.method for e in group.entries] == ["mtl", "old"]  # 99.0 yet listed after
    old = group.entries[1]
    assert old.rank is None and old.no_interval == NO_PREDICTIONS
    assert old.cells["task_average"].interval is None
    assert group.entries[0].rank == Rank(1, False)
    rows = _rows(page := render_leaderboard(result))
    assert "data-rank" not in rows["old"]
    assert f"no interval ({NO_PREDICTIONS})" in page
    assert "not ranked: no interval" in page


def test_a_changed_prediction_file_gives_no_interval_and_says_why(
        tmp_path, make_record, with_predictions, write_records):
    gold = _gold()
    rng = np.random.default_rng(6)
    records = []
    for method in ("stl", "mtl"):
        records += _records(make_record, with_predictions, method, gold,
                            lambda t, g: rng.integers(0, 2, len(g)))
    folder = write_records(tmp_path / "results", records)
    (folder / records[0]["example_predictions"]["file"]).write_bytes(b"not the file")
    result = load_results([folder])
    entries = _by_method(leaderboard(result))
    assert entries["stl"].rank is None and entries["stl"].no_interval == "note 1"
    assert "sha256" in entries["stl"].no_interval_detail
    assert entries["mtl"].rank == Rank(1, False)
    page = render_leaderboard(result)
    assert 'id="lb-scale-0-note-1"' in page and 'href="#lb-scale-0-note-1"' in page


def test_each_scale_is_ranked_on_its_own_examples(tmp_path, make_record, with_predictions,
                                                  write_records):
    rng = np.random.default_rng(7)
    small, large = _gold(n=40), _gold(seed=1, n=300)
    budget = {"max_train_samples": 64, "max_eval_samples": 300, "epochs": 1, "batch_size": 8,
              "max_length": 128, "learning_rate": 2e-5}
    records = _records(make_record, with_predictions, "camtl", small,
                       lambda t, g: _right_on(g, 0.9, rng))
    records += _records(make_record, with_predictions, "camtl", large,
                        lambda t, g: _right_on(g, 0.6, rng), budget=budget)
    records += _records(make_record, with_predictions, "stl", large,
                        lambda t, g: _right_on(g, 0.9, rng), budget=budget)
    result = _result(tmp_path, write_records, records)
    groups = leaderboard(result)
    assert len(groups) == 2
    sizes = {len(g.entries): g for g in groups}
    assert [e.method for e in sizes[2].entries] == ["stl", "camtl"]
    assert [e.rank for e in sizes[2].entries] == [Rank(1, False), Rank(2, False)]
    assert sizes[1].entries[0].rank == Rank(1, False)
    assert sizes[1].baseline.per_task["rte"].estimate != sizes[2].baseline.per_task["rte"].estimate
    page = render_leaderboard(result)
    assert page.count('data-baseline="trivial"') == 2 and page.count('<tbody id="lb-scale-') == 2


def _interval(estimate: float, low: float, high: float) -> Interval:
    return Interval(estimate, low, high, 0.95, 2000, 0)


def test_ranks_count_the_entries_above():
    ranks = shared_ranks({"a": _interval(80, 78, 82), "b": _interval(79, 77, 81),
                          "c": _interval(70, 69, 71), "d": _interval(60, 59, 61)})
    assert {n: r.text() for n, r in ranks.items()} == {"a": "1=", "b": "1=", "c": "3", "d": "4"}


def test_a_wide_interval_shares_the_best_rank_and_touching_ends_overlap():
    ranks = shared_ranks({"best": _interval(80, 79, 81), "narrow": _interval(77, 76, 78),
                          "touching": _interval(75, 70, 79), "low": _interval(60, 55, 65)})
    assert ranks["touching"] == ranks["best"] == Rank(1, True)
    assert ranks["narrow"] == Rank(1, True)  # below best's interval, but overlaps touching
    assert ranks["low"] == Rank(4, False)


def test_a_chain_of_overlaps_shares_one_rank():
    """X overlaps Y, Y overlaps A; X lies wholly below A. Ranking X below Y would print an
    order their intervals do not show, so all three share the rank."""
    ranks = shared_ranks({"a": _interval(75, 70, 80), "y": _interval(66, 60, 72),
                          "x": _interval(59.5, 50, 69), "z": _interval(40, 35, 45)})
    assert ranks["a"] == ranks["y"] == ranks["x"] == Rank(1, True)
    assert ranks["z"] == Rank(4, False)


def test_an_entry_without_a_finite_interval_is_refused():
    with pytest.raises(BenchmarkError, match="rank only entries with an interval"):
        shared_ranks({"a": _interval(float("nan"), 1, 2)})
