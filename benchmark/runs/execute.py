"""Execute one run spec end to end and write its result record."""

from __future__ import annotations

import dataclasses
import functools
import logging
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from transformers import AutoTokenizer

from benchmark.adaptation.run import adaptation_record, adaptation_start
from benchmark.adaptation.source import checkpoint_folder, file_sha256
from benchmark.data.loading import data_file_hashes, resolve_data_dir
from benchmark.methods.interface import Method, checked_encoder
from benchmark.methods.registry import get_method
from benchmark.metrics import main_score, suite_average
from benchmark.parameters import account_parameters
from benchmark.results import example_predictions
from benchmark.results.example_predictions import PredictionsFile, SplitPredictions
from benchmark.results.manifest import build_manifest
from benchmark.results.schema import SCHEMA_VERSION
from benchmark.results.store import record_path, write_record_atomically
from benchmark.results.validate import validate_record
from benchmark.runs.claims import claims_folder
from benchmark.runs.extras import diagnostic_tasks, score_diagnostics, write_predictions
from benchmark.runs.forgetting_run import measure_run_forgetting, prepare_forgetting
from benchmark.runs.inputs import check_data_unchanged, with_inputs
from benchmark.runs.prepare import (
    TaskData,
    format_settings,
    prepare_tasks,
    rows_dropped,
    selection_record,
    train_sources,
)
from benchmark.runs.spec import RunSpec, identity_hash
from benchmark.runs.trivial_record import trivial_baselines
from benchmark.tasks.registry import get_task, suite_names
from benchmark.tasks.spec import TaskSpec
from benchmark.training.checkpoint import WEIGHTS_FILE, save_checkpoint
from benchmark.training.config import TrainConfig
from benchmark.training.device import matmul_precision
from benchmark.training.evaluate import EvalSet
from benchmark.training.heads import MultiTaskModel
from benchmark.training.loop import train_and_evaluate
from benchmark.training.outcome import TrainOutcome
from benchmark.training.timing import PhaseTimes
from benchmark.training.train_state import PartState, RunStates, SavePolicy
from benchmark.training.usage import merge_usage
from camtl.backbones import resolve_backbone

log = logging.getLogger(__name__)


def _peak_memory_mb() -> float:
    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_states(output: Path, spec: RunSpec) -> RunStates:
    """Where ``spec``'s resumable training states live: beside its claim."""
    return RunStates(claims_folder(Path(output)) / f"{spec.run_id}.state", spec.run_id,
                     SavePolicy(spec.train.state_every_steps, spec.train.state_every_minutes))


PART_SEED_STRIDE = 100_003
"""Part k > 0 of a per-task method initialises its new weights from seed + k x this (a prime
far from any seed list), not from wherever the previous part's training left torch's
generator: that state depends on how many dropout masks the previous part drew, which a
data-parallel process (drawing masks for its shard only) and one process do not share."""


def part_seed(seed: int, part: int) -> int:
    """The seed a run's ``part``-th model is initialised from (part 0: the run's seed)."""
    return seed + PART_SEED_STRIDE * part


def _train_group(
    spec: RunSpec, method, data: list[TaskData], cfg: TrainConfig, pad_id: int,
    times: PhaseTimes, state: PartState, output: Path, part: int,
) -> tuple[MultiTaskModel, TrainOutcome]:
    tasks = [d.task for d in data]
    torch.manual_seed(part_seed(spec.seed, part))
    with times.phase("load_s"):
        if spec.adapt_from is None:
            encoder = checked_encoder(method, spec.backbone, tasks, spec.method_options,
                                      cfg.max_length)
            model, carried = MultiTaskModel(encoder, tasks), 0
        else:  # the source's tasks first, carried untrained; this run's after them
            model = adaptation_start(spec, output, method, tasks)
            carried = len(model.tasks) - len(tasks)
    for index, task_data in enumerate(data, carried):
        if cfg.regression_calibration and task_data.task.task_type == "regression":
            labels = np.array([f.label for f in task_data.train_features], dtype=float)
            model.heads.calibrate_regression(index, float(labels.mean()), float(labels.std()))
    eval_sets = [
        EvalSet(i, e.task, e.split, e.examples, e.features)
        for i, d in enumerate(data, carried)
        for e in d.eval_sets
    ]
    selection_sets = [
        EvalSet(i, s.task, s.split, s.examples, s.features)
        for i, d in enumerate(data, carried)
        if (s := d.selection_set) is not None
    ]
    outcome = train_and_evaluate(
        model, [[]] * carried + [d.train_features for d in data], eval_sets, cfg, spec.sampler,
        spec.seed, pad_id, selection_sets, method, state, carried_tasks=range(carried),
    )
    times.merge(outcome.timing)
    return model, outcome


@dataclass
class TrainedRun:
    """What training and evaluating one spec produced: everything its record is built from."""

    data: list[TaskData]
    models: list[MultiTaskModel]
    outcomes: list[TrainOutcome]
    diagnostics: list[TaskSpec]
    diagnostic_metrics: dict[str, dict[str, float]]
    diagnostic_skips: list[tuple[str, str]]
    prediction_files: list[str]
    data_files: dict[str, str]
    wall_time_s: float
    peak_memory_mb: float
    diagnostic_predictions: list[SplitPredictions] = field(default_factory=list)
    timing: dict[str, float] = field(default_factory=dict)
    """Seconds per phase (``benchmark.training.timing``), the record's ``training.timing``."""
    forgetting: dict | None = None
    """The record's ``forgetting`` (``benchmark.runs.forgetting_run``)."""
    checkpoint: dict | None = None
    """The record's ``checkpoint`` when the run kept one (``keep_checkpoints``)."""

    @functools.cached_property
    def predictions_file(self) -> PredictionsFile:
        """Every evaluated split's per-example predictions (selected evaluation, then the
        diagnostics), encoded once for the record's sha256 and for the file itself."""
        splits = [s for o in self.outcomes for s in o.example_predictions]
        return example_predictions.encode([*splits, *self.diagnostic_predictions])


def execute_run(
    spec: RunSpec, data_dir: str | None, output: Path, predict_test: bool = False,
    keep_checkpoint: bool = False, writes: bool = True,
) -> dict:
    """Train and evaluate ``spec`` and write its record; returns the record.

    A spec that did not come from plan is fingerprinted here first, so its record, too,
    carries the identity its id is the hash of. ``keep_checkpoint``: save the trained
    model(s) in safetensors under ``<output>/checkpoints/<run_id>/`` (the record's
    ``checkpoint``), as an adaptation's source needs. ``writes=False``: a non-main process
    of a parallel launch, which trains alongside the main one and writes nothing.
    """
    if spec.inputs is None:
        spec = with_inputs(spec, data_dir)
    run = train_run(spec, data_dir, output, predict_test)
    if not writes:
        return build_record(spec, get_method(spec.method), run)
    if keep_checkpoint:
        run.checkpoint = keep_checkpoints(spec, run.models, Path(output))
    record = build_record(spec, get_method(spec.method), run)
    example_predictions.write(output, record["run_id"], run.predictions_file)  # before the record
    write_record_atomically(record_path(Path(output), record["run_id"]), record)
    run_states(output, spec).remove()  # the record holds everything they did
    return record


def train_run(
    spec: RunSpec, data_dir: str | None, output: Path, predict_test: bool = False
) -> TrainedRun:
    """Load, train, evaluate and score diagnostics (and write test predictions if asked),
    all in the run's float32 matmul precision (``tf32``, CUDA only).

    ``spec`` must carry its input fingerprints (plan's specs do; see ``with_inputs``).
    """
    with matmul_precision(spec.train.tf32):
        return _train_run(spec, data_dir, output, predict_test)


def _train_run(spec: RunSpec, data_dir: str | None, output: Path, predict_test: bool
               ) -> TrainedRun:
    started = time.perf_counter()
    times = PhaseTimes()
    method = get_method(spec.method)
    cfg = spec.train  # final: plan applied the method's training overrides
    with times.phase("load_s"):
        tokenizer = AutoTokenizer.from_pretrained(resolve_backbone(spec.backbone))
    tasks = [get_task(name) for name in spec.tasks]
    root = resolve_data_dir(data_dir)
    with times.phase("tokenize_s"):  # reading the files too; cached tokens are loaded
        data = prepare_tasks(
            tasks, root, tokenizer, cfg.max_length, spec.budget, spec.seed,
            cfg.selection_fraction if cfg.model_selection == "best" else None,
        )
    check_data_unchanged(spec, root)  # what was read is what the run id names
    pad_id = tokenizer.pad_token_id
    with times.phase("forgetting_s"):  # before seeding: a cached probe must not shift draws
        probe = prepare_forgetting(cfg, spec.backbone, tokenizer, root)
    groups = [data] if method.joint else [[d] for d in data]
    states = run_states(output, spec)
    trained = [
        _train_group(spec, method, group, cfg, pad_id, times,
                     states.part(index, tuple(d.task.name for d in group)), Path(output), index)
        for index, group in enumerate(groups)
    ]
    models = [m for m, _ in trained]
    diagnostics = diagnostic_tasks(spec.suite, spec.tasks)
    diagnostic_predictions: list[SplitPredictions] = []
    with times.phase("diagnostics_s"):
        diagnostic_metrics, diagnostic_skips = score_diagnostics(
            models, diagnostics, root, tokenizer, cfg, diagnostic_predictions
        )
    prediction_files = []
    if predict_test:
        with times.phase("predict_test_s"):
            prediction_files = write_predictions(
                models, diagnostics, root, tokenizer, cfg, output / "predictions" / spec.run_id
            )
    with times.phase("forgetting_s"):
        forgetting = measure_run_forgetting(probe, models)
    return TrainedRun(
        data=data,
        models=models,
        outcomes=[o for _, o in trained],
        diagnostics=diagnostics,
        diagnostic_metrics=diagnostic_metrics,
        diagnostic_skips=diagnostic_skips,
        prediction_files=prediction_files,
        data_files=data_file_hashes([*tasks, *diagnostics], root),
        wall_time_s=time.perf_counter() - started,
        peak_memory_mb=_peak_memory_mb(),
        diagnostic_predictions=diagnostic_predictions,
        timing=times.as_record(),
        forgetting=forgetting,
    )


def build_record(spec: RunSpec, method: Method, run: TrainedRun) -> dict:
    """The result record of a trained spec, checked against the schema before anyone writes it.

    Every training setting in it comes from ``spec.train``, the values the run id hashes.
    """
    cfg = spec.train
    identity = spec.identity()
    outcomes = run.outcomes
    metrics = {k: v for o in outcomes for k, v in o.metrics.items()}
    main_scores = {k: v for o in outcomes for k, v in o.main_scores.items()}
    metrics.update(run.diagnostic_metrics)
    main_scores.update(
        {t: main_score(get_task(t), m) for t, m in run.diagnostic_metrics.items()}
    )
    model_tasks = [[t.name for t in m.trained_tasks] for m in run.models]
    assert spec.inputs is not None  # identity() above has checked it
    record = {
        "schema_version": SCHEMA_VERSION,
        "run_id": identity_hash(identity),
        "identity": identity,
        "method": spec.method,
        "method_options": spec.method_options,
        "method_label": method.label or spec.method,
        "method_family": method.family,
        "method_provenance": dict(spec.inputs.method_provenance),
        "suite": spec.suite,
        "tasks": list(spec.tasks),
        "task_titles": {t.name: t.title for t in [*(d.task for d in run.data), *run.diagnostics]},
        "skipped_tasks": [
            {"task": t, "reason": r} for t, r in [*spec.skipped_tasks, *run.diagnostic_skips]
        ],
        "diagnostics": [t.name for t in run.diagnostics],
        "prediction_files": run.prediction_files,
        "seed": spec.seed,
        "backbone": {"name": spec.backbone, "fingerprint": spec.inputs.backbone_weights},
        "budget": {
            **spec.budget.as_record(),
            "epochs": cfg.epochs,
            "max_steps": cfg.max_steps,
            "batch_size": cfg.batch_size,
            "max_length": cfg.max_length,
            "learning_rate": cfg.learning_rate,
            "train_examples": {d.task.name: len(d.train_examples) for d in run.data},
            "eval_examples": {
                d.task.name: sum(len(e.examples) for e in d.eval_sets) for d in run.data
            },
            **rows_dropped(run.data),
            **train_sources(run.data),
            **format_settings(run.data, cfg.max_length),
        },
        "metrics": metrics,
        "main_scores": main_scores,
        "suite_average": _suite_average(spec, main_scores),
        "parameters": account_parameters(
            method, list(zip(run.models, model_tasks, strict=True)), spec.backbone
        ),
        "data_usage": merge_usage([o.data_usage for o in outcomes]),
        "training": {
            "steps": sum(o.steps for o in outcomes),
            "selected_steps": {t: o.selected_step for o in outcomes for t in o.main_scores},
            "wall_time_s": run.wall_time_s,
            "peak_memory_mb": run.peak_memory_mb,
            "precision": cfg.precision,
            "sampler": spec.sampler,
            "scoring_precision": next(
                (o.scoring_precision for o in outcomes if o.scoring_precision), None
            ),
            "model_selection": cfg.model_selection,
            "selection": selection_record(run.data, cfg, spec.seed),
            "fidelity": cfg.fidelity,
            "regression_rule": next(
                (o.regression_rule for o in outcomes if o.regression_rule), None
            ),
            "task_schedule": {k: v for o in outcomes for k, v in o.task_schedule.items()},
            "starved_tasks": {k: v for o in outcomes for k, v in o.starved_tasks.items()},
            "timing": run.timing,
        },
        "example_predictions": run.predictions_file.field(identity_hash(identity)),
        "trivial_baseline": trivial_baselines(run.data),
        **({"forgetting": run.forgetting} if run.forgetting is not None else {}),
        **({"checkpoint": run.checkpoint} if run.checkpoint is not None else {}),
        **({"adaptation": adaptation_record(spec, run.data)} if spec.adapt_from else {}),
        "history": _merge_history(outcomes, model_tasks),
        "manifest": build_manifest(
            {**identity, "train": dataclasses.asdict(cfg)}, run.data_files
        ),
    }
    validate_record(record, f"record of run {record['run_id']} ({spec.label()})")
    return record


def keep_checkpoints(spec: RunSpec, models: list[MultiTaskModel], output: Path) -> dict:
    """Save every trained model of the run (one for a joint method, one per task otherwise)
    and describe the files for the record: name, bytes, sha256."""
    folder = checkpoint_folder(output, spec.run_id)
    files = []
    for index, model in enumerate(models):
        part = folder if len(models) == 1 else folder / f"part-{index}"
        part.mkdir(parents=True, exist_ok=True)
        save_checkpoint(model, part, spec.method, spec.method_options, spec.backbone,
                        spec.train.max_length)
        weights = part / WEIGHTS_FILE
        files.append({"name": str(weights.relative_to(folder)), "bytes": weights.stat().st_size,
                      "sha256": file_sha256(weights)})
    return {"folder": str(folder.relative_to(output)), "format": "safetensors",
            "bytes": sum(f["bytes"] for f in files), "files": files}


def _suite_average(spec: RunSpec, main_scores: dict[str, float]) -> float | None:
    if spec.suite not in suite_names() or spec.skipped_tasks:
        return None  # a task-set suite (tasks:a+b) has no average
    return suite_average(spec.suite, main_scores)


def _merge_history(outcomes: list[TrainOutcome], names: list[list[str]]) -> list[dict]:
    """One learning-curve list; per-task models are tagged with the task they trained."""
    if len(outcomes) == 1:
        return outcomes[0].history
    merged = []
    for outcome, group in zip(outcomes, names, strict=True):
        merged.extend({**entry, "model": "+".join(group)} for entry in outcome.history)
    return merged
