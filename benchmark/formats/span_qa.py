"""``mrqa_span``: extractive QA (MRQA, SQuAD): the answer is a span of the passage.

A record is one question with its passage and gold answers (the ``mrqa`` file layout reads
MRQA jsonl(.gz) into such records); its example keeps them in ``meta``. The task's labels
are ``("start", "end")``, so the token head has two outputs per position.

Model side: ``tokenize`` cuts the question and passage into overlapping windows
(``benchmark.formats.qa.windows``), one encoder row per window, so a question is one
example with as many rows as windows. The head reads every position's state; an example's
output is ``[windows, positions, 4]``: start logit, end logit and the token's half-open
character span in the passage (-1 for question and special tokens). Logits outside [CLS]
and the passage are -inf, missing windows NaN.

Loss: per window, the mean of the start and end cross-entropies over [CLS] and the passage
tokens; a window that does not hold the whole first answer is trained to point at [CLS]
(position 0). Decode: the best valid span over all windows (the ``n_best`` highest starts
and ends per window, start <= end, at most ``max_answer_length`` tokens; score start + end
logit), never [CLS]. MT-Uncertainty: per window the mean of the start and the end
distribution's entropy over the passage tokens, each / log(number of passage tokens),
averaged over the question's windows.

Scoring: official SQuAD/MRQA EM and F1 (max over gold answers), per question, as fractions;
a question is one example, so the bootstrap resamples questions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from benchmark.data.examples import Example
from benchmark.data.readers import RowContext
from benchmark.formats.base import TaskFormat
from benchmark.formats.qa.decode import DecodeSettings
from benchmark.formats.qa.metrics import answer_match_metrics, exact_match, max_over_gold
from benchmark.formats.qa.reader import QaExample
from benchmark.formats.qa.windows import WindowSettings, make_windows
from benchmark.formats.registry import register_format

if TYPE_CHECKING:
    from torch import Tensor

    from benchmark.data.tokenize import TokenizedExample
    from benchmark.tasks.spec import TaskSpec

SPAN_LABELS = ("start", "end")
SPAN_METRICS = frozenset({"f1", "em"})
GOLD_JOIN = " | "
"""How a question's gold answers are joined in the per-example predictions file."""
NO_SPAN = (-1, -1, -math.inf)
DECODE = DecodeSettings()


def window_settings(max_length: int) -> WindowSettings:
    """The windows for the run's ``max_length``: 384 / 128 / 64 (BERT's SQuAD setting) at
    384 and above; below it, windows of ``max_length`` with the question cut to a quarter of
    them and an overlap of half the passage room (recorded with the run)."""
    if max_length >= 384:
        return WindowSettings()
    question = max(1, min(64, max_length // 4))
    room = max_length - question - 3
    return WindowSettings(max_length=max_length, stride=max(0, min(128, room // 2)),
                          max_question_length=question)


def qa_example(example: Example) -> QaExample:
    """The QA library's view of one example (for windows and context splits)."""
    m = example.meta
    return QaExample(m["qid"], m["question"], m["context"], tuple(m["answers"]),
                     tuple(tuple(s) for s in m["answer_spans"]), m["context_id"])


def split_examples_by_context(examples: Sequence[Example], fraction: float, seed: int
                              ) -> tuple[list[Example], list[Example], dict[str, Any]]:
    """(train part, held-out part, provenance) of a split by passage (``split_by_context``):
    a span task whose train file is absent trains on part of its dev file."""
    from benchmark.formats.qa.split import split_by_context

    split = split_by_context([qa_example(e) for e in examples], fraction, seed)
    train_ids = {e.qid for e in split.train}
    train = [e for e in examples if e.meta["qid"] in train_ids]
    held = [e for e in examples if e.meta["qid"] not in train_ids]
    return train, held, split.record()


def answer_text(prediction: Sequence[Any], context: str) -> str:
    """The text of a decoded ``(char_start, char_end, score)``; "" for no span."""
    start, end = int(prediction[0]), int(prediction[1])
    return context[start:end] if start >= 0 else ""


def best_window_span(output: np.ndarray, settings: DecodeSettings = DECODE
                     ) -> tuple[int, int, float]:
    """The best valid span of one question's ``[windows, positions, 4]`` output."""
    best = NO_SPAN
    for window in output:
        if np.isnan(window[0, 0]):
            continue
        context = np.nonzero(window[:, 2] >= 0)[0]
        if not len(context):
            continue
        starts, ends = window[context, 0], window[context, 1]
        top_s = np.argsort(-starts, kind="stable")[:settings.n_best]
        top_e = np.argsort(-ends, kind="stable")[:settings.n_best]
        for i in top_s.tolist():
            for j in top_e.tolist():
                first, last = int(context[i]), int(context[j])
                if last < first or last - first + 1 > settings.max_answer_length:
                    continue
                score = float(starts[i] + ends[j])
                if score > best[2]:
                    best = (int(window[first, 2]), int(window[last, 3]), score)
    return best


def _by_example(values: Tensor, batch: dict[str, Tensor], rows: Tensor, example_ids: Tensor,
                fill: float) -> Tensor:
    """Rows' values grouped per example: [examples, most windows, ...], ``fill`` elsewhere."""
    import torch

    local = torch.searchsorted(example_ids, batch["row_example"][rows])
    counts = torch.bincount(local, minlength=example_ids.numel())
    starts = torch.cumsum(counts, 0) - counts
    position = torch.arange(rows.numel(), device=rows.device) - starts[local]
    out = values.new_full((example_ids.numel(), int(counts.max()), *values.shape[1:]), fill)
    out[local, position] = values
    return out


@register_format
class SpanQaFormat(TaskFormat):
    """A question over a passage; the answer a passage span found from token states."""

    name = "mrqa_span"
    description = "extractive QA (MRQA/SQuAD): a start/end span over passage windows; EM, F1"
    task_types = ("classification",)
    metrics = SPAN_METRICS
    token_states = True

    # -- reading ---------------------------------------------------------------------------

    def read(self, record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
        for key in ("qid", "question", "context", "answers", "answer_spans", "context_id"):
            if key not in record:
                raise ctx.error("a span record needs qid, question, context, answers, "
                                "answer_spans and context_id; declare the file with "
                                "format: mrqa", key)
        meta = {k: record[k] for k in ("qid", "question", "context", "context_id")}
        meta["answers"] = tuple(record["answers"])
        meta["answer_spans"] = tuple(tuple(s) for s in record["answer_spans"])
        meta["idx"] = record["qid"]
        return [Example(f"{ctx.task.name}:{ctx.split}:{record['qid']}",
                        (record["question"], record["context"]), None, 0, None, meta)]

    def split_units(self, examples: Sequence[Example], fraction: float, seed: int
                    ) -> tuple[list[Example], list[Example], dict[str, Any]]:
        """By passage: questions on one passage never fall on both sides."""
        return split_examples_by_context(examples, fraction, seed)

    def run_settings(self, task: TaskSpec, max_length: int) -> dict[str, Any]:
        """The passage windows and the decoding limits this run uses."""
        w = window_settings(max_length)
        return {"window_length": w.max_length, "stride": w.stride,
                "max_question_length": w.max_question_length, "n_best": DECODE.n_best,
                "max_answer_length": DECODE.max_answer_length}

    # -- declaring -------------------------------------------------------------------------

    def default_metrics(self, task_type: str) -> tuple[str, ...]:
        return ("f1", "em")

    def problems(self, task: TaskSpec) -> list[str]:
        problems = super().problems(task)
        if tuple(task.labels or ()) != SPAN_LABELS:
            problems.append("a mrqa_span task's labels are ('start', 'end'): its head's two "
                            "outputs per token")
        return problems

    # -- scoring ---------------------------------------------------------------------------

    def trivial_predictor(self, task: TaskSpec) -> str | None:
        """None: no constant answer fits every passage (the tests use the passage's first
        words as the trivial span baseline)."""
        return None

    def references(self, examples: Sequence[Example]) -> list[Any] | None:
        return [list(e.meta["answers"]) for e in examples]

    def metric_values(self, task: TaskSpec, predictions: Sequence[Any],
                      references: Sequence[Any] | None, groups: Sequence[Any] | None,
                      meta: Sequence[Mapping[str, Any]] | None) -> dict[str, float]:
        """Mean over questions of the best EM / token F1 against the gold answers (0..1);
        ``predictions`` are answer strings or decoded ``(start, end, score)`` spans."""
        from benchmark.metrics.functions import token_f1

        if meta is None:
            raise ValueError(f"{task.name} needs the examples' meta (passage, answers)")
        if not predictions:
            raise ValueError(f"{task.name}: no questions to score")
        em = f1 = 0.0
        for prediction, m in zip(predictions, meta, strict=True):
            text = prediction if isinstance(prediction, str) else answer_text(prediction,
                                                                               m["context"])
            em += max_over_gold(exact_match, text, m["answers"])
            f1 += max_over_gold(token_f1, text, m["answers"])
        return {"f1": f1 / len(predictions), "em": em / len(predictions)}

    def resampled_metrics(self, task: TaskSpec) -> tuple[Any, ...]:
        """Per question the best token F1 / exact match of the predictions file's answer
        text against its gold answers (written ``" | "``-joined); their mean over questions."""
        return answer_match_metrics(task.metrics, lambda pred, gold: (
            json.loads(pred)["text"], str(gold).split(GOLD_JOIN)))

    # -- decoding --------------------------------------------------------------------------

    def decode(self, task: TaskSpec, output: Tensor) -> tuple[int, int, float]:  # type: ignore[override]
        """(char start, char end (half-open), score) of the best span over the windows."""
        return best_window_span(output.float().cpu().numpy())

    def prediction_values(self, task: TaskSpec, examples: Sequence[Example],
                          predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per question the answer text and its character span (JSON), and the gold answers."""
        values = np.empty(len(examples), dtype=object)
        gold = np.empty(len(examples), dtype=object)
        values[:] = [json.dumps({"text": answer_text(p, e.meta["context"]),
                                 "char_span": [int(p[0]), int(p[1])]}, ensure_ascii=False)
                     for e, p in zip(examples, predicted, strict=True)]
        gold[:] = [GOLD_JOIN.join(e.meta["answers"]) for e in examples]
        return values, gold

    def tsv_value(self, task: TaskSpec, prediction: Any) -> str:
        raise ValueError(f"{task.name}: span tasks have no GLUE server file")

    # -- the model -------------------------------------------------------------------------

    def head_kind(self, task: TaskSpec) -> str:
        return "span"

    def tokenize(self, examples: Sequence[Example], task: TaskSpec, tokenizer: Any,
                 max_length: int) -> list[TokenizedExample] | None:
        """One row per window; every position is read (``word_positions`` 0..L-1)."""
        from benchmark.data.tokenize import TokenizedExample

        windowing = make_windows([qa_example(e) for e in examples], tokenizer,
                                 window_settings(max_length))
        per_example: list[list[Any]] = [[] for _ in examples]
        for window in windowing.windows:
            per_example[window.example_index].append(window)
        out: list[TokenizedExample] = []
        for windows in per_example:
            length = max(len(w.input_ids) for w in windows)
            offsets = tuple(v for w in windows for span in w.offsets
                            for v in (span if span is not None else (-1, -1)))
            out.append(TokenizedExample(
                [w.input_ids for w in windows], [w.token_type_ids for w in windows],
                float(length), tuple(range(length)), (-100,) * length,
                tuple(p for w in windows for p in (w.start_position, w.end_position)),
                offsets))
        return out

    def example_outputs(self, logits: Tensor, batch: dict[str, Tensor], task: TaskSpec,
                        task_index: int) -> tuple[Tensor, Tensor]:
        """[n, windows, positions, 4]: start, end logits and the token's character span."""
        import torch

        if logits.dim() != 3 or "span_offsets" not in batch:
            raise ValueError(f"{task.name}: span outputs need per-position logits; the batch "
                             "carries no span_offsets")
        example_ids = torch.nonzero(batch["example_task"] == task_index).squeeze(-1)
        rows = torch.nonzero(batch["task_ids"] == task_index).squeeze(-1)
        scores = logits[rows, 1:, :2].float()
        positions = scores.shape[1]
        offsets = batch["span_offsets"][rows, :positions].float()
        if offsets.shape[1] < positions:
            pad = offsets.new_full((offsets.shape[0], positions - offsets.shape[1], 2), -1.0)
            offsets = torch.cat([offsets, pad], 1)
        keep = offsets[..., 0] >= 0
        keep[:, 0] = True  # [CLS]: the target of windows without the answer
        scores = scores.masked_fill(~keep.unsqueeze(-1), float("-inf"))
        values = torch.cat([scores, offsets], -1)
        return _by_example(values, batch, rows, example_ids, float("nan")), example_ids

    def batch_labels(self, batch: dict[str, Tensor], example_ids: Tensor) -> Tensor:
        import torch

        rows = torch.nonzero(torch.isin(batch["row_example"], example_ids)).squeeze(-1)
        return _by_example(batch["span_targets"][rows], batch, rows, example_ids, -100)

    def loss_units(self, task: TaskSpec, feature: Any) -> int:
        """The question's windows with a target: the loss is a mean over windows."""
        targets = feature.span_targets or ()
        return sum(1 for start in targets[::2] if start != -100)

    def loss(self, task: TaskSpec, outputs: Tensor, labels: Tensor) -> Tensor:
        """Per window the mean of start and end cross-entropy, averaged over windows."""
        import torch.nn.functional as F

        valid = labels[..., 0] != -100
        scores, targets = outputs[valid], labels[valid].long()
        start = F.cross_entropy(scores[..., 0], targets[:, 0])
        end = F.cross_entropy(scores[..., 1], targets[:, 1])
        return (start + end) / 2

    def entropies(self, task: TaskSpec, outputs: Sequence[Tensor]) -> Tensor:
        """Per question: over windows, the mean of the start and end entropies over the
        passage tokens, each / log(number of passage tokens)."""
        import torch

        values = []
        for output in outputs:
            per_window = []
            for window in output:
                if torch.isnan(window[0, 0]):
                    continue
                context = window[:, 2] >= 0
                n = int(context.sum())
                if n < 2:
                    per_window.append(torch.tensor(0.0))
                    continue
                parts = []
                for channel in (0, 1):
                    logp = torch.log_softmax(window[context, channel].float(), 0)
                    parts.append(-(logp.exp() * logp).sum() / math.log(n))
                per_window.append(torch.stack(parts).mean())
            values.append(torch.stack(per_window).mean() if per_window else torch.tensor(0.0))
        return torch.stack(values).float()
