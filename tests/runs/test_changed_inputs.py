"""A changed input is a new run: a new id, a retrain, and a log line naming what changed.

Most tests train with the real `run` command on real files (two steps, tiny backbone),
edit one input that run ids used to ignore, and runs the same command again.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from run_helpers import (
    TINY_RUN,
    append_row,
    changed_parts,
    planned_ids,
    swap_weights,
    write_user_task,
)

from benchmark.errors import BenchmarkError
from benchmark.runs.inputs import check_data_unchanged
from benchmark.runs.plan import plan_runs
from benchmark.runs.settings import resolve_settings

FINISHED = "0 run(s) trained, 1 already finished"
RETRAINED = "1 run(s) trained, 0 already finished"


def _records(output: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in output.glob("*.json")}


def _new_id(output: Path, known: list[str]) -> str:
    [new] = [run_id for run_id in _records(output) if run_id not in known]
    return new


def test_user_task_fields_labels_and_file_content_each_retrain(
    run_cli, user_task, tiny_backbone, tmp_path
):
    output = tmp_path / "results"
    args = ["--user-tasks", str(user_task), "--tasks", "reviews", "--methods", "mtl",
            "--backbone", tiny_backbone, "--output", str(output), *TINY_RUN]

    [dry_id] = planned_ids(run_cli([*args, "--dry-run"]))
    first = run_cli(args)
    assert first.code == 0, first.err
    assert list(_records(output)) == [dry_id], "the dry run shows the id the run writes"
    again = run_cli(args)
    assert FINISHED in again.out and "inputs changed" not in again.log

    folder = user_task.parent
    edits = [
        (lambda: write_user_task(folder, text_fields="[review, summary]", labels="[neg, pos]"),
         "task specs: reviews"),
        (lambda: write_user_task(folder, text_fields="[review, summary]", labels="[pos, neg]"),
         "task specs: reviews"),  # the other label is now F1's positive class
        (lambda: append_row(folder / "train.tsv", "fine\tok\tpos\n"), "data: reviews/train"),
    ]
    ids = [dry_id]
    for edit, named in edits:
        edit()
        result = run_cli(args)
        assert result.code == 0, result.err
        assert RETRAINED in result.out
        new_id = _new_id(output, ids)
        assert changed_parts(result.log) == named, "exactly the edited part is named"
        assert f"run {ids[-1]} " in result.log and f"retraining as {new_id}" in result.log
        ids.append(new_id)
    assert FINISHED in run_cli(args).out, "the edited task, unchanged since, is skipped"


def test_another_data_folder_with_other_data_retrains(
    run_cli, data_dir, tiny_backbone, tmp_path
):
    folders = []
    for name, rows in (("data_a", 60), ("data_b", 50)):
        root = tmp_path / name
        shutil.copytree(data_dir / "glue_data" / "RTE", root / "glue_data" / "RTE")
        train = root / "glue_data" / "RTE" / "train.tsv"
        train.write_text("".join(train.read_text().splitlines(keepends=True)[: rows + 1]))
        folders.append(root)
    output = tmp_path / "results"
    args = ["--tasks", "rte", "--methods", "mtl", "--backbone", tiny_backbone,
            "--output", str(output), *TINY_RUN]

    assert run_cli([*args, "--data-dir", str(folders[0])]).code == 0
    switched = run_cli([*args, "--data-dir", str(folders[1])])
    assert switched.code == 0, switched.err
    assert RETRAINED in switched.out
    assert changed_parts(switched.log) == "data: rte/train"
    assert len(_records(output)) == 2
    back = run_cli([*args, "--data-dir", str(folders[0])])
    assert FINISHED in back.out, "the first folder's run is still finished"


def test_new_weights_under_the_same_backbone_name_retrain(
    run_cli, data_dir, own_backbone, tmp_path
):
    output = tmp_path / "results"
    args = ["--tasks", "rte", "--methods", "mtl", "--backbone", str(own_backbone),
            "--data-dir", str(data_dir), "--output", str(output), *TINY_RUN]
    assert run_cli(args).code == 0
    [before] = _records(output).values()

    swap_weights(own_backbone)
    swapped = run_cli(args)
    assert swapped.code == 0, swapped.err
    assert RETRAINED in swapped.out
    assert changed_parts(swapped.log) == "backbone weights"
    after = _records(output)[_new_id(output, [before["run_id"]])]
    assert after["backbone"]["name"] == before["backbone"]["name"]
    assert after["backbone"]["fingerprint"] != before["backbone"]["fingerprint"]
    assert after["identity"]["backbone_weights"] == after["backbone"]["fingerprint"]


def test_predict_test_on_a_finished_run_says_it_wrote_nothing(run_cli, data_dir, tiny_backbone,
                                                              tmp_path):
    """Test predictions are not part of a result, so asking for them does not retrain a
    finished run; the log says so instead of ending quietly with no server files."""
    args = ["--tasks", "rte", "--methods", "mtl", "--backbone", tiny_backbone,
            "--data-dir", str(data_dir), "--output", str(tmp_path / "results"), *TINY_RUN]
    assert run_cli(args).code == 0
    again = run_cli([*args, "--predict-test"])
    assert again.code == 0 and FINISHED in again.out
    assert "--predict-test: 1 finished run(s) are skipped and have no test-set" in again.log
    assert "add --overwrite" in again.log


def test_data_changed_after_planning_is_refused_before_training(data_dir, tmp_path):
    """A long sweep reads its last run's files hours after planning them: if they changed,
    the run id (and the record) would name data the run did not train on."""
    rte_copy = tmp_path / "data"
    shutil.copytree(data_dir / "glue_data" / "RTE", rte_copy / "glue_data" / "RTE")
    flags = {"tasks": ["rte"], "methods": ["mtl"], "data_dir": str(rte_copy)}
    (spec,) = plan_runs(resolve_settings(None, None, flags))
    check_data_unchanged(spec, rte_copy)  # as planned: nothing to say
    train = rte_copy / "glue_data" / "RTE" / "train.tsv"
    train.write_text(train.read_text(encoding="utf-8"), encoding="utf-8")
    check_data_unchanged(spec, rte_copy)  # rewritten with the same bytes: the same data
    lines = train.read_text(encoding="utf-8").splitlines(keepends=True)
    train.write_text("".join(lines[:-1]), encoding="utf-8")
    with pytest.raises(BenchmarkError, match="rte/train changed after the sweep was planned"):
        check_data_unchanged(spec, rte_copy)
