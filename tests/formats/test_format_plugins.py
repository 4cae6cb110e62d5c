"""A third-party task format, registered by entry point, reads real SNLI rows.

The plugin is registered the way an installed package is: a ``*.dist-info`` folder with
``entry_points.txt`` on the import path (group ``camtl_bench.formats``).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmark.data.loading import load_split
from benchmark.errors import BenchmarkError
from benchmark.formats.registry import (
    FORMAT_ENTRY_POINT_GROUP,
    format_names,
    format_plugins,
    format_release,
    get_format,
    reload_plugins,
)
from benchmark.metrics import score_examples
from benchmark.tasks import registry
from benchmark.tasks.registry import get_task, load_user_tasks

HERE = Path(__file__).resolve().parent
PLUGIN = HERE / "consensus_plugin"
ENTRIES = {"consensus": "ConsensusFormat", "missing-format": "NoSuchFormat"}
SNLI_ROWS = {"train": 1289, "dev": 1277}  # partA, partB of the official dev file
NO_CONSENSUS = {"train": 16, "dev": 23}  # rows with gold_label "-" (grep -c in each file)


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PYTHONPATH value under which the plugin's formats are registered."""
    folder = tmp_path_factory.mktemp("format-plugin")
    info = folder / "camtl_bench_consensus-0.2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: camtl-bench-consensus\nVersion: 0.2.0\n", encoding="utf-8")
    lines = [f"[{FORMAT_ENTRY_POINT_GROUP}]",
             *(f"{n} = camtl_bench_consensus:{c}" for n, c in ENTRIES.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return os.pathsep.join([str(folder), str(PLUGIN)])


@pytest.fixture
def plugin_registered(plugin_path: str, monkeypatch) -> Iterator[None]:
    entries = plugin_path.split(os.pathsep)
    sys.path[:0] = entries
    reload_plugins()
    get_task("rte")  # built-in tasks loaded before the registry is copied
    for name in ("_TASKS", "_SUITES", "_DIAGNOSTICS"):
        monkeypatch.setattr(registry, name, dict(getattr(registry, name)))
    try:
        yield
    finally:
        for entry in entries:
            sys.path.remove(entry)
        reload_plugins()


@pytest.fixture
def snli_task(tmp_path: Path, data_dir: Path) -> Path:
    """A user task file over SNLI dev's two disjoint parts, read by the plugin's format."""
    declared = tmp_path / "tasks.yaml"
    parts = data_dir / "snli" / "dev_subsets"
    declared.write_text(
        "name: snli_part\n"
        f"files: {{train: {parts / 'snli_1.0_dev.partA.jsonl'}, "
        f"dev: {parts / 'snli_1.0_dev.partB.jsonl'}}}\n"
        "reader: consensus\n"
        "text_fields: [sentence1, sentence2]\n"
        "label_field: gold_label\n"
        "labels: [entailment, neutral, contradiction]\n", encoding="utf-8")
    return declared


def test_the_plugin_format_is_found_and_its_broken_sibling_reported(plugin_registered) -> None:
    assert "consensus" in format_names() and "missing-format" not in format_names()
    assert type(get_format("consensus")).__name__ == "ConsensusFormat"
    plugins = format_plugins()
    assert plugins["consensus"].error is None
    assert plugins["missing-format"].distribution == "camtl-bench-consensus"
    with pytest.raises(BenchmarkError) as caught:
        get_format("missing-format")
    assert "from camtl-bench-consensus (camtl_bench_consensus:NoSuchFormat) failed to load: " \
           "AttributeError" in str(caught.value)
    assert "other formats still work" in str(caught.value)


def test_a_user_task_reads_real_rows_through_the_plugin(plugin_registered, snli_task,
                                                        caplog) -> None:
    (task,) = load_user_tasks(snli_task)
    assert task.reader == "consensus" and task.metrics == ("accuracy",)
    with caplog.at_level(logging.WARNING):
        train = load_split(task, "train", None)
        dev = load_split(task, "dev", None)
    assert len(train) == SNLI_ROWS["train"] - NO_CONSENSUS["train"]
    assert len(dev) == SNLI_ROWS["dev"] - NO_CONSENSUS["dev"]
    assert "snli_part train: dropped 16 rows without a consensus label" in caplog.text
    assert "snli_part dev: dropped 23 rows without a consensus label" in caplog.text
    first = train[0]  # partA's first row: "Two women are embracing ...", gold neutral
    assert first.texts[0] == "Two women are embracing while holding to go packages."
    assert task.labels[first.label] == "neutral"
    always_entailment = [0] * len(dev)
    share = sum(e.label == 0 for e in dev) / len(dev)
    assert score_examples(task, dev, always_entailment) == {"accuracy": pytest.approx(share)}


def test_a_plugin_formats_release_is_part_of_the_task_hash(plugin_registered, snli_task,
                                                           plugin_path, monkeypatch) -> None:
    """A new release of the format's package may read or score the files anew, so it is a
    new task definition (and run id); built-in formats keep their hashes."""
    (task,) = load_user_tasks(snli_task)
    assert format_release("consensus") == {"distribution": "camtl-bench-consensus",
                                           "version": "0.2.0"}
    assert format_release("fields") is None
    before = task.definition_hash()
    info = Path(plugin_path.split(os.pathsep)[0]) / "camtl_bench_consensus-0.2.0.dist-info"
    metadata = info / "METADATA"
    original = metadata.read_text(encoding="utf-8")
    try:
        metadata.write_text(original.replace("Version: 0.2.0", "Version: 0.3.0"),
                            encoding="utf-8")
        assert task.definition_hash() != before
    finally:
        metadata.write_text(original, encoding="utf-8")
    assert task.definition_hash() == before


def test_the_cli_finds_the_plugin_and_without_it_names_the_known_formats(
        plugin_path, snli_task, tmp_path) -> None:
    command = [sys.executable, "-m", "benchmark", "run", "--user-tasks", str(snli_task),
               "--tasks", "snli_part", "--methods", "mtl", "--output", str(tmp_path / "r"),
               "--dry-run"]
    base = {**os.environ, "OMP_NUM_THREADS": "1"}
    found = subprocess.run(command, env={**base, "PYTHONPATH": plugin_path},
                           capture_output=True, text=True, timeout=300)
    assert found.returncode == 0, found.stderr[-2000:]
    assert "snli_part" in found.stdout
    missing = subprocess.run(command, env=base, capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2
    assert "field 'reader': unknown task format 'consensus'" in missing.stderr
    known = "axg, conll_tags, copa, fields, majority, mrqa_span, multirc, record, wic, wsc"
    assert f"Known task formats: {known}" in missing.stderr
