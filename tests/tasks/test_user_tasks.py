"""User tasks from YAML: the shipped example works, mistakes name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.data.loading import load_split, missing_splits
from benchmark.errors import DataError
from benchmark.metrics import compute_metrics, main_score, suite_average
from benchmark.tasks import registry
from benchmark.tasks.registry import get_suite, get_task, load_user_tasks
from benchmark.tasks.user import parse_user_tasks

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "user_task" / "tasks.yaml"


@pytest.fixture
def clean_registry(monkeypatch):
    get_task("rte")  # built-ins loaded before the copy
    monkeypatch.setattr(registry, "_TASKS", dict(registry._TASKS))
    monkeypatch.setattr(registry, "_SUITES", dict(registry._SUITES))
    monkeypatch.setattr(registry, "_DIAGNOSTICS", dict(registry._DIAGNOSTICS))


def test_shipped_example_registers_and_loads(clean_registry) -> None:
    specs = load_user_tasks(EXAMPLE)
    assert [s.name for s in specs] == ["toy_sentiment", "toy_similarity"]
    assert get_suite("toy") == ("toy_sentiment", "toy_similarity")
    sentiment, similarity = get_task("toy_sentiment"), get_task("toy_similarity")
    assert sentiment.splits == ("train", "dev", "test") and similarity.splits == ("train", "dev")
    assert missing_splits(specs, ["train", "dev", "test"], None) == []
    train = load_split(sentiment, "train", None)
    assert len(train) == 8 and train[1].texts == ("Broke after two days of light use.",)
    assert sentiment.labels[train[1].label] == "negative"
    assert all(e.label is None for e in load_split(sentiment, "test", None))
    dev = load_split(similarity, "dev", None)
    assert dev[0].texts == ("A woman is slicing an onion.", "Someone cuts an onion.")
    assert dev[0].label == pytest.approx(4.2)
    metrics = compute_metrics(sentiment, [1, 0, 1, 1], [e.label for e in
                                                         load_split(sentiment, "dev", None)])
    assert metrics == pytest.approx({"accuracy": 0.75, "f1": 0.8})
    scores = {"toy_sentiment": main_score(sentiment, metrics), "toy_similarity": 50.0}
    assert suite_average("toy", scores) == pytest.approx((77.5 + 50) / 2)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tasks.yaml"
    path.write_text(text)
    return path


GOOD = """\
tasks:
  - name: mine
    files: {train: a.tsv, dev: b.tsv}
    text_fields: [text]
    label_field: label
    labels: [no, yes]
"""


@pytest.mark.parametrize(("old", "new", "match"), [
    ("    labels: [no, yes]\n", "    labls: [no, yes]\n",
     r"tasks.yaml:6: task 'mine': field 'labls': unknown field \(did you mean 'labels'\?\)"),
    ("    label_field: label\n", "",
     r"tasks.yaml:2: task 'mine': missing required field 'label_field'"),
    ("{train: a.tsv, dev: b.tsv}", "{train: a.tsv}",
     r"tasks.yaml:3: .*field 'files': missing the 'dev' file"),
    ("{train: a.tsv, dev: b.tsv}", "{train: a.tsv, dev: b.xlsx}",
     r"tasks.yaml:\d+: .*format None is not tsv, csv or jsonl"),
    ("    labels: [no, yes]\n", "    labels: [no, yes]\n    metrics: [pearson]\n",
     r"tasks.yaml:2: task 'mine': metrics \['pearson'\] do not fit"),
    ("    labels: [no, yes]\n", "", r"set 'labels' \(classification\) or 'type: regression'"),
    ("name: mine", "name: rte", r"field 'name': a task named 'rte' is already registered"),
    ("name: mine", "name: Mine!", r"name must be lower-case"),
    ("    labels: [no, yes]\n", "    labels: [no, yes]\n    suite: glue\n",
     r"suite 'glue' is built in"),
])
def test_mistakes_name_the_line_and_field(tmp_path, clean_registry, old, new, match) -> None:
    assert old in GOOD
    with pytest.raises(DataError, match=match):
        load_user_tasks(_write(tmp_path, GOOD.replace(old, new)))


def test_invalid_yaml_and_single_task_form(tmp_path) -> None:
    with pytest.raises(DataError, match=r"tasks.yaml:3: invalid YAML"):
        parse_user_tasks(_write(tmp_path, "tasks:\n  - name: [unclosed\n"))
    single = GOOD.replace("tasks:\n  - ", "").replace("\n    ", "\n")
    (spec,) = parse_user_tasks(_write(tmp_path, single))
    assert spec.name == "mine" and spec.local.folder == str(tmp_path.resolve())


def test_header_less_files_need_columns(tmp_path, clean_registry) -> None:
    text = GOOD.replace("    labels: [no, yes]\n", "    labels: [no, yes]\n    header: false\n")
    with pytest.raises(DataError, match="header: false needs the column names"):
        load_user_tasks(_write(tmp_path, text))
    text = text.replace("header: false\n", "header: false\n    columns: [text, label]\n")
    (tmp_path / "a.tsv").write_text("hello\tyes\nbye\tno\n")
    (tmp_path / "b.tsv").write_text("hi\tmaybe\n")
    (spec,) = load_user_tasks(_write(tmp_path, text))
    assert [e.label for e in load_split(spec, "train", None)] == [1, 0]
    with pytest.raises(DataError, match=r"b.tsv:1: mine dev: field 'label': label 'maybe'"):
        load_split(spec, "dev", None)
