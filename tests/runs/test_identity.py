"""Run identity: what enters the id, how a change is named, and that files hash once."""

from __future__ import annotations

import dataclasses
import json
import os

from run_helpers import planned_ids

from benchmark.data.loading import file_sha256, split_fingerprint
from benchmark.runs.plan import plan_runs
from benchmark.runs.settings import resolve_settings
from benchmark.runs.spec import (
    IDENTITY_PARTS,
    OPTIONAL_IDENTITY_PARTS,
    identity_changes,
    identity_hash,
)
from benchmark.tasks.registry import get_task


def test_task_definition_hash_covers_what_scores_and_not_the_wording():
    rte = get_task("rte")
    same = {
        "description": dataclasses.replace(rte, description="another wording"),
        "display name": dataclasses.replace(rte, display_name="Recognising TE"),
        "files moved": dataclasses.replace(
            rte, local=dataclasses.replace(rte.local, folder="/elsewhere/RTE")),
    }
    other = {
        "text fields": dataclasses.replace(rte, text_fields=("sentence2", "sentence1")),
        "label order": dataclasses.replace(rte, labels=tuple(reversed(rte.labels))),
        "metrics": dataclasses.replace(rte, metrics=("accuracy", "f1")),
        "file name": dataclasses.replace(
            rte, local=dataclasses.replace(rte.local, files={**rte.local.files, "dev": "x"})),
    }
    for what, spec in same.items():
        assert spec.definition_hash() == rte.definition_hash(), what
    for what, spec in other.items():
        assert spec.definition_hash() != rte.definition_hash(), what


def test_identity_is_stored_json_that_rehashes_to_the_run_id(data_dir, tiny_backbone):
    settings = resolve_settings(None, None, {
        "tasks": ["rte"], "methods": ["mtl", "houlsby"], "seeds": [1, 2],
        "backbone": tiny_backbone, "data_dir": str(data_dir)})
    specs = plan_runs(settings)
    assert len({s.run_id for s in specs}) == 4
    for spec in specs:
        identity = spec.identity()
        stored = json.loads(json.dumps(identity))
        assert identity_hash(stored) == spec.run_id
        assert set(identity) == set(IDENTITY_PARTS) - set(OPTIONAL_IDENTITY_PARTS)
        assert identity["data"]["rte"] == {
            "train": "sha256:" + file_sha256(data_dir / "glue_data/RTE/train.tsv"),
            "dev": "sha256:" + file_sha256(data_dir / "glue_data/RTE/dev.tsv"),
        }
        assert identity["task_specs"] == {"rte": get_task("rte").definition_hash()}
        assert identity["method_release"]["distribution"] == "camtl-bench"
        assert identity["backbone_weights"].startswith("sha256:")


def test_suite_runs_fingerprint_the_diagnostics_they_score(data_dir, tiny_backbone):
    settings = resolve_settings(None, None, {
        "suite": "superglue", "tasks": ["rte"], "methods": ["mtl"],
        "backbone": tiny_backbone, "data_dir": str(data_dir)})
    [spec] = plan_runs(settings)
    data = spec.identity()["data"]
    assert set(data) == {"rte", "axb", "axg"}  # AX-b and AX-g are scored with the RTE model
    axb = data_dir / "superglue" / "AX-b" / "AX-b.jsonl"
    assert data["axb"] == {"test": "sha256:" + file_sha256(axb)}
    assert split_fingerprint(get_task("axb"), "test", data_dir / "nowhere") == "missing"


def test_glue_run_does_not_fingerprint_unscored_test_files(data_dir, tiny_backbone):
    settings = resolve_settings(None, None, {
        "suite": "glue", "tasks": ["rte"], "methods": ["mtl"],
        "backbone": tiny_backbone, "data_dir": str(data_dir)})
    [spec] = plan_runs(settings)
    assert spec.identity()["data"] == {"rte": {
        "train": "sha256:" + file_sha256(data_dir / "glue_data/RTE/train.tsv"),
        "dev": "sha256:" + file_sha256(data_dir / "glue_data/RTE/dev.tsv")}}


def test_identity_changes_name_each_changed_part():
    old = {"data": {"rte": {"train": "sha256:a", "dev": "sha256:b"}}, "backbone_weights": "x",
           "train": {"learning_rate": 1e-4, "epochs": 2}, "seed": 12}
    new = {"data": {"rte": {"train": "sha256:c", "dev": "sha256:b"}}, "backbone_weights": "y",
           "train": {"learning_rate": 1e-4, "epochs": 3}, "seed": 12}
    assert identity_changes(old, new) == ["data: rte/train", "backbone weights", "train: epochs"]
    assert identity_changes(new, new) == []


def test_file_hash_is_cached_on_path_size_and_mtime(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_text("a\tb\n")
    first = file_sha256(path)
    stat = path.stat()
    path.write_text("c\td\n")  # same size; put the old mtime back
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert file_sha256(path) == first, "unchanged (path, size, mtime): not read again"
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert file_sha256(path) != first, "a new mtime is hashed afresh"


def test_dry_run_id_follows_the_data_folder(run_cli, data_dir, tiny_backbone, tmp_path):
    args = ["--tasks", "rte", "--methods", "mtl", "--backbone", tiny_backbone,
            "--output", str(tmp_path / "results"), "--dry-run"]
    [real] = planned_ids(run_cli([*args, "--data-dir", str(data_dir)]))
    copy = tmp_path / "copy" / "glue_data" / "RTE"
    copy.mkdir(parents=True)
    for name in ("train.tsv", "dev.tsv"):
        (copy / name).write_bytes((data_dir / "glue_data" / "RTE" / name).read_bytes())
    [same] = planned_ids(run_cli([*args, "--data-dir", str(tmp_path / "copy")]))
    assert same == real, "the same bytes elsewhere are the same data"
    lines = (copy / "dev.tsv").read_text().splitlines(keepends=True)
    (copy / "dev.tsv").write_text("".join(lines[:-1]))  # one dev example fewer
    [other] = planned_ids(run_cli([*args, "--data-dir", str(tmp_path / "copy")]))
    assert other != real


def _rte_mtl_run(data_dir, backbone: str, **train):
    """The one planned run of mtl on RTE with these training settings."""
    settings = resolve_settings(None, None, {
        "tasks": ["rte"], "methods": ["mtl"], "backbone": backbone, "data_dir": str(data_dir),
        **train})
    [planned] = plan_runs(settings)
    return planned


def test_gpu_settings_enter_the_id_only_when_changed(data_dir, tiny_backbone):
    """tf32 and compile came after runs were recorded: at their defaults they leave the id
    as it was; a compiled run (other kernels, other rounding) is another run."""
    def spec(**train):
        return _rte_mtl_run(data_dir, tiny_backbone, **train)

    default = spec()
    assert {"tf32", "compile"}.isdisjoint(default.identity()["train"])
    assert spec(compile=False, tf32=True).run_id == default.run_id
    compiled, ieee = spec(compile=True), spec(tf32=False)
    assert compiled.identity()["train"]["compile"] is True
    assert ieee.identity()["train"]["tf32"] is False
    assert len({default.run_id, compiled.run_id, ieee.run_id}) == 3


def test_dropout_masks_enter_the_id_and_torch_s_draws_keep_the_ids_made_with_them(
        data_dir, tiny_backbone):
    """Runs recorded before CPU dropout masks existed drew torch's: ``dropout_masks: torch``
    plans their ids again (so they are reused); the default, other draws, is another run."""
    default = _rte_mtl_run(data_dir, tiny_backbone)
    torch_draws = _rte_mtl_run(data_dir, tiny_backbone, dropout_masks="torch")
    assert default.identity()["train"]["dropout_masks"] == "int16"
    assert "dropout_masks" not in torch_draws.identity()["train"]  # as before the setting
    assert default.run_id != torch_draws.run_id
