"""WNUT 2017 as a built-in task: loading, first-sub-token alignment, the token head's loss,
decoding and entropies, and real stl/mtl runs on MiniLM that write entity F1."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest
import torch

from benchmark.cli.main import main
from benchmark.data.collate import collate
from benchmark.data.loading import load_split
from benchmark.errors import DataError
from benchmark.formats.ner import IGNORE_INDEX, WNUT17_TAGS, derive_tags
from benchmark.formats.registry import format_of
from benchmark.formats.tokens import NO_WORD
from benchmark.tasks.registry import get_task


@pytest.fixture(scope="module")
def wnut(data_dir: Path) -> dict[str, list]:
    task = get_task("wnut17")
    return {split: load_split(task, split, data_dir, allow_hub=False)
            for split in ("train", "dev", "test")}


def test_loader_counts_the_released_sentences_and_the_13_tags(wnut) -> None:
    assert {s: len(v) for s, v in wnut.items()} == {"train": 3394, "dev": 1009, "test": 1287}
    task = get_task("wnut17")
    assert task.labels == WNUT17_TAGS and len(WNUT17_TAGS) == 13
    from benchmark.formats.ner import NerSentence

    for split in wnut:
        sentences = [NerSentence(e.meta["tokens"], e.meta["tags"], 0) for e in wnut[split]]
        assert derive_tags(sentences) == WNUT17_TAGS
    first = wnut["train"][0]
    assert first.meta["tokens"][0] == "@paulwalk"
    assert first.texts == (" ".join(first.meta["tokens"]),)


def test_an_unknown_tag_is_refused_with_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "wnut17"
    folder.mkdir()
    (folder / "wnut17train.conll").write_text("a\tO\nb\tB-animal\n\nc\tO\n")
    with pytest.raises(DataError, match="B-animal.*not one of the task's 13 tags"):
        load_split(get_task("wnut17"), "train", tmp_path, allow_hub=False)


def test_labels_sit_on_the_first_sub_token_of_each_word(wnut, minilm_tokenizer) -> None:
    task = get_task("wnut17")
    fmt = format_of(task)
    example = next(e for e in wnut["train"] if any(len(minilm_tokenizer.tokenize(w)) > 1
                                                   for w in e.meta["tokens"])
                   and any(t != "O" for t in e.meta["tags"]))
    (feature,) = fmt.tokenize([example], task, minilm_tokenizer, 128)
    pieces = minilm_tokenizer.convert_ids_to_tokens(feature.input_ids[0])
    assert len(feature.word_positions) == len(example.meta["tokens"])
    for word, position, label, tag in zip(example.meta["tokens"], feature.word_positions,
                                          feature.word_labels, example.meta["tags"], strict=True):
        assert position != NO_WORD
        assert not pieces[position].startswith("##")
        assert minilm_tokenizer.tokenize(word)[0] == pieces[position]
        assert label == WNUT17_TAGS.index(tag)
    assert len(pieces) > len(feature.word_positions) + 2  # some words have later sub-tokens


def test_a_word_the_tokenizer_drops_is_ignored_and_predicted_o(wnut, minilm_tokenizer) -> None:
    task = get_task("wnut17")
    fmt = format_of(task)
    example = next(e for e in wnut["dev"] if any(not minilm_tokenizer.tokenize(w)
                                                 for w in e.meta["tokens"]))
    (feature,) = fmt.tokenize([example], task, minilm_tokenizer, 128)
    dropped = [i for i, w in enumerate(example.meta["tokens"]) if not minilm_tokenizer.tokenize(w)]
    assert all(feature.word_positions[i] == NO_WORD for i in dropped)
    assert all(feature.word_labels[i] == IGNORE_INDEX for i in dropped)


def test_loss_decode_entropy_and_scores_on_real_sentences(wnut, minilm_tokenizer) -> None:
    task = get_task("wnut17")
    fmt = format_of(task)
    examples = wnut["dev"][:8]
    features = fmt.tokenize(examples, task, minilm_tokenizer, 128)
    batch = collate([(0, f) for f in features], minilm_tokenizer.pad_token_id)
    words = max(len(e.meta["tokens"]) for e in examples)
    assert batch["word_positions"].shape == (8, words)
    # perfect logits: 10 on each word's gold tag, NaN past the sentence (as the model pads)
    logits = torch.zeros((8, 1 + words, 13))
    for b, example in enumerate(examples):
        n = len(example.meta["tokens"])
        logits[b, 1 + n:] = float("nan")
        for w, tag in enumerate(example.meta["tags"]):
            logits[b, 1 + w, WNUT17_TAGS.index(tag)] = 10.0
    outputs, ids = fmt.example_outputs(logits, batch, task, 0)
    assert ids.tolist() == list(range(8))
    loss = fmt.loss(task, outputs, fmt.batch_labels(batch, ids))
    assert 0 < float(loss) < 1e-3
    decoded = [fmt.decode(task, o) for o in outputs]
    assert [len(d) for d in decoded] == [len(e.meta["tokens"]) for e in examples]
    references = fmt.references(examples)
    scores = fmt.metric_values(task, decoded, references, None, [e.meta for e in examples])
    assert scores["entity_f1"] == 1.0 and scores["entity_precision"] == 1.0
    sure = fmt.entropies(task, list(outputs))
    unsure = fmt.entropies(task, [torch.zeros(len(e.meta["tokens"]), 13) for e in examples])
    assert float(sure.max()) < 0.01 and torch.allclose(unsure, torch.ones(8))
    values, gold = fmt.prediction_values(task, examples, decoded)
    assert values[0] == gold[0] == " ".join(examples[0].meta["tags"])


def test_the_bootstrap_resamples_sentences_and_adds_their_entity_counts() -> None:
    """A sentence is one example and one unit: entity F1 is resampled from per-sentence
    (tp, fp, fn), not refused (tests/stats/test_stats_units.py checks the values)."""
    task = get_task("wnut17")
    fmt = format_of(task)
    assert not fmt.grouped(task) and fmt.token_states
    assert [m.name for m in fmt.resampled_metrics(task)] == ["entity_f1"]


@pytest.fixture(scope="module")
def wnut_runs(tmp_path_factory, data_dir) -> Path:
    """stl and mtl on 300 WNUT sentences with MiniLM: ~1 minute on one CPU thread."""
    output = tmp_path_factory.mktemp("wnut17-runs")
    args = ["run", "--tasks", "wnut17", "--methods", "stl,mtl", "--data-dir", str(data_dir),
            "--output", str(output), "--max-train-samples", "200", "--max-eval-samples", "100",
            "--max-steps", "30", "--batch-size", "16", "--max-length", "64", "--no-progress",
            "--seeds", "1"]
    assert main(args) == 0
    return output


def test_runs_write_records_with_entity_f1_above_zero(wnut_runs: Path) -> None:
    records = [json.loads(p.read_text()) for p in sorted(wnut_runs.glob("*.json"))]
    assert sorted(r["method"] for r in records) == ["mtl", "stl"]
    for record in records:
        f1 = record["metrics"]["wnut17"]["entity_f1"]
        assert 0.0 < f1 <= 1.0 and not math.isnan(f1)  # stl measured 0.026 after 30 steps
        assert record["main_scores"]["wnut17"] == pytest.approx(100 * f1)
    predictions = sorted(wnut_runs.glob("*.predictions.jsonl.gz"))[0]
    lines = [json.loads(x) for x in gzip.decompress(predictions.read_bytes()).splitlines()]
    line = next(x for x in lines if x["task"] == "wnut17")
    assert len(line["prediction"].split()) == len(line["gold"].split())
    assert set(line["prediction"].split()) <= set(WNUT17_TAGS)
