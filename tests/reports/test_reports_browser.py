"""Open the report in headless Chromium: the page draws, and its tables equal the records.

Records come from ``CAMTL_SMOKE_RESULTS`` (a folder written by
``python -m benchmark run --suite glue --profile smoke``) when set, else from records
built in conftest. Skips when Debian's ``chromium`` is not installed (.ci/run installs it).
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from benchmark.results.frame import load_results
from reports.html import render_report

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


NO_CHROMIUM = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium not installed (apt-get install -y chromium)"
)


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "chromium-profile"
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, smoke_results):
    """Render once from the smoke records; returns (html path, records by run id)."""
    folder = smoke_results
    tmp = tmp_path_factory.mktemp("browser")
    result = load_results([folder])
    page = tmp / "report.html"
    page.write_text(render_report(result), encoding="utf-8")
    return page, result.records


@pytest.fixture(scope="module")
def dom(rendered, tmp_path_factory) -> str:
    """The DOM as Chromium built it from the file (``--dump-dom``)."""
    if CHROMIUM is None:
        pytest.skip("Debian chromium not installed (apt-get install -y chromium)")
    page, _ = rendered
    return _chromium(tmp_path_factory.mktemp("dom"), "--dump-dom", page.as_uri()).stdout


@NO_CHROMIUM
def test_screenshot_is_not_blank(rendered, tmp_path):
    from PIL import Image

    page, _ = rendered
    shot = tmp_path / "report.png"
    _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri())
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (2000, 1280)
    assert pixels.std() > 20  # text, rules and figures, not a blank page
    assert (pixels < 128).mean() > 0.01


def _expected_cells(records: dict[str, dict]) -> dict[tuple[str, str], list[float]]:
    """Per (method, task): the seeds' main scores, grouped the simple way (by method)."""
    cells: dict[tuple[str, str], list[float]] = defaultdict(list)
    for record in records.values():
        for task, score in record["main_scores"].items():
            if score is not None:
                cells[(record["method"], task)].append(score)
        scores = [record["main_scores"].get(t) for t in record["tasks"]]
        if None not in scores:
            cells[(record["method"], "average")].append(statistics.fmean(scores))
    return cells


@NO_CHROMIUM
def test_rendered_tables_equal_the_records(rendered, dom, parse_html):
    _, records = rendered
    parsed = parse_html(dom)
    comparison = {k: v for slug, cells in parsed.tables.items()
                  if slug.startswith(("comparison", "ablation")) and not slug.endswith("per-seed")
                  for k, v in cells.items()}
    # Compare where the simple grouping is unambiguous: one scale and one task set per method.
    configs = defaultdict(set)
    for r in records.values():
        configs[r["method"]].add((r["suite"], tuple(r["tasks"]), r["backbone"]["fingerprint"],
                                  json.dumps(r["budget"], sort_keys=True)))
    compared = 0
    for (method, column), values in _expected_cells(records).items():
        key = (method, "average" if column == "average" else f"score:{column}")
        if len(configs[method]) != 1 or key not in comparison:
            continue
        cell = comparison[key]
        mean = statistics.fmean(values)
        assert float(cell["data-mean"]) == pytest.approx(mean, abs=1e-9), key
        assert int(cell["data-n"]) == len(values), key
        assert cell["text"].strip().startswith(f"{mean:.1f}"), (key, cell["text"])
        if len(values) > 1:
            assert f"± {statistics.stdev(values):.1f}" in cell["text"], key
        compared += 1
    assert compared >= 4
    assert parsed.scripts == 0


@NO_CHROMIUM
def test_hostile_method_name_is_text_in_the_browser(rendered, dom, parse_html):
    _, records = rendered
    hostile = [r["method"] for r in records.values() if "<" in r["method"]]
    if not hostile:
        pytest.skip("these records have no method name with markup")
    parsed = parse_html(dom)
    assert parsed.scripts == 0
    assert hostile[0] in parsed.texts


@NO_CHROMIUM
def test_leaderboard_sorts_in_the_browser(tmp_path, make_record, parse_html):
    from benchmark.results.frame import build_result_set
    from reports.html import render_leaderboard

    records = [make_record(m, 1, {"rte": score, "mrpc": score})
               for m, score in (("stl", 70.0), ("mtl", 60.0), ("camtl", 80.0))]
    records.append(make_record("houlsby", 1, {"rte": 75.0, "mrpc": None}))
    page = tmp_path / "lb.html"
    page.write_text(render_leaderboard(build_result_set(records)), encoding="utf-8")
    order = {}
    for direction in ("asc", "desc"):
        dom = _chromium(tmp_path, "--dump-dom", f"{page.as_uri()}#sort=task_average:{direction}")
        order[direction] = re.findall(r'<tr data-row="([^"]+)"', dom.stdout)
    assert order["asc"] == ["mtl", "stl", "camtl", "houlsby"]  # missing average sorts last
    assert order["desc"] == ["camtl", "stl", "mtl", "houlsby"]
