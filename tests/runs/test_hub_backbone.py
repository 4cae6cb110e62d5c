"""A Hub backbone name resolves to one commit's snapshot, so its run id follows the files.

No network here: a Hugging Face cache is laid out by hand (``models--org--name/refs`` and
``snapshots/<commit>``, as ``huggingface_hub`` writes it) with the tiny BERT's real files, and
``huggingface_hub`` runs in offline mode, where it serves the cached snapshot of a revision.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import huggingface_hub
import pytest
from huggingface_hub import constants

from benchmark.cli.main import main
from benchmark.errors import BenchmarkError
from benchmark.results.validate import read_record
from benchmark.runs.backbone_check import backbone_config
from benchmark.runs.backbone_fingerprint import backbone_fingerprint
from camtl.backbones import hub_snapshot, resolve_backbone

FIRST, SECOND = "1" * 40, "2" * 40


@pytest.fixture
def hub_cache(tmp_path, monkeypatch, tiny_backbone) -> Path:
    """``acme/tiny`` at two commits: FIRST (the tiny BERT as saved) and SECOND (the same
    weights, a config with another dropout); ``main`` points at FIRST."""
    cache = tmp_path / "hub"
    repo = cache / "models--acme--tiny"
    for commit in (FIRST, SECOND):
        shutil.copytree(tiny_backbone, repo / "snapshots" / commit)
    config = repo / "snapshots" / SECOND / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "hidden_dropout_prob": 0.3}))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(FIRST)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    huggingface_hub.utils.reset_sessions()
    hub_snapshot.cache_clear()
    yield repo
    hub_snapshot.cache_clear()
    huggingface_hub.utils.reset_sessions()


def test_a_hub_name_resolves_to_its_revisions_snapshot(hub_cache, tiny_backbone):
    assert resolve_backbone("acme/tiny") == str(hub_cache / "snapshots" / FIRST)
    assert resolve_backbone(f"acme/tiny@{SECOND}") == str(hub_cache / "snapshots" / SECOND)
    main_branch = backbone_fingerprint(resolve_backbone("acme/tiny"))
    assert main_branch == backbone_fingerprint(tiny_backbone)
    assert backbone_config(f"acme/tiny@{SECOND}")["hidden_dropout_prob"] == 0.3


def test_a_model_updated_on_the_hub_gets_another_fingerprint(hub_cache):
    before = backbone_fingerprint(resolve_backbone("acme/tiny"))
    (hub_cache / "refs" / "main").write_text(SECOND)  # what a later download of main records
    hub_snapshot.cache_clear()  # a new process
    assert backbone_fingerprint(resolve_backbone("acme/tiny")) != before


@pytest.mark.parametrize(("name", "expected"), [
    ("acme/absent", "could not be fetched from the Hub or found in its cache"),
    ("acme/tiny@" + "3" * 40, "could not be fetched from the Hub or found in its cache"),
    ("acme/no-weights", "no model.safetensors or pytorch_model.bin"),
])
def test_a_hub_name_that_cannot_be_served_is_refused_in_plan(hub_cache, name, expected):
    empty = hub_cache.parent / "models--acme--no-weights"
    shutil.copytree(hub_cache / "refs", empty / "refs")
    (empty / "snapshots" / FIRST).mkdir(parents=True)
    shutil.copy(hub_cache / "snapshots" / FIRST / "config.json", empty / "snapshots" / FIRST)
    with pytest.raises(BenchmarkError, match=expected) as caught:
        backbone_config(name)
    assert "--backbone" in str(caught.value) and "Hugging Face cache" in str(caught.value)


def test_a_run_on_a_hub_name_records_the_snapshots_fingerprint(hub_cache, tiny_backbone, data_dir,
                                                              tiny_budget_flags, tmp_path, capsys):
    out = tmp_path / "results"
    code = main(["run", "--tasks", "rte", "--methods", "mtl", "--seeds", "1", "--backbone",
                 f"acme/tiny@{SECOND}", "--data-dir", str(data_dir), "--output", str(out),
                 *tiny_budget_flags])
    assert code == 0, capsys.readouterr().err
    [path] = out.glob("*.json")
    record = read_record(path).record
    assert record["backbone"]["name"] == f"acme/tiny@{SECOND}"
    assert record["backbone"]["fingerprint"] == backbone_fingerprint(
        str(hub_cache / "snapshots" / SECOND))
    assert record["backbone"]["fingerprint"] != backbone_fingerprint(tiny_backbone)


def test_an_unknown_hub_name_stops_the_run_before_training(hub_cache, data_dir, tmp_path, capsys):
    out = tmp_path / "results"
    code = main(["run", "--tasks", "rte", "--methods", "mtl", "--backbone", "acme/absent",
                 "--data-dir", str(data_dir), "--output", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "acme/absent" in err and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_the_camtl_parameter_table_reads_a_pinned_hub_config(hub_cache, tiny_backbone, capsys):
    from transformers import BertModel

    from camtl.params import main as camtl_params

    report = camtl_params(["--backbone", f"acme/tiny@{SECOND}", "--tasks", "2", "--max-length",
                           "32"])
    plain = sum(p.numel() for p in BertModel.from_pretrained(tiny_backbone).parameters())
    assert report["backbone_parameters"] == plain


def test_a_snapshot_fetches_the_top_level_files_of_one_weight_format():
    from huggingface_hub.utils import filter_repo_objects

    from camtl.backbones import HUB_WEIGHTS, hub_file_patterns

    repository = ["config.json", "tokenizer.json", "vocab.txt", "bpe.codes", "README.md",
                  "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                  "model-00002-of-00002.safetensors", "pytorch_model.bin", "tf_model.h5",
                  "onnx/config.json", "onnx/model.safetensors", "1_Pooling/config.json"]
    safetensors, pickled = (set(filter_repo_objects(repository, **hub_file_patterns(weights)))
                            for weights in HUB_WEIGHTS)
    small = {"config.json", "tokenizer.json", "vocab.txt", "bpe.codes"}
    assert safetensors == small | {"model.safetensors.index.json",
                                   "model-00001-of-00002.safetensors",
                                   "model-00002-of-00002.safetensors"}
    assert pickled == small | {"pytorch_model.bin"}


def test_a_cached_commit_without_weights_is_completed_from_the_hub(hub_cache, tiny_backbone,
                                                                   monkeypatch):
    """`camtl.params` caches a commit's config.json alone; a run on that commit must then
    download the weights, not stop at the partial snapshot. The Hub's answer is simulated:
    the download fills the snapshot with the tiny BERT's files."""
    third = "3" * 40
    partial = hub_cache / "snapshots" / third
    partial.mkdir()
    shutil.copy(Path(tiny_backbone) / "config.json", partial)
    real_download, downloads = huggingface_hub.snapshot_download, []

    def download(repo_id, *, revision=None, local_files_only=False, **patterns):
        if local_files_only:
            return real_download(repo_id, revision=revision, local_files_only=True, **patterns)
        downloads.append(revision)
        shutil.copytree(tiny_backbone, partial, dirs_exist_ok=True)
        return str(partial)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", download)
    assert resolve_backbone(f"acme/tiny@{third}") == str(partial)
    assert downloads == [third]
