"""A small real SNLI run: the built-in ``snli`` task trained on one SNLI dev subset and
scored on the other (the shared data has no SNLI train file), end to end through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_snli_trains_on_one_dev_subset_and_the_record_names_it(data_dir: Path,
                                                               tmp_path: Path) -> None:
    parts = data_dir / "snli" / "dev_subsets"
    folder = tmp_path / "data" / "snli_1.0"
    folder.mkdir(parents=True)
    (folder / "snli_1.0_train.jsonl").symlink_to(parts / "snli_1.0_dev.partA.jsonl")
    (folder / "snli_1.0_dev.jsonl").symlink_to(parts / "snli_1.0_dev.partB.jsonl")
    done = subprocess.run(
        [sys.executable, "-m", "benchmark", "run", "--tasks", "snli", "--methods", "stl",
         "--profile", "smoke", "--seeds", "1", "--data-dir", str(tmp_path / "data"),
         "--output", str(tmp_path / "out"), "--no-progress"],
        cwd=REPO_ROOT, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "snli train: dropped 16 rows without a majority label" in done.stderr
    assert "snli dev: dropped 23 rows without a majority label" in done.stderr
    (path,) = (tmp_path / "out").glob("*.json")
    record = json.loads(path.read_text())
    assert record["tasks"] == ["snli"] and 0 <= record["main_scores"]["snli"] <= 100
    assert record["budget"]["train_examples"]["snli"] > 0
    assert record["budget"]["rows_dropped"] == {
        "snli": {"train": {"dropped_no_majority": 16}, "dev": {"dropped_no_majority": 23}}}
    published = dict(reversed(line.split(maxsplit=1))
                     for line in (data_dir / "SHA256SUMS").read_text().splitlines() if line)
    files = {Path(k).name: v for k, v in record["manifest"]["data_files"].items()}
    assert files == {"snli_1.0_dev.partA.jsonl":
                     published["snli/dev_subsets/snli_1.0_dev.partA.jsonl"],
                     "snli_1.0_dev.partB.jsonl":
                     published["snli/dev_subsets/snli_1.0_dev.partB.jsonl"]}
