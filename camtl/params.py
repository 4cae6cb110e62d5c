"""Command line: the parameter table of a CA-MTL model, term by term, offline.

    python -m camtl.params --config bert-base --tasks 8

Counting uses ``camtl.accounting`` (one definition for every method); the model is built
on the meta device from a random-init config, so nothing is downloaded or allocated.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn
from transformers import BertConfig

from camtl.accounting import count_parameters
from camtl.backbones import split_revision

GLUE8_OUTPUTS = {
    "CoLA": 2,
    "SST-2": 2,
    "MRPC": 2,
    "STS-B": 1,
    "QQP": 2,
    "MNLI": 3,
    "QNLI": 2,
    "RTE": 2,
}
PRESETS = {
    "bert-base": dict(),
    "bert-base-cased": dict(vocab_size=28996),
    "bert-large": dict(
        hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096
    ),
    "bert-large-cased": dict(
        vocab_size=28996,
        hidden_size=1024,
        num_hidden_layers=24,
        num_attention_heads=16,
        intermediate_size=4096,
    ),
    "minilm": dict(
        hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536
    ),
}
"""Random-init configs of usual backbones (no download); BertConfig() = bert-base-uncased."""


def group_counts(model: nn.Module) -> dict[str, tuple[int, bool]]:
    """``{group: (parameters, trains)}`` for a CA-MTL encoder or model."""
    groups = model.trainable_groups()
    encoder = getattr(model, "encoder", model)
    sizes = dict(model.named_parameters())
    out = {}
    prefix = "encoder." if encoder is not model else ""
    for group, names in encoder.parameter_groups().items():
        out[group] = (sum(sizes[prefix + n].numel() for n in names), group in groups)
    if "heads" in groups:
        out["heads"] = (sum(sizes[n].numel() for n in groups["heads"]), True)
    return out


def _build(args: argparse.Namespace):
    from camtl.config import CaMtlConfig
    from camtl.encoder import CaMtlEncoder
    from camtl.heads import CaMtlForMultiTask

    if args.backbone:
        backbone = read_backbone_config(args.backbone)
    else:
        backbone = BertConfig(**PRESETS[args.config])
    outputs = (
        list(GLUE8_OUTPUTS.values())
        if args.tasks == 8 and not args.outputs
        else [int(c) for c in args.outputs.split(",")]
        if args.outputs
        else [2] * args.tasks
    )
    config = CaMtlConfig(num_tasks=args.tasks, max_length=args.max_length, recipe=args.recipe)
    with torch.device("meta"):
        encoder = CaMtlEncoder.from_backbone(backbone, config)
        model = CaMtlForMultiTask(encoder, outputs)
        plain = sum(p.numel() for p in _plain_bert(backbone).parameters())
    return model, outputs, plain


def read_backbone_config(path: str):
    """The config of a checkpoint folder or of a Hub name (``org/model@revision`` too): its
    ``config.json`` alone, since weights are not needed to count."""
    from transformers import AutoConfig

    if Path(path).expanduser().exists():
        return AutoConfig.from_pretrained(Path(path).expanduser())
    from huggingface_hub import hf_hub_download

    repo_id, revision = split_revision(path)
    return AutoConfig.from_pretrained(hf_hub_download(repo_id, "config.json", revision=revision))


def _plain_bert(config) -> nn.Module:
    from transformers import AutoModel

    return AutoModel.from_config(config)


def main(argv: Sequence[str] | None = None) -> dict:
    """Print the parameter table of a CA-MTL model for T tasks; return it as a dict."""
    parser = argparse.ArgumentParser(
        prog="python -m camtl.params",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", choices=sorted(PRESETS), default="bert-base")
    parser.add_argument("--backbone", help="a checkpoint folder or a Hub name "
                        "(org/model@revision) instead of a preset")
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--outputs", help="comma-separated outputs per task (default: GLUE-8)")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--recipe", default="auto", choices=["auto", "base", "large"])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    model, outputs, plain = _build(args)
    counts = count_parameters(model, args.tasks)
    groups = group_counts(model)
    report = {
        "backbone_parameters": plain,
        "task_outputs": outputs,
        "groups": {g: {"parameters": n, "trainable": t} for g, (n, t) in groups.items()},
        **counts.as_dict(),
        "fine_tuning_to_serve": args.tasks * plain
        + sum(c * (model.encoder.hidden_size + 1) for c in outputs),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return report
    print(model.encoder.recipe.describe())
    print(f"\n{'group':28s} {'parameters':>14s}  trains")
    for group, (n, trains) in groups.items():
        print(f"{group:28s} {n:14,d}  {'yes' if trains else 'no (frozen)'}")
    print(f"\nbackbone alone (BertModel with pooler)      {plain:14,d}")
    print(f"total = to serve {args.tasks} tasks (frozen + trainable) {counts.total:14,d}")
    print(f"trainable                                   {counts.trainable:14,d}")
    print(f"frozen (shared by every task)               {counts.frozen:14,d}")
    print(f"trained per task (trainable / T)            {counts.trained_per_task:14,.0f}")
    print(f"task-specific per task (embedding row + head) {list(counts.task_specific)}")
    print(f"shared by all tasks                         {counts.shared:14,d}")
    serve_ft = report["fine_tuning_to_serve"]
    print(f"{args.tasks} fully fine-tuned models would need      {serve_ft:14,d}")
    return report


if __name__ == "__main__":
    main()
