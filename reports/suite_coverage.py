"""How a table's tasks count against the task sets the claims name ("24 tasks"): by benchmark
on a composite suite (``benchmark/tasks/suites.yaml``), one each otherwise, and which tasks a
verdict on such a suite rests on."""

from __future__ import annotations

from benchmark.tasks.registry import composite_suite
from reports.table_model import RECONSTRUCTED, Table


def counted_tasks(table: Table) -> int:
    """The table's tasks as the paper counts them: by benchmark on a composite suite (RTE
    under GLUE and SuperGLUE counts twice in "24 tasks"), else one each."""
    composite = composite_suite(table.scale.suite)
    if composite is None:
        return len(table.scale.tasks)
    return composite.counted_tasks(table.scale.tasks)


def covers(table: Table, min_tasks: int) -> bool:
    """Whether a table speaks to a claim about ``min_tasks`` tasks: it counts that many, or
    it is a run of a suite declared with that many (missing tasks named by ``coverage``)."""
    if counted_tasks(table) >= min_tasks:
        return True
    composite = composite_suite(table.scale.suite)
    return min_tasks > 1 and composite is not None and (composite.counted_as or 0) >= min_tasks


def coverage(table: Table) -> str:
    """Which tasks a verdict on a composite suite rests on, for the claim's notes."""
    composite = composite_suite(table.scale.suite)
    if composite is None or composite.counted_as is None:
        return ""
    missing = composite.missing(table.scale.tasks)
    label = f"{RECONSTRUCTED} ({composite.name})" if composite.reconstructed else composite.name
    rests = f"rests on {counted_tasks(table)} of {composite.counted_as} tasks"
    return f"{label}: {rests}" + (f"; missing: {', '.join(missing)}" if missing else "")
