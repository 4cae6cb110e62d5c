"""Is ``--backbone`` a checkpoint the chosen methods can build on? Asked in plan, before a
tokenizer or any model is built, so a typo in the path, an unknown Hub name or a GPT-2 folder
stops at once."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from benchmark.errors import BenchmarkError
from benchmark.methods.interface import Method
from camtl.backbones import DEFAULT_BACKBONE, resolve_backbone

HUB_NAME = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?(@[\w./-]+)?$")
"""``bert-base-cased``, ``org/model`` or ``org/model@revision``; anything else that is not a
folder is a wrong path."""

ADVICE = (
    "pass --backbone a checkpoint folder (config.json and weights), a Hub name such as "
    "bert-base-cased or bert-base-cased@<commit> (fetched from the Hub into the Hugging Face "
    f"cache, read from there offline), or leave it out for the embedded {DEFAULT_BACKBONE}"
)


def _local_config(name: str, folder: Path) -> dict:
    if not folder.is_dir():
        raise BenchmarkError(f"--backbone {name}: {folder} is a file, not a checkpoint folder; "
                             f"{ADVICE}")
    config = folder / "config.json"
    if not config.is_file():
        raise BenchmarkError(f"--backbone {name}: {folder} has no config.json, so it is not a "
                             f"transformers checkpoint; {ADVICE}")
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BenchmarkError(f"--backbone {name}: {config} cannot be read: {exc}") from None
    return data if isinstance(data, dict) else {}


def _resolved(name: str) -> Path:
    if not Path(name).expanduser().exists() and not HUB_NAME.match(name):
        raise BenchmarkError(f"--backbone {name}: no such folder "
                             f"({Path(name).expanduser().absolute()}); {ADVICE}")
    try:
        return Path(resolve_backbone(name))
    except ImportError as exc:
        raise BenchmarkError(f"--backbone {name}: its package is not installed ({exc})") from None
    except Exception as exc:  # offline and not cached, unknown name or revision, gated, no weights
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise BenchmarkError(f"--backbone {name} is not a local folder and could not be fetched "
                             f"from the Hub or found in its cache ({reason}); {ADVICE}") from None


def backbone_config(name: str) -> dict:
    """The backbone's config.json as a dict, or a ``BenchmarkError`` saying why the backbone
    cannot be found (a missing path names the path and ``--backbone``). A Hub name is fetched
    here, in plan, so that its run ids fingerprint the files it will train."""
    return _local_config(name, _resolved(name))


def check_backbone(name: str, methods: Mapping[str, Method]) -> dict:
    """Refuse a backbone that is missing or of a model type one of ``methods`` cannot use;
    returns its config (what ``Method.check_build`` is asked with)."""
    config = backbone_config(name)
    model_type = config.get("model_type")
    for method_name, method in methods.items():
        if model_type not in method.backbone_model_types:
            wanted = ", ".join(repr(t) for t in method.backbone_model_types)
            raise BenchmarkError(
                f"--backbone {name} is a {model_type!r} checkpoint, but method {method_name!r} "
                f"needs a BERT-family one (model_type {wanted}); {ADVICE}"
            )
    return config
