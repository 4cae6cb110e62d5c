"""Domain adaptation end to end: CA-MTL and MTL trained on RTE + MRPC with their checkpoints
kept, adapted to SNLI (the dev-subset split of examples/adaptation/) at two fractions (1%
and 2%) with two seeds, beside stl from the backbone; the report's adaptation table shows
every cell with its interval. Real rows, the tiny backbone, a few steps per run."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from benchmark.methods.registry import get_method
from benchmark.results.frame import load_results
from benchmark.tasks.registry import get_task
from benchmark.training.heads import MultiTaskModel

REPO = Path(__file__).resolve().parents[2]
SNLI_SPLIT = REPO / "examples" / "adaptation" / "snli_dev_split.yaml"
BUDGET = ["--max-train-samples", "40", "--max-eval-samples", "24", "--epochs", "1",
          "--batch-size", "8", "--max-length", "32", "--no-progress", "--model-selection",
          "last"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def adapted(tmp_path_factory, data_dir, tiny_backbone):
    """The sources, then the adaptation matrix; returns (output, source ids, outcome)."""
    from benchmark.cli.main import main
    from benchmark.tasks import registry

    registry.get_task("rte")  # built-ins loaded before the copy that is restored below
    saved = dict(registry._TASKS), dict(registry._SUITES), dict(registry._DIAGNOSTICS)
    output = tmp_path_factory.mktemp("adapt") / "results"
    common = ["--data-dir", str(data_dir), "--output", str(output), "--backbone", tiny_backbone,
              *BUDGET]
    assert main(["run", "--tasks", "rte,mrpc", "--methods", "camtl,mtl", "--seeds", "3",
                 "--keep-checkpoint", *common]) == 0
    sources = {load_results([output]).records[r]["method"]: r
               for r in load_results([output]).records}
    before = {r: _digest(output / f"{r}.json") for r in sources.values()}
    code = main(["adapt", "--from", f"{sources['camtl']},{sources['mtl']}", "--tasks",
                 "snli_dev_split", "--user-tasks", str(SNLI_SPLIT), "--fractions", "0.01,0.02",
                 "--seeds", "1,2", "--keep-checkpoint", *common])
    registry._TASKS, registry._SUITES, registry._DIAGNOSTICS = saved
    return output, sources, before, code


def test_every_adaptation_run_records_its_source_fraction_and_examples(adapted) -> None:
    output, sources, before, code = adapted
    assert code == 0
    records = load_results([output]).records
    adapted_records = [r for r in records.values() if r.get("adaptation")]
    stl = [r for r in records.values() if r["method"] == "stl"]
    assert len(adapted_records) == 2 * 2 * 2 and len(stl) == 2 * 2
    for record in adapted_records:
        entry = record["adaptation"]
        assert entry["source_run"] == sources[record["method"]]
        assert record["tasks"] == ["snli_dev_split"]
        assert entry["train_examples"] == record["budget"]["train_examples"]
        assert record["identity"]["adapt_from"] == entry["source_run"]
    examples = {r["adaptation"]["fraction"]: r["adaptation"]["train_examples"]["snli_dev_split"]
                for r in adapted_records}
    assert examples == {0.01: 13, 0.02: 26}  # ceil(fraction x 1273), under the cap of 40
    assert {r["budget"]["train_fraction"] for r in stl} == {0.01, 0.02}
    assert all(_digest(output / f"{r}.json") == d for r, d in before.items()), (
        "the source records are untouched")


def test_adapted_camtl_keeps_the_source_frozen_weights_bit_identical(adapted, tiny_backbone):
    output, sources, _, _ = adapted
    records = load_results([output]).records
    source = load_file(str(output / "checkpoints" / sources["camtl"] / "model.safetensors"))
    tasks = [get_task("rte"), get_task("mrpc")]
    camtl = get_method("camtl")
    model = MultiTaskModel(camtl.build_encoder(tiny_backbone, tasks, camtl.resolve_options({}),
                                               32), tasks)
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    trained = [n for n, p in model.named_parameters() if p.requires_grad and "encoder" in n]
    assert frozen and trained
    runs = [r for r in records.values() if r["method"] == "camtl" and r.get("adaptation")]
    assert len(runs) == 4
    for record in runs:
        weights = load_file(str(output / record["checkpoint"]["folder"] / "model.safetensors"))
        assert all(torch.equal(weights[n], source[n]) for n in frozen)
        assert any(not torch.equal(weights[n], source[n]) for n in trained), "it trained"
        table = "encoder.task_embedding.weight"
        assert weights[table].shape[0] == source[table].shape[0] + 1, "one more task row"
        # no gradient reaches the source tasks' rows: only AdamW's decay shrinks them, uniformly
        ratio = weights[table][:2] / source[table][:2]
        assert 0.99 < float(ratio.mean()) <= 1.0 and float(ratio.std()) < 1e-5


def test_the_report_has_the_adaptation_table_with_intervals(adapted, tmp_path, cli) -> None:
    output, sources, _, _ = adapted
    page = tmp_path / "report.html"
    outcome = cli(["report", "--results", str(output), "--user-tasks", str(SNLI_SPLIT),
                   "--out", str(page), "--no-figures"])
    assert outcome.code == 0, outcome.err
    html = page.read_text()
    table = html[html.index('id="table-adaptation-snli_dev_split"'):]
    table = table[: table.index("</table>")]
    columns = re.findall(r'<th scope="col" data-column="([^"]+)"', table)
    assert columns == ["stl", f"camtl-from-{sources['camtl'][:8]}",
                       f"mtl-from-{sources['mtl'][:8]}"]
    rows = re.findall(r'<tr data-row="([^"]+)"', table)
    assert rows == ["0.01", "0.02"]
    cells = re.findall(r'data-low="[^"]+" data-high="[^"]+" data-seeds="2"', table)
    assert len(cells) == 2 * 3, "every fraction x method cell has an interval over 2 seeds"
    assert "1% (13 examples)" in table and "2% (26 examples)" in table


def test_adapting_what_cannot_be_adapted_stops_before_training(adapted, cli) -> None:
    output, sources, _, _ = adapted
    flags = ["--tasks", "snli_dev_split", "--user-tasks", str(SNLI_SPLIT), "--output",
             str(output), *BUDGET]
    records = load_results([output]).records
    stl_run = next(r for r, rec in records.items() if rec["method"] == "stl")
    no_checkpoint = next(r for r, rec in records.items()
                         if rec["method"] == "camtl" and rec.get("adaptation"))
    cases = {
        stl_run: "stl trains one model per task, so there is no multi-task model to adapt",
        "0123456789abcdef": "no record",
        no_checkpoint: "that run is itself an adaptation",
    }
    for run_id, message in cases.items():
        outcome = cli(["adapt", "--from", run_id, *flags])
        assert outcome.code == 2 and message in outcome.err, outcome.err
        assert "Traceback" not in outcome.err
    outcome = cli(["adapt", "--from", sources["camtl"], "--fractions", "0.5,2", *flags])
    assert outcome.code == 2 and "'2' is not a fraction in (0, 1]" in outcome.err
    outcome = cli(["adapt", "--from", sources["camtl"], *flags[2:], "--tasks", "rte"])
    assert outcome.code == 2 and "already trained rte" in outcome.err
