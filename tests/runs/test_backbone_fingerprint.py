"""The backbone's fingerprint changes with anything `from_pretrained` reads, and only then."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertModel

from benchmark.errors import BenchmarkError
from benchmark.runs.backbone_fingerprint import backbone_fingerprint


@pytest.fixture
def checkpoint(tiny_backbone, tmp_path) -> Path:
    folder = tmp_path / "bert"
    shutil.copytree(tiny_backbone, folder)
    return folder


def _edit_json(path: Path, **changes) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_config_and_tokenizer_are_part_of_the_fingerprint(checkpoint, tmp_path):
    before = backbone_fingerprint(str(checkpoint))
    copy = tmp_path / "elsewhere"
    shutil.copytree(checkpoint, copy)
    assert backbone_fingerprint(str(copy)) == before  # the same files in another folder
    _edit_json(checkpoint / "config.json", hidden_dropout_prob=0.3)
    dropout = backbone_fingerprint(str(checkpoint))
    assert dropout != before
    _edit_json(checkpoint / "tokenizer_config.json", do_lower_case=False)
    assert backbone_fingerprint(str(checkpoint)) not in (before, dropout)


def test_every_shard_of_a_sharded_checkpoint_counts(tmp_path):
    folder = tmp_path / "sharded"
    torch.manual_seed(0)
    config = BertConfig(vocab_size=1000, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64)
    BertModel(config).save_pretrained(folder, max_shard_size="100KB")
    shards = sorted(folder.glob("model-*.safetensors"))
    assert len(shards) > 1 and (folder / "model.safetensors.index.json").is_file()
    before = backbone_fingerprint(str(folder))
    assert before.startswith("sha256:")
    last = shards[-1]
    last.write_bytes(last.read_bytes()[:-1] + bytes([last.read_bytes()[-1] ^ 1]))
    assert backbone_fingerprint(str(folder)) != before
    last.unlink()
    with pytest.raises(BenchmarkError, match="names shards that are not there"):
        backbone_fingerprint(str(folder))


def test_a_folder_without_weights_is_refused(checkpoint):
    for weights in checkpoint.glob("model.safetensors"):
        weights.unlink()
    with pytest.raises(BenchmarkError, match="no model.safetensors or pytorch_model.bin"):
        backbone_fingerprint(str(checkpoint))


def test_only_the_weights_from_pretrained_loads_count(checkpoint):
    """transformers loads model.safetensors before an index or pickled weights beside it."""
    before = backbone_fingerprint(str(checkpoint))
    (checkpoint / "pytorch_model.bin").write_bytes(b"stale pickled copy")
    (checkpoint / "model-00001-of-00001.safetensors").write_bytes(b"stale shard")
    (checkpoint / "model.safetensors.index.json").write_text(
        json.dumps({"weight_map": {"x": "model-00001-of-00001.safetensors"}}))
    assert backbone_fingerprint(str(checkpoint)) == before
    (checkpoint / "model.safetensors").unlink()
    assert backbone_fingerprint(str(checkpoint)) != before  # now the index and its shard
