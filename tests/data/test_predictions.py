"""Test-set prediction files in the formats the GLUE and SuperGLUE servers document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmark.data.examples import Example
from benchmark.data.loading import load_split
from benchmark.predictions import write_test_predictions
from benchmark.tasks.registry import get_task


def test_rte_glue_tsv(data_dir, tmp_path) -> None:
    task = get_task("rte")
    examples = load_split(task, "test", data_dir)
    predictions = [i % 2 for i in range(len(examples))]
    path = write_test_predictions(task, examples, predictions, tmp_path)
    assert path == tmp_path / "RTE.tsv"
    lines = path.read_text().splitlines()
    assert lines[0] == "index\tprediction"
    assert lines[1:4] == ["0\tentailment", "1\tnot_entailment", "2\tentailment"]
    assert len(lines) == 3001


def test_rte_superglue_jsonl(data_dir, tmp_path) -> None:
    task = get_task("rte")
    examples = load_split(task, "test", data_dir)
    path = write_test_predictions(task, examples, [1] * len(examples), tmp_path,
                                  server="superglue")
    assert path.name == "RTE.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows[0] == {"idx": 0, "label": "not_entailment"} and len(rows) == 3000


def test_cb_jsonl(data_dir, tmp_path) -> None:
    task = get_task("cb")
    examples = load_split(task, "test", data_dir)
    path = write_test_predictions(task, examples, [i % 3 for i in range(250)], tmp_path)
    assert path == tmp_path / "CB.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows[:3] == [{"idx": 0, "label": "entailment"}, {"idx": 1, "label": "contradiction"},
                        {"idx": 2, "label": "neutral"}]
    assert [r["idx"] for r in rows] == list(range(250))


def test_copa_jsonl(data_dir, tmp_path) -> None:
    task = get_task("copa")
    examples = load_split(task, "test", data_dir)
    path = write_test_predictions(task, examples, [1, 0] * 250, tmp_path)
    assert path == tmp_path / "COPA.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows[:2] == [{"idx": 0, "label": 1}, {"idx": 1, "label": 0}]
    assert len(rows) == 500 and all(isinstance(r["label"], int) for r in rows)


def test_boolq_wic_lower_case_wsc_capitalised(data_dir, tmp_path) -> None:
    for name, expected in (("boolq", "true"), ("wic", "true"), ("wsc", "True")):
        task = get_task(name)
        examples = load_split(task, "test", data_dir)[:2]
        path = write_test_predictions(task, examples, [1, 0], tmp_path)
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        assert rows[0]["label"] == expected and rows[1]["label"] == expected.replace(
            "true", "false").replace("True", "False")


def test_multirc_nests_answers_in_questions_in_passages(data_dir, tmp_path) -> None:
    task = get_task("multirc")
    examples = load_split(task, "test", data_dir)
    path = write_test_predictions(task, examples, [1] * len(examples), tmp_path)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert path.name == "MultiRC.jsonl" and len(rows) == 166
    first = json.loads((data_dir / "superglue/MultiRC/test.jsonl").open().readline())
    q0 = first["passage"]["questions"][0]
    assert rows[0]["idx"] == first["idx"]
    assert rows[0]["passage"]["questions"][0] == {
        "idx": q0["idx"], "answers": [{"idx": a["idx"], "label": 1} for a in q0["answers"]]}


def test_mnli_and_stsb_and_ax_glue_files(tmp_path) -> None:
    mnli = get_task("mnli")
    examples = [Example(f"mnli:test_mismatched:{i}", ("p", "h"), meta={"idx": i})
                for i in range(3)]
    path = write_test_predictions(mnli, examples, [0, 1, 2], tmp_path, split="test_mismatched")
    assert path.name == "MNLI-mm.tsv"
    assert path.read_text().splitlines()[1:] == ["0\tentailment", "1\tneutral", "2\tcontradiction"]
    assert write_test_predictions(mnli, examples, [0, 1, 2], tmp_path).name == "MNLI-m.tsv"
    stsb = get_task("stsb")
    path = write_test_predictions(stsb, examples, [5.61, -0.2, 2.34567], tmp_path)
    assert path.read_text().splitlines()[1:] == ["0\t5.000", "1\t0.000", "2\t2.346"]
    ax = write_test_predictions(get_task("ax"), examples, [2, 0, 1], tmp_path)
    assert ax.name == "AX.tsv" and ax.read_text().splitlines()[1] == "0\tcontradiction"
    cola = write_test_predictions(get_task("cola"), examples, [1, 0, 1], tmp_path)
    assert cola.name == "CoLA.tsv" and cola.read_text().splitlines()[1:3] == ["0\t1", "1\t0"]


def test_record_writes_entity_strings(tmp_path: Path) -> None:
    record = get_task("record")
    examples = [Example("record:test:5", None, (("p", "q a"), ("p", "q b")),
                        meta={"idx": 5, "entities": ("A", "B")})]
    path = write_test_predictions(record, examples, [1], tmp_path)
    assert path.name == "ReCoRD.jsonl"
    assert json.loads(path.read_text()) == {"idx": 5, "label": "B"}


def test_wrong_count_or_unknown_server(tmp_path) -> None:
    rte = get_task("rte")
    with pytest.raises(ValueError, match="2 predictions for 1 examples"):
        write_test_predictions(rte, [Example("x", ("a", "b"), meta={"idx": 0})], [0, 1], tmp_path)
    with pytest.raises(ValueError, match="no superglue submission"):
        write_test_predictions(get_task("cola"), [], [], tmp_path, server="superglue")
