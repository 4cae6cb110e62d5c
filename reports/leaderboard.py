"""One row per configuration (every run but the seed), grouped by scale, ranked on intervals.

A *scale* is what two entries must share to be scored on the same evaluation examples:
suite, tasks, backbone and budget. At each scale ``reports.evidence`` bootstraps every
entry whose runs saved per-example predictions, and the trivial predictor on the same
draws; ``reports.ranks`` turns those intervals into shared ranks. An entry without
predictions keeps its average, gets no rank and says why. Each numeric cell is a
``Cell`` across seeds, so missing seeds are marked exactly as in the tables; the page
can re-sort any column within a scale. Rules: docs/reports.md, "Leaderboard".
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from benchmark.errors import BenchmarkError
from benchmark.results.frame import GROUP_KEYS, SCORE_PREFIX, ResultSet
from benchmark.stats import DEFAULT_RESAMPLES, Interval, format_score
from benchmark.stats.verdicts import Learning, learning
from benchmark.tasks.suite_naming import is_task_set
from reports.cells import Cell, Column
from reports.evidence import Evidence, RowEvidence, gather_evidence
from reports.labels import method_identities, method_label, suite_order
from reports.ranks import Rank, shared_ranks
from reports.table_model import Scale

COLUMNS = (
    Column("task_average", "Avg [95% CI]", "score",
           "mean over the run's own tasks, per seed, then mean ± std over seeds; below it the "
           "95% interval (paired bootstrap over seeds and evaluation examples)"),
    Column("suite_average", "Suite avg", "score",
           "suite_average from the records; null (—) when a task of the suite is missing"),
    Column("trained_pct", "Trained per task %", "percent",
           "trained parameters per task, % of the backbone (parameters.trained_per_task_ratio "
           "× 100)"),
    Column("total_to_serve", "To serve", "count",
           "parameters to serve every task (parameters.total_to_serve)"),
    Column("data_used", "Data used %", "percent", "data_usage.overall.ratio × 100"),
    Column("wall_time", "Wall s", "number", "training wall time in seconds (training.wall_time_s)"),
)

SCALE_KEYS = ("suite", "tasks_key", "backbone", "backbone_fingerprint", "budget_key")
"""What entries share to be ranked together: the same tasks, examples and budget."""

NO_PREDICTIONS = "no prediction file"
NO_PREDICTIONS_DETAIL = (
    "its records were written before per-example predictions were kept (no "
    "example_predictions field), so no interval can be formed and the entry is not ranked; "
    "rerun it with --overwrite for an interval")
DID_NOT_LEARN = "did not learn at this budget"


@dataclass
class Entry:
    """A leaderboard row: what was run, one cell per column, and where it stands."""

    method: str
    label: str
    suite: str
    tasks: tuple[str, ...]
    backbone: str
    fingerprint: str
    budget: dict
    seeds: tuple[int, ...]
    run_ids: tuple[str, ...]
    cells: dict[str, Cell]
    scale_key: tuple = ()
    rank: Rank | None = None
    """Its shared rank at its scale; None without an interval."""
    evidence: RowEvidence | None = None
    no_interval: str = ""
    """Why there is no interval, in a few words (the page shows it under the average)."""
    no_interval_detail: str = ""

    @property
    def baseline_share(self) -> tuple[int, int]:
        """(tasks at baseline, tasks); (0, 0) without evidence."""
        found = self.learning
        return (found.at_baseline, found.tasks) if found else (0, 0)

    @property
    def learning(self) -> Learning | None:
        """Tasks at baseline, and with a baseline, out of its tasks; None without evidence."""
        return None if self.evidence is None else learning(self.evidence.at_baseline,
                                                           self.tasks)

    @property
    def learned(self) -> bool | None:
        """False when at baseline on more than half its tasks; None when unknown (no
        evidence, or too few tasks with a trivial baseline to tell)."""
        found = self.learning
        if found is None or not found.assessed or found.unknown:
            return None
        return not found.failed

    def baseline_mark(self) -> str:
        """``did not learn at this budget``, ``learned``, or empty when unknown."""
        if self.learned is None:
            return ""
        return "learned" if self.learned else DID_NOT_LEARN

    def average_title(self) -> str:
        """The average cell's tooltip: seeds, interval, and why there is none."""
        return "; ".join(p for p in (self.cells["task_average"].explanation(),
                                     self.no_interval_detail) if p)

    def baseline_count(self) -> str:
        """``at baseline on 3/4 tasks``, or empty when unknown."""
        found = self.learning
        if found is None or not found.assessed:
            return ""
        missing = found.tasks - found.assessed
        return f"at baseline on {found.share()} tasks" + \
            (f" ({missing} without a trivial baseline)" if missing else "")


@dataclass
class ScaleGroup:
    """The entries of one scale, best first, with the trivial predictor's interval."""

    slug: str
    scale: Scale
    entries: list[Entry]
    baseline: Interval | None = None
    baseline_label: str = "Trivial predictor"
    notes: list[str] = field(default_factory=list)
    """Numbered reasons (``note k`` in a cell is ``notes[k - 1]``) and excluded tasks."""
    method_note: str = ""

    def heading(self) -> str:
        """Tasks, backbone, budget and evaluation examples in one line."""
        tasks = ", ".join(self.scale.tasks)
        text = f"{len(self.scale.tasks)} task{'s' if len(self.scale.tasks) != 1 else ''} " \
               f"({tasks}) · {self.scale.short()}"
        evaluated = self.scale.budget.get("max_eval_samples")
        return text + (f" · {evaluated} eval/task" if evaluated else "")

    def rank_title(self, entry: Entry) -> str:
        """Who shares the entry's rank, or why it has none."""
        if entry.rank is None:
            return f"not ranked: no interval ({entry.no_interval_detail})"
        others = [e.label for e in self.entries
                  if e is not entry and e.rank is not None
                  and e.rank.position == entry.rank.position]
        if not others:
            return f"rank {entry.rank.position} alone: its interval overlaps no other " \
                   f"unranked entry's at this point"
        return f"rank {entry.rank.position} shared with {', '.join(others)}: their intervals " \
               f"overlap the best of them, so the data cannot order them"

    def task_detail(self, entry: Entry) -> str:
        """Each task's interval against the trivial predictor's, for the row's tooltip."""
        if entry.evidence is None:
            return entry.no_interval_detail
        parts = []
        for task, interval in entry.evidence.score.per_task.items():
            text = f"{task} {format_score(interval)}"
            if self.baseline is not None and task in self.baseline.per_task:
                text += f" vs trivial {format_score(self.baseline.per_task[task])}"
                text += " (at baseline)" if entry.evidence.at_baseline.get(task) else ""
            parts.append(text)
        return "; ".join(parts)

    def baseline_text(self) -> str:
        """The trivial predictor's average with its interval, or ``—``."""
        if self.baseline is None or not math.isfinite(self.baseline.estimate):
            return "—"
        return format_score(self.baseline)

    def baseline_detail(self) -> str:
        if self.baseline is None:
            return ""
        return "; ".join(f"{t} {format_score(i)}" for t, i in self.baseline.per_task.items())


def _own_average(run: pd.Series) -> float:
    scores = [run.get(SCORE_PREFIX + t, math.nan) for t in run["tasks"]]
    return math.nan if any(pd.isna(s) for s in scores) else statistics.fmean(scores)


_VALUES = {
    "task_average": _own_average,
    "suite_average": lambda r: r["suite_average"],
    "trained_pct": lambda r: r["params_trained_per_task_ratio"] * 100,
    "total_to_serve": lambda r: r["params_total_to_serve"],
    "data_used": lambda r: r["data_ratio"] * 100,
    "wall_time": lambda r: r["wall_time_s"],
}


def _no_suite_average(suite: str) -> str:
    if is_task_set(suite):
        return "no suite average: a hand-picked task set, named by its tasks"
    return "suite_average is null: a task of the suite is missing"


def leaderboard_entries(frame: pd.DataFrame) -> list[Entry]:
    """Group runs by configuration; mark cells with fewer seeds than the best-covered row.

    Ordered by suite, tasks and point average; ``leaderboard`` adds ranks and intervals.
    """
    if frame.empty:
        return []
    entries = []
    identities = method_identities(frame)
    for _, runs in frame.groupby(list(GROUP_KEYS), sort=False):
        runs = runs.sort_values("seed")
        first = runs.iloc[0]
        cells = {}
        for column in COLUMNS:
            found = [(float(_VALUES[column.key](r)), int(r["seed"]), str(r["run_id"]))
                     for _, r in runs.iterrows()]
            found = [f for f in found if not math.isnan(f[0])]
            note = "" if found else (
                _no_suite_average(first["suite"]) if column.key == "suite_average"
                else "no value")
            cells[column.key] = Cell(tuple(f[0] for f in found), tuple(f[1] for f in found),
                                     column.kind, note=note,
                                     run_ids=tuple(f[2] for f in found))
        entries.append(Entry(
            first["variant"], method_label(first["variant"], identities), first["suite"],
            first["tasks"],
            first["backbone"], first["backbone_fingerprint"], first["budget"],
            tuple(int(s) for s in runs["seed"]), tuple(runs["run_id"]), cells,
            scale_key=tuple(first[k] for k in SCALE_KEYS),
        ))
    expected = max(len(e.seeds) for e in entries)
    for entry in entries:
        entry.cells = {k: replace(c, expected=expected) for k, c in entry.cells.items()}
    rank = {s: i for i, s in enumerate(suite_order(e.suite for e in entries))}
    def order(entry: Entry) -> tuple:
        avg = entry.cells["task_average"].mean
        return (rank[entry.suite], entry.tasks, -(avg if not math.isnan(avg) else -math.inf))
    return sorted(entries, key=order)


def _scale(entries: list[Entry]) -> Scale:
    first = entries[0]
    seeds = tuple(sorted({s for e in entries for s in e.seeds}))
    return Scale(first.backbone, first.fingerprint, dict(first.budget), seeds, first.suite,
                 tuple(first.tasks))


def _baseline_label(evidence: Evidence) -> str:
    kinds = sorted(set(evidence.baseline_predictor.values()))
    return "Trivial predictor (" + ", ".join(kinds or ["majority class"]) + ")"


def _candidates(entries: list[Entry], result: ResultSet) -> dict[str, Entry]:
    """The entries an interval can be formed for, by a name that cannot clash with the
    baseline's; the others get their reason now."""
    found = {}
    for index, entry in enumerate(entries):
        run_ids = entry.cells["task_average"].run_ids
        if not run_ids:
            entry.no_interval = "no average"
            entry.no_interval_detail = "no seed scored every task of the entry"
        elif any("example_predictions" not in result.records.get(r, {}) for r in run_ids):
            entry.no_interval, entry.no_interval_detail = NO_PREDICTIONS, NO_PREDICTIONS_DETAIL
        else:
            found[f"entry-{index}"] = entry
    return found


def _note(group: ScaleGroup, text: str) -> str:
    group.notes.append(text)
    return f"note {len(group.notes)}"


def _rank_scale(slug: str, entries: list[Entry], result: ResultSet, n_resamples: int
                ) -> ScaleGroup:
    group = ScaleGroup(slug, _scale(entries), entries)
    candidates = _candidates(entries, result)
    if candidates:
        groups = {n: e.cells["task_average"].run_ids for n, e in candidates.items()}
        try:
            evidence = gather_evidence(groups, list(group.scale.tasks), result,
                                       n_resamples=n_resamples)
        except BenchmarkError as exc:
            evidence = Evidence(group.scale.tasks, missing={n: str(exc) for n in candidates})
        _attach(group, candidates, evidence)
    group.entries = sorted(entries, key=_standing)
    return group


def _attach(group: ScaleGroup, candidates: Mapping[str, Entry], evidence: Evidence) -> None:
    """Intervals, ranks and baseline marks from ``evidence`` onto the group's entries."""
    if evidence.excluded:
        why = "; ".join(f"{t}: {w}" for t, w in evidence.excluded.items())
        short = _note(group, f"no interval covers every task of this scale ({why}), so none "
                             f"is ranked")
        for entry in candidates.values():
            entry.no_interval, entry.no_interval_detail = short, group.notes[-1]
        return
    for name, why in evidence.missing.items():
        entry = candidates[name]
        entry.no_interval, entry.no_interval_detail = _note(group, f"{entry.label}: {why}"), why
    rows = {n: r for n, r in evidence.rows.items() if n in candidates}
    for name, rank in shared_ranks({n: r.score for n, r in rows.items()}).items():
        entry = candidates[name]
        entry.rank, entry.evidence = rank, rows[name]
        entry.cells["task_average"] = replace(entry.cells["task_average"],
                                              interval=rows[name].score)
    group.baseline = evidence.baseline
    group.baseline_label = _baseline_label(evidence)
    group.method_note = evidence.describe()


def _standing(entry: Entry) -> tuple:
    """Ranked entries by rank, then estimate; unranked ones after, by point average."""
    if entry.rank is not None and entry.evidence is not None:
        return (0, entry.rank.position, -entry.evidence.score.estimate, entry.method)
    avg = entry.cells["task_average"].mean
    return (1, 0, -(avg if not math.isnan(avg) else -math.inf), entry.method)


def leaderboard(result: ResultSet, *, n_resamples: int = DEFAULT_RESAMPLES
                ) -> list[ScaleGroup]:
    """Every configuration of ``result``, one group per scale, with ranks and intervals."""
    by_scale: dict[tuple, list[Entry]] = {}
    for entry in leaderboard_entries(result.frame):
        by_scale.setdefault(entry.scale_key, []).append(entry)
    return [_rank_scale(f"scale-{i}", members, result, n_resamples)
            for i, members in enumerate(by_scale.values())]
