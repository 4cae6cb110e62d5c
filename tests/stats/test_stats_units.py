"""Metrics formed over groups and strings (MultiRC, AX-g, WNUT 2017, SQuAD, ReCoRD) are
resampled unit by unit, and every resample scores as the harness's own metrics score the
examples it drew (whole groups kept together), on the real evaluation files."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from benchmark.data.examples import Example
from benchmark.data.loading import load_split
from benchmark.errors import BenchmarkError
from benchmark.formats.registry import format_of
from benchmark.metrics import main_score
from benchmark.metrics.core import score_examples
from benchmark.stats import bootstrap_difference, make_task_eval, task_eval
from benchmark.stats.units import ratio_metric, unit_counts
from benchmark.tasks.registry import get_task


def _noisy_labels(examples: list[Example], rng: np.random.Generator) -> list[int]:
    return [int(e.label) if rng.random() < 0.7 else int(rng.integers(0, 2)) for e in examples]


def _noisy_tags(task, examples: list[Example], rng: np.random.Generator) -> list[tuple]:
    ids = {tag: i for i, tag in enumerate(task.labels)}
    out = []
    for e in examples:
        tags = [ids[t] for t in e.meta["tags"]]
        out.append(tuple(t if rng.random() < 0.8 else int(rng.integers(0, len(ids)))
                         for t in tags))
    return out


def _noisy_spans(examples: list[Example], rng: np.random.Generator) -> list[tuple]:
    out = []
    for e in examples:
        context, answer = e.meta["context"], e.meta["answers"][0]
        start = context.find(answer)
        if rng.random() < 0.5 and start >= 0:
            out.append((start, start + len(answer), 1.0))
        else:  # a wrong or partly right span
            at = int(rng.integers(0, max(1, len(context) - 20)))
            out.append((at, at + int(rng.integers(1, 20)), 0.5))
    return out


CASES = {
    "multirc": ("dev", 600, _noisy_labels),
    "axg": ("test", 200, _noisy_labels),
    "wnut17": ("dev", 300, None),
    "squad": ("dev", 300, None),
}


def _case(name: str, data_dir) -> tuple:
    task = get_task(name)
    split, n, noise = CASES[name]
    examples = load_split(task, split, data_dir, allow_hub=False)[:n]
    rng = np.random.default_rng(11)
    if name == "wnut17":
        predicted = _noisy_tags(task, examples, rng)
    elif name == "squad":
        predicted = _noisy_spans(examples, rng)
    else:
        predicted = noise(examples, rng)
    values, gold = format_of(task).prediction_values(task, examples, np.asarray(
        predicted, dtype=object) if name in ("wnut17", "squad") else np.asarray(predicted))
    groups = [e.group for e in examples]
    return task, examples, predicted, values, gold, groups


def _drawn_examples(evaluation, examples: list[Example], predicted: list, row: np.ndarray
                    ) -> tuple[list[Example], list]:
    """The examples a resample row drew, each drawn copy of a group made its own group."""
    members = evaluation._members[0] if evaluation._members else [[i] for i in
                                                                  range(len(examples))]
    drawn, preds = [], []
    for copy, unit in enumerate(row):
        for i in members[unit]:
            e = examples[i]
            drawn.append(replace(e, group=f"{copy}:{e.group}") if e.group else e)
            preds.append(predicted[i])
    return drawn, preds


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_resample_scores_as_the_harness_scores_the_drawn_examples(name, data_dir):
    task, examples, predicted, values, gold, groups = _case(name, data_dir)
    evaluation = task_eval(task, gold, (), groups)
    whole = main_score(task, score_examples(task, examples, predicted))
    assert evaluation.score(values)[0] == pytest.approx(whole, abs=1e-9)
    idx = evaluation.draw(np.random.default_rng(0), 6)
    got = evaluation.score(values, idx)
    for row, score in zip(idx, got, strict=True):
        drawn, preds = _drawn_examples(evaluation, examples, predicted, row)
        assert score == pytest.approx(main_score(task, score_examples(task, drawn, preds)),
                                      abs=1e-9)


def test_multirc_resamples_whole_questions(data_dir):
    task, examples, _, values, gold, groups = _case("multirc", data_dir)
    evaluation = task_eval(task, gold, (), groups)
    questions = len(set(groups))
    assert questions < len(examples)  # several options per question
    assert evaluation.draw(np.random.default_rng(1), 5).shape == (5, questions)


def test_grouped_tasks_need_their_group_ids(data_dir):
    task, _, _, _, gold, _ = _case("multirc", data_dir)
    with pytest.raises(BenchmarkError, match="group id"):
        task_eval(task, gold)
    with pytest.raises(BenchmarkError, match="one group id per"):
        task_eval(task, gold, (), ["q"] * (len(gold) - 1))


def test_wnut_surface_scores_have_no_interval_and_say_why() -> None:
    task = replace(get_task("wnut17"), metrics=("entity_f1", "surface_f1"))
    with pytest.raises(BenchmarkError, match="unique surface forms"):
        format_of(task).resampled_metrics(task)


def test_record_best_match_per_query_resampled() -> None:
    task = get_task("record")
    pred = np.array(["Barack Obama", "Paris", "the UN", "Berlin"], dtype=object)
    gold = np.empty(4, dtype=object)
    gold[:] = [["Obama", "Barack Obama"], ["London"], ["UN"], ["Berlin", "Bonn"]]
    evaluation = task_eval(task, gold)
    # F1 1, 0, 1, 1 and EM 1, 0, 1, 1 ("the" is dropped by normalisation)
    assert evaluation.score(pred)[0] == pytest.approx(75.0)
    assert evaluation.score(pred, np.array([[1, 1, 1, 1], [0, 2, 3, 0]])) == pytest.approx(
        [0.0, 100.0])


def test_unit_counts_count_draws_per_row() -> None:
    counts = unit_counts(np.array([[0, 0, 2], [1, 2, 2]]), 4)
    assert counts.tolist() == [[2, 0, 1, 0], [0, 1, 2, 0]]


def test_cluster_bootstrap_widens_the_interval_when_group_members_agree() -> None:
    """Options of one question that are all right or all wrong together: resampling options
    one by one would treat them as independent evidence and overstate the precision."""
    rng = np.random.default_rng(2)
    right = rng.random(200) < 0.6  # per question
    sizes = rng.integers(2, 8, 200)
    groups = np.repeat([f"q{i}" for i in range(200)], sizes)
    gold = rng.integers(0, 2, len(groups))
    pred = np.where(np.repeat(right, sizes), gold, 1 - gold)
    other = np.where(rng.random(len(gold)) < 0.5, gold, 1 - gold)
    accuracy = (ratio_metric("accuracy", lambda p, g: (sum(np.equal(p, g)), len(g))),)
    by_group = make_task_eval(gold, accuracy, groups=groups)
    by_example = make_task_eval(gold, accuracy, groups=[str(i) for i in range(len(gold))])
    widths = []
    for evaluation in (by_group, by_example):
        gap = bootstrap_difference({1: {"t": pred}}, {1: {"t": other}}, {"t": evaluation},
                                   n_resamples=1000, seed=0)
        widths.append(gap.high - gap.low)
    assert widths[0] > 1.5 * widths[1]
