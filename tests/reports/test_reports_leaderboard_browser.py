"""The leaderboard in headless Chromium: it fits a 1,300-pixel window, and sorting keeps each
scale's heading, trivial-predictor and notes rows in place.

A script appended to a copy of the page writes what Chromium laid out (widths, row order)
into an attribute that ``--dump-dom`` returns; the page itself carries only its sorter.

Skips when Debian's ``chromium`` is not installed (.ci/run installs it).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from benchmark.results.frame import load_results
from reports.html import render_leaderboard

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTH = 1300

pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium not installed (apt-get install -y chromium)")]

MEASURE = """<script>
(function () {
  var table = document.getElementById("leaderboard");
  var box = table.getBoundingClientRect();
  document.body.setAttribute("data-measure", JSON.stringify({
    inner: window.innerWidth, page: document.documentElement.scrollWidth,
    right: box.right, table: table.scrollWidth, holder: table.parentElement.clientWidth,
    order: Array.prototype.map.call(table.tBodies[0].rows, function (r) {
      return r.dataset.row || r.className; })
  }));
}());
</script></body>"""

TASKS = ("cola", "sst2", "mrpc", "qqp", "qnli", "rte", "wnli")
LONG_NAMES = (
    "a-plugin-method-whose-registered-name-runs-on-without-a-single-space-v2",
    "org.example.adapters.LowRankHypernetworkConditionedAdapterWithTaskEmbeddings",
)


def _chromium(tmp_path: Path, *args: str) -> str:
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60,
                          check=True).stdout


def _measure(tmp_path: Path, page: Path, fragment: str = "") -> dict:
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE),
                     encoding="utf-8")
    dom = _chromium(tmp_path, f"--window-size={WIDTH},900", "--dump-dom",
                    probe.as_uri() + fragment)
    found = re.search(r'<body[^>]*data-measure="([^"]*)"', dom)
    assert found, "the measuring script did not run"
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture
def crowded(tmp_path, make_record, with_predictions, write_records) -> Path:
    """Twelve configurations on seven tasks at each of two budgets, long method names and
    labels, missing seeds, an old record without predictions: as wide as the page gets."""
    rng = np.random.default_rng(0)
    gold = {t: rng.integers(0, 2, 64) for t in TASKS}
    methods = ["stl", "houlsby", "mtl", "camtl", "camtl-large", "ablation-mtl", "ablation-ca",
               "ablation-ca-adapter", "ablation-ca-adapter-cln", *LONG_NAMES]
    records = []
    for budget_eval in (64, 128):
        budget = {"max_train_samples": 64, "max_eval_samples": budget_eval, "epochs": 2,
                  "batch_size": 16, "max_length": 64, "learning_rate": 1e-4}
        for i, method in enumerate(methods):
            for seed in (1, 2, 3)[: 2 + (i % 2)]:
                record = make_record(method, seed, {t: 50.0 for t in TASKS}, budget=budget,
                                      params={"trainable": 136_300_000 + i})
                if method in LONG_NAMES:
                    record["method_label"] = ("Low-rank hypernetwork-conditioned adapters with "
                                              "task embeddings and a very long descriptive label")
                share = 0.5 + 0.04 * i
                records.append(with_predictions(record, {
                    t: (np.where(rng.random(len(g)) < share, g, 1 - g), g)
                    for t, g in gold.items()}))
        records.append(make_record("old-" + LONG_NAMES[0], 1, {t: 61.0 for t in TASKS},
                                    budget=budget))
    folder = write_records(tmp_path / "results", records)
    page = folder.parent / "leaderboard.html"
    page.write_text(render_leaderboard(load_results([folder])), encoding="utf-8")
    return page


def test_the_leaderboard_fits_a_1300_pixel_window(crowded, tmp_path):
    measured = _measure(tmp_path, crowded)
    assert measured["inner"] == WIDTH
    assert measured["page"] <= WIDTH, measured  # no horizontal scrolling of the page
    assert measured["right"] <= WIDTH, measured  # the table's right edge is in the window
    assert measured["table"] <= measured["holder"], measured  # nor inside its scroll box


def test_the_smoke_leaderboard_fits_too(smoke_results, tmp_path):
    """The records of ``CAMTL_SMOKE_RESULTS`` when set (a real smoke run), else conftest's."""
    page = tmp_path / "smoke.html"
    page.write_text(render_leaderboard(load_results([smoke_results])), encoding="utf-8")
    measured = _measure(tmp_path, page)
    assert measured["page"] <= WIDTH and measured["right"] <= WIDTH, measured
    assert measured["table"] <= measured["holder"], measured


def test_sorting_keeps_a_scales_fixed_rows_in_place(crowded, tmp_path):
    unsorted = _measure(tmp_path, crowded)["order"]
    for sort in ("task_average:asc", "task_average:desc", "rank:asc"):
        order = _measure(tmp_path, crowded, f"#sort={sort}")["order"]
        assert order[0] == "lb-scale" and order[-1] == "baseline", (sort, order)
        assert sorted(order) == sorted(unsorted)
    assert order[-2] == "old-" + LONG_NAMES[0]  # unranked: last by rank
    assert unsorted[-2] == "old-" + LONG_NAMES[0]
    assert crowded.read_text(encoding="utf-8").count('data-baseline="trivial"') == 2
