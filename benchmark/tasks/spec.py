"""Declarative task metadata: a task is data, not code in the training loop."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from benchmark.formats.base import TaskFormat

NOT_IN_DEFINITION = ("description", "display_name")
"""Wording only: editing it changes no result, so it is left out of ``definition_hash``."""

TaskType = Literal["classification", "regression", "multiple_choice"]
"""How a task is scored by its head.

- classification: one row per example, softmax over ``labels``.
- regression: one row per example, one real output (mean squared error).
- multiple_choice: each example has several candidate rows (COPA choices, ReCoRD
  entities); each row gets one score and the softmax runs across the candidates.
"""


@dataclass(frozen=True)
class LocalSource:
    """Where a task lives in a local folder laid out like the official downloads.

    ``folder`` is relative to the data root (for example ``glue_data/SST-2``);
    ``files`` maps split name to file name inside it.
    ``columns`` names the columns of header-less tsv files (CoLA), per split when
    the splits differ, else under the key ``"*"``. A split with declared columns is
    read without a header row even when ``header`` is true (CoLA's test file has a
    header, its train and dev files do not). ``folder`` may be absolute (user tasks).
    """

    folder: str
    files: dict[str, str]
    format: Literal["tsv", "jsonl", "csv", "conll", "mrqa"] = "tsv"
    header: bool = True
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class HubSource:
    """The same task on the Hugging Face Hub, pinned to one dataset revision.

    ``fields`` maps a local field name to the Hub column holding it where the two
    differ (MRPC's ``#1 String`` is the Hub's ``sentence1``), so one reader serves
    both sources.
    """

    path: str
    name: str | None
    revision: str
    splits: dict[str, str]
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Submission:
    """How a leaderboard server wants the test predictions of a task.

    ``files`` maps a harness test split to the file name the server expects
    (MNLI has two); ``label_names`` maps the task's label strings to the strings the
    server wants where they differ (SuperGLUE wants ``"true"`` for BoolQ, ``"True"``
    for WSC).
    """

    server: Literal["glue", "superglue"]
    files: dict[str, str]
    label_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainFallback:
    """Where a task trains when its ``train`` file is absent: on a seeded part of another
    split (``source``), cut by the format's unit (``TaskFormat.split_units``: a passage for
    extractive QA), and evaluates on the rest of it. MRQA's local folder has only dev files.

    ``seed`` is fixed, not the run's: every method and seed trains and evaluates on the same
    two parts, so their scores pair. The record says that a run used it.
    """

    source: str = "dev"
    train_fraction: float = 0.5
    seed: int = 0


@dataclass(frozen=True)
class TaskSpec:
    """Everything the harness needs to know about one task.

    ``reader`` names the task's format (``benchmark.formats``: a registered
    ``TaskFormat``, built in or from a plugin), which reads a raw row into examples and
    owns the shape's metrics, decoding and prediction files; ``"fields"`` reads
    ``text_fields`` and ``label_field`` as they are. The key keeps its name so user task
    files and run ids stay as they were; ``task_format`` is the object. ``splits`` maps
    the harness's split names (``train``, ``dev``, ``test``, and extra dev splits such as
    ``dev_mismatched``) to source split keys.

    ``metrics`` are the leaderboard's metrics for the task; the task's 0..100 score
    is their mean (over every split in ``eval_splits``: MNLI matched and mismatched).
    ``main_score`` is the label of that score as the leaderboards print it
    (``"F1/Acc"``). ``evaluated_with`` names the task whose trained model predicts a
    diagnostic task (AX with MNLI, AX-b and AX-g with RTE); such a task is never
    trained and has no ``train`` split. ``submissions`` says how test predictions
    are written for each leaderboard server that accepts the task.
    """

    name: str
    suite: str
    task_type: TaskType
    text_fields: tuple[str, ...]
    label_field: str | None
    labels: tuple[str, ...] | None
    metrics: tuple[str, ...]
    main_score: str
    splits: tuple[str, ...]
    local: LocalSource | None
    hub: HubSource | None
    reader: str = "fields"
    eval_splits: tuple[str, ...] = ("dev",)
    description: str = ""
    evaluated_with: str | None = None
    display_name: str = ""
    submissions: tuple[Submission, ...] = ()
    train_fallback: TrainFallback | None = None

    @property
    def task_format(self) -> TaskFormat:
        """The registered format ``reader`` names (``UnknownNameError`` if none is)."""
        from benchmark.formats.registry import format_of

        return format_of(self)

    @property
    def is_diagnostic(self) -> bool:
        """True for eval-only tasks predicted with another task's model."""
        return self.evaluated_with is not None

    @property
    def test_splits(self) -> tuple[str, ...]:
        """Splits whose predictions go to a leaderboard server (``test``, ``test_*``)."""
        return tuple(s for s in self.splits if s == "test" or s.startswith("test_"))

    @property
    def title(self) -> str:
        """The task's name as the benchmark papers print it (``SST-2``)."""
        return self.display_name or self.name

    def definition_hash(self) -> str:
        """SHA-256 of the declaration as canonical JSON: part of every run id that uses the task.

        Fields, labels (in order: the second is F1's positive class), metrics, splits, reader
        (and, for a plugin format, its package's name and version) and sources count; the
        wording (``NOT_IN_DEFINITION``) and a local source's folder do not, since where the
        files live is not a result: their content enters the run id as the data fingerprint.
        """
        declaration = asdict(self)
        for name in NOT_IN_DEFINITION:
            declaration.pop(name)
        if declaration["local"] is not None:
            declaration["local"].pop("folder")
        if declaration["train_fallback"] is None:  # older tasks keep their run ids
            declaration.pop("train_fallback")
        from benchmark.formats.registry import format_release

        release = format_release(self.reader)
        if release is not None:  # a plugin format's new release may read or score anew
            declaration["reader_release"] = release
        blob = json.dumps(declaration, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    @property
    def num_outputs(self) -> int:
        """Width of the task's head: classes, 1 for regression and for choice scoring."""
        if self.task_type == "classification":
            assert self.labels is not None
            return len(self.labels)
        return 1
