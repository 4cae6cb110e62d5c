"""The MRQA 2019 shared task (Fisch et al., 2019): extractive QA over twelve datasets.

Six in-domain datasets have train and dev files (``squad``, ``newsqa``, ``triviaqa``,
``searchqa``, ``hotpotqa``, ``naturalquestions``); six out-of-domain ones only dev files and
are evaluation-only (``bioasq``, ``drop``, ``duorc``, ``race``, ``relationextraction``,
``textbookqa``). Files as released: ``mrqa/<split>/<stem>.jsonl.gz`` (or ``.jsonl``), read
by the ``mrqa`` file layout into the ``mrqa_span`` format. Scored by the official EM and
F1 (main: F1).

The Hub copy is ``mrqa-workshop/mrqa`` (one table, a ``subset`` column naming the dataset;
train/validation). Its revision is pinned to ``main`` here: not verified on these offline
machines, so a run that reads it records a moving revision; pin a commit before relying on it.

Locally only the dev files of SQuAD, DROP, DuoRC and RelationExtraction are stored; an
in-domain task without its train file trains on a seeded half of its dev file split by
passage (``TRAIN_FALLBACK``; ``SpanQaFormat.split_units``) and is scored on the other half,
and the record says so.
"""

from __future__ import annotations

from benchmark.formats.qa.catalog import MRQA_DATASETS
from benchmark.formats.span_qa import SPAN_LABELS
from benchmark.tasks.spec import HubSource, LocalSource, TaskSpec, TrainFallback

HUB_PATH = "mrqa-workshop/mrqa"
HUB_REVISION = "main"
"""Unverified: the offline machines could not resolve a commit."""

TASK_NAMES = {
    "SQuAD": ("squad", "SQuAD 1.1"), "NewsQA": ("newsqa", "NewsQA"),
    "TriviaQA-web": ("triviaqa", "TriviaQA (web)"), "SearchQA": ("searchqa", "SearchQA"),
    "HotpotQA": ("hotpotqa", "HotpotQA"),
    "NaturalQuestionsShort": ("naturalquestions", "Natural Questions (short)"),
    "BioASQ": ("bioasq", "BioASQ"), "DROP": ("drop", "DROP"),
    "DuoRC.ParaphraseRC": ("duorc", "DuoRC (ParaphraseRC)"), "RACE": ("race", "RACE"),
    "RelationExtraction": ("relationextraction", "RelationExtraction"),
    "TextbookQA": ("textbookqa", "TextbookQA"),
}
"""MRQA file stem -> (task name, display name)."""
UNCOMPRESSED = frozenset({"DROP", "DuoRC.ParaphraseRC", "RelationExtraction"})
"""Out-of-domain dev files the shared data folder stores as plain ``.jsonl`` (the reader
takes gzip or not whatever the name says)."""


TRAIN_FALLBACK = TrainFallback(source="dev", train_fraction=0.5, seed=0)
"""Without a train file (these machines) an in-domain task trains on half of its dev
passages and is scored on the other half (``budget.train_from_part_of`` in the record)."""


def _file(stem: str, split: str) -> str:
    suffix = ".jsonl" if stem in UNCOMPRESSED and split == "dev" else ".jsonl.gz"
    return f"{split}/{stem}{suffix}"


def _spec(stem: str, in_domain: bool) -> TaskSpec:
    name, display = TASK_NAMES[stem]
    splits = ("train", "dev") if in_domain else ("dev",)
    hub_splits = {"train": "train", "dev": "validation"} if in_domain else {"dev": "validation"}
    role = "in-domain (train and dev)" if in_domain else "out-of-domain, evaluation only"
    return TaskSpec(
        name=name,
        suite=name,
        task_type="classification",
        text_fields=("question", "context"),
        label_field=None,
        labels=SPAN_LABELS,
        metrics=("f1", "em"),
        main_score="F1",
        splits=splits,
        local=LocalSource(folder="mrqa", files={s: _file(stem, s) for s in splits},
                          format="mrqa"),
        hub=HubSource(path=HUB_PATH, name=None, revision=HUB_REVISION, splits=hub_splits,
                      fields={"subset": stem}),
        reader="mrqa_span",
        eval_splits=("dev",),
        description=f"Extract the answer span from the passage (MRQA {stem}, {role}).",
        display_name=display,
        train_fallback=TRAIN_FALLBACK if in_domain else None,
    )


MRQA_TASKS: tuple[TaskSpec, ...] = tuple(_spec(d.stem, d.in_domain) for d in MRQA_DATASETS)
"""Each is its own one-task suite; the ``mrqa`` suites are declared elsewhere."""
MRQA_IN_DOMAIN = tuple(t.name for t in MRQA_TASKS if "train" in t.splits)
MRQA_OUT_OF_DOMAIN = tuple(t.name for t in MRQA_TASKS if "train" not in t.splits)
