"""SciTail and SNLI: the entailment tasks of the paper's domain-adaptation study.

SciTail v1.1 (Khot et al., 2018): the ``tsv_format`` files of ``SciTailV1.1.zip``,
``SciTailV1.1/tsv_format/scitail_1.0_{train,dev,test}.tsv``: premise TAB hypothesis TAB
``entails``/``neutral``, no header; 23,097 / 1,304 / 2,126 rows. Hub: ``allenai/scitail``,
config ``tsv_format`` (same columns, label strings).

SNLI 1.0 (Bowman et al., 2015): the jsonl files of ``snli_1.0.zip``,
``snli_1.0/snli_1.0_{train,dev,test}.jsonl`` (``sentence1``, ``sentence2``, ``gold_label``);
550,152 / 10,000 / 10,000 rows, of which those with ``gold_label`` ``-`` (no annotator
majority) are dropped and counted by the ``majority`` format. Hub: ``stanfordnlp/snli``,
config ``plain_text`` (``premise``, ``hypothesis``, class index ``label``, -1 for ``-``).

Both Hub revisions were read from the Hub's commit pages in stored documentation, not
loaded here (no network): see docs/tasks.md.
"""

from __future__ import annotations

from benchmark.tasks.glue import NLI3_LABELS
from benchmark.tasks.spec import HubSource, LocalSource, TaskSpec

SCITAIL_HUB = "allenai/scitail"
SCITAIL_REVISION = "7510be0424b17bcd7f83875007fd5d19eb96ae14"
"""Parquet revision of ``allenai/scitail`` holding the ``tsv_format`` config."""
SNLI_HUB = "stanfordnlp/snli"
SNLI_REVISION = "cdb5c3d5eed6ead6e5a341c8e56e669bb666725b"
"""``stanfordnlp/snli`` after "Convert dataset to Parquet (#6)" (loads without a script)."""

SCITAIL_LABELS = ("neutral", "entails")
"""Label strings as in the files; ``entails`` second, so it is F1's positive class."""
_HUB_SPLITS = {"train": "train", "dev": "validation", "test": "test"}
_NLI_FIELDS = {"sentence1": "premise", "sentence2": "hypothesis", "gold_label": "label"}

SCITAIL = TaskSpec(
    name="scitail",
    suite="scitail",
    task_type="classification",
    text_fields=("premise", "hypothesis"),
    label_field="label",
    labels=SCITAIL_LABELS,
    metrics=("accuracy",),
    main_score="Acc",
    splits=("train", "dev", "test"),
    local=LocalSource(
        folder="SciTailV1.1/tsv_format",
        files={s: f"scitail_1.0_{s}.tsv" for s in ("train", "dev", "test")},
        header=False,
        columns={"*": ("premise", "hypothesis", "label")},
    ),
    hub=HubSource(SCITAIL_HUB, "tsv_format", SCITAIL_REVISION, _HUB_SPLITS),
    eval_splits=("dev",),
    description="Does a science-exam premise entail the hypothesis (entails / neutral)?",
    display_name="SciTail",
)

SNLI = TaskSpec(
    name="snli",
    suite="snli",
    task_type="classification",
    text_fields=("sentence1", "sentence2"),
    label_field="gold_label",
    labels=NLI3_LABELS,
    metrics=("accuracy",),
    main_score="Acc",
    splits=("train", "dev", "test"),
    local=LocalSource(
        folder="snli_1.0",
        files={s: f"snli_1.0_{s}.jsonl" for s in ("train", "dev", "test")},
        format="jsonl",
    ),
    hub=HubSource(SNLI_HUB, "plain_text", SNLI_REVISION, _HUB_SPLITS, _NLI_FIELDS),
    reader="majority",
    eval_splits=("dev",),
    description="Three-way entailment on image captions; rows with no majority label dropped.",
    display_name="SNLI",
)

NLI_TASKS: tuple[TaskSpec, ...] = (SCITAIL, SNLI)
"""Each is its own one-task suite (``--suite snli``); larger suites list them by name."""
