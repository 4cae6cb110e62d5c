"""Per-example predictions beside every record: written with it, verified when loaded, and
the very predictions the record's metrics were computed from."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from benchmark.cli.main import main
from benchmark.data.loading import load_split
from benchmark.errors import BenchmarkError
from benchmark.metrics import compute_metrics, main_score, score_examples
from benchmark.results.example_predictions import (
    FORMAT,
    encode,
    load_example_predictions,
    task_predictions,
    write,
)
from benchmark.results.validate import record_problems
from benchmark.stats import task_eval
from benchmark.tasks.registry import get_task
from benchmark.training.evaluate import EvalSet, split_predictions

FLAGS = ["--max-train-samples", "24", "--max-eval-samples", "12", "--max-steps", "3",
         "--batch-size", "4", "--max-length", "32", "--no-progress", "--seeds", "12"]


def _run(args: list[str], output: Path) -> dict:
    assert main(["run", *args, "--output", str(output)]) == 0
    (path,) = output.glob("*.json")
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def runs(tmp_path_factory, data_dir, tiny_backbone) -> dict[str, tuple[dict, Path]]:
    """A joint run (one model, best-on-slice selection) and a per-task run (two models,
    last evaluation kept) of a classification and a regression task."""
    found = {}
    config = tmp_path_factory.mktemp("config") / "evaluate_often.yaml"
    config.write_text("evaluations_per_epoch: 8\n")
    # six evaluations; at this learning rate the slice picks step 4 of 12 (checked below)
    mtl = ["--model-selection", "best", "--config", str(config), "--learning-rate", "3e-3",
           "--max-train-samples", "40", "--max-steps", "12"]
    for method, extra in (("mtl", mtl), ("stl", ["--model-selection", "last"])):
        output = tmp_path_factory.mktemp(method)
        record = _run(["--tasks", "rte,stsb", "--methods", method, "--backbone", tiny_backbone,
                       "--data-dir", str(data_dir), *FLAGS, *extra], output)
        found[method] = (record, output)
    return found


def test_the_joint_run_selected_an_earlier_evaluation_than_its_last(runs):
    """Else the next test could not tell the selected evaluation from the last one."""
    record, _ = runs["mtl"]
    last = record["history"][-1]
    assert set(record["training"]["selected_steps"].values()) == {4}
    assert last["step"] == 12 and last["main_scores"] != record["main_scores"]


@pytest.mark.parametrize("method", ["mtl", "stl"])
def test_file_beside_the_record_matches_its_sha256_and_rows(runs, method):
    record, output = runs[method]
    entry = record["example_predictions"]
    path = output / entry["file"]
    assert entry["file"] == f"{record['run_id']}.predictions.jsonl.gz"
    assert entry["format"] == FORMAT
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    rows = [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]
    assert len(rows) == entry["rows"] == sum(record["budget"]["eval_examples"].values()) == 24
    assert [r["index"] for r in rows if r["task"] == "rte"] == list(range(12))


@pytest.mark.parametrize("method", ["mtl", "stl"])
def test_loaded_predictions_give_the_records_metrics(runs, method):
    record, output = runs[method]
    loaded = load_example_predictions(record, output)
    assert set(loaded) == {("rte", "dev"), ("stsb", "dev")}
    for (task_name, split), part in loaded.items():
        task = get_task(task_name)
        again = compute_metrics(task, list(part.predictions), list(part.gold), part.groups,
                                split=split)
        assert again == pytest.approx(record["metrics"][task_name], abs=1e-12)
        assert main_score(task, again) == pytest.approx(record["main_scores"][task_name])
    assert loaded[("rte", "dev")].predictions.dtype.kind == "i"
    assert loaded[("stsb", "dev")].predictions.dtype.kind == "f"


def test_loading_feeds_the_bootstrap(runs):
    record, output = runs["mtl"]
    loaded = load_example_predictions(record, output)
    for name in ("rte", "stsb"):
        arrays = task_predictions(loaded, name)
        evaluation = task_eval(get_task(name), arrays.gold, arrays.split_sizes)
        assert evaluation.score(arrays.predictions)[0] == pytest.approx(
            record["main_scores"][name])


def test_same_examples_in_the_same_order_for_every_method(runs):
    (mtl, mtl_dir), (stl, stl_dir) = runs["mtl"], runs["stl"]
    a, b = load_example_predictions(mtl, mtl_dir), load_example_predictions(stl, stl_dir)
    for key in a:
        assert a[key].uids == b[key].uids
        assert np.array_equal(a[key].gold, b[key].gold)


def _copy(record: dict, output: Path, folder: Path) -> Path:
    folder.mkdir()
    name = record["example_predictions"]["file"]
    (folder / name).write_bytes((output / name).read_bytes())
    return folder / name


def test_a_changed_prediction_is_refused(runs, tmp_path):
    record, output = runs["mtl"]
    path = _copy(record, output, tmp_path / "copy")
    rows = gzip.decompress(path.read_bytes()).decode().splitlines()
    first = json.loads(rows[0])
    first["prediction"] = 1 - first["prediction"]
    rows[0] = json.dumps(first)
    path.write_bytes(gzip.compress(("\n".join(rows) + "\n").encode(), mtime=0))
    with pytest.raises(BenchmarkError, match=rf"{path.name}: sha256 .*changed or truncated"):
        load_example_predictions(record, path.parent)


def test_a_missing_or_miscounted_file_is_refused(runs, tmp_path):
    record, output = runs["mtl"]
    with pytest.raises(BenchmarkError, match=rf"{record['run_id']}.predictions.jsonl.gz: .*"
                                             "missing.*--overwrite"):
        load_example_predictions(record, tmp_path)
    path = _copy(record, output, tmp_path / "copy")
    miscounted = {**record, "example_predictions": {**record["example_predictions"], "rows": 3}}
    with pytest.raises(BenchmarkError, match=f"{path.name}: 24 rows, but record .* says 3"):
        load_example_predictions(miscounted, path.parent)
    older = {k: v for k, v in record.items() if k != "example_predictions"}
    assert record_problems(older) == []  # optional: records before it stay valid
    with pytest.raises(BenchmarkError, match="names no per-example predictions file"):
        load_example_predictions(older, output)


def test_validator_checks_the_fields_shape(runs):
    record, _ = runs["mtl"]
    entry = record["example_predictions"]
    wrong_name = {**record, "example_predictions": {**entry, "file": "0" * 16 + ".predictions"
                                                    ".jsonl.gz"}}
    assert any("not this run's file" in p for p in record_problems(wrong_name))
    escaping = {**record, "example_predictions": {**entry, "file": "../x.jsonl.gz"}}
    assert any(p.startswith("example_predictions.file:") for p in record_problems(escaping))
    no_hash = {**record, "example_predictions": {k: v for k, v in entry.items() if k != "sha256"}}
    assert "example_predictions.sha256: required field is missing" in record_problems(no_hash)



def test_grouped_and_diagnostic_splits_rescore_from_the_file(data_dir, tiny_backbone, tmp_path):
    """SuperGLUE: MultiRC's question groups, COPA's chosen candidate and the diagnostics
    (AX-b, AX-g with its minimal pairs, scored with the RTE model) are in the file too."""
    record = _run(["--suite", "superglue", "--skip-unavailable", "--methods", "mtl",
                   "--backbone", tiny_backbone, "--data-dir", str(data_dir), *FLAGS], tmp_path)
    loaded = load_example_predictions(record, tmp_path)
    assert {t for t, _ in loaded} == set(record["metrics"])
    assert {"axb", "axg", "multirc", "copa"} <= {t for t, _ in loaded}
    assert loaded[("multirc", "dev")].groups is not None
    for (task_name, split), part in loaded.items():
        again = compute_metrics(get_task(task_name), list(part.predictions), list(part.gold),
                                part.groups, split=split)
        assert again == pytest.approx(record["metrics"][task_name], abs=1e-12), task_name
    from benchmark.results.frame import load_results
    from reports.evidence import gather_evidence

    # every task gets an interval, MultiRC's by whole questions
    tasks = sorted(record["main_scores"])
    result = load_results([tmp_path])
    evidence = gather_evidence({"mtl": (record["run_id"],)}, tasks, result, n_resamples=200)
    assert not evidence.excluded and not evidence.missing
    for task in tasks:
        interval = evidence.rows["mtl"].score.per_task[task]
        assert interval.estimate == pytest.approx(record["main_scores"][task], abs=0.05), task
        assert interval.low <= interval.estimate <= interval.high
    assert "multirc" in evidence.baseline.per_task  # the majority class, scored per question
    # and the leaderboard ranks the SuperGLUE scale (it ranked no scale with MultiRC before)
    from reports.leaderboard import leaderboard

    [group] = leaderboard(result, n_resamples=200)
    [entry] = group.entries
    assert entry.rank is not None and entry.evidence is not None
    assert group.baseline is not None and "multirc" in group.baseline.per_task


def test_record_keeps_the_chosen_entity_and_the_gold_answers(tmp_path):
    """ReCoRD is scored on entity strings: the file keeps those, not the candidate index."""
    folder = tmp_path / "superglue" / "ReCoRD"
    folder.mkdir(parents=True)
    text = "Alice met Bob in Paris. @highlight\nBob left Paris."
    spans = [{"start": 0, "end": 4}, {"start": 10, "end": 12}, {"start": 17, "end": 21}]
    queries = [("@placeholder greeted Bob", 0, 4, "Alice"), ("They met in @placeholder", 17, 21,
                                                              "Paris")]
    passage = {"idx": 0, "passage": {"text": text, "entities": spans}, "qas": [
        {"idx": i, "query": q, "answers": [{"start": s, "end": e, "text": a}]}
        for i, (q, s, e, a) in enumerate(queries)]}
    (folder / "val.jsonl").write_text(json.dumps(passage) + "\n")
    task = get_task("record")
    examples = load_split(task, "dev", tmp_path)
    chosen = np.array([1, 2])  # "Bob" (wrong), "Paris" (right)
    part = split_predictions(EvalSet(0, task, "dev", examples, []), chosen)
    payload = encode([part])
    record = {"run_id": "0" * 16, "example_predictions": payload.field("0" * 16)}
    write(tmp_path, "0" * 16, payload)
    [(key, loaded)] = load_example_predictions(record, tmp_path).items()
    assert key == ("record", "dev")
    assert list(loaded.predictions) == ["Bob", "Paris"]
    assert list(loaded.gold) == [["Alice"], ["Paris"]]
    assert compute_metrics(task, list(loaded.predictions), list(loaded.gold), loaded.groups) \
        == score_examples(task, examples, list(chosen))


@pytest.mark.parametrize("method", ["mtl", "stl"])
def test_record_names_the_trivial_predictor_of_the_examples_that_trained(runs, method, data_dir):
    """Majority class of RTE's training labels, training mean of STS-B's, counted after the
    selection slice was held out (the mtl run selects on one; stl does not)."""
    record, _ = runs[method]
    trivial = record["trivial_baseline"]
    assert trivial["rte"]["predictor"] == "majority class"
    assert trivial["rte"]["value"] in (0, 1)
    assert trivial["stsb"]["predictor"] == "training mean"
    assert 0.0 < trivial["stsb"]["value"] < 5.0
    for task in ("rte", "stsb"):
        assert trivial[task]["train_examples"] == record["budget"]["train_examples"][task]
    gold = load_example_predictions(record, runs[method][1])[("rte", "dev")].gold
    assert trivial["rte"]["score"] == pytest.approx(100 * np.mean(gold == trivial["rte"]["value"]))
    assert trivial["stsb"]["score"] == 0.0  # a constant has no correlation


def test_report_evidence_from_real_runs(runs):
    """Each run's table has intervals around its recorded scores and the trivial row; the two
    runs (other budgets, same evaluation examples) pair into a difference whose estimate is
    the difference of their recorded averages."""
    from benchmark.results.frame import load_results
    from reports.annotate import annotated_tables
    from reports.evidence import gather_evidence

    result = load_results([runs["mtl"][1], runs["stl"][1]])
    tables = [(t, a) for t, a in annotated_tables(result) if t.kind == "comparison"]
    assert len(tables) == 2  # the budgets differ: two scales
    for table, annotated in tables:
        [method] = table.rows
        evidence = annotated.evidence
        assert not evidence.missing
        for task in ("rte", "stsb"):
            recorded = runs[method][0]["main_scores"][task]
            interval = evidence.rows[method].score.per_task[task]
            assert interval.estimate == pytest.approx(recorded)
            assert interval.low <= recorded <= interval.high
        assert set(evidence.baseline.per_task) == {"rte", "stsb"}
        assert evidence.baseline.per_task["stsb"].estimate == 0.0  # a constant: no correlation
    groups = {m: (runs[m][0]["run_id"],) for m in ("mtl", "stl")}
    paired = gather_evidence(groups, ("rte", "stsb"), result)
    delta = paired.difference("mtl", "stl")
    averages = {m: np.mean([runs[m][0]["main_scores"][t] for t in ("rte", "stsb")])
                for m in ("mtl", "stl")}
    assert delta.estimate == pytest.approx(averages["mtl"] - averages["stl"])
    assert delta.low <= delta.estimate <= delta.high


def test_best_dev_runs_keep_their_intervals(data_dir, tiny_backbone, tmp_path):
    """best-dev reports each metric's maximum over the dev evaluations; its file holds the
    evaluation with the best mean, and the report checks the file against that evaluation's
    scores (not against the maxima, which would read as a tampered file) and says so."""
    from benchmark.results.frame import load_results
    from reports.evidence import gather_evidence, predicted_evaluation_scores

    config = tmp_path / "evaluate_often.yaml"
    config.write_text("evaluations_per_epoch: 8\n")
    output = tmp_path / "results"
    record = _run(["--tasks", "rte,mrpc,stsb", "--methods", "mtl", "--backbone", tiny_backbone,
                   "--data-dir", str(data_dir), *FLAGS, "--model-selection", "best-dev",
                   "--config", str(config), "--learning-rate", "1e-2",
                   "--max-train-samples", "60", "--max-eval-samples", "40",
                   "--max-steps", "16"], output)
    assert len(record["history"]) > 2
    selected = predicted_evaluation_scores(record)
    step = record["training"]["selected_steps"]["mrpc"]
    [entry] = [e for e in record["history"] if e["step"] == step]
    assert selected == entry["main_scores"]
    for task, score in record["main_scores"].items():  # maxima: at least the selected scores
        assert score >= selected[task] - 1e-9
    # the tasks peak at different evaluations here, so no one prediction set gives the maxima
    assert any(record["main_scores"][t] > selected[t] + 1 for t in selected)
    evidence = gather_evidence({"mtl": (record["run_id"],)}, ["rte", "mrpc", "stsb"],
                               load_results([output]), n_resamples=200)
    assert not evidence.missing and not evidence.excluded
    for task in ("rte", "mrpc", "stsb"):
        assert evidence.rows["mtl"].score.per_task[task].estimate == pytest.approx(
            selected[task], abs=0.05)
    assert "per-metric maxima" in evidence.describe()
