"""``conll_tags``: one BIO tag per word (named-entity recognition, WNUT 2017).

A record is one CoNLL sentence (``{"tokens": [...], "tags": [...]}``, read by the
``conll`` file layout); its example keeps the words and gold tags in ``meta`` and the
sentence as its one text. The task's ``labels`` are its tag set (``O`` first), so the
token head is as wide as the tags.

Model side: each word is labelled on its first sub-token, every other position is
ignored (``benchmark.formats.ner.align``); the head reads the encoder's token states, and
an example's output is one row of tag logits per word (a word with no sub-token -- a
character the tokenizer drops, or cut by ``max_length`` -- gets zeros, so it is predicted
``O``; rows past the sentence are NaN). Loss: cross-entropy over words that have a
sub-token. Decode: the tag id per word. MT-Uncertainty: the mean over words of each
word's tag entropy / log(number of tags).

Scoring: seqeval entity-level micro precision/recall/F1 and the shared task's surface-form
F1, as fractions. The entity scores are sums of per-sentence counts, so the bootstrap
resamples sentences and adds their counts (``resampled_metrics``); the surface scores are
over unique forms across the corpus, which no resample of sentences adds up to, so they
have no interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from benchmark.data.examples import Example
from benchmark.data.readers import RowContext, source_index
from benchmark.formats.base import TaskFormat
from benchmark.formats.ner.align import IGNORE_INDEX, align_labels
from benchmark.formats.ner.metrics import entity_counts, entity_scores, surface_scores
from benchmark.formats.ner.reader import BIO_TAG
from benchmark.formats.registry import register_format

if TYPE_CHECKING:
    from torch import Tensor

    from benchmark.data.tokenize import TokenizedExample
    from benchmark.tasks.spec import TaskSpec

TOKEN_METRICS = frozenset({"entity_f1", "entity_precision", "entity_recall", "surface_f1",
                           "surface_precision", "surface_recall"})
NO_WORD = -1
"""``word_positions`` entry of a word no sub-token stands for."""
PAD_WORD = -2
"""``word_positions`` entry past the sentence's last word (batch padding)."""


def _tags_of(record: Mapping[str, Any], ctx: RowContext) -> tuple[list[str], list[str]]:
    tokens, tags = record.get("tokens"), record.get("tags")
    if not isinstance(tokens, list) or not isinstance(tags, list) or not tokens:
        raise ctx.error("a token record needs non-empty lists 'tokens' and 'tags'; "
                        "declare the file with format: conll", "tokens")
    if len(tokens) != len(tags):
        raise ctx.error(f"{len(tokens)} tokens but {len(tags)} tags; give one tag per word",
                        "tags")
    known = set(ctx.task.labels or ())
    for offset, tag in enumerate(tags):
        if tag not in known:
            raise ctx.error(f"{tag!r} (word {offset + 1}) is not one of the task's "
                            f"{len(known)} tags ({', '.join(ctx.task.labels or ())})", "tags")
    return [str(t) for t in tokens], [str(t) for t in tags]


@register_format
class TokenTagsFormat(TaskFormat):
    """Words and their BIO tags; a tag per word predicted from token states."""

    name = "conll_tags"
    description = "one BIO tag per word (NER); entity-level F1 from token states"
    task_types = ("classification",)
    metrics = TOKEN_METRICS
    token_states = True

    # -- reading ---------------------------------------------------------------------------

    def read(self, record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
        tokens, tags = _tags_of(record, ctx)
        idx = source_index(record, ctx)
        return [Example(f"{ctx.task.name}:{ctx.split}:{idx}", (" ".join(tokens),), None,
                        len(tags), None, {"idx": idx, "tokens": tuple(tokens),
                                          "tags": tuple(tags)})]

    # -- declaring -------------------------------------------------------------------------

    def default_metrics(self, task_type: str) -> tuple[str, ...]:
        return ("entity_f1",)

    def problems(self, task: TaskSpec) -> list[str]:
        problems = super().problems(task)
        labels = task.labels or ()
        if not labels or labels[0] != "O" or not all(BIO_TAG.match(t) for t in labels):
            problems.append("a conll_tags task's labels are its BIO tags, 'O' first "
                            "(benchmark.formats.ner.bio_tags)")
        return problems

    # -- scoring ---------------------------------------------------------------------------

    def trivial_predictor(self, task: TaskSpec) -> str | None:
        """None: the constant prediction (all ``O``, the majority tag) finds no entity, so
        its entity F1 is 0 by definition; there is no baseline to compute."""
        return None

    def references(self, examples: Sequence[Example]) -> list[Any] | None:
        return [list(e.meta["tags"]) for e in examples]

    def resampled_metrics(self, task: TaskSpec) -> tuple[Any, ...]:
        """Entity precision, recall and F1 from per-sentence (tp, fp, fn), over the
        space-joined tag strings of the predictions file; sentences are the units."""
        from benchmark.errors import BenchmarkError
        from benchmark.stats.units import f1_metric, ratio_metric

        def counts(pred: str, gold: str) -> tuple[int, int, int]:
            return entity_counts(str(gold).split(), str(pred).split())

        def precision(pred: str, gold: str) -> tuple[float, float]:
            tp, fp, _ = counts(pred, gold)
            return tp, tp + fp

        def recall(pred: str, gold: str) -> tuple[float, float]:
            tp, _, fn = counts(pred, gold)
            return tp, tp + fn

        available = {"entity_f1": f1_metric("entity_f1", counts),
                     "entity_precision": ratio_metric("entity_precision", precision),
                     "entity_recall": ratio_metric("entity_recall", recall)}
        unknown = [m for m in task.metrics if m not in available]
        if unknown:
            raise BenchmarkError(
                f"{task.name}: {', '.join(unknown)} count unique surface forms over the whole "
                f"corpus, which no resample of sentences adds up to; no interval is formed "
                f"for them (score the task on entity_f1 for one)")
        return tuple(available[m] for m in task.metrics)

    def metric_values(self, task: TaskSpec, predictions: Sequence[Any],
                      references: Sequence[Any] | None, groups: Sequence[Any] | None,
                      meta: Sequence[Mapping[str, Any]] | None) -> dict[str, float]:
        """Entity and surface scores over the split; ``predictions`` are tag ids per word."""
        if references is None:
            raise ValueError(f"{task.name} needs references")
        assert task.labels is not None
        predicted = [self.tag_names(task, p) for p in predictions]
        scores = {f"entity_{k}": v / 100.0 for k, v in entity_scores(references, predicted).items()}
        if meta is not None and any(task_metric.startswith("surface_")
                                    for task_metric in task.metrics):
            words = [list(m["tokens"]) for m in meta]
            scores.update({k: v / 100.0 for k, v in
                           surface_scores(words, references, predicted).items()})
        return scores

    def tag_names(self, task: TaskSpec, prediction: Any) -> list[str]:
        """Tag strings of one prediction (tag ids, or already strings)."""
        assert task.labels is not None
        return [t if isinstance(t, str) else task.labels[int(t)] for t in prediction]

    # -- decoding --------------------------------------------------------------------------

    def decode(self, task: TaskSpec, output: Tensor) -> tuple[int, ...]:  # type: ignore[override]
        """The tag id of every word (rows past the sentence are NaN and dropped)."""
        import torch

        words = output[~torch.isnan(output).any(-1)]
        return tuple(int(i) for i in torch.argmax(words, dim=-1).tolist())

    def prediction_values(self, task: TaskSpec, examples: Sequence[Example],
                          predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The predicted and gold tag sequences, space-joined, one line per sentence."""
        values = np.asarray([" ".join(self.tag_names(task, p)) for p in predicted], dtype=object)
        gold = np.asarray([" ".join(e.meta["tags"]) for e in examples], dtype=object)
        return values, gold

    def tsv_value(self, task: TaskSpec, prediction: Any) -> str:
        return " ".join(self.tag_names(task, prediction))

    # -- the model -------------------------------------------------------------------------

    def head_kind(self, task: TaskSpec) -> str:
        return "tokens"

    def tokenize(self, examples: Sequence[Example], task: TaskSpec, tokenizer: Any,
                 max_length: int) -> list[TokenizedExample] | None:
        """Words tokenized as pre-split words; each word labelled on its first sub-token."""
        from benchmark.data.tokenize import TokenizedExample
        from benchmark.errors import BenchmarkError

        if not getattr(tokenizer, "is_fast", False):
            raise BenchmarkError(f"{task.name}: token tasks need a fast (Rust) tokenizer for "
                                 f"word ids; {type(tokenizer).__name__} is not one")
        assert task.labels is not None
        ids = {tag: i for i, tag in enumerate(task.labels)}
        out: list[TokenizedExample] = []
        for first in range(0, len(examples), 512):
            chunk = examples[first:first + 512]
            encoded = tokenizer([list(e.meta["tokens"]) for e in chunk], is_split_into_words=True,
                                truncation=True, max_length=max_length,
                                return_token_type_ids=True)
            for row, example in enumerate(chunk):
                word_ids = encoded.word_ids(row)
                input_ids = list(encoded["input_ids"][row])
                types = list(encoded["token_type_ids"][row])
                words = len(example.meta["tokens"])
                positions = [NO_WORD] * words
                labels = align_labels(word_ids, list(range(words)))
                for position, word in enumerate(labels):
                    if word != IGNORE_INDEX:
                        positions[word] = position
                word_labels = [ids[t] if positions[w] != NO_WORD else IGNORE_INDEX
                               for w, t in enumerate(example.meta["tags"])]
                out.append(TokenizedExample([input_ids], [types], float(words),
                                            tuple(positions), tuple(word_labels)))
        return out

    def example_outputs(self, logits: Tensor, batch: dict[str, Tensor], task: TaskSpec,
                        task_index: int) -> tuple[Tensor, Tensor]:
        """[n, words, tags] logits per word of this task's examples (one row each)."""
        import torch

        example_ids = torch.nonzero(batch["example_task"] == task_index).squeeze(-1)
        rows = torch.nonzero(batch["task_ids"] == task_index).squeeze(-1)
        if logits.dim() != 3:
            raise ValueError(f"{task.name}: token task outputs need per-word logits; the "
                             "batch carries no word_positions")
        return logits[rows, 1:, : task.num_outputs], example_ids

    def batch_labels(self, batch: dict[str, Tensor], example_ids: Tensor) -> Tensor:
        return batch["word_labels"][example_ids]

    def loss_units(self, task: TaskSpec, feature: Any) -> int:
        """The sentence's words that have a first sub-token: the loss is a mean over words."""
        return sum(1 for label in feature.word_labels or () if label != IGNORE_INDEX)

    def loss(self, task: TaskSpec, outputs: Tensor, labels: Tensor) -> Tensor:
        """Cross-entropy over the words that have a first sub-token."""
        import torch.nn.functional as F

        keep = labels != IGNORE_INDEX
        if not bool(keep.any()):
            return outputs.nan_to_num(0.0).sum() * 0.0
        return F.cross_entropy(outputs[keep].float(), labels[keep].long())

    def entropies(self, task: TaskSpec, outputs: Sequence[Tensor]) -> Tensor:
        """Per example, the mean over its words of H(tags) / log(number of tags)."""
        import torch

        from benchmark.training.uncertainty_scores import normalized_entropies

        values = []
        for output in outputs:
            words = output[~torch.isnan(output).any(-1)]
            values.append(normalized_entropies(list(words)).mean() if len(words)
                          else torch.tensor(0.0))
        return torch.stack(values).float()
