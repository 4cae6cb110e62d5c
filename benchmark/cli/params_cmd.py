"""`params`: every method's parameter columns for a backbone and a task list, no training.

With ``--random-config bert-base`` the backbone is a randomly initialised BERT of that
size (the counts do not depend on weights), so the paper-scale table prints offline.
"""

from __future__ import annotations

import argparse
import tempfile

from benchmark.errors import BenchmarkError

HELP = "print parameter counts (total to serve, trained per task) for methods and tasks"
EPILOG = """examples:
  python -m benchmark params --random-config bert-base      # 8 GLUE tasks, paper-scale backbone
  python -m benchmark params --backbone all-MiniLM-L6-v2 --tasks rte,cb,copa
"""
PAPER_GLUE_TASKS = "cola,sst2,mrpc,qqp,stsb,mnli,qnli,rte"
RANDOM_CONFIGS = {
    "bert-base": {
        "hidden_size": 768,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "intermediate_size": 3072,
    },
    "bert-large": {
        "hidden_size": 1024,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "intermediate_size": 4096,
    },
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backbone", default="all-MiniLM-L6-v2")
    parser.add_argument(
        "--random-config",
        choices=sorted(RANDOM_CONFIGS),
        help="count on a randomly initialised BERT of this size instead",
    )
    parser.add_argument("--tasks", default=PAPER_GLUE_TASKS)
    parser.add_argument("--methods", default="stl,houlsby,mtl,camtl")
    parser.add_argument("--max-length", type=int, default=128)


def _random_backbone(size: str, folder: str) -> str:
    from transformers import BertConfig, BertModel

    BertModel(BertConfig(**RANDOM_CONFIGS[size])).save_pretrained(folder)
    return folder


def parameter_rows(backbone: str, tasks: list[str], methods: list[str], max_length: int) -> list:
    from benchmark.methods.registry import get_method
    from benchmark.parameters import account_parameters
    from benchmark.tasks.registry import get_task
    from benchmark.training.heads import MultiTaskModel

    specs = [get_task(t) for t in tasks]
    rows = []
    for name in methods:
        method = get_method(name)
        options = method.resolve_options(None)
        groups = [specs] if method.joint else [[s] for s in specs]
        models = []
        for group in groups:
            model = MultiTaskModel(
                method.build_encoder(backbone, group, options, max_length), group
            )
            models.append((model, [t.name for t in group]))
            if not method.joint:
                break  # per-task models are the same size: count one, scale below
        block = account_parameters(method, models, backbone)
        if not method.joint:
            one = block["trainable"]
            block["trainable"] = one * len(specs)
            block["total_to_serve"] = block["frozen_shared"] + block["trainable"]
            block["trained_per_task"] = float(one)
            block["trained_per_task_ratio"] = one / block["backbone"]
        rows.append((name, block))
    return rows


def execute(args: argparse.Namespace) -> int:
    from benchmark.methods.registry import get_method
    from benchmark.runs.backbone_check import check_backbone

    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    for flag, names in (("--tasks", tasks), ("--methods", methods)):
        if not names:
            raise BenchmarkError(f"{flag} is empty; name at least one, comma-separated")
    with tempfile.TemporaryDirectory() as folder:
        backbone = args.backbone
        if args.random_config:
            backbone = _random_backbone(args.random_config, folder)
        check_backbone(backbone, {m: get_method(m) for m in methods})
        rows = parameter_rows(backbone, tasks, methods, args.max_length)
    label = args.random_config or args.backbone
    print(f"backbone {label}: {rows[0][1]['backbone']:,} parameters; {len(tasks)} tasks")
    print(
        f"{'method':24} {'total to serve':>16} {'x backbone':>10} {'trainable':>14} "
        f"{'trained/task':>14} {'% of backbone':>13}"
    )
    for name, b in rows:
        print(
            f"{name:24} {b['total_to_serve']:>16,} {b['total_to_serve'] / b['backbone']:>10.2f} "
            f"{b['trainable']:>14,} {int(b['trained_per_task']):>14,} "
            f"{100 * b['trained_per_task_ratio']:>12.2f}%"
        )
    return 0
