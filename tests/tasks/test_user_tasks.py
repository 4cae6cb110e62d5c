"""User tasks from YAML: the shipped example works, mistakes name file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmark.cli.main import main
from benchmark.data.loading import load_split, missing_splits
from benchmark.errors import DataError
from benchmark.metrics import compute_metrics, main_score, suite_average
from benchmark.tasks import registry
from benchmark.tasks.registry import get_suite, get_task, load_user_tasks
from benchmark.tasks.spec import TaskSpec
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


# --- csv quoting, columns and headers ------------------------------------------------------------


def _csv_task(tmp_path: Path, train: str) -> TaskSpec:
    (tmp_path / "a.csv").write_text(train)
    (tmp_path / "b.csv").write_text("text,label\nhi,yes\n")
    text = GOOD.replace("{train: a.tsv, dev: b.tsv}", "{train: a.csv, dev: b.csv}")
    (spec,) = parse_user_tasks(_write(tmp_path, text))
    return spec


def test_csv_quoting_keeps_commas_and_refuses_a_quote_that_swallows_rows(tmp_path) -> None:
    spec = _csv_task(tmp_path, 'text,label\n"hello, there",yes\nbye,no\n')
    assert [e.texts for e in load_split(spec, "train", None)] == [("hello, there",), ("bye",)]
    spec = _csv_task(tmp_path, 'text,label\nfine,yes\n"broken,no\nnext",yes\nlast,no\n')
    with pytest.raises(DataError, match=r"a.csv:3: a quoted field runs over lines 3-4"):
        load_split(spec, "train", None)
    spec = _csv_task(tmp_path, 'text,label\nfine,yes\n"broken,no\nnext,yes\n')
    with pytest.raises(DataError, match=r"a.csv:3: unterminated quote"):
        load_split(spec, "train", None)


def test_wrong_column_lists_the_columns_the_file_has(tmp_path, clean_registry) -> None:
    (tmp_path / "a.tsv").write_text("sentence\tlabel\nhello\tyes\n")
    (tmp_path / "b.tsv").write_text("sentence\tlabel\nbye\tno\n")
    (spec,) = load_user_tasks(_write(tmp_path, GOOD))
    with pytest.raises(DataError, match=r"a.tsv:2: mine train: field 'text': missing; the file's "
                                        r"columns \(its header line\) are sentence, label$"):
        load_split(spec, "train", None)


def test_headerless_tsv_read_with_a_header_says_so(tmp_path, clean_registry) -> None:
    (tmp_path / "a.tsv").write_text("hello there\tyes\nbye now\tno\n")
    (tmp_path / "b.tsv").write_text("hi\tyes\n")
    (spec,) = load_user_tasks(_write(tmp_path, GOOD))
    with pytest.raises(DataError, match=r"hello there, yes\. That first line looks like data, "
                                        r"not a header: .*header: false"):
        load_split(spec, "train", None)


def test_wrong_label_column_lists_the_columns(tmp_path, clean_registry) -> None:
    (tmp_path / "a.tsv").write_text("text\tgold\nhello\tyes\n")
    (tmp_path / "b.tsv").write_text("text\tgold\nbye\tno\n")
    (spec,) = load_user_tasks(_write(tmp_path, GOOD))
    with pytest.raises(DataError, match=r"field 'label': missing label; the file's columns .* "
                                        r"text, gold"):
        load_split(spec, "train", None)


# --- through the CLI: listing, suites, missing files, dry runs, reports --------------------------


def _declare(folder: Path, entries: list[dict]) -> Path:
    """A tasks.yaml of two-class tsv tasks, with their files written beside it."""
    rows = [("the battery lasts for days", "yes"), ("it broke after one week", "no")] * 6
    lines = ["tasks:"]
    for entry in entries:
        name = entry["name"]
        for split in ("train", "dev"):
            path = folder / f"{name}_{split}.tsv"
            if entry.get("write", True):
                path.write_text("text\tlabel\n" + "".join(f"{t}\t{y}\n" for t, y in rows))
        lines += [f"  - name: {name}",
                  *([f"    suite: {entry['suite']}"] if "suite" in entry else []),
                  *([f"    display_name: {entry['title']}"] if "title" in entry else []),
                  "    files:", f"      train: {name}_train.tsv", f"      dev: {name}_dev.tsv",
                  "    text_fields: [text]", "    label_field: label", "    labels: [no, yes]"]
    path = folder / "tasks.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list_tasks_with_user_tasks(capsys, clean_registry) -> None:
    code, out, _ = _cli(capsys, "list", "tasks", "--user-tasks", str(EXAMPLE))
    assert code == 0
    listed = {line.split()[0]: line.split()[1] for line in out.splitlines()}
    assert listed["toy_sentiment"] == listed["toy_similarity"] == "toy" and listed["rte"] == "glue"


def test_list_suites_with_user_tasks(capsys, clean_registry) -> None:
    code, out, _ = _cli(capsys, "list", "suites", "--user-tasks", str(EXAMPLE))
    assert code == 0 and "toy              toy_sentiment, toy_similarity" in out.splitlines()


def test_list_with_a_broken_user_task_file_is_a_message(tmp_path, capsys, clean_registry) -> None:
    code, _, err = _cli(capsys, "list", "tasks", "--user-tasks",
                        str(_write(tmp_path, GOOD.replace("labels", "labls"))))
    assert code == 2 and "tasks.yaml:6: task 'mine': field 'labls'" in err


@pytest.mark.parametrize(("tasks", "suite"), [
    ("rte", "glue"),                  # RTE is in GLUE and SuperGLUE and declares GLUE
    ("rte,cb", "superglue"),
    ("sst2,mrpc", "glue"),
    ("sst2,cb", "tasks:cb+sst2"),
    ("one,two", "mine"),              # both declare suite: mine
    ("one,three", "tasks:one+three"),
    ("three,rte", "tasks:rte+three"),
])
def test_a_task_list_belongs_to_the_suite_its_tasks_declare(tasks, suite, tmp_path, capsys,
                                                           clean_registry, data_dir) -> None:
    declared = _declare(tmp_path, [{"name": "one", "suite": "mine"},
                                   {"name": "two", "suite": "mine"}, {"name": "three"}])
    code, out, err = _cli(capsys, "run", "--user-tasks", str(declared), "--tasks", tasks,
                          "--methods", "mtl", "--data-dir", str(data_dir), "--output",
                          str(tmp_path / "results"), "--dry-run")
    assert code == 0, err
    assert f"of suite {suite} ->" in out.splitlines()[0]
    assert not (tmp_path / "results").exists()


def test_missing_user_task_file_names_the_yaml_line(tmp_path, capsys, clean_registry) -> None:
    declared = _declare(tmp_path, [{"name": "one"}, {"name": "gone", "write": False}])
    code, _, err = _cli(capsys, "run", "--user-tasks", str(declared), "--tasks", "one,gone",
                        "--methods", "mtl", "--output", str(tmp_path / "r"), "--dry-run")
    assert code == 2
    assert f"gone train: looked for {tmp_path.resolve() / 'gone_train.tsv'}" in err
    assert f"(declared at {declared}:11)" in err, err
    assert "Fix the file paths in the user task" in err


def test_dry_run_fails_on_a_bad_label_in_a_user_task(tmp_path, capsys, clean_registry) -> None:
    declared = _declare(tmp_path, [{"name": "one"}])
    dev = tmp_path / "one_dev.tsv"
    dev.write_text(dev.read_text().replace("\tno\n", "\tmaybe\n", 1))
    code, _, err = _cli(capsys, "run", "--user-tasks", str(declared), "--tasks", "one",
                        "--methods", "mtl", "--output", str(tmp_path / "r"), "--dry-run")
    assert code == 2 and f"{dev}:3: one dev: field 'label': label 'maybe'" in err


def test_reports_name_user_tasks_by_display_name_and_keep_task_sets_apart(
        tmp_path, capsys, clean_registry, data_dir, tiny_backbone, tiny_budget_flags) -> None:
    declared = _declare(tmp_path, [{"name": "one", "suite": "mine", "title": "Battery Reviews"},
                                   {"name": "two", "suite": "mine"}])
    results = tmp_path / "results"
    common = ["--user-tasks", str(declared), "--methods", "mtl", "--backbone", tiny_backbone,
              "--data-dir", str(data_dir), "--output", str(results), *tiny_budget_flags]
    fresh = {name: dict(getattr(registry, name)) for name in ("_TASKS", "_SUITES", "_DIAGNOSTICS")}
    for tasks in ("one,two", "one,rte"):
        for name, saved in fresh.items():  # each run as a new process sees the registry
            setattr(registry, name, dict(saved))
        code, _, err = _cli(capsys, "run", "--tasks", tasks, *common)
        assert code == 0, err
    records = {r["suite"]: r for r in (json.loads(p.read_text()) for p in results.glob("*.json"))}
    assert set(records) == {"mine", "tasks:one+rte"}
    assert records["mine"]["task_titles"] == {"one": "Battery Reviews", "two": "two"}
    assert records["mine"]["suite_average"] is not None
    assert records["tasks:one+rte"]["suite_average"] is None
    assert records["tasks:one+rte"]["task_titles"]["rte"] == "RTE"
    code, out, err = _cli(capsys, "tables", "--results", str(results), "--stdout")
    assert code == 0, err
    assert "Battery Reviews" in out and "| one |" not in out
    comparisons = [line for line in out.splitlines() if line.startswith("### Method comparison")]
    assert len(comparisons) == 2, "two task sets, two tables"
    per_suite = out.split("### Per-suite averages")[1].splitlines()
    assert next(line for line in per_suite if line.startswith("| Method")) == "| Method | mine |"
