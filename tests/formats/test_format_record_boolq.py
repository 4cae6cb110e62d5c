"""ReCoRD and BoolQ on real rows: 32 + 32 of each from the official SuperGLUE train files
(``partial/fewglue-32``, a data root in the official layout). Expected values below were
read by hand from the first lines of the raw json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmark.cli.main import main
from benchmark.data.loading import load_split
from benchmark.metrics import score_examples
from benchmark.predictions import write_test_predictions
from benchmark.tasks.registry import get_task
from benchmark.training.evaluate import EvalSet, split_predictions


@pytest.fixture(scope="module")
def fewglue(data_dir: Path) -> Path:
    return data_dir / "partial" / "fewglue-32"


def _raw(fewglue: Path, task: str, name: str) -> list[dict]:
    path = fewglue / "superglue" / task / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_record_candidates_and_gold_answers_of_a_real_row(fewglue) -> None:
    train = load_split(get_task("record"), "train", fewglue)
    assert len(train) == 32  # one query a line, none dropped: every gold is a candidate
    first = train[0]  # train.jsonl line 1: passage 3088, query 4756 (Chelsea 2-1 Ljubljana)
    assert first.uid == "record:train:4756" and first.meta["passage_idx"] == 3088
    entities = first.meta["entities"]
    # 30 spans, 19 distinct strings; {"start": 3, "end": 15} is "Hamish Mackay" (end inclusive)
    assert len(entities) == 19 and entities == tuple(sorted(entities))
    assert {"Hamish Mackay", "Olimpija Ljubljana", "Diego Costa", "Costa", "Kurt Zouma",
            "Fernando Torres", "Slovenia", "Slovenian"} <= set(entities)
    assert "Hamish Macka" not in entities and "amish Mackay" not in entities
    # the gold answer: {"start": 89, "end": 106, "text": "Olimpija Ljubljana"}, twice
    assert first.meta["answers"] == ("Olimpija Ljubljana",)
    assert entities[first.label] == "Olimpija Ljubljana"
    passage, query = first.choices[first.label]
    assert query == ("Speaking after the game, Mourinho said: 'The important thing is to give "
                     "competition to the players, the best thing was that Olimpija Ljubljana "
                     "made it difficult.")
    assert "@highlight" not in passage and "\n- Chelsea come from behind" in passage
    assert passage.startswith("By Hamish Mackay Goals from Diego Costa and Kurt Zouma")
    assert len(first.choices) == 19 and first.group == "4756"


def test_record_offsets_are_inclusive_on_every_real_row(fewglue) -> None:
    """Each gold span's text is ``text[start:end + 1]``, and each gold string is a candidate."""
    for name, split in (("train.jsonl", "train"), ("val.jsonl", "dev")):
        raw = _raw(fewglue, "ReCoRD", name)
        examples = load_split(get_task("record"), split, fewglue)
        assert len(raw) == len(examples) == 32
        for row, example in zip(raw, examples, strict=True):
            text = row["passage"]["text"]
            (qa,) = row["qas"]
            for answer in qa["answers"]:
                assert text[answer["start"] : answer["end"] + 1] == answer["text"]
                assert answer["text"] in example.meta["entities"]
            spans = {text[s["start"] : s["end"] + 1] for s in row["passage"]["entities"]}
            assert set(example.meta["entities"]) == spans


def test_record_scores_and_predictions_with_several_gold_answers(fewglue, tmp_path) -> None:
    task = get_task("record")
    dev = load_split(task, "dev", fewglue)
    first = dev[0]  # val.jsonl line 1: query 19617, answers "Benazir Bhutto" and "Bhutto"
    assert first.meta["answers"] == ("Benazir Bhutto", "Bhutto")
    gold_choice = [e.label for e in dev]
    assert score_examples(task, dev, gold_choice) == {"f1": 1.0, "em": 1.0}
    short = first.meta["entities"].index("Bhutto")
    wrong = next(i for i, e in enumerate(first.meta["entities"]) if "Bhutto" not in e)
    assert score_examples(task, dev[:1], [short]) == {"f1": 1.0, "em": 1.0}
    assert score_examples(task, dev[:1], [wrong]) == {"f1": 0.0, "em": 0.0}
    assert dev[1].uid == "record:dev:18008" and dev[1].meta["answers"] == ("World Cup",)
    chosen = np.array([short, dev[1].label])
    kept = split_predictions(EvalSet(0, task, "dev", dev[:2], []), chosen)
    assert list(kept.predictions) == ["Bhutto", "World Cup"]
    assert [list(g) for g in kept.gold] == [["Benazir Bhutto", "Bhutto"], ["World Cup"]]
    path = write_test_predictions(task, dev[:2], list(chosen), tmp_path, split="test")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert path.name == "ReCoRD.jsonl"
    assert lines == [{"idx": 19617, "label": "Bhutto"}, {"idx": 18008, "label": "World Cup"}]


def test_boolq_real_rows(fewglue) -> None:
    task = get_task("boolq")
    raw = _raw(fewglue, "BoolQ", "train.jsonl")
    train = load_split(task, "train", fewglue)
    assert len(train) == 32
    first = train[0]  # {"question": "is ghost in the shell based on the anime", ..., false}
    assert first.texts[0] == "is ghost in the shell based on the anime"
    assert first.texts[1].startswith("Ghost in the Shell -- Animation studio Production I.G")
    assert first.uid == "boolq:train:7457" and task.labels[first.label] == "False"
    assert [task.labels[e.label] == "True" for e in train] == [r["label"] for r in raw]
    assert sum(r["label"] for r in raw) == 18


def test_a_record_and_boolq_run_trains_and_scores(fewglue, tmp_path, capsys, tiny_backbone,
                                                  tiny_budget_flags) -> None:
    output = tmp_path / "results"
    code = main(["run", "--tasks", "record,boolq", "--methods", "mtl", "--seeds", "1",
                 "--backbone", tiny_backbone, "--data-dir", str(fewglue), "--output",
                 str(output), *tiny_budget_flags])
    captured = capsys.readouterr()
    assert code == 0, captured.err[-3000:]
    (record,) = [json.loads(p.read_text()) for p in output.glob("*.json")]
    assert set(record["metrics"]) == {"record", "boolq"}
    assert set(record["metrics"]["record"]) == {"f1", "em"}
    assert 0.0 <= record["metrics"]["record"]["em"] <= record["metrics"]["record"]["f1"] <= 1.0
    assert set(record["metrics"]["boolq"]) == {"accuracy"}
    assert record["main_scores"]["record"] == pytest.approx(
        50 * (record["metrics"]["record"]["f1"] + record["metrics"]["record"]["em"]))
    assert record["training"]["steps"] > 0
    assert record["training"]["selected_steps"].keys() == {"record", "boolq"}
    assert record["budget"]["eval_examples"] == {"record": 16, "boolq": 16}
    assert record["example_predictions"]["rows"] == 32


def test_no_constant_predictor_for_record_but_one_for_boolq():
    """A ReCoRD candidate index names another entity in every query, so it has no trivial
    constant; BoolQ's majority label is one."""
    from benchmark.tasks.registry import get_task

    record, boolq = get_task("record"), get_task("boolq")
    assert record.task_format.trivial_predictor(record) is None
    assert boolq.task_format.trivial_predictor(boolq) == "majority class"
