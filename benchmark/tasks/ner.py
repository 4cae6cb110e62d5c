"""WNUT 2017 (Derczynski et al., 2017): named entities in noisy user text, one BIO tag per word.

The shared task's CoNLL files as released (``emerging.*`` from the WNUT 2017 repository):
``wnut17train.conll`` (3,394 sentences, tab-only separator lines), ``emerging.dev.conll``
(1,009) and ``emerging.test.annotated`` (1,287). Six entity types, 13 BIO tags; scored by
entity-level F1 (seqeval, the conlleval rules the shared task's scorer follows). No Hub
source is declared: the copies on the Hub are reshaped (tag ids, no pinned revision read here).
"""

from __future__ import annotations

from benchmark.formats.ner.tags import WNUT17_TAGS
from benchmark.tasks.spec import LocalSource, TaskSpec

WNUT17_FILES = {"train": "wnut17train.conll", "dev": "emerging.dev.conll",
                "test": "emerging.test.annotated"}

WNUT17 = TaskSpec(
    name="wnut17",
    suite="wnut17",
    task_type="classification",
    text_fields=("tokens",),
    label_field="tags",
    labels=WNUT17_TAGS,
    metrics=("entity_f1",),
    main_score="F1 (entity)",
    splits=("train", "dev", "test"),
    local=LocalSource(folder="wnut17", files=dict(WNUT17_FILES), format="conll"),
    hub=None,
    reader="conll_tags",
    eval_splits=("dev",),
    description="Tag emerging and rare entities (6 types, BIO) in tweets, Reddit and YouTube text.",
    display_name="WNUT 2017",
)

NER_TASKS: tuple[TaskSpec, ...] = (WNUT17,)
"""Each is its own one-task suite (``--suite wnut17``)."""
