"""The HTML report and leaderboard: escaped, self-contained, numbers equal to the records."""

from __future__ import annotations

import re
import statistics

import pytest

from benchmark.results.frame import build_result_set, load_results
from reports.html import environment, render_leaderboard, render_report

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def page_and_records(synthetic_records):
    return render_report(build_result_set(synthetic_records)), synthetic_records


def test_autoescape_is_on():
    env = environment()
    assert env.from_string("{{ x }}").render(x=XSS) == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_script_method_renders_as_text(page_and_records, parse_html):
    page, _ = page_and_records
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parsed = parse_html(page)
    assert parsed.scripts == 0  # the report itself needs no script at all
    assert XSS in parsed.texts  # ... and the name is shown, as text


def test_self_contained(page_and_records):
    page, _ = page_and_records
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<link" not in page
    images = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert images and all(src.startswith("data:image/png;base64,") for src in images)


def test_table_numbers_equal_the_records(page_and_records, parse_html):
    page, records = page_and_records
    cells = parse_html(page).tables["comparison-glue-0"]
    for method in ("stl", "mtl", "camtl"):
        mine = [r for r in records if r["method"] == method]
        for task in ("rte", "mrpc"):
            values = [r["main_scores"][task] for r in mine]
            cell = cells[(method, f"score:{task}")]
            assert float(cell["data-mean"]) == pytest.approx(statistics.fmean(values))
            assert int(cell["data-n"]) == len(values)
            assert cell["text"].startswith(f"{statistics.fmean(values):.1f} ± ")
        averages = [statistics.fmean(r["main_scores"].values()) for r in mine]
        assert float(cells[(method, "average")]["data-mean"]) == pytest.approx(
            statistics.fmean(averages))
    assert cells[("stl", "average")]["text"].endswith("n=2/3")
    assert "only 2 of 3 seeds" in cells[("stl", "average")]["title"]


def test_claims_checklist_and_published_labels(page_and_records):
    page, _ = page_and_records
    assert page.count('<span class="published">published</span>') >= 9
    assert "arXiv:2009.09139" in page
    for verdict in ("supported", "not measured"):
        assert f'class="verdict {verdict.replace(" ", "-")}"' in page


def test_provenance_footer(page_and_records):
    page, records = page_and_records
    footer = page[page.index('id="provenance"'):]
    manifest = records[0]["manifest"]
    assert manifest["git_commit"] in footer
    assert "transformers" in footer and "4.57.6" in footer
    assert "glue_data/RTE/train.tsv" in footer and "a" * 64 in footer
    assert records[0]["backbone"]["fingerprint"] in footer
    assert "2 cores" in footer
    assert "1, 2, 3" in footer


def test_report_lists_left_out_files(tmp_path, make_record, write_records):
    folder = write_records(tmp_path / "r", [make_record()])
    (folder / "junk.json").write_text("[]")
    page = render_report(load_results([folder]), figures=False)
    assert "left out" in page and "junk.json" in page and "expected a JSON object" in page


def test_report_without_records():
    page = render_report(build_result_set([]))
    assert "No valid result records" in page


def test_leaderboard_rows_and_escaping(make_record, parse_html):
    records = [make_record("camtl", s, {"rte": 70.0 + s, "mrpc": 80.0}) for s in (1, 2)]
    records.append(make_record(XSS, 1, {"rte": 50.0, "mrpc": 50.0}))
    page = render_leaderboard(build_result_set(records))
    parsed = parse_html(page)
    assert XSS not in page and XSS in parsed.texts
    assert parsed.scripts == 1  # the sorting script, and nothing from the records
    cells = parsed.tables["leaderboard"]
    assert float(cells[("camtl", "task_average")]["data-mean"]) == pytest.approx(75.75)
    assert cells[(XSS, "task_average")]["text"].strip().startswith("50.0 n=1/2")
    assert 'data-sort="75.75"' in page


def test_ids_are_unique(make_record):
    records = [make_record("camtl", 1), make_record("camtl", 1, suite="superglue",
                                                     scores={"cb": 60.0, "copa": 70.0})]
    page = render_report(build_result_set(records))
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
