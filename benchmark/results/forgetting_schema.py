"""The result record's ``forgetting`` part (schema 1.3+, optional): how much of the
pretrained encoder's ability remains after training (docs/results.md, "Forgetting").

Each part (STS-B zero-shot, masked-LM loss, CKA) carries its numbers when measured, else
the reason it was not; ``benchmark.results.schema`` embeds this in ``RESULT_SCHEMA``.
"""

from __future__ import annotations

from typing import Any

_FORGETTING_STATUS = {"enum": ["measured", "not applicable", "not measured"]}
_NUMBERS = {"type": "array", "items": {"type": "number"}}
_INTERVAL = {
    "type": "object",
    "required": ["estimate", "low", "high", "level", "n_resamples", "seed"],
    "properties": {
        "estimate": {"type": "number"},
        "low": {"type": "number"},
        "high": {"type": "number"},
        "level": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "n_resamples": {"type": "integer", "minimum": 1},
        "seed": {"type": "integer"},
    },
}


def _forgetting_part(measured: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """A part (sts, mlm, cka): its numbers required when measured, else its reason."""
    return {
        "type": "object",
        "required": ["status"],
        "properties": {"status": _FORGETTING_STATUS, "reason": {"type": "string"}, **properties},
        "if": {"properties": {"status": {"const": "measured"}}},
        "then": {"required": measured},
        "else": {"required": ["reason"]},
    }


_COMPARED = {"before": {"type": "number"}, "after": {"type": "number"},
             "delta": {"type": "number"}, "interval": _INTERVAL}
_FORGETTING_ENTRY = {
    "description": "one trained encoder (and, if task-conditioned, the task it ran as)",
    "type": "object",
    "required": ["model", "task", "status"],
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "task": {"type": ["string", "null"]},
        "task_id": {"type": ["integer", "null"], "minimum": 0},
        "states": {"type": ["string", "null"]},
        "status": _FORGETTING_STATUS,
        "reason": {"type": "string"},
        "sts": _forgetting_part(
            ["before", "after", "delta", "interval", "n_pairs", "after_cosines"],
            {**_COMPARED, "n_pairs": {"type": "integer", "minimum": 1},
             "n_available": {"type": "integer", "minimum": 1}, "source": {"type": "string"},
             "after_cosines": _NUMBERS}),
        "mlm": _forgetting_part(
            ["before", "after", "delta", "interval", "n_sentences", "after_losses"],
            {**_COMPARED, "n_sentences": {"type": "integer", "minimum": 1},
             "n_masked_tokens": {"type": "integer", "minimum": 1},
             "sample_version": {"type": "integer"}, "after_losses": _NUMBERS}),
        "cka": _forgetting_part(
            ["per_layer", "layers"],
            {"per_layer": {"type": "array", "items": {"type": ["number", "null"]}},
             "layers": {"type": "array", "items": {"type": "string"}},
             "n_sentences": {"type": "integer", "minimum": 1},
             "n_tokens": {"type": "integer", "minimum": 1},
             "sample_version": {"type": "integer"}}),
        "seconds": {"type": "object",
                    "additionalProperties": {"type": ["number", "boolean"], "minimum": 0}},
    },
    "if": {"properties": {"status": {"const": "measured"}}},
    "then": {"required": ["sts", "mlm", "cka"]},
    "else": {"required": ["reason"]},
}

FORGETTING_SCHEMA: dict[str, Any] = {
    "description": "how much of the pretrained encoder's ability remains after training "
                   "(1.3+, optional; docs/results.md, Forgetting)",
    "type": "object",
    "required": ["version", "status", "entries"],
    "properties": {
        "version": {"type": "integer", "minimum": 1},
        "status": _FORGETTING_STATUS,
        "reason": {"type": "string"},
        "backbone": {"type": "string"},
        "settings": {"type": "object"},
        "samples": {
            "type": "object",
            "properties": {
                "sts": {"type": "object", "required": ["rows", "gold", "before"],
                        "properties": {"rows": {"type": "array",
                                                "items": {"type": "integer", "minimum": 0}},
                                       "gold": _NUMBERS, "before": _NUMBERS}},
                "mlm": {"type": "object", "required": ["masked_tokens", "before"],
                        "properties": {"masked_tokens": {"type": "array",
                                                         "items": {"type": "integer",
                                                                   "minimum": 0}},
                                       "before": _NUMBERS}},
            },
        },
        "entries": {"type": "array", "items": _FORGETTING_ENTRY},
        "seconds": {
            "type": "object",
            "required": ["total"],
            "properties": {"total": {"type": "number", "minimum": 0},
                           "trained": {"type": "number", "minimum": 0},
                           "pretrained": {"type": "number", "minimum": 0},
                           "pretrained_reused": {"type": "boolean"}},
        },
    },
    "if": {"properties": {"status": {"const": "measured"}}},
    "then": {"required": ["backbone", "settings", "samples", "seconds"]},
    "else": {"required": ["reason"]},
}
