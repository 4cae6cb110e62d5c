"""``--shard K/N`` and Slurm job arrays split the real run matrix: disjoint, complete, stable."""

from __future__ import annotations

import pytest
from run_helpers import planned_ids

from benchmark.errors import BenchmarkError
from benchmark.runs.shard import Shard, parse_shard, resolve_shard, shard_from_slurm

SLURM = ("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN",
         "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_STEP")


@pytest.fixture
def matrix(data_dir, tiny_backbone):
    """Dry-run flags of a 6-run matrix (2 methods x 3 seeds on rte)."""

    def flags(methods: str = "mtl,stl", seeds: str = "1,2,3") -> list[str]:
        return ["--tasks", "rte", "--methods", methods, "--seeds", seeds, "--backbone",
                tiny_backbone, "--data-dir", str(data_dir), "--max-train-samples", "8",
                "--max-eval-samples", "8", "--max-steps", "2", "--max-length", "16",
                "--no-progress", "--dry-run"]  # fmt: skip

    return flags


@pytest.fixture
def no_slurm(monkeypatch):
    for name in SLURM:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _slurm(monkeypatch, task: int, count: int, low: int = 0, step: int = 1) -> None:
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", str(task))
    monkeypatch.setenv("SLURM_ARRAY_TASK_COUNT", str(count))
    monkeypatch.setenv("SLURM_ARRAY_TASK_MIN", str(low))
    monkeypatch.setenv("SLURM_ARRAY_TASK_MAX", str(low + (count - 1) * step))
    monkeypatch.setenv("SLURM_ARRAY_TASK_STEP", str(step))


def test_three_shards_partition_the_matrix_and_slurm_gives_the_same_split(
    run_cli, matrix, tmp_path, no_slurm
):
    output = ["--output", str(tmp_path / "results")]
    everything = planned_ids(run_cli([*matrix(), *output]))
    assert len(everything) == 6
    shards = [planned_ids(run_cli([*matrix(), *output, "--shard", f"{k}/3"])) for k in (1, 2, 3)]
    assert [len(s) for s in shards] == [2, 2, 2]
    assert sorted(sum(shards, [])) == sorted(everything), "each run in exactly one shard"
    for shard in shards:  # a shard keeps the planned order
        assert shard == [run_id for run_id in everything if run_id in shard]
    # listed in another order, the matrix splits the same way
    reordered = [set(planned_ids(run_cli([*matrix("stl,mtl", "3,1,2"), *output,
                                          "--shard", f"{k}/3"]))) for k in (1, 2, 3)]
    assert reordered == [set(s) for s in shards]
    for k, shard in enumerate(shards):  # --array=0-2 and --array=1-3
        _slurm(no_slurm, k, 3)
        outcome = run_cli([*matrix(), *output])
        assert planned_ids(outcome) == shard
        assert f"shard {k + 1}/3 (from SLURM_ARRAY_TASK_ID={k} of array 0-2)" in outcome.log
        _slurm(no_slurm, k + 1, 3, low=1)
        assert planned_ids(run_cli([*matrix(), *output])) == shard
    _slurm(no_slurm, 2, 3)
    assert planned_ids(run_cli([*matrix(), *output, "--shard", "1/3"])) == shards[0], "flag wins"
    assert planned_ids(run_cli([*matrix(), *output, "--shard", "1/1"])) == everything


@pytest.mark.parametrize(
    ("value", "problem"),
    [("0/3", "K must be between 1 and N=3"), ("4/3", "K must be between 1 and N=3"),
     ("a/b", "is not K/N"), ("2", "is not K/N"), ("1/0", "N must be at least 1"),
     ("-1/3", "K must be between 1 and N=3")],
)  # fmt: skip
def test_a_bad_shard_stops_before_training_with_the_way_out(
    run_cli, matrix, tmp_path, no_slurm, value, problem
):
    flags = [f for f in matrix() if f != "--dry-run"]
    outcome = run_cli([*flags, "--output", str(tmp_path / "results"), f"--shard={value}"])
    assert outcome.code == 2
    assert problem in outcome.err and "pass --shard K/N with 1 <= K <= N" in outcome.err
    assert not (tmp_path / "results").exists(), "nothing planned, nothing written"


def test_slurm_arrays_number_their_tasks_from_one_whatever_the_first_index(no_slurm):
    env = {"SLURM_ARRAY_TASK_ID": "6", "SLURM_ARRAY_TASK_COUNT": "4",
           "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "6", "SLURM_ARRAY_TASK_STEP": "2"}
    assert shard_from_slurm(env) == Shard(4, 4, "SLURM_ARRAY_TASK_ID=6 of array 0-6")
    assert shard_from_slurm({}) is None
    assert resolve_shard(None, {}) is None
    assert resolve_shard("1/1", env) is None, "--shard 1/1: the whole matrix, array ignored"
    assert parse_shard(" 2/5 ") == Shard(2, 5)


@pytest.mark.parametrize(
    ("env", "problem"),
    [({"SLURM_ARRAY_TASK_ID": "1"}, "SLURM_ARRAY_TASK_COUNT is not"),
     ({"SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "0"},
      "SLURM_ARRAY_TASK_ID='x' is not a whole number"),
     ({"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "1",
       "SLURM_ARRAY_TASK_MAX": "7"}, "not one evenly spaced range")],  # --array=1,2,7
)  # fmt: skip
def test_a_slurm_array_that_cannot_be_numbered_asks_for_shard(env, problem):
    with pytest.raises(BenchmarkError, match=problem) as caught:
        shard_from_slurm(env)
    assert "pass --shard K/N" in str(caught.value)


def test_a_bad_slurm_array_stops_the_command(run_cli, matrix, tmp_path, no_slurm):
    no_slurm.setenv("SLURM_ARRAY_TASK_ID", "3")
    outcome = run_cli([*matrix(), "--output", str(tmp_path / "results")])
    assert outcome.code == 2 and "SLURM_ARRAY_TASK_COUNT is not" in outcome.err
