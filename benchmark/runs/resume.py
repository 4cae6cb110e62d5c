"""Resume a suite: which planned runs are finished, and what changed for those that retrain.

A changed input (task declaration, data, backbone weights, training setting, method
release) is a new run id, so the old record stays at its old path. To say *why* a run
retrains, the results folder is indexed once by logical run (method, options, suite,
tasks, seed) and the new identity is compared with the stored one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark.results.store import finished_record, record_path
from benchmark.results.validate import parse_record_json
from benchmark.runs.spec import RunSpec, identity_changes

log = logging.getLogger(__name__)

LogicalRun = tuple[str, str, str, tuple[str, ...], int, float, str | None]
"""(method, options as canonical JSON, suite, tasks, seed, training-data fraction, source
run): one run, whatever its inputs. The fraction and the adaptation source name another
experiment (a row of the adaptation table), not a changed input of the same one."""


def logical_run(
    method: str, options: Any, suite: str, tasks: Sequence[str], seed: int,
    fraction: float = 1.0, adapt_from: str | None = None,
) -> LogicalRun:
    return (method, json.dumps(options, sort_keys=True, default=str), suite, tuple(tasks), seed,
            float(fraction), adapt_from)


def finished_runs(specs: Sequence[RunSpec], output: Path) -> dict[str, dict]:
    """run id -> record of every planned run already finished in ``output``.

    Checks every record path before any training, so a file that is not this run's valid
    record stops the command up front (``finished_record`` names it and the way out).
    """
    finished = {}
    for spec in specs:
        record = finished_record(output, spec.run_id, spec.identity())
        if record is not None:
            finished[spec.run_id] = record
    return finished


def warn_without_test_predictions(finished: Mapping[str, Mapping[str, Any]]) -> None:
    """``--predict-test`` does not retrain a finished run: say which have no server files."""
    without = [run_id for run_id, record in finished.items() if not record.get("prediction_files")]
    if without:
        log.warning("--predict-test: %d finished run(s) are skipped and have no test-set "
                    "predictions (%s); add --overwrite to retrain them and write them",
                    len(without), ", ".join(without))


@dataclass(frozen=True)
class EarlierRecord:
    path: Path
    run_id: str
    schema_version: str
    identity: Mapping[str, Any] | None
    mtime_ns: int


class EarlierRecords:
    """The results folder's records by logical run, read once and only if a run retrains."""

    def __init__(self, output: Path) -> None:
        self.output = Path(output)
        self._index: dict[LogicalRun, list[EarlierRecord]] | None = None

    def _read(self) -> dict[LogicalRun, list[EarlierRecord]]:
        index: dict[LogicalRun, list[EarlierRecord]] = {}
        for path in sorted(self.output.glob("*.json")):
            try:
                record, problems = parse_record_json(path.read_bytes())
                if problems or not isinstance(record, dict):
                    continue
                key = logical_run(
                    record["method"],
                    record.get("method_options", {}),
                    record["suite"],
                    record["tasks"],
                    record["seed"],
                    float((record.get("budget") or {}).get("train_fraction", 1.0)),
                    (record.get("adaptation") or {}).get("source_run"),
                )
                earlier = EarlierRecord(
                    path,
                    str(record["run_id"]),
                    str(record.get("schema_version")),
                    record.get("identity") if isinstance(record.get("identity"), dict) else None,
                    path.stat().st_mtime_ns,
                )
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                continue  # not a record: only the files at planned paths are checked strictly
            index.setdefault(key, []).append(earlier)
        return index

    def retrain_reason(self, spec: RunSpec) -> str | None:
        """Why ``spec`` trains although the folder holds a record of the same logical run."""
        if self._index is None:
            self._index = self._read()
        key = logical_run(spec.method, spec.method_options, spec.suite, spec.tasks, spec.seed,
                          spec.budget.train_fraction, spec.adapt_from)
        own = record_path(self.output, spec.run_id)
        candidates = [e for e in self._index.get(key, []) if e.path != own]
        if not candidates:
            return None
        identity = spec.identity()
        comparable = [e for e in candidates if e.identity is not None]
        if comparable:
            closest = min(
                comparable,
                key=lambda e: (len(identity_changes(e.identity, identity)), -e.mtime_ns),
            )
            changes = "; ".join(identity_changes(closest.identity, identity))
            return (
                f"run {closest.run_id} ({closest.path}): inputs changed ({changes}); "
                f"retraining as {spec.run_id}"
            )
        newest = max(candidates, key=lambda e: e.mtime_ns)
        return (
            f"run {newest.run_id} ({newest.path}) is a schema {newest.schema_version} record of "
            "this run, written before run ids covered task definitions, data and backbone "
            f"weights, so its inputs cannot be compared; retraining as {spec.run_id}"
        )
