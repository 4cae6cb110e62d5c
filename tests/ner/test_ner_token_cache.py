"""The token cache never hands back features tokenized from other tags than the file's."""

from __future__ import annotations

import shutil
from pathlib import Path

from transformers import AutoTokenizer

from benchmark.data.loading import load_split
from benchmark.data.tokenize import cache_key
from benchmark.tasks.registry import get_task
from camtl.backbones import resolve_backbone


def test_an_edited_tag_is_a_new_cache_entry(data_dir: Path, tmp_path: Path) -> None:
    """WNUT's targets are per-word tags kept in ``meta``: the example's text and label (its
    length) stay the same when only a tag changes, and the key must still change."""
    task = get_task("wnut17")
    tokenizer = AutoTokenizer.from_pretrained(resolve_backbone("all-MiniLM-L6-v2"))
    copy = tmp_path / "wnut17"
    shutil.copytree(data_dir / "wnut17", copy)
    dev = copy / "emerging.dev.conll"
    before = load_split(task, "dev", tmp_path)
    text = dev.read_text(encoding="utf-8")
    assert "Redondo\tB-location\n" in text  # the dev file's first entity
    dev.write_text(text.replace("Redondo\tB-location\n", "Redondo\tB-person\n", 1),
                   encoding="utf-8")
    after = load_split(task, "dev", tmp_path)
    assert [e.texts for e in after] == [e.texts for e in before]
    assert [e.label for e in after] == [e.label for e in before]
    assert cache_key(after, task, tokenizer, 64) != cache_key(before, task, tokenizer, 64)
    assert cache_key(load_split(task, "dev", tmp_path), task, tokenizer, 64) == \
        cache_key(after, task, tokenizer, 64)
