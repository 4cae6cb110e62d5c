"""Read a task split from the Hugging Face Hub and reshape rows to the local layout.

The Hub copies flatten or rename what the official files nest (MultiRC has one row
per answer option, WSC's spans leave ``target``, MRPC's columns are renamed, labels
are class indices). Each task format reshapes its rows to the local layout
(``TaskFormat.hub_records``), so the same format reads both sources and a run gives
the same examples online and offline.
"""

from __future__ import annotations

import functools
import os
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any

from benchmark.tasks.spec import TaskSpec

Record = dict[str, Any]

OFFLINE_VARIABLES = ("CAMTL_BENCH_OFFLINE", "HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE")


def hub_allowed() -> bool:
    """False when the user said to stay offline, so no network timeout is waited for."""
    return not any(os.environ.get(v, "").strip() not in ("", "0", "false") for v in
                   OFFLINE_VARIABLES)


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


@functools.cache
def _probe(endpoint: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/api/datasets/nyu-mll/glue", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # the server answered
    except Exception:  # DNS, refused, timeout, proxy
        return False


def hub_reachable(timeout: float = 5.0) -> bool:
    """Whether Hub copies can be fetched: online use allowed and the Hub answers.

    One short request per process, so a planner can report missing data up front
    instead of failing on the first download.
    """
    return hub_allowed() and _probe(hub_endpoint(), timeout)


def hub_location(task: TaskSpec, split: str) -> str:
    assert task.hub is not None
    hub = task.hub
    name = f"/{hub.name}" if hub.name else ""
    return f"hf://datasets/{hub.path}{name}@{hub.revision[:12]} ({hub.splits.get(split, split)})"


def load_hub_dataset(task: TaskSpec, split: str) -> Any:
    """The ``datasets.Dataset`` of one split at the pinned revision (network or HF cache)."""
    import datasets  # slow import: only when the Hub is used

    assert task.hub is not None
    return datasets.load_dataset(
        task.hub.path, task.hub.name, revision=task.hub.revision, split=task.hub.splits[split]
    )


def label_names(dataset: Any, column: str) -> list[str] | None:
    """The class names the Hub dataset declares for ``column`` (None if it has none)."""
    features = getattr(dataset, "features", None) or {}
    feature = features.get(column) if isinstance(features, Mapping) else None
    names = getattr(feature, "names", None)
    return list(names) if names else None


def hub_label(value: Any, names: list[str] | None, task: TaskSpec, split: str) -> Any:
    """Hub class index -> the task's label string; -1 (unlabelled test rows) -> None."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        if task.task_type != "regression" or split in task.test_splits:
            return None
    if task.task_type != "classification" or names is None:
        return value
    name = names[int(value)]
    if task.labels and name in task.labels:
        return name
    return str(int(value))


def iter_hub_records(task: TaskSpec, split: str, dataset: Any = None) -> Iterator[Record]:
    """Records of one Hub split in the local layout, in the Hub's row order.

    The task's format reshapes the rows (``TaskFormat.hub_records``): renamed columns and
    class indices for one-row tasks, regrouped options for MultiRC, nested spans for WSC.
    """
    from benchmark.formats.registry import format_of

    assert task.hub is not None
    fmt = format_of(task)
    dataset = load_hub_dataset(task, split) if dataset is None else dataset
    yield from fmt.hub_records(dataset, task, split)
