"""Hub rows are reshaped to the local layout: both sources give the same examples.

The Hub is not reachable in tests; ``load_hub_dataset`` is replaced by rows built
from the real local files in the Hub's published schema (renamed columns, class
indices, MultiRC flattened per answer, WSC spans at top level, ReCoRD per query).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchmark.data import hub
from benchmark.data.loading import load_split, missing_splits
from benchmark.errors import MissingDataError
from benchmark.tasks.registry import get_task


class FakeDataset(list):
    def __init__(self, rows, label_names=None):
        super().__init__(rows)
        self.features = {"label": SimpleNamespace(names=label_names)} if label_names else {}


@pytest.fixture
def online(monkeypatch):
    for name in hub.OFFLINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _serve(monkeypatch, dataset, calls=None):
    def fake(task, split):
        if calls is not None:
            calls.append((task.name, split))
        return dataset

    monkeypatch.setattr(hub, "load_hub_dataset", fake)


def _same(a, b):
    assert [(e.uid, e.texts, e.choices, e.label, e.group) for e in a] == \
        [(e.uid, e.texts, e.choices, e.label, e.group) for e in b]


def test_load_dataset_gets_the_pinned_revision(monkeypatch) -> None:
    import datasets

    seen = {}
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: seen.update(args=a, kw=k))
    hub.load_hub_dataset(get_task("mnli"), "dev_mismatched")
    assert seen["args"] == ("nyu-mll/glue", "mnli")
    assert seen["kw"] == {"revision": "bcdcba79d07bc864c1c254ccfcedcce55bcc9a8c",
                          "split": "validation_mismatched"}
    hub.load_hub_dataset(get_task("wsc"), "dev")
    assert seen["args"] == ("aps/super_glue", "wsc.fixed")
    assert seen["kw"]["revision"] == "3de24cf8022e94f4ee4b9d55a6f539891524d646"


def test_glue_hub_rows_equal_local_rows(monkeypatch, online, data_dir, tmp_path) -> None:
    local = load_split(get_task("mrpc"), "dev", data_dir)[:20]
    rows = [{"sentence1": e.texts[0], "sentence2": e.texts[1], "label": e.label, "idx": i}
            for i, e in enumerate(local)]
    calls = []
    _serve(monkeypatch, FakeDataset(rows, ["not_equivalent", "equivalent"]), calls)
    from_hub = load_split(get_task("mrpc"), "dev", tmp_path)  # no glue_data/MRPC here
    assert calls == [("mrpc", "dev")]
    _same(from_hub, local)


def test_hub_class_names_map_to_file_labels(monkeypatch, online) -> None:
    rows = [{"premise": "p", "hypothesis": "h", "label": 2, "idx": 0},
            {"premise": "p", "hypothesis": "h", "label": -1, "idx": 1}]
    _serve(monkeypatch, FakeDataset(rows, ["entailment", "neutral", "contradiction"]))
    task = get_task("mnli")
    examples = load_split(task, "test", None)
    assert task.labels[examples[0].label] == "contradiction"
    assert examples[1].label is None
    assert examples[0].texts == ("p", "h")


def test_multirc_hub_rows_regroup_to_passages(monkeypatch, online, data_dir) -> None:
    lines = (data_dir / "superglue/MultiRC/val.jsonl").read_text().splitlines()[:2]
    rows = []
    for line in lines:
        record = json.loads(line)
        for q in record["passage"]["questions"]:
            for a in q["answers"]:
                rows.append({"paragraph": record["passage"]["text"], "question": q["question"],
                             "answer": a["text"], "label": a["label"],
                             "idx": {"paragraph": record["idx"], "question": q["idx"],
                                     "answer": a["idx"]}})
    _serve(monkeypatch, FakeDataset(rows, ["False", "True"]))
    from_hub = load_split(get_task("multirc"), "dev", None)
    local = load_split(get_task("multirc"), "dev", data_dir)[: len(rows)]
    _same(from_hub, local)


def test_wsc_and_copa_hub_rows(monkeypatch, online, data_dir) -> None:
    lines = (data_dir / "superglue/WSC/train.jsonl").read_text().splitlines()[:30]
    rows = []
    for line in lines:
        record = json.loads(line)
        rows.append({"text": record["text"], **record["target"], "idx": record["idx"],
                     "label": int(record["label"])})
    _serve(monkeypatch, FakeDataset(rows, ["False", "True"]))
    _same(load_split(get_task("wsc"), "train", None),
          load_split(get_task("wsc"), "train", data_dir)[:30])

    lines = (data_dir / "superglue/COPA/val.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    _serve(monkeypatch, FakeDataset(rows, ["choice1", "choice2"]))
    _same(load_split(get_task("copa"), "dev", None), load_split(get_task("copa"), "dev", data_dir))


RECORD_PASSAGE = ("The Eiffel Tower in Paris was built by Gustave Eiffel.\n"
                  "@highlight\nParis welcomes the tower")


def _record_local(tmp_path: Path) -> Path:
    text = RECORD_PASSAGE
    spans = [(text.index(w), text.index(w) + len(w) - 1) for w in
             ("Eiffel Tower", "Paris", "Gustave Eiffel")]
    spans.append((text.rindex("Paris"), text.rindex("Paris") + 4))
    record = {
        "source": "test", "idx": 7,
        "passage": {"text": text, "entities": [{"start": s, "end": e} for s, e in spans]},
        "qas": [{"idx": 70, "query": "@placeholder designed the tower.",
                 "answers": [{"start": spans[2][0], "end": spans[2][1],
                              "text": "Gustave Eiffel"}]},
                {"idx": 71, "query": "The tower stands in @placeholder.",
                 "answers": [{"start": spans[1][0], "end": spans[1][1], "text": "Paris"}]}],
    }
    folder = tmp_path / "superglue" / "ReCoRD"
    folder.mkdir(parents=True)
    (folder / "val.jsonl").write_text(json.dumps(record) + "\n")
    return tmp_path


def test_record_local_reader(tmp_path) -> None:
    examples = load_split(get_task("record"), "dev", _record_local(tmp_path), allow_hub=False)
    assert [e.uid for e in examples] == ["record:dev:70", "record:dev:71"]
    first = examples[0]
    assert first.meta["entities"] == ("Eiffel Tower", "Gustave Eiffel", "Paris")
    assert first.label == 1 and first.meta["answers"] == ("Gustave Eiffel",)
    assert first.choices[1][1] == "Gustave Eiffel designed the tower."
    assert first.choices[0][0].endswith("Gustave Eiffel.\n- Paris welcomes the tower")
    assert examples[1].label == 2 and examples[1].group == "71"


def test_record_hub_rows_equal_local(monkeypatch, online, tmp_path) -> None:
    local = load_split(get_task("record"), "dev", _record_local(tmp_path), allow_hub=False)
    rows = [{"passage": RECORD_PASSAGE, "query": q, "entities": ["Paris", "Eiffel Tower",
             "Gustave Eiffel"], "answers": [a], "idx": {"passage": 7, "query": i}}
            for i, q, a in ((70, "@placeholder designed the tower.", "Gustave Eiffel"),
                            (71, "The tower stands in @placeholder.", "Paris"))]
    _serve(monkeypatch, FakeDataset(rows))
    from_hub = load_split(get_task("record"), "dev", None)
    _same(from_hub, local)
    assert [e.meta for e in from_hub] == [e.meta for e in local]


def test_folder_present_but_file_missing_never_uses_the_hub(monkeypatch, online,
                                                            data_copy) -> None:
    root = data_copy("glue_data/RTE")
    (root / "glue_data/RTE/train.tsv").unlink()
    calls = []
    _serve(monkeypatch, FakeDataset([]), calls)
    with pytest.raises(MissingDataError, match="not tried: a local folder for the task exists"):
        load_split(get_task("rte"), "train", root)
    assert calls == []


def test_offline_or_unreachable_hub_is_a_missing_data_error(monkeypatch, online, tmp_path):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    offline = r"hf://datasets/nyu-mll/glue/qqp.*\(not tried: offline"
    with pytest.raises(MissingDataError, match=offline):
        load_split(get_task("qqp"), "dev", tmp_path)
    monkeypatch.delenv("HF_DATASETS_OFFLINE")

    def unreachable(task, split):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(hub, "load_hub_dataset", unreachable)
    with pytest.raises(MissingDataError, match="ConnectionError: no route to host") as err:
        load_split(get_task("qqp"), "dev", tmp_path)
    assert "--skip-unavailable" in str(err.value)


def test_real_datasets_objects_with_class_labels(monkeypatch, online) -> None:
    import datasets

    ids = datasets.Value("int32")
    features = datasets.Features({
        "paragraph": datasets.Value("string"), "question": datasets.Value("string"),
        "answer": datasets.Value("string"),
        "idx": {"paragraph": ids, "question": ids, "answer": ids},
        "label": datasets.ClassLabel(names=["False", "True"]),
    })
    rows = {"paragraph": ["P", "P", "P"], "question": ["Q1", "Q1", "Q2"],
            "answer": ["a", "b", "c"], "label": [1, 0, 1],
            "idx": [{"paragraph": 3, "question": q, "answer": a} for q, a in
                    ((0, 0), (0, 1), (1, 2))]}
    _serve(monkeypatch, datasets.Dataset.from_dict(rows, features=features))
    examples = load_split(get_task("multirc"), "dev", None)
    assert [(e.uid, e.texts, e.label, e.group) for e in examples] == [
        ("multirc:dev:3-0-0", ("P", "Q1 a"), 1, "3-0"),
        ("multirc:dev:3-0-1", ("P", "Q1 b"), 0, "3-0"),
        ("multirc:dev:3-1-2", ("P", "Q2 c"), 1, "3-1"),
    ]
    wic = datasets.Dataset.from_dict(
        {"word": ["bank"], "sentence1": ["A river bank."], "sentence2": ["A bank loan."],
         "start1": [8], "end1": [12], "start2": [2], "end2": [6], "idx": [0], "label": [0]},
        features=datasets.Features({**{k: datasets.Value("string") for k in
                                       ("word", "sentence1", "sentence2")},
                                    **{k: ids for k in ("start1", "end1", "start2", "end2",
                                                        "idx")},
                                    "label": datasets.ClassLabel(names=["False", "True"])}))
    _serve(monkeypatch, wic)
    (example,) = load_split(get_task("wic"), "train", None)
    assert example.texts == ("A river *bank*.", "A *bank* loan.") and example.label == 0


def test_missing_splits_counts_hub_splits_only_when_the_hub_answers(monkeypatch, online,
                                                                    data_dir) -> None:
    tasks = [get_task("mnli"), get_task("rte")]
    monkeypatch.setattr(hub, "_probe", lambda endpoint, timeout: True)
    assert missing_splits(tasks, ["train", "dev"], data_dir) == []
    monkeypatch.setattr(hub, "_probe", lambda endpoint, timeout: False)
    missing = missing_splits(tasks, ["train", "dev"], data_dir)
    assert [(t, s) for t, s, _ in missing] == [("mnli", "train"), ("mnli", "dev")]
    assert "glue_data/MNLI/train.tsv" in missing[0][2]
    assert "(not reachable: no answer from https://huggingface.co)" in missing[0][2]
    assert [(t, s) for t, s, _ in missing_splits(tasks, ["train"], data_dir,
                                                 allow_hub=False)] == [("mnli", "train")]
