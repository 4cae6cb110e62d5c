"""Result records on disk: one JSON per run, written atomically, never half-written."""

from __future__ import annotations

from pathlib import Path

from benchmark.atomic import atomic_write_json
from benchmark.errors import BenchmarkError
from benchmark.results.validate import read_record
from benchmark.runs.spec import identity_changes


def record_path(output: Path, run_id: str) -> Path:
    return Path(output) / f"{run_id}.json"


def write_record_atomically(path: Path, record: dict) -> None:
    """Write the record through ``benchmark.atomic``: a run killed mid-write leaves either
    the old file or none, never a torn one, and the folder's next run removes its temp file."""
    atomic_write_json(path, record)


def finished_record(output: Path, run_id: str, identity: dict) -> dict | None:
    """The record of the finished run ``identity`` at ``<output>/<run_id>.json``, or None.

    A file there counts as finished only if it is a valid record of a known schema version
    whose stored identity is ``identity``. Anything else (not JSON, ``{}``, a bare string, a
    2.0 record, a schema-invalid record, another run's record) stops with a BenchmarkError
    naming the file and the way out; the file is never touched here.
    """
    path = record_path(output, run_id)
    if not path.exists():
        return None
    try:
        reading = read_record(path)
        problems = reading.problems
    except BenchmarkError as exc:  # another major schema version
        problems = [str(exc)]
    if problems:
        shown = "\n  ".join(problems)
        raise BenchmarkError(
            f"{path} is where run {run_id} writes its result, but it is not a valid record:"
            f"\n  {shown}\n{_WAY_OUT}"
        )
    record = reading.record
    assert record is not None  # no problems: it passed every check
    stored = record.get("identity")
    if stored is None:
        raise BenchmarkError(
            f"{path} is where run {run_id} writes its result, but it holds a schema "
            f"{record.get('schema_version')} record without an identity, so it cannot be "
            f"checked against this run.\n{_WAY_OUT}"
        )
    if stored != identity or record["run_id"] != run_id:
        changed = "; ".join(identity_changes(stored, identity)) or "its identity"
        raise BenchmarkError(
            f"{path} is where run {run_id} writes its result, but it records a different run "
            f"(differs in {changed}), so it was edited or copied there.\n{_WAY_OUT}"
        )
    return record


_WAY_OUT = (
    "Nothing was trained or overwritten. Move the file aside to keep it, or rerun with "
    "--overwrite to replace it with a fresh run."
)
