"""A run without --methods runs every registered method (the smoke profile's use in CI)."""

from __future__ import annotations

from benchmark.cli.main import main
from benchmark.methods.registry import discover_methods


def test_dry_run_without_methods_lists_every_registered_method(data_dir, tmp_path, capsys):
    code = main([
        "run", "--suite", "glue", "--profile", "smoke", "--data-dir", str(data_dir),
        "--output", str(tmp_path), "--dry-run",
    ])  # fmt: skip
    assert code == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if "[todo]" in line]
    planned = [row[2] for row in rows]
    loaded = {name for name, entry in discover_methods().items() if entry.error is None}
    assert set(planned) == loaded and len(planned) == len(loaded)
    assert planned[:4] == ["stl", "houlsby", "mtl", "camtl"]  # the paper's comparison first
    assert not list(tmp_path.iterdir()), "a dry run writes nothing"
