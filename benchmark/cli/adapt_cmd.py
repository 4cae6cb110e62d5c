"""`adapt`: domain adaptation. Finished multi-task runs (by run id) trained on a new task
with fractions of its training data, beside single-task fine-tuning from the backbone.

Each (source or reference method) x fraction x seed is one run with its own record, planned,
claimed, resumed and sharded exactly as `run`'s runs are; an adapted run's identity names
its source run (``adapt_from``), so it never collides with a plain run. The report's
domain-adaptation table is built from these records (docs/results.md, "Domain adaptation").
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from pathlib import Path

from benchmark.cli import run_cmd
from benchmark.errors import BenchmarkError
from benchmark.runs.settings import Settings

HELP = "adapt finished multi-task runs to a new task with fractions of its training data"
EPILOG = """examples:
  python -m benchmark run --tasks rte,mrpc --methods camtl,mtl --keep-checkpoint --profile smoke
  python -m benchmark adapt --from 1a2b3c4d5e6f7a8b,0f9e8d7c6b5a4f3e --tasks snli_dev_split \\
      --user-tasks examples/adaptation/snli_dev_split.yaml --fractions 0.01,0.1 --seeds 1,2
"""
DEFAULT_FRACTIONS = (0.001, 0.01, 0.1, 1.0)
"""0.1%, 1%, 10%, 100%: the usual fractions of domain-adaptation studies."""
DEFAULT_SEEDS = [1, 2, 3]
"""Small fractions need several seeds to mean anything: used unless --seeds, a profile or a
config file names others."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    run_cmd.add_arguments(parser)
    adapt = parser.add_argument_group("adaptation")
    adapt.add_argument("--from", dest="sources", required=True, metavar="RUN_IDS",
                       help="comma-separated run ids of finished multi-task runs of --output "
                       "that kept their checkpoint (run --keep-checkpoint)")
    adapt.add_argument("--fractions", metavar="F,F,...",
                       help="fractions of the new task's training data (default "
                       f"{','.join(str(f) for f in DEFAULT_FRACTIONS)})")


def fractions_from(text: str | None) -> list[float]:
    """The --fractions list, each in (0, 1], or a BenchmarkError naming the bad one."""
    if text is None:
        return list(DEFAULT_FRACTIONS)
    values = []
    for part in (p.strip() for p in text.split(",")):
        try:
            value = float(part)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and 0 < value <= 1):
            raise BenchmarkError(f"--fractions: {part!r} is not a fraction in (0, 1]; pass e.g. "
                                 "--fractions 0.01,0.1,1")
        values.append(value)
    if len(set(values)) != len(values):
        raise BenchmarkError(f"--fractions repeats a value ({text}); list each once")
    return values


def execute(args: argparse.Namespace) -> int:
    from benchmark.adaptation.source import read_source
    from benchmark.runs.plan import plan_runs
    from benchmark.tasks.registry import load_user_tasks

    fractions = fractions_from(args.fractions)
    settings = run_cmd.settings_from(args)
    if settings.seeds == Settings().seeds and args.seeds is None:
        settings.seeds = list(DEFAULT_SEEDS)
    if settings.methods is None:
        settings.methods = ["stl"]  # the reference row: single-task fine-tuning
    for path in settings.user_tasks:  # registered once: each plan below would again
        load_user_tasks(Path(path))
    settings.user_tasks = []
    run_ids = [r.strip() for r in args.sources.split(",") if r.strip()]
    if not run_ids:
        raise BenchmarkError("--from names no run; give the ids of finished multi-task runs, "
                             "comma-separated (a record's file name is its run id)")
    sources = [read_source(settings.output, run_id) for run_id in run_ids]
    specs = []
    for fraction in fractions:
        at_fraction = dataclasses.replace(settings, train_fraction=fraction)
        specs += plan_runs(at_fraction)
        for source in sources:
            adapted = dataclasses.replace(
                at_fraction, methods=[source.method], backbone=source.backbone,
                method_options={source.method: source.method_options})
            for spec in plan_runs(adapted):
                seen = sorted(set(spec.tasks) & set(source.tasks))
                if seen:
                    raise BenchmarkError(
                        f"--from {source.run_id}: that run already trained {', '.join(seen)}; "
                        "adapt it to a task it has not seen")
                specs.append(dataclasses.replace(spec, adapt_from=source.run_id))
    return run_cmd.run_matrix(args, settings, specs)
