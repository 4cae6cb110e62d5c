"""From settings to the run matrix: tasks x methods x seeds, checked before any training."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from benchmark.data.loading import missing_splits, resolve_data_dir
from benchmark.errors import BenchmarkError, MissingDataError, UnknownNameError
from benchmark.methods.interface import Method
from benchmark.methods.registry import discover_methods, get_method
from benchmark.runs.backbone_check import check_backbone
from benchmark.runs.inputs import with_inputs
from benchmark.runs.settings import TRAIN_SETTINGS, Settings, resolve_precision
from benchmark.runs.spec import Budget, RunSpec
from benchmark.tasks.registry import get_suite, get_task, load_user_tasks
from benchmark.tasks.suite_naming import suite_for_tasks
from benchmark.tasks.user import declared_at
from benchmark.training.config import TrainConfig
from benchmark.training.fidelity import apply_fidelity, fidelity_method_options
from benchmark.training.samplers import SAMPLERS

log = logging.getLogger(__name__)

PAPER_METHODS = ("stl", "houlsby", "mtl", "camtl")
"""The paper's comparison; they run first, then every other registered method by name."""


def default_methods() -> list[str]:
    """Every method registered (plugins included) that loads: what a run without --methods runs."""
    loaded = [name for name, entry in discover_methods().items() if entry.error is None]
    return [m for m in PAPER_METHODS if m in loaded] + [m for m in loaded if m not in PAPER_METHODS]
TRAIN_SPLITS = ("train", "dev")


def method_train_config(base: TrainConfig, method: Method, options: dict) -> TrainConfig:
    """``base`` with the method's declared training overrides (``Method.train_options``).

    The one place they are applied: the spec carries the result, so the run id,
    tokenization, the encoder and the record see the same values.
    """
    overrides = method.train_overrides(options)
    undeclared = sorted(TRAIN_SETTINGS & set(options) - set(overrides))
    if undeclared:
        log.warning(
            "method %r has option(s) %s named like training settings but not in its "
            "train_options: they reach build_encoder only and do not change training",
            method.name,
            ", ".join(undeclared),
        )
    unknown = sorted(set(overrides) - TRAIN_SETTINGS)
    if unknown:
        raise BenchmarkError(
            f"method {method.name!r} lists {unknown} in train_options, which are not training "
            f"settings (known: {', '.join(sorted(TRAIN_SETTINGS))}); fix the method's "
            "train_options"
        )
    try:
        return dataclasses.replace(base, **overrides)
    except BenchmarkError as exc:
        raise BenchmarkError(f"{exc} (from method {method.name!r}'s options)") from None


def selected_tasks(settings: Settings) -> list[str]:
    """The tasks to train: --tasks if given, else the suite's trainable tasks."""
    for path in settings.user_tasks:
        load_user_tasks(Path(path))
    names = settings.tasks if settings.tasks else list(get_suite(suite_of(settings)))
    tasks = [get_task(n) for n in names]  # unknown names raise with a did-you-mean
    trainable = [t.name for t in tasks if getattr(t, "evaluated_with", None) is None]
    if not trainable:
        raise BenchmarkError(f"no trainable task in {names}; diagnostics need their training task")
    return trainable


def suite_of(settings: Settings) -> str:
    """The suite a run belongs to: --suite; for --tasks, the suite they all declare, else
    one named by the sorted task list (``tasks:mrpc+sst2``), see ``suite_for_tasks``."""
    if settings.tasks:
        return suite_for_tasks(settings.tasks, settings.suite)
    return settings.suite or "glue"


def _declared(task: str, split: str) -> str:
    """`` (declared at tasks.yaml:7)`` for a user task's file, else nothing."""
    where = declared_at(task, split)
    return f" (declared at {where})" if where else ""


def check_data(settings: Settings, tasks: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Stop on missing data, or drop those tasks when the user asked to skip them."""
    data_dir = resolve_data_dir(settings.data_dir)
    missing = missing_splits([get_task(t) for t in tasks], TRAIN_SPLITS, data_dir)
    if not missing:
        return tasks, []
    lines = "\n".join(
        f"  - {task} {split}: looked for {where}{_declared(task, split)}"
        for task, split, where in missing
    )
    if not settings.skip_unavailable:
        declared = all(_declared(task, split) for task, split, _ in missing)
        fix = (
            "Fix the file paths in the user task file (relative to it)"
            if declared
            else "Point --data-dir (or CAMTL_BENCH_DATA) at a folder in the GLUE/SuperGLUE layout"
        )
        raise MissingDataError(
            f"{len({m[0] for m in missing})} task(s) lack data files:\n{lines}\n{fix}, "
            "or pass --skip-unavailable to run the other tasks and record these as skipped."
        )
    reasons: dict[str, str] = {}
    for task, split, where in missing:
        reasons.setdefault(task, f"no {split} split (looked for {where})")
    kept = [t for t in tasks if t not in reasons]
    if not kept:
        raise MissingDataError(f"every selected task lacks data:\n{lines}")
    log.warning("skipping tasks without data: %s", ", ".join(reasons))
    return kept, sorted(reasons.items())


def task_caps(caps: dict[str, int], tasks: list[str]) -> dict[str, int]:
    """The per-task training caps of the run's tasks. A cap for a task the run does not
    train is left out (a profile's CoLA cap must not stop ``--tasks sst2``), but a name
    that is no task at all is a typo: refused."""
    for name in caps:
        get_task(name)  # UnknownNameError with the registered names
    return {t: int(caps[t]) for t in tasks if t in caps}


def plan_runs(settings: Settings) -> list[RunSpec]:
    """Expand settings into run specs; every problem is reported before training starts."""
    selected = selected_tasks(settings)  # names first: cheap, and the likeliest typo
    methods = settings.methods or default_methods()
    method_objects = {name: get_method(name) for name in methods}
    backbone_config = check_backbone(settings.backbone, method_objects)  # before any model is built
    if settings.sampler is not None and settings.sampler not in SAMPLERS:
        raise UnknownNameError("sampler", settings.sampler, SAMPLERS)
    if not settings.seeds:
        raise BenchmarkError("at least one seed is needed (--seeds 12,13,14)")
    if not 0 < settings.train_fraction <= 1:
        raise BenchmarkError(f"train_fraction must be in (0, 1] (got {settings.train_fraction})")
    for label, value in (
        ("max_train_samples", settings.max_train_samples),
        ("max_eval_samples", settings.max_eval_samples),
    ):
        if value is not None and value < 1:
            raise BenchmarkError(f"{label} must be >= 1 (got {value})")
    unknown = set(settings.method_options) - set(methods)
    if unknown:
        raise BenchmarkError(
            f"method_options given for methods not being run: {sorted(unknown)} (running {methods})"
        )
    tasks, skipped = check_data(settings, selected)
    precision, _ = resolve_precision(settings.precision)
    base_train = apply_fidelity(dataclasses.replace(settings.train, precision=precision))
    budget = Budget(settings.max_train_samples, settings.max_eval_samples, settings.train_fraction,
                    task_caps(settings.task_train_samples, tasks))
    data_dir = resolve_data_dir(settings.data_dir)
    specs = []
    for name, method in method_objects.items():
        options = method.resolve_options({
            **fidelity_method_options(method.fidelity_options, base_train.fidelity),
            **(settings.method_options.get(name) or {}),
        })
        train = method_train_config(base_train, method, options)
        method.check_build(backbone_config, options, train.max_length)
        sampler = settings.sampler or method.default_sampler
        if sampler == "mt-uncertainty" and not method.joint:
            raise BenchmarkError(
                f"method {name!r} trains one model per task; mt-uncertainty "
                "needs a joint multi-task method"
            )
        for seed in settings.seeds:
            spec = RunSpec(
                method=name,
                method_options=options,
                suite=suite_of(settings),
                tasks=tuple(tasks),
                seed=int(seed),
                backbone=settings.backbone,
                sampler=sampler,
                budget=budget,
                train=train,
                skipped_tasks=tuple(skipped),
            )
            specs.append(with_inputs(spec, data_dir))  # fingerprints before any training
    return specs
