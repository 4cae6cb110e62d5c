"""SuperGLUE task declarations (Wang et al., 2019, https://super.gluebenchmark.com).

Local layout: the task zips unpacked under ``superglue/<Task>/{train,val,test}.jsonl``.
Hub: ``aps/super_glue`` pinned to one parquet commit. RTE is declared once, in
``glue.py``: SuperGLUE's RTE is the same data, so the ``superglue`` suite reuses it.
"""

from __future__ import annotations

from benchmark.tasks.glue import NLI2_LABELS
from benchmark.tasks.spec import HubSource, LocalSource, Submission, TaskSpec

SUPERGLUE_HUB = "aps/super_glue"
SUPERGLUE_REVISION = "3de24cf8022e94f4ee4b9d55a6f539891524d646"
"""Parquet revision of ``aps/super_glue`` (loads with ``datasets`` >= 3, no script)."""

_FILES = {"train": "train.jsonl", "dev": "val.jsonl", "test": "test.jsonl"}
_HUB_SPLITS = {"train": "train", "dev": "validation", "test": "test"}
_BOOL = ("False", "True")
_LOWER_BOOL = {"False": "false", "True": "true"}


def _superglue(
    name: str,
    title: str,
    text_fields: tuple[str, ...],
    labels: tuple[str, ...] | None,
    metrics: tuple[str, ...],
    main_score: str,
    description: str,
    *,
    reader: str = "fields",
    task_type: str = "classification",
    hub_name: str | None = None,
    label_names: dict[str, str] | None = None,
    diagnostic_of: str | None = None,
) -> TaskSpec:
    files = {"test": f"{title}.jsonl"} if diagnostic_of else _FILES
    hub_splits = {"test": "test"} if diagnostic_of else _HUB_SPLITS
    return TaskSpec(
        name=name,
        suite="superglue",
        task_type=task_type,  # type: ignore[arg-type]
        text_fields=text_fields,
        label_field="label",
        labels=labels,
        metrics=metrics,
        main_score=main_score,
        splits=tuple(files),
        local=LocalSource(folder=f"superglue/{title}", files=files, format="jsonl"),
        hub=HubSource(SUPERGLUE_HUB, hub_name or name, SUPERGLUE_REVISION, hub_splits),
        reader=reader,
        eval_splits=("test",) if diagnostic_of else ("dev",),
        description=description,
        evaluated_with=diagnostic_of,
        display_name=title,
        submissions=(Submission("superglue", {"test": f"{title}.jsonl"}, label_names or {}),),
    )


SUPERGLUE_TASKS: tuple[TaskSpec, ...] = (
    _superglue(
        "boolq", "BoolQ", ("question", "passage"), _BOOL, ("accuracy",), "Acc",
        "Yes/no question about a Wikipedia passage.", label_names=_LOWER_BOOL,
    ),
    _superglue(
        "cb", "CB", ("premise", "hypothesis"), ("entailment", "contradiction", "neutral"),
        ("macro_f1", "accuracy"), "F1/Acc",
        "Three-way commitment of a speaker to an embedded clause; macro-F1 and accuracy.",
    ),
    _superglue(
        "copa", "COPA", ("premise", "choice1", "choice2", "question"), None, ("accuracy",),
        "Acc", "Pick the more plausible cause or effect of a premise (2 choices).",
        reader="copa", task_type="multiple_choice",
    ),
    _superglue(
        "multirc", "MultiRC", ("passage", "question", "answer"), _BOOL, ("f1a", "em"),
        "F1a/EM",
        "True/false per answer option of a question about a passage; one example per "
        "option, grouped by question.",
        reader="multirc",
    ),
    _superglue(
        "record", "ReCoRD", ("passage", "query"), None, ("f1", "em"), "F1/EM",
        "Cloze question over a news passage; choose the entity that fills @placeholder.",
        reader="record", task_type="multiple_choice",
    ),
    _superglue(
        "wic", "WiC", ("sentence1", "sentence2"), _BOOL, ("accuracy",), "Acc",
        "Is the marked word used in the same sense in both sentences?",
        reader="wic", label_names=_LOWER_BOOL,
    ),
    _superglue(
        "wsc", "WSC", ("text",), _BOOL, ("accuracy",), "Acc",
        "Does the marked pronoun refer to the marked noun phrase?",
        reader="wsc", hub_name="wsc.fixed",
    ),
    _superglue(
        "axb", "AX-b", ("sentence1", "sentence2"), NLI2_LABELS, ("matthews",), "MCC",
        "Broad-coverage diagnostic: test-only, predicted with the RTE model.",
        diagnostic_of="rte",
    ),
    _superglue(
        "axg", "AX-g", ("premise", "hypothesis"), NLI2_LABELS, ("gender_parity", "accuracy"),
        "Parity/Acc",
        "Winogender diagnostic: test-only, predicted with the RTE model; consecutive "
        "examples form minimal pairs that differ only in the pronoun's gender.",
        reader="axg", diagnostic_of="rte",
    ),
)

SUPERGLUE_SUITE: tuple[str, ...] = (
    "boolq", "cb", "copa", "multirc", "record", "rte", "wic", "wsc",
)
SUPERGLUE_DIAGNOSTICS: tuple[str, ...] = ("axb", "axg")
