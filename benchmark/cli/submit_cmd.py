"""`submit`: validate result records and add them to a results folder, never clobbering one.

All files are validated before any is copied, so a batch goes in whole or not at all.
Validation is ``read_record``'s (schema, plausible numbers), and stricter in one
point: a record whose run id cannot be checked against its identity is refused.
A record lands as ``<results>/<run_id>.json`` through an atomic no-replace create; an
existing record with the same run id is left alone unless it is identical (nothing
to do) or ``--overwrite`` is given.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark.errors import BenchmarkError
from benchmark.results.example_predictions import load_example_predictions
from benchmark.results.validate import InvalidRecordError, read_record

HELP = "validate result records (schema, run id, plausible numbers) and add them to a folder"
EPILOG = """examples:
  python -m benchmark submit my_run.json
  python -m benchmark submit runs/*.json --results shared_results
  python -m benchmark submit fixed.json --overwrite
"""


@dataclass(frozen=True)
class Submission:
    """A validated record ready to copy: its bytes are copied as they are, with the
    per-example predictions file it names (checked against its sha256 and row count)."""

    source: Path
    raw: bytes
    record: dict[str, Any]
    predictions: bytes | None = None

    @property
    def run_id(self) -> str:
        return str(self.record["run_id"])


UNVERIFIED = ("; submit accepts only records whose run id is the hash of their identity: "
              "re-run the configuration with this camtl-bench")


def read_submission(path: Path) -> Submission:
    """Read and validate one file; problems name the file and the field, one line each."""
    reading = read_record(path)
    problems = reading.problems + [note + UNVERIFIED for note in reading.notes]
    if problems or reading.record is None:
        raise InvalidRecordError(str(path), problems)
    predictions = None
    entry = reading.record.get("example_predictions")
    if entry is not None:
        load_example_predictions(reading.record, path.parent)  # sha256 and rows, or raises
        predictions = (path.parent / str(entry["file"])).read_bytes()
    return Submission(path, reading.raw, reading.record, predictions)


def _place_predictions(submission: Submission, results: Path) -> None:
    """The predictions file goes in before its record, so no reader sees a record whose
    file is missing; the file is named by the run id, so identical bytes are the same."""
    from reports.files import create_atomic, write_atomic

    if submission.predictions is None:
        return
    dest = results / str(submission.record["example_predictions"]["file"])
    if not create_atomic(dest, submission.predictions) and \
            dest.read_bytes() != submission.predictions:
        write_atomic(dest, submission.predictions)


def _holds(dest: Path, submission: Submission) -> bool:
    """Whether ``dest`` already holds this record (same bytes, or the same valid record)."""
    try:
        existing = read_record(dest)
    except BenchmarkError:
        return False
    return existing.raw == submission.raw or existing.record == submission.record


def place(submission: Submission, results: Path, overwrite: bool = False) -> str:
    """Copy one validated record into ``results``; returns what happened, in words."""
    from reports.files import create_atomic, write_atomic

    dest = results / f"{submission.run_id}.json"
    if dest.exists() and not overwrite and not _holds(dest, submission):
        raise BenchmarkError(
            f"{dest} already holds a different record with run_id {submission.run_id}; "
            "nothing was copied. Use --overwrite to replace it."
        )
    _place_predictions(submission, results)
    if create_atomic(dest, submission.raw):
        return f"added {dest}"
    if _holds(dest, submission):
        return f"unchanged {dest} (identical record already there)"
    write_atomic(dest, submission.raw)
    return f"replaced {dest}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="result record(s) to submit")
    parser.add_argument("--results", default="results", metavar="DIR",
                        help="results folder to add them to (default: results)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace a different record that has the same run_id")
    parser.add_argument("--check", action="store_true", help="validate only, copy nothing")


def execute(args: argparse.Namespace) -> int:
    problems: list[str] = []
    submissions: list[Submission] = []
    for name in args.files:
        try:
            submissions.append(read_submission(Path(name)))
        except BenchmarkError as exc:
            problems.append(str(exc))
    by_id: dict[str, Submission] = {}
    for sub in submissions:
        other = by_id.setdefault(sub.run_id, sub)
        if other is not sub and other.record != sub.record:
            problems.append(f"{sub.source} and {other.source} are different records with the "
                            f"same run_id {sub.run_id}")
    if problems:
        raise BenchmarkError("nothing was copied:\n" + "\n".join(problems))
    if args.check:
        for sub in submissions:
            print(f"valid {sub.source} (run_id {sub.run_id})")
        return 0
    results = Path(args.results)
    if results.exists() and not results.is_dir():
        raise BenchmarkError(f"--results {results} is not a folder")
    if not args.overwrite:
        clashes = [
            f"{results / (sub.run_id + '.json')} already holds a different record with run_id "
            f"{sub.run_id} (from {sub.source})"
            for sub in by_id.values()
            if (results / f"{sub.run_id}.json").exists()
            and not _holds(results / f"{sub.run_id}.json", sub)
        ]
        if clashes:
            raise BenchmarkError("nothing was copied:\n" + "\n".join(clashes)
                                 + "\nUse --overwrite to replace them.")
    for sub in by_id.values():
        print(place(sub, results, args.overwrite))
    return 0
