"""Check result records against ``RESULT_SCHEMA`` before anything reads or accepts them.

Reports, the leaderboard and ``submit`` all go through here, so a bad record is
refused with one message per problem, each naming the field (``parameters.trainable``)
rather than a jsonschema traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from benchmark.errors import BenchmarkError
from benchmark.results.schema import RESULT_SCHEMA, SCHEMA_VERSION

SUPPORTED_MAJOR = SCHEMA_VERSION.split(".")[0]
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_REQUIRED = re.compile(r"^'(?P<name>.+)' is a required property$")
_MAX_MESSAGE = 160
_VALIDATOR = Draft202012Validator(RESULT_SCHEMA)


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


def _field_path(error: ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        match = _REQUIRED.match(error.message)
        if match:
            parts.append(match.group("name"))
    return ".".join(parts) or "(record)"


def _describe(error: ValidationError) -> str:
    if error.validator == "required":
        return "required field is missing"
    message = error.message
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def check_schema_version(record: Mapping[str, Any], source: str = "record") -> None:
    """Refuse another major version first: its other errors would only mislead."""
    version = record.get("schema_version")
    if isinstance(version, str) and version.split(".")[0] != SUPPORTED_MAJOR:
        raise UnsupportedSchemaError(source, version)


def _is_fraction(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1


def record_problems(record: Any) -> list[str]:
    """Every schema violation of ``record`` as ``"field.path: what is wrong"``, sorted."""
    if not isinstance(record, Mapping):
        return [f"(record): expected a JSON object, got {type(record).__name__}"]
    problems = [
        f"{_field_path(err)}: {_describe(err)}" for err in _VALIDATOR.iter_errors(dict(record))
    ]
    run_id = record.get("run_id")
    if isinstance(run_id, str) and not _RUN_ID.match(run_id):
        problems.append(
            "run_id: must be letters, digits, '_', '.' or '-' (it names the record's file)"
        )
    budget = record.get("budget")
    if isinstance(budget, Mapping) and not _is_fraction(budget.get("train_fraction", 1.0)):
        problems.append("budget.train_fraction: must be a number in (0, 1]")
    return sorted(set(problems))


def validate_record(record: Any, source: str = "record") -> None:
    """Raise ``UnsupportedSchemaError`` or ``InvalidRecordError`` unless ``record`` is valid."""
    if isinstance(record, Mapping):
        check_schema_version(record, source)
    problems = record_problems(record)
    if problems:
        raise InvalidRecordError(source, problems)


def read_record(path: str | Path) -> dict[str, Any]:
    """Load and validate one record file; errors name the file (and line for bad JSON)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BenchmarkError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidRecordError(str(path), [f"(file): not UTF-8 text ({exc.reason})"]) from exc
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidRecordError(
            str(path), [f"(file): invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]
        ) from exc
    validate_record(record, str(path))
    return record
