"""The task format interface: one object per task shape, owning what is shape-specific.

A task names its format (``TaskSpec.reader``, the key user task files use too). The
loaders, metrics, prediction files, evaluation and statistics ask that format instead of
testing the name, so a new shape is a new format, not edits across the harness.
``TaskFormat``'s defaults serve one row per example, classification or regression (the
``fields`` format); a shape subclasses it, overrides what differs and registers itself
(``benchmark.formats.registry.register_format``, or an entry point for a plugin).

What a format owns, by the step that asks:

- reading: ``read`` turns one record in the local file layout into examples;
  ``hub_records`` reshapes the pinned Hub copy's rows into that layout first;
  ``report`` logs what reading counted (ReCoRD's dropped queries).
- declaring: ``task_types``, ``allowed_metrics``, ``default_metrics``, ``problems``.
- scoring: ``metric_values`` (per split, before suffixes), ``references``, and for the
  bootstrap ``resampled_metrics`` and ``grouped`` (resample whole groups, not examples).
- decoding: ``decode`` (one example's output -> its prediction) and ``prediction_values``
  (what the metric consumed, for the per-example predictions file).
- test-set files: ``tsv_value`` (GLUE server) and ``jsonl_lines`` (SuperGLUE server).
- the model: ``head_kind``, ``head_width``, ``token_states``, ``example_outputs``, ``loss``,
  ``has_distribution`` and ``entropies`` (MT-Uncertainty). These delegate to the harness's
  shared head and entropy functions; span (QA) and token (NER) formats override them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from benchmark.data.examples import Example, example_units
from benchmark.data.readers import RowContext

if TYPE_CHECKING:
    from torch import Tensor

    from benchmark.tasks.spec import Submission, TaskSpec

CLASSIFICATION_METRICS = frozenset({"accuracy", "f1", "macro_f1", "matthews"})
REGRESSION_METRICS = frozenset({"pearson", "spearman"})
DEFAULT_METRICS = {"classification": ("accuracy",), "regression": ("pearson", "spearman"),
                   "multiple_choice": ("accuracy",)}

Record = dict[str, Any]


def label_indices(values: Sequence[Any], what: str) -> list[int]:
    """Class or choice indices as ints; an unlabelled entry (None, NaN, -1) is an error."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and (math.isnan(v) or v < 0)):
            raise ValueError(f"{what} hold unlabelled examples; score a labelled split")
        out.append(int(v))
    return out


def simple_metric(name: str, predictions: Sequence[Any], references: Sequence[Any],
                  regression: bool) -> float:
    """One metric of ``benchmark.metrics.core.PER_EXAMPLE_METRICS`` by its declared name."""
    from benchmark.metrics.core import PER_EXAMPLE_METRICS as table

    if name not in table:
        raise ValueError(f"metric {name!r} is not a per-example metric "
                         f"(known: {', '.join(sorted(table))})")
    if regression:
        refs = [float(r) for r in references]
        if any(math.isnan(r) for r in refs):
            raise ValueError("references hold unlabelled examples; score a labelled split")
        return float(table[name]([float(p) for p in predictions], refs))
    return float(table[name](label_indices(predictions, "predictions"),
                             label_indices(references, "references")))


class TaskFormat:
    """How one task shape is read, declared, scored, decoded, written and modelled.

    Subclasses set ``name`` (the string a ``TaskSpec.reader`` holds) and override the
    steps where their shape differs. Instances are stateless and shared by every task of
    the format.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    task_types: ClassVar[tuple[str, ...]] = ("classification", "regression")
    """The ``TaskSpec.task_type`` values a task of this format may declare."""
    metrics: ClassVar[frozenset[str] | None] = None
    """The metrics the shape allows whatever the task type; None: by task type."""
    token_states: ClassVar[bool] = False
    """True when the head reads every position's state (span and token formats), so the
    encoder must compute all positions, not only what the pooled vector needs."""

    # -- reading ---------------------------------------------------------------------------

    def read(self, record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
        """The examples of one record in the local file layout (``DataError`` on a fault)."""
        raise NotImplementedError(f"task format {self.name!r} does not read records")

    def hub_records(self, dataset: Iterable[Mapping[str, Any]], task: TaskSpec, split: str
                    ) -> Iterator[Record]:
        """The Hub split's rows in the local layout, in the Hub's order (one per row here)."""
        from benchmark.data.hub import label_names

        names = label_names(dataset, self.hub_label_column(task))
        for row in dataset:
            yield self.hub_record(row, task, split, names)

    def hub_label_column(self, task: TaskSpec) -> str:
        """The Hub column holding the label (renamed through ``HubSource.fields``)."""
        assert task.hub is not None
        local = task.label_field or "label"
        return task.hub.fields.get(local, local)

    def hub_record(self, row: Mapping[str, Any], task: TaskSpec, split: str,
                   names: list[str] | None) -> Record:
        """One Hub row with its columns renamed to the local fields and its label a string."""
        from benchmark.data.hub import hub_label

        assert task.hub is not None
        record = dict(row)
        for local, hub_column in task.hub.fields.items():
            record[local] = row.get(hub_column)
        if task.label_field:
            record[task.label_field] = hub_label(row.get(self.hub_label_column(task)), names,
                                                 task, split)
        return record

    def report(self, task: TaskSpec, split: str, stats: Mapping[str, int]) -> None:
        """Log what ``read`` counted in ``RowContext.stats`` over a split (nothing here)."""

    # -- declaring -------------------------------------------------------------------------

    def allowed_metrics(self, task: TaskSpec) -> frozenset[str]:
        """The metric names a task of this format may declare."""
        if self.metrics is not None:
            return self.metrics
        return REGRESSION_METRICS if task.task_type == "regression" else CLASSIFICATION_METRICS

    def default_metrics(self, task_type: str) -> tuple[str, ...]:
        """The metrics a user task gets when it names none."""
        if self.metrics is not None:
            return tuple(sorted(self.metrics))
        return DEFAULT_METRICS.get(task_type, ("accuracy",))

    def problems(self, task: TaskSpec) -> list[str]:
        """What in a declaration this format cannot serve (empty: nothing)."""
        if task.task_type not in self.task_types:
            return [f"task format {self.name!r} serves {' and '.join(self.task_types)} tasks, "
                    f"not {task.task_type}"]
        return []

    # -- scoring ---------------------------------------------------------------------------

    def trivial_predictor(self, task: TaskSpec) -> str | None:
        """The constant a predictor that learned nothing outputs, by name: the training
        mean for regression, the majority label otherwise; None where no constant
        prediction means the same thing for every example (reports.evidence)."""
        return "training mean" if task.task_type == "regression" else "majority class"

    def grouped(self, task: TaskSpec) -> bool:
        """True when the bootstrap resamples whole groups of examples (``Example.group``: a
        question's options, a minimal pair) because the task's metrics are formed over
        them; False when every example is its own unit."""
        return False

    def resampled_metrics(self, task: TaskSpec) -> tuple[Any, ...]:
        """The task's metrics in the form ``benchmark.stats`` recomputes on every resample
        of its units (examples, or groups where ``grouped``), in the values of the
        per-example predictions file. Default: the vectorised metric of each name."""
        from benchmark.stats.metrics import metric_named

        return tuple(metric_named(name) for name in task.metrics)

    def references(self, examples: Sequence[Example]) -> list[Any] | None:
        """The gold values ``metric_values`` compares with: the examples' labels."""
        return [e.label for e in examples]

    def metric_values(self, task: TaskSpec, predictions: Sequence[Any],
                      references: Sequence[Any] | None, groups: Sequence[Any] | None,
                      meta: Sequence[Mapping[str, Any]] | None) -> dict[str, float]:
        """The task's metrics on one split, in native units, keys without split suffix."""
        if references is None:
            raise ValueError(f"{task.name} needs references")
        return {name: self.metric_value(task, name, predictions, references, groups)
                for name in task.metrics}

    def metric_value(self, task: TaskSpec, name: str, predictions: Sequence[Any],
                     references: Sequence[Any], groups: Sequence[Any] | None) -> float:
        """One declared metric over (prediction, reference) pairs."""
        return simple_metric(name, predictions, references, task.task_type == "regression")

    # -- decoding --------------------------------------------------------------------------

    def decode(self, task: TaskSpec, output: Tensor) -> float | int:
        """One example's prediction from its output: the value, else the best class/choice."""
        import torch

        if self.head_kind(task) == "value":
            return float(output)
        return int(torch.argmax(output))

    def prediction_values(self, task: TaskSpec, examples: Sequence[Example],
                          predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(prediction, gold) per example as the metric consumed them, for the record."""
        return predicted, np.asarray([e.label for e in examples])

    # -- test-set prediction files ---------------------------------------------------------

    def tsv_value(self, task: TaskSpec, prediction: Any) -> str:
        """The GLUE server's prediction cell: the label string, or the score in 0..5."""
        if task.task_type == "regression":
            return f"{min(max(float(prediction), 0.0), 5.0):.3f}"
        assert task.labels is not None
        return task.labels[int(prediction)]

    def jsonl_lines(self, task: TaskSpec, submission: Submission, examples: Sequence[Example],
                    predictions: Sequence[Any]) -> list[dict[str, Any]]:
        """The SuperGLUE server's lines: ``{"idx": .., "label": ..}`` per example."""
        return [{"idx": ex.meta["idx"], "label": self.jsonl_label(task, submission, ex, p)}
                for ex, p in zip(examples, predictions, strict=True)]

    def jsonl_label(self, task: TaskSpec, submission: Submission, example: Example,
                    prediction: Any) -> Any:
        """One example's ``label`` value: the label string the server wants."""
        if task.task_type == "regression":
            return float(prediction)
        assert task.labels is not None
        name = task.labels[int(prediction)]
        return submission.label_names.get(name, name)

    # -- the model -------------------------------------------------------------------------

    def split_units(self, examples: Sequence[Example], fraction: float, seed: int
                    ) -> tuple[list[Example], list[Example], dict[str, Any]]:
        """(part that trains, the rest, provenance) of one split for a task's
        ``train_fallback``: whole units (a group's examples stay together) so that nothing
        the model trains on is scored. Shapes whose examples share more than a group (a
        passage) override it."""
        units = list(example_units(examples).values())
        order = np.random.default_rng(seed).permutation(len(units)).tolist()
        chosen = {p for k in order[:round(fraction * len(units))] for p in units[k]}
        train = [e for p, e in enumerate(examples) if p in chosen]
        rest = [e for p, e in enumerate(examples) if p not in chosen]
        return train, rest, {"kind": "split by group of one file", "train_fraction": fraction,
                             "seed": seed, "train_examples": len(train),
                             "eval_examples": len(rest)}

    def run_settings(self, task: TaskSpec, max_length: int) -> dict[str, Any]:
        """Settings the shape derives from the run's (QA windows from ``max_length``), for
        the record's ``budget.format_settings``; {} when it derives none."""
        return {}

    def head_kind(self, task: TaskSpec) -> str:
        """``"classes"`` (softmax over labels), ``"value"`` (regression) or ``"choice"``
        (one score per candidate row); span and token formats add their own kinds."""
        return "value" if task.task_type == "regression" else "classes"

    def head_width(self, task: TaskSpec) -> int:
        """Outputs of the task's head per row."""
        return task.num_outputs

    def example_outputs(self, logits: Tensor, batch: dict[str, Tensor], task: TaskSpec,
                        task_index: int) -> tuple[Tensor, Tensor]:
        """This task's examples' outputs in a batch, and their positions in it."""
        from benchmark.training.heads import example_outputs

        return example_outputs(logits, batch, task, task_index)

    def batch_labels(self, batch: dict[str, Tensor], example_ids: Tensor) -> Tensor:
        """The gold values ``loss`` compares this task's outputs with: one label per example."""
        return batch["labels"][example_ids]

    def tokenize(self, examples: Sequence[Example], task: TaskSpec, tokenizer: Any,
                 max_length: int) -> list[Any] | None:
        """The examples' ``TokenizedExample`` features when the shape tokenizes its own way
        (the token format's pre-split words); None: the harness's row tokenization."""
        return None

    def loss_units(self, task: TaskSpec, feature: Any) -> int:
        """How many terms of ``loss``'s mean one tokenized example contributes: 1 here (the
        loss is a mean over examples); a format whose loss averages over words or windows
        says how many. A batch split into length groups or data-parallel shards weights
        each part by its share of these, so the parts add up to the whole batch's loss."""
        return 1

    def loss(self, task: TaskSpec, outputs: Tensor, labels: Tensor) -> Tensor:
        """The task's training loss on its examples' outputs: MSE or cross-entropy."""
        import torch.nn.functional as F

        if self.head_kind(task) == "value":
            return F.mse_loss(outputs.float(), labels.float())
        return F.cross_entropy(outputs.float(), labels.long())

    def has_distribution(self, task: TaskSpec) -> bool:
        """Whether an output is a distribution MT-Uncertainty can take the entropy of."""
        return self.head_kind(task) != "value"

    def entropies(self, task: TaskSpec, outputs: Sequence[Tensor]) -> Tensor:
        """``H / log(n)`` of each candidate's output (classes or its own choices)."""
        from benchmark.training.uncertainty_scores import normalized_entropies

        return normalized_entropies(outputs)

    def __repr__(self) -> str:
        return f"<task format {self.name!r}>"
