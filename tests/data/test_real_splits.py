"""Every local GLUE/SuperGLUE split loads with the row counts of shared/data/README.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.data.loading import data_file_hashes, load_split, missing_splits
from benchmark.tasks.registry import get_task, task_names

EXPECTED = {
    ("cola", "train"): 8551, ("cola", "dev"): 1043, ("cola", "test"): 1063,
    ("sst2", "train"): 67349, ("sst2", "dev"): 872, ("sst2", "test"): 1821,
    ("mrpc", "train"): 3668, ("mrpc", "dev"): 408, ("mrpc", "test"): 1725,
    ("stsb", "train"): 5749, ("stsb", "dev"): 1500, ("stsb", "test"): 1379,
    ("qnli", "dev"): 5463, ("qnli", "test"): 5463,
    ("rte", "train"): 2490, ("rte", "dev"): 277, ("rte", "test"): 3000,
    ("wnli", "train"): 635, ("wnli", "dev"): 71, ("wnli", "test"): 146,
    ("ax", "test"): 1104,
    ("boolq", "dev"): 3270, ("boolq", "test"): 3245,
    ("cb", "train"): 250, ("cb", "dev"): 56, ("cb", "test"): 250,
    ("copa", "train"): 400, ("copa", "dev"): 100, ("copa", "test"): 500,
    ("multirc", "train"): 27243, ("multirc", "dev"): 4848, ("multirc", "test"): 9693,
    ("wic", "train"): 5428, ("wic", "dev"): 638, ("wic", "test"): 1400,
    ("wsc", "train"): 554, ("wsc", "dev"): 104, ("wsc", "test"): 146,
    ("axb", "test"): 1104, ("axg", "test"): 356,
    ("wnut17", "train"): 3394, ("wnut17", "dev"): 1009, ("wnut17", "test"): 1287,
    ("squad", "dev"): 10507, ("drop", "dev"): 1503, ("duorc", "dev"): 1501,
    ("relationextraction", "dev"): 2948,
}
PART_OF_DEV = {("squad", "train")}
"""Declared, absent here, and not missing: trained on half of the dev passages."""
NOT_IN_SHARED_DATA = {
    ("qqp", s) for s in ("train", "dev", "test")
} | {("mnli", s) for s in ("train", "dev", "dev_mismatched", "test", "test_mismatched")} | {
    ("qnli", "train"), ("boolq", "train"),
} | {("record", s) for s in ("train", "dev", "test")} | {
    (t, s) for t in ("scitail", "snli") for s in ("train", "dev", "test")
} | {  # only their heads are shared, outside the official layout: tests/data/test_nli_tasks.py
    (t, s) for t in ("newsqa", "triviaqa", "searchqa", "hotpotqa", "naturalquestions")
    for s in ("train", "dev")
} | {(t, "dev") for t in ("bioasq", "race", "textbookqa")}


@pytest.mark.parametrize(("task", "split"), sorted(EXPECTED))
def test_split_loads_with_readme_row_count(data_dir: Path, task: str, split: str) -> None:
    spec = get_task(task)
    examples = load_split(spec, split, data_dir, allow_hub=False)
    assert len(examples) == EXPECTED[task, split]
    assert len({e.uid for e in examples}) == len(examples)
    labelled = split not in spec.test_splits or spec.is_diagnostic and spec.eval_splits
    if labelled and spec.label_field:
        assert all(e.label is not None for e in examples)
    elif split in spec.test_splits and not spec.eval_splits:
        assert all(e.label is None for e in examples)


@pytest.mark.parametrize(("split", "options", "questions"),
                         [("train", 27243, 5131), ("dev", 4848, 953)])
def test_multirc_counts_answer_options_and_questions(data_dir, split, options, questions):
    examples = load_split(get_task("multirc"), split, data_dir)
    assert len(examples) == options
    assert len({e.group for e in examples}) == questions


def test_every_declared_split_is_counted_or_known_absent(data_dir: Path) -> None:
    declared = {(t, s) for t in task_names() for s in get_task(t).splits}
    assert declared == set(EXPECTED) | NOT_IN_SHARED_DATA | PART_OF_DEV
    tasks = [get_task(t) for t in task_names()]
    splits = ["train", "dev", "dev_mismatched", "test", "test_mismatched"]
    missing = {(t, s) for t, s, _ in missing_splits(tasks, splits, data_dir)}
    assert missing == NOT_IN_SHARED_DATA


def test_label_strings_map_as_in_the_files(data_dir: Path) -> None:
    rte = load_split(get_task("rte"), "dev", data_dir)
    assert get_task("rte").labels[rte[0].label] == "not_entailment"
    stsb = load_split(get_task("stsb"), "dev", data_dir)
    assert stsb[1].label == pytest.approx(4.75)
    cb = load_split(get_task("cb"), "dev", data_dir)
    assert get_task("cb").labels[cb[0].label] == "contradiction"
    boolq = load_split(get_task("boolq"), "dev", data_dir)
    assert {get_task("boolq").labels[e.label] for e in boolq} == {"False", "True"}


def test_mrpc_bom_is_dropped_and_header_read(data_dir: Path) -> None:
    first = load_split(get_task("mrpc"), "train", data_dir)[0]
    assert first.texts[0].startswith("Amrozi accused his brother")
    assert first.label == 1


def test_hashes_match_the_published_checksums(data_dir: Path) -> None:
    published = dict(
        reversed(line.split(maxsplit=1)) for line in
        (data_dir / "SHA256SUMS").read_text().splitlines() if line.strip()
    )
    hashes = data_file_hashes([get_task(t) for t in task_names()], data_dir)
    local = {k: v for k, v in hashes.items() if not k.startswith("hf://")}
    assert local
    for path, digest in local.items():
        assert published[path] == digest, path
