"""The one reader of result records: strict JSON, schema, known version, verified id, plausibility.

``submit``, ``report``, ``tables``, ``leaderboard`` and ``load_results`` all read
records through ``read_record``, so a record is judged the same way everywhere.
Each problem is one line naming the field (``parameters.trainable: ...``) rather
than a jsonschema traceback. A record that passes is safe for every report: types
match the schema, numbers are finite and possible (``benchmark.results.plausibility``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from benchmark.errors import BenchmarkError
from benchmark.results.example_predictions import file_name as predictions_file_name
from benchmark.results.forgetting_checks import forgetting_problems
from benchmark.results.plausibility import non_finite_problems, plausibility_problems
from benchmark.results.schema import RESULT_SCHEMA, SCHEMA_VERSION
from benchmark.runs.spec import identity_hash

SUPPORTED_MAJOR = SCHEMA_VERSION.split(".")[0]
IDENTITY_SINCE = (1, 2)
"""Records of this schema version and later carry ``identity``; their run id is its hash."""

_MAX_MESSAGE = 160
_MAX_SHOWN = 40
_VALIDATOR = Draft202012Validator(RESULT_SCHEMA)

_IDENTITY_FIELDS = {
    "method": lambda r: r["method"],
    "method_options": lambda r: r.get("method_options", {}),
    "suite": lambda r: r["suite"],
    "tasks": lambda r: r["tasks"],
    "seed": lambda r: r["seed"],
    "backbone": lambda r: r["backbone"]["name"],
    "sampler": lambda r: r["training"]["sampler"],
}
"""Identity entries and the record fields that must say the same."""


class InvalidRecordError(BenchmarkError):
    """A record that does not validate; ``problems`` lists one line per field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        shown = "\n  ".join(problems)
        super().__init__(f"{source}: not a valid result record:\n  {shown}")
        self.source, self.problems = source, problems


class UnsupportedSchemaError(BenchmarkError):
    """A record written for a schema major version this reader does not know."""

    def __init__(self, source: str, version: object) -> None:
        super().__init__(
            f"{source}: schema_version {version!r} is not supported; this camtl-bench reads "
            f"{SUPPORTED_MAJOR}.x records. Upgrade camtl-bench to read it."
        )
        self.source, self.version = source, version


@dataclass(frozen=True)
class RecordCheck:
    """``problems`` make a record invalid; ``notes`` label a valid one (a legacy run id)."""

    problems: list[str]
    notes: list[str]


@dataclass(frozen=True)
class RecordReading:
    """One file as read: its bytes, the record when it passed every check, and why not."""

    source: str
    raw: bytes
    record: dict[str, Any] | None
    problems: list[str]
    notes: list[str]


def _shown(value: Any) -> str:
    text = repr(value)
    if len(text) <= _MAX_SHOWN:
        return text
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return text[: _MAX_SHOWN - 1] + "…" + size


def _field_path(error: ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        parts.append(str(error.message.split("'")[1]))
    return ".".join(parts) or "(record)"


def _describe(error: ValidationError) -> str:
    if error.validator == "required":
        return "required field is missing"
    if error.validator == "pattern":
        message = f"{_shown(error.instance)} does not match {error.validator_value!r}"
    else:
        message = error.message
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 3] + "..."
    hint = error.schema.get("description") if isinstance(error.schema, Mapping) else None
    return f"{message} ({hint})" if hint else message


def check_schema_version(record: Mapping[str, Any], source: str = "record") -> None:
    """Refuse another major version first: its other errors would only mislead."""
    version = record.get("schema_version")
    if isinstance(version, str) and version.split(".")[0] != SUPPORTED_MAJOR:
        raise UnsupportedSchemaError(source, version)


def _version(record: Mapping[str, Any]) -> tuple[int, int]:
    major, minor = str(record["schema_version"]).split(".")
    return int(major), int(minor)


def _is_fraction(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1


def schema_problems(record: Any) -> list[str]:
    """Every schema violation of ``record`` as ``"field.path: what is wrong"``."""
    if not isinstance(record, Mapping):
        return [f"(record): expected a JSON object, got {type(record).__name__}"]
    problems = [
        f"{_field_path(err)}: {_describe(err)}" for err in _VALIDATOR.iter_errors(dict(record))
    ]
    budget = record.get("budget")
    if isinstance(budget, Mapping) and not _is_fraction(budget.get("train_fraction", 1.0)):
        problems.append("budget.train_fraction: must be a number in (0, 1]")
    return problems


def version_problems(record: Mapping[str, Any]) -> list[str]:
    """A 1.x version newer than this reader's: its fields may mean what this reader cannot say."""
    if _version(record) > _version({"schema_version": SCHEMA_VERSION}):
        return [f"schema_version: {record['schema_version']} is newer than this camtl-bench "
                f"reads (1.0 to {SCHEMA_VERSION}); upgrade camtl-bench"]
    return []


def run_id_check(record: Mapping[str, Any]) -> RecordCheck:
    """The run id is the hash of the record's identity, and the identity matches the record."""
    identity = record.get("identity")
    if identity is None:
        if _version(record) >= IDENTITY_SINCE:
            since = ".".join(map(str, IDENTITY_SINCE))
            return RecordCheck([f"identity: required from schema {since} on (run_id is its "
                                "hash)"], [])
        return RecordCheck([], [f"legacy record (schema {record['schema_version']}, no "
                                "identity): run id not verifiable"])
    problems = []
    expected = identity_hash(identity)
    if expected != record["run_id"]:
        problems.append(f"run_id: {record['run_id']} is not the hash of the record's identity "
                        f"({expected}); the record or its id was changed after the run")
    for key, field_of in _IDENTITY_FIELDS.items():
        if key in identity and identity[key] != field_of(record):
            problems.append(f"identity.{key}: {_shown(identity[key])} but the record says "
                            f"{_shown(field_of(record))}")
    return RecordCheck(problems, [])


def companion_problems(record: Mapping[str, Any]) -> list[str]:
    """Fields that point at the run itself: its predictions file and its starved tasks.

    Only names are checked here; the file's content is verified when it is loaded
    (``benchmark.results.example_predictions.load_example_predictions``).
    """
    problems = []
    entry = record.get("example_predictions")
    expected = predictions_file_name(record["run_id"])
    if entry is not None and entry["file"] != expected:
        problems.append(f"example_predictions.file: {_shown(entry['file'])} is not this run's "
                        f"file ({expected})")
    for task in record["training"].get("starved_tasks", {}):
        if task not in record["tasks"]:
            problems.append(f"training.starved_tasks.{task}: not a task of this run")
    return problems


def check_record(record: Any, source: str = "record") -> RecordCheck:
    """All problems and notes of an in-memory record; another major version raises."""
    if isinstance(record, Mapping):
        check_schema_version(record, source)
    problems = schema_problems(record)
    if not isinstance(record, Mapping):
        return RecordCheck(problems, [])
    problems += non_finite_problems(record)
    if problems:
        return RecordCheck(sorted(set(problems)), [])
    problems += version_problems(record)
    identity = run_id_check(record)
    problems += identity.problems + plausibility_problems(record) + companion_problems(record)
    problems += forgetting_problems(record)
    return RecordCheck(sorted(set(problems)), identity.notes)


def record_problems(record: Any) -> list[str]:
    """Every reason ``record`` is not a valid result record, sorted (empty when it is)."""
    return check_record(record).problems


def validate_record(record: Any, source: str = "record") -> None:
    """Raise ``UnsupportedSchemaError`` or ``InvalidRecordError`` unless ``record`` is valid."""
    problems = check_record(record, source).problems
    if problems:
        raise InvalidRecordError(source, problems)


class _DuplicateKeys:
    """``object_pairs_hook`` that keeps the last value, as json does, and notes each repeat."""

    def __init__(self) -> None:
        self.repeated: list[str] = []

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                self.repeated.append(key)
            out[key] = value
        return out


def parse_record_json(raw: bytes) -> tuple[Any, list[str]]:
    """Parse a record file's bytes; file-level problems (encoding, syntax, repeated keys)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [f"(file): not UTF-8 text ({exc.reason})"]
    hook = _DuplicateKeys()
    try:
        value = json.loads(text, object_pairs_hook=hook)
    except json.JSONDecodeError as exc:
        return None, [f"(file): invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]
    except RecursionError:
        return None, ["(file): JSON nested too deeply to be a result record"]
    except ValueError as exc:  # an integer literal of thousands of digits
        return None, [f"(file): not a result record: {str(exc)[:_MAX_MESSAGE]}"]
    problems = [f"(file): key {_shown(k)} appears more than once in one object; a record names "
                "each field once" for k in dict.fromkeys(hook.repeated)]
    return value, problems


def read_record(path: str | Path) -> RecordReading:
    """Read and check one record file; every problem names the file's field (or the file).

    Raises ``UnsupportedSchemaError`` for another major version (nothing in it can be
    read); every other problem is returned, and ``record`` is then None.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return RecordReading(str(path), b"", None, [f"(file): cannot read: "
                                                    f"{exc.strerror or exc}"], [])
    value, problems = parse_record_json(raw)
    if value is None and problems:
        return RecordReading(str(path), raw, None, problems, [])
    check = check_record(value, str(path))
    problems = sorted(set(problems + check.problems))
    record = None if problems else value
    return RecordReading(str(path), raw, record, problems, check.notes)
