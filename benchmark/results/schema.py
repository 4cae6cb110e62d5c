"""The result record: one JSON file per run, the only input of reports and leaderboard.

Versioned: readers refuse a major version they do not know. Every number a report
shows comes from a record that validates against ``RESULT_SCHEMA``.
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = "1.1"

_NUMBER_MAP = {"type": "object", "additionalProperties": {"type": ["number", "null"]}}

_PARAMETERS = {
    "type": "object",
    "required": [
        "backbone",
        "total_to_serve",
        "trainable",
        "frozen_shared",
        "trained_per_task",
        "trained_per_task_ratio",
        "per_task",
        "definition",
    ],
    "properties": {
        "backbone": {"type": "integer", "minimum": 0},
        "total_to_serve": {"type": "integer", "minimum": 0},
        "trainable": {"type": "integer", "minimum": 0},
        "frozen_shared": {"type": "integer", "minimum": 0},
        "trained_per_task": {"type": "number", "minimum": 0},
        "trained_per_task_ratio": {"type": "number", "minimum": 0},
        "per_task": {"type": "object", "additionalProperties": {"type": "integer"}},
        "definition": {"type": "string"},
    },
}

_DATA_USAGE_ENTRY = {
    "type": "object",
    "required": ["available", "updated", "seen", "ratio"],
    "properties": {
        "available": {"type": "integer", "minimum": 0},
        "updated": {"type": "integer", "minimum": 0},
        "seen": {"type": "integer", "minimum": 0},
        "ratio": {"type": "number", "minimum": 0, "maximum": 1},
    },
}

RESULT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "camtl-bench result record",
    "type": "object",
    "required": [
        "schema_version",
        "run_id",
        "method",
        "suite",
        "tasks",
        "skipped_tasks",
        "seed",
        "backbone",
        "budget",
        "metrics",
        "main_scores",
        "suite_average",
        "parameters",
        "data_usage",
        "training",
        "history",
        "manifest",
    ],
    "properties": {
        "schema_version": {"type": "string", "pattern": r"^1\.\d+$"},
        "run_id": {"type": "string", "minLength": 8},
        "method": {"type": "string", "minLength": 1},
        "method_options": {"type": "object"},
        "suite": {"type": "string"},
        "tasks": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "skipped_tasks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["task", "reason"],
                "properties": {"task": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
        "seed": {"type": "integer"},
        "backbone": {
            "type": "object",
            "required": ["name", "fingerprint"],
            "properties": {"name": {"type": "string"}, "fingerprint": {"type": "string"}},
        },
        "budget": {
            "type": "object",
            "required": ["max_train_samples", "max_eval_samples", "epochs", "batch_size"],
        },
        "metrics": {"type": "object", "additionalProperties": _NUMBER_MAP},
        "main_scores": _NUMBER_MAP,
        "suite_average": {"type": ["number", "null"]},
        "parameters": _PARAMETERS,
        "data_usage": {
            "type": "object",
            "required": ["per_task", "overall", "definition"],
            "properties": {
                "per_task": {"type": "object", "additionalProperties": _DATA_USAGE_ENTRY},
                "overall": _DATA_USAGE_ENTRY,
                "definition": {"type": "string"},
            },
        },
        "training": {
            "type": "object",
            "required": [
                "steps",
                "wall_time_s",
                "peak_memory_mb",
                "precision",
                "sampler",
                "model_selection",
                "task_schedule",
            ],
            "properties": {
                "steps": {"type": "integer", "minimum": 0},
                "wall_time_s": {"type": "number", "minimum": 0},
                "peak_memory_mb": {"type": "number", "minimum": 0},
                "precision": {"enum": ["fp32", "bf16"]},
                "sampler": {"type": "string"},
                "scoring_precision": {"enum": ["fp32", "bf16", "int8", None]},
                "model_selection": {"enum": ["best", "last"]},
                "task_schedule": {"type": "object"},
            },
        },
        "history": {"type": "array", "items": {"type": "object"}},
        "manifest": {
            "type": "object",
            "required": ["packages", "git_commit", "data_files", "hardware", "config", "created"],
        },
    },
}
