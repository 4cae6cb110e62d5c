"""The result record: one JSON file per run, the only input of reports and leaderboard.

Versioned: readers refuse a major version they do not know. Every number a report
shows comes from a record that validates against ``RESULT_SCHEMA``.
"""

from __future__ import annotations

from typing import Any

from benchmark.results.forgetting_schema import FORGETTING_SCHEMA

SCHEMA_VERSION = "1.4"

_NUMBER_MAP = {"type": "object", "additionalProperties": {"type": ["number", "null"]}}
_COUNT_MAP = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
_OPTIONAL_COUNT = {"type": ["integer", "null"], "minimum": 0}
_TEXT_MAP = {"type": "object", "additionalProperties": {"type": "string"}}

_TRIVIAL_BASELINE = {
    "description": "task -> the constant a predictor that learned nothing outputs, from the "
                   "examples that trained (1.2+, optional; docs/reports.md)",
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "required": ["predictor", "value", "train_examples"],
        "properties": {
            "predictor": {"enum": ["majority class", "training mean"]},
            "value": {"type": "number"},
            "train_examples": {"type": "integer", "minimum": 1},
            "score": {"type": ["number", "null"]},
        },
    },
}

_TIMING = {
    "description": "phase -> wall-clock seconds (load_s, tokenize_s, train_s, score_s, eval_s, "
                   "selection_s, diagnostics_s, ...; 1.2+, optional; docs/results.md)",
    "type": "object",
    "additionalProperties": {"type": "number", "minimum": 0},
}

_CHECKPOINT = {
    "description": "the trained model(s) kept with --keep-checkpoint (1.4+, optional)",
    "type": "object",
    "required": ["folder", "format", "bytes", "files"],
    "properties": {
        "folder": {"type": "string", "minLength": 1},
        "format": {"const": "safetensors"},
        "bytes": {"type": "integer", "minimum": 0},
        "files": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["name", "bytes", "sha256"],
            "properties": {"name": {"type": "string", "minLength": 1},
                           "bytes": {"type": "integer", "minimum": 0},
                           "sha256": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"}}}},
    },
}

_ADAPTATION = {
    "description": "a domain-adaptation run: its source run and data fraction (1.4+, optional)",
    "type": "object",
    "required": ["source_run", "fraction", "train_examples"],
    "properties": {
        "source_run": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
        "fraction": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "train_examples": {"type": "object", "additionalProperties": {"type": "integer",
                                                                       "minimum": 0}},
    },
}

_SCHEDULE_RUN = {
    "description": "[first step, number of steps]; steps count from 1",
    "type": "array",
    "prefixItems": [{"type": "integer", "minimum": 1}, {"type": "integer", "minimum": 1}],
    "minItems": 2,
    "maxItems": 2,
}

_HISTORY_ENTRY = {
    "type": "object",
    "required": ["step", "main_scores"],
    "properties": {
        "step": {"type": "integer", "minimum": 0},
        "epoch": {"type": "number", "minimum": 0},
        "main_scores": _NUMBER_MAP,
        "selection_scores": _NUMBER_MAP,
        "train_loss": {"type": ["number", "null"]},
        "model": {"type": "string"},
    },
}

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
        "per_task": _COUNT_MAP,
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

_EXAMPLE_PREDICTIONS = {
    "description": "the per-example predictions file beside the record (optional in 1.2)",
    "type": "object",
    "required": ["file", "sha256", "rows", "format"],
    "properties": {
        "file": {"type": "string", "pattern": r"^[0-9a-f]{16}\.predictions\.jsonl\.gz$"},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "rows": {"type": "integer", "minimum": 0},
        "format": {"type": "string", "minLength": 1},
    },
    "additionalProperties": False,
}

_STARVED_TASK = {
    "description": "a task given under a tenth of its proportional share of updates, or none",
    "type": "object",
    "required": ["updates", "proportional_share"],
    "properties": {
        "updates": {"type": "integer", "minimum": 0},
        "proportional_share": {"type": "number", "minimum": 0},
        "unit": {"enum": ["examples", "steps"],
                 "description": "examples trained (absent in older records: steps)"},
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
        "run_id": {
            "description": "16 hex digits: the hash of the run's identity",
            "type": "string",
            "pattern": "^[0-9a-f]{16}$",
        },
        "method": {"type": "string", "minLength": 1},
        "method_options": {"type": "object"},
        "method_label": {
            "description": "the method's display label, as reports show it (1.2+)",
            "type": "string",
            "minLength": 1,
        },
        "task_titles": {
            "description": "task -> its name as reports print it (SST-2, a user task's "
            "display_name) (1.2+)",
            "type": "object",
            "additionalProperties": {"type": "string"},
        },
        "method_family": {
            "description": "single-task, adapter, multi-task, camtl or ablation; null when the "
            "method declares none (1.2+)",
            "type": ["string", "null"],
        },
        "identity": {
            "description": "what defines the run; run_id is its identity_hash (schema 1.2+)",
            "type": "object",
        },
        "method_provenance": {
            "description": "distribution, version and libraries that provided the method (1.2+)",
            "type": "object",
            "required": ["distribution", "version"],
            "properties": {
                "distribution": {"type": "string"},
                "version": {"type": "string"},
                "dependencies": _TEXT_MAP,
            },
        },
        "suite": {"type": "string"},
        "tasks": {
            "type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True,
        },
        "skipped_tasks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["task", "reason"],
                "properties": {"task": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
        "diagnostics": {"type": "array", "items": {"type": "string"}},
        "prediction_files": {"type": "array", "items": {"type": "string"}},
        "example_predictions": _EXAMPLE_PREDICTIONS,
        "trivial_baseline": _TRIVIAL_BASELINE,
        "forgetting": FORGETTING_SCHEMA,
        "checkpoint": _CHECKPOINT,
        "adaptation": _ADAPTATION,
        "seed": {"type": "integer"},
        "backbone": {
            "type": "object",
            "required": ["name", "fingerprint"],
            "properties": {"name": {"type": "string"}, "fingerprint": {"type": "string"}},
        },
        "budget": {
            "type": "object",
            "required": ["max_train_samples", "max_eval_samples", "epochs", "batch_size"],
            "properties": {
                "max_train_samples": _OPTIONAL_COUNT,
                "max_eval_samples": _OPTIONAL_COUNT,
                "task_train_samples": _COUNT_MAP,
                "epochs": {"type": "number", "minimum": 0},
                "batch_size": {"type": "integer", "minimum": 1},
                "max_steps": {"type": ["integer", "null"], "minimum": 1},
                "max_length": {"type": "integer", "minimum": 1},
                "learning_rate": {"type": "number", "exclusiveMinimum": 0},
                "train_examples": _COUNT_MAP,
                "eval_examples": _COUNT_MAP,
            },
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
                "model_selection": {"enum": ["best", "best-dev", "last"]},
                "selection": {
                    "type": "object",
                    "required": ["rule", "split", "optimistic"],
                    "properties": {
                        "rule": {"enum": ["best", "best-dev", "last"]},
                        "split": {"type": ["string", "null"]},
                        "fraction": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                        "size": _COUNT_MAP,
                        "seed": {"type": "integer", "minimum": 0},
                        "optimistic": {"type": "boolean"},
                    },
                },
                "fidelity": {"enum": ["project", "reference"]},
                "regression_rule": {"type": ["string", "null"]},
                "task_schedule": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": _SCHEDULE_RUN},
                },
                "selected_steps": _COUNT_MAP,
                "starved_tasks": {"type": "object", "additionalProperties": _STARVED_TASK},
                "timing": _TIMING,
            },
        },
        "history": {"type": "array", "items": _HISTORY_ENTRY},
        "manifest": {
            "type": "object",
            "required": ["packages", "git_commit", "data_files", "hardware", "config", "created"],
            "properties": {
                "packages": _TEXT_MAP,
                "git_commit": {"type": ["string", "null"]},
                "data_files": _TEXT_MAP,
                "hardware": {"type": ["object", "string", "null"]},
                "config": {"type": "object"},
                "created": {"type": "string"},
            },
        },
    },
}
