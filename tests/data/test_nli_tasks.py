"""SciTail and SNLI read from their official layouts: the shared heads and SNLI dev subsets.

The shared data holds the first rows of each official file (``scitail/head2`` is a data root
as the zip unpacks; SNLI's heads sit without the ``snli_1.0/`` folder, so the tests lay
them out as ``snli_1.0.zip`` does) and two disjoint SNLI dev subsets with ``-`` rows.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.data.loading import load_split, load_split_counted, split_fingerprint
from benchmark.errors import DataError
from benchmark.formats.majority import NO_MAJORITY
from benchmark.tasks.registry import get_suite, get_task

REPO_ROOT = Path(__file__).resolve().parents[2]
SPLITS = ("train", "dev", "test")
SCITAIL_HEAD_LABELS = {"train": ["neutral", "entails"], "dev": ["neutral", "entails"],
                       "test": ["neutral", "neutral"]}
SNLI_HEAD_LABELS = {"train": "nceneccenn", "dev": "necenccnee", "test": "necnecencn"}
"""First letters of each head row's gold_label, in file order."""
SUBSETS = {"partA": (1289, 16), "partB": (1277, 23)}
"""Rows in the file and rows whose gold_label is '-' (counted from the files)."""


def snli_root(tmp_path: Path, files: dict[str, Path]) -> Path:
    """A data root holding ``snli_1.0/snli_1.0_<split>.jsonl`` links to the given files."""
    folder = tmp_path / "snli_1.0"
    folder.mkdir()
    for split, source in files.items():
        (folder / f"snli_1.0_{split}.jsonl").symlink_to(source)
    return tmp_path


@pytest.mark.parametrize("split", SPLITS)
def test_scitail_head_rows_and_labels(data_dir: Path, split: str) -> None:
    task = get_task("scitail")
    root = data_dir / "scitail" / "head2"
    examples, counts = load_split_counted(task, split, root, allow_hub=False)
    assert [task.labels[e.label] for e in examples] == SCITAIL_HEAD_LABELS[split]
    assert counts == {}
    first = (root / task.local.folder / task.local.files[split]).read_text().split("\n")[0]
    assert examples[0].texts == tuple(first.split("\t")[:2])


@pytest.mark.parametrize("split", SPLITS)
def test_snli_head_rows_and_labels(data_dir: Path, tmp_path: Path, split: str) -> None:
    heads = data_dir / "snli" / "head10"
    root = snli_root(tmp_path, {s: heads / f"snli_1.0_{s}.jsonl" for s in SPLITS})
    task = get_task("snli")
    examples, counts = load_split_counted(task, split, root, allow_hub=False)
    assert len(examples) == 10 and counts == {}
    assert "".join(task.labels[e.label][0] for e in examples) == SNLI_HEAD_LABELS[split]
    assert len({e.uid for e in examples}) == 10
    assert split_fingerprint(task, split, root).startswith("sha256:")


@pytest.mark.parametrize("part", sorted(SUBSETS))
def test_snli_dev_subsets_drop_and_count_no_majority_rows(data_dir: Path, tmp_path: Path,
                                                          part: str) -> None:
    source = data_dir / "snli" / "dev_subsets" / f"snli_1.0_dev.{part}.jsonl"
    root = snli_root(tmp_path, {"dev": source})
    rows, dashes = SUBSETS[part]
    examples, counts = load_split_counted(get_task("snli"), "dev", root, allow_hub=False)
    assert len(examples) == rows - dashes
    assert counts == {NO_MAJORITY: dashes}
    assert all(e.label in (0, 1, 2) for e in examples)
    assert len({e.uid for e in examples}) == len(examples)


def test_the_two_dev_subsets_are_disjoint(data_dir: Path, tmp_path: Path) -> None:
    parts = data_dir / "snli" / "dev_subsets"
    root = snli_root(tmp_path, {"train": parts / "snli_1.0_dev.partA.jsonl",
                                "dev": parts / "snli_1.0_dev.partB.jsonl"})
    task = get_task("snli")
    a = {e.texts for e in load_split(task, "train", root, allow_hub=False)}
    b = {e.texts for e in load_split(task, "dev", root, allow_hub=False)}
    assert a and b and not a & b


def test_a_row_without_the_label_field_is_an_error_not_a_drop(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"sentence1": "A man.", "sentence2": "A person.", "gold_label": "-"}\n'
                   '{"sentence1": "A dog.", "sentence2": "An animal."}\n', encoding="utf-8")
    (tmp_path / "root").mkdir()
    root = snli_root(tmp_path / "root", {"dev": bad})
    with pytest.raises(DataError) as caught:
        load_split(get_task("snli"), "dev", root, allow_hub=False)
    assert "gold_label" in str(caught.value) and ":2" in str(caught.value)


def test_an_unknown_scitail_label_names_the_allowed_ones(tmp_path: Path) -> None:
    folder = tmp_path / "SciTailV1.1" / "tsv_format"
    folder.mkdir(parents=True)
    (folder / "scitail_1.0_dev.tsv").write_text("A premise.\tA hypothesis.\tentailment\n",
                                                encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_split(get_task("scitail"), "dev", tmp_path, allow_hub=False)
    assert "'neutral', 'entails'" in str(caught.value)


def test_declarations_pin_hub_copies_and_are_their_own_suites() -> None:
    scitail, snli = get_task("scitail"), get_task("snli")
    assert (scitail.hub.path, scitail.hub.name) == ("allenai/scitail", "tsv_format")
    assert (snli.hub.path, snli.hub.name) == ("stanfordnlp/snli", "plain_text")
    assert all(len(t.hub.revision) == 40 for t in (scitail, snli))
    assert snli.hub.fields == {"sentence1": "premise", "sentence2": "hypothesis",
                               "gold_label": "label"}
    assert get_suite("scitail") == ("scitail",) and get_suite("snli") == ("snli",)
    assert snli.reader == "majority" and scitail.reader == "fields"


def test_list_tasks_names_scitail_and_snli() -> None:
    out = subprocess.run([sys.executable, "-m", "benchmark", "list", "tasks"], cwd=REPO_ROOT,
                         capture_output=True, text=True, check=True).stdout
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "(SciTail)" in lines["scitail"] and "(SNLI)" in lines["snli"]
