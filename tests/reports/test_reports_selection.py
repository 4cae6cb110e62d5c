"""Tables built from best-dev runs say they were selected on the reported split."""

from __future__ import annotations

from benchmark.results.frame import build_result_set
from reports.table_model import OPTIMISTIC_NOTE
from reports.tables import comparison_tables


def _tables(make_record, selection: str):
    records = [make_record(m, 1, {"rte": 60.0, "mrpc": 80.0}) for m in ("stl", "camtl")]
    for record in records:
        record["training"]["model_selection"] = selection
    return comparison_tables(build_result_set(records).frame)


def test_best_dev_tables_are_marked_optimistic(make_record):
    [table] = _tables(make_record, "best-dev")
    assert OPTIMISTIC_NOTE in table.scale.describe() and OPTIMISTIC_NOTE in table.scale.short()
    [honest] = _tables(make_record, "best")
    assert OPTIMISTIC_NOTE not in honest.scale.describe()


def test_csv_lines_carry_the_selection_and_its_optimistic_label(make_record):
    """A CSV line travels without the table's caption, so each one says how its checkpoint
    was selected."""
    import csv
    import io

    from reports.exports import per_seed_csv, to_csv

    [table] = _tables(make_record, "best-dev")
    lines = list(csv.DictReader(io.StringIO(to_csv(table))))
    assert lines and all(line["selection"] == f"best-dev: {OPTIMISTIC_NOTE}" for line in lines)
    seeds = list(csv.DictReader(io.StringIO(per_seed_csv(table))))
    assert seeds and all(OPTIMISTIC_NOTE in line["selection"] for line in seeds)
    [honest] = _tables(make_record, "best")
    assert {line["selection"] for line in csv.DictReader(io.StringIO(to_csv(honest)))} == {
        "best"}
