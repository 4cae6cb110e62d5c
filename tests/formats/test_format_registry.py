"""Task formats as objects: every built-in task names a registered format, and the
format (not a switch on its name) answers for reading, metrics, decoding and the head."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmark.cli.main import main
from benchmark.errors import BenchmarkError, UnknownNameError
from benchmark.formats.base import TaskFormat
from benchmark.formats.registry import (
    BUILTIN_MODULES,
    builtin_formats,
    format_names,
    format_of,
    get_format,
    register_format,
)
from benchmark.stats import task_eval
from benchmark.tasks.registry import get_task, task_names, validate_task
from benchmark.training.heads import example_outputs, multitask_loss
from benchmark.training.uncertainty_scores import normalized_entropies

REPO = Path(__file__).resolve().parents[2]
SHAPES = {  # task -> (format, head kind): one of each shape the harness has
    "sst2": ("fields", "classes"), "stsb": ("fields", "value"), "ax": ("fields", "classes"),
    "axb": ("fields", "classes"), "axg": ("axg", "classes"), "wic": ("wic", "classes"),
    "wsc": ("wsc", "classes"), "copa": ("copa", "choice"), "record": ("record", "choice"),
    "multirc": ("multirc", "classes"), "boolq": ("fields", "classes"),
}


def test_every_builtin_task_names_a_registered_format() -> None:
    assert set(builtin_formats()) == {"fields", "axg", "wic", "wsc", "copa", "record", "multirc",
                                     "majority", "conll_tags", "mrqa_span"}
    for name in task_names():
        task = get_task(name)
        assert task.task_format is get_format(task.reader)
        assert task.task_type in task.task_format.task_types, name
    for task, (fmt, head) in SHAPES.items():
        assert get_task(task).task_format.name == fmt
        assert get_task(task).task_format.head_kind(get_task(task)) == head


def test_only_grouped_formats_resample_whole_groups() -> None:
    """MultiRC's questions and AX-g's pairs are resampled whole and need their group ids;
    every other task resamples examples (ReCoRD and WNUT: one query or sentence each)."""
    grouped = {n for n in task_names() if format_of(get_task(n)).grouped(get_task(n))}
    assert grouped == {"multirc", "axg"}
    with pytest.raises(BenchmarkError, match="formed over groups"):
        task_eval(get_task("multirc"), [0, 1, 1])
    assert task_eval(get_task("axb"), [0, 1, 1]).score(np.array([0, 1, 0]))[0] == pytest.approx(
        0.5 * 100)  # AX-b: fields, per-example MCC (0.5 on this toy set)


def test_an_unknown_format_lists_the_known_ones() -> None:
    with pytest.raises(UnknownNameError) as caught:
        get_format("feilds")
    message = str(caught.value)
    assert "unknown task format 'feilds'" in message and "Did you mean 'fields'?" in message
    assert all(name in message for name in ("axg", "copa", "multirc", "record", "wic", "wsc"))
    with pytest.raises(UnknownNameError, match="unknown task format 'spans'"):
        validate_task(replace(get_task("sst2"), name="x", reader="spans"))


def test_a_format_refuses_a_task_type_it_cannot_serve() -> None:
    with pytest.raises(ValueError, match="task format 'copa' serves multiple_choice tasks"):
        validate_task(replace(get_task("sst2"), name="x", reader="copa"))
    with pytest.raises(ValueError, match=r"metrics \['accuracy'\] do not fit.*allowed: em, f1a"):
        validate_task(replace(get_task("boolq"), name="x", reader="multirc"))


def test_a_user_task_naming_an_unknown_format_exits_2(tmp_path, capsys) -> None:
    (tmp_path / "train.tsv").write_text("text\tlabel\na\t0\n")
    (tmp_path / "dev.tsv").write_text("text\tlabel\nb\t1\n")
    declared = tmp_path / "tasks.yaml"
    declared.write_text("name: mine\nfiles: {train: train.tsv, dev: dev.tsv}\n"
                        "reader: spans\ntext_fields: [text]\nlabel_field: label\n"
                        "labels: ['0', '1']\n")
    code = main(["list", "tasks", "--user-tasks", str(declared)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{declared}:3: task 'mine': field 'reader': unknown task format 'spans'" in err
    known = "axg, conll_tags, copa, fields, majority, mrqa_span, multirc, record, wic, wsc"
    assert f"Known task formats: {known}" in err


def test_register_refuses_a_second_format_under_a_taken_name() -> None:
    class Impostor(TaskFormat):
        name = "fields"

    with pytest.raises(ValueError, match="task format 'fields' is already registered"):
        register_format(Impostor)
    register_format(type(get_format("fields")))  # the same class again: a no-op
    assert format_names()[: len(builtin_formats())] == sorted(builtin_formats())


def test_no_switch_on_the_format_name_outside_the_format_modules() -> None:
    """The shapes' behaviour lives in their formats: no ``reader == "..."`` or
    ``reader in (...)`` test anywhere else in the harness."""
    switch = re.compile(r"\breader\s*(==|!=|\bin\b|\bnot in\b)|\bin\s+_?GROUPED_READERS")
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in (REPO / "benchmark").rglob("*.py")
        if "formats" not in path.relative_to(REPO / "benchmark").parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if switch.search(line)
    ]
    assert offenders == []
    assert len(BUILTIN_MODULES) == len({type(f).__module__ for f in builtin_formats().values()})


def _mixed_batch():
    """examples: 0 sst2 (2 classes), 1 stsb, 2 copa (2 choices), 3 copa (2 choices)."""
    tasks = [get_task("sst2"), get_task("stsb"), get_task("copa")]
    batch = {
        "task_ids": torch.tensor([0, 1, 2, 2, 2, 2]),
        "row_example": torch.tensor([0, 1, 2, 2, 3, 3]),
        "example_task": torch.tensor([0, 1, 2, 2]),
        "labels": torch.tensor([1.0, 3.5, 0.0, 1.0]),
    }
    logits = torch.tensor([[0.2, 1.4], [0.7, 0.0], [2.0, 9.0], [-1.0, 9.0], [0.5, 9.0],
                           [1.5, 9.0]])
    return tasks, batch, logits


def test_model_hooks_agree_with_the_shared_heads_loss_and_entropy() -> None:
    tasks, batch, logits = _mixed_batch()
    losses = []
    for index, task in enumerate(tasks):
        fmt = task.task_format
        outputs, ids = fmt.example_outputs(logits, batch, task, index)
        expected_outputs, expected_ids = example_outputs(logits, batch, task, index)
        assert torch.equal(outputs, expected_outputs) and torch.equal(ids, expected_ids)
        losses.append(fmt.loss(task, outputs, batch["labels"][ids]))
        assert fmt.has_distribution(task) == (task.task_type != "regression")
        assert fmt.head_width(task) == task.num_outputs
        if fmt.has_distribution(task):
            entropies = fmt.entropies(task, list(outputs))
            assert torch.equal(entropies, normalized_entropies(list(outputs)))
            assert entropies.min() > 0 and entropies.max() <= 1
    assert torch.stack(losses).mean() == pytest.approx(float(multitask_loss(logits, batch, tasks)))
    copa = tasks[2].task_format
    scores, _ = copa.example_outputs(logits, batch, tasks[2], 2)
    assert [copa.decode(tasks[2], row) for row in scores] == [0, 1]  # 2.0 > -1.0; 0.5 < 1.5
    assert tasks[1].task_format.decode(tasks[1], logits[1, 0]) == pytest.approx(0.7)
    assert [n for n in builtin_formats() if get_format(n).token_states] == ["conll_tags",
                                                                             "mrqa_span"]


def test_a_user_task_in_copa_layout_reads_as_copa_does(tmp_path, data_dir, monkeypatch) -> None:
    """``reader: copa`` in a user task file: COPA's task type, metric and rows."""
    from benchmark.data.loading import load_split
    from benchmark.tasks import registry
    from benchmark.tasks.registry import load_user_tasks

    get_task("rte")
    monkeypatch.setattr(registry, "_TASKS", dict(registry._TASKS))
    monkeypatch.setattr(registry, "_SUITES", dict(registry._SUITES))
    monkeypatch.setattr(registry, "_DIAGNOSTICS", dict(registry._DIAGNOSTICS))
    copa = data_dir / "superglue" / "COPA"
    declared = tmp_path / "tasks.yaml"
    declared.write_text(f"name: my_copa\nfiles: {{train: {copa / 'train.jsonl'}, "
                        f"dev: {copa / 'val.jsonl'}}}\nreader: copa\n"
                        "text_fields: [premise]\nlabel_field: label\n")
    (task,) = load_user_tasks(declared)
    assert (task.task_type, task.metrics, task.labels) == ("multiple_choice", ("accuracy",), None)
    mine = load_split(task, "dev", None)
    builtin = load_split(get_task("copa"), "dev", data_dir)
    assert len(mine) == len(builtin) == 100
    assert [(e.choices, e.label) for e in mine] == [(e.choices, e.label) for e in builtin]
    declared.write_text(declared.read_text().replace("my_copa", "other") +
                        "type: classification\nlabels: [a, b]\n")
    with pytest.raises(BenchmarkError, match=r"field 'type': set 'type: multiple_choice' "
                                             r"\(task format 'copa'\)"):
        load_user_tasks(declared)
