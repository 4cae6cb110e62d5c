"""The backbone's part of a run id: every file ``from_pretrained`` reads to build it.

New weights, a changed ``config.json`` (dropout, layers) or another tokenizer (vocabulary,
lower-casing) under the same name or path each change what a run computes, so each must
change the run id; otherwise a finished record of the old backbone would be reused.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from benchmark.data.loading import file_sha256
from benchmark.errors import BenchmarkError
from camtl.backbones import CONFIG_AND_TOKENIZER_FILES, WEIGHT_FILES


def _shards(index: Path) -> list[Path]:
    try:
        weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        names = sorted(set(weight_map.values()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BenchmarkError(f"{index}: not a readable weight index ({exc}); restore the "
                             f"checkpoint's index file or save the model again") from None
    missing = [n for n in names if not (index.parent / n).is_file()]
    if missing:
        raise BenchmarkError(f"{index} names shards that are not there: {', '.join(missing)}; "
                             f"copy the whole checkpoint folder")
    return [index.parent / n for n in names]


def weight_files(folder: Path) -> list[Path]:
    """The weights ``from_pretrained`` loads from ``folder``, so the ones hashed: the first of
    ``WEIGHT_FILES`` present (an index with its shards when sharded); [] if none."""
    for name in WEIGHT_FILES:
        if (folder / name).is_file():
            return [folder / name, *_shards(folder / name)] if name.endswith(".json") \
                else [folder / name]
    return []


def backbone_fingerprint(resolved: str) -> str:
    """``sha256:<hex>`` over a checkpoint folder's weights, config and tokenizer files (each
    file's name and SHA-256, in a fixed order); ``resolved`` is what ``resolve_backbone``
    gives, a Hub name's pinned snapshot included."""
    folder = Path(resolved)
    weights = weight_files(folder) if folder.is_dir() else []
    if not weights:
        raise BenchmarkError(f"{resolved}: no model.safetensors or pytorch_model.bin there, so "
                             f"there is nothing to train; pass --backbone a checkpoint folder "
                             f"with its weights")
    files = [*weights, *(folder / n for n in CONFIG_AND_TOKENIZER_FILES if (folder / n).is_file())]
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"{path.name}\0{file_sha256(path)}\n".encode())
    return "sha256:" + digest.hexdigest()
