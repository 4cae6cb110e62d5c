"""The ``mrqa_span`` format and the MRQA tasks end to end on the real files and MiniLM.

The file-level counts and SQuAD's window coverage are tested in test_qa_reader.py and
test_qa_windows.py; here the same files go through the harness's loader, tokenizer cache,
collate, heads, loss, decoding, entropy and evaluation.
"""

from __future__ import annotations

import math
import random
import re
from pathlib import Path

import pytest
import torch

from benchmark.data.collate import collate
from benchmark.data.loading import load_split
from benchmark.data.tokenize import tokenize_examples
from benchmark.errors import MissingDataError
from benchmark.formats.qa import make_windows, uncovered_answers
from benchmark.formats.registry import format_of
from benchmark.formats.span_qa import qa_example, split_examples_by_context, window_settings
from benchmark.tasks.mrqa import MRQA_IN_DOMAIN, MRQA_OUT_OF_DOMAIN
from benchmark.tasks.registry import get_task


@pytest.fixture(scope="session")
def squad_examples(data_dir: Path):
    return load_split(get_task("squad"), "dev", data_dir, allow_hub=False)


@pytest.fixture(scope="session")
def backbone() -> str:
    from camtl.backbones import resolve_backbone

    return resolve_backbone("all-MiniLM-L6-v2")


def test_the_catalog_names_six_in_domain_and_six_evaluation_only_tasks() -> None:
    assert MRQA_IN_DOMAIN == ("squad", "newsqa", "triviaqa", "searchqa", "hotpotqa",
                              "naturalquestions")
    assert set(MRQA_OUT_OF_DOMAIN) == {"bioasq", "drop", "duorc", "race",
                                       "relationextraction", "textbookqa"}
    for name in MRQA_OUT_OF_DOMAIN:
        assert get_task(name).splits == ("dev",)
    assert get_task("squad").main_score == "F1" and get_task("squad").metrics == ("f1", "em")


@pytest.mark.parametrize(("name", "questions", "passages"), [
    ("squad", 10507, 2067), ("drop", 1503, 281), ("duorc", 1501, 202),
    ("relationextraction", 2948, 2093)])
def test_the_loader_gives_one_example_per_question(name, questions, passages,
                                                   data_dir: Path) -> None:
    examples = load_split(get_task(name), "dev", data_dir, allow_hub=False)
    assert len(examples) == questions
    assert len({e.meta["context_id"] for e in examples}) == passages  # distinct passage texts


def test_a_task_without_local_files_is_reported_missing(data_dir: Path) -> None:
    with pytest.raises(MissingDataError, match="newsqa train"):
        load_split(get_task("newsqa"), "train", data_dir, allow_hub=False)


@pytest.mark.parametrize(("name", "uncovered"), [("drop", 0), ("duorc", 0),
                                                 ("relationextraction", 0)])
def test_default_windows_cover_every_out_of_domain_answer(name, uncovered, data_dir: Path,
                                                          minilm_tokenizer) -> None:
    examples = [qa_example(e) for e in load_split(get_task(name), "dev", data_dir,
                                                  allow_hub=False)]
    windowing = make_windows(examples, minilm_tokenizer, window_settings(384))
    assert len(uncovered_answers(examples, windowing.windows)) == uncovered


def test_the_context_split_keeps_passages_on_one_side(squad_examples) -> None:
    train, held, record = split_examples_by_context(squad_examples, 0.03, 0)
    assert {e.meta["context_id"] for e in train}.isdisjoint(e.meta["context_id"] for e in held)
    assert record["train_questions"] == len(train) and len(train) + len(held) == 10507
    assert record["kind"] == "split by context of one file" and record["seed"] == 0


def test_windows_batch_loss_decode_and_entropy(squad_examples, minilm_tokenizer, backbone,
                                               tmp_path: Path) -> None:
    from benchmark.methods.registry import get_method
    from benchmark.training.heads import MultiTaskModel, multitask_loss

    task = get_task("squad")
    fmt = format_of(task)
    long = sorted(squad_examples, key=lambda e: -len(e.meta["context"]))[:3]
    examples = [*long, *squad_examples[:3]]
    features = tokenize_examples(examples, task, minilm_tokenizer, 128, tmp_path)
    again = tokenize_examples(examples, task, minilm_tokenizer, 128, tmp_path)
    assert again.cache_hit and list(again) == list(features)  # spans survive the cache
    assert all(f.num_rows > 2 for f in features[:3]) and features[3].num_rows == 2
    assert window_settings(128).stride == 46 and window_settings(512) == window_settings(384)
    batch = collate([(0, f) for f in features],
                    minilm_tokenizer.pad_token_id)
    rows = sum(f.num_rows for f in features)
    assert batch["span_targets"].shape == (rows, 2) and batch["span_offsets"].shape[0] == rows
    first = features[3]  # its first window holds the answer: the target's characters are it
    r = sum(f.num_rows for f in features[:3])
    start, end = batch["span_targets"][r].tolist()
    chars = batch["span_offsets"][r]
    context = examples[3].meta["context"]
    assert context[chars[start, 0]:chars[end, 1]] == "Denver Broncos" and first.label > 0
    method = get_method("stl")
    torch.manual_seed(0)
    model = MultiTaskModel(method.build_encoder(backbone, [task], method.resolve_options({}),
                                                128), [task])
    logits = model(batch)
    loss = multitask_loss(logits, batch, [task])
    assert math.isfinite(float(loss)) and float(loss) > 0
    outputs, ids = fmt.example_outputs(logits, batch, task, 0)
    assert outputs.shape[:2] == (6, max(f.num_rows for f in features)) and outputs.shape[-1] == 4
    for output, feature in zip(outputs, features, strict=True):  # windows it lacks: NaN
        assert torch.isnan(output[feature.num_rows:]).all()
        assert not torch.isnan(output[:feature.num_rows]).any()
    for output, example in zip(outputs, examples, strict=True):
        s, e, score = fmt.decode(task, output.detach())
        assert 0 <= s < e <= len(example.meta["context"]) and math.isfinite(score)
    entropy = fmt.entropies(task, list(outputs.detach()))
    assert entropy.shape == (6,) and bool(((entropy > 0.5) & (entropy <= 1.0)).all())
    sharp = outputs[3, :1].detach().clone()  # all mass on one passage token: entropy 0
    sharp[..., :2] = torch.where(sharp[..., 2:3] >= 0, -1e4, sharp[..., :2])
    sharp[0, start, :2] = 1e4
    assert float(fmt.entropies(task, [sharp])[0]) == pytest.approx(0.0, abs=1e-6)


def first_words(context: str, k: int) -> str:
    return " ".join(context.split()[:k])


@pytest.mark.slow
def test_stl_on_a_squad_part_beats_the_best_trivial_span(squad_examples, minilm_tokenizer,
                                                         backbone) -> None:
    """287 questions (62 passages) of SQuAD dev, 2 epochs at max_length 256 (36 steps, about
    4 min on one shared core); scored on 200 held-out questions of other passages. The
    trivial baseline is the best over k = 1..30 of "the passage's first k words" (chosen on
    the held-out part itself, so it flatters the baseline) and the first sentence. Measured:
    model F1 0.214, EM 0.19; best first-k F1 0.094 (k = 17), first sentence 0.085."""
    from benchmark.methods.registry import get_method
    from benchmark.training.evaluate import EvalSet, evaluate
    from benchmark.training.heads import MultiTaskModel, multitask_loss

    task = get_task("squad")
    fmt = format_of(task)
    train, held, _ = split_examples_by_context(squad_examples, 0.03, 0)
    held = held[:200]
    meta = [e.meta for e in held]
    trivial = max(
        *(fmt.metric_values(task, [first_words(m["context"], k) for m in meta], None, None,
                            meta)["f1"] for k in range(1, 31)),
        fmt.metric_values(task, [re.split(r"(?<=[.!?])\s", m["context"])[0] for m in meta],
                          None, None, meta)["f1"])
    torch.manual_seed(0)
    features = tokenize_examples(train, task, minilm_tokenizer, 256, None)
    method = get_method("stl")
    model = MultiTaskModel(method.build_encoder(backbone, [task], method.resolve_options({}),
                                                256), [task])
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    order_rng = random.Random(0)
    model.train()
    for _ in range(2):
        order = list(range(len(features)))
        order_rng.shuffle(order)
        for first in range(0, len(order), 16):
            batch = collate([(0, features[i]) for i in order[first:first + 16]],
                            minilm_tokenizer.pad_token_id)
            loss = multitask_loss(model(batch), batch, [task])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    held_features = tokenize_examples(held, task, minilm_tokenizer, 256, None)
    scores = evaluate(model, [EvalSet(0, task, "dev", held, held_features)], 32,
                      minilm_tokenizer.pad_token_id, "fp32")["squad"]
    assert trivial == pytest.approx(0.094, abs=0.01)
    assert scores["f1"] > trivial + 0.06, (scores, trivial)
