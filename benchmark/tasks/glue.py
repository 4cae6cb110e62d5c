"""GLUE task declarations (Wang et al., 2019, https://gluebenchmark.com).

Local layout: the one the standard ``download_glue_data.py`` script writes,
``glue_data/<Task>/{train,dev,test}.tsv``. Hub: ``nyu-mll/glue`` pinned to one commit.
Label strings are the ones in the tsv files; the Hub's class indices map onto them.
"""

from __future__ import annotations

from benchmark.tasks.spec import HubSource, LocalSource, Submission, TaskSpec

GLUE_HUB = "nyu-mll/glue"
GLUE_REVISION = "bcdcba79d07bc864c1c254ccfcedcce55bcc9a8c"
"""Parquet revision of ``nyu-mll/glue`` (the one ``datasets`` >= 3 loads without a script)."""

_STANDARD_FILES = {"train": "train.tsv", "dev": "dev.tsv", "test": "test.tsv"}
_HUB_SPLITS = {"train": "train", "dev": "validation", "test": "test"}
_COLA_COLUMNS = ("source", "label", "original_label", "sentence")
NLI3_LABELS = ("entailment", "neutral", "contradiction")
NLI2_LABELS = ("entailment", "not_entailment")


def _glue(
    name: str,
    title: str,
    folder: str,
    text_fields: tuple[str, ...],
    label_field: str | None,
    labels: tuple[str, ...] | None,
    metrics: tuple[str, ...],
    main_score: str,
    description: str,
    *,
    task_type: str = "classification",
    hub_fields: dict[str, str] | None = None,
    columns: dict[str, tuple[str, ...]] | None = None,
    files: dict[str, str] | None = None,
    hub_splits: dict[str, str] | None = None,
    hub_name: str | None = None,
    eval_splits: tuple[str, ...] = ("dev",),
    evaluated_with: str | None = None,
    submission_files: dict[str, str] | None = None,
    extra_submissions: tuple[Submission, ...] = (),
) -> TaskSpec:
    files = files or _STANDARD_FILES
    return TaskSpec(
        name=name,
        suite="glue",
        task_type=task_type,  # type: ignore[arg-type]
        text_fields=text_fields,
        label_field=label_field,
        labels=labels,
        metrics=metrics,
        main_score=main_score,
        splits=tuple(files),
        local=LocalSource(folder=f"glue_data/{folder}", files=files, columns=columns or {}),
        hub=HubSource(
            path=GLUE_HUB,
            name=hub_name or name,
            revision=GLUE_REVISION,
            splits=hub_splits or _HUB_SPLITS,
            fields=hub_fields or {},
        ),
        eval_splits=eval_splits,
        description=description,
        evaluated_with=evaluated_with,
        display_name=title,
        submissions=(Submission("glue", submission_files or {"test": f"{title}.tsv"}),)
        + extra_submissions,
    )


GLUE_TASKS: tuple[TaskSpec, ...] = (
    _glue(
        "cola", "CoLA", "CoLA", ("sentence",), "label", ("0", "1"), ("matthews",), "MCC",
        "Grammatical acceptability of a sentence (1 = acceptable).",
        columns={"train": _COLA_COLUMNS, "dev": _COLA_COLUMNS},
    ),
    _glue(
        "sst2", "SST-2", "SST-2", ("sentence",), "label", ("0", "1"), ("accuracy",), "Acc",
        "Sentiment of a movie-review sentence (1 = positive).",
    ),
    _glue(
        "mrpc", "MRPC", "MRPC", ("#1 String", "#2 String"), "Quality", ("0", "1"),
        ("f1", "accuracy"), "F1/Acc", "Are two news sentences paraphrases (1 = yes)?",
        hub_fields={"#1 String": "sentence1", "#2 String": "sentence2", "Quality": "label"},
    ),
    _glue(
        "qqp", "QQP", "QQP", ("question1", "question2"), "is_duplicate", ("0", "1"),
        ("f1", "accuracy"), "F1/Acc", "Are two Quora questions duplicates (1 = yes)?",
        hub_fields={"is_duplicate": "label"},
    ),
    _glue(
        "stsb", "STS-B", "STS-B", ("sentence1", "sentence2"), "score", None,
        ("pearson", "spearman"), "Pearson/Spearman",
        "Semantic similarity of two sentences on a 0-5 scale (regression).",
        task_type="regression", hub_fields={"score": "label"},
    ),
    _glue(
        "mnli", "MNLI", "MNLI", ("sentence1", "sentence2"), "gold_label", NLI3_LABELS,
        ("accuracy",), "Acc m/mm",
        "Three-way entailment; scored on the matched (dev) and mismatched dev sets.",
        hub_fields={"sentence1": "premise", "sentence2": "hypothesis", "gold_label": "label"},
        files={
            "train": "train.tsv",
            "dev": "dev_matched.tsv",
            "dev_mismatched": "dev_mismatched.tsv",
            "test": "test_matched.tsv",
            "test_mismatched": "test_mismatched.tsv",
        },
        hub_splits={
            "train": "train",
            "dev": "validation_matched",
            "dev_mismatched": "validation_mismatched",
            "test": "test_matched",
            "test_mismatched": "test_mismatched",
        },
        eval_splits=("dev", "dev_mismatched"),
        submission_files={"test": "MNLI-m.tsv", "test_mismatched": "MNLI-mm.tsv"},
    ),
    _glue(
        "qnli", "QNLI", "QNLI", ("question", "sentence"), "label", NLI2_LABELS,
        ("accuracy",), "Acc", "Does the sentence answer the question?",
    ),
    _glue(
        "rte", "RTE", "RTE", ("sentence1", "sentence2"), "label", NLI2_LABELS,
        ("accuracy",), "Acc",
        "Two-way entailment. One task in both suites: SuperGLUE's RTE is the same data.",
        extra_submissions=(Submission("superglue", {"test": "RTE.jsonl"}),),
    ),
    _glue(
        "wnli", "WNLI", "WNLI", ("sentence1", "sentence2"), "label", ("0", "1"),
        ("accuracy",), "Acc", "Winograd schemas recast as entailment (1 = entailment).",
    ),
    _glue(
        "ax", "AX", "diagnostic", ("sentence1", "sentence2"), None, NLI3_LABELS,
        ("matthews",), "MCC",
        "GLUE diagnostic set: test-only, predicted with the MNLI model, scored by the server.",
        hub_fields={"sentence1": "premise", "sentence2": "hypothesis"},
        files={"test": "diagnostic.tsv"},
        hub_splits={"test": "test"},
        eval_splits=(),
        evaluated_with="mnli",
    ),
)

GLUE_SUITE: tuple[str, ...] = (
    "cola", "sst2", "mrpc", "qqp", "stsb", "mnli", "qnli", "rte", "wnli",
)
GLUE_DIAGNOSTICS: tuple[str, ...] = ("ax",)
