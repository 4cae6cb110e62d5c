"""Every bad input: a clear message naming the problem, exit code 2, earlier results untouched.

``test_bad_input_catalogue`` runs the real `run` (or `submit`) command once per input that
used to end in a traceback or train something other than asked, with a tiny backbone and
budget so a check that is missing shows as a training run, not as a hang.
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from transformers import GPT2Config

from benchmark.cli.main import main
from benchmark.methods.interface import ENTRY_POINT_GROUP
from benchmark.methods.registry import discover_methods
from benchmark.runs.plan import plan_runs
from benchmark.runs.settings import resolve_settings
from benchmark.runs.yaml_values import parse_scalar
from benchmark.tasks import registry


@pytest.fixture
def results(tmp_path) -> Path:
    """A results folder holding one earlier record that no failure may touch."""
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "0123456789abcdef.json").write_text('{"earlier": "record"}\n')
    return folder


@pytest.fixture
def rte_copy(tmp_path, data_dir) -> Path:
    """A private copy of the RTE folder to break in various ways."""
    root = tmp_path / "data"
    shutil.copytree(data_dir / "glue_data" / "RTE", root / "glue_data" / "RTE")
    return root


@pytest.fixture
def clean_registry(monkeypatch):
    """User tasks a test registers are gone after it (as in a fresh process)."""
    registry.get_task("rte")
    for name in ("_TASKS", "_SUITES", "_DIAGNOSTICS"):
        monkeypatch.setattr(registry, name, dict(getattr(registry, name)))


def _rte_run(data: Path, budget: list[str]) -> list[str]:
    return ["--tasks", "rte", "--data-dir", str(data), "--methods", "mtl", *budget]


def _folder_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _run(args, results, capsys, verb: str = "run") -> tuple[int, str]:
    before = _folder_bytes(results)
    prefix = ["--output", str(results)] if verb == "run" else ["--results", str(results)]
    code = main([verb, *prefix, *args])
    assert _folder_bytes(results) == before, "a failed command must leave the results as they were"
    return code, capsys.readouterr().err


# --- the catalogue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """What a case may need: a scratch folder, the real data, a tiny backbone and budget."""

    tmp: Path
    data_dir: Path
    backbone: str
    budget: list[str]

    def rte(self, *args: str) -> list[str]:
        """A seconds-long mtl run on RTE with extra flags."""
        return ["--tasks", "rte", "--methods", "mtl", "--data-dir", str(self.data_dir),
                "--backbone", self.backbone, *self.budget, *args]

    def write(self, name: str, text: str) -> Path:
        path = self.tmp / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path


def _config(text: str) -> Callable[[Setup], list[str]]:
    return lambda s: s.rte("--config", str(s.write("config.yaml", text)))


def _houlsby(option: str) -> Callable[[Setup], list[str]]:
    return lambda s: [*s.rte("--method-option", option), "--methods", "houlsby"]


def _gpt2_backbone(s: Setup) -> list[str]:
    folder = s.tmp / "gpt2"
    GPT2Config(n_layer=1, n_embd=32, n_head=2).save_pretrained(folder)
    return [*s.rte(), "--backbone", str(folder)]


def _output_is_a_file(s: Setup) -> list[str]:
    return [*s.rte(), "--output", str(s.write("results.txt", "not a folder\n"))]


def _csv_user_task(train: str) -> Callable[[Setup], list[str]]:
    return lambda s: _csv_run(s, train)


def _csv_run(s: Setup, train: str) -> list[str]:
    s.write("train.csv", train)
    s.write("dev.csv", "text,label\nok,yes\n")
    tasks = s.write("tasks.yaml", """\
        name: quoted
        files: {train: train.csv, dev: dev.csv}
        text_fields: [text]
        label_field: label
        labels: ["no", "yes"]
        """)
    return ["--user-tasks", str(tasks), "--tasks", "quoted", "--methods", "mtl",
            "--backbone", s.backbone, *s.budget]


LORA_MODULE = '''
from baselines.bert_encoder import FullFineTuningMethod


class Lora(FullFineTuningMethod):
    name = "lora"
    summary = "a LoRA-like plugin for the tests: its rank is an int option"
    option_defaults = {"r": 4}
'''


def _lora_plugin(s: Setup) -> list[str]:
    """Register a plugin the way an installed package is: dist-info with an entry point."""
    site = s.tmp / "site"
    info = site / "lora_test_plugin-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lora-test-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nlora = lora_test_plugin:Lora\n")
    (site / "lora_test_plugin.py").write_text(LORA_MODULE)
    sys.path.insert(0, str(site))
    discover_methods.cache_clear()
    return [*s.rte("--method-option", "lora.r=four"), "--methods", "lora"]


def _latin1_user_task(s: Setup) -> list[str]:
    path = s.tmp / "tasks.yaml"
    path.write_bytes("name: caf\u00e9\nfiles: {train: t.csv}\n".encode("latin-1"))
    return ["--user-tasks", str(path), "--tasks", "cafe", "--methods", "mtl",
            "--backbone", s.backbone, *s.budget]


def _user_task_numeric_key(s: Setup) -> list[str]:
    tasks = s.write("tasks.yaml", """\
        name: numbered
        files: {train: train.csv, dev: dev.csv}
        3: three
        """)
    return ["--user-tasks", str(tasks), "--tasks", "numbered", "--methods", "mtl",
            "--backbone", s.backbone, *s.budget]


def _long_run_id(s: Setup) -> list[str]:
    record = s.write("long_id.json", json.dumps({"schema_version": "1.2", "run_id": "a" * 300}))
    return [str(record)]


CATALOGUE: dict[str, tuple[Callable[[Setup], list[str]], str]] = {
    "epochs-nan": (lambda s: s.rte("--epochs", "nan"), "setting --epochs nan is not a finite"),
    "epochs-inf": (lambda s: s.rte("--epochs", "inf"), "setting --epochs inf is not a finite"),
    "epochs-and-max-steps-negative": (
        lambda s: s.rte("--epochs", "-1", "--max-steps", "-1"), "epochs must be >= 0"),
    "max-steps-negative": (lambda s: s.rte("--max-steps", "-1"), "max_steps must be >= 1"),
    "learning-rate-nan": (
        lambda s: s.rte("--learning-rate", "nan"), "setting --learning-rate nan is not a finite"),
    "houlsby-bottleneck-abc": (
        _houlsby("houlsby.bottleneck=abc"),
        "method 'houlsby' option 'bottleneck' is a string ('abc'), expected an integer"),
    # stl would train first if the bottleneck were checked only when houlsby's encoder is built
    "houlsby-bottleneck-negative": (
        lambda s: [*s.rte("--method-option", "houlsby.bottleneck=-5"), "--methods", "stl,houlsby"],
        "houlsby bottleneck must be in 1..64 (the hidden size), got -5"),
    "houlsby-bottleneck-2.5": (
        _houlsby("houlsby.bottleneck=2.5"), "option 'bottleneck' is a number (2.5), expected an"),
    "houlsby-learning-rate-abc": (
        _houlsby("houlsby.learning_rate=abc"),
        "option 'learning_rate' is a string ('abc'), expected a finite number"),
    "config-epochs-abc": (
        _config("epochs: abc\n"), 'setting epochs: "abc" in config file'),
    "config-batch-size-quoted": (
        _config('batch_size: "16"\n'), "expected an integer (write it without quotes)"),
    "config-seeds-scalar": (
        _config("seeds: 12\n"), "expected a list of integers; e.g. seeds: [12]"),
    "backbone-missing": (
        lambda s: [*s.rte(), "--backbone", str(s.tmp / "no-such-backbone")],
        "no-such-backbone: no such folder"),
    "backbone-not-bert": (_gpt2_backbone, "is a 'gpt2' checkpoint, but method 'mtl' needs"),
    "plugin-option-wrong-type": (
        _lora_plugin, "method 'lora' option 'r' is a string ('four'), expected an integer"),
    "output-is-a-file": (_output_is_a_file, "is a file, not a results folder"),
    "csv-unterminated-quote": (
        _csv_user_task('text,label\nfine,yes\n"broken quote,no\nnext row,yes\nlast,no\n'),
        "train.csv:3: unterminated quote"),
    "csv-quote-swallows-a-row": (
        _csv_user_task('text,label\nfine,yes\n"broken quote,no\nnext row",yes\nlast,no\n'),
        "train.csv:3: a quoted field runs over lines 3-4"),
    "submit-300-character-run-id": (_long_run_id, "(300 characters) does not match"),
    "tasks-repeated": (
        lambda s: [*s.rte(), "--tasks", "rte,rte"], "tasks repeats rte"),
    "tasks-empty": (lambda s: [*s.rte(), "--tasks", ","], "tasks must not be empty"),
    "methods-repeated": (
        lambda s: [*s.rte(), "--methods", "mtl,mtl"], "methods repeats mtl"),
    "config-key-not-text": (
        _config("on: 3\n"), "the key True is bool, not a setting name"),
    "user-task-not-utf8": (_latin1_user_task, "the file is not UTF-8 text"),
    "user-task-key-not-text": (_user_task_numeric_key, "the field name 3 is int, not text"),
    "claim-timeout-a-century": (
        lambda s: s.rte("--claim-timeout", "3e9"), "--claim-timeout must be a positive"),
    # stl would train first if CA-MTL's layout were checked only when its encoder is built
    "camtl-max-length-not-dividing-hidden-size": (
        lambda s: [*s.rte("--max-length", "48"), "--methods", "stl,camtl"],
        "method 'camtl' cannot be built with --max-length 48"),
}


@pytest.fixture
def restore_sys_path():
    saved = list(sys.path)
    yield
    sys.path[:] = saved
    discover_methods.cache_clear()


@pytest.mark.parametrize("case", sorted(CATALOGUE))
def test_bad_input_catalogue(case, results, capsys, tmp_path, data_dir, tiny_backbone,
                             tiny_budget_flags, clean_registry, restore_sys_path):
    make_args, phrase = CATALOGUE[case]
    setup = Setup(tmp_path, data_dir, tiny_backbone, tiny_budget_flags)
    args = make_args(setup)
    code, err = _run(args, results, capsys, verb="submit" if case.startswith("submit") else "run")
    assert code == 2, err
    assert phrase in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 25, "one message, not a dump"


# --- names, configs and data -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--suite", "glu"], "unknown suite 'glu'. Did you mean 'glue'"),
        (["--tasks", "sst-2"], "Did you mean 'sst2'"),
        (["--tasks", "rte", "--methods", "camtll"], "Did you mean 'camtl'"),
        (["--tasks", "rte", "--methods", "mtl", "--sampler", "uniformm"], "Did you mean 'uniform'"),
        (
            ["--tasks", "rte", "--methods", "mtl", "--profile", "smoke", "--train-fraction", "2"],
            "train_fraction must be in (0, 1]",
        ),
        (["--tasks", "rte", "--methods", "mtl", "--batch-size", "0"], "batch_size must be >= 1"),
        (["--tasks", "rte", "--methods", "mtl", "--seeds", "12,12"], "seeds repeats 12"),
        (["--tasks", "rte", "--methods", "mtl", "--seeds", "-3"], "item 1 (-3) must be in [0, "),
        (
            ["--tasks", "rte", "--methods", "mtl", "--method-option", "mtl.dropout=0.2"],
            "has no option 'dropout'",
        ),
    ],
)
def test_unknown_names_and_impossible_configs(args, expected, results, capsys, data_dir):
    code, err = _run([*args, "--data-dir", str(data_dir)], results, capsys)
    assert code == 2
    assert expected in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("learning_rate: .nan\n", "setting learning_rate: NaN in config file"),
        ("max_train_samples: 2.5\n", "is a number, expected an integer"),
        ("skip_unavailable: 1\n", "is an integer, expected true or false"),
        ("methods: mtl\n", 'expected a list of strings; e.g. methods: ["mtl"]'),
        ("precision: fp16\n", "precision must be one of auto, fp32, bf16"),
        ("model_selection: first\n", 'expected one of "best", "best-dev", "last"'),
        ("method_options: {houlsby: 32}\n", "expected a mapping of strings to mappings"),
    ],
)
def test_config_file_values_name_file_value_and_example(text, expected, tmp_path, results,
                                                        capsys, data_dir):
    config = tmp_path / "runs.yaml"
    config.write_text(text)
    code, err = _run(["--tasks", "rte", "--config", str(config), "--data-dir", str(data_dir)],
                     results, capsys)
    assert code == 2
    assert expected in err and str(config) in err


def test_exponent_floats_in_config_and_options_are_numbers(tmp_path, data_dir):
    """YAML 1.1 reads 5e-4 as a string; settings and options read it as the number it is."""
    config = tmp_path / "runs.yaml"
    config.write_text("learning_rate: 5e-5\nmethod_options: {houlsby: {learning_rate: 5e-4}}\n")
    flags = {"tasks": ["rte"], "methods": ["houlsby"], "data_dir": str(data_dir)}
    settings = resolve_settings(None, str(config), flags)
    assert settings.train.learning_rate == 5e-5
    (spec,) = plan_runs(settings)
    assert spec.train.learning_rate == 5e-4 and spec.method_options["bottleneck"] == 64
    assert [parse_scalar(v, "x") for v in ("5e-4", "32", "2.5", '"16"', "abc")] == [
        5e-4, 32, 2.5, "16", "abc"]


def test_suite_with_missing_tasks_lists_them_all_and_where_it_looked(results, capsys, data_dir):
    code, err = _run(["--suite", "glue", "--data-dir", str(data_dir), "--dry-run"], results, capsys)
    assert code == 2
    for task in ("mnli", "qqp", "qnli"):
        assert f"{task} train" in err
    assert str(data_dir.resolve() / "glue_data" / "MNLI") in err
    assert "--skip-unavailable" in err


def test_missing_split(tiny_budget_flags, results, capsys, rte_copy):
    (rte_copy / "glue_data" / "RTE" / "dev.tsv").unlink()
    code, err = _run(_rte_run(rte_copy, tiny_budget_flags), results, capsys)
    assert code == 2
    assert "rte dev" in err and "dev.tsv" in err


def test_malformed_tsv_line_names_file_and_line(tiny_budget_flags, results, capsys, rte_copy):
    train = rte_copy / "glue_data" / "RTE" / "train.tsv"
    lines = train.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = "5\tonly two columns\n"
    train.write_text("".join(lines), encoding="utf-8")
    code, err = _run(_rte_run(rte_copy, tiny_budget_flags), results, capsys)
    assert code == 2
    assert f"{train}:6" in err


def test_label_outside_the_label_set(tiny_budget_flags, results, capsys, rte_copy):
    train = rte_copy / "glue_data" / "RTE" / "train.tsv"
    lines = train.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[3].rstrip("\n").split("\t")
    lines[3] = "\t".join([*fields[:-1], "maybe"]) + "\n"
    train.write_text("".join(lines), encoding="utf-8")
    code, err = _run(_rte_run(rte_copy, tiny_budget_flags), results, capsys)
    assert code == 2
    assert "maybe" in err and f"{train}:4" in err


def test_dry_run_reads_the_first_rows_of_every_split(results, capsys, rte_copy):
    """A bad label in dev (read after training in a real run's first model) stops a dry run."""
    dev = rte_copy / "glue_data" / "RTE" / "dev.tsv"
    lines = dev.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[2].rstrip("\n").split("\t")
    lines[2] = "\t".join([*fields[:-1], "perhaps"]) + "\n"
    dev.write_text("".join(lines), encoding="utf-8")
    code, err = _run(_rte_run(rte_copy, ["--dry-run"]), results, capsys)
    assert code == 2
    assert f"{dev}:3: rte dev: field 'label': label 'perhaps'" in err


def test_empty_training_set(tiny_budget_flags, results, capsys, rte_copy):
    train = rte_copy / "glue_data" / "RTE" / "train.tsv"
    train.write_text(
        train.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8"
    )
    code, err = _run(_rte_run(rte_copy, tiny_budget_flags), results, capsys)
    assert code == 2
    assert "empty training set" in err or "no examples" in err


def test_nan_loss_stops_with_advice(tiny_budget_flags, results, capsys, data_dir, tiny_backbone):
    code, err = _run(
        [
            "--tasks",
            "stsb",
            "--data-dir",
            str(data_dir),
            "--backbone",
            tiny_backbone,
            "--methods",
            "mtl",
            *tiny_budget_flags,
            "--learning-rate",
            "1e12",
            "--precision",
            "fp32",
            "--max-train-samples",
            "64",
        ],
        results,
        capsys,
    )
    assert code == 2
    assert "loss became" in err and "lower --learning-rate" in err


@pytest.mark.parametrize(("args", "expected"), [
    (["params", "--methods", ","], "--methods is empty"),
    (["params", "--tasks", ""], "--tasks is empty"),
    (["params", "--backbone", "/no/such/backbone", "--tasks", "rte"], "/no/such/backbone"),
    (["adapt", "--from", ",", "--tasks", "rte"], "--from names no run"),
])
def test_params_and_adapt_refuse_empty_lists_and_missing_backbones(args, expected, capsys,
                                                                    tmp_path):
    code = main([*args, *(["--output", str(tmp_path)] if args[0] == "adapt" else [])])
    err = capsys.readouterr().err
    assert code == 2, err
    assert expected in err and "Traceback" not in err
