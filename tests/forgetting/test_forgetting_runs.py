"""Forgetting measured by real runs: the record's field, the setting that switches it off,
and an honest entry for every registered method.

The MiniLM runs are real (real backbone, real GLUE RTE and SST-2, a few steps): a record
must carry measured STS and CKA for a per-task method (one entry per task's model) and for
CA-MTL (one entry per task it is conditioned on), and the report must show them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmark.cli.main import main
from benchmark.methods.registry import discover_methods
from benchmark.results.frame import load_results
from benchmark.results.schema import SCHEMA_VERSION
from benchmark.results.validate import read_record
from reports.forgetting import forgetting_tables
from reports.forgetting_claim import forgetting_verdicts
from reports.html import render_report

TINY = ["--max-train-samples", "16", "--max-eval-samples", "16", "--max-steps", "2",
        "--batch-size", "8", "--max-length", "32", "--no-progress", "--seeds", "12"]


def _records(folder: Path) -> dict[str, dict]:
    found = {}
    for path in sorted(folder.glob("*.json")):
        reading = read_record(path)
        assert reading.record is not None, reading.problems
        found[reading.record["method"]] = reading.record
    return found


@pytest.fixture(scope="module")
def minilm_runs(tmp_path_factory, data_dir) -> Path:
    out = tmp_path_factory.mktemp("forgetting-runs")
    code = main(["run", "--tasks", "rte,sst2", "--methods", "stl,camtl", "--data-dir",
                 str(data_dir), "--output", str(out), *TINY])
    assert code == 0
    return out


def test_minilm_runs_record_measured_forgetting(minilm_runs):
    records = _records(minilm_runs)
    stl, camtl = records["stl"], records["camtl"]
    for record in (stl, camtl):
        field = record["forgetting"]
        assert record["schema_version"] == SCHEMA_VERSION and field["status"] == "measured"
        assert field["settings"]["max_length"] == 32  # the run's length: CA-MTL's limit
        sts = field["samples"]["sts"]
        assert len(sts["rows"]) == len(sts["gold"]) == len(sts["before"]) == 300
        assert field["seconds"]["total"] > 0
        assert record["training"]["timing"]["forgetting_s"] >= field["seconds"]["total"]
        for entry in field["entries"]:
            assert entry["status"] == "measured" and entry["mlm"]["status"] == "not applicable"
            assert 0.75 < entry["sts"]["before"] < 0.95
            assert len(entry["sts"]["after_cosines"]) == 300
            assert len(entry["cka"]["per_layer"]) == 7
    assert [(e["model"], e["task"], e["states"]) for e in stl["forgetting"]["entries"]] == [
        ("rte", None, "hf"), ("sst2", None, "hf")]  # one per task's model
    assert [(e["model"], e["task"], e["task_id"], e["states"])
            for e in camtl["forgetting"]["entries"]] == [
        ("rte+sst2", "rte", 0, "protocol"), ("rte+sst2", "sst2", 1, "protocol")]
    # two steps of fine-tuning barely move stl; CA-MTL's fresh top layer is far from MiniLM's
    for entry in stl["forgetting"]["entries"]:
        assert abs(entry["sts"]["delta"]) < 0.02 and min(entry["cka"]["per_layer"]) > 0.99
    for entry in camtl["forgetting"]["entries"]:
        assert entry["sts"]["delta"] < -0.05 and entry["cka"]["per_layer"][-1] < 0.9
        assert entry["cka"]["per_layer"][1] > 0.99  # a frozen lower layer
    # the pretrained side is computed once per process (whichever run came first)
    reused = [r["forgetting"]["seconds"]["pretrained_reused"] for r in records.values()]
    assert sorted(reused) == [False, True] or reused == [True, True]
    assert stl["forgetting"]["samples"] == camtl["forgetting"]["samples"]


def test_report_shows_the_forgetting_table_from_those_records(minilm_runs):
    result = load_results([minilm_runs])
    [table] = forgetting_tables(result)
    rows = {r.key: r for r in table.rows}
    assert set(rows) == {"stl", "camtl"}
    stl, camtl = rows["stl"], rows["camtl"]
    assert stl.sts_before == pytest.approx(camtl.sts_before)  # one pretrained side
    assert camtl.sts_drop.low > stl.sts_drop.high  # a fresh top layer vs two small steps
    assert camtl.cka_last < stl.cka_last
    html = render_report(result, figures=False)
    assert 'id="forgetting"' in html and 'data-table="forgetting-0"' in html
    assert f'data-estimate="{camtl.sts_drop.estimate!r}"' in html
    [verdict] = forgetting_verdicts(result)
    assert verdict.methods == ("camtl", "stl") and verdict.measure == "sts"  # no mtl: stl
    assert verdict.measured.startswith("STS drop: camtl ")
    assert verdict.scale == table.scale.describe()


def test_forgetting_false_switches_it_off_and_is_recorded(tmp_path, tiny_backbone, data_dir):
    config = tmp_path / "runs.yaml"
    config.write_text("forgetting: false\n")
    out = tmp_path / "out"
    code = main(["run", "--tasks", "rte", "--methods", "mtl", "--backbone", tiny_backbone,
                 "--data-dir", str(data_dir), "--output", str(out), "--config", str(config),
                 *TINY])
    assert code == 0
    record = _records(out)["mtl"]
    assert record["forgetting"] == {
        "version": 1, "status": "not measured", "entries": [],
        "reason": "switched off: the run's forgetting setting is false"}
    assert record["identity"]["train"]["forgetting"] is False


def test_every_registered_method_gives_a_forgetting_entry(tmp_path, tiny_backbone, data_dir):
    """On a backbone without sentence-embedding pooling or masked-LM head: STS and MLM are
    'not applicable' with the reason, CKA is measured; no method crashes the measurement."""
    out = tmp_path / "out"
    methods = [n for n, e in discover_methods().items() if e.distribution == "camtl-bench"]
    code = main(["run", "--tasks", "rte,sst2", "--methods", ",".join(methods), "--backbone",
                 tiny_backbone, "--data-dir", str(data_dir), "--output", str(out), *TINY])
    assert code == 0
    records = _records(out)
    assert set(records) == set(methods)
    for method, record in records.items():
        field = record["forgetting"]
        assert field["status"] == "measured", (method, field.get("reason"))
        for entry in field["entries"]:
            assert entry["sts"]["status"] == "not applicable"
            assert "1_Pooling/config.json" in entry["sts"]["reason"]
            assert entry["mlm"]["status"] == "not applicable"
            cka = entry["cka"]["per_layer"]
            assert len(cka) == 5 and all(v is None or 0 <= v <= 1 + 1e-6 for v in cka)
        json.dumps(field, allow_nan=False)
        conditioned = method in ("camtl", "camtl-large", "ablation-ca", "ablation-ca-adapter",
                                 "ablation-ca-adapter-cln")  # a task embedding conditions them
        tasks = [e["task"] for e in field["entries"]]
        assert tasks == (["rte", "sst2"] if conditioned else [None] * len(tasks)), method


def test_the_claims_checklist_carries_the_forgetting_verdict(minilm_runs):
    """The report's forgetting claim is the verdict above, with its interval, not "not
    measured"."""
    from reports.annotate import annotated_tables
    from reports.claims import check_claims

    result = load_results([minilm_runs])
    pairs = annotated_tables(result)
    claims = {c.claim.key: c for c in check_claims(
        [t for t, _ in pairs], {t.slug: a.evidence for t, a in pairs if a}, result)}
    [measurement] = claims["forgetting"].measurements
    [verdict] = forgetting_verdicts(result)
    assert measurement.verdict == verdict.verdict.verdict.value != "not measured"
    assert measurement.measured == verdict.measured
    assert measurement.interval == verdict.verdict.interval
