"""Task formats: one object per task shape, and the libraries of shapes still to be wired.

``base.TaskFormat`` is the interface (reading rows, metrics, decoding, prediction files,
head and MT-Uncertainty hooks); ``registry`` finds the formats: the built-in shapes
(``fields``, ``axg``, ``wic``, ``wsc``, ``copa``, ``record``, ``multirc``,
``majority``) and plugins of the
entry-point group ``camtl_bench.formats``. See docs/tasks.md, "Task formats".

``qa``: extractive question answering (MRQA 2019 jsonl, SQuAD v1.1 json).
``ner``: named-entity recognition in CoNLL format (WNUT 2017).
These two depend on nothing in the harness; they are libraries, not yet registered formats.

``TaskFormat``, ``register_format``, ``get_format`` and ``format_names`` are importable
from here; the import is lazy, so ``benchmark.formats.qa`` alone stays free of the harness.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "TaskFormat": "benchmark.formats.base",
    "register_format": "benchmark.formats.registry",
    "get_format": "benchmark.formats.registry",
    "format_names": "benchmark.formats.registry",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
