"""Malformed files fail loudly, naming the file, the line and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmark.data.loading import load_split, missing_data_error, missing_splits
from benchmark.errors import DataError, MissingDataError
from benchmark.tasks.registry import get_task


def _edit_line(path: Path, number: int, edit) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[number - 1] = edit(lines[number - 1])
    path.write_text("\n".join(lines), encoding="utf-8")


def _edit_json(path: Path, number: int, edit) -> None:
    def change(line: str) -> str:
        record = json.loads(line)
        edit(record)
        return json.dumps(record)

    _edit_line(path, number, change)


def test_tsv_line_with_wrong_number_of_columns(data_copy) -> None:
    root = data_copy("glue_data/RTE")
    path = root / "glue_data/RTE/dev.tsv"
    _edit_line(path, 5, lambda line: line + "\textra")
    with pytest.raises(DataError) as err:
        load_split(get_task("rte"), "dev", root)
    assert f"{path}:5:" in str(err.value)
    assert "expected 4 tab-separated fields (index, sentence1, sentence2, label), found 5" \
        in str(err.value)


def test_stray_quote_does_not_merge_rows_and_na_stays_text(data_copy) -> None:
    root = data_copy("glue_data/RTE")
    path = root / "glue_data/RTE/dev.tsv"
    _edit_line(path, 2, lambda line: line.replace("Dana Reeve", '"Dana Reeve'))
    _edit_line(path, 3, lambda line: "\t".join([line.split("\t")[0], "NA", "null",
                                                line.split("\t")[3]]))
    examples = load_split(get_task("rte"), "dev", root)
    assert len(examples) == 277
    assert examples[0].texts[0].startswith('"Dana Reeve')
    assert examples[1].texts == ("NA", "null")


def test_blank_line_inside_a_file(data_copy) -> None:
    root = data_copy("glue_data/RTE")
    path = root / "glue_data/RTE/dev.tsv"
    _edit_line(path, 10, lambda line: line + "\n")
    with pytest.raises(DataError, match=r"dev\.tsv:11: blank line inside the file"):
        load_split(get_task("rte"), "dev", root)


def test_label_outside_the_label_set(data_copy) -> None:
    root = data_copy("glue_data/RTE")
    path = root / "glue_data/RTE/dev.tsv"
    _edit_line(path, 7, lambda line: line.rsplit("\t", 1)[0] + "\tmaybe")
    with pytest.raises(DataError) as err:
        load_split(get_task("rte"), "dev", root)
    message = str(err.value)
    assert f"{path}:7:" in message and "field 'label'" in message
    assert "'maybe' is not one of 'entailment', 'not_entailment'" in message


def test_bad_json(data_copy) -> None:
    root = data_copy("superglue/CB")
    path = root / "superglue/CB/val.jsonl"
    _edit_line(path, 3, lambda line: line[:-1])
    with pytest.raises(DataError, match=rf"{path}:3: invalid JSON"):
        load_split(get_task("cb"), "dev", root)


def test_missing_field(data_copy) -> None:
    root = data_copy("superglue/CB")
    path = root / "superglue/CB/val.jsonl"
    _edit_json(path, 4, lambda record: record.pop("premise"))
    with pytest.raises(DataError, match=rf"{path}:4: cb dev: field 'premise': missing"):
        load_split(get_task("cb"), "dev", root)


def test_missing_label_in_a_labelled_split(data_copy) -> None:
    root = data_copy("superglue/CB")
    path = root / "superglue/CB/train.jsonl"
    _edit_json(path, 2, lambda record: record.pop("label"))
    with pytest.raises(DataError, match=rf"{path}:2: cb train: field 'label': missing label"):
        load_split(get_task("cb"), "train", root)


def test_wic_span_outside_its_sentence(data_copy) -> None:
    root = data_copy("superglue/WiC")
    path = root / "superglue/WiC/val.jsonl"
    _edit_json(path, 6, lambda record: record.update(end2=len(record["sentence2"]) + 3))
    with pytest.raises(DataError) as err:
        load_split(get_task("wic"), "dev", root)
    assert f"{path}:6:" in str(err.value)
    assert "field 'start2/end2'" in str(err.value) and "outside the sentence" in str(err.value)


def test_wsc_span_index_outside_the_text(data_copy) -> None:
    root = data_copy("superglue/WSC")
    path = root / "superglue/WSC/val.jsonl"
    _edit_json(path, 2, lambda record: record["target"].update(span2_index=500))
    with pytest.raises(DataError, match=rf"{path}:2: .*field 'target.span2_index': span index "
                                        r"500 is outside the text"):
        load_split(get_task("wsc"), "dev", root)


def test_wsc_span_text_that_is_not_in_the_text(data_copy) -> None:
    root = data_copy("superglue/WSC")
    path = root / "superglue/WSC/train.jsonl"
    _edit_json(path, 1, lambda record: record["target"].update(span1_text="Zebedee"))
    with pytest.raises(DataError, match=rf"{path}:1: .*field 'target.span1_text': span text "
                                        r"'Zebedee' does not match the text at word 0"):
        load_split(get_task("wsc"), "train", root)


def test_wsc_marks_both_spans(data_dir: Path) -> None:
    first = load_split(get_task("wsc"), "train", data_dir)[0]
    assert first.texts[0].startswith("*Mark* told Pete many lies about himself")
    assert "#He# should have been more skeptical." in first.texts[0]
    assert first.texts[1] == 'Does "He" refer to "Mark"?'


def test_multirc_answer_label_outside_0_1(data_copy) -> None:
    root = data_copy("superglue/MultiRC")
    path = root / "superglue/MultiRC/val.jsonl"
    _edit_json(path, 2, lambda r: r["passage"]["questions"][0]["answers"][1].update(label=2))
    with pytest.raises(DataError, match=rf"{path}:2: .*passage.questions\[0\].answers\[1\].label"):
        load_split(get_task("multirc"), "dev", root)


def test_missing_split_lists_every_file_and_the_fixes(data_copy) -> None:
    root = data_copy("glue_data/RTE")
    (root / "glue_data/RTE/train.tsv").unlink()
    tasks = [get_task("rte"), get_task("cola")]
    missing = missing_splits(tasks, ["train", "dev"], root)
    assert [(t, s) for t, s, _ in missing] == [("rte", "train"), ("cola", "train"),
                                               ("cola", "dev")]
    message = str(missing_data_error(missing))
    assert str(root / "glue_data/RTE/train.tsv") in message
    assert str(root / "glue_data/CoLA/dev.tsv") in message
    for hint in ("--data-dir", "CAMTL_BENCH_DATA", "--skip-unavailable"):
        assert hint in message
    with pytest.raises(MissingDataError, match="rte train: looked in .*RTE/train.tsv"):
        load_split(get_task("rte"), "train", root, allow_hub=False)


def test_unknown_split_of_a_task(data_dir: Path) -> None:
    with pytest.raises(MissingDataError, match="'ax' has no split 'train'"):
        load_split(get_task("ax"), "train", data_dir)
